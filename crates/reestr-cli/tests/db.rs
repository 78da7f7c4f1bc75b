//! `reestr migrate` and `reestr db copy`, and the same commands on PostgreSQL when
//! REESTR_TEST_POSTGRES names a server.
#![allow(clippy::unwrap_used)]

use std::process::{Command, Output};

/// `reestr` with the keys in `keys` (REESTR_KEYS_DIR), or else beside each SQLite file.
fn run_with_keys(dir: &std::path::Path, args: &[&str], keys: Option<&std::path::Path>) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_reestr"));
    c.args(args)
        .env_remove("REESTR_DATABASE_URL")
        .env_remove("REESTR_REPLICA_URL")
        .env_remove("REESTR_DATA_KEYS")
        .env_remove("REESTR_KEYS_DIR")
        .current_dir(dir);
    if let Some(keys) = keys {
        c.env("REESTR_KEYS_DIR", keys);
    }
    c.output().unwrap()
}

fn reestr(dir: &std::path::Path, args: &[&str]) -> Output {
    // A PostgreSQL register keeps its keys where REESTR_KEYS_DIR says: here, those of a.db.
    run_with_keys(dir, args, Some(&dir.join("a.db.keys")))
}

fn ok(dir: &std::path::Path, args: &[&str]) -> String {
    let out = reestr(dir, args);
    assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

/// Counts and the last lines of `reestr stats`.
fn stats(dir: &std::path::Path, db: &str) -> String {
    ok(dir, &["stats", "--db", db])
}

fn log(dir: &std::path::Path, db: &str) -> String {
    ok(dir, &["log", "--db", db, "--limit", "100000"])
}

#[test]
fn a_register_copies_to_an_empty_database_with_nothing_lost() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    ok(d, &["demo", "--no-serve", "--persons", "120", "--db", "sqlite://a.db"]);
    assert!(ok(d, &["migrate", "--db", "sqlite://b.db"]).contains("SQLite schema at version "));
    let out = ok(d, &["db", "copy", "--from", "sqlite://a.db", "--to", "sqlite://b.db"]);
    assert!(out.contains("every table matches its source"), "{out}");
    assert!(out.lines().any(|l| l.starts_with("events") && l.split_whitespace().nth(1) != Some("0")), "{out}");
    assert_eq!(stats(d, "sqlite://a.db"), stats(d, "sqlite://b.db"));
    assert_eq!(log(d, "sqlite://a.db"), log(d, "sqlite://b.db"));

    // Never into a register that holds something, and never from one that does not exist.
    let again = reestr(d, &["db", "copy", "--from", "sqlite://a.db", "--to", "sqlite://b.db"]);
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("not empty"));
    let missing = reestr(d, &["db", "copy", "--from", "sqlite://nothing.db", "--to", "sqlite://c.db"]);
    assert!(String::from_utf8_lossy(&missing.stderr).contains("no such database"));
    assert!(!d.join("nothing.db").exists());
}

#[test]
fn an_unknown_scheme_or_a_replica_without_postgres_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let out = reestr(dir.path(), &["stats", "--db", "mysql://x/y"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("must begin with sqlite:, postgres: or postgresql:"));
    let out = reestr(dir.path(), &["stats", "--replica-db", "postgres://127.0.0.1/x"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("--replica-db needs a PostgreSQL database"));
}

/// A schema of its own on the test server, as a URL the command line takes.
struct PgSchema {
    url: String,
    name: String,
}

impl PgSchema {
    fn new(base: &str, tag: &str) -> PgSchema {
        let name = format!("reestr_cli_{tag}_{}", std::process::id());
        let mut c = postgres::Client::connect(base, postgres::NoTls)
            .unwrap_or_else(|e| panic!("REESTR_TEST_POSTGRES is set, but the server cannot be reached: {e}"));
        c.batch_execute(&format!("DROP SCHEMA IF EXISTS {name} CASCADE; CREATE SCHEMA {name}")).unwrap();
        let sep = if base.contains('?') { '&' } else { '?' };
        PgSchema { url: format!("{base}{sep}options=-c%20search_path%3D{name}"), name }
    }
}

impl Drop for PgSchema {
    fn drop(&mut self) {
        if let Ok(base) = std::env::var("REESTR_TEST_POSTGRES")
            && let Ok(mut c) = postgres::Client::connect(&base, postgres::NoTls)
        {
            let _ = c.batch_execute(&format!("DROP SCHEMA IF EXISTS {} CASCADE", self.name));
        }
    }
}

#[test]
fn a_register_moves_from_sqlite_to_postgres_and_works_there() {
    let Ok(base) = std::env::var("REESTR_TEST_POSTGRES") else {
        eprintln!("note: REESTR_TEST_POSTGRES is not set, so the PostgreSQL copy is not tested");
        return;
    };
    let pg = PgSchema::new(&base, "copy");
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    ok(d, &["demo", "--no-serve", "--persons", "120", "--db", "sqlite://a.db"]);
    assert!(ok(d, &["migrate", "--db", &pg.url]).contains("PostgreSQL schema at version "));
    let out = ok(d, &["db", "copy", "--from", "sqlite://a.db", "--to", &pg.url]);
    assert!(out.contains("every table matches its source"), "{out}");
    assert_eq!(stats(d, "sqlite://a.db"), stats(d, &pg.url));
    assert_eq!(log(d, "sqlite://a.db"), log(d, &pg.url));

    // And back: the PostgreSQL register copies into a new SQLite file, equal again.
    let out = ok(d, &["db", "copy", "--from", &pg.url, "--to", "sqlite://back.db"]);
    assert!(out.contains("every table matches its source"), "{out}");
    assert_eq!(log(d, "sqlite://a.db"), log(d, "sqlite://back.db"));

    // The copy goes on as a register: the clock runs on it and the log continues.
    let before: u64 = stats(d, &pg.url).lines().last().unwrap()["events: ".len()..].parse().unwrap();
    ok(d, &["clock", "--db", &pg.url, "--at", "2099-01-01T00:00:00Z"]);
    let after: u64 = stats(d, &pg.url).lines().last().unwrap()["events: ".len()..].parse().unwrap();
    assert!(after > before, "{before} -> {after}");
}

/// `reestr` with each SQLite file's keys beside it (no REESTR_KEYS_DIR).
fn own_keys(dir: &std::path::Path, args: &[&str]) -> Output {
    run_with_keys(dir, args, None)
}

fn own_ok(dir: &std::path::Path, args: &[&str]) -> String {
    let out = own_keys(dir, args);
    assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// What a restored register must show like the original: counts, the whole log, and the same
/// Merkle tree (the checkpoint signed over it: same size, same root, same key).
fn same_register(run: &dyn Fn(&[&str]) -> String, a: &str, b: &str) {
    assert_eq!(run(&["stats", "--db", a]), run(&["stats", "--db", b]));
    assert_eq!(run(&["log", "--db", a, "--limit", "100000"]), run(&["log", "--db", b, "--limit", "100000"]));
    assert_eq!(run(&["log", "checkpoint", "--db", a]), run(&["log", "checkpoint", "--db", b]));
    let audit = run(&["audit", "verify", "--db", b]);
    assert!(audit.contains("the log and the records are as signed and recorded"), "{audit}");
}

#[test]
fn an_sqlite_backup_taken_during_an_import_restores_to_a_register_that_verifies() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    own_ok(d, &["demo", "--no-serve", "--persons", "150", "--db", "sqlite://a.db"]);
    own_ok(d, &["log", "checkpoint", "--db", "sqlite://a.db"]);
    own_ok(d, &["export", "persons", "--db", "sqlite://a.db", "--out", "persons.csv"]);

    // A second register fills from the export, a row a transaction, while it is backed up.
    own_ok(d, &["log", "checkpoint", "--db", "sqlite://b.db"]);
    let mut import = Command::new(env!("CARGO_BIN_EXE_reestr"))
        .args(["import", "persons", "persons.csv", "--batch", "1", "--db", "sqlite://b.db"])
        .env_remove("REESTR_KEYS_DIR")
        .current_dir(d)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    own_ok(d, &["backup", "--db", "sqlite://b.db", "--out", "b.backup"]);
    assert!(import.wait().unwrap().success());
    own_ok(d, &["restore", "b.backup", "--db", "sqlite://b2.db"]);
    let audit = own_ok(d, &["audit", "verify", "--db", "sqlite://b2.db"]);
    assert!(audit.contains("as signed and recorded"), "{audit}");

    // The demo register, whole.
    let out = own_ok(d, &["backup", "--db", "sqlite://a.db", "--out", "a.backup"]);
    assert!(out.contains("a.backup.keys"), "{out}");
    assert!(d.join("a.backup.keys").join("data-keys.json").exists());
    let out = own_ok(d, &["restore", "a.backup", "--db", "sqlite://r.db"]);
    assert!(out.contains("restored a.backup"), "{out}");
    same_register(&|args| own_ok(d, args), "sqlite://a.db", "sqlite://r.db");

    // Never over a file, never over a register unless told, never under other keys.
    let again = own_keys(d, &["backup", "--db", "sqlite://a.db", "--out", "a.backup"]);
    assert!(stderr(&again).contains("already exists"), "{}", stderr(&again));
    let over = own_keys(d, &["restore", "a.backup", "--db", "sqlite://b.db"]);
    assert!(stderr(&over).contains("are not the backup's"), "{}", stderr(&over));
    let over = own_keys(d, &["restore", "a.backup", "--db", "sqlite://r.db"]);
    assert!(stderr(&over).contains("give --force"), "{}", stderr(&over));
    own_ok(d, &["clock", "--db", "sqlite://r.db", "--at", "2099-01-01T00:00:00Z"]);
    own_ok(d, &["restore", "a.backup", "--db", "sqlite://r.db", "--force"]);
    same_register(&|args| own_ok(d, args), "sqlite://a.db", "sqlite://r.db");

    // Not a backup at all, or the wrong kind.
    std::fs::write(d.join("junk"), "hello").unwrap();
    let junk = own_keys(d, &["restore", "junk", "--db", "sqlite://j.db"]);
    assert!(stderr(&junk).contains("neither an SQLite backup nor a pg_dump archive"), "{}", stderr(&junk));
    let pg = own_keys(d, &["restore", "a.backup", "--db", "postgres://postgres@127.0.0.1:1/none"]);
    assert!(stderr(&pg).contains("is an SQLite backup"), "{}", stderr(&pg));
}

#[test]
fn a_postgres_backup_is_a_pg_dump_that_restores_to_a_register_that_verifies() {
    let Ok(base) = std::env::var("REESTR_TEST_POSTGRES") else {
        eprintln!("note: REESTR_TEST_POSTGRES is not set, so the PostgreSQL backup is not tested");
        return;
    };
    let pg = PgSchema::new(&base, "backup");
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    ok(d, &["demo", "--no-serve", "--persons", "120", "--db", &pg.url]);
    ok(d, &["log", "checkpoint", "--db", &pg.url]);
    let out = ok(d, &["backup", "--db", &pg.url, "--out", "pg.backup"]);
    assert!(out.contains("pg.backup.keys"), "{out}");
    assert!(std::fs::read(d.join("pg.backup")).unwrap().starts_with(b"PGDMP"));

    // Into a new database, the same schema: the register and its tree are the same.
    let database = format!("reestr_restore_{}", std::process::id());
    let mut admin = postgres::Client::connect(&base, postgres::NoTls).unwrap();
    admin.batch_execute(&format!("DROP DATABASE IF EXISTS {database}")).unwrap();
    admin.batch_execute(&format!("CREATE DATABASE {database}")).unwrap();
    let (head, query) = base.split_once('?').map_or((base.as_str(), None), |(h, q)| (h, Some(q)));
    let (server, _) = head.rsplit_once('/').unwrap();
    let query = query.map_or(String::new(), |q| format!("{q}&"));
    let target = format!("{server}/{database}?{query}options=-c%20search_path%3D{}", pg.name);
    let restored = std::panic::catch_unwind(|| {
        ok(d, &["restore", "pg.backup", "--db", &target]);
        same_register(&|args| ok(d, args), &pg.url, &target);
    });

    // Over the original: refused, then forced.
    let over = reestr(d, &["restore", "pg.backup", "--db", &pg.url]);
    let forced = std::panic::catch_unwind(|| {
        assert!(stderr(&over).contains("give --force"), "{}", stderr(&over));
        ok(d, &["restore", "pg.backup", "--db", &pg.url, "--force"]);
        let audit = ok(d, &["audit", "verify", "--db", &pg.url]);
        assert!(audit.contains("as signed and recorded"), "{audit}");
    });
    // The schema name is in the archive: another schema is told so.
    let elsewhere = PgSchema::new(&base, "elsewhere");
    let moved = reestr(d, &["restore", "pg.backup", "--db", &elsewhere.url]);
    admin.batch_execute(&format!("DROP DATABASE IF EXISTS {database} WITH (FORCE)")).unwrap();
    restored.unwrap();
    forced.unwrap();
    assert!(stderr(&moved).contains("the backup holds the schema"), "{}", stderr(&moved));
}

/// Found by the crash harness: the webhook's `--url` was taken for the database's URL (the
/// global `--db` had the id `url`), so `reestr agency webhook NAME --url URL` failed.
#[test]
fn a_webhooks_url_is_not_the_databases() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    own_ok(d, &["agency", "add", "border", "--kinds", "exit_ban", "--db", "sqlite://a.db"]);
    own_ok(d, &["agency", "webhook", "border", "--url", "http://127.0.0.1:9/hook", "--db", "sqlite://a.db"]);
    let list = own_ok(d, &["agency", "list", "--db", "sqlite://a.db"]);
    assert!(list.contains("http://127.0.0.1:9/hook"), "{list}");
    assert!(!d.join("http:").exists());
}
