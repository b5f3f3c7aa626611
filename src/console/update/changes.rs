//! The part of `update` that makes changes: the form, the preview, applying
//! through the worker, progress, per-user results, retry and cancel. Pure,
//! like the rest of `update`.

use tui_input::InputRequest;

use super::view::{flash, scroll};
use crate::client::{BatchReport, OutcomeResult, UserOutcome};
use crate::console::action::{PlanFailure, RereadFailure};
use crate::console::command::Command;
use crate::console::effect::{Effect, Request};
use crate::console::form::{Change, ChangeForm, ChangeLabel, FormField, Preview, UserAction};
use crate::console::state::{BatchRun, ErrorInfo, FailedSet, Modal, Pane, RowResult, State};
use crate::console::text::{thousands, users_word};
use crate::model::User;

/// Commands while a modal is on top.
pub fn modal_command(state: &mut State, c: Command, fx: &mut Vec<Effect>) {
    if c == Command::ForceQuit {
        state.quit = true;
        return;
    }
    let help_end = matches!(state.modals.last(), Some(Modal::Help { .. }))
        .then(|| crate::console::help::max_scroll(state))
        .unwrap_or(0);
    let help_page = state.height.saturating_sub(6).max(1);
    if matches!(state.modals.last(), Some(Modal::Help { .. })) {
        let search = &mut state.help_search;
        match c {
            Command::Filter => {
                search.editing = true;
                return;
            }
            Command::Submit if search.editing => {
                search.editing = false;
                return;
            }
            // Esc clears the search first, then closes the overlay.
            Command::Back if search.is_active() => {
                *search = Default::default();
                return;
            }
            _ => {}
        }
    }
    let Some(top) = state.modals.last_mut() else {
        return;
    };
    match (top, c) {
        (Modal::Help { scroll }, Command::Up) => *scroll = scroll.saturating_sub(1),
        (Modal::Help { scroll }, Command::Down) => *scroll = (*scroll + 1).min(help_end),
        (Modal::Help { scroll }, Command::PageUp) => *scroll = scroll.saturating_sub(help_page),
        (Modal::Help { scroll }, Command::PageDown) => {
            *scroll = scroll.saturating_add(help_page).min(help_end)
        }
        (Modal::Help { scroll }, Command::Top) => *scroll = 0,
        (Modal::Help { scroll }, Command::Bottom) => *scroll = help_end,
        (Modal::ConfirmQuit, Command::Yes) => state.quit = true,
        (Modal::Form(f), Command::NextField) => f.move_field(true),
        (Modal::Form(f), Command::PrevField) => f.move_field(false),
        (Modal::Form(f), Command::PrevValue | Command::NextValue) => {
            let forward = c == Command::NextValue;
            if f.field == FormField::Room {
                f.room.handle(if forward {
                    InputRequest::GoToNextChar
                } else {
                    InputRequest::GoToPrevChar
                });
            } else {
                f.cycle_value(forward);
            }
        }
        (Modal::Form(_), Command::Submit) => submit_form(state, fx),
        (Modal::Form(_), Command::OnlyLoaded) => only_loaded(state, fx),
        (Modal::Preview(p), Command::NextField) => p.apply_focused = !p.apply_focused,
        (Modal::Preview(p), Command::PageDown) => p.scroll_by(state.height, 1),
        (Modal::Preview(p), Command::PageUp) => p.scroll_by(state.height, -1),
        (Modal::Preview(p), Command::Top) => p.scroll = 0,
        (Modal::Preview(p), Command::Bottom) => {
            p.scroll = usize::MAX;
            p.scroll = p.first_row(state.height);
        }
        (Modal::Preview(p), Command::Submit) if p.apply_focused => apply(state, fx),
        (Modal::Preview(_), Command::Yes) => apply(state, fx),
        (Modal::Prompt(_), Command::Submit) => submit_prompt(state, fx),
        (Modal::Prompt(p), Command::Down | Command::NextField) => p.move_field(true),
        (Modal::Prompt(p), Command::Up) => p.move_field(false),
        (Modal::Settings(f), Command::NextField) => f.move_field(true),
        (Modal::Settings(f), Command::PrevField) => f.move_field(false),
        (Modal::Settings(f), Command::PrevValue | Command::NextValue) => f.toggle(),
        (Modal::Settings(_), Command::Submit) => submit_settings(state, fx),
        // The PIN is dropped with its dialog: it is shown once.
        // Enter on a Cancel button, an error or the quit question: close it.
        (_, Command::Back | Command::Submit) => {
            state.modals.pop();
        }
        _ => {}
    }
}

/// Whether `c` would confirm or send a change now: `y` or enter on Apply in
/// a preview, enter in a prompt or the settings form.
pub fn confirms_change(state: &State, c: Command) -> bool {
    match state.modals.last() {
        Some(Modal::Preview(p)) => c == Command::Yes || (c == Command::Submit && p.apply_focused),
        Some(Modal::Prompt(_) | Modal::Settings(_)) => c == Command::Submit,
        _ => false,
    }
}

/// A confirming key that came in a burst (a paste without bracketed paste):
/// nothing is applied. In a prompt the line break it was becomes a space,
/// as a pasted line break does.
pub fn hurried_confirm(state: &mut State, c: Command) {
    if let Some(Modal::Prompt(p)) = state.modals.last_mut()
        && c == Command::Submit
    {
        p.paste("\n");
        flash(
            state,
            "enter came too fast to send (a paste?): press it again",
        );
        return;
    }
    flash(
        state,
        "too fast to confirm (a paste?): nothing applied, press it again",
    );
}

/// Text typed into the form: the room ARN, or a letter that jumps to a value.
pub fn form_input(form: &mut ChangeForm, req: InputRequest) {
    if form.field == FormField::Room {
        form.room.handle(req);
        form.problem = None;
    } else if let InputRequest::InsertChar(c) = req {
        form.jump(c);
    }
}

/// The users a change applies to: the marked ones (loaded rows), or the current row.
fn targets(state: &State) -> Vec<&User> {
    let Some(v) = &state.users else {
        return Vec::new();
    };
    if v.marks.is_empty() {
        return v.selected_user().into_iter().collect();
    }
    v.list
        .items()
        .iter()
        .filter(|r| v.marks.contains(&r.user.user_id))
        .map(|r| &r.user)
        .collect()
}

/// Reads `user_ids` fresh and plans `change` for them (the worker answers
/// `Action::Planned`); a dialog says so meanwhile. The preview is built
/// from that read only, never from the rows on screen.
fn request_plan(
    state: &mut State,
    change: Change,
    user_ids: Vec<String>,
    picked: &'static str,
    fx: &mut Vec<Effect>,
) {
    let Some(v) = &state.users else { return };
    if user_ids.is_empty() {
        return;
    }
    let (account_id, account_name) = (v.account.account_id.clone(), v.account.name.clone());
    let picked = if picked == "marked" && v.marks.is_empty() {
        "selected"
    } else {
        picked
    };
    let what = match &change {
        Change::Update(_) | Change::Desired { .. } => "the change".to_string(),
        Change::Action(a) => a.verb().to_lowercase(),
    };
    let gen_id = state.new_gen();
    state.modals.push(Modal::Planning {
        gen_id,
        account_name,
        picked,
        users: user_ids.len(),
        what,
    });
    fx.push(Effect::Io(Request::Plan {
        gen_id,
        account_id,
        change,
        user_ids,
    }));
}

/// The plan is here: the rows show the values it was read from, and the
/// preview shows the plan (or the refusal, or that nothing is to be sent).
pub fn planned(
    state: &mut State,
    gen_id: u64,
    result: Result<Box<crate::plan::Plan>, PlanFailure>,
) {
    let Some(Modal::Planning {
        gen_id: waiting,
        account_name,
        picked,
        ..
    }) = state.modals.last()
    else {
        return;
    };
    if *waiting != gen_id {
        return;
    }
    let (account_name, picked) = (account_name.clone(), *picked);
    state.modals.pop();
    let mut plan = match result {
        Ok(plan) => *plan,
        Err(e) => {
            state.modals.push(Modal::Error(super::words::plan_error(e)));
            return;
        }
    };
    let read = std::mem::take(&mut plan.read);
    if let Some(v) = &mut state.users
        && v.account.account_id == plan.account_id
    {
        for u in read {
            v.not_reread.remove(&u.user_id);
            if let Some(&i) = v.by_id.get(&u.user_id) {
                v.list.items_mut()[i].user = u;
            }
        }
        super::select::refilter_kept(v);
    }
    if plan.changes.is_empty() {
        let mut text = format!(
            "nothing to send: {} already at these values",
            users_word(plan.already.len())
        );
        if !plan.not_found.is_empty() {
            text.push_str(&format!(" · {} not found", thousands(plan.not_found.len())));
        }
        flash(state, text);
        return;
    }
    state.last_plan = Some(Box::new(plan.clone()));
    state.modals.push(Modal::Preview(Box::new(Preview {
        account_name,
        plan,
        apply_focused: false,
        picked,
        scroll: 0,
    })));
}

/// While `a` is still loading pages: how many users are marked so far.
fn still_marking(state: &State) -> Option<usize> {
    state
        .users
        .as_ref()
        .filter(|v| v.mark_all_pending)
        .map(|v| v.marks.len())
}

/// The open form follows the marks while `a` is still loading pages, so it
/// always acts on exactly the set the title shows.
pub fn sync_form_targets(state: &mut State) {
    let Some(v) = &state.users else { return };
    if v.marks.is_empty() {
        return;
    }
    let form = state.modals.iter_mut().find_map(|m| match m {
        Modal::Form(f) if f.account_id == v.account.account_id => Some(f),
        _ => None,
    });
    if let Some(f) = form {
        f.targets = v
            .list
            .items()
            .iter()
            .filter(|r| v.marks.contains(&r.user.user_id))
            .map(|r| r.user.user_id.clone())
            .collect();
        if f.problem.as_deref().is_some_and(|p| p.starts_with(MARKING)) && !v.mark_all_pending {
            f.problem = None;
        }
    }
}

const MARKING: &str = "still marking";

/// ctrl-o in the form while marking: stop marking and preview the users
/// marked so far (the title then shows that count too).
fn only_loaded(state: &mut State, fx: &mut Vec<Effect>) {
    let Some(v) = &mut state.users else { return };
    if !v.mark_all_pending {
        return submit_form(state, fx);
    }
    v.mark_all_pending = false;
    let n = v.marks.len();
    flash(
        state,
        format!("marking stopped: only the {} loaded", thousands(n)),
    );
    sync_form_targets(state);
    submit_form(state, fx);
}

/// Whether a user change may start now: not read-only, the users pane in
/// front, the filter readable, and no change still being sent (those two
/// say so).
fn may_start_change(state: &mut State) -> bool {
    if state.read_only || state.focus != Pane::Users {
        return false;
    }
    if let Some(e) = state.users.as_ref().and_then(|v| v.query_error.clone()) {
        let fix = "fix it with / or clear it with esc; nothing is planned from it";
        super::view::flash_or(
            state,
            format!("✗ the filter has an error ({e}): {fix}"),
            format!("✗ the filter has an error (see the filter line): {fix}"),
        );
        return false;
    }
    if state.busy_changing() {
        flash(
            state,
            "a change is still being sent: wait, or x to cancel it",
        );
        return false;
    }
    true
}

/// `s`, `U`, `L`, `P`: the plan (then preview) of a user action.
pub fn open_action(state: &mut State, action: UserAction, fx: &mut Vec<Effect>) {
    if !may_start_change(state) {
        return;
    }
    if action.many()
        && let Some(n) = still_marking(state)
    {
        flash(
            state,
            format!("{MARKING}… {} so far: wait for every page", thousands(n)),
        );
        return;
    }
    let Some(v) = &state.users else { return };
    let users: Vec<&User> = if action.many() {
        targets(state)
    } else {
        v.selected_user().into_iter().collect()
    };
    let ids = users.iter().map(|u| u.user_id.clone()).collect();
    request_plan(state, Change::Action(action), ids, "marked", fx);
}

pub fn open_form(state: &mut State) {
    if !may_start_change(state) {
        return;
    }
    let Some(v) = &state.users else { return };
    let users = targets(state);
    if users.is_empty() {
        return;
    }
    let licenses = v
        .account
        .supported_licenses
        .clone()
        .filter(|l| !l.is_empty())
        .unwrap_or_else(|| crate::model::License::ALL.to_vec());
    let form = ChangeForm::new(&v.account.account_id, &v.account.name, licenses, &users);
    state.modals.push(Modal::Form(Box::new(form)));
}

fn submit_form(state: &mut State, fx: &mut Vec<Effect>) {
    let marking = still_marking(state);
    let Some(Modal::Form(form)) = state.modals.last_mut() else {
        return;
    };
    if let Some(n) = marking {
        form.problem = Some(format!(
            "{MARKING}… {} so far: the preview waits for every page (ctrl-o: only the {} loaded)",
            thousands(n),
            thousands(n)
        ));
        return;
    }
    if let Some(p) = form.problem() {
        form.problem = Some(p);
        return;
    }
    let (update, targets) = (form.update(), form.targets.clone());
    state.modals.pop();
    request_plan(state, Change::Update(update), targets, "marked", fx);
}

fn apply(state: &mut State, fx: &mut Vec<Effect>) {
    let Some(Modal::Preview(p)) = state.modals.pop() else {
        return;
    };
    if state.read_only {
        return;
    }
    let plan = p.plan;
    let batch_id = state.new_gen();
    let label = ChangeLabel::of(plan.change.action(), &plan.changes);
    if let Some(v) = &mut state.users {
        // Users already at the target values are done: unmark them (the
        // preview said so, and their rows say it too).
        for u in &plan.already {
            v.marks.remove(&u.user_id);
        }
        let already = plan
            .already
            .iter()
            .map(|u| (&u.user_id, RowResult::Already));
        let sending = plan
            .changes
            .iter()
            .map(|c| (&c.user_id, RowResult::Pending));
        for (user_id, result) in already.chain(sending) {
            if let Some(&i) = v.by_id.get(user_id) {
                let row = &mut v.list.items_mut()[i];
                row.result = Some(result);
                row.change = Some(label);
                row.batch = Some(batch_id);
                v.results_shown = true;
            }
        }
        v.last_batch = Some(batch_id);
        super::select::results_changed(v);
    }
    state.batch = Some(BatchRun {
        id: batch_id,
        verb: plan.change.action().map_or("Updating", |a| a.verb()),
        label,
        account_id: plan.account_id.clone(),
        total: plan.changes.len(),
        done: 0,
        failed: 0,
        already: plan.already.len(),
        elapsed_ms: 0,
        cancelling: false,
    });
    state.batch_summary = None;
    state.last_change = Some(plan.change.clone());
    fx.push(Effect::Io(Request::Change {
        batch_id,
        plan: Box::new(plan),
    }));
}

/// `r`: the users the latest change with failures failed for (or did not
/// send), through the same preview. Its failed set survives other changes
/// (an unsuspend that fixed the cause) until the next change of its kind.
pub fn retry(state: &mut State, fx: &mut Vec<Effect>) {
    if state.read_only || state.busy_changing() {
        return;
    }
    let Some(v) = &state.users else { return };
    let Some(set) = state
        .failed
        .iter()
        .rev()
        .find(|f| f.account_id == v.account.account_id)
        .cloned()
    else {
        flash(state, "no failed users to retry");
        return;
    };
    let change = match set.label.action {
        Some(a) => Change::Action(a),
        None => Change::Update(set.update),
    };
    request_plan(state, change, set.user_ids, "to retry", fx);
}

/// The failed set of a change replaces the last one of its kind (or, with
/// no user failed, clears it).
pub fn keep_failed(state: &mut State, label: ChangeLabel, account_id: &str, user_ids: Vec<String>) {
    let update = match &state.last_change {
        Some(Change::Update(u)) if label.action.is_none() => u.clone(),
        _ => Default::default(),
    };
    state.failed.retain(|f| f.label.action != label.action);
    if !user_ids.is_empty() {
        state.failed.push(FailedSet {
            label,
            account_id: account_id.to_string(),
            update,
            user_ids,
        });
    }
}

pub fn cancel(state: &mut State, fx: &mut Vec<Effect>) {
    if let Some(b) = &mut state.batch
        && !b.cancelling
    {
        b.cancelling = true;
        fx.push(Effect::Io(Request::CancelBatch { batch_id: b.id }));
    }
}

pub fn progress(
    state: &mut State,
    batch_id: u64,
    done: usize,
    failed: usize,
    total: usize,
    elapsed_ms: u64,
) {
    if let Some(b) = &mut state.batch
        && b.id == batch_id
    {
        b.done = done;
        b.failed = failed;
        b.total = total;
        b.elapsed_ms = elapsed_ms;
    }
}

/// A change's answer: every user's result, its change id, and whether the
/// audit log holds the results.
pub struct Finished {
    pub batch_id: u64,
    pub account_id: String,
    pub change_id: String,
    pub outcomes: Vec<(String, OutcomeResult)>,
    pub elapsed_ms: u64,
    pub audit_error: Option<String>,
}

pub fn done(state: &mut State, finished: Finished, fx: &mut Vec<Effect>) {
    let Finished {
        batch_id,
        account_id,
        change_id,
        outcomes,
        elapsed_ms,
        audit_error,
    } = finished;
    let Some((label, already)) = state
        .batch
        .as_ref()
        .filter(|b| b.id == batch_id)
        .map(|b| (b.label, b.already))
    else {
        return;
    };
    state.batch = None;
    let report = BatchReport {
        outcomes: outcomes
            .into_iter()
            .map(|(user_id, result)| UserOutcome { user_id, result })
            .collect(),
    };
    let updated = !matches!(state.last_change, Some(Change::Action(_)));
    let summary = summary(&report, already, updated, elapsed_ms);
    keep_failed(state, label, &account_id, unfinished(&report));
    let ran = Ran {
        batch_id,
        label,
        account_id,
    };
    land_results(state, &ran, report, fx);
    // The id the audit log files it under, once, whole.
    flash(state, format!("change {change_id}"));
    state.batch_summary = Some(summary);
    if let Some(e) = audit_error {
        state
            .modals
            .push(Modal::Error(not_recorded(&change_id, &e)));
    }
    scroll(state);
}

/// The users a retry would send again: failed, unknown or not sent.
fn unfinished(report: &BatchReport) -> Vec<String> {
    report
        .outcomes
        .iter()
        .filter(|o| {
            matches!(
                o.result,
                OutcomeResult::Failed { .. }
                    | OutcomeResult::Unknown { .. }
                    | OutcomeResult::NotSent
            )
        })
        .map(|o| o.user_id.clone())
        .collect()
}

/// "12 updated", "1 failed (r retries)", "2 already", "0.4 s": a change's
/// counts, part by part, `already` the users the plan left out (at the
/// values already).
fn summary(report: &BatchReport, already: usize, updated: bool, elapsed_ms: u64) -> Vec<String> {
    let ok = thousands(report.succeeded());
    let mut parts = vec![if updated {
        format!("{ok} updated")
    } else {
        format!("{ok} done")
    }];
    let counts = [
        (report.failed(), "failed (r retries)"),
        (report.unknown(), "unknown (sent, answer lost; r retries)"),
        (report.not_sent(), "not sent"),
        (already, "already"),
    ];
    for (n, what) in counts {
        if n > 0 {
            parts.push(format!("{} {what}", thousands(n)));
        }
    }
    parts.push(format!("{:.1} s", elapsed_ms as f64 / 1000.0));
    parts
}

/// The change whose results land: its batch, label and account.
struct Ran {
    batch_id: u64,
    label: ChangeLabel,
    account_id: String,
}

/// Every user's result into its row (if the account is still open): a
/// user changed is unmarked; every user sent is read again, since the
/// service's view may explain a failure too.
fn land_results(state: &mut State, ran: &Ran, report: BatchReport, fx: &mut Vec<Effect>) {
    let Some(v) = state
        .users
        .as_mut()
        .filter(|v| v.account.account_id == ran.account_id)
    else {
        return;
    };
    let mut refresh = Vec::new();
    for UserOutcome { user_id, result } in report.outcomes {
        match result {
            OutcomeResult::Ok { .. } => {
                v.marks.remove(&user_id);
                refresh.push(user_id.clone());
            }
            OutcomeResult::Failed { .. } | OutcomeResult::Unknown { .. } => {
                refresh.push(user_id.clone());
            }
            OutcomeResult::NotSent => {}
        }
        if let Some(&i) = v.by_id.get(&user_id) {
            let row = &mut v.list.items_mut()[i];
            row.result = Some(RowResult::Done(result));
            row.change = Some(ran.label);
            row.batch = Some(ran.batch_id);
            v.results_shown = true;
        }
    }
    super::select::results_changed(v);
    if !refresh.is_empty() {
        v.rereading = refresh.len();
        fx.push(Effect::Io(Request::RefreshUsers {
            account_id: ran.account_id.clone(),
            gen_id: v.gen_id,
            user_ids: refresh,
        }));
    }
}

/// The results of a change sent could not be written to the audit log.
fn not_recorded(change_id: &str, e: &str) -> ErrorInfo {
    ErrorInfo {
        operation: "audit log".into(),
        code: "NotRecorded".into(),
        message: format!(
            "the results of change {change_id} could not be written to the audit log: {e}"
        ),
        request_id: None,
        hint: Some(
            "what was sent is on screen (nothing more was sent once a result could not be written); free space or fix --audit-log"
                .into(),
        ),
    }
}

/// Nothing of a change was sent: its `send` line could not be written.
pub fn refused(state: &mut State, batch_id: u64, message: String) {
    if state.batch.as_ref().map(|b| b.id) != Some(batch_id) {
        return;
    }
    state.batch = None;
    if let Some(v) = &mut state.users {
        for row in v.list.items_mut() {
            if row.result == Some(RowResult::Pending) {
                row.result = None;
                row.change = None;
                row.batch = None;
            }
        }
    }
    state.modals.push(Modal::Error(ErrorInfo {
        operation: "audit log".into(),
        code: "NotRecorded".into(),
        message,
        request_id: None,
        hint: Some("free space or fix --audit-log, then apply again".into()),
    }));
}

/// Re-read users replace their rows (the values shown are the service's);
/// rows whose re-read failed keep their old values, marked "not re-read"
/// and counted apart until `ctrl-r` reads them again.
pub fn refreshed(state: &mut State, reread: Reread) {
    let Reread {
        gen_id,
        account_id,
        users,
        failed,
        error,
    } = reread;
    let Some(v) = &mut state.users else { return };
    if v.gen_id != gen_id || v.account.account_id != account_id {
        return;
    }
    v.rereading = 0;
    for u in users {
        v.not_reread.remove(&u.user_id);
        if let Some(&i) = v.by_id.get(&u.user_id) {
            v.list.items_mut()[i].user = u;
        }
    }
    let n = failed.len();
    for id in failed {
        if v.by_id.contains_key(&id) {
            v.not_reread.insert(id);
        }
    }
    v.reread_error = if v.not_reread.is_empty() {
        None
    } else {
        error.as_ref().map(super::words::reread_failed)
    };
    // The rows shown stay (the filter is read again when it is edited or
    // the list reloaded); their counts follow the values now shown.
    super::select::refilter_kept(v);
    if n > 0 {
        let n = thousands(n);
        flash(
            state,
            format!("✗ {n} changed users not re-read: ctrl-r reads them again"),
        );
    }
}

/// A re-read's answer (see `Action::UsersRefreshed`).
pub struct Reread {
    pub gen_id: u64,
    pub account_id: String,
    pub users: Vec<User>,
    pub failed: Vec<String>,
    pub error: Option<RereadFailure>,
}

/// `ctrl-r` while some changed rows are not re-read: they are read again
/// (their results stay). False when there are none.
pub fn reread_again(state: &mut State, fx: &mut Vec<Effect>) -> bool {
    let Some(v) = &mut state.users else {
        return false;
    };
    if v.rereading > 0 {
        let n = thousands(v.rereading);
        flash(state, format!("still re-reading {n} changed users"));
        return true;
    }
    if v.not_reread.is_empty() {
        return false;
    }
    let mut ids: Vec<String> = v.not_reread.iter().cloned().collect();
    ids.sort_unstable();
    v.rereading = ids.len();
    let n = thousands(ids.len());
    fx.push(Effect::Io(Request::RefreshUsers {
        account_id: v.account.account_id.clone(),
        gen_id: v.gen_id,
        user_ids: ids,
    }));
    flash(
        state,
        format!("re-reading the {n} changed users not re-read"),
    );
    true
}

/// The new PIN of a user: shown once in a dialog.
pub fn pin_reset(state: &mut State, batch_id: u64, email: String, pin: crate::model::Sensitive) {
    if state.batch.as_ref().map(|b| b.id) == Some(batch_id) {
        state.modals.push(Modal::Pin { email, pin });
    }
}

/// `n`, `R`, `l`, `D` on an account; `c`, `I` on the users: a one-line prompt.
pub fn open_prompt(state: &mut State, c: Command) {
    use crate::console::prompt::{Prompt, PromptKind};
    if state.read_only || state.admin.is_some() {
        return;
    }
    let account = match state.focus {
        Pane::Accounts => state.selected_account().cloned(),
        _ => state.users.as_ref().map(|v| v.account.clone()),
    };
    let id = account.as_ref().map(|a| a.account_id.clone());
    let name = account.as_ref().map(|a| a.name.clone());
    let prompt = match (c, id, account) {
        (Command::NewAccount, _, _) => Prompt::new(PromptKind::CreateAccount, ""),
        (Command::RenameAccount, Some(account_id), Some(a)) => {
            Prompt::new(PromptKind::RenameAccount { account_id }, &a.name)
        }
        (Command::DefaultLicense, Some(account_id), Some(a)) => Prompt::new(
            PromptKind::DefaultLicense {
                account_id,
                licenses: a.supported_licenses.clone().unwrap_or_default(),
            },
            a.default_license.as_ref().map(|l| l.as_str()).unwrap_or(""),
        ),
        (Command::DeleteAccount, Some(account_id), Some(a)) => Prompt::new(
            PromptKind::DeleteAccount {
                account_id,
                name: a.name.clone(),
            },
            "",
        ),
        (Command::CreateUser, Some(account_id), _) => {
            Prompt::new(PromptKind::CreateUser { account_id }, "")
        }
        (Command::Invite, Some(account_id), _) => {
            Prompt::new(PromptKind::Invite { account_id }, "")
        }
        (Command::AddGroups, Some(account_id), _) => {
            Prompt::new(PromptKind::AddGroups { account_id }, "")
        }
        (Command::RemoveGroups, Some(account_id), Some(a)) => {
            let names: Vec<&str> = a
                .signin_delegate_groups
                .iter()
                .flatten()
                .filter_map(|g| g.group_name.as_deref())
                .collect();
            Prompt::new(PromptKind::RemoveGroups { account_id }, &names.join(", "))
        }
        _ => return,
    };
    let prompt = Prompt {
        account: name.filter(|_| c != Command::NewAccount),
        ..prompt
    };
    state.modals.push(Modal::Prompt(Box::new(prompt)));
}

fn submit_prompt(state: &mut State, fx: &mut Vec<Effect>) {
    let Some(Modal::Prompt(p)) = state.modals.last_mut() else {
        return;
    };
    match p.op() {
        Err(why) => p.problem = Some(why),
        Ok(op) => {
            state.modals.pop();
            let gen_id = state.new_gen();
            state.admin = Some(gen_id);
            fx.push(Effect::Io(Request::Admin { gen_id, op }));
        }
    }
}

/// `T`: the settings of the account, or the telephony of the current user.
pub fn open_settings(state: &mut State, fx: &mut Vec<Effect>) {
    use crate::console::effect::SettingsTarget;
    use crate::console::settings::SettingsForm;
    if state.read_only || state.admin.is_some() {
        return;
    }
    let target = match state.focus {
        Pane::Accounts => match state.selected_account() {
            Some(a) => SettingsTarget::Account {
                account_id: a.account_id.clone(),
                name: a.name.clone(),
            },
            None => return,
        },
        _ => match &state.users {
            Some(v) => match v.selected_user() {
                Some(u) => SettingsTarget::User {
                    account_id: v.account.account_id.clone(),
                    user_id: u.user_id.clone(),
                    email: u.email().to_string(),
                },
                None => return,
            },
            None => return,
        },
    };
    let gen_id = state.new_gen();
    fx.push(Effect::Io(Request::LoadSettings {
        gen_id,
        target: target.clone(),
    }));
    let form = SettingsForm {
        target,
        gen_id,
        values: None,
        field: 0,
    };
    state.modals.push(Modal::Settings(Box::new(form)));
}

fn submit_settings(state: &mut State, fx: &mut Vec<Effect>) {
    use crate::console::effect::AdminOp;
    use crate::console::effect::SettingsTarget;
    use crate::console::settings::SettingsForm;
    let Some(Modal::Settings(f)) = state.modals.last() else {
        return;
    };
    let Some(values) = f.values.clone() else {
        return; // still reading the current settings
    };
    let op = match &f.target {
        SettingsTarget::Account { account_id, .. } => AdminOp::AccountSettings {
            account_id: account_id.clone(),
            settings: SettingsForm::account_settings(&values),
        },
        SettingsTarget::User {
            account_id,
            user_id,
            ..
        } => AdminOp::UserSettings {
            account_id: account_id.clone(),
            user_id: user_id.clone(),
            settings: SettingsForm::user_settings(&values),
        },
    };
    state.modals.pop();
    let gen_id = state.new_gen();
    state.admin = Some(gen_id);
    fx.push(Effect::Io(Request::Admin { gen_id, op }));
}
