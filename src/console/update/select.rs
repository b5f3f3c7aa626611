//! Choosing users: the users pane's filter (the language of
//! [`crate::filter`]), its sort, its counts by license, and the moves between
//! failed rows. Plain functions over a [`UsersView`]; no IO.

use std::cmp::Ordering;
use std::collections::HashSet;

use crate::filter::{self, Filter, Outcome};
use crate::model::License;

use crate::client::OutcomeResult;
use crate::console::columns::UserCol;
use crate::console::state::{LicenseCounts, RowResult, Sort, UserRow, UsersView};

/// The last change's outcome on a row, as `result:` names it. A row still
/// being sent has none yet.
pub fn outcome(r: Option<&RowResult>) -> Option<Outcome> {
    match r? {
        RowResult::Pending => None,
        RowResult::Already => Some(Outcome::Already),
        RowResult::Done(r) => Some(match r {
            OutcomeResult::Ok { .. } => Outcome::Ok,
            OutcomeResult::Failed { .. } => Outcome::Failed,
            OutcomeResult::Unknown { .. } => Outcome::Unknown,
            OutcomeResult::NotSent => Outcome::NotSent,
        }),
    }
}

fn matches(q: &Filter, row: &UserRow, key: &str) -> bool {
    q.matches(&row.user, key, outcome(row.result.as_ref()))
}

/// Whether a row is shown under `q`: it matches, or its re-read after a
/// change failed (its values are not the service's, so no filter can say
/// it does not match: it stays, marked "not re-read").
fn shown(q: &Filter, not_reread: &HashSet<String>, row: &UserRow, key: &str) -> bool {
    (!not_reread.is_empty() && not_reread.contains(&row.user.user_id)) || matches(q, row, key)
}

/// Reads the filter text and shows the rows that match it. A text that
/// cannot be read leaves the rows as they were and says why
/// (`query_error`): a filter never silently matches nothing.
pub fn apply_filter(v: &mut UsersView) {
    let text = v.filter.text();
    let text = if v.filter.editing {
        filter::without_partial_field(text)
    } else {
        text
    };
    match filter::parse(text) {
        // The term is in the filter line already: only why it cannot be read.
        Err(e) => v.query_error = Some(e.message),
        Ok(q) => {
            v.query_error = None;
            if q == v.query && !v.maybe_kept {
                return;
            }
            // After a re-read any row may match or not: all are looked at.
            let narrows = q.narrows(&v.query) && !v.maybe_kept;
            let nr = &v.not_reread;
            v.list
                .filter_by(narrows, |row, key| shown(&q, nr, row, key));
            v.query = q;
            v.maybe_kept = false;
            recount(v);
        }
    }
}

/// Looks at every row again (their results changed).
pub fn refilter(v: &mut UsersView) {
    let (q, nr) = (&v.query, &v.not_reread);
    v.list.filter_by(false, |row, key| shown(q, nr, row, key));
    v.maybe_kept = false;
    recount(v);
}

/// The values of shown rows changed (re-read after a change) without the
/// filter being applied again: the rows stay, and those that no longer
/// match are counted as kept for their results.
pub fn refilter_kept(v: &mut UsersView) {
    v.maybe_kept = true;
    recount(v);
}

/// Results landed on some rows: a filter on results must see them.
pub fn results_changed(v: &mut UsersView) {
    if v.query.uses_results() {
        refilter(v);
    }
}

/// The key a row is filtered on: its email and display name.
pub fn key(row: &UserRow) -> String {
    filter::text_key(&row.user)
}

/// Adds rows (already known to be new), placed by the sort if there is one.
pub fn add_rows(v: &mut UsersView, rows: Vec<UserRow>) {
    let first = v.list.len();
    let (q, nr) = (&v.query, &v.not_reread);
    let keyed: Vec<(UserRow, String)> = rows
        .into_iter()
        .map(|r| {
            let k = key(&r);
            (r, k)
        })
        .collect();
    match v.sort {
        Some(s) => {
            let cmp = move |a: &UserRow, b: &UserRow| compare(s, a, b);
            v.list
                .extend_by(keyed, |row, key| shown(q, nr, row, key), Some(&cmp));
        }
        None => v
            .list
            .extend_by(keyed, |row, key| shown(q, nr, row, key), None),
    }
    for i in first..v.list.len() {
        if v.list.is_visible(i) {
            count(&mut v.counts, &v.list.items()[i]);
        }
    }
}

fn count(c: &mut LicenseCounts, row: &UserRow) {
    match row.user.license_type {
        Some(License::Pro) => c.pro += 1,
        Some(License::Plus) => c.plus += 1,
        Some(License::Basic) => c.basic += 1,
        Some(License::ProTrial) => c.trial += 1,
        _ => c.other += 1,
    }
}

/// Counts the shown rows again: those that match by license; those not
/// re-read after a change apart (their license is not known); and, after
/// a re-read changed values the filter was not applied to again, the
/// changed rows kept for their results that no longer match.
pub fn recount(v: &mut UsersView) {
    let mut c = LicenseCounts::default();
    for &i in v.list.visible() {
        let row = &v.list.items()[i];
        if v.not_reread.contains(&row.user.user_id) {
            c.not_reread += 1;
        } else if v.maybe_kept && !matches(&v.query, row, &key(row)) {
            c.kept += 1;
        } else {
            count(&mut c, row);
        }
    }
    v.counts = c;
}

/// ASCII case-insensitive order without allocating (emails are ASCII).
fn cmp_folded(a: &str, b: &str) -> Ordering {
    a.bytes()
        .map(|c| c.to_ascii_lowercase())
        .cmp(b.bytes().map(|c| c.to_ascii_lowercase()))
}

/// Where a row's result sorts: failures first, then not sent, then done.
fn result_rank(r: Option<&RowResult>) -> u8 {
    match r {
        Some(RowResult::Done(OutcomeResult::Failed { .. })) => 0,
        Some(RowResult::Done(OutcomeResult::Unknown { .. })) => 1,
        Some(RowResult::Done(OutcomeResult::NotSent)) => 2,
        Some(RowResult::Pending) => 3,
        Some(RowResult::Done(OutcomeResult::Ok { .. })) => 4,
        Some(RowResult::Already) => 5,
        None => 6,
    }
}

/// The order of two rows under a sort. Rows without a value come last.
pub fn compare(s: Sort, a: &UserRow, b: &UserRow) -> Ordering {
    let (x, y) = (&a.user, &b.user);
    let o = match s.key {
        UserCol::Email => cmp_folded(x.email(), y.email()),
        UserCol::Name => cmp_folded(x.display_name(), y.display_name()),
        UserCol::License => cmp_enum(
            x.license_type.as_ref().map(|l| l.as_str()),
            y.license_type.as_ref().map(|l| l.as_str()),
        ),
        UserCol::UserType => cmp_enum(
            x.user_type.as_ref().map(|l| l.as_str()),
            y.user_type.as_ref().map(|l| l.as_str()),
        ),
        UserCol::Registration => cmp_enum(
            x.user_registration_status.as_ref().map(|l| l.as_str()),
            y.user_registration_status.as_ref().map(|l| l.as_str()),
        ),
        UserCol::Invitation => cmp_enum(
            x.user_invitation_status.as_ref().map(|l| l.as_str()),
            y.user_invitation_status.as_ref().map(|l| l.as_str()),
        ),
        UserCol::A4b => (y.a4b_enabled() == Some(true)).cmp(&(x.a4b_enabled() == Some(true))),
        UserCol::Result => result_rank(a.result.as_ref()).cmp(&result_rank(b.result.as_ref())),
        // Sorts by nothing: the stable sort keeps the load order.
        UserCol::Mark => Ordering::Equal,
    };
    if s.descending { o.reverse() } else { o }
}

/// Present values in order, then absent ones.
fn cmp_enum(a: Option<&str>, b: Option<&str>) -> Ordering {
    match (a, b) {
        (Some(a), Some(b)) => a.cmp(b),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    }
}

/// Sorts by `key`; the same key again reverses the order.
pub fn sort_by(v: &mut UsersView, key: UserCol) {
    let descending = v.sort.is_some_and(|s| s.key == key && !s.descending);
    set_sort(v, Some(Sort { key, descending }));
}

/// `o`: the next column (email, name, license, …, result), then the load
/// order again.
pub fn cycle_sort(v: &mut UsersView) {
    let next = match v.sort {
        None => UserCol::sortable().next(),
        Some(s) => UserCol::sortable().skip_while(|&c| c != s.key).nth(1),
    };
    set_sort(
        v,
        next.map(|key| Sort {
            key,
            descending: false,
        }),
    );
}

pub fn set_sort(v: &mut UsersView, sort: Option<Sort>) {
    v.sort = sort;
    match sort {
        Some(s) => v.list.sort_by(|a, b| compare(s, a, b)),
        None => v.list.unsort(),
    }
}

fn is_failed(row: &UserRow) -> bool {
    matches!(
        row.result,
        Some(RowResult::Done(OutcomeResult::Failed { .. }))
    )
}

/// `n` / `N`: moves the cursor to the next (or previous) shown row that
/// failed, wrapping around. False when no shown row failed.
pub fn jump_failed(v: &mut UsersView, forward: bool) -> bool {
    let vis = v.list.visible();
    let n = vis.len();
    if n == 0 {
        return false;
    }
    let cur = v.list.cursor.min(n - 1);
    let found = (1..=n)
        .map(|k| {
            if forward {
                (cur + k) % n
            } else {
                (cur + n - k % n) % n
            }
        })
        .find(|&pos| is_failed(&v.list.items()[vis[pos]]));
    match found {
        Some(pos) => {
            v.list.move_to(pos);
            true
        }
        None => false,
    }
}

/// The ids of every loaded row that failed in the last change.
pub fn failed_ids(v: &UsersView) -> Vec<String> {
    v.list
        .items()
        .iter()
        .filter(|r| is_failed(r))
        .map(|r| r.user.user_id.clone())
        .collect()
}
