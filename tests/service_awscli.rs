//! The real `chime-admin serve` binary, driven by the real AWS CLI and boto3
//! (independent clients): all 21 operations, the errors they answer, the
//! state afterwards, `--state` surviving `kill -9`, faults, the request log
//! and a graceful SIGTERM.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::{Value, json};

mod support;
use support::{Serve, fixtures};

/// An empty config and credentials file, so nothing on this machine leaks in.
struct AwsEnv {
    dir: tempfile::TempDir,
}

impl AwsEnv {
    fn new() -> AwsEnv {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("config"), "").expect("config");
        std::fs::write(dir.path().join("credentials"), "").expect("credentials");
        AwsEnv { dir }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn command(&self, program: &str) -> Command {
        let mut c = Command::new(program);
        c.env("HOME", self.dir.path())
            .env("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
            .env("AWS_SECRET_ACCESS_KEY", "secret")
            .env_remove("AWS_SESSION_TOKEN")
            .env_remove("AWS_PROFILE")
            .env_remove("AWS_ENDPOINT_URL")
            .env_remove("AWS_ENDPOINT_URL_CHIME")
            .env("AWS_CONFIG_FILE", self.dir.path().join("config"))
            .env(
                "AWS_SHARED_CREDENTIALS_FILE",
                self.dir.path().join("credentials"),
            )
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env("AWS_PAGER", "")
            .env("AWS_MAX_ATTEMPTS", "1");
        c
    }
}

struct Out {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Out {
    fn json(&self) -> Value {
        assert_eq!(self.code, 0, "aws failed: {}", self.stderr);
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {:?}", self.stdout))
    }

    /// Asserts the AWS CLI reported this service error and exited with its
    /// service-error code: 255 (v1) or 254 (v2).
    fn error(&self, exception: &str, operation: &str) -> &str {
        assert!(
            self.code == 255 || self.code == 254,
            "expected {exception} (exit 255 or 254), got exit {}; stdout {}",
            self.code,
            self.stdout
        );
        let prefix =
            format!("An error occurred ({exception}) when calling the {operation} operation: ");
        assert!(
            self.stderr.contains(&prefix),
            "expected {prefix:?} in {:?}",
            self.stderr
        );
        self.stderr.trim()
    }

    fn empty(&self) {
        assert_eq!(self.code, 0, "aws failed: {}", self.stderr);
        assert_eq!(self.stdout.trim(), "", "expected no output");
    }
}

fn aws(env: &AwsEnv, server: &Serve, args: &[&str]) -> Out {
    let out = env
        .command("aws")
        .arg("chime")
        .args(args)
        .args([
            "--endpoint-url",
            &server.url,
            "--region",
            "us-east-1",
            "--output",
            "json",
        ])
        .output()
        .expect("the aws CLI runs");
    Out {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/boto3_ops.py")
}

fn boto3(env: &AwsEnv, args: &[&str]) -> Value {
    let out = env
        .command("python3")
        .arg(script())
        .args(args)
        .output()
        .expect("python3 runs");
    assert!(
        out.status.success(),
        "boto3 script failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("the script prints JSON")
}

fn s(v: &Value) -> &str {
    v.as_str().unwrap_or_else(|| panic!("not a string: {v}"))
}

/// A `serve` and a Team account in it (`id`), driven through the AWS CLI:
/// the stage of the account and user stories below.
struct Team {
    env: AwsEnv,
    srv: Serve,
    /// The Team account's id.
    id: String,
}

impl Team {
    /// An empty `serve` (ListAccounts lists none) and Team account "Team
    /// A" created in it: the stage, and what CreateAccount answered.
    fn alone() -> (Team, Value) {
        let env = AwsEnv::new();
        let srv = Serve::start(&["--empty"]);
        assert_eq!(
            aws(&env, &srv, &["list-accounts"]).json(),
            json!({"Accounts": []})
        );
        let created =
            aws(&env, &srv, &["create-account", "--name", "Team A"]).json()["Account"].clone();
        let id = s(&created["AccountId"]).to_string();
        (Team { env, srv, id }, created)
    }

    /// A `serve` seeded with EnterpriseLWA account `lwa-1` (user
    /// `lwa-user-1`, suspended) and Team account "Users" created through
    /// the AWS CLI.
    fn users_stage() -> Team {
        let env = AwsEnv::new();
        let sam = fixtures::with(
            fixtures::user("lwa-user-1", "sam@lwa.example"),
            json!({"UserRegistrationStatus": "Suspended", "UserInvitationStatus": "Accepted",
                   "RegisteredOn": "2021-01-02T03:04:05.000Z"}),
        );
        let seed = fixtures::seed_file(
            env.path(),
            vec![(fixtures::account("lwa-1", "LWA"), vec![sam])],
        );
        let srv = Serve::start(&["--seed", seed.to_str().expect("utf-8")]);
        let id = s(
            &aws(&env, &srv, &["create-account", "--name", "Users"]).json()["Account"]["AccountId"],
        )
        .to_string();
        Team { env, srv, id }
    }

    fn a(&self, args: &[&str]) -> Out {
        aws(&self.env, &self.srv, args)
    }

    /// `OP --account-id TEAM REST…`.
    fn on_account(&self, op: &str, rest: &[&str]) -> Out {
        let mut args = vec![op, "--account-id", &self.id];
        args.extend(rest);
        self.a(&args)
    }

    /// `OP --account-id TEAM --user-id USER REST…`.
    fn on_user(&self, op: &str, user: &str, rest: &[&str]) -> Out {
        let mut args = vec![op, "--account-id", &self.id, "--user-id", user];
        args.extend(rest);
        self.a(&args)
    }

    /// CreateUser u@y.co ("U") in the Team account: its id.
    fn create_user(&self) -> String {
        s(&self
            .a(&[
                "create-user",
                "--account-id",
                &self.id,
                "--email",
                "u@y.co",
                "--username",
                "U",
            ])
            .json()["User"]["UserId"])
        .to_string()
    }

    /// InviteUsers x@y.co and z@y.co as shared devices: the invites.
    fn invite_two(&self) -> Vec<Value> {
        self.a(&[
            "invite-users",
            "--account-id",
            &self.id,
            "--user-email-list",
            "x@y.co",
            "z@y.co",
            "--user-type",
            "SharedDevice",
        ])
        .json()["Invites"]
            .as_array()
            .expect("Invites")
            .clone()
    }

    /// GetAccount: the account.
    fn get(&self) -> Value {
        self.on_account("get-account", &[]).json()["Account"].clone()
    }

    /// CreateUser Alice@Example.com ("Alice", private) in the account.
    fn create_alice(&self) -> Value {
        self.on_account(
            "create-user",
            &[
                "--email",
                "Alice@Example.com",
                "--username",
                "Alice",
                "--user-type",
                "PrivateUser",
            ],
        )
        .json()["User"]
            .clone()
    }
}

/// CreateAccount in an empty service: a Team account, Basic and Pro, Pro
/// by default, active, created now; GetAccount gives the same back.
#[test]
fn aws_cli_creates_a_team_account_and_gets_it_back() {
    let (t, created) = Team::alone();
    assert_eq!(created["AccountType"], "Team");
    assert_eq!(created["SupportedLicenses"], json!(["Basic", "Pro"]));
    assert_eq!(created["DefaultLicense"], "Pro");
    assert_eq!(created["AccountStatus"], "Active");
    assert!(s(&created["CreatedTimestamp"]).ends_with('Z'));
    assert_eq!(t.get(), created);
}

/// UpdateAccount renames and changes the default license, which a new
/// user then gets; a license the account does not support or a name over
/// 100 characters is refused and changes nothing. ListAccounts finds it by
/// its new name, not its old one.
#[test]
fn aws_cli_updates_an_account_refuses_bad_values_and_lists_it_by_name() {
    let (t, _) = Team::alone();
    let updated = t
        .on_account(
            "update-account",
            &["--name", "Team B", "--default-license", "Basic"],
        )
        .json();
    assert_eq!(updated["Account"]["Name"], "Team B");
    assert_eq!(updated["Account"]["DefaultLicense"], "Basic");
    t.on_account("update-account", &["--default-license", "Plus"])
        .error("BadRequestException", "UpdateAccount");
    t.on_account("update-account", &["--name", &"n".repeat(101)])
        .error("BadRequestException", "UpdateAccount");
    assert_eq!(t.get()["Name"], "Team B");
    assert_eq!(t.get()["DefaultLicense"], "Basic");
    assert_eq!(
        t.create_alice()["LicenseType"],
        "Basic",
        "the account's default license"
    );
    assert_eq!(
        t.a(&["list-accounts", "--name", "Team B"]).json()["Accounts"][0]["AccountId"],
        t.id.as_str()
    );
    assert_eq!(
        t.a(&["list-accounts", "--name", "Team A"]).json()["Accounts"],
        json!([])
    );
}

/// GetAccountSettings starts at remote control on and dial-out on;
/// UpdateAccountSettings changes both.
#[test]
fn aws_cli_account_settings_are_read_and_changed() {
    let (t, _) = Team::alone();
    assert_eq!(
        t.on_account("get-account-settings", &[]).json(),
        json!({"AccountSettings": {"DisableRemoteControl": false, "EnableDialOut": true}})
    );
    t.on_account(
        "update-account-settings",
        &[
            "--account-settings",
            "DisableRemoteControl=true,EnableDialOut=false",
        ],
    )
    .empty();
    assert_eq!(
        t.on_account("get-account-settings", &[]).json(),
        json!({"AccountSettings": {"DisableRemoteControl": true, "EnableDialOut": false}})
    );
}

/// Sign-in delegate groups: associating the same groups twice keeps one of
/// each, disassociating one twice removes it once; the CLI prints nothing.
#[test]
fn aws_cli_signin_delegate_groups_are_added_and_removed_idempotently() {
    let (t, _) = Team::alone();
    for _ in 0..2 {
        t.on_account(
            "associate-signin-delegate-groups-with-account",
            &["--signin-delegate-groups", "GroupName=g1", "GroupName=g2"],
        )
        .empty(); // the CLI prints nothing for `{}`
    }
    assert_eq!(
        t.get()["SigninDelegateGroups"],
        json!([{"GroupName": "g1"}, {"GroupName": "g2"}])
    );
    for _ in 0..2 {
        t.on_account(
            "disassociate-signin-delegate-groups-from-account",
            &["--group-names", "g1"],
        )
        .empty();
    }
    assert_eq!(
        t.get()["SigninDelegateGroups"],
        json!([{"GroupName": "g2"}])
    );
}

/// A user's email, in any case, finds its account (ListAccounts
/// --user-email) and cannot be used for a second user; an email nobody has
/// finds none.
#[test]
fn aws_cli_a_users_email_finds_its_account_in_any_case_and_is_not_reused() {
    let (t, _) = Team::alone();
    t.create_alice();
    t.on_account("create-user", &["--email", "alice@example.COM"])
        .error("ConflictException", "CreateUser");
    assert_eq!(
        t.a(&["list-accounts", "--user-email", "ALICE@example.com"])
            .json()["Accounts"][0]["AccountId"],
        t.id.as_str()
    );
    assert_eq!(
        t.a(&["list-accounts", "--user-email", "bob@example.com"])
            .json()["Accounts"],
        json!([])
    );
}

/// A Team account with an active user cannot be deleted (the error says to
/// suspend) and nothing changes; once its user is suspended it is deleted,
/// and every call on it after that is NotFound.
#[test]
fn aws_cli_deletes_a_team_account_only_once_its_users_are_suspended() {
    let (t, created) = Team::alone();
    let uid = s(&t.create_alice()["UserId"]).to_string();
    let msg = t
        .on_account("delete-account", &[])
        .error("UnprocessableEntityException", "DeleteAccount")
        .to_string();
    assert!(msg.contains("suspend"), "{msg}");
    assert_eq!(t.get(), created, "nothing changed");
    assert_eq!(
        t.on_account("batch-suspend-user", &["--user-id-list", &uid])
            .json(),
        json!({"UserErrors": []})
    );
    t.on_account("delete-account", &[]).empty();
    t.on_account("get-account", &[])
        .error("NotFoundException", "GetAccount");
    t.on_account("update-account", &["--name", "Again"])
        .error("NotFoundException", "UpdateAccount");
    t.on_account("create-user", &["--email", "c@d.co"])
        .error("NotFoundException", "CreateUser");
    t.on_account("delete-account", &[])
        .error("NotFoundException", "DeleteAccount");
    assert_eq!(t.a(&["list-accounts"]).json(), json!({"Accounts": []}));
}

/// InviteUsers: pending invites; an email already there (any case) or not
/// an email at all is refused.
#[test]
fn aws_cli_invites_users_and_refuses_duplicates_and_bad_emails() {
    let t = Team::users_stage();
    let invites = t.invite_two();
    assert_eq!(invites.len(), 2);
    assert_eq!(invites[0]["EmailAddress"], "x@y.co");
    assert_eq!(invites[0]["Status"], "Pending");
    t.on_account("invite-users", &["--user-email-list", "new@y.co", "X@Y.CO"])
        .error("ConflictException", "InviteUsers");
    t.on_account("invite-users", &["--user-email-list", "not-an-email"])
        .error("BadRequestException", "InviteUsers");
}

/// CreateUser then GetUser: the same user, Pro, private, unregistered,
/// invitation pending, and no PersonalPIN.
#[test]
fn aws_cli_creates_a_user_and_gets_it_back_without_a_pin() {
    let t = Team::users_stage();
    let u = t
        .on_account("create-user", &["--email", "u@y.co", "--username", "U"])
        .json()["User"]
        .clone();
    let uid = s(&u["UserId"]).to_string();
    let got = t.on_user("get-user", &uid, &[]).json()["User"].clone();
    assert_eq!(got, u, "GetUser answers what CreateUser did");
    assert_eq!(got["AccountId"], t.id.as_str());
    assert_eq!(got["LicenseType"], "Pro");
    assert_eq!(got["UserType"], "PrivateUser");
    assert_eq!(got["UserRegistrationStatus"], "Unregistered");
    assert_eq!(got["UserInvitationStatus"], "Pending");
    assert!(got.get("PersonalPIN").is_none());
}

/// ListUsers over three users: filters by email (any case) and type, one
/// page at a time or followed by the CLI; bad filters and accounts refused.
#[test]
fn aws_cli_lists_users_by_email_type_and_page() {
    let t = Team::users_stage();
    t.invite_two();
    t.create_user();
    let all = t.on_account("list-users", &[]).json();
    assert_eq!(all["Users"].as_array().expect("users").len(), 3);
    assert_eq!(
        t.on_account("list-users", &["--user-email", "X@y.CO"])
            .json()["Users"][0]["PrimaryEmail"],
        "x@y.co"
    );
    assert_eq!(
        t.on_account("list-users", &["--user-type", "SharedDevice"])
            .json()["Users"]
            .as_array()
            .expect("users")
            .len(),
        2
    );
    let page = t
        .on_account("list-users", &["--max-results", "1", "--no-paginate"])
        .json();
    assert_eq!(page["Users"].as_array().expect("users").len(), 1);
    let token = s(&page["NextToken"]).to_string();
    let page2 = t
        .on_account(
            "list-users",
            &[
                "--max-results",
                "1",
                "--next-token",
                &token,
                "--no-paginate",
            ],
        )
        .json();
    assert_ne!(page2["Users"][0]["UserId"], page["Users"][0]["UserId"]);
    let paged = t.on_account("list-users", &["--page-size", "1"]).json();
    assert_eq!(
        paged["Users"], all["Users"],
        "the CLI follows NextToken to the same list"
    );
    t.on_account("list-users", &["--max-results", "500"])
        .error("BadRequestException", "ListUsers");
    t.on_account("list-users", &["--next-token", "2"])
        .error("BadRequestException", "ListUsers");
    t.on_account("list-users", &["--user-type", "Robot"])
        .error("BadRequestException", "ListUsers");
    t.a(&["list-users", "--account-id", "nope"])
        .error("NotFoundException", "ListUsers");
}

/// UpdateUser: license, type and Alexa for Business metadata at once; an
/// unsupported or unknown license, a bad room ARN or user refused, and the
/// user as the last good update left it.
#[test]
fn aws_cli_updates_a_user_and_validates_every_field() {
    let t = Team::users_stage();
    let uid = t.create_user();
    let arn = "arn:aws:a4b:us-east-1:123456789012:room/abc";
    let upd = t
        .on_user(
            "update-user",
            &uid,
            &[
                "--license-type",
                "Basic",
                "--user-type",
                "SharedDevice",
                "--alexa-for-business-metadata",
                &format!("IsAlexaForBusinessEnabled=true,AlexaForBusinessRoomArn={arn}"),
            ],
        )
        .json()["User"]
        .clone();
    assert_eq!(upd["LicenseType"], "Basic");
    assert_eq!(upd["UserType"], "SharedDevice");
    assert_eq!(
        upd["AlexaForBusinessMetadata"],
        json!({"IsAlexaForBusinessEnabled": true, "AlexaForBusinessRoomArn": arn})
    );
    t.on_user("update-user", &uid, &["--license-type", "Plus"])
        .error("BadRequestException", "UpdateUser");
    t.on_user("update-user", &uid, &["--license-type", "Gold"])
        .error("BadRequestException", "UpdateUser");
    t.on_user(
        "update-user",
        &uid,
        &[
            "--alexa-for-business-metadata",
            "AlexaForBusinessRoomArn=room-1",
        ],
    )
    .error("BadRequestException", "UpdateUser");
    t.on_user("update-user", "nope", &["--license-type", "Pro"])
        .error("NotFoundException", "UpdateUser");
    assert_eq!(t.on_user("get-user", &uid, &[]).json()["User"], upd);
}

/// BatchUpdateUser: an unknown user is a per-user error while the others
/// change; an unsupported license is a per-user error; 21 items refused.
#[test]
fn aws_cli_batch_update_reports_per_user_errors_and_applies_the_rest() {
    let t = Team::users_stage();
    let uid = t.create_user();
    let r = t
        .on_account(
            "batch-update-user",
            &[
                "--update-user-request-items",
                &format!("UserId={uid},LicenseType=Pro"),
                "UserId=nope,LicenseType=Pro",
            ],
        )
        .json();
    assert_eq!(
        r["UserErrors"],
        json!([{"UserId": "nope", "ErrorCode": "NotFound", "ErrorMessage": "User nope not found"}])
    );
    assert_eq!(
        t.on_user("get-user", &uid, &[]).json()["User"]["LicenseType"],
        "Pro"
    );
    let r = t
        .on_account(
            "batch-update-user",
            &[
                "--update-user-request-items",
                &format!("UserId={uid},LicenseType=Plus"),
            ],
        )
        .json();
    assert_eq!(r["UserErrors"][0]["ErrorCode"], "BadRequest");
    let many: Vec<String> = (0..21)
        .map(|i| format!("UserId=u{i},LicenseType=Pro"))
        .collect();
    let mut args = vec![
        "batch-update-user",
        "--account-id",
        &t.id,
        "--update-user-request-items",
    ];
    args.extend(many.iter().map(String::as_str));
    t.a(&args).error("BadRequestException", "BatchUpdateUser");
}

/// ResetPersonalPIN gives a new 10-digit PIN each time; LogoutUser; user
/// settings read and changed.
#[test]
fn aws_cli_resets_pins_logs_out_and_changes_user_settings() {
    let t = Team::users_stage();
    let uid = t.create_user();
    let pin1 =
        s(&t.on_user("reset-personal-pin", &uid, &[]).json()["User"]["PersonalPIN"]).to_string();
    let pin2 =
        s(&t.on_user("reset-personal-pin", &uid, &[]).json()["User"]["PersonalPIN"]).to_string();
    assert!(
        pin1.len() == 10 && pin1.bytes().all(|b| b.is_ascii_digit()),
        "{pin1}"
    );
    assert_ne!(pin1, pin2);
    t.on_user("logout-user", &uid, &[]).empty();
    t.on_user("logout-user", "nope", &[])
        .error("NotFoundException", "LogoutUser");
    assert_eq!(
        t.on_user("get-user-settings", &uid, &[]).json(),
        json!({"UserSettings": {"Telephony": {"InboundCalling": true, "OutboundCalling": true, "SMS": true}}})
    );
    t.on_user(
        "update-user-settings",
        &uid,
        &[
            "--user-settings",
            "Telephony={InboundCalling=false,OutboundCalling=true,SMS=false}",
        ],
    )
    .empty();
    assert_eq!(
        t.on_user("get-user-settings", &uid, &[]).json()["UserSettings"]["Telephony"],
        json!({"InboundCalling": false, "OutboundCalling": true, "SMS": false})
    );
}

/// BatchSuspendUser: the user suspended, an unknown one a per-user error;
/// a suspended user refuses updates (409, per user in batches); 51 ids
/// refused; Team users cannot be unsuspended; nothing refused was applied.
#[test]
fn aws_cli_suspended_team_users_refuse_changes_and_are_not_unsuspended() {
    let t = Team::users_stage();
    let uid = t.create_user();
    let r = t
        .on_account("batch-suspend-user", &["--user-id-list", &uid, "nope"])
        .json();
    assert_eq!(r["UserErrors"][0]["UserId"], "nope");
    assert_eq!(r["UserErrors"].as_array().expect("errors").len(), 1);
    assert_eq!(
        t.on_user("get-user", &uid, &[]).json()["User"]["UserRegistrationStatus"],
        "Suspended"
    );
    let msg = t
        .on_user("update-user", &uid, &["--license-type", "Basic"])
        .error("ConflictException", "UpdateUser")
        .to_string();
    assert!(msg.ends_with("User is suspended"), "{msg}");
    let r = t
        .on_account(
            "batch-update-user",
            &[
                "--update-user-request-items",
                &format!("UserId={uid},LicenseType=Basic"),
            ],
        )
        .json();
    assert_eq!(
        r["UserErrors"],
        json!([{"UserId": uid, "ErrorCode": "Conflict", "ErrorMessage": "User is suspended"}])
    );
    let ids51: Vec<String> = (0..51).map(|i| format!("u{i}")).collect();
    let mut args = vec![
        "batch-suspend-user",
        "--account-id",
        &t.id,
        "--user-id-list",
    ];
    args.extend(ids51.iter().map(String::as_str));
    t.a(&args).error("BadRequestException", "BatchSuspendUser");
    // Team users rejoin by invitation: no unsuspend; the refused changes were not applied.
    t.on_account("batch-unsuspend-user", &["--user-id-list", &uid])
        .error("BadRequestException", "BatchUnsuspendUser");
    let still = t.on_user("get-user", &uid, &[]).json()["User"].clone();
    assert_eq!(still["UserRegistrationStatus"], "Suspended");
    assert_eq!(still["LicenseType"], "Pro");
}

/// In the seeded EnterpriseLWA account, unsuspend returns a user to
/// Registered and invites are refused; ListAccounts --name is a prefix.
#[test]
fn aws_cli_unsuspends_enterprise_lwa_users_and_filters_accounts_by_prefix() {
    let t = Team::users_stage();
    let r = t
        .a(&[
            "batch-unsuspend-user",
            "--account-id",
            "lwa-1",
            "--user-id-list",
            "lwa-user-1",
            "nope",
        ])
        .json();
    assert_eq!(r["UserErrors"][0]["ErrorCode"], "NotFound");
    let back = t
        .a(&[
            "get-user",
            "--account-id",
            "lwa-1",
            "--user-id",
            "lwa-user-1",
        ])
        .json()["User"]
        .clone();
    assert_eq!(back["UserRegistrationStatus"], "Registered");
    assert_eq!(back["PrimaryEmail"], "sam@lwa.example");
    t.a(&[
        "invite-users",
        "--account-id",
        "lwa-1",
        "--user-email-list",
        "new@lwa.example",
    ])
    .error("BadRequestException", "InviteUsers");
    assert_eq!(
        t.a(&["list-accounts", "--name", "LW"]).json()["Accounts"][0]["AccountId"],
        "lwa-1",
        "Name filters by prefix"
    );
}

/// NotFound for an unknown user (named in the message) and its settings;
/// BadRequest for a bad email, a 101-character name and an empty id.
#[test]
fn aws_cli_refuses_unknown_users_and_invalid_input() {
    let t = Team::users_stage();
    let msg = t
        .on_user("get-user", "no-such-user", &[])
        .error("NotFoundException", "GetUser")
        .to_string();
    assert!(msg.contains("no-such-user"));
    t.on_user("get-user-settings", "nope", &[])
        .error("NotFoundException", "GetUserSettings");
    t.on_account("create-user", &["--email", "not-an-email"])
        .error("BadRequestException", "CreateUser");
    t.a(&["create-account", "--name", &"x".repeat(101)])
        .error("BadRequestException", "CreateAccount");
    t.a(&["get-account", "--account-id", ""])
        .error("BadRequestException", "GetAccount");
}

#[test]
fn boto3_exceptions_and_paging_on_the_demo_data() {
    let env = AwsEnv::new();
    let srv = Serve::start(&[
        "--access-key",
        "AKIDEXAMPLE:secret",
        "--access-key",
        "AKIDREADONLY:ro-secret:read-only",
    ]);
    let r = boto3(&env, &["errors", &srv.url]);
    assert_eq!(r["paged_users"], 5000);
    assert_eq!(r["distinct_users"], 5000);
    assert_eq!(r["not_found"], "NotFoundException/NotFoundException");
    assert_eq!(r["modeled_catch"], "NotFoundException");
    assert_eq!(r["conflict"], "ConflictException/ConflictException");
    for k in [
        "bad_request_max_results",
        "bad_request_ids",
        "bad_request_name",
        "bad_request_email",
        "bad_request_license",
        "bad_request_empty_account",
        "bad_request_token",
    ] {
        assert_eq!(r[k], "BadRequestException/BadRequestException", "{k}");
    }
    assert_eq!(
        r["unprocessable"],
        "UnprocessableEntityException/UnprocessableEntityException"
    );
    assert_eq!(r["team_still_there"], "boto3 team");
    assert_eq!(r["forbidden"], "ForbiddenException/ForbiddenException");
    assert_eq!(r["read_only_can_read"], Value::Null);
    assert_eq!(r["unrecognized"], "ClientError/UnrecognizedClientException");
    assert_eq!(
        r["invalid_signature"],
        "ClientError/InvalidSignatureException"
    );
}

#[test]
fn faults_are_injected_and_items_that_fail_are_not_applied() {
    let env = AwsEnv::new();
    let throttled = Serve::start(&["--empty", "--throttle-rps", "2"]);
    let failing = Serve::start(&["--empty", "--fail-rate", "1"]);
    let item_failing = Serve::start(&["--item-fail-rate", "1", "--fault-seed", "3"]);
    let r = boto3(
        &env,
        &["faults", &throttled.url, &failing.url, &item_failing.url],
    );
    let throttles = r["throttled"].as_array().expect("list");
    assert_eq!(throttles[0], Value::Null, "the first requests pass");
    assert!(
        throttles
            .iter()
            .any(|t| t == "ThrottledClientException/ThrottledClientException"),
        "{throttles:?}"
    );
    assert_eq!(
        r["failing"],
        "ServiceUnavailableException/ServiceUnavailableException"
    );
    assert_eq!(r["item_errors"], json!(vec!["ServiceFailure"; 5]));
    assert_eq!(r["unchanged"], true);

    // Latency: every answer is held, and the request log says by how much
    // (timing the `aws` process would measure Python's start-up too).
    let log = env.path().join("latency.jsonl");
    let slow = Serve::start(&[
        "--empty",
        "--latency-ms",
        "400",
        "--request-log",
        log.to_str().expect("utf-8 path"),
    ]);
    assert_eq!(
        aws(&env, &slow, &["list-accounts"]).json(),
        json!({"Accounts": []})
    );
    let lines = support::json_lines(&log);
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert_eq!(lines[0]["operation"], "ListAccounts", "{lines:?}");
    assert_eq!(lines[0]["delay_ms"], 400, "{lines:?}");
    assert!(
        lines[0]["latency_ms"].as_f64().expect("latency_ms") >= 400.0,
        "{lines:?}"
    );
}

fn dump(env: &AwsEnv, url: &str) -> serde_json::Map<String, Value> {
    boto3(env, &["dump", url])
        .as_object()
        .expect("a map")
        .clone()
}

/// One BatchUpdateUser of boto3's `stream`, acknowledged: its number and
/// its 20 users (each given room ARN `batch-N`).
type Batch = (u64, Vec<String>);

/// Runs boto3's `stream` against `url` until `until` batches are
/// acknowledged (or, with None, to its end), then `stop()`s and reaps the
/// script: the acknowledged batches, in order.
fn stream(env: &AwsEnv, url: &str, until: Option<usize>, stop: impl FnOnce()) -> Vec<Batch> {
    let mut script = env
        .command("python3")
        .arg(script())
        .args(["stream", url])
        .stdout(Stdio::piped())
        .spawn()
        .expect("python3 runs");
    let lines = BufReader::new(script.stdout.take().expect("stdout")).lines();
    let mut acknowledged: Vec<Batch> = Vec::new();
    for line in lines {
        let v: Value = serde_json::from_str(&line.expect("a line")).expect("JSON");
        if let Some(b) = v["batch"].as_u64() {
            assert_eq!(v["errors"], 0);
            let users = v["users"].as_array().expect("users");
            acknowledged.push((b, users.iter().map(|u| s(u).to_string()).collect()));
            if Some(acknowledged.len()) == until {
                break;
            }
        }
    }
    stop();
    // The script sees the service die, or had one more batch in flight.
    let _ = script.kill();
    let _ = script.wait();
    acknowledged
}

/// The room ARN boto3's `stream` gives the users of batch `b`.
fn batch_arn(b: u64) -> String {
    format!("arn:aws:a4b:us-east-1:111122223333:room/batch-{b}")
}

/// `serve --state` killed with SIGKILL after 40 acknowledged batches: once
/// started again on the same file, every demo user is there, every
/// acknowledged batch whole, and the next batch whole or absent.
#[test]
fn state_survives_kill_9_with_every_acknowledged_batch_whole() {
    let env = AwsEnv::new();
    let db = env.path().join("state.db");
    let mut srv = Serve::builder().state(&db).start();
    assert!(db.exists(), "the state file is created from the demo data");
    let url = srv.url.clone();
    let acknowledged = stream(&env, &url, Some(40), || srv.kill9());
    assert_eq!(acknowledged.len(), 40);

    let srv2 = Serve::builder().state(&db).start();
    let users = dump(&env, &srv2.url);
    assert_eq!(
        users.len(),
        5000 + 42 + 350 + 3,
        "every demo user is still there"
    );
    for (b, ids) in &acknowledged {
        let arn = batch_arn(*b);
        for id in ids {
            assert_eq!(
                users[id],
                arn.as_str(),
                "acknowledged batch {b} lost user {id}"
            );
        }
    }
    // The batch after the last acknowledged one: whole or absent, never half.
    let next = batch_arn(acknowledged.len() as u64);
    let n = users.values().filter(|v| v.as_str() == Some(&next)).count();
    assert!(n == 0 || n == 20, "a half-applied batch: {n} of 20");
}

/// SIGTERM: a graceful stop with exit 0, and started again on the same
/// `--state` file the service has every change made before.
#[test]
fn sigterm_stops_serve_with_exit_0_and_keeps_the_state() {
    let env = AwsEnv::new();
    let db = env.path().join("state.db");
    let srv = Serve::builder().state(&db).start();
    let acknowledged = stream(&env, &srv.url, None, || ());
    let before = dump(&env, &srv.url);
    let (b, ids) = &acknowledged[0];
    assert_eq!(before[&ids[0]], batch_arn(*b).as_str(), "a change was made");
    assert_eq!(srv.terminate(), Some(0));
    let srv2 = Serve::builder().state(&db).start();
    assert_eq!(dump(&env, &srv2.url), before);
}

/// The request log: one line per request, each BatchUpdateUser with the ids
/// it changed (exactly the batch's users), its latency and no error; no
/// email, secret or key anywhere.
#[test]
fn the_request_log_names_the_users_each_request_changed_and_no_email_or_key() {
    let env = AwsEnv::new();
    let log = env.path().join("requests.jsonl");
    let srv = Serve::start(&["--request-log", log.to_str().expect("utf-8 path")]);
    let acknowledged = stream(&env, &srv.url, None, || ());
    assert!(acknowledged.len() >= 40, "{}", acknowledged.len());
    let text = std::fs::read_to_string(&log).expect("the request log");
    assert!(!text.contains('@'), "an email in the request log");
    assert!(
        !text.contains("secret") && !text.contains("AKID"),
        "a key in the request log"
    );
    let updates: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).expect("JSON line"))
        .filter(|v| v["operation"] == "BatchUpdateUser" && v["status"] == 200)
        .collect();
    assert_eq!(updates.len(), acknowledged.len());
    for (u, (b, ids)) in updates.iter().zip(&acknowledged) {
        let changed: Vec<&str> = u["changed_user_ids"]
            .as_array()
            .expect("ids")
            .iter()
            .map(s)
            .collect();
        assert_eq!(changed, *ids, "batch {b}");
    }
    assert!(
        updates
            .iter()
            .all(|u| u["latency_ms"].is_number() && u["error_type"].is_null())
    );
}

/// AWS: "Previously suspended users who are unsuspended using this action
/// are returned to Registered status" — whatever they were before, and
/// whether or not a registration date is known (the README's seed example
/// has none).
#[test]
fn aws_cli_batch_unsuspend_user_returns_users_to_registered() {
    let env = AwsEnv::new();
    let seed = fixtures::seed_file(env.path(), fixtures::lwa_with_sam("u-1"));
    let srv = Serve::start(&["--seed", seed.to_str().expect("utf-8")]);
    let a = |args: &[&str]| aws(&env, &srv, args);
    let created = a(&[
        "create-user",
        "--account-id",
        "lwa-1",
        "--email",
        "new@lwa.example",
    ])
    .json();
    let new = s(&created["User"]["UserId"]).to_string();
    let status = |uid: &str| {
        s(&a(&["get-user", "--account-id", "lwa-1", "--user-id", uid]).json()["User"]
            ["UserRegistrationStatus"])
        .to_string()
    };
    assert_eq!(status("u-1"), "Registered");
    assert_eq!(status(&new), "Unregistered");
    for op in ["batch-suspend-user", "batch-unsuspend-user"] {
        let r = a(&[op, "--account-id", "lwa-1", "--user-id-list", "u-1", &new]).json();
        assert_eq!(r, json!({"UserErrors": []}), "{op}");
        let expected = if op == "batch-suspend-user" {
            "Suspended"
        } else {
            "Registered"
        };
        assert_eq!(status("u-1"), expected, "{op}");
        assert_eq!(status(&new), expected, "{op}");
    }
    // Users not suspended are left as they are.
    let other = s(&a(&[
        "create-user",
        "--account-id",
        "lwa-1",
        "--email",
        "other@lwa.example",
    ])
    .json()["User"]["UserId"])
    .to_string();
    let r = a(&[
        "batch-unsuspend-user",
        "--account-id",
        "lwa-1",
        "--user-id-list",
        &other,
    ])
    .json();
    assert_eq!(r, json!({"UserErrors": []}));
    assert_eq!(status(&other), "Unregistered");
}
