//! Holds, confirmation, cancellation, ownership and idempotency.

use serde_json::json;

use crate::helpers::TestApp;

#[tokio::test]
async fn hold_then_confirm_books_the_seats() {
    let app = TestApp::spawn().await;
    let show = app.create_show(&[("A", 6)]).await;
    let buyer = app.new_user().await;

    let hold = app.hold(&buyer, show, &[3, 2]).await;
    assert_eq!(hold.status, 201, "{hold:?}");
    assert_eq!(hold.body["status"], "PENDING");
    assert!(hold.body["failure_reason"].is_null());
    assert_eq!(hold.body["seat_ids"], json!([2, 3]));
    assert_eq!(hold.body["seats"], json!(["A2", "A3"]));
    assert_eq!(hold.body["total_cents"], 2000);
    let created =
        chrono::DateTime::parse_from_rfc3339(hold.body["created_at"].as_str().unwrap()).unwrap();
    let expires =
        chrono::DateTime::parse_from_rfc3339(hold.body["expires_at"].as_str().unwrap()).unwrap();
    assert_eq!((expires - created).num_seconds(), 120);
    assert_eq!(app.check_invariants(show).await, 2);

    let id = hold.body["id"].as_str().unwrap();
    let confirmed = app.act(&buyer, id, "confirm").await;
    assert_eq!(confirmed.status, 200);
    assert_eq!(confirmed.body["status"], "CONFIRMED");
    // Confirming again is harmless.
    let again = app.act(&buyer, id, "confirm").await;
    assert_eq!(
        (again.status, again.body["status"].as_str()),
        (200, Some("CONFIRMED"))
    );

    let read = app.get(&format!("/bookings/{id}"), Some(&buyer)).await;
    assert_eq!(read.body["status"], "CONFIRMED");
    let map = app.get(&format!("/shows/{show}/seats"), None).await;
    assert_eq!(map.body["seats"][1]["status"], "BOOKED");
    assert_eq!(map.body["seats"][2]["status"], "BOOKED");
    assert_eq!(app.check_invariants(show).await, 2);
}

#[tokio::test]
async fn taken_seats_are_refused_whole_and_named() {
    let app = TestApp::spawn().await;
    let show = app.create_show(&[("A", 6)]).await;
    let (ann, bob) = (app.new_user().await, app.new_user().await);
    assert_eq!(app.hold(&ann, show, &[2, 3]).await.status, 201);

    let resp = app.hold(&bob, show, &[1, 2, 3, 4]).await;
    assert_eq!((resp.status, resp.code()), (409, "seats_unavailable"));
    assert_eq!(resp.body["unavailable_seat_ids"], json!([2, 3]));
    // Nothing of the failed hold stays: seats 1 and 4 are still free.
    let map = app.get(&format!("/shows/{show}/seats"), None).await;
    assert_eq!(map.body["seats"][0]["status"], "AVAILABLE");
    assert_eq!(map.body["seats"][3]["status"], "AVAILABLE");
    assert_eq!(app.hold(&bob, show, &[1, 4]).await.status, 201);
    assert_eq!(app.check_invariants(show).await, 4);
}

#[tokio::test]
async fn hold_errors_have_their_codes() {
    let app = TestApp::spawn().await;
    let show = app.create_show(&[("A", 4)]).await;
    let buyer = app.new_user().await;

    let resp = app.hold(&buyer, 999_999, &[1]).await;
    assert_eq!((resp.status, resp.code()), (404, "show_not_found"));
    let resp = app.hold(&buyer, show, &[1, 99]).await;
    assert_eq!((resp.status, resp.code()), (422, "unknown_seats"));
    assert_eq!(resp.body["unknown_seat_ids"], json!([99]));
    // No seat found at all: the show is still checked before the seats.
    let resp = app.hold(&buyer, show, &[98, 99]).await;
    assert_eq!((resp.status, resp.code()), (422, "unknown_seats"));
    assert_eq!(resp.body["unknown_seat_ids"], json!([98, 99]));
    let resp = app
        .post(
            "/bookings",
            Some(&buyer),
            &json!({"show_id": show, "quantity": 5}),
        )
        .await;
    assert_eq!((resp.status, resp.code()), (409, "not_enough_seats"));
    let resp = app
        .post(
            "/bookings",
            Some(&buyer),
            &json!({"show_id": 999_999, "quantity": 1}),
        )
        .await;
    assert_eq!((resp.status, resp.code()), (404, "show_not_found"));

    // A show that has started sells nothing more.
    app.sql()
        .await
        .execute(
            "UPDATE shows SET starts_at = now() - interval '1 minute' WHERE id = $1",
            &[&show],
        )
        .await
        .unwrap();
    let resp = app.hold(&buyer, show, &[1]).await;
    assert_eq!((resp.status, resp.code()), (409, "show_started"));
    let resp = app.hold(&buyer, show, &[99]).await;
    assert_eq!((resp.status, resp.code()), (409, "show_started"));
    assert_eq!(app.check_invariants(show).await, 0);
}

#[tokio::test]
async fn best_available_seats_a_party_together_without_stranding() {
    let app = TestApp::spawn().await;
    let show = app
        .create_show_with(json!({
            "name": "Gala", "kind": "event",
            "starts_at": (chrono::Utc::now() + chrono::Duration::days(2)).to_rfc3339(),
            "layout": {"name": "Hall", "sections": [
                {"name": "Stalls", "category": "standard", "rows": [
                    {"label": "A", "seats": 8}, {"label": "B", "seats": 8}]},
                {"name": "Boxes", "category": "premium", "rows": [{"label": "P", "seats": 4}]}]},
            "prices": {"standard": 1000, "premium": 5000}
        }))
        .await;
    let buyer = app.new_user().await;
    let best = |quantity: i64, category: Option<&str>| {
        let mut body = json!({"show_id": show, "quantity": quantity});
        if let Some(c) = category {
            body["category"] = json!(c);
        }
        body
    };

    // Front row, middle.
    let r = app.post("/bookings", Some(&buyer), &best(2, None)).await;
    assert_eq!(r.body["seats"], json!(["A4", "A5"]), "{r:?}");
    // Any pair left in row A would strand a single seat next to it: row B instead.
    let r = app.post("/bookings", Some(&buyer), &best(2, None)).await;
    assert_eq!(r.body["seats"], json!(["B4", "B5"]), "{r:?}");
    // Category filter.
    let r = app
        .post("/bookings", Some(&buyer), &best(3, Some("premium")))
        .await;
    assert_eq!(r.status, 201);
    assert!(
        r.body["seats"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s.as_str().unwrap().starts_with('P'))
    );
    assert_eq!(r.body["total_cents"], 15000);
    let r = app
        .post("/bookings", Some(&buyer), &best(2, Some("premium")))
        .await;
    assert_eq!((r.status, r.code()), (409, "not_enough_seats"));
    // No row has five together any more: the five best single seats.
    let r = app
        .post("/bookings", Some(&buyer), &best(5, Some("standard")))
        .await;
    assert_eq!(
        r.body["seats"],
        json!(["A1", "A2", "A3", "A6", "A7"]),
        "{r:?}"
    );
    app.check_invariants(show).await;
}

#[tokio::test]
async fn cancelling_frees_the_seats_at_once() {
    let app = TestApp::spawn().await;
    let show = app.create_show(&[("A", 4)]).await;
    let (ann, bob) = (app.new_user().await, app.new_user().await);
    let hold = app.hold(&ann, show, &[1, 2]).await;
    let id = hold.body["id"].as_str().unwrap();

    let cancelled = app.act(&ann, id, "cancel").await;
    assert_eq!(cancelled.status, 200);
    assert_eq!(cancelled.body["status"], "FAILED");
    assert_eq!(cancelled.body["failure_reason"], "CANCELLED");
    let again = app.act(&ann, id, "cancel").await;
    assert_eq!(
        (again.status, again.body["failure_reason"].as_str()),
        (200, Some("CANCELLED"))
    );
    let confirm = app.act(&ann, id, "confirm").await;
    assert_eq!((confirm.status, confirm.code()), (409, "booking_cancelled"));

    assert_eq!(app.hold(&bob, show, &[1, 2]).await.status, 201);
    assert_eq!(app.check_invariants(show).await, 2);
}

/// A hold over several seat rows moves each row's taken counter by its own seats, and
/// cancelling moves them back (the counters feed `available_seats` and best-available).
#[tokio::test]
async fn holds_across_rows_count_each_row_and_cancels_uncount_them() {
    let app = TestApp::spawn().await;
    let show = app.create_show(&[("A", 4), ("B", 4), ("C", 4)]).await;
    let buyer = app.new_user().await;
    let taken = || async {
        app.sql()
            .await
            .query_one(
                "SELECT string_agg(taken::text, ',' ORDER BY row_no) FROM show_rows WHERE show_id = $1",
                &[&show],
            )
            .await
            .unwrap()
            .get::<_, String>(0)
    };
    // Seats 3, 4 are in row A, 5 in B, 9 and 12 in C.
    let hold = app.hold(&buyer, show, &[3, 4, 5, 9, 12]).await;
    assert_eq!(hold.status, 201, "{hold:?}");
    assert_eq!(taken().await, "2,1,2");
    assert_eq!(app.check_invariants(show).await, 5);
    let available = app.get(&format!("/shows/{show}"), None).await;
    assert_eq!(available.body["available_seats"], 7);

    let id = hold.body["id"].as_str().unwrap();
    assert_eq!(app.act(&buyer, id, "cancel").await.status, 200);
    assert_eq!(taken().await, "0,0,0");
    assert_eq!(app.check_invariants(show).await, 0);
}

#[tokio::test]
async fn a_confirmed_booking_can_be_cancelled_until_the_show_starts() {
    let app = TestApp::spawn().await;
    let show = app.create_show(&[("A", 4)]).await;
    let ann = app.new_user().await;
    let first = app.hold(&ann, show, &[1]).await.body["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let second = app.hold(&ann, show, &[2]).await.body["id"]
        .as_str()
        .unwrap()
        .to_owned();
    for id in [&first, &second] {
        assert_eq!(app.act(&ann, id, "confirm").await.status, 200);
    }
    let resp = app.act(&ann, &first, "cancel").await;
    assert_eq!(
        (resp.status, resp.body["failure_reason"].as_str()),
        (200, Some("CANCELLED"))
    );
    assert_eq!(app.check_invariants(show).await, 1);

    app.sql()
        .await
        .execute(
            "UPDATE shows SET starts_at = now() - interval '1 minute' WHERE id = $1",
            &[&show],
        )
        .await
        .unwrap();
    let resp = app.act(&ann, &second, "cancel").await;
    assert_eq!((resp.status, resp.code()), (409, "show_started"));
}

#[tokio::test]
async fn a_hold_cannot_be_confirmed_once_its_show_has_started() {
    let app = TestApp::spawn().await;
    let show = app.create_show(&[("A", 4)]).await;
    let ann = app.new_user().await;
    let hold = app.hold(&ann, show, &[1, 2]).await;
    assert_eq!(hold.status, 201, "{hold:?}");
    let id = hold.body["id"].as_str().unwrap().to_owned();
    app.sql()
        .await
        .execute(
            "UPDATE shows SET starts_at = now() - interval '1 second' WHERE id = $1",
            &[&show],
        )
        .await
        .unwrap();
    let resp = app.act(&ann, &id, "confirm").await;
    assert_eq!(
        (resp.status, resp.code()),
        (409, "show_started"),
        "{resp:?}"
    );
    let booking = app.get(&format!("/bookings/{id}"), Some(&ann)).await;
    assert_eq!(booking.body["status"], "PENDING", "nothing was sold");
    assert_eq!(app.check_invariants(show).await, 2);
}

#[tokio::test]
async fn bookings_are_private_to_their_owner() {
    let app = TestApp::spawn().await;
    let show = app.create_show(&[("A", 4)]).await;
    let (ann, eve) = (app.new_user().await, app.new_user().await);
    let id = app.hold(&ann, show, &[1]).await.body["id"]
        .as_str()
        .unwrap()
        .to_owned();

    for resp in [
        app.get(&format!("/bookings/{id}"), Some(&eve)).await,
        app.act(&eve, &id, "confirm").await,
        app.act(&eve, &id, "cancel").await,
        app.get(&format!("/bookings/{}", uuid::Uuid::new_v4()), Some(&ann))
            .await,
    ] {
        assert_eq!((resp.status, resp.code()), (404, "booking_not_found"));
    }
    assert_eq!(
        app.get("/bookings", Some(&eve)).await.body["items"],
        json!([])
    );
    // Eve's attempts changed nothing.
    assert_eq!(
        app.get(&format!("/bookings/{id}"), Some(&ann)).await.body["status"],
        "PENDING"
    );
    let resp = app.get("/bookings/not-a-uuid", Some(&ann)).await;
    assert_eq!((resp.status, resp.code()), (400, "invalid_parameter"));
}

#[tokio::test]
async fn own_bookings_are_listed_newest_first_in_pages() {
    let app = TestApp::spawn().await;
    let show = app.create_show(&[("A", 10)]).await;
    let ann = app.new_user().await;
    let mut ids = Vec::new();
    for seat in 1..=5 {
        ids.push(
            app.hold(&ann, show, &[seat]).await.body["id"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    ids.reverse();
    let seen = app.collect_ids("/bookings?limit=2", Some(&ann)).await;
    assert_eq!(seen, ids.iter().map(|id| json!(id)).collect::<Vec<_>>());
    let resp = app.get("/bookings?limit=500", Some(&ann)).await;
    assert_eq!((resp.status, resp.code()), (400, "invalid_limit"));
}

#[tokio::test]
async fn an_idempotency_key_replays_the_first_hold() {
    let app = TestApp::spawn().await;
    let show = app.create_show(&[("A", 6)]).await;
    let ann = app.new_user().await;
    let body = json!({"show_id": show, "quantity": 2});
    let post = |key: &str, body: &serde_json::Value| {
        app.send(
            app.http
                .post(app.url("/bookings"))
                .bearer_auth(&ann)
                .header("Idempotency-Key", key)
                .json(body),
        )
    };

    let first = post("key-1", &body).await;
    assert_eq!(first.status, 201);
    // Retries, including concurrent ones, return the same booking and hold nothing more.
    let retries = futures_util::future::join_all((0..5).map(|_| post("key-1", &body))).await;
    for retry in &retries {
        assert_eq!(retry.status, 201, "{retry:?}");
        assert_eq!(retry.body["id"], first.body["id"]);
    }
    assert_eq!(app.check_invariants(show).await, 2);

    let other = post("key-1", &json!({"show_id": show, "quantity": 3})).await;
    assert_eq!(
        (other.status, other.code()),
        (422, "idempotency_key_reused")
    );
    let fresh = post("key-2", &body).await;
    assert_ne!(fresh.body["id"], first.body["id"]);
    assert_eq!(app.check_invariants(show).await, 4);

    // Keys belong to their user: Bob's "key-1" is his own.
    let bob = app.new_user().await;
    let resp = app
        .send(
            app.http
                .post(app.url("/bookings"))
                .bearer_auth(&bob)
                .header("Idempotency-Key", "key-1")
                .json(&body),
        )
        .await;
    assert_eq!(resp.status, 201);
    assert_ne!(resp.body["id"], first.body["id"]);

    let bad = post(&"k".repeat(201), &body).await;
    assert_eq!((bad.status, bad.code()), (400, "invalid_idempotency_key"));
}

#[tokio::test]
async fn concurrent_first_uses_of_one_idempotency_key_hold_once() {
    let app = TestApp::spawn().await;
    let show = app.create_show(&[("A", 20)]).await;
    let ann = app.new_user().await;
    // By quantity and by seat: a copy that waited on the seats its twin took gets the
    // twin's booking, not a conflict.
    for (key, body, copies) in [
        ("race", json!({"show_id": show, "quantity": 2}), 8),
        (
            "race-seats",
            json!({"show_id": show, "seat_ids": [7, 8]}),
            20,
        ),
    ] {
        racing_copies_get_one_booking(&app, &ann, key, &body, copies).await;
    }
    assert_eq!(app.check_invariants(show).await, 4);
}

async fn racing_copies_get_one_booking(
    app: &TestApp,
    ann: &str,
    key: &str,
    body: &serde_json::Value,
    copies: usize,
) {
    let results = futures_util::future::join_all((0..copies).map(|_| {
        app.send(
            app.http
                .post(app.url("/bookings"))
                .bearer_auth(ann)
                .header("Idempotency-Key", key)
                .json(body),
        )
    }))
    .await;
    let ids: std::collections::HashSet<String> = results
        .iter()
        .map(|r| {
            assert_eq!(r.status, 201, "{key}: {r:?}");
            r.body["id"].as_str().unwrap().to_owned()
        })
        .collect();
    assert_eq!(ids.len(), 1);
}
