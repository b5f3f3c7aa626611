//! Plans as files and the history, in the console: `s` in a preview saves
//! its plan (`:plan save FILE` too), `:plan FILE` opens a saved plan and
//! `:import FILE` a desired-state CSV (both become a drift-checked
//! preview), `H`/`:history` lists the audit log's changes and `u` opens the
//! undo of one. Every one ends in the same preview and apply as any change.

use std::path::PathBuf;

use super::view::flash;
use crate::console::command::Command;
use crate::console::effect::{Effect, PlanSource, Request};
use crate::console::state::{HistoryView, Modal, State};
use crate::plan::file::SavedPlan;

/// The name `s` saves a preview's plan under (in the working directory).
pub fn default_plan_file(change_id: &str) -> PathBuf {
    PathBuf::from(format!("chime-admin-plan-{change_id}.json"))
}

/// `s` in a preview, `:plan save FILE`: writes the preview's plan (0600,
/// never over an existing file) and says its digest. The preview stays.
pub fn save_plan(state: &mut State, file: Option<PathBuf>, fx: &mut Vec<Effect>) {
    let plan = match state.modals.last() {
        Some(Modal::Preview(p)) => &p.plan,
        _ => match &state.last_plan {
            Some(p) if file.is_some() => p,
            _ => {
                flash(state, "no preview: s in a change's preview saves its plan");
                return;
            }
        },
    };
    let path = file.unwrap_or_else(|| default_plan_file(plan.id.as_str()));
    let made_from = plan
        .origin
        .made_from
        .clone()
        .unwrap_or_else(|| format!("the console ({} users selected)", plan.selected()));
    let bytes = SavedPlan::of(plan, &state.endpoint, &made_from).and_then(|s| s.to_bytes());
    match bytes.and_then(|b| String::from_utf8(b).map_err(|e| e.to_string())) {
        Err(e) => flash(state, format!("✗ cannot save this plan: {e}")),
        Ok(text) => {
            let digest = crate::plan::file::digest(text.as_bytes());
            fx.push(Effect::Io(Request::WriteFile {
                path,
                contents: text.into(),
                what: "the plan".into(),
                overwrite: false,
                note: format!(" · SHA-256 {digest}"),
            }));
        }
    }
}

/// The account's name for a dialog, if the accounts are loaded.
fn account_name(state: &State, account_id: &str) -> String {
    state
        .accounts
        .list
        .items()
        .iter()
        .find(|a| a.account_id == account_id)
        .map(|a| a.name.clone())
        .unwrap_or_else(|| account_id.to_string())
}

/// Asks the worker for a plan from `source`; the Planning dialog shows
/// meanwhile and the answer opens the preview.
fn request(
    state: &mut State,
    source: PlanSource,
    (account, users, what): (&str, usize, &str),
    fx: &mut Vec<Effect>,
) {
    if state.read_only {
        flash(state, "read-only: no change can be planned");
        return;
    }
    let gen_id = state.new_gen();
    state.modals.push(Modal::Planning {
        gen_id,
        account_name: account_name(state, account),
        picked: "planned",
        users,
        what: what.to_string(),
    });
    fx.push(Effect::Io(Request::PlanFrom { gen_id, source }));
}

/// `:plan FILE`: a saved plan, checked against the users now.
pub fn open_plan_file(state: &mut State, path: PathBuf, fx: &mut Vec<Effect>) {
    request(state, PlanSource::File(path), ("", 0, "the saved plan"), fx);
}

/// `:import FILE`: a desired-state CSV for the open account.
pub fn import(state: &mut State, path: PathBuf, fx: &mut Vec<Effect>) -> Result<(), String> {
    let Some(v) = &state.users else {
        return Err("no account open: open the account to import into (:account NAME)".into());
    };
    let account_id = v.account.account_id.clone();
    let source = PlanSource::Import {
        account_id: account_id.clone(),
        path,
    };
    request(
        state,
        source,
        (&account_id, 0, "the file's desired state"),
        fx,
    );
    Ok(())
}

/// `H`, `:history`: the audit log's changes, read by the worker.
pub fn open_history(state: &mut State, fx: &mut Vec<Effect>) {
    let gen_id = state.new_gen();
    state.modals.push(Modal::History(Box::new(HistoryView {
        history: Default::default(),
        selected: 0,
        open: false,
        loading: Some(gen_id),
    })));
    fx.push(Effect::Io(Request::LoadHistory { gen_id }));
}

pub fn history_loaded(
    state: &mut State,
    gen_id: u64,
    result: Result<crate::history::History, crate::console::action::ReadFailure>,
) {
    let Some(Modal::History(h)) = state.modals.last_mut() else {
        return;
    };
    if h.loading != Some(gen_id) {
        return;
    }
    match result {
        Ok(history) => {
            h.history = history;
            h.loading = None;
            h.selected = 0;
        }
        Err(e) => {
            state.modals.pop();
            flash(state, super::words::history_failed(&e));
        }
    }
}

/// Keys in the history.
pub fn history_command(state: &mut State, c: Command, fx: &mut Vec<Effect>) {
    let Some(Modal::History(h)) = state.modals.last_mut() else {
        return;
    };
    let n = h.history.records.len();
    match c {
        Command::Up => h.selected = h.selected.saturating_sub(1),
        Command::Down => h.selected = (h.selected + 1).min(n.saturating_sub(1)),
        Command::Open => h.open = !h.open,
        Command::Back => {
            state.modals.pop();
        }
        Command::ForceQuit => state.quit = true,
        Command::Undo => undo(state, fx),
        _ => {}
    }
}

/// `u`: the undo of the selected change, as a drift-checked preview.
fn undo(state: &mut State, fx: &mut Vec<Effect>) {
    if state.read_only {
        return;
    }
    if state.busy_changing() {
        flash(
            state,
            "a change is still being sent: wait, or x to cancel it",
        );
        return;
    }
    let Some(Modal::History(h)) = state.modals.last() else {
        return;
    };
    let Some(record) = h.history.records.get(h.selected) else {
        return;
    };
    match record.undo() {
        Err(e) => flash(state, format!("✗ {e}")),
        Ok((saved, notes)) => {
            // The undo's preview replaces the history (H opens it again).
            state.modals.pop();
            if !notes.is_empty() {
                flash(state, notes.join("; "));
            }
            let account = saved.account_id.clone();
            let users = saved.users.len();
            request(
                state,
                PlanSource::Saved(Box::new(saved)),
                (&account, users, "the undo"),
                fx,
            );
        }
    }
}
