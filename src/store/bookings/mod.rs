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
//!
//! One file per operation: [`hold`], [`transition`] (confirm, cancel), [`expiry`] (the
//! sweeper's step), [`reads`]; this one has what they share: the seat and booking locks,
//! the release of a booking's seats, the row counters.

mod batch;
mod blocks;
mod box_office;
mod check_in;
mod expiry;
mod hold;
mod reads;
pub use reads::BookedShow;
mod show_cancel;
mod transition;

pub use batch::{
    BatchSettings, Batches, Gatherer, HoldJob, Job, RunBatch, TransitionJob, TransitionKind,
};
pub use box_office::{BlockedSeat, CategoryCount, ShowBooking, ShowReport};
pub use check_in::CheckIn;
pub use expiry::{Sweep, SweepCursor};
pub use show_cancel::ShowCancellation;

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use tokio_postgres::Row;
use uuid::Uuid;

use crate::domain::booking::{Booking, BookingStatus, FailureReason, SeatStatus};
use crate::domain::page::Cursor;
use crate::domain::{Code, Error, Result};
use crate::store::params::Params;
use crate::store::{Tx, db_error};

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

pub use crate::domain::booking::HoldRules;

/// The result of a hold request.
#[derive(Debug)]
pub struct HoldOutcome {
    pub booking: Booking,
    /// True when an Idempotency-Key matched an earlier request and nothing new was held.
    pub replayed: bool,
    /// True when the hold was announced already, with the rest of its batch.
    pub announced: bool,
}

/// The result of a confirm or cancel that committed.
#[derive(Debug)]
pub enum Transition {
    /// The booking is now in the requested state (or already was).
    Done(Booking),
    /// The hold had run out; it is now FAILED/EXPIRED and its seats are free.
    Expired(Booking),
}

/// Where a page of bookings (newest first) goes on: the `(created_at, id)` of the last
/// booking of the previous page, from its cursor.
fn after_booking(after: Option<&Cursor>) -> Result<(Option<DateTime<Utc>>, Option<Uuid>)> {
    Ok(match after {
        Some(c) => (
            Some(c.at),
            Some(
                Uuid::parse_str(&c.id)
                    .map_err(|_| Error::new(Code::InvalidCursor, "Bad cursor."))?,
            ),
        ),
        None => (None, None),
    })
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

/// Where a show stands for a booking transaction, read by [`SHOW_STATE`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ShowState {
    OnSale,
    Started,
    Cancelled,
}

/// An expression over a `shows` row: `on_sale`, `started` or `cancelled` (which wins).
macro_rules! show_state {
    () => {
        "CASE WHEN cancelled_at IS NOT NULL THEN 'cancelled' \
         WHEN starts_at <= now() THEN 'started' ELSE 'on_sale' END"
    };
}
const SHOW_STATE: &str = show_state!();

impl ShowState {
    fn parse(value: &str) -> Self {
        match value {
            "cancelled" => Self::Cancelled,
            "started" => Self::Started,
            _ => Self::OnSale,
        }
    }
}

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
    /// A place in a standing area.
    standing: bool,
}

/// Locks seats with one primary-key lookup each, in the order given (callers pass seat
/// ids sorted: the global lock order), in one statement. Seats that do not exist (or,
/// with `owner`, do not belong to that booking) are left out. For a hold (`holder`
/// given) none are locked once the show is cancelled: its cancellation may have them all
/// locked for a while, and the hold is refused anyway.
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
    let stmt = format!(
        "SELECT s.*, (SELECT {SHOW_STATE} FROM shows WHERE id = $1), \
                    (SELECT held_seats FROM users WHERE id = $4) \
             FROM unnest($2::int[]) WITH ORDINALITY AS want(seat_id, n) \
             CROSS JOIN LATERAL ( \
               SELECT seat_id, label, row_no, price_cents, status, \
                      coalesce(held_until <= now(), false), ctid::text, 'standing' = ANY(features) \
               FROM seats WHERE show_id = $1 AND seat_id = want.seat_id \
                 AND ($3::uuid IS NULL OR booking_id = $3) \
                 AND ($4::bigint IS NULL OR NOT EXISTS ( \
                      SELECT 1 FROM shows WHERE id = $1 AND cancelled_at IS NOT NULL)) \
               FOR UPDATE) s \
             ORDER BY want.n"
    );
    let rows = tx
        .rows(&stmt, &[&show_id, &seat_ids, &owner, &holder])
        .await
        .map_err(db_error)?;
    seat_locks(rows)
}

/// Picks `quantity` free places of the standing area `section` and locks them, in one
/// statement at the start of a hold (the holder is `holder`): a block with room for the
/// whole party, the first from a random block of the area on (index probes, see
/// `V14__standing_block_index.sql`), then random free places of it, locked in seat order
/// as [`lock_seat_rows`] locks. Places taken since the transaction's snapshot fail it with a
/// serialization error, and the retry picks again. No rows: no block has room for the
/// party (or the section is not a standing area, or the show is cancelled).
async fn lock_standing_places(
    tx: &Tx,
    show_id: i64,
    pick: &StandingPick<'_>,
    holder: i64,
) -> Result<SeatLocks> {
    let stmt = format!(
        "WITH bounds AS MATERIALIZED ( \
               SELECT (SELECT row_no FROM show_rows WHERE show_id = $1 AND section = $2 \
                         AND standing ORDER BY row_no LIMIT 1) AS lo, \
                      (SELECT row_no FROM show_rows WHERE show_id = $1 AND section = $2 \
                         AND standing ORDER BY row_no DESC LIMIT 1) AS hi), \
             area AS MATERIALIZED ( \
               SELECT lo + floor(random() * (hi - lo + 1))::int AS start FROM bounds), \
             block AS MATERIALIZED ( \
               SELECT * FROM ( \
                 (SELECT first_seat, seat_count, 0 AS lap FROM show_rows \
                  WHERE show_id = $1 AND section = $2 AND standing \
                    AND row_no >= (SELECT start FROM area) AND seat_count - taken >= $3::int \
                    AND ($4::text IS NULL OR category = $4) \
                  ORDER BY row_no LIMIT 1) \
                 UNION ALL \
                 (SELECT first_seat, seat_count, 1 AS lap FROM show_rows \
                  WHERE show_id = $1 AND section = $2 AND standing \
                    AND row_no < (SELECT start FROM area) AND seat_count - taken >= $3::int \
                    AND ($4::text IS NULL OR category = $4) \
                  ORDER BY row_no LIMIT 1)) b \
               ORDER BY lap LIMIT 1), \
             want AS MATERIALIZED ( \
               SELECT seat_id FROM ( \
                 SELECT s.seat_id FROM block JOIN seats s ON s.show_id = $1 \
                   AND s.seat_id >= block.first_seat AND s.seat_id < block.first_seat + block.seat_count \
                 WHERE s.status = 'AVAILABLE' OR (s.status = 'HELD' AND s.held_until <= now()) \
                 ORDER BY random() LIMIT $3::int) picked \
               ORDER BY seat_id) \
             SELECT s.*, (SELECT {SHOW_STATE} FROM shows WHERE id = $1), \
                    (SELECT held_seats FROM users WHERE id = $5) \
             FROM want CROSS JOIN LATERAL ( \
               SELECT seat_id, label, row_no, price_cents, status, \
                      coalesce(held_until <= now(), false), ctid::text, 'standing' = ANY(features) \
               FROM seats WHERE show_id = $1 AND seat_id = want.seat_id \
                 AND NOT EXISTS (SELECT 1 FROM shows WHERE id = $1 AND cancelled_at IS NOT NULL) \
               FOR UPDATE) s"
    );
    let rows = tx
        .rows(
            &stmt,
            &[
                &show_id,
                &pick.section,
                &pick.quantity,
                &pick.category,
                &holder,
            ],
        )
        .await
        .map_err(db_error)?;
    seat_locks(rows)
}

/// A party's places on a standing area, to be picked by [`lock_standing_places`].
#[derive(Debug, Clone, Copy)]
struct StandingPick<'a> {
    section: &'a str,
    quantity: i32,
    category: Option<&'a str>,
}

/// The rows of a seat-locking statement: the seats, then the show's state and the holder's
/// held-seat count (the same on every row).
fn seat_locks(rows: Vec<tokio_postgres::Row>) -> Result<SeatLocks> {
    Ok(SeatLocks {
        show: rows.first().map(|row| ShowState::parse(row.get(8))),
        held_seats: rows.first().and_then(|row| row.get(9)),
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
                    standing: row.get(7),
                })
            })
            .collect::<Result<_>>()?,
    })
}

/// What [`lock_seat_rows`] locked, and what it read beside.
struct SeatLocks {
    seats: Vec<LockedSeat>,
    /// Where the show stands; `None` when no seat was found (nothing was read).
    show: Option<ShowState>,
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
    /// Cancelled with its show.
    ShowCancelled,
    Expired,
}

/// A booking row locked FOR UPDATE by the current transaction, with the seat rows it
/// still owns (locked too).
struct LockedBooking {
    id: Uuid,
    show_id: i64,
    state: State,
    seat_ids: Vec<i32>,
    /// Where its show stands.
    show: ShowState,
    seats: Vec<OwnedSeat>,
}

/// A seat row a locked booking owns, locked.
struct OwnedSeat {
    row_no: i32,
    /// The locked row version (see [`LockedSeat::ctid`]).
    ctid: String,
    /// In a batch: the version of its seat row's counter (read with the lock).
    counter: Option<String>,
}

const LOCKED_COLUMNS: &str = concat!(
    "show_id, status, failure_reason, seat_ids, expires_at <= now() AS lapsed, (SELECT ",
    show_state!(),
    " FROM shows WHERE shows.id = bookings.show_id) AS show_state"
);

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
            (BookingStatus::Failed, Some(FailureReason::ShowCancelled), _) => State::ShowCancelled,
            (BookingStatus::Failed, _, _) => State::Expired,
        };
        Ok(Self {
            id,
            show_id: row.get(0),
            state,
            seat_ids: row.get(3),
            show: ShowState::parse(row.get(5)),
            seats: Vec::new(),
        })
    }

    /// With the seat rows it still owns. A live hold owns all its seats. One that lost
    /// some has lapsed: another hold took them once they were free, in a transaction that
    /// began after the lapse and committed before this one began reading, while this one's
    /// clock (`now()`, taken at BEGIN) still read a moment earlier. It is expired, not
    /// confirmable.
    fn owning(mut self, seats: Vec<OwnedSeat>) -> Self {
        self.seats = seats;
        if self.state == State::Live && self.seats.len() < self.seat_ids.len() {
            self.state = State::Lapsed;
        }
        self
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
/// lookup each, as in [`lock_seat_rows`], and only while the booking owns them. None are
/// locked when the show was cancelled: its cancellation frees them (see [`show_cancel`]),
/// and waiting here for seats it has locked while holding the booking it wants next
/// would deadlock with it.
async fn lock_booking(tx: &Tx, user_id: i64, booking_id: Uuid) -> Result<LockedBooking> {
    let stmt = format!(
        "WITH b AS MATERIALIZED ( \
               SELECT id, {LOCKED_COLUMNS} FROM bookings WHERE id = $1 AND user_id = $2 FOR UPDATE) \
             SELECT b.show_id, b.status, b.failure_reason, b.seat_ids, b.lapsed, b.show_state, \
                    owned.row_no, owned.ctid \
             FROM b LEFT JOIN LATERAL ( \
               SELECT l.row_no, l.ctid::text AS ctid, want.n \
               FROM unnest(b.seat_ids) WITH ORDINALITY AS want(wanted, n) \
               CROSS JOIN LATERAL ( \
                 SELECT row_no, ctid FROM seats \
                 WHERE show_id = b.show_id AND seat_id = want.wanted AND booking_id = b.id \
                   AND b.show_state <> 'cancelled' \
                 FOR UPDATE) l) owned ON true \
             ORDER BY owned.n"
    );
    let rows = tx
        .rows(&stmt, &[&booking_id, &user_id])
        .await
        .map_err(db_error)?;
    let first = rows.first().ok_or_else(booking_not_found)?;
    let seats = rows
        .iter()
        .filter_map(|row| {
            Some(OwnedSeat {
                row_no: row.get::<_, Option<i32>>(6)?,
                ctid: row.get(7),
                counter: None,
            })
        })
        .collect();
    Ok(LockedBooking::from_row(booking_id, first)?.owning(seats))
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
    let fail = format!(
        "WITH done AS (DELETE FROM pending_holds WHERE booking_id = $1), \
             {UNCOUNT_HELD}, \
             freed AS ( \
               UPDATE seats SET status = 'AVAILABLE', booking_id = NULL, held_until = NULL \
               WHERE ctid = ANY($3::text[]::tid[])) \
             {counters} \
             UPDATE bookings SET status = 'FAILED', failure_reason = $2, updated_at = now() WHERE id = $1 \
             RETURNING {BOOKING_COLUMNS}"
    );
    let rows = tx.commit_with(&[(&fail, params.values())]).await?;
    booking_from_row(only_row(&rows[0])?)
}

async fn read_booking(tx: &Tx, booking_id: Uuid) -> Result<Booking> {
    let stmt = format!("SELECT {BOOKING_COLUMNS} FROM bookings WHERE id = $1");
    let row = tx.one(&stmt, &[&booking_id]).await.map_err(db_error)?;
    booking_from_row(&row)
}

fn booking_not_found() -> Error {
    Error::new(Code::BookingNotFound, "There is no such booking of yours.")
}
