//! The console against a service that pages wrongly: the real binary in a
//! tmux pane, a hostile server on 127.0.0.1 that answers ListAccounts with
//! one account and every ListUsers with a full page and the same NextToken.
//! The console asks for pages by itself (a filter wants them all), so
//! without a check it would ask for the same page for ever.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::time::Duration;

use serde_json::json;
use support::tmux::Tmux;
use support::{Hostile, Reply, fixtures, own_home_env};

const BIN: &str = env!("CARGO_BIN_EXE_chime-admin");

#[test]
fn a_service_that_repeats_its_token_stops_the_console_paging_with_the_error() {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let server = rt.block_on(Hostile::start(None, |n, head| {
        if head.starts_with("GET /accounts?") || head.starts_with("GET /accounts ") {
            let a = fixtures::account("acc-1", "Loop Corp");
            return Reply::Json(200, json!({"Accounts": [a]}).to_string());
        }
        // 200 new users a page (request n: the first page is request 1),
        // always the same token.
        let users: Vec<_> = (0..200)
            .map(|i| {
                let id = format!("u-{n}-{i}");
                fixtures::with(
                    fixtures::user(&id, &format!("{id}@example.com")),
                    json!({"AccountId": "acc-1", "LicenseType": "Pro"}),
                )
            })
            .collect();
        Reply::Json(
            200,
            json!({"Users": users, "NextToken": "again"}).to_string(),
        )
    }));
    let dir = tempfile::tempdir().expect("tmp");
    let t = Tmux::new("paging");
    t.start(
        120,
        40,
        &format!(
            "env {env} AWS_ACCESS_KEY_ID=AKIDEXAMPLE AWS_SECRET_ACCESS_KEY=secret \
             AWS_EC2_METADATA_DISABLED=true {BIN} --endpoint-url {url} --region us-east-1 \
             --log-file {d}/console.log --audit-log {d}/audit.jsonl; echo EXITED $?; sleep 600",
            env = own_home_env(dir.path()),
            url = server.url(),
            d = dir.path().display(),
        ),
    );
    t.wait_for("the account", Duration::from_secs(20), |s| {
        s.contains("Loop Corp")
    });
    t.keys(&["Enter"]);
    t.wait_for("the first page", Duration::from_secs(20), |s| {
        s.contains("200 loaded, more exist")
    });
    // A filter loads every page: the second comes back with the same token.
    t.keys(&["/"]);
    t.text("example");
    let s = t.wait_for("the paging error", Duration::from_secs(20), |s| {
        s.contains("a NextToken it had sent before")
    });
    assert!(s.contains("ctrl-r reloads"), "{s}");
    t.escape_until("the dialog gone", |s| {
        !s.contains("a NextToken it had sent before")
    });
    let s = t.wait_for("the status", Duration::from_secs(5), |s| {
        s.contains("matching 400 of 400 loaded · paging stopped: ctrl-r reloads")
    });
    assert!(
        s.contains("u-1-0@example.com"),
        "the rows that came stay: {s}"
    );
    // Exactly two pages were asked for, and no more come.
    let pages = || {
        server
            .heads()
            .iter()
            .filter(|h| h.contains("/users"))
            .count()
    };
    assert_eq!(pages(), 2);
    // Still usable: the cursor moves to the end (which would ask for the
    // next page) and q quits cleanly.
    t.keys(&["Enter", "G"]);
    t.wait_for("the last row", Duration::from_secs(5), |s| {
        s.contains("u-2-199@example.com")
    });
    t.keys(&["q"]);
    t.wait_for("the exit", Duration::from_secs(10), |s| {
        s.contains("EXITED 0")
    });
    assert_eq!(pages(), 2, "{:?}", server.heads());
}
