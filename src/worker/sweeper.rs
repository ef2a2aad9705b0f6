//! The hold sweeper: writes down expiries and frees seats of holds that ran out.
//!
//! Correctness does not depend on it (every read and write treats a lapsed hold as
//! expired already); it keeps the tables tidy and the counters fresh. Any number of
//! instances may run it at once: each booking is claimed with `FOR UPDATE SKIP LOCKED`.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;

use crate::cache::Hub;
use crate::service;
use crate::store::Db;

/// Bookings looked at per batch.
const BATCH: i64 = 200;

/// Runs until `stop` turns true: every `interval`, expires the holds that lapsed and tells
/// `hub` (caches, live listeners) what changed.
pub async fn run(db: Db, hub: Arc<Hub>, interval: Duration, mut stop: watch::Receiver<bool>) {
    let mut ticker = tokio::time::interval(interval);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = ticker.tick() => {}
            _ = stop.changed() => return,
        }
        sweep(&db, &hub).await;
    }
}

/// One sweep: every hold that has lapsed by now, a batch at a time, each expiry announced
/// as it commits (by the use case). A booking that fails is logged, counted and passed over; the
/// next sweep tries it again.
async fn sweep(db: &Db, hub: &Arc<Hub>) {
    let mut after = None;
    loop {
        let step = match service::bookings::expire_lapsed(db, hub, after.as_ref(), BATCH).await {
            Ok(step) => step,
            Err(err) => {
                tracing::warn!(error = %err, "sweeper run failed; will retry");
                return;
            }
        };
        metrics::counter!(crate::metrics::SWEEPER_RUNS).increment(1);
        metrics::counter!(crate::metrics::SWEEPER_EXPIRED).increment(step.expired.len() as u64);
        if !step.expired.is_empty() {
            tracing::debug!(
                due = step.due,
                expired = step.expired.len(),
                "released lapsed holds"
            );
        }
        for (booking_id, err) in &step.failed {
            // Contention that outlasted the retries is no fault; anything else is a bug or
            // bad data in that one booking, and is worth a person's look.
            let reason = if err.is_busy() { "conflict" } else { "error" };
            metrics::counter!(crate::metrics::SWEEPER_FAILURES, "reason" => reason).increment(1);
            if err.is_busy() {
                tracing::warn!(%booking_id, "could not expire a lapsed hold for contention; will retry");
            } else {
                tracing::error!(%booking_id, error = %err, "could not expire a lapsed hold; skipped");
            }
        }
        if let Some(err) = step.interrupted {
            tracing::warn!(error = %err, "sweeper run interrupted; will retry");
            return;
        }
        if (step.due as i64) < BATCH {
            return;
        }
        // A full batch: more may be due, go on at once.
        after = step.next;
    }
}
