//! The PostgreSQL and SQLite migrations pair up: the same versions, with the same names, so that
//! version N means the same change on both.

use std::path::Path;

use reestr_postgres::PgStore;
use reestr_sqlite::SqliteStore;

fn files(dir: &str) -> Vec<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.map(|e| e.file_name().to_string_lossy().into_owned()))
        .collect::<Result<_, _>>()
        .unwrap_or_default();
    names.sort();
    names
}

#[test]
fn both_backends_apply_the_same_versions() {
    let pg = PgStore::migration_versions();
    assert!(!pg.is_empty());
    assert_eq!(pg, SqliteStore::migration_versions());
}

#[test]
fn each_version_has_the_same_name_on_both() {
    let pg = files("migrations");
    let sqlite = files("../reestr-sqlite/migrations");
    assert!(pg.iter().all(|f| f.starts_with('V') && f.ends_with(".sql")), "{pg:?}");
    assert_eq!(pg, sqlite, "a migration without its pair");
}
