//! What a benchmark run stands on: a private PostgreSQL cluster (shared by the service and the
//! pgbench ceiling, so both measure the same server), a private Redis, the release `tessera`
//! binary, and the "hello" HTTP ceiling server. Everything is started here and stopped on drop.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use anyhow::{Context, bail};
use tessera::store::embedded::EmbeddedPostgres;

/// The token signing secret the benchmark gives the service, so it can mint buyers' tokens
/// itself instead of paying an argon2 login per simulated buyer.
pub const JWT_SECRET: &str = "benchmark-only-secret-benchmark-only-secret";
pub const ADMIN_EMAIL: &str = "admin@bench.local";
pub const ADMIN_PASSWORD: &str = "bench-admin-password";

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// A scratch directory removed on drop.
pub struct Scratch(pub PathBuf);

impl Scratch {
    pub fn new() -> anyhow::Result<Self> {
        let dir = std::env::temp_dir().join(format!("tessera-bench-{}", std::process::id()));
        std::fs::create_dir_all(&dir)?;
        // The embedded PostgreSQL runs as `postgres` when we are root: it must reach the dir.
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755))?;
        Ok(Self(dir))
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The private cluster plus the ceiling database loaded with the pgbench scripts' data.
pub struct Database {
    pub pg: EmbeddedPostgres,
}

impl Database {
    pub async fn start(scratch: &Scratch) -> anyhow::Result<Self> {
        let pg = EmbeddedPostgres::start(&scratch.0.join("pg")).await?;
        Ok(Self { pg })
    }

    pub fn service_url(&self) -> String {
        self.pg.url()
    }

    /// A PostgreSQL client tool: beside the server binaries in use, else on PATH.
    fn tool(&self, name: &str) -> PathBuf {
        let beside = self.pg.bin_dir().join(name);
        if beside.is_file() {
            return beside;
        }
        std::env::var_os("PATH")
            .and_then(|p| {
                std::env::split_paths(&p)
                    .map(|d| d.join(name))
                    .find(|f| f.is_file())
            })
            .unwrap_or_else(|| PathBuf::from(name))
    }

    fn pg_env(&self, cmd: &mut Command, db: &str) {
        cmd.env("PGHOST", "127.0.0.1")
            .env("PGPORT", self.pg.port().to_string())
            .env("PGUSER", "postgres")
            .env("PGDATABASE", db);
    }

    /// Runs an SQL script from `benches/ceiling/` against `db`, statement by statement (so
    /// VACUUM runs outside a transaction), with psql-style `:name` variables filled in.
    pub async fn sql_file(
        &self,
        db: &str,
        file: &str,
        vars: &[(&str, String)],
    ) -> anyhow::Result<()> {
        let mut text = std::fs::read_to_string(ceiling_dir().join(file))?;
        for (k, v) in vars {
            text = text.replace(&format!(":{k}"), v);
        }
        let client = self.client(db).await?;
        let body: String = text
            .lines()
            .filter(|l| !l.trim_start().starts_with("--"))
            .collect::<Vec<_>>()
            .join("\n");
        for statement in body.split(";\n").map(str::trim).filter(|s| !s.is_empty()) {
            client
                .batch_execute(statement)
                .await
                .with_context(|| format!("{file}: {statement}"))?;
        }
        Ok(())
    }

    pub async fn client(&self, db: &str) -> anyhow::Result<tokio_postgres::Client> {
        let url = format!("postgres://postgres@127.0.0.1:{}/{db}", self.pg.port());
        let (client, conn) = tokio_postgres::connect(&url, tokio_postgres::NoTls).await?;
        tokio::spawn(conn);
        Ok(client)
    }

    /// Creates and seeds the ceiling database (the pgbench scripts' own schema).
    pub async fn prepare_ceiling(&self, shows: usize) -> anyhow::Result<()> {
        let admin = self.client("postgres").await?;
        admin
            .batch_execute("DROP DATABASE IF EXISTS ceiling")
            .await?;
        admin.batch_execute("CREATE DATABASE ceiling").await?;
        self.sql_file("ceiling", "schema.sql", &[]).await?;
        self.sql_file("ceiling", "seed.sql", &[("shows", shows.to_string())])
            .await?;
        Ok(())
    }

    /// Runs pgbench on the ceiling database; returns (transactions/s, its raw output).
    pub fn pgbench(
        &self,
        script: &str,
        clients: usize,
        secs: u64,
        defines: &[(&str, String)],
    ) -> anyhow::Result<PgbenchRun> {
        let mut cmd = Command::new(self.tool("pgbench"));
        self.pg_env(&mut cmd, "ceiling");
        cmd.args([
            "-n",
            "-M",
            "prepared",
            "--max-tries=10",
            "--failures-detailed",
        ])
        .arg(format!("-c{clients}"))
        .arg(format!("-j{}", clients.min(2)))
        .arg(format!("-T{secs}"));
        for (k, v) in defines {
            cmd.arg("-D").arg(format!("{k}={v}"));
        }
        cmd.arg("-f").arg(ceiling_dir().join(script));
        let out = cmd.output().context("running pgbench")?;
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        if !out.status.success() {
            bail!(
                "pgbench {script}: {}\n{text}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        let grab = |prefix: &str| -> f64 {
            text.lines()
                .find_map(|l| l.trim().strip_prefix(prefix))
                .and_then(|rest| rest.split_whitespace().next())
                .and_then(|v| v.parse().ok())
                .unwrap_or(0.0)
        };
        Ok(PgbenchRun {
            tps: grab("tps = "),
            latency_ms: grab("latency average = "),
            failed: grab("number of failed transactions: ") as u64,
        })
    }
}

pub struct PgbenchRun {
    pub tps: f64,
    pub latency_ms: f64,
    pub failed: u64,
}

pub fn ceiling_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/ceiling")
}

/// A child process killed (and reaped) on drop.
pub struct Proc {
    pub child: Child,
    pub name: &'static str,
}

impl Drop for Proc {
    fn drop(&mut self) {
        // SIGTERM first so the service drains and stops cleanly.
        let pid = self.child.id() as i32;
        // SAFETY: kill has no memory-safety preconditions.
        unsafe { libc::kill(pid, libc::SIGTERM) };
        for _ in 0..100 {
            if matches!(self.child.try_wait(), Ok(Some(_))) {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        eprintln!("{} did not stop on SIGTERM; killing it", self.name);
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A private redis-server on a free port, or `None` when it is not installed (the service then
/// uses its in-process cache and bus, and the report says so).
pub fn start_redis(scratch: &Scratch) -> anyhow::Result<Option<(Proc, u16)>> {
    let port = free_port();
    let child = match Command::new("redis-server")
        .args(["--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
        .arg("--port")
        .arg(port.to_string())
        .arg("--dir")
        .arg(&scratch.0)
        .stdout(Stdio::null())
        .spawn()
    {
        Ok(child) => child,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(err) => return Err(err.into()),
    };
    Ok(Some((
        Proc {
            child,
            name: "redis-server",
        },
        port,
    )))
}

pub struct Service {
    pub proc: Proc,
    pub base: String,
}

impl Service {
    /// Starts the service on `database_url`, with `extra` environment variables.
    pub fn start(
        database_url: &str,
        redis: Option<u16>,
        pool_size: usize,
        extra: &[(&str, &str)],
    ) -> anyhow::Result<Self> {
        let port = free_port();
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_tessera"));
        cmd.arg("serve")
            .env("DATABASE_URL", database_url)
            .env("BIND_ADDR", format!("127.0.0.1:{port}"))
            .env("JWT_SECRET", JWT_SECRET)
            .env("ADMIN_EMAIL", ADMIN_EMAIL)
            .env("ADMIN_PASSWORD", ADMIN_PASSWORD)
            .env("DATABASE_POOL_SIZE", pool_size.to_string())
            .env("WEB_DIR", "/nonexistent")
            // All load comes from one address and a thousand buyers hammering on purpose:
            // the abuse limits are off, and the cap is far above what one buyer holds.
            .env("RATE_LIMIT_HOLDS_PER_USER", "0")
            .env("RATE_LIMIT_HOLDS_PER_IP", "0")
            .env("RATE_LIMIT_AUTH_PER_IP", "0")
            .env("RATE_LIMIT_AUTH_PER_ACCOUNT", "0")
            .env("RATE_LIMIT_AUTH_GLOBAL", "0")
            .env("RATE_LIMIT_READS_PER_IP", "0")
            .env("MAX_CONNECTIONS", "0")
            .env("MAX_EVENT_STREAMS", "0")
            .env("MAX_EVENT_STREAMS_PER_IP", "0")
            .env("MAX_HELD_SEATS", "1000")
            // No hold lapses during a run: the tens of thousands the "spread holds" phases
            // leave would otherwise expire two minutes later, in the middle of whatever
            // phase runs then, and weigh on its figures.
            .env("HOLD_TTL_SECONDS", "3600")
            // BENCH_LOG=<filter> shows the service's logs (e.g. `tessera::store=debug`).
            .env(
                "RUST_LOG",
                std::env::var("BENCH_LOG").unwrap_or_else(|_| "warn".into()),
            );
        if std::env::var_os("BENCH_LOG").is_none() {
            cmd.stdout(Stdio::null());
        }
        cmd.envs(extra.iter().copied());
        match redis {
            Some(port) => cmd.env("REDIS_URL", format!("redis://127.0.0.1:{port}")),
            None => cmd.env_remove("REDIS_URL"),
        };
        let child = cmd.spawn().context("starting tessera")?;
        Ok(Self {
            proc: Proc {
                child,
                name: "tessera",
            },
            base: format!("http://127.0.0.1:{port}"),
        })
    }

    pub async fn wait_ready(&mut self, http: &reqwest::Client) -> anyhow::Result<()> {
        for _ in 0..600 {
            if let Some(status) = self.proc.child.try_wait()? {
                bail!("tessera exited during start-up: {status}");
            }
            if let Ok(r) = http.get(format!("{}/ready", self.base)).send().await
                && r.status().is_success()
            {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        bail!("tessera was not ready after 60 s")
    }

    pub fn pid(&self) -> u32 {
        self.proc.child.id()
    }
}

/// Resident set size of a process, in bytes.
pub fn rss_bytes(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let kb: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))?
        .split_whitespace()
        .next()?
        .parse()
        .ok()?;
    Some(kb * 1024)
}

/// Samples a process's RSS every 100 ms and keeps the peak.
pub fn watch_rss(pid: u32) -> Arc<AtomicU64> {
    let peak = Arc::new(AtomicU64::new(0));
    let p = peak.clone();
    tokio::spawn(async move {
        while let Some(rss) = rss_bytes(pid) {
            p.fetch_max(rss, Ordering::Relaxed);
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    });
    peak
}

/// The HTTP ceiling: a minimal poem server (the same shape as the shared http-hello server)
/// that answers every request with fixed bytes. It runs as a child process of the benchmark
/// binary (see `hello_main`), so it competes for the cores exactly like the service does.
pub struct Hello {
    pub _proc: Proc,
    pub base: String,
}

pub const HELLO_ENV: &str = "TESSERA_BENCH_HELLO";

impl Hello {
    /// Serves `body` with `content_encoding` (if any) at `/`.
    pub async fn start(
        scratch: &Scratch,
        name: &str,
        body: &[u8],
        content_encoding: Option<&str>,
        http: &reqwest::Client,
    ) -> anyhow::Result<Self> {
        let file = scratch.0.join(format!("hello-{name}"));
        std::fs::write(&file, body)?;
        let port = free_port();
        let child = Command::new(std::env::current_exe()?)
            .env(HELLO_ENV, &file)
            .env("HELLO_ADDR", format!("127.0.0.1:{port}"))
            .env("HELLO_ENCODING", content_encoding.unwrap_or(""))
            .stdout(Stdio::null())
            .spawn()?;
        let base = format!("http://127.0.0.1:{port}");
        for _ in 0..200 {
            if http.get(&base).send().await.is_ok() {
                return Ok(Self {
                    _proc: Proc {
                        child,
                        name: "hello",
                    },
                    base,
                });
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        bail!("the hello server did not start")
    }
}

/// Entry point of the hello child process.
pub fn hello_main(file: &str) -> anyhow::Result<()> {
    use poem::http::header;
    use poem::{Response, Route, Server, endpoint::make_sync, listener::TcpListener};
    let body = bytes::Bytes::from(std::fs::read(file)?);
    let encoding = std::env::var("HELLO_ENCODING").unwrap_or_default();
    let addr = std::env::var("HELLO_ADDR")?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(async move {
        let app = Route::new().at(
            "/",
            make_sync(move |_| {
                let mut r = Response::builder().header(header::CONTENT_TYPE, "application/json");
                if !encoding.is_empty() {
                    r = r.header(header::CONTENT_ENCODING, encoding.as_str());
                }
                r.body(body.clone())
            }),
        );
        Server::new(TcpListener::bind(addr)).run(app).await
    })?;
    Ok(())
}

/// CPU time (seconds) used so far by the processes of a run, by kind: the service, PostgreSQL
/// (every server process), Redis, and this load generator. Read from /proc; a process that
/// exited in between is not counted.
#[derive(Clone, Copy, Default)]
pub struct CpuSplit {
    pub service: f64,
    pub postgres: f64,
    pub redis: f64,
    pub load: f64,
    /// Every process on the machine (from /proc/stat): what is left over is other work
    /// sharing the machine, or processes that came and went (pgbench backends, hello).
    pub machine: f64,
}

impl CpuSplit {
    /// `service_pids`: the service instances of the run (counted together).
    pub fn now(service_pids: &[u32]) -> Self {
        let hz = 100.0; // USER_HZ on Linux
        let me = std::process::id();
        let mut split = Self::default();
        let Ok(dir) = std::fs::read_dir("/proc") else {
            return split;
        };
        for entry in dir.flatten() {
            let Some(pid) = entry
                .file_name()
                .to_str()
                .and_then(|n| n.parse::<u32>().ok())
            else {
                continue;
            };
            let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
                continue;
            };
            // comm is in parentheses and may hold spaces: split after the last ')'.
            let Some((head, rest)) = stat.rsplit_once(')') else {
                continue;
            };
            let comm = head.split_once('(').map_or("", |(_, c)| c);
            let fields: Vec<&str> = rest.split_whitespace().collect();
            let ticks = |i: usize| {
                fields
                    .get(i)
                    .and_then(|v| v.parse::<f64>().ok())
                    .unwrap_or(0.0)
            };
            // utime, stime are fields 14 and 15 of stat: 11 and 12 after the comm.
            let secs = (ticks(11) + ticks(12)) / hz;
            if service_pids.contains(&pid) {
                split.service += secs;
            } else if pid == me {
                split.load += secs;
            } else if comm == "postgres" || comm == "postmaster" {
                split.postgres += secs;
            } else if comm.starts_with("redis-server") {
                split.redis += secs;
            }
        }
        split
    }

    /// Cores used by each kind between `before` and now, over `wall`.
    pub fn cores_since(&self, before: &CpuSplit, wall: Duration) -> CpuSplit {
        let w = wall.as_secs_f64().max(1e-9);
        CpuSplit {
            service: (self.service - before.service) / w,
            postgres: (self.postgres - before.postgres).max(0.0) / w,
            redis: (self.redis - before.redis) / w,
            load: (self.load - before.load) / w,
            machine: (self.machine - before.machine) / w,
        }
    }
}

/// `perf record` of the service (or, with BENCH_PERF=system, the whole machine) for one
/// phase, when BENCH_PERF is set.
pub struct Profiler {
    child: Child,
    file: PathBuf,
}

impl Profiler {
    pub fn start(pid: u32, n: usize) -> Option<Self> {
        // BENCH_PERF=system records every process (the database's share too), else only
        // the service.
        let whom = match std::env::var("BENCH_PERF").ok()?.as_str() {
            "system" => "-a".to_owned(),
            _ => format!("--pid={pid}"),
        };
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench-perf");
        std::fs::create_dir_all(&dir).ok()?;
        let file = dir.join(format!("{n}.data"));
        let child = Command::new("perf")
            .args(["record", "-F", "499", "-g", &whom, "-o"])
            .arg(&file)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .ok()?;
        Some(Self { child, file })
    }

    /// Stops recording and names the file after the phase.
    pub fn stop(mut self, phase: &str) {
        // SAFETY: kill has no memory-safety preconditions.
        unsafe { libc::kill(self.child.id() as i32, libc::SIGINT) };
        let _ = self.child.wait();
        let named = self
            .file
            .with_file_name(format!("{}.data", phase.replace([' ', '(', ')'], "_")));
        let _ = std::fs::rename(&self.file, named);
    }
}
