//! Faults under load: the service killed with SIGKILL, and PostgreSQL restarted, while
//! many clients hold and confirm. Afterwards the database must show every booking a client
//! saw confirmed, no seat in two live bookings, and seat statuses and counts that agree.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rand::Rng;
use serde_json::{Value, json};
use tessera::store::embedded::EmbeddedPostgres;
use uuid::Uuid;

use crate::autofailover::AutoFailover;
use crate::helpers::{ServiceProcess, TestApp, eventually, fresh_database, test_settings};

const CLIENTS: usize = 16;

/// What the load's clients saw.
#[derive(Default)]
struct Seen {
    /// Bookings whose confirm was answered 200.
    confirmed: Mutex<Vec<Uuid>>,
    /// Answers by status.
    statuses: Mutex<HashMap<u16, usize>>,
}

impl Seen {
    fn confirmed(&self) -> Vec<Uuid> {
        self.confirmed.lock().unwrap().clone()
    }

    fn count(&self, status: u16) {
        *self.statuses.lock().unwrap().entry(status).or_default() += 1;
    }

    /// Only these answers are allowed under any fault: success, a seat conflict, and 503
    /// while the database is away. Never a 500.
    fn assert_sane(&self) {
        let statuses = self.statuses.lock().unwrap();
        for status in statuses.keys() {
            assert!(
                [200, 201, 409, 503].contains(status),
                "unexpected answers: {statuses:?}"
            );
        }
    }
}

/// Clients that each hold two random seats and confirm, over and over, until `stop` (or
/// until the service stops answering at all).
fn start_load(
    base: &str,
    tokens: &[String],
    show: i64,
    seats: i64,
    stop: Arc<AtomicBool>,
    seen: Arc<Seen>,
) -> Vec<tokio::task::JoinHandle<()>> {
    tokens
        .iter()
        .map(|token| {
            let (base, token, stop, seen) =
                (base.to_owned(), token.clone(), stop.clone(), seen.clone());
            tokio::spawn(async move {
                let http = reqwest::Client::new();
                while !stop.load(Ordering::Relaxed) {
                    let first = rand::rng().random_range(1..seats);
                    let hold = http
                        .post(format!("{base}/api/v1/bookings"))
                        .bearer_auth(&token)
                        .json(&json!({"show_id": show, "seat_ids": [first, first + 1]}))
                        .send()
                        .await;
                    let Ok(hold) = hold else { return };
                    let status = hold.status().as_u16();
                    seen.count(status);
                    if status == 503 {
                        // A client backs off while the service is unavailable.
                        tokio::time::sleep(Duration::from_millis(20)).await;
                    }
                    if status != 201 {
                        continue;
                    }
                    let Ok(body) = hold.json::<Value>().await else {
                        return;
                    };
                    let id = body["id"].as_str().unwrap().to_owned();
                    let confirm = http
                        .post(format!("{base}/api/v1/bookings/{id}/confirm"))
                        .bearer_auth(&token)
                        .send()
                        .await;
                    let Ok(confirm) = confirm else { return };
                    seen.count(confirm.status().as_u16());
                    if confirm.status() == 200 {
                        seen.confirmed.lock().unwrap().push(id.parse().unwrap());
                    }
                }
            })
        })
        .collect()
}

/// Checks from the database that every booking a client saw confirmed is CONFIRMED.
async fn assert_confirmed_survived(app: &TestApp, confirmed: &[Uuid]) {
    let survived = app
        .scalar(
            "SELECT count(*) FROM bookings WHERE id = ANY($1) AND status = 'CONFIRMED'",
            &[&confirmed],
        )
        .await;
    assert_eq!(survived as usize, confirmed.len());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn killing_the_service_mid_load_loses_no_confirmed_booking() {
    let db_url = fresh_database().await;
    let settings = test_settings(&db_url);
    let setup = TestApp::spawn_settings(settings.clone()).await;
    let show = setup
        .create_show(&[("A", 100), ("B", 100), ("C", 100)])
        .await;
    let tokens = futures_util::future::join_all((0..CLIENTS).map(|_| setup.new_user())).await;
    setup.stop().await;

    // The real binary, configured like the test instance (same database and secret).
    let mut service = ServiceProcess::start_on(
        &db_url,
        settings.jwt_secret.as_deref().unwrap(),
        &[
            ("RATE_LIMIT_HOLDS_PER_USER", "0"),
            ("RATE_LIMIT_HOLDS_PER_IP", "0"),
            ("MAX_HELD_SEATS", "1000"),
        ],
    )
    .await;
    let base = service.base.clone();

    let stop = Arc::new(AtomicBool::new(false));
    let seen = Arc::new(Seen::default());
    let clients = start_load(&base, &tokens, show, 300, stop.clone(), seen.clone());
    eventually(
        Duration::from_secs(60),
        "forty confirmed bookings",
        || async { (seen.confirmed().len() >= 40).then_some(()) },
    )
    .await;
    service.kill(); // SIGKILL: no shutdown, transactions cut mid-flight
    stop.store(true, Ordering::Relaxed);
    for client in clients {
        client.await.unwrap();
    }
    seen.assert_sane();

    // A new instance on the same database finds everything consistent.
    let app = TestApp::spawn_settings(settings).await;
    let confirmed = seen.confirmed();
    assert_confirmed_survived(&app, &confirmed).await;
    let live = app.check_invariants(show).await;
    assert!(live >= 2 * confirmed.len() as i64);
    let buyer = app.new_user().await;
    let free = app
        .scalar(
            "SELECT min(seat_id)::bigint FROM seats WHERE show_id = $1 AND status = 'AVAILABLE'",
            &[&show],
        )
        .await;
    assert_eq!(app.hold(&buyer, show, &[free]).await.status, 201);
}

/// The load of the database fault tests: a service on `url` (database timeout 1 s), a
/// 300-seat show that [`CLIENTS`] buyers hold and confirm on, and a probe show with its
/// buyer.
struct Sale {
    app: TestApp,
    show: i64,
    probe_show: i64,
    prober: String,
    stop: Arc<AtomicBool>,
    seen: Arc<Seen>,
    clients: Vec<tokio::task::JoinHandle<()>>,
}

impl Sale {
    /// Starts the service and the load; returns once twenty sales are confirmed.
    async fn start(url: &str) -> Self {
        let mut settings = test_settings(url);
        settings.database_timeout = Duration::from_millis(1000);
        settings.max_held_seats = 1000;
        let app = TestApp::spawn_settings(settings).await;
        let show = app.create_show(&[("A", 100), ("B", 100), ("C", 100)]).await;
        let probe_show = app.create_show(&[("A", 10)]).await;
        let tokens = futures_util::future::join_all((0..CLIENTS).map(|_| app.new_user())).await;
        let prober = app.new_user().await;
        let stop = Arc::new(AtomicBool::new(false));
        let seen = Arc::new(Seen::default());
        let clients = start_load(&app.base, &tokens, show, 300, stop.clone(), seen.clone());
        eventually(
            Duration::from_secs(60),
            "twenty confirmed bookings",
            || async { (seen.confirmed().len() >= 20).then_some(()) },
        )
        .await;
        Self {
            app,
            show,
            probe_show,
            prober,
            stop,
            seen,
            clients,
        }
    }

    /// Waits until the load confirms again, stops it, and checks every answer and the
    /// database: every confirm answered 200 is CONFIRMED, and both shows are consistent.
    async fn finish(self) -> Arc<Seen> {
        let before = self.seen.confirmed().len();
        eventually(
            Duration::from_secs(30),
            "the load to confirm again",
            || async { (self.seen.confirmed().len() > before).then_some(()) },
        )
        .await;
        self.stop.store(true, Ordering::Relaxed);
        for client in self.clients {
            client.await.unwrap();
        }
        self.seen.assert_sane();
        assert_confirmed_survived(&self.app, &self.seen.confirmed()).await;
        self.app.check_invariants(self.show).await;
        self.app.check_invariants(self.probe_show).await;
        self.seen
    }
}

/// A PostgreSQL cluster of the test's own, stopped and removed when dropped.
struct OwnCluster {
    pg: EmbeddedPostgres,
    dir: PathBuf,
}

impl Drop for OwnCluster {
    fn drop(&mut self) {
        self.pg.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn restarting_postgres_mid_load_gives_fast_503s_and_the_service_recovers_alone() {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("restart-pg-{}", Uuid::new_v4().simple()));
    let mut cluster = OwnCluster {
        pg: EmbeddedPostgres::start(&dir).await.unwrap(),
        dir,
    };
    let sale = Sale::start(&cluster.pg.url()).await;
    let (app, probe_show, prober) = (&sale.app, sale.probe_show, &sale.prober);

    cluster.pg.stop(); // fast shutdown: every connection is cut
    // While it is down: quick 503s, never a hang or a 500.
    for seat in 1..=3 {
        let started = Instant::now();
        let hold = app.hold(prober, probe_show, &[seat]).await;
        assert_eq!((hold.status, hold.code()), (503, "service_unavailable"));
        assert!(
            started.elapsed() < Duration::from_secs(4),
            "took {:?}",
            started.elapsed()
        );
    }
    let ready = app
        .http
        .get(format!("{}/ready", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(ready.status(), 503);

    cluster.pg.launch().unwrap();
    // No restart of the service: its pool reconnects by itself.
    eventually(
        Duration::from_secs(30),
        "holds to succeed again",
        || async { (app.hold(prober, probe_show, &[4]).await.status == 201).then_some(()) },
    )
    .await;
    let seen = sale.finish().await;
    assert!(seen.statuses.lock().unwrap().contains_key(&503));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn losing_the_primary_mid_load_fails_over_and_loses_no_confirmed_booking() {
    // pg_auto_failover: a monitor, a primary and a synchronous secondary (a commit is
    // acknowledged once the secondary has it).
    let cluster = AutoFailover::start().await;
    // The service knows both nodes and writes to whichever is the primary.
    let sale = Sale::start(&cluster.url()).await;
    let (app, probe_show, prober) = (&sale.app, sale.probe_show, &sale.prober);

    // The primary's machine is lost (its PostgreSQL and its keeper, SIGKILL). The monitor
    // promotes the secondary; the service, not restarted, finds it by itself.
    let primary = cluster.primary_port().await.unwrap();
    cluster.kill_node(primary);
    let lost = Instant::now();
    eventually(
        Duration::from_secs(90),
        "holds to succeed on the new primary",
        || async { (app.hold(prober, probe_show, &[1]).await.status == 201).then_some(()) },
    )
    .await;
    println!(
        "failover: served again {:?} after the primary was lost",
        lost.elapsed()
    );
    eventually(
        Duration::from_secs(30),
        "the monitor to name the new primary",
        || async { cluster.primary_port().await.filter(|port| *port != primary) },
    )
    .await;
    // Every confirm answered 200, before or after the loss, is on the new primary.
    sale.finish().await;
}
