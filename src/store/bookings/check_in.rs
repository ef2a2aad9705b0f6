//! Admitting tickets at the door.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::domain::ticket::{TicketClaim, TicketSigner};
use crate::domain::{Code, Error, Result};
use crate::store::{Db, db_error};

/// A ticket admitted.
#[derive(Debug, Clone)]
pub struct CheckIn {
    pub seat_id: i32,
    pub label: String,
    pub category: String,
    pub booking_id: Uuid,
    pub checked_in_at: DateTime<Utc>,
}

impl Db {
    /// Admits the ticket `code` to show `show_id`, once: 404 `ticket_not_found` for a code
    /// of another show, of no seat, or of a seat that its booking no longer holds
    /// (cancelled, or sold again since), 409 `already_checked_in` with the first scan's
    /// time for a second scan.
    pub async fn check_in(
        &self,
        show_id: i64,
        code: &str,
        signer: &TicketSigner,
        staff_id: i64,
    ) -> Result<CheckIn> {
        let not_found = || {
            Error::new(
                Code::TicketNotFound,
                "This is not a ticket of this show, or its booking was cancelled.",
            )
        };
        let client = self.client().await?;
        // The seat's booking, and whether the show exists (to tell a wrong show id apart).
        let row = client
            .one(
                "SELECT EXISTS (SELECT 1 FROM shows WHERE id = $1), \
                        (SELECT booking_id FROM seats \
                         WHERE show_id = $1 AND seat_id = $2 AND status = 'BOOKED')",
                &[
                    &show_id,
                    &TicketSigner::parse(code).map_or(0, |c| c.seat_id),
                ],
            )
            .await
            .map_err(db_error)?;
        if !row.get::<_, bool>(0) {
            return Err(Error::show_not_found(show_id));
        }
        let claim: TicketClaim = TicketSigner::parse(code)
            .filter(|claim| claim.show_id == show_id)
            .ok_or_else(not_found)?;
        let booking_id: Uuid = row
            .get::<_, Option<Uuid>>(1)
            .filter(|&booking| signer.admits(&claim, booking))
            .ok_or_else(not_found)?;
        // One statement: the seat is still this booking's (locked against a cancel
        // meanwhile), and the scan is recorded unless one was.
        let row = client
            .opt(
                "WITH seat AS ( \
                   SELECT label, category FROM seats \
                   WHERE show_id = $1 AND seat_id = $2 AND booking_id = $3 AND status = 'BOOKED' \
                   FOR SHARE), \
                 admitted AS ( \
                   INSERT INTO check_ins (show_id, seat_id, booking_id, checked_in_by) \
                   SELECT $1, $2, $3, $4 FROM seat ON CONFLICT DO NOTHING \
                   RETURNING checked_in_at) \
                 SELECT label, category, (SELECT checked_in_at FROM admitted) FROM seat",
                &[&show_id, &claim.seat_id, &booking_id, &staff_id],
            )
            .await
            .map_err(db_error)?
            .ok_or_else(not_found)?;
        let label: String = row.get(0);
        if let Some(checked_in_at) = row.get::<_, Option<DateTime<Utc>>>(2) {
            return Ok(CheckIn {
                seat_id: claim.seat_id,
                label,
                category: row.get(1),
                booking_id,
                checked_in_at,
            });
        }
        // Scanned before (perhaps a moment ago, by a scan this statement waited for: read
        // in a new snapshot, which has it).
        let first: DateTime<Utc> = client
            .one(
                "SELECT checked_in_at FROM check_ins \
                 WHERE show_id = $1 AND seat_id = $2 AND booking_id = $3",
                &[&show_id, &claim.seat_id, &booking_id],
            )
            .await
            .map_err(db_error)?
            .get(0);
        Err(Error {
            checked_in_at: Some(first),
            ..Error::new(
                Code::AlreadyCheckedIn,
                format!(
                    "Seat {label} was checked in already, at {}.",
                    first.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
                ),
            )
        })
    }
}
