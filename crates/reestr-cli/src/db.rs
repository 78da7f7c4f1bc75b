//! Which database, with its keys: the backend is chosen by the URL's scheme. `reestr migrate`
//! and `reestr db copy`.

use std::{
    fmt,
    path::{Path, PathBuf},
    sync::Arc,
};

use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use reestr_postgres::{PgOptions, PgStore, is_postgres_url};
use reestr_sqlite::SqliteStore;
use reestr_store::{
    Codec, Keyring, Register, Store,
    image::{self, Table, TableDigest},
};

/// The database options every command takes.
#[derive(Debug, Clone, Args)]
pub struct Db {
    /// The database: sqlite://FILE (the default: one file, nothing to install) or
    /// postgres://USER@HOST:PORT/DATABASE for a national deployment.
    // The id is not the field's name: a subcommand's own `--url` (a webhook's) would otherwise
    // be taken for the database.
    #[arg(id = "db", long = "db", global = true, env = "REESTR_DATABASE_URL", default_value = "sqlite://reestr.db")]
    pub url: String,

    /// A streaming replica of the PostgreSQL database: it serves reads, while writes, and reads
    /// of what this process has written and the replica has not replayed yet, go to --db.
    #[arg(long = "replica-db", global = true, env = "REESTR_REPLICA_URL", value_name = "URL")]
    pub replica: Option<String>,
}

impl fmt::Display for Db {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&redact(&self.url))
    }
}

/// A URL fit to print: without the password, if it has one.
pub fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else { return url.to_owned() };
    let Some((userinfo, host)) = rest.rsplit_once('@') else { return url.to_owned() };
    match userinfo.split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
        None => url.to_owned(),
    }
}

/// Opens the store a URL names, migrating it.
pub fn open_store(url: &str, replica: Option<&str>) -> anyhow::Result<Arc<dyn Store>> {
    let shown = redact(url);
    if is_postgres_url(url) {
        let store = PgStore::open_with(&PgOptions::new(url).replica(replica))
            .with_context(|| format!("opening the database {shown}"))?;
        return Ok(Arc::new(store));
    }
    if replica.is_some() {
        bail!("--replica-db needs a PostgreSQL database (--db postgres://...)");
    }
    if url.contains("://") && !url.starts_with("sqlite:") {
        bail!("{shown}: the database URL must begin with sqlite:, postgres: or postgresql:");
    }
    let store = SqliteStore::open_url(url).with_context(|| format!("opening the database {shown}"))?;
    Ok(Arc::new(store))
}

/// Opens the register a URL names, with its keys (see [`keys_for`]).
pub fn open(db: &Db) -> anyhow::Result<Register> {
    if !is_postgres_url(&db.url) {
        if db.replica.is_some() {
            bail!("--replica-db needs a PostgreSQL database (--db postgres://...)");
        }
        let path = sqlite_path(&db.url)?;
        return open_with(&path, keys_for(&path)?);
    }
    let store = open_store(&db.url, db.replica.as_deref())?;
    let keys = postgres_keys(&*store)?;
    Ok(Register::new(store, Codec::new(Arc::new(keys))))
}

/// The keys of a PostgreSQL register: from `REESTR_DATA_KEYS` and `REESTR_INDEX_KEY`, else from
/// `REESTR_KEYS_DIR` (there is no file to keep them beside). A register that holds persons but
/// whose directory does not exist is an error; an empty one gets new keys there.
fn postgres_keys(store: &dyn Store) -> anyhow::Result<Keyring> {
    if let (Ok(data), Ok(index)) = (std::env::var("REESTR_DATA_KEYS"), std::env::var("REESTR_INDEX_KEY")) {
        return Ok(Keyring::from_texts(&data, &index)?);
    }
    let Some(dir) = std::env::var_os("REESTR_KEYS_DIR").map(PathBuf::from) else {
        bail!(
            "a PostgreSQL register needs its keys: set REESTR_KEYS_DIR to their directory (new keys are made \
             there for a new register), or give them in REESTR_DATA_KEYS and REESTR_INDEX_KEY"
        );
    };
    if dir.exists() {
        return Keyring::load(&dir).with_context(|| format!("reading the keys in {}", dir.display()));
    }
    let mut persons = 0;
    store.read(&mut |tx| {
        persons = tx.count_persons()?;
        Ok(())
    })?;
    if persons > 0 {
        bail!("the register holds persons but its keys are not in {}: restore them there", dir.display());
    }
    let keys = Keyring::generate();
    keys.save(&dir)?;
    eprintln!(
        "reestr: generated the register's keys in {}; keep them safe and backed up: without them the personal data cannot be read",
        dir.display()
    );
    Ok(keys)
}

/// The SQLite file a URL names: `sqlite://FILE`, `sqlite:FILE` or a plain path.
pub fn sqlite_path(url: &str) -> anyhow::Result<PathBuf> {
    if is_postgres_url(url) {
        bail!("this command works on an SQLite file; a PostgreSQL register's keys are in REESTR_KEYS_DIR");
    }
    if url.contains("://") && !url.starts_with("sqlite:") {
        bail!("{}: the database URL must begin with sqlite:, postgres: or postgresql:", redact(url));
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

/// Opens the register with the given keys.
pub fn open_with(path: &Path, keys: Keyring) -> anyhow::Result<Register> {
    let store = SqliteStore::open(path).with_context(|| format!("opening the database {}", path.display()))?;
    Ok(Register::new(Arc::new(store), Codec::new(Arc::new(keys))))
}

/// The latest migration version this build applies to the database's backend.
pub fn migrate(db: &Db) -> anyhow::Result<()> {
    open_store(&db.url, None)?;
    let (backend, versions) = if is_postgres_url(&db.url) {
        ("PostgreSQL", PgStore::migration_versions())
    } else {
        ("SQLite", SqliteStore::migration_versions())
    };
    let latest = versions.last().copied().unwrap_or(0);
    println!("{db}: {backend} schema at version {latest} ({} migrations in this build)", versions.len());
    Ok(())
}

#[derive(Debug, Subcommand)]
pub enum DbCommand {
    /// Copy a whole register to an empty database, e.g. from the embedded SQLite file to
    /// PostgreSQL: persons with their history, summonses, measures, rollout, counters and the
    /// whole event log with the same sequence numbers, in one transaction on the target. Then it
    /// compares the row count and a SHA-256 digest of every table on both sides (for the log: of
    /// every event, in order) and fails unless all are equal.
    ///
    /// Example: reestr db copy --from sqlite://reestr.db --to postgres://postgres@127.0.0.1/reestr
    Copy(CopyArgs),
}

#[derive(Debug, Args)]
pub struct CopyArgs {
    /// The register to copy (it is only read).
    #[arg(long, value_name = "URL")]
    from: String,
    /// The database to copy it to: it must hold no persons, summonses or events.
    #[arg(long, value_name = "URL")]
    to: String,
}

pub fn run(cmd: DbCommand) -> anyhow::Result<()> {
    let DbCommand::Copy(args) = cmd;
    if !is_postgres_url(&args.from) {
        let path =
            args.from.strip_prefix("sqlite://").or_else(|| args.from.strip_prefix("sqlite:")).unwrap_or(&args.from);
        if !std::path::Path::new(path).exists() {
            bail!("{}: no such database", redact(&args.from));
        }
    }
    let from = open_store(&args.from, None)?;
    let to = open_store(&args.to, None)?;
    let mut last: Option<Table> = None;
    let report = image::copy(&*from, &*to, &mut |table, rows| {
        if last != Some(table) {
            last = Some(table);
            eprintln!("copying {table}");
        }
        if rows > 0 && rows % 1_000_000 == 0 {
            eprintln!("  {rows} rows");
        }
    })
    .with_context(|| format!("copying {} to {}", redact(&args.from), redact(&args.to)))?;
    println!("{:<18} {:>12}  sha256 (the same on both sides)", "table", "rows");
    for d in &report.target {
        println!("{:<18} {:>12}  {}", d.table.name(), d.rows, d.sha256);
    }
    let events = report.target.iter().find(|d| d.table == Table::Events).map(|d: &TableDigest| d.rows);
    println!(
        "copied {} to {}: every table matches its source; the log's {} events keep their numbers",
        redact(&args.from),
        redact(&args.to),
        events.unwrap_or(0)
    );
    // The personal data stays sealed with the source's keys: the copy needs them too.
    let source_keys = if is_postgres_url(&args.from) {
        std::env::var_os("REESTR_KEYS_DIR").map(PathBuf::from)
    } else {
        Some(keys_dir(&sqlite_path(&args.from)?))
    };
    match (source_keys, is_postgres_url(&args.to)) {
        (Some(from), false) => {
            let to = keys_dir(&sqlite_path(&args.to)?);
            if from.is_dir() && !to.exists() {
                copy_dir(&from, &to)?;
                println!("the copy's keys, the source's, are in {}", to.display());
            }
        }
        (Some(from), true) => {
            println!("open the copy with the source's keys: REESTR_KEYS_DIR={}", from.display());
        }
        (None, _) => println!("open the copy with the source's keys"),
    }
    Ok(())
}

/// Copies the files of a key directory to a new one.
pub fn copy_dir(from: &Path, to: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(to).with_context(|| format!("creating {}", to.display()))?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        std::fs::copy(entry.path(), to.join(entry.file_name()))
            .with_context(|| format!("copying {} to {}", entry.path().display(), to.display()))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_not_shown() {
        assert_eq!(
            redact("postgres://reestr:s3cret@db.example:5432/reestr"),
            "postgres://reestr:***@db.example:5432/reestr"
        );
        assert_eq!(redact("postgres://postgres@127.0.0.1/test"), "postgres://postgres@127.0.0.1/test");
        assert_eq!(redact("sqlite://reestr.db"), "sqlite://reestr.db");
    }
}
