//! The one error type of the domain and storage layers.
//!
//! Every failure a user can cause or observe is an [`Error`] with a [`ErrorKind`] (which
//! decides the HTTP status, in exactly one table in `api::error`) and a stable snake_case
//! `code` that clients can branch on. Internal failures carry their cause for the log and
//! are never shown to clients.

use std::fmt;

/// What sort of failure this is; the HTTP layer maps each kind to one status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The request is well-formed JSON of the right types but breaks a rule (422).
    Invalid,
    /// The request could not be parsed at all (400).
    BadRequest,
    /// No credentials, or credentials that are wrong or expired (401).
    Unauthenticated,
    /// Valid credentials without the rights for this operation (403).
    Forbidden,
    /// The thing does not exist, or is not the caller's to see (404).
    NotFound,
    /// The request is valid but the current state does not allow it (409).
    Conflict,
    /// The endpoint does not take this HTTP method (405).
    MethodNotAllowed,
    /// The request body is larger than the service accepts (413).
    PayloadTooLarge,
    /// The request body is not JSON (415).
    UnsupportedMediaType,
    /// Too many requests of this kind from this user or address; retry later (429).
    RateLimited,
    /// A dependency is down, slow or saturated; retrying later may work (503).
    Unavailable,
    /// A bug or an unexpected failure; logged with its cause, shown opaquely (500).
    Internal,
}

/// A domain failure: its code (which decides its kind), a human-readable detail, and for
/// seat conflicts the seats concerned.
#[derive(Debug)]
pub struct Error {
    pub code: Code,
    pub detail: String,
    /// Seats that caused a `seats_unavailable` / `unknown_seats` failure.
    pub seat_ids: Vec<i32>,
    /// With [`ErrorKind::RateLimited`] and [`Error::busy`]: whole seconds until a retry
    /// can succeed.
    pub retry_after_secs: Option<u64>,
    /// With `already_checked_in`: when the ticket was first checked in.
    pub checked_in_at: Option<chrono::DateTime<chrono::Utc>>,
    /// The underlying cause of an internal failure, for the log only.
    pub source: Option<anyhow::Error>,
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Every error code, each written once here with its kind (and so its HTTP status) and
/// what it means. Clients branch on [`Code::as_str`]; the service branches on the variants.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Code {
    /// The body is not JSON of the expected shape (malformed, wrong types, unknown fields).
    InvalidBody,
    /// A path or query parameter is malformed.
    InvalidParameter,
    /// The page size is not 1 to 200.
    InvalidLimit,
    /// The cursor is not one this service gave out.
    InvalidCursor,
    /// The Idempotency-Key is not 1 to 200 visible ASCII characters.
    InvalidIdempotencyKey,
    /// The request could not be read.
    BadRequest,
    /// No bearer token was sent.
    MissingToken,
    /// The token is invalid, expired or revoked: sign in again.
    InvalidToken,
    /// Wrong e-mail or password.
    InvalidCredentials,
    /// The operation needs an admin account.
    AdminOnly,
    /// A browser on an origin that is not allowed made the request.
    CorsNotAllowed,
    /// There is no such show.
    ShowNotFound,
    /// There is no such booking of the caller's.
    BookingNotFound,
    /// There is no such layout.
    LayoutNotFound,
    /// There is no such endpoint.
    RouteNotFound,
    /// The endpoint does not take this method (`Allow` lists those it takes).
    MethodNotAllowed,
    /// Some requested seats are held or booked by someone else (`unavailable_seat_ids`).
    SeatsUnavailable,
    /// Fewer seats (of the category) are free than asked for.
    NotEnoughSeats,
    /// The hold ran out before it was confirmed; its seats are free again.
    BookingExpired,
    /// The booking was cancelled.
    BookingCancelled,
    /// The show has started: its seats can no longer be held, bought or cancelled.
    ShowStarted,
    /// The show was cancelled: it takes no holds, sales or changes.
    ShowCancelled,
    /// Not an IANA time zone name.
    InvalidTimeZone,
    /// Not a current ISO 4217 currency code.
    InvalidCurrency,
    /// No ticket of this show has that code (or its booking was cancelled).
    TicketNotFound,
    /// The ticket was already checked in (the problem says when: `checked_in_at`).
    AlreadyCheckedIn,
    /// A section's appointment slots are malformed.
    InvalidSlots,
    /// A section has more than one of rows, slots and standing, or a standing area's size
    /// is out of range.
    InvalidSectionKind,
    /// Places of a standing area were asked for by seat id: they are held by quantity.
    StandingByQuantity,
    /// A hold named a section the show does not have.
    UnknownSection,
    /// A section's position, a row's curve or the stage is not a usable number.
    InvalidPlacement,
    /// An account with this e-mail exists.
    EmailTaken,
    /// The caller holds as many seats as one user may (`MAX_HELD_SEATS`).
    HoldLimitReached,
    /// The body is larger than 256 KiB.
    PayloadTooLarge,
    /// The body is not `application/json`.
    UnsupportedMediaType,
    /// The e-mail address is not valid.
    InvalidEmail,
    /// The password is not 8 to 128 characters.
    InvalidPassword,
    /// A name is empty or longer than 200 characters.
    InvalidName,
    /// The show kind is not movie, bus, appointment or event.
    InvalidKind,
    /// A price is not 0 to 100,000,000 cents.
    InvalidPrice,
    /// A category of the layout has no price.
    MissingPrice,
    /// A price names a category the layout does not have.
    UnknownCategory,
    /// The show would start in the past.
    StartsInPast,
    /// Give exactly one of layout_id or layout.
    InvalidLayoutChoice,
    /// The layout has no sections.
    EmptyLayout,
    /// A section has no rows.
    EmptySection,
    /// Two sections share a name.
    DuplicateSection,
    /// More than 50 sections.
    TooManySections,
    /// More than 1,000 rows.
    TooManyRows,
    /// More than 50,000 seats.
    TooManySeats,
    /// A row has not 1 to 500 seats.
    InvalidRowSize,
    /// A row label is not 1 to 8 of A-Z a-z 0-9 -.
    InvalidRowLabel,
    /// Two rows of a section share a label.
    DuplicateRowLabel,
    /// Two seats would share a label.
    DuplicateSeatLabel,
    /// A change names nothing to change.
    EmptyChange,
    /// A row's gaps_after, missing or accessible names a seat number it does not have, or
    /// one twice.
    InvalidSeatNumbers,
    /// A category is not 1 to 32 of A-Z a-z 0-9 _ -.
    InvalidCategory,
    /// Give either seat_ids or quantity (with an optional category).
    InvalidHoldRequest,
    /// A hold is 1 to 10 seats.
    InvalidSeatCount,
    /// A seat id is not a positive number.
    InvalidSeatId,
    /// A seat id is listed twice.
    DuplicateSeatIds,
    /// Some seat ids do not exist in the show (`unknown_seat_ids`).
    UnknownSeats,
    /// The Idempotency-Key was used for a different request.
    IdempotencyKeyReused,
    /// Too many such requests from this user, account or address (`Retry-After`).
    RateLimited,
    /// This address has as many live event streams open as it may (`Retry-After`).
    TooManyStreams,
    /// An unexpected failure; the details are in the service log.
    InternalError,
    /// The database is down, slow, or its pool exhausted: retry.
    ServiceUnavailable,
    /// Too much contention to finish now (`Retry-After`): retry.
    ServiceBusy,
    /// No answer within REQUEST_TIMEOUT_MS: retry (with the same Idempotency-Key for holds).
    RequestTimeout,
    /// The instance has as many open connections as it takes (`Retry-After`).
    TooManyConnections,
    /// The instance has as many live event streams open as it takes (`Retry-After`).
    StreamsFull,
    /// (Internal) a serialization failure or deadlock on its way to the retry loop.
    SerializationFailure,
    /// (Internal) PostgreSQL's echo of an earlier failure in the same transaction.
    TransactionAborted,
    /// (Internal) a copy of the hold with the same Idempotency-Key committed first.
    IdempotencyRace,
}

impl Code {
    /// Every code a client can be answered with (the internal ones excluded).
    pub const PUBLIC: [Code; 71] = [
        Code::InvalidBody,
        Code::InvalidParameter,
        Code::InvalidLimit,
        Code::InvalidCursor,
        Code::InvalidIdempotencyKey,
        Code::BadRequest,
        Code::MissingToken,
        Code::InvalidToken,
        Code::InvalidCredentials,
        Code::AdminOnly,
        Code::CorsNotAllowed,
        Code::ShowNotFound,
        Code::BookingNotFound,
        Code::LayoutNotFound,
        Code::RouteNotFound,
        Code::MethodNotAllowed,
        Code::SeatsUnavailable,
        Code::NotEnoughSeats,
        Code::BookingExpired,
        Code::BookingCancelled,
        Code::ShowStarted,
        Code::ShowCancelled,
        Code::EmailTaken,
        Code::HoldLimitReached,
        Code::PayloadTooLarge,
        Code::UnsupportedMediaType,
        Code::InvalidEmail,
        Code::InvalidPassword,
        Code::InvalidName,
        Code::InvalidKind,
        Code::InvalidPrice,
        Code::MissingPrice,
        Code::UnknownCategory,
        Code::StartsInPast,
        Code::InvalidTimeZone,
        Code::InvalidCurrency,
        Code::TicketNotFound,
        Code::AlreadyCheckedIn,
        Code::InvalidSlots,
        Code::InvalidSectionKind,
        Code::StandingByQuantity,
        Code::UnknownSection,
        Code::InvalidPlacement,
        Code::InvalidLayoutChoice,
        Code::EmptyLayout,
        Code::EmptySection,
        Code::DuplicateSection,
        Code::TooManySections,
        Code::TooManyRows,
        Code::TooManySeats,
        Code::InvalidRowSize,
        Code::InvalidRowLabel,
        Code::DuplicateRowLabel,
        Code::DuplicateSeatLabel,
        Code::EmptyChange,
        Code::InvalidSeatNumbers,
        Code::InvalidCategory,
        Code::InvalidHoldRequest,
        Code::InvalidSeatCount,
        Code::InvalidSeatId,
        Code::DuplicateSeatIds,
        Code::UnknownSeats,
        Code::IdempotencyKeyReused,
        Code::RateLimited,
        Code::TooManyStreams,
        Code::InternalError,
        Code::ServiceUnavailable,
        Code::ServiceBusy,
        Code::RequestTimeout,
        Code::TooManyConnections,
        Code::StreamsFull,
    ];

    /// The stable snake_case code clients see.
    pub fn as_str(self) -> &'static str {
        match self {
            Code::InvalidBody => "invalid_body",
            Code::InvalidParameter => "invalid_parameter",
            Code::InvalidLimit => "invalid_limit",
            Code::InvalidCursor => "invalid_cursor",
            Code::InvalidIdempotencyKey => "invalid_idempotency_key",
            Code::BadRequest => "bad_request",
            Code::MissingToken => "missing_token",
            Code::InvalidToken => "invalid_token",
            Code::InvalidCredentials => "invalid_credentials",
            Code::AdminOnly => "admin_only",
            Code::CorsNotAllowed => "cors_not_allowed",
            Code::ShowNotFound => "show_not_found",
            Code::BookingNotFound => "booking_not_found",
            Code::LayoutNotFound => "layout_not_found",
            Code::RouteNotFound => "route_not_found",
            Code::MethodNotAllowed => "method_not_allowed",
            Code::SeatsUnavailable => "seats_unavailable",
            Code::NotEnoughSeats => "not_enough_seats",
            Code::BookingExpired => "booking_expired",
            Code::BookingCancelled => "booking_cancelled",
            Code::ShowStarted => "show_started",
            Code::ShowCancelled => "show_cancelled",
            Code::InvalidTimeZone => "invalid_time_zone",
            Code::InvalidCurrency => "invalid_currency",
            Code::TicketNotFound => "ticket_not_found",
            Code::AlreadyCheckedIn => "already_checked_in",
            Code::InvalidSlots => "invalid_slots",
            Code::InvalidSectionKind => "invalid_section_kind",
            Code::StandingByQuantity => "standing_by_quantity",
            Code::UnknownSection => "unknown_section",
            Code::InvalidPlacement => "invalid_placement",
            Code::EmailTaken => "email_taken",
            Code::HoldLimitReached => "hold_limit_reached",
            Code::PayloadTooLarge => "payload_too_large",
            Code::UnsupportedMediaType => "unsupported_media_type",
            Code::InvalidEmail => "invalid_email",
            Code::InvalidPassword => "invalid_password",
            Code::InvalidName => "invalid_name",
            Code::InvalidKind => "invalid_kind",
            Code::InvalidPrice => "invalid_price",
            Code::MissingPrice => "missing_price",
            Code::UnknownCategory => "unknown_category",
            Code::StartsInPast => "starts_in_past",
            Code::InvalidLayoutChoice => "invalid_layout_choice",
            Code::EmptyLayout => "empty_layout",
            Code::EmptySection => "empty_section",
            Code::DuplicateSection => "duplicate_section",
            Code::TooManySections => "too_many_sections",
            Code::TooManyRows => "too_many_rows",
            Code::TooManySeats => "too_many_seats",
            Code::InvalidRowSize => "invalid_row_size",
            Code::InvalidRowLabel => "invalid_row_label",
            Code::DuplicateRowLabel => "duplicate_row_label",
            Code::DuplicateSeatLabel => "duplicate_seat_label",
            Code::EmptyChange => "empty_change",
            Code::InvalidSeatNumbers => "invalid_seat_numbers",
            Code::InvalidCategory => "invalid_category",
            Code::InvalidHoldRequest => "invalid_hold_request",
            Code::InvalidSeatCount => "invalid_seat_count",
            Code::InvalidSeatId => "invalid_seat_id",
            Code::DuplicateSeatIds => "duplicate_seat_ids",
            Code::UnknownSeats => "unknown_seats",
            Code::IdempotencyKeyReused => "idempotency_key_reused",
            Code::RateLimited => "rate_limited",
            Code::TooManyStreams => "too_many_streams",
            Code::InternalError => "internal_error",
            Code::ServiceUnavailable => "service_unavailable",
            Code::ServiceBusy => "service_busy",
            Code::RequestTimeout => "request_timeout",
            Code::TooManyConnections => "too_many_connections",
            Code::StreamsFull => "streams_full",
            Code::SerializationFailure => "serialization_failure",
            Code::TransactionAborted => "transaction_aborted",
            Code::IdempotencyRace => "idempotency_race",
        }
    }

    /// What sort of failure this is (the HTTP layer maps each kind to one status).
    pub fn kind(self) -> ErrorKind {
        match self {
            Code::InvalidBody
            | Code::InvalidParameter
            | Code::InvalidLimit
            | Code::InvalidCursor
            | Code::InvalidIdempotencyKey
            | Code::BadRequest => ErrorKind::BadRequest,
            Code::MissingToken | Code::InvalidToken | Code::InvalidCredentials => {
                ErrorKind::Unauthenticated
            }
            Code::AdminOnly | Code::CorsNotAllowed => ErrorKind::Forbidden,
            Code::ShowNotFound
            | Code::BookingNotFound
            | Code::TicketNotFound
            | Code::LayoutNotFound
            | Code::RouteNotFound => ErrorKind::NotFound,
            Code::MethodNotAllowed => ErrorKind::MethodNotAllowed,
            Code::SeatsUnavailable
            | Code::NotEnoughSeats
            | Code::BookingExpired
            | Code::BookingCancelled
            | Code::ShowStarted
            | Code::ShowCancelled
            | Code::AlreadyCheckedIn
            | Code::EmailTaken
            | Code::HoldLimitReached
            | Code::IdempotencyRace => ErrorKind::Conflict,
            Code::PayloadTooLarge => ErrorKind::PayloadTooLarge,
            Code::UnsupportedMediaType => ErrorKind::UnsupportedMediaType,
            Code::InvalidEmail
            | Code::InvalidPassword
            | Code::InvalidName
            | Code::InvalidTimeZone
            | Code::InvalidCurrency
            | Code::InvalidSlots
            | Code::InvalidSectionKind
            | Code::StandingByQuantity
            | Code::UnknownSection
            | Code::InvalidPlacement
            | Code::InvalidKind
            | Code::InvalidPrice
            | Code::MissingPrice
            | Code::UnknownCategory
            | Code::StartsInPast
            | Code::InvalidLayoutChoice
            | Code::EmptyLayout
            | Code::EmptySection
            | Code::DuplicateSection
            | Code::TooManySections
            | Code::TooManyRows
            | Code::TooManySeats
            | Code::InvalidRowSize
            | Code::InvalidRowLabel
            | Code::DuplicateRowLabel
            | Code::DuplicateSeatLabel
            | Code::EmptyChange
            | Code::InvalidSeatNumbers
            | Code::InvalidCategory
            | Code::InvalidHoldRequest
            | Code::InvalidSeatCount
            | Code::InvalidSeatId
            | Code::DuplicateSeatIds
            | Code::UnknownSeats
            | Code::IdempotencyKeyReused => ErrorKind::Invalid,
            Code::RateLimited | Code::TooManyStreams => ErrorKind::RateLimited,
            Code::InternalError | Code::TransactionAborted => ErrorKind::Internal,
            Code::ServiceUnavailable
            | Code::ServiceBusy
            | Code::RequestTimeout
            | Code::TooManyConnections
            | Code::StreamsFull
            | Code::SerializationFailure => ErrorKind::Unavailable,
        }
    }

    /// What the code means, for the spec and the README.
    pub fn description(self) -> &'static str {
        match self {
            Code::InvalidBody => {
                "The body is not JSON of the expected shape (malformed, wrong types, unknown fields)."
            }
            Code::InvalidParameter => "A path or query parameter is malformed.",
            Code::InvalidLimit => "The page size is not 1 to 200.",
            Code::InvalidCursor => "The cursor is not one this service gave out.",
            Code::InvalidIdempotencyKey => {
                "The Idempotency-Key is not 1 to 200 visible ASCII characters."
            }
            Code::BadRequest => "The request could not be read.",
            Code::MissingToken => "No bearer token was sent.",
            Code::InvalidToken => "The token is invalid, expired or revoked: sign in again.",
            Code::InvalidCredentials => "Wrong e-mail or password.",
            Code::AdminOnly => "The operation needs an admin account.",
            Code::CorsNotAllowed => "A browser on an origin that is not allowed made the request.",
            Code::ShowNotFound => "There is no such show.",
            Code::BookingNotFound => "There is no such booking of the caller's.",
            Code::LayoutNotFound => "There is no such layout.",
            Code::RouteNotFound => "There is no such endpoint.",
            Code::MethodNotAllowed => {
                "The endpoint does not take this method (`Allow` lists those it takes)."
            }
            Code::SeatsUnavailable => {
                "Some requested seats are held or booked by someone else (`unavailable_seat_ids`)."
            }
            Code::NotEnoughSeats => "Fewer seats (of the category) are free than asked for.",
            Code::BookingExpired => {
                "The hold ran out before it was confirmed; its seats are free again."
            }
            Code::BookingCancelled => "The booking was cancelled.",
            Code::ShowStarted => {
                "The show has started: its seats can no longer be held, bought or cancelled."
            }
            Code::ShowCancelled => "The show was cancelled: it takes no holds, sales or changes.",
            Code::InvalidTimeZone => "Not an IANA time zone name (such as `Europe/Lisbon`).",
            Code::InvalidCurrency => "Not a current ISO 4217 currency code (such as `EUR`).",
            Code::TicketNotFound => {
                "No ticket of this show has that code, or its booking was cancelled."
            }
            Code::AlreadyCheckedIn => {
                "The ticket was checked in before (`checked_in_at` says when)."
            }
            Code::InvalidSlots => "A section's appointment slots are malformed.",
            Code::InvalidSectionKind => {
                "A section has one of rows, slots or standing (1 to 50,000 places)."
            }
            Code::StandingByQuantity => {
                "Places in a standing area are held by quantity with their section, not by id."
            }
            Code::UnknownSection => "The show has no section of that name.",
            Code::InvalidPlacement => {
                "A section's position, a row's curve or the stage is out of range."
            }
            Code::EmailTaken => "An account with this e-mail exists.",
            Code::HoldLimitReached => {
                "The caller holds as many seats as one user may (`MAX_HELD_SEATS`)."
            }
            Code::PayloadTooLarge => "The body is larger than 256 KiB.",
            Code::UnsupportedMediaType => "The body is not `application/json`.",
            Code::InvalidEmail => "The e-mail address is not valid.",
            Code::InvalidPassword => "The password is not 8 to 128 characters.",
            Code::InvalidName => "A name is empty or longer than 200 characters.",
            Code::InvalidKind => "The show kind is not movie, bus, appointment or event.",
            Code::InvalidPrice => "A price is not 0 to 100,000,000 cents.",
            Code::MissingPrice => "A category of the layout has no price.",
            Code::UnknownCategory => "A price names a category the layout does not have.",
            Code::StartsInPast => "The show would start in the past.",
            Code::InvalidLayoutChoice => "Give exactly one of layout_id or layout.",
            Code::EmptyLayout => "The layout has no sections.",
            Code::EmptySection => "A section has no rows.",
            Code::DuplicateSection => "Two sections share a name.",
            Code::TooManySections => "More than 50 sections.",
            Code::TooManyRows => "More than 1,000 rows.",
            Code::TooManySeats => "More than 50,000 seats.",
            Code::InvalidRowSize => "A row has not 1 to 500 seats.",
            Code::InvalidRowLabel => "A row label is not 1 to 8 of A-Z a-z 0-9 -.",
            Code::DuplicateRowLabel => "Two rows of a section share a label.",
            Code::DuplicateSeatLabel => "Two seats would share a label.",
            Code::EmptyChange => "A change names nothing to change.",
            Code::InvalidSeatNumbers => {
                "A row's gaps_after, missing or accessible names a seat number it does not have, or one twice."
            }
            Code::InvalidCategory => "A category is not 1 to 32 of A-Z a-z 0-9 _ -.",
            Code::InvalidHoldRequest => {
                "Give either seat_ids or quantity (with an optional category)."
            }
            Code::InvalidSeatCount => "A hold is 1 to 10 seats.",
            Code::InvalidSeatId => "A seat id is not a positive number.",
            Code::DuplicateSeatIds => "A seat id is listed twice.",
            Code::UnknownSeats => "Some seat ids do not exist in the show (`unknown_seat_ids`).",
            Code::IdempotencyKeyReused => "The Idempotency-Key was used for a different request.",
            Code::RateLimited => {
                "Too many such requests from this user, account or address (`Retry-After`)."
            }
            Code::TooManyStreams => {
                "This address has as many live event streams open as it may (`Retry-After`)."
            }
            Code::InternalError => "An unexpected failure; the details are in the service log.",
            Code::ServiceUnavailable => "The database is down, slow, or its pool exhausted: retry.",
            Code::ServiceBusy => "Too much contention to finish now (`Retry-After`): retry.",
            Code::RequestTimeout => {
                "No answer within REQUEST_TIMEOUT_MS: retry (with the same Idempotency-Key for holds)."
            }
            Code::TooManyConnections => {
                "The instance has as many open connections as it takes (`Retry-After`)."
            }
            Code::StreamsFull => {
                "The instance has as many live event streams open as it takes (`Retry-After`)."
            }
            Code::SerializationFailure => {
                "(Internal) a serialization failure or deadlock on its way to the retry loop."
            }
            Code::TransactionAborted => {
                "(Internal) PostgreSQL's echo of an earlier failure in the same transaction."
            }
            Code::IdempotencyRace => {
                "(Internal) a copy of the hold with the same Idempotency-Key committed first."
            }
        }
    }
}

impl Code {
    /// The code a client is answered with: internal codes never leave the service (should
    /// one reach a client, it gets the public code of the same outcome).
    pub fn public(self) -> Code {
        match self {
            Code::SerializationFailure => Code::ServiceBusy,
            Code::TransactionAborted => Code::InternalError,
            Code::IdempotencyRace => Code::SeatsUnavailable,
            code => code,
        }
    }
}

impl Error {
    pub fn new(code: Code, detail: impl Into<String>) -> Self {
        Self {
            code,
            detail: detail.into(),
            seat_ids: Vec::new(),
            retry_after_secs: None,
            checked_in_at: None,
            source: None,
        }
    }

    /// What sort of failure this is.
    pub fn kind(&self) -> ErrorKind {
        self.code.kind()
    }

    /// The database is down, slow or its pool exhausted.
    pub fn unavailable(detail: impl Into<String>) -> Self {
        Self::new(Code::ServiceUnavailable, detail)
    }

    /// Too much contention to finish now (a transaction that kept conflicting, seats
    /// selling faster than they can be picked); a retry soon is likely to succeed.
    pub fn busy(detail: impl Into<String>) -> Self {
        Self {
            retry_after_secs: Some(1),
            ..Self::new(Code::ServiceBusy, detail)
        }
    }

    /// True for [`Error::busy`]: contention, not a dependency that is down.
    pub fn is_busy(&self) -> bool {
        self.code == Code::ServiceBusy
    }

    /// An unexpected failure. `cause` is logged once where the error is answered.
    pub fn internal(cause: impl Into<anyhow::Error>) -> Self {
        Self {
            source: Some(cause.into()),
            ..Self::new(Code::InternalError, "The service failed unexpectedly.")
        }
    }

    /// A copy for a second recipient (errors shared by concurrent requests); the cause is
    /// kept as text.
    pub fn duplicate(&self) -> Self {
        Self {
            code: self.code,
            detail: self.detail.clone(),
            seat_ids: self.seat_ids.clone(),
            retry_after_secs: self.retry_after_secs,
            checked_in_at: self.checked_in_at,
            source: self
                .source
                .as_ref()
                .map(|source| anyhow::anyhow!("{source:#}")),
        }
    }

    pub fn with_seats(mut self, mut seat_ids: Vec<i32>) -> Self {
        seat_ids.sort_unstable();
        seat_ids.dedup();
        self.seat_ids = seat_ids;
        self
    }

    /// A hold ran out before it was confirmed.
    pub fn booking_expired() -> Self {
        Self::new(
            Code::BookingExpired,
            "The hold expired before it was confirmed; its seats have been released.",
        )
    }

    /// A rate limit was hit; a retry after `wait` can succeed.
    pub fn rate_limited(what: &str, wait: std::time::Duration) -> Self {
        let secs = wait.as_secs_f64().ceil().max(1.0) as u64;
        Self {
            retry_after_secs: Some(secs),
            ..Self::new(
                Code::RateLimited,
                format!("Too many {what}; try again in {secs} s."),
            )
        }
    }

    pub fn show_not_found(show_id: i64) -> Self {
        Self::new(Code::ShowNotFound, format!("There is no show {show_id}."))
    }

    pub fn show_cancelled() -> Self {
        Self::new(Code::ShowCancelled, "The show was cancelled.")
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code.as_str(), self.detail)?;
        if let Some(source) = &self.source {
            write!(f, " ({source:#})")?;
        }
        Ok(())
    }
}

impl std::error::Error for Error {}
