//! Prometheus metrics: the recorder, every metric's name in one place, and the text
//! rendered at `GET /metrics`.
//!
//! Counters and histograms are recorded where things happen (the request middleware, the
//! transaction retry loop, the booking handlers, the read cache, the event streams, the
//! sweeper); gauges that describe a current state (pool use, the sweeper's lag) are read
//! when the endpoint is scraped (`api::probes::metrics`). A leaf: it knows the names and
//! the recorder, nothing of the service.

use std::sync::OnceLock;

use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

/// Requests answered, by `method`, `route` (the path with ids replaced by `{id}`) and `status`.
pub const HTTP_REQUESTS: &str = "http_requests_total";
/// Time to the response head, by `method` and `route`.
pub const HTTP_DURATION: &str = "http_request_duration_seconds";
/// Booking changes, by `event`: held, confirmed, cancelled, expired.
pub const BOOKING_EVENTS: &str = "tessera_booking_events_total";
/// Error answers, by `code` (e.g. `seats_unavailable`) and `status`.
pub const ERRORS: &str = "tessera_errors_total";
/// Plain reads outside writes, by where they went: `target` = `replica` or `primary`.
pub const DB_READS: &str = "tessera_db_reads_total";
/// How old the oldest commit each replica has not replayed is, in seconds, by `replica`
/// (its place in `DATABASE_READ_URL`); -1 while it cannot be reached.
pub const REPLICA_LAG: &str = "tessera_replica_lag_seconds";
/// Reads that could have gone to a replica but went to the primary, by `reason`:
/// `behind` (the replica asked had not replayed the change read yet), `lagging` (no
/// replica up and within `REPLICA_MAX_LAG_MS`), `failed` (the replica did not answer).
pub const REPLICA_PASSED_OVER: &str = "tessera_replica_passed_over_total";
/// SERIALIZABLE transactions retried after a serialization failure or deadlock, by `op`.
pub const TX_RETRIES: &str = "tessera_transaction_retries_total";
/// Transactions that ran out of retries (answered 503), by `op`.
pub const TX_GAVE_UP: &str = "tessera_transaction_gave_up_total";
/// Read-cache lookups, by `result` (`memory`: in process, `redis`, `load`: from the
/// database) and `kind` (`list`, `show`, `seat_map`).
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
/// Requests per batch of writes (histogram), by `op`: `hold`, `transition` (confirms
/// and cancels).
pub const BATCH_SIZE: &str = "tessera_batch_size";
/// Batches split in halves after repeated serialization failures, by `op`: `hold_batch`,
/// `transition_batch`. (Their retries are `tessera_transaction_retries_total` with the
/// same `op`.)
pub const BATCH_SPLITS: &str = "tessera_batch_splits_total";
/// Redis pool connections, by `state`: `size`, `idle`.
pub const REDIS_POOL: &str = "tessera_redis_pool_connections";
/// The heap as the allocator sees it (glibc only), by `state`: `in_use` (live
/// allocations), `free` (freed but still resident or reserved in the heap) and `mapped`
/// (large blocks mapped on their own). Resident size far above `in_use` means fragmentation.
pub const HEAP: &str = "tessera_heap_bytes";

const DURATION_BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

const BATCH_BUCKETS: &[f64] = &[1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0];

/// The process-wide recorder (installed once; every app in the process shares it).
pub fn handle() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        PrometheusBuilder::new()
            .set_buckets_for_metric(Matcher::Full(HTTP_DURATION.into()), DURATION_BUCKETS)
            .expect("valid buckets")
            .set_buckets_for_metric(Matcher::Full(BATCH_SIZE.into()), BATCH_BUCKETS)
            .expect("valid buckets")
            .install_recorder()
            .expect("no other metrics recorder is installed")
    })
}

/// A database pool's use, as gauges of `name` by `state`.
pub fn record_pool(name: &'static str, pool: deadpool_postgres::Status) {
    for (label, value) in [
        ("size", pool.size),
        ("available", pool.available),
        ("waiting", pool.waiting),
        ("max", pool.max_size),
    ] {
        metrics::gauge!(name, "state" => label).set(value as f64);
    }
}

pub fn record_heap() {
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
