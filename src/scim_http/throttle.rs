//! Rate limits (GCRA, via `governor`). Per credential: one noisy identity provider cannot
//! starve the other tenants, and a throttled client is told when to come back (`Retry-After`,
//! which Entra ID honours by backing off). Per source address, before authentication
//! ([`FailureLimit`]): refused credentials cost the refusing side nearly nothing.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv6Addr, SocketAddr};
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::extract::ConnectInfo;
use axum::http::Extensions;
use governor::clock::{Clock, DefaultClock};
use governor::middleware::StateInformationMiddleware;
use governor::state::keyed::DefaultKeyedStateStore;
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

/// The limiter of this process, keyed by tenant and credential.
#[derive(Debug)]
pub struct Throttle {
    limiter: DefaultKeyedRateLimiter<String>,
    clock: DefaultClock,
}

impl Throttle {
    /// `per_second` requests a second per key, with bursts of twice that; `None` for 0 (off).
    pub fn new(per_second: u32) -> Option<Throttle> {
        let rate = NonZeroU32::new(per_second)?;
        let burst = rate.saturating_mul(NonZeroU32::MIN.saturating_add(1));
        Some(Throttle {
            limiter: RateLimiter::keyed(Quota::per_second(rate).allow_burst(burst)),
            clock: DefaultClock::default(),
        })
    }

    /// Admits one request of `key`, or says how long it has to wait.
    pub fn check(&self, key: &str) -> Result<(), Duration> {
        self.limiter.check_key(&key.to_owned()).map_err(|not_until| not_until.wait_time_from(self.clock.now()))
    }

    /// Forgets keys that are back to a full burst, so the map does not grow without bound.
    pub fn prune(&self) {
        self.limiter.retain_recent();
    }
}

/// The key of a source address: an IPv4 address, or the /64 network of an IPv6 one (one
/// subscriber usually holds a whole /64, so single IPv6 addresses would be free to rotate).
fn source_key(addr: IpAddr) -> IpAddr {
    match addr.to_canonical() {
        IpAddr::V6(v6) => IpAddr::V6(Ipv6Addr::from(u128::from(v6) & !(u128::from(u64::MAX)))),
        v4 => v4,
    }
}

/// The address a request came from, as the TCP connection says (`ConnectInfo`): behind a
/// reverse proxy that is the proxy. Forwarding headers are not trusted. `None` when the router
/// runs without connection information (in-process tests).
pub fn source_of(extensions: &Extensions) -> Option<IpAddr> {
    extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip())
}

/// Addresses blocked at most at once; beyond that, further addresses are not blocked (their
/// failures still count).
const MAX_BLOCKED: usize = 100_000;

/// Failures between two prunings of the limiter's per-address state.
const PRUNE_EVERY: usize = 4096;

/// The limit on failed authentications per source address, before authentication (SCIM API
/// and token endpoint): only refusals count, so clients with valid credentials spend nothing;
/// an address whose failures used up its burst is answered 429 before any credential check or
/// database work until the next failure is allowed.
#[derive(Debug)]
pub struct FailureLimit {
    /// The failures of each address (GCRA); a snapshot tells when the burst is used up.
    limiter: RateLimiter<IpAddr, DefaultKeyedStateStore<IpAddr>, DefaultClock, StateInformationMiddleware>,
    clock: DefaultClock,
    /// Addresses over the limit, until when.
    blocked: Mutex<HashMap<IpAddr, Instant>>,
    /// How many entries `blocked` has: none (the usual case) costs no lock.
    blocked_count: AtomicUsize,
    /// Failures counted, for pruning now and then.
    failures: AtomicUsize,
}

impl FailureLimit {
    /// `burst` failures at once, then one more per `interval`; `None` when `burst` or the
    /// interval is 0 (off).
    pub fn new(burst: u32, interval: Duration) -> Option<FailureLimit> {
        let quota = Quota::with_period(interval)?.allow_burst(NonZeroU32::new(burst)?);
        Some(FailureLimit {
            limiter: RateLimiter::keyed(quota).with_middleware::<StateInformationMiddleware>(),
            clock: DefaultClock::default(),
            blocked: Mutex::new(HashMap::new()),
            blocked_count: AtomicUsize::new(0),
            failures: AtomicUsize::new(0),
        })
    }

    /// How long `source` must wait before it may try again, if it is over the limit.
    pub fn blocked(&self, source: Option<IpAddr>) -> Option<Duration> {
        let source = source_key(source?);
        if self.blocked_count.load(Ordering::Acquire) == 0 {
            return None;
        }
        let mut blocked = self.blocked.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let until = *blocked.get(&source)?;
        let now = Instant::now();
        if until > now {
            return Some(until - now);
        }
        blocked.remove(&source);
        self.blocked_count.store(blocked.len(), Ordering::Release);
        None
    }

    /// Counts a refused authentication of `source`; once its burst is used up, it is blocked
    /// until the next failure is allowed.
    pub fn failed(&self, source: Option<IpAddr>) {
        let Some(source) = source.map(source_key) else {
            return;
        };
        if self.failures.fetch_add(1, Ordering::Relaxed) % PRUNE_EVERY == PRUNE_EVERY - 1 {
            self.limiter.retain_recent();
        }
        let wait = match self.limiter.check_key(&source) {
            // The last failure of the burst: the next one has to wait a whole interval at most.
            Ok(state) if state.remaining_burst_capacity() == 0 => state.quota().replenish_interval(),
            Ok(_) => return,
            // Requests admitted before the address was blocked, failing now.
            Err(not_until) => not_until.wait_time_from(self.clock.now()),
        };
        let now = Instant::now();
        let mut blocked = self.blocked.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if blocked.len() >= MAX_BLOCKED {
            blocked.retain(|_, until| *until > now);
        }
        if blocked.len() < MAX_BLOCKED {
            let until = blocked.entry(source).or_insert(now);
            *until = (*until).max(now + wait);
        }
        self.blocked_count.store(blocked.len(), Ordering::Release);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bursts_pass_then_the_key_waits_and_other_keys_do_not() {
        let throttle = Throttle::new(2).unwrap();
        assert!((0..4).all(|_| throttle.check("a").is_ok()), "a burst of twice the rate passes");
        let wait = throttle.check("a").unwrap_err();
        assert!(wait > Duration::ZERO && wait <= Duration::from_secs(1), "{wait:?}");
        assert!(throttle.check("b").is_ok());
        assert!(Throttle::new(0).is_none());
    }

    #[test]
    fn only_failures_count_and_an_address_over_its_burst_is_blocked_alone() {
        let limit = FailureLimit::new(3, Duration::from_secs(60)).unwrap();
        let (a, b): (IpAddr, IpAddr) = ("192.0.2.1".parse().unwrap(), "192.0.2.2".parse().unwrap());
        for _ in 0..2 {
            limit.failed(Some(a));
            assert_eq!(limit.blocked(Some(a)), None);
        }
        limit.failed(Some(a));
        let wait = limit.blocked(Some(a)).expect("the third failure used up the burst");
        assert!(wait > Duration::from_secs(50) && wait <= Duration::from_secs(60), "{wait:?}");
        assert_eq!(limit.blocked(Some(b)), None);
        assert_eq!(limit.blocked(None), None, "no address, no limit");
        limit.failed(None);
        assert_eq!(scim::error::retry_after_secs(wait), 60);
        assert_eq!(scim::error::retry_after_secs(Duration::from_millis(1)), 1);
        assert!(FailureLimit::new(0, Duration::from_secs(1)).is_none());
        assert!(FailureLimit::new(1, Duration::ZERO).is_none());
    }

    #[test]
    fn ipv6_addresses_count_per_64_network_and_mapped_ipv4_as_ipv4() {
        let key = |s: &str| source_key(s.parse().unwrap());
        assert_eq!(key("2001:db8:1:2:aaaa::1"), key("2001:db8:1:2:bbbb::2"));
        assert_ne!(key("2001:db8:1:2::1"), key("2001:db8:1:3::1"));
        assert_eq!(key("::ffff:192.0.2.7"), key("192.0.2.7"));
    }
}
