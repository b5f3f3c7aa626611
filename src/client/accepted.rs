//! When the service last accepted this client's requests, whatever their
//! operation: the rate a batch's pacer learns at a throttling.
//!
//! A service's rate limit is one bucket for every request of a caller, not
//! one per batch. A plan's read (ListUsers pages, GetAccount) just before
//! the batch spends the same bucket, so a batch that counted only its own
//! chunks would measure the rate it was allowed as one chunk a second and
//! crawl back from there. Every answer that was not a throttling is
//! recorded here, by the client (the batch's chunks included), and the
//! pacer measures from this log.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

/// How long an acceptance is remembered (longer than any pacing window).
const KEEP: Duration = Duration::from_secs(60);
/// The most acceptances remembered (a bound on memory at any rate).
const MOST: usize = 100_000;

#[derive(Debug, Default)]
pub(crate) struct Accepted {
    times: Mutex<VecDeque<Instant>>,
}

impl Accepted {
    fn times(&self) -> std::sync::MutexGuard<'_, VecDeque<Instant>> {
        // A panic while holding this lock leaves a valid deque.
        self.times.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The service answered a request at `now` without throttling it.
    pub fn record(&self, now: Instant) {
        let mut t = self.times();
        t.push_back(now);
        while t.len() > MOST || t.front().is_some_and(|f| now - *f > KEEP) {
            t.pop_front();
        }
    }

    /// Acceptances after `from` (inclusive).
    pub fn since(&self, from: Instant) -> usize {
        self.times()
            .iter()
            .rev()
            .take_while(|t| **t >= from)
            .count()
    }

    /// Acceptances in the `window` up to `now`.
    pub fn within(&self, now: Instant, window: Duration) -> usize {
        self.times()
            .iter()
            .rev()
            .take_while(|t| now.saturating_duration_since(**t) <= window)
            .count()
    }
}
