//! Choosing users in the console, through `update` only: the filter language
//! (fields, negation, errors), sort, counts by license, and the results view
//! after a change (result:failed, n/N, :mark failed).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;
use tui_input::InputRequest;

use chime_admin::client::OutcomeResult;
use chime_admin::console::action::Action;
use chime_admin::console::columns::UserCol;
use chime_admin::console::command::Command;
use chime_admin::console::effect::{Effect, Request, Term};
use chime_admin::console::form::{ChangeLabel, Field, FieldChange, PlannedChange};
use chime_admin::console::state::{LicenseCounts, Modal, Pane, RowResult, State};
use chime_admin::console::theme::Theme;
use chime_admin::console::update::{start, update};
use chime_admin::model::{
    Account, AccountType, ErrorCode, License, RegistrationStatus, User, UserType,
};

const LICENSES: [License; 3] = [License::Pro, License::Plus, License::Basic];
const REGS: [RegistrationStatus; 3] = [
    RegistrationStatus::Registered,
    RegistrationStatus::Unregistered,
    RegistrationStatus::Suspended,
];

/// User `i`: licenses cycle Pro, Plus, Basic; registration cycles every
/// seven users (so the two are not in step); every fifth is a shared device.
fn user(i: usize) -> User {
    User {
        user_id: format!("u-{i:05}"),
        account_id: Some("acc-0".into()),
        primary_email: Some(format!("user{i:05}@example.com").into()),
        display_name: Some(
            if i % 10 == 3 {
                format!("Room {i}")
            } else {
                format!("Person {i}")
            }
            .into(),
        ),
        license_type: Some(LICENSES[i % 3].clone()),
        user_type: Some(if i.is_multiple_of(5) {
            UserType::SharedDevice
        } else {
            UserType::PrivateUser
        }),
        user_registration_status: Some(REGS[(i / 7) % 3].clone()),
        ..Default::default()
    }
}

/// One command; a plan it asks for is read from the rows on screen.
fn cmd(s: &mut State, c: Command) -> Vec<Effect> {
    let fx = update(s, Action::Cmd(c));
    support::planner::answer_plans(s, fx)
}

fn type_text(s: &mut State, text: &str) -> Vec<Effect> {
    let mut fx = Vec::new();
    for c in text.chars() {
        fx.extend(update(s, Action::Input(InputRequest::InsertChar(c))));
    }
    fx
}

fn cmdline(s: &mut State, line: &str) -> Vec<Effect> {
    cmd(s, Command::CommandLine);
    type_text(s, line);
    cmd(s, Command::Submit)
}

/// Accounts loaded, the first one open, its users in pages ending at `ends`
/// (`[200, 450]`: users 0..200, then 200..450); the last page ends the
/// listing if `complete`.
fn opened(ends: &[usize], complete: bool) -> State {
    let pages: Vec<std::ops::Range<usize>> = ends
        .iter()
        .scan(0, |start, &end| {
            let r = *start..end;
            *start = end;
            Some(r)
        })
        .collect();
    let mut s = State::new("http://127.0.0.1:1", false, Theme::default());
    update(
        &mut s,
        Action::Resize {
            width: 120,
            height: 40,
        },
    );
    let fx = start(&mut s);
    let Some(Effect::Io(Request::LoadAccounts { gen_id, .. })) = fx.first().cloned() else {
        panic!("expected LoadAccounts, got {fx:?}")
    };
    update(
        &mut s,
        Action::AccountsPage {
            gen_id,
            accounts: vec![Account {
                account_id: "acc-0".into(),
                name: "Design Studio".into(),
                account_type: Some(AccountType::EnterpriseLWA),
                supported_licenses: Some(LICENSES.to_vec()),
                ..Default::default()
            }],
            next_token: None,
        },
    );
    let fx = cmd(&mut s, Command::Open);
    let Some(Effect::Io(Request::LoadUsersPage { gen_id, .. })) = fx.first().cloned() else {
        panic!("expected LoadUsersPage, got {fx:?}")
    };
    for (k, r) in pages.iter().enumerate() {
        let last = k + 1 == pages.len();
        update(
            &mut s,
            Action::UsersPage {
                gen_id,
                account_id: "acc-0".into(),
                users: r.clone().map(user).collect(),
                next_token: (!(last && complete)).then(|| format!("t{k}")),
            },
        );
    }
    s
}

fn shown(s: &State) -> Vec<String> {
    let v = s.users.as_ref().expect("view");
    v.list
        .visible()
        .iter()
        .map(|&i| v.list.items()[i].user.user_id.clone())
        .collect()
}

fn ids(f: impl Fn(&User) -> bool, n: usize) -> Vec<String> {
    (0..n)
        .map(user)
        .filter(|u| f(u))
        .map(|u| u.user_id)
        .collect()
}

fn filter(s: &mut State, expr: &str) -> Vec<Effect> {
    cmd(s, Command::Filter);
    let mut fx = type_text(s, expr);
    fx.extend(cmd(s, Command::Submit));
    fx
}

#[test]
fn terms_of_every_field_are_anded_and_the_counts_are_of_the_matches() {
    let mut s = opened(&[200, 450], true);
    // Counted as the pages arrive.
    let all = LicenseCounts {
        pro: 150,
        plus: 150,
        basic: 150,
        ..Default::default()
    };
    assert_eq!(s.users.as_ref().map(|v| v.counts), Some(all));
    filter(&mut s, "license:pro reg:unregistered");
    let want = ids(
        |u| {
            u.license_type == Some(License::Pro)
                && u.user_registration_status == Some(RegistrationStatus::Unregistered)
        },
        450,
    );
    assert!(want.len() > 20, "a real selection: {}", want.len());
    assert_eq!(shown(&s), want);
    let v = s.users.as_ref().expect("view");
    assert_eq!(v.query_error, None);
    assert_eq!(
        v.counts,
        LicenseCounts {
            pro: want.len(),
            ..Default::default()
        }
    );

    // Negation, user type, free text over the display name, alternatives.
    for (expr, f) in [
        (
            "-license:pro type:shared",
            Box::new(|u: &User| {
                u.license_type != Some(License::Pro) && u.user_type == Some(UserType::SharedDevice)
            }) as Box<dyn Fn(&User) -> bool>,
        ),
        (
            "room",
            Box::new(|u: &User| u.display_name().starts_with("Room")),
        ),
        (
            "\"room 13\"",
            Box::new(|u: &User| u.display_name().to_lowercase().contains("room 13")),
        ),
        (
            "license:basic,plus -reg:suspended",
            Box::new(|u: &User| {
                u.license_type != Some(License::Pro)
                    && u.user_registration_status != Some(RegistrationStatus::Suspended)
            }),
        ),
        (
            "user0001",
            Box::new(|u: &User| u.email().contains("user0001")),
        ),
    ] {
        cmd(&mut s, Command::Back); // clears the filter
        filter(&mut s, expr);
        assert_eq!(shown(&s), ids(f, 450), "{expr}");
    }
    // The counts add up to what is shown, by license.
    cmd(&mut s, Command::Back);
    filter(&mut s, "reg:registered");
    let v = s.users.as_ref().expect("view");
    let c = v.counts;
    assert_eq!(c.pro + c.plus + c.basic, v.list.visible_len());
    assert_eq!(
        c.plus,
        ids(
            |u| u.license_type == Some(License::Plus)
                && u.user_registration_status == Some(RegistrationStatus::Registered),
            450
        )
        .len()
    );
}

#[test]
fn a_term_that_cannot_be_read_is_an_error_and_the_rows_stay() {
    let mut s = opened(&[60], true);
    filter(&mut s, "license:pro");
    let pro = shown(&s);
    cmd(&mut s, Command::Filter);
    type_text(&mut s, " reg:x");
    let v = s.users.as_ref().expect("view");
    let e = v.query_error.as_deref().expect("an error");
    assert!(e.contains("registered, unregistered, suspended"), "{e}");
    update(&mut s, Action::Input(InputRequest::DeletePrevChar));
    type_text(&mut s, "registered");
    let v = s.users.as_ref().expect("view");
    assert_eq!(v.query_error, None);
    assert_eq!(
        shown(&s),
        ids(
            |u| u.license_type == Some(License::Pro)
                && u.user_registration_status == Some(RegistrationStatus::Registered),
            60
        )
    );
    assert!(shown(&s).len() < pro.len());
    type_text(&mut s, " licence:basic");
    let e = s
        .users
        .as_ref()
        .and_then(|v| v.query_error.clone())
        .expect("error");
    assert!(
        e.contains("unknown field") && e.contains("license, type, reg"),
        "{e}"
    );
    cmd(&mut s, Command::Submit);
    // :filter refuses such a mistake in the command line and keeps it open.
    let before = shown(&s);
    cmdline(&mut s, "filter license:gold");
    let hint = s
        .cmdline
        .as_ref()
        .and_then(|c| c.hint.clone())
        .expect("hint");
    assert!(
        hint.contains("pro, plus, basic") && hint.contains("gold"),
        "{hint}"
    );
    assert_eq!(shown(&s), before);
}

#[test]
fn an_email_term_asks_the_service_for_that_address() {
    let mut s = opened(&[200], false);
    let fx = filter(&mut s, "email:Someone@Example.com");
    let fx: Vec<_> = fx
        .into_iter()
        .chain(cmd(&mut s, Command::Submit))
        .filter(|e| matches!(e, Effect::Io(Request::FindUserByEmail { .. })))
        .collect();
    match &fx[..] {
        [Effect::Io(Request::FindUserByEmail { email, .. })] => {
            assert_eq!(email.expose(), "someone@example.com")
        }
        other => panic!("expected one look-up, got {other:?}"),
    }
}

#[test]
fn sorting_is_stable_keeps_marks_and_the_cursors_user_and_reverses() {
    let mut s = opened(&[30], false);
    cmd(&mut s, Command::Down);
    cmd(&mut s, Command::Mark); // marks u-00001, moves to u-00002
    let before = s
        .users
        .as_ref()
        .and_then(|v| v.selected_user())
        .map(|u| u.user_id.clone());
    cmdline(&mut s, "sort license");
    let v = s.users.as_ref().expect("view");
    assert_eq!(v.sort.map(|x| x.key), Some(UserCol::License));
    let lic: Vec<String> = v
        .list
        .visible()
        .iter()
        .map(|&i| {
            v.list.items()[i]
                .user
                .license_type
                .as_ref()
                .map(|l| l.as_str().to_string())
                .unwrap_or_default()
        })
        .collect();
    let mut sorted = lic.clone();
    sorted.sort();
    assert_eq!(lic, sorted);
    // Stable: within a license, the load order.
    let basic: Vec<String> = shown(&s).into_iter().take(10).collect();
    assert_eq!(basic, ids(|u| u.license_type == Some(License::Basic), 30));
    assert_eq!(
        v.selected_user().map(|u| u.user_id.clone()),
        before,
        "the cursor stays on its user"
    );
    assert!(v.marks.contains("u-00001"));
    // Pages that arrive later are sorted in.
    let gen_id = v.gen_id;
    update(
        &mut s,
        Action::UsersPage {
            gen_id,
            account_id: "acc-0".into(),
            users: (30..60).map(user).collect(),
            next_token: None,
        },
    );
    let first: Vec<String> = shown(&s).into_iter().take(20).collect();
    assert_eq!(first, ids(|u| u.license_type == Some(License::Basic), 60));
    // `O` reverses; `o` cycles on to the next column.
    cmd(&mut s, Command::SortReverse);
    let v = s.users.as_ref().expect("view");
    assert!(v.sort.is_some_and(|x| x.descending));
    assert_eq!(
        v.list.items()[v.list.visible()[0]].user.license_type,
        Some(License::Pro)
    );
    cmd(&mut s, Command::SortNext);
    assert_eq!(
        s.users.as_ref().and_then(|v| v.sort).map(|x| x.key),
        Some(UserCol::UserType)
    );
    cmdline(&mut s, "sort");
    assert_eq!(shown(&s), ids(|_| true, 60), "back to the load order");
}

#[test]
fn o_sorts_by_each_column_in_table_order_then_the_load_order() {
    let mut s = opened(&[30], true);
    let mut keys = Vec::new();
    for _ in 0..9 {
        cmd(&mut s, Command::SortNext);
        keys.push(s.users.as_ref().and_then(|v| v.sort).map(|x| x.key));
    }
    use UserCol as C;
    let want = [
        C::Email,
        C::Name,
        C::License,
        C::UserType,
        C::Registration,
        C::Invitation,
        C::A4b,
        C::Result,
    ];
    let mut want: Vec<Option<UserCol>> = want.into_iter().map(Some).collect();
    want.push(None);
    assert_eq!(keys, want);
    assert_eq!(shown(&s), ids(|_| true, 30), "back to the load order");
}

/// Marks the first `n` users, changes them to Basic and lands the outcomes:
/// users 1 and 4 fail.
fn change_with_failures(s: &mut State, n: usize) -> Vec<String> {
    for _ in 0..n {
        cmd(s, Command::Mark);
    }
    cmd(s, Command::Edit);
    update(s, Action::Input(InputRequest::InsertChar('b')));
    cmd(s, Command::Submit);
    cmd(s, Command::NextField);
    let fx = cmd(s, Command::Submit);
    let Some(Effect::Io(Request::Change { batch_id, plan })) = fx.first().cloned() else {
        panic!("expected an update, got {fx:?}")
    };
    assert!(matches!(
        plan.change,
        chime_admin::console::form::Change::Update(_)
    ));
    let changes = &plan.changes;
    let failed = vec!["u-00001".to_string(), "u-00004".to_string()];
    let outcomes = changes
        .iter()
        .map(|c| {
            let r = if failed.contains(&c.user_id) {
                OutcomeResult::Failed {
                    code: Some(ErrorCode::Conflict),
                    message: "User is suspended".into(),
                    request_id: None,
                }
            } else {
                OutcomeResult::Ok { request_id: None }
            };
            (c.user_id.clone(), r)
        })
        .collect();
    update(
        s,
        Action::BatchDone {
            batch_id,
            account_id: "acc-0".into(),
            change_id: "01TESTCHANGE".into(),
            audit_error: None,
            outcomes,
            elapsed_ms: 5,
        },
    );
    failed
}

#[test]
fn after_a_change_the_failed_rows_can_be_shown_visited_and_marked() {
    let mut s = opened(&[40], true);
    let failed = change_with_failures(&mut s, 6);
    filter(&mut s, "result:failed");
    assert_eq!(shown(&s), failed);
    cmd(&mut s, Command::Back);
    filter(&mut s, "-result:failed license:pro");
    assert!(!shown(&s).iter().any(|id| failed.contains(id)));
    cmd(&mut s, Command::Back);
    // F toggles the failed-only view.
    cmd(&mut s, Command::ShowFailed);
    assert_eq!(shown(&s), failed);
    cmd(&mut s, Command::ShowFailed);
    assert_eq!(shown(&s).len(), 40);
    // n / N visit the failed rows, wrapping.
    cmd(&mut s, Command::Top);
    let at = |s: &State| {
        s.users
            .as_ref()
            .and_then(|v| v.selected_user())
            .map(|u| u.user_id.clone())
    };
    cmd(&mut s, Command::NextFailed);
    assert_eq!(at(&s).as_deref(), Some("u-00001"));
    cmd(&mut s, Command::NextFailed);
    assert_eq!(at(&s).as_deref(), Some("u-00004"));
    cmd(&mut s, Command::NextFailed);
    assert_eq!(at(&s).as_deref(), Some("u-00001"));
    cmd(&mut s, Command::PrevFailed);
    assert_eq!(at(&s).as_deref(), Some("u-00004"));
    // :mark failed marks exactly them.
    cmd(&mut s, Command::ClearMarks);
    cmdline(&mut s, "mark failed");
    let v = s.users.as_ref().expect("view");
    let mut marks: Vec<String> = v.marks.iter().cloned().collect();
    marks.sort();
    assert_eq!(marks, failed);
    // Sorting by result puts the failures first.
    cmdline(&mut s, "sort result");
    assert_eq!(shown(&s)[..2], failed[..]);
}

#[test]
fn copy_email_with_marks_copies_every_marked_email_and_export_keeps_files() {
    let mut s = opened(&[10], true);
    cmd(&mut s, Command::Mark);
    cmd(&mut s, Command::Mark);
    cmd(&mut s, Command::Down);
    cmd(&mut s, Command::Mark);
    let fx = cmdline(&mut s, "copy email");
    match &fx[..] {
        [Effect::Term(Term::Copy { text, .. })] => assert_eq!(
            text.expose(),
            "user00000@example.com\nuser00001@example.com\nuser00003@example.com"
        ),
        other => panic!("expected a copy, got {other:?}"),
    }
    // `~` is the home the console started with (its State's), not this
    // process's HOME.
    let home = std::path::PathBuf::from("/home/someone-else");
    s.home = Some(home.clone());
    let fx = cmdline(&mut s, "export csv ~/x.csv");
    match &fx[..] {
        [
            Effect::Io(Request::WriteFile {
                path, overwrite, ..
            }),
        ] => {
            assert_eq!(path, &home.join("x.csv"));
            assert!(!overwrite);
        }
        other => panic!("expected a file, got {other:?}"),
    }
    let fx = cmdline(&mut s, "export! json marked out.json");
    assert!(
        matches!(
            &fx[..],
            [Effect::Io(Request::WriteFile {
                overwrite: true,
                ..
            })]
        ),
        "{fx:?}"
    );
}

#[test]
fn zoom_gives_the_focused_list_the_whole_width() {
    let mut s = opened(&[10], true);
    assert_eq!(s.focus, Pane::Users);
    cmd(&mut s, Command::Zoom);
    assert!(s.zoomed);
    cmd(&mut s, Command::Zoom);
    assert!(!s.zoomed);
    assert!(!s.modals.iter().any(|m| matches!(m, Modal::Help { .. })));
}

#[test]
fn after_account_name_the_accounts_cursor_is_on_that_account() {
    let mut s = State::new("http://127.0.0.1:1", false, Theme::default());
    update(
        &mut s,
        Action::Resize {
            width: 80,
            height: 24,
        },
    );
    let fx = start(&mut s);
    let Some(Effect::Io(Request::LoadAccounts { gen_id, .. })) = fx.first().cloned() else {
        panic!("{fx:?}")
    };
    let names = ["Acme", "Design Studio", "Globex", "Initech"];
    update(
        &mut s,
        Action::AccountsPage {
            gen_id,
            accounts: names
                .iter()
                .enumerate()
                .map(|(i, n)| Account {
                    account_id: format!("acc-{i}"),
                    name: n.to_string(),
                    ..Default::default()
                })
                .collect(),
            next_token: None,
        },
    );
    cmd(&mut s, Command::Down);
    cmd(&mut s, Command::Down); // on Globex
    // With the accounts filtered to other names, too.
    filter(&mut s, "o");
    cmdline(&mut s, "account Design Studio");
    assert_eq!(s.focus, Pane::Users);
    cmdline(&mut s, "accounts");
    assert_eq!(s.focus, Pane::Accounts);
    assert_eq!(
        s.selected_account().map(|a| a.name.as_str()),
        Some("Design Studio")
    );
    // T acts on that account.
    let fx = cmd(&mut s, Command::Settings);
    assert!(format!("{fx:?}").contains("acc-1"), "{fx:?}");
}

// ------------------------------------------------------------ on screen

fn screen(s: &State, w: u16, h: u16) -> String {
    let mut s = s.clone();
    update(
        &mut s,
        Action::Resize {
            width: w,
            height: h,
        },
    );
    let mut t = ratatui::Terminal::new(ratatui::backend::TestBackend::new(w, h)).expect("term");
    t.draw(|f| chime_admin::console::ui::render(&s, f))
        .expect("draw");
    let buf = t.backend().buffer();
    let mut out = String::new();
    for y in 0..h {
        for x in 0..w {
            out.push_str(buf[(x, y)].symbol());
        }
        out.push('\n');
    }
    out
}

fn snap(name: &str, s: &State) {
    for (w, h) in [(80, 24), (120, 40), (200, 50)] {
        insta::assert_snapshot!(format!("{name}_{w}x{h}"), screen(s, w, h));
    }
}

#[test]
fn the_filter_error_names_what_exists_on_screen() {
    let mut s = opened(&[30], true);
    cmd(&mut s, Command::Filter);
    type_text(&mut s, "license:gold");
    let text = screen(&s, 120, 40);
    assert!(
        text.contains("/license:gold ✗ license is one of pro, plus, basic, protrial"),
        "{text}"
    );
    assert!(
        text.contains("30 shown"),
        "the rows stay while the term is typed: {text}"
    );
    snap("filter_error", &s);
}

#[test]
fn the_title_counts_the_matches_by_license_and_the_marks() {
    let mut s = opened(&[200, 450], true);
    filter(&mut s, "reg:unregistered");
    cmd(&mut s, Command::MarkAll);
    let v = s.users.as_ref().expect("view");
    let c = v.counts;
    let text = screen(&s, 120, 40);
    let want = format!(
        "· {} marked · {} shown: Pro {} · Plus {} · Basic {}",
        c.pro + c.plus + c.basic,
        c.pro + c.plus + c.basic,
        c.pro,
        c.plus,
        c.basic
    );
    assert!(text.contains(&want), "{want}\n{text}");
    snap("counts", &s);
}

#[test]
fn the_results_view_keeps_the_changed_column_and_shows_only_failures() {
    let mut s = opened(&[40], true);
    change_with_failures(&mut s, 6);
    cmd(&mut s, Command::ShowFailed);
    for w in [80, 100, 120] {
        let text = screen(&s, w, 30);
        assert!(text.contains("License"), "{w} columns:\n{text}");
        assert!(text.contains("Conflict"), "{w} columns:\n{text}");
        assert!(!text.contains("user00000@"), "{w} columns:\n{text}");
    }
    snap("results_failed", &s);
}

#[test]
fn hostile_names_are_shown_not_run() {
    let mut s = opened(&[3], true);
    let v = s.users.as_mut().expect("view");
    v.list.items_mut()[0].user.display_name = Some("Eve\u{202E}gnp.exe\u{1b}]0;pwn\u{7}".into());
    v.list.items_mut()[0].user.primary_email = Some("ev\u{200B}e@example.com".into());
    let text = screen(&s, 120, 40);
    assert!(text.contains("Eve⟨U+202E⟩"), "{text}");
    assert!(text.contains("ev⟨U+200B⟩e@example.com"), "{text}");
    assert!(!text.contains('\u{202E}') && !text.contains('\u{1b}'));
}

#[test]
fn help_pages_and_searches() {
    let mut s = opened(&[3], true);
    cmd(&mut s, Command::Help);
    cmd(&mut s, Command::Filter);
    type_text(&mut s, "invite");
    let text = screen(&s, 80, 24);
    assert!(text.contains("invite users: paste emails"), "{text}");
    assert!(!text.contains("mark/unmark"), "{text}");
    assert!(text.contains("/invite"), "{text}");
    // Esc clears the search, a second one closes.
    cmd(&mut s, Command::Submit);
    cmd(&mut s, Command::Back);
    assert!(matches!(s.modals.last(), Some(Modal::Help { .. })));
    assert!(screen(&s, 80, 24).contains("help: every key"));
    cmd(&mut s, Command::PageDown);
    let Some(Modal::Help { scroll }) = s.modals.last() else {
        panic!()
    };
    assert!(*scroll > 1, "a page, not a line: {scroll}");
    cmd(&mut s, Command::Back);
    assert!(s.modals.is_empty());
}

#[test]
fn prompts_and_settings_have_their_own_footer_and_name_the_account() {
    let mut s = opened(&[3], true);
    cmd(&mut s, Command::Invite);
    let text = screen(&s, 100, 30);
    let footer = text.lines().last().unwrap_or_default().to_string();
    assert!(
        footer.contains("enter send") && footer.contains("esc cancel"),
        "{footer}"
    );
    assert!(!footer.contains("filter"), "{footer}");
    assert!(text.contains("Design Studio"), "{text}");
    cmd(&mut s, Command::Back);
    cmd(&mut s, Command::Settings);
    let gen_id = match s.modals.last() {
        Some(Modal::Settings(f)) => f.gen_id,
        other => panic!("{other:?}"),
    };
    update(
        &mut s,
        Action::SettingsLoaded {
            gen_id,
            settings: chime_admin::console::action::Settings::User(
                chime_admin::model::UserSettings {
                    telephony: chime_admin::model::TelephonySettings {
                        inbound_calling: true,
                        outbound_calling: false,
                        sms: true,
                    },
                },
            ),
        },
    );
    let text = screen(&s, 100, 30);
    let footer = text.lines().last().unwrap_or_default().to_string();
    assert!(
        footer.contains("enter save") && !footer.contains("preview"),
        "{footer}"
    );
    cmd(&mut s, Command::Back);
    // The accounts pane: + names the account it adds groups to.
    cmdline(&mut s, "accounts");
    cmd(&mut s, Command::AddGroups);
    assert!(screen(&s, 100, 30).contains("Add sign-in delegate groups · Design Studio"));
}

#[test]
fn too_small_names_the_quit_key_in_effect() {
    let mut s = opened(&[3], true);
    let overrides = [("quit".to_string(), vec!["Q".to_string()])]
        .into_iter()
        .collect();
    s.keymap = std::sync::Arc::new(
        chime_admin::console::keymap::Keymap::with_overrides(&overrides).expect("keymap"),
    );
    let text = screen(&s, 50, 12);
    assert!(text.contains("press Q to quit"), "{text}");
}

#[test]
fn long_emails_keep_their_room_before_an_empty_name_column() {
    let mut s = opened(&[5], true);
    let v = s.users.as_mut().expect("view");
    for (i, r) in v.list.items_mut().iter_mut().enumerate() {
        r.user.primary_email =
            Some(format!("firstname.lastname.{i}@subsidiary.example.org").into());
        r.user.display_name = None;
    }
    let text = screen(&s, 120, 30);
    assert!(
        text.contains("firstname.lastname.4@subsidiary.example.org"),
        "{text}"
    );
    // Narrower, the email gives way only to license and registration.
    let text = screen(&s, 100, 30);
    assert!(
        text.contains("License") && text.contains("Registration"),
        "{text}"
    );
    let header = text
        .lines()
        .find(|l| l.contains("Email"))
        .unwrap_or_default();
    let users_header = header.split("Email").nth(1).unwrap_or_default();
    assert!(
        !users_header.contains("Name"),
        "an empty Name column gives way: {header}"
    );
}

#[test]
fn an_unknown_outcome_is_its_own_state_filtered_shown_and_retried() {
    let mut s = opened(&[10], true);
    for _ in 0..3 {
        cmd(&mut s, Command::Mark);
    }
    cmd(&mut s, Command::Edit);
    update(&mut s, Action::Input(InputRequest::InsertChar('b')));
    cmd(&mut s, Command::Submit);
    cmd(&mut s, Command::NextField);
    let fx = cmd(&mut s, Command::Submit);
    let batch_id = fx
        .iter()
        .find_map(|e| match e {
            Effect::Io(chime_admin::console::effect::Request::Change { batch_id, .. }) => {
                Some(*batch_id)
            }
            _ => None,
        })
        .unwrap_or_else(|| panic!("expected a change, got {fx:?}"));
    update(
        &mut s,
        Action::BatchDone {
            batch_id,
            account_id: "acc-0".into(),
            change_id: "01TESTCHANGE".into(),
            audit_error: None,
            outcomes: vec![
                ("u-00000".into(), OutcomeResult::Ok { request_id: None }),
                (
                    "u-00001".into(),
                    OutcomeResult::Unknown {
                        message: "connection closed before the answer".into(),
                        request_id: Some("req-7".into()),
                    },
                ),
            ],
            elapsed_ms: 5,
        },
    );
    let summary = s.summary().unwrap_or_default();
    assert!(summary.contains("1 unknown"), "{summary}");
    filter(&mut s, "result:unknown");
    assert_eq!(shown(&s), ["u-00001"]);
    let text = screen(&s, 120, 40);
    assert!(text.contains("? unknown (license change)"), "{text}");
    // r offers it again (a license change is safe to send twice).
    cmd(&mut s, Command::Retry);
    match s.modals.last() {
        Some(Modal::Preview(p)) => {
            assert_eq!(
                p.plan
                    .changes
                    .iter()
                    .map(|c| c.user_id.as_str())
                    .collect::<Vec<_>>(),
                ["u-00001"]
            )
        }
        other => panic!("expected the retry preview, got {other:?}"),
    }
}

/// The users pane's header at `w`×30 once every row has the result of an
/// update that changed `fields`.
fn header_after_update_of(fields: &[Field], w: u16) -> String {
    let mut s = opened(&[5], true);
    let changes = vec![PlannedChange {
        user_id: "u-00000".into(),
        email: Default::default(),
        fields: fields
            .iter()
            .map(|&field| FieldChange {
                field,
                from: "old".into(),
                to: "new".into(),
            })
            .collect(),
    }];
    let label = ChangeLabel::of(None, &changes);
    let v = s.users.as_mut().expect("view");
    v.results_shown = true;
    for r in v.list.items_mut() {
        r.result = Some(RowResult::Done(OutcomeResult::Ok { request_id: None }));
        r.change = Some(label);
    }
    let text = screen(&s, w, 30);
    let head = text
        .lines()
        .find(|l| l.contains("Email") && l.contains("Result"));
    // The users pane only (the accounts pane beside has a License column).
    let head = head.and_then(|l| l.rsplit("││").next());
    head.unwrap_or_default().to_string()
}

#[test]
fn while_results_show_the_columns_of_the_changed_fields_stay() {
    let license = header_after_update_of(&[Field::License], 100);
    assert!(
        license.contains("License") && !license.contains("User type"),
        "{license}"
    );
    let user_type = header_after_update_of(&[Field::UserType], 100);
    assert!(
        user_type.contains("User type") && !user_type.contains("License"),
        "{user_type}"
    );
    for fields in [
        &[Field::A4b][..],
        &[Field::RoomArn],
        &[Field::A4b, Field::RoomArn],
    ] {
        let a4b = header_after_update_of(fields, 70);
        assert!(a4b.contains("A4B"), "{fields:?}: {a4b}");
    }
    let narrow = header_after_update_of(&[Field::License], 70);
    assert!(!narrow.contains("A4B"), "{narrow}");
    // Two kinds of field: both stay, the third kind (A4B) need not.
    let both = header_after_update_of(&[Field::License, Field::UserType], 140);
    for title in ["License", "User type"] {
        assert!(both.contains(title), "{both}");
    }
    // Narrower, the result stays first and the changed fields after it,
    // before any other column of their width (registration here; a narrow
    // A4B may still fill a gap).
    let both = header_after_update_of(&[Field::License, Field::UserType], 100);
    for title in ["Result", "License"] {
        assert!(both.contains(title), "{both:?}");
    }
    assert!(!both.contains("Registration"), "{both:?}");
    let both = header_after_update_of(&[Field::License, Field::UserType], 108);
    for title in ["Result", "License", "User type"] {
        assert!(both.contains(title), "{both:?}");
    }
    assert!(!both.contains("Registration"), "{both:?}");
}

/// What the console just said: the status line's message, or the dialog a
/// message too long for it opened (closed here).
fn what_was_said(s: &mut State) -> String {
    if let Some(Modal::Message(m)) = s.modals.last() {
        let m = m.clone();
        cmd(s, Command::Back);
        return m;
    }
    s.flash.as_ref().map(|f| f.text.clone()).unwrap_or_default()
}

/// Issue item 1: a filter with an error never becomes a selection or a
/// plan. `a` marks nothing and says why; with marks made by hand, `e` and
/// `s` open nothing while the filter line is wrong; fixed, they work.
#[test]
fn a_filter_with_an_error_marks_nothing_and_plans_nothing() {
    let mut s = opened(&[60], true);
    filter(&mut s, "license:pro reg:unregisterd");
    let e = s
        .users
        .as_ref()
        .and_then(|v| v.query_error.clone())
        .expect("an error");
    assert!(e.contains("registered, unregistered, suspended"), "{e}");
    assert!(cmd(&mut s, Command::MarkAll).is_empty());
    let v = s.users.as_ref().expect("view");
    assert!(v.marks.is_empty(), "{} marked", v.marks.len());
    let said = what_was_said(&mut s);
    assert!(
        said.contains("nothing marked: the filter has an error"),
        "{said}"
    );
    // A mark by hand, then a change: refused while the filter is wrong.
    cmd(&mut s, Command::Mark);
    for c in [Command::Edit, Command::Suspend] {
        let fx = cmd(&mut s, c);
        assert!(fx.is_empty(), "{c:?}: {fx:?}");
        let said = what_was_said(&mut s);
        assert!(s.modals.is_empty(), "{c:?}: {:?}", s.modals);
        assert!(said.contains("the filter has an error"), "{said}");
    }
    // Fixed: the selection is what the filter line says.
    cmd(&mut s, Command::Filter);
    update(&mut s, Action::Input(InputRequest::DeleteLine));
    type_text(&mut s, "license:pro reg:unregistered");
    cmd(&mut s, Command::Submit);
    assert_eq!(s.users.as_ref().and_then(|v| v.query_error.clone()), None);
    cmd(&mut s, Command::ClearMarks);
    cmd(&mut s, Command::MarkAll);
    let want = ids(
        |u| {
            u.license_type == Some(License::Pro)
                && u.user_registration_status == Some(RegistrationStatus::Unregistered)
        },
        60,
    );
    let v = s.users.as_ref().expect("view");
    assert_eq!(v.marks.len(), want.len());
    assert!(want.iter().all(|id| v.marks.contains(id)));
}

/// Issue item 8: the preview is made from the users read when it opens,
/// not from the rows loaded earlier: users another admin changed since are
/// counted as they are now, and their rows show it.
#[test]
fn the_preview_counts_what_the_service_holds_not_the_rows_loaded_earlier() {
    let mut s = opened(&[60], true);
    filter(&mut s, "license:pro");
    cmd(&mut s, Command::MarkAll);
    let marked = s.users.as_ref().expect("view").marks.len();
    assert!(marked > 4);
    cmd(&mut s, Command::Edit);
    update(&mut s, Action::Input(InputRequest::InsertChar('b')));
    let fx = update(&mut s, Action::Cmd(Command::Submit));
    assert!(
        matches!(s.modals.last(), Some(Modal::Planning { .. })),
        "{:?}",
        s.modals.last()
    );
    // Since the rows were loaded, someone made two of them Basic.
    let moved: Vec<String> = s
        .users
        .as_ref()
        .expect("view")
        .marks
        .iter()
        .take(2)
        .cloned()
        .collect();
    let fx = support::planner::answer_plans_with(&mut s, fx, |users| {
        for u in users.iter_mut().filter(|u| moved.contains(&u.user_id)) {
            u.license_type = Some(License::Basic);
        }
    });
    assert!(fx.is_empty(), "{fx:?}");
    let Some(Modal::Preview(p)) = s.modals.last() else {
        panic!("the preview: {:?}", s.modals.last())
    };
    assert_eq!(p.plan.changes.len(), marked - 2);
    assert_eq!(p.no_change(), 2);
    let already: Vec<&str> = p.plan.already.iter().map(|u| u.user_id.as_str()).collect();
    assert!(moved.iter().all(|id| already.contains(&id.as_str())));
    // What `y` sends is that plan: exactly the users still to change.
    let fx = cmd(&mut s, Command::Yes);
    let [Effect::Io(Request::Change { plan, .. })] = &fx[..] else {
        panic!("{fx:?}")
    };
    assert_eq!(plan.changes.len(), marked - 2);
    assert!(!plan.changes.iter().any(|c| moved.contains(&c.user_id)));
    let v = s.users.as_ref().expect("view");
    for id in &moved {
        let row = &v.list.items()[v.by_id[id]];
        assert_eq!(row.user.license_type, Some(License::Basic), "shown as read");
    }
}

/// Issue 22, item 6: the sort column's header carries ▲ or ▼; a sort by a
/// column not on screen is named in the title instead.
#[test]
fn the_sort_column_and_direction_show_in_the_header_or_the_title() {
    let mut s = opened(&[30], true);
    cmdline(&mut s, "sort license");
    let header = |s: &State, w: u16, h: u16| {
        screen(s, w, h)
            .lines()
            .find(|l| l.contains("Email"))
            .unwrap_or_default()
            .to_string()
    };
    let title = |s: &State, w: u16, h: u16| {
        screen(s, w, h)
            .lines()
            .nth(1)
            .unwrap_or_default()
            .to_string()
    };
    assert!(
        header(&s, 120, 40).contains("License ▲"),
        "{}",
        header(&s, 120, 40)
    );
    assert!(
        !title(&s, 120, 40).contains("sort"),
        "{}",
        title(&s, 120, 40)
    );
    cmd(&mut s, Command::SortReverse);
    assert!(
        header(&s, 120, 40).contains("License ▼"),
        "{}",
        header(&s, 120, 40)
    );
    // At 80 columns the invitation column gives way: the title names the sort.
    cmdline(&mut s, "sort invite");
    assert!(
        !header(&s, 80, 24).contains("Invitation"),
        "{}",
        header(&s, 80, 24)
    );
    assert!(
        title(&s, 80, 24).contains("sort invite ▲"),
        "{}",
        title(&s, 80, 24)
    );
}

/// Issue 22, item 13: the preview scrolls through every planned row with
/// PgDn/PgUp/g/G, and says where it is among them.
#[test]
fn the_preview_scrolls_through_every_planned_row() {
    let mut s = opened(&[30], true);
    update(
        &mut s,
        Action::Resize {
            width: 80,
            height: 24,
        },
    );
    cmd(&mut s, Command::MarkAll);
    cmd(&mut s, Command::Suspend);
    let Some(Modal::Preview(p)) = s.modals.last() else {
        panic!("a preview: {:?}", s.modals.last())
    };
    let emails: Vec<String> = p
        .plan
        .changes
        .iter()
        .map(|c| c.email.expose().to_string())
        .collect();
    assert!(emails.len() > 15, "more rows than fit at 80×24");
    let last = emails.last().unwrap().clone();
    let shown = |s: &State| screen(s, 80, 24);
    assert!(!shown(&s).contains(&last), "{}", shown(&s));
    assert!(shown(&s).contains("1–"), "{}", shown(&s));
    let mut seen: std::collections::HashSet<String> = Default::default();
    for _ in 0..emails.len() {
        let screen = shown(&s);
        seen.extend(
            emails
                .iter()
                .filter(|e| screen.contains(e.as_str()))
                .cloned(),
        );
        cmd(&mut s, Command::PageDown);
    }
    assert_eq!(seen.len(), emails.len(), "PgDn reaches every planned row");
    cmd(&mut s, Command::Top);
    assert!(shown(&s).contains(&emails[0]));
    cmd(&mut s, Command::Bottom);
    assert!(shown(&s).contains(&last), "{}", shown(&s));
    assert!(
        shown(&s).contains(&format!("of {} · pgdn/pgup/g/G scroll", emails.len())),
        "{}",
        shown(&s)
    );
    cmd(&mut s, Command::PageUp);
    assert!(!shown(&s).contains(&last));
    assert!(
        matches!(s.modals.last(), Some(Modal::Preview(_))),
        "still open"
    );
}

/// Issue 22, item 11: `email:a,b` matches either address (it never
/// silently matches nothing), and a pasted list of emails in `/` becomes
/// one such term.
#[test]
fn email_alternatives_and_a_pasted_list_of_emails() {
    let mut s = opened(&[30], true);
    cmd(&mut s, Command::Filter);
    type_text(&mut s, "email:user00001@example.com,USER00003@example.com");
    cmd(&mut s, Command::Submit);
    let shown = |s: &State| {
        let v = s.users.as_ref().expect("view");
        v.list
            .visible()
            .iter()
            .map(|&i| v.list.items()[i].user.user_id.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(shown(&s), ["u-00001", "u-00003"]);
    cmd(&mut s, Command::Back); // clears the filter
    cmd(&mut s, Command::Filter);
    update(
        &mut s,
        Action::Paste(
            "user00004@example.com\nuser00005@example.com, user00006@example.com\n".into(),
        ),
    );
    cmd(&mut s, Command::Submit);
    let v = s.users.as_ref().expect("view");
    assert_eq!(
        v.filter.text(),
        "email:user00004@example.com,user00005@example.com,user00006@example.com"
    );
    assert_eq!(shown(&s), ["u-00004", "u-00005", "u-00006"]);
    // A paste longer than the filter takes: whole addresses only, and the
    // notice says how many were kept. The row listed first still matches.
    cmd(&mut s, Command::Back);
    cmd(&mut s, Command::Filter);
    let many: Vec<String> = std::iter::once("user00007@example.com".to_string())
        .chain((0..10_000).map(|i| format!("someone.with.a.long.name{i}@example.com")))
        .collect();
    update(&mut s, Action::Paste(many.join("\n")));
    let flash = s.flash.as_ref().map(|f| f.text.clone()).unwrap_or_default();
    assert!(
        flash.starts_with("paste cut: ") && flash.contains(" of 10,001 addresses kept, each whole"),
        "{flash}"
    );
    cmd(&mut s, Command::Submit);
    let text = s.users.as_ref().expect("view").filter.text().to_string();
    let last = text.rsplit(',').next().unwrap_or_default();
    assert!(
        many.iter().any(|m| m == last),
        "the last address is whole: {last}"
    );
    assert_eq!(shown(&s), ["u-00007"]);
}

/// Issue 22, item 8: the Result column gets the room its results need
/// before Email is widened (the whole error at 200 columns); a long name
/// is cut with "…"; the title's counts are never cut mid-number (a count
/// that does not fit is left out whole). Snapshots at 80×24, 120×40, 200×50.
#[test]
fn results_get_room_names_end_in_an_ellipsis_and_counts_are_never_cut() {
    let mut s = opened(&[40], true);
    s.users.as_mut().unwrap().list.items_mut()[2]
        .user
        .display_name = Some("Maximilian Alexander Oberhuber-Schwarzenegger".into());
    change_with_failures(&mut s, 6);
    update(&mut s, Action::Cmd(Command::Zoom));
    let wide = screen(&s, 200, 50);
    assert!(
        wide.contains("✗ Conflict (license change): User is suspended"),
        "{wide}"
    );
    assert!(wide.contains("Maximilian Al…"), "{wide}");
    cmd(&mut s, Command::Zoom);
    for (w, h) in [(74, 24), (80, 24), (120, 40), (200, 50)] {
        let text = screen(&s, w, h);
        let title = text.lines().find(|l| l.contains(" Users ")).unwrap();
        // Every number in the title is followed by a space: none is cut.
        let chars: Vec<char> = title.chars().collect();
        for (i, c) in chars.iter().enumerate() {
            if c.is_ascii_digit() {
                let next = chars.get(i + 1).copied().unwrap_or(' ');
                assert!(
                    next.is_ascii_digit() || next == ',' || next == ' ' || next == ')',
                    "a number cut at {w}×{h}: {title}"
                );
            }
        }
        if w != 74 {
            insta::assert_snapshot!(format!("results_room_{w}x{h}"), text);
        }
    }
}

/// Issue 22, item 7: every message is readable whole: a filter error too
/// long for the border is shown wrapped over the last rows; an error
/// dialog is as tall as its wrapped lines (the hint's end shows); a
/// status message too long for the line opens a dialog. Snapshots at
/// 80×24, 120×40 and 200×50.
#[test]
fn messages_are_never_cut() {
    use chime_admin::console::state::ErrorInfo;
    // Rows joined, borders and runs of spaces dropped: the text as read.
    let read = |screen: &str| {
        let text: String = screen
            .lines()
            .map(|l| l.trim_matches(|c: char| "│┌┐└┘─ ".contains(c)))
            .collect::<Vec<_>>()
            .join(" ");
        text.split_whitespace().collect::<Vec<_>>().join(" ")
    };
    let mut s = opened(&[30], true);
    cmd(&mut s, Command::Filter);
    type_text(&mut s, "foo:bar");
    cmd(&mut s, Command::Submit);
    for (w, h) in [(80, 24), (120, 40), (200, 50)] {
        let screen = screen(&s, w, h);
        assert!(
            read(&screen).contains("fields are license, type, reg, invite, a4b, result, email"),
            "{w}×{h}:\n{screen}"
        );
        insta::assert_snapshot!(format!("whole_filter_error_{w}x{h}"), screen);
    }
    cmd(&mut s, Command::Back);
    s.modals.push(Modal::Error(ErrorInfo {
        operation: "ListAccounts".into(),
        code: "Credentials".into(),
        message: "no credentials: the environment, the profile files, SSO and the instance metadata service had none".into(),
        request_id: Some("8f18187c-3d2a-4b5e-9c1f-0a1b2c3d4e5f".into()),
        hint: Some(
            "no usable credentials: set AWS_PROFILE or pass --profile, or run aws configure; \
             Amazon Chime ends on 20 February 2026: see the README for what that means"
                .into(),
        ),
    }));
    for (w, h) in [(80, 24), (100, 20), (120, 40), (200, 50)] {
        let screen = screen(&s, w, h);
        let text = read(&screen);
        assert!(
            text.contains("see the README for what that means"),
            "{w}×{h}:\n{screen}"
        );
        assert!(
            text.contains("8f18187c-3d2a-4b5e-9c1f-0a1b2c3d4e5f"),
            "{w}×{h}:\n{screen}"
        );
        if w != 100 {
            insta::assert_snapshot!(format!("whole_no_credentials_{w}x{h}"), screen);
        }
    }
    cmd(&mut s, Command::Back);
    // At 80 columns: a status message longer than the line opens a dialog.
    update(
        &mut s,
        Action::Resize {
            width: 80,
            height: 24,
        },
    );
    cmd(&mut s, Command::Filter);
    type_text(&mut s, "foo:bar");
    cmd(&mut s, Command::Submit);
    cmd(&mut s, Command::Edit);
    assert!(
        matches!(s.modals.last(), Some(Modal::Message(m)) if m.contains("nothing is planned from it")),
        "{:?}",
        s.modals.last()
    );
    assert!(read(&screen(&s, 80, 24)).contains("nothing is planned from it"));
}

/// The text inside the dialog whose title holds `title`, its rows joined
/// and runs of spaces dropped: what a person reads in it.
fn dialog_text(screen: &str, title: &str) -> String {
    let rows: Vec<Vec<char>> = screen.lines().map(|l| l.chars().collect()).collect();
    let Some((top, left)) = rows.iter().enumerate().find_map(|(y, r)| {
        let line: String = r.iter().collect();
        let at = line.find(&format!("┌ {title}"))?;
        Some((y, line[..at].chars().count()))
    }) else {
        return String::new();
    };
    let Some(right) = (left + 1..rows[top].len()).find(|&x| rows[top][x] == '┐') else {
        return String::new();
    };
    let text: String = rows[top + 1..]
        .iter()
        .take_while(|r| r.get(left) == Some(&'│'))
        .map(|r| r[left + 1..right].iter().collect::<String>())
        .collect::<Vec<_>>()
        .join(" ");
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Issue 22, item 7, on the command line: a hint longer than the line
/// after the input (a typo's guess and every command) opens whole in a box
/// above it at every size; a short one stays on the line.
#[test]
fn a_long_command_line_hint_is_shown_whole() {
    let mut s = opened(&[30], true);
    cmdline(&mut s, "expotr csv");
    let hint = s
        .cmdline
        .as_ref()
        .and_then(|c| c.hint.clone())
        .expect("a hint");
    for (w, h) in [(80, 24), (120, 40), (60, 20)] {
        let screen = screen(&s, w, h);
        assert_eq!(dialog_text(&screen, "Command"), hint, "{w}×{h}:\n{screen}");
        assert!(screen.contains(":expotr csv"), "{w}×{h}:\n{screen}");
    }
    let screen = screen(&s, 200, 50);
    assert_eq!(dialog_text(&screen, "Command"), "", "it fits the line");
    assert!(screen.contains(&hint), "{screen}");
}

/// Issue 22, item 7: a prompt's label (the invite prompt's limits) and an
/// error whose words wrap early are shown whole at every size: the dialog
/// is as tall as its lines wrapped word by word, not as their length in
/// characters divided by the width.
#[test]
fn prompts_and_dialogs_show_every_word() {
    use chime_admin::console::state::ErrorInfo;
    let mut s = opened(&[30], true);
    cmd(&mut s, Command::Invite);
    assert!(
        matches!(s.modals.last(), Some(Modal::Prompt(_))),
        "{:?}",
        s.modals.last()
    );
    for (w, h) in [(80, 24), (100, 20), (120, 40), (60, 20)] {
        let screen = screen(&s, w, h);
        assert!(
            dialog_text(&screen, "Invite users").contains("(at most 500, sent 50 per call)"),
            "{w}×{h}:\n{screen}"
        );
    }
    cmd(&mut s, Command::Back);
    // Words of 40 characters: two never share a row 68 columns wide, so
    // the message takes 4 rows though its 163 characters would fit in 3.
    let word = |c: char| std::iter::repeat_n(c, 40).collect::<String>();
    let message = [word('a'), word('b'), word('c'), word('d')].join(" ");
    s.modals.push(Modal::Error(ErrorInfo {
        operation: "GetUser".into(),
        code: "BadRequest".into(),
        message,
        request_id: Some("8f18187c-3d2a-4b5e-9c1f-0a1b2c3d4e5f".into()),
        hint: Some("check the user id and try again".into()),
    }));
    for (w, h) in [(80, 24), (120, 40)] {
        let screen = screen(&s, w, h);
        let text = dialog_text(&screen, "Error");
        assert!(
            text.contains(&word('d')) && text.contains("check the user id and try again"),
            "{w}×{h}:\n{screen}"
        );
    }
}
