//! The real binary in a tmux pane: a tmux server on its own socket (killed on
//! drop), keys and text sent, the screen read and waited on with a deadline.

use std::process::Command;
use std::time::{Duration, Instant};

/// How long a person takes between two keys, at least.
pub const PERSON_PAUSE: Duration = Duration::from_millis(250);

pub struct Tmux {
    socket: String,
}

impl Tmux {
    pub fn new(name: &str) -> Tmux {
        Tmux {
            socket: format!("chime-{name}-{}", std::process::id()),
        }
    }

    pub fn cmd(&self, args: &[&str]) -> String {
        let out = Command::new("tmux")
            .args(["-L", &self.socket])
            .args(args)
            .output()
            .expect("run tmux");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// A detached session `t` of `w`×`h` running `shell_cmd` in `sh -c`.
    pub fn start(&self, w: u16, h: u16, shell_cmd: &str) {
        let (w, h) = (w.to_string(), h.to_string());
        let out = Command::new("tmux")
            .args(["-L", &self.socket, "-f", "/dev/null", "new-session", "-d"])
            .args(["-s", "t", "-x", &w, "-y", &h, "sh", "-c", shell_cmd])
            .output()
            .expect("tmux new-session");
        assert!(
            out.status.success(),
            "tmux: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    pub fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", "t"];
        args.extend_from_slice(keys);
        self.cmd(&args);
    }

    /// Types `text` literally.
    pub fn text(&self, text: &str) {
        self.cmd(&["send-keys", "-t", "t", "-l", text]);
    }

    /// Escape, then the screen showing it was taken: a key sent right after
    /// an Escape can reach the console in the same read and be taken as
    /// Alt+key (that is how terminals send Alt), so the next key waits.
    pub fn escape_until(&self, what: &str, done: impl Fn(&str) -> bool) {
        self.keys(&["Escape"]);
        self.wait_for(what, Duration::from_secs(5), done);
    }

    /// A tmux format of the pane (`#{alternate_on}`, `#{cursor_flag}`, …).
    pub fn display(&self, fmt: &str) -> String {
        self.cmd(&["display-message", "-p", "-t", "t", fmt])
            .trim()
            .to_string()
    }

    /// A key that confirms or sends a change, pressed at a person's pace:
    /// the console refuses one that comes within 150 ms of the previous key
    /// (a burst is a paste, not a confirmation), so this pause is part of
    /// the input, not a wait for the console.
    pub fn confirm(&self, key: &str) {
        std::thread::sleep(PERSON_PAUSE);
        if key.chars().count() == 1 {
            self.text(key);
        } else {
            self.keys(&[key]);
        }
    }

    pub fn screen(&self) -> String {
        self.cmd(&["capture-pane", "-p", "-t", "t"])
    }

    /// Polls the screen until `pred` holds, or fails with the last screen.
    pub fn wait_for(&self, what: &str, timeout: Duration, pred: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + timeout;
        loop {
            let s = self.screen();
            if pred(&s) {
                return s;
            }
            if Instant::now() > deadline {
                panic!("timed out waiting for {what}; screen:\n{s}");
            }
            std::thread::sleep(Duration::from_millis(40));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["-L", &self.socket, "kill-server"])
            .output();
    }
}
