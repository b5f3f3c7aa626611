//! Files we create are private to the user: logs, the audit log, the request
//! log, exports and the service's state hold emails, names and request ids.
//! Every file is created 0600 and every directory we create 0700, whatever
//! the umask; a file that already exists with looser bits is tightened when
//! we open it.

use std::fs::{File, OpenOptions};
use std::io;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::Path;

pub const FILE_MODE: u32 = 0o600;
pub const DIR_MODE: u32 = 0o700;

/// Creates `dir` and its missing parents, each new one 0700. Directories that
/// already exist are left as they are (they may be shared, like `~/.local`).
pub fn create_dir_all(dir: &Path) -> io::Result<()> {
    if dir.as_os_str().is_empty() || dir.is_dir() {
        return Ok(());
    }
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(DIR_MODE)
        .create(dir)
}

/// Creates the parent directory of `path` if it is missing (0700).
pub fn create_parent(path: &Path) -> io::Result<()> {
    match path.parent() {
        Some(dir) => create_dir_all(dir),
        None => Ok(()),
    }
}

/// Removes group and other bits from a file we opened, if it has any.
fn tighten(file: &File) -> io::Result<()> {
    let mode = file.metadata()?.permissions().mode();
    if mode & 0o077 != 0 {
        file.set_permissions(std::fs::Permissions::from_mode(mode & 0o700))?;
    }
    Ok(())
}

/// Opens `path` for appending (and reading), created 0600 (with its
/// directory) if missing.
pub fn append(path: &Path) -> io::Result<File> {
    create_parent(path)?;
    let f = OpenOptions::new()
        .create(true)
        .read(true)
        .append(true)
        .mode(FILE_MODE)
        .open(path)?;
    tighten(&f)?;
    Ok(f)
}

/// Creates `path` (0600) for writing, truncating it if it exists.
pub fn create(path: &Path) -> io::Result<File> {
    create_parent(path)?;
    let f = OpenOptions::new()
        .create(true)
        .write(true)
        .truncate(true)
        .mode(FILE_MODE)
        .open(path)?;
    tighten(&f)?;
    Ok(f)
}

/// Creates `path` (0600) only if it does not exist yet: an existing file is
/// an `AlreadyExists` error and is left untouched.
pub fn create_new(path: &Path) -> io::Result<File> {
    create_parent(path)?;
    OpenOptions::new()
        .create_new(true)
        .write(true)
        .mode(FILE_MODE)
        .open(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mode(p: &Path) -> u32 {
        std::fs::metadata(p)
            .map(|m| m.permissions().mode() & 0o777)
            .unwrap_or(0)
    }

    #[test]
    fn files_are_0600_and_new_dirs_0700() {
        let tmp = tempfile::tempdir().expect("tempdir");
        // The mode is passed to open(2), so only a umask stricter than 077
        // could lower it; the CI's umask (022) would give a plain create 0644.
        let dir = tmp.path().join("a/b");
        let log = dir.join("x.log");
        append(&log).expect("append");
        assert_eq!(mode(&log), 0o600);
        assert_eq!(mode(&dir), 0o700);
        assert_eq!(mode(&tmp.path().join("a")), 0o700);
        let out = tmp.path().join("out.csv");
        create(&out).expect("create");
        assert_eq!(mode(&out), 0o600);
        assert_eq!(
            create_new(&out).map(|_| ()).map_err(|e| e.kind()),
            Err(io::ErrorKind::AlreadyExists)
        );
    }

    #[test]
    fn an_existing_loose_file_is_tightened() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let p = tmp.path().join("old.log");
        std::fs::write(&p, b"x").expect("write");
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o666)).expect("chmod");
        append(&p).expect("append");
        assert_eq!(mode(&p), 0o600);
    }
}
