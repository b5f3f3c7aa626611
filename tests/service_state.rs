//! `serve --state FILE` on a shared machine, with the real binary:
//! - one server per state file: a second `serve` on it refuses to start,
//!   naming the file and the pid of the first, and the first's changes stay;
//! - a file that is not ours is refused untouched; a 0-byte file is seeded;
//!   a newer schema is refused; an older one is migrated;
//! - the files it creates are private (0600, dir 0700) under `umask 000`,
//!   and no PIN is stored.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;

mod support;
use support::{Serve, quick_client, serve_fails};

async fn account_names(url: &str) -> Vec<String> {
    let r = quick_client(url)
        .list_accounts(None, None, None, None)
        .await
        .expect("ListAccounts");
    let mut v: Vec<String> = r.accounts.into_iter().map(|a| a.name).collect();
    v.sort();
    v
}

fn state_arg(db: &Path) -> String {
    db.to_str().expect("a UTF-8 path").to_string()
}

// ---------- one server per state file ----------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_serve_on_the_same_state_file_refuses_and_names_the_first() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("state.db");
    let first = Serve::builder().args(&["--empty"]).state(&db).start();

    let (code, err) = serve_fails(&["--empty", "--state", &state_arg(&db)]);
    assert_ne!(code, Some(0), "{err}");
    assert!(err.contains(&state_arg(&db)), "names the file: {err}");
    assert!(
        err.contains(&format!("pid {}", first.pid())),
        "names the first server: {err}"
    );

    // The first one's acknowledged change is there after a restart.
    quick_client(&first.url)
        .create_account("Kept")
        .await
        .expect("CreateAccount");
    assert_eq!(first.terminate(), Some(0));
    let mut again = Serve::builder().state(&db).start();
    assert_eq!(account_names(&again.url).await, ["Kept"]);

    // A server killed with -9 leaves no lock behind.
    again.kill9();
    let last = Serve::builder().state(&db).start();
    assert_eq!(account_names(&last.url).await, ["Kept"]);
    assert_eq!(last.terminate(), Some(0));
}
