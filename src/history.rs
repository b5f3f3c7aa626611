//! The changes in the audit log, read back (`history`, `undo`, the
//! console's `:history`): each change id's `send` line and per-user
//! `result` lines grouped into one [`Record`], newest first. A line that is
//! not whole JSON (a torn write) or that has no change id (an older
//! version's `batch`) is skipped with a note, never a crash.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use serde_json::Value;

use crate::plan::file::{FORMAT, SavedPlan, SavedUser, VERSION};
use crate::plan::{Field, FieldChange, summary};

/// One change as the audit log has it.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    pub change_id: String,
    /// When it was sent (its `send` line, else its first line).
    pub time: String,
    pub account_id: String,
    pub operation: String,
    pub endpoint: String,
    /// The plan file's digest, for an `apply`.
    pub digest: Option<String>,
    /// The change an undo undid.
    pub undoes: Option<String>,
    /// Users to send, as the `send` line counted them.
    pub planned: Option<usize>,
    pub users: Vec<UserResult>,
}

/// One user's `result` line.
#[derive(Debug, Clone, PartialEq)]
pub struct UserResult {
    pub user_id: String,
    /// `ok`, `failed`, `unknown`, `not_sent`.
    pub result: String,
    pub fields: Vec<FieldChange>,
}

/// The audit log read back.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct History {
    /// Newest first.
    pub records: Vec<Record>,
    /// What was skipped, and why ("line 7: not whole JSON (a torn write?)").
    pub skipped: Vec<String>,
}

fn text(v: &Value, key: &str) -> Option<String> {
    v.get(key).and_then(|s| s.as_str()).map(str::to_string)
}

/// Reads the audit log at `path` (a missing file: no changes), under a
/// shared lock: a change being written is read whole or not at all.
pub fn read(path: &Path) -> std::io::Result<History> {
    match crate::private_file::read_locked(path, crate::audit::LOCK_WAIT) {
        Ok(t) => Ok(parse(&t)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(History::default()),
        Err(e) => Err(e),
    }
}

/// The changes in an audit log's text.
pub fn parse(log: &str) -> History {
    let mut by_id: HashMap<String, usize> = HashMap::new();
    let mut records: Vec<Record> = Vec::new();
    let mut skipped = Vec::new();
    let mut older = 0;
    for (i, line) in log.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let Ok(v) = serde_json::from_str::<Value>(line) else {
            skipped.push(format!(
                "line {}: not whole JSON (a torn write?): skipped",
                i + 1
            ));
            continue;
        };
        let event = text(&v, "event").unwrap_or_default();
        if event != "send" && event != "result" {
            continue; // an admin operation: not a change of users
        }
        let Some(id) = text(&v, "change") else {
            older += 1;
            continue;
        };
        let index = *by_id.entry(id.clone()).or_insert_with(|| {
            records.push(Record {
                change_id: id.clone(),
                time: text(&v, "time").unwrap_or_default(),
                account_id: text(&v, "account_id").unwrap_or_default(),
                operation: text(&v, "operation").unwrap_or_default(),
                endpoint: text(&v, "endpoint").unwrap_or_default(),
                digest: None,
                undoes: None,
                planned: None,
                users: Vec::new(),
            });
            records.len() - 1
        });
        let r = &mut records[index];
        if event == "send" {
            r.time = text(&v, "time").unwrap_or_default();
            r.digest = text(&v, "digest");
            r.undoes = text(&v, "undoes");
            r.planned = v.get("users").and_then(|n| n.as_u64()).map(|n| n as usize);
            continue;
        }
        let fields = v
            .get("changes")
            .and_then(|c| c.as_array())
            .into_iter()
            .flatten()
            .filter_map(|c| {
                Some(FieldChange {
                    field: Field::of_member(c.get("field")?.as_str()?)
                        .or_else(|| action_field(c.get("field")?.as_str()?))?,
                    from: text(c, "from")?,
                    to: text(c, "to")?,
                })
            })
            .collect();
        r.users.push(UserResult {
            user_id: text(&v, "user_id").unwrap_or_default(),
            result: text(&v, "result").unwrap_or_default(),
            fields,
        });
    }
    if older > 0 {
        skipped.push(format!(
            "{older} lines of an older version (no change id): skipped"
        ));
    }
    records.sort_by(|a, b| b.time.cmp(&a.time).then(b.change_id.cmp(&a.change_id)));
    History { records, skipped }
}

fn action_field(label: &str) -> Option<Field> {
    Field::ALL.into_iter().find(|f| f.label() == label)
}

impl Record {
    /// Users by result: `ok` 298, `failed` 2, …
    pub fn counts(&self) -> BTreeMap<&str, usize> {
        let mut out = BTreeMap::new();
        for u in &self.users {
            *out.entry(u.result.as_str()).or_default() += 1;
        }
        out
    }

    /// What changed, as a preview says it ("License Pro → Basic for 298
    /// users"), over the users it changed.
    pub fn summary(&self) -> Vec<String> {
        let ok: Vec<crate::plan::PlannedChange> = self
            .users
            .iter()
            .filter(|u| u.result == "ok")
            .map(|u| crate::plan::PlannedChange {
                user_id: u.user_id.clone(),
                email: Default::default(),
                fields: u.fields.clone(),
            })
            .collect();
        summary(&ok)
    }

    /// The inverse of this change as a plan: each field of each user it
    /// changed (`ok`), `To → From`. What cannot be restored is left out and
    /// said: the room ARN (never in the audit log), a value that was unset.
    pub fn undo(&self) -> Result<(SavedPlan, Vec<String>), String> {
        if self.operation != crate::model::Operation::BatchUpdateUser.name() {
            return Err(format!(
                "change {} is a {}: only updates (license, user type, A4B) can be undone",
                self.change_id, self.operation
            ));
        }
        let mut notes = Vec::new();
        let (mut room, mut unset) = (0, 0);
        let mut users = Vec::new();
        for u in self.users.iter().filter(|u| u.result == "ok") {
            let mut from = BTreeMap::new();
            let mut to = BTreeMap::new();
            for f in &u.fields {
                let Some(member) = f.field.member() else {
                    continue;
                };
                if f.field == Field::RoomArn {
                    room += 1;
                    continue;
                }
                if f.from == "(none)" {
                    unset += 1;
                    continue;
                }
                from.insert(member.to_string(), f.to.clone());
                to.insert(member.to_string(), f.from.clone());
            }
            if !to.is_empty() {
                users.push(SavedUser {
                    user_id: u.user_id.clone(),
                    primary_email: String::new(),
                    from,
                    to,
                });
            }
        }
        if room > 0 {
            notes.push(format!(
                "the room ARN of {room} users cannot be restored (it is never in the audit log): left as it is"
            ));
        }
        if unset > 0 {
            notes.push(format!(
                "{unset} fields were unset before the change and cannot be unset again: left as they are"
            ));
        }
        let not_ok = self.users.iter().filter(|u| u.result != "ok").count();
        if not_ok > 0 {
            notes.push(format!(
                "{not_ok} users the change did not change (failed, unknown, not sent): left alone"
            ));
        }
        if users.is_empty() {
            return Err(format!(
                "change {} changed nothing that can be restored",
                self.change_id
            ));
        }
        let planned: Vec<crate::plan::PlannedChange> = users
            .iter()
            .filter_map(|u| {
                Some(crate::plan::PlannedChange {
                    user_id: u.user_id.clone(),
                    email: Default::default(),
                    fields: u.fields().ok()?,
                })
            })
            .collect();
        Ok((
            SavedPlan {
                format: FORMAT.into(),
                version: VERSION,
                account_id: self.account_id.clone(),
                endpoint: self.endpoint.clone(),
                made_at: crate::model::Timestamp::now().to_iso(),
                made_from: format!("undo of change {}", self.change_id),
                undoes: Some(self.change_id.clone()),
                summary: summary(&planned),
                already: 0,
                not_found: Vec::new(),
                users,
            },
            notes,
        ))
    }
}

impl History {
    /// The change with this id.
    pub fn find(&self, change_id: &str) -> Option<&Record> {
        self.records.iter().find(|r| r.change_id == change_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_are_grouped_newest_first_and_torn_or_old_lines_are_skipped() {
        let text = r#"{"time":"2026-01-01T00:00:00Z","event":"send","endpoint":"e","operation":"BatchUpdateUser","account_id":"a","change":"01A","users":2}
{"time":"2026-01-01T00:00:01Z","event":"result","endpoint":"e","operation":"BatchUpdateUser","account_id":"a","change":"01A","user_id":"u1","changes":[{"field":"License","from":"Pro","to":"Basic"},{"field":"Room ARN","from":"(redacted)","to":"(redacted)"}],"result":"ok"}
{"time":"2026-01-01T00:00:01Z","event":"result","endpoint":"e","operation":"BatchUpdateUser","account_id":"a","change":"01A","user_id":"u2","changes":[{"field":"License","from":"Pro","to":"Basic"}],"result":"failed"}
{"time":"2025-01-01T00:00:00Z","event":"send","batch":7,"users":1}
{"time":"2026-02-01T00:00:00Z","event":"send","endpoint":"e","operation":"BatchUpdateUser","account_id":"a","change":"01B","users":1,"undoes":"01A"}
{"time":"2026-02-01T00:00:00Z","event":"res"#;
        let h = parse(text);
        assert_eq!(h.records.len(), 2);
        assert_eq!(h.records[0].change_id, "01B");
        assert_eq!(h.records[0].undoes.as_deref(), Some("01A"));
        let a = &h.records[1];
        assert_eq!(a.counts().get("ok"), Some(&1));
        assert_eq!(a.counts().get("failed"), Some(&1));
        assert_eq!(
            a.summary(),
            [
                "License Pro → Basic for 1 user",
                "Room ARN (redacted) → (redacted) for 1 user"
            ]
        );
        assert_eq!(h.skipped.len(), 2, "{:?}", h.skipped);
        let (plan, notes) = a.undo().expect("undo");
        assert_eq!(plan.users.len(), 1);
        assert_eq!(
            plan.users[0].to.get("LicenseType").map(String::as_str),
            Some("Pro")
        );
        assert_eq!(
            plan.users[0].from.get("LicenseType").map(String::as_str),
            Some("Basic")
        );
        assert_eq!(plan.undoes.as_deref(), Some("01A"));
        assert!(notes.iter().any(|n| n.contains("room ARN")), "{notes:?}");
        assert!(
            notes
                .iter()
                .any(|n| n.contains("1 users the change did not change"))
        );
    }
}
