//! What makes an SQLite file a chime-admin state file, and its versions.
//!
//! Ours carry SQLite's `application_id` [`APPLICATION_ID`] and the schema
//! version in `user_version`. A file is looked at read-only before anything
//! is written to it ([`inspect`]): a file that is not ours is refused as it
//! is; a newer version is refused; an older one is migrated in one
//! transaction ([`migrate`]).
//!
//! Versions:
//! - 0: written before the marker (our two tables, no `application_id`);
//!   user rows could hold a personal PIN.
//! - 1: the marker; no PIN in any row.

use std::path::Path;

use anyhow::Context;
use rusqlite::{Connection, OpenFlags};

/// `application_id` of our files: "CHMA".
pub const APPLICATION_ID: i32 = 0x4348_4d41;

/// The schema version this build writes.
pub const VERSION: i32 = 1;

/// The tables, the same in every version so far.
pub const TABLES: &str = "
CREATE TABLE IF NOT EXISTS accounts (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    row TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS users (
    seq INTEGER PRIMARY KEY,
    account_id TEXT NOT NULL,
    id TEXT NOT NULL,
    row TEXT NOT NULL,
    UNIQUE (account_id, id)
);
";

/// What an existing, non-empty file is.
#[derive(Debug, PartialEq, Eq)]
pub enum Found {
    /// Ours, at this version (at most [`VERSION`]).
    Ours(i32),
    /// Ours, written by a newer chime-admin.
    Newer(i32),
    /// Not ours (why).
    Foreign(String),
}

/// Every table and index, with its SQL, as `sqlite_master` lists them.
fn objects(conn: &Connection) -> rusqlite::Result<Vec<(String, String, Option<String>)>> {
    let mut stmt = conn.prepare("SELECT type, name, sql FROM sqlite_master ORDER BY type, name")?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
    rows.collect()
}

/// Looks at `path` through a read-only connection (nothing is written, not
/// even a checkpoint).
pub fn inspect(path: &Path) -> anyhow::Result<Found> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .with_context(|| format!("opening {}", path.display()))?;
    let header = conn.query_row("PRAGMA application_id", [], |r| r.get::<_, i32>(0));
    let app_id = match header {
        Ok(id) => id,
        Err(rusqlite::Error::SqliteFailure(e, _))
            if e.code == rusqlite::ErrorCode::NotADatabase =>
        {
            return Ok(Found::Foreign("it is not an SQLite database".into()));
        }
        Err(e) => return Err(e).with_context(|| format!("reading {}", path.display())),
    };
    let version: i32 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if app_id == APPLICATION_ID {
        return Ok(match version {
            v if v > VERSION => Found::Newer(v),
            v if v >= 1 => Found::Ours(v),
            v => Found::Foreign(format!("it has our application_id but schema version {v}")),
        });
    }
    if app_id != 0 {
        return Ok(Found::Foreign(format!(
            "its SQLite application_id is {app_id:#x}, not chime-admin's"
        )));
    }
    // No marker: version 0 if its tables are exactly the ones we wrote.
    let expected = {
        let mem = Connection::open_in_memory()?;
        mem.execute_batch(TABLES)?;
        objects(&mem)?
    };
    if version == 0 && objects(&conn)? == expected {
        Ok(Found::Ours(0))
    } else {
        Ok(Found::Foreign(
            "it has no chime-admin marker (SQLite application_id) and other tables".into(),
        ))
    }
}

/// Brings a file of version `from` to [`VERSION`] in one transaction (all or
/// nothing) and marks it.
pub fn migrate(conn: &mut Connection, from: i32) -> anyhow::Result<()> {
    if from == VERSION {
        return Ok(());
    }
    let tx = conn.transaction()?;
    if from < 1 {
        // Personal PINs are no longer kept.
        tx.execute(
            "UPDATE users SET row = json_remove(row, '$.user.PersonalPIN')
             WHERE json_extract(row, '$.user.PersonalPIN') IS NOT NULL",
            [],
        )
        .context("removing stored PINs")?;
    }
    mark(&tx)?;
    tx.commit()?;
    Ok(())
}

/// Writes the marker: our `application_id` and [`VERSION`].
pub fn mark(conn: &Connection) -> rusqlite::Result<()> {
    conn.pragma_update(None, "application_id", APPLICATION_ID)?;
    conn.pragma_update(None, "user_version", VERSION)
}
