//! `ApiError`: what went wrong with a call, typed, with the request id kept.
//! Service errors are read as botocore reads them: `x-amzn-ErrorType` (cut at
//! the first `:`), else the body's `Code`/`code`, else `__type`, else the status.

use crate::model::{ErrorBody, ErrorCode, ExceptionKind};

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ApiErrorKind {
    /// The service answered with an error. `exception` is the exception name
    /// (`NotFoundException`) or, without the header, the body's code (`NotFound`).
    Service {
        exception: String,
        code: Option<ErrorCode>,
    },
    /// No credentials could be found or refreshed.
    Credentials,
    /// The endpoint could not be reached (refused, DNS, unreachable).
    Connect,
    /// The TLS handshake failed.
    Tls,
    /// No answer in time.
    Timeout,
    /// The answer was not the JSON the operation returns.
    Decode,
    /// Cancelled before it finished.
    Cancelled,
    /// Bad input caught before sending, or a bad configuration.
    Invalid,
    /// Anything else on the connection (reset mid-answer, protocol error).
    Transport,
    /// The service paged wrongly (a repeated token, endless empty pages) or
    /// the listing went past its limit.
    Paging,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiError {
    pub kind: ApiErrorKind,
    pub message: String,
    pub request_id: Option<String>,
    pub status: Option<u16>,
}

impl ApiError {
    pub fn new(kind: ApiErrorKind, message: impl Into<String>) -> Self {
        ApiError {
            kind,
            message: message.into(),
            request_id: None,
            status: None,
        }
    }

    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(ApiErrorKind::Invalid, message)
    }

    pub fn cancelled() -> Self {
        Self::new(ApiErrorKind::Cancelled, "cancelled")
    }

    /// The exception name or code of a service error.
    pub fn exception(&self) -> Option<&str> {
        match &self.kind {
            ApiErrorKind::Service { exception, .. } => Some(exception),
            _ => None,
        }
    }

    /// The `ErrorCode` of a service error (from the exception name or the body).
    pub fn code(&self) -> Option<&ErrorCode> {
        match &self.kind {
            ApiErrorKind::Service { code, .. } => code.as_ref(),
            _ => None,
        }
    }

    /// A short name for tables: the exception, or the kind of failure.
    pub fn short(&self) -> String {
        match &self.kind {
            ApiErrorKind::Service { exception, .. } => exception.clone(),
            other => format!("{other:?}"),
        }
    }

    pub fn is_throttling(&self) -> bool {
        self.status == Some(429)
            || matches!(
                self.code(),
                Some(ErrorCode::Throttled | ErrorCode::Throttling)
            )
    }

    /// Whether the retry layer may send the request again: 429, 5xx,
    /// connection failures and timeouts.
    pub fn is_retryable(&self) -> bool {
        match &self.kind {
            ApiErrorKind::Service { .. } => {
                matches!(self.status, Some(429) | Some(500..=599))
            }
            ApiErrorKind::Connect | ApiErrorKind::Timeout | ApiErrorKind::Transport => true,
            _ => false,
        }
    }

    /// Whether the request was sent and its answer lost (a timeout, a
    /// connection cut mid-answer, an answer that is not what the operation
    /// returns): the service may or may not have acted on it.
    pub fn answer_lost(&self) -> bool {
        matches!(
            self.kind,
            ApiErrorKind::Timeout | ApiErrorKind::Transport | ApiErrorKind::Decode
        )
    }

    /// Whether the request certainly never reached the service (so even a
    /// non-idempotent call may be sent again).
    pub fn never_reached_service(&self) -> bool {
        matches!(self.kind, ApiErrorKind::Connect | ApiErrorKind::Tls)
    }

    /// Builds the error for a non-success answer.
    pub fn from_response(
        status: u16,
        error_type_header: Option<&str>,
        request_id: Option<String>,
        body: &[u8],
    ) -> Self {
        let parsed: Option<ErrorBody> = serde_json::from_slice(body).ok();
        let header = error_type_header
            .map(|h| h.split(':').next().unwrap_or(h).trim().to_string())
            .filter(|h| !h.is_empty());
        let body_code = parsed.as_ref().and_then(|b| b.code.clone());
        let body_type = parsed
            .as_ref()
            .and_then(|b| b.type_.clone())
            .map(|t| t.rsplit('#').next().unwrap_or(&t).to_string());
        let exception = header
            .clone()
            .or_else(|| body_code.as_ref().map(|c| c.as_str().to_string()))
            .or(body_type)
            .unwrap_or_else(|| status.to_string());
        let code = body_code.or_else(|| {
            ExceptionKind::from_exception_name(&exception)
                .map(|k| k.code())
                .or_else(|| match ErrorCode::from(exception.as_str()) {
                    ErrorCode::Unknown(_) => None,
                    c => Some(c),
                })
        });
        let message =
            parsed
                .and_then(|b| b.message)
                .unwrap_or_else(|| match std::str::from_utf8(body) {
                    Ok(text) if !text.trim().is_empty() && parsed_is_not_json(body) => {
                        format!("HTTP {status}: {}", first_line(text))
                    }
                    _ => format!("HTTP {status}"),
                });
        ApiError {
            kind: ApiErrorKind::Service { exception, code },
            message,
            request_id,
            status: Some(status),
        }
    }
}

fn parsed_is_not_json(body: &[u8]) -> bool {
    serde_json::from_slice::<serde_json::Value>(body).is_err()
}

/// The text with whitespace collapsed, at most 120 characters.
fn first_line(text: &str) -> String {
    let line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if line.chars().count() > 120 {
        format!("{}…", line.chars().take(120).collect::<String>())
    } else {
        line
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.kind {
            ApiErrorKind::Service { exception, .. } => write!(f, "{exception}: {}", self.message)?,
            _ => f.write_str(&self.message)?,
        }
        // Whole: a shortened id is useless for a support ticket.
        if let Some(id) = &self.request_id {
            write!(f, " (request id {id})")?;
        }
        Ok(())
    }
}

impl std::error::Error for ApiError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_wins_then_body_code_then_type_then_status() {
        let e = ApiError::from_response(
            404,
            Some("NotFoundException:http://internal.amazon.com/"),
            Some("37ce90e0-1111-2222".into()),
            br#"{"Code":"NotFound","Message":"User not found"}"#,
        );
        assert_eq!(e.exception(), Some("NotFoundException"));
        assert_eq!(e.code(), Some(&ErrorCode::NotFound));
        assert_eq!(
            e.to_string(),
            "NotFoundException: User not found (request id 37ce90e0-1111-2222)"
        );
        let e = ApiError::from_response(404, None, None, br#"{"Code":"NotFound","Message":"x"}"#);
        assert_eq!(e.exception(), Some("NotFound"));
        let e = ApiError::from_response(
            400,
            None,
            None,
            br#"{"__type":"com.amazon#BadRequestException","message":"m"}"#,
        );
        assert_eq!(e.exception(), Some("BadRequestException"));
        assert_eq!(e.code(), Some(&ErrorCode::BadRequest));
        assert_eq!(e.message, "m");
        let e = ApiError::from_response(502, None, None, b"<html>\nBad Gateway</html>");
        assert_eq!(e.exception(), Some("502"));
        assert!(e.message.contains("Bad Gateway"), "{}", e.message);
        assert!(e.is_retryable());
    }

    #[test]
    fn what_is_retryable() {
        let e = ApiError::from_response(429, Some("ThrottledClientException"), None, b"{}");
        assert!(e.is_retryable() && e.is_throttling());
        let e = ApiError::from_response(409, Some("ConflictException"), None, b"{}");
        assert!(!e.is_retryable());
        assert!(ApiError::new(ApiErrorKind::Connect, "x").never_reached_service());
        assert!(!ApiError::new(ApiErrorKind::Timeout, "x").never_reached_service());
        assert!(!ApiError::new(ApiErrorKind::Decode, "x").is_retryable());
    }
}
