//! Reading the caller's bookings.

use chrono::{DateTime, Utc};
use tokio_postgres::Row;
use uuid::Uuid;

use super::{BOOKING_COLUMNS, after_booking, booking_from_row, booking_not_found};
use crate::domain::Result;
use crate::domain::booking::Booking;
use crate::domain::page::Cursor;
use crate::store::{Db, db_error};

impl Db {
    /// One of the caller's bookings (someone else's is "not found"), with what its buyer
    /// needs to know of its show.
    pub async fn booking_with_show(
        &self,
        user_id: i64,
        booking_id: Uuid,
    ) -> Result<(Booking, BookedShow)> {
        let client = self.read_client().await?;
        let stmt = format!(
            "SELECT b.*, {BOOKED_SHOW_COLUMNS} FROM ( \
                   SELECT {BOOKING_COLUMNS} FROM bookings WHERE id = $1 AND user_id = $2) b \
                 JOIN shows sh ON sh.id = b.show_id"
        );
        let row = client
            .opt(&stmt, &[&booking_id, &user_id])
            .await
            .map_err(db_error)?
            .ok_or_else(booking_not_found)?;
        with_show(&row)
    }

    /// The caller's bookings, newest first, one page after `after`, each with what its
    /// buyer needs to know of its show (in the same read: a page of bookings is not a
    /// request per show).
    pub async fn bookings(
        &self,
        user_id: i64,
        after: Option<&Cursor>,
        limit: i64,
    ) -> Result<Vec<(Booking, BookedShow)>> {
        let (after_at, after_id) = after_booking(after)?;
        let client = self.read_client().await?;
        let stmt = format!(
            "SELECT b.*, {BOOKED_SHOW_COLUMNS} FROM ( \
                   SELECT {BOOKING_COLUMNS} FROM bookings WHERE user_id = $1 \
                     AND ($2::timestamptz IS NULL OR (created_at, id) < ($2, $3::uuid)) \
                   ORDER BY created_at DESC, id DESC LIMIT $4) b \
                 JOIN shows sh ON sh.id = b.show_id \
                 ORDER BY b.created_at DESC, b.id DESC"
        );
        let rows = client
            .rows(&stmt, &[&user_id, &after_at, &after_id, &limit])
            .await
            .map_err(db_error)?;
        rows.iter().map(with_show).collect()
    }
}

/// What a buyer needs to know of a booking's show.
#[derive(Debug, Clone)]
pub struct BookedShow {
    pub name: String,
    pub kind: String,
    pub starts_at: DateTime<Utc>,
    pub time_zone: String,
    pub currency: String,
    pub cancelled_at: Option<DateTime<Utc>>,
}

/// After [`BOOKING_COLUMNS`] (11 of them).
const BOOKED_SHOW_COLUMNS: &str =
    "sh.name, sh.kind, sh.starts_at, sh.time_zone, sh.currency, sh.cancelled_at";

fn with_show(row: &Row) -> Result<(Booking, BookedShow)> {
    Ok((
        booking_from_row(row)?,
        BookedShow {
            name: row.get(11),
            kind: row.get(12),
            starts_at: row.get(13),
            time_zone: row.get(14),
            currency: row.get(15),
            cancelled_at: row.get(16),
        },
    ))
}
