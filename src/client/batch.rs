//! Batches: any number of user updates, suspends, unsuspends or invites,
//! split into the model's limits (20 updates, 50 ids or emails), sent with
//! a concurrency that adapts to what the service allows: it starts at
//! [`INITIAL_CONCURRENCY`] chunks in flight, adds one per clean chunk up to
//! the cap, and halves (never below 1) on throttling, a 429 or a per-user
//! `Throttled` error; the pacer (`pacer.rs`) also paces the chunks, from the
//! first one, so a fast service's rate limit is met without flooding it.
//! Whole-chunk retryable failures are first
//! retried by the retry layer; per-user `ServiceFailure`, `ServiceUnavailable`
//! and `Throttled(ing)` errors send only those users again, after a backoff.
//! A user that succeeded is never sent again. Cancelling stops new chunks;
//! chunks in flight finish; users never sent are `NotSent`.
//!
//! A chunk whose answer was lost after it was sent (a timeout, a connection
//! cut mid-answer) has an *unknown* outcome: the service may have acted on
//! it. `update_users` settles its unknown users before reporting by reading
//! them back (GetUser, or ListUsers for many): `Ok` if they are at the
//! target, `Failed` (with the last error) if not, `Unknown` only if the read
//! fails too.

use std::collections::{HashMap, VecDeque};
use std::time::Duration;

use futures::StreamExt;
use futures::stream::FuturesUnordered;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::{ApiError, ApiErrorKind, CallStats, Client, RetryConfig};
use crate::model::validate::{MAX_ID_LIST, MAX_UPDATE_ITEMS, is_email, is_non_empty};
use crate::model::{
    ErrorCode, InviteStatus, Operation, Sensitive, UpdateUserRequestItem, User, UserError, UserType,
};

#[derive(Clone, Debug)]
pub struct BatchOptions {
    /// Most chunks in flight at once (the cap of the adaptive limit).
    pub max_concurrency: usize,
    /// Cancels the batch: no new chunk is sent after it fires.
    pub cancel: CancellationToken,
    /// How many times one user is sent at most (per-user retryable errors).
    pub max_user_attempts: u32,
    /// Wait before a user's retry: up to `retry_delay * 2^(n-1)`, capped at 5 s.
    pub retry_delay: Duration,
}

/// Chunks in flight when a batch starts.
pub const INITIAL_CONCURRENCY: usize = 8;
/// The default cap of the adaptive concurrency.
pub const DEFAULT_MAX_CONCURRENCY: usize = 64;

impl Default for BatchOptions {
    fn default() -> Self {
        BatchOptions {
            max_concurrency: DEFAULT_MAX_CONCURRENCY,
            cancel: CancellationToken::new(),
            max_user_attempts: 6,
            retry_delay: Duration::from_millis(100),
        }
    }
}

/// Sent to the progress callback after each chunk.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct BatchProgress {
    /// The users whose outcome this chunk's answer made final, by their
    /// index in the items given (so a caller can record each result as it
    /// lands). An `Unknown` one of `update_users` may still be settled by
    /// reading it back; the report has the last word.
    pub settled: Vec<(usize, OutcomeResult)>,
    /// Users that succeeded.
    pub done: usize,
    /// Users that failed for good.
    pub failed: usize,
    pub total: usize,
    /// Chunks in flight.
    pub in_flight: usize,
    /// The current concurrency limit.
    pub concurrency: usize,
}

#[derive(Clone, Debug, PartialEq)]
pub enum OutcomeResult {
    /// Changed; the request id of the call that changed it.
    Ok { request_id: Option<String> },
    Failed {
        code: Option<ErrorCode>,
        message: String,
        request_id: Option<String>,
    },
    /// Never sent: the batch was cancelled first.
    NotSent,
    /// Sent, but whether the service acted on it is not known (its answer
    /// was lost and reading the user back failed too).
    Unknown {
        message: String,
        request_id: Option<String>,
    },
}

/// One user's result. `K` is the user id (String) or, for invites, the email.
#[derive(Clone, Debug, PartialEq)]
pub struct UserOutcome<K = String> {
    pub user_id: K,
    pub result: OutcomeResult,
}

#[derive(Clone, Debug, PartialEq)]
pub struct BatchReport<K = String> {
    /// In the order the users were given.
    pub outcomes: Vec<UserOutcome<K>>,
}

impl<K> BatchReport<K> {
    pub fn succeeded(&self) -> usize {
        self.count(|r| matches!(r, OutcomeResult::Ok { .. }))
    }
    pub fn failed(&self) -> usize {
        self.count(|r| matches!(r, OutcomeResult::Failed { .. }))
    }
    pub fn not_sent(&self) -> usize {
        self.count(|r| matches!(r, OutcomeResult::NotSent))
    }
    pub fn unknown(&self) -> usize {
        self.count(|r| matches!(r, OutcomeResult::Unknown { .. }))
    }
    fn count(&self, f: impl Fn(&OutcomeResult) -> bool) -> usize {
        self.outcomes.iter().filter(|o| f(&o.result)).count()
    }
}

/// What one chunk call returns: the per-user failures (keyed as the items
/// are), failures that name no user, and whether the retry layer saw
/// throttling.
struct ChunkAnswer {
    failures: Vec<(String, Option<ErrorCode>, String)>,
    /// Errors without a user id: which users they concern is unknown.
    unnamed: Vec<(Option<ErrorCode>, String)>,
    stats: CallStats,
}

impl ChunkAnswer {
    fn from_user_errors(errors: Vec<UserError>, stats: CallStats) -> Self {
        let mut failures = Vec::new();
        let mut unnamed = Vec::new();
        for e in errors {
            let message = e.error_message.unwrap_or_default();
            match e.user_id.filter(|id| is_non_empty(id)) {
                Some(id) => failures.push((id, e.error_code, message)),
                None => unnamed.push((e.error_code, message)),
            }
        }
        ChunkAnswer {
            failures,
            unnamed,
            stats,
        }
    }
}

enum State {
    Pending,
    Ok(Option<String>),
    Failed(OutcomeResult),
}

struct Retry {
    ready: Instant,
    index: usize,
}

/// What a batch sends: the operation, how many items a call takes, and
/// where its retries are announced.
struct Spec<'a> {
    op: Operation,
    chunk_size: usize,
    events: &'a tokio::sync::broadcast::Sender<super::ClientEvent>,
    /// The client's accepted requests, which the pacer measures from.
    accepted: Option<&'a std::sync::Arc<super::accepted::Accepted>>,
}

/// The engine: `keys[i]` names item `i` in answers, or says why item `i`
/// cannot be sent (it is then failed without being sent: one bad item would
/// make the service refuse its whole chunk); `send(items)` sends one chunk.
///
/// The loop only schedules: it launches chunks while the limit and the pace
/// allow ([`Scheduler::next_chunk`]), waits when nothing is in flight
/// ([`Scheduler::idle`]), takes the next answer, lets the scheduler judge
/// it ([`Scheduler::on_answer`] / [`Scheduler::on_error`]), adapts the
/// limit ([`Scheduler::adapt`]) and reports ([`Scheduler::progress`]).
async fn run<I, F, Fut>(
    keys: Vec<Result<String, String>>,
    items: Vec<I>,
    spec: Spec<'_>,
    opts: &BatchOptions,
    mut progress: impl FnMut(BatchProgress),
    send: F,
) -> Vec<OutcomeResult>
where
    I: Clone,
    F: Fn(Vec<I>) -> Fut,
    Fut: Future<Output = Result<ChunkAnswer, ApiError>>,
{
    let mut s = Scheduler::new(&keys, items, spec, opts);
    let mut in_flight = FuturesUnordered::new();
    loop {
        let cancelled = opts.cancel.is_cancelled();
        // Launch while there is room (and, once throttled, at the pace).
        while !cancelled && in_flight.len() < s.limit {
            let Some((seq, chunk)) = s.next_chunk(Instant::now()) else {
                break;
            };
            let fut = send(s.items_of(&chunk));
            in_flight.push(async move { (seq, chunk, fut.await) });
        }
        if in_flight.is_empty() {
            if cancelled || s.drained() {
                break;
            }
            s.idle().await;
            continue;
        }
        let wake = s.wake_at(in_flight.len(), cancelled);
        let finished = tokio::select! {
            f = in_flight.next() => f,
            _ = opts.cancel.cancelled(), if !cancelled => None,
            _ = sleep_until_opt(wake) => None,
        };
        let Some((seq, chunk, answer)) = finished else {
            continue;
        };
        let end = match answer {
            Ok(answer) => s.on_answer(chunk, answer),
            Err(e) => s.on_error(chunk, &e),
        };
        s.adapt(seq, end.throttled, end.clean);
        progress(s.progress(end.settled, in_flight.len()));
    }
    // Users waiting for a retry keep their last error; users never sent are NotSent.
    s.states.into_iter().map(State::into_result).collect()
}

/// How one chunk's answer went: whether it was throttled, whether it was
/// clean (one attempt, every user changed), and the users it settled.
struct ChunkEnd {
    throttled: bool,
    clean: bool,
    settled: Vec<usize>,
}

/// The batch's state between answers: each user's state and attempts, the
/// users waiting (fresh, or for a retry), the adaptive limit and the pacer.
struct Scheduler<'a, I> {
    items: Vec<I>,
    /// Every item index of a key (a user may be given twice).
    by_key: HashMap<&'a str, Vec<usize>>,
    op: Operation,
    chunk_size: usize,
    events: &'a tokio::sync::broadcast::Sender<super::ClientEvent>,
    opts: &'a BatchOptions,
    /// The cap of the limit, and the limit: most chunks in flight now.
    cap: usize,
    limit: usize,
    states: Vec<State>,
    attempts: Vec<u32>,
    /// Throttled sends of each user: they do not count as attempts, up to
    /// [`MAX_THROTTLED_SENDS`].
    throttles: Vec<u32>,
    fresh: VecDeque<usize>,
    retries: Vec<Retry>,
    done: usize,
    failed: usize,
    /// Chunks launched, and how many were launched when the limit was last
    /// halved (one halving per round of chunks).
    launched: u64,
    last_decrease: u64,
    pacer: super::pacer::Pacer,
}

impl<'a, I: Clone> Scheduler<'a, I> {
    /// Every item with a key waits to be sent; one without is failed here.
    fn new(
        keys: &'a [Result<String, String>],
        items: Vec<I>,
        spec: Spec<'a>,
        opts: &'a BatchOptions,
    ) -> Self {
        let total = items.len();
        let cap = opts.max_concurrency.max(1);
        let limit = INITIAL_CONCURRENCY.min(cap);
        let mut s = Scheduler {
            items,
            by_key: HashMap::new(),
            op: spec.op,
            chunk_size: spec.chunk_size,
            events: spec.events,
            opts,
            cap,
            limit,
            states: (0..total).map(|_| State::Pending).collect(),
            attempts: vec![0; total],
            throttles: vec![0; total],
            fresh: VecDeque::with_capacity(total),
            retries: Vec::new(),
            done: 0,
            failed: 0,
            launched: 0,
            last_decrease: 0,
            pacer: super::pacer::Pacer::new(Instant::now(), limit)
                .measuring(spec.accepted.cloned()),
        };
        for (i, k) in keys.iter().enumerate() {
            match k {
                Ok(k) => {
                    s.by_key.entry(k.as_str()).or_default().push(i);
                    s.fresh.push_back(i);
                }
                Err(problem) => {
                    s.states[i] = State::Failed(OutcomeResult::Failed {
                        code: Some(ErrorCode::BadRequest),
                        message: problem.clone(),
                        request_id: None,
                    });
                    s.failed += 1;
                }
            }
        }
        s
    }

    /// The next chunk to send, if the pace allows one now: the retries that
    /// are due first, then fresh users. Counts an attempt for each user.
    fn next_chunk(&mut self, now: Instant) -> Option<(u64, Vec<usize>)> {
        if self.pacer.wait_until(now).is_some() {
            return None;
        }
        let mut chunk: Vec<usize> = Vec::with_capacity(self.chunk_size);
        self.retries.sort_by_key(|r| r.ready);
        while chunk.len() < self.chunk_size && self.retries.first().is_some_and(|r| r.ready <= now)
        {
            chunk.push(self.retries.remove(0).index);
        }
        while chunk.len() < self.chunk_size {
            match self.fresh.pop_front() {
                Some(i) => chunk.push(i),
                None => break,
            }
        }
        if chunk.is_empty() {
            return None;
        }
        self.launched += 1;
        self.pacer.sent(now);
        for &i in &chunk {
            self.attempts[i] += 1;
        }
        Some((self.launched, chunk))
    }

    fn items_of(&self, chunk: &[usize]) -> Vec<I> {
        chunk.iter().map(|&i| self.items[i].clone()).collect()
    }

    /// Nobody waits to be sent, fresh or again.
    fn drained(&self) -> bool {
        self.retries.is_empty() && self.fresh.is_empty()
    }

    /// Nothing in flight: waits for the pace, and for the first retry if
    /// only delayed retries are left (or a cancel).
    async fn idle(&self) {
        let first_retry = if self.fresh.is_empty() {
            self.retries.iter().map(|r| r.ready).min()
        } else {
            None
        };
        let until = [self.pacer.wait_until(Instant::now()), first_retry]
            .into_iter()
            .flatten()
            .max()
            .unwrap_or_else(Instant::now);
        tokio::select! {
            _ = tokio::time::sleep_until(until) => {}
            _ = self.opts.cancel.cancelled() => {}
        }
    }

    /// While chunks are in flight, when to wake to launch one more (a retry
    /// due, or the pace allowing it), if there is room.
    fn wake_at(&self, in_flight: usize, cancelled: bool) -> Option<Instant> {
        let room = in_flight < self.limit && !cancelled;
        let has_work = !self.drained();
        let next_ready = self.retries.iter().map(|r| r.ready).min();
        let wake_for_retry = next_ready.filter(|_| room);
        let paced = self
            .pacer
            .wait_until(Instant::now())
            .filter(|_| has_work && room);
        // While paced, nothing launches before the pace allows.
        paced.or(wake_for_retry)
    }

    /// A chunk answered: each user named with an error failed (sent again
    /// if retryable), each other one changed, unless an error named no
    /// user of the chunk (then none of them is known changed).
    fn on_answer(&mut self, chunk: Vec<usize>, mut answer: ChunkAnswer) -> ChunkEnd {
        let mut end = ChunkEnd {
            throttled: answer.stats.throttled,
            clean: answer.stats.attempts <= 1,
            settled: Vec::new(),
        };
        let request_id = answer.stats.request_id.clone();
        let mut errors: HashMap<usize, (Option<ErrorCode>, String)> = HashMap::new();
        for (key, code, message) in answer.failures {
            let indexes = self.by_key.get(key.as_str()).map(|v| {
                v.iter()
                    .copied()
                    .filter(|i| chunk.contains(i))
                    .collect::<Vec<_>>()
            });
            match indexes.filter(|v| !v.is_empty()) {
                Some(indexes) => {
                    for i in indexes {
                        errors.insert(i, (code.clone(), message.clone()));
                    }
                }
                None => answer.unnamed.push((code, message)),
            }
        }
        let unknown = self.unnamed_message(&answer.unnamed);
        for i in chunk {
            match (errors.remove(&i), &unknown) {
                (None, Some(message)) => {
                    end.clean = false;
                    self.states[i] = State::Failed(OutcomeResult::Unknown {
                        message: message.clone(),
                        request_id: request_id.clone(),
                    });
                    self.failed += 1;
                    end.settled.push(i);
                }
                (None, None) => {
                    self.states[i] = State::Ok(request_id.clone());
                    self.done += 1;
                    end.settled.push(i);
                }
                (Some((code, message)), _) => {
                    end.clean = false;
                    end.throttled |= code
                        .as_ref()
                        .is_some_and(|c| matches!(c, ErrorCode::Throttled | ErrorCode::Throttling));
                    let retryable = code.as_ref().is_some_and(|c| c.is_retryable());
                    let result = OutcomeResult::Failed {
                        code,
                        message,
                        request_id: request_id.clone(),
                    };
                    self.states[i] = State::Failed(still_unknown(&self.states[i], result));
                    if retryable && self.attempts[i] < self.opts.max_user_attempts {
                        self.retry(i, backoff(self.opts, self.attempts[i]));
                    } else {
                        self.failed += 1;
                        end.settled.push(i);
                    }
                }
            }
        }
        end
    }

    /// An error the service did not tie to a user of this chunk: no user of
    /// the chunk can be called updated. The message each of them gets.
    fn unnamed_message(&self, unnamed: &[(Option<ErrorCode>, String)]) -> Option<String> {
        let (code, message) = unnamed.first()?;
        tracing::warn!(
            operation = self.op.name(),
            errors = unnamed.len(),
            "errors that name no user of the chunk: results unknown"
        );
        let code = code.as_ref().map(|c| c.as_str()).unwrap_or("error");
        Some(format!(
            "the service reported {code} ({message}) without naming the user"
        ))
    }

    /// A whole chunk failed: its users go again if the error allows it (a
    /// throttled send does not count as an attempt), announced as the retry
    /// layer does; else they failed, or are unknown if the answer was lost
    /// after sending.
    fn on_error(&mut self, chunk: Vec<usize>, e: &ApiError) -> ChunkEnd {
        let mut end = ChunkEnd {
            throttled: e.is_throttling(),
            clean: false,
            settled: Vec::new(),
        };
        let op = self.op;
        let again = (e.is_retryable() && op.is_idempotent()) || e.never_reached_service();
        let mut announced = false;
        for i in chunk {
            if e.is_throttling() && self.throttles[i] < MAX_THROTTLED_SENDS {
                self.throttles[i] += 1;
                self.attempts[i] = self.attempts[i].saturating_sub(1);
            }
            // Sent and unanswered: the change may have been made.
            let result = if e.answer_lost() && !op.is_read_only() {
                OutcomeResult::Unknown {
                    message: e.to_string(),
                    request_id: e.request_id.clone(),
                }
            } else {
                OutcomeResult::Failed {
                    code: e.code().cloned(),
                    message: e.to_string(),
                    request_id: e.request_id.clone(),
                }
            };
            self.states[i] = State::Failed(still_unknown(&self.states[i], result));
            if again && self.attempts[i] < self.opts.max_user_attempts {
                let delay = backoff(self.opts, self.attempts[i]);
                if !announced {
                    // The chunk goes again: say so, as the retry layer does.
                    announced = true;
                    let _ = self.events.send(super::ClientEvent::Retrying {
                        operation: op,
                        attempt: self.attempts[i] + 1,
                        max_attempts: self.opts.max_user_attempts,
                        error: e.clone(),
                        delay,
                    });
                }
                self.retry(i, delay);
            } else {
                self.failed += 1;
                end.settled.push(i);
            }
        }
        end
    }

    fn retry(&mut self, index: usize, delay: Duration) {
        self.retries.push(Retry {
            ready: Instant::now() + delay,
            index,
        });
    }

    /// The limit after chunk `seq`'s answer: halved on throttling (once per
    /// round: only for a chunk launched after the last halving), one more
    /// after a clean chunk, up to the cap; the pacer told either way.
    fn adapt(&mut self, seq: u64, throttled: bool, clean: bool) {
        if !throttled {
            self.pacer.accepted(Instant::now());
        }
        if throttled {
            if seq > self.last_decrease {
                self.limit = (self.limit / 2).max(1);
                self.last_decrease = self.launched;
                self.pacer.throttled(Instant::now());
                tracing::debug!(limit = self.limit, "throttled: concurrency halved");
            }
        } else if clean {
            self.pacer.clean();
            if self.limit < self.cap {
                self.limit += 1;
            }
        }
    }

    /// What the progress callback is told after an answer.
    fn progress(&self, settled: Vec<usize>, in_flight: usize) -> BatchProgress {
        BatchProgress {
            settled: settled
                .into_iter()
                .map(|i| (i, self.states[i].result()))
                .collect(),
            done: self.done,
            failed: self.failed,
            total: self.items.len(),
            in_flight,
            concurrency: self.limit,
        }
    }
}

impl State {
    /// The user's result so far: a user never sent is `NotSent`.
    fn result(&self) -> OutcomeResult {
        match self {
            State::Ok(request_id) => OutcomeResult::Ok {
                request_id: request_id.clone(),
            },
            State::Failed(r) => r.clone(),
            State::Pending => OutcomeResult::NotSent,
        }
    }

    fn into_result(self) -> OutcomeResult {
        match self {
            State::Ok(request_id) => OutcomeResult::Ok { request_id },
            State::Failed(r) => r,
            State::Pending => OutcomeResult::NotSent,
        }
    }
}

/// A user's result after another attempt: once an earlier send's answer was
/// lost (the service may have acted on it), a later definite error does not
/// make it `Failed`; it stays `Unknown` (with the later error in its message)
/// until reading it back settles it.
fn still_unknown(before: &State, result: OutcomeResult) -> OutcomeResult {
    match (before, result) {
        (
            State::Failed(OutcomeResult::Unknown {
                message: first,
                request_id,
            }),
            OutcomeResult::Failed {
                message: then,
                request_id: later,
                ..
            },
        ) => OutcomeResult::Unknown {
            message: format!("{first}; then: {then}"),
            request_id: request_id.clone().or(later),
        },
        (_, result) => result,
    }
}

/// Throttled sends of one user that are not counted as attempts.
const MAX_THROTTLED_SENDS: u32 = 50;

/// Unknown users read back one by one up to this many; more through ListUsers.
const SETTLE_BY_GET: usize = 20;

/// Whether `u` has every value `update` sets.
fn at_target(u: &User, update: &crate::model::UserUpdate) -> bool {
    let license = update
        .license_type
        .as_ref()
        .is_none_or(|l| u.license_type.as_ref() == Some(l));
    let user_type = update
        .user_type
        .as_ref()
        .is_none_or(|t| u.user_type.as_ref() == Some(t));
    let a4b = update.alexa_for_business_metadata.as_ref().is_none_or(|m| {
        m.is_alexa_for_business_enabled
            .is_none_or(|e| u.a4b_enabled() == Some(e))
            && m.alexa_for_business_room_arn
                .as_ref()
                .is_none_or(|r| u.a4b_room_arn() == Some(r.expose()))
    });
    license && user_type && a4b
}

async fn sleep_until_opt(when: Option<Instant>) {
    match when {
        Some(t) => tokio::time::sleep_until(t).await,
        None => std::future::pending().await,
    }
}

fn backoff(opts: &BatchOptions, attempt: u32) -> Duration {
    let ceiling = super::retry::backoff_ceiling(opts.retry_delay, Duration::from_secs(5), attempt);
    let ms = ceiling.as_millis() as u64;
    if ms == 0 {
        return Duration::ZERO;
    }
    use rand::Rng;
    Duration::from_millis(rand::rng().random_range(ms / 2..=ms))
}

fn report<K>(keys: Vec<K>, results: Vec<OutcomeResult>) -> BatchReport<K> {
    BatchReport {
        outcomes: keys
            .into_iter()
            .zip(results)
            .map(|(user_id, result)| UserOutcome { user_id, result })
            .collect(),
    }
}

impl Client {
    /// The client a batch sends its chunks with: it retries as the client
    /// does, except throttling, which the batch handles itself (a throttled
    /// chunk goes again at the pace the batch keeps, never at once behind
    /// its back).
    fn for_batch(&self) -> Client {
        self.with_retry(RetryConfig {
            retry_throttling: false,
            ..self.retry_config().clone()
        })
    }

    /// BatchUpdateUser for any number of items, 20 per call. Items without a
    /// `UserId` are reported failed without being sent.
    pub async fn update_users(
        &self,
        account_id: &str,
        items: Vec<UpdateUserRequestItem>,
        opts: BatchOptions,
        progress: impl FnMut(BatchProgress),
    ) -> BatchReport {
        let keys: Vec<Result<String, String>> = items
            .iter()
            .map(|i| match &i.user_id {
                Some(id) if is_non_empty(id) => Ok(id.clone()),
                _ => Err("UserId is missing or empty".to_string()),
            })
            .collect();
        let ids: Vec<String> = items
            .iter()
            .map(|i| i.user_id.clone().unwrap_or_default())
            .collect();
        let sender = &self.for_batch();
        let mut results = run(
            keys,
            items.clone(),
            Spec {
                op: Operation::BatchUpdateUser,
                chunk_size: MAX_UPDATE_ITEMS,
                events: &self.inner.events,
                accepted: Some(&self.inner.accepted),
            },
            &opts,
            progress,
            |chunk| async move {
                let (errors, stats) = sender.batch_update_user_stats(account_id, &chunk).await?;
                Ok(ChunkAnswer::from_user_errors(errors, stats))
            },
        )
        .await;
        self.settle(account_id, &items, &mut results).await;
        report(ids, results)
    }

    /// Reads back every user whose outcome is unknown and says what is
    /// true: `Ok` at the target, `Failed` (with the last error) if not,
    /// `Unknown` only if the read fails too. A few users are read one by
    /// one (GetUser), many through the account's listing.
    async fn settle(
        &self,
        account_id: &str,
        items: &[UpdateUserRequestItem],
        results: &mut [OutcomeResult],
    ) {
        let unknown: Vec<usize> = (0..results.len())
            .filter(|&i| matches!(results[i], OutcomeResult::Unknown { .. }))
            .collect();
        if unknown.is_empty() {
            return;
        }
        tracing::info!(
            users = unknown.len(),
            "reading back users with unknown outcomes"
        );
        let id_of = |i: usize| items[i].user_id.clone().unwrap_or_default();
        let read: HashMap<usize, Result<User, ApiError>> = if unknown.len() <= SETTLE_BY_GET {
            futures::stream::iter(unknown.iter().copied())
                .map(|i| async move { (i, self.get_user(account_id, &id_of(i)).await) })
                .buffer_unordered(INITIAL_CONCURRENCY)
                .collect()
                .await
        } else {
            let listed = self.all_users(account_id).await;
            unknown
                .iter()
                .map(|&i| {
                    let found = match &listed {
                        Ok(users) => users.get(&id_of(i)).cloned().ok_or_else(|| {
                            ApiError::new(ApiErrorKind::Invalid, "not in the account's listing")
                        }),
                        Err(e) => Err(e.clone()),
                    };
                    (i, found)
                })
                .collect()
        };
        for (i, read) in read {
            let OutcomeResult::Unknown {
                message,
                request_id,
            } = &results[i]
            else {
                continue;
            };
            results[i] = match read {
                Ok(user) if at_target(&user, &items[i].update) => OutcomeResult::Ok {
                    request_id: request_id.clone(),
                },
                Ok(_) => OutcomeResult::Failed {
                    code: None,
                    message: format!("not changed (read back): {message}"),
                    request_id: request_id.clone(),
                },
                Err(e)
                    if e.code() == Some(&ErrorCode::NotFound)
                        || e.kind == ApiErrorKind::Invalid =>
                {
                    OutcomeResult::Failed {
                        code: Some(ErrorCode::NotFound),
                        message: format!("no such user (read back): {message}"),
                        request_id: request_id.clone(),
                    }
                }
                Err(e) => OutcomeResult::Unknown {
                    message: format!("{message}; reading it back failed: {e}"),
                    request_id: request_id.clone(),
                },
            };
        }
    }

    /// Every user of the account by id (bounded by the listing limit).
    async fn all_users(&self, account_id: &str) -> Result<HashMap<String, User>, ApiError> {
        let mut users = HashMap::new();
        let mut pages = Box::pin(self.users_pages(
            account_id,
            &super::ListUsersQuery::default(),
            Some(crate::model::validate::PAGE_SIZE),
            None,
        ));
        while let Some(page) = pages.next().await {
            for u in page?.users {
                users.insert(u.user_id.clone(), u);
            }
        }
        Ok(users)
    }

    /// BatchSuspendUser for any number of ids, 50 per call.
    pub async fn suspend_users(
        &self,
        account_id: &str,
        user_ids: Vec<String>,
        opts: BatchOptions,
        progress: impl FnMut(BatchProgress),
    ) -> BatchReport {
        self.id_batch(
            Operation::BatchSuspendUser,
            account_id,
            user_ids,
            opts,
            progress,
        )
        .await
    }

    /// BatchUnsuspendUser for any number of ids, 50 per call.
    pub async fn unsuspend_users(
        &self,
        account_id: &str,
        user_ids: Vec<String>,
        opts: BatchOptions,
        progress: impl FnMut(BatchProgress),
    ) -> BatchReport {
        self.id_batch(
            Operation::BatchUnsuspendUser,
            account_id,
            user_ids,
            opts,
            progress,
        )
        .await
    }

    async fn id_batch(
        &self,
        op: Operation,
        account_id: &str,
        user_ids: Vec<String>,
        opts: BatchOptions,
        progress: impl FnMut(BatchProgress),
    ) -> BatchReport {
        let keys = user_ids
            .iter()
            .map(|id| {
                if is_non_empty(id) {
                    Ok(id.clone())
                } else {
                    Err("UserId is empty".to_string())
                }
            })
            .collect();
        let sender = &self.for_batch();
        let results = run(
            keys,
            user_ids.clone(),
            Spec {
                op,
                chunk_size: MAX_ID_LIST,
                events: &self.inner.events,
                accepted: Some(&self.inner.accepted),
            },
            &opts,
            progress,
            |chunk| async move {
                let (errors, stats) = sender.id_list_stats(op, account_id, &chunk).await?;
                Ok(ChunkAnswer::from_user_errors(errors, stats))
            },
        )
        .await;
        report(user_ids, results)
    }

    /// InviteUsers for any number of emails, 50 per call. InviteUsers is not
    /// idempotent: a failed chunk is sent again only if it never reached the
    /// service. An invite answered with status `Failed` is a failed user.
    pub async fn invite_users(
        &self,
        account_id: &str,
        emails: Vec<Sensitive>,
        user_type: Option<UserType>,
        opts: BatchOptions,
        progress: impl FnMut(BatchProgress),
    ) -> BatchReport<Sensitive> {
        let keys = emails
            .iter()
            .map(|e| {
                if is_email(e.expose()) {
                    Ok(e.expose().to_string())
                } else {
                    Err("not an email address".to_string())
                }
            })
            .collect();
        let user_type = &user_type;
        let sender = &self.for_batch();
        let results = run(
            keys,
            emails.clone(),
            Spec {
                op: Operation::InviteUsers,
                chunk_size: MAX_ID_LIST,
                events: &self.inner.events,
                accepted: Some(&self.inner.accepted),
            },
            &opts,
            progress,
            |chunk| async move {
                let (invites, ids) = super::request_ids::capture(sender.invite_user_list(
                    account_id,
                    &chunk,
                    user_type.clone(),
                ))
                .await;
                let invites = invites?;
                let failures = invites
                    .into_iter()
                    .filter(|i| i.status == Some(InviteStatus::Failed))
                    .filter_map(|i| {
                        Some((
                            i.email_address?.into_inner(),
                            None,
                            "invite failed".to_string(),
                        ))
                    })
                    .collect();
                Ok(ChunkAnswer {
                    failures,
                    unnamed: Vec::new(),
                    stats: CallStats {
                        request_id: ids.last().cloned(),
                        ..CallStats::default()
                    },
                })
            },
        )
        .await;
        report(emails, results)
    }
}

#[cfg(test)]
mod tests {
    //! The scheduler against simulated services in paused (virtual) time:
    //! every round trip and refill is exact, so the figures are the
    //! algorithm's, not the machine's.
    use super::*;
    use std::cell::RefCell;
    use std::rc::Rc;

    /// A service that answers every chunk after `latency` and throttles
    /// (429) past a token bucket of `rps` requests a second, with a burst
    /// of `rps` (the local service's `--throttle-rps`); 0 throttles nothing.
    struct Sim {
        latency: Duration,
        rps: f64,
        tokens: f64,
        last: Instant,
        throttled: usize,
        requests: usize,
        /// Times each item was changed.
        changed: Vec<usize>,
    }

    async fn run_against(
        users: usize,
        latency_ms: u64,
        rps: f64,
        tokens: f64,
    ) -> (Sim, Duration, Vec<BatchProgress>) {
        let mut seen = Vec::new();
        let t0 = Instant::now();
        let sim = Rc::new(RefCell::new(Sim {
            latency: Duration::from_millis(latency_ms),
            rps,
            tokens,
            last: t0,
            throttled: 0,
            requests: 0,
            changed: vec![0; users],
        }));
        let (events, _) = tokio::sync::broadcast::channel(16);
        let spec = Spec {
            op: Operation::BatchUpdateUser,
            chunk_size: 20,
            events: &events,
            accepted: None,
        };
        let keys = (0..users).map(|i| Ok(i.to_string())).collect();
        let items: Vec<usize> = (0..users).collect();
        let opts = BatchOptions::default();
        let results = run(
            keys,
            items,
            spec,
            &opts,
            |p| seen.push(p),
            |chunk: Vec<usize>| {
                let sim = sim.clone();
                async move {
                    let (throttle, latency) = {
                        let mut s = sim.borrow_mut();
                        let now = Instant::now();
                        s.requests += 1;
                        let refill = (now - s.last).as_secs_f64() * s.rps;
                        s.tokens = (s.tokens + refill).min(s.rps);
                        s.last = now;
                        let throttle = s.rps > 0.0 && s.tokens < 1.0;
                        if throttle {
                            s.throttled += 1;
                        } else {
                            s.tokens -= 1.0;
                            for &i in &chunk {
                                s.changed[i] += 1;
                            }
                        }
                        (throttle, s.latency)
                    };
                    tokio::time::sleep(latency).await;
                    if throttle {
                        let mut e = ApiError::new(
                            ApiErrorKind::Service {
                                exception: "ThrottledClientException".into(),
                                code: Some(ErrorCode::Throttled),
                            },
                            "Rate exceeded",
                        );
                        e.status = Some(429);
                        return Err(e);
                    }
                    Ok(ChunkAnswer {
                        failures: Vec::new(),
                        unnamed: Vec::new(),
                        stats: CallStats {
                            attempts: 1,
                            ..CallStats::default()
                        },
                    })
                }
            },
        )
        .await;
        let elapsed = t0.elapsed();
        assert!(
            results
                .iter()
                .all(|r| matches!(r, OutcomeResult::Ok { .. })),
            "{results:?}"
        );
        let sim = Rc::try_unwrap(sim).ok().expect("sim").into_inner();
        eprintln!(
            "{users} users, {latency_ms} ms, {rps} rps, {tokens} tokens: {} of {} requests throttled, {elapsed:?}",
            sim.throttled, sim.requests
        );
        assert!(sim.changed.iter().all(|&n| n == 1), "{:?}", sim.changed);
        (sim, elapsed, seen)
    }

    /// The batch starts at the initial concurrency: when the first chunk's
    /// answer lands (all take 50 ms), the other 7 are still in flight, and
    /// the limit then grows past 8. In paused time, so the figures are the
    /// scheduler's, not the machine's.
    #[tokio::test(start_paused = true)]
    async fn the_first_answer_finds_the_initial_chunks_still_in_flight() {
        let (_, _, seen) = run_against(1000, 50, 0.0, 0.0).await;
        assert_eq!(seen[0].in_flight, INITIAL_CONCURRENCY - 1, "{:?}", seen[0]);
        assert!(seen.iter().any(|p| p.concurrency > INITIAL_CONCURRENCY));
    }

    /// 1,000 users against 20 requests/s with 1 ms answers: the pacing
    /// from the first chunk keeps the chunks in flight when the bucket runs
    /// dry to one or two, where a window growing by one per answer had
    /// about 25 (26–34 % of all requests throttled).
    #[tokio::test(start_paused = true)]
    async fn a_fast_throttling_service_throttles_few_requests_and_the_floor_holds() {
        let (sim, elapsed, _) = run_against(1000, 1, 20.0, 20.0).await;
        let floor = Duration::from_secs_f64(50.0 / 20.0);
        assert!(sim.throttled <= 2, "{} of {}", sim.throttled, sim.requests);
        assert!(elapsed <= floor.mul_f64(1.25), "{elapsed:?}");
    }

    /// The same with the bucket already emptied by another caller: the
    /// first throttling has nothing accepted to learn from, so slow start
    /// begins again from the lowest rate and the next throttling measures
    /// what the service accepted since the first (its refill rate, no
    /// burst). Within 1.5× the floor (3.9× when the first throttling set
    /// the lowest rate and it grew by one request per second each second).
    #[tokio::test(start_paused = true)]
    async fn an_emptied_bucket_is_probed_again_not_crawled() {
        let (sim, elapsed, _) = run_against(1000, 1, 20.0, 0.0).await;
        let floor = Duration::from_secs_f64(50.0 / 20.0);
        assert!(sim.throttled <= 12, "{} of {}", sim.throttled, sim.requests);
        assert!(elapsed <= floor.mul_f64(1.5), "{elapsed:?}");
    }

    /// 1,000 users at 50 ms and no limit: the concurrency grows past 8 and
    /// the batch takes a handful of round trips (one wave would be 1).
    #[tokio::test(start_paused = true)]
    async fn a_slow_unlimited_service_gets_the_whole_batch_in_a_few_round_trips() {
        let (sim, elapsed, _) = run_against(1000, 50, 0.0, 0.0).await;
        assert_eq!((sim.throttled, sim.requests), (0, 50));
        assert!(elapsed <= Duration::from_millis(4 * 50 + 10), "{elapsed:?}");
    }

    /// 1,000 users at 1 ms and no limit: slow start's clock costs a few
    /// doublings, not a rate.
    #[tokio::test(start_paused = true)]
    async fn a_fast_unlimited_service_is_not_held_back_long() {
        let (_, elapsed, _) = run_against(1000, 1, 0.0, 0.0).await;
        assert!(elapsed <= super::super::pacer::DOUBLING * 4, "{elapsed:?}");
    }
}
