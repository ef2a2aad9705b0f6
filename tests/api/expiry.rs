//! Holds that run out: exact expiry before any sweeper, then the sweeper.

use std::time::Duration;

use crate::helpers::{TestApp, eventually};

/// An instance with one-second holds and a sweeper that never gets to run during a test
/// (its first tick is at start-up, the next an hour away): lapses stay unswept until a
/// test sweeps itself. `configure` adjusts the rest.
async fn unswept(configure: impl FnOnce(&mut tessera::config::Settings)) -> TestApp {
    TestApp::spawn_with(|s| {
        s.hold_ttl_secs = 1;
        s.sweep_interval = Duration::from_secs(3600);
        configure(s);
    })
    .await
}

/// Checks that booking `id` is stored as FAILED/EXPIRED (not only read as such).
async fn assert_written_down_as_expired(app: &TestApp, id: &str) {
    let row = app
        .sql()
        .await
        .query_one(
            "SELECT status, failure_reason FROM bookings WHERE id = $1",
            &[&id.parse::<uuid::Uuid>().unwrap()],
        )
        .await
        .unwrap();
    assert_eq!(
        (row.get::<_, &str>(0), row.get::<_, Option<&str>>(1)),
        ("FAILED", Some("EXPIRED")),
        "booking {id} as stored"
    );
}

/// Waits until booking `id` of the holder of `token` reads as expired; returns it.
async fn lapsed(app: &TestApp, token: &str, id: &str) -> crate::helpers::Resp {
    eventually(Duration::from_secs(10), "the hold to lapse", || async {
        let b = app.get(&format!("/bookings/{id}"), Some(token)).await;
        (b.body["status"] == "FAILED").then_some(b)
    })
    .await
}

#[tokio::test]
async fn a_lapsed_hold_counts_as_expired_everywhere_before_any_sweep() {
    // One-second holds, and a sweeper that never gets to run during the test.
    let app = unswept(|_| {}).await;
    let show = app.create_show(&[("A", 4)]).await;
    let (ann, bob) = (app.new_user().await, app.new_user().await);
    let hold = app.hold(&ann, show, &[1, 2]).await;
    assert_eq!(hold.status, 201);
    let id = hold.body["id"].as_str().unwrap().to_owned();

    let booking = lapsed(&app, &ann, &id).await;
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
    assert_written_down_as_expired(&app, &id).await;
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

/// Ann's hold of seats 1 and 2 (of a four-seat row) lapses with no sweeper running; then
/// Bob holds `retaken` of those seats (none, some or all of them) plus seat 3.
/// Returns the instance, the show, Ann's and Bob's tokens and Ann's booking id.
async fn lapsed_hold_retaken(retaken: &[i64]) -> (TestApp, i64, String, String, String) {
    let app = unswept(|_| {}).await;
    let show = app.create_show(&[("A", 4)]).await;
    let (ann, bob) = (app.new_user().await, app.new_user().await);
    let hold = app.hold(&ann, show, &[1, 2]).await;
    assert_eq!(hold.status, 201, "{hold:?}");
    let id = hold.body["id"].as_str().unwrap().to_owned();
    lapsed(&app, &ann, &id).await;
    let mut seats = retaken.to_vec();
    seats.push(3);
    let taken = app.hold(&bob, show, &seats).await;
    assert_eq!(taken.status, 201, "{taken:?}");
    app.check_invariants(show).await;
    (app, show, ann, bob, id)
}

/// Checks the seats and counts once Ann's lapsed booking is written down as expired:
/// Bob keeps exactly what he took, the rest of the row is free, nobody's held-seat count
/// still includes Ann's hold.
async fn after_expiry(app: &TestApp, show: i64, id: &str, retaken: &[i64]) {
    let sql = app.sql().await;
    assert_written_down_as_expired(app, id).await;
    let held: Vec<i32> = sql
        .query(
            "SELECT seat_id FROM seats WHERE show_id = $1 AND status = 'HELD' ORDER BY seat_id",
            &[&show],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    let mut expected: Vec<i32> = retaken.iter().map(|&s| s as i32).collect();
    expected.push(3);
    assert_eq!(held, expected, "Bob's seats, and only his, are held");
    let held_counts = app
        .scalar("SELECT sum(held_seats)::bigint FROM users", &[])
        .await;
    assert_eq!(held_counts, expected.len() as i64, "only Bob's hold counts");
    let counted = app
        .scalar(
            "SELECT taken::bigint FROM show_rows WHERE show_id = $1",
            &[&show],
        )
        .await;
    assert_eq!(counted, expected.len() as i64, "the row counter");
    let show_view = app.get(&format!("/shows/{show}"), None).await;
    assert_eq!(
        show_view.body["available_seats"],
        4 - expected.len() as i64,
        "{show_view:?}"
    );
    app.check_invariants(show).await;
}

#[tokio::test]
async fn confirming_or_cancelling_a_lapsed_hold_works_however_many_of_its_seats_were_retaken() {
    for action in ["confirm", "cancel"] {
        for retaken in [&[][..], &[2], &[1, 2]] {
            let (app, show, ann, _bob, id) = lapsed_hold_retaken(retaken).await;
            let answer = app.act(&ann, &id, action).await;
            assert_eq!(
                (answer.status, answer.code()),
                (409, "booking_expired"),
                "{action} with {retaken:?} retaken: {answer:?}"
            );
            after_expiry(&app, show, &id, retaken).await;
            // Asking again gives the same answer and changes nothing.
            let again = app.act(&ann, &id, action).await;
            assert_eq!((again.status, again.code()), (409, "booking_expired"));
            after_expiry(&app, show, &id, retaken).await;
        }
    }
}

#[tokio::test]
async fn the_sweeper_expires_a_lapsed_hold_however_many_of_its_seats_were_retaken() {
    for retaken in [&[][..], &[2], &[1, 2]] {
        let (app, show, _ann, _bob, id) = lapsed_hold_retaken(retaken).await;
        // One sweep, as the sweeper task runs it.
        let sweep = app.state.db.expire_lapsed(None, 200).await.unwrap();
        assert_eq!((sweep.due, sweep.expired.len()), (1, 1), "{retaken:?}");
        assert!(
            sweep.failed.is_empty() && sweep.interrupted.is_none(),
            "{sweep:?}"
        );
        after_expiry(&app, show, &id, retaken).await;
    }
}

#[tokio::test]
async fn a_lapsed_hold_whose_seats_are_all_retaken_counts_none_of_them_as_free() {
    let (app, show, _ann, bob, _id) = lapsed_hold_retaken(&[1, 2]).await;
    // Bob confirms: seats 1 to 3 are sold, only seat 4 is free, before any sweep.
    let bobs = app.get("/bookings", Some(&bob)).await;
    let bob_booking = bobs.body["items"][0]["id"].as_str().unwrap().to_owned();
    assert_eq!(app.act(&bob, &bob_booking, "confirm").await.status, 200);
    let show_view = app.get(&format!("/shows/{show}"), None).await;
    assert_eq!(show_view.body["available_seats"], 1, "{show_view:?}");
    let list = app.get("/shows", None).await;
    assert_eq!(list.body["items"][0]["available_seats"], 1, "{list:?}");
    app.check_invariants(show).await;
}

#[tokio::test]
async fn one_booking_the_sweeper_cannot_expire_does_not_hold_up_the_others() {
    let app = TestApp::spawn_with(|s| {
        s.hold_ttl_secs = 1;
        s.sweep_interval = Duration::from_millis(100);
    })
    .await;
    let show = app.create_show(&[("A", 4), ("B", 8)]).await;
    let buyers = futures_util::future::join_all((0..4).map(|_| app.new_user())).await;
    // The first hold to lapse (the head of the sweeper's queue) is made unexpirable: its
    // row counter is broken, so freeing its seat would drive the counter below zero.
    let bad = app.hold(&buyers[0], show, &[1]).await;
    assert_eq!(bad.status, 201, "{bad:?}");
    let sql = app.sql().await;
    sql.execute(
        "UPDATE show_rows SET taken = 0 WHERE show_id = $1 AND row_no = 0",
        &[&show],
    )
    .await
    .unwrap();
    for (i, buyer) in buyers[1..].iter().enumerate() {
        let seat = 5 + 2 * i as i64;
        assert_eq!(app.hold(buyer, show, &[seat, seat + 1]).await.status, 201);
    }
    let bad_id: uuid::Uuid = bad.body["id"].as_str().unwrap().parse().unwrap();

    eventually(
        Duration::from_secs(15),
        "the other holds to be swept",
        || async {
            let left = app
                .scalar(
                    "SELECT count(*) FROM bookings WHERE status = 'PENDING' AND id <> $1",
                    &[&bad_id],
                )
                .await;
            (left == 0).then_some(())
        },
    )
    .await;
    let still = app
        .scalar(
            "SELECT count(*) FROM bookings WHERE id = $1 AND status = 'PENDING'",
            &[&bad_id],
        )
        .await;
    assert_eq!(still, 1, "the broken booking is left as it was");
    assert!(
        app.metric("tessera_sweeper_failures_total{reason=\"error\"}")
            .await
            >= 1.0
    );

    // Once the counter is repaired, a later sweep expires it too.
    sql.execute(
        "UPDATE show_rows SET taken = 1 WHERE show_id = $1 AND row_no = 0",
        &[&show],
    )
    .await
    .unwrap();
    eventually(
        Duration::from_secs(15),
        "the repaired hold to be swept",
        || async {
            let left = app
                .scalar(
                    "SELECT count(*) FROM bookings WHERE status = 'PENDING'",
                    &[],
                )
                .await;
            (left == 0).then_some(())
        },
    )
    .await;
    app.check_invariants(show).await;
}

#[tokio::test]
async fn a_lapsed_hold_no_longer_counts_towards_the_hold_limit() {
    let app = unswept(|s| s.max_held_seats = 2).await;
    let show = app.create_show(&[("A", 8)]).await;
    let ann = app.new_user().await;
    let first = app.hold(&ann, show, &[1, 2]).await;
    assert_eq!(first.status, 201, "{first:?}");
    let over = app.hold(&ann, show, &[3]).await;
    assert_eq!((over.status, over.code()), (409, "hold_limit_reached"));
    let id = first.body["id"].as_str().unwrap().to_owned();
    lapsed(&app, &ann, &id).await;
    // Not swept yet, yet no longer a hold: Ann may hold two seats again.
    let again = app.hold(&ann, show, &[3, 4]).await;
    assert_eq!(again.status, 201, "{again:?}");
    app.check_invariants(show).await;
    // Her live hold is at the limit.
    let over = app.hold(&ann, show, &[5]).await;
    assert_eq!((over.status, over.code()), (409, "hold_limit_reached"));
    // The sweep takes the lapsed hold off her count; the live one stays.
    app.state.db.expire_lapsed(None, 200).await.unwrap();
    let held = app
        .scalar("SELECT sum(held_seats)::bigint FROM users", &[])
        .await;
    assert_eq!(held, 2);
    app.check_invariants(show).await;
}
