//! HTTP middleware: request ids, access log and metrics, the client's address, timeouts,
//! body limits, the per-address read limit, 405s and the browser protections.

use std::sync::Arc;

use poem::http::header::{
    CONTENT_SECURITY_POLICY, REFERRER_POLICY, X_CONTENT_TYPE_OPTIONS, X_FRAME_OPTIONS,
};
use poem::http::{HeaderMap, HeaderName, HeaderValue};
use poem::{Endpoint, IntoResponse, Request, Response};
use tracing::Instrument;

use super::error::problem_response;
use super::state::{AppState, ClientIp};
use crate::domain::limits::MAX_BODY_BYTES;
use crate::domain::{Code, Error};
use crate::ratelimit::{Limit, address_subject};

/// The web UI may run only its own scripts and styles, and talk only to this service.
const UI_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
     img-src 'self' data:; connect-src 'self'; font-src 'self'; object-src 'none'; \
     base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

/// Swagger UI (`/docs`) is one page with its script, styles and the spec inline.
const DOCS_POLICY: &str = "default-src 'self'; script-src 'self' 'unsafe-inline'; \
     style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; \
     object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

/// API answers are data, never pages: nothing in them may load or run.
const DATA_POLICY: &str = "default-src 'none'; frame-ancestors 'none'";

/// Browser protections on every response: a Content-Security-Policy for what the path
/// serves, no content sniffing (a JSON body is never run as a script), no framing
/// (clickjacking) and no Referer leaving the site.
pub async fn security_headers<E: Endpoint>(next: E, req: Request) -> poem::Result<Response> {
    let policy = policy_for(req.uri().path());
    let mut response = match next.call(req).await {
        Ok(response) => response.into_response(),
        Err(err) => err.into_response(),
    };
    set_security_headers(response.headers_mut(), policy);
    Ok(response)
}

/// Counts every API read (`GET`/`HEAD` under the API prefix) against its client address
/// (`RATE_LIMIT_READS_PER_IP`): a browsing person never meets the limit, a script walking
/// through made-up queries does, with 429 `rate_limited` and `Retry-After`.
///
/// The refusal is sent after [`REFUSAL_DELAY`]: refusing costs little, but a client that
/// asks again the moment it is refused, on many connections, would still take the CPU
/// that buyers need; held back, each of its connections asks about once a second.
pub async fn limit_reads<E: Endpoint>(next: E, req: Request) -> poem::Result<Response> {
    let path = req.uri().path();
    let is_read = matches!(
        *req.method(),
        poem::http::Method::GET | poem::http::Method::HEAD
    ) && path.starts_with(super::PREFIX)
        // Probes are the balancer's, not a client's.
        && !(path.ends_with("/health") || path.ends_with("/ready"));
    if is_read
        && let (Some(state), Some(client)) = (
            req.data::<Arc<AppState>>(),
            req.extensions().get::<ClientIp>(),
        )
        && let Err(err) = state
            .limits
            .check(Limit::ReadsPerIp, &address_subject(client.0))
            .await
    {
        tokio::time::sleep(REFUSAL_DELAY).await;
        return Ok(problem_response(err));
    }
    Ok(next.call(req).await?.into_response())
}

/// How long a read over its limit waits for its 429.
const REFUSAL_DELAY: std::time::Duration = std::time::Duration::from_secs(1);

fn policy_for(path: &str) -> &'static str {
    if path.starts_with(super::PREFIX) || path == "/openapi.json" || path == "/metrics" {
        DATA_POLICY
    } else if path == "/docs" || path.starts_with("/docs/") {
        DOCS_POLICY
    } else {
        UI_POLICY
    }
}

fn set_security_headers(headers: &mut HeaderMap, policy: &'static str) {
    headers.insert(CONTENT_SECURITY_POLICY, HeaderValue::from_static(policy));
    headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    headers.insert(
        HeaderName::from_static("permissions-policy"),
        HeaderValue::from_static(PERMISSIONS_POLICY),
    );
}

/// Powerful browser features: only the camera, for this site's own pages (the door staff's
/// check-in page scans tickets with it); nothing else, and nothing for embedded pages.
const PERMISSIONS_POLICY: &str = "camera=(self), microphone=(), geolocation=(), payment=()";

#[cfg(test)]
mod tests {
    use super::policy_for;

    #[test]
    fn only_the_docs_may_run_inline_scripts() {
        assert!(policy_for("/docs").contains("'unsafe-inline'"));
        assert!(policy_for("/docs/oauth-receiver.html").contains("'unsafe-inline'"));
        for path in ["/", "/shows/1", "/assets/index.js", "/api/v1/shows"] {
            assert!(!policy_for(path).contains("unsafe"), "{path}");
        }
        assert!(policy_for("/api/v1/shows").starts_with("default-src 'none'"));
    }
}

/// Answers a method the path does not take with 405 `method_not_allowed` and the `Allow`
/// header RFC 9110 asks for.
pub async fn method_not_allowed<E: Endpoint>(next: E, req: Request) -> poem::Result<Response> {
    let path = req.uri().path().to_owned();
    match next.call(req).await {
        Err(err) if err.is::<poem::error::MethodNotAllowedError>() => {
            let mut response = problem_response(Error::new(
                Code::MethodNotAllowed,
                "This endpoint does not take that method.",
            ));
            if let Ok(allow) = poem::http::HeaderValue::from_str(&allowed_methods(&path)) {
                response
                    .headers_mut()
                    .insert(poem::http::header::ALLOW, allow);
            }
            Ok(response)
        }
        other => Ok(other?.into_response()),
    }
}

/// The methods a path takes, from the spec's operations (`GET` for everything outside
/// the API: probes, metrics, docs, the UI).
fn allowed_methods(path: &str) -> String {
    super::route_template(path).map_or_else(|| "GET".into(), |t| t.methods.clone())
}

/// Answers 503 `request_timeout` when a request has no response within `timeout`. Only
/// producing the response is timed: an event stream, once started, runs on. A write that
/// committed just before the cut-off stands; clients retry holds with the same
/// Idempotency-Key to learn the outcome.
pub async fn with_timeout<E: Endpoint>(
    next: E,
    req: Request,
    timeout: std::time::Duration,
) -> poem::Result<Response> {
    match tokio::time::timeout(timeout, next.call(req)).await {
        Ok(result) => Ok(result?.into_response()),
        Err(_) => Ok(problem_response(Error::new(
            Code::RequestTimeout,
            format!(
                "The request took longer than {} ms; try again.",
                timeout.as_millis()
            ),
        ))),
    }
}

/// Gives every request an id (a well-formed incoming `X-Request-Id`, else a new one) that is
/// returned in the response and carried by every log line of the request, and records the
/// request's count and latency by route and status.
pub async fn observe<E: Endpoint>(next: E, mut req: Request) -> poem::Result<Response> {
    let request_id = req
        .headers()
        .get(REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|id| {
            // Echoed into logs and headers: only short, plain tokens are taken as given.
            (1..=128).contains(&id.len())
                && id
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
        })
        .map(str::to_owned)
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    let trust_forwarded_for = req
        .data::<Arc<AppState>>()
        .is_some_and(|state| state.trust_forwarded_for);
    let client_ip = client_ip(&req, trust_forwarded_for);
    req.extensions_mut().insert(client_ip);
    let method = method_label(req.method());
    let route = route_label(req.uri().path());
    // The access log names the address the limits use (the peer, or behind a trusted
    // balancer the entry it appended), never one a client could write into a header.
    let span = tracing::info_span!("request", %request_id, client = %client_ip.0);
    let (http_method, uri) = (req.method().clone(), req.uri().clone());
    let start = std::time::Instant::now();
    let mut response = match next.call(req).instrument(span.clone()).await {
        Ok(response) => response.into_response(),
        Err(err) => err.into_response(),
    };
    span.in_scope(|| {
        tracing::info!(
            method = %http_method,
            %uri,
            status = response.status().as_u16(),
            elapsed_ms = start.elapsed().as_secs_f64() * 1000.0,
            "answered"
        );
    });
    metrics::histogram!(crate::metrics::HTTP_DURATION, "method" => method, "route" => route)
        .record(start.elapsed().as_secs_f64());
    metrics::counter!(
        crate::metrics::HTTP_REQUESTS,
        "method" => method,
        "route" => route,
        "status" => response.status().as_u16().to_string()
    )
    .increment(1);
    if let Ok(value) = poem::http::HeaderValue::from_str(&request_id) {
        response.headers_mut().insert(REQUEST_ID, value);
    }
    Ok(response)
}

const REQUEST_ID: &str = "x-request-id";

/// The peer's address, or behind a trusted load balancer the last `X-Forwarded-For`
/// entry: the one that balancer appended, which a client cannot forge (entries before it
/// can be).
fn client_ip(req: &Request, trust_forwarded_for: bool) -> ClientIp {
    let forwarded = trust_forwarded_for
        .then(|| {
            req.headers()
                .get_all("x-forwarded-for")
                .iter()
                .filter_map(|v| v.to_str().ok())
                .flat_map(|v| v.split(','))
                .next_back()
                .and_then(|last| last.trim().parse().ok())
        })
        .flatten();
    let peer = req
        .remote_addr()
        .as_socket_addr()
        .map(|addr| addr.ip())
        .unwrap_or(std::net::IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED));
    ClientIp(forwarded.unwrap_or(peer))
}

/// Refuses bodies over [`MAX_BODY_BYTES`] with 413, whether or not they declare their
/// length, and before anything parses them.
///
/// The client is still sending when the answer is ready; closing the connection with its
/// bytes unread makes the kernel reset it, and the client sees a broken pipe instead of
/// the 413. So the rest of the body is read and dropped first (up to [`DRAIN_MAX_BYTES`],
/// for at most [`DRAIN_TIME`]); a body too large even for that gets its answer with
/// `Connection: close` and whatever the client's network stack makes of it.
pub async fn limit_body<E: Endpoint>(next: E, mut req: Request) -> poem::Result<Response> {
    let declared = req
        .headers()
        .get(poem::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let may_have_body = matches!(
        *req.method(),
        poem::http::Method::POST | poem::http::Method::PUT | poem::http::Method::PATCH
    );
    if may_have_body && declared.is_some_and(|len| len > MAX_BODY_BYTES as u64) {
        let drained = drain(req.take_body()).await;
        return Ok(too_large(drained));
    }
    if declared.is_none() && may_have_body {
        // Chunked or unknown length: read up to the limit, then hand the bytes on.
        let mut body = req.take_body().into_async_read();
        let mut bytes = Vec::new();
        let read = tokio::io::AsyncReadExt::read_to_end(
            &mut tokio::io::AsyncReadExt::take(&mut body, MAX_BODY_BYTES as u64 + 1),
            &mut bytes,
        )
        .await;
        match read {
            Ok(_) if bytes.len() > MAX_BODY_BYTES => {
                let drained = drain(poem::Body::from_async_read(body)).await;
                return Ok(too_large(drained));
            }
            Ok(_) => req.set_body(bytes),
            Err(err) => {
                return Ok(problem_response(Error::new(
                    Code::InvalidBody,
                    format!("Could not read the request body: {err}"),
                )));
            }
        }
    }
    Ok(next.call(req).await?.into_response())
}

/// The most of an oversized body read (and dropped) so its sender gets to read the 413.
const DRAIN_MAX_BYTES: u64 = 8 << 20;
/// The longest time spent reading it.
const DRAIN_TIME: std::time::Duration = std::time::Duration::from_secs(5);

/// Reads and drops the rest of `body`; true when it ended within the bounds.
async fn drain(body: poem::Body) -> bool {
    let mut rest = tokio::io::AsyncReadExt::take(body.into_async_read(), DRAIN_MAX_BYTES + 1);
    let read = tokio::time::timeout(
        DRAIN_TIME,
        tokio::io::copy(&mut rest, &mut tokio::io::sink()),
    )
    .await;
    matches!(read, Ok(Ok(n)) if n <= DRAIN_MAX_BYTES)
}

/// The 413 answer; with `Connection: close` when the body was not read to its end.
fn too_large(drained: bool) -> Response {
    let mut response = problem_response(Error::new(
        Code::PayloadTooLarge,
        format!("Request bodies are limited to {MAX_BODY_BYTES} bytes."),
    ));
    if !drained {
        response.headers_mut().insert(
            poem::http::header::CONNECTION,
            poem::http::HeaderValue::from_static("close"),
        );
    }
    response
}

/// A request path as a metric label: an API path becomes its template from the spec
/// (`/api/v1/shows/{id}/seats`) and any other API path `unmatched`; the web UI's files
/// are one label. Clients choose paths, so a label must never be taken from one as it is:
/// every distinct label is a series kept for the life of the process.
fn route_label(path: &str) -> &'static str {
    const OWN: [&str; 4] = ["/metrics", "/health", "/ready", "/openapi.json"];
    if path.starts_with(super::PREFIX) {
        return super::route_template(path).map_or("unmatched", |t| t.path.as_str());
    }
    if path == "/docs" || path.starts_with("/docs/") {
        return "/docs";
    }
    OWN.into_iter().find(|own| *own == path).unwrap_or("/ui")
}

/// A request method as a metric label: the standard ones, else `other` (a client may
/// send any token as a method).
fn method_label(method: &poem::http::Method) -> &'static str {
    const STANDARD: [&str; 7] = ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"];
    STANDARD
        .into_iter()
        .find(|standard| *standard == method.as_str())
        .unwrap_or("other")
}

#[cfg(test)]
mod label_tests {
    use super::route_label;

    #[test]
    fn route_labels_keep_cardinality_small() {
        assert_eq!(
            route_label("/api/v1/shows/42/seats"),
            "/api/v1/shows/{id}/seats"
        );
        assert_eq!(
            route_label("/api/v1/bookings/6f9619ff-8b86-d011-b42d-00cf4fc964ff/confirm"),
            "/api/v1/bookings/{id}/confirm"
        );
        assert_eq!(route_label("/assets/index-4f3a.js"), "/ui");
        assert_eq!(route_label("/docs/swagger-ui.css"), "/docs");
        assert_eq!(route_label("/metrics"), "/metrics");
        assert_eq!(route_label("/api/v1/shows"), "/api/v1/shows");
        assert_eq!(route_label("/api/v1/shows/42/nope"), "unmatched");
        assert_eq!(route_label("/api/v1/random-thing"), "unmatched");
        assert_eq!(route_label("/api/v1/shows//seats"), "unmatched");
    }

    #[test]
    fn method_labels_are_a_fixed_set() {
        use super::method_label;
        assert_eq!(method_label(&poem::http::Method::POST), "POST");
        let made_up = poem::http::Method::from_bytes(b"BREW").unwrap();
        assert_eq!(method_label(&made_up), "other");
    }
}
