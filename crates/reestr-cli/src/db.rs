//! Which database: the backend is chosen by the URL's scheme. `reestr migrate` and
//! `reestr db copy`.

use std::{fmt, sync::Arc};

use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use reestr_postgres::{PgOptions, PgStore, is_postgres_url};
use reestr_sqlite::SqliteStore;
use reestr_store::{
    Register, Store,
    image::{self, Table, TableDigest},
};

/// The database options every command takes.
#[derive(Debug, Clone, Args)]
pub struct Db {
    /// The database: sqlite://FILE (the default: one file, nothing to install) or
    /// postgres://USER@HOST:PORT/DATABASE for a national deployment.
    #[arg(long = "db", global = true, env = "REESTR_DATABASE_URL", default_value = "sqlite://reestr.db")]
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

pub fn open(db: &Db) -> anyhow::Result<Register> {
    Ok(Register::new(open_store(&db.url, db.replica.as_deref())?))
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
