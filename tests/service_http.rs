//! The local service over real HTTP on 127.0.0.1, driven with raw bytes on a
//! TCP socket (nothing of ours between the test and the server):
//! - the 51 SigV4 vectors the AWS CLI / boto3 produced verify at their own
//!   date, and fail with one byte changed;
//! - credentials: read-only, unknown, expired, garbled, session tokens,
//!   signed independently with the `aws-sigv4` crate;
//! - a signed `x-amz-content-sha256` (hex hash or UNSIGNED-PAYLOAD) is the
//!   payload hash; a body that does not match a signed hex hash is refused;
//! - an oversized body answers 413;
//! - `--latency-ms`/`--jitter-ms`: the request log's recorded delays vary
//!   within latency..latency+jitter, the same for the same `--fault-seed`;
//! - the log files of `serve` and of the headless commands name the
//!   operations and hold no email, name or key;
//! - 10,000 fuzzed requests: no panic, the service still answers, the data
//!   is unchanged;
//! - session tokens: only a key's own; two Authorization headers refused;
//! - connections: silent, half-sent, idle keep-alive and stalled-body ones
//!   are closed by the timeouts; with more idle sockets held than the cap
//!   (and than `ulimit -n`), a signed request is still answered; a cap above
//!   the fd limit is refused;
//! - at `CHIME_ADMIN_LOG=trace`, no email in the service's or client's log.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::net::SocketAddr;
use std::time::{Duration, SystemTime};

use aws_credential_types::Credentials;
use aws_sigv4::http_request::{
    PayloadChecksumKind, SignableBody, SignableRequest, SigningSettings, UriPathNormalizationMode,
    sign,
};
use aws_sigv4::sign::v4;
use aws_smithy_runtime_api::client::identity::Identity;

use chime_admin::service::{
    self, AccessKey, Clock, DataSet, FaultConfig, RunningService, ServiceConfig, routes::MAX_BODY,
};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

mod support;
use support::Serve;
use support::vectors::vectors;

// ---------- raw HTTP ----------

#[derive(Debug)]
struct Raw {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Raw {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn error_type(&self) -> Option<&str> {
        self.header("x-amzn-ErrorType")
    }

    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("a JSON body")
    }
}

/// Sends one request (headers as given, plus Content-Length and
/// Connection: close) and reads the whole answer. `None` if the connection
/// died without an answer.
async fn send(
    addr: SocketAddr,
    method: &str,
    target: &str,
    headers: &[(String, String)],
    body: &[u8],
) -> Option<Raw> {
    let mut req = format!("{method} {target} HTTP/1.1\r\n").into_bytes();
    for (n, v) in headers {
        if n.eq_ignore_ascii_case("content-length") || n.eq_ignore_ascii_case("connection") {
            continue;
        }
        req.extend_from_slice(format!("{n}: {v}\r\n").as_bytes());
    }
    req.extend_from_slice(
        format!(
            "Content-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        )
        .as_bytes(),
    );
    req.extend_from_slice(body);
    let mut s = TcpStream::connect(addr).await.ok()?;
    s.write_all(&req).await.ok()?;
    let mut out = Vec::new();
    tokio::time::timeout(Duration::from_secs(30), s.read_to_end(&mut out))
        .await
        .ok()?
        .ok()?;
    parse_response(&out)
}

fn parse_response(bytes: &[u8]) -> Option<Raw> {
    let split = bytes.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = std::str::from_utf8(&bytes[..split]).ok()?;
    let mut lines = head.split("\r\n");
    let status: u16 = lines.next()?.split(' ').nth(1)?.parse().ok()?;
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_string(), v.trim().to_string()))
        .collect();
    Some(Raw {
        status,
        headers,
        body: bytes[split + 4..].to_vec(),
    })
}

// ---------- signing with aws-sigv4 (an independent implementation) ----------

/// How the signer covers the body.
#[derive(Clone)]
enum Payload {
    /// sha256 of the body in the canonical request only (the AWS CLI, boto3).
    Hashed,
    /// A signed `x-amz-content-sha256` with the body's hex sha256.
    HeaderOfBody,
    /// A signed `x-amz-content-sha256: UNSIGNED-PAYLOAD`.
    Unsigned,
    /// A signed `x-amz-content-sha256` with this value, whatever the body.
    Precomputed(String),
}

struct Signer {
    key: String,
    secret: String,
    token: Option<String>,
    region: String,
    service: String,
    time: SystemTime,
    payload: Payload,
}

impl Signer {
    fn example() -> Self {
        Signer {
            key: "AKIDEXAMPLE".into(),
            secret: "secret".into(),
            token: None,
            region: "us-east-1".into(),
            service: "chime".into(),
            time: SystemTime::now(),
            payload: Payload::Hashed,
        }
    }

    fn payload(mut self, payload: Payload) -> Self {
        self.payload = payload;
        self
    }

    fn key(mut self, key: &str, secret: &str) -> Self {
        self.key = key.into();
        self.secret = secret.into();
        self
    }

    /// Host, Content-Type (with a body), X-Amz-Date, Authorization and the token.
    fn headers(
        &self,
        host: &str,
        method: &str,
        target: &str,
        body: &[u8],
    ) -> Vec<(String, String)> {
        let identity: Identity =
            Credentials::new(&self.key, &self.secret, self.token.clone(), None, "test").into();
        let mut settings = SigningSettings::default();
        settings.uri_path_normalization_mode = UriPathNormalizationMode::Disabled;
        if !matches!(self.payload, Payload::Hashed) {
            settings.payload_checksum_kind = PayloadChecksumKind::XAmzSha256;
        }
        let params = v4::SigningParams::builder()
            .identity(&identity)
            .region(&self.region)
            .name(&self.service)
            .time(self.time)
            .settings(settings)
            .build()
            .expect("signing params")
            .into();
        let mut base = vec![("Host".to_string(), host.to_string())];
        if !body.is_empty() {
            base.push(("Content-Type".into(), "application/json".into()));
        }
        let uri = format!("http://{host}{target}");
        let signable = SignableRequest::new(
            method,
            uri,
            base.iter().map(|(n, v)| (n.as_str(), v.as_str())),
            match &self.payload {
                Payload::Hashed | Payload::HeaderOfBody => SignableBody::Bytes(body),
                Payload::Unsigned => SignableBody::UnsignedPayload,
                Payload::Precomputed(h) => SignableBody::Precomputed(h.clone()),
            },
        )
        .expect("signable request");
        let (instructions, _) = sign(signable, &params).expect("sign").into_parts();
        let (added, _) = instructions.into_parts();
        base.extend(
            added
                .iter()
                .map(|h| (h.name().to_string(), h.value().to_string())),
        );
        base
    }
}

async fn call(
    svc: &RunningService,
    signer: &Signer,
    method: &str,
    target: &str,
    body: &str,
) -> Raw {
    let host = svc.addr().to_string();
    let headers = signer.headers(&host, method, target, body.as_bytes());
    send(svc.addr(), method, target, &headers, body.as_bytes())
        .await
        .expect("an answer")
}

// ---------- the recorded vectors (tests/support/vectors.rs) ----------

/// Changes one character of `s` at `i` to another of the same kind.
fn change_byte(s: &str, i: usize) -> String {
    let mut b = s.as_bytes().to_vec();
    b[i] = match b[i] {
        b'0' => b'1',
        b'a'..=b'y' | b'A'..=b'Y' | b'1'..=b'8' => b[i] + 1,
        _ => b'0',
    };
    String::from_utf8(b).expect("ascii")
}

async fn start_at(clock: Clock) -> RunningService {
    service::start(ServiceConfig::empty().with_clock(clock))
        .await
        .expect("service starts")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_recorded_vector_verifies_and_fails_with_one_byte_changed() {
    let vs = vectors();
    assert_eq!(vs.len(), 51, "the reference holds 51 requests");
    let signature_failure = |r: &Raw, what: &str, i: usize| {
        assert_eq!(r.status, 403, "vector {i} with {what} changed: {r:?}");
        assert_eq!(
            r.error_type(),
            Some("InvalidSignatureException"),
            "vector {i} with {what} changed"
        );
    };
    for (i, v) in vs.iter().enumerate() {
        let svc = start_at(Clock::Fixed(v.date())).await;
        let addr = svc.addr();
        let body = v.body.as_bytes();

        let ok = send(addr, &v.method, &v.raw_path, &v.headers, body)
            .await
            .expect("an answer");
        assert!(
            !matches!(
                ok.error_type(),
                Some("InvalidSignatureException" | "UnrecognizedClientException")
            ) && ok.status != 403,
            "vector {i} ({} {}) must verify: {ok:?} {}",
            v.method,
            v.raw_path,
            String::from_utf8_lossy(&ok.body)
        );

        // The signature.
        let auth = v.header("Authorization");
        let bad_sig = v.with_header("Authorization", |a| change_byte(a, a.len() - 1));
        let r = send(addr, &v.method, &v.raw_path, &bad_sig, body)
            .await
            .expect("answer");
        signature_failure(&r, "the signature", i);
        assert_ne!(
            auth,
            bad_sig
                .iter()
                .find(|h| h.0 == "Authorization")
                .expect("auth")
                .1
        );

        // The body (a byte appended where there was none).
        let mut bad_body = body.to_vec();
        match bad_body.first_mut() {
            Some(b) => *b = if *b == b'{' { b'[' } else { b'{' },
            None => bad_body.push(b'x'),
        }
        let r = send(addr, &v.method, &v.raw_path, &v.headers, &bad_body)
            .await
            .expect("answer");
        signature_failure(&r, "the body", i);

        // The path ("/accounts" -> "/bccounts").
        let bad_path = change_byte(&v.raw_path, 1);
        let r = send(addr, &v.method, &bad_path, &v.headers, body)
            .await
            .expect("answer");
        signature_failure(&r, "the path", i);

        // A signed header (the Host's last port digit).
        let bad_host = v.with_header("Host", |h| change_byte(h, h.len() - 1));
        let r = send(addr, &v.method, &v.raw_path, &bad_host, body)
            .await
            .expect("answer");
        signature_failure(&r, "the Host header", i);

        svc.shutdown().await.expect("shutdown");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_vector_more_than_five_minutes_old_is_refused() {
    let v = &vectors()[5];
    for (skew, refused) in [(-301, true), (-299, false), (299, false), (301, true)] {
        let svc = start_at(Clock::Fixed(v.date() + chrono::Duration::seconds(skew))).await;
        let r = send(svc.addr(), &v.method, &v.raw_path, &v.headers, b"")
            .await
            .expect("answer");
        assert_eq!(
            r.error_type() == Some("InvalidSignatureException"),
            refused,
            "clock {skew}s from X-Amz-Date: {r:?}"
        );
        svc.shutdown().await.expect("shutdown");
    }
}

// ---------- credentials ----------

async fn demo_with_keys() -> RunningService {
    let keys = vec![
        AccessKey::example(),
        AccessKey::parse("AKIDREADONLY:ro-secret:read-only").expect("key"),
        AccessKey::parse("ASIATEMPORARY:temp-secret:token=FwoGZXIvYXdzEXAMPLE/TOKEN+=")
            .expect("key"),
    ];
    service::start(ServiceConfig::demo().with_keys(keys))
        .await
        .expect("service starts")
}

fn account_ids(r: &Raw) -> Vec<String> {
    r.json()["Accounts"]
        .as_array()
        .expect("Accounts")
        .iter()
        .map(|a| a["AccountId"].as_str().expect("id").to_string())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_good_signature_is_accepted_in_any_region() {
    let svc = demo_with_keys().await;
    let ok = call(&svc, &Signer::example(), "GET", "/accounts", "").await;
    assert_eq!(ok.status, 200);
    assert!(account_ids(&ok).len() >= 3);
    // Any region in the scope.
    let mut eu = Signer::example();
    eu.region = "eu-west-1".into();
    assert_eq!(call(&svc, &eu, "GET", "/accounts", "").await.status, 200);
    svc.shutdown().await.expect("shutdown");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_token_is_accepted_only_with_its_own_temporary_key() {
    let svc = demo_with_keys().await;
    // Temporary credentials: their own session token is accepted.
    let mut session = Signer::example().key("ASIATEMPORARY", "temp-secret");
    session.token = Some("FwoGZXIvYXdzEXAMPLE/TOKEN+=".into());
    let r = call(&svc, &session, "GET", "/accounts", "").await;
    assert_eq!(r.status, 200, "{r:?}");
    // Any other token, none, or a token with a long-term key (all signed, so
    // only the token is wrong): refused as AWS refuses an invalid token.
    let mut garbage_on_long_term = Signer::example();
    garbage_on_long_term.token = Some("FwoGZXIvYXdzEXAMPLE/TOKEN+=".into());
    let mut wrong_token = Signer::example().key("ASIATEMPORARY", "temp-secret");
    wrong_token.token = Some("FwoGZXIvYXdzEXAMPLE/TOKEN+!".into());
    let no_token = Signer::example().key("ASIATEMPORARY", "temp-secret");
    for signer in [garbage_on_long_term, wrong_token, no_token] {
        let r = call(&svc, &signer, "GET", "/accounts", "").await;
        assert_eq!(
            (r.status, r.error_type()),
            (403, Some("UnrecognizedClientException")),
            "{r:?}"
        );
        assert_eq!(
            r.json()["Message"],
            "The security token included in the request is invalid."
        );
    }
    svc.shutdown().await.expect("shutdown");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_authorization_headers_are_refused_whichever_comes_first() {
    let svc = demo_with_keys().await;
    // Two Authorization headers, the good one first or second: refused.
    let host = svc.addr().to_string();
    let good = Signer::example().headers(&host, "GET", "/accounts", b"");
    let auth = good
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("authorization"))
        .expect("authorization")
        .clone();
    let forged = (
        "Authorization".to_string(),
        change_byte(&auth.1, auth.1.len() - 3),
    );
    for extra_first in [false, true] {
        let mut h = good.clone();
        if extra_first {
            h.insert(0, forged.clone());
        } else {
            h.push(forged.clone());
        }
        let r = send(svc.addr(), "GET", "/accounts", &h, b"")
            .await
            .expect("answer");
        assert_eq!(
            (r.status, r.error_type()),
            (403, Some("InvalidSignatureException")),
            "{r:?}"
        );
        assert!(s(&r.json()["Message"]).contains("2 authorization headers"));
    }
    assert_eq!(
        send(svc.addr(), "GET", "/accounts", &good, b"")
            .await
            .expect("answer")
            .status,
        200
    );
    svc.shutdown().await.expect("shutdown");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_read_only_key_reads_but_changes_nothing() {
    let svc = demo_with_keys().await;
    let before = account_ids(&call(&svc, &Signer::example(), "GET", "/accounts", "").await);
    // Read-only key: reads work, changes are forbidden and change nothing.
    let ro = Signer::example().key("AKIDREADONLY", "ro-secret");
    assert_eq!(call(&svc, &ro, "GET", "/accounts", "").await.status, 200);
    let r = call(&svc, &ro, "POST", "/accounts", r#"{"Name": "Nope"}"#).await;
    assert_eq!(
        (r.status, r.error_type()),
        (403, Some("ForbiddenException"))
    );
    assert_eq!(r.json()["Code"], "Forbidden");
    let target = format!("/accounts/{}", before[0]);
    let r = call(&svc, &ro, "DELETE", &target, "").await;
    assert_eq!(r.error_type(), Some("ForbiddenException"));
    let after = account_ids(&call(&svc, &Signer::example(), "GET", "/accounts", "").await);
    assert_eq!(before, after);
    svc.shutdown().await.expect("shutdown");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_key_a_wrong_secret_or_another_service_is_refused() {
    let svc = demo_with_keys().await;
    // Unknown key.
    let stranger = Signer::example().key("AKIDSTRANGER", "secret");
    let r = call(&svc, &stranger, "GET", "/accounts", "").await;
    assert_eq!(
        (r.status, r.error_type()),
        (403, Some("UnrecognizedClientException"))
    );

    // Known key, wrong secret.
    let wrong = Signer::example().key("AKIDEXAMPLE", "not-the-secret");
    let r = call(&svc, &wrong, "GET", "/accounts", "").await;
    assert_eq!(
        (r.status, r.error_type()),
        (403, Some("InvalidSignatureException"))
    );

    // Another service in the scope.
    let mut s3 = Signer::example();
    s3.service = "s3".into();
    let r = call(&svc, &s3, "GET", "/accounts", "").await;
    assert_eq!(r.error_type(), Some("InvalidSignatureException"));
    svc.shutdown().await.expect("shutdown");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_signature_ten_minutes_old_or_ahead_has_expired() {
    let svc = demo_with_keys().await;
    // Expired and future dates.
    for secs in [-600i64, 600] {
        let mut old = Signer::example();
        old.time = if secs < 0 {
            SystemTime::now() - Duration::from_secs(600)
        } else {
            SystemTime::now() + Duration::from_secs(600)
        };
        let r = call(&svc, &old, "GET", "/accounts", "").await;
        assert_eq!(
            (r.status, r.error_type()),
            (403, Some("InvalidSignatureException")),
            "{secs}s"
        );
        assert!(String::from_utf8_lossy(&r.body).contains("Signature expired"));
    }
    svc.shutdown().await.expect("shutdown");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_or_garbled_authorization_is_refused_with_a_request_id() {
    let svc = demo_with_keys().await;
    // Missing or garbled Authorization.
    let host = svc.addr().to_string();
    let good = Signer::example().headers(&host, "GET", "/accounts", b"");
    let date = good
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("x-amz-date"))
        .expect("date")
        .1
        .clone();
    for auth in [
        None,
        Some("garbage".to_string()),
        Some("AWS4-HMAC-SHA256 ".to_string()),
        Some("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE, Signature=00".to_string()),
        Some(format!(
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/{}/us-east-1/chime/aws4_request, SignedHeaders=host, Signature=00",
            &date[..8]
        )),
        Some("Bearer abc".to_string()),
    ] {
        let mut h = vec![
            ("Host".to_string(), host.clone()),
            ("X-Amz-Date".to_string(), date.clone()),
        ];
        if let Some(a) = &auth {
            h.push(("Authorization".into(), a.clone()));
        }
        let r = send(svc.addr(), "GET", "/accounts", &h, b"")
            .await
            .expect("answer");
        assert_eq!(
            (r.status, r.error_type()),
            (403, Some("InvalidSignatureException")),
            "Authorization {auth:?}"
        );
        let body = r.json();
        assert_eq!(body["Code"], "Unauthorized");
        assert!(body["Message"].as_str().is_some_and(|m| !m.is_empty()));
        assert!(r.header("x-amzn-RequestId").is_some_and(|v| v.len() == 36));
    }
    svc.shutdown().await.expect("shutdown");
}

// ---------- bad input ----------

// ---------- x-amz-content-sha256 ----------

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(bytes))
}

fn account_names(r: &Raw) -> Vec<String> {
    let mut names: Vec<String> = r.json()["Accounts"]
        .as_array()
        .expect("Accounts")
        .iter()
        .map(|a| a["Name"].as_str().expect("name").to_string())
        .collect();
    names.sort();
    names
}

/// Signs `signed_body` with `signer` and sends `sent_body` (the same unless a
/// test tampers with it).
async fn call_with_body(
    svc: &RunningService,
    signer: &Signer,
    signed_body: &str,
    sent_body: &str,
    extra: &[(&str, &str)],
) -> Raw {
    let host = svc.addr().to_string();
    let mut headers = signer.headers(&host, "POST", "/accounts", signed_body.as_bytes());
    headers.extend(extra.iter().map(|(n, v)| (n.to_string(), v.to_string())));
    send(
        svc.addr(),
        "POST",
        "/accounts",
        &headers,
        sent_body.as_bytes(),
    )
    .await
    .expect("an answer")
}

fn create(name: &str) -> String {
    format!(r#"{{"Name": "{name}"}}"#)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_signed_x_amz_content_sha256_is_the_payload_hash() {
    let svc = service::start(ServiceConfig::empty())
        .await
        .expect("service starts");
    let host = svc.addr().to_string();

    // The header is really sent and signed by aws-sigv4 in these modes.
    let h = Signer::example()
        .payload(Payload::Unsigned)
        .headers(&host, "GET", "/accounts", b"");
    let sent = |name: &str| {
        h.iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    assert_eq!(sent("x-amz-content-sha256"), "UNSIGNED-PAYLOAD");
    assert!(
        sent("authorization").contains("x-amz-content-sha256"),
        "{h:?}"
    );

    // Accepted: the body's own hash (computed by aws-sigv4, or precomputed),
    // and UNSIGNED-PAYLOAD, on a request with a body and on one without.
    let signers = [
        ("Header", Signer::example().payload(Payload::HeaderOfBody)),
        (
            "Precomputed",
            Signer::example().payload(Payload::Precomputed(sha256_hex(
                create("Precomputed").as_bytes(),
            ))),
        ),
        ("Unsigned", Signer::example().payload(Payload::Unsigned)),
    ];
    for (name, signer) in &signers {
        let body = create(name);
        let r = call_with_body(&svc, signer, &body, &body, &[]).await;
        assert_eq!(r.status, 201, "{name}: {r:?}");
    }
    for signer in [
        Signer::example().payload(Payload::HeaderOfBody),
        Signer::example().payload(Payload::Unsigned),
    ] {
        let r = call(&svc, &signer, "GET", "/accounts", "").await;
        assert_eq!(r.status, 200, "{r:?}");
    }

    // A tampered body with the stale signed hash: the signature still holds
    // (it covers the header), the body does not match it: 400, nothing made.
    let original = create("Original");
    let stale = Signer::example().payload(Payload::Precomputed(sha256_hex(original.as_bytes())));
    let r = call_with_body(&svc, &stale, &original, &create("Tampered"), &[]).await;
    assert_eq!(
        (r.status, r.error_type()),
        (400, Some("BadRequestException")),
        "{r:?}"
    );
    assert_eq!(r.json()["Code"], "BadRequest");
    let message = r.json()["Message"].as_str().expect("Message").to_string();
    assert!(
        message.starts_with("XAmzContentSHA256Mismatch: ")
            && message.contains(&sha256_hex(original.as_bytes()))
            && message.contains(&sha256_hex(create("Tampered").as_bytes())),
        "{message}"
    );
    // The same tampering without the header breaks the signature instead.
    let r = call_with_body(
        &svc,
        &Signer::example(),
        &original,
        &create("Tampered"),
        &[],
    )
    .await;
    assert_eq!(r.error_type(), Some("InvalidSignatureException"), "{r:?}");
    // A signed value that is neither a hex sha256 nor UNSIGNED-PAYLOAD.
    let streaming = Signer::example().payload(Payload::Precomputed(
        "STREAMING-AWS4-HMAC-SHA256-PAYLOAD".into(),
    ));
    let body = create("Streaming");
    let r = call_with_body(&svc, &streaming, &body, &body, &[]).await;
    assert_eq!(
        (r.status, r.error_type()),
        (400, Some("BadRequestException")),
        "{r:?}"
    );
    // An x-amz-content-sha256 that is not signed is not the payload hash.
    let body = create("UnsignedHeader");
    let zeros = "0".repeat(64);
    let extra = [("x-amz-content-sha256", zeros.as_str())];
    let r = call_with_body(&svc, &Signer::example(), &body, &body, &extra).await;
    assert_eq!(r.status, 201, "{r:?}");

    let r = call(&svc, &Signer::example(), "GET", "/accounts", "").await;
    assert_eq!(
        account_names(&r),
        ["Header", "Precomputed", "Unsigned", "UnsignedHeader"]
    );
    svc.shutdown().await.expect("shutdown");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_oversized_body_answers_413_and_changes_nothing() {
    let svc = service::start(ServiceConfig::empty()).await.expect("start");
    let name = "x".repeat(MAX_BODY);
    let body = format!(r#"{{"Name": "{name}"}}"#);
    let r = call(&svc, &Signer::example(), "POST", "/accounts", &body).await;
    assert_eq!(r.status, 413, "{r:?}");
    assert_eq!(r.error_type(), Some("RequestEntityTooLargeException"));
    // Just under the cap is read (and refused for what it says, not its size).
    let name = "x".repeat(MAX_BODY - 20);
    let body = format!(r#"{{"Name": "{name}"}}"#);
    let r = call(&svc, &Signer::example(), "POST", "/accounts", &body).await;
    assert_eq!(
        (r.status, r.error_type()),
        (400, Some("BadRequestException"))
    );
    let r = call(&svc, &Signer::example(), "GET", "/accounts", "").await;
    assert_eq!(r.json()["Accounts"], serde_json::json!([]));
    svc.shutdown().await.expect("shutdown");
}

/// A NextToken pages the listing that issued it only: the same account's
/// users with other filters (`user-type`, `user-email`), or the accounts
/// with another `name`, answer 400.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_next_token_is_refused_by_a_listing_with_other_filters() {
    let svc = service::start(ServiceConfig::demo()).await.expect("start");
    let s = Signer::example();
    let accounts = call(&svc, &s, "GET", "/accounts?max-results=1", "")
        .await
        .json();
    let acc = accounts["Accounts"][0]["AccountId"].as_str().expect("id");
    let t = accounts["NextToken"].as_str().expect("a token");
    let again = call(
        &svc,
        &s,
        "GET",
        &format!("/accounts?max-results=1&next-token={t}"),
        "",
    )
    .await;
    assert_eq!(again.status, 200);
    let other = call(
        &svc,
        &s,
        "GET",
        &format!("/accounts?max-results=1&name=Acme&next-token={t}"),
        "",
    )
    .await;
    assert_eq!(other.status, 400, "{other:?}");

    let users = format!("/accounts/{acc}/users?max-results=1");
    let page = call(&svc, &s, "GET", &users, "").await.json();
    let t = page["NextToken"].as_str().expect("a token");
    let same = call(&svc, &s, "GET", &format!("{users}&next-token={t}"), "").await;
    assert_eq!(same.status, 200);
    for filter in ["user-type=SharedDevice", "user-type=PrivateUser"] {
        let r = call(
            &svc,
            &s,
            "GET",
            &format!("{users}&{filter}&next-token={t}"),
            "",
        )
        .await;
        assert_eq!(
            (r.status, r.error_type()),
            (400, Some("BadRequestException")),
            "{filter}: {r:?}"
        );
    }
    // A filtered listing's own token pages it.
    let shared = format!("{users}&user-type=SharedDevice");
    let page = call(&svc, &s, "GET", &shared, "").await.json();
    let t = page["NextToken"].as_str().expect("a token");
    let next = call(&svc, &s, "GET", &format!("{shared}&next-token={t}"), "").await;
    assert_eq!(next.status, 200, "{next:?}");
    assert_eq!(next.json()["Users"][0]["UserType"], "SharedDevice");
    svc.shutdown().await.expect("shutdown");
}

/// Every account, its settings, every user (all pages) and every user's
/// settings as JSON text.
async fn dump(svc: &RunningService) -> String {
    let s = Signer::example();
    let accounts = call(svc, &s, "GET", "/accounts?max-results=200", "")
        .await
        .json();
    let mut out = vec![accounts.clone()];
    for a in accounts["Accounts"].as_array().expect("accounts") {
        let id = a["AccountId"].as_str().expect("id");
        out.push(
            call(svc, &s, "GET", &format!("/accounts/{id}/settings"), "")
                .await
                .json(),
        );
        let mut token: Option<String> = None;
        loop {
            let target = match &token {
                Some(t) => format!("/accounts/{id}/users?max-results=200&next-token={t}"),
                None => format!("/accounts/{id}/users?max-results=200"),
            };
            let page = call(svc, &s, "GET", &target, "").await.json();
            token = page["NextToken"].as_str().map(str::to_string);
            for u in page["Users"].as_array().expect("Users") {
                let uid = u["UserId"].as_str().expect("UserId");
                let target = format!("/accounts/{id}/users/{uid}/settings");
                out.push(call(svc, &s, "GET", &target, "").await.json());
            }
            out.push(page);
            if token.is_none() {
                break;
            }
        }
    }
    serde_json::to_string(&out).expect("ser")
}

struct Fuzz {
    rng: StdRng,
    account: String,
    /// A real user of `account`.
    user: String,
}

impl Fuzz {
    fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[self.rng.random_range(0..xs.len())]
    }

    fn segment(&mut self) -> String {
        const PIECES: &[&str] = &[
            "a", "Z", "0", "-", "_", ".", "..", "~", "%20", "%2F", "%00", "%FF", "%C3%A9", "%",
            "%G1", "%25", "@", "!", "$", "*", "'", "(", ";", "=", "+", ",", ":",
        ];
        let n = self.rng.random_range(0..6);
        (0..n).map(|_| self.pick(PIECES)).collect()
    }

    fn path(&mut self) -> String {
        let real = self.account.clone();
        match self.rng.random_range(0..5) {
            0 => {
                let n = self.rng.random_range(0..6);
                let segs: Vec<String> = (0..n).map(|_| self.segment()).collect();
                format!("/{}", segs.join("/"))
            }
            _ => {
                let acc = if self.rng.random_bool(0.5) {
                    real
                } else {
                    self.segment()
                };
                let user = if self.rng.random_bool(0.5) {
                    self.user.clone()
                } else {
                    self.segment()
                };
                let tail = self.pick(&[
                    "",
                    "/settings",
                    "/users",
                    "/users/U",
                    "/users/U/settings",
                    "/x/y/z",
                ]);
                format!("/accounts/{acc}{}", tail.replace('U', &user))
            }
        }
    }

    fn query(&mut self) -> String {
        let mut parts = Vec::new();
        for _ in 0..self.rng.random_range(0..4) {
            let k = self.pick(&[
                "operation",
                "max-results",
                "next-token",
                "user-email",
                "user-type",
                "name",
                "x",
            ]);
            let v = self.pick(&[
                "create",
                "add",
                "suspend",
                "unsuspend",
                "logout",
                "reset-personal-pin",
                "associate-signin-delegate-groups",
                "disassociate-signin-delegate-groups",
                "0",
                "-1",
                "201",
                "99999999999999999999999",
                "abc",
                "000000000000000000000000",
                "a%40b.co",
                "not-an-email",
                "SharedDevice",
                "Gold",
                "%FF",
                "",
            ]);
            parts.push(format!("{k}={v}"));
        }
        if parts.is_empty() {
            String::new()
        } else {
            format!("?{}", parts.join("&"))
        }
    }

    /// Bodies that never hold a valid change: random bytes, truncated or
    /// mistyped JSON, deep nesting.
    fn body(&mut self) -> Vec<u8> {
        match self.rng.random_range(0..7) {
            0 => Vec::new(),
            1 => (0..self.rng.random_range(1..300))
                .map(|_| self.rng.random())
                .collect(),
            2 => {
                let full = self.pick(&[
                    r#"{"UpdateUserRequestItems": [{"UserId": "u-1", "LicenseType": "Basic"}]}"#,
                    r#"{"Name": "Fuzzed account"}"#,
                    r#"{"UserIdList": ["a", "b"]}"#,
                    r#"{"UserEmailList": ["a@b.co"]}"#,
                    r#"{"AccountSettings": {"EnableDialOut": false}}"#,
                ]);
                let cut = self.rng.random_range(0..full.len() - 1);
                full.as_bytes()[..cut].to_vec()
            }
            3 => self
                .pick(&[
                    r#"{"UpdateUserRequestItems": "x"}"#,
                    r#"{"UserIdList": [1, 2]}"#,
                    r#"{"Name": 5}"#,
                    r#"{"UserEmailList": {"a": 1}}"#,
                    r#"{"AccountSettings": [true]}"#,
                    r#"{"UserSettings": {"Telephony": {"SMS": "yes"}}}"#,
                    r#"{"SigninDelegateGroups": null, "GroupNames": 7}"#,
                    "[]",
                    "null",
                    "\"\"",
                    "1e999999",
                ])
                .as_bytes()
                .to_vec(),
            4 => {
                let depth = self.rng.random_range(100..20_000);
                let mut b = vec![b'['; depth];
                b.extend(std::iter::repeat_n(b']', depth));
                b
            }
            5 => format!(
                "{{\"Name\": \"{}\"",
                "\u{1F600}".repeat(self.rng.random_range(1..50))
            )
            .into_bytes(),
            _ => b"\xff\xfe{\"Name\":\"x\"}".to_vec(),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_fuzzed_requests_are_harmless() {
    let svc = service::start(ServiceConfig::demo().with_data(DataSet::demo()))
        .await
        .expect("start");
    let before = dump(&svc).await;
    assert!(
        before.contains("\"Telephony\""),
        "user settings in the dump"
    );
    let first: Value = serde_json::from_str(&before).expect("json");
    let account = first[0]["Accounts"][0]["AccountId"]
        .as_str()
        .expect("an account")
        .to_string();
    let user = first
        .as_array()
        .expect("the dump")
        .iter()
        .find_map(|part| part["Users"][0]["UserId"].as_str())
        .expect("a user of the first account")
        .to_string();
    let addr = svc.addr();
    let host = addr.to_string();

    let mut tasks = Vec::new();
    for worker in 0..8u64 {
        let host = host.clone();
        let (account, user) = (account.clone(), user.clone());
        tasks.push(tokio::spawn(async move {
            let mut f = Fuzz {
                rng: StdRng::seed_from_u64(1000 + worker),
                account,
                user,
            };
            let mut statuses = std::collections::BTreeMap::<u16, usize>::new();
            for _ in 0..1250 {
                let method = f.pick(&[
                    "GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "BREW",
                ]);
                let mut target = format!("{}{}", f.path(), f.query());
                // Never a validly signed DELETE of a real account: the one
                // change an empty body can make.
                if method == "DELETE" && target.contains(&f.account) {
                    target = target.replace(&f.account, "not-this-one");
                }
                let body = f.body();
                let mut headers = match f.rng.random_range(0..10) {
                    0..7 => Signer::example().headers(&host, method, &target, &body),
                    7 => {
                        let mut h = Signer::example().headers(&host, method, &target, &body);
                        for (n, v) in h.iter_mut() {
                            if n == "authorization" {
                                *v = change_byte(v, v.len() - 2);
                            }
                        }
                        h
                    }
                    _ => vec![
                        ("Host".to_string(), host.clone()),
                        ("Authorization".to_string(), f.segment()),
                    ],
                };
                for _ in 0..f.rng.random_range(0..3) {
                    let name = f.pick(&[
                        "X-Junk",
                        "x-amz-security-token",
                        "Content-Type",
                        "Expect",
                        "X-Amz-Date",
                    ]);
                    let value = f.segment();
                    headers.push((name.to_string(), value));
                }
                let r = send(addr, method, &target, &headers, &body).await;
                let r = r.unwrap_or_else(|| panic!("no answer to {method} {target}"));
                assert!(
                    (200..600).contains(&r.status) && r.status != 500,
                    "{method} {target} answered {}",
                    r.status
                );
                if r.status >= 400 && method != "HEAD" && r.error_type().is_some() {
                    let b = r.json();
                    assert!(b["Code"].is_string() && b["Message"].is_string(), "{b}");
                }
                *statuses.entry(r.status).or_default() += 1;
            }
            statuses
        }));
    }
    let mut total = std::collections::BTreeMap::<u16, usize>::new();
    for t in tasks {
        for (s, n) in t.await.expect("fuzz worker") {
            *total.entry(s).or_default() += n;
        }
    }
    eprintln!("fuzz statuses: {total:?}");
    assert_eq!(total.values().sum::<usize>(), 10_000);
    // Many reached the operations: their validation answered, not the verifier.
    let reached: usize = total
        .iter()
        .filter(|(s, _)| **s != 403)
        .map(|(_, n)| n)
        .sum();
    assert!(
        reached > 3_000,
        "too few requests got past the verifier: {total:?}"
    );
    assert!(total.get(&403).is_some_and(|n| *n > 1_000), "{total:?}");

    let after = dump(&svc).await;
    assert!(before == after, "the fuzz changed the data");
    svc.shutdown().await.expect("shutdown");
}

/// `headers` with the last hex digit of the Authorization signature changed.
fn forge(mut headers: Vec<(String, String)>) -> Vec<(String, String)> {
    for (n, v) in headers.iter_mut() {
        if n.eq_ignore_ascii_case("authorization") {
            *v = change_byte(v, v.len() - 1);
        }
    }
    headers
}

/// Valid changes against real ids — rename the account, change a user's
/// license, flip a user's telephony settings, create an account — each sent
/// with a forged signature, a wrong secret, a stale date, and a signature
/// re-used from another body, another user or a GET: every one 403 and the
/// data unchanged. Then each sent correctly signed changes the data, so the
/// refused requests were real changes refused by the verifier alone.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn valid_changes_with_forged_stale_or_reused_signatures_change_nothing() {
    let svc = service::start(ServiceConfig::demo().with_data(DataSet::generated(20)))
        .await
        .expect("start");
    let host = svc.addr().to_string();
    let s = Signer::example();
    let acc = call(&svc, &s, "GET", "/accounts", "").await.json()["Accounts"][0]["AccountId"]
        .as_str()
        .expect("an account")
        .to_string();
    let users = call(&svc, &s, "GET", &format!("/accounts/{acc}/users"), "")
        .await
        .json()["Users"]
        .clone();
    let user = &users[0];
    let uid = user["UserId"].as_str().expect("UserId").to_string();
    let other = users[1]["UserId"].as_str().expect("UserId").to_string();
    let license = if user["LicenseType"] == "Pro" {
        "Basic"
    } else {
        "Pro"
    };
    let settings_target = format!("/accounts/{acc}/users/{uid}/settings");
    let settings = call(&svc, &s, "GET", &settings_target, "").await.json();
    let inbound = settings["UserSettings"]["Telephony"]["InboundCalling"]
        .as_bool()
        .expect("InboundCalling");
    let changes: Vec<(&str, String, String)> = vec![
        (
            "POST",
            format!("/accounts/{acc}"),
            r#"{"Name": "Renamed by a forger"}"#.to_string(),
        ),
        (
            "POST",
            format!("/accounts/{acc}/users/{uid}"),
            format!(r#"{{"LicenseType": "{license}"}}"#),
        ),
        (
            "PUT",
            settings_target.clone(),
            format!(
                r#"{{"UserSettings": {{"Telephony": {{"InboundCalling": {}, "OutboundCalling": true, "SMS": true}}}}}}"#,
                !inbound
            ),
        ),
        (
            "POST",
            "/accounts".to_string(),
            r#"{"Name": "Forged account"}"#.to_string(),
        ),
    ];
    let before = dump(&svc).await;

    let stale = Signer {
        time: SystemTime::now() - Duration::from_secs(600),
        ..Signer::example()
    };
    for (method, target, body) in &changes {
        let b = body.as_bytes();
        let elsewhere = match target.replace(&uid, &other) {
            t if t.contains(&acc) => t.replace(&acc, "another-account"),
            _ => "/accounts/another-account".to_string(),
        };
        let attempts: Vec<(&str, Vec<(String, String)>)> = vec![
            ("forged", forge(s.headers(&host, method, target, b))),
            (
                "wrong secret",
                Signer::example()
                    .key("AKIDEXAMPLE", "not-the-secret")
                    .headers(&host, method, target, b),
            ),
            ("stale", stale.headers(&host, method, target, b)),
            (
                "another body's",
                s.headers(&host, method, target, br#"{"Name": "harmless"}"#),
            ),
            ("another target's", s.headers(&host, method, &elsewhere, b)),
            ("a GET's", s.headers(&host, "GET", target, b"")),
        ];
        for (what, headers) in attempts {
            let r = send(svc.addr(), method, target, &headers, b)
                .await
                .expect("an answer");
            assert_eq!(
                r.status, 403,
                "{what} signature on {method} {target}: {r:?}"
            );
        }
    }
    assert!(
        before == dump(&svc).await,
        "a refused request changed the data"
    );

    // The same requests, signed: each one is a change.
    let mut last = before;
    for (method, target, body) in &changes {
        let r = call(&svc, &s, method, target, body).await;
        assert!((200..300).contains(&r.status), "{method} {target}: {r:?}");
        let now = dump(&svc).await;
        assert!(now != last, "{method} {target} {body} changed nothing");
        last = now;
    }
    svc.shutdown().await.expect("shutdown");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_requests_answer_400_and_change_nothing() {
    let svc = service::start(ServiceConfig::demo()).await.expect("start");
    let before = dump(&svc).await;
    let first: Value = serde_json::from_str(&before).expect("json");
    let acc = s(&first[0]["Accounts"][0]["AccountId"]).to_string();
    let sig = Signer::example();
    let users = format!("/accounts/{acc}/users");
    let cases: Vec<(&str, String, &str)> = vec![
        (
            "POST",
            users.clone(),
            r#"{"UpdateUserRequestItems": [{"UserId": "u-1", "Lice"#,
        ),
        (
            "POST",
            users.clone(),
            r#"{"UpdateUserRequestItems": [{"LicenseType": "Pro"}]}"#,
        ),
        (
            "POST",
            users.clone(),
            r#"{"UpdateUserRequestItems": [{"UserId": " ", "LicenseType": "Pro"}]}"#,
        ),
        (
            "POST",
            users.clone(),
            r#"{"UpdateUserRequestItems": [{"UserId": "u", "UserType": "Robot"}]}"#,
        ),
        ("POST", users.clone(), "{}"),
        (
            "POST",
            format!("{users}?operation=suspend"),
            r#"{"UserIdList": "u-1"}"#,
        ),
        (
            "POST",
            format!("{users}?operation=add"),
            r#"{"UserEmailList": ["a@b.co"], "UserType": "Robot"}"#,
        ),
        ("POST", format!("/accounts/{acc}"), r#"{"Name": ""}"#),
        ("POST", format!("/accounts/{acc}"), r#"{"Name": "   "}"#),
        (
            "POST",
            format!("/accounts/{acc}"),
            r#"{"DefaultLicense": "Gold"}"#,
        ),
        ("POST", "/accounts".into(), "{\"Name\": \"x\"}}"),
        ("PUT", format!("/accounts/{acc}/settings"), "{}"),
        (
            "POST",
            format!("/accounts/{acc}?operation=disassociate-signin-delegate-groups"),
            r#"{"GroupNames": []}"#,
        ),
        (
            "POST",
            format!("/accounts/{acc}?operation=associate-signin-delegate-groups"),
            r#"{"SigninDelegateGroups": [{"GroupName": "  "}]}"#,
        ),
        ("GET", format!("{users}?max-results=0"), ""),
        ("GET", format!("{users}?max-results=abc"), ""),
        ("GET", format!("{users}?user-email=not-an-email"), ""),
        ("GET", "/accounts?max-results=201".into(), ""),
        ("GET", "/accounts?name=".into(), ""),
        ("GET", format!("{users}/%20"), ""),
        ("GET", format!("{users}/%FF"), ""),
    ];
    for (method, target, body) in &cases {
        let r = call(&svc, &sig, method, target, body).await;
        assert_eq!(
            (r.status, r.error_type()),
            (400, Some("BadRequestException")),
            "{method} {target} {body}: {}",
            String::from_utf8_lossy(&r.body)
        );
        assert_eq!(r.json()["Code"], "BadRequest");
    }
    assert!(
        before == dump(&svc).await,
        "a refused request changed the data"
    );
    svc.shutdown().await.expect("shutdown");
}

fn s(v: &Value) -> &str {
    v.as_str().unwrap_or_else(|| panic!("not a string: {v}"))
}

// ---------- latency and jitter ----------

/// `n` listings against a service with these faults; the request log's lines.
async fn delays_logged(faults: &FaultConfig, n: usize) -> Vec<Value> {
    let dir = tempfile::tempdir().expect("tempdir");
    let log = dir.path().join("requests.jsonl");
    let svc = service::start(
        ServiceConfig::empty()
            .with_faults(faults)
            .with_request_log(log.clone()),
    )
    .await
    .expect("service starts");
    for _ in 0..n {
        let r = call(&svc, &Signer::example(), "GET", "/accounts", "").await;
        assert_eq!(r.status, 200, "{r:?}");
    }
    svc.shutdown().await.expect("shutdown");
    support::json_lines(&log)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jitter_varies_the_delay_within_latency_and_latency_plus_jitter() {
    let faults = FaultConfig {
        latency_ms: 20,
        jitter_ms: 30,
        fault_seed: Some(5),
        ..FaultConfig::default()
    };
    let lines = delays_logged(&faults, 30).await;
    assert_eq!(lines.len(), 30);
    let delays: Vec<u64> = lines
        .iter()
        .map(|l| l["delay_ms"].as_u64().expect("delay_ms"))
        .collect();
    for (line, delay) in lines.iter().zip(&delays) {
        assert!((20..=50).contains(delay), "{line}");
        let latency = line["latency_ms"].as_f64().expect("latency_ms");
        assert!(latency >= *delay as f64, "{line}");
    }
    let mut distinct = delays.clone();
    distinct.sort();
    distinct.dedup();
    assert!(distinct.len() >= 10, "the jitter varies: {delays:?}");
    // The same seed draws the same delays.
    let again: Vec<u64> = delays_logged(&faults, 30)
        .await
        .iter()
        .map(|l| l["delay_ms"].as_u64().expect("delay_ms"))
        .collect();
    assert_eq!(again, delays);
    // No jitter: every delay is the latency.
    let fixed = FaultConfig {
        jitter_ms: 0,
        ..faults
    };
    let lines = delays_logged(&fixed, 5).await;
    assert!(lines.iter().all(|l| l["delay_ms"] == 20), "{lines:?}");
}

// ---------- log files ----------

/// A headless command of the real binary in an empty AWS world, with a log file.
fn headless(dir: &std::path::Path, url: &str, key: (&str, &str), args: &[&str]) -> Value {
    support::run_json(
        support::chime_admin_isolated(dir, key)
            .args(args)
            .args(["--endpoint-url", url, "--output", "json", "--log-file"])
            .arg(dir.join("cli.log")),
    )
}

#[test]
fn serve_and_headless_commands_log_operations_and_retries_without_emails_or_keys() {
    let key = ("AKIDLOGTEST", "Log-Secret-3f9a");
    // One request in five fails 503 (seeded): the client retries them.
    let serve = Serve::builder()
        .args(&["--access-key", "AKIDLOGTEST:Log-Secret-3f9a"])
        .args(&["--fail-rate", "0.2", "--fault-seed", "11"])
        .start();
    let dir = tempfile::tempdir().expect("tempdir");
    let accounts = headless(dir.path(), &serve.url, key, &["accounts"]);
    let big = accounts["Accounts"]
        .as_array()
        .expect("Accounts")
        .iter()
        .find(|a| a["AccountType"] == "EnterpriseLWA")
        .and_then(|a| a["AccountId"].as_str())
        .expect("the demo's big account")
        .to_string();
    let users = headless(dir.path(), &serve.url, key, &["users", &big]);
    let users = users["Users"].as_array().expect("Users");
    assert_eq!(users.len(), 5000);
    let one = users[7]["PrimaryEmail"].as_str().expect("an email");
    let found = headless(
        dir.path(),
        &serve.url,
        key,
        &["users", &big, "--email", one],
    );
    assert_eq!(found["Users"].as_array().map(Vec::len), Some(1));
    let id = users[7]["UserId"].as_str().expect("a user id");
    // A license the user does not hold (one already at it is not sent).
    let to = if users[7]["LicenseType"] == "Basic" {
        "Pro"
    } else {
        "Basic"
    };
    let updated = headless(
        dir.path(),
        &serve.url,
        key,
        &["update-users", &big, "--user-id", id, "--license", to],
    );
    assert_eq!(updated["Updated"], 1, "{updated}");

    let serve_log = std::fs::read_to_string(serve.log_file()).expect("serve's log");
    let cli_log = std::fs::read_to_string(dir.path().join("cli.log")).expect("the CLI's log");
    // serve: one line per request with what was asked and how it went.
    let requests: Vec<&str> = serve_log
        .lines()
        .filter(|l| l.contains(" request "))
        .collect();
    assert!(requests.len() > 1 + 25 + 1, "{serve_log}");
    for l in &requests {
        for field in ["request_id=", "operation=", "status=", "latency_ms="] {
            assert!(l.contains(field), "{field} missing: {l}");
        }
    }
    let holds_all = |what: &str, log: &str, needles: &[&str]| {
        for n in needles {
            assert!(log.contains(n), "{n} not in the {what} log:\n{log}");
        }
    };
    holds_all(
        "serve",
        &serve_log,
        &[
            "listening",
            "operation=\"ListAccounts\"",
            "operation=\"ListUsers\"",
            "operation=\"BatchUpdateUser\"",
            "status=200",
            "status=503",
            "ServiceUnavailableException",
        ],
    );
    // The headless commands: each call's answer, the retries, start and end.
    holds_all(
        "cli",
        &cli_log,
        &[
            "command=\"accounts\"",
            "command=\"users\"",
            "command=\"update-users\"",
            "operation=\"ListAccounts\"",
            "operation=\"BatchUpdateUser\"",
            "operation=\"ListUsers\"",
            "status=503",
            "retrying",
            "finished",
        ],
    );
    // Neither holds a key, an email or a name.
    let names: Vec<&str> = users
        .iter()
        .flat_map(|u| [&u["PrimaryEmail"], &u["DisplayName"]])
        .filter_map(Value::as_str)
        .filter(|v| v.contains('@') || v.contains(' '))
        .collect();
    assert!(names.len() > 5000, "emails and full names to look for");
    for (what, log) in [("serve", &serve_log), ("cli", &cli_log)] {
        assert!(!log.contains(key.1), "the secret key in the {what} log");
        assert!(!log.contains(key.0), "the key id in the {what} log");
        if let Some(n) = names.iter().find(|n| log.contains(**n)) {
            panic!("{n} in the {what} log");
        }
    }
}

// ---------- slow, idle and too many connections ----------

/// Reads until the server closes the connection (EOF or reset) and returns
/// what it sent; fails if it is still open after 30 s.
async fn until_closed(s: &mut TcpStream) -> Vec<u8> {
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        match tokio::time::timeout_at(deadline, s.read(&mut buf)).await {
            Err(_) => panic!("the server kept the connection open for 30 s"),
            Ok(Ok(0)) | Ok(Err(_)) => return out,
            Ok(Ok(n)) => out.extend_from_slice(&buf[..n]),
        }
    }
}

/// A signed request's head (keep-alive, `Content-Length: len`).
fn signed_head(addr: SocketAddr, method: &str, target: &str, body: &[u8], len: usize) -> Vec<u8> {
    let headers = Signer::example().headers(&addr.to_string(), method, target, body);
    let mut head = format!("{method} {target} HTTP/1.1\r\n");
    for (n, v) in headers {
        head.push_str(&format!("{n}: {v}\r\n"));
    }
    head.push_str(&format!("Content-Length: {len}\r\n\r\n"));
    head.into_bytes()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn silent_half_sent_idle_and_stalled_connections_are_closed() {
    let limits = service::server::Limits {
        max_connections: 16,
        header_timeout: Duration::from_millis(300),
        body_timeout: Duration::from_millis(300),
    };
    let svc = service::start(ServiceConfig::empty().with_limits(limits))
        .await
        .expect("service starts");
    let addr = svc.addr();

    // Sends nothing: closed by the header read timeout, with no answer.
    let mut silent = TcpStream::connect(addr).await.expect("connect");
    assert!(until_closed(&mut silent).await.is_empty());

    // Half a request head.
    let mut half = TcpStream::connect(addr).await.expect("connect");
    half.write_all(b"GET /accounts HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Amz-Da")
        .await
        .expect("write");
    let answer = until_closed(&mut half).await;
    assert!(
        parse_response(&answer).is_none_or(|r| r.status != 200),
        "{answer:?}"
    );

    // Keep-alive: a request is answered, then the idle connection is closed.
    let mut idle = TcpStream::connect(addr).await.expect("connect");
    idle.write_all(&signed_head(addr, "GET", "/accounts", b"", 0))
        .await
        .expect("write");
    let answer = parse_response(&until_closed(&mut idle).await).expect("an answer");
    assert_eq!(answer.status, 200, "{answer:?}");
    assert_eq!(answer.json()["Accounts"], serde_json::json!([]));

    // A body that stops after 10 of its 100 bytes: 400, closed, nothing made.
    let body = format!("{{\"Name\": \"Stalled\"{}}}", " ".repeat(81));
    assert_eq!(body.len(), 100);
    let mut stalled = TcpStream::connect(addr).await.expect("connect");
    let mut req = signed_head(addr, "POST", "/accounts", body.as_bytes(), body.len());
    req.extend_from_slice(&body.as_bytes()[..10]);
    stalled.write_all(&req).await.expect("write");
    let answer = parse_response(&until_closed(&mut stalled).await).expect("an answer");
    assert_eq!(
        (answer.status, answer.error_type()),
        (400, Some("BadRequestException")),
        "{answer:?}"
    );
    assert!(s(&answer.json()["Message"]).contains("stalled"));
    let listed = call(&svc, &Signer::example(), "GET", "/accounts", "").await;
    assert_eq!(listed.json()["Accounts"], serde_json::json!([]));
    svc.shutdown().await.expect("shutdown");
}

/// The front door: a request whose `Authorization` is missing or names no
/// key we accept is answered at once, without waiting for its body (here
/// 100,000 bytes announced, none sent; the body timeout is 30 s).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_without_an_accepted_key_is_answered_before_its_body() {
    let limits = service::server::Limits {
        max_connections: 16,
        header_timeout: Duration::from_secs(30),
        body_timeout: Duration::from_secs(30),
    };
    let svc = service::start(ServiceConfig::empty().with_limits(limits))
        .await
        .expect("service starts");
    let addr = svc.addr();
    let signed =
        String::from_utf8(signed_head(addr, "POST", "/accounts", b"{}", 100_000)).expect("ascii");
    let unknown_key = signed.replace("AKIDEXAMPLE", "AKIDUNKNOWN");
    let no_auth: String = signed
        .split("\r\n")
        .filter(|l| !l.to_ascii_lowercase().starts_with("authorization:"))
        .collect::<Vec<_>>()
        .join("\r\n");
    for (head, kind) in [
        (unknown_key, "UnrecognizedClientException"),
        (no_auth, "ForbiddenException"),
    ] {
        let mut sock = TcpStream::connect(addr).await.expect("connect");
        sock.write_all(head.as_bytes()).await.expect("write");
        let answer = tokio::time::timeout(Duration::from_secs(5), until_closed(&mut sock))
            .await
            .expect("answered (and closed) without waiting for the body");
        let answer = parse_response(&answer).expect("an answer");
        assert!(answer.status >= 400, "{answer:?}");
        assert!(
            answer
                .error_type()
                .is_some_and(|t| t.contains(kind) || t.contains("Signature")),
            "{answer:?}"
        );
    }
    svc.shutdown().await.expect("shutdown");
}

/// The body deadline is a total: a byte every 100 ms does not keep a body
/// of 100 bytes alive past the 500 ms body timeout.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dripping_body_fails_at_the_total_body_deadline() {
    let limits = service::server::Limits {
        max_connections: 16,
        header_timeout: Duration::from_secs(30),
        body_timeout: Duration::from_millis(500),
    };
    let svc = service::start(ServiceConfig::empty().with_limits(limits))
        .await
        .expect("service starts");
    let addr = svc.addr();
    let body = format!("{{\"Name\": \"Drip\"{}}}", " ".repeat(84));
    assert_eq!(body.len(), 100);
    let sock = TcpStream::connect(addr).await.expect("connect");
    let (mut r, mut w) = sock.into_split();
    let head = signed_head(addr, "POST", "/accounts", body.as_bytes(), body.len());
    let started = std::time::Instant::now();
    w.write_all(&head).await.expect("write");
    let drip = tokio::spawn(async move {
        for b in body.as_bytes() {
            if w.write_all(&[*b]).await.is_err() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    });
    let mut answer = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(5), r.read_to_end(&mut answer)).await;
    let elapsed = started.elapsed();
    drip.abort();
    assert!(read.is_ok(), "not answered within 5 s");
    let answer = parse_response(&answer).expect("an answer");
    assert_eq!(answer.status, 400, "{answer:?}");
    assert!(
        s(&answer.json()["Message"]).contains("stalled"),
        "{answer:?}"
    );
    assert!(elapsed < Duration::from_secs(3), "{elapsed:?}");
    let listed = call(&svc, &Signer::example(), "GET", "/accounts", "").await;
    assert_eq!(listed.json()["Accounts"], serde_json::json!([]));
    svc.shutdown().await.expect("shutdown");
}

/// At the connection cap with every slot held by a slow body (a signed head,
/// then 10 of its 100 bytes; body and header timeouts of a minute), a new
/// request is served: the connection reading a body the longest is closed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn at_the_cap_the_slowest_body_is_closed_for_a_new_request() {
    let limits = service::server::Limits {
        max_connections: 4,
        header_timeout: Duration::from_secs(60),
        body_timeout: Duration::from_secs(60),
    };
    let svc = service::start(ServiceConfig::empty().with_limits(limits))
        .await
        .expect("service starts");
    let addr = svc.addr();
    let body = format!("{{\"Name\": \"Slow\"{}}}", " ".repeat(84));
    let mut slow = Vec::new();
    for _ in 0..4 {
        let mut sock = TcpStream::connect(addr).await.expect("connect");
        let mut req = signed_head(addr, "POST", "/accounts", body.as_bytes(), body.len());
        req.extend_from_slice(&body.as_bytes()[..10]);
        sock.write_all(&req).await.expect("write");
        slow.push(sock);
    }
    let deadline = std::time::Instant::now() + Duration::from_secs(15);
    let answer = loop {
        let headers = Signer::example().headers(&addr.to_string(), "GET", "/accounts", b"");
        let tried = tokio::time::timeout(
            Duration::from_secs(2),
            send(addr, "GET", "/accounts", &headers, b""),
        )
        .await;
        if let Ok(Some(answer)) = tried {
            break answer;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no answer while the slow bodies are held"
        );
    };
    assert_eq!(answer.status, 200, "{answer:?}");
    // The first slow body (the longest reading) was closed without an answer.
    let first = tokio::time::timeout(Duration::from_secs(5), until_closed(&mut slow[0]))
        .await
        .expect("the slowest body's connection is closed");
    assert!(first.is_empty(), "{first:?}");
    drop(slow);
    svc.shutdown().await.expect("shutdown");
}

/// `serve` under `ulimit -n 128` with `--max-connections 16` and a header
/// timeout of 10 minutes (so no timeout frees a slot): 200 idle sockets, more
/// than the cap and than the fds the process may open, are held while a
/// signed request is sent; it is answered, and `accept` never ran out of fds.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_signed_request_is_answered_while_more_idle_sockets_than_the_cap_are_held() {
    const IDLE: usize = 200;
    let serve = Serve::builder()
        .args(&["--empty", "--max-connections", "16"])
        .args(&["--header-timeout-ms", "600000"])
        .start_in_shell("ulimit -n 128");
    let addr: SocketAddr = serve
        .url
        .strip_prefix("http://")
        .and_then(|a| a.parse().ok())
        .expect("an address");
    let mut held = Vec::with_capacity(IDLE);
    for _ in 0..IDLE {
        held.push(TcpStream::connect(addr).await.expect("connect"));
    }
    let started = std::time::Instant::now();
    let headers = Signer::example().headers(&addr.to_string(), "GET", "/accounts", b"");
    let answer = send(addr, "GET", "/accounts", &headers, b"")
        .await
        .expect("an answer while the idle sockets are held");
    let elapsed = started.elapsed();
    assert_eq!(answer.status, 200, "{answer:?}");
    eprintln!(
        "with {IDLE} idle sockets held (cap 16, ulimit -n 128): answered in {:.1} ms",
        elapsed.as_secs_f64() * 1000.0
    );
    drop(held);
    let log = std::fs::read_to_string(serve.log_file()).expect("serve's log");
    assert!(!log.contains("Too many open files"), "{log}");
    assert!(log.contains("connection limit reached"), "{log}");
    assert_eq!(serve.terminate(), Some(0));
}

/// With `CHIME_ADMIN_LOG=trace`, `users --email` and the service log every
/// library's events down to trace, and still no email: neither as typed nor
/// URL-encoded as in the query string.
#[test]
fn no_email_in_the_logs_even_at_trace() {
    let serve = Serve::builder().env("CHIME_ADMIN_LOG", "trace").start();
    let dir = tempfile::tempdir().expect("tempdir");
    let run = |args: &[&str]| {
        support::run_json(
            support::chime_admin_isolated(dir.path(), ("AKIDEXAMPLE", "secret"))
                .env("CHIME_ADMIN_LOG", "trace")
                .args(args)
                .args([
                    "--endpoint-url",
                    &serve.url,
                    "--output",
                    "json",
                    "--log-file",
                ])
                .arg(dir.path().join("cli.log")),
        )
    };
    let accounts = run(&["accounts", "--name", "Design"]);
    let id = s(&accounts["Accounts"][0]["AccountId"]).to_string();
    let users = run(&["users", &id]);
    let email = s(&users["Users"][3]["PrimaryEmail"]).to_string();
    let found = run(&["users", &id, "--email", &email]);
    assert_eq!(found["Users"].as_array().map(Vec::len), Some(1));

    let encoded = email.replace('@', "%40");
    let local = email.split('@').next().expect("a local part").to_string();
    let serve_log = std::fs::read_to_string(serve.log_file()).expect("serve's log");
    let cli_log = std::fs::read_to_string(dir.path().join("cli.log")).expect("the CLI's log");
    assert!(
        cli_log.contains("TRACE") || cli_log.contains("DEBUG"),
        "{cli_log}"
    );
    for (what, log) in [("serve", &serve_log), ("cli", &cli_log)] {
        let lower = log.to_lowercase();
        for needle in [&email, &encoded, &local] {
            assert!(
                !lower.contains(&needle.to_lowercase()),
                "{needle} in the {what} log"
            );
        }
    }
}

/// `--max-connections` above what `ulimit -n` leaves room for is refused at
/// start, naming the limit.
#[test]
fn a_connection_cap_above_the_fd_limit_is_refused() {
    let logs = tempfile::tempdir().expect("tempdir");
    let mut child = std::process::Command::new("sh")
        .arg("-c")
        .arg("ulimit -n 256; exec \"$0\" \"$@\"")
        .arg(env!("CARGO_BIN_EXE_chime-admin"))
        .args(["serve", "--empty", "--max-connections", "500", "--log-file"])
        .arg(logs.path().join("serve.log"))
        .envs(support::own_home(logs.path()))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("sh runs");
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Some(s) = child.try_wait().expect("try_wait") {
            break s;
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("serve started with 500 connections under ulimit -n 256");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut err = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().expect("stderr"), &mut err)
        .expect("stderr");
    assert!(!status.success());
    assert!(
        err.contains("--max-connections 500")
            && err.contains("ulimit -n 256")
            && err.contains("at most 192"),
        "{err}"
    );
}
