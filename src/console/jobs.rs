//! The worker's change jobs: one plan (an update, a suspend, …) applied
//! through [`crate::apply`], with progress, per-user results, cancellation
//! and the audit log; and the admin operations. Secrets (a new PIN) go to
//! the console only. They answer with what happened (counts, outcomes,
//! the service's errors), never with text for the screen.

use std::time::Instant;

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::client::{ApiError, BatchOptions, BatchProgress, Client, OutcomeResult, request_ids};
use crate::model::validate::MAX_ID_LIST;
use crate::model::{InviteStatus, License, Sensitive, UserType};
use crate::plan::Plan;

use super::action::{Action, AdminOutcome};
use super::effect::AdminOp;
use crate::audit::Audit;

/// One change for many users: a plan, applied.
#[derive(Debug, Clone)]
pub struct ChangeJob {
    pub batch_id: u64,
    plan: Box<Plan>,
}

impl ChangeJob {
    pub fn new(batch_id: u64, plan: Box<Plan>) -> ChangeJob {
        ChangeJob { batch_id, plan }
    }

    /// Applies the plan ([`crate::apply::apply`]: audited, exactly its
    /// users) with progress; answers `BatchDone`, or `BatchRefused` when
    /// the audit log could not be written and nothing was sent.
    pub async fn run(
        self,
        client: &Client,
        cancel: CancellationToken,
        max_concurrency: usize,
        audit: &Audit,
        actions: &mpsc::UnboundedSender<Action>,
    ) -> Action {
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
        // To the screen only: never logged, never audited.
        let on_pin = |c: &crate::plan::PlannedChange, pin: Sensitive| {
            let _ = actions.send(Action::PinReset {
                batch_id,
                email: c.email.clone(),
                pin,
            });
        };
        let plan = &self.plan;
        let applied = crate::apply::apply(client, plan, opts, audit, progress, on_pin).await;
        let elapsed_ms = started.elapsed().as_millis() as u64;
        let applied = match applied {
            Ok(a) => a,
            Err(e) => {
                return Action::BatchRefused {
                    batch_id,
                    message: e.to_string(),
                };
            }
        };
        tracing::info!(
            batch = batch_id,
            change = %plan.id,
            operation = plan.change.operation(),
            users = applied.report.outcomes.len(),
            ms = elapsed_ms,
            "change finished"
        );
        let outcomes: Vec<(String, OutcomeResult)> = applied
            .report
            .outcomes
            .into_iter()
            .map(|o| (o.user_id, o.result))
            .collect();
        Action::BatchDone {
            batch_id,
            account_id: plan.account_id.clone(),
            change_id: plan.id.to_string(),
            outcomes,
            elapsed_ms,
            audit_error: applied.audit_error,
        }
    }
}

/// Runs one admin operation, audited: what it did, or the service's error.
pub async fn run_admin(
    client: &Client,
    op: AdminOp,
    audit: &Audit,
) -> Result<AdminOutcome, ApiError> {
    let name = op.operation();
    let account = op.account_id().map(String::from);
    let (result, request_ids) = request_ids::capture(send_admin(client, op)).await;
    match result {
        Ok((outcome, detail)) => {
            audit.admin(name, account.as_deref(), &detail, Ok(&request_ids));
            Ok(outcome)
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

/// Sends one admin operation: what it did, and the audit log's detail.
async fn send_admin(client: &Client, op: AdminOp) -> Result<(AdminOutcome, String), ApiError> {
    match op {
        AdminOp::CreateAccount { name } => client.create_account(&name).await.map(|a| {
            let detail = format!("name {:?}", a.name);
            (AdminOutcome::AccountCreated { name: a.name }, detail)
        }),
        AdminOp::UpdateAccount {
            account_id,
            name,
            default_license,
        } => update_account(client, &account_id, name, default_license).await,
        AdminOp::DeleteAccount { account_id } => client
            .delete_account(&account_id)
            .await
            .map(|_| (AdminOutcome::AccountDeleted, "deleted".to_string())),
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
                let detail = format!("user {}", u.user_id);
                let email = Sensitive::from(u.email());
                (AdminOutcome::UserCreated { email }, detail)
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
                    let detail = groups.join(",");
                    (AdminOutcome::GroupsAdded(groups), detail)
                })
        }
        AdminOp::RemoveGroups { account_id, groups } => client
            .disassociate_signin_delegate_groups_from_account(&account_id, &groups)
            .await
            .map(|_| {
                let detail = groups.join(",");
                (AdminOutcome::GroupsRemoved(groups), detail)
            }),
        AdminOp::AccountSettings {
            account_id,
            settings,
        } => client
            .update_account_settings(&account_id, &settings)
            .await
            .map(|_| (AdminOutcome::AccountSettingsSaved, format!("{settings:?}"))),
        AdminOp::UserSettings {
            account_id,
            user_id,
            settings,
        } => client
            .update_user_settings(&account_id, &user_id, &settings)
            .await
            .map(|_| {
                let detail = format!("user {user_id}: {settings:?}");
                (AdminOutcome::UserSettingsSaved, detail)
            }),
        AdminOp::Invite {
            account_id,
            emails,
            user_type,
        } => invite(client, &account_id, &emails, user_type).await,
    }
}

/// UpdateAccount: a new name or a default license.
async fn update_account(
    client: &Client,
    account_id: &str,
    renamed: Option<String>,
    default_license: Option<License>,
) -> Result<(AdminOutcome, String), ApiError> {
    let a = client
        .update_account(account_id, renamed.as_deref(), default_license.clone())
        .await?;
    let detail = match (&renamed, &default_license) {
        (Some(n), _) => format!("renamed to {n}"),
        (_, Some(l)) => format!("default license {l}"),
        _ => "updated".into(),
    };
    let outcome = AdminOutcome::AccountUpdated {
        name: a.name,
        renamed,
        default_license,
    };
    Ok((outcome, detail))
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
) -> Result<(AdminOutcome, String), ApiError> {
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
    let outcome = AdminOutcome::Invited {
        invited,
        refused: failed,
    };
    Ok((
        outcome,
        format!("{n} emails, {invited} invited, {failed} failed"),
    ))
}
