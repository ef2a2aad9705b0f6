//! Group commit: requests raced into one batch are decided as if one after another, in
//! arrival order, and leave the database exactly as separate transactions would.
//!
//! Each test makes one batch wait on a row lock held by another session; everything sent
//! meanwhile queues up and goes together in the next batch (one batch in flight). With
//! `HOLD_BATCHING=off` the same requests run as separate transactions and must give the
//! same answers.

use std::time::Duration;

use serde_json::{Value, json};

use crate::helpers::{Resp, TestApp, eventually};

async fn app() -> TestApp {
    TestApp::spawn_with(|s| {
        s.batching.in_flight = 1;
        s.max_held_seats = 4;
    })
    .await
}

/// Sends `requests` while a batch waits on the row that `lock` (a statement of another
/// session, with `$1`) locks, and releases it once all of them wait for the next batch.
/// `first` is the request that makes the waiting batch. Returns every answer.
async fn queued<F>(
    app: &TestApp,
    lock: &str,
    key: &(dyn tokio_postgres::types::ToSql + Sync),
    first: impl Future<Output = Resp>,
    requests: Vec<F>,
) -> (Resp, Vec<Resp>)
where
    F: Future<Output = Resp>,
{
    let mut sql = app.sql().await;
    let blocker = sql.transaction().await.unwrap();
    blocker.execute(lock, &[key]).await.unwrap();
    let n = requests.len();
    let waits = tokio::sync::Notify::new();
    let release = async {
        app.until_a_lock_wait("the first batch to wait on the lock")
            .await;
        waits.notify_one();
        if app.state.db.batching() {
            eventually(
                Duration::from_secs(10),
                "every request to queue",
                || async { (app.state.db.batch_waiting() == n).then_some(()) },
            )
            .await;
        }
        blocker.rollback().await.unwrap();
    };
    let (first, answers, ()) = tokio::join!(
        first,
        async {
            // Sent once the first batch waits.
            waits.notified().await;
            futures_util::future::join_all(requests).await
        },
        release
    );
    (first, answers)
}

/// Bookings of `show` made in one transaction with the booking `id`.
async fn same_transaction(app: &TestApp, show: i64, id: &str) -> i64 {
    let id = uuid::Uuid::parse_str(id).unwrap();
    app.scalar(
        "SELECT count(*) FROM bookings WHERE show_id = $1 \
         AND xmin::text = (SELECT xmin::text FROM bookings WHERE id = $2)",
        &[&show, &id],
    )
    .await
}

fn ids(answers: &[Resp], status: u16) -> Vec<String> {
    answers
        .iter()
        .filter(|r| r.status == status)
        .map(|r| r.body["id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn one_seat_wanted_by_a_whole_batch_goes_to_one_buyer_and_the_rest_learn_which_seat() {
    let app = app().await;
    let show = app.create_show(&[("A", 10)]).await;
    let decoy = app.new_user().await;
    let mut buyers = Vec::new();
    for _ in 0..12 {
        buyers.push(app.new_user().await);
    }
    // Every buyer wants seat 5 (and another seat of their own, so the losers' other seats
    // must stay free: all or nothing).
    let wants: Vec<Vec<i64>> = (0..buyers.len())
        .map(|i| match i {
            0 | 1 => vec![5],
            i if i % 2 == 0 => vec![5, 6],
            _ => vec![4, 5],
        })
        .collect();
    let requests = buyers
        .iter()
        .zip(&wants)
        .map(|(token, seats)| app.hold(token, show, seats))
        .collect();
    let (first, answers) = queued(
        &app,
        "SELECT 1 FROM seats WHERE show_id = $1 AND seat_id = 1 FOR UPDATE",
        &show,
        app.hold(&decoy, show, &[1]),
        requests,
    )
    .await;
    assert_eq!(first.status, 201, "{first:?}");
    let won: Vec<&Resp> = answers.iter().filter(|r| r.status == 201).collect();
    assert_eq!(won.len(), 1, "{answers:?}");
    let sold = won[0].body["seat_ids"].as_array().unwrap().len() as i64;
    // Each other request names the seat it lost, and keeps none of the others.
    for lost in answers.iter().filter(|r| r.status != 201) {
        assert_eq!(
            (lost.status, lost.code()),
            (409, "seats_unavailable"),
            "{lost:?}"
        );
        let named = lost.body["unavailable_seat_ids"].as_array().unwrap();
        assert!(named.contains(&json!(5)), "{lost:?}");
    }
    assert_eq!(app.check_invariants(show).await, 1 + sold);
}

#[tokio::test]
async fn one_buyer_racing_past_the_cap_in_one_batch_gets_exactly_the_cap() {
    let app = app().await;
    let show = app.create_show(&[("A", 20)]).await;
    let decoy = app.new_user().await;
    let buyer = app.new_user().await;
    // Ten one-seat holds of one buyer whose cap is four.
    let seats: Vec<[i64; 1]> = (0..10).map(|i| [i + 2]).collect();
    let requests = seats
        .iter()
        .map(|seat| app.hold(&buyer, show, seat))
        .collect();
    let (first, answers) = queued(
        &app,
        "SELECT 1 FROM seats WHERE show_id = $1 AND seat_id = 1 FOR UPDATE",
        &show,
        app.hold(&decoy, show, &[1]),
        requests,
    )
    .await;
    assert_eq!(first.status, 201);
    let won = ids(&answers, 201);
    assert_eq!(won.len(), 4, "{answers:?}");
    for refused in answers.iter().filter(|r| r.status != 201) {
        assert_eq!(
            (refused.status, refused.code()),
            (409, "hold_limit_reached"),
            "{refused:?}"
        );
    }
    if app.state.db.batching() {
        assert_eq!(same_transaction(&app, show, &won[0]).await, 4);
        // The batch shows in the size histogram (the recorder is shared by every test of
        // the process, so only its presence is certain).
        let metrics = app.metrics().await;
        let batches = metrics
            .lines()
            .find_map(|l| l.strip_prefix(r#"tessera_batch_size_count{op="hold"} "#))
            .and_then(|n| n.parse::<f64>().ok())
            .unwrap_or(0.0);
        assert!(batches >= 2.0, "{metrics}");
        assert!(metrics.contains(r#"tessera_batch_size_bucket{op="hold",le="16"}"#));
    }
    let held = app
        .scalar(
            "SELECT held_seats::bigint FROM users WHERE id = (SELECT user_id FROM bookings WHERE id = $1)",
            &[&uuid::Uuid::parse_str(&won[0]).unwrap()],
        )
        .await;
    assert_eq!(held, 4);
    assert_eq!(app.check_invariants(show).await, 5);
}

#[tokio::test]
async fn copies_of_one_idempotency_key_in_one_batch_make_one_booking() {
    let app = app().await;
    let show = app.create_show(&[("A", 20)]).await;
    let decoy = app.new_user().await;
    let buyer = app.new_user().await;
    let hold = |body: Value| {
        app.send(
            app.http
                .post(app.url("/bookings"))
                .bearer_auth(&buyer)
                .header("Idempotency-Key", "one-click")
                .json(&body),
        )
    };
    // Six copies by seat, and one "best available" copy that reuses the key wrongly.
    let mut requests: Vec<_> = (0..6)
        .map(|_| hold(json!({"show_id": show, "seat_ids": [7, 8]})))
        .collect();
    requests.push(hold(json!({"show_id": show, "seat_ids": [9]})));
    let (first, answers) = queued(
        &app,
        "SELECT 1 FROM seats WHERE show_id = $1 AND seat_id = 1 FOR UPDATE",
        &show,
        app.hold(&decoy, show, &[1]),
        requests,
    )
    .await;
    assert_eq!(first.status, 201);
    // Whichever body arrived first owns the key: every copy of it gets that one booking
    // (a replay answers as the first answer did), the other body 422.
    let (copies, other) = answers.split_at(6);
    let other = &other[0];
    if other.status == 201 {
        for copy in copies {
            assert_eq!(
                (copy.status, copy.code()),
                (422, "idempotency_key_reused"),
                "{copy:?}"
            );
        }
    } else {
        assert_eq!(
            (other.status, other.code()),
            (422, "idempotency_key_reused"),
            "{other:?}"
        );
        let booking = copies[0].body["id"].as_str().expect("a booking");
        for copy in copies {
            assert_eq!(copy.status, 201, "{copy:?}");
            assert_eq!(copy.body["id"].as_str(), Some(booking), "{copy:?}");
        }
    }
    let held = if other.status == 201 { 1 } else { 2 };
    assert_eq!(
        app.scalar("SELECT count(*) FROM bookings WHERE show_id = $1", &[&show])
            .await,
        2
    );
    assert_eq!(app.check_invariants(show).await, 1 + held);
}

#[tokio::test]
async fn best_available_picks_in_one_batch_never_collide_on_a_nearly_full_row() {
    let app = app().await;
    let show = app.create_show(&[("A", 10)]).await;
    let decoy = app.new_user().await;
    let early = app.new_user().await;
    // Seven of ten seats are gone; seat 1 is the decoy's.
    assert_eq!(app.hold(&early, show, &[2, 3, 4]).await.status, 201);
    let other = app.new_user().await;
    assert_eq!(app.hold(&other, show, &[8, 9, 10]).await.status, 201);
    let mut buyers = Vec::new();
    for _ in 0..6 {
        buyers.push(app.new_user().await);
    }
    let body = json!({"show_id": show, "quantity": 1});
    let requests = buyers
        .iter()
        .map(|token| app.post("/bookings", Some(token), &body))
        .collect();
    let (first, answers) = queued(
        &app,
        "SELECT 1 FROM seats WHERE show_id = $1 AND seat_id = 1 FOR UPDATE",
        &show,
        app.hold(&decoy, show, &[1]),
        requests,
    )
    .await;
    assert_eq!(first.status, 201);
    // Three seats were left (5, 6, 7): three buyers get one each, the others are told so.
    let mut seats: Vec<i64> = answers
        .iter()
        .filter(|r| r.status == 201)
        .map(|r| r.body["seat_ids"][0].as_i64().unwrap())
        .collect();
    seats.sort_unstable();
    assert_eq!(seats, [5, 6, 7], "{answers:?}");
    for refused in answers.iter().filter(|r| r.status != 201) {
        assert_eq!(
            (refused.status, refused.code()),
            (409, "not_enough_seats"),
            "{refused:?}"
        );
    }
    assert_eq!(app.check_invariants(show).await, 10);
}

#[tokio::test]
async fn standing_holds_in_one_batch_share_out_the_floor_and_never_beyond() {
    let app = app().await;
    let show = app
        .create_show_with(json!({
            "name": "Festival",
            "kind": "event",
            "starts_at": (chrono::Utc::now() + chrono::Duration::days(1)).to_rfc3339(),
            "layout": {"name": "Club", "sections": [
                {"name": "Stand", "category": "seated", "rows": [{"label": "A", "seats": 4}]},
                {"name": "Floor", "category": "floor", "standing": 12}]},
            "prices": {"seated": 6000, "floor": 4500}
        }))
        .await;
    let decoy = app.new_user().await;
    // 14 places asked for on a floor of 12, plus two that the floor cannot serve at all.
    let mut bodies: Vec<Value> = [2, 2, 2, 2, 2, 2, 1, 1]
        .iter()
        .map(|n| json!({"show_id": show, "quantity": n, "section": "Floor"}))
        .collect();
    bodies.push(json!({"show_id": show, "quantity": 1, "section": "Floor", "category": "seated"}));
    bodies.push(json!({"show_id": show, "quantity": 1, "section": "Balcony"}));
    let mut buyers = Vec::new();
    for _ in &bodies {
        buyers.push(app.new_user().await);
    }
    let requests = buyers
        .iter()
        .zip(&bodies)
        .map(|(token, body)| app.post("/bookings", Some(token), body))
        .collect();
    let (first, answers) = queued(
        &app,
        "SELECT 1 FROM seats WHERE show_id = $1 AND seat_id = 1 FOR UPDATE",
        &show,
        app.hold(&decoy, show, &[1]),
        requests,
    )
    .await;
    assert_eq!(first.status, 201, "{first:?}");
    let mut places = 0;
    for (body, answer) in bodies.iter().zip(&answers) {
        match (answer.status, answer.code()) {
            (201, _) => {
                let got = answer.body["seat_ids"].as_array().unwrap().len();
                assert_eq!(got as u64, body["quantity"].as_u64().unwrap(), "{answer:?}");
                assert!(
                    answer.body["seats"][0]
                        .as_str()
                        .unwrap()
                        .starts_with("Floor ")
                );
                places += got;
            }
            (409, "not_enough_seats") if body.get("category").is_none() => {}
            (409, "not_enough_seats") if body["category"] == "seated" => {}
            (422, "unknown_section") if body["section"] == "Balcony" => {}
            other => panic!("{other:?} for {body}: {answer:?}"),
        }
    }
    assert_eq!(places, 12, "every place once: {answers:?}");
    // They were picked by the batch itself: every hold in one transaction.
    let held = ids(&answers, 201);
    if app.state.db.batching() {
        assert_eq!(
            same_transaction(&app, show, &held[0]).await,
            held.len() as i64
        );
    }
    assert_eq!(app.check_invariants(show).await, 1 + 12);
}

#[tokio::test]
async fn confirms_and_cancels_in_one_batch_each_act_once() {
    let app = app().await;
    let show = app.create_show(&[("A", 20)]).await;
    let decoy = app.new_user().await;
    let decoy_hold = app.hold(&decoy, show, &[1]).await;
    let decoy_id = decoy_hold.body["id"].as_str().unwrap().to_owned();
    let mut holds = Vec::new();
    for i in 0..6 {
        let buyer = app.new_user().await;
        let hold = app.hold(&buyer, show, &[2 * i + 2, 2 * i + 3]).await;
        assert_eq!(hold.status, 201);
        holds.push((buyer, hold.body["id"].as_str().unwrap().to_owned()));
    }
    // Buyers 0-2 confirm, 3-4 cancel; buyer 5 confirms and cancels at once (the two go
    // one after the other, never in one transaction); buyer 0 confirms twice.
    let mut requests = Vec::new();
    for (i, (token, id)) in holds.iter().enumerate() {
        let action = if i < 3 || i == 5 { "confirm" } else { "cancel" };
        requests.push(app.act(token, id, action));
    }
    requests.push(app.act(&holds[5].0, &holds[5].1, "cancel"));
    requests.push(app.act(&holds[0].0, &holds[0].1, "confirm"));
    let decoy_uuid = uuid::Uuid::parse_str(&decoy_id).unwrap();
    let (first, answers) = queued(
        &app,
        "SELECT 1 FROM bookings WHERE id = $1 FOR UPDATE",
        &decoy_uuid,
        app.act(&decoy, &decoy_id, "confirm"),
        requests,
    )
    .await;
    assert_eq!(first.status, 200);
    for (i, answer) in answers[..5].iter().enumerate() {
        assert_eq!(answer.status, 200, "{answer:?}");
        let expected = if i < 3 { "CONFIRMED" } else { "FAILED" };
        assert_eq!(answer.body["status"], expected, "{answer:?}");
    }
    // Buyer 5's confirm and cancel act one after the other (never in one transaction), in
    // the order they arrived: confirmed then cancelled, or cancelled (and then not
    // confirmable). Either way the booking ends cancelled.
    let (confirm, cancel) = (&answers[5], &answers[6]);
    assert_eq!(cancel.body["status"], "FAILED", "{cancel:?}");
    assert!(
        confirm.body["status"] == "CONFIRMED" || confirm.code() == "booking_cancelled",
        "{confirm:?}"
    );
    assert_eq!(answers[7].body["status"], "CONFIRMED", "{:?}", answers[7]);
    let held = app
        .scalar(
            "SELECT coalesce(sum(held_seats), 0)::bigint FROM users",
            &[],
        )
        .await;
    assert_eq!(
        held, 0,
        "no PENDING booking is left, so no seat is counted as held"
    );
    // The decoy and buyers 0-2 hold their seats as sold.
    assert_eq!(app.check_invariants(show).await, 1 + 3 * 2);
}

#[tokio::test]
async fn requests_beyond_the_batch_queue_get_503_at_once_and_change_nothing() {
    let app = TestApp::spawn_with(|s| {
        s.batching.in_flight = 1;
        s.batching.queue = 2;
    })
    .await;
    let show = app.create_show(&[("A", 20)]).await;
    let decoy = app.new_user().await;
    let mut buyers = Vec::new();
    for _ in 0..6 {
        buyers.push(app.new_user().await);
    }
    let seats: Vec<[i64; 1]> = (0..6).map(|i| [i + 2]).collect();
    let mut sql = app.sql().await;
    let blocker = sql.transaction().await.unwrap();
    blocker
        .execute(
            "SELECT 1 FROM seats WHERE show_id = $1 AND seat_id = 1 FOR UPDATE",
            &[&show],
        )
        .await
        .unwrap();
    let waits = tokio::sync::Notify::new();
    let release = async {
        app.until_a_lock_wait("the first batch to wait on the lock")
            .await;
        waits.notify_one();
        if app.state.db.batching() {
            eventually(Duration::from_secs(10), "the queue to fill", || async {
                (app.state.db.batch_waiting() == 2).then_some(())
            })
            .await;
        }
    };
    let (first, answers) = tokio::join!(app.hold(&decoy, show, &[1]), async {
        let sent = async {
            waits.notified().await;
            // One after the other: which ones find the queue full is then known.
            let mut answers = Vec::new();
            for (token, seat) in buyers.iter().zip(&seats) {
                if answers.len() < 2 {
                    answers.push(tokio::spawn({
                        let request = app
                            .http
                            .post(app.url("/bookings"))
                            .bearer_auth(token)
                            .json(&json!({"show_id": show, "seat_ids": seat}));
                        async move { request.send().await.unwrap().status().as_u16() }
                    }));
                    if app.state.db.batching() {
                        let queued = answers.len();
                        eventually(Duration::from_secs(10), "the request to queue", || async {
                            (app.state.db.batch_waiting() == queued).then_some(())
                        })
                        .await;
                    }
                } else {
                    let refused = app.hold(token, show, seat).await;
                    if refused.status == 503 {
                        assert_eq!(refused.code(), "service_busy", "{refused:?}");
                    }
                    answers.push(tokio::spawn(async move { refused.status }));
                }
            }
            answers
        };
        let (answers, ()) = tokio::join!(sent, release);
        blocker.rollback().await.unwrap();
        futures_util::future::join_all(answers).await
    });
    assert_eq!(first.status, 201);
    let statuses: Vec<u16> = answers.into_iter().map(|a| a.unwrap()).collect();
    if app.state.db.batching() {
        // Two waited in the queue and were held; the rest were refused at once.
        assert_eq!(statuses, [201, 201, 503, 503, 503, 503]);
    } else {
        assert_eq!(statuses, [201; 6]);
    }
    let held = if app.state.db.batching() { 3 } else { 7 };
    assert_eq!(app.check_invariants(show).await, held);
}
