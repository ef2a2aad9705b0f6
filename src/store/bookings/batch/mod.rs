//! Group commit: concurrent holds (and, apart, confirms and cancels) share one SERIALIZABLE
//! transaction.
//!
//! A sale's cost in PostgreSQL is mostly per transaction and per statement (executor
//! set-up, commit, WAL flush, round trips), not per seat. So requests that arrive while
//! earlier ones are in the database wait for them and then go together: a [`Gatherer`]
//! takes the first waiting request, everything queued behind it up to
//! [`BatchSettings::max_size`], and runs them as one transaction while it gathers the next.
//! Nothing waits for a timer: a lone request goes out at once, alone.
//!
//! In the batch, one statement locks every seat row (or booking row) of every request in
//! one global order; the service then decides each request in arrival order with the same
//! rules the one-request path uses (`hold::judge_seats`, `hold::check_cap`,
//! `transition::decide`), and one statement writes what every accepted request changes,
//! sent with `COMMIT`. Answers go out only after the commit.
//!
//! A serialization failure retries the whole batch a few times ([`BATCH_ATTEMPTS`]); a batch
//! that keeps failing is split in halves, down to single requests, which get the full retry
//! budget of the one-request path. One hot request therefore cannot starve the rest.

mod hold;
mod transition;

pub use hold::{HoldJob, Wanted};
pub use transition::{TransitionJob, TransitionKind};

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use tokio::sync::{Semaphore, mpsc, oneshot};

use crate::domain::{Code, Error, Result};
use crate::store::Db;

/// How whole batches are tried before they are split.
const BATCH_ATTEMPTS: u32 = 3;

/// How writes are gathered (`HOLD_BATCHING`, `BATCH_MAX_SIZE`, `BATCH_IN_FLIGHT`,
/// `BATCH_QUEUE`; see the README).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BatchSettings {
    /// Off: every hold, confirm and cancel is a transaction of its own.
    pub enabled: bool,
    /// Most requests in one transaction.
    pub max_size: usize,
    /// Batches of one kind in the database at once, per instance.
    pub in_flight: usize,
    /// Requests waiting for a batch, per kind; beyond it, 503 with `Retry-After`.
    pub queue: usize,
    /// Most seat rows one batch may lock: not a setting but what the database allows (see
    /// [`Db::predicate_lock_budget`]).
    pub max_rows: usize,
}

impl Default for BatchSettings {
    fn default() -> Self {
        Self {
            enabled: true,
            max_size: 64,
            in_flight: 1,
            queue: 4096,
            max_rows: usize::MAX,
        }
    }
}

/// A request waiting in a batch.
pub trait Job: Send + 'static {
    /// About how many seat rows it locks.
    fn rows(&self) -> usize;

    /// Its requester is gone (the request timed out or the client went away): it is left
    /// out of the next batch rather than hold seats nobody will confirm.
    fn abandoned(&self) -> bool;
}

/// Runs one gathered batch: executes it, drops the [`Slot`] once the database is done with
/// it (so the next batch goes in while this one is announced), then answers every
/// request of it.
pub type RunBatch<J> =
    Arc<dyn Fn(Vec<J>, Slot) -> Pin<Box<dyn Future<Output = ()> + Send>> + Send + Sync>;

/// A batch's place among those in flight.
pub type Slot = tokio::sync::OwnedSemaphorePermit;

/// Gathers requests of one kind into batches and hands each to its runner.
pub struct Gatherer<J> {
    queue: mpsc::Sender<J>,
}

impl<J: Job> Gatherer<J> {
    /// Starts the gathering task. `run` executes a batch and answers every request of it;
    /// up to `in_flight` runs at once.
    pub fn spawn(kind: &'static str, settings: BatchSettings, run: RunBatch<J>) -> Self {
        let (queue, jobs) = mpsc::channel(settings.queue.max(1));
        tokio::spawn(gather(kind, settings, jobs, run));
        Self { queue }
    }

    /// Requests waiting for a batch.
    pub fn waiting(&self) -> usize {
        self.queue.max_capacity() - self.queue.capacity()
    }

    /// Queues a request; 503 when the queue is full (the database is not keeping up, and
    /// the wait would outlast the request).
    pub fn submit(&self, job: J) -> Result<()> {
        self.queue.try_send(job).map_err(|err| match err {
            mpsc::error::TrySendError::Full(_) => {
                Error::busy("Too many bookings are waiting to be written; try again.")
            }
            mpsc::error::TrySendError::Closed(_) => {
                Error::unavailable("The service is shutting down.")
            }
        })
    }
}

async fn gather<J: Job>(
    kind: &'static str,
    settings: BatchSettings,
    mut jobs: mpsc::Receiver<J>,
    run: RunBatch<J>,
) {
    let slots = Arc::new(Semaphore::new(settings.in_flight.max(1)));
    let max_size = settings.max_size.max(1);
    // A request that would have made the last batch lock too many rows: the next one's
    // first.
    let mut carried: Option<J> = None;
    loop {
        // Wait for a batch to come back before taking more: what arrives meanwhile goes
        // together in the next one.
        let Ok(slot) = slots.clone().acquire_owned().await else {
            return;
        };
        let first = match carried.take() {
            Some(job) => job,
            None => match jobs.recv().await {
                Some(job) => job,
                None => return,
            },
        };
        let mut batch = Vec::with_capacity(max_size.min(jobs.len() + 1));
        let mut rows = 0;
        if !first.abandoned() {
            rows += first.rows();
            batch.push(first);
        }
        while batch.len() < max_size {
            match jobs.try_recv() {
                Ok(job) if job.abandoned() => {}
                Ok(job) if !batch.is_empty() && rows + job.rows() > settings.max_rows => {
                    carried = Some(job);
                    break;
                }
                Ok(job) => {
                    rows += job.rows();
                    batch.push(job);
                }
                Err(_) => break,
            }
        }
        if batch.is_empty() {
            continue;
        }
        metrics::histogram!(crate::metrics::BATCH_SIZE, "op" => kind).record(batch.len() as f64);
        let run = run.clone();
        tokio::spawn(run(batch, slot));
    }
}

/// The gatherers of one instance.
pub struct Batches {
    pub holds: Gatherer<HoldJob>,
    pub transitions: Gatherer<TransitionJob>,
}

impl Db {
    /// How many seat rows one transaction may lock before PostgreSQL's serializable
    /// isolation stops tracking them one by one.
    ///
    /// SERIALIZABLE tracks what a transaction read with predicate locks; past
    /// `max_pred_locks_per_relation` of them in one table (by default half of
    /// `max_pred_locks_per_transaction`, so 32), it tracks the whole table instead. A batch
    /// holding 60 seats would then conflict with every other write of any seat, and batches
    /// would mostly retry. So batches stay under the server's limit: with the defaults,
    /// about ten holds; with the settings recommended in the operations guide (and used by
    /// the embedded PostgreSQL), the whole `BATCH_MAX_SIZE`.
    pub async fn predicate_lock_budget(&self) -> Result<usize> {
        let client = self.client().await?;
        let row = client
            .one(
                "SELECT current_setting('max_pred_locks_per_transaction')::int, \
                        current_setting('max_pred_locks_per_relation')::int",
                &[],
            )
            .await
            .map_err(crate::store::db_error)?;
        let (per_transaction, per_relation): (i32, i32) = (row.get(0), row.get(1));
        let limit = if per_relation < 0 {
            per_transaction / -per_relation
        } else {
            per_relation
        };
        // A little room for the other rows of the same table a batch reads.
        Ok(usize::try_from(limit - 2).unwrap_or(0).max(1))
    }

    /// This handle with write batching through `batches` (holds by seat or "best
    /// available", confirms and cancels; see [`Db::hold`], [`Db::confirm`]).
    pub fn with_batches(mut self, batches: Batches) -> Self {
        self.batches = Some(Arc::new(batches));
        self
    }

    /// True when holds, confirms and cancels go through batches.
    pub fn batching(&self) -> bool {
        self.batches.is_some()
    }

    /// Requests waiting for a batch (holds, and confirms and cancels).
    pub fn batch_waiting(&self) -> usize {
        self.batches()
            .map_or(0, |b| b.holds.waiting() + b.transitions.waiting())
    }

    pub(crate) fn batches(&self) -> Option<&Batches> {
        self.batches.as_deref()
    }
}

/// One attempt at a batch's transaction: one result per job.
pub(super) type BatchTx<J, T> =
    for<'a> fn(&'a crate::store::Tx, &'a [J]) -> crate::store::TxFuture<'a, Vec<Result<T>>>;

/// Runs `jobs` as one transaction through `once` (which returns one result per job),
/// retrying a few times, then in halves: every job gets an answer.
pub(super) async fn run_split<J, T>(
    db: &Db,
    op: &'static str,
    jobs: &[J],
    once: BatchTx<J, T>,
) -> Vec<Result<T>>
where
    J: Sync,
    T: Send,
{
    // A lone request has the whole retry budget of the one-request path.
    let attempts = if jobs.len() == 1 {
        crate::store::MAX_ATTEMPTS
    } else {
        BATCH_ATTEMPTS
    };
    match db.serializable_within(op, attempts, jobs, once).await {
        Ok(results) => results,
        Err(err) if err.code == Code::SerializationFailure && jobs.len() > 1 => {
            metrics::counter!(crate::metrics::BATCH_SPLITS, "op" => op).increment(1);
            let (left, right) = jobs.split_at(jobs.len() / 2);
            let mut results = Box::pin(run_split(db, op, left, once)).await;
            results.extend(Box::pin(run_split(db, op, right, once)).await);
            results
        }
        Err(err) => jobs.iter().map(|_| Err(err.duplicate())).collect(),
    }
}

/// Where a request waits for its answer.
pub(super) type Reply<T> = oneshot::Sender<Result<T>>;

/// Waits for the answer to a queued request.
pub(super) async fn answer<T>(waiting: oneshot::Receiver<Result<T>>) -> Result<T> {
    waiting
        .await
        .unwrap_or_else(|_| Err(Error::unavailable("The service is shutting down.")))
}

/// The answer nobody reads, to a request cut off before its batch decided it.
fn abandoned() -> Error {
    Error::unavailable("The request ended before it was carried out.")
}
