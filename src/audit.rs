//! The audit log: every change the console (or `update-users`) sends, as JSON Lines (`--audit-log`,
//! default `$XDG_STATE_HOME/chime-admin/audit.jsonl`). A line before sending
//! (what and for whom) and one per user after (the result and request id).
//! User ids only: no emails, names, room ARNs, secrets or PINs.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde::Serialize;

use std::collections::HashMap;

use crate::client::batch::OutcomeResult;
use crate::plan::{FieldChange, Plan};

pub fn default_path() -> PathBuf {
    crate::logging::default_path().with_file_name("audit.jsonl")
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
            let secret = c.field.is_sensitive();
            Field {
                field: c.field.label(),
                from: if secret { "(redacted)" } else { &c.from },
                to: if secret { "(redacted)" } else { &c.to },
            }
        })
        .collect()
}

/// What every line starts with: when, what kind, and the session.
#[derive(Serialize)]
struct Head<'a> {
    time: String,
    event: &'static str,
    endpoint: &'a str,
    profile: Option<&'a str>,
    operation: &'a str,
}

/// How something ended: `ok`, `failed`, `unknown`, `not_sent` or `pending`, with the
/// error and the request id(s) of the calls.
#[derive(Serialize, Default)]
struct Ending<'a> {
    result: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    error_code: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    request_id: Option<&'a str>,
    /// Every call an operation made, when there were several (invitations
    /// make one per 50).
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    request_ids: &'a [String],
}

impl<'a> Ending<'a> {
    fn of(r: &'a OutcomeResult) -> Self {
        match r {
            OutcomeResult::Ok { request_id } => Ending {
                result: "ok",
                request_id: request_id.as_deref(),
                ..Ending::default()
            },
            OutcomeResult::NotSent => Ending {
                result: "not_sent",
                ..Ending::default()
            },
            OutcomeResult::Unknown {
                message,
                request_id,
            } => Ending {
                result: "unknown",
                message: Some(message),
                request_id: request_id.as_deref(),
                ..Ending::default()
            },
            OutcomeResult::Failed {
                code,
                message,
                request_id,
            } => Ending {
                result: "failed",
                error_code: code.as_ref().map(|c| c.as_str()),
                message: Some(message),
                request_id: request_id.as_deref(),
                request_ids: &[],
            },
        }
    }
}

/// The `send` line: the plan about to be sent.
#[derive(Serialize)]
struct Intent<'a> {
    #[serde(flatten)]
    head: Head<'a>,
    account_id: &'a str,
    /// The change id (a ULID), on every line of the change.
    change: &'a str,
    /// Users to send.
    users: usize,
    /// Selected users already at the target values (not sent).
    already: usize,
    /// Selected ids the account does not have (not sent).
    not_found: usize,
    /// Planned users someone changed since a saved plan was made (not sent).
    #[serde(skip_serializing_if = "is_zero")]
    drifted: usize,
    /// When the users were read (the `from` values' time).
    read_at: String,
    #[serde(flatten)]
    origin: OriginFields<'a>,
}

/// Where a plan came from, on every line of its change: the plan file's
/// digest (`apply`), the change an undo undoes, what it was made from.
#[derive(Serialize)]
struct OriginFields<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    digest: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    undoes: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    made_from: Option<&'a str>,
}

impl<'a> OriginFields<'a> {
    fn of(plan: &'a Plan) -> Self {
        OriginFields {
            digest: plan.origin.digest.as_deref(),
            undoes: plan.origin.undoes.as_deref(),
            made_from: plan.origin.made_from.as_deref(),
        }
    }
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

#[derive(Serialize)]
struct Outcome<'a> {
    #[serde(flatten)]
    head: Head<'a>,
    account_id: &'a str,
    change: &'a str,
    user_id: &'a str,
    changes: Vec<Field<'a>>,
    #[serde(flatten)]
    ending: Ending<'a>,
    #[serde(flatten)]
    origin: OriginFields<'a>,
}

#[derive(Serialize)]
struct Admin<'a> {
    #[serde(flatten)]
    head: Head<'a>,
    account_id: Option<&'a str>,
    detail: &'a str,
    #[serde(flatten)]
    ending: Ending<'a>,
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

/// How long a writer (or a reader) waits for another writer to finish its
/// lines.
pub const LOCK_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

/// Appends `lines` in one write, on a fresh line: if the file does not end
/// in a newline (an earlier write was cut short, say by a full disk), a
/// newline goes first, so a torn line never glues itself to the next one.
/// The look at the last byte and the write are one step under an exclusive
/// `flock`: another process's write under way would otherwise look torn and
/// get a blank line after it.
fn append(path: &Path, lines: &[String]) -> std::io::Result<()> {
    let mut f = crate::private_file::append(path)?;
    crate::private_file::lock_within(&f, path, LOCK_WAIT)?;
    let mut buf = String::new();
    if !ends_in_newline(&f)? {
        buf.push('\n');
    }
    for l in lines {
        buf.push_str(l);
        buf.push('\n');
    }
    f.write_all(buf.as_bytes())?;
    f.sync_data()
}

/// Whether the file is empty or its last byte is a newline.
fn ends_in_newline(f: &std::fs::File) -> std::io::Result<bool> {
    use std::os::unix::fs::FileExt;
    let len = f.metadata()?.len();
    if len == 0 {
        return Ok(true);
    }
    let mut last = [0u8; 1];
    f.read_exact_at(&mut last, len - 1)?;
    Ok(last[0] == b'\n')
}

impl Audit {
    fn head<'a>(&'a self, event: &'static str, operation: &'a str) -> Head<'a> {
        Head {
            time: now(),
            event,
            endpoint: &self.endpoint,
            profile: self.profile.as_deref(),
            operation,
        }
    }

    /// Before sending: the plan about to be sent. Nothing may be sent if
    /// this fails (the change could not be recorded).
    pub fn intent(&self, plan: &Plan) -> std::io::Result<()> {
        let line = Intent {
            head: self.head("send", plan.change.operation()),
            account_id: &plan.account_id,
            change: plan.id.as_str(),
            users: plan.changes.len(),
            already: plan.already.len(),
            not_found: plan.not_found.len(),
            drifted: plan.drifted.len(),
            read_at: plan.read_at.to_iso(),
            origin: OriginFields::of(plan),
        };
        self.try_write(&[line_of(&line)])
    }

    /// After: one line per user with its result and the plan's from → to
    /// for that user.
    pub fn outcomes(
        &self,
        plan: &Plan,
        results: &[(String, OutcomeResult)],
    ) -> std::io::Result<()> {
        let planned: HashMap<&str, &[FieldChange]> = plan
            .changes
            .iter()
            .map(|c| (c.user_id.as_str(), c.fields.as_slice()))
            .collect();
        let operation = plan.change.operation();
        let lines: Vec<String> = results
            .iter()
            .map(|(id, r)| {
                line_of(&Outcome {
                    head: self.head("result", operation),
                    account_id: &plan.account_id,
                    change: plan.id.as_str(),
                    user_id: id,
                    changes: planned
                        .get(id.as_str())
                        .map(|f| fields(f))
                        .unwrap_or_default(),
                    ending: Ending::of(r),
                    origin: OriginFields::of(plan),
                })
            })
            .collect();
        self.try_write(&lines)
    }

    /// One admin operation (account or user creation, rename, delete,
    /// invitations): what was asked and how it ended, with the request ids
    /// of its calls. No emails.
    pub fn admin(
        &self,
        operation: &str,
        account_id: Option<&str>,
        detail: &str,
        result: Result<&[String], (&str, &str, Option<&str>)>,
    ) {
        let ending = match result {
            Ok([only]) => Ending {
                result: "ok",
                request_id: Some(only),
                ..Ending::default()
            },
            Ok(all) => Ending {
                result: "ok",
                request_ids: all,
                ..Ending::default()
            },
            Err((code, message, request_id)) => Ending {
                result: "failed",
                error_code: Some(code),
                message: Some(message),
                request_id,
                request_ids: &[],
            },
        };
        let line = Admin {
            head: self.head("admin", operation),
            account_id,
            detail,
            ending,
        };
        self.write(&[line_of(&line)]);
    }

    fn write(&self, lines: &[String]) {
        let _ = self.try_write(lines);
    }

    fn try_write(&self, lines: &[String]) -> std::io::Result<()> {
        append(&self.path, lines).inspect_err(|e| {
            tracing::error!(path = %self.path.display(), error = %e, "cannot write the audit log");
        })
    }
}

fn line_of(line: &impl Serialize) -> String {
    crate::text::json_line(line).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ErrorCode;
    use crate::plan::{Change, PlannedChange};
    use serde_json::{Value, json};

    fn plan(changes: Vec<PlannedChange>) -> Plan {
        let mut plan = Plan::empty("acc-1", Change::Update(Default::default()));
        plan.changes = changes;
        plan.not_found = vec!["gone".into()];
        plan
    }

    fn lines(path: &Path) -> Vec<Value> {
        std::fs::read_to_string(path)
            .expect("audit file")
            .lines()
            .map(|l| serde_json::from_str(l).expect("a JSON line"))
            .collect()
    }

    #[test]
    fn every_line_names_the_session_and_results_carry_request_ids() {
        let dir = tempfile::tempdir().expect("tmp");
        let audit = Audit {
            path: dir.path().join("state/audit.jsonl"),
            endpoint: "http://127.0.0.1:1".into(),
            profile: Some("admin".into()),
        };
        let arn = "arn:aws:a4b:us-east-1:111122223333:room/secret-room";
        let changes = vec![PlannedChange {
            user_id: "u-1".into(),
            email: "sam@example.com".into(),
            fields: vec![
                FieldChange {
                    field: crate::plan::Field::License,
                    from: "Pro".into(),
                    to: "Basic".into(),
                },
                FieldChange {
                    field: crate::plan::Field::RoomArn,
                    from: String::new(),
                    to: arn.into(),
                },
            ],
        }];
        let plan = plan(changes);
        audit.intent(&plan).expect("written");
        audit
            .outcomes(
                &plan,
                &[
                    (
                        "u-1".into(),
                        OutcomeResult::Ok {
                            request_id: Some("req-ok".into()),
                        },
                    ),
                    (
                        "u-2".into(),
                        OutcomeResult::Failed {
                            code: Some(ErrorCode::Conflict),
                            message: "User is suspended".into(),
                            request_id: Some("req-bad".into()),
                        },
                    ),
                    ("u-3".into(), OutcomeResult::NotSent),
                ],
            )
            .expect("written");
        let ids = ["req-a".to_string(), "req-b".to_string()];
        audit.admin("InviteUsers", Some("acc-1"), "3 emails", Ok(&ids));
        audit.admin("CreateAccount", None, "name", Ok(&ids[..1]));
        audit.admin(
            "DeleteAccount",
            Some("acc-1"),
            "",
            Err(("UnprocessableEntity", "has users", Some("req-c"))),
        );

        let v = lines(&audit.path);
        assert_eq!(v.len(), 7);
        for line in &v {
            assert_eq!(line["endpoint"], "http://127.0.0.1:1");
            assert_eq!(line["profile"], "admin");
            assert!(line["time"].as_str().is_some_and(|t| t.ends_with('Z')));
        }
        assert_eq!(v[0]["event"], "send");
        assert_eq!(v[0]["users"], 1);
        assert_eq!(v[0]["not_found"], 1);
        assert_eq!(v[0]["change"], plan.id.as_str());
        assert!(v[1..4].iter().all(|l| l["change"] == plan.id.as_str()));
        assert_eq!(v[1]["result"], "ok");
        assert_eq!(v[1]["request_id"], "req-ok");
        assert_eq!(
            v[1]["changes"],
            json!([
                {"field": "License", "from": "Pro", "to": "Basic"},
                {"field": "Room ARN", "from": "(redacted)", "to": "(redacted)"}
            ])
        );
        assert_eq!(v[2]["result"], "failed");
        assert_eq!(v[2]["error_code"], "Conflict");
        assert_eq!(v[2]["request_id"], "req-bad");
        assert_eq!(v[3]["result"], "not_sent");
        assert!(v[3].get("request_id").is_none());
        assert_eq!(v[4]["request_ids"], json!(["req-a", "req-b"]));
        assert_eq!(v[5]["request_id"], "req-a");
        assert!(v[5].get("request_ids").is_none());
        assert_eq!(v[6]["error_code"], "UnprocessableEntity");
        assert_eq!(v[6]["request_id"], "req-c");
        let text = std::fs::read_to_string(&audit.path).expect("audit");
        assert!(!text.contains("sam@example.com") && !text.contains("secret-room"));
    }

    #[test]
    fn the_values_of_every_sensitive_field_and_only_those_are_redacted() {
        use crate::plan::Field;
        let dir = tempfile::tempdir().expect("tmp");
        let audit = Audit {
            path: dir.path().join("audit.jsonl"),
            endpoint: "http://127.0.0.1:1".into(),
            profile: None,
        };
        let changes = vec![PlannedChange {
            user_id: "u-1".into(),
            email: "sam@example.com".into(),
            fields: Field::ALL
                .iter()
                .map(|&field| FieldChange {
                    field,
                    from: format!("old {field}"),
                    to: format!("new {field}"),
                })
                .collect(),
        }];
        let ok = OutcomeResult::Ok { request_id: None };
        audit
            .outcomes(&plan(changes), &[("u-1".into(), ok)])
            .expect("written");

        let v = lines(&audit.path);
        for (i, field) in Field::ALL.iter().enumerate() {
            let (from, to) = if field.is_sensitive() {
                ("(redacted)".to_string(), "(redacted)".to_string())
            } else {
                (format!("old {field}"), format!("new {field}"))
            };
            assert_eq!(
                v[0]["changes"][i],
                json!({"field": field.label(), "from": from, "to": to})
            );
        }
        let text = std::fs::read_to_string(&audit.path).expect("audit");
        assert!(!text.contains("old Room ARN") && !text.contains("new Room ARN"));
    }

    /// Two writers on one log, each with its own open file (as two
    /// processes have): while one's large write is under way the other
    /// must not see a file that "does not end in a newline" and put a
    /// newline first. Every line stays whole, with no blank line between.
    #[test]
    fn writers_on_one_log_never_tear_or_blank_a_line() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("audit.jsonl");
        let big: Vec<String> = (0..400)
            .map(|i| format!("{{\"n\":{i},\"pad\":\"{}\"}}", "x".repeat(200)))
            .collect();
        let writers: Vec<_> = (0..2)
            .map(|_| {
                let path = path.clone();
                let big = big.clone();
                std::thread::spawn(move || {
                    for _ in 0..100 {
                        append(&path, &big).expect("append");
                    }
                })
            })
            .collect();
        for w in writers {
            w.join().expect("writer");
        }
        let text = std::fs::read_to_string(&path).expect("audit");
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 2 * 100 * 400, "no line lost, none added");
        for l in lines {
            assert!(
                serde_json::from_str::<Value>(l).is_ok(),
                "a torn line {l:?}"
            );
        }
    }
}
