//! The console logs to a file (never the terminal): `--log-file`, default
//! `$XDG_STATE_HOME/chime-admin/chime-admin.log`. Level from `CHIME_ADMIN_LOG`
//! (default `info`). Models keep emails, names and PINs `Sensitive`, so a
//! `Debug` of anything logged is redacted.

use std::fs::OpenOptions;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use anyhow::Context;

pub fn default_path() -> PathBuf {
    dirs::state_dir()
        .or_else(|| dirs::home_dir().map(|h| h.join(".local/state")))
        .unwrap_or_else(std::env::temp_dir)
        .join("chime-admin")
        .join("chime-admin.log")
}

/// Opens the log file and installs the subscriber. Returns the path used.
pub fn init(path: Option<&Path>) -> anyhow::Result<PathBuf> {
    let path = path.map(Path::to_path_buf).unwrap_or_else(default_path);
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("creating the log directory {}", dir.display()))?;
    }
    let file = OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .with_context(|| format!("opening the log file {}", path.display()))?;
    let level: tracing_subscriber::filter::LevelFilter = std::env::var("CHIME_ADMIN_LOG")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(tracing_subscriber::filter::LevelFilter::INFO);
    // A second init in the same process (tests) keeps the first subscriber.
    let _ = tracing_subscriber::fmt()
        .with_writer(Mutex::new(file))
        .with_ansi(false)
        .with_max_level(level)
        .try_init();
    Ok(path)
}
