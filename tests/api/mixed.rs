//! The mixed-operation property test: buyers on two instances hold seats (by id and by
//! quantity, some with Idempotency-Keys retried on the other instance) and places of a
//! standing floor (by quantity), confirm, cancel,
//! let holds lapse and then confirm or cancel them, while the box office blocks and
//! releases seats, changes prices and, halfway through, cancels one of the three shows,
//! with one- and two-second holds and sweepers running, for `MIXED_SECS` seconds (default
//! 20). Afterwards every invariant is checked in SQL, and clients that followed each
//! show's event stream must end with the seat map as it is.
//!
//! Every write path belongs here: extend the actions when one is added. `MIXED_SEED`
//! replays a run's choices (the timing, and so the races, differ).

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::StreamExt;
use futures_util::future::join_all;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{OwnRedis, TestApp, eventually, fresh_database, test_settings};
use crate::pooler;

const BUYERS: usize = 32;
/// Seats per show: two front rows of `premium` and two back rows of `standard`, ten each.
const SEATS: i64 = 40;
/// Places of each show's standing floor (ids after the seats), sold by quantity.
const FLOOR: i64 = 20;
const FLOOR_PRICE: i64 = 900;
/// The most holds one buyer keeps open at once.
const OPEN_HOLDS: usize = 3;

/// Answers by (action, status, code), for the report and the checks.
type Tally = BTreeMap<(&'static str, u16, String), u64>;

/// What a buyer was last told about one of their bookings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Told {
    Held,
    Confirmed,
    Cancelled,
    Expired,
    /// Cancelled with its show.
    ShowCancelled,
}

/// Shows on sale: the last is cancelled halfway through the run.
const SHOWS: usize = 3;

struct Buyer {
    token: String,
    rng: StdRng,
    /// Holds this buyer may still act on: (booking id, show).
    open: Vec<(Uuid, i64)>,
    /// Confirmed bookings this buyer may cancel.
    confirmed: Vec<Uuid>,
    /// Tickets of bookings this buyer confirmed: (booking, show, code), kept after a
    /// cancellation (such a ticket must open no door).
    tickets: Vec<(Uuid, i64, String)>,
}

/// A client of both instances that records every answer.
struct Run<'a> {
    apps: [&'a TestApp; 2],
    shows: [i64; SHOWS],
    tally: Mutex<Tally>,
    /// Unexpected answers, in full.
    unexpected: Mutex<Vec<String>>,
    /// The last acknowledged state of every booking.
    told: Mutex<HashMap<Uuid, Told>>,
    /// Ticket codes let in at the door.
    admitted: Mutex<std::collections::HashSet<String>>,
    /// Every price list each show has had: (premium, standard).
    price_lists: Mutex<HashMap<i64, Vec<(i64, i64)>>>,
}

impl Run<'_> {
    async fn post(
        &self,
        action: &'static str,
        instance: usize,
        path: &str,
        token: &str,
        body: &Value,
        key: Option<&str>,
    ) -> (u16, Value) {
        let app = self.apps[instance];
        let request = app.http.post(app.url(path));
        self.send(action, instance, request, path, token, body, key)
            .await
    }

    #[allow(clippy::too_many_arguments)]
    async fn send(
        &self,
        action: &'static str,
        instance: usize,
        request: reqwest::RequestBuilder,
        path: &str,
        token: &str,
        body: &Value,
        key: Option<&str>,
    ) -> (u16, Value) {
        let mut request = request.bearer_auth(token).json(body);
        if let Some(key) = key {
            request = request.header("Idempotency-Key", key);
        }
        let response = request.send().await.expect("HTTP request");
        let status = response.status().as_u16();
        let body: Value = response.json().await.unwrap_or(Value::Null);
        let code = body["code"].as_str().unwrap_or("").to_owned();
        let expected = matches!(status, 200 | 201 | 409 | 422)
            || (action == "check_in" && code == "ticket_not_found");
        if !expected {
            self.unexpected.lock().unwrap().push(format!(
                "{action} {path} on instance {instance}: {status} {body}"
            ));
        }
        *self
            .tally
            .lock()
            .unwrap()
            .entry((action, status, code))
            .or_default() += 1;
        (status, body)
    }

    fn tell(&self, id: Uuid, told: Told) {
        self.told.lock().unwrap().insert(id, told);
    }

    /// One random step of one buyer.
    async fn step(&self, buyer: &mut Buyer) {
        let instance = buyer.rng.random_range(0..2);
        let roll = buyer.rng.random_range(0..100);
        // Holds, then acting on them; confirmed bookings are cancelled about as often as
        // holds are confirmed, so the shows keep free seats to fight over.
        if roll >= 92 && !buyer.tickets.is_empty() {
            // Mostly a ticket of a booking that stands; sometimes any, cancelled or not.
            let live: Vec<_> = buyer
                .tickets
                .iter()
                .filter(|t| buyer.confirmed.contains(&t.0))
                .cloned()
                .collect();
            let pool = if !live.is_empty() && buyer.rng.random_bool(0.7) {
                live
            } else {
                buyer.tickets.clone()
            };
            let ticket = pool[buyer.rng.random_range(0..pool.len())].clone();
            self.go_in(ticket, instance).await;
            return;
        }
        let hold = buyer.open.len() < OPEN_HOLDS && roll < 45;
        let cancel_confirmed = !buyer.confirmed.is_empty() && (roll < 65 || buyer.open.is_empty());
        if !hold && cancel_confirmed {
            let i = buyer.rng.random_range(0..buyer.confirmed.len());
            let id = buyer.confirmed.swap_remove(i);
            let path = format!("/bookings/{id}/cancel");
            let (status, body) = self
                .post(
                    "cancel_confirmed",
                    instance,
                    &path,
                    &buyer.token,
                    &json!({}),
                    None,
                )
                .await;
            match body["failure_reason"].as_str() {
                Some("CANCELLED") if status == 200 => self.tell(id, Told::Cancelled),
                Some("SHOW_CANCELLED") if status == 200 => self.tell(id, Told::ShowCancelled),
                _ if status == 409 => {}
                _ => panic!("{status} {body}"),
            }
            return;
        }
        if hold || buyer.open.is_empty() {
            self.hold(buyer, instance).await;
            return;
        }
        let i = buyer.rng.random_range(0..buyer.open.len());
        let (id, _show) = buyer.open.swap_remove(i);
        // Now, or after the hold has lapsed (some of its seats may be taken again by then).
        let after_lapse = buyer.rng.random_bool(0.3);
        if after_lapse {
            let app = self.apps[instance];
            eventually(Duration::from_secs(30), "a hold to lapse", || async {
                let b = app
                    .get(&format!("/bookings/{id}"), Some(&buyer.token))
                    .await;
                (b.body["status"] != "PENDING").then_some(())
            })
            .await;
        }
        let confirm = buyer.rng.random_bool(0.7);
        let (action, verb) = match (confirm, after_lapse) {
            (true, false) => ("confirm", "confirm"),
            (true, true) => ("confirm_lapsed", "confirm"),
            (false, false) => ("cancel", "cancel"),
            (false, true) => ("cancel_lapsed", "cancel"),
        };
        let path = format!("/bookings/{id}/{verb}");
        let (status, body) = self
            .post(action, instance, &path, &buyer.token, &json!({}), None)
            .await;
        match (status, body["status"].as_str(), body["code"].as_str()) {
            (200, Some("CONFIRMED"), _) => {
                self.tell(id, Told::Confirmed);
                buyer.confirmed.push(id);
                let show = body["show_id"].as_i64().unwrap();
                for ticket in body["tickets"].as_array().unwrap() {
                    let code = ticket["code"].as_str().unwrap().to_owned();
                    buyer.tickets.push((id, show, code));
                }
            }
            (200, Some("FAILED"), _) if body["failure_reason"] == "SHOW_CANCELLED" => {
                self.tell(id, Told::ShowCancelled)
            }
            (200, Some("FAILED"), _) => self.tell(id, Told::Cancelled),
            (409, _, Some("booking_expired")) => self.tell(id, Told::Expired),
            // Its show is cancelled (or being cancelled): it fails with it.
            (409, _, Some("show_cancelled")) => {}
            _ => self
                .unexpected
                .lock()
                .unwrap()
                .push(format!("{action} of {id}: {status} {body}")),
        }
        if after_lapse {
            // (Cancelling a hold its show's cancellation ended is done already.)
            assert!(
                status != 200 || body["failure_reason"] == "SHOW_CANCELLED",
                "{action} of a hold known to have lapsed succeeded: {body}"
            );
        }
    }

    /// A buyer shows a ticket at the door (again, sometimes): it lets them in once, and
    /// never once its booking is cancelled.
    async fn go_in(&self, (id, show, code): (Uuid, i64, String), instance: usize) {
        let admin = self.apps[0].admin_token.clone();
        let path = format!("/admin/shows/{show}/check-in");
        let (status, body) = self
            .post(
                "check_in",
                instance,
                &path,
                &admin,
                &json!({ "code": code }),
                None,
            )
            .await;
        let told = self.told.lock().unwrap().get(&id).copied();
        let ok = match (status, body["code"].as_str()) {
            (200, _) => {
                told == Some(Told::Confirmed) && self.admitted.lock().unwrap().insert(code.clone())
            }
            (409, Some("already_checked_in")) => self.admitted.lock().unwrap().contains(&code),
            // Cancelled by its buyer, or with its show (maybe just now).
            (404, Some("ticket_not_found")) => {
                matches!(told, Some(Told::Cancelled | Told::ShowCancelled))
                    || show == self.shows[SHOWS - 1]
            }
            _ => false,
        };
        if !ok {
            self.unexpected.lock().unwrap().push(format!(
                "check-in of {code} (booking {id}, told {told:?}): {status} {body}"
            ));
        }
    }

    /// The box office: blocks 1 to 3 seats of a show, puts some back on sale, or
    /// changes the show's prices.
    async fn admin_step(&self, rng: &mut StdRng) {
        let instance = rng.random_range(0..2);
        let show = self.shows[rng.random_range(0..SHOWS)];
        let first = rng.random_range(1..=SEATS - 2);
        let seats: Vec<i64> = (first..first + rng.random_range(1..=3)).collect();
        let admin = self.apps[0].admin_token.clone();
        let roll = rng.random_range(0..10);
        let (status, body) = if roll < 2 {
            let prices = (rng.random_range(2000..3000), rng.random_range(1000..1500));
            let app = self.apps[instance];
            let path = format!("/admin/shows/{show}");
            let body = json!({"prices": {"premium": prices.0, "standard": prices.1, "floor": FLOOR_PRICE}});
            let answer = self
                .send(
                    "reprice",
                    instance,
                    app.http.patch(app.url(&path)),
                    &path,
                    &admin,
                    &body,
                    None,
                )
                .await;
            if answer.0 == 200 {
                self.price_lists
                    .lock()
                    .unwrap()
                    .entry(show)
                    .or_default()
                    .push(prices);
            }
            answer
        } else if roll < 6 {
            let path = format!("/admin/shows/{show}/blocks");
            let body = json!({"seat_ids": seats, "reason": "house seats"});
            self.post("block", instance, &path, &admin, &body, None)
                .await
        } else {
            let path = format!("/admin/shows/{show}/unblock");
            let body = json!({"seat_ids": seats});
            self.post("unblock", instance, &path, &admin, &body, None)
                .await
        };
        let refused = ["seats_unavailable", "show_cancelled"];
        if !(status == 200 || (status == 409 && refused.iter().any(|c| body["code"] == *c))) {
            self.unexpected
                .lock()
                .unwrap()
                .push(format!("box office: {status} {body}"));
        }
        // A box office works at a person's pace, not a buyer's.
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    /// The box office cancels the last show, on one instance or the other.
    async fn cancel_show(&self, rng: &mut StdRng) {
        let instance = rng.random_range(0..2);
        let show = self.shows[SHOWS - 1];
        let admin = self.apps[0].admin_token.clone();
        let path = format!("/admin/shows/{show}/cancel");
        let (status, body) = self
            .post("cancel_show", instance, &path, &admin, &json!({}), None)
            .await;
        assert_eq!(status, 200, "{body}");
    }

    /// Holds 1 to 3 seats, by id or by quantity (some of a category), sometimes with an
    /// Idempotency-Key that is then retried on the other instance.
    async fn hold(&self, buyer: &mut Buyer, instance: usize) {
        let show = self.shows[buyer.rng.random_range(0..SHOWS)];
        let count = buyer.rng.random_range(1..=3i64);
        let (action, body) = if buyer.rng.random_bool(0.2) {
            (
                "hold_floor",
                json!({"show_id": show, "quantity": count, "section": "Floor"}),
            )
        } else if buyer.rng.random_bool(0.6) {
            let first = buyer.rng.random_range(1..=SEATS - count + 1);
            let seats: Vec<i64> = (first..first + count).collect();
            ("hold_seats", json!({"show_id": show, "seat_ids": seats}))
        } else {
            let category = match buyer.rng.random_range(0..3) {
                0 => Some("premium"),
                1 => Some("standard"),
                _ => None,
            };
            (
                "hold_quantity",
                json!({"show_id": show, "quantity": count, "category": category}),
            )
        };
        let key = buyer
            .rng
            .random_bool(0.2)
            .then(|| Uuid::new_v4().to_string());
        let (status, answer) = self
            .post(
                action,
                instance,
                "/bookings",
                &buyer.token,
                &body,
                key.as_deref(),
            )
            .await;
        if status != 201 {
            return;
        }
        let id: Uuid = answer["id"].as_str().unwrap().parse().unwrap();
        self.tell(id, Told::Held);
        buyer.open.push((id, show));
        if let Some(key) = key {
            // The retry of a request whose answer was lost: the same booking, from the
            // other instance, whatever has happened to it since.
            let (status, again) = self
                .post(
                    "hold_retry",
                    1 - instance,
                    "/bookings",
                    &buyer.token,
                    &body,
                    Some(&key),
                )
                .await;
            assert_eq!(status, 201, "{again}");
            assert_eq!(again["id"], answer["id"], "a retry holds nothing new");
        }
    }
}

/// Per seat, the highest version seen and the status it carried.
type Followed = Arc<Mutex<HashMap<i64, (u64, String)>>>;

/// Follows a show as a client of the API at `base` would: load the seat map, then apply
/// its event stream from the map's version (per seat, the highest version wins; `resync`
/// reloads the map). Runs until aborted.
async fn follow(http: reqwest::Client, base: String, show: i64, seats: Followed) {
    let load = || async {
        let map: Value = http
            .get(format!("{base}/api/v1/shows/{show}/seats"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let version = map["version"].as_u64().unwrap();
        let mut seats = seats.lock().unwrap();
        for seat in map["seats"].as_array().unwrap() {
            let entry = seats
                .entry(seat["id"].as_i64().unwrap())
                .or_insert((0, String::new()));
            if version > entry.0 || entry.1.is_empty() {
                *entry = (version, seat["status"].as_str().unwrap().to_owned());
            }
        }
        version
    };
    let mut since = load().await;
    loop {
        let Ok(response) = http
            .get(format!("{base}/api/v1/shows/{show}/events?since={since}"))
            .send()
            .await
        else {
            return; // the instance is gone: the test is over
        };
        assert_eq!(response.status(), 200);
        let mut body = response.bytes_stream();
        let mut buffer = String::new();
        let mut resync = false;
        while let Some(Ok(chunk)) = body.next().await {
            buffer.push_str(&String::from_utf8_lossy(&chunk));
            while let Some(end) = buffer.find("\n\n") {
                let block: String = buffer.drain(..end + 2).collect();
                let Some(data) = block.lines().find_map(|l| l.strip_prefix("data: ")) else {
                    continue; // a keep-alive comment
                };
                let event: Value = serde_json::from_str(data).unwrap();
                if event["kind"] == "resync" {
                    resync = true;
                    break;
                }
                let version = event["version"].as_u64().unwrap();
                since = since.max(version);
                let mut seats = seats.lock().unwrap();
                for seat in event["seats"].as_array().unwrap() {
                    // Places of a standing floor are not on the map (it counts them).
                    let id = seat["id"].as_i64().unwrap();
                    if id > SEATS {
                        continue;
                    }
                    let entry = seats.get_mut(&id).unwrap();
                    if version > entry.0 {
                        *entry = (version, seat["status"].as_str().unwrap().to_owned());
                    }
                }
            }
            if resync {
                break;
            }
        }
        if resync {
            since = load().await;
        }
    }
}

/// Seat statuses as the database has them now, a lapsed hold as AVAILABLE.
async fn statuses(app: &TestApp, show: i64) -> HashMap<i64, String> {
    app.sql()
        .await
        .query(
            "SELECT seat_id, CASE WHEN status = 'HELD' AND held_until <= now() \
                                  THEN 'AVAILABLE' ELSE status END \
             FROM seats WHERE show_id = $1",
            &[&show],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| (i64::from(r.get::<_, i32>(0)), r.get(1)))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn mixed_operations_on_two_instances_keep_every_invariant() {
    mixed_operations(Database::Direct, 20).await;
}

/// The same behind PgBouncer in transaction mode (`DATABASE_POOLER=transaction`): both
/// instances' 24 connections share 8 server connections, so consecutive transactions of
/// one connection run on different server connections, and every statement is unnamed.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn mixed_operations_behind_a_transaction_pooler_keep_every_invariant() {
    mixed_operations(Database::Pooled, 10).await;
}

/// How the instances reach PostgreSQL.
#[derive(Clone, Copy, PartialEq)]
enum Database {
    Direct,
    /// Through a PgBouncer of the test's own in transaction mode.
    Pooled,
}

async fn mixed_operations(database: Database, default_secs: u64) {
    let secs: u64 = std::env::var("MIXED_SECS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default_secs);
    let seed: u64 = std::env::var("MIXED_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(rand::random);
    println!("MIXED_SEED={seed} MIXED_SECS={secs}");

    let redis = OwnRedis::start().await;
    let db_url = fresh_database().await;
    let bouncer = match database {
        Database::Direct => None,
        Database::Pooled => Some(pooler::start(&db_url, 8).await),
    };
    let namespace = format!("test-{}", Uuid::new_v4().simple());
    let secret = test_settings(&db_url).jwt_secret;
    let settings = |ttl: u32| {
        let mut s = match &bouncer {
            None => test_settings(&db_url),
            Some((_, pooled_url)) => pooler::settings(&db_url, pooled_url),
        };
        s.jwt_secret = secret.clone();
        s.redis_url = Some(redis.url());
        s.redis_namespace = namespace.clone();
        s.hold_ttl_secs = ttl;
        s.sweep_interval = Duration::from_millis(700);
        s.max_held_seats = 5;
        s
    };
    let a = TestApp::spawn_settings(settings(1)).await;
    // B writes one request per transaction while A gathers them into batches (unless
    // HOLD_BATCHING=off): both paths on the same rows at once.
    let b = TestApp::spawn_settings({
        let mut s = settings(2);
        s.batching.enabled = false;
        s
    })
    .await;
    let mut shows = [0; SHOWS];
    for show in &mut shows {
        *show = a
            .create_show_with(json!({
                "name": "Mixed",
                "kind": "movie",
                "starts_at": (chrono::Utc::now() + chrono::Duration::days(1)).to_rfc3339(),
                "layout": {"name": "Hall", "sections": [
                    {"name": "Front", "category": "premium",
                     "rows": [{"label": "A", "seats": 10}, {"label": "B", "seats": 10}]},
                    {"name": "Back", "category": "standard",
                     "rows": [{"label": "C", "seats": 10}, {"label": "D", "seats": 10}]},
                    {"name": "Floor", "category": "floor", "standing": FLOOR}]},
                "prices": {"premium": 2500, "standard": 1200, "floor": FLOOR_PRICE}
            }))
            .await;
    }
    // One follower per show and instance.
    let followed: Vec<(usize, i64, Followed)> = [0, 1]
        .into_iter()
        .flat_map(|i| shows.map(|show| (i, show, Followed::default())))
        .collect();
    let followers: Vec<_> = followed
        .iter()
        .map(|(i, show, seats)| {
            let app = if *i == 0 { &a } else { &b };
            tokio::spawn(follow(
                app.http.clone(),
                app.base.clone(),
                *show,
                seats.clone(),
            ))
        })
        .collect();

    let tokens = join_all((0..BUYERS).map(|_| a.new_user())).await;
    let run = Run {
        apps: [&a, &b],
        shows,
        tally: Mutex::default(),
        unexpected: Mutex::default(),
        told: Mutex::default(),
        admitted: Mutex::default(),
        price_lists: Mutex::new(shows.iter().map(|&s| (s, vec![(2500, 1200)])).collect()),
    };
    let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
    let buyers = join_all(tokens.into_iter().enumerate().map(|(i, token)| {
        let run = &run;
        async move {
            let mut buyer = Buyer {
                token,
                rng: StdRng::seed_from_u64(seed.wrapping_add(i as u64)),
                open: Vec::new(),
                confirmed: Vec::new(),
                tickets: Vec::new(),
            };
            while tokio::time::Instant::now() < deadline {
                run.step(&mut buyer).await;
            }
        }
    }));
    // Meanwhile the box office blocks and releases seats (a held or sold one: 409),
    // changes prices, and halfway through cancels the last show.
    let box_office = async {
        let mut rng = StdRng::seed_from_u64(seed.wrapping_sub(1));
        let cancel_at = deadline - Duration::from_secs(secs) / 2;
        let mut cancelled = false;
        while tokio::time::Instant::now() < deadline {
            if !cancelled && tokio::time::Instant::now() >= cancel_at {
                run.cancel_show(&mut rng).await;
                cancelled = true;
            }
            run.admin_step(&mut rng).await;
        }
    };
    tokio::join!(buyers, box_office);

    let tally = run.tally.lock().unwrap().clone();
    // (Both instances record into this process's one metrics registry.)
    let metrics = a.metrics().await;
    for line in metrics
        .lines()
        .filter(|l| l.starts_with("tessera_transaction_"))
    {
        println!("{line}");
    }
    for ((action, status, code), n) in &tally {
        println!("{action:>16} {status} {code:<20} {n:>6}");
    }
    let unexpected = run.unexpected.lock().unwrap().clone();
    assert!(unexpected.is_empty(), "unexpected answers: {unexpected:#?}");
    // Every ticket let in was one of a confirmed booking, let in once; the reports count
    // those whose bookings still stand.
    let admitted = run.admitted.lock().unwrap().len() as i64;
    println!("tickets checked in: {admitted}");
    let never_confirmed = a
        .scalar(
            "SELECT count(*) FROM check_ins c JOIN bookings b ON b.id = c.booking_id \
             WHERE NOT (b.status = 'CONFIRMED' \
                        OR b.failure_reason IN ('CANCELLED', 'SHOW_CANCELLED'))",
            &[],
        )
        .await;
    assert_eq!(never_confirmed, 0);
    assert_eq!(
        a.scalar("SELECT count(*) FROM check_ins", &[]).await,
        admitted
    );
    for show in shows {
        let standing = a
            .scalar(
                "SELECT count(*) FROM check_ins c JOIN seats s ON s.show_id = c.show_id \
                   AND s.seat_id = c.seat_id AND s.booking_id = c.booking_id \
                 WHERE c.show_id = $1 AND s.status = 'BOOKED'",
                &[&show],
            )
            .await;
        let report = b
            .get(&format!("/admin/shows/{show}/report"), Some(&b.admin_token))
            .await;
        assert_eq!(report.body["checked_in"], standing, "show {show}");
    }
    // Every hold lapses and is swept.
    let left = || async {
        a.sql()
            .await
            .query_one(
                "SELECT (SELECT count(*) FROM bookings WHERE status = 'PENDING'), \
                        (SELECT count(*) FROM seats WHERE status = 'HELD'), \
                        (SELECT count(*) FROM pending_holds)",
                &[],
            )
            .await
            .map(|r| (r.get::<_, i64>(0), r.get::<_, i64>(1), r.get::<_, i64>(2)))
            .unwrap()
    };
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while left().await != (0, 0, 0) {
        assert!(
            tokio::time::Instant::now() < deadline,
            "long after every hold lapsed, (PENDING bookings, HELD seats, pending_holds) = {:?}",
            left().await
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let count = |action: &str, status: u16, code: &str| {
        tally
            .iter()
            .filter(|((a, s, c), _)| *a == action && *s == status && c == code)
            .map(|(_, n)| n)
            .sum::<u64>()
    };
    // The run did what it is for.
    assert!(count("hold_seats", 201, "") > 0 && count("hold_quantity", 201, "") > 0);
    assert!(count("hold_floor", 201, "") > 0);
    assert!(count("confirm", 200, "") > 0 && count("cancel", 200, "") > 0);
    assert!(count("confirm_lapsed", 409, "booking_expired") > 0);
    assert!(count("cancel_lapsed", 409, "booking_expired") > 0);
    assert!(count("hold_seats", 409, "seats_unavailable") > 0);
    assert!(count("block", 200, "") > 0 && count("unblock", 200, "") > 0);
    assert!(count("reprice", 200, "") > 0);
    assert_eq!(count("cancel_show", 200, ""), 1);
    assert!(
        count("hold_seats", 409, "show_cancelled") + count("hold_quantity", 409, "show_cancelled")
            > 0
    );

    let sql = a.sql().await;
    // Lapsed holds whose seats another hold took before the sweeper came by: the case that
    // once could never expire.
    let retaken: i64 = sql
        .query_one(
            "SELECT count(DISTINCT old.id) FROM bookings old JOIN bookings new \
               ON new.show_id = old.show_id AND new.seat_ids && old.seat_ids \
              AND new.created_at >= old.expires_at AND new.created_at < old.updated_at \
             WHERE old.failure_reason = 'EXPIRED'",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    println!("lapsed holds retaken before they were swept: {retaken}");
    assert!(retaken > 0, "no lapsed hold was retaken before its sweep");

    for show in shows {
        a.check_invariants(show).await;
        b.check_invariants(show).await;
    }
    // Prices changed under the buyers: each booking costs what its seats did under one
    // of the show's price lists, never a mix (seats 1 to 20 are premium, the rest standard).
    let price_lists = run.price_lists.lock().unwrap().clone();
    for row in sql
        .query(
            "SELECT id, show_id, seat_ids, total_cents FROM bookings",
            &[],
        )
        .await
        .unwrap()
    {
        let (id, show, seats, total): (Uuid, i64, Vec<i32>, i64) =
            (row.get(0), row.get(1), row.get(2), row.get(3));
        let premium = seats.iter().filter(|&&s| s <= 20).count() as i64;
        let floor = seats.iter().filter(|&&s| i64::from(s) > SEATS).count() as i64;
        let standard = seats.len() as i64 - premium - floor;
        assert!(
            price_lists[&show]
                .iter()
                .any(|(p, s)| premium * p + standard * s + floor * FLOOR_PRICE == total),
            "booking {id} of seats {seats:?} costs {total}, under no price list of show {show}"
        );
    }
    let held: i64 = sql
        .query_one(
            "SELECT coalesce(sum(held_seats), 0)::bigint FROM users",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(held, 0, "held-seat counts with no live hold left");
    let lost: Vec<String> = {
        let told = run.told.lock().unwrap().clone();
        let ids: Vec<Uuid> = told.keys().copied().collect();
        let stored: HashMap<Uuid, (String, Option<String>)> = sql
            .query(
                "SELECT id, status, failure_reason FROM bookings WHERE id = ANY($1)",
                &[&ids],
            )
            .await
            .unwrap()
            .iter()
            .map(|r| (r.get(0), (r.get(1), r.get(2))))
            .collect();
        let of_cancelled_show: std::collections::HashSet<Uuid> = sql
            .query(
                "SELECT id FROM bookings WHERE show_id = $1",
                &[&shows[SHOWS - 1]],
            )
            .await
            .unwrap()
            .iter()
            .map(|r| r.get(0))
            .collect();
        told.iter()
            .filter(|(id, told)| {
                let (status, reason) = &stored[*id];
                let failed = |why: &str| status == "FAILED" && reason.as_deref() == Some(why);
                let with_show = of_cancelled_show.contains(*id) && failed("SHOW_CANCELLED");
                let ok = match told {
                    // Never confirmed or cancelled by its buyer: it lapsed (or its show
                    // was cancelled first).
                    Told::Held => failed("EXPIRED") || with_show,
                    Told::Expired => failed("EXPIRED"),
                    Told::Confirmed => status == "CONFIRMED" || with_show,
                    Told::Cancelled => failed("CANCELLED"),
                    Told::ShowCancelled => with_show,
                };
                !ok
            })
            .map(|(id, told)| format!("{id}: told {told:?}, stored {:?}", stored[id]))
            .collect()
    };
    assert!(
        lost.is_empty(),
        "bookings not as their buyers were told: {lost:#?}"
    );

    // Everyone who followed a show's events sees its seats as they are, and every
    // instance's seat map counts the floor's places left exactly.
    for show in shows {
        let free = a
            .scalar(
                "SELECT count(*) FROM seats WHERE show_id = $1 AND seat_id > $2 \
                   AND (status = 'AVAILABLE' OR (status = 'HELD' AND held_until <= now()))",
                &[&show, &(SEATS as i32)],
            )
            .await;
        for app in [&a, &b] {
            let map = app.get(&format!("/shows/{show}/seats"), None).await;
            assert_eq!(map.body["standing"][0]["available"], free, "show {show}");
        }
    }
    for (instance, show, seats) in &followed {
        let mut now = statuses(&a, *show).await;
        now.retain(|id, _| *id <= SEATS);
        assert_eq!(now.len() as i64, SEATS);
        let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
        loop {
            let seen: HashMap<i64, String> = seats
                .lock()
                .unwrap()
                .iter()
                .map(|(id, (_, status))| (*id, status.clone()))
                .collect();
            if seen == now {
                break;
            }
            if tokio::time::Instant::now() > deadline {
                let wrong: BTreeMap<i64, (Option<&String>, &String)> = now
                    .iter()
                    .filter(|(id, status)| seen.get(id) != Some(status))
                    .map(|(id, status)| (*id, (seen.get(id), status)))
                    .collect();
                panic!(
                    "the follower of show {show} on instance {instance} ends with {} seats \
                     unlike the database (seen, stored): {wrong:?}",
                    wrong.len()
                );
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    for follower in followers {
        follower.abort();
    }
}
