//! The embedded store: the whole register in one SQLite file, in WAL mode.
//!
//! One connection writes (writers are serialised by SQLite's lock; `BEGIN IMMEDIATE` takes it at
//! the start so a transaction never fails half-way for want of it); readers take connections
//! from a small pool and see consistent snapshots while the writer works.

mod agencies;
mod backup;
mod campaigns;
mod notices;
mod tx;

use std::{
    path::{Path, PathBuf},
    sync::Mutex,
    time::Duration,
};

use reestr_core::region::Directory;
use reestr_store::{ReadTx, Result, Store, StoreError, WriteTx};
use rusqlite::{Connection, ErrorCode, OpenFlags};

pub use crate::backup::check_backup;
use crate::tx::SqliteTx;

mod embedded {
    refinery::embed_migrations!("migrations");
}

/// How long a writer waits for another process's write lock before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(60);

/// The SQLite store.
#[derive(Debug)]
pub struct SqliteStore {
    path: PathBuf,
    writer: Mutex<Connection>,
    readers: Mutex<Vec<Connection>>,
}

pub(crate) fn backend(e: rusqlite::Error) -> StoreError {
    match e.sqlite_error_code() {
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => StoreError::Busy,
        _ => StoreError::Backend(e.to_string()),
    }
}

impl SqliteStore {
    /// Opens (creating if need be) the database at `path`, migrates it, and fills in the rollout
    /// state of regions it does not know yet.
    pub fn open(path: impl AsRef<Path>) -> Result<SqliteStore> {
        let path = path.as_ref().to_path_buf();
        let mut writer = connect(&path, true)?;
        embedded::migrations::runner()
            .run(&mut writer)
            .map_err(|e| StoreError::Backend(format!("migrating {}: {e}", path.display())))?;
        {
            let tx = writer.transaction().map_err(backend)?;
            {
                let mut insert =
                    tx.prepare("INSERT OR IGNORE INTO rollout (region, state) VALUES (?1, ?2)").map_err(backend)?;
                for r in Directory::builtin().regions() {
                    insert.execute((r.code.get(), r.initial_rollout().as_str())).map_err(backend)?;
                }
            }
            tx.commit().map_err(backend)?;
        }
        Ok(SqliteStore { path, writer: Mutex::new(writer), readers: Mutex::new(Vec::new()) })
    }

    /// Opens the database named by a URL: `sqlite://FILE`, `sqlite:FILE` or a plain path.
    pub fn open_url(url: &str) -> Result<SqliteStore> {
        let path = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")).unwrap_or(url);
        SqliteStore::open(path)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The migration versions this build applies, for the pairing test with other backends.
    pub fn migration_versions() -> Vec<i64> {
        embedded::migrations::runner().get_migrations().iter().map(|m| i64::from(m.version())).collect()
    }
}

fn connect(path: &Path, write: bool) -> Result<Connection> {
    let flags = if write {
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE
    } else {
        OpenFlags::SQLITE_OPEN_READ_ONLY
    } | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags)
        .map_err(|e| StoreError::Backend(format!("opening {}: {e}", path.display())))?;
    conn.busy_timeout(BUSY_TIMEOUT).map_err(backend)?;
    if write {
        conn.execute_batch("PRAGMA journal_mode = WAL").map_err(backend)?;
    }
    conn.execute_batch(
        "PRAGMA synchronous = NORMAL;
         PRAGMA foreign_keys = ON;
         PRAGMA cache_size = -65536;
         PRAGMA temp_store = MEMORY;",
    )
    .map_err(backend)?;
    conn.set_prepared_statement_cache_capacity(64);
    Ok(conn)
}

impl Store for SqliteStore {
    fn write(&self, f: &mut dyn FnMut(&mut dyn WriteTx) -> Result<()>) -> Result<()> {
        let conn = self.writer.lock().map_err(|_| StoreError::Backend("writer poisoned".into()))?;
        conn.execute_batch("BEGIN IMMEDIATE").map_err(backend)?;
        let result = f(&mut SqliteTx::new(&conn));
        match result {
            Ok(()) => conn.execute_batch("COMMIT").map_err(|e| {
                let _ = conn.execute_batch("ROLLBACK");
                backend(e)
            }),
            Err(e) => {
                conn.execute_batch("ROLLBACK").map_err(backend)?;
                Err(e)
            }
        }
    }

    fn read(&self, f: &mut dyn FnMut(&mut dyn ReadTx) -> Result<()>) -> Result<()> {
        let pooled = self.readers.lock().map_err(|_| StoreError::Backend("pool poisoned".into()))?.pop();
        let conn = match pooled {
            Some(c) => c,
            None => connect(&self.path, false)?,
        };
        conn.execute_batch("BEGIN").map_err(backend)?;
        let result = f(&mut SqliteTx::new(&conn));
        conn.execute_batch("COMMIT").map_err(backend)?;
        if let Ok(mut pool) = self.readers.lock() {
            pool.push(conn);
        }
        result
    }
}
