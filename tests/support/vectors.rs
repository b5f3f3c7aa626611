//! The 51 requests the AWS CLI and boto3 really signed with AKIDEXAMPLE /
//! secret (`../shared/reference/awscli-signed-requests.jsonl`): test vectors
//! for the signer and for the service's verifier.

use chrono::{DateTime, NaiveDateTime, Utc};
use serde_json::Value;

/// One recorded request, as sent.
pub struct Vector {
    pub method: String,
    pub raw_path: String,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

/// Every vector, in the file's order.
pub fn vectors() -> Vec<Vector> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/reference/awscli-signed-requests.jsonl");
    let text = std::fs::read_to_string(&path).expect("the vectors file beside the repository");
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let v: Value = serde_json::from_str(l).expect("a JSON line");
            Vector {
                method: v["method"].as_str().expect("method").into(),
                raw_path: v["raw_path"].as_str().expect("raw_path").into(),
                headers: v["headers"]
                    .as_array()
                    .expect("headers")
                    .iter()
                    .map(|h| {
                        (
                            h[0].as_str().expect("name").to_string(),
                            h[1].as_str().expect("value").to_string(),
                        )
                    })
                    .collect(),
                body: v["body"].as_str().expect("body").into(),
            }
        })
        .collect()
}

impl Vector {
    /// A header's value (any case), if sent.
    pub fn header_opt(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// A header that every vector has.
    pub fn header(&self, name: &str) -> &str {
        self.header_opt(name).expect("header present")
    }

    /// When it was signed (`X-Amz-Date`).
    pub fn date(&self) -> DateTime<Utc> {
        NaiveDateTime::parse_from_str(self.header("X-Amz-Date"), "%Y%m%dT%H%M%SZ")
            .expect("X-Amz-Date")
            .and_utc()
    }

    /// The headers with `name`'s value replaced by `f(value)`.
    pub fn with_header(&self, name: &str, f: impl Fn(&str) -> String) -> Vec<(String, String)> {
        self.headers
            .iter()
            .map(|(n, v)| {
                if n.eq_ignore_ascii_case(name) {
                    (n.clone(), f(v))
                } else {
                    (n.clone(), v.clone())
                }
            })
            .collect()
    }
}
