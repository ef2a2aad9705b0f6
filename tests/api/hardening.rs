//! Request time limits and cross-origin access.

use std::time::Duration;

use crate::helpers::TestApp;

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
    let blocker = sql.transaction().await.unwrap();
    blocker
        .execute(
            "SELECT 1 FROM seats WHERE show_id = $1 AND seat_id = 1 FOR UPDATE",
            &[&show],
        )
        .await
        .unwrap();
    let stuck = app.hold(&buyer, show, &[1]).await;
    assert_eq!((stuck.status, stuck.code()), (503, "request_timeout"));
    blocker.rollback().await.unwrap();

    // The abandoned transaction rolled back: nothing is held, and the seat can be held.
    assert_eq!(app.check_invariants(show).await, 0);
    assert_eq!(app.hold(&buyer, show, &[1]).await.status, 201);
    assert_eq!(app.check_invariants(show).await, 1);
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
