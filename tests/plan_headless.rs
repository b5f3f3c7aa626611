//! Every headless change is one plan: the selection is checked, read fresh
//! and planned before anything is sent; the dry run and the apply report
//! the same numbers; users already at the values are never sent; the
//! audit's `from` is the value read just before sending; a value the
//! account does not support is refused. The real binary against `serve`
//! (with a request log), the AWS CLI as the other admin, and a small
//! server that ignores `user-email`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;
use support::headless::{bin, json_lines as lines, json_of, run, text};

use std::path::PathBuf;

use serde_json::{Value, json};
use support::{Hostile, Reply, Serve};

struct Fixture {
    dir: tempfile::TempDir,
    svc: Serve,
    log: PathBuf,
    audit: PathBuf,
}

impl Fixture {
    fn new() -> Fixture {
        let dir = tempfile::tempdir().expect("tmp");
        let log = dir.path().join("requests.jsonl");
        let audit = dir.path().join("audit.jsonl");
        let svc = Serve::start(&["--request-log", log.to_str().expect("utf8")]);
        Fixture {
            dir,
            svc,
            log,
            audit,
        }
    }

    fn cmd(&self, args: &[&str]) -> tokio::process::Command {
        let mut c = bin(self.dir.path(), args);
        c.args(["--endpoint-url", &self.svc.url])
            .arg("--audit-log")
            .arg(&self.audit);
        c
    }

    async fn account(&self, name: &str) -> String {
        let out = run(self.cmd(&["accounts", "--name", name, "--output", "json"])).await;
        json_of(&out)["Accounts"][0]["AccountId"]
            .as_str()
            .expect("an account")
            .to_string()
    }

    async fn users(&self, account: &str) -> Vec<Value> {
        let out = run(self.cmd(&["users", account, "--output", "json"])).await;
        json_of(&out)["Users"].as_array().expect("users").clone()
    }

    /// The operations the service was asked for, in order.
    fn operations(&self) -> Vec<String> {
        lines(&self.log)
            .iter()
            .map(|r| r["operation"].as_str().unwrap_or("").to_string())
            .collect()
    }

    /// The ids the service changed.
    fn changed(&self) -> Vec<String> {
        lines(&self.log)
            .iter()
            .flat_map(|r| {
                r["changed_user_ids"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default()
            })
            .map(|v| v.as_str().expect("id").to_string())
            .collect()
    }

    /// The AWS CLI, as another admin: `aws chime update-user`.
    fn aws_set_license(&self, account: &str, user: &str, license: &str) {
        support::aws_set_license(&self.svc.url, self.dir.path(), account, user, license);
    }
}

fn id(u: &Value) -> &str {
    u["UserId"].as_str().expect("id")
}

/// Items 2 and 3: a selection flag that does not fit, or a blank filter,
/// is refused with exit 2 before any request.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn selection_flags_that_do_not_fit_and_blank_filters_are_refused_before_any_request() {
    let f = Fixture::new();
    let acc = f.account("Design Studio").await;
    let ids = f.dir.path().join("ids.txt");
    std::fs::write(&ids, "u-1\nu-2\nu-3\n").expect("ids");
    let ids = ids.to_str().expect("utf8");
    let before = f.operations().len();
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            vec!["--user-id", "u-1", "--filter", "email:nobody@nowhere.com"],
            "narrow --all",
        ),
        (
            vec![
                "--ids-from",
                ids,
                "--filter",
                "reg:suspended",
                "--email",
                "x",
            ],
            "narrow --all",
        ),
        (vec!["--user-id", "u-1", "--email", "x@y.z"], "narrow --all"),
        (vec!["--all", "--filter", ""], "say --all alone"),
        (vec!["--all", "--filter", "   "], "say --all alone"),
        (vec!["--all", "--filter", "\"\""], "say --all alone"),
        (vec!["--all", "--filter", "''"], "say --all alone"),
        (vec!["--all", "--email", " "], "say --all alone"),
    ];
    for (flags, says) in cases {
        let mut args = vec!["update-users", &acc, "--license", "Pro"];
        args.extend(&flags);
        let out = run(f.cmd(&args)).await;
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{flags:?}: {err}");
        assert!(err.contains(says), "{flags:?}: {err}");
        assert!(err.contains("nothing was sent"), "{flags:?}: {err}");
    }
    // --all with named users: refused by the flags' own rules.
    let out = run(f.cmd(&[
        "update-users",
        &acc,
        "--license",
        "Pro",
        "--all",
        "--user-id",
        "u-1",
    ]))
    .await;
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert_eq!(f.operations().len(), before, "nothing was sent");
    assert!(!f.audit.exists(), "nothing audited");
}

/// Item 7: a license the account does not support is refused (exit 2,
/// nothing sent but the read of the account); suspended users are counted
/// in the preview.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_license_the_account_does_not_support_is_refused_and_suspended_users_are_counted() {
    let f = Fixture::new();
    let team = f.account("Design Studio").await;
    let out = run(f.cmd(&["update-users", &team, "--all", "--license", "Plus"])).await;
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("license Plus is not supported by this account") && err.contains("Basic, Pro"),
        "{err}"
    );
    // Only reads were sent (the account and its users, read together).
    assert!(
        f.operations()
            .iter()
            .all(|o| matches!(o.as_str(), "ListAccounts" | "GetAccount" | "ListUsers")),
        "{:?}",
        f.operations()
    );
    assert!(f.changed().is_empty());
    // Suspended users in the set: counted before anything is sent.
    let acc = f.account("Example Corp").await;
    let users = f.users(&acc).await;
    let suspended = users
        .iter()
        .filter(|u| u["UserRegistrationStatus"] == "Suspended" && u["LicenseType"] != "Basic")
        .count();
    assert!(suspended > 0);
    let out = run(f.cmd(&[
        "update-users",
        &acc,
        "--all",
        "--license",
        "Basic",
        "--dry-run",
    ]))
    .await;
    let table = text(&out.stdout);
    assert!(
        table.contains(&format!(
            "{suspended} suspended: they will fail; unsuspend them first or leave them out"
        )),
        "{table}"
    );
    let mut c = f.cmd(&["update-users", &acc, "--all", "--license", "Basic"]);
    c.args(["--dry-run", "--output", "json"]);
    let v = json_of(&run(c).await);
    assert_eq!(v["Suspended"].as_array().map(Vec::len), Some(suspended));
}

/// Items 5 and 6 and the dry run: users already at the values are never
/// sent and reported `Already` (a suspended one among them: no Conflict);
/// the dry run and the apply report the same counts; the audit's `from` is
/// what the service held just before, although another admin changed it
/// after the listing the ids came from.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_apply_is_the_dry_run_and_the_audit_from_is_the_value_read_before_sending() {
    let f = Fixture::new();
    let acc = f.account("Example Corp").await;
    let users = f.users(&acc).await;
    let registered = |l: &'static str| {
        users
            .iter()
            .filter(move |u| u["UserRegistrationStatus"] == "Registered" && u["LicenseType"] == l)
    };
    let at_plus: Vec<&Value> = registered("Plus").take(5).collect();
    let to_change: Vec<&Value> = registered("Pro").take(5).collect();
    let suspended_plus = users
        .iter()
        .find(|u| u["UserRegistrationStatus"] == "Suspended" && u["LicenseType"] == "Plus")
        .expect("a suspended user on Plus");
    // Another admin moves one of the five from Pro to Basic after the
    // listing above: its `from` must be Basic, not the listed Pro.
    let moved = id(to_change[0]);
    f.aws_set_license(&acc, moved, "Basic");
    let mut selected: Vec<&str> = at_plus.iter().map(|u| id(u)).collect();
    selected.extend(to_change.iter().map(|u| id(u)));
    selected.push(id(suspended_plus));
    let file = f.dir.path().join("ids.txt");
    std::fs::write(&file, selected.join("\n")).expect("ids");
    let args = |extra: &[&str]| {
        let mut a = vec![
            "update-users".to_string(),
            acc.clone(),
            "--license".into(),
            "Plus".into(),
            "--ids-from".into(),
            file.to_str().expect("utf8").into(),
            "--output".into(),
            "json".into(),
        ];
        a.extend(extra.iter().map(|s| s.to_string()));
        a
    };
    let dry: Vec<String> = args(&["--dry-run"]);
    let dry = json_of(&run(f.cmd(&dry.iter().map(String::as_str).collect::<Vec<_>>())).await);
    assert_eq!(dry["Changes"].as_array().map(Vec::len), Some(5), "{dry}");
    assert_eq!(dry["AlreadyAtValues"].as_array().map(Vec::len), Some(6));
    let already_changed = f.changed().len();

    let apply: Vec<String> = args(&[]);
    let out = run(f.cmd(&apply.iter().map(String::as_str).collect::<Vec<_>>())).await;
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    let v = json_of(&out);
    assert_eq!(v["Updated"], 5, "{v}");
    assert_eq!(v["Already"], 6, "{v}");
    assert_eq!(v["Failed"], 0, "no Conflict for the suspended one: {v}");
    assert!(
        err.contains("5 of 11 users updated, 6 already at the values"),
        "{err}"
    );
    // The request log: exactly the five, none of the six.
    let mut sent: Vec<String> = f.changed()[already_changed..].to_vec();
    sent.sort();
    let mut want: Vec<String> = to_change.iter().map(|u| id(u).to_string()).collect();
    want.sort();
    assert_eq!(sent, want);
    // The audit: one change id on every line; each `from` as read just now.
    let audit = lines(&f.audit);
    let change = v["ChangeId"].as_str().expect("a change id");
    assert!(err.contains(&format!("change {change}:")), "{err}");
    assert!(audit.iter().all(|l| l["change"] == change), "{audit:?}");
    assert_eq!(audit[0]["event"], "send");
    assert_eq!(
        (audit[0]["users"].clone(), audit[0]["already"].clone()),
        (json!(5), json!(6))
    );
    for l in &audit[1..] {
        let from = &l["changes"][0]["from"];
        let expected = if l["user_id"] == moved {
            "Basic"
        } else {
            "Pro"
        };
        assert_eq!(from, expected, "{l}");
        assert_eq!(l["changes"][0]["to"], "Plus");
    }
    assert!(!audit.iter().any(|l| l.to_string().contains("\"?\"")));
    // Nothing left to do: the same command sends nothing, exit 0.
    let out = run(f.cmd(&apply.iter().map(String::as_str).collect::<Vec<_>>())).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(json_of(&out)["Already"], 11);
    assert_eq!(f.changed().len(), already_changed + 5);
}

/// Item 4: `--all --email` against a service that ignores `user-email`
/// (it lists everyone): the selection is re-checked locally, and only the
/// one user is planned and sent.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn all_with_email_is_checked_locally_when_the_service_ignores_the_filter() {
    let everyone: Vec<Value> = (0..500)
        .map(|i| {
            json!({"UserId": format!("u{i}"), "AccountId": "acc-1",
                   "PrimaryEmail": format!("u{i}@example.com"), "LicenseType": "Pro",
                   "UserRegistrationStatus": "Registered"})
        })
        .collect();
    let page = json!({"Users": everyone}).to_string();
    let server = Hostile::start(None, move |_, head| {
        if head.starts_with("GET /accounts/acc-1/users") {
            Reply::Json(200, page.clone())
        } else if head.starts_with("GET /accounts/acc-1 ") {
            let a = json!({"Account": {"AwsAccountId": "1", "AccountId": "acc-1", "Name": "A",
                                       "SupportedLicenses": ["Basic", "Pro"]}});
            Reply::Json(200, a.to_string())
        } else {
            Reply::Json(200, r#"{"UserErrors":[]}"#.into())
        }
    })
    .await;
    let dir = tempfile::tempdir().expect("tmp");
    let cmd = |extra: &[&str]| {
        let mut c = bin(
            dir.path(),
            &[
                "update-users",
                "acc-1",
                "--all",
                "--email",
                "U7@example.com",
                "--license",
                "Basic",
                "--output",
                "json",
            ],
        );
        c.args(extra).args(["--endpoint-url", &server.url()]);
        c
    };
    let dry = json_of(&run(cmd(&["--dry-run"])).await);
    let planned: Vec<&str> = dry["Changes"]
        .as_array()
        .expect("changes")
        .iter()
        .map(|c| c["UserId"].as_str().expect("id"))
        .collect();
    assert_eq!(planned, ["u7"]);
    let out = run(cmd(&[])).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let v = json_of(&out);
    assert_eq!(v["Updated"], 1, "{v}");
    assert_eq!(v["Results"].as_array().map(Vec::len), Some(1));
    let posts = server
        .heads()
        .iter()
        .filter(|h| h.starts_with("POST "))
        .count();
    assert_eq!(posts, 1, "one chunk of one user");
    // The same with --filter email:…, which was already re-checked.
    let mut c = bin(
        dir.path(),
        &[
            "update-users",
            "acc-1",
            "--all",
            "--filter",
            "email:u7@example.com",
            "--license",
            "Basic",
            "--dry-run",
            "--output",
            "json",
        ],
    );
    c.args(["--endpoint-url", &server.url()]);
    let dry = json_of(&run(c).await);
    assert_eq!(dry["Changes"].as_array().map(Vec::len), Some(1));
}
