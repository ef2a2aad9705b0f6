//! The read cache: conditional reads, invalidation after commits, one load per stampede,
//! lifetimes capped by TTL and by lapsing holds.

use std::time::Duration;

use futures_util::future::join_all;

use crate::helpers::{TestApp, eventually};

async fn get_with_etag(
    app: &TestApp,
    path: &str,
    etag: Option<&str>,
) -> (u16, Option<String>, String) {
    let mut request = app.http.get(app.url(path));
    if let Some(etag) = etag {
        request = request.header("If-None-Match", etag);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let etag = response
        .headers()
        .get("etag")
        .map(|v| v.to_str().unwrap().to_owned());
    (status, etag, response.text().await.unwrap())
}

#[tokio::test]
async fn conditional_reads_answer_304_until_the_show_changes() {
    let app = TestApp::spawn().await;
    let show = app.create_show(&[("A", 4)]).await;
    let buyer = app.new_user().await;
    for path in [
        format!("/shows/{show}/seats"),
        format!("/shows/{show}"),
        "/shows?limit=10".to_owned(),
    ] {
        let (status, etag, body) = get_with_etag(&app, &path, None).await;
        assert_eq!(status, 200, "{path}");
        let etag = etag.expect("an ETag");
        assert!(etag.starts_with('"'), "{etag}");
        let (status, _, body304) = get_with_etag(&app, &path, Some(&etag)).await;
        assert_eq!((status, body304.as_str()), (304, ""), "{path}");
        let (status, _, _) = get_with_etag(&app, &path, Some("\"other\", W/\"x\"")).await;
        assert_eq!(status, 200, "{path}");
        assert!(
            body.contains(&format!("\"id\":{show}"))
                || body.contains(&format!("\"show_id\":{show}"))
        );
    }

    let (_, map_etag, _) = get_with_etag(&app, &format!("/shows/{show}/seats"), None).await;
    let (_, show_etag, _) = get_with_etag(&app, &format!("/shows/{show}"), None).await;
    let (_, list_etag, _) = get_with_etag(&app, "/shows?limit=10", None).await;
    assert_eq!(app.hold(&buyer, show, &[2]).await.status, 201);

    // The very next reads of the show see the hold: the commit dropped its cached copies.
    let (status, _, map) =
        get_with_etag(&app, &format!("/shows/{show}/seats"), map_etag.as_deref()).await;
    assert_eq!(status, 200);
    assert!(map.contains("\"HELD\""), "{map}");
    let (status, _, one) =
        get_with_etag(&app, &format!("/shows/{show}"), show_etag.as_deref()).await;
    assert_eq!(status, 200);
    assert!(one.contains("\"available_seats\":3"), "{one}");
    // Lists follow within `LIST_REFRESH` of being built (not on every sale).
    let list = eventually(Duration::from_secs(5), "the list to follow", || async {
        let (status, _, list) = get_with_etag(&app, "/shows?limit=10", list_etag.as_deref()).await;
        (status == 200 && list.contains("\"available_seats\":3")).then_some(list)
    })
    .await;
    assert!(list.contains(&format!("\"id\":{show}")), "{list}");
}

/// A sale rebuilds each cached list at most once per `LIST_REFRESH`, not once per hold,
/// while the show's own page follows every hold.
#[tokio::test]
async fn a_sale_does_not_rebuild_the_show_list_per_hold() {
    let app = TestApp::spawn().await;
    let show = app.create_show(&[("A", 40)]).await;
    let buyers = join_all((0..4).map(|_| app.new_user())).await;
    assert_eq!(app.get("/shows", None).await.status, 200);
    let started = std::time::Instant::now();
    let before = app.state.cache.local().loads();
    let mut lists = 0;
    for seat in 1..=20 {
        let buyer = &buyers[seat as usize % buyers.len()];
        assert_eq!(app.hold(buyer, show, &[seat]).await.status, 201);
        let one = app.get(&format!("/shows/{show}"), None).await;
        assert_eq!(
            one.body["available_seats"],
            40 - seat,
            "the show page is exact"
        );
        let before_list = app.state.cache.local().loads();
        assert_eq!(app.get("/shows", None).await.status, 200);
        lists += app.state.cache.local().loads() - before_list;
    }
    // One rebuild per refresh period at most (plus the one in progress at the start).
    let periods = started.elapsed().as_millis() / tessera::cache::LIST_REFRESH.as_millis();
    assert!(
        lists as u128 <= periods + 1,
        "{lists} list loads in {periods} periods"
    );
    // (The show page loaded once per hold: 20.)
    assert!(app.state.cache.local().loads() - before >= 20);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_stampede_of_misses_loads_once() {
    let app = TestApp::spawn().await;
    let show = app.create_show(&[("A", 50), ("B", 50)]).await;
    let before = app.state.cache.local().loads();
    let results = join_all((0..64).map(|_| {
        let app = &app;
        async move { app.get(&format!("/shows/{show}/seats"), None).await }
    }))
    .await;
    assert!(results.iter().all(|r| r.status == 200));
    assert_eq!(app.state.cache.local().loads() - before, 1);
}

#[tokio::test]
async fn entries_expire_after_their_ttl_without_any_invalidation() {
    let app = TestApp::spawn_with(|s| s.cache_ttl = Duration::from_secs(1)).await;
    let show = app.create_show(&[("A", 4)]).await;
    let first = app.get(&format!("/shows/{show}"), None).await;
    assert_eq!(first.body["name"], "Test show");
    // A change that bypasses the service (so nothing invalidates the cache)...
    app.sql()
        .await
        .execute("UPDATE shows SET name = 'Renamed' WHERE id = $1", &[&show])
        .await
        .unwrap();
    // ...is still hidden by the cached copy, and appears once it expires.
    assert_eq!(
        app.get(&format!("/shows/{show}"), None).await.body["name"],
        "Test show"
    );
    eventually(
        Duration::from_secs(5),
        "the cached show to expire",
        || async {
            (app.get(&format!("/shows/{show}"), None).await.body["name"] == "Renamed").then_some(())
        },
    )
    .await;
}

#[tokio::test]
async fn a_cached_seat_map_never_outlives_a_hold_it_shows() {
    // Long cache TTL, one-second holds, no sweeper: only the entry's own lifetime (capped
    // at the hold's expiry) can make the seat read as free again.
    let app = TestApp::spawn_with(|s| {
        s.cache_ttl = Duration::from_secs(600);
        s.hold_ttl_secs = 1;
        s.sweep_interval = Duration::from_secs(3600);
    })
    .await;
    let show = app.create_show(&[("A", 4)]).await;
    let buyer = app.new_user().await;
    assert_eq!(app.hold(&buyer, show, &[1]).await.status, 201);
    let held = app.get(&format!("/shows/{show}/seats"), None).await;
    assert_eq!(held.body["seats"][0]["status"], "HELD");
    assert_eq!(
        app.get(&format!("/shows/{show}"), None).await.body["available_seats"],
        3
    );
    eventually(
        Duration::from_secs(10),
        "the lapsed hold to show as free",
        || async {
            let map = app.get(&format!("/shows/{show}/seats"), None).await;
            let one = app.get(&format!("/shows/{show}"), None).await;
            (map.body["seats"][0]["status"] == "AVAILABLE" && one.body["available_seats"] == 4)
                .then_some(())
        },
    )
    .await;
}

#[tokio::test]
async fn without_redis_seat_events_come_from_the_in_process_bus() {
    use futures_util::StreamExt;
    let app = TestApp::spawn().await;
    assert!(!app.state.cache.shared());
    let show = app.create_show(&[("A", 4)]).await;
    let buyer = app.new_user().await;
    let map = app.get(&format!("/shows/{show}/seats"), None).await;
    let version = map.body["version"].as_u64().unwrap();

    let stream = app
        .http
        .get(app.url(&format!("/shows/{show}/events?since={version}")))
        .send()
        .await
        .unwrap();
    assert_eq!(app.hold(&buyer, show, &[3]).await.status, 201);
    let mut body = stream.bytes_stream();
    let mut text = String::new();
    tokio::time::timeout(Duration::from_secs(10), async {
        while !text.contains("event: seats") {
            text.push_str(&String::from_utf8_lossy(
                &body.next().await.unwrap().unwrap(),
            ));
        }
    })
    .await
    .unwrap_or_else(|_| panic!("no event; got:\n{text}"));
    assert!(text.contains(&format!("id: {}\n", version + 1)), "{text}");
    assert!(
        text.contains(r#""seats":[{"id":3,"status":"HELD"}]"#),
        "{text}"
    );
}

#[tokio::test]
async fn large_seat_maps_are_sent_gzip_compressed_to_clients_that_accept_it() {
    use std::io::Read;
    let app = TestApp::spawn().await;
    let rows: Vec<(String, i32)> = (1..=20).map(|i| (format!("R{i}"), 100)).collect();
    let rows: Vec<(&str, i32)> = rows.iter().map(|(l, n)| (l.as_str(), *n)).collect();
    let show = app.create_show(&rows).await;
    let url = app.url(&format!("/shows/{show}/seats"));

    let plain = app.http.get(&url).send().await.unwrap();
    assert!(plain.headers().get("content-encoding").is_none());
    let plain = plain.bytes().await.unwrap();
    let zipped = app
        .http
        .get(&url)
        .header("Accept-Encoding", "br;q=1, gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(zipped.headers()["content-encoding"], "gzip");
    assert_eq!(zipped.headers()["vary"], "Accept-Encoding");
    let zipped = zipped.bytes().await.unwrap();
    assert!(
        zipped.len() * 5 < plain.len(),
        "{} vs {}",
        zipped.len(),
        plain.len()
    );
    let mut unzipped = Vec::new();
    flate2::read::GzDecoder::new(&zipped[..])
        .read_to_end(&mut unzipped)
        .unwrap();
    assert_eq!(unzipped, plain);
    let refused = app
        .http
        .get(&url)
        .header("Accept-Encoding", "gzip;q=0")
        .send()
        .await
        .unwrap();
    assert!(refused.headers().get("content-encoding").is_none());
}

#[tokio::test]
async fn a_missing_show_costs_one_lookup_and_is_found_the_moment_it_exists() {
    let app = TestApp::spawn().await;
    let existing = app.create_show(&[("A", 2)]).await;
    // Shows get ids in order: the next one is not there yet.
    let next = existing + 1;
    let before = app.state.cache.local().loads();
    for path in [format!("/shows/{next}"), format!("/shows/{next}/seats")] {
        for _ in 0..10 {
            let missing = app.get(&path, None).await;
            assert_eq!((missing.status, missing.code()), (404, "show_not_found"));
        }
    }
    assert_eq!(
        app.state.cache.local().loads() - before,
        1,
        "one database lookup for twenty asks"
    );
    let created = app.create_show(&[("A", 2)]).await;
    assert_eq!(created, next);
    assert_eq!(app.get(&format!("/shows/{next}"), None).await.status, 200);
    assert_eq!(
        app.get(&format!("/shows/{next}/seats"), None).await.status,
        200
    );
}

#[tokio::test]
async fn clients_without_gzip_get_a_kept_plain_copy_of_a_large_map() {
    let app = TestApp::spawn().await;
    let rows: Vec<(String, i32)> = (1..=20).map(|i| (format!("R{i}"), 100)).collect();
    let rows: Vec<(&str, i32)> = rows.iter().map(|(l, n)| (l.as_str(), *n)).collect();
    let show = app.create_show(&rows).await;
    let url = app.url(&format!("/shows/{show}/seats"));
    let first = app
        .http
        .get(&url)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let second = app
        .http
        .get(&url)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(first, second);
    // Both came from the one cached entry; the second from its kept plain copy (the same
    // bytes object, so no inflating).
    let entry = tessera::api::cached::seat_map(&app.state, show, 0)
        .await
        .unwrap();
    let (a, b) = (
        app.state.cache.local().plain_body(&entry).unwrap(),
        app.state.cache.local().plain_body(&entry).unwrap(),
    );
    assert_eq!(a, first);
    assert_eq!(a.as_ptr(), b.as_ptr(), "one inflated copy, kept");
}
