//! The hold sweeper: writes down expiries and frees seats of holds that ran out.
//!
//! Correctness does not depend on it (every read and write treats a lapsed hold as
//! expired already); it keeps the tables tidy and the counters fresh. Any number of
//! instances may run it at once: each booking is claimed with `FOR UPDATE SKIP LOCKED`.

use std::time::Duration;

use tokio::sync::watch;

use crate::store::Db;

/// Bookings expired per transaction batch.
const BATCH: i64 = 200;

/// Runs until `stop` turns true.
pub async fn run(db: Db, interval: Duration, mut stop: watch::Receiver<bool>) {
    let mut ticker = tokio::time::interval(interval);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = ticker.tick() => {}
            _ = stop.changed() => return,
        }
        loop {
            match db.expire_lapsed(BATCH).await {
                Ok(n) if n as i64 == BATCH => continue, // more are due: go on at once
                Ok(0) => break,
                Ok(n) => {
                    tracing::debug!(expired = n, "released lapsed holds");
                    break;
                }
                Err(err) => {
                    tracing::warn!(error = %err, "sweeper run failed; will retry");
                    break;
                }
            }
        }
    }
}
