//! The five scenarios, and the data they run on, created through the admin API like any venue.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use futures_util::StreamExt;
use rand::Rng;
use reqwest::StatusCode;
use serde_json::{Value, json};
use tokio::sync::{Barrier, Mutex};

use crate::env::{ADMIN_EMAIL, ADMIN_PASSWORD, JWT_SECRET};
use crate::load::{Recorder, Stats, closed_loop, timed};

/// A show and its seat ids, row by row (adjacent seats are neighbours in a row).
#[derive(Clone)]
pub struct ShowSeats {
    pub id: i64,
    pub rows: Arc<Vec<Vec<i32>>>,
}

impl ShowSeats {
    pub fn seat_count(&self) -> usize {
        self.rows.iter().map(Vec::len).sum()
    }

    /// `n` adjacent seats in a random row.
    fn pick(&self, rng: &mut impl Rng, n: usize) -> Vec<i32> {
        let row = &self.rows[rng.random_range(0..self.rows.len())];
        let first = rng.random_range(0..=row.len() - n);
        row[first..first + n].to_vec()
    }
}

/// Everything the scenarios need.
#[derive(Clone)]
pub struct Fixture {
    pub http: reqwest::Client,
    /// The API's root (`…/api/v1`).
    pub base: String,
    /// The service's root (probes and `/metrics`).
    pub service: String,
    pub tokens: Arc<Vec<String>>,
    /// The many 500-seat shows of "spread holds".
    pub spread: Vec<ShowSeats>,
    /// More 500-seat shows (a quarter as many), for the sales through PgBouncer and the
    /// same sales direct beside them.
    pub pooled: Vec<ShowSeats>,
    /// A 20,000-seat show for the flash sale.
    pub flash: ShowSeats,
    /// A show whose only section is a standing floor with as many places as the flash
    /// sale's seats, for the same sale by quantity.
    pub floor: i64,
    /// A 20,000-seat show and a 500-seat show to browse.
    pub browse_big: ShowSeats,
    pub browse_small: ShowSeats,
    /// 100 seats for the race.
    pub race: ShowSeats,
    /// Copies of the flash sale's and the race's shows, for the same scenarios on the
    /// instance that writes one request per transaction.
    pub flash_off: ShowSeats,
    pub race_off: ShowSeats,
    /// A 500-seat show watched by the live streams.
    pub live: ShowSeats,
}

fn layout(name: &str, sections: usize, rows: usize, seats: usize) -> Value {
    let sections: Vec<Value> = (0..sections)
        .map(|s| {
            let letter = (b'A' + s as u8) as char;
            json!({
                "name": format!("Section {letter}"),
                "category": "standard",
                "rows": (0..rows)
                    .map(|r| json!({"label": format!("{letter}{}", r + 1), "seats": seats}))
                    .collect::<Vec<_>>(),
            })
        })
        .collect();
    json!({ "name": name, "sections": sections })
}

async fn post(
    http: &reqwest::Client,
    url: String,
    token: &str,
    body: &Value,
) -> anyhow::Result<Value> {
    let resp = http.post(&url).bearer_auth(token).json(body).send().await?;
    let status = resp.status();
    let text = resp.text().await?;
    if !status.is_success() {
        bail!("POST {url}: {status} {text}");
    }
    Ok(serde_json::from_str(&text)?)
}

impl Fixture {
    /// Creates the venues and shows through the admin API and `buyers` users (directly in the
    /// database, with tokens minted by the same secret the service checks).
    pub async fn create(
        http: reqwest::Client,
        base: String,
        db: &tokio_postgres::Client,
        spread_shows: usize,
        big_seats_rows: usize,
        buyers: usize,
    ) -> anyhow::Result<Self> {
        let api = format!("{base}/api/v1");
        let login = post(
            &http,
            format!("{api}/auth/login"),
            "",
            &json!({"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}),
        )
        .await?;
        let admin = login["access_token"]
            .as_str()
            .context("admin token")?
            .to_owned();

        let mut layout_ids = HashMap::new();
        for (key, body) in [
            ("hall", layout("Hall 500", 5, 5, 20)),
            ("arena", layout("Arena 20000", 10, big_seats_rows, 50)),
            ("race", layout("Race 100", 1, 5, 20)),
            (
                "floor",
                json!({"name": "Floor", "sections": [
                    {"name": "Floor", "category": "standard", "standing": big_seats_rows * 500}]}),
            ),
        ] {
            let created = post(&http, format!("{api}/admin/layouts"), &admin, &body).await?;
            layout_ids.insert(key, created["id"].as_i64().context("layout id")?);
        }
        let starts = chrono::Utc::now() + chrono::Duration::days(30);
        let make_show = |i: usize, layout: &'static str| {
            let http = http.clone();
            let api = api.clone();
            let admin = admin.clone();
            let layout_id = layout_ids[layout];
            async move {
                let body = json!({
                    "name": format!("Bench {layout} {i}"),
                    "kind": "event",
                    "starts_at": (starts + chrono::Duration::minutes(i as i64)).to_rfc3339(),
                    "layout_id": layout_id,
                    "prices": {"standard": 1200},
                });
                let show = post(&http, format!("{api}/admin/shows"), &admin, &body).await?;
                show["id"].as_i64().context("show id")
            }
        };
        // Four at a time: show creation writes each show's seats in one transaction.
        let spread_ids: Vec<i64> = futures_util::stream::iter(0..spread_shows)
            .map(|i| make_show(i, "hall"))
            .buffered(4)
            .collect::<Vec<_>>()
            .await
            .into_iter()
            .collect::<anyhow::Result<_>>()?;
        let pooled_ids: Vec<i64> = futures_util::stream::iter(0..(spread_shows / 4).max(2))
            .map(|i| make_show(2_000_000 + i, "hall"))
            .buffered(4)
            .collect::<Vec<_>>()
            .await
            .into_iter()
            .collect::<anyhow::Result<_>>()?;
        let flash = make_show(1_000_001, "arena").await?;
        let browse_big = make_show(1_000_002, "arena").await?;
        let browse_small = make_show(1_000_003, "hall").await?;
        let race = make_show(1_000_004, "race").await?;
        let live = make_show(1_000_005, "hall").await?;
        let floor = make_show(1_000_006, "floor").await?;
        let flash_off = make_show(1_000_007, "arena").await?;
        let race_off = make_show(1_000_008, "race").await?;

        let mut all: Vec<i64> = spread_ids.clone();
        all.extend(&pooled_ids);
        all.extend([
            flash,
            browse_big,
            browse_small,
            race,
            live,
            flash_off,
            race_off,
        ]);
        let rows = db
            .query(
                "SELECT show_id, array_agg(seat_id ORDER BY seat_id) FROM seats \
                 WHERE show_id = ANY($1) GROUP BY show_id, row_no ORDER BY show_id, row_no",
                &[&all],
            )
            .await?;
        let mut by_show: HashMap<i64, Vec<Vec<i32>>> = HashMap::new();
        for row in rows {
            by_show.entry(row.get(0)).or_default().push(row.get(1));
        }
        let seats = |id: i64| ShowSeats {
            id,
            rows: Arc::new(by_show.get(&id).cloned().unwrap_or_default()),
        };

        let ids: Vec<i64> = db
            .query(
                "INSERT INTO users (email, password_hash) \
                 SELECT 'buyer' || g || '@bench.local', 'no password: token minted by the benchmark' \
                 FROM generate_series(1, $1::int) g RETURNING id",
                &[&(buyers as i32)],
            )
            .await?
            .iter()
            .map(|r| r.get(0))
            .collect();
        let minter = tessera::auth::Tokens::new(JWT_SECRET, Duration::from_secs(6 * 3600));
        let tokens = ids
            .iter()
            .map(|id| {
                minter
                    .issue(*id, "user", 0)
                    .map_err(|e| anyhow::anyhow!("{e:?}"))
            })
            .collect::<anyhow::Result<Vec<_>>>()?;

        Ok(Self {
            http,
            base: api,
            service: base,
            tokens: Arc::new(tokens),
            spread: spread_ids.into_iter().map(seats).collect(),
            pooled: pooled_ids.into_iter().map(seats).collect(),
            flash: seats(flash),
            floor,
            browse_big: seats(browse_big),
            browse_small: seats(browse_small),
            race: seats(race),
            live: seats(live),
            flash_off: seats(flash_off),
            race_off: seats(race_off),
        })
    }

    /// The same data for scenarios run through the service at `base`, on the flash sale's
    /// and race's copies.
    pub fn through(&self, base: &str) -> Self {
        Self {
            base: format!("{base}/api/v1"),
            service: base.to_owned(),
            flash: self.flash_off.clone(),
            race: self.race_off.clone(),
            ..self.clone()
        }
    }
}

/// The seats of the hold scenarios' buyers, dealt from a shuffled deck of blocks of 2-4
/// adjacent seats (each row cut into blocks), so that no two buyers of a run ask for the
/// same seat: a 409 in these scenarios is then the service's doing, not a buyer picking
/// blindly a seat someone already has. (Buyers after the same seats at once are the race
/// scenario's.)
struct Deck {
    blocks: Vec<(i64, Vec<i32>)>,
    next: AtomicUsize,
}

impl Deck {
    fn new(shows: &[ShowSeats]) -> Self {
        use rand::seq::SliceRandom;
        let mut rng = rand::rng();
        let mut blocks = Vec::new();
        for show in shows {
            for row in show.rows.iter() {
                let mut rest = &row[..];
                while rest.len() >= 2 {
                    let n = rng.random_range(2..=4).min(rest.len());
                    let (block, after) = rest.split_at(n);
                    blocks.push((show.id, block.to_vec()));
                    rest = after;
                }
            }
        }
        blocks.shuffle(&mut rng);
        Self {
            blocks,
            next: AtomicUsize::new(0),
        }
    }

    /// The next buyer's show and seats, and how many were dealt before; `None` once every
    /// block is dealt.
    fn deal(&self) -> Option<(usize, &(i64, Vec<i32>))> {
        let n = self.next.fetch_add(1, Ordering::Relaxed);
        self.blocks.get(n).map(|block| (n, block))
    }
}

#[derive(Clone)]
struct HoldCtx {
    http: reqwest::Client,
    api: String,
    tokens: Arc<Vec<String>>,
    deck: Arc<Deck>,
    confirm: bool,
    /// Seats held so far (to stop a flash sale before the show is sold out).
    seats_held: Arc<AtomicUsize>,
    stop_at_seats: usize,
    /// Hold places of this show's standing `Floor` by quantity instead of dealt seats.
    floor: Option<i64>,
}

/// One buyer's step: hold the next 2-4 adjacent seats of the deck, then confirm them.
/// With a standing floor: hold 2-4 places of it by quantity (the service picks them).
async fn hold_step(i: usize, c: HoldCtx, mut rec: Recorder) -> (Recorder, bool) {
    // A buyer per client; holds that are never confirmed go round every buyer, as many
    // people would make them (one buyer would reach the hold cap).
    let mut buyer = i;
    let (body, count) = match c.floor {
        Some(show) => {
            let quantity = rand::rng().random_range(2..=4usize);
            (
                json!({"show_id": show, "quantity": quantity, "section": "Floor"}),
                quantity,
            )
        }
        None => {
            let Some((dealt, (show, seats))) = c.deck.deal() else {
                return (rec, false);
            };
            if !c.confirm {
                buyer = dealt;
            }
            (json!({"show_id": show, "seat_ids": seats}), seats.len())
        }
    };
    let token = &c.tokens[buyer % c.tokens.len()];
    let req = c
        .http
        .post(format!("{}/bookings", c.api))
        .bearer_auth(token)
        .json(&body);
    let answer = timed(&mut rec, "hold", req).await;
    if let Some((StatusCode::CREATED, body)) = answer {
        let total = c.seats_held.fetch_add(count, Ordering::Relaxed) + count;
        if c.confirm {
            let id = serde_json::from_slice::<Value>(&body)
                .ok()
                .and_then(|v| v["id"].as_str().map(str::to_owned))
                .unwrap_or_default();
            let req = c
                .http
                .post(format!("{}/bookings/{id}/confirm", c.api))
                .bearer_auth(token);
            timed(&mut rec, "confirm", req).await;
        }
        return (rec, total < c.stop_at_seats);
    }
    // A floor with fewer places left than wanted is as good as sold out.
    let sold_out = c.floor.is_some() && matches!(answer, Some((StatusCode::CONFLICT, _)));
    let go_on = !sold_out && c.seats_held.load(Ordering::Relaxed) < c.stop_at_seats;
    (rec, go_on)
}

pub struct HoldRun {
    pub rec: Recorder,
    pub elapsed: Duration,
    /// Seats (or standing places) held in all.
    pub places: usize,
    /// Transactions the service retried after a serialization failure or deadlock during
    /// the run, by operation (buyers never see these); `None` if they could not be read.
    pub retries: Option<BTreeMap<String, u64>>,
}

impl HoldRun {
    pub fn holds_per_s(&self) -> f64 {
        self.rec.get("hold").ok as f64 / self.elapsed.as_secs_f64()
    }

    pub fn places_per_s(&self) -> f64 {
        self.places as f64 / self.elapsed.as_secs_f64()
    }
}

/// Scenarios 1 and 2: holds then confirms (sales) on `shows`, `clients` buyers for
/// `duration` (or until `stop_at_seats` seats are held).
pub async fn holds(
    f: &Fixture,
    shows: Vec<ShowSeats>,
    clients: usize,
    duration: Duration,
    stop_at_seats: usize,
) -> HoldRun {
    hold_run(f, &shows, None, clients, duration, stop_at_seats, true).await
}

/// Scenario 1b: holds only (never confirmed; they lapse after the run) on `shows`.
pub async fn holds_only(
    f: &Fixture,
    shows: Vec<ShowSeats>,
    clients: usize,
    duration: Duration,
) -> HoldRun {
    hold_run(f, &shows, None, clients, duration, usize::MAX, false).await
}

/// Scenario 2b: the flash sale on a standing floor of as many places, 2-4 by quantity.
pub async fn floor(f: &Fixture, clients: usize, duration: Duration) -> HoldRun {
    hold_run(f, &[], Some(f.floor), clients, duration, usize::MAX, true).await
}

async fn hold_run(
    f: &Fixture,
    shows: &[ShowSeats],
    floor: Option<i64>,
    clients: usize,
    duration: Duration,
    stop_at_seats: usize,
    confirm: bool,
) -> HoldRun {
    let seats_held = Arc::new(AtomicUsize::new(0));
    let ctx = HoldCtx {
        http: f.http.clone(),
        api: f.base.clone(),
        tokens: f.tokens.clone(),
        deck: Arc::new(Deck::new(shows)),
        confirm,
        seats_held: seats_held.clone(),
        stop_at_seats,
        floor,
    };
    let before = tx_retries(f).await;
    let (rec, elapsed) = closed_loop(clients, duration, ctx, hold_step).await;
    let retries = tx_retries(f).await.zip(before).map(|(mut after, before)| {
        for (op, n) in &mut after {
            *n -= before.get(op).copied().unwrap_or(0);
        }
        after
    });
    HoldRun {
        rec,
        elapsed,
        places: seats_held.load(Ordering::Relaxed),
        retries,
    }
}

/// The service's retried transactions so far, by operation, from its `/metrics` (`None` if
/// they cannot be read: the figure is informative, not part of any target).
async fn tx_retries(f: &Fixture) -> Option<BTreeMap<String, u64>> {
    let resp = f
        .http
        .get(format!("{}/metrics", f.service))
        .send()
        .await
        .ok()?
        .error_for_status()
        .ok()?;
    let text = resp.text().await.ok()?;
    Some(
        text.lines()
            .filter_map(|line| {
                let rest = line.strip_prefix("tessera_transaction_retries_total{")?;
                let op = rest.split("op=\"").nth(1)?.split('"').next()?;
                let value = line.rsplit(' ').next()?.parse::<f64>().ok()?;
                Some((op.to_owned(), value as u64))
            })
            .collect(),
    )
}

pub struct RaceRun {
    pub rec: Recorder,
    /// Per buyer: time from the start to their final answer (seat confirmed or sold out).
    pub outcome: Stats,
    pub sold: u64,
    pub clients: usize,
}

/// Scenario 3: `clients` buyers start at once on the 100-seat show. Each picks a seat from
/// the map it saw; on 409 it reloads the map and picks another free seat, until it has one
/// (and confirms it) or none are left.
pub async fn race(f: &Fixture, clients: usize) -> RaceRun {
    let barrier = Arc::new(Barrier::new(clients));
    let all_seats: Vec<i32> = f.race.rows.iter().flatten().copied().collect();
    let sold = Arc::new(AtomicU64::new(0));
    let mut tasks = Vec::new();
    for i in 0..clients {
        let (http, api, token) = (
            f.http.clone(),
            f.base.clone(),
            f.tokens[i % f.tokens.len()].clone(),
        );
        let (barrier, sold, show) = (barrier.clone(), sold.clone(), f.race.id);
        let mut free = all_seats.clone();
        tasks.push(tokio::spawn(async move {
            let mut rec = Recorder::default();
            let mut outcome = Stats::default();
            barrier.wait().await;
            let start = Instant::now();
            loop {
                if free.is_empty() {
                    outcome.record(start.elapsed(), crate::load::Outcome::Conflict);
                    break;
                }
                let seat = free[rand::rng().random_range(0..free.len())];
                let req = http
                    .post(format!("{api}/bookings"))
                    .bearer_auth(&token)
                    .json(&json!({"show_id": show, "seat_ids": [seat]}));
                match timed(&mut rec, "hold", req).await {
                    Some((StatusCode::CREATED, body)) => {
                        let id = serde_json::from_slice::<Value>(&body)
                            .ok()
                            .and_then(|v| v["id"].as_str().map(str::to_owned));
                        let req = http
                            .post(format!("{api}/bookings/{}/confirm", id.unwrap_or_default()))
                            .bearer_auth(&token);
                        if let Some((StatusCode::OK, _)) = timed(&mut rec, "confirm", req).await {
                            sold.fetch_add(1, Ordering::Relaxed);
                            outcome.record(start.elapsed(), crate::load::Outcome::Ok);
                        } else {
                            outcome.record(start.elapsed(), crate::load::Outcome::Error);
                        }
                        break;
                    }
                    Some((StatusCode::CONFLICT, _)) => {
                        // Look at the map again, as a buyer would, and pick among the free seats.
                        let req = http.get(format!("{api}/shows/{show}/seats"));
                        match timed(&mut rec, "seat map", req).await {
                            Some((StatusCode::OK, body)) => {
                                let map: Value = serde_json::from_slice(&body).unwrap_or_default();
                                free = map["seats"]
                                    .as_array()
                                    .map(|seats| {
                                        seats
                                            .iter()
                                            .filter(|s| s["status"] == "AVAILABLE")
                                            .filter_map(|s| s["id"].as_i64().map(|v| v as i32))
                                            .collect()
                                    })
                                    .unwrap_or_default();
                            }
                            _ => {
                                outcome.record(start.elapsed(), crate::load::Outcome::Error);
                                break;
                            }
                        }
                    }
                    _ => {
                        outcome.record(start.elapsed(), crate::load::Outcome::Error);
                        break;
                    }
                }
            }
            (rec, outcome)
        }));
    }
    let mut rec = Recorder::default();
    let mut outcome = Stats::default();
    for t in tasks {
        let (r, o) = t.await.expect("race task");
        rec.merge(&r);
        outcome.merge(&o);
    }
    RaceRun {
        rec,
        outcome,
        sold: sold.load(Ordering::Relaxed),
        clients,
    }
}

pub struct BrowseRun {
    pub rec: Recorder,
    pub elapsed: Duration,
    /// What one response of each kind weighs on the wire (bytes, gzip where sent).
    pub sample: HashMap<&'static str, (bytes::Bytes, Option<String>)>,
    pub background_holds: u64,
}

impl BrowseRun {
    pub fn rate(&self, op: &str) -> f64 {
        self.rec.get(op).ok as f64 / self.elapsed.as_secs_f64()
    }
}

/// Holds at a steady rate on `shows` until `stop` (the background of browse and live).
fn background_holds(
    f: &Fixture,
    shows: Vec<ShowSeats>,
    per_second: f64,
    stop: Arc<tokio::sync::Notify>,
    sent: Option<Arc<Mutex<HashMap<i32, Instant>>>>,
) -> tokio::task::JoinHandle<u64> {
    let (http, api, token) = (f.http.clone(), f.base.clone(), f.tokens[0].clone());
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs_f64(1.0 / per_second));
        let mut done = 0;
        let mut rec = Recorder::default();
        loop {
            tokio::select! {
                _ = stop.notified() => break,
                _ = tick.tick() => {}
            }
            let (show, seats) = {
                let mut rng = rand::rng();
                let show = &shows[done as usize % shows.len()];
                (show.id, show.pick(&mut rng, 1))
            };
            if let Some(sent) = &sent {
                sent.lock().await.insert(seats[0], Instant::now());
            }
            let req = http
                .post(format!("{api}/bookings"))
                .bearer_auth(&token)
                .json(&json!({"show_id": show, "seat_ids": seats}));
            if let Some((StatusCode::CREATED, _)) = timed(&mut rec, "hold", req).await {
                done += 1;
            }
        }
        done
    })
}

/// Scenario 4: reads from `clients` buyers, one kind at a time, while holds land on the
/// browsed shows in the background.
pub async fn browse(
    f: &Fixture,
    clients: usize,
    each: Duration,
    holds_per_s: f64,
) -> anyhow::Result<BrowseRun> {
    let stop = Arc::new(tokio::sync::Notify::new());
    let bg = background_holds(
        f,
        vec![f.browse_small.clone(), f.browse_big.clone()],
        holds_per_s,
        stop.clone(),
        None,
    );
    let targets: [(&'static str, String); 3] = [
        (
            "show list (100 shows)",
            format!("{}/shows?limit=100", f.base),
        ),
        (
            "seat map 500",
            format!("{}/shows/{}/seats", f.base, f.browse_small.id),
        ),
        (
            "seat map 20,000",
            format!("{}/shows/{}/seats", f.base, f.browse_big.id),
        ),
    ];
    let mut rec = Recorder::default();
    let mut sample = HashMap::new();
    let mut elapsed = Duration::ZERO;
    for (op, url) in targets {
        let resp = f
            .http
            .get(&url)
            .header("accept-encoding", "gzip")
            .send()
            .await?;
        let encoding = resp
            .headers()
            .get("content-encoding")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        sample.insert(op, (resp.bytes().await?, encoding));
        let http = f.http.clone();
        let (r, took) = closed_loop(clients, each, (), move |_, (), mut rec| {
            let req = http.get(&url).header("accept-encoding", "gzip");
            async move {
                timed(&mut rec, op, req).await;
                (rec, true)
            }
        })
        .await;
        rec.merge(&r);
        elapsed = took; // every kind runs for the same time
    }
    stop.notify_one();
    let background_holds = bg.await?;
    Ok(BrowseRun {
        rec,
        elapsed,
        sample,
        background_holds,
    })
}

/// Show lists read while a sale runs.
pub struct ListDuringSale {
    pub rec: Recorder,
    pub elapsed: Duration,
    /// Lists the service loaded from PostgreSQL meanwhile (its cache's `load`s of kind
    /// `list`, from `/metrics`); `None` if they could not be read.
    pub list_loads: Option<u64>,
}

impl ListDuringSale {
    pub fn rate(&self, op: &str) -> f64 {
        self.rec.get(op).ok as f64 / self.elapsed.as_secs_f64()
    }
}

/// Scenario 4b: `readers` clients read the show list while `sellers` buyers hold and
/// confirm seats of the big browsed show (on the list) as fast as they can: each sale
/// changes a show on the list, which the list follows within 250 ms without a database
/// query per sale.
pub async fn list_during_sale(
    f: &Fixture,
    readers: usize,
    sellers: usize,
    each: Duration,
) -> ListDuringSale {
    let before = list_loads(f).await;
    let list_url = format!("{}/shows?limit=100", f.base);
    let http = f.http.clone();
    let reads = closed_loop(readers, each, (), move |_, (), mut rec| {
        let req = http.get(&list_url).header("accept-encoding", "gzip");
        async move {
            timed(&mut rec, "show list during a sale", req).await;
            (rec, true)
        }
    });
    let (http, api, tokens, show) = (
        f.http.clone(),
        f.base.clone(),
        f.tokens.clone(),
        f.browse_big.clone(),
    );
    let sales = closed_loop(sellers, each, (), move |i, (), mut rec| {
        let (http, api, token) = (http.clone(), api.clone(), tokens[i % tokens.len()].clone());
        let seats = show.pick(&mut rand::rng(), 1);
        let show_id = show.id;
        async move {
            let hold = http
                .post(format!("{api}/bookings"))
                .bearer_auth(&token)
                .json(&json!({"show_id": show_id, "seat_ids": seats}));
            if let Some((StatusCode::CREATED, body)) = timed(&mut rec, "sale hold", hold).await
                && let Ok(booking) = serde_json::from_slice::<Value>(&body)
                && let Some(id) = booking["id"].as_str()
            {
                let confirm = http
                    .post(format!("{api}/bookings/{id}/confirm"))
                    .bearer_auth(&token);
                timed(&mut rec, "sale confirm", confirm).await;
            }
            (rec, true)
        }
    });
    let ((mut rec, elapsed), (sold, _)) = tokio::join!(reads, sales);
    rec.merge(&sold);
    let after = list_loads(f).await;
    ListDuringSale {
        rec,
        elapsed,
        list_loads: before.zip(after).map(|(b, a)| a.saturating_sub(b)),
    }
}

/// The show lists the service has loaded from PostgreSQL so far, from its `/metrics`.
async fn list_loads(f: &Fixture) -> Option<u64> {
    let text = f
        .http
        .get(format!("{}/metrics", f.service))
        .send()
        .await
        .ok()?
        .error_for_status()
        .ok()?
        .text()
        .await
        .ok()?;
    text.lines()
        .filter(|line| {
            line.starts_with("tessera_cache_lookups_total{")
                && line.contains("kind=\"list\"")
                && line.contains("result=\"load\"")
        })
        .map(|line| line.rsplit(' ').next()?.parse::<f64>().ok())
        .sum::<Option<f64>>()
        .map(|v| v as u64)
}

/// The same load against the hello server: the HTTP ceiling for those bytes.
pub async fn hello_rate(
    http: &reqwest::Client,
    url: &str,
    clients: usize,
    each: Duration,
) -> (f64, Stats) {
    let http = http.clone();
    let url = url.to_owned();
    let (rec, took) = closed_loop(clients, each, (), move |_, (), mut rec| {
        let req = http.get(&url).header("accept-encoding", "gzip");
        async move {
            timed(&mut rec, "hello", req).await;
            (rec, true)
        }
    })
    .await;
    let s = rec.get("hello");
    (s.ok as f64 / took.as_secs_f64(), s)
}

/// Uncached seat-map reads from an instance reading the primary and from one reading a
/// streaming replica, while holds land on the show.
pub struct ReplicaRun {
    pub primary_rate: f64,
    pub replica_rate: f64,
    /// Database reads of the replica-reading instance served by the replica, and by the
    /// primary (those passed over, and the instance's own reads for its metrics).
    pub served_by_replica: f64,
    pub served_by_primary: f64,
    /// Why reads that could have gone to the replica went to the primary: (reason, count).
    pub passed_over: Vec<(String, f64)>,
    /// The replica's lag as the instance saw it, sampled every 100 ms while it was read:
    /// (mean, max) in milliseconds.
    pub lag_ms: (f64, f64),
    pub background_holds: u64,
}

/// Scenario 6: `clients` read the 500-seat map for `each` from `on_primary` (an instance
/// without a cache lifetime, so every read reaches the database), then as long from
/// `on_replica` (the same, with `DATABASE_READ_URL`), while holds land on the show.
pub async fn replica_reads(
    f: &Fixture,
    on_primary: &str,
    on_replica: &str,
    clients: usize,
    each: Duration,
    holds_per_s: f64,
) -> anyhow::Result<ReplicaRun> {
    let stop = Arc::new(tokio::sync::Notify::new());
    let bg = background_holds(
        f,
        vec![f.browse_small.clone()],
        holds_per_s,
        stop.clone(),
        None,
    );
    let map = |base: &str| format!("{base}/api/v1/shows/{}/seats", f.browse_small.id);
    let (primary_rate, _) = hello_rate(&f.http, &map(on_primary), clients, each).await;
    // The replica's lag, as the instance reading it sees it, while it is read.
    let metrics_url = format!("{on_replica}/metrics");
    let sampling = Arc::new(tokio::sync::Notify::new());
    let sampler = tokio::spawn({
        let (sampling, http, url) = (sampling.clone(), f.http.clone(), metrics_url.clone());
        async move {
            let mut lags = Vec::new();
            let mut tick = tokio::time::interval(Duration::from_millis(100));
            loop {
                tokio::select! {
                    _ = sampling.notified() => return lags,
                    _ = tick.tick() => {}
                }
                if let Some(lag) = scrape(&http, &url)
                    .await
                    .and_then(|t| series(&t, "tessera_replica_lag_seconds{replica=\"0\"}"))
                    && lag >= 0.0
                {
                    lags.push(lag * 1000.0);
                }
            }
        }
    });
    let (replica_rate, _) = hello_rate(&f.http, &map(on_replica), clients, each).await;
    sampling.notify_one();
    let lags = sampler.await?;
    stop.notify_one();
    let background_holds = bg.await?;
    let text = scrape(&f.http, &metrics_url)
        .await
        .context("reading the metrics")?;
    let count = |name: &str| series(&text, name).unwrap_or(0.0);
    let passed_over = ["behind", "lagging", "failed"]
        .map(|reason| {
            let name = format!("tessera_replica_passed_over_total{{reason=\"{reason}\"}}");
            (reason.to_owned(), count(&name))
        })
        .to_vec();
    let mean = lags.iter().sum::<f64>() / lags.len().max(1) as f64;
    let max = lags.iter().copied().fold(0.0, f64::max);
    Ok(ReplicaRun {
        primary_rate,
        replica_rate,
        served_by_replica: count("tessera_db_reads_total{target=\"replica\"}"),
        served_by_primary: count("tessera_db_reads_total{target=\"primary\"}"),
        passed_over,
        lag_ms: (mean, max),
        background_holds,
    })
}

/// The Prometheus text page at `url`.
async fn scrape(http: &reqwest::Client, url: &str) -> Option<String> {
    http.get(url).send().await.ok()?.text().await.ok()
}

/// The value of the series `name` (with its labels) in a Prometheus text page.
fn series(text: &str, name: &str) -> Option<f64> {
    text.lines()
        .find_map(|line| line.strip_prefix(name)?.trim().parse().ok())
}

pub struct LiveRun {
    pub streams: usize,
    pub holds: u64,
    /// Hold request sent → the stream saw the seat turn HELD.
    pub delay: Stats,
    pub delivered: u64,
    pub expected: u64,
}

/// Scenario 5: `streams` open event streams on one show while holds land on it.
pub async fn live(
    f: &Fixture,
    streams: usize,
    duration: Duration,
    holds_per_s: f64,
) -> anyhow::Result<LiveRun> {
    let sent: Arc<Mutex<HashMap<i32, Instant>>> = Arc::default();
    let url = format!("{}/shows/{}/events", f.base, f.live.id);
    // Readers stop once every expected event is in (or at the grace deadline).
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let stop_tx = Arc::new(stop_tx);
    let delivered = Arc::new(AtomicU64::new(0));
    let expected = Arc::new(AtomicU64::new(u64::MAX));
    let mut readers = Vec::new();
    // Open every stream before the first hold: the response headers come once it is subscribed.
    for _ in 0..streams {
        let resp = f.http.get(&url).send().await?;
        if resp.status() != StatusCode::OK {
            bail!("event stream: {}", resp.status());
        }
        let (sent, mut stop) = (sent.clone(), stop_rx.clone());
        let (stop_tx, delivered, expected) = (stop_tx.clone(), delivered.clone(), expected.clone());
        readers.push(tokio::spawn(async move {
            let mut delay = Stats::default();
            let mut body = resp.bytes_stream();
            let mut buf = String::new();
            loop {
                let chunk = tokio::select! {
                    _ = stop.wait_for(|s| *s) => break,
                    c = body.next() => c,
                };
                let Some(Ok(chunk)) = chunk else { break };
                let now = Instant::now();
                buf.push_str(&String::from_utf8_lossy(&chunk));
                while let Some(end) = buf.find("\n\n") {
                    let event: String = buf.drain(..end + 2).collect();
                    let Some(data) = event.lines().find_map(|l| l.strip_prefix("data:")) else {
                        continue;
                    };
                    let Ok(v) = serde_json::from_str::<Value>(data.trim()) else {
                        continue;
                    };
                    for seat in v["seats"].as_array().into_iter().flatten() {
                        let Some(id) = seat["id"].as_i64() else {
                            continue;
                        };
                        if seat["status"] != "HELD" {
                            continue;
                        }
                        let Some(t) = sent.lock().await.get(&(id as i32)).copied() else {
                            continue;
                        };
                        delay.record(now.saturating_duration_since(t), crate::load::Outcome::Ok);
                        if delivered.fetch_add(1, Ordering::Relaxed) + 1
                            >= expected.load(Ordering::Relaxed)
                        {
                            stop_tx.send_replace(true);
                        }
                    }
                }
            }
            delay
        }));
    }
    let stop_holds = Arc::new(tokio::sync::Notify::new());
    let bg = background_holds(
        f,
        vec![f.live.clone()],
        holds_per_s,
        stop_holds.clone(),
        Some(sent.clone()),
    );
    tokio::time::sleep(duration).await; // the scenario's length, not a wait for a condition
    stop_holds.notify_one();
    let holds = bg.await?;
    let want = holds * streams as u64;
    expected.store(want, Ordering::Relaxed);
    let mut rx = stop_rx.clone();
    if delivered.load(Ordering::Relaxed) < want {
        // The last events are in flight: wait for them, 5 s at most.
        let _ = tokio::time::timeout(Duration::from_secs(5), rx.wait_for(|s| *s)).await;
    }
    stop_tx.send_replace(true);
    let mut delay = Stats::default();
    for r in readers {
        delay.merge(&r.await?);
    }
    Ok(LiveRun {
        streams,
        holds,
        delivered: delay.ok,
        delay,
        expected: want,
    })
}
