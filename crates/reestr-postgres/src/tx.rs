//! Reads and writes inside one transaction.

use std::collections::{BTreeMap, HashMap};

use jiff::Timestamp;
use postgres::{Row, types::Type};
use reestr_core::{
    event::{Actor, Event, EventKind},
    person::{Field, PersonId},
    region::{RegionCode, Rollout},
    summons::{Change, Status, SummonsNumber},
};
use reestr_store::{
    ACTIVITY_KINDS, AgencyRow, CorrectionFilter, CorrectionRow, DeadLetterRow, DeliveryRow, DeliveryStats, HistoryRow,
    HourlyCount, Inserted, KeyRow, LeafRow, Lookup, MailRow, MailStats, MeasureFilter, MeasureRow, NewDelivery,
    NewEvent, NoticeRow, PersonRow, ReadTx, ReminderPlan, ReminderRow, Result, SessionRow, StoreError,
    StoredCheckpoint, StoredExtract, StoredPerson, StoredSummons, SummonsFilter, SummonsRow, Throttle,
    UnconfirmedFilter, UserRow, WriteTx,
    image::{ImageRow, Table},
};

use crate::{
    agencies, campaigns, notices,
    pool::Conn,
    sql::{Micros, backend, copy_in},
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
    salt: [u8; 32],
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
    state: Vec<u8>,
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
                       FROM unnest($2::bigint[], $3::text[], $4::timestamptz[], $5::bytea[])
                            AS u(id, status, next_due, state)
                       WHERE s.region = $1 AND s.id = ANY($2) AND s.id = u.id";
            let stmt = self.conn.statement(sql)?;
            for (region, updates) in by_region {
                let ids: Vec<i64> = updates.iter().map(|p| p.id).collect();
                let statuses: Vec<&str> = updates.iter().map(|p| p.status).collect();
                let dues: Vec<Option<Micros>> = updates.iter().map(|p| p.next_due).collect();
                let states: Vec<&[u8]> = updates.iter().map(|p| p.state.as_slice()).collect();
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
            let sql = "COPY measures (region, summons_id, person_id, kind, started_at, trigger) FROM STDIN BINARY";
            let types = [Type::INT8, Type::INT8, Type::INT8, Type::TEXT, Type::TIMESTAMPTZ, Type::TEXT];
            copy_in(&mut self.conn.client, sql, &types, |copy| {
                for m in &pending {
                    copy.write(&[&m.region, &m.summons_id, &m.person_id, &m.kind, &m.started_at, &m.trigger])
                        .map_err(backend)?;
                }
                Ok(())
            })?;
        }
        let w = self.write.as_mut().ok_or_else(|| StoreError::Backend("no writes".into()))?;
        if !w.events.is_empty() {
            let pending = std::mem::take(&mut w.events);
            let sql = "COPY events (seq, recorded_at, effective_at, kind, actor, person_id, summons, payload, salt)
                       FROM STDIN BINARY";
            let types = [
                Type::INT8,
                Type::TIMESTAMPTZ,
                Type::TIMESTAMPTZ,
                Type::TEXT,
                Type::TEXT,
                Type::INT8,
                Type::TEXT,
                Type::TEXT,
                Type::BYTEA,
            ];
            copy_in(&mut self.conn.client, sql, &types, |copy| {
                for e in &pending {
                    let salt = &e.salt[..];
                    copy.write(&[
                        &e.seq,
                        &e.recorded_at,
                        &e.effective_at,
                        &e.kind,
                        &e.actor,
                        &e.person,
                        &e.summons,
                        &e.payload,
                        &salt,
                    ])
                    .map_err(backend)?;
                }
                Ok(())
            })?;
        }
        Ok(())
    }

    pub(crate) fn query(
        &mut self,
        sql: &'static str,
        params: &[&(dyn postgres::types::ToSql + Sync)],
    ) -> Result<Vec<Row>> {
        self.flush()?;
        let stmt = self.conn.statement(sql)?;
        self.conn.client.query(&stmt, params).map_err(backend)
    }

    /// A query of tables this transaction never holds writes back for (persons, notices and
    /// their outbox, preferences): it need not send the buffered ones first, so the clock's
    /// notices do not break its bulk writes into one round of COPYs per summons.
    pub(crate) fn query_now(
        &mut self,
        sql: &'static str,
        params: &[&(dyn postgres::types::ToSql + Sync)],
    ) -> Result<Vec<Row>> {
        let stmt = self.conn.statement(sql)?;
        self.conn.client.query(&stmt, params).map_err(backend)
    }

    pub(crate) fn execute(
        &mut self,
        sql: &'static str,
        params: &[&(dyn postgres::types::ToSql + Sync)],
    ) -> Result<u64> {
        let stmt = self.conn.statement(sql)?;
        self.conn.client.execute(&stmt, params).map_err(backend)
    }

    fn person_where(
        &mut self,
        sql: &'static str,
        key: &(dyn postgres::types::ToSql + Sync),
    ) -> Result<Option<StoredPerson>> {
        Ok(self.query_now(sql, &[key])?.first().map(decode_person))
    }

    fn summonses_where(
        &mut self,
        sql: &'static str,
        params: &[&(dyn postgres::types::ToSql + Sync)],
    ) -> Result<Vec<StoredSummons>> {
        Ok(self.query(sql, params)?.iter().map(|r| StoredSummons { id: r.get(0), state: r.get(1) }).collect())
    }

    fn events_where(
        &mut self,
        sql: &'static str,
        params: &[&(dyn postgres::types::ToSql + Sync)],
    ) -> Result<Vec<Event>> {
        self.query(sql, params)?.iter().map(|r| decode_event(r, 0)).collect()
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

fn decode_person(r: &Row) -> StoredPerson {
    StoredPerson { id: PersonId(r.get(0)), record: r.get(1) }
}

fn user_row(r: &Row) -> UserRow {
    UserRow {
        id: r.get(0),
        login: r.get(1),
        role: r.get(2),
        scope: r.get(3),
        person: r.get::<_, Option<i64>>(4).map(PersonId),
        password_hash: r.get(5),
        totp: r.get(6),
        created_at: r.get::<_, Micros>(7).timestamp(),
        disabled_at: r.get::<_, Option<Micros>>(8).map(Micros::timestamp),
    }
}

fn key_row(r: &Row) -> KeyRow {
    KeyRow {
        id: r.get(0),
        prefix: r.get(1),
        secret_hash: r.get(2),
        role: r.get(3),
        scope: r.get(4),
        created_at: r.get::<_, Micros>(5).timestamp(),
        revoked_at: r.get::<_, Option<Micros>>(6).map(Micros::timestamp),
        agency: r.get(7),
    }
}

fn correction_row(r: &Row) -> CorrectionRow {
    CorrectionRow {
        id: r.get(0),
        person: PersonId(r.get(1)),
        commissariat: r.get(2),
        subject: r.get(3),
        request: r.get(4),
        filed_at: r.get::<_, Micros>(5).timestamp(),
        due_at: r.get::<_, Micros>(6).timestamp(),
        answered_at: r.get::<_, Option<Micros>>(7).map(Micros::timestamp),
        answer: r.get(8),
    }
}

/// The event whose eight columns start at `first`.
pub(crate) fn decode_event(r: &Row, first: usize) -> Result<Event> {
    let kind: &str = r.get(first + 3);
    Ok(Event {
        seq: r.get::<_, i64>(first) as u64,
        recorded_at: r.get::<_, Micros>(first + 1).timestamp(),
        effective_at: r.get::<_, Micros>(first + 2).timestamp(),
        kind: kind.parse().map_err(|e: reestr_core::event::UnknownEventKind| StoreError::Corrupt(e.to_string()))?,
        actor: Actor::from_stored(r.get::<_, String>(first + 4)),
        person: r.get::<_, Option<i64>>(first + 5).map(PersonId),
        summons: r.get::<_, Option<&str>>(first + 6).map(|s| s.parse()).transpose()?,
        payload: serde_json::from_str(r.get(first + 7))?,
    })
}

fn lookup_sql(key: &Lookup) -> &'static str {
    match key {
        Lookup::Snils(_) => "SELECT id, record FROM persons WHERE snils = $1",
        Lookup::Passport(_) => "SELECT id, record FROM persons WHERE passport = $1",
        Lookup::Inn(_) => "SELECT id, record FROM persons WHERE inn = $1",
    }
}

const EVENTS_AFTER: &str = "SELECT seq, recorded_at, effective_at, kind, actor, person_id, summons, payload
                            FROM events WHERE seq > $1 ORDER BY seq LIMIT $2";
const EVENTS_OF_PERSON: &str = "SELECT seq, recorded_at, effective_at, kind, actor, person_id, summons, payload
                                FROM events WHERE person_id = $1 AND ($2::text[] IS NULL OR kind = ANY($2))
                                ORDER BY seq";

fn count(rows: Vec<Row>) -> u64 {
    rows.first().map(|r| r.get::<_, i64>(0)).unwrap_or(0) as u64
}

impl ReadTx for PgTx<'_> {
    fn person(&mut self, id: PersonId) -> Result<Option<StoredPerson>> {
        self.person_where("SELECT id, record FROM persons WHERE id = $1", &id.0)
    }

    fn persons(&mut self, ids: &[PersonId]) -> Result<Vec<StoredPerson>> {
        let ids: Vec<i64> = ids.iter().map(|p| p.0).collect();
        Ok(self
            .query_now("SELECT id, record FROM persons WHERE id = ANY($1)", &[&ids])?
            .iter()
            .map(decode_person)
            .collect())
    }

    fn person_by(&mut self, key: Lookup) -> Result<Option<StoredPerson>> {
        self.person_where(lookup_sql(&key), &&key.key()[..])
    }

    fn persons_by_name(&mut self, name_key: &str, birth_date: Option<&str>, limit: usize) -> Result<Vec<StoredPerson>> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let rows = self.query(
            "SELECT id, record FROM persons
             WHERE name_key = $1 AND ($2::text IS NULL OR birth_date = CAST($2::text AS date))
             ORDER BY id LIMIT $3",
            &[&name_key, &birth_date, &limit],
        )?;
        Ok(rows.iter().map(decode_person).collect())
    }

    fn count_persons(&mut self) -> Result<u64> {
        Ok(count(self.query("SELECT count(*) FROM persons", &[])?))
    }

    fn for_each_person(&mut self, f: &mut dyn FnMut(StoredPerson) -> Result<()>) -> Result<()> {
        self.flush()?;
        let mut rows = self
            .conn
            .client
            .query_raw("SELECT id, record FROM persons ORDER BY id", std::iter::empty::<i64>())
            .map_err(backend)?;
        while let Some(row) = postgres::fallible_iterator::FallibleIterator::next(&mut rows).map_err(backend)? {
            f(decode_person(&row))?;
        }
        Ok(())
    }

    fn field_history(&mut self, person: PersonId) -> Result<Vec<HistoryRow>> {
        let rows = self.query(
            "SELECT field, value, source, to_char(as_of, 'YYYY-MM-DD'), replaced_at, event_seq
             FROM person_history WHERE person_id = $1 ORDER BY id",
            &[&person.0],
        )?;
        rows.iter()
            .map(|r| {
                Ok(HistoryRow {
                    field: Field::from_name(r.get(0))
                        .ok_or_else(|| StoreError::Corrupt("person_history: bad field".into()))?,
                    value: r.get(1),
                    source: r.get(2),
                    as_of: r.get(3),
                    replaced_at: r.get::<_, Micros>(4).timestamp(),
                    event_seq: r.get::<_, i64>(5) as u64,
                })
            })
            .collect()
    }

    fn summons(&mut self, number: &SummonsNumber) -> Result<Option<StoredSummons>> {
        let region = region_of(number)?;
        Ok(self
            .summonses_where(
                "SELECT id, state FROM summonses WHERE region = $1 AND number = $2",
                &[&region, &number.as_str()],
            )?
            .pop())
    }

    fn summonses_of(&mut self, person: PersonId) -> Result<Vec<StoredSummons>> {
        self.summonses_where("SELECT id, state FROM summonses WHERE person_id = $1 ORDER BY id", &[&person.0])
    }

    fn due(&mut self, now: Timestamp, limit: usize) -> Result<Vec<StoredSummons>> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        self.summonses_where(
            "SELECT id, state FROM summonses WHERE next_due_at <= $1 ORDER BY next_due_at LIMIT $2",
            &[&Micros::of(now), &limit],
        )
    }

    fn next_due(&mut self) -> Result<Option<Timestamp>> {
        let rows = self.query("SELECT min(next_due_at) FROM summonses", &[])?;
        Ok(rows.first().and_then(|r| r.get::<_, Option<Micros>>(0)).map(Micros::timestamp))
    }

    fn summonses(&mut self, filter: &SummonsFilter) -> Result<Vec<StoredSummons>> {
        let limit = i64::try_from(filter.limit).unwrap_or(i64::MAX);
        let status = filter.status.map(|s| s.as_str());
        self.summonses_where(
            "SELECT id, state FROM summonses
             WHERE id > $1 AND ($2::text[] IS NULL OR commissariat = ANY($2)) AND ($3::text IS NULL OR status = $3)
             ORDER BY id LIMIT $4",
            &[&filter.after, &filter.commissariats, &status, &limit],
        )
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

    fn measures(&mut self, filter: &MeasureFilter) -> Result<Vec<MeasureRow>> {
        let limit = i64::try_from(filter.limit).unwrap_or(i64::MAX);
        let rows = self.query(
            "SELECT m.id, s.number, m.person_id, s.commissariat, m.kind, m.started_at, m.lifted_at, m.lift_cause
             FROM measures m JOIN summonses s ON s.region = m.region AND s.id = m.summons_id
             WHERE m.id > $1 AND ($2::text[] IS NULL OR m.kind = ANY($2))
               AND ($3::text[] IS NULL OR s.commissariat = ANY($3)) AND (NOT $4 OR m.lifted_at IS NULL)
             ORDER BY m.id LIMIT $5",
            &[&filter.after, &filter.kinds, &filter.commissariats, &filter.in_force_only, &limit],
        )?;
        rows.iter()
            .map(|r| {
                Ok(MeasureRow {
                    id: r.get(0),
                    summons: r.get::<_, &str>(1).parse()?,
                    person: PersonId(r.get(2)),
                    commissariat: r.get(3),
                    kind: r.get(4),
                    started_at: r.get::<_, Micros>(5).timestamp(),
                    lifted_at: r.get::<_, Option<Micros>>(6).map(Micros::timestamp),
                    lift_cause: r.get(7),
                })
            })
            .collect()
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

    fn events_of_person(&mut self, person: PersonId, kinds: Option<&[EventKind]>) -> Result<Vec<Event>> {
        let kinds: Option<Vec<&str>> = kinds.map(|k| k.iter().map(|k| k.as_str()).collect());
        self.events_where(EVENTS_OF_PERSON, &[&person.0, &kinds])
    }

    fn last_seq(&mut self) -> Result<u64> {
        if let Some(w) = &self.write {
            return Ok(w.last_seq as u64);
        }
        Ok(count(self.query("SELECT seq FROM log_head", &[])?))
    }

    fn user(&mut self, id: i64) -> Result<Option<UserRow>> {
        Ok(self.query(USER_BY_ID, &[&id])?.first().map(user_row))
    }

    fn user_by_login(&mut self, login: &str) -> Result<Option<UserRow>> {
        Ok(self.query(USER_BY_LOGIN, &[&login])?.first().map(user_row))
    }

    fn users(&mut self) -> Result<Vec<UserRow>> {
        Ok(self.query(USERS, &[])?.iter().map(user_row).collect())
    }

    fn session(&mut self, token_hash: &[u8]) -> Result<Option<SessionRow>> {
        let rows =
            self.query("SELECT user_id, created_at, last_seen_at FROM sessions WHERE token_hash = $1", &[&token_hash])?;
        Ok(rows.first().map(|r| SessionRow {
            token_hash: token_hash.to_vec(),
            user: r.get(0),
            created_at: r.get::<_, Micros>(1).timestamp(),
            last_seen_at: r.get::<_, Micros>(2).timestamp(),
        }))
    }

    fn key_by_prefix(&mut self, prefix: &str) -> Result<Option<KeyRow>> {
        Ok(self.query(KEY_BY_PREFIX, &[&prefix])?.first().map(key_row))
    }

    fn keys(&mut self) -> Result<Vec<KeyRow>> {
        Ok(self.query(KEYS, &[])?.iter().map(key_row).collect())
    }

    fn throttle(&mut self, key: &[u8]) -> Result<Option<Throttle>> {
        let rows = self.query("SELECT failures, last_failure_at FROM login_throttle WHERE key = $1", &[&key])?;
        Ok(rows.first().map(|r| Throttle {
            failures: r.get::<_, i64>(0) as u32,
            last_failure_at: r.get::<_, Micros>(1).timestamp(),
        }))
    }

    fn device_known(&mut self, token_hash: &[u8], user: i64) -> Result<bool> {
        Ok(!self
            .query("SELECT 1 FROM devices WHERE token_hash = $1 AND user_id = $2", &[&token_hash, &user])?
            .is_empty())
    }

    fn correction(&mut self, id: i64) -> Result<Option<CorrectionRow>> {
        Ok(self.query(CORRECTION_BY_ID, &[&id])?.first().map(correction_row))
    }

    fn corrections(&mut self, filter: &CorrectionFilter) -> Result<Vec<CorrectionRow>> {
        let rows = match filter {
            CorrectionFilter::All => self.query(CORRECTIONS_ALL, &[])?,
            CorrectionFilter::Person(p) => self.query(CORRECTIONS_OF_PERSON, &[&p.0])?,
            CorrectionFilter::Open { commissariats } => self.query(CORRECTIONS_OPEN, &[commissariats])?,
        };
        Ok(rows.iter().map(correction_row).collect())
    }

    fn leaves(&mut self, after: u64, limit: usize) -> Result<Vec<LeafRow>> {
        let after = i64::try_from(after).unwrap_or(i64::MAX);
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let rows = self.query(
            "SELECT seq, recorded_at, effective_at, kind, actor, person_id, summons, payload, salt
             FROM events WHERE seq > $1 ORDER BY seq LIMIT $2",
            &[&after, &limit],
        )?;
        Ok(rows
            .iter()
            .map(|r| LeafRow {
                seq: r.get::<_, i64>(0) as u64,
                salt: r.get(8),
                event: decode_event(r, 0).map_err(|e| e.to_string()),
            })
            .collect())
    }

    fn tree_size(&mut self) -> Result<u64> {
        Ok(count(self.query("SELECT size FROM tree_size WHERE id = 1", &[])?))
    }

    fn tree_hashes(&mut self, indexes: &[u64]) -> Result<Vec<[u8; 32]>> {
        let wanted: Vec<i64> = indexes.iter().map(|&i| i as i64).collect();
        let rows = self.query(
            "SELECT w.n, h.hash FROM unnest($1::bigint[]) WITH ORDINALITY AS w(idx, n)
             LEFT JOIN tree_hashes h ON h.idx = w.idx ORDER BY w.n",
            &[&wanted],
        )?;
        rows.iter()
            .zip(indexes)
            .map(|(r, i)| {
                r.get::<_, Option<Vec<u8>>>(1)
                    .and_then(|h| h.try_into().ok())
                    .ok_or_else(|| StoreError::Corrupt(format!("tree hash {i} is missing")))
            })
            .collect()
    }

    fn checkpoints(&mut self) -> Result<Vec<StoredCheckpoint>> {
        self.query(CHECKPOINTS_ALL, &[])?.iter().map(checkpoint_row).collect()
    }

    fn last_checkpoint(&mut self) -> Result<Option<StoredCheckpoint>> {
        self.query(CHECKPOINT_LAST, &[])?.first().map(checkpoint_row).transpose()
    }

    fn notices_of(&mut self, person: PersonId, before: i64, limit: usize) -> Result<Vec<NoticeRow>> {
        notices::notices_of(self, person, before, limit)
    }

    fn notice(&mut self, id: i64) -> Result<Option<NoticeRow>> {
        notices::notice_where(self, Some(id), None)
    }

    fn notice_by_code(&mut self, code_hash: &[u8]) -> Result<Option<NoticeRow>> {
        notices::notice_where(self, None, Some(code_hash))
    }

    fn notices_after(&mut self, after: i64, limit: usize) -> Result<Vec<NoticeRow>> {
        notices::notices_after(self, after, limit)
    }

    fn mail_after(&mut self, after: i64, limit: usize) -> Result<Vec<MailRow>> {
        notices::mail_after(self, after, limit)
    }

    fn mail(&mut self, id: i64) -> Result<Option<MailRow>> {
        notices::mail(self, id)
    }

    fn mail_of(&mut self, notice: i64) -> Result<Vec<MailRow>> {
        notices::mail_of(self, notice)
    }

    fn mail_due(&mut self, now: Timestamp, limit: usize) -> Result<Vec<MailRow>> {
        notices::mail_due(self, now, limit)
    }

    fn mail_stats(&mut self) -> Result<MailStats> {
        notices::mail_stats(self)
    }

    fn notice_preferences(&mut self, person: PersonId) -> Result<Option<String>> {
        notices::preferences(self, person)
    }

    fn notice_preferences_of(&mut self, persons: &[PersonId]) -> Result<Vec<(PersonId, String)>> {
        notices::preferences_of(self, persons)
    }

    fn due_reminders(&mut self, now: Timestamp, limit: usize) -> Result<Vec<ReminderRow>> {
        notices::due_reminders(self, now, limit)
    }

    fn next_reminder(&mut self) -> Result<Option<Timestamp>> {
        notices::next_reminder(self)
    }

    fn extract(&mut self, number: &str) -> Result<Option<StoredExtract>> {
        let rows = self.query(
            "SELECT number, person_id, kind, made_at, event_seq, document FROM extracts WHERE number = $1",
            &[&number],
        )?;
        Ok(rows.first().map(|r| StoredExtract {
            number: r.get(0),
            person: PersonId(r.get(1)),
            kind: r.get(2),
            made_at: r.get::<_, Micros>(3).timestamp(),
            event_seq: r.get::<_, i64>(4) as u64,
            document: r.get(5),
        }))
    }

    fn agencies(&mut self) -> Result<Vec<AgencyRow>> {
        agencies::agencies(self, None, None)
    }

    fn agency(&mut self, id: i64) -> Result<Option<AgencyRow>> {
        Ok(agencies::agencies(self, Some(id), None)?.pop())
    }

    fn agency_by_name(&mut self, name: &str) -> Result<Option<AgencyRow>> {
        Ok(agencies::agencies(self, None, Some(name))?.pop())
    }

    fn deliveries(&mut self, agency: i64, after: u64, limit: usize) -> Result<Vec<(DeliveryRow, Event)>> {
        agencies::deliveries(self, agency, after, limit)
    }

    fn deliveries_at(&mut self, agency: i64, seqs: &[u64]) -> Result<Vec<(DeliveryRow, Event)>> {
        agencies::deliveries_at(self, agency, seqs)
    }

    fn unconfirmed(&mut self, filter: &UnconfirmedFilter) -> Result<Vec<DeliveryRow>> {
        agencies::unconfirmed(self, filter)
    }

    fn delivery_stats(&mut self, overdue_before: Timestamp) -> Result<Vec<DeliveryStats>> {
        agencies::delivery_stats(self, overdue_before)
    }

    fn dead_letters(&mut self, agency: i64) -> Result<Vec<DeadLetterRow>> {
        agencies::dead_letters(self, agency)
    }

    fn measure_events(&mut self, after: u64, limit: usize) -> Result<Vec<Event>> {
        agencies::measure_events(self, after, limit)
    }

    fn measures_in_force_of(&mut self, person: PersonId) -> Result<Vec<MeasureRow>> {
        agencies::measures_in_force_of(self, person)
    }

    fn campaign(&mut self, id: i64) -> Result<Option<reestr_store::CampaignRow>> {
        Ok(campaigns::campaigns(self, Some(id))?.pop())
    }

    fn campaigns(&mut self) -> Result<Vec<reestr_store::CampaignRow>> {
        campaigns::campaigns(self, None)
    }

    fn campaign_regions(&mut self, campaign: i64) -> Result<Vec<reestr_store::CampaignRegionRow>> {
        campaigns::campaign_regions(self, campaign)
    }

    fn cohort(&mut self, filter: &reestr_store::CohortFilter) -> Result<Vec<reestr_store::CohortCandidate>> {
        campaigns::cohort(self, filter)
    }

    fn activity(&mut self, since: Timestamp, region: Option<RegionCode>) -> Result<Vec<HourlyCount>> {
        // An event is recorded at or after its legal instant, so the condition on recorded_at
        // (the partitioning column) holds for every row wanted and prunes the older partitions.
        let kinds: Vec<&str> = ACTIVITY_KINDS.iter().map(|k| k.as_str()).collect();
        let region = region.map(|r| r.to_string());
        self.query(
            "SELECT left(summons, 2), floor(extract(epoch FROM effective_at) / 3600)::bigint, kind, count(*)
             FROM events
             WHERE recorded_at >= $1 AND effective_at >= $1 AND summons IS NOT NULL AND kind = ANY($2)
               AND ($3::text IS NULL OR left(summons, 2) = $3)
             GROUP BY 1, 2, 3 ORDER BY 1, 2, 3",
            &[&Micros::of(since), &kinds, &region],
        )?
        .iter()
        .map(|r| {
            Ok(HourlyCount {
                region: r.get::<_, &str>(0).parse()?,
                hour: Timestamp::from_second(r.get::<_, i64>(1) * 3600)
                    .map_err(|e| StoreError::Corrupt(e.to_string()))?,
                kind: r
                    .get::<_, &str>(2)
                    .parse()
                    .map_err(|e: reestr_core::event::UnknownEventKind| StoreError::Corrupt(e.to_string()))?,
                count: r.get::<_, i64>(3) as u64,
            })
        })
        .collect()
    }

    fn measures_in_force_by_region(&mut self) -> Result<BTreeMap<RegionCode, u64>> {
        self.query("SELECT region, count(*) FROM measures WHERE lifted_at IS NULL GROUP BY region", &[])?
            .iter()
            .map(|r| Ok((format!("{:02}", r.get::<_, i64>(0)).parse()?, r.get::<_, i64>(1) as u64)))
            .collect()
    }

    fn dump(&mut self, table: Table, f: &mut dyn FnMut(ImageRow) -> Result<()>) -> Result<()> {
        self.flush()?;
        crate::image::dump(self.conn, table, f)
    }
}

const CHECKPOINTS_ALL: &str = "SELECT id, size, root, note, key_id, signed_at FROM checkpoints ORDER BY id";
const CHECKPOINT_LAST: &str =
    "SELECT id, size, root, note, key_id, signed_at FROM checkpoints ORDER BY id DESC LIMIT 1";

fn checkpoint_row(r: &Row) -> Result<StoredCheckpoint> {
    Ok(StoredCheckpoint {
        id: r.get(0),
        size: r.get::<_, i64>(1) as u64,
        root: r
            .get::<_, Vec<u8>>(2)
            .try_into()
            .map_err(|_| StoreError::Corrupt("a checkpoint root of the wrong length".into()))?,
        note: r.get(3),
        key_id: r.get(4),
        signed_at: r.get::<_, Micros>(5).timestamp(),
    })
}

const USER_BY_ID: &str =
    "SELECT id, login, role, scope, person_id, password_hash, totp, created_at, disabled_at FROM users WHERE id = $1";
const USER_BY_LOGIN: &str = "SELECT id, login, role, scope, person_id, password_hash, totp, created_at, disabled_at FROM users WHERE login = $1";
const USERS: &str =
    "SELECT id, login, role, scope, person_id, password_hash, totp, created_at, disabled_at FROM users ORDER BY id";
const KEY_BY_PREFIX: &str =
    "SELECT id, prefix, secret_hash, role, scope, created_at, revoked_at, agency_id FROM api_keys WHERE prefix = $1";
const KEYS: &str =
    "SELECT id, prefix, secret_hash, role, scope, created_at, revoked_at, agency_id FROM api_keys ORDER BY id";
const CORRECTION_BY_ID: &str =
    "SELECT id, person_id, commissariat, subject, request, filed_at, due_at, answered_at, answer
                                FROM corrections WHERE id = $1";
const CORRECTIONS_ALL: &str =
    "SELECT id, person_id, commissariat, subject, request, filed_at, due_at, answered_at, answer
                               FROM corrections ORDER BY id";
const CORRECTIONS_OF_PERSON: &str =
    "SELECT id, person_id, commissariat, subject, request, filed_at, due_at, answered_at, answer
     FROM corrections WHERE person_id = $1 ORDER BY id DESC";
const CORRECTIONS_OPEN: &str =
    "SELECT id, person_id, commissariat, subject, request, filed_at, due_at, answered_at, answer
     FROM corrections WHERE answered_at IS NULL AND ($1::text[] IS NULL OR commissariat = ANY($1))
     ORDER BY due_at, id";

impl WriteTx for PgTx<'_> {
    fn insert_person(&mut self, p: &PersonRow) -> Result<Inserted> {
        // One round trip: who holds each key, and the insert when nobody does. Writers run one at
        // a time (see the crate's documentation), so nothing changes between the two.
        let inn = p.inn.as_ref().map(|k| &k[..]);
        let rows = self.query(
            "WITH owners AS (
                 SELECT (SELECT id FROM persons WHERE snils = $1) AS snils,
                        (SELECT id FROM persons WHERE passport = $2) AS passport,
                        (SELECT id FROM persons WHERE inn = $3) AS inn),
             ins AS (
                 INSERT INTO persons (snils, passport, inn, name_key, birth_date, region, commissariat, record)
                 SELECT $1, $2, $3, $4, CAST($5::text AS date), $6, $7, $8 FROM owners
                 WHERE owners.snils IS NULL AND owners.passport IS NULL AND owners.inn IS NULL
                 RETURNING id)
             SELECT (SELECT id FROM ins), snils, passport, inn FROM owners",
            &[&&p.snils[..], &&p.passport[..], &inn, &p.name_key, &p.birth_date, &p.region, &p.commissariat, &p.record],
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
        let inn = p.inn.as_ref().map(|k| &k[..]);
        self.execute(
            "UPDATE persons SET snils = $2, passport = $3, inn = $4, name_key = $5, birth_date = CAST($6::text AS date),
             region = $7, commissariat = $8, record = $9 WHERE id = $1",
            &[
                &id.0,
                &&p.snils[..],
                &&p.passport[..],
                &inn,
                &p.name_key,
                &p.birth_date,
                &p.region,
                &p.commissariat,
                &p.record,
            ],
        )?;
        Ok(())
    }

    fn insert_history(&mut self, person: PersonId, h: &HistoryRow) -> Result<()> {
        self.execute(
            "INSERT INTO person_history (person_id, field, value, source, as_of, replaced_at, event_seq)
             VALUES ($1, $2, $3, $4, CAST($5::text AS date), $6, $7)",
            &[
                &person.0,
                &h.field.name(),
                &h.value,
                &h.source,
                &h.as_of,
                &Micros::of(h.replaced_at),
                &(h.event_seq as i64),
            ],
        )?;
        Ok(())
    }

    fn reseal_history(&mut self, person: PersonId, rows: &[HistoryRow]) -> Result<()> {
        let ids: Vec<i64> = self
            .query("SELECT id FROM person_history WHERE person_id = $1 ORDER BY id", &[&person.0])?
            .iter()
            .map(|r| r.get(0))
            .collect();
        if ids.len() != rows.len() {
            return Err(StoreError::Corrupt("person_history changed while it was re-sealed".into()));
        }
        let values: Vec<&[u8]> = rows.iter().map(|r| r.value.as_slice()).collect();
        self.execute(
            "UPDATE person_history h SET value = u.value FROM unnest($1::bigint[], $2::bytea[]) AS u(id, value)
             WHERE h.id = u.id",
            &[&ids, &values],
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

    fn reserve_summons_seqs(&mut self, region: RegionCode, year: i16, n: u64) -> Result<u64> {
        let n = n as i64;
        let rows = self.query(
            "INSERT INTO summons_counters (region, year, last) VALUES ($1, $2, $3)
             ON CONFLICT (region, year) DO UPDATE SET last = summons_counters.last + $3 RETURNING last",
            &[&i64::from(region.get()), &i64::from(year), &n],
        )?;
        Ok((count(rows) as i64 + 1 - n) as u64)
    }

    fn insert_summonses(&mut self, rows: &[SummonsRow]) -> Result<Vec<i64>> {
        campaigns::insert_summonses(self, rows)
    }

    fn insert_summons(&mut self, s: &SummonsRow) -> Result<i64> {
        let rows = self.query(
            "INSERT INTO summonses (number, person_id, region, commissariat, status, posted_at, next_due_at, state)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
            &[
                &s.number.as_str(),
                &s.person.0,
                &s.region,
                &s.commissariat,
                &s.status.as_str(),
                &Micros::of(s.posted_at),
                &s.next_due.map(Micros::of),
                &s.state,
            ],
        )?;
        rows.first().map(|r| r.get(0)).ok_or_else(|| StoreError::Backend("the insert returned no id".into()))
    }

    fn update_summons(&mut self, id: i64, s: &SummonsRow, changes: &[Change]) -> Result<()> {
        let region = s.region;
        let (mut kinds, mut ats, mut causes) = (Vec::new(), Vec::new(), Vec::new());
        let w = self.writes()?;
        let update = PendingSummons {
            region,
            id,
            status: s.status.as_str(),
            next_due: s.next_due.map(Micros::of),
            state: s.state.clone(),
        };
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
            salt: e.salt.0,
        });
        if w.events.len() >= FLUSH_AT {
            self.flush()?;
        }
        Ok(seq as u64)
    }

    fn insert_user(&mut self, u: &UserRow) -> Result<i64> {
        let rows = self.query(
            "INSERT INTO users (login, role, scope, person_id, password_hash, totp, created_at, disabled_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
            &[
                &u.login,
                &u.role,
                &u.scope,
                &u.person.map(|p| p.0),
                &u.password_hash,
                &u.totp,
                &Micros::of(u.created_at),
                &u.disabled_at.map(Micros::of),
            ],
        )?;
        rows.first().map(|r| r.get(0)).ok_or_else(|| StoreError::Backend("the insert returned no id".into()))
    }

    fn update_user(&mut self, u: &UserRow) -> Result<()> {
        self.execute(
            "UPDATE users SET role = $2, scope = $3, password_hash = $4, totp = $5, disabled_at = $6 WHERE id = $1",
            &[&u.id, &u.role, &u.scope, &u.password_hash, &u.totp, &u.disabled_at.map(Micros::of)],
        )?;
        Ok(())
    }

    fn insert_session(&mut self, s: &SessionRow) -> Result<()> {
        self.execute(
            "INSERT INTO sessions (token_hash, user_id, created_at, last_seen_at) VALUES ($1, $2, $3, $4)",
            &[&s.token_hash, &s.user, &Micros::of(s.created_at), &Micros::of(s.last_seen_at)],
        )?;
        Ok(())
    }

    fn touch_session(&mut self, token_hash: &[u8], at: Timestamp) -> Result<()> {
        self.execute("UPDATE sessions SET last_seen_at = $2 WHERE token_hash = $1", &[&token_hash, &Micros::of(at)])?;
        Ok(())
    }

    fn delete_session(&mut self, token_hash: &[u8]) -> Result<()> {
        self.execute("DELETE FROM sessions WHERE token_hash = $1", &[&token_hash])?;
        Ok(())
    }

    fn delete_sessions(&mut self, user: Option<i64>, idle_before: Timestamp, created_before: Timestamp) -> Result<()> {
        match user {
            Some(u) => self.execute("DELETE FROM sessions WHERE user_id = $1", &[&u])?,
            None => self.execute(
                "DELETE FROM sessions WHERE last_seen_at < $1 OR created_at < $2",
                &[&Micros::of(idle_before), &Micros::of(created_before)],
            )?,
        };
        Ok(())
    }

    fn insert_key(&mut self, k: &KeyRow) -> Result<i64> {
        let rows = self.query(
            "INSERT INTO api_keys (prefix, secret_hash, role, scope, created_at, revoked_at, agency_id)
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
            &[
                &k.prefix,
                &k.secret_hash,
                &k.role,
                &k.scope,
                &Micros::of(k.created_at),
                &k.revoked_at.map(Micros::of),
                &k.agency,
            ],
        )?;
        rows.first().map(|r| r.get(0)).ok_or_else(|| StoreError::Backend("the insert returned no id".into()))
    }

    fn revoke_key(&mut self, id: i64, at: Timestamp) -> Result<bool> {
        Ok(self.execute(
            "UPDATE api_keys SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL",
            &[&id, &Micros::of(at)],
        )? == 1)
    }

    fn set_throttle(&mut self, key: &[u8], throttle: Option<Throttle>) -> Result<()> {
        match throttle {
            None => self.execute("DELETE FROM login_throttle WHERE key = $1", &[&key])?,
            Some(t) => self.execute(
                "INSERT INTO login_throttle (key, failures, last_failure_at) VALUES ($1, $2, $3)
                 ON CONFLICT (key) DO UPDATE SET failures = excluded.failures, last_failure_at = excluded.last_failure_at",
                &[&key, &i64::from(t.failures), &Micros::of(t.last_failure_at)],
            )?,
        };
        Ok(())
    }

    fn remember_device(&mut self, token_hash: &[u8], user: i64, at: Timestamp) -> Result<()> {
        self.execute(
            "INSERT INTO devices (token_hash, user_id, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
            &[&token_hash, &user, &Micros::of(at)],
        )?;
        Ok(())
    }

    fn insert_correction(&mut self, c: &CorrectionRow) -> Result<i64> {
        let rows = self.query(
            "INSERT INTO corrections (person_id, commissariat, subject, request, filed_at, due_at, answered_at, answer)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
            &[
                &c.person.0,
                &c.commissariat,
                &c.subject,
                &c.request,
                &Micros::of(c.filed_at),
                &Micros::of(c.due_at),
                &c.answered_at.map(Micros::of),
                &c.answer,
            ],
        )?;
        rows.first().map(|r| r.get(0)).ok_or_else(|| StoreError::Backend("the insert returned no id".into()))
    }

    fn answer_correction(&mut self, id: i64, at: Timestamp, answer: &[u8]) -> Result<()> {
        self.execute(
            "UPDATE corrections SET answered_at = $2, answer = $3 WHERE id = $1",
            &[&id, &Micros::of(at), &answer],
        )?;
        Ok(())
    }

    fn reseal_correction(&mut self, id: i64, request: &[u8], answer: Option<&[u8]>) -> Result<()> {
        self.execute("UPDATE corrections SET request = $2, answer = $3 WHERE id = $1", &[&id, &request, &answer])?;
        Ok(())
    }

    fn extend_tree(&mut self, size: u64, first: u64, hashes: &[[u8; 32]]) -> Result<()> {
        let idx: Vec<i64> = (0..hashes.len()).map(|i| (first + i as u64) as i64).collect();
        let hashes: Vec<&[u8]> = hashes.iter().map(|h| &h[..]).collect();
        self.execute(
            "INSERT INTO tree_hashes (idx, hash) SELECT * FROM unnest($1::bigint[], $2::bytea[])",
            &[&idx, &hashes],
        )?;
        self.execute("UPDATE tree_size SET size = $1 WHERE id = 1", &[&(size as i64)])?;
        Ok(())
    }

    fn insert_checkpoint(&mut self, c: &StoredCheckpoint) -> Result<i64> {
        let rows = self.query(
            "INSERT INTO checkpoints (size, root, note, key_id, signed_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
            &[&(c.size as i64), &&c.root[..], &c.note, &c.key_id, &Micros::of(c.signed_at)],
        )?;
        rows.first().map(|r| r.get(0)).ok_or_else(|| StoreError::Backend("the insert returned no id".into()))
    }

    fn insert_extract(&mut self, e: &StoredExtract) -> Result<()> {
        self.execute(
            "INSERT INTO extracts (number, person_id, kind, made_at, event_seq, document) VALUES ($1, $2, $3, $4, $5, $6)",
            &[&e.number, &e.person.0, &e.kind, &Micros::of(e.made_at), &(e.event_seq as i64), &e.document],
        )?;
        Ok(())
    }

    fn insert_notices(&mut self, rows: &[NoticeRow]) -> Result<Vec<Option<i64>>> {
        notices::insert_notices(self, rows)
    }

    fn insert_mails(&mut self, rows: &[MailRow]) -> Result<()> {
        notices::insert_mails(self, rows)
    }

    fn update_mail(&mut self, row: &MailRow) -> Result<()> {
        notices::update_mail(self, row)
    }

    fn reseal_notice(&mut self, id: i64, content: &[u8]) -> Result<()> {
        notices::reseal_notice(self, id, content)
    }

    fn set_notice_preferences(&mut self, person: PersonId, prefs: &str, at: Timestamp) -> Result<()> {
        notices::set_preferences(self, person, prefs, at)
    }

    fn schedule_reminders_of(&mut self, plans: &[ReminderPlan]) -> Result<()> {
        notices::schedule_reminders_of(self, plans)
    }

    fn finish_reminder(&mut self, summons: &SummonsNumber, kind: &str, due: Timestamp, at: Timestamp) -> Result<()> {
        notices::finish_reminder(self, summons, kind, due, at)
    }

    fn insert_agency(&mut self, row: &AgencyRow) -> Result<i64> {
        agencies::insert_agency(self, row)
    }

    fn update_agency(&mut self, row: &AgencyRow) -> Result<()> {
        agencies::update_agency(self, row)
    }

    fn enqueue_delivery(&mut self, d: &NewDelivery) -> Result<()> {
        agencies::enqueue_delivery(self, d)
    }

    fn insert_delivery(&mut self, agency: i64, d: &NewDelivery) -> Result<()> {
        agencies::insert_delivery(self, agency, d)
    }

    fn set_disclosed(&mut self, agency: i64, seqs: &[u64], at: Timestamp) -> Result<()> {
        agencies::set_disclosed(self, agency, seqs, at)
    }

    fn confirm_deliveries(&mut self, agency: i64, seqs: &[u64], at: Timestamp) -> Result<Vec<Option<bool>>> {
        agencies::confirm_deliveries(self, agency, seqs, at)
    }

    fn insert_dead_letters(&mut self, rows: &[DeadLetterRow]) -> Result<()> {
        agencies::insert_dead_letters(self, rows)
    }

    fn update_dead_letter(&mut self, d: &DeadLetterRow) -> Result<()> {
        agencies::update_dead_letter(self, d)
    }

    fn insert_campaign(
        &mut self,
        row: &reestr_store::CampaignRow,
        regions: &[reestr_store::CampaignRegionRow],
    ) -> Result<i64> {
        campaigns::insert_campaign(self, row, regions)
    }

    fn update_campaign(&mut self, row: &reestr_store::CampaignRow) -> Result<()> {
        campaigns::update_campaign(self, row)
    }

    fn update_campaign_region(&mut self, row: &reestr_store::CampaignRegionRow) -> Result<()> {
        campaigns::update_region(self, row)
    }

    fn insert_campaign_members(&mut self, rows: &[reestr_store::CampaignMember]) -> Result<()> {
        campaigns::insert_members(self, rows)
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
