//! Outcomes that are not known are not "failed": a change whose answer was
//! lost after it was sent is settled by reading the users back before
//! `update-users` reports. `chime-admin serve` behind a loopback proxy
//! ([`Hostile`]) that forwards, or cuts, each request; the request log says
//! what the service really changed.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;
use support::headless::{bin, json_of as json, run};

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Output;

use serde_json::Value;
use support::{Hostile, Reply, Serve};

fn lines(path: &Path) -> Vec<Value> {
    support::headless::json_lines(path)
}

/// How many times the service changed each user (`changed_user_ids`).
fn changes(log: &Path) -> HashMap<String, usize> {
    let mut out = HashMap::new();
    for r in lines(log) {
        for id in r["changed_user_ids"].as_array().into_iter().flatten() {
            *out.entry(id.as_str().expect("id").to_string()).or_default() += 1;
        }
    }
    out
}

/// Whether a batch was seen before this request (marks it seen): the rule
/// of a proxy that lets the plan's reads through and acts on the change.
fn after_first_batch(seen: &std::sync::atomic::AtomicBool, head: &str) -> bool {
    let before = seen.load(std::sync::atomic::Ordering::SeqCst);
    if is_batch(head) {
        seen.store(true, std::sync::atomic::Ordering::SeqCst);
    }
    before
}

fn is_batch(head: &str) -> bool {
    head.starts_with("POST /accounts/")
        && head
            .split(' ')
            .nth(1)
            .is_some_and(|p| p.ends_with("/users"))
}

struct Case {
    dir: tempfile::TempDir,
    svc: Serve,
    log: PathBuf,
    account: String,
    /// Registered users with license Pro: each can become Basic.
    ids: Vec<String>,
}

impl Case {
    async fn new() -> Case {
        let dir = tempfile::tempdir().expect("tmp");
        let log = dir.path().join("requests.jsonl");
        let svc = Serve::start(&["--request-log", log.to_str().expect("utf8")]);
        let cmd = |args: &[&str]| {
            let mut c = bin(dir.path(), args);
            c.args(["--endpoint-url", &svc.url, "--output", "json"]);
            c
        };
        let accounts = json(&run(cmd(&["accounts", "--name", "Design Studio"])).await);
        let account = accounts["Accounts"][0]["AccountId"]
            .as_str()
            .expect("account")
            .to_string();
        let users = json(&run(cmd(&["users", &account])).await);
        let ids: Vec<String> = users["Users"]
            .as_array()
            .expect("users")
            .iter()
            .filter(|u| u["LicenseType"] == "Pro" && u["UserRegistrationStatus"] == "Registered")
            .take(3)
            .map(|u| u["UserId"].as_str().expect("id").to_string())
            .collect();
        assert_eq!(ids.len(), 3);
        Case {
            dir,
            svc,
            log,
            account,
            ids,
        }
    }

    fn upstream(&self) -> std::net::SocketAddr {
        self.svc
            .url
            .trim_start_matches("http://")
            .parse()
            .expect("addr")
    }

    /// `update-users` of the three users to Basic through `proxy`.
    async fn update(&self, proxy: &Hostile, audit: &Path) -> (Output, Value) {
        let mut c = bin(
            self.dir.path(),
            &[
                "update-users",
                &self.account,
                "--license",
                "Basic",
                "--output",
                "json",
            ],
        );
        for id in &self.ids {
            c.args(["--user-id", id]);
        }
        c.args(["--endpoint-url", &proxy.url()])
            .arg("--audit-log")
            .arg(audit);
        let out = run(c).await;
        let v = json(&out);
        (out, v)
    }

    async fn licenses(&self) -> Vec<String> {
        let mut c = bin(
            self.dir.path(),
            &["users", &self.account, "--output", "json"],
        );
        c.args(["--endpoint-url", &self.svc.url]);
        let v = json(&run(c).await);
        let by_id: HashMap<&str, &str> = v["Users"]
            .as_array()
            .expect("users")
            .iter()
            .map(|u| {
                (
                    u["UserId"].as_str().expect("id"),
                    u["LicenseType"].as_str().unwrap_or(""),
                )
            })
            .collect();
        self.ids
            .iter()
            .map(|id| by_id[id.as_str()].to_string())
            .collect()
    }
}

fn statuses(v: &Value) -> Vec<String> {
    v["Results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| r["Status"].as_str().expect("status").to_string())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_whose_answer_was_lost_is_read_back_and_reported_updated() {
    let case = Case::new().await;
    // The first change reaches the service and its answer is lost; every
    // later attempt is cut before the service sees it. Reads go through.
    let seen = std::sync::atomic::AtomicBool::new(false);
    let proxy = Hostile::start(Some(case.upstream()), move |_, head| {
        if !is_batch(head) {
            Reply::Forward
        } else if !after_first_batch(&seen, head) {
            Reply::ForwardThenClose
        } else {
            Reply::Close
        }
    })
    .await;
    let audit = case.dir.path().join("audit.jsonl");
    let (out, v) = case.update(&proxy, &audit).await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(statuses(&v), ["Updated"; 3]);
    assert!(
        proxy.heads().iter().filter(|h| is_batch(h)).count() > 1,
        "retried"
    );
    let changed = changes(&case.log);
    for id in &case.ids {
        assert_eq!(changed.get(id), Some(&1), "{id} changed once");
    }
    let results: Vec<Value> = lines(&audit)
        .into_iter()
        .filter(|l| l["event"] == "result")
        .collect();
    assert_eq!(results.len(), 3);
    assert!(results.iter().all(|l| l["result"] == "ok"), "{results:?}");
}

/// The change is made and its answer lost; every re-send of it then gets a
/// definite error (a 503 from a proxy). The outcome stays unknown (not
/// "failed") until the read-back settles it: the users are at the target.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_outcome_stays_unknown_when_the_resend_gets_a_503_and_is_read_back() {
    let case = Case::new().await;
    let seen = std::sync::atomic::AtomicBool::new(false);
    let proxy = Hostile::start(Some(case.upstream()), move |_, head| {
        match (after_first_batch(&seen, head), is_batch(head)) {
            (_, false) => Reply::Forward,
            (false, true) => Reply::ForwardThenClose,
            (true, true) => Reply::Json(
                503,
                r#"{"__type":"ServiceUnavailableException","Message":"proxy says no"}"#.into(),
            ),
        }
    })
    .await;
    let audit = case.dir.path().join("audit.jsonl");
    let (out, v) = case.update(&proxy, &audit).await;
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        proxy.heads().iter().filter(|h| is_batch(h)).count() > 1,
        "re-sent and refused"
    );
    assert!(out.status.success(), "{err}");
    assert_eq!(statuses(&v), ["Updated"; 3], "{err}");
    assert_eq!(case.licenses().await, ["Basic"; 3]);
    let results: Vec<Value> = lines(&audit)
        .into_iter()
        .filter(|l| l["event"] == "result")
        .collect();
    assert_eq!(results.len(), 3);
    assert!(results.iter().all(|l| l["result"] == "ok"), "{results:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_that_never_arrived_is_read_back_and_reported_failed() {
    let case = Case::new().await;
    let proxy = Hostile::start(Some(case.upstream()), |_, head| {
        if is_batch(head) {
            Reply::Close
        } else {
            Reply::Forward
        }
    })
    .await;
    let audit = case.dir.path().join("audit.jsonl");
    let (out, v) = case.update(&proxy, &audit).await;
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(statuses(&v), ["Failed"; 3]);
    let message = v["Results"][0]["ErrorMessage"].as_str().expect("message");
    assert!(
        message.starts_with("not changed (read back): "),
        "{message}"
    );
    assert!(changes(&case.log).is_empty());
    assert_eq!(case.licenses().await, ["Pro"; 3]);
    let audit = lines(&audit);
    assert!(
        audit
            .iter()
            .filter(|l| l["event"] == "result")
            .all(|l| l["result"] == "failed")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn when_the_read_back_fails_too_the_outcome_is_unknown() {
    let case = Case::new().await;
    // The plan's reads go through; the change is made, its answer lost,
    // and nothing after it gets through.
    let seen = std::sync::atomic::AtomicBool::new(false);
    let proxy = Hostile::start(Some(case.upstream()), move |_, head| {
        match (after_first_batch(&seen, head), is_batch(head)) {
            (false, false) => Reply::Forward,
            (false, true) => Reply::ForwardThenClose,
            (true, _) => Reply::Close,
        }
    })
    .await;
    let audit = case.dir.path().join("audit.jsonl");
    let (out, v) = case.update(&proxy, &audit).await;
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert_eq!(statuses(&v), ["Unknown"; 3]);
    assert_eq!(v["Unknown"], 3);
    assert!(
        err.contains("0 of 3 users updated, 0 already at the values, 0 failed, 3 unknown"),
        "{err}"
    );
    let message = v["Results"][0]["ErrorMessage"].as_str().expect("message");
    assert!(message.contains("reading it back failed"), "{message}");
    // It was in fact changed: "failed" would have been a lie.
    assert_eq!(case.licenses().await, ["Basic"; 3]);
    let results: Vec<Value> = lines(&audit)
        .into_iter()
        .filter(|l| l["event"] == "result")
        .collect();
    assert!(
        results.iter().all(|l| l["result"] == "unknown"),
        "{results:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_past_its_deadline_is_unknown_not_failed() {
    // A server that answers the plan's reads (a Pro account, a Basic user),
    // then takes the change and never answers again: the change may have
    // been made, and reading it back gets no answer either.
    let seen = std::sync::atomic::AtomicBool::new(false);
    let silent = Hostile::start(None, move |_, head| {
        if after_first_batch(&seen, head) || is_batch(head) {
            Reply::Silent
        } else if head.starts_with("GET /accounts/acc-1/users/u-1") {
            Reply::Json(
                200,
                r#"{"User":{"UserId":"u-1","AccountId":"acc-1","LicenseType":"Basic"}}"#.into(),
            )
        } else {
            Reply::Json(
                200,
                r#"{"Account":{"AwsAccountId":"111122223333","AccountId":"acc-1","Name":"A","SupportedLicenses":["Basic","Pro"]}}"#.into(),
            )
        }
    })
    .await;
    let dir = tempfile::tempdir().expect("tmp");
    let audit = dir.path().join("audit.jsonl");
    let mut c = bin(
        dir.path(),
        &[
            "update-users",
            "acc-1",
            "--license",
            "Pro",
            "--user-id",
            "u-1",
        ],
    );
    c.args([
        "--endpoint-url",
        &silent.url(),
        "--timeout",
        "0.5",
        "--output",
        "json",
    ])
    .arg("--audit-log")
    .arg(&audit);
    let out = run(c).await;
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    let v = json(&out);
    assert_eq!(statuses(&v), ["Unknown"]);
    let message = v["Results"][0]["ErrorMessage"].as_str().expect("message");
    assert!(
        message.contains("BatchUpdateUser to http://127.0.0.1:")
            && message.contains("no answer within 0.5 s")
            && message.contains("reading it back failed: GetUser to"),
        "{message}"
    );
    let heads = silent.heads();
    let batch = heads.iter().position(|h| is_batch(h)).expect("sent");
    assert!(
        heads[batch..]
            .iter()
            .any(|h| h.starts_with("GET /accounts/acc-1/users/u-1")),
        "read back after the change: {heads:?}"
    );
    let results: Vec<Value> = lines(&audit)
        .into_iter()
        .filter(|l| l["event"] == "result")
        .collect();
    assert_eq!(results.len(), 1);
    assert_eq!(results[0]["result"], "unknown");
}
