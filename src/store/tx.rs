//! A SERIALIZABLE transaction whose `BEGIN` travels with its first statements and whose
//! `COMMIT` travels with its last ones.
//!
//! A hold is two round trips this way (lock and check, then write and commit) instead of
//! four: every round trip wakes a PostgreSQL backend and a service task, and keeps a pooled
//! connection busy while nothing happens on it. tokio-postgres sends requests in the order
//! their futures are first polled and answers them in that order, so pipelining only needs
//! each request to be *sent* in the right order:
//!
//! - [`Tx::begin_with`] polls `BEGIN` before the first statements, so they run inside the
//!   transaction. Its result is checked before anything else is sent.
//! - [`Tx::commit_with`] makes sure its statements are prepared first, so each one is sent
//!   on its future's first poll, all before `COMMIT`. A write that fails aborts the
//!   transaction, and the `COMMIT` behind it then only rolls back: either every write
//!   commits or none does.
//!
//! A transaction dropped while open (an early `Err`, or a request cut off by its timeout)
//! is rolled back by a background task before its connection goes back to the pool.

use std::ops::Deref;
use std::sync::atomic::{AtomicU8, Ordering};

use tokio_postgres::Row;
use tokio_postgres::error::SqlState;

use super::db_error;
use super::sql::{Conn, Param};
use crate::domain::{Error, Result};

/// One statement of a pipelined write: its text and its parameters.
pub type Write<'a> = (&'a str, &'a [&'a dyn Param]);

/// Starts every write transaction. `force_generic_plan`: the statements of these
/// transactions are key lookups whose plan does not depend on their parameters, but
/// PostgreSQL estimates a generic plan's array parameters at ten elements and so judged
/// re-planning with the actual two to four seats cheaper, and re-planned each of them on
/// every execution (about a quarter of the database's time in a profile of holds; under 1%
/// with this). `LOCAL` ends with the transaction: reads outside keep the default, where a
/// parameter (a 20,000-seat show or a 500-seat one) can change the best plan.
pub(super) const BEGIN: &str =
    "BEGIN ISOLATION LEVEL SERIALIZABLE; SET LOCAL plan_cache_mode = force_generic_plan";

/// Starts the few transactions that take no predicate locks (the outbox relay, show
/// changes): they never make a hold fail.
pub(super) const BEGIN_READ_COMMITTED: &str = "BEGIN ISOLATION LEVEL READ COMMITTED";

const IDLE: u8 = 0;
const OPEN: u8 = 1;
const DONE: u8 = 2;

/// A transaction on a pooled connection; statements go through `Deref` to the client.
pub struct Tx {
    client: Option<Conn>,
    state: AtomicU8,
}

impl Tx {
    pub fn new(client: Conn) -> Self {
        Self {
            client: Some(client),
            state: AtomicU8::new(IDLE),
        }
    }

    /// A READ COMMITTED transaction on `client`, begun.
    pub async fn read_committed(client: Conn) -> Result<Self> {
        let tx = Self::new(client);
        tx.state.store(OPEN, Ordering::SeqCst);
        let begin = tx.client().begin_sql(BEGIN_READ_COMMITTED);
        tx.client().batch_execute(&begin).await.map_err(db_error)?;
        Ok(tx)
    }

    /// Sends `BEGIN ISOLATION LEVEL SERIALIZABLE`, then runs `first` without waiting for
    /// the answer: the statements `first` sends share the round trip. Statements sent after
    /// this returns `Ok` run inside the transaction.
    pub async fn begin_with<T>(&self, first: impl Future<Output = Result<T>>) -> Result<T> {
        if self.state.swap(OPEN, Ordering::SeqCst) != IDLE {
            return Err(Error::internal(anyhow::anyhow!("transaction begun twice")));
        }
        let begin = self.client().begin_sql(BEGIN);
        let (began, value) = tokio::join!(self.client().batch_execute(&begin), first);
        began.map_err(db_error)?;
        value
    }

    /// Sends `writes` and `COMMIT` in one round trip. Returns each statement's rows, or the
    /// error that ended the transaction (the first write that failed, else the commit's).
    pub async fn commit_with(
        &self,
        writes: &[Write<'_>],
    ) -> std::result::Result<Vec<Vec<Row>>, CommitError> {
        if self
            .state
            .compare_exchange(OPEN, DONE, Ordering::SeqCst, Ordering::SeqCst)
            .is_err()
        {
            return Err(CommitError::NotOpen);
        }
        let client = self.client();
        for (sql, _) in writes {
            client.ready(sql).await.map_err(CommitError::Db)?;
        }
        // join_all polls in order: every write is sent before COMMIT.
        let (results, committed) = tokio::join!(
            futures_util::future::join_all(
                writes.iter().map(|(sql, params)| client.rows(sql, params))
            ),
            client.batch_execute("COMMIT"),
        );
        let mut rows = Vec::with_capacity(results.len());
        let mut echo = None;
        for result in results {
            match result {
                Ok(r) => rows.push(r),
                // "current transaction is aborted": an earlier write failed; keep looking.
                Err(err) if err.code() == Some(&SqlState::IN_FAILED_SQL_TRANSACTION) => {
                    echo.get_or_insert(err);
                }
                Err(err) => return Err(CommitError::Db(err)),
            }
        }
        if let Some(err) = echo {
            return Err(CommitError::Db(err));
        }
        committed.map_err(CommitError::Db)?;
        Ok(rows)
    }

    /// Commits a transaction that has nothing left to write (one round trip).
    pub async fn commit(&self) -> Result<()> {
        self.commit_with(&[]).await.map(|_| ()).map_err(Into::into)
    }

    /// True once `COMMIT` has been sent.
    pub fn finished(&self) -> bool {
        self.state.load(Ordering::SeqCst) == DONE
    }

    fn client(&self) -> &Conn {
        self.client
            .as_ref()
            .expect("the client is only taken on drop")
    }
}

impl Deref for Tx {
    type Target = Conn;

    fn deref(&self) -> &Conn {
        self.client()
    }
}

impl Drop for Tx {
    fn drop(&mut self) {
        if *self.state.get_mut() != OPEN {
            return;
        }
        let Some(client) = self.client.take() else {
            return;
        };
        match tokio::runtime::Handle::try_current() {
            // The connection goes back to the pool once the rollback is through.
            Ok(runtime) => {
                runtime.spawn(async move {
                    if client.batch_execute("ROLLBACK").await.is_err() {
                        // Unknown state: close the connection rather than reuse it.
                        client.discard();
                    }
                });
            }
            Err(_) => client.discard(),
        }
    }
}

/// Why [`Tx::commit_with`] did not commit.
#[derive(Debug)]
pub enum CommitError {
    /// A write or the commit failed; nothing was written.
    Db(tokio_postgres::Error),
    /// The transaction was not begun, or already finished: nothing was sent.
    NotOpen,
}

impl From<CommitError> for Error {
    fn from(err: CommitError) -> Self {
        match err {
            CommitError::Db(err) => db_error(err),
            CommitError::NotOpen => {
                Error::internal(anyhow::anyhow!("commit of a transaction that is not open"))
            }
        }
    }
}

/// The results of statements pipelined in one transaction, or the error that ended it:
/// after a statement fails, the ones behind it only answer "current transaction is
/// aborted", so the first other error is the cause (a serialization failure, say, which
/// the caller retries).
pub fn settle<const N: usize>(results: [Result<Vec<Row>>; N]) -> Result<[Vec<Row>; N]> {
    if results.iter().any(Result::is_err) {
        let mut errors: Vec<Error> = results.into_iter().filter_map(Result::err).collect();
        let cause = errors
            .iter()
            .position(|e| e.code != crate::domain::Code::TransactionAborted)
            .unwrap_or(0);
        return Err(errors.swap_remove(cause));
    }
    Ok(results.map(|r| r.unwrap_or_default()))
}
