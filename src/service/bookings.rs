//! Holding, confirming, cancelling and expiring bookings, each announced once committed.

use std::sync::Arc;

use uuid::Uuid;

use super::{BookingEvent, Change, announce};
use crate::cache::Hub;
use crate::domain::Result;
use crate::domain::booking::{Booking, FailureReason, HoldRequest};
use crate::store::Db;
use crate::store::bookings::{HoldOutcome, HoldRules, Sweep, SweepCursor, Transition};

/// Holds seats; a replayed Idempotency-Key changes (and announces) nothing.
pub async fn hold(
    db: &Db,
    hub: &Arc<Hub>,
    user_id: i64,
    request: &HoldRequest,
    rules: HoldRules,
    idempotency_key: Option<&str>,
) -> Result<HoldOutcome> {
    let outcome = db.hold(user_id, request, rules, idempotency_key).await?;
    if !outcome.replayed {
        announce_booking(db, hub, BookingEvent::Held, &outcome.booking).await;
    }
    Ok(outcome)
}

/// Confirms a live hold (or finds it lapsed and expires it).
pub async fn confirm(db: &Db, hub: &Arc<Hub>, user_id: i64, id: Uuid) -> Result<Transition> {
    let transition = db.confirm(user_id, id).await?;
    announce_transition(db, hub, &transition).await;
    Ok(transition)
}

/// Cancels a hold or a booking (or finds the hold lapsed and expires it).
pub async fn cancel(db: &Db, hub: &Arc<Hub>, user_id: i64, id: Uuid) -> Result<Transition> {
    let transition = db.cancel(user_id, id).await?;
    announce_transition(db, hub, &transition).await;
    Ok(transition)
}

/// One step of the sweeper (see [`Db::expire_lapsed`]), each expiry announced.
pub async fn expire_lapsed(
    db: &Db,
    hub: &Arc<Hub>,
    after: Option<&SweepCursor>,
    limit: i64,
) -> Result<Sweep> {
    let step = db.expire_lapsed(after, limit).await?;
    for (show_id, seat_ids) in &step.expired {
        let change = Change::Booking {
            event: BookingEvent::Expired,
            show_id: *show_id,
            seat_ids,
        };
        announce(db, hub, change).await;
    }
    Ok(step)
}

async fn announce_transition(db: &Db, hub: &Arc<Hub>, transition: &Transition) {
    let (event, booking) = match transition {
        Transition::Done(booking) => match booking.failure_reason {
            Some(FailureReason::Cancelled | FailureReason::ShowCancelled) => {
                (BookingEvent::Cancelled, booking)
            }
            Some(FailureReason::Expired) => (BookingEvent::Expired, booking),
            None => (BookingEvent::Confirmed, booking),
        },
        Transition::Expired(booking) => (BookingEvent::Expired, booking),
    };
    announce_booking(db, hub, event, booking).await;
}

async fn announce_booking(db: &Db, hub: &Arc<Hub>, event: BookingEvent, booking: &Booking) {
    let change = Change::Booking {
        event,
        show_id: booking.show_id,
        seat_ids: &booking.seat_ids,
    };
    announce(db, hub, change).await;
}
