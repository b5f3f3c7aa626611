//! `update` without a terminal or a network: feed actions, assert state and effects.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use tui_input::InputRequest;

use chime_admin::client::{ApiError, ApiErrorKind, OutcomeResult};
use chime_admin::console::action::{
    Action, AdminOutcome, Failure, ProfileFailure, RereadFailure, Settings,
};
use chime_admin::console::command::Command;
use chime_admin::console::effect::{Effect, Request, Term};
use chime_admin::console::keymap;
use chime_admin::console::keys::KeyContext;
use chime_admin::console::state::{
    BatchRun, LOOKUP_DEBOUNCE, Modal, Mode, PAGE_SIZE, Paging, Pane, RowResult, State,
};
use chime_admin::console::theme::Theme;
use chime_admin::console::ui::status::{key_context, rows_status};
use chime_admin::console::update::{start, update};
use chime_admin::model::{Account, AccountType, License, TelephonySettings, User, UserSettings};

mod support;
use support::planner::answer_plans;

fn account(i: usize) -> Account {
    Account {
        aws_account_id: "123456789012".into(),
        account_id: format!("acc-{i}"),
        name: format!("Account {i}"),
        account_type: Some(AccountType::EnterpriseLWA),
        default_license: Some(License::Pro),
        supported_licenses: Some(vec![License::Basic, License::Plus, License::Pro]),
        ..Default::default()
    }
}

fn user(i: usize) -> User {
    User {
        user_id: format!("u-{i:05}"),
        account_id: Some("acc-0".into()),
        primary_email: Some(format!("user{i:05}@example.com").into()),
        display_name: Some(format!("User {i}").into()),
        license_type: Some(License::Pro),
        personal_pin: Some("1234567890".into()),
        ..Default::default()
    }
}

fn users(range: std::ops::Range<usize>) -> Vec<User> {
    range.map(user).collect()
}

/// One command; a plan it asks for is read from the rows on screen.
fn cmd(s: &mut State, c: Command) -> Vec<Effect> {
    let fx = update(s, Action::Cmd(c));
    answer_plans(s, fx)
}

fn type_text(s: &mut State, text: &str) -> Vec<Effect> {
    let mut fx = Vec::new();
    for c in text.chars() {
        fx.extend(update(s, Action::Input(InputRequest::InsertChar(c))));
    }
    fx
}

/// A state with accounts loaded and the first account's users view open
/// (first page requested, not answered). Returns the users generation.
fn opened() -> (State, u64) {
    let mut s = State::new("http://127.0.0.1:1", false, Theme::default());
    update(
        &mut s,
        Action::Resize {
            width: 120,
            height: 40,
        },
    );
    let fx = start(&mut s);
    let Effect::Io(Request::LoadAccounts {
        gen_id,
        token: None,
    }) = fx[0].clone()
    else {
        panic!("expected LoadAccounts, got {fx:?}")
    };
    update(
        &mut s,
        Action::AccountsPage {
            gen_id,
            accounts: (0..3).map(account).collect(),
            next_token: None,
        },
    );
    let fx = cmd(&mut s, Command::Open);
    assert_eq!(s.focus, Pane::Users);
    match &fx[..] {
        [
            Effect::Io(Request::LoadUsersPage {
                account_id,
                gen_id,
                token: None,
            }),
        ] => {
            assert_eq!(account_id, "acc-0");
            (s, *gen_id)
        }
        other => panic!("expected one LoadUsersPage, got {other:?}"),
    }
}

fn page(gen_id: u64, range: std::ops::Range<usize>, next: Option<&str>) -> Action {
    Action::UsersPage {
        gen_id,
        account_id: "acc-0".into(),
        users: users(range),
        next_token: next.map(String::from),
    }
}

/// The worker's answer: request `gen_id` (an `op`) failed with a 503.
fn failed(gen_id: u64, op: &str) -> Action {
    Action::Failed {
        gen_id,
        operation: op.into(),
        error: Failure::Api(ApiError {
            kind: ApiErrorKind::Service {
                exception: "ServiceUnavailableException".into(),
                code: None,
            },
            message: "try later".into(),
            request_id: Some("req-1".into()),
            status: Some(503),
        }),
    }
}

#[test]
fn accounts_follow_next_token_then_stop() {
    let mut s = State::new("e", false, Theme::default());
    let fx = start(&mut s);
    assert!(s.accounts.loading);
    let Effect::Io(Request::LoadAccounts { gen_id, .. }) = fx[0].clone() else {
        panic!()
    };
    let fx = update(
        &mut s,
        Action::AccountsPage {
            gen_id,
            accounts: vec![account(0)],
            next_token: Some("t".into()),
        },
    );
    assert_eq!(
        fx,
        vec![Effect::Io(Request::LoadAccounts {
            gen_id,
            token: Some("t".into())
        })]
    );
    let fx = update(
        &mut s,
        Action::AccountsPage {
            gen_id,
            accounts: vec![account(1)],
            next_token: None,
        },
    );
    assert!(fx.is_empty());
    assert!(!s.accounts.loading && s.accounts.loaded);
    assert_eq!(s.accounts.list.len(), 2);
    assert_eq!(
        s.selected_account().map(|a| a.account_id.as_str()),
        Some("acc-0")
    );
}

#[test]
fn users_page_on_demand_as_the_cursor_nears_the_end() {
    let (mut s, g) = opened();
    let fx = update(&mut s, page(g, 0..PAGE_SIZE as usize, Some("t1")));
    assert!(
        fx.is_empty(),
        "cursor at the top: no prefetch yet, got {fx:?}"
    );
    assert_eq!(s.users.as_ref().map(|v| v.list.len()), Some(200));
    assert_eq!(rows_status(&s), "200 users · 200 loaded, more exist");

    // Moving down a little does not ask; nearing the end does, once.
    let fx = cmd(&mut s, Command::Down);
    assert!(fx.is_empty());
    let fx = cmd(&mut s, Command::PageDown);
    assert!(fx.is_empty(), "{fx:?}");
    let fx = cmd(&mut s, Command::Bottom);
    assert_eq!(
        fx,
        vec![Effect::Io(Request::LoadUsersPage {
            account_id: "acc-0".into(),
            gen_id: g,
            token: Some("t1".into())
        })]
    );
    assert!(
        cmd(&mut s, Command::Up).is_empty(),
        "one page in flight at a time"
    );

    let fx = update(&mut s, page(g, 200..400, Some("t2")));
    // The cursor (199) is still within PREFETCH_ROWS of 400? 199 + 100 < 400: no.
    assert!(fx.is_empty(), "{fx:?}");
    let fx = cmd(&mut s, Command::Bottom);
    assert_eq!(fx.len(), 1);
    let fx = update(&mut s, page(g, 400..450, None));
    assert!(fx.is_empty());
    let v = s.users.as_ref().expect("view");
    assert_eq!(v.paging, Paging::Complete);
    assert_eq!(rows_status(&s), "450 users · all 450 loaded");
    assert_eq!(s.user_counts.get("acc-0"), Some(&450));
    assert!(
        cmd(&mut s, Command::Bottom).is_empty(),
        "nothing more to load"
    );
    assert_eq!(s.users.as_ref().map(|v| v.list.cursor), Some(449));
}

#[test]
fn page_cursor_is_clamped_and_scroll_keeps_it_on_screen() {
    let (mut s, g) = opened();
    update(&mut s, page(g, 0..150, None));
    for _ in 0..10 {
        cmd(&mut s, Command::PageDown);
    }
    let v = s.users.as_ref().expect("view");
    assert_eq!(v.list.cursor, 149);
    assert!(v.list.offset <= 149 && v.list.offset + 40 > 149);
    cmd(&mut s, Command::Top);
    let v = s.users.as_ref().expect("view");
    assert_eq!((v.list.cursor, v.list.offset), (0, 0));
}

#[test]
fn stale_pages_are_dropped_after_reload_or_another_account() {
    let (mut s, g) = opened();
    update(&mut s, page(g, 0..200, Some("t1")));
    // Reload: a new generation; the first page is asked for again.
    let fx = cmd(&mut s, Command::Reload);
    let [
        Effect::Io(Request::LoadUsersPage {
            gen_id: g2,
            token: None,
            ..
        }),
    ] = fx[..]
    else {
        panic!("{fx:?}")
    };
    assert_ne!(g, g2);
    assert_eq!(s.users.as_ref().map(|v| v.list.len()), Some(0));
    // An answer to the old generation changes nothing.
    update(&mut s, page(g, 200..400, None));
    assert_eq!(s.users.as_ref().map(|v| v.list.len()), Some(0));
    assert!(!s.users.as_ref().expect("view").paging.is_complete());
    update(&mut s, page(g2, 0..10, None));
    assert_eq!(s.users.as_ref().map(|v| v.list.len()), Some(10));

    // Another account: answers for the first are dropped.
    s.focus = Pane::Accounts;
    cmd(&mut s, Command::Down);
    let fx = cmd(&mut s, Command::Open);
    let [
        Effect::Io(Request::LoadUsersPage {
            ref account_id,
            gen_id: g3,
            ..
        }),
    ] = fx[..]
    else {
        panic!("{fx:?}")
    };
    assert_eq!(account_id, "acc-1");
    update(&mut s, page(g2, 10..20, None));
    assert_eq!(s.users.as_ref().map(|v| v.list.len()), Some(0));
    update(
        &mut s,
        Action::UsersPage {
            gen_id: g3,
            account_id: "acc-1".into(),
            users: users(0..3),
            next_token: None,
        },
    );
    assert_eq!(s.users.as_ref().map(|v| v.list.len()), Some(3));
}

#[test]
fn filter_narrows_at_once_and_keeps_loading_in_the_background() {
    let (mut s, g) = opened();
    update(&mut s, page(g, 0..200, Some("t1")));
    assert!(cmd(&mut s, Command::Filter).is_empty());
    assert_eq!(s.mode(), Mode::FilterInput);
    let fx = type_text(&mut s, "5@EXAMPLE");
    // Emails ending in 5: 20 of the first 200, case-insensitive.
    let v = s.users.as_ref().expect("view");
    assert_eq!(v.list.visible_len(), 20, "case-insensitive substring");
    assert_eq!(
        fx,
        vec![Effect::Io(Request::LoadUsersPage {
            account_id: "acc-0".into(),
            gen_id: g,
            token: Some("t1".into())
        })],
        "a filter over partial data loads the rest"
    );
    assert_eq!(
        rows_status(&s),
        "matching 20 of 200 loaded · more exist, loading…"
    );
    // The filtered list grows as pages arrive, and the next page is asked for.
    let fx = update(&mut s, page(g, 200..400, Some("t2")));
    assert_eq!(fx.len(), 1);
    assert_eq!(s.users.as_ref().map(|v| v.list.visible_len()), Some(40));
    let fx = update(&mut s, page(g, 1000..1200, None));
    assert!(fx.is_empty());
    assert_eq!(s.users.as_ref().map(|v| v.list.visible_len()), Some(60));
    assert_eq!(rows_status(&s), "matching 60 of 600 users");

    // Enter keeps the filter.
    cmd(&mut s, Command::Submit);
    assert_eq!(s.mode(), Mode::Normal);
    assert_eq!(s.users.as_ref().map(|v| v.list.visible_len()), Some(60));
    // Another text (not a narrowing of the old one) is matched against every row.
    cmd(&mut s, Command::Filter);
    update(&mut s, Action::Input(InputRequest::DeleteLine));
    type_text(&mut s, "user0001");
    assert_eq!(s.users.as_ref().map(|v| v.list.visible_len()), Some(10));
    // Esc clears it.
    cmd(&mut s, Command::Back);
    assert_eq!(s.mode(), Mode::Normal);
    assert_eq!(s.users.as_ref().map(|v| v.list.visible_len()), Some(600));
    assert_eq!(
        s.focus,
        Pane::Users,
        "Esc with a filter clears it, not the pane"
    );
}

fn lookups(fx: &[Effect]) -> Vec<(u64, String)> {
    fx.iter()
        .filter_map(|e| match e {
            Effect::Io(Request::FindUserByEmail { gen_id, email, .. }) => {
                Some((*gen_id, email.expose().to_string()))
            }
            _ => None,
        })
        .collect()
}

fn timers(fx: &[Effect]) -> Vec<u64> {
    fx.iter()
        .filter_map(|e| match e {
            Effect::Term(Term::Timer { gen_id, after }) => {
                assert_eq!(*after, LOOKUP_DEBOUNCE);
                Some(*gen_id)
            }
            _ => None,
        })
        .collect()
}

/// Every timer asked for fires, in order (the run loop keeps only the
/// last, but update must not rely on it).
fn fire(s: &mut State, timers: &[u64]) -> Vec<Effect> {
    let mut fx = Vec::new();
    for &gen_id in timers {
        fx.extend(update(s, Action::Timer { gen_id }));
    }
    fx
}

#[test]
fn typing_a_whole_email_quickly_sends_one_lookup_after_the_pause() {
    let (mut s, g) = opened();
    update(&mut s, page(g, 0..200, Some("t1")));
    cmd(&mut s, Command::Filter);
    let fx = type_text(&mut s, "user04321@example.com");
    // "…@example.c" is already a complete email by the model's pattern, but
    // nothing is sent while typing: each email-looking text asks for a timer.
    assert!(lookups(&fx).is_empty(), "{fx:?}");
    let t = timers(&fx);
    assert_eq!(t.len(), 3, "…@example.c, …co, …com: {t:?}");
    let fx = fire(&mut s, &t);
    assert_eq!(
        lookups(&fx).into_iter().map(|(_, e)| e).collect::<Vec<_>>(),
        ["user04321@example.com"],
        "{fx:?}"
    );
    // A late timer of an older text does nothing either.
    assert!(fire(&mut s, &t).is_empty());
}

#[test]
fn enter_sends_the_lookup_at_once_and_the_timer_then_does_nothing() {
    let (mut s, g) = opened();
    update(&mut s, page(g, 0..200, Some("t1")));
    cmd(&mut s, Command::Filter);
    let t = timers(&type_text(&mut s, "user04321@example.com"));
    let fx = cmd(&mut s, Command::Submit);
    assert_eq!(s.mode(), Mode::Normal);
    assert_eq!(
        lookups(&fx).into_iter().map(|(_, e)| e).collect::<Vec<_>>(),
        ["user04321@example.com"],
        "{fx:?}"
    );
    assert!(lookups(&fire(&mut s, &t)).is_empty());
    // Enter on a text that is not an email sends nothing.
    cmd(&mut s, Command::Back);
    cmd(&mut s, Command::Filter);
    type_text(&mut s, "user04");
    assert!(lookups(&cmd(&mut s, Command::Submit)).is_empty());
}

#[test]
fn a_complete_email_asks_the_service_and_stale_lookups_are_dropped() {
    let (mut s, g) = opened();
    update(&mut s, page(g, 0..200, Some("t1")));
    cmd(&mut s, Command::Filter);
    let t = timers(&type_text(&mut s, "user04321@example.co"));
    let fx = fire(&mut s, &t);
    let [(stale_gen, email)] = &lookups(&fx)[..] else {
        panic!("{fx:?}")
    };
    assert_eq!(email, "user04321@example.co");
    let stale_gen = *stale_gen;
    // Typing on makes that look-up stale at once, before the next is sent.
    let t = timers(&type_text(&mut s, "m"));
    assert!(!s.users.as_ref().expect("view").lookup.in_flight());
    let fx = fire(&mut s, &t);
    let Some(Effect::Io(Request::FindUserByEmail {
        gen_id,
        email,
        account_id,
    })) = fx
        .iter()
        .find(|e| matches!(e, Effect::Io(Request::FindUserByEmail { .. })))
        .cloned()
    else {
        panic!("{fx:?}")
    };
    assert_eq!(
        (email.expose(), account_id.as_str()),
        ("user04321@example.com", "acc-0")
    );
    // The answer for the older text is dropped.
    update(
        &mut s,
        Action::UsersFound {
            gen_id: stale_gen,
            account_id: "acc-0".into(),
            email: "x".into(),
            users: vec![user(9999)],
        },
    );
    assert_eq!(s.users.as_ref().map(|v| v.list.len()), Some(200));
    update(
        &mut s,
        Action::UsersFound {
            gen_id,
            account_id: "acc-0".into(),
            email,
            users: vec![user(4321)],
        },
    );
    let v = s.users.as_ref().expect("view");
    assert_eq!(v.list.visible_len(), 1);
    assert_eq!(
        v.selected_user().map(|u| u.user_id.as_str()),
        Some("u-04321")
    );
    // When its page arrives later it is not added twice.
    update(&mut s, page(g, 4200..4400, None));
    let v = s.users.as_ref().expect("view");
    assert_eq!((v.list.len(), v.list.visible_len()), (400, 1));
    // A loaded exact match needs no look-up.
    let fx = type_text(&mut s, "");
    assert!(fx.is_empty());
}

#[test]
fn focus_cycles_and_esc_goes_back() {
    let mut s = State::new("e", false, Theme::default());
    assert_eq!(s.focus, Pane::Accounts);
    cmd(&mut s, Command::NextPane);
    assert_eq!(
        s.focus,
        Pane::Detail,
        "without users open: accounts ↔ detail"
    );
    cmd(&mut s, Command::NextPane);
    assert_eq!(s.focus, Pane::Accounts);
    let (mut s, g) = opened();
    update(&mut s, page(g, 0..5, None));
    cmd(&mut s, Command::NextPane);
    assert_eq!(s.focus, Pane::Detail);
    cmd(&mut s, Command::NextPane);
    assert_eq!(s.focus, Pane::Accounts);
    cmd(&mut s, Command::PrevPane);
    assert_eq!(s.focus, Pane::Detail);
    cmd(&mut s, Command::Back);
    assert_eq!(s.focus, Pane::Users);
    cmd(&mut s, Command::Open);
    assert_eq!(s.focus, Pane::Detail, "enter on a user shows its detail");
    cmd(&mut s, Command::Back);
    cmd(&mut s, Command::Back);
    assert_eq!(s.focus, Pane::Accounts);
    // Opening the same account again keeps its loaded rows and asks nothing.
    assert!(cmd(&mut s, Command::Open).is_empty());
    assert_eq!(s.users.as_ref().map(|v| v.list.len()), Some(5));
}

#[test]
fn errors_show_dismiss_and_stale_errors_are_ignored() {
    let (mut s, g) = opened();
    update(
        &mut s,
        Action::Retrying {
            operation: "ListUsers".into(),
            attempt: 2,
            throttled: true,
        },
    );
    assert_eq!(
        s.retrying.as_deref(),
        Some("throttled, retrying (ListUsers, attempt 2)")
    );
    update(
        &mut s,
        Action::Retrying {
            operation: "ListUsers".into(),
            attempt: 3,
            throttled: false,
        },
    );
    assert_eq!(
        s.retrying.as_deref(),
        Some("transient error, retrying (ListUsers, attempt 3)")
    );
    update(&mut s, failed(g + 100, "ListUsers"));
    assert!(
        s.modals.is_empty(),
        "an error for a request nobody waits for is not shown"
    );
    update(&mut s, failed(g, "ListUsers"));
    assert!(matches!(&s.modals[..], [Modal::Error(e)]
        if e.operation == "ListUsers"
            && e.code == "ServiceUnavailableException"
            && e.message == "try later"
            && e.request_id.as_deref() == Some("req-1")
            && e.hint.as_deref() == Some("the service failed: ctrl-r to try again")));
    assert_eq!(s.mode(), Mode::Dialog);
    assert!(!s.is_loading());
    // Keys other than dismiss do nothing under the dialog.
    cmd(&mut s, Command::Down);
    cmd(&mut s, Command::Quit);
    assert!(!s.quit && s.modals.len() == 1);
    cmd(&mut s, Command::Back);
    assert!(s.modals.is_empty());
    // The page can be asked for again; a success clears "retrying".
    let fx = cmd(&mut s, Command::Down);
    assert_eq!(fx.len(), 1, "{fx:?}");
    update(
        &mut s,
        Action::Retrying {
            operation: "ListUsers".into(),
            attempt: 1,
            throttled: true,
        },
    );
    update(&mut s, page(g, 0..3, None));
    assert_eq!(s.retrying, None);
}

#[test]
fn quit_asks_while_a_change_runs_and_ctrl_c_always_quits() {
    let mut s = State::new("e", false, Theme::default());
    cmd(&mut s, Command::Quit);
    assert!(s.quit);
    let mut s = State::new("e", false, Theme::default());
    s.batch = Some(BatchRun {
        id: 99,
        verb: "Updating",
        label: chime_admin::console::form::ChangeLabel::of(None, &[]),
        account_id: "acc-0".into(),
        total: 10,
        done: 0,
        failed: 0,
        already: 0,
        elapsed_ms: 0,
        cancelling: false,
    });
    cmd(&mut s, Command::Quit);
    assert!(!s.quit);
    assert!(matches!(&s.modals[..], [Modal::ConfirmQuit]));
    // Enter is Cancel: it stays.
    cmd(&mut s, Command::Submit);
    assert!(!s.quit && s.modals.is_empty());
    cmd(&mut s, Command::Quit);
    cmd(&mut s, Command::Back);
    assert!(!s.quit && s.modals.is_empty());
    cmd(&mut s, Command::Quit);
    cmd(&mut s, Command::Yes);
    assert!(s.quit);
    let mut s = State::new("e", false, Theme::default());
    s.modals.push(Modal::Help { scroll: 0 });
    cmd(&mut s, Command::ForceQuit);
    assert!(s.quit);
}

#[test]
fn help_scrolls_no_further_than_its_last_line() {
    let (mut s, _) = opened();
    update(
        &mut s,
        Action::Resize {
            width: 80,
            height: 24,
        },
    );
    s.modals.push(Modal::Help { scroll: 0 });
    let end = chime_admin::console::help::max_scroll(&s);
    assert!(end > 0, "the help is longer than 24 lines");
    for _ in 0..end + 50 {
        cmd(&mut s, Command::Down);
    }
    assert!(matches!(s.modals[..], [Modal::Help { scroll }] if scroll == end));
    // One key back up moves it at once.
    cmd(&mut s, Command::Up);
    assert!(matches!(s.modals[..], [Modal::Help { scroll }] if scroll == end - 1));
}

#[test]
fn marks_survive_paging_and_filtering() {
    let (mut s, g) = opened();
    update(&mut s, page(g, 0..200, Some("t1")));
    cmd(&mut s, Command::Mark);
    cmd(&mut s, Command::Mark);
    let v = s.users.as_ref().expect("view");
    assert_eq!(v.marks.len(), 2);
    assert_eq!(v.list.cursor, 2, "space moves down");
    // Unmark the second, then V marks the range from the last mark (row 1) to row 5.
    cmd(&mut s, Command::Up);
    cmd(&mut s, Command::Mark);
    assert_eq!(s.users.as_ref().map(|v| v.marks.len()), Some(1));
    for _ in 0..3 {
        cmd(&mut s, Command::Down);
    }
    cmd(&mut s, Command::MarkRange);
    assert_eq!(
        s.users.as_ref().map(|v| v.marks.len()),
        Some(6),
        "rows 0..=5"
    );
    // Filtering hides some marks but keeps them.
    cmd(&mut s, Command::Filter);
    type_text(&mut s, "user0019");
    let v = s.users.as_ref().expect("view");
    assert_eq!(v.marks.len(), 6);
    assert_eq!(v.hidden_marks(), 6);
    // Invert marks the 10 shown; clear removes all.
    cmd(&mut s, Command::Submit);
    cmd(&mut s, Command::InvertMarks);
    assert_eq!(
        s.users.as_ref().map(|v| (v.marks.len(), v.hidden_marks())),
        Some((16, 6))
    );
    cmd(&mut s, Command::ClearMarks);
    assert_eq!(s.users.as_ref().map(|v| v.marks.len()), Some(0));
}

#[test]
fn mark_all_loads_the_remaining_pages_first() {
    let (mut s, g) = opened();
    update(&mut s, page(g, 0..200, Some("t1")));
    cmd(&mut s, Command::Filter);
    type_text(&mut s, "5@");
    cmd(&mut s, Command::Submit);
    // The filter already asked for page 2; answer it, then mark all.
    let fx = update(&mut s, page(g, 200..400, Some("t2")));
    assert_eq!(fx.len(), 1);
    let fx = cmd(&mut s, Command::MarkAll);
    assert!(fx.is_empty(), "page 3 already in flight");
    assert_eq!(s.users.as_ref().map(|v| v.marks.len()), Some(40));
    update(&mut s, page(g, 1000..1200, None));
    let v = s.users.as_ref().expect("view");
    assert_eq!(
        v.marks.len(),
        60,
        "rows matching the filter that arrive later are marked"
    );
    assert!(v.marks.contains("u-01005") && !v.marks.contains("u-01006"));
    assert_eq!(s.flash.as_ref().map(|f| f.text.as_str()), Some("60 marked"));
}

#[test]
fn ticks_animate_only_while_loading_and_expire_flash() {
    let (mut s, g) = opened();
    assert!(s.animating());
    update(&mut s, page(g, 0..3, None));
    assert!(!s.animating(), "idle: nothing to animate");
    s.dirty = false;
    update(&mut s, Action::Tick);
    assert!(!s.dirty, "a tick while idle draws nothing");
    update(&mut s, Action::Timer { gen_id: 999 });
    assert!(!s.dirty, "a timer nothing waits for draws nothing");
    // Every other action asks for a frame, even one that turns out stale.
    update(&mut s, failed(999, "ListUsers"));
    assert!(
        s.dirty,
        "update marks the screen for every action but the idle timers"
    );
    assert!(s.modals.is_empty(), "a stale failure shows nothing");
}

fn key(code: KeyCode, mods: KeyModifiers) -> KeyEvent {
    KeyEvent::new(code, mods)
}

#[test]
fn the_registry_dispatches_by_mode() {
    let (mut s, g) = opened();
    update(&mut s, page(g, 0..3, None));
    let ctx = key_context(&s);
    let k = |c, m| keymap::command_for(ctx, &key(c, m));
    assert_eq!(
        k(KeyCode::Char('j'), KeyModifiers::NONE),
        Some(Command::Down)
    );
    assert_eq!(
        k(KeyCode::Char('G'), KeyModifiers::SHIFT),
        Some(Command::Bottom)
    );
    assert_eq!(
        k(KeyCode::BackTab, KeyModifiers::SHIFT),
        Some(Command::PrevPane)
    );
    assert_eq!(
        k(KeyCode::Char('r'), KeyModifiers::CONTROL),
        Some(Command::Reload)
    );
    assert_eq!(
        k(KeyCode::Char(' '), KeyModifiers::NONE),
        Some(Command::Mark)
    );
    assert_eq!(k(KeyCode::Char('x'), KeyModifiers::NONE), None);
    // In the filter input, letters are text and Esc/Enter close it.
    cmd(&mut s, Command::Filter);
    let ctx = key_context(&s);
    assert_eq!(
        keymap::command_for(ctx, &key(KeyCode::Char('j'), KeyModifiers::NONE)),
        None
    );
    assert_eq!(
        keymap::command_for(ctx, &key(KeyCode::Enter, KeyModifiers::NONE)),
        Some(Command::Submit)
    );
    assert_eq!(
        keymap::command_for(ctx, &key(KeyCode::Char('c'), KeyModifiers::CONTROL)),
        Some(Command::ForceQuit)
    );
    // Marks only in the users pane.
    let accounts = KeyContext {
        users_focused: false,
        ..key_context(&s)
    };
    let accounts = KeyContext {
        mode: Mode::Normal,
        ..accounts
    };
    assert_eq!(
        keymap::command_for(accounts, &key(KeyCode::Char(' '), KeyModifiers::NONE)),
        None
    );
    // The footer comes from the same table.
    let footer = keymap::footer(key_context(&s));
    assert!(footer.iter().any(|(k, _)| *k == "enter"), "{footer:?}");
}

// ---------------------------------------------------------------- changes (issue 6)

use chime_admin::console::form::{Change, FormField};
use chime_admin::model::{ErrorCode, UserType};

/// Users 0..10 open; users 3 and 4 are already Basic.
fn opened_mixed() -> (State, u64) {
    let (mut s, g) = opened();
    let mut us = users(0..10);
    us[3].license_type = Some(License::Basic);
    us[4].license_type = Some(License::Basic);
    update(
        &mut s,
        Action::UsersPage {
            gen_id: g,
            account_id: "acc-0".into(),
            users: us,
            next_token: None,
        },
    );
    (s, g)
}

fn form(s: &State) -> &chime_admin::console::form::ChangeForm {
    match s.modals.last() {
        Some(Modal::Form(f)) => f,
        other => panic!("expected the form, got {other:?}"),
    }
}

fn preview(s: &State) -> &chime_admin::console::form::Preview {
    match s.modals.last() {
        Some(Modal::Preview(p)) => p,
        other => panic!("expected the preview, got {other:?}"),
    }
}

#[test]
fn the_form_starts_at_shared_values_and_cycles_only_supported_licenses() {
    let (mut s, _) = opened_mixed();
    // No marks: the current row only, with its own values.
    cmd(&mut s, Command::Edit);
    assert_eq!(s.mode(), Mode::Form);
    let f = form(&s);
    assert_eq!(f.targets, vec!["u-00000".to_string()]);
    assert_eq!(f.license, Some(License::Pro));
    assert_eq!(f.user_type, None, "no value: (keep)");
    cmd(&mut s, Command::Back);
    // Users 0..5 marked: licenses differ, so License starts at (keep).
    for _ in 0..5 {
        cmd(&mut s, Command::Mark);
    }
    cmd(&mut s, Command::Edit);
    let f = form(&s);
    assert_eq!(f.targets.len(), 5);
    assert_eq!(f.license, None);
    // → cycles keep → Basic → Plus → Pro → keep (the account's SupportedLicenses).
    let mut seen = Vec::new();
    for _ in 0..4 {
        cmd(&mut s, Command::NextValue);
        seen.push(form(&s).license.clone());
    }
    assert_eq!(
        seen,
        vec![
            Some(License::Basic),
            Some(License::Plus),
            Some(License::Pro),
            None
        ]
    );
    cmd(&mut s, Command::PrevValue);
    assert_eq!(form(&s).license, Some(License::Pro));
    // A letter jumps: B → Basic.
    update(&mut s, Action::Input(InputRequest::InsertChar('B')));
    assert_eq!(form(&s).license, Some(License::Basic));
    cmd(&mut s, Command::NextField);
    assert_eq!(form(&s).field, FormField::UserType);
    update(&mut s, Action::Input(InputRequest::InsertChar('s')));
    assert_eq!(form(&s).user_type, Some(UserType::SharedDevice));
    cmd(&mut s, Command::PrevValue);
    cmd(&mut s, Command::PrevValue);
    assert_eq!(form(&s).user_type, None, "back to (keep)");
}

#[test]
fn an_invalid_room_arn_blocks_submit_and_says_why() {
    let (mut s, _) = opened_mixed();
    cmd(&mut s, Command::Edit);
    for _ in 0..3 {
        cmd(&mut s, Command::NextField);
    }
    assert_eq!(form(&s).field, FormField::Room);
    type_text(&mut s, "room/1");
    assert!(form(&s).room_problem().is_some(), "validated while typing");
    cmd(&mut s, Command::Submit);
    let f = form(&s);
    assert!(
        f.problem.as_deref().is_some_and(|p| p.contains("Room ARN")),
        "{:?}",
        f.problem
    );
    update(&mut s, Action::Input(InputRequest::DeleteLine));
    type_text(&mut s, "arn:aws:a4b:us-east-1:123456789012:room/1");
    assert_eq!(form(&s).room_problem(), None);
    // Letters in the room field are text, not jumps.
    assert_eq!(form(&s).license, Some(License::Pro));
    cmd(&mut s, Command::Submit);
    let p = preview(&s);
    assert_eq!(p.plan.changes.len(), 1);
    assert_eq!(p.plan.changes[0].fields[0].field.label(), "Room ARN");
}

#[test]
fn preview_counts_no_change_and_defaults_to_cancel() {
    let (mut s, _) = opened_mixed();
    for _ in 0..5 {
        cmd(&mut s, Command::Mark);
    }
    cmd(&mut s, Command::Edit);
    update(&mut s, Action::Input(InputRequest::InsertChar('b')));
    cmd(&mut s, Command::Submit);
    let p = preview(&s);
    assert_eq!(p.plan.changes.len(), 3, "users 3 and 4 are already Basic");
    assert_eq!(p.no_change(), 2);
    assert_eq!(
        p.plan.summary(),
        vec!["License Pro → Basic for 3 users".to_string()]
    );
    assert!(!p.apply_focused);
    // Enter on Cancel sends nothing.
    let fx = cmd(&mut s, Command::Submit);
    assert!(fx.is_empty() && s.modals.is_empty() && s.batch.is_none());
    // A form that changes nothing for anyone says so and sends nothing.
    cmd(&mut s, Command::Edit);
    cmd(&mut s, Command::Submit);
    assert!(form(&s).problem.is_some(), "every field (keep)");
    cmd(&mut s, Command::Back);
}

fn apply_basic_to_first_five(s: &mut State) -> (u64, Vec<String>) {
    for _ in 0..5 {
        cmd(s, Command::Mark);
    }
    cmd(s, Command::Edit);
    update(s, Action::Input(InputRequest::InsertChar('b')));
    cmd(s, Command::Submit);
    cmd(s, Command::NextField);
    assert!(preview(s).apply_focused);
    let fx = cmd(s, Command::Submit);
    match &fx[..] {
        [Effect::Io(Request::Change { batch_id, plan })] => {
            let Change::Update(update) = &plan.change else {
                panic!("an update, got {:?}", plan.change)
            };
            let changes = &plan.changes;
            assert_eq!(plan.account_id, "acc-0");
            assert_eq!(update.license_type, Some(License::Basic));
            assert_eq!(update.user_type, None);
            (
                *batch_id,
                changes.iter().map(|c| c.user_id.clone()).collect(),
            )
        }
        other => panic!("expected an update, got {other:?}"),
    }
}

/// The worker's answer for batch `batch_id` in acc-0: these outcomes.
fn batch_done(s: &mut State, batch_id: u64, outcomes: Vec<(&str, OutcomeResult)>) -> Vec<Effect> {
    update(
        s,
        Action::BatchDone {
            batch_id,
            account_id: "acc-0".into(),
            outcomes: outcomes
                .into_iter()
                .map(|(id, r)| (id.to_string(), r))
                .collect(),
            elapsed_ms: 700,
            change_id: "01TESTCHANGE".into(),
            audit_error: None,
        },
    )
}

/// What the service answers for a suspended user.
fn conflict() -> OutcomeResult {
    OutcomeResult::Failed {
        code: Some(ErrorCode::Conflict),
        message: "User is suspended".into(),
        request_id: Some("req-9".into()),
    }
}

/// Basic for the first five of the mixed page: u-00000 and u-00002
/// changed, u-00001 refused as suspended. The effects of the answer.
fn basic_for_five_with_u1_refused(s: &mut State) -> Vec<Effect> {
    let (batch, _) = apply_basic_to_first_five(s);
    batch_done(
        s,
        batch,
        vec![
            ("u-00000", OutcomeResult::Ok { request_id: None }),
            ("u-00001", conflict()),
            ("u-00002", OutcomeResult::Ok { request_id: None }),
        ],
    )
}

/// While a change runs: only the users it changes are sent (pending), the
/// console stays usable, progress shows rate and ETA, and an answer for
/// another batch is ignored.
#[test]
fn a_running_change_shows_pending_rows_and_progress_and_ignores_other_batches() {
    let (mut s, _) = opened_mixed();
    let (batch, ids) = apply_basic_to_first_five(&mut s);
    assert_eq!(ids, vec!["u-00000", "u-00001", "u-00002"]);
    assert!(s.busy_changing());
    let v = s.users.as_ref().expect("view");
    assert_eq!(v.list.items()[0].result, Some(RowResult::Pending));
    assert_eq!(
        v.list.items()[3].result,
        Some(RowResult::Already),
        "no change: not sent, and the row says so as the preview did"
    );
    assert_eq!(v.list.items()[5].result, None, "not selected");
    assert!(cmd(&mut s, Command::Down).is_empty());
    update(
        &mut s,
        Action::BatchProgress {
            batch_id: batch,
            done: 2,
            failed: 0,
            total: 3,
            elapsed_ms: 500,
        },
    );
    let line = chime_admin::console::ui::text::progress_line(s.batch.as_ref().expect("batch"));
    assert_eq!(line, "Updating 3 users: 2/3 · 4 users/s · ETA 1 s");
    batch_done(&mut s, batch + 1, vec![]);
    assert!(s.busy_changing());
}

/// The answer lands inline: a summary, the failed row with the service's
/// error and still marked, the others unmarked, and the users sent asked
/// for again.
#[test]
fn results_land_inline_and_failed_rows_stay_marked() {
    let (mut s, g) = opened_mixed();
    let fx = basic_for_five_with_u1_refused(&mut s);
    assert!(!s.busy_changing());
    assert_eq!(
        s.summary().as_deref(),
        Some("2 updated · 1 failed (r retries) · 2 already · 0.7 s")
    );
    let v = s.users.as_ref().expect("view");
    assert_eq!(v.list.items()[1].result, Some(RowResult::Done(conflict())));
    assert_eq!(v.list.items()[4].result, Some(RowResult::Already));
    assert!(v.marks.contains("u-00001"), "failed rows stay marked");
    assert!(
        !v.marks.contains("u-00000") && !v.marks.contains("u-00002"),
        "succeeded unmarked"
    );
    assert!(
        !v.marks.contains("u-00003"),
        "no-change rows are done too: unmarked"
    );
    let [
        Effect::Io(Request::RefreshUsers {
            account_id,
            gen_id,
            user_ids,
        }),
    ] = &fx[..]
    else {
        panic!("{fx:?}")
    };
    assert_eq!((account_id.as_str(), *gen_id), ("acc-0", g));
    assert_eq!(
        user_ids,
        &vec![
            "u-00000".to_string(),
            "u-00001".to_string(),
            "u-00002".to_string()
        ],
        "succeeded and failed rows are re-read"
    );
}

/// Values shown after a change are the ones re-read, not guessed.
#[test]
fn values_shown_after_a_change_are_the_ones_re_read() {
    let (mut s, g) = opened_mixed();
    basic_for_five_with_u1_refused(&mut s);
    let license = |s: &State| {
        s.users.as_ref().expect("view").list.items()[0]
            .user
            .license_type
            .clone()
    };
    assert_eq!(
        license(&s),
        Some(License::Pro),
        "not changed before it is re-read"
    );
    let mut fresh = user(0);
    fresh.license_type = Some(License::Basic);
    update(
        &mut s,
        Action::UsersRefreshed {
            gen_id: g,
            account_id: "acc-0".into(),
            users: vec![fresh],
            failed: vec![],
            error: None,
        },
    );
    assert_eq!(license(&s), Some(License::Basic));
}

/// A re-read that failed for some users is never dropped: those rows keep
/// their old values marked "not re-read", are counted apart (never by
/// license, whatever the filter), the status line says how many and that
/// ctrl-r reads them again, and ctrl-r reads exactly them (results stay).
#[test]
fn rows_whose_re_read_failed_are_marked_counted_and_read_again_with_ctrl_r() {
    use chime_admin::console::ui::users::counts_text;
    let (mut s, g) = opened_mixed();
    basic_for_five_with_u1_refused(&mut s);
    assert!(
        rows_status(&s).starts_with("re-reading 3 changed users…"),
        "{}",
        rows_status(&s)
    );
    let mut fresh = user(0);
    fresh.license_type = Some(License::Basic);
    update(
        &mut s,
        Action::UsersRefreshed {
            gen_id: g,
            account_id: "acc-0".into(),
            users: vec![fresh],
            failed: vec!["u-00001".into(), "u-00002".into()],
            error: Some(RereadFailure::Api {
                operation: chime_admin::model::Operation::GetUser,
                error: ApiError {
                    kind: ApiErrorKind::Service {
                        exception: "ThrottledClientException".into(),
                        code: None,
                    },
                    message: "Rate exceeded".into(),
                    request_id: Some("req-7".into()),
                    status: Some(429),
                },
            }),
        },
    );
    let v = s.users.as_ref().expect("view");
    // u-00000 Basic (re-read), u-00003/4 Basic, u-00005..9 Pro; u-00001/2 unknown.
    assert_eq!(
        counts_text(v),
        "10 shown: Pro 5 · Basic 3 · 2 not re-read",
        "an un-re-read value is never counted as the service's"
    );
    let status = rows_status(&s);
    assert!(
        status.starts_with(
            "2 not re-read (GetUser: ThrottledClientException (request id req-7)): ctrl-r reads them again"
        ),
        "{status}"
    );
    // A filter on license neither counts them by license nor hides them.
    cmd(&mut s, Command::Filter);
    type_text(&mut s, "license:pro");
    cmd(&mut s, Command::Submit);
    let v = s.users.as_ref().expect("view");
    assert_eq!(counts_text(v), "7 shown: Pro 5 · 2 not re-read");
    // ctrl-r reads exactly them again; nothing is reloaded, results stay.
    let fx = cmd(&mut s, Command::Reload);
    let [
        Effect::Io(Request::RefreshUsers {
            account_id,
            gen_id,
            user_ids,
        }),
    ] = &fx[..]
    else {
        panic!("{fx:?}")
    };
    assert_eq!((account_id.as_str(), *gen_id), ("acc-0", g));
    assert_eq!(user_ids, &["u-00001".to_string(), "u-00002".to_string()]);
    let mut u2 = user(2);
    u2.license_type = Some(License::Basic);
    update(
        &mut s,
        Action::UsersRefreshed {
            gen_id: g,
            account_id: "acc-0".into(),
            users: vec![user(1), u2],
            failed: vec![],
            error: None,
        },
    );
    let v = s.users.as_ref().expect("view");
    assert!(v.not_reread.is_empty());
    assert_eq!(v.list.items()[1].result, Some(RowResult::Done(conflict())));
    assert_eq!(counts_text(v), "7 shown: Pro 6 · 1 kept: no longer match");
    assert!(
        !rows_status(&s).contains("not re-read"),
        "{}",
        rows_status(&s)
    );
}

#[test]
fn retry_sends_only_the_failed_rows_through_the_same_preview() {
    let (mut s, _) = opened_mixed();
    let (batch, _) = apply_basic_to_first_five(&mut s);
    update(
        &mut s,
        Action::BatchDone {
            batch_id: batch,
            account_id: "acc-0".into(),
            change_id: "01TESTCHANGE".into(),
            audit_error: None,
            outcomes: vec![
                ("u-00000".into(), OutcomeResult::Ok { request_id: None }),
                (
                    "u-00001".into(),
                    OutcomeResult::Failed {
                        code: Some(ErrorCode::ServiceFailure),
                        message: "x".into(),
                        request_id: None,
                    },
                ),
                ("u-00002".into(), OutcomeResult::NotSent),
            ],
            elapsed_ms: 10,
        },
    );
    cmd(&mut s, Command::Retry);
    let p = preview(&s);
    let ids: Vec<&str> = p.plan.changes.iter().map(|c| c.user_id.as_str()).collect();
    assert_eq!(ids, vec!["u-00001", "u-00002"], "failed and not-sent rows");
    assert!(!p.apply_focused);
    let fx = cmd(&mut s, Command::Yes);
    let [Effect::Io(Request::Change { plan, .. })] = &fx[..] else {
        panic!("{fx:?}")
    };
    assert_eq!(plan.changes.len(), 2);
}

#[test]
fn cancel_asks_once_and_a_refused_change_fails_its_rows() {
    let (mut s, _) = opened_mixed();
    let (batch, _) = apply_basic_to_first_five(&mut s);
    let ctx = key_context(&s);
    assert_eq!(
        keymap::command_for(ctx, &key(KeyCode::Char('x'), KeyModifiers::NONE)),
        Some(Command::CancelBatch)
    );
    assert!(
        keymap::footer(ctx).iter().any(|(k, _)| *k == "x"),
        "the cancel key is in the footer"
    );
    assert_eq!(
        cmd(&mut s, Command::CancelBatch),
        vec![Effect::Io(Request::CancelBatch { batch_id: batch })]
    );
    assert!(cmd(&mut s, Command::CancelBatch).is_empty());
    // The worker refuses (read-only) or cannot send: pending rows fail, the batch ends.
    update(&mut s, failed(batch, "BatchUpdateUser"));
    assert!(!s.busy_changing());
    let v = s.users.as_ref().expect("view");
    assert!(matches!(
        v.list.items()[0].result,
        Some(RowResult::Done(OutcomeResult::Failed { .. }))
    ));
    assert!(matches!(s.modals.last(), Some(Modal::Error(_))));
}

#[test]
fn read_only_hides_and_refuses_changes() {
    let mut s = State::new("e", true, Theme::default());
    update(
        &mut s,
        Action::Resize {
            width: 120,
            height: 40,
        },
    );
    let fx = start(&mut s);
    let Effect::Io(Request::LoadAccounts { gen_id, .. }) = fx[0].clone() else {
        panic!()
    };
    update(
        &mut s,
        Action::AccountsPage {
            gen_id,
            accounts: vec![account(0)],
            next_token: None,
        },
    );
    let fx = cmd(&mut s, Command::Open);
    let Effect::Io(Request::LoadUsersPage { gen_id, .. }) = fx[0].clone() else {
        panic!()
    };
    update(&mut s, page(gen_id, 0..5, None));
    let ctx = key_context(&s);
    assert_eq!(
        keymap::command_for(ctx, &key(KeyCode::Char('e'), KeyModifiers::NONE)),
        None
    );
    assert_eq!(
        keymap::command_for(ctx, &key(KeyCode::Char('r'), KeyModifiers::NONE)),
        None
    );
    assert!(keymap::help_entries(true).iter().all(|(_, b)| !b.dangerous));
    assert!(
        keymap::help_entries(false)
            .iter()
            .any(|(_, b)| b.command == Command::Edit)
    );
    assert!(!keymap::footer(ctx).iter().any(|(k, _)| *k == "e"));
    // Even if asked directly, update opens no form.
    cmd(&mut s, Command::Edit);
    assert!(s.modals.is_empty());
    assert!(
        Request::Change {
            batch_id: 1,
            plan: Box::new(
                chime_admin::plan::Plan::build(
                    "a",
                    None,
                    Change::Action(chime_admin::plan::UserAction::Suspend),
                    &[],
                    vec![]
                )
                .expect("a plan")
            ),
        }
        .is_mutating()
    );
}

#[test]
fn suspend_skips_the_suspended_and_a_reset_pin_is_shown_once() {
    use chime_admin::console::form::UserAction;
    use chime_admin::model::RegistrationStatus;
    let (mut s, g) = opened();
    let mut us = users(0..4);
    us[1].user_registration_status = Some(RegistrationStatus::Suspended);
    update(
        &mut s,
        Action::UsersPage {
            gen_id: g,
            account_id: "acc-0".into(),
            users: us,
            next_token: None,
        },
    );
    for _ in 0..3 {
        cmd(&mut s, Command::Mark);
    }
    cmd(&mut s, Command::Suspend);
    let p = preview(&s);
    assert_eq!(p.plan.change, Change::Action(UserAction::Suspend));
    assert_eq!(
        (p.plan.changes.len(), p.no_change()),
        (2, 1),
        "the suspended one is no change"
    );
    let fx = cmd(&mut s, Command::Yes);
    let [Effect::Io(Request::Change { batch_id, plan })] = &fx[..] else {
        panic!("{fx:?}")
    };
    assert!(
        matches!(plan.change, Change::Action(UserAction::Suspend)),
        "{:?}",
        plan.change
    );
    let changes = &plan.changes;
    assert_eq!(changes.len(), 2);
    let line = chime_admin::console::ui::text::progress_line(s.batch.as_ref().expect("batch"));
    assert!(line.starts_with("Suspending 2 users: 0/2"), "{line}");
    update(
        &mut s,
        Action::BatchDone {
            batch_id: *batch_id,
            account_id: "acc-0".into(),
            change_id: "01TESTCHANGE".into(),
            audit_error: None,
            outcomes: vec![
                ("u-00000".into(), OutcomeResult::Ok { request_id: None }),
                ("u-00002".into(), OutcomeResult::Ok { request_id: None }),
            ],
            elapsed_ms: 5,
        },
    );
    assert_eq!(s.summary().as_deref(), Some("2 done · 1 already · 0.0 s"));

    // Reset PIN: the current row only; the PIN shows in a dialog, gone once closed.
    cmd(&mut s, Command::Top);
    cmd(&mut s, Command::ResetPin);
    assert_eq!(preview(&s).plan.changes.len(), 1);
    let fx = cmd(&mut s, Command::Yes);
    let [Effect::Io(Request::Change { batch_id, plan })] = &fx[..] else {
        panic!("{fx:?}")
    };
    assert!(
        matches!(plan.change, Change::Action(UserAction::ResetPin)),
        "{:?}",
        plan.change
    );
    update(
        &mut s,
        Action::PinReset {
            batch_id: *batch_id,
            email: "user00000@example.com".into(),
            pin: "8675309".into(),
        },
    );
    let Some(Modal::Pin { pin, .. }) = s.modals.last() else {
        panic!("no PIN dialog")
    };
    assert_eq!(pin.expose(), "8675309");
    assert!(
        !format!("{:?}", s.modals).contains("8675309"),
        "Debug of the state never shows it"
    );
    cmd(&mut s, Command::Submit);
    assert!(s.modals.is_empty(), "closed: the PIN is dropped");
}

/// What the open prompt says is wrong with its input.
fn prompt_problem(s: &State) -> String {
    let Some(Modal::Prompt(p)) = s.modals.last() else {
        panic!("a prompt")
    };
    p.problem.clone().unwrap_or_default()
}

/// Delete account: the typed name must match; the one DeleteAccount sent,
/// refused by the service, shows the error and changes nothing else.
#[test]
fn delete_account_wants_the_name_typed_and_shows_a_refusal() {
    use chime_admin::console::effect::AdminOp;
    let (mut s, _) = opened();
    s.focus = Pane::Accounts;
    cmd(&mut s, Command::DeleteAccount);
    assert_eq!(s.mode(), Mode::Prompt);
    type_text(&mut s, "Account");
    assert!(cmd(&mut s, Command::Submit).is_empty());
    assert!(
        prompt_problem(&s).contains("does not match"),
        "{}",
        prompt_problem(&s)
    );
    type_text(&mut s, " 0");
    let fx = cmd(&mut s, Command::Submit);
    let [
        Effect::Io(Request::Admin {
            gen_id,
            op: AdminOp::DeleteAccount { account_id },
        }),
    ] = &fx[..]
    else {
        panic!("{fx:?}")
    };
    assert_eq!(account_id, "acc-0");
    // Refused by the service: the error is shown, nothing else changes.
    update(&mut s, failed(*gen_id, "DeleteAccount"));
    assert!(matches!(s.modals.last(), Some(Modal::Error(e)) if e.operation == "DeleteAccount"));
    assert_eq!(s.admin, None);
}

/// Invite: every email of a pasted list is checked; 120 emails go in one
/// request (the client splits them); when done, a message and the users
/// read again.
#[test]
fn invite_checks_every_email_and_reloads_the_users_when_done() {
    use chime_admin::console::effect::AdminOp;
    let (mut s, _) = opened();
    s.focus = Pane::Users;
    cmd(&mut s, Command::Invite);
    type_text(&mut s, "a@x.com, b@x.com not-an-email");
    cmd(&mut s, Command::Submit);
    assert!(
        prompt_problem(&s).contains("not-an-email"),
        "{}",
        prompt_problem(&s)
    );
    update(&mut s, Action::Input(InputRequest::DeleteLine));
    let many: Vec<String> = (0..120).map(|i| format!("new{i}@x.com")).collect();
    type_text(&mut s, &many.join("\n"));
    let fx = cmd(&mut s, Command::Submit);
    let [
        Effect::Io(Request::Admin {
            gen_id,
            op: AdminOp::Invite { emails, .. },
        }),
    ] = &fx[..]
    else {
        panic!("{fx:?}")
    };
    assert_eq!(emails.len(), 120, "the client splits them in calls of 50");
    let fx = update(
        &mut s,
        Action::AdminDone {
            gen_id: *gen_id,
            outcome: AdminOutcome::Invited {
                invited: 120,
                refused: 0,
            },
            about_accounts: false,
        },
    );
    assert_eq!(
        s.flash.as_ref().map(|f| f.text.as_str()),
        Some("120 invited")
    );
    assert!(
        matches!(
            &fx[..],
            [Effect::Io(Request::LoadUsersPage { token: None, .. })]
        ),
        "{fx:?}"
    );
}

/// Create user: an email, then an optional username and a user type that
/// is checked (any case).
#[test]
fn create_user_checks_the_user_type_and_sends_every_field() {
    use chime_admin::console::effect::AdminOp;
    let (mut s, _) = opened();
    s.focus = Pane::Users;
    cmd(&mut s, Command::CreateUser);
    type_text(&mut s, "new@x.com");
    cmd(&mut s, Command::NextField);
    type_text(&mut s, "newbie");
    cmd(&mut s, Command::Down);
    type_text(&mut s, "Robot");
    assert!(cmd(&mut s, Command::Submit).is_empty());
    assert!(
        prompt_problem(&s).contains("PrivateUser"),
        "{}",
        prompt_problem(&s)
    );
    update(&mut s, Action::Input(InputRequest::DeleteLine));
    type_text(&mut s, "privateuser");
    let fx = cmd(&mut s, Command::Submit);
    let [
        Effect::Io(Request::Admin {
            op:
                AdminOp::CreateUser {
                    email,
                    username,
                    user_type,
                    ..
                },
            ..
        }),
    ] = &fx[..]
    else {
        panic!("{fx:?}")
    };
    assert_eq!(email.expose(), "new@x.com");
    assert_eq!(username.as_ref().map(|u| u.expose()), Some("newbie"));
    assert_eq!(user_type, &Some(chime_admin::model::UserType::PrivateUser));
}

/// Read-only: no admin prompt opens.
#[test]
fn read_only_opens_no_admin_prompt() {
    let mut ro = State::new("e", true, Theme::default());
    cmd(&mut ro, Command::NewAccount);
    assert!(ro.modals.is_empty());
}

#[test]
fn settings_are_read_first_then_toggled_and_saved() {
    use chime_admin::console::effect::AdminOp;
    let (mut s, g) = opened();
    update(&mut s, page(g, 0..3, None));
    let fx = cmd(&mut s, Command::Settings);
    let [Effect::Io(Request::LoadSettings { gen_id, .. })] = &fx[..] else {
        panic!("{fx:?}")
    };
    let gen_id = *gen_id;
    assert_eq!(s.mode(), Mode::Settings);
    // Nothing can be saved before the current values are here.
    assert!(cmd(&mut s, Command::Submit).is_empty());
    update(
        &mut s,
        Action::SettingsLoaded {
            gen_id: gen_id + 1,
            settings: Settings::User(UserSettings::default()),
        },
    );
    let Some(Modal::Settings(f)) = s.modals.last() else {
        panic!()
    };
    assert!(f.values.is_none(), "a stale answer is dropped");
    update(
        &mut s,
        Action::SettingsLoaded {
            gen_id,
            settings: Settings::User(UserSettings {
                telephony: TelephonySettings {
                    inbound_calling: true,
                    outbound_calling: true,
                    sms: false,
                },
            }),
        },
    );
    cmd(&mut s, Command::NextField);
    cmd(&mut s, Command::NextField);
    update(&mut s, Action::Input(InputRequest::InsertChar(' ')));
    let fx = cmd(&mut s, Command::Submit);
    let [
        Effect::Io(Request::Admin {
            op: AdminOp::UserSettings {
                user_id, settings, ..
            },
            ..
        }),
    ] = &fx[..]
    else {
        panic!("{fx:?}")
    };
    assert_eq!(user_id, "u-00000");
    let t = &settings.telephony;
    assert_eq!(
        (t.inbound_calling, t.outbound_calling, t.sms),
        (true, true, true)
    );
}

#[test]
fn effects_logged_at_debug_never_show_emails_or_room_arns() {
    let (mut s, _) = opened_mixed();
    cmd(&mut s, Command::Edit);
    for _ in 0..3 {
        cmd(&mut s, Command::NextField);
    }
    type_text(
        &mut s,
        "arn:aws:a4b:us-east-1:123456789012:room/secret-room",
    );
    cmd(&mut s, Command::Submit);
    let fx = cmd(&mut s, Command::Yes);
    let dbg = format!("{fx:?}");
    assert!(
        matches!(
            &fx[..],
            [Effect::Io(Request::Change { plan, .. })] if matches!(plan.change, Change::Update(_))
        ),
        "{dbg}"
    );
    assert!(
        !dbg.contains("secret-room") && !dbg.contains("@example.com"),
        "{dbg}"
    );
}

// ---------------------------------------------------------------- `:` command line

fn colon(s: &mut State, line: &str) -> Vec<Effect> {
    let mut fx = cmd(s, Command::CommandLine);
    assert_eq!(s.mode(), Mode::CommandLine);
    fx.extend(type_text(s, line));
    fx.extend(cmd(s, Command::Submit));
    fx
}

#[test]
fn colon_opens_with_the_registry_key_and_esc_closes() {
    let (mut s, _) = opened();
    let ctx = key_context(&s);
    assert_eq!(
        keymap::command_for(ctx, &key(KeyCode::Char(':'), KeyModifiers::NONE)),
        Some(Command::CommandLine)
    );
    cmd(&mut s, Command::CommandLine);
    type_text(&mut s, "acc");
    let ctx = key_context(&s);
    assert_eq!(
        keymap::command_for(ctx, &key(KeyCode::Tab, KeyModifiers::NONE)),
        Some(Command::NextField)
    );
    // q is text here, not quit.
    assert_eq!(
        keymap::command_for(ctx, &key(KeyCode::Char('q'), KeyModifiers::NONE)),
        None
    );
    let footer = keymap::footer(ctx);
    assert!(
        footer.iter().any(|(k, d)| k == "tab" && *d == "complete"),
        "{footer:?}"
    );
    cmd(&mut s, Command::Back);
    assert_eq!(s.mode(), Mode::Normal);
    assert!(s.cmdline.is_none());
}

#[test]
fn tab_completes_commands_accounts_and_formats() {
    let (mut s, _) = opened();
    cmd(&mut s, Command::CommandLine);
    type_text(&mut s, "ex");
    cmd(&mut s, Command::NextField);
    assert_eq!(cmdline_text(&s), "export ");
    type_text(&mut s, "c");
    cmd(&mut s, Command::NextField);
    assert_eq!(cmdline_text(&s), "export csv ");
    s.cmdline = None;
    cmd(&mut s, Command::CommandLine);
    type_text(&mut s, "acc");
    cmd(&mut s, Command::NextField);
    assert_eq!(cmdline_text(&s), "account");
    assert!(
        cmdline_hint(&s).contains("accounts") && cmdline_hint(&s).contains("account"),
        "{}",
        cmdline_hint(&s)
    );
    type_text(&mut s, " Acc");
    cmd(&mut s, Command::NextField);
    assert_eq!(cmdline_text(&s), "account Account ");
    assert!(
        cmdline_hint(&s).contains("Account 0") && cmdline_hint(&s).contains("Account 2"),
        "{}",
        cmdline_hint(&s)
    );
    type_text(&mut s, "2");
    cmd(&mut s, Command::NextField);
    assert_eq!(cmdline_text(&s), "account Account 2");
}

/// What the command line holds, and its completion hint.
fn cmdline_text(s: &State) -> String {
    s.cmdline
        .as_ref()
        .map(|c| c.input.value().to_string())
        .unwrap_or_default()
}

fn cmdline_hint(s: &State) -> String {
    s.cmdline
        .as_ref()
        .and_then(|c| c.hint.clone())
        .unwrap_or_default()
}

#[test]
fn tab_completes_profile_names_read_at_start() {
    let (mut s, _) = opened();
    s.profiles = ["default", "prod", "prod-eu", "staging"]
        .map(String::from)
        .to_vec();
    cmd(&mut s, Command::CommandLine);
    type_text(&mut s, "prof");
    cmd(&mut s, Command::NextField);
    assert_eq!(cmdline_text(&s), "profile ");
    type_text(&mut s, "p");
    cmd(&mut s, Command::NextField);
    assert_eq!(cmdline_text(&s), "profile prod");
    assert_eq!(cmdline_hint(&s), "prod  prod-eu");
    type_text(&mut s, "-");
    cmd(&mut s, Command::NextField);
    assert_eq!(cmdline_text(&s), "profile prod-eu");
    let fx = cmd(&mut s, Command::Submit);
    assert!(
        fx.iter().any(
            |e| matches!(e, Effect::Io(Request::SwitchProfile { profile }) if profile == "prod-eu")
        ),
        "{fx:?}"
    );
    // Account names are not offered for :profile, nor profiles for :account.
    cmd(&mut s, Command::CommandLine);
    type_text(&mut s, "profile Acc");
    cmd(&mut s, Command::NextField);
    assert_eq!(cmdline_text(&s), "profile Acc");
    s.cmdline = None;
    cmd(&mut s, Command::CommandLine);
    type_text(&mut s, "account st");
    cmd(&mut s, Command::NextField);
    assert_eq!(cmdline_text(&s), "account st");
}

#[test]
fn colon_commands_jump_focus_filter_and_quit() {
    let (mut s, _) = opened();
    colon(&mut s, "accounts");
    assert_eq!(s.focus, Pane::Accounts);
    colon(&mut s, "users");
    assert_eq!(s.focus, Pane::Users);
    // :account NAME opens that account (a new users view and its first page).
    let fx = colon(&mut s, "account account 2");
    assert_eq!(s.focus, Pane::Users);
    assert_eq!(
        s.users.as_ref().map(|v| v.account.account_id.as_str()),
        Some("acc-2")
    );
    assert!(
        matches!(&fx[..], [Effect::Io(Request::LoadUsersPage { account_id, .. })] if account_id == "acc-2"),
        "{fx:?}"
    );
    colon(&mut s, "account Nope");
    assert!(
        s.flash
            .as_ref()
            .is_some_and(|f| f.text.contains("no account \"Nope\""))
    );
    // :filter with a full email asks the service, like typing it.
    let fx = colon(&mut s, "filter user00007@example.com");
    assert_eq!(
        s.users.as_ref().map(|v| v.filter.text()),
        Some("user00007@example.com")
    );
    assert!(
        fx.iter()
            .any(|e| matches!(e, Effect::Io(Request::FindUserByEmail { .. }))),
        "{fx:?}"
    );
    // A wrong command keeps the line open and says why.
    cmd(&mut s, Command::CommandLine);
    type_text(&mut s, "frobnicate");
    cmd(&mut s, Command::Submit);
    assert!(
        s.cmdline
            .as_ref()
            .and_then(|c| c.hint.as_deref())
            .is_some_and(|h| h.contains("no command") && !h.contains("did you mean"))
    );
    cmd(&mut s, Command::Back);
    // A typo of one names it first.
    cmd(&mut s, Command::CommandLine);
    type_text(&mut s, "expotr csv");
    cmd(&mut s, Command::Submit);
    let hint = s.cmdline.as_ref().and_then(|c| c.hint.clone());
    assert!(
        hint.as_deref().is_some_and(
            |h| h.starts_with("no command \"expotr\": did you mean export? commands are")
        ),
        "{hint:?}"
    );
    cmd(&mut s, Command::Back);
    colon(&mut s, "quit");
    assert!(s.quit);
}

fn written(fx: &[Effect]) -> (std::path::PathBuf, String) {
    match fx {
        [Effect::Io(Request::WriteFile { path, contents, .. })] => {
            (path.clone(), contents.expose().to_string())
        }
        other => panic!("expected one WriteFile, got {other:?}"),
    }
}

#[test]
fn export_writes_the_filtered_view_marked_rows_or_results() {
    let (mut s, g) = opened();
    update(&mut s, page(g, 0..30, None));
    cmd(&mut s, Command::Filter);
    type_text(&mut s, "user0001");
    cmd(&mut s, Command::Submit);
    let (path, csv) = written(&colon(&mut s, "export csv /tmp/out.csv"));
    assert_eq!(path, std::path::Path::new("/tmp/out.csv"));
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines[0],
        "UserId,PrimaryEmail,DisplayName,LicenseType,UserType,UserRegistrationStatus,UserInvitationStatus"
    );
    assert_eq!(lines.len(), 11, "user00010..user00019:\n{csv}");
    assert_eq!(lines[1], "u-00010,user00010@example.com,User 10,Pro,,,");
    // The file is named in Debug only as redacted contents (no emails in logs).
    let fx = colon(&mut s, "export json");
    assert!(!format!("{fx:?}").contains("user000"), "{fx:?}");
    let (path, json) = written(&fx);
    assert_eq!(path, std::path::Path::new("chime-users.json"));
    let v: serde_json::Value = serde_json::from_str(&json).expect("json");
    assert_eq!(v["Users"].as_array().map(Vec::len), Some(10));
    assert_eq!(v["Users"][0]["PrimaryEmail"], "user00010@example.com");
    assert_eq!(v["Users"][0]["UserId"], "u-00010");
    assert!(!json.contains("PersonalPIN"), "no PINs in exports");
    // Marked rows, wherever the filter is.
    cmd(&mut s, Command::Mark);
    cmd(&mut s, Command::Mark);
    let (_, csv) = written(&colon(&mut s, "export csv marked m.csv"));
    assert_eq!(csv.lines().count(), 3, "{csv}");
    // No change yet: no results to export, said in the status line.
    assert!(colon(&mut s, "export csv results").is_empty());
    assert!(
        s.flash
            .as_ref()
            .is_some_and(|f| f.text.contains("no results"))
    );
    // The worker's answer lands in the status line.
    update(
        &mut s,
        Action::Exported {
            path: "/tmp/out.csv".into(),
            what: "10 users".into(),
            note: String::new(),
            result: Ok(()),
        },
    );
    assert!(
        s.flash
            .as_ref()
            .is_some_and(|f| f.text == "wrote 10 users to /tmp/out.csv")
    );
}

#[test]
fn export_of_results_uses_update_users_columns() {
    let (mut s, _) = {
        let (mut s, g) = opened();
        update(&mut s, page(g, 0..30, None));
        (s, g)
    };
    let v = s.users.as_mut().expect("users");
    let items = v.list.items_mut();
    items[0].result = Some(RowResult::Done(OutcomeResult::Ok { request_id: None }));
    items[1].result = Some(RowResult::Done(OutcomeResult::Failed {
        code: Some(chime_admin::model::ErrorCode::Conflict),
        message: "User is suspended".into(),
        request_id: Some("req-1".into()),
    }));
    items[2].result = Some(RowResult::Done(OutcomeResult::NotSent));
    // All three of one change (the results export holds the last one's).
    for row in &mut items[..3] {
        row.batch = Some(7);
    }
    v.last_batch = Some(7);
    let (_, csv) = written(&colon(&mut s, "export csv results r.csv"));
    assert_eq!(
        csv,
        "UserId,PrimaryEmail,Status,ErrorCode,ErrorMessage,RequestId\n\
         u-00000,user00000@example.com,Updated,,,\n\
         u-00001,user00001@example.com,Failed,Conflict,User is suspended,req-1\n\
         u-00002,user00002@example.com,NotSent,,,\n"
    );
    let (_, json) = written(&colon(&mut s, "export json results"));
    let v: serde_json::Value = serde_json::from_str(&json).expect("json");
    assert_eq!(v["Results"][1]["ErrorCode"], "Conflict");
    assert_eq!(v["Results"][0].get("ErrorCode"), None);
}

#[test]
fn copy_sends_the_selected_users_email_or_id() {
    let (mut s, g) = opened();
    update(&mut s, page(g, 0..5, None));
    cmd(&mut s, Command::Down);
    let fx = colon(&mut s, "copy email");
    match &fx[..] {
        [Effect::Term(Term::Copy { text, .. })] => {
            assert_eq!(text.expose(), "user00001@example.com")
        }
        other => panic!("{other:?}"),
    }
    let fx = colon(&mut s, "copy id");
    assert!(
        matches!(&fx[..], [Effect::Term(Term::Copy { text, .. })] if text.expose() == "u-00001")
    );
}

#[test]
fn osc52_escape_bytes() {
    use chime_admin::console::export::{base64, osc52};
    assert_eq!(base64(b""), "");
    assert_eq!(base64(b"f"), "Zg==");
    assert_eq!(base64(b"fo"), "Zm8=");
    assert_eq!(base64(b"foo"), "Zm9v");
    assert_eq!(base64(b"foobar"), "Zm9vYmFy");
    assert_eq!(
        osc52("ada@example.com", false).as_bytes(),
        b"\x1b]52;c;YWRhQGV4YW1wbGUuY29t\x07"
    );
    assert_eq!(
        osc52("ada@example.com", true).as_bytes(),
        b"\x1bPtmux;\x1b\x1b]52;c;YWRhQGV4YW1wbGUuY29t\x07\x1b\\"
    );
}

#[test]
fn profile_switch_asks_the_worker_and_reloads_only_when_it_worked() {
    let (mut s, g) = opened();
    update(&mut s, page(g, 0..5, None));
    let fx = colon(&mut s, "profile ops");
    assert!(
        matches!(&fx[..], [Effect::Io(Request::SwitchProfile { profile })] if profile == "ops"),
        "{fx:?}"
    );
    // Nothing changes until the worker answers.
    assert!(s.users.is_some());
    let fx = update(
        &mut s,
        Action::ProfileSwitched {
            profile: "ops".into(),
            result: Err(ProfileFailure::Client(ApiError::new(
                ApiErrorKind::Credentials,
                "the config profile (ops) could not be found",
            ))),
        },
    );
    assert!(fx.is_empty() && s.users.is_some() && s.profile.is_none());
    assert!(
        s.flash
            .as_ref()
            .is_some_and(|f| f.text.contains("✗ profile ops"))
    );
    let fx = update(
        &mut s,
        Action::ProfileSwitched {
            profile: "ops".into(),
            result: Ok("https://chime.us-east-1.amazonaws.com".into()),
        },
    );
    assert_eq!(s.profile.as_deref(), Some("ops"));
    assert!(s.users.is_none() && s.focus == Pane::Accounts);
    assert!(
        matches!(
            &fx[..],
            [Effect::Io(Request::LoadAccounts { token: None, .. })]
        ),
        "{fx:?}"
    );
    assert!(colon(&mut s, "profile").is_empty(), ":profile needs a name");
}

// ---------------------------------------------------------------- paste (issue 11)

fn prompt_value(s: &State) -> String {
    let Some(Modal::Prompt(p)) = s.modals.last() else {
        panic!("a prompt: {:?}", s.modals.last())
    };
    p.input.value().to_string()
}

/// A paste is text for the open input, never keys: pasted into the invite
/// prompt with line breaks and a `y`, it fills the list (one email per
/// line) and sends nothing; with a preview open it is ignored and applies
/// nothing.
#[test]
fn a_paste_is_text_for_the_open_input_and_never_applies_anything() {
    let (mut s, g) = opened_mixed();
    // A change waits in its preview: a paste of "y\n" does not apply it.
    for _ in 0..3 {
        cmd(&mut s, Command::Mark);
    }
    cmd(&mut s, Command::Edit);
    update(&mut s, Action::Input(InputRequest::InsertChar('b')));
    cmd(&mut s, Command::Submit);
    let fx = update(&mut s, Action::Paste("y\ny\n".into()));
    assert!(fx.is_empty(), "{fx:?}");
    assert!(matches!(s.modals.last(), Some(Modal::Preview(_))));
    assert!(s.batch.is_none());
    assert!(
        s.flash
            .as_ref()
            .is_some_and(|f| f.text.contains("paste ignored"))
    );
    cmd(&mut s, Command::Back);
    // The invite prompt takes the pasted list as text.
    let _ = g;
    cmd(&mut s, Command::Invite);
    let fx = update(
        &mut s,
        Action::Paste(
            "new4@design.example.org\nnew5@design.example.org\r\nyan@design.example.org\n".into(),
        ),
    );
    assert!(fx.is_empty(), "{fx:?}");
    assert_eq!(s.mode(), Mode::Prompt);
    assert_eq!(
        prompt_value(&s).split_whitespace().collect::<Vec<_>>(),
        vec![
            "new4@design.example.org",
            "new5@design.example.org",
            "yan@design.example.org"
        ]
    );
    // Only the user's own enter sends it: one InviteUsers of three.
    let fx = cmd(&mut s, Command::Submit);
    let [
        Effect::Io(Request::Admin {
            op: chime_admin::console::effect::AdminOp::Invite { emails, .. },
            ..
        }),
    ] = &fx[..]
    else {
        panic!("{fx:?}")
    };
    assert_eq!(emails.len(), 3);
    // Nowhere to paste: ignored with a notice, nothing happens.
    let before = s.users.as_ref().unwrap().marks.len();
    let fx = update(&mut s, Action::Paste("eeeyyy\n".into()));
    assert!(fx.is_empty() && s.modals.is_empty());
    assert_eq!(s.users.as_ref().unwrap().marks.len(), before);
}

/// Without bracketed paste a paste arrives as keys in a burst: a `y` or
/// enter that came too soon after the previous key confirms nothing (in a
/// prompt it is the line break it was); the same key at a person's pace does.
#[test]
fn a_burst_of_keys_never_confirms_a_change() {
    let (mut s, _) = opened_mixed();
    for _ in 0..3 {
        cmd(&mut s, Command::Mark);
    }
    cmd(&mut s, Command::Edit);
    update(&mut s, Action::Input(InputRequest::InsertChar('b')));
    cmd(&mut s, Command::Submit);
    let fx = update(&mut s, Action::HurriedCmd(Command::Yes));
    assert!(fx.is_empty(), "{fx:?}");
    assert!(matches!(s.modals.last(), Some(Modal::Preview(_))));
    assert!(
        s.flash
            .as_ref()
            .is_some_and(|f| f.text.contains("too fast"))
    );
    // Moving between buttons in a burst is harmless; enter on Apply is not taken.
    update(&mut s, Action::HurriedCmd(Command::NextField));
    assert!(preview(&s).apply_focused);
    assert!(update(&mut s, Action::HurriedCmd(Command::Submit)).is_empty());
    assert!(s.batch.is_none());
    // At a person's pace the same key applies.
    let fx = cmd(&mut s, Command::Yes);
    assert!(
        matches!(
            &fx[..],
            [Effect::Io(Request::Change { plan, .. })] if matches!(plan.change, Change::Update(_))
        ),
        "{fx:?}"
    );
    // In the invite prompt a hurried enter is a line break between emails.
    let mut s = opened_mixed().0;
    cmd(&mut s, Command::Invite);
    type_text(&mut s, "a@example.com");
    assert!(update(&mut s, Action::HurriedCmd(Command::Submit)).is_empty());
    type_text(&mut s, "b@example.com");
    assert_eq!(prompt_value(&s), "a@example.com b@example.com");
    assert_eq!(s.mode(), Mode::Prompt);
    // Elsewhere a hurried key is an ordinary key (moving, marking).
    cmd(&mut s, Command::Back);
    let cur = s.users.as_ref().unwrap().list.cursor;
    update(&mut s, Action::HurriedCmd(Command::Down));
    assert_eq!(s.users.as_ref().unwrap().list.cursor, cur + 1);
}

/// Inputs have limits: a 200 KB paste into the filter keeps the first 320
/// characters and says so; typing past a limit is refused with a notice.
#[test]
fn a_long_paste_is_cut_at_the_input_limit_with_a_notice() {
    use chime_admin::console::textfield::{EMAIL_MAX, FILTER_MAX, INVITE_MAX};
    let (mut s, g) = opened();
    update(&mut s, page(g, 0..200, None));
    cmd(&mut s, Command::Filter);
    let big = "x".repeat(200 * 1024);
    update(&mut s, Action::Paste(big));
    let v = s.users.as_ref().unwrap();
    assert_eq!(v.filter.text().chars().count(), FILTER_MAX);
    assert_eq!(v.list.visible_len(), 0);
    assert!(
        s.flash
            .as_ref()
            .is_some_and(|f| f.text.contains("cut") && f.text.contains("320"))
    );
    s.flash = None;
    type_text(&mut s, "y");
    assert_eq!(
        s.users.as_ref().unwrap().filter.text().chars().count(),
        FILTER_MAX
    );
    assert!(
        s.flash
            .as_ref()
            .is_some_and(|f| f.text.contains("at most 320"))
    );
    // Esc still clears it.
    cmd(&mut s, Command::Back);
    assert_eq!(s.users.as_ref().unwrap().filter.text(), "");
    // The create-user email holds 256 characters.
    cmd(&mut s, Command::CreateUser);
    update(&mut s, Action::Paste("e".repeat(1000)));
    assert_eq!(prompt_value(&s).len(), EMAIL_MAX);
    cmd(&mut s, Command::Back);
    // The invite list holds 500 emails.
    cmd(&mut s, Command::Invite);
    let list: Vec<String> = (0..600).map(|i| format!("u{i}@example.com")).collect();
    update(&mut s, Action::Paste(list.join("\n")));
    assert_eq!(prompt_value(&s).split(", ").count(), INVITE_MAX);
    assert!(
        s.flash
            .as_ref()
            .is_some_and(|f| f.text.contains("500 emails"))
    );
}

// ---------------------------------------------------------------- what you mark (issue 11)

/// `a` then `e` before every page is here: the form follows the marks and
/// says it is still marking; the preview waits for the whole set, and then
/// covers every marked user ("N marked · M will change · K already").
#[test]
fn the_form_acts_on_every_marked_user_once_marking_is_complete() {
    let (mut s, g) = opened();
    update(&mut s, page(g, 0..200, Some("t1")));
    let fx = cmd(&mut s, Command::MarkAll);
    assert!(
        matches!(&fx[..], [Effect::Io(Request::LoadUsersPage { .. })]),
        "{fx:?}"
    );
    cmd(&mut s, Command::Edit);
    assert_eq!(form(&s).targets.len(), 200);
    update(&mut s, Action::Input(InputRequest::InsertChar('b')));
    // Preview refused while marking, with the way out named.
    cmd(&mut s, Command::Submit);
    assert_eq!(s.mode(), Mode::Form);
    let problem = form(&s).problem.clone().unwrap_or_default();
    assert!(problem.contains("still marking… 200 so far"), "{problem}");
    assert!(problem.contains("ctrl-o"), "{problem}");
    // A user action on the marks waits too.
    let mut other = s.clone();
    other.modals.clear();
    cmd(&mut other, Command::Suspend);
    assert!(other.modals.is_empty());
    assert!(
        other
            .flash
            .as_ref()
            .is_some_and(|f| f.text.contains("still marking"))
    );
    // The last pages arrive: the form now covers all 450.
    update(&mut s, page(g, 200..400, Some("t2")));
    assert_eq!(form(&s).targets.len(), 400);
    let mut last = page(g, 400..450, None);
    if let Action::UsersPage { users, .. } = &mut last {
        users[0].license_type = Some(License::Basic);
    }
    update(&mut s, last);
    assert_eq!(form(&s).targets.len(), 450);
    assert_eq!(form(&s).problem, None, "the marking notice is gone");
    cmd(&mut s, Command::Submit);
    let p = preview(&s);
    assert_eq!(
        (p.plan.changes.len(), p.no_change(), p.picked),
        (449, 1, "marked")
    );
    // Applied: every one of them is sent.
    let fx = cmd(&mut s, Command::Yes);
    let [Effect::Io(Request::Change { plan, .. })] = &fx[..] else {
        panic!("{fx:?}")
    };
    assert_eq!(plan.changes.len(), 449);
}

/// ctrl-o in the form while marking: marking stops at the users loaded, the
/// title's count and the preview's agree, and later pages mark nothing more.
#[test]
fn only_the_loaded_is_an_explicit_choice_and_stops_marking() {
    let (mut s, g) = opened();
    update(&mut s, page(g, 0..200, Some("t1")));
    cmd(&mut s, Command::MarkAll);
    cmd(&mut s, Command::Edit);
    update(&mut s, Action::Input(InputRequest::InsertChar('b')));
    cmd(&mut s, Command::OnlyLoaded);
    assert_eq!(preview(&s).plan.changes.len(), 200);
    let v = s.users.as_ref().unwrap();
    assert!(!v.mark_all_pending);
    assert_eq!(v.marks.len(), 200);
    update(&mut s, page(g, 200..400, None));
    assert_eq!(s.users.as_ref().unwrap().marks.len(), 200);
    assert_eq!(preview(&s).plan.changes.len(), 200);
}

/// A `:profile` switch that failed is drawn: the screen is dirty with the
/// reason in the status line (found by reading `update`: it set the message
/// and never asked for a frame).
#[test]
fn a_failed_profile_switch_is_drawn() {
    let (mut s, _) = opened();
    s.dirty = false;
    update(
        &mut s,
        Action::ProfileSwitched {
            profile: "nope".into(),
            result: Err(ProfileFailure::Client(ApiError::new(
                ApiErrorKind::Credentials,
                "the config profile (nope) could not be found",
            ))),
        },
    );
    assert!(s.dirty, "a frame is asked for");
    let flash = s.flash.as_ref().map(|f| f.text.clone()).unwrap_or_default();
    assert!(
        flash.contains("✗ profile nope") && flash.contains("could not be found"),
        "{flash}"
    );
    // The old client stays: the users view is kept.
    assert!(s.users.is_some());
}

// ---------------------------------------------------------------- retry after fixing the cause (issue 11)

/// A license change leaves two users failed (suspended); unsuspending them
/// (another kind of change) does not lose that failed set: `r` still
/// retries the license change for exactly those two. Each row's result
/// names its change; a new license change replaces the set.
#[test]
fn the_failed_set_survives_an_unsuspend_and_r_retries_it() {
    use chime_admin::console::form::UserAction;
    use chime_admin::model::RegistrationStatus;
    let (mut s, _) = opened_mixed();
    let (batch, _) = apply_basic_to_first_five(&mut s);
    let suspended = |id: &str| OutcomeResult::Failed {
        code: Some(ErrorCode::Conflict),
        message: format!("User {id} is suspended"),
        request_id: Some("req-1".into()),
    };
    batch_done(
        &mut s,
        batch,
        vec![
            ("u-00000", OutcomeResult::Ok { request_id: None }),
            ("u-00001", suspended("1")),
            ("u-00002", suspended("2")),
        ],
    );
    let row = |s: &State, i: usize| s.users.as_ref().unwrap().list.items()[i].clone();
    assert_eq!(row(&s, 1).change.map(|c| c.noun), Some("license change"));
    // The service shows them suspended; the admin unsuspends both.
    for id in ["u-00001", "u-00002"] {
        let mut u = row(&s, id[2..].parse::<usize>().unwrap()).user;
        u.user_registration_status = Some(RegistrationStatus::Suspended);
        let gen_id = s.users.as_ref().unwrap().gen_id;
        update(
            &mut s,
            Action::UsersRefreshed {
                gen_id,
                account_id: "acc-0".into(),
                users: vec![u],
                failed: vec![],
                error: None,
            },
        );
    }
    cmd(&mut s, Command::Unsuspend);
    let p = preview(&s);
    assert_eq!(p.plan.change, Change::Action(UserAction::Unsuspend));
    assert_eq!(p.plan.changes.len(), 2, "the two marked, suspended users");
    let fx = cmd(&mut s, Command::Yes);
    let [Effect::Io(Request::Change { batch_id, plan })] = &fx[..] else {
        panic!("{fx:?}")
    };
    assert!(
        matches!(plan.change, Change::Action(_)),
        "{:?}",
        plan.change
    );
    let both_ok = || {
        vec![
            ("u-00001", OutcomeResult::Ok { request_id: None }),
            ("u-00002", OutcomeResult::Ok { request_id: None }),
        ]
    };
    batch_done(&mut s, *batch_id, both_ok());
    assert_eq!(row(&s, 1).change.map(|c| c.done), Some("unsuspended"));
    assert_eq!(row(&s, 0).change.map(|c| c.done), Some("license changed"));
    // r: the license change again, for exactly the two it failed for.
    cmd(&mut s, Command::Retry);
    let p = preview(&s);
    let Change::Update(u) = &p.plan.change else {
        panic!("an update: {:?}", p.plan.change)
    };
    assert_eq!(u.license_type, Some(License::Basic));
    let ids: Vec<&str> = p.plan.changes.iter().map(|c| c.user_id.as_str()).collect();
    assert_eq!(ids, vec!["u-00001", "u-00002"]);
    assert_eq!(p.picked, "to retry");
    let fx = cmd(&mut s, Command::Yes);
    let [Effect::Io(Request::Change { batch_id, plan })] = &fx[..] else {
        panic!("{fx:?}")
    };
    assert!(
        matches!(plan.change, Change::Update(_)),
        "{:?}",
        plan.change
    );
    batch_done(&mut s, *batch_id, both_ok());
    // The license change succeeded for all: nothing left to retry.
    assert!(s.failed.is_empty(), "{:?}", s.failed);
    cmd(&mut s, Command::Retry);
    assert!(s.modals.is_empty());
    assert!(
        s.flash
            .as_ref()
            .is_some_and(|f| f.text.contains("no failed users"))
    );
}

/// The run loop's clock: a command that comes less than 150 ms after the
/// previous key or paste is hurried (it cannot confirm a change); a resize
/// is not input; text typed into a field stays text.
#[test]
fn the_input_clock_tells_a_burst_from_a_person() {
    use chime_admin::console::run::{CONFIRM_QUIET, InputClock};
    use crossterm::event::Event;
    use std::time::{Duration, Instant};
    let y = Event::Key(key(KeyCode::Char('y'), KeyModifiers::NONE));
    let t0 = Instant::now();
    let mut clock = InputClock::default();
    let stamp = |clock: &mut InputClock, ev: &Event, at: Duration| {
        clock.stamp(ev, t0 + at, Some(Action::Cmd(Command::Yes)))
    };
    // The first key, and one after a person's pause: ordinary commands.
    assert!(matches!(
        stamp(&mut clock, &y, Duration::ZERO),
        Some(Action::Cmd(Command::Yes))
    ));
    let later = CONFIRM_QUIET + Duration::from_millis(1);
    assert!(matches!(
        stamp(&mut clock, &y, later),
        Some(Action::Cmd(Command::Yes))
    ));
    // 20 ms after the previous key: hurried.
    let soon = later + Duration::from_millis(20);
    assert!(matches!(
        stamp(&mut clock, &y, soon),
        Some(Action::HurriedCmd(Command::Yes))
    ));
    // A resize between does not count as input.
    let resize = Event::Resize(100, 30);
    let at = soon + CONFIRM_QUIET + Duration::from_millis(5);
    stamp(&mut clock, &resize, at - Duration::from_millis(1));
    assert!(matches!(
        stamp(&mut clock, &y, at),
        Some(Action::Cmd(Command::Yes))
    ));
    // Right after a paste: hurried too.
    let paste = Event::Paste("x".into());
    clock.stamp(&paste, t0 + at + Duration::from_secs(1), None);
    let after = at + Duration::from_secs(1) + Duration::from_millis(30);
    assert!(matches!(
        stamp(&mut clock, &y, after),
        Some(Action::HurriedCmd(Command::Yes))
    ));
    // Typed text is never turned into anything else.
    let typed = clock.stamp(
        &y,
        t0 + after + Duration::from_millis(1),
        Some(Action::Input(InputRequest::InsertChar('y'))),
    );
    assert!(matches!(
        typed,
        Some(Action::Input(InputRequest::InsertChar('y')))
    ));
}

/// The users pane loads pages by itself (a filter wants them all): a
/// service that repeats a NextToken stops the paging with the error shown,
/// keeps what came, and asks for nothing more until a reload.
#[test]
fn a_repeated_users_token_stops_the_paging_with_an_error_and_keeps_the_rows() {
    let (mut s, g) = opened();
    update(&mut s, page(g, 0..200, Some("t1")));
    cmd(&mut s, Command::Filter);
    let fx = type_text(&mut s, "@example");
    assert_eq!(fx.len(), 1, "a filter over partial data loads the rest");
    let fx = update(&mut s, page(g, 200..400, Some("t1")));
    assert!(fx.is_empty(), "nothing more is asked for: {fx:?}");
    let v = s.users.as_ref().expect("view");
    assert_eq!(v.paging, Paging::Stopped);
    assert_eq!(v.list.len(), 400, "what came stays");
    match &s.modals[..] {
        [Modal::Error(e)] => {
            assert_eq!(
                (e.operation.as_str(), e.code.as_str()),
                ("ListUsers", "Paging")
            );
            assert!(
                e.message.contains("a NextToken it had sent before"),
                "{e:?}"
            );
            assert!(
                e.hint.as_deref().is_some_and(|h| h.contains("ctrl-r")),
                "{e:?}"
            );
        }
        other => panic!("expected the paging error, got {other:?}"),
    }
    assert_eq!(
        rows_status(&s),
        "matching 400 of 400 loaded · paging stopped: ctrl-r reloads"
    );
    // Moving on (the cursor near the end) asks for nothing either.
    cmd(&mut s, Command::Back);
    cmd(&mut s, Command::Submit);
    assert!(cmd(&mut s, Command::Bottom).is_empty());
}

/// Endless empty pages, each with a new token: ten in a row stop it.
#[test]
fn endless_empty_users_pages_stop_after_ten() {
    let (mut s, g) = opened();
    let mut asked = 0;
    let mut fx = update(&mut s, page(g, 0..200, Some("t0")));
    fx.extend(cmd(&mut s, Command::Bottom));
    for i in 1..=20 {
        if fx.is_empty() {
            break;
        }
        asked += 1;
        fx = update(&mut s, page(g, 0..0, Some(&format!("t{i}"))));
    }
    assert_eq!(asked, 10, "the tenth empty page stops it");
    let v = s.users.as_ref().expect("view");
    assert_eq!(v.paging, Paging::Stopped);
    assert!(matches!(&s.modals[..], [Modal::Error(e)] if e.message.contains("10 empty pages")));
}

/// The accounts load every page by themselves: a repeated token stops
/// them, the accounts that came are listed, the list says it is incomplete.
#[test]
fn a_repeated_accounts_token_stops_the_listing() {
    let mut s = State::new("e", false, Theme::default());
    let fx = start(&mut s);
    let Effect::Io(Request::LoadAccounts { gen_id, .. }) = fx[0].clone() else {
        panic!("{fx:?}")
    };
    let next = |s: &mut State, range: std::ops::Range<usize>| {
        update(
            s,
            Action::AccountsPage {
                gen_id,
                accounts: range.map(account).collect(),
                next_token: Some("same".into()),
            },
        )
    };
    assert_eq!(next(&mut s, 0..3).len(), 1);
    assert!(next(&mut s, 3..6).is_empty());
    assert!(!s.accounts.loading && !s.accounts.loaded);
    assert!(matches!(&s.modals[..], [Modal::Error(e)] if e.operation == "ListAccounts"));
    cmd(&mut s, Command::Back);
    assert_eq!(
        rows_status(&s),
        "6 accounts loaded, paging stopped: ctrl-r reloads"
    );
}

/// A "throttled, retrying" notice ends with the next answer of any call
/// (here the values re-read after a change), not with a running change's
/// progress, whose chunks may still be retried.
#[test]
fn the_retrying_notice_ends_with_an_answer_not_with_progress() {
    let (mut s, g) = opened();
    let retrying = |s: &mut State| {
        update(
            s,
            Action::Retrying {
                operation: "GetUser".into(),
                attempt: 2,
                throttled: true,
            },
        );
        assert!(s.retrying.is_some());
    };
    retrying(&mut s);
    update(
        &mut s,
        Action::BatchProgress {
            batch_id: 99,
            done: 1,
            failed: 0,
            total: 2,
            elapsed_ms: 10,
        },
    );
    assert!(s.retrying.is_some(), "progress is not an answer");
    update(
        &mut s,
        Action::UsersRefreshed {
            gen_id: g,
            account_id: "acc-0".into(),
            users: users(0..1),
            failed: vec![],
            error: None,
        },
    );
    assert_eq!(s.retrying, None);
    retrying(&mut s);
    update(&mut s, failed(g + 7, "GetUser"));
    assert_eq!(s.retrying, None, "a failure ends it too");
}

/// `a` while pages still load, then the service repeats a token: marking
/// stops with what came (the rows that match and arrived are marked), the
/// paging error is shown, and no page is asked for again.
#[test]
fn mark_all_stops_with_the_paging_error_and_keeps_what_came() {
    let (mut s, g) = opened();
    update(&mut s, page(g, 0..200, Some("t1")));
    cmd(&mut s, Command::Filter);
    type_text(&mut s, "5@");
    cmd(&mut s, Command::Submit);
    cmd(&mut s, Command::MarkAll);
    assert_eq!(s.users.as_ref().map(|v| v.mark_all_pending), Some(true));
    let fx = update(&mut s, page(g, 200..400, Some("t1")));
    assert!(fx.is_empty(), "{fx:?}");
    let v = s.users.as_ref().expect("view");
    assert!(!v.mark_all_pending);
    assert_eq!(v.marks.len(), 40, "the matches that came are marked");
    assert!(matches!(&s.modals[..], [Modal::Error(e)] if e.code == "Paging"));
}

/// Issue 22, item 2: changed rows that no longer match the filter stay for
/// their results, and the title says so instead of counting them as
/// matches; `/`⏎ applies the filter again.
#[test]
fn changed_rows_that_no_longer_match_are_said_so_and_enter_re_applies() {
    use chime_admin::console::ui::users::counts_text;
    let (mut s, g) = opened_mixed();
    cmd(&mut s, Command::Filter);
    type_text(&mut s, "license:pro");
    cmd(&mut s, Command::Submit);
    assert_eq!(counts_text(s.users.as_ref().unwrap()), "8 shown: Pro 8");
    // u-00000, u-00001, u-00002 (the first three shown) to Basic.
    let (batch, ids) = apply_basic_to_first_five(&mut s);
    assert_eq!(ids.len(), 5);
    let ok = || OutcomeResult::Ok { request_id: None };
    let outcomes: Vec<(&str, OutcomeResult)> = ids.iter().map(|id| (id.as_str(), ok())).collect();
    batch_done(&mut s, batch, outcomes);
    let read: Vec<User> = ids
        .iter()
        .map(|id| {
            let mut u = user(id[2..].parse().unwrap());
            u.license_type = Some(License::Basic);
            u
        })
        .collect();
    update(
        &mut s,
        Action::UsersRefreshed {
            gen_id: g,
            account_id: "acc-0".into(),
            users: read,
            failed: vec![],
            error: None,
        },
    );
    assert_eq!(
        counts_text(s.users.as_ref().unwrap()),
        "8 shown: Pro 3 · 5 kept: no longer match"
    );
    assert!(
        rows_status(&s).starts_with("5 changed rows kept, no longer matching: /⏎ re-filters"),
        "{}",
        rows_status(&s)
    );
    cmd(&mut s, Command::Filter);
    cmd(&mut s, Command::Submit);
    assert_eq!(counts_text(s.users.as_ref().unwrap()), "3 shown: Pro 3");
}

/// Issue 22, item 3: the status line's "N marked" is the title's count,
/// after the marks change too.
#[test]
fn the_marked_count_has_one_source() {
    let (mut s, _) = opened_mixed();
    cmd(&mut s, Command::MarkAll);
    assert_eq!(s.flash.as_ref().map(|f| f.text.as_str()), Some("10 marked"));
    cmd(&mut s, Command::Mark); // the cursor's row unmarked
    assert_eq!(s.users.as_ref().unwrap().marks.len(), 9);
    assert_eq!(s.flash.as_ref().map(|f| f.text.as_str()), Some("9 marked"));
    cmd(&mut s, Command::ClearMarks);
    assert_eq!(s.flash, None, "no marks: nothing to count");
}

/// Issue 22, item 4: `F` shows the failed rows; `F` again goes back to the
/// filter you had, not to every user.
#[test]
fn f_toggles_back_to_your_filter() {
    let (mut s, _) = opened_mixed();
    cmd(&mut s, Command::Filter);
    type_text(&mut s, "license:pro");
    cmd(&mut s, Command::Submit);
    let text = |s: &State| s.users.as_ref().unwrap().filter.text().to_string();
    cmd(&mut s, Command::ShowFailed);
    assert_eq!(text(&s), "result:failed");
    cmd(&mut s, Command::ShowFailed);
    assert_eq!(text(&s), "license:pro");
    assert_eq!(s.users.as_ref().unwrap().list.visible_len(), 8);
}

/// Issue 22, item 5: `:export csv results` holds the last change's rows
/// only, never an earlier change's.
#[test]
fn results_export_holds_the_last_change_only() {
    let (mut s, _) = opened_mixed();
    basic_for_five_with_u1_refused(&mut s); // u-00000..2 have results
    cmd(&mut s, Command::ClearMarks);
    cmd(&mut s, Command::Top);
    for _ in 0..6 {
        cmd(&mut s, Command::Down);
    }
    cmd(&mut s, Command::Logout); // u-00006 only
    let fx = cmd(&mut s, Command::Yes);
    let [Effect::Io(Request::Change { batch_id, .. })] = &fx[..] else {
        panic!("{fx:?}")
    };
    batch_done(
        &mut s,
        *batch_id,
        vec![("u-00006", OutcomeResult::Ok { request_id: None })],
    );
    let (_, csv) = written(&colon(&mut s, "export csv results out.csv"));
    let rows: Vec<&str> = csv.lines().skip(1).collect();
    assert_eq!(rows.len(), 1, "{csv}");
    assert!(rows[0].contains("u-00006"), "{csv}");
}

/// Issue 22, item 9: the form's letters pick among the account's licenses
/// only; a letter two of them share moves to the next on a second press.
#[test]
fn a_shared_letter_pressed_again_moves_to_the_next_license() {
    use chime_admin::console::form::{ChangeForm, FormField};
    let u = user(0);
    let all = vec![License::Basic, License::Plus, License::Pro];
    let mut f = ChangeForm::new("acc-0", "Account 0", all, &[&u]);
    assert_eq!(f.field, FormField::License);
    f.jump('P');
    assert_eq!(f.license, Some(License::Plus));
    f.jump('p');
    assert_eq!(f.license, Some(License::Pro), "P again: the next P");
    f.jump('P');
    assert_eq!(f.license, Some(License::Plus), "and round again");
    f.jump('b');
    assert_eq!(f.license, Some(License::Basic));
    // A Team account: Basic and Pro only; P is Pro.
    let team = vec![License::Basic, License::Pro];
    let mut f = ChangeForm::new("acc-0", "Account 0", team, &[&u]);
    f.jump('b');
    f.jump('P');
    assert_eq!(f.license, Some(License::Pro));
}

/// Issue 22, item 10: `:` commands take their values in any case.
#[test]
fn colon_commands_take_values_in_any_case() {
    let (mut s, g) = opened();
    update(&mut s, page(g, 0..5, None));
    colon(&mut s, "sort License DESC");
    let sort = s.users.as_ref().and_then(|v| v.sort).expect("sorted");
    assert!(sort.descending, "{sort:?}");
    cmd(&mut s, Command::Mark);
    let (path, csv) = written(&colon(&mut s, "export CSV Marked m.csv"));
    assert_eq!(path, std::path::PathBuf::from("m.csv"));
    assert_eq!(csv.lines().count(), 2, "{csv}");
}

/// A re-read that could not be sent at all (the client failed) ends: the
/// error shows, and ctrl-r reloads again instead of waiting for it.
#[test]
fn a_re_read_that_fails_whole_ends_and_ctrl_r_reloads() {
    let (mut s, g) = opened_mixed();
    basic_for_five_with_u1_refused(&mut s);
    assert_eq!(s.users.as_ref().unwrap().rereading, 3);
    update(&mut s, failed(g, "GetUser"));
    assert_eq!(s.users.as_ref().unwrap().rereading, 0);
    assert!(matches!(s.modals.last(), Some(Modal::Error(_))));
    cmd(&mut s, Command::Back);
    let fx = cmd(&mut s, Command::Reload);
    assert!(
        fx.iter()
            .any(|e| matches!(e, Effect::Io(Request::LoadUsersPage { .. }))),
        "{fx:?}"
    );
}
