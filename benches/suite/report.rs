//! What a run found: the invariant check, the figures as ratios to their ceilings, and the
//! Markdown + SVG report.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::Scale;
use crate::scenarios::{BrowseRun, Fixture, HoldRun, ListDuringSale, LiveRun, RaceRun, ReplicaRun};

/// The best public Node.js implementation of the designs Tessera comes from, measured side
/// by side on a quiet machine of this kind: 1,053-1,089 sales/s (one request, one READ
/// COMMITTED transaction per sale) and 1,869-2,019 show lists/s (100 shows). Compared
/// against the top of each range.
const SEED_SALES_PER_S: f64 = 1089.0;
const SEED_LISTS_PER_S: f64 = 2019.0;

/// Counts of rows that break an invariant (all must be zero).
#[derive(Default)]
pub struct Invariants {
    pub seats_in_two_live_bookings: i64,
    pub seat_status_disagrees: i64,
    pub live_booking_seat_missing: i64,
    pub row_counter_wrong: i64,
    pub pending_holds_wrong: i64,
    pub api_count_wrong: i64,
    pub shows_checked_via_api: usize,
}

pub async fn check_invariants(
    sql: &tokio_postgres::Client,
    http: &reqwest::Client,
    f: &Fixture,
) -> anyhow::Result<Invariants> {
    let count =
        |q: &'static str| async move { anyhow::Ok(sql.query_one(q, &[]).await?.get::<_, i64>(0)) };
    let mut inv = Invariants {
        seats_in_two_live_bookings: count(
            "SELECT count(*) FROM (SELECT show_id, seat FROM bookings, unnest(seat_ids) AS seat \
               WHERE status = 'CONFIRMED' OR (status = 'PENDING' AND expires_at > now()) \
               GROUP BY show_id, seat HAVING count(*) > 1) d",
        )
        .await?,
        seat_status_disagrees: count(
            "SELECT count(*) FROM seats s LEFT JOIN bookings b ON b.id = s.booking_id \
             WHERE s.booking_id IS NOT NULL AND NOT ( \
               b.id IS NOT NULL AND s.seat_id = ANY(b.seat_ids) AND ( \
                 (s.status = 'HELD' AND b.status = 'PENDING' AND s.held_until = b.expires_at) OR \
                 (s.status = 'BOOKED' AND b.status = 'CONFIRMED')))",
        )
        .await?,
        live_booking_seat_missing: count(
            "SELECT count(*) FROM bookings b, unnest(b.seat_ids) AS seat \
             WHERE (b.status = 'CONFIRMED' OR (b.status = 'PENDING' AND b.expires_at > now())) \
               AND NOT EXISTS (SELECT 1 FROM seats s WHERE s.show_id = b.show_id \
                               AND s.seat_id = seat AND s.booking_id = b.id)",
        )
        .await?,
        pending_holds_wrong: count(
            "SELECT count(*) FROM bookings b FULL JOIN pending_holds p ON p.booking_id = b.id \
             WHERE (b.status = 'PENDING') IS DISTINCT FROM (p.booking_id IS NOT NULL) \
                OR (p.booking_id IS NOT NULL AND p.expires_at IS DISTINCT FROM b.expires_at)",
        )
        .await?,
        row_counter_wrong: count(
            "SELECT count(*) FROM show_rows r WHERE r.taken <> \
               (SELECT count(*) FROM seats s WHERE s.show_id = r.show_id AND s.row_no = r.row_no \
                AND s.status <> 'AVAILABLE')",
        )
        .await?,
        ..Default::default()
    };
    // The API's count of free seats agrees with the seats themselves.
    let mut shows: Vec<i64> = vec![
        f.flash.id,
        f.floor,
        f.browse_big.id,
        f.browse_small.id,
        f.race.id,
        f.live.id,
    ];
    shows.extend(f.spread.iter().take(20).map(|s| s.id));
    for id in &shows {
        let free: i64 = sql
            .query_one(
                "SELECT count(*) FROM seats WHERE show_id = $1 AND (status = 'AVAILABLE' \
                   OR (status = 'HELD' AND held_until <= now()))",
                &[id],
            )
            .await?
            .get(0);
        let show: serde_json::Value = http
            .get(format!("{}/shows/{id}", f.base))
            .send()
            .await?
            .json()
            .await?;
        if show["available_seats"].as_i64() != Some(free) {
            inv.api_count_wrong += 1;
        }
    }
    inv.shows_checked_via_api = shows.len();
    Ok(inv)
}

/// CPU use (cores) by process kind, and the service's RSS at the end, for one phase.
pub struct Phase {
    pub name: &'static str,
    pub cores: crate::env::CpuSplit,
    pub rss: u64,
}

pub struct Figures {
    pub scale: Scale,
    pub pool_size: usize,
    pub redis: bool,
    pub pg_hold_tps: f64,
    pub pg_hold_latency_ms: f64,
    pub pg_hold_failed: u64,
    pub pg_holds_per_s: f64,
    pub pg_map_per_s: f64,
    /// Sales (hold + confirm) on spread shows, batched and one request per transaction.
    pub spread: HoldRun,
    pub spread_off: HoldRun,
    /// Holds only on spread shows, batched and one request per transaction.
    pub holds_on: HoldRun,
    pub holds_off: HoldRun,
    /// Sales with four times the buyers, batched and one request per transaction.
    pub many_on: HoldRun,
    pub many_off: HoldRun,
    pub flash: HoldRun,
    pub flash_off: HoldRun,
    pub floor: HoldRun,
    pub race: RaceRun,
    pub race_sold_db: i64,
    pub race_off: RaceRun,
    pub race_off_sold_db: i64,
    pub race_seats: usize,
    pub browse: BrowseRun,
    pub list_sale: ListDuringSale,
    /// (operation, requests/s of the hello server serving that operation's bytes)
    pub hello: Vec<(&'static str, f64)>,
    pub live: LiveRun,
    pub replica: ReplicaRun,
    /// Sales through PgBouncer in transaction mode (`DATABASE_POOLER=transaction`), and
    /// the same sales straight after on the direct instance.
    pub pooler_sales: HoldRun,
    pub direct_sales: HoldRun,
    pub phases: Vec<Phase>,
    pub rss_peak: u64,
    pub rss_end: u64,
    pub invariants: Invariants,
    pub elapsed: Duration,
}

impl Figures {
    fn hello_rate(&self, op: &str) -> f64 {
        self.hello
            .iter()
            .find(|(o, _)| *o == op)
            .map_or(0.0, |h| h.1)
    }

    /// Correctness problems: any of these fails the run, whatever the timings.
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        let inv = &self.invariants;
        for (what, n) in [
            ("seats in two live bookings", inv.seats_in_two_live_bookings),
            (
                "seats whose status disagrees with their booking",
                inv.seat_status_disagrees,
            ),
            (
                "live bookings whose seats do not point back",
                inv.live_booking_seat_missing,
            ),
            (
                "row counters that disagree with their seats",
                inv.row_counter_wrong,
            ),
            (
                "shows whose available_seats disagrees with the seats",
                inv.api_count_wrong,
            ),
        ] {
            if n != 0 {
                out.push(format!("{n} {what}"));
            }
        }
        for (name, race, sold_db) in [
            ("race", &self.race, self.race_sold_db),
            ("race (batching off)", &self.race_off, self.race_off_sold_db),
        ] {
            let expect_sold = self.race_seats.min(race.clients) as i64;
            if sold_db != expect_sold || race.sold as i64 != expect_sold {
                out.push(format!(
                    "{name}: {sold_db} seats booked in the database and {} confirmed to buyers; expected {expect_sold}",
                    race.sold
                ));
            }
            if race.outcome.count() != race.clients as u64 {
                out.push(format!("{name}: not every buyer got an answer"));
            }
        }
        for (name, rec) in [
            ("spread sales", &self.spread.rec),
            ("spread sales (batching off)", &self.spread_off.rec),
            ("spread holds", &self.holds_on.rec),
            ("spread holds (batching off)", &self.holds_off.rec),
            ("spread sales, 4x buyers", &self.many_on.rec),
            ("spread sales, 4x buyers (batching off)", &self.many_off.rec),
            ("flash sale", &self.flash.rec),
            ("flash sale (batching off)", &self.flash_off.rec),
            ("standing floor", &self.floor.rec),
            ("race", &self.race.rec),
            ("race (batching off)", &self.race_off.rec),
            ("browse", &self.browse.rec),
            ("show list during a sale", &self.list_sale.rec),
            ("sales through PgBouncer", &self.pooler_sales.rec),
            ("the same sales direct", &self.direct_sales.rec),
        ] {
            for (op, s) in &rec.0 {
                if s.errors > 0 {
                    out.push(format!(
                        "{name} / {op}: {} errors, e.g. {:?}",
                        s.errors, s.error_samples
                    ));
                }
            }
        }
        if self.live.delivered < self.live.expected {
            out.push(format!(
                "live: {} of {} events delivered",
                self.live.delivered, self.live.expected
            ));
        }
        out
    }
}

/// One line of the targets table.
struct Target {
    name: &'static str,
    measured: String,
    against: String,
    /// measured ÷ ceiling (or the measured value itself for absolute goals)
    ratio: Option<f64>,
    goal: String,
    met: bool,
    /// How far the goal is met, for the chart (1.0 = exactly).
    score: f64,
}

pub struct Report {
    pub markdown: String,
    svg: String,
    history_line: String,
}

fn mb(bytes: u64) -> f64 {
    bytes as f64 / 1_048_576.0
}

async fn machine(sql: &tokio_postgres::Client) -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|t| {
            t.lines().find_map(|l| {
                l.strip_prefix("model name")
                    .map(|r| r.trim_start_matches([' ', '\t', ':']).to_owned())
            })
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let mem = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|t| {
            t.lines()
                .next()
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|k| k.parse::<u64>().ok())
        })
        .map_or(0.0, |kb| kb as f64 / 1_048_576.0);
    let pg = sql
        .query_one("SHOW server_version", &[])
        .await
        .map(|r| r.get::<_, String>(0))
        .unwrap_or_default();
    format!(
        "{cores} cores ({cpu}), {mem:.0} GiB RAM, PostgreSQL {pg}; the load generator, the service, PostgreSQL and Redis all share these cores"
    )
}

fn commit() -> String {
    std::process::Command::new("git")
        .args(["rev-parse", "--short", "HEAD"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_else(|| "unknown".into())
}

impl Report {
    pub async fn new(f: &Figures, sql: &tokio_postgres::Client) -> Self {
        let s = &f.scale;
        let spread = f.spread.holds_per_s();
        let spread_off = f.spread_off.holds_per_s();
        let holds = f.holds_on.holds_per_s();
        let flash = f.flash.holds_per_s();
        let (flash_places, floor_places) = (f.flash.places_per_s(), f.floor.places_per_s());
        let hold = f.holds_on.rec.get("hold");
        let race_hold = f.race.rec.get("hold");
        let race_off_hold = f.race_off.rec.get("hold");
        let race_errors: u64 = [&f.race, &f.race_off]
            .iter()
            .flat_map(|r| r.rec.0.values())
            .map(|s| s.errors)
            .sum();
        let map500 = f.browse.rate("seat map 500");
        let map20k = f.browse.rate("seat map 20,000");
        let list = f.browse.rate("show list (100 shows)");
        let hello500 = f.hello_rate("seat map 500");
        let ratio = |a: f64, b: f64| if b > 0.0 { a / b } else { 0.0 };
        let big = 500 * s.big_rows;
        // PostgreSQL's CPU time per sale (ms), from the phase's CPU split.
        let pg_ms_per_sale = |phase: &str, sales_per_s: f64| {
            f.phases
                .iter()
                .find(|p| p.name == phase)
                .map_or(0.0, |p| ratio(p.cores.postgres * 1000.0, sales_per_s))
        };
        let pg_on = pg_ms_per_sale("spread sales", spread);
        let pg_off = pg_ms_per_sale("spread sales (batching off)", spread_off);
        let race_sold_goal = f.race_seats.min(f.race.clients);
        let races_sold = f.race_sold_db as usize == race_sold_goal
            && f.race_off_sold_db as usize == race_sold_goal;
        let targets = vec![
            Target {
                name: "Sales (hold + confirm), batched",
                measured: format!("{spread:.0} sales/s"),
                against: format!("one request per transaction: {spread_off:.0} sales/s"),
                ratio: Some(ratio(spread, spread_off)),
                goal: "≥ 3×".into(),
                met: ratio(spread, spread_off) >= 3.0,
                score: ratio(spread, spread_off) / 3.0,
            },
            {
                let (on, off) = (f.many_on.holds_per_s(), f.many_off.holds_per_s());
                Target {
                    name: "Sales with 4× the buyers, batched",
                    measured: format!(
                        "{on:.0} sales/s (hold p99 {:.0} ms)",
                        f.many_on.rec.get("hold").ms(0.99)
                    ),
                    against: format!(
                        "one request per transaction: {off:.0} sales/s (hold p99 {:.0} ms)",
                        f.many_off.rec.get("hold").ms(0.99)
                    ),
                    ratio: Some(ratio(on, off)),
                    goal: "≥ 3×".into(),
                    met: ratio(on, off) >= 3.0,
                    score: ratio(on, off) / 3.0,
                }
            },
            Target {
                name: "Holds, batched",
                measured: format!(
                    "{holds:.0} holds/s (one request per transaction: {:.0})",
                    f.holds_off.holds_per_s()
                ),
                against: format!("pgbench hold script: {:.0} holds/s", f.pg_holds_per_s),
                ratio: Some(ratio(holds, f.pg_holds_per_s)),
                goal: "≥ 1.5×".into(),
                met: ratio(holds, f.pg_holds_per_s) >= 1.5,
                score: ratio(holds, f.pg_holds_per_s) / 1.5,
            },
            Target {
                name: "Holds p99, batched",
                measured: format!(
                    "{:.1} ms (one request per transaction: {:.1} ms)",
                    hold.ms(0.99),
                    f.holds_off.rec.get("hold").ms(0.99)
                ),
                against: format!("{} clients", s.clients),
                ratio: None,
                goal: "≤ 50 ms".into(),
                met: hold.ms(0.99) <= 50.0,
                score: ratio(50.0, hold.ms(0.99)),
            },
            Target {
                name: "PostgreSQL CPU per sale, batched",
                measured: format!("{pg_on:.2} ms"),
                against: format!("one request per transaction: {pg_off:.2} ms"),
                ratio: Some(ratio(pg_on, pg_off)),
                goal: "≤ 0.5×".into(),
                met: pg_on > 0.0 && ratio(pg_on, pg_off) <= 0.5,
                score: ratio(0.5, ratio(pg_on, pg_off)),
            },
            Target {
                name: "Flash sale (one show)",
                measured: format!(
                    "{flash:.0} sales/s (one request per transaction: {:.0})",
                    f.flash_off.holds_per_s()
                ),
                against: format!("spread sales: {spread:.0}/s"),
                ratio: Some(ratio(flash, spread)),
                goal: "≥ 0.8×".into(),
                met: ratio(flash, spread) >= 0.8,
                score: ratio(flash, spread) / 0.8,
            },
            Target {
                name: "Standing floor flash sale",
                measured: format!(
                    "{floor_places:.0} places/s ({:.0} holds/s by quantity)",
                    f.floor.holds_per_s()
                ),
                against: format!("seated flash sale: {flash_places:.0} seats/s"),
                ratio: Some(ratio(floor_places, flash_places)),
                goal: "≥ 0.9×".into(),
                met: ratio(floor_places, flash_places) >= 0.9,
                score: ratio(floor_places, flash_places) / 0.9,
            },
            Target {
                name: "Race: seats sold",
                measured: format!(
                    "{} of {} (one request per transaction: {})",
                    f.race_sold_db, f.race_seats, f.race_off_sold_db
                ),
                against: format!("{} buyers at once", f.race.clients),
                ratio: None,
                goal: format!("{race_sold_goal} of {}", f.race_seats),
                met: races_sold,
                score: if races_sold { 1.0 } else { 0.0 },
            },
            Target {
                name: "Race: hold p99, batched",
                measured: format!(
                    "{:.0} ms (answer to every buyer: p99 {:.0} ms; one request per transaction: {:.0} ms)",
                    race_hold.ms(0.99),
                    f.race.outcome.ms(0.99),
                    race_off_hold.ms(0.99)
                ),
                against: format!("{} buyers", f.race.clients),
                ratio: None,
                goal: "≤ 300 ms".into(),
                met: race_hold.ms(0.99) <= 300.0,
                score: ratio(300.0, race_hold.ms(0.99)),
            },
            Target {
                name: "Race: errors other than 409",
                measured: race_errors.to_string(),
                against: String::new(),
                ratio: None,
                goal: "0".into(),
                met: race_errors == 0,
                score: if race_errors == 0 { 1.0 } else { 0.0 },
            },
            Target {
                name: "Cached 500-seat map",
                measured: format!("{map500:.0} req/s"),
                against: format!("minimal HTTP server, same bytes: {hello500:.0} req/s"),
                ratio: Some(ratio(map500, hello500)),
                goal: "≥ 0.5×".into(),
                met: ratio(map500, hello500) >= 0.5,
                score: ratio(map500, hello500) / 0.5,
            },
            Target {
                name: "Cached big seat map",
                measured: format!(
                    "{map20k:.0} req/s ({big} seats; minimal HTTP server, same bytes: {:.0} req/s)",
                    f.hello_rate("seat map 20,000")
                ),
                against: format!("PostgreSQL reading it (pgbench): {:.0}/s", f.pg_map_per_s),
                ratio: Some(ratio(map20k, f.pg_map_per_s)),
                goal: "≥ 50×".into(),
                met: ratio(map20k, f.pg_map_per_s) >= 50.0,
                score: ratio(map20k, f.pg_map_per_s) / 50.0,
            },
            {
                let r = &f.replica;
                // Of the reads that could go to the replica (the instance's own reads for
                // its metrics cannot).
                let passed_over: f64 = r.passed_over.iter().map(|(_, n)| n).sum();
                let share = r.served_by_replica / (r.served_by_replica + passed_over).max(1.0);
                let ratio_r = ratio(r.replica_rate, r.primary_rate);
                Target {
                    name: "Uncached seat-map reads on a replica",
                    measured: format!(
                        "{:.0} req/s ({:.0}% of the reads it could serve served by the replica, {} holds landing meanwhile; \
                         database reads: {:.0} on the replica, {:.0} on the primary; replica passed over: {}; its lag as seen: mean {:.0} ms, max {:.0} ms)",
                        r.replica_rate,
                        share * 100.0,
                        r.background_holds,
                        r.served_by_replica,
                        r.served_by_primary,
                        r.passed_over
                            .iter()
                            .map(|(reason, n)| format!("{reason} {n:.0}"))
                            .collect::<Vec<_>>()
                            .join(", "),
                        r.lag_ms.0,
                        r.lag_ms.1,
                    ),
                    against: format!("reading the primary: {:.0} req/s", r.primary_rate),
                    ratio: Some(ratio_r),
                    goal: "≥ 0.8×, most reads on the replica".into(),
                    met: ratio_r >= 0.8 && share >= 0.5,
                    score: (ratio_r / 0.8).min(share / 0.5),
                }
            },
            {
                let (pooled, direct) = (f.pooler_sales.holds_per_s(), f.direct_sales.holds_per_s());
                let pg_ms = |phase: &str, sales: f64| {
                    f.phases
                        .iter()
                        .find(|p| p.name == phase)
                        .map_or(0.0, |p| ratio(p.cores.postgres * 1000.0, sales))
                };
                Target {
                    name: "Sales through PgBouncer (transaction mode)",
                    measured: format!(
                        "{pooled:.0} sales/s (hold p99 {:.0} ms, PostgreSQL {:.2} ms CPU a sale)",
                        f.pooler_sales.rec.get("hold").ms(0.99),
                        pg_ms("sales through PgBouncer", pooled)
                    ),
                    against: format!(
                        "the same sales direct: {direct:.0} sales/s (hold p99 {:.0} ms, PostgreSQL {:.2} ms CPU a sale)",
                        f.direct_sales.rec.get("hold").ms(0.99),
                        pg_ms("the same sales direct", direct)
                    ),
                    ratio: Some(ratio(pooled, direct)),
                    goal: "≥ 0.7×".into(),
                    met: ratio(pooled, direct) >= 0.7,
                    score: ratio(pooled, direct) / 0.7,
                }
            },
            Target {
                name: "Sales vs the best seed implementation",
                measured: format!("{spread:.0} sales/s"),
                against: format!("{SEED_SALES_PER_S:.0} sales/s"),
                ratio: Some(spread / SEED_SALES_PER_S),
                goal: "≥ 3×".into(),
                met: spread / SEED_SALES_PER_S >= 3.0,
                score: spread / SEED_SALES_PER_S / 3.0,
            },
            Target {
                name: "Show lists vs the best seed implementation",
                measured: format!("{list:.0} req/s (100 shows)"),
                against: format!("{SEED_LISTS_PER_S:.0} req/s"),
                ratio: Some(list / SEED_LISTS_PER_S),
                goal: "≥ 10×".into(),
                met: list / SEED_LISTS_PER_S >= 10.0,
                score: list / SEED_LISTS_PER_S / 10.0,
            },
            {
                // One rebuild per 250 ms is 4 a second; the sale changes the list's show
                // with every hold and confirm.
                let secs = f.list_sale.elapsed.as_secs_f64();
                let loads = f.list_sale.list_loads.map(|n| n as f64 / secs);
                Target {
                    name: "Show list during a sale: PostgreSQL list loads",
                    measured: match loads {
                        Some(per_s) => format!(
                            "{per_s:.1}/s for {:.0} list reads/s",
                            f.list_sale.rate("show list during a sale")
                        ),
                        None => "not readable".into(),
                    },
                    against: format!(
                        "{:.0} holds/s (+ confirms) on a listed show",
                        f.list_sale.rate("sale hold")
                    ),
                    ratio: None,
                    goal: "≤ 4.5/s".into(),
                    met: loads.is_some_and(|l| l <= 4.5),
                    score: loads.map_or(0.0, |l| (4.5 / l.max(0.1)).min(1.0)),
                }
            },
            Target {
                name: "Server RSS, peak",
                measured: format!(
                    "{:.0} MB (at the end: {:.0} MB)",
                    mb(f.rss_peak),
                    mb(f.rss_end)
                ),
                against: String::new(),
                ratio: None,
                goal: "≤ 150 MB".into(),
                met: mb(f.rss_peak) <= 150.0,
                score: ratio(150.0, mb(f.rss_peak)),
            },
        ];

        let date = chrono::Utc::now().format("%Y-%m-%d %H:%M UTC");
        let commit = commit();
        let mut md = String::new();
        let _ = writeln!(md, "# Benchmark results\n");
        let _ = writeln!(
            md,
            "{} run of {date}, commit `{commit}`, {:.0} s in all. Machine: {}.\n",
            if s.smoke {
                "Smoke (tiny scale, debug build: timings mean nothing)"
            } else {
                "Full"
            },
            f.elapsed.as_secs_f64(),
            machine(sql).await
        );
        let _ = writeln!(
            md,
            "Service: {} build, database pool {}, cache {}. Every ceiling was measured in this same run on the same PostgreSQL server and cores.\n",
            if s.smoke { "debug" } else { "release" },
            f.pool_size,
            if f.redis {
                "Redis + in-process"
            } else {
                "in-process only (no redis-server)"
            }
        );
        let _ = writeln!(md, "## Targets\n");
        let _ = writeln!(
            md,
            "| | measured | against | ratio | goal | met |\n|---|---|---|---|---|---|"
        );
        for t in &targets {
            let _ = writeln!(
                md,
                "| {} | {} | {} | {} | {} | {} |",
                t.name,
                t.measured,
                t.against,
                t.ratio.map_or(String::new(), |r| format!("{r:.2}×")),
                t.goal,
                if t.met { "yes" } else { "**no**" }
            );
        }
        let _ = writeln!(md, "\n## Requests\n");
        let _ = writeln!(
            md,
            "| scenario | operation | requests | ok | 409 | errors | per s | p50 ms | p95 ms | p99 ms | max ms |\n|---|---|---|---|---|---|---|---|---|---|---|"
        );
        let per_s = |n: u64, d: Duration| n as f64 / d.as_secs_f64().max(1e-9);
        let rows: Vec<(&str, &crate::load::Recorder, Option<Duration>)> = vec![
            ("spread sales", &f.spread.rec, Some(f.spread.elapsed)),
            (
                "spread sales, batching off",
                &f.spread_off.rec,
                Some(f.spread_off.elapsed),
            ),
            ("spread holds", &f.holds_on.rec, Some(f.holds_on.elapsed)),
            (
                "spread sales, 4x buyers",
                &f.many_on.rec,
                Some(f.many_on.elapsed),
            ),
            (
                "spread sales, 4x buyers, batching off",
                &f.many_off.rec,
                Some(f.many_off.elapsed),
            ),
            (
                "spread holds, batching off",
                &f.holds_off.rec,
                Some(f.holds_off.elapsed),
            ),
            ("flash sale", &f.flash.rec, Some(f.flash.elapsed)),
            (
                "flash sale, batching off",
                &f.flash_off.rec,
                Some(f.flash_off.elapsed),
            ),
            ("standing floor", &f.floor.rec, Some(f.floor.elapsed)),
            (
                "sales through PgBouncer",
                &f.pooler_sales.rec,
                Some(f.pooler_sales.elapsed),
            ),
            (
                "the same sales direct",
                &f.direct_sales.rec,
                Some(f.direct_sales.elapsed),
            ),
            ("race", &f.race.rec, None),
            ("race, batching off", &f.race_off.rec, None),
            ("browse", &f.browse.rec, Some(f.browse.elapsed)),
            (
                "list during a sale",
                &f.list_sale.rec,
                Some(f.list_sale.elapsed),
            ),
        ];
        for (scenario, rec, elapsed) in rows {
            for (op, st) in &rec.0 {
                let _ = writeln!(
                    md,
                    "| {scenario} | {op} | {} | {} | {} | {} | {} | {:.1} | {:.1} | {:.1} | {:.1} |",
                    st.count(),
                    st.ok,
                    st.conflicts,
                    st.errors,
                    elapsed.map_or(String::from("–"), |d| format!("{:.0}", per_s(st.ok, d))),
                    st.ms(0.5),
                    st.ms(0.95),
                    st.ms(0.99),
                    st.ms(1.0),
                );
            }
        }
        let _ = writeln!(
            md,
            "\nWrite scenarios run twice, on two instances of the service on the same database: batched (the default) and with `HOLD_BATCHING=off` (one request per transaction). \
             Spread sales: {} buyers on a sixth of {} shows of 500 seats each, 2-4 adjacent seats each (no two buyers ask for the same seat), then confirm, for {} s. \
             Spread holds: the same without confirming, on another sixth. With 4x buyers: four times as many buyers for half the time, on another sixth each. \
             Flash sale: the same on one {big}-seat show until it is sold out (or the time is up). \
             Standing floor: the same sale on a floor of {big} standing places, 2-4 by quantity (the service picks them). Race: {} buyers at once for {} seats, one seat each, \
             reloading the map after a 409. Browse: {} clients per kind, {} s each, gzip accepted, with {:.0} holds/s landing \
             on the browsed shows ({} landed). List during a sale: {} clients read the show list while {} others hold and confirm single seats of a listed show, {} s. \
             Uncached reads: two more instances with no cache lifetime (`CACHE_TTL_MS=0`, so every read reaches the database), one reading the primary and one a streaming \
             replica of it (`DATABASE_READ_URL`; a base backup taken for the phase, on the same cores); {} clients read the 500-seat map from each for {} s while holds land on it. \
             Through PgBouncer: one more instance behind PgBouncer 1.18 in transaction mode (`DATABASE_POOLER=transaction`: unnamed statements, settings sent with each transaction) \
             with as many server connections as the direct instance's pool; {} buyers hold and confirm on fresh 500-seat shows for {} s, then the same on the direct instance.",
            s.clients,
            s.spread_shows,
            s.hold_secs,
            f.race.clients,
            f.race_seats,
            s.clients,
            s.browse_secs,
            s.background_holds_per_s,
            f.browse.background_holds,
            s.clients / 2,
            s.clients / 2,
            s.browse_secs,
            s.clients / 2,
            s.browse_secs,
            s.clients,
            s.hold_secs as f64 / 2.0,
        );
        let sizes: Vec<String> = ["show list (100 shows)", "seat map 500", "seat map 20,000"]
            .iter()
            .filter_map(|op| {
                f.browse.sample.get(op).map(|(b, enc)| {
                    format!(
                        "{op} {:.1} KB{}",
                        b.len() as f64 / 1024.0,
                        enc.as_deref().map_or(String::new(), |e| format!(" {e}"))
                    )
                })
            })
            .collect();
        let _ = writeln!(md, "Response sizes on the wire: {}.", sizes.join(", "));
        let retried = |run: &HoldRun| {
            let Some(retries) = &run.retries else {
                return "not read".to_owned();
            };
            let ops: Vec<String> = retries
                .iter()
                .map(|(op, n)| {
                    // A batch has no requests of its own to be a share of.
                    if op.ends_with("_batch") {
                        return format!("{op} {n}");
                    }
                    let done = run.rec.get(op).count().max(1);
                    format!("{op} {n} ({:.1}%)", *n as f64 * 100.0 / done as f64)
                })
                .collect();
            if ops.is_empty() {
                "none".to_owned()
            } else {
                ops.join(", ")
            }
        };
        let _ = writeln!(
            md,
            "Transactions retried inside the service after a serialization failure or deadlock \
             (buyers never see these; share of that operation's requests; `hold_batch` and `transition_batch` count whole batches, so no share): \
             spread sales: {}; spread sales, batching off: {}; spread holds: {}; flash sale: {}; flash sale, batching off: {}.",
            retried(&f.spread),
            retried(&f.spread_off),
            retried(&f.holds_on),
            retried(&f.flash),
            retried(&f.flash_off)
        );

        let l = &f.live;
        let _ = writeln!(md, "\n## Live updates\n");
        let _ = writeln!(
            md,
            "{} open event streams on one show, {} holds landing at {:.0}/s: {} of {} events delivered; hold sent → seat seen HELD on a stream: p50 {:.1} ms, p95 {:.1} ms, p99 {:.1} ms, max {:.1} ms.",
            l.streams,
            l.holds,
            s.live_holds_per_s,
            l.delivered,
            l.expected,
            l.delay.ms(0.5),
            l.delay.ms(0.95),
            l.delay.ms(0.99),
            l.delay.ms(1.0)
        );
        let _ = writeln!(md, "\n## Ceilings\n");
        let _ = writeln!(
            md,
            "- pgbench hold script (SERIALIZABLE, `FOR UPDATE`, insert booking, update seats; 64 clients, {} s, {} shows of 500 seats): {:.0} attempts/s, {:.0} successful holds/s, {:.1} ms average, {} failed after 10 tries.",
            s.pgbench_secs,
            s.spread_shows,
            f.pg_hold_tps,
            f.pg_holds_per_s,
            f.pg_hold_latency_ms,
            f.pg_hold_failed
        );
        let _ = writeln!(
            md,
            "- pgbench reading the {big}-seat map (8 clients): {:.0}/s.",
            f.pg_map_per_s
        );
        for (op, rate) in &f.hello {
            let _ = writeln!(
                md,
                "- Minimal HTTP server sending the bytes of \"{op}\" ({} clients): {rate:.0} req/s.",
                s.clients
            );
        }
        let _ = writeln!(md, "\n## Where the CPU went\n");
        let _ = writeln!(
            md,
            "Cores used per process kind during each phase (the machine has {}), and the service's RSS after it.\n",
            std::thread::available_parallelism().map_or(0, |n| n.get())
        );
        let _ = writeln!(
            md,
            "| phase | service | PostgreSQL | Redis | load generator | anything else | service RSS |\n|---|---|---|---|---|---|---|"
        );
        for p in &f.phases {
            let c = &p.cores;
            let other = (c.machine - c.service - c.postgres - c.redis - c.load).max(0.0);
            let _ = writeln!(
                md,
                "| {} | {:.2} | {:.2} | {:.2} | {:.2} | {other:.2} | {:.0} MB |",
                p.name,
                c.service,
                c.postgres,
                c.redis,
                c.load,
                mb(p.rss)
            );
        }
        let inv = &f.invariants;
        let _ = writeln!(md, "\n## Invariants after the run\n");
        let _ = writeln!(
            md,
            "Seats in two live bookings: {}. Seats whose status disagrees with their booking: {}. Live bookings missing a seat: {}. Row counters wrong: {}. Hold records disagreeing with PENDING bookings: {}. Shows whose `available_seats` disagrees with the seats: {} of {} checked.",
            inv.seats_in_two_live_bookings,
            inv.seat_status_disagrees,
            inv.live_booking_seat_missing,
            inv.row_counter_wrong,
            inv.pending_holds_wrong,
            inv.api_count_wrong,
            inv.shows_checked_via_api
        );

        let history_line = format!(
            "| {date} | `{commit}` | {} | {spread:.0} ({:.2}×) | {flash:.0} | {:.0} ms | {:.2}× | {:.0}× | {list:.0} | {:.0} MB |",
            std::env::var("BENCH_NOTE").unwrap_or_else(|_| "-".into()),
            ratio(spread, f.pg_holds_per_s),
            race_hold.ms(0.99),
            ratio(map500, hello500),
            ratio(map20k, f.pg_map_per_s),
            mb(f.rss_peak)
        );
        Self {
            markdown: md,
            svg: chart(&targets),
            history_line,
        }
    }

    /// Writes the report; returns where. Smoke runs never touch the committed results.
    pub fn write(&self, smoke: bool) -> anyhow::Result<PathBuf> {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let dir = if smoke {
            std::env::var_os("CARGO_TARGET_DIR")
                .map(PathBuf::from)
                .unwrap_or_else(|| root.join("target"))
                .join("bench-smoke")
        } else {
            root.join("benches/results")
        };
        std::fs::create_dir_all(&dir)?;
        std::fs::write(dir.join("latest.md"), &self.markdown)?;
        std::fs::write(dir.join("latest.svg"), &self.svg)?;
        let history = dir.join("history.md");
        let mut text = std::fs::read_to_string(&history).unwrap_or_else(|_| {
            "# Benchmark history\n\nOne line per full run (`BENCH_NOTE` says what changed).\n\n\
             | date | commit | change | spread holds/s (× pgbench) | flash holds/s | race hold p99 | 500-seat map × HTTP ceiling | big map × PostgreSQL | lists/s | RSS peak |\n\
             |---|---|---|---|---|---|---|---|---|---|\n"
                .to_owned()
        });
        text.push_str(&self.history_line);
        text.push('\n');
        std::fs::write(history, text)?;
        Ok(dir.join("latest.md"))
    }
}

/// A horizontal bar per target: how far it is met (100% = exactly the goal), capped at 300%.
fn chart(targets: &[Target]) -> String {
    let (w, row, left, top) = (760.0, 26.0, 300.0, 40.0);
    let h = top + row * targets.len() as f64 + 30.0;
    let scale = (w - left - 60.0) / 3.0; // px per 100%
    let mut svg = format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" font-family="sans-serif" font-size="12">
<rect width="100%" height="100%" fill="#fff"/>
<text x="10" y="20" font-size="14" font-weight="bold">Tessera benchmark: each target as a share of its goal (100% = goal met)</text>
"##
    );
    for (i, t) in targets.iter().enumerate() {
        let y = top + row * i as f64;
        let v = t.score.clamp(0.0, 3.0);
        let colour = if t.met { "#2e7d32" } else { "#c62828" };
        let _ = write!(
            svg,
            r##"<text x="{x}" y="{ty}" text-anchor="end">{name}</text><rect x="{left}" y="{y}" width="{bw:.1}" height="{bh}" fill="{colour}"/><text x="{lx:.1}" y="{ty}">{pct:.0}%</text>"##,
            x = left - 8.0,
            ty = y + 15.0,
            name = t.name,
            bw = v * scale,
            bh = row - 8.0,
            lx = left + v * scale + 4.0,
            pct = t.score * 100.0,
        );
        svg.push('\n');
    }
    let x100 = left + scale;
    let _ = write!(
        svg,
        r##"<line x1="{x100}" y1="{top0}" x2="{x100}" y2="{bottom}" stroke="#333" stroke-dasharray="4 3"/><text x="{x100}" y="{ly}" text-anchor="middle">goal</text>
</svg>
"##,
        top0 = top - 6.0,
        bottom = h - 24.0,
        ly = h - 10.0,
    );
    svg
}
