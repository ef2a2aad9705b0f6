//! The buyer's journey after the seat: booking references, tickets, checking in at the
//! door, currencies, window seats.

use serde_json::{Value, json};

use crate::helpers::TestApp;

/// Holds `seats` of `show_id` for a new buyer and confirms them: (buyer, booking).
async fn confirmed(app: &TestApp, show_id: i64, seats: &[i64]) -> (String, Value) {
    let buyer = app.new_user().await;
    let hold = app.hold(&buyer, show_id, seats).await;
    assert_eq!(hold.status, 201, "{hold:?}");
    let booking = app
        .act(&buyer, hold.body["id"].as_str().unwrap(), "confirm")
        .await;
    assert_eq!(booking.status, 200, "{booking:?}");
    (buyer, booking.body)
}

fn ticket_codes(booking: &Value) -> Vec<String> {
    booking["tickets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["code"].as_str().unwrap().to_owned())
        .collect()
}

async fn check_in(app: &TestApp, show_id: i64, code: &str) -> crate::helpers::Resp {
    app.post(
        &format!("/admin/shows/{show_id}/check-in"),
        Some(&app.admin_token),
        &json!({ "code": code }),
    )
    .await
}

#[tokio::test]
async fn a_confirmed_booking_has_a_reference_and_one_ticket_per_seat() {
    let app = TestApp::spawn().await;
    let show = app.create_show(&[("A", 6)]).await;
    let buyer = app.new_user().await;
    let hold = app.hold(&buyer, show, &[2, 3]).await;
    let reference = hold.body["reference"].as_str().unwrap().to_owned();
    assert!(
        reference.len() == 9 && reference.as_bytes()[4] == b'-',
        "{reference}"
    );
    assert_eq!(hold.body["tickets"], json!([]), "a hold has no tickets yet");

    let booking = app
        .act(&buyer, hold.body["id"].as_str().unwrap(), "confirm")
        .await
        .body;
    assert_eq!(
        booking["reference"],
        reference.as_str(),
        "the reference stays"
    );
    let tickets = booking["tickets"].as_array().unwrap();
    let seats: Vec<_> = tickets
        .iter()
        .map(|t| (&t["seat_id"], &t["seat"]))
        .collect();
    assert_eq!(
        seats,
        [(&json!(2), &json!("A2")), (&json!(3), &json!("A3"))]
    );
    let codes = ticket_codes(&booking);
    assert_ne!(codes[0], codes[1]);
    // The same tickets on every read, in the list too.
    let read = app
        .get(
            &format!("/bookings/{}", booking["id"].as_str().unwrap()),
            Some(&buyer),
        )
        .await;
    assert_eq!(read.body["tickets"], booking["tickets"]);
    let list = app.get("/bookings", Some(&buyer)).await;
    assert_eq!(list.body["items"][0]["tickets"], booking["tickets"]);
    // With its show: two showings of one film told apart, times and prices readable.
    let show_json = app.get(&format!("/shows/{show}"), None).await.body;
    for item in [&list.body["items"][0], &read.body] {
        for field in ["name", "kind", "starts_at", "time_zone", "currency"] {
            assert_eq!(item["show"][field], show_json[field], "{field}");
        }
    }

    // The box office finds the booking by its reference, as read out (lower case, no
    // hyphen), and only it.
    let other = confirmed(&app, show, &[5]).await.1;
    let typed = reference.replace('-', "").to_lowercase();
    let found = app
        .get(
            &format!("/admin/shows/{show}/bookings?reference={typed}"),
            Some(&app.admin_token),
        )
        .await;
    assert_eq!(found.status, 200, "{found:?}");
    let ids: Vec<_> = found.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["id"].clone())
        .collect();
    assert_eq!(ids, [booking["id"].clone()]);
    assert_ne!(other["reference"], booking["reference"]);
    let bad = app
        .get(
            &format!("/admin/shows/{show}/bookings?reference=nope"),
            Some(&app.admin_token),
        )
        .await;
    assert_eq!((bad.status, bad.code()), (400, "invalid_parameter"));

    // Cancelled, the booking keeps its reference but its tickets are gone.
    let cancelled = app
        .act(&buyer, booking["id"].as_str().unwrap(), "cancel")
        .await;
    assert_eq!(cancelled.body["tickets"], json!([]));
    assert_eq!(cancelled.body["reference"], reference.as_str());
}

#[tokio::test]
async fn a_ticket_checks_in_once_at_its_own_show_only() {
    let app = TestApp::spawn().await;
    let show = app.create_show(&[("A", 6)]).await;
    let other_show = app.create_show(&[("A", 6)]).await;
    let (buyer, booking) = confirmed(&app, show, &[1, 2]).await;
    let (_, elsewhere) = confirmed(&app, other_show, &[1]).await;
    let codes = ticket_codes(&booking);

    let first = check_in(&app, show, &codes[0]).await;
    assert_eq!(first.status, 200, "{first:?}");
    assert_eq!(first.body["seat"], "A1");
    assert_eq!(first.body["reference"], booking["reference"]);
    let at = first.body["checked_in_at"].as_str().unwrap().to_owned();

    // Twice: 409 with the first scan's time, typed by hand this time.
    let again = check_in(&app, show, &format!(" {} ", codes[0].to_lowercase())).await;
    assert_eq!((again.status, again.code()), (409, "already_checked_in"));
    assert_eq!(
        chrono::DateTime::parse_from_rfc3339(again.body["checked_in_at"].as_str().unwrap())
            .unwrap(),
        chrono::DateTime::parse_from_rfc3339(&at).unwrap()
    );

    // A ticket of another show, a forged one, a mistyped one, nonsense: 404.
    let forged = format!("{show}-3-{}", &codes[1][codes[1].len() - 8..]);
    for code in [
        ticket_codes(&elsewhere)[0].clone(),
        forged,
        codes[1].replace(|c: char| c.is_ascii_digit(), "7"),
        "hello".to_owned(),
    ] {
        let resp = check_in(&app, show, &code).await;
        assert_eq!(
            (resp.status, resp.code()),
            (404, "ticket_not_found"),
            "{code}"
        );
    }
    let missing = check_in(&app, 999_999, &codes[1]).await;
    assert_eq!((missing.status, missing.code()), (404, "show_not_found"));
    // Only staff check tickets in.
    let resp = app
        .post(
            &format!("/admin/shows/{show}/check-in"),
            Some(&buyer),
            &json!({"code": codes[1]}),
        )
        .await;
    assert_eq!((resp.status, resp.code()), (403, "admin_only"));
    let resp = app
        .post(
            &format!("/admin/shows/{show}/check-in"),
            Some(&app.admin_token),
            &json!({"code": codes[1], "gate": 3}),
        )
        .await;
    assert_eq!((resp.status, resp.code()), (400, "invalid_body"));

    // The report counts who is in.
    let report = app
        .get(
            &format!("/admin/shows/{show}/report"),
            Some(&app.admin_token),
        )
        .await;
    assert_eq!(report.body["checked_in"], 1);
    assert_eq!(report.body["categories"][0]["checked_in"], 1);

    // A cancelled booking's tickets open no door; its seat sold again is a new ticket.
    let booking_id = booking["id"].as_str().unwrap();
    assert_eq!(app.act(&buyer, booking_id, "cancel").await.status, 200);
    let resp = check_in(&app, show, &codes[1]).await;
    assert_eq!((resp.status, resp.code()), (404, "ticket_not_found"));
    let (_, resold) = confirmed(&app, show, &[1]).await;
    let resp = check_in(&app, show, &ticket_codes(&resold)[0]).await;
    assert_eq!(
        resp.status, 200,
        "the seat's new ticket was never scanned: {resp:?}"
    );
    let report = app
        .get(
            &format!("/admin/shows/{show}/report"),
            Some(&app.admin_token),
        )
        .await;
    assert_eq!(report.body["checked_in"], 1, "the old scan counts no more");
}

/// Two gates scan the same ticket at the same moment: one lets its holder in.
#[tokio::test]
async fn a_ticket_scanned_at_many_gates_at_once_admits_one() {
    let app = TestApp::spawn().await;
    let show = app.create_show(&[("A", 4)]).await;
    let (_, booking) = confirmed(&app, show, &[1]).await;
    let code = ticket_codes(&booking).remove(0);
    let scans = (0..16).map(|_| check_in(&app, show, &code));
    let answers = futures_util::future::join_all(scans).await;
    let admitted: Vec<_> = answers.iter().filter(|r| r.status == 200).collect();
    assert_eq!(admitted.len(), 1, "{answers:?}");
    let first = &admitted[0].body["checked_in_at"];
    for refused in answers.iter().filter(|r| r.status != 200) {
        assert_eq!(
            (refused.status, refused.code()),
            (409, "already_checked_in")
        );
        assert_eq!(
            chrono::DateTime::parse_from_rfc3339(refused.body["checked_in_at"].as_str().unwrap())
                .unwrap(),
            chrono::DateTime::parse_from_rfc3339(first.as_str().unwrap()).unwrap(),
        );
    }
    let rows = app
        .scalar(
            "SELECT count(*) FROM check_ins WHERE show_id = $1",
            &[&show],
        )
        .await;
    assert_eq!(rows, 1);
}

#[tokio::test]
async fn a_show_is_priced_in_its_currency() {
    let app = TestApp::spawn().await;
    let body = |currency: Option<&str>| {
        let mut body = json!({
            "name": "Matinee",
            "kind": "movie",
            "starts_at": (chrono::Utc::now() + chrono::Duration::days(1)).to_rfc3339(),
            "layout": {"name": "Hall", "sections": [{"name": "Stalls", "category": "standard", "rows": [{"label": "A", "seats": 3}]}]},
            "prices": {"standard": 1250}
        });
        if let Some(c) = currency {
            body["currency"] = json!(c);
        }
        body
    };
    let pounds = app.create_show_with(body(Some("GBP"))).await;
    let show = app.get(&format!("/shows/{pounds}"), None).await;
    assert_eq!(show.body["currency"], "GBP");
    let euros = app.create_show_with(body(None)).await;
    let show = app.get(&format!("/shows/{euros}"), None).await;
    assert_eq!(show.body["currency"], "EUR", "the default");
    for wrong in ["XYZ", "gbp", "EURO", ""] {
        let resp = app
            .post("/admin/shows", Some(&app.admin_token), &body(Some(wrong)))
            .await;
        assert_eq!(
            (resp.status, resp.code()),
            (422, "invalid_currency"),
            "{wrong:?}"
        );
    }
}

#[tokio::test]
async fn a_coach_names_its_window_seats() {
    let app = TestApp::spawn().await;
    let show = app
        .create_show_with(json!({
            "name": "Lisbon → Porto",
            "kind": "bus",
            "starts_at": (chrono::Utc::now() + chrono::Duration::days(1)).to_rfc3339(),
            "layout": {"name": "Coach", "sections": [{"name": "Coach", "category": "standard",
                "rows": [{"label": "1", "seats": 4, "gaps_after": [2]}, {"label": "2", "seats": 5}]}]},
            "prices": {"standard": 1500}
        }))
        .await;
    let map = app.get(&format!("/shows/{show}/seats"), None).await;
    let features: Vec<(String, Vec<String>)> = map.body["seats"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["label"].as_str().unwrap().to_owned(),
                serde_json::from_value(s.get("features").cloned().unwrap_or(json!([]))).unwrap(),
            )
        })
        .collect();
    let window: Vec<&str> = features
        .iter()
        .filter(|(_, f)| f.iter().any(|f| f == "window"))
        .map(|(label, _)| label.as_str())
        .collect();
    assert_eq!(window, ["1-1", "1-4", "2-1", "2-5"]);
    // Aisle seats of the 2+2 row say so too.
    let aisle: Vec<&str> = features
        .iter()
        .filter(|(_, f)| f.iter().any(|f| f == "aisle"))
        .map(|(label, _)| label.as_str())
        .collect();
    assert_eq!(aisle, ["1-2", "1-3"]);
    // In a hall the same rows have no windows.
    let hall = app.create_show(&[("A", 4)]).await;
    let map = app.get(&format!("/shows/{hall}/seats"), None).await;
    assert!(map.body["seats"].as_array().unwrap().iter().all(|s| {
        s.get("features")
            .is_none_or(|f| !f.as_array().unwrap().contains(&json!("window")))
    }));
}
