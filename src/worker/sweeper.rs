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
        loop {
            match state.db.expire_lapsed(BATCH).await {
                Ok((due, shows)) => {
                    for show_id in &shows {
                        state.cache.show_changed(*show_id).await;
                    }
                    if !shows.is_empty() {
                        tracing::debug!(due, shows = shows.len(), "released lapsed holds");
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
