//! Background tasks.

pub mod housekeeping;
pub mod memory;
pub mod relay;
pub mod sweeper;
