//! Injected faults: delay, throttling (a token bucket), whole-request
//! failures and per-item failures, all drawn from one seeded generator so a
//! test can reproduce a run.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// What faults to inject (all zero: none).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FaultConfig {
    /// Delay every answer by this many milliseconds.
    pub latency_ms: u64,
    /// Add up to this many milliseconds of random delay.
    pub jitter_ms: u64,
    /// Answer 429 above this many requests per second (0: never).
    pub throttle_rps: f64,
    /// Share of requests answered 503 (0..1).
    pub fail_rate: f64,
    /// Share of batch items failed with a per-user ServiceFailure (0..1).
    pub item_fail_rate: f64,
    /// Seed for the fault generator (None: a random one).
    pub fault_seed: Option<u64>,
}

impl From<&FaultConfig> for FaultConfig {
    fn from(f: &FaultConfig) -> Self {
        f.clone()
    }
}

pub struct Faults {
    args: FaultConfig,
    rng: Mutex<StdRng>,
    bucket: Mutex<Bucket>,
}

struct Bucket {
    tokens: f64,
    last: Instant,
}

impl Faults {
    pub fn new(args: FaultConfig) -> Self {
        let rng = match args.fault_seed {
            Some(seed) => StdRng::seed_from_u64(seed),
            None => StdRng::from_os_rng(),
        };
        let tokens = args.throttle_rps.max(1.0);
        Faults {
            args,
            rng: Mutex::new(rng),
            bucket: Mutex::new(Bucket {
                tokens,
                last: Instant::now(),
            }),
        }
    }

    fn draw(&self, p: f64) -> bool {
        if p <= 0.0 {
            return false;
        }
        let mut rng = self.rng.lock().unwrap_or_else(|e| e.into_inner());
        rng.random_bool(p.min(1.0))
    }

    /// How long to hold this answer.
    pub fn delay(&self) -> Duration {
        let jitter = if self.args.jitter_ms > 0 {
            let mut rng = self.rng.lock().unwrap_or_else(|e| e.into_inner());
            rng.random_range(0..=self.args.jitter_ms)
        } else {
            0
        };
        Duration::from_millis(self.args.latency_ms.saturating_add(jitter))
    }

    /// True when this request is over the `--throttle-rps` rate.
    pub fn throttled(&self) -> bool {
        self.throttled_at(Instant::now())
    }

    /// [`Faults::throttled`] for a request arriving at `now` (the clock is
    /// a parameter so the bucket can be tested without one).
    fn throttled_at(&self, now: Instant) -> bool {
        let rate = self.args.throttle_rps;
        if rate <= 0.0 {
            return false;
        }
        let mut b = self.bucket.lock().unwrap_or_else(|e| e.into_inner());
        let now = now.max(b.last);
        let capacity = rate.max(1.0);
        b.tokens = (b.tokens + now.duration_since(b.last).as_secs_f64() * rate).min(capacity);
        b.last = now;
        if b.tokens >= 1.0 {
            b.tokens -= 1.0;
            false
        } else {
            true
        }
    }

    /// True when this request should answer 503.
    pub fn unavailable(&self) -> bool {
        self.draw(self.args.fail_rate)
    }

    /// True when this batch item should fail with `ServiceFailure`.
    pub fn item_fails(&self) -> bool {
        self.draw(self.args.item_fail_rate)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_faults() {
        let args = FaultConfig {
            fail_rate: 0.3,
            fault_seed: Some(7),
            ..Default::default()
        };
        let a = Faults::new(args.clone());
        let b = Faults::new(args);
        let xs: Vec<bool> = (0..100).map(|_| a.unavailable()).collect();
        let ys: Vec<bool> = (0..100).map(|_| b.unavailable()).collect();
        assert_eq!(xs, ys);
        let n = xs.iter().filter(|x| **x).count();
        assert!((10..60).contains(&n), "{n} of 100 failed at rate 0.3");
    }

    #[test]
    fn bucket_throttles_above_the_rate() {
        let f = Faults::new(FaultConfig {
            throttle_rps: 5.0,
            ..Default::default()
        });
        let t0 = f.bucket.lock().expect("bucket").last;
        let passed_at = |t: Instant, n: usize| (0..n).filter(|_| !f.throttled_at(t)).count();
        // A full bucket: one second's worth passes at once, then nothing.
        assert_eq!(passed_at(t0, 50), 5);
        // 200 ms later at 5 per second: one more token.
        assert_eq!(passed_at(t0 + Duration::from_millis(200), 10), 1);
        // A long pause refills to the capacity, never beyond it.
        assert_eq!(passed_at(t0 + Duration::from_secs(60), 50), 5);
        // A clock read that lands before the last one adds nothing.
        assert_eq!(passed_at(t0, 10), 0);
    }
}
