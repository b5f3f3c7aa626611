//! The real binary run headless (`accounts`, `users`, `update-users`) in an
//! empty world under a test's own directory, bounded in time.

use std::path::Path;
use std::process::Output;

use super::COMMAND_TIMEOUT;

/// The binary in an empty world under `dir` (HOME, XDG dirs, AWS files),
/// killed if the test drops it.
pub fn bin(dir: &Path, args: &[&str]) -> tokio::process::Command {
    let mut c = super::chime_admin_isolated(dir, ("AKIDEXAMPLE", "secret"));
    c.args(args);
    let mut c = tokio::process::Command::from(c);
    c.kill_on_drop(true);
    c
}

/// Runs it to the end, within [`COMMAND_TIMEOUT`].
pub async fn run(mut c: tokio::process::Command) -> Output {
    tokio::time::timeout(COMMAND_TIMEOUT, c.output())
        .await
        .expect("the command ends in time")
        .expect("the command runs")
}

/// Output bytes as text.
pub fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).to_string()
}

/// Its standard output as JSON (or a panic showing both outputs).
pub fn json_of(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\nstderr: {}",
            text(&out.stdout),
            text(&out.stderr)
        )
    })
}

/// A JSON Lines file (a request log, an audit log) as values; none if it
/// is not there.
pub fn json_lines(path: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect()
}
