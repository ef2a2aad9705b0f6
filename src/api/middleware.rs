//! HTTP middleware that shapes every response, and the per-address read limit.

use poem::http::header::{
    CONTENT_SECURITY_POLICY, REFERRER_POLICY, X_CONTENT_TYPE_OPTIONS, X_FRAME_OPTIONS,
};
use poem::http::{HeaderMap, HeaderValue};
use poem::{Endpoint, IntoResponse, Request, Response};

use crate::app::{AppState, ClientIp};
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
            req.data::<std::sync::Arc<AppState>>(),
            req.extensions().get::<ClientIp>(),
        )
        && let Err(err) = state
            .limits
            .check(Limit::ReadsPerIp, &address_subject(client.0))
            .await
    {
        tokio::time::sleep(REFUSAL_DELAY).await;
        return Ok(super::error::problem_response(err));
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
}

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
