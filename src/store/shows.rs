//! Shows: creation (which materialises the seats), lists, and seat maps.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use tokio_postgres::Row;

use super::{Db, Tx, db_error, layouts};
use crate::domain::booking::{AfterStart, SeatStatus, show_started};
use crate::domain::layout::{Layout, SlotPlan, Stage};
use crate::domain::page::Cursor;
use crate::domain::show::{Seat, Show, ShowDraft, ShowPatch, check_price_categories, slot_times};
use crate::domain::{Code, Error, Result};

/// Where a new show's seats come from.
pub enum LayoutSource {
    /// A stored layout.
    Stored(i64),
    /// A layout given inline; it is stored too, so the show can point at it.
    Inline(Layout),
}

/// Show columns plus the live available count: the row counters, plus seats still held
/// by bookings whose hold has run out but that the sweeper has not released yet (expiry
/// is exact). The second term reads only lapsed holds (an index range of `pending_holds`
/// that the sweeper keeps nearly empty), their bookings and seats by primary key.
const SHOW_COLUMNS: &str = "s.id, s.name, s.kind, s.starts_at, s.layout_id, s.total_seats, s.prices, s.created_at, \
     (SELECT coalesce(sum(r.seat_count - r.taken), 0) FROM show_rows r WHERE r.show_id = s.id) \
     + (SELECT count(*) FROM pending_holds p JOIN bookings b ON b.id = p.booking_id \
        CROSS JOIN unnest(b.seat_ids) AS held(seat_id) \
        JOIN seats x ON x.show_id = b.show_id AND x.seat_id = held.seat_id AND x.booking_id = b.id \
        WHERE p.show_id = s.id AND p.expires_at <= now()) \
     AS available_seats, \
     (SELECT extract(epoch FROM min(p.expires_at) - now())::float8 FROM pending_holds p \
        WHERE p.show_id = s.id AND p.expires_at > now()) AS next_lapse_secs, \
     s.cancelled_at, s.time_zone, s.currency";

fn show_from_row(row: &Row) -> Result<Show> {
    let prices: serde_json::Value = row.get(6);
    Ok(Show {
        id: row.get(0),
        name: row.get(1),
        kind: row.get(2),
        starts_at: row.get(3),
        layout_id: row.get(4),
        total_seats: row.get(5),
        prices: serde_json::from_value(prices).map_err(Error::internal)?,
        created_at: row.get(7),
        available_seats: row.get::<_, i64>(8),
        next_lapse_secs: row.get(9),
        cancelled_at: row.get(10),
        time_zone: row.get::<_, &str>(11).parse().map_err(|_| {
            Error::internal(anyhow::anyhow!(
                "unknown time zone of show {}",
                row.get::<_, i64>(0)
            ))
        })?,
        currency: row.get(12),
    })
}

/// Locks every seat of a show in seat order, the order every booking transaction locks
/// seats in, so an admin's change of a whole show never deadlocks with them; once it
/// returns, no booking of the show commits until the caller's transaction ends.
pub(crate) async fn lock_every_seat(tx: &crate::store::Conn, show_id: i64) -> Result<()> {
    tx.exec(
        "SELECT count(*) FROM (SELECT 1 FROM seats WHERE show_id = $1 \
                               ORDER BY seat_id FOR UPDATE) locked",
        &[&show_id],
    )
    .await
    .map_err(db_error)?;
    Ok(())
}

/// Seats of a show as one statement read them.
#[derive(Debug)]
pub struct SeatsNow<T> {
    pub seats: Vec<T>,
    /// Seconds until the earliest live hold among them lapses.
    pub next_lapse_secs: Option<f64>,
    /// The show's `seats_version`: it moves whenever what a seat map shows of a seat
    /// besides its status (its price) changes.
    pub version: i32,
    /// The layout's focal point (read with every seat, not with the taken ones).
    pub stage: Option<Stage>,
}

/// Filters of the public show list.
#[derive(Debug, Clone, Default)]
pub struct ShowFilter {
    pub kind: Option<String>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
}

impl Db {
    /// Creates a show and its seats and seat-row counters in one transaction. With a
    /// `seed_key`, an existing show of that key is returned unchanged.
    pub async fn create_show(
        &self,
        draft: &ShowDraft,
        source: LayoutSource,
        seed_key: Option<&str>,
    ) -> Result<Show> {
        let client = self.client().await?;
        if let Some(key) = seed_key {
            let existing = client
                .opt("SELECT id FROM shows WHERE seed_key = $1", &[&key])
                .await
                .map_err(db_error)?;
            if let Some(row) = existing {
                return self.show(row.get(0)).await;
            }
        }
        let tx = Tx::read_committed(client).await?;
        let (layout_id, layout) = match source {
            LayoutSource::Stored(id) => {
                let row = tx
                    .opt("SELECT definition FROM layouts WHERE id = $1", &[&id])
                    .await
                    .map_err(db_error)?
                    .ok_or_else(|| {
                        Error::new(Code::LayoutNotFound, format!("There is no layout {id}."))
                    })?;
                let spec = serde_json::from_value(row.get(0)).map_err(Error::internal)?;
                (id, Layout::parse(spec)?)
            }
            LayoutSource::Inline(layout) => {
                let record = layouts::insert(&tx, &layout, None).await?;
                (record.id, layout)
            }
        };
        draft.check_prices(&layout)?;
        let mut layout = layout;
        if draft.kind == "bus" {
            layout.mark_windows();
        }
        let prices = serde_json::to_value(&draft.prices).map_err(Error::internal)?;
        let total = layout.seat_count() as i32;
        let show_id: i64 = tx
            .one(
                "INSERT INTO shows (name, kind, starts_at, layout_id, total_seats, prices, seed_key, time_zone, \
                                    stage_x, stage_y, stage_label, currency) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id",
                &[
                    &draft.name,
                    &draft.kind,
                    &draft.starts_at,
                    &layout_id,
                    &total,
                    &prices,
                    &seed_key,
                    &draft.time_zone.name(),
                    &layout.stage.as_ref().map(|s| s.x),
                    &layout.stage.as_ref().map(|s| s.y),
                    &layout.stage.as_ref().map(|s| s.label.as_str()),
                    &draft.currency,
                ],
            )
            .await
            .map_err(db_error)?
            .get(0);

        let rows = &layout.rows;
        let row_nos: Vec<i32> = (0..rows.len() as i32).collect();
        let row_categories: Vec<&str> = rows.iter().map(|r| r.category.as_str()).collect();
        let row_sizes: Vec<i32> = rows.iter().map(|r| r.size).collect();
        let row_sections: Vec<&str> = rows.iter().map(|r| r.section.as_str()).collect();
        let standing: Vec<bool> = rows.iter().map(|r| r.standing).collect();
        let mut first_seats: Vec<i32> = vec![0; rows.len()];
        for seat in layout.seats.iter().rev() {
            first_seats[seat.row_no as usize] = seat.seat_id;
        }
        let distances = layout.row_distances();
        tx.exec(
            "INSERT INTO show_rows (show_id, row_no, category, seat_count, section, standing, first_seat, distance) \
             SELECT $1, * FROM unnest($2::int[], $3::text[], $4::int[], $5::text[], $6::bool[], $7::int[], $8::real[])",
            &[&show_id, &row_nos, &row_categories, &row_sizes, &row_sections, &standing, &first_seats, &distances],
        )
        .await
        .map_err(db_error)?;

        // All seats in one statement: column arrays, unnested by PostgreSQL.
        let seats = &layout.seats;
        let ids: Vec<i32> = seats.iter().map(|s| s.seat_id).collect();
        let labels: Vec<&str> = seats.iter().map(|s| s.label.as_str()).collect();
        let sections: Vec<&str> = seats.iter().map(|s| s.section.as_str()).collect();
        let rows: Vec<i32> = seats.iter().map(|s| s.row_no).collect();
        let row_labels: Vec<&str> = seats.iter().map(|s| s.row_label.as_str()).collect();
        let numbers: Vec<i32> = seats.iter().map(|s| s.number).collect();
        let categories: Vec<&str> = seats.iter().map(|s| s.category.as_str()).collect();
        let prices: Vec<i64> = seats.iter().map(|s| draft.prices[&s.category]).collect();
        let xs: Vec<f32> = seats.iter().map(|s| s.x).collect();
        let ys: Vec<f32> = seats.iter().map(|s| s.y).collect();
        // Each seat's features as one comma-separated text (unnest takes no ragged arrays).
        let features: Vec<String> = seats.iter().map(|s| s.features.join(",")).collect();
        let slot_starts: Vec<Option<i32>> = seats
            .iter()
            .map(|s| s.slot.map(|p| p.start_minute))
            .collect();
        let slot_minutes: Vec<Option<i32>> =
            seats.iter().map(|s| s.slot.map(|p| p.minutes)).collect();
        let places: Vec<i32> = seats.iter().map(|s| s.place).collect();
        let params: [&dyn super::sql::Param; 15] = [
            &show_id,
            &ids,
            &labels,
            &sections,
            &rows,
            &row_labels,
            &numbers,
            &categories,
            &prices,
            &xs,
            &ys,
            &features,
            &slot_starts,
            &slot_minutes,
            &places,
        ];
        tx.exec(
            "INSERT INTO seats (show_id, seat_id, label, section, row_no, row_label, number, \
                                category, price_cents, x, y, features, slot_start_minute, slot_minutes, place) \
             SELECT $1, s, l, sec, r, rl, n, c, p, x, y, string_to_array(f, ','), ss, sm, pl \
             FROM unnest($2::int[], $3::text[], $4::text[], $5::int[], $6::text[], $7::int[], \
                         $8::text[], $9::bigint[], $10::real[], $11::real[], $12::text[], \
                         $13::int[], $14::int[], $15::int[]) \
                  AS seat(s, l, sec, r, rl, n, c, p, x, y, f, ss, sm, pl)",
            &params,
        )
        .await
        .map_err(db_error)?;
        tx.commit().await?;
        drop(tx);
        self.show(show_id).await
    }

    /// Changes a show's name, time or prices. New prices name exactly the show's
    /// categories; they apply to every seat from now on, while bookings already made keep
    /// their totals. A change of name or time writes a `show_changed` event for every live
    /// booking (confirmed, or a hold that has not lapsed), so buyers can be told. A show
    /// that has started is 409 `show_started`. Returns the show after the change.
    ///
    /// READ COMMITTED, and every seat of the show locked in seat order (the order every
    /// booking transaction locks seats in) before anything is written. As a SERIALIZABLE
    /// transaction this lost to the holds of a busy show: it rewrites seat rows that holds
    /// keep updating, so nearly every attempt met a seat changed since its snapshot, and
    /// the mixed-operation test saw half of all price changes give up. With the locks:
    /// - no booking transaction runs on the show's seats meanwhile, so the prices change
    ///   at once for every hold: one that read the old prices has committed before the
    ///   locks were granted, and one that read them earlier than this commit and locks a
    ///   repriced seat after it fails its own serialization check and retries;
    /// - every booking that committed before the change is visible to the statement that
    ///   writes the events (each statement takes a fresh snapshot after the locks), and
    ///   no booking can commit between that statement and this commit.
    ///
    /// The cost: holds on this show wait while it runs (milliseconds for a hall; about
    /// the time to lock 20,000 rows for an arena).
    pub async fn patch_show(&self, show_id: i64, patch: &ShowPatch) -> Result<Show> {
        let prices = patch
            .prices
            .as_ref()
            .map(serde_json::to_value)
            .transpose()
            .map_err(Error::internal)?;
        let tx = Tx::read_committed(self.client().await?).await?;
        // The show row first: concurrent changes of one show take turns. NO KEY: a hold's
        // insert of a booking takes a KEY SHARE lock on its show (the foreign key), after
        // its seat locks; FOR UPDATE would make the two wait for each other.
        let current = tx
            .opt(
                "SELECT s.name, s.starts_at, s.starts_at <= now(), \
                        ARRAY(SELECT DISTINCT category FROM show_rows WHERE show_id = s.id), \
                        s.cancelled_at IS NOT NULL \
                 FROM shows s WHERE s.id = $1 FOR NO KEY UPDATE",
                &[&show_id],
            )
            .await
            .map_err(db_error)?
            .ok_or_else(|| Error::show_not_found(show_id))?;
        let (old_name, old_starts_at): (String, DateTime<Utc>) = (current.get(0), current.get(1));
        if current.get::<_, bool>(4) {
            return Err(Error::show_cancelled());
        }
        if current.get::<_, bool>(2) {
            return Err(show_started(AfterStart::Change));
        }
        if let Some(new_prices) = &patch.prices {
            let categories: Vec<String> = current.get(3);
            check_price_categories(new_prices, &categories.iter().map(String::as_str).collect())?;
        }
        lock_every_seat(&tx, show_id).await?;
        tx.exec(
            "UPDATE shows SET name = coalesce($2, name), starts_at = coalesce($3, starts_at), \
                    prices = coalesce($4, prices), time_zone = coalesce($5, time_zone), \
                    seats_version = seats_version \
                      + ($4::jsonb IS NOT NULL OR $3::timestamptz IS NOT NULL OR $5::text IS NOT NULL)::int \
             WHERE id = $1",
            &[
                &show_id,
                &patch.name,
                &patch.starts_at,
                &prices,
                &patch.time_zone.map(|tz| tz.name()),
            ],
        )
        .await
        .map_err(db_error)?;
        if prices.is_some() {
            tx.exec(
                "UPDATE seats SET price_cents = ($2::jsonb ->> category)::bigint \
                 WHERE show_id = $1 AND price_cents <> ($2::jsonb ->> category)::bigint",
                &[&show_id, &prices],
            )
            .await
            .map_err(db_error)?;
        }
        let name = patch.name.as_ref().unwrap_or(&old_name);
        let starts_at = patch.starts_at.unwrap_or(old_starts_at);
        if *name != old_name || starts_at != old_starts_at {
            // The booking as the other events carry it (see migration V3), plus the show's
            // new and previous name and time.
            tx.exec(
                "INSERT INTO outbox (event_type, booking_id, payload) \
                 SELECT 'show_changed', b.id, jsonb_build_object( \
                     'booking_id', b.id, 'user_id', b.user_id, 'show_id', b.show_id, \
                     'status', b.status, 'failure_reason', b.failure_reason, \
                     'seat_ids', to_jsonb(b.seat_ids), 'seat_labels', to_jsonb(b.seat_labels), \
                     'total_cents', b.total_cents, 'expires_at', b.expires_at, \
                     'occurred_at', now(), \
                     'show_name', $2::text, 'starts_at', $3::timestamptz, \
                     'previous_show_name', $4::text, 'previous_starts_at', $5::timestamptz) \
                 FROM bookings b \
                 WHERE b.show_id = $1 \
                   AND (b.status = 'CONFIRMED' OR (b.status = 'PENDING' AND b.expires_at > now())) \
                 ORDER BY b.created_at, b.id",
                &[&show_id, name, &starts_at, &old_name, &old_starts_at],
            )
            .await
            .map_err(db_error)?;
        }
        tx.commit().await?;
        drop(tx);
        self.show(show_id).await
    }

    /// The live status of some seats of several shows (a lapsed hold reads as AVAILABLE),
    /// in one query: for each `(show, seats)` asked for, in that order, the seats found.
    pub async fn seat_statuses_of(
        &self,
        wanted: &[(i64, &[i32])],
    ) -> Result<Vec<Vec<(i32, SeatStatus)>>> {
        let (mut asks, mut shows, mut seats) = (Vec::new(), Vec::new(), Vec::new());
        for (i, (show_id, seat_ids)) in wanted.iter().enumerate() {
            for &seat_id in *seat_ids {
                asks.push(i as i32);
                shows.push(*show_id);
                seats.push(seat_id);
            }
        }
        let client = self.read_client().await?;
        // A primary-key lookup per seat asked for (LATERAL, as for the seat locks: the
        // plan must not depend on statistics about new shows).
        let stmt = "SELECT want.ask, s.seat_id, s.status FROM \
                   unnest($1::int[], $2::bigint[], $3::int[]) AS want(ask, show_id, seat_id) \
                 CROSS JOIN LATERAL ( \
                   SELECT seat_id, CASE WHEN status = 'HELD' AND held_until <= now() \
                                        THEN 'AVAILABLE' ELSE status END AS status \
                   FROM seats WHERE show_id = want.show_id AND seat_id = want.seat_id) s";
        let rows = client
            .rows(stmt, &[&asks, &shows, &seats])
            .await
            .map_err(db_error)?;
        let mut found = vec![Vec::new(); wanted.len()];
        for row in &rows {
            let ask = row.get::<_, i32>(0) as usize;
            if let Some(list) = found.get_mut(ask) {
                list.push((row.get(1), SeatStatus::parse(row.get(2))?));
            }
        }
        for list in &mut found {
            list.sort_unstable_by_key(|&(id, _)| id);
        }
        Ok(found)
    }

    pub async fn show(&self, id: i64) -> Result<Show> {
        let client = self.read_client().await?;
        let stmt = format!("SELECT {SHOW_COLUMNS} FROM shows s WHERE s.id = $1");
        let row = client
            .opt(&stmt, &[&id])
            .await
            .map_err(db_error)?
            .ok_or_else(|| Error::show_not_found(id))?;
        show_from_row(&row)
    }

    /// Shows ordered by (starts_at, id), one page after `after`.
    pub async fn shows(
        &self,
        filter: &ShowFilter,
        after: Option<&Cursor>,
        limit: i64,
    ) -> Result<Vec<Show>> {
        let after = match after {
            Some(c) => Some((
                c.at,
                c.id.parse::<i64>()
                    .map_err(|_| Error::new(Code::InvalidCursor, "Bad cursor."))?,
            )),
            None => None,
        };
        let (after_at, after_id) = after.unzip();
        let client = self.read_client().await?;
        let stmt = format!(
            "SELECT {SHOW_COLUMNS} FROM shows s \
                 WHERE ($1::text IS NULL OR s.kind = $1) \
                   AND ($2::timestamptz IS NULL OR s.starts_at >= $2) \
                   AND ($3::timestamptz IS NULL OR s.starts_at < $3) \
                   AND ($4::timestamptz IS NULL OR (s.starts_at, s.id) > ($4, $5::bigint)) \
                 ORDER BY s.starts_at, s.id LIMIT $6"
        );
        let rows = client
            .rows(
                &stmt,
                &[
                    &filter.kind,
                    &filter.from,
                    &filter.to,
                    &after_at,
                    &after_id,
                    &limit,
                ],
            )
            .await
            .map_err(db_error)?;
        rows.iter().map(show_from_row).collect()
    }

    /// Every seat of a show with its live status (a lapsed hold reads as AVAILABLE), and
    /// the seconds until the earliest live hold among them lapses.
    pub async fn seat_map(&self, show_id: i64) -> Result<SeatsNow<Seat>> {
        // Every show has seats, so no rows means no show.
        let rows = self
            .rows_of_show(
                "SELECT seat_id, label, section, row_label, number, category, price_cents, x, y, \
                        CASE WHEN status = 'HELD' AND held_until <= now() THEN 'AVAILABLE' ELSE status END, \
                        CASE WHEN status = 'HELD' AND held_until > now() \
                             THEN extract(epoch FROM held_until - now())::float8 END, \
                        features, sh.seats_version, slot_start_minute, slot_minutes, \
                        sh.starts_at, sh.time_zone, sh.stage_x, sh.stage_y, sh.stage_label \
                 FROM seats JOIN shows sh ON sh.id = seats.show_id \
                 WHERE seats.show_id = $1 ORDER BY seat_id",
                show_id,
            )
            .await?;
        let next_lapse = earliest(&rows, 10);
        let seats = rows
            .iter()
            .map(|row| {
                let slot = match (row.get::<_, Option<i32>>(13), row.get::<_, Option<i32>>(14)) {
                    (Some(start_minute), Some(minutes)) => {
                        let zone: Tz = row.get::<_, &str>(16).parse().map_err(|_| {
                            Error::internal(anyhow::anyhow!("unknown time zone of show {show_id}"))
                        })?;
                        Some(slot_times(
                            row.get(15),
                            zone,
                            SlotPlan {
                                start_minute,
                                minutes,
                            },
                        ))
                    }
                    _ => None,
                };
                Ok(Seat {
                    slot,
                    id: row.get(0),
                    label: row.get(1),
                    section: row.get(2),
                    row: row.get(3),
                    number: row.get(4),
                    category: row.get(5),
                    price_cents: row.get(6),
                    x: row.get(7),
                    y: row.get(8),
                    status: SeatStatus::parse(row.get(9))?,
                    features: row.get(11),
                })
            })
            .collect::<Result<_>>()?;
        let stage = rows[0].get::<_, Option<String>>(19).map(|label| Stage {
            x: rows[0].get(17),
            y: rows[0].get(18),
            label,
        });
        Ok(SeatsNow {
            seats,
            next_lapse_secs: next_lapse,
            version: rows[0].get(12),
            stage,
        })
    }

    /// The seats of a show that are not available right now (held by a live hold, or
    /// booked), ascending by id, and the seconds until the earliest of those holds lapses:
    /// what a seat map needs besides its fixed layout. A show with every seat free is one
    /// row of NULLs (from the join with `shows`); a show that does not exist, no row.
    ///
    /// Reads every seat row of the show (no index covers `status`, on purpose: see the
    /// `seats` migration) but sends back only the taken ones.
    pub async fn taken_seats(&self, show_id: i64) -> Result<SeatsNow<(i32, SeatStatus)>> {
        let rows = self
            .rows_of_show(
                "SELECT s.seat_id, s.status, \
                        CASE WHEN s.status = 'HELD' \
                             THEN extract(epoch FROM s.held_until - now())::float8 END, \
                        sh.seats_version \
                 FROM shows sh LEFT JOIN seats s ON s.show_id = sh.id \
                   AND (s.status IN ('BOOKED', 'BLOCKED') OR (s.status = 'HELD' AND s.held_until > now())) \
                 WHERE sh.id = $1 ORDER BY s.seat_id",
                show_id,
            )
            .await?;
        let next_lapse = earliest(&rows, 2);
        let taken = rows
            .iter()
            .filter_map(|row| {
                let id = row.get::<_, Option<i32>>(0)?;
                Some(SeatStatus::parse(row.get(1)).map(|status| (id, status)))
            })
            .collect::<Result<_>>()?;
        Ok(SeatsNow {
            seats: taken,
            next_lapse_secs: next_lapse,
            version: rows[0].get(3),
            stage: None,
        })
    }

    /// The rows `sql` returns for show `$1`; none means the show does not exist.
    async fn rows_of_show(&self, sql: &str, show_id: i64) -> Result<Vec<Row>> {
        let client = self.read_client().await?;
        let stmt = sql;
        let rows = client.rows(stmt, &[&show_id]).await.map_err(db_error)?;
        if rows.is_empty() {
            return Err(Error::show_not_found(show_id));
        }
        Ok(rows)
    }
}

/// The smallest non-NULL seconds-until-lapse in column `col`.
fn earliest(rows: &[Row], col: usize) -> Option<f64> {
    rows.iter()
        .filter_map(|row| row.get::<_, Option<f64>>(col))
        .min_by(f64::total_cmp)
}
