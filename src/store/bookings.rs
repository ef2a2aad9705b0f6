//! Holds, confirmations, cancellations and expiry: the transactions that must never sell a
//! seat twice.
//!
//! Every one of them runs in a SERIALIZABLE transaction (see [`Db::serializable`]) and
//! locks the seat rows it changes with `SELECT … FOR UPDATE … ORDER BY seat_id`, so two
//! transactions always take seat locks in the same order. Lock order across tables is
//! booking row -> seat rows -> seat-row counters.
//!
//! The database clock decides expiry: a PENDING booking whose `expires_at` has passed is
//! treated as expired by every query here, whether or not the sweeper has run.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use tokio_postgres::Row;
use tokio_postgres::types::ToSql;
use uuid::Uuid;

use super::params::Params;
use super::tx::{CommitError, Write};
use super::{Db, Tx, db_error, is_unique_violation};
use crate::domain::best_available::{self, RowAvailability};
use crate::domain::booking::{
    Booking, BookingStatus, FailureReason, HoldRequest, SeatRequest, SeatStatus,
};
use crate::domain::page::Cursor;
use crate::domain::{Code, Error, ErrorKind, Result};

/// Columns of a booking as [`booking_from_row`] reads them. `lapsed` is true for a
/// PENDING booking past its expiry.
const BOOKING_COLUMNS: &str = "id, show_id, status, failure_reason, seat_ids, seat_labels, total_cents, \
     expires_at, created_at, updated_at, (status = 'PENDING' AND expires_at <= now()) AS lapsed";

fn booking_from_row(row: &Row) -> Result<Booking> {
    let lapsed: bool = row.get(10);
    let (status, failure_reason) = if lapsed {
        (BookingStatus::Failed, Some(FailureReason::Expired))
    } else {
        (
            BookingStatus::parse(row.get(2))?,
            row.get::<_, Option<&str>>(3)
                .map(FailureReason::parse)
                .transpose()?,
        )
    };
    Ok(Booking {
        id: row.get(0),
        show_id: row.get(1),
        status,
        failure_reason,
        seat_ids: row.get(4),
        seat_labels: row.get(5),
        total_cents: row.get(6),
        expires_at: row.get(7),
        created_at: row.get(8),
        updated_at: row.get(9),
    })
}

/// How holds work in this deployment.
#[derive(Debug, Clone, Copy)]
pub struct HoldRules {
    /// How long an unconfirmed hold lasts.
    pub ttl_secs: u32,
    /// The most seats one user may hold at once, over all their live holds.
    pub max_held_seats: u32,
}

/// The result of a hold request.
#[derive(Debug)]
pub struct HoldOutcome {
    pub booking: Booking,
    /// True when an Idempotency-Key matched an earlier request and nothing new was held.
    pub replayed: bool,
}

/// The result of a confirm or cancel that committed.
#[derive(Debug)]
pub enum Transition {
    /// The booking is now in the requested state (or already was).
    Done(Booking),
    /// The hold had run out; it is now FAILED/EXPIRED and its seats are free.
    Expired(Booking),
}

/// Everything one hold attempt needs, borrowed by each retry.
struct HoldCtx<'r> {
    user_id: i64,
    show_id: i64,
    seat_ids: Vec<i32>,
    ttl_secs: f64,
    booking_id: Uuid,
    idempotency: Option<(&'r str, String)>,
    /// The most seats one user may hold at once, across all their live holds.
    max_held_seats: i32,
}

/// How often a "best available" pick is re-made after losing its seats to a concurrent
/// hold. Every lost pick means another party got seats, so the loop ends when the show
/// runs out; the bound only caps the work one request may do in a stampede.
const MAX_PICKS: usize = 64;

/// Rows considered in the first, cheap pass of "best available" (rows with room).
const CANDIDATE_ROWS: i64 = 16;

impl Db {
    /// Holds seats for `user_id`: all of them or none.
    pub async fn hold(
        &self,
        user_id: i64,
        request: &HoldRequest,
        rules: HoldRules,
        idempotency_key: Option<&str>,
    ) -> Result<HoldOutcome> {
        let fingerprint = request.fingerprint();
        if let Some(key) = idempotency_key
            && let Some(outcome) = self.replay(user_id, key, &fingerprint).await?
        {
            return Ok(outcome);
        }
        let mut ctx = HoldCtx {
            user_id,
            show_id: request.show_id,
            seat_ids: Vec::new(),
            ttl_secs: f64::from(rules.ttl_secs),
            max_held_seats: i32::try_from(rules.max_held_seats).unwrap_or(i32::MAX),
            booking_id: Uuid::new_v4(),
            idempotency: idempotency_key.map(|key| (key, fingerprint.clone())),
        };
        let mut picks = 0;
        let result = loop {
            ctx.seat_ids = match &request.seats {
                SeatRequest::Seats(ids) => ids.clone(),
                SeatRequest::Best { quantity, category } => {
                    picks += 1;
                    self.pick_best(request.show_id, *quantity, category.as_deref())
                        .await?
                }
            };
            let result = self
                .serializable("hold", &ctx, |tx, ctx| Box::pin(hold_tx(tx, ctx)))
                .await;
            match result {
                // Someone took the picked seats between the pick and the lock: pick again.
                Err(err)
                    if err.code == Code::SeatsUnavailable
                        && matches!(request.seats, SeatRequest::Best { .. }) =>
                {
                    if picks >= MAX_PICKS {
                        break Err(Error::busy(
                            "Seats are selling too fast to pick some for you; try again.",
                        ));
                    }
                }
                other => break other,
            }
        };
        match result {
            Ok(booking) => Ok(HoldOutcome {
                booking,
                replayed: false,
            }),
            // A copy of this request with the same key may have won: the seats it was
            // refused, or the key itself, are that copy's. Its booking is this answer too.
            Err(err) if err.kind() == ErrorKind::Conflict && idempotency_key.is_some() => {
                let key = idempotency_key.unwrap_or_default();
                match self.replay(user_id, key, &fingerprint).await? {
                    Some(outcome) => Ok(outcome),
                    None if err.code == Code::IdempotencyRace => {
                        Err(Error::internal(anyhow::anyhow!("idempotency key vanished")))
                    }
                    None => Err(err),
                }
            }
            Err(err) => Err(err),
        }
    }

    /// The earlier result for an Idempotency-Key, if there is one.
    async fn replay(
        &self,
        user_id: i64,
        key: &str,
        fingerprint: &str,
    ) -> Result<Option<HoldOutcome>> {
        let client = self.client().await?;
        let row = client
            .query_opt(
                "SELECT request_hash, booking_id FROM idempotency_keys WHERE user_id = $1 AND key = $2",
                &[&user_id, &key],
            )
            .await
            .map_err(db_error)?;
        let Some(row) = row else { return Ok(None) };
        if row.get::<_, &str>(0) != fingerprint {
            return Err(Error::new(
                Code::IdempotencyKeyReused,
                "This Idempotency-Key was used for a different request.",
            ));
        }
        drop(client);
        let booking = self.booking(user_id, row.get(1)).await?;
        Ok(Some(HoldOutcome {
            booking,
            replayed: true,
        }))
    }

    /// Chooses seats for a party from a READ COMMITTED read (no predicate locks, so the
    /// read never makes other holds fail); the hold transaction then locks and re-checks
    /// them. First only the front rows with room are read; the whole show only when
    /// those cannot seat the party together without stranding a seat.
    async fn pick_best(
        &self,
        show_id: i64,
        quantity: usize,
        category: Option<&str>,
    ) -> Result<Vec<i32>> {
        let client = self.client().await?;
        let stmt = client
            .prepare_cached(
                "SELECT s.row_no, r.seat_count, s.number, s.seat_id \
                 FROM seats s JOIN show_rows r ON r.show_id = s.show_id AND r.row_no = s.row_no \
                 WHERE s.show_id = $1 AND ($2::text IS NULL OR r.category = $2) \
                   AND ($3::bigint IS NULL OR s.row_no IN ( \
                        SELECT row_no FROM show_rows WHERE show_id = $1 \
                          AND ($2::text IS NULL OR category = $2) AND seat_count - taken >= $4 \
                        ORDER BY row_no LIMIT $3)) \
                   AND (s.status = 'AVAILABLE' OR (s.status = 'HELD' AND s.held_until <= now())) \
                 ORDER BY s.row_no, s.number",
            )
            .await
            .map_err(db_error)?;
        let quantity_i32 = quantity as i32;
        for limit in [Some(CANDIDATE_ROWS), None] {
            let rows = client
                .query(&stmt, &[&show_id, &category, &limit, &quantity_i32])
                .await
                .map_err(db_error)?;
            let mut availability: Vec<RowAvailability> = Vec::new();
            for row in &rows {
                let row_no: i32 = row.get(0);
                if availability.last().is_none_or(|r| r.row_no != row_no) {
                    availability.push(RowAvailability {
                        row_no,
                        seat_count: row.get(1),
                        free: Vec::new(),
                    });
                }
                if let Some(last) = availability.last_mut() {
                    last.free.push((row.get(2), row.get(3)));
                }
            }
            match best_available::pick(&availability, quantity) {
                Some(pick) if limit.is_none() || (pick.adjacent && !pick.strands) => {
                    return Ok(pick.seat_ids);
                }
                _ => {}
            }
        }
        // Not enough free seats: say which, after checking the show exists.
        drop(client);
        self.show(show_id).await?;
        Err(Error::new(
            Code::NotEnoughSeats,
            match category {
                Some(c) => format!("Fewer than {quantity} {c} seats are free."),
                None => format!("Fewer than {quantity} seats are free."),
            },
        ))
    }

    /// Confirms a live hold. Confirming twice returns the confirmed booking again.
    pub async fn confirm(&self, user_id: i64, booking_id: Uuid) -> Result<Transition> {
        let ctx = (user_id, booking_id);
        self.serializable("confirm", &ctx, |tx, &(user_id, booking_id)| {
            Box::pin(async move {
                let booking = tx.begin_with(lock_booking(tx, user_id, booking_id)).await?;
                match booking.state {
                    State::Confirmed => Ok(Transition::Done(booking.read(tx).await?)),
                    State::Cancelled => Err(Error::new(Code::BookingCancelled,
                        "This booking was cancelled.",
                    )),
                    State::Expired => Err(Error::booking_expired()),
                    State::Lapsed => {
                        Ok(Transition::Expired(
                            release(tx, &booking, FailureReason::Expired).await?,
                        ))
                    }
                    // A hold made before the show started cannot be sold once it has:
                    // the buyer could not get in (it lapses by itself).
                    State::Live if booking.show_started => Err(Error::new(Code::ShowStarted,
                        "The show has started; its seats can no longer be bought.",
                    )),
                    State::Live => {
                        let ctids: Vec<&str> =
                            booking.seats.iter().map(|s| s.ctid.as_str()).collect();
                        // One statement, sent with COMMIT; the booking comes back from
                        // its own update (no read after).
                        let confirm = tx
                            .prepare_cached(&format!(
                                "WITH done AS (DELETE FROM pending_holds WHERE booking_id = $1), \
                                 {UNCOUNT_HELD}, \
                                 booked AS ( \
                                   UPDATE seats SET status = 'BOOKED', held_until = NULL \
                                   WHERE ctid = ANY($2::text[]::tid[])) \
                                 UPDATE bookings SET status = 'CONFIRMED', updated_at = now() WHERE id = $1 \
                                 RETURNING {BOOKING_COLUMNS}"
                            ))
                            .await
                            .map_err(db_error)?;
                        let rows = tx
                            .commit_with(&[(&confirm, &[&booking_id, &ctids])])
                            .await?;
                        Ok(Transition::Done(booking_from_row(only_row(&rows[0])?)?))
                    }
                }
            })
        })
        .await
    }

    /// Cancels a hold or a confirmed booking (before the show starts); its seats are
    /// free at once. Cancelling twice returns the cancelled booking again.
    pub async fn cancel(&self, user_id: i64, booking_id: Uuid) -> Result<Transition> {
        let ctx = (user_id, booking_id);
        self.serializable("cancel", &ctx, |tx, &(user_id, booking_id)| {
            Box::pin(async move {
                let booking = tx.begin_with(lock_booking(tx, user_id, booking_id)).await?;
                match booking.state {
                    State::Cancelled => Ok(Transition::Done(booking.read(tx).await?)),
                    State::Expired => Err(Error::booking_expired()),
                    State::Lapsed => Ok(Transition::Expired(
                        release(tx, &booking, FailureReason::Expired).await?,
                    )),
                    State::Confirmed if booking.show_started => Err(Error::new(
                        Code::ShowStarted,
                        "The show has started; its bookings can no longer be cancelled.",
                    )),
                    State::Live | State::Confirmed => Ok(Transition::Done(
                        release(tx, &booking, FailureReason::Cancelled).await?,
                    )),
                }
            })
        })
        .await
    }

    /// One of the caller's bookings; someone else's is "not found".
    pub async fn booking(&self, user_id: i64, booking_id: Uuid) -> Result<Booking> {
        let client = self.client().await?;
        let stmt = client
            .prepare_cached(&format!(
                "SELECT {BOOKING_COLUMNS} FROM bookings WHERE id = $1 AND user_id = $2"
            ))
            .await
            .map_err(db_error)?;
        let row = client
            .query_opt(&stmt, &[&booking_id, &user_id])
            .await
            .map_err(db_error)?
            .ok_or_else(booking_not_found)?;
        booking_from_row(&row)
    }

    /// The caller's bookings, newest first, one page after `after`.
    pub async fn bookings(
        &self,
        user_id: i64,
        after: Option<&Cursor>,
        limit: i64,
    ) -> Result<Vec<Booking>> {
        let (after_at, after_id) = match after {
            Some(c) => (
                Some(c.at),
                Some(
                    Uuid::parse_str(&c.id)
                        .map_err(|_| Error::new(Code::InvalidCursor, "Bad cursor."))?,
                ),
            ),
            None => (None, None),
        };
        let client = self.read_client().await?;
        let stmt = client
            .prepare_cached(&format!(
                "SELECT {BOOKING_COLUMNS} FROM bookings WHERE user_id = $1 \
                   AND ($2::timestamptz IS NULL OR (created_at, id) < ($2, $3::uuid)) \
                 ORDER BY created_at DESC, id DESC LIMIT $4"
            ))
            .await
            .map_err(db_error)?;
        let rows = client
            .query(&stmt, &[&user_id, &after_at, &after_id, &limit])
            .await
            .map_err(db_error)?;
        rows.iter().map(booking_from_row).collect()
    }

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
            let stmt = client
                .prepare_cached(
                    "SELECT booking_id, show_id, expires_at FROM pending_holds \
                     WHERE expires_at <= now() \
                       AND ($2::timestamptz IS NULL OR (expires_at >= $2 \
                            AND (expires_at, booking_id) > ($2, $3::uuid))) \
                     ORDER BY expires_at, booking_id LIMIT $1",
                )
                .await
                .map_err(db_error)?;
            client
                .query(&stmt, &[&limit, &after_at, &after_id])
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
            .execute(
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
                let stmt = tx
                    .prepare_cached(&format!(
                        "SELECT {LOCKED_COLUMNS} FROM bookings \
                         WHERE id = $1 AND status = 'PENDING' AND expires_at <= now() \
                         FOR UPDATE SKIP LOCKED"
                    ))
                    .await
                    .map_err(db_error)?;
                let row = tx
                    .begin_with(async { tx.query_opt(&stmt, &[id]).await.map_err(db_error) })
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

/// One attempt at a hold, inside a SERIALIZABLE transaction: two round trips.
///
/// 1. `BEGIN` and one statement that locks the seats and reads the show's start and the
///    user's held-seat count, pipelined;
/// 2. after the checks here, one statement that makes every write (plus the
///    Idempotency-Key's, when given) and `COMMIT`, pipelined.
///
/// The held-seat count is read in the first round trip and written in the second without
/// a lock in between: if another hold of the same user commits in between, SERIALIZABLE
/// makes this one fail and retry, and the retry reads the new count.
async fn hold_tx(tx: &Tx, ctx: &HoldCtx<'_>) -> Result<Booking> {
    let locks = tx
        .begin_with(lock_seat_rows(
            tx,
            ctx.show_id,
            &ctx.seat_ids,
            None,
            Some(ctx.user_id),
        ))
        .await?;
    // No seat found: the show itself may be missing or started (checked first, as when
    // seats are found), else every seat is unknown.
    let show_started = match locks.show_started {
        Some(started) => started,
        None => tx
            .query_opt(
                "SELECT starts_at <= now() FROM shows WHERE id = $1",
                &[&ctx.show_id],
            )
            .await
            .map_err(db_error)?
            .ok_or_else(|| Error::show_not_found(ctx.show_id))?
            .get(0),
    };
    if show_started {
        return Err(Error::new(
            Code::ShowStarted,
            "The show has started; its seats can no longer be booked.",
        ));
    }
    let seats = locks.seats;
    if seats.len() != ctx.seat_ids.len() {
        let unknown = ctx
            .seat_ids
            .iter()
            .copied()
            .filter(|id| !seats.iter().any(|s| s.seat_id == *id))
            .collect();
        return Err(
            Error::new(Code::UnknownSeats, "Some seats do not exist in this show.")
                .with_seats(unknown),
        );
    }
    let unavailable: Vec<i32> = seats
        .iter()
        .filter(|s| {
            !(s.status == SeatStatus::Available || (s.status == SeatStatus::Held && s.lapsed))
        })
        .map(|s| s.seat_id)
        .collect();
    if !unavailable.is_empty() {
        return Err(Error::new(
            Code::SeatsUnavailable,
            "Some of the seats are held or booked by someone else.",
        )
        .with_seats(unavailable));
    }
    let held = locks
        .held_seats
        .ok_or_else(|| Error::internal(anyhow::anyhow!("user {} does not exist", ctx.user_id)))?;
    let wanted = ctx.seat_ids.len() as i64;
    if i64::from(held) + wanted > i64::from(ctx.max_held_seats)
        && i64::from(held) - lapsed_seats_of(tx, ctx.user_id).await? + wanted
            > i64::from(ctx.max_held_seats)
    {
        return Err(hold_limit_reached(ctx.max_held_seats));
    }
    let labels: Vec<&str> = seats.iter().map(|s| s.label.as_str()).collect();
    let total_cents: i64 = seats.iter().map(|s| s.price_cents).sum();
    let ctids: Vec<&str> = seats.iter().map(|s| s.ctid.as_str()).collect();
    // Seats newly taken per seat row. A lapsed hold's seat is still counted as taken by
    // its row counter (its old booking is released by the sweeper), so it adds nothing.
    let taken = row_deltas(
        seats
            .iter()
            .filter(|s| s.status == SeatStatus::Available)
            .map(|s| s.row_no),
        1,
    );

    // One statement writes the whole hold (booking, hold record, user's count, seats, row
    // counters), sent with COMMIT. now() is the transaction's start time, so the booking's
    // expires_at and the seats' held_until are the same instant.
    let mut hold_params = Params::with_fixed(&[
        &ctx.booking_id,
        &ctx.user_id,
        &ctx.show_id,
        &ctx.seat_ids,
        &labels,
        &total_cents,
        &ctx.ttl_secs,
        &ctids,
    ]);
    let counters = count_rows(&mut hold_params, &ctx.show_id, &taken);
    let hold = tx
        .prepare_cached(&format!(
            "WITH counted AS ( \
               UPDATE users SET held_seats = held_seats + cardinality($4::int[]) WHERE id = $2), \
             booking AS ( \
               INSERT INTO bookings (id, user_id, show_id, status, seat_ids, seat_labels, total_cents, expires_at) \
               VALUES ($1, $2, $3, 'PENDING', $4, $5, $6, now() + make_interval(secs => $7)) \
               RETURNING id, show_id, expires_at, created_at), \
             hold AS ( \
               INSERT INTO pending_holds (booking_id, show_id, expires_at) \
               SELECT id, show_id, expires_at FROM booking), \
             seats_held AS ( \
               UPDATE seats SET status = 'HELD', booking_id = $1, held_until = now() + make_interval(secs => $7) \
               WHERE ctid = ANY($8::text[]::tid[])) \
             {counters} \
             SELECT expires_at, created_at FROM booking"
        ))
        .await
        .map_err(db_error)?;
    let remember_key = tx
        .prepare_cached(
            "INSERT INTO idempotency_keys (user_id, key, request_hash, booking_id) VALUES ($1, $2, $3, $4)",
        )
        .await
        .map_err(db_error)?;
    let key_params: Option<[&(dyn ToSql + Sync); 4]> = ctx
        .idempotency
        .as_ref()
        .map(|(key, hash)| [&ctx.user_id as _, key as _, hash as _, &ctx.booking_id as _]);
    let mut writes: Vec<Write> = vec![(&hold, hold_params.values())];
    if let Some(params) = &key_params {
        writes.push((&remember_key, params));
    }
    let rows = match tx.commit_with(&writes).await {
        Ok(rows) => rows,
        Err(CommitError::Db(err)) if is_unique_violation(&err, "idempotency_keys_pkey") => {
            return Err(Error::new(
                Code::IdempotencyRace,
                "Same Idempotency-Key in flight.",
            ));
        }
        Err(err) => return Err(err.into()),
    };
    let row = only_row(&rows[0])?;
    let created_at = row.get(1);
    Ok(Booking {
        id: ctx.booking_id,
        show_id: ctx.show_id,
        status: BookingStatus::Pending,
        failure_reason: None,
        seat_ids: ctx.seat_ids.clone(),
        seat_labels: labels.into_iter().map(str::to_owned).collect(),
        total_cents,
        expires_at: row.get(0),
        created_at,
        updated_at: created_at,
    })
}

/// Seats in the user's holds that have lapsed but are not swept yet. The held-seat count
/// still includes them (the sweeper takes them off when it expires them), but expiry is
/// exact: a buyer whose hold ran out may hold again at once. Read only when the count
/// alone would refuse a hold, so the common hold never reads the user's bookings (their
/// index range, predicate-locked under SERIALIZABLE).
async fn lapsed_seats_of(tx: &Tx, user_id: i64) -> Result<i64> {
    let stmt = tx
        .prepare_cached(
            "SELECT coalesce(sum(cardinality(seat_ids)), 0)::bigint FROM bookings \
             WHERE user_id = $1 AND status = 'PENDING' AND expires_at <= now()",
        )
        .await
        .map_err(db_error)?;
    let row = tx.query_one(&stmt, &[&user_id]).await.map_err(db_error)?;
    Ok(row.get(0))
}

/// The one row a statement returned.
fn only_row(rows: &[Row]) -> Result<&Row> {
    match rows {
        [row] => Ok(row),
        _ => Err(Error::internal(anyhow::anyhow!(
            "expected one row, got {}",
            rows.len()
        ))),
    }
}

/// A CTE that takes booking `$1`'s seats off its user's held-seat count if it is still
/// PENDING (CTEs see the rows as they were before the statement), for the statements that
/// end a hold.
const UNCOUNT_HELD: &str = "uncount AS (UPDATE users u SET held_seats = u.held_seats - cardinality(b.seat_ids) \
     FROM bookings b WHERE b.id = $1 AND b.status = 'PENDING' AND u.id = b.user_id)";

/// A seat row locked by the current transaction.
struct LockedSeat {
    seat_id: i32,
    label: String,
    row_no: i32,
    price_cents: i64,
    status: SeatStatus,
    /// HELD with `held_until` in the past.
    lapsed: bool,
    /// The locked row version: updates address it directly, so they read nothing else.
    ctid: String,
}

/// Locks seats with one primary-key lookup each, in the order given (callers pass seat
/// ids sorted: the global lock order), in one statement. Seats that do not exist (or,
/// with `owner`, do not belong to that booking) are left out.
///
/// Why a LATERAL lookup per seat and not `seat_id = ANY($2)`: for a new show PostgreSQL
/// has no statistics yet and plans `ANY` (or a join with the array) as a scan of every
/// seat of the show, filtered; under SERIALIZABLE every row read is predicate-locked, so
/// holds of unrelated seats would abort each other. The LATERAL subquery is parameterized
/// by one seat id, which only a lookup by the full primary key answers: it reads exactly
/// the rows it locks, in the array's order.
async fn lock_seat_rows(
    tx: &Tx,
    show_id: i64,
    seat_ids: &[i32],
    owner: Option<Uuid>,
    holder: Option<i64>,
) -> Result<SeatLocks> {
    // The show and the holder are read by uncorrelated subqueries: evaluated once, in
    // the same round trip, and repeated on every row.
    let stmt = tx
        .prepare_cached(
            "SELECT s.*, (SELECT starts_at <= now() FROM shows WHERE id = $1), \
                    (SELECT held_seats FROM users WHERE id = $4) \
             FROM unnest($2::int[]) WITH ORDINALITY AS want(seat_id, n) \
             CROSS JOIN LATERAL ( \
               SELECT seat_id, label, row_no, price_cents, status, \
                      coalesce(held_until <= now(), false), ctid::text \
               FROM seats WHERE show_id = $1 AND seat_id = want.seat_id \
                 AND ($3::uuid IS NULL OR booking_id = $3) \
               FOR UPDATE) s \
             ORDER BY want.n",
        )
        .await
        .map_err(db_error)?;
    let rows = tx
        .query(&stmt, &[&show_id, &seat_ids, &owner, &holder])
        .await
        .map_err(db_error)?;
    Ok(SeatLocks {
        show_started: rows.first().map(|row| row.get(7)),
        held_seats: rows.first().and_then(|row| row.get(8)),
        seats: rows
            .into_iter()
            .map(|row| {
                Ok(LockedSeat {
                    seat_id: row.get(0),
                    label: row.get(1),
                    row_no: row.get(2),
                    price_cents: row.get(3),
                    status: SeatStatus::parse(row.get(4))?,
                    lapsed: row.get(5),
                    ctid: row.get(6),
                })
            })
            .collect::<Result<_>>()?,
    })
}

/// What [`lock_seat_rows`] locked, and what it read beside.
struct SeatLocks {
    seats: Vec<LockedSeat>,
    /// Whether the show has started; `None` when no seat was found (nothing was read).
    show_started: Option<bool>,
    /// The holder's held-seat count; `None` when no seat was found or no holder given.
    held_seats: Option<i32>,
}

/// Seats per seat row (given each seat's row), times `sign`: how each row's taken counter
/// moves.
fn row_deltas(rows: impl Iterator<Item = i32>, sign: i32) -> Vec<(i32, i32)> {
    let mut by_row: BTreeMap<i32, i32> = BTreeMap::new();
    for row_no in rows {
        *by_row.entry(row_no).or_default() += sign;
    }
    by_row.into_iter().collect()
}

/// CTEs, one per changed seat row, that move show `show_id`'s row counters by `deltas`
/// (row, change), binding the values they use. Each starts with a comma, to follow the
/// statement's other CTEs; with no rows to change there are none, and nothing is bound
/// (see [`Params`]: an unused parameter would make the statement fail).
///
/// One update per row, by its whole primary key, rather than one update over arrays of
/// rows: a lookup of the full key is the only plan for it, while a condition like
/// `row_no = ANY($rows)` may be planned (for a show with few rows, or with generic plans
/// that guess ten array elements) as a read of every row of the show, filtered. Under
/// SERIALIZABLE every row read is predicate-locked, so holds on other rows of a busy show
/// would abort each other. The statement text varies with the number of rows a change
/// touches (one or two, nearly always), so few variants are prepared.
fn count_rows<'a>(params: &mut Params<'a>, show_id: &'a i64, deltas: &'a [(i32, i32)]) -> String {
    if deltas.is_empty() {
        return String::new();
    }
    let show = params.bind(show_id);
    let mut ctes = String::new();
    for (i, (row, delta)) in deltas.iter().enumerate() {
        let (delta, row) = (params.bind(delta), params.bind(row));
        ctes.push_str(&format!(
            ", row_{i} AS (UPDATE show_rows SET taken = taken + {delta} \
             WHERE show_id = {show} AND row_no = {row})"
        ));
    }
    ctes
}

/// Where a locked booking stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// PENDING and within its hold time.
    Live,
    /// PENDING but past `expires_at`: expired, not yet written down.
    Lapsed,
    Confirmed,
    Cancelled,
    Expired,
}

/// A booking row locked FOR UPDATE by the current transaction, with the seat rows it
/// still owns (locked too).
struct LockedBooking {
    id: Uuid,
    show_id: i64,
    state: State,
    seat_ids: Vec<i32>,
    show_started: bool,
    seats: Vec<OwnedSeat>,
}

/// A seat row a locked booking owns, locked.
struct OwnedSeat {
    row_no: i32,
    /// The locked row version (see [`LockedSeat::ctid`]).
    ctid: String,
}

const LOCKED_COLUMNS: &str = "show_id, status, failure_reason, seat_ids, expires_at <= now() AS lapsed, \
     (SELECT starts_at <= now() FROM shows WHERE shows.id = bookings.show_id) AS started";

impl LockedBooking {
    fn from_row(id: Uuid, row: &Row) -> Result<Self> {
        let status = BookingStatus::parse(row.get(1))?;
        let reason = row
            .get::<_, Option<&str>>(2)
            .map(FailureReason::parse)
            .transpose()?;
        let state = match (status, reason, row.get::<_, bool>(4)) {
            (BookingStatus::Pending, _, false) => State::Live,
            (BookingStatus::Pending, _, true) => State::Lapsed,
            (BookingStatus::Confirmed, _, _) => State::Confirmed,
            (BookingStatus::Failed, Some(FailureReason::Cancelled), _) => State::Cancelled,
            (BookingStatus::Failed, _, _) => State::Expired,
        };
        Ok(Self {
            id,
            show_id: row.get(0),
            state,
            seat_ids: row.get(3),
            show_started: row.get(5),
            seats: Vec::new(),
        })
    }

    async fn read(&self, tx: &Tx) -> Result<Booking> {
        read_booking(tx, self.id).await
    }
}

/// Locks the caller's booking row and then the seat rows it owns, in one statement (one
/// round trip, sent with `BEGIN`), or "not found" if it is not theirs.
///
/// The booking is locked in a materialized CTE before the seats are looked up from its
/// `seat_ids`, so the lock order stays booking -> seats. Seats are found one primary-key
/// lookup each, as in [`lock_seat_rows`], and only while the booking owns them.
async fn lock_booking(tx: &Tx, user_id: i64, booking_id: Uuid) -> Result<LockedBooking> {
    let stmt = tx
        .prepare_cached(&format!(
            "WITH b AS MATERIALIZED ( \
               SELECT id, {LOCKED_COLUMNS} FROM bookings WHERE id = $1 AND user_id = $2 FOR UPDATE) \
             SELECT b.show_id, b.status, b.failure_reason, b.seat_ids, b.lapsed, b.started, \
                    owned.row_no, owned.ctid \
             FROM b LEFT JOIN LATERAL ( \
               SELECT l.row_no, l.ctid::text AS ctid, want.n \
               FROM unnest(b.seat_ids) WITH ORDINALITY AS want(wanted, n) \
               CROSS JOIN LATERAL ( \
                 SELECT row_no, ctid FROM seats \
                 WHERE show_id = b.show_id AND seat_id = want.wanted AND booking_id = b.id \
                 FOR UPDATE) l) owned ON true \
             ORDER BY owned.n"
        ))
        .await
        .map_err(db_error)?;
    let rows = tx
        .query(&stmt, &[&booking_id, &user_id])
        .await
        .map_err(db_error)?;
    let first = rows.first().ok_or_else(booking_not_found)?;
    let mut booking = LockedBooking::from_row(booking_id, first)?;
    booking.seats = rows
        .iter()
        .filter_map(|row| {
            Some(OwnedSeat {
                row_no: row.get::<_, Option<i32>>(6)?,
                ctid: row.get(7),
            })
        })
        .collect();
    // A live hold owns all its seats. One that lost some has lapsed: another hold took
    // them once they were free, in a transaction that began after the lapse and committed
    // before this one began reading, while this one's clock (`now()`, taken at BEGIN)
    // still read a moment earlier. It is expired, not confirmable.
    if booking.state == State::Live && booking.seats.len() < booking.seat_ids.len() {
        booking.state = State::Lapsed;
    }
    Ok(booking)
}

/// Frees the seats a locked booking still owns and marks it FAILED for `reason`.
/// Seats of a lapsed hold that a newer hold already took are left alone: they belong to
/// the newer booking now, and their row counters never went down.
async fn release(tx: &Tx, booking: &LockedBooking, reason: FailureReason) -> Result<Booking> {
    let freed = row_deltas(booking.seats.iter().map(|s| s.row_no), -1);
    let ctids: Vec<&str> = booking.seats.iter().map(|s| s.ctid.as_str()).collect();
    let reason = reason.as_str();
    let mut params = Params::with_fixed(&[&booking.id, &reason, &ctids]);
    let counters = count_rows(&mut params, &booking.show_id, &freed);
    // One statement, sent with COMMIT.
    let fail = tx
        .prepare_cached(&format!(
            "WITH done AS (DELETE FROM pending_holds WHERE booking_id = $1), \
             {UNCOUNT_HELD}, \
             freed AS ( \
               UPDATE seats SET status = 'AVAILABLE', booking_id = NULL, held_until = NULL \
               WHERE ctid = ANY($3::text[]::tid[])) \
             {counters} \
             UPDATE bookings SET status = 'FAILED', failure_reason = $2, updated_at = now() WHERE id = $1 \
             RETURNING {BOOKING_COLUMNS}"
        ))
        .await
        .map_err(db_error)?;
    let rows = tx.commit_with(&[(&fail, params.values())]).await?;
    booking_from_row(only_row(&rows[0])?)
}

async fn read_booking(tx: &Tx, booking_id: Uuid) -> Result<Booking> {
    let stmt = tx
        .prepare_cached(&format!(
            "SELECT {BOOKING_COLUMNS} FROM bookings WHERE id = $1"
        ))
        .await
        .map_err(db_error)?;
    let row = tx
        .query_one(&stmt, &[&booking_id])
        .await
        .map_err(db_error)?;
    booking_from_row(&row)
}

fn hold_limit_reached(max_held_seats: i32) -> Error {
    Error::new(
        Code::HoldLimitReached,
        format!(
            "You already hold seats up to the limit of {max_held_seats}; confirm or cancel a hold first."
        ),
    )
}

fn booking_not_found() -> Error {
    Error::new(Code::BookingNotFound, "There is no such booking of yours.")
}
