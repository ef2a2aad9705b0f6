//! Settings, read once from the environment. Every variable is documented in the README.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

use anyhow::{Context, bail};

use crate::store::bookings::BatchSettings;

/// Default admin password, used only when ADMIN_PASSWORD is not set (start-up warns).
pub const DEFAULT_ADMIN_PASSWORD: &str = "tessera-admin";

/// Everything the service can be configured with.
#[derive(Debug, Clone)]
pub struct Settings {
    /// `DATABASE_URL`; when absent, a private PostgreSQL is started (the embedded default).
    pub database_url: Option<String>,
    /// `TESSERA_DATA_DIR`: where the embedded PostgreSQL keeps its data (default `.tessera`).
    pub data_dir: PathBuf,
    /// `DATABASE_POOL_SIZE`: connections per instance (default 10; PostgreSQL throughput
    /// peaks around 4 per core, more only adds lock waits and retries).
    pub pool_size: usize,
    /// `DATABASE_READ_POOL_SIZE`: connections per instance for plain reads (show lists,
    /// seat maps, booking history), besides the pool above (default a quarter of it, at
    /// least 1): a flood of reads queues on these and never takes the connections, nor
    /// more than that share of the database's time, that writes need.
    pub read_pool_size: usize,
    /// `DATABASE_READ_URL`: streaming replicas for plain reads (seat maps, shows, show
    /// lists, box-office reads), one URL each, separated by spaces, each with
    /// `DATABASE_READ_POOL_SIZE` connections; `REPLICA_MAX_LAG_MS` (default 1000): a replica
    /// missing commits older than that serves nothing. A read goes to a replica only once
    /// it has replayed the last change of what it reads (see `store::replicas`).
    pub replicas: crate::store::ReplicaSettings,
    /// `DATABASE_TIMEOUT_MS`: longest wait for a pooled connection, and the statement
    /// timeout (default 3000). Past it, requests get 503.
    pub database_timeout: Duration,
    /// `DATABASE_POOLER`: `none` (default: `DATABASE_URL` is PostgreSQL itself, or a pooler
    /// in session mode) or `transaction` (a pooler such as PgBouncer in transaction mode:
    /// unnamed statements only, see `store::sql`).
    pub database_pooler: crate::store::Pooler,
    /// `DATABASE_MIGRATE_URL`: where migrations run, if not on `DATABASE_URL`; required
    /// behind a transaction-mode pooler (migrations hold a session-level lock).
    pub migrate_url: Option<String>,
    /// `REDIS_URL`: the shared cache and change bus; without it, both live in process.
    pub redis_url: Option<String>,
    /// `REDIS_SENTINELS`: instead of `REDIS_URL`, the Redis Sentinels (URLs separated by
    /// spaces, e.g. `redis://s1:26379 redis://s2:26379`) that know where the master named
    /// `REDIS_MASTER_NAME` (default `mymaster`) is; a failover they make is followed.
    pub redis_sentinels: Vec<String>,
    pub redis_master_name: String,
    /// `REDIS_NAMESPACE`: prefix of every Redis key and channel (default `tessera`).
    pub redis_namespace: String,
    /// `REDIS_TIMEOUT_MS`: longest wait for any Redis call before going without (default 250).
    pub redis_timeout: Duration,
    /// `CACHE_TTL_MS`: longest life of a cached show list, show or seat map (default 2000).
    pub cache_ttl: Duration,
    /// `CACHE_MAX_MB`: memory for cached response bodies per instance (default 64).
    pub cache_max_bytes: u64,
    /// `WEB_DIR`: the built web UI, served at `/` (default `web/dist`).
    pub web_dir: PathBuf,
    /// `BIND_ADDR` (default `127.0.0.1:8080`).
    pub bind_addr: SocketAddr,
    /// `HOLD_TTL_SECONDS`: how long an unconfirmed hold lasts (default 120).
    pub hold_ttl_secs: u32,
    /// `SWEEP_INTERVAL_MS`: how often the sweeper releases lapsed holds (default 1000).
    pub sweep_interval: Duration,
    /// `JWT_SECRET`: token signing key, required outside the embedded default (see
    /// [`Settings::check_deployment`]); in the embedded default, when absent, one is
    /// generated once and kept in the database so tokens survive restarts.
    pub jwt_secret: Option<String>,
    /// `ACCESS_TOKEN_TTL_SECONDS`: lifetime of access tokens (default 3600).
    pub token_ttl: Duration,
    /// `ADMIN_EMAIL` (default `admin@tessera.local`).
    pub admin_email: String,
    /// `ADMIN_PASSWORD` (default [`DEFAULT_ADMIN_PASSWORD`], with a warning).
    pub admin_password: Option<String>,
    /// `SHUTDOWN_GRACE_SECONDS`: how long in-flight requests may finish on shutdown (default 10).
    pub shutdown_grace: Duration,
    /// `LOG_FORMAT`: `text` (default) or `json`. Levels come from `RUST_LOG`.
    pub log_json: bool,
    /// `MAX_HELD_SEATS`: most seats one user may hold at once, over all live holds
    /// (default 20).
    pub max_held_seats: u32,
    /// Abuse limits (requests per minute; 0 turns a limit off), shared by every instance
    /// through Redis.
    pub rate_limits: RateLimits,
    /// `TRUST_FORWARDED_FOR`: take the client address from the last `X-Forwarded-For`
    /// entry (set it behind a load balancer that appends one; default false).
    pub trust_forwarded_for: bool,
    /// `REQUEST_TIMEOUT_MS`: longest a request may run before it is answered 503 (default
    /// 10000; event streams are exempt).
    pub request_timeout: Duration,
    /// `CORS_ALLOWED_ORIGINS`: comma-separated origins allowed to call the API from a
    /// browser (default none: the UI is served from the same origin).
    pub cors_origins: Vec<String>,
    /// What clients may hold open (0 turns a cap off).
    pub connections: ConnectionLimits,
    /// `HOLD_BATCHING` (`on`/`off`, default on), `BATCH_MAX_SIZE` (default 64),
    /// `BATCH_IN_FLIGHT` (default 1), `BATCH_QUEUE` (default 4096): group commit of holds,
    /// confirms and cancels (see `store::bookings::batch`).
    pub batching: BatchSettings,
}

/// Caps on what clients hold open on one instance; `0` turns a cap off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnectionLimits {
    /// `MAX_CONNECTIONS`: open client connections (default 10000); beyond it a new one is
    /// answered 503 and closed.
    pub max_connections: usize,
    /// `IDLE_TIMEOUT_SECONDS`: how long a connection may take to send a whole request
    /// head, from its opening or its previous response (default 30): the keep-alive idle
    /// timeout and the cut-off for headers sent a byte at a time.
    pub idle_timeout: Duration,
    /// `MAX_EVENT_STREAMS`: open live event streams (default 5000); beyond it 503.
    pub max_event_streams: usize,
    /// `MAX_EVENT_STREAMS_PER_IP`: open live event streams per client address (default
    /// 50); beyond it 429.
    pub max_event_streams_per_ip: usize,
}

impl ConnectionLimits {
    /// No caps (benchmarks and load tests from one address).
    pub const OFF: Self = Self {
        max_connections: 0,
        idle_timeout: Duration::from_secs(30),
        max_event_streams: 0,
        max_event_streams_per_ip: 0,
    };
}

/// Per-minute request limits; each also allows a burst of that many at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimits {
    /// `RATE_LIMIT_HOLDS_PER_USER` (default 30).
    pub holds_per_user: u32,
    /// `RATE_LIMIT_HOLDS_PER_IP` (default 300).
    pub holds_per_ip: u32,
    /// `RATE_LIMIT_AUTH_PER_IP`: logins and registrations per client address (default 30).
    pub auth_per_ip: u32,
    /// `RATE_LIMIT_AUTH_PER_ACCOUNT`: logins and registrations per e-mail and client
    /// address (default 10).
    pub auth_per_account: u32,
    /// `RATE_LIMIT_AUTH_GLOBAL`: logins and registrations of the whole deployment (default
    /// 1200, 20 a second).
    pub auth_global: u32,
    /// `RATE_LIMIT_READS_PER_IP`: API reads per client address, per instance (default
    /// 1200).
    pub reads_per_ip: u32,
}

impl RateLimits {
    /// No limits (benchmarks and tests that are not about limits).
    pub const OFF: Self = Self {
        holds_per_user: 0,
        holds_per_ip: 0,
        auth_per_ip: 0,
        auth_per_account: 0,
        auth_global: 0,
        reads_per_ip: 0,
    };
}

/// Longest access-token lifetime accepted (a day).
pub const MAX_TOKEN_TTL_SECS: u64 = 86_400;

/// Shortest `JWT_SECRET` accepted outside the embedded default.
pub const MIN_JWT_SECRET_CHARS: usize = 32;

impl Settings {
    /// Reads the process environment.
    pub fn from_env() -> anyhow::Result<Self> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads settings through `lookup` (tests pass a map instead of the environment).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> anyhow::Result<Self> {
        let get = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
        fn parse<T: FromStr>(name: &str, value: Option<String>, default: T) -> anyhow::Result<T>
        where
            T::Err: std::fmt::Display,
        {
            match value {
                None => Ok(default),
                Some(v) => v
                    .trim()
                    .parse()
                    .map_err(|e| anyhow::anyhow!("{name}={v:?} is not valid: {e}")),
            }
        }
        let hold_ttl_secs: u32 = parse("HOLD_TTL_SECONDS", get("HOLD_TTL_SECONDS"), 120)?;
        if !(1..=86_400).contains(&hold_ttl_secs) {
            bail!("HOLD_TTL_SECONDS must be 1 to 86400");
        }
        let pool_size: usize = parse("DATABASE_POOL_SIZE", get("DATABASE_POOL_SIZE"), 10)?;
        let read_pool_size: usize = parse(
            "DATABASE_READ_POOL_SIZE",
            get("DATABASE_READ_POOL_SIZE"),
            (pool_size / 4).max(1),
        )?;
        if !(1..=1000).contains(&read_pool_size) {
            bail!("DATABASE_READ_POOL_SIZE must be 1 to 1000");
        }
        if !(1..=1000).contains(&pool_size) {
            bail!("DATABASE_POOL_SIZE must be 1 to 1000");
        }
        let timeout_ms: u64 = parse("DATABASE_TIMEOUT_MS", get("DATABASE_TIMEOUT_MS"), 3000)?;
        let sweep_ms: u64 = parse("SWEEP_INTERVAL_MS", get("SWEEP_INTERVAL_MS"), 1000)?;
        let token_ttl: u64 = parse(
            "ACCESS_TOKEN_TTL_SECONDS",
            get("ACCESS_TOKEN_TTL_SECONDS"),
            3600,
        )?;
        let grace: u64 = parse("SHUTDOWN_GRACE_SECONDS", get("SHUTDOWN_GRACE_SECONDS"), 10)?;
        let cache_ttl_ms: u64 = parse("CACHE_TTL_MS", get("CACHE_TTL_MS"), 2000)?;
        let redis_sentinels: Vec<String> = get("REDIS_SENTINELS")
            .map(|urls| urls.split_whitespace().map(str::to_owned).collect())
            .unwrap_or_default();
        if !redis_sentinels.is_empty() && get("REDIS_URL").is_some() {
            bail!("set REDIS_URL (one Redis) or REDIS_SENTINELS (Redis Sentinel), not both");
        }
        let database_pooler = match get("DATABASE_POOLER").as_deref().map(str::trim) {
            None | Some("none") => crate::store::Pooler::None,
            Some("transaction") => crate::store::Pooler::Transaction,
            Some(other) => bail!("DATABASE_POOLER={other:?} is not valid: none or transaction"),
        };
        let migrate_url = get("DATABASE_MIGRATE_URL");
        if database_pooler == crate::store::Pooler::Transaction
            && (migrate_url.is_none() || get("DATABASE_URL").is_none())
        {
            bail!(
                "DATABASE_POOLER=transaction needs DATABASE_URL (the pooler) and \
                 DATABASE_MIGRATE_URL (PostgreSQL itself, where migrations run)"
            );
        }
        let replica_lag_ms: u64 = parse("REPLICA_MAX_LAG_MS", get("REPLICA_MAX_LAG_MS"), 1000)?;
        let replicas = crate::store::ReplicaSettings {
            urls: get("DATABASE_READ_URL")
                .map(|urls| urls.split_whitespace().map(str::to_owned).collect())
                .unwrap_or_default(),
            max_lag: Duration::from_millis(replica_lag_ms),
        };
        if replicas.urls.len() > 16 {
            bail!("DATABASE_READ_URL lists more than 16 replicas");
        }
        let cache_max_mb: u64 = parse("CACHE_MAX_MB", get("CACHE_MAX_MB"), 64)?;
        let redis_timeout_ms: u64 = parse("REDIS_TIMEOUT_MS", get("REDIS_TIMEOUT_MS"), 250)?;
        if !(60..=MAX_TOKEN_TTL_SECS).contains(&token_ttl) {
            bail!(
                "ACCESS_TOKEN_TTL_SECONDS must be 60 to {MAX_TOKEN_TTL_SECS}: a stolen token works \
                 until it expires or its user signs out everywhere"
            );
        }
        if timeout_ms == 0 || sweep_ms == 0 || token_ttl == 0 {
            bail!(
                "DATABASE_TIMEOUT_MS, SWEEP_INTERVAL_MS and ACCESS_TOKEN_TTL_SECONDS must be positive"
            );
        }
        let log_json = match get("LOG_FORMAT").as_deref() {
            None | Some("text") => false,
            Some("json") => true,
            Some(other) => bail!("LOG_FORMAT={other:?}: use text or json"),
        };
        let max_held_seats: u32 = parse("MAX_HELD_SEATS", get("MAX_HELD_SEATS"), 20)?;
        if !(1..=100_000).contains(&max_held_seats) {
            bail!("MAX_HELD_SEATS must be 1 to 100000");
        }
        let rate_limits = RateLimits {
            holds_per_user: parse(
                "RATE_LIMIT_HOLDS_PER_USER",
                get("RATE_LIMIT_HOLDS_PER_USER"),
                30,
            )?,
            holds_per_ip: parse(
                "RATE_LIMIT_HOLDS_PER_IP",
                get("RATE_LIMIT_HOLDS_PER_IP"),
                300,
            )?,
            auth_per_ip: parse("RATE_LIMIT_AUTH_PER_IP", get("RATE_LIMIT_AUTH_PER_IP"), 30)?,
            auth_per_account: parse(
                "RATE_LIMIT_AUTH_PER_ACCOUNT",
                get("RATE_LIMIT_AUTH_PER_ACCOUNT"),
                10,
            )?,
            auth_global: parse(
                "RATE_LIMIT_AUTH_GLOBAL",
                get("RATE_LIMIT_AUTH_GLOBAL"),
                1200,
            )?,
            reads_per_ip: parse(
                "RATE_LIMIT_READS_PER_IP",
                get("RATE_LIMIT_READS_PER_IP"),
                1200,
            )?,
        };
        let request_timeout_ms: u64 =
            parse("REQUEST_TIMEOUT_MS", get("REQUEST_TIMEOUT_MS"), 10_000)?;
        if request_timeout_ms == 0 {
            bail!("REQUEST_TIMEOUT_MS must be positive");
        }
        let cors_origins: Vec<String> = get("CORS_ALLOWED_ORIGINS")
            .map(|v| {
                v.split(',')
                    .map(|o| o.trim().trim_end_matches('/').to_owned())
                    .filter(|o| !o.is_empty())
                    .collect()
            })
            .unwrap_or_default();
        for origin in &cors_origins {
            if !(origin.starts_with("http://") || origin.starts_with("https://")) {
                bail!(
                    "CORS_ALLOWED_ORIGINS: {origin:?} is not an origin like https://tickets.example.com"
                );
            }
        }
        let idle_secs: u64 = parse("IDLE_TIMEOUT_SECONDS", get("IDLE_TIMEOUT_SECONDS"), 30)?;
        if !(1..=3600).contains(&idle_secs) {
            bail!("IDLE_TIMEOUT_SECONDS must be 1 to 3600");
        }
        let connections = ConnectionLimits {
            max_connections: parse("MAX_CONNECTIONS", get("MAX_CONNECTIONS"), 10_000)?,
            idle_timeout: Duration::from_secs(idle_secs),
            max_event_streams: parse("MAX_EVENT_STREAMS", get("MAX_EVENT_STREAMS"), 5000)?,
            max_event_streams_per_ip: parse(
                "MAX_EVENT_STREAMS_PER_IP",
                get("MAX_EVENT_STREAMS_PER_IP"),
                50,
            )?,
        };
        let defaults = BatchSettings::default();
        let batching = BatchSettings {
            enabled: match get("HOLD_BATCHING").as_deref().map(str::trim) {
                None | Some("on") => true,
                Some("off") => false,
                Some(other) => bail!("HOLD_BATCHING={other:?}: use on or off"),
            },
            max_size: parse("BATCH_MAX_SIZE", get("BATCH_MAX_SIZE"), defaults.max_size)?,
            in_flight: parse(
                "BATCH_IN_FLIGHT",
                get("BATCH_IN_FLIGHT"),
                defaults.in_flight,
            )?,
            queue: parse("BATCH_QUEUE", get("BATCH_QUEUE"), defaults.queue)?,
            max_rows: defaults.max_rows,
        };
        if !(1..=1000).contains(&batching.max_size) {
            bail!("BATCH_MAX_SIZE must be 1 to 1000");
        }
        if !(1..=64).contains(&batching.in_flight) {
            bail!("BATCH_IN_FLIGHT must be 1 to 64");
        }
        if !(1..=1_000_000).contains(&batching.queue) {
            bail!("BATCH_QUEUE must be 1 to 1000000");
        }
        Ok(Self {
            batching,
            connections,
            max_held_seats,
            rate_limits,
            trust_forwarded_for: parse("TRUST_FORWARDED_FOR", get("TRUST_FORWARDED_FOR"), false)?,
            request_timeout: Duration::from_millis(request_timeout_ms),
            cors_origins,
            database_url: get("DATABASE_URL"),
            data_dir: get("TESSERA_DATA_DIR")
                .map(PathBuf::from)
                .unwrap_or_else(|| PathBuf::from(".tessera")),
            pool_size,
            read_pool_size,
            replicas,
            database_timeout: Duration::from_millis(timeout_ms),
            database_pooler,
            migrate_url,
            redis_url: get("REDIS_URL"),
            redis_sentinels,
            redis_master_name: get("REDIS_MASTER_NAME").unwrap_or_else(|| "mymaster".into()),
            redis_namespace: get("REDIS_NAMESPACE").unwrap_or_else(|| "tessera".into()),
            redis_timeout: Duration::from_millis(redis_timeout_ms.max(1)),
            cache_ttl: Duration::from_millis(cache_ttl_ms),
            web_dir: get("WEB_DIR")
                .map(PathBuf::from)
                .unwrap_or_else(|| PathBuf::from("web/dist")),
            cache_max_bytes: cache_max_mb * 1024 * 1024,
            bind_addr: parse("BIND_ADDR", get("BIND_ADDR"), ([127, 0, 0, 1], 8080).into())
                .context("BIND_ADDR takes host:port, e.g. 0.0.0.0:8080")?,
            hold_ttl_secs,
            sweep_interval: Duration::from_millis(sweep_ms),
            jwt_secret: get("JWT_SECRET"),
            token_ttl: Duration::from_secs(token_ttl),
            admin_email: get("ADMIN_EMAIL").unwrap_or_else(|| "admin@tessera.local".into()),
            admin_password: get("ADMIN_PASSWORD"),
            shutdown_grace: Duration::from_secs(grace),
            log_json,
        })
    }
}

impl Settings {
    /// The embedded default: no DATABASE_URL, a private PostgreSQL, development use.
    pub fn embedded(&self) -> bool {
        self.database_url.is_none()
    }

    /// Outside the embedded default, refuses to serve with credentials anyone could guess:
    /// a missing or short `JWT_SECRET` (anyone could sign admin tokens) or the default
    /// admin password.
    pub fn check_deployment(&self) -> anyhow::Result<()> {
        if self.embedded() {
            // The embedded default has a well-known admin password and a database that
            // trusts local connections: it is for this machine only.
            if !self.bind_addr.ip().is_loopback() {
                bail!(
                    "BIND_ADDR={} is reachable from other machines, but without DATABASE_URL \
                     the service runs its development default (a well-known admin password): \
                     bind to 127.0.0.1, or set DATABASE_URL, JWT_SECRET and ADMIN_PASSWORD",
                    self.bind_addr
                );
            }
            return Ok(());
        }
        match &self.jwt_secret {
            None => bail!(
                "JWT_SECRET is not set: with DATABASE_URL, give every instance the same secret of \
                 at least {MIN_JWT_SECRET_CHARS} characters (e.g. `openssl rand -base64 48`)"
            ),
            Some(secret) if weak_secret(secret) => bail!(
                "JWT_SECRET is too weak: use at least {MIN_JWT_SECRET_CHARS} random characters \
                 (e.g. `openssl rand -base64 48`)"
            ),
            Some(_) => {}
        }
        match self.admin_password.as_deref() {
            None => {
                bail!("ADMIN_PASSWORD is not set: with DATABASE_URL, choose the admin's password")
            }
            Some(DEFAULT_ADMIN_PASSWORD) => {
                bail!("ADMIN_PASSWORD is the well-known default: choose another")
            }
            Some(_) => Ok(()),
        }
    }
}

/// Short, or too repetitive to be random (`aaaa…`, `abcabc…`).
fn weak_secret(secret: &str) -> bool {
    let distinct: std::collections::HashSet<char> = secret.chars().collect();
    secret.chars().count() < MIN_JWT_SECRET_CHARS || distinct.len() < 10
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn settings(pairs: &[(&str, &str)]) -> anyhow::Result<Settings> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Settings::from_lookup(|k| map.get(k).cloned())
    }

    #[test]
    fn defaults_need_no_configuration() {
        let s = settings(&[]).unwrap();
        assert_eq!(s.bind_addr.to_string(), "127.0.0.1:8080");
        assert_eq!(s.hold_ttl_secs, 120);
        assert!(s.database_url.is_none());
        assert!(!s.log_json);
        assert!(s.batching.enabled);
        assert!(
            !settings(&[("HOLD_BATCHING", "off")])
                .unwrap()
                .batching
                .enabled
        );
    }

    #[test]
    fn bad_values_are_refused_with_the_variable_name() {
        for (name, value) in [
            ("HOLD_TTL_SECONDS", "0"),
            ("HOLD_TTL_SECONDS", "soon"),
            ("BIND_ADDR", "nowhere"),
            ("DATABASE_POOL_SIZE", "0"),
            ("LOG_FORMAT", "xml"),
            ("MAX_HELD_SEATS", "0"),
            ("RATE_LIMIT_HOLDS_PER_USER", "-1"),
            ("REQUEST_TIMEOUT_MS", "0"),
            ("TRUST_FORWARDED_FOR", "maybe"),
            ("CORS_ALLOWED_ORIGINS", "tickets.example.com"),
            ("ACCESS_TOKEN_TTL_SECONDS", "31536000"),
            ("ACCESS_TOKEN_TTL_SECONDS", "5"),
            ("IDLE_TIMEOUT_SECONDS", "0"),
            ("MAX_CONNECTIONS", "many"),
            ("HOLD_BATCHING", "maybe"),
            ("BATCH_MAX_SIZE", "0"),
            ("BATCH_IN_FLIGHT", "100"),
            ("BATCH_QUEUE", "0"),
            ("DATABASE_POOLER", "session"),
            // A transaction pooler without a URL to migrate at.
            ("DATABASE_POOLER", "transaction"),
        ] {
            let err = settings(&[(name, value)]).unwrap_err();
            assert!(format!("{err:#}").contains(name), "{name}: {err:#}");
        }
    }

    #[test]
    fn behind_a_transaction_pooler_migrations_go_straight_to_postgresql() {
        let s = settings(&[
            ("DATABASE_URL", "postgres://pgbouncer:6432/tessera"),
            ("DATABASE_POOLER", "transaction"),
            ("DATABASE_MIGRATE_URL", "postgres://db:5432/tessera"),
        ])
        .unwrap();
        assert_eq!(s.database_pooler, crate::store::Pooler::Transaction);
        assert_eq!(s.migrate_url.as_deref(), Some("postgres://db:5432/tessera"));
        assert_eq!(
            settings(&[]).unwrap().database_pooler,
            crate::store::Pooler::None
        );
    }

    #[test]
    fn outside_the_embedded_default_guessable_credentials_are_refused() {
        let strong = "Zk3v9QmR2xW7pL5tN8yB4cH6jD1fG0sA";
        let deployed = |secret: Option<&str>, password: Option<&str>| {
            let mut pairs = vec![("DATABASE_URL", "postgres://db/tessera")];
            pairs.extend(secret.map(|s| ("JWT_SECRET", s)));
            pairs.extend(password.map(|p| ("ADMIN_PASSWORD", p)));
            settings(&pairs).unwrap().check_deployment()
        };
        assert!(deployed(Some(strong), Some("a-good-admin-password")).is_ok());
        for (secret, password, complaint) in [
            (None, Some("a-good-admin-password"), "JWT_SECRET is not set"),
            (
                Some("short-secret"),
                Some("a-good-admin-password"),
                "too weak",
            ),
            (
                Some(&"ab".repeat(40)),
                Some("a-good-admin-password"),
                "too weak",
            ),
            (Some(strong), None, "ADMIN_PASSWORD is not set"),
            (Some(strong), Some(DEFAULT_ADMIN_PASSWORD), "default"),
        ] {
            let err = deployed(secret, password).unwrap_err().to_string();
            assert!(err.contains(complaint), "{err}");
        }
        // The embedded default needs no configuration at all, but serves this machine only.
        assert!(settings(&[]).unwrap().check_deployment().is_ok());
        assert!(
            settings(&[("BIND_ADDR", "[::1]:8080")])
                .unwrap()
                .check_deployment()
                .is_ok()
        );
        let open = settings(&[("BIND_ADDR", "0.0.0.0:8080")])
            .unwrap()
            .check_deployment()
            .unwrap_err()
            .to_string();
        assert!(open.contains("BIND_ADDR"), "{open}");
        assert!(deployed(Some(strong), Some("a-good-admin-password")).is_ok());
    }

    #[test]
    fn cors_origins_are_a_trimmed_list() {
        let s = settings(&[(
            "CORS_ALLOWED_ORIGINS",
            "https://tickets.example.com/, http://localhost:5173",
        )])
        .unwrap();
        assert_eq!(
            s.cors_origins,
            ["https://tickets.example.com", "http://localhost:5173"]
        );
    }
}
