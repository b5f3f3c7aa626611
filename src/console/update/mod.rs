//! Every behaviour of the console, and no IO: `update` applies one Action to
//! the State and returns the Effects (requests) the worker should run.
//!
//! This file is the dispatch; the handlers below it never import it:
//! `browse` (cursors, paging, the filter, marks, answers), [`changes`]
//! (forms, previews, batches), [`cmdline`] (the `:` line, which hands a key's
//! Command back here), [`select`] (filter, sort, counts), `view` (the flash
//! and keeping cursors on screen), `answers` (the worker's answers no pane
//! owns) and [`words`] (the worker's domain results in the screen's words).

use super::action::Action;
use super::command::Command;
use super::effect::Effect;
use super::form::UserAction;
use super::state::{Lookup, Modal, Pane, State};

mod answers;
mod browse;
pub mod changes;
pub mod cmdline;
pub mod plans;
pub mod select;
mod view;
pub mod words;

use browse::*;
use view::*;

pub fn update(state: &mut State, action: Action) -> Vec<Effect> {
    let mut fx = Vec::new();
    if action.ends_a_call() {
        state.retrying = None;
    }
    // The one place the screen is marked dirty: every action may change what
    // it shows, except the two timers, which count only when they change
    // something: `Tick` (the spinner while loading, a flash running out) and
    // `Timer` (the email look-up sent once typing has paused).
    let changed = dispatch(state, action, &mut fx);
    sync_marks_flash(state);
    if changed {
        state.dirty = true;
    }
    fx
}

/// Hands an action to its handler; false if it changed nothing on screen
/// (only the two timers can say so).
fn dispatch(state: &mut State, action: Action, fx: &mut Vec<Effect>) -> bool {
    match action {
        Action::Cmd(c) => command(state, c, fx),
        Action::HurriedCmd(c) => hurried_command(state, c, fx),
        Action::Paste(text) => paste(state, &text, fx),
        Action::Input(req) => input(state, req, fx),
        Action::Resize { width, height } => resize(state, width, height),
        Action::Tick => return tick(state),
        Action::Timer { gen_id } => return timer(state, gen_id, fx),
        Action::ProfileSwitched { profile, result } => {
            answers::profile_switched(state, profile, result, fx)
        }
        Action::Exported {
            path,
            what,
            note,
            result,
        } => answers::exported(state, &path, (&what, &note), &result),
        Action::AccountsPage {
            gen_id,
            accounts,
            next_token,
        } => accounts_page(state, gen_id, accounts, next_token, fx),
        Action::UsersPage {
            gen_id,
            account_id,
            users,
            next_token,
        } => users_page(state, gen_id, &account_id, users, next_token, fx),
        Action::UsersFound {
            gen_id,
            account_id,
            email,
            users,
        } => users_found(state, gen_id, &account_id, email.expose(), users),
        Action::Failed {
            gen_id,
            operation,
            error,
        } => failed(state, gen_id, &operation, &error),
        Action::BatchProgress {
            batch_id,
            done,
            failed,
            total,
            elapsed_ms,
        } => changes::progress(state, batch_id, done, failed, total, elapsed_ms),
        Action::BatchDone {
            batch_id,
            account_id,
            change_id,
            outcomes,
            elapsed_ms,
            audit_error,
        } => changes::done(
            state,
            changes::Finished {
                batch_id,
                account_id,
                change_id,
                outcomes,
                elapsed_ms,
                audit_error,
            },
            fx,
        ),
        Action::BatchRefused { batch_id, message } => changes::refused(state, batch_id, message),
        Action::Planned { gen_id, result } => changes::planned(state, gen_id, result),
        Action::HistoryLoaded { gen_id, result } => plans::history_loaded(state, gen_id, result),
        Action::SettingsLoaded { gen_id, settings } => {
            answers::settings_loaded(state, gen_id, &settings)
        }
        Action::AdminDone {
            gen_id,
            outcome,
            about_accounts,
        } => answers::admin_done(state, gen_id, &outcome, about_accounts, fx),
        Action::PinReset {
            batch_id,
            email,
            pin,
        } => changes::pin_reset(state, batch_id, email.into_inner(), pin),
        Action::UsersRefreshed {
            gen_id,
            account_id,
            users,
            failed,
            error,
        } => changes::refreshed(
            state,
            changes::Reread {
                gen_id,
                account_id,
                users,
                failed,
                error,
            },
        ),
        Action::Connected { endpoint } => state.endpoint = endpoint,
        Action::Retrying {
            operation,
            attempt,
            throttled,
        } => answers::retrying(state, &operation, attempt, throttled),
    }
    true
}

/// A key in a burst (a paste without bracketed paste): it never confirms.
fn hurried_command(state: &mut State, c: Command, fx: &mut Vec<Effect>) {
    if changes::confirms_change(state, c) {
        changes::hurried_confirm(state, c);
    } else {
        command(state, c, fx);
    }
}

/// The effects to run at start: the first page of accounts.
pub fn start(state: &mut State) -> Vec<Effect> {
    let mut fx = Vec::new();
    reload_accounts(state, &mut fx);
    fx
}

pub(super) fn command(state: &mut State, c: Command, fx: &mut Vec<Effect>) {
    if state.cmdline.is_some() && state.modals.is_empty() {
        cmdline_command(state, c, fx);
        return;
    }
    // Modals take their few commands first.
    if matches!(state.modals.last(), Some(Modal::History(_))) {
        plans::history_command(state, c, fx);
        return;
    }
    if c == Command::SavePlan {
        plans::save_plan(state, None, fx);
        return;
    }
    if !state.modals.is_empty() {
        changes::modal_command(state, c, fx);
        return;
    }
    screen_command(state, c, fx);
}

/// A key on the main screen (no modal, no command line open): the dispatch.
fn screen_command(state: &mut State, c: Command, fx: &mut Vec<Effect>) {
    match c {
        Command::Up => move_cursor(state, |l, _| l.move_by(-1), fx),
        Command::Down => move_cursor(state, |l, _| l.move_by(1), fx),
        Command::PageUp => move_cursor(state, |l, page| l.move_by(-(page as isize)), fx),
        Command::PageDown => move_cursor(state, |l, page| l.move_by(page as isize), fx),
        Command::Top => move_cursor(state, |l, _| l.move_to(0), fx),
        Command::Bottom => move_cursor(state, |l, _| l.move_to(usize::MAX), fx),
        Command::NextPane => cycle_focus(state, true),
        Command::PrevPane => cycle_focus(state, false),
        Command::Open => open(state, fx),
        Command::Back => back(state),
        Command::Reload => reload(state, fx),
        Command::Help => {
            state.help_search = Default::default();
            state.modals.push(Modal::Help { scroll: 0 });
        }
        Command::CommandLine => state.cmdline = Some(Default::default()),
        Command::Filter => {
            if let Some(f) = focused_filter_mut(state) {
                f.editing = true;
            }
        }
        Command::Submit => keep_filter(state, fx),
        Command::Quit => {
            if state.busy_changing() {
                state.modals.push(Modal::ConfirmQuit);
            } else {
                state.quit = true;
            }
        }
        Command::ForceQuit => state.quit = true,
        Command::Edit => changes::open_form(state),
        Command::Retry => changes::retry(state, fx),
        Command::CancelBatch => changes::cancel(state, fx),
        Command::Suspend => changes::open_action(state, UserAction::Suspend, fx),
        Command::Unsuspend => changes::open_action(state, UserAction::Unsuspend, fx),
        Command::Logout => changes::open_action(state, UserAction::Logout, fx),
        Command::ResetPin => changes::open_action(state, UserAction::ResetPin, fx),
        Command::NewAccount
        | Command::RenameAccount
        | Command::DefaultLicense
        | Command::DeleteAccount
        | Command::CreateUser
        | Command::Invite
        | Command::AddGroups
        | Command::RemoveGroups => changes::open_prompt(state, c),
        Command::Settings => changes::open_settings(state, fx),
        Command::History => plans::open_history(state, fx),
        Command::Yes
        | Command::SavePlan
        | Command::Undo
        | Command::OnlyLoaded
        | Command::NextField
        | Command::PrevField
        | Command::PrevValue
        | Command::NextValue => {}
        Command::Mark => mark_current(state),
        Command::MarkRange => mark_range(state),
        Command::MarkAll => mark_all(state, fx),
        Command::InvertMarks => invert_marks(state),
        Command::SortNext => with_users(state, select::cycle_sort),
        Command::SortReverse => with_users(state, |v| {
            if let Some(s) = v.sort {
                select::sort_by(v, s.key);
            }
        }),
        Command::ShowFailed => show_failed(state, fx),
        Command::NextFailed => jump_failed(state, true),
        Command::PrevFailed => jump_failed(state, false),
        Command::Zoom => {
            state.zoomed = !state.zoomed;
            scroll(state);
        }
        Command::ClearMarks => clear_marks(state),
    }
}

/// Ctrl-r: the accounts again, or the users (the rows whose re-read failed
/// first, if any).
fn reload(state: &mut State, fx: &mut Vec<Effect>) {
    match state.focus {
        Pane::Accounts => reload_accounts(state, fx),
        Pane::Users | Pane::Detail => {
            if !changes::reread_again(state, fx) {
                reload_users(state, fx)
            }
        }
    }
}

/// Enter in the filter line: keep it, applied whole (a last word that
/// looked like a field too), and send a due email look-up now.
fn keep_filter(state: &mut State, fx: &mut Vec<Effect>) {
    if let Some(f) = focused_filter_mut(state) {
        f.editing = false;
    }
    if state.focus == Pane::Users
        && let Some(v) = &mut state.users
    {
        select::apply_filter(v);
    }
    // Enter does not wait for the pause: the look-up goes now.
    if state.focus != Pane::Accounts
        && state
            .users
            .as_ref()
            .is_some_and(|v| matches!(v.lookup, Lookup::Due(_)))
    {
        send_lookup(state, fx);
    }
}

fn clear_marks(state: &mut State) {
    if let Some(v) = &mut state.users {
        v.marks.clear();
        v.last_mark = None;
        v.mark_all_pending = false;
    }
}

/// Keys while the `:` command line is open.
fn cmdline_command(state: &mut State, c: Command, fx: &mut Vec<Effect>) {
    let Some(line) = state.cmdline.as_ref().map(|c| c.input.value().to_string()) else {
        return;
    };
    match c {
        Command::Submit => {
            if let Some(c) = cmdline::run(state, &line, fx) {
                command(state, c, fx);
            }
        }
        Command::Back => state.cmdline = None,
        Command::ForceQuit => state.quit = true,
        Command::NextField => {
            let names: Vec<&str> = state
                .accounts
                .list
                .items()
                .iter()
                .map(|a| a.name.as_str())
                .collect();
            let profiles: Vec<&str> = state.profiles.iter().map(String::as_str).collect();
            let (done, candidates) = cmdline::complete(&line, &names, &profiles);
            if let Some(c) = &mut state.cmdline {
                c.input = tui_input::Input::new(done);
                c.hint = (!candidates.is_empty()).then(|| candidates.join("  "));
            }
        }
        _ => {}
    }
}
