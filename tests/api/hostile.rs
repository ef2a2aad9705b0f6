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
    // (The read limit would answer most of these 429 before their route is known.)
    let service = ServiceProcess::start(&[("RATE_LIMIT_READS_PER_IP", "0")]).await;
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
        // The camera for the check-in page, nothing else.
        let features = header("permissions-policy");
        assert!(features.contains("camera=(self)"), "{path}: {features}");
        assert!(features.contains("microphone=()"), "{path}: {features}");
    }
}

#[tokio::test]
async fn guessing_an_accounts_password_does_not_lock_its_owner_out() {
    let service = ServiceProcess::start(&[("TRUST_FORWARDED_FOR", "true")]).await;
    let mut refused = 0;
    for i in 0..40 {
        let guess = service
            .login_from("198.51.100.7", ADMIN_EMAIL, &format!("guess-{i}"))
            .await;
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
    let owner = service
        .login_from("203.0.113.20", ADMIN_EMAIL, ADMIN_PASSWORD)
        .await;
    assert_eq!(owner.status(), 200);
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

/// Opens a raw TCP connection to the service.
async fn connect(service: &ServiceProcess) -> tokio::net::TcpStream {
    let address = service.base.trim_start_matches("http://");
    tokio::net::TcpStream::connect(address).await.unwrap()
}

/// True when the service closed `stream` (end of file or reset) within `within`.
async fn closed_within(stream: &mut tokio::net::TcpStream, within: Duration) -> bool {
    use tokio::io::AsyncReadExt;
    let mut buf = [0u8; 1024];
    let read = tokio::time::timeout(within, async {
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(_) => {} // an answer (e.g. 408) before the close
            }
        }
    })
    .await;
    read.is_ok()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn headers_sent_a_byte_a_second_neither_block_buyers_nor_stay_open() {
    let service = ServiceProcess::start(&[
        ("IDLE_TIMEOUT_SECONDS", "2"),
        ("RATE_LIMIT_HOLDS_PER_IP", "0"),
    ])
    .await;
    let show = service.create_show(&[("A", 10)]).await;
    let buyer = service.new_user().await;

    // A thousand connections trickle a request head, a byte a second, for ever.
    let head = b"GET /api/v1/shows HTTP/1.1\r\nHost: tessera\r\nX-Slow: ";
    let mut slow = Vec::new();
    for _ in 0..1000 {
        slow.push(connect(&service).await);
    }
    let trickle = tokio::spawn(async move {
        use tokio::io::AsyncWriteExt;
        let mut closed = 0;
        for byte in head.iter().cycle() {
            closed = 0;
            for stream in &mut slow {
                if stream.write_all(&[*byte]).await.is_err() {
                    closed += 1;
                }
            }
            if closed == slow.len() {
                break;
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
        closed
    });

    // A buyer is served as usual.
    for seat in 1..=3 {
        let started = std::time::Instant::now();
        let hold = service.hold(&buyer, show, &[seat]).await;
        assert_eq!(hold.status, 201, "{hold:?}");
        assert!(
            started.elapsed() < Duration::from_secs(1),
            "{:?}",
            started.elapsed()
        );
    }
    // And every trickling connection is cut off once its head is overdue.
    let closed = tokio::time::timeout(Duration::from_secs(20), trickle)
        .await
        .expect("the slow connections to be closed")
        .unwrap();
    assert_eq!(closed, 1000);
}

#[tokio::test]
async fn idle_connections_are_closed_after_the_idle_timeout() {
    let service = ServiceProcess::start(&[("IDLE_TIMEOUT_SECONDS", "1")]).await;
    // One that never says anything.
    let mut silent = connect(&service).await;
    // One that asks once and then stays quiet (keep-alive).
    let mut kept = connect(&service).await;
    {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        kept.write_all(b"GET /health HTTP/1.1\r\nHost: tessera\r\n\r\n")
            .await
            .unwrap();
        let mut answer = [0u8; 512];
        let n = kept.read(&mut answer).await.unwrap();
        assert!(answer[..n].starts_with(b"HTTP/1.1 200"));
    }
    let started = std::time::Instant::now();
    assert!(closed_within(&mut silent, Duration::from_secs(5)).await);
    assert!(closed_within(&mut kept, Duration::from_secs(5)).await);
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn connections_beyond_the_cap_get_a_503_and_are_closed() {
    let service = ServiceProcess::start(&[("MAX_CONNECTIONS", "20")]).await;
    // The harness's own client may keep one or two connections open: fill up to the cap.
    let mut open = Vec::new();
    for _ in 0..20 {
        open.push(connect(&service).await);
    }
    let mut extra = connect(&service).await;
    let mut answer = String::new();
    {
        use tokio::io::AsyncReadExt;
        tokio::time::timeout(Duration::from_secs(5), extra.read_to_string(&mut answer))
            .await
            .expect("an answer and a close")
            .unwrap();
    }
    assert!(answer.starts_with("HTTP/1.1 503"), "{answer}");
    assert!(answer.contains("too_many_connections"), "{answer}");
    // Once connections close, new ones are served again.
    drop(open);
    eventually(
        Duration::from_secs(10),
        "a connection to be served",
        || async {
            let r = service
                .http
                .get(format!("{}/health", service.base))
                .send()
                .await
                .ok()?;
            (r.status() == 200).then_some(())
        },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_address_cannot_hold_every_event_stream() {
    let service = ServiceProcess::start(&[
        ("TRUST_FORWARDED_FOR", "true"),
        // Opening a stream is a read: this is about the stream cap, not the read limit.
        ("RATE_LIMIT_READS_PER_IP", "0"),
    ])
    .await;
    let show = service.create_show(&[("A", 2)]).await;
    let open_from = |address: &'static str| {
        let service = &service;
        async move {
            service
                .http
                .get(service.url(&format!("/shows/{show}/events")))
                .header("X-Forwarded-For", address)
                .send()
                .await
                .unwrap()
        }
    };
    let mut held = Vec::new();
    let mut refused = 0;
    for chunk in 0..20 {
        let answers = join_all((0..100).map(|_| open_from("198.51.100.66"))).await;
        for answer in answers {
            match answer.status().as_u16() {
                200 => held.push(answer),
                429 => {
                    assert!(answer.headers().contains_key("retry-after"));
                    let body: serde_json::Value = answer.json().await.unwrap();
                    assert_eq!(body["code"], "too_many_streams");
                    refused += 1;
                }
                other => panic!("chunk {chunk}: {other}"),
            }
        }
    }
    assert_eq!(held.len(), 50, "the default per-address cap");
    assert_eq!(refused, 1950);
    // Someone else still gets a stream.
    assert_eq!(open_from("203.0.113.9").await.status(), 200);
    // Closing streams frees their slots.
    held.truncate(40);
    eventually(Duration::from_secs(10), "a freed slot", || async {
        (open_from("198.51.100.66").await.status() == 200).then_some(())
    })
    .await;
}

#[tokio::test]
async fn access_logs_name_the_address_the_limits_use_not_a_forged_one() {
    let service = ServiceProcess::start(&[("LOG_FORMAT", "json")]).await;
    let marker = uuid::Uuid::new_v4().simple().to_string();
    let response = service
        .http
        .get(service.url(&format!("/shows?marker={marker}")))
        .header("X-Forwarded-For", "6.6.6.6")
        .header("X-Real-IP", "7.7.7.7")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let line = eventually(Duration::from_secs(10), "the access log line", || async {
        service
            .log()
            .lines()
            .find(|l| l.contains(&marker))
            .map(str::to_owned)
    })
    .await;
    assert!(line.contains("127.0.0.1"), "{line}");
    assert!(
        !line.contains("6.6.6.6") && !line.contains("7.7.7.7"),
        "{line}"
    );
}

#[tokio::test]
async fn reads_are_limited_per_address_and_probes_are_not() {
    let service = ServiceProcess::start(&[
        ("TRUST_FORWARDED_FOR", "true"),
        ("RATE_LIMIT_READS_PER_IP", "5"),
    ])
    .await;
    let read = |path: &'static str, address: &'static str| {
        let service = &service;
        async move {
            service
                .http
                .get(service.url(path))
                .header("X-Forwarded-For", address)
                .send()
                .await
                .unwrap()
        }
    };
    for _ in 0..5 {
        assert_eq!(read("/shows", "192.0.2.1").await.status(), 200);
    }
    let refused = read("/shows/1", "192.0.2.1").await;
    assert_eq!(refused.status(), 429);
    assert!(refused.headers().contains_key("retry-after"));
    let body: serde_json::Value = refused.json().await.unwrap();
    assert_eq!(body["code"], "rate_limited");
    // Another address, and the probes, are not affected.
    assert_eq!(read("/shows", "192.0.2.2").await.status(), 200);
    for _ in 0..10 {
        assert_eq!(read("/ready", "192.0.2.1").await.status(), 200);
    }
}
