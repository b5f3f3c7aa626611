//! `update-users`: one change for many users, with the console's safety
//! rails. `--read-only` refuses it before any request; `--dry-run` prints
//! the preview (reads only); a real run writes the audit log (the same JSON
//! Lines as the console: a `send` line, one `result` per user) and prints
//! one result per user: `Updated`, `Failed`, `Unknown` (sent, its answer
//! lost, and reading the user back failed too) or `NotSent`. It exits
//! non-zero unless every user was updated.

use std::collections::HashMap;
use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use std::str::FromStr;

use anyhow::{Context, bail};
use serde::Serialize;

use super::output::{ignore_broken_pipe, write_json, write_rows};
use super::{Settings, all_users};
use crate::audit::Audit;
use crate::cli::{OutputFormat, UpdateUsersArgs};
use crate::client::{ApiError, BatchOptions, Client, ListUsersQuery, OutcomeResult, UserOutcome};
use crate::columns::{RESULT_COLUMNS, ResultRow};
use crate::config::MAX_CONCURRENCY;
use crate::model::{
    AlexaForBusinessMetadata, ErrorCode, License, Operation, Sensitive, UpdateUserRequestItem,
    User, UserType, UserUpdate, validate,
};
use crate::plan::PlannedChange;

/// Exit code of a refused command (as for bad flags).
const REFUSED: u8 = 2;

/// Rows of the dry run's table.
const PREVIEW_ROWS: usize = 20;

/// Users read one by one for a dry run up to this many; more through ListUsers.
const READ_BY_GET: usize = 20;

pub async fn update_users(settings: Settings, args: UpdateUsersArgs) -> anyhow::Result<ExitCode> {
    if let (Some(why), false) = (&settings.read_only, args.dry_run) {
        eprintln!(
            "chime-admin: update-users refused: read-only ({why}); nothing was sent (--dry-run shows what it would change)"
        );
        return Ok(ExitCode::from(REFUSED));
    }
    let filter = match args.filter.as_deref().map(super::select::parse).transpose() {
        Ok(f) => f,
        Err(e) => {
            eprintln!("chime-admin: {}", crate::text::visible(&e));
            return Ok(ExitCode::from(REFUSED));
        }
    };
    let update = change_from_flags(&args)?;
    let concurrency = args.concurrency.unwrap_or(settings.concurrency);
    if !(1..=MAX_CONCURRENCY).contains(&concurrency) {
        bail!("--concurrency must be 1 to {MAX_CONCURRENCY}, got {concurrency}");
    }
    let mut ids: Vec<String> = args.user_ids.clone();
    if let Some(path) = &args.ids_from {
        ids.extend(ids_from(path)?);
    }
    let client = Client::from_conn(&settings.conn)
        .await?
        .with_list_limit(args.max_users);
    let mut known: HashMap<String, User> = HashMap::new();
    if args.all {
        let query = super::select::query(filter.as_ref(), args.email.clone(), None);
        let mut users = all_users(&client, &args.account_id, &query).await?;
        super::select::narrow(&mut users, filter.as_ref());
        for u in users {
            ids.push(u.user_id.clone());
            known.insert(u.user_id.clone(), u);
        }
    }
    let mut seen = std::collections::HashSet::new();
    ids.retain(|id| seen.insert(id.clone()));
    if ids.is_empty() {
        eprintln!("no users to update");
        return Ok(ExitCode::SUCCESS);
    }
    if args.dry_run {
        let missing: Vec<String> = ids
            .iter()
            .filter(|id| !known.contains_key(*id))
            .cloned()
            .collect();
        known.extend(read_users(&client, &args.account_id, &missing).await?);
        let preview = Preview::of(&args.account_id, &ids, &known, &update);
        let mut out = std::io::stdout().lock();
        ignore_broken_pipe(preview.write(&mut out, args.output))?;
        return Ok(ExitCode::SUCCESS);
    }

    let changes: Vec<PlannedChange> = ids
        .iter()
        .map(|id| PlannedChange {
            user_id: id.clone(),
            email: Sensitive::default(),
            fields: match known.get(id) {
                Some(u) => crate::plan::diff(u, &update),
                None => crate::plan::unread(&update),
            },
        })
        .collect();
    let items: Vec<UpdateUserRequestItem> = ids
        .iter()
        .map(|id| UpdateUserRequestItem {
            user_id: Some(id.clone()),
            update: update.clone(),
        })
        .collect();
    let audit = Audit {
        path: settings.audit_log.clone(),
        endpoint: client.endpoint().to_string(),
        profile: settings.conn.profile.clone(),
    };
    let batch = batch_id();
    let operation = Operation::BatchUpdateUser.name();
    audit.intent(operation, &args.account_id, batch, items.len());

    let cancel = tokio_util::sync::CancellationToken::new();
    let on_ctrl_c = cancel.clone();
    let ctrl_c = tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            eprintln!("interrupted: finishing the requests in flight, sending no more");
            on_ctrl_c.cancel();
        }
    });
    let bar = progress_bar(items.len());
    let opts = BatchOptions {
        max_concurrency: concurrency,
        cancel,
        ..BatchOptions::default()
    };
    let report = client
        .update_users(&args.account_id, items, opts, |p| {
            if let Some(bar) = &bar {
                bar.set_position((p.done + p.failed) as u64);
                bar.set_message(format!(
                    "{} failed, {} in flight (limit {})",
                    p.failed, p.in_flight, p.concurrency
                ));
            }
        })
        .await;
    ctrl_c.abort();
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    let results: Vec<(String, OutcomeResult)> = report
        .outcomes
        .iter()
        .map(|o| (o.user_id.clone(), o.result.clone()))
        .collect();
    audit.outcomes(operation, &args.account_id, batch, &changes, &results);

    let mut out = std::io::stdout().lock();
    let emails: HashMap<&str, &str> = known
        .values()
        .map(|u| (u.user_id.as_str(), u.email()))
        .collect();
    ignore_broken_pipe(write_outcomes(
        &mut out,
        args.output,
        &report.outcomes,
        &emails,
    ))?;
    let (ok, failed, unknown, not_sent) = (
        report.succeeded(),
        report.failed(),
        report.unknown(),
        report.not_sent(),
    );
    eprintln!(
        "{ok} of {} users updated, {failed} failed, {unknown} unknown, {not_sent} not sent",
        report.outcomes.len()
    );
    Ok(if failed + unknown + not_sent == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// The audit log's batch number: the start time in milliseconds.
fn batch_id() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or_default()
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

/// The users with these ids as they are now: one GetUser each for a few,
/// the account's listing for many. Ids not found are left out.
async fn read_users(
    client: &Client,
    account_id: &str,
    ids: &[String],
) -> anyhow::Result<HashMap<String, User>> {
    use futures::StreamExt;
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    if ids.len() > READ_BY_GET {
        let wanted: std::collections::HashSet<&String> = ids.iter().collect();
        return Ok(all_users(client, account_id, &ListUsersQuery::default())
            .await?
            .into_iter()
            .filter(|u| wanted.contains(&u.user_id))
            .map(|u| (u.user_id.clone(), u))
            .collect());
    }
    let read: Vec<Result<Option<User>, ApiError>> = futures::stream::iter(ids)
        .map(|id| async move {
            match client.get_user(account_id, id).await {
                Ok(u) => Ok(Some(u)),
                Err(e) if e.code() == Some(&ErrorCode::NotFound) => Ok(None),
                Err(e) => Err(e),
            }
        })
        .buffer_unordered(crate::client::batch::INITIAL_CONCURRENCY)
        .collect()
        .await;
    let mut out = HashMap::new();
    for r in read {
        if let Some(u) = r? {
            out.insert(u.user_id.clone(), u);
        }
    }
    Ok(out)
}

/// What a change would do, as the console's preview shows it.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct Preview {
    dry_run: bool,
    account_id: String,
    /// "License Basic → Pro for 16 users".
    summary: Vec<String>,
    changes: Vec<PreviewRow>,
    already_at_values: Vec<String>,
    not_found: Vec<String>,
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

impl Preview {
    fn of(
        account_id: &str,
        ids: &[String],
        users: &HashMap<String, User>,
        update: &UserUpdate,
    ) -> Preview {
        let mut planned = Vec::new();
        let mut already = Vec::new();
        let mut not_found = Vec::new();
        for id in ids {
            let Some(u) = users.get(id) else {
                not_found.push(id.clone());
                continue;
            };
            let fields = crate::plan::diff(u, update);
            if fields.is_empty() {
                already.push(id.clone());
            } else {
                planned.push(PlannedChange {
                    user_id: id.clone(),
                    email: u.primary_email.clone().unwrap_or_default(),
                    fields,
                });
            }
        }
        Preview {
            dry_run: true,
            account_id: account_id.to_string(),
            summary: crate::plan::summary(&planned),
            changes: planned
                .into_iter()
                .map(|c| PreviewRow {
                    user_id: c.user_id,
                    primary_email: c.email.expose().to_string(),
                    fields: c
                        .fields
                        .into_iter()
                        .map(|f| PreviewField {
                            field: f.field.label(),
                            from: f.from,
                            to: f.to,
                        })
                        .collect(),
                })
                .collect(),
            already_at_values: already,
            not_found,
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

    fn write(&self, out: &mut impl Write, format: OutputFormat) -> anyhow::Result<()> {
        const HEADER: [&str; 3] = ["UserId", "PrimaryEmail", "Change"];
        match format {
            OutputFormat::Json => write_json(out, self),
            OutputFormat::Csv => {
                let rows: Vec<Vec<String>> = self.changes.iter().map(Self::row_cells).collect();
                write_rows(out, format, &HEADER, &rows)
            }
            OutputFormat::Table => {
                let total =
                    self.changes.len() + self.already_at_values.len() + self.not_found.len();
                writeln!(
                    out,
                    "Dry run, nothing sent: {} of {total} users of account {} would change.",
                    self.changes.len(),
                    crate::text::visible(&self.account_id)
                )?;
                for line in &self.summary {
                    writeln!(out, "  {}", crate::text::visible(line))?;
                }
                writeln!(
                    out,
                    "{} already at the values, {} not found{}",
                    self.already_at_values.len(),
                    self.not_found.len(),
                    match self.not_found.first() {
                        Some(id) => format!(" (first: {})", crate::text::visible(id)),
                        None => String::new(),
                    }
                )?;
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
fn change_from_flags(args: &UpdateUsersArgs) -> anyhow::Result<UserUpdate> {
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
    results: &'a [ResultRow<'a>],
    updated: usize,
    failed: usize,
    unknown: usize,
    not_sent: usize,
}

fn write_outcomes<'a>(
    out: &mut impl Write,
    format: OutputFormat,
    outcomes: &'a [UserOutcome],
    emails: &HashMap<&str, &'a str>,
) -> anyhow::Result<()> {
    let rows: Vec<ResultRow<'a>> = outcomes
        .iter()
        .map(|o| {
            ResultRow::of(&o.user_id, &o.result).with_email(emails.get(o.user_id.as_str()).copied())
        })
        .collect();
    match format {
        OutputFormat::Json => {
            let count = |s: &str| rows.iter().filter(|r| r.status == s).count();
            let summary = ResultSummary {
                updated: count("Updated"),
                failed: count("Failed"),
                unknown: count("Unknown"),
                not_sent: count("NotSent"),
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

    fn args(license: Option<&str>, user_type: Option<&str>) -> UpdateUsersArgs {
        UpdateUsersArgs {
            account_id: "a".into(),
            license: license.map(str::to_string),
            user_type: user_type.map(str::to_string),
            a4b_enabled: None,
            a4b_room_arn: None,
            user_ids: vec!["u".into()],
            ids_from: None,
            all: false,
            email: None,
            filter: None,
            concurrency: None,
            dry_run: false,
            max_users: 10,
            output: OutputFormat::Table,
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
