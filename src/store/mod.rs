//! PostgreSQL: the pool, error classification, and the SERIALIZABLE retry loop.
//!
//! Every write that touches seats runs through [`Db::serializable`], which retries
//! serialization failures and deadlocks with bounded, jittered back-off, so clients never
//! see them. Reads use plain READ COMMITTED statements: they take no predicate locks, so
//! a seat map read can never make a hold fail.

pub mod bookings;
pub mod embedded;
pub mod layouts;
pub mod migrate;
pub mod outbox;
mod params;
pub mod pgbouncer;
mod replicas;
pub mod settings;
pub mod shows;
pub mod sql;
pub mod tx;
pub mod users;

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod, Runtime, Timeouts};
use rand::Rng;
pub use replicas::ReplicaSettings;
pub use sql::{Conn, Pooler};
use tokio_postgres::NoTls;
use tokio_postgres::config::SslMode;
use tokio_postgres::error::SqlState;
use tracing::Instrument;
pub use tx::Tx;

use crate::domain::{Code, Error, Result};

/// How long, and how often at most, a conflicting transaction is tried again before the
/// request gets a 503. Conflicts are normal under a flash sale (holds on one seat row
/// queue on its counter) and clients must not see them, so the budget is time rather than
/// a small count: on a busy machine a dozen attempts can all meet a conflict within a few
/// milliseconds of each other.
const RETRY_FOR: std::time::Duration = std::time::Duration::from_secs(3);
const MAX_ATTEMPTS: u32 = 100;

/// Pool and connection settings.
#[derive(Debug, Clone)]
pub struct PoolSettings {
    pub url: String,
    /// Connections for writes (and the reads inside them).
    pub max_size: usize,
    /// Connections for plain reads (show lists, seat maps, booking history): a budget of
    /// their own, so a flood of reads can never take the connections holds need.
    pub read_max_size: usize,
    /// How long a request waits for a free connection, and the statement timeout.
    pub timeout: Duration,
    /// What `url` reaches: PostgreSQL itself, or a pooler in transaction mode.
    pub pooler: Pooler,
}

/// A handle to the database; cheap to clone.
#[derive(Clone)]
pub struct Db {
    pool: Pool,
    reads: Pool,
    /// Where holds, confirms and cancels are gathered into shared transactions; `None`:
    /// each is a transaction of its own (`HOLD_BATCHING=off`, and every handle a batch
    /// itself runs on).
    batches: Option<std::sync::Arc<bookings::Batches>>,
    /// Streaming replicas for plain reads (`DATABASE_READ_URL`), if any.
    replicas: Option<std::sync::Arc<replicas::Replicas>>,
    /// For a handle made by [`Db::at_lsn`]: the WAL position a replica must have replayed
    /// to serve this handle's plain reads (else the primary serves them).
    read_lsn: Option<u64>,
    /// How statements are sent on every connection, the replicas' included.
    session: sql::Session,
}

/// A transaction body: given the transaction and a borrowed context, a future that may
/// be run several times (once per attempt).
pub type TxFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T>> + Send + 'a>>;

impl Db {
    /// Builds the pool. Connections are made lazily; see [`Db::ping`] to check reachability.
    pub fn connect(settings: &PoolSettings) -> anyhow::Result<Self> {
        let sizes = [settings.max_size, settings.read_max_size.max(1)];
        let session = session(settings.pooler, settings.timeout);
        let [pool, reads] = pools(&settings.url, settings.timeout, &session, sizes)?;
        Ok(Self {
            pool,
            reads,
            batches: None,
            replicas: None,
            read_lsn: None,
            session,
        })
    }

    /// This handle with streaming replicas for plain reads, `size` connections each (see
    /// [`Db::at_lsn`]); [`Db::probe_replicas`] must run for any to be used. A replica's
    /// connections wait at most a second: a replica that does not answer is passed over.
    pub fn with_replicas(
        mut self,
        settings: &ReplicaSettings,
        size: usize,
    ) -> anyhow::Result<Self> {
        if settings.urls.is_empty() {
            return Ok(self);
        }
        let timeout = Duration::from_secs(1);
        let pools = settings
            .urls
            .iter()
            .map(|url| pools(url, timeout, &self.session, [size.max(1)]).map(|[pool]| pool))
            .collect::<anyhow::Result<Vec<_>>>()?;
        self.replicas = Some(std::sync::Arc::new(replicas::Replicas::new(
            pools,
            settings.max_lag,
        )));
        Ok(self)
    }

    /// How far behind a replica may be and still serve reads, when there are replicas.
    pub fn replica_max_lag(&self) -> Option<Duration> {
        self.replicas.as_ref().map(|r| r.max_lag())
    }

    /// True when plain reads may go to replicas.
    pub fn has_replicas(&self) -> bool {
        self.replicas.is_some()
    }

    /// A handle whose plain reads (show, seat map, show list, box-office reads) go to a
    /// replica that has replayed WAL position `lsn`, when one has; else to the primary.
    /// Writes, and reads inside them, stay on the primary.
    pub fn at_lsn(&self, lsn: u64) -> Self {
        Self {
            read_lsn: self.replicas.as_ref().map(|_| lsn),
            ..self.clone()
        }
    }

    /// The primary's WAL position now (bytes from 0/0): read after a commit, at or past
    /// the commit's record, so a replica that has replayed it has the commit.
    ///
    /// The flushed position, not the inserted one: a commit that returned is flushed
    /// (unless `synchronous_commit` is off), while the insert position runs ahead with
    /// other transactions' records that no replica receives before the WAL writer flushes
    /// them (up to `wal_writer_delay`, 200 ms by default): measured, half the reads of a
    /// show on sale then went to the primary. With `synchronous_commit` off the commit
    /// may not be flushed yet, so the insert position it is.
    pub async fn wal_position(&self) -> Result<u64> {
        let client = self.client().await?;
        let row = client
            .one(
                "SELECT pg_wal_lsn_diff(CASE WHEN current_setting('synchronous_commit') = 'off' \
                   THEN pg_current_wal_insert_lsn() ELSE pg_current_wal_flush_lsn() END, '0/0')::bigint",
                &[],
            )
            .await
            .map_err(db_error)?;
        Ok(row.get::<_, i64>(0) as u64)
    }

    /// Reads each replica's replayed WAL position (and the primary's, to tell how far
    /// behind each is) every [`replicas::PROBE_EVERY`], until `stop`. A replica that
    /// cannot be read serves nothing until it can.
    pub async fn probe_replicas(&self, mut stop: tokio::sync::watch::Receiver<bool>) {
        let Some(replicas) = &self.replicas else {
            return;
        };
        let mut trail = replicas::PrimaryTrail::default();
        let mut tick = tokio::time::interval(replicas::PROBE_EVERY);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = tick.tick() => {}
                _ = stop.changed() => return,
            }
            if let Ok(lsn) = self.wal_position().await {
                trail.push(std::time::Instant::now(), lsn);
            }
            for replica in &replicas.list {
                let probe = async {
                    let client = Conn::new(replica.pool.get().await.ok()?, self.session.clone());
                    let row = client.one(replicas::REPLAYED, &[]).await.ok()?;
                    Some(row.get::<_, Option<i64>>(0).map(|lsn| lsn as u64))
                };
                match tokio::time::timeout(Duration::from_secs(1), probe).await {
                    Ok(Some(replayed)) => {
                        let now = std::time::Instant::now();
                        let lag = trail.lag(now, replayed.unwrap_or(u64::MAX));
                        replica.probed(replayed, lag);
                    }
                    _ => replica.unreachable(),
                }
            }
        }
    }

    /// A pooled connection, or 503 when none frees up within the timeout.
    pub async fn client(&self) -> Result<Conn> {
        let client = self.pool.get().await.map_err(pool_error)?;
        Ok(Conn::new(client, self.session.clone()))
    }

    /// A connection for a plain read outside any write: a replica's, for a handle made by
    /// [`Db::at_lsn`] when a replica has replayed its position, else one of the primary's
    /// read budget (see [`PoolSettings::read_max_size`]); 503 when none frees up within the
    /// timeout.
    pub async fn read_client(&self) -> Result<Conn> {
        if let (Some(replicas), Some(lsn)) = (&self.replicas, self.read_lsn) {
            // A replica known to have the change; else one that may have it by now, asked.
            let reason = match replicas.pick(lsn) {
                None => "lagging",
                Some((replica, known)) => match replica.pool.get().await {
                    Ok(client) => {
                        let client = Conn::new(client, self.session.clone());
                        let has_it = if known {
                            Ok(true)
                        } else {
                            replica.replayed_now(&client).await.map(|at| at >= lsn)
                        };
                        match has_it {
                            Ok(true) => {
                                metrics::counter!(crate::metrics::DB_READS, "target" => "replica")
                                    .increment(1);
                                return Ok(client);
                            }
                            Ok(false) => "behind",
                            Err(err) => {
                                tracing::warn!(replica = %replica.name, error = %err, "a replica failed; reading from the primary");
                                replicas.failed(replica);
                                "failed"
                            }
                        }
                    }
                    Err(err) => {
                        tracing::warn!(replica = %replica.name, error = %err, "a replica is unreachable; reading from the primary");
                        replicas.failed(replica);
                        "failed"
                    }
                },
            };
            metrics::counter!(crate::metrics::REPLICA_PASSED_OVER, "reason" => reason).increment(1);
        }
        metrics::counter!(crate::metrics::DB_READS, "target" => "primary").increment(1);
        let client = self.reads.get().await.map_err(pool_error)?;
        Ok(Conn::new(client, self.session.clone()))
    }

    /// Whether this handle's reads could go to a replica (then a read that fails for want
    /// of its server may be tried on the primary).
    pub fn reads_from_replica(&self) -> bool {
        self.replicas.is_some() && self.read_lsn.is_some()
    }

    /// The replayed WAL position of each replica at its last probe (for tests and metrics).
    pub fn replica_positions(&self) -> Vec<u64> {
        self.replicas
            .as_ref()
            .map(|r| r.list.iter().map(|replica| replica.replayed()).collect())
            .unwrap_or_default()
    }

    /// How the read connections are used right now (for metrics).
    pub fn read_pool_status(&self) -> deadpool_postgres::Status {
        self.reads.status()
    }

    /// How the connection pool is used right now (for metrics).
    pub fn pool_status(&self) -> deadpool_postgres::Status {
        self.pool.status()
    }

    /// Age in seconds of the oldest hold that has lapsed but is not swept yet (0: none).
    pub async fn sweep_lag_secs(&self) -> Result<f64> {
        let client = self.read_client().await?;
        let row = client
            .one(
                "SELECT coalesce(extract(epoch FROM now() - min(expires_at))::float8, 0) \
                 FROM pending_holds WHERE expires_at <= now()",
                &[],
            )
            .await
            .map_err(db_error)?;
        Ok(row.get(0))
    }

    /// `SELECT 1`: is the database reachable and answering?
    pub async fn ping(&self) -> Result<()> {
        let client = self.client().await?;
        client.batch_execute("SELECT 1").await.map_err(db_error)?;
        Ok(())
    }

    /// Runs `work` in a SERIALIZABLE transaction and commits it, retrying the whole
    /// transaction on serialization failures and deadlocks (SQLSTATE 40001 / 40P01, which
    /// can surface at any statement or at COMMIT) with jittered exponential back-off.
    /// `work` starts the transaction with [`Tx::begin_with`] and may end it with
    /// [`Tx::commit_with`]; otherwise it is committed here. An `Err` from `work` rolls
    /// back (the transaction is dropped) and is returned.
    pub async fn serializable<C, T, F>(&self, op: &'static str, ctx: &C, work: F) -> Result<T>
    where
        C: Sync + ?Sized,
        F: for<'a> FnMut(&'a Tx, &'a C) -> TxFuture<'a, T>,
    {
        self.serializable_within(op, MAX_ATTEMPTS, ctx, work).await
    }

    /// [`Db::serializable`] with at most `max_attempts` attempts: a batch of requests tries
    /// a few times and then gets the serialization failure back, to be split (see
    /// `bookings::batch`) rather than spend the whole budget of its requests on one
    /// conflict.
    pub async fn serializable_within<C, T, F>(
        &self,
        op: &'static str,
        max_attempts: u32,
        ctx: &C,
        mut work: F,
    ) -> Result<T>
    where
        C: Sync + ?Sized,
        F: for<'a> FnMut(&'a Tx, &'a C) -> TxFuture<'a, T>,
    {
        // Log lines of the transaction carry its operation and, once it retried, how often.
        let span = tracing::info_span!("transaction", op, retries = tracing::field::Empty);
        let mut attempt = 0;
        let started = tokio::time::Instant::now();
        async move { loop {
            attempt += 1;
            let result: Result<T> = async {
                let tx = Tx::new(self.client().await?);
                let value = work(&tx, ctx).await?;
                // Bodies that end with a write commit with it; the others commit here.
                if !tx.finished() {
                    tx.commit().await?;
                }
                Ok(value)
            }
            .await;
            match result {
                // A batch out of attempts hands the conflict back to be split.
                Err(err)
                    if err.code == Code::SerializationFailure
                        && attempt >= max_attempts
                        && max_attempts < MAX_ATTEMPTS =>
                {
                    return Err(err);
                }
                Err(err) if err.code == Code::SerializationFailure => {
                    if attempt >= max_attempts || started.elapsed() >= RETRY_FOR {
                        metrics::counter!(crate::metrics::TX_GAVE_UP, "op" => op).increment(1);
                        tracing::warn!(
                            op,
                            attempt,
                            "giving up after repeated serialization failures"
                        );
                        return Err(Error::busy(
                            "The service is too busy to complete this right now; try again.",
                        ));
                    }
                    metrics::counter!(crate::metrics::TX_RETRIES, "op" => op).increment(1);
                    tracing::Span::current().record("retries", attempt);
                    tracing::debug!(attempt, reason = %err.detail, "serialization failure, retrying");
                    tokio::time::sleep(backoff(attempt)).await;
                }
                other => return other,
            }
        } }
        .instrument(span)
        .await
    }
}

/// The settings the service's sessions run with, sent the way `pooler` allows.
///
/// A slow statement or a lock wait is cut off rather than holding a pooled connection (and
/// its request) for ever. enable_seqscan=off: under SERIALIZABLE a sequential scan takes a
/// predicate lock on the whole table, so a hold that happened to scan a small `seats` or
/// `show_rows` table would conflict with every other hold. Every query of the service has
/// an index path; this keeps the planner on it however small the tables are.
fn session(pooler: Pooler, timeout: Duration) -> sql::Session {
    let timeout_ms = timeout.as_millis();
    sql::Session::new(
        pooler,
        &[
            ("statement_timeout", timeout_ms.to_string()),
            (
                "idle_in_transaction_session_timeout",
                (timeout_ms * 2).to_string(),
            ),
            ("enable_seqscan", "off".to_string()),
        ],
    )
}

/// Pools of the given sizes on `url`, with the service's connection options.
fn pools<const N: usize>(
    url: &str,
    timeout: Duration,
    session: &sql::Session,
    sizes: [usize; N],
) -> anyhow::Result<[Pool; N]> {
    let mut config: tokio_postgres::Config = url.parse()?;
    // Behind a transaction-mode pooler the settings start each transaction instead.
    if session.pooler == Pooler::None {
        config.options(session.options());
    }
    config.connect_timeout(timeout);
    if config.get_application_name().is_none() {
        config.application_name("tessera");
    }
    let timeouts = Timeouts {
        wait: Some(timeout),
        create: Some(timeout),
        recycle: Some(timeout),
    };
    // TLS only when the URL asks for it (`sslmode=require`): the default, `prefer`,
    // would try TLS on a local server whose certificate nobody can verify.
    let pools = if config.get_ssl_mode() == SslMode::Require {
        let tls = tokio_postgres_rustls::MakeRustlsConnect::new(crate::tls::client_config()?);
        sizes.map(|size| pool(config.clone(), tls.clone(), size, timeouts))
    } else {
        sizes.map(|size| pool(config.clone(), NoTls, size, timeouts))
    };
    let mut built = Vec::with_capacity(N);
    for pool in pools {
        built.push(pool?);
    }
    built
        .try_into()
        .map_err(|_| anyhow::anyhow!("pool count mismatch"))
}

/// A pool of `size` connections made with `tls`.
fn pool<T>(
    config: tokio_postgres::Config,
    tls: T,
    size: usize,
    timeouts: Timeouts,
) -> anyhow::Result<Pool>
where
    T: tokio_postgres::tls::MakeTlsConnect<tokio_postgres::Socket> + Clone + Sync + Send + 'static,
    T::Stream: Sync + Send,
    T::TlsConnect: Sync + Send,
    <T::TlsConnect as tokio_postgres::tls::TlsConnect<tokio_postgres::Socket>>::Future: Send,
{
    let manager = Manager::from_config(
        config,
        tls,
        ManagerConfig {
            recycling_method: RecyclingMethod::Fast,
        },
    );
    Ok(Pool::builder(manager)
        .max_size(size)
        .timeouts(timeouts)
        .runtime(Runtime::Tokio1)
        .build()?)
}

/// Full-jitter exponential back-off: up to 1 ms, 2 ms, 4 ms … capped at 50 ms.
fn backoff(attempt: u32) -> Duration {
    let cap_us = (1_000u64 << attempt.min(6)).min(50_000);
    Duration::from_micros(rand::rng().random_range(100..=cap_us))
}

/// Maps a driver error to a domain error: conflicts become retryable, connection trouble
/// and timeouts become 503, everything else is internal (and logged where answered).
pub fn db_error(err: tokio_postgres::Error) -> Error {
    if let Some(code) = err.code() {
        if *code == SqlState::T_R_SERIALIZATION_FAILURE || *code == SqlState::T_R_DEADLOCK_DETECTED
        {
            // The detail (kept for the retry log) says which kind of conflict it was.
            let detail = err
                .as_db_error()
                .map(|db| format!("{} ({})", db.message(), db.detail().unwrap_or_default()))
                .unwrap_or_default();
            return Error::new(Code::SerializationFailure, detail);
        }
        if *code == SqlState::IN_FAILED_SQL_TRANSACTION {
            return Error {
                code: Code::TransactionAborted,
                ..Error::internal(err)
            };
        }
        let class = &code.code()[..2];
        if *code == SqlState::QUERY_CANCELED
            || *code == SqlState::LOCK_NOT_AVAILABLE
            // A server that no longer takes writes: a primary demoted by a failover,
            // reached through a connection that outlived it (the connection is then
            // closed, see `sql::Conn`).
            || *code == SqlState::READ_ONLY_SQL_TRANSACTION
            || class == "08" // connection exception
            || class == "53" // insufficient resources (too many connections, …)
            || class == "57"
        // operator intervention (shutdown, cannot connect now)
        {
            tracing::warn!(error = ?err, "database unavailable");
            return Error::unavailable("The database is unavailable or too slow; try again.");
        }
        return Error::internal(err);
    }
    if err.is_closed() || err.as_db_error().is_none() {
        // I/O errors, closed connections, timeouts while connecting.
        tracing::warn!(error = ?err, "database connection failed");
        return Error::unavailable("The database is unavailable; try again.");
    }
    Error::internal(err)
}

fn pool_error(err: deadpool_postgres::PoolError) -> Error {
    use deadpool_postgres::PoolError;
    match err {
        PoolError::Backend(err) => db_error(err),
        PoolError::Timeout(_) => {
            tracing::warn!("no database connection became free in time");
            Error::unavailable("The service is busy; try again.")
        }
        other => Error::internal(other),
    }
}

/// True when `err` is a unique-constraint violation on `constraint`.
pub fn is_unique_violation(err: &tokio_postgres::Error, constraint: &str) -> bool {
    err.as_db_error().is_some_and(|db| {
        *db.code() == SqlState::UNIQUE_VIOLATION && db.constraint() == Some(constraint)
    })
}
