//! Cancelling a show: it takes no more holds, and every live booking of it fails with the
//! reason SHOW_CANCELLED, its seats freed, in one transaction.

use super::{SHOW_STATE, ShowState};
use crate::domain::booking::{AfterStart, show_started};
use crate::domain::{Code, Error, Result};
use crate::store::{Db, Tx, db_error};

/// What a cancellation did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ShowCancellation {
    /// Confirmed bookings cancelled.
    pub bookings: i64,
    /// Live holds cancelled.
    pub holds: i64,
    /// Holds that had lapsed before (written down as expired).
    pub lapsed: i64,
}

/// How often a cancellation that lost a deadlock is tried again.
const ATTEMPTS: u32 = 3;

impl Db {
    /// Cancels a show before it starts, with its live bookings. Cancelling it again
    /// finishes what an interrupted cancellation left (nothing, normally: all zero).
    ///
    /// Two READ COMMITTED transactions with explicit locks, like [`Db::patch_show`] and for
    /// the same reason: as one SERIALIZABLE transaction it would rewrite thousands of rows
    /// that holds of a busy show keep changing, and lose to them.
    ///
    /// 1. The show row is locked (`FOR NO KEY UPDATE`: cancellations and changes of a show
    ///    take turns) and marked cancelled, and that commits at once. From then on every
    ///    booking transaction that begins reads the show as cancelled and refuses without
    ///    touching a seat (see `lock_seat_rows` and `lock_booking`), so nothing waits on
    ///    the locks of step 2 and nothing new deadlocks with them.
    /// 2. Then, in one transaction: the show's live bookings are locked in id order (a
    ///    confirm or cancel in flight finishes first), then every seat of the show in seat
    ///    order, the order holds lock seats in (a hold in flight finishes first), and every
    ///    seat not blocked is rewritten, freed or as it is: a SERIALIZABLE hold that began
    ///    before step 1 committed and locks a seat after this fails on the rewritten row
    ///    ("concurrent update") and retries, and the retry reads the show as cancelled. So
    ///    no booking of the show commits after this statement. One statement then fails
    ///    every live booking (read again: holds that began before step 1 may have added
    ///    some), takes holds off their users' counts, drops their expiry records and sets
    ///    each seat row's counter to its blocked seats.
    ///
    /// Only this show's rows (and its buyers' user rows) are locked: other shows sell on.
    /// If step 2 fails, the show stays cancelled and refuses every sale, and cancelling it
    /// again completes the work.
    pub async fn cancel_show(&self, show_id: i64) -> Result<ShowCancellation> {
        if !self.mark_cancelled(show_id).await? && !self.has_live_bookings(show_id).await? {
            // Cancelled before, and done: no need to lock and rewrite it all again.
            return Ok(ShowCancellation::default());
        }
        let mut attempt = 0;
        loop {
            attempt += 1;
            match self.fail_bookings_of_cancelled(show_id).await {
                // Not expected (see above), but a deadlock is PostgreSQL's to break and
                // then ours to try again.
                Err(err) if err.code == Code::SerializationFailure && attempt < ATTEMPTS => {
                    tracing::warn!(show_id, attempt, "show cancellation deadlocked; again");
                }
                other => return other,
            }
        }
    }

    /// Step 1 of [`Db::cancel_show`]: the show is marked cancelled. False when it was
    /// already.
    async fn mark_cancelled(&self, show_id: i64) -> Result<bool> {
        let client = self.client().await?;
        let row = client
            .opt(
                &format!(
                    "WITH current AS ( \
                       SELECT id, {SHOW_STATE} AS state FROM shows WHERE id = $1 FOR NO KEY UPDATE), \
                     marked AS ( \
                       UPDATE shows s SET cancelled_at = now() FROM current \
                       WHERE s.id = current.id AND current.state = 'on_sale') \
                     SELECT state FROM current"
                ),
                &[&show_id],
            )
            .await
            .map_err(db_error)?
            .ok_or_else(|| Error::show_not_found(show_id))?;
        match ShowState::parse(row.get(0)) {
            ShowState::Started => Err(show_started(AfterStart::CancelShow)),
            ShowState::OnSale => Ok(true),
            ShowState::Cancelled => Ok(false),
        }
    }

    async fn has_live_bookings(&self, show_id: i64) -> Result<bool> {
        let client = self.client().await?;
        let row = client
            .one(
                "SELECT EXISTS (SELECT 1 FROM bookings \
                   WHERE show_id = $1 AND status IN ('PENDING', 'CONFIRMED'))",
                &[&show_id],
            )
            .await
            .map_err(db_error)?;
        Ok(row.get(0))
    }

    /// Step 2 of [`Db::cancel_show`]: every live booking of the cancelled show fails.
    async fn fail_bookings_of_cancelled(&self, show_id: i64) -> Result<ShowCancellation> {
        let tx = Tx::read_committed(self.client().await?).await?;
        // A statement may rewrite tens of thousands of rows (a stadium): the admin's
        // request time bounds it, not the per-statement timeout meant for buyers'
        // requests.
        tx.batch_execute("SET LOCAL statement_timeout = 0")
            .await
            .map_err(db_error)?;
        tx.exec(
            "SELECT count(*) FROM (SELECT 1 FROM bookings \
               WHERE show_id = $1 AND status IN ('PENDING', 'CONFIRMED') \
               ORDER BY id FOR UPDATE) locked",
            &[&show_id],
        )
        .await
        .map_err(db_error)?;
        crate::store::shows::lock_every_seat(&tx, show_id).await?;
        tx.exec(
            "UPDATE seats SET status = 'AVAILABLE', booking_id = NULL, held_until = NULL \
             WHERE show_id = $1 AND status <> 'BLOCKED'",
            &[&show_id],
        )
        .await
        .map_err(db_error)?;
        // `live` reads the bookings as they were before this statement, so it knows which
        // were holds, and which of those had lapsed. `blocked` is counted once (inlined,
        // it was counted again for every seat row: 1.5 s for a stadium).
        let row = tx
            .one(
                "WITH live AS ( \
                   SELECT id, user_id, status, cardinality(seat_ids) AS seats, \
                          status = 'PENDING' AND expires_at <= now() AS lapsed \
                   FROM bookings WHERE show_id = $1 AND status IN ('PENDING', 'CONFIRMED') \
                   FOR UPDATE), \
                 failed AS ( \
                   UPDATE bookings b SET status = 'FAILED', updated_at = now(), \
                          failure_reason = CASE WHEN live.lapsed THEN 'EXPIRED' ELSE 'SHOW_CANCELLED' END \
                   FROM live WHERE b.id = live.id), \
                 uncounted AS ( \
                   UPDATE users u SET held_seats = u.held_seats - held.seats \
                   FROM (SELECT user_id, sum(seats)::int AS seats FROM live \
                         WHERE status = 'PENDING' GROUP BY user_id) held \
                   WHERE u.id = held.user_id), \
                 unexpiring AS (DELETE FROM pending_holds WHERE show_id = $1), \
                 blocked AS MATERIALIZED ( \
                   SELECT row_no, count(*)::int AS seats FROM seats \
                   WHERE show_id = $1 AND status = 'BLOCKED' GROUP BY row_no), \
                 counted AS ( \
                   UPDATE show_rows r \
                   SET taken = coalesce((SELECT seats FROM blocked WHERE blocked.row_no = r.row_no), 0) \
                   WHERE r.show_id = $1) \
                 SELECT count(*) FILTER (WHERE status = 'CONFIRMED'), \
                        count(*) FILTER (WHERE status = 'PENDING' AND NOT lapsed), \
                        count(*) FILTER (WHERE lapsed) \
                 FROM live",
                &[&show_id],
            )
            .await
            .map_err(db_error)?;
        tx.commit().await?;
        Ok(ShowCancellation {
            bookings: row.get(0),
            holds: row.get(1),
            lapsed: row.get(2),
        })
    }
}
