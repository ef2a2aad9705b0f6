//! Booking lifecycle events: written to the outbox with each change, relayed to the Redis
//! Stream in order, and kept in PostgreSQL while Redis is away.

use std::collections::HashMap;
use std::time::Duration;

use futures_util::future::join_all;
use redis::streams::StreamRangeReply;
use serde_json::Value;

use crate::helpers::{OwnRedis, TestApp, eventually};

/// The stream's entries as (event type, booking id, event id, data).
async fn stream(redis_url: &str, namespace: &str) -> Vec<(String, String, i64, Value)> {
    let client = redis::Client::open(redis_url).unwrap();
    let Ok(mut conn) = client.get_multiplexed_async_connection().await else {
        return Vec::new();
    };
    let reply: StreamRangeReply = redis::cmd("XRANGE")
        .arg(format!("{namespace}:booking-events"))
        .arg("-")
        .arg("+")
        .query_async(&mut conn)
        .await
        .unwrap_or_default();
    reply
        .ids
        .iter()
        .map(|entry| {
            let field = |name: &str| entry.get::<String>(name).unwrap_or_default();
            (
                field("type"),
                field("booking_id"),
                field("event_id").parse().unwrap(),
                serde_json::from_str(&field("data")).unwrap(),
            )
        })
        .collect()
}

async fn spawn(redis: &OwnRedis, namespace: &str) -> TestApp {
    TestApp::spawn_with(|s| {
        s.redis_url = Some(redis.url());
        s.redis_namespace = namespace.to_owned();
    })
    .await
}

#[tokio::test]
async fn every_booking_change_reaches_the_stream_in_order() {
    let redis = OwnRedis::start().await;
    let namespace = format!("test-{}", uuid::Uuid::new_v4().simple());
    let app = spawn(&redis, &namespace).await;
    let show = app.create_show(&[("A", 10)]).await;
    let buyer = app.new_user().await;
    let id = |r: &crate::helpers::Resp| r.body["id"].as_str().unwrap().to_owned();

    let confirmed = id(&app.hold(&buyer, show, &[1, 2]).await);
    assert_eq!(app.act(&buyer, &confirmed, "confirm").await.status, 200);
    let cancelled = id(&app.hold(&buyer, show, &[3]).await);
    assert_eq!(app.act(&buyer, &cancelled, "cancel").await.status, 200);
    let expired = id(&app.hold(&buyer, show, &[4]).await);
    // Let the last hold lapse now instead of in two minutes; the sweeper expires it.
    let sql = app.sql().await;
    let lapse = uuid::Uuid::parse_str(&expired).unwrap();
    for statement in [
        "UPDATE bookings SET expires_at = now() - interval '1 second' WHERE id = $1",
        "UPDATE pending_holds SET expires_at = now() - interval '1 second' WHERE booking_id = $1",
        "UPDATE seats SET held_until = now() - interval '1 second' WHERE booking_id = $1",
    ] {
        sql.execute(statement, &[&lapse]).await.unwrap();
    }

    let events = eventually(
        Duration::from_secs(10),
        "six events in the stream",
        || async {
            let events = stream(&redis.url(), &namespace).await;
            (events.len() >= 6).then_some(events)
        },
    )
    .await;
    let seen: Vec<(&str, &str)> = events
        .iter()
        .map(|(kind, booking, _, _)| (kind.as_str(), booking.as_str()))
        .collect();
    assert_eq!(
        seen,
        [
            ("booking.held", confirmed.as_str()),
            ("booking.confirmed", confirmed.as_str()),
            ("booking.held", cancelled.as_str()),
            ("booking.cancelled", cancelled.as_str()),
            ("booking.held", expired.as_str()),
            ("booking.expired", expired.as_str()),
        ]
    );
    let (_, _, _, data) = &events[1];
    assert_eq!(data["status"], "CONFIRMED");
    assert_eq!(data["show_id"], show);
    assert_eq!(data["seat_ids"], serde_json::json!([1, 2]));
    assert_eq!(data["total_cents"], 2000);
    assert_eq!(events[5].3["failure_reason"], "EXPIRED");
    assert!(events.windows(2).all(|w| w[0].2 < w[1].2), "event ids rise");
    // The relay appends to the stream first, then deletes what it appended.
    eventually(
        Duration::from_secs(10),
        "delivered events to leave the outbox",
        || async { (app.scalar("SELECT count(*) FROM outbox", &[]).await == 0).then_some(()) },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn events_wait_while_redis_is_down_and_all_arrive_when_it_returns() {
    let mut redis = OwnRedis::start().await;
    let namespace = format!("test-{}", uuid::Uuid::new_v4().simple());
    let app = spawn(&redis, &namespace).await;
    let show = app.create_show(&[("A", 20)]).await;
    let buyers = join_all((0..10).map(|_| app.new_user())).await;

    redis.stop();
    // Bookings go on without Redis.
    let ids = join_all(buyers.iter().enumerate().map(|(i, token)| {
        let app = &app;
        async move {
            let hold = app.hold(token, show, &[i as i64 + 1]).await;
            assert_eq!(hold.status, 201, "{hold:?}");
            let id = hold.body["id"].as_str().unwrap().to_owned();
            assert_eq!(app.act(token, &id, "confirm").await.status, 200);
            id
        }
    }))
    .await;
    let waiting = app.scalar("SELECT count(*) FROM outbox", &[]).await;
    assert_eq!(waiting, 20, "every change waits in the outbox");

    redis.restart().await;
    let events = eventually(Duration::from_secs(15), "all events delivered", || async {
        let events = stream(&redis.url(), &namespace).await;
        (events.len() >= 20).then_some(events)
    })
    .await;
    let mut by_booking: HashMap<&str, Vec<&str>> = HashMap::new();
    for (kind, booking, _, _) in &events {
        by_booking.entry(booking).or_default().push(kind);
    }
    for id in &ids {
        assert_eq!(
            by_booking.get(id.as_str()).map(Vec::as_slice),
            Some(["booking.held", "booking.confirmed"].as_slice()),
            "{id}"
        );
    }
    assert_eq!(app.check_invariants(show).await, 10);
    eventually(Duration::from_secs(5), "the outbox to empty", || async {
        (app.scalar("SELECT count(*) FROM outbox", &[]).await == 0).then_some(())
    })
    .await;
}

#[tokio::test]
async fn a_new_time_or_name_reaches_every_live_booking_of_the_show() {
    let redis = OwnRedis::start().await;
    let namespace = format!("test-{}", uuid::Uuid::new_v4().simple());
    let app = spawn(&redis, &namespace).await;
    let show = app.create_show(&[("A", 10)]).await;
    let buyer = app.new_user().await;
    let id = |r: &crate::helpers::Resp| r.body["id"].as_str().unwrap().to_owned();
    let confirmed = id(&app.hold(&buyer, show, &[1, 2]).await);
    assert_eq!(app.act(&buyer, &confirmed, "confirm").await.status, 200);
    let cancelled = id(&app.hold(&buyer, show, &[3]).await);
    assert_eq!(app.act(&buyer, &cancelled, "cancel").await.status, 200);
    let held = id(&app.hold(&buyer, show, &[4]).await);
    let path = format!("/admin/shows/{show}");
    let admin = app.admin_token.clone();

    // A price change does not touch bookings made: no event.
    let priced = app
        .patch(
            &path,
            Some(&admin),
            &serde_json::json!({"prices": {"standard": 1500}}),
        )
        .await;
    assert_eq!(priced.status, 200, "{priced:?}");
    let later = chrono::Utc::now() + chrono::Duration::days(3);
    let moved = app
        .patch(
            &path,
            Some(&admin),
            &serde_json::json!({"starts_at": later.to_rfc3339()}),
        )
        .await;
    assert_eq!(moved.status, 200, "{moved:?}");

    // Five booking events, then one `show.changed` per live booking (not the cancelled).
    let events = eventually(Duration::from_secs(10), "seven events", || async {
        let events = stream(&redis.url(), &namespace).await;
        (events.len() >= 7).then_some(events)
    })
    .await;
    let changed: Vec<&(String, String, i64, Value)> = events
        .iter()
        .filter(|(kind, ..)| kind == "show.changed")
        .collect();
    let mut told: Vec<&str> = changed.iter().map(|(_, b, _, _)| b.as_str()).collect();
    told.sort_unstable();
    let mut live = vec![confirmed.as_str(), held.as_str()];
    live.sort_unstable();
    assert_eq!(told, live, "{events:?}");
    assert_eq!(events.len(), 7, "{events:?}");
    let data = &changed[0].3;
    let new_time: chrono::DateTime<chrono::Utc> =
        data["starts_at"].as_str().unwrap().parse().unwrap();
    assert_eq!(new_time.timestamp_micros(), later.timestamp_micros());
    assert!(data["previous_starts_at"].is_string(), "{data}");
    assert_eq!(data["show_id"], show);
    // Their totals are what they paid, not the new price.
    let confirmed_event = changed.iter().find(|(_, b, _, _)| *b == confirmed).unwrap();
    assert_eq!(confirmed_event.3["total_cents"], 2000);
}
