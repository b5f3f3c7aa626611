//! Bounds on what others send us: an answer larger than 64 MiB is refused
//! with a clear error (not held in memory), and a huge id is quoted cut
//! (200 characters and a count) in the error that names it.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;
use support::headless::{bin, run, text};
use support::{Canned, Serve};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_answer_over_64_mib_is_refused_with_a_clear_error() {
    let big = format!(
        r#"{{"Accounts":[],"Pad":"{}"}}"#,
        "x".repeat(65 * 1024 * 1024)
    );
    let server = Canned::start(vec![(200, "application/json", big)]).await;
    let e = server
        .client()
        .list_accounts(None, None, None, None)
        .await
        .expect_err("refused");
    assert!(e.to_string().contains("larger than 64 MiB"), "{e}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_huge_id_is_quoted_cut_in_its_error() {
    let dir = tempfile::tempdir().expect("tmp");
    let svc = Serve::start(&[]);
    let mut c = bin(
        dir.path(),
        &["accounts", "--name", "Design Studio", "--output", "json"],
    );
    c.args(["--endpoint-url", &svc.url]);
    let v: serde_json::Value = serde_json::from_slice(&run(c).await.stdout).expect("JSON");
    let acc = v["Accounts"][0]["AccountId"].as_str().expect("account");
    let ids = dir.path().join("ids.txt");
    std::fs::write(&ids, "u".repeat(1_000_000)).expect("ids");
    let mut c = bin(
        dir.path(),
        &["update-users", acc, "--license", "Basic", "--ids-from"],
    );
    c.arg(&ids).args(["--endpoint-url", &svc.url]);
    let out = run(c).await;
    let err = text(&out.stderr);
    assert_ne!(out.status.code(), Some(0), "{err}");
    assert!(err.len() < 2_000, "{} bytes of stderr", err.len());
    assert!(err.contains("characters)"), "{err}");
}
