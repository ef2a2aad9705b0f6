//! An admin cancels a show: its live bookings fail with it, its seats are freed, and it
//! takes no more holds, even when it happens in the middle of a sale.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use rand::Rng;
use serde_json::json;

use crate::helpers::TestApp;

/// Makes a hold look as if its time had run out a second ago, without waiting for it.
async fn lapse(app: &TestApp, booking: &str) {
    let id: uuid::Uuid = booking.parse().unwrap();
    app.sql()
        .await
        .batch_execute(&format!(
            "UPDATE bookings SET expires_at = now() - interval '1 second' WHERE id = '{id}'; \
             UPDATE pending_holds SET expires_at = now() - interval '1 second' WHERE booking_id = '{id}'; \
             UPDATE seats SET held_until = now() - interval '1 second' WHERE booking_id = '{id}';"
        ))
        .await
        .unwrap();
}

#[tokio::test]
async fn an_admin_cancels_a_show_with_its_live_bookings() {
    // No sweeper run during the test: the lapsed hold stays unswept until the cancel.
    let app = TestApp::spawn_with(|s| s.sweep_interval = Duration::from_secs(3600)).await;
    let show = app.create_show(&[("A", 6)]).await;
    let other = app.create_show(&[("A", 2)]).await;
    let admin = app.admin_token.clone();
    let buyer = app.new_user().await;
    let id = |r: &crate::helpers::Resp| r.body["id"].as_str().unwrap().to_owned();

    let sold = id(&app.hold(&buyer, show, &[1]).await);
    assert_eq!(app.act(&buyer, &sold, "confirm").await.status, 200);
    let held = id(&app.hold(&buyer, show, &[2, 3]).await);
    let withdrawn = id(&app.hold(&buyer, show, &[4]).await);
    assert_eq!(app.act(&buyer, &withdrawn, "cancel").await.status, 200);
    let lapsed = id(&app.hold(&buyer, show, &[5]).await);
    lapse(&app, &lapsed).await;
    let blocked = app
        .post(
            &format!("/admin/shows/{show}/blocks"),
            Some(&admin),
            &json!({"seat_ids": [6], "reason": "house seat"}),
        )
        .await;
    assert_eq!(blocked.status, 200, "{blocked:?}");
    let elsewhere = id(&app.hold(&buyer, other, &[1]).await);
    // The list is cached before the cancel: the cancel must reach it.
    assert_eq!(app.get("/shows?limit=200", None).await.status, 200);

    let path = format!("/admin/shows/{show}/cancel");
    assert_eq!(app.post(&path, Some(&buyer), &json!({})).await.status, 403);
    let cancelled = app.post(&path, Some(&admin), &json!({})).await;
    assert_eq!(cancelled.status, 200, "{cancelled:?}");
    let body = &cancelled.body;
    assert_eq!(
        (
            &body["bookings_cancelled"],
            &body["holds_cancelled"],
            &body["holds_expired"]
        ),
        (&json!(1), &json!(1), &json!(1)),
        "{body}"
    );
    assert!(body["show"]["cancelled_at"].is_string(), "{body}");

    // Each booking says what happened to it; the one withdrawn before stays as it was.
    let status = |id: String| {
        let (app, buyer) = (&app, &buyer);
        async move {
            let b = app.get(&format!("/bookings/{id}"), Some(buyer)).await;
            (
                b.body["status"].as_str().unwrap().to_owned(),
                b.body["failure_reason"].as_str().unwrap_or("").to_owned(),
            )
        }
    };
    for (booking, expected) in [
        (&sold, ("FAILED", "SHOW_CANCELLED")),
        (&held, ("FAILED", "SHOW_CANCELLED")),
        (&withdrawn, ("FAILED", "CANCELLED")),
        (&lapsed, ("FAILED", "EXPIRED")),
        (&elsewhere, ("PENDING", "")),
    ] {
        let (s, r) = status(booking.clone()).await;
        assert_eq!((s.as_str(), r.as_str()), expected, "{booking}");
    }

    // Each buyer's event says why (no REDIS_URL here: the events wait in the outbox).
    let events = app
        .sql()
        .await
        .query(
            "SELECT booking_id::text, event_type, payload ->> 'failure_reason' FROM outbox \
             WHERE payload ->> 'failure_reason' IS NOT NULL ORDER BY id",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect::<Vec<(String, String, String)>>();
    let of = |id: &str| {
        events
            .iter()
            .filter(|e| e.0 == id)
            .map(|e| (e.1.as_str(), e.2.as_str()))
            .collect::<Vec<_>>()
    };
    assert_eq!(of(&sold), [("cancelled", "SHOW_CANCELLED")]);
    assert_eq!(of(&held), [("cancelled", "SHOW_CANCELLED")]);
    assert_eq!(of(&lapsed), [("expired", "EXPIRED")]);

    // Every seat is free again, but the show sells nothing more; the blocked seat stays.
    let map = app.get(&format!("/shows/{show}/seats"), None).await;
    let statuses: Vec<&str> = map.body["seats"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["status"].as_str().unwrap())
        .collect();
    assert_eq!(
        statuses,
        [
            "AVAILABLE",
            "AVAILABLE",
            "AVAILABLE",
            "AVAILABLE",
            "AVAILABLE",
            "BLOCKED"
        ]
    );
    let refused = app.hold(&buyer, show, &[1]).await;
    assert_eq!((refused.status, refused.code()), (409, "show_cancelled"));
    let by_quantity = app
        .post(
            "/bookings",
            Some(&buyer),
            &json!({"show_id": show, "quantity": 1}),
        )
        .await;
    assert_eq!(
        (by_quantity.status, by_quantity.code()),
        (409, "show_cancelled")
    );
    let confirm = app.act(&buyer, &held, "confirm").await;
    assert_eq!((confirm.status, confirm.code()), (409, "show_cancelled"));
    // Cancelling a booking the show took with it is done already.
    let cancel = app.act(&buyer, &sold, "cancel").await;
    assert_eq!(cancel.status, 200, "{cancel:?}");
    assert_eq!(cancel.body["failure_reason"], "SHOW_CANCELLED");
    let change = app
        .patch(
            &format!("/admin/shows/{show}"),
            Some(&admin),
            &json!({"name": "X"}),
        )
        .await;
    assert_eq!((change.status, change.code()), (409, "show_cancelled"));
    for (action, body) in [
        ("blocks", json!({"seat_ids": [1], "reason": "house seat"})),
        ("unblock", json!({"seat_ids": [6]})),
    ] {
        let refused = app
            .post(
                &format!("/admin/shows/{show}/{action}"),
                Some(&admin),
                &body,
            )
            .await;
        assert_eq!(
            (refused.status, refused.code()),
            (409, "show_cancelled"),
            "{action}"
        );
    }

    // Lists and the show say so; the report counts nothing sold.
    let listed = app.get("/shows?limit=200", None).await;
    let item = listed.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == show)
        .cloned()
        .unwrap();
    assert!(item["cancelled_at"].is_string(), "{item}");
    let one = app.get(&format!("/shows/{show}"), None).await;
    assert_eq!(one.body["cancelled_at"], item["cancelled_at"]);
    assert_eq!(one.body["available_seats"], 5);
    let report = app
        .get(&format!("/admin/shows/{show}/report"), Some(&admin))
        .await;
    assert_eq!(report.body["revenue_cents"], 0, "{report:?}");
    assert_eq!(
        report.body["blocked_seats"],
        json!([{"seat_id": 6, "label": "A6", "reason": "house seat"}])
    );
    // The buyer's hold count lost the cancelled holds (and the lapsed one), not the hold
    // on the other show.
    let held_seats = app
        .scalar(
            "SELECT held_seats::bigint FROM users WHERE email <> $1 ORDER BY id DESC LIMIT 1",
            &[&crate::helpers::ADMIN_EMAIL],
        )
        .await;
    assert_eq!(held_seats, 1);

    // Again: nothing more happens.
    let again = app.post(&path, Some(&admin), &json!({})).await;
    assert_eq!(again.status, 200);
    assert_eq!(again.body["bookings_cancelled"], 0);
    assert_eq!(
        again.body["show"]["cancelled_at"],
        body["show"]["cancelled_at"]
    );
    app.check_invariants(show).await;
    app.check_invariants(other).await;

    // A show that does not exist, or has started, cannot be cancelled.
    let missing = app
        .post("/admin/shows/999999/cancel", Some(&admin), &json!({}))
        .await;
    assert_eq!((missing.status, missing.code()), (404, "show_not_found"));
    app.sql()
        .await
        .execute(
            "UPDATE shows SET starts_at = now() - interval '1 minute' WHERE id = $1",
            &[&other],
        )
        .await
        .unwrap();
    let started = app
        .post(
            &format!("/admin/shows/{other}/cancel"),
            Some(&admin),
            &json!({}),
        )
        .await;
    assert_eq!((started.status, started.code()), (409, "show_started"));
    let bad = app
        .post("/admin/shows/abc/cancel", Some(&admin), &json!({}))
        .await;
    assert_eq!(bad.status, 400, "{bad:?}");
}

/// Sells seats `seats` of a show as one-seat confirmed bookings of `users` in one
/// statement, as the hold and confirm would have left them: for scale, where going
/// through the API would take minutes.
async fn sell_directly(app: &TestApp, show: i64, seats: std::ops::RangeInclusive<i32>, users: i64) {
    let sql = app.sql().await;
    sql.batch_execute(&format!(
        "WITH sold AS ( \
           UPDATE seats SET status = 'BOOKED', booking_id = gen_random_uuid() \
           WHERE show_id = {show} AND seat_id BETWEEN {} AND {} \
           RETURNING seat_id, label, price_cents, booking_id), \
         buyers AS (SELECT array_agg(id ORDER BY id) AS ids FROM users WHERE role = 'user'), \
         booked AS ( \
           INSERT INTO bookings (id, user_id, show_id, status, seat_ids, seat_labels, total_cents, expires_at) \
           SELECT booking_id, ids[1 + seat_id % {users}], {show}, 'CONFIRMED', ARRAY[seat_id], \
                  ARRAY[label], price_cents, now() \
           FROM sold, buyers) \
         UPDATE show_rows r SET taken = taken + n \
         FROM (SELECT s.row_no, count(*)::int AS n FROM seats s \
               WHERE s.show_id = {show} AND s.seat_id BETWEEN {} AND {} GROUP BY s.row_no) c \
         WHERE r.show_id = {show} AND r.row_no = c.row_no;",
        seats.start(),
        seats.end(),
        seats.start(),
        seats.end(),
    ))
    .await
    .unwrap();
}

/// What the buyers of one show were told, counted.
#[derive(Default)]
struct Tally {
    held: AtomicUsize,
    /// Holds answered 409 `show_cancelled`.
    refused: AtomicUsize,
    /// Holds that were sent after the cancellation had answered and still got seats.
    held_after_cancel: AtomicUsize,
    /// Answers other than 201, 409 and 503 (`service_busy`).
    unexpected: AtomicUsize,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_show_cancelled_in_a_flash_sale_keeps_nothing_while_others_sell_on() {
    let app = Arc::new(
        TestApp::spawn_with(|s| {
            s.max_held_seats = 1000;
            s.pool_size = 12;
        })
        .await,
    );
    // A 20,000-seat stadium (200 rows of 100) with 19,000 seats sold, and a hall.
    let rows: Vec<(String, i32)> = (0..200).map(|r| (format!("R{r}"), 100)).collect();
    let rows: Vec<(&str, i32)> = rows.iter().map(|(l, n)| (l.as_str(), *n)).collect();
    let stadium = app.create_show(&rows).await;
    let hall = app.create_show(&[("A", 100), ("B", 100), ("C", 100)]).await;
    let mut buyers = Vec::new();
    for _ in 0..16 {
        buyers.push(app.new_user().await);
    }
    sell_directly(&app, stadium, 1..=19_000, 16).await;
    app.check_invariants(stadium).await;

    let stop = Arc::new(AtomicBool::new(false));
    let cancelled = Arc::new(AtomicBool::new(false));
    let tallies = Arc::new([Tally::default(), Tally::default()]);
    let mut tasks = Vec::new();
    for (i, buyer) in buyers.iter().enumerate() {
        // 12 buyers on the stadium's last thousand seats, 4 on the hall.
        let (show, first, count, tally) = if i < 12 {
            (stadium, 19_001, 1_000, 0)
        } else {
            (hall, 1, 300, 1)
        };
        let (app, buyer) = (app.clone(), buyer.clone());
        let (stop, cancelled, tallies) = (stop.clone(), cancelled.clone(), tallies.clone());
        tasks.push(tokio::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                let seat = first + rand::rng().random_range(0..count);
                let after_cancel = cancelled.load(Ordering::SeqCst);
                let hold = app.hold(&buyer, show, &[seat]).await;
                let tally = &tallies[tally];
                match (hold.status, hold.code()) {
                    (201, _) => {
                        tally.held.fetch_add(1, Ordering::Relaxed);
                        if after_cancel && show == stadium {
                            tally.held_after_cancel.fetch_add(1, Ordering::Relaxed);
                        }
                        let id = hold.body["id"].as_str().unwrap().to_owned();
                        if rand::rng().random_bool(0.5) {
                            let confirm = app.act(&buyer, &id, "confirm").await;
                            if ![200, 409].contains(&confirm.status) {
                                tally.unexpected.fetch_add(1, Ordering::Relaxed);
                            }
                        }
                    }
                    (409, "show_cancelled") => {
                        tally.refused.fetch_add(1, Ordering::Relaxed);
                    }
                    (409, _) | (503, "service_busy") => {}
                    other => {
                        eprintln!("unexpected {other:?}: {hold:?}");
                        tally.unexpected.fetch_add(1, Ordering::Relaxed);
                    }
                }
            }
        }));
    }
    // Cancel once the sale is under way on both shows.
    crate::helpers::eventually(Duration::from_secs(60), "sales on both shows", || async {
        (tallies[0].held.load(Ordering::Relaxed) >= 100
            && tallies[1].held.load(Ordering::Relaxed) >= 20)
            .then_some(())
    })
    .await;
    let hall_before = tallies[1].held.load(Ordering::Relaxed);
    let started = std::time::Instant::now();
    let answer = app
        .post(
            &format!("/admin/shows/{stadium}/cancel"),
            Some(&app.admin_token),
            &json!({}),
        )
        .await;
    let took = started.elapsed();
    cancelled.store(true, Ordering::SeqCst);
    let hall_during = tallies[1].held.load(Ordering::Relaxed) - hall_before;
    assert_eq!(answer.status, 200, "{answer:?}");
    // The stadium's buyers are refused from now on; the hall sells on.
    crate::helpers::eventually(
        Duration::from_secs(30),
        "refusals and more sales",
        || async {
            (tallies[0].refused.load(Ordering::Relaxed) >= 50
                && tallies[1].held.load(Ordering::Relaxed) >= hall_before + hall_during + 20)
                .then_some(())
        },
    )
    .await;
    stop.store(true, Ordering::Relaxed);
    for task in tasks {
        task.await.unwrap();
    }
    println!(
        "cancel of {} bookings took {took:?}; the hall held {hall_during} times meanwhile",
        answer.body["bookings_cancelled"]
    );

    let stadium_tally = &tallies[0];
    assert_eq!(stadium_tally.held_after_cancel.load(Ordering::Relaxed), 0);
    assert_eq!(stadium_tally.unexpected.load(Ordering::Relaxed), 0);
    assert_eq!(tallies[1].unexpected.load(Ordering::Relaxed), 0);
    // Nothing of the stadium is held or sold, and its answer counted every booking.
    assert_eq!(app.check_invariants(stadium).await, 0);
    let failed_with_show = app
        .scalar(
            "SELECT count(*) FROM bookings WHERE show_id = $1 AND failure_reason = 'SHOW_CANCELLED'",
            &[&stadium],
        )
        .await;
    let body = &answer.body;
    assert!(
        body["bookings_cancelled"].as_i64().unwrap() >= 19_000,
        "{body}"
    );
    assert_eq!(
        body["bookings_cancelled"].as_i64().unwrap() + body["holds_cancelled"].as_i64().unwrap(),
        failed_with_show
    );
    // The hall kept selling while the stadium was being cancelled.
    assert!(
        hall_during > 0,
        "no hall sale while the cancel ran ({took:?})"
    );
    assert!(app.check_invariants(hall).await > 0);
}
