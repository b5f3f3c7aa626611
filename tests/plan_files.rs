//! A bulk change as a file: `plan` from a desired-state CSV (the export is
//! the import), review (`plan show`, the digest), `apply` only what has not
//! drifted, `history` from the audit log, and `undo` of any change (and of
//! the undo). The real binary against `serve` with a request log; boto3 as
//! the independent reader of the account; the AWS CLI as the other admin.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;
use support::headless::{bin, json_lines, json_of, run, text};

use std::collections::HashMap;
use std::path::PathBuf;

use serde_json::Value;
use support::Serve;

struct Fixture {
    dir: tempfile::TempDir,
    svc: Serve,
    log: PathBuf,
    audit: PathBuf,
    account: String,
}

impl Fixture {
    async fn new(account: &str) -> Fixture {
        let dir = tempfile::tempdir().expect("tmp");
        let log = dir.path().join("requests.jsonl");
        let audit = dir.path().join("audit.jsonl");
        let svc = Serve::start(&["--request-log", log.to_str().expect("utf8")]);
        let mut f = Fixture {
            dir,
            svc,
            log,
            audit,
            account: String::new(),
        };
        let out = run(f.cmd(&["accounts", "--name", account, "--output", "json"])).await;
        f.account = json_of(&out)["Accounts"][0]["AccountId"]
            .as_str()
            .expect("an account")
            .to_string();
        f
    }

    fn cmd(&self, args: &[&str]) -> tokio::process::Command {
        let mut c = bin(self.dir.path(), args);
        c.args(["--endpoint-url", &self.svc.url])
            .arg("--audit-log")
            .arg(&self.audit);
        c
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// The request log's lines so far.
    fn requests(&self) -> Vec<Value> {
        json_lines(&self.log)
    }

    /// How many changing requests the service has answered.
    fn sent(&self) -> usize {
        self.requests()
            .iter()
            .filter(|r| {
                r["operation"]
                    .as_str()
                    .is_some_and(|o| o.starts_with("Batch") || o.starts_with("Update"))
            })
            .count()
    }

    /// Every user's license, read by boto3 (an independent client).
    fn licenses(&self) -> HashMap<String, String> {
        let script = r#"
import json, sys, boto3
url, account = sys.argv[1], sys.argv[2]
c = boto3.client("chime", endpoint_url=url, region_name="us-east-1",
                 aws_access_key_id="AKIDEXAMPLE", aws_secret_access_key="secret")
out = {}
for page in c.get_paginator("list_users").paginate(AccountId=account):
    for u in page["Users"]:
        out[u["UserId"]] = u.get("LicenseType", "")
print(json.dumps(out))
"#;
        let empty = self.path("empty");
        std::fs::write(&empty, "").expect("empty");
        let out = std::process::Command::new("python3")
            .args(["-c", script, &self.svc.url, &self.account])
            .envs(support::own_home(self.dir.path()))
            .env("AWS_CONFIG_FILE", &empty)
            .env("AWS_SHARED_CREDENTIALS_FILE", &empty)
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env_remove("AWS_PROFILE")
            .output()
            .expect("python3");
        assert!(out.status.success(), "boto3: {}", text(&out.stderr));
        serde_json::from_slice(&out.stdout).expect("licenses")
    }

    /// Another admin (the AWS CLI) sets a user's license.
    fn aws_set_license(&self, user: &str, license: &str) {
        support::aws_set_license(&self.svc.url, self.dir.path(), &self.account, user, license);
    }

    /// `users --output csv`, as a spreadsheet would get it.
    async fn export(&self) -> String {
        let out = run(self.cmd(&["users", &self.account, "--output", "csv"])).await;
        assert!(out.status.success(), "{}", text(&out.stderr));
        text(&out.stdout)
    }
}

/// The export with the LicenseType of the rows `pick` chooses set to `to`.
fn edit(csv: &str, pick: impl Fn(&[String]) -> bool, to: &str) -> (String, Vec<String>) {
    let mut r = csv::Reader::from_reader(csv.as_bytes());
    let header: Vec<String> = r
        .headers()
        .expect("header")
        .iter()
        .map(String::from)
        .collect();
    let lic = header
        .iter()
        .position(|h| h == "LicenseType")
        .expect("LicenseType");
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(&header).expect("header");
    let mut edited = Vec::new();
    for rec in r.records() {
        let mut rec: Vec<String> = rec.expect("row").iter().map(String::from).collect();
        if pick(&rec) {
            rec[lic] = to.to_string();
            edited.push(rec[0].clone());
        }
        w.write_record(&rec).expect("row");
    }
    (
        String::from_utf8(w.into_inner().expect("csv")).expect("utf8"),
        edited,
    )
}

/// Export → edit the LicenseType column → `plan` (exactly the edited rows;
/// the digest is the file's SHA-256) → `plan show` → refusals that send
/// nothing → `apply` with one user changed by someone else in between
/// (drifted, left alone) → the account equals the CSV (boto3) but for the
/// drifted one → `history` lists the change.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn export_edit_plan_review_apply_and_the_account_matches_the_file() {
    let f = Fixture::new("Example Corp").await;
    let csv = f.export().await;
    let n = std::cell::Cell::new(0);
    let (edited_csv, edited) = edit(
        &csv,
        |r| {
            let take = r[3] == "Pro" && r[5] == "Registered" && n.get() < 30;
            n.set(n.get() + usize::from(take));
            take
        },
        "Basic",
    );
    assert_eq!(edited.len(), 30);
    let file = f.path("hr.csv");
    std::fs::write(&file, &edited_csv).expect("csv");
    let plan_file = f.path("monday.plan.json");
    let out = run(f.cmd(&[
        "plan",
        &f.account,
        "--from",
        file.to_str().expect("utf8"),
        "--out",
        plan_file.to_str().expect("utf8"),
        "--output",
        "json",
    ]))
    .await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    let v = json_of(&out);
    let planned: Vec<&str> = v["Changes"]
        .as_array()
        .expect("changes")
        .iter()
        .map(|c| c["UserId"].as_str().expect("id"))
        .collect();
    assert_eq!(
        planned,
        edited.iter().map(String::as_str).collect::<Vec<_>>()
    );
    assert_eq!(v["Summary"][0], "License Pro → Basic for 30 users");
    let bytes = std::fs::read(&plan_file).expect("plan");
    let digest = v["Digest"].as_str().expect("digest").to_string();
    let sha = std::process::Command::new("sha256sum")
        .arg(&plan_file)
        .output()
        .expect("sha256sum");
    assert!(
        text(&sha.stdout).starts_with(&digest),
        "{}",
        text(&sha.stdout)
    );
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&plan_file)
        .expect("meta")
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
    let saved: Value = serde_json::from_slice(&bytes).expect("plan json");
    assert_eq!(saved["Format"], "chime-admin-plan");
    assert_eq!(saved["Users"].as_array().map(Vec::len), Some(30));
    assert_eq!(saved["Users"][0]["From"]["LicenseType"], "Pro");
    assert_eq!(saved["Users"][0]["To"]["LicenseType"], "Basic");
    assert_eq!(saved["Already"], 5000 - 30);
    assert_eq!(f.sent(), 0, "plan sends only reads");
    // `plan show`: the same digest.
    let out = run(f.cmd(&["plan", "show", plan_file.to_str().expect("utf8")])).await;
    assert!(text(&out.stdout).contains(&format!("Digest (SHA-256): {digest}")));

    // Refused, nothing sent: another digest, no terminal and no --yes,
    // another endpoint, read-only, a file that is not a plan.
    let p = plan_file.to_str().expect("utf8");
    let bad = f.path("not-a-plan.json");
    std::fs::write(&bad, "{\"Format\":\"something\"}").expect("bad");
    // A plan file edited to a license the account does not support.
    let edited_plan = f.path("edited.plan.json");
    let text_of_plan = String::from_utf8(bytes.clone()).expect("utf8");
    assert!(text_of_plan.contains("\"LicenseType\": \"Basic\""));
    std::fs::write(
        &edited_plan,
        text_of_plan.replace(
            "\"LicenseType\": \"Basic\"",
            "\"LicenseType\": \"ProTrial\"",
        ),
    )
    .expect("edited plan");
    for (args, says) in [
        (
            vec!["apply", edited_plan.to_str().expect("utf8"), "--yes"],
            "license ProTrial is not supported by this account",
        ),
        (vec!["apply", p, "--yes", "--digest", "00ff"], "not 00ff"),
        (vec!["apply", p], "not a terminal"),
        (vec!["--read-only", "apply", p, "--yes"], "read-only"),
        (
            vec!["apply", bad.to_str().expect("utf8"), "--yes"],
            "not a plan file",
        ),
    ] {
        let out = run(f.cmd(&args)).await;
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(says), "{args:?}: {err}");
    }
    let mut c = bin(
        f.dir.path(),
        &["apply", p, "--yes", "--endpoint-url", "http://127.0.0.1:9"],
    );
    c.arg("--audit-log").arg(&f.audit);
    let out = run(c).await;
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("the plan was made for"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(f.sent(), 0, "nothing was sent");

    // Someone changes two planned users before the apply: one to the
    // plan's target (already), one elsewhere (drifted: left alone).
    f.aws_set_license(&edited[0], "Basic");
    f.aws_set_license(&edited[1], "Plus");
    let out = run(f.cmd(&["apply", p, "--yes", "--digest", &digest, "--output", "json"])).await;
    let err = text(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(1),
        "a drifted user: not all at the target: {err}"
    );
    let v = json_of(&out);
    assert_eq!(
        (
            v["Updated"].clone(),
            v["Already"].clone(),
            v["Drifted"].clone()
        ),
        (28.into(), 1.into(), 1.into()),
        "{v}"
    );
    let drifted = v["Results"]
        .as_array()
        .expect("results")
        .iter()
        .find(|r| r["Status"] == "Drifted")
        .expect("the drifted row");
    assert_eq!(drifted["UserId"], edited[1].as_str());
    assert!(
        drifted["ErrorMessage"]
            .as_str()
            .expect("why")
            .contains("Plus now"),
        "{drifted}"
    );
    assert!(
        err.contains("28 of 30 users updated, 1 already at the values, 1 drifted"),
        "{err}"
    );
    // The account now matches the file, but for the one left alone.
    let now = f.licenses();
    let mut r = csv::Reader::from_reader(edited_csv.as_bytes());
    for rec in r.records() {
        let rec = rec.expect("row");
        let want = if rec[0] == *edited[1] {
            "Plus"
        } else {
            &rec[3]
        };
        assert_eq!(now[&rec[0]], want, "{}", &rec[0]);
    }
    // The audit names the plan's digest on every line of the change.
    let audit = std::fs::read_to_string(&f.audit).expect("audit");
    let lines: Vec<Value> = audit
        .lines()
        .map(|l| serde_json::from_str(l).expect("json"))
        .collect();
    assert!(
        lines.iter().all(|l| l["digest"] == digest.as_str()),
        "{audit}"
    );
    // history lists it, newest first.
    let out = run(f.cmd(&["history", "--output", "json"])).await;
    let h = json_of(&out);
    assert_eq!(h["Changes"][0]["ChangeId"], v["ChangeId"]);
    assert_eq!(
        h["Changes"][0]["Changed"][0],
        "License Pro → Basic for 28 users"
    );
    assert_eq!(h["Changes"][0]["Results"]["ok"], 28);
}

/// `undo`: the inverse of a change's ok users, drift-checked (a user
/// changed since is left alone); the undo is a change of its own naming the
/// one it undoes; undoing the undo brings the first change back; `--out`
/// writes the inverse as a plan instead.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn undo_restores_skips_what_changed_since_and_undoing_the_undo_redoes() {
    let f = Fixture::new("Example Corp").await;
    let before = f.licenses();
    let mut pro: Vec<&String> = before
        .iter()
        .filter(|(_, l)| *l == "Pro")
        .map(|(id, _)| id)
        .collect();
    pro.sort();
    let ids: Vec<&String> = pro.into_iter().take(10).collect();
    let list = f.path("ids.txt");
    std::fs::write(
        &list,
        ids.iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join("\n"),
    )
    .expect("ids");
    let out = run(f.cmd(&[
        "update-users",
        &f.account,
        "--license",
        "Basic",
        "--ids-from",
        list.to_str().expect("utf8"),
        "--output",
        "json",
    ]))
    .await;
    let v = json_of(&out);
    let first = v["ChangeId"].as_str().expect("id").to_string();
    let updated = v["Updated"].as_u64().expect("n") as usize;
    assert!(updated >= 8, "{v}");
    // Someone moves one of them on to Plus.
    let moved = ids[0].as_str();
    f.aws_set_license(moved, "Plus");
    // --out: the inverse as a plan, nothing sent.
    let sent = f.sent();
    let inverse = f.path("undo.plan.json");
    let out = run(f.cmd(&["undo", &first, "--out", inverse.to_str().expect("utf8")])).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains(&format!("undoes change {first}")));
    assert_eq!(f.sent(), sent);
    // The undo itself.
    let out = run(f.cmd(&["undo", &first, "--yes", "--output", "json"])).await;
    let u = json_of(&out);
    assert_eq!(u["Drifted"], 1, "{u}");
    assert_eq!(u["Updated"], updated - 1, "{u}");
    let undo_id = u["ChangeId"].as_str().expect("id").to_string();
    assert_ne!(undo_id, first);
    let now = f.licenses();
    for id in &ids {
        let want = if id.as_str() == moved { "Plus" } else { "Pro" };
        assert_eq!(now[id.as_str()], want, "{id}");
    }
    let h = json_of(&run(f.cmd(&["history", "--output", "json"])).await);
    assert_eq!(h["Changes"][0]["ChangeId"], undo_id.as_str());
    assert_eq!(h["Changes"][0]["Undoes"], first.as_str());
    // Undo the undo: the first change is back (but for the moved user).
    let out = run(f.cmd(&["undo", &undo_id, "--yes", "--output", "json"])).await;
    let r = json_of(&out);
    assert_eq!(r["Updated"], updated - 1, "{r}");
    let now = f.licenses();
    for id in &ids {
        let want = if id.as_str() == moved {
            "Plus"
        } else {
            "Basic"
        };
        assert_eq!(now[id.as_str()], want, "{id}");
    }
    // An unknown change id: refused.
    let out = run(f.cmd(&["undo", "01NOSUCHCHANGE", "--yes"])).await;
    assert_eq!(out.status.code(), Some(2));
}

/// Bad desired-state files are refused with exit 2 naming the line and
/// what is valid, nothing written or sent; users the account lacks are
/// `NotFound`; `--rest-license` plans the users not in the file on a line
/// of their own; `--ids-from` takes emails.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_files_are_refused_rest_license_syncs_and_emails_name_users() {
    let f = Fixture::new("Design Studio").await;
    let out_file = f.path("p.json");
    let o = out_file.to_str().expect("utf8");
    for (csv, says) in [
        (
            "UserId,Licence\nu,Pro\n",
            "line 1: unknown column \"Licence\"",
        ),
        (
            "UserId,LicenseType\nu,Gold\n",
            "line 2: LicenseType \"Gold\"",
        ),
        (
            "UserId,LicenseType\nu,Pro\nu,Basic\n",
            "line 3: user u is already on line 2",
        ),
        (
            "DisplayName,LicenseType\nx,Pro\n",
            "no UserId or PrimaryEmail column",
        ),
        ("UserId,DisplayName\nu,x\n", "no column sets a value"),
    ] {
        let file = f.path("bad.csv");
        std::fs::write(&file, csv).expect("csv");
        let out = run(f.cmd(&[
            "plan",
            &f.account,
            "--from",
            file.to_str().expect("utf8"),
            "--out",
            o,
        ]))
        .await;
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{csv}: {err}");
        assert!(err.contains(says), "{csv}: {err}");
        assert!(!out_file.exists(), "nothing written");
    }
    assert!(
        f.requests()
            .iter()
            .all(|r| r["operation"] == "ListAccounts")
    );
    // By email (any case), one the account lacks, and the rest to Basic.
    let users = f.licenses();
    let csv = f.export().await;
    let mut r = csv::Reader::from_reader(csv.as_bytes());
    let first = r.records().find_map(|rec| {
        let rec = rec.ok()?;
        (rec[3] == *"Basic").then(|| (rec[0].to_string(), rec[1].to_string()))
    });
    let (id, email) = first.expect("a Basic user");
    let file = f.path("sync.csv");
    std::fs::write(
        &file,
        format!(
            "PrimaryEmail,LicenseType\n{},Pro\nnobody@nowhere.example,Pro\n",
            email.to_uppercase()
        ),
    )
    .expect("csv");
    let out = run(f.cmd(&[
        "plan",
        &f.account,
        "--from",
        file.to_str().expect("utf8"),
        "--rest-license",
        "Basic",
        "--out",
        o,
        "--output",
        "json",
    ]))
    .await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    let v = json_of(&out);
    assert_eq!(v["NotFound"], serde_json::json!(["nobody@nowhere.example"]));
    let pro_rest = users
        .iter()
        .filter(|(u, l)| **u != id && *l == "Pro")
        .count();
    let summary: Vec<&str> = v["Summary"]
        .as_array()
        .expect("summary")
        .iter()
        .filter_map(|s| s.as_str())
        .collect();
    assert_eq!(
        summary,
        [
            "License Basic → Pro for 1 user".to_string(),
            format!("License Pro → Basic for {pro_rest} users not in the file")
        ]
    );
    // --ids-from with emails: a plain list and a PrimaryEmail column.
    for (name, list) in [
        ("emails.txt", format!("{email}\n")),
        ("emails.csv", format!("PrimaryEmail\n{email}\n")),
    ] {
        let file = f.path(name);
        std::fs::write(&file, list).expect("list");
        let out = run(f.cmd(&[
            "update-users",
            &f.account,
            "--license",
            "Pro",
            "--ids-from",
            file.to_str().expect("utf8"),
            "--dry-run",
            "--output",
            "json",
        ]))
        .await;
        let v = json_of(&out);
        assert_eq!(v["Changes"][0]["UserId"], id.as_str(), "{name}: {v}");
    }
    // An email the account lacks makes the exit non-zero.
    let file = f.path("missing.txt");
    std::fs::write(&file, "nobody@nowhere.example\n").expect("list");
    let out = run(f.cmd(&[
        "update-users",
        &f.account,
        "--license",
        "Pro",
        "--ids-from",
        file.to_str().expect("utf8"),
    ]))
    .await;
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("NotFound"));
}
