//! Prometheus metrics: the recorder, every metric's name in one place, and the text
//! rendered at `GET /metrics`.
//!
//! Counters and histograms are recorded where things happen (the request middleware, the
//! transaction retry loop, the booking handlers, the read cache, the event streams, the
//! sweeper); gauges that describe a current state (pool use, the sweeper's lag) are read
//! when the endpoint is scraped.

use std::sync::OnceLock;

use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

use crate::app::AppState;

/// Requests answered, by `method`, `route` (the path with ids replaced by `{id}`) and `status`.
pub const HTTP_REQUESTS: &str = "http_requests_total";
/// Time to the response head, by `method` and `route`.
pub const HTTP_DURATION: &str = "http_request_duration_seconds";
/// Booking changes, by `event`: held, confirmed, cancelled, expired.
pub const BOOKING_EVENTS: &str = "tessera_booking_events_total";
/// Error answers, by `code` (e.g. `seats_unavailable`) and `status`.
pub const ERRORS: &str = "tessera_errors_total";
/// SERIALIZABLE transactions retried after a serialization failure or deadlock, by `op`.
pub const TX_RETRIES: &str = "tessera_transaction_retries_total";
/// Transactions that ran out of retries (answered 503), by `op`.
pub const TX_GAVE_UP: &str = "tessera_transaction_gave_up_total";
/// Read-cache lookups, by `result`: `memory` (in-process), `redis`, `load` (database).
pub const CACHE_LOOKUPS: &str = "tessera_cache_lookups_total";
/// Open client connections on this instance.
pub const OPEN_CONNECTIONS: &str = "tessera_open_connections";
/// Connections answered 503 and closed because `MAX_CONNECTIONS` were open.
pub const CONNECTIONS_REFUSED: &str = "tessera_connections_refused_total";
/// Open live event streams on this instance.
pub const LIVE_LISTENERS: &str = "tessera_live_listeners";
/// Sweeper passes, and holds it expired.
pub const SWEEPER_RUNS: &str = "tessera_sweeper_runs_total";
pub const SWEEPER_EXPIRED: &str = "tessera_sweeper_expired_total";
/// Lapsed holds the sweeper could not expire (each is tried again by the next sweep), by
/// `reason`: `conflict` (contention outlasted the retries) or `error` (anything else: a
/// bug or bad data in that booking; logged with its cause).
pub const SWEEPER_FAILURES: &str = "tessera_sweeper_failures_total";
/// Age of the oldest hold that has lapsed but is not swept yet (0 when none).
pub const SWEEPER_LAG: &str = "tessera_sweeper_lag_seconds";
/// Database pool connections, by `state`: `size` (open), `available` (idle), `waiting`
/// (requests queued for one), and the configured `max`.
pub const DB_POOL: &str = "tessera_db_pool_connections";
/// The read budget's pool connections (plain reads), by `state`, as for [`DB_POOL`].
pub const DB_READ_POOL: &str = "tessera_db_read_pool_connections";
/// Requests refused by an abuse limit, by `limit` (e.g. `holds_per_user`).
pub const RATE_LIMITED: &str = "tessera_rate_limited_total";
/// Booking events appended to the Redis Stream by the outbox relay.
pub const OUTBOX_RELAYED: &str = "tessera_outbox_relayed_total";
/// Age of the oldest booking event not yet in the stream (0 when none).
pub const OUTBOX_LAG: &str = "tessera_outbox_lag_seconds";
/// Redis pool connections, by `state`: `size`, `idle`.
pub const REDIS_POOL: &str = "tessera_redis_pool_connections";
/// The heap as the allocator sees it (glibc only), by `state`: `in_use` (live
/// allocations), `free` (freed but still resident or reserved in the heap) and `mapped`
/// (large blocks mapped on their own). Resident size far above `in_use` means fragmentation.
pub const HEAP: &str = "tessera_heap_bytes";

const DURATION_BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// The process-wide recorder (installed once; every app in the process shares it).
pub fn handle() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        PrometheusBuilder::new()
            .set_buckets_for_metric(Matcher::Full(HTTP_DURATION.into()), DURATION_BUCKETS)
            .expect("valid buckets")
            .install_recorder()
            .expect("no other metrics recorder is installed")
    })
}

/// The text exposition, with the current-state gauges read now.
pub async fn render(state: &AppState) -> String {
    record_pool(DB_POOL, state.db.pool_status());
    record_pool(DB_READ_POOL, state.db.read_pool_status());
    if let Some((size, idle)) = state.cache.redis_pool_state() {
        metrics::gauge!(REDIS_POOL, "state" => "size").set(size as f64);
        metrics::gauge!(REDIS_POOL, "state" => "idle").set(idle as f64);
    }
    if let Ok(lag) = state.db.sweep_lag_secs().await {
        metrics::gauge!(SWEEPER_LAG).set(lag);
    }
    if let Ok(lag) = state.db.outbox_lag_secs().await {
        metrics::gauge!(OUTBOX_LAG).set(lag);
    }
    record_heap();
    handle().render()
}

/// A database pool's use, as gauges of `name` by `state`.
fn record_pool(name: &'static str, pool: deadpool_postgres::Status) {
    for (label, value) in [
        ("size", pool.size),
        ("available", pool.available),
        ("waiting", pool.waiting),
        ("max", pool.max_size),
    ] {
        metrics::gauge!(name, "state" => label).set(value as f64);
    }
}

fn record_heap() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        // SAFETY: mallinfo2 only reads the allocator's statistics.
        let info = unsafe { libc::mallinfo2() };
        for (label, value) in [
            ("in_use", info.uordblks),
            ("free", info.fordblks),
            ("mapped", info.hblkhd),
        ] {
            metrics::gauge!(HEAP, "state" => label).set(value as f64);
        }
    }
}

/// A request path as a metric label: an API path becomes its template from the spec
/// (`/api/v1/shows/{id}/seats`) and any other API path `unmatched`; the web UI's files
/// are one label. Clients choose paths, so a label must never be taken from one as it is:
/// every distinct label is a series kept for the life of the process.
pub fn route_label(path: &str) -> &'static str {
    const OWN: [&str; 4] = ["/metrics", "/health", "/ready", "/openapi.json"];
    if path.starts_with(crate::api::PREFIX) {
        return crate::api::route_template(path).map_or("unmatched", |t| t.path.as_str());
    }
    if path == "/docs" || path.starts_with("/docs/") {
        return "/docs";
    }
    OWN.into_iter().find(|own| *own == path).unwrap_or("/ui")
}

/// A request method as a metric label: the standard ones, else `other` (a client may
/// send any token as a method).
pub fn method_label(method: &poem::http::Method) -> &'static str {
    const STANDARD: [&str; 7] = ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"];
    STANDARD
        .into_iter()
        .find(|standard| *standard == method.as_str())
        .unwrap_or("other")
}

#[cfg(test)]
mod tests {
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
