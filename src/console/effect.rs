//! Requests for IO that `update` hands to the worker. Each list request
//! carries the generation id its answer must match. Emails are `Sensitive`,
//! so logging an effect never shows one.

use crate::model::Sensitive;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// One page of ListAccounts.
    LoadAccounts { gen_id: u64, token: Option<String> },
    /// One page of ListUsers (PAGE_SIZE users).
    LoadUsersPage {
        account_id: String,
        gen_id: u64,
        token: Option<String>,
    },
    /// ListUsers with `user-email`: one user out of any number in one round trip.
    FindUserByEmail {
        account_id: String,
        gen_id: u64,
        email: Sensitive,
    },
}

impl Effect {
    /// Whether the effect changes anything on the service (refused in read-only mode).
    pub fn is_mutating(&self) -> bool {
        match self {
            Effect::LoadAccounts { .. }
            | Effect::LoadUsersPage { .. }
            | Effect::FindUserByEmail { .. } => false,
        }
    }
}
