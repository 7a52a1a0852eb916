//! The failure and recovery mechanisms, one module each; the engine composes them.

pub mod buffer;
pub mod capacity;
pub mod control;
pub mod health;
pub mod load;
pub mod oom;
pub mod peers;
pub mod priority;
pub mod retries;
pub mod rolling;
pub mod sync_call;
pub mod warmup;
