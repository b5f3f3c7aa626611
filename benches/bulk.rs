//! `update-users` for 1,000 users against `chime-admin serve --latency-ms 50`
//! (the adaptive concurrency: 8 at first, up to 64), beside, in the same run,
//! a sequential boto3 loop of `batch_update_user`, the same with 8 threads,
//! and a sampled AWS CLI `update-user` loop extrapolated to 1,000 users.
//! Then against `serve --throttle-rps 20`: the wall time beside the
//! throttle's floor (50 chunks at 20 requests/s = 2.5 s) and the share of
//! requests that were throttled (from serve's request log).
//!
//! Run: `cargo bench --bench bulk` (needs `aws` and `boto3` on PATH).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::process::Command;
use std::time::{Duration, Instant};

use chime_admin::client::{Client, ListUsersQuery};
use futures::StreamExt;

const USERS: usize = 1000;
const LATENCY_MS: u64 = 50;
const THROTTLE_RPS: u64 = 20;
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

/// The same job as `update-users` (not only the sending): the users read
/// fresh first (the account's ListUsers pages, 200 a call) so each one's
/// value before the change is known and users already at the target are
/// not sent, then the batches, sequentially.
const BOTO3_READ_THEN_SEND: &str = r#"
import sys, time, boto3
endpoint, account, ids_file = sys.argv[1:4]
ids = [l.strip() for l in open(ids_file) if l.strip()]
c = boto3.client("chime", endpoint_url=endpoint, region_name="us-east-1")
t0 = time.perf_counter()
now = {}
for page in c.get_paginator("list_users").paginate(AccountId=account, PaginationConfig={"PageSize": 200}):
    for u in page["Users"]:
        now[u["UserId"]] = u.get("LicenseType")
todo = [u for u in ids if u in now and now[u] != "Pro"]
for i in range(0, len(todo), 20):
    c.batch_update_user(AccountId=account, UpdateUserRequestItems=[
        {"UserId": u, "LicenseType": "Pro"} for u in todo[i:i+20]])
print(time.perf_counter() - t0)
"#;

const BOTO3_THREADS: &str = r#"
import sys, time, boto3, botocore.config
from concurrent.futures import ThreadPoolExecutor
endpoint, account, ids_file = sys.argv[1:4]
ids = [l.strip() for l in open(ids_file) if l.strip()]
c = boto3.client("chime", endpoint_url=endpoint, region_name="us-east-1",
                 config=botocore.config.Config(max_pool_connections=8))
chunks = [ids[i:i+20] for i in range(0, len(ids), 20)]
def send(chunk):
    c.batch_update_user(AccountId=account, UpdateUserRequestItems=[
        {"UserId": u, "LicenseType": "Basic"} for u in chunk])
t0 = time.perf_counter()
with ThreadPoolExecutor(8) as pool:
    list(pool.map(send, chunks))
print(time.perf_counter() - t0)
"#;

/// Runs a boto3 script; the seconds it printed (its loop only).
fn boto3(script: &str, url: &str, account: &str, ids_file: &std::path::Path) -> Duration {
    let out = with_keys(&mut Command::new("python3"))
        .args(["-c", script, url, account])
        .arg(ids_file)
        .output()
        .expect("python3");
    String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse::<f64>()
        .map(Duration::from_secs_f64)
        .unwrap_or_else(|_| panic!("boto3 failed: {}", String::from_utf8_lossy(&out.stderr)))
}

/// `chime-admin update-users` of the ids in `ids_file`: the wall time.
/// Lines in the request log so far.
fn log_len(requests: &std::path::Path) -> usize {
    std::fs::read_to_string(requests)
        .map(|t| t.lines().count())
        .unwrap_or(0)
}

/// Requests of any operation the service accepted (not throttled) after
/// the first `before` lines: the plan's read and the sends.
fn accepted_requests(requests: &std::path::Path, before: usize) -> usize {
    std::fs::read_to_string(requests)
        .expect("request log")
        .lines()
        .skip(before)
        .filter(|l| !l.contains("\"status\":429"))
        .count()
}

/// BatchUpdateUser requests logged after the first `before` lines:
/// (throttled, all).
fn batch_requests(requests: &std::path::Path, before: usize) -> (usize, usize) {
    let text = std::fs::read_to_string(requests).expect("request log");
    let batch: Vec<serde_json::Value> = text
        .lines()
        .skip(before)
        .map(|l| serde_json::from_str(l).expect("json"))
        .filter(|v: &serde_json::Value| v["operation"] == "BatchUpdateUser")
        .collect();
    let throttled = batch.iter().filter(|v| v["status"] == 429).count();
    (throttled, batch.len())
}

fn update_users(
    url: &str,
    account: &str,
    license: &str,
    ids_file: &std::path::Path,
    log: &std::path::Path,
) -> Duration {
    let ids = ids_file.to_str().expect("utf8");
    let (wall, v) = timed(
        &[
            "update-users",
            account,
            "--endpoint-url",
            url,
            "--license",
            license,
            "--output",
            "json",
            "--ids-from",
            ids,
        ],
        log,
    );
    // Every user is changed: the runs alternate licenses after `prime`.
    assert_eq!(v["Updated"], USERS, "{v}");
    wall
}

/// Puts every user of `ids_file` on Pro (untimed): the timed runs then
/// change every user (a user already at the target is never sent).
fn prime(url: &str, account: &str, ids_file: &std::path::Path, log: &std::path::Path) {
    let ids = ids_file.to_str().expect("utf8");
    timed(
        &[
            "update-users",
            account,
            "--endpoint-url",
            url,
            "--license",
            "Pro",
            "--ids-from",
            ids,
        ],
        log,
    );
}

/// `update-users --dry-run`: the plan's read alone (GetAccount and one
/// listing of the account), what a real run adds before sending.
fn dry_run(
    url: &str,
    account: &str,
    ids_file: &std::path::Path,
    log: &std::path::Path,
) -> Duration {
    let ids = ids_file.to_str().expect("utf8");
    timed(
        &[
            "update-users",
            account,
            "--endpoint-url",
            url,
            "--license",
            "Basic",
            "--ids-from",
            ids,
            "--dry-run",
            "--output",
            "json",
        ],
        log,
    )
    .0
}

/// `chime-admin ARGS` with the example keys and `log`; the wall time and
/// the JSON it printed.
fn timed(args: &[&str], log: &std::path::Path) -> (Duration, serde_json::Value) {
    let t0 = Instant::now();
    let out = with_keys(&mut Command::new(BIN))
        .args(args)
        .arg("--log-file")
        .arg(log)
        .arg("--audit-log")
        .arg(log.with_extension("audit"))
        .output()
        .expect("chime-admin");
    let wall = t0.elapsed();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v = serde_json::from_slice(&out.stdout).unwrap_or(serde_json::Value::Null);
    (wall, v)
}

/// A change of 2,000 users three ways, each from Pro to Basic (undo: back):
/// `update-users`, `apply` of a saved plan (its drift check reads the users
/// again), and `undo` of that change (reads the audit log, then the same).
fn plans(url: &str, account: &str, ids: &[String], others: &[String], log: &std::path::Path) {
    let dir = tempfile::tempdir().expect("tmp");
    let all: Vec<&String> = ids.iter().chain(others).collect();
    let n = all.len();
    let file = dir.path().join("ids.txt");
    std::fs::write(
        &file,
        all.iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join("\n"),
    )
    .expect("ids");
    let f = file.to_str().expect("utf8");
    let plan_file = dir.path().join("p.json");
    let p = plan_file.to_str().expect("utf8");
    let e = ["--endpoint-url", url, "--output", "json"];
    let with = |args: &[&'static str], extra: &[&str]| -> Vec<String> {
        args.iter()
            .map(|s| s.to_string())
            .chain(extra.iter().map(|s| s.to_string()))
            .chain(e.iter().map(|s| s.to_string()))
            .collect()
    };
    let run = |args: Vec<String>| timed(&args.iter().map(String::as_str).collect::<Vec<_>>(), log);
    let (mut upd, mut app, mut und) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..RUNS {
        run(with(
            &["update-users"],
            &[account, "--license", "Pro", "--ids-from", f],
        ));
        let (t, v) = run(with(
            &["update-users"],
            &[account, "--license", "Basic", "--ids-from", f],
        ));
        assert_eq!(v["Updated"], n, "{v}");
        upd.push(t);
        run(with(
            &["update-users"],
            &[account, "--license", "Pro", "--ids-from", f],
        ));
        run(with(
            &["plan"],
            &[account, "--license", "Basic", "--ids-from", f, "--out", p],
        ));
        let (t, v) = run(with(&["apply"], &[p, "--yes"]));
        assert_eq!(v["Updated"], n, "{v}");
        app.push(t);
        let change = v["ChangeId"].as_str().expect("change id").to_string();
        let (t, v) = run(with(&["undo"], &[&change, "--yes"]));
        assert_eq!(v["Updated"], n, "{v}");
        und.push(t);
    }
    let base = median(upd.clone());
    println!();
    println!(
        "plans: {n} users Pro → Basic at --latency-ms {LATENCY_MS}, {RUNS} runs (each reads the account once)"
    );
    println!(
        "{:<44} {:>10} {:>10} {:>12}",
        "", "best ms", "median ms", "x update"
    );
    for (name, walls) in [
        ("update-users --ids-from", upd),
        ("apply PLAN (drift check included)", app),
        ("undo CHANGE (audit read, drift check)", und),
    ] {
        let m = median(walls.clone());
        println!(
            "{:<44} {:>10.1} {:>10.1} {:>11.2}x",
            name,
            ms(*walls.iter().min().expect("runs")),
            ms(m),
            ms(m) / ms(base)
        );
    }
    println!("goal: apply and undo each within 1.3x update-users making the same change");
}

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
        let mut pages = Box::pin(client.users_pages(
            &account,
            &ListUsersQuery::default(),
            Some(chime_admin::model::validate::PAGE_SIZE),
            None,
        ));
        while let Some(p) = pages.next().await {
            ids.extend(
                p.expect("page")
                    .users
                    .into_iter()
                    .filter(|u| !u.is_suspended())
                    .map(|u| u.user_id),
            );
            // Twice as many: the second thousand for a second process.
            if ids.len() >= 2 * USERS {
                break;
            }
        }
        ids.truncate(2 * USERS);
        (account, ids)
    });
    assert_eq!(ids.len(), 2 * USERS);
    let (ids, others) = ids.split_at(USERS);
    let dir = tempfile::tempdir().expect("tmp");
    let ids_file = dir.path().join("ids.txt");
    std::fs::write(&ids_file, ids.join("\n")).expect("ids");
    let others_file = dir.path().join("others.txt");
    std::fs::write(&others_file, others.join("\n")).expect("ids");

    // chime-admin update-users, the real binary.
    let log = logs.path().join("update-users.log");
    prime(&svc.url, &account, &ids_file, &log);
    let reads: Vec<Duration> = (0..RUNS)
        .map(|_| dry_run(&svc.url, &account, &ids_file, &log))
        .collect();
    let walls: Vec<Duration> = (0..RUNS)
        .map(|run| {
            update_users(
                &svc.url,
                &account,
                ["Basic", "Plus"][run % 2],
                &ids_file,
                &log,
            )
        })
        .collect();

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
            chime_admin::client::BatchOptions::default(),
            |_| {},
        ));
        inproc.push(t0.elapsed());
        assert_eq!(report.succeeded(), USERS);
    }

    // boto3: sequential batch_update_user, 20 per call; then 8 threads.
    let t0 = Instant::now();
    let boto3_loop = boto3(BOTO3, &svc.url, &account, &ids_file);
    let boto3_process = t0.elapsed();
    let boto3_threads = boto3(BOTO3_THREADS, &svc.url, &account, &ids_file);
    // (8 threads left every user on Basic: the same job changes every one.)
    let boto3_same_job = boto3(BOTO3_READ_THEN_SEND, &svc.url, &account, &ids_file);

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
    let best = *walls.iter().min().expect("runs");
    let best_in = *inproc.iter().min().expect("runs");
    let one_wave = Duration::from_millis(LATENCY_MS);
    println!(
        "bulk: update {USERS} users ({chunks} chunks of 20), --latency-ms {LATENCY_MS}, {RUNS} runs"
    );
    println!("one wave of every chunk at once: {LATENCY_MS} ms");
    println!(
        "{:<44} {:>10} {:>10} {:>14}",
        "", "best ms", "median ms", "vs boto3 seq"
    );
    let row = |name: &str, best: Duration, median: Option<Duration>| {
        println!(
            "{:<44} {:>10.1} {:>10} {:>13.1}x",
            name,
            ms(best),
            median.map_or("-".to_string(), |m| format!("{:.1}", ms(m))),
            ms(boto3_loop) / ms(best)
        );
    };
    row(
        "chime-admin update-users (process)",
        best,
        Some(median(walls)),
    );
    row(
        "  of which the plan's read (--dry-run)",
        *reads.iter().min().expect("runs"),
        Some(median(reads)),
    );
    row(
        "Client::update_users (in-process)",
        best_in,
        Some(median(inproc)),
    );
    row("boto3 batch_update_user, sequential", boto3_loop, None);
    row("  boto3 incl. python start + import", boto3_process, None);
    row("boto3 batch_update_user, 8 threads", boto3_threads, None);
    row(
        "boto3 list_users + batch_update_user, seq",
        boto3_same_job,
        None,
    );
    row(
        &format!("aws chime update-user x{USERS} (from {CLI_SAMPLE})"),
        cli_total,
        None,
    );
    println!(
        "goals: >= 10x sequential boto3 (got {:.1}x), faster than 8 threads (got {:.2}x of its time); {:.1} waves of {LATENCY_MS} ms",
        ms(boto3_loop) / ms(best),
        ms(best) / ms(boto3_threads),
        ms(best) / ms(one_wave)
    );
    println!(
        "the same job (read, then send what changes): {:.1}x sequential boto3 doing it",
        ms(boto3_same_job) / ms(best)
    );
    plans(
        &svc.url,
        &account,
        ids,
        others,
        &logs.path().join("plans.log"),
    );
    drop(svc);

    // Against the throttle: 50 chunks at 20 requests/s.
    let requests = logs.path().join("throttle-requests.jsonl");
    let throttled_svc = Serve::start(&[
        "--throttle-rps",
        &THROTTLE_RPS.to_string(),
        "--request-log",
        requests.to_str().expect("utf8"),
    ]);
    let floor = Duration::from_secs_f64(chunks as f64 / THROTTLE_RPS as f64);
    prime(&throttled_svc.url, &account, &ids_file, &log);
    prime(&throttled_svc.url, &account, &others_file, &log);
    let mut rows = Vec::new();
    for run in 0..RUNS {
        // Let the service's bucket refill between runs.
        std::thread::sleep(Duration::from_secs(2));
        let before = log_len(&requests);
        let wall = update_users(
            &throttled_svc.url,
            &account,
            ["Basic", "Plus"][run % 2],
            &ids_file,
            &log,
        );
        let (throttled, all) = batch_requests(&requests, before);
        // The whole command's floor: every request it had accepted (the
        // read too), less the bucket's one second of burst, at the rate.
        let whole = Duration::from_secs_f64(
            accepted_requests(&requests, before).saturating_sub(THROTTLE_RPS as usize) as f64
                / THROTTLE_RPS as f64,
        );
        rows.push((wall, throttled, all, whole));
    }
    println!();
    println!(
        "throttled: update {USERS} users against --throttle-rps {THROTTLE_RPS}; floor {chunks} chunks / {THROTTLE_RPS} per s = {:.0} ms",
        ms(floor)
    );
    println!(
        "{:<8} {:>10} {:>10} {:>14} {:>22}",
        "run", "wall ms", "x floor", "x whole floor", "throttled sends"
    );
    for (i, (wall, throttled, total, whole)) in rows.iter().enumerate() {
        println!(
            "{:<8} {:>10.1} {:>10.2} {:>14.2} {:>12} of {:<4} {:>4.1} %",
            i + 1,
            ms(*wall),
            ms(*wall) / ms(floor),
            ms(*wall) / ms(*whole),
            throttled,
            total,
            100.0 * *throttled as f64 / *total as f64
        );
    }
    println!(
        "(whole floor: every request the command had accepted, the plan's read too, less the bucket's burst of {THROTTLE_RPS}, at {THROTTLE_RPS}/s)"
    );
    println!("goal: <= 1.25x the floor, with a low throttled share");

    // Two processes at once on the same throttled service: each finds the
    // bucket emptied by the other.
    std::thread::sleep(Duration::from_secs(2));
    let before = log_len(&requests);
    let (url, acc) = (throttled_svc.url.clone(), account.clone());
    let (log_b, files) = (logs.path().join("update-users-b.log"), others_file.clone());
    let other = std::thread::spawn(move || update_users(&url, &acc, "Plus", &files, &log_b));
    let first = update_users(&throttled_svc.url, &account, "Plus", &ids_file, &log);
    let second = other.join().expect("second process");
    let (throttled, all) = batch_requests(&requests, before);
    let pair_floor = floor * 2;
    println!();
    println!(
        "two processes at once, {USERS} users each: {:.1} / {:.1} ms, {:.2}x the floor of both ({:.0} ms); {throttled} of {} requests throttled ({:.1} %)",
        ms(first),
        ms(second),
        ms(first.max(second)) / ms(pair_floor),
        ms(pair_floor),
        all,
        100.0 * throttled as f64 / all as f64
    );
}
