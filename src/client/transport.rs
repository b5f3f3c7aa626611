//! The HTTP layer: one pooled hyper client (rustls for https), connect and
//! request timeouts, and the sorting of failures into the kinds of
//! [`ApiError`]: refused, TLS, timeout, other transport trouble.

use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client as HyperClient;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;

use super::error::{ApiError, ApiErrorKind};

pub(crate) type Connector = hyper_rustls::HttpsConnector<HttpConnector>;

/// Timeouts of one client.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timeouts {
    /// For the TCP connection.
    pub connect: Duration,
    /// For one attempt: sending, waiting, and reading the whole answer.
    pub request: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            connect: Duration::from_secs(5),
            request: Duration::from_secs(30),
        }
    }
}

#[derive(Clone, Debug)]
pub(crate) struct Transport {
    client: HyperClient<Connector, Full<Bytes>>,
    timeouts: Timeouts,
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

    pub fn request_id(&self) -> Option<String> {
        self.header("x-amzn-requestid")
            .or_else(|| self.header("x-amz-request-id"))
            .map(str::to_string)
    }
}

impl Transport {
    /// A transport for `endpoint`. The system's CA certificates are read
    /// only for an https endpoint (reading them costs tens of milliseconds).
    pub fn new(timeouts: Timeouts, endpoint: &str) -> Result<Self, ApiError> {
        let mut http = HttpConnector::new();
        http.enforce_http(false);
        http.set_nodelay(true);
        http.set_connect_timeout(Some(timeouts.connect));
        let provider = || std::sync::Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let without_roots = || -> Result<_, ApiError> {
            let config = rustls::ClientConfig::builder_with_provider(provider())
                .with_safe_default_protocol_versions()
                .map_err(|e| ApiError::invalid(format!("TLS setup: {e}")))?
                .with_root_certificates(rustls::RootCertStore::empty())
                .with_no_client_auth();
            Ok(hyper_rustls::HttpsConnectorBuilder::new().with_tls_config(config))
        };
        let builder = if endpoint.starts_with("https://") {
            match hyper_rustls::HttpsConnectorBuilder::new()
                .with_provider_and_native_roots(provider())
            {
                Ok(b) => b,
                Err(e) => {
                    tracing::warn!(error = %e, "no system CA certificates: https will fail");
                    without_roots()?
                }
            }
        } else {
            without_roots()?
        };
        let connector = builder.https_or_http().enable_http1().wrap_connector(http);
        let client = HyperClient::builder(TokioExecutor::new())
            .pool_idle_timeout(Duration::from_secs(30))
            .pool_max_idle_per_host(64)
            .build(connector);
        Ok(Transport { client, timeouts })
    }

    /// Sends one request and reads the whole answer, within the request timeout.
    pub async fn send(
        &self,
        request: http::Request<Full<Bytes>>,
        endpoint: &str,
    ) -> Result<Answer, ApiError> {
        let limit = self.timeouts.request;
        let work = async {
            let response = self
                .client
                .request(request)
                .await
                .map_err(|e| classify(&e, endpoint))?;
            let (parts, body) = response.into_parts();
            let body = body.collect().await.map_err(|e| {
                ApiError::new(
                    ApiErrorKind::Transport,
                    format!("answer from {endpoint} cut short: {e}"),
                )
            })?;
            Ok(Answer {
                status: parts.status.as_u16(),
                headers: parts.headers,
                body: body.to_bytes(),
            })
        };
        match tokio::time::timeout(limit, work).await {
            Ok(r) => r,
            Err(_) => Err(ApiError::new(
                ApiErrorKind::Timeout,
                format!("no answer from {endpoint} within {} ms", limit.as_millis()),
            )),
        }
    }
}

/// Sorts a hyper error: connect-phase failures (refused, unreachable, DNS,
/// connect timeout) are `Connect`, TLS failures `Tls`, the rest `Transport`.
fn classify(e: &hyper_util::client::legacy::Error, endpoint: &str) -> ApiError {
    let mut source: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(e);
    let mut io_kind = None;
    let mut detail = None;
    while let Some(s) = source {
        if let Some(tls) = s.downcast_ref::<rustls::Error>() {
            return ApiError::new(
                ApiErrorKind::Tls,
                format!("TLS handshake with {endpoint} failed: {tls}"),
            );
        }
        // io::Errors nest (hyper-rustls wraps tokio-rustls's): look inside each.
        let mut inner: Option<&(dyn std::error::Error + 'static)> = Some(s);
        while let Some(io) = inner.and_then(|e| e.downcast_ref::<std::io::Error>()) {
            io_kind.get_or_insert(io.kind());
            inner = io
                .get_ref()
                .map(|e| e as &(dyn std::error::Error + 'static));
            if let Some(tls) = inner.and_then(|e| e.downcast_ref::<rustls::Error>()) {
                return ApiError::new(
                    ApiErrorKind::Tls,
                    format!("TLS handshake with {endpoint} failed: {tls}"),
                );
            }
        }
        detail = Some(s.to_string());
        source = s.source();
    }
    if e.is_connect() {
        let why = match io_kind {
            Some(std::io::ErrorKind::ConnectionRefused) => "connection refused".to_string(),
            Some(std::io::ErrorKind::TimedOut) => "connect timed out".to_string(),
            _ => detail.unwrap_or_else(|| e.to_string()),
        };
        return ApiError::new(
            ApiErrorKind::Connect,
            format!("cannot connect to {endpoint}: {why}"),
        );
    }
    let why = detail.unwrap_or_else(|| e.to_string());
    ApiError::new(
        ApiErrorKind::Transport,
        format!("request to {endpoint} failed: {why}"),
    )
}
