//! Reading the caller's bookings.

use uuid::Uuid;

use super::{BOOKING_COLUMNS, after_booking, booking_from_row, booking_not_found};
use crate::domain::Result;
use crate::domain::booking::Booking;
use crate::domain::page::Cursor;
use crate::store::{Db, db_error};

impl Db {
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
        let (after_at, after_id) = after_booking(after)?;
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
}
