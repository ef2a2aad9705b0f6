//! One client that means harm, against the real binary: each test plays an attacker and
//! checks that the service bounds what it may be made to hold (series, connections,
//! streams, CPU, memory, database work) and still serves everyone else.

use std::collections::HashSet;
use std::time::Duration;

use futures_util::future::join_all;
use rand::Rng;
use serde_json::json;

use crate::helpers::{ADMIN_EMAIL, ADMIN_PASSWORD, OwnRedis, ServiceProcess, eventually};

/// The series of a `/metrics` text (one per sample line).
fn series(metrics: &str) -> HashSet<String> {
    metrics
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .filter_map(|l| l.rsplit_once(' ').map(|(name, _)| name.to_owned()))
        .collect()
}

/// `n` requests to random paths (API and not) with standard and made-up methods.
async fn random_requests(service: &ServiceProcess, n: usize) {
    let requests: Vec<(&str, String)> = {
        let mut rng = rand::rng();
        (0..n)
            .map(|i| {
                let method = ["GET", "POST", "BREW", "X-ATTACK", "PROPFIND", "DELETE"][i % 6];
                let segment: u64 = rng.random();
                let path = match i % 4 {
                    0 => format!("/api/v1/{segment:x}"),
                    1 => format!("/api/v1/shows/{segment}/{segment:x}"),
                    2 => format!("/api/v1/bookings/{segment:x}-{i}"),
                    _ => format!("/{segment:x}/{i}"),
                };
                (method, path)
            })
            .collect()
    };
    for chunk in requests.chunks(200) {
        join_all(chunk.iter().map(|(method, path)| {
            let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
            service
                .http
                .request(method, format!("{}{path}", service.base))
                .send()
        }))
        .await
        .into_iter()
        .for_each(|r| assert!(r.unwrap().status().as_u16() < 500));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn random_paths_and_made_up_methods_add_no_metric_series() {
    let service = ServiceProcess::start(&[]).await;
    // A first wave hits every kind of answer the attack can get.
    random_requests(&service, 2_000).await;
    service.metrics().await; // (a scrape is counted once it is answered)
    let before = series(&service.metrics().await);
    random_requests(&service, 20_000).await;
    let text = service.metrics().await;
    let added: Vec<String> = series(&text).difference(&before).cloned().collect();
    assert!(added.is_empty(), "{} new series: {added:#?}", added.len());
    assert!(text.len() < 200_000, "/metrics is {} bytes", text.len());
}

#[tokio::test]
async fn an_event_stream_since_a_version_that_cannot_exist_is_a_400() {
    let service = ServiceProcess::start(&[]).await;
    for since in [u64::MAX, u64::MAX - 1, i64::MAX as u64 + 1] {
        let resp = service
            .get(&format!("/shows/1/events?since={since}"), None)
            .await;
        assert_eq!(resp.status, 400, "{resp:?}");
    }
    // A Last-Event-ID past every version is ignored (the stream starts from now).
    let show = service.create_show(&[("A", 2)]).await;
    let response = service
        .http
        .get(service.url(&format!("/shows/{show}/events")))
        .header("Last-Event-ID", u64::MAX.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hold_whose_client_hangs_up_after_it_committed_is_still_announced() {
    let redis = OwnRedis::start().await;
    let redis_url = redis.url();
    let service = ServiceProcess::start(&[
        ("REDIS_URL", &redis_url),
        ("REDIS_TIMEOUT_MS", "10000"),
        ("RATE_LIMIT_HOLDS_PER_USER", "0"),
        ("RATE_LIMIT_HOLDS_PER_IP", "0"),
    ])
    .await;
    let show = service.create_show(&[("A", 4)]).await;
    let buyer = service.new_user().await;
    let stream = service
        .http
        .get(service.url(&format!("/shows/{show}/events")))
        .send()
        .await
        .unwrap();
    assert_eq!(stream.status(), 200);

    // Redis holds every write for two seconds: the change's version (taken right after the
    // commit) waits, and meanwhile the client hangs up.
    let client = redis::Client::open(redis_url.as_str()).unwrap();
    let mut conn = client.get_multiplexed_async_connection().await.unwrap();
    redis::cmd("CLIENT")
        .arg("PAUSE")
        .arg(2000)
        .arg("WRITE")
        .query_async::<()>(&mut conn)
        .await
        .unwrap();
    let hold = tokio::spawn({
        let request = service
            .http
            .post(service.url("/bookings"))
            .bearer_auth(&buyer)
            .json(&json!({"show_id": show, "seat_ids": [2, 3]}));
        async move { request.send().await }
    });
    eventually(Duration::from_secs(10), "the hold to commit", || async {
        let held = service.scalar("SELECT count(*) FROM bookings", &[]).await;
        (held == 1).then_some(())
    })
    .await;
    hold.abort(); // the client is gone
    let _ = hold.await;

    // The change still reaches live seat maps: as the seats' new statuses, or (Redis
    // gave up on the version) as an order to reload the map, which shows them held.
    let text = read_until(stream, |text| {
        text.contains("event: seats") || text.contains("event: resync")
    })
    .await;
    if text.contains("event: seats") {
        assert!(
            text.contains(r#""id":2"#) && text.contains(r#""id":3"#),
            "{text}"
        );
    }
    let map = service.get(&format!("/shows/{show}/seats"), None).await;
    let held: Vec<i64> = map.body["seats"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["status"] == "HELD")
        .map(|s| s["id"].as_i64().unwrap())
        .collect();
    assert_eq!(held, [2, 3]);
}

/// Reads an event stream until `until` matches what came so far (10 s at most).
async fn read_until(response: reqwest::Response, until: impl Fn(&str) -> bool) -> String {
    use futures_util::StreamExt;
    let mut text = String::new();
    let mut body = response.bytes_stream();
    let read = tokio::time::timeout(Duration::from_secs(10), async {
        while let Some(Ok(chunk)) = body.next().await {
            text.push_str(&String::from_utf8_lossy(&chunk));
            if until(&text) {
                return;
            }
        }
    })
    .await;
    assert!(read.is_ok(), "the stream never said it; it said:\n{text}");
    text
}

#[tokio::test]
async fn every_page_and_answer_carries_the_browser_protections() {
    let service = ServiceProcess::start(&[]).await;
    for (path, policy_has, policy_lacks) in [
        ("/", "script-src 'self';", "unsafe-inline"),
        ("/shows/7", "script-src 'self';", "unsafe-inline"),
        ("/api/v1/shows", "default-src 'none'", "unsafe-inline"),
        (
            "/api/v1/no-such-thing",
            "default-src 'none'",
            "unsafe-inline",
        ),
        ("/docs", "script-src 'self' 'unsafe-inline'", "unsafe-eval"),
    ] {
        let response = service
            .http
            .get(format!("{}{path}", service.base))
            .send()
            .await
            .unwrap();
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned()
        };
        let policy = header("content-security-policy");
        assert!(policy.contains(policy_has), "{path}: {policy}");
        assert!(!policy.contains(policy_lacks), "{path}: {policy}");
        assert!(
            policy.contains("frame-ancestors 'none'"),
            "{path}: {policy}"
        );
        assert_eq!(header("x-content-type-options"), "nosniff", "{path}");
        assert_eq!(header("x-frame-options"), "DENY", "{path}");
        assert_eq!(header("referrer-policy"), "no-referrer", "{path}");
    }
}

/// A sign-in from `address` (as the load balancer reports it).
async fn login_from(
    service: &ServiceProcess,
    address: &str,
    email: &str,
    password: &str,
) -> reqwest::Response {
    service
        .http
        .post(service.url("/auth/login"))
        .header("X-Forwarded-For", address)
        .json(&json!({"email": email, "password": password}))
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn guessing_an_accounts_password_does_not_lock_its_owner_out() {
    let service = ServiceProcess::start(&[("TRUST_FORWARDED_FOR", "true")]).await;
    let mut refused = 0;
    for i in 0..40 {
        let guess = login_from(&service, "198.51.100.7", ADMIN_EMAIL, &format!("guess-{i}")).await;
        match guess.status().as_u16() {
            401 => {}
            429 => refused += 1,
            other => panic!("guess {i}: {other}"),
        }
    }
    assert!(
        refused >= 25,
        "the guesser was slowed down ({refused} refused)"
    );
    // The owner, from elsewhere, signs in at once.
    let owner = login_from(&service, "203.0.113.20", ADMIN_EMAIL, ADMIN_PASSWORD).await;
    assert_eq!(owner.status(), 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_storm_of_sign_ins_bounds_memory_and_leaves_buying_alone() {
    let service = ServiceProcess::start(&[("TRUST_FORWARDED_FOR", "true")]).await;
    let show = service.create_show(&[("A", 20)]).await;
    let buyer = service.new_user().await;
    let (_, rss_before) = service.rss();

    // 500 sign-ins at once, from 500 addresses, for accounts that do not exist (each one
    // still costs a password check).
    let storm = join_all((0..500).map(|i| {
        let service = &service;
        async move {
            let address = format!("10.9.{}.{}", i / 250, i % 250 + 1);
            let email = format!("nobody-{}@example.com", uuid::Uuid::new_v4().simple());
            login_from(service, &address, &email, "wrong-password")
                .await
                .status()
                .as_u16()
        }
    }));
    // Meanwhile a signed-in buyer holds seats, one after the other.
    let buying = async {
        let mut slowest = Duration::ZERO;
        for seat in 1..=5 {
            let started = std::time::Instant::now();
            let hold = service.hold(&buyer, show, &[seat]).await;
            assert_eq!(hold.status, 201, "{hold:?}");
            slowest = slowest.max(started.elapsed());
        }
        slowest
    };
    let (statuses, slowest) = tokio::join!(storm, buying);
    let (_, rss_peak) = service.rss();

    let mut counts = std::collections::BTreeMap::<u16, usize>::new();
    for status in statuses {
        *counts.entry(status).or_default() += 1;
    }
    println!(
        "sign-in answers: {counts:?}; slowest hold {slowest:?}; RSS peak {} MB (before {} MB)",
        rss_peak >> 20,
        rss_before >> 20
    );
    assert!(
        counts.keys().all(|s| [401, 429, 503].contains(s)),
        "{counts:?}"
    );
    assert!(
        counts.get(&503).copied().unwrap_or(0) + counts.get(&429).copied().unwrap_or(0) > 0,
        "nothing was refused: {counts:?}"
    );
    assert!(rss_peak < 300 << 20, "peak RSS {} MB", rss_peak >> 20);
    assert!(slowest < Duration::from_secs(1), "a hold took {slowest:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_oversized_body_gets_its_413() {
    let service = ServiceProcess::start(&[]).await;
    let buyer = service.new_user().await;
    let big = vec![b' '; 2 << 20];
    let mut answers = std::collections::BTreeMap::<String, usize>::new();
    for i in 0..60 {
        let request = service
            .http
            .post(service.url("/bookings"))
            .bearer_auth(&buyer)
            .header("content-type", "application/json");
        let request = if i < 50 {
            request.body(big.clone()) // with Content-Length
        } else {
            // Chunked: no length declared.
            let chunks: Vec<Result<Vec<u8>, std::io::Error>> =
                big.chunks(64 << 10).map(|c| Ok(c.to_vec())).collect();
            request.body(reqwest::Body::wrap_stream(futures_util::stream::iter(
                chunks,
            )))
        };
        let answer = match request.send().await {
            Ok(response) => {
                let status = response.status().as_u16();
                let body: serde_json::Value = response.json().await.unwrap_or_default();
                format!("{status} {}", body["code"].as_str().unwrap_or(""))
            }
            Err(err) => format!("broken: {err}"),
        };
        *answers.entry(answer).or_default() += 1;
    }
    assert_eq!(
        answers,
        [("413 payload_too_large".to_owned(), 60)].into(),
        "{answers:?}"
    );
}
