//! The accounts, users and seed files the tests build again and again, as
//! the wire (and `serve --seed`) spells them. Each builder gives one plain,
//! valid value; a test changes what its story needs with [`with`].

use std::path::{Path, PathBuf};

use serde_json::{Value, json};

/// An active EnterpriseLWA account `id` named `name`: Pro by default, all
/// three licenses supported.
pub fn account(id: &str, name: &str) -> Value {
    json!({
        "AwsAccountId": "111122223333",
        "AccountId": id,
        "Name": name,
        "AccountType": "EnterpriseLWA",
        "DefaultLicense": "Pro",
        "SupportedLicenses": ["Basic", "Plus", "Pro"],
        "AccountStatus": "Active",
    })
}

/// A registered private user `id` with a Plus license and this email.
pub fn user(id: &str, email: &str) -> Value {
    json!({
        "UserId": id,
        "PrimaryEmail": email,
        "LicenseType": "Plus",
        "UserType": "PrivateUser",
        "UserRegistrationStatus": "Registered",
    })
}

/// `value` (an object) with `fields` set over it.
pub fn with(mut value: Value, fields: Value) -> Value {
    if let (Some(v), Value::Object(f)) = (value.as_object_mut(), fields) {
        v.extend(f);
    }
    value
}

/// A data set for `serve --seed`: these accounts, each with its users.
pub fn seed(accounts: Vec<(Value, Vec<Value>)>) -> Value {
    let accounts: Vec<Value> = accounts
        .into_iter()
        .map(|(account, users)| json!({"Account": account, "Users": users}))
        .collect();
    json!({ "Accounts": accounts })
}

/// [`seed`] written to `dir/seed.json`; its path.
pub fn seed_file(dir: &Path, accounts: Vec<(Value, Vec<Value>)>) -> PathBuf {
    let path = dir.join("seed.json");
    std::fs::write(&path, seed(accounts).to_string()).expect("write the seed file");
    path
}

/// The story most service tests start from: account `lwa-1` ("LWA") with
/// one registered Plus user `uid`, sam@lwa.example.
pub fn lwa_with_sam(uid: &str) -> Vec<(Value, Vec<Value>)> {
    vec![(account("lwa-1", "LWA"), vec![user(uid, "sam@lwa.example")])]
}
