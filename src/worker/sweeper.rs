//! The hold sweeper: writes down expiries and frees seats of holds that ran out.
//!
//! Correctness does not depend on it (every read and write treats a lapsed hold as
//! expired already); it keeps the tables tidy and the counters fresh. Any number of
//! instances may run it at once: each booking is claimed with `FOR UPDATE SKIP LOCKED`.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;

use crate::app::AppState;

/// Bookings looked at per batch.
const BATCH: i64 = 200;

/// Runs until `stop` turns true.
pub async fn run(state: Arc<AppState>, interval: Duration, mut stop: watch::Receiver<bool>) {
    let mut ticker = tokio::time::interval(interval);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = ticker.tick() => {}
            _ = stop.changed() => return,
        }
        state.limits.forget_idle();
        state.cache.forget_old();
        loop {
            match state.db.expire_lapsed(BATCH).await {
                Ok((due, expired)) => {
                    metrics::counter!(crate::metrics::SWEEPER_RUNS).increment(1);
                    metrics::counter!(crate::metrics::SWEEPER_EXPIRED)
                        .increment(expired.len() as u64);
                    metrics::counter!(crate::metrics::BOOKING_EVENTS, "event" => "expired")
                        .increment(expired.len() as u64);
                    for (show_id, seat_ids) in &expired {
                        state.cache.committed(&state.db, *show_id, seat_ids).await;
                    }
                    if !expired.is_empty() {
                        tracing::debug!(due, expired = expired.len(), "released lapsed holds");
                    }
                    if (due as i64) < BATCH {
                        break;
                    }
                    // A full batch: more may be due, go on at once.
                }
                Err(err) => {
                    tracing::warn!(error = %err, "sweeper run failed; will retry");
                    break;
                }
            }
        }
    }
}
