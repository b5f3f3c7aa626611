//! The binary's generated artefacts: shell completions and the man page come
//! from the same clap definitions as the flags themselves.

use std::process::Command;

fn run(args: &[&str]) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_chime-admin"))
        .args(args)
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
