//! Values typed the way people type them (issue 22, item 10): the enum
//! values of flags in any case, printed in their canonical form.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;
use support::Serve;

fn run(dir: &std::path::Path, url: &str, args: &[&str]) -> (bool, String, String) {
    let out = support::chime_admin_isolated(dir, ("AKIDEXAMPLE", "secret"))
        .args(["--endpoint-url", url, "--region", "us-east-1"])
        .args(args)
        .output()
        .expect("run chime-admin");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn enum_flags_take_any_case_and_print_the_canonical_form() {
    let serve = Serve::start(&[]);
    let dir = tempfile::tempdir().expect("tempdir");
    let (ok, csv, err) = run(dir.path(), &serve.url, &["accounts", "--output", "CSV"]);
    assert!(ok, "{err}");
    let account = csv
        .lines()
        .find(|l| l.contains("Design Studio"))
        .and_then(|l| l.split(',').find(|c| c.len() == 36 && c.contains('-')))
        .expect("Design Studio's id")
        .to_string();
    let (ok, out, err) = run(
        dir.path(),
        &serve.url,
        &[
            "update-users",
            &account,
            "--all",
            "--license",
            "basic",
            "--user-type",
            "shareddevice",
            "--dry-run",
            "--output",
            "Json",
        ],
    );
    assert!(ok, "{err}");
    assert!(out.contains("\"Basic\""), "{out}");
    assert!(out.contains("SharedDevice"), "{out}");
    assert!(
        !out.contains("\"basic\"") && !out.contains("shareddevice"),
        "{out}"
    );
    // `update-users --all … --dry-run` with `args` is refused: its stderr.
    let refused = |args: &[&str]| {
        let mut all = vec!["update-users", account.as_str(), "--all", "--dry-run"];
        all.extend_from_slice(args);
        let (ok, _, err) = run(dir.path(), &serve.url, &all);
        assert!(!ok, "{args:?} refused");
        err
    };
    // A value that is none of them is still refused, naming them.
    let err = refused(&["--license", "gold"]);
    assert!(err.contains("Basic, Plus, Pro, ProTrial"), "{err}");
    assert!(!err.contains("did you mean"), "gold is near nothing: {err}");
    // A typo is refused too, naming what it was likely meant to be.
    let err = refused(&["--license", "prp", "--filter", "reg:unregisterd"]);
    assert!(
        err.contains("invalid License \"prp\": did you mean Pro? expected one of"),
        "{err}"
    );
    let err = refused(&["--license", "pro", "--filter", "reg:unregisterd"]);
    assert!(
        err.contains(
            "did you mean unregistered? reg is one of registered, unregistered, suspended"
        ),
        "{err}"
    );
}
