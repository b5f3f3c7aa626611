//! The terminal and the event loop: `tokio::select!` over crossterm's
//! EventStream, the worker's channel, SIGTERM/SIGHUP, a timer that ticks
//! only while something animates, and the one timer `update` asked for
//! (`Term::Timer`, e.g. the email look-up once typing pauses), armed only
//! while pending: idle means no wakeups. A frame is drawn only when the state is
//! dirty, and ratatui writes only the cells that changed. The terminal is
//! restored on quit, panic, SIGTERM, SIGHUP and when the tty goes away.

use std::future::Future;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use crossterm::event::{Event, EventStream, KeyEventKind};
use futures::StreamExt;
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::mpsc;

use crate::cli::{ConsoleArgs, DemoArgs};
use crate::client::{ApiError, ApiErrorKind, Client};
use crate::config::{Config, FileState};
use crate::service::{ServiceConfig, start as start_service};

use super::action::Action;
use super::effect::{Effect, Request, Term};
use super::export;
use super::keymap::Keymap;
use super::state::{Mode, State};
use super::theme::Theme;
use super::ui::status::key_context;
use super::update::{start, update};
use super::worker::WorkerConfig;
use super::{tty, ui, worker};
use crate::audit::{self, Audit};
use crate::logging;

/// Animation frame interval (spinner, flash timeout).
pub const TICK: Duration = Duration::from_millis(100);
/// How often an idle console looks whether its terminal hung up.
const HANG_UP_CHECK: Duration = Duration::from_secs(1);

/// `chime-admin`: the console on AWS or `--endpoint-url`.
pub async fn run(args: ConsoleArgs, config: Config) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    let keymap = keymap(&config)?;
    let log = logging::init(args.log_file.as_deref())?;
    tracing::info!(log = %log.display(), read_only = args.read_only, "console starting");
    let conn = config.conn();
    let label = conn
        .endpoint_url
        .clone()
        .or_else(|| config.endpoint_url.value.clone())
        .unwrap_or_else(|| "AWS (resolving credentials…)".into());
    let base = Some(conn.clone());
    let client = async move { Client::from_conn(&conn).await };
    run_console(&args, &config, keymap, base, client, label, started).await
}

/// The key registry with the config's keys; a conflict stops the start.
fn keymap(config: &Config) -> anyhow::Result<Keymap> {
    Keymap::with_overrides(&config.keys).map_err(|e| {
        let file = match &config.file {
            FileState::Loaded(p) => format!("config file {}: ", p.display()),
            _ => String::new(),
        };
        anyhow::anyhow!("{file}{e}\n(fix it, or start with the defaults: --ignore-config)")
    })
}

/// `chime-admin config`: the effective config and where each value came from.
pub fn print_config(config: &Config) -> anyhow::Result<ExitCode> {
    keymap(config)?;
    print!("{}", config.render());
    Ok(ExitCode::SUCCESS)
}

/// `chime-admin demo`: the local service with demo data in this process, and
/// the console on it with the demo credentials. The service starts while the
/// first frame is already on screen.
pub async fn run_demo(
    args: ConsoleArgs,
    config: Config,
    demo: DemoArgs,
) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    let keymap = keymap(&config)?;
    let log = logging::init(args.log_file.as_deref())?;
    let mut cfg = ServiceConfig::demo().with_faults(&demo.faults);
    if let Some(p) = &demo.state {
        cfg = cfg.with_state_file(p.clone());
    }
    let (svc_tx, svc_rx) = tokio::sync::oneshot::channel();
    let client = async move {
        let svc = start_service(cfg).await.map_err(|e| {
            ApiError::new(
                ApiErrorKind::Connect,
                format!("the demo service did not start: {e:#}"),
            )
        })?;
        let endpoint = svc.endpoint_url();
        tracing::info!(log = %log.display(), %endpoint, "demo service started");
        let _ = svc_tx.send(svc);
        Client::with_static_credentials(&endpoint, "us-east-1", "AKIDEXAMPLE", "secret")
    };
    let code = run_console(
        &args,
        &config,
        keymap,
        None,
        client,
        "demo (starting the local service…)".into(),
        started,
    )
    .await;
    if let Ok(svc) = svc_rx.await {
        svc.shutdown().await?;
    }
    code
}

/// The test hook `CHIME_ADMIN_DEBUG_PANIC=1` (read once at start): the first
/// key press panics, so a test can see the terminal restored and the panic
/// logged. In every build, so the suite checks the restore in the build it
/// runs (debug or release); without the variable it does nothing.
fn debug_panic_requested() -> bool {
    std::env::var_os("CHIME_ADMIN_DEBUG_PANIC").is_some_and(|v| v == "1")
}

/// Panics on a key press: the [`debug_panic_requested`] hook.
#[allow(
    clippy::panic,
    reason = "the one deliberate panic, for the restore test"
)]
fn debug_panic(ev: &Event) {
    if matches!(ev, Event::Key(k) if k.kind == KeyEventKind::Press) {
        panic!("CHIME_ADMIN_DEBUG_PANIC=1: panicking on the first key press (test hook)");
    }
}

/// The Action an input event means in the current state, if any.
pub fn action_for_event(state: &State, ev: &Event) -> Option<Action> {
    match ev {
        Event::Key(k) if k.kind != KeyEventKind::Release => {
            let ctx = key_context(state);
            if let Some(c) = state.keymap.command_for(ctx, k) {
                return Some(Action::Cmd(c));
            }
            // Text for the filter line or the form (a room ARN, a letter that jumps).
            if matches!(
                state.mode(),
                Mode::FilterInput | Mode::Form | Mode::Settings | Mode::Prompt | Mode::CommandLine
            ) {
                return tui_input::backend::crossterm::to_input_request(ev).map(Action::Input);
            }
            None
        }
        Event::Paste(text) => Some(Action::Paste(text.clone())),
        Event::Resize(w, h) => Some(Action::Resize {
            width: *w,
            height: *h,
        }),
        _ => None,
    }
}

/// A key that comes sooner than this after the previous input is part of a
/// burst: a paste in a terminal without bracketed paste, not a person
/// confirming a change.
pub const CONFIRM_QUIET: Duration = Duration::from_millis(150);

/// When the last key or paste came, to tell a burst from a person.
#[derive(Debug, Default)]
pub struct InputClock {
    last: Option<Instant>,
}

impl InputClock {
    /// The action for an input event that came at `now`: a command that came
    /// less than `CONFIRM_QUIET` after the previous key or paste is hurried.
    pub fn stamp(&mut self, ev: &Event, now: Instant, action: Option<Action>) -> Option<Action> {
        if !matches!(ev, Event::Key(_) | Event::Paste(_)) {
            return action;
        }
        let hurried = self
            .last
            .is_some_and(|t| now.saturating_duration_since(t) < CONFIRM_QUIET);
        self.last = Some(now);
        match action {
            Some(Action::Cmd(c)) if hurried => Some(Action::HurriedCmd(c)),
            a => a,
        }
    }
}

/// Where effects go: the worker, except a clipboard copy, which goes to the
/// terminal here (the worker never touches the terminal), and a timer, which
/// the loop keeps.
struct Dispatch {
    fx_tx: mpsc::UnboundedSender<Request>,
    clipboard: Clipboard,
    /// The one timer pending (`Term::Timer`): when, and its generation.
    timer: Option<(tokio::time::Instant, u64)>,
}

impl Dispatch {
    fn send(&mut self, e: Effect) {
        match e {
            Effect::Io(req) => {
                let _ = self.fx_tx.send(req);
            }
            Effect::Term(Term::Copy { text, what }) => {
                let seq = export::osc52(text.expose(), self.clipboard.passthrough());
                if let Err(e) = tty::write_raw(seq.as_bytes()) {
                    tracing::warn!(%e, %what, "clipboard copy failed");
                }
            }
            Effect::Term(Term::Timer { gen_id, after }) => {
                self.timer = Some((tokio::time::Instant::now() + after, gen_id));
            }
        }
    }
}

/// Whether OSC52 must be wrapped for tmux: only inside tmux when tmux does
/// not take OSC52 itself (`set-clipboard` is not `on`). Asked once.
#[derive(Default)]
struct Clipboard {
    passthrough: Option<bool>,
}

impl Clipboard {
    fn passthrough(&mut self) -> bool {
        *self.passthrough.get_or_insert_with(|| {
            if std::env::var_os("TMUX").is_none() {
                return false;
            }
            let on = std::process::Command::new("tmux")
                .args(["show-options", "-gv", "set-clipboard"])
                .output()
                .ok()
                .filter(|o| o.status.success())
                .is_some_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "on");
            !on
        })
    }
}

/// How long quitting waits for changes already sent.
const QUIT_WAIT: Duration = Duration::from_secs(30);

async fn run_console(
    args: &ConsoleArgs,
    config: &Config,
    keymap: Keymap,
    conn: Option<crate::cli::ConnArgs>,
    client: impl Future<Output = Result<Client, ApiError>> + Send + 'static,
    endpoint_label: String,
    started: Instant,
) -> anyhow::Result<ExitCode> {
    let theme = Theme::from_name(config.theme.value);
    let mut signals = Signals::new()?;
    let (guard, mut term) = tty::setup()?;

    let (act_tx, mut act_rx) = mpsc::unbounded_channel::<Action>();
    let cfg = worker_config(args, config, conn, &endpoint_label);
    let worker = worker::spawn(client, cfg, act_tx);
    let mut out = Dispatch {
        fx_tx: worker.effects.clone(),
        clipboard: Clipboard::default(),
        timer: None,
    };
    let mut state = State::new(endpoint_label, args.read_only, theme);
    state.home = dirs::home_dir();
    state.profile = config.profile.value.clone();
    state.profiles = crate::client::config::profile_names().await; // once, for `:profile`
    state.keymap = std::sync::Arc::new(keymap);
    // From here on nothing returns early: a terminal that fails goes through
    // the same shutdown as quitting (the worker is waited for below).
    first_frame(&mut term, &mut state, &mut out, started);
    let mut events = EventStream::new();
    let mut console = Console {
        term: &mut term,
        state: &mut state,
        out: &mut out,
        act_rx: &mut act_rx,
    };
    let reason = console.run(&mut events, &mut signals).await;
    tracing::info!(%reason, "console stopping");
    drop(term);
    drop(guard);
    let sending = state.batch.is_some();
    Ok(shut_down(sending, out, worker, act_rx).await)
}

/// After the terminal is given back: the changes already sent are waited
/// for (up to [`QUIT_WAIT`]) and the shell is told whether every result
/// reached the audit log; the exit code says so too.
async fn shut_down(
    sending: bool,
    out: Dispatch,
    worker: worker::Worker,
    mut act_rx: mpsc::UnboundedReceiver<Action>,
) -> ExitCode {
    // The terminal is the shell's again: say why the prompt may take a moment.
    if sending {
        tty::note("cancelled the users not sent yet; waiting for the requests already sent…");
    }
    drop(out);
    let finished = worker.finish(QUIT_WAIT).await;
    let answers = std::iter::from_fn(|| act_rx.try_recv().ok());
    let (notes, recorded) = after_quit(sending, finished, answers);
    for note in &notes {
        tty::note(note);
    }
    if recorded {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// What the worker needs from the flags and the config.
fn worker_config(
    args: &ConsoleArgs,
    config: &Config,
    conn: Option<crate::cli::ConnArgs>,
    endpoint_label: &str,
) -> WorkerConfig {
    let audit = Audit {
        path: config
            .audit_log
            .value
            .clone()
            .unwrap_or_else(audit::default_path),
        endpoint: endpoint_label.to_string(),
        profile: config.profile.value.clone(),
    };
    WorkerConfig {
        read_only: args.read_only,
        audit,
        page_size: config.page_size.value,
        concurrency: config.concurrency.value,
        conn,
    }
}

/// The terminal's size, the start's effects sent, the first frame drawn (a
/// failure is logged: the loop notices a lost terminal at its next draw).
fn first_frame(term: &mut Screen, state: &mut State, out: &mut Dispatch, started: Instant) {
    let size = term.size().unwrap_or(ratatui::layout::Size::new(80, 24));
    update(
        state,
        Action::Resize {
            width: size.width,
            height: size.height,
        },
    );
    for e in start(state) {
        out.send(e);
    }
    if let Err(e) = term.draw(|f| ui::render(state, f)) {
        tracing::warn!(error = %e, "drawing the first frame failed");
    }
    state.dirty = false;
    tracing::info!(
        ms = started.elapsed().as_secs_f64() * 1000.0,
        "first frame drawn"
    );
}

/// The console's terminal.
type Screen = ratatui::Terminal<ratatui::backend::CrosstermBackend<tty::Tty>>;

/// The signals that end the console: SIGTERM, and SIGHUP (the terminal
/// hung up).
struct Signals {
    term: tokio::signal::unix::Signal,
    hup: tokio::signal::unix::Signal,
}

impl Signals {
    fn new() -> std::io::Result<Signals> {
        Ok(Signals {
            term: signal(SignalKind::terminate())?,
            hup: signal(SignalKind::hangup())?,
        })
    }
}

/// The loop's parts: the terminal, the state, where effects go and the
/// worker's answers.
struct Console<'a> {
    term: &'a mut Screen,
    state: &'a mut State,
    out: &'a mut Dispatch,
    act_rx: &'a mut mpsc::UnboundedReceiver<Action>,
}

impl Console<'_> {
    /// Runs until the console stops; returns why. It stops on `quit`, a
    /// signal, and a lost terminal, noticed three ways: input that fails or
    /// ends, a write that fails (`tty::lost`, checked after each frame), and
    /// a hung-up tty (`tty::hung_up`, looked at every `HANG_UP_CHECK`: an
    /// idle console writes nothing, and a hung-up tty reads as empty, not as
    /// an error, so this is the path when no SIGHUP comes and nothing is
    /// drawn).
    async fn run(&mut self, events: &mut EventStream, signals: &mut Signals) -> String {
        let mut clock = InputClock::default();
        let panic_on_key = debug_panic_requested();
        let mut ticker = tokio::time::interval(TICK);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut alive = tokio::time::interval(HANG_UP_CHECK);
        alive.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            let animating = self.state.animating();
            let due = self.out.timer.map(|(at, _)| at);
            let action = tokio::select! {
                ev = events.next() => match ev {
                    Some(Ok(ev)) => {
                        if panic_on_key {
                            debug_panic(&ev);
                        }
                        let action = action_for_event(self.state, &ev);
                        clock.stamp(&ev, Instant::now(), action)
                    }
                    // The tty went away (SSH connection lost): stop.
                    Some(Err(e)) => return format!("terminal input failed: {e}"),
                    None => return "terminal input closed".to_string(),
                },
                Some(a) = self.act_rx.recv() => Some(a),
                _ = ticker.tick(), if animating => Some(Action::Tick),
                _ = tokio::time::sleep_until(due.unwrap_or_else(tokio::time::Instant::now)), if due.is_some() => {
                    self.out.timer.take().map(|(_, gen_id)| Action::Timer { gen_id })
                }
                _ = alive.tick() => {
                    if tty::hung_up() {
                        return "the terminal hung up".to_string();
                    }
                    None
                }
                _ = signals.term.recv() => return "SIGTERM".to_string(),
                _ = signals.hup.recv() => return "SIGHUP".to_string(),
            };
            if let Some(reason) = self.step(action) {
                return reason;
            }
        }
    }

    /// One turn after an input, answer or timer: the action and every
    /// answer already waiting applied, then one frame if anything changed.
    /// Why to stop, if the console should.
    fn step(&mut self, action: Option<Action>) -> Option<String> {
        if let Some(a) = action {
            self.apply(a);
        }
        // Apply every answer already waiting before drawing once.
        while let Ok(a) = self.act_rx.try_recv() {
            self.apply(a);
        }
        if self.state.quit {
            return Some("quit".to_string());
        }
        if self.state.dirty {
            if let Err(e) = self.term.draw(|f| ui::render(self.state, f)) {
                return Some(format!("drawing failed: {e}"));
            }
            self.state.dirty = false;
        }
        // The terminal writer swallows a failed write and marks the
        // terminal lost: the frame above was the first to fail.
        if tty::lost() {
            return Some("the terminal is gone (writing to it failed)".to_string());
        }
        None
    }

    fn apply(&mut self, a: Action) {
        for e in update(self.state, a) {
            self.out.send(e);
        }
    }
}

/// What quitting says once the worker is done, from the answers of the
/// changes that ended meanwhile: whether each one's results reached the
/// audit log. "every user's result is in the audit log" only when true;
/// false (exit non-zero) when a change's results could not be written.
fn after_quit(
    sending: bool,
    finished: bool,
    answers: impl IntoIterator<Item = Action>,
) -> (Vec<String>, bool) {
    let mut notes: Vec<String> = answers
        .into_iter()
        .filter_map(|a| match a {
            Action::BatchDone {
                change_id,
                audit_error: Some(e),
                ..
            } => Some(format!(
                "error: the results of change {change_id} could not be written to the audit log: {}",
                crate::text::visible(&e)
            )),
            Action::BatchRefused { message, .. } => {
                Some(format!("error: {}", crate::text::visible(&message)))
            }
            _ => None,
        })
        .collect();
    let recorded = notes.is_empty();
    match (sending, finished) {
        (_, false) => notes.push(format!(
            "gave up waiting after {} s: the audit log may lack the last results",
            QUIT_WAIT.as_secs()
        )),
        (true, true) if recorded => {
            notes.push("done: every user's result is in the audit log".into())
        }
        _ => {}
    }
    (notes, recorded)
}

#[cfg(test)]
mod quit_tests {
    use super::*;

    fn done(audit_error: Option<&str>) -> Action {
        Action::BatchDone {
            batch_id: 1,
            account_id: "acc".into(),
            change_id: "01CHANGE".into(),
            outcomes: Vec::new(),
            elapsed_ms: 0,
            audit_error: audit_error.map(str::to_string),
        }
    }

    #[test]
    fn quit_claims_the_audit_holds_every_result_only_when_it_does() {
        let (notes, ok) = after_quit(true, true, [done(None)]);
        assert!(ok);
        assert_eq!(notes, ["done: every user's result is in the audit log"]);
        let (notes, ok) = after_quit(true, true, [done(Some("No space left on device"))]);
        assert!(!ok);
        assert_eq!(notes.len(), 1, "{notes:?}");
        assert!(notes[0].contains("01CHANGE could not be written to the audit log: No space"));
        assert!(!notes.iter().any(|n| n.contains("every user's result")));
        let (notes, ok) = after_quit(false, false, []);
        assert!(ok && notes[0].starts_with("gave up waiting"));
    }
}
