//! The sweeper's step: expiring lapsed holds, one small transaction each, never held up
//! by one that fails.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{LOCKED_COLUMNS, LockedBooking, OwnedSeat, lock_seat_rows, release};
use crate::domain::booking::FailureReason;
use crate::domain::{Error, ErrorKind, Result};
use crate::store::{Db, db_error};

impl Db {
    /// The sweeper's step: marks up to `limit` lapsed holds FAILED/EXPIRED and frees their
    /// seats, one small transaction each, taking them in expiry order after `after` (the
    /// `next` of the previous step of the same sweep). Bookings another instance is
    /// sweeping right now are skipped (`SKIP LOCKED`).
    ///
    /// One booking that cannot be expired never holds up the others: its error is
    /// reported in [`Sweep::failed`] and the step goes on with the next, and the cursor
    /// moves past it, so a sweep walks every lapsed hold once. Only losing the database
    /// ends the step early ([`Sweep::interrupted`]): the next booking would fail alike.
    pub async fn expire_lapsed(&self, after: Option<&SweepCursor>, limit: i64) -> Result<Sweep> {
        let (after_at, after_id) = after.map(|c| (c.expires_at, c.booking_id)).unzip();
        let due: Vec<(Uuid, i64, DateTime<Utc>)> = {
            let client = self.client().await?;
            let stmt = "SELECT booking_id, show_id, expires_at FROM pending_holds \
                     WHERE expires_at <= now() \
                       AND ($2::timestamptz IS NULL OR (expires_at >= $2 \
                            AND (expires_at, booking_id) > ($2, $3::uuid))) \
                     ORDER BY expires_at, booking_id LIMIT $1";
            client
                .rows(stmt, &[&limit, &after_at, &after_id])
                .await
                .map_err(db_error)?
                .iter()
                .map(|row| (row.get(0), row.get(1), row.get(2)))
                .collect()
        };
        let mut sweep = Sweep {
            due: due.len(),
            next: due.last().map(|&(booking_id, _, expires_at)| SweepCursor {
                expires_at,
                booking_id,
            }),
            ..Sweep::default()
        };
        for &(id, show_id, _) in &due {
            match self.expire_one(id).await {
                Ok(Some(seat_ids)) => sweep.expired.push((show_id, seat_ids)),
                Ok(None) => {}
                Err(err) if err.kind() == ErrorKind::Unavailable && !err.is_busy() => {
                    sweep.interrupted = Some(err);
                    return Ok(sweep);
                }
                Err(err) => sweep.failed.push((id, err)),
            }
        }
        // Idempotency keys only need to outlive client retries.
        let client = self.client().await?;
        client
            .exec(
                "DELETE FROM idempotency_keys WHERE created_at < now() - interval '24 hours'",
                &[],
            )
            .await
            .map_err(db_error)?;
        Ok(sweep)
    }

    /// Expires one lapsed hold, freeing the seats it still owns. `None` when it is not
    /// (or no longer) a lapsed PENDING hold, or another transaction has it locked: a
    /// confirm, a cancel or another sweeper, which will deal with it.
    async fn expire_one(&self, id: Uuid) -> Result<Option<Vec<i32>>> {
        self.serializable("expire", &id, |tx, id| {
            Box::pin(async move {
                let stmt = format!(
                    "SELECT {LOCKED_COLUMNS} FROM bookings \
                         WHERE id = $1 AND status = 'PENDING' AND expires_at <= now() \
                         FOR UPDATE SKIP LOCKED"
                );
                let row = tx
                    .begin_with(async { tx.opt(&stmt, &[id]).await.map_err(db_error) })
                    .await?;
                let Some(row) = row else {
                    return Ok(None);
                };
                let mut booking = LockedBooking::from_row(*id, &row)?;
                booking.seats =
                    lock_seat_rows(tx, booking.show_id, &booking.seat_ids, Some(*id), None)
                        .await?
                        .seats
                        .into_iter()
                        .map(|s| OwnedSeat {
                            row_no: s.row_no,
                            ctid: s.ctid,
                            counter: None,
                        })
                        .collect();
                release(tx, &booking, FailureReason::Expired).await?;
                Ok(Some(booking.seat_ids))
            })
        })
        .await
    }
}

/// Where a sweep goes on: the last lapsed hold its previous step looked at.
#[derive(Debug, Clone, Copy)]
pub struct SweepCursor {
    expires_at: DateTime<Utc>,
    booking_id: Uuid,
}

/// What one step of the sweeper did.
#[derive(Debug, Default)]
pub struct Sweep {
    /// Lapsed holds looked at (fewer than the limit: the sweep is through).
    pub due: usize,
    /// Where the next step of the same sweep starts.
    pub next: Option<SweepCursor>,
    /// The show and seats of each booking expired here.
    pub expired: Vec<(i64, Vec<i32>)>,
    /// Bookings that could not be expired, and why; a later sweep tries them again.
    pub failed: Vec<(Uuid, Error)>,
    /// The database went away: the step ended early.
    pub interrupted: Option<Error>,
}
