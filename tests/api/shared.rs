//! Several instances sharing PostgreSQL and Redis: invalidation and change messages
//! cross instances; a rolled-back hold publishes nothing; Redis going away fails nothing
//! and leaves nothing stale when it returns.

use std::time::Duration;

use tessera::cache::Notice;

use crate::helpers::{OwnRedis, TestApp, eventually, fresh_database, test_settings};

/// Two instances on one database and one Redis namespace.
async fn pair(redis_url: &str) -> (TestApp, TestApp, String) {
    let db_url = fresh_database().await;
    let namespace = format!("test-{}", uuid::Uuid::new_v4().simple());
    let secret = test_settings(&db_url).jwt_secret;
    let settings = || {
        let mut s = test_settings(&db_url);
        s.jwt_secret = secret.clone();
        s.redis_url = Some(redis_url.to_owned());
        s.redis_namespace = namespace.clone();
        s.cache_ttl = Duration::from_secs(600); // only invalidation can refresh a copy
        s
    };
    let a = TestApp::spawn_settings(settings()).await;
    let b = TestApp::spawn_settings(settings()).await;
    (a, b, namespace)
}

#[tokio::test]
async fn a_change_on_one_instance_reaches_the_other() {
    let redis = OwnRedis::start().await;
    let (a, b, _) = pair(&redis.url()).await;
    let show = a.create_show(&[("A", 4)]).await;
    let buyer = b.new_user().await;

    // A caches the map and the list while everything is free.
    assert_eq!(a.seat_status(show, 0).await, "AVAILABLE");
    let version_before = a.get(&format!("/shows/{show}/seats"), None).await.body["version"]
        .as_u64()
        .unwrap();
    assert_eq!(
        a.get("/shows", None).await.body["items"][0]["available_seats"],
        4
    );
    let mut notices = a.state.cache.subscribe();

    let hold = b.hold(&buyer, show, &[1]).await;
    assert_eq!(hold.status, 201);

    // A hears of it (pub/sub) and drops its copies.
    let change = loop {
        match tokio::time::timeout(Duration::from_secs(5), notices.recv()).await {
            Ok(Ok(Notice::Changed(change))) => break change,
            Ok(Ok(_)) => continue,
            other => panic!("no change notice on the other instance: {other:?}"),
        }
    };
    assert_eq!(change.show_id, show);
    assert_eq!(change.version, version_before + 1);
    assert_eq!(change.seats.len(), 1);
    assert_eq!(
        (change.seats[0].id, change.seats[0].status.as_str()),
        (1, "HELD")
    );
    let map = a.get(&format!("/shows/{show}/seats"), None).await;
    assert_eq!(map.body["seats"][0]["status"], "HELD");
    assert_eq!(map.body["version"].as_u64(), Some(change.version));
    // Lists follow within `LIST_REFRESH` of being built.
    eventually(Duration::from_secs(5), "A's list to follow", || async {
        (a.get("/shows", None).await.body["items"][0]["available_seats"] == 3).then_some(())
    })
    .await;
    assert_eq!(
        a.get(&format!("/shows/{show}"), None).await.body["available_seats"],
        3
    );
}

#[tokio::test]
async fn a_write_on_one_instance_is_read_on_the_other_at_once_with_its_version() {
    let redis = OwnRedis::start().await;
    let (a, b, _) = pair(&redis.url()).await;
    let seats = 24;
    let show = a.create_show(&[("A", seats)]).await;
    let buyer = a.new_user().await;
    let map_since = |version: u64| format!("/shows/{show}/seats?min_version={version}");
    for seat in 1..=seats as i64 {
        let index = seat as usize - 1;
        // B keeps a copy from before the write (only a change message would drop it).
        assert_eq!(b.seat_status(show, index).await, "AVAILABLE");
        let hold = a.hold(&buyer, show, &[seat]).await;
        assert_eq!(hold.status, 201, "{hold:?}");
        let version = hold.body["show_version"].as_u64().unwrap();
        // Asked at once, B answers with the write, whether or not it has heard of it.
        let map = b.get(&map_since(version), None).await;
        assert_eq!(map.body["seats"][index]["status"], "HELD", "seat {seat}");
        assert!(map.body["version"].as_u64().unwrap() >= version);
        let one = b
            .get(&format!("/shows/{show}?min_version={version}"), None)
            .await;
        assert_eq!(one.body["available_seats"], seats as i64 - seat);

        let id = hold.body["id"].as_str().unwrap();
        let confirm = a.act(&buyer, id, "confirm").await;
        assert_eq!(confirm.status, 200, "{confirm:?}");
        let version = confirm.body["show_version"].as_u64().unwrap();
        let map = b.get(&map_since(version), None).await;
        assert_eq!(map.body["seats"][index]["status"], "BOOKED", "seat {seat}");
    }

    // A version from the future counts as the current one: it never skips the cache.
    let loads = b.state.cache.local().loads();
    for _ in 0..50 {
        let map = b.get(&map_since(u64::MAX), None).await;
        assert_eq!(map.status, 200);
    }
    assert!(b.state.cache.local().loads() <= loads + 1);
    let bad = b
        .get(&format!("/shows/{show}/seats?min_version=-1"), None)
        .await;
    assert_eq!((bad.status, bad.code()), (400, "invalid_parameter"));
}

#[tokio::test]
async fn a_rolled_back_hold_publishes_nothing() {
    let redis = OwnRedis::start().await;
    let (a, b, _) = pair(&redis.url()).await;
    let show = a.create_show(&[("A", 4)]).await;
    let (ann, bob) = (b.new_user().await, b.new_user().await);
    let mut notices = a.state.cache.subscribe();
    let mut next_change = async || loop {
        match tokio::time::timeout(Duration::from_secs(5), notices.recv()).await {
            Ok(Ok(Notice::Changed(change))) => {
                break change.seats.iter().map(|s| s.id).collect::<Vec<i32>>();
            }
            Ok(Ok(_)) => continue,
            other => panic!("no notice: {other:?}"),
        }
    };
    // Ann's hold reaches A (pub/sub delivery is asynchronous: wait for it).
    assert_eq!(b.hold(&ann, show, &[1]).await.status, 201);
    assert_eq!(next_change().await, [1]);

    // Bob's hold fails (seat 1 is taken) and rolls back; then he holds seat 4.
    assert_eq!(b.hold(&bob, show, &[1, 2]).await.status, 409);
    assert_eq!(b.hold(&bob, show, &[4]).await.status, 201);

    // The next notice A hears is about seat 4: the failed attempt sent nothing.
    assert_eq!(next_change().await, [4]);
}

#[tokio::test]
async fn redis_going_away_fails_nothing_and_leaves_nothing_stale() {
    let mut redis = OwnRedis::start().await;
    let (a, b, _) = pair(&redis.url()).await;
    let show = a.create_show(&[("A", 6)]).await;
    let buyer = b.new_user().await;
    assert_eq!(a.seat_status(show, 0).await, "AVAILABLE");

    redis.stop();
    // Holds and reads keep working on both instances (the send helper fails on any 5xx).
    assert_eq!(b.hold(&buyer, show, &[2]).await.status, 201);
    assert_eq!(a.hold(&buyer, show, &[3]).await.status, 201);
    assert_eq!(b.seat_status(show, 1).await, "HELD");
    assert_eq!(a.seat_status(show, 2).await, "HELD");
    let ready: serde_json::Value = a
        .http
        .get(format!("{}/ready", a.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(ready["status"], "degraded", "{ready}");

    redis.restart().await;
    // After the subscription heals, every instance sees every change.
    eventually(
        Duration::from_secs(20),
        "both instances to agree on every seat",
        || async {
            let on_a = a.get(&format!("/shows/{show}/seats"), None).await;
            let on_b = b.get(&format!("/shows/{show}/seats"), None).await;
            let statuses = |r: &crate::helpers::Resp| -> Vec<String> {
                r.body["seats"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|s| s["status"].as_str().unwrap().to_owned())
                    .collect()
            };
            let expected = [
                "AVAILABLE",
                "HELD",
                "HELD",
                "AVAILABLE",
                "AVAILABLE",
                "AVAILABLE",
            ];
            (statuses(&on_a) == expected && statuses(&on_b) == expected).then_some(())
        },
    )
    .await;
    eventually(
        Duration::from_secs(20),
        "both subscriptions to be restored",
        || async { (a.state.cache.subscribed() && b.state.cache.subscribed()).then_some(()) },
    )
    .await;
    let mut notices = a.state.cache.subscribe();
    assert_eq!(b.hold(&buyer, show, &[5]).await.status, 201);
    loop {
        match tokio::time::timeout(Duration::from_secs(5), notices.recv()).await {
            Ok(Ok(Notice::Changed(change))) if change.seats.iter().any(|s| s.id == 5) => break,
            Ok(Ok(_)) => continue,
            other => panic!("A did not hear B's change after Redis returned: {other:?}"),
        }
    }
    assert_eq!(a.seat_status(show, 4).await, "HELD");
    let ready: serde_json::Value = a
        .http
        .get(format!("{}/ready", a.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(ready["status"], "ok", "{ready}");
    a.check_invariants(show).await;
}

/// Opens a show's event stream, resuming after `last_event_id` when given.
async fn open_events(app: &TestApp, show: i64, last_event_id: Option<u64>) -> reqwest::Response {
    let mut request = app.http.get(app.url(&format!("/shows/{show}/events")));
    if let Some(id) = last_event_id {
        request = request.header("Last-Event-ID", id.to_string());
    }
    request.send().await.unwrap()
}

/// Reads an event stream until `until` matches the text so far.
async fn read_events(response: reqwest::Response, until: impl Fn(&str) -> bool) -> String {
    use futures_util::StreamExt;
    let mut text = String::new();
    let mut body = response.bytes_stream();
    let outcome = tokio::time::timeout(Duration::from_secs(10), async {
        while let Some(chunk) = body.next().await {
            text.push_str(&String::from_utf8_lossy(&chunk.unwrap()));
            if until(&text) {
                return;
            }
        }
    })
    .await;
    assert!(outcome.is_ok(), "stream ended or timed out; got:\n{text}");
    text
}

#[tokio::test]
async fn seat_events_fan_out_across_instances_and_replay_on_reconnect() {
    let redis = OwnRedis::start().await;
    let (a, b, namespace) = pair(&redis.url()).await;
    let show = a.create_show(&[("A", 4)]).await;
    let buyer = b.new_user().await;
    // Creating the show was its first change; seat changes follow from there.
    let base = a.get(&format!("/shows/{show}/seats"), None).await.body["version"]
        .as_u64()
        .unwrap();

    let stream = open_events(&a, show, None).await;
    assert_eq!(stream.status(), 200);
    assert!(
        stream.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/event-stream")
    );
    let hold = b.hold(&buyer, show, &[2]).await;
    let id = hold.body["id"].as_str().unwrap().to_owned();
    assert_eq!(b.act(&buyer, &id, "confirm").await.status, 200);
    let text = read_events(stream, |t| t.matches("event: seats").count() >= 2).await;
    assert!(text.contains(&format!("id: {}\n", base + 1)), "{text}");
    assert!(text.contains(&format!("id: {}\n", base + 2)), "{text}");
    // Each event carries the seat's status as read after its change committed: the
    // hold's reads HELD, unless the confirm committed before that read (under load), and
    // then both read BOOKED. The last one always has the final state.
    let held = r#""seats":[{"id":2,"status":"HELD"}]"#;
    let booked = r#""seats":[{"id":2,"status":"BOOKED"}]"#;
    assert!(
        text.contains(held) || text.matches(booked).count() == 2,
        "{text}"
    );
    assert!(
        text.trim_end().ends_with(&format!(
            "{booked},\"show_id\":{show},\"version\":{}}}",
            base + 2
        )),
        "{text}"
    );

    // A client that saw the hold gets the confirmation replayed on reconnect.
    let again = open_events(&a, show, Some(base + 1)).await;
    let text = read_events(again, |t| t.contains("event: seats")).await;
    assert!(
        text.contains(&format!("id: {}\n", base + 2))
            && !text.contains(&format!("id: {}\n", base + 1)),
        "{text}"
    );

    // An instance that never saw the changes tells a client behind it to reload.
    let mut settings = test_settings(&a.db_url);
    settings.redis_url = Some(redis.url());
    settings.redis_namespace = namespace;
    let c = TestApp::spawn_settings(settings).await;
    let behind = c
        .http
        .get(c.url(&format!("/shows/{show}/events?since=0")))
        .send()
        .await
        .unwrap();
    let text = read_events(behind, |t| t.contains("event: resync")).await;
    assert!(text.contains(r#""kind":"resync""#), "{text}");

    let missing = a.get("/shows/999999/events", None).await;
    assert_eq!((missing.status, missing.code()), (404, "show_not_found"));
}

/// A list one instance built serves the others through Redis (a sale costs each list
/// one rebuild per refresh period in all, not one per instance); a show created anywhere
/// makes every shared copy useless at once.
#[tokio::test]
async fn instances_share_show_lists_through_redis() {
    let redis = OwnRedis::start().await;
    let (a, b, _) = pair(&redis.url()).await;
    let show = a.create_show(&[("A", 4)]).await;
    assert_eq!(names(&a).await, ["Test show"]);
    // Changed behind the service's back: only a copy can still say "Test show".
    a.sql()
        .await
        .execute("UPDATE shows SET name = 'Renamed' WHERE id = $1", &[&show])
        .await
        .unwrap();
    assert_eq!(names(&b).await, ["Test show"], "B answered from A's copy");
    // A new show (on A): B's lists, and the copy in Redis, are of an older generation.
    a.create_show(&[("A", 2)]).await;
    eventually(Duration::from_secs(5), "B to list both shows", || async {
        (names(&b).await == ["Renamed", "Test show"]).then_some(())
    })
    .await;
}

/// The names on an instance's first page of shows.
async fn names(app: &TestApp) -> Vec<String> {
    let list = app.get("/shows", None).await;
    assert_eq!(list.status, 200, "{list:?}");
    list.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn a_show_created_on_one_instance_appears_on_the_others_lists() {
    let redis = OwnRedis::start().await;
    let (a, b, _) = pair(&redis.url()).await;
    let first = a.create_show(&[("A", 2)]).await;
    assert_eq!(
        a.get("/shows", None).await.body["items"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let mut notices = a.state.cache.subscribe();
    let second = b.create_show(&[("A", 3)]).await;
    loop {
        match tokio::time::timeout(Duration::from_secs(5), notices.recv()).await {
            Ok(Ok(Notice::Changed(change))) if change.show_id == second => break,
            Ok(Ok(_)) => continue,
            other => panic!("no notice of the new show: {other:?}"),
        }
    }
    let ids: Vec<i64> = a.get("/shows", None).await.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_i64().unwrap())
        .collect();
    assert!(ids.contains(&first) && ids.contains(&second), "{ids:?}");
}

#[tokio::test]
async fn changes_published_out_of_version_order_all_reach_the_stream() {
    let redis = OwnRedis::start().await;
    let (a, _b, namespace) = pair(&redis.url()).await;
    let show = a.create_show(&[("A", 4)]).await;
    let base = a.get(&format!("/shows/{show}/seats"), None).await.body["version"]
        .as_u64()
        .unwrap();
    let stream = open_events(&a, show, None).await;
    assert_eq!(stream.status(), 200);

    // Two writers took their versions in one order and published in the other (each
    // publishes once its status read is back): both changes must reach the stream.
    let client = redis::Client::open(redis.url()).unwrap();
    let mut con = client.get_multiplexed_async_connection().await.unwrap();
    for (version, seat, status) in [(base + 2, 1, "BOOKED"), (base + 1, 2, "HELD")] {
        let message = serde_json::json!({
            "show_id": show, "version": version, "seats": [{"id": seat, "status": status}],
        });
        redis::cmd("PUBLISH")
            .arg(format!("{namespace}:show-changes"))
            .arg(message.to_string())
            .query_async::<i64>(&mut con)
            .await
            .unwrap();
    }
    let text = read_events(stream, |t| t.matches("event: seats").count() >= 2).await;
    let late = text.find(&format!("id: {}\n", base + 1));
    let early = text.find(&format!("id: {}\n", base + 2));
    assert!(late.is_some() && early < late, "{text}");

    // A client reconnecting from before both gets them replayed in version order.
    let again = open_events(&a, show, Some(base)).await;
    let text = read_events(again, |t| t.matches("event: seats").count() >= 2).await;
    let first = text.find(&format!("id: {}\n", base + 1));
    let second = text.find(&format!("id: {}\n", base + 2));
    assert!(first.is_some() && first < second, "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_changes_rebuild_the_seat_map_from_the_stream() {
    let redis = OwnRedis::start().await;
    let (a, b, _) = pair(&redis.url()).await;
    let show = a.create_show(&[("A", 20), ("B", 20)]).await;
    let buyers = futures_util::future::join_all((0..20).map(|_| b.new_user())).await;
    let stream = open_events(&a, show, None).await;
    // Twenty buyers at once each hold two seats, and every other one cancels at once:
    // their changes queue up and go out in batches.
    futures_util::future::join_all(buyers.iter().enumerate().map(|(i, token)| {
        let first = i as i64 * 2 + 1;
        let b = &b;
        async move {
            let hold = b.hold(token, show, &[first, first + 1]).await;
            assert_eq!(hold.status, 201, "{hold:?}");
            if i % 2 == 0 {
                let id = hold.body["id"].as_str().unwrap();
                assert_eq!(b.act(token, id, "cancel").await.status, 200);
            }
        }
    }))
    .await;
    // What every seat ends as: the odd buyers' seats held, the even buyers' free again.
    let expected = |seat: i64| {
        if ((seat - 1) / 2) % 2 == 1 {
            "HELD"
        } else {
            "AVAILABLE"
        }
    };

    // Applying the events as documented (per seat, the highest version wins) gives the
    // seat map as it is. Changes that commit together (a batch) may share one event.
    let text = read_events(stream, |t| {
        let latest = latest_statuses(t);
        (1..=40).all(|seat| latest.get(&seat).map(|(_, s)| s.as_str()) == Some(expected(seat)))
    })
    .await;
    let latest = latest_statuses(&text);
    let mut versions = std::collections::HashSet::new();
    for data in text.lines().filter_map(|l| l.strip_prefix("data: ")) {
        let event: serde_json::Value = serde_json::from_str(data).unwrap();
        let version = event["version"].as_u64().unwrap();
        assert!(versions.insert(version), "one version per change: {text}");
    }
    let map = a.get(&format!("/shows/{show}/seats"), None).await;
    for seat in map.body["seats"].as_array().unwrap() {
        let id = seat["id"].as_i64().unwrap();
        let from_events = latest.get(&id).map(|(_, s)| s.as_str());
        if id <= 40 {
            assert_eq!(from_events, seat["status"].as_str(), "seat {id}:\n{text}");
        } else {
            assert_eq!(from_events, None, "seat {id} never changed");
        }
    }
}

/// Each seat's status in a stream's `seats` events, the highest version winning.
fn latest_statuses(text: &str) -> std::collections::HashMap<i64, (u64, String)> {
    let mut latest: std::collections::HashMap<i64, (u64, String)> = Default::default();
    for data in text.lines().filter_map(|l| l.strip_prefix("data: ")) {
        let Ok(event) = serde_json::from_str::<serde_json::Value>(data) else {
            continue;
        };
        let Some(version) = event["version"].as_u64() else {
            continue;
        };
        for seat in event["seats"].as_array().into_iter().flatten() {
            let entry = latest
                .entry(seat["id"].as_i64().unwrap())
                .or_insert((0, String::new()));
            if version > entry.0 {
                *entry = (version, seat["status"].as_str().unwrap().to_owned());
            }
        }
    }
    latest
}
