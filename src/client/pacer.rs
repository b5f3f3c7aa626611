//! The send rate of a batch under throttling. Concurrency alone cannot slow
//! a batch down when the service answers quickly (one chunk in flight at a
//! time is still hundreds of requests a second), so after the first
//! throttling the batch also paces its chunks: the rate drops to 70 % of
//! what the service accepted in the last second (as the AWS SDKs' adaptive
//! retry mode does with the rate it measured) and grows back by one request per second every second it goes
//! unthrottled. Before any throttling there is no pacing at all.

use std::collections::VecDeque;
use std::time::Duration;

use tokio::time::Instant;

/// The share of the measured rate kept after throttling.
const BACKOFF: f64 = 0.7;
/// The lowest pace: one chunk every two seconds.
const MIN_RATE: f64 = 0.5;
/// The window the sent rate is measured over.
const WINDOW: Duration = Duration::from_secs(1);

#[derive(Debug)]
pub(crate) struct Pacer {
    /// Chunks per second, once throttled.
    rate: Option<f64>,
    /// When the next chunk may go.
    next: Instant,
    /// When the chunks the service accepted in the last [`WINDOW`] came back.
    accepted: VecDeque<Instant>,
}

impl Pacer {
    pub fn new() -> Self {
        Pacer {
            rate: None,
            next: Instant::now(),
            accepted: VecDeque::new(),
        }
    }

    /// When the next chunk may be sent (None: now).
    pub fn wait_until(&self, now: Instant) -> Option<Instant> {
        self.rate.filter(|_| self.next > now).map(|_| self.next)
    }

    /// A chunk was sent at `now`.
    pub fn sent(&mut self, now: Instant) {
        if let Some(rate) = self.rate {
            self.next = self.next.max(now) + Duration::from_secs_f64(1.0 / rate);
        }
    }

    /// The service answered a chunk without throttling it.
    pub fn accepted(&mut self, now: Instant) {
        self.accepted.push_back(now);
        while self.accepted.front().is_some_and(|t| now - *t > WINDOW) {
            self.accepted.pop_front();
        }
    }

    /// The service throttled: pace at [`BACKOFF`] of the rate it accepted.
    pub fn throttled(&mut self, now: Instant) {
        let measured = self.accepted.iter().filter(|t| now - **t <= WINDOW).count() as f64
            / WINDOW.as_secs_f64();
        let base = self
            .rate
            .map_or(measured, |r| r.min(measured.max(MIN_RATE)));
        let rate = (base * BACKOFF).max(MIN_RATE);
        tracing::debug!(rate, "throttled: pacing chunks");
        self.rate = Some(rate);
        self.next = now + Duration::from_secs_f64(1.0 / rate);
    }

    /// A chunk came back clean: one more request per second each second.
    pub fn clean(&mut self) {
        if let Some(rate) = self.rate.as_mut() {
            *rate += 1.0 / *rate;
        }
    }

    #[cfg(test)]
    pub fn rate(&self) -> Option<f64> {
        self.rate
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_pacing_until_throttled_then_70_percent_of_the_sent_rate() {
        let t0 = Instant::now();
        let mut p = Pacer::new();
        for i in 0..20 {
            let t = t0 + Duration::from_millis(i * 10);
            assert_eq!(p.wait_until(t), None);
            p.sent(t);
            p.accepted(t);
        }
        let now = t0 + Duration::from_millis(200);
        p.throttled(now);
        assert_eq!(p.rate(), Some(14.0));
        let wait = p.wait_until(now).expect("paced");
        assert!(wait > now && wait - now <= Duration::from_millis(72));
        // Growth: +1/rate per clean chunk, about +1/s per second.
        for _ in 0..14 {
            p.clean();
        }
        let r = p.rate().expect("rate");
        assert!((14.9..15.1).contains(&r), "{r}");
        // Never below the floor.
        let mut q = Pacer::new();
        q.throttled(now);
        assert_eq!(q.rate(), Some(MIN_RATE));
    }
}
