//! End to end, choosing users: the real binary in tmux against `serve` with
//! an account of 450 users over three pages. What the filter shows is what
//! boto3 says matches (compared by id through `:export csv`), the counts
//! agree, mark-all + change touches exactly those users, and `result:failed`
//! shows exactly the ones the service refused.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use serde_json::{Value, json};

mod support;
use support::Serve;
use support::tmux::Tmux;

const BIN: &str = env!("CARGO_BIN_EXE_chime-admin");
const ACCOUNT: &str = "0d7c4a2e-5f1b-4e8a-9c3d-6b2a1f0e4d57";
const N: usize = 450;

/// User `i`: licenses cycle Pro, Plus, Basic; every 7th is suspended, and of
/// the rest every 5th (from 1) unregistered.
fn seed(path: &Path) {
    let users: Vec<Value> = (0..N)
        .map(|i| {
            let reg = if i % 7 == 0 {
                "Suspended"
            } else if i % 5 == 1 {
                "Unregistered"
            } else {
                "Registered"
            };
            let license = ["Pro", "Plus", "Basic"][i % 3];
            json!({
                "UserId": format!("9f3b{i:04}-1c2d-4e5f-8a9b-0c1d2e3f4a5b"),
                "AccountId": ACCOUNT,
                "PrimaryEmail": format!("member{i:03}@select.example.org"),
                "DisplayName": format!("Member {i}"),
                "LicenseType": license,
                "UserType": "PrivateUser",
                "UserRegistrationStatus": reg,
                "UserInvitationStatus": "Accepted",
            })
        })
        .collect();
    let data = json!({"Accounts": [{
        "Account": {
            "AwsAccountId": "111122223333",
            "AccountId": ACCOUNT,
            "Name": "Select Corp",
            "AccountType": "EnterpriseLWA",
            "DefaultLicense": "Pro",
            "SupportedLicenses": ["Basic", "Plus", "Pro"],
            "AccountStatus": "Active",
        },
        "Users": users,
    }]});
    std::fs::write(path, serde_json::to_vec(&data).expect("json")).expect("seed");
}

/// Ids of the account's users that boto3 lists with `license` and one of
/// `regs`, through its own paginator.
fn boto3_ids(url: &str, home: &Path, license: &str, regs: &[&str]) -> Vec<String> {
    let script = r#"
import json, sys, boto3
url, account, license, regs = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4].split(",")
c = boto3.client("chime", endpoint_url=url, region_name="us-east-1",
                 aws_access_key_id="AKIDEXAMPLE", aws_secret_access_key="secret")
ids = []
for page in c.get_paginator("list_users").paginate(AccountId=account):
    for u in page["Users"]:
        if u.get("LicenseType") == license and u.get("UserRegistrationStatus") in regs:
            ids.append(u["UserId"])
print(json.dumps(sorted(ids)))
"#;
    let empty = home.join("empty");
    std::fs::write(&empty, "").expect("empty");
    let out = Command::new("python3")
        .envs(support::own_home(home))
        .args(["-c", script, url, ACCOUNT, license, &regs.join(",")])
        .env("AWS_CONFIG_FILE", &empty)
        .env("AWS_SHARED_CREDENTIALS_FILE", &empty)
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env_remove("AWS_PROFILE")
        .output()
        .expect("python3");
    assert!(
        out.status.success(),
        "boto3: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("ids")
}

/// The user ids of a CSV the console exported (its UserId column).
fn exported_ids(path: &Path) -> Vec<String> {
    let mut r = csv::Reader::from_path(path).expect("csv");
    let col = r
        .headers()
        .expect("header")
        .iter()
        .position(|h| h == "UserId")
        .expect("UserId column");
    let mut ids: Vec<String> = r
        .records()
        .map(|rec| rec.expect("record")[col].to_string())
        .collect();
    ids.sort();
    ids
}

/// The ids `chime-admin users --filter EXPR` selects (headless, CSV).
fn headless_ids(url: &str, home: &Path, expr: &str) -> Vec<String> {
    let out = headless(home, url)
        .args(["users", ACCOUNT, "--filter", expr, "--output", "csv"])
        .output()
        .expect("chime-admin users");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let csv = home.join("headless.csv");
    std::fs::write(&csv, &out.stdout).expect("csv");
    exported_ids(&csv)
}

/// Waits until the console wrote `path` (a flash naming it says so: the
/// flash of an earlier export may still show) and reads its ids.
fn export(t: &Tmux, path: &Path) -> Vec<String> {
    let _ = std::fs::remove_file(path);
    t.keys(&[":"]);
    t.text(&format!("export csv {}", path.display()));
    t.keys(&["Enter"]);
    let wrote = format!(" to {}", path.display());
    t.wait_for("the export", Duration::from_secs(10), |s| {
        s.lines()
            .any(|l| l.contains("wrote ") && l.contains(&wrote))
    });
    exported_ids(path)
}

/// Clears the filter (Esc) if one is set, then opens it and types `expr`. Each step waits
/// for the screen: an Esc followed at once by another key reaches the
/// console as one Alt key.
fn set_filter(t: &Tmux, expr: &str) {
    // Esc with no filter would leave the pane.
    if t.screen().contains("filter /") {
        t.keys(&["Escape"]);
        t.wait_for("the filter cleared", Duration::from_secs(5), |s| {
            !s.contains("filter /")
        });
    }
    t.keys(&["/"]);
    t.wait_for("the filter line", Duration::from_secs(5), |s| {
        s.contains("filter /")
    });
    t.text(expr);
    t.wait_for("the expression", Duration::from_secs(5), |s| {
        s.contains(expr)
    });
    t.keys(&["Enter"]);
}

/// "· 61 shown: Pro 61" → (61, pro count)
fn title_counts(screen: &str) -> (usize, usize) {
    let line = screen
        .lines()
        .find(|l| l.contains(" shown"))
        .expect("title");
    let num = |s: &str| -> usize {
        s.chars()
            .take_while(|c| c.is_ascii_digit() || *c == ',')
            .filter(char::is_ascii_digit)
            .collect::<String>()
            .parse()
            .unwrap_or(0)
    };
    let shown = line
        .split(" shown")
        .next()
        .and_then(|b| b.rsplit("· ").next())
        .map(num);
    let pro = line.split("Pro ").nth(1).map(num).unwrap_or(0);
    (shown.unwrap_or(0), pro)
}

/// `serve` with the 450-user seed and a request log in `dir`.
fn seeded_serve(dir: &Path, extra: &[&str]) -> (Serve, std::path::PathBuf) {
    let data = dir.join("seed.json");
    seed(&data);
    let log = dir.join("requests.jsonl");
    let mut args = vec![
        "--seed",
        data.to_str().expect("path"),
        "--request-log",
        log.to_str().expect("path"),
    ];
    args.extend_from_slice(extra);
    (Serve::start(&args), log)
}

/// The binary headless against `url`, in an empty world under `home`.
fn headless(home: &Path, url: &str) -> Command {
    let mut c = support::chime_admin_isolated(home, ("AKIDEXAMPLE", "secret"));
    c.args(["--endpoint-url", url, "--region", "us-east-1"])
        .arg("--log-file")
        .arg(home.join("headless.log"))
        .arg("--audit-log")
        .arg(home.join("audit.jsonl"));
    c
}

/// The console in tmux on `serve` with the 450-user seed (20 ms a call),
/// Select Corp open; its home, files and exports under `dir`.
struct Stage {
    t: Tmux,
    serve: Serve,
    /// The service's request log.
    log: std::path::PathBuf,
    /// HOME (with its XDG dirs) for the console and headless commands.
    home: std::path::PathBuf,
    dir: tempfile::TempDir,
}

impl Stage {
    fn start(name: &str) -> Stage {
        let dir = tempfile::tempdir().expect("tmp");
        let (serve, log) = seeded_serve(dir.path(), &["--latency-ms", "20"]);
        let home = dir.path().join("home");
        std::fs::create_dir_all(&home).expect("home");
        let empty = dir.path().join("empty");
        std::fs::write(&empty, "").expect("empty");
        let cmd = format!(
            "env {own_home} \
             AWS_ACCESS_KEY_ID=AKIDEXAMPLE AWS_SECRET_ACCESS_KEY=secret AWS_CONFIG_FILE={e} \
             AWS_SHARED_CREDENTIALS_FILE={e} AWS_EC2_METADATA_DISABLED=true {BIN} \
             --endpoint-url {url} --region us-east-1 --log-file {h}/console.log \
             --audit-log {h}/audit.jsonl; echo EXITED $?; sleep 600",
            own_home = support::own_home_env(&home),
            url = serve.url,
            h = home.display(),
            e = empty.display(),
        );
        let t = Tmux::new(name);
        t.start(120, 40, &cmd);
        t.wait_for("the account", Duration::from_secs(15), |s| {
            s.contains("Select Corp")
        });
        t.keys(&["Enter"]);
        t.wait_for("the first page", Duration::from_secs(15), |s| {
            s.contains("Users · Select Corp")
        });
        Stage {
            t,
            serve,
            log,
            home,
            dir,
        }
    }

    /// The ids boto3 lists with `license` and one of `regs`.
    fn boto3_ids(&self, license: &str, regs: &[&str]) -> Vec<String> {
        boto3_ids(&self.serve.url, self.dir.path(), license, regs)
    }

    /// The ids the console's `:export csv` writes (to `name` in the dir).
    fn export(&self, name: &str) -> Vec<String> {
        export(&self.t, &self.dir.path().join(name))
    }

    /// `license:pro -reg:registered` (the unregistered and the suspended
    /// Pro users) marked, changed to Basic and applied; waits for the
    /// results: the unregistered ones updated, the suspended ones refused.
    /// The ids (unregistered, suspended).
    fn change_pro_not_registered_to_basic(&self) -> (Vec<String>, Vec<String>) {
        let t = &self.t;
        let unregistered = self.boto3_ids("Pro", &["Unregistered"]);
        let suspended = self.boto3_ids("Pro", &["Suspended"]);
        let chosen = unregistered.len() + suspended.len();
        set_filter(t, "license:pro -reg:registered");
        t.wait_for("the selection", Duration::from_secs(10), |s| {
            title_counts(s).0 == chosen
        });
        t.keys(&["a"]);
        t.wait_for("the marks", Duration::from_secs(10), |s| {
            s.contains(&format!("{chosen} marked"))
        });
        t.keys(&["e"]);
        t.wait_for("the form", Duration::from_secs(5), |s| {
            s.contains("License")
        });
        t.keys(&["B"]);
        t.keys(&["Enter"]);
        t.wait_for("the preview", Duration::from_secs(5), |s| {
            s.contains("Apply")
        });
        t.confirm("y");
        let s = t.wait_for("the results", Duration::from_secs(30), |s| {
            s.contains(" failed (r retries)")
        });
        assert!(
            s.contains(&format!("{} updated", unregistered.len()))
                && s.contains(&format!("{} failed", suspended.len())),
            "{s}"
        );
        (unregistered, suspended)
    }

    /// `q`, and the console's exit code 0.
    fn quit(&self) {
        self.t.keys(&["q"]);
        self.t
            .wait_for("the console to exit", Duration::from_secs(10), |s| {
                s.contains("EXITED 0")
            });
    }
}

/// The issue's expression shows exactly boto3's users (compared by id
/// through `:export csv`) with counts that agree; a negated term selects
/// what boto3 says too; the headless command selects the same users for
/// the same expressions.
#[test]
fn the_filter_and_the_headless_command_select_what_boto3_lists() {
    let st = Stage::start("select");
    let t = &st.t;
    set_filter(t, "license:pro reg:unregistered");
    let s = t.wait_for("every page", Duration::from_secs(20), |s| {
        s.contains(&format!("all {N} loaded")) || s.contains(&format!("of {N} users"))
    });
    let want = st.boto3_ids("Pro", &["Unregistered"]);
    assert!(want.len() > 10, "{want:?}");
    let (shown, pro) = title_counts(&s);
    assert_eq!((shown, pro), (want.len(), want.len()), "{s}");
    assert_eq!(st.export("a.csv"), want);
    assert_eq!(
        headless_ids(&st.serve.url, &st.home, "license:pro reg:unregistered"),
        want
    );

    // A selection with users the service would refuse (suspended ones).
    set_filter(t, "license:pro -reg:registered");
    let chosen = st.boto3_ids("Pro", &["Unregistered", "Suspended"]);
    t.wait_for("the selection", Duration::from_secs(10), |s| {
        title_counts(s).0 == chosen.len()
    });
    assert_eq!(st.export("b.csv"), chosen);
    assert_eq!(
        headless_ids(&st.serve.url, &st.home, "license:pro -reg:registered"),
        chosen
    );
    st.quit();
}

/// Every match marked and changed to Basic: the service changed exactly the
/// unregistered ones (boto3's view and the service's own request log), the
/// suspended ones stay Pro.
#[test]
fn mark_all_and_change_touches_exactly_the_selection_the_service_accepts() {
    let st = Stage::start("select-change");
    let (unregistered, suspended) = st.change_pro_not_registered_to_basic();
    // Basic unregistered before: every third user from 2, unregistered, not suspended.
    let before = (0..N)
        .filter(|i| i % 3 == 2 && i % 7 != 0 && i % 5 == 1)
        .count();
    assert_eq!(
        st.boto3_ids("Basic", &["Unregistered"]).len(),
        before + unregistered.len()
    );
    assert_eq!(st.boto3_ids("Pro", &["Suspended"]), suspended);
    // The users changed are exactly the unregistered ones (the suspended
    // were refused, nobody else was sent).
    let mut changed: Vec<String> = std::fs::read_to_string(&st.log)
        .expect("log")
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).expect("a JSON line"))
        .filter(|e| e["operation"] == "BatchUpdateUser")
        .flat_map(|e| {
            e["changed_user_ids"]
                .as_array()
                .cloned()
                .unwrap_or_default()
        })
        .map(|v| v.as_str().unwrap_or_default().to_string())
        .collect();
    changed.sort();
    assert_eq!(changed, unregistered);
    st.quit();
}

/// After a change the service refused in part, `result:failed` shows
/// exactly the users it refused.
#[test]
fn result_failed_shows_exactly_the_users_the_service_refused() {
    let st = Stage::start("select-failed");
    let (_, suspended) = st.change_pro_not_registered_to_basic();
    set_filter(&st.t, "result:failed");
    st.t.wait_for("the failed rows", Duration::from_secs(10), |s| {
        title_counts(s).0 == suspended.len()
    });
    assert_eq!(st.export("c.csv"), suspended);
    st.quit();
}

/// Headless, an expression that cannot be read, or that needs the console's
/// results, is refused before any request with exit 2 and the reason.
#[test]
fn headless_filters_that_cannot_be_used_are_refused_before_any_request() {
    let dir = tempfile::tempdir().expect("tmp");
    let (serve, log) = seeded_serve(dir.path(), &[]);
    for (args, says) in [
        (
            vec!["users", ACCOUNT, "--filter", "licence:pro"],
            "unknown field",
        ),
        (
            vec!["users", ACCOUNT, "--filter", "license:gold"],
            "pro, plus, basic",
        ),
        (
            vec!["users", ACCOUNT, "--filter", "result:failed"],
            "console",
        ),
        (
            vec![
                "update-users",
                ACCOUNT,
                "--all",
                "--filter",
                "reg:x",
                "--license",
                "Basic",
            ],
            "registered, unregistered, suspended",
        ),
    ] {
        let out = headless(dir.path(), &serve.url)
            .args(&args)
            .output()
            .expect("run");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(
            err.contains(says) && err.contains("--filter"),
            "{args:?}: {err}"
        );
    }
    let sent = std::fs::read_to_string(&log).unwrap_or_default();
    assert_eq!(sent.lines().count(), 0, "nothing was sent: {sent}");
}

/// Headless `update-users --all --filter` changes exactly the matching users.
#[test]
fn update_users_all_with_a_filter_changes_exactly_the_matching_users() {
    let dir = tempfile::tempdir().expect("tmp");
    let (serve, _) = seeded_serve(dir.path(), &[]);
    let out = headless(dir.path(), &serve.url)
        .args([
            "update-users",
            ACCOUNT,
            "--all",
            "--filter",
            "license:plus reg:unregistered",
        ])
        .args(["--license", "Basic", "--output", "json"])
        .output()
        .expect("run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let want = boto3_ids(&serve.url, dir.path(), "Basic", &["Unregistered"]);
    let plus_unreg: Vec<usize> = (0..N)
        .filter(|i| i % 3 == 1 && i % 7 != 0 && i % 5 == 1)
        .collect();
    let basic_unreg_before = (0..N)
        .filter(|i| i % 3 == 2 && i % 7 != 0 && i % 5 == 1)
        .count();
    assert_eq!(want.len(), basic_unreg_before + plus_unreg.len());
    assert!(boto3_ids(&serve.url, dir.path(), "Plus", &["Unregistered"]).is_empty());
}
