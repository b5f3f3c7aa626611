//! Every subcommand that talks to Chime or serves it logs to a file (never
//! the terminal): `--log-file`, default `$XDG_STATE_HOME/chime-admin/chime-admin.log`.
//! The console, `demo`, `serve`, `accounts`, `users`, `update-users` and
//! `doctor` share this one setup and its rules:
//!
//! - level from `CHIME_ADMIN_LOG` (default `info`); the client's calls and
//!   retries (`chime_admin::client`, debug events: operation, attempt,
//!   status, request id, milliseconds) are always kept;
//! - no bodies, keys, tokens or PINs are logged; models keep emails, names
//!   and PINs `Sensitive`, so a `Debug` of anything logged is redacted;
//! - libraries that would log a request's URI or canonical request (an email
//!   in a query string) are held at debug even with `CHIME_ADMIN_LOG=trace`.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use anyhow::Context;
use tracing_subscriber::filter::{LevelFilter, Targets};
use tracing_subscriber::layer::{Layer, SubscriberExt};
use tracing_subscriber::util::SubscriberInitExt;

pub fn default_path() -> PathBuf {
    dirs::state_dir()
        .or_else(|| dirs::home_dir().map(|h| h.join(".local/state")))
        .unwrap_or_else(std::env::temp_dir)
        .join("chime-admin")
        .join("chime-admin.log")
}

/// Libraries that see whole requests and say so at trace: `aws_sigv4`
/// traces the URI and the canonical request (an email in the query string
/// of `users --email`). They are held at debug whatever the level.
const AT_MOST_DEBUG: &[&str] = &["aws_sigv4", "hyper", "hyper_util", "reqwest", "h2"];

/// What is written: `level` everywhere (libraries that would log requests at
/// most debug), and at least debug for the client (unless the log is off).
fn filter(level: LevelFilter) -> Targets {
    let client = if level == LevelFilter::OFF {
        level
    } else {
        level.max(LevelFilter::DEBUG)
    };
    let capped = level.min(LevelFilter::DEBUG);
    AT_MOST_DEBUG
        .iter()
        .fold(Targets::new().with_default(level), |t, target| {
            t.with_target(*target, capped)
        })
        .with_target("chime_admin::client", client)
}

/// Opens the log file and installs the subscriber. Returns the path used.
pub fn init(path: Option<&Path>) -> anyhow::Result<PathBuf> {
    let path = path.map(Path::to_path_buf).unwrap_or_else(default_path);
    let file = crate::private_file::append(&path)
        .with_context(|| format!("opening the log file {}", path.display()))?;
    let level: LevelFilter = std::env::var("CHIME_ADMIN_LOG")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(LevelFilter::INFO);
    let layer = tracing_subscriber::fmt::layer()
        .with_writer(Mutex::new(file))
        .with_ansi(false);
    // A second init in the same process (tests) keeps the first subscriber.
    let _ = tracing_subscriber::registry()
        .with(layer.with_filter(filter(level)))
        .try_init();
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use tracing::Level;

    #[test]
    fn the_client_is_kept_at_debug_whatever_the_level() {
        let f = filter(LevelFilter::INFO);
        assert!(f.would_enable("chime_admin::client::retry", &Level::DEBUG));
        assert!(!f.would_enable("chime_admin::console::worker", &Level::DEBUG));
        assert!(!f.would_enable("hyper", &Level::DEBUG));
        assert!(f.would_enable("chime_admin::service::routes", &Level::INFO));
        let f = filter(LevelFilter::TRACE);
        assert!(f.would_enable("chime_admin::client", &Level::TRACE));
        assert!(!f.would_enable("aws_sigv4::http_request::sign", &Level::TRACE));
        assert!(f.would_enable("aws_sigv4::http_request::sign", &Level::DEBUG));
        let f = filter(LevelFilter::OFF);
        assert!(!f.would_enable("chime_admin::service", &Level::ERROR));
        assert!(!f.would_enable("chime_admin::client", &Level::ERROR));
    }
}
