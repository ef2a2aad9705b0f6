//! The database going away or stalling: requests answer 503 within a bounded time and
//! the service recovers by itself. A small TCP proxy in front of PostgreSQL plays the
//! failing network.

use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::json;
use tokio::net::{TcpListener, TcpStream};

use crate::helpers::{TestApp, eventually, fresh_database, test_settings};

const PASS: u8 = 0;
const REFUSE: u8 = 1;
const STALL: u8 = 2;

/// Forwards TCP to PostgreSQL, or refuses, or swallows connections without answering.
struct Proxy {
    port: u16,
    mode: Arc<AtomicU8>,
    live: Arc<Mutex<Vec<tokio::task::AbortHandle>>>,
}

impl Proxy {
    async fn start(upstream: String) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let mode = Arc::new(AtomicU8::new(PASS));
        let live: Arc<Mutex<Vec<tokio::task::AbortHandle>>> = Arc::default();
        let (m, l) = (mode.clone(), live.clone());
        tokio::spawn(async move {
            loop {
                let Ok((mut client, _)) = listener.accept().await else {
                    return;
                };
                let upstream = upstream.clone();
                let mode = m.load(Ordering::SeqCst);
                let task = tokio::spawn(async move {
                    match mode {
                        PASS => {
                            if let Ok(mut server) = TcpStream::connect(&upstream).await {
                                let _ =
                                    tokio::io::copy_bidirectional(&mut client, &mut server).await;
                            }
                        }
                        STALL => std::future::pending::<()>().await,
                        _ => drop(client),
                    }
                });
                l.lock().unwrap().push(task.abort_handle());
            }
        });
        Self { port, mode, live }
    }

    /// Switches mode and cuts every open connection.
    fn set(&self, mode: u8) {
        self.mode.store(mode, Ordering::SeqCst);
        for task in self.live.lock().unwrap().drain(..) {
            task.abort();
        }
    }
}

/// An app whose database connections go through a proxy.
async fn app_behind_proxy(pool_size: usize) -> (TestApp, Proxy) {
    let db_url = fresh_database().await;
    let parsed: tokio_postgres::Config = db_url.parse().unwrap();
    let port = parsed.get_ports().first().copied().unwrap_or(5432);
    let proxy = Proxy::start(format!("127.0.0.1:{port}")).await;
    let proxied = db_url.replacen(&format!(":{port}/"), &format!(":{}/", proxy.port), 1);
    let mut settings = test_settings(&proxied);
    settings.pool_size = pool_size;
    settings.database_timeout = Duration::from_millis(500);
    let mut app = TestApp::spawn_settings(settings).await;
    app.db_url = db_url; // checks go straight to the database
    (app, proxy)
}

#[tokio::test]
async fn database_down_means_fast_503s_then_recovery() {
    let (app, proxy) = app_behind_proxy(4).await;
    let show = app.create_show(&[("A", 4)]).await;
    let buyer = app.new_user().await;

    proxy.set(REFUSE);
    let started = Instant::now();
    let ready = app
        .http
        .get(format!("{}/ready", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(ready.status(), 503);
    let hold = app.hold(&buyer, show, &[1]).await;
    assert_eq!(
        (hold.status, hold.code()),
        (503, "service_unavailable"),
        "{hold:?}"
    );
    let read = app.get(&format!("/shows/{show}"), None).await;
    assert_eq!(read.status, 503);
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "took {:?}",
        started.elapsed()
    );

    proxy.set(PASS);
    eventually(
        Duration::from_secs(10),
        "the service to recover",
        || async {
            let r = app.hold(&buyer, show, &[1]).await;
            (r.status == 201).then_some(())
        },
    )
    .await;
    assert_eq!(app.check_invariants(show).await, 1);
}

#[tokio::test]
async fn a_stalled_database_times_out_into_503_instead_of_queueing() {
    let (app, proxy) = app_behind_proxy(2).await;
    let show = app.create_show(&[("A", 4)]).await;
    let buyer = app.new_user().await;

    proxy.set(STALL);
    let started = Instant::now();
    let results = futures_util::future::join_all((0..6).map(|_| {
        let app = &app;
        async move { app.get(&format!("/shows/{show}/seats"), None).await }
    }))
    .await;
    for r in &results {
        assert_eq!(r.status, 503, "{r:?}");
    }
    assert!(
        started.elapsed() < Duration::from_secs(8),
        "took {:?}",
        started.elapsed()
    );

    proxy.set(PASS);
    eventually(
        Duration::from_secs(10),
        "the service to recover",
        || async { (app.hold(&buyer, show, &[2]).await.status == 201).then_some(()) },
    )
    .await;
    let resp = app
        .post(
            "/bookings",
            Some(&buyer),
            &json!({"show_id": show, "quantity": 1}),
        )
        .await;
    assert_eq!(resp.status, 201);
    assert_eq!(app.check_invariants(show).await, 2);
}

#[tokio::test]
async fn an_instance_waits_out_another_instances_migration_however_long_it_takes() {
    let db_url = fresh_database().await;
    // Another instance is migrating: it holds the migration lock.
    let (other, connection) = tokio_postgres::connect(&db_url, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(connection);
    let lock = tessera::store::migrate::MIGRATION_LOCK;
    other
        .execute("SELECT pg_advisory_lock($1)", &[&lock])
        .await
        .unwrap();
    let mut settings = test_settings(&db_url);
    settings.database_timeout = Duration::from_millis(300);
    let starting = tokio::spawn(TestApp::spawn_settings(settings));
    eventually(
        Duration::from_secs(10),
        "the new instance to wait for the migration lock",
        || async {
            let waiting: i64 = other
                .query_one(
                    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted",
                    &[],
                )
                .await
                .unwrap()
                .get(0);
            (waiting == 1).then_some(())
        },
    )
    .await;
    // The other migration takes several times the statement timeout.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    other
        .execute("SELECT pg_advisory_unlock($1)", &[&lock])
        .await
        .unwrap();
    let app = starting.await.expect("the instance started");
    // Its pooled sessions still cut statements off after the timeout.
    let client = app.state.db.client().await.unwrap();
    let timeout: String = client
        .one("SHOW statement_timeout", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(timeout, "300ms");
    let lock_timeout: String = client.one("SHOW lock_timeout", &[]).await.unwrap().get(0);
    assert_eq!(lock_timeout, "0");
}
