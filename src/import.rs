//! Service graphs from tracing systems turned into topology skeletons.
