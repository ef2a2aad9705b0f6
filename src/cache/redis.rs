//! Everything the instances share through Redis (bb8-redis): cached bodies, per-show
//! versions and the change channel, rate-limit state, and the booking event stream.
//!
//! Every Redis call is bounded by a timeout and every failure is logged (at most once per
//! interval) and swallowed: callers fall back to PostgreSQL or to in-process state, so a
//! Redis outage slows nothing down and fails no request.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use bb8_redis::RedisConnectionManager;
use bytes::Bytes;
use redis::AsyncCommands;
use redis::aio::MultiplexedConnection;
use redis::sentinel::{AsyncLockedSentinelClient, SentinelClient, SentinelServerType};

use super::{Body, Entry};

/// Redis handles, named under one namespace (several deployments or test runs can share
/// a server).
pub struct Redis {
    servers: Servers,
    namespace: String,
    timeout: Duration,
    last_error_log: Mutex<Option<Instant>>,
}

/// Where the Redis server is: at one address, or wherever Redis Sentinel says the master
/// of a name is (asked again for every new connection, so a failover is followed).
enum Servers {
    Direct {
        pool: bb8::Pool<RedisConnectionManager>,
        client: redis::Client,
    },
    Sentinel {
        pool: bb8::Pool<AsyncLockedSentinelClient>,
        /// For the change channel's subscription (made anew after each loss).
        client: tokio::sync::Mutex<SentinelClient>,
    },
}

/// After a failover, an old master may come back as a replica and answer pings while
/// refusing writes: a pooled connection lives at most this long, so it moves on too.
const SENTINEL_CONNECTION_LIFETIME: Duration = Duration::from_secs(30);

/// At most one Redis error log line per this interval.
const ERROR_LOG_INTERVAL: Duration = Duration::from_secs(10);

impl Redis {
    /// Prepares the pool; connects lazily, so a Redis that is down at start-up is no error.
    pub fn new(url: &str, namespace: &str, timeout: Duration) -> anyhow::Result<Self> {
        // A `rediss://` URL connects with TLS (rustls, the system's trust store or
        // SSL_CERT_FILE, as in `crate::tls`).
        let manager = RedisConnectionManager::new(url)?;
        let pool = bb8::Pool::builder()
            .max_size(16)
            .connection_timeout(timeout)
            .build_unchecked(manager);
        Ok(Self {
            servers: Servers::Direct {
                pool,
                client: redis::Client::open(url)?,
            },
            namespace: namespace.to_owned(),
            timeout,
            last_error_log: Mutex::new(None),
        })
    }

    /// Like [`Redis::new`] for the master that the Sentinels at `sentinels` (URLs) know as
    /// `master`: each new connection asks them where it is.
    pub fn with_sentinels(
        sentinels: &[String],
        master: &str,
        namespace: &str,
        timeout: Duration,
    ) -> anyhow::Result<Self> {
        let client =
            || SentinelClient::build(sentinels.to_vec(), master, None, SentinelServerType::Master);
        let pool = bb8::Pool::builder()
            .max_size(16)
            .connection_timeout(timeout)
            .max_lifetime(Some(SENTINEL_CONNECTION_LIFETIME))
            .build_unchecked(AsyncLockedSentinelClient::new(client()?));
        Ok(Self {
            servers: Servers::Sentinel {
                pool,
                client: tokio::sync::Mutex::new(client()?),
            },
            namespace: namespace.to_owned(),
            timeout,
            last_error_log: Mutex::new(None),
        })
    }

    /// The channel that carries show changes between instances.
    pub fn channel(&self) -> String {
        format!("{}:show-changes", self.namespace)
    }

    fn key(&self, key: &str) -> String {
        format!("{}:{key}", self.namespace)
    }

    fn version_key(&self, show_id: i64) -> String {
        format!("{}:version:{show_id}", self.namespace)
    }

    /// The primary's WAL position after the show's last announced change (see
    /// `store::replicas`): a replica must have replayed it to serve the show.
    fn lsn_key(&self, show_id: i64) -> String {
        format!("{}:lsn:{show_id}", self.namespace)
    }

    /// Like [`Redis::lsn_key`] for the lists: after the last show created, changed or
    /// cancelled.
    fn lists_lsn_key(&self) -> String {
        format!("{}:lists-lsn", self.namespace)
    }

    /// The primary's WAL position after a user's last hold, confirm or cancel: a replica
    /// must have replayed it to serve their bookings. Kept a while only (see
    /// [`Redis::record_user_lsn`]).
    fn user_lsn_key(&self, user_id: i64) -> String {
        format!("{}:user-lsn:{user_id}", self.namespace)
    }

    /// The generation of the show lists: taken anew when a show is created, changed or
    /// cancelled, so no list copy of an older generation is served.
    fn lists_generation_key(&self) -> String {
        format!("{}:lists-generation", self.namespace)
    }

    /// The per-call timeout.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// Open and idle connections of the pool.
    pub fn pool_state(&self) -> (u32, u32) {
        let state = match &self.servers {
            Servers::Direct { pool, .. } => pool.state(),
            Servers::Sentinel { pool, .. } => pool.state(),
        };
        (state.connections, state.idle_connections)
    }

    /// A client for the subscriber (pub/sub needs a connection of its own): with
    /// Sentinel, for the master as it is now.
    pub async fn client(&self) -> redis::RedisResult<redis::Client> {
        match &self.servers {
            Servers::Direct { client, .. } => Ok(client.clone()),
            Servers::Sentinel { client, .. } => client.lock().await.async_get_client().await,
        }
    }

    /// A connection of the pool (a cheap handle to a multiplexed connection).
    async fn connection(&self) -> Result<MultiplexedConnection, String> {
        match &self.servers {
            Servers::Direct { pool, .. } => {
                Ok(pool.get().await.map_err(|e| e.to_string())?.clone())
            }
            Servers::Sentinel { pool, .. } => {
                Ok(pool.get().await.map_err(|e| e.to_string())?.clone())
            }
        }
    }

    /// Logs a Redis failure, rate-limited.
    pub fn log_error(&self, what: &str, err: &dyn std::fmt::Display) {
        let mut last = self
            .last_error_log
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        if last.is_none_or(|at| at.elapsed() >= ERROR_LOG_INTERVAL) {
            *last = Some(Instant::now());
            tracing::warn!(error = %err, "Redis {what} failed; serving without it (further errors muted for {}s)", ERROR_LOG_INTERVAL.as_secs());
        }
    }

    /// Runs one command with the timeout; failures are logged and become `None`.
    async fn run<T, F, Fut>(&self, what: &str, f: F) -> Option<T>
    where
        F: FnOnce(MultiplexedConnection) -> Fut,
        Fut: std::future::Future<Output = redis::RedisResult<T>>,
    {
        let result = tokio::time::timeout(self.timeout, async {
            // A multiplexed connection is a cheap handle: clone it out of the pool.
            let conn = self.connection().await?;
            f(conn).await.map_err(|e| e.to_string())
        })
        .await;
        match result {
            Ok(Ok(value)) => Some(value),
            Ok(Err(err)) => {
                self.log_error(what, &err);
                None
            }
            Err(_) => {
                self.log_error(what, &"timed out");
                None
            }
        }
    }

    /// A cached body: stored as `etag`, newline, then either the JSON body or, for large
    /// bodies, `G` and the body's gzip (a 20,000-seat map is 3 MB of JSON, 0.3 MB
    /// compressed: less to send and store, and inflating on a hit is far cheaper than
    /// compressing again).
    pub async fn get(&self, key: &str) -> Option<Entry> {
        let key = self.key(key);
        let (value, ttl_ms): (Option<Vec<u8>>, i64) = self
            .run("GET", |mut c| async move {
                redis::pipe().get(&key).pttl(&key).query_async(&mut c).await
            })
            .await?;
        parse_entry(&value?, ttl_ms)
    }

    /// Stores a body of one show's `version`, unless the show has moved on meanwhile (a
    /// load that started before a change must not overwrite what the change dropped).
    pub async fn set(&self, key: &str, show_id: i64, entry: &Entry) {
        let ttl_ms = entry.ttl.as_millis() as u64;
        if ttl_ms == 0 {
            return;
        }
        let key = self.key(key);
        let version_key = self.version_key(show_id);
        let value = stored_entry(entry);
        let version = entry.version;
        self.run("SET", |mut c| async move {
            redis::Script::new(
                "if tonumber(redis.call('GET', KEYS[2]) or '0') == tonumber(ARGV[2]) then \
                   redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[3]) end return 0",
            )
            .key(&key)
            .key(&version_key)
            .arg(value)
            .arg(version)
            .arg(ttl_ms)
            .invoke_async::<i64>(&mut c)
            .await
        })
        .await;
    }

    /// Drops a show's cached bodies and takes its next version, in one round trip; with
    /// `lists`, also the next lists generation (the show itself changed: no list copy
    /// made before may be served again).
    ///
    /// With `lsn` (the primary's WAL position after the change, when replicas serve reads),
    /// the show's (and with `lists`, the lists') required position moves up to it first:
    /// whoever reads the new version reads that position too.
    pub async fn invalidate(
        &self,
        show_id: i64,
        keys: &[String],
        lists: bool,
        lsn: Option<u64>,
    ) -> Option<u64> {
        let keys: Vec<String> = keys.iter().map(|k| self.key(k)).collect();
        let version_key = self.version_key(show_id);
        let generation_key = self.lists_generation_key();
        let mut lsn_keys = vec![self.lsn_key(show_id)];
        if lists {
            lsn_keys.push(self.lists_lsn_key());
        }
        self.run("DEL+INCR", |mut c| async move {
            let mut pipe = redis::pipe();
            if let Some(lsn) = lsn {
                for key in lsn_keys {
                    pipe.cmd("EVAL")
                        .arg(
                            "if tonumber(ARGV[1]) > tonumber(redis.call('GET', KEYS[1]) or '0') then \
                               redis.call('SET', KEYS[1], ARGV[1]) end return 0",
                        )
                        .arg(1)
                        .arg(key)
                        .arg(lsn)
                        .ignore();
                }
            }
            pipe.del(keys).ignore().incr(version_key, 1);
            if lists {
                pipe.incr(generation_key, 1).ignore();
            }
            let (version,): (u64,) = pipe.query_async(&mut c).await?;
            Ok(version)
        })
        .await
    }

    /// A shared copy of a show list, with the lists generation it was made in and the
    /// current one: `(copy if of the current generation, current generation)`.
    pub async fn get_list(&self, key: &str) -> Option<(Option<Entry>, u64)> {
        let key = self.key(key);
        let generation_key = self.lists_generation_key();
        let (value, ttl_ms, generation): (Option<Vec<u8>>, i64, Option<u64>) = self
            .run("GET list", |mut c| async move {
                redis::pipe()
                    .get(&key)
                    .pttl(&key)
                    .get(&generation_key)
                    .query_async(&mut c)
                    .await
            })
            .await?;
        let generation = generation.unwrap_or(0);
        let copy = value.and_then(|value| {
            // "<generation> <built, unix ms>\n" then the body as `get` stores it.
            let split = value.iter().position(|&b| b == b'\n')?;
            let header = std::str::from_utf8(&value[..split]).ok()?;
            let (made_in, built_ms) = header.split_once(' ')?;
            if made_in.parse::<u64>().ok()? != generation {
                return None;
            }
            let age_ms = (chrono::Utc::now().timestamp_millis() - built_ms.parse::<i64>().ok()?)
                .max(0) as u64;
            let mut entry = parse_entry(&value[split + 1..], ttl_ms)?;
            entry.built = Instant::now()
                .checked_sub(Duration::from_millis(age_ms))
                .unwrap_or_else(Instant::now);
            Some(entry)
        });
        Some((copy, generation))
    }

    /// Shares a show list made in lists `generation`, unless a show changed meanwhile.
    pub async fn set_list(&self, key: &str, generation: u64, entry: &Entry) {
        let ttl_ms = entry.ttl.as_millis() as u64;
        if ttl_ms == 0 {
            return;
        }
        let key = self.key(key);
        let generation_key = self.lists_generation_key();
        let age_ms = entry.built.elapsed().as_millis() as i64;
        let built_ms = chrono::Utc::now().timestamp_millis() - age_ms;
        let mut value = format!("{generation} {built_ms}\n").into_bytes();
        value.extend_from_slice(&stored_entry(entry));
        self.run("SET list", |mut c| async move {
            redis::Script::new(
                "if tonumber(redis.call('GET', KEYS[2]) or '0') == tonumber(ARGV[2]) then \
                   redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[3]) end return 0",
            )
            .key(&key)
            .key(&generation_key)
            .arg(value)
            .arg(generation)
            .arg(ttl_ms)
            .invoke_async::<i64>(&mut c)
            .await
        })
        .await;
    }

    /// Current version of a show and the WAL position a replica must have replayed to
    /// serve it (0 when it never changed or none was recorded), read together.
    pub async fn version_and_lsn(&self, show_id: i64) -> Option<(u64, u64)> {
        let keys = [self.version_key(show_id), self.lsn_key(show_id)];
        self.run("GET version", |mut c| async move {
            let [version, lsn]: [Option<u64>; 2] = c.mget(&keys).await?;
            Ok((version.unwrap_or(0), lsn.unwrap_or(0)))
        })
        .await
    }

    /// Raises the WAL position of `user_id`'s last booking write to `lsn`, for `keep`:
    /// once every usable replica has replayed it (they lag at most `REPLICA_MAX_LAG_MS`),
    /// the key may go. One key per recent writer, no more.
    pub async fn record_user_lsn(&self, user_id: i64, lsn: u64, keep: Duration) -> Option<()> {
        let key = self.user_lsn_key(user_id);
        let keep_ms = keep.as_millis().max(1) as u64;
        self.run("SET user lsn", |mut c| async move {
            redis::cmd("EVAL")
                .arg(
                    "if tonumber(ARGV[1]) > tonumber(redis.call('GET', KEYS[1]) or '0') then \
                       redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) \
                     else redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0",
                )
                .arg(1)
                .arg(key)
                .arg(lsn)
                .arg(keep_ms)
                .query_async::<()>(&mut c)
                .await
        })
        .await
    }

    /// The WAL position of `user_id`'s last booking write still kept (0: none).
    pub async fn user_lsn(&self, user_id: i64) -> Option<u64> {
        self.number("GET user lsn", self.user_lsn_key(user_id))
            .await
    }

    /// The WAL position a replica must have replayed to serve show lists.
    pub async fn lists_lsn(&self) -> Option<u64> {
        self.number("GET lists lsn", self.lists_lsn_key()).await
    }

    /// Current version of a show (0 when it never changed).
    pub async fn version(&self, show_id: i64) -> Option<u64> {
        self.number("GET version", self.version_key(show_id)).await
    }

    /// The number at `key` (0 when there is none); `None` when Redis did not answer.
    async fn number(&self, what: &'static str, key: String) -> Option<u64> {
        self.run(
            what,
            |mut c| async move { c.get::<_, Option<u64>>(key).await },
        )
        .await
        .map(Option::unwrap_or_default)
    }

    /// Publishes a change message; false when it could not be sent.
    /// Publishes `messages` on the change channel, in order, in one round trip.
    pub async fn publish_all(&self, messages: Vec<String>) -> bool {
        let channel = self.channel();
        self.run("PUBLISH", |mut c| async move {
            let mut pipe = redis::pipe();
            for message in messages {
                pipe.publish(&channel, message).ignore();
            }
            pipe.query_async::<()>(&mut c).await
        })
        .await
        .is_some()
    }

    pub async fn publish(&self, message: String) -> bool {
        let channel = self.channel();
        self.run("PUBLISH", |mut c| async move {
            c.publish::<_, _, i64>(channel, message).await
        })
        .await
        .is_some()
    }

    /// One request against a rate limit of `per_minute` (with a burst of as many) under
    /// `key`: `Some(None)` when allowed, `Some(Some(wait))` when refused, `None` when Redis
    /// could not answer (the caller decides alone).
    pub async fn rate_limit(
        &self,
        key: &str,
        per_minute: u32,
        burst: u32,
    ) -> Option<Option<Duration>> {
        static SCRIPT: std::sync::LazyLock<redis::Script> =
            std::sync::LazyLock::new(|| redis::Script::new(GCRA));
        let key = self.key(&format!("rate:{key}"));
        let interval_ms = 60_000.0 / f64::from(per_minute.max(1));
        let wait_ms: i64 = self
            .run("rate limit", |mut c| async move {
                SCRIPT
                    .key(key)
                    .arg(interval_ms)
                    .arg(burst)
                    .invoke_async(&mut c)
                    .await
            })
            .await?;
        Some((wait_ms > 0).then(|| Duration::from_millis(wait_ms as u64)))
    }

    /// The stream that carries booking lifecycle events to downstream systems.
    pub fn events_stream(&self) -> String {
        format!("{}:booking-events", self.namespace)
    }

    /// Appends events to the booking event stream, in order, in one round trip (each
    /// entry: field/value pairs). The stream keeps roughly the newest `max_len` entries.
    /// True when Redis has them all.
    pub async fn append_events(&self, entries: &[Vec<(&str, String)>], max_len: usize) -> bool {
        let stream = self.events_stream();
        self.run("XADD", |mut c| async move {
            let mut pipe = redis::pipe();
            for fields in entries {
                pipe.xadd_maxlen(
                    &stream,
                    redis::streams::StreamMaxlen::Approx(max_len),
                    "*",
                    fields,
                )
                .ignore();
            }
            pipe.query_async::<()>(&mut c).await
        })
        .await
        .is_some()
    }

    /// PING, for readiness.
    pub async fn ping(&self) -> bool {
        self.run("PING", |mut c| async move {
            redis::cmd("PING").query_async::<String>(&mut c).await
        })
        .await
        .is_some()
    }
}

/// Generic cell rate algorithm, atomically in Redis, on Redis's clock (so instances with
/// skewed clocks agree). The key holds the "theoretical arrival time" of the next request
/// in milliseconds; a request is allowed when that time is less than `burst` intervals
/// ahead of now. KEYS[1]: the key; ARGV[1]: interval in ms; ARGV[2]: burst. Returns 0 when
/// allowed, else the milliseconds until a request would be.
const GCRA: &str = r"
local now_parts = redis.call('TIME')
local now = now_parts[1] * 1000 + math.floor(now_parts[2] / 1000)
local interval = tonumber(ARGV[1])
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
local new_tat = tat + interval
local allowed_at = new_tat - interval * tonumber(ARGV[2])
if allowed_at > now then return math.ceil(allowed_at - now) end
redis.call('SET', KEYS[1], string.format('%.0f', new_tat), 'PX', math.ceil(new_tat - now))
return 0
";

/// The version in an ETag of the form `"v<version>-<hash>"`.
fn etag_version(etag: &str) -> u64 {
    etag.trim_matches('"')
        .strip_prefix('v')
        .and_then(|rest| rest.split('-').next())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

/// A cached body as Redis keeps it: `etag`, newline, then either the JSON body or, for
/// large bodies, `G` and the body's gzip.
fn stored_entry(entry: &Entry) -> Vec<u8> {
    let stored = entry.body.stored();
    let mut value = Vec::with_capacity(entry.etag.len() + 2 + stored.len());
    value.extend_from_slice(entry.etag.as_bytes());
    value.push(b'\n');
    if let Body::Gzip(_) = entry.body {
        value.push(b'G');
    }
    value.extend_from_slice(stored);
    value
}

/// The entry [`stored_entry`] wrote, with the `ttl_ms` Redis has left for it.
fn parse_entry(value: &[u8], ttl_ms: i64) -> Option<Entry> {
    let split = value.iter().position(|&b| b == b'\n')?;
    let etag: std::sync::Arc<str> = std::str::from_utf8(&value[..split]).ok()?.into();
    // The etag reads "v<version>-<hash>".
    let version = etag_version(&etag);
    let stored = &value[split + 1..];
    let body = match stored.split_first() {
        Some((b'G', gzip)) => Body::Gzip(Bytes::copy_from_slice(gzip)),
        _ => Body::Plain(Bytes::copy_from_slice(stored)),
    };
    Some(Entry {
        body,
        etag,
        ttl: Duration::from_millis(ttl_ms.max(1) as u64),
        version,
        show_ids: Vec::new().into(),
        built: Instant::now(),
    })
}
