//! `reestr migrate` and `reestr db copy`, and the same commands on PostgreSQL when
//! REESTR_TEST_POSTGRES names a server.
#![allow(clippy::unwrap_used)]

use std::process::{Command, Output};

fn reestr(dir: &std::path::Path, args: &[&str]) -> Output {
    // A PostgreSQL register keeps its keys where REESTR_KEYS_DIR says: here, those of a.db.
    Command::new(env!("CARGO_BIN_EXE_reestr"))
        .args(args)
        .env_remove("REESTR_DATABASE_URL")
        .env_remove("REESTR_REPLICA_URL")
        .env_remove("REESTR_DATA_KEYS")
        .env("REESTR_KEYS_DIR", dir.join("a.db.keys"))
        .current_dir(dir)
        .output()
        .unwrap()
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
