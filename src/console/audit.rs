//! The audit log: every change the console sends, as JSON Lines (`--audit-log`,
//! default `$XDG_STATE_HOME/chime-admin/audit.jsonl`). A line before sending
//! (what and for whom) and one per user after (the result and request id).
//! User ids only: no emails, names, room ARNs, secrets or PINs.

use std::fs::OpenOptions;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::form::{FieldChange, PlannedChange};
use super::state::RowResult;

pub fn default_path() -> PathBuf {
    super::logging::default_path().with_file_name("audit.jsonl")
}

#[derive(Serialize)]
struct Field<'a> {
    field: &'a str,
    from: &'a str,
    to: &'a str,
}

fn fields(f: &[FieldChange]) -> Vec<Field<'_>> {
    f.iter()
        .map(|c| {
            // Room ARNs are sensitive in AWS's model.
            let room = c.field == "Room ARN";
            Field {
                field: c.field,
                from: if room { "(redacted)" } else { &c.from },
                to: if room { "(redacted)" } else { &c.to },
            }
        })
        .collect()
}

#[derive(Serialize)]
struct Intent<'a> {
    time: String,
    event: &'static str,
    endpoint: &'a str,
    profile: Option<&'a str>,
    operation: &'a str,
    account_id: &'a str,
    batch: u64,
    users: usize,
}

#[derive(Serialize)]
struct Outcome<'a> {
    time: String,
    event: &'static str,
    endpoint: &'a str,
    profile: Option<&'a str>,
    operation: &'a str,
    account_id: &'a str,
    batch: u64,
    user_id: &'a str,
    changes: Vec<Field<'a>>,
    result: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    error_code: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    request_id: Option<&'a str>,
}

/// Where the audit lines go and what identifies the session.
#[derive(Debug, Clone)]
pub struct Audit {
    pub path: PathBuf,
    pub endpoint: String,
    pub profile: Option<String>,
}

fn now() -> String {
    crate::model::Timestamp::now().to_iso()
}

fn append(path: &Path, lines: &[String]) -> std::io::Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    let mut f = OpenOptions::new().create(true).append(true).open(path)?;
    let mut buf = String::new();
    for l in lines {
        buf.push_str(l);
        buf.push('\n');
    }
    f.write_all(buf.as_bytes())?;
    f.sync_data()
}

impl Audit {
    /// Before sending: what is about to change.
    pub fn intent(&self, operation: &str, account_id: &str, batch: u64, users: usize) {
        let line = Intent {
            time: now(),
            event: "send",
            endpoint: &self.endpoint,
            profile: self.profile.as_deref(),
            operation,
            account_id,
            batch,
            users,
        };
        self.write(&[serde_json::to_string(&line).unwrap_or_default()]);
    }

    /// After: one line per user with its result.
    pub fn outcomes(
        &self,
        operation: &str,
        account_id: &str,
        batch: u64,
        changes: &[PlannedChange],
        results: &[(String, RowResult)],
    ) {
        let lines: Vec<String> = results
            .iter()
            .map(|(id, r)| {
                let change = changes.iter().find(|c| c.user_id == *id);
                let (result, code, message, request_id) = match r {
                    RowResult::Ok { request_id } => ("ok", None, None, request_id.as_deref()),
                    RowResult::NotSent => ("not_sent", None, None, None),
                    RowResult::Pending => ("pending", None, None, None),
                    RowResult::Failed {
                        code,
                        message,
                        request_id,
                    } => (
                        "failed",
                        code.as_ref().map(|c| c.as_str()),
                        Some(message.as_str()),
                        request_id.as_deref(),
                    ),
                };
                let line = Outcome {
                    time: now(),
                    event: "result",
                    endpoint: &self.endpoint,
                    profile: self.profile.as_deref(),
                    operation,
                    account_id,
                    batch,
                    user_id: id,
                    changes: change.map(|c| fields(&c.fields)).unwrap_or_default(),
                    result,
                    error_code: code,
                    message,
                    request_id,
                };
                serde_json::to_string(&line).unwrap_or_default()
            })
            .collect();
        self.write(&lines);
    }

    /// One admin operation (account or user creation, rename, delete,
    /// invitations): what was asked and how it ended. No emails.
    pub fn admin(
        &self,
        operation: &str,
        account_id: Option<&str>,
        detail: &str,
        result: Result<&[String], (&str, &str, Option<&str>)>,
    ) {
        #[derive(Serialize)]
        struct Admin<'a> {
            time: String,
            event: &'static str,
            endpoint: &'a str,
            profile: Option<&'a str>,
            operation: &'a str,
            account_id: Option<&'a str>,
            detail: &'a str,
            result: &'static str,
            #[serde(skip_serializing_if = "Option::is_none")]
            error_code: Option<&'a str>,
            #[serde(skip_serializing_if = "Option::is_none")]
            message: Option<&'a str>,
            #[serde(skip_serializing_if = "Option::is_none")]
            request_id: Option<&'a str>,
            /// Every call an operation made (invitations make one per 50).
            #[serde(skip_serializing_if = "<[_]>::is_empty")]
            request_ids: &'a [String],
        }
        let (result, error_code, message, request_id, request_ids) = match result {
            Ok([only]) => ("ok", None, None, Some(only.as_str()), &[][..]),
            Ok(all) => ("ok", None, None, None, all),
            Err((c, m, r)) => ("failed", Some(c), Some(m), r, &[][..]),
        };
        let line = Admin {
            time: now(),
            event: "admin",
            endpoint: &self.endpoint,
            profile: self.profile.as_deref(),
            operation,
            account_id,
            detail,
            result,
            error_code,
            message,
            request_id,
            request_ids,
        };
        self.write(&[serde_json::to_string(&line).unwrap_or_default()]);
    }

    fn write(&self, lines: &[String]) {
        if let Err(e) = append(&self.path, lines) {
            tracing::error!(path = %self.path.display(), error = %e, "cannot write the audit log");
        }
    }
}
