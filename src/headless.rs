//! Headless commands. (Stub: being built under issue 4.)

use std::process::ExitCode;

use crate::cli::{AccountsArgs, ConnArgs, UpdateUsersArgs, UsersArgs};

pub async fn accounts(_conn: ConnArgs, _args: AccountsArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("accounts is not built yet")
}

pub async fn users(_conn: ConnArgs, _args: UsersArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("users is not built yet")
}

pub async fn update_users(_conn: ConnArgs, _args: UpdateUsersArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("update-users is not built yet")
}
