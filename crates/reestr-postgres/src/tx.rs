//! Reads and writes inside one transaction.

use std::collections::{BTreeMap, HashMap};

use jiff::Timestamp;
use postgres::{Row, binary_copy::BinaryCopyInWriter, types::Type};
use reestr_core::{
    event::{Actor, Event},
    person::{Field, FieldChange, Person, PersonId},
    region::{RegionCode, Rollout},
    summons::{Change, Status, Summons, SummonsNumber},
};
use reestr_store::{
    HistoryEntry, Inserted, Lookup, NewEvent, PersonRow, ReadTx, Result, StoreError, StoredSummons, WriteTx,
    image::{ImageRow, Table},
};

use crate::{
    pool::Conn,
    sql::{Micros, backend},
};

/// Buffered rows are sent once this many are waiting, whatever comes next.
const FLUSH_AT: usize = 20_000;

pub(crate) struct PgTx<'c> {
    pub(crate) conn: &'c mut Conn,
    pub(crate) write: Option<Writes>,
}

/// What a writing transaction holds back to send in bulk, and the log's numbering.
#[derive(Default)]
pub(crate) struct Writes {
    /// The last sequence number given out (log_head's value when the transaction began, plus
    /// the events appended since).
    pub(crate) last_seq: i64,
    events: Vec<PendingEvent>,
    measures: Vec<PendingMeasure>,
    summonses: Vec<PendingSummons>,
    /// Where each summons's pending update is in `summonses`: a later update replaces it.
    summons_at: HashMap<(i64, i64), usize>,
    /// Temporary tables this transaction has created (they are dropped at commit).
    pub(crate) temp_tables: Vec<&'static str>,
}

struct PendingEvent {
    seq: i64,
    recorded_at: Micros,
    effective_at: Micros,
    kind: &'static str,
    actor: String,
    person: Option<i64>,
    summons: Option<String>,
    payload: String,
}

struct PendingMeasure {
    region: i64,
    summons_id: i64,
    person_id: i64,
    kind: &'static str,
    started_at: Micros,
    trigger: String,
}

struct PendingSummons {
    region: i64,
    id: i64,
    status: &'static str,
    next_due: Option<Micros>,
    state: String,
}

impl<'c> PgTx<'c> {
    pub(crate) fn read(conn: &'c mut Conn) -> PgTx<'c> {
        PgTx { conn, write: None }
    }

    pub(crate) fn write(conn: &'c mut Conn, head: i64) -> PgTx<'c> {
        PgTx { conn, write: Some(Writes { last_seq: head, ..Writes::default() }) }
    }

    /// Sends what is buffered; returns the last sequence number given out (for log_head).
    pub(crate) fn finish(&mut self) -> Result<Option<i64>> {
        self.flush()?;
        Ok(self.write.as_ref().map(|w| w.last_seq))
    }

    pub(crate) fn writes(&mut self) -> Result<&mut Writes> {
        self.write.as_mut().ok_or_else(|| StoreError::Backend("a write in a read-only transaction".into()))
    }

    /// Sends every buffered write, summonses first (measures refer to them).
    pub(crate) fn flush(&mut self) -> Result<()> {
        let Some(w) = self.write.as_mut() else { return Ok(()) };
        if !w.summonses.is_empty() {
            let pending = std::mem::take(&mut w.summonses);
            w.summons_at.clear();
            // One statement per region: with the region a constant, the planner prunes to its
            // partition instead of preparing an update of every region's; `id = ANY` lets it see
            // how few rows are touched (else it hashes the whole partition).
            let mut by_region: BTreeMap<i64, Vec<&PendingSummons>> = BTreeMap::new();
            for p in &pending {
                by_region.entry(p.region).or_default().push(p);
            }
            let sql = "UPDATE summonses s SET status = u.status, next_due_at = u.next_due, state = u.state
                       FROM unnest($2::bigint[], $3::text[], $4::timestamptz[], $5::text[])
                            AS u(id, status, next_due, state)
                       WHERE s.region = $1 AND s.id = ANY($2) AND s.id = u.id";
            let stmt = self.conn.statement(sql)?;
            for (region, updates) in by_region {
                let ids: Vec<i64> = updates.iter().map(|p| p.id).collect();
                let statuses: Vec<&str> = updates.iter().map(|p| p.status).collect();
                let dues: Vec<Option<Micros>> = updates.iter().map(|p| p.next_due).collect();
                let states: Vec<&str> = updates.iter().map(|p| p.state.as_str()).collect();
                let n =
                    self.conn.client.execute(&stmt, &[&region, &ids, &statuses, &dues, &states]).map_err(backend)?;
                if n != ids.len() as u64 {
                    return Err(StoreError::Corrupt(format!("updated {n} of {} summonses", ids.len())));
                }
            }
        }
        let w = self.write.as_mut().ok_or_else(|| StoreError::Backend("no writes".into()))?;
        if !w.measures.is_empty() {
            let pending = std::mem::take(&mut w.measures);
            let sink = self
                .conn
                .client
                .copy_in("COPY measures (region, summons_id, person_id, kind, started_at, trigger) FROM STDIN BINARY")
                .map_err(backend)?;
            let types = [Type::INT8, Type::INT8, Type::INT8, Type::TEXT, Type::TIMESTAMPTZ, Type::TEXT];
            let mut copy = BinaryCopyInWriter::new(sink, &types);
            for m in &pending {
                copy.write(&[&m.region, &m.summons_id, &m.person_id, &m.kind, &m.started_at, &m.trigger])
                    .map_err(backend)?;
            }
            copy.finish().map_err(backend)?;
        }
        let w = self.write.as_mut().ok_or_else(|| StoreError::Backend("no writes".into()))?;
        if !w.events.is_empty() {
            let pending = std::mem::take(&mut w.events);
            let sink = self
                .conn
                .client
                .copy_in(
                    "COPY events (seq, recorded_at, effective_at, kind, actor, person_id, summons, payload)
                     FROM STDIN BINARY",
                )
                .map_err(backend)?;
            let types = [
                Type::INT8,
                Type::TIMESTAMPTZ,
                Type::TIMESTAMPTZ,
                Type::TEXT,
                Type::TEXT,
                Type::INT8,
                Type::TEXT,
                Type::TEXT,
            ];
            let mut copy = BinaryCopyInWriter::new(sink, &types);
            for e in &pending {
                copy.write(&[
                    &e.seq,
                    &e.recorded_at,
                    &e.effective_at,
                    &e.kind,
                    &e.actor,
                    &e.person,
                    &e.summons,
                    &e.payload,
                ])
                .map_err(backend)?;
            }
            copy.finish().map_err(backend)?;
        }
        Ok(())
    }

    fn query(&mut self, sql: &'static str, params: &[&(dyn postgres::types::ToSql + Sync)]) -> Result<Vec<Row>> {
        self.flush()?;
        let stmt = self.conn.statement(sql)?;
        self.conn.client.query(&stmt, params).map_err(backend)
    }

    fn execute(&mut self, sql: &'static str, params: &[&(dyn postgres::types::ToSql + Sync)]) -> Result<u64> {
        let stmt = self.conn.statement(sql)?;
        self.conn.client.execute(&stmt, params).map_err(backend)
    }

    fn person_where(&mut self, sql: &'static str, key: i64) -> Result<Option<Person>> {
        self.query(sql, &[&key])?.first().map(decode_person).transpose()
    }

    fn summonses(
        &mut self,
        sql: &'static str,
        params: &[&(dyn postgres::types::ToSql + Sync)],
    ) -> Result<Vec<StoredSummons>> {
        self.query(sql, params)?
            .iter()
            .map(|r| Ok(StoredSummons { id: r.get(0), summons: serde_json::from_str(r.get(1))? }))
            .collect()
    }

    fn events_where(
        &mut self,
        sql: &'static str,
        params: &[&(dyn postgres::types::ToSql + Sync)],
    ) -> Result<Vec<Event>> {
        self.query(sql, params)?.iter().map(decode_event).collect()
    }

    /// Creates a temporary table for this transaction, once.
    pub(crate) fn temp_table(&mut self, name: &'static str, columns: &str) -> Result<()> {
        let w = self.writes()?;
        if w.temp_tables.contains(&name) {
            return self.conn.client.batch_execute(&format!("TRUNCATE {name}")).map_err(backend);
        }
        w.temp_tables.push(name);
        let sql = format!("CREATE TEMPORARY TABLE {name} ({columns}) ON COMMIT DROP");
        self.conn.client.batch_execute(&sql).map_err(backend)
    }
}

/// The region of a summons number (`RR-YYYY-NNNNNNN`): its partition.
fn region_of(number: &SummonsNumber) -> Result<i64> {
    number
        .as_str()
        .get(..2)
        .and_then(|r| r.parse().ok())
        .ok_or_else(|| StoreError::Corrupt("a summons number without a region".into()))
}

fn decode_person(r: &Row) -> Result<Person> {
    Ok(Person { id: PersonId(r.get(0)), record: serde_json::from_str(r.get(1))? })
}

fn decode_event(r: &Row) -> Result<Event> {
    let kind: &str = r.get(3);
    Ok(Event {
        seq: r.get::<_, i64>(0) as u64,
        recorded_at: r.get::<_, Micros>(1).timestamp(),
        effective_at: r.get::<_, Micros>(2).timestamp(),
        kind: kind.parse().map_err(|e: reestr_core::event::UnknownEventKind| StoreError::Corrupt(e.to_string()))?,
        actor: Actor::from_stored(r.get::<_, String>(4)),
        person: r.get::<_, Option<i64>>(5).map(PersonId),
        summons: r.get::<_, Option<&str>>(6).map(|s| s.parse()).transpose()?,
        payload: serde_json::from_str(r.get(7))?,
    })
}

fn lookup_sql(key: Lookup) -> &'static str {
    match key {
        Lookup::Snils(_) => "SELECT id, record FROM persons WHERE snils = $1",
        Lookup::Passport(_) => "SELECT id, record FROM persons WHERE passport = $1",
        Lookup::Inn(_) => "SELECT id, record FROM persons WHERE inn = $1",
    }
}

const EVENTS_AFTER: &str = "SELECT seq, recorded_at, effective_at, kind, actor, person_id, summons, payload
                            FROM events WHERE seq > $1 ORDER BY seq LIMIT $2";
const EVENTS_OF_PERSON: &str = "SELECT seq, recorded_at, effective_at, kind, actor, person_id, summons, payload
                                FROM events WHERE person_id = $1 ORDER BY seq";

fn count(rows: Vec<Row>) -> u64 {
    rows.first().map(|r| r.get::<_, i64>(0)).unwrap_or(0) as u64
}

impl ReadTx for PgTx<'_> {
    fn person(&mut self, id: PersonId) -> Result<Option<Person>> {
        self.person_where("SELECT id, record FROM persons WHERE id = $1", id.0)
    }

    fn person_by(&mut self, key: Lookup) -> Result<Option<Person>> {
        self.person_where(lookup_sql(key), key.key())
    }

    fn count_persons(&mut self) -> Result<u64> {
        Ok(count(self.query("SELECT count(*) FROM persons", &[])?))
    }

    fn for_each_person(&mut self, f: &mut dyn FnMut(Person) -> Result<()>) -> Result<()> {
        self.flush()?;
        let rows = self
            .conn
            .client
            .query_raw("SELECT id, record FROM persons ORDER BY id", std::iter::empty::<i64>())
            .map_err(backend)?;
        let mut rows = rows;
        while let Some(row) = postgres::fallible_iterator::FallibleIterator::next(&mut rows).map_err(backend)? {
            f(decode_person(&row)?)?;
        }
        Ok(())
    }

    fn field_history(&mut self, person: PersonId) -> Result<Vec<HistoryEntry>> {
        let rows = self.query(
            "SELECT field, value, source, to_char(as_of, 'YYYY-MM-DD'), replaced_at, event_seq
             FROM person_history WHERE person_id = $1 ORDER BY id",
            &[&person.0],
        )?;
        rows.iter()
            .map(|r| {
                let corrupt = |what: &str| StoreError::Corrupt(format!("person_history: bad {what}"));
                let field = Field::from_name(r.get(0)).ok_or_else(|| corrupt("field"))?;
                Ok(HistoryEntry {
                    field,
                    value: field.parse(r.get(1)).map_err(|p| corrupt(p.code))?,
                    provenance: reestr_core::person::Provenance {
                        source: r.get(2),
                        as_of: r.get::<_, &str>(3).parse().map_err(|_| corrupt("as_of"))?,
                    },
                    replaced_at: r.get::<_, Micros>(4).timestamp(),
                    event_seq: r.get::<_, i64>(5) as u64,
                })
            })
            .collect()
    }

    fn summons(&mut self, number: &SummonsNumber) -> Result<Option<StoredSummons>> {
        let region = region_of(number)?;
        Ok(self
            .summonses(
                "SELECT id, state FROM summonses WHERE region = $1 AND number = $2",
                &[&region, &number.as_str()],
            )?
            .pop())
    }

    fn summonses_of(&mut self, person: PersonId) -> Result<Vec<StoredSummons>> {
        self.summonses("SELECT id, state FROM summonses WHERE person_id = $1 ORDER BY id", &[&person.0])
    }

    fn due(&mut self, now: Timestamp, limit: usize) -> Result<Vec<StoredSummons>> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        self.summonses(
            "SELECT id, state FROM summonses WHERE next_due_at <= $1 ORDER BY next_due_at LIMIT $2",
            &[&Micros::of(now), &limit],
        )
    }

    fn next_due(&mut self) -> Result<Option<Timestamp>> {
        let rows = self.query("SELECT min(next_due_at) FROM summonses", &[])?;
        Ok(rows.first().and_then(|r| r.get::<_, Option<Micros>>(0)).map(Micros::timestamp))
    }

    fn status_counts(&mut self) -> Result<BTreeMap<Status, u64>> {
        self.query("SELECT status, count(*) FROM summonses GROUP BY status", &[])?
            .iter()
            .map(|r| Ok((r.get::<_, &str>(0).parse()?, r.get::<_, i64>(1) as u64)))
            .collect()
    }

    fn measures_in_force(&mut self) -> Result<u64> {
        Ok(count(self.query("SELECT count(*) FROM measures WHERE lifted_at IS NULL", &[])?))
    }

    fn rollout(&mut self) -> Result<BTreeMap<RegionCode, Rollout>> {
        self.query("SELECT region, state FROM rollout", &[])?
            .iter()
            .map(|r| Ok((format!("{:02}", r.get::<_, i64>(0)).parse()?, r.get::<_, &str>(1).parse()?)))
            .collect()
    }

    fn events(&mut self, after: u64, limit: usize) -> Result<Vec<Event>> {
        let after = i64::try_from(after).unwrap_or(i64::MAX);
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        self.events_where(EVENTS_AFTER, &[&after, &limit])
    }

    fn events_of_person(&mut self, person: PersonId) -> Result<Vec<Event>> {
        self.events_where(EVENTS_OF_PERSON, &[&person.0])
    }

    fn last_seq(&mut self) -> Result<u64> {
        if let Some(w) = &self.write {
            return Ok(w.last_seq as u64);
        }
        Ok(count(self.query("SELECT seq FROM log_head", &[])?))
    }

    fn dump(&mut self, table: Table, f: &mut dyn FnMut(ImageRow) -> Result<()>) -> Result<()> {
        self.flush()?;
        crate::image::dump(self.conn, table, f)
    }
}

impl WriteTx for PgTx<'_> {
    fn insert_person(&mut self, p: &PersonRow) -> Result<Inserted> {
        // One round trip: who holds each key, and the insert when nobody does. Writers run one at
        // a time (see the crate's documentation), so nothing changes between the two.
        let rows = self.query(
            "WITH owners AS (
                 SELECT (SELECT id FROM persons WHERE snils = $1) AS snils,
                        (SELECT id FROM persons WHERE passport = $2) AS passport,
                        (SELECT id FROM persons WHERE inn = $3) AS inn),
             ins AS (
                 INSERT INTO persons (snils, passport, inn, surname, given_name, birth_date, region,
                                      commissariat, record)
                 SELECT $1, $2, $3, $4, $5, CAST($6::text AS date), $7, $8, $9 FROM owners
                 WHERE owners.snils IS NULL AND owners.passport IS NULL AND owners.inn IS NULL
                 RETURNING id)
             SELECT (SELECT id FROM ins), snils, passport, inn FROM owners",
            &[
                &p.snils,
                &p.passport,
                &p.inn,
                &p.surname,
                &p.given_name,
                &p.birth_date,
                &p.region,
                &p.commissariat,
                &p.record,
            ],
        )?;
        let r = rows.first().ok_or_else(|| StoreError::Backend("the insert returned nothing".into()))?;
        Ok(match r.get::<_, Option<i64>>(0) {
            Some(id) => Inserted::Person(PersonId(id)),
            None => Inserted::Conflict {
                snils: r.get::<_, Option<i64>>(1).map(PersonId),
                passport: r.get::<_, Option<i64>>(2).map(PersonId),
                inn: r.get::<_, Option<i64>>(3).map(PersonId),
            },
        })
    }

    fn insert_persons(&mut self, rows: &[&PersonRow]) -> Result<Vec<Inserted>> {
        if rows.len() < crate::persons::BULK_FROM {
            return rows.iter().map(|r| self.insert_person(r)).collect();
        }
        self.flush()?;
        crate::persons::insert(self, rows)
    }

    fn update_person(&mut self, id: PersonId, p: &PersonRow) -> Result<()> {
        self.execute(
            "UPDATE persons SET snils = $2, passport = $3, inn = $4, surname = $5, given_name = $6,
             birth_date = CAST($7::text AS date), region = $8, commissariat = $9, record = $10 WHERE id = $1",
            &[
                &id.0,
                &p.snils,
                &p.passport,
                &p.inn,
                &p.surname,
                &p.given_name,
                &p.birth_date,
                &p.region,
                &p.commissariat,
                &p.record,
            ],
        )?;
        Ok(())
    }

    fn insert_history(&mut self, person: PersonId, change: &FieldChange, at: Timestamp, event_seq: u64) -> Result<()> {
        let Some(old) = &change.old else {
            return Ok(());
        };
        self.execute(
            "INSERT INTO person_history (person_id, field, value, source, as_of, replaced_at, event_seq)
             VALUES ($1, $2, $3, $4, CAST($5::text AS date), $6, $7)",
            &[
                &person.0,
                &change.field.name(),
                &old.value.to_string(),
                &old.provenance.source,
                &old.provenance.as_of.to_string(),
                &Micros::of(at),
                &(event_seq as i64),
            ],
        )?;
        Ok(())
    }

    fn next_summons_seq(&mut self, region: RegionCode, year: i16) -> Result<u64> {
        let rows = self.query(
            "INSERT INTO summons_counters (region, year, last) VALUES ($1, $2, 1)
             ON CONFLICT (region, year) DO UPDATE SET last = summons_counters.last + 1 RETURNING last",
            &[&i64::from(region.get()), &i64::from(year)],
        )?;
        Ok(count(rows))
    }

    fn insert_summons(&mut self, s: &Summons, next_due: Option<Timestamp>) -> Result<i64> {
        let rows = self.query(
            "INSERT INTO summonses (number, person_id, region, commissariat, status, posted_at, next_due_at, state)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
            &[
                &s.number.as_str(),
                &s.person.0,
                &i64::from(s.commissariat.region().get()),
                &s.commissariat.as_str(),
                &s.status.as_str(),
                &Micros::of(s.posted_at),
                &next_due.map(Micros::of),
                &serde_json::to_string(s)?,
            ],
        )?;
        rows.first().map(|r| r.get(0)).ok_or_else(|| StoreError::Backend("the insert returned no id".into()))
    }

    fn update_summons(&mut self, id: i64, s: &Summons, next_due: Option<Timestamp>, changes: &[Change]) -> Result<()> {
        let region = i64::from(s.commissariat.region().get());
        let (mut kinds, mut ats, mut causes) = (Vec::new(), Vec::new(), Vec::new());
        let state = serde_json::to_string(s)?;
        let w = self.writes()?;
        let update =
            PendingSummons { region, id, status: s.status.as_str(), next_due: next_due.map(Micros::of), state };
        match w.summons_at.get(&(region, id)) {
            Some(&i) => w.summonses[i] = update,
            None => {
                w.summons_at.insert((region, id), w.summonses.len());
                w.summonses.push(update);
            }
        }
        for change in changes {
            match change {
                Change::MeasureStarted { at, kind, trigger } => {
                    let trigger = serde_json::to_value(trigger)?;
                    w.measures.push(PendingMeasure {
                        region,
                        summons_id: id,
                        person_id: s.person.0,
                        kind: kind.as_str(),
                        started_at: Micros::of(*at),
                        trigger: trigger.as_str().map(str::to_owned).unwrap_or_else(|| trigger.to_string()),
                    });
                }
                Change::MeasureLifted { at, kind, cause } => {
                    let cause = serde_json::to_value(cause)?;
                    kinds.push(kind.as_str());
                    ats.push(Micros::of(*at));
                    causes.push(cause.as_str().map(str::to_owned).unwrap_or_else(|| cause.to_string()));
                }
                _ => {}
            }
        }
        if w.summonses.len() + w.measures.len() >= FLUSH_AT {
            self.flush()?;
        }
        if !kinds.is_empty() {
            self.flush()?;
            self.execute(
                "UPDATE measures m SET lifted_at = u.at, lift_cause = u.cause
                 FROM unnest($3::text[], $4::timestamptz[], $5::text[]) AS u(kind, at, cause)
                 WHERE m.region = $1 AND m.summons_id = $2 AND m.kind = u.kind AND m.lifted_at IS NULL",
                &[&region, &id, &kinds, &ats, &causes],
            )?;
        }
        Ok(())
    }

    fn set_rollout(&mut self, region: RegionCode, state: Rollout, at: Timestamp) -> Result<()> {
        self.execute(
            "INSERT INTO rollout (region, state, changed_at) VALUES ($1, $2, $3)
             ON CONFLICT (region) DO UPDATE SET state = excluded.state, changed_at = excluded.changed_at",
            &[&i64::from(region.get()), &state.as_str(), &Micros::of(at)],
        )?;
        Ok(())
    }

    fn append(&mut self, e: &NewEvent<'_>, recorded_at: Timestamp) -> Result<u64> {
        let w = self.writes()?;
        w.last_seq += 1;
        let seq = w.last_seq;
        w.events.push(PendingEvent {
            seq,
            recorded_at: Micros::of(recorded_at),
            effective_at: Micros::of(e.effective_at),
            kind: e.kind.as_str(),
            actor: e.actor.as_str().to_owned(),
            person: e.person.map(|p| p.0),
            summons: e.summons.map(|s| s.as_str().to_owned()),
            payload: e.payload.to_owned(),
        });
        if w.events.len() >= FLUSH_AT {
            self.flush()?;
        }
        Ok(seq as u64)
    }

    fn restore(&mut self, table: Table, rows: &[ImageRow]) -> Result<()> {
        self.flush()?;
        crate::image::restore(self, table, rows)
    }

    fn finish_restore(&mut self) -> Result<()> {
        self.flush()?;
        crate::image::finish_restore(self)
    }
}
