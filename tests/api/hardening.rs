//! Request time limits, draining at shutdown, and cross-origin access.

use std::time::Duration;

use crate::helpers::{TestApp, eventually};

/// A transaction of another session holding seat 1's row lock until it ends.
async fn lock_seat_one(
    sql: &mut tokio_postgres::Client,
    show: i64,
) -> tokio_postgres::Transaction<'_> {
    let blocker = sql.transaction().await.unwrap();
    blocker
        .execute(
            "SELECT 1 FROM seats WHERE show_id = $1 AND seat_id = 1 FOR UPDATE",
            &[&show],
        )
        .await
        .unwrap();
    blocker
}

#[tokio::test]
async fn a_request_stuck_past_its_time_limit_gets_503_and_changes_nothing() {
    let app = TestApp::spawn_with(|s| {
        s.request_timeout = Duration::from_millis(1500);
        // The lock wait must outlast the request's limit, not the statement's.
        s.database_timeout = Duration::from_secs(10);
    })
    .await;
    let show = app.create_show(&[("A", 5)]).await;
    let buyer = app.new_user().await;

    // Another session holds seat 1's row lock: the hold waits on it past the limit.
    let mut sql = app.sql().await;
    let blocker = lock_seat_one(&mut sql, show).await;
    let stuck = app.hold(&buyer, show, &[1]).await;
    assert_eq!((stuck.status, stuck.code()), (503, "request_timeout"));
    blocker.rollback().await.unwrap();

    // The abandoned transaction rolled back: nothing is held, and the seat can be held.
    assert_eq!(app.check_invariants(show).await, 0);
    assert_eq!(app.hold(&buyer, show, &[1]).await.status, 201);
    assert_eq!(app.check_invariants(show).await, 1);
}

#[tokio::test]
async fn shutdown_lets_a_request_in_flight_finish_and_takes_no_new_ones() {
    let app = TestApp::spawn().await;
    let show = app.create_show(&[("A", 5)]).await;
    let buyer = app.new_user().await;

    // A hold waits on a row lock held by another session: it is in flight at shutdown.
    let mut sql = app.sql().await;
    let blocker = lock_seat_one(&mut sql, show).await;
    let hold = app
        .http
        .post(app.url("/bookings"))
        .bearer_auth(&buyer)
        .json(&serde_json::json!({"show_id": show, "seat_ids": [1]}))
        .send();
    let hold = tokio::spawn(hold);
    app.until_a_lock_wait("the hold to wait on the lock").await;

    let health = format!("{}/health", app.base);
    let stopping = tokio::spawn(app.stop());
    // Once draining, the service takes no new connections...
    eventually(
        Duration::from_secs(10),
        "new connections to be refused",
        || async {
            let fresh = reqwest::Client::new().get(&health).send().await;
            fresh.is_err().then_some(())
        },
    )
    .await;
    assert!(!stopping.is_finished(), "the server must wait for the hold");
    // ...and the request in flight completes once its lock is free.
    blocker.rollback().await.unwrap();
    let held = hold.await.unwrap().unwrap();
    assert_eq!(held.status(), 201);
    stopping.await.unwrap();
}

#[tokio::test]
async fn configured_origins_may_call_the_api_from_a_browser() {
    let app = TestApp::spawn_with(|s| {
        s.cors_origins = vec!["https://tickets.example.com".into()];
    })
    .await;
    let preflight = app
        .http
        .request(reqwest::Method::OPTIONS, app.url("/bookings"))
        .header("origin", "https://tickets.example.com")
        .header("access-control-request-method", "POST")
        .header(
            "access-control-request-headers",
            "authorization, content-type, idempotency-key",
        )
        .send()
        .await
        .unwrap();
    assert!(preflight.status().is_success(), "{preflight:?}");
    let header = |name: &str| {
        preflight
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_lowercase()
    };
    assert_eq!(
        header("access-control-allow-origin"),
        "https://tickets.example.com"
    );
    assert!(header("access-control-allow-headers").contains("idempotency-key"));

    let shows = app
        .http
        .get(app.url("/shows"))
        .header("origin", "https://tickets.example.com")
        .send()
        .await
        .unwrap();
    assert_eq!(
        shows.headers().get("access-control-allow-origin").unwrap(),
        "https://tickets.example.com"
    );

    // Other origins get no permission.
    let other = app
        .http
        .get(app.url("/shows"))
        .header("origin", "https://evil.example.net")
        .send()
        .await
        .unwrap();
    assert!(other.headers().get("access-control-allow-origin").is_none());
    assert_eq!(other.status(), 403);
    let problem: serde_json::Value = other.json().await.unwrap();
    assert_eq!(problem["code"], "cors_not_allowed");
}

#[tokio::test]
async fn without_configured_origins_no_cross_origin_access_is_granted() {
    let app = TestApp::spawn().await;
    let shows = app
        .http
        .get(app.url("/shows"))
        .header("origin", "https://tickets.example.com")
        .send()
        .await
        .unwrap();
    assert_eq!(shows.status(), 200);
    assert!(shows.headers().get("access-control-allow-origin").is_none());
}
