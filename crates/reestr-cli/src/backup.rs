//! `reestr backup` and `reestr restore`: a whole register to one file and back, with its keys
//! beside it.
//!
//! SQLite: an online copy (`VACUUM INTO`, one read snapshot while the server goes on writing),
//! restored with SQLite's backup API in one step. PostgreSQL: `pg_dump --format=custom` of the
//! register's schema and `pg_restore` in one transaction, so the file is also an ordinary
//! PostgreSQL dump. Either way the keys (data keys, blind-index key, log signing keys) go to
//! `FILE.keys/`, as `reestr db copy` puts them beside a copy.

use std::{
    path::{Path, PathBuf},
    process::Command,
};

use anyhow::{Context, bail};
use clap::Args;
use reestr_postgres::is_postgres_url;
use reestr_sqlite::SqliteStore;
use reestr_store::Keyring;

use crate::{
    db::{self, Db, redact},
    ledger::KeyArgs,
};

#[derive(Debug, Args)]
pub struct BackupArgs {
    /// The file to write (it must not exist); the keys go to FILE.keys/.
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
}

#[derive(Debug, Args)]
pub struct RestoreArgs {
    /// A file `reestr backup` wrote (an SQLite database or a pg_dump custom-format archive).
    file: PathBuf,
    /// Replace a register that holds persons, summonses or events.
    #[arg(long)]
    force: bool,
}

/// What kind of backup a file is, by its first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Sqlite,
    PgDump,
}

fn kind_of(file: &Path) -> anyhow::Result<Kind> {
    use std::io::Read;
    let mut head = [0u8; 16];
    let n = std::fs::File::open(file)
        .and_then(|mut f| f.read(&mut head))
        .with_context(|| format!("reading {}", file.display()))?;
    match &head[..n] {
        h if h.starts_with(b"SQLite format 3\0") => Ok(Kind::Sqlite),
        h if h.starts_with(b"PGDMP") => Ok(Kind::PgDump),
        _ => bail!("{} is neither an SQLite backup nor a pg_dump archive", file.display()),
    }
}

pub fn backup(db: &Db, keys: &KeyArgs, args: &BackupArgs) -> anyhow::Result<()> {
    let out = &args.out;
    let out_keys = Keyring::dir_for(out);
    if out.exists() || out_keys.exists() {
        bail!("{} or {} already exists: a backup never overwrites", out.display(), out_keys.display());
    }
    if is_postgres_url(&db.url) {
        let place = reestr_postgres::backup::place(&db.url)?;
        let partial = partial(out);
        let dumped = run_tool(
            Command::new("pg_dump")
                .args(["--format=custom", "--no-owner", "--schema"])
                .arg(&place.schema)
                .arg("--file")
                .arg(&partial)
                .arg("--dbname")
                .arg(&db.url),
        );
        if let Err(e) = dumped {
            let _ = std::fs::remove_file(&partial);
            return Err(e);
        }
        std::fs::rename(&partial, out)?;
    } else {
        let path = db::sqlite_path(&db.url)?;
        if !path.exists() {
            bail!("{db}: no such database");
        }
        SqliteStore::open(&path)?.backup_to(out).with_context(|| format!("backing up {db}"))?;
    }
    let from_keys = keys.key_dir(&db.url)?.path().to_path_buf();
    if from_keys.is_dir() {
        db::copy_dir(&from_keys, &out_keys)?;
    }
    let bytes = std::fs::metadata(out)?.len();
    println!("backed up {db} to {} ({bytes} bytes)", out.display());
    if from_keys.is_dir() {
        println!("its keys are in {}: keep them as safe as the register, and apart from the file", out_keys.display());
    } else {
        println!("the keys are not in a directory ({}): back them up yourself", from_keys.display());
    }
    Ok(())
}

pub fn restore(db: &Db, keys: &KeyArgs, args: &RestoreArgs) -> anyhow::Result<()> {
    let file = &args.file;
    let kind = kind_of(file)?;
    let target_pg = is_postgres_url(&db.url);
    match (kind, target_pg) {
        (Kind::Sqlite, true) => bail!(
            "{} is an SQLite backup: restore it into an SQLite file, then move it with `reestr db copy`",
            file.display()
        ),
        (Kind::PgDump, false) => {
            bail!("{} is a pg_dump archive: restore it into a PostgreSQL database", file.display())
        }
        _ => {}
    }
    let refuse = || {
        anyhow::anyhow!(
            "{db} holds a register (persons, summonses or events): give --force to replace it with the backup"
        )
    };
    if target_pg {
        let place = reestr_postgres::backup::place(&db.url)?;
        let dumped = dumped_schema(file)?;
        if dumped != place.schema {
            bail!(
                "the backup holds the schema {dumped}, but {db} selects {}: restore it where the search path selects {dumped}",
                place.schema
            );
        }
        if place.holds_data && !args.force {
            return Err(refuse());
        }
        install_keys(file, keys.key_dir(&db.url)?.path())?;
        // pg_restore creates the archive's schema: an existing one is renamed out of the way,
        // and dropped once the restore (one transaction) has succeeded, or given its name back.
        let aside = match place.exists {
            true => Some(reestr_postgres::backup::set_aside(&db.url, &place.schema)?),
            false => None,
        };
        let restored = run_tool(
            Command::new("pg_restore")
                .args(["--single-transaction", "--exit-on-error", "--no-owner", "--dbname"])
                .arg(&db.url)
                .arg(file),
        );
        if let Some(aside) = aside {
            reestr_postgres::backup::finish_restore(&db.url, &place.schema, &aside, restored.is_ok())?;
        }
        restored?;
    } else {
        reestr_sqlite::check_backup(file)?;
        let path = db::sqlite_path(&db.url)?;
        install_keys(file, keys.key_dir(&db.url)?.path())?;
        let store = SqliteStore::open(&path)?;
        if !args.force && holds_data(&store)? {
            return Err(refuse());
        }
        store.restore_from(file).with_context(|| format!("restoring into {db}"))?;
    }
    // Opening migrates a backup made by an older build, and proves the keys open it; the
    // restored persons get fresh planner statistics, as after an import.
    let reg = db::open(db)?;
    reg.store().refresh_statistics()?;
    let s = reg.stats()?;
    println!(
        "restored {} into {db}: {} persons, {} events; `reestr audit verify` checks it against its signed checkpoints",
        file.display(),
        s.persons,
        s.last_event
    );
    Ok(())
}

fn holds_data(store: &SqliteStore) -> anyhow::Result<bool> {
    let mut any = false;
    reestr_store::Store::read(store, &mut |tx| {
        any = tx.count_persons()? > 0 || tx.last_seq()? > 0 || !tx.status_counts()?.is_empty();
        Ok(())
    })?;
    Ok(any)
}

/// Puts the backup's keys where the restored register looks for them. Keys already there must be
/// the backup's own (a register is never opened with another's keys, and keys are never
/// overwritten: without them the personal data is lost).
fn install_keys(file: &Path, to: &Path) -> anyhow::Result<()> {
    let from = Keyring::dir_for(file);
    if !from.is_dir() {
        if to.is_dir() {
            return Ok(());
        }
        bail!(
            "no keys beside the backup ({}) nor in {}: put the register's keys in one of them",
            from.display(),
            to.display()
        );
    }
    if !to.exists() {
        db::copy_dir(&from, to)?;
        println!("the backup's keys are now in {}", to.display());
        return Ok(());
    }
    for entry in std::fs::read_dir(&from)? {
        let entry = entry?;
        let theirs = std::fs::read(entry.path())?;
        if std::fs::read(to.join(entry.file_name())).ok().as_deref() != Some(&theirs[..]) {
            bail!(
                "the keys in {} are not the backup's ({} differs): move them away first, or point REESTR_KEYS_DIR elsewhere",
                to.display(),
                entry.file_name().to_string_lossy()
            );
        }
    }
    Ok(())
}

/// The schema whose event log a pg_dump archive holds, from its table of contents.
fn dumped_schema(file: &Path) -> anyhow::Result<String> {
    let toc = run_tool(Command::new("pg_restore").arg("--list").arg(file))?;
    toc.lines()
        .filter(|l| !l.starts_with(';'))
        .find_map(|l| {
            let words: Vec<&str> = l.split_whitespace().collect();
            let at = words.iter().position(|w| *w == "TABLE")?;
            (words.get(at + 2) == Some(&"events")).then(|| words[at + 1].to_owned())
        })
        .with_context(|| format!("{} holds no register's event log", file.display()))
}

/// Runs one of PostgreSQL's client tools; its standard output, or an error with its message.
fn run_tool(cmd: &mut Command) -> anyhow::Result<String> {
    let name = cmd.get_program().to_string_lossy().into_owned();
    let out = cmd.output().map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => anyhow::anyhow!(
            "{name} is not on PATH: install PostgreSQL's client programs (e.g. apt-get install postgresql-client), \
             of the server's major version or newer"
        ),
        _ => anyhow::anyhow!("running {name}: {e}"),
    })?;
    if !out.status.success() {
        // The tools' messages name objects and the database, never rows; the URL is redacted.
        let stderr = String::from_utf8_lossy(&out.stderr);
        bail!("{name} failed ({}): {}", out.status, redact_all(stderr.trim()));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

fn redact_all(text: &str) -> String {
    text.split(' ').map(|w| if w.contains("://") { redact(w) } else { w.to_owned() }).collect::<Vec<_>>().join(" ")
}

fn partial(out: &Path) -> PathBuf {
    let mut name = out.as_os_str().to_owned();
    name.push(".partial");
    PathBuf::from(name)
}
