//! The HTTP layer: one pooled reqwest client (rustls for https), connect and
//! request timeouts, and the sorting of failures into the kinds of
//! [`ApiError`]: refused, TLS, timeout, other transport trouble.
//!
//! reqwest sends the request exactly as signed: `host`, `content-type` and
//! `x-amz-date` are the caller's and left alone (its one default header,
//! `accept`, never applies: every request sets its own), no compression
//! feature (so no `accept-encoding`) and no redirects (a signed request is
//! never sent elsewhere). Proxies come from the environment as the AWS CLI
//! takes them (see `proxies`).

use std::time::Duration;

use bytes::Bytes;

use super::error::{ApiError, ApiErrorKind};

/// The largest answer read (the largest real one, a page of 200 users, is
/// well under 1 MiB): a bigger one is refused, not held in memory.
pub const MAX_ANSWER: usize = 64 * 1024 * 1024;

/// Timeouts of one client.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timeouts {
    /// For the TCP connection.
    pub connect: Duration,
    /// For one attempt: sending, waiting, and reading the whole answer.
    pub request: Duration,
    /// For one call, every attempt and every wait between them included.
    pub overall: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            connect: Duration::from_secs(5),
            request: Duration::from_secs(30),
            overall: Duration::from_secs(30),
        }
    }
}

impl Timeouts {
    /// The defaults with every call bounded by `overall` (`--timeout`).
    pub fn with_overall(overall: Duration) -> Self {
        let d = Timeouts::default();
        Timeouts {
            connect: d.connect.min(overall),
            request: d.request.min(overall),
            overall,
        }
    }
}

#[derive(Clone, Debug)]
pub(crate) struct Transport {
    /// One connection pool; clones share it.
    client: reqwest::Client,
    timeouts: Timeouts,
}

/// Proxies from the environment, as the AWS CLI reads them: `HTTPS_PROXY`
/// for https endpoints, `HTTP_PROXY` for http ones (either case), minus the
/// hosts in `NO_PROXY`. Loopback is always reached directly: a local service
/// is never behind a proxy. The values are never logged: they may hold a
/// password.
pub(crate) fn proxies(
    env: impl Fn(&str) -> Option<String>,
) -> Result<Vec<reqwest::Proxy>, ApiError> {
    let var = |name: &str| proxy_var(&env, name);
    let mut except = String::from("127.0.0.0/8,::1,localhost");
    if let Some(list) = var("NO_PROXY") {
        except.push(',');
        except.push_str(&list);
    }
    let mut out = Vec::new();
    for (name, https) in [("HTTPS_PROXY", true), ("HTTP_PROXY", false)] {
        let Some(url) = var(name) else { continue };
        let proxy = if https {
            reqwest::Proxy::https(url.trim())
        } else {
            reqwest::Proxy::http(url.trim())
        }
        .map_err(|_| ApiError::invalid(format!("{name} is not a proxy URL")))?;
        tracing::debug!(variable = name, "proxy from the environment");
        out.push(proxy.no_proxy(reqwest::NoProxy::from_string(&except)));
    }
    Ok(out)
}

/// A proxy variable, lower case first as curl and the AWS CLI read them.
fn proxy_var(env: &impl Fn(&str) -> Option<String>, name: &str) -> Option<String> {
    env(&name.to_ascii_lowercase())
        .or_else(|| env(name))
        .filter(|v| !v.trim().is_empty())
}

/// Which proxy requests to `endpoint` go through, in words (for `doctor`):
/// the proxy without any user or password, and the variable it came from.
pub fn proxy_summary(endpoint: &str, env: impl Fn(&str) -> Option<String>) -> String {
    let uri: Option<http::Uri> = endpoint.parse().ok();
    let host = uri.as_ref().and_then(|u| u.host()).unwrap_or("");
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    let loopback = bare == "localhost"
        || bare
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    let name = if endpoint.starts_with("https://") {
        "HTTPS_PROXY"
    } else {
        "HTTP_PROXY"
    };
    let Some(proxy) = proxy_var(&env, name) else {
        return "none".into();
    };
    if loopback {
        return format!("none: {host} is loopback ({name} is not used for it)");
    }
    // `scheme://user:password@host:port` is shown as `scheme://host:port`.
    let shown = match proxy.split_once("://") {
        Some((scheme, rest)) => {
            let rest = rest.rsplit_once('@').map_or(rest, |(_, r)| r);
            format!("{scheme}://{rest}")
        }
        None => proxy
            .rsplit_once('@')
            .map_or(proxy.as_str(), |(_, r)| r)
            .to_string(),
    };
    match proxy_var(&env, "NO_PROXY") {
        Some(list) => format!("{shown} from {name} (NO_PROXY: {list})"),
        None => format!("{shown} from {name}"),
    }
}

/// An answer read to the end.
#[derive(Debug)]
pub(crate) struct Answer {
    pub status: u16,
    pub headers: http::HeaderMap,
    pub body: Bytes,
}

impl Answer {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The `Date` header (IMF-fixdate, as RFC 9110 requires of servers).
    pub fn date(&self) -> Option<std::time::SystemTime> {
        let text = self.header("date")?;
        chrono::DateTime::parse_from_rfc2822(text)
            .ok()
            .map(|t| std::time::SystemTime::from(t.with_timezone(&chrono::Utc)))
    }

    pub fn request_id(&self) -> Option<String> {
        self.header("x-amzn-requestid")
            .or_else(|| self.header("x-amz-request-id"))
            .map(str::to_string)
    }
}

impl Transport {
    /// A transport for `endpoint`. The system's CA certificates are read
    /// only for an https endpoint (reading them costs tens of milliseconds);
    /// without any, https fails at the handshake and plain http still works.
    pub fn new(timeouts: Timeouts, endpoint: &str) -> Result<Self, ApiError> {
        let proxies = proxies(|k| std::env::var(k).ok())?;
        let builder = || {
            proxies
                .iter()
                .cloned()
                .fold(reqwest::Client::builder().no_proxy(), |b, p| b.proxy(p))
                .redirect(reqwest::redirect::Policy::none())
                .referer(false)
                .tcp_nodelay(true)
                .connect_timeout(timeouts.connect)
                .timeout(timeouts.request)
                .pool_idle_timeout(Duration::from_secs(30))
                // As many idle connections kept as a batch may have
                // requests in flight by default.
                .pool_max_idle_per_host(super::batch::DEFAULT_MAX_CONCURRENCY)
        };
        let without_roots = || {
            builder()
                .tls_certs_only([])
                .build()
                .map_err(|e| ApiError::invalid(format!("HTTP client setup: {e}")))
        };
        let client = if endpoint.starts_with("https://") {
            match builder().build() {
                Ok(c) => c,
                Err(e) => {
                    tracing::warn!(error = %e, "no system CA certificates: https will fail");
                    without_roots()?
                }
            }
        } else {
            without_roots()?
        };
        Ok(Transport { client, timeouts })
    }

    /// Sends one request and reads the whole answer, within the request timeout.
    pub async fn send(
        &self,
        request: http::Request<Bytes>,
        endpoint: &str,
    ) -> Result<Answer, ApiError> {
        let request = reqwest::Request::try_from(request)
            .map_err(|e| ApiError::invalid(format!("cannot build request: {e}")))?;
        let response = self
            .client
            .execute(request)
            .await
            .map_err(|e| self.classify(&e, endpoint))?;
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let too_large = || {
            ApiError::new(
                ApiErrorKind::Decode,
                format!(
                    "the answer from {endpoint} is larger than {} MiB: refused",
                    MAX_ANSWER / (1024 * 1024)
                ),
            )
        };
        if response
            .content_length()
            .is_some_and(|n| n > MAX_ANSWER as u64)
        {
            return Err(too_large());
        }
        let mut response = response;
        let mut body = bytes::BytesMut::new();
        loop {
            let chunk = response.chunk().await.map_err(|e| {
                if e.is_timeout() {
                    self.timed_out(endpoint)
                } else {
                    ApiError::new(
                        ApiErrorKind::Transport,
                        format!("answer from {endpoint} cut short: {}", detail(&e)),
                    )
                }
            })?;
            let Some(chunk) = chunk else { break };
            if body.len() + chunk.len() > MAX_ANSWER {
                return Err(too_large());
            }
            body.extend_from_slice(&chunk);
        }
        let body = body.freeze();
        Ok(Answer {
            status,
            headers,
            body,
        })
    }

    fn timed_out(&self, endpoint: &str) -> ApiError {
        ApiError::new(
            ApiErrorKind::Timeout,
            format!(
                "no answer from {endpoint} within {} ms",
                self.timeouts.request.as_millis()
            ),
        )
    }

    /// Sorts a reqwest error: TLS failures are `Tls`; connect-phase failures
    /// (refused, unreachable, DNS, connect timeout) `Connect`; the request
    /// timeout `Timeout`; the rest `Transport`.
    fn classify(&self, e: &reqwest::Error, endpoint: &str) -> ApiError {
        let mut source: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(e);
        let mut io_kind = None;
        while let Some(s) = source {
            // io::Errors nest (the TLS stream wraps rustls's): look inside each.
            let mut inner: Option<&(dyn std::error::Error + 'static)> = Some(s);
            while let Some(e) = inner {
                if let Some(tls) = e.downcast_ref::<rustls::Error>() {
                    return ApiError::new(
                        ApiErrorKind::Tls,
                        format!("TLS handshake with {endpoint} failed: {tls}"),
                    );
                }
                let Some(io) = e.downcast_ref::<std::io::Error>() else {
                    break;
                };
                io_kind.get_or_insert(io.kind());
                inner = io
                    .get_ref()
                    .map(|e| e as &(dyn std::error::Error + 'static));
            }
            source = s.source();
        }
        if e.is_connect() {
            let why = match io_kind {
                Some(std::io::ErrorKind::ConnectionRefused) => "connection refused".to_string(),
                Some(std::io::ErrorKind::TimedOut) => "connect timed out".to_string(),
                _ if e.is_timeout() => "connect timed out".to_string(),
                _ => detail(e),
            };
            let hint = if super::config::is_aws_default(endpoint) {
                format!(". {}", super::config::PUBLIC_API_ENDED)
            } else {
                String::new()
            };
            return ApiError::new(
                ApiErrorKind::Connect,
                format!("cannot connect to {endpoint}: {why}{hint}"),
            );
        }
        if e.is_timeout() {
            return self.timed_out(endpoint);
        }
        ApiError::new(
            ApiErrorKind::Transport,
            format!("request to {endpoint} failed: {}", detail(e)),
        )
    }
}

/// The innermost cause of `e`: reqwest's own message names only the URL.
fn detail(e: &reqwest::Error) -> String {
    let mut last: &(dyn std::error::Error + 'static) = e;
    while let Some(s) = last.source() {
        last = s;
    }
    last.to_string()
}

#[cfg(test)]
mod tests {
    use super::proxy_summary;

    fn env<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |k| {
            pairs
                .iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn the_proxy_in_use_is_named_without_its_password() {
        let aws = "https://chime.us-east-1.amazonaws.com";
        assert_eq!(proxy_summary(aws, env(&[])), "none");
        let with = [("HTTPS_PROXY", "http://sam:hunter2@proxy.corp:3128")];
        assert_eq!(
            proxy_summary(aws, env(&with)),
            "http://proxy.corp:3128 from HTTPS_PROXY"
        );
        // The lower-case variable wins, as in curl and the AWS CLI.
        let both = [
            ("https_proxy", "http://low:1"),
            ("HTTPS_PROXY", "http://up:2"),
            ("no_proxy", ".internal"),
        ];
        assert_eq!(
            proxy_summary(aws, env(&both)),
            "http://low:1 from HTTPS_PROXY (NO_PROXY: .internal)"
        );
        // http endpoints use HTTP_PROXY; loopback never uses one.
        assert_eq!(proxy_summary("http://chime.example", env(&with)), "none");
        let http = [("HTTP_PROXY", "http://proxy:8080")];
        let local = proxy_summary("http://127.0.0.1:4566", env(&http));
        assert!(local.starts_with("none: 127.0.0.1 is loopback"), "{local}");
        let local = proxy_summary("http://[::1]:4566", env(&http));
        assert!(local.starts_with("none: [::1] is loopback"), "{local}");
    }
}
