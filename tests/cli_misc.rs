//! The binary's generated artefacts: shell completions and the man page come
//! from the same clap definitions as the flags themselves.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::process::Command;

fn run(args: &[&str]) -> (bool, String) {
    let home = tempfile::tempdir().expect("tempdir");
    let out = Command::new(env!("CARGO_BIN_EXE_chime-admin"))
        .args(args)
        .envs(support::own_home(home.path()))
        .output()
        .expect("run chime-admin");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

#[test]
fn completions_name_every_subcommand_for_each_shell() {
    for (shell, marker) in [
        ("bash", "complete -F _chime__admin"),
        ("zsh", "#compdef chime-admin"),
        ("fish", "complete -c chime-admin"),
    ] {
        let (ok, text) = run(&["completions", shell]);
        assert!(ok, "{shell} completions failed");
        assert!(text.contains(marker), "{shell}: no {marker:?} in output");
        for sub in ["demo", "serve", "accounts", "users", "update-users"] {
            assert!(text.contains(sub), "{shell} completions lack {sub}");
        }
        assert!(
            text.contains("endpoint-url"),
            "{shell} completions lack --endpoint-url"
        );
    }
    let (ok, _) = run(&["completions", "tcsh"]);
    assert!(!ok, "an unknown shell must be refused");
}

#[test]
fn man_page_is_roff_with_the_subcommands() {
    let (ok, text) = run(&["man"]);
    assert!(ok);
    assert!(text.contains(".TH chime-admin 1"));
    for sub in ["demo", "serve", "update\\-users"] {
        assert!(text.contains(sub), "man page lacks {sub}");
    }
}

mod support;

use support::Serve;

/// `chime-admin doctor` with the given credentials, in an environment that
/// holds nothing else: empty config files, no IMDS.
fn doctor(endpoint: &str, key: Option<(&str, &str)>) -> (bool, String) {
    let dir = tempfile::tempdir().expect("tempdir");
    let empty = dir.path().join("empty");
    std::fs::write(&empty, "").expect("write");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_chime-admin"));
    cmd.args(["doctor", "--endpoint-url", endpoint])
        .args(["--log-file", &dir.path().join("log").display().to_string()])
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .envs(support::own_home(dir.path()))
        .env("AWS_CONFIG_FILE", &empty)
        .env("AWS_SHARED_CREDENTIALS_FILE", &empty)
        .env("AWS_EC2_METADATA_DISABLED", "true");
    if let Some((id, secret)) = key {
        cmd.env("AWS_ACCESS_KEY_ID", id)
            .env("AWS_SECRET_ACCESS_KEY", secret);
    }
    let out = cmd.output().expect("run doctor");
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    (out.status.success(), text)
}

#[test]
fn doctor_reports_credentials_endpoint_call_and_skew_without_the_secret() {
    let serve = Serve::start(&["--empty"]);
    let (ok, text) = doctor(&serve.url, Some(("AKIDEXAMPLE", "secret")));
    assert!(ok, "doctor failed with good credentials:\n{text}");
    assert!(
        text.contains(&format!("endpoint       {}", serve.url)),
        "{text}"
    );
    assert!(text.contains("region         us-east-1"), "{text}");
    // A local endpoint is never reached through a proxy.
    assert!(text.contains("proxy          none"), "{text}");
    assert!(
        text.contains("✓ credentials    AKID…MPLE from environment variables"),
        "{text}"
    );
    assert!(text.contains("✓ ListAccounts   0 accounts in"), "{text}");
    assert!(text.contains("✓ clock skew"), "{text}");
    assert!(text.contains("audit log"), "{text}");
    assert!(
        !text.contains("secret"),
        "the secret key was printed:\n{text}"
    );

    let (ok, text) = doctor(&serve.url, Some(("AKIDEXAMPLE", "not-the-secret")));
    assert!(!ok, "doctor succeeded with a wrong secret:\n{text}");
    assert!(
        text.contains("✗ ListAccounts   InvalidSignatureException"),
        "{text}"
    );
    assert!(!text.contains("not-the-secret"), "{text}");

    let (ok, text) = doctor(&serve.url, Some(("AKIDUNKNOWNKEY00", "secret")));
    assert!(!ok);
    assert!(text.contains("UnrecognizedClientException"), "{text}");

    let (ok, text) = doctor(&serve.url, None);
    assert!(!ok);
    assert!(text.contains("✗ credentials"), "{text}");
    assert!(text.contains("aws configure"), "{text}");
}

#[test]
fn doctor_on_a_dead_endpoint_says_so() {
    // A port held bound and never listening: nothing can answer there.
    let refusing = support::RefusingPort::new();
    let (ok, text) = doctor(&refusing.url(), Some(("AKIDEXAMPLE", "secret")));
    assert!(!ok);
    assert!(
        text.contains("✗ ListAccounts   cannot connect to"),
        "{text}"
    );
}
