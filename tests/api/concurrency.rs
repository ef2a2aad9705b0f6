//! Many parallel clients fighting for seats; the database is checked afterwards.

use std::collections::HashMap;

use futures_util::future::join_all;
use serde_json::json;

use crate::helpers::TestApp;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn many_clients_racing_for_the_same_seats_sell_each_once() {
    let app = TestApp::spawn().await;
    let show = app.create_show(&[("A", 10)]).await;
    let buyers = join_all((0..40).map(|_| app.new_user())).await;

    // Everyone wants seats 4 and 5 (with a neighbour that overlaps others' picks).
    let results = join_all(buyers.iter().enumerate().map(|(i, token)| {
        let seats = if i % 2 == 0 { vec![4, 5] } else { vec![5, 6] };
        let app = &app;
        async move { app.hold(token, show, &seats).await }
    }))
    .await;

    let mut by_status: HashMap<u16, usize> = HashMap::new();
    for r in &results {
        *by_status.entry(r.status).or_default() += 1;
        if r.status == 409 {
            assert_eq!(r.code(), "seats_unavailable");
        }
    }
    assert_eq!(by_status.get(&201), Some(&1), "{by_status:?}");
    assert_eq!(by_status.get(&409), Some(&39), "{by_status:?}");
    assert_eq!(app.check_invariants(show).await, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn best_available_under_contention_never_oversells() {
    let app = TestApp::spawn().await;
    let show = app.create_show(&[("A", 10), ("B", 10)]).await;
    let buyers = join_all((0..30).map(|_| app.new_user())).await;

    let results = join_all(buyers.iter().map(|token| {
        let app = &app;
        async move {
            app.post(
                "/bookings",
                Some(token),
                &json!({"show_id": show, "quantity": 2}),
            )
            .await
        }
    }))
    .await;
    let held = results.iter().filter(|r| r.status == 201).count();
    for r in results.iter().filter(|r| r.status != 201) {
        assert_eq!((r.status, r.code()), (409, "not_enough_seats"), "{r:?}");
    }
    // 20 seats, pairs: exactly ten parties get seats.
    assert_eq!(held, 10);
    assert_eq!(app.check_invariants(show).await, 20);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn mixed_holds_confirms_and_cancels_keep_every_invariant() {
    let app = TestApp::spawn().await;
    let show = app.create_show(&[("A", 12), ("B", 12), ("C", 12)]).await;
    let buyers = join_all((0..24).map(|_| app.new_user())).await;

    let outcomes = join_all(buyers.iter().enumerate().map(|(i, token)| {
        let app = &app;
        async move {
            let mut confirmed = 0;
            for round in 0..6i64 {
                // Overlapping picks across rows: plenty of real conflicts.
                let first = ((i as i64 * 7 + round * 5) % 35) + 1;
                let resp = app.hold(token, show, &[first, first + 1]).await;
                match resp.status {
                    201 => {
                        let id = resp.body["id"].as_str().unwrap().to_owned();
                        let action = if (i + round as usize).is_multiple_of(3) {
                            "cancel"
                        } else {
                            "confirm"
                        };
                        let done = app
                            .post(&format!("/bookings/{id}/{action}"), Some(token), &json!({}))
                            .await;
                        assert_eq!(done.status, 200, "{done:?}");
                        if action == "confirm" {
                            confirmed += 2;
                        }
                    }
                    409 => assert_eq!(resp.code(), "seats_unavailable"),
                    other => panic!("unexpected {other}: {resp:?}"),
                }
            }
            confirmed
        }
    }))
    .await;
    let confirmed: i64 = outcomes.iter().sum();
    assert!(confirmed > 0);
    assert_eq!(app.check_invariants(show).await, confirmed);
    let booked = app
        .scalar(
            "SELECT count(*) FROM seats WHERE show_id = $1 AND status = 'BOOKED'",
            &[&show],
        )
        .await;
    assert_eq!(booked, confirmed);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn holds_on_different_seats_of_one_show_all_succeed() {
    // No false conflicts: SERIALIZABLE retries are invisible to clients.
    let app = TestApp::spawn().await;
    let show = app
        .create_show(&[("A", 20), ("B", 20), ("C", 20), ("D", 20)])
        .await;
    let buyers = join_all((0..40).map(|_| app.new_user())).await;
    let results = join_all(buyers.iter().enumerate().map(|(i, token)| {
        let first = i as i64 * 2 + 1;
        let app = &app;
        async move { app.hold(token, show, &[first, first + 1]).await }
    }))
    .await;
    for r in &results {
        assert_eq!(r.status, 201, "{r:?}");
    }
    assert_eq!(app.check_invariants(show).await, 80);
}
