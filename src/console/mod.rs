//! The terminal console. (Stub: being built under issue 5.)

use std::process::ExitCode;

use crate::cli::{ConsoleArgs, DemoArgs};

pub async fn run(_args: ConsoleArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("the console is not built yet")
}

pub async fn run_demo(_args: ConsoleArgs, _demo: DemoArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("demo is not built yet")
}
