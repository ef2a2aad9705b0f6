//! The one place that turns errors into HTTP responses.
//!
//! * [`status_of`] is the single table from domain error kinds to HTTP statuses.
//! * [`Problem`] is the `application/problem+json` body every error response carries.
//! * [`endpoint_response!`] declares an endpoint's response enum listing exactly the
//!   statuses it can return, with a `bad_request_handler` so that parse and validation
//!   failures caught by poem-openapi also answer with a JSON problem, never text/plain.

use poem_openapi::Object;
use poem_openapi::error::{
    AuthorizationError, ContentTypeError, ParseParamError, ParsePathError, ParseRequestPayloadError,
};

use crate::domain::{Code, Error, ErrorKind};

/// An RFC 9457 problem document with a stable machine-readable `code`.
#[derive(Debug, Clone, Object)]
pub struct Problem {
    /// Always `about:blank`: the `code` says what went wrong.
    #[oai(rename = "type")]
    pub problem_type: String,
    /// Short summary of the status.
    pub title: String,
    /// The HTTP status, repeated.
    pub status: u16,
    /// Stable snake_case error code, e.g. `seats_unavailable`.
    pub code: String,
    /// Human-readable explanation of this occurrence.
    pub detail: String,
    /// With `seats_unavailable`: the requested seats that are held or booked.
    #[oai(skip_serializing_if_is_none)]
    pub unavailable_seat_ids: Option<Vec<i32>>,
    /// With `unknown_seats`: the requested seats that the show does not have.
    #[oai(skip_serializing_if_is_none)]
    pub unknown_seat_ids: Option<Vec<i32>>,
    /// With `rate_limited` and `service_busy`: seconds to wait before retrying (also in
    /// `Retry-After`).
    #[oai(skip_serializing_if_is_none)]
    pub retry_after_seconds: Option<u64>,
    /// With `already_checked_in`: when the ticket was first checked in.
    #[oai(skip_serializing_if_is_none)]
    pub checked_in_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// HTTP status for each kind of failure: the only such table in the service.
pub const fn status_of(kind: ErrorKind) -> u16 {
    match kind {
        ErrorKind::BadRequest => 400,
        ErrorKind::Unauthenticated => 401,
        ErrorKind::Forbidden => 403,
        ErrorKind::NotFound => 404,
        ErrorKind::MethodNotAllowed => 405,
        ErrorKind::Conflict => 409,
        ErrorKind::PayloadTooLarge => 413,
        ErrorKind::UnsupportedMediaType => 415,
        ErrorKind::Invalid => 422,
        ErrorKind::RateLimited => 429,
        ErrorKind::Internal => 500,
        ErrorKind::Unavailable => 503,
    }
}

impl Problem {
    /// Builds the client-facing problem. Internal errors are logged here, once, with
    /// their cause; the client sees only an opaque message.
    pub fn from_error(err: Error) -> Self {
        let code = err.code.public();
        let status = status_of(code.kind());
        metrics::counter!(crate::metrics::ERRORS, "code" => code.as_str(), "status" => status.to_string())
            .increment(1);
        if code.kind() == ErrorKind::Internal {
            tracing::error!(error = %err, "internal error");
        }
        let seats = (!err.seat_ids.is_empty()).then_some(err.seat_ids);
        let (unavailable_seat_ids, unknown_seat_ids) = match code {
            Code::SeatsUnavailable => (seats, None),
            Code::UnknownSeats => (None, seats),
            _ => (None, None),
        };
        Self {
            problem_type: "about:blank".into(),
            title: poem::http::StatusCode::from_u16(status)
                .ok()
                .and_then(|s| s.canonical_reason())
                .unwrap_or("Error")
                .into(),
            status,
            code: code.as_str().into(),
            detail: err.detail,
            unavailable_seat_ids,
            unknown_seat_ids,
            retry_after_seconds: err.retry_after_secs,
            checked_in_at: err.checked_in_at,
        }
    }
}

/// Turns a failure that poem or poem-openapi raised before a handler ran (unparsable
/// JSON, wrong types, bad parameters, wrong content type, missing token) into a domain
/// error, so it is answered like every other error.
pub fn request_error(err: &poem::Error) -> Error {
    if let Some(err) = err.downcast_ref::<Error>() {
        return err.duplicate();
    }
    if err.is::<ParseRequestPayloadError>() {
        return Error::new(Code::InvalidBody, err.to_string());
    }
    if let Some(param) = err.downcast_ref::<ParseParamError>()
        && param.name == "limit"
    {
        return Error::new(Code::InvalidLimit, err.to_string());
    }
    if let Some(param) = err.downcast_ref::<ParsePathError>()
        && is_path_placeholder(param.name)
    {
        return Error::new(
            Code::InvalidParameter,
            format!(
                "The path parameter `{PATH_PARAMETER}` is malformed: {}",
                param.reason
            ),
        );
    }
    if err.is::<ParseParamError>() || err.is::<ParsePathError>() {
        return Error::new(Code::InvalidParameter, err.to_string());
    }
    if err.is::<ContentTypeError>() {
        return Error::new(
            Code::UnsupportedMediaType,
            "Send the request body as application/json.",
        );
    }
    if err.is::<AuthorizationError>() {
        return Error::new(
            Code::MissingToken,
            "Send a bearer token: Authorization: Bearer <access_token>.",
        );
    }
    match err.status().as_u16() {
        413 => Error::new(Code::PayloadTooLarge, "The request body is too large."),
        status if status < 500 => Error::new(Code::BadRequest, err.to_string()),
        _ => Error::internal(anyhow::anyhow!("request extraction failed: {err}")),
    }
}

/// The name of every path parameter of the API: each path has at most one, `id` (a test
/// over the spec keeps it so).
pub const PATH_PARAMETER: &str = "id";

/// poem-openapi reports a path parameter that fails to parse under its routing name
/// (`param0`, `param1`, …), not the name the spec gives it.
fn is_path_placeholder(name: &str) -> bool {
    name.strip_prefix("param")
        .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

/// Answers a handler's result: `Ok` through `ok`, an error through the endpoint's error
/// variants.
pub fn reply<T, R: From<Error>>(result: Result<T, Error>, ok: impl FnOnce(T) -> R) -> R {
    match result {
        Ok(value) => ok(value),
        Err(err) => err.into(),
    }
}

/// The `bad_request_handler` of every endpoint response enum.
pub fn bad_request<T: From<Error>>(err: poem::Error) -> T {
    T::from(request_error(&err))
}

/// The error variant of a response enum, built from its problem.
#[doc(hidden)]
#[macro_export]
macro_rules! error_variant {
    ($name:ident, RateLimited, $problem:expr) => {{
        let problem = $problem;
        let retry_after = problem.retry_after_seconds.unwrap_or(1);
        $name::RateLimited(poem_openapi::payload::Json(problem), retry_after)
    }};
    ($name:ident, Unavailable, $problem:expr) => {{
        let problem = $problem;
        let retry_after = problem.retry_after_seconds;
        $name::Unavailable(poem_openapi::payload::Json(problem), retry_after)
    }};
    ($name:ident, $err:ident, $problem:expr) => {
        $name::$err(poem_openapi::payload::Json($problem))
    };
}

/// Declares an endpoint's response enum: its success variants, then the kinds of error it
/// can answer with, each named as its [`ErrorKind`] with the [`Code`]s of that kind this
/// endpoint uses (the spec documents exactly those; `Internal` must be listed). Each error
/// variant carries a [`Problem`]; converting a domain error picks the variant by the
/// error's kind. A kind or code the endpoint did not declare is a bug: logged and answered
/// as 500 (and refused outright in debug builds, so the tests and the fuzzer find it).
///
/// The statuses of the variants' `oai` attributes are the one place besides [`status_of`]
/// where statuses are written; the spec tests hold the two equal.
#[macro_export]
macro_rules! endpoint_response {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $( $(#[doc = $doc:literal])* $status:literal => $variant:ident $( ( $($field:tt)* ) )?, )*
        }
        errors: [$($err:ident: [$($code:ident),* $(,)?]),* $(,)?]
    ) => {
        impl $name {
            /// The error codes this endpoint answers with, by status: what the spec
            /// documents for it, and all it may answer (checked in debug builds).
            pub const CODES: &'static [(u16, &'static [$crate::domain::Code])] = &[
                $( ($crate::api::error::status_of($crate::domain::ErrorKind::$err), &[$($crate::domain::Code::$code),*]) ),*
            ];
        }
        $crate::endpoint_response!(@munch
            [$(#[$meta])*] [$vis] [$name]
            [$( $(#[doc = $doc])* #[oai(status = $status)] $variant $( ( $($field)* ) )?, )*]
            [$($err)*]
            [$($err)*]
        );
    };
    (@munch $meta:tt $vis:tt $name:tt [$($acc:tt)*] [BadRequest $($rest:ident)*] $all:tt) => {
        $crate::endpoint_response!(@munch $meta $vis $name [$($acc)*
            /// The request could not be parsed: malformed JSON, wrong JSON types, a bad
            /// parameter or cursor (`invalid_body`, `invalid_parameter`, `invalid_limit`,
            /// `invalid_cursor`).
            #[oai(status = 400, content_type = "application/problem+json")]
            BadRequest(poem_openapi::payload::Json<$crate::api::error::Problem>),
        ] [$($rest)*] $all);
    };
    (@munch $meta:tt $vis:tt $name:tt [$($acc:tt)*] [Unauthenticated $($rest:ident)*] $all:tt) => {
        $crate::endpoint_response!(@munch $meta $vis $name [$($acc)*
            /// No valid bearer token (`missing_token`, `invalid_token`), or wrong
            /// credentials (`invalid_credentials`).
            #[oai(status = 401, content_type = "application/problem+json")]
            Unauthenticated(poem_openapi::payload::Json<$crate::api::error::Problem>),
        ] [$($rest)*] $all);
    };
    (@munch $meta:tt $vis:tt $name:tt [$($acc:tt)*] [Forbidden $($rest:ident)*] $all:tt) => {
        $crate::endpoint_response!(@munch $meta $vis $name [$($acc)*
            /// The token is valid but lacks the admin role (`admin_only`).
            #[oai(status = 403, content_type = "application/problem+json")]
            Forbidden(poem_openapi::payload::Json<$crate::api::error::Problem>),
        ] [$($rest)*] $all);
    };
    (@munch $meta:tt $vis:tt $name:tt [$($acc:tt)*] [NotFound $($rest:ident)*] $all:tt) => {
        $crate::endpoint_response!(@munch $meta $vis $name [$($acc)*
            /// No such resource, or not the caller's.
            #[oai(status = 404, content_type = "application/problem+json")]
            NotFound(poem_openapi::payload::Json<$crate::api::error::Problem>),
        ] [$($rest)*] $all);
    };
    (@munch $meta:tt $vis:tt $name:tt [$($acc:tt)*] [Conflict $($rest:ident)*] $all:tt) => {
        $crate::endpoint_response!(@munch $meta $vis $name [$($acc)*
            /// The current state does not allow this; `code` says why.
            #[oai(status = 409, content_type = "application/problem+json")]
            Conflict(poem_openapi::payload::Json<$crate::api::error::Problem>),
        ] [$($rest)*] $all);
    };
    (@munch $meta:tt $vis:tt $name:tt [$($acc:tt)*] [PayloadTooLarge $($rest:ident)*] $all:tt) => {
        $crate::endpoint_response!(@munch $meta $vis $name [$($acc)*
            /// The request body is larger than 256 KiB (`payload_too_large`).
            #[oai(status = 413, content_type = "application/problem+json")]
            PayloadTooLarge(poem_openapi::payload::Json<$crate::api::error::Problem>),
        ] [$($rest)*] $all);
    };
    (@munch $meta:tt $vis:tt $name:tt [$($acc:tt)*] [UnsupportedMediaType $($rest:ident)*] $all:tt) => {
        $crate::endpoint_response!(@munch $meta $vis $name [$($acc)*
            /// The body is not `application/json` (`unsupported_media_type`).
            #[oai(status = 415, content_type = "application/problem+json")]
            UnsupportedMediaType(poem_openapi::payload::Json<$crate::api::error::Problem>),
        ] [$($rest)*] $all);
    };
    (@munch $meta:tt $vis:tt $name:tt [$($acc:tt)*] [Invalid $($rest:ident)*] $all:tt) => {
        $crate::endpoint_response!(@munch $meta $vis $name [$($acc)*
            /// Well-formed but invalid: a limit or rule is broken; `code` says which.
            #[oai(status = 422, content_type = "application/problem+json")]
            Invalid(poem_openapi::payload::Json<$crate::api::error::Problem>),
        ] [$($rest)*] $all);
    };
    (@munch $meta:tt $vis:tt $name:tt [$($acc:tt)*] [RateLimited $($rest:ident)*] $all:tt) => {
        $crate::endpoint_response!(@munch $meta $vis $name [$($acc)*
            /// Too many such requests from this user or address (`rate_limited`);
            /// `Retry-After` says how many seconds to wait.
            #[oai(status = 429, content_type = "application/problem+json")]
            RateLimited(
                poem_openapi::payload::Json<$crate::api::error::Problem>,
                #[oai(header = "Retry-After")] u64,
            ),
        ] [$($rest)*] $all);
    };
    (@munch $meta:tt $vis:tt $name:tt [$($acc:tt)*] [Internal $($rest:ident)*] $all:tt) => {
        $crate::endpoint_response!(@munch $meta $vis $name [$($acc)*
            /// An unexpected failure (`internal_error`); details are in the service log.
            #[oai(status = 500, content_type = "application/problem+json")]
            Internal(poem_openapi::payload::Json<$crate::api::error::Problem>),
        ] [$($rest)*] $all);
    };
    (@munch $meta:tt $vis:tt $name:tt [$($acc:tt)*] [Unavailable $($rest:ident)*] $all:tt) => {
        $crate::endpoint_response!(@munch $meta $vis $name [$($acc)*
            /// The database is down, slow or saturated (`service_unavailable`,
            /// `service_busy`); retry later (after `Retry-After` seconds when given).
            #[oai(status = 503, content_type = "application/problem+json")]
            Unavailable(
                poem_openapi::payload::Json<$crate::api::error::Problem>,
                #[oai(header = "Retry-After")] Option<u64>,
            ),
        ] [$($rest)*] $all);
    };
    (@munch [$($meta:tt)*] [$vis:vis] [$name:ident] [$($acc:tt)*] [] [$($err:ident)*]) => {
        $($meta)*
        #[derive(poem_openapi::ApiResponse)]
        #[oai(bad_request_handler = "crate::api::error::bad_request")]
        $vis enum $name {
            $($acc)*
        }

        impl From<$crate::domain::Error> for $name {
            fn from(err: $crate::domain::Error) -> Self {
                let code = err.code.public();
                if !Self::CODES.iter().any(|(_, codes)| codes.contains(&code)) {
                    tracing::error!(
                        code = code.as_str(),
                        endpoint = stringify!($name),
                        "an endpoint answered with a code its response enum does not list"
                    );
                    debug_assert!(
                        false,
                        "{} answered `{}`, which it does not list",
                        stringify!($name),
                        code.as_str()
                    );
                }
                let problem = $crate::api::error::Problem::from_error(err);
                $(
                    if problem.status == $crate::api::error::status_of($crate::domain::ErrorKind::$err) {
                        return $crate::error_variant!($name, $err, problem);
                    }
                )*
                tracing::error!(
                    status = problem.status,
                    code = %problem.code,
                    endpoint = stringify!($name),
                    "an endpoint returned a status its response enum does not declare"
                );
                Self::Internal(poem_openapi::payload::Json($crate::api::error::Problem::from_error(
                    $crate::domain::Error::internal(anyhow::anyhow!("undeclared status")),
                )))
            }
        }
    };
}

/// A problem+json response outside poem-openapi (middleware, fallbacks).
pub fn problem_response(err: Error) -> poem::Response {
    use poem::http::StatusCode;
    let problem = Problem::from_error(err);
    let status = StatusCode::from_u16(problem.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let body = poem_openapi::types::ToJSON::to_json_string(&problem);
    let mut response = poem::Response::builder()
        .status(status)
        .content_type("application/problem+json");
    if let Some(secs) = problem.retry_after_seconds {
        response = response.header(poem::http::header::RETRY_AFTER, secs);
    }
    response.body(body)
}
