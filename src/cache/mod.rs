//! Read caching: show lists, shows and seat maps, kept as serialized response bodies.
//!
//! Reads are cached as the exact bytes sent to clients (serializing a 20,000-seat map
//! costs far more than sending it), each with an ETag computed from those bytes. Every
//! entry lives at most `CACHE_TTL_MS`, and never past the moment its content would go
//! stale on its own: a seat map holding a hold that lapses in 800 ms is kept at most
//! 800 ms, because at that instant the seat must read as available.
//!
//! Writers call [`ReadCache::show_changed`] after their transaction commits (never
//! before, and never for one that rolled back); it drops the show's entries. Show lists
//! are not dropped for every seat that changes: in a sale that would turn every list read
//! into a database query. A list built before a seat change is served for at most
//! [`LIST_REFRESH`] after it was built, so a list is rebuilt at most that often and is
//! never further behind than that; a show's own page and seat map stay exact. A show
//! created, changed or cancelled drops every list at once ([`ReadCache::lists_changed`]).
//!
//! Concurrent misses on one key share a single load (moka's `try_get_with`), so a
//! stampede of readers costs one database query per instance.

pub mod hub;
pub mod keys;
pub mod redis;

pub use hub::{Hub, Notice, SeatChange, ShowChange};

use std::future::Future;
use std::hash::{Hash, Hasher};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use bytes::Bytes;
use moka::Expiry;

use crate::domain::{Error, Result};

/// Bodies at least this large are kept gzip-compressed only.
const COMPRESS_FROM_BYTES: usize = 8 * 1024;

/// A cached body as it is kept: small ones as they are, large ones only gzip-compressed.
/// A 500-seat map shrinks about eightfold and a 20,000-seat map fifteenfold, so the same
/// memory holds that many more of them; it is compressed once per change instead of once
/// per request, and inflated only for the rare client that does not accept gzip.
#[derive(Debug, Clone)]
pub enum Body {
    Plain(Bytes),
    Gzip(Bytes),
}

impl Body {
    /// The bytes kept (compressed or not).
    pub fn stored(&self) -> &Bytes {
        match self {
            Self::Plain(bytes) | Self::Gzip(bytes) => bytes,
        }
    }

    /// The body as it is, inflated if need be.
    pub fn plain(&self) -> Option<Bytes> {
        match self {
            Self::Plain(bytes) => Some(bytes.clone()),
            Self::Gzip(gzip) => gunzip(gzip),
        }
    }
}

/// How long a show list may be served after seats of its shows changed (counted from
/// when the list was built): what a person browsing can notice, and at most one rebuild
/// per list and instance in that time however fast seats sell.
pub const LIST_REFRESH: Duration = Duration::from_millis(250);

/// A cached response body.
#[derive(Debug, Clone)]
pub struct Entry {
    pub body: Body,
    /// Strong ETag of `body`, quoted.
    pub etag: Arc<str>,
    /// How long this entry may be served.
    pub ttl: Duration,
    /// The show version the body reflects (0 for lists).
    pub version: u64,
    /// Shows whose state the body reflects (for lists: every show on the page).
    pub show_ids: Arc<[i64]>,
    /// When the body was built.
    pub built: std::time::Instant,
}

impl Entry {
    /// Wraps serialized bytes of `version` of a show (0 for lists), computing the ETag:
    /// the version plus a hash of the bytes, so equal tags always mean equal bodies.
    pub fn new(body: Vec<u8>, version: u64, ttl: Duration, show_ids: Vec<i64>) -> Self {
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        body.hash(&mut hasher);
        Self {
            etag: format!("\"v{version}-{:016x}\"", hasher.finish()).into(),
            body: match gzip(&body) {
                Some(gzip) => Body::Gzip(gzip),
                None => Body::Plain(Bytes::from(body)),
            },
            ttl,
            version,
            show_ids: show_ids.into(),
            built: std::time::Instant::now(),
        }
    }

    /// True when an `If-None-Match` header value matches this entry.
    pub fn matches(&self, if_none_match: Option<&str>) -> bool {
        if_none_match.is_some_and(|value| {
            value
                .split(',')
                .map(|tag| tag.trim().trim_start_matches("W/"))
                .any(|tag| tag == "*" || tag == &*self.etag)
        })
    }
}

struct PerEntryTtl;

impl Expiry<String, Entry> for PerEntryTtl {
    fn expire_after_create(
        &self,
        _key: &String,
        value: &Entry,
        _created_at: std::time::Instant,
    ) -> Option<Duration> {
        Some(value.ttl)
    }
}

/// The in-process read cache.
#[derive(Clone)]
pub struct ReadCache {
    entries: moka::future::Cache<String, Entry>,
    ttl: Duration,
    /// How many times a miss ran its loader (shared by clones).
    loads: Arc<AtomicU64>,
    /// Show ids recently asked for and not found: answered 404 without the database for
    /// [`MISSING_FOR`], so a client walking through made-up ids costs one query per id and
    /// instance at most that often. Dropped for a show the moment it is created.
    missing: moka::sync::Cache<i64, ()>,
    /// Inflated copies of compressed bodies, by ETag, for clients that do not accept gzip:
    /// inflating a big seat map per request would make such a client cost many times what
    /// a gzip one does. Bounded in bytes; rarely asked copies are not kept (moka admits an
    /// entry only when it is asked for more often than the one it would evict).
    plain: moka::sync::Cache<Arc<str>, Bytes>,
    /// When seats of any show last changed, in nanoseconds after `epoch` (0: not since
    /// the start; shared by clones): lists built before it are rebuilt once they are
    /// [`LIST_REFRESH`] old.
    seats_changed: Arc<AtomicU64>,
    epoch: std::time::Instant,
}

/// How long "no such show" is remembered.
pub const MISSING_FOR: Duration = Duration::from_secs(2);

impl ReadCache {
    /// `ttl` caps every entry's life; `max_bytes` caps the memory the bodies use.
    pub fn new(ttl: Duration, max_bytes: u64) -> Self {
        let entries = moka::future::Cache::builder()
            .max_capacity(max_bytes)
            .weigher(|key: &String, entry: &Entry| {
                u32::try_from(key.len() + entry.body.stored().len()).unwrap_or(u32::MAX)
            })
            .expire_after(PerEntryTtl)
            .support_invalidation_closures()
            .build();
        Self {
            entries,
            ttl,
            loads: Arc::default(),
            missing: moka::sync::Cache::builder()
                .max_capacity(100_000)
                .time_to_live(MISSING_FOR)
                .build(),
            plain: moka::sync::Cache::builder()
                .max_capacity(max_bytes / 2)
                .weigher(|_: &Arc<str>, body: &Bytes| u32::try_from(body.len()).unwrap_or(u32::MAX))
                .time_to_live(ttl)
                .build(),
            seats_changed: Arc::default(),
            epoch: std::time::Instant::now(),
        }
    }

    /// True when `show_id` was looked up moments ago and does not exist.
    pub fn known_missing(&self, show_id: i64) -> bool {
        self.missing.contains_key(&show_id)
    }

    /// Remembers, for [`MISSING_FOR`], that `show_id` does not exist.
    pub fn remember_missing(&self, show_id: i64) {
        self.missing.insert(show_id, ());
    }

    /// The entry's body uncompressed: as kept, or inflated once and kept a while.
    pub fn plain_body(&self, entry: &Entry) -> Option<Bytes> {
        match &entry.body {
            Body::Plain(bytes) => Some(bytes.clone()),
            Body::Gzip(gzip) => self
                .plain
                .try_get_with(entry.etag.clone(), || gunzip(gzip).ok_or(()))
                .ok(),
        }
    }

    /// The longest an entry may live.
    pub fn ttl(&self) -> Duration {
        self.ttl
    }

    /// The cached entry for `key`, or the result of `load` (run once however many
    /// requests miss at the same moment). Errors are not cached.
    pub async fn get_or_load<F>(&self, key: String, load: F) -> Result<Entry>
    where
        F: Future<Output = Result<Entry>>,
    {
        let loads = &self.loads;
        if key.starts_with(keys::LIST_PREFIX)
            && let Some(entry) = self.entries.get(&key).await
            && self.list_is_behind(&entry)
        {
            self.entries.invalidate(&key).await;
        }
        self.entries
            .try_get_with(key, async {
                loads.fetch_add(1, Ordering::Relaxed);
                load.await
            })
            .await
            .map_err(|err: Arc<Error>| err.duplicate())
    }

    /// The show version of the entry kept for `key`, if one is.
    pub async fn version_of(&self, key: &str) -> Option<u64> {
        self.entries.get(key).await.map(|entry| entry.version)
    }

    /// Drops the entry kept for `key` when it is older than `version`.
    pub async fn drop_older(&self, key: &str, version: u64) {
        if self
            .entries
            .get(key)
            .await
            .is_some_and(|entry| entry.version < version)
        {
            self.entries.invalidate(key).await;
        }
    }

    /// How many cache misses have loaded from the database so far.
    pub fn loads(&self) -> u64 {
        self.loads.load(Ordering::Relaxed)
    }

    /// Forgets everything cached about `show_id`: the show, its seat map, and every
    /// cached list that includes it.
    pub async fn show_changed(&self, show_id: i64) {
        self.missing.invalidate(&show_id);
        self.entries.invalidate(&keys::show(show_id)).await;
        self.entries.invalidate(&keys::seat_map(show_id)).await;
        self.lists_with_show_changed(show_id);
    }

    /// Like [`ReadCache::show_changed`] for the change that produced `version`, heard
    /// after the writer already dropped its copies: the show and its seat map are kept
    /// when they were loaded at `version` or later (they include the change), so a copy
    /// loaded between the commit and the message is not thrown away again.
    pub async fn show_changed_at(&self, show_id: i64, version: u64) {
        self.missing.invalidate(&show_id);
        for key in [keys::show(show_id), keys::seat_map(show_id)] {
            self.drop_older(&key, version).await;
        }
        self.lists_with_show_changed(show_id);
    }

    /// Seats changed: lists built before now are rebuilt once they are
    /// [`LIST_REFRESH`] old (whichever shows they hold: one clock for all lists costs a
    /// read nothing, and a list is rebuilt at most that often either way).
    fn lists_with_show_changed(&self, _show_id: i64) {
        let now = self.epoch.elapsed().as_nanos().max(1) as u64;
        self.seats_changed.fetch_max(now, Ordering::Relaxed);
    }

    /// A list built before the last seat change, and old enough to be rebuilt.
    pub fn list_is_behind(&self, entry: &Entry) -> bool {
        let changed = self.seats_changed.load(Ordering::Relaxed);
        let built = entry.built.saturating_duration_since(self.epoch).as_nanos() as u64;
        changed != 0 && built < changed && entry.built.elapsed() >= LIST_REFRESH
    }

    /// Drops every entry.
    pub fn clear(&self) {
        self.entries.invalidate_all();
        self.missing.invalidate_all();
    }

    /// A new show may belong on any cached list: drop them all.
    pub fn lists_changed(&self) {
        let result = self
            .entries
            .invalidate_entries_if(|key, _| key.starts_with(keys::LIST_PREFIX));
        if result.is_err() {
            self.entries.invalidate_all();
        }
    }
}

/// The body inside a gzip stream (None if it is not one).
pub fn gunzip(gzip: &[u8]) -> Option<Bytes> {
    use std::io::Read;
    let mut body = Vec::with_capacity(gzip.len() * 12);
    flate2::read::GzDecoder::new(gzip)
        .read_to_end(&mut body)
        .ok()?;
    Some(Bytes::from(body))
}

/// gzip of a large body (fast level: bodies change often and are read many times).
pub(crate) fn gzip(body: &[u8]) -> Option<Bytes> {
    use std::io::Write;
    if body.len() < COMPRESS_FROM_BYTES {
        return None;
    }
    let mut encoder = flate2::write::GzEncoder::new(
        Vec::with_capacity(body.len() / 8),
        flate2::Compression::fast(),
    );
    encoder.write_all(body).ok()?;
    encoder.finish().ok().map(Bytes::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_change_heard_late_keeps_copies_that_already_include_it() {
        let cache = ReadCache::new(Duration::from_secs(60), 1 << 20);
        let load = |version| async move {
            Ok(Entry::new(
                b"{}".to_vec(),
                version,
                Duration::from_secs(60),
                vec![7],
            ))
        };
        let version_of = |key: String| {
            let cache = cache.clone();
            async move { cache.entries.get(&key).await.map(|e| e.version) }
        };
        cache.get_or_load(keys::seat_map(7), load(5)).await.unwrap();
        cache.get_or_load(keys::show(7), load(4)).await.unwrap();
        // The change that produced version 5 arrives: the map loaded at 5 includes it.
        cache.show_changed_at(7, 5).await;
        assert_eq!(version_of(keys::seat_map(7)).await, Some(5));
        assert_eq!(version_of(keys::show(7)).await, None);
        cache.show_changed(7).await;
        assert_eq!(version_of(keys::seat_map(7)).await, None);
    }

    /// Seats selling do not rebuild a list per sale: a list built before a change is
    /// kept until it is [`LIST_REFRESH`] old, then rebuilt once; a show's own entries
    /// are dropped at once.
    #[tokio::test]
    async fn lists_follow_seat_changes_at_most_every_refresh() {
        let cache = ReadCache::new(Duration::from_secs(60), 1 << 20);
        let list = |age: Duration, tag: &'static str| async move {
            let mut entry = Entry::new(tag.into(), 0, Duration::from_secs(60), vec![7, 8]);
            entry.built = std::time::Instant::now() - age;
            Ok(entry)
        };
        let read = |key: &'static str, tag: &'static str| {
            let cache = cache.clone();
            async move {
                let entry = cache
                    .get_or_load(keys::show_list(key), list(Duration::ZERO, tag))
                    .await
                    .unwrap();
                entry.body.plain().unwrap()
            }
        };
        // Built just now, then a seat of show 7 changes: still served as it is.
        cache
            .get_or_load(keys::show_list("fresh"), list(Duration::ZERO, "fresh"))
            .await
            .unwrap();
        // Built a while ago: before the change it stays too.
        cache
            .get_or_load(keys::show_list("old"), list(LIST_REFRESH * 2, "old"))
            .await
            .unwrap();
        assert_eq!(read("old", "reloaded").await, "old", "no change yet");
        cache
            .get_or_load(keys::show(7), async {
                Ok(Entry::new(
                    b"show".to_vec(),
                    1,
                    Duration::from_secs(60),
                    vec![7],
                ))
            })
            .await
            .unwrap();
        cache.show_changed(7).await;
        assert!(
            cache.entries.get(&keys::show(7)).await.is_none(),
            "the show is exact"
        );
        assert_eq!(read("fresh", "reloaded").await, "fresh");
        assert_eq!(read("old", "reloaded").await, "reloaded");
        // The rebuilt list was built after the change: kept again.
        assert_eq!(read("old", "again").await, "reloaded");
        // A show created or changed: every list goes at once.
        cache.lists_changed();
        assert_eq!(read("fresh", "new show").await, "new show");
    }

    #[test]
    fn gzip_round_trips_large_bodies_and_skips_small_ones() {
        let big: Vec<u8> = (0..20_000)
            .flat_map(|i| format!("{{\"id\":{i},\"status\":\"AVAILABLE\"}},").into_bytes())
            .collect();
        let packed = super::gzip(&big).expect("a large body is compressed");
        assert!(packed.len() * 5 < big.len());
        assert_eq!(super::gunzip(&packed).expect("valid gzip"), big);
        assert!(super::gzip(b"{}").is_none());
        assert!(super::gunzip(b"not gzip").is_none());
    }
}
