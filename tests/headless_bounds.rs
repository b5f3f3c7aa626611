//! What the headless commands do with a service that misbehaves: silence
//! or a drip (the `--timeout` deadline), endless or repeating pages (an
//! error, never a silently short or endless list), hostile text (made
//! visible on a terminal, neutralised in CSV, exact in JSON), a reader that
//! goes away (`| head`), and AWS's own endpoint (the public API ended).
//! The real binary against a hostile server on 127.0.0.1.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;
use support::headless::{bin, run, text};

use std::process::Output;
use std::time::Duration;

use chime_admin::text::is_hidden;
use serde_json::{Value, json};
use support::{COMMAND_TIMEOUT, Hostile, Reply, fixtures};

/// `users ACC` against `server` with these extra flags.
async fn users(server: &Hostile, extra: &[&str]) -> Output {
    let dir = tempfile::tempdir().expect("tmp");
    let mut c = bin(
        dir.path(),
        &["users", "acc-1", "--endpoint-url", &server.url()],
    );
    c.args(extra);
    run(c).await
}

/// A Pro user `id` of `acc-1`, as a Chime answer spells it.
fn user(id: &str) -> Value {
    fixtures::with(
        fixtures::user(id, &format!("{id}@example.com")),
        json!({"AccountId": "acc-1", "LicenseType": "Pro"}),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silent_or_dripping_server_fails_at_the_timeout_naming_the_call() {
    for reply in [Reply::Silent, Reply::Drip(Duration::from_millis(500))] {
        let server = Hostile::start(None, move |_, _| reply.clone()).await;
        let out = users(&server, &["--timeout", "1.5"]).await;
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{err}");
        assert!(
            err.contains(&format!(
                "ListUsers to {}: no answer within 1.5 s, retries included (raise it with --timeout)",
                server.url()
            )),
            "{err}"
        );
        assert!(out.stdout.is_empty());
    }
    // The config file's `timeout` too.
    let dir = tempfile::tempdir().expect("tmp");
    let config = dir.path().join(".config/chime-admin/config.toml");
    std::fs::create_dir_all(config.parent().expect("dir")).expect("mkdir");
    std::fs::write(&config, "timeout = 1\n").expect("config");
    let server = Hostile::start(None, |_, _| Reply::Silent).await;
    let out = run(bin(
        dir.path(),
        &["accounts", "--endpoint-url", &server.url()],
    ))
    .await;
    let err = text(&out.stderr);
    assert!(
        err.contains("ListAccounts to") && err.contains("within 1 s"),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_paging_ends_with_an_error_never_a_short_or_endless_list() {
    // A new token on every page, one user each: stopped by --max-users.
    let endless = Hostile::start(None, |n, _| {
        let page = json!({"Users": [user(&format!("u-{n}"))], "NextToken": format!("t-{n}")});
        Reply::Json(200, page.to_string())
    })
    .await;
    let out = users(&endless, &["--max-users", "30", "--output", "json"]).await;
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains(
            "ListUsers: more than 30 users, the listing limit (raise it with --max-users)"
        ),
        "{err}"
    );
    assert!(out.stdout.is_empty(), "no partial list");
    assert_eq!(endless.heads().len(), 31);

    // A token that comes back.
    let repeating = Hostile::start(None, |n, _| {
        let page = json!({"Users": [user(&format!("u-{n}"))], "NextToken": "same"});
        Reply::Json(200, page.to_string())
    })
    .await;
    let out = users(&repeating, &["--output", "json"]).await;
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains(
            "ListUsers: the service sent a NextToken it had sent before (page 2, 2 users so far)"
        ),
        "{err}"
    );
    assert!(out.stdout.is_empty());

    // Empty pages that keep carrying new tokens.
    let empty = Hostile::start(None, |n, _| {
        Reply::Json(
            200,
            json!({"Users": [], "NextToken": format!("t-{n}")}).to_string(),
        )
    })
    .await;
    let out = users(&empty, &[]).await;
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("10 empty pages in a row, each with a new NextToken"),
        "{err}"
    );
    assert_eq!(empty.heads().len(), 10);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_text_is_shown_not_run_and_csv_cells_are_neutralised() {
    let evil = "\u{1b}]0;TITLE\u{7}\u{1b}]52;c;aGk=\u{7}\u{1b}[2J\u{202e}";
    let shown = "⟨U+001B⟩]0;TITLE⟨U+0007⟩⟨U+001B⟩]52;c;aGk=⟨U+0007⟩⟨U+001B⟩[2J⟨U+202E⟩";
    let server = Hostile::start(None, move |_, head| {
        let path = head.split(' ').nth(1).unwrap_or("");
        if path.starts_with("/accounts?") || path == "/accounts" {
            let a = json!({"AccountId": "acc-1", "Name": format!("Corp{evil}"), "AwsAccountId": "1"});
            Reply::Json(200, json!({"Accounts": [a]}).to_string())
        } else if head.starts_with("GET /accounts/acc-1 ") {
            // The plan reads the account (its licenses) and the user first.
            let a = json!({"AccountId": "acc-1", "Name": "Corp", "AwsAccountId": "1"});
            Reply::Json(200, json!({"Account": a}).to_string())
        } else if head.starts_with("GET /accounts/acc-1/users/u-1 ") {
            let u = fixtures::with(user("u-1"), json!({"LicenseType": "Basic"}));
            Reply::Json(200, json!({"User": u}).to_string())
        } else if head.starts_with("POST /accounts/acc-1/users ") {
            let e = json!({"UserId": "u-1", "ErrorCode": "Conflict", "ErrorMessage": format!("=HYPERLINK(1){evil}")});
            Reply::Json(200, json!({"UserErrors": [e]}).to_string())
        } else if path.starts_with("/accounts/acc-1/users?") {
            let mut u = user("u-1");
            u["DisplayName"] = json!(format!("Sam{evil}"));
            u["PrimaryEmail"] = json!("=cmd|'/c calc'!A1@example.com");
            Reply::Json(200, json!({"Users": [u]}).to_string())
        } else {
            let body = json!({"Code": "BadRequest", "Message": format!("no{evil}")});
            Reply::Json(400, body.to_string())
        }
    })
    .await;
    let dir = tempfile::tempdir().expect("tmp");
    let cmd = |args: &[&str]| {
        let mut c = bin(dir.path(), args);
        c.args(["--endpoint-url", &server.url()]);
        c
    };
    let no_controls = |s: &str| !s.chars().any(|c| c.is_control() && c != '\n');
    let no_hidden = |s: &str| !s.chars().any(|c| is_hidden(c) && c != '\n');

    let out = run(cmd(&["accounts"])).await;
    let table = text(&out.stdout);
    assert!(table.contains(&format!("Corp{shown}")), "{table}");
    assert!(no_controls(&table), "{table:?}");
    // JSON keeps the exact string, its hidden characters \u-escaped (the
    // bidi override too, which serde_json alone writes raw).
    let out = run(cmd(&["accounts", "--output", "json"])).await;
    let v: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["Accounts"][0]["Name"], format!("Corp{evil}"));
    let raw = text(&out.stdout);
    assert!(no_hidden(&raw) && raw.contains("\\u202e"), "{raw:?}");
    // CSV is for people: shown as in the table.
    let out = run(cmd(&["accounts", "--output", "csv"])).await;
    let csv = text(&out.stdout);
    assert!(
        csv.contains(&format!("Corp{shown}")) && no_hidden(&csv),
        "{csv:?}"
    );

    let out = run(cmd(&["users", "acc-1"])).await;
    let table = text(&out.stdout);
    assert!(
        table.contains(&format!("Sam{shown}")) && no_controls(&table),
        "{table:?}"
    );
    let out = run(cmd(&["users", "acc-1", "--output", "csv"])).await;
    let csv = text(&out.stdout);
    assert!(csv.contains(",'=cmd|'/c calc'!A1@example.com,"), "{csv}");
    assert!(
        csv.contains(&format!("Sam{shown}")) && no_hidden(&csv),
        "{csv:?}"
    );

    // A per-user error message: visible in the table, neutralised in CSV.
    let update = [
        "update-users",
        "acc-1",
        "--license",
        "Pro",
        "--user-id",
        "u-1",
    ];
    let out = run(cmd(&update)).await;
    let table = text(&out.stdout);
    assert!(table.contains(&format!("=HYPERLINK(1){shown}")), "{table}");
    assert!(no_controls(&table), "{table:?}");
    let mut c = cmd(&update);
    c.args(["--output", "csv"]);
    let csv = text(&run(c).await.stdout);
    assert!(csv.contains(",'=HYPERLINK(1)"), "{csv}");

    // An error message on stderr.
    let out = run(cmd(&["users", "acc-2"])).await;
    let err = text(&out.stderr);
    assert!(err.contains(&format!("BadRequest: no{shown}")), "{err}");
    assert!(no_controls(&err), "{err:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reader_that_goes_away_ends_the_command_quietly() {
    let page: Vec<Value> = (0..2000).map(|i| user(&format!("user-{i:05}"))).collect();
    let body = json!({"Users": page}).to_string();
    let server = Hostile::start(None, move |_, _| Reply::Json(200, body.clone())).await;
    let dir = tempfile::tempdir().expect("tmp");
    for format in ["json", "table", "csv"] {
        let mut c = bin(
            dir.path(),
            &[
                "users",
                "acc-1",
                "--endpoint-url",
                &server.url(),
                "--output",
                format,
            ],
        );
        c.stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        let mut child = c.spawn().expect("spawn");
        // Like `| head -c 100`: read a little, then close the pipe.
        let mut stdout = child.stdout.take().expect("stdout");
        let mut first = [0u8; 100];
        tokio::io::AsyncReadExt::read_exact(&mut stdout, &mut first)
            .await
            .expect("some output");
        drop(stdout);
        let out = tokio::time::timeout(COMMAND_TIMEOUT, child.wait_with_output())
            .await
            .expect("in time")
            .expect("ran");
        assert_eq!(
            out.status.code(),
            Some(0),
            "{format}: {}",
            text(&out.stderr)
        );
        assert_eq!(text(&out.stderr), "", "{format}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn aws_own_endpoint_explains_that_the_public_api_ended() {
    // No --endpoint-url: AWS's endpoint, reached through a proxy on a
    // loopback port held bound and never listening, so nothing leaves the
    // machine.
    let closed = support::RefusingPort::new();
    let proxy = closed.url();
    let dir = tempfile::tempdir().expect("tmp");
    let hint = "Amazon Chime's public API ended on 2026-02-20: point --endpoint-url (or AWS_ENDPOINT_URL_CHIME) at a compatible service, or try `chime-admin demo`";
    for args in [&["users", "acc-1"][..], &["doctor"][..]] {
        let mut c = bin(dir.path(), args);
        c.env("HTTPS_PROXY", &proxy).args(["--timeout", "20"]);
        let out = run(c).await;
        let all = format!("{}{}", text(&out.stdout), text(&out.stderr));
        assert!(!out.status.success(), "{all}");
        assert!(
            all.contains("cannot connect to https://chime.us-east-1.amazonaws.com"),
            "{all}"
        );
        assert!(all.contains(hint), "{all}");
    }
    // A configured endpoint that cannot be reached says nothing of it.
    let mut c = bin(dir.path(), &["users", "acc-1", "--endpoint-url", &proxy]);
    c.args(["--timeout", "20"]);
    let err = text(&run(c).await.stderr);
    assert!(
        err.contains("cannot connect") && !err.contains("2026-02-20"),
        "{err}"
    );
}
