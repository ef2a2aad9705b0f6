//! Taking seats off sale and putting them back (house seats, a broken seat). Like a hold,
//! each locks its seat rows in seat order inside a SERIALIZABLE transaction and moves
//! their rows' counters in the same statement: a blocked seat counts as taken.

use super::{ShowState, count_rows, lock_seat_rows, row_deltas};
use crate::domain::booking::{SeatBlock, SeatStatus};
use crate::domain::{Code, Error, Result};
use crate::store::params::Params;
use crate::store::{Db, Tx, db_error};

impl Db {
    /// Blocks seats of a show, all or none: seats that do not exist are 422
    /// `unknown_seats`, seats held (even by a lapsed hold not swept yet) or sold are 409
    /// `seats_unavailable`, both naming them. Seats already blocked stay so. Returns the
    /// seats newly blocked.
    pub async fn block_seats(&self, show_id: i64, block: &SeatBlock) -> Result<Vec<i32>> {
        let ctx = (show_id, block);
        self.serializable("block", &ctx, |tx, &(show_id, block)| {
            Box::pin(async move {
                let seats = locked(tx, show_id, &block.seat_ids).await?;
                let taken: Vec<i32> = seats
                    .iter()
                    .filter(|s| matches!(s.status, SeatStatus::Held | SeatStatus::Booked))
                    .map(|s| s.seat_id)
                    .collect();
                if !taken.is_empty() {
                    return Err(Error::new(
                        Code::SeatsUnavailable,
                        "Some of the seats are held or sold: they cannot be blocked.",
                    )
                    .with_seats(taken));
                }
                let free: Vec<_> = seats
                    .into_iter()
                    .filter(|s| s.status == SeatStatus::Available)
                    .collect();
                change(tx, show_id, &free, 1, Some(&block.reason)).await?;
                Ok(free.iter().map(|s| s.seat_id).collect())
            })
        })
        .await
    }

    /// Puts blocked seats of a show back on sale; the others named are left as they are.
    /// Returns the seats released.
    pub async fn unblock_seats(&self, show_id: i64, block: &SeatBlock) -> Result<Vec<i32>> {
        let ctx = (show_id, block);
        self.serializable("unblock", &ctx, |tx, &(show_id, block)| {
            Box::pin(async move {
                let blocked: Vec<_> = locked(tx, show_id, &block.seat_ids)
                    .await?
                    .into_iter()
                    .filter(|s| s.status == SeatStatus::Blocked)
                    .collect();
                change(tx, show_id, &blocked, -1, None).await?;
                Ok(blocked.iter().map(|s| s.seat_id).collect())
            })
        })
        .await
    }
}

/// Begins the transaction and locks the seats (sorted ids: the global lock order); the
/// show must exist, not be cancelled (it takes no changes), and every seat be one of its.
async fn locked(tx: &Tx, show_id: i64, seat_ids: &[i32]) -> Result<Vec<super::LockedSeat>> {
    let locks = tx
        .begin_with(lock_seat_rows(tx, show_id, seat_ids, None, None))
        .await?;
    if locks.show == Some(ShowState::Cancelled) {
        return Err(Error::show_cancelled());
    }
    if locks.seats.is_empty() {
        let cancelled: bool = tx
            .opt(
                "SELECT cancelled_at IS NOT NULL FROM shows WHERE id = $1",
                &[&show_id],
            )
            .await
            .map_err(db_error)?
            .ok_or_else(|| Error::show_not_found(show_id))?
            .get(0);
        if cancelled {
            return Err(Error::show_cancelled());
        }
    }
    if locks.seats.len() != seat_ids.len() {
        let unknown = seat_ids
            .iter()
            .copied()
            .filter(|id| !locks.seats.iter().any(|s| s.seat_id == *id))
            .collect();
        return Err(
            Error::new(Code::UnknownSeats, "Some seats do not exist in this show.")
                .with_seats(unknown),
        );
    }
    Ok(locks.seats)
}

/// Blocks (`sign` 1, with the reason) or releases (`sign` -1) `seats`, moving their rows'
/// counters, in one statement sent with COMMIT (or just commits when there are none).
async fn change(
    tx: &Tx,
    show_id: i64,
    seats: &[super::LockedSeat],
    sign: i32,
    reason: Option<&String>,
) -> Result<()> {
    if seats.is_empty() {
        return tx.commit().await;
    }
    let ctids: Vec<&str> = seats.iter().map(|s| s.ctid.as_str()).collect();
    let deltas = row_deltas(seats.iter().map(|s| s.row_no), sign);
    let (status, reason) = match reason {
        Some(reason) => ("BLOCKED", Some(reason.as_str())),
        None => ("AVAILABLE", None),
    };
    let mut params = Params::with_fixed(&[&ctids, &status, &reason]);
    let counters = count_rows(&mut params, &show_id, &deltas);
    let stmt = format!(
        "WITH changed AS ( \
               UPDATE seats SET status = $2, block_reason = $3::text \
               WHERE ctid = ANY($1::text[]::tid[])) \
             {counters} \
             SELECT 1"
    );
    tx.commit_with(&[(&stmt, params.values())]).await?;
    Ok(())
}
