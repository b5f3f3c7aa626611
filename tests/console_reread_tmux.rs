//! End to end, the view after a change: the real binary in tmux against
//! `serve --throttle-rps 10` (the kind of limit the real Chime API had)
//! with an account of 2,000 users. After a 1,000-user change the title's
//! counts are the service's (read with boto3), or every row whose re-read
//! failed is marked and counted.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::HashMap;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use serde_json::{Value, json};

mod support;
use support::Serve;
use support::tmux::Tmux;

const BIN: &str = env!("CARGO_BIN_EXE_chime-admin");
const ACCOUNT: &str = "5b1e7c3a-2d4f-4a6b-8c9d-0e1f2a3b4c5d";
const N: usize = 2000;

/// User `i`: even ones Plus, odd ones Pro; every 50th suspended (all even: a license
/// change fails for it).
fn seed(path: &Path) {
    let users: Vec<Value> = (0..N)
        .map(|i| {
            let reg = if i % 50 == 0 {
                "Suspended"
            } else {
                "Registered"
            };
            json!({
                "UserId": format!("7a2c{i:04}-3b4d-4e5f-9a8b-1c2d3e4f5a6b"),
                "AccountId": ACCOUNT,
                "PrimaryEmail": format!("person{i:04}@reread.example.org"),
                "DisplayName": format!("Person {i}"),
                "LicenseType": if i % 2 == 0 { "Plus" } else { "Pro" },
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
            "Name": "Reread Corp",
            "AccountType": "EnterpriseLWA",
            "DefaultLicense": "Pro",
            "SupportedLicenses": ["Basic", "Plus", "Pro"],
            "AccountStatus": "Active",
        },
        "Users": users,
    }]});
    std::fs::write(path, serde_json::to_vec(&data).expect("json")).expect("seed");
}

/// The account's users by license as boto3 lists them (page by page, a
/// throttled page asked again: the service throttles boto3 too).
fn boto3_licenses(url: &str, home: &Path) -> HashMap<String, usize> {
    let script = r#"
import json, sys, time, boto3
from botocore.exceptions import ClientError
url, account = sys.argv[1], sys.argv[2]
c = boto3.client("chime", endpoint_url=url, region_name="us-east-1",
                 aws_access_key_id="AKIDEXAMPLE", aws_secret_access_key="secret")
counts, token = {}, None
while True:
    kwargs = {"AccountId": account, "MaxResults": 200}
    if token:
        kwargs["NextToken"] = token
    for attempt in range(100):
        try:
            page = c.list_users(**kwargs)
            break
        except ClientError as e:
            if e.response["Error"]["Code"] != "ThrottledClientException":
                raise
            time.sleep(0.2 * min(attempt + 1, 5))
    else:
        sys.exit("throttled 100 times")
    for u in page["Users"]:
        l = u.get("LicenseType", "")
        counts[l] = counts.get(l, 0) + 1
    token = page.get("NextToken")
    if not token:
        break
print(json.dumps(counts))
"#;
    let empty = home.join("empty");
    std::fs::write(&empty, "").expect("empty");
    let out = Command::new("python3")
        .args(["-c", script, url, ACCOUNT])
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
    serde_json::from_slice(&out.stdout).expect("counts")
}

/// The number before `word` in `line` ("Pro 1,000" → `count_after`; "12 not
/// re-read" → `count_before`).
fn count_after(line: &str, word: &str) -> usize {
    line.split(" · ")
        .chain(line.split(": "))
        .filter_map(|part| part.trim().strip_prefix(&format!("{word} ")))
        .filter_map(|n| n.split_whitespace().next())
        .find_map(|n| n.replace(',', "").parse().ok())
        .unwrap_or(0)
}

fn count_before(line: &str, words: &str) -> usize {
    let Some(before) = line.split(words).next().filter(|_| line.contains(words)) else {
        return 0;
    };
    before
        .rsplit([' ', '(', '·', ':'])
        .find(|w| !w.is_empty())
        .and_then(|n| n.replace(',', "").parse().ok())
        .unwrap_or(0)
}

/// The users pane's title line.
fn title(screen: &str) -> String {
    screen
        .lines()
        .find(|l| l.contains(" Users ") && l.contains(" shown"))
        .unwrap_or_default()
        .to_string()
}

#[test]
fn after_a_1000_user_change_at_10_rps_the_counts_are_the_services_or_marked() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("seed.json");
    seed(&data);
    let seed_arg = data.display().to_string();
    let serve = Serve::start(&["--seed", &seed_arg, "--throttle-rps", "10"]);
    let empty = dir.path().join("empty");
    std::fs::write(&empty, "").expect("empty config");
    let t = Tmux::new("reread");
    t.start(
        200,
        50,
        &format!(
            "env {home} AWS_ACCESS_KEY_ID=AKIDEXAMPLE AWS_SECRET_ACCESS_KEY=secret \
             AWS_CONFIG_FILE={e} AWS_SHARED_CREDENTIALS_FILE={e} AWS_EC2_METADATA_DISABLED=true \
             {BIN} --endpoint-url {url} --region us-east-1 --log-file {log} --audit-log {audit}; \
             echo EXITED $?; sleep 600",
            home = support::own_home_env(dir.path()),
            e = empty.display(),
            url = serve.url,
            log = dir.path().join("console.log").display(),
            audit = dir.path().join("audit.jsonl").display(),
        ),
    );
    t.wait_for("the account", Duration::from_secs(20), |s| {
        s.contains("Reread Corp")
    });
    t.keys(&["Enter"]);
    t.wait_for("the first page", Duration::from_secs(20), |s| {
        s.contains(" loaded")
    });
    t.keys(&["/"]);
    t.text("license:plus");
    t.keys(&["Enter"]);
    t.wait_for("every Plus user", Duration::from_secs(60), |s| {
        s.contains("matching 1,000 of 2,000 users")
    });
    t.keys(&["a"]);
    t.wait_for("the marks", Duration::from_secs(10), |s| {
        s.contains("1,000 marked")
    });
    t.keys(&["e"]);
    t.wait_for("the form", Duration::from_secs(5), |s| {
        s.contains("Change users")
    });
    t.keys(&["B"]);
    t.keys(&["Enter"]);
    t.wait_for("the preview", Duration::from_secs(60), |s| {
        s.contains("Apply")
    });
    t.confirm("y");
    t.wait_for("the results", Duration::from_secs(180), |s| {
        s.contains("960 updated · 40 failed")
    });
    // The re-read is over: every changed row read again or marked.
    t.wait_for("the re-read", Duration::from_secs(180), |s| {
        !s.contains("re-reading")
    });
    t.escape_until("every user shown", |s| title(s).contains("2,000 shown"));
    let screen = t.screen();
    let line = title(&screen);
    let service = boto3_licenses(&serve.url, dir.path());
    let n = |l: &str| service.get(l).copied().unwrap_or(0);
    assert_eq!(
        (n("Pro"), n("Plus"), n("Basic")),
        (1000, 40, 960),
        "{service:?}"
    );
    let not_reread = count_before(&line, " not re-read");
    let shown = (
        count_after(&line, "Pro"),
        count_after(&line, "Plus"),
        count_after(&line, "Basic"),
    );
    if not_reread == 0 {
        assert_eq!(shown, (1000, 40, 960), "the title is the service's: {line}");
    } else {
        // Every row not re-read is counted apart, and said in the status line.
        assert_eq!(shown.0 + shown.1 + shown.2 + not_reread, N, "{line}");
        assert!(shown.1 >= 40 && shown.2 <= 960, "{line}");
        assert!(
            screen.contains(&format!(
                "{} not re-read",
                chime_admin::console::text::thousands(not_reread)
            )) && screen.contains("ctrl-r reads them again"),
            "{screen}"
        );
    }
    t.keys(&["q"]);
    t.wait_for("the console to exit", Duration::from_secs(10), |s| {
        s.contains("EXITED 0")
    });
}
