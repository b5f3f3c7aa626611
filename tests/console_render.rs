//! Render snapshots (ratatui TestBackend + insta) at 80×24 and 120×40, and
//! buffer assertions where style matters.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::style::{Color, Modifier};
use tui_input::InputRequest;

use chime_admin::client::{ApiError, ApiErrorKind};
use chime_admin::console::action::{Action, Failure, WriteFailure};
use chime_admin::console::command::Command;
use chime_admin::console::effect::{Effect, Request};
use chime_admin::console::keymap::Keymap;
use chime_admin::console::state::{ErrorInfo, Modal, State};
use chime_admin::console::theme::Theme;

mod support;
use chime_admin::console::ui::render;
use chime_admin::console::update::{start, update};
use chime_admin::model::{
    Account, AccountStatus, AccountType, AlexaForBusinessMetadata, InviteStatus, License,
    RegistrationStatus, Timestamp, User, UserType,
};
use support::planner::answer_plans;

const SIZES: [(u16, u16); 2] = [(80, 24), (120, 40)];

fn accounts() -> Vec<Account> {
    let mk = |id: &str, name: &str, t: AccountType, status: AccountStatus| Account {
        aws_account_id: "123456789012".into(),
        account_id: id.into(),
        name: name.into(),
        account_type: Some(t),
        default_license: Some(License::Pro),
        supported_licenses: Some(vec![License::Basic, License::Plus, License::Pro]),
        account_status: Some(status),
        created_timestamp: Timestamp::from_millis(1_557_954_000_123),
        ..Default::default()
    };
    vec![
        mk(
            "a-1",
            "Acme Corp",
            AccountType::EnterpriseLWA,
            AccountStatus::Active,
        ),
        mk(
            "a-2",
            "Globex Team",
            AccountType::Team,
            AccountStatus::Active,
        ),
        mk(
            "a-3",
            "Initech Old",
            AccountType::EnterpriseOIDC,
            AccountStatus::Suspended,
        ),
    ]
}

fn user(i: usize) -> User {
    let names = [
        "Ada Lovelace",
        "Alan Turing",
        "Grace Hopper",
        "Edsger Dijkstra",
        "Barbara Liskov",
    ];
    let n = names[i % names.len()];
    let email = format!(
        "{}.{i}@acme.example",
        n.split(' ').next().unwrap_or("x").to_lowercase()
    );
    User {
        user_id: format!("u-{i:04}"),
        account_id: Some("a-1".into()),
        primary_email: Some(email.into()),
        display_name: Some(n.into()),
        license_type: Some([License::Pro, License::Basic, License::Plus][i % 3].clone()),
        user_type: Some(if i.is_multiple_of(7) {
            UserType::SharedDevice
        } else {
            UserType::PrivateUser
        }),
        user_registration_status: Some(
            [
                RegistrationStatus::Registered,
                RegistrationStatus::Unregistered,
                RegistrationStatus::Suspended,
            ][if i % 5 == 4 { 2 } else { i % 2 }]
            .clone(),
        ),
        user_invitation_status: Some(if i.is_multiple_of(2) {
            InviteStatus::Accepted
        } else {
            InviteStatus::Pending
        }),
        registered_on: Timestamp::from_millis(1_557_954_000_000 + i as i64 * 86_400_000),
        alexa_for_business_metadata: i.is_multiple_of(4).then(|| AlexaForBusinessMetadata {
            is_alexa_for_business_enabled: Some(true),
            alexa_for_business_room_arn: Some("arn:aws:a4b:us-east-1:123456789012:room/r1".into()),
        }),
        personal_pin: Some("1234567890".into()),
        ..Default::default()
    }
}

fn draw(state: &State, w: u16, h: u16) -> Terminal<TestBackend> {
    let mut t = Terminal::new(TestBackend::new(w, h)).expect("terminal");
    t.draw(|f| render(state, f)).expect("draw");
    t
}

fn base(w: u16, h: u16, theme: Theme) -> (State, Vec<Effect>) {
    let mut s = State::new("http://127.0.0.1:4566", false, theme);
    update(
        &mut s,
        Action::Resize {
            width: w,
            height: h,
        },
    );
    let fx = start(&mut s);
    (s, fx)
}

/// Accounts loaded, first account open with 30 of its users, more exist.
fn loaded(w: u16, h: u16, theme: Theme) -> State {
    let (mut s, fx) = base(w, h, theme);
    let Some(Effect::Io(Request::LoadAccounts { gen_id, .. })) = fx.first().cloned() else {
        panic!("{fx:?}")
    };
    update(
        &mut s,
        Action::AccountsPage {
            gen_id,
            accounts: accounts(),
            next_token: None,
        },
    );
    let fx = update(&mut s, Action::Cmd(Command::Open));
    let Some(Effect::Io(Request::LoadUsersPage { gen_id, .. })) = fx.first().cloned() else {
        panic!("{fx:?}")
    };
    update(
        &mut s,
        Action::UsersPage {
            gen_id,
            account_id: "a-1".into(),
            users: (0..30).map(user).collect(),
            next_token: Some("next".into()),
        },
    );
    update(&mut s, Action::Cmd(Command::Down));
    update(&mut s, Action::Cmd(Command::Mark));
    s
}

fn snap(name: &str, state: &State) {
    for (w, h) in SIZES {
        let t = draw(state_at(state, w, h).as_ref().unwrap_or(state), w, h);
        insta::assert_snapshot!(format!("{name}_{w}x{h}"), t.backend());
    }
}

/// The same state resized (layout depends on the size known to update).
fn state_at(state: &State, w: u16, h: u16) -> Option<State> {
    let mut s = state.clone();
    update(
        &mut s,
        Action::Resize {
            width: w,
            height: h,
        },
    );
    Some(s)
}

#[test]
fn empty() {
    let (mut s, fx) = base(80, 24, Theme::default());
    let Some(Effect::Io(Request::LoadAccounts { gen_id, .. })) = fx.first().cloned() else {
        panic!()
    };
    update(
        &mut s,
        Action::AccountsPage {
            gen_id,
            accounts: vec![],
            next_token: None,
        },
    );
    snap("empty", &s);
}

#[test]
fn loading() {
    let (s, _) = base(80, 24, Theme::default());
    snap("loading", &s);
}

#[test]
fn loaded_accounts_and_users() {
    snap("loaded", &loaded(80, 24, Theme::default()));
}

#[test]
fn filtered() {
    let mut s = loaded(80, 24, Theme::default());
    update(&mut s, Action::Cmd(Command::Filter));
    for c in "GRACE".chars() {
        update(&mut s, Action::Input(InputRequest::InsertChar(c)));
    }
    snap("filtered", &s);
    // The terminal cursor sits in the filter input while it is edited.
    let mut t = draw(&s, 120, 40);
    let pos = t.get_cursor_position().expect("cursor");
    assert_eq!(t.backend().buffer()[(pos.x - 1, pos.y)].symbol(), "E");
}

#[test]
fn error_dialog() {
    let (mut s, fx) = base(80, 24, Theme::default());
    let Some(Effect::Io(Request::LoadAccounts { gen_id, .. })) = fx.first().cloned() else {
        panic!()
    };
    update(
        &mut s,
        Action::Failed {
            gen_id,
            operation: "ListAccounts".into(),
            error: Failure::Api(ApiError {
                kind: ApiErrorKind::Service {
                    exception: "UnrecognizedClientException".into(),
                    code: None,
                },
                message: "The security token included in the request is invalid.".into(),
                request_id: Some("37ce90e0-0000-4000-8000-000000000001".into()),
                status: Some(403),
            }),
        },
    );
    snap("error", &s);
}

#[test]
fn help_overlay() {
    let mut s = loaded(80, 24, Theme::default());
    update(&mut s, Action::Cmd(Command::Help));
    snap("help", &s);
}

/// The end of the help: the dialogs' and the history's keys, every key
/// label followed by a space however long (`shift-tab/↑`, the longest,
/// sets the column).
#[test]
fn help_overlay_scrolled_to_the_end() {
    let mut s = loaded(80, 24, Theme::default());
    update(&mut s, Action::Cmd(Command::Help));
    for _ in 0..200 {
        update(&mut s, Action::Cmd(Command::Down));
    }
    snap("help_end", &s);
    let text = buffer_text(draw(&s, 80, 24).backend().buffer());
    assert!(text.contains("tab/←/→     other button"), "{text}");
    assert!(text.contains("u           undo the change"), "{text}");
}

/// With `help` and `quit` remapped, the overlay's hint line and the footer
/// name the keys that really close it.
#[test]
fn help_names_the_remapped_close_keys() {
    let mut s = loaded(80, 24, Theme::default());
    let overrides = [("help", "h"), ("quit", "Q")]
        .iter()
        .map(|(c, k)| (c.to_string(), vec![k.to_string()]))
        .collect();
    s.keymap = std::sync::Arc::new(Keymap::with_overrides(&overrides).expect("keymap"));
    update(&mut s, Action::Cmd(Command::Help));
    let text = buffer_text(draw(&s, 80, 24).backend().buffer());
    let lines: Vec<&str> = text.lines().collect();
    assert!(
        lines[21].contains("↑/↓ pgup/pgdn scroll · / search · esc/h/Q close"),
        "{text}"
    );
    assert!(lines[23].contains("esc/h/Q close help"), "{text}");
    assert!(text.contains("  h           help: every key"), "{text}");
    assert!(!text.contains("esc close"), "{text}");
}

#[test]
fn detail_focused() {
    let mut s = loaded(80, 24, Theme::default());
    update(&mut s, Action::Cmd(Command::Open));
    snap("detail", &s);
    let text = draw(&s, 120, 40).backend().to_string();
    assert!(
        text.contains("(hidden)") && !text.contains("1234567890"),
        "PIN masked"
    );
}

#[test]
fn too_small_says_what_it_needs() {
    let s = loaded(50, 12, Theme::default());
    let t = draw(&s, 50, 12);
    insta::assert_snapshot!("too_small_50x12", t.backend());
}

fn colours(buf: &Buffer) -> impl Iterator<Item = (Color, Color)> + '_ {
    buf.content().iter().map(|c| (c.fg, c.bg))
}

#[test]
fn no_color_has_no_colour_and_keeps_meaning() {
    let s = loaded(80, 24, Theme::from_env_value(Some("1")));
    snap("no_color", &s);
    for (w, h) in SIZES {
        let s = state_at(&s, w, h).expect("state");
        let t = draw(&s, w, h);
        let buf = t.backend().buffer();
        assert!(colours(buf).all(|(fg, bg)| fg == Color::Reset && bg == Color::Reset));
        // The selected row is still visible: reversed.
        let text = t.backend().to_string();
        assert!(text.contains("✗ Suspended") && text.contains("✓ Registered"));
        let reversed = buf
            .content()
            .iter()
            .filter(|c| c.modifier.contains(Modifier::REVERSED))
            .count();
        assert!(
            reversed > 20,
            "cursor row shown without colour: {reversed} cells"
        );
    }
}

#[test]
fn default_theme_uses_the_terminal_background_and_16_colours() {
    let s = loaded(120, 40, Theme::default());
    let t = draw(&s, 120, 40);
    let buf = t.backend().buffer();
    let named = |c: Color| !matches!(c, Color::Rgb(..) | Color::Indexed(_));
    assert!(colours(buf).all(|(fg, bg)| bg == Color::Reset && named(fg)));
    // A suspended user is red and says so in words.
    let row = (0..40)
        .find(|&y| {
            (0..120)
                .map(|x| buf[(x, y)].symbol())
                .collect::<String>()
                .contains("Suspended")
        })
        .expect("a suspended row");
    let x = (0..120)
        .find(|&x| buf[(x, row)].symbol() == "✗")
        .expect("glyph");
    assert_eq!(buf[(x, row)].fg, Color::Red);
    // The mark glyph of the marked user (row 2) is there.
    let text = t.backend().to_string();
    assert!(text.contains("● alan.1@acme.example"), "{text}");
}

// ---------------------------------------------------------------- changes (issue 6)

use chime_admin::client::OutcomeResult;
use chime_admin::model::ErrorCode;

/// Users 0..4 marked, the form open with License → Basic.
fn with_form() -> State {
    let mut s = loaded(80, 24, Theme::default());
    update(&mut s, Action::Cmd(Command::Top));
    update(&mut s, Action::Cmd(Command::ClearMarks));
    for _ in 0..4 {
        update(&mut s, Action::Cmd(Command::Mark));
    }
    update(&mut s, Action::Cmd(Command::Edit));
    update(&mut s, Action::Input(InputRequest::InsertChar('B')));
    s
}

fn applied() -> (State, u64) {
    let mut s = with_form();
    let fx = update(&mut s, Action::Cmd(Command::Submit));
    answer_plans(&mut s, fx);
    let fx = update(&mut s, Action::Cmd(Command::Yes));
    let Some(Effect::Io(Request::Change { batch_id, .. })) = fx.first().cloned() else {
        panic!("{fx:?}")
    };
    (s, batch_id)
}

#[test]
fn change_form() {
    let mut s = with_form();
    snap("form", &s);
    // An invalid room ARN is shown while typing.
    for _ in 0..3 {
        update(&mut s, Action::Cmd(Command::NextField));
    }
    for c in "arn:aws:a4b".chars() {
        update(&mut s, Action::Input(InputRequest::InsertChar(c)));
    }
    snap("form_invalid_arn", &s);
}

#[test]
fn change_preview() {
    let mut s = with_form();
    let fx = update(&mut s, Action::Cmd(Command::Submit));
    answer_plans(&mut s, fx);
    snap("preview", &s);
    // Cancel is focused first: shown reversed.
    let t = draw(&s, 120, 40);
    let buf = t.backend().buffer();
    let (x, y) = (0..40)
        .flat_map(|y| (0..120).map(move |x| (x, y)))
        .find(|&(x, y)| buf[(x, y)].symbol() == "[" && buf[(x + 2, y)].symbol() == "C")
        .expect("Cancel button");
    assert!(buf[(x, y)].modifier.contains(Modifier::REVERSED));
}

#[test]
fn change_progress_and_results() {
    let (mut s, batch_id) = applied();
    update(
        &mut s,
        Action::BatchProgress {
            batch_id,
            done: 1,
            failed: 0,
            total: 3,
            elapsed_ms: 250,
        },
    );
    snap("progress", &s);
    update(
        &mut s,
        Action::BatchDone {
            batch_id,
            account_id: "a-1".into(),
            change_id: "01JF0000000000000000000000".into(),
            audit_error: None,
            outcomes: vec![
                ("u-0000".into(), OutcomeResult::Ok { request_id: None }),
                (
                    "u-0002".into(),
                    OutcomeResult::Failed {
                        code: Some(ErrorCode::Conflict),
                        message: "User is suspended".into(),
                        request_id: Some("5d2c0c3e-req".into()),
                    },
                ),
                ("u-0003".into(), OutcomeResult::Ok { request_id: None }),
            ],
            elapsed_ms: 900,
        },
    );
    // The failed row is selected: its detail shows the full error and request id.
    update(&mut s, Action::Cmd(Command::Top));
    update(&mut s, Action::Cmd(Command::Down));
    update(&mut s, Action::Cmd(Command::Down));
    snap("results", &s);
    let text = draw(&state_at(&s, 120, 40).expect("state"), 120, 40)
        .backend()
        .to_string();
    assert!(
        text.contains("✗ Conflict (license change): User is suspended"),
        "{text}"
    );
    assert!(text.contains("✓ license changed"), "{text}");
    assert!(text.contains("5d2c0c3e-req"));
    assert!(text.contains("2 updated · 1 failed"));
}

fn buffer_text(buf: &Buffer) -> String {
    let a = buf.area;
    let mut out = String::new();
    for y in 0..a.height {
        for x in 0..a.width {
            out.push_str(buf[(x, y)].symbol());
        }
        out.push('\n');
    }
    out
}

/// At 120×40 with the users pane focused every column up to User type fits
/// (issue 5's order: mark, email, name, license, user type, registration, …).
#[test]
fn users_pane_at_120_keeps_user_type_and_a4b_says_no_without_metadata() {
    let s = loaded(120, 40, Theme::default());
    let t = draw(&s, 120, 40);
    let text = buffer_text(t.backend().buffer());
    let header = text
        .lines()
        .find(|l| l.contains("Email") && l.contains("License"))
        .expect("users header");
    for col in ["Name", "License", "User type", "Registration", "A4B"] {
        assert!(header.contains(col), "{col} missing: {header}");
    }
    // User 1 has no Alexa for Business metadata: its detail says "no", not blank.
    let detail = text
        .lines()
        .find(|l| l.contains("A4B enabled"))
        .expect("detail A4B line");
    assert!(
        detail.contains("A4B enabled") && detail.contains(" no"),
        "{detail}"
    );
}

/// xterm's RGB for a 256-colour index.
fn xterm_rgb(i: u8) -> (u8, u8, u8) {
    match i {
        16..=231 => {
            let level = |v: u8| if v == 0 { 0 } else { 55 + v * 40 };
            let n = i - 16;
            (level(n / 36), level((n / 6) % 6), level(n % 6))
        }
        232..=255 => {
            let g = 8 + (i - 232) * 10;
            (g, g, g)
        }
        _ => panic!("the 256 theme uses no terminal-defined colour 0..15: {i}"),
    }
}

fn luminance((r, g, b): (u8, u8, u8)) -> f64 {
    let lin = |c: u8| {
        let c = f64::from(c) / 255.0;
        if c <= 0.03928 {
            c / 12.92
        } else {
            ((c + 0.055) / 1.055).powf(2.4)
        }
    };
    0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b)
}

fn contrast(a: f64, b: f64) -> f64 {
    (a.max(b) + 0.05) / (a.min(b) + 0.05)
}

/// The 256-colour theme never paints a background and every colour it uses
/// reads on a light (white) and a dark (black) terminal: contrast ≥ 3:1.
#[test]
fn theme_256_reads_on_light_and_dark_backgrounds() {
    let mut s = loaded(120, 40, Theme::color256());
    let mut screens = vec![draw(&s, 120, 40).backend().buffer().clone()];
    update(&mut s, Action::Cmd(Command::Help));
    screens.push(draw(&s, 120, 40).backend().buffer().clone());
    update(&mut s, Action::Cmd(Command::Back));
    // A failure of a request in flight (update drops the answer of any other).
    let fx = update(&mut s, Action::Cmd(Command::Reload));
    let Some(Effect::Io(reload)) = fx.first() else {
        panic!("ctrl-r reloads: {fx:?}")
    };
    let gen_id = reload.generation();
    update(
        &mut s,
        Action::Failed {
            gen_id,
            operation: "ListUsers".into(),
            error: Failure::Api(ApiError {
                kind: ApiErrorKind::Service {
                    exception: "ThrottledClientException".into(),
                    code: None,
                },
                message: "Rate exceeded".into(),
                request_id: None,
                status: Some(429),
            }),
        },
    );
    assert!(
        matches!(s.modals.last(), Some(Modal::Error(_))),
        "the error dialog is showing"
    );
    screens.push(draw(&s, 80, 24).backend().buffer().clone());
    let (white, black) = (luminance((255, 255, 255)), luminance((0, 0, 0)));
    let mut used = std::collections::BTreeSet::new();
    for buf in &screens {
        for (fg, bg) in colours(buf) {
            assert_eq!(bg, Color::Reset, "the terminal's own background");
            match fg {
                Color::Reset => {}
                Color::Indexed(i) => {
                    used.insert(i);
                }
                other => panic!("the 256 theme uses {other:?}"),
            }
        }
    }
    assert!(used.len() >= 4, "colours in use: {used:?}");
    for i in used {
        let l = luminance(xterm_rgb(i));
        let (on_light, on_dark) = (contrast(l, white), contrast(l, black));
        assert!(
            on_light >= 3.0 && on_dark >= 3.0,
            "colour {i}: {on_light:.2}:1 on white, {on_dark:.2}:1 on black"
        );
    }
    // Same words and glyphs as the default theme: meaning never by colour alone.
    let text = draw(&loaded(120, 40, Theme::color256()), 120, 40)
        .backend()
        .to_string();
    assert_eq!(
        text,
        draw(&loaded(120, 40, Theme::default()), 120, 40)
            .backend()
            .to_string()
    );
}

/// Text that is not ours never reaches the terminal as it is: a display
/// name with a right-to-left override and a zero-width space, an email
/// with an escape, an account name with a bidi isolate and an error message
/// with a left-to-right embedding are shown as ⟨U+XXXX⟩ in the users pane,
/// the detail pane, the preview, the error dialog, a prompt and the status
/// line; no cell holds one of those characters.
#[test]
fn hostile_text_is_shown_visibly_in_every_pane_and_dialog() {
    let hostile = |s: &mut State| {
        let v = s.users.as_mut().expect("users");
        v.account.name = "Acme\u{2066}Corp".into();
        for r in v.list.items_mut().iter_mut().take(2) {
            r.user.display_name = Some("Eve \u{202E}nimda\u{200B}".to_string().into());
            r.user.primary_email = Some("eve\u{1b}[2J@acme.example".to_string().into());
        }
    };
    let no_raw = |text: &str, what: &str| {
        for c in ['\u{202E}', '\u{200B}', '\u{2066}', '\u{202A}', '\u{1b}'] {
            assert!(
                !text.contains(c),
                "{what}: U+{:04X} reached a cell:\n{text}",
                c as u32
            );
        }
    };
    // The users pane and the detail pane.
    let mut s = loaded(120, 40, Theme::default());
    hostile(&mut s);
    update(&mut s, Action::Cmd(Command::Top));
    update(&mut s, Action::Cmd(Command::ClearMarks));
    let text = buffer_text(draw(&s, 120, 40).backend().buffer());
    no_raw(&text, "panes");
    assert!(
        text.contains("Eve ⟨U+202E⟩nimda⟨U+200B⟩"),
        "users pane:\n{text}"
    );
    assert!(
        text.contains("eve⟨U+001B⟩[2J@acme.example"),
        "detail pane:\n{text}"
    );
    assert!(
        text.contains("Acme⟨U+2066⟩Corp"),
        "the users pane's title:\n{text}"
    );
    // The preview of a change for them.
    update(&mut s, Action::Cmd(Command::Mark));
    update(&mut s, Action::Cmd(Command::Mark));
    update(&mut s, Action::Cmd(Command::Edit));
    update(&mut s, Action::Input(InputRequest::InsertChar('B')));
    let text = buffer_text(draw(&s, 120, 40).backend().buffer());
    no_raw(&text, "form");
    assert!(text.contains("Acme⟨U+2066⟩Corp"), "form:\n{text}");
    let fx = update(&mut s, Action::Cmd(Command::Submit));
    answer_plans(&mut s, fx);
    let text = buffer_text(draw(&s, 120, 40).backend().buffer());
    no_raw(&text, "preview");
    assert!(
        text.contains("in Acme⟨U+2066⟩Corp, as read"),
        "preview:\n{text}"
    );
    assert!(
        text.contains("eve⟨U+001B⟩[2J@acme.example License"),
        "preview:\n{text}"
    );
    update(&mut s, Action::Cmd(Command::Back));
    // An error from the network.
    s.modals
        .push(chime_admin::console::state::Modal::Error(ErrorInfo {
            operation: "ListUsers".into(),
            code: "BadRequest\u{202E}".into(),
            message: "no \u{202A}such\u{200B} thing".into(),
            request_id: Some("req\u{1b}]0;x".into()),
            hint: None,
        }));
    let text = buffer_text(draw(&s, 120, 40).backend().buffer());
    no_raw(&text, "error dialog");
    assert!(text.contains("no ⟨U+202A⟩such⟨U+200B⟩ thing"), "{text}");
    assert!(text.contains("req⟨U+001B⟩]0;x"), "{text}");
    s.modals.clear();
    // A prompt holding pasted text, and a flash naming an email.
    update(&mut s, Action::Cmd(Command::Invite));
    update(&mut s, Action::Paste("a\u{202E}b@example.com".into()));
    let text = buffer_text(draw(&s, 120, 40).backend().buffer());
    no_raw(&text, "prompt");
    assert!(text.contains("a⟨U+202E⟩b@example.com"), "{text}");
    update(&mut s, Action::Cmd(Command::Back));
    update(
        &mut s,
        Action::Exported {
            path: "/tmp/\u{202E}vsc.exe".into(),
            what: "3 users".into(),
            note: String::new(),
            result: Err(WriteFailure::Io("permission denied".into())),
        },
    );
    let text = buffer_text(draw(&s, 120, 40).backend().buffer());
    no_raw(&text, "status line");
    assert!(text.contains("/tmp/⟨U+202E⟩vsc.exe"), "{text}");
}
