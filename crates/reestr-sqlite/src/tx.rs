//! Reads and writes inside one transaction.

use std::collections::BTreeMap;

use jiff::Timestamp;
use reestr_core::{
    event::{Actor, Event},
    person::{Field, FieldChange, Person, PersonId},
    region::{RegionCode, Rollout},
    summons::{Change, Status, Summons, SummonsNumber},
};
use reestr_store::{
    HistoryEntry, Inserted, Lookup, NewEvent, PersonRow, ReadTx, Result, StoreError, StoredSummons, WriteTx,
    image::{Cell, ImageRow, Table},
    time::{from_micros, to_micros},
};
use rusqlite::{Connection, OptionalExtension, Row, params, types::ValueRef};

use crate::backend;

pub(crate) struct SqliteTx<'c> {
    conn: &'c Connection,
}

impl<'c> SqliteTx<'c> {
    pub(crate) fn new(conn: &'c Connection) -> Self {
        SqliteTx { conn }
    }

    fn person_where(&mut self, clause: &str, key: i64) -> Result<Option<Person>> {
        let sql = format!("SELECT id, record FROM persons WHERE {clause} = ?1");
        self.conn
            .prepare_cached(&sql)
            .map_err(backend)?
            .query_row([key], person_row)
            .optional()
            .map_err(backend)?
            .map(decode_person)
            .transpose()
    }

    fn id_where(&mut self, clause: &str, key: Option<i64>) -> Result<Option<PersonId>> {
        let Some(key) = key else { return Ok(None) };
        let sql = format!("SELECT id FROM persons WHERE {clause} = ?1");
        Ok(self
            .conn
            .prepare_cached(&sql)
            .map_err(backend)?
            .query_row([key], |r| r.get(0))
            .optional()
            .map_err(backend)?
            .map(PersonId))
    }

    fn summonses_where(&mut self, sql: &str, params: impl rusqlite::Params) -> Result<Vec<StoredSummons>> {
        let mut stmt = self.conn.prepare_cached(sql).map_err(backend)?;
        let rows = stmt.query_map(params, |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?))).map_err(backend)?;
        rows.map(|row| {
            let (id, state) = row.map_err(backend)?;
            Ok(StoredSummons { id, summons: serde_json::from_str(&state)? })
        })
        .collect()
    }

    fn events_where(&mut self, sql: &str, params: impl rusqlite::Params) -> Result<Vec<Event>> {
        let mut stmt = self.conn.prepare_cached(sql).map_err(backend)?;
        let rows = stmt.query_map(params, event_row).map_err(backend)?;
        rows.map(|r| r.map_err(backend)?).collect()
    }
}

fn column(key: Lookup) -> &'static str {
    match key {
        Lookup::Snils(_) => "snils",
        Lookup::Passport(_) => "passport",
        Lookup::Inn(_) => "inn",
    }
}

fn person_row(r: &Row<'_>) -> rusqlite::Result<(i64, String)> {
    Ok((r.get(0)?, r.get(1)?))
}

fn decode_person((id, record): (i64, String)) -> Result<Person> {
    Ok(Person { id: PersonId(id), record: serde_json::from_str(&record)? })
}

fn event_row(r: &Row<'_>) -> rusqlite::Result<Result<Event>> {
    let kind: String = r.get(3)?;
    let payload: String = r.get(7)?;
    let summons: Option<String> = r.get(6)?;
    let decode = move || -> Result<Event> {
        Ok(Event {
            seq: r.get::<_, i64>(0).map_err(backend)? as u64,
            recorded_at: from_micros(r.get(1).map_err(backend)?),
            effective_at: from_micros(r.get(2).map_err(backend)?),
            kind: kind.parse().map_err(|e: reestr_core::event::UnknownEventKind| StoreError::Corrupt(e.to_string()))?,
            actor: Actor::from_stored(r.get(4).map_err(backend)?),
            person: r.get::<_, Option<i64>>(5).map_err(backend)?.map(PersonId),
            summons: summons.map(|s| s.parse()).transpose()?,
            payload: serde_json::from_str(&payload)?,
        })
    };
    Ok(decode())
}

const EVENT_COLUMNS: &str = "seq, recorded_at, effective_at, kind, actor, person_id, summons, payload";

impl ReadTx for SqliteTx<'_> {
    fn person(&mut self, id: PersonId) -> Result<Option<Person>> {
        self.person_where("id", id.0)
    }

    fn person_by(&mut self, key: Lookup) -> Result<Option<Person>> {
        self.person_where(column(key), key.key())
    }

    fn count_persons(&mut self) -> Result<u64> {
        self.conn
            .query_row("SELECT count(*) FROM persons", [], |r| r.get::<_, i64>(0))
            .map(|n| n as u64)
            .map_err(backend)
    }

    fn for_each_person(&mut self, f: &mut dyn FnMut(Person) -> Result<()>) -> Result<()> {
        let mut stmt = self.conn.prepare("SELECT id, record FROM persons ORDER BY id").map_err(backend)?;
        let mut rows = stmt.query([]).map_err(backend)?;
        while let Some(row) = rows.next().map_err(backend)? {
            f(decode_person(person_row(row).map_err(backend)?)?)?;
        }
        Ok(())
    }

    fn field_history(&mut self, person: PersonId) -> Result<Vec<HistoryEntry>> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT field, value, source, as_of, replaced_at, event_seq FROM person_history
                 WHERE person_id = ?1 ORDER BY id",
            )
            .map_err(backend)?;
        let rows = stmt
            .query_map([person.0], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, i64>(4)?,
                    r.get::<_, i64>(5)?,
                ))
            })
            .map_err(backend)?;
        rows.map(|row| {
            let (field, value, source, as_of, replaced_at, seq) = row.map_err(backend)?;
            let corrupt = |what: &str| StoreError::Corrupt(format!("person_history: bad {what}"));
            let field = Field::from_name(&field).ok_or_else(|| corrupt("field"))?;
            Ok(HistoryEntry {
                field,
                value: field.parse(&value).map_err(|p| corrupt(p.code))?,
                provenance: reestr_core::person::Provenance {
                    source,
                    as_of: as_of.parse().map_err(|_| corrupt("as_of"))?,
                },
                replaced_at: from_micros(replaced_at),
                event_seq: seq as u64,
            })
        })
        .collect()
    }

    fn summons(&mut self, number: &SummonsNumber) -> Result<Option<StoredSummons>> {
        Ok(self.summonses_where("SELECT id, state FROM summonses WHERE number = ?1", [number.as_str()])?.pop())
    }

    fn summonses_of(&mut self, person: PersonId) -> Result<Vec<StoredSummons>> {
        self.summonses_where("SELECT id, state FROM summonses WHERE person_id = ?1 ORDER BY id", [person.0])
    }

    fn due(&mut self, now: Timestamp, limit: usize) -> Result<Vec<StoredSummons>> {
        self.summonses_where(
            "SELECT id, state FROM summonses WHERE next_due_at <= ?1 ORDER BY next_due_at LIMIT ?2",
            params![to_micros(now), limit as i64],
        )
    }

    fn next_due(&mut self) -> Result<Option<Timestamp>> {
        self.conn
            .query_row("SELECT min(next_due_at) FROM summonses", [], |r| r.get::<_, Option<i64>>(0))
            .map(|t| t.map(from_micros))
            .map_err(backend)
    }

    fn status_counts(&mut self) -> Result<BTreeMap<Status, u64>> {
        let mut stmt = self.conn.prepare("SELECT status, count(*) FROM summonses GROUP BY status").map_err(backend)?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))).map_err(backend)?;
        rows.map(|row| {
            let (status, n) = row.map_err(backend)?;
            Ok((status.parse()?, n as u64))
        })
        .collect()
    }

    fn measures_in_force(&mut self) -> Result<u64> {
        self.conn
            .query_row("SELECT count(*) FROM measures WHERE lifted_at IS NULL", [], |r| r.get::<_, i64>(0))
            .map(|n| n as u64)
            .map_err(backend)
    }

    fn rollout(&mut self) -> Result<BTreeMap<RegionCode, Rollout>> {
        let mut stmt = self.conn.prepare_cached("SELECT region, state FROM rollout").map_err(backend)?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?))).map_err(backend)?;
        rows.map(|row| {
            let (region, state) = row.map_err(backend)?;
            Ok((region.to_string().parse()?, state.parse()?))
        })
        .collect()
    }

    fn events(&mut self, after: u64, limit: usize) -> Result<Vec<Event>> {
        let sql = format!("SELECT {EVENT_COLUMNS} FROM events WHERE seq > ?1 ORDER BY seq LIMIT ?2");
        self.events_where(&sql, params![after as i64, limit as i64])
    }

    fn events_of_person(&mut self, person: PersonId) -> Result<Vec<Event>> {
        let sql = format!("SELECT {EVENT_COLUMNS} FROM events WHERE person_id = ?1 ORDER BY seq");
        self.events_where(&sql, [person.0])
    }

    fn last_seq(&mut self) -> Result<u64> {
        self.conn
            .query_row("SELECT coalesce(max(seq), 0) FROM events", [], |r| r.get::<_, i64>(0))
            .map(|n| n as u64)
            .map_err(backend)
    }

    fn dump(&mut self, table: Table, f: &mut dyn FnMut(ImageRow) -> Result<()>) -> Result<()> {
        // Instants are stored as integer microseconds and dates as text: already the image's form.
        let columns: Vec<&str> = table.columns().iter().map(|c| c.name).collect();
        let sql = format!("SELECT {} FROM {} ORDER BY {}", columns.join(", "), table.name(), table.order_by());
        let mut stmt = self.conn.prepare(&sql).map_err(backend)?;
        let mut rows = stmt.query([]).map_err(backend)?;
        while let Some(row) = rows.next().map_err(backend)? {
            let cells = (0..columns.len())
                .map(|i| match row.get_ref(i).map_err(backend)? {
                    ValueRef::Null => Ok(Cell::Null),
                    ValueRef::Integer(n) => Ok(Cell::Int(n)),
                    ValueRef::Text(t) => Ok(Cell::Text(String::from_utf8_lossy(t).into_owned())),
                    _ => Err(StoreError::Corrupt(format!("{table}.{}: unexpected type", columns[i]))),
                })
                .collect::<Result<_>>()?;
            f(cells)?;
        }
        Ok(())
    }
}

impl WriteTx for SqliteTx<'_> {
    fn insert_person(&mut self, p: &PersonRow) -> Result<Inserted> {
        let inserted = self
            .conn
            .prepare_cached(
                "INSERT INTO persons (snils, passport, inn, surname, given_name, birth_date, region, commissariat, record)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) ON CONFLICT DO NOTHING",
            )
            .map_err(backend)?
            .execute(params![
                p.snils,
                p.passport,
                p.inn,
                p.surname,
                p.given_name,
                p.birth_date,
                p.region,
                p.commissariat,
                p.record
            ])
            .map_err(backend)?;
        if inserted == 1 {
            return Ok(Inserted::Person(PersonId(self.conn.last_insert_rowid())));
        }
        Ok(Inserted::Conflict {
            snils: self.id_where("snils", Some(p.snils))?,
            passport: self.id_where("passport", Some(p.passport))?,
            inn: self.id_where("inn", p.inn)?,
        })
    }

    fn update_person(&mut self, id: PersonId, p: &PersonRow) -> Result<()> {
        self.conn
            .prepare_cached(
                "UPDATE persons SET snils = ?2, passport = ?3, inn = ?4, surname = ?5, given_name = ?6,
                 birth_date = ?7, region = ?8, commissariat = ?9, record = ?10 WHERE id = ?1",
            )
            .map_err(backend)?
            .execute(params![
                id.0,
                p.snils,
                p.passport,
                p.inn,
                p.surname,
                p.given_name,
                p.birth_date,
                p.region,
                p.commissariat,
                p.record
            ])
            .map_err(backend)?;
        Ok(())
    }

    fn insert_history(&mut self, person: PersonId, change: &FieldChange, at: Timestamp, event_seq: u64) -> Result<()> {
        let Some(old) = &change.old else {
            return Ok(());
        };
        self.conn
            .prepare_cached(
                "INSERT INTO person_history (person_id, field, value, source, as_of, replaced_at, event_seq)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )
            .map_err(backend)?
            .execute(params![
                person.0,
                change.field.name(),
                old.value.to_string(),
                old.provenance.source,
                old.provenance.as_of.to_string(),
                to_micros(at),
                event_seq as i64
            ])
            .map_err(backend)?;
        Ok(())
    }

    fn next_summons_seq(&mut self, region: RegionCode, year: i16) -> Result<u64> {
        self.conn
            .prepare_cached(
                "INSERT INTO summons_counters (region, year, last) VALUES (?1, ?2, 1)
                 ON CONFLICT (region, year) DO UPDATE SET last = last + 1 RETURNING last",
            )
            .map_err(backend)?
            .query_row(params![region.get(), year], |r| r.get::<_, i64>(0))
            .map(|n| n as u64)
            .map_err(backend)
    }

    fn insert_summons(&mut self, s: &Summons, next_due: Option<Timestamp>) -> Result<i64> {
        self.conn
            .prepare_cached(
                "INSERT INTO summonses (number, person_id, region, commissariat, status, posted_at, next_due_at, state)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )
            .map_err(backend)?
            .execute(params![
                s.number.as_str(),
                s.person.0,
                s.commissariat.region().get(),
                s.commissariat.as_str(),
                s.status.as_str(),
                to_micros(s.posted_at),
                next_due.map(to_micros),
                serde_json::to_string(s)?
            ])
            .map_err(backend)?;
        Ok(self.conn.last_insert_rowid())
    }

    fn update_summons(&mut self, id: i64, s: &Summons, next_due: Option<Timestamp>, changes: &[Change]) -> Result<()> {
        self.conn
            .prepare_cached("UPDATE summonses SET status = ?2, next_due_at = ?3, state = ?4 WHERE id = ?1")
            .map_err(backend)?
            .execute(params![id, s.status.as_str(), next_due.map(to_micros), serde_json::to_string(s)?])
            .map_err(backend)?;
        for change in changes {
            match change {
                Change::MeasureStarted { at, kind, trigger } => {
                    let trigger = serde_json::to_value(trigger)?;
                    self.conn
                        .prepare_cached(
                            "INSERT INTO measures (summons_id, person_id, kind, started_at, trigger)
                             VALUES (?1, ?2, ?3, ?4, ?5)",
                        )
                        .map_err(backend)?
                        .execute(params![id, s.person.0, kind.as_str(), to_micros(*at), trigger.as_str()])
                        .map_err(backend)?;
                }
                Change::MeasureLifted { at, kind, cause } => {
                    let cause = serde_json::to_value(cause)?;
                    self.conn
                        .prepare_cached(
                            "UPDATE measures SET lifted_at = ?3, lift_cause = ?4
                             WHERE summons_id = ?1 AND kind = ?2 AND lifted_at IS NULL",
                        )
                        .map_err(backend)?
                        .execute(params![id, kind.as_str(), to_micros(*at), cause.as_str()])
                        .map_err(backend)?;
                }
                _ => {}
            }
        }
        Ok(())
    }

    fn set_rollout(&mut self, region: RegionCode, state: Rollout, at: Timestamp) -> Result<()> {
        self.conn
            .prepare_cached(
                "INSERT INTO rollout (region, state, changed_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT (region) DO UPDATE SET state = ?2, changed_at = ?3",
            )
            .map_err(backend)?
            .execute(params![region.get(), state.as_str(), to_micros(at)])
            .map_err(backend)?;
        Ok(())
    }

    fn append(&mut self, e: &NewEvent<'_>, recorded_at: Timestamp) -> Result<u64> {
        self.conn
            .prepare_cached(
                "INSERT INTO events (recorded_at, effective_at, kind, actor, person_id, summons, payload)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )
            .map_err(backend)?
            .execute(params![
                to_micros(recorded_at),
                to_micros(e.effective_at),
                e.kind.as_str(),
                e.actor.as_str(),
                e.person.map(|p| p.0),
                e.summons.map(|s| s.as_str()),
                e.payload
            ])
            .map_err(backend)?;
        Ok(self.conn.last_insert_rowid() as u64)
    }

    fn restore(&mut self, table: Table, rows: &[ImageRow]) -> Result<()> {
        let columns: Vec<&str> = table.columns().iter().map(|c| c.name).collect();
        let marks: Vec<String> = (1..=columns.len()).map(|i| format!("?{i}")).collect();
        let upsert = match table {
            Table::Rollout => {
                " ON CONFLICT (region) DO UPDATE SET state = excluded.state, changed_at = excluded.changed_at"
            }
            _ => "",
        };
        let sql = format!("INSERT INTO {table} ({}) VALUES ({}){upsert}", columns.join(", "), marks.join(", "));
        let mut stmt = self.conn.prepare_cached(&sql).map_err(backend)?;
        for row in rows {
            let values = row.iter().map(|c| match c {
                Cell::Null => rusqlite::types::Value::Null,
                Cell::Int(n) => rusqlite::types::Value::Integer(*n),
                Cell::Text(t) => rusqlite::types::Value::Text(t.clone()),
            });
            stmt.execute(rusqlite::params_from_iter(values)).map_err(backend)?;
        }
        Ok(())
    }

    fn finish_restore(&mut self) -> Result<()> {
        // Row ids continue after the largest one by themselves; the log's seq is its row id.
        Ok(())
    }
}
