//! Read replicas: plain reads that may come from a streaming replica, when it has
//! replayed what they must see.
//!
//! Every change that commits is announced with the primary's WAL position after it (see
//! [`Db::wal_position`] and the cache hub), stored per show beside the show's version. A
//! read of a show asks for a replica that has replayed at least that position; a replica
//! that has not (or lags more than [`ReplicaSettings::max_lag`], or is down) is passed over
//! and the primary answers. A replica's replayed position only grows, so the one read by
//! the last probe (every [`PROBE_EVERY`]) is a safe lower bound: nothing is read from a
//! replica that could miss a change announced before the read began. When the probe is
//! behind the position a read needs (a show changing every few tens of milliseconds
//! always is), the replica is asked where it is now, on the connection the read will use,
//! before the read: it has usually replayed the change a millisecond after its commit.

use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use deadpool_postgres::Pool;

/// How often each replica's replayed position (and the primary's) is read.
pub const PROBE_EVERY: Duration = Duration::from_millis(100);

/// How replicas are used (`DATABASE_READ_URL`, `REPLICA_MAX_LAG_MS`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplicaSettings {
    /// One URL per replica.
    pub urls: Vec<String>,
    /// A replica missing commits older than this serves nothing.
    pub max_lag: Duration,
}

/// One replica: its connections and what its last probe found.
pub struct Replica {
    /// Its place in `DATABASE_READ_URL` (the `replica` label of its metrics).
    pub(super) name: String,
    pub(super) pool: Pool,
    /// WAL position replayed (bytes from 0/0); `u64::MAX` once it is no longer in recovery
    /// (promoted: it is current).
    replayed: AtomicU64,
    /// How old, in milliseconds, the oldest commit it has not replayed is.
    lag_ms: AtomicU64,
    up: AtomicBool,
}

/// The replicas of one instance.
pub struct Replicas {
    pub(super) list: Vec<Replica>,
    max_lag: Duration,
    next: AtomicUsize,
}

impl Replicas {
    pub(super) fn new(pools: Vec<Pool>, max_lag: Duration) -> Self {
        Self {
            list: pools
                .into_iter()
                .enumerate()
                .map(|(i, pool)| Replica {
                    name: i.to_string(),
                    pool,
                    replayed: AtomicU64::new(0),
                    lag_ms: AtomicU64::new(u64::MAX),
                    up: AtomicBool::new(false),
                })
                .collect(),
            max_lag,
            next: AtomicUsize::new(0),
        }
    }

    /// How far behind a replica may be and still serve reads.
    pub(super) fn max_lag(&self) -> Duration {
        self.max_lag
    }

    /// A replica for a read needing WAL position `lsn`, among those up and within the lag
    /// bound, replicas taking turns: one past `lsn` at its last probe (`true`), else one
    /// that was behind it then (`false`), worth asking where it is now: it usually
    /// replays a commit within a millisecond, while probes come every [`PROBE_EVERY`].
    pub(super) fn pick(&self, lsn: u64) -> Option<(&Replica, bool)> {
        let max_lag_ms = self.max_lag.as_millis() as u64;
        let start = self.next.fetch_add(1, Ordering::Relaxed);
        let mut behind = None;
        for replica in (0..self.list.len())
            .map(|i| &self.list[(start + i) % self.list.len()])
            .filter(|r| {
                r.up.load(Ordering::Relaxed) && r.lag_ms.load(Ordering::Relaxed) <= max_lag_ms
            })
        {
            if replica.replayed.load(Ordering::Relaxed) >= lsn {
                return Some((replica, true));
            }
            behind.get_or_insert(replica);
        }
        behind.map(|replica| (replica, false))
    }

    /// A replica failed a connection: serve nothing from it until a probe finds it again.
    pub(super) fn failed(&self, replica: &Replica) {
        replica.up.store(false, Ordering::Relaxed);
    }
}

/// What the prober remembers of the primary's recent positions, to tell how old the
/// oldest commit a replica misses is.
#[derive(Default)]
pub(super) struct PrimaryTrail {
    /// (when read, position), oldest first, for the last [`TRAIL_FOR`].
    samples: std::collections::VecDeque<(Instant, u64)>,
}

const TRAIL_FOR: Duration = Duration::from_secs(30);

impl PrimaryTrail {
    pub(super) fn push(&mut self, at: Instant, lsn: u64) {
        self.samples.push_back((at, lsn));
        while self
            .samples
            .front()
            .is_some_and(|(t, _)| at.duration_since(*t) > TRAIL_FOR)
        {
            self.samples.pop_front();
        }
    }

    /// How long ago the primary first had something past `replayed`: zero when `replayed`
    /// is at or past the latest position read.
    pub(super) fn lag(&self, now: Instant, replayed: u64) -> Duration {
        match self.samples.iter().find(|(_, lsn)| *lsn > replayed) {
            Some((at, _)) => now.duration_since(*at),
            None => Duration::ZERO,
        }
    }
}

impl Replica {
    /// Records a probe: `replayed` is `None` when the server is not in recovery.
    pub(super) fn probed(&self, replayed: Option<u64>, lag: Duration) {
        let replayed = replayed.unwrap_or(u64::MAX);
        self.replayed.fetch_max(replayed, Ordering::Relaxed);
        let lag_ms = if replayed == u64::MAX {
            0
        } else {
            lag.as_millis() as u64
        };
        self.lag_ms.store(lag_ms, Ordering::Relaxed);
        self.up.store(true, Ordering::Relaxed);
        metrics::gauge!(crate::metrics::REPLICA_LAG, "replica" => self.name.clone())
            .set(lag_ms as f64 / 1000.0);
    }

    /// A probe failed: the replica serves nothing until one succeeds.
    pub(super) fn unreachable(&self) {
        self.up.store(false, Ordering::Relaxed);
        metrics::gauge!(crate::metrics::REPLICA_LAG, "replica" => self.name.clone()).set(-1.0);
    }

    pub(super) fn replayed(&self) -> u64 {
        self.replayed.load(Ordering::Relaxed)
    }

    /// Asks the replica, on `client` (one of its connections), how far it has replayed
    /// now, and remembers it.
    pub(super) async fn replayed_now(
        &self,
        client: &super::Conn,
    ) -> Result<u64, tokio_postgres::Error> {
        let row = client.one(REPLAYED, &[]).await?;
        let replayed = row
            .get::<_, Option<i64>>(0)
            .map_or(u64::MAX, |lsn| lsn as u64);
        self.replayed.fetch_max(replayed, Ordering::Relaxed);
        Ok(replayed)
    }
}

/// How far a replica has replayed its primary's WAL (NULL once it is no longer one).
pub(super) const REPLAYED: &str = "SELECT pg_wal_lsn_diff(pg_last_wal_replay_lsn(), '0/0')::bigint";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lag_is_the_age_of_the_oldest_commit_a_replica_misses() {
        let t0 = Instant::now();
        let mut trail = PrimaryTrail::default();
        trail.push(t0, 100);
        trail.push(t0 + Duration::from_millis(100), 200);
        trail.push(t0 + Duration::from_millis(200), 200);
        let now = t0 + Duration::from_millis(300);
        assert_eq!(trail.lag(now, 200), Duration::ZERO);
        assert_eq!(trail.lag(now, 150), Duration::from_millis(200));
        assert_eq!(trail.lag(now, 50), Duration::from_millis(300));
    }
}
