//! Public show list, show, seat map.

use chrono::{Duration, Utc};
use serde_json::json;

use crate::helpers::TestApp;

async fn show_at(app: &TestApp, name: &str, kind: &str, hours: i64) -> i64 {
    app.create_show_with(json!({
        "name": name, "kind": kind,
        "starts_at": (Utc::now() + Duration::hours(hours)).to_rfc3339(),
        "layout": {"name": "L", "sections": [{"name": "S", "category": "standard", "rows": [{"label": "A", "seats": 3}]}]},
        "prices": {"standard": 700}
    }))
    .await
}

#[tokio::test]
async fn shows_are_listed_by_start_time_with_filters_and_pages() {
    let app = TestApp::spawn().await;
    let late = show_at(&app, "Late", "movie", 30).await;
    let early = show_at(&app, "Early", "bus", 10).await;
    let middle = show_at(&app, "Middle", "movie", 20).await;
    let same_time = show_at(&app, "Middle twin", "event", 20).await;

    let resp = app.get("/shows", None).await;
    assert_eq!(resp.status, 200);
    let ids: Vec<i64> = resp.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, [early, middle, same_time, late]);
    assert_eq!(resp.body["items"][0]["available_seats"], 3);
    assert!(resp.body["next_cursor"].is_null());

    // Pages of two, following the cursor, give the same order without repeats.
    let seen = app.collect_ids("/shows?limit=2", None).await;
    assert_eq!(
        seen,
        ids.iter()
            .map(|&id| serde_json::json!(id))
            .collect::<Vec<_>>()
    );

    let movies = app.get("/shows?kind=movie", None).await;
    let ids: Vec<i64> = movies.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, [middle, late]);

    let from =
        (Utc::now() + Duration::hours(15)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let to = (Utc::now() + Duration::hours(25)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let window = app.get(&format!("/shows?from={from}&to={to}"), None).await;
    let ids: Vec<i64> = window.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, [middle, same_time]);
}

#[tokio::test]
async fn list_parameters_are_checked() {
    let app = TestApp::spawn().await;
    for (query, code) in [
        ("limit=0", "invalid_limit"),
        ("limit=201", "invalid_limit"),
        ("limit=-5", "invalid_limit"),
        ("limit=ten", "invalid_limit"),
        ("kind=opera", "invalid_parameter"),
        ("from=yesterday", "invalid_parameter"),
        ("cursor=not-a-cursor", "invalid_cursor"),
    ] {
        let resp = app.get(&format!("/shows?{query}"), None).await;
        assert_eq!((resp.status, resp.code()), (400, code), "{query}");
    }
    assert_eq!(app.get("/shows?limit=200", None).await.status, 200);
}

#[tokio::test]
async fn unknown_shows_are_not_found() {
    let app = TestApp::spawn().await;
    for path in [
        "/shows/424242",
        "/shows/424242/seats",
        "/shows/0",
        "/shows/-1/seats",
    ] {
        let resp = app.get(path, None).await;
        assert_eq!(
            (resp.status, resp.code()),
            (404, "show_not_found"),
            "{path}"
        );
    }
    let resp = app.get("/shows/abc", None).await;
    assert_eq!((resp.status, resp.code()), (400, "invalid_parameter"));
}

#[tokio::test]
async fn seat_map_shows_held_and_booked_seats() {
    let app = TestApp::spawn().await;
    let show = app.create_show(&[("A", 4)]).await;
    let buyer = app.new_user().await;
    let held = app.hold(&buyer, show, &[1]).await;
    let booked = app.hold(&buyer, show, &[2]).await;
    let id = booked.body["id"].as_str().unwrap();
    assert_eq!(app.act(&buyer, id, "confirm").await.status, 200);
    assert_eq!(held.status, 201);

    let map = app.get(&format!("/shows/{show}/seats"), None).await;
    assert_eq!(map.body["show_id"], show);
    let statuses: Vec<&str> = map.body["seats"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["HELD", "BOOKED", "AVAILABLE", "AVAILABLE"]);
    assert_eq!(
        app.get(&format!("/shows/{show}"), None).await.body["available_seats"],
        2
    );
}

/// After its first read a seat map is rebuilt from the show's prepared layout plus the
/// taken seats only: every field of every seat must still be what the database says.
#[tokio::test]
async fn rebuilt_seat_maps_match_the_database_seat_for_seat() {
    let app = TestApp::spawn().await;
    let show = app.create_show(&[("A", 5), ("B", 5)]).await;
    let buyer = app.new_user().await;
    let path = format!("/shows/{show}/seats");
    assert_eq!(app.get(&path, None).await.status, 200);
    assert!(app.state.seat_layouts.get(show).await.is_some());

    assert_eq!(app.hold(&buyer, show, &[2, 3]).await.status, 201);
    let booked = app.hold(&buyer, show, &[7]).await;
    let id = booked.body["id"].as_str().unwrap();
    assert_eq!(app.act(&buyer, id, "confirm").await.status, 200);
    let cancelled = app.hold(&buyer, show, &[10]).await;
    let id = cancelled.body["id"].as_str().unwrap();
    assert_eq!(app.act(&buyer, id, "cancel").await.status, 200);

    let map = app.get(&path, None).await;
    let expected: Vec<serde_json::Value> = app
        .sql()
        .await
        .query(
            "SELECT seat_id, label, section, row_label, number, category, price_cents, x, y, status \
             FROM seats WHERE show_id = $1 ORDER BY seat_id",
            &[&show],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| {
            json!({
                "id": r.get::<_, i32>(0), "label": r.get::<_, &str>(1),
                "section": r.get::<_, &str>(2), "row": r.get::<_, &str>(3),
                "number": r.get::<_, i32>(4), "category": r.get::<_, &str>(5),
                "price_cents": r.get::<_, i64>(6), "x": r.get::<_, f32>(7),
                "y": r.get::<_, f32>(8), "status": r.get::<_, &str>(9),
            })
        })
        .collect();
    assert_eq!(map.body["seats"], json!(expected));
    // The database agrees with what the requests did (so the comparison above is not
    // between two equally wrong maps).
    for seat in &expected {
        let id = seat["id"].as_i64().unwrap();
        let status = match id {
            2 | 3 => "HELD",
            7 => "BOOKED",
            _ => "AVAILABLE",
        };
        assert_eq!(seat["status"], status, "seat {id}");
    }
}

#[tokio::test]
async fn probes_docs_and_spec_are_served() {
    let app = TestApp::spawn().await;
    let health = app
        .http
        .get(format!("{}/health", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), 200);
    let ready = app
        .http
        .get(format!("{}/ready", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(ready.status(), 200);
    assert_eq!(app.get("/ready", None).await.status, 200);
    let docs = app
        .http
        .get(format!("{}/docs", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(docs.status(), 200);
    let spec: serde_json::Value = app
        .http
        .get(format!("{}/openapi.json", app.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(spec["paths"]["/bookings"]["post"].is_object());
    let missing = app
        .http
        .get(format!("{}/nowhere", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
}
