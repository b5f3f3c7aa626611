//! The config file: parsing (good, bad, missing, unknown keys), layering and
//! sources, key remapping and conflicts, and `chime-admin config` from the
//! real binary.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command as Proc;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use chime_admin::cli::{ConsoleArgs, ThemeName};
use chime_admin::config::{Config, FileState, Source};
use chime_admin::console::command::Command;
use chime_admin::console::keymap::Keymap;
use chime_admin::console::keys::{KeyContext, Scope};
use chime_admin::console::state::Mode;

fn args_for(path: &Path) -> ConsoleArgs {
    ConsoleArgs {
        config: Some(path.to_path_buf()),
        ..Default::default()
    }
}

fn no_env(_: &str) -> Option<String> {
    None
}

fn write(dir: &tempfile::TempDir, text: &str) -> std::path::PathBuf {
    let p = dir.path().join("config.toml");
    std::fs::write(&p, text).expect("write config");
    p
}

#[test]
fn a_good_file_sets_every_option_and_says_so() {
    let dir = tempfile::tempdir().expect("tmp");
    let p = write(
        &dir,
        r#"
profile = "admin"
region = "eu-west-1"
endpoint_url = "http://127.0.0.1:4566"
page_size = 50
concurrency = 3
theme = "256"
audit_log = "/tmp/x/audit.jsonl"
timeout = 5
read_only = true

[keys]
quit = "Q"
down = ["j", "ctrl-n"]
"#,
    );
    let c = Config::load_with_env(&args_for(&p), &no_env).expect("config");
    assert_eq!(c.file, FileState::Loaded(p.clone()));
    assert_eq!(c.profile.value.as_deref(), Some("admin"));
    assert_eq!(c.region.value.as_deref(), Some("eu-west-1"));
    assert_eq!(
        c.endpoint_url.value.as_deref(),
        Some("http://127.0.0.1:4566")
    );
    assert_eq!((c.page_size.value, c.concurrency.value), (50, 3));
    assert_eq!(c.theme.value, ThemeName::Color256);
    assert_eq!(
        c.audit_log.value.as_deref(),
        Some(Path::new("/tmp/x/audit.jsonl"))
    );
    assert!(
        [&c.profile.source, &c.page_size.source, &c.theme.source]
            .iter()
            .all(|s| **s == Source::File)
    );
    assert_eq!(c.keys["down"], vec!["j".to_string(), "ctrl-n".to_string()]);
    assert_eq!((c.timeout.value, c.read_only.value), (5.0, true));
    // The connection the clients get carries the file's values.
    let conn = c.conn();
    assert_eq!(conn.timeout, Some(5.0));
    assert_eq!(conn.endpoint_url.as_deref(), Some("http://127.0.0.1:4566"));
    assert_eq!(conn.region.as_deref(), Some("eu-west-1"));
}

#[test]
fn env_beats_the_file_and_flags_beat_env() {
    let dir = tempfile::tempdir().expect("tmp");
    let p = write(
        &dir,
        "region = \"eu-west-1\"\ntheme = \"256\"\nprofile = \"f\"\n",
    );
    let env = |k: &str| match k {
        "AWS_REGION" => Some("us-west-2".to_string()),
        "NO_COLOR" => Some("1".to_string()),
        _ => None,
    };
    let c = Config::load_with_env(&args_for(&p), &env).expect("config");
    assert_eq!(c.region.value.as_deref(), Some("us-west-2"));
    assert_eq!(c.region.source, Source::Env("AWS_REGION"));
    // The client reads the environment itself: the file's region is not passed.
    assert_eq!(c.conn().region, None);
    assert_eq!(c.theme.value, ThemeName::Mono);
    assert_eq!(c.theme.source, Source::Env("NO_COLOR"));
    assert_eq!(c.profile.source, Source::File);

    let mut a = args_for(&p);
    a.conn.region = Some("ap-south-1".into());
    a.theme = Some(ThemeName::Default);
    a.conn.profile = Some("flagged".into());
    let c = Config::load_with_env(&a, &env).expect("config");
    assert_eq!(c.region.source, Source::Flag("--region"));
    assert_eq!(c.conn().region.as_deref(), Some("ap-south-1"));
    assert_eq!(c.theme.source, Source::Flag("--theme"));
    assert_eq!(c.profile.source, Source::Flag("--profile"));
    a.no_color = true;
    let c = Config::load_with_env(&a, &env).expect("config");
    assert_eq!(
        (c.theme.value, c.theme.source),
        (ThemeName::Mono, Source::Flag("--no-color"))
    );
}

#[test]
fn bad_files_give_one_error_naming_line_and_key() {
    let dir = tempfile::tempdir().expect("tmp");
    let cases = [
        (
            "region = \"x\"\npage_size = \"many\"\n",
            "line 2",
            "key `page_size`",
        ),
        ("theme = \"dark\"\n", "theme", "\"dark\" is not a theme"),
        ("page_size = 500\n", "page_size", "between 1 and 200"),
        (
            "region = \"x\"\ncolour = true\n",
            "line 2",
            "unknown field `colour`",
        ),
        ("[keys]\nquit = 3\n", "line 2", "key `keys.quit`"),
        ("region = \n", "line 1", "key `region`"),
    ];
    for (text, a, b) in cases {
        let p = write(&dir, text);
        let e = Config::load_with_env(&args_for(&p), &no_env)
            .expect_err(text)
            .to_string();
        assert!(e.contains(a) && e.contains(b), "{text:?} gave: {e}");
        assert!(e.contains(&p.display().to_string()), "{e}");
        assert!(e.contains("--ignore-config"), "{e}");
    }
    // --ignore-config starts with the defaults whatever the file says.
    let a = ConsoleArgs {
        ignore_config: true,
        ..Default::default()
    };
    let c = Config::load_with_env(&a, &no_env).expect("ignored");
    assert_eq!(c.file, FileState::Ignored);
    assert_eq!(c.page_size.source, Source::Default);
}

#[test]
fn a_missing_file_is_an_error_only_when_named() {
    let dir = tempfile::tempdir().expect("tmp");
    let p = dir.path().join("nope.toml");
    let e = Config::load_with_env(&args_for(&p), &no_env).expect_err("named");
    assert!(e.to_string().contains("nope.toml"), "{e}");
}

fn ctx() -> KeyContext {
    KeyContext {
        mode: Mode::Normal,
        list_focused: true,
        users_focused: true,
        accounts_focused: false,
        batch_running: false,
        read_only: false,
    }
}

fn press(code: KeyCode, mods: KeyModifiers) -> KeyEvent {
    KeyEvent::new(code, mods)
}

fn overrides(pairs: &[(&str, &[&str])]) -> BTreeMap<String, Vec<String>> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.iter().map(|s| s.to_string()).collect()))
        .collect()
}

/// The user's keymap of these stories: Q quits, ctrl-n and j go down, f
/// filters, h opens help.
fn remapped() -> Keymap {
    Keymap::with_overrides(&overrides(&[
        ("quit", &["Q"]),
        ("down", &["ctrl-n", "j"]),
        ("filter", &["f"]),
        ("help", &["h"]),
    ]))
    .expect("keymap")
}

/// Keys pressed while the help overlay is open.
fn help_ctx() -> KeyContext {
    KeyContext {
        mode: Mode::Help,
        ..ctx()
    }
}

#[test]
fn the_default_keys_do_not_conflict_and_esc_question_mark_and_q_close_help() {
    assert!(
        Keymap::with_overrides(&BTreeMap::new()).is_ok(),
        "defaults conflict"
    );
    let d = Keymap::default();
    assert_eq!(d.label(Scope::Help, Command::Back), Some("esc/?/q"));
}

/// Remapped keys drive dispatch (the old `q` does nothing), and the footer
/// and help list the user's keys.
#[test]
fn remapped_keys_drive_dispatch_and_the_footer_and_help_show_them() {
    let m = remapped();
    let none = KeyModifiers::NONE;
    assert_eq!(
        m.command_for(ctx(), &press(KeyCode::Char('Q'), KeyModifiers::SHIFT)),
        Some(Command::Quit)
    );
    assert_eq!(m.command_for(ctx(), &press(KeyCode::Char('q'), none)), None);
    assert_eq!(
        m.command_for(ctx(), &press(KeyCode::Char('n'), KeyModifiers::CONTROL)),
        Some(Command::Down)
    );
    assert_eq!(
        m.command_for(ctx(), &press(KeyCode::Char('f'), none)),
        Some(Command::Filter)
    );
    let footer = m.footer(ctx());
    assert!(
        footer.iter().any(|(k, d)| k == "Q" && *d == "quit"),
        "{footer:?}"
    );
    assert!(
        footer.iter().any(|(k, d)| k == "f" && *d == "filter"),
        "{footer:?}"
    );
    let help = m.help_entries(false);
    assert!(
        help.iter()
            .any(|(_, e)| e.command == Command::Down && e.label == "ctrl-n/j")
    );
}

/// The help overlay opens with the user's help key and closes with it, the
/// user's quit key and esc; the old `?` and `q` do nothing there, `j` still
/// scrolls, and its footer says so.
#[test]
fn help_opens_and_closes_with_the_users_keys_only() {
    let m = remapped();
    let none = KeyModifiers::NONE;
    assert_eq!(
        m.command_for(ctx(), &press(KeyCode::Char('h'), none)),
        Some(Command::Help)
    );
    for (code, mods) in [
        (KeyCode::Char('h'), none),
        (KeyCode::Char('Q'), KeyModifiers::SHIFT),
        (KeyCode::Esc, none),
    ] {
        assert_eq!(
            m.command_for(help_ctx(), &press(code, mods)),
            Some(Command::Back),
            "{code:?} closes help"
        );
    }
    for c in ['?', 'q'] {
        assert_eq!(
            m.command_for(help_ctx(), &press(KeyCode::Char(c), none)),
            None
        );
    }
    assert_eq!(
        m.command_for(help_ctx(), &press(KeyCode::Char('j'), none)),
        Some(Command::Down),
        "j still scrolls"
    );
    assert_eq!(m.label(Scope::Help, Command::Back), Some("esc/h/Q"));
    assert!(
        m.footer(help_ctx())
            .iter()
            .any(|(k, d)| k == "esc/h/Q" && *d == "close help"),
        "{:?}",
        m.footer(help_ctx())
    );
}

/// A quit key that is also a scroll key closes the help overlay (never both).
#[test]
fn a_quit_key_that_also_scrolls_closes_help() {
    let m =
        Keymap::with_overrides(&overrides(&[("quit", &["k"]), ("up", &["up"])])).expect("keymap");
    let none = KeyModifiers::NONE;
    assert_eq!(
        m.command_for(help_ctx(), &press(KeyCode::Char('k'), none)),
        Some(Command::Back)
    );
    assert_eq!(
        m.command_for(help_ctx(), &press(KeyCode::Up, none)),
        Some(Command::Up)
    );
}

/// Keys inside the filter line are not remapped: enter still keeps the filter.
#[test]
fn keys_in_the_filter_line_are_not_remapped() {
    let input = KeyContext {
        mode: Mode::FilterInput,
        ..ctx()
    };
    assert_eq!(
        remapped().command_for(input, &press(KeyCode::Enter, KeyModifiers::NONE)),
        Some(Command::Submit)
    );
}

#[test]
fn conflicts_and_unknown_commands_are_reported() {
    let e = Keymap::with_overrides(&overrides(&[("mark", &["j"])])).expect_err("conflict");
    assert!(
        e.contains("`j`") && e.contains("mark") && e.contains("down"),
        "{e}"
    );
    // Users-pane and accounts-pane keys never apply together: no conflict.
    assert!(Keymap::with_overrides(&overrides(&[("new_account", &["c"])])).is_ok());
    let e = Keymap::with_overrides(&overrides(&[("jump", &["x"])])).expect_err("unknown");
    assert!(
        e.contains("keys.jump") && e.contains("no such command"),
        "{e}"
    );
    let e = Keymap::with_overrides(&overrides(&[("quit", &["ctrl-"])])).expect_err("bad key");
    assert!(e.contains("keys.quit") && e.contains("not a key"), "{e}");
    let e = Keymap::with_overrides(&overrides(&[("submit", &["x"])])).expect_err("modal");
    assert!(e.contains("cannot be remapped"), "{e}");
}

fn bin(config_home: &Path) -> Proc {
    let mut c = Proc::new(env!("CARGO_BIN_EXE_chime-admin"));
    // A home of its own: no user's config, AWS files or log.
    c.env("XDG_CONFIG_HOME", config_home)
        .env("HOME", config_home)
        .env("XDG_STATE_HOME", config_home.join("state"))
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_REGION")
        .env_remove("AWS_DEFAULT_REGION")
        .env_remove("AWS_ENDPOINT_URL")
        .env_remove("AWS_ENDPOINT_URL_CHIME")
        .env_remove("NO_COLOR");
    c
}

#[test]
fn config_subcommand_prints_values_and_sources() {
    let home = tempfile::tempdir().expect("tmp");
    let dir = home.path().join("chime-admin");
    std::fs::create_dir_all(&dir).expect("mkdir");
    std::fs::write(
        dir.join("config.toml"),
        "page_size = 100\nregion = \"eu-west-1\"\n[keys]\nquit = \"Q\"\n",
    )
    .expect("write");
    let out = bin(home.path())
        .args(["config", "--theme", "256"])
        .env("AWS_REGION", "us-west-2")
        .output()
        .expect("run");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        text.contains(&format!(
            "# config file: {}",
            dir.join("config.toml").display()
        )),
        "{text}"
    );
    assert!(text.contains("page_size = 100  # file"), "{text}");
    assert!(
        text.contains("region = \"us-west-2\"  # env AWS_REGION"),
        "{text}"
    );
    assert!(text.contains("concurrency = 64  # default"), "{text}");
    assert!(text.contains("timeout = 30  # default"), "{text}");
    assert!(text.contains("read_only = false  # default"), "{text}");
    assert!(text.contains("theme = \"256\"  # flag --theme"), "{text}");
    assert!(text.contains("quit = [\"Q\"]"), "{text}");
    // The output is itself a valid config file.
    let body: String = text
        .lines()
        .filter(|l| !l.starts_with("# config file"))
        .collect::<Vec<_>>()
        .join("\n");
    assert!(toml::from_str::<toml::Table>(&body).is_ok(), "{body}");

    // A bad file: one clear error on stderr, exit 2, nothing on stdout.
    std::fs::write(dir.join("config.toml"), "page_size = 100\nconcurency = 4\n").expect("write");
    let out = bin(home.path()).arg("config").output().expect("run");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("line 2") && err.contains("concurency"),
        "{err}"
    );
    assert_eq!(err.matches("chime-admin:").count(), 1, "{err}");
    // A key conflict is reported at start too.
    std::fs::write(dir.join("config.toml"), "[keys]\nmark = \"j\"\n").expect("write");
    let out = bin(home.path()).arg("config").output().expect("run");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && err.contains("conflict"), "{err}");
    // --ignore-config: the defaults.
    let out = bin(home.path())
        .args(["config", "--ignore-config"])
        .output()
        .expect("run");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success() && text.contains("ignored"), "{text}");
}
