//! Abuse limits: the per-user hold cap under parallel requests, rate limits with 429 and
//! `Retry-After`, shared across instances through Redis, keyed by the forwarded address
//! behind a trusted load balancer.

use futures_util::future::join_all;
use serde_json::json;
use tessera::config::RateLimits;

use crate::helpers::{OwnRedis, TestApp, fresh_database, test_settings};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_hold_cap_holds_under_parallel_requests() {
    let app = TestApp::spawn_with(|s| s.max_held_seats = 6).await;
    let show = app.create_show(&[("A", 30)]).await;
    let buyer = app.new_user().await;

    // Twelve parallel holds of two distinct seats each: only three fit under the cap.
    let results = join_all((0..12).map(|i| {
        let (app, buyer) = (&app, &buyer);
        async move { app.hold(buyer, show, &[2 * i + 1, 2 * i + 2]).await }
    }))
    .await;
    let held: Vec<_> = results.iter().filter(|r| r.status == 201).collect();
    assert_eq!(held.len(), 3, "{results:?}");
    for r in results.iter().filter(|r| r.status != 201) {
        assert_eq!((r.status, r.code()), (409, "hold_limit_reached"), "{r:?}");
    }
    assert_eq!(app.check_invariants(show).await, 6);
    let counted = app
        .scalar("SELECT sum(held_seats)::bigint FROM users", &[])
        .await;
    assert_eq!(counted, 6);

    // Another buyer is not affected; the first may hold again once a hold is confirmed
    // (confirmed seats are bought, not held) or cancelled.
    let other = app.new_user().await;
    assert_eq!(app.hold(&other, show, &[30]).await.status, 201);
    assert_eq!(
        app.hold(&buyer, show, &[28]).await.code(),
        "hold_limit_reached"
    );
    let first = held[0].body["id"].as_str().unwrap();
    assert_eq!(app.act(&buyer, first, "confirm").await.status, 200);
    let second = held[1].body["id"].as_str().unwrap();
    assert_eq!(app.act(&buyer, second, "cancel").await.status, 200);
    assert_eq!(app.hold(&buyer, show, &[27, 28]).await.status, 201);
    assert_eq!(app.hold(&buyer, show, &[29]).await.status, 201);
    assert_eq!(
        app.hold(&buyer, show, &[25, 26]).await.code(),
        "hold_limit_reached"
    );
    assert_eq!(app.check_invariants(show).await, 8);
}

/// Posts a hold and returns (status, code, Retry-After).
async fn raw_hold(app: &TestApp, token: &str, show: i64, seat: i64) -> (u16, String, Option<u64>) {
    let response = app
        .http
        .post(app.url("/bookings"))
        .bearer_auth(token)
        .json(&json!({"show_id": show, "seat_ids": [seat]}))
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let retry_after = response
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok());
    let body: serde_json::Value = response.json().await.unwrap();
    if status == 429 {
        assert_eq!(body["retry_after_seconds"].as_u64(), retry_after, "{body}");
    }
    (
        status,
        body["code"].as_str().unwrap_or("").to_owned(),
        retry_after,
    )
}

#[tokio::test]
async fn holds_over_the_rate_limit_get_429_with_retry_after() {
    let app = TestApp::spawn_with(|s| {
        s.rate_limits = RateLimits {
            holds_per_user: 3,
            ..RateLimits::OFF
        }
    })
    .await;
    let show = app.create_show(&[("A", 10)]).await;
    let (ann, bob) = (app.new_user().await, app.new_user().await);
    for seat in 1..=3 {
        assert_eq!(raw_hold(&app, &ann, show, seat).await.0, 201);
    }
    let (status, code, retry_after) = raw_hold(&app, &ann, show, 4).await;
    assert_eq!((status, code.as_str()), (429, "rate_limited"));
    // Three per minute: the next one is allowed within 20 s.
    assert!(
        retry_after.is_some_and(|s| (1..=20).contains(&s)),
        "{retry_after:?}"
    );
    // Refused requests hold nothing; other users are not limited.
    assert_eq!(app.check_invariants(show).await, 3);
    assert_eq!(raw_hold(&app, &bob, show, 4).await.0, 201);
}

#[tokio::test]
async fn sign_ins_are_limited_per_account_and_per_address() {
    let app = TestApp::spawn_with(|s| {
        s.rate_limits = RateLimits {
            auth_per_account: 2,
            // The harness's own admin sign-in takes one.
            auth_per_ip: 6,
            ..RateLimits::OFF
        }
    })
    .await;
    let login = |email: &'static str, password: &'static str| {
        let app = &app;
        async move {
            app.post(
                "/auth/login",
                None,
                &json!({"email": email, "password": password}),
            )
            .await
        }
    };
    // Two guesses at one account, then even the right password must wait.
    assert_eq!(login("victim@example.com", "guess-one").await.status, 401);
    assert_eq!(login("Victim@Example.com", "guess-two").await.status, 401);
    let limited = login("victim@example.com", "guess-three").await;
    assert_eq!((limited.status, limited.code()), (429, "rate_limited"));
    // Other accounts from the same address, until the address's budget is spent.
    assert_eq!(login("a@example.com", "password-a").await.status, 401);
    assert_eq!(login("b@example.com", "password-b").await.status, 401);
    let limited = login("c@example.com", "password-c").await;
    assert_eq!((limited.status, limited.code()), (429, "rate_limited"));
    let register = app
        .post(
            "/auth/register",
            None,
            &json!({"email": "new@example.com", "password": "new-password"}),
        )
        .await;
    assert_eq!((register.status, register.code()), (429, "rate_limited"));
}

#[tokio::test]
async fn rate_limits_are_shared_by_instances_and_survive_a_redis_outage() {
    let mut redis = OwnRedis::start().await;
    let db_url = fresh_database().await;
    let namespace = format!("test-{}", uuid::Uuid::new_v4().simple());
    let base = test_settings(&db_url);
    let settings = || {
        let mut s = base.clone();
        s.redis_url = Some(redis.url());
        s.redis_namespace = namespace.clone();
        s.rate_limits = RateLimits {
            holds_per_user: 4,
            ..RateLimits::OFF
        };
        s
    };
    let a = TestApp::spawn_settings(settings()).await;
    let b = TestApp::spawn_settings(settings()).await;
    let show = a.create_show(&[("A", 20)]).await;
    let buyer = a.new_user().await;

    // Alternating between instances: four holds in all, not four on each.
    let mut statuses = Vec::new();
    for seat in 1..=6 {
        let app = if seat % 2 == 0 { &a } else { &b };
        statuses.push(raw_hold(app, &buyer, show, seat).await.0);
    }
    assert_eq!(statuses, [201, 201, 201, 201, 429, 429]);

    // Without Redis each instance limits alone: still limited, never failing.
    redis.stop();
    let other = a.new_user().await;
    let mut statuses = Vec::new();
    for seat in 7..=11 {
        statuses.push(raw_hold(&a, &other, show, seat).await.0);
    }
    assert_eq!(statuses, [201, 201, 201, 201, 429]);
    assert_eq!(a.check_invariants(show).await, 8);
}

#[tokio::test]
async fn behind_a_trusted_balancer_the_forwarded_address_is_limited() {
    let app = TestApp::spawn_with(|s| {
        s.trust_forwarded_for = true;
        s.rate_limits = RateLimits {
            auth_per_ip: 2,
            ..RateLimits::OFF
        };
    })
    .await;
    let login = |forwarded: &'static str, n: u32| {
        app.send(
            app.http
                .post(app.url("/auth/login"))
                .header("x-forwarded-for", forwarded)
                .json(&json!({"email": format!("u{n}@example.com"), "password": "password-x"})),
        )
    };
    // The balancer appends the real address; a client-supplied first entry is ignored.
    assert_eq!(login("6.6.6.6, 192.0.2.1", 1).await.status, 401);
    assert_eq!(login("7.7.7.7, 192.0.2.1", 2).await.status, 401);
    assert_eq!(login("8.8.8.8, 192.0.2.1", 3).await.status, 429);
    // Another client behind the same balancer has its own budget.
    assert_eq!(login("192.0.2.2", 4).await.status, 401);
}
