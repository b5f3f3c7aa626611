//! Lines the status bar writes from the state.

use crate::console::state::BatchRun;
use crate::console::text::{thousands, users_word};

/// The progress line: "Updating 42 users: 20/42 · 380 users/s · ETA 1 s".
pub fn progress_line(b: &BatchRun) -> String {
    let finished = b.done + b.failed;
    let mut s = format!(
        "{} {}: {}/{}",
        b.verb,
        users_word(b.total),
        thousands(finished),
        thousands(b.total)
    );
    if b.elapsed_ms > 0 && finished > 0 {
        let rate = finished as f64 * 1000.0 / b.elapsed_ms as f64;
        let eta = (b.total - finished.min(b.total)) as f64 / rate;
        s.push_str(&format!(" · {rate:.0} users/s · ETA {:.0} s", eta.ceil()));
    }
    if b.failed > 0 {
        s.push_str(&format!(" · {} failed", thousands(b.failed)));
    }
    if b.cancelling {
        s.push_str(" · cancelling");
    }
    s
}
