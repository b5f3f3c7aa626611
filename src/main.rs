use std::process::ExitCode;

use clap::Parser;

use chime_admin::cli::{Cli, Command};

fn main() -> ExitCode {
    let cli = Cli::parse();
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
    let result = runtime.block_on(async move {
        match cli.command {
            None => chime_admin::console::run(cli.console).await,
            Some(Command::Demo(args)) => chime_admin::console::run_demo(cli.console, args).await,
            Some(Command::Serve(args)) => chime_admin::service::serve(args).await,
            Some(Command::Accounts(args)) => {
                chime_admin::headless::accounts(cli.console.conn, args).await
            }
            Some(Command::Users(args)) => {
                chime_admin::headless::users(cli.console.conn, args).await
            }
            Some(Command::UpdateUsers(args)) => {
                chime_admin::headless::update_users(cli.console.conn, args).await
            }
        }
    });
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("chime-admin: {e:#}");
            ExitCode::FAILURE
        }
    }
}
