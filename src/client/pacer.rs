//! The send rate of a batch: a token bucket of chunks, from the first chunk.
//!
//! Concurrency alone cannot hold a batch to a service's rate when answers
//! come quickly: at a 1 ms round trip, 8 chunks in flight is thousands of
//! requests a second, and a window that grows by one per answer doubles
//! every millisecond. Against a token-bucket limit (AWS's limits are rates
//! that refill per second) everything in flight when the bucket runs dry
//! is throttled, so the number of throttled requests is the number in
//! flight at that moment. Pacing keeps it to the rate × the round trip.
//!
//! - **Before any throttling (slow start):** a burst of the batch's
//!   initial concurrency, then that many chunks every [`DOUBLING`], the
//!   rate doubling every [`DOUBLING`]. The rate grows with time, not with round
//!   trips, so a fast service is not flooded while a slow one is still
//!   bound by the concurrency limit, which grows as before.
//! - **After throttling:** 70 % of the rate the service accepted (as the
//!   AWS SDKs' adaptive retry mode does with the rate it measured), no
//!   burst, growing back by about one request per second every second it
//!   goes unthrottled. The rate is measured since the last throttling (the
//!   service's bucket is empty at both ends: its refill rate), or at the
//!   first throttling over the last second. A throttling with nothing
//!   accepted since the last (another caller empties the bucket) has
//!   nothing to measure: slow start begins again from the lowest rate.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

use super::accepted::Accepted;

use tokio::time::Instant;

/// The share of the measured rate kept after throttling.
const BACKOFF: f64 = 0.7;
/// The lowest pace: one chunk every two seconds.
const MIN_RATE: f64 = 0.5;
/// The window the accepted rate is measured over.
const WINDOW: Duration = Duration::from_secs(1);
/// Slow start's rate doubles this often; its first rate is the burst every
/// this long.
pub(crate) const DOUBLING: Duration = Duration::from_millis(25);
/// Slow start stops doubling here (far past anything it needs to tell apart).
const MAX_RATE: f64 = 1_000_000.0;

#[derive(Debug, Clone, Copy, PartialEq)]
enum Phase {
    /// No throttling yet: the rate doubles when this instant passes.
    SlowStart { next_doubling: Instant },
    /// Throttled at least once.
    Paced,
}

#[derive(Debug)]
pub(crate) struct Pacer {
    phase: Phase,
    /// Chunks per second.
    rate: f64,
    /// Chunks that may go at once.
    burst: f64,
    /// Chunks that may go now (refilled at `rate` up to `burst`).
    tokens: f64,
    /// When `tokens` was last brought up to date.
    last: Instant,
    /// When the chunks the service accepted in the last [`WINDOW`] came back.
    accepted: VecDeque<Instant>,
    /// The last throttling, and the chunks accepted since: right after a
    /// throttling the service's bucket is empty, so what it accepts from
    /// then on is its refill rate, with no burst in it.
    since_throttled: Option<(Instant, usize)>,
    /// Every request of the client the service accepted, the chunks among
    /// them: a rate is measured from it when it counts more than the
    /// chunks (the requests before the batch spent the same bucket).
    shared: Option<Arc<Accepted>>,
}

impl Pacer {
    /// `burst`: the chunks that may go at once at the start (the initial
    /// concurrency).
    pub fn new(now: Instant, burst: usize) -> Self {
        let burst = burst.max(1) as f64;
        Pacer {
            phase: Phase::SlowStart {
                next_doubling: now + DOUBLING,
            },
            rate: burst / DOUBLING.as_secs_f64(),
            burst,
            tokens: burst,
            last: now,
            accepted: VecDeque::new(),
            since_throttled: None,
            shared: None,
        }
    }

    /// Measures from the client's log of accepted requests too (if any).
    pub fn measuring(mut self, shared: Option<Arc<Accepted>>) -> Self {
        self.shared = shared;
        self
    }

    /// Rate and tokens as of `now` (slow start's doublings applied).
    fn at(&self, now: Instant) -> (f64, f64, Phase) {
        let (mut rate, mut tokens, mut phase) = (self.rate, self.tokens, self.phase);
        let mut from = self.last;
        if let Phase::SlowStart { mut next_doubling } = phase {
            while now >= next_doubling && rate < MAX_RATE {
                tokens += next_doubling.saturating_duration_since(from).as_secs_f64() * rate;
                from = from.max(next_doubling);
                rate = (rate * 2.0).min(MAX_RATE);
                next_doubling += DOUBLING;
            }
            phase = Phase::SlowStart { next_doubling };
        }
        tokens += now.saturating_duration_since(from).as_secs_f64() * rate;
        (rate, tokens.min(self.burst), phase)
    }

    fn refill(&mut self, now: Instant) {
        let now = now.max(self.last);
        (self.rate, self.tokens, self.phase) = self.at(now);
        self.last = now;
    }

    /// When the next chunk may be sent (None: now).
    pub fn wait_until(&self, now: Instant) -> Option<Instant> {
        let (rate, tokens, phase) = self.at(now.max(self.last));
        // Within a hair of a whole token counts as one: a wait that rounds
        // to nothing would wake at once and find the same fraction.
        let missing = 1.0 - tokens;
        (missing > 1e-9).then(|| {
            let at = now + Duration::from_secs_f64(missing / rate).max(Duration::from_micros(1));
            // In slow start the rate doubles first: look again then.
            match phase {
                Phase::SlowStart { next_doubling } if next_doubling > now => at.min(next_doubling),
                _ => at,
            }
        })
    }

    /// A chunk was sent at `now`.
    pub fn sent(&mut self, now: Instant) {
        self.refill(now);
        self.tokens -= 1.0;
    }

    /// The service answered a chunk without throttling it.
    pub fn accepted(&mut self, now: Instant) {
        if let Some((_, n)) = &mut self.since_throttled {
            *n += 1;
        }
        self.accepted.push_back(now);
        while self.accepted.front().is_some_and(|t| now - *t > WINDOW) {
            self.accepted.pop_front();
        }
    }

    /// The service throttled: pace at [`BACKOFF`] of the rate it accepts,
    /// with no burst. That rate is what it accepted since the last
    /// throttling (its refill rate), or at the first throttling what it
    /// accepted in the last [`WINDOW`] (a burst the size of a second's rate,
    /// as AWS's buckets have). A throttling with nothing accepted since the
    /// last one, or at all (another caller emptied the bucket), has nothing
    /// to learn from: slow start begins again from the lowest rate, and the
    /// next throttling measures.
    pub fn throttled(&mut self, now: Instant) {
        self.refill(now);
        let shared = self.shared.as_deref();
        let measured = match self.since_throttled {
            Some((at, n)) => {
                let n = n.max(shared.map_or(0, |s| s.since(at)));
                let span = now.saturating_duration_since(at).as_secs_f64();
                (n > 0 && span > 0.0).then(|| n as f64 / span)
            }
            None => {
                let n = self.accepted.iter().filter(|t| now - **t <= WINDOW).count();
                let n = n.max(shared.map_or(0, |s| s.within(now, WINDOW)));
                (n > 0).then(|| n as f64 / WINDOW.as_secs_f64())
            }
        };
        self.since_throttled = Some((now, 0));
        self.burst = 1.0;
        self.tokens = 0.0;
        let Some(measured) = measured else {
            self.rate = MIN_RATE;
            self.phase = Phase::SlowStart {
                next_doubling: now + DOUBLING,
            };
            tracing::debug!("throttled before any chunk was accepted: slow start again");
            return;
        };
        let base = match self.phase {
            Phase::SlowStart { .. } => measured,
            Phase::Paced => self.rate.min(measured.max(MIN_RATE)),
        };
        self.rate = (base * BACKOFF).max(MIN_RATE);
        self.phase = Phase::Paced;
        tracing::debug!(rate = self.rate, "throttled: pacing chunks");
    }

    /// A chunk came back clean: once throttled, one more request per second
    /// each second (slow start grows by the clock instead).
    pub fn clean(&mut self) {
        if self.phase == Phase::Paced {
            self.rate += 1.0 / self.rate;
        }
    }

    #[cfg(test)]
    pub fn rate(&self) -> f64 {
        self.rate
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    /// How many chunks go between `from` and `to` if sent as soon as allowed.
    fn sends(p: &mut Pacer, from: Instant, to: Instant) -> usize {
        let mut now = from;
        let mut n = 0;
        while now < to {
            match p.wait_until(now) {
                None => {
                    p.sent(now);
                    n += 1;
                }
                Some(t) => now = t,
            }
        }
        n
    }

    #[test]
    fn slow_start_bursts_the_initial_concurrency_then_doubles_by_the_clock() {
        let t0 = Instant::now();
        let mut p = Pacer::new(t0, 8);
        // The burst goes at once, then no more at the same instant.
        assert_eq!(sends(&mut p, t0, t0 + ms(1)), 8);
        // The burst every DOUBLING at first: 8 more, then 16, then 32.
        let d = DOUBLING;
        let a = sends(&mut p, t0 + ms(1), t0 + d);
        let b = sends(&mut p, t0 + d, t0 + 2 * d);
        let c = sends(&mut p, t0 + 2 * d, t0 + 3 * d);
        assert!((7..=8).contains(&a), "{a}");
        assert!((15..=17).contains(&b), "{b}");
        assert!((31..=33).contains(&c), "{c}");
        // A pause refills no more than the burst.
        let idle = t0 + Duration::from_secs(5);
        assert_eq!(sends(&mut p, idle, idle + Duration::from_nanos(1)), 8);
    }

    /// At the first throttling the rate is measured from every request the
    /// client had accepted in the last second, not only the batch's chunks:
    /// 25 listing pages and one chunk measure 26 a second, not 1.
    #[test]
    fn requests_before_the_batch_count_in_the_measured_rate() {
        let t0 = Instant::now();
        let log = Arc::new(Accepted::default());
        for i in 0..25 {
            log.record(t0 + ms(i * 10));
        }
        let mut p = Pacer::new(t0 + ms(250), 8).measuring(Some(log.clone()));
        let now = t0 + ms(300);
        p.sent(now);
        p.accepted(now);
        log.record(now);
        p.throttled(now);
        assert!((p.rate() - 26.0 * BACKOFF).abs() < 1e-9, "{}", p.rate());
        // Without the client's log: one chunk a second.
        let mut alone = Pacer::new(t0 + ms(250), 8);
        alone.sent(now);
        alone.accepted(now);
        alone.throttled(now);
        assert_eq!(alone.rate(), BACKOFF);
    }

    #[test]
    fn throttled_paces_at_70_percent_of_the_accepted_rate_without_burst() {
        let t0 = Instant::now();
        let mut p = Pacer::new(t0, 8);
        for i in 0..20 {
            let t = t0 + ms(i * 10);
            p.sent(t);
            p.accepted(t);
        }
        let now = t0 + ms(200);
        p.throttled(now);
        assert_eq!(p.rate(), 14.0);
        let wait = p.wait_until(now).expect("paced");
        assert!(wait > now && wait - now <= ms(72), "{:?}", wait - now);
        // One at a time: after a long pause, still one chunk, then a wait.
        let later = now + Duration::from_secs(3);
        assert_eq!(p.wait_until(later), None);
        p.sent(later);
        assert!(p.wait_until(later).is_some());
        // Growth: +1/rate per clean chunk, about +1/s per second.
        for _ in 0..14 {
            p.clean();
        }
        let r = p.rate();
        assert!((14.9..15.1).contains(&r), "{r}");
        // A second throttling takes the lower of the rate and the measured one.
        p.throttled(later);
        assert!(p.rate() < r * BACKOFF + 0.01, "{}", p.rate());
        // Never below the floor.
        let mut q = Pacer::new(now, 8);
        q.throttled(now);
        assert_eq!(q.rate(), MIN_RATE);
    }
}
