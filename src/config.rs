//! The config file: TOML at `$XDG_CONFIG_HOME/chime-admin/config.toml`
//! (`--config FILE` instead, `--ignore-config` for none). Every value is
//! layered default < file < environment < flag, and remembers where it came
//! from so `chime-admin config` can say it.
//!
//! ```toml
//! profile = "admin"            # like --profile
//! region = "us-east-1"         # like --region
//! endpoint_url = "http://127.0.0.1:4566"
//! page_size = 200              # ListUsers page (1..=200)
//! concurrency = 64             # most chunks in flight (the adaptive limit's cap, 1..=256)
//! timeout = 30                 # seconds per call, retries included
//! read_only = false            # like --read-only: refuse every change
//! theme = "default"            # default | mono | 256
//! audit_log = "~/chime-audit.jsonl"
//!
//! [keys]                       # command = key or [keys]; see `?` in the console
//! quit = "Q"
//! down = ["j", "ctrl-n"]
//! ```

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::cli::{ConnArgs, ConsoleArgs, ThemeName};

/// The largest ListUsers page the API accepts.
pub const MAX_PAGE_SIZE: u32 = crate::model::validate::PAGE_SIZE;
pub const DEFAULT_PAGE_SIZE: u32 = crate::model::validate::PAGE_SIZE;
/// The cap of the adaptive concurrency (it starts at
/// [`crate::client::batch::INITIAL_CONCURRENCY`]).
pub const DEFAULT_CONCURRENCY: usize = crate::client::batch::DEFAULT_MAX_CONCURRENCY;
pub const MAX_CONCURRENCY: usize = 256;
/// Seconds one call may take, retries included.
pub const DEFAULT_TIMEOUT_SECS: f64 = 30.0;

/// Where a value came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    Default,
    File,
    Env(&'static str),
    Flag(&'static str),
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Default => f.write_str("default"),
            Source::File => f.write_str("file"),
            Source::Env(v) => write!(f, "env {v}"),
            Source::Flag(v) => write!(f, "flag {v}"),
        }
    }
}

/// A value and where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Setting<T> {
    pub value: T,
    pub source: Source,
}

impl<T> Setting<T> {
    fn default(value: T) -> Self {
        Setting {
            value,
            source: Source::Default,
        }
    }
    fn set(&mut self, value: T, source: Source) {
        self.value = value;
        self.source = source;
    }
}

/// What the file may hold. Unknown keys are an error.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    profile: Option<String>,
    region: Option<String>,
    endpoint_url: Option<String>,
    page_size: Option<u32>,
    concurrency: Option<usize>,
    theme: Option<String>,
    audit_log: Option<PathBuf>,
    timeout: Option<f64>,
    read_only: Option<bool>,
    keys: Option<BTreeMap<String, KeySpec>>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum KeySpec {
    One(String),
    Many(Vec<String>),
}

/// The config file in use, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileState {
    /// Read from this path.
    Loaded(PathBuf),
    /// The default path has no file: defaults.
    Missing(PathBuf),
    /// `--ignore-config`.
    Ignored,
}

/// The effective configuration.
#[derive(Debug, Clone)]
pub struct Config {
    pub file: FileState,
    pub profile: Setting<Option<String>>,
    pub region: Setting<Option<String>>,
    pub endpoint_url: Setting<Option<String>>,
    pub page_size: Setting<u32>,
    pub concurrency: Setting<usize>,
    pub theme: Setting<ThemeName>,
    pub audit_log: Setting<Option<PathBuf>>,
    /// Seconds one call may take, retries included.
    pub timeout: Setting<f64>,
    /// Refuse every change.
    pub read_only: Setting<bool>,
    /// Key overrides from the file: command name → keys (checked by the
    /// console's key registry, which reports unknown commands and conflicts).
    pub keys: BTreeMap<String, Vec<String>>,
}

/// A config that cannot be used: one message naming the file, line and key.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ConfigError(pub String);

/// `$XDG_CONFIG_HOME/chime-admin/config.toml` (`~/.config/...` without it).
pub fn default_path() -> Option<PathBuf> {
    std::env::var_os("XDG_CONFIG_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(dirs::config_dir)
        .map(|d| d.join("chime-admin").join("config.toml"))
}

impl Config {
    /// Defaults only (what `--ignore-config` starts from).
    pub fn defaults() -> Config {
        Config {
            file: FileState::Ignored,
            profile: Setting::default(None),
            region: Setting::default(None),
            endpoint_url: Setting::default(None),
            page_size: Setting::default(DEFAULT_PAGE_SIZE),
            concurrency: Setting::default(DEFAULT_CONCURRENCY),
            theme: Setting::default(ThemeName::Default),
            audit_log: Setting::default(None),
            timeout: Setting::default(DEFAULT_TIMEOUT_SECS),
            read_only: Setting::default(false),
            keys: BTreeMap::new(),
        }
    }

    /// The file (per the flags), then the environment, then the flags.
    pub fn load(args: &ConsoleArgs) -> Result<Config, ConfigError> {
        Self::load_with_env(args, &|k| std::env::var(k).ok())
    }

    /// [`Config::load`] with the environment passed in (tests).
    pub fn load_with_env(
        args: &ConsoleArgs,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Config, ConfigError> {
        let mut cfg = Config::defaults();
        if !args.ignore_config {
            let (path, explicit) = match &args.config {
                Some(p) => (Some(p.clone()), true),
                None => (default_path(), false),
            };
            if let Some(path) = path {
                match std::fs::read_to_string(&path) {
                    Ok(text) => {
                        let file = parse(&text).map_err(|e| {
                            ConfigError(format!(
                                "config file {}: {e}\n(fix it, or start with the defaults: --ignore-config)",
                                path.display()
                            ))
                        })?;
                        cfg.apply_file(file, &path)?;
                        cfg.file = FileState::Loaded(path);
                    }
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound && !explicit => {
                        cfg.file = FileState::Missing(path);
                    }
                    Err(e) => {
                        return Err(ConfigError(format!("config file {}: {e}", path.display())));
                    }
                }
            }
        }
        cfg.apply_env(env);
        cfg.apply_flags(args);
        Ok(cfg)
    }

    fn apply_file(&mut self, f: FileConfig, path: &Path) -> Result<(), ConfigError> {
        let bad = |key: &str, msg: String| {
            ConfigError(format!(
                "config file {}: key `{key}`: {msg}\n(fix it, or start with the defaults: --ignore-config)",
                path.display()
            ))
        };
        if let Some(v) = f.profile {
            self.profile.set(Some(v), Source::File);
        }
        if let Some(v) = f.region {
            self.region.set(Some(v), Source::File);
        }
        if let Some(v) = f.endpoint_url {
            self.endpoint_url.set(Some(v), Source::File);
        }
        if let Some(v) = f.page_size {
            if !(1..=MAX_PAGE_SIZE).contains(&v) {
                return Err(bad(
                    "page_size",
                    format!("{v} is not between 1 and {MAX_PAGE_SIZE}"),
                ));
            }
            self.page_size.set(v, Source::File);
        }
        if let Some(v) = f.concurrency {
            if !(1..=MAX_CONCURRENCY).contains(&v) {
                return Err(bad(
                    "concurrency",
                    format!("{v} is not between 1 and {MAX_CONCURRENCY}"),
                ));
            }
            self.concurrency.set(v, Source::File);
        }
        if let Some(v) = f.theme {
            let t = ThemeName::parse(&v).ok_or_else(|| {
                bad(
                    "theme",
                    format!("{v:?} is not a theme (default, mono, 256)"),
                )
            })?;
            self.theme.set(t, Source::File);
        }
        if let Some(v) = f.audit_log {
            self.audit_log.set(Some(expand_home(&v)), Source::File);
        }
        if let Some(v) = f.timeout {
            if !(v > 0.0 && v <= 86_400.0) {
                return Err(bad(
                    "timeout",
                    format!("{v} is not a number of seconds between 0 and 86400"),
                ));
            }
            self.timeout.set(v, Source::File);
        }
        if let Some(v) = f.read_only {
            self.read_only.set(v, Source::File);
        }
        for (name, spec) in f.keys.unwrap_or_default() {
            let keys = match spec {
                KeySpec::One(k) => vec![k],
                KeySpec::Many(ks) => ks,
            };
            if keys.is_empty() {
                return Err(bad(&format!("keys.{name}"), "no keys given".into()));
            }
            self.keys.insert(name, keys);
        }
        Ok(())
    }

    fn apply_env(&mut self, env: &dyn Fn(&str) -> Option<String>) {
        let get = |k: &str| env(k).filter(|v| !v.is_empty());
        if let Some(v) = get("AWS_PROFILE") {
            self.profile.set(Some(v), Source::Env("AWS_PROFILE"));
        }
        for k in ["AWS_DEFAULT_REGION", "AWS_REGION"] {
            if let Some(v) = get(k) {
                self.region.set(Some(v), Source::Env(k));
            }
        }
        for k in ["AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_CHIME"] {
            if let Some(v) = get(k) {
                self.endpoint_url.set(Some(v), Source::Env(k));
            }
        }
        if get("NO_COLOR").is_some() {
            self.theme.set(ThemeName::Mono, Source::Env("NO_COLOR"));
        }
    }

    fn apply_flags(&mut self, args: &ConsoleArgs) {
        let conn = &args.conn;
        // clap also fills --profile from AWS_PROFILE; the env layer said so already.
        if let Some(v) = &conn.profile
            && self.profile.value.as_ref() != Some(v)
        {
            self.profile.set(Some(v.clone()), Source::Flag("--profile"));
        }
        if let Some(v) = &conn.region {
            self.region.set(Some(v.clone()), Source::Flag("--region"));
        }
        if let Some(v) = &conn.endpoint_url {
            self.endpoint_url
                .set(Some(v.clone()), Source::Flag("--endpoint-url"));
        }
        if let Some(t) = args.theme {
            self.theme.set(t, Source::Flag("--theme"));
        }
        if args.no_color {
            self.theme.set(ThemeName::Mono, Source::Flag("--no-color"));
        }
        if let Some(p) = &args.audit_log {
            self.audit_log
                .set(Some(p.clone()), Source::Flag("--audit-log"));
        }
        if let Some(t) = conn.timeout {
            self.timeout.set(t, Source::Flag("--timeout"));
        }
        if args.read_only {
            self.read_only.set(true, Source::Flag("--read-only"));
        }
    }

    /// The connection flags with the file's values where neither a flag nor
    /// the environment gave one (the client reads the environment itself).
    pub fn conn(&self) -> ConnArgs {
        let from_file = |s: &Setting<Option<String>>| match s.source {
            Source::Env(_) => None,
            _ => s.value.clone(),
        };
        ConnArgs {
            profile: self.profile.value.clone(),
            region: from_file(&self.region),
            endpoint_url: from_file(&self.endpoint_url),
            timeout: Some(self.timeout.value),
        }
    }

    /// The effective config as TOML, each value commented with its source.
    pub fn render(&self) -> String {
        let mut out = String::new();
        match &self.file {
            FileState::Loaded(p) => out.push_str(&format!("# config file: {}\n", p.display())),
            FileState::Missing(p) => out.push_str(&format!(
                "# config file: {} (not found: defaults)\n",
                p.display()
            )),
            FileState::Ignored => out.push_str("# config file: ignored (--ignore-config)\n"),
        }
        let opt = |name: &str, s: &Setting<Option<String>>, unset: &str| match &s.value {
            Some(v) => format!("{name} = {}  # {}\n", quote(v), s.source),
            None => format!("# {name} unset: {unset}  # {}\n", s.source),
        };
        out.push_str(&opt("profile", &self.profile, "the AWS default chain"));
        out.push_str(&opt("region", &self.region, "the AWS default chain"));
        out.push_str(&opt("endpoint_url", &self.endpoint_url, "AWS"));
        out.push_str(&format!(
            "page_size = {}  # {}\n",
            self.page_size.value, self.page_size.source
        ));
        out.push_str(&format!(
            "concurrency = {}  # {}\n",
            self.concurrency.value, self.concurrency.source
        ));
        out.push_str(&format!(
            "timeout = {}  # {}\n",
            self.timeout.value, self.timeout.source
        ));
        out.push_str(&format!(
            "read_only = {}  # {}\n",
            self.read_only.value, self.read_only.source
        ));
        out.push_str(&format!(
            "theme = {}  # {}\n",
            quote(self.theme.value.name()),
            self.theme.source
        ));
        let audit = self
            .audit_log
            .value
            .as_ref()
            .map(|p| p.display().to_string());
        out.push_str(&opt(
            "audit_log",
            &Setting {
                value: audit,
                source: self.audit_log.source.clone(),
            },
            "$XDG_STATE_HOME/chime-admin/audit.jsonl",
        ));
        if !self.keys.is_empty() {
            out.push_str("\n[keys]  # file\n");
            for (name, keys) in &self.keys {
                let list: Vec<String> = keys.iter().map(|k| quote(k)).collect();
                out.push_str(&format!("{name} = [{}]\n", list.join(", ")));
            }
        }
        out
    }
}

fn quote(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

fn expand_home(p: &Path) -> PathBuf {
    match p.strip_prefix("~") {
        Ok(rest) => dirs::home_dir()
            .map(|h| h.join(rest))
            .unwrap_or_else(|| p.to_path_buf()),
        Err(_) => p.to_path_buf(),
    }
}

/// Parses the file; an error names the line, column and key.
fn parse(text: &str) -> Result<FileConfig, String> {
    toml::from_str::<FileConfig>(text).map_err(|e| describe(text, &e))
}

fn describe(text: &str, e: &toml::de::Error) -> String {
    let msg = e.message().trim_end();
    let Some(span) = e.span() else {
        return msg.to_string();
    };
    let before = &text[..span.start.min(text.len())];
    let line_no = before.matches('\n').count() + 1;
    let col = before.len() - before.rfind('\n').map(|i| i + 1).unwrap_or(0) + 1;
    let line = text.lines().nth(line_no - 1).unwrap_or("").trim();
    match key_on_line(text, line_no) {
        Some(key) => format!("line {line_no}, column {col}, key `{key}`: {msg}\n  {line}"),
        None => format!("line {line_no}, column {col}: {msg}\n  {line}"),
    }
}

/// The dotted key a line sets (`[keys]` then `quit = …` gives `keys.quit`).
fn key_on_line(text: &str, line_no: usize) -> Option<String> {
    let lines: Vec<&str> = text.lines().collect();
    let line = lines.get(line_no - 1)?.trim();
    let table = lines[..line_no - 1]
        .iter()
        .rev()
        .map(|l| l.trim())
        .find(|l| l.starts_with('[') && l.ends_with(']'))
        .map(|l| l.trim_matches(|c| c == '[' || c == ']').trim().to_string());
    if line.starts_with('[') {
        return Some(
            line.trim_matches(|c| c == '[' || c == ']')
                .trim()
                .to_string(),
        );
    }
    let key = line.split('=').next()?.trim().trim_matches('"');
    if key.is_empty() || key.starts_with('#') {
        return table;
    }
    Some(match table {
        Some(t) => format!("{t}.{key}"),
        None => key.to_string(),
    })
}
