//! Files we create are private to the user: logs, the audit log, the request
//! log, exports and the service's state hold emails, names and request ids.
//! Every file is created 0600 and every directory we create 0700, whatever
//! the umask; a file that already exists with looser bits is tightened when
//! we open it. A file is never opened through a symbolic link, and only a
//! regular file owned by us is written to (checked before anything is
//! truncated or tightened): a link planted at a log's path cannot make us
//! append to, empty or chmod its target, and a FIFO cannot hang us.

use std::fs::{File, OpenOptions};
use std::io;
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::Path;
use std::time::{Duration, Instant};

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

fn refused(path: &Path, why: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidInput,
        format!("{} {why}: refused", path.display()),
    )
}

/// Opens `path` with `opts` without following a symbolic link at it (and
/// without blocking on a FIFO), and checks it is a regular file of ours:
/// only then may a caller truncate it, tighten it or write to it.
fn open_checked(path: &Path, opts: &mut OpenOptions) -> io::Result<File> {
    opts.custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK | libc::O_CLOEXEC);
    let f = opts.open(path).map_err(|e| match e.raw_os_error() {
        Some(libc::ELOOP) => refused(path, "is a symbolic link"),
        // A FIFO with no reader, opened for writing only.
        Some(libc::ENXIO) => refused(path, "is not a regular file"),
        _ => e,
    })?;
    let meta = f.metadata()?;
    if !meta.file_type().is_file() {
        return Err(refused(path, "is not a regular file"));
    }
    // SAFETY: geteuid has no preconditions and cannot fail.
    let me = unsafe { libc::geteuid() };
    if meta.uid() != me {
        return Err(refused(path, "belongs to another user"));
    }
    Ok(f)
}

/// Opens `path` for appending (and reading), created 0600 (with its
/// directory) if missing. A symbolic link, a FIFO or anything but a regular
/// file of ours at `path` is refused.
pub fn append(path: &Path) -> io::Result<File> {
    create_parent(path)?;
    let f = open_checked(
        path,
        OpenOptions::new()
            .create(true)
            .read(true)
            .append(true)
            .mode(FILE_MODE),
    )?;
    tighten(&f)?;
    Ok(f)
}

/// Takes the exclusive `flock` on `file`, waiting at most `limit` for
/// another process (or another open of the same file) to release it. The
/// lock goes with the file when it is closed, or when its process dies.
pub fn lock_within(file: &File, path: &Path, limit: Duration) -> io::Result<()> {
    wait_for(path, limit, || file.try_lock())
}

/// Reads the whole of `path` under a shared `flock` (waiting at most
/// `limit` for a writer that holds the exclusive one), so a write under
/// way is never read half done. A symbolic link or anything but a regular
/// file of ours is refused, as for writing.
pub fn read_locked(path: &Path, limit: Duration) -> io::Result<String> {
    use std::io::Read;
    let mut f = open_checked(path, OpenOptions::new().read(true))?;
    wait_for(path, limit, || f.try_lock_shared())?;
    let mut text = String::new();
    f.read_to_string(&mut text)?;
    Ok(text)
}

fn wait_for(
    path: &Path,
    limit: Duration,
    mut try_lock: impl FnMut() -> Result<(), std::fs::TryLockError>,
) -> io::Result<()> {
    let deadline = Instant::now() + limit;
    loop {
        match try_lock() {
            Ok(()) => return Ok(()),
            Err(std::fs::TryLockError::Error(e)) => return Err(e),
            Err(std::fs::TryLockError::WouldBlock) if Instant::now() >= deadline => {
                return Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    format!(
                        "{} stayed locked by another process for {:?}",
                        path.display(),
                        limit
                    ),
                ));
            }
            Err(std::fs::TryLockError::WouldBlock) => {
                std::thread::sleep(Duration::from_millis(2));
            }
        }
    }
}

/// Creates `path` (0600) for writing, emptying it if it exists: only a
/// regular file of ours is replaced (never a symbolic link's target), and
/// it is emptied only after that check.
pub fn create(path: &Path) -> io::Result<File> {
    create_parent(path)?;
    let f = open_checked(
        path,
        OpenOptions::new().create(true).write(true).mode(FILE_MODE),
    )?;
    f.set_len(0)?;
    tighten(&f)?;
    Ok(f)
}

/// Creates `path` (0600) only if it does not exist yet: an existing file
/// (or a symbolic link, even a dangling one) is an `AlreadyExists` error and
/// is left untouched.
pub fn create_new(path: &Path) -> io::Result<File> {
    create_parent(path)?;
    OpenOptions::new()
        .create_new(true)
        .write(true)
        .mode(FILE_MODE)
        .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC)
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
    fn a_symlink_or_a_fifo_at_the_path_is_refused_and_its_target_untouched() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let victim = tmp.path().join("victim");
        std::fs::write(&victim, b"precious").expect("write");
        std::fs::set_permissions(&victim, std::fs::Permissions::from_mode(0o644)).expect("chmod");
        let link = tmp.path().join("link");
        std::os::unix::fs::symlink(&victim, &link).expect("symlink");
        let dangling = tmp.path().join("dangling");
        std::os::unix::fs::symlink(tmp.path().join("nowhere"), &dangling).expect("symlink");
        for open in [append, create, create_new] {
            let e = open(&link).map(|_| ()).expect_err("a link is refused");
            assert!(
                e.to_string().contains("symbolic link") || e.kind() == io::ErrorKind::AlreadyExists,
                "{e}"
            );
            assert!(open(&dangling).is_err(), "a dangling link is refused");
        }
        assert!(
            !tmp.path().join("nowhere").exists(),
            "nothing created through it"
        );
        assert_eq!(std::fs::read(&victim).expect("read"), b"precious");
        assert_eq!(mode(&victim), 0o644, "not chmod-ed");

        let fifo = tmp.path().join("fifo");
        let c = std::ffi::CString::new(fifo.as_os_str().as_encoded_bytes()).expect("path");
        // SAFETY: a valid C string; mkfifo only creates the node.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        for open in [append, create] {
            let e = open(&fifo).map(|_| ()).expect_err("a FIFO is refused");
            assert!(e.to_string().contains("not a regular file"), "{e}");
        }
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

    /// A reader waits while a writer holds the lock, then reads it whole;
    /// a link is refused; a lock held past the limit is a clear error.
    #[test]
    fn read_locked_waits_for_the_writer_and_refuses_a_link() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let log = tmp.path().join("audit.jsonl");
        let writer = append(&log).expect("append");
        lock_within(&writer, &log, Duration::from_secs(1)).expect("lock");
        let e = read_locked(&log, Duration::from_millis(50)).expect_err("still locked");
        assert_eq!(e.kind(), io::ErrorKind::TimedOut, "{e}");
        assert!(e.to_string().contains("stayed locked"), "{e}");
        drop(writer);
        assert_eq!(read_locked(&log, Duration::from_secs(1)).expect("read"), "");
        let link = tmp.path().join("link");
        std::os::unix::fs::symlink(&log, &link).expect("symlink");
        let e = read_locked(&link, Duration::from_secs(1)).expect_err("a link");
        assert!(e.to_string().contains("symbolic link"), "{e}");
    }
}
