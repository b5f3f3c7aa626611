//! A plan saved to a file, to review and apply later (`plan --out`,
//! `apply PLAN`, `undo --out`, the console's `s` in a preview): JSON,
//! written 0600, its digest the SHA-256 of its bytes (what `sha256sum`
//! prints). It lists each user that would change with the planned fields'
//! `From` (as read when it was made) and `To`; users already at their
//! target are counted, not listed.
//!
//! Applying it is a plan again ([`SavedPlan::recheck`]): the users are read
//! fresh and each is `already` (at `To`), changed (at `From`), `drifted`
//! (anything else: someone changed it since) or not found.

use std::collections::{BTreeMap, HashMap};
use std::io::Write;
use std::path::Path;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::{Change, Drift, Field, FieldChange, Origin, Plan, PlannedChange, UserRef, update_of};
use crate::model::User;

/// The `Format` of every plan file.
pub const FORMAT: &str = "chime-admin-plan";
/// The newest `Version` this build reads and writes.
pub const VERSION: u32 = 1;

/// A plan file's contents.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct SavedPlan {
    pub format: String,
    pub version: u32,
    pub account_id: String,
    /// The endpoint it was made against: applied only there.
    pub endpoint: String,
    /// When the users were read.
    pub made_at: String,
    /// What it was made from: "file hr.csv", "filter license:pro", …
    pub made_from: String,
    /// The change id an undo plan undoes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub undoes: Option<String>,
    /// "License Pro → Basic for 212 users", as the preview showed.
    pub summary: Vec<String>,
    /// Users already at their target when it was made (counted only).
    pub already: usize,
    /// Users named that the account did not have.
    #[serde(default)]
    pub not_found: Vec<String>,
    pub users: Vec<SavedUser>,
}

/// One user of a saved plan: the planned fields, keyed by their member
/// names in AWS's model (`LicenseType`, `UserType`,
/// `AlexaForBusinessEnabled`, `AlexaForBusinessRoomArn`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct SavedUser {
    pub user_id: String,
    #[serde(default)]
    pub primary_email: String,
    pub from: BTreeMap<String, String>,
    pub to: BTreeMap<String, String>,
}

/// The SHA-256 of `bytes`, in lower-case hex (as `sha256sum` prints it).
pub fn digest(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

impl SavedPlan {
    /// The saved form of an update plan. User actions are not saved.
    pub fn of(plan: &Plan, endpoint: &str, made_from: &str) -> Result<SavedPlan, String> {
        if !plan.change.is_update() {
            return Err("only updates (license, user type, A4B) can be saved as a plan".into());
        }
        let users = plan
            .changes
            .iter()
            .map(|c| {
                let mut from = BTreeMap::new();
                let mut to = BTreeMap::new();
                for f in &c.fields {
                    let Some(member) = f.field.member() else {
                        continue;
                    };
                    from.insert(member.to_string(), f.from.clone());
                    to.insert(member.to_string(), f.to.clone());
                }
                SavedUser {
                    user_id: c.user_id.clone(),
                    primary_email: c.email.expose().to_string(),
                    from,
                    to,
                }
            })
            .collect();
        Ok(SavedPlan {
            format: FORMAT.into(),
            version: VERSION,
            account_id: plan.account_id.clone(),
            endpoint: endpoint.to_string(),
            made_at: plan.read_at.to_iso(),
            made_from: made_from.to_string(),
            undoes: plan.origin.undoes.clone(),
            summary: plan.summary(),
            already: plan.already.len(),
            not_found: plan.not_found.clone(),
            users,
        })
    }

    /// The file's bytes: pretty JSON and a final newline.
    pub fn to_bytes(&self) -> Result<Vec<u8>, String> {
        let mut out = serde_json::to_vec_pretty(self).map_err(|e| e.to_string())?;
        out.push(b'\n');
        Ok(out)
    }

    /// Writes the plan to `path` (0600; an existing file is replaced only
    /// if it is a regular file); returns its digest.
    pub fn write(&self, path: &Path) -> Result<String, String> {
        let bytes = self.to_bytes()?;
        crate::private_file::create_parent(path)
            .and_then(|_| crate::private_file::create(path))
            .and_then(|mut f| {
                f.write_all(&bytes)?;
                f.sync_data()
            })
            .map_err(|e| format!("cannot write the plan {}: {e}", path.display()))?;
        Ok(digest(&bytes))
    }

    /// A plan file's contents and digest; refuses what is not a plan this
    /// build can apply (another format, a newer version, a field it does
    /// not know, a value the model refuses).
    pub fn parse(bytes: &[u8]) -> Result<(SavedPlan, String), String> {
        let v: serde_json::Value = serde_json::from_slice(bytes)
            .map_err(|e| format!("not a plan file (not JSON: {e})"))?;
        if v.get("Format").and_then(|f| f.as_str()) != Some(FORMAT) {
            return Err(format!("not a plan file (no \"Format\": \"{FORMAT}\")"));
        }
        let version = v.get("Version").and_then(|n| n.as_u64()).unwrap_or(0);
        if version > u64::from(VERSION) {
            return Err(format!(
                "a plan of version {version}, newer than this chime-admin reads ({VERSION}): upgrade it"
            ));
        }
        let plan: SavedPlan =
            serde_json::from_value(v).map_err(|e| format!("not a valid plan file: {e}"))?;
        for u in &plan.users {
            let fields = u.fields().map_err(|e| format!("user {}: {e}", u.user_id))?;
            update_of(&fields).map_err(|e| format!("user {}: {e}", u.user_id))?;
        }
        Ok((plan, digest(bytes)))
    }

    /// Reads and parses a plan file.
    pub fn read(path: &Path) -> Result<(SavedPlan, String), String> {
        let bytes = std::fs::read(path)
            .map_err(|e| format!("cannot read the plan {}: {e}", path.display()))?;
        Self::parse(&bytes).map_err(|e| format!("{}: {e}", path.display()))
    }

    /// The ids of its users, in order.
    pub fn user_ids(&self) -> Vec<String> {
        self.users.iter().map(|u| u.user_id.clone()).collect()
    }

    /// The plan to apply now: the planned users as `read` just now, each
    /// at `To` (already), at `From` (to change), or neither (drifted).
    pub fn recheck(&self, read: Vec<User>, digest: Option<String>) -> Plan {
        let mut by_id: HashMap<String, User> =
            read.into_iter().map(|u| (u.user_id.clone(), u)).collect();
        let mut each = HashMap::new();
        let mut plan = Plan::empty(&self.account_id, Change::Update(Default::default()));
        plan.origin = Origin {
            digest,
            undoes: self.undoes.clone(),
            made_from: Some(self.made_from.clone()),
        };
        for saved in &self.users {
            plan.order.push(saved.user_id.clone());
            let Some(u) = by_id.remove(&saved.user_id) else {
                plan.not_found.push(saved.user_id.clone());
                continue;
            };
            let email = u.primary_email.clone().unwrap_or_default();
            let fields = saved.fields().unwrap_or_default();
            let now: Vec<(Field, String)> = fields
                .iter()
                .filter_map(|f| Some((f.field, f.field.value(&u)?)))
                .collect();
            let at = |pick: fn(&FieldChange) -> &String| {
                fields.iter().zip(&now).all(|(f, (_, v))| pick(f) == v)
            };
            if at(|f| &f.to) {
                plan.already.push(UserRef {
                    user_id: saved.user_id.clone(),
                    email,
                });
            } else if at(|f| &f.from) {
                if u.is_suspended() {
                    plan.suspended.push(saved.user_id.clone());
                }
                if let Ok(update) = update_of(&fields) {
                    each.insert(saved.user_id.clone(), update);
                }
                plan.changes.push(PlannedChange {
                    user_id: saved.user_id.clone(),
                    email,
                    fields: fields.clone(),
                });
            } else {
                let (f, found) = fields
                    .iter()
                    .zip(&now)
                    .find(|(f, (_, v))| f.from != *v && f.to != *v)
                    .map(|(f, (_, v))| (f, v.clone()))
                    .or_else(|| {
                        // Some fields at From, others at To: a partial change.
                        fields
                            .iter()
                            .zip(&now)
                            .find(|(f, (_, v))| f.from != *v)
                            .map(|(f, (_, v))| (f, v.clone()))
                    })
                    .unwrap_or((&fields[0], String::new()));
                plan.drifted.push(Drift {
                    user: UserRef {
                        user_id: saved.user_id.clone(),
                        email,
                    },
                    field: f.field,
                    planned_from: f.from.clone(),
                    found,
                });
            }
            plan.read.push(u);
        }
        plan.change = Change::Desired { each, rest: None };
        plan
    }
}

impl SavedUser {
    /// Its fields as the plan's from → to.
    pub fn fields(&self) -> Result<Vec<FieldChange>, String> {
        if self.to.is_empty() {
            return Err("no field to change".into());
        }
        let mut out = Vec::new();
        for (member, to) in &self.to {
            let field = Field::of_member(member).ok_or_else(|| {
                format!(
                    "unknown field {member:?} (fields: LicenseType, UserType, AlexaForBusinessEnabled, AlexaForBusinessRoomArn)"
                )
            })?;
            let from = self
                .from
                .get(member)
                .cloned()
                .ok_or_else(|| format!("{member} has a To but no From"))?;
            out.push(FieldChange {
                field,
                from,
                to: to.clone(),
            });
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{License, UserUpdate};

    fn user(id: &str, l: License) -> User {
        User {
            user_id: id.into(),
            license_type: Some(l),
            primary_email: Some(format!("{id}@example.com").into()),
            ..User::default()
        }
    }

    #[test]
    fn a_saved_plan_round_trips_and_is_rechecked_against_what_is_read() {
        let to_basic = Change::Update(UserUpdate {
            license_type: Some(License::Basic),
            ..UserUpdate::default()
        });
        let ids: Vec<String> = ["a", "b", "c", "d", "e"].map(String::from).to_vec();
        let read = vec![
            user("a", License::Pro),
            user("b", License::Pro),
            user("c", License::Plus),
            user("d", License::Basic),
        ];
        let plan = Plan::build("acc", None, to_basic, &ids, read).expect("plan");
        let saved = SavedPlan::of(&plan, "http://127.0.0.1:1", "ids").expect("saved");
        assert_eq!(saved.users.len(), 3);
        assert_eq!(saved.already, 1);
        assert_eq!(saved.not_found, ["e"]);
        let bytes = saved.to_bytes().expect("bytes");
        let (back, d) = SavedPlan::parse(&bytes).expect("parse");
        assert_eq!(back, saved);
        assert_eq!(d, digest(&bytes));
        assert_eq!(d.len(), 64);
        // Later: a made Basic by now, b made Plus by someone, c as planned.
        let now = vec![
            user("a", License::Basic),
            user("b", License::Plus),
            user("c", License::Plus),
        ];
        let p = back.recheck(now, Some(d));
        assert_eq!(p.already.len(), 1);
        assert_eq!(p.already[0].user_id, "a");
        assert_eq!(p.changes.len(), 1);
        assert_eq!(p.changes[0].user_id, "c");
        assert_eq!(p.changes[0].fields[0].from, "Plus");
        assert_eq!(p.drifted.len(), 1);
        assert_eq!(p.drifted[0].found, "Plus");
        assert_eq!(p.drifted[0].planned_from, "Pro");
        // A user removed since the plan was made.
        let p = back.recheck(vec![user("a", License::Pro)], None);
        assert_eq!(p.not_found, ["b", "c"]);
    }

    #[test]
    fn what_is_not_a_plan_this_build_applies_is_refused() {
        for (text, says) in [
            ("{", "not JSON"),
            (r#"{"Format":"x"}"#, "not a plan file"),
            (
                r#"{"Format":"chime-admin-plan","Version":2}"#,
                "newer than this chime-admin reads",
            ),
            (
                r#"{"Format":"chime-admin-plan","Version":1,"AccountId":"a","Endpoint":"e","MadeAt":"t","MadeFrom":"f","Summary":[],"Already":0,"Users":[{"UserId":"u","From":{"Licence":"Pro"},"To":{"Licence":"Basic"}}]}"#,
                "unknown field \"Licence\"",
            ),
            (
                r#"{"Format":"chime-admin-plan","Version":1,"AccountId":"a","Endpoint":"e","MadeAt":"t","MadeFrom":"f","Summary":[],"Already":0,"Users":[{"UserId":"u","From":{"LicenseType":"Pro"},"To":{"LicenseType":"Gold"}}]}"#,
                "Gold",
            ),
        ] {
            let e = SavedPlan::parse(text.as_bytes()).expect_err(text);
            assert!(e.contains(says), "{text}: {e}");
        }
    }
}
