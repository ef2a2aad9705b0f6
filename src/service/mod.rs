//! Use cases: what Tessera does, whoever asks for it (an HTTP handler, the sweeper, an
//! admin action). Each write goes to the store and, once it has committed, through
//! [`announce`]: the one place where a committed change becomes visible to everyone else.

pub mod bookings;
pub mod shows;

use std::sync::Arc;

use crate::cache::Hub;
use crate::store::Db;

/// What kind of booking change committed (the `event` label of
/// `tessera_booking_events_total`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BookingEvent {
    Held,
    Confirmed,
    Cancelled,
    Expired,
}

impl BookingEvent {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Held => "held",
            Self::Confirmed => "confirmed",
            Self::Cancelled => "cancelled",
            Self::Expired => "expired",
        }
    }
}

/// A change that committed.
#[derive(Debug, Clone)]
pub enum Change<'a> {
    /// A booking changed these seats of a show.
    Booking {
        event: BookingEvent,
        show_id: i64,
        seat_ids: &'a [i32],
    },
    /// An admin changed these seats of a show (blocked or released them).
    Seats { show_id: i64, seat_ids: &'a [i32] },
    /// A show was created or changed (every list may hold it).
    Show { show_id: i64 },
}

/// Makes a committed change visible: counted, dropped from every instance's caches, given
/// the show's next version and told to live listeners. Call it after every commit, and
/// only after one. The part that matters for correctness runs as a task of its own (see
/// [`Hub::committed`]), so a caller cut off halfway cannot leave it undone.
pub async fn announce(db: &Db, hub: &Arc<Hub>, change: Change<'_>) {
    match change {
        Change::Booking {
            event,
            show_id,
            seat_ids,
        } => {
            metrics::counter!(crate::metrics::BOOKING_EVENTS, "event" => event.as_str())
                .increment(1);
            hub.committed(db, show_id, seat_ids).await;
        }
        Change::Seats { show_id, seat_ids } if !seat_ids.is_empty() => {
            hub.committed(db, show_id, seat_ids).await;
        }
        // Nothing changed.
        Change::Seats { .. } => {}
        Change::Show { show_id } => hub.committed(db, show_id, &[]).await,
    }
}
