//! The worker's answers that no pane owns: a profile switched, an export
//! written, settings read, an admin operation done, a call retried. The
//! words come from [`super::words`].

use std::path::Path;

use crate::console::action::{AdminOutcome, ProfileFailure, Settings, WriteFailure};
use crate::console::effect::Effect;
use crate::console::settings::SettingsForm;
use crate::console::state::{Modal, Pane, State};

use super::browse::{reload_accounts, reload_users};
use super::view::flash;
use super::words;

/// `:profile NAME` answered: the accounts of the new profile, or why not.
pub(super) fn profile_switched(
    state: &mut State,
    profile: String,
    result: Result<String, ProfileFailure>,
    fx: &mut Vec<Effect>,
) {
    match result {
        Ok(endpoint) => {
            state.profile = Some(profile.clone());
            state.endpoint = endpoint;
            state.users = None;
            state.focus = Pane::Accounts;
            state.user_counts.clear();
            reload_accounts(state, fx);
            flash(state, format!("profile {profile}"));
        }
        Err(e) => flash(state, words::profile_failed(&profile, &e)),
    }
}

/// An export written, or why not.
pub(super) fn exported(
    state: &mut State,
    path: &Path,
    (what, note): (&str, &str),
    result: &Result<(), WriteFailure>,
) {
    flash(state, words::exported(path, what, note, result));
}

/// The settings form's values, if it still waits for this read.
pub(super) fn settings_loaded(state: &mut State, gen_id: u64, settings: &Settings) {
    if let Some(Modal::Settings(f)) = state.modals.last_mut()
        && f.gen_id == gen_id
    {
        f.values = Some(SettingsForm::values_of(settings));
    }
}

/// An admin operation done: said, and the list it changed reloaded.
pub(super) fn admin_done(
    state: &mut State,
    gen_id: u64,
    outcome: &AdminOutcome,
    about_accounts: bool,
    fx: &mut Vec<Effect>,
) {
    if state.admin != Some(gen_id) {
        return;
    }
    state.admin = None;
    flash(state, words::admin_done(outcome));
    if about_accounts {
        reload_accounts(state, fx);
    } else {
        reload_users(state, fx);
    }
}

/// The client is retrying a call: said in the status line until an answer.
pub(super) fn retrying(state: &mut State, operation: &str, attempt: u32, throttled: bool) {
    let reason = if throttled {
        "throttled"
    } else {
        "transient error"
    };
    state.retrying = Some(format!(
        "{reason}, retrying ({operation}, attempt {attempt})"
    ));
}
