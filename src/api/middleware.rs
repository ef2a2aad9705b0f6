//! HTTP middleware that shapes every response.

use poem::http::header::{
    CONTENT_SECURITY_POLICY, REFERRER_POLICY, X_CONTENT_TYPE_OPTIONS, X_FRAME_OPTIONS,
};
use poem::http::{HeaderMap, HeaderValue};
use poem::{Endpoint, IntoResponse, Request, Response};

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
