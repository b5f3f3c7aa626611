//! Moving through the accounts and users: cursors, opening, paging, the
//! filter and its email look-up, marks, and the worker's answers.

use tui_input::InputRequest;

use crate::model::validate::is_email;
use crate::model::{Account, Operation, User};

use crate::client::pager::PageGuard;
use crate::client::{DEFAULT_LIST_LIMIT, OutcomeResult};
use crate::console::action::Failure;
use crate::console::effect::{Effect, Request, Term};
use crate::console::list::FilteredList;
use crate::console::state::{
    AccountsView, ErrorInfo, FilterInput, LOOKUP_DEBOUNCE, Lookup, Modal, PREFETCH_ROWS, Paging,
    Pane, RowResult, State, UserRow, UsersView,
};

use super::view::*;

/// The animation timer: whether it changed anything on screen.
pub(super) fn tick(state: &mut State) -> bool {
    let mut changed = false;
    if state.is_loading() {
        state.spinner = state.spinner.wrapping_add(1);
        changed = true;
    }
    if let Some(f) = &mut state.flash {
        f.ticks_left = f.ticks_left.saturating_sub(1);
        if f.ticks_left == 0 {
            state.flash = None;
            changed = true;
        }
    }
    changed
}

pub(super) fn focused_filter_mut(state: &mut State) -> Option<&mut FilterInput> {
    match state.focus {
        Pane::Accounts => Some(&mut state.accounts.filter),
        Pane::Users => state.users.as_mut().map(|u| &mut u.filter),
        Pane::Detail => None,
    }
}

pub(super) fn move_cursor(
    state: &mut State,
    f: impl FnOnce(&mut dyn CursorMove, usize),
    fx: &mut Vec<Effect>,
) {
    let (acc_rows, user_rows) = page_rows(state);
    match state.focus {
        Pane::Accounts => f(&mut state.accounts.list, acc_rows),
        Pane::Users | Pane::Detail => {
            if let Some(v) = &mut state.users {
                f(&mut v.list, user_rows);
            }
        }
    }
    scroll(state);
    load_more(state, fx);
}

/// Cursor movement over either list, whatever its row type.
pub trait CursorMove {
    fn move_by(&mut self, delta: isize);
    fn move_to(&mut self, pos: usize);
}

impl<T> CursorMove for FilteredList<T> {
    fn move_by(&mut self, delta: isize) {
        FilteredList::move_by(self, delta)
    }
    fn move_to(&mut self, pos: usize) {
        FilteredList::move_to(self, pos)
    }
}

pub(super) fn cycle_focus(state: &mut State, forward: bool) {
    let order: &[Pane] = if state.users.is_some() {
        &[Pane::Accounts, Pane::Users, Pane::Detail]
    } else {
        &[Pane::Accounts, Pane::Detail]
    };
    let i = order.iter().position(|p| *p == state.focus).unwrap_or(0);
    let n = order.len();
    let next = if forward {
        (i + 1) % n
    } else {
        (i + n - 1) % n
    };
    state.focus = order[next];
    scroll(state);
}

pub(super) fn open(state: &mut State, fx: &mut Vec<Effect>) {
    match state.focus {
        Pane::Accounts => {
            let Some(account) = state.selected_account().cloned() else {
                return;
            };
            let same = state
                .users
                .as_ref()
                .is_some_and(|u| u.account.account_id == account.account_id);
            if !same {
                let gen_id = state.new_gen();
                state.users = Some(new_users_view(account, gen_id));
                request_page(state, fx);
            }
            state.focus = Pane::Users;
            scroll(state);
        }
        Pane::Users => {
            if state
                .users
                .as_ref()
                .and_then(|u| u.list.selected())
                .is_some()
            {
                state.focus = Pane::Detail;
                scroll(state);
            }
        }
        Pane::Detail => {}
    }
}

fn new_users_view(account: Account, gen_id: u64) -> UsersView {
    UsersView {
        account,
        list: FilteredList::new(),
        by_id: Default::default(),
        filter: FilterInput::default(),
        gen_id,
        paging: Paging::Next(None),
        guard: PageGuard::new(Operation::ListUsers, DEFAULT_LIST_LIMIT),
        lookup: Lookup::Idle,
        marks: Default::default(),
        last_mark: None,
        mark_all_pending: false,
        results_shown: false,
        query: Default::default(),
        query_error: None,
        sort: None,
        counts: Default::default(),
        not_reread: Default::default(),
        reread_error: None,
        rereading: 0,
        maybe_kept: false,
        last_batch: None,
        filter_before_failed: None,
    }
}

pub(super) fn back(state: &mut State) {
    let focus = state.focus;
    if let Some(f) = focused_filter_mut(state)
        && f.is_active()
    {
        f.input.reset();
        f.editing = false;
        apply_filter(state, &mut Vec::new());
        return;
    }
    state.focus = match focus {
        Pane::Detail if state.users.is_some() => Pane::Users,
        _ => Pane::Accounts,
    };
    scroll(state);
}

pub(super) fn reload_accounts(state: &mut State, fx: &mut Vec<Effect>) {
    let gen_id = state.new_gen();
    let filter = std::mem::take(&mut state.accounts.filter);
    state.accounts = AccountsView {
        list: FilteredList::new(),
        filter,
        gen_id,
        loading: true,
        loaded: false,
        guard: PageGuard::new(Operation::ListAccounts, DEFAULT_LIST_LIMIT),
    };
    state.accounts.list.set_filter(state.accounts.filter.text());
    fx.push(Effect::Io(Request::LoadAccounts {
        gen_id,
        token: None,
    }));
}

pub(super) fn reload_users(state: &mut State, fx: &mut Vec<Effect>) {
    let gen_id = state.new_gen();
    let Some(old) = state.users.take() else {
        return;
    };
    let mut v = new_users_view(old.account, gen_id);
    v.filter = old.filter;
    v.marks = old.marks;
    super::select::set_sort(&mut v, old.sort);
    super::select::apply_filter(&mut v);
    state.user_counts.remove(&v.account.account_id);
    state.users = Some(v);
    request_page(state, fx);
    apply_filter(state, fx);
}

/// Asks for the next page of users unless one is in flight or all are here.
fn request_page(state: &mut State, fx: &mut Vec<Effect>) {
    let Some(v) = &mut state.users else { return };
    let Paging::Next(token) = &v.paging else {
        return; // in flight, or every page is here
    };
    let token = token.clone();
    v.paging = Paging::InFlight(token.clone());
    fx.push(Effect::Io(Request::LoadUsersPage {
        account_id: v.account.account_id.clone(),
        gen_id: v.gen_id,
        token,
    }));
}

/// One rule for loading more users: while a filter or "mark all" needs every
/// page, or the cursor is near the end of the loaded rows.
fn load_more(state: &mut State, fx: &mut Vec<Effect>) {
    let Some(v) = &state.users else { return };
    let near_end = v.list.cursor + PREFETCH_ROWS >= v.list.visible_len();
    let needs_all = !v.filter.text().is_empty() || v.mark_all_pending;
    if near_end || needs_all {
        request_page(state, fx);
    }
}

/// Pasted text: into the open text input (the filter line, a prompt's field,
/// the room ARN, the command line), cut at its limit; anywhere else it is
/// ignored with a notice. Never a key: it cannot confirm or apply anything.
/// The characters a pasted `email:` term may take after `current` (and the
/// space before it).
fn pasted_room(current: &str) -> usize {
    crate::console::textfield::INVITE_CHARS_MAX.saturating_sub(current.chars().count() + 1)
}

pub(super) fn paste(state: &mut State, text: &str, fx: &mut Vec<Effect>) {
    use crate::console::form::FormField;
    use crate::console::textfield::{FILTER_MAX, LINE_MAX, cut_notice, insert};
    let notice = match state.modals.last_mut() {
        Some(Modal::Prompt(p)) => p.paste(text),
        Some(Modal::Form(f)) if f.field == FormField::Room => {
            f.problem = None;
            insert(&mut f.room, text, LINE_MAX)
                .cut
                .then(|| cut_notice(LINE_MAX, "the room ARN"))
        }
        Some(_) => Some("paste ignored: no text field here".to_string()),
        None => {
            if let Some(c) = &mut state.cmdline {
                c.hint = None;
                insert(&mut c.input, text, LINE_MAX)
                    .cut
                    .then(|| cut_notice(LINE_MAX, "the command line"))
            } else {
                match focused_filter_mut(state) {
                    // A list of emails: one `email:a,b,c` term, as long as
                    // an invite list may be.
                    Some(f)
                        if f.editing
                            && let Some((term, kept, of)) =
                                crate::filter::emails_term(text, pasted_room(f.input.value())) =>
                    {
                        use crate::console::textfield::INVITE_CHARS_MAX;
                        let v = f.input.value();
                        let sep = if v.is_empty() || v.ends_with(' ') {
                            ""
                        } else {
                            " "
                        };
                        insert(&mut f.input, &format!("{sep}{term}"), INVITE_CHARS_MAX);
                        filter(state, When::AfterPause, fx);
                        (kept < of).then(|| {
                            format!(
                                "paste cut: {} of {} addresses kept, each whole (the filter takes {} characters)",
                                crate::console::text::thousands(kept),
                                crate::console::text::thousands(of),
                                crate::console::text::thousands(INVITE_CHARS_MAX)
                            )
                        })
                    }
                    Some(f) if f.editing => {
                        let r = insert(&mut f.input, text, FILTER_MAX);
                        if r.chars > 0 {
                            filter(state, When::AfterPause, fx);
                        }
                        r.cut.then(|| cut_notice(FILTER_MAX, "the filter"))
                    }
                    _ => Some("paste ignored: no text field open".to_string()),
                }
            }
        }
    };
    if let Some(n) = notice {
        flash(state, n);
    }
}

/// The limit of the input a typed character goes to, if it is full.
fn full(state: &State) -> Option<usize> {
    use crate::console::textfield::{FILTER_MAX, LINE_MAX, fits_one_more};
    let (input, max) = match state.modals.last() {
        Some(Modal::Prompt(p)) => {
            let i = match p.field {
                0 => &p.input,
                n => p.extra.get(n - 1).map_or(&p.input, |(_, i)| i),
            };
            (i, p.limit())
        }
        Some(Modal::Form(f)) if f.field == crate::console::form::FormField::Room => {
            (&f.room, LINE_MAX)
        }
        Some(_) => return None,
        None => match (&state.cmdline, state.focused_filter()) {
            (Some(c), _) => (&c.input, LINE_MAX),
            (None, Some(f)) => (&f.input, FILTER_MAX),
            (None, None) => return None,
        },
    };
    (!fits_one_more(input, max)).then_some(max)
}

pub(super) fn input(state: &mut State, req: InputRequest, fx: &mut Vec<Effect>) {
    if matches!(req, InputRequest::InsertChar(_))
        && let Some(max) = full(state)
    {
        flash(state, format!("this field holds at most {max} characters"));
        return;
    }
    if let Some(Modal::Form(form)) = state.modals.last_mut() {
        super::changes::form_input(form, req);
        return;
    }
    if let Some(Modal::Settings(f)) = state.modals.last_mut() {
        if req == InputRequest::InsertChar(' ') {
            f.toggle();
        }
        return;
    }
    if state.modals.is_empty()
        && let Some(c) = &mut state.cmdline
    {
        c.input.handle(req);
        c.hint = None;
        return;
    }
    if let Some(Modal::Help { scroll }) = state.modals.last_mut() {
        if state.help_search.editing {
            state.help_search.input.handle(req);
            *scroll = 0;
        }
        return;
    }
    if let Some(Modal::Prompt(p)) = state.modals.last_mut() {
        p.focused_mut().handle(req);
        p.problem = None;
        return;
    }
    let Some(f) = focused_filter_mut(state) else {
        return;
    };
    if !f.editing {
        return;
    }
    if f.input.handle(req).is_some_and(|c| c.value) {
        filter(state, When::AfterPause, fx);
    }
}

/// When a complete email typed as the users filter is looked up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum When {
    /// At once (`:filter`, a reload).
    Now,
    /// Once typing has paused for `LOOKUP_DEBOUNCE` (or on Enter).
    AfterPause,
}

/// Applies the focused pane's filter text to its rows; a complete email also
/// asks the service (`user-email`) at once unless every user is already loaded.
pub(super) fn apply_filter(state: &mut State, fx: &mut Vec<Effect>) {
    filter(state, When::Now, fx);
}

fn filter(state: &mut State, when: When, fx: &mut Vec<Effect>) {
    match state.focus {
        Pane::Accounts => {
            let text = state.accounts.filter.text().to_string();
            state.accounts.list.set_filter(&text);
        }
        Pane::Users | Pane::Detail => {
            let gen_id = state.new_gen();
            let Some(v) = &mut state.users else { return };
            super::select::apply_filter(v);
            let wanted = lookup_email(v);
            if matches!(v.lookup, Lookup::Due(_)) || v.lookup.email() != wanted.as_deref() {
                // A look-up in flight (if any) is for an older text: its answer
                // is stale; one due is asked again below if still needed.
                v.lookup = Lookup::Idle;
            }
            if needs_lookup(v) {
                match when {
                    When::Now => send_lookup(state, fx),
                    When::AfterPause => {
                        v.lookup = Lookup::Due(gen_id);
                        fx.push(Effect::Term(Term::Timer {
                            gen_id,
                            after: LOOKUP_DEBOUNCE,
                        }));
                    }
                }
            }
        }
    }
    scroll(state);
    load_more(state, fx);
}

/// The address the users filter names whole: an `email:` term, or a free
/// text that is a complete email. The service is asked for it (`UserEmail`)
/// rather than waiting for every page.
fn lookup_email(v: &UsersView) -> Option<String> {
    if let Some(e) = v.query.api_email() {
        return is_email(e).then(|| e.to_string());
    }
    match v.query.terms.as_slice() {
        [t] if !t.negated => match &t.cond {
            crate::filter::Cond::Text(text) if is_email(text) => Some(text.clone()),
            _ => None,
        },
        _ => None,
    }
}

/// The users filter names a whole email that is neither loaded nor asked
/// for yet, and not every page is here.
fn needs_lookup(v: &UsersView) -> bool {
    let Some(text) = lookup_email(v) else {
        return false;
    };
    let already_here = v
        .list
        .items()
        .iter()
        .any(|r| r.user.email().eq_ignore_ascii_case(&text));
    let asked = v.lookup.email() == Some(text.as_str());
    !v.paging.is_complete() && !already_here && !asked
}

/// Asks the service for the user whose email is the users filter (`user-email`).
pub(super) fn send_lookup(state: &mut State, fx: &mut Vec<Effect>) {
    let gen_id = state.new_gen();
    let Some(v) = &mut state.users else { return };
    if let Lookup::Due(_) = v.lookup {
        v.lookup = Lookup::Idle;
    }
    if !needs_lookup(v) {
        return;
    }
    let Some(text) = lookup_email(v) else {
        return;
    };
    v.lookup = Lookup::InFlight {
        email: text.clone(),
        gen_id,
    };
    fx.push(Effect::Io(Request::FindUserByEmail {
        account_id: v.account.account_id.clone(),
        gen_id,
        email: text.into(),
    }));
}

pub(super) fn mark_current(state: &mut State) {
    let Some(v) = &mut state.users else { return };
    let Some(i) = v.list.selected_index() else {
        return;
    };
    let id = v.list.items()[i].user.user_id.clone();
    if !v.marks.remove(&id) {
        v.marks.insert(id);
    }
    v.last_mark = Some(i);
    v.list.move_by(1);
    scroll(state);
}

pub(super) fn mark_range(state: &mut State) {
    let Some(v) = &mut state.users else { return };
    let cur = v.list.cursor;
    let from = v.last_mark.and_then(|m| v.list.position(m)).unwrap_or(cur);
    let (lo, hi) = (from.min(cur), from.max(cur));
    for pos in lo..=hi {
        if let Some(&i) = v.list.visible().get(pos) {
            v.marks.insert(v.list.items()[i].user.user_id.clone());
        }
    }
    v.last_mark = v.list.selected_index();
}

pub(super) fn mark_all(state: &mut State, fx: &mut Vec<Effect>) {
    let Some(v) = &mut state.users else { return };
    if let Some(e) = v.query_error.clone() {
        // The rows shown match an older text: marking them would select
        // what the filter line does not say.
        let fix = "fix it with / or clear it with esc";
        flash_or(
            state,
            format!("✗ nothing marked: the filter has an error ({e}); {fix}"),
            format!("✗ nothing marked: the filter has an error (see the filter line); {fix}"),
        );
        return;
    }
    mark_visible(v);
    if !v.paging.is_complete() {
        v.mark_all_pending = true;
        load_more(state, fx);
    } else {
        flash_marks(state);
    }
}

fn mark_visible(v: &mut UsersView) {
    for &i in v.list.visible() {
        v.marks.insert(v.list.items()[i].user.user_id.clone());
    }
}

pub(super) fn invert_marks(state: &mut State) {
    let Some(v) = &mut state.users else { return };
    for &i in v.list.visible() {
        let id = &v.list.items()[i].user.user_id;
        if !v.marks.remove(id) {
            v.marks.insert(id.clone());
        }
    }
}

pub(super) fn accounts_page(
    state: &mut State,
    gen_id: u64,
    accounts: Vec<Account>,
    next_token: Option<String>,
    fx: &mut Vec<Effect>,
) {
    if gen_id != state.accounts.gen_id {
        return; // stale
    }
    let next = state
        .accounts
        .guard
        .follow(next_token.as_deref(), accounts.len());
    state.accounts.list.extend(accounts.into_iter().map(|a| {
        let key = a.name.clone();
        (a, key)
    }));
    match next {
        Ok(Some(token)) => fx.push(Effect::Io(Request::LoadAccounts {
            gen_id,
            token: Some(token),
        })),
        Ok(None) => {
            state.accounts.loading = false;
            state.accounts.loaded = true;
        }
        // What came is shown; the list says it is incomplete.
        Err(e) => {
            state.accounts.loading = false;
            state
                .modals
                .push(Modal::Error(ErrorInfo::of("ListAccounts", &e)));
        }
    }
    scroll(state);
}

/// Adds users not loaded yet; returns how many were new.
fn add_users(v: &mut UsersView, users: Vec<User>) -> usize {
    let start = v.list.len();
    let mut fresh: Vec<UserRow> = Vec::with_capacity(users.len());
    for u in users {
        if v.by_id.contains_key(&u.user_id) {
            continue;
        }
        v.by_id.insert(u.user_id.clone(), start + fresh.len());
        fresh.push(UserRow {
            user: u,
            result: None,
            change: None,
            batch: None,
        });
    }
    let n = fresh.len();
    super::select::add_rows(v, fresh);
    n
}

pub(super) fn users_page(
    state: &mut State,
    gen_id: u64,
    account_id: &str,
    users: Vec<User>,
    next_token: Option<String>,
    fx: &mut Vec<Effect>,
) {
    let Some(v) = &mut state.users else { return };
    if v.gen_id != gen_id || v.account.account_id != account_id {
        return; // stale: another account or a reload since
    }
    let next = v.guard.follow(next_token.as_deref(), users.len());
    let first_new = v.list.len();
    add_users(v, users);
    if v.mark_all_pending {
        let ids: Vec<String> = (first_new..v.list.len())
            .filter(|&i| v.list.is_visible(i))
            .map(|i| v.list.items()[i].user.user_id.clone())
            .collect();
        v.marks.extend(ids);
    }
    let mut stopped = None;
    v.paging = match next {
        Ok(Some(t)) => Paging::Next(Some(t)),
        Ok(None) => Paging::Complete,
        Err(e) => {
            // Marking every match cannot finish: the marks made stay.
            v.mark_all_pending = false;
            stopped = Some(ErrorInfo::of(crate::model::Operation::ListUsers.name(), &e));
            Paging::Stopped
        }
    };
    if let Some(error) = stopped {
        state.modals.push(Modal::Error(error));
    }
    let mut done_marking = None;
    if v.paging.is_complete() {
        state
            .user_counts
            .insert(account_id.to_string(), v.list.len());
        if v.mark_all_pending {
            v.mark_all_pending = false;
            done_marking = Some(v.marks.len());
        }
    }
    if done_marking.is_some() {
        flash_marks(state);
    }
    super::changes::sync_form_targets(state);
    load_more(state, fx);
}

pub(super) fn users_found(
    state: &mut State,
    gen_id: u64,
    account_id: &str,
    email: &str,
    users: Vec<User>,
) {
    let Some(v) = &mut state.users else { return };
    if !v.lookup.awaits(gen_id) || v.account.account_id != account_id {
        return; // stale: the filter changed since
    }
    if let Lookup::InFlight { email, .. } = &v.lookup {
        v.lookup = Lookup::Done {
            email: email.clone(),
        };
    }
    let n = add_users(v, users);
    if n == 0 && v.list.visible_len() == 0 {
        flash(state, format!("no user with email {email}"));
    }
}

/// The email look-up's pause is over: it is sent if it is still due.
/// False if the timer is stale (nothing changes).
pub(super) fn timer(state: &mut State, gen_id: u64, fx: &mut Vec<Effect>) -> bool {
    let due = state
        .users
        .as_ref()
        .is_some_and(|v| v.lookup == Lookup::Due(gen_id));
    if due {
        send_lookup(state, fx);
    }
    due
}

/// A request failed: what waited for it stops, and the error is shown if
/// the request is still current.
pub(super) fn failed(state: &mut State, gen_id: u64, operation: &str, failure: &Failure) {
    let error = super::words::error_of(operation, failure);
    let mut current = false;
    if state.accounts.gen_id == gen_id && state.accounts.loading {
        state.accounts.loading = false;
        current = true;
    }
    if let Some(v) = &mut state.users {
        if v.gen_id == gen_id
            && let Paging::InFlight(token) = &v.paging
        {
            v.paging = Paging::Next(token.clone());
            v.mark_all_pending = false;
            current = true;
        }
        // The re-read after a change could not be sent at all (no client):
        // it is over, and ctrl-r may reload again.
        if v.gen_id == gen_id && v.rereading > 0 {
            v.rereading = 0;
            current = true;
        }
        if v.lookup.awaits(gen_id)
            && let Lookup::InFlight { email, .. } = &v.lookup
        {
            v.lookup = Lookup::Done {
                email: email.clone(),
            };
            current = true;
        }
    }
    if state.admin == Some(gen_id) {
        state.admin = None;
        current = true;
    }
    if let Some(b) = state.batch.clone()
        && b.id == gen_id
    {
        // The change was refused or could not be sent at all.
        state.batch = None;
        let mut unsent = Vec::new();
        if let Some(v) = &mut state.users {
            for r in v.list.items_mut() {
                if r.result == Some(RowResult::Pending) {
                    unsent.push(r.user.user_id.clone());
                    r.result = Some(RowResult::Done(OutcomeResult::Failed {
                        code: None,
                        message: format!("{}: {}", error.code, error.message),
                        request_id: error.request_id.clone(),
                    }));
                }
            }
        }
        super::changes::keep_failed(state, b.label, &b.account_id, unsent);
        current = true;
    }
    if current {
        state.modals.push(Modal::Error(error));
    }
}

/// Runs `f` on the users view, if one is open.
pub(super) fn with_users(state: &mut State, f: impl FnOnce(&mut UsersView)) {
    if let Some(v) = &mut state.users {
        f(v);
    }
    scroll(state);
}

/// `F`: only the users the last change failed for; again: back to the
/// filter you had.
pub(super) fn show_failed(state: &mut State, fx: &mut Vec<Effect>) {
    let Some(v) = &mut state.users else { return };
    let text = if v.filter.text().trim() == "result:failed" {
        v.filter_before_failed.take().unwrap_or_default()
    } else {
        v.filter_before_failed = Some(v.filter.text().to_string());
        "result:failed".to_string()
    };
    v.filter.input = tui_input::Input::new(text);
    v.filter.editing = false;
    filter(state, When::Now, fx);
}

/// `n` / `N`: the next / previous row that failed.
pub(super) fn jump_failed(state: &mut State, forward: bool) {
    let Some(v) = &mut state.users else { return };
    if !super::select::jump_failed(v, forward) {
        flash(state, "no failed user shown");
    }
    scroll(state);
}
