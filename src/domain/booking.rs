//! Bookings, shows and seats as the domain sees them, and the rules for requests that
//! change them.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::error::{Code, Error, Result};
use super::limits::{MAX_SEATS_PER_BLOCK, MAX_SEATS_PER_HOLD};

/// Lifecycle of a booking: a hold is `Pending` until confirmed, cancelled or expired.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BookingStatus {
    Pending,
    Confirmed,
    Failed,
}

impl BookingStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "PENDING",
            Self::Confirmed => "CONFIRMED",
            Self::Failed => "FAILED",
        }
    }

    pub fn parse(value: &str) -> Result<Self> {
        match value {
            "PENDING" => Ok(Self::Pending),
            "CONFIRMED" => Ok(Self::Confirmed),
            "FAILED" => Ok(Self::Failed),
            other => Err(Error::internal(anyhow::anyhow!(
                "unknown booking status {other:?} in the database"
            ))),
        }
    }
}

/// Why a booking failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureReason {
    Expired,
    /// Cancelled by its buyer.
    Cancelled,
    /// Cancelled with its show by an admin.
    ShowCancelled,
}

impl FailureReason {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Expired => "EXPIRED",
            Self::Cancelled => "CANCELLED",
            Self::ShowCancelled => "SHOW_CANCELLED",
        }
    }

    pub fn parse(value: &str) -> Result<Self> {
        match value {
            "EXPIRED" => Ok(Self::Expired),
            "CANCELLED" => Ok(Self::Cancelled),
            "SHOW_CANCELLED" => Ok(Self::ShowCancelled),
            other => Err(Error::internal(anyhow::anyhow!(
                "unknown failure reason {other:?} in the database"
            ))),
        }
    }
}

/// A booking as clients see it. A `Pending` booking past `expires_at` is reported as
/// `Failed`/`Expired` even before the sweeper has written that down: expiry is exact.
#[derive(Debug, Clone)]
pub struct Booking {
    pub id: Uuid,
    pub show_id: i64,
    pub status: BookingStatus,
    pub failure_reason: Option<FailureReason>,
    pub seat_ids: Vec<i32>,
    pub seat_labels: Vec<String>,
    pub total_cents: i64,
    pub expires_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Status of one seat of a show, as shown on the seat map (`AVAILABLE`, `HELD`, `BOOKED`
/// in messages between instances).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum SeatStatus {
    Available,
    Held,
    Booked,
    /// Taken off sale by an admin (house seats, a broken seat).
    Blocked,
}

impl SeatStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Available => "AVAILABLE",
            Self::Held => "HELD",
            Self::Booked => "BOOKED",
            Self::Blocked => "BLOCKED",
        }
    }

    /// A status as the database stores it; anything else is a bug, never a free seat.
    pub fn parse(value: &str) -> Result<Self> {
        match value {
            "AVAILABLE" => Ok(Self::Available),
            "HELD" => Ok(Self::Held),
            "BOOKED" => Ok(Self::Booked),
            "BLOCKED" => Ok(Self::Blocked),
            other => Err(Error::internal(anyhow::anyhow!(
                "unknown seat status {other:?} in the database"
            ))),
        }
    }
}

/// The kinds of things that have seats to sell.
pub const SHOW_KINDS: [&str; 4] = ["movie", "bus", "appointment", "event"];

/// What a buyer asks to hold.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum SeatRequest {
    /// These seats exactly (sorted, distinct).
    Seats(Vec<i32>),
    /// Any `quantity` seats, optionally of one category; the service picks the best.
    /// Wheelchair spaces only when `accessible`, and then only those.
    /// In `section`, when given: the only way to hold places of a standing section.
    Best {
        quantity: usize,
        category: Option<String>,
        accessible: bool,
        section: Option<String>,
    },
}

/// Seat ids as a client sent them, checked: 1 to `max`, positive, distinct; sorted (the
/// order seats are locked in). `too_many` says what the count must be.
fn seat_ids_of(ids: Vec<i64>, max: usize, too_many: &str) -> Result<Vec<i32>> {
    if ids.is_empty() || ids.len() > max {
        return Err(Error::new(Code::InvalidSeatCount, too_many));
    }
    let mut seats = Vec::with_capacity(ids.len());
    for id in ids {
        match i32::try_from(id) {
            Ok(id) if id > 0 => seats.push(id),
            _ => {
                return Err(Error::new(
                    Code::InvalidSeatId,
                    format!("{id} is not a seat id; seat ids are positive integers."),
                ));
            }
        }
    }
    seats.sort_unstable();
    let before = seats.len();
    seats.dedup();
    if seats.len() != before {
        return Err(Error::new(
            Code::DuplicateSeatIds,
            "Each seat may be listed once.",
        ));
    }
    Ok(seats)
}

/// A validated request to hold seats of one show.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct HoldRequest {
    pub show_id: i64,
    pub seats: SeatRequest,
}

impl HoldRequest {
    /// Checks the shape rules: exactly one of `seat_ids` / `quantity`, 1 to
    /// [`MAX_SEATS_PER_HOLD`] seats, no duplicates, positive ids.
    pub fn parse(
        show_id: i64,
        seat_ids: Option<Vec<i64>>,
        quantity: Option<i64>,
        category: Option<String>,
    ) -> Result<Self> {
        let seats = match (seat_ids, quantity) {
            (Some(ids), None) => {
                if category.is_some() {
                    return Err(Error::new(
                        Code::InvalidHoldRequest,
                        "category goes with quantity, not with seat_ids.",
                    ));
                }
                SeatRequest::Seats(seat_ids_of(
                    ids,
                    MAX_SEATS_PER_HOLD,
                    &format!("A hold takes 1 to {MAX_SEATS_PER_HOLD} seats."),
                )?)
            }
            (None, Some(quantity)) => {
                if !(1..=MAX_SEATS_PER_HOLD as i64).contains(&quantity) {
                    return Err(Error::new(
                        Code::InvalidSeatCount,
                        format!("A hold takes 1 to {MAX_SEATS_PER_HOLD} seats."),
                    ));
                }
                if let Some(category) = &category {
                    super::layout::check_category(category)?;
                }
                SeatRequest::Best {
                    quantity: quantity as usize,
                    category,
                    accessible: false,
                    section: None,
                }
            }
            _ => {
                return Err(Error::new(
                    Code::InvalidHoldRequest,
                    "Give exactly one of seat_ids or quantity.",
                ));
            }
        };
        if show_id <= 0 {
            return Err(Error::show_not_found(show_id));
        }
        Ok(Self { show_id, seats })
    }

    /// Asks "best available" for wheelchair spaces (`accessible: true` in the request);
    /// only with `quantity`.
    pub fn accessible(mut self, wanted: bool) -> Result<Self> {
        match &mut self.seats {
            SeatRequest::Best { accessible, .. } => *accessible = wanted,
            SeatRequest::Seats(_) if wanted => {
                return Err(Error::new(
                    Code::InvalidHoldRequest,
                    "accessible goes with quantity, not with seat_ids.",
                ));
            }
            SeatRequest::Seats(_) => {}
        }
        Ok(self)
    }

    /// Asks for places in one section (`section` in the request); only with `quantity`.
    pub fn in_section(mut self, wanted: Option<String>) -> Result<Self> {
        match (&mut self.seats, wanted) {
            (SeatRequest::Best { section, .. }, Some(name)) => {
                *section = Some(super::layout::clean_name(&name, "section")?.to_owned());
            }
            (SeatRequest::Seats(_), Some(_)) => {
                return Err(Error::new(
                    Code::InvalidHoldRequest,
                    "section goes with quantity, not with seat_ids.",
                ));
            }
            (_, None) => {}
        }
        Ok(self)
    }

    /// A stable fingerprint of the request, to recognise a reused Idempotency-Key.
    pub fn fingerprint(&self) -> String {
        match &self.seats {
            SeatRequest::Seats(ids) => {
                let ids: Vec<String> = ids.iter().map(i32::to_string).collect();
                format!("show={};seats={}", self.show_id, ids.join(","))
            }
            SeatRequest::Best {
                quantity,
                category,
                accessible,
                section,
            } => format!(
                "show={};quantity={};category={}{}{}",
                self.show_id,
                quantity,
                category.as_deref().unwrap_or(""),
                if *accessible { ";accessible" } else { "" },
                section
                    .as_deref()
                    .map(|s| format!(";section={s}"))
                    .unwrap_or_default()
            ),
        }
    }
}

/// Seats an admin takes off sale (or puts back): 1 to [`MAX_SEATS_PER_BLOCK`] distinct
/// positive seat ids, sorted (the lock order), and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeatBlock {
    pub seat_ids: Vec<i32>,
    pub reason: String,
}

impl SeatBlock {
    /// Checks the ids and, for a block, the reason (`None` for an unblock).
    pub fn parse(seat_ids: Vec<i64>, reason: Option<&str>) -> Result<Self> {
        let ids = seat_ids_of(
            seat_ids,
            MAX_SEATS_PER_BLOCK,
            &format!("Name 1 to {MAX_SEATS_PER_BLOCK} seats."),
        )?;
        let reason = match reason {
            Some(reason) => super::layout::clean_name(reason, "reason")?.to_owned(),
            None => String::new(),
        };
        Ok(Self {
            seat_ids: ids,
            reason,
        })
    }
}

/// How holds work in this deployment, and the rules a hold must pass once its seats are
/// locked (the store checks them inside the transaction, against what it locked).
#[derive(Debug, Clone, Copy)]
pub struct HoldRules {
    /// How long an unconfirmed hold lasts.
    pub ttl_secs: u32,
    /// The most seats one user may hold at once, over all their live holds.
    pub max_held_seats: u32,
}

impl HoldRules {
    /// Whether a user who holds `held` seats (in live holds) may hold `wanted` more.
    pub fn allows(self, held: i64, wanted: i64) -> bool {
        held + wanted <= i64::from(self.max_held_seats)
    }

    /// The refusal when [`HoldRules::allows`] says no.
    pub fn limit_reached(self) -> Error {
        Error::new(
            Code::HoldLimitReached,
            format!(
                "You already hold seats up to the limit of {}; confirm or cancel a hold first.",
                self.max_held_seats
            ),
        )
    }
}

/// Whether a seat may be taken by a new hold: it is free, or the hold on it has lapsed
/// (expiry is exact, whether or not the sweeper has written it down yet).
pub fn seat_is_free(status: SeatStatus, lapsed: bool) -> bool {
    status == SeatStatus::Available || (status == SeatStatus::Held && lapsed)
}

/// What may no longer be done once a show has started.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AfterStart {
    Hold,
    Confirm,
    Cancel,
    /// An admin's change of the show's name, time or prices.
    Change,
    /// An admin's cancellation of the show.
    CancelShow,
}

/// The refusal of `what` once the show has started.
pub fn show_started(what: AfterStart) -> Error {
    let detail = match what {
        AfterStart::Hold => "The show has started; its seats can no longer be booked.",
        AfterStart::Confirm => "The show has started; its seats can no longer be bought.",
        AfterStart::Cancel => "The show has started; its bookings can no longer be cancelled.",
        AfterStart::Change => "The show has started; it can no longer be changed.",
        AfterStart::CancelShow => "The show has started; it can no longer be cancelled.",
    };
    Error::new(Code::ShowStarted, detail)
}

#[cfg(test)]
mod tests {
    #[test]
    fn statuses_read_back_or_fail_loudly() {
        for status in [
            SeatStatus::Available,
            SeatStatus::Held,
            SeatStatus::Booked,
            SeatStatus::Blocked,
        ] {
            assert_eq!(SeatStatus::parse(status.as_str()).unwrap(), status);
        }
        // A status nobody knows is a bug to report, never a free seat.
        assert_eq!(
            SeatStatus::parse("SOLD").unwrap_err().code,
            crate::domain::Code::InternalError
        );
    }

    use super::*;

    #[test]
    fn seat_ids_are_sorted_and_checked() {
        let r = HoldRequest::parse(1, Some(vec![3, 1, 2]), None, None).unwrap();
        assert_eq!(r.seats, SeatRequest::Seats(vec![1, 2, 3]));
        type Case = (
            Option<Vec<i64>>,
            Option<i64>,
            Option<&'static str>,
            &'static str,
        );
        let cases: [Case; 9] = [
            (Some(vec![]), None, None, "invalid_seat_count"),
            (Some(vec![1; 11]), None, None, "invalid_seat_count"),
            (Some(vec![1, 1]), None, None, "duplicate_seat_ids"),
            (Some(vec![0]), None, None, "invalid_seat_id"),
            (Some(vec![-4]), None, None, "invalid_seat_id"),
            (Some(vec![1 << 40]), None, None, "invalid_seat_id"),
            (None, None, None, "invalid_hold_request"),
            (Some(vec![1]), Some(1), None, "invalid_hold_request"),
            (None, Some(11), None, "invalid_seat_count"),
        ];
        for (ids, quantity, category, code) in cases {
            let err =
                HoldRequest::parse(1, ids.clone(), quantity, category.map(Into::into)).unwrap_err();
            assert_eq!(err.code.as_str(), code, "{ids:?} {quantity:?}");
        }
    }

    #[test]
    fn fingerprint_ignores_seat_order() {
        let a = HoldRequest::parse(1, Some(vec![2, 1]), None, None).unwrap();
        let b = HoldRequest::parse(1, Some(vec![1, 2]), None, None).unwrap();
        let c = HoldRequest::parse(1, None, Some(2), None).unwrap();
        assert_eq!(a.fingerprint(), b.fingerprint());
        assert_ne!(a.fingerprint(), c.fingerprint());
    }
}
