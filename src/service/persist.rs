//! `--state FILE`: the data in an SQLite database (WAL). Each changing request
//! is one transaction, committed before the answer is sent, so a `kill -9`
//! loses no acknowledged change and never leaves half a batch.
//!
//! `synchronous=NORMAL` with WAL: a commit appends to the WAL file through the
//! OS before it returns, so it survives the death of the process (what we
//! promise); only a power cut could lose the last commits, never corrupt the
//! file. FULL would add an fsync per request for that case alone.
//!
//! A new file is built beside the target and renamed into place when it is
//! complete, so an interrupted creation never leaves a half-seeded database.
//!
//! One server per state file: `STATE.lock` beside it is locked (an exclusive
//! `flock`, which the kernel releases when the process dies, even by
//! `kill -9`) before the database is opened, and stays locked for as long as
//! the writer holds the database. It holds the pid of its holder, so a second
//! `serve` can say which process has the file. The database file itself is
//! `flock`ed too (SQLite's own locks are `fcntl` ones, which do not clash),
//! so another path to it (a symbolic or a hard link, whose `.lock` differs)
//! is refused as well.
//!
//! An existing file is checked (`PRAGMA quick_check`) before it is served: a
//! damaged one is refused, named, and left as it is.

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;
use rusqlite::{Connection, params};

use super::schema::{self, Found};
use super::seed::DataSet;
use super::store::{AccountRow, Mutation, Store, UserRow};

pub struct Persist {
    conn: Connection,
    /// The lock on `STATE.lock`, released when this is dropped (after `conn`).
    _lock: File,
    /// The lock on the database file itself (whatever path reached it).
    _db_lock: File,
}

/// Takes the exclusive `flock` on the database file `file` (opened at
/// `state`), or says another `serve` has it.
fn lock_db(state: &Path, file: File) -> anyhow::Result<File> {
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(std::fs::TryLockError::WouldBlock) => anyhow::bail!(
            "the state file {} is in use by another chime-admin serve (through another path to the same file: a link): two servers on one file would lose each other's changes. Stop it, or give another --state",
            state.display()
        ),
        Err(std::fs::TryLockError::Error(e)) => {
            Err(e).with_context(|| format!("locking {}", state.display()))
        }
    }
}

/// Refuses a damaged database (`PRAGMA quick_check`), naming it.
fn check_intact(conn: &Connection, path: &Path) -> anyhow::Result<()> {
    let problems: Vec<String> = conn
        .prepare("PRAGMA quick_check(5)")
        .and_then(|mut st| {
            st.query_map([], |r| r.get::<_, String>(0))?
                .collect::<Result<Vec<_>, _>>()
        })
        .unwrap_or_else(|e| vec![e.to_string()]);
    if problems.iter().all(|p| p == "ok") {
        return Ok(());
    }
    let joined = problems.join("; ");
    let said = crate::text::visible(&joined);
    anyhow::bail!(
        "{} is damaged (quick_check: {said}): refusing to serve it. It was left as it is; restore it from a copy or give --state a new file",
        path.display()
    )
}

/// `STATE.lock`, beside the state file.
pub fn lock_path(state: &Path) -> PathBuf {
    let mut name = state.as_os_str().to_owned();
    name.push(".lock");
    PathBuf::from(name)
}

/// Takes the exclusive lock on `STATE.lock` (created 0600) and writes our pid
/// into it, or says who holds it.
fn lock(state: &Path) -> anyhow::Result<File> {
    let path = lock_path(state);
    let mut file = crate::private_file::append(&path)
        .with_context(|| format!("opening the lock file {}", path.display()))?;
    match file.try_lock() {
        Ok(()) => {}
        Err(std::fs::TryLockError::WouldBlock) => {
            let holder = std::fs::read_to_string(&path)
                .ok()
                .and_then(|s| s.trim().parse::<u32>().ok())
                .map(|pid| format!(" (pid {pid})"))
                .unwrap_or_default();
            anyhow::bail!(
                "the state file {} is in use by another chime-admin serve{holder}: two servers on one file would lose each other's changes. Stop it, or give another --state",
                state.display()
            );
        }
        Err(std::fs::TryLockError::Error(e)) => {
            return Err(e).with_context(|| format!("locking {}", path.display()));
        }
    }
    file.set_len(0)?;
    writeln!(file, "{}", std::process::id())?;
    Ok(file)
}

/// Opens a database for serving: WAL, `synchronous=NORMAL`, and
/// `secure_delete` (what a row no longer holds is overwritten, not left in a
/// free page).
fn open(path: &Path) -> anyhow::Result<Connection> {
    let conn = Connection::open(path).with_context(|| format!("opening {}", path.display()))?;
    conn.pragma_update(None, "secure_delete", true)?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    Ok(conn)
}

/// A connection that only reads (for checking a file before serving it):
/// it changes nothing in the file, not even its journal mode.
fn open_checking(path: &Path) -> anyhow::Result<Connection> {
    use rusqlite::OpenFlags;
    Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .with_context(|| format!("opening {}", path.display()))
}

/// Removes group and other bits from the state file and its WAL and SHM
/// (files an older chime-admin created with the umask's bits).
fn tighten(path: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    for suffix in ["", "-wal", "-shm"] {
        let p = PathBuf::from(format!("{}{suffix}", path.display()));
        let Ok(meta) = std::fs::metadata(&p) else {
            continue;
        };
        let mode = meta.permissions().mode();
        if mode & 0o077 != 0 {
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(mode & 0o700))?;
        }
    }
    Ok(())
}

/// The schema version of an existing file, if it is ours and not newer.
fn our_version(path: &Path) -> anyhow::Result<i32> {
    match schema::inspect(path)? {
        Found::Ours(v) => Ok(v),
        Found::Foreign(why) => anyhow::bail!(
            "{} is not a chime-admin state file: {why}. It was left as it is; give --state a new file",
            path.display()
        ),
        Found::Newer(v) => anyhow::bail!(
            "{} has schema version {v}, newer than this chime-admin understands ({}): use a newer chime-admin. It was left as it is",
            path.display(),
            schema::VERSION
        ),
    }
}

fn file_len(path: &Path) -> Option<u64> {
    std::fs::metadata(path).ok().map(|m| m.len())
}

impl Persist {
    /// Opens the database, creating it from `data` if the file does not exist
    /// or is empty, and loads it into a store. A file that is not ours, or
    /// is of a newer version, is refused and left as it is.
    pub fn open_or_create(
        path: &Path,
        data: impl FnOnce() -> anyhow::Result<DataSet>,
    ) -> anyhow::Result<(Persist, Store)> {
        crate::private_file::create_parent(path)
            .with_context(|| format!("creating the directory of {}", path.display()))?;
        let existing = || file_len(path).is_some_and(|n| n > 0);
        // A file that is not ours is refused before anything is created
        // beside it, and looked at again once we hold the lock.
        if existing() {
            our_version(path)?;
        }
        let lock = lock(path)?;
        if existing() {
            let db = File::open(path).with_context(|| format!("opening {}", path.display()))?;
            let db_lock = lock_db(path, db)?;
            let version = our_version(path)?;
            check_intact(&open_checking(path)?, path)?;
            tighten(path).with_context(|| format!("making {} private", path.display()))?;
            let mut conn = open(path)?;
            schema::migrate(&mut conn, version).with_context(|| {
                format!(
                    "migrating {} from schema version {version}; it was left as it was",
                    path.display()
                )
            })?;
            let store = load(&conn)?;
            return Ok((
                Persist {
                    conn,
                    _lock: lock,
                    _db_lock: db_lock,
                },
                store,
            ));
        }
        // Missing or empty: a new database. A WAL beside an empty file would
        // be replayed onto it: that file is not empty after all.
        let wal = PathBuf::from(format!("{}-wal", path.display()));
        if file_len(&wal).is_some_and(|n| n > 0) {
            anyhow::bail!(
                "{} is empty but {} is not: refusing to replace it",
                path.display(),
                wal.display()
            );
        }
        let tmp = PathBuf::from(format!("{}.creating", path.display()));
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", tmp.display()));
        }
        let store = data()?.into_store();
        // Locked before it is renamed into place: the lock moves with it.
        let db_lock;
        {
            // Created 0600 before SQLite opens it: its WAL and SHM take the
            // database's mode.
            let new = crate::private_file::create_new(&tmp)
                .with_context(|| format!("creating {}", tmp.display()))?;
            db_lock = lock_db(path, new)?;
            let mut conn = open(&tmp)?;
            conn.execute_batch(schema::TABLES)?;
            schema::mark(&conn)?;
            write_rows(&mut conn, store_rows(&store))?;
            conn.pragma_update(None, "wal_checkpoint", "TRUNCATE").ok();
        }
        std::fs::rename(&tmp, path)
            .with_context(|| format!("moving the new database to {}", path.display()))?;
        Ok((
            Persist {
                conn: open(path)?,
                _lock: lock,
                _db_lock: db_lock,
            },
            store,
        ))
    }

    /// Writes the changes in one transaction and commits it.
    pub fn write(&mut self, mutations: &[Mutation]) -> anyhow::Result<()> {
        if mutations.is_empty() {
            return Ok(());
        }
        write_rows(
            &mut self.conn,
            mutations.iter().map(|m| match m {
                Mutation::PutAccount(row) => Row::Account(row),
                Mutation::PutUser { account_id, row } => Row::User(account_id, row),
            }),
        )
    }
}

fn write_rows<'a>(
    conn: &mut Connection,
    rows: impl Iterator<Item = Row<'a>>,
) -> anyhow::Result<()> {
    let tx = conn.transaction()?;
    {
        let mut put_account = tx.prepare_cached(
            "INSERT INTO accounts (id, row) VALUES (?1, ?2)
                 ON CONFLICT (id) DO UPDATE SET row = excluded.row",
        )?;
        let mut put_user = tx.prepare_cached(
            "INSERT INTO users (account_id, id, row) VALUES (?1, ?2, ?3)
                 ON CONFLICT (account_id, id) DO UPDATE SET row = excluded.row",
        )?;
        for r in rows {
            match r {
                Row::Account(row) => {
                    put_account
                        .execute(params![row.account.account_id, serde_json::to_string(row)?])?;
                }
                Row::User(account_id, row) => {
                    put_user.execute(params![
                        account_id,
                        row.user.user_id,
                        serde_json::to_string(row)?
                    ])?;
                }
            }
        }
    }
    tx.commit()?;
    Ok(())
}

/// One row to write, borrowed.
enum Row<'a> {
    Account(&'a AccountRow),
    User(&'a str, &'a UserRow),
}

/// Every row of a store, in order (to write a new database without a copy).
fn store_rows(store: &Store) -> impl Iterator<Item = Row<'_>> {
    store.all_entries().iter().flat_map(|acc| {
        std::iter::once(Row::Account(&acc.row)).chain(
            acc.users()
                .iter()
                .map(|u| Row::User(acc.row.account.account_id.as_str(), u)),
        )
    })
}

fn load(conn: &Connection) -> anyhow::Result<Store> {
    let mut store = Store::default();
    let mut stmt = conn.prepare("SELECT row FROM accounts ORDER BY seq")?;
    let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
    for row in rows {
        let row: AccountRow = serde_json::from_str(&row?).context("a damaged account row")?;
        store.apply_one(Mutation::PutAccount(row));
    }
    let mut stmt = conn.prepare("SELECT account_id, COUNT(*) FROM users GROUP BY account_id")?;
    let counts = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))?;
    for c in counts {
        let (account_id, n) = c?;
        store.reserve_users(&account_id, usize::try_from(n).unwrap_or(0));
    }
    let mut stmt = conn.prepare("SELECT account_id, row FROM users ORDER BY seq")?;
    let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
    for r in rows {
        let (account_id, row) = r?;
        let row: UserRow = serde_json::from_str(&row).context("a damaged user row")?;
        store.apply_one(Mutation::PutUser { account_id, row });
    }
    Ok(store)
}
