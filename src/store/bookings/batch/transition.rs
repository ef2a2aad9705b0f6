//! Confirms and cancels, many per transaction.

use std::collections::{HashMap, HashSet};

use tokio::sync::oneshot;
use uuid::Uuid;

use super::{Job, Reply, abandoned, run_split};
use crate::domain::booking::FailureReason;
use crate::domain::{Error, Result};
use crate::store::bookings::transition::{Step, decide};
use crate::store::bookings::{
    BOOKING_COLUMNS, LockedBooking, OwnedSeat, SHOW_STATE, Transition, booking_from_row,
    booking_not_found, row_deltas,
};
use crate::store::tx::settle;
use crate::store::{Db, Tx, db_error};

pub use crate::store::bookings::transition::TransitionKind;

/// One confirm or cancel waiting for its batch.
pub struct TransitionJob {
    kind: TransitionKind,
    user_id: i64,
    booking_id: Uuid,
    reply: Reply<Transition>,
}

impl Job for TransitionJob {
    /// Its booking's seats are not known before it is locked: the most one hold takes
    /// is rare, so a typical party's count.
    fn rows(&self) -> usize {
        4
    }

    fn abandoned(&self) -> bool {
        self.reply.is_closed()
    }
}

impl TransitionJob {
    pub(in crate::store::bookings) fn new(
        kind: TransitionKind,
        user_id: i64,
        booking_id: Uuid,
    ) -> (Self, oneshot::Receiver<Result<Transition>>) {
        let (reply, waiting) = oneshot::channel();
        let job = Self {
            kind,
            user_id,
            booking_id,
            reply,
        };
        (job, waiting)
    }

    /// Answers the request (after its batch committed and was announced).
    pub fn answer(self, result: Result<Transition>) {
        let _ = self.reply.send(result);
    }
}

impl Db {
    /// Runs gathered confirms and cancels: one result per job, in order. Two requests for
    /// one booking never share a transaction: the later runs after the earlier committed,
    /// and so sees what it did.
    pub async fn transition_batch(&self, jobs: &[TransitionJob]) -> Vec<Result<Transition>> {
        let mut results: Vec<Option<Result<Transition>>> = jobs.iter().map(|_| None).collect();
        let mut left: Vec<usize> = (0..jobs.len()).collect();
        while !left.is_empty() {
            let mut seen = HashSet::new();
            let (now, later): (Vec<usize>, Vec<usize>) =
                left.iter().partition(|&&i| seen.insert(jobs[i].booking_id));
            let batch: Vec<Ref<'_>> = now.iter().map(|&i| Ref(&jobs[i])).collect();
            let done = run_split(self, "transition_batch", &batch, |tx, jobs| {
                Box::pin(transition_batch_tx(tx, jobs))
            })
            .await;
            for (i, result) in now.into_iter().zip(done) {
                results[i] = Some(result);
            }
            left = later;
        }
        results
            .into_iter()
            .map(|r| r.unwrap_or_else(|| Err(Error::internal(anyhow::anyhow!("unanswered")))))
            .collect()
    }
}

/// A job of the batch being run.
struct Ref<'a>(&'a TransitionJob);

/// The bookings of the batch, locked in id order, with where their shows stand.
fn lock_bookings() -> String {
    format!(
        "SELECT b.show_id, b.status, b.failure_reason, b.seat_ids, b.lapsed, b.show_state, b.id \
         FROM unnest($1::uuid[], $2::bigint[]) WITH ORDINALITY AS want(id, user_id, n) \
         CROSS JOIN LATERAL ( \
           SELECT id, show_id, status, failure_reason, seat_ids, expires_at <= now() AS lapsed, \
                  (SELECT {SHOW_STATE} FROM shows WHERE shows.id = bookings.show_id) AS show_state \
           FROM bookings WHERE id = want.id AND user_id = want.user_id FOR UPDATE) b \
         ORDER BY want.n"
    )
}

/// Then the seat rows they still own, all of them in the global order (show, seat), with
/// their seat rows' counter versions. None of a cancelled show (see `lock_booking`).
const LOCK_OWNED_SEATS: &str = "SELECT o.booking, s.row_no, s.ctid::text, \
            (SELECT r.ctid::text FROM show_rows r WHERE r.show_id = o.show_id AND r.row_no = s.row_no) \
     FROM ( \
       SELECT b.id AS booking, b.show_id, w.seat_id \
       FROM unnest($1::uuid[], $2::bigint[]) AS want(id, user_id) \
       CROSS JOIN LATERAL ( \
         SELECT id, show_id, seat_ids FROM bookings \
         WHERE id = want.id AND user_id = want.user_id FOR UPDATE) b \
       CROSS JOIN LATERAL unnest(b.seat_ids) AS w(seat_id) \
       WHERE NOT EXISTS (SELECT 1 FROM shows WHERE id = b.show_id AND cancelled_at IS NOT NULL) \
       ORDER BY b.show_id, w.seat_id) o \
     CROSS JOIN LATERAL ( \
       SELECT row_no, ctid FROM seats \
       WHERE show_id = o.show_id AND seat_id = o.seat_id AND booking_id = o.booking \
       FOR UPDATE) s";

/// Every write of a batch of confirms and cancels, in one statement: the hold records
/// gone, the holders' counts, each seat booked or freed, the row counters, and each
/// booking's new state. Rows are addressed by the versions the first round trip locked,
/// parsed once (see `WRITE_HOLDS`).
fn write_transitions() -> String {
    format!(
        "WITH tids AS MATERIALIZED (SELECT $4::text[]::tid[] AS seats, $6::text[]::tid[] AS rows), \
         done AS (DELETE FROM pending_holds WHERE booking_id = ANY($1::uuid[])), \
         uncount AS ( \
           UPDATE users SET held_seats = held_seats - ($3::int[])[array_position($2::bigint[], id)] \
           WHERE id = ANY($2::bigint[])), \
         seats_set AS ( \
           UPDATE seats SET status = ($5::text[])[array_position((SELECT seats FROM tids), ctid)], \
                  booking_id = CASE WHEN ($5::text[])[array_position((SELECT seats FROM tids), ctid)] = 'AVAILABLE' \
                                    THEN NULL ELSE booking_id END, \
                  held_until = NULL \
           WHERE ctid = ANY((SELECT seats FROM tids)::tid[])), \
         rows_freed AS ( \
           UPDATE show_rows SET taken = taken + ($7::int[])[array_position((SELECT rows FROM tids), ctid)] \
           WHERE ctid = ANY((SELECT rows FROM tids)::tid[])) \
         UPDATE bookings SET status = ($8::text[])[array_position($1::uuid[], id)], \
                failure_reason = ($9::text[])[array_position($1::uuid[], id)], updated_at = now() \
         WHERE id = ANY($1::uuid[]) \
         RETURNING {BOOKING_COLUMNS}"
    )
}

/// The transaction of one batch of confirms and cancels (no booking twice): two round
/// trips, as for one.
async fn transition_batch_tx(tx: &Tx, jobs: &[Ref<'_>]) -> Result<Vec<Result<Transition>>> {
    let mut wanted: Vec<(Uuid, i64)> = jobs.iter().map(|j| (j.0.booking_id, j.0.user_id)).collect();
    wanted.sort_unstable();
    let (ids, users): (Vec<Uuid>, Vec<i64>) = wanted.into_iter().unzip();
    let lock = lock_bookings();
    // Bookings, then their seats (the lock order): prepared first, so each is sent on its
    // first poll.
    for sql in [&lock, LOCK_OWNED_SEATS] {
        tx.ready(sql).await.map_err(db_error)?;
    }
    let [booking_rows, seat_rows] = tx
        .begin_with(async {
            let (bookings, seats) = tokio::join!(
                async { tx.rows(&lock, &[&ids, &users]).await.map_err(db_error) },
                async {
                    tx.rows(LOCK_OWNED_SEATS, &[&ids, &users])
                        .await
                        .map_err(db_error)
                },
            );
            settle([bookings, seats])
        })
        .await?;
    let mut owned: HashMap<Uuid, Vec<OwnedSeat>> = HashMap::new();
    for row in &seat_rows {
        owned.entry(row.get(0)).or_default().push(OwnedSeat {
            row_no: row.get(1),
            ctid: row.get(2),
            counter: row.get(3),
        });
    }
    let mut locked: HashMap<Uuid, LockedBooking> = HashMap::new();
    for row in &booking_rows {
        let id: Uuid = row.get(6);
        let booking = LockedBooking::from_row(id, row)?;
        let seats = owned.remove(&id).unwrap_or_default();
        locked.insert(id, booking.owning(seats));
    }

    // Each request against its locked booking, with the rules of the one-request path.
    let mut steps: Vec<Result<Step>> = Vec::with_capacity(jobs.len());
    let mut w = Writes::default();
    let mut uncount: HashMap<i64, i32> = HashMap::new();
    let mut counters: HashMap<String, i32> = HashMap::new();
    for Ref(job) in jobs {
        if job.abandoned() {
            steps.push(Err(abandoned()));
            continue;
        }
        let Some(booking) = locked.get(&job.booking_id) else {
            steps.push(Err(booking_not_found()));
            continue;
        };
        let step = decide(job.kind, booking);
        let (status, reason, seat_status) = match &step {
            Step::Unchanged => {
                w.unchanged.push(booking.id);
                steps.push(Ok(step));
                continue;
            }
            Step::Refuse(_) => {
                steps.push(Ok(step));
                continue;
            }
            Step::Confirm => ("CONFIRMED", None, "BOOKED"),
            Step::Expire => ("FAILED", Some(FailureReason::Expired), "AVAILABLE"),
            Step::Release => ("FAILED", Some(FailureReason::Cancelled), "AVAILABLE"),
        };
        w.ids.push(booking.id);
        w.statuses.push(status);
        w.reasons.push(reason.map(FailureReason::as_str));
        // A PENDING booking's seats leave its holder's count (lapsed ones too: the count
        // still has them until they are expired).
        if matches!(
            booking.state,
            super::super::State::Live | super::super::State::Lapsed
        ) {
            *uncount.entry(job.user_id).or_default() += booking.seat_ids.len() as i32;
        }
        for seat in &booking.seats {
            w.seat_versions.push(seat.ctid.clone());
            w.seat_statuses.push(seat_status);
        }
        if seat_status == "AVAILABLE" {
            for (row_no, delta) in row_deltas(booking.seats.iter().map(|s| s.row_no), -1) {
                let counter = booking
                    .seats
                    .iter()
                    .find(|s| s.row_no == row_no)
                    .and_then(|s| s.counter.clone())
                    .ok_or_else(|| {
                        Error::internal(anyhow::anyhow!("seat row {row_no} has no counter"))
                    })?;
                *counters.entry(counter).or_default() += delta;
            }
        }
        steps.push(Ok(step));
    }
    let (uncount_users, uncount_seats): (Vec<i64>, Vec<i32>) = uncount.into_iter().unzip();
    let (counter_versions, counter_deltas): (Vec<String>, Vec<i32>) = counters.into_iter().unzip();

    let write = write_transitions();
    let read = format!("SELECT {BOOKING_COLUMNS} FROM bookings WHERE id = ANY($1::uuid[])");
    let rows = tx
        .commit_with(&[
            (
                &write,
                &[
                    &w.ids,
                    &uncount_users,
                    &uncount_seats,
                    &w.seat_versions,
                    &w.seat_statuses,
                    &counter_versions,
                    &counter_deltas,
                    &w.statuses,
                    &w.reasons,
                ],
            ),
            (&read, &[&w.unchanged]),
        ])
        .await?;
    let mut after = HashMap::new();
    for row in rows.iter().flatten() {
        let booking = booking_from_row(row)?;
        after.insert(booking.id, booking);
    }
    let mut results = Vec::with_capacity(jobs.len());
    for (Ref(job), step) in jobs.iter().zip(steps) {
        results.push(match step {
            Err(err) | Ok(Step::Refuse(err)) => Err(err),
            Ok(step) => {
                let booking = after.remove(&job.booking_id).ok_or_else(|| {
                    Error::internal(anyhow::anyhow!("booking {} not read back", job.booking_id))
                })?;
                Ok(match step {
                    Step::Expire => Transition::Expired(booking),
                    _ => Transition::Done(booking),
                })
            }
        });
    }
    Ok(results)
}

/// The parameters of [`write_transitions`].
#[derive(Default)]
struct Writes {
    ids: Vec<Uuid>,
    statuses: Vec<&'static str>,
    reasons: Vec<Option<&'static str>>,
    seat_versions: Vec<String>,
    seat_statuses: Vec<&'static str>,
    /// Bookings answered as they are.
    unchanged: Vec<Uuid>,
}
