//! Booking endpoints: hold, read, confirm, cancel. A user sees only their own bookings.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use poem::web::Data;
use poem_openapi::param::{Header, Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{Enum, Object, OpenApi};
use uuid::Uuid;

use super::Tag;
use super::error::reply;
use super::security::UserAuth;
use super::state::{AppState, ClientIp};
use super::text::Text;
use crate::domain::booking::{Booking, BookingStatus, FailureReason, HoldRequest};
use crate::domain::limits::MAX_IDEMPOTENCY_KEY_CHARS;
use crate::domain::page::{Cursor, page_size};
use crate::domain::ticket::{TicketSigner, reference};
use crate::domain::{Code, Error, Result};
use crate::ratelimit::{Limit, address_subject};
use crate::service;
use crate::store::bookings::{BookedShow, Transition};

/// A hold request: specific seats (`seat_ids`), or a number of seats for the service to
/// choose (`quantity`, optionally of one `category`). At most 10 seats.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct NewBooking {
    pub show_id: i64,
    /// Seat ids from the seat map; distinct, 1 to 10 of them.
    pub seat_ids: Option<Vec<i64>>,
    /// Number of seats (1 to 10) for "best available": side by side in one row when
    /// possible, near the front and the middle, never stranding a single seat.
    pub quantity: Option<i64>,
    /// With `quantity`: only seats of this category.
    pub category: Option<Text>,
    /// With `quantity`: wheelchair spaces (and only those). Without it, "best available"
    /// never hands them out; they can still be held by id.
    pub accessible: Option<bool>,
    /// With `quantity`: places in this section only. The way to hold places of a standing
    /// area (which are never held by id).
    pub section: Option<Text>,
}

/// Booking status: a hold is `PENDING` until it becomes `CONFIRMED` or `FAILED`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "UPPERCASE")]
pub enum BookingState {
    Pending,
    Confirmed,
    Failed,
}

/// Why a booking failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "UPPERCASE")]
pub enum BookingFailure {
    Expired,
    /// Cancelled by its buyer.
    Cancelled,
    /// Cancelled with its show by an admin.
    #[oai(rename = "SHOW_CANCELLED")]
    ShowCancelled,
}

/// A booking.
#[derive(Debug, Object)]
#[oai(rename = "Booking")]
pub struct BookingView {
    pub id: Uuid,
    /// Short reference for people (`K7Q2-M9XD`): on tickets, at the box office.
    pub reference: String,
    pub show_id: i64,
    pub status: BookingState,
    /// Set when `status` is `FAILED`.
    #[oai(skip_serializing_if_is_none)]
    pub failure_reason: Option<BookingFailure>,
    pub seat_ids: Vec<i32>,
    /// Seat labels, in the order of `seat_ids`.
    pub seats: Vec<String>,
    pub total_cents: i64,
    /// When an unconfirmed hold lapses.
    pub expires_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// One ticket per seat once the booking is `CONFIRMED` (empty before, and after it
    /// failed: a cancelled booking's tickets admit no one).
    pub tickets: Vec<TicketView>,
    /// In the answer to a hold, confirm or cancel: the show's change version once this
    /// write was announced. Pass it as `min_version` when reading the show or its seat
    /// map to see at least this write, whichever instance answers.
    #[oai(skip_serializing_if_is_none)]
    pub show_version: Option<u64>,
}

/// A ticket: admits one person to one seat, once.
#[derive(Debug, Object)]
#[oai(rename = "Ticket")]
pub struct TicketView {
    pub seat_id: i32,
    /// The seat's label.
    pub seat: String,
    /// What the door scans (shown as a QR code) or staff type: unguessable, it admits
    /// only this seat of this booking.
    pub code: String,
}

impl BookingView {
    pub fn new(b: Booking, tickets: &TicketSigner) -> Self {
        let tickets = match b.status {
            BookingStatus::Confirmed => b
                .seat_ids
                .iter()
                .zip(&b.seat_labels)
                .map(|(&seat_id, label)| TicketView {
                    seat_id,
                    seat: label.clone(),
                    code: tickets.code(b.show_id, seat_id, b.id),
                })
                .collect(),
            _ => Vec::new(),
        };
        Self {
            id: b.id,
            reference: reference(b.id),
            show_id: b.show_id,
            status: match b.status {
                BookingStatus::Pending => BookingState::Pending,
                BookingStatus::Confirmed => BookingState::Confirmed,
                BookingStatus::Failed => BookingState::Failed,
            },
            failure_reason: b.failure_reason.map(|r| match r {
                FailureReason::Expired => BookingFailure::Expired,
                FailureReason::Cancelled => BookingFailure::Cancelled,
                FailureReason::ShowCancelled => BookingFailure::ShowCancelled,
            }),
            seat_ids: b.seat_ids,
            seats: b.seat_labels,
            total_cents: b.total_cents,
            expires_at: b.expires_at,
            created_at: b.created_at,
            updated_at: b.updated_at,
            tickets,
            show_version: None,
        }
    }

    /// The view of a booking `user_id` just made or changed, with its show's version now.
    /// With replicas, the user's booking reads then go only to a replica that has the
    /// change: its show's WAL position, recorded when it was announced, is at or past it.
    async fn written(b: Booking, user_id: i64, state: &AppState) -> Self {
        let (version, lsn) = state.cache.read_position(b.show_id).await;
        if let Some(max_lag) = state.db.replica_max_lag() {
            state.cache.user_wrote(user_id, lsn, max_lag).await;
        }
        Self {
            show_version: Some(version),
            ..Self::new(b, &state.tickets)
        }
    }
}

/// What a buyer needs to know of a booking's show, to tell two showings of one film
/// apart and to read its times and prices.
#[derive(Debug, Object)]
pub struct BookingShow {
    pub name: String,
    /// `movie`, `bus`, `appointment` or `event`.
    pub kind: String,
    pub starts_at: DateTime<Utc>,
    /// The venue's IANA time zone: show `starts_at` in it, with its name.
    pub time_zone: String,
    /// ISO 4217 code of `total_cents`.
    pub currency: String,
    /// Set when the show was cancelled.
    #[oai(skip_serializing_if_is_none)]
    pub cancelled_at: Option<DateTime<Utc>>,
}

impl From<BookedShow> for BookingShow {
    fn from(show: BookedShow) -> Self {
        Self {
            name: show.name,
            kind: show.kind,
            starts_at: show.starts_at,
            time_zone: show.time_zone,
            currency: show.currency,
            cancelled_at: show.cancelled_at,
        }
    }
}

/// One of the caller's bookings, with its show.
#[derive(Debug, Object)]
pub struct MyBooking {
    #[oai(flatten)]
    pub booking: BookingView,
    pub show: BookingShow,
}

impl MyBooking {
    fn new((booking, show): (Booking, BookedShow), tickets: &TicketSigner) -> Self {
        Self {
            booking: BookingView::new(booking, tickets),
            show: show.into(),
        }
    }
}

/// One page of bookings.
#[derive(Debug, Object)]
pub struct BookingPage {
    pub items: Vec<MyBooking>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    #[oai(skip_serializing_if_is_none)]
    pub next_cursor: Option<String>,
}

crate::endpoint_response! {
    pub enum HoldResponse {
        /// The seats are held (or, for a repeated Idempotency-Key, were held by the first
        /// request: the same booking is returned).
        201 => Created(Json<BookingView>),
    }
    errors: [
        BadRequest: [InvalidBody, InvalidIdempotencyKey, BadRequest],
        Unauthenticated: [MissingToken, InvalidToken],
        NotFound: [ShowNotFound],
        Conflict: [SeatsUnavailable, NotEnoughSeats, ShowStarted, ShowCancelled, HoldLimitReached],
        PayloadTooLarge: [PayloadTooLarge],
        UnsupportedMediaType: [UnsupportedMediaType],
        Invalid: [
            InvalidHoldRequest, InvalidSeatCount, InvalidSeatId, DuplicateSeatIds, UnknownSeats,
            InvalidCategory, InvalidName, UnknownSection, StandingByQuantity,
            IdempotencyKeyReused,
        ],
        RateLimited: [RateLimited],
        Internal: [InternalError],
        Unavailable: [ServiceUnavailable, ServiceBusy, RequestTimeout],
    ]
}

crate::endpoint_response! {
    pub enum GetBookingResponse {
        /// The booking, with its show.
        200 => Ok(Json<MyBooking>),
    }
    errors: [
        BadRequest: [InvalidParameter, BadRequest],
        Unauthenticated: [MissingToken, InvalidToken],
        NotFound: [BookingNotFound],
        RateLimited: [RateLimited],
        Internal: [InternalError],
        Unavailable: [ServiceUnavailable, RequestTimeout],
    ]
}

crate::endpoint_response! {
    pub enum ListBookingsResponse {
        /// A page of the caller's bookings, newest first.
        200 => Ok(Json<BookingPage>),
    }
    errors: [
        BadRequest: [InvalidParameter, InvalidLimit, InvalidCursor, BadRequest],
        Unauthenticated: [MissingToken, InvalidToken],
        RateLimited: [RateLimited],
        Internal: [InternalError],
        Unavailable: [ServiceUnavailable, RequestTimeout],
    ]
}

crate::endpoint_response! {
    pub enum TransitionResponse {
        /// The booking in its new state.
        200 => Ok(Json<BookingView>),
    }
    // (No body is read, but an oversized one is still refused with 413.)
    errors: [
        BadRequest: [InvalidParameter, BadRequest],
        Unauthenticated: [MissingToken, InvalidToken],
        NotFound: [BookingNotFound],
        Conflict: [BookingExpired, BookingCancelled, ShowStarted, ShowCancelled],
        PayloadTooLarge: [PayloadTooLarge],
        Internal: [InternalError],
        Unavailable: [ServiceUnavailable, ServiceBusy, RequestTimeout],
    ]
}

pub struct BookingsApi;

#[OpenApi(tag = "Tag::Bookings")]
impl BookingsApi {
    /// Hold seats for a few minutes (a PENDING booking); all requested seats or none.
    ///
    /// Conflicts: `seats_unavailable` (with `unavailable_seat_ids`), `not_enough_seats`,
    /// `show_started`, `show_cancelled`, `hold_limit_reached` (the caller already holds as many seats as one
    /// user may). A repeated `Idempotency-Key` with the same body returns the first booking
    /// instead of holding again; with a different body it is a 422. Hold requests are
    /// rate-limited per user and per client address (429 with `Retry-After`).
    #[oai(path = "/bookings", method = "post", operation_id = "create_booking")]
    async fn hold(
        &self,
        auth: UserAuth,
        state: Data<&Arc<AppState>>,
        /// Any unique string up to 200 characters; retrying with the same key is safe.
        #[oai(name = "Idempotency-Key")]
        idempotency_key: Header<Option<String>>,
        body: Json<NewBooking>,
        client: Data<&ClientIp>,
    ) -> HoldResponse {
        let result: Result<BookingView> = async {
            let (user, address) = (auth.0.user_id.to_string(), address_subject(client.0.0));
            state
                .limits
                .check_all(&[(Limit::HoldsPerUser, &user), (Limit::HoldsPerIp, &address)])
                .await?;
            let key = idempotency_key
                .0
                .as_deref()
                .map(check_idempotency_key)
                .transpose()?;
            let body = body.0;
            let request = HoldRequest::parse(
                body.show_id,
                body.seat_ids,
                body.quantity,
                body.category.map(Into::into),
            )?
            .accessible(body.accessible.unwrap_or(false))?
            .in_section(body.section.map(Into::into))?;
            let outcome = service::bookings::hold(
                &state.db,
                &state.cache,
                auth.0.user_id,
                &request,
                state.hold_rules,
                key,
            )
            .await?;
            Ok(BookingView::written(outcome.booking, auth.0.user_id, &state).await)
        }
        .await;
        reply(result, |booking| HoldResponse::Created(Json(booking)))
    }

    /// The caller's bookings, newest first, each with its show.
    #[oai(path = "/bookings", method = "get", operation_id = "list_bookings")]
    async fn list(
        &self,
        auth: UserAuth,
        state: Data<&Arc<AppState>>,
        /// Page size, 1 to 200 (default 50).
        #[oai(validator(minimum(value = "1"), maximum(value = "200")))]
        limit: Query<Option<i64>>,
        /// `next_cursor` of the previous page.
        cursor: Query<Option<String>>,
    ) -> ListBookingsResponse {
        let result: Result<BookingPage> = async {
            let limit = page_size(limit.0)?;
            let after = cursor.0.as_deref().map(Cursor::decode).transpose()?;
            let user_id = auth.0.user_id;
            let lsn = history_position(&state, user_id).await;
            let after = after.as_ref();
            let bookings = super::cached::from_replica(&state, lsn, |db| async move {
                db.bookings(user_id, after, limit + 1).await
            })
            .await?;
            let (items, next_cursor) = super::paginate(bookings, limit, |(b, _)| Cursor {
                at: b.created_at,
                id: b.id.to_string(),
            });
            Ok(BookingPage {
                items: items
                    .into_iter()
                    .map(|b| MyBooking::new(b, &state.tickets))
                    .collect(),
                next_cursor,
            })
        }
        .await;
        reply(result, |page| ListBookingsResponse::Ok(Json(page)))
    }

    /// One of the caller's bookings, with its show.
    #[oai(path = "/bookings/:id", method = "get", operation_id = "get_booking")]
    async fn get(
        &self,
        auth: UserAuth,
        state: Data<&Arc<AppState>>,
        id: Path<Uuid>,
    ) -> GetBookingResponse {
        let user_id = auth.0.user_id;
        let lsn = history_position(&state, user_id).await;
        let booking = super::cached::from_replica(&state, lsn, |db| async move {
            db.booking_with_show(user_id, id.0).await
        })
        .await;
        reply(booking, |booking| {
            GetBookingResponse::Ok(Json(MyBooking::new(booking, &state.tickets)))
        })
    }

    /// Confirm a hold: its seats become BOOKED. Confirming twice is harmless.
    ///
    /// Conflicts: `booking_expired` (the hold ran out; the booking is now FAILED/EXPIRED),
    /// `booking_cancelled`.
    #[oai(
        path = "/bookings/:id/confirm",
        method = "post",
        operation_id = "confirm_booking"
    )]
    async fn confirm(
        &self,
        auth: UserAuth,
        state: Data<&Arc<AppState>>,
        id: Path<Uuid>,
    ) -> TransitionResponse {
        transition(
            service::bookings::confirm(&state.db, &state.cache, auth.0.user_id, id.0).await,
            auth.0.user_id,
            &state,
        )
        .await
    }

    /// Cancel a hold or a booking (until the show starts); its seats are free at once.
    /// Cancelling twice is harmless.
    ///
    /// Conflicts: `booking_expired`, `show_started`.
    #[oai(
        path = "/bookings/:id/cancel",
        method = "post",
        operation_id = "cancel_booking"
    )]
    async fn cancel(
        &self,
        auth: UserAuth,
        state: Data<&Arc<AppState>>,
        id: Path<Uuid>,
    ) -> TransitionResponse {
        transition(
            service::bookings::cancel(&state.db, &state.cache, auth.0.user_id, id.0).await,
            auth.0.user_id,
            &state,
        )
        .await
    }
}

/// The WAL position a replica needs to serve `user_id`'s bookings: that of their last
/// booking write (looked up only when there are replicas to read).
async fn history_position(state: &AppState, user_id: i64) -> u64 {
    if state.db.has_replicas() {
        state.cache.user_position(user_id).await
    } else {
        0
    }
}

/// Answers a confirm or cancel (announced already, when it committed).
async fn transition(
    result: Result<Transition>,
    user_id: i64,
    state: &AppState,
) -> TransitionResponse {
    match result {
        Ok(Transition::Done(booking)) => {
            TransitionResponse::Ok(Json(BookingView::written(booking, user_id, state).await))
        }
        Ok(Transition::Expired(_)) => Error::booking_expired().into(),
        Err(err) => err.into(),
    }
}

fn check_idempotency_key(key: &str) -> Result<&str> {
    let ok = !key.is_empty()
        && key.chars().count() <= MAX_IDEMPOTENCY_KEY_CHARS
        && key.chars().all(|c| c.is_ascii_graphic());
    if !ok {
        return Err(Error::new(
            Code::InvalidIdempotencyKey,
            format!(
                "Idempotency-Key must be 1 to {MAX_IDEMPOTENCY_KEY_CHARS} visible ASCII characters."
            ),
        ));
    }
    Ok(key)
}
