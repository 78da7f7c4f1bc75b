//! Opening the register named by a database URL, with its keys.

use std::{
    path::{Path, PathBuf},
    sync::Arc,
};

use anyhow::{Context, bail};
use reestr_sqlite::SqliteStore;
use reestr_store::{Codec, Keyring, Register};

/// The SQLite file a URL names: `sqlite://FILE`, `sqlite:FILE` or a plain path.
pub fn sqlite_path(url: &str) -> anyhow::Result<PathBuf> {
    if url.starts_with("postgres:") || url.starts_with("postgresql:") {
        bail!("PostgreSQL is not supported by this build yet; use sqlite://FILE");
    }
    Ok(PathBuf::from(url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")).unwrap_or(url)))
}

/// Where the keys are kept: `REESTR_KEYS_DIR`, else a directory beside the database.
pub fn keys_dir(db: &Path) -> PathBuf {
    std::env::var_os("REESTR_KEYS_DIR").map_or_else(|| Keyring::dir_for(db), PathBuf::from)
}

/// The keys of a database: from `REESTR_DATA_KEYS` and `REESTR_INDEX_KEY` (the files' contents),
/// else from the key directory. A new database gets new keys, generated into the directory; an
/// existing one without its keys is an error, never a silent new start.
pub fn keys_for(db: &Path) -> anyhow::Result<Keyring> {
    if let (Ok(data), Ok(index)) = (std::env::var("REESTR_DATA_KEYS"), std::env::var("REESTR_INDEX_KEY")) {
        return Ok(Keyring::from_texts(&data, &index)?);
    }
    let dir = keys_dir(db);
    if dir.exists() {
        return Keyring::load(&dir).with_context(|| format!("reading the keys in {}", dir.display()));
    }
    if std::fs::metadata(db).is_ok_and(|m| m.len() > 0) {
        bail!(
            "the database {} exists but its keys are not in {}: restore them there, or point REESTR_KEYS_DIR at them",
            db.display(),
            dir.display()
        );
    }
    let keys = Keyring::generate();
    keys.save(&dir)?;
    eprintln!(
        "reestr: generated the keys for {} in {}; keep them safe and backed up: without them the personal data cannot be read",
        db.display(),
        dir.display()
    );
    Ok(keys)
}

/// Opens the register a URL names.
pub fn open(url: &str) -> anyhow::Result<Register> {
    let path = sqlite_path(url)?;
    open_with(&path, keys_for(&path)?)
}

/// Opens the register with the given keys.
pub fn open_with(path: &Path, keys: Keyring) -> anyhow::Result<Register> {
    let store = SqliteStore::open(path).with_context(|| format!("opening the database {}", path.display()))?;
    Ok(Register::new(Arc::new(store), Codec::new(Arc::new(keys))))
}
