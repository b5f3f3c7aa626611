//! The local Chime service. (Stub: being built under issue 3.)

use std::process::ExitCode;

use crate::cli::ServeArgs;

pub async fn serve(_args: ServeArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("serve is not built yet")
}
