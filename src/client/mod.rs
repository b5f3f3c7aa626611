//! The Chime client: one async fn per operation (see [`ops`]), shared model
//! types in and out. It signs ([`sign`]), retries ([`retry`]), pages
//! ([`pager`]) and batches ([`batch`]); configuration and credentials come
//! from the AWS SDK's own chain ([`config`]). It knows nothing of the console.

mod accepted;
pub mod batch;
pub mod config;
pub mod error;
pub mod identity;
pub mod ops;
mod pacer;
pub mod pager;
pub mod request_ids;
pub mod retry;
pub mod sign;
pub mod transport;

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use aws_credential_types::Credentials;
use bytes::Bytes;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde::de::DeserializeOwned;

pub use batch::{BatchOptions, BatchProgress, BatchReport, OutcomeResult, UserOutcome};
pub use config::ConnConfig;
pub use error::{ApiError, ApiErrorKind};
pub use ops::ListUsersQuery;
pub use retry::{CallStats, RetryConfig};
pub use transport::Timeouts;

use crate::model::Operation;
use config::CredentialSource;
use transport::{Answer, Transport};

/// What a client reports while it works, for a status line.
#[derive(Clone, Debug, PartialEq)]
pub enum ClientEvent {
    /// A call failed with a retryable error and is sent again after `delay`.
    Retrying {
        operation: Operation,
        /// The attempt about to be made (2 = first retry).
        attempt: u32,
        max_attempts: u32,
        /// What failed (`is_throttling()` tells throttling apart).
        error: ApiError,
        delay: Duration,
    },
}

/// The Chime client. Cheap to clone: clones share one connection pool, one
/// credentials cache and one retry budget.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

#[derive(Clone)]
struct Inner {
    transport: Transport,
    endpoint: String,
    region: String,
    credentials: Arc<CredentialSource>,
    retry: RetryConfig,
    budget: retry::RetryBudget,
    events: tokio::sync::broadcast::Sender<ClientEvent>,
    timeouts: Timeouts,
    /// The most items a listing reads before it stops with an error.
    list_limit: usize,
    /// Every request the service answered without throttling (the batch
    /// pacer measures the service's rate from it).
    accepted: Arc<accepted::Accepted>,
}

/// The default listing limit (see [`Client::with_list_limit`]).
pub const DEFAULT_LIST_LIMIT: usize = 1_000_000;

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("endpoint", &self.inner.endpoint)
            .field("region", &self.inner.region)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// A client configured as the AWS CLI would be: `--profile`, `--region`,
    /// `--endpoint-url`, the environment and `~/.aws` files, through aws-config.
    pub async fn from_conn(conn: impl Into<ConnConfig>) -> Result<Client, ApiError> {
        let conn: ConnConfig = conn.into();
        let resolved = config::resolve(&conn).await?;
        tracing::info!(endpoint = %resolved.endpoint, region = %resolved.region, "chime client");
        let client = Self::build(
            &resolved.endpoint,
            &resolved.region,
            CredentialSource::provider(resolved.credentials),
        )?;
        match conn.timeout {
            Some(secs) => {
                client.with_timeouts(Timeouts::with_overall(Duration::from_secs_f64(secs)))
            }
            None => Ok(client),
        }
    }

    /// A client with fixed keys (tests, the demo).
    pub fn with_static_credentials(
        endpoint_url: &str,
        region: &str,
        access_key: &str,
        secret: &str,
    ) -> Result<Client, ApiError> {
        let creds = Credentials::new(access_key, secret, None, None, "static");
        Self::build(endpoint_url, region, CredentialSource::Static(creds))
    }

    fn build(endpoint: &str, region: &str, creds: CredentialSource) -> Result<Client, ApiError> {
        let endpoint = check_endpoint(endpoint)?;
        let timeouts = Timeouts::default();
        let retry = RetryConfig::default();
        let (events, _) = tokio::sync::broadcast::channel(256);
        Ok(Client {
            inner: Arc::new(Inner {
                transport: Transport::new(timeouts, &endpoint)?,
                endpoint,
                region: region.to_string(),
                credentials: Arc::new(creds),
                budget: retry::RetryBudget::new(retry.budget),
                retry,
                events,
                timeouts,
                list_limit: DEFAULT_LIST_LIMIT,
                accepted: Arc::default(),
            }),
        })
    }

    /// The same client with one thing changed by `f` (shares the transport
    /// and the credentials).
    fn with(&self, f: impl FnOnce(&mut Inner)) -> Client {
        let mut inner = (*self.inner).clone();
        f(&mut inner);
        Client {
            inner: Arc::new(inner),
        }
    }

    /// The same client with another retry configuration (and a fresh budget).
    pub fn with_retry(&self, retry: RetryConfig) -> Client {
        self.with(|i| {
            i.budget = retry::RetryBudget::new(retry.budget);
            i.retry = retry;
        })
    }

    /// The same client whose listings stop with an error past `limit` items.
    pub fn with_list_limit(&self, limit: usize) -> Client {
        self.with(|i| i.list_limit = limit)
    }

    pub(crate) fn list_limit(&self) -> usize {
        self.inner.list_limit
    }

    /// The same client with other timeouts (and its own connection pool).
    pub fn with_timeouts(&self, timeouts: Timeouts) -> Result<Client, ApiError> {
        let transport = Transport::new(timeouts, &self.inner.endpoint)?;
        Ok(self.with(|i| {
            i.transport = transport;
            i.timeouts = timeouts;
        }))
    }

    pub fn endpoint(&self) -> &str {
        &self.inner.endpoint
    }

    pub fn region(&self) -> &str {
        &self.inner.region
    }

    pub fn retry_config(&self) -> &RetryConfig {
        &self.inner.retry
    }

    /// Retries and other news, for a status line. Lagging receivers lose old events.
    pub fn events(&self) -> tokio::sync::broadcast::Receiver<ClientEvent> {
        self.inner.events.subscribe()
    }

    /// Sends one operation with retries; returns the answer body of a success.
    pub(crate) async fn execute(&self, call: &Call<'_>) -> (Result<Answer, ApiError>, CallStats) {
        let url = match self.url(call) {
            Ok(u) => u,
            Err(e) => return (Err(e), CallStats::default()),
        };
        let invocation = uuid::Uuid::new_v4().to_string();
        let inner = &self.inner;
        let all = retry::run(
            &inner.retry,
            &inner.budget,
            call.op,
            &inner.events,
            |attempt, max| self.attempt(call, &url, &invocation, attempt, max),
        );
        match tokio::time::timeout(inner.timeouts.overall, all).await {
            Ok(done) => done,
            Err(_) => {
                tracing::warn!(operation = call.op.name(), "deadline passed");
                let stats = CallStats {
                    attempts: 1,
                    ..CallStats::default()
                };
                (Err(self.deadline_passed(call.op)), stats)
            }
        }
    }

    /// The error of a call that did not end within the overall timeout.
    fn deadline_passed(&self, op: Operation) -> ApiError {
        let t = self.inner.timeouts.overall;
        let secs = if t.subsec_millis() == 0 {
            format!("{} s", t.as_secs())
        } else {
            format!("{:.1} s", t.as_secs_f64())
        };
        ApiError::new(
            ApiErrorKind::Timeout,
            format!(
                "{op} to {}: no answer within {secs}, retries included (raise it with --timeout)",
                self.inner.endpoint
            ),
        )
    }

    async fn attempt(
        &self,
        call: &Call<'_>,
        url: &str,
        invocation: &str,
        attempt: u32,
        max: u32,
    ) -> Result<Answer, ApiError> {
        let creds = self.inner.credentials.get().await?;
        let host = host_header(url)?;
        let body: &[u8] = call.body.as_deref().unwrap_or(&[]);
        let mut to_sign: Vec<(&str, &str)> = vec![("host", host.as_str())];
        if call.body.is_some() {
            to_sign.push(("content-type", "application/json"));
        }
        let method = call.op.route().method;
        let signed = sign::sign_request(
            &sign::Unsigned {
                method,
                url,
                headers: &to_sign,
                body,
            },
            &creds,
            &self.inner.region,
            SystemTime::now(),
        )
        .map_err(|m| ApiError::new(ApiErrorKind::Credentials, m))?;
        let mut req = http::Request::builder().method(method).uri(url);
        for (name, value) in to_sign.iter() {
            req = req.header(*name, *value);
        }
        for (name, value) in signed.0.iter() {
            req = req.header(*name, value.as_str());
        }
        req = req
            .header(
                "user-agent",
                concat!("chime-admin/", env!("CARGO_PKG_VERSION")),
            )
            .header("amz-sdk-invocation-id", invocation)
            .header("amz-sdk-request", format!("attempt={attempt}; max={max}"))
            .header("accept", "application/json");
        let request = req
            .body(Bytes::copy_from_slice(body))
            .map_err(|e| ApiError::invalid(format!("cannot build request: {e}")))?;
        let started = std::time::Instant::now();
        let answer = self
            .inner
            .transport
            .send(request, &self.inner.endpoint)
            .await;
        match &answer {
            Ok(a) => tracing::debug!(
                operation = call.op.name(),
                attempt,
                status = a.status,
                request_id = a.request_id().as_deref().unwrap_or("-"),
                ms = started.elapsed().as_millis() as u64,
                "answer"
            ),
            Err(e) => tracing::debug!(operation = call.op.name(), attempt, error = %e, "failed"),
        }
        let answer = answer?;
        request_ids::record(answer.request_id());
        let result = if (200..300).contains(&answer.status) {
            Ok(answer)
        } else {
            Err(ApiError::from_response(
                answer.status,
                answer.header("x-amzn-errortype"),
                answer.request_id(),
                &answer.body,
            ))
        };
        // Answered and not throttled (a refusal took a token too); a 5xx
        // says nothing about the rate.
        if result
            .as_ref()
            .err()
            .is_none_or(|e| !e.is_throttling() && e.status.is_some_and(|s| s < 500))
        {
            self.inner.accepted.record(tokio::time::Instant::now());
        }
        result
    }

    fn url(&self, call: &Call<'_>) -> Result<String, ApiError> {
        let route = call.op.route();
        let mut path = String::new();
        for seg in route.path.split('/') {
            path.push('/');
            let value = match seg {
                "{accountId}" => label("AccountId", call.account_id)?,
                "{userId}" => label("UserId", call.user_id)?,
                lit => lit,
            };
            path.extend(utf8_percent_encode(value, LABEL));
        }
        let mut query: Vec<String> = Vec::new();
        if let Some(op) = route.operation_query {
            query.push(format!("operation={op}"));
        }
        for (k, v) in &call.query {
            query.push(format!("{k}={}", utf8_percent_encode(v, LABEL)));
        }
        let mut url = format!("{}{}", self.inner.endpoint, path);
        if !query.is_empty() {
            url.push('?');
            url.push_str(&query.join("&"));
        }
        Ok(url)
    }

    /// Sends `call` and decodes the JSON answer.
    pub(crate) async fn call_json<T: DeserializeOwned>(
        &self,
        call: Call<'_>,
    ) -> Result<(T, CallStats), ApiError> {
        let (answer, mut stats) = self.execute(&call).await;
        let answer = answer?;
        stats.request_id = answer.request_id();
        stats.server_date = answer.date();
        let body: &[u8] = if answer.body.iter().all(|b| b.is_ascii_whitespace()) {
            b"{}"
        } else {
            &answer.body
        };
        serde_json::from_slice(body)
            .map(|v| (v, stats))
            .map_err(|e| {
                let text = String::from_utf8_lossy(&answer.body);
                let first = text
                    .lines()
                    .next()
                    .unwrap_or("")
                    .chars()
                    .take(80)
                    .collect::<String>();
                ApiError {
                    kind: ApiErrorKind::Decode,
                    message: format!(
                        "the answer from {} to {} is not the expected JSON ({e}): {first:?}",
                        self.inner.endpoint, call.op
                    ),
                    request_id: answer.request_id(),
                    status: Some(answer.status),
                }
            })
    }

    /// Sends `call`, which answers without a body.
    pub(crate) async fn call_empty(&self, call: Call<'_>) -> Result<(), ApiError> {
        let (answer, _) = self.execute(&call).await;
        answer.map(|_| ())
    }
}

/// One operation's parts before it becomes a request.
pub(crate) struct Call<'a> {
    pub op: Operation,
    pub account_id: Option<&'a str>,
    pub user_id: Option<&'a str>,
    pub query: Vec<(&'static str, String)>,
    pub body: Option<Vec<u8>>,
}

impl<'a> Call<'a> {
    pub fn new(op: Operation) -> Self {
        Call {
            op,
            account_id: None,
            user_id: None,
            query: Vec::new(),
            body: None,
        }
    }

    pub fn account(mut self, id: &'a str) -> Self {
        self.account_id = Some(id);
        self
    }

    pub fn user(mut self, id: &'a str) -> Self {
        self.user_id = Some(id);
        self
    }

    pub fn query(mut self, key: &'static str, value: Option<impl ToString>) -> Self {
        if let Some(v) = value {
            self.query.push((key, v.to_string()));
        }
        self
    }

    pub fn json(mut self, body: &impl serde::Serialize) -> Result<Self, ApiError> {
        self.body = Some(
            serde_json::to_vec(body)
                .map_err(|e| ApiError::invalid(format!("cannot encode request: {e}")))?,
        );
        Ok(self)
    }
}

/// Everything but unreserved characters is percent-encoded in path labels
/// and query values, as botocore does (`u 1/@x` → `u%201%2F%40x`).
const LABEL: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

fn label<'a>(name: &str, value: Option<&'a str>) -> Result<&'a str, ApiError> {
    match value {
        // A dot segment would be resolved away by URL parsing and send the
        // call to another operation's path (`users/..` is the account).
        Some("." | "..") => Err(ApiError::invalid(format!(
            "{name} must not be a dot segment"
        ))),
        Some(v) if crate::model::validate::is_non_empty(v) => Ok(v),
        _ => Err(ApiError::invalid(format!("{name} must not be empty"))),
    }
}

fn check_endpoint(endpoint: &str) -> Result<String, ApiError> {
    let trimmed = endpoint.trim().trim_end_matches('/');
    let quoted = crate::text::cut(trimmed, crate::text::QUOTED);
    let uri: http::Uri = trimmed
        .parse()
        .map_err(|e| ApiError::invalid(format!("bad endpoint URL {quoted:?}: {e}")))?;
    match uri.scheme_str() {
        Some("http") | Some("https") if uri.host().is_some() => Ok(trimmed.to_string()),
        _ => Err(ApiError::invalid(format!(
            "bad endpoint URL {quoted:?}: expected http://HOST[:PORT] or https://HOST[:PORT]"
        ))),
    }
}

/// The `Host` header as botocore sends it: the authority without a default port.
fn host_header(url: &str) -> Result<String, ApiError> {
    let quoted = || crate::text::cut(url, crate::text::QUOTED);
    let uri: http::Uri = url
        .parse()
        .map_err(|e| ApiError::invalid(format!("bad URL {:?}: {e}", quoted())))?;
    let host = uri
        .host()
        .ok_or_else(|| ApiError::invalid(format!("URL without host: {:?}", quoted())))?;
    let default_port = match uri.scheme_str() {
        Some("https") => 443,
        _ => 80,
    };
    Ok(match uri.port_u16() {
        Some(p) if p != default_port => format!("{host}:{p}"),
        _ => host.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_encode_labels_and_queries_like_botocore() {
        let c = Client::with_static_credentials("http://127.0.0.1:9/", "us-east-1", "A", "S")
            .expect("client");
        let call = Call::new(Operation::GetUser)
            .account("acc-1")
            .user("u 1/@x");
        assert_eq!(
            c.url(&call).expect("url"),
            "http://127.0.0.1:9/accounts/acc-1/users/u%201%2F%40x"
        );
        let call = Call::new(Operation::ListAccounts)
            .query("name", Some("Team A"))
            .query("user-email", Some("a@b.co"))
            .query("max-results", None::<u32>);
        assert_eq!(
            c.url(&call).expect("url"),
            "http://127.0.0.1:9/accounts?name=Team%20A&user-email=a%40b.co"
        );
        let call = Call::new(Operation::LogoutUser).account("a").user("u");
        assert_eq!(
            c.url(&call).expect("url"),
            "http://127.0.0.1:9/accounts/a/users/u?operation=logout"
        );
        assert!(
            c.url(&Call::new(Operation::GetAccount).account(" "))
                .is_err()
        );
        for dots in [".", ".."] {
            let call = Call::new(Operation::LogoutUser).account("a").user(dots);
            assert_eq!(c.url(&call).expect_err("dots").kind, ApiErrorKind::Invalid);
        }
        assert_eq!(host_header("https://h:443/x").expect("h"), "h");
        assert_eq!(
            host_header("http://127.0.0.1:8080/x").expect("h"),
            "127.0.0.1:8080"
        );
        assert!(check_endpoint("ftp://x").is_err());
        let secret = Client::with_static_credentials("http://h", "us-east-1", "AKID", "hunter2")
            .expect("client");
        assert!(!format!("{secret:?}").contains("hunter2"));
        assert!(check_endpoint("127.0.0.1:9").is_err());
    }
}
