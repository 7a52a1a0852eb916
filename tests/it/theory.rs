//! Checks against queueing theory.
