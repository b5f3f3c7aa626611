//! The worker's change jobs: one change (an update, a suspend, …) for its
//! users, through the client's batch helpers, with progress, per-user results,
//! cancellation and the audit log. Secrets (a new PIN) go to the console only.

use std::time::Instant;

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::client::{
    ApiError, BatchOptions, BatchProgress, BatchReport, Client, OutcomeResult, request_ids,
};
use crate::model::validate::MAX_ID_LIST;
use crate::model::{InviteStatus, Sensitive, UpdateUserRequestItem, UserType};

use super::action::Action;
use super::form::{Change, PlannedChange, UserAction};
use crate::audit::Audit;

/// One change for many users.
#[derive(Debug, Clone)]
pub struct ChangeJob {
    pub batch_id: u64,
    account_id: String,
    change: Change,
    changes: Vec<PlannedChange>,
}

fn failed(e: &ApiError) -> OutcomeResult {
    OutcomeResult::Failed {
        code: e.code().cloned(),
        message: if e.code().is_some() {
            e.message.clone()
        } else {
            format!("{}: {}", e.short(), e.message)
        },
        request_id: e.request_id.clone(),
    }
}

impl ChangeJob {
    /// A change for many users, taken by value (the planned changes are not copied).
    pub fn new(
        batch_id: u64,
        account_id: String,
        change: Change,
        changes: Vec<PlannedChange>,
    ) -> ChangeJob {
        ChangeJob {
            batch_id,
            account_id,
            change,
            changes,
        }
    }

    fn operation(&self) -> &'static str {
        self.change.operation()
    }

    pub async fn run(
        self,
        client: &Client,
        cancel: CancellationToken,
        max_concurrency: usize,
        audit: &Audit,
        actions: &mpsc::UnboundedSender<Action>,
    ) -> Action {
        let op = self.operation();
        audit.intent(op, &self.account_id, self.batch_id, self.changes.len());
        let opts = BatchOptions {
            max_concurrency,
            cancel,
            ..BatchOptions::default()
        };
        let started = Instant::now();
        let batch_id = self.batch_id;
        let progress = |p: BatchProgress| {
            let _ = actions.send(Action::BatchProgress {
                batch_id,
                done: p.done,
                failed: p.failed,
                total: p.total,
                elapsed_ms: started.elapsed().as_millis() as u64,
            });
        };
        let ids: Vec<String> = self.changes.iter().map(|c| c.user_id.clone()).collect();
        let account = self.account_id.as_str();
        let report: BatchReport = match &self.change {
            Change::Update(update) => {
                let items = ids
                    .iter()
                    .map(|id| UpdateUserRequestItem {
                        user_id: Some(id.clone()),
                        update: update.clone(),
                    })
                    .collect();
                client.update_users(account, items, opts, progress).await
            }
            Change::Action(UserAction::Suspend) => {
                client.suspend_users(account, ids, opts, progress).await
            }
            Change::Action(UserAction::Unsuspend) => {
                client.unsuspend_users(account, ids, opts, progress).await
            }
            Change::Action(a @ (UserAction::Logout | UserAction::ResetPin)) => {
                self.one_by_one(client, *a, &ids, actions).await
            }
        };
        let outcomes: Vec<(String, OutcomeResult)> = report
            .outcomes
            .into_iter()
            .map(|o| (o.user_id, o.result))
            .collect();
        audit.outcomes(op, account, batch_id, &self.changes, &outcomes);
        tracing::info!(
            batch = batch_id,
            operation = op,
            users = outcomes.len(),
            ms = started.elapsed().as_millis() as u64,
            "change finished"
        );
        Action::BatchDone {
            batch_id,
            account_id: self.account_id,
            outcomes,
            elapsed_ms: started.elapsed().as_millis() as u64,
        }
    }

    /// LogoutUser / ResetPersonalPIN: one call per user (one user in practice).
    async fn one_by_one(
        &self,
        client: &Client,
        action: UserAction,
        ids: &[String],
        actions: &mpsc::UnboundedSender<Action>,
    ) -> BatchReport {
        let mut outcomes = Vec::new();
        for (id, change) in ids.iter().zip(&self.changes) {
            let call = async {
                match action {
                    UserAction::Logout => client.logout_user(&self.account_id, id).await,
                    _ => client
                        .reset_personal_pin(&self.account_id, id)
                        .await
                        .map(|u| {
                            if let Some(pin) = u.personal_pin {
                                // To the screen only: never logged, never audited.
                                let _ = actions.send(Action::PinReset {
                                    batch_id: self.batch_id,
                                    email: change.email.clone(),
                                    pin,
                                });
                            }
                        }),
                }
            };
            let (result, request_ids) = request_ids::capture(call).await;
            outcomes.push(crate::client::UserOutcome {
                user_id: id.clone(),
                result: match result {
                    Ok(()) => OutcomeResult::Ok {
                        request_id: request_ids.last().cloned(),
                    },
                    Err(e) => failed(&e),
                },
            });
        }
        BatchReport { outcomes }
    }
}

/// Runs one admin operation; the answer says what happened in words.
pub async fn run_admin(
    client: &Client,
    gen_id: u64,
    op: crate::console::prompt::AdminOp,
    audit: &Audit,
) -> Result<Action, ApiError> {
    use crate::console::prompt::AdminOp;
    let name = op.operation();
    let about_accounts = op.about_accounts();
    let account = op.account_id().map(String::from);
    let work = async {
        let result: Result<(String, String), ApiError> = match op {
            AdminOp::CreateAccount { name } => client.create_account(&name).await.map(|a| {
                (
                    format!("account {} created", a.name),
                    format!("name {:?}", a.name),
                )
            }),
            AdminOp::UpdateAccount {
                account_id,
                name,
                default_license,
            } => client
                .update_account(&account_id, name.as_deref(), default_license.clone())
                .await
                .map(|a| {
                    let what = match (&name, &default_license) {
                        (Some(n), _) => format!("renamed to {n}"),
                        (_, Some(l)) => format!("default license {l}"),
                        _ => "updated".into(),
                    };
                    (format!("account {}: {what}", a.name), what)
                }),
            AdminOp::DeleteAccount { account_id } => client
                .delete_account(&account_id)
                .await
                .map(|_| ("account deleted".to_string(), "deleted".to_string())),
            AdminOp::CreateUser {
                account_id,
                email,
                username,
                user_type,
            } => client
                .create_user(
                    &account_id,
                    username.as_ref().map(|u| u.expose()),
                    Some(email.expose()),
                    user_type,
                )
                .await
                .map(|u| {
                    (
                        format!("user created: {}", u.email()),
                        format!("user {}", u.user_id),
                    )
                }),
            AdminOp::AddGroups { account_id, groups } => {
                let g: Vec<crate::model::SigninDelegateGroup> = groups
                    .iter()
                    .map(|n| crate::model::SigninDelegateGroup {
                        group_name: Some(n.clone()),
                    })
                    .collect();
                client
                    .associate_signin_delegate_groups_with_account(&account_id, &g)
                    .await
                    .map(|_| {
                        (
                            format!("groups added: {}", groups.join(", ")),
                            groups.join(","),
                        )
                    })
            }
            AdminOp::RemoveGroups { account_id, groups } => client
                .disassociate_signin_delegate_groups_from_account(&account_id, &groups)
                .await
                .map(|_| {
                    (
                        format!("groups removed: {}", groups.join(", ")),
                        groups.join(","),
                    )
                }),
            AdminOp::AccountSettings {
                account_id,
                settings,
            } => client
                .update_account_settings(&account_id, &settings)
                .await
                .map(|_| ("account settings saved".into(), format!("{settings:?}"))),
            AdminOp::UserSettings {
                account_id,
                user_id,
                settings,
            } => client
                .update_user_settings(&account_id, &user_id, &settings)
                .await
                .map(|_| {
                    (
                        "telephony settings saved".into(),
                        format!("user {user_id}: {settings:?}"),
                    )
                }),
            AdminOp::Invite {
                account_id,
                emails,
                user_type,
            } => invite(client, &account_id, &emails, user_type).await,
        };
        result
    };
    let (result, request_ids) = request_ids::capture(work).await;
    match result {
        Ok((message, detail)) => {
            audit.admin(name, account.as_deref(), &detail, Ok(&request_ids));
            Ok(Action::AdminDone {
                gen_id,
                message,
                about_accounts,
            })
        }
        Err(e) => {
            let short = e.short();
            audit.admin(
                name,
                account.as_deref(),
                "",
                Err((&short, &e.message, e.request_id.as_deref())),
            );
            Err(e)
        }
    }
}

/// InviteUsers for a list, `MAX_ID_LIST` emails a call, one call after
/// another. A call refused as a whole (e.g. "Only Team accounts support
/// InviteUsers") ends it with that error, its request id kept, and says how
/// many were invited before and that the rest were not sent. Emails the
/// service reports as failed are counted.
async fn invite(
    client: &Client,
    account_id: &str,
    emails: &[Sensitive],
    user_type: Option<UserType>,
) -> Result<(String, String), ApiError> {
    let n = emails.len();
    let (mut invited, mut failed) = (0, 0);
    for chunk in emails.chunks(MAX_ID_LIST) {
        match client
            .invite_user_list(account_id, chunk, user_type.clone())
            .await
        {
            Ok(invites) => {
                let bad = invites
                    .iter()
                    .filter(|i| i.status == Some(InviteStatus::Failed))
                    .count();
                failed += bad;
                invited += chunk.len().saturating_sub(bad);
            }
            Err(mut e) => {
                if invited + failed > 0 {
                    e.message = format!(
                        "{} ({invited} of {n} invited before it; the rest not sent)",
                        e.message
                    );
                }
                return Err(e);
            }
        }
    }
    let msg = if failed == 0 {
        format!("{invited} invited")
    } else {
        format!("✗ {invited} invited · {failed} refused by the service")
    };
    Ok((
        msg,
        format!("{n} emails, {invited} invited, {failed} failed"),
    ))
}
