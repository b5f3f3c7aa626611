//! The record holds when things go wrong: no change is sent that its audit
//! log cannot record, results are written as each chunk's answer lands, a
//! torn line never glues itself to the next, and SIGHUP / SIGTERM end a run
//! the way SIGINT does (every user audited). The real binary against
//! `chime-admin serve` with a request log (what the service really changed).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;
use support::headless::{bin, json_of as json, run, text};

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use serde_json::Value;
use support::Serve;

/// The whole JSON lines of a file that may be mid-write.
fn whole_lines(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect()
}

/// The users the service changed (the request log's `changed_user_ids`).
fn changed(log: &Path) -> HashSet<String> {
    whole_lines(log)
        .iter()
        .flat_map(|r| {
            r["changed_user_ids"]
                .as_array()
                .cloned()
                .unwrap_or_default()
        })
        .filter_map(|id| id.as_str().map(str::to_string))
        .collect()
}

/// Each user's audit results (`result` lines), by user id.
fn audited(audit: &Path) -> HashMap<String, Vec<String>> {
    let mut out: HashMap<String, Vec<String>> = HashMap::new();
    for l in whole_lines(audit) {
        if l["event"] == "result" {
            out.entry(l["user_id"].as_str().expect("user_id").to_string())
                .or_default()
                .push(l["result"].as_str().expect("result").to_string());
        }
    }
    out
}

struct Fixture {
    dir: tempfile::TempDir,
    svc: Serve,
    log: PathBuf,
}

impl Fixture {
    fn new(extra: &[&str]) -> Fixture {
        let dir = tempfile::tempdir().expect("tmp");
        let log = dir.path().join("requests.jsonl");
        let mut args = vec!["--request-log", log.to_str().expect("utf8")];
        args.extend_from_slice(extra);
        let svc = Serve::start(&args);
        Fixture { dir, svc, log }
    }

    fn cmd(&self, args: &[&str]) -> tokio::process::Command {
        let mut c = bin(self.dir.path(), args);
        c.args(["--endpoint-url", &self.svc.url]);
        c
    }

    /// Example Corp's id and `n` of its users that can become Basic
    /// (registered, not suspended, not Basic), in an `--ids-from` file.
    async fn users(&self, n: usize) -> (String, Vec<String>, PathBuf) {
        let out = run(self.cmd(&["accounts", "--name", "Example Corp", "--output", "json"])).await;
        let acc = json(&out)["Accounts"][0]["AccountId"]
            .as_str()
            .expect("an account")
            .to_string();
        let out = run(self.cmd(&["users", &acc, "--output", "json"])).await;
        let ids: Vec<String> = json(&out)["Users"]
            .as_array()
            .expect("users")
            .iter()
            .filter(|u| u["UserRegistrationStatus"] != "Suspended" && u["LicenseType"] != "Basic")
            .take(n)
            .map(|u| u["UserId"].as_str().expect("id").to_string())
            .collect();
        assert_eq!(ids.len(), n);
        let list = self.dir.path().join(format!("ids-{n}.txt"));
        std::fs::write(&list, ids.join("\n")).expect("ids");
        (acc, ids, list)
    }

    /// `update-users ACC --ids-from LIST --license Basic --audit-log AUDIT`.
    fn update(&self, acc: &str, list: &Path, audit: &Path) -> tokio::process::Command {
        let mut c = self.cmd(&[
            "update-users",
            acc,
            "--license",
            "Basic",
            "--output",
            "json",
        ]);
        c.arg("--ids-from").arg(list).arg("--audit-log").arg(audit);
        c
    }

    fn batches_sent(&self) -> usize {
        whole_lines(&self.log)
            .iter()
            .filter(|r| r["operation"] == "BatchUpdateUser")
            .count()
    }
}

/// A tmpfs of 16 KiB (four pages) mounted for one test, unmounted on drop.
/// Root only: None (the test says it is skipped) where `mount` is refused.
struct Tmpfs {
    path: PathBuf,
}

impl Tmpfs {
    fn mount(path: PathBuf) -> Option<Tmpfs> {
        std::fs::create_dir_all(&path).expect("mount point");
        let ok = Command::new("mount")
            .args(["-t", "tmpfs", "-o", "size=16k,mode=0700", "tmpfs"])
            .arg(&path)
            .stderr(std::process::Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        ok.then_some(Tmpfs { path })
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.path).status();
    }
}

/// The `send` line cannot be written (the audit path is a directory; the
/// disk is full): nothing is sent, the run says so, exit non-zero.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_audit_log_that_cannot_be_written_stops_the_change_before_anything_is_sent() {
    let f = Fixture::new(&[]);
    let (acc, _, list) = f.users(32).await;
    let dir_audit = f.dir.path().join("audit-is-a-dir");
    std::fs::create_dir_all(&dir_audit).expect("a directory");
    let out = run(f.update(&acc, &list, &dir_audit)).await;
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("the audit log cannot be written") && err.contains("nothing was sent"),
        "{err}"
    );
    assert_eq!(f.batches_sent(), 0, "nothing sent");

    let Some(fs) = Tmpfs::mount(f.dir.path().join("full")) else {
        eprintln!("skipped the full-disk half: mount needs root");
        return;
    };
    std::fs::write(fs.path.join("filler"), vec![0u8; 16 * 1024]).expect("fill the disk");
    let audit = fs.path.join("audit.jsonl");
    let out = run(f.update(&acc, &list, &audit)).await;
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("No space left on device"), "{err}");
    assert!(err.contains("nothing was sent"), "{err}");
    assert_eq!(f.batches_sent(), 0, "nothing sent on a full disk");
}

/// The `send` line fits but the results do not (one page left on a tiny
/// tmpfs): the run stops sending after the chunk whose results could not be
/// written, says so on stderr and exits non-zero. Once there is room, the
/// next run's lines start on a fresh line: the torn one spoils only itself.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn results_that_cannot_be_written_stop_the_run_loudly_and_a_torn_line_spoils_only_itself() {
    let f = Fixture::new(&[]);
    let (acc, ids, _) = f.users(205).await;
    let Some(fs) = Tmpfs::mount(f.dir.path().join("full")) else {
        eprintln!("skipped: mount needs root");
        return;
    };
    // Three of the four pages taken: the audit log gets one (4 KiB), room
    // for the `send` line and a few results, not a chunk's 20.
    let filler = fs.path.join("filler");
    std::fs::write(&filler, vec![0u8; 12 * 1024]).expect("fill the disk");
    let audit = fs.path.join("audit.jsonl");
    let first = f.dir.path().join("first.txt");
    std::fs::write(&first, ids[..200].join("\n")).expect("ids");
    let mut c = f.update(&acc, &first, &audit);
    c.args(["--concurrency", "1"]);
    let out = run(c).await;
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("could not be written to the audit log") && err.contains("No space left"),
        "{err}"
    );
    // One chunk at a time: the first one's results could not be written,
    // so no other chunk was sent.
    assert_eq!(f.batches_sent(), 1, "{err}");
    assert_eq!(changed(&f.log).len(), 20);
    let raw = std::fs::read_to_string(&audit).expect("audit");
    assert!(!raw.ends_with('\n'), "the disk filled mid-line: {raw:?}");

    std::fs::remove_file(&filler).expect("room again");
    let second = f.dir.path().join("second.txt");
    std::fs::write(&second, ids[200..].join("\n")).expect("ids");
    let out = run(f.update(&acc, &second, &audit)).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    let raw = std::fs::read_to_string(&audit).expect("audit");
    let lines: Vec<&str> = raw.lines().collect();
    let broken: Vec<usize> = (0..lines.len())
        .filter(|&i| serde_json::from_str::<Value>(lines[i]).is_err())
        .collect();
    assert_eq!(broken.len(), 1, "only the torn line: {lines:?}");
    // The second run's send and its 5 results follow, each whole.
    let after: Vec<Value> = lines[broken[0] + 1..]
        .iter()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect();
    assert_eq!(after.len(), 6, "{after:?}");
    assert_eq!(after[0]["event"], "send");
    assert!(after[1..].iter().all(|l| l["result"] == "ok"));
}

/// `update-users` of `n` users, one chunk in flight at a time against a
/// service answering in 50 ms, sent `signal` once the service has changed
/// `at_least` users. Returns the users changed, the audit's results per user
/// and the run's output.
async fn stopped_mid_run(
    signal: &str,
) -> (
    HashSet<String>,
    HashMap<String, Vec<String>>,
    Vec<String>,
    Output,
) {
    let f = Fixture::new(&["--latency-ms", "50"]);
    let (acc, ids, list) = f.users(2000).await;
    let audit = f.dir.path().join("audit.jsonl");
    let mut c = f.update(&acc, &list, &audit);
    c.args(["--concurrency", "2"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let child = c.spawn().expect("update-users runs");
    let pid = child.id().expect("its pid");
    let deadline = Instant::now() + Duration::from_secs(60);
    while changed(&f.log).len() < 300 {
        assert!(Instant::now() < deadline, "the run did not get going");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let status = Command::new("kill")
        .args([&format!("-{signal}"), &pid.to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success());
    let out = tokio::time::timeout(Duration::from_secs(60), child.wait_with_output())
        .await
        .expect("it ends")
        .expect("its output");
    (changed(&f.log), audited(&audit), ids, out)
}

fn check_stopped(
    signal: &str,
    run: (
        HashSet<String>,
        HashMap<String, Vec<String>>,
        Vec<String>,
        Output,
    ),
) {
    let (changed, audited, ids, out) = run;
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains(&format!("{signal}: finishing")), "{err}");
    let ok: HashSet<String> = audited
        .iter()
        .filter(|(_, r)| r.as_slice() == ["ok"])
        .map(|(id, _)| id.clone())
        .collect();
    eprintln!(
        "{signal} mid-run: {} users changed, {} audited ok, {} audit result lines",
        changed.len(),
        ok.len(),
        audited.values().map(Vec::len).sum::<usize>()
    );
    assert!(changed.len() < ids.len(), "stopped before the end");
    assert_eq!(
        ok, changed,
        "every user changed is audited ok, and only those"
    );
    // Every user once: the rest not sent.
    assert_eq!(audited.len(), ids.len());
    for id in &ids {
        let want: &[&str] = if changed.contains(id) {
            &["ok"]
        } else {
            &["not_sent"]
        };
        assert_eq!(audited[id], want, "{id}");
    }
    let v = json(&out);
    assert_eq!(v["Updated"], changed.len());
    assert_eq!(v["NotSent"], ids.len() - changed.len());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sighup_mid_run_stops_sending_and_audits_every_user() {
    check_stopped("SIGHUP", stopped_mid_run("HUP").await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigint_mid_run_stops_sending_and_audits_every_user() {
    check_stopped("interrupted", stopped_mid_run("INT").await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_mid_run_stops_sending_and_audits_every_user() {
    check_stopped("SIGTERM", stopped_mid_run("TERM").await);
}

/// Killed outright (SIGKILL: nothing can be done then), the audit still
/// holds the result of every chunk whose answer had landed: results are
/// written as they come, not at the end.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn results_are_in_the_audit_as_each_chunk_lands() {
    let (changed, audited, _, _) = stopped_mid_run("KILL").await;
    let ok: HashSet<&String> = audited.keys().collect();
    assert!(audited.values().all(|r| r.as_slice() == ["ok"]));
    assert!(
        ok.iter().all(|id| changed.contains(*id)),
        "only changed users"
    );
    // At most the two chunks in flight (20 users each) are missing.
    assert!(
        ok.len() + 40 >= changed.len() && !ok.is_empty(),
        "{} audited of {} changed",
        ok.len(),
        changed.len()
    );
}
