//! Tessera: seat-level reservations that never sell a seat twice.
//!
//! Layout of the crate:
//! - [`config`]: settings from the environment, one typed struct.
//! - [`domain`]: validated values and rules (layouts, holds, best-available, errors);
//!   knows nothing of HTTP or SQL.
//! - [`service`]: the use cases (hold, confirm, cancel, expire, create a show), and the one
//!   place where a committed change is announced.
//! - [`store`]: PostgreSQL: the pool, migrations, the SERIALIZABLE retry loop and the
//!   transactions for holds, confirms, cancels and expiry; the embedded default cluster.
//! - [`api`]: the poem-openapi endpoints, one struct per resource, and the single mapping
//!   from errors to HTTP statuses.
//! - [`auth`]: password hashing and access tokens.
//! - [`cache`]: the read cache of serialized show lists, shows and seat maps.
//! - [`ratelimit`]: abuse limits, shared through Redis.
//! - [`worker`]: the hold sweeper and the booking event relay.
//! - [`metrics`]: Prometheus metrics, their names, and `GET /metrics`.
//! - [`app`]: wires it together: build, serve, shut down.
//! - [`server`]: the accept loop: hyper serving the poem endpoint, graceful shutdown.
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
