//! The client against the local Chime service over real HTTP on 127.0.0.1:
//! every operation, every error path, paging over 5,000 users, and batches
//! under injected faults checked against the service's final state and its
//! request log. A few error paths need an answer no Chime would give (HTML,
//! a repeated NextToken): a tiny canned HTTP server on loopback gives those.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::HashMap;
use std::time::Duration;

use chime_admin::client::{
    ApiErrorKind, BatchOptions, Client, ClientEvent, ListUsersQuery, OutcomeResult, RetryConfig,
    Timeouts,
};
use chime_admin::model::validate::PAGE_SIZE;
use chime_admin::model::*;
use chime_admin::service::{DataSet, FaultConfig, RunningService, ServiceConfig, start};
use futures::StreamExt;
use tokio_util::sync::CancellationToken;

mod support;
use support::{Canned, Hostile, RefusingPort, Reply};

fn client(svc: &RunningService) -> Client {
    Client::with_static_credentials(&svc.endpoint_url(), "us-east-1", "AKIDEXAMPLE", "secret")
        .expect("client")
}

async fn account_id(c: &Client, name: &str) -> String {
    c.list_accounts(Some(name), None, None, None)
        .await
        .expect("list accounts")
        .accounts
        .into_iter()
        .find(|a| a.name == name)
        .expect("account exists")
        .account_id
}

async fn all_users(c: &Client, account: &str) -> Vec<User> {
    let mut pages =
        Box::pin(c.users_pages(account, &ListUsersQuery::default(), Some(PAGE_SIZE), None));
    let mut users = Vec::new();
    while let Some(p) = pages.next().await {
        users.extend(p.expect("page").users);
    }
    users
}

// ---------------------------------------------------------------- every operation

/// The demo service in process, a client of it, and Team account "Client
/// Test Co" created through the client: the stage of the stories below.
struct Stage {
    svc: RunningService,
    c: Client,
    /// The new Team account's id.
    acc: String,
}

impl Stage {
    async fn new() -> Stage {
        let svc = start(ServiceConfig::demo()).await.expect("service");
        let c = client(&svc);
        let created = c.create_account("Client Test Co").await.expect("create");
        assert_eq!(created.name, "Client Test Co");
        let acc = created.account_id;
        Stage { svc, c, acc }
    }

    /// CreateUser alice@client.test ("alice") in the account: her id.
    async fn alice(&self) -> String {
        let u = self
            .c
            .create_user(&self.acc, Some("alice"), Some("alice@client.test"), None)
            .await
            .expect("create user");
        assert_eq!(u.email(), "alice@client.test");
        u.user_id
    }

    async fn stop(self) {
        self.svc.shutdown().await.expect("shutdown");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_client_lists_the_demo_accounts_and_gets_one() {
    let svc = start(ServiceConfig::demo()).await.expect("service");
    let c = client(&svc);
    let all = c.list_accounts(None, None, None, None).await.expect("list");
    assert!(all.accounts.len() >= 4, "{}", all.accounts.len());
    let design = account_id(&c, "Design Studio").await;
    let got = c.get_account(&design).await.expect("get account");
    assert_eq!(got.name, "Design Studio");
    svc.shutdown().await.expect("shutdown");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_client_renames_an_account_and_changes_its_default_license() {
    let st = Stage::new().await;
    let (c, acc) = (&st.c, &st.acc);
    let renamed = c
        .update_account(acc, Some("Client Test Renamed"), Some(License::Basic))
        .await
        .expect("update account");
    assert_eq!(renamed.name, "Client Test Renamed");
    assert_eq!(renamed.default_license, Some(License::Basic));
    assert_eq!(
        c.get_account(acc).await.expect("get").name,
        "Client Test Renamed"
    );
    st.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_client_changes_account_settings() {
    let st = Stage::new().await;
    let settings = AccountSettings {
        disable_remote_control: Some(true),
        enable_dial_out: Some(false),
    };
    st.c.update_account_settings(&st.acc, &settings)
        .await
        .expect("update settings");
    assert_eq!(
        st.c.get_account_settings(&st.acc)
            .await
            .expect("get settings"),
        settings
    );
    st.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_client_adds_and_removes_signin_delegate_groups() {
    let st = Stage::new().await;
    let (c, acc) = (&st.c, &st.acc);
    let groups = vec![SigninDelegateGroup {
        group_name: Some("admins".into()),
    }];
    c.associate_signin_delegate_groups_with_account(acc, &groups)
        .await
        .expect("associate");
    let with = c.get_account(acc).await.expect("get");
    assert_eq!(with.signin_delegate_groups.as_deref(), Some(&groups[..]));
    c.disassociate_signin_delegate_groups_from_account(acc, &["admins".to_string()])
        .await
        .expect("disassociate");
    let without = c.get_account(acc).await.expect("get");
    assert!(
        without
            .signin_delegate_groups
            .as_ref()
            .is_none_or(|g| g.is_empty()),
        "{:?}",
        without.signin_delegate_groups
    );
    st.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_client_creates_a_user_gets_it_and_lists_users_by_email_and_type() {
    let st = Stage::new().await;
    let (c, acc) = (&st.c, &st.acc);
    let uid = st.alice().await;
    assert_eq!(c.get_user(acc, &uid).await.expect("get user").user_id, uid);
    let list = |user_email: Option<&str>, user_type: Option<UserType>| {
        let query = ListUsersQuery {
            user_email: user_email.map(|e| e.into()),
            user_type,
        };
        async move { c.list_users(acc, &query, None, None).await.expect("list") }
    };
    assert_eq!(list(Some("alice@client.test"), None).await.users.len(), 1);
    assert!(
        list(None, Some(UserType::SharedDevice))
            .await
            .users
            .is_empty()
    );
    st.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_client_invites_users_who_then_are_listed() {
    let st = Stage::new().await;
    st.alice().await;
    let invites =
        st.c.invite_user_list(
            &st.acc,
            &["bob@client.test".into(), "carol@client.test".into()],
            None,
        )
        .await
        .expect("invite");
    assert_eq!(invites.len(), 2);
    assert_eq!(all_users(&st.c, &st.acc).await.len(), 3);
    st.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_client_updates_a_user_and_a_batch_names_the_unknown_user() {
    let st = Stage::new().await;
    let (c, acc) = (&st.c, &st.acc);
    let uid = st.alice().await;
    let license = |l| UserUpdate {
        license_type: Some(l),
        ..Default::default()
    };
    let changed = c
        .update_user(acc, &uid, &license(License::Basic))
        .await
        .expect("update user");
    assert_eq!(changed.license_type, Some(License::Basic));
    // BatchUpdateUser with one good and one unknown user.
    let errors = c
        .batch_update_user(
            acc,
            &[
                UpdateUserRequestItem {
                    user_id: Some(uid.clone()),
                    update: license(License::Pro),
                },
                UpdateUserRequestItem {
                    user_id: Some("no-such-user".into()),
                    update: license(License::Pro),
                },
            ],
        )
        .await
        .expect("batch update");
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].user_id.as_deref(), Some("no-such-user"));
    assert_eq!(errors[0].error_code, Some(ErrorCode::NotFound));
    assert_eq!(
        c.get_user(acc, &uid).await.expect("get").license_type,
        Some(License::Pro)
    );
    st.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_client_resets_a_pin_kept_out_of_debug_logs_out_and_saves_user_settings() {
    let st = Stage::new().await;
    let (c, acc) = (&st.c, &st.acc);
    let uid = st.alice().await;
    let pin = c.reset_personal_pin(acc, &uid).await.expect("pin");
    assert!(pin.personal_pin.is_some());
    assert!(!format!("{pin:?}").contains(pin.personal_pin.as_ref().expect("pin").expose()));
    c.logout_user(acc, &uid).await.expect("logout");
    let us = UserSettings {
        telephony: TelephonySettings {
            inbound_calling: false,
            outbound_calling: true,
            sms: false,
        },
    };
    c.update_user_settings(acc, &uid, &us)
        .await
        .expect("update user settings");
    assert_eq!(c.get_user_settings(acc, &uid).await.expect("get us"), us);
    st.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_client_deletes_a_team_account_only_once_every_user_is_suspended() {
    let st = Stage::new().await;
    let (c, acc) = (&st.c, &st.acc);
    st.alice().await;
    // A Team account with active users is refused (422) ...
    let e = c.delete_account(acc).await.expect_err("422");
    assert_eq!(e.status, Some(422));
    assert_eq!(e.exception(), Some("UnprocessableEntityException"));
    assert!(e.request_id.is_some());
    let ids: Vec<String> = all_users(c, acc)
        .await
        .into_iter()
        .map(|u| u.user_id)
        .collect();
    assert!(
        c.batch_suspend_user(acc, &ids)
            .await
            .expect("suspend")
            .is_empty()
    );
    assert!(all_users(c, acc).await.iter().all(|u| u.is_suspended()));
    // ... and deleted once every user is suspended.
    c.delete_account(acc).await.expect("delete");
    let listed = c
        .list_accounts(Some("Client Test Co"), None, None, None)
        .await
        .expect("list");
    assert!(listed.accounts.is_empty(), "{:?}", listed.accounts);
    st.stop().await;
}

/// BatchSuspendUser then BatchUnsuspendUser (EnterpriseLWA accounts only)
/// on one active user of the demo's Example Corp.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_client_suspends_and_unsuspends_an_enterprise_lwa_user() {
    let svc = start(ServiceConfig::demo()).await.expect("service");
    let c = client(&svc);
    let lwa = account_id(&c, "Example Corp").await;
    let page = c
        .list_users(&lwa, &ListUsersQuery::default(), None, Some(50))
        .await
        .expect("list");
    let someone = page
        .users
        .iter()
        .find(|u| !u.is_suspended())
        .expect("an active user")
        .user_id
        .clone();
    let one = std::slice::from_ref(&someone);
    assert!(
        c.batch_suspend_user(&lwa, one)
            .await
            .expect("suspend")
            .is_empty()
    );
    assert!(
        c.get_user(&lwa, &someone)
            .await
            .expect("get")
            .is_suspended()
    );
    assert!(
        c.batch_unsuspend_user(&lwa, one)
            .await
            .expect("unsuspend")
            .is_empty()
    );
    assert!(
        !c.get_user(&lwa, &someone)
            .await
            .expect("get")
            .is_suspended()
    );
    svc.shutdown().await.expect("shutdown");
}

// ---------------------------------------------------------------- error paths

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn service_errors_are_typed_with_request_ids() {
    let svc = start(ServiceConfig::demo()).await.expect("service");
    let c = client(&svc);
    let design = account_id(&c, "Design Studio").await;

    let e = c.get_user(&design, "no-such-user").await.expect_err("404");
    assert_eq!(e.status, Some(404));
    assert_eq!(e.exception(), Some("NotFoundException"));
    assert_eq!(e.code(), Some(&ErrorCode::NotFound));
    let id = e.request_id.clone().expect("request id");
    let shown = e.to_string();
    assert!(shown.starts_with("NotFoundException: "), "{shown}");
    // The request id whole (issue 22, item 7): a support ticket needs it.
    assert!(shown.ends_with(&format!("(request id {id})")), "{shown}");

    let e = c.create_account(&"x".repeat(101)).await.expect_err("400");
    assert_eq!(
        (e.status, e.exception()),
        (Some(400), Some("BadRequestException"))
    );

    // An invalid license on a real user: exactly 400, the user unchanged.
    let someone = all_users(&c, &design).await.remove(0);
    let e = c
        .update_user(
            &design,
            &someone.user_id,
            &UserUpdate {
                license_type: Some(License::Unknown("Gold".into())),
                ..Default::default()
            },
        )
        .await
        .expect_err("400");
    assert_eq!(
        (e.status, e.exception()),
        (Some(400), Some("BadRequestException")),
        "{e}"
    );
    assert_eq!(
        c.get_user(&design, &someone.user_id).await.expect("get"),
        someone,
        "the user is unchanged"
    );

    let e = c
        .create_user(&design, None, Some(someone.email()), None)
        .await
        .expect_err("409");
    assert_eq!(
        (e.status, e.exception()),
        (Some(409), Some("ConflictException"))
    );

    let e = c.delete_account(&design).await.expect_err("422");
    assert_eq!(
        (e.status, e.exception()),
        (Some(422), Some("UnprocessableEntityException"))
    );

    // An unknown access key: 403, not retried.
    let stranger =
        Client::with_static_credentials(&svc.endpoint_url(), "us-east-1", "AKIDUNKNOWN", "nope")
            .expect("client");
    let mut events = stranger.events();
    let e = stranger
        .list_accounts(None, None, None, None)
        .await
        .expect_err("403");
    assert_eq!(e.status, Some(403));
    assert_eq!(e.exception(), Some("UnrecognizedClientException"));
    assert!(events.try_recv().is_err(), "a 403 is not retried");

    // Bad input caught before sending.
    let e = c.get_user(&design, "").await.expect_err("empty id");
    assert_eq!(e.kind, ApiErrorKind::Invalid);
    let e = c
        .list_users(&design, &ListUsersQuery::default(), None, Some(500))
        .await
        .expect_err("max results");
    assert_eq!(e.kind, ApiErrorKind::Invalid);

    // https to a plain-HTTP endpoint: a TLS failure, said so.
    let tls = Client::with_static_credentials(
        &svc.endpoint_url().replace("http://", "https://"),
        "us-east-1",
        "AKIDEXAMPLE",
        "secret",
    )
    .expect("client")
    .with_retry(RetryConfig::none());
    let e = tls.get_account(&design).await.expect_err("tls");
    assert_eq!(e.kind, ApiErrorKind::Tls, "{e}");
    assert!(e.to_string().contains("TLS"), "{e}");

    svc.shutdown().await.expect("shutdown");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dead_endpoint_timeout_and_non_json_are_distinct() {
    // Dead endpoint: a port held bound and never listening.
    let refusing = RefusingPort::new();
    let port = refusing.port;
    let dead = support::quick_client(&refusing.url());
    let mut events = dead.events();
    let e = dead
        .list_accounts(None, None, None, None)
        .await
        .expect_err("refused");
    assert_eq!(e.kind, ApiErrorKind::Connect);
    assert_eq!(
        e.to_string(),
        format!("cannot connect to http://127.0.0.1:{port}: connection refused")
    );
    // Connection failures are retried (5 attempts: 4 retries announced).
    let mut retries = 0;
    while let Ok(ClientEvent::Retrying { attempt, .. }) = events.try_recv() {
        retries += 1;
        assert_eq!(attempt, retries + 1);
    }
    assert_eq!(retries, 4);

    // Timeout: the server reads the request and never answers, the client
    // waits 300 ms. No answer ever comes, so only the client's own timeout
    // can end the call (whatever the machine's load).
    let silent = Hostile::start(None, |_, _| Reply::Silent).await;
    let impatient = support::quick_client(&silent.url())
        .with_retry(RetryConfig::none())
        .with_timeouts(Timeouts {
            connect: Duration::from_secs(1),
            request: Duration::from_millis(300),
            overall: Duration::from_secs(30),
        })
        .expect("client");
    let e = impatient
        .list_accounts(None, None, None, None)
        .await
        .expect_err("timeout");
    assert_eq!(e.kind, ApiErrorKind::Timeout, "{e}");
    assert_eq!(silent.heads().len(), 1, "sent once, not retried");
    drop(silent);

    // A 200 that is not JSON (a captive portal, a proxy page): Decode.
    let html = Canned::start(vec![(
        200,
        "text/html",
        "<html><body>Sign in</body></html>".into(),
    )])
    .await;
    let e = html
        .client()
        .get_account("acc-1")
        .await
        .expect_err("not json");
    assert_eq!(e.kind, ApiErrorKind::Decode, "{e}");
    assert!(e.to_string().contains("not the expected JSON"), "{e}");
    assert_eq!(html.heads().len(), 1, "a decode error is not retried");

    // A 502 HTML page from a proxy: a service error with the status, retried.
    let bad_gateway = Canned::start(vec![
        (502, "text/html", "<html>Bad Gateway</html>".into()),
        (
            200,
            "application/json",
            r#"{"Account":{"AwsAccountId":"1","AccountId":"acc-1","Name":"N"}}"#.into(),
        ),
    ])
    .await;
    let acc = bad_gateway
        .client()
        .get_account("acc-1")
        .await
        .expect("retried");
    assert_eq!(acc.name, "N");
    let heads = bad_gateway.heads();
    assert_eq!(heads.len(), 2);
    assert!(
        heads[0].contains("amz-sdk-request: attempt=1; max=5"),
        "{}",
        heads[0]
    );
    assert!(
        heads[1].contains("amz-sdk-request: attempt=2; max=5"),
        "{}",
        heads[1]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn non_idempotent_calls_are_not_resent_after_reaching_the_service() {
    let unavailable = Canned::start(vec![(
        503,
        "application/json",
        r#"{"Code":"ServiceUnavailable","Message":"down"}"#.into(),
    )])
    .await;
    let c = unavailable.client();
    let e = c
        .create_user("acc-1", None, Some("a@b.co"), None)
        .await
        .expect_err("503");
    assert_eq!(e.status, Some(503));
    assert_eq!(unavailable.heads().len(), 1, "CreateUser sent once");
    let e = c.get_user("acc-1", "u-1").await.expect_err("503");
    assert_eq!(e.exception(), Some("ServiceUnavailable"));
    assert_eq!(unavailable.heads().len(), 1 + 5, "GetUser sent 5 times");
}

// ---------------------------------------------------------------- paging

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn paging_over_5000_users() {
    let svc = start(ServiceConfig::demo()).await.expect("service");
    let c = client(&svc);
    let big = account_id(&c, "Example Corp").await;
    let mut pages =
        Box::pin(c.users_pages(&big, &ListUsersQuery::default(), Some(PAGE_SIZE), None));
    let mut ids = std::collections::HashSet::new();
    let mut n_pages = 0;
    while let Some(page) = pages.next().await {
        let page = page.expect("page");
        assert!(page.users.len() <= 200);
        n_pages += 1;
        for u in page.users {
            assert!(ids.insert(u.user_id), "a user listed twice");
        }
    }
    assert_eq!(ids.len(), 5000);
    assert_eq!(n_pages, 25);

    // Cancel after the first page: the stream ends with Cancelled.
    let cancel = CancellationToken::new();
    let mut pages = Box::pin(c.users_pages(
        &big,
        &ListUsersQuery::default(),
        Some(100),
        Some(cancel.clone()),
    ));
    assert!(pages.next().await.expect("first").is_ok());
    cancel.cancel();
    let e = pages
        .next()
        .await
        .expect("cancel item")
        .expect_err("cancelled");
    assert_eq!(e.kind, ApiErrorKind::Cancelled);
    assert!(pages.next().await.is_none());

    // Accounts page too.
    let mut acc_pages = Box::pin(c.accounts_pages(None, None, Some(1), None));
    let mut n = 0;
    while let Some(p) = acc_pages.next().await {
        assert_eq!(p.expect("page").accounts.len(), 1);
        n += 1;
    }
    assert!(n >= 4, "{n}");
    svc.shutdown().await.expect("shutdown");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_repeated_next_token_stops_the_pager() {
    let looping = Canned::start(vec![(
        200,
        "application/json",
        r#"{"Users":[{"UserId":"u-1"}],"NextToken":"same"}"#.into(),
    )])
    .await;
    let c = looping.client();
    let pages: Vec<_> = c
        .users_pages("acc-1", &ListUsersQuery::default(), None, None)
        .collect()
        .await;
    assert_eq!(pages.len(), 2);
    let heads = looping.heads();
    assert!(heads[1].contains("next-token=same"), "{}", heads[1]);
}

// ---------------------------------------------------------------- batches

/// From the request log: per user, the request ids of the requests that
/// changed it (`changed_user_ids`).
fn changes_in_log(path: &std::path::Path) -> HashMap<String, Vec<String>> {
    let mut changes: HashMap<String, Vec<String>> = HashMap::new();
    let text = std::fs::read_to_string(path).expect("request log");
    for line in text.lines() {
        let v: serde_json::Value = serde_json::from_str(line).expect("log line");
        let request_id = v["request_id"].as_str().expect("request id");
        for id in v["changed_user_ids"].as_array().expect("ids") {
            changes
                .entry(id.as_str().expect("id").to_string())
                .or_default()
                .push(request_id.to_string());
        }
    }
    changes
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batches_under_faults_change_each_user_exactly_once_or_report_failure() {
    let dir = tempfile::tempdir().expect("tmp");
    let log = dir.path().join("requests.jsonl");
    let faults = FaultConfig {
        fail_rate: 0.3,
        item_fail_rate: 0.2,
        throttle_rps: 20.0,
        fault_seed: Some(42),
        ..FaultConfig::default()
    };
    // Read the starting state without faults, then restart the same data with them.
    let data = DataSet::generated(600);
    let clean = start(ServiceConfig::empty().with_data(data.clone()))
        .await
        .expect("service");
    let c = client(&clean);
    let acc = account_id(&c, "Bench Corp").await;
    let before: HashMap<String, User> = all_users(&c, &acc)
        .await
        .into_iter()
        .map(|u| (u.user_id.clone(), u))
        .collect();
    clean.shutdown().await.expect("shutdown");

    let svc = start(
        ServiceConfig::empty()
            .with_data(data)
            .with_faults(&faults)
            .with_request_log(log.clone()),
    )
    .await
    .expect("service");
    let c = client(&svc);
    let mut events = c.events();
    let mut ids: Vec<String> = before.keys().cloned().collect();
    ids.sort();
    ids.push("no-such-user".into());
    let items: Vec<UpdateUserRequestItem> = ids
        .iter()
        .map(|id| UpdateUserRequestItem {
            user_id: Some(id.clone()),
            update: UserUpdate {
                license_type: Some(License::Plus),
                ..Default::default()
            },
        })
        .collect();
    let mut progress = Vec::new();
    let report = c
        .update_users(&acc, items, BatchOptions::default(), |p| progress.push(p))
        .await;
    assert_eq!(report.outcomes.len(), ids.len());
    assert_eq!(report.not_sent(), 0);
    let last = progress.last().expect("progress");
    assert_eq!(last.done + last.failed, ids.len());
    assert_eq!(last.done, report.succeeded());
    let mut retried = 0;
    while events.try_recv().is_ok() {
        retried += 1;
    }
    assert!(retried > 0, "faults must have caused retries");

    // Read back without faults (same store: a client that retries hard).
    let patient = c.with_retry(RetryConfig {
        max_attempts: 30,
        budget: 100_000,
        base_delay: Duration::from_millis(20),
        max_delay: Duration::from_millis(500),
        ..RetryConfig::default()
    });
    let after: HashMap<String, User> = all_users(&patient, &acc)
        .await
        .into_iter()
        .map(|u| (u.user_id.clone(), u))
        .collect();
    svc.shutdown().await.expect("shutdown");
    let changes = changes_in_log(&log);

    let mut failed_codes: HashMap<String, usize> = HashMap::new();
    for o in &report.outcomes {
        let by = changes.get(&o.user_id).cloned().unwrap_or_default();
        let changed = by.len();
        match &o.result {
            OutcomeResult::Ok { request_id } => {
                assert_eq!(changed, 1, "{} applied {changed} times", o.user_id);
                // The request id reported is the one of the request that changed it.
                assert_eq!(request_id.as_deref(), Some(by[0].as_str()), "{}", o.user_id);
                assert_eq!(after[&o.user_id].license_type, Some(License::Plus));
            }
            OutcomeResult::Failed { code, .. } => {
                assert_eq!(changed, 0, "{} failed yet changed", o.user_id);
                if let Some(u) = before.get(&o.user_id) {
                    assert_eq!(after[&o.user_id], *u, "failed user changed");
                }
                *failed_codes
                    .entry(code.as_ref().map(|c| c.to_string()).unwrap_or_default())
                    .or_default() += 1;
            }
            OutcomeResult::NotSent => unreachable!("no cancel"),
            OutcomeResult::Unknown { .. } => unreachable!("every answer arrives"),
        }
    }
    eprintln!(
        "faults batch: {} users, {} ok, failures {failed_codes:?}, {retried} whole-request retries, {} chunk calls, final concurrency {}",
        report.outcomes.len(),
        report.succeeded(),
        progress.len(),
        last.concurrency
    );
    // Throttling halved the concurrency at some point (AIMD).
    assert!(
        progress
            .iter()
            .any(|p| p.concurrency < BatchOptions::default().max_concurrency)
    );
    // The unknown user and the suspended ones fail for good; nothing else should.
    let suspended = before.values().filter(|u| u.is_suspended()).count();
    assert_eq!(failed_codes.get("NotFound"), Some(&1));
    assert_eq!(
        failed_codes.get("Conflict").copied().unwrap_or(0),
        suspended
    );
    assert!(
        report.succeeded() >= before.len() - suspended - 2,
        "succeeded {} of {}; failures {failed_codes:?}",
        report.succeeded(),
        before.len()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn suspend_unsuspend_and_invite_batches() {
    let svc = start(ServiceConfig::empty().with_data(DataSet::generated(120)))
        .await
        .expect("service");
    let c = client(&svc);
    let acc = account_id(&c, "Bench Corp").await;
    let ids: Vec<String> = all_users(&c, &acc)
        .await
        .into_iter()
        .filter(|u| !u.is_suspended())
        .map(|u| u.user_id)
        .collect();
    let mut calls = 0;
    // An empty id fails on its own, unsent; it does not sink its chunk.
    let mut with_blank = ids.clone();
    with_blank.insert(3, String::new());
    let report = c
        .suspend_users(&acc, with_blank, BatchOptions::default(), |_| calls += 1)
        .await;
    assert_eq!(report.succeeded(), ids.len());
    assert_eq!(report.failed(), 1);
    assert_eq!(calls, ids.len().div_ceil(50));
    assert!(matches!(
        &report.outcomes[3].result,
        OutcomeResult::Failed {
            code: Some(ErrorCode::BadRequest),
            request_id: None,
            ..
        }
    ));
    let now = all_users(&c, &acc).await;
    assert!(
        now.iter()
            .filter(|u| ids.contains(&u.user_id))
            .all(|u| u.is_suspended())
    );
    let report = c
        .unsuspend_users(&acc, ids.clone(), BatchOptions::default(), |_| {})
        .await;
    assert_eq!(report.succeeded(), ids.len());
    let now = all_users(&c, &acc).await;
    assert!(
        now.iter()
            .filter(|u| ids.contains(&u.user_id))
            .all(|u| !u.is_suspended())
    );

    // Invitations go to Team accounts.
    let team = c
        .create_account("Invite Co")
        .await
        .expect("team")
        .account_id;
    let emails: Vec<Sensitive> = (0..60)
        .map(|i| Sensitive::new(format!("new{i}@invite.test")))
        .collect();
    let mut with_bad = emails.clone();
    with_bad.push(Sensitive::new("not-an-email"));
    let report = c
        .invite_users(&team, with_bad, None, BatchOptions::default(), |_| {})
        .await;
    assert_eq!(report.succeeded(), 60);
    assert_eq!(report.failed(), 1);
    assert!(
        !format!("{report:?}").contains("invite.test"),
        "emails redacted"
    );
    let users = all_users(&c, &team).await;
    for e in &emails {
        assert!(users.iter().any(|u| u.email() == e.expose()));
    }
    svc.shutdown().await.expect("shutdown");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_stops_new_chunks_and_reports_the_rest_not_sent() {
    let svc = start(
        ServiceConfig::empty()
            .with_data(DataSet::generated(200))
            .with_faults(&FaultConfig {
                latency_ms: 150,
                ..FaultConfig::default()
            }),
    )
    .await
    .expect("service");
    let c = client(&svc);
    let acc = account_id(&c, "Bench Corp").await;
    let users: Vec<User> = all_users(&c, &acc)
        .await
        .into_iter()
        .filter(|u| !u.is_suspended())
        .collect();
    let items: Vec<UpdateUserRequestItem> = users
        .iter()
        .map(|u| UpdateUserRequestItem {
            user_id: Some(u.user_id.clone()),
            update: UserUpdate {
                user_type: Some(UserType::SharedDevice),
                ..Default::default()
            },
        })
        .collect();
    let cancel = CancellationToken::new();
    let opts = BatchOptions {
        max_concurrency: 1,
        cancel: cancel.clone(),
        ..BatchOptions::default()
    };
    let report = c
        .update_users(&acc, items, opts, |p| {
            if p.done >= 20 {
                cancel.cancel();
            }
        })
        .await;
    assert_eq!(report.succeeded(), 20);
    assert_eq!(report.not_sent(), users.len() - 20);
    let after = all_users(&c, &acc).await;
    let shared = |id: &str| {
        after
            .iter()
            .find(|u| u.user_id == id)
            .and_then(|u| u.user_type.clone())
            == Some(UserType::SharedDevice)
    };
    for o in &report.outcomes {
        let was = users
            .iter()
            .find(|u| u.user_id == o.user_id)
            .and_then(|u| u.user_type.clone());
        match o.result {
            OutcomeResult::Ok { .. } => assert!(shared(&o.user_id)),
            OutcomeResult::NotSent => {
                assert_eq!(shared(&o.user_id), was == Some(UserType::SharedDevice))
            }
            OutcomeResult::Failed { .. } | OutcomeResult::Unknown { .. } => {
                panic!("nothing fails here")
            }
        }
    }
    svc.shutdown().await.expect("shutdown");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_error_that_names_no_user_of_the_chunk_leaves_the_chunk_unknown() {
    let item = |id: &str| UpdateUserRequestItem {
        user_id: Some(id.into()),
        update: UserUpdate {
            license_type: Some(License::Basic),
            ..Default::default()
        },
    };
    // 1st chunk: an error without UserId; 2nd: an error naming a user that
    // was not sent; 3rd: one named failure, the other user updated. Each
    // server answers everything alike, so reading the unknown users back
    // (GetUser) fails too and they stay unknown.
    let answers = [
        r#"{"UserErrors":[{"ErrorCode":"Conflict","ErrorMessage":"odd"}]}"#,
        r#"{"UserErrors":[{"UserId":"u-stranger","ErrorCode":"NotFound","ErrorMessage":"who"}]}"#,
        r#"{"UserErrors":[{"UserId":"u-5","ErrorCode":"Conflict","ErrorMessage":"User is suspended"}]}"#,
    ];
    let ids = ["u-0", "u-1", "u-2", "u-3", "u-4", "u-5"];
    let mut outcomes = Vec::new();
    let mut posts = 0;
    for (chunk, answer) in ids.chunks(2).zip(answers) {
        let server = Canned::start(vec![(200, "application/json", answer.into())]).await;
        let r = server
            .client()
            .update_users(
                "acc-1",
                chunk.iter().map(|id| item(id)).collect(),
                BatchOptions::default(),
                |_| {},
            )
            .await;
        outcomes.extend(r.outcomes);
        posts += server
            .heads()
            .iter()
            .filter(|h| h.starts_with("POST"))
            .count();
    }
    let message = |i: usize| match &outcomes[i].result {
        OutcomeResult::Failed { message, .. } => message.clone(),
        other => panic!("{} should have failed: {other:?}", outcomes[i].user_id),
    };
    let unknown = |i: usize| match &outcomes[i].result {
        OutcomeResult::Unknown { message, .. } => message.clone(),
        other => panic!("{} should be unknown: {other:?}", outcomes[i].user_id),
    };
    for i in 0..4 {
        assert!(
            unknown(i).contains("without naming the user")
                && unknown(i).contains("reading it back failed"),
            "{}",
            unknown(i)
        );
    }
    assert!(unknown(0).contains("Conflict (odd)"), "{}", unknown(0));
    assert!(unknown(2).contains("NotFound (who)"), "{}", unknown(2));
    assert!(
        matches!(outcomes[4].result, OutcomeResult::Ok { .. }),
        "u-4 was updated"
    );
    assert_eq!(message(5), "User is suspended");
    assert_eq!(posts, 3, "nothing sent twice");
}
