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

use std::path::{Path, PathBuf};

use anyhow::Context;
use rusqlite::{Connection, params};

use super::seed::DataSet;
use super::store::{AccountRow, Mutation, Store, UserRow};

pub struct Persist {
    conn: Connection,
}

const SCHEMA: &str = "
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

fn open(path: &Path) -> anyhow::Result<Connection> {
    let conn = Connection::open(path).with_context(|| format!("opening {}", path.display()))?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.execute_batch(SCHEMA)?;
    Ok(conn)
}

impl Persist {
    /// Opens the database, creating it from `data` if the file does not exist,
    /// and loads it into a store.
    pub fn open_or_create(
        path: &Path,
        data: impl FnOnce() -> anyhow::Result<DataSet>,
    ) -> anyhow::Result<(Persist, Store)> {
        if !path.exists() {
            let tmp = PathBuf::from(format!("{}.creating", path.display()));
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", tmp.display()));
            }
            let store = data()?.into_store();
            {
                let mut p = Persist { conn: open(&tmp)? };
                p.write(&store_mutations(&store))?;
                p.conn
                    .pragma_update(None, "wal_checkpoint", "TRUNCATE")
                    .ok();
            }
            std::fs::rename(&tmp, path)
                .with_context(|| format!("moving the new database to {}", path.display()))?;
        }
        let conn = open(path)?;
        let store = load(&conn)?;
        Ok((Persist { conn }, store))
    }

    /// Writes the changes in one transaction and commits it.
    pub fn write(&mut self, mutations: &[Mutation]) -> anyhow::Result<()> {
        if mutations.is_empty() {
            return Ok(());
        }
        let tx = self.conn.transaction()?;
        {
            let mut put_account = tx.prepare_cached(
                "INSERT INTO accounts (id, row) VALUES (?1, ?2)
                 ON CONFLICT (id) DO UPDATE SET row = excluded.row",
            )?;
            let mut put_user = tx.prepare_cached(
                "INSERT INTO users (account_id, id, row) VALUES (?1, ?2, ?3)
                 ON CONFLICT (account_id, id) DO UPDATE SET row = excluded.row",
            )?;
            for m in mutations {
                match m {
                    Mutation::PutAccount(row) => {
                        put_account.execute(params![
                            row.account.account_id,
                            serde_json::to_string(row)?
                        ])?;
                    }
                    Mutation::PutUser { account_id, row } => {
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
}

/// Every row of a store, as mutations (to write a new database).
fn store_mutations(store: &Store) -> Vec<Mutation> {
    let mut out = Vec::new();
    for acc in store.all_entries() {
        out.push(Mutation::PutAccount(acc.row.clone()));
        for u in acc.users() {
            out.push(Mutation::PutUser {
                account_id: acc.row.account.account_id.clone(),
                row: u.clone(),
            });
        }
    }
    out
}

fn load(conn: &Connection) -> anyhow::Result<Store> {
    let mut store = Store::default();
    let mut stmt = conn.prepare("SELECT row FROM accounts ORDER BY seq")?;
    let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
    for row in rows {
        let row: AccountRow = serde_json::from_str(&row?).context("a damaged account row")?;
        store.apply(vec![Mutation::PutAccount(row)]);
    }
    let mut stmt = conn.prepare("SELECT account_id, row FROM users ORDER BY seq")?;
    let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
    for r in rows {
        let (account_id, row) = r?;
        let row: UserRow = serde_json::from_str(&row).context("a damaged user row")?;
        store.apply(vec![Mutation::PutUser { account_id, row }]);
    }
    Ok(store)
}
