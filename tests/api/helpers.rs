//! The test harness: `TestApp::spawn()` and typed helpers.

use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use serde_json::{Value, json};
use tessera::app::Application;
use tessera::config::{RateLimits, Settings};
use tessera::store::{Db, PoolSettings};
use tokio::sync::{OnceCell, oneshot};
use uuid::Uuid;

pub const ADMIN_EMAIL: &str = "admin@example.com";
pub const ADMIN_PASSWORD: &str = "admin-password";

/// The maintenance URL of the PostgreSQL server the tests use.
async fn server_url() -> &'static str {
    static URL: OnceCell<String> = OnceCell::const_new();
    URL.get_or_init(|| async {
        if let Ok(url) = std::env::var("TESSERA_TEST_DATABASE_URL") {
            return url;
        }
        let local = "postgres://postgres@127.0.0.1:5432/postgres".to_owned();
        if tokio_postgres::connect(&local, tokio_postgres::NoTls)
            .await
            .is_ok()
        {
            return local;
        }
        let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("test-postgres");
        let pg = tessera::store::embedded::EmbeddedPostgres::start(&dir)
            .await
            .expect(
                "no PostgreSQL for the tests: set TESSERA_TEST_DATABASE_URL or install PostgreSQL",
            );
        let url = pg.admin_url();
        // The cluster outlives this process on purpose: later test processes reuse it.
        std::mem::forget(pg);
        url
    })
    .await
}

/// `url` with its database name replaced.
fn with_database(url: &str, name: &str) -> String {
    let (base, _) = url.rsplit_once('/').expect("database URL has a path");
    format!("{base}/{name}")
}

async fn admin_client() -> tokio_postgres::Client {
    let (client, connection) = tokio_postgres::connect(server_url().await, tokio_postgres::NoTls)
        .await
        .expect("connect to the test PostgreSQL");
    tokio::spawn(connection);
    client
}

/// A fresh database with the schema applied, copied from a template that is migrated
/// once per schema version (an advisory lock serialises concurrent test processes).
pub async fn fresh_database() -> String {
    let admin = admin_client().await;
    let template = format!("tessera_tmpl_{}", schema_fingerprint());
    admin
        .execute("SELECT pg_advisory_lock(7357)", &[])
        .await
        .unwrap();
    let exists = admin
        .query_opt("SELECT 1 FROM pg_database WHERE datname = $1", &[&template])
        .await
        .unwrap()
        .is_some();
    if !exists {
        admin
            .batch_execute(&format!("CREATE DATABASE {template}"))
            .await
            .unwrap();
        let db = Db::connect(&PoolSettings {
            url: with_database(server_url().await, &template),
            max_size: 1,
            read_max_size: 1,
            timeout: Duration::from_secs(10),
            pooler: Default::default(),
        })
        .unwrap();
        tessera::store::migrate::run(&db).await.unwrap();
    }
    admin
        .execute("SELECT pg_advisory_unlock(7357)", &[])
        .await
        .unwrap();
    sweep_old_databases(&admin).await;
    let created = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let name = format!("tessera_test_{created}_{}", Uuid::new_v4().simple());
    // Copying needs the template to have no connections; the pool used for migrating
    // closes them shortly after, so retry briefly.
    let mut attempts = 0;
    loop {
        match admin
            .batch_execute(&format!("CREATE DATABASE {name} TEMPLATE {template}"))
            .await
        {
            Ok(()) => break,
            Err(err) if attempts < 100 => {
                attempts += 1;
                let _ = err;
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            Err(err) => panic!("creating the test database: {err:?}"),
        }
    }
    with_database(server_url().await, &name)
}

/// Drops test databases of earlier runs (older than an hour), once per process.
async fn sweep_old_databases(admin: &tokio_postgres::Client) {
    static DONE: OnceCell<()> = OnceCell::const_new();
    DONE.get_or_init(|| async {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs();
        let rows = admin
            .query(
                "SELECT datname FROM pg_database WHERE datname LIKE 'tessera_test_%'",
                &[],
            )
            .await
            .unwrap();
        for row in rows {
            let name: String = row.get(0);
            let created = name
                .split('_')
                .nth(2)
                .and_then(|t| t.parse::<u64>().ok())
                .unwrap_or(0);
            if now.saturating_sub(created) > 3600 {
                let _ = admin
                    .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .await;
            }
        }
    })
    .await;
}

/// Changes whenever a migration file changes, so a stale template is never reused.
fn schema_fingerprint() -> String {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    let mut files: Vec<_> = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/sql"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    for file in files {
        std::fs::read(&file).unwrap().hash(&mut hasher);
    }
    format!("{:x}", hasher.finish())
}

/// Settings for a test instance: its own database, a free port, a fixed admin.
pub fn test_settings(database_url: &str) -> Settings {
    // HOLD_BATCHING=off runs every test on the one-request-per-transaction path.
    let mut settings = Settings::from_lookup(|name| {
        (name == "HOLD_BATCHING")
            .then(|| std::env::var(name).ok())
            .flatten()
    })
    .unwrap();
    settings.database_url = Some(database_url.to_owned());
    settings.bind_addr = "127.0.0.1:0".parse().unwrap();
    settings.admin_email = ADMIN_EMAIL.into();
    settings.admin_password = Some(ADMIN_PASSWORD.into());
    settings.jwt_secret = Some(format!("test-secret-{}", Uuid::new_v4()));
    settings.pool_size = 8;
    // Tests sign in and hold far faster than any person; the tests of the limits set
    // their own.
    settings.rate_limits = RateLimits::OFF;
    settings.shutdown_grace = Duration::from_secs(2);
    // No web UI unless a test provides one (a built web/dist must not change the tests).
    settings.web_dir = std::path::PathBuf::from("/nonexistent/web/dist");
    settings
}

/// A running service, seen from outside: where it answers, and its database.
pub struct Service {
    pub base: String,
    pub http: reqwest::Client,
    /// The service's database, for checking what it wrote.
    pub db_url: String,
    pub admin_token: String,
}

/// A service instance running in the test process, and a client for it.
pub struct TestApp {
    service: Service,
    pub state: std::sync::Arc<tessera::app::AppState>,
    shutdown: Option<oneshot::Sender<()>>,
    server: Option<tokio::task::JoinHandle<()>>,
}

impl std::ops::Deref for TestApp {
    type Target = Service;

    fn deref(&self) -> &Service {
        &self.service
    }
}

impl std::ops::DerefMut for TestApp {
    fn deref_mut(&mut self) -> &mut Service {
        &mut self.service
    }
}

/// An HTTP response, body parsed as JSON (or `Value::Null`).
#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub body: Value,
    pub content_type: String,
}

impl Resp {
    /// The problem `code`, if this is an error response.
    pub fn code(&self) -> &str {
        self.body["code"].as_str().unwrap_or("")
    }
}

impl TestApp {
    pub async fn spawn() -> Self {
        Self::spawn_with(|_| {}).await
    }

    /// Spawns an instance on a fresh database, after `configure` adjusts its settings.
    pub async fn spawn_with(configure: impl FnOnce(&mut Settings)) -> Self {
        let db_url = fresh_database().await;
        let mut settings = test_settings(&db_url);
        configure(&mut settings);
        Self::spawn_settings(settings).await
    }

    /// Spawns an instance with exactly these settings.
    pub async fn spawn_settings(settings: Settings) -> Self {
        if std::env::var_os("TEST_LOG").is_some() {
            tessera::telemetry::init(false);
        }
        // The database itself, not a pooler in front of it: checks read the tables directly.
        let db_url = settings
            .migrate_url
            .clone()
            .or_else(|| settings.database_url.clone())
            .unwrap_or_default();
        let admin = (
            settings.admin_email.clone(),
            settings.admin_password.clone().unwrap_or_default(),
        );
        let app = Application::build(settings).await.expect("build the app");
        let base = format!("http://{}", app.local_addr());
        let state = app.state();
        let (tx, rx) = oneshot::channel();
        let server = tokio::spawn(async move {
            app.run_until(async {
                let _ = rx.await;
            })
            .await
            .expect("server run");
        });
        let mut test_app = Self {
            service: Service {
                base,
                http: reqwest::Client::new(),
                db_url,
                admin_token: String::new(),
            },
            state,
            shutdown: Some(tx),
            server: Some(server),
        };
        test_app.service.admin_token = test_app.login(&admin.0, &admin.1).await;
        test_app
    }

    /// Stops the server and waits for it.
    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(server) = self.server.take() {
            server.await.unwrap();
        }
    }
}

impl Service {
    /// The status of the `index`-th seat on the seat map (asserting the map answered).
    pub async fn seat_status(&self, show: i64, index: usize) -> String {
        let map = self.get(&format!("/shows/{show}/seats"), None).await;
        assert_eq!(map.status, 200, "{map:?}");
        map.body["seats"][index]["status"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    /// The value of one series in `/metrics` (0 when absent), e.g.
    /// `tessera_db_reads_total{target="replica"}`.
    pub async fn metric(&self, series: &str) -> f64 {
        self.metrics()
            .await
            .lines()
            .find_map(|line| line.strip_prefix(series)?.trim().parse().ok())
            .unwrap_or(0.0)
    }

    /// The service's `/metrics` text (in-process instances all share one registry).
    pub async fn metrics(&self) -> String {
        self.http
            .get(format!("{}/metrics", self.base))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}/api/v1{path}", self.base)
    }

    pub async fn send(&self, request: reqwest::RequestBuilder) -> Resp {
        let response = request.send().await.expect("HTTP request");
        let status = response.status().as_u16();
        let content_type = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned();
        let bytes = response.bytes().await.expect("read body");
        let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        let resp = Resp {
            status,
            body,
            content_type,
        };
        if resp.status >= 400 {
            assert!(
                resp.content_type.starts_with("application/problem+json"),
                "error without a problem body: {resp:?}"
            );
            assert!(!resp.code().is_empty(), "error without a code: {resp:?}");
            assert!(
                resp.status < 500 || resp.status == 503,
                "server error: {resp:?}"
            );
        }
        resp
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> Resp {
        let mut request = self.http.get(self.url(path));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        self.send(request).await
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: &Value) -> Resp {
        let mut request = self.http.post(self.url(path)).json(body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        self.send(request).await
    }

    pub async fn patch(&self, path: &str, token: Option<&str>, body: &Value) -> Resp {
        let mut request = self.http.patch(self.url(path)).json(body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        self.send(request).await
    }

    pub async fn login(&self, email: &str, password: &str) -> String {
        let resp = self
            .auth(
                "/auth/login",
                &json!({"email": email, "password": password}),
            )
            .await;
        assert_eq!(resp.status, 200, "{resp:?}");
        resp.body["access_token"].as_str().unwrap().to_owned()
    }

    /// A sign-in or sign-up, sent again while the service says it is busy hashing other
    /// passwords (503 `service_busy`), as a client should: tests sign many buyers up at
    /// once, and every service in the test process shares its cores.
    async fn auth(&self, path: &str, body: &Value) -> Resp {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
        loop {
            let resp = self.post(path, None, body).await;
            if resp.code() != "service_busy" || tokio::time::Instant::now() > deadline {
                return resp;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Registers a new buyer and returns their token.
    pub async fn new_user(&self) -> String {
        static N: AtomicU64 = AtomicU64::new(0);
        let email = format!(
            "buyer{}-{}@example.com",
            N.fetch_add(1, Ordering::Relaxed),
            Uuid::new_v4().simple()
        );
        let resp = self
            .auth(
                "/auth/register",
                &json!({"email": email, "password": "buyer-password"}),
            )
            .await;
        assert_eq!(resp.status, 201, "{resp:?}");
        self.login(&email, "buyer-password").await
    }

    /// Creates a show on an inline layout with the given rows (label, seats) in one
    /// `standard` section priced 1000, starting in a day. Returns the show id.
    pub async fn create_show(&self, rows: &[(&str, i32)]) -> i64 {
        let rows: Vec<Value> = rows
            .iter()
            .map(|(label, seats)| json!({"label": label, "seats": seats}))
            .collect();
        self.create_show_with(json!({
            "name": "Test show",
            "kind": "movie",
            "starts_at": (chrono::Utc::now() + chrono::Duration::days(1)).to_rfc3339(),
            "layout": {"name": "Test hall", "sections": [{"name": "Stalls", "category": "standard", "rows": rows}]},
            "prices": {"standard": 1000}
        }))
        .await
    }

    pub async fn create_show_with(&self, body: Value) -> i64 {
        let resp = self
            .post("/admin/shows", Some(&self.admin_token), &body)
            .await;
        assert_eq!(resp.status, 201, "{resp:?}");
        resp.body["id"].as_i64().unwrap()
    }

    pub async fn hold(&self, token: &str, show_id: i64, seat_ids: &[i64]) -> Resp {
        self.post(
            "/bookings",
            Some(token),
            &json!({"show_id": show_id, "seat_ids": seat_ids}),
        )
        .await
    }

    /// `POST /bookings/{id}/{action}` (`confirm` or `cancel`) as the holder of `token`.
    pub async fn act(&self, token: &str, id: &str, action: &str) -> Resp {
        self.post(&format!("/bookings/{id}/{action}"), Some(token), &json!({}))
            .await
    }

    /// Follows `next_cursor` from `path` (a list URL with `?limit=`), returning the ids
    /// of all items in order.
    pub async fn collect_ids(&self, path: &str, token: Option<&str>) -> Vec<Value> {
        let mut ids = Vec::new();
        let mut next = path.to_owned();
        loop {
            let page = self.get(&next, token).await;
            assert_eq!(page.status, 200, "{page:?}");
            ids.extend(
                page.body["items"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|i| i["id"].clone()),
            );
            match page.body["next_cursor"].as_str() {
                Some(cursor) => next = format!("{path}&cursor={cursor}"),
                None => return ids,
            }
        }
    }

    /// One bigint from the test database (counts and sums).
    pub async fn scalar(
        &self,
        sql: &str,
        params: &[&(dyn tokio_postgres::types::ToSql + Sync)],
    ) -> i64 {
        self.sql()
            .await
            .query_one(sql, params)
            .await
            .unwrap()
            .get(0)
    }

    /// Waits until some session of the test database waits on a lock (a request queued
    /// behind a row lock a test holds).
    pub async fn until_a_lock_wait(&self, what: &str) {
        let probe = self.sql().await;
        eventually(Duration::from_secs(10), what, || async {
            let waiting: i64 = probe
                .query_one(
                    "SELECT count(*) FROM pg_stat_activity \
                     WHERE datname = current_database() AND wait_event_type = 'Lock'",
                    &[],
                )
                .await
                .unwrap()
                .get(0);
            (waiting > 0).then_some(())
        })
        .await;
    }

    /// A direct connection to the test database.
    pub async fn sql(&self) -> tokio_postgres::Client {
        let (client, connection) = tokio_postgres::connect(&self.db_url, tokio_postgres::NoTls)
            .await
            .unwrap();
        tokio::spawn(connection);
        client
    }

    /// Checks, from the database, the invariants that must hold at every moment:
    /// no seat in two live bookings; every taken seat points at a live booking that lists
    /// it, with the matching status; every live booking's seats point back at it; row
    /// counters equal their rows' taken seats; the API's available count equals the free
    /// seats. Returns the number of seats in live bookings.
    pub async fn check_invariants(&self, show_id: i64) -> i64 {
        let sql = self.sql().await;
        let doubles = sql
            .query(
                "SELECT seat, count(*) FROM ( \
                   SELECT unnest(seat_ids) AS seat FROM bookings WHERE show_id = $1 \
                     AND (status = 'CONFIRMED' OR (status = 'PENDING' AND expires_at > now()))) s \
                 GROUP BY seat HAVING count(*) > 1",
                &[&show_id],
            )
            .await
            .unwrap();
        assert!(
            doubles.is_empty(),
            "seats in two live bookings: {doubles:?}"
        );

        let mismatched: i64 = sql
            .query_one(
                "SELECT count(*) FROM seats s LEFT JOIN bookings b ON b.id = s.booking_id \
                 WHERE s.show_id = $1 AND s.booking_id IS NOT NULL AND NOT ( \
                   b.id IS NOT NULL AND s.seat_id = ANY(b.seat_ids) AND ( \
                     (s.status = 'HELD' AND b.status = 'PENDING' AND s.held_until = b.expires_at) OR \
                     (s.status = 'BOOKED' AND b.status = 'CONFIRMED')))",
                &[&show_id],
            )
            .await
            .unwrap()
            .get(0);
        assert_eq!(
            mismatched, 0,
            "seats whose status disagrees with their booking"
        );

        let orphaned: i64 = sql
            .query_one(
                "SELECT count(*) FROM bookings b, unnest(b.seat_ids) AS seat \
                 WHERE b.show_id = $1 \
                   AND (b.status = 'CONFIRMED' OR (b.status = 'PENDING' AND b.expires_at > now())) \
                   AND NOT EXISTS (SELECT 1 FROM seats s WHERE s.show_id = b.show_id \
                                   AND s.seat_id = seat AND s.booking_id = b.id)",
                &[&show_id],
            )
            .await
            .unwrap()
            .get(0);
        assert_eq!(
            orphaned, 0,
            "live bookings whose seats do not point back at them"
        );

        let bad_pending: i64 = sql
            .query_one(
                "SELECT count(*) FROM bookings b FULL JOIN pending_holds p ON p.booking_id = b.id \
                 WHERE coalesce(b.show_id, p.show_id) = $1 AND ( \
                   (b.status = 'PENDING') IS DISTINCT FROM (p.booking_id IS NOT NULL) \
                   OR (p.booking_id IS NOT NULL AND p.expires_at IS DISTINCT FROM b.expires_at))",
                &[&show_id],
            )
            .await
            .unwrap()
            .get(0);
        assert_eq!(
            bad_pending, 0,
            "pending_holds rows that disagree with PENDING bookings"
        );

        let bad_counters: i64 = sql
            .query_one(
                "SELECT count(*) FROM show_rows r WHERE r.show_id = $1 AND r.taken <> \
                   (SELECT count(*) FROM seats s WHERE s.show_id = r.show_id AND s.row_no = r.row_no \
                    AND s.status <> 'AVAILABLE')",
                &[&show_id],
            )
            .await
            .unwrap()
            .get(0);
        assert_eq!(
            bad_counters, 0,
            "row counters that disagree with their seats"
        );

        let bad_held_counts: i64 = sql
            .query_one(
                "SELECT count(*) FROM users u WHERE u.held_seats <> \
                   (SELECT coalesce(sum(cardinality(seat_ids)), 0) FROM bookings b \
                    WHERE b.user_id = u.id AND b.status = 'PENDING')",
                &[],
            )
            .await
            .unwrap()
            .get(0);
        assert_eq!(
            bad_held_counts, 0,
            "users whose held-seat count disagrees with their PENDING bookings"
        );

        let mispriced: i64 = sql
            .query_one(
                "SELECT count(*) FROM seats s JOIN shows sh ON sh.id = s.show_id \
                 WHERE s.show_id = $1 AND s.price_cents <> (sh.prices ->> s.category)::bigint",
                &[&show_id],
            )
            .await
            .unwrap()
            .get(0);
        assert_eq!(mispriced, 0, "seats whose price is not the show's");

        let sold_after_cancel: i64 = sql
            .query_opt(
                "SELECT (SELECT count(*) FROM bookings b WHERE b.show_id = sh.id \
                          AND b.status IN ('PENDING', 'CONFIRMED')) \
                      + (SELECT count(*) FROM seats s WHERE s.show_id = sh.id \
                          AND s.status IN ('HELD', 'BOOKED')) \
                 FROM shows sh WHERE sh.id = $1 AND sh.cancelled_at IS NOT NULL",
                &[&show_id],
            )
            .await
            .unwrap()
            .map_or(0, |row| row.get(0));
        assert_eq!(
            sold_after_cancel, 0,
            "live bookings or taken seats of a cancelled show"
        );

        let free: i64 = sql
            .query_one(
                "SELECT count(*) FROM seats WHERE show_id = $1 AND (status = 'AVAILABLE' \
                   OR (status = 'HELD' AND held_until <= now()))",
                &[&show_id],
            )
            .await
            .unwrap()
            .get(0);
        let show = self.get(&format!("/shows/{show_id}"), None).await;
        assert_eq!(
            show.body["available_seats"].as_i64(),
            Some(free),
            "{show:?}"
        );
        let live: i64 = sql
            .query_one(
                "SELECT coalesce(sum(cardinality(seat_ids)), 0)::bigint FROM bookings WHERE show_id = $1 \
                   AND (status = 'CONFIRMED' OR (status = 'PENDING' AND expires_at > now()))",
                &[&show_id],
            )
            .await
            .unwrap()
            .get(0);
        live
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// Polls `check` every 20 ms until it returns `Some`, failing after `timeout`.
pub async fn eventually<T, F, Fut>(timeout: Duration, what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// A redis-server of the test's own, on its own port.
pub struct OwnRedis {
    port: u16,
    child: Option<Child>,
    /// More `redis-server` arguments (e.g. `--replicaof`).
    extra: Vec<String>,
}

impl OwnRedis {
    pub async fn start() -> Self {
        Self::start_with(&[]).await
    }

    /// A server started with more arguments (e.g. `["--replicaof", "127.0.0.1", "6380"]`).
    pub async fn start_with(extra: &[&str]) -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut redis = Self {
            port,
            child: None,
            extra: extra.iter().map(|a| a.to_string()).collect(),
        };
        redis.restart().await;
        redis
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub async fn restart(&mut self) {
        let child = Command::new("redis-server")
            .args([
                "--port",
                &self.port.to_string(),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ])
            .args(&self.extra)
            .stdout(Stdio::null())
            .spawn()
            .expect("redis-server must be installed for these tests");
        self.child = Some(child);
        let url = self.url();
        eventually(
            Duration::from_secs(10),
            "redis-server to answer",
            || async {
                let client = redis::Client::open(url.as_str()).ok()?;
                let mut conn = client.get_multiplexed_async_connection().await.ok()?;
                redis::cmd("PING")
                    .query_async::<String>(&mut conn)
                    .await
                    .ok()
            },
        )
        .await;
    }

    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for OwnRedis {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The real binary (`tessera serve`) on a fresh database and a free port, killed when
/// dropped: for tests that look at the process itself (its memory, its connections).
pub struct ServiceProcess {
    service: Service,
    child: Child,
    /// Where its log goes.
    log: std::path::PathBuf,
}

impl std::ops::Deref for ServiceProcess {
    type Target = Service;

    fn deref(&self) -> &Service {
        &self.service
    }
}

impl ServiceProcess {
    /// Starts the binary on a fresh database with test settings (rate limits at their
    /// defaults), then `env`.
    pub async fn start(env: &[(&str, &str)]) -> Self {
        let secret = format!("test-secret-{}", Uuid::new_v4());
        Self::start_on(&fresh_database().await, &secret, env).await
    }

    /// Starts the binary on the database at `db_url`, signing tokens with `secret`, with
    /// test settings, then `env`.
    pub async fn start_on(db_url: &str, secret: &str, env: &[(&str, &str)]) -> Self {
        let db_url = db_url.to_owned();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let log = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
            .join(format!("service-{port}-{}.log", Uuid::new_v4().simple()));
        let mut command = Command::new(env!("CARGO_BIN_EXE_tessera"));
        command
            .arg("serve")
            .env("DATABASE_URL", &db_url)
            .env("JWT_SECRET", secret)
            .env("ADMIN_EMAIL", ADMIN_EMAIL)
            .env("ADMIN_PASSWORD", ADMIN_PASSWORD)
            .env("BIND_ADDR", format!("127.0.0.1:{port}"))
            .env("WEB_DIR", "/nonexistent")
            .env("RUST_LOG", "info")
            .stdout(std::fs::File::create(&log).expect("create the service log"));
        for (name, value) in env {
            command.env(name, value);
        }
        let child = command.spawn().expect("start the tessera binary");
        let base = format!("http://127.0.0.1:{port}");
        let http = reqwest::Client::new();
        eventually(
            Duration::from_secs(30),
            "the service to be ready",
            || async {
                let r = http.get(format!("{base}/ready")).send().await.ok()?;
                (r.status() == 200).then_some(())
            },
        )
        .await;
        let mut process = Self {
            service: Service {
                base,
                http,
                db_url,
                admin_token: String::new(),
            },
            child,
            log,
        };
        process.service.admin_token = process.login(ADMIN_EMAIL, ADMIN_PASSWORD).await;
        process
    }

    /// Kills the process with SIGKILL (no shutdown: transactions cut mid-flight).
    /// A sign-in from `address` (as the load balancer reports it).
    pub async fn login_from(
        &self,
        address: &str,
        email: &str,
        password: &str,
    ) -> reqwest::Response {
        self.http
            .post(self.url("/auth/login"))
            .header("X-Forwarded-For", address)
            .json(&json!({"email": email, "password": password}))
            .send()
            .await
            .unwrap()
    }

    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// What the service has logged so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// The process's resident memory now and at its peak, in bytes.
    #[allow(dead_code)] // used by the timed tests (tests/timed), which share this harness
    pub fn rss(&self) -> (u64, u64) {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap();
        let kib = |field: &str| -> u64 {
            status
                .lines()
                .find_map(|l| l.strip_prefix(field))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
                .unwrap_or(0)
                * 1024
        };
        (kib("VmRSS:"), kib("VmHWM:"))
    }
}

impl Drop for ServiceProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if std::env::var_os("TEST_LOG").is_some() {
            eprintln!("service log: {}", self.log.display());
        } else {
            let _ = std::fs::remove_file(&self.log);
        }
    }
}

/// A loopback port free right now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}
