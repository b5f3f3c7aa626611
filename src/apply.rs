//! Applying a [`Plan`]: the one audited sequence every change goes through,
//! the console's change jobs and `update-users` alike.
//!
//! 1. The audit log's `send` line (the change id, the counts). If it cannot
//!    be written nothing is sent: no change is made that cannot be recorded.
//! 2. Exactly the plan's `changes` are sent, through the client's batch
//!    helpers (pacing, retries, per-user results), or one call each for a
//!    log out or a PIN reset.
//! 3. One `result` line per user sent, with the plan's `from → to` for it,
//!    appended as each chunk's answer lands (one write per chunk; an unknown
//!    outcome once it is settled), so a run cut short keeps what it did. If
//!    a result cannot be written, nothing more is sent.

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
    mut progress: impl FnMut(BatchProgress),
    on_pin: impl Fn(&PlannedChange, Sensitive),
) -> Result<Applied, NotRecorded> {
    // 1. The `send` line first: if it cannot be written, nothing is sent.
    audit.intent(plan).map_err(NotRecorded)?;
    // 2. Exactly the plan's users, each chunk's results written as it lands.
    let Sending {
        items,
        refused,
        ids,
    } = Sending::of(plan);
    let mut results = Results::new(audit, plan, &ids, &opts);
    let on_chunk = |p: BatchProgress| {
        results.chunk(&p);
        progress(p);
    };
    let report = send(client, plan, items, &ids, opts, on_chunk, on_pin).await;
    // 3. The rest of the result lines in one write.
    Ok(results.finish(report, refused))
}

/// What is sent for a plan.
struct Sending {
    /// For an update: each user's planned `to` values (the request is the
    /// plan, whatever kind of update made it).
    items: Vec<UpdateUserRequestItem>,
    /// Users whose values cannot be sent: failed here, never sent.
    refused: Vec<UserOutcome>,
    /// The users sent, in the order sent (the batch reports by this index).
    ids: Vec<String>,
}

impl Sending {
    fn of(plan: &Plan) -> Sending {
        let mut items = Vec::new();
        let mut refused = Vec::new();
        if !plan.change.is_update() {
            let ids = plan.changes.iter().map(|c| c.user_id.clone()).collect();
            return Sending {
                items,
                refused,
                ids,
            };
        }
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
        let ids = items.iter().filter_map(|i| i.user_id.clone()).collect();
        Sending {
            items,
            refused,
            ids,
        }
    }
}

/// Sends the plan's users through the batch helper its change takes (or
/// one call each for a log out or a PIN reset).
async fn send(
    client: &Client,
    plan: &Plan,
    items: Vec<UpdateUserRequestItem>,
    ids: &[String],
    opts: BatchOptions,
    on_chunk: impl FnMut(BatchProgress),
    on_pin: impl Fn(&PlannedChange, Sensitive),
) -> BatchReport {
    let account = plan.account_id.as_str();
    match &plan.change {
        Change::Update(_) | Change::Desired { .. } => {
            client.update_users(account, items, opts, on_chunk).await
        }
        Change::Action(UserAction::Suspend) => {
            client
                .suspend_users(account, ids.to_vec(), opts, on_chunk)
                .await
        }
        Change::Action(UserAction::Unsuspend) => {
            client
                .unsuspend_users(account, ids.to_vec(), opts, on_chunk)
                .await
        }
        Change::Action(a @ (UserAction::Logout | UserAction::ResetPin)) => {
            one_by_one(client, plan, *a, &opts, on_pin).await
        }
    }
}

/// The result lines of a change: written chunk by chunk as answers land;
/// the first write that fails cancels the rest of the change.
struct Results<'a> {
    audit: &'a Audit,
    plan: &'a Plan,
    ids: &'a [String],
    cancel: tokio_util::sync::CancellationToken,
    /// Which users' result lines are written.
    written: Vec<bool>,
    /// The first write that failed.
    error: Option<std::io::Error>,
}

impl<'a> Results<'a> {
    fn new(audit: &'a Audit, plan: &'a Plan, ids: &'a [String], opts: &BatchOptions) -> Self {
        Results {
            audit,
            plan,
            ids,
            cancel: opts.cancel.clone(),
            written: vec![false; ids.len()],
            error: None,
        }
    }

    /// One chunk's settled users, in one write. A change that cannot be
    /// recorded goes no further.
    fn chunk(&mut self, p: &BatchProgress) {
        let (indexes, lines): (Vec<usize>, Vec<(String, OutcomeResult)>) = p
            .settled
            .iter()
            // An unknown outcome may still be settled by reading it back.
            .filter(|(_, r)| !matches!(r, OutcomeResult::Unknown { .. }))
            .filter_map(|(i, r)| Some((*i, (self.ids.get(*i)?.clone(), r.clone()))))
            .unzip();
        if lines.is_empty() || self.error.is_some() {
            return;
        }
        match self.audit.outcomes(self.plan, &lines) {
            Ok(()) => indexes.iter().for_each(|&i| self.written[i] = true),
            Err(e) => {
                self.error = Some(e);
                self.cancel.cancel();
            }
        }
    }

    /// The rest in one write: unknown outcomes as settled, users not sent,
    /// users refused before sending, and any whose chunk's write failed.
    /// The report in the plan's order, whatever order the answers came in.
    fn finish(self, mut report: BatchReport, refused: Vec<UserOutcome>) -> Applied {
        let mut rest: Vec<(String, OutcomeResult)> = report
            .outcomes
            .iter()
            .enumerate()
            .filter(|(i, _)| !self.written.get(*i).copied().unwrap_or(false))
            .map(|(_, o)| (o.user_id.clone(), o.result.clone()))
            .collect();
        rest.extend(
            refused
                .iter()
                .map(|o| (o.user_id.clone(), o.result.clone())),
        );
        report.outcomes.extend(refused);
        let position: std::collections::HashMap<&str, usize> = self
            .plan
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
        let last = if rest.is_empty() {
            Ok(())
        } else {
            self.audit.outcomes(self.plan, &rest)
        };
        let audit_error = match (self.error, last) {
            (None, Ok(())) => None,
            (Some(first), Ok(())) => Some(format!(
                "{first} (so nothing more was sent; every result was written afterwards)"
            )),
            (Some(first), Err(e)) => Some(format!("{first} (so nothing more was sent); then {e}")),
            (None, Err(e)) => Some(e.to_string()),
        };
        Applied {
            report,
            audit_error,
        }
    }
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
