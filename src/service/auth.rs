//! SigV4 verification, as AWS's front door does it for `chime`: the canonical
//! request is built from the request exactly as sent (the raw path URI-encoded
//! once more, the query sorted, the signed headers, sha256 of the body), any
//! region in the scope, `X-Amz-Date` within 5 minutes of the service's clock.
//! A signed `X-Amz-Content-SHA256` (some SDKs send one) is the payload hash:
//! a hex sha256 the body must then match, or `UNSIGNED-PAYLOAD`. The keys are
//! long-term keys, so any `X-Amz-Security-Token` is an invalid token (403
//! `UnrecognizedClientException`, as AWS answers); two `Authorization` (or
//! `X-Amz-Date`, token, payload hash) headers are refused.

use chrono::{DateTime, NaiveDateTime, Utc};
use hmac::{Hmac, Mac};
use percent_encoding::percent_decode;
use sha2::{Digest, Sha256};

use crate::model::ExceptionKind;

use super::error::ApiError;

/// One accepted credential. With a session token it is temporary
/// credentials (as STS hands out): requests must carry that token.
#[derive(Clone)]
pub struct AccessKey {
    pub id: String,
    pub secret: String,
    pub read_only: bool,
    pub session_token: Option<String>,
}

impl std::fmt::Debug for AccessKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccessKey")
            .field("id", &self.id)
            .field("secret", &"<redacted>")
            .field("read_only", &self.read_only)
            .field(
                "session_token",
                &self.session_token.as_ref().map(|_| "<redacted>"),
            )
            .finish()
    }
}

/// What a key spec looks like (no error quotes the spec: it holds a secret).
const KEY_FORM: &str =
    "a key must be ID:SECRET, then optionally :read-only and :token=SESSION_TOKEN";

impl AccessKey {
    /// `ID:SECRET`, then optionally `:read-only` and `:token=SESSION_TOKEN`.
    pub fn parse(s: &str) -> anyhow::Result<Self> {
        let mut parts = s.split(':');
        let (Some(id), Some(secret)) = (parts.next(), parts.next()) else {
            anyhow::bail!(KEY_FORM);
        };
        if id.is_empty() || secret.is_empty() {
            anyhow::bail!("a key needs a non-empty ID and SECRET");
        }
        let (mut read_only, mut session_token) = (false, None);
        for part in parts {
            match (part, part.strip_prefix("token=")) {
                ("read-only", _) if !read_only => read_only = true,
                (_, Some(t)) if !t.is_empty() && session_token.is_none() => {
                    session_token = Some(t.to_string());
                }
                _ => anyhow::bail!(KEY_FORM),
            }
        }
        Ok(AccessKey {
            id: id.into(),
            secret: secret.into(),
            read_only,
            session_token,
        })
    }

    pub fn example() -> Self {
        AccessKey {
            id: "AKIDEXAMPLE".into(),
            secret: "secret".into(),
            read_only: false,
            session_token: None,
        }
    }
}

/// The parts of a request the signature covers.
pub struct SignedRequest<'a> {
    pub method: &'a str,
    /// The path as sent, still percent-encoded.
    pub raw_path: &'a str,
    /// The query as sent, without `?`.
    pub raw_query: &'a str,
    /// Every header, names in any case, in the order received.
    pub headers: &'a [(&'a str, &'a [u8])],
    pub body: &'a [u8],
}

/// How far `X-Amz-Date` may be from the service's clock.
pub const MAX_SKEW_SECS: i64 = 300;

fn invalid(msg: impl Into<String>) -> ApiError {
    ApiError::new(ExceptionKind::InvalidSignature, msg)
}

struct AuthHeader<'a> {
    key_id: &'a str,
    date: &'a str,
    region: &'a str,
    service: &'a str,
    signed_headers: &'a str,
    signature: &'a str,
}

fn parse_authorization(v: &str) -> Option<AuthHeader<'_>> {
    let rest = v.strip_prefix("AWS4-HMAC-SHA256 ")?;
    let (mut credential, mut signed, mut signature) = (None, None, None);
    for part in rest.split(',') {
        let (k, val) = part.trim().split_once('=')?;
        match k {
            "Credential" => credential = Some(val),
            "SignedHeaders" => signed = Some(val),
            "Signature" => signature = Some(val),
            _ => return None,
        }
    }
    let scope: Vec<&str> = credential?.split('/').collect();
    let [key_id, date, region, service, "aws4_request"] = scope.as_slice() else {
        return None;
    };
    Some(AuthHeader {
        key_id,
        date,
        region,
        service,
        signed_headers: signed?,
        signature: signature?,
    })
}

fn header<'a>(req: &'a SignedRequest<'_>, name: &str) -> Option<&'a [u8]> {
    req.headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| *v)
}

/// Percent-encodes everything but the unreserved characters (and `/` if asked).
fn uri_encode(bytes: &[u8], keep_slash: bool, out: &mut String) {
    for &b in bytes {
        if b.is_ascii_alphanumeric()
            || matches!(b, b'-' | b'_' | b'.' | b'~')
            || (keep_slash && b == b'/')
        {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
}

fn canonical_query(raw: &str) -> String {
    let mut pairs: Vec<(String, String)> = raw
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            let mut ek = String::new();
            let mut ev = String::new();
            uri_encode(
                &percent_decode(k.as_bytes()).collect::<Vec<u8>>(),
                false,
                &mut ek,
            );
            uri_encode(
                &percent_decode(v.as_bytes()).collect::<Vec<u8>>(),
                false,
                &mut ev,
            );
            (ek, ev)
        })
        .collect();
    pairs.sort();
    pairs
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&")
}

fn canonical_header_value(v: &[u8]) -> String {
    let s = String::from_utf8_lossy(v);
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn hmac(key: &[u8], data: &[u8]) -> Vec<u8> {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac = match Hmac::<Sha256>::new_from_slice(key) {
        Ok(m) => m,
        Err(_) => return Vec::new(),
    };
    mac.update(data);
    mac.finalize().into_bytes().to_vec()
}

/// The signature a request with these parts should carry, for the scope and
/// signed headers of `auth`; `payload_hash` is the last line of the canonical
/// request (see [`payload_hash`]).
fn signature(
    req: &SignedRequest<'_>,
    auth: &AuthHeader<'_>,
    amz_date: &str,
    payload_hash: &str,
    secret: &str,
) -> Option<String> {
    let AuthHeader {
        date: scope_date,
        region,
        service,
        signed_headers,
        ..
    } = *auth;
    let mut creq = String::with_capacity(512);
    creq.push_str(req.method);
    creq.push('\n');
    let path = if req.raw_path.is_empty() {
        "/"
    } else {
        req.raw_path
    };
    uri_encode(path.as_bytes(), true, &mut creq);
    creq.push('\n');
    creq.push_str(&canonical_query(req.raw_query));
    creq.push('\n');
    for name in signed_headers.split(';') {
        let values: Vec<String> = req
            .headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| canonical_header_value(v))
            .collect();
        if values.is_empty() {
            return None;
        }
        creq.push_str(name);
        creq.push(':');
        creq.push_str(&values.join(","));
        creq.push('\n');
    }
    creq.push('\n');
    creq.push_str(signed_headers);
    creq.push('\n');
    creq.push_str(payload_hash);

    let scope = format!("{scope_date}/{region}/{service}/aws4_request");
    let to_sign = format!(
        "AWS4-HMAC-SHA256\n{amz_date}\n{scope}\n{}",
        hex::encode(Sha256::digest(creq.as_bytes()))
    );
    let k_date = hmac(format!("AWS4{secret}").as_bytes(), scope_date.as_bytes());
    let k_region = hmac(&k_date, region.as_bytes());
    let k_service = hmac(&k_region, service.as_bytes());
    let k_signing = hmac(&k_service, b"aws4_request");
    Some(hex::encode(hmac(&k_signing, to_sign.as_bytes())))
}

/// The `X-Amz-Content-SHA256` value that stands for a body left unsigned.
pub const UNSIGNED_PAYLOAD: &str = "UNSIGNED-PAYLOAD";

/// What the canonical request's payload line is, and what the body must match.
#[derive(Debug, PartialEq)]
pub enum PayloadHash {
    /// No signed `X-Amz-Content-SHA256` (the AWS CLI, boto3): sha256 of the body.
    Body(String),
    /// A signed hex sha256 (as sent: it is signed as it is) the body must
    /// match once the signature holds.
    Declared(String),
    /// A signed `UNSIGNED-PAYLOAD`: the signature does not cover the body.
    Unsigned,
}

impl PayloadHash {
    /// The line the canonical request ends with.
    pub fn canonical(&self) -> &str {
        match self {
            PayloadHash::Body(h) | PayloadHash::Declared(h) => h,
            PayloadHash::Unsigned => UNSIGNED_PAYLOAD,
        }
    }
}

/// The payload hash as AWS takes it: a signed `X-Amz-Content-SHA256` is used
/// as it is (a 64-digit hex sha256 or `UNSIGNED-PAYLOAD`; anything else is
/// refused); without one, or with one that is not signed, sha256 of the body.
pub fn payload_hash(
    req: &SignedRequest<'_>,
    signed_headers: &[&str],
) -> Result<PayloadHash, ApiError> {
    let declared = header(req, "x-amz-content-sha256")
        .filter(|_| signed_headers.contains(&"x-amz-content-sha256"));
    let Some(value) = declared else {
        return Ok(PayloadHash::Body(hex::encode(Sha256::digest(req.body))));
    };
    let value = String::from_utf8_lossy(value).trim().to_string();
    if value == UNSIGNED_PAYLOAD {
        Ok(PayloadHash::Unsigned)
    } else if value.len() == 64 && value.bytes().all(|b| b.is_ascii_hexdigit()) {
        Ok(PayloadHash::Declared(value))
    } else {
        Err(ApiError::bad_request(
            "x-amz-content-sha256 must be the hex SHA-256 of the body or UNSIGNED-PAYLOAD",
        ))
    }
}

/// A signed hex payload hash must be the body's (AWS: 400 XAmzContentSHA256Mismatch).
fn check_body(payload: &PayloadHash, body: &[u8]) -> Result<(), ApiError> {
    let PayloadHash::Declared(declared) = payload else {
        return Ok(());
    };
    let computed = hex::encode(Sha256::digest(body));
    if computed.eq_ignore_ascii_case(declared) {
        return Ok(());
    }
    Err(ApiError::bad_request(format!(
        "XAmzContentSHA256Mismatch: the x-amz-content-sha256 header ({declared}) does not match the SHA-256 of the body received ({computed})"
    )))
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The request's `Authorization` header and the accepted key it names.
fn key_of<'r, 'k>(
    req: &'r SignedRequest<'_>,
    keys: &'k [AccessKey],
) -> Result<(&'k AccessKey, AuthHeader<'r>), ApiError> {
    // One value each for the headers the check reads: with two, which one
    // counts would be a guess (and a way round the check).
    for name in [
        "authorization",
        "x-amz-date",
        "x-amz-security-token",
        "x-amz-content-sha256",
    ] {
        let n = req
            .headers
            .iter()
            .filter(|(h, _)| h.eq_ignore_ascii_case(name))
            .count();
        if n > 1 {
            return Err(invalid(format!(
                "The request has {n} {name} headers; a signed request has at most one"
            )));
        }
    }
    let auth = header(req, "authorization")
        .and_then(|v| std::str::from_utf8(v).ok())
        .ok_or_else(|| invalid("Missing Authentication Token"))?;
    let a = parse_authorization(auth).ok_or_else(|| {
        invalid("The Authorization header is not a valid AWS4-HMAC-SHA256 header")
    })?;
    let key = keys.iter().find(|k| k.id == a.key_id).ok_or_else(|| {
        ApiError::new(
            ExceptionKind::UnrecognizedClient,
            "The security token included in the request is invalid.",
        )
    })?;
    // The token must be the key's own: none for a long-term key, exactly
    // its token for temporary credentials. Anything else is a token AWS
    // did not issue for this key, and AWS answers so.
    let token = header(req, "x-amz-security-token");
    let token_ok = match (&key.session_token, token) {
        (None, None) => true,
        (Some(expected), Some(sent)) => constant_time_eq(expected.as_bytes(), sent),
        _ => false,
    };
    if !token_ok {
        return Err(ApiError::new(
            ExceptionKind::UnrecognizedClient,
            "The security token included in the request is invalid.",
        ));
    }
    Ok((key, a))
}

/// What can be checked before the body is read: one `Authorization` header
/// of the AWS4-HMAC-SHA256 shape, naming a key we accept (with its session
/// token). A request that fails it is answered without reading its body.
pub fn precheck<'k>(
    req: &SignedRequest<'_>,
    keys: &'k [AccessKey],
) -> Result<&'k AccessKey, ApiError> {
    key_of(req, keys).map(|(key, _)| key)
}

/// Verifies the request's signature against the accepted keys at `now`.
/// Returns the key that signed it.
pub fn verify<'k>(
    req: &SignedRequest<'_>,
    keys: &'k [AccessKey],
    now: DateTime<Utc>,
) -> Result<&'k AccessKey, ApiError> {
    let (key, a) = key_of(req, keys)?;
    let token = header(req, "x-amz-security-token");
    if a.service != "chime" {
        return Err(invalid(format!(
            "Credential should be scoped to correct service: 'chime', not '{}'",
            a.service
        )));
    }
    let amz_date = header(req, "x-amz-date")
        .and_then(|v| std::str::from_utf8(v).ok())
        .ok_or_else(|| invalid("The request has no X-Amz-Date header"))?;
    let when = NaiveDateTime::parse_from_str(amz_date, "%Y%m%dT%H%M%SZ")
        .map_err(|_| invalid("X-Amz-Date is not a date like 20150830T123600Z"))?
        .and_utc();
    if !amz_date.starts_with(a.date) || a.date.len() != 8 {
        return Err(invalid("The credential's date does not match X-Amz-Date"));
    }
    if (now - when).num_seconds().abs() > MAX_SKEW_SECS {
        return Err(invalid(format!(
            "Signature expired: {amz_date} is now earlier or later than {} (5 minutes)",
            now.format("%Y%m%dT%H%M%SZ")
        )));
    }
    let names: Vec<&str> = a.signed_headers.split(';').collect();
    let lower_sorted = names.windows(2).all(|w| w[0] < w[1])
        && names
            .iter()
            .all(|n| !n.is_empty() && !n.bytes().any(|b| b.is_ascii_uppercase()));
    if !lower_sorted || !names.contains(&"host") || !names.contains(&"x-amz-date") {
        return Err(invalid(
            "SignedHeaders must be sorted lowercase names with host and x-amz-date",
        ));
    }
    if token.is_some() && !names.contains(&"x-amz-security-token") {
        return Err(invalid("x-amz-security-token must be signed"));
    }
    let payload = payload_hash(req, &names)?;
    let expected = signature(req, &a, amz_date, payload.canonical(), &key.secret)
        .ok_or_else(|| invalid("A signed header is missing from the request"))?;
    if !constant_time_eq(expected.as_bytes(), a.signature.as_bytes()) {
        return Err(invalid(
            "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.",
        ));
    }
    check_body(&payload, req.body)?;
    Ok(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_is_encoded_once_more() {
        let mut s = String::new();
        uri_encode(b"/users/u%201", true, &mut s);
        assert_eq!(s, "/users/u%25201");
    }

    #[test]
    fn query_is_decoded_reencoded_and_sorted() {
        assert_eq!(
            canonical_query("user-email=a%40b.co&max-results=5"),
            "max-results=5&user-email=a%40b.co"
        );
        assert_eq!(canonical_query("name=Team%20A"), "name=Team%20A");
        assert_eq!(canonical_query(""), "");
    }

    #[test]
    fn access_key_flag() {
        assert!(AccessKey::parse("A:B:read-only").expect("parses").read_only);
        assert!(!AccessKey::parse("A:B").expect("parses").read_only);
        let k = AccessKey::parse("A:B:token=T/x+y=:read-only").expect("parses");
        assert!(k.read_only);
        assert_eq!(k.session_token.as_deref(), Some("T/x+y="));
        assert!(!format!("{k:?}").contains("T/x"));
        assert!(AccessKey::parse("A").is_err());
        assert!(AccessKey::parse("A:B:rw").is_err());
        assert!(AccessKey::parse("A:B:token=").is_err());
        assert!(AccessKey::parse("A:B:read-only:read-only").is_err());
    }
}
