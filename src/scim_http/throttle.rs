//! Per-credential rate limiting (GCRA, via `governor`): one noisy identity provider cannot
//! starve the other tenants, and a throttled client is told when to come back (`Retry-After`,
//! which Entra ID honours by backing off).

use std::num::NonZeroU32;
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
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
}
