//! Headless commands, for scripts: `accounts`, `users` (all pages) and
//! `update-users` (the bulk path without the console, see [`update`]).
//! Output is a table, JSON with the model's member names (pipes into `jq`
//! like the AWS CLI's) or CSV ([`output`]). Every call is bounded by the
//! client's `--timeout`; every listing by `--max-users`.

pub mod ids;
pub mod output;
pub mod plans;
pub mod select;
pub mod update;

use std::path::PathBuf;
use std::process::ExitCode;

use futures::StreamExt;
use serde::Serialize;

use crate::cli::{AccountsArgs, ConnArgs, OutputFormat, UsersArgs};
use crate::client::Client;
use crate::config::{Config, Source};
use crate::model::{Account, User, UserType};
use output::{ignore_broken_pipe, write_json, write_rows};

pub use plans::{apply, history, plan, undo};
pub use update::update_users;

use crate::model::validate::PAGE_SIZE;

/// What the headless commands take from the config (and its flags).
#[derive(Debug, Clone)]
pub struct Settings {
    pub conn: ConnArgs,
    /// Why changes are refused (`--read-only`, or the config file's key).
    pub read_only: Option<String>,
    pub audit_log: PathBuf,
    /// The cap of the adaptive concurrency.
    pub concurrency: usize,
}

impl Settings {
    pub fn from_config(config: &Config) -> Settings {
        let read_only = config
            .read_only
            .value
            .then(|| match &config.read_only.source {
                Source::Flag(f) => f.to_string(),
                Source::File => match &config.file {
                    crate::config::FileState::Loaded(p) => {
                        format!("read_only = true in {}", p.display())
                    }
                    _ => "read_only = true in the config file".to_string(),
                },
                other => other.to_string(),
            });
        Settings {
            conn: config.conn(),
            read_only,
            audit_log: config
                .audit_log
                .value
                .clone()
                .unwrap_or_else(crate::audit::default_path),
            concurrency: config.concurrency.value,
        }
    }
}

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
    let filter = match args.filter.as_deref().map(select::parse).transpose() {
        Ok(f) => f,
        Err(e) => {
            eprintln!("chime-admin: {}", crate::text::visible(&e));
            return Ok(ExitCode::from(2));
        }
    };
    let user_type = args
        .user_type
        .as_deref()
        .map(update::parse_flag::<UserType>)
        .transpose()?;
    let query = select::query(filter.as_ref(), args.email.clone(), user_type);
    let client = Client::from_conn(&conn)
        .await?
        .with_list_limit(args.max_users);
    let mut users = crate::plan::list_users(&client, &args.account_id, &query).await?;
    select::narrow(&mut users, filter.as_ref());
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
