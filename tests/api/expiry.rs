//! Holds that run out: exact expiry before any sweeper, then the sweeper.

use std::time::Duration;

use crate::helpers::{TestApp, eventually};

#[tokio::test]
async fn a_lapsed_hold_counts_as_expired_everywhere_before_any_sweep() {
    // One-second holds, and a sweeper that never gets to run during the test.
    let app = TestApp::spawn_with(|s| {
        s.hold_ttl_secs = 1;
        s.sweep_interval = Duration::from_secs(3600);
    })
    .await;
    let show = app.create_show(&[("A", 4)]).await;
    let (ann, bob) = (app.new_user().await, app.new_user().await);
    let hold = app.hold(&ann, show, &[1, 2]).await;
    assert_eq!(hold.status, 201);
    let id = hold.body["id"].as_str().unwrap().to_owned();
    // (The sweeper's first tick runs at start-up; later ones are an hour away.)

    let booking = eventually(Duration::from_secs(10), "the hold to lapse", || async {
        let b = app.get(&format!("/bookings/{id}"), Some(&ann)).await;
        (b.body["status"] == "FAILED").then_some(b)
    })
    .await;
    assert_eq!(booking.body["failure_reason"], "EXPIRED");
    let map = app.get(&format!("/shows/{show}/seats"), None).await;
    assert_eq!(map.body["seats"][0]["status"], "AVAILABLE");
    assert_eq!(
        app.get(&format!("/shows/{show}"), None).await.body["available_seats"],
        4
    );
    app.check_invariants(show).await;
    // The database still says PENDING: nothing has swept it.
    let sql = app.sql().await;
    let stored: String = sql
        .query_one(
            "SELECT status FROM bookings WHERE id = $1::uuid",
            &[&id.parse::<uuid::Uuid>().unwrap()],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(stored, "PENDING");

    // Someone else can take one of the seats straight away.
    let taken = app.hold(&bob, show, &[2, 3]).await;
    assert_eq!(taken.status, 201, "{taken:?}");
    app.check_invariants(show).await;

    // Confirming the lapsed hold fails clearly and writes the expiry down; the seat that
    // Bob took stays his, the other is released.
    let confirm = app.act(&ann, &id, "confirm").await;
    assert_eq!((confirm.status, confirm.code()), (409, "booking_expired"));
    let row = sql
        .query_one(
            "SELECT status, failure_reason FROM bookings WHERE id = $1",
            &[&id.parse::<uuid::Uuid>().unwrap()],
        )
        .await
        .unwrap();
    assert_eq!(
        (row.get::<_, &str>(0), row.get::<_, Option<&str>>(1)),
        ("FAILED", Some("EXPIRED"))
    );
    let statuses: Vec<(i32, String)> = sql
        .query(
            "SELECT seat_id, status FROM seats WHERE show_id = $1 ORDER BY seat_id",
            &[&show],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    assert_eq!(statuses[0], (1, "AVAILABLE".into()));
    assert_eq!(statuses[1], (2, "HELD".into()));
    let again = app.act(&ann, &id, "confirm").await;
    assert_eq!((again.status, again.code()), (409, "booking_expired"));
    let cancel = app.act(&ann, &id, "cancel").await;
    assert_eq!((cancel.status, cancel.code()), (409, "booking_expired"));
    app.check_invariants(show).await;
}

#[tokio::test]
async fn the_sweeper_writes_expiry_down_and_frees_the_seats() {
    let app = TestApp::spawn_with(|s| {
        s.hold_ttl_secs = 1;
        s.sweep_interval = Duration::from_millis(100);
    })
    .await;
    let show = app.create_show(&[("A", 4), ("B", 4)]).await;
    let ann = app.new_user().await;
    let ids: Vec<uuid::Uuid> =
        futures_util::future::join_all([[1, 2], [5, 6], [3, 7]].map(|seats| {
            let (app, ann) = (&app, &ann);
            async move { app.hold(ann, show, &seats).await }
        }))
        .await
        .iter()
        .map(|r| r.body["id"].as_str().unwrap().parse().unwrap())
        .collect();

    let sql = app.sql().await;
    eventually(
        Duration::from_secs(10),
        "the sweeper to expire the holds",
        || async {
            let pending = app
                .scalar(
                    "SELECT count(*) FROM bookings WHERE id = ANY($1) AND status <> 'FAILED'",
                    &[&ids],
                )
                .await;
            (pending == 0).then_some(())
        },
    )
    .await;
    let reasons: Vec<String> = sql
        .query(
            "SELECT failure_reason FROM bookings WHERE id = ANY($1)",
            &[&ids],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(reasons, ["EXPIRED"; 3]);
    let taken = app
        .scalar(
            "SELECT count(*) FROM seats WHERE show_id = $1 AND status <> 'AVAILABLE'",
            &[&show],
        )
        .await;
    assert_eq!(taken, 0);
    let counted = app
        .scalar(
            "SELECT sum(taken)::bigint FROM show_rows WHERE show_id = $1",
            &[&show],
        )
        .await;
    assert_eq!(counted, 0);
    app.check_invariants(show).await;
}

#[tokio::test]
async fn several_sweepers_expire_each_hold_once() {
    let first = TestApp::spawn_with(|s| {
        s.hold_ttl_secs = 1;
        s.sweep_interval = Duration::from_millis(50);
        s.max_held_seats = 50;
    })
    .await;
    let mut settings = crate::helpers::test_settings(&first.db_url);
    settings.hold_ttl_secs = 1;
    settings.sweep_interval = Duration::from_millis(50);
    let _second = TestApp::spawn_settings(settings.clone()).await;
    let _third = TestApp::spawn_settings(settings).await;
    let show = first.create_show(&[("A", 50)]).await;
    let buyer = first.new_user().await;
    for seat in 1..=50i64 {
        assert_eq!(first.hold(&buyer, show, &[seat]).await.status, 201);
    }
    eventually(Duration::from_secs(15), "all holds to be swept", || async {
        let left = first
            .scalar(
                "SELECT count(*) FROM bookings WHERE status = 'PENDING'",
                &[],
            )
            .await;
        (left == 0).then_some(())
    })
    .await;
    let taken = first
        .scalar(
            "SELECT sum(taken)::bigint FROM show_rows WHERE show_id = $1",
            &[&show],
        )
        .await;
    // Released exactly once each: a double release would drive the counter negative
    // (the CHECK constraint would refuse it) or below the seats.
    assert_eq!(taken, 0);
    first.check_invariants(show).await;
}
