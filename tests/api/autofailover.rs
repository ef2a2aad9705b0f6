//! A highly available PostgreSQL for fault tests: pg_auto_failover (a monitor, a primary
//! and a synchronous secondary), started from the installed binaries as the `postgres`
//! user, with health checks tuned so that a lost primary is replaced within seconds.

use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::helpers::{eventually, free_port};

/// A formation of pg_auto_failover: everything is killed and removed when dropped.
pub struct AutoFailover {
    dir: PathBuf,
    monitor_port: u16,
    pub ports: [u16; 2],
    /// Each `pg_autoctl` (monitor, node1, node2), the leader of its process group.
    groups: std::sync::Mutex<Vec<(String, std::process::Child)>>,
}

async fn connect(url: &str) -> Option<tokio_postgres::Client> {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .ok()?;
    tokio::spawn(connection);
    Some(client)
}

impl AutoFailover {
    /// Starts a monitor, then a primary and a secondary, and waits until the secondary is
    /// synchronous.
    pub async fn start() -> Self {
        let pg_autoctl = ["/usr/bin/pg_autoctl", "/usr/local/bin/pg_autoctl"]
            .into_iter()
            .find(|p| std::path::Path::new(p).exists())
            .expect(
                "pg_autoctl is missing: install pg_auto_failover \
                 (`apt-get install postgresql-15-auto-failover`)",
            );
        let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
            .join(format!("autofailover-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).unwrap();
        let formation = Self {
            dir: dir.clone(),
            monitor_port: free_port(),
            ports: [free_port(), free_port()],
            groups: std::sync::Mutex::new(Vec::new()),
        };
        let status = Command::new("chown")
            .args(["-R", "postgres:"])
            .arg(&dir)
            .status()
            .unwrap();
        assert!(status.success());
        let bin = tessera::store::embedded::find_server_binaries().expect("PostgreSQL binaries");
        let path = format!(
            "{}:{}",
            bin.display(),
            std::env::var("PATH").unwrap_or_default()
        );
        let run = |name: &str, args: &[String]| {
            let log = std::fs::File::create(dir.join(format!("{name}.log"))).unwrap();
            let child = Command::new("runuser")
                .args(["-u", "postgres", "--", "env"])
                .arg(format!("PATH={path}"))
                // Its configuration and state stay in the test's directory.
                .arg(format!("XDG_CONFIG_HOME={}", dir.join("config").display()))
                .arg(format!("XDG_DATA_HOME={}", dir.join("data").display()))
                .arg(pg_autoctl)
                .args(args)
                .stdout(Stdio::from(log.try_clone().unwrap()))
                .stderr(Stdio::from(log))
                // A group of its own, to be killed whole.
                .process_group(0)
                .spawn()
                .unwrap();
            formation
                .groups
                .lock()
                .unwrap()
                .push((name.to_owned(), child));
        };
        let common = |pgdata: &str, port: u16| -> Vec<String> {
            [
                "--pgdata",
                &dir.join(pgdata).display().to_string(),
                "--pgport",
                &port.to_string(),
                "--hostname",
                "127.0.0.1",
                "--auth",
                "trust",
                "--no-ssl",
                "--run",
            ]
            .map(str::to_owned)
            .to_vec()
        };
        let mut args = vec!["create".to_owned(), "monitor".to_owned()];
        args.extend(common("monitor", formation.monitor_port));
        run("monitor", &args);
        let monitor = formation.monitor_url();
        let admin = eventually(Duration::from_secs(60), "the monitor to start", || async {
            let client = connect(&monitor).await?;
            client
                .query_opt(
                    "SELECT 1 FROM pg_extension WHERE extname = 'pgautofailover'",
                    &[],
                )
                .await
                .ok()??;
            Some(client)
        })
        .await;
        // A lost node is noticed within about two seconds, and a promoted one takes writes
        // three seconds later (the wait that keeps a lost primary from coming back as a
        // second one).
        for setting in [
            "pgautofailover.health_check_period = 1000",
            "pgautofailover.health_check_timeout = 1000",
            "pgautofailover.health_check_max_retries = 1",
            "pgautofailover.health_check_retry_delay = 500",
            "pgautofailover.node_considered_unhealthy_timeout = 2000",
            "pgautofailover.primary_demote_timeout = 3000",
        ] {
            admin
                .batch_execute(&format!("ALTER SYSTEM SET {setting}"))
                .await
                .unwrap();
        }
        admin
            .batch_execute("SELECT pg_reload_conf()")
            .await
            .unwrap();
        let monitor_for_nodes = format!(
            "postgres://autoctl_node@127.0.0.1:{}/pg_auto_failover?sslmode=disable",
            formation.monitor_port
        );
        for (i, port) in formation.ports.into_iter().enumerate() {
            let mut args = vec!["create".to_owned(), "postgres".to_owned()];
            args.extend(common(&format!("node{}", i + 1), port));
            args.extend(
                ["--dbname", "tessera", "--monitor", &monitor_for_nodes].map(str::to_owned),
            );
            run(&format!("node{}", i + 1), &args);
            let want = if i == 0 {
                "'wait_primary', 'single'"
            } else {
                "'secondary'"
            };
            let first = format!(
                "postgres://postgres@127.0.0.1:{}/tessera",
                formation.ports[0]
            );
            eventually(Duration::from_secs(90), "a node to join", || async {
                // A new secondary's base backup waits for a checkpoint of the primary.
                if i == 1
                    && let Some(primary) = connect(&first).await
                {
                    let _ = primary.batch_execute("CHECKPOINT").await;
                }
                admin
                    .query_opt(
                        &format!(
                            "SELECT 1 FROM pgautofailover.node WHERE nodeport = $1 \
                             AND reportedstate IN ({want}) AND goalstate = reportedstate"
                        ),
                        &[&i32::from(port)],
                    )
                    .await
                    .ok()?
                    .map(|_| ())
            })
            .await;
        }
        eventually(
            Duration::from_secs(60),
            "a primary and a secondary",
            || async {
                let rows = admin
                    .query(
                        "SELECT reportedstate::text FROM pgautofailover.node \
                     WHERE reportedstate = goalstate ORDER BY nodeport",
                        &[],
                    )
                    .await
                    .ok()?;
                let mut states: Vec<String> = rows.iter().map(|r| r.get(0)).collect();
                states.sort();
                (states == ["primary", "secondary"]).then_some(())
            },
        )
        .await;
        formation
    }

    fn monitor_url(&self) -> String {
        format!(
            "postgres://postgres@127.0.0.1:{}/pg_auto_failover",
            self.monitor_port
        )
    }

    /// The service's URL: both nodes, writes to whichever is the primary.
    pub fn url(&self) -> String {
        format!(
            "postgres://postgres@127.0.0.1:{},127.0.0.1:{}/tessera?target_session_attrs=read-write",
            self.ports[0], self.ports[1]
        )
    }

    /// The port of the node the monitor has as primary (and which says it is: a lost
    /// node's last report stays `primary`); none while a failover is under way.
    pub async fn primary_port(&self) -> Option<u16> {
        let admin = connect(&self.monitor_url()).await?;
        let row = admin
            .query_opt(
                "SELECT nodeport FROM pgautofailover.node \
                 WHERE goalstate IN ('primary', 'wait_primary') AND reportedstate = goalstate",
                &[],
            )
            .await
            .ok()??;
        Some(row.get::<_, i32>(0) as u16)
    }

    /// Kills a node's keeper and its PostgreSQL with SIGKILL, as the loss of its machine.
    pub fn kill_node(&self, port: u16) {
        let node = if port == self.ports[0] {
            "node1"
        } else {
            "node2"
        };
        assert!(self.kill(node), "{node} was not running");
    }

    /// Kills `name`'s `pg_autoctl` and its PostgreSQL with SIGKILL. The keeper's process
    /// group is stopped first (it would restart PostgreSQL), then PostgreSQL's processes
    /// (each child is a session of its own) and the postmaster, then the group. True when
    /// its PostgreSQL was running.
    fn kill(&self, name: &str) -> bool {
        let group = self
            .groups
            .lock()
            .unwrap()
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, child)| format!("-{}", child.id()));
        let signal_group = |signal: &str| {
            if let Some(group) = &group {
                let _ = Command::new("kill")
                    .args([signal, "--", group])
                    .stderr(Stdio::null())
                    .status();
            }
        };
        signal_group("-STOP");
        let killed = std::fs::read_to_string(self.dir.join(name).join("postmaster.pid"))
            .ok()
            .and_then(|pid_file| {
                let pid = pid_file.lines().next()?.trim().to_owned();
                let _ = Command::new("pkill").args(["-KILL", "-P", &pid]).status();
                let status = Command::new("kill")
                    .args(["-KILL", &pid])
                    .stderr(Stdio::null())
                    .status()
                    .ok()?;
                Some(status.success())
            })
            .unwrap_or(false);
        signal_group("-KILL");
        killed
    }
}

impl Drop for AutoFailover {
    fn drop(&mut self) {
        for name in ["node1", "node2", "monitor"] {
            self.kill(name);
        }
        for (_, child) in self.groups.lock().unwrap().iter_mut() {
            let _ = child.wait();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
