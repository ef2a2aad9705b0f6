//! The embedded default: a private PostgreSQL cluster started from the server binaries
//! installed on the machine, for running Tessera (and its tests) with no configuration.
//!
//! The cluster lives in a local data directory, listens on a free loopback port, and is
//! stopped again by [`EmbeddedPostgres::stop`]. PostgreSQL refuses to run as root, so when
//! Tessera runs as root the server commands run as the `postgres` system user.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, bail};

/// A running private cluster.
#[derive(Debug)]
pub struct EmbeddedPostgres {
    bin_dir: PathBuf,
    data_dir: PathBuf,
    port: u16,
    /// `Some("postgres")` when server commands must run as another user.
    run_as: Option<String>,
    /// False when we found the cluster already running (left by an earlier process) and
    /// so must not stop it.
    started_here: bool,
}

const DATABASE: &str = "tessera";

impl EmbeddedPostgres {
    /// Initialises (first time) and starts a cluster in `data_dir`.
    pub async fn start(data_dir: &Path) -> anyhow::Result<Self> {
        let bin_dir = find_server_binaries().context(
            "no DATABASE_URL is set and no PostgreSQL server binaries (initdb, pg_ctl) were found \
             on PATH or in /usr/lib/postgresql/*/bin. Install PostgreSQL (for example \
             `apt-get install postgresql`) or set DATABASE_URL to an existing database.",
        )?;
        let run_as = is_root().then(|| "postgres".to_owned());
        std::fs::create_dir_all(data_dir)
            .with_context(|| format!("creating the data directory {}", data_dir.display()))?;
        let data_dir = data_dir.canonicalize()?;
        let mut pg = Self {
            bin_dir,
            data_dir,
            port: 0,
            run_as,
            started_here: false,
        };
        if let Some(user) = &pg.run_as {
            let status = Command::new("chown")
                .arg("-R")
                .arg(format!("{user}:"))
                .arg(&pg.data_dir)
                .status()
                .context("running chown")?;
            if !status.success() {
                bail!(
                    "running as root: could not give {} to the `{user}` user (does it exist?)",
                    pg.data_dir.display()
                );
            }
        }
        if !pg.data_dir.join("PG_VERSION").exists() {
            tracing::info!(data_dir = %pg.data_dir.display(), "initialising a private PostgreSQL cluster");
            pg.run(
                "initdb",
                &[
                    "-D",
                    path_str(&pg.data_dir)?,
                    "--auth=trust",
                    "-U",
                    "postgres",
                    "-E",
                    "UTF8",
                    "--locale=C",
                    "--no-instructions",
                ],
            )?;
        }
        if let Some(port) = pg.running_port() {
            tracing::info!(
                port,
                "reusing the private PostgreSQL cluster that is already running"
            );
            pg.port = port;
        } else {
            pg.port = free_port()?;
            pg.launch()?;
            tracing::info!(port = pg.port, "started a private PostgreSQL cluster");
        }
        pg.create_database().await?;
        Ok(pg)
    }

    /// Starts a streaming replica of `primary` in `data_dir` (empty or absent): a base
    /// backup that follows the primary's WAL (`pg_basebackup -R`), on a port of its own,
    /// serving reads (hot standby). For tests and trials of read replicas.
    pub async fn start_replica(primary: &Self, data_dir: &Path) -> anyhow::Result<Self> {
        std::fs::create_dir_all(data_dir)
            .with_context(|| format!("creating the data directory {}", data_dir.display()))?;
        let data_dir = data_dir.canonicalize()?;
        // PostgreSQL starts only on a data directory no one else may read.
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&data_dir, std::fs::Permissions::from_mode(0o700))?;
        }
        let mut replica = Self {
            bin_dir: primary.bin_dir.clone(),
            data_dir,
            port: 0,
            run_as: primary.run_as.clone(),
            started_here: false,
        };
        if let Some(user) = &replica.run_as {
            let status = Command::new("chown")
                .arg(format!("{user}:"))
                .arg(&replica.data_dir)
                .status()
                .context("running chown")?;
            if !status.success() {
                bail!("could not give {} to `{user}`", replica.data_dir.display());
            }
        }
        let port = primary.port.to_string();
        replica.run(
            "pg_basebackup",
            &[
                "-h",
                "127.0.0.1",
                "-p",
                &port,
                "-U",
                "postgres",
                "-D",
                path_str(&replica.data_dir)?,
                "-R",
                "-X",
                "stream",
                "-c",
                "fast",
            ],
        )?;
        // The primary's pid file and log came with the copy; neither is the replica's.
        let _ = std::fs::remove_file(replica.data_dir.join("postmaster.pid"));
        replica.port = free_port()?;
        replica.launch()?;
        Ok(replica)
    }

    /// Kills the server and every process of it with SIGKILL, as the loss of its machine
    /// would: nothing is flushed or said to clients.
    pub fn kill(&self) -> anyhow::Result<()> {
        let pid_file = std::fs::read_to_string(self.data_dir.join("postmaster.pid"))
            .context("reading postmaster.pid")?;
        let pid = pid_file
            .lines()
            .next()
            .unwrap_or_default()
            .trim()
            .to_owned();
        // Its children first (the postmaster would otherwise be gone before they are
        // listed), then the postmaster.
        let _ = Command::new("pkill").args(["-KILL", "-P", &pid]).status();
        let status = Command::new("kill").args(["-KILL", &pid]).status()?;
        if !status.success() {
            bail!("could not kill the server (pid {pid})");
        }
        Ok(())
    }

    /// Makes a replica the primary (`pg_ctl promote`), as a failover manager does.
    pub fn promote(&self) -> anyhow::Result<()> {
        let data_dir = self.data_dir.to_string_lossy().into_owned();
        self.run("pg_ctl", &["-D", &data_dir, "-w", "promote"])
    }

    /// Starts the server on the cluster's port (first start, or again after [`Self::stop`]).
    pub fn launch(&mut self) -> anyhow::Result<()> {
        let log = self.data_dir.join("server.log");
        let options = format!(
            "-p {} -c listen_addresses=127.0.0.1 -c unix_socket_directories='' -c max_connections=200 \
             -c max_pred_locks_per_transaction=512 -c max_pred_locks_per_relation=-1 \
             -c max_pred_locks_per_page=8",
            self.port
        );
        self.run(
            "pg_ctl",
            &[
                "-D",
                path_str(&self.data_dir)?,
                "-l",
                path_str(&log)?,
                "-o",
                &options,
                "-w",
                "-t",
                "60",
                "start",
            ],
        )
        .with_context(|| format!("starting PostgreSQL (its log: {})", log.display()))?;
        self.started_here = true;
        Ok(())
    }

    /// URL of the service's database in this cluster.
    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{DATABASE}", self.port)
    }

    /// The directory of the server binaries in use (psql and pgbench live beside them).
    pub fn bin_dir(&self) -> &Path {
        &self.bin_dir
    }

    /// The port the cluster listens on (127.0.0.1).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// URL of the cluster's maintenance database (for creating others).
    pub fn admin_url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    /// Stops the cluster if this process started it.
    pub fn stop(&self) {
        if !self.started_here {
            return;
        }
        let data_dir = self.data_dir.to_string_lossy().into_owned();
        match self.run("pg_ctl", &["-D", &data_dir, "-m", "fast", "-w", "stop"]) {
            Ok(()) => tracing::info!("stopped the private PostgreSQL cluster"),
            Err(err) => {
                tracing::warn!(error = %err, "could not stop the private PostgreSQL cluster")
            }
        }
    }

    async fn create_database(&self) -> anyhow::Result<()> {
        let (client, connection) =
            tokio_postgres::connect(&self.admin_url(), tokio_postgres::NoTls)
                .await
                .context("connecting to the private PostgreSQL cluster")?;
        let task = tokio::spawn(connection);
        let exists = client
            .query_opt("SELECT 1 FROM pg_database WHERE datname = $1", &[&DATABASE])
            .await?
            .is_some();
        if !exists {
            client
                .batch_execute(&format!("CREATE DATABASE {DATABASE}"))
                .await
                .context("creating the tessera database")?;
        }
        drop(client);
        let _ = task.await;
        Ok(())
    }

    /// The port of a server already running on this data directory, if any
    /// (line 4 of postmaster.pid, when `pg_ctl status` says it is alive).
    fn running_port(&self) -> Option<u16> {
        let data_dir = self.data_dir.to_string_lossy().into_owned();
        self.run("pg_ctl", &["-D", &data_dir, "status"]).ok()?;
        let pid_file = std::fs::read_to_string(self.data_dir.join("postmaster.pid")).ok()?;
        pid_file.lines().nth(3)?.trim().parse().ok()
    }

    fn run(&self, program: &str, args: &[&str]) -> anyhow::Result<()> {
        let binary = self.bin_dir.join(program);
        let mut command = match &self.run_as {
            Some(user) => {
                let mut c = Command::new("runuser");
                c.arg("-u").arg(user).arg("--").arg(&binary);
                c
            }
            None => Command::new(&binary),
        };
        let output = command
            .args(args)
            .current_dir(&self.data_dir)
            .output()
            .with_context(|| format!("running {}", binary.display()))?;
        if !output.status.success() {
            bail!(
                "{program} failed ({}): {}{}",
                output.status,
                String::from_utf8_lossy(&output.stdout).trim(),
                String::from_utf8_lossy(&output.stderr).trim()
            );
        }
        Ok(())
    }
}

/// The directory holding `initdb` and `pg_ctl`: PATH first, then the newest
/// `/usr/lib/postgresql/<version>/bin` (Debian's layout).
pub fn find_server_binaries() -> Option<PathBuf> {
    let has_both = |dir: &Path| dir.join("initdb").is_file() && dir.join("pg_ctl").is_file();
    if let Some(path) = std::env::var_os("PATH")
        && let Some(dir) = std::env::split_paths(&path).find(|d| has_both(d))
    {
        // Where `initdb` really lives (PATH may hold only links to it): the other server
        // programs (pg_basebackup, psql, pgbench) are beside it.
        return Some(
            dir.join("initdb")
                .canonicalize()
                .ok()
                .and_then(|real| real.parent().map(Path::to_path_buf))
                .filter(|real| has_both(real))
                .unwrap_or(dir),
        );
    }
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|entry| {
            let entry = entry.ok()?;
            let version = entry.file_name().to_str()?.parse().ok()?;
            let bin = entry.path().join("bin");
            has_both(&bin).then_some((version, bin))
        })
        .collect();
    versions.sort();
    versions.pop().map(|(_, bin)| bin)
}

pub(super) fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() == 0 }
}

pub(super) fn free_port() -> anyhow::Result<u16> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    Ok(listener.local_addr()?.port())
}

fn path_str(path: &Path) -> anyhow::Result<&str> {
    path.to_str()
        .with_context(|| format!("path is not UTF-8: {}", path.display()))
}
