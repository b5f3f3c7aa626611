//! The bash completion script works in bash: sourced, asked for the values
//! of a subcommand's option, it answers them (clap issue 6421 broke every
//! subcommand option of a hyphenated binary name).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::process::Command;

/// What bash completes for `words` (the last one is the word being typed).
fn complete(script: &std::path::Path, words: &[&str]) -> Vec<String> {
    let quoted: Vec<String> = words.iter().map(|w| format!("'{w}'")).collect();
    let cword = words.len() - 1;
    let cur = words[cword];
    let prev = words[cword - 1];
    let program = format!(
        "source '{}'\nCOMP_WORDS=({})\nCOMP_CWORD={cword}\n_chime__admin chime-admin '{cur}' '{prev}'\nprintf '%s\\n' \"${{COMPREPLY[@]}}\"\n",
        script.display(),
        quoted.join(" ")
    );
    let out = Command::new("bash")
        .arg("--norc")
        .arg("-c")
        .arg(program)
        .output()
        .expect("run bash");
    assert!(
        out.status.success(),
        "bash: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut v: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect();
    v.sort();
    v
}

#[test]
fn bash_completes_subcommand_options_and_their_values() {
    let dir = tempfile::tempdir().expect("tmp");
    let script = dir.path().join("chime-admin.bash");
    let out = Command::new(env!("CARGO_BIN_EXE_chime-admin"))
        .args(["completions", "bash"])
        .output()
        .expect("run chime-admin");
    assert!(out.status.success());
    std::fs::write(&script, &out.stdout).expect("write script");

    assert_eq!(
        complete(&script, &["chime-admin", "users", "--output", ""]),
        ["csv", "json", "table"]
    );
    let opts = complete(&script, &["chime-admin", "update-users", "--lic"]);
    assert_eq!(opts, ["--license"]);
    let subs = complete(&script, &["chime-admin", "upd"]);
    assert_eq!(subs, ["update-users"]);
}
