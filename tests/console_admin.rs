//! Every admin action of the console failing as a whole, against the local
//! service over real HTTP: the worker's job returns the service's error
//! (code, message, request id), the audit log writes `failed` with it, and
//! the screen shows it with what to do.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use ratatui::Terminal;
use ratatui::backend::TestBackend;

use chime_admin::audit::Audit;
use chime_admin::console::action::{Action, Failure};
use chime_admin::console::effect::AdminOp;
use chime_admin::console::jobs::run_admin;
use chime_admin::console::state::{Modal, State};
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

/// The demo `serve`, a client of it, an audit log in a dir of its own and
/// the id of an account that is not a Team account.
struct Stage {
    serve: Serve,
    client: chime_admin::client::Client,
    audit: Audit,
    not_team: String,
    _dir: tempfile::TempDir,
}

impl Stage {
    async fn new() -> Stage {
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
        let dir = tempfile::tempdir().expect("tempdir");
        let audit = Audit {
            path: dir.path().join("audit.jsonl"),
            endpoint: serve.url.clone(),
            profile: None,
        };
        Stage {
            serve,
            client,
            audit,
            not_team,
            _dir: dir,
        }
    }

    /// InviteUsers of two emails into the account that is not a Team account.
    fn invite(&self) -> AdminOp {
        AdminOp::Invite {
            account_id: self.not_team.clone(),
            emails: vec!["new4@example.org".into(), "new5@example.org".into()],
            user_type: None,
        }
    }

    /// Runs `op` as the console's admin job `gen_id` and asserts it failed,
    /// the audit log's last line is that failure with the service's error
    /// (and no email), and the screen shows the code, the operation, the
    /// message, the request id and what to do.
    async fn fails_shown_and_audited(&self, gen_id: u64, op: AdminOp) {
        let name = op.operation();
        let e = run_admin(&self.client, op, &self.audit)
            .await
            .expect_err(&format!("{name} fails"));
        let request_id = e.request_id.clone().expect("the service's request id");
        let text = std::fs::read_to_string(&self.audit.path).expect("audit");
        let line: serde_json::Value =
            serde_json::from_str(text.lines().last().expect("a line")).expect("json");
        assert_eq!(line["event"], "admin", "{line}");
        assert_eq!(line["operation"], name, "{line}");
        assert_eq!(line["result"], "failed", "{line}");
        assert_eq!(line["error_code"], e.short(), "{line}");
        assert_eq!(line["message"], e.message.as_str(), "{line}");
        assert_eq!(line["request_id"], request_id.as_str(), "{line}");
        assert!(!text.contains("new4@example.org"), "no emails in the audit");
        let mut state = State::new(self.serve.url.clone(), false, Theme::default());
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
                operation: name.into(),
                error: Failure::Api(e.clone()),
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
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_admin_action_that_fails_shows_and_audits_the_services_error() {
    let st = Stage::new().await;
    let gone = "00000000-0000-4000-8000-000000000000".to_string();
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
        st.invite(),
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
        st.fails_shown_and_audited(100 + i as u64, op).await;
    }
}

/// An invitation into an account that is not a Team account fails in the
/// service's own words, which the audit log keeps.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_invitation_into_a_non_team_account_is_refused_in_the_services_words() {
    let st = Stage::new().await;
    st.fails_shown_and_audited(1, st.invite()).await;
    let text = std::fs::read_to_string(&st.audit.path).expect("audit");
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
