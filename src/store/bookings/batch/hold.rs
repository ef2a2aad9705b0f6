//! Holds, many per transaction.

use std::collections::{HashMap, HashSet};

use tokio::sync::oneshot;
use uuid::Uuid;

use super::{Job, Reply, abandoned, answer, run_split};
use crate::domain::booking::{Booking, BookingStatus, HoldRules, SeatStatus};
use crate::domain::{Code, Error, Result};
use crate::store::bookings::hold::{check_cap, judge_seats};
use crate::store::bookings::{LockedSeat, SHOW_STATE, ShowState};
use crate::store::tx::{CommitError, settle};
use crate::store::{Db, Tx, db_error, is_unique_violation};

/// One hold waiting for its batch, as the one-request path's attempt would run it: seats
/// already chosen (by the buyer, or picked by "best available" before), or places of a
/// standing area that the batch picks itself.
pub struct HoldJob {
    pub(in crate::store::bookings) by_id: bool,
    pub(in crate::store::bookings) user_id: i64,
    pub(in crate::store::bookings) show_id: i64,
    pub(in crate::store::bookings) wanted: Wanted,
    pub(in crate::store::bookings) rules: HoldRules,
    pub(in crate::store::bookings) booking_id: Uuid,
    /// Idempotency-Key and the request's fingerprint.
    pub(in crate::store::bookings) idempotency: Option<(String, String)>,
    reply: Reply<Option<Booking>>,
}

/// What a hold in a batch asks for.
#[derive(Debug, Clone)]
pub enum Wanted {
    /// These seats (or places), chosen before.
    Seats(Vec<i32>),
    /// Any free places of a standing area, picked by the batch itself.
    Standing {
        section: String,
        quantity: usize,
        category: Option<String>,
    },
}

impl Job for HoldJob {
    fn rows(&self) -> usize {
        match &self.wanted {
            Wanted::Seats(ids) => ids.len(),
            Wanted::Standing { quantity, .. } => *quantity,
        }
    }

    fn abandoned(&self) -> bool {
        self.reply.is_closed()
    }
}

impl HoldJob {
    /// A job and where its answer will arrive.
    #[allow(clippy::too_many_arguments)]
    pub(in crate::store::bookings) fn new(
        by_id: bool,
        user_id: i64,
        show_id: i64,
        wanted: Wanted,
        rules: HoldRules,
        booking_id: Uuid,
        idempotency: Option<(String, String)>,
    ) -> (Self, oneshot::Receiver<Result<Option<Booking>>>) {
        let (reply, waiting) = oneshot::channel();
        let job = Self {
            by_id,
            user_id,
            show_id,
            wanted,
            rules,
            booking_id,
            idempotency,
            reply,
        };
        (job, waiting)
    }

    /// Answers the request (after its batch committed and was announced): `None` when it
    /// was for standing places and the batch found too few free ones to pick from.
    pub fn answer(self, result: Result<Option<Booking>>) {
        let _ = self.reply.send(result);
    }
}

impl Db {
    /// Queues one hold attempt for the next batch and waits for its answer.
    pub(in crate::store::bookings) async fn hold_in_batch(
        &self,
        job: HoldJob,
        waiting: oneshot::Receiver<Result<Option<Booking>>>,
    ) -> Result<Option<Booking>> {
        let Some(batches) = self.batches() else {
            return Err(Error::internal(anyhow::anyhow!("no hold batches")));
        };
        batches.holds.submit(job)?;
        answer(waiting).await
    }

    /// Runs gathered holds in one transaction (split when it keeps conflicting): one
    /// result per job, in order (`None`: standing places it could not pick). Nothing is
    /// announced or answered here.
    pub async fn hold_batch(&self, jobs: &[HoldJob]) -> Vec<Result<Option<Booking>>> {
        run_split(self, "hold_batch", jobs, |tx, jobs| {
            Box::pin(hold_batch_tx(tx, jobs))
        })
        .await
    }
}

/// Every seat row of the batch, locked in the global order (show, seat) with one
/// primary-key lookup each (see `lock_seat_rows` for why not `= ANY`), with the row version
/// of its seat row's counter. Seats of a cancelled show are not locked.
const LOCK_SEATS: &str = "SELECT want.show_id, s.seat_id, s.label, s.row_no, s.price_cents, s.status, s.lapsed, \
            s.ctid, s.standing, \
            (SELECT r.ctid::text FROM show_rows r WHERE r.show_id = want.show_id AND r.row_no = s.row_no) \
     FROM unnest($1::bigint[], $2::int[]) WITH ORDINALITY AS want(show_id, seat_id, n) \
     CROSS JOIN LATERAL ( \
       SELECT seat_id, label, row_no, price_cents, status, \
              coalesce(held_until <= now(), false) AS lapsed, ctid::text AS ctid, \
              'standing' = ANY(features) AS standing \
       FROM seats WHERE show_id = want.show_id AND seat_id = want.seat_id \
         AND NOT EXISTS (SELECT 1 FROM shows WHERE id = want.show_id AND cancelled_at IS NOT NULL) \
       FOR UPDATE) s \
     ORDER BY want.n";

/// The holders' rows, locked after the seats (the lock order is seats -> users, as the
/// writes of the one-request path take them), with their held-seat counts.
const LOCK_USERS: &str = "SELECT u.id, u.held_seats, u.ctid::text \
     FROM unnest($1::bigint[]) WITH ORDINALITY AS want(id, n) \
     CROSS JOIN LATERAL (SELECT id, held_seats, ctid FROM users WHERE id = want.id FOR UPDATE) u \
     ORDER BY want.n";

/// Places of standing areas for a batch's holds by quantity: for each (show, section), up
/// to `total` free places, locked `FOR UPDATE SKIP LOCKED`, in the blocks with room from a
/// random one on (as the one-request path picks, see `lock_standing_places`), so that
/// concurrent batches, on this instance or another, take different places instead of
/// waiting for each other. It runs after [`LOCK_SEATS`] and never waits for a lock, so it
/// adds no lock-order cycle. Columns as [`LOCK_SEATS`], then the section and category.
const PICK_STANDING: &str = "SELECT g.show_id, p.seat_id, p.label, p.row_no, p.price_cents, p.status, p.lapsed, \
            p.ctid, true, p.row_ctid, g.section, p.category \
     FROM unnest($1::bigint[], $2::text[], $3::int[]) AS g(show_id, section, total) \
     CROSS JOIN LATERAL ( \
       SELECT lo + floor(random() * (hi - lo + 1))::int AS start FROM ( \
         SELECT (SELECT row_no FROM show_rows WHERE show_id = g.show_id AND section = g.section \
                   AND standing ORDER BY row_no LIMIT 1) AS lo, \
                (SELECT row_no FROM show_rows WHERE show_id = g.show_id AND section = g.section \
                   AND standing ORDER BY row_no DESC LIMIT 1) AS hi) bounds) area \
     CROSS JOIN LATERAL ( \
       SELECT s.seat_id, s.label, s.row_no, s.price_cents, s.status, \
              coalesce(s.held_until <= now(), false) AS lapsed, s.ctid::text AS ctid, \
              b.row_ctid, s.category \
       FROM ( \
         (SELECT first_seat, seat_count, ctid::text AS row_ctid FROM show_rows \
          WHERE show_id = g.show_id AND section = g.section AND standing \
            AND row_no >= area.start AND seat_count > taken ORDER BY row_no) \
         UNION ALL \
         (SELECT first_seat, seat_count, ctid::text FROM show_rows \
          WHERE show_id = g.show_id AND section = g.section AND standing \
            AND row_no < area.start AND seat_count > taken ORDER BY row_no)) b \
       JOIN seats s ON s.show_id = g.show_id \
         AND s.seat_id >= b.first_seat AND s.seat_id < b.first_seat + b.seat_count \
       WHERE (s.status = 'AVAILABLE' OR (s.status = 'HELD' AND s.held_until <= now())) \
         AND NOT EXISTS (SELECT 1 FROM shows WHERE id = g.show_id AND cancelled_at IS NOT NULL) \
       LIMIT g.total \
       FOR UPDATE OF s SKIP LOCKED) p";

/// The transaction of one batch of holds: two round trips, however many holds.
///
/// 1. `BEGIN` and, pipelined: the seat locks, the standing places picked for holds by
///    quantity, where each show stands, the holders' locked rows, and which
///    Idempotency-Keys exist already;
/// 2. after every request was judged here in arrival order, one statement that writes
///    every accepted hold (bookings, hold records, seats, row counters, holders' counts,
///    Idempotency-Keys; the outbox rows come from the bookings' trigger), and `COMMIT`.
async fn hold_batch_tx(tx: &Tx, jobs: &[HoldJob]) -> Result<Vec<Result<Option<Booking>>>> {
    let mut wanted: Vec<(i64, i32)> = jobs
        .iter()
        .flat_map(|job| match &job.wanted {
            Wanted::Seats(ids) => ids.iter().map(|&seat| (job.show_id, seat)).collect(),
            Wanted::Standing { .. } => Vec::new(),
        })
        .collect();
    wanted.sort_unstable();
    wanted.dedup();
    let (want_shows, want_seats): (Vec<i64>, Vec<i32>) = wanted.into_iter().unzip();
    // Places to pick per standing area, for every hold by quantity on it.
    let mut areas: HashMap<(i64, &str), i32> = HashMap::new();
    for job in jobs {
        if let Wanted::Standing {
            section, quantity, ..
        } = &job.wanted
        {
            *areas.entry((job.show_id, section.as_str())).or_default() += *quantity as i32;
        }
    }
    let mut area_shows = Vec::with_capacity(areas.len());
    let mut area_sections = Vec::with_capacity(areas.len());
    let mut area_totals = Vec::with_capacity(areas.len());
    for ((show, section), total) in &areas {
        area_shows.push(*show);
        area_sections.push(*section);
        area_totals.push(*total);
    }
    let shows = sorted_unique(jobs.iter().map(|job| job.show_id));
    let users = sorted_unique(jobs.iter().map(|job| job.user_id));
    let (key_users, keys): (Vec<i64>, Vec<&str>) = jobs
        .iter()
        .filter_map(|job| Some((job.user_id, job.idempotency.as_ref()?.0.as_str())))
        .unzip();

    let show_states = format!(
        "SELECT want.id, (SELECT {SHOW_STATE} FROM shows WHERE id = want.id) \
             FROM unnest($1::bigint[]) AS want(id)"
    );
    let known_keys = "SELECT want.user_id, want.key FROM unnest($1::bigint[], $2::text[]) AS want(user_id, key) \
             WHERE (SELECT true FROM idempotency_keys k WHERE k.user_id = want.user_id AND k.key = want.key)";
    // Sent in this order: seats, then standing places, then holders (the lock order); so
    // that each is sent on its first poll, none waits for its statement to be prepared.
    for sql in [
        LOCK_SEATS,
        PICK_STANDING,
        &show_states,
        LOCK_USERS,
        known_keys,
    ] {
        tx.ready(sql).await.map_err(db_error)?;
    }
    let [seat_rows, place_rows, show_rows, user_rows, key_rows] = tx
        .begin_with(async {
            let (seats, places, shows, users, keys) = tokio::join!(
                async {
                    if want_seats.is_empty() {
                        return Ok(Vec::new());
                    }
                    tx.rows(LOCK_SEATS, &[&want_shows, &want_seats])
                        .await
                        .map_err(db_error)
                },
                async {
                    if areas.is_empty() {
                        return Ok(Vec::new());
                    }
                    tx.rows(PICK_STANDING, &[&area_shows, &area_sections, &area_totals])
                        .await
                        .map_err(db_error)
                },
                async { tx.rows(&show_states, &[&shows]).await.map_err(db_error) },
                async { tx.rows(LOCK_USERS, &[&users]).await.map_err(db_error) },
                async {
                    if keys.is_empty() {
                        return Ok(Vec::new());
                    }
                    tx.rows(known_keys, &[&key_users, &keys])
                        .await
                        .map_err(db_error)
                },
            );
            settle([seats, places, shows, users, keys])
        })
        .await?;

    let mut seats: HashMap<(i64, i32), LockedSeat> =
        HashMap::with_capacity(seat_rows.len() + place_rows.len());
    let mut row_versions: HashMap<(i64, i32), String> = HashMap::new();
    for row in seat_rows.iter().chain(&place_rows) {
        let show_id: i64 = row.get(0);
        let seat = LockedSeat {
            seat_id: row.get(1),
            label: row.get(2),
            row_no: row.get(3),
            price_cents: row.get(4),
            status: SeatStatus::parse(row.get(5))?,
            lapsed: row.get(6),
            ctid: row.get(7),
            standing: row.get(8),
        };
        if let Some(version) = row.get::<_, Option<String>>(9) {
            row_versions.insert((show_id, seat.row_no), version);
        }
        seats.insert((show_id, seat.seat_id), seat);
    }
    // The places picked per area, (place, category), handed out in arrival order below.
    let mut picked: HashMap<(i64, &str), Vec<(i32, &str)>> = HashMap::new();
    for row in &place_rows {
        picked
            .entry((row.get(0), row.get(10)))
            .or_default()
            .push((row.get(1), row.get(11)));
    }
    let jobs_seats: Vec<Option<Vec<i32>>> = jobs
        .iter()
        .map(|job| match &job.wanted {
            Wanted::Seats(ids) => Some(ids.clone()),
            Wanted::Standing {
                section,
                quantity,
                category,
            } => {
                let pool = picked.get_mut(&(job.show_id, section.as_str()))?;
                let fits = |c: &str| category.as_deref().is_none_or(|want| want == c);
                if pool.iter().filter(|(_, c)| fits(c)).count() < *quantity {
                    return None;
                }
                let mut mine = Vec::with_capacity(*quantity);
                pool.retain(|&(place, c)| {
                    let take = mine.len() < *quantity && fits(c);
                    if take {
                        mine.push(place);
                    }
                    !take
                });
                mine.sort_unstable();
                Some(mine)
            }
        })
        .collect();
    let show_state: HashMap<i64, ShowState> = show_rows
        .iter()
        .filter_map(|row| Some((row.get(0), ShowState::parse(row.get::<_, Option<&str>>(1)?))))
        .collect();
    let holders: HashMap<i64, (i64, String)> = user_rows
        .iter()
        .map(|row| (row.get(0), (i64::from(row.get::<_, i32>(1)), row.get(2))))
        .collect();
    let known: HashSet<(i64, String)> = key_rows
        .iter()
        .map(|row| (row.get(0), row.get(1)))
        .collect();

    // Each request in arrival order, against the locked rows and the requests before it.
    let mut taken: HashSet<(i64, i32)> = HashSet::new();
    let mut added: HashMap<i64, i64> = HashMap::new();
    let mut keys_used: HashSet<(i64, &str)> = HashSet::new();
    let mut results: Vec<Result<Option<Booking>>> = Vec::with_capacity(jobs.len());
    let mut write = Writes::default();
    for (job, seat_ids) in jobs.iter().zip(&jobs_seats) {
        let verdict = async {
            // Its request was cut off while the batch waited for locks: nobody would
            // learn of the hold, so it is not made (as a transaction of its own rolls back).
            if job.abandoned() {
                return Err(abandoned());
            }
            // Too few standing places were picked for it: its caller picks them apart.
            let Some(seat_ids) = seat_ids else {
                return Ok(None);
            };
            if let Some((key, _)) = &job.idempotency
                && (known.contains(&(job.user_id, key.clone()))
                    || keys_used.contains(&(job.user_id, key.as_str())))
            {
                // A copy with this key committed, or is in this batch: the caller answers
                // with that copy's booking once this batch has committed.
                return Err(Error::new(
                    Code::IdempotencyRace,
                    "Same Idempotency-Key in flight.",
                ));
            }
            let show = *show_state
                .get(&job.show_id)
                .ok_or_else(|| Error::show_not_found(job.show_id))?;
            let locked: Vec<&LockedSeat> = seat_ids
                .iter()
                .filter_map(|&seat| seats.get(&(job.show_id, seat)))
                .collect();
            judge_seats(show, job.by_id, seat_ids, &locked, |seat| {
                taken.contains(&(job.show_id, seat.seat_id))
            })?;
            let (held, _) = holders.get(&job.user_id).ok_or_else(|| {
                Error::internal(anyhow::anyhow!("user {} does not exist", job.user_id))
            })?;
            let before = added.get(&job.user_id).copied().unwrap_or(0);
            check_cap(
                tx,
                job.rules,
                job.user_id,
                held + before,
                seat_ids.len() as i64,
            )
            .await?;
            Ok(Some((seat_ids, locked)))
        }
        .await;
        results.push(match verdict {
            Ok(None) => Ok(None),
            Ok(Some((seat_ids, locked))) => {
                for seat in &locked {
                    taken.insert((job.show_id, seat.seat_id));
                }
                *added.entry(job.user_id).or_default() += seat_ids.len() as i64;
                if let Some((key, _)) = &job.idempotency {
                    keys_used.insert((job.user_id, key.as_str()));
                }
                write.add(job, &locked, &row_versions)?;
                // Filled in from the write's rows below.
                Ok(Some(Booking {
                    id: job.booking_id,
                    show_id: job.show_id,
                    status: BookingStatus::Pending,
                    failure_reason: None,
                    seat_labels: locked.iter().map(|s| s.label.clone()).collect(),
                    seat_ids: seat_ids.clone(),
                    total_cents: locked.iter().map(|s| s.price_cents).sum(),
                    expires_at: chrono::DateTime::UNIX_EPOCH,
                    created_at: chrono::DateTime::UNIX_EPOCH,
                    updated_at: chrono::DateTime::UNIX_EPOCH,
                }))
            }
            Err(err) => Err(err),
        });
    }
    if write.booking_ids.is_empty() {
        return Ok(results);
    }
    for (user_id, n) in &added {
        let (_, version) = &holders[user_id];
        write.user_versions.push(version.clone());
        write.user_deltas.push(*n as i32);
    }
    for ((_, _), (version, delta)) in &write.rows {
        write.row_versions.push(version.clone());
        write.row_deltas.push(*delta);
    }

    let w = &write;
    let rows = match tx
        .commit_with(&[(
            WRITE_HOLDS,
            &[
                &w.booking_ids,
                &w.users,
                &w.shows,
                &w.totals,
                &w.ttls,
                &w.firsts,
                &w.lasts,
                &w.seat_ids,
                &w.labels,
                &w.seat_versions,
                &w.seat_bookings,
                &w.seat_ttls,
                &w.row_versions,
                &w.row_deltas,
                &w.user_versions,
                &w.user_deltas,
                &w.key_users,
                &w.keys,
                &w.key_hashes,
                &w.key_bookings,
            ],
        )])
        .await
    {
        Ok(rows) => rows,
        // A copy of a request with the same key committed after this batch read the keys:
        // try the batch again, which finds it.
        Err(CommitError::Db(err)) if is_unique_violation(&err, "idempotency_keys_pkey") => {
            return Err(Error::new(
                Code::SerializationFailure,
                "an Idempotency-Key of the batch committed meanwhile",
            ));
        }
        Err(err) => return Err(err.into()),
    };
    let written: HashMap<Uuid, (chrono::DateTime<chrono::Utc>, chrono::DateTime<chrono::Utc>)> =
        rows[0]
            .iter()
            .map(|row| (row.get(0), (row.get(1), row.get(2))))
            .collect();
    for booking in results.iter_mut().flatten().flatten() {
        let (expires_at, created_at) = written.get(&booking.id).copied().ok_or_else(|| {
            Error::internal(anyhow::anyhow!("booking {} was not written", booking.id))
        })?;
        booking.expires_at = expires_at;
        booking.created_at = created_at;
        booking.updated_at = created_at;
    }
    Ok(results)
}

/// Every write of a batch of holds in one statement. `now()` is the transaction's start, so
/// each booking's `expires_at` and its seats' `held_until` are the same instant. Rows are
/// addressed by the versions the first statement locked or read (`ctid`), and each
/// booking's seats are a slice of one flat array: no join, so nothing but those rows is
/// read (and predicate-locked). The row versions travel as text and are parsed once, in
/// `tids` (a cast inside `array_position` was parsed again for every row written: an
/// eighth of PostgreSQL's time in a profile of batched sales).
const WRITE_HOLDS: &str = "WITH tids AS MATERIALIZED ( \
       SELECT $10::text[]::tid[] AS seats, $13::text[]::tid[] AS rows, $15::text[]::tid[] AS users), \
     booking AS ( \
       INSERT INTO bookings (id, user_id, show_id, status, seat_ids, seat_labels, total_cents, expires_at) \
       SELECT b.id, b.user_id, b.show_id, 'PENDING', ($8::int[])[b.first:b.last], ($9::text[])[b.first:b.last], \
              b.total, now() + make_interval(secs => b.ttl) \
       FROM unnest($1::uuid[], $2::bigint[], $3::bigint[], $4::bigint[], $5::float8[], $6::int[], $7::int[]) \
         AS b(id, user_id, show_id, total, ttl, first, last) \
       RETURNING id, show_id, expires_at, created_at), \
     hold AS ( \
       INSERT INTO pending_holds (booking_id, show_id, expires_at) \
       SELECT id, show_id, expires_at FROM booking), \
     seats_held AS ( \
       UPDATE seats SET status = 'HELD', \
              booking_id = ($11::uuid[])[array_position((SELECT seats FROM tids), ctid)], \
              held_until = now() + make_interval(secs => ($12::float8[])[array_position((SELECT seats FROM tids), ctid)]) \
       WHERE ctid = ANY((SELECT seats FROM tids)::tid[])), \
     rows_taken AS ( \
       UPDATE show_rows SET taken = taken + ($14::int[])[array_position((SELECT rows FROM tids), ctid)] \
       WHERE ctid = ANY((SELECT rows FROM tids)::tid[])), \
     counted AS ( \
       UPDATE users SET held_seats = held_seats + ($16::int[])[array_position((SELECT users FROM tids), ctid)] \
       WHERE ctid = ANY((SELECT users FROM tids)::tid[])), \
     keys AS ( \
       INSERT INTO idempotency_keys (user_id, key, request_hash, booking_id) \
       SELECT * FROM unnest($17::bigint[], $18::text[], $19::text[], $20::uuid[])) \
     SELECT id, expires_at, created_at FROM booking";

/// The parameters of [`WRITE_HOLDS`], gathered from the accepted holds.
#[derive(Default)]
struct Writes {
    booking_ids: Vec<Uuid>,
    users: Vec<i64>,
    shows: Vec<i64>,
    totals: Vec<i64>,
    ttls: Vec<f64>,
    firsts: Vec<i32>,
    lasts: Vec<i32>,
    seat_ids: Vec<i32>,
    labels: Vec<String>,
    seat_versions: Vec<String>,
    seat_bookings: Vec<Uuid>,
    seat_ttls: Vec<f64>,
    /// Seats newly taken per seat row: (show, row) -> (row version, count).
    rows: HashMap<(i64, i32), (String, i32)>,
    row_versions: Vec<String>,
    row_deltas: Vec<i32>,
    user_versions: Vec<String>,
    user_deltas: Vec<i32>,
    key_users: Vec<i64>,
    keys: Vec<String>,
    key_hashes: Vec<String>,
    key_bookings: Vec<Uuid>,
}

impl Writes {
    fn add(
        &mut self,
        job: &HoldJob,
        seats: &[&LockedSeat],
        row_versions: &HashMap<(i64, i32), String>,
    ) -> Result<()> {
        let ttl = f64::from(job.rules.ttl_secs);
        self.booking_ids.push(job.booking_id);
        self.users.push(job.user_id);
        self.shows.push(job.show_id);
        self.totals.push(seats.iter().map(|s| s.price_cents).sum());
        self.ttls.push(ttl);
        // 1-based, inclusive: the slice of the flat seat arrays that is this booking's.
        self.firsts.push(self.seat_ids.len() as i32 + 1);
        self.lasts.push((self.seat_ids.len() + seats.len()) as i32);
        for seat in seats {
            self.seat_ids.push(seat.seat_id);
            self.labels.push(seat.label.clone());
            self.seat_versions.push(seat.ctid.clone());
            self.seat_bookings.push(job.booking_id);
            self.seat_ttls.push(ttl);
            // A lapsed hold's seat is still counted by its row (its old booking is
            // released by the sweeper): only free seats add to the counter.
            if seat.status == SeatStatus::Available {
                let key = (job.show_id, seat.row_no);
                let version = row_versions.get(&key).ok_or_else(|| {
                    Error::internal(anyhow::anyhow!("seat row {key:?} has no counter"))
                })?;
                self.rows
                    .entry(key)
                    .or_insert_with(|| (version.clone(), 0))
                    .1 += 1;
            }
        }
        if let Some((key, hash)) = &job.idempotency {
            self.key_users.push(job.user_id);
            self.keys.push(key.clone());
            self.key_hashes.push(hash.clone());
            self.key_bookings.push(job.booking_id);
        }
        Ok(())
    }
}

fn sorted_unique<T: Ord>(values: impl Iterator<Item = T>) -> Vec<T> {
    let mut values: Vec<T> = values.collect();
    values.sort_unstable();
    values.dedup();
    values
}
