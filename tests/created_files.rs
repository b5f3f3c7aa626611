//! Files we create are never written through a link: a symbolic link
//! planted at the state lock, the request log or the audit log is refused
//! and its target left as it was (content and mode); a FIFO at the audit
//! path is refused at once instead of hanging the run. The real binary.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;
use support::headless::{bin, run, text};

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use support::{Serve, serve_fails};

/// A file of ours with content and loose bits, and a symbolic link to it.
struct Victim {
    path: PathBuf,
}

impl Victim {
    fn new(dir: &Path) -> Victim {
        let path = dir.join("victim.txt");
        std::fs::write(&path, "precious\n").expect("victim");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).expect("chmod");
        Victim { path }
    }

    fn link_at(&self, at: &Path) {
        std::os::unix::fs::symlink(&self.path, at).expect("symlink");
    }

    /// Its content and mode are as they were.
    fn untouched(&self) {
        assert_eq!(
            std::fs::read_to_string(&self.path).expect("victim"),
            "precious\n"
        );
        let mode = std::fs::metadata(&self.path)
            .expect("victim")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o644, "not chmod-ed");
    }
}

#[test]
fn a_symlink_at_the_state_lock_or_the_request_log_is_refused_and_its_target_untouched() {
    let dir = tempfile::tempdir().expect("tmp");
    let victim = Victim::new(dir.path());
    let db = dir.path().join("state.db");
    victim.link_at(&dir.path().join("state.db.lock"));
    let (code, err) = serve_fails(&["--empty", "--state", db.to_str().expect("utf8")]);
    assert_ne!(code, Some(0), "{err}");
    assert!(err.contains("symbolic link"), "{err}");
    victim.untouched();

    let log = dir.path().join("requests.jsonl");
    victim.link_at(&log);
    let (code, err) = serve_fails(&["--empty", "--request-log", log.to_str().expect("utf8")]);
    assert_ne!(code, Some(0), "{err}");
    assert!(err.contains("symbolic link"), "{err}");
    victim.untouched();
}

/// `update-users` with the audit log at `audit`: refused before sending,
/// quickly, with `why` on stderr.
async fn refused_audit(audit: &Path, why: &str) {
    let dir = tempfile::tempdir().expect("tmp");
    let log = dir.path().join("requests.jsonl");
    let svc = Serve::start(&["--request-log", log.to_str().expect("utf8")]);
    let cmd = |args: &[&str]| {
        let mut c = bin(dir.path(), args);
        c.args(["--endpoint-url", &svc.url, "--output", "json"]);
        c
    };
    let out = run(cmd(&["accounts", "--name", "Design Studio"])).await;
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let acc = v["Accounts"][0]["AccountId"].as_str().expect("account");
    let out = run(cmd(&["users", acc])).await;
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let id = v["Users"]
        .as_array()
        .expect("users")
        .iter()
        .find(|u| u["LicenseType"] == "Pro" && u["UserRegistrationStatus"] == "Registered")
        .and_then(|u| u["UserId"].as_str())
        .expect("a Pro user");
    let mut c = cmd(&["update-users", acc, "--license", "Basic", "--user-id", id]);
    c.arg("--audit-log").arg(audit);
    let out = tokio::time::timeout(Duration::from_secs(30), c.output())
        .await
        .expect("update-users does not hang")
        .expect("it runs");
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains(why) && err.contains("nothing was sent"),
        "{err}"
    );
    let sent = std::fs::read_to_string(&log)
        .expect("request log")
        .lines()
        .filter(|l| l.contains("BatchUpdateUser"))
        .count();
    assert_eq!(sent, 0, "nothing sent");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_symlink_at_the_audit_log_is_refused_and_nothing_is_sent() {
    let dir = tempfile::tempdir().expect("tmp");
    let victim = Victim::new(dir.path());
    let audit = dir.path().join("audit.jsonl");
    victim.link_at(&audit);
    refused_audit(&audit, "symbolic link").await;
    victim.untouched();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fifo_at_the_audit_log_is_refused_at_once() {
    let dir = tempfile::tempdir().expect("tmp");
    let audit = dir.path().join("audit.fifo");
    let made = std::process::Command::new("mkfifo")
        .arg(&audit)
        .status()
        .expect("mkfifo runs");
    assert!(made.success());
    refused_audit(&audit, "not a regular file").await;
}
