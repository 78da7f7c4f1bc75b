//! The neutral image (what `reestr db copy` moves) names every table and column the PostgreSQL
//! register keeps, but for what only PostgreSQL needs: the log's sequencer (`log_head`, rebuilt
//! from the events), who holds an open summons (`open_summonses`, kept by a trigger from the
//! summonses) and the region of a measure (its partition, taken from its summons).
#![allow(clippy::unwrap_used)]

use reestr_postgres::testing;
use reestr_store::image::Table;

#[test]
fn the_image_covers_every_table_and_column() {
    let Some(url) = testing::url() else { return };
    let schema = testing::Schema::new(&url);
    drop(schema.open());
    let mut c = schema.client();
    let only_here = ["log_head", "open_summonses", "refinery_schema_history"];
    let mut tables: Vec<String> = c
        .query(
            "SELECT c.relname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') AND NOT c.relispartition ORDER BY 1",
            &[&schema.name],
        )
        .unwrap()
        .iter()
        .map(|r| r.get::<_, String>(0))
        .filter(|t| !only_here.contains(&t.as_str()))
        .collect();
    let mut imaged: Vec<String> = Table::ALL.iter().map(|t| t.name().to_owned()).collect();
    tables.sort();
    imaged.sort();
    assert_eq!(tables, imaged, "tables");
    for table in Table::ALL {
        let mut columns: Vec<String> = c
            .query(
                "SELECT column_name::text FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2",
                &[&schema.name, &table.name()],
            )
            .unwrap()
            .iter()
            .map(|r| r.get::<_, String>(0))
            .filter(|col| !(table == Table::Measures && col == "region"))
            .collect();
        let mut named: Vec<String> = table.columns().iter().map(|c| c.name.to_owned()).collect();
        columns.sort();
        named.sort();
        assert_eq!(columns, named, "columns of {table}");
    }
}
