//! The store's conformance suite on SQLite.

use std::sync::Arc;

use reestr_sqlite::SqliteStore;
use reestr_store::{Store, conformance::Harness};

struct Sqlite {
    _dir: tempfile::TempDir,
    path: std::path::PathBuf,
    store: Arc<dyn Store>,
}

impl Harness for Sqlite {
    fn fresh() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("reestr.db");
        let store = Arc::new(SqliteStore::open(&path).expect("open"));
        Sqlite { _dir: dir, path, store }
    }

    fn store(&self) -> Arc<dyn Store> {
        self.store.clone()
    }

    fn reopen(&self) -> Arc<dyn Store> {
        Arc::new(SqliteStore::open(&self.path).expect("reopen"))
    }

    fn raw_bytes(&self) -> Option<Vec<u8>> {
        // The database file and its write-ahead log, as a thief with the disk would read them.
        let mut bytes = std::fs::read(&self.path).ok()?;
        let mut wal = self.path.as_os_str().to_owned();
        wal.push("-wal");
        bytes.extend(std::fs::read(wal).unwrap_or_default());
        Some(bytes)
    }
}

reestr_store::conformance_tests!(Sqlite);
