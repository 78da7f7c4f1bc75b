//! Backups of the embedded store: an online copy of the file taken in one read transaction, and
//! its restoration into a database, in one step.

use std::path::{Path, PathBuf};

use reestr_store::{Result, StoreError};
use rusqlite::{Connection, MAIN_DB, OpenFlags};

use crate::{SqliteStore, backend, connect};

impl SqliteStore {
    /// Writes a consistent copy of the whole database to `out` while writers go on: `VACUUM
    /// INTO` reads one snapshot (WAL mode lets the writer carry on meanwhile) and writes a
    /// compact file. The copy goes to `out.partial` first and is renamed when complete, so an
    /// interrupted backup never leaves a file that looks whole. `out` must not exist.
    pub fn backup_to(&self, out: &Path) -> Result<()> {
        if out.exists() {
            return Err(StoreError::Backend(format!("{} already exists", out.display())));
        }
        let partial = partial_path(out);
        let _ = std::fs::remove_file(&partial);
        let conn = connect(&self.path, false)?;
        let target = partial.to_str().ok_or_else(|| StoreError::Backend("the backup's path is not UTF-8".into()))?;
        conn.execute("VACUUM INTO ?1", [target]).map_err(backend)?;
        drop(conn);
        std::fs::File::open(&partial)
            .and_then(|f| f.sync_all())
            .and_then(|()| std::fs::rename(&partial, out))
            .map_err(|e| StoreError::Backend(format!("writing {}: {e}", out.display())))
    }

    /// Replaces the whole database with the backup at `from`, with SQLite's backup API: the
    /// writer's lock is held throughout and the new contents commit at once, so other
    /// connections see either the old register or the restored one. The file is checked first
    /// ([`check_backup`]).
    pub fn restore_from(&self, from: &Path) -> Result<()> {
        check_backup(from)?;
        let mut conn = self.writer.lock().map_err(|_| StoreError::Backend("writer poisoned".into()))?;
        conn.restore(MAIN_DB, from, None::<fn(rusqlite::backup::Progress)>).map_err(backend)
    }
}

/// Whether a file is a whole register's SQLite database: it opens, passes SQLite's quick check
/// and has the register's event log.
pub fn check_backup(path: &Path) -> Result<()> {
    let bad = |why: String| StoreError::Backend(format!("{} is not a backup of a register: {why}", path.display()));
    let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX)
        .map_err(|e| bad(e.to_string()))?;
    let check: String = conn.query_row("PRAGMA quick_check", [], |r| r.get(0)).map_err(|e| bad(e.to_string()))?;
    if check != "ok" {
        return Err(bad(format!("SQLite's check says {check}")));
    }
    let tables: i64 = conn
        .query_row(
            "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name IN ('events', 'persons')",
            [],
            |r| r.get(0),
        )
        .map_err(|e| bad(e.to_string()))?;
    if tables != 2 {
        return Err(bad("it has no event log".into()));
    }
    Ok(())
}

fn partial_path(out: &Path) -> PathBuf {
    let mut name = out.as_os_str().to_owned();
    name.push(".partial");
    PathBuf::from(name)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_backup_is_a_whole_database_and_restores_over_another() {
        let dir = tempfile::tempdir().unwrap();
        let a = SqliteStore::open(dir.path().join("a.db")).unwrap();
        a.writer.lock().unwrap().execute_batch("UPDATE rollout SET state = 'live' WHERE region = 77").unwrap();
        let out = dir.path().join("a.backup");
        a.backup_to(&out).unwrap();
        assert!(!partial_path(&out).exists());
        check_backup(&out).unwrap();
        // Never over an existing file.
        assert!(a.backup_to(&out).is_err());

        let b = SqliteStore::open(dir.path().join("b.db")).unwrap();
        b.restore_from(&out).unwrap();
        let state: String = connect(&dir.path().join("b.db"), false)
            .unwrap()
            .query_row("SELECT state FROM rollout WHERE region = 77", [], |r| r.get(0))
            .unwrap();
        assert_eq!(state, "live");
    }

    #[test]
    fn a_file_that_is_not_a_register_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let junk = dir.path().join("junk");
        std::fs::write(&junk, b"not a database at all, just text").unwrap();
        assert!(check_backup(&junk).is_err());
        let other = dir.path().join("other.db");
        Connection::open(&other).unwrap().execute_batch("CREATE TABLE t (x)").unwrap();
        let e = check_backup(&other).unwrap_err().to_string();
        assert!(e.contains("no event log"), "{e}");
    }
}
