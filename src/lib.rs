//! blastsim: simulates how failures spread through a graph of services, and how fast it gets back.

pub mod analysis;
pub mod engine;
pub mod mechanisms;
pub mod model;
pub mod report;
pub mod time;
pub mod topology;
