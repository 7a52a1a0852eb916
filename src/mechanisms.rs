//! The failure and recovery mechanisms, one module each; the engine composes them.

pub mod capacity;
pub mod health;
pub mod load;
pub mod retries;
pub mod rolling;
pub mod sync_call;
