//! Table-driven bad input: every case gets a 4xx with a `code`, never a 5xx, and
//! changes nothing.

use serde_json::{Value, json};

use crate::helpers::TestApp;

#[tokio::test]
async fn malformed_hold_requests_are_refused_with_codes() {
    let app = TestApp::spawn().await;
    let show = app.create_show(&[("A", 4)]).await;
    let buyer = app.new_user().await;

    let cases: Vec<(&str, Value, u16, &str)> = vec![
        (
            "boolean seat id",
            json!({"show_id": show, "seat_ids": [true]}),
            400,
            "invalid_body",
        ),
        (
            "hex string seat id",
            json!({"show_id": show, "seat_ids": ["0x4"]}),
            400,
            "invalid_body",
        ),
        (
            "numeric string seat id",
            json!({"show_id": show, "seat_ids": ["4"]}),
            400,
            "invalid_body",
        ),
        (
            "nested array",
            json!({"show_id": show, "seat_ids": [[3]]}),
            400,
            "invalid_body",
        ),
        (
            "fractional seat id",
            json!({"show_id": show, "seat_ids": [1.5]}),
            400,
            "invalid_body",
        ),
        (
            "huge seat id",
            json!({"show_id": show, "seat_ids": [1e30]}),
            400,
            "invalid_body",
        ),
        (
            "null seat id",
            json!({"show_id": show, "seat_ids": [null]}),
            400,
            "invalid_body",
        ),
        (
            "seat ids not a list",
            json!({"show_id": show, "seat_ids": 3}),
            400,
            "invalid_body",
        ),
        (
            "string show id",
            json!({"show_id": show.to_string(), "seat_ids": [1]}),
            400,
            "invalid_body",
        ),
        (
            "missing show id",
            json!({"seat_ids": [1]}),
            400,
            "invalid_body",
        ),
        (
            "unknown field",
            json!({"show_id": show, "seat_ids": [1], "price": 0}),
            400,
            "invalid_body",
        ),
        ("body not an object", json!([1, 2]), 400, "invalid_body"),
        (
            "empty seat list",
            json!({"show_id": show, "seat_ids": []}),
            422,
            "invalid_seat_count",
        ),
        (
            "too many seats",
            json!({"show_id": show, "seat_ids": (1..=11).collect::<Vec<_>>()}),
            422,
            "invalid_seat_count",
        ),
        (
            "duplicate seats",
            json!({"show_id": show, "seat_ids": [1, 1]}),
            422,
            "duplicate_seat_ids",
        ),
        (
            "negative seat id",
            json!({"show_id": show, "seat_ids": [-1]}),
            422,
            "invalid_seat_id",
        ),
        (
            "zero seat id",
            json!({"show_id": show, "seat_ids": [0]}),
            422,
            "invalid_seat_id",
        ),
        (
            "seat id beyond int32",
            json!({"show_id": show, "seat_ids": [4_294_967_297i64]}),
            422,
            "invalid_seat_id",
        ),
        (
            "unknown seat",
            json!({"show_id": show, "seat_ids": [5]}),
            422,
            "unknown_seats",
        ),
        (
            "both seat ids and quantity",
            json!({"show_id": show, "seat_ids": [1], "quantity": 1}),
            422,
            "invalid_hold_request",
        ),
        (
            "neither",
            json!({"show_id": show}),
            422,
            "invalid_hold_request",
        ),
        (
            "zero quantity",
            json!({"show_id": show, "quantity": 0}),
            422,
            "invalid_seat_count",
        ),
        (
            "huge quantity",
            json!({"show_id": show, "quantity": 2147483648i64}),
            422,
            "invalid_seat_count",
        ),
        (
            "bad category",
            json!({"show_id": show, "quantity": 1, "category": "no spaces!"}),
            422,
            "invalid_category",
        ),
        (
            "numeric category",
            json!({"show_id": show, "quantity": 1, "category": 5}),
            400,
            "invalid_body",
        ),
        (
            "negative show id",
            json!({"show_id": -3, "seat_ids": [1]}),
            404,
            "show_not_found",
        ),
    ];
    for (what, body, status, code) in cases {
        let resp = app.post("/bookings", Some(&buyer), &body).await;
        assert_eq!(
            (resp.status, resp.code()),
            (status, code),
            "{what}: {resp:?}"
        );
    }
    let raw_cases: Vec<(&str, &str, &str, u16, &str)> = vec![
        (
            "truncated JSON",
            "application/json",
            "{\"show_id\": 1, \"seat_ids\": [1",
            400,
            "invalid_body",
        ),
        ("not JSON", "application/json", "hello", 400, "invalid_body"),
        ("empty body", "application/json", "", 400, "invalid_body"),
        (
            "form body",
            "application/x-www-form-urlencoded",
            "show_id=1",
            415,
            "unsupported_media_type",
        ),
        (
            "text body",
            "text/plain",
            "{}",
            415,
            "unsupported_media_type",
        ),
    ];
    for (what, content_type, body, status, code) in raw_cases {
        let resp = app
            .send(
                app.http
                    .post(app.url("/bookings"))
                    .bearer_auth(&buyer)
                    .header("content-type", content_type)
                    .body(body.to_owned()),
            )
            .await;
        assert_eq!(
            (resp.status, resp.code()),
            (status, code),
            "{what}: {resp:?}"
        );
    }
    // None of it held anything.
    assert_eq!(app.check_invariants(show).await, 0);
}

#[tokio::test]
async fn oversized_bodies_get_413_with_or_without_a_length() {
    let app = TestApp::spawn().await;
    let buyer = app.new_user().await;
    let big = format!(
        "{{\"show_id\": 1, \"seat_ids\": [1], \"pad\": \"{}\"}}",
        "x".repeat(300_000)
    );

    let resp = app
        .send(
            app.http
                .post(app.url("/bookings"))
                .bearer_auth(&buyer)
                .header("content-type", "application/json")
                .body(big.clone()),
        )
        .await;
    assert_eq!((resp.status, resp.code()), (413, "payload_too_large"));

    // Chunked: no Content-Length to go by.
    let stream = futures_util::stream::iter(
        big.into_bytes()
            .chunks(8192)
            .map(|c| Ok::<_, std::io::Error>(c.to_vec()))
            .collect::<Vec<_>>(),
    );
    let resp = app
        .send(
            app.http
                .post(app.url("/auth/register"))
                .header("content-type", "application/json")
                .body(reqwest::Body::wrap_stream(stream)),
        )
        .await;
    assert_eq!((resp.status, resp.code()), (413, "payload_too_large"));
}

#[tokio::test]
async fn layouts_beyond_the_limits_are_refused_before_allocation() {
    let app = TestApp::spawn().await;
    let admin = Some(app.admin_token.as_str());
    let layout = |rows: Value| json!({"name": "L", "sections": [{"name": "S", "category": "standard", "rows": rows}]});
    let many_rows: Vec<Value> = (0..1001)
        .map(|i| json!({"label": format!("R{i}"), "seats": 1}))
        .collect();
    let big_rows: Vec<Value> = (0..101)
        .map(|i| json!({"label": format!("R{i}"), "seats": 500}))
        .collect();
    let cases: Vec<(&str, Value, u16, &str)> = vec![
        (
            "2^31 seats",
            layout(json!([{"label": "A", "seats": 2147483648i64}])),
            400,
            "invalid_body",
        ),
        (
            "2^31-1 seats",
            layout(json!([{"label": "A", "seats": 2147483647}])),
            422,
            "invalid_row_size",
        ),
        (
            "negative seats",
            layout(json!([{"label": "A", "seats": -1}])),
            422,
            "invalid_row_size",
        ),
        (
            "fractional seats",
            layout(json!([{"label": "A", "seats": 2.5}])),
            400,
            "invalid_body",
        ),
        (
            "string seats",
            layout(json!([{"label": "A", "seats": "10"}])),
            400,
            "invalid_body",
        ),
        ("no rows", layout(json!([])), 422, "empty_section"),
        (
            "too many rows",
            layout(json!(many_rows)),
            422,
            "too_many_rows",
        ),
        (
            "too many seats",
            layout(json!(big_rows)),
            422,
            "too_many_seats",
        ),
        (
            "duplicate row labels",
            layout(json!([{"label": "A", "seats": 1}, {"label": "A", "seats": 1}])),
            422,
            "duplicate_row_label",
        ),
        (
            "long row label",
            layout(json!([{"label": "ABCDEFGHI", "seats": 1}])),
            422,
            "invalid_row_label",
        ),
        (
            "no sections",
            json!({"name": "L", "sections": []}),
            422,
            "empty_layout",
        ),
        (
            "long name",
            json!({"name": "n".repeat(201), "sections": [{"name": "S", "category": "c", "rows": [{"label": "A", "seats": 1}]}]}),
            422,
            "invalid_name",
        ),
        (
            "long category",
            json!({"name": "L", "sections": [{"name": "S", "category": "c".repeat(33), "rows": [{"label": "A", "seats": 1}]}]}),
            422,
            "invalid_category",
        ),
        (
            "unknown field",
            json!({"name": "L", "sections": [], "venue": "x"}),
            400,
            "invalid_body",
        ),
        (
            "numeric name",
            json!({"name": 7, "sections": [{"name": "S", "category": "c", "rows": [{"label": "A", "seats": 1}]}]}),
            400,
            "invalid_body",
        ),
        (
            "numeric row label",
            layout(json!([{"label": 1, "seats": 1}])),
            400,
            "invalid_body",
        ),
    ];
    for (what, body, status, code) in cases {
        let resp = app.post("/admin/layouts", admin, &body).await;
        assert_eq!(
            (resp.status, resp.code()),
            (status, code),
            "{what}: {resp:?}"
        );
    }
    let stored = app.scalar("SELECT count(*) FROM layouts", &[]).await;
    assert_eq!(stored, 0);
}

#[tokio::test]
async fn bad_paths_and_methods_answer_with_problems() {
    let app = TestApp::spawn().await;
    let buyer = app.new_user().await;
    for (path, status, code) in [
        ("/shows/99999999999999999999", 400, "invalid_parameter"),
        ("/shows/1.5/seats", 400, "invalid_parameter"),
        ("/bookings/%00", 400, "invalid_parameter"),
        ("/no/such/route", 404, "route_not_found"),
    ] {
        let resp = app.get(path, Some(&buyer)).await;
        assert_eq!((resp.status, resp.code()), (status, code), "{path}");
        if status == 400 {
            // The spec's name for the parameter, not the router's internal one (`param0`).
            let detail = resp.body["detail"].as_str().unwrap();
            assert!(detail.contains("`id`"), "{path}: {detail}");
            assert!(!detail.contains("param0"), "{path}: {detail}");
        }
    }
    let resp = app.send(app.http.delete(app.url("/shows"))).await;
    assert_eq!((resp.status, resp.code()), (405, "method_not_allowed"));
    assert_eq!(resp.body["status"], 405);
    // RFC 9110: a 405 says which methods the path does take.
    for (path, allow) in [("/bookings", "GET, POST"), ("/bookings/1/confirm", "POST")] {
        let resp = app
            .http
            .request(reqwest::Method::TRACE, app.url(path))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 405);
        assert_eq!(resp.headers()["allow"], allow, "{path}");
    }
}
