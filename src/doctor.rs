//! `chime-admin doctor`: which credentials would be used and where they came
//! from (never the secret), the endpoint and region, whether a signed
//! ListAccounts succeeds, the clock skew the service sees, and the paths of
//! the log and the audit log.

use std::process::ExitCode;
use std::time::SystemTime;

use crate::cli::ConsoleArgs;
use crate::client::Client;
use crate::text::visible;

/// Environment variables that steer the chain; only whether they are set is shown.
const ENV_NAMES: &[&str] = &[
    "AWS_PROFILE",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "AWS_ENDPOINT_URL_CHIME",
    "AWS_ENDPOINT_URL",
    "AWS_ACCESS_KEY_ID",
    "AWS_SESSION_TOKEN",
    "AWS_CONFIG_FILE",
    "AWS_SHARED_CREDENTIALS_FILE",
];

/// Skew beyond which SigV4 requests are refused.
const MAX_SKEW_SECS: f64 = 300.0;

pub async fn doctor(args: ConsoleArgs) -> anyhow::Result<ExitCode> {
    let mut out = Report::default();
    local_lines(&args, &mut out);
    let client = match Client::from_conn(&args.conn).await {
        Ok(c) => c,
        Err(e) => {
            out.fail("configuration", &e.to_string());
            return Ok(out.finish());
        }
    };
    endpoint_lines(&client, &mut out);
    if !credentials(&client, &mut out).await {
        return Ok(out.finish());
    }
    probe(&client, &mut out).await;
    Ok(out.finish())
}

/// What is known before any client: the profile, which AWS_* variables are
/// set, and where the log and the audit log go.
fn local_lines(args: &ConsoleArgs, out: &mut Report) {
    let profile = args
        .conn
        .profile
        .clone()
        .unwrap_or_else(|| "default".into());
    out.line("profile", &profile);
    let set: Vec<&str> = ENV_NAMES
        .iter()
        .copied()
        .filter(|n| std::env::var_os(n).is_some_and(|v| !v.is_empty()))
        .collect();
    out.line(
        "environment",
        &if set.is_empty() {
            "no AWS_* variables set".to_string()
        } else {
            format!("set: {}", set.join(", "))
        },
    );
    out.line(
        "log file",
        &args
            .log_file
            .clone()
            .unwrap_or_else(crate::console::logging::default_path)
            .display()
            .to_string(),
    );
    out.line(
        "audit log",
        &args
            .audit_log
            .clone()
            .unwrap_or_else(crate::audit::default_path)
            .display()
            .to_string(),
    );
}

/// The endpoint (and whether it is AWS's own), the region and the proxy.
fn endpoint_lines(client: &Client, out: &mut Report) {
    if crate::client::config::is_aws_default(client.endpoint()) {
        out.line(
            "endpoint",
            &format!(
                "{} (AWS's own). {}",
                client.endpoint(),
                crate::client::config::PUBLIC_API_ENDED
            ),
        );
    } else {
        out.line("endpoint", client.endpoint());
    }
    out.line("region", client.region());
    out.line(
        "proxy",
        &crate::client::transport::proxy_summary(client.endpoint(), |k| std::env::var(k).ok()),
    );
}

/// Which credentials would be used, from where, and until when (never the
/// secret). False if there are none: nothing more can be checked.
async fn credentials(client: &Client, out: &mut Report) -> bool {
    match client.credential_summary().await {
        Ok(c) => {
            let mut text = format!("{} from {}", c.access_key, c.source);
            if c.has_session_token {
                text.push_str(", with a session token");
            }
            match c.expires.map(|t| t.duration_since(SystemTime::now())) {
                Some(Ok(left)) => {
                    text.push_str(&format!(", expires in {} min", left.as_secs() / 60))
                }
                Some(Err(_)) => text.push_str(", EXPIRED"),
                None => text.push_str(", no expiry"),
            }
            out.ok("credentials", &text);
            true
        }
        Err(e) => {
            out.fail(
                "credentials",
                &format!("{e} — set AWS_PROFILE, or run `aws configure`"),
            );
            false
        }
    }
}

/// A signed ListAccounts: how many accounts, how fast, and the clock skew
/// the service's Date header shows.
async fn probe(client: &Client, out: &mut Report) {
    let p = match client.probe().await {
        Ok(p) => p,
        Err(e) => return out.fail("ListAccounts", &e.to_string()),
    };
    let more = if p.more { "+" } else { "" };
    let rid = p
        .request_id
        .map(|r| format!(", request {r}"))
        .unwrap_or_default();
    out.ok(
        "ListAccounts",
        &format!(
            "{}{more} accounts in {} ms{rid}",
            p.accounts,
            p.latency.as_millis()
        ),
    );
    match p.clock_skew {
        Some(s) if s.abs() >= MAX_SKEW_SECS => out.fail(
            "clock skew",
            &format!("{s:+.1} s: SigV4 refuses more than 5 minutes; fix this machine's clock"),
        ),
        Some(s) => out.ok(
            "clock skew",
            &format!("{s:+.0} s (the service's Date header, 1 s resolution)"),
        ),
        None => out.line("clock skew", "unknown (no Date header in the answer)"),
    }
}

/// Lines of `name  value`, with ✓ / ✗ where something was checked.
#[derive(Default)]
struct Report {
    failed: bool,
}

impl Report {
    // Values may come from the network (error messages) or the
    // environment: shown with control characters made visible.
    fn line(&mut self, name: &str, value: &str) {
        println!("  {name:<14} {}", visible(value));
    }

    fn ok(&mut self, name: &str, value: &str) {
        println!("✓ {name:<14} {}", visible(value));
    }

    fn fail(&mut self, name: &str, value: &str) {
        self.failed = true;
        println!("✗ {name:<14} {}", visible(value));
    }

    fn finish(self) -> ExitCode {
        if self.failed {
            ExitCode::FAILURE
        } else {
            ExitCode::SUCCESS
        }
    }
}
