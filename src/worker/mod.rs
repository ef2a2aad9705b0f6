//! Background tasks.

pub mod relay;
pub mod sweeper;
