//! Command-line flags (clap). Each subcommand's module turns its flags into
//! its own configuration; nothing here does IO.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Parser, Debug)]
#[command(
    name = "chime-admin",
    version,
    about = "Amazon Chime account administration: a terminal console, headless commands and a local Chime service"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,

    /// Console flags (used when no subcommand is given).
    #[command(flatten)]
    pub console: ConsoleArgs,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Start the local Chime service with demo data and open the console on it.
    Demo(DemoArgs),
    /// Run the local Chime service (an AWS-compatible endpoint on loopback).
    Serve(ServeArgs),
    /// List accounts.
    Accounts(AccountsArgs),
    /// List every user of an account (all pages).
    Users(UsersArgs),
    /// Change license, user type or Alexa for Business metadata of many users.
    UpdateUsers(UpdateUsersArgs),
    /// Plan a change (from a desired-state CSV or update-users' flags) and
    /// save it to review and apply later; sends only reads.
    Plan(PlanArgs),
    /// Apply a saved plan: its users are read again and only those still
    /// as planned are changed (the others are reported drifted).
    Apply(ApplyArgs),
    /// The changes in the audit log, newest first.
    History(HistoryArgs),
    /// Undo a change from its audit record: the inverse for its users that
    /// changed, left alone where someone changed them since.
    Undo(UndoArgs),
    /// Which credentials and endpoint would be used, and whether a signed call works.
    Doctor,
    /// Print shell completions (bash, zsh, fish, elvish, powershell) to stdout.
    Completions {
        #[arg(value_enum, ignore_case = true)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff) to stdout: `chime-admin man | man -l -`.
    Man,
    /// Print the effective config (TOML) and where each value came from.
    Config,
}

/// Where to send requests and with which credentials: the AWS CLI's flags.
#[derive(Args, Debug, Clone, Default)]
pub struct ConnArgs {
    /// A named profile from ~/.aws/config and ~/.aws/credentials.
    #[arg(long, global = true, env = "AWS_PROFILE")]
    pub profile: Option<String>,
    /// The region to sign for (Chime's endpoint lives in us-east-1).
    #[arg(long, global = true)]
    pub region: Option<String>,
    /// Send requests here instead of AWS (AWS_ENDPOINT_URL_CHIME, then AWS_ENDPOINT_URL).
    #[arg(long, global = true)]
    pub endpoint_url: Option<String>,
    /// Give up on a call after this many seconds, retries included (default 30).
    #[arg(long, global = true, value_name = "SECONDS", value_parser = parse_seconds)]
    pub timeout: Option<f64>,
}

/// A positive number of seconds (`30`, `0.5`).
fn parse_seconds(s: &str) -> Result<f64, String> {
    match s.trim().parse::<f64>() {
        Ok(v) if v > 0.0 && v.is_finite() && v <= 86_400.0 => Ok(v),
        _ => Err(format!(
            "{s:?} is not a number of seconds between 0 and 86400"
        )),
    }
}

#[derive(Args, Debug, Clone, Default)]
pub struct ConsoleArgs {
    #[command(flatten)]
    pub conn: ConnArgs,
    /// Hide and refuse every changing action.
    #[arg(long, global = true)]
    pub read_only: bool,
    /// Where the log is written, by the console, demo, serve and the headless commands (default: the XDG state dir).
    #[arg(long, global = true)]
    pub log_file: Option<PathBuf>,
    /// Where changes are recorded as JSON Lines (default: the XDG state dir).
    #[arg(long, global = true)]
    pub audit_log: Option<PathBuf>,
    /// Read this config file instead of $XDG_CONFIG_HOME/chime-admin/config.toml.
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Start with the defaults, whatever the config file says.
    #[arg(long, global = true, conflicts_with = "config")]
    pub ignore_config: bool,
    /// No colours (like NO_COLOR): the monochrome theme.
    #[arg(long, global = true)]
    pub no_color: bool,
    /// The console's colours.
    #[arg(long, global = true, value_enum, ignore_case = true)]
    pub theme: Option<ThemeName>,
}

/// The console's themes.
#[derive(ValueEnum, Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ThemeName {
    /// The 16 ANSI colours on the terminal's own background.
    #[default]
    Default,
    /// No colour: bold, reverse and underline only.
    Mono,
    /// 256 colours, chosen to read on light and dark backgrounds.
    #[value(name = "256")]
    Color256,
}

impl ThemeName {
    pub fn name(self) -> &'static str {
        match self {
            ThemeName::Default => "default",
            ThemeName::Mono => "mono",
            ThemeName::Color256 => "256",
        }
    }
    pub fn parse(s: &str) -> Option<ThemeName> {
        [ThemeName::Default, ThemeName::Mono, ThemeName::Color256]
            .into_iter()
            .find(|t| t.name() == s)
    }
}

/// Faults the local service injects, seedable for reproducible runs.
#[derive(Args, Debug, Clone, Default)]
pub struct FaultArgs {
    /// Delay every answer by this many milliseconds.
    #[arg(long, default_value_t = 0)]
    pub latency_ms: u64,
    /// Add up to this many milliseconds of random delay.
    #[arg(long, default_value_t = 0)]
    pub jitter_ms: u64,
    /// Answer 429 ThrottledClientException above this many requests per second (0: never).
    #[arg(long, default_value_t = 0.0)]
    pub throttle_rps: f64,
    /// Share of requests answered 503 ServiceUnavailableException (0..1).
    #[arg(long, default_value_t = 0.0)]
    pub fail_rate: f64,
    /// Share of batch items failed with a retryable per-user ServiceFailure (0..1).
    #[arg(long, default_value_t = 0.0)]
    pub item_fail_rate: f64,
    /// Seed for the fault generator.
    #[arg(long)]
    pub fault_seed: Option<u64>,
}

#[derive(Args, Debug, Clone)]
pub struct ServeArgs {
    /// Address to listen on; a non-loopback address prints a warning.
    #[arg(long, default_value = "127.0.0.1:0")]
    pub listen: SocketAddr,
    /// Start with no accounts.
    #[arg(long, conflicts_with = "seed")]
    pub empty: bool,
    /// Load the data set from this JSON file.
    #[arg(long)]
    pub seed: Option<PathBuf>,
    /// Keep the data in this SQLite database (created from the data set if missing).
    #[arg(long)]
    pub state: Option<PathBuf>,
    /// An accepted key, `ID:SECRET[:read-only][:token=SESSION_TOKEN]` (repeatable). The secret shows in `ps`: for throwaway keys; else --access-keys-file or CHIME_ADMIN_ACCESS_KEYS. None given: AKIDEXAMPLE:secret.
    #[arg(long = "access-key", value_name = "ID:SECRET[:read-only][:token=T]")]
    pub access_keys: Vec<String>,
    /// Accepted keys, one a line as for --access-key (# comments); refused if group or others may read it.
    #[arg(long, value_name = "FILE")]
    pub access_keys_file: Option<PathBuf>,
    /// One JSON line per request (no secrets, no emails).
    #[arg(long)]
    pub request_log: Option<PathBuf>,
    /// Most connections open at once (default 1024, or less to stay below `ulimit -n`).
    #[arg(long, value_name = "N")]
    pub max_connections: Option<usize>,
    /// A connection must send a request head within this long of opening or of its last answer (also the keep-alive idle timeout).
    #[arg(long, value_name = "MS", default_value_t = 5000)]
    pub header_timeout_ms: u64,
    /// A request body that has not arrived whole this long after it began fails the request (a total, not per read).
    #[arg(long, value_name = "MS", default_value_t = 10000)]
    pub body_timeout_ms: u64,
    #[command(flatten)]
    pub faults: FaultArgs,
}

#[derive(Args, Debug, Clone, Default)]
pub struct DemoArgs {
    #[command(flatten)]
    pub faults: FaultArgs,
    /// Keep the demo's data in this SQLite database.
    #[arg(long)]
    pub state: Option<PathBuf>,
}

#[derive(ValueEnum, Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum OutputFormat {
    #[default]
    Table,
    Json,
    Csv,
}

#[derive(Args, Debug, Clone)]
pub struct AccountsArgs {
    /// Only accounts whose name starts with this.
    #[arg(long)]
    pub name: Option<String>,
    #[arg(long, value_enum, ignore_case = true, default_value_t = OutputFormat::Table)]
    pub output: OutputFormat,
}

#[derive(Args, Debug, Clone)]
pub struct UsersArgs {
    pub account_id: String,
    /// Only the user with this email.
    #[arg(long)]
    pub email: Option<String>,
    /// Only users of this type (PrivateUser or SharedDevice).
    #[arg(long)]
    pub user_type: Option<String>,
    /// Only users matching this expression, in the console's filter language:
    /// text (email or name), license:pro, type:shared, reg:unregistered,
    /// invite:pending, a4b:yes, email:ADDRESS, -TERM negates.
    #[arg(long)]
    pub filter: Option<String>,
    #[arg(long, value_enum, ignore_case = true, default_value_t = OutputFormat::Table)]
    pub output: OutputFormat,
    /// Stop with an error past this many users (a runaway listing).
    #[arg(long, default_value_t = DEFAULT_MAX_USERS)]
    pub max_users: usize,
}

/// The most users a listing reads before it stops with an error (the
/// client's listing limit, which the console keeps too).
pub const DEFAULT_MAX_USERS: usize = crate::client::DEFAULT_LIST_LIMIT;

/// Which users a change is for and what it sets: the flags `update-users`
/// and `plan` share.
#[derive(Args, Debug, Clone, Default)]
pub struct ChangeArgs {
    /// New license type (one of the account's SupportedLicenses).
    #[arg(long)]
    pub license: Option<String>,
    /// New user type (PrivateUser or SharedDevice).
    #[arg(long)]
    pub user_type: Option<String>,
    /// Alexa for Business enabled.
    #[arg(long)]
    pub a4b_enabled: Option<bool>,
    /// Alexa for Business room ARN.
    #[arg(long)]
    pub a4b_room_arn: Option<String>,
    /// A user id to change (repeatable).
    #[arg(long = "user-id")]
    pub user_ids: Vec<String>,
    /// Read users from this file (`-` for stdin): one id or email per line
    /// (a line that is `#` or starts with `# ` is a comment), or a CSV with
    /// a `UserId` or `PrimaryEmail` column (what `users --output csv` and
    /// `update-users --output csv` write).
    #[arg(long)]
    pub ids_from: Option<PathBuf>,
    /// Every user of the account (or every user with --email).
    #[arg(long)]
    pub all: bool,
    /// With --all: only the user with this email.
    #[arg(long, requires = "all")]
    pub email: Option<String>,
    /// With --all: only the users matching this expression (the console's
    /// filter language, e.g. "license:pro reg:unregistered").
    #[arg(long, requires = "all")]
    pub filter: Option<String>,
    /// With --all: stop with an error past this many users.
    #[arg(long, default_value_t = DEFAULT_MAX_USERS)]
    pub max_users: usize,
}

#[derive(Args, Debug, Clone)]
#[command(group(clap::ArgGroup::new("targets").required(true).args(["user_ids", "ids_from", "all"])))]
pub struct UpdateUsersArgs {
    pub account_id: String,
    #[command(flatten)]
    pub change: ChangeArgs,
    /// Most chunks in flight at once: the cap of the adaptive limit, which
    /// starts at 8 (default: the config's `concurrency`, else 64).
    #[arg(long)]
    pub concurrency: Option<usize>,
    /// Show what would change (reads only), send nothing.
    #[arg(long)]
    pub dry_run: bool,
    #[arg(long, value_enum, ignore_case = true, default_value_t = OutputFormat::Table)]
    pub output: OutputFormat,
}

/// `plan ACCOUNT (--from CSV | the flags of update-users) --out PLAN`, or
/// `plan show PLAN`.
#[derive(Args, Debug, Clone)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct PlanArgs {
    #[command(subcommand)]
    pub command: Option<PlanCommand>,
    #[arg(required = true)]
    pub account_id: Option<String>,
    /// A desired-state CSV (`-`: stdin): users by UserId or PrimaryEmail;
    /// LicenseType, UserType, AlexaForBusinessEnabled,
    /// AlexaForBusinessRoomArn set values (an empty cell keeps the value).
    /// An export (`users --output csv`) is accepted as it is.
    #[arg(long, value_name = "FILE")]
    pub from: Option<PathBuf>,
    /// With --from: every user of the account not in the file gets this
    /// license (GAM's `sync license`).
    #[arg(long, value_name = "LICENSE", requires = "from")]
    pub rest_license: Option<String>,
    /// Where the plan is written (0600).
    #[arg(long, value_name = "PLAN", required = true)]
    pub out: Option<PathBuf>,
    #[command(flatten)]
    pub change: ChangeArgs,
    #[arg(long, value_enum, ignore_case = true, default_value_t = OutputFormat::Table)]
    pub output: OutputFormat,
}

#[derive(Subcommand, Debug, Clone)]
pub enum PlanCommand {
    /// Print a saved plan's preview and digest.
    Show {
        plan: PathBuf,
        #[arg(long, value_enum, ignore_case = true, default_value_t = OutputFormat::Table)]
        output: OutputFormat,
    },
}

#[derive(Args, Debug, Clone)]
pub struct ApplyArgs {
    /// The plan file (`plan --out`, `undo --out`, the console's `s`).
    pub plan: PathBuf,
    /// Apply only if the file's SHA-256 is this (what `plan` printed).
    #[arg(long, value_name = "SHA256")]
    pub digest: Option<String>,
    #[command(flatten)]
    pub opts: ApplyOpts,
}

/// How a saved plan (or an undo) is applied.
#[derive(Args, Debug, Clone)]
pub struct ApplyOpts {
    /// Do not ask (required when not on a terminal).
    #[arg(long)]
    pub yes: bool,
    /// Most chunks in flight at once (as update-users).
    #[arg(long)]
    pub concurrency: Option<usize>,
    #[arg(long, value_enum, ignore_case = true, default_value_t = OutputFormat::Table)]
    pub output: OutputFormat,
}

#[derive(Args, Debug, Clone)]
pub struct HistoryArgs {
    /// Only the changes of this account.
    #[arg(long, value_name = "ID")]
    pub account: Option<String>,
    #[arg(long, value_enum, ignore_case = true, default_value_t = OutputFormat::Table)]
    pub output: OutputFormat,
}

#[derive(Args, Debug, Clone)]
pub struct UndoArgs {
    /// The change to undo (its id, as `history` lists it).
    pub change_id: String,
    /// Write the inverse as a plan file (to review, then `apply`) instead
    /// of applying it.
    #[arg(long, value_name = "PLAN")]
    pub out: Option<PathBuf>,
    #[command(flatten)]
    pub opts: ApplyOpts,
}

impl From<&ConnArgs> for crate::client::ConnConfig {
    fn from(a: &ConnArgs) -> Self {
        crate::client::ConnConfig {
            profile: a.profile.clone(),
            region: a.region.clone(),
            endpoint_url: a.endpoint_url.clone(),
            timeout: a.timeout,
        }
    }
}

impl From<&FaultArgs> for crate::service::FaultConfig {
    fn from(a: &FaultArgs) -> Self {
        crate::service::FaultConfig {
            latency_ms: a.latency_ms,
            jitter_ms: a.jitter_ms,
            throttle_rps: a.throttle_rps,
            fail_rate: a.fail_rate,
            item_fail_rate: a.item_fail_rate,
            fault_seed: a.fault_seed,
        }
    }
}

impl From<&ServeArgs> for crate::service::ServeOptions {
    fn from(a: &ServeArgs) -> Self {
        use crate::service::Seed;
        crate::service::ServeOptions {
            listen: a.listen,
            data: match (&a.seed, a.empty) {
                (_, true) => Seed::Empty,
                (Some(p), false) => Seed::File(p.clone()),
                (None, false) => Seed::Demo,
            },
            state: a.state.clone(),
            access_keys: a.access_keys.clone(),
            access_keys_file: a.access_keys_file.clone(),
            request_log: a.request_log.clone(),
            max_connections: a.max_connections,
            header_timeout_ms: a.header_timeout_ms,
            body_timeout_ms: a.body_timeout_ms,
            faults: (&a.faults).into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::service::{FaultConfig, Seed, ServeOptions};

    fn serve_options(args: &[&str]) -> ServeOptions {
        let cli = Cli::try_parse_from([&["chime-admin", "serve"], args].concat()).expect("parses");
        match cli.command {
            Some(Command::Serve(a)) => (&a).into(),
            other => panic!("not serve: {other:?}"),
        }
    }

    #[test]
    fn serve_flags_become_the_services_plain_options() {
        let o = serve_options(&[
            "--seed",
            "data.json",
            "--latency-ms",
            "7",
            "--jitter-ms",
            "3",
            "--throttle-rps",
            "4.5",
            "--fail-rate",
            "0.25",
            "--item-fail-rate",
            "0.5",
            "--fault-seed",
            "9",
            "--max-connections",
            "12",
        ]);
        assert_eq!(o.data, Seed::File("data.json".into()));
        assert_eq!(
            o.faults,
            FaultConfig {
                latency_ms: 7,
                jitter_ms: 3,
                throttle_rps: 4.5,
                fail_rate: 0.25,
                item_fail_rate: 0.5,
                fault_seed: Some(9),
            }
        );
        assert_eq!(o.max_connections, Some(12));
        assert_eq!((o.header_timeout_ms, o.body_timeout_ms), (5000, 10000));
        assert_eq!(serve_options(&["--empty"]).data, Seed::Empty);
        assert_eq!(serve_options(&[]).data, Seed::Demo);
        assert_eq!(serve_options(&[]).faults, FaultConfig::default());
    }

    #[test]
    fn connection_flags_become_the_clients_conn_config() {
        let cli = Cli::try_parse_from([
            "chime-admin",
            "--profile",
            "p",
            "--region",
            "eu-west-1",
            "--endpoint-url",
            "http://127.0.0.1:1",
            "--timeout",
            "2.5",
        ])
        .expect("parses");
        let c: crate::client::ConnConfig = (&cli.console.conn).into();
        assert_eq!(
            c,
            crate::client::ConnConfig {
                profile: Some("p".into()),
                region: Some("eu-west-1".into()),
                endpoint_url: Some("http://127.0.0.1:1".into()),
                timeout: Some(2.5),
            }
        );
    }
}
