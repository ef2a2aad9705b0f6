//! Layouts and show creation.

use serde_json::{Value, json};

use crate::helpers::TestApp;

fn hall() -> Value {
    json!({
        "name": "Hall 1",
        "sections": [
            {"name": "Stalls", "category": "standard", "rows": [
                {"label": "A", "seats": 4},
                {"label": "B", "seats": 6, "category": "premium"}
            ]},
            {"name": "Balcony", "category": "standard", "rows": [{"label": "C", "seats": 2}]}
        ]
    })
}

fn tomorrow() -> String {
    (chrono::Utc::now() + chrono::Duration::days(1)).to_rfc3339()
}

#[tokio::test]
async fn layouts_are_stored_listed_and_read_back() {
    let app = TestApp::spawn().await;
    let admin = Some(app.admin_token.as_str());

    let resp = app.post("/admin/layouts", admin, &hall()).await;
    assert_eq!(resp.status, 201, "{resp:?}");
    assert_eq!(resp.body["seat_count"], 12);
    assert_eq!(resp.body["categories"], json!(["premium", "standard"]));
    let id = resp.body["id"].as_i64().unwrap();

    let resp = app.get(&format!("/admin/layouts/{id}"), admin).await;
    assert_eq!(resp.status, 200);
    assert_eq!(resp.body["name"], "Hall 1");
    assert_eq!(resp.body["sections"][0]["rows"][1]["category"], "premium");

    for _ in 0..2 {
        assert_eq!(app.post("/admin/layouts", admin, &hall()).await.status, 201);
    }
    let page1 = app.get("/admin/layouts?limit=2", admin).await;
    assert_eq!(page1.body["items"].as_array().unwrap().len(), 2);
    let cursor = page1.body["next_cursor"].as_str().unwrap();
    let page2 = app
        .get(&format!("/admin/layouts?limit=2&cursor={cursor}"), admin)
        .await;
    assert_eq!(page2.body["items"].as_array().unwrap().len(), 1);
    assert!(page2.body["next_cursor"].is_null());

    let resp = app.get("/admin/layouts/999999", admin).await;
    assert_eq!((resp.status, resp.code()), (404, "layout_not_found"));
}

#[tokio::test]
async fn a_show_materialises_labelled_positioned_priced_seats() {
    let app = TestApp::spawn().await;
    let admin = Some(app.admin_token.as_str());
    let layout_id = app.post("/admin/layouts", admin, &hall()).await.body["id"]
        .as_i64()
        .unwrap();

    let resp = app
        .post(
            "/admin/shows",
            admin,
            &json!({"name": "Premiere", "kind": "movie", "starts_at": tomorrow(),
                    "layout_id": layout_id, "prices": {"standard": 1200, "premium": 1800}}),
        )
        .await;
    assert_eq!(resp.status, 201, "{resp:?}");
    assert_eq!(resp.body["total_seats"], 12);
    assert_eq!(resp.body["available_seats"], 12);
    assert_eq!(resp.body["layout_id"], layout_id);
    let show_id = resp.body["id"].as_i64().unwrap();

    let map = app.get(&format!("/shows/{show_id}/seats"), None).await;
    let seats = map.body["seats"].as_array().unwrap();
    assert_eq!(seats.len(), 12);
    let labels: Vec<&str> = seats.iter().map(|s| s["label"].as_str().unwrap()).collect();
    assert_eq!(labels[..5], ["A1", "A2", "A3", "A4", "B1"]);
    let b1 = &seats[4];
    assert_eq!(b1["category"], "premium");
    assert_eq!(b1["price_cents"], 1800);
    assert_eq!(b1["section"], "Stalls");
    assert_eq!(b1["row"], "B");
    assert_eq!(b1["number"], 1);
    assert_eq!(b1["status"], "AVAILABLE");
    // Row A (4 seats) is centred over row B (6 seats); the balcony sits after a gap.
    assert_eq!(seats[0]["x"], 1.0);
    assert_eq!(b1["y"], 1.0);
    assert_eq!(seats[10]["y"], 3.0);
    let ids: Vec<i64> = seats.iter().map(|s| s["id"].as_i64().unwrap()).collect();
    assert_eq!(ids, (1..=12).collect::<Vec<_>>());
}

#[tokio::test]
async fn show_creation_rules() {
    let app = TestApp::spawn().await;
    let admin = Some(app.admin_token.as_str());
    let layout_id = app.post("/admin/layouts", admin, &hall()).await.body["id"]
        .as_i64()
        .unwrap();
    let prices = json!({"standard": 1000, "premium": 2000});
    let cases = [
        (
            json!({"name": "S", "kind": "movie", "starts_at": tomorrow(), "prices": prices}),
            422,
            "invalid_layout_choice",
        ),
        (
            json!({"name": "S", "kind": "movie", "starts_at": tomorrow(), "layout_id": layout_id, "layout": hall(), "prices": prices}),
            422,
            "invalid_layout_choice",
        ),
        (
            json!({"name": "S", "kind": "movie", "starts_at": tomorrow(), "layout_id": 999999, "prices": prices}),
            404,
            "layout_not_found",
        ),
        (
            json!({"name": "S", "kind": "movie", "starts_at": tomorrow(), "layout_id": layout_id, "prices": {"standard": 1000}}),
            422,
            "missing_price",
        ),
        (
            json!({"name": "S", "kind": "movie", "starts_at": tomorrow(), "layout_id": layout_id, "prices": {"standard": 1, "premium": 1, "vip": 1}}),
            422,
            "unknown_category",
        ),
        (
            json!({"name": "S", "kind": "movie", "starts_at": tomorrow(), "layout_id": layout_id, "prices": {"standard": -1, "premium": 1}}),
            422,
            "invalid_price",
        ),
        (
            json!({"name": "S", "kind": "movie", "starts_at": "2001-01-01T00:00:00Z", "layout_id": layout_id, "prices": prices}),
            422,
            "starts_in_past",
        ),
        (
            json!({"name": "S", "kind": "opera", "starts_at": tomorrow(), "layout_id": layout_id, "prices": prices}),
            400,
            "invalid_body",
        ),
        (
            json!({"name": "S", "kind": "movie", "starts_at": "tomorrow", "layout_id": layout_id, "prices": prices}),
            400,
            "invalid_body",
        ),
        (
            json!({"name": "", "kind": "movie", "starts_at": tomorrow(), "layout_id": layout_id, "prices": prices}),
            422,
            "invalid_name",
        ),
    ];
    for (body, status, code) in cases {
        let resp = app.post("/admin/shows", admin, &body).await;
        assert_eq!((resp.status, resp.code()), (status, code), "{body}");
    }
    // Nothing half-created along the way.
    let shows = app.scalar("SELECT count(*) FROM shows", &[]).await;
    assert_eq!(shows, 0);
}

#[tokio::test]
async fn every_show_kind_is_accepted() {
    let app = TestApp::spawn().await;
    for kind in ["movie", "bus", "appointment", "event"] {
        let id = app
            .create_show_with(json!({
                "name": format!("A {kind}"), "kind": kind, "starts_at": tomorrow(),
                "layout": {"name": "L", "sections": [{"name": "S", "category": "standard", "rows": [{"label": "A", "seats": 2}]}]},
                "prices": {"standard": 500}
            }))
            .await;
        assert_eq!(
            app.get(&format!("/shows/{id}"), None).await.body["kind"],
            kind
        );
    }
}
