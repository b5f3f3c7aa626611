//! Retries, in one place: which failures are sent again (429, 5xx, connection
//! failures and timeouts), how long to wait (capped exponential backoff with
//! full jitter), how many attempts, and a retry budget (a token bucket shared
//! by every clone of a client) so a failing service is not hammered.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use rand::Rng;

use super::error::ApiError;
use crate::model::Operation;

/// How a client retries. `Default` is the project's standard.
#[derive(Clone, Debug, PartialEq)]
pub struct RetryConfig {
    /// Attempts per call, the first included (1 = never retry).
    pub max_attempts: u32,
    /// The first retry waits up to this long; each next one up to twice as long.
    pub base_delay: Duration,
    /// The same for throttling errors: longer, so a rate-limited caller
    /// backs off past the service's next free slot instead of using its
    /// attempts up within a few milliseconds.
    pub throttle_base_delay: Duration,
    /// No wait is longer than this.
    pub max_delay: Duration,
    /// Size of the retry budget (tokens).
    pub budget: u32,
    /// Tokens one retry takes (a timeout takes twice as many).
    pub retry_cost: u32,
    /// Whether throttling errors are retried here. A batch turns this off:
    /// it sends a throttled chunk again itself, at the pace it keeps.
    pub retry_throttling: bool,
}

impl Default for RetryConfig {
    fn default() -> Self {
        RetryConfig {
            max_attempts: 5,
            base_delay: Duration::from_millis(100),
            throttle_base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(5),
            budget: 500,
            retry_cost: 5,
            retry_throttling: true,
        }
    }
}

impl RetryConfig {
    /// Never retry.
    pub fn none() -> Self {
        RetryConfig {
            max_attempts: 1,
            ..Self::default()
        }
    }

    /// The wait before retry number `retry` (1 = the first retry): a random
    /// duration in `0..=min(max_delay, base * 2^(retry-1))`, where `base` is
    /// `throttle_base_delay` after a throttling error, else `base_delay`.
    pub fn backoff(&self, retry: u32, throttled: bool) -> Duration {
        let base = if throttled {
            self.throttle_base_delay
        } else {
            self.base_delay
        };
        let ceiling = backoff_ceiling(base, self.max_delay, retry);
        let millis = ceiling.as_millis() as u64;
        if millis == 0 {
            return Duration::ZERO;
        }
        Duration::from_millis(rand::rng().random_range(0..=millis))
    }
}

/// `min(max, base * 2^(n-1))` without overflow.
pub fn backoff_ceiling(base: Duration, max: Duration, n: u32) -> Duration {
    let factor = 1u32.checked_shl(n.saturating_sub(1)).unwrap_or(u32::MAX);
    base.checked_mul(factor).unwrap_or(max).min(max)
}

/// The retry budget: retries take tokens, successes give some back.
#[derive(Clone, Debug)]
pub struct RetryBudget {
    inner: Arc<Mutex<BudgetState>>,
}

#[derive(Debug)]
struct BudgetState {
    tokens: u32,
    capacity: u32,
}

impl RetryBudget {
    pub fn new(capacity: u32) -> Self {
        RetryBudget {
            inner: Arc::new(Mutex::new(BudgetState {
                tokens: capacity,
                capacity,
            })),
        }
    }

    /// Takes `cost` tokens if there are that many.
    pub fn try_take(&self, cost: u32) -> bool {
        let Ok(mut s) = self.inner.lock() else {
            return false;
        };
        if s.tokens >= cost {
            s.tokens -= cost;
            true
        } else {
            false
        }
    }

    /// Gives back `amount` tokens (up to the capacity).
    pub fn refund(&self, amount: u32) {
        if let Ok(mut s) = self.inner.lock() {
            s.tokens = (s.tokens + amount).min(s.capacity);
        }
    }

    pub fn available(&self) -> u32 {
        self.inner.lock().map(|s| s.tokens).unwrap_or(0)
    }
}

/// What a retrying call went through.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CallStats {
    pub attempts: u32,
    /// Some attempt was answered with throttling (429).
    pub throttled: bool,
    /// The request id of the answer that ended the call.
    pub request_id: Option<String>,
    /// The service's clock, from the `Date` header of that answer.
    pub server_date: Option<std::time::SystemTime>,
}

/// What to do after a failed attempt.
#[derive(Debug, PartialEq, Eq)]
pub enum Decision {
    Retry(Duration),
    GiveUp,
}

impl RetryConfig {
    /// Decides whether attempt `attempt` (1-based) of `op` that failed with
    /// `error` is sent again; takes from `budget` if so.
    pub fn decide(
        &self,
        op: Operation,
        attempt: u32,
        error: &ApiError,
        budget: &RetryBudget,
    ) -> Decision {
        if attempt >= self.max_attempts
            || !error.is_retryable()
            || (error.is_throttling() && !self.retry_throttling)
        {
            return Decision::GiveUp;
        }
        if !op.is_idempotent() && !error.never_reached_service() {
            return Decision::GiveUp;
        }
        let cost = if matches!(error.kind, super::error::ApiErrorKind::Timeout) {
            self.retry_cost * 2
        } else {
            self.retry_cost
        };
        if !budget.try_take(cost) {
            return Decision::GiveUp;
        }
        Decision::Retry(self.backoff(attempt, error.is_throttling()))
    }

    /// Book-keeping after the call ended well: retried calls refund what
    /// they took, first-time successes add one token.
    pub fn on_success(&self, stats: &CallStats, budget: &RetryBudget) {
        if stats.attempts > 1 {
            budget.refund(self.retry_cost * (stats.attempts - 1));
        } else {
            budget.refund(1);
        }
    }
}

/// Runs `attempt(n, max)` until it succeeds or [`RetryConfig::decide`] gives
/// up, sleeping the backoff between attempts and announcing each retry on
/// `events`.
pub(crate) async fn run<T, F, Fut>(
    cfg: &RetryConfig,
    budget: &RetryBudget,
    op: Operation,
    events: &tokio::sync::broadcast::Sender<super::ClientEvent>,
    mut attempt: F,
) -> (Result<T, ApiError>, CallStats)
where
    F: FnMut(u32, u32) -> Fut,
    Fut: std::future::Future<Output = Result<T, ApiError>>,
{
    let mut stats = CallStats::default();
    // A change whose answer was lost may have been made: a later attempt
    // that fails otherwise (refused, 4xx) does not make it a known failure.
    let mut lost: Option<ApiError> = None;
    loop {
        stats.attempts += 1;
        match attempt(stats.attempts, cfg.max_attempts).await {
            Ok(v) => {
                cfg.on_success(&stats, budget);
                return (Ok(v), stats);
            }
            Err(e) => {
                if e.is_throttling() {
                    stats.throttled = true;
                }
                if e.answer_lost() && !op.is_read_only() {
                    lost = Some(e.clone());
                }
                match cfg.decide(op, stats.attempts, &e, budget) {
                    Decision::GiveUp => {
                        let e = match lost {
                            Some(first) if !e.answer_lost() => ApiError {
                                message: format!("{}; the retry: {e}", first.message),
                                ..first
                            },
                            _ => e,
                        };
                        return (Err(e), stats);
                    }
                    Decision::Retry(delay) => {
                        tracing::debug!(
                            operation = op.name(),
                            attempt = stats.attempts,
                            ?delay,
                            error = %e,
                            "retrying"
                        );
                        let _ = events.send(super::ClientEvent::Retrying {
                            operation: op,
                            attempt: stats.attempts + 1,
                            max_attempts: cfg.max_attempts,
                            error: e.clone(),
                            delay,
                        });
                        tokio::time::sleep(delay).await;
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::error::ApiErrorKind;

    fn status(code: u16) -> ApiError {
        ApiError::from_response(code, None, None, b"{}")
    }

    #[test]
    fn backoff_is_capped_and_jittered() {
        let cfg = RetryConfig::default();
        assert_eq!(
            backoff_ceiling(cfg.base_delay, cfg.max_delay, 1),
            Duration::from_millis(100)
        );
        assert_eq!(
            backoff_ceiling(cfg.base_delay, cfg.max_delay, 4),
            Duration::from_millis(800)
        );
        assert_eq!(
            backoff_ceiling(cfg.base_delay, cfg.max_delay, 40),
            cfg.max_delay
        );
        for n in 1..10 {
            assert!(cfg.backoff(n, false) <= backoff_ceiling(cfg.base_delay, cfg.max_delay, n));
            let throttled = backoff_ceiling(cfg.throttle_base_delay, cfg.max_delay, n);
            assert!(cfg.backoff(n, true) <= throttled);
        }
        // Throttling backs off from a longer base: over many draws some
        // first retries wait longer than any other first retry can.
        let longest = (0..200).map(|_| cfg.backoff(1, true)).max();
        assert!(longest > Some(cfg.base_delay), "{longest:?}");
    }

    #[test]
    fn only_429_5xx_and_connection_failures_are_retried() {
        let cfg = RetryConfig::default();
        let budget = RetryBudget::new(500);
        let op = Operation::GetUser;
        assert!(matches!(
            cfg.decide(op, 1, &status(429), &budget),
            Decision::Retry(_)
        ));
        assert!(matches!(
            cfg.decide(op, 1, &status(503), &budget),
            Decision::Retry(_)
        ));
        assert_eq!(cfg.decide(op, 1, &status(400), &budget), Decision::GiveUp);
        assert_eq!(cfg.decide(op, 1, &status(404), &budget), Decision::GiveUp);
        assert_eq!(cfg.decide(op, 5, &status(503), &budget), Decision::GiveUp);
        let connect = ApiError::new(ApiErrorKind::Connect, "refused");
        let timeout = ApiError::new(ApiErrorKind::Timeout, "slow");
        // non-idempotent: only when the request never reached the service
        let create = Operation::CreateUser;
        assert_eq!(
            cfg.decide(create, 1, &status(503), &budget),
            Decision::GiveUp
        );
        assert_eq!(cfg.decide(create, 1, &timeout, &budget), Decision::GiveUp);
        assert!(matches!(
            cfg.decide(create, 1, &connect, &budget),
            Decision::Retry(_)
        ));
    }

    #[tokio::test]
    async fn a_lost_answer_is_not_forgotten_when_the_retry_cannot_connect() {
        let cfg = RetryConfig {
            max_attempts: 2,
            base_delay: Duration::ZERO,
            ..RetryConfig::default()
        };
        let (events, _) = tokio::sync::broadcast::channel(4);
        let errors = |attempt: u32| {
            if attempt == 1 {
                ApiError::new(
                    ApiErrorKind::Transport,
                    "connection closed before message completed",
                )
            } else {
                ApiError::new(ApiErrorKind::Connect, "connection refused")
            }
        };
        let budget = RetryBudget::new(500);
        let run_op = |op| {
            run(&cfg, &budget, op, &events, |n, _| async move {
                Err::<(), _>(errors(n))
            })
        };
        // A change: its first attempt may have been made.
        let (r, stats) = run_op(Operation::BatchUpdateUser).await;
        let e = r.expect_err("fails");
        assert_eq!(stats.attempts, 2);
        assert!(e.answer_lost(), "{e:?}");
        assert_eq!(
            e.message,
            "connection closed before message completed; the retry: connection refused"
        );
        // A read: the last error is the one that counts.
        let (r, _) = run_op(Operation::ListUsers).await;
        assert_eq!(r.expect_err("fails").kind, ApiErrorKind::Connect);
    }

    #[test]
    fn the_budget_runs_out_and_refills() {
        let cfg = RetryConfig {
            budget: 10,
            ..RetryConfig::default()
        };
        let budget = RetryBudget::new(cfg.budget);
        let op = Operation::ListUsers;
        assert!(matches!(
            cfg.decide(op, 1, &status(500), &budget),
            Decision::Retry(_)
        ));
        assert!(matches!(
            cfg.decide(op, 1, &status(500), &budget),
            Decision::Retry(_)
        ));
        assert_eq!(cfg.decide(op, 1, &status(500), &budget), Decision::GiveUp);
        cfg.on_success(
            &CallStats {
                attempts: 2,
                ..CallStats::default()
            },
            &budget,
        );
        assert_eq!(budget.available(), 5);
    }
}
