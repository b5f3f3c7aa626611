//! The service's data in memory: accounts in creation order, each with its
//! users in a stable order and indexes by user id and lowercase email.
//!
//! Nothing here changes data except [`Store::apply`]: operations read the store
//! and describe their changes as [`Mutation`]s, which are first written to the
//! state file (if any) and then applied here. One mechanism for memory and disk.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::model::{Account, AccountSettings, TelephonySettings, User, UserSettings};

use super::error::{ApiError, ApiResult};

/// An account with its settings, as stored (and as written to the state file).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AccountRow {
    pub account: Account,
    pub settings: AccountSettings,
    /// Deleted accounts are kept (AWS keeps them in a Disabled list) but are
    /// invisible and accept no request.
    #[serde(default)]
    pub deleted: bool,
}

/// A user with its settings, as stored. `user.account_id` is not kept (it is
/// the owning account's id) and is filled in on the way out.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct UserRow {
    pub user: User,
    pub settings: UserSettings,
}

/// One change to the data. Rows are complete (an upsert), so applying a
/// mutation twice gives the same result as once.
#[derive(Clone, Debug, PartialEq)]
pub enum Mutation {
    PutAccount(AccountRow),
    PutUser { account_id: String, row: UserRow },
}

pub fn default_account_settings() -> AccountSettings {
    AccountSettings {
        disable_remote_control: Some(false),
        enable_dial_out: Some(true),
    }
}

pub fn default_user_settings() -> UserSettings {
    UserSettings {
        telephony: TelephonySettings {
            inbound_calling: true,
            outbound_calling: true,
            sms: true,
        },
    }
}

#[derive(Debug, Default)]
pub struct AccountEntry {
    pub row: AccountRow,
    users: Vec<UserRow>,
    by_id: HashMap<String, u32>,
    by_email: HashMap<String, u32>,
}

impl Default for AccountRow {
    fn default() -> Self {
        AccountRow {
            account: Account::default(),
            settings: default_account_settings(),
            deleted: false,
        }
    }
}

impl AccountEntry {
    pub fn users(&self) -> &[UserRow] {
        &self.users
    }

    pub fn user(&self, user_id: &str) -> Option<&UserRow> {
        self.by_id
            .get(user_id)
            .and_then(|&i| self.users.get(i as usize))
    }

    pub fn user_by_email(&self, email: &str) -> Option<&UserRow> {
        self.by_email
            .get(&email.to_lowercase())
            .and_then(|&i| self.users.get(i as usize))
    }

    /// The user or 404.
    pub fn require_user(&self, user_id: &str) -> ApiResult<&UserRow> {
        self.user(user_id)
            .ok_or_else(|| ApiError::not_found(format!("User {user_id} not found")))
    }

    fn put_user(&mut self, mut row: UserRow) {
        row.user.account_id = None;
        // Personal PINs are never kept (only ResetPersonalPIN's answer has one).
        row.user.personal_pin = None;
        let email = row.user.email().to_lowercase();
        match self.by_id.get(&row.user.user_id) {
            Some(&i) => {
                let old = &mut self.users[i as usize];
                let old_email = old.user.email().to_lowercase();
                if old_email != email {
                    self.by_email.remove(&old_email);
                    if !email.is_empty() {
                        self.by_email.insert(email, i);
                    }
                }
                *old = row;
            }
            None => {
                let i = self.users.len() as u32;
                self.by_id.insert(row.user.user_id.clone(), i);
                if !email.is_empty() {
                    self.by_email.insert(email, i);
                }
                self.users.push(row);
            }
        }
    }
}

/// A user as it goes out on the wire: with its account id.
pub fn user_out(account_id: &str, row: &UserRow) -> User {
    let mut u = row.user.clone();
    u.account_id = Some(account_id.to_string());
    u.personal_pin = None;
    u
}

#[derive(Debug, Default)]
pub struct Store {
    accounts: Vec<AccountEntry>,
    by_id: HashMap<String, usize>,
}

impl Store {
    /// Every account that is not deleted, in creation order.
    pub fn accounts(&self) -> impl Iterator<Item = &AccountEntry> {
        self.accounts.iter().filter(|a| !a.row.deleted)
    }

    /// Every account including deleted ones (for saving).
    pub fn all_entries(&self) -> &[AccountEntry] {
        &self.accounts
    }

    pub fn account(&self, account_id: &str) -> Option<&AccountEntry> {
        self.by_id
            .get(account_id)
            .and_then(|&i| self.accounts.get(i))
            .filter(|a| !a.row.deleted)
    }

    /// The live account or 404.
    pub fn require_account(&self, account_id: &str) -> ApiResult<&AccountEntry> {
        self.account(account_id)
            .ok_or_else(|| ApiError::not_found(format!("Account {account_id} not found")))
    }

    /// Makes room for `n` more users in an account (loading a data set).
    pub fn reserve_users(&mut self, account_id: &str, n: usize) {
        if let Some(&i) = self.by_id.get(account_id) {
            let a = &mut self.accounts[i];
            a.users.reserve_exact(n);
            a.by_id.reserve(n);
            a.by_email.reserve(n);
        }
    }

    pub fn user_count(&self) -> usize {
        self.accounts.iter().map(|a| a.users.len()).sum()
    }

    pub fn apply(&mut self, mutations: Vec<Mutation>) {
        for m in mutations {
            self.apply_one(m);
        }
    }

    pub fn apply_one(&mut self, m: Mutation) {
        match m {
            Mutation::PutAccount(row) => self.put_account(row),
            Mutation::PutUser { account_id, row } => {
                if let Some(&i) = self.by_id.get(&account_id) {
                    self.accounts[i].put_user(row);
                }
            }
        }
    }

    fn put_account(&mut self, row: AccountRow) {
        match self.by_id.get(&row.account.account_id) {
            Some(&i) => self.accounts[i].row = row,
            None => {
                self.by_id
                    .insert(row.account.account_id.clone(), self.accounts.len());
                self.accounts.push(AccountEntry {
                    row,
                    ..Default::default()
                });
            }
        }
    }
}

/// Opaque page tokens: the offset to resume at, bound to what is being paged
/// (an account's users, or the account list) by a check value. A token that
/// does not decode, or that belongs to something else, is refused.
pub mod token {
    fn check(scope: &str, offset: u64) -> u32 {
        // FNV-1a over the scope and offset: not a secret, only a guard
        // against tokens from another list or typed by hand.
        let mut h: u32 = 0x811c_9dc5;
        for b in scope.bytes().chain(offset.to_le_bytes()) {
            h ^= u32::from(b);
            h = h.wrapping_mul(0x0100_0193);
        }
        h
    }

    pub fn encode(scope: &str, offset: usize) -> String {
        let offset = offset as u64;
        format!("{offset:016x}{:08x}", check(scope, offset))
    }

    pub fn decode(scope: &str, token: &str) -> Option<usize> {
        if token.len() != 24 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        let offset = u64::from_str_radix(&token[..16], 16).ok()?;
        let sum = u32::from_str_radix(&token[16..], 16).ok()?;
        (sum == check(scope, offset))
            .then_some(offset)
            .and_then(|o| usize::try_from(o).ok())
    }

    #[cfg(test)]
    mod tests {
        #[test]
        fn round_trip_and_refusal() {
            let t = super::encode("acc-1", 200);
            assert_eq!(super::decode("acc-1", &t), Some(200));
            assert_eq!(super::decode("acc-2", &t), None);
            assert_eq!(super::decode("acc-1", "2"), None);
            let mut bad = t.clone();
            bad.replace_range(15..16, "9");
            assert_eq!(super::decode("acc-1", &bad), None);
        }
    }
}
