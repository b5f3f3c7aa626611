//! Data sets: the deterministic demo data (generated from `assets/`), a
//! generated set of any size for benchmarks, or a JSON file (`--seed`).
//!
//! The JSON format is the API's own shapes:
//! `{"Accounts": [{"Account": {...}, "AccountSettings": {...}, "Users": [{...}]}]}`
//! with `Account` and `User` exactly as GetAccount / GetUser return them
//! (`AccountSettings` and `Users` optional).

use std::collections::HashSet;
use std::path::Path;

use anyhow::Context;
use chrono::{DateTime, Duration, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};

use crate::model::*;

use super::handlers::AWS_ACCOUNT_ID;
use super::store::{
    AccountRow, Mutation, Store, UserRow, default_account_settings, default_user_settings,
};

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DataSet {
    #[serde(default)]
    pub accounts: Vec<SeedAccount>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct SeedAccount {
    pub account: Account,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_settings: Option<AccountSettings>,
    #[serde(default)]
    pub users: Vec<User>,
}

/// One account of the demo, from `assets/accounts.json`.
#[derive(Deserialize)]
struct AccountSpec {
    name: String,
    #[serde(rename = "type")]
    account_type: String,
    users: usize,
    domain: String,
    licenses: Vec<String>,
    default: String,
    created: Timestamp,
    suspended: f64,
    unregistered: f64,
    shared_devices: f64,
    a4b: f64,
    groups: Vec<String>,
}

const ACCOUNTS: &str = include_str!("../../assets/accounts.json");
const FIRST_NAMES: &str = include_str!("../../assets/first_names.txt");
const LAST_NAMES: &str = include_str!("../../assets/last_names.txt");

impl DataSet {
    pub fn empty() -> Self {
        DataSet::default()
    }

    /// The demo data: the accounts of `assets/accounts.json`, users generated
    /// from a fixed seed (the same ids, names and states on every run).
    pub fn demo() -> Self {
        let specs: Vec<AccountSpec> = match serde_json::from_str(ACCOUNTS) {
            Ok(s) => s,
            // The asset is compiled in and covered by a test.
            Err(_) => return DataSet::empty(),
        };
        let mut g = Generator::new(2019);
        DataSet {
            accounts: specs.iter().map(|s| g.account(s)).collect(),
        }
    }

    /// One EnterpriseLWA account with `n_users` users (for benchmarks).
    pub fn generated(n_users: usize) -> Self {
        let spec = AccountSpec {
            name: "Bench Corp".into(),
            account_type: "EnterpriseLWA".into(),
            users: n_users,
            domain: "bench.example.com".into(),
            licenses: vec!["Basic".into(), "Plus".into(), "Pro".into()],
            default: "Pro".into(),
            created: Timestamp(DateTime::<Utc>::UNIX_EPOCH + Duration::days(18000)),
            suspended: 0.02,
            unregistered: 0.1,
            shared_devices: 0.03,
            a4b: 0.05,
            groups: vec![],
        };
        let mut g = Generator::new(7);
        DataSet {
            accounts: vec![g.account(&spec)],
        }
    }

    pub fn from_json_file(path: &Path) -> anyhow::Result<Self> {
        let f = std::fs::File::open(path)
            .with_context(|| format!("opening the seed file {}", path.display()))?;
        serde_json::from_reader(std::io::BufReader::new(f))
            .with_context(|| format!("reading the seed file {}", path.display()))
    }

    pub fn user_count(&self) -> usize {
        self.accounts.iter().map(|a| a.users.len()).sum()
    }

    pub fn into_store(self) -> Store {
        let mut store = Store::default();
        for a in self.accounts {
            let account_id = a.account.account_id.clone();
            store.apply(vec![Mutation::PutAccount(AccountRow {
                account: a.account,
                settings: a.account_settings.unwrap_or_else(default_account_settings),
                deleted: false,
            })]);
            store.reserve_users(&account_id, a.users.len());
            let rows = a.users.into_iter().map(|user| Mutation::PutUser {
                account_id: account_id.clone(),
                row: UserRow {
                    user,
                    settings: default_user_settings(),
                },
            });
            for m in rows {
                store.apply_one(m);
            }
        }
        store
    }
}

struct Generator {
    rng: StdRng,
    first: Vec<&'static str>,
    last: Vec<&'static str>,
}

impl Generator {
    fn new(seed: u64) -> Self {
        let lines = |s: &'static str| s.lines().filter(|l| !l.trim().is_empty()).collect();
        Generator {
            rng: StdRng::seed_from_u64(seed),
            first: lines(FIRST_NAMES),
            last: lines(LAST_NAMES),
        }
    }

    fn uuid(&mut self) -> String {
        let bytes: [u8; 16] = self.rng.random();
        uuid::Builder::from_random_bytes(bytes)
            .into_uuid()
            .to_string()
    }

    fn first_name(&mut self) -> &'static str {
        self.first[self.rng.random_range(0..self.first.len())]
    }

    fn last_name(&mut self) -> &'static str {
        self.last[self.rng.random_range(0..self.last.len())]
    }

    fn account(&mut self, s: &AccountSpec) -> SeedAccount {
        let licenses: Vec<License> = s
            .licenses
            .iter()
            .map(|l| License::from(l.as_str()))
            .collect();
        let account = Account {
            aws_account_id: AWS_ACCOUNT_ID.into(),
            account_id: self.uuid(),
            name: s.name.clone(),
            account_type: Some(AccountType::from(s.account_type.as_str())),
            created_timestamp: Some(s.created),
            default_license: Some(License::from(s.default.as_str())),
            supported_licenses: Some(licenses.clone()),
            account_status: Some(AccountStatus::Active),
            signin_delegate_groups: Some(
                s.groups
                    .iter()
                    .map(|g| SigninDelegateGroup {
                        group_name: Some(g.clone()),
                    })
                    .collect(),
            ),
        };
        let mut emails = HashSet::new();
        let users = (0..s.users)
            .map(|i| self.user(s, &licenses, i, &mut emails))
            .collect();
        SeedAccount {
            account,
            account_settings: None,
            users,
        }
    }

    fn user(
        &mut self,
        s: &AccountSpec,
        licenses: &[License],
        i: usize,
        emails: &mut HashSet<String>,
    ) -> User {
        let shared = self.rng.random_bool(s.shared_devices);
        let (display, local) = if shared {
            let room = format!("Room {}-{:02}", 1 + i % 9, i % 97);
            (room.clone(), format!("room-{}", i + 1))
        } else {
            let (f, l) = (self.first_name(), self.last_name());
            let base = format!("{f}.{l}").to_lowercase().replace(['\'', ' '], "");
            (format!("{f} {l}"), base)
        };
        let mut email = format!("{local}@{}", s.domain);
        let mut n = 2;
        while !emails.insert(email.clone()) {
            email = format!("{local}{n}@{}", s.domain);
            n += 1;
        }
        // Pro for most, then Basic, then Plus where the account has it.
        let license = match self.rng.random_range(0..100) {
            0..60 => License::Pro,
            60..85 => License::Basic,
            _ => licenses
                .iter()
                .find(|l| **l == License::Plus)
                .cloned()
                .unwrap_or(License::Basic),
        };
        let invited =
            s.created.0 + Duration::minutes(self.rng.random_range(60..(5 * 365 * 24 * 60)));
        let roll: f64 = self.rng.random();
        let (reg, inv, registered_on) = if roll < s.suspended {
            let on = invited + Duration::hours(self.rng.random_range(1..200));
            (
                RegistrationStatus::Suspended,
                InviteStatus::Accepted,
                Some(on),
            )
        } else if roll < s.suspended + s.unregistered {
            let inv = if self.rng.random_bool(0.2) {
                InviteStatus::Failed
            } else {
                InviteStatus::Pending
            };
            (RegistrationStatus::Unregistered, inv, None)
        } else {
            let on = invited + Duration::hours(self.rng.random_range(1..200));
            (
                RegistrationStatus::Registered,
                InviteStatus::Accepted,
                Some(on),
            )
        };
        let a4b = self
            .rng
            .random_bool(s.a4b)
            .then(|| AlexaForBusinessMetadata {
                is_alexa_for_business_enabled: Some(true),
                alexa_for_business_room_arn: Some(Sensitive::new(format!(
                    "arn:aws:a4b:us-east-1:{AWS_ACCOUNT_ID}:room/{:032x}",
                    self.rng.random::<u128>()
                ))),
            });
        let phone = self
            .rng
            .random_bool(0.3)
            .then(|| Sensitive::new(format!("+1206555{:04}", self.rng.random_range(0..10000))));
        User {
            user_id: self.uuid(),
            account_id: None,
            primary_email: Some(Sensitive::new(email)),
            primary_provisioned_number: phone,
            display_name: Some(Sensitive::new(display)),
            license_type: Some(license),
            user_type: Some(if shared {
                UserType::SharedDevice
            } else {
                UserType::PrivateUser
            }),
            user_registration_status: Some(reg),
            user_invitation_status: Some(inv),
            registered_on: registered_on.map(Timestamp),
            invited_on: Some(Timestamp(invited)),
            alexa_for_business_metadata: a4b,
            personal_pin: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_is_deterministic_and_varied() {
        let a = DataSet::demo();
        let b = DataSet::demo();
        assert_eq!(
            serde_json::to_string(&a).expect("ser"),
            serde_json::to_string(&b).expect("ser")
        );
        assert!(a.accounts.len() >= 3);
        let big = &a.accounts[0];
        assert_eq!(big.users.len(), 5000);
        assert_eq!(big.account.account_type, Some(AccountType::EnterpriseLWA));
        let has = |f: &dyn Fn(&User) -> bool| big.users.iter().any(f);
        assert!(has(&|u| u.is_suspended()));
        assert!(has(&|u| u.user_type == Some(UserType::SharedDevice)));
        assert!(has(&|u| u.license_type == Some(License::Basic)));
        assert!(has(&|u| u.license_type == Some(License::Plus)));
        assert!(has(&|u| u.a4b_enabled() == Some(true)));
        assert!(has(
            &|u| u.user_invitation_status == Some(InviteStatus::Pending)
        ));
        let team = a
            .accounts
            .iter()
            .find(|a| a.account.account_type == Some(AccountType::Team))
            .expect("a team account");
        assert_eq!(
            team.account.supported_licenses,
            Some(vec![License::Basic, License::Pro])
        );
        assert!(
            team.users
                .iter()
                .all(|u| u.license_type != Some(License::Plus))
        );
    }
}
