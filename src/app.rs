//! Building and running the service: database, migrations, admin account, routes,
//! background sweeper, graceful shutdown.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context;
use tokio::sync::watch;

use crate::api::routes::routes;
use crate::api::seat_json::SeatLayouts;
use crate::api::streams::StreamSlots;
use crate::auth::{self, TokenVersions, Tokens};
use crate::cache::redis::Redis;
use crate::cache::{Hub, ReadCache};
use crate::config::{DEFAULT_ADMIN_PASSWORD, Settings};
use crate::domain::booking::HoldRules;
use crate::domain::ticket::TicketSigner;
use crate::ratelimit::RateLimiter;
use crate::store::embedded::EmbeddedPostgres;
use crate::store::{Db, PoolSettings, migrate, settings};
use crate::worker::{housekeeping, memory, relay, sweeper};

pub use crate::api::state::{AppState, ClientIp};

/// Memory for prepared seat-map layouts: about 130 bytes per seat, so 2.6 MB for a
/// 20,000-seat show and room for the layouts of the few dozen shows mapped most recently.
const SEAT_LAYOUTS_MAX_BYTES: u64 = 64 << 20;

/// A service ready to serve: listener bound, database migrated.
pub struct Application {
    listener: tokio::net::TcpListener,
    state: Arc<AppState>,
    settings: Settings,
    /// The private cluster of the embedded default, stopped after the server.
    embedded: Option<EmbeddedPostgres>,
}

/// Connects to (or starts) PostgreSQL and applies migrations.
pub async fn database(settings: &Settings) -> anyhow::Result<(Db, Option<EmbeddedPostgres>)> {
    let (url, embedded) = match &settings.database_url {
        Some(url) => (url.clone(), None),
        None => {
            tracing::info!(
                data_dir = %settings.data_dir.display(),
                "DATABASE_URL is not set: using a private PostgreSQL (the embedded default)"
            );
            let pg = EmbeddedPostgres::start(&settings.data_dir.join("postgres")).await?;
            (pg.url(), Some(pg))
        }
    };
    let db = Db::connect(&PoolSettings {
        url,
        max_size: settings.pool_size,
        read_max_size: settings.read_pool_size,
        timeout: settings.database_timeout,
        pooler: settings.database_pooler,
    })?
    .with_replicas(&settings.replicas, settings.read_pool_size)?;
    let migrated = match &settings.migrate_url {
        // Straight to PostgreSQL: a pooler in transaction mode cannot keep the session-level
        // migration lock.
        Some(url) => {
            let direct = Db::connect(&PoolSettings {
                url: url.clone(),
                max_size: 1,
                read_max_size: 1,
                timeout: settings.database_timeout,
                pooler: crate::store::Pooler::None,
            })?;
            migrate::run(&direct).await
        }
        None => migrate::run(&db).await,
    };
    if let Err(err) = migrated {
        if let Some(pg) = &embedded {
            pg.stop();
        }
        return Err(err);
    }
    Ok((db, embedded))
}

impl Application {
    /// Binds the listener (port 0 picks a free port) and prepares everything else.
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        settings.check_deployment()?;
        // Install the metrics recorder before anything records.
        crate::metrics::handle();
        let (db, embedded) = database(&settings).await?;
        let result = async {
            let secret = settings::jwt_secret(&db, settings.jwt_secret.as_deref())
                .await
                .map_err(|e| anyhow::anyhow!("reading the token secret: {e}"))?;
            let ticket_secret = settings::ticket_secret(&db)
                .await
                .map_err(|e| anyhow::anyhow!("reading the ticket secret: {e}"))?;
            ensure_admin(&db, &settings).await?;
            if embedded.is_some() && crate::seed::load_samples_if_empty(&db).await? {
                tracing::info!(
                    "loaded the sample layouts and shows (cinema, coach, clinic, arena)"
                );
            }
            let listener = tokio::net::TcpListener::bind(settings.bind_addr)
                .await
                .with_context(|| format!("binding {}", settings.bind_addr))?;
            Ok::<_, anyhow::Error>((secret, ticket_secret, listener))
        }
        .await;
        let (secret, ticket_secret, listener) = match result {
            Ok(ok) => ok,
            Err(err) => {
                if let Some(pg) = &embedded {
                    pg.stop();
                }
                return Err(err);
            }
        };
        let redis = match &settings.redis_url {
            Some(url) => {
                tracing::info!(
                    "caching in process and in Redis; changes travel over Redis pub/sub"
                );
                Some(Arc::new(Redis::new(
                    url,
                    &settings.redis_namespace,
                    settings.redis_timeout,
                )?))
            }
            None if !settings.redis_sentinels.is_empty() => {
                tracing::info!(
                    master = %settings.redis_master_name,
                    "caching in process and in Redis found through Sentinel; changes travel over Redis pub/sub"
                );
                Some(Arc::new(Redis::with_sentinels(
                    &settings.redis_sentinels,
                    &settings.redis_master_name,
                    &settings.redis_namespace,
                    settings.redis_timeout,
                )?))
            }
            None => {
                tracing::info!(
                    "REDIS_URL is not set: in-process cache and bus (fine for one instance; \
                     set REDIS_URL to run several)"
                );
                None
            }
        };
        let mut batching = settings.batching;
        if batching.enabled {
            batching.max_rows = db
                .predicate_lock_budget()
                .await
                .map_err(|e| anyhow::anyhow!("reading PostgreSQL's predicate lock limits: {e}"))?;
            tracing::info!(
                max_requests = batching.max_size,
                max_seats = batching.max_rows,
                "writes are batched (group commit); PostgreSQL's max_pred_locks_per_relation \
                 bounds the seats of a batch (see the operations guide)"
            );
        }
        let cache = Arc::new(Hub::new(
            ReadCache::new(settings.cache_ttl, settings.cache_max_bytes),
            redis.clone(),
        ));
        let state = Arc::new(AppState {
            db: crate::service::bookings::start_batching(db, cache.clone(), batching),
            cache,
            seat_layouts: SeatLayouts::new(SEAT_LAYOUTS_MAX_BYTES),
            tokens: Tokens::new(&secret, settings.token_ttl),
            tickets: TicketSigner::new(ticket_secret.as_bytes()),
            token_versions: TokenVersions::default(),
            hold_rules: HoldRules {
                ttl_secs: settings.hold_ttl_secs,
                max_held_seats: settings.max_held_seats,
            },
            limits: Arc::new(RateLimiter::new(settings.rate_limits, redis.clone())),
            streams: StreamSlots::new(
                settings.connections.max_event_streams,
                settings.connections.max_event_streams_per_ip,
            ),
            trust_forwarded_for: settings.trust_forwarded_for,
            stop: watch::channel(false).0,
        });

        Ok(Self {
            listener,
            state,
            settings,
            embedded,
        })
    }

    /// The address actually bound.
    pub fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .unwrap_or(self.settings.bind_addr)
    }

    pub fn state(&self) -> Arc<AppState> {
        self.state.clone()
    }

    /// Serves until `shutdown` completes, then lets in-flight requests finish (within the
    /// grace period), stops the sweeper and the embedded database.
    pub async fn run_until(self, shutdown: impl Future<Output = ()> + Send) -> anyhow::Result<()> {
        let stop_rx = self.state.stop.subscribe();
        let subscriber = tokio::spawn(self.state.cache.clone().run_subscriber(stop_rx.clone()));
        let publisher = tokio::spawn(self.state.cache.clone().run_publisher());
        let sweeper = tokio::spawn(sweeper::run(
            self.state.db.clone(),
            self.state.cache.clone(),
            self.settings.sweep_interval,
            stop_rx.clone(),
        ));
        let housekeeping = tokio::spawn(housekeeping::run(
            self.state.limits.clone(),
            self.state.cache.clone(),
            stop_rx.clone(),
        ));
        let relay = tokio::spawn(relay::run(
            self.state.db.clone(),
            self.state.cache.redis().cloned(),
            stop_rx.clone(),
        ));
        let trim = tokio::spawn(memory::run(stop_rx.clone()));
        let probe = {
            let db = self.state.db.clone();
            tokio::spawn(async move { db.probe_replicas(stop_rx).await })
        };
        tracing::info!(addr = %self.local_addr(), "Tessera is listening (API /api/v1, docs /docs)");
        let state = self.state.clone();
        let shutdown = async move {
            shutdown.await;
            // End event streams and background work, so draining does not wait on them.
            let _ = state.stop.send(true);
        };
        crate::server::serve(
            self.listener,
            routes(self.state.clone(), &self.settings),
            &self.settings.connections,
            shutdown,
            self.settings.shutdown_grace,
        )
        .await;
        let _ = self.state.stop.send(true);
        let _ = sweeper.await;
        // Changes committed before the stop are still told to the other instances.
        self.state.cache.flush().await;
        publisher.abort();
        let _ = relay.await;
        let _ = trim.await;
        let _ = probe.await;
        let _ = housekeeping.await;
        let _ = subscriber.await;
        if let Some(pg) = &self.embedded {
            pg.stop();
        }
        Ok(())
    }
}

/// Creates the admin account or updates its password.
async fn ensure_admin(db: &Db, settings: &Settings) -> anyhow::Result<()> {
    let email = auth::normalize_email(&settings.admin_email)
        .map_err(|_| anyhow::anyhow!("ADMIN_EMAIL is not a valid e-mail address"))?;
    let password = match &settings.admin_password {
        Some(p) => p.clone(),
        None => {
            tracing::warn!(
                email = %email,
                "ADMIN_PASSWORD is not set: the admin account uses the default password; set one outside development"
            );
            DEFAULT_ADMIN_PASSWORD.to_owned()
        }
    };
    auth::check_password(&password).map_err(|e| anyhow::anyhow!("ADMIN_PASSWORD: {}", e.detail))?;
    // The same password as stored: nothing changes (tokens stay valid across restarts). A
    // new one replaces the hash and revokes every token issued with the old one.
    let stored = db.find_user_by_email(&email).await?;
    if let Some(stored) = &stored
        && auth::verify_password_patiently(password.clone(), stored.password_hash.clone()).await?
    {
        db.upsert_admin(&email, &stored.password_hash, false)
            .await?;
        return Ok(());
    }
    let hash = auth::hash_password_patiently(password).await?;
    db.upsert_admin(&email, &hash, stored.is_some()).await?;
    if stored.is_some() {
        tracing::info!(email = %email, "admin password changed: earlier admin tokens are revoked");
    }
    Ok(())
}
