//! The load generator's bookkeeping: latency histograms and outcome counts per operation,
//! kept per client task (no locks on the hot path) and merged at the end.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;
use reqwest::StatusCode;

/// How a request ended.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Ok,
    /// 409: the seats were taken (or sold out); an expected answer in a sale.
    Conflict,
    Error,
}

pub fn classify(status: StatusCode) -> Outcome {
    if status.is_success() || status == StatusCode::NOT_MODIFIED {
        Outcome::Ok
    } else if status == StatusCode::CONFLICT {
        Outcome::Conflict
    } else {
        Outcome::Error
    }
}

/// One operation's figures.
#[derive(Clone)]
pub struct Stats {
    /// Latency in microseconds.
    pub hist: Histogram<u64>,
    pub ok: u64,
    pub conflicts: u64,
    pub errors: u64,
    /// The first few error descriptions, for the report.
    pub error_samples: Vec<String>,
    pub bytes: u64,
}

impl Default for Stats {
    fn default() -> Self {
        Self {
            hist: Histogram::new_with_bounds(1, 120_000_000, 3).expect("histogram bounds"),
            ok: 0,
            conflicts: 0,
            errors: 0,
            error_samples: Vec::new(),
            bytes: 0,
        }
    }
}

impl Stats {
    pub fn record(&mut self, took: Duration, outcome: Outcome) {
        let _ = self.hist.record((took.as_micros() as u64).max(1));
        match outcome {
            Outcome::Ok => self.ok += 1,
            Outcome::Conflict => self.conflicts += 1,
            Outcome::Error => self.errors += 1,
        }
    }

    pub fn error(&mut self, took: Duration, what: String) {
        self.record(took, Outcome::Error);
        if self.error_samples.len() < 5 {
            self.error_samples.push(what);
        }
    }

    pub fn merge(&mut self, other: &Stats) {
        let _ = self.hist.add(&other.hist);
        self.ok += other.ok;
        self.conflicts += other.conflicts;
        self.errors += other.errors;
        self.bytes += other.bytes;
        for s in &other.error_samples {
            if self.error_samples.len() < 5 {
                self.error_samples.push(s.clone());
            }
        }
    }

    pub fn count(&self) -> u64 {
        self.ok + self.conflicts + self.errors
    }

    /// Latency at quantile `q` (0..1), in milliseconds.
    pub fn ms(&self, q: f64) -> f64 {
        if self.hist.is_empty() {
            return 0.0;
        }
        self.hist.value_at_quantile(q) as f64 / 1000.0
    }
}

/// Figures per operation name for one client; merged across clients.
#[derive(Default, Clone)]
pub struct Recorder(pub BTreeMap<&'static str, Stats>);

impl Recorder {
    pub fn op(&mut self, name: &'static str) -> &mut Stats {
        self.0.entry(name).or_default()
    }

    pub fn merge(&mut self, other: &Recorder) {
        for (name, stats) in &other.0 {
            self.op(name).merge(stats);
        }
    }

    pub fn get(&self, name: &str) -> Stats {
        self.0.get(name).cloned().unwrap_or_default()
    }
}

/// Sends one request, timing it and recording the outcome under `op`. Returns the status and
/// body when the request got an answer.
pub async fn timed(
    rec: &mut Recorder,
    op: &'static str,
    request: reqwest::RequestBuilder,
) -> Option<(StatusCode, bytes::Bytes)> {
    let start = Instant::now();
    let result = async {
        let resp = request.send().await?;
        let status = resp.status();
        let body = resp.bytes().await?;
        Ok::<_, reqwest::Error>((status, body))
    }
    .await;
    let took = start.elapsed();
    let stats = rec.op(op);
    match result {
        Ok((status, body)) => {
            let outcome = classify(status);
            if outcome == Outcome::Error {
                stats.error(
                    took,
                    format!(
                        "{status}: {}",
                        String::from_utf8_lossy(&body[..body.len().min(200)])
                    ),
                );
            } else {
                stats.record(took, outcome);
                stats.bytes += body.len() as u64;
            }
            Some((status, body))
        }
        Err(err) => {
            stats.error(took, format!("transport: {err}"));
            None
        }
    }
}

/// Runs `clients` tasks until `deadline`, each calling `step` in a loop with its own
/// recorder; returns the merged figures and the wall time the tasks ran.
pub async fn closed_loop<S, F, Fut>(
    clients: usize,
    duration: Duration,
    state: S,
    step: F,
) -> (Recorder, Duration)
where
    S: Clone + Send + 'static,
    F: Fn(usize, S, Recorder) -> Fut + Clone + Send + 'static,
    Fut: std::future::Future<Output = (Recorder, bool)> + Send,
{
    let start = Instant::now();
    let deadline = start + duration;
    let mut tasks = Vec::with_capacity(clients);
    for i in 0..clients {
        let step = step.clone();
        let state = state.clone();
        tasks.push(tokio::spawn(async move {
            let mut rec = Recorder::default();
            while Instant::now() < deadline {
                let (r, go_on) = step(i, state.clone(), rec).await;
                rec = r;
                if !go_on {
                    break;
                }
            }
            rec
        }));
    }
    let mut all = Recorder::default();
    for t in tasks {
        all.merge(&t.await.expect("client task"));
    }
    (all, start.elapsed())
}
