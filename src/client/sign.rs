//! SigV4 signing for service `chime`, with `aws-sigv4`: the one place that
//! signs. Given the same method, URL, headers, body, credentials and time it
//! produces the same `Authorization` header as the AWS CLI (botocore).

use std::time::SystemTime;

use aws_credential_types::Credentials;
use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
use aws_sigv4::sign::v4;
use aws_smithy_runtime_api::client::identity::Identity;

/// The signing name of the Chime API.
pub const SIGNING_NAME: &str = "chime";

/// One request as it goes on the wire, before signing.
#[derive(Debug)]
pub struct Unsigned<'a> {
    pub method: &'a str,
    /// Full URL, path and query already percent-encoded as sent.
    pub url: &'a str,
    /// Headers to sign besides `x-amz-date`: `host`, and `content-type` with a body.
    pub headers: &'a [(&'a str, &'a str)],
    pub body: &'a [u8],
}

/// The headers signing adds: `x-amz-date`, `authorization` and, with a
/// session token, `x-amz-security-token`. Values are secrets in part: never log them.
pub struct SignedHeaders(pub Vec<(&'static str, String)>);

impl std::fmt::Debug for SignedHeaders {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<&str> = self.0.iter().map(|(n, _)| *n).collect();
        write!(f, "SignedHeaders({names:?})")
    }
}

impl SignedHeaders {
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Signs `req` for `region` at `time`. Errors are messages without secrets.
pub fn sign_request(
    req: &Unsigned<'_>,
    credentials: &Credentials,
    region: &str,
    time: SystemTime,
) -> Result<SignedHeaders, String> {
    let identity: Identity = credentials.clone().into();
    // botocore: path double-encoded, dot segments removed, no
    // x-amz-content-sha256 header, session token signed.
    let settings = SigningSettings::default();
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region(region)
        .name(SIGNING_NAME)
        .time(time)
        .settings(settings)
        .build()
        .map_err(|e| format!("signing parameters: {e}"))?
        .into();
    let signable = SignableRequest::new(
        req.method,
        req.url,
        req.headers.iter().copied(),
        SignableBody::Bytes(req.body),
    )
    .map_err(|e| format!("cannot sign request: {e}"))?;
    let (instructions, _signature) = sign(signable, &params)
        .map_err(|e| format!("cannot sign request: {e}"))?
        .into_parts();
    let (headers, _params) = instructions.into_parts();
    Ok(SignedHeaders(
        headers
            .into_iter()
            .map(|h| (h.name(), h.value().to_string()))
            .collect(),
    ))
}
