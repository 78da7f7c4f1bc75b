//! The neutral image (what `reestr db copy` moves) names every table and column SQLite keeps, so
//! a migration that adds one cannot be silently left out of a copy.

use reestr_sqlite::SqliteStore;
use reestr_store::image::Table;

#[test]
fn the_image_covers_every_table_and_column() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("reestr.db");
    drop(SqliteStore::open(&path).expect("open"));
    let conn = rusqlite::Connection::open(&path).expect("connect");
    let mut tables: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> 'refinery_schema_history' ORDER BY name")
        .expect("prepare")
        .query_map([], |r| r.get(0))
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("rows");
    let mut imaged: Vec<String> = Table::ALL.iter().map(|t| t.name().to_owned()).collect();
    tables.sort();
    imaged.sort();
    assert_eq!(tables, imaged, "tables");
    for table in Table::ALL {
        let mut columns: Vec<String> = conn
            .prepare(&format!("SELECT name FROM pragma_table_info('{}')", table.name()))
            .expect("prepare")
            .query_map([], |r| r.get(0))
            .expect("query")
            .collect::<Result<_, _>>()
            .expect("rows");
        let mut named: Vec<String> = table.columns().iter().map(|c| c.name.to_owned()).collect();
        columns.sort();
        named.sort();
        assert_eq!(columns, named, "columns of {table}");
    }
}
