//! The console's terminal: taking it (raw mode, alternate screen, hidden
//! cursor, bracketed paste), giving it back on quit, panic, signal or error,
//! and losing it. When an SSH connection drops, sshd hangs up the tty: SIGHUP,
//! then every write fails with EIO. Every byte the console writes goes
//! through [`Tty`], which marks the terminal lost at the first failed write
//! and drops every later one quietly, so nothing (ratatui's own `Drop`,
//! the restore, a closing note) fails or panics on a dead terminal, and
//! nothing is printed to it afterwards.

use std::io::{self, Write};
use std::sync::atomic::{AtomicBool, Ordering};

use crossterm::event::{DisableBracketedPaste, EnableBracketedPaste};
use crossterm::{cursor, execute, terminal};
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;

/// The console has the terminal (raw mode, alternate screen).
static TAKEN: AtomicBool = AtomicBool::new(false);
/// A write to the terminal failed: it is gone (or unusable) for good.
static LOST: AtomicBool = AtomicBool::new(false);

/// Whether the terminal was lost (a write to it failed).
pub fn lost() -> bool {
    LOST.load(Ordering::SeqCst)
}

/// Standard output as the console writes it: a failed write marks the
/// terminal lost and is reported as written; once lost, nothing is written.
#[derive(Debug, Default, Clone, Copy)]
pub struct Tty;

impl Tty {
    fn attempt<T>(
        &self,
        done: T,
        f: impl FnOnce(&mut io::Stdout) -> io::Result<T>,
    ) -> io::Result<T> {
        if lost() {
            return Ok(done);
        }
        match f(&mut io::stdout()) {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => Err(e),
            Err(e) => {
                if !LOST.swap(true, Ordering::SeqCst) {
                    tracing::warn!(error = %e, "the terminal is gone: nothing more is written to it");
                }
                Ok(done)
            }
            ok => ok,
        }
    }
}

impl Write for Tty {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.attempt(buf.len(), |out| out.write(buf))
    }
    fn flush(&mut self) -> io::Result<()> {
        self.attempt((), |out| out.flush())
    }
}

/// Restores the terminal: bracketed paste off, leave raw mode and the
/// alternate screen, show the cursor. Only once: after a panic both the
/// hook and the guard call it, and leaving the alternate screen twice would
/// move the cursor back over the panic message printed in between.
pub fn restore() {
    if TAKEN.swap(false, Ordering::SeqCst) {
        let _ = terminal::disable_raw_mode();
        let _ = execute!(
            Tty,
            DisableBracketedPaste,
            terminal::LeaveAlternateScreen,
            cursor::Show
        );
    }
}

/// Restores the terminal when dropped (quit, error, unwinding).
pub struct Guard;

impl Drop for Guard {
    fn drop(&mut self) {
        restore();
    }
}

/// Takes the terminal; the guard gives it back. A panic restores it first,
/// so its message is readable on the normal screen.
pub fn setup() -> anyhow::Result<(Guard, Terminal<CrosstermBackend<Tty>>)> {
    terminal::enable_raw_mode()?;
    TAKEN.store(true, Ordering::SeqCst);
    let guard = Guard;
    // No mouse capture: the terminal's own selection and copy keep working.
    // Bracketed paste: a paste arrives as one text, never as key presses.
    execute!(
        io::stdout(),
        terminal::EnterAlternateScreen,
        cursor::Hide,
        EnableBracketedPaste
    )?;
    let prev = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        // The normal screen first, so the message below is readable there.
        restore();
        tracing::error!(%info, "panic");
        prev(info);
    }));
    let term = Terminal::new(CrosstermBackend::new(Tty))?;
    Ok((guard, term))
}

/// A line for the shell after the terminal is restored; nothing once the
/// terminal is lost (a failed write is ignored too).
pub fn note(text: &str) {
    if !lost() {
        let _ = writeln!(io::stderr(), "chime-admin: {text}");
    }
}

/// Whether the terminal on standard output has hung up (its SSH link or
/// its pane closed): `poll` reports POLLHUP for it. An idle console writes
/// nothing, so no write can fail, and a hung-up tty reads as empty, not as
/// an error; with SIGHUP blocked or ignored this is how it notices.
pub fn hung_up() -> bool {
    let mut fd = libc::pollfd {
        fd: libc::STDOUT_FILENO,
        events: 0,
        revents: 0,
    };
    // SAFETY: one valid pollfd, a zero timeout: poll only fills `revents`.
    let n = unsafe { libc::poll(&mut fd, 1, 0) };
    n > 0 && fd.revents & (libc::POLLHUP | libc::POLLERR | libc::POLLNVAL) != 0
}

/// Writes `bytes` (an OSC52 clipboard sequence) to the terminal.
pub fn write_raw(bytes: &[u8]) -> io::Result<()> {
    let mut out = Tty;
    out.write_all(bytes).and_then(|()| out.flush())
}
