//! The domain: validated values, rules and errors, independent of HTTP and storage.

pub mod best_available;
pub mod booking;
pub mod error;
pub mod layout;
pub mod limits;
pub mod page;
pub mod show;
pub mod ticket;

pub use error::{Code, Error, ErrorKind, Result};
