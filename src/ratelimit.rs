//! Abuse limits: how often one user, one account or one client address may hold seats or
//! try to sign in.
//!
//! Limits are shared by every instance through Redis (the generic cell rate algorithm, one
//! Lua call per check). Without Redis, or while it does not answer, each instance enforces
//! them on its own (governor, same algorithm): a Redis outage loosens a limit by the number
//! of instances but never lifts it and never fails a request.

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota};
use sha2::{Digest, Sha256};

use crate::cache::redis::Redis;
use crate::config::RateLimits;
use crate::domain::{Error, Result};

/// One kind of limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    HoldsPerUser,
    HoldsPerIp,
    AuthPerIp,
    /// Per account *and* address: one address guessing an account's password is slowed
    /// down without locking its owner out from elsewhere.
    AuthPerAccount,
    /// Every sign-in and sign-up of the deployment together: password hashing is costly,
    /// and many addresses at once must not take the CPU that buying seats needs.
    AuthGlobal,
    /// API reads (show lists, shows, seat maps, bookings) per client address, counted by
    /// each instance on its own: a read is cheap and must stay so, so it costs no Redis
    /// round trip, and a balancer spreads one address over the instances anyway.
    ReadsPerIp,
}

impl Limit {
    const ALL: [Limit; 6] = [
        Limit::HoldsPerUser,
        Limit::HoldsPerIp,
        Limit::AuthPerIp,
        Limit::AuthPerAccount,
        Limit::AuthGlobal,
        Limit::ReadsPerIp,
    ];

    /// The metric label and key prefix.
    pub fn name(self) -> &'static str {
        match self {
            Limit::HoldsPerUser => "holds_per_user",
            Limit::HoldsPerIp => "holds_per_ip",
            Limit::AuthPerIp => "auth_per_ip",
            Limit::AuthPerAccount => "auth_per_account",
            Limit::AuthGlobal => "auth_global",
            Limit::ReadsPerIp => "reads_per_ip",
        }
    }

    fn per_minute(self, limits: &RateLimits) -> u32 {
        match self {
            Limit::HoldsPerUser => limits.holds_per_user,
            Limit::HoldsPerIp => limits.holds_per_ip,
            Limit::AuthPerIp => limits.auth_per_ip,
            Limit::AuthPerAccount => limits.auth_per_account,
            Limit::AuthGlobal => limits.auth_global,
            Limit::ReadsPerIp => limits.reads_per_ip,
        }
    }

    /// How many requests may come at once after a quiet spell. A client's own limits allow
    /// its whole minute at once (a person clicks in bursts); the deployment-wide one only
    /// a few seconds' worth, or a crowd could spend a minute's CPU in one second.
    fn burst(self, per_minute: u32) -> u32 {
        match self {
            Limit::AuthGlobal => (per_minute / 12).max(1),
            _ => per_minute,
        }
    }

    /// What the client did too often, for the error message.
    fn what(self) -> &'static str {
        match self {
            Limit::HoldsPerUser | Limit::HoldsPerIp => "hold requests",
            Limit::AuthPerIp | Limit::AuthPerAccount | Limit::AuthGlobal => "sign-in attempts",
            Limit::ReadsPerIp => "requests",
        }
    }
}

/// The limits of one instance, shared through Redis when there is one.
pub struct RateLimiter {
    limits: RateLimits,
    redis: Option<Arc<Redis>>,
    /// The in-process fallback, per limit (`None` when that limit is off).
    local: [Option<DefaultKeyedRateLimiter<String>>; 6],
}

impl RateLimiter {
    pub fn new(limits: RateLimits, redis: Option<Arc<Redis>>) -> Self {
        let local = Limit::ALL.map(|limit| {
            NonZeroU32::new(limit.per_minute(&limits)).map(|n| {
                let burst = NonZeroU32::new(limit.burst(n.get())).unwrap_or(n);
                governor::RateLimiter::keyed(Quota::per_minute(n).allow_burst(burst))
            })
        });
        Self {
            limits,
            redis,
            local,
        }
    }

    /// Counts one request of `subject` (a user id, an address, an account) against
    /// `limit`; `rate_limited` (429) when it is over.
    pub async fn check(&self, limit: Limit, subject: &str) -> Result<()> {
        let per_minute = limit.per_minute(&self.limits);
        if per_minute == 0 {
            return Ok(());
        }
        let key = format!("{}:{subject}", limit.name());
        let shared = match &self.redis {
            Some(_) if limit == Limit::ReadsPerIp => None,
            Some(redis) => {
                redis
                    .rate_limit(&key, per_minute, limit.burst(per_minute))
                    .await
            }
            None => None,
        };
        let wait = match shared {
            Some(wait) => wait,
            None => self.check_locally(limit, key),
        };
        match wait {
            None => Ok(()),
            Some(wait) => {
                metrics::counter!(crate::metrics::RATE_LIMITED, "limit" => limit.name())
                    .increment(1);
                Err(Error::rate_limited(limit.what(), wait))
            }
        }
    }

    /// Counts one request against each of `checks` at once (one round trip of time, not
    /// one per limit); when any refuses, the answer is the refusal with the longest wait.
    pub async fn check_all(&self, checks: &[(Limit, &str)]) -> Result<()> {
        let results = futures_util::future::join_all(
            checks
                .iter()
                .map(|&(limit, subject)| self.check(limit, subject)),
        )
        .await;
        match results
            .into_iter()
            .filter_map(Result::err)
            .max_by_key(|err| err.retry_after_secs)
        {
            Some(err) => Err(err),
            None => Ok(()),
        }
    }

    fn check_locally(&self, limit: Limit, key: String) -> Option<Duration> {
        let limiter = self.local[limit as usize].as_ref()?;
        limiter
            .check_key(&key)
            .err()
            .map(|not_until| not_until.wait_time_from(DefaultClock::default().now()))
    }

    /// Forgets in-process state of subjects that are back under their limits (run now and
    /// then, so the maps do not grow with every address ever seen).
    pub fn forget_idle(&self) {
        for limiter in self.local.iter().flatten() {
            limiter.retain_recent();
            limiter.shrink_to_fit();
        }
    }
}

/// The subject of a per-address limit: the address, or for IPv6 its /64 (one subscriber
/// usually has a whole /64, and could otherwise rotate through it).
pub fn address_subject(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        },
    }
}

/// The subject of a per-account limit: a hash of the e-mail as typed (trimmed,
/// lower-cased), so no address is stored in Redis.
pub fn account_subject(email: &str) -> String {
    let digest = Sha256::digest(email.trim().to_lowercase().as_bytes());
    digest[..12].iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(n: u32) -> RateLimits {
        RateLimits {
            holds_per_user: n,
            ..RateLimits::OFF
        }
    }

    #[tokio::test]
    async fn in_process_limits_allow_a_burst_then_refuse_with_a_wait() {
        let limiter = RateLimiter::new(limits(3), None);
        for _ in 0..3 {
            limiter.check(Limit::HoldsPerUser, "7").await.unwrap();
        }
        let err = limiter.check(Limit::HoldsPerUser, "7").await.unwrap_err();
        assert_eq!(err.code.as_str(), "rate_limited");
        // 3 per minute: the next one is allowed about 20 s later.
        assert!((1..=20).contains(&err.retry_after_secs.unwrap()), "{err:?}");
        // Other subjects and limits that are off are not affected.
        limiter.check(Limit::HoldsPerUser, "8").await.unwrap();
        for _ in 0..100 {
            limiter.check(Limit::AuthPerIp, "127.0.0.1").await.unwrap();
        }
    }

    #[test]
    fn ipv6_clients_are_limited_per_64() {
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:bbbb::9".parse().unwrap();
        assert_eq!(address_subject(a), address_subject(b));
        let mapped: IpAddr = "::ffff:192.0.2.7".parse().unwrap();
        assert_eq!(address_subject(mapped), "192.0.2.7");
        assert_eq!(
            account_subject(" Ann@Example.com"),
            account_subject("ann@example.com")
        );
    }
}
