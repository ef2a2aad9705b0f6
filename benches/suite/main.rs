//! Tessera's benchmark suite: the service under load, next to ceilings measured in the same run.
//!
//! `cargo bench --bench suite` runs the full suite (release build) and writes
//! `benches/results/latest.{md,svg}` and a line of `benches/results/history.md`.
//! `cargo test` runs the same code as a short smoke run (debug build, tiny scale) that checks
//! the harness and the database invariants, not the timings; its report goes to
//! `target/bench-smoke/`.
//!
//! Each run starts its own PostgreSQL cluster, used by both the service and pgbench (the
//! ceiling), its own Redis, the service, and a minimal HTTP server (the HTTP ceiling for the
//! same bytes); all of them share the machine's cores with the load generator, as a real
//! measurement on one box must.

mod env;
mod load;
mod report;
mod scenarios;

use std::time::{Duration, Instant};

use anyhow::{Context, bail};

use env::{CpuSplit, Database, Hello, Scratch, Service};
use report::{Figures, Phase, Report};
use scenarios::Fixture;
use tessera::store::embedded::EmbeddedPostgres;
use tessera::store::pgbouncer::PgBouncer;

/// How big and long the run is.
#[derive(Clone, Copy)]
pub struct Scale {
    pub smoke: bool,
    pub spread_shows: usize,
    /// Rows of 50 seats in each of the 10 sections of the big venue (40: 20,000 seats).
    pub big_rows: usize,
    pub buyers: usize,
    pub clients: usize,
    pub hold_secs: u64,
    pub race_clients: usize,
    pub browse_secs: u64,
    pub background_holds_per_s: f64,
    pub live_streams: usize,
    pub live_secs: u64,
    pub live_holds_per_s: f64,
    pub pgbench_secs: u64,
}

const FULL: Scale = Scale {
    smoke: false,
    spread_shows: 1000,
    big_rows: 40,
    buyers: 1000,
    clients: 64,
    hold_secs: 20,
    race_clients: 1000,
    browse_secs: 10,
    background_holds_per_s: 20.0,
    live_streams: 1000,
    live_secs: 10,
    live_holds_per_s: 20.0,
    pgbench_secs: 20,
};

const SMOKE: Scale = Scale {
    smoke: true,
    spread_shows: 5,
    big_rows: 4,
    buyers: 150,
    clients: 4,
    hold_secs: 1,
    race_clients: 150,
    browse_secs: 1,
    background_holds_per_s: 10.0,
    live_streams: 20,
    live_secs: 1,
    live_holds_per_s: 10.0,
    pgbench_secs: 1,
};

fn main() -> anyhow::Result<()> {
    if let Ok(file) = std::env::var(env::HELLO_ENV) {
        return env::hello_main(&file);
    }
    // `cargo bench` passes --bench; `cargo test` runs this binary without it.
    let full = std::env::args().any(|a| a == "--bench");
    let scale = if full { FULL } else { SMOKE };
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?
        .block_on(run(scale))
}

fn say(what: &str) {
    eprintln!("[bench] {what}");
}

async fn run(scale: Scale) -> anyhow::Result<()> {
    let began = Instant::now();
    let scratch = Scratch::new()?;
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(usize::MAX)
        .timeout(Duration::from_secs(60))
        .build()?;

    say("starting PostgreSQL, Redis and the service");
    let db = Database::start(&scratch).await?;
    // BENCH_NO_REDIS=1 measures the single-instance default (in-process cache and bus).
    let redis = match std::env::var_os("BENCH_NO_REDIS") {
        Some(_) => None,
        None => env::start_redis(&scratch)?,
    };
    let pool_size: usize = std::env::var("BENCH_POOL_SIZE")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10);
    let redis_port = redis.as_ref().map(|r| r.1);
    let mut service = Service::start(&db.service_url(), redis_port, pool_size, &[])?;
    service.wait_ready(&http).await?;
    // A second instance on the same database that writes one request per transaction:
    // the write scenarios run on both, in this same run.
    let mut unbatched = Service::start(
        &db.service_url(),
        redis_port,
        pool_size,
        &[("HOLD_BATCHING", "off")],
    )?;
    unbatched.wait_ready(&http).await?;
    // A third instance, behind PgBouncer in transaction mode, for phase 7: started now, so
    // that its start-up is no part of the phase's CPU time.
    // As many server connections as the direct instance's pool: the same concurrency on
    // the database, with PgBouncer and unnamed statements in between.
    let bouncer = PgBouncer::start(
        &scratch.0.join("pgbouncer"),
        ("127.0.0.1", db.pg.port()),
        pool_size as u32,
    )
    .await?;
    let direct_url = db.service_url();
    let mut pooled = Service::start(
        &bouncer.url("tessera"),
        redis_port,
        pool_size,
        &[
            ("DATABASE_POOLER", "transaction"),
            ("DATABASE_MIGRATE_URL", &direct_url),
        ],
    )?;
    pooled.wait_ready(&http).await?;
    let rss_peak = env::watch_rss(service.pid());
    let sql = db.client("tessera").await?;

    say("creating venues, shows and buyers");
    let fixture = Fixture::create(
        http.clone(),
        service.base.clone(),
        &sql,
        scale.spread_shows,
        scale.big_rows,
        scale.buyers,
    )
    .await?;

    say("ceiling: PostgreSQL alone (pgbench, the shared hold and seat-map scripts)");
    db.prepare_ceiling(scale.spread_shows).await?;
    let ceiling_sql = db.client("ceiling").await?;
    let shows = ("shows", scale.spread_shows.to_string());
    let pg_hold = db.pgbench("book_random.sql", 64, scale.pgbench_secs, &[shows])?;
    let pg_holds: i64 = ceiling_sql
        .query_one("SELECT count(*) FROM bookings", &[])
        .await?
        .get(0);
    let pg_holds_per_s = pg_holds as f64 / scale.pgbench_secs as f64;
    let hot = ("hot", (scale.spread_shows + 1).to_string());
    let pg_map = db.pgbench("seat_map_hot.sql", 8, scale.pgbench_secs, &[hot])?;

    let clients = scale.clients;
    let hold_for = Duration::from_secs(scale.hold_secs);
    // Where the CPU went and what the service held in memory, phase by phase.
    let pid = service.pid();
    let pids = [pid, unbatched.pid(), pooled.pid()];
    let mut phases: Vec<Phase> = Vec::new();
    let mut mark = (Instant::now(), CpuSplit::now(&pids));
    // BENCH_PERF=1 records a CPU profile of the service per phase (perf, if installed) into
    // target/bench-perf/<phase>.data, for `perf report -i …`; BENCH_PERF=system profiles
    // every process (PostgreSQL's share too).
    let mut profiler = env::Profiler::start(pid, 0);
    let mut end_phase = |name: &'static str, phases: &mut Vec<Phase>| {
        if let Some(p) = profiler.take() {
            p.stop(name);
        }
        profiler = env::Profiler::start(pid, phases.len() + 1);
        let now = (Instant::now(), CpuSplit::now(&pids));
        phases.push(Phase {
            name,
            cores: now.1.cores_since(&mark.1, now.0 - mark.0),
            rss: env::rss_bytes(pid).unwrap_or(0),
        });
        mark = now;
    };
    // The spread shows in sixths: no scenario finds seats another one took.
    let sixth = fixture.spread.len().div_ceil(6);
    let spread_part = |i: usize| fixture.spread.chunks(sixth).nth(i).unwrap_or(&[]).to_vec();
    let one_by_one = fixture.through(&unbatched.base);
    say("1/7 spread sales (hold + confirm), batched");
    let spread = scenarios::holds(&fixture, spread_part(0), clients, hold_for, usize::MAX).await;
    end_phase("spread sales", &mut phases);
    say("    the same, one request per transaction");
    let spread_off =
        scenarios::holds(&one_by_one, spread_part(1), clients, hold_for, usize::MAX).await;
    end_phase("spread sales (batching off)", &mut phases);
    say("    spread holds, batched");
    let holds_on = scenarios::holds_only(&fixture, spread_part(2), clients, hold_for).await;
    end_phase("spread holds", &mut phases);
    say("    the same, one request per transaction");
    let holds_off = scenarios::holds_only(&one_by_one, spread_part(3), clients, hold_for).await;
    end_phase("spread holds (batching off)", &mut phases);
    // Batching gains with the number of buyers waiting (bigger batches at about the same
    // cost); one request per transaction does not.
    let many = clients * 4;
    say("    spread sales with four times the buyers, batched");
    let many_on = scenarios::holds(&fixture, spread_part(4), many, hold_for / 2, usize::MAX).await;
    end_phase("spread sales, 4x buyers", &mut phases);
    say("    the same, one request per transaction");
    let many_off =
        scenarios::holds(&one_by_one, spread_part(5), many, hold_for / 2, usize::MAX).await;
    end_phase("spread sales, 4x buyers (batching off)", &mut phases);
    say("2/7 flash sale, batched");
    let flash_seats = fixture.flash.seat_count();
    let flash = scenarios::holds(
        &fixture,
        vec![fixture.flash.clone()],
        clients,
        hold_for,
        flash_seats,
    )
    .await;
    end_phase("flash sale", &mut phases);
    say("    the same, one request per transaction");
    let flash_off = scenarios::holds(
        &one_by_one,
        vec![one_by_one.flash.clone()],
        clients,
        hold_for,
        flash_seats,
    )
    .await;
    end_phase("flash sale (batching off)", &mut phases);
    say("   the same sale on a standing floor of as many places");
    let floor = scenarios::floor(&fixture, clients, hold_for).await;
    end_phase("standing floor", &mut phases);
    say("3/7 race, batched");
    let race = scenarios::race(&fixture, scale.race_clients).await;
    end_phase("race", &mut phases);
    say("    the same, one request per transaction");
    let race_off = scenarios::race(&one_by_one, scale.race_clients).await;
    end_phase("race (batching off)", &mut phases);
    say("4/7 browse");
    let each = Duration::from_secs(scale.browse_secs);
    let browse = scenarios::browse(&fixture, clients, each, scale.background_holds_per_s).await?;
    end_phase("browse", &mut phases);
    say("   the show list during a sale");
    let list_sale = scenarios::list_during_sale(&fixture, clients / 2, clients / 2, each).await;
    end_phase("show list during a sale", &mut phases);
    say("   ceiling: the same bytes from a minimal HTTP server");
    let mut hello = Vec::new();
    // The big map too: at 270 KB a response, moving the bytes alone bounds its rate.
    for op in ["show list (100 shows)", "seat map 500", "seat map 20,000"] {
        let (bytes, encoding) = &browse.sample[op];
        let server = Hello::start(
            &scratch,
            &op.replace(' ', "-"),
            bytes,
            encoding.as_deref(),
            &http,
        )
        .await?;
        let (rate, _) = scenarios::hello_rate(&http, &server.base, clients, each).await;
        hello.push((op, rate));
    }
    end_phase("HTTP ceiling (service idle)", &mut phases);
    say("5/7 live");
    let live = scenarios::live(
        &fixture,
        scale.live_streams,
        Duration::from_secs(scale.live_secs),
        scale.live_holds_per_s,
    )
    .await?;
    end_phase("live", &mut phases);

    say("6/7 uncached seat-map reads: from the primary, then from a streaming replica");
    let replica = EmbeddedPostgres::start_replica(&db.pg, &scratch.0.join("replica")).await?;
    let uncached = [("CACHE_TTL_MS", "0")];
    let mut on_primary = Service::start(&db.service_url(), redis_port, pool_size, &uncached)?;
    let replica_url = replica.url();
    let mut on_replica = Service::start(
        &db.service_url(),
        redis_port,
        pool_size,
        &[uncached[0], ("DATABASE_READ_URL", &replica_url)],
    )?;
    on_primary.wait_ready(&http).await?;
    on_replica.wait_ready(&http).await?;
    let replica_run = scenarios::replica_reads(
        &fixture,
        &on_primary.base,
        &on_replica.base,
        clients / 2,
        each,
        scale.background_holds_per_s,
    )
    .await?;
    // The phase ends before its processes do: the CPU time of a process that is gone
    // (an instance, its database sessions) no longer counts.
    end_phase("uncached reads, primary and replica", &mut phases);
    drop(on_primary);
    drop(on_replica);
    replica.stop();

    say("7/7 sales through PgBouncer in transaction mode, then the same direct");
    let half = fixture.pooled.len().div_ceil(2);
    let mut pooled_parts = fixture.pooled.chunks(half).map(<[_]>::to_vec);
    let pooler_sales = scenarios::holds(
        &fixture.through(&pooled.base),
        pooled_parts.next().unwrap_or_default(),
        clients,
        hold_for / 2,
        usize::MAX,
    )
    .await;
    end_phase("sales through PgBouncer", &mut phases);
    let direct_sales = scenarios::holds(
        &fixture,
        pooled_parts.next().unwrap_or_default(),
        clients,
        hold_for / 2,
        usize::MAX,
    )
    .await;
    end_phase("the same sales direct", &mut phases);
    drop(pooled);
    drop(bouncer);

    say("checking the database");
    let invariants = report::check_invariants(&sql, &http, &fixture).await?;
    let sold = |show: i64| {
        let sql = &sql;
        async move {
            anyhow::Ok(
                sql.query_one(
                    "SELECT count(*) FROM seats WHERE show_id = $1 AND status = 'BOOKED'",
                    &[&show],
                )
                .await?
                .get::<_, i64>(0),
            )
        }
    };
    let race_sold_db = sold(fixture.race.id).await?;
    let race_off_sold_db = sold(fixture.race_off.id).await?;

    let figures = Figures {
        scale,
        pool_size,
        redis: redis.is_some(),
        pg_hold_tps: pg_hold.tps,
        pg_hold_latency_ms: pg_hold.latency_ms,
        pg_hold_failed: pg_hold.failed,
        pg_holds_per_s,
        pg_map_per_s: pg_map.tps,
        spread,
        spread_off,
        holds_on,
        holds_off,
        many_on,
        many_off,
        flash,
        flash_off,
        floor,
        race,
        race_sold_db,
        race_off,
        race_off_sold_db,
        race_seats: fixture.race.seat_count(),
        browse,
        list_sale,
        hello,
        live,
        replica: replica_run,
        pooler_sales,
        direct_sales,
        phases,
        rss_peak: rss_peak.load(std::sync::atomic::Ordering::Relaxed),
        rss_end: env::rss_bytes(service.pid()).unwrap_or(0),
        invariants,
        elapsed: began.elapsed(),
    };
    drop(service);
    drop(unbatched);
    let report = Report::new(&figures, &sql).await;
    let out = report.write(scale.smoke).context("writing the report")?;
    say(&format!("report: {}", out.display()));
    println!("{}", report.markdown);

    // Correctness holds in every run; timings are only reported.
    let problems = figures.problems();
    db.pg.stop();
    if !problems.is_empty() {
        bail!("the benchmark found problems:\n- {}", problems.join("\n- "));
    }
    Ok(())
}
