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

/// A domain failure: kind, stable code, human-readable detail, and for seat conflicts the
/// seats concerned.
#[derive(Debug)]
pub struct Error {
    pub kind: ErrorKind,
    pub code: &'static str,
    pub detail: String,
    /// Seats that caused a `seats_unavailable` / `unknown_seats` failure.
    pub seat_ids: Vec<i32>,
    /// With [`ErrorKind::RateLimited`] and [`Error::busy`]: whole seconds until a retry
    /// can succeed.
    pub retry_after_secs: Option<u64>,
    /// The underlying cause of an internal failure, for the log only.
    pub source: Option<anyhow::Error>,
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// The code of [`Error::busy`].
const BUSY: &str = "service_busy";

impl Error {
    pub fn new(kind: ErrorKind, code: &'static str, detail: impl Into<String>) -> Self {
        Self {
            kind,
            code,
            detail: detail.into(),
            seat_ids: Vec::new(),
            retry_after_secs: None,
            source: None,
        }
    }

    pub fn invalid(code: &'static str, detail: impl Into<String>) -> Self {
        Self::new(ErrorKind::Invalid, code, detail)
    }

    pub fn not_found(code: &'static str, detail: impl Into<String>) -> Self {
        Self::new(ErrorKind::NotFound, code, detail)
    }

    pub fn conflict(code: &'static str, detail: impl Into<String>) -> Self {
        Self::new(ErrorKind::Conflict, code, detail)
    }

    pub fn unavailable(detail: impl Into<String>) -> Self {
        Self::new(ErrorKind::Unavailable, "service_unavailable", detail)
    }

    /// Too much contention to finish now (a transaction that kept conflicting, seats
    /// selling faster than they can be picked); a retry soon is likely to succeed.
    pub fn busy(detail: impl Into<String>) -> Self {
        Self {
            retry_after_secs: Some(1),
            ..Self::new(ErrorKind::Unavailable, BUSY, detail)
        }
    }

    /// True for [`Error::busy`]: contention, not a dependency that is down.
    pub fn is_busy(&self) -> bool {
        self.code == BUSY
    }

    pub fn unauthenticated(code: &'static str, detail: impl Into<String>) -> Self {
        Self::new(ErrorKind::Unauthenticated, code, detail)
    }

    /// An unexpected failure. `cause` is logged once where the error is answered.
    pub fn internal(cause: impl Into<anyhow::Error>) -> Self {
        Self {
            source: Some(cause.into()),
            ..Self::new(
                ErrorKind::Internal,
                "internal_error",
                "The service failed unexpectedly.",
            )
        }
    }

    /// A copy for a second recipient (errors shared by concurrent requests); the cause is
    /// kept as text.
    pub fn duplicate(&self) -> Self {
        Self {
            kind: self.kind,
            code: self.code,
            detail: self.detail.clone(),
            seat_ids: self.seat_ids.clone(),
            retry_after_secs: self.retry_after_secs,
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
        Self::conflict(
            "booking_expired",
            "The hold expired before it was confirmed; its seats have been released.",
        )
    }

    /// A rate limit was hit; a retry after `wait` can succeed.
    pub fn rate_limited(what: &str, wait: std::time::Duration) -> Self {
        let secs = wait.as_secs_f64().ceil().max(1.0) as u64;
        Self {
            retry_after_secs: Some(secs),
            ..Self::new(
                ErrorKind::RateLimited,
                "rate_limited",
                format!("Too many {what}; try again in {secs} s."),
            )
        }
    }

    pub fn show_not_found(show_id: i64) -> Self {
        Self::not_found("show_not_found", format!("There is no show {show_id}."))
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.detail)?;
        if let Some(source) = &self.source {
            write!(f, " ({source:#})")?;
        }
        Ok(())
    }
}

impl std::error::Error for Error {}
