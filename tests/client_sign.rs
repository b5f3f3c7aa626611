//! The signer against the 51 requests the AWS CLI and boto3 really sent
//! (credentials AKIDEXAMPLE / secret): given the same method, path, query,
//! headers, body and time, the same `Authorization` header, byte for byte.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::SystemTime;

use aws_credential_types::Credentials;
use chime_admin::client::sign::{Unsigned, sign_request};

mod support;
use support::vectors::vectors;

#[test]
fn every_awscli_request_gets_the_same_authorization_header() {
    let creds = Credentials::new("AKIDEXAMPLE", "secret", None, None, "test");
    let mut checked = 0;
    for (n, v) in vectors().iter().enumerate() {
        let (method, raw_path, body) = (v.method.as_str(), v.raw_path.as_str(), &v.body);
        let expected = v.header("Authorization");
        let host = v.header("Host");
        let date = v.header("X-Amz-Date");
        // The region is the client's configuration: read it from the scope.
        let region = expected
            .split("Credential=")
            .nth(1)
            .and_then(|c| c.split('/').nth(2))
            .expect("scope region");
        let mut to_sign: Vec<(&str, &str)> = vec![("host", host)];
        if let Some(ct) = v.header_opt("Content-Type") {
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
            SystemTime::from(v.date()),
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
