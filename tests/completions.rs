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

/// Issue 22, item 12: after `--license`, `--user-type` and `--a4b-enabled`
/// bash offers the values, after `--profile` the profiles of the AWS
/// config and credentials files; never file names.
#[test]
fn bash_completes_enum_values_and_profiles_not_file_names() {
    let dir = tempfile::tempdir().expect("tmp");
    let script = dir.path().join("chime-admin.bash");
    let out = Command::new(env!("CARGO_BIN_EXE_chime-admin"))
        .args(["completions", "bash"])
        .output()
        .expect("run chime-admin");
    assert!(out.status.success());
    std::fs::write(&script, &out.stdout).expect("write script");
    // A file that would be offered if file names were.
    std::fs::write(dir.path().join("Pro-file.txt"), "").expect("file");
    let config = dir.path().join("config");
    std::fs::write(
        &config,
        "[default]\nregion = us-east-1\n[profile admin]\nregion = eu-west-1\n[sso-session corp]\n",
    )
    .expect("config");
    let creds = dir.path().join("credentials");
    std::fs::write(&creds, "[ci]\naws_access_key_id = x\n[ admin ]\n").expect("creds");
    let complete_in = |words: &[&str]| {
        let quoted: Vec<String> = words.iter().map(|w| format!("'{w}'")).collect();
        let cword = words.len() - 1;
        let program = format!(
            "cd '{}'\nsource '{}'\nCOMP_WORDS=({})\nCOMP_CWORD={cword}\n_chime__admin chime-admin '{}' '{}'\nprintf '%s\\n' \"${{COMPREPLY[@]}}\"\n",
            dir.path().display(),
            script.display(),
            quoted.join(" "),
            words[cword],
            words[cword - 1],
        );
        let out = Command::new("bash")
            .args(["--norc", "-c", &program])
            .env("AWS_CONFIG_FILE", &config)
            .env("AWS_SHARED_CREDENTIALS_FILE", &creds)
            .output()
            .expect("run bash");
        let mut v: Vec<String> = String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter(|l| !l.is_empty())
            .map(str::to_string)
            .collect();
        v.sort();
        v
    };
    assert_eq!(
        complete_in(&["chime-admin", "update-users", "--license", ""]),
        ["Basic", "Plus", "Pro", "ProTrial"]
    );
    assert_eq!(
        complete_in(&["chime-admin", "update-users", "--license", "Pr"]),
        ["Pro", "ProTrial"]
    );
    assert_eq!(
        complete_in(&["chime-admin", "update-users", "--user-type", ""]),
        ["PrivateUser", "SharedDevice"]
    );
    assert_eq!(
        complete_in(&["chime-admin", "users", "--user-type", ""]),
        ["PrivateUser", "SharedDevice"]
    );
    assert_eq!(
        complete_in(&["chime-admin", "update-users", "--a4b-enabled", ""]),
        ["false", "true"]
    );
    assert_eq!(
        complete_in(&["chime-admin", "users", "--profile", ""]),
        ["admin", "ci", "default"]
    );
    assert_eq!(
        complete_in(&["chime-admin", "--profile", ""]),
        ["admin", "ci", "default"]
    );
}
