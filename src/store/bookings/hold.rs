//! Holding seats: by id or "best available", all or none, with Idempotency-Key replays
//! and the per-user cap.

use rand::seq::SliceRandom;
use uuid::Uuid;

use super::batch::{HoldJob, Wanted};
use super::{
    HoldOutcome, HoldRules, LockedSeat, SHOW_STATE, ShowState, StandingPick, count_rows,
    lock_seat_rows, lock_standing_places, only_row, row_deltas,
};
use crate::domain::best_available::{self, RowAvailability};
use crate::domain::booking::{
    AfterStart, Booking, BookingStatus, HoldRequest, SeatRequest, SeatStatus, seat_is_free,
    show_started as show_started_error,
};
use crate::domain::{Code, Error, ErrorKind, Result};
use crate::store::params::Params;
use crate::store::sql::Param;
use crate::store::tx::{CommitError, Write};
use crate::store::{Db, Tx, db_error, is_unique_violation};

/// Everything one hold attempt needs, borrowed by each retry.
struct HoldCtx<'r> {
    /// Seats asked for by id (not picked here): places of a standing area are refused.
    by_id: bool,
    user_id: i64,
    show_id: i64,
    seat_ids: Vec<i32>,
    ttl_secs: f64,
    booking_id: Uuid,
    idempotency: Option<(&'r str, String)>,
    rules: HoldRules,
    /// Places of a standing area to pick inside the hold itself (then `seat_ids` is empty).
    standing: Option<StandingPick<'r>>,
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
            by_id: matches!(request.seats, SeatRequest::Seats(_)),
            user_id,
            show_id: request.show_id,
            seat_ids: Vec::new(),
            ttl_secs: f64::from(rules.ttl_secs),
            rules,
            booking_id: Uuid::new_v4(),
            idempotency: idempotency_key.map(|key| (key, fingerprint.clone())),
            standing: None,
        };
        let mut picks = 0;
        // Whether the pick inside the hold found no standing block with room: then the
        // section is picked from apart, as a seated one or across blocks.
        let mut no_block = false;
        let result = loop {
            ctx.standing = None;
            ctx.seat_ids = match &request.seats {
                SeatRequest::Seats(ids) => ids.clone(),
                SeatRequest::Best {
                    quantity,
                    category,
                    accessible,
                    section,
                } => {
                    picks += 1;
                    let want = Want {
                        quantity: *quantity,
                        category: category.as_deref(),
                        accessible: *accessible,
                    };
                    match section {
                        // The usual hold on a standing area: its places are picked and
                        // locked in the hold's (or its batch's) first statement, not read
                        // apart first (measured: picking them first and batching them sold
                        // 0.6× as fast).
                        Some(section) if !want.accessible && !no_block => {
                            ctx.standing = Some(StandingPick {
                                section,
                                quantity: want.quantity as i32,
                                category: want.category,
                            });
                            Vec::new()
                        }
                        Some(section) => {
                            self.pick_in_section(request.show_id, section, want).await?
                        }
                        None => self.pick_best(request.show_id, want, None).await?,
                    }
                }
            };
            let result = match self.batches() {
                Some(_) => {
                    let wanted = match &ctx.standing {
                        Some(pick) => Wanted::Standing {
                            section: pick.section.to_owned(),
                            quantity: pick.quantity as usize,
                            category: pick.category.map(str::to_owned),
                        },
                        None => Wanted::Seats(ctx.seat_ids.clone()),
                    };
                    let (job, waiting) = HoldJob::new(
                        ctx.by_id,
                        ctx.user_id,
                        ctx.show_id,
                        wanted,
                        ctx.rules,
                        ctx.booking_id,
                        ctx.idempotency
                            .as_ref()
                            .map(|(key, hash)| (key.to_string(), hash.clone())),
                    );
                    self.hold_in_batch(job, waiting).await
                }
                None => {
                    self.serializable("hold", &ctx, |tx, ctx| Box::pin(hold_tx(tx, ctx)))
                        .await
                }
            };
            let result = match result {
                Ok(Some(booking)) => Ok(booking),
                Ok(None) => {
                    no_block = true;
                    continue;
                }
                Err(err) => Err(err),
            };
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
        // A hold that went through a batch was announced with it (else the caller
        // announces it).
        let announced = self.batches().is_some();
        match result {
            Ok(booking) => Ok(HoldOutcome {
                booking,
                replayed: false,
                announced,
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
            .opt(
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
        let (booking, _) = self.booking_with_show(user_id, row.get(1)).await?;
        Ok(Some(HoldOutcome {
            booking,
            replayed: true,
            announced: false,
        }))
    }

    /// Chooses seats for a party from a READ COMMITTED read (no predicate locks, so the
    /// read never makes other holds fail); the hold transaction then locks and re-checks
    /// them. First only the front rows with room are read (with a stage: the rows nearest
    /// it); the whole show only when those cannot seat the party together without
    /// stranding a seat.
    async fn pick_best(
        &self,
        show_id: i64,
        want: Want<'_>,
        section: Option<&str>,
    ) -> Result<Vec<i32>> {
        let Want {
            quantity,
            category,
            accessible,
        } = want;
        let client = self.client().await?;
        // Every seat of the rows considered, free or not (a row's extent gives its middle),
        // by position: `floor(x)` counts aisles and missing seats as places, so adjacent
        // positions are seats side by side. Wheelchair spaces are free for a request that
        // asks for them, and only for one.
        let stmt = "SELECT s.row_no, s.place, s.seat_id, \
                        (s.status = 'AVAILABLE' OR (s.status = 'HELD' AND s.held_until <= now())) \
                        AND ('wheelchair' = ANY(s.features)) = $5, \
                        sqrt(power(s.x - sh.stage_x, 2) + power(s.y - sh.stage_y, 2))::real \
                 FROM seats s JOIN show_rows r ON r.show_id = s.show_id AND r.row_no = s.row_no \
                   JOIN shows sh ON sh.id = s.show_id \
                 WHERE s.show_id = $1 AND ($2::text IS NULL OR r.category = $2) \
                   AND NOT r.standing AND ($6::text IS NULL OR r.section = $6) \
                   AND ($3::bigint IS NULL OR s.row_no IN ( \
                        SELECT row_no FROM show_rows WHERE show_id = $1 \
                          AND ($2::text IS NULL OR category = $2) AND seat_count - taken >= $4 \
                          AND NOT standing AND ($6::text IS NULL OR section = $6) \
                        ORDER BY distance NULLS LAST, row_no LIMIT $3)) \
                 ORDER BY s.row_no, s.place";
        let quantity_i32 = quantity as i32;
        for limit in [Some(CANDIDATE_ROWS), None] {
            let rows = client
                .rows(
                    stmt,
                    &[
                        &show_id,
                        &category,
                        &limit,
                        &quantity_i32,
                        &accessible,
                        &section,
                    ],
                )
                .await
                .map_err(db_error)?;
            let mut availability: Vec<RowAvailability> = Vec::new();
            let mut extent = (0, 0);
            for row in &rows {
                let (row_no, position): (i32, i32) = (row.get(0), row.get(1));
                if availability.last().is_none_or(|r| r.row_no != row_no) {
                    if let Some(last) = availability.last_mut() {
                        last.middle2 = extent.0 + extent.1;
                    }
                    availability.push(RowAvailability {
                        row_no,
                        middle2: 0,
                        free: Vec::new(),
                        distances: row.get::<_, Option<f32>>(4).map(|_| Vec::new()),
                    });
                    extent = (position, position);
                }
                extent.1 = position;
                if let Some(last) = availability.last_mut()
                    && row.get::<_, bool>(3)
                {
                    last.free.push((position, row.get(2)));
                    if let Some(distances) = &mut last.distances {
                        distances.push(row.get::<_, Option<f32>>(4).unwrap_or(f32::MAX));
                    }
                }
            }
            if let Some(last) = availability.last_mut() {
                last.middle2 = extent.0 + extent.1;
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

    /// Picks places in one section: "best available" for a section of seats, any free
    /// places for a standing area whose party no single block has room for (the usual
    /// standing hold picks inside the hold itself, see `lock_standing_places`): blocks with
    /// room in random order, random free places of each. Read at READ COMMITTED, like
    /// [`Db::pick_best`]; the hold transaction locks and re-checks the places.
    async fn pick_in_section(
        &self,
        show_id: i64,
        section: &str,
        want: Want<'_>,
    ) -> Result<Vec<i32>> {
        let client = self.client().await?;
        let stmt = "SELECT row_no, first_seat, seat_count, seat_count - taken, standing, category \
                 FROM show_rows WHERE show_id = $1 AND section = $2";
        let rows = client
            .rows(stmt, &[&show_id, &section])
            .await
            .map_err(db_error)?;
        let Some(first) = rows.first() else {
            drop(client);
            self.show(show_id).await?;
            return Err(Error::new(
                Code::UnknownSection,
                format!("The show has no section {section:?}."),
            ));
        };
        if !first.get::<_, bool>(4) {
            drop(client);
            return self.pick_best(show_id, want, Some(section)).await;
        }
        if want.accessible || want.category.is_some_and(|c| c != first.get::<_, &str>(5)) {
            return Err(Error::new(
                Code::NotEnoughSeats,
                format!("The standing area {section:?} has no places of that kind."),
            ));
        }
        // (first seat, places) of every block with room, in random order; those that fit
        // the whole party first.
        let mut blocks: Vec<(i32, i32, i32)> = rows
            .iter()
            .map(|r| (r.get::<_, i32>(1), r.get::<_, i32>(2), r.get::<_, i32>(3)))
            .filter(|&(_, _, room)| room > 0)
            .collect();
        blocks.shuffle(&mut rand::rng());
        blocks.sort_by_key(|&(_, _, room)| room < want.quantity as i32);
        let stmt = "SELECT seat_id FROM seats WHERE show_id = $1 AND seat_id >= $2 AND seat_id < $2 + $3 \
                   AND (status = 'AVAILABLE' OR (status = 'HELD' AND held_until <= now()))";
        let mut picked = Vec::with_capacity(want.quantity);
        for (first_seat, places, _) in blocks {
            let mut free: Vec<i32> = client
                .rows(stmt, &[&show_id, &first_seat, &places])
                .await
                .map_err(db_error)?
                .iter()
                .map(|r| r.get(0))
                .collect();
            free.shuffle(&mut rand::rng());
            picked.extend(free.into_iter().take(want.quantity - picked.len()));
            if picked.len() == want.quantity {
                picked.sort_unstable();
                return Ok(picked);
            }
        }
        Err(Error::new(
            Code::NotEnoughSeats,
            format!(
                "Fewer than {} places are left in {section:?}.",
                want.quantity
            ),
        ))
    }
}

/// What "best available" is asked for.
#[derive(Debug, Clone, Copy)]
struct Want<'a> {
    quantity: usize,
    category: Option<&'a str>,
    accessible: bool,
}

/// One attempt at a hold, inside a SERIALIZABLE transaction: two round trips. `None` when
/// it was to pick standing places and no block of the area has room for the party.
///
/// 1. `BEGIN` and one statement that locks the seats (or picks and locks standing places)
///    and reads the show's start and the user's held-seat count, pipelined;
/// 2. after the checks here, one statement that makes every write (plus the
///    Idempotency-Key's, when given) and `COMMIT`, pipelined.
///
/// The held-seat count is read in the first round trip and written in the second without
/// a lock in between: if another hold of the same user commits in between, SERIALIZABLE
/// makes this one fail and retry, and the retry reads the new count.
async fn hold_tx(tx: &Tx, ctx: &HoldCtx<'_>) -> Result<Option<Booking>> {
    let locks = match &ctx.standing {
        Some(pick) => {
            tx.begin_with(lock_standing_places(tx, ctx.show_id, pick, ctx.user_id))
                .await?
        }
        None => {
            tx.begin_with(lock_seat_rows(
                tx,
                ctx.show_id,
                &ctx.seat_ids,
                None,
                Some(ctx.user_id),
            ))
            .await?
        }
    };
    let seat_ids: Vec<i32> = match ctx.standing {
        Some(_) if locks.seats.is_empty() => return Ok(None),
        Some(_) => locks.seats.iter().map(|s| s.seat_id).collect(),
        None => ctx.seat_ids.clone(),
    };
    // No seat found: the show itself may be missing, started or cancelled (checked
    // first, as when seats are found), else every seat is unknown.
    let show = match locks.show {
        Some(show) => show,
        None => ShowState::parse(
            tx.opt(
                &format!("SELECT {SHOW_STATE} FROM shows WHERE id = $1"),
                &[&ctx.show_id],
            )
            .await
            .map_err(db_error)?
            .ok_or_else(|| Error::show_not_found(ctx.show_id))?
            .get(0),
        ),
    };
    let seats = locks.seats;
    judge_seats(
        show,
        ctx.by_id,
        &seat_ids,
        &seats.iter().collect::<Vec<_>>(),
        |_| false,
    )?;
    let held = locks
        .held_seats
        .ok_or_else(|| Error::internal(anyhow::anyhow!("user {} does not exist", ctx.user_id)))?;
    check_cap(
        tx,
        ctx.rules,
        ctx.user_id,
        i64::from(held),
        seat_ids.len() as i64,
    )
    .await?;
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
        &seat_ids,
        &labels,
        &total_cents,
        &ctx.ttl_secs,
        &ctids,
    ]);
    let counters = count_rows(&mut hold_params, &ctx.show_id, &taken);
    let hold = format!(
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
    );
    let remember_key = "INSERT INTO idempotency_keys (user_id, key, request_hash, booking_id) VALUES ($1, $2, $3, $4)";
    let key_params: Option<[&dyn Param; 4]> = ctx
        .idempotency
        .as_ref()
        .map(|(key, hash)| [&ctx.user_id as _, key as _, hash as _, &ctx.booking_id as _]);
    let mut writes: Vec<Write> = vec![(&hold, hold_params.values())];
    if let Some(params) = &key_params {
        writes.push((remember_key, params));
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
    let expires_at = row.get(0);
    Ok(Some(Booking {
        id: ctx.booking_id,
        show_id: ctx.show_id,
        status: BookingStatus::Pending,
        failure_reason: None,
        seat_labels: labels.into_iter().map(str::to_owned).collect(),
        seat_ids,
        total_cents,
        expires_at,
        created_at,
        updated_at: created_at,
    }))
}

/// The rules a hold is judged by once its seats are locked, on either path (a transaction
/// of its own, or one request of a batch: see `batch`): its show on sale, every seat of
/// the show, no standing place asked for by id, and every seat free: neither held nor
/// booked, nor (`taken_earlier`) given to an earlier request of the same batch.
pub(super) fn judge_seats(
    show: ShowState,
    by_id: bool,
    seat_ids: &[i32],
    seats: &[&LockedSeat],
    taken_earlier: impl Fn(&LockedSeat) -> bool,
) -> Result<()> {
    match show {
        ShowState::OnSale => {}
        ShowState::Started => return Err(show_started_error(AfterStart::Hold)),
        ShowState::Cancelled => return Err(Error::show_cancelled()),
    }
    if seats.len() != seat_ids.len() {
        let unknown = seat_ids
            .iter()
            .copied()
            .filter(|id| !seats.iter().any(|s| s.seat_id == *id))
            .collect();
        return Err(
            Error::new(Code::UnknownSeats, "Some seats do not exist in this show.")
                .with_seats(unknown),
        );
    }
    if by_id && seats.iter().any(|s| s.standing) {
        return Err(Error::new(
            Code::StandingByQuantity,
            "Places in a standing area are held by quantity, with their section.",
        ));
    }
    let unavailable: Vec<i32> = seats
        .iter()
        .filter(|s| !seat_is_free(s.status, s.lapsed) || taken_earlier(s))
        .map(|s| s.seat_id)
        .collect();
    if !unavailable.is_empty() {
        return Err(Error::new(
            Code::SeatsUnavailable,
            "Some of the seats are held or booked by someone else.",
        )
        .with_seats(unavailable));
    }
    Ok(())
}

/// The per-user cap, on either path: `held` seats counted for the user (in a batch, with
/// its earlier holds of the user), `wanted` more.
pub(super) async fn check_cap(
    tx: &Tx,
    rules: HoldRules,
    user_id: i64,
    held: i64,
    wanted: i64,
) -> Result<()> {
    if rules.allows(held, wanted)
        || rules.allows(held - lapsed_seats_of(tx, user_id).await?, wanted)
    {
        Ok(())
    } else {
        Err(rules.limit_reached())
    }
}

/// Seats in the user's holds that have lapsed but are not swept yet. The held-seat count
/// still includes them (the sweeper takes them off when it expires them), but expiry is
/// exact: a buyer whose hold ran out may hold again at once. Read only when the count
/// alone would refuse a hold, so the common hold never reads the user's bookings (their
/// index range, predicate-locked under SERIALIZABLE).
async fn lapsed_seats_of(tx: &Tx, user_id: i64) -> Result<i64> {
    let stmt = "SELECT coalesce(sum(cardinality(seat_ids)), 0)::bigint FROM bookings \
             WHERE user_id = $1 AND status = 'PENDING' AND expires_at <= now()";
    let row = tx.one(stmt, &[&user_id]).await.map_err(db_error)?;
    Ok(row.get(0))
}
