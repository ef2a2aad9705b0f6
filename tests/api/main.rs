//! Integration tests: the real service on a random port, a fresh PostgreSQL database per
//! test (copied from a migrated template), plain HTTP from a real client.
//!
//! PostgreSQL comes from `TESSERA_TEST_DATABASE_URL` (a maintenance database URL), else
//! the local server on 127.0.0.1:5432, else a private cluster started from the installed
//! server binaries. Set `TEST_LOG=1` to see the service's logs.

mod admin;
mod auth;
mod autofailover;
mod bad_input;
mod batching;
mod bookings;
mod cache;
mod concurrency;
mod embedded;
mod events;
mod expiry;
mod faults;
mod hardening;
mod helpers;
mod hostile;
mod limits;
mod mixed;
mod observability;
mod pooler;
mod replicas;
mod resilience;
mod seed;
mod sentinel;
mod shared;
mod show_cancel;
mod shows;
mod spec;
mod tickets;
mod tls;
mod transactions;
mod ui;
mod venues;
