//! Confirming and cancelling a booking (a lapsed hold is expired instead).

use uuid::Uuid;

use super::{
    BOOKING_COLUMNS, ShowState, State, Transition, UNCOUNT_HELD, booking_from_row, lock_booking,
    only_row, release,
};
use crate::domain::booking::{AfterStart, FailureReason, show_started};
use crate::domain::{Code, Error, Result};
use crate::store::{Db, db_error};

impl Db {
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
                    State::ShowCancelled => Err(Error::show_cancelled()),
                    // Its show's cancellation is about to fail it (no seats were locked:
                    // see `lock_booking`).
                    State::Live | State::Lapsed if booking.show == ShowState::Cancelled => {
                        Err(Error::show_cancelled())
                    }
                    State::Lapsed => {
                        Ok(Transition::Expired(
                            release(tx, &booking, FailureReason::Expired).await?,
                        ))
                    }
                    // A hold made before the show started cannot be sold once it has:
                    // the buyer could not get in (it lapses by itself).
                    State::Live if booking.show == ShowState::Started => {
                        Err(show_started(AfterStart::Confirm))
                    }
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
                    // Cancelled already, by its buyer or with its show.
                    State::Cancelled | State::ShowCancelled => {
                        Ok(Transition::Done(booking.read(tx).await?))
                    }
                    State::Expired => Err(Error::booking_expired()),
                    State::Live | State::Lapsed | State::Confirmed
                        if booking.show == ShowState::Cancelled =>
                    {
                        Err(Error::show_cancelled())
                    }
                    State::Lapsed => Ok(Transition::Expired(
                        release(tx, &booking, FailureReason::Expired).await?,
                    )),
                    State::Confirmed if booking.show == ShowState::Started => {
                        Err(show_started(AfterStart::Cancel))
                    }
                    State::Live | State::Confirmed => Ok(Transition::Done(
                        release(tx, &booking, FailureReason::Cancelled).await?,
                    )),
                }
            })
        })
        .await
    }
}
