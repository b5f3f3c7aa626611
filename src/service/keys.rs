//! Where `serve` takes the access keys it accepts from, all together (each
//! `ID:SECRET[:read-only][:token=SESSION_TOKEN]`, see [`AccessKey::parse`]):
//! `--access-key KEY` (repeatable; the secret shows in
//! `ps`, so for throwaway keys), `--access-keys-file FILE` (one key a line;
//! refused if group or others may read it) and `CHIME_ADMIN_ACCESS_KEYS`
//! (keys separated by commas or white space). None given: AKIDEXAMPLE/secret.
//! No error message quotes a secret.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use anyhow::Context;

use super::auth::AccessKey;

/// The environment variable holding keys.
pub const ENV: &str = "CHIME_ADMIN_ACCESS_KEYS";

/// The keys from the flags, the file and the environment value `env`.
pub fn gather(
    flags: &[String],
    file: Option<&Path>,
    env: Option<&str>,
) -> anyhow::Result<Vec<AccessKey>> {
    let mut keys = Vec::new();
    for (i, k) in flags.iter().enumerate() {
        keys.push(AccessKey::parse(k).with_context(|| format!("--access-key #{}", i + 1))?);
    }
    if let Some(path) = file {
        keys.extend(from_file(path)?);
    }
    if let Some(value) = env {
        for (i, k) in value
            .split(|c: char| c == ',' || c.is_whitespace())
            .filter(|k| !k.is_empty())
            .enumerate()
        {
            keys.push(AccessKey::parse(k).with_context(|| format!("{ENV}: key #{}", i + 1))?);
        }
    }
    for (i, k) in keys.iter().enumerate() {
        if keys[..i].iter().any(|o| o.id == k.id) {
            anyhow::bail!("the access key id {} is given twice", k.id);
        }
    }
    if keys.is_empty() {
        keys.push(AccessKey::example());
    }
    Ok(keys)
}

/// One key a line; blank lines and `#` comments skipped.
fn from_file(path: &Path) -> anyhow::Result<Vec<AccessKey>> {
    let shown = path.display();
    let meta = std::fs::metadata(path).with_context(|| format!("reading {shown}"))?;
    let mode = meta.permissions().mode();
    if mode & 0o077 != 0 {
        anyhow::bail!(
            "{shown} holds secret keys but group or others may read it (mode {:o}): chmod 600 {shown}",
            mode & 0o777
        );
    }
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {shown}"))?;
    let mut keys = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        keys.push(AccessKey::parse(line).with_context(|| format!("{shown} line {}", n + 1))?);
    }
    if keys.is_empty() {
        anyhow::bail!("{shown} holds no key");
    }
    Ok(keys)
}
