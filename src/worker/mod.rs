//! Background tasks.

pub mod memory;
pub mod relay;
pub mod sweeper;
