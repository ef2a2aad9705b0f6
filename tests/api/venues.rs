//! Real venues: rows with aisles, missing seats, wheelchair spaces and either numbering;
//! what the seat map shows of them and how "best available" treats them.

use chrono::Datelike;
use serde_json::{Value, json};

use crate::helpers::TestApp;

/// A show on a hall whose front row A has an aisle after seat 3, no seat 5 (a pillar)
/// and a wheelchair space at seat 1; row B, behind it, is numbered from the right.
async fn hall(app: &TestApp) -> i64 {
    app.create_show_with(json!({
        "name": "Studio 1",
        "kind": "movie",
        "starts_at": (chrono::Utc::now() + chrono::Duration::days(1)).to_rfc3339(),
        "layout": {"name": "Studio 1", "sections": [{"name": "Stalls", "category": "standard", "rows": [
            {"label": "A", "seats": 7, "gaps_after": [3], "missing": [5], "accessible": [1]},
            {"label": "B", "seats": 8, "numbering": "right_to_left"}
        ]}]},
        "prices": {"standard": 900}
    }))
    .await
}

fn seat<'a>(map: &'a Value, label: &str) -> &'a Value {
    map["seats"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["label"] == label)
        .unwrap_or_else(|| panic!("no seat {label}"))
}

#[tokio::test]
async fn the_seat_map_shows_aisles_missing_seats_and_wheelchair_spaces() {
    let app = TestApp::spawn().await;
    let show = hall(&app).await;
    let map = app.get(&format!("/shows/{show}/seats"), None).await.body;
    let labels: Vec<&str> = map["seats"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["label"].as_str().unwrap())
        .collect();
    assert!(!labels.contains(&"A5"), "a missing number has no seat");
    assert_eq!(labels.len(), 6 + 8);
    // Positions follow the aisle and the missing seat: A is 8 places wide (7 numbers, one
    // aisle), as wide as B, so neither is shifted.
    let x = |label: &str| seat(&map, label)["x"].as_f64().unwrap();
    assert_eq!((x("A3"), x("A4"), x("A6"), x("A7")), (2.0, 4.0, 6.0, 7.0));
    assert_eq!(
        (x("B1"), x("B8")),
        (7.0, 0.0),
        "B is numbered from the right"
    );
    assert_eq!(seat(&map, "A1")["features"], json!(["wheelchair"]));
    assert_eq!(seat(&map, "A3")["features"], json!(["aisle"]));
    assert_eq!(seat(&map, "A4")["features"], json!(["aisle"]));
    assert!(
        seat(&map, "A2").get("features").is_none(),
        "no features, no field"
    );
    let show_view = app.get(&format!("/shows/{show}"), None).await;
    assert_eq!(show_view.body["available_seats"], 14);
    assert_eq!(show_view.body["total_seats"], 14);
}

#[tokio::test]
async fn best_available_keeps_parties_off_aisles_and_wheelchair_spaces() {
    let app = TestApp::spawn().await;
    let show = hall(&app).await;
    let buyer = app.new_user().await;
    let best = |quantity: i64, accessible: Option<bool>| {
        let (app, buyer) = (&app, &buyer);
        async move {
            let mut body = json!({"show_id": show, "quantity": quantity});
            if let Some(accessible) = accessible {
                body["accessible"] = accessible.into();
            }
            app.post("/bookings", Some(buyer), &body).await
        }
    };
    // Three together: not A1-A3 (A1 is a wheelchair space), not across the aisle; A4
    // and A6 are not side by side (the pillar); so row B.
    let three = best(3, None).await;
    assert_eq!(three.status, 201, "{three:?}");
    let rows: Vec<&str> = three.body["seats"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| &s.as_str().unwrap()[..1])
        .collect();
    assert_eq!(rows, ["B", "B", "B"], "{three:?}");
    // A wheelchair space only when asked for.
    let one = best(1, Some(true)).await;
    assert_eq!(one.body["seats"], json!(["A1"]), "{one:?}");
    let none_left = best(1, Some(true)).await;
    assert_eq!(
        (none_left.status, none_left.code()),
        (409, "not_enough_seats")
    );
    // accessible goes with quantity only.
    let wrong = app
        .post(
            "/bookings",
            Some(&buyer),
            &json!({"show_id": show, "seat_ids": [2], "accessible": true}),
        )
        .await;
    assert_eq!((wrong.status, wrong.code()), (422, "invalid_hold_request"));
    app.check_invariants(show).await;
}

#[tokio::test]
async fn row_lists_must_name_the_rows_own_seats() {
    let app = TestApp::spawn().await;
    for row in [
        json!({"label": "A", "seats": 4, "gaps_after": [4]}),
        json!({"label": "A", "seats": 4, "missing": [9]}),
        json!({"label": "A", "seats": 4, "missing": [2], "accessible": [2]}),
    ] {
        let resp = app
            .post(
                "/admin/layouts",
                Some(&app.admin_token),
                &json!({"name": "Bad", "sections": [{"name": "S", "category": "c", "rows": [row]}]}),
            )
            .await;
        assert_eq!(
            (resp.status, resp.code()),
            (422, "invalid_seat_numbers"),
            "{resp:?}"
        );
    }
    // A good one round-trips through the stored layout.
    let rows = json!([{"label": "A", "seats": 6, "gaps_after": [3], "missing": [6],
                       "accessible": [1], "numbering": "right_to_left"}]);
    let created = app
        .post(
            "/admin/layouts",
            Some(&app.admin_token),
            &json!({"name": "Good", "sections": [{"name": "S", "category": "c", "rows": rows}]}),
        )
        .await;
    assert_eq!(created.status, 201, "{created:?}");
    assert_eq!(created.body["seat_count"], 5);
    assert_eq!(created.body["sections"][0]["rows"], rows);
}

#[tokio::test]
async fn admins_block_seats_off_sale_and_put_them_back() {
    let app = TestApp::spawn().await;
    let show = app.create_show(&[("A", 6)]).await;
    let admin = app.admin_token.clone();
    let buyer = app.new_user().await;
    let block = |seats: Value| {
        let (app, admin) = (&app, &admin);
        async move {
            app.post(
                &format!("/admin/shows/{show}/blocks"),
                Some(admin),
                &json!({"seat_ids": seats, "reason": "house seats"}),
            )
            .await
        }
    };
    let status = |id: i64| {
        let app = &app;
        async move {
            let map = app.get(&format!("/shows/{show}/seats"), None).await.body;
            map["seats"][(id - 1) as usize]["status"].clone()
        }
    };

    let blocked = block(json!([2, 1])).await;
    assert_eq!(
        (blocked.status, &blocked.body["seat_ids"]),
        (200, &json!([1, 2]))
    );
    assert_eq!(status(1).await, "BLOCKED");
    let show_view = app.get(&format!("/shows/{show}"), None).await;
    assert_eq!(show_view.body["available_seats"], 4);
    // No hold takes a blocked seat, by id or by quantity.
    let refused = app.hold(&buyer, show, &[1]).await;
    assert_eq!((refused.status, refused.code()), (409, "seats_unavailable"));
    assert_eq!(refused.body["unavailable_seat_ids"], json!([1]));
    let best = app
        .post(
            "/bookings",
            Some(&buyer),
            &json!({"show_id": show, "quantity": 4}),
        )
        .await;
    assert_eq!(best.body["seat_ids"], json!([3, 4, 5, 6]), "{best:?}");
    let id = best.body["id"].as_str().unwrap().to_owned();
    assert_eq!(app.act(&buyer, &id, "cancel").await.status, 200);

    // All or none: a held seat in the list blocks nothing and is named.
    assert_eq!(app.hold(&buyer, show, &[4]).await.status, 201);
    let conflict = block(json!([3, 4])).await;
    assert_eq!(
        (conflict.status, conflict.code()),
        (409, "seats_unavailable")
    );
    assert_eq!(conflict.body["unavailable_seat_ids"], json!([4]));
    assert_eq!(status(3).await, "AVAILABLE");
    // Blocking again changes nothing; unknown seats and shows are refused.
    assert_eq!(block(json!([1])).await.body["seat_ids"], json!([]));
    let unknown = block(json!([1, 99])).await;
    assert_eq!((unknown.status, unknown.code()), (422, "unknown_seats"));
    let missing = app
        .post(
            "/admin/shows/999999/blocks",
            Some(&admin),
            &json!({"seat_ids": [1], "reason": "x"}),
        )
        .await;
    assert_eq!((missing.status, missing.code()), (404, "show_not_found"));
    let not_admin = app
        .post(
            &format!("/admin/shows/{show}/blocks"),
            Some(&buyer),
            &json!({"seat_ids": [3], "reason": "mine"}),
        )
        .await;
    assert_eq!(not_admin.status, 403);
    app.check_invariants(show).await;

    // Back on sale: only the blocked ones named change.
    let released = app
        .post(
            &format!("/admin/shows/{show}/unblock"),
            Some(&admin),
            &json!({"seat_ids": [1, 2, 4]}),
        )
        .await;
    assert_eq!(
        (released.status, &released.body["seat_ids"]),
        (200, &json!([1, 2]))
    );
    assert_eq!(status(1).await, "AVAILABLE");
    assert_eq!(status(4).await, "HELD");
    assert_eq!(app.hold(&buyer, show, &[1, 2]).await.status, 201);
    app.check_invariants(show).await;
}

#[tokio::test]
async fn the_box_office_sees_a_shows_sales_and_its_bookings() {
    let app = TestApp::spawn().await;
    let show = app
        .create_show_with(json!({
            "name": "Gala",
            "kind": "event",
            "starts_at": (chrono::Utc::now() + chrono::Duration::days(1)).to_rfc3339(),
            "layout": {"name": "Hall", "sections": [
                {"name": "Front", "category": "premium", "rows": [{"label": "A", "seats": 4}]},
                {"name": "Back", "category": "standard", "rows": [{"label": "B", "seats": 4}]}]},
            "prices": {"premium": 2000, "standard": 1000}
        }))
        .await;
    let (ann, bob) = (app.new_user().await, app.new_user().await);
    let sold = app.hold(&ann, show, &[1, 2]).await;
    let sold_id = sold.body["id"].as_str().unwrap().to_owned();
    assert_eq!(app.act(&ann, &sold_id, "confirm").await.status, 200);
    assert_eq!(app.hold(&bob, show, &[5]).await.status, 201);
    let admin = app.admin_token.clone();
    let blocked = app
        .post(
            &format!("/admin/shows/{show}/blocks"),
            Some(&admin),
            &json!({"seat_ids": [8], "reason": "broken"}),
        )
        .await;
    assert_eq!(blocked.status, 200);

    let report = app
        .get(&format!("/admin/shows/{show}/report"), Some(&admin))
        .await;
    assert_eq!(report.status, 200, "{report:?}");
    assert_eq!(
        report.body["categories"],
        json!([
            {"category": "premium", "available": 2, "held": 0, "booked": 2, "blocked": 0, "checked_in": 0},
            {"category": "standard", "available": 2, "held": 1, "booked": 0, "blocked": 1, "checked_in": 0}
        ])
    );
    assert_eq!(report.body["confirmed_bookings"], 1);
    assert_eq!(report.body["revenue_cents"], 4000);
    assert_eq!(
        (&report.body["live_holds"], &report.body["held_seats"]),
        (&json!(1), &json!(1))
    );

    // The bookings, newest first, with their buyers; by status; a page at a time.
    let all = app
        .get(&format!("/admin/shows/{show}/bookings"), Some(&admin))
        .await;
    let items = all.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 2, "{all:?}");
    assert_eq!(items[0]["status"], "PENDING");
    assert_eq!(items[1]["id"].as_str(), Some(sold_id.as_str()));
    assert!(
        items
            .iter()
            .all(|b| b["email"].as_str().unwrap().ends_with("@example.com"))
    );
    assert_ne!(items[0]["email"], items[1]["email"]);
    let confirmed = app
        .get(
            &format!("/admin/shows/{show}/bookings?status=CONFIRMED"),
            Some(&admin),
        )
        .await;
    assert_eq!(confirmed.body["items"].as_array().unwrap().len(), 1);
    let paged = app
        .collect_ids(
            &format!("/admin/shows/{show}/bookings?limit=1"),
            Some(&admin),
        )
        .await;
    assert_eq!(paged.len(), 2);
    let missing = app.get("/admin/shows/999999/report", Some(&admin)).await;
    assert_eq!((missing.status, missing.code()), (404, "show_not_found"));
    let missing = app.get("/admin/shows/999999/bookings", Some(&admin)).await;
    assert_eq!((missing.status, missing.code()), (404, "show_not_found"));
    let buyer = app
        .get(&format!("/admin/shows/{show}/report"), Some(&ann))
        .await;
    assert_eq!(buyer.status, 403);
}

#[tokio::test]
async fn admins_change_a_shows_prices_name_and_time_before_it_starts() {
    use futures_util::StreamExt;
    let app = TestApp::spawn().await;
    let show = app
        .create_show_with(json!({
            "name": "Matinee",
            "kind": "event",
            "starts_at": (chrono::Utc::now() + chrono::Duration::days(1)).to_rfc3339(),
            "layout": {"name": "Hall", "sections": [
                {"name": "Front", "category": "premium", "rows": [{"label": "A", "seats": 2}]},
                {"name": "Back", "category": "standard", "rows": [{"label": "B", "seats": 2}]}]},
            "prices": {"premium": 2000, "standard": 1000}
        }))
        .await;
    let (admin, buyer) = (app.admin_token.clone(), app.new_user().await);
    let sold = app.hold(&buyer, show, &[1]).await;
    let sold_id = sold.body["id"].as_str().unwrap().to_owned();
    assert_eq!(app.act(&buyer, &sold_id, "confirm").await.status, 200);
    // The map is served (and its layout prepared) before the change, and watched live.
    let map = app.get(&format!("/shows/{show}/seats"), None).await;
    assert_eq!(seat(&map.body, "A2")["price_cents"], 2000);
    let version = map.body["version"].as_u64().unwrap();
    let stream = app
        .http
        .get(app.url(&format!("/shows/{show}/events?since={version}")))
        .send()
        .await
        .unwrap();
    let path = format!("/admin/shows/{show}");

    let changed = app
        .patch(
            &path,
            Some(&admin),
            &json!({"prices": {"premium": 2500, "standard": 1000}}),
        )
        .await;
    assert_eq!(changed.status, 200, "{changed:?}");
    assert_eq!(changed.body["prices"]["premium"], 2500);
    // Live seat maps are told to reload, and the map they load has the new prices.
    let mut body = stream.bytes_stream();
    let mut text = String::new();
    tokio::time::timeout(std::time::Duration::from_secs(10), async {
        while !text.contains("event: resync") {
            text.push_str(&String::from_utf8_lossy(
                &body.next().await.unwrap().unwrap(),
            ));
        }
    })
    .await
    .unwrap_or_else(|_| panic!("no resync; got:\n{text}"));
    let map = app.get(&format!("/shows/{show}/seats"), None).await;
    assert_eq!(seat(&map.body, "A2")["price_cents"], 2500, "{map:?}");
    assert_eq!(seat(&map.body, "B1")["price_cents"], 1000);
    assert!(map.body["version"].as_u64().unwrap() > version);
    // New holds pay the new price; what was sold keeps its.
    let held = app.hold(&buyer, show, &[2]).await;
    assert_eq!(held.body["total_cents"], 2500, "{held:?}");
    let sold = app.get(&format!("/bookings/{sold_id}"), Some(&buyer)).await;
    assert_eq!(sold.body["total_cents"], 2000);
    let report = app
        .get(&format!("/admin/shows/{show}/report"), Some(&admin))
        .await;
    assert_eq!(report.body["revenue_cents"], 2000);

    let listed = app.get("/shows?limit=200", None).await;
    assert_eq!(listed.status, 200);
    let later = chrono::Utc::now() + chrono::Duration::days(2);
    let moved = app
        .patch(
            &path,
            Some(&admin),
            &json!({"name": "Evening", "starts_at": later.to_rfc3339()}),
        )
        .await;
    assert_eq!(moved.status, 200, "{moved:?}");
    let one = app.get(&format!("/shows/{show}"), None).await;
    assert_eq!(one.body["name"], "Evening");
    let starts_at: chrono::DateTime<chrono::Utc> =
        one.body["starts_at"].as_str().unwrap().parse().unwrap();
    assert_eq!(starts_at.timestamp_micros(), later.timestamp_micros());
    // The cached list has the change too.
    let listed = app.get("/shows?limit=200", None).await;
    let item = listed.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == show)
        .cloned();
    assert_eq!(item.map(|s| s["name"].clone()), Some(json!("Evening")));
    app.check_invariants(show).await;

    // Every kind of bad change is refused and changes nothing.
    let past = (chrono::Utc::now() - chrono::Duration::hours(1)).to_rfc3339();
    for (body, status, code) in [
        (json!({}), 422, "empty_change"),
        (json!({"name": ""}), 422, "invalid_name"),
        (json!({"starts_at": past}), 422, "starts_in_past"),
        (
            json!({"prices": {"premium": -1, "standard": 1}}),
            422,
            "invalid_price",
        ),
        (json!({"prices": {"premium": 1}}), 422, "missing_price"),
        (
            json!({"prices": {"premium": 1, "standard": 1, "vip": 1}}),
            422,
            "unknown_category",
        ),
        (json!({"price": {"premium": 1}}), 400, "invalid_body"),
    ] {
        let refused = app.patch(&path, Some(&admin), &body).await;
        assert_eq!((refused.status, refused.code()), (status, code), "{body}");
    }
    let missing = app
        .patch("/admin/shows/999999", Some(&admin), &json!({"name": "X"}))
        .await;
    assert_eq!((missing.status, missing.code()), (404, "show_not_found"));
    let not_admin = app.patch(&path, Some(&buyer), &json!({"name": "X"})).await;
    assert_eq!(not_admin.status, 403);
    let one = app.get(&format!("/shows/{show}"), None).await;
    assert_eq!(
        (&one.body["name"], &one.body["prices"]),
        (
            &json!("Evening"),
            &json!({"premium": 2500, "standard": 1000})
        )
    );

    // Once the show has started it stays as it was.
    app.sql()
        .await
        .execute(
            "UPDATE shows SET starts_at = now() - interval '1 minute' WHERE id = $1",
            &[&show],
        )
        .await
        .unwrap();
    let started = app
        .patch(&path, Some(&admin), &json!({"name": "Late"}))
        .await;
    assert_eq!((started.status, started.code()), (409, "show_started"));
    app.check_invariants(show).await;
}

#[tokio::test]
async fn a_show_is_in_its_venues_time_zone() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token.clone();
    let body = |zone: Option<&str>| {
        let mut body = json!({
            "name": "Lisbon to Porto",
            "kind": "bus",
            "starts_at": (chrono::Utc::now() + chrono::Duration::days(1)).to_rfc3339(),
            "layout": {"name": "Coach", "sections": [
                {"name": "Coach", "category": "standard", "rows": [{"label": "1", "seats": 4}]}]},
            "prices": {"standard": 1900}
        });
        if let Some(zone) = zone {
            body["time_zone"] = json!(zone);
        }
        body
    };
    let lisbon = app.create_show_with(body(Some("Europe/Lisbon"))).await;
    let one = app.get(&format!("/shows/{lisbon}"), None).await;
    assert_eq!(one.body["time_zone"], "Europe/Lisbon");
    let plain = app.create_show_with(body(None)).await;
    let one = app.get(&format!("/shows/{plain}"), None).await;
    assert_eq!(one.body["time_zone"], "UTC");
    for zone in ["Mars/Olympus", "", "+01:00"] {
        let refused = app
            .post("/admin/shows", Some(&admin), &body(Some(zone)))
            .await;
        assert_eq!(
            (refused.status, refused.code()),
            (422, "invalid_time_zone"),
            "{zone}"
        );
    }

    // Moving the venue's zone keeps the instant.
    let before = app.get(&format!("/shows/{plain}"), None).await;
    let moved = app
        .patch(
            &format!("/admin/shows/{plain}"),
            Some(&admin),
            &json!({"time_zone": "America/New_York"}),
        )
        .await;
    assert_eq!(moved.status, 200, "{moved:?}");
    assert_eq!(moved.body["time_zone"], "America/New_York");
    assert_eq!(moved.body["starts_at"], before.body["starts_at"]);
    let refused = app
        .patch(
            &format!("/admin/shows/{plain}"),
            Some(&admin),
            &json!({"time_zone": "Nowhere"}),
        )
        .await;
    assert_eq!((refused.status, refused.code()), (422, "invalid_time_zone"));
    let listed = app.get("/shows?limit=200", None).await;
    let zones: Vec<&str> = listed.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["time_zone"].as_str().unwrap())
        .collect();
    assert_eq!(zones, ["Europe/Lisbon", "America/New_York"]);
}

#[tokio::test]
async fn a_clinic_sells_appointment_slots_at_the_venues_local_times() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token.clone();
    let year = chrono::Utc::now().year() + 1;
    // 09:00 in Lisbon in July is 08:00 UTC (summer time).
    let show = app
        .create_show_with(json!({
            "name": "Morning clinic",
            "kind": "appointment",
            "starts_at": format!("{year}-07-12T08:00:00Z"),
            "time_zone": "Europe/Lisbon",
            "layout": {"name": "Clinic", "sections": [
                {"name": "Dr. Rivera", "category": "consultation",
                 "slots": {"from": "09:00", "to": "10:00", "minutes": 20}},
                {"name": "Dr. Okafor", "category": "follow-up",
                 "slots": {"from": "09:30", "to": "10:00", "minutes": 15}}]},
            "prices": {"consultation": 6000, "follow-up": 3500}
        }))
        .await;
    let map = app.get(&format!("/shows/{show}/seats"), None).await;
    let slots: Vec<(&str, &str, &str)> = map.body["seats"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["label"].as_str().unwrap(),
                s["starts_at"].as_str().unwrap(),
                s["ends_at"].as_str().unwrap(),
            )
        })
        .collect();
    let at = |time: &str| format!("{year}-07-12T{time}:00+00:00");
    assert_eq!(
        slots,
        [
            (
                "Dr. Rivera 09:00",
                at("08:00").as_str(),
                at("08:20").as_str()
            ),
            (
                "Dr. Rivera 09:20",
                at("08:20").as_str(),
                at("08:40").as_str()
            ),
            (
                "Dr. Rivera 09:40",
                at("08:40").as_str(),
                at("09:00").as_str()
            ),
            (
                "Dr. Okafor 09:30",
                at("08:30").as_str(),
                at("08:45").as_str()
            ),
            (
                "Dr. Okafor 09:45",
                at("08:45").as_str(),
                at("09:00").as_str()
            ),
        ]
    );
    assert_eq!(seat(&map.body, "Dr. Okafor 09:30")["price_cents"], 3500);

    // A slot is held, confirmed and refused to a second patient like a seat.
    let (patient, other) = (app.new_user().await, app.new_user().await);
    let id = seat(&map.body, "Dr. Rivera 09:20")["id"].as_i64().unwrap();
    let held = app.hold(&patient, show, &[id]).await;
    assert_eq!(held.status, 201, "{held:?}");
    assert_eq!(held.body["seats"], json!(["Dr. Rivera 09:20"]));
    let booking = held.body["id"].as_str().unwrap().to_owned();
    assert_eq!(app.act(&patient, &booking, "confirm").await.status, 200);
    let taken = app.hold(&other, show, &[id]).await;
    assert_eq!((taken.status, taken.code()), (409, "seats_unavailable"));
    let any_follow_up = app
        .post(
            "/bookings",
            Some(&other),
            &json!({"show_id": show, "quantity": 1, "category": "follow-up"}),
        )
        .await;
    assert_eq!(any_follow_up.status, 201, "{any_follow_up:?}");
    assert!(
        any_follow_up.body["seats"][0]
            .as_str()
            .unwrap()
            .starts_with("Dr. Okafor")
    );

    // Moving the session to the next day, or the clinic to another zone, moves the slots.
    let path = format!("/admin/shows/{show}");
    let moved = app
        .patch(
            &path,
            Some(&admin),
            &json!({"starts_at": format!("{year}-07-13T08:00:00Z")}),
        )
        .await;
    assert_eq!(moved.status, 200, "{moved:?}");
    let map = app.get(&format!("/shows/{show}/seats"), None).await;
    assert_eq!(
        seat(&map.body, "Dr. Rivera 09:00")["starts_at"],
        format!("{year}-07-13T08:00:00+00:00")
    );
    let rezoned = app
        .patch(&path, Some(&admin), &json!({"time_zone": "UTC"}))
        .await;
    assert_eq!(rezoned.status, 200, "{rezoned:?}");
    let map = app.get(&format!("/shows/{show}/seats"), None).await;
    assert_eq!(
        seat(&map.body, "Dr. Rivera 09:00")["starts_at"],
        format!("{year}-07-13T09:00:00+00:00")
    );
    app.check_invariants(show).await;

    // Slots that cannot be laid out are refused, each with its code.
    for slots in [
        json!({"from": "10:00", "to": "09:00", "minutes": 15}),
        json!({"from": "09:00", "to": "09:10", "minutes": 15}),
        json!({"from": "09:00", "to": "12:00", "minutes": 0}),
        json!({"from": "9am", "to": "12:00", "minutes": 15}),
        json!({"from": "09:00", "to": "25:00", "minutes": 15}),
    ] {
        let refused = app
            .post(
                "/admin/layouts",
                Some(&admin),
                &json!({"name": "Clinic", "sections": [
                    {"name": "Dr. X", "category": "consultation", "slots": slots}]}),
            )
            .await;
        assert_eq!(
            (refused.status, refused.code()),
            (422, "invalid_slots"),
            "{slots}"
        );
    }
    let both = app
        .post(
            "/admin/layouts",
            Some(&admin),
            &json!({"name": "Clinic", "sections": [
                {"name": "Dr. X", "category": "consultation",
                 "rows": [{"label": "A", "seats": 2}],
                 "slots": {"from": "09:00", "to": "10:00", "minutes": 15}}]}),
        )
        .await;
    assert_eq!((both.status, both.code()), (422, "invalid_section_kind"));
    let neither = app
        .post(
            "/admin/layouts",
            Some(&admin),
            &json!({"name": "Clinic", "sections": [{"name": "Dr. X", "category": "consultation"}]}),
        )
        .await;
    assert_eq!((neither.status, neither.code()), (422, "empty_section"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_standing_floor_sells_by_quantity_to_the_last_place_and_never_beyond() {
    let app = std::sync::Arc::new(TestApp::spawn_with(|s| s.max_held_seats = 1000).await);
    let show = app
        .create_show_with(json!({
            "name": "Festival",
            "kind": "event",
            "starts_at": (chrono::Utc::now() + chrono::Duration::days(1)).to_rfc3339(),
            "layout": {"name": "Arena", "sections": [
                {"name": "Stand", "category": "seated", "rows": [{"label": "A", "seats": 10}]},
                {"name": "Floor", "category": "floor", "standing": 300}]},
            "prices": {"seated": 6000, "floor": 4500}
        }))
        .await;
    let map = app.get(&format!("/shows/{show}/seats"), None).await;
    assert_eq!(
        map.body["seats"].as_array().unwrap().len(),
        10,
        "places are not seats"
    );
    let mut standing = map.body["standing"].clone();
    let outline = standing[0]
        .as_object_mut()
        .unwrap()
        .remove("outline")
        .unwrap();
    assert_eq!(
        standing,
        json!([{"section": "Floor", "category": "floor", "price_cents": 4500,
                "capacity": 300, "available": 300}])
    );
    // The floor's ground: 300 places in rows as wide as the square's side (18), after row
    // A and an empty row; drawn from its corners.
    assert_eq!(
        outline,
        json!([{"x": 0.0, "y": 2.0}, {"x": 17.0, "y": 2.0}, {"x": 17.0, "y": 17.0},
               {"x": 11.0, "y": 18.0}, {"x": 0.0, "y": 18.0}])
    );
    let one = app.get(&format!("/shows/{show}"), None).await;
    assert_eq!(one.body["total_seats"], 310);

    let buyer = app.new_user().await;
    let hold = |body: Value| {
        let (app, buyer) = (app.clone(), buyer.clone());
        async move { app.post("/bookings", Some(&buyer), &body).await }
    };
    let floor = hold(json!({"show_id": show, "quantity": 4, "section": "Floor"})).await;
    assert_eq!(floor.status, 201, "{floor:?}");
    assert_eq!(floor.body["total_cents"], 4 * 4500);
    let place: i64 = floor.body["seat_ids"][0].as_i64().unwrap();
    assert!(place > 10);
    assert!(
        floor.body["seats"][0]
            .as_str()
            .unwrap()
            .starts_with("Floor ")
    );
    // Best available without a section keeps to seats; with one, to that section.
    let seated = hold(json!({"show_id": show, "quantity": 2})).await;
    assert_eq!(seated.body["seats"], json!(["A5", "A6"]), "{seated:?}");
    let in_stand = hold(json!({"show_id": show, "quantity": 1, "section": "Stand"})).await;
    assert_eq!(in_stand.status, 201, "{in_stand:?}");
    assert!(in_stand.body["seats"][0].as_str().unwrap().starts_with('A'));
    let map = app.get(&format!("/shows/{show}/seats"), None).await;
    assert_eq!(map.body["standing"][0]["available"], 296);

    // Places are never held by id; a section must exist; a floor has no other kinds.
    let by_id = app.hold(&buyer, show, &[place + 10]).await;
    assert_eq!((by_id.status, by_id.code()), (422, "standing_by_quantity"));
    for (body, status, code) in [
        (
            json!({"show_id": show, "quantity": 1, "section": "Balcony"}),
            422,
            "unknown_section",
        ),
        (
            json!({"show_id": show, "quantity": 1, "section": "Floor", "category": "seated"}),
            409,
            "not_enough_seats",
        ),
        (
            json!({"show_id": show, "quantity": 1, "section": "Floor", "accessible": true}),
            409,
            "not_enough_seats",
        ),
        (
            json!({"show_id": show, "seat_ids": [1], "section": "Stand"}),
            422,
            "invalid_hold_request",
        ),
        (
            json!({"show_id": show, "quantity": 1, "section": ""}),
            422,
            "invalid_name",
        ),
    ] {
        let refused = hold(body.clone()).await;
        assert_eq!((refused.status, refused.code()), (status, code), "{body}");
    }

    // A rush of 40 buyers takes the floor's places, exactly all of them.
    let tasks: Vec<_> = (0..40)
        .map(|i| {
            let app = app.clone();
            tokio::spawn(async move {
                let buyer = app.new_user().await;
                let mut held = 0;
                loop {
                    let quantity = 1 + i % 4;
                    let r = app
                        .post(
                            "/bookings",
                            Some(&buyer),
                            &json!({"show_id": show, "quantity": quantity, "section": "Floor"}),
                        )
                        .await;
                    match (r.status, r.code()) {
                        (201, _) => held += quantity,
                        (409, "not_enough_seats") if quantity == 1 => return held,
                        // Fewer places left than this buyer wants: one at a time then.
                        (409, "not_enough_seats") => {
                            let r = app
                                .post(
                                    "/bookings",
                                    Some(&buyer),
                                    &json!({"show_id": show, "quantity": 1, "section": "Floor"}),
                                )
                                .await;
                            match (r.status, r.code()) {
                                (201, _) => held += 1,
                                (409, "not_enough_seats") => return held,
                                other => panic!("{other:?}: {r:?}"),
                            }
                        }
                        (503, "service_busy") => {}
                        other => panic!("{other:?}: {r:?}"),
                    }
                }
            })
        })
        .collect();
    let mut rushed = 0;
    for task in tasks {
        rushed += task.await.unwrap();
    }
    assert_eq!(rushed, 296, "every place left, once");
    let map = app.get(&format!("/shows/{show}/seats"), None).await;
    assert_eq!(map.body["standing"][0]["available"], 0);
    let held_places = app
        .scalar(
            "SELECT count(*) FROM seats WHERE show_id = $1 AND section = 'Floor' AND status = 'HELD'",
            &[&show],
        )
        .await;
    assert_eq!(held_places, 300);
    app.check_invariants(show).await;
}

#[tokio::test]
async fn an_arena_of_turned_sections_sells_the_seats_nearest_its_stage_first() {
    let app = TestApp::spawn().await;
    // Four sections around a stage at the origin, each facing it; the south one is the
    // nearest (3 seat widths away), the others 8. The sections are listed far ones first:
    // without the stage, "best available" would start with the first listed.
    let section = |name: &str, x: f32, y: f32, rotation: f32| {
        json!({"name": name, "category": "standard",
               "position": {"x": x, "y": y, "rotation": rotation},
               "rows": [{"label": &name[..1], "seats": 6, "curve": 0.5},
                        {"label": format!("{}2", &name[..1]), "seats": 8}]})
    };
    let show = app
        .create_show_with(json!({
            "name": "Arena",
            "kind": "event",
            "starts_at": (chrono::Utc::now() + chrono::Duration::days(1)).to_rfc3339(),
            "layout": {"name": "Bowl",
                       "stage": {"x": 0.0, "y": 0.0, "label": "Stage"},
                       "sections": [
                           section("North", 0.0, -8.0, 180.0),
                           section("East", 8.0, 0.0, -90.0),
                           section("West", -8.0, 0.0, 90.0),
                           section("South", 0.0, 3.0, 0.0)]},
            "prices": {"standard": 5000}
        }))
        .await;
    let map = app.get(&format!("/shows/{show}/seats"), None).await;
    assert_eq!(
        map.body["stage"]["label"], "Stage",
        "{:?}",
        map.body["stage"]
    );
    let (sx, sy) = (
        map.body["stage"]["x"].as_f64().unwrap(),
        map.body["stage"]["y"].as_f64().unwrap(),
    );
    // The drawing starts at (0, 0).
    let seats = map.body["seats"].as_array().unwrap();
    let min = |k: &str| {
        seats
            .iter()
            .map(|s| s[k].as_f64().unwrap())
            .fold(f64::MAX, f64::min)
    };
    assert_eq!((min("x"), min("y")), (0.0, 0.0));
    // Best available: the middle of the south section's front row, nearest the stage.
    let buyer = app.new_user().await;
    let best = app
        .post(
            "/bookings",
            Some(&buyer),
            &json!({"show_id": show, "quantity": 2}),
        )
        .await;
    assert_eq!(best.status, 201, "{best:?}");
    assert_eq!(best.body["seats"], json!(["S3", "S4"]), "{best:?}");
    for label in ["S3", "S4"] {
        let s = seat(&map.body, label);
        let d = (s["x"].as_f64().unwrap() - sx).hypot(s["y"].as_f64().unwrap() - sy);
        assert!(d < 4.0, "{label} is {d} from the stage");
    }
    // Seats side by side stay side by side however the row is turned: the next party of
    // six gets a whole row, not seats across sections.
    let six = app
        .post(
            "/bookings",
            Some(&buyer),
            &json!({"show_id": show, "quantity": 6}),
        )
        .await;
    assert_eq!(six.status, 201, "{six:?}");
    let rows: std::collections::HashSet<String> = six.body["seats"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            l.as_str()
                .unwrap()
                .trim_end_matches(char::is_numeric)
                .to_owned()
        })
        .collect();
    assert_eq!(rows.len(), 1, "{six:?}");
    app.check_invariants(show).await;

    // A stage or a placement that is not a usable number is refused.
    let admin = app.admin_token.clone();
    for layout in [
        json!({"name": "Bad", "stage": {"x": 1e12, "y": 0, "label": "Stage"},
               "sections": [{"name": "A", "category": "c", "rows": [{"label": "A", "seats": 1}]}]}),
        json!({"name": "Bad",
               "sections": [{"name": "A", "category": "c", "position": {"x": 0, "y": 1e12},
                             "rows": [{"label": "A", "seats": 1}]}]}),
        json!({"name": "Bad",
               "sections": [{"name": "A", "category": "c",
                             "rows": [{"label": "A", "seats": 3, "curve": 500}]}]}),
    ] {
        let refused = app.post("/admin/layouts", Some(&admin), &layout).await;
        assert_eq!(
            (refused.status, refused.code()),
            (422, "invalid_placement"),
            "{layout}"
        );
    }
}
