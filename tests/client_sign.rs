//! The signer against the 51 requests the AWS CLI and boto3 really sent
//! (credentials AKIDEXAMPLE / secret): given the same method, path, query,
//! headers, body and time, the same `Authorization` header, byte for byte.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_credential_types::Credentials;
use chime_admin::client::sign::{Unsigned, sign_request};

const VECTORS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../shared/reference/awscli-signed-requests.jsonl"
);

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

fn amz_date_to_time(s: &str) -> SystemTime {
    let t = chrono::NaiveDateTime::parse_from_str(s, "%Y%m%dT%H%M%SZ").expect("X-Amz-Date");
    UNIX_EPOCH + Duration::from_secs(t.and_utc().timestamp() as u64)
}

#[test]
fn every_awscli_request_gets_the_same_authorization_header() {
    let text = std::fs::read_to_string(VECTORS).expect("vectors");
    let creds = Credentials::new("AKIDEXAMPLE", "secret", None, None, "test");
    let mut checked = 0;
    for (n, line) in text.lines().enumerate() {
        let v: serde_json::Value = serde_json::from_str(line).expect("json line");
        let method = v["method"].as_str().expect("method");
        let raw_path = v["raw_path"].as_str().expect("raw_path");
        let body = v["body"].as_str().expect("body");
        let headers: Vec<(String, String)> = v["headers"]
            .as_array()
            .expect("headers")
            .iter()
            .map(|h| {
                (
                    h[0].as_str().expect("name").to_string(),
                    h[1].as_str().expect("value").to_string(),
                )
            })
            .collect();
        let expected = header(&headers, "Authorization").expect("authorization");
        let host = header(&headers, "Host").expect("host");
        let date = header(&headers, "X-Amz-Date").expect("date");
        // The region is the client's configuration: read it from the scope.
        let region = expected
            .split("Credential=")
            .nth(1)
            .and_then(|c| c.split('/').nth(2))
            .expect("scope region");
        let mut to_sign: Vec<(&str, &str)> = vec![("host", host)];
        if let Some(ct) = header(&headers, "Content-Type") {
            to_sign.push(("content-type", ct));
        }
        let url = format!("http://{host}{raw_path}");
        let signed = sign_request(
            &Unsigned {
                method,
                url: &url,
                headers: &to_sign,
                body: body.as_bytes(),
            },
            &creds,
            region,
            amz_date_to_time(date),
        )
        .expect("signs");
        assert_eq!(
            signed.get("authorization"),
            Some(expected),
            "vector {n}: {method} {raw_path}"
        );
        assert_eq!(signed.get("x-amz-date"), Some(date), "vector {n}");
        assert_eq!(signed.get("x-amz-security-token"), None);
        checked += 1;
    }
    assert_eq!(checked, 51);
}

#[test]
fn a_session_token_is_signed_and_sent() {
    let creds = Credentials::new("AKIDEXAMPLE", "secret", Some("TOKEN".into()), None, "test");
    let signed = sign_request(
        &Unsigned {
            method: "GET",
            url: "http://127.0.0.1:1/accounts",
            headers: &[("host", "127.0.0.1:1")],
            body: b"",
        },
        &creds,
        "us-east-1",
        SystemTime::now(),
    )
    .expect("signs");
    assert_eq!(signed.get("x-amz-security-token"), Some("TOKEN"));
    let auth = signed.get("authorization").expect("auth");
    assert!(
        auth.contains("SignedHeaders=host;x-amz-date;x-amz-security-token"),
        "{auth}"
    );
    // Debug shows header names only.
    let dbg = format!("{signed:?}");
    assert!(
        !dbg.contains("TOKEN") && !dbg.contains("Signature="),
        "{dbg}"
    );
}
