//! A private PgBouncer in transaction mode in front of a PostgreSQL server, started from
//! the installed `pgbouncer` binary: for the tests and the benchmark of
//! `DATABASE_POOLER=transaction` (the operations guide shows a production configuration).

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, bail};

/// A running PgBouncer, stopped when dropped.
#[derive(Debug)]
pub struct PgBouncer {
    dir: PathBuf,
    port: u16,
}

impl PgBouncer {
    /// Starts PgBouncer on a free loopback port in `dir`, pooling the databases of the
    /// server at `server` (host and port; trust authentication, user `postgres`) in
    /// transaction mode, with at most `server_connections` server connections per database.
    pub async fn start(
        dir: &Path,
        server: (&str, u16),
        server_connections: u32,
    ) -> anyhow::Result<Self> {
        let binary = [
            "/usr/sbin/pgbouncer",
            "/usr/bin/pgbouncer",
            "/usr/local/bin/pgbouncer",
        ]
        .into_iter()
        .find(|p| Path::new(p).exists())
        .context("pgbouncer is missing: install it (`apt-get install pgbouncer`)")?;
        std::fs::create_dir_all(dir)?;
        let dir = dir.canonicalize()?;
        let port = super::embedded::free_port()?;
        let ini = dir.join("pgbouncer.ini");
        std::fs::write(dir.join("users.txt"), "\"postgres\" \"\"\n")?;
        std::fs::write(
            &ini,
            format!(
                "[databases]\n\
                 * = host={host} port={server_port}\n\
                 [pgbouncer]\n\
                 listen_addr = 127.0.0.1\n\
                 listen_port = {port}\n\
                 unix_socket_dir =\n\
                 auth_type = trust\n\
                 auth_file = {users}\n\
                 pool_mode = transaction\n\
                 default_pool_size = {server_connections}\n\
                 max_db_connections = {server_connections}\n\
                 max_client_conn = 2000\n\
                 logfile = {log}\n\
                 pidfile = {pid}\n",
                host = server.0,
                server_port = server.1,
                users = dir.join("users.txt").display(),
                log = dir.join("pgbouncer.log").display(),
                pid = dir.join("pgbouncer.pid").display(),
            ),
        )?;
        // PgBouncer refuses to run as root.
        let mut command = if super::embedded::is_root() {
            let status = Command::new("chown")
                .args(["-R", "postgres:"])
                .arg(&dir)
                .status()?;
            if !status.success() {
                bail!("could not give {} to the `postgres` user", dir.display());
            }
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--", binary]);
            c
        } else {
            Command::new(binary)
        };
        let output = command.arg("-d").arg(&ini).output()?;
        if !output.status.success() {
            bail!(
                "pgbouncer failed to start: {}{}",
                String::from_utf8_lossy(&output.stdout).trim(),
                String::from_utf8_lossy(&output.stderr).trim()
            );
        }
        let bouncer = Self { dir, port };
        // Daemonised: it listens once its pid file is written and the port answers.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_err()
        {
            if std::time::Instant::now() > deadline {
                bail!(
                    "pgbouncer did not listen (its log: {})",
                    bouncer.log().display()
                );
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        Ok(bouncer)
    }

    /// The URL of `database` through this PgBouncer.
    pub fn url(&self, database: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{database}", self.port)
    }

    /// PgBouncer's log file.
    pub fn log(&self) -> PathBuf {
        self.dir.join("pgbouncer.log")
    }
}

impl Drop for PgBouncer {
    fn drop(&mut self) {
        if let Ok(pid) = std::fs::read_to_string(self.dir.join("pgbouncer.pid")) {
            let _ = Command::new("kill").args(["-TERM", pid.trim()]).status();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
