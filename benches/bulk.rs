//! `update-users` for 1,000 users against `chime-admin serve --latency-ms 50`:
//! wall time beside the physical limit `ceil(1000/20) × 50 ms / concurrency`,
//! and, in the same run, a sequential boto3 loop of `batch_update_user` and a
//! sampled AWS CLI `update-user` loop extrapolated to 1,000 users.
//!
//! Run: `cargo bench --bench bulk` (needs `aws` and `boto3` on PATH).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::process::Command;
use std::time::{Duration, Instant};

use chime_admin::client::{Client, ListUsersQuery};
use futures::StreamExt;

const USERS: usize = 1000;
const LATENCY_MS: u64 = 50;
const CONCURRENCY: usize = 8;
const RUNS: usize = 3;
const CLI_SAMPLE: usize = 5;
const BIN: &str = env!("CARGO_BIN_EXE_chime-admin");

#[path = "../tests/support/mod.rs"]
mod support;
use support::Serve;

fn with_keys(c: &mut Command) -> &mut Command {
    c.env("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
        .env("AWS_SECRET_ACCESS_KEY", "secret")
        .env("AWS_DEFAULT_REGION", "us-east-1")
        .env("AWS_EC2_METADATA_DISABLED", "true")
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

const BOTO3: &str = r#"
import sys, time, boto3
endpoint, account, ids_file = sys.argv[1:4]
ids = [l.strip() for l in open(ids_file) if l.strip()]
c = boto3.client("chime", endpoint_url=endpoint, region_name="us-east-1")
t0 = time.perf_counter()
for i in range(0, len(ids), 20):
    c.batch_update_user(AccountId=account, UpdateUserRequestItems=[
        {"UserId": u, "LicenseType": "Pro"} for u in ids[i:i+20]])
print(time.perf_counter() - t0)
"#;

fn main() {
    let svc = Serve::start(&["--latency-ms", &LATENCY_MS.to_string()]);
    let logs = tempfile::tempdir().expect("tmp");
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let client = Client::with_static_credentials(&svc.url, "us-east-1", "AKIDEXAMPLE", "secret")
        .expect("client");
    let (account, ids) = rt.block_on(async {
        let accounts = client
            .list_accounts(Some("Example Corp"), None, None, None)
            .await
            .expect("accounts");
        let account = accounts.accounts[0].account_id.clone();
        let mut ids = Vec::new();
        let mut pages =
            Box::pin(client.users_pages(&account, &ListUsersQuery::default(), Some(200), None));
        while let Some(p) = pages.next().await {
            ids.extend(
                p.expect("page")
                    .users
                    .into_iter()
                    .filter(|u| !u.is_suspended())
                    .map(|u| u.user_id),
            );
            if ids.len() >= USERS {
                break;
            }
        }
        ids.truncate(USERS);
        (account, ids)
    });
    assert_eq!(ids.len(), USERS);
    let dir = tempfile::tempdir().expect("tmp");
    let ids_file = dir.path().join("ids.txt");
    std::fs::write(&ids_file, ids.join("\n")).expect("ids");

    // chime-admin update-users, the real binary.
    let mut walls = Vec::new();
    for run in 0..RUNS {
        let license = ["Basic", "Plus"][run % 2];
        let t0 = Instant::now();
        let out = with_keys(&mut Command::new(BIN))
            .args(["update-users", &account, "--endpoint-url", &svc.url])
            .args(["--license", license, "--output", "json", "--concurrency"])
            .arg(CONCURRENCY.to_string())
            .arg("--ids-from")
            .arg(&ids_file)
            .arg("--log-file")
            .arg(logs.path().join("update-users.log"))
            .output()
            .expect("update-users");
        walls.push(t0.elapsed());
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
        assert_eq!(
            v["Updated"],
            USERS,
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    // The same batch in-process (no process start, no credential chain).
    let mut inproc = Vec::new();
    for run in 0..RUNS {
        let license = [
            chime_admin::model::License::Basic,
            chime_admin::model::License::Plus,
        ][run % 2]
            .clone();
        let items = ids
            .iter()
            .map(|id| chime_admin::model::UpdateUserRequestItem {
                user_id: Some(id.clone()),
                update: chime_admin::model::UserUpdate {
                    license_type: Some(license.clone()),
                    ..Default::default()
                },
            })
            .collect();
        let t0 = Instant::now();
        let report = rt.block_on(client.update_users(
            &account,
            items,
            chime_admin::client::BatchOptions {
                max_concurrency: CONCURRENCY,
                ..Default::default()
            },
            |_| {},
        ));
        inproc.push(t0.elapsed());
        assert_eq!(report.succeeded(), USERS);
    }

    // boto3: sequential batch_update_user, 20 per call.
    let t0 = Instant::now();
    let out = with_keys(&mut Command::new("python3"))
        .args(["-c", BOTO3, &svc.url, &account])
        .arg(&ids_file)
        .output()
        .expect("python3");
    let boto3_process = t0.elapsed();
    let boto3_loop = String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse::<f64>()
        .map(Duration::from_secs_f64)
        .unwrap_or_else(|_| panic!("boto3 failed: {}", String::from_utf8_lossy(&out.stderr)));

    // AWS CLI: one process per user, sampled.
    let t0 = Instant::now();
    for id in ids.iter().take(CLI_SAMPLE) {
        let out = with_keys(&mut Command::new("aws"))
            .args(["chime", "update-user", "--endpoint-url", &svc.url])
            .args([
                "--account-id",
                &account,
                "--user-id",
                id,
                "--license-type",
                "Basic",
            ])
            .output()
            .expect("aws");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let cli_each = t0.elapsed() / CLI_SAMPLE as u32;
    let cli_total = cli_each * USERS as u32;

    let chunks = USERS.div_ceil(20);
    let limit = Duration::from_millis(chunks as u64 * LATENCY_MS) / CONCURRENCY as u32;
    let best = *walls.iter().min().expect("runs");
    let best_in = *inproc.iter().min().expect("runs");
    println!(
        "bulk: update {USERS} users, --latency-ms {LATENCY_MS}, concurrency {CONCURRENCY}, {RUNS} runs"
    );
    println!(
        "physical limit: ceil({USERS}/20) x {LATENCY_MS} ms / {CONCURRENCY} = {:.1} ms",
        ms(limit)
    );
    let waves = chunks.div_ceil(CONCURRENCY);
    let floor = Duration::from_millis(waves as u64 * LATENCY_MS);
    println!(
        "whole waves: ceil({chunks}/{CONCURRENCY}) x {LATENCY_MS} ms = {:.1} ms (ratio {:.2}; no schedule does better)",
        ms(floor),
        ms(floor) / ms(limit)
    );
    println!(
        "{:<44} {:>10} {:>10} {:>8}",
        "", "best ms", "median ms", "ratio"
    );
    println!(
        "{:<44} {:>10.1} {:>10.1} {:>8.2}",
        "chime-admin update-users (process)",
        ms(best),
        ms(median(walls)),
        ms(best) / ms(limit)
    );
    println!(
        "{:<44} {:>10.1} {:>10.1} {:>8.2}",
        "Client::update_users (in-process)",
        ms(best_in),
        ms(median(inproc)),
        ms(best_in) / ms(limit)
    );
    println!(
        "{:<44} {:>10.1} {:>10} {:>8.2}",
        "boto3 batch_update_user loop (sequential)",
        ms(boto3_loop),
        "-",
        ms(boto3_loop) / ms(limit)
    );
    println!(
        "{:<44} {:>10.1} {:>10} {:>8}",
        "  boto3 incl. python start + import",
        ms(boto3_process),
        "-",
        "-"
    );
    println!(
        "{:<44} {:>10.1} {:>10} {:>8.1}",
        format!("aws chime update-user x{USERS} (from {CLI_SAMPLE})"),
        ms(cli_total),
        "-",
        ms(cli_total) / ms(limit)
    );
    println!("goal: chime-admin ratio <= 1.25");
}
