//! The whole HTTP surface: the API, its docs, probes, metrics and the built web UI, with
//! the middleware every request passes through (outermost last).

use std::path::Path;
use std::sync::Arc;

use poem::endpoint::{StaticFilesEndpoint, make_sync};
use poem::http::Method;
use poem::middleware::{CatchPanic, Cors};
use poem::web::Html;
use poem::{Endpoint, EndpointExt, Response, Route};

use super::error::problem_response;
use super::middleware::{
    limit_body, limit_reads, method_not_allowed, observe, security_headers, with_timeout,
};
use super::state::AppState;
use crate::config::Settings;
use crate::domain::{Code, Error};

/// The whole HTTP surface: the API, its docs, probes, metrics and the built web UI (from
/// `WEB_DIR`, if any).
pub fn routes(state: Arc<AppState>, settings: &Settings) -> impl Endpoint + use<> {
    let web_dir: &Path = &settings.web_dir;
    let timeout = settings.request_timeout;
    let api = super::service();
    let spec_body = bytes::Bytes::from(super::spec_json());
    let spec = make_sync(move |_| {
        Response::builder()
            .content_type("application/json; charset=utf-8")
            .body(spec_body.clone())
    });
    let docs = api.swagger_ui();
    let probe_state = state.clone();
    let metrics_state = state.clone();
    let mut route = Route::new();
    route = if web_dir.join("index.html").is_file() {
        // The single-page app: unknown paths get index.html (client-side routes); the
        // index itself is never cached, the hashed assets may be.
        route.nest(
            "/",
            StaticFilesEndpoint::new(web_dir)
                .index_file("index.html")
                .fallback_to_index()
                .no_cache_index(),
        )
    } else {
        route.at("/", make_sync(|_| Html(UI_NOT_BUILT)))
    };
    route
        .nest(super::PREFIX, api)
        .nest("/docs", docs)
        .at("/openapi.json", spec)
        .at("/health", make_sync(|_| super::probes::health()))
        .at(
            "/metrics",
            poem::endpoint::make(move |_| {
                let state = metrics_state.clone();
                async move {
                    Response::builder()
                        .content_type("text/plain; version=0.0.4")
                        .body(super::probes::metrics(&state).await)
                }
            }),
        )
        .at(
            "/ready",
            poem::endpoint::make(move |_| {
                let state = probe_state.clone();
                async move { super::probes::ready(&state).await }
            }),
        )
        .around(limit_body)
        .around(limit_reads)
        .around(move |next, req| with_timeout(next, req, timeout))
        // Boxed here: the whole stack as one type is deeper than the compiler follows.
        .boxed()
        .catch_error(|_: poem::error::NotFoundError| async {
            problem_response(Error::new(
                Code::RouteNotFound,
                "There is no such endpoint.",
            ))
        })
        .around(method_not_allowed)
        .with(CatchPanic::new().with_handler(|_| {
            problem_response(Error::internal(anyhow::anyhow!(
                "a request handler panicked"
            )))
        }))
        .with_if(
            !settings.cors_origins.is_empty(),
            cors(&settings.cors_origins),
        )
        .catch_error(|err: poem::error::CorsError| async move {
            problem_response(Error::new(
                Code::CorsNotAllowed,
                format!("Cross-origin request refused: {err}."),
            ))
        })
        .around(security_headers)
        .around(observe)
        .data(state)
}

/// Lets the configured origins (a UI served from elsewhere) call the API from a browser:
/// the headers the API reads, and the ones a client needs to see in answers.
fn cors(origins: &[String]) -> Cors {
    Cors::new()
        .allow_origins(origins.iter().map(String::as_str))
        .allow_methods([
            Method::GET,
            Method::POST,
            Method::PUT,
            Method::PATCH,
            Method::DELETE,
        ])
        .allow_headers([
            "authorization",
            "content-type",
            "idempotency-key",
            "if-none-match",
            "last-event-id",
            "x-request-id",
        ])
        .expose_headers(["etag", "retry-after", "x-request-id"])
        .max_age(600)
}

const UI_NOT_BUILT: &str = "<!doctype html><meta charset=utf-8><title>Tessera</title>\
<h1>Tessera</h1><p>The web UI is not built. Build it with \
<code>cd web &amp;&amp; npm ci &amp;&amp; npm run build</code> and restart the service \
(or point <code>WEB_DIR</code> at a built copy).</p><p>The API lives under <code>/api/v1</code>; \
try it in <a href=\"/docs\">Swagger UI</a> or read <a href=\"/openapi.json\">the spec</a>.</p>";
