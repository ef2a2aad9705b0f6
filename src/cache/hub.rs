//! The cache hub: two cache levels, per-show versions, and change notifications.
//!
//! ```text
//!  read:   in-process (moka) ──miss──► Redis ──miss──► PostgreSQL (one load per key per instance)
//!  write:  COMMIT ─► drop own copies ─► DEL Redis copies, version = INCR ─► (response)
//!                 ─► read the changed seats' statuses ─► PUBLISH {show, version, seats}
//!  every instance: SUBSCRIBE ─► drop its copies of the show (lists: within 250 ms)
//!                             ─► remember the event (for reconnecting clients) ─► notify listeners
//! ```
//!
//! Without Redis the same flow runs inside the process: one instance, in-process cache,
//! in-process bus and versions.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use tokio::sync::{broadcast, mpsc, oneshot, watch};

use super::redis::Redis;
use super::{Entry, ReadCache, keys};
use crate::domain::Result;
use crate::domain::booking::SeatStatus;
use crate::store::Db;

/// One seat's new status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeatChange {
    pub id: i32,
    pub status: SeatStatus,
}

/// A committed change to a show's seats, with the version it produced.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShowChange {
    pub show_id: i64,
    pub version: u64,
    pub seats: Vec<SeatChange>,
}

/// What listeners hear.
#[derive(Debug, Clone)]
pub enum Notice {
    Changed(Arc<ShowChange>),
    /// Changes to this show may have been missed: reload it.
    Resync(i64),
    /// Changes to any show may have been missed (the subscription was lost): reload.
    ResyncAll,
}

/// Events kept per show for clients that reconnect: at most this many, for at most
/// [`RECENT_FOR`]. A client away longer reloads the seat map (`resync`); without the time
/// bound, every show ever changed would keep its last events for the life of the process.
const RECENT_PER_SHOW: usize = 256;
const RECENT_FOR: Duration = Duration::from_secs(60);

/// One show's remembered changes, by version, with when each arrived.
type Recent = VecDeque<(Instant, Arc<ShowChange>)>;

pub struct Hub {
    local: ReadCache,
    redis: Option<Arc<Redis>>,
    notices: broadcast::Sender<Notice>,
    /// Versions when there is no Redis (one instance).
    local_versions: Mutex<HashMap<i64, u64>>,
    /// WAL positions a replica must have replayed, per show and for lists, when there is
    /// no Redis (see [`Hub::read_position`]).
    local_lsns: Mutex<HashMap<i64, u64>>,
    local_lists_lsn: std::sync::atomic::AtomicU64,
    /// Without Redis: the WAL position after the last booking write of any user (bounded,
    /// unlike one per user; see [`Hub::user_position`]).
    local_users_lsn: std::sync::atomic::AtomicU64,
    /// Recent changes per show, by version, with when each arrived.
    recent: Mutex<HashMap<i64, Recent>>,
    /// True while the change channel subscription is up.
    subscribed: AtomicBool,
    /// Committed changes waiting for [`Hub::run_publisher`].
    jobs: mpsc::UnboundedSender<Job>,
    jobs_rx: Mutex<Option<mpsc::UnboundedReceiver<Job>>>,
}

/// A committed change waiting to be published.
struct Committed {
    db: Db,
    show_id: i64,
    version: Option<u64>,
    seat_ids: Vec<i32>,
}

enum Job {
    Publish(Committed),
    /// Answered once everything queued before it is published.
    Flush(oneshot::Sender<()>),
}

/// The most changes published together.
const PUBLISH_BATCH: usize = 256;

impl Hub {
    /// A hub; [`Hub::run_publisher`] must run for changes to be published.
    pub fn new(local: ReadCache, redis: Option<Arc<Redis>>) -> Self {
        let (jobs, jobs_rx) = mpsc::unbounded_channel();
        Self {
            local,
            redis,
            notices: broadcast::channel(4096).0,
            local_versions: Mutex::default(),
            local_lsns: Mutex::default(),
            local_lists_lsn: std::sync::atomic::AtomicU64::new(0),
            local_users_lsn: std::sync::atomic::AtomicU64::new(0),
            recent: Mutex::default(),
            subscribed: AtomicBool::new(false),
            jobs,
            jobs_rx: Mutex::new(Some(jobs_rx)),
        }
    }

    /// Whether a shared Redis is in use.
    pub fn shared(&self) -> bool {
        self.redis.is_some()
    }

    /// The in-process level (for its counters).
    pub fn local(&self) -> &ReadCache {
        &self.local
    }

    /// Longest life of an entry.
    pub fn ttl(&self) -> Duration {
        self.local.ttl()
    }

    /// Listeners for change notices.
    pub fn subscribe(&self) -> broadcast::Receiver<Notice> {
        self.notices.subscribe()
    }

    /// The show's current version (0 if it never changed or is unknown).
    pub async fn version(&self, show_id: i64) -> u64 {
        match &self.redis {
            Some(redis) => redis.version(show_id).await.unwrap_or(0),
            None => lock(&self.local_versions)
                .get(&show_id)
                .copied()
                .unwrap_or(0),
        }
    }

    /// The show's current version and the WAL position a replica must have replayed to
    /// serve it (that of its last announced change), read together: a body loaded from a
    /// replica past that position includes every change up to that version. Without
    /// Redis answering, no replica qualifies (`u64::MAX`).
    pub async fn read_position(&self, show_id: i64) -> (u64, u64) {
        match &self.redis {
            Some(redis) => redis
                .version_and_lsn(show_id)
                .await
                .unwrap_or((0, u64::MAX)),
            None => {
                let lsn = lock(&self.local_lsns).get(&show_id).copied().unwrap_or(0);
                (self.version(show_id).await, lsn)
            }
        }
    }

    /// The WAL position a replica must have replayed to serve show lists (that of the
    /// last show created, changed or cancelled).
    pub async fn lists_position(&self) -> u64 {
        match &self.redis {
            Some(redis) => redis.lists_lsn().await.unwrap_or(u64::MAX),
            None => self.local_lists_lsn.load(Ordering::Relaxed),
        }
    }

    /// The WAL position a replica must have replayed to serve `user_id`'s bookings: that
    /// of their last hold, confirm or cancel while it may be newer than what a usable
    /// replica has (0 after that). Without Redis answering, no replica qualifies; without
    /// Redis at all, that of the last booking write of anyone.
    pub async fn user_position(&self, user_id: i64) -> u64 {
        match &self.redis {
            Some(redis) => redis.user_lsn(user_id).await.unwrap_or(u64::MAX),
            None => self.local_users_lsn.load(Ordering::Relaxed),
        }
    }

    /// Records that `user_id` changed a booking of theirs, whose commit is at or before WAL
    /// position `lsn`. A replica lagging more than `max_lag` serves nothing, so once that
    /// much time (and a margin for the probes) has passed, every usable replica has the
    /// change and the record may go.
    pub async fn user_wrote(&self, user_id: i64, lsn: u64, max_lag: Duration) {
        match &self.redis {
            Some(redis) => {
                let keep = max_lag + Duration::from_secs(10);
                if redis.record_user_lsn(user_id, lsn, keep).await.is_none() {
                    tracing::warn!(user_id, "could not record a booking write's WAL position");
                }
            }
            None => {
                self.local_users_lsn.fetch_max(lsn, Ordering::Relaxed);
            }
        }
    }

    /// The cached entry for `key`, from this process, else Redis, else `load`.
    pub async fn get_or_load<F>(&self, key: String, load: F) -> Result<Entry>
    where
        F: std::future::Future<Output = Result<Entry>>,
    {
        if key.starts_with(keys::LIST_PREFIX) {
            return self.get_or_load_list(key, load).await;
        }
        self.get_or_load_from(key, 0, load).await
    }

    /// Like [`Hub::get_or_load`] for an entry of `show_id` that must include at least the
    /// change that produced `min_version` (a version a write's response gave its client):
    /// read-your-writes on any instance, before the change message reaches it. A copy
    /// older than that, here or in Redis, is passed over and the entry loaded anew.
    ///
    /// A version beyond the show's current one counts as the current one: nobody can ask
    /// for a change that has not happened, so such requests cannot bypass the cache.
    pub async fn get_or_load_since<F, L>(
        &self,
        key: String,
        show_id: i64,
        min_version: u64,
        load: L,
    ) -> Result<Entry>
    where
        F: std::future::Future<Output = Result<Entry>>,
        L: Fn() -> F,
    {
        if min_version == 0 || self.local.version_of(&key).await >= Some(min_version) {
            return self.get_or_load(key, load()).await;
        }
        let floor = min_version.min(self.version(show_id).await);
        self.local.drop_older(&key, floor).await;
        let entry = self.get_or_load_from(key.clone(), floor, load()).await?;
        if entry.version >= floor {
            return Ok(entry);
        }
        // A load that began before the change (started by a request that asked for no
        // version, which this one joined) answered: load this request's own.
        metrics::counter!(crate::metrics::CACHE_LOOKUPS, "result" => "load", "kind" => keys::kind(&key))
            .increment(1);
        let entry = load().await?;
        self.local.drop_older(&key, floor).await;
        Ok(entry)
    }

    /// [`Hub::get_or_load`] of one show's entry, taking a copy from Redis only when it is
    /// at version `floor` or later.
    async fn get_or_load_from<F>(&self, key: String, floor: u64, load: F) -> Result<Entry>
    where
        F: std::future::Future<Output = Result<Entry>>,
    {
        let kind = keys::kind(&key);
        let redis = self.redis.as_ref();
        let shared_key = key.clone();
        let mut missed = false;
        let result = self
            .local
            .get_or_load(key, async {
                missed = true;
                if let Some(redis) = redis
                    && let Some(entry) = redis.get(&shared_key).await
                    && entry.version >= floor
                {
                    metrics::counter!(crate::metrics::CACHE_LOOKUPS, "result" => "redis", "kind" => kind)
                        .increment(1);
                    return Ok(self.unless_superseded(entry));
                }
                metrics::counter!(crate::metrics::CACHE_LOOKUPS, "result" => "load", "kind" => kind).increment(1);
                let entry = self.unless_superseded(load.await?);
                if let Some(redis) = redis
                    && let [show_id] = *entry.show_ids
                {
                    redis.set(&shared_key, show_id, &entry).await;
                }
                Ok(entry)
            })
            .await;
        if !missed {
            metrics::counter!(crate::metrics::CACHE_LOOKUPS, "result" => "memory", "kind" => kind)
                .increment(1);
        }
        result
    }

    /// A show list, from this process, else Redis, else `load`.
    ///
    /// A list has no show version: it follows seat changes by its age (see
    /// [`super::LIST_REFRESH`]), and a copy in Redis is used when it is not behind this
    /// instance's last seat change and was made in the current lists generation (a show
    /// created, changed or cancelled since makes every older copy useless). So one
    /// instance's rebuild serves the others, and a sale costs each list about one
    /// database query per refresh period in all, not per instance.
    async fn get_or_load_list<F>(&self, key: String, load: F) -> Result<Entry>
    where
        F: std::future::Future<Output = Result<Entry>>,
    {
        let kind = keys::kind(&key);
        let shared_key = key.clone();
        let mut missed = false;
        let result = self
            .local
            .get_or_load(key, async {
                missed = true;
                let mut generation = None;
                if let Some(redis) = &self.redis
                    && let Some((copy, current)) = redis.get_list(&shared_key).await
                {
                    generation = Some(current);
                    if let Some(entry) = copy.filter(|e| !self.local.list_is_behind(e)) {
                        metrics::counter!(crate::metrics::CACHE_LOOKUPS, "result" => "redis", "kind" => kind)
                            .increment(1);
                        return Ok(entry);
                    }
                }
                metrics::counter!(crate::metrics::CACHE_LOOKUPS, "result" => "load", "kind" => kind).increment(1);
                let entry = load.await?;
                if let (Some(redis), Some(generation)) = (&self.redis, generation) {
                    redis.set_list(&shared_key, generation, &entry).await;
                }
                Ok(entry)
            })
            .await;
        if !missed {
            metrics::counter!(crate::metrics::CACHE_LOOKUPS, "result" => "memory", "kind" => kind)
                .increment(1);
        }
        result
    }

    /// Size and idle connections of the Redis pool, when Redis is used.
    pub fn redis(&self) -> Option<&Arc<Redis>> {
        self.redis.as_ref()
    }

    pub fn redis_pool_state(&self) -> Option<(u32, u32)> {
        self.redis.as_ref().map(|r| r.pool_state())
    }

    /// A body loaded while a change was being published may predate it: such an entry
    /// is still answered, but not kept.
    fn unless_superseded(&self, mut entry: Entry) -> Entry {
        if let [show_id] = *entry.show_ids {
            let seen = lock(&self.recent)
                .get(&show_id)
                .and_then(|events| events.back().map(|(_, e)| e.version))
                .unwrap_or(0);
            if seen > entry.version {
                entry.ttl = Duration::ZERO;
            }
        }
        entry
    }

    /// After a transaction that changed `seat_ids` of `show_id` has committed: assigns
    /// the change a version and forgets every cached copy (this instance's and Redis's)
    /// before returning, so the writer's next read is fresh; then, in the background,
    /// reads the seats' statuses and tells every instance ([`Hub::run_publisher`]). With no
    /// seats, the show itself was created or changed (every instance drops its lists).
    ///
    /// The response to the write does not wait for the status read and the message: they
    /// only inform other instances and live listeners, which hear the change a round trip
    /// later either way.
    ///
    /// Runs as a task of its own, which the caller awaits: a request future can be dropped
    /// at any await (its client went away, its time ran out), and a change that committed
    /// must still be announced, or open seat maps would show sold seats as free.
    pub async fn committed(self: &Arc<Self>, db: &Db, show_id: i64, seat_ids: &[i32]) {
        let (hub, db, seat_ids) = (self.clone(), db.clone(), seat_ids.to_vec());
        let announce = tokio::spawn(async move { hub.announce(db, show_id, seat_ids).await });
        if let Err(err) = announce.await {
            tracing::error!(error = %err, show_id, "announcing a committed change failed");
        }
    }

    /// The body of [`Hub::committed`].
    async fn announce(self: Arc<Self>, db: Db, show_id: i64, seat_ids: Vec<i32>) {
        self.local.show_changed(show_id).await;
        if seat_ids.is_empty() {
            self.local.lists_changed();
        }
        // Where the primary's WAL is now, past this commit: replicas serve the show again
        // once they have replayed it. Unknown (the primary did not answer), replicas may
        // serve it within their lag bound.
        let lsn = if db.has_replicas() {
            db.wal_position().await.ok()
        } else {
            None
        };
        if let Some(lsn) = lsn
            && self.redis.is_none()
        {
            let mut lsns = lock(&self.local_lsns);
            let at = lsns.entry(show_id).or_default();
            *at = (*at).max(lsn);
            if seat_ids.is_empty() {
                self.local_lists_lsn.fetch_max(lsn, Ordering::Relaxed);
            }
        }
        let version = match &self.redis {
            Some(redis) => {
                let keys = [keys::show(show_id), keys::seat_map(show_id)];
                redis
                    .invalidate(show_id, &keys, seat_ids.is_empty(), lsn)
                    .await
            }
            None => {
                let mut versions = lock(&self.local_versions);
                let v = versions.entry(show_id).or_default();
                *v += 1;
                Some(*v)
            }
        };
        let job = Job::Publish(Committed {
            db,
            show_id,
            version,
            seat_ids,
        });
        if self.jobs.send(job).is_err() {
            // Only after shutdown: listeners can only be told to reload.
            let _ = self.notices.send(Notice::Resync(show_id));
        }
    }

    /// Waits (at shutdown) for the changes committed so far to be published, for at most
    /// a few seconds (the publisher may be stuck on an unreachable Redis or database).
    pub async fn flush(&self) {
        let (done, flushed) = oneshot::channel();
        if self.jobs.send(Job::Flush(done)).is_ok() {
            let _ = tokio::time::timeout(Duration::from_secs(5), flushed).await;
        }
    }

    /// Publishes committed changes in the background, for as long as the process runs.
    ///
    /// Changes that queue up while a batch is out go together in the next: one status
    /// read for all of them (one query, one pooled connection) and their messages in one
    /// Redis round trip. A lone change goes out at once. Each message still carries its own
    /// version, and every status is read after every version of its batch was taken.
    pub async fn run_publisher(self: Arc<Self>) {
        let Some(mut jobs) = lock(&self.jobs_rx).take() else {
            return; // already running
        };
        let mut batch = Vec::new();
        loop {
            let Some(first) = jobs.recv().await else {
                return;
            };
            let mut flushes = Vec::new();
            let mut next = Some(first);
            while let Some(job) = next.take() {
                match job {
                    Job::Publish(change) => batch.push(change),
                    Job::Flush(done) => flushes.push(done),
                }
                if batch.len() < PUBLISH_BATCH {
                    next = jobs.try_recv().ok();
                }
            }
            if !batch.is_empty() {
                self.publish(&batch).await;
                batch.clear();
            }
            for done in flushes {
                let _ = done.send(());
            }
        }
    }

    /// Tells every instance about committed changes.
    async fn publish(&self, batch: &[Committed]) {
        // Statuses are read after the versions are taken: of two changes to one seat, the
        // one with the higher version then carries the later status.
        let wanted: Vec<(i64, &[i32])> = batch
            .iter()
            .map(|c| (c.show_id, c.seat_ids.as_slice()))
            .collect();
        let statuses = batch[0].db.seat_statuses_of(&wanted).await;
        let mut changes = Vec::with_capacity(batch.len());
        for (i, committed) in batch.iter().enumerate() {
            match (committed.version, &statuses) {
                (Some(version), Ok(statuses)) => changes.push(Arc::new(ShowChange {
                    show_id: committed.show_id,
                    version,
                    seats: statuses[i]
                        .iter()
                        .map(|&(id, status)| SeatChange { id, status })
                        .collect(),
                })),
                // Without a version or statuses, listeners can only be told to reload.
                _ => {
                    let _ = self.notices.send(Notice::Resync(committed.show_id));
                }
            }
        }
        if let Some(redis) = &self.redis {
            let messages: Vec<String> = changes
                .iter()
                .filter_map(|c| serde_json::to_string(&**c).ok())
                .collect();
            if messages.len() == changes.len() && redis.publish_all(messages).await {
                return; // the channel delivers them to every instance, this one included
            }
        }
        for change in changes {
            self.apply(change).await;
        }
    }

    /// Handles a change (from the channel, or our own when there is no channel).
    /// A change without seats is a show created or changed: it may belong on any list.
    async fn apply(&self, change: Arc<ShowChange>) {
        self.local
            .show_changed_at(change.show_id, change.version)
            .await;
        if change.seats.is_empty() {
            self.local.lists_changed();
        }
        {
            let mut recent = lock(&self.recent);
            let events = recent.entry(change.show_id).or_default();
            // Changes are published once their statuses are read, which takes each writer
            // its own time: they can arrive out of version order. The buffer stays sorted.
            match events.binary_search_by_key(&change.version, |(_, e)| e.version) {
                Ok(_) => return, // heard twice
                Err(at) => {
                    events.insert(at, (Instant::now(), change.clone()));
                    if events.len() > RECENT_PER_SHOW {
                        events.pop_front();
                    }
                }
            }
        }
        let _ = self.notices.send(Notice::Changed(change));
    }

    /// The changes of `show_id` after `version`, if this instance still has all of them.
    pub fn changes_since(&self, show_id: i64, version: u64) -> Option<Vec<Arc<ShowChange>>> {
        let recent = lock(&self.recent);
        let events = recent.get(&show_id)?;
        let (_, first) = events.front()?;
        if first.version > version.saturating_add(1) {
            return None; // a gap: some were never seen here or were dropped
        }
        Some(
            events
                .iter()
                .filter(|(_, e)| e.version > version)
                .map(|(_, e)| e.clone())
                .collect(),
        )
    }

    /// Drops remembered changes older than [`RECENT_FOR`] (called every second or so).
    pub fn forget_old(&self) {
        if let Some(cutoff) = Instant::now().checked_sub(RECENT_FOR) {
            self.forget_before(cutoff);
        }
    }

    fn forget_before(&self, cutoff: Instant) {
        lock(&self.recent).retain(|_, events| {
            // Oldest arrivals are mostly at the front; a late one behind a newer one stays
            // until the newer one goes.
            while events.front().is_some_and(|(at, _)| *at < cutoff) {
                events.pop_front();
            }
            !events.is_empty()
        });
    }

    /// Everything cached or remembered may be stale.
    fn resync_all(&self) {
        self.local.clear();
        lock(&self.recent).clear();
        let _ = self.notices.send(Notice::ResyncAll);
    }

    /// Redis reachable and the change subscription up (for readiness); `None` without
    /// Redis.
    pub async fn redis_ok(&self) -> Option<bool> {
        match &self.redis {
            Some(redis) => Some(self.subscribed() && redis.ping().await),
            None => None,
        }
    }

    /// Whether this instance currently hears other instances' changes.
    pub fn subscribed(&self) -> bool {
        self.subscribed.load(Ordering::SeqCst)
    }

    /// Listens on the change channel until `stop`, reconnecting with back-off. After any
    /// interruption, every in-process copy is dropped (messages may have been missed).
    pub async fn run_subscriber(self: Arc<Self>, mut stop: watch::Receiver<bool>) {
        let Some(redis) = &self.redis else { return };
        let mut connected_before = false;
        let mut backoff = Duration::from_millis(100);
        loop {
            match subscribe(redis).await {
                Ok(mut pubsub) => {
                    if connected_before {
                        tracing::info!("Redis subscription restored; dropping in-process copies");
                        self.resync_all();
                    }
                    connected_before = true;
                    self.subscribed.store(true, Ordering::SeqCst);
                    backoff = Duration::from_millis(100);
                    let mut messages = pubsub.on_message();
                    loop {
                        tokio::select! {
                            message = messages.next() => match message {
                                Some(message) => {
                                    let payload: Vec<u8> = message.get_payload_bytes().to_vec();
                                    match serde_json::from_slice::<ShowChange>(&payload) {
                                        Ok(change) => self.apply(Arc::new(change)).await,
                                        Err(err) => tracing::warn!(error = %err, "ignoring a malformed change message"),
                                    }
                                }
                                None => break,
                            },
                            _ = stop.changed() => return,
                        }
                    }
                    self.subscribed.store(false, Ordering::SeqCst);
                    redis.log_error("subscription", &"connection lost");
                    self.resync_all();
                }
                Err(err) => redis.log_error("SUBSCRIBE", &err),
            }
            tokio::select! {
                _ = tokio::time::sleep(backoff) => {}
                _ = stop.changed() => return,
            }
            backoff = (backoff * 2).min(Duration::from_secs(5));
        }
    }
}

async fn subscribe(redis: &Redis) -> std::result::Result<redis::aio::PubSub, String> {
    let connect = async {
        let mut pubsub = redis.client().await?.get_async_pubsub().await?;
        pubsub.subscribe(redis.channel()).await?;
        Ok::<_, redis::RedisError>(pubsub)
    };
    match tokio::time::timeout(redis.timeout() * 5, connect).await {
        Ok(result) => result.map_err(|e| e.to_string()),
        Err(_) => Err("timed out".into()),
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(version: u64) -> Arc<ShowChange> {
        Arc::new(ShowChange {
            show_id: 7,
            version,
            seats: vec![SeatChange {
                id: 1,
                status: SeatStatus::Held,
            }],
        })
    }

    #[tokio::test]
    async fn recent_changes_are_kept_in_version_order_and_forgotten_with_age() {
        let hub = Hub::new(ReadCache::new(Duration::from_secs(1), 1 << 20), None);
        for version in [3, 5, 4, 5] {
            hub.apply(change(version)).await;
        }
        let versions = |since| {
            hub.changes_since(7, since)
                .map(|changes| changes.iter().map(|c| c.version).collect::<Vec<_>>())
        };
        assert_eq!(versions(2), Some(vec![3, 4, 5]));
        assert_eq!(versions(3), Some(vec![4, 5]));
        assert_eq!(versions(1), None, "version 2 was never seen: a gap");

        hub.forget_before(Instant::now() - Duration::from_secs(60));
        assert_eq!(versions(2), Some(vec![3, 4, 5]), "nothing that old yet");
        hub.forget_before(Instant::now() + Duration::from_secs(1));
        assert_eq!(versions(2), None, "all forgotten: a client must reload");
    }
}
