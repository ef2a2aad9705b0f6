//! Forgets, every second, what no longer needs remembering: rate-limit state of clients back
//! under their limits, and recent seat changes older than a reconnecting listener can ask
//! for. Both maps would otherwise grow with every client and change ever seen.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;

use crate::cache::Hub;
use crate::ratelimit::RateLimiter;

const EVERY: Duration = Duration::from_secs(1);

pub async fn run(limits: Arc<RateLimiter>, hub: Arc<Hub>, mut stop: watch::Receiver<bool>) {
    loop {
        tokio::select! {
            _ = tokio::time::sleep(EVERY) => {}
            _ = stop.changed() => return,
        }
        limits.forget_idle();
        hub.forget_old();
    }
}
