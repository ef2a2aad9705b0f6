//! Event streams a client may keep open: counted per client address and in all.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::domain::{Code, Error};

/// The open event streams of this instance, in all and per client address: each is a
/// connection held open for as long as the client likes, so one address may not hold more
/// than `per_address` and all of them not more than `total` (`0`: no cap).
pub struct StreamSlots {
    total: usize,
    per_address: usize,
    /// Streams per address, and in all.
    open: Mutex<(HashMap<String, usize>, usize)>,
}

impl StreamSlots {
    pub fn new(total: usize, per_address: usize) -> Arc<Self> {
        Arc::new(Self {
            total,
            per_address,
            open: Mutex::default(),
        })
    }

    /// A slot for a new stream from `address`, or why there is none.
    pub fn open(self: &Arc<Self>, address: String) -> crate::domain::Result<StreamSlot> {
        let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        let (by_address, all) = &mut *open;
        let mine = by_address.get(&address).copied().unwrap_or(0);
        if self.per_address > 0 && mine >= self.per_address {
            metrics::counter!(crate::metrics::RATE_LIMITED, "limit" => "event_streams_per_ip")
                .increment(1);
            return Err(Error {
                retry_after_secs: Some(STREAM_RETRY_SECS),
                ..Error::new(
                    Code::TooManyStreams,
                    format!(
                        "This address already has {mine} live event streams open; close one first."
                    ),
                )
            });
        }
        if self.total > 0 && *all >= self.total {
            metrics::counter!(crate::metrics::RATE_LIMITED, "limit" => "event_streams")
                .increment(1);
            return Err(Error {
                retry_after_secs: Some(STREAM_RETRY_SECS),
                ..Error::new(
                    Code::StreamsFull,
                    "This instance has as many live event streams open as it takes; try again shortly.",
                )
            });
        }
        *by_address.entry(address.clone()).or_default() += 1;
        *all += 1;
        metrics::gauge!(crate::metrics::LIVE_LISTENERS).increment(1.0);
        Ok(StreamSlot {
            slots: self.clone(),
            address,
        })
    }
}

/// When a refused stream may try again.
const STREAM_RETRY_SECS: u64 = 5;

/// One open stream: counted under its address (and in the live-listeners gauge) for as
/// long as it exists.
pub struct StreamSlot {
    slots: Arc<StreamSlots>,
    address: String,
}

impl Drop for StreamSlot {
    fn drop(&mut self) {
        let mut open = self.slots.open.lock().unwrap_or_else(|e| e.into_inner());
        let (by_address, all) = &mut *open;
        *all -= 1;
        if let Some(n) = by_address.get_mut(&self.address) {
            *n -= 1;
            if *n == 0 {
                by_address.remove(&self.address);
            }
        }
        metrics::gauge!(crate::metrics::LIVE_LISTENERS).decrement(1.0);
    }
}
