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
use support::{Serve, fixtures, quick_client, serve_fails};

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

// ---------- files that are not ours, empty, newer, older ----------

/// A symbolic or a hard link to a served state file has its own `.lock`
/// name: the database file itself is locked, so a second `serve` through
/// either is refused and the first one's changes stay.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_symlink_or_a_hard_link_to_a_served_state_file_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("state.db");
    let first = Serve::builder().args(&["--empty"]).state(&db).start();
    let soft = dir.path().join("soft.db");
    std::os::unix::fs::symlink(&db, &soft).expect("symlink");
    let hard = dir.path().join("hard.db");
    std::fs::hard_link(&db, &hard).expect("hard link");
    for other in [&soft, &hard] {
        let (code, err) = serve_fails(&["--empty", "--state", &state_arg(other)]);
        assert_ne!(code, Some(0), "{err}");
        assert!(
            err.contains(&state_arg(other)) && err.contains("in use by another chime-admin serve"),
            "{err}"
        );
    }
    quick_client(&first.url)
        .create_account("Kept")
        .await
        .expect("CreateAccount");
    assert_eq!(first.terminate(), Some(0));
    // Once it is stopped, the other path serves the same database.
    let again = Serve::builder().state(&hard).start();
    assert_eq!(account_names(&again.url).await, ["Kept"]);
    assert_eq!(again.terminate(), Some(0));
}

/// A damaged database (a page overwritten) is refused, named, and left as
/// it is.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_damaged_state_file_is_refused_naming_it_and_left_as_it_is() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("state.db");
    let first = Serve::builder().state(&db).start();
    assert_eq!(first.terminate(), Some(0));
    let mut bytes = std::fs::read(&db).expect("read");
    let pages = bytes.len() / 4096;
    assert!(pages > 10, "{pages} pages");
    // A b-tree page in the middle: its header and first cells garbage.
    let at = (pages / 2) * 4096;
    bytes[at..at + 64].fill(0xA5);
    std::fs::write(&db, &bytes).expect("damage");
    let (code, err) = serve_fails(&["--state", &state_arg(&db)]);
    assert_ne!(code, Some(0), "{err}");
    assert!(
        err.contains(&state_arg(&db)) && err.contains("is damaged"),
        "{err}"
    );
    assert_eq!(std::fs::read(&db).expect("read"), bytes, "left as it is");
}

fn sqlite(path: &Path, sql: &str) {
    let conn = rusqlite::Connection::open(path).expect("open");
    conn.execute_batch(sql).expect("sql");
}

fn pragma(path: &Path, name: &str) -> i64 {
    let conn = rusqlite::Connection::open(path).expect("open");
    conn.query_row(&format!("PRAGMA {name}"), [], |r| r.get(0))
        .expect("pragma")
}

#[test]
fn a_file_that_is_not_ours_is_refused_untouched() {
    let dir = tempfile::tempdir().expect("tempdir");
    let foo = dir.path().join("foo.db");
    sqlite(&foo, "CREATE TABLE foo (x); INSERT INTO foo VALUES (1);");
    let accounts = dir.path().join("accounts.db");
    sqlite(
        &accounts,
        "CREATE TABLE accounts (x); INSERT INTO accounts VALUES (1);",
    );
    let other_app = dir.path().join("other-app.db");
    sqlite(
        &other_app,
        "PRAGMA application_id = 7; CREATE TABLE accounts (seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, row TEXT NOT NULL);",
    );
    let text = dir.path().join("notes.txt");
    std::fs::write(
        &text,
        "not a database at all, but long enough to look like one\n".repeat(20),
    )
    .expect("write");
    for file in [&foo, &accounts, &other_app, &text] {
        let before = std::fs::read(file).expect("read");
        let (code, err) = serve_fails(&["--state", &state_arg(file)]);
        assert_ne!(code, Some(0), "{err}");
        assert!(
            err.contains(&state_arg(file)) && err.contains("is not a chime-admin state file"),
            "{err}"
        );
        assert_eq!(
            std::fs::read(file).expect("read"),
            before,
            "{file:?} changed"
        );
        for side in ["-wal", "-shm", "-journal", ".creating", ".lock"] {
            let p = format!("{}{side}", file.display());
            assert!(!Path::new(&p).exists(), "{p} was created");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_empty_file_is_seeded_with_the_data_set() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("state.db");
    std::fs::write(&db, b"").expect("an empty file");
    let serve = Serve::builder().state(&db).start();
    let names = account_names(&serve.url).await;
    assert!(names.contains(&"Example Corp".to_string()), "{names:?}");
    assert_eq!(serve.terminate(), Some(0));
    assert_eq!(pragma(&db, "application_id"), 0x4348_4d41);
    assert_eq!(pragma(&db, "user_version"), 1);
}

/// Account `lwa-1` named "Old" with one user `u-1`, written to `dir/seed.json`.
fn seed(dir: &Path) -> std::path::PathBuf {
    let old = fixtures::account("lwa-1", "Old");
    fixtures::seed_file(
        dir,
        vec![(old, vec![fixtures::user("u-1", "sam@lwa.example")])],
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_newer_schema_is_refused_and_an_older_one_migrated() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("state.db");
    let seed = seed(dir.path());
    let serve = Serve::builder()
        .args(&["--seed", &state_arg(&seed)])
        .state(&db)
        .start();
    assert_eq!(account_names(&serve.url).await, ["Old"]);
    assert_eq!(serve.terminate(), Some(0));

    // Newer: refused as it is.
    sqlite(&db, "PRAGMA user_version = 2;");
    let before = std::fs::read(&db).expect("read");
    let (code, err) = serve_fails(&["--state", &state_arg(&db)]);
    assert_ne!(code, Some(0), "{err}");
    assert!(err.contains("schema version 2, newer"), "{err}");
    assert_eq!(std::fs::read(&db).expect("read"), before);

    // Version 0 (before the marker), with a PIN in a user row: migrated.
    sqlite(
        &db,
        "PRAGMA user_version = 0; PRAGMA application_id = 0;
         UPDATE users SET row = json_set(row, '$.user.PersonalPIN', '7051983264');",
    );
    // A damaged row makes the migration fail: nothing of it is kept.
    sqlite(
        &db,
        "INSERT INTO users (account_id, id, row) VALUES ('lwa-1', 'u-bad', 'not json');",
    );
    let (code, err) = serve_fails(&["--state", &state_arg(&db)]);
    assert_ne!(code, Some(0), "{err}");
    assert!(err.contains("migrating"), "{err}");
    assert_eq!(pragma(&db, "user_version"), 0, "{err}");
    assert!(String::from_utf8_lossy(&std::fs::read(&db).expect("read")).contains("7051983264"));
    sqlite(&db, "DELETE FROM users WHERE id = 'u-bad';");

    let serve = Serve::builder().state(&db).start();
    let user = quick_client(&serve.url)
        .get_user("lwa-1", "u-1")
        .await
        .expect("GetUser");
    assert_eq!(user.personal_pin, None);
    assert_eq!(serve.terminate(), Some(0));
    assert_eq!(pragma(&db, "application_id"), 0x4348_4d41);
    assert_eq!(pragma(&db, "user_version"), 1);
    let bytes = std::fs::read(&db).expect("read");
    assert!(
        !String::from_utf8_lossy(&bytes).contains("7051983264"),
        "the PIN is still in the file"
    );
}

// ---------- secrets at rest ----------

fn mode(p: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p)
        .unwrap_or_else(|e| panic!("{p:?}: {e}"))
        .permissions()
        .mode()
        & 0o777
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn files_are_private_under_umask_000_and_no_pin_is_stored() {
    let dir = tempfile::tempdir().expect("tempdir");
    let state_dir = dir.path().join("state");
    let db = state_dir.join("state.db");
    let requests = dir.path().join("logs/requests.jsonl");
    let seed = seed(dir.path());
    let serve = Serve::builder()
        .args(&["--seed", &state_arg(&seed)])
        .args(&["--request-log", &state_arg(&requests)])
        .state(&db)
        .start_in_shell("umask 000");
    let client = quick_client(&serve.url);
    let user = client
        .reset_personal_pin("lwa-1", "u-1")
        .await
        .expect("ResetPersonalPIN");
    let pin = user.personal_pin.expect("the new PIN").into_inner();
    assert_eq!(pin.len(), 10);
    let again = client.get_user("lwa-1", "u-1").await.expect("GetUser");
    assert_eq!(again.personal_pin, None);

    // While it runs: the database, its WAL and SHM, the lock, both logs.
    let wal = state_dir.join("state.db-wal");
    let shm = state_dir.join("state.db-shm");
    let lock = state_dir.join("state.db.lock");
    for f in [&db, &wal, &shm, &lock, &requests, &serve.log_file()] {
        assert_eq!(mode(f), 0o600, "{f:?}");
    }
    assert_eq!(mode(&state_dir), 0o700);
    assert_eq!(mode(requests.parent().expect("dir")), 0o700);
    for f in [&db, &wal] {
        let bytes = std::fs::read(f).expect("read");
        assert!(
            !String::from_utf8_lossy(&bytes).contains(&pin),
            "the PIN is in {f:?}"
        );
    }
    assert_eq!(serve.terminate(), Some(0));
    assert!(!String::from_utf8_lossy(&std::fs::read(&db).expect("read")).contains(&pin));
}
