//! The register's tables as backend-neutral images: dumped in key order, restored by COPY.

use postgres::{
    fallible_iterator::FallibleIterator,
    types::{IsNull, ToSql, Type, to_sql_checked},
};
use reestr_store::{
    Result, StoreError,
    image::{Cell, ImageRow, Kind, Table},
};

use crate::{
    pool::Conn,
    sql::{Day, Micros, backend, copy_in},
    tx::PgTx,
};

/// Every row of a table in key order, each column in the image's form.
pub(crate) fn dump(conn: &mut Conn, table: Table, f: &mut dyn FnMut(ImageRow) -> Result<()>) -> Result<()> {
    let columns = table.columns();
    let select: Vec<String> = columns
        .iter()
        .map(|c| match c.kind {
            Kind::Date => format!("to_char({0}, 'YYYY-MM-DD')", c.name),
            _ => c.name.to_owned(),
        })
        .collect();
    let sql = format!("SELECT {} FROM {table} ORDER BY {}", select.join(", "), table.order_by());
    let mut rows = conn.client.query_raw(sql.as_str(), std::iter::empty::<i64>()).map_err(backend)?;
    while let Some(row) = rows.next().map_err(backend)? {
        let cells = columns
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let cell = match c.kind {
                    Kind::Int => row.try_get::<_, Option<i64>>(i).map(|v| v.map(Cell::Int)),
                    Kind::Instant => row.try_get::<_, Option<Micros>>(i).map(|v| v.map(|m| Cell::Int(m.0))),
                    Kind::Text | Kind::Date => row.try_get::<_, Option<String>>(i).map(|v| v.map(Cell::Text)),
                    Kind::Bytes => row.try_get::<_, Option<Vec<u8>>>(i).map(|v| v.map(Cell::Bytes)),
                };
                cell.map(|c| c.unwrap_or(Cell::Null)).map_err(backend)
            })
            .collect::<Result<ImageRow>>()?;
        f(cells)?;
    }
    Ok(())
}

/// A cell of the image as the column's type takes it.
#[derive(Debug)]
enum Value<'a> {
    Null,
    Int(i64),
    Text(&'a str),
    Bytes(&'a [u8]),
    Instant(Micros),
    Date(Day),
}

impl<'a> Value<'a> {
    fn of(cell: &'a Cell, kind: Kind) -> Result<Value<'a>> {
        let wrong = || StoreError::Corrupt(format!("an image cell that is not of kind {kind:?}"));
        Ok(match (cell, kind) {
            (Cell::Null, _) => Value::Null,
            (Cell::Int(n), Kind::Int) => Value::Int(*n),
            (Cell::Int(n), Kind::Instant) => Value::Instant(Micros(*n)),
            (Cell::Text(s), Kind::Text) => Value::Text(s),
            (Cell::Text(s), Kind::Date) => Value::Date(Day::parse(s)?),
            (Cell::Bytes(b), Kind::Bytes) => Value::Bytes(b),
            _ => return Err(wrong()),
        })
    }
}

impl ToSql for Value<'_> {
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut bytes::BytesMut,
    ) -> std::result::Result<IsNull, Box<dyn std::error::Error + Sync + Send>> {
        match self {
            Value::Null => Ok(IsNull::Yes),
            Value::Int(n) => n.to_sql(ty, out),
            Value::Text(s) => s.to_sql(ty, out),
            Value::Bytes(b) => b.to_sql(ty, out),
            Value::Instant(m) => m.to_sql(ty, out),
            Value::Date(d) => d.to_sql(ty, out),
        }
    }

    fn accepts(ty: &Type) -> bool {
        [Type::INT8, Type::TEXT, Type::BYTEA, Type::TIMESTAMPTZ, Type::DATE].contains(ty)
    }

    to_sql_checked!();
}

fn pg_type(kind: Kind) -> Type {
    match kind {
        Kind::Int => Type::INT8,
        Kind::Text => Type::TEXT,
        Kind::Bytes => Type::BYTEA,
        Kind::Instant => Type::TIMESTAMPTZ,
        Kind::Date => Type::DATE,
    }
}

/// COPYs image rows into `target` (a table with the image's columns).
fn copy_rows(conn: &mut Conn, target: &str, table: Table, rows: &[ImageRow]) -> Result<()> {
    let columns = table.columns();
    let names: Vec<&str> = columns.iter().map(|c| c.name).collect();
    let types: Vec<Type> = columns.iter().map(|c| pg_type(c.kind)).collect();
    let sql = format!("COPY {target} ({}) FROM STDIN BINARY", names.join(", "));
    copy_in(&mut conn.client, &sql, &types, |copy| {
        for row in rows {
            if row.len() != columns.len() {
                return Err(StoreError::Corrupt(format!("an image row of {table} with {} cells", row.len())));
            }
            let values =
                row.iter().zip(columns).map(|(cell, c)| Value::of(cell, c.kind)).collect::<Result<Vec<_>>>()?;
            copy.write_raw(values.iter()).map_err(backend)?;
        }
        Ok(())
    })
}

pub(crate) fn restore(tx: &mut PgTx<'_>, table: Table, rows: &[ImageRow]) -> Result<()> {
    match table {
        // Every register starts with its regions' states: the image's replace them.
        Table::Rollout => {
            tx.temp_table("rollout_in", "region bigint, state text, changed_at timestamptz")?;
            copy_rows(tx.conn, "rollout_in", table, rows)?;
            tx.conn
                .client
                .batch_execute(
                    "INSERT INTO rollout (region, state, changed_at) SELECT region, state, changed_at FROM rollout_in
                     ON CONFLICT (region) DO UPDATE SET state = excluded.state, changed_at = excluded.changed_at",
                )
                .map_err(backend)
        }
        Table::TreeSize => {
            tx.temp_table("tree_size_in", "id bigint, size bigint")?;
            copy_rows(tx.conn, "tree_size_in", table, rows)?;
            tx.conn
                .client
                .batch_execute(
                    "INSERT INTO tree_size (id, size) SELECT id, size FROM tree_size_in
                     ON CONFLICT (id) DO UPDATE SET size = excluded.size",
                )
                .map_err(backend)
        }
        // Measures are kept in their summons's region, which the image does not repeat: they wait
        // in a temporary table and join their summonses once, at the end.
        Table::Measures => {
            if !tx.writes()?.temp_tables.contains(&"measures_in") {
                tx.temp_table(
                    "measures_in",
                    "id bigint, summons_id bigint, person_id bigint, kind text, started_at timestamptz,
                     trigger text, lifted_at timestamptz, lift_cause text",
                )?;
            }
            copy_rows(tx.conn, "measures_in", table, rows)
        }
        _ => copy_rows(tx.conn, table.name(), table, rows),
    }
}

/// Moves the waiting measures in, makes ids continue after the restored ones, and the log after
/// its last event.
pub(crate) fn finish_restore(tx: &mut PgTx<'_>) -> Result<()> {
    if tx.writes()?.temp_tables.contains(&"measures_in") {
        let moved = tx
            .conn
            .client
            .execute(
                "INSERT INTO measures (id, region, summons_id, person_id, kind, started_at, trigger, lifted_at, lift_cause)
                 SELECT m.id, s.region, m.summons_id, m.person_id, m.kind, m.started_at, m.trigger, m.lifted_at,
                        m.lift_cause
                 FROM measures_in m JOIN summonses s ON s.id = m.summons_id",
                &[],
            )
            .map_err(backend)?;
        let waiting = tx.conn.client.query_one("SELECT count(*) FROM measures_in", &[]).map_err(backend)?;
        if moved != waiting.get::<_, i64>(0) as u64 {
            return Err(StoreError::Corrupt("a measure of a summons that is not in the image".into()));
        }
    }
    tx.conn
        .client
        .batch_execute(
            "SELECT setval(pg_get_serial_sequence('persons', 'id'), coalesce(max(id), 0) + 1, false) FROM persons;
             SELECT setval(pg_get_serial_sequence('person_history', 'id'), coalesce(max(id), 0) + 1, false)
               FROM person_history;
             SELECT setval('summonses_id_seq', coalesce(max(id), 0) + 1, false) FROM summonses;
             SELECT setval('measures_id_seq', coalesce(max(id), 0) + 1, false) FROM measures;
             SELECT setval(pg_get_serial_sequence('users', 'id'), coalesce(max(id), 0) + 1, false) FROM users;
             SELECT setval(pg_get_serial_sequence('api_keys', 'id'), coalesce(max(id), 0) + 1, false) FROM api_keys;
             SELECT setval(pg_get_serial_sequence('corrections', 'id'), coalesce(max(id), 0) + 1, false)
               FROM corrections;
             SELECT setval(pg_get_serial_sequence('checkpoints', 'id'), coalesce(max(id), 0) + 1, false)
               FROM checkpoints;
             SELECT setval(pg_get_serial_sequence('agencies', 'id'), coalesce(max(id), 0) + 1, false) FROM agencies;
             SELECT setval(pg_get_serial_sequence('deliveries', 'id'), coalesce(max(id), 0) + 1, false)
               FROM deliveries;
             SELECT setval(pg_get_serial_sequence('campaigns', 'id'), coalesce(max(id), 0) + 1, false)
               FROM campaigns;
             SELECT setval(pg_get_serial_sequence('notices', 'id'), coalesce(max(id), 0) + 1, false) FROM notices;
             SELECT setval(pg_get_serial_sequence('notice_mail', 'id'), coalesce(max(id), 0) + 1, false)
               FROM notice_mail;",
        )
        .map_err(backend)?;
    let last = tx.conn.client.query_one("SELECT coalesce(max(seq), 0) FROM events", &[]).map_err(backend)?;
    tx.writes()?.last_seq = last.get(0);
    Ok(())
}
