//! What the box office reads of a show: its report and its bookings, with the buyers.

use super::{BOOKING_COLUMNS, after_booking, booking_from_row};
use crate::domain::booking::{Booking, BookingStatus};
use crate::domain::page::Cursor;
use crate::domain::{Error, Result};
use crate::store::{Db, db_error};
use uuid::Uuid;

/// Seats of one category of a show, by status (a lapsed hold counts as available).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CategoryCount {
    pub category: String,
    pub available: i64,
    pub held: i64,
    pub booked: i64,
    pub blocked: i64,
    /// Sold seats whose tickets were checked in.
    pub checked_in: i64,
}

/// A show's sales at one instant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShowReport {
    pub categories: Vec<CategoryCount>,
    /// Confirmed bookings and what they paid.
    pub confirmed_bookings: i64,
    pub revenue_cents: i64,
    /// Holds that have not lapsed, and their seats.
    pub live_holds: i64,
    pub held_seats: i64,
    /// Seats taken off sale, with why, by seat id.
    pub blocked: Vec<BlockedSeat>,
}

/// A seat taken off sale.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
pub struct BlockedSeat {
    pub seat_id: i32,
    pub label: String,
    pub reason: String,
}

/// A booking with its buyer, for the box office.
#[derive(Debug, Clone)]
pub struct ShowBooking {
    pub booking: Booking,
    pub email: String,
}

impl Db {
    /// The report of a show, in one statement (one snapshot: the counts agree with each
    /// other even while sales go on). `None` when the show does not exist.
    pub async fn show_report(&self, show_id: i64) -> Result<ShowReport> {
        let client = self.read_client().await?;
        let stmt = "WITH seat_counts AS ( \
                   SELECT s.category, \
                          count(*) FILTER (WHERE s.status = 'AVAILABLE' \
                                             OR (s.status = 'HELD' AND s.held_until <= now())) AS available, \
                          count(*) FILTER (WHERE s.status = 'HELD' AND s.held_until > now()) AS held, \
                          count(*) FILTER (WHERE s.status = 'BOOKED') AS booked, \
                          count(*) FILTER (WHERE s.status = 'BLOCKED') AS blocked, \
                          count(c.seat_id) FILTER (WHERE s.status = 'BOOKED') AS checked_in \
                   FROM seats s LEFT JOIN check_ins c ON c.show_id = s.show_id \
                     AND c.seat_id = s.seat_id AND c.booking_id = s.booking_id \
                   WHERE s.show_id = $1 GROUP BY s.category), \
                 sales AS ( \
                   SELECT count(*) FILTER (WHERE status = 'CONFIRMED') AS confirmed, \
                          coalesce(sum(total_cents) FILTER (WHERE status = 'CONFIRMED'), 0)::bigint AS revenue, \
                          count(*) FILTER (WHERE status = 'PENDING' AND expires_at > now()) AS holds, \
                          coalesce(sum(cardinality(seat_ids)) FILTER ( \
                            WHERE status = 'PENDING' AND expires_at > now()), 0)::bigint AS held_seats \
                   FROM bookings WHERE show_id = $1), \
                 blocks AS ( \
                   SELECT coalesce(jsonb_agg(jsonb_build_object( \
                            'seat_id', seat_id, 'label', label, 'reason', block_reason) \
                          ORDER BY seat_id), '[]') AS list \
                   FROM seats WHERE show_id = $1 AND status = 'BLOCKED') \
                 SELECT c.category, c.available, c.held, c.booked, c.blocked, \
                        s.confirmed, s.revenue, s.holds, s.held_seats, b.list, c.checked_in \
                 FROM shows sh CROSS JOIN sales s CROSS JOIN blocks b LEFT JOIN seat_counts c ON true \
                 WHERE sh.id = $1 ORDER BY c.category";
        let rows = client.rows(stmt, &[&show_id]).await.map_err(db_error)?;
        let first = rows.first().ok_or_else(|| Error::show_not_found(show_id))?;
        Ok(ShowReport {
            categories: rows
                .iter()
                .filter_map(|row| {
                    Some(CategoryCount {
                        category: row.get::<_, Option<String>>(0)?,
                        available: row.get(1),
                        held: row.get(2),
                        booked: row.get(3),
                        blocked: row.get(4),
                        checked_in: row.get(10),
                    })
                })
                .collect(),
            confirmed_bookings: first.get(5),
            revenue_cents: first.get(6),
            live_holds: first.get(7),
            held_seats: first.get(8),
            blocked: serde_json::from_value(first.get(9)).map_err(Error::internal)?,
        })
    }

    /// A show's bookings with their buyers' e-mails, newest first, one page after `after`,
    /// of one status when given (a lapsed hold is FAILED/EXPIRED, as everywhere), with an
    /// id in `ids` (a reference's range) when given.
    pub async fn show_bookings(
        &self,
        show_id: i64,
        status: Option<BookingStatus>,
        ids: Option<(Uuid, Uuid)>,
        after: Option<&Cursor>,
        limit: i64,
    ) -> Result<Vec<ShowBooking>> {
        let (low, high) = ids.unzip();
        let (after_at, after_id) = after_booking(after)?;
        let status = status.map(BookingStatus::as_str);
        let client = self.read_client().await?;
        // The live status: PENDING past its expiry reads as FAILED.
        let stmt = format!(
            "SELECT {BOOKING_COLUMNS}, (SELECT email FROM users u WHERE u.id = b.user_id) \
                 FROM bookings b WHERE show_id = $1 \
                   AND ($2::text IS NULL OR \
                        (CASE WHEN status = 'PENDING' AND expires_at <= now() THEN 'FAILED' \
                              ELSE status END) = $2) \
                   AND ($3::timestamptz IS NULL OR (created_at, id) < ($3, $4::uuid)) \
                   AND ($6::uuid IS NULL OR id BETWEEN $6 AND $7::uuid) \
                 ORDER BY created_at DESC, id DESC LIMIT $5"
        );
        let rows = client
            .rows(
                &stmt,
                &[&show_id, &status, &after_at, &after_id, &limit, &low, &high],
            )
            .await
            .map_err(db_error)?;
        if rows.is_empty() && after.is_none() {
            // No bookings, or no show: tell them apart.
            client
                .opt("SELECT 1 FROM shows WHERE id = $1", &[&show_id])
                .await
                .map_err(db_error)?
                .ok_or_else(|| Error::show_not_found(show_id))?;
        }
        rows.iter()
            .map(|row| {
                Ok(ShowBooking {
                    booking: booking_from_row(row)?,
                    email: row.get(11),
                })
            })
            .collect()
    }
}
