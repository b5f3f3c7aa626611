//! The headless `update-users` keeps the console's safety rails: it refuses
//! under `--read-only` (flag or config) before any request, writes the audit
//! log, previews with `--dry-run` (reads only), and reads `--ids-from` files
//! the tool itself wrote. The real binary against `chime-admin serve` (with
//! a request log) or a hostile server on 127.0.0.1.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;
use chime_admin::text::thousands;
use support::headless::{bin, json_of as json, run, text};

use std::path::{Path, PathBuf};

use serde_json::Value;
use support::{Hostile, Reply, Serve};

/// The request log's lines.
fn requests(log: &Path) -> Vec<Value> {
    support::headless::json_lines(log)
}

struct Fixture {
    dir: tempfile::TempDir,
    svc: Serve,
    log: PathBuf,
}

impl Fixture {
    fn new() -> Fixture {
        let dir = tempfile::tempdir().expect("tmp");
        let log = dir.path().join("requests.jsonl");
        let svc = Serve::start(&["--request-log", log.to_str().expect("utf8")]);
        Fixture { dir, svc, log }
    }

    fn cmd(&self, args: &[&str]) -> tokio::process::Command {
        let mut c = bin(self.dir.path(), args);
        c.args(["--endpoint-url", &self.svc.url]);
        c
    }

    async fn account(&self, name: &str) -> String {
        let out = run(self.cmd(&["accounts", "--name", name, "--output", "json"])).await;
        json(&out)["Accounts"][0]["AccountId"]
            .as_str()
            .expect("an account")
            .to_string()
    }

    async fn users(&self, account: &str) -> Vec<Value> {
        let out = run(self.cmd(&["users", account, "--output", "json"])).await;
        json(&out)["Users"].as_array().expect("users").clone()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn read_only_refuses_update_users_before_any_request() {
    let dir = tempfile::tempdir().expect("tmp");
    // A service that answers the plan's reads (the user is Basic) and the change.
    let server = Hostile::start(None, |_, head| {
        if head.starts_with("GET /accounts/acc-1/users/u-1 ") {
            Reply::Json(
                200,
                r#"{"User":{"UserId":"u-1","LicenseType":"Basic"}}"#.into(),
            )
        } else if head.starts_with("GET /accounts/acc-1 ") {
            Reply::Json(
                200,
                r#"{"Account":{"AwsAccountId":"1","AccountId":"acc-1","Name":"A"}}"#.into(),
            )
        } else {
            Reply::Json(200, r#"{"UserErrors":[]}"#.into())
        }
    })
    .await;
    let change = [
        "update-users",
        "acc-1",
        "--license",
        "Plus",
        "--user-id",
        "u-1",
        "--endpoint-url",
    ];
    // The flag.
    let mut c = bin(dir.path(), &["--read-only"]);
    c.args(change).arg(server.url());
    let out = run(c).await;
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("refused: read-only (--read-only)"), "{err}");
    // The config file's key.
    let config = dir.path().join(".config/chime-admin/config.toml");
    std::fs::create_dir_all(config.parent().expect("dir")).expect("mkdir");
    std::fs::write(&config, "read_only = true\n").expect("config");
    let mut c = bin(dir.path(), &change);
    c.arg(server.url());
    let out = run(c).await;
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains(&format!("read_only = true in {}", config.display())),
        "{err}"
    );
    assert!(server.heads().is_empty(), "sent: {:?}", server.heads());
    // Without it the same command is sent.
    let mut c = bin(dir.path(), &change);
    c.arg(server.url()).arg("--ignore-config");
    let out = run(c).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    let posts = server
        .heads()
        .iter()
        .filter(|h| h.starts_with("POST "))
        .count();
    assert_eq!(posts, 1, "{:?}", server.heads());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn update_users_writes_the_audit_log_with_request_ids_and_no_emails() {
    let f = Fixture::new();
    let acc = f.account("Design Studio").await;
    let users = f.users(&acc).await;
    let ids: Vec<&str> = users
        .iter()
        .filter(|u| u["LicenseType"] != "Basic" && u["UserRegistrationStatus"] != "Suspended")
        .take(3)
        .map(|u| u["UserId"].as_str().expect("id"))
        .collect();
    assert_eq!(ids.len(), 3);
    let emails: Vec<&str> = users
        .iter()
        .filter_map(|u| u["PrimaryEmail"].as_str())
        .collect();
    let mut args = vec![
        "update-users",
        &acc,
        "--license",
        "Basic",
        "--output",
        "json",
    ];
    for id in &ids {
        args.extend(["--user-id", id]);
    }
    args.extend(["--user-id", "no-such-user"]);
    // The default path: $XDG_STATE_HOME/chime-admin/audit.jsonl.
    let out = run(f.cmd(&args)).await;
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let default = f.dir.path().join(".local/state/chime-admin/audit.jsonl");
    let lines: Vec<Value> = std::fs::read_to_string(&default)
        .expect("the default audit log")
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON"))
        .collect();
    // The send line and one result per user sent; the id the account lacks
    // is counted, never sent.
    assert_eq!(lines.len(), 4, "{lines:?}");
    assert_eq!(lines[0]["event"], "send");
    assert_eq!(lines[0]["operation"], "BatchUpdateUser");
    assert_eq!(lines[0]["account_id"], acc.as_str());
    assert_eq!(lines[0]["users"], 3);
    assert_eq!(lines[0]["not_found"], 1);
    assert!(lines[0]["change"].as_str().is_some_and(|c| c.len() == 26));
    let served: Vec<String> = requests(&f.log)
        .iter()
        .filter(|r| r["operation"] == "BatchUpdateUser")
        .map(|r| r["request_id"].as_str().expect("id").to_string())
        .collect();
    assert_eq!(served.len(), 1);
    for (line, id) in lines[1..].iter().zip(&ids) {
        assert_eq!(line["event"], "result");
        assert_eq!(line["change"], lines[0]["change"]);
        assert_eq!(line["user_id"], *id);
        assert_eq!(line["result"], "ok");
        assert_eq!(line["request_id"], served[0].as_str(), "{line}");
        // `from`: the value read before sending, as the listing had it.
        let before = users.iter().find(|u| u["UserId"] == *id).expect("user");
        assert_eq!(line["changes"][0]["from"], before["LicenseType"], "{line}");
        assert_eq!(line["changes"][0]["to"], "Basic", "{line}");
    }
    let raw = std::fs::read_to_string(&default).expect("audit");
    for e in &emails {
        assert!(!raw.contains(e), "an email in the audit log");
    }
    // --audit-log FILE (back to Pro: they are all Basic now).
    let file = f.dir.path().join("elsewhere/audit.jsonl");
    let args: Vec<&str> = args
        .iter()
        .map(|a| if *a == "Basic" { "Pro" } else { a })
        .collect();
    let mut c = f.cmd(&args);
    c.arg("--audit-log").arg(&file);
    run(c).await;
    let n = std::fs::read_to_string(&file)
        .expect("--audit-log")
        .lines()
        .count();
    assert_eq!(n, 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dry_run_previews_with_reads_only_and_changes_nothing() {
    let f = Fixture::new();
    let acc = f.account("Example Corp").await;
    let before = f.users(&acc).await;
    let count = |l: &str| {
        before
            .iter()
            .filter(|u| u["LicenseType"].as_str() == Some(l))
            .count()
    };
    let (pro, basic, plus) = (count("Pro"), count("Basic"), count("Plus"));
    assert!(pro > 0 && basic + plus > 0, "a mixed account");
    let out = run(f.cmd(&[
        "update-users",
        &acc,
        "--all",
        "--license",
        "Pro",
        "--dry-run",
    ]))
    .await;
    let table = text(&out.stdout);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        table.starts_with(&format!(
            "Dry run, nothing sent: {} of {} users of account {acc} would change.",
            thousands(basic + plus),
            thousands(before.len())
        )),
        "{table}"
    );
    if basic > 0 {
        let s = if basic == 1 { "user" } else { "users" };
        assert!(
            table.contains(&format!("License Basic → Pro for {} {s}", thousands(basic))),
            "{table}"
        );
    }
    assert!(
        table.contains(&format!(
            "{} already at the values, 0 not found",
            thousands(pro)
        )),
        "{table}"
    );
    assert!(
        table.contains("UserId") && table.contains("→ Pro"),
        "{table}"
    );
    // JSON: every change, and an id that does not exist is named.
    let mut args = vec!["update-users", &acc, "--license", "Pro", "--dry-run"];
    let first = before[0]["UserId"].as_str().expect("id");
    args.extend([
        "--user-id",
        first,
        "--user-id",
        "no-such-user",
        "--output",
        "json",
    ]);
    let v = json(&run(f.cmd(&args)).await);
    assert_eq!(v["DryRun"], true);
    assert_eq!(v["NotFound"], serde_json::json!(["no-such-user"]));
    // Only reads were sent, and nothing changed.
    let ops: Vec<String> = requests(&f.log)
        .iter()
        .map(|r| r["operation"].as_str().unwrap_or("").to_string())
        .collect();
    assert!(
        ops.iter().all(|o| matches!(
            o.as_str(),
            "ListAccounts" | "ListUsers" | "GetUser" | "GetAccount"
        )),
        "{ops:?}"
    );
    assert!(ops.iter().any(|o| o == "GetUser"), "{ops:?}");
    assert_eq!(f.users(&acc).await, before);
    // A dry run is allowed under --read-only: it only reads.
    let mut c = f.cmd(&[
        "--read-only",
        "update-users",
        &acc,
        "--all",
        "--license",
        "Pro",
    ]);
    c.arg("--dry-run");
    assert!(run(c).await.status.success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ids_from_reads_the_csv_files_the_tool_writes() {
    let f = Fixture::new();
    let acc = f.account("Design Studio").await;
    let ids: Vec<String> = f
        .users(&acc)
        .await
        .iter()
        .map(|u| u["UserId"].as_str().expect("id").to_string())
        .collect();
    // `users --output csv` → --ids-from.
    let out = run(f.cmd(&["users", &acc, "--output", "csv"])).await;
    let users_csv = f.dir.path().join("users.csv");
    std::fs::write(&users_csv, &out.stdout).expect("write");
    let update = |file: &Path, format: &str| {
        f.cmd(&[
            "update-users",
            &acc,
            "--license",
            "Basic",
            "--ids-from",
            file.to_str().expect("utf8"),
            "--output",
            format,
        ])
    };
    // (Some users are suspended: Conflict. Every id not already Basic is sent.)
    let out = run(update(&users_csv, "csv")).await;
    assert!(
        text(&out.stderr).contains(&format!("of {} users updated", ids.len())),
        "{}",
        text(&out.stderr)
    );
    let results_csv = f.dir.path().join("results.csv");
    std::fs::write(&results_csv, &out.stdout).expect("write");
    // The result CSV → --ids-from: the same users, in the same order.
    let v = json(&run(update(&results_csv, "json")).await);
    let sent: Vec<&str> = v["Results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| r["UserId"].as_str().expect("id"))
        .collect();
    assert_eq!(sent, ids);
    let n = |k: &str| v[k].as_u64().expect("a count") as usize;
    assert_eq!(n("Failed"), sent.len() - n("Updated") - n("Already"));
    let batches = || {
        requests(&f.log)
            .iter()
            .filter(|r| r["operation"] == "BatchUpdateUser")
            .count()
    };
    let expected = batches();
    // A neutralised cell is read back as the value that was written.
    let odd = f.dir.path().join("odd.csv");
    std::fs::write(&odd, "UserId,Status\n'=SUM(A1),Failed\n").expect("write");
    let v = json(&run(update(&odd, "json")).await);
    assert_eq!(v["Results"][0]["UserId"], "=SUM(A1)");
    assert_eq!(v["Results"][0]["Status"], "NotFound");
    // Never a header sent as an id, and an id the account lacks never sent.
    assert_eq!(batches(), expected);
    // A CSV without a UserId column is refused before any request.
    let bad = f.dir.path().join("bad.csv");
    std::fs::write(&bad, "Email,Name\na@example.com,A\n").expect("write");
    let out = run(update(&bad, "json")).await;
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("UserId"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(batches(), expected);
}

/// Two `update-users` at once, one audit log: every line is whole JSON,
/// each process's users are audited once under its own batch, and nobody's
/// lines are lost (appends, never a rewrite).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_append_to_one_audit_log_without_losing_or_mixing_lines() {
    let f = Fixture::new();
    let acc = f.account("Example Corp").await;
    let users = f.users(&acc).await;
    let ids: Vec<&str> = users
        .iter()
        .filter(|u| u["UserRegistrationStatus"] != "Suspended" && u["LicenseType"] != "Basic")
        .take(800)
        .map(|u| u["UserId"].as_str().expect("id"))
        .collect();
    assert_eq!(ids.len(), 800);
    let audit = f.dir.path().join("shared-audit.jsonl");
    let halves = [&ids[..400], &ids[400..]];
    let cmd = |half: &[&str], name: &str| {
        let list = f.dir.path().join(name);
        std::fs::write(&list, half.join("\n")).expect("ids");
        let mut c = f.cmd(&["update-users", &acc, "--license", "Basic"]);
        c.arg("--ids-from")
            .arg(&list)
            .arg("--audit-log")
            .arg(&audit);
        c
    };
    let (a, b) = tokio::join!(run(cmd(halves[0], "a.txt")), run(cmd(halves[1], "b.txt")));
    assert!(a.status.success(), "{}", text(&a.stderr));
    assert!(b.status.success(), "{}", text(&b.stderr));
    let raw = std::fs::read_to_string(&audit).expect("audit");
    let lines: Vec<Value> = raw
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: a broken line {l:?}")))
        .collect();
    let sends: Vec<&Value> = lines.iter().filter(|l| l["event"] == "send").collect();
    assert_eq!(sends.len(), 2);
    assert_ne!(sends[0]["change"], sends[1]["change"]);
    for half in halves {
        // This half's results: each user once, one batch, its send of 400.
        let results: Vec<&Value> = lines
            .iter()
            .filter(|l| {
                l["event"] == "result" && half.contains(&l["user_id"].as_str().unwrap_or(""))
            })
            .collect();
        assert_eq!(results.len(), half.len(), "each user audited once");
        let change = &results[0]["change"];
        assert!(
            results
                .iter()
                .all(|l| &l["change"] == change && l["result"] == "ok")
        );
        assert!(
            sends
                .iter()
                .any(|s| &s["change"] == change && s["users"] == 400)
        );
    }
}
