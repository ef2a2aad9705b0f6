//! The booking event outbox: rows written by the triggers on `bookings` in the same
//! transaction as each booking change (once per statement, see migration V16), and by a change of a show for
//! its live bookings ([`Db::patch_show`]); read and deleted here by the relay once the
//! event stream has them.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{Db, Tx, db_error};
use crate::domain::Result;

/// One booking change, as stored in the outbox.
#[derive(Debug, Clone)]
pub struct OutboxEvent {
    /// Increasing per booking; consumers drop an event id they have already seen.
    pub id: i64,
    /// `held`, `confirmed`, `cancelled`, `expired` or `show_changed`.
    pub event_type: String,
    pub booking_id: Uuid,
    /// The booking after the change, as a JSON object (see the README).
    pub payload: String,
    pub occurred_at: DateTime<Utc>,
}

/// Key of the advisory lock that makes one relay at a time deliver, in id order.
const RELAY_LOCK: i64 = 0x7465_7373_6572_6101;

impl Db {
    /// Hands up to `limit` of the oldest undelivered events to `deliver` and deletes them
    /// once it reports success, returning how many. `Ok(None)` when nothing could be done:
    /// `deliver` failed (the events stay for the next round) or another relay is at work
    /// (one at a time across all instances, so events leave in id order).
    ///
    /// At least once: if the process dies after `deliver` and before the delete commits,
    /// the same events are delivered again.
    pub async fn relay_outbox<F, Fut>(&self, limit: i64, deliver: F) -> Result<Option<usize>>
    where
        F: FnOnce(Vec<OutboxEvent>) -> Fut,
        Fut: Future<Output = bool>,
    {
        // READ COMMITTED: the relay takes no predicate locks, so it never makes a booking
        // transaction fail.
        let tx = Tx::read_committed(self.client().await?).await?;
        let locked: bool = tx
            .one("SELECT pg_try_advisory_xact_lock($1)", &[&RELAY_LOCK])
            .await
            .map_err(db_error)?
            .get(0);
        if !locked {
            return Ok(None);
        }
        let rows = tx
            .rows(
                "SELECT id, event_type, booking_id, payload::text, occurred_at \
                 FROM outbox ORDER BY id LIMIT $1",
                &[&limit],
            )
            .await
            .map_err(db_error)?;
        if rows.is_empty() {
            return Ok(Some(0));
        }
        let events: Vec<OutboxEvent> = rows
            .iter()
            .map(|row| OutboxEvent {
                id: row.get(0),
                event_type: row.get(1),
                booking_id: row.get(2),
                payload: row.get(3),
                occurred_at: row.get(4),
            })
            .collect();
        let ids: Vec<i64> = events.iter().map(|e| e.id).collect();
        if !deliver(events).await {
            return Ok(None);
        }
        tx.exec("DELETE FROM outbox WHERE id = ANY($1)", &[&ids])
            .await
            .map_err(db_error)?;
        tx.commit().await?;
        Ok(Some(ids.len()))
    }

    /// Deletes events older than `hours` that no relay delivered (only without Redis:
    /// nobody can consume them).
    pub async fn prune_outbox(&self, hours: i32) -> Result<u64> {
        let client = self.client().await?;
        client
            .exec(
                "DELETE FROM outbox WHERE occurred_at < now() - make_interval(hours => $1)",
                &[&hours],
            )
            .await
            .map_err(db_error)
    }

    /// Age in seconds of the oldest event not yet delivered (0: none).
    pub async fn outbox_lag_secs(&self) -> Result<f64> {
        let client = self.read_client().await?;
        let row = client
            .one(
                "SELECT coalesce(extract(epoch FROM now() - min(occurred_at))::float8, 0) \
                 FROM (SELECT occurred_at FROM outbox ORDER BY id LIMIT 1) oldest",
                &[],
            )
            .await
            .map_err(db_error)?;
        Ok(row.get(0))
    }
}
