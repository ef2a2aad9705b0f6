//! What every request handler shares, and who is asking.

use std::sync::Arc;

use tokio::sync::watch;

use super::seat_json::SeatLayouts;
use super::streams::StreamSlots;
use crate::auth::{TokenVersions, Tokens};
use crate::cache::Hub;
use crate::domain::booking::HoldRules;
use crate::domain::ticket::TicketSigner;
use crate::ratelimit::RateLimiter;
use crate::store::Db;

/// What every request handler shares.
pub struct AppState {
    pub db: Db,
    pub cache: Arc<Hub>,
    /// Seat maps' fixed parts, prepared once per show (see [`crate::api::seat_json`]).
    pub seat_layouts: SeatLayouts,
    pub tokens: Tokens,
    /// Makes and checks ticket codes.
    pub tickets: TicketSigner,
    /// Users' current token versions (revoked tokens are refused).
    pub token_versions: TokenVersions,
    pub hold_rules: HoldRules,
    pub limits: Arc<RateLimiter>,
    /// Open live event streams, capped per client address and in all.
    pub streams: Arc<StreamSlots>,
    /// Whether the client address comes from `X-Forwarded-For` (behind a load balancer).
    pub trust_forwarded_for: bool,
    /// Turns true when the service shuts down: background tasks and event streams end.
    pub stop: watch::Sender<bool>,
}

/// The address a request came from, for per-address limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientIp(pub std::net::IpAddr);
