//! End to end: the real binary in tmux against `chime-admin serve` started by
//! the test, checked against the real AWS CLI. Every process and tmux server
//! a test starts is stopped by that test (Drop guards, by pid / own socket).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

mod support;
use support::Serve;
use support::tmux::Tmux;

const BIN: &str = env!("CARGO_BIN_EXE_chime-admin");

/// The AWS CLI against the service, as an independent view of the data.
fn aws(url: &str, home: &Path, args: &[&str]) -> serde_json::Value {
    let empty = home.join("empty");
    std::fs::write(&empty, "").expect("empty config");
    let out = Command::new("aws")
        .envs(support::own_home(home))
        .args(["chime"])
        .args(args)
        .args([
            "--endpoint-url",
            url,
            "--region",
            "us-east-1",
            "--output",
            "json",
        ])
        .env("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
        .env("AWS_SECRET_ACCESS_KEY", "secret")
        .env("AWS_CONFIG_FILE", &empty)
        .env("AWS_SHARED_CREDENTIALS_FILE", &empty)
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env_remove("AWS_PROFILE")
        .output()
        .expect("run aws");
    assert!(
        out.status.success(),
        "aws {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("aws json")
}

/// The id of the account named `name`, as the AWS CLI lists it (None: no such account).
fn account_named(url: &str, home: &Path, name: &str) -> Option<String> {
    aws(url, home, &["list-accounts"])["Accounts"]
        .as_array()
        .expect("accounts")
        .iter()
        .find(|a| a["Name"] == name)
        .and_then(|a| a["AccountId"].as_str())
        .map(String::from)
}

/// The shell command that runs the console in the pane and reports its exit.
fn console_cmd(url: &str, dir: &Path, extra: &str) -> String {
    let empty = dir.join("empty");
    std::fs::write(&empty, "").expect("empty config");
    let log = dir.join("console.log");
    format!(
        "env {home} AWS_ACCESS_KEY_ID=AKIDEXAMPLE AWS_SECRET_ACCESS_KEY=secret AWS_CONFIG_FILE={e} \
         AWS_SHARED_CREDENTIALS_FILE={e} AWS_EC2_METADATA_DISABLED=true {BIN} \
         --endpoint-url {url} --region us-east-1 --log-file {log} --audit-log {audit} {extra}; \
         echo EXITED $?; sleep 600",
        home = support::own_home_env(dir),
        e = empty.display(),
        log = log.display(),
        audit = dir.join("audit.jsonl").display(),
    )
}

fn loaded_count(screen: &str) -> Option<usize> {
    // "… 1,200 loaded, more exist" or "all 5,000 loaded"
    let line = screen.lines().find(|l| l.contains(" loaded"))?;
    let before = line.split(" loaded").next()?;
    let num = before.rsplit(' ').next()?;
    num.replace(',', "").parse().ok()
}

struct Fixture {
    _serve: Serve,
    url: String,
    dir: tempfile::TempDir,
    account_id: String,
    emails: Vec<String>,
    users: Vec<serde_json::Value>,
}

impl Fixture {
    /// The console on this fixture's service (with `extra` flags) in a
    /// 120×40 pane of a tmux server of its own, `name`.
    fn console(&self, name: &str, extra: &str) -> Tmux {
        console_on(name, &self.url, self.dir.path(), extra)
    }
}

/// The console on `url` (with `extra` flags, its files in `dir`) in a
/// 120×40 pane of a tmux server of its own, `name`.
fn console_on(name: &str, url: &str, dir: &Path, extra: &str) -> Tmux {
    let t = Tmux::new(name);
    t.start(120, 40, &console_cmd(url, dir, extra));
    t
}

/// A service with the demo data; the 5,000-user account's id and every email in
/// service order, read with the AWS CLI.
fn fixture(extra: &[&str]) -> Fixture {
    let serve = Serve::start(extra);
    let url = serve.url.clone();
    let dir = tempfile::tempdir().expect("tempdir");
    let account_id = account_named(&url, dir.path(), "Example Corp").expect("Example Corp");
    let users = aws(
        &url,
        dir.path(),
        &["list-users", "--account-id", &account_id],
    );
    let users: Vec<serde_json::Value> = users["Users"].as_array().expect("users").clone();
    let emails: Vec<String> = users
        .iter()
        .map(|u| u["PrimaryEmail"].as_str().unwrap_or("").to_string())
        .collect();
    assert_eq!(emails.len(), 5000, "the demo account has 5,000 users");
    Fixture {
        _serve: serve,
        url,
        dir,
        account_id,
        emails,
        users,
    }
}

/// Opens Example Corp from the accounts pane: its first page, more to come.
fn open_example_corp(t: &Tmux) -> String {
    t.wait_for("the accounts", Duration::from_secs(10), |s| {
        s.contains("Example Corp")
    });
    t.keys(&["Enter"]);
    t.wait_for("the first page", Duration::from_secs(10), |s| {
        s.contains("Users · Example Corp") && s.contains("more exist")
    })
}

/// Types a complete `email` into the filter: the user shows as a table row
/// (found by one look-up, the pages need not be loaded). The screen.
fn look_up(t: &Tmux, email: &str) -> String {
    t.keys(&["/"]);
    t.text(email);
    t.wait_for("the looked-up user", Duration::from_secs(5), |s| {
        user_row(s, email).is_some()
    })
}

/// The table row of the user with this `email`: not the filter line, not
/// the "no loaded user matches "EMAIL"" note.
fn user_row<'s>(screen: &'s str, email: &str) -> Option<&'s str> {
    let quoted = format!("\"{email}\"");
    screen.lines().find(|l| {
        l.contains(email) && l.contains('│') && !l.contains("filter") && !l.contains(&quoted)
    })
}

/// `:` and `command`, entered on the command line.
fn command_line(t: &Tmux, command: &str) {
    t.keys(&[":"]);
    t.text(command);
    t.keys(&["Enter"]);
}

/// The first account is selected with the id the AWS CLI sees; opening it
/// shows the first user in service order, and `G` (each press loads the next
/// page) reaches the last of 5,000; `ctrl-r` starts again from the first page.
#[test]
fn g_pages_to_the_last_of_5000_users_and_ctrl_r_reloads_from_the_first_page() {
    let fx = fixture(&["--latency-ms", "40"]);
    let t = fx.console("browse-g", "");
    t.wait_for("the accounts", Duration::from_secs(10), |s| {
        s.contains("Example Corp") && s.contains(&fx.account_id)
    });
    // Open the account: the first page shows after one round trip.
    let s = open_example_corp(&t);
    assert!(
        s.contains(&fx.emails[0]),
        "first user in service order:\n{s}"
    );

    // Page to the end: G jumps to the last loaded row, which loads the next page.
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut last = 0;
    loop {
        let s = t.screen();
        if s.contains("all 5,000 loaded") {
            break;
        }
        let n = loaded_count(&s).unwrap_or(0);
        assert!(Instant::now() < deadline, "stuck at {n} loaded:\n{s}");
        if n > last || n == 0 {
            last = n;
            t.keys(&["G"]);
        }
        std::thread::sleep(Duration::from_millis(40));
    }
    t.keys(&["G"]);
    let last_email = fx.emails.last().expect("users");
    let s = t.wait_for(
        "the last user under the cursor",
        Duration::from_secs(5),
        |s| s.contains(last_email.as_str()) && s.contains("5,000 users · all 5,000 loaded"),
    );
    assert!(s.contains("5,000"), "{s}");

    t.keys(&["C-r"]);
    t.wait_for("the reloaded first page", Duration::from_secs(10), |s| {
        s.contains("more exist")
    });
}

/// A fragment typed into the filter matches as many users as the AWS CLI
/// lists with it, only those rows show, and escape clears it.
#[test]
fn a_filter_fragment_matches_what_the_aws_cli_lists_and_esc_clears_it() {
    let fx = fixture(&["--latency-ms", "40"]);
    let t = fx.console("browse-filter", "");
    open_example_corp(&t);
    let fragment = "kim@";
    let expected = fx
        .emails
        .iter()
        .filter(|e| e.to_lowercase().contains(fragment))
        .count();
    assert!(expected > 0);
    t.keys(&["/"]);
    t.text(fragment);
    let want = format!("matching {expected} of 5,000 users");
    let s = t.wait_for("the filtered count", Duration::from_secs(30), |s| {
        s.contains(&want)
    });
    let rows: Vec<&str> = s
        .lines()
        .filter(|l| l.contains('@') && !l.contains("Email ") && !l.contains("filter /"))
        .collect();
    assert!(
        rows.iter().all(|l| l.contains(fragment)),
        "only matching rows:\n{s}"
    );
    assert_eq!(rows.len(), expected.min(22), "every match on screen:\n{s}");
    t.keys(&["Escape"]);
    t.wait_for("the filter cleared", Duration::from_secs(5), |s| {
        s.contains("5,000 users · all 5,000 loaded")
    });
}

/// A full email far beyond the first page is found by one look-up while
/// the pages are still loading: at 300 ms a page, paging to user 4,321
/// takes over 6 s, past the look-up's 5 s deadline, so the row can only
/// come from the look-up, and the title still says more pages exist.
#[test]
fn a_full_email_beyond_the_first_page_is_found_while_pages_load() {
    let fx = fixture(&["--latency-ms", "300"]);
    let t = fx.console("browse-lookup", "");
    open_example_corp(&t);
    let s = look_up(&t, &fx.emails[4321]);
    assert!(s.contains("more exist"), "found before every page: {s}");
}

/// Resized to 80×24 the panes are laid out again: nothing drawn past the
/// edge, and the user found stays in view.
#[test]
fn resized_to_80x24_the_panes_fit_and_the_found_user_stays_in_view() {
    let fx = fixture(&["--latency-ms", "40"]);
    let t = fx.console("browse-resize", "");
    open_example_corp(&t);
    let target = &fx.emails[4321];
    look_up(&t, target);
    t.keys(&["Enter"]);
    t.cmd(&["resize-window", "-t", "t", "-x", "80", "-y", "24"]);
    let s = t.wait_for("the 80×24 layout", Duration::from_secs(5), |s| {
        s.lines()
            .nth(1)
            .is_some_and(|l| l.starts_with("┌ Users") && l.chars().count() == 80)
    });
    assert_eq!(s.lines().count(), 24, "{s}");
    assert!(s.lines().all(|l| l.chars().count() <= 80));
    assert!(user_row(&s, target).is_some(), "{s}");
}

/// The console draws on the alternate screen; `q` gives the terminal back
/// (normal screen, cursor shown) and the log has the first frame but no
/// email (not the page's, not one typed into the filter) and no secret.
#[test]
fn q_restores_the_terminal_and_the_log_has_no_email_or_secret() {
    let fx = fixture(&["--latency-ms", "40"]);
    let t = fx.console("browse-quit", "");
    t.wait_for("the accounts", Duration::from_secs(10), |s| {
        s.contains("Example Corp")
    });
    assert_eq!(
        t.display("#{alternate_on}"),
        "1",
        "the console uses the alternate screen"
    );
    open_example_corp(&t);
    let target = &fx.emails[4321];
    look_up(&t, target);
    t.keys(&["Enter"]);
    t.escape_until("the filter cleared", |s| !s.contains("filter /"));
    t.keys(&["q"]);
    t.wait_for("the console to exit", Duration::from_secs(10), |s| {
        s.contains("EXITED 0")
    });
    assert_eq!(
        t.display("#{alternate_on}"),
        "0",
        "left the alternate screen"
    );
    assert_eq!(t.display("#{cursor_flag}"), "1", "cursor shown again");
    let log = std::fs::read_to_string(fx.dir.path().join("console.log")).expect("log file");
    assert!(log.contains("first frame drawn"));
    assert!(
        !fx.emails.iter().take(200).any(|e| log.contains(e.as_str())),
        "no emails in the log"
    );
    assert!(
        !log.contains(target.as_str()),
        "no looked-up email in the log"
    );
    assert!(!log.contains("secret"));
}

fn child_pid(t: &Tmux) -> u32 {
    let sh = t.display("#{pane_pid}");
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let out = Command::new("pgrep")
            .args(["-P", &sh, "-f", "chime-admin"])
            .output()
            .expect("pgrep");
        if let Some(pid) = String::from_utf8_lossy(&out.stdout)
            .split_whitespace()
            .next()
        {
            return pid.parse().expect("pid");
        }
        assert!(Instant::now() < deadline, "console process not found");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The console on an endpoint where nothing listens says so in a dialog
/// and keeps running; signal `sig` (TERM, HUP) then ends it with exit code
/// 0 and the terminal restored.
fn a_signal_restores_the_terminal(sig: &str) {
    let dir = tempfile::tempdir().expect("tempdir");
    let refusing = support::RefusingPort::new();
    let t = Tmux::new(&format!("sig{sig}"));
    t.start(100, 30, &console_cmd_stty(&refusing.url(), dir.path(), ""));
    let s = t.wait_for("the error dialog", Duration::from_secs(20), |s| {
        s.contains("Error")
    });
    assert!(
        s.contains("ListAccounts") && s.contains("what to do"),
        "{s}"
    );
    let pid = child_pid(&t);
    let out = Command::new("kill")
        .args([&format!("-{sig}"), &pid.to_string()])
        .output()
        .expect("kill");
    assert!(out.status.success());
    t.wait_for("the console to exit", Duration::from_secs(10), |s| {
        s.contains("EXITED 0")
    });
    assert_restored(&t, &format!("SIG{sig}"));
}

#[test]
fn sigterm_restores_the_terminal_and_a_dead_endpoint_is_explained() {
    a_signal_restores_the_terminal("TERM");
}

#[test]
fn sighup_restores_the_terminal_and_a_dead_endpoint_is_explained() {
    a_signal_restores_the_terminal("HUP");
}

/// The SIGHUP path: an idle console (nothing to draw, so no write fails)
/// whose pane goes away stops on the hang-up signal, and its log says so.
/// The paths without SIGHUP are
/// [`a_lost_terminal_without_sighup_mid_change_stops_and_audits_what_the_service_did`]
/// and [`an_idle_console_without_sighup_notices_its_terminal_hung_up`].
#[test]
fn a_lost_terminal_ends_the_process() {
    let fx_dir = tempfile::tempdir().expect("tempdir");
    let serve = Serve::start(&[]);
    let t = Tmux::new("lost");
    t.start(100, 30, &console_cmd(&serve.url, fx_dir.path(), ""));
    t.wait_for("the accounts", Duration::from_secs(10), |s| {
        s.contains("Example Corp")
    });
    let pid = child_pid(&t);
    // The pane (its pty) goes away, as when an SSH connection drops.
    t.cmd(&["kill-pane", "-t", "t"]);
    let deadline = Instant::now() + Duration::from_secs(10);
    while PathBuf::from(format!("/proc/{pid}")).exists() {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
        if stat.contains(") Z") {
            break; // exited, not yet reaped
        }
        assert!(
            Instant::now() < deadline,
            "the console kept running without its terminal"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let log = std::fs::read_to_string(fx_dir.path().join("console.log")).expect("log");
    let stopping = log
        .lines()
        .find(|l| l.contains("console stopping"))
        .expect("the stopping line");
    assert!(stopping.contains("SIGHUP"), "{stopping}");
}

// ---------------------------------------------------------------- changes (issue 6)

impl Fixture {
    fn users_now(&self) -> Vec<serde_json::Value> {
        let v = aws(
            &self.url,
            self.dir.path(),
            &["list-users", "--account-id", &self.account_id],
        );
        v["Users"].as_array().expect("users").clone()
    }

    /// An email fragment (".last@") whose matches span pages, include users not
    /// yet Basic and no suspended user; `skip` picks a later candidate.
    fn fragment(&self, skip: usize) -> (String, Vec<usize>) {
        let mut seen = std::collections::HashSet::new();
        let mut found = 0;
        for e in &self.emails {
            let Some(last) = e.split('@').next().and_then(|l| l.rsplit('.').next()) else {
                continue;
            };
            let frag = format!(".{last}@");
            if !seen.insert(frag.clone()) {
                continue;
            }
            let idx: Vec<usize> = (0..self.emails.len())
                .filter(|&i| self.emails[i].to_lowercase().contains(&frag))
                .collect();
            let ok = (8..=40).contains(&idx.len())
                && idx.iter().any(|&i| i < 200)
                && idx.iter().any(|&i| i >= 1000)
                && idx
                    .iter()
                    .all(|&i| self.users[i]["UserRegistrationStatus"] != "Suspended")
                && idx
                    .iter()
                    .filter(|&&i| self.users[i]["LicenseType"] != "Basic")
                    .count()
                    >= 3;
            if ok {
                if found == skip {
                    return (frag, idx);
                }
                found += 1;
            }
        }
        panic!("no suitable fragment in the demo data");
    }
}

/// Opens Example Corp, filters by `frag`, and marks every match (all pages).
fn open_filter_and_mark_all(t: &Tmux, frag: &str, n: usize) {
    t.wait_for("the accounts", Duration::from_secs(10), |s| {
        s.contains("Example Corp")
    });
    t.keys(&["Enter"]);
    t.wait_for("the first page", Duration::from_secs(10), |s| {
        s.contains("Users · Example Corp")
    });
    t.keys(&["/"]);
    t.text(frag);
    t.keys(&["Enter"]);
    t.keys(&["a"]);
    let want = format!("{n} marked");
    t.wait_for("every match marked", Duration::from_secs(30), |s| {
        s.contains(&want) && s.contains(&format!("matching {n} of 5,000 users"))
    });
}

fn change_license_to_basic(t: &Tmux, will_change: usize) {
    change_license_to_basic_in(t, will_change, "Example Corp");
}

fn change_license_to_basic_in(t: &Tmux, will_change: usize, account: &str) {
    t.keys(&["e"]);
    t.wait_for("the form", Duration::from_secs(5), |s| {
        s.contains("Change users")
    });
    t.text("B");
    t.keys(&["Enter"]);
    let want = format!("· {} will change ·", thousands(will_change));
    let account = format!("in {account}, as read just now:");
    // The plan reads the users first: a listing of the account, page by
    // page, at the service's latency.
    t.wait_for("the preview", Duration::from_secs(60), |s| {
        s.contains(&want) && s.contains(&account)
    });
    t.confirm("y");
}

fn license(u: &serde_json::Value) -> &str {
    u["LicenseType"].as_str().unwrap_or("")
}

#[test]
fn mark_all_matches_across_pages_and_change_license_to_basic() {
    let fx = fixture(&[]);
    let (frag, idx) = fx.fragment(0);
    let to_change = idx
        .iter()
        .filter(|&&i| license(&fx.users[i]) != "Basic")
        .count();
    let t = Tmux::new("bulk");
    t.start(120, 40, &console_cmd(&fx.url, fx.dir.path(), ""));
    open_filter_and_mark_all(&t, &frag, idx.len());
    change_license_to_basic(&t, to_change);
    let want = format!("{to_change} updated ·");
    let s = t.wait_for("the summary", Duration::from_secs(30), |s| {
        s.contains(&want)
    });
    assert!(!s.contains("failed"), "{s}");
    assert!(s.contains("✓ license changed"), "{s}");

    // The AWS CLI sees every match Basic and no other user changed.
    let after = fx.users_now();
    assert_eq!(after.len(), 5000);
    for (i, (b, a)) in fx.users.iter().zip(&after).enumerate() {
        assert_eq!(b["UserId"], a["UserId"], "same order");
        if idx.contains(&i) {
            assert_eq!(license(a), "Basic", "{}", fx.emails[i]);
            let (mut b2, mut a2) = (b.clone(), a.clone());
            b2["LicenseType"] = "x".into();
            a2["LicenseType"] = "x".into();
            assert_eq!(b2, a2, "only the license changed");
        } else {
            assert_eq!(b, a, "user {i} not in the filter changed");
        }
    }
    // The audit log: one result line per user sent, no emails.
    let audit = std::fs::read_to_string(fx.dir.path().join("audit.jsonl")).expect("audit log");
    let results: Vec<serde_json::Value> = audit
        .lines()
        .map(|l| serde_json::from_str(l).expect("json line"))
        .filter(|v: &serde_json::Value| v["event"] == "result")
        .collect();
    assert_eq!(results.len(), to_change);
    assert!(
        results
            .iter()
            .all(|r| r["result"] == "ok" && r["operation"] == "BatchUpdateUser")
    );
    assert!(results.iter().all(|r| r["changes"][0]["to"] == "Basic"));
    // Each success names the request that made it: at most 20 users per request.
    let ids: std::collections::HashSet<&str> = results
        .iter()
        .map(|r| {
            r["request_id"]
                .as_str()
                .expect("a request id on every result")
        })
        .collect();
    assert!(ids.len() >= to_change.div_ceil(20), "{ids:?}");
    assert!(ids.iter().all(|id| id.len() == 36), "{ids:?}");
    assert!(
        !idx.iter().any(|&i| audit.contains(fx.emails[i].as_str())),
        "no emails in the audit log"
    );
}

#[test]
fn a_user_suspended_after_marking_shows_conflict_inline_and_stays_unchanged() {
    let fx = fixture(&[]);
    let (frag, idx) = fx.fragment(1);
    let to_change = idx
        .iter()
        .filter(|&&i| license(&fx.users[i]) != "Basic")
        .count();
    let victim = *idx
        .iter()
        .find(|&&i| license(&fx.users[i]) != "Basic")
        .expect("victim");
    let victim_id = fx.users[victim]["UserId"].as_str().expect("id").to_string();
    let t = Tmux::new("conflict");
    t.start(120, 40, &console_cmd_stty(&fx.url, fx.dir.path(), ""));
    open_filter_and_mark_all(&t, &frag, idx.len());
    // Suspended behind the console's back, after marking, before applying.
    aws(
        &fx.url,
        fx.dir.path(),
        &[
            "batch-suspend-user",
            "--account-id",
            &fx.account_id,
            "--user-id-list",
            &victim_id,
        ],
    );
    change_license_to_basic(&t, to_change);
    let want = format!("{} updated · 1 failed", to_change - 1);
    let s = t.wait_for("the summary", Duration::from_secs(30), |s| {
        s.contains(&want)
    });
    let email = &fx.emails[victim];
    // The Email column is narrow once the Result column shows: rows are
    // known by the start of the address.
    let shown: String = email.chars().take(12).collect();
    let row = s
        .lines()
        .find(|l| l.contains(shown.as_str()) && l.contains("Conflict"))
        .unwrap_or_else(|| panic!("no Conflict row for {email}:\n{s}"));
    assert!(row.contains("✗ Conflict (license change)"), "{row}");
    assert!(row.contains("● "), "the failed row stays marked: {row}");
    assert!(
        s.contains("· 1 marked"),
        "only the failed row stays marked:\n{s}"
    );
    // Its row is re-read: the service's suspension shows.
    t.wait_for("the re-read row", Duration::from_secs(10), |s| {
        s.lines()
            .any(|l| l.contains(shown.as_str()) && l.contains("✗ Suspended"))
    });
    let after = fx.users_now();
    assert_eq!(
        license(&after[victim]),
        license(&fx.users[victim]),
        "unchanged"
    );
    assert_eq!(after[victim]["UserRegistrationStatus"], "Suspended");
    for &i in &idx {
        if i != victim {
            assert_eq!(license(&after[i]), "Basic");
        }
    }

    // Retry after fixing the cause (issue 11): unsuspend the failed user
    // (still marked), then r retries the license change for it.
    t.text("U");
    t.wait_for("the unsuspend preview", Duration::from_secs(5), |s| {
        s.contains("1 marked · 1 will change")
    });
    t.confirm("y");
    let s = t.wait_for("unsuspended", Duration::from_secs(20), |s| {
        s.lines()
            .any(|l| l.contains(shown.as_str()) && l.contains("✓ unsuspended"))
    });
    assert!(
        !s.contains("✓ updated"),
        "each result names its change:\n{s}"
    );
    t.text("r");
    t.wait_for("the retry preview", Duration::from_secs(5), |s| {
        s.contains("1 to retry · 1 will change") && s.contains("License")
    });
    t.confirm("y");
    t.wait_for("the license changed", Duration::from_secs(20), |s| {
        s.lines()
            .any(|l| l.contains(shown.as_str()) && l.contains("✓ license changed"))
    });
    let after = fx.users_now();
    assert_eq!(
        license(&after[victim]),
        "Basic",
        "retried after the unsuspend"
    );
    assert_eq!(after[victim]["UserRegistrationStatus"], "Registered");
    t.keys(&["q"]);
    assert_restored(&t, "after the retry");
}

#[test]
fn with_item_failures_every_user_ends_changed_or_shown_failed() {
    let fx = fixture(&["--item-fail-rate", "0.2", "--fault-seed", "11"]);
    let (frag, idx) = fx.fragment(2);
    let to_change: Vec<usize> = idx
        .iter()
        .copied()
        .filter(|&i| license(&fx.users[i]) != "Basic")
        .collect();
    let t = Tmux::new("faults");
    t.start(120, 40, &console_cmd(&fx.url, fx.dir.path(), ""));
    open_filter_and_mark_all(&t, &frag, idx.len());
    change_license_to_basic(&t, to_change.len());
    let s = t.wait_for("the summary", Duration::from_secs(60), |s| {
        s.contains(" updated ·")
    });
    let status = s
        .lines()
        .find(|l| l.contains(" updated ·"))
        .expect("summary line");
    let num = |word: &str| -> usize {
        status
            .split(" · ")
            .find_map(|p| {
                p.trim()
                    .strip_suffix(word)
                    .map(|n| n.trim().replace(',', ""))
            })
            .and_then(|n| n.split_whitespace().last().map(String::from))
            .and_then(|n| n.parse().ok())
            .unwrap_or(0)
    };
    let updated = num("updated");
    let failed = status
        .split(" · ")
        .find(|p| p.contains("failed"))
        .and_then(|p| p.split_whitespace().next())
        .and_then(|n| n.parse::<usize>().ok())
        .unwrap_or(0);
    assert_eq!(updated + failed, to_change.len(), "{status}");
    // The service agrees with the screen: exactly `updated` users became Basic.
    let after = fx.users_now();
    let now_basic = to_change
        .iter()
        .filter(|&&i| license(&after[i]) == "Basic")
        .count();
    assert_eq!(now_basic, updated, "{status}");
    // Each row on screen says what the service has.
    for &i in &to_change {
        let email = fx.emails[i].as_str();
        if let Some(row) = s
            .lines()
            .find(|l| l.contains(email) && !l.contains("Email "))
        {
            if license(&after[i]) == "Basic" {
                assert!(row.contains("✓ license changed"), "{row}");
            } else {
                assert!(row.contains("✗ "), "{row}");
            }
        }
    }
    for (i, (b, a)) in fx.users.iter().zip(&after).enumerate() {
        if !idx.contains(&i) {
            assert_eq!(b, a, "user {i} not in the filter changed");
        }
    }
}

#[test]
fn read_only_offers_no_change_and_the_worker_refuses_one() {
    let fx = fixture(&[]);
    let t = Tmux::new("ro");
    t.start(120, 40, &console_cmd(&fx.url, fx.dir.path(), "--read-only"));
    let s = t.wait_for("the accounts", Duration::from_secs(10), |s| {
        s.contains("Example Corp")
    });
    assert!(s.contains("READ-ONLY"), "{s}");
    t.keys(&["Enter"]);
    t.wait_for("the first page", Duration::from_secs(10), |s| {
        s.contains("more exist")
    });
    t.keys(&["Space"]);
    t.keys(&["e"]);
    t.keys(&["?"]);
    let s = t.wait_for("help", Duration::from_secs(5), |s| {
        s.contains("Keys (read-only)")
    });
    assert!(
        !s.contains("Change users") && !s.contains("change license"),
        "{s}"
    );
    assert!(!s.contains("e edit"), "{s}");
    t.keys(&["Escape"]);
    // The worker itself refuses a change in read-only mode, whoever asks.
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let refused = rt.block_on(async {
        use chime_admin::audit::Audit;
        use chime_admin::console::action::Action;
        use chime_admin::console::{effect::Request, worker};
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let url = fx.url.clone();
        let client = async move {
            chime_admin::client::Client::with_static_credentials(
                &url,
                "us-east-1",
                "AKIDEXAMPLE",
                "secret",
            )
        };
        let cfg = worker::WorkerConfig {
            read_only: true,
            audit: Audit {
                path: fx.dir.path().join("ro-audit.jsonl"),
                endpoint: fx.url.clone(),
                profile: None,
            },
            page_size: chime_admin::console::state::PAGE_SIZE,
            concurrency: chime_admin::client::batch::INITIAL_CONCURRENCY,
            conn: None,
        };
        let fx_tx = worker::spawn(client, cfg, tx).effects;
        let id = fx.users[0]["UserId"].as_str().expect("id").to_string();
        let change = chime_admin::plan::Change::Update(chime_admin::model::UserUpdate {
            license_type: Some(chime_admin::model::License::Basic),
            ..Default::default()
        });
        let user = chime_admin::model::User {
            user_id: id.clone(),
            ..Default::default()
        };
        let plan = chime_admin::plan::Plan::build(&fx.account_id, None, change, &[id], vec![user])
            .expect("a plan");
        let _ = fx_tx.send(Request::Change {
            batch_id: 7,
            plan: Box::new(plan),
        });
        loop {
            match tokio::time::timeout(Duration::from_secs(10), rx.recv()).await {
                Ok(Some(Action::Failed {
                    gen_id: 7,
                    operation,
                    error,
                })) => break (operation, error),
                Ok(Some(_)) => continue,
                other => panic!("no refusal: {other:?}"),
            }
        }
    });
    assert_eq!(
        refused,
        (
            "BatchUpdateUser".to_string(),
            chime_admin::console::action::Failure::ReadOnly
        ),
        "refused by the worker in read-only mode"
    );
    assert_eq!(fx.users_now(), fx.users, "nothing changed on the service");
    assert!(
        !fx.dir.path().join("ro-audit.jsonl").exists(),
        "nothing sent, nothing audited"
    );
}

/// Filters the open users pane to the one user with this `email`.
fn filter_to_one(t: &Tmux, email: &str) {
    t.keys(&["/"]);
    t.text(email);
    t.keys(&["Enter"]);
    t.wait_for("the one user", Duration::from_secs(5), |s| {
        s.contains("matching 1 of")
    });
}

/// Marks each user (found by its email, the filter cleared after) and
/// waits for the count.
fn mark_one_by_one<'a>(t: &Tmux, emails: impl Iterator<Item = &'a str>) {
    let mut n = 0;
    for email in emails {
        filter_to_one(t, email);
        t.keys(&["Space"]);
        t.keys(&["Escape"]);
        t.wait_for("the filter cleared", Duration::from_secs(5), |s| {
            !s.contains("filter /")
        });
        n += 1;
    }
    let want = format!("{n} marked");
    t.wait_for("the marks", Duration::from_secs(5), |s| s.contains(&want));
}

/// Three users marked one by one (each found by its email) and `s`: the
/// service has exactly those three suspended, and the audit log the call.
#[test]
fn s_suspends_the_marked_users_and_no_other() {
    let fx = fixture(&[]);
    // Three users of the first page that are not suspended.
    let picks: Vec<usize> = (0..30)
        .filter(|&i| fx.users[i]["UserRegistrationStatus"] != "Suspended")
        .take(3)
        .collect();
    let t = fx.console("suspend", "");
    open_example_corp(&t);
    mark_one_by_one(&t, picks.iter().map(|&i| fx.emails[i].as_str()));
    t.text("s");
    t.wait_for("the preview", Duration::from_secs(5), |s| {
        s.contains("3 marked · 3 will change · 0 already") && s.contains("Registration")
    });
    t.confirm("y");
    t.wait_for("the summary", Duration::from_secs(20), |s| {
        s.contains("3 done ·")
    });
    let after = fx.users_now();
    for (i, (b, a)) in fx.users.iter().zip(&after).enumerate() {
        if picks.contains(&i) {
            assert_eq!(a["UserRegistrationStatus"], "Suspended", "{}", fx.emails[i]);
        } else {
            assert_eq!(b, a, "user {i} changed");
        }
    }
    let audit = std::fs::read_to_string(fx.dir.path().join("audit.jsonl")).expect("audit");
    assert!(audit.contains("BatchSuspendUser"), "{audit}");
}

/// `P` on a registered user: the new PIN is shown once, in a dialog; the
/// service never gives it again (GetUser omits it), closing the dialog
/// hides it, and neither the log nor the audit log has it.
#[test]
fn a_reset_pin_is_shown_once_and_never_again_nor_logged() {
    let fx = fixture(&[]);
    let target = (30..200)
        .find(|&i| fx.users[i]["UserRegistrationStatus"] == "Registered")
        .expect("a registered user");
    let t = fx.console("pin", "");
    open_example_corp(&t);
    filter_to_one(&t, &fx.emails[target]);
    t.text("P");
    t.wait_for("the preview", Duration::from_secs(5), |s| {
        s.contains("Personal PIN")
    });
    t.confirm("y");
    let s = t.wait_for("the PIN dialog", Duration::from_secs(10), |s| {
        s.contains("Personal PIN reset")
    });
    let shown: String = s
        .lines()
        .skip_while(|l| !l.contains("The new personal PIN"))
        .nth(2)
        .map(|l| l.chars().filter(|c| c.is_ascii_digit()).collect())
        .unwrap_or_default();
    assert_eq!(shown.len(), 10, "a 10-digit PIN on screen:\n{s}");
    // The service never shows it again (AWS's GetUser omits the PIN), and
    // closing the dialog hides it.
    let user = aws(
        &fx.url,
        fx.dir.path(),
        &[
            "get-user",
            "--account-id",
            &fx.account_id,
            "--user-id",
            fx.users[target]["UserId"].as_str().expect("id"),
        ],
    );
    assert_eq!(user["User"]["UserId"], fx.users[target]["UserId"]);
    assert!(
        user["User"].get("PersonalPIN").is_none(),
        "GetUser returns no PIN: {user}"
    );
    t.keys(&["Enter"]);
    let s = t.wait_for("the dialog closed", Duration::from_secs(5), |s| {
        !s.contains("Personal PIN reset")
    });
    assert!(!s.contains(&shown), "{s}");
    t.keys(&["q"]);
    t.wait_for("exit", Duration::from_secs(10), |s| s.contains("EXITED 0"));
    let log = std::fs::read_to_string(fx.dir.path().join("console.log")).expect("log");
    assert!(!log.contains(&shown), "the PIN is not in the log");
    let audit = std::fs::read_to_string(fx.dir.path().join("audit.jsonl")).expect("audit");
    assert!(audit.contains("ResetPersonalPIN"), "{audit}");
    assert!(!audit.contains(&shown), "the PIN is not in the audit log");
}

/// The audit log in `dir`: every admin call that succeeded names the
/// request that made it (one call: its request id; several, as for
/// invitations: all of them). Its text.
fn audit_with_request_ids(dir: &Path) -> String {
    let audit = std::fs::read_to_string(dir.join("audit.jsonl")).expect("audit");
    for line in audit.lines() {
        let v: serde_json::Value = serde_json::from_str(line).expect("json line");
        if v["event"] == "admin" && v["result"] == "ok" {
            let one = v["request_id"].as_str().map(|id| id.len() == 36);
            let all = v["request_ids"].as_array().map(|ids| ids.len() > 1);
            assert!(one == Some(true) || all == Some(true), "{line}");
        }
    }
    audit
}

/// A service with the demo data and a directory for the test's files.
fn demo_service() -> (Serve, tempfile::TempDir) {
    (Serve::start(&[]), tempfile::tempdir().expect("tempdir"))
}

/// The console on `url` in a 120×40 pane, `Design Studio` (a Team account
/// with active users) opened through the command line.
fn open_design_studio(name: &str, url: &str, dir: &Path) -> Tmux {
    let t = console_on(name, url, dir, "");
    t.wait_for("the accounts", Duration::from_secs(10), |s| {
        s.contains("Design Studio")
    });
    command_line(&t, "account Design Studio");
    t.wait_for("its users", Duration::from_secs(10), |s| {
        s.contains("Users · Design Studio")
    });
    t
}

/// `n` and a name: the account is created, the AWS CLI lists it, and the
/// audit log has the call with its request id.
#[test]
fn n_creates_an_account_the_aws_cli_lists() {
    let (serve, dir) = demo_service();
    let t = console_on("newaccount", &serve.url, dir.path(), "");
    t.wait_for("the accounts", Duration::from_secs(10), |s| {
        s.contains("Design Studio")
    });
    t.text("n");
    t.wait_for("the prompt", Duration::from_secs(5), |s| {
        s.contains("New account")
    });
    t.text("Console Made");
    t.confirm("Enter");
    t.wait_for("the new account", Duration::from_secs(10), |s| {
        s.contains("account Console Made created") && s.contains("│Console Made")
    });
    assert!(account_named(&serve.url, dir.path(), "Console Made").is_some());
    let audit = audit_with_request_ids(dir.path());
    assert!(audit.contains("\"CreateAccount\""), "{audit}");
}

/// `D` on a Team account with active users, its name typed to confirm: the
/// service refuses, the console says why, and the account is still there.
#[test]
fn deleting_a_team_account_with_active_users_is_refused_and_says_why() {
    let (serve, dir) = demo_service();
    let t = console_on("delaccount", &serve.url, dir.path(), "");
    t.wait_for("the accounts", Duration::from_secs(10), |s| {
        s.contains("Design Studio")
    });
    t.keys(&["/"]);
    t.text("Design");
    t.keys(&["Enter"]);
    t.text("D");
    t.wait_for("the delete prompt", Duration::from_secs(5), |s| {
        s.contains("Delete account")
    });
    t.text("Design Studio");
    t.confirm("Enter");
    let s = t.wait_for("the refusal", Duration::from_secs(10), |s| {
        s.contains("Error")
    });
    assert!(
        s.contains("not suspended") && s.contains("DeleteAccount"),
        "{s}"
    );
    t.escape_until("the error closed", |s| !s.contains("Error"));
    assert!(account_named(&serve.url, dir.path(), "Design Studio").is_some());
    let audit = audit_with_request_ids(dir.path());
    assert!(audit.contains("\"DeleteAccount\""), "{audit}");
}

/// `I` and three emails (separated by commas or spaces) in a Team account:
/// the AWS CLI lists all three; the audit log names every request and no
/// email.
#[test]
fn i_invites_three_users_into_a_team_account() {
    let (serve, dir) = demo_service();
    let id = account_named(&serve.url, dir.path(), "Design Studio").expect("Design Studio");
    let t = open_design_studio("invite", &serve.url, dir.path());
    t.text("I");
    t.wait_for("the invite prompt", Duration::from_secs(5), |s| {
        s.contains("Invite users")
    });
    t.text("inv1@new.example.com, inv2@new.example.com inv3@new.example.com");
    t.confirm("Enter");
    t.wait_for("the invitations", Duration::from_secs(10), |s| {
        s.contains("3 invited")
    });
    let users = aws(&serve.url, dir.path(), &["list-users", "--account-id", &id]);
    let emails: Vec<&str> = users["Users"]
        .as_array()
        .expect("users")
        .iter()
        .filter_map(|u| u["PrimaryEmail"].as_str())
        .collect();
    for e in [
        "inv1@new.example.com",
        "inv2@new.example.com",
        "inv3@new.example.com",
    ] {
        assert!(emails.contains(&e), "{e} invited");
    }
    let audit = audit_with_request_ids(dir.path());
    assert!(audit.contains("\"InviteUsers\""), "{audit}");
    assert!(
        !audit.contains("inv1@new.example.com"),
        "no emails in the audit log"
    );
}

/// `c` with an email, a username and a user type: the AWS CLI finds the
/// user with that type; the audit log has the call and not the email.
#[test]
fn c_creates_a_shared_device_user() {
    let (serve, dir) = demo_service();
    let id = account_named(&serve.url, dir.path(), "Design Studio").expect("Design Studio");
    let t = open_design_studio("createuser", &serve.url, dir.path());
    t.text("c");
    t.wait_for("the create prompt", Duration::from_secs(5), |s| {
        s.contains("Create user")
    });
    t.text("room-new@new.example.com");
    t.keys(&["Tab"]);
    t.text("room-new");
    t.keys(&["Tab"]);
    t.text("shareddevice");
    t.confirm("Enter");
    t.wait_for("the new user", Duration::from_secs(10), |s| {
        s.contains("user created: room-new@new.example.com")
    });
    let found = aws(
        &serve.url,
        dir.path(),
        &[
            "list-users",
            "--account-id",
            &id,
            "--user-email",
            "room-new@new.example.com",
        ],
    );
    assert_eq!(found["Users"][0]["UserType"], "SharedDevice", "{found}");
    let audit = audit_with_request_ids(dir.path());
    assert!(audit.contains("\"CreateUser\"") && !audit.contains("room-new@"));
}

#[test]
fn telephony_settings_and_delegate_groups_are_saved() {
    let fx = fixture(&[]);
    let t = Tmux::new("settings");
    t.start(120, 40, &console_cmd(&fx.url, fx.dir.path(), ""));
    t.wait_for("the accounts", Duration::from_secs(10), |s| {
        s.contains("Example Corp")
    });
    // Sign-in delegate groups on the selected account (Example Corp).
    t.text("+");
    t.wait_for("the prompt", Duration::from_secs(5), |s| {
        s.contains("Add sign-in delegate groups")
    });
    t.text("console-admins");
    t.confirm("Enter");
    t.wait_for("the groups", Duration::from_secs(10), |s| {
        s.contains("groups added: console-admins")
    });
    let acc = aws(
        &fx.url,
        fx.dir.path(),
        &["get-account", "--account-id", &fx.account_id],
    );
    let groups = acc["Account"]["SigninDelegateGroups"].to_string();
    assert!(groups.contains("console-admins"), "{groups}");

    // The first user's telephony: read, toggle SMS, save.
    let user_id = fx.users[0]["UserId"].as_str().expect("id").to_string();
    let before = aws(
        &fx.url,
        fx.dir.path(),
        &[
            "get-user-settings",
            "--account-id",
            &fx.account_id,
            "--user-id",
            &user_id,
        ],
    );
    let sms = before["UserSettings"]["Telephony"]["SMS"]
        .as_bool()
        .expect("sms");
    t.keys(&["Enter"]);
    // The first page is here (T acts on the user under the cursor).
    t.wait_for("the users", Duration::from_secs(10), |s| {
        s.contains(fx.emails[0].as_str())
    });
    t.text("T");
    t.wait_for("the settings", Duration::from_secs(5), |s| {
        s.contains("Telephony of") && s.contains("SMS")
    });
    t.keys(&["Down", "Down"]);
    t.text(" ");
    t.confirm("Enter");
    t.wait_for("saved", Duration::from_secs(10), |s| {
        s.contains("telephony settings saved")
    });
    let after = aws(
        &fx.url,
        fx.dir.path(),
        &[
            "get-user-settings",
            "--account-id",
            &fx.account_id,
            "--user-id",
            &user_id,
        ],
    );
    assert_eq!(
        after["UserSettings"]["Telephony"]["SMS"].as_bool(),
        Some(!sms)
    );
    assert_eq!(
        after["UserSettings"]["Telephony"]["InboundCalling"],
        before["UserSettings"]["Telephony"]["InboundCalling"]
    );
}

#[test]
fn throttling_shows_in_the_status_line_and_every_page_still_loads() {
    // Not `fixture`: the AWS CLI's own retries are not under test here.
    let serve = Serve::start(&["--throttle-rps", "4"]);
    let dir = tempfile::tempdir().expect("tempdir");
    let t = Tmux::new("throttle");
    t.start(120, 40, &console_cmd(&serve.url, dir.path(), ""));
    t.wait_for("the accounts", Duration::from_secs(20), |s| {
        s.contains("Example Corp")
    });
    t.keys(&["Enter"]);
    t.wait_for("the first page", Duration::from_secs(20), |s| {
        s.contains("more exist")
    });
    // A filter loads every page as fast as the service lets it.
    t.keys(&["/"]);
    t.text("@");
    t.wait_for("throttled, retrying", Duration::from_secs(30), |s| {
        s.contains("throttled, retrying")
    });
    t.wait_for("every page", Duration::from_secs(90), |s| {
        s.contains("matching 5,000 of 5,000 users")
    });
    let s = t.wait_for("the retry notice gone", Duration::from_secs(10), |s| {
        !s.contains("throttled, retrying")
    });
    assert!(!s.contains("Error"), "{s}");
}

/// The stage of the command-line stories: a service with the demo data and
/// the console on it with a config of its own (`help = "h"`, `filter = "f"`)
/// and credentials only from profiles (`default` good, `bad` with a wrong
/// secret), in a tmux pane whose clipboard takes OSC52 (`set-clipboard on`).
struct KeysConsole {
    t: Tmux,
    serve: Serve,
    dir: tempfile::TempDir,
}

impl KeysConsole {
    fn start(name: &str) -> KeysConsole {
        let serve = Serve::start(&[]);
        let dir = tempfile::tempdir().expect("tempdir");
        let config = dir.path().join("config.toml");
        std::fs::write(&config, "[keys]\nhelp = \"h\"\nfilter = \"f\"\n").expect("config");
        let creds = dir.path().join("credentials");
        std::fs::write(
            &creds,
            "[default]\naws_access_key_id = AKIDEXAMPLE\naws_secret_access_key = secret\n\
             [bad]\naws_access_key_id = AKIDEXAMPLE\naws_secret_access_key = wrong\n",
        )
        .expect("credentials");
        std::fs::write(dir.path().join("empty"), "").expect("empty");
        let t = Tmux::new(name);
        t.start(
            120,
            40,
            &format!(
                "env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY -u AWS_SESSION_TOKEN -u AWS_PROFILE \
                 {home} AWS_CONFIG_FILE={empty} AWS_SHARED_CREDENTIALS_FILE={creds} \
                 AWS_EC2_METADATA_DISABLED=true \
                 {BIN} --endpoint-url {url} --region us-east-1 --log-file {log} --audit-log {audit} \
                 --config {config}; echo EXITED $?; sleep 600",
                home = support::own_home_env(dir.path()),
                empty = dir.path().join("empty").display(),
                creds = creds.display(),
                url = serve.url,
                log = dir.path().join("console.log").display(),
                audit = dir.path().join("audit.jsonl").display(),
                config = config.display(),
            ),
        );
        t.cmd(&["set-option", "-g", "set-clipboard", "on"]);
        KeysConsole { t, serve, dir }
    }

    /// `chime-admin users EXAMPLE_CORP --output csv EXTRA…`, headless, with
    /// the example keys: its stdout.
    fn users_csv(&self, extra: &[&str]) -> String {
        let account_id =
            account_named(&self.serve.url, self.dir.path(), "Example Corp").expect("Example Corp");
        let out = Command::new(BIN)
            .args(["users", &account_id, "--output", "csv", "--ignore-config"])
            .args(["--endpoint-url", &self.serve.url, "--region", "us-east-1"])
            .args(extra)
            .envs(support::own_home(self.dir.path()))
            .env("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
            .env("AWS_SECRET_ACCESS_KEY", "secret")
            .env("AWS_CONFIG_FILE", self.dir.path().join("empty"))
            .env("AWS_SHARED_CREDENTIALS_FILE", self.dir.path().join("empty"))
            .env_remove("AWS_PROFILE")
            .output()
            .expect("users");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).expect("utf8")
    }

    /// An email far beyond the first page, as the headless command lists it.
    fn far_email(&self) -> String {
        self.users_csv(&[])
            .lines()
            .nth(4321)
            .and_then(|l| l.split(',').nth(1))
            .expect("an email far beyond the first page")
            .to_string()
    }

    /// The accounts pane is up.
    fn accounts(&self) -> String {
        self.t
            .wait_for("the accounts", Duration::from_secs(10), |s| {
                s.contains("Example Corp")
            })
    }

    /// `:account Example Corp`: its users.
    fn open_example_corp(&self) {
        self.accounts();
        command_line(&self.t, "account Example Corp");
        self.users_shown();
    }

    fn users_shown(&self) {
        self.t.wait_for("the users", Duration::from_secs(10), |s| {
            s.contains("Users · Example Corp") && s.contains("more exist")
        });
    }

    /// `:filter EMAIL`: the user shows (found by one look-up).
    fn filter_email(&self, email: &str) {
        command_line(&self.t, &format!("filter {email}"));
        self.t
            .wait_for("the looked-up user", Duration::from_secs(10), |s| {
                user_row(s, email).is_some()
            });
    }
}

/// The config's keys drive the console: the footer and help show the
/// remapped keys, and the remapped filter key opens the filter.
#[test]
fn remapped_keys_drive_the_footer_help_and_the_filter() {
    let k = KeysConsole::start("keys-remapped");
    let t = &k.t;
    let s = k.accounts();
    assert!(
        s.contains("h help") && s.contains("f filter"),
        "footer shows the user's keys:\n{s}"
    );
    t.keys(&["h"]);
    // Help shows the remapped key (polled: the overlay may be mid-draw).
    t.wait_for("help with the remapped key", Duration::from_secs(5), |s| {
        s.contains(" Keys ")
            && s.lines()
                .any(|l| l.contains("  f ") && l.contains("filter: accounts by name"))
    });
    t.escape_until("the help closed", |s| !s.contains(" Keys "));
    t.keys(&["f"]);
    t.wait_for("the filter line", Duration::from_secs(5), |s| {
        s.contains("filter /")
    });
}

/// `:account` completes a name with tab and opens it; `:filter` a full
/// email; `:export csv FILE` writes the filtered users exactly as
/// `chime-admin users --output csv` prints them, to a file only its owner
/// can read.
#[test]
fn export_csv_writes_the_filtered_users_as_the_headless_command_does_0600() {
    use std::os::unix::fs::PermissionsExt;
    let k = KeysConsole::start("keys-export");
    let t = &k.t;
    let email = k.far_email();
    k.accounts();
    t.keys(&[":"]);
    t.text("account Exa");
    t.keys(&["Tab"]);
    t.wait_for("the completed name", Duration::from_secs(5), |s| {
        s.contains(":account Example Corp")
    });
    t.keys(&["Enter"]);
    k.users_shown();
    k.filter_email(&email);
    let out = k.dir.path().join("export.csv");
    command_line(t, &format!("export csv {}", out.display()));
    t.wait_for("the export message", Duration::from_secs(5), |s| {
        s.contains("wrote 1 users to")
    });
    let exported = std::fs::read_to_string(&out).expect("exported file");
    assert_eq!(exported, k.users_csv(&["--email", &email]));
    assert_eq!(exported.lines().count(), 2, "{exported}");
    let mode = std::fs::metadata(&out)
        .expect("its metadata")
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600, "the export is its owner's only");
    // `:export!` replaces a regular file only: never a symbolic link's target.
    let victim = k.dir.path().join("victim.txt");
    std::fs::write(&victim, "precious\n").expect("victim");
    let link = k.dir.path().join("l.csv");
    std::os::unix::fs::symlink(&victim, &link).expect("symlink");
    command_line(t, &format!("export! csv {}", link.display()));
    t.wait_for("the refused export", Duration::from_secs(5), |s| {
        s.contains("symbolic link")
    });
    assert_eq!(
        std::fs::read_to_string(&victim).expect("victim"),
        "precious\n"
    );
}

/// `:copy email` puts the email of the user under the cursor on tmux's
/// clipboard through OSC52.
#[test]
fn copy_email_sends_it_to_the_terminals_clipboard_by_osc52() {
    let k = KeysConsole::start("keys-copy");
    let t = &k.t;
    let email = k.far_email();
    k.open_example_corp();
    k.filter_email(&email);
    command_line(t, "copy email");
    t.wait_for("the copy message", Duration::from_secs(5), |s| {
        s.contains("copied the email")
    });
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let buf = t.cmd(&["show-buffer"]);
        if buf == email {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "tmux buffer {buf:?}, want {email:?}"
        );
        std::thread::sleep(Duration::from_millis(40));
    }
}

/// `:profile` rebuilds the client: a profile with a wrong secret fails to
/// list the accounts (and the account open before is gone), switching back
/// lists them again; `:quit` ends cleanly.
#[test]
fn profile_switches_credentials_a_wrong_secret_is_refused_and_default_lists_again() {
    let k = KeysConsole::start("keys-profile");
    let t = &k.t;
    k.open_example_corp();
    command_line(t, "profile bad");
    let s = t.wait_for("the refused profile", Duration::from_secs(10), |s| {
        s.contains("profile bad") && s.contains("ListAccounts")
    });
    assert!(
        !s.contains("Users · Example Corp"),
        "the old account view is gone:\n{s}"
    );
    t.escape_until("the error closed", |s| !s.contains("esc/n close"));
    command_line(t, "profile default");
    t.wait_for("the accounts again", Duration::from_secs(10), |s| {
        s.contains("profile default") && s.contains("Example Corp") && !s.contains("ListAccounts")
    });
    command_line(t, "quit");
    t.wait_for("a clean exit", Duration::from_secs(5), |s| {
        s.contains("EXITED 0")
    });
}

/// Quitting with `y` while a change is being sent: the users not sent yet
/// are cancelled, the requests already sent are waited for, and the audit
/// log has a result line for every user, each true to the service.
#[test]
fn quitting_during_a_change_audits_every_user_and_sends_no_more() {
    let serve = Serve::start(&["--latency-ms", "700"]);
    let dir = tempfile::tempdir().expect("tempdir");
    let account_id =
        account_named(&serve.url, dir.path(), "Acme Directory").expect("Acme Directory");
    let users_now = || {
        aws(
            &serve.url,
            dir.path(),
            &["list-users", "--account-id", &account_id],
        )["Users"]
            .as_array()
            .expect("users")
            .clone()
    };
    let before = users_now();
    let to_change = before.iter().filter(|u| license(u) != "Basic").count();
    assert!(to_change > 40, "at least three chunks to send: {to_change}");
    // One chunk in flight at a time, so most users are still unsent at quit.
    let config = dir.path().join("config.toml");
    std::fs::write(&config, "concurrency = 1\n").expect("config");

    let t = Tmux::new("quitmid");
    let extra = format!("--config {}", config.display());
    t.start(120, 40, &console_cmd_stty(&serve.url, dir.path(), &extra));
    t.wait_for("the accounts", Duration::from_secs(10), |s| {
        s.contains("Acme Directory")
    });
    t.keys(&[":"]);
    t.text("account Acme Directory");
    t.keys(&["Enter"]);
    t.keys(&["a"]);
    t.wait_for("every user marked", Duration::from_secs(30), |s| {
        s.contains(&format!("{} marked", before.len()))
    });
    change_license_to_basic_in(&t, to_change, "Acme Directory");
    t.wait_for("the progress line", Duration::from_secs(10), |s| {
        s.contains(&format!("Updating {to_change} users"))
    });
    t.keys(&["q"]);
    t.wait_for("the quit question", Duration::from_secs(5), |s| {
        s.contains("Quit anyway?")
    });
    t.confirm("y");
    let s = t.wait_for("exit", Duration::from_secs(30), |s| s.contains("EXITED 0"));
    assert!(
        s.contains("waiting for the requests already sent")
            && s.contains("every user's result is in the audit log"),
        "{s}"
    );
    assert_restored(&t, "after quitting during a change");

    let audit = std::fs::read_to_string(dir.path().join("audit.jsonl")).expect("audit log");
    let results: Vec<serde_json::Value> = audit
        .lines()
        .map(|l| serde_json::from_str(l).expect("json line"))
        .filter(|v: &serde_json::Value| v["event"] == "result")
        .collect();
    assert_eq!(results.len(), to_change, "one line per user: {audit}");
    let after = users_now();
    let (mut ok, mut not_sent) = (0, 0);
    for r in &results {
        let id = r["user_id"].as_str().expect("user id");
        let now = after.iter().find(|u| u["UserId"] == id).expect("user");
        match r["result"].as_str() {
            Some("ok") => {
                ok += 1;
                assert_eq!(license(now), "Basic", "{r}");
            }
            Some("not_sent") => {
                not_sent += 1;
                let was = before.iter().find(|u| u["UserId"] == id).expect("user");
                assert_eq!(now, was, "a user not sent is unchanged: {r}");
            }
            _ => panic!("unexpected result {r}"),
        }
    }
    assert!(ok >= 20 && not_sent > 0, "{ok} ok, {not_sent} not sent");
    // Nothing else changed: every user is either audited ok, or as before.
    let basic_now = after.iter().filter(|u| license(u) == "Basic").count();
    let basic_before = before.iter().filter(|u| license(u) == "Basic").count();
    assert_eq!(basic_now, basic_before + ok);
}

/// After a panic the terminal is the shell's again: the normal screen, cooked
/// mode with echo (`stty -a` run in the same pane), the panic message on
/// screen and in the log. The panic comes from the test hook
/// `CHIME_ADMIN_DEBUG_PANIC=1` (the first key press panics), there in every
/// build, so this runs under `cargo test --release` too.
#[test]
fn a_panic_restores_the_terminal_and_is_logged() {
    let dir = tempfile::tempdir().expect("tempdir");
    let log = dir.path().join("console.log");
    let t = Tmux::new("panic");
    t.start(
        120,
        40,
        &format!(
            "env CHIME_ADMIN_DEBUG_PANIC=1 RUST_BACKTRACE=0 XDG_CONFIG_HOME={d} \
             XDG_STATE_HOME={d} {BIN} demo --log-file {log} --audit-log {d}/audit.jsonl; \
             echo EXITED $?; stty -a; echo STTY DONE; read -r line; \
             printf 'GOT[%s]\\n' \"$line\" | cat -v; sleep 600",
            d = dir.path().display(),
            log = log.display(),
        ),
    );
    t.wait_for("the demo's accounts", Duration::from_secs(20), |s| {
        s.contains("Example Corp")
    });
    assert_eq!(t.display("#{alternate_on}"), "1");
    t.keys(&["j"]);
    let s = t.wait_for("the shell after the panic", Duration::from_secs(10), |s| {
        s.contains("STTY DONE")
    });
    assert_eq!(t.display("#{alternate_on}"), "0", "normal screen:\n{s}");
    let message = "CHIME_ADMIN_DEBUG_PANIC=1: panicking on the first key press";
    let (before, after) = s.split_once("EXITED ").expect("exit line");
    assert!(after.starts_with("101"), "exit code of a panic:\n{s}");
    assert!(
        before.contains("panicked at") && before.contains(message),
        "the panic message stays readable above the shell's output:\n{s}"
    );
    // The shell's terminal is cooked again: canonical input and echo.
    let modes: Vec<&str> = after.split_whitespace().collect();
    for (on, off) in [
        ("icanon", "-icanon"),
        ("echo", "-echo"),
        ("opost", "-opost"),
    ] {
        assert!(
            modes.contains(&on) && !modes.contains(&off),
            "{on} after the panic:\n{s}"
        );
    }
    let logged = std::fs::read_to_string(&log).expect("log file");
    assert!(
        logged.contains("panic") && logged.contains(message),
        "the log names the panic:\n{logged}"
    );
    assert_restored(&t, "after a panic");
}

// ---------------------------------------------------------------- over SSH (issue 11)

/// Waits until process `pid` has exited (gone, or a zombie not yet reaped).
fn wait_gone(pid: u32, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while PathBuf::from(format!("/proc/{pid}")).exists() {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
        if stat.contains(") Z") {
            break;
        }
        assert!(Instant::now() < deadline, "{what}: still running");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The lines of a JSON-lines file.
fn json_lines(path: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).expect("json line"))
        .collect()
}

/// The terminal is the shell's again: normal screen, cursor shown, cooked
/// mode with echo (`stty -a` run in the pane after the exit), and bracketed
/// paste off: a text pasted with `paste-buffer -p` reaches the shell's
/// `read` without the `ESC [200~` brackets.
fn assert_restored(t: &Tmux, what: &str) {
    let s = t.wait_for(
        "the shell after the console",
        Duration::from_secs(30),
        |s| s.contains("STTY DONE"),
    );
    assert_eq!(
        t.display("#{alternate_on}"),
        "0",
        "{what}: alternate screen left:\n{s}"
    );
    assert_eq!(t.display("#{cursor_flag}"), "1", "{what}: cursor shown");
    let after = s.split_once("EXITED ").map_or("", |(_, a)| a);
    let modes: Vec<&str> = after.split_whitespace().collect();
    for (on, off) in [("icanon", "-icanon"), ("echo", "-echo")] {
        assert!(
            modes.contains(&on) && !modes.contains(&off),
            "{what}: {on} after the console:\n{s}"
        );
    }
    t.cmd(&["set-buffer", "-b", "probe", "pasted-probe"]);
    t.cmd(&["paste-buffer", "-p", "-d", "-b", "probe", "-t", "t"]);
    t.keys(&["Enter"]);
    let s = t.wait_for("the probe read back", Duration::from_secs(10), |s| {
        s.contains("GOT[")
    });
    assert!(
        s.contains("GOT[pasted-probe]"),
        "{what}: bracketed paste is off (no ESC [200~ around a paste):\n{s}"
    );
}

/// Like [`console_cmd`]; after the exit the pane prints its tty modes and
/// reads one line back (see [`assert_restored`]).
fn console_cmd_stty(url: &str, dir: &Path, extra: &str) -> String {
    console_cmd(url, dir, extra).replace(
        "echo EXITED $?; sleep 600",
        "echo EXITED $?; stty -a; echo STTY DONE; read -r line; \
         printf 'GOT[%s]\\n' \"$line\" | cat -v; sleep 600",
    )
}

/// A bulk change of most of Example Corp's 5,000 users to Basic, sent by
/// the console (at 400 ms a request) in a 120×40 pane running `pane_cmd`
/// (the console's shell command and its files' dir in, the pane's shell
/// command out), with at least
/// one chunk done: the moment a terminal is lost in the tests below.
struct MidChange {
    dir: tempfile::TempDir,
    /// The service's request log.
    requests: PathBuf,
    _serve: Serve,
    t: Tmux,
    /// The console's pid.
    pid: u32,
    to_change: usize,
}

fn mid_change(name: &str, pane_cmd: impl FnOnce(String, &Path) -> String) -> MidChange {
    let dir = tempfile::tempdir().expect("tempdir");
    let requests = dir.path().join("requests.jsonl");
    let serve = Serve::start(&[
        "--latency-ms",
        "400",
        "--request-log",
        requests.to_str().expect("path"),
    ]);
    let account_id = account_named(&serve.url, dir.path(), "Example Corp").expect("Example Corp");
    let before = aws(
        &serve.url,
        dir.path(),
        &["list-users", "--account-id", &account_id],
    )["Users"]
        .as_array()
        .expect("users")
        .clone();
    let to_change = before.iter().filter(|u| license(u) != "Basic").count();
    assert!(to_change > 1000, "many users to change: {to_change}");

    let t = Tmux::new(name);
    t.start(
        120,
        40,
        &pane_cmd(console_cmd(&serve.url, dir.path(), ""), dir.path()),
    );
    t.wait_for("the accounts", Duration::from_secs(10), |s| {
        s.contains("Example Corp")
    });
    t.keys(&["Enter"]);
    t.wait_for("the first page", Duration::from_secs(10), |s| {
        s.contains("Users · Example Corp")
    });
    t.keys(&["a"]);
    t.wait_for("every user marked", Duration::from_secs(60), |s| {
        s.contains("5,000 marked")
    });
    change_license_to_basic(&t, to_change);
    let progress = format!("Updating {} users: ", thousands(to_change));
    t.wait_for("a chunk done", Duration::from_secs(20), |s| {
        s.lines()
            .find_map(|l| l.split_once(&progress))
            .and_then(|(_, rest)| rest.split('/').next())
            .is_some_and(|done| done.replace(',', "").parse::<usize>().unwrap_or(0) >= 20)
    });
    let pid = child_pid(&t);
    MidChange {
        dir,
        requests,
        _serve: serve,
        t,
        pid,
        to_change,
    }
}

impl MidChange {
    /// The console stopped for a lost terminal, quietly: the restore's
    /// writes failed on the dead tty and were dropped, nothing panicked.
    /// Its log, for more checks.
    fn assert_stopped_quietly(&self) -> String {
        let log = std::fs::read_to_string(self.dir.path().join("console.log")).expect("log");
        assert!(!log.contains("panic"), "no panic:\n{log}");
        assert!(log.contains("console stopping"), "{log}");
        assert!(
            log.contains("the terminal is gone: nothing more is written to it"),
            "{log}"
        );
        log
    }

    /// The audit log has one result line per user of the change; its
    /// successes are exactly the users the service's request log says were
    /// changed, each with the request id that changed it; the others are
    /// unchanged. Returns how many were changed.
    fn assert_audited_as_the_service_did(&self) -> usize {
        let audit = json_lines(&self.dir.path().join("audit.jsonl"));
        let results: Vec<&serde_json::Value> =
            audit.iter().filter(|v| v["event"] == "result").collect();
        assert_eq!(
            results.len(),
            self.to_change,
            "one result line per user of the change"
        );
        // The service's own record: which request changed which user.
        let mut changed_by = std::collections::HashMap::new();
        for r in json_lines(&self.requests) {
            if r["operation"] == "BatchUpdateUser" {
                for id in r["changed_user_ids"].as_array().expect("ids") {
                    let id = id.as_str().expect("id").to_string();
                    let req = r["request_id"].as_str().expect("request id").to_string();
                    assert!(changed_by.insert(id, req).is_none(), "changed twice");
                }
            }
        }
        let mut ok = 0;
        for r in &results {
            let id = r["user_id"].as_str().expect("user id");
            match r["result"].as_str() {
                Some("ok") => {
                    ok += 1;
                    assert_eq!(
                        changed_by.get(id).map(String::as_str),
                        r["request_id"].as_str(),
                        "the audit names the request that changed {id}"
                    );
                }
                // Not sent, or refused by the service (a suspended user): unchanged.
                Some("not_sent" | "failed") => {
                    assert!(!changed_by.contains_key(id), "{id} was changed: {r}")
                }
                other => panic!("unexpected result {other:?}: {r}"),
            }
        }
        assert_eq!(
            ok,
            changed_by.len(),
            "every user the service changed is audited ok"
        );
        assert!(
            ok >= 20 && ok < self.to_change,
            "{ok} of {} sent",
            self.to_change
        );
        ok
    }
}

/// An SSH connection dropped during a bulk change (`tmux kill-pane`: SIGHUP,
/// then every write to the tty fails with EIO) ends like `q` during a change:
/// the users not sent are cancelled, the requests sent are waited for, and
/// the audit log has one result line per user of the change; its successes
/// are exactly the users the service's request log says were changed, each
/// with the request id that changed it. Nothing panics.
#[test]
fn a_dropped_connection_mid_change_audits_what_the_service_did() {
    let m = mid_change("dropped", |cmd, _| cmd);
    // The link drops: the pane and its pty go away under the console.
    m.t.cmd(&["kill-pane", "-t", "t"]);
    wait_gone(m.pid, "the console after its terminal went away");
    m.assert_stopped_quietly();
    let ok = m.assert_audited_as_the_service_did();
    eprintln!(
        "kill-pane mid-change: {ok} users sent, {ok} ok result lines, {} result lines in all",
        m.to_change
    );
}

/// SIGKILLs a process on drop unless it has exited: a console a failed test
/// leaves behind (one that never notices its terminal is gone) is stopped.
struct KillOnDrop(u32);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.0)).unwrap_or_default();
        if !stat.is_empty() && !stat.contains(") Z") {
            let _ = Command::new("kill")
                .args(["-KILL", &self.0.to_string()])
                .status();
        }
    }
}

/// Whether `sig` (1 = SIGHUP) is in process `pid`'s blocked-signal mask.
fn blocks_signal(pid: u32, sig: u32) -> bool {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("status");
    let mask = status
        .lines()
        .find_map(|l| l.strip_prefix("SigBlk:"))
        .expect("SigBlk");
    u64::from_str_radix(mask.trim(), 16).expect("mask") & (1 << (sig - 1)) != 0
}

/// The console's pane command with SIGHUP kept from it: blocked in the
/// console (`env --block-signal=HUP`), ignored by its shell, which writes
/// the exit code to `dir/exit-code` (whole, by a rename).
fn without_sighup(cmd: String, dir: &Path) -> String {
    let (done, tmp) = (dir.join("exit-code"), dir.join("exit-code.tmp"));
    format!("trap '' HUP; {cmd}")
        .replacen("env ", "env --block-signal=HUP ", 1)
        .replace(
            "echo EXITED $?; sleep 600",
            &format!("echo $? > {}; mv {0} {}", tmp.display(), done.display()),
        )
}

/// Waits (60 s at most) for `dir/exit-code` and returns it.
fn exit_code_in(dir: &Path) -> String {
    let exit_file = dir.join("exit-code");
    let deadline = Instant::now() + Duration::from_secs(60);
    while !exit_file.exists() {
        assert!(
            Instant::now() < deadline,
            "the console kept running without its terminal (SIGHUP blocked)"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    std::fs::read_to_string(&exit_file)
        .expect("exit code")
        .trim()
        .to_string()
}

/// The same dropped link with SIGHUP kept from the console: it runs with
/// SIGHUP blocked (`env --block-signal=HUP`; its shell ignores SIGHUP and
/// writes the exit code to a file), so the hang-up signal stays pending and
/// only the console's own look at the dead tty can stop it: a write that
/// fails after a frame, or the hang-up it polls for (reading a hung-up tty
/// gives no error: it reads as empty); whichever comes first. The console
/// still stops within a bounded wait, exit code 0, says why in its log (not
/// a signal), and audits the change in flight as the service did it. The
/// restore's writes go nowhere (the terminal is gone): the log shows them
/// dropped quietly.
#[test]
fn a_lost_terminal_without_sighup_mid_change_stops_and_audits_what_the_service_did() {
    let m = mid_change("lostnohup", without_sighup);
    let _stop = KillOnDrop(m.pid);
    assert!(
        blocks_signal(m.pid, 1),
        "the console runs with SIGHUP blocked"
    );
    m.t.cmd(&["kill-pane", "-t", "t"]);
    assert_eq!(exit_code_in(m.dir.path()), "0", "the exit code");
    let log = m.assert_stopped_quietly();
    let stopping = log
        .lines()
        .find(|l| l.contains("console stopping"))
        .expect("the stopping line");
    assert!(
        stopping.contains("the terminal is gone (writing to it failed)")
            || stopping.contains("the terminal hung up"),
        "stopped by the failed write or the hang-up it polls for, not a signal or input: {stopping}"
    );
    let ok = m.assert_audited_as_the_service_did();
    eprintln!(
        "lost terminal, SIGHUP blocked: {ok} users sent, {} result lines in all",
        m.to_change
    );
}

/// An idle console (nothing to draw, so no write fails) with SIGHUP
/// blocked loses its pane: the hang-up is all there is to notice. It stops
/// within a bounded wait, exit code 0, and says why in its log; before, it
/// stayed on, spinning on a tty that reads as empty.
#[test]
fn an_idle_console_without_sighup_notices_its_terminal_hung_up() {
    let dir = tempfile::tempdir().expect("tempdir");
    let serve = Serve::start(&[]);
    let t = Tmux::new("idlenohup");
    t.start(
        120,
        40,
        &without_sighup(console_cmd(&serve.url, dir.path(), ""), dir.path()),
    );
    t.wait_for("the accounts", Duration::from_secs(10), |s| {
        s.contains("Example Corp")
    });
    let pid = child_pid(&t);
    let _stop = KillOnDrop(pid);
    assert!(
        blocks_signal(pid, 1),
        "the console runs with SIGHUP blocked"
    );
    t.cmd(&["kill-pane", "-t", "t"]);
    assert_eq!(exit_code_in(dir.path()), "0", "the exit code");
    let log = std::fs::read_to_string(dir.path().join("console.log")).expect("log");
    let stopping = log
        .lines()
        .find(|l| l.contains("console stopping"))
        .unwrap_or_else(|| panic!("the stopping line:\n{log}"));
    assert!(
        stopping.contains("the terminal hung up"),
        "stopped by the hang-up, not a signal or a write: {stopping}"
    );
    assert!(!log.contains("panic"), "no panic:\n{log}");
}

/// `3012` → `3,012`, as the console writes counts.
fn thousands(n: usize) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The operations the service's request log holds, in order.
fn operations(requests: &Path) -> Vec<String> {
    json_lines(requests)
        .iter()
        .filter_map(|r| r["operation"].as_str().map(String::from))
        .collect()
}

fn paste(t: &Tmux, text: &str, bracketed: bool) {
    t.cmd(&["set-buffer", "-b", "p", text]);
    let mut args = vec!["paste-buffer", "-d", "-b", "p", "-t", "t"];
    if bracketed {
        args.push("-p");
    }
    t.cmd(&args);
}

/// A paste is text, never keys: pasted (bracketed) with line breaks and a
/// `y` into the invite prompt it fills the list and sends nothing until the
/// user's own enter; pasted onto a preview waiting for `y` it is ignored
/// with a notice; pasted as raw keys (a terminal without bracketed paste)
/// its `y` and enter come too fast to confirm. Nothing is applied.
#[test]
fn a_paste_never_presses_a_key_confirms_or_applies() {
    let dir = tempfile::tempdir().expect("tempdir");
    let requests = dir.path().join("requests.jsonl");
    let serve = Serve::start(&["--request-log", requests.to_str().expect("path")]);
    let id = account_named(&serve.url, dir.path(), "Design Studio").expect("Design Studio");
    let before = aws(&serve.url, dir.path(), &["list-users", "--account-id", &id]);
    let t = Tmux::new("paste");
    t.start(120, 40, &console_cmd_stty(&serve.url, dir.path(), ""));
    t.wait_for("the accounts", Duration::from_secs(10), |s| {
        s.contains("Design Studio")
    });
    t.keys(&[":"]);
    t.text("account Design Studio");
    t.keys(&["Enter"]);
    t.wait_for("its users", Duration::from_secs(10), |s| {
        s.contains("Users · Design Studio") && s.contains("all ")
    });
    let mutating = |ops: &[String]| {
        ops.iter()
            .filter(|o| !o.starts_with("List") && !o.starts_with("Get"))
            .cloned()
            .collect::<Vec<_>>()
    };

    // The invite prompt: the pasted list is text, one email per line.
    t.text("I");
    t.wait_for("the invite prompt", Duration::from_secs(5), |s| {
        s.contains("Invite users")
    });
    paste(
        &t,
        "new4@design.example.org\nnew5@design.example.org\nyan@design.example.org\n",
        true,
    );
    let s = t.wait_for("the pasted list", Duration::from_secs(5), |s| {
        s.contains("yan@design.example.org")
    });
    assert!(
        s.contains("@design.example.org new5@design.example.org yan@design.example.org"),
        "{s}"
    );
    assert!(mutating(&operations(&requests)).is_empty(), "nothing sent");
    t.keys(&["Escape"]);
    t.wait_for("the prompt closed", Duration::from_secs(5), |s| {
        !s.contains("Invite users")
    });

    // A change waits in its preview: a paste of y and enter applies nothing.
    t.keys(&["a"]);
    t.keys(&["e"]);
    t.wait_for("the form", Duration::from_secs(5), |s| {
        s.contains("Change users")
    });
    t.text("B");
    t.keys(&["Enter"]);
    t.wait_for("the preview", Duration::from_secs(5), |s| {
        s.contains("will change")
    });
    paste(&t, "y\nyes\n", true);
    t.wait_for("the notice", Duration::from_secs(5), |s| {
        s.contains("paste ignored") && s.contains("will change")
    });
    // Without bracketed paste the keys come in a burst: tab, y, enter.
    paste(&t, "\ty\r", false);
    t.wait_for("the refusal", Duration::from_secs(5), |s| {
        s.contains("too fast") && s.contains("will change")
    });
    // Closing the preview, a paste onto the list does nothing either.
    t.keys(&["Escape"]);
    t.wait_for("the preview closed", Duration::from_secs(5), |s| {
        !s.contains("will change")
    });
    paste(&t, "eBy\ny\n", true);
    t.wait_for("the notice", Duration::from_secs(5), |s| {
        s.contains("paste ignored") && !s.contains("will change")
    });
    t.keys(&["q"]);
    assert_restored(&t, "after the pastes");
    assert!(
        mutating(&operations(&requests)).is_empty(),
        "nothing was applied: {:?}",
        operations(&requests)
    );
    let after = aws(&serve.url, dir.path(), &["list-users", "--account-id", &id]);
    assert_eq!(before, after, "no user changed");
}

/// `a` then `e` at once, at 300 ms a page: the form says it is still
/// marking and will not preview a part; once every page is here it covers
/// all 5,000 users and the preview counts every one of them.
#[test]
fn a_then_e_while_pages_load_previews_every_match() {
    let fx = fixture(&["--latency-ms", "300"]);
    let will_change = fx.users.iter().filter(|u| license(u) != "Basic").count();
    let t = Tmux::new("markall");
    t.start(120, 40, &console_cmd_stty(&fx.url, fx.dir.path(), ""));
    t.wait_for("the accounts", Duration::from_secs(10), |s| {
        s.contains("Example Corp")
    });
    t.keys(&["Enter"]);
    t.wait_for("the first page", Duration::from_secs(10), |s| {
        s.contains("Users · Example Corp") && s.contains("more exist")
    });
    t.keys(&["a"]);
    t.keys(&["e"]);
    let s = t.wait_for("the form", Duration::from_secs(5), |s| {
        s.contains("Change users")
    });
    assert!(s.contains("marking… "), "the form says it is marking:\n{s}");
    t.text("B");
    t.keys(&["Enter"]);
    t.wait_for("the preview refused", Duration::from_secs(5), |s| {
        s.contains("still marking… ") || s.contains("Change 5,000 users")
    });
    let s = t.wait_for("every page marked", Duration::from_secs(60), |s| {
        s.contains("Change 5,000 users in Example Corp") && s.contains("5,000 marked")
    });
    assert!(!s.contains("marking… "), "{s}");
    t.keys(&["Enter"]);
    let want = format!(
        "5,000 marked · {} will change · {} already at these values",
        thousands(will_change),
        thousands(5000 - will_change)
    );
    // The plan reads every page again (25 at 300 ms) before the preview.
    t.wait_for("the preview of every match", Duration::from_secs(60), |s| {
        s.contains(&want)
    });
    t.escape_until("the preview closed", |s| !s.contains(&want));
    t.keys(&["q"]);
    assert_restored(&t, "after marking");
}

/// Inviting into an account that is not a Team account: the service's
/// refusal is on screen (code, message, request id, what to do) and the
/// audit log writes `failed` with it, not `ok`.
#[test]
fn an_invitation_refused_by_the_service_is_shown_and_audited_failed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let serve = Serve::start(&[]);
    let t = Tmux::new("invitefail");
    t.start(120, 40, &console_cmd_stty(&serve.url, dir.path(), ""));
    t.wait_for("the accounts", Duration::from_secs(10), |s| {
        s.contains("Example Corp")
    });
    t.keys(&["Enter"]);
    t.wait_for("its users", Duration::from_secs(10), |s| {
        s.contains("Users · Example Corp")
    });
    t.text("I");
    t.wait_for("the invite prompt", Duration::from_secs(5), |s| {
        s.contains("Invite users")
    });
    t.text("new4@example.org new5@example.org");
    t.confirm("Enter");
    let s = t.wait_for("the error", Duration::from_secs(10), |s| {
        s.contains("Error") && s.contains("InviteUsers")
    });
    let audit = json_lines(&dir.path().join("audit.jsonl"));
    let line = audit
        .iter()
        .find(|l| l["operation"] == "InviteUsers")
        .expect("an audit line for the invitation");
    assert_eq!(line["result"], "failed", "{line}");
    let message = line["message"].as_str().expect("the service's message");
    let request_id = line["request_id"].as_str().expect("its request id");
    assert!(message.contains("Team"), "{line}");
    let flat: String = s.split_whitespace().collect::<Vec<_>>().join(" ");
    for want in [
        line["error_code"].as_str().expect("code"),
        "Team",
        request_id,
        "what to do:",
    ] {
        assert!(flat.contains(want), "{want:?} on screen:\n{s}");
    }
    assert!(!s.contains("invited"), "no success claimed:\n{s}");
    t.keys(&["Escape"]);
    t.wait_for("the dialog closed", Duration::from_secs(5), |s| {
        !s.contains("Error")
    });
    t.keys(&["q"]);
    assert_restored(&t, "after the refused invitation");
}

/// Every console change is a plan read from the service (issue items 1, 6
/// and 8 end to end): a filter with a typo marks nothing and says so; a
/// user another admin changed (the AWS CLI) after the console loaded it is
/// previewed, sent and audited from the value the service holds, not the
/// row on screen; the audit's `from` equals what `get-user` read before.
#[test]
fn the_console_previews_sends_and_audits_what_the_service_holds() {
    let fx = fixture(&[]);
    let target = (0..200)
        .find(|&i| {
            fx.users[i]["UserRegistrationStatus"] == "Registered"
                && fx.users[i]["LicenseType"] == "Pro"
        })
        .expect("a registered Pro user");
    let user_id = fx.users[target]["UserId"].as_str().expect("id").to_string();
    let t = fx.console("plan", "");
    open_example_corp(&t);
    // A filter with a typo: `a` marks nothing, and says why.
    t.keys(&["/"]);
    t.text("license:pro reg:unregisterd");
    t.keys(&["Enter"]);
    t.keys(&["a"]);
    t.wait_for("the refusal", Duration::from_secs(5), |s| {
        s.contains("nothing marked: the filter has an error")
    });
    assert!(!t.screen().contains(" marked ·"), "{}", t.screen());
    t.keys(&["Escape"]);
    t.wait_for("the filter cleared", Duration::from_secs(5), |s| {
        !s.contains("filter /")
    });
    filter_to_one(&t, &fx.emails[target]);
    // Another admin changes the user after the console loaded it.
    support::aws_set_license(&fx.url, fx.dir.path(), &fx.account_id, &user_id, "Plus");
    let before = aws(
        &fx.url,
        fx.dir.path(),
        &[
            "get-user",
            "--account-id",
            &fx.account_id,
            "--user-id",
            &user_id,
        ],
    );
    assert_eq!(before["User"]["LicenseType"], "Plus");
    t.keys(&["e"]);
    t.wait_for("the form", Duration::from_secs(5), |s| {
        s.contains("Change users")
    });
    t.text("B");
    t.keys(&["Enter"]);
    t.wait_for("the preview as read", Duration::from_secs(10), |s| {
        s.contains("License Plus → Basic for 1 user") && s.contains("as read just now")
    });
    t.confirm("y");
    t.wait_for("the summary", Duration::from_secs(20), |s| {
        s.contains("1 updated ·")
    });
    let audit: Vec<serde_json::Value> = std::fs::read_to_string(fx.dir.path().join("audit.jsonl"))
        .expect("audit log")
        .lines()
        .map(|l| serde_json::from_str(l).expect("json line"))
        .collect();
    let result = audit
        .iter()
        .find(|l| l["event"] == "result" && l["user_id"] == user_id.as_str())
        .expect("the user's result");
    assert_eq!(result["changes"][0]["from"], before["User"]["LicenseType"]);
    assert_eq!(result["changes"][0]["to"], "Basic");
    assert_eq!(result["result"], "ok");
    let send = audit.iter().find(|l| l["event"] == "send").expect("send");
    assert_eq!(send["change"], result["change"]);
    let change = send["change"].as_str().expect("a change id");
    assert_eq!(change.len(), 26);
    t.keys(&["q"]);
}

/// `:LINE` and enter.
fn colon(t: &Tmux, line: &str) {
    t.keys(&[":"]);
    t.text(line);
    t.keys(&["Enter"]);
}

/// `y` in the preview, then the change's summary.
fn apply_and_wait(t: &Tmux, summary: &str) {
    t.confirm("y");
    t.wait_for("the summary", Duration::from_secs(20), |s| {
        s.contains(summary)
    });
}

/// Plans as files in the console, end to end: `s` in a preview saves the
/// plan (0600, the digest shown); `:plan FILE` opens it drift-checked
/// after another admin changed one of its users (the preview says
/// "1 drifted", `y` leaves that user alone); `:import FILE` previews a
/// desired-state CSV; `H` lists the changes and `u` opens the undo, which
/// `y` applies: the service holds the first values again (AWS CLI).
#[test]
fn plans_imports_history_and_undo_in_the_console() {
    let fx = fixture(&[]);
    let picks: Vec<usize> = (0..200)
        .filter(|&i| {
            fx.users[i]["UserRegistrationStatus"] == "Registered"
                && fx.users[i]["LicenseType"] == "Pro"
        })
        .take(3)
        .collect();
    let id = |i: usize| fx.users[i]["UserId"].as_str().expect("id").to_string();
    let license = |i: usize| {
        aws(
            &fx.url,
            fx.dir.path(),
            &[
                "get-user",
                "--account-id",
                &fx.account_id,
                "--user-id",
                &id(i),
            ],
        )["User"]["LicenseType"]
            .as_str()
            .unwrap_or("")
            .to_string()
    };
    let t = fx.console("plans", "");
    open_example_corp(&t);
    // Three users marked, Basic planned and saved with `s`, not applied.
    mark_one_by_one(&t, picks.iter().map(|&i| fx.emails[i].as_str()));
    let file = fx.dir.path().join("monday.plan.json");
    t.keys(&["e"]);
    t.wait_for("the form", Duration::from_secs(5), |s| {
        s.contains("Change users")
    });
    t.text("B");
    t.keys(&["Enter"]);
    t.wait_for("the preview", Duration::from_secs(10), |s| {
        s.contains("3 will change")
    });
    t.keys(&["Escape"]);
    t.wait_for("the preview closed", Duration::from_secs(5), |s| {
        !s.contains("3 will change")
    });
    colon(&t, &format!("plan save {}", file.display()));
    // The message names the file and its whole digest (a dialog when the
    // status line is too short for it).
    let s = t.wait_for("the plan written", Duration::from_secs(5), |s| {
        s.contains("wrote the plan to") && s.contains("SHA-256")
    });
    let digest = {
        use sha2::Digest;
        hex::encode(sha2::Sha256::digest(
            std::fs::read(&file).expect("the plan"),
        ))
    };
    let flat: String = s.chars().filter(|c| c.is_ascii_alphanumeric()).collect();
    assert!(flat.contains(&digest), "the whole digest {digest}: {s}");
    if s.contains("Message") {
        t.escape_until("the message closed", |s| !s.contains("wrote the plan to"));
    }
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&file).expect("plan").permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
    // Another admin moves the first one to Plus: drifted.
    support::aws_set_license(
        &fx.url,
        fx.dir.path(),
        &fx.account_id,
        &id(picks[0]),
        "Plus",
    );
    colon(&t, &format!("plan {}", file.display()));
    t.wait_for("the drift-checked preview", Duration::from_secs(10), |s| {
        s.contains("2 will change") && s.contains("1 drifted")
    });
    apply_and_wait(&t, "2 updated ·");
    assert_eq!(
        picks.iter().map(|&i| license(i)).collect::<Vec<_>>(),
        ["Plus", "Basic", "Basic"]
    );
    // :import: a desired state: the second back to Pro.
    let csv = fx.dir.path().join("hr.csv");
    std::fs::write(
        &csv,
        format!("PrimaryEmail,LicenseType\n{},Pro\n", fx.emails[picks[1]]),
    )
    .expect("csv");
    colon(&t, &format!("import {}", csv.display()));
    t.wait_for("the import's preview", Duration::from_secs(10), |s| {
        s.contains("1 will change") && s.contains("License Basic → Pro for 1 user")
    });
    t.escape_until("the preview closed", |s| !s.contains("1 will change"));
    // H: the history; u: the undo of the last change (the :plan apply).
    t.keys(&["H"]);
    let s = t.wait_for("the history", Duration::from_secs(5), |s| {
        s.contains("History: the audit log's changes")
            && s.contains("License Pro → Basic for 2 users")
    });
    assert!(s.contains("2 ok"), "{s}");
    t.keys(&["u"]);
    t.wait_for("the undo's preview", Duration::from_secs(10), |s| {
        s.contains("2 will change") && s.contains("License Basic → Pro for 2 users")
    });
    apply_and_wait(&t, "2 updated ·");
    assert_eq!(
        picks.iter().map(|&i| license(i)).collect::<Vec<_>>(),
        ["Plus", "Pro", "Pro"]
    );
    let audit = std::fs::read_to_string(fx.dir.path().join("audit.jsonl")).expect("audit");
    assert!(audit.contains("\"undoes\""), "{audit}");
    t.keys(&["q"]);
}
