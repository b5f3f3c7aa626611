//! Applying a [`Plan`]: the one audited sequence every change goes through,
//! the console's change jobs and `update-users` alike.
//!
//! 1. The audit log's `send` line (the change id, the counts). If it cannot
//!    be written nothing is sent: no change is made that cannot be recorded.
//! 2. Exactly the plan's `changes` are sent, through the client's batch
//!    helpers (pacing, retries, per-user results), or one call each for a
//!    log out or a PIN reset.
//! 3. One `result` line per user sent, with the plan's `from → to` for it.

use crate::audit::Audit;
use crate::client::{
    ApiError, BatchOptions, BatchProgress, BatchReport, Client, OutcomeResult, UserOutcome,
    request_ids,
};
use crate::model::{Sensitive, UpdateUserRequestItem};
use crate::plan::{Change, Plan, PlannedChange, UserAction};

/// What applying a plan did.
#[derive(Debug)]
pub struct Applied {
    /// One outcome per user of `Plan::changes`, in its order.
    pub report: BatchReport,
    /// Why the result lines could not be written, if they could not.
    pub audit_error: Option<String>,
}

/// Why a plan was not sent at all.
#[derive(Debug)]
pub struct NotRecorded(pub std::io::Error);

impl std::fmt::Display for NotRecorded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "the audit log cannot be written ({}): nothing was sent",
            self.0
        )
    }
}

/// Sends `plan` and audits it. `progress` is called after each chunk;
/// `on_pin` with each new PIN (to the screen only: never logged or audited).
pub async fn apply(
    client: &Client,
    plan: &Plan,
    opts: BatchOptions,
    audit: &Audit,
    progress: impl FnMut(BatchProgress),
    on_pin: impl Fn(&PlannedChange, Sensitive),
) -> Result<Applied, NotRecorded> {
    audit.intent(plan).map_err(NotRecorded)?;
    let account = plan.account_id.as_str();
    let ids: Vec<String> = plan.changes.iter().map(|c| c.user_id.clone()).collect();
    let mut report = match &plan.change {
        Change::Update(_) | Change::Desired { .. } => {
            // Each user's item is its planned fields' `to`: the request is
            // the plan, whatever kind of update made it.
            let mut items = Vec::new();
            let mut refused = Vec::new();
            for c in &plan.changes {
                match crate::plan::update_of(&c.fields) {
                    Ok(update) => items.push(UpdateUserRequestItem {
                        user_id: Some(c.user_id.clone()),
                        update,
                    }),
                    Err(message) => refused.push(UserOutcome {
                        user_id: c.user_id.clone(),
                        result: OutcomeResult::Failed {
                            code: None,
                            message: format!("not sent: {message}"),
                            request_id: None,
                        },
                    }),
                }
            }
            let mut report = client.update_users(account, items, opts, progress).await;
            report.outcomes.extend(refused);
            report
        }
        Change::Action(UserAction::Suspend) => {
            client.suspend_users(account, ids, opts, progress).await
        }
        Change::Action(UserAction::Unsuspend) => {
            client.unsuspend_users(account, ids, opts, progress).await
        }
        Change::Action(a @ (UserAction::Logout | UserAction::ResetPin)) => {
            one_by_one(client, plan, *a, &opts, on_pin).await
        }
    };
    // In the plan's order, whatever order the answers came in.
    let position: std::collections::HashMap<&str, usize> = plan
        .changes
        .iter()
        .enumerate()
        .map(|(i, c)| (c.user_id.as_str(), i))
        .collect();
    report.outcomes.sort_by_key(|o| {
        position
            .get(o.user_id.as_str())
            .copied()
            .unwrap_or(usize::MAX)
    });
    let outcomes: Vec<(String, OutcomeResult)> = report
        .outcomes
        .iter()
        .map(|o| (o.user_id.clone(), o.result.clone()))
        .collect();
    let audit_error = audit.outcomes(plan, &outcomes).err().map(|e| e.to_string());
    Ok(Applied {
        report,
        audit_error,
    })
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

/// LogoutUser / ResetPersonalPIN: one call per user (one user in practice);
/// users after a cancel are not sent.
async fn one_by_one(
    client: &Client,
    plan: &Plan,
    action: UserAction,
    opts: &BatchOptions,
    on_pin: impl Fn(&PlannedChange, Sensitive),
) -> BatchReport {
    let mut outcomes = Vec::new();
    for change in &plan.changes {
        let id = change.user_id.as_str();
        if opts.cancel.is_cancelled() {
            outcomes.push(UserOutcome {
                user_id: id.to_string(),
                result: OutcomeResult::NotSent,
            });
            continue;
        }
        let call = async {
            match action {
                UserAction::Logout => client.logout_user(&plan.account_id, id).await,
                _ => client
                    .reset_personal_pin(&plan.account_id, id)
                    .await
                    .map(|u| {
                        if let Some(pin) = u.personal_pin {
                            on_pin(change, pin);
                        }
                    }),
            }
        };
        let (result, request_ids) = request_ids::capture(call).await;
        outcomes.push(UserOutcome {
            user_id: id.to_string(),
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
