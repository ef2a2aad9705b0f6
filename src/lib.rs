//! Tessera: seat-level reservations that never sell a seat twice.
//!
//! Layout of the crate. Dependencies point one way, down this list (a module uses only
//! those below it; `metrics`, `config`, `tls` and `telemetry` are leaves anyone may use):
//!
//! ```text
//! main ─► app ─► api ─► service ─► store ─► domain
//!          │      │        └──────► cache ─► store
//!          │      └─► auth, ratelimit (─► cache::redis)
//!          └─► worker (sweeper, relay, housekeeping, memory) ─► service, store, cache
//! ```
//!
//! - [`app`]: builds the service (database, migrations, admin account, state) and runs it
//!   (server, background tasks, graceful shutdown).
//! - [`server`]: the accept loop: hyper serving the poem endpoint, connection caps and
//!   timeouts, graceful shutdown.
//! - [`api`]: everything HTTP: the shared state, the routes and middleware, the
//!   poem-openapi endpoints (one struct per resource), the single mapping from errors to
//!   statuses, and each endpoint's declared error codes.
//! - [`service`]: the use cases (hold, confirm, cancel, expire, create a show), and the one
//!   place where a committed change is announced.
//! - [`store`]: PostgreSQL: the pools, migrations, the SERIALIZABLE retry loop and the
//!   transactions for holds, confirms, cancels and expiry; the embedded default cluster.
//! - [`cache`]: the read cache of serialized show lists, shows and seat maps, versions and
//!   change messages between instances.
//! - [`auth`]: password hashing (bounded) and access tokens (revocable).
//! - [`ratelimit`]: abuse limits, shared through Redis.
//! - [`worker`]: the hold sweeper, the booking event relay, housekeeping, memory trim.
//! - [`domain`]: validated values and rules (layouts, hold rules, best-available, error
//!   codes); knows nothing of HTTP or SQL.
//! - [`config`]: settings from the environment, one typed struct.
//! - [`metrics`]: the metric names and the recorder.
//! - [`seed`]: loading layouts and shows from a file.
//! - [`tls`]: TLS for the connections to PostgreSQL and Redis.

pub mod api;
pub mod app;
pub mod auth;
pub mod cache;
pub mod config;
pub mod domain;
pub mod metrics;
pub mod ratelimit;
pub mod seed;
pub mod server;
pub mod service;
pub mod store;
pub mod telemetry;
pub mod tls;
pub mod worker;
