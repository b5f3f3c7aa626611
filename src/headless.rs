//! Headless commands, for scripts: `accounts`, `users` (all pages) and
//! `update-users` (the bulk path without the console). Output is a table,
//! JSON with the model's member names (pipes into `jq` like the AWS CLI's) or
//! CSV. `update-users` exits non-zero if any user was not updated.

use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use std::str::FromStr;

use anyhow::{Context, bail};
use futures::StreamExt;
use serde::Serialize;

use crate::cli::{AccountsArgs, ConnArgs, OutputFormat, UpdateUsersArgs, UsersArgs};
use crate::client::{BatchOptions, Client, ListUsersQuery, OutcomeResult, UserOutcome};
use crate::columns::{RESULT_COLUMNS, ResultRow};
use crate::model::{
    Account, AlexaForBusinessMetadata, License, Sensitive, UpdateUserRequestItem, User, UserType,
    UserUpdate, validate,
};

/// Page size for listing: the model's maximum.
const PAGE_SIZE: u32 = 200;

pub async fn accounts(conn: ConnArgs, args: AccountsArgs) -> anyhow::Result<ExitCode> {
    let client = Client::from_conn(&conn).await?;
    let mut accounts: Vec<Account> = Vec::new();
    let mut pages =
        Box::pin(client.accounts_pages(args.name.as_deref(), None, Some(PAGE_SIZE), None));
    while let Some(page) = pages.next().await {
        accounts.extend(page?.accounts);
    }
    let mut out = std::io::stdout().lock();
    let written = match args.output {
        OutputFormat::Json => write_json(
            &mut out,
            &AccountsOut {
                accounts: &accounts,
            },
        ),
        format => {
            let header = [
                "AccountId",
                "Name",
                "AccountType",
                "DefaultLicense",
                "AccountStatus",
                "CreatedTimestamp",
            ];
            let rows: Vec<Vec<String>> = accounts
                .iter()
                .map(|a| {
                    vec![
                        a.account_id.clone(),
                        a.name.clone(),
                        opt(&a.account_type),
                        opt(&a.default_license),
                        opt(&a.account_status),
                        opt(&a.created_timestamp),
                    ]
                })
                .collect();
            write_rows(&mut out, format, &header, &rows)
        }
    };
    ignore_broken_pipe(written)?;
    Ok(ExitCode::SUCCESS)
}

pub async fn users(conn: ConnArgs, args: UsersArgs) -> anyhow::Result<ExitCode> {
    let query = ListUsersQuery {
        user_email: args.email.clone().map(Sensitive::from),
        user_type: args
            .user_type
            .as_deref()
            .map(parse_flag::<UserType>)
            .transpose()?,
    };
    let client = Client::from_conn(&conn).await?;
    let users = all_users(&client, &args.account_id, &query).await?;
    let mut out = std::io::stdout().lock();
    let written = match args.output {
        OutputFormat::Json => write_json(&mut out, &UsersOut { users: &users }),
        format => {
            let rows: Vec<Vec<String>> = users.iter().map(crate::columns::user_row).collect();
            write_rows(&mut out, format, &crate::columns::USER_COLUMNS, &rows)
        }
    };
    ignore_broken_pipe(written)?;
    Ok(ExitCode::SUCCESS)
}

pub async fn update_users(conn: ConnArgs, args: UpdateUsersArgs) -> anyhow::Result<ExitCode> {
    let update = change_from_flags(&args)?;
    if args.concurrency == 0 {
        bail!("--concurrency must be at least 1");
    }
    let client = Client::from_conn(&conn).await?;
    let ids = target_ids(&client, &args).await?;
    if ids.is_empty() {
        eprintln!("no users to update");
        return Ok(ExitCode::SUCCESS);
    }
    let items: Vec<UpdateUserRequestItem> = ids
        .iter()
        .map(|id| UpdateUserRequestItem {
            user_id: Some(id.clone()),
            update: update.clone(),
        })
        .collect();

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
        max_concurrency: args.concurrency,
        cancel,
        ..BatchOptions::default()
    };
    let report = client
        .update_users(&args.account_id, items, opts, |p| {
            if let Some(bar) = &bar {
                bar.set_position((p.done + p.failed) as u64);
                bar.set_message(format!("{} failed, {} in flight", p.failed, p.in_flight));
            }
        })
        .await;
    ctrl_c.abort();
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }

    let mut out = std::io::stdout().lock();
    ignore_broken_pipe(write_outcomes(&mut out, args.output, &report.outcomes))?;
    let (ok, failed, not_sent) = (report.succeeded(), report.failed(), report.not_sent());
    eprintln!(
        "{ok} of {} users updated, {failed} failed, {not_sent} not sent",
        report.outcomes.len()
    );
    Ok(if failed + not_sent == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
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
fn parse_flag<T: FromStr<Err = String>>(value: &str) -> anyhow::Result<T> {
    T::from_str(value).map_err(anyhow::Error::msg)
}

/// The users to change: `--user-id`, `--ids-from FILE|-`, or `--all`
/// (optionally with `--email`). Duplicates are dropped, order kept.
async fn target_ids(client: &Client, args: &UpdateUsersArgs) -> anyhow::Result<Vec<String>> {
    let mut ids: Vec<String> = args.user_ids.clone();
    if let Some(path) = &args.ids_from {
        let text = if path.as_os_str() == "-" {
            std::io::read_to_string(std::io::stdin()).context("reading user ids from stdin")?
        } else {
            std::fs::read_to_string(path)
                .with_context(|| format!("reading user ids from {}", path.display()))?
        };
        ids.extend(
            text.lines()
                .map(str::trim)
                .filter(|l| !l.is_empty() && !l.starts_with('#'))
                .map(str::to_string),
        );
    }
    if args.all {
        let query = ListUsersQuery {
            user_email: args.email.clone().map(Sensitive::from),
            user_type: None,
        };
        ids.extend(
            all_users(client, &args.account_id, &query)
                .await?
                .into_iter()
                .map(|u| u.user_id),
        );
    }
    let mut seen = std::collections::HashSet::new();
    ids.retain(|id| seen.insert(id.clone()));
    Ok(ids)
}

async fn all_users(
    client: &Client,
    account_id: &str,
    query: &ListUsersQuery,
) -> anyhow::Result<Vec<User>> {
    let mut users = Vec::new();
    let mut pages = Box::pin(client.users_pages(account_id, query, Some(PAGE_SIZE), None));
    while let Some(page) = pages.next().await {
        users.extend(page?.users);
    }
    Ok(users)
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

fn result_row(o: &UserOutcome) -> ResultRow<'_> {
    match &o.result {
        OutcomeResult::Ok { request_id } => ResultRow::updated(&o.user_id, request_id.as_deref()),
        OutcomeResult::Failed {
            code,
            message,
            request_id,
        } => ResultRow::failed(&o.user_id, code.as_ref(), message, request_id.as_deref()),
        OutcomeResult::NotSent => ResultRow::plain(&o.user_id, "NotSent"),
    }
}

fn write_outcomes(
    out: &mut impl Write,
    format: OutputFormat,
    outcomes: &[UserOutcome],
) -> anyhow::Result<()> {
    let rows: Vec<ResultRow<'_>> = outcomes.iter().map(result_row).collect();
    match format {
        OutputFormat::Json => {
            let count = |s: &str| rows.iter().filter(|r| r.status == s).count();
            let summary = ResultSummary {
                updated: count("Updated"),
                failed: count("Failed"),
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

fn opt<T: std::fmt::Display>(v: &Option<T>) -> String {
    v.as_ref().map(|v| v.to_string()).unwrap_or_default()
}

/// `{"Accounts": [...]}`, members in model order.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct AccountsOut<'a> {
    accounts: &'a [Account],
}

/// `{"Users": [...]}`, members in model order.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct UsersOut<'a> {
    users: &'a [User],
}

/// A reader that went away (`| head`) is not an error.
fn ignore_broken_pipe(r: anyhow::Result<()>) -> anyhow::Result<()> {
    match r {
        Err(e)
            if e.chain().any(|c| {
                let io = c.downcast_ref::<std::io::Error>().or_else(|| {
                    match c.downcast_ref::<csv::Error>().map(|e| e.kind()) {
                        Some(csv::ErrorKind::Io(io)) => Some(io),
                        _ => None,
                    }
                });
                io.is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            }) =>
        {
            Ok(())
        }
        other => other,
    }
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct ResultSummary<'a> {
    results: &'a [ResultRow<'a>],
    updated: usize,
    failed: usize,
    not_sent: usize,
}

fn write_json(out: &mut impl Write, value: &impl Serialize) -> anyhow::Result<()> {
    serde_json::to_writer_pretty(&mut *out, value)?;
    writeln!(out)?;
    Ok(())
}

/// A table (columns padded to their widest cell) or CSV.
fn write_rows(
    out: &mut impl Write,
    format: OutputFormat,
    header: &[&str],
    rows: &[Vec<String>],
) -> anyhow::Result<()> {
    if format == OutputFormat::Csv {
        let mut w = csv::Writer::from_writer(out);
        w.write_record(header)?;
        for row in rows {
            w.write_record(row)?;
        }
        w.flush()?;
        return Ok(());
    }
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: Vec<&str>| -> String {
        let padded: Vec<String> = cells
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect();
        padded.join("  ").trim_end().to_string()
    };
    writeln!(out, "{}", line(header.to_vec()))?;
    for row in rows {
        writeln!(out, "{}", line(row.iter().map(String::as_str).collect()))?;
    }
    Ok(())
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
            concurrency: 8,
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

    #[test]
    fn tables_pad_columns() {
        let mut out = Vec::new();
        write_rows(
            &mut out,
            OutputFormat::Table,
            &["A", "Bee"],
            &[vec!["long-value".into(), "x".into()]],
        )
        .expect("write");
        assert_eq!(
            String::from_utf8(out).expect("utf8"),
            "A           Bee\nlong-value  x\n"
        );
    }
}
