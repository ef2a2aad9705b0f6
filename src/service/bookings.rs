//! Holding, confirming, cancelling and expiring bookings, each announced once committed.

use std::collections::BTreeMap;
use std::sync::Arc;

use uuid::Uuid;

use super::{BookingEvent, Change, announce};
use crate::cache::Hub;
use crate::domain::Result;
use crate::domain::booking::{Booking, FailureReason, HoldRequest};
use crate::store::Db;
use crate::store::bookings::{
    BatchSettings, Batches, Gatherer, HoldJob, HoldOutcome, HoldRules, Sweep, SweepCursor,
    Transition, TransitionJob,
};

/// Starts gathering holds, confirms and cancels into shared transactions (unless
/// `settings` turn it off) and returns the handle requests go through. Each batch is
/// announced once it has committed, every changed show once, before any of its requests
/// is answered: a buyer's next read sees their write. The next batch goes into the
/// database meanwhile.
pub fn start_batching(db: Db, hub: Arc<Hub>, settings: BatchSettings) -> Db {
    if !settings.enabled {
        return db;
    }
    // The batches themselves run on a handle without batches.
    let (runner, runner_hub) = (db.clone(), hub.clone());
    let holds = Gatherer::spawn(
        "hold",
        settings,
        Arc::new(move |jobs: Vec<HoldJob>, slot| {
            let (db, hub) = (runner.clone(), runner_hub.clone());
            Box::pin(async move {
                let results = db.hold_batch(&jobs).await;
                drop(slot);
                let changes = results
                    .iter()
                    .flatten()
                    .flatten()
                    .map(|booking| (BookingEvent::Held, booking));
                announce_batch(&db, &hub, changes).await;
                for (job, result) in jobs.into_iter().zip(results) {
                    job.answer(result);
                }
            })
        }),
    );
    let runner = db.clone();
    let transitions = Gatherer::spawn(
        "transition",
        settings,
        Arc::new(move |jobs: Vec<TransitionJob>, slot| {
            let (db, hub) = (runner.clone(), hub.clone());
            Box::pin(async move {
                let results = db.transition_batch(&jobs).await;
                drop(slot);
                announce_batch(&db, &hub, results.iter().flatten().map(transition_event)).await;
                for (job, result) in jobs.into_iter().zip(results) {
                    job.answer(result);
                }
            })
        }),
    );
    db.with_batches(Batches { holds, transitions })
}

/// Announces the bookings a batch changed: each event counted, each show once, with
/// every seat of it that changed.
async fn announce_batch<'a>(
    db: &Db,
    hub: &Arc<Hub>,
    changes: impl Iterator<Item = (BookingEvent, &'a Booking)>,
) {
    let mut shows: BTreeMap<i64, Vec<i32>> = BTreeMap::new();
    for (event, booking) in changes {
        metrics::counter!(crate::metrics::BOOKING_EVENTS, "event" => event.as_str()).increment(1);
        shows
            .entry(booking.show_id)
            .or_default()
            .extend(&booking.seat_ids);
    }
    futures_util::future::join_all(
        shows
            .iter()
            .map(|(&show_id, seat_ids)| hub.committed(db, show_id, seat_ids)),
    )
    .await;
}

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
    if !outcome.replayed && !outcome.announced {
        announce_booking(db, hub, BookingEvent::Held, &outcome.booking).await;
    }
    Ok(outcome)
}

/// Confirms a live hold (or finds it lapsed and expires it).
pub async fn confirm(db: &Db, hub: &Arc<Hub>, user_id: i64, id: Uuid) -> Result<Transition> {
    let transition = db.confirm(user_id, id).await?;
    if !db.batching() {
        announce_transition(db, hub, &transition).await;
    }
    Ok(transition)
}

/// Cancels a hold or a booking (or finds the hold lapsed and expires it).
pub async fn cancel(db: &Db, hub: &Arc<Hub>, user_id: i64, id: Uuid) -> Result<Transition> {
    let transition = db.cancel(user_id, id).await?;
    if !db.batching() {
        announce_transition(db, hub, &transition).await;
    }
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
    let (event, booking) = transition_event(transition);
    announce_booking(db, hub, event, booking).await;
}

/// The event a committed confirm or cancel is announced as.
fn transition_event(transition: &Transition) -> (BookingEvent, &Booking) {
    match transition {
        Transition::Done(booking) => match booking.failure_reason {
            Some(FailureReason::Cancelled | FailureReason::ShowCancelled) => {
                (BookingEvent::Cancelled, booking)
            }
            Some(FailureReason::Expired) => (BookingEvent::Expired, booking),
            None => (BookingEvent::Confirmed, booking),
        },
        Transition::Expired(booking) => (BookingEvent::Expired, booking),
    }
}

async fn announce_booking(db: &Db, hub: &Arc<Hub>, event: BookingEvent, booking: &Booking) {
    let change = Change::Booking {
        event,
        show_id: booking.show_id,
        seat_ids: &booking.seat_ids,
    };
    announce(db, hub, change).await;
}
