//! The headless commands as the real binary against `chime-admin serve`, and
//! the credential chain: `credential_process` (with refresh before expiry),
//! static keys in a profile, `source_profile` + `role_arn` through STS (a
//! canned STS on loopback), environment endpoints, and no credentials at all.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::{Duration, Instant};

use support::{COMMAND_TIMEOUT, Canned, Serve};

/// An empty AWS world: HOME, config and credentials files in a temp dir, no
/// AWS_* variables from the outside, IMDS off.
struct World {
    dir: tempfile::TempDir,
}

impl World {
    fn new() -> World {
        World {
            dir: tempfile::tempdir().expect("tmp"),
        }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn write(&self, name: &str, text: &str) -> PathBuf {
        let p = self.path(name);
        std::fs::write(&p, text).expect("write");
        p
    }

    fn command(&self, args: &[&str]) -> tokio::process::Command {
        let mut c = tokio::process::Command::new(env!("CARGO_BIN_EXE_chime-admin"));
        c.args(args)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .envs(support::own_home(self.dir.path()))
            .env("AWS_CONFIG_FILE", self.path("config"))
            .env("AWS_SHARED_CREDENTIALS_FILE", self.path("credentials"))
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .kill_on_drop(true);
        c
    }

    fn with_keys(&self, args: &[&str]) -> tokio::process::Command {
        let mut c = self.command(args);
        c.env("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
            .env("AWS_SECRET_ACCESS_KEY", "secret");
        c
    }
}

async fn run(mut c: tokio::process::Command) -> Output {
    tokio::time::timeout(COMMAND_TIMEOUT, c.output())
        .await
        .expect("command finished in time")
        .expect("command ran")
}

async fn run_with_stdin(mut c: tokio::process::Command, input: &str) -> Output {
    use tokio::io::AsyncWriteExt;
    c.stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let mut child = c.spawn().expect("spawn");
    let mut stdin = child.stdin.take().expect("stdin");
    stdin
        .write_all(input.as_bytes())
        .await
        .expect("write stdin");
    drop(stdin);
    tokio::time::timeout(COMMAND_TIMEOUT, child.wait_with_output())
        .await
        .expect("in time")
        .expect("ran")
}

fn json(out: &Output) -> serde_json::Value {
    assert!(
        out.status.success() || !out.stdout.is_empty(),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\nstderr: {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).to_string()
}

async fn account_id(w: &World, endpoint: &str, name: &str) -> String {
    let out = run(w.with_keys(&[
        "accounts",
        "--endpoint-url",
        endpoint,
        "--name",
        name,
        "--output",
        "json",
    ]))
    .await;
    let v = json(&out);
    v["Accounts"][0]["AccountId"]
        .as_str()
        .expect("account id")
        .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn accounts_and_users_as_table_json_and_csv() {
    let serve = Serve::start(&[]);
    let w = World::new();
    let ep = serve.url.as_str();

    let out = run(w.with_keys(&["accounts", "--endpoint-url", ep, "--output", "json"])).await;
    assert!(out.status.success(), "{}", stderr(&out));
    let v = json(&out);
    let names: Vec<&str> = v["Accounts"]
        .as_array()
        .expect("Accounts")
        .iter()
        .map(|a| a["Name"].as_str().expect("Name"))
        .collect();
    assert!(names.contains(&"Example Corp") && names.contains(&"Design Studio"));

    let out = run(w.with_keys(&["accounts", "--endpoint-url", ep])).await;
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(table.starts_with("AccountId "), "{table}");
    assert!(
        table
            .lines()
            .any(|l| l.contains("Example Corp") && l.contains("EnterpriseLWA"))
    );

    let out = run(w.with_keys(&["accounts", "--endpoint-url", ep, "--output", "csv"])).await;
    let csv = String::from_utf8_lossy(&out.stdout);
    assert!(csv.starts_with("AccountId,Name,AccountType,"), "{csv}");

    // Every page of the 5,000-user account.
    let big = account_id(&w, ep, "Example Corp").await;
    let out = run(w.with_keys(&["users", &big, "--endpoint-url", ep, "--output", "json"])).await;
    assert!(out.status.success(), "{}", stderr(&out));
    let v = json(&out);
    let users = v["Users"].as_array().expect("Users");
    assert_eq!(users.len(), 5000);
    assert!(users[0]["UserId"].is_string() && users[0]["PrimaryEmail"].is_string());
    // Model member order, as the AWS CLI prints it.
    let text = String::from_utf8_lossy(&out.stdout);
    let first = text.find("\"UserId\"").expect("UserId");
    assert!(first < text.find("\"AccountId\"").expect("AccountId"));

    let out = run(w.with_keys(&[
        "users",
        &big,
        "--endpoint-url",
        ep,
        "--user-type",
        "SharedDevice",
        "--output",
        "csv",
    ]))
    .await;
    let csv = String::from_utf8_lossy(&out.stdout);
    let rows: Vec<&str> = csv.lines().skip(1).collect();
    assert!(!rows.is_empty());
    assert!(rows.iter().all(|r| r.contains(",SharedDevice,")), "{csv}");

    // An enum flag the model does not know: a clear error listing the values.
    let out =
        run(w.with_keys(&["users", &big, "--endpoint-url", ep, "--user-type", "Robot"])).await;
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("[PrivateUser, SharedDevice]"),
        "{}",
        stderr(&out)
    );
}

/// `serve` (with a request log) and Design Studio's users not suspended, as
/// `chime-admin users` lists them: the stage of the update-users stories.
struct Updates {
    w: World,
    serve: Serve,
    /// The service's request log.
    log: PathBuf,
    /// Design Studio's id.
    acc: String,
    active: Vec<serde_json::Value>,
}

impl Updates {
    async fn new() -> Updates {
        let w = World::new();
        let log = w.path("requests.jsonl");
        let serve = Serve::start(&["--request-log", log.to_str().expect("utf8")]);
        let acc = account_id(&w, &serve.url, "Design Studio").await;
        let mut u = Updates {
            w,
            serve,
            log,
            acc,
            active: Vec::new(),
        };
        u.active = u
            .users()
            .await
            .into_iter()
            .filter(|u| u["UserRegistrationStatus"] != "Suspended")
            .collect();
        u
    }

    /// The account's users, as `chime-admin users --output json` lists them.
    async fn users(&self) -> Vec<serde_json::Value> {
        let out = run(self.w.with_keys(&[
            "users",
            &self.acc,
            "--endpoint-url",
            &self.serve.url,
            "--output",
            "json",
        ]))
        .await;
        json(&out)["Users"].as_array().expect("Users").clone()
    }

    /// Each of `ids` has `field` at `value` on the service now.
    async fn assert_each(&self, ids: &[&str], field: &str, value: &str) {
        let users = self.users().await;
        for id in ids {
            let u = users.iter().find(|u| u["UserId"] == *id).expect("user");
            assert_eq!(u[field], value, "{id}");
        }
    }

    /// The ids of the first five active users.
    fn five(&self) -> Vec<&str> {
        self.active
            .iter()
            .take(5)
            .map(|u| u["UserId"].as_str().expect("id"))
            .collect()
    }

    /// `update-users ACCOUNT --endpoint-url URL ARGS…` with the example keys.
    fn update_users(&self, args: &[&str]) -> tokio::process::Command {
        let mut all = vec!["update-users", &self.acc, "--endpoint-url", &self.serve.url];
        all.extend_from_slice(args);
        self.w.with_keys(&all)
    }

    /// The service's request log: its text, which has no secret.
    fn request_log(&self) -> String {
        let text = std::fs::read_to_string(&self.log).expect("log");
        assert!(!text.contains("secret"), "{text}");
        text
    }
}

/// Five users and one that does not exist, from a file (with a comment and
/// a blank line): per-user JSON, the unknown one `NotFound` and never sent,
/// those already Basic `Already` and never sent, exit 1, no progress bar
/// off a terminal; the service has the five at Basic.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn update_users_from_a_file_prints_per_user_json_and_exits_1_when_one_fails() {
    let st = Updates::new().await;
    let ids = st.five();
    let file = st.w.write(
        "ids.txt",
        &format!("# users to move\n{}\nno-such-user\n\n", ids.join("\n")),
    );
    let out = run(st.update_users(&[
        "--license",
        "Basic",
        "--ids-from",
        file.to_str().expect("utf8"),
        "--output",
        "json",
    ]))
    .await;
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let v = json(&out);
    let already: Vec<&str> = st
        .active
        .iter()
        .take(5)
        .filter(|u| u["LicenseType"] == "Basic")
        .map(|u| u["UserId"].as_str().expect("id"))
        .collect();
    assert_eq!(v["Updated"], 5 - already.len());
    assert_eq!(v["Already"], already.len());
    assert_eq!(v["NotFound"], 1);
    assert_eq!(v["Failed"], 0);
    assert!(
        v["ChangeId"].as_str().is_some_and(|id| id.len() == 26),
        "{v}"
    );
    let results = v["Results"].as_array().expect("Results");
    assert_eq!(results.len(), 6);
    let bad = results
        .iter()
        .find(|r| r["UserId"] == "no-such-user")
        .expect("bad user");
    assert_eq!(bad["Status"], "NotFound");
    for id in &already {
        let r = results.iter().find(|r| r["UserId"] == *id).expect("row");
        assert_eq!(r["Status"], "Already", "{r}");
    }
    let err = stderr(&out);
    assert!(
        err.contains(&format!(
            "{} of 6 users updated, {} already at the values, 0 failed",
            5 - already.len(),
            already.len()
        )) && err.contains("1 not found"),
        "{err}"
    );
    // Only the users not at Basic were sent, and the missing one never.
    let log = st.request_log();
    let sent: Vec<&str> = log
        .lines()
        .filter(|l| l.contains("\"BatchUpdateUser\""))
        .collect();
    assert!(!sent.is_empty(), "{log}");
    for id in already.iter().chain(["no-such-user"].iter()) {
        assert!(!sent.iter().any(|l| l.contains(id)), "{id} sent: {sent:?}");
    }
    // No progress bar when stderr is not a terminal.
    assert!(!stderr(&out).contains("users  "), "{}", stderr(&out));
    st.assert_each(&ids, "LicenseType", "Basic").await;
    st.request_log();
}

/// The ids from stdin, every change succeeding: a table with a row per
/// user, exit 0, and the service has them changed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn update_users_from_stdin_prints_a_table_and_exits_0() {
    let st = Updates::new().await;
    let ids = st.five();
    let out = run_with_stdin(
        st.update_users(&["--user-type", "SharedDevice", "--ids-from", "-"]),
        &ids.join("\n"),
    )
    .await;
    assert!(out.status.success(), "{}", stderr(&out));
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(table.starts_with("UserId"), "{table}");
    let shared = st
        .active
        .iter()
        .take(5)
        .filter(|u| u["UserType"] == "SharedDevice")
        .count();
    assert_eq!(
        table.lines().filter(|l| l.contains("Updated")).count(),
        5 - shared
    );
    assert_eq!(
        table.lines().filter(|l| l.contains("Already")).count(),
        shared
    );
    st.assert_each(&ids, "UserType", "SharedDevice").await;
    st.request_log();
}

/// `--all --email`: exactly the one user with that email is changed, and
/// its CSV row names the request that changed it; the request log has no
/// email.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn update_users_all_with_an_email_changes_that_user_and_names_the_request() {
    let st = Updates::new().await;
    let email = st.active[6]["PrimaryEmail"].as_str().expect("email");
    let target = st.active[6]["UserId"].as_str().expect("id");
    let out = run(st.update_users(&[
        "--license",
        "Basic",
        "--all",
        "--email",
        email,
        "--output",
        "csv",
    ]))
    .await;
    assert!(out.status.success(), "{}", stderr(&out));
    let csv = String::from_utf8_lossy(&out.stdout);
    // UserId,PrimaryEmail,Status,ErrorCode,ErrorMessage,RequestId: the
    // request that updated it.
    let row = csv.lines().nth(1).expect("a result row");
    let request_id = row
        .strip_prefix(&format!("{target},{email},Updated,,,"))
        .unwrap_or_else(|| panic!("{row}"));
    assert_eq!(request_id.len(), 36, "{row}");
    assert_eq!(csv.lines().count(), 2);
    st.assert_each(&[target], "LicenseType", "Basic").await;
    assert!(!st.request_log().contains(email));
}

/// A license that does not exist, or no change at all: refused with the
/// reason, and no update reaches the service.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn update_users_refuses_bad_flags_before_any_change_is_sent() {
    let st = Updates::new().await;
    let out = run(st.update_users(&["--license", "Gold", "--user-id", "x"])).await;
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("[Basic, Plus, Pro, ProTrial]"),
        "{}",
        stderr(&out)
    );
    let out = run(st.update_users(&["--user-id", "x"])).await;
    assert!(
        stderr(&out).contains("nothing to change"),
        "{}",
        stderr(&out)
    );
    assert!(!st.request_log().contains("Update"), "no change was sent");
}

/// A `credential_process` script that counts its runs and hands out keys
/// expiring `expires_in` seconds after it runs.
fn credential_script(w: &World, secret: &str, expires_in: u64) -> (PathBuf, PathBuf) {
    let counter = w.path(&format!("runs-{secret}-{expires_in}"));
    let script = w.write(
        &format!("creds-{secret}-{expires_in}.sh"),
        &format!(
            "#!/bin/sh\necho run >> '{}'\nexp=$(date -u -d '+{expires_in} seconds' +%Y-%m-%dT%H:%M:%SZ)\n\
             printf '{{\"Version\": 1, \"AccessKeyId\": \"AKIDEXAMPLE\", \"SecretAccessKey\": \"{secret}\", \"Expiration\": \"%s\"}}\\n' \"$exp\"\n",
            counter.display()
        ),
    );
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    (script, counter)
}

fn runs(counter: &Path) -> usize {
    std::fs::read_to_string(counter)
        .map(|t| t.lines().count())
        .unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn credential_process_from_a_temporary_config_file_and_refresh_before_expiry() {
    let serve = Serve::start(&[]);
    let w = World::new();
    let ep = serve.url.as_str();
    let big = account_id(&w, ep, "Example Corp").await;

    let (lasting, lasting_runs) = credential_script(&w, "secret", 3600);
    let (expiring, expiring_runs) = credential_script(&w, "secret", 30);
    let (wrong, _) = credential_script(&w, "not-the-secret", 3600);
    w.write(
        "config",
        &format!(
            "[profile lasting]\ncredential_process = {}\n\n[profile expiring]\ncredential_process = {}\n\n[profile wrong]\ncredential_process = {}\n",
            lasting.display(),
            expiring.display(),
            wrong.display()
        ),
    );

    // 25 pages of users: keys valid for an hour are fetched once...
    let out = run(w.command(&[
        "users",
        &big,
        "--profile",
        "lasting",
        "--endpoint-url",
        ep,
        "--output",
        "csv",
    ]))
    .await;
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 5001);
    assert_eq!(runs(&lasting_runs), 1);

    // ... keys about to expire are fetched again for every request (AWS_PROFILE this time).
    let mut c = w.command(&["users", &big, "--endpoint-url", ep, "--output", "csv"]);
    c.env("AWS_PROFILE", "expiring");
    let out = run(c).await;
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(runs(&expiring_runs) >= 25, "{}", runs(&expiring_runs));

    // The keys really come from the process: a wrong secret is refused by the service.
    let out = run(w.command(&["accounts", "--profile", "wrong", "--endpoint-url", ep])).await;
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("InvalidSignatureException"),
        "{}",
        stderr(&out)
    );
    assert!(!stderr(&out).contains("not-the-secret"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn profiles_with_static_keys_and_an_assumed_role_via_source_profile() {
    let serve = Serve::start(&[
        "--access-key",
        "AKIDEXAMPLE:secret",
        "--access-key",
        "ASIAROLEKEY:rolesecret:token=SESSIONTOKEN",
    ]);
    let w = World::new();
    let ep = serve.url.as_str();
    let expires = (chrono::Utc::now() + chrono::Duration::hours(1))
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string();
    let sts = Canned::start(vec![(
        200,
        "text/xml",
        format!(
            r#"<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <AssumeRoleResult>
    <Credentials>
      <AccessKeyId>ASIAROLEKEY</AccessKeyId>
      <SecretAccessKey>rolesecret</SecretAccessKey>
      <SessionToken>SESSIONTOKEN</SessionToken>
      <Expiration>{expires}</Expiration>
    </Credentials>
    <AssumedRoleUser>
      <AssumedRoleId>AROAEXAMPLE:chime-admin</AssumedRoleId>
      <Arn>arn:aws:sts::123456789012:assumed-role/ChimeAdmin/chime-admin</Arn>
    </AssumedRoleUser>
  </AssumeRoleResult>
  <ResponseMetadata><RequestId>c6104cbe-af31-11e0-8154-cbc7ccf896c7</RequestId></ResponseMetadata>
</AssumeRoleResponse>"#
        ),
    )])
    .await;
    w.write(
        "credentials",
        "[base]\naws_access_key_id = AKIDBASE\naws_secret_access_key = basesecret\n",
    );
    w.write(
        "config",
        "[profile static]\naws_access_key_id = AKIDEXAMPLE\naws_secret_access_key = secret\nregion = eu-west-1\n\n\
         [profile admin]\nrole_arn = arn:aws:iam::123456789012:role/ChimeAdmin\nsource_profile = base\nrole_session_name = chime-admin\n",
    );

    // Static keys in a profile.
    let out = run(w.command(&["accounts", "--profile", "static", "--endpoint-url", ep])).await;
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("Example Corp"));

    // role_arn + source_profile: the SDK calls STS with the base keys, then
    // signs Chime requests with the role's keys and session token.
    let mut c = w.command(&["accounts", "--profile", "admin", "--endpoint-url", ep]);
    c.env("AWS_ENDPOINT_URL_STS", format!("http://{}", sts.addr));
    let out = run(c).await;
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("Example Corp"));
    let heads = sts.heads();
    assert_eq!(heads.len(), 1, "one AssumeRole call");
    assert!(heads[0].contains("Credential=AKIDBASE/"), "{}", heads[0]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn endpoints_from_the_environment_and_missing_credentials() {
    let serve = Serve::start(&[]);
    let w = World::new();
    let refusing = support::RefusingPort::new();
    let dead = refusing.url();
    let dead = dead.as_str();

    // AWS_ENDPOINT_URL_CHIME wins over AWS_ENDPOINT_URL.
    let mut c = w.with_keys(&["accounts"]);
    c.env("AWS_ENDPOINT_URL_CHIME", &serve.url)
        .env("AWS_ENDPOINT_URL", dead);
    let out = run(c).await;
    assert!(out.status.success(), "{}", stderr(&out));

    // AWS_ENDPOINT_URL alone is used.
    let mut c = w.with_keys(&["accounts"]);
    c.env("AWS_ENDPOINT_URL", &serve.url);
    assert!(run(c).await.status.success());

    // --endpoint-url wins over both.
    let mut c = w.with_keys(&["accounts", "--endpoint-url", &serve.url]);
    c.env("AWS_ENDPOINT_URL_CHIME", dead)
        .env("AWS_ENDPOINT_URL", dead);
    assert!(run(c).await.status.success());

    // A dead endpoint: said plainly.
    let out = run(w.with_keys(&["accounts", "--endpoint-url", dead])).await;
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains(&format!("cannot connect to {dead}: connection refused")),
        "{}",
        stderr(&out)
    );

    // No credentials anywhere: a clear error, no request sent.
    let out = run(w.command(&["accounts", "--endpoint-url", &serve.url])).await;
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("no usable AWS credentials"),
        "{}",
        stderr(&out)
    );
}

/// A tmux server of our own (its own socket), killed on drop.
struct Tmux {
    socket: String,
}

impl Tmux {
    fn cmd(&self, args: &[&str]) -> std::process::Output {
        std::process::Command::new("tmux")
            .args(["-L", &self.socket])
            .args(args)
            .output()
            .expect("tmux")
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.cmd(&["kill-server"]);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_progress_bar_on_a_terminal_and_only_there() {
    let serve = Serve::start(&["--latency-ms", "250"]);
    let w = World::new();
    let ep = serve.url.clone();
    let acc = account_id(&w, &ep, "Acme Directory").await;
    let out = run(w.with_keys(&["users", &acc, "--endpoint-url", &ep, "--output", "csv"])).await;
    let ids: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .skip(1)
        .filter(|l| !l.contains("Suspended") && !l.contains(",Basic,"))
        .take(200)
        .map(|l| l.split(',').next().expect("id").to_string())
        .collect();
    let file = w.write("ids.txt", &ids.join("\n"));
    let result = w.path("result.json");
    let tmux = Tmux {
        socket: format!("chime-client-test-{}", std::process::id()),
    };
    let command = format!(
        "env HOME='{home}' XDG_CONFIG_HOME='{home}/.config' XDG_STATE_HOME='{home}/.local/state' \
         AWS_ACCESS_KEY_ID=AKIDEXAMPLE AWS_SECRET_ACCESS_KEY=secret AWS_EC2_METADATA_DISABLED=true \
         AWS_CONFIG_FILE=/nonexistent AWS_SHARED_CREDENTIALS_FILE=/nonexistent \
         '{}' update-users {acc} --endpoint-url {ep} --license Basic --concurrency 1 \
         --ids-from '{}' --output json > '{}'; sleep 30",
        env!("CARGO_BIN_EXE_chime-admin"),
        file.display(),
        result.display(),
        home = w.dir.path().display(),
    );
    let started = tmux.cmd(&["new-session", "-d", "-x", "120", "-y", "20", &command]);
    assert!(
        started.status.success(),
        "{}",
        String::from_utf8_lossy(&started.stderr)
    );
    // 10 chunks of 20, one at a time, 250 ms each: the bar shows for ~2.5 s.
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut seen = String::new();
    while Instant::now() < deadline {
        let pane = tmux.cmd(&["capture-pane", "-p"]);
        seen = String::from_utf8_lossy(&pane.stdout).to_string();
        if seen.contains("/200 users") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(seen.contains("/200 users"), "no progress bar in:\n{seen}");
    // The JSON went to the file, whole, and no bar got into it.
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let text = std::fs::read_to_string(&result).unwrap_or_default();
        if let Ok(v) = serde_json::from_str::<serde_json::Value>(&text) {
            assert_eq!(v["Updated"], 200);
            break;
        }
        assert!(Instant::now() < deadline, "no result: {text}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_custom_endpoint_is_signed_for_the_configured_region() {
    let echo = Canned::start(vec![(200, "application/json", r#"{"Accounts":[]}"#.into())]).await;
    let ep = format!("http://{}", echo.addr);
    let w = World::new();
    w.write(
        "config",
        "[profile static]\naws_access_key_id = AKIDEXAMPLE\naws_secret_access_key = secret\nregion = eu-west-1\n",
    );
    // (flags, environment, region expected in the credential scope)
    type Case<'a> = (&'a [&'a str], &'a [(&'a str, &'a str)], &'a str);
    let cases: [Case<'_>; 4] = [
        (&["--profile", "static"], &[], "eu-west-1"),
        (
            &["--profile", "static", "--region", "ap-northeast-1"],
            &[],
            "ap-northeast-1",
        ),
        (
            &[],
            &[("AWS_PROFILE", "static"), ("AWS_REGION", "sa-east-1")],
            "sa-east-1",
        ),
        (
            &[],
            &[
                ("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE"),
                ("AWS_SECRET_ACCESS_KEY", "secret"),
            ],
            "us-east-1",
        ),
    ];
    for (n, (args, env, region)) in cases.iter().enumerate() {
        let mut all = vec!["accounts", "--endpoint-url", ep.as_str()];
        all.extend_from_slice(args);
        let mut c = w.command(&all);
        for (k, v) in env.iter() {
            c.env(k, v);
        }
        let out = run(c).await;
        assert!(out.status.success(), "case {n}: {}", stderr(&out));
        let heads = echo.heads();
        let head = heads.last().expect("a request");
        assert!(
            head.contains(&format!("/{region}/chime/aws4_request")),
            "case {n}: {head}"
        );
        assert!(head.contains("amz-sdk-request: attempt=1; max=5"), "{head}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn proxies_from_the_environment_and_loopback_always_direct() {
    let w = World::new();
    // A proxy on loopback that answers the account list itself.
    let proxy = Canned::start(vec![(
        200,
        "application/json",
        r#"{"Accounts":[{"AwsAccountId":"1","AccountId":"acc-1","Name":"Via Proxy"}]}"#.into(),
    )])
    .await;
    let mut c = w.with_keys(&[
        "accounts",
        "--endpoint-url",
        "http://chime.example.invalid",
        "--output",
        "json",
    ]);
    c.env("http_proxy", format!("http://{}", proxy.addr));
    let out = run(c).await;
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(json(&out)["Accounts"][0]["Name"], "Via Proxy");
    let heads = proxy.heads();
    assert_eq!(heads.len(), 1, "{heads:?}");
    // The proxy was asked for the endpoint's URL, with the signed Host.
    assert!(
        heads[0].starts_with("GET http://chime.example.invalid/accounts"),
        "{}",
        heads[0]
    );
    assert!(
        heads[0]
            .to_ascii_lowercase()
            .contains("host: chime.example.invalid"),
        "{}",
        heads[0]
    );

    // A local service is reached directly, whatever HTTP_PROXY says.
    let serve = Serve::start(&[]);
    let mut c = w.with_keys(&["accounts", "--endpoint-url", &serve.url]);
    let refusing = support::RefusingPort::new();
    c.env("HTTP_PROXY", refusing.url());
    let out = run(c).await;
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("Example Corp"));

    // Not even when the proxy is alive.
    let mut c = w.with_keys(&["accounts", "--endpoint-url", &serve.url]);
    c.env("HTTP_PROXY", format!("http://{}", proxy.addr));
    assert!(run(c).await.status.success());
    assert_eq!(proxy.heads().len(), 1, "loopback never went to the proxy");

    // A proxy setting that is not a URL is said plainly, without its value.
    let mut c = w.with_keys(&["accounts", "--endpoint-url", &serve.url]);
    c.env("HTTPS_PROXY", "http://user:hunter2@[::1");
    let out = run(c).await;
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(err.contains("HTTPS_PROXY is not a proxy URL"), "{err}");
    assert!(!err.contains("hunter2"), "{err}");
}
