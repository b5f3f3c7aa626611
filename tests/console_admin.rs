//! Every admin action of the console failing as a whole, against the local
//! service over real HTTP: the worker's job returns the service's error
//! (code, message, request id), the audit log writes `failed` with it, and
//! the screen shows it with what to do.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use ratatui::Terminal;
use ratatui::backend::TestBackend;

use chime_admin::audit::Audit;
use chime_admin::console::action::Action;
use chime_admin::console::jobs::run_admin;
use chime_admin::console::prompt::AdminOp;
use chime_admin::console::state::{ErrorInfo, Modal, State};
use chime_admin::console::theme::Theme;
use chime_admin::console::ui::render;
use chime_admin::console::update::update;
use chime_admin::model::{AccountSettings, AccountType, License, UserSettings};
use support::{Serve, quick_client};

fn screen(state: &State) -> String {
    let mut t = Terminal::new(TestBackend::new(120, 40)).expect("terminal");
    t.draw(|f| render(state, f)).expect("draw");
    let b = t.backend().buffer().clone();
    let mut out = String::new();
    for y in 0..b.area.height {
        for x in 0..b.area.width {
            out.push_str(b[(x, y)].symbol());
        }
        out.push('\n');
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_admin_action_that_fails_shows_and_audits_the_services_error() {
    let serve = Serve::start(&[]);
    let client = quick_client(&serve.url);
    let accounts = client
        .list_accounts(None, None, None, None)
        .await
        .expect("accounts")
        .accounts;
    let not_team = accounts
        .iter()
        .find(|a| a.account_type != Some(AccountType::Team))
        .expect("a non-Team account")
        .account_id
        .clone();
    let gone = "00000000-0000-4000-8000-000000000000".to_string();
    let dir = tempfile::tempdir().expect("tempdir");
    let audit = Audit {
        path: dir.path().join("audit.jsonl"),
        endpoint: serve.url.clone(),
        profile: None,
    };
    let ops = vec![
        AdminOp::CreateAccount { name: "".into() },
        AdminOp::UpdateAccount {
            account_id: gone.clone(),
            name: Some("Renamed".into()),
            default_license: None,
        },
        AdminOp::UpdateAccount {
            account_id: gone.clone(),
            name: None,
            default_license: Some(License::Basic),
        },
        AdminOp::DeleteAccount {
            account_id: gone.clone(),
        },
        AdminOp::CreateUser {
            account_id: gone.clone(),
            email: "new@example.com".into(),
            username: None,
            user_type: None,
        },
        AdminOp::Invite {
            account_id: not_team.clone(),
            emails: vec!["new4@example.org".into(), "new5@example.org".into()],
            user_type: None,
        },
        AdminOp::AddGroups {
            account_id: gone.clone(),
            groups: vec!["admins".into()],
        },
        AdminOp::RemoveGroups {
            account_id: gone.clone(),
            groups: vec!["admins".into()],
        },
        AdminOp::AccountSettings {
            account_id: gone.clone(),
            settings: AccountSettings::default(),
        },
        AdminOp::UserSettings {
            account_id: gone.clone(),
            user_id: gone.clone(),
            settings: UserSettings::default(),
        },
    ];
    for (i, op) in ops.into_iter().enumerate() {
        let name = op.operation();
        let gen_id = 100 + i as u64;
        let e = run_admin(&client, gen_id, op, &audit)
            .await
            .expect_err(&format!("{name} fails"));
        let request_id = e.request_id.clone().expect("the service's request id");
        // The audit's last line: this action, failed, with the service's error.
        let text = std::fs::read_to_string(&audit.path).expect("audit");
        let line: serde_json::Value =
            serde_json::from_str(text.lines().last().expect("a line")).expect("json");
        assert_eq!(line["event"], "admin", "{line}");
        assert_eq!(line["operation"], name, "{line}");
        assert_eq!(line["result"], "failed", "{line}");
        assert_eq!(line["error_code"], e.short(), "{line}");
        assert_eq!(line["message"], e.message.as_str(), "{line}");
        assert_eq!(line["request_id"], request_id.as_str(), "{line}");
        assert!(!text.contains("new4@example.org"), "no emails in the audit");
        // The screen: code, operation, message, request id, what to do.
        let mut state = State::new(serve.url.clone(), false, Theme::default());
        update(
            &mut state,
            Action::Resize {
                width: 120,
                height: 40,
            },
        );
        state.admin = Some(gen_id);
        update(
            &mut state,
            Action::Failed {
                gen_id,
                error: ErrorInfo::of(name, &e),
            },
        );
        assert!(
            matches!(state.modals.last(), Some(Modal::Error(_))),
            "{name}"
        );
        let s = screen(&state);
        let flat: String = s.split_whitespace().collect::<Vec<_>>().join(" ");
        for want in [e.short().as_str(), name, request_id.as_str(), "what to do:"] {
            assert!(flat.contains(want), "{name}: {want:?} on screen:\n{s}");
        }
        let first_words: String = e
            .message
            .split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" ");
        assert!(
            flat.contains(&first_words),
            "{name}: the message on screen:\n{s}"
        );
    }
    // The invitation's error is the service's own words.
    let text = std::fs::read_to_string(&audit.path).expect("audit");
    let invite: serde_json::Value = text
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).expect("json"))
        .find(|l| l["operation"] == "InviteUsers")
        .expect("the invite line");
    assert!(
        invite["message"]
            .as_str()
            .is_some_and(|m| m.contains("Team")),
        "{invite}"
    );
}
