//! The keys `serve` accepts, from `--access-keys-file` and
//! `CHIME_ADMIN_ACCESS_KEYS` (so no secret shows in `ps`), checked with
//! signed calls of our client against the real binary.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use chime_admin::client::{ApiErrorKind, Client};

mod support;
use support::{Serve, serve_fails};

fn client(url: &str, id: &str, secret: &str) -> Client {
    Client::with_static_credentials(url, "us-east-1", id, secret).expect("client")
}

fn write_mode(path: &Path, text: &str, mode: u32) {
    std::fs::write(path, text).expect("write");
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).expect("chmod");
}

fn arg(p: &Path) -> String {
    p.to_str().expect("a UTF-8 path").to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_from_a_private_file_and_the_environment_are_accepted() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("keys");
    write_mode(
        &file,
        "# serve's keys\nAKIDFILE:File-Secret-81c2\n\n  AKIDFILERO:Ro-Secret-5d07:read-only\n",
        0o600,
    );
    let serve = Serve::builder()
        .args(&["--empty", "--access-keys-file", &arg(&file)])
        .env(
            "CHIME_ADMIN_ACCESS_KEYS",
            "AKIDENV1:Env-Secret-1, AKIDENV2:Env-Secret-2",
        )
        .start();
    let cmdline = std::fs::read(format!("/proc/{}/cmdline", serve.pid())).expect("cmdline");
    assert!(!String::from_utf8_lossy(&cmdline).contains("Secret"));

    for (id, secret) in [
        ("AKIDFILE", "File-Secret-81c2"),
        ("AKIDENV1", "Env-Secret-1"),
        ("AKIDENV2", "Env-Secret-2"),
    ] {
        client(&serve.url, id, secret)
            .create_account(id)
            .await
            .unwrap_or_else(|e| panic!("{id}: {e:?}"));
    }
    let ro = client(&serve.url, "AKIDFILERO", "Ro-Secret-5d07");
    let listed = ro
        .list_accounts(None, None, None, None)
        .await
        .expect("a read-only key lists");
    assert_eq!(listed.accounts.len(), 3);
    let refused = ro.create_account("No").await.expect_err("read-only");
    assert_eq!(refused.status, Some(403), "{refused:?}");
    // The default key is not accepted once keys are given.
    let example = client(&serve.url, "AKIDEXAMPLE", "secret");
    let e = example
        .list_accounts(None, None, None, None)
        .await
        .expect_err("AKIDEXAMPLE is not a key here");
    assert!(
        matches!(&e.kind, ApiErrorKind::Service { exception, .. } if exception == "UnrecognizedClientException"),
        "{e:?}"
    );
    assert_eq!(serve.terminate(), Some(0));
}

#[test]
fn a_keys_file_others_may_read_or_a_bad_line_is_refused_without_showing_a_secret() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("keys");
    for mode in [0o644, 0o640, 0o604, 0o660] {
        write_mode(&file, "AKIDFILE:Loose-Secret-77\n", mode);
        let (code, err) = serve_fails(&["--access-keys-file", &arg(&file)]);
        assert_ne!(code, Some(0), "{mode:o}: {err}");
        assert!(
            err.contains(&arg(&file)) && err.contains("group or others may read it"),
            "{mode:o}: {err}"
        );
        assert!(!err.contains("Loose-Secret-77"), "{err}");
    }
    write_mode(
        &file,
        "AKIDFILE:Good-Secret-1\nAKIDBAD:Bad-Secret-2:read-write\n",
        0o600,
    );
    let (code, err) = serve_fails(&["--access-keys-file", &arg(&file)]);
    assert_ne!(code, Some(0), "{err}");
    assert!(err.contains("line 2"), "{err}");
    assert!(!err.contains("Secret"), "{err}");
}
