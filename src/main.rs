use std::io::Write;
use std::process::ExitCode;

use clap::{CommandFactory, Parser};

use chime_admin::cli::{Cli, Command, ConsoleArgs};
use chime_admin::config::Config;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match &cli.command {
        Some(Command::Completions { shell }) => return print_completions(*shell),
        Some(Command::Man) => return print_man_page(),
        _ => {}
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("chime-admin: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    // The config file (defaults < file < env < flags); `serve` does not read it.
    let config = match &cli.command {
        Some(Command::Serve(_)) => Config::defaults(),
        _ => match Config::load(&cli.console) {
            Ok(c) => c,
            Err(e) => {
                eprintln!("chime-admin: {e}");
                return ExitCode::from(2);
            }
        },
    };
    // The console and `demo` open the log themselves; the printing
    // subcommands (`config`, completions, man) write none.
    let logged = match &cli.command {
        Some(Command::Serve(_)) => Some("serve"),
        Some(Command::Accounts(_)) => Some("accounts"),
        Some(Command::Users(_)) => Some("users"),
        Some(Command::UpdateUsers(_)) => Some("update-users"),
        Some(Command::Plan(_)) => Some("plan"),
        Some(Command::Apply(_)) => Some("apply"),
        Some(Command::Undo(_)) => Some("undo"),
        Some(Command::Doctor) => Some("doctor"),
        _ => None,
    };
    if let Some(command) = logged {
        match chime_admin::logging::init(cli.console.log_file.as_deref()) {
            Ok(path) => tracing::info!(command, log = %path.display(), "starting"),
            Err(e) => {
                eprintln!("chime-admin: {e:#}");
                return ExitCode::FAILURE;
            }
        }
    }
    // The config file's `read_only = true` holds for the console too.
    let mut console_args = cli.console;
    console_args.read_only = config.read_only.value;
    let result = runtime.block_on(async move {
        let conn = config.conn();
        match cli.command {
            None => chime_admin::console::run(console_args, config).await,
            Some(Command::Demo(args)) => {
                chime_admin::console::run_demo(console_args, config, args).await
            }
            Some(Command::Serve(args)) => chime_admin::service::serve((&args).into()).await,
            Some(Command::Accounts(args)) => chime_admin::headless::accounts(conn, args).await,
            Some(Command::Users(args)) => chime_admin::headless::users(conn, args).await,
            Some(Command::UpdateUsers(args)) => {
                let settings = chime_admin::headless::Settings::from_config(&config);
                chime_admin::headless::update_users(settings, args).await
            }
            Some(Command::Plan(args)) => {
                let settings = chime_admin::headless::Settings::from_config(&config);
                chime_admin::headless::plan(settings, args).await
            }
            Some(Command::Apply(args)) => {
                let settings = chime_admin::headless::Settings::from_config(&config);
                chime_admin::headless::apply(settings, args).await
            }
            Some(Command::Undo(args)) => {
                let settings = chime_admin::headless::Settings::from_config(&config);
                chime_admin::headless::undo(settings, args).await
            }
            Some(Command::History(args)) => {
                let settings = chime_admin::headless::Settings::from_config(&config);
                chime_admin::headless::history(settings, args)
            }
            Some(Command::Config) => chime_admin::console::print_config(&config),
            // The doctor sees what the console would use: the config's values too.
            Some(Command::Doctor) => {
                let args = ConsoleArgs {
                    conn,
                    audit_log: config.audit_log.value.clone(),
                    ..console_args
                };
                chime_admin::doctor::doctor(args).await
            }
            Some(Command::Completions { .. } | Command::Man) => Ok(ExitCode::SUCCESS),
        }
    });
    if let Some(command) = logged {
        // Only whether it worked: an error's text may name a user.
        tracing::info!(command, ok = result.is_ok(), "finished");
    }
    match result {
        Ok(code) => code,
        // A reader that went away (`| head`) ends the command quietly.
        Err(e) if chime_admin::headless::output::is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            // The text may come from the network: controls made visible.
            eprintln!(
                "chime-admin: {}",
                chime_admin::headless::output::error_text(&e)
            );
            ExitCode::FAILURE
        }
    }
}

/// Shell completions generated from the clap definitions.
///
/// clap_complete's bash script names the hyphenated binary two ways (clap
/// issue 6421): the loop that walks the words builds `chime__admin__subcmd__…`
/// while the `case` labels of each subcommand's options read
/// `chime__subcmd__admin__subcmd__…`, so no subcommand option ever completed.
/// The labels are renamed to the names the loop builds.
fn print_completions(shell: clap_complete::Shell) -> ExitCode {
    let mut cmd = Cli::command();
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut cmd, "chime-admin", &mut script);
    let mut script = String::from_utf8_lossy(&script).into_owned();
    if shell == clap_complete::Shell::Bash {
        script = script.replace("chime__subcmd__admin", "chime__admin");
        script = bash_values(&script);
    }
    match std::io::stdout().write_all(script.as_bytes()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("chime-admin: cannot write the completions: {e}");
            ExitCode::FAILURE
        }
    }
}

/// The values bash offers after the options that take a model value (the
/// enum's values) or a profile (the names in the AWS config and
/// credentials files, read when completing), instead of file names.
fn bash_values(script: &str) -> String {
    use chime_admin::model::{License, UserType};
    let words = |all: &[&str]| {
        format!(
            "COMPREPLY=($(compgen -W \"{}\" -- \"${{cur}}\"))",
            all.join(" ")
        )
    };
    let licenses: Vec<&str> = License::ALL.iter().map(|l| l.as_str()).collect();
    let types: Vec<&str> = UserType::ALL.iter().map(|t| t.as_str()).collect();
    let file_names = "COMPREPLY=($(compgen -f \"${cur}\"))";
    let mut out = String::with_capacity(script.len() + 512);
    let mut instead: Option<String> = None;
    for line in script.lines() {
        match line.trim() {
            "--license)" => instead = Some(words(&licenses)),
            "--user-type)" => instead = Some(words(&types)),
            "--a4b-enabled)" => instead = Some(words(&["true", "false"])),
            "--profile)" => {
                instead = Some(
                    "COMPREPLY=($(compgen -W \"$(_chime_admin_profiles)\" -- \"${cur}\"))".into(),
                )
            }
            _ => {}
        }
        match &instead {
            Some(with) if line.contains(file_names) => {
                out.push_str(&line.replace(file_names, with));
                instead = None;
            }
            _ => out.push_str(line),
        }
        out.push('\n');
    }
    out.push_str(PROFILES_FN);
    out
}

/// Lists the profile names of the AWS config file (`[profile NAME]`,
/// `[default]`) and credentials file (`[NAME]`), as the SDK finds them.
const PROFILES_FN: &str = r#"
_chime_admin_profiles() {
    local config="${AWS_CONFIG_FILE:-$HOME/.aws/config}"
    local creds="${AWS_SHARED_CREDENTIALS_FILE:-$HOME/.aws/credentials}"
    {
        [ -r "$config" ] && sed -n 's/^[[:space:]]*\[[[:space:]]*\(profile[[:space:]]\+\)\{0,1\}\([^]]*[^][:space:]]\)[[:space:]]*\].*/\2/p' "$config"
        [ -r "$creds" ] && sed -n 's/^[[:space:]]*\[[[:space:]]*\([^]]*[^][:space:]]\)[[:space:]]*\].*/\1/p' "$creds"
    } 2>/dev/null | grep -v '^sso-session ' | sort -u
}
"#;

/// The man page generated from the clap definitions.
fn print_man_page() -> ExitCode {
    let page = clap_mangen::Man::new(Cli::command());
    match page.render(&mut std::io::stdout()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("chime-admin: cannot write the man page: {e}");
            ExitCode::FAILURE
        }
    }
}
