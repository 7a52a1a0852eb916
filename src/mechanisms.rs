//! The failure and recovery mechanisms, one module each; the engine composes them.

pub mod autoscaling;
pub mod breaker;
pub mod buffer;
pub mod capacity;
pub mod closed_loop;
pub mod control;
pub mod draining;
pub mod health;
pub mod load;
pub mod oom;
pub mod partitions;
pub mod peers;
pub mod pool;
pub mod priority;
pub mod queueing;
pub mod retries;
pub mod retry_modes;
pub mod rolling;
pub mod routing;
pub mod segments;
pub mod serverless;
pub mod shedding;
pub mod sync_call;
pub mod warmup;
