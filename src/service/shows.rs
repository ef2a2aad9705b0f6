//! Creating and changing shows, and taking their seats off sale and back.

use std::sync::Arc;

use super::{BookingEvent, Change, announce};
use crate::cache::Hub;
use crate::domain::Result;
use crate::domain::booking::SeatBlock;
use crate::domain::show::{Show, ShowDraft, ShowPatch};
use crate::store::Db;
use crate::store::bookings::ShowCancellation;
use crate::store::shows::LayoutSource;

/// Creates a show (and its seats) and announces it: it may belong on any cached list.
pub async fn create(
    db: &Db,
    hub: &Arc<Hub>,
    draft: &ShowDraft,
    source: LayoutSource,
) -> Result<Show> {
    let show = db.create_show(draft, source, None).await?;
    announce(db, hub, Change::Show { show_id: show.id }).await;
    Ok(show)
}

/// Changes a show's name, time or prices (see [`Db::patch_show`]) and announces it: lists,
/// the show and its seat map change, and live seat maps are told to fetch it again.
pub async fn patch(db: &Db, hub: &Arc<Hub>, show_id: i64, patch: &ShowPatch) -> Result<Show> {
    let show = db.patch_show(show_id, patch).await?;
    announce(db, hub, Change::Show { show_id }).await;
    Ok(show)
}

/// Cancels a show with its live bookings (see [`Db::cancel_show`]) and announces it:
/// lists, the show and its seat map change, and live seat maps are told to fetch it again.
/// Returns the show as it is now and what the cancellation did.
pub async fn cancel(db: &Db, hub: &Arc<Hub>, show_id: i64) -> Result<(Show, ShowCancellation)> {
    let cancellation = db.cancel_show(show_id).await?;
    if cancellation != ShowCancellation::default() {
        let cancelled = cancellation.bookings + cancellation.holds;
        metrics::counter!(crate::metrics::BOOKING_EVENTS, "event" => BookingEvent::Cancelled.as_str())
            .increment(cancelled as u64);
        metrics::counter!(crate::metrics::BOOKING_EVENTS, "event" => BookingEvent::Expired.as_str())
            .increment(cancellation.lapsed as u64);
    }
    // Announced even when it was cancelled already: the first request may have been cut
    // off after its commit, before its announcement reached everyone.
    announce(db, hub, Change::Show { show_id }).await;
    Ok((db.show(show_id).await?, cancellation))
}

/// Takes seats off sale (see [`Db::block_seats`]) and announces the ones blocked.
pub async fn block(db: &Db, hub: &Arc<Hub>, show_id: i64, block: &SeatBlock) -> Result<Vec<i32>> {
    let blocked = db.block_seats(show_id, block).await?;
    announce(
        db,
        hub,
        Change::Seats {
            show_id,
            seat_ids: &blocked,
        },
    )
    .await;
    Ok(blocked)
}

/// Puts blocked seats back on sale (see [`Db::unblock_seats`]) and announces them.
pub async fn unblock(db: &Db, hub: &Arc<Hub>, show_id: i64, block: &SeatBlock) -> Result<Vec<i32>> {
    let released = db.unblock_seats(show_id, block).await?;
    announce(
        db,
        hub,
        Change::Seats {
            show_id,
            seat_ids: &released,
        },
    )
    .await;
    Ok(released)
}
