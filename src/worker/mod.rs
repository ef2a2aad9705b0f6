//! Background tasks.

pub mod sweeper;
