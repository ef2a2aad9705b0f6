//! Building and running the service: database, migrations, admin account, routes,
//! background sweeper, graceful shutdown.

use std::future::Future;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

use anyhow::Context;
use poem::endpoint::{StaticFilesEndpoint, make_sync};
use poem::http::Method;
use poem::middleware::{CatchPanic, Cors};
use poem::web::Html;
use poem::{Endpoint, EndpointExt, IntoResponse, Request, Response, Route};
use tokio::sync::watch;
use tracing::Instrument;

use crate::api;
use crate::api::error::problem_response;
use crate::api::seat_json::SeatLayouts;
use crate::auth::{self, TokenVersions, Tokens};
use crate::cache::redis::Redis;
use crate::cache::{Hub, ReadCache};
use crate::config::{DEFAULT_ADMIN_PASSWORD, Settings};
use crate::domain::limits::MAX_BODY_BYTES;
use crate::domain::{Error, ErrorKind};
use crate::ratelimit::RateLimiter;
use crate::store::bookings::HoldRules;
use crate::store::embedded::EmbeddedPostgres;
use crate::store::{Db, PoolSettings, migrate, settings};
use crate::worker::{memory, relay, sweeper};

/// What every request handler shares.
pub struct AppState {
    pub db: Db,
    pub cache: Arc<Hub>,
    /// Seat maps' fixed parts, prepared once per show (see [`crate::api::seat_json`]).
    pub seat_layouts: SeatLayouts,
    pub tokens: Tokens,
    /// Users' current token versions (revoked tokens are refused).
    pub token_versions: TokenVersions,
    pub hold_rules: HoldRules,
    pub limits: RateLimiter,
    /// Open live event streams, capped per client address and in all.
    pub streams: Arc<api::events::StreamSlots>,
    /// Whether the client address comes from `X-Forwarded-For` (behind a load balancer).
    pub trust_forwarded_for: bool,
    /// Turns true when the service shuts down: background tasks and event streams end.
    pub stop: watch::Sender<bool>,
}

/// A service ready to serve: listener bound, database migrated.
pub struct Application {
    listener: tokio::net::TcpListener,
    state: Arc<AppState>,
    settings: Settings,
    /// The private cluster of the embedded default, stopped after the server.
    embedded: Option<EmbeddedPostgres>,
}

/// Connects to (or starts) PostgreSQL and applies migrations.
pub async fn database(settings: &Settings) -> anyhow::Result<(Db, Option<EmbeddedPostgres>)> {
    let (url, embedded) = match &settings.database_url {
        Some(url) => (url.clone(), None),
        None => {
            tracing::info!(
                data_dir = %settings.data_dir.display(),
                "DATABASE_URL is not set: using a private PostgreSQL (the embedded default)"
            );
            let pg = EmbeddedPostgres::start(&settings.data_dir.join("postgres")).await?;
            (pg.url(), Some(pg))
        }
    };
    let db = Db::connect(&PoolSettings {
        url,
        max_size: settings.pool_size,
        read_max_size: settings.read_pool_size,
        timeout: settings.database_timeout,
    })?;
    if let Err(err) = migrate::run(&db).await {
        if let Some(pg) = &embedded {
            pg.stop();
        }
        return Err(err);
    }
    Ok((db, embedded))
}

impl Application {
    /// Binds the listener (port 0 picks a free port) and prepares everything else.
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        settings.check_deployment()?;
        // Install the metrics recorder before anything records.
        crate::metrics::handle();
        let (db, embedded) = database(&settings).await?;
        let result = async {
            let secret = settings::jwt_secret(&db, settings.jwt_secret.as_deref())
                .await
                .map_err(|e| anyhow::anyhow!("reading the token secret: {e}"))?;
            ensure_admin(&db, &settings).await?;
            if embedded.is_some() && crate::seed::load_samples_if_empty(&db).await? {
                tracing::info!(
                    "loaded the sample layouts and shows (cinema, coach, clinic, arena)"
                );
            }
            let listener = tokio::net::TcpListener::bind(settings.bind_addr)
                .await
                .with_context(|| format!("binding {}", settings.bind_addr))?;
            Ok::<_, anyhow::Error>((secret, listener))
        }
        .await;
        let (secret, listener) = match result {
            Ok(ok) => ok,
            Err(err) => {
                if let Some(pg) = &embedded {
                    pg.stop();
                }
                return Err(err);
            }
        };
        let redis = match &settings.redis_url {
            Some(url) => {
                tracing::info!(
                    "caching in process and in Redis; changes travel over Redis pub/sub"
                );
                Some(Arc::new(Redis::new(
                    url,
                    &settings.redis_namespace,
                    settings.redis_timeout,
                )?))
            }
            None => {
                tracing::info!(
                    "REDIS_URL is not set: in-process cache and bus (fine for one instance; \
                     set REDIS_URL to run several)"
                );
                None
            }
        };
        let state = Arc::new(AppState {
            db,
            cache: Arc::new(Hub::new(
                ReadCache::new(settings.cache_ttl, settings.cache_max_bytes),
                redis.clone(),
            )),
            seat_layouts: SeatLayouts::new(SEAT_LAYOUTS_MAX_BYTES),
            tokens: Tokens::new(&secret, settings.token_ttl),
            token_versions: TokenVersions::default(),
            hold_rules: HoldRules {
                ttl_secs: settings.hold_ttl_secs,
                max_held_seats: settings.max_held_seats,
            },
            limits: RateLimiter::new(settings.rate_limits, redis.clone()),
            streams: api::events::StreamSlots::new(
                settings.connections.max_event_streams,
                settings.connections.max_event_streams_per_ip,
            ),
            trust_forwarded_for: settings.trust_forwarded_for,
            stop: watch::channel(false).0,
        });

        Ok(Self {
            listener,
            state,
            settings,
            embedded,
        })
    }

    /// The address actually bound.
    pub fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .unwrap_or(self.settings.bind_addr)
    }

    pub fn state(&self) -> Arc<AppState> {
        self.state.clone()
    }

    /// Serves until `shutdown` completes, then lets in-flight requests finish (within the
    /// grace period), stops the sweeper and the embedded database.
    pub async fn run_until(self, shutdown: impl Future<Output = ()> + Send) -> anyhow::Result<()> {
        let stop_rx = self.state.stop.subscribe();
        let subscriber = tokio::spawn(self.state.cache.clone().run_subscriber(stop_rx.clone()));
        let publisher = tokio::spawn(self.state.cache.clone().run_publisher());
        let sweeper = tokio::spawn(sweeper::run(
            self.state.clone(),
            self.settings.sweep_interval,
            stop_rx.clone(),
        ));
        let relay = tokio::spawn(relay::run(
            self.state.db.clone(),
            self.state.cache.redis().cloned(),
            stop_rx.clone(),
        ));
        let trim = tokio::spawn(memory::run(stop_rx.clone()));
        tracing::info!(addr = %self.local_addr(), "Tessera is listening (API /api/v1, docs /docs)");
        let state = self.state.clone();
        let shutdown = async move {
            shutdown.await;
            // End event streams and background work, so draining does not wait on them.
            let _ = state.stop.send(true);
        };
        crate::server::serve(
            self.listener,
            routes(self.state.clone(), &self.settings),
            &self.settings.connections,
            shutdown,
            self.settings.shutdown_grace,
        )
        .await;
        let _ = self.state.stop.send(true);
        let _ = sweeper.await;
        // Changes committed before the stop are still told to the other instances.
        self.state.cache.flush().await;
        publisher.abort();
        let _ = relay.await;
        let _ = trim.await;
        let _ = subscriber.await;
        if let Some(pg) = &self.embedded {
            pg.stop();
        }
        Ok(())
    }
}

/// Creates the admin account or updates its password.
async fn ensure_admin(db: &Db, settings: &Settings) -> anyhow::Result<()> {
    let email = auth::normalize_email(&settings.admin_email)
        .map_err(|_| anyhow::anyhow!("ADMIN_EMAIL is not a valid e-mail address"))?;
    let password = match &settings.admin_password {
        Some(p) => p.clone(),
        None => {
            tracing::warn!(
                email = %email,
                "ADMIN_PASSWORD is not set: the admin account uses the default password; set one outside development"
            );
            DEFAULT_ADMIN_PASSWORD.to_owned()
        }
    };
    auth::check_password(&password).map_err(|e| anyhow::anyhow!("ADMIN_PASSWORD: {}", e.detail))?;
    // The same password as stored: nothing changes (tokens stay valid across restarts). A
    // new one replaces the hash and revokes every token issued with the old one.
    let stored = db.find_user_by_email(&email).await?;
    if let Some(stored) = &stored
        && auth::verify_password_patiently(password.clone(), stored.password_hash.clone()).await?
    {
        db.upsert_admin(&email, &stored.password_hash, false)
            .await?;
        return Ok(());
    }
    let hash = auth::hash_password_patiently(password).await?;
    db.upsert_admin(&email, &hash, stored.is_some()).await?;
    if stored.is_some() {
        tracing::info!(email = %email, "admin password changed: earlier admin tokens are revoked");
    }
    Ok(())
}

/// The whole HTTP surface: the API, its docs, probes, metrics and the built web UI (from
/// `WEB_DIR`, if any).
pub fn routes(state: Arc<AppState>, settings: &Settings) -> impl Endpoint + use<> {
    let web_dir: &Path = &settings.web_dir;
    let timeout = settings.request_timeout;
    let api = api::service();
    let spec_body = bytes::Bytes::from(api::spec_json());
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
        .nest(api::PREFIX, api)
        .nest("/docs", docs)
        .at("/openapi.json", spec)
        .at("/health", make_sync(|_| api::service::health()))
        .at(
            "/metrics",
            poem::endpoint::make(move |_| {
                let state = metrics_state.clone();
                async move {
                    Response::builder()
                        .content_type("text/plain; version=0.0.4")
                        .body(crate::metrics::render(&state).await)
                }
            }),
        )
        .at(
            "/ready",
            poem::endpoint::make(move |_| {
                let state = probe_state.clone();
                async move { api::service::ready(&state).await }
            }),
        )
        .around(limit_body)
        .around(api::middleware::limit_reads)
        .around(move |next, req| with_timeout(next, req, timeout))
        // Boxed here: the whole stack as one type is deeper than the compiler follows.
        .boxed()
        .catch_error(|_: poem::error::NotFoundError| async {
            problem_response(Error::not_found(
                "route_not_found",
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
                ErrorKind::Forbidden,
                "cors_not_allowed",
                format!("Cross-origin request refused: {err}."),
            ))
        })
        .around(api::middleware::security_headers)
        .around(observe)
        .data(state)
}

/// Answers a method the path does not take with 405 `method_not_allowed` and the `Allow`
/// header RFC 9110 asks for.
async fn method_not_allowed<E: Endpoint>(next: E, req: Request) -> poem::Result<Response> {
    let path = req.uri().path().to_owned();
    match next.call(req).await {
        Err(err) if err.is::<poem::error::MethodNotAllowedError>() => {
            let mut response = problem_response(Error::new(
                ErrorKind::MethodNotAllowed,
                "method_not_allowed",
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
    api::route_template(path).map_or_else(|| "GET".into(), |t| t.methods.clone())
}

/// Lets the configured origins (a UI served from elsewhere) call the API from a browser:
/// the headers the API reads, and the ones a client needs to see in answers.
fn cors(origins: &[String]) -> Cors {
    Cors::new()
        .allow_origins(origins.iter().map(String::as_str))
        .allow_methods([Method::GET, Method::POST, Method::PUT, Method::DELETE])
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

/// Answers 503 `request_timeout` when a request has no response within `timeout`. Only
/// producing the response is timed: an event stream, once started, runs on. A write that
/// committed just before the cut-off stands; clients retry holds with the same
/// Idempotency-Key to learn the outcome.
async fn with_timeout<E: Endpoint>(
    next: E,
    req: Request,
    timeout: std::time::Duration,
) -> poem::Result<Response> {
    match tokio::time::timeout(timeout, next.call(req)).await {
        Ok(result) => Ok(result?.into_response()),
        Err(_) => Ok(problem_response(Error::new(
            ErrorKind::Unavailable,
            "request_timeout",
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
async fn observe<E: Endpoint>(next: E, mut req: Request) -> poem::Result<Response> {
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
    let method = crate::metrics::method_label(req.method());
    let route = crate::metrics::route_label(req.uri().path());
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

/// Memory for prepared seat-map layouts: about 130 bytes per seat, so 2.6 MB for a
/// 20,000-seat show and room for the layouts of the few dozen shows mapped most recently.
const SEAT_LAYOUTS_MAX_BYTES: u64 = 64 << 20;

/// The address a request came from, for per-address limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientIp(pub std::net::IpAddr);

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

const UI_NOT_BUILT: &str = "<!doctype html><meta charset=utf-8><title>Tessera</title>\
<h1>Tessera</h1><p>The web UI is not built. Build it with \
<code>cd web &amp;&amp; npm ci &amp;&amp; npm run build</code> and restart the service \
(or point <code>WEB_DIR</code> at a built copy).</p><p>The API lives under <code>/api/v1</code>; \
try it in <a href=\"/docs\">Swagger UI</a> or read <a href=\"/openapi.json\">the spec</a>.</p>";

/// Refuses bodies over [`MAX_BODY_BYTES`] with 413, whether or not they declare their
/// length, and before anything parses them.
///
/// The client is still sending when the answer is ready; closing the connection with its
/// bytes unread makes the kernel reset it, and the client sees a broken pipe instead of
/// the 413. So the rest of the body is read and dropped first (up to [`DRAIN_MAX_BYTES`],
/// for at most [`DRAIN_TIME`]); a body too large even for that gets its answer with
/// `Connection: close` and whatever the client's network stack makes of it.
async fn limit_body<E: Endpoint>(next: E, mut req: Request) -> poem::Result<Response> {
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
                    ErrorKind::BadRequest,
                    "invalid_body",
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
        ErrorKind::PayloadTooLarge,
        "payload_too_large",
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
