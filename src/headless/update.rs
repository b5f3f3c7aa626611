//! `update-users`: one change for many users, with the console's safety
//! rails, through the same [`crate::plan`] as the console: the selection is
//! read fresh, planned, then previewed (`--dry-run`, reads only) or applied
//! ([`crate::apply`]: the audit log's `send` line, exactly the plan's
//! users, one `result` line each). `--read-only` refuses it before any
//! request; a selection flag that does not fit (a filter without `--all`,
//! a blank filter) or a value the account does not support is refused with
//! exit 2 and nothing sent. It prints one result per selected user:
//! `Updated`, `Already` (at the values: not sent), `NotFound`, `Failed`,
//! `Unknown` (sent, its answer lost, and reading the user back failed too)
//! or `NotSent`, and exits non-zero unless every user is updated or was
//! already at the values.

use std::collections::HashMap;
use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use std::str::FromStr;

use anyhow::{Context, bail};
use serde::Serialize;

use super::Settings;
use super::output::{ignore_broken_pipe, write_json, write_rows};
use crate::audit::Audit;
use crate::cli::{ChangeArgs, OutputFormat, UpdateUsersArgs};
use crate::client::{BatchOptions, Client, OutcomeResult, UserOutcome};
use crate::columns::{RESULT_COLUMNS, ResultRow};
use crate::config::MAX_CONCURRENCY;
use crate::model::{AlexaForBusinessMetadata, License, Sensitive, UserType, UserUpdate, validate};
use crate::plan::{Change, Plan, PlanError, Selection, Warning};
use crate::text::thousands;

/// Exit code of a refused command (as for bad flags).
const REFUSED: u8 = 2;

/// Rows of the dry run's table.
const PREVIEW_ROWS: usize = 20;

pub async fn update_users(settings: Settings, args: UpdateUsersArgs) -> anyhow::Result<ExitCode> {
    if let (Some(why), false) = (&settings.read_only, args.dry_run) {
        eprintln!(
            "chime-admin: update-users refused: read-only ({why}); nothing was sent (--dry-run shows what it would change)"
        );
        return Ok(ExitCode::from(REFUSED));
    }
    let update = change_from_flags(&args.change)?;
    let concurrency = args.concurrency.unwrap_or(settings.concurrency);
    if !(1..=MAX_CONCURRENCY).contains(&concurrency) {
        bail!("--concurrency must be 1 to {MAX_CONCURRENCY}, got {concurrency}");
    }
    let selection = match selection(&args.change) {
        Ok(s) => s,
        Err(why) => {
            eprintln!(
                "chime-admin: {}; nothing was sent",
                crate::text::visible(&why)
            );
            return Ok(ExitCode::from(REFUSED));
        }
    };
    let client = Client::from_conn(&settings.conn)
        .await?
        .with_list_limit(args.change.max_users);
    let plan = match crate::plan::make(&client, &args.account_id, Change::Update(update), selection)
        .await
    {
        Ok(plan) => plan,
        Err(PlanError::Refused(why)) => {
            eprintln!("chime-admin: {}", crate::text::visible(&why));
            return Ok(ExitCode::from(REFUSED));
        }
        Err(PlanError::Api(e)) => return Err(e.into()),
    };
    if plan.selected() == 0 {
        eprintln!("no users to update");
        return Ok(ExitCode::SUCCESS);
    }
    let mut out = std::io::stdout().lock();
    if args.dry_run {
        ignore_broken_pipe(Preview::of(&plan).write(&mut out, args.output))?;
        return Ok(ExitCode::SUCCESS);
    }
    drop(out);
    send(&settings, &client, &plan, concurrency, args.output).await
}

/// Which users the flags select. `--filter` and `--email` narrow `--all`
/// only; a blank filter is refused (a script's unset variable must not
/// become every user).
pub(super) fn selection(args: &ChangeArgs) -> Result<Selection, String> {
    let named = !args.user_ids.is_empty() || args.ids_from.is_some();
    if !args.all && (args.filter.is_some() || args.email.is_some()) {
        return Err(
            "--filter and --email narrow --all: give --all with them (or name the users with --user-id/--ids-from alone)"
                .into(),
        );
    }
    if args.all && named {
        return Err(
            "--all selects every user; --user-id/--ids-from name users: give one or the other"
                .into(),
        );
    }
    if !args.all {
        let mut ids = args.user_ids.clone();
        if let Some(path) = &args.ids_from {
            ids.extend(ids_from(path).map_err(|e| format!("{e:#}"))?);
        }
        if ids.is_empty() {
            return Err("no users: give --user-id, --ids-from or --all".into());
        }
        return Ok(Selection::Ids(ids));
    }
    let blank = |s: &str| s.trim().trim_matches(['"', '\'']).trim().is_empty();
    if let Some(f) = &args.filter
        && blank(f)
    {
        return Err("--filter is blank: say --all alone for every user".into());
    }
    if let Some(e) = &args.email
        && blank(e)
    {
        return Err("--email is blank: say --all alone for every user".into());
    }
    let filter = args
        .filter
        .as_deref()
        .map(super::select::parse)
        .transpose()?;
    if filter.as_ref().is_some_and(|f| f.is_empty()) {
        return Err("--filter selects no field: say --all alone for every user".into());
    }
    Ok(Selection::All {
        query: super::select::query(filter.as_ref(), args.email.clone(), None),
        filter,
        email: args.email.clone(),
    })
}

/// Applies the plan: exactly its users, audited; prints one row per
/// selected user (`Already` and `NotFound` ones too) and the summary line.
pub(super) async fn send(
    settings: &Settings,
    client: &Client,
    plan: &Plan,
    concurrency: usize,
    output: OutputFormat,
) -> anyhow::Result<ExitCode> {
    let audit = Audit {
        path: settings.audit_log.clone(),
        endpoint: client.endpoint().to_string(),
        profile: settings.conn.profile.clone(),
    };
    let cancel = tokio_util::sync::CancellationToken::new();
    let ctrl_c = tokio::spawn(stop_on_signals(cancel.clone()));
    let bar = progress_bar(plan.changes.len());
    let opts = BatchOptions {
        max_concurrency: concurrency,
        cancel,
        ..BatchOptions::default()
    };
    let progress = |p: crate::client::BatchProgress| {
        if let Some(bar) = &bar {
            bar.set_position((p.done + p.failed) as u64);
            bar.set_message(format!(
                "{} failed, {} in flight (limit {})",
                p.failed, p.in_flight, p.concurrency
            ));
        }
    };
    let applied = if plan.changes.is_empty() {
        None
    } else {
        match crate::apply::apply(client, plan, opts, &audit, progress, |_, _| {}).await {
            Ok(a) => Some(a),
            Err(e) => {
                ctrl_c.abort();
                eprintln!("chime-admin: {e}");
                return Ok(ExitCode::FAILURE);
            }
        }
    };
    ctrl_c.abort();
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    let outcomes = applied
        .as_ref()
        .map(|a| a.report.outcomes.as_slice())
        .unwrap_or_default();
    let mut out = std::io::stdout().lock();
    let drift_notes: Vec<String> = plan
        .drifted
        .iter()
        .map(|d| {
            format!(
                "{} is {} now, the plan expected {}: someone changed it since; left alone",
                d.field, d.found, d.planned_from
            )
        })
        .collect();
    ignore_broken_pipe(write_outcomes(
        &mut out,
        output,
        plan,
        outcomes,
        &drift_notes,
    ))?;
    let count = |f: fn(&OutcomeResult) -> bool| outcomes.iter().filter(|o| f(&o.result)).count();
    let ok = count(|r| matches!(r, OutcomeResult::Ok { .. }));
    let failed = count(|r| matches!(r, OutcomeResult::Failed { .. }));
    let unknown = count(|r| matches!(r, OutcomeResult::Unknown { .. }));
    let not_sent = count(|r| matches!(r, OutcomeResult::NotSent));
    let drifted = if plan.drifted.is_empty() {
        String::new()
    } else {
        format!(", {} drifted (left alone)", thousands(plan.drifted.len()))
    };
    eprintln!(
        "change {}: {} of {} users updated, {} already at the values{drifted}, {} failed, {} unknown, {} not sent, {} not found",
        plan.id,
        thousands(ok),
        thousands(plan.selected()),
        thousands(plan.already.len()),
        thousands(failed),
        thousands(unknown),
        thousands(not_sent),
        thousands(plan.not_found.len())
    );
    if let Some(e) = applied.as_ref().and_then(|a| a.audit_error.as_deref()) {
        eprintln!("chime-admin: the results could not be written to the audit log: {e}");
        return Ok(ExitCode::FAILURE);
    }
    Ok(
        if failed + unknown + not_sent + plan.not_found.len() + plan.drifted.len() == 0 {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        },
    )
}

/// SIGINT, SIGTERM and SIGHUP (a closed SSH session) end a run the same
/// way: nothing more is sent, the requests in flight are waited for, and
/// every user's result is audited and printed.
///
/// The handlers are installed before this returns (so a signal that comes
/// at once is handled too); the future waits for the first signal.
fn stop_on_signals(
    cancel: tokio_util::sync::CancellationToken,
) -> impl std::future::Future<Output = ()> {
    use tokio::signal::unix::{SignalKind, signal};
    let int = signal(SignalKind::interrupt());
    let term = signal(SignalKind::terminate());
    let hup = signal(SignalKind::hangup());
    async move {
        let (Ok(mut int), Ok(mut term), Ok(mut hup)) = (int, term, hup) else {
            // Without them the default (ending the process) stays.
            tracing::warn!("cannot handle SIGINT/SIGTERM/SIGHUP");
            return;
        };
        let name = tokio::select! {
            _ = int.recv() => "interrupted",
            _ = term.recv() => "SIGTERM",
            _ = hup.recv() => "SIGHUP",
        };
        // Cancel first: after a hangup stderr may be gone.
        cancel.cancel();
        tracing::warn!(signal = name, "stopping: sending no more");
        let _ = writeln!(
            std::io::stderr(),
            "{name}: finishing the requests in flight, sending no more"
        );
    }
}

/// The ids of `--ids-from FILE` (`-`: stdin).
fn ids_from(path: &std::path::Path) -> anyhow::Result<Vec<String>> {
    let text = if path.as_os_str() == "-" {
        std::io::read_to_string(std::io::stdin()).context("reading user ids from stdin")?
    } else {
        std::fs::read_to_string(path)
            .with_context(|| format!("reading user ids from {}", path.display()))?
    };
    super::ids::parse(&text).map_err(|e| anyhow::anyhow!("--ids-from {}: {e}", path.display()))
}

/// What a change would do: the plan as `--dry-run` prints it (the same
/// numbers the console's preview shows and the apply then reports).
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct Preview {
    dry_run: bool,
    /// The plan file written (`plan --out`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) plan: Option<String>,
    /// Its SHA-256.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) digest: Option<String>,
    account_id: String,
    /// "License Basic → Pro for 16 users".
    summary: Vec<String>,
    /// Suspended users an update will fail for; users not found; drifted.
    #[serde(serialize_with = "as_texts")]
    warnings: Vec<Warning>,
    selected: usize,
    changes: Vec<PreviewRow>,
    already_at_values: Vec<String>,
    not_found: Vec<String>,
    suspended: Vec<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct PreviewRow {
    user_id: String,
    primary_email: String,
    fields: Vec<PreviewField>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct PreviewField {
    field: &'static str,
    from: String,
    to: String,
}

/// Warnings as their texts (in JSON too).
fn as_texts<S: serde::Serializer>(w: &[Warning], s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(w.iter().map(|w| w.to_string()))
}

impl Preview {
    pub(super) fn of(plan: &Plan) -> Preview {
        Preview {
            dry_run: true,
            plan: None,
            digest: None,
            account_id: plan.account_id.clone(),
            summary: plan.summary(),
            warnings: plan.warnings(),
            selected: plan.selected(),
            changes: plan
                .changes
                .iter()
                .map(|c| PreviewRow {
                    user_id: c.user_id.clone(),
                    primary_email: c.email.expose().to_string(),
                    fields: c
                        .fields
                        .iter()
                        .map(|f| PreviewField {
                            field: f.field.label(),
                            from: f.from.clone(),
                            to: f.to.clone(),
                        })
                        .collect(),
                })
                .collect(),
            already_at_values: plan.already.iter().map(|u| u.user_id.clone()).collect(),
            not_found: plan.not_found.clone(),
            suspended: plan.suspended.clone(),
        }
    }

    fn row_cells(r: &PreviewRow) -> Vec<String> {
        let change = r
            .fields
            .iter()
            .map(|f| format!("{} {} → {}", f.field, f.from, f.to))
            .collect::<Vec<_>>()
            .join("; ");
        vec![r.user_id.clone(), r.primary_email.clone(), change]
    }

    pub(super) fn write(&self, out: &mut impl Write, format: OutputFormat) -> anyhow::Result<()> {
        const HEADER: [&str; 3] = ["UserId", "PrimaryEmail", "Change"];
        match format {
            OutputFormat::Json => write_json(out, self),
            OutputFormat::Csv => {
                let rows: Vec<Vec<String>> = self.changes.iter().map(Self::row_cells).collect();
                write_rows(out, format, &HEADER, &rows)
            }
            OutputFormat::Table => {
                writeln!(
                    out,
                    "{}, nothing sent: {} of {} users of account {} would change.",
                    if self.plan.is_some() {
                        "Plan"
                    } else {
                        "Dry run"
                    },
                    thousands(self.changes.len()),
                    thousands(self.selected),
                    crate::text::visible(&self.account_id)
                )?;
                if let (Some(file), Some(digest)) = (&self.plan, &self.digest) {
                    writeln!(out, "Written to {}", crate::text::visible(file))?;
                    writeln!(out, "Digest (SHA-256): {digest}")?;
                }
                for line in &self.summary {
                    writeln!(out, "  {}", crate::text::visible(line))?;
                }
                writeln!(
                    out,
                    "{} already at the values, {} not found{}",
                    thousands(self.already_at_values.len()),
                    thousands(self.not_found.len()),
                    match self.not_found.first() {
                        Some(id) => format!(" (first: {})", crate::text::visible(id)),
                        None => String::new(),
                    }
                )?;
                // The plan's warnings but the one the line above says.
                for w in self
                    .warnings
                    .iter()
                    .filter(|w| !matches!(w, Warning::NotFound(_)))
                {
                    writeln!(out, "{w}")?;
                }
                if self.changes.is_empty() {
                    return Ok(());
                }
                let shown = self.changes.len().min(PREVIEW_ROWS);
                writeln!(out, "The first {shown}:")?;
                let rows: Vec<Vec<String>> = self
                    .changes
                    .iter()
                    .take(PREVIEW_ROWS)
                    .map(Self::row_cells)
                    .collect();
                write_rows(out, format, &HEADER, &rows)
            }
        }
    }
}

/// The change the flags ask for, checked against the model.
pub(super) fn change_from_flags(args: &ChangeArgs) -> anyhow::Result<UserUpdate> {
    let license_type = args
        .license
        .as_deref()
        .map(parse_flag::<License>)
        .transpose()?;
    let user_type = args
        .user_type
        .as_deref()
        .map(parse_flag::<UserType>)
        .transpose()?;
    if let Some(arn) = &args.a4b_room_arn
        && let Some(problem) = validate::arn_problem(arn)
    {
        bail!("invalid --a4b-room-arn: {problem}");
    }
    let alexa_for_business_metadata = if args.a4b_enabled.is_some() || args.a4b_room_arn.is_some() {
        Some(AlexaForBusinessMetadata {
            is_alexa_for_business_enabled: args.a4b_enabled,
            alexa_for_business_room_arn: args.a4b_room_arn.clone().map(Sensitive::from),
        })
    } else {
        None
    };
    let update = UserUpdate {
        license_type,
        user_type,
        alexa_for_business_metadata,
    };
    if update.is_empty() {
        bail!("nothing to change: give --license, --user-type, --a4b-enabled or --a4b-room-arn");
    }
    Ok(update)
}

/// A model enum from a flag value, or an error listing the allowed values.
pub(super) fn parse_flag<T: FromStr<Err = String>>(value: &str) -> anyhow::Result<T> {
    T::from_str(value).map_err(anyhow::Error::msg)
}

fn progress_bar(total: usize) -> Option<indicatif::ProgressBar> {
    if !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = indicatif::ProgressBar::with_draw_target(
        Some(total as u64),
        indicatif::ProgressDrawTarget::stderr(),
    );
    if let Ok(style) =
        indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} users  {msg}  {elapsed}")
    {
        bar.set_style(style);
    }
    Some(bar)
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct ResultSummary<'a> {
    change_id: &'a str,
    results: &'a [ResultRow<'a>],
    updated: usize,
    already: usize,
    drifted: usize,
    failed: usize,
    unknown: usize,
    not_sent: usize,
    not_found: usize,
}

/// One row per selected user: the users sent (their outcome), then those
/// already at the values, then the ids not found.
fn write_outcomes<'a>(
    out: &mut impl Write,
    format: OutputFormat,
    plan: &'a Plan,
    outcomes: &'a [UserOutcome],
    drift_notes: &'a [String],
) -> anyhow::Result<()> {
    let emails: HashMap<&str, &str> = plan
        .changes
        .iter()
        .map(|c| (c.user_id.as_str(), c.email.expose()))
        .collect();
    let mut rows: Vec<ResultRow<'a>> = outcomes
        .iter()
        .map(|o| {
            ResultRow::of(&o.user_id, &o.result).with_email(emails.get(o.user_id.as_str()).copied())
        })
        .collect();
    rows.extend(
        plan.already
            .iter()
            .map(|u| ResultRow::plain(&u.user_id, "Already").with_email(Some(u.email.expose()))),
    );
    rows.extend(
        plan.not_found
            .iter()
            .map(|id| ResultRow::plain(id, "NotFound")),
    );
    rows.extend(
        plan.drifted
            .iter()
            .zip(drift_notes)
            .map(|(d, note)| ResultRow {
                error_message: Some(note.as_str()),
                ..ResultRow::plain(&d.user.user_id, "Drifted")
                    .with_email(Some(d.user.email.expose()))
            }),
    );
    // In the order the users were selected.
    let position: HashMap<&str, usize> = plan
        .order
        .iter()
        .enumerate()
        .map(|(i, id)| (id.as_str(), i))
        .collect();
    rows.sort_by_key(|r| position.get(r.user_id).copied().unwrap_or(usize::MAX));
    match format {
        OutputFormat::Json => {
            let count = |s: &str| rows.iter().filter(|r| r.status == s).count();
            let summary = ResultSummary {
                change_id: plan.id.as_str(),
                updated: count("Updated"),
                already: count("Already"),
                drifted: count("Drifted"),
                failed: count("Failed"),
                unknown: count("Unknown"),
                not_sent: count("NotSent"),
                not_found: count("NotFound"),
                results: &rows,
            };
            write_json(out, &summary)
        }
        format => {
            let table: Vec<Vec<String>> = rows.iter().map(ResultRow::cells).collect();
            write_rows(out, format, &RESULT_COLUMNS, &table)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(license: Option<&str>, user_type: Option<&str>) -> ChangeArgs {
        ChangeArgs {
            license: license.map(str::to_string),
            user_type: user_type.map(str::to_string),
            user_ids: vec!["u".into()],
            max_users: 10,
            ..ChangeArgs::default()
        }
    }

    #[test]
    fn enum_flags_are_checked_against_the_model() {
        let e = change_from_flags(&args(Some("Gold"), None)).expect_err("Gold");
        assert!(
            e.to_string().contains("[Basic, Plus, Pro, ProTrial]"),
            "{e}"
        );
        let e = change_from_flags(&args(None, Some("Robot"))).expect_err("Robot");
        assert!(e.to_string().contains("[PrivateUser, SharedDevice]"), "{e}");
        assert!(change_from_flags(&args(None, None)).is_err());
        let u = change_from_flags(&args(Some("Pro"), None)).expect("Pro");
        assert_eq!(u.license_type, Some(License::Pro));
    }
}
