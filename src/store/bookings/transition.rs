//! Confirming and cancelling a booking (a lapsed hold is expired instead).

use uuid::Uuid;

use super::batch::TransitionJob;
use super::{
    BOOKING_COLUMNS, LockedBooking, ShowState, State, Transition, UNCOUNT_HELD, booking_from_row,
    lock_booking, only_row, release,
};
use crate::domain::booking::{AfterStart, FailureReason, show_started};
use crate::domain::{Code, Error, Result};
use crate::store::Db;

/// Which change a buyer asks of their booking.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransitionKind {
    Confirm,
    Cancel,
}

impl TransitionKind {
    fn op(self) -> &'static str {
        match self {
            Self::Confirm => "confirm",
            Self::Cancel => "cancel",
        }
    }
}

/// What a confirm or a cancel does to a locked booking.
pub(super) enum Step {
    /// It is in the state asked for already: answered as it is.
    Unchanged,
    Refuse(Error),
    /// The hold had run out: it is expired now, its seats freed.
    Expire,
    /// Cancelled, its seats freed.
    Release,
    /// Confirmed, its seats booked.
    Confirm,
}

/// The rules of confirming and cancelling, on either path (a transaction of its own, or
/// one request of a batch).
pub(super) fn decide(kind: TransitionKind, booking: &LockedBooking) -> Step {
    let show = booking.show;
    match kind {
        TransitionKind::Confirm => match booking.state {
            State::Confirmed => Step::Unchanged,
            State::Cancelled => Step::Refuse(Error::new(
                Code::BookingCancelled,
                "This booking was cancelled.",
            )),
            State::Expired => Step::Refuse(Error::booking_expired()),
            State::ShowCancelled => Step::Refuse(Error::show_cancelled()),
            // Its show's cancellation is about to fail it (no seats were locked: see
            // `lock_booking`).
            State::Live | State::Lapsed if show == ShowState::Cancelled => {
                Step::Refuse(Error::show_cancelled())
            }
            State::Lapsed => Step::Expire,
            // A hold made before the show started cannot be sold once it has: the buyer
            // could not get in (it lapses by itself).
            State::Live if show == ShowState::Started => {
                Step::Refuse(show_started(AfterStart::Confirm))
            }
            State::Live => Step::Confirm,
        },
        TransitionKind::Cancel => match booking.state {
            // Cancelled already, by its buyer or with its show.
            State::Cancelled | State::ShowCancelled => Step::Unchanged,
            State::Expired => Step::Refuse(Error::booking_expired()),
            State::Live | State::Lapsed | State::Confirmed if show == ShowState::Cancelled => {
                Step::Refuse(Error::show_cancelled())
            }
            State::Lapsed => Step::Expire,
            State::Confirmed if show == ShowState::Started => {
                Step::Refuse(show_started(AfterStart::Cancel))
            }
            State::Live | State::Confirmed => Step::Release,
        },
    }
}

impl Db {
    /// Confirms a live hold. Confirming twice returns the confirmed booking again.
    pub async fn confirm(&self, user_id: i64, booking_id: Uuid) -> Result<Transition> {
        self.transition(TransitionKind::Confirm, user_id, booking_id)
            .await
    }

    /// Cancels a hold or a confirmed booking (before the show starts); its seats are
    /// free at once. Cancelling twice returns the cancelled booking again.
    pub async fn cancel(&self, user_id: i64, booking_id: Uuid) -> Result<Transition> {
        self.transition(TransitionKind::Cancel, user_id, booking_id)
            .await
    }

    async fn transition(
        &self,
        kind: TransitionKind,
        user_id: i64,
        booking_id: Uuid,
    ) -> Result<Transition> {
        if let Some(batches) = self.batches() {
            let (job, waiting) = TransitionJob::new(kind, user_id, booking_id);
            batches.transitions.submit(job)?;
            return super::batch::answer(waiting).await;
        }
        let ctx = (kind, user_id, booking_id);
        self.serializable(kind.op(), &ctx, |tx, &(kind, user_id, booking_id)| {
            Box::pin(async move {
                let booking = tx.begin_with(lock_booking(tx, user_id, booking_id)).await?;
                match decide(kind, &booking) {
                    Step::Unchanged => Ok(Transition::Done(booking.read(tx).await?)),
                    Step::Refuse(err) => Err(err),
                    Step::Expire => Ok(Transition::Expired(
                        release(tx, &booking, FailureReason::Expired).await?,
                    )),
                    Step::Release => Ok(Transition::Done(
                        release(tx, &booking, FailureReason::Cancelled).await?,
                    )),
                    Step::Confirm => {
                        let ctids: Vec<&str> =
                            booking.seats.iter().map(|s| s.ctid.as_str()).collect();
                        // One statement, sent with COMMIT; the booking comes back from its
                        // own update (no read after).
                        let confirm = format!(
                                "WITH done AS (DELETE FROM pending_holds WHERE booking_id = $1), \
                                 {UNCOUNT_HELD}, \
                                 booked AS ( \
                                   UPDATE seats SET status = 'BOOKED', held_until = NULL \
                                   WHERE ctid = ANY($2::text[]::tid[])) \
                                 UPDATE bookings SET status = 'CONFIRMED', updated_at = now() WHERE id = $1 \
                                 RETURNING {BOOKING_COLUMNS}"
                            );
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
}
