//! `/metrics` and request ids.

use crate::helpers::TestApp;

/// The value of the first sample of `metric` whose labels contain all of `labels`.
fn sample(text: &str, metric: &str, labels: &[&str]) -> Option<f64> {
    text.lines()
        .filter(|l| l.starts_with(metric) && !l.starts_with('#'))
        .filter(|l| labels.iter().all(|label| l.contains(label)))
        .find_map(|l| l.rsplit(' ').next()?.parse().ok())
}

async fn scrape(app: &TestApp) -> String {
    let response = app
        .http
        .get(format!("{}/metrics", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain")
    );
    response.text().await.unwrap()
}

#[tokio::test]
async fn metrics_count_requests_bookings_conflicts_and_pool_use() {
    let app = TestApp::spawn().await;
    let show = app.create_show(&[("A", 4)]).await;
    let (ann, bob) = (app.new_user().await, app.new_user().await);
    let before = scrape(&app).await;
    let count =
        |text: &str, metric: &str, labels: &[&str]| sample(text, metric, labels).unwrap_or(0.0);

    let held = app.hold(&ann, show, &[1, 2]).await;
    assert_eq!(held.status, 201);
    assert_eq!(app.hold(&bob, show, &[2]).await.code(), "seats_unavailable");
    let id = held.body["id"].as_str().unwrap().to_owned();
    assert_eq!(app.act(&ann, &id, "confirm").await.status, 200);
    app.get(&format!("/shows/{show}/seats"), None).await;
    app.get(&format!("/shows/{show}/seats"), None).await;

    // Other tests share the process-wide recorder: compare with the scrape before.
    let after = scrape(&app).await;
    let grew = |metric: &str, labels: &[&str], by: f64| {
        let (a, b) = (
            count(&before, metric, labels),
            count(&after, metric, labels),
        );
        assert!(b - a >= by, "{metric}{labels:?} went from {a} to {b}");
    };
    grew(
        "http_requests_total",
        &[r#"route="/api/v1/bookings""#, r#"status="201""#],
        1.0,
    );
    grew(
        "http_requests_total",
        &[r#"route="/api/v1/bookings""#, r#"status="409""#],
        1.0,
    );
    grew(
        "http_requests_total",
        &[
            r#"route="/api/v1/bookings/{id}/confirm""#,
            r#"status="200""#,
        ],
        1.0,
    );
    grew(
        "http_request_duration_seconds_count",
        &[r#"route="/api/v1/shows/{id}/seats""#],
        2.0,
    );
    grew("tessera_booking_events_total", &[r#"event="held""#], 1.0);
    grew(
        "tessera_booking_events_total",
        &[r#"event="confirmed""#],
        1.0,
    );
    grew(
        "tessera_errors_total",
        &[r#"code="seats_unavailable""#, r#"status="409""#],
        1.0,
    );
    grew(
        "tessera_cache_lookups_total",
        &[r#"kind="seat_map""#, r#"result="load""#],
        1.0,
    );
    grew(
        "tessera_cache_lookups_total",
        &[r#"kind="seat_map""#, r#"result="memory""#],
        1.0,
    );
    assert!(sample(&after, "tessera_db_pool_connections", &[r#"state="max""#]).unwrap() >= 1.0);
    assert_eq!(
        sample(&after, "tessera_sweeper_lag_seconds", &[]),
        Some(0.0)
    );
    // The allocator's view of the heap: live allocations are never zero.
    if cfg!(all(target_os = "linux", target_env = "gnu")) {
        assert!(sample(&after, "tessera_heap_bytes", &[r#"state="in_use""#]).unwrap() > 0.0);
    }
    // Tokens and e-mail addresses never become labels.
    assert!(!after.contains("example.com") && !after.contains("Bearer"));
}

#[tokio::test]
async fn every_response_carries_a_request_id() {
    let app = TestApp::spawn().await;
    let get = |id: Option<&'static str>| {
        let mut request = app.http.get(format!("{}/health", app.base));
        if let Some(id) = id {
            request = request.header("X-Request-Id", id);
        }
        async move {
            let response = request.send().await.unwrap();
            response.headers()["x-request-id"]
                .to_str()
                .unwrap()
                .to_owned()
        }
    };
    // A well-formed incoming id is kept, so calls can be traced across services.
    assert_eq!(get(Some("checkout-42.a_b")).await, "checkout-42.a_b");
    // Without one, or with one unfit for logs, a fresh id is made.
    let fresh = get(None).await;
    assert!(uuid::Uuid::parse_str(&fresh).is_ok(), "{fresh}");
    let replaced = get(Some("two words\"injected")).await;
    assert!(uuid::Uuid::parse_str(&replaced).is_ok(), "{replaced}");
    assert_ne!(fresh, replaced);
    // Errors carry one too.
    let missing = app.http.get(app.url("/shows/999999")).send().await.unwrap();
    assert_eq!(missing.status(), 404);
    assert!(missing.headers().contains_key("x-request-id"));
}
