//! One handler for every request: read the body (capped), verify the
//! signature, find the operation, apply faults, run it, answer. Axum is only
//! the HTTP server; routing is `Operation::resolve` on the raw path.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::Instant;

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use percent_encoding::percent_decode_str;
use serde_json::json;

use crate::model::{ExceptionKind, Operation};

use super::Clock;
use super::auth::{self, AccessKey, SignedRequest};
use super::error::{ApiError, ApiResult};
use super::faults::Faults;
use super::handlers::{self, Outcome};
use super::request_log::{Entry, RequestLog};
use super::store::Store;
use super::writer::WriterHandle;

/// Largest body accepted; the largest valid request (50 emails, or 20 update
/// items with ARNs) is a few KiB.
pub const MAX_BODY: usize = 256 * 1024;

pub struct App {
    pub store: Arc<RwLock<Store>>,
    pub writer: WriterHandle,
    pub keys: Vec<AccessKey>,
    pub faults: Arc<Faults>,
    pub log: Option<RequestLog>,
    pub clock: Clock,
    /// The whole body must arrive within this long.
    pub body_timeout: std::time::Duration,
}

/// What a request came to, for the answer and the log.
struct Done {
    op: Option<Operation>,
    account_id: Option<String>,
    result: ApiResult<Outcome>,
}

pub async fn handle(State(app): State<Arc<App>>, req: axum::extract::Request) -> Response {
    let started = Instant::now();
    let request_id = uuid::Uuid::new_v4().to_string();
    let (parts, body) = req.into_parts();
    let delay = app.faults.delay();
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    // Who is asking, before a byte of the body is read: a request without a
    // well-formed Authorization header naming a key we accept is answered
    // (and its connection closed) without waiting for its body.
    let checked = precheck(&app, &parts).map(|()| {
        parts
            .extensions
            .get::<Arc<super::server::ConnBody>>()
            .cloned()
    });
    let done = match checked {
        Ok(conn) => {
            let reading = conn.as_deref().map(|c| c.reading());
            let read = tokio::time::timeout(app.body_timeout, read_body(&parts, body)).await;
            drop(reading);
            match read {
                Ok(Ok(bytes)) => process(&app, &parts, bytes).await,
                Ok(Err(e)) => Done {
                    op: None,
                    account_id: None,
                    result: Err(e),
                },
                Err(_) => Done {
                    op: None,
                    account_id: None,
                    result: Err(ApiError::bad_request(format!(
                        "The request body stalled: it did not arrive whole within {} ms",
                        app.body_timeout.as_millis()
                    ))),
                },
            }
        }
        Err(e) => Done {
            op: None,
            account_id: None,
            result: Err(e),
        },
    };
    let response = respond(&done.result, &request_id);
    let status = response.status().as_u16();
    let latency_ms = started.elapsed().as_secs_f64() * 1000.0;
    let operation = done.op.map(|o| o.name());
    let error_type = done.result.as_ref().err().map(|e| e.kind.exception_name());
    // The service's log: what was asked and how it went; never a body, a
    // key, an email or a message (messages may quote what was sent).
    tracing::info!(
        request_id = %request_id,
        operation = operation.unwrap_or("-"),
        status,
        error_type = error_type.unwrap_or("-"),
        latency_ms = format_args!("{latency_ms:.1}"),
        "request"
    );
    if let Some(log) = &app.log {
        let changed: &[String] = match &done.result {
            Ok(o) => &o.changed_users,
            Err(_) => &[],
        };
        log.write(&Entry {
            time: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            request_id: &request_id,
            operation,
            account_id: done.account_id.as_deref(),
            status,
            error_type,
            delay_ms: u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
            latency_ms,
            changed_user_ids: changed,
        });
    }
    response
}

async fn read_body(parts: &Parts, body: Body) -> ApiResult<Bytes> {
    let too_large = || {
        ApiError::new(
            ExceptionKind::PayloadTooLarge,
            format!("The request body is larger than {MAX_BODY} bytes"),
        )
    };
    let declared = parts
        .headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > MAX_BODY as u64) {
        return Err(too_large());
    }
    axum::body::to_bytes(body, MAX_BODY).await.map_err(|_| {
        if declared.is_some() {
            ApiError::bad_request("The request body ended before its Content-Length")
        } else {
            too_large()
        }
    })
}

/// The signature's checks that need no body (see [`auth::precheck`]).
fn precheck(app: &App, parts: &Parts) -> ApiResult<()> {
    let headers: Vec<(&str, &[u8])> = parts
        .headers
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_bytes()))
        .collect();
    let signed = SignedRequest {
        method: parts.method.as_str(),
        raw_path: parts.uri.path(),
        raw_query: parts.uri.query().unwrap_or(""),
        headers: &headers,
        body: &[],
    };
    auth::precheck(&signed, &app.keys).map(|_| ())
}

fn decode(s: &str) -> ApiResult<String> {
    percent_decode_str(s)
        .decode_utf8()
        .map(|c| c.into_owned())
        .map_err(|_| ApiError::bad_request("The request URI is not valid UTF-8 once decoded"))
}

fn parse_query(raw: &str) -> ApiResult<HashMap<String, String>> {
    let mut out = HashMap::new();
    for pair in raw.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        out.entry(decode(k)?).or_insert(decode(v)?);
    }
    Ok(out)
}

async fn process(app: &Arc<App>, parts: &Parts, body: Bytes) -> Done {
    let mut done = Done {
        op: None,
        account_id: None,
        result: Ok(Outcome::default()),
    };
    let raw_path = parts.uri.path();
    let raw_query = parts.uri.query().unwrap_or("");
    let headers: Vec<(&str, &[u8])> = parts
        .headers
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_bytes()))
        .collect();
    let signed = SignedRequest {
        method: parts.method.as_str(),
        raw_path,
        raw_query,
        headers: &headers,
        body: &body,
    };
    let key = match auth::verify(&signed, &app.keys, app.clock.now()) {
        Ok(k) => k,
        Err(e) => {
            done.result = Err(e);
            return done;
        }
    };
    let routed = route(parts.method.as_str(), raw_path, raw_query);
    let (op, account_id, user_id, query) = match routed {
        Ok(r) => r,
        Err(e) => {
            done.result = Err(e);
            return done;
        }
    };
    done.op = Some(op);
    done.account_id = account_id.clone();
    done.result = if key.read_only && !op.is_read_only() {
        Err(ApiError::new(
            ExceptionKind::Forbidden,
            format!("The access key is read-only; {op} changes data"),
        ))
    } else if app.faults.throttled() {
        Err(ApiError::new(
            ExceptionKind::ThrottledClient,
            "Rate exceeded",
        ))
    } else if app.faults.unavailable() {
        Err(ApiError::new(
            ExceptionKind::ServiceUnavailable,
            "The service is unavailable; retry",
        ))
    } else {
        run(app, op, account_id, user_id, query, body).await
    };
    done
}

type Routed = (
    Operation,
    Option<String>,
    Option<String>,
    HashMap<String, String>,
);

fn route(method: &str, raw_path: &str, raw_query: &str) -> ApiResult<Routed> {
    let query = parse_query(raw_query)?;
    let segments = raw_path
        .strip_prefix('/')
        .unwrap_or(raw_path)
        .split('/')
        .map(decode)
        .collect::<ApiResult<Vec<String>>>()?;
    let refs: Vec<&str> = segments.iter().map(String::as_str).collect();
    let op_query = query.get("operation").map(String::as_str);
    let (op, account, user) = Operation::resolve(method, &refs, op_query)
        .ok_or_else(|| ApiError::not_found(format!("No operation matches {method} {raw_path}")))?;
    Ok((
        op,
        account.map(str::to_string),
        user.map(str::to_string),
        query,
    ))
}

async fn run(
    app: &Arc<App>,
    op: Operation,
    account_id: Option<String>,
    user_id: Option<String>,
    query: HashMap<String, String>,
    body: Bytes,
) -> ApiResult<Outcome> {
    let now = app.clock.now();
    let faults = Arc::clone(&app.faults);
    let call = move |store: &Store| {
        let mut item_fault = || faults.item_fails();
        handlers::handle(
            store,
            handlers::Request {
                op,
                account_id: account_id.as_deref(),
                user_id: user_id.as_deref(),
                query: &query,
                body: &body,
                now,
                item_fault: &mut item_fault,
            },
        )
    };
    if op.is_read_only() {
        let store = app.store.read().unwrap_or_else(|e| e.into_inner());
        return call(&store);
    }
    let failed = |msg: &str| ApiError::new(ExceptionKind::ServiceFailure, msg);
    let (reply, answer) = tokio::sync::oneshot::channel();
    let store = Arc::clone(&app.store);
    let queued = app.writer.submit(Box::new(move |persist| {
        let mut store = store.write().unwrap_or_else(|e| e.into_inner());
        let result = call(&store).and_then(|mut outcome| {
            if let Some(p) = persist {
                p.write(&outcome.mutations).map_err(|e| {
                    tracing::error!("state file write failed: {e:#}");
                    failed("The change could not be saved; nothing was changed")
                })?;
            }
            store.apply(std::mem::take(&mut outcome.mutations));
            Ok(outcome)
        });
        let _ = reply.send(result);
    }));
    if !queued {
        return Err(failed("The service is stopping"));
    }
    answer
        .await
        .unwrap_or_else(|_| Err(failed("The request failed inside the service")))
}

fn respond(result: &ApiResult<Outcome>, request_id: &str) -> Response {
    let (status, body, error_type) = match result {
        Ok(o) => (o.status, o.body.as_ref().map(|b| b.to_string()), None),
        Err(e) => (
            e.kind.status(),
            Some(json!({ "Code": e.kind.code().as_str(), "Message": e.message }).to_string()),
            Some(e.kind.exception_name()),
        ),
    };
    let mut resp = Response::new(body.clone().map(Body::from).unwrap_or_else(Body::empty));
    *resp.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let h = resp.headers_mut();
    if let Ok(v) = HeaderValue::from_str(request_id) {
        h.insert("x-amzn-requestid", v);
    }
    if let Some(t) = error_type {
        h.insert("x-amzn-errortype", HeaderValue::from_static(t));
    }
    if body.is_some() {
        h.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
    }
    resp
}
