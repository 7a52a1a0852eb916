//! Analysis of a run: milestones, blast radius and the score against an expected timeline.

pub mod report;

pub use report::Report;
