//! A change as a file: `plan` (a desired-state CSV or update-users' flags,
//! saved to review), `plan show`, `apply PLAN` (drift-checked), `history`
//! (the changes in the audit log) and `undo CHANGE_ID` (the inverse of a
//! change, drift-checked, or saved with `--out`). Every one of them goes
//! through the same plan, apply and audit as `update-users`.

use std::io::{BufRead, IsTerminal, Write};
use std::path::Path;
use std::process::ExitCode;

use anyhow::bail;
use serde::Serialize;

use super::Settings;
use super::output::{ignore_broken_pipe, write_json, write_rows};
use super::update::{Preview, change_from_flags, parse_flag, selection, send};
use crate::cli::{
    ApplyArgs, ApplyOpts, HistoryArgs, OutputFormat, PlanArgs, PlanCommand, UndoArgs,
};
use crate::client::Client;
use crate::config::MAX_CONCURRENCY;
use crate::model::{License, UserUpdate};
use crate::plan::file::SavedPlan;
use crate::plan::{Change, Plan, PlanError, desired};
use crate::text::visible;

/// Exit code of a refused command (as for bad flags).
const REFUSED: u8 = 2;

fn refuse(why: &str) -> anyhow::Result<ExitCode> {
    eprintln!("chime-admin: {}", visible(why));
    Ok(ExitCode::from(REFUSED))
}

/// `plan ACCOUNT (--from CSV [--rest-license L] | flags) --out PLAN`, or
/// `plan show PLAN`. Sends only reads.
pub async fn plan(settings: Settings, args: PlanArgs) -> anyhow::Result<ExitCode> {
    if let Some(PlanCommand::Show { plan, output }) = &args.command {
        return show(plan, *output);
    }
    let (Some(account_id), Some(out)) = (&args.account_id, &args.out) else {
        return refuse("plan: give ACCOUNT_ID and --out PLAN (or `plan show PLAN`)");
    };
    let client = Client::from_conn(&settings.conn)
        .await?
        .with_list_limit(args.change.max_users);
    let (made, made_from) = match &args.from {
        Some(path) => {
            let c = &args.change;
            if c.license.is_some()
                || c.user_type.is_some()
                || c.a4b_enabled.is_some()
                || c.a4b_room_arn.is_some()
                || !c.user_ids.is_empty()
                || c.ids_from.is_some()
                || c.all
            {
                return refuse(
                    "--from gives the users and their values: no --license, --user-type, --a4b-*, --user-id, --ids-from or --all with it",
                );
            }
            let text = match read_text(path) {
                Ok(t) => t,
                Err(e) => return refuse(&e),
            };
            let rows = match desired::parse(&text) {
                Ok(rows) => rows,
                Err(e) => return refuse(&format!("{}: {e}; nothing was written", path.display())),
            };
            let rest = match args.rest_license.as_deref().map(parse_flag::<License>) {
                Some(Ok(l)) => Some(UserUpdate {
                    license_type: Some(l),
                    ..UserUpdate::default()
                }),
                Some(Err(e)) => return refuse(&format!("--rest-license: {e}")),
                None => None,
            };
            let made = crate::plan::make_desired(&client, account_id, &rows, rest).await;
            (made, format!("file {}", path.display()))
        }
        None => {
            let update = match change_from_flags(&args.change) {
                Ok(u) => u,
                Err(e) => return refuse(&format!("{e:#}")),
            };
            let selection = match selection(&args.change) {
                Ok(s) => s,
                Err(why) => return refuse(&format!("{why}; nothing was written")),
            };
            let made_from = match (&args.change.filter, &args.change.email) {
                (Some(f), _) => format!("--all --filter {f}"),
                (None, Some(e)) => format!("--all --email {e}"),
                _ if args.change.all => "--all".to_string(),
                _ => "ids".to_string(),
            };
            let made =
                crate::plan::make(&client, account_id, Change::Update(update), selection).await;
            (made, made_from)
        }
    };
    let plan = match made {
        Ok(p) => p,
        Err(PlanError::Refused(why)) => return refuse(&format!("{why}; nothing was written")),
        Err(PlanError::Api(e)) => return Err(e.into()),
    };
    let saved = match SavedPlan::of(&plan, client.endpoint(), &made_from) {
        Ok(s) => s,
        Err(e) => return refuse(&e),
    };
    let digest = match saved.write(out) {
        Ok(d) => d,
        Err(e) => bail!(e),
    };
    let mut preview = Preview::of(&plan);
    preview.plan = Some(out.display().to_string());
    preview.digest = Some(digest);
    let mut stdout = std::io::stdout().lock();
    ignore_broken_pipe(preview.write(&mut stdout, args.output))?;
    Ok(ExitCode::SUCCESS)
}

fn read_text(path: &Path) -> Result<String, String> {
    if path.as_os_str() == "-" {
        std::io::read_to_string(std::io::stdin()).map_err(|e| format!("reading stdin: {e}"))
    } else {
        std::fs::read_to_string(path).map_err(|e| format!("reading {}: {e}", path.display()))
    }
}

/// What `plan show` prints for a file.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct Shown<'a> {
    plan: String,
    digest: String,
    #[serde(flatten)]
    saved: &'a SavedPlan,
}

fn show(path: &Path, output: OutputFormat) -> anyhow::Result<ExitCode> {
    let (saved, digest) = match SavedPlan::read(path) {
        Ok(x) => x,
        Err(e) => return refuse(&e),
    };
    let mut out = std::io::stdout().lock();
    let written = match output {
        OutputFormat::Json => write_json(
            &mut out,
            &Shown {
                plan: path.display().to_string(),
                digest,
                saved: &saved,
            },
        ),
        format => write_saved(&mut out, &saved, &digest, format),
    };
    ignore_broken_pipe(written)?;
    Ok(ExitCode::SUCCESS)
}

fn write_saved(
    out: &mut impl Write,
    saved: &SavedPlan,
    digest: &str,
    format: OutputFormat,
) -> anyhow::Result<()> {
    const HEADER: [&str; 3] = ["UserId", "PrimaryEmail", "Change"];
    let rows: Vec<Vec<String>> = saved
        .users
        .iter()
        .map(|u| {
            let change = u
                .fields()
                .unwrap_or_default()
                .iter()
                .map(|f| format!("{} {} → {}", f.field, f.from, f.to))
                .collect::<Vec<_>>()
                .join("; ");
            vec![u.user_id.clone(), u.primary_email.clone(), change]
        })
        .collect();
    if format == OutputFormat::Table {
        writeln!(
            out,
            "Plan of account {} made {} from {} against {}:",
            visible(&saved.account_id),
            visible(&saved.made_at),
            visible(&saved.made_from),
            visible(&saved.endpoint)
        )?;
        if let Some(u) = &saved.undoes {
            writeln!(out, "  undoes change {}", visible(u))?;
        }
        for line in &saved.summary {
            writeln!(out, "  {}", visible(line))?;
        }
        writeln!(
            out,
            "{} to change, {} already at the values, {} not found",
            crate::text::thousands(saved.users.len()),
            crate::text::thousands(saved.already),
            crate::text::thousands(saved.not_found.len())
        )?;
        writeln!(out, "Digest (SHA-256): {digest}")?;
    }
    write_rows(out, format, &HEADER, &rows)
}

/// Whether the user said yes on the terminal (default No).
fn confirm(question: &str) -> bool {
    eprint!("{question} [y/N] ");
    let _ = std::io::stderr().flush();
    let mut line = String::new();
    if std::io::stdin().lock().read_line(&mut line).is_err() {
        return false;
    }
    matches!(line.trim(), "y" | "Y" | "yes" | "Yes")
}

/// The checks every apply of a saved plan passes before any request:
/// read-only, the endpoint, a terminal or `--yes`.
fn may_apply(
    settings: &Settings,
    saved: &SavedPlan,
    endpoint: &str,
    yes: bool,
) -> Result<(), String> {
    if let Some(why) = &settings.read_only {
        return Err(format!("refused: read-only ({why}); nothing was sent"));
    }
    if saved.endpoint.trim_end_matches('/') != endpoint.trim_end_matches('/') {
        return Err(format!(
            "the plan was made for {}, not {}: nothing was sent (use --endpoint-url {})",
            visible(&saved.endpoint),
            visible(endpoint),
            visible(&saved.endpoint)
        ));
    }
    if !yes && !std::io::stdin().is_terminal() {
        return Err("not a terminal: give --yes to apply without asking; nothing was sent".into());
    }
    Ok(())
}

/// Rechecks `saved` against the service and applies what has not drifted.
async fn apply_saved(
    settings: &Settings,
    client: &Client,
    saved: &SavedPlan,
    digest: Option<String>,
    opts: &ApplyOpts,
) -> anyhow::Result<ExitCode> {
    let (yes, output) = (opts.yes, opts.output);
    let concurrency = opts.concurrency.unwrap_or(settings.concurrency);
    if !(1..=MAX_CONCURRENCY).contains(&concurrency) {
        bail!("--concurrency must be 1 to {MAX_CONCURRENCY}, got {concurrency}");
    }
    let plan: Plan = match crate::plan::recheck(client, saved, digest).await {
        Ok(p) => p,
        Err(PlanError::Refused(why)) => return refuse(&why),
        Err(PlanError::Api(e)) => return Err(e.into()),
    };
    if !yes {
        let mut err = std::io::stderr().lock();
        let mut preview = Preview::of(&plan);
        preview.plan = Some("(after the drift check)".into());
        let _ = preview.write(&mut err, OutputFormat::Table);
        drop(err);
        if !confirm(&format!(
            "Apply: {} to change, {} already, {} drifted (left alone)?",
            plan.changes.len(),
            plan.already.len(),
            plan.drifted.len()
        )) {
            eprintln!("nothing was sent");
            return Ok(ExitCode::FAILURE);
        }
    }
    send(settings, client, &plan, concurrency, output).await
}

/// `apply PLAN [--digest SHA256] [--yes]`.
pub async fn apply(settings: Settings, args: ApplyArgs) -> anyhow::Result<ExitCode> {
    let (saved, digest) = match SavedPlan::read(&args.plan) {
        Ok(x) => x,
        Err(e) => return refuse(&format!("{e}; nothing was sent")),
    };
    if let Some(want) = &args.digest
        && !want.trim().eq_ignore_ascii_case(&digest)
    {
        return refuse(&format!(
            "{} has the digest {digest}, not {}: it changed since it was reviewed; nothing was sent",
            args.plan.display(),
            visible(want.trim())
        ));
    }
    let client = Client::from_conn(&settings.conn).await?;
    if let Err(why) = may_apply(&settings, &saved, client.endpoint(), args.opts.yes) {
        return refuse(&why);
    }
    apply_saved(&settings, &client, &saved, Some(digest), &args.opts).await
}

/// `undo CHANGE_ID [--out PLAN] [--yes]`.
pub async fn undo(settings: Settings, args: UndoArgs) -> anyhow::Result<ExitCode> {
    let history = crate::history::read(&settings.audit_log)
        .map_err(|e| anyhow::anyhow!("reading {}: {e}", settings.audit_log.display()))?;
    let Some(record) = history.find(args.change_id.trim()) else {
        return refuse(&format!(
            "no change {} in {} (`history` lists them)",
            args.change_id,
            settings.audit_log.display()
        ));
    };
    let (saved, notes) = match record.undo() {
        Ok(x) => x,
        Err(e) => return refuse(&e),
    };
    for n in &notes {
        eprintln!("note: {n}");
    }
    if let Some(out) = &args.out {
        let digest = match saved.write(out) {
            Ok(d) => d,
            Err(e) => bail!(e),
        };
        let mut stdout = std::io::stdout().lock();
        ignore_broken_pipe(write_saved(&mut stdout, &saved, &digest, args.opts.output))?;
        return Ok(ExitCode::SUCCESS);
    }
    let client = Client::from_conn(&settings.conn).await?;
    if let Err(why) = may_apply(&settings, &saved, client.endpoint(), args.opts.yes) {
        return refuse(&why);
    }
    apply_saved(&settings, &client, &saved, None, &args.opts).await
}

/// One change in `history --output json`.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct HistoryRow<'a> {
    change_id: &'a str,
    time: &'a str,
    account_id: &'a str,
    operation: &'a str,
    changed: Vec<String>,
    results: std::collections::BTreeMap<&'a str, usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    undoes: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    digest: Option<&'a str>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct HistoryOut<'a> {
    changes: Vec<HistoryRow<'a>>,
    skipped: &'a [String],
}

/// `history [--account ID]`: the changes in the audit log, newest first.
pub fn history(settings: Settings, args: HistoryArgs) -> anyhow::Result<ExitCode> {
    let h = crate::history::read(&settings.audit_log)
        .map_err(|e| anyhow::anyhow!("reading {}: {e}", settings.audit_log.display()))?;
    let rows: Vec<HistoryRow> = h
        .records
        .iter()
        .filter(|r| args.account.as_deref().is_none_or(|a| r.account_id == a))
        .map(|r| HistoryRow {
            change_id: &r.change_id,
            time: &r.time,
            account_id: &r.account_id,
            operation: &r.operation,
            changed: r.summary(),
            results: r.counts(),
            undoes: r.undoes.as_deref(),
            digest: r.digest.as_deref(),
        })
        .collect();
    for note in &h.skipped {
        eprintln!("note: {}: {note}", settings.audit_log.display());
    }
    let mut out = std::io::stdout().lock();
    let written = match args.output {
        OutputFormat::Json => write_json(
            &mut out,
            &HistoryOut {
                changes: rows,
                skipped: &h.skipped,
            },
        ),
        format => {
            const HEADER: [&str; 6] = [
                "ChangeId",
                "Time",
                "AccountId",
                "Operation",
                "Changed",
                "Results",
            ];
            let table: Vec<Vec<String>> = rows
                .iter()
                .map(|r| {
                    let mut changed = r.changed.join("; ");
                    if let Some(u) = r.undoes {
                        changed = format!("undo of {u}: {changed}");
                    }
                    let results = r
                        .results
                        .iter()
                        .map(|(k, n)| format!("{n} {k}"))
                        .collect::<Vec<_>>()
                        .join(", ");
                    vec![
                        r.change_id.to_string(),
                        r.time.to_string(),
                        r.account_id.to_string(),
                        r.operation.to_string(),
                        changed,
                        results,
                    ]
                })
                .collect();
            write_rows(&mut out, format, &HEADER, &table)
        }
    };
    ignore_broken_pipe(written)?;
    Ok(ExitCode::SUCCESS)
}
