//! Reads and writes inside one transaction.

use std::collections::BTreeMap;

use jiff::Timestamp;
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
    image::{Cell, ImageRow, Table},
    time::{from_micros, to_micros},
};
use rusqlite::{Connection, OptionalExtension, Row, ToSql, params, params_from_iter, types::ValueRef};

use crate::{agencies, backend, campaigns, notices};

pub(crate) struct SqliteTx<'c> {
    pub(crate) conn: &'c Connection,
}

impl<'c> SqliteTx<'c> {
    pub(crate) fn new(conn: &'c Connection) -> Self {
        SqliteTx { conn }
    }

    /// Rows of a query, each turned into a value by `map`.
    pub(crate) fn rows<T>(
        &self,
        sql: &str,
        params: impl rusqlite::Params,
        map: impl FnMut(&Row<'_>) -> rusqlite::Result<T>,
    ) -> Result<Vec<T>> {
        let mut stmt = self.conn.prepare_cached(sql).map_err(backend)?;
        let rows = stmt.query_map(params, map).map_err(backend)?;
        rows.collect::<rusqlite::Result<Vec<T>>>().map_err(backend)
    }

    pub(crate) fn one<T>(
        &self,
        sql: &str,
        params: impl rusqlite::Params,
        map: impl FnOnce(&Row<'_>) -> rusqlite::Result<T>,
    ) -> Result<Option<T>> {
        self.conn.prepare_cached(sql).map_err(backend)?.query_row(params, map).optional().map_err(backend)
    }

    pub(crate) fn exec(&self, sql: &str, params: impl rusqlite::Params) -> Result<usize> {
        self.conn.prepare_cached(sql).map_err(backend)?.execute(params).map_err(backend)
    }

    fn id_where(&self, column: &str, key: Option<&[u8]>) -> Result<Option<PersonId>> {
        let Some(key) = key else { return Ok(None) };
        self.one(&format!("SELECT id FROM persons WHERE {column} = ?1"), [key], |r| r.get(0)).map(|id| id.map(PersonId))
    }
}

fn column(key: &Lookup) -> &'static str {
    match key {
        Lookup::Snils(_) => "snils",
        Lookup::Passport(_) => "passport",
        Lookup::Inn(_) => "inn",
    }
}

fn person_row(r: &Row<'_>) -> rusqlite::Result<StoredPerson> {
    Ok(StoredPerson { id: PersonId(r.get(0)?), record: r.get(1)? })
}

fn summons_row(r: &Row<'_>) -> rusqlite::Result<StoredSummons> {
    Ok(StoredSummons { id: r.get(0)?, state: r.get(1)? })
}

fn corrupt(what: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(what.to_string())
}

fn checkpoint_row(r: &Row<'_>) -> rusqlite::Result<StoredCheckpoint> {
    let root: Vec<u8> = r.get(2)?;
    Ok(StoredCheckpoint {
        id: r.get(0)?,
        size: r.get::<_, i64>(1)? as u64,
        root: root.try_into().unwrap_or([0; 32]),
        note: r.get(3)?,
        key_id: r.get(4)?,
        signed_at: from_micros(r.get(5)?),
    })
}

const CHECKPOINT_COLUMNS: &str = "id, size, root, note, key_id, signed_at";

pub(crate) const EVENT_COLUMNS: &str = "seq, recorded_at, effective_at, kind, actor, person_id, summons, payload";

/// An event's columns as read: seq, recorded_at, effective_at, kind, actor, person, summons, payload.
pub(crate) type EventColumns = (i64, i64, i64, String, String, Option<i64>, Option<String>, String);

pub(crate) fn event_row(r: &Row<'_>) -> rusqlite::Result<EventColumns> {
    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?, r.get(7)?))
}

pub(crate) fn decode_event(row: EventColumns) -> Result<Event> {
    let (seq, recorded, effective, kind, actor, person, summons, payload) = row;
    Ok(Event {
        seq: seq as u64,
        recorded_at: from_micros(recorded),
        effective_at: from_micros(effective),
        kind: kind.parse().map_err(corrupt)?,
        actor: Actor::from_stored(actor),
        person: person.map(PersonId),
        summons: summons.map(|s| s.parse()).transpose()?,
        payload: serde_json::from_str(&payload)?,
    })
}

const USER_COLUMNS: &str = "id, login, role, scope, person_id, password_hash, totp, created_at, disabled_at";

fn user_row(r: &Row<'_>) -> rusqlite::Result<UserRow> {
    Ok(UserRow {
        id: r.get(0)?,
        login: r.get(1)?,
        role: r.get(2)?,
        scope: r.get(3)?,
        person: r.get::<_, Option<i64>>(4)?.map(PersonId),
        password_hash: r.get(5)?,
        totp: r.get(6)?,
        created_at: from_micros(r.get(7)?),
        disabled_at: r.get::<_, Option<i64>>(8)?.map(from_micros),
    })
}

const KEY_COLUMNS: &str = "id, prefix, secret_hash, role, scope, created_at, revoked_at, agency_id";

fn key_row(r: &Row<'_>) -> rusqlite::Result<KeyRow> {
    Ok(KeyRow {
        id: r.get(0)?,
        prefix: r.get(1)?,
        secret_hash: r.get(2)?,
        role: r.get(3)?,
        scope: r.get(4)?,
        created_at: from_micros(r.get(5)?),
        revoked_at: r.get::<_, Option<i64>>(6)?.map(from_micros),
        agency: r.get(7)?,
    })
}

const CORRECTION_COLUMNS: &str = "id, person_id, commissariat, subject, request, filed_at, due_at, answered_at, answer";

fn correction_row(r: &Row<'_>) -> rusqlite::Result<CorrectionRow> {
    Ok(CorrectionRow {
        id: r.get(0)?,
        person: PersonId(r.get(1)?),
        commissariat: r.get(2)?,
        subject: r.get(3)?,
        request: r.get(4)?,
        filed_at: from_micros(r.get(5)?),
        due_at: from_micros(r.get(6)?),
        answered_at: r.get::<_, Option<i64>>(7)?.map(from_micros),
        answer: r.get(8)?,
    })
}

/// `column IN (?, ?, ...)` for a list, or a condition that is always true for `None`.
pub(crate) fn in_list(column: &str, values: &Option<Vec<String>>, params: &mut Vec<Box<dyn ToSql>>) -> String {
    match values {
        None => "1".into(),
        Some(v) if v.is_empty() => "0".into(),
        Some(v) => {
            let marks: Vec<String> = v
                .iter()
                .map(|x| {
                    params.push(Box::new(x.clone()));
                    format!("?{}", params.len())
                })
                .collect();
            format!("{column} IN ({})", marks.join(", "))
        }
    }
}

impl ReadTx for SqliteTx<'_> {
    fn person(&mut self, id: PersonId) -> Result<Option<StoredPerson>> {
        self.one("SELECT id, record FROM persons WHERE id = ?1", [id.0], person_row)
    }

    fn person_by(&mut self, key: Lookup) -> Result<Option<StoredPerson>> {
        let sql = format!("SELECT id, record FROM persons WHERE {} = ?1", column(&key));
        self.one(&sql, [&key.key()[..]], person_row)
    }

    fn persons_by_name(&mut self, name_key: &str, birth_date: Option<&str>, limit: usize) -> Result<Vec<StoredPerson>> {
        match birth_date {
            Some(b) => self.rows(
                "SELECT id, record FROM persons WHERE name_key = ?1 AND birth_date = ?2 ORDER BY id LIMIT ?3",
                params![name_key, b, limit as i64],
                person_row,
            ),
            None => self.rows(
                "SELECT id, record FROM persons WHERE name_key = ?1 ORDER BY id LIMIT ?2",
                params![name_key, limit as i64],
                person_row,
            ),
        }
    }

    fn count_persons(&mut self) -> Result<u64> {
        Ok(self.one("SELECT count(*) FROM persons", [], |r| r.get::<_, i64>(0))?.unwrap_or(0) as u64)
    }

    fn for_each_person(&mut self, f: &mut dyn FnMut(StoredPerson) -> Result<()>) -> Result<()> {
        let mut stmt = self.conn.prepare("SELECT id, record FROM persons ORDER BY id").map_err(backend)?;
        let mut rows = stmt.query([]).map_err(backend)?;
        while let Some(row) = rows.next().map_err(backend)? {
            f(person_row(row).map_err(backend)?)?;
        }
        Ok(())
    }

    fn field_history(&mut self, person: PersonId) -> Result<Vec<HistoryRow>> {
        let rows = self.rows(
            "SELECT field, value, source, as_of, replaced_at, event_seq FROM person_history WHERE person_id = ?1 ORDER BY id",
            [person.0],
            |r| Ok((r.get::<_, String>(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get::<_, i64>(4)?, r.get::<_, i64>(5)?)),
        )?;
        rows.into_iter()
            .map(|(field, value, source, as_of, replaced_at, seq)| {
                Ok(HistoryRow {
                    field: Field::from_name(&field).ok_or_else(|| corrupt("person_history: bad field"))?,
                    value,
                    source,
                    as_of,
                    replaced_at: from_micros(replaced_at),
                    event_seq: seq as u64,
                })
            })
            .collect()
    }

    fn summons(&mut self, number: &SummonsNumber) -> Result<Option<StoredSummons>> {
        self.one("SELECT id, state FROM summonses WHERE number = ?1", [number.as_str()], summons_row)
    }

    fn summonses_of(&mut self, person: PersonId) -> Result<Vec<StoredSummons>> {
        self.rows("SELECT id, state FROM summonses WHERE person_id = ?1 ORDER BY id", [person.0], summons_row)
    }

    fn due(&mut self, now: Timestamp, limit: usize) -> Result<Vec<StoredSummons>> {
        self.rows(
            "SELECT id, state FROM summonses WHERE next_due_at <= ?1 ORDER BY next_due_at LIMIT ?2",
            params![to_micros(now), limit as i64],
            summons_row,
        )
    }

    fn next_due(&mut self) -> Result<Option<Timestamp>> {
        Ok(self
            .one("SELECT min(next_due_at) FROM summonses", [], |r| r.get::<_, Option<i64>>(0))?
            .flatten()
            .map(from_micros))
    }

    fn summonses(&mut self, filter: &SummonsFilter) -> Result<Vec<StoredSummons>> {
        let mut p: Vec<Box<dyn ToSql>> = vec![Box::new(filter.after)];
        let within = in_list("commissariat", &filter.commissariats, &mut p);
        let status = match filter.status {
            Some(s) => {
                p.push(Box::new(s.as_str()));
                format!("status = ?{}", p.len())
            }
            None => "1".into(),
        };
        p.push(Box::new(filter.limit as i64));
        let sql = format!(
            "SELECT id, state FROM summonses WHERE id > ?1 AND {within} AND {status} ORDER BY id LIMIT ?{}",
            p.len()
        );
        self.rows(&sql, params_from_iter(p.iter()), summons_row)
    }

    fn status_counts(&mut self) -> Result<BTreeMap<Status, u64>> {
        let rows = self.rows("SELECT status, count(*) FROM summonses GROUP BY status", [], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))
        })?;
        rows.into_iter().map(|(status, n)| Ok((status.parse()?, n as u64))).collect()
    }

    fn measures_in_force(&mut self) -> Result<u64> {
        Ok(self.one("SELECT count(*) FROM measures WHERE lifted_at IS NULL", [], |r| r.get::<_, i64>(0))?.unwrap_or(0)
            as u64)
    }

    fn measures(&mut self, filter: &MeasureFilter) -> Result<Vec<MeasureRow>> {
        let mut p: Vec<Box<dyn ToSql>> = vec![Box::new(filter.after)];
        let kinds = in_list("m.kind", &filter.kinds, &mut p);
        let within = in_list("s.commissariat", &filter.commissariats, &mut p);
        let in_force = if filter.in_force_only { "m.lifted_at IS NULL" } else { "1" };
        p.push(Box::new(filter.limit as i64));
        let sql = format!(
            "SELECT m.id, s.number, m.person_id, s.commissariat, m.kind, m.started_at, m.lifted_at, m.lift_cause
             FROM measures m JOIN summonses s ON s.id = m.summons_id
             WHERE m.id > ?1 AND {kinds} AND {within} AND {in_force} ORDER BY m.id LIMIT ?{}",
            p.len()
        );
        let rows = self.rows(&sql, params_from_iter(p.iter()), |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, i64>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, i64>(5)?,
                r.get::<_, Option<i64>>(6)?,
                r.get::<_, Option<String>>(7)?,
            ))
        })?;
        rows.into_iter()
            .map(|(id, number, person, commissariat, kind, started, lifted, cause)| {
                Ok(MeasureRow {
                    id,
                    summons: number.parse()?,
                    person: PersonId(person),
                    commissariat,
                    kind,
                    started_at: from_micros(started),
                    lifted_at: lifted.map(from_micros),
                    lift_cause: cause,
                })
            })
            .collect()
    }

    fn rollout(&mut self) -> Result<BTreeMap<RegionCode, Rollout>> {
        let rows =
            self.rows("SELECT region, state FROM rollout", [], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))?;
        rows.into_iter().map(|(region, state)| Ok((region.to_string().parse()?, state.parse()?))).collect()
    }

    fn events(&mut self, after: u64, limit: usize) -> Result<Vec<Event>> {
        let sql = format!("SELECT {EVENT_COLUMNS} FROM events WHERE seq > ?1 ORDER BY seq LIMIT ?2");
        self.rows(&sql, params![after as i64, limit as i64], event_row)?.into_iter().map(decode_event).collect()
    }

    fn events_of_person(&mut self, person: PersonId, kinds: Option<&[EventKind]>) -> Result<Vec<Event>> {
        let sql = format!("SELECT {EVENT_COLUMNS} FROM events WHERE person_id = ?1 ORDER BY seq");
        let all = self.rows(&sql, [person.0], event_row)?;
        all.into_iter()
            .filter(|row| kinds.is_none_or(|k| k.iter().any(|k| k.as_str() == row.3)))
            .map(decode_event)
            .collect()
    }

    fn last_seq(&mut self) -> Result<u64> {
        Ok(self.one("SELECT coalesce(max(seq), 0) FROM events", [], |r| r.get::<_, i64>(0))?.unwrap_or(0) as u64)
    }

    fn user(&mut self, id: i64) -> Result<Option<UserRow>> {
        self.one(&format!("SELECT {USER_COLUMNS} FROM users WHERE id = ?1"), [id], user_row)
    }

    fn user_by_login(&mut self, login: &str) -> Result<Option<UserRow>> {
        self.one(&format!("SELECT {USER_COLUMNS} FROM users WHERE login = ?1"), [login], user_row)
    }

    fn users(&mut self) -> Result<Vec<UserRow>> {
        self.rows(&format!("SELECT {USER_COLUMNS} FROM users ORDER BY id"), [], user_row)
    }

    fn session(&mut self, token_hash: &[u8]) -> Result<Option<SessionRow>> {
        self.one("SELECT user_id, created_at, last_seen_at FROM sessions WHERE token_hash = ?1", [token_hash], |r| {
            Ok(SessionRow {
                token_hash: token_hash.to_vec(),
                user: r.get(0)?,
                created_at: from_micros(r.get(1)?),
                last_seen_at: from_micros(r.get(2)?),
            })
        })
    }

    fn key_by_prefix(&mut self, prefix: &str) -> Result<Option<KeyRow>> {
        self.one(&format!("SELECT {KEY_COLUMNS} FROM api_keys WHERE prefix = ?1"), [prefix], key_row)
    }

    fn keys(&mut self) -> Result<Vec<KeyRow>> {
        self.rows(&format!("SELECT {KEY_COLUMNS} FROM api_keys ORDER BY id"), [], key_row)
    }

    fn throttle(&mut self, key: &[u8]) -> Result<Option<Throttle>> {
        self.one("SELECT failures, last_failure_at FROM login_throttle WHERE key = ?1", [key], |r| {
            Ok(Throttle { failures: r.get::<_, i64>(0)? as u32, last_failure_at: from_micros(r.get(1)?) })
        })
    }

    fn device_known(&mut self, token_hash: &[u8], user: i64) -> Result<bool> {
        Ok(self
            .one("SELECT 1 FROM devices WHERE token_hash = ?1 AND user_id = ?2", params![token_hash, user], |_| Ok(()))?
            .is_some())
    }

    fn correction(&mut self, id: i64) -> Result<Option<CorrectionRow>> {
        self.one(&format!("SELECT {CORRECTION_COLUMNS} FROM corrections WHERE id = ?1"), [id], correction_row)
    }

    fn corrections(&mut self, filter: &CorrectionFilter) -> Result<Vec<CorrectionRow>> {
        match filter {
            CorrectionFilter::All => {
                self.rows(&format!("SELECT {CORRECTION_COLUMNS} FROM corrections ORDER BY id"), [], correction_row)
            }
            CorrectionFilter::Person(p) => self.rows(
                &format!("SELECT {CORRECTION_COLUMNS} FROM corrections WHERE person_id = ?1 ORDER BY id DESC"),
                [p.0],
                correction_row,
            ),
            CorrectionFilter::Open { commissariats } => {
                let mut p: Vec<Box<dyn ToSql>> = Vec::new();
                let within = in_list("commissariat", commissariats, &mut p);
                let sql = format!(
                    "SELECT {CORRECTION_COLUMNS} FROM corrections WHERE answered_at IS NULL AND {within} ORDER BY due_at, id"
                );
                self.rows(&sql, params_from_iter(p.iter()), correction_row)
            }
        }
    }

    fn leaves(&mut self, after: u64, limit: usize) -> Result<Vec<LeafRow>> {
        let sql = format!("SELECT {EVENT_COLUMNS}, salt FROM events WHERE seq > ?1 ORDER BY seq LIMIT ?2");
        let mut stmt = self.conn.prepare_cached(&sql).map_err(backend)?;
        let rows = stmt
            .query_map(params![after as i64, limit as i64], |r| {
                Ok(LeafRow {
                    seq: r.get::<_, i64>(0)? as u64,
                    salt: r.get::<_, Option<Vec<u8>>>(8).unwrap_or(None),
                    event: event_row(r)
                        .map_err(|e| StoreError::Corrupt(e.to_string()))
                        .and_then(decode_event)
                        .map_err(|e| e.to_string()),
                })
            })
            .map_err(backend)?;
        rows.map(|r| r.map_err(backend)).collect()
    }

    fn tree_size(&mut self) -> Result<u64> {
        self.conn
            .query_row("SELECT size FROM tree_size WHERE id = 1", [], |r| r.get::<_, i64>(0))
            .optional()
            .map(|n| n.unwrap_or(0) as u64)
            .map_err(backend)
    }

    fn tree_hashes(&mut self, indexes: &[u64]) -> Result<Vec<[u8; 32]>> {
        let mut stmt = self.conn.prepare_cached("SELECT hash FROM tree_hashes WHERE idx = ?1").map_err(backend)?;
        indexes
            .iter()
            .map(|i| {
                let hash: Option<Vec<u8>> = stmt.query_row([*i as i64], |r| r.get(0)).optional().map_err(backend)?;
                hash.and_then(|h| h.try_into().ok())
                    .ok_or_else(|| StoreError::Corrupt(format!("tree hash {i} is missing")))
            })
            .collect()
    }

    fn checkpoints(&mut self) -> Result<Vec<StoredCheckpoint>> {
        let sql = format!("SELECT {CHECKPOINT_COLUMNS} FROM checkpoints ORDER BY id");
        let mut stmt = self.conn.prepare_cached(&sql).map_err(backend)?;
        let rows = stmt.query_map([], checkpoint_row).map_err(backend)?;
        rows.map(|r| r.map_err(backend)).collect()
    }

    fn last_checkpoint(&mut self) -> Result<Option<StoredCheckpoint>> {
        let sql = format!("SELECT {CHECKPOINT_COLUMNS} FROM checkpoints ORDER BY id DESC LIMIT 1");
        self.conn.prepare_cached(&sql).map_err(backend)?.query_row([], checkpoint_row).optional().map_err(backend)
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
        let sql = format!(
            "SELECT {EVENT_COLUMNS} FROM events INDEXED BY events_measures
             WHERE seq > ?1 AND kind IN ('measure_started', 'measure_lifted') ORDER BY seq LIMIT ?2"
        );
        self.rows(&sql, params![after as i64, limit as i64], event_row)?.into_iter().map(decode_event).collect()
    }

    fn measures_in_force_of(&mut self, person: PersonId) -> Result<Vec<MeasureRow>> {
        agencies::measures_in_force_of(self, person)
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

    fn due_reminders(&mut self, now: Timestamp, limit: usize) -> Result<Vec<ReminderRow>> {
        notices::due_reminders(self, now, limit)
    }

    fn next_reminder(&mut self) -> Result<Option<Timestamp>> {
        notices::next_reminder(self)
    }

    fn activity(&mut self, since: Timestamp, region: Option<RegionCode>) -> Result<Vec<HourlyCount>> {
        const HOUR: i64 = 3_600_000_000;
        let kinds = ACTIVITY_KINDS.map(|k| format!("'{}'", k.as_str())).join(", ");
        let sql = format!(
            "SELECT substr(summons, 1, 2), effective_at / {HOUR}, kind, count(*) FROM events
             WHERE effective_at >= ?1 AND summons IS NOT NULL AND kind IN ({kinds})
               AND (?2 IS NULL OR substr(summons, 1, 2) = ?2)
             GROUP BY 1, 2, 3 ORDER BY 1, 2, 3"
        );
        let region = region.map(|r| r.to_string());
        let rows = self.rows(&sql, params![to_micros(since), region], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?, r.get::<_, String>(2)?, r.get::<_, i64>(3)?))
        })?;
        rows.into_iter()
            .map(|(region, hour, kind, n)| {
                Ok(HourlyCount {
                    region: region.parse()?,
                    hour: from_micros(hour * HOUR),
                    kind: kind.parse().map_err(corrupt)?,
                    count: n as u64,
                })
            })
            .collect()
    }

    fn measures_in_force_by_region(&mut self) -> Result<BTreeMap<RegionCode, u64>> {
        let rows = self.rows(
            "SELECT s.region, count(*) FROM measures m INDEXED BY measures_in_force JOIN summonses s ON s.id = m.summons_id
             WHERE m.lifted_at IS NULL GROUP BY s.region",
            [],
            |r| Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?)),
        )?;
        rows.into_iter().map(|(region, n)| Ok((format!("{region:02}").parse()?, n as u64))).collect()
    }

    fn extract(&mut self, number: &str) -> Result<Option<StoredExtract>> {
        self.conn
            .prepare_cached(
                "SELECT number, person_id, kind, made_at, event_seq, document FROM extracts WHERE number = ?1",
            )
            .map_err(backend)?
            .query_row([number], |r| {
                Ok(StoredExtract {
                    number: r.get(0)?,
                    person: PersonId(r.get(1)?),
                    kind: r.get(2)?,
                    made_at: from_micros(r.get(3)?),
                    event_seq: r.get::<_, i64>(4)? as u64,
                    document: r.get(5)?,
                })
            })
            .optional()
            .map_err(backend)
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
                    ValueRef::Blob(b) => Ok(Cell::Bytes(b.to_vec())),
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
        let inserted = self.exec(
            "INSERT INTO persons (snils, passport, inn, name_key, birth_date, region, commissariat, record)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT DO NOTHING",
            params![
                &p.snils[..],
                &p.passport[..],
                p.inn.as_ref().map(|k| &k[..]),
                p.name_key,
                p.birth_date,
                p.region,
                p.commissariat,
                p.record
            ],
        )?;
        if inserted == 1 {
            return Ok(Inserted::Person(PersonId(self.conn.last_insert_rowid())));
        }
        Ok(Inserted::Conflict {
            snils: self.id_where("snils", Some(&p.snils))?,
            passport: self.id_where("passport", Some(&p.passport))?,
            inn: self.id_where("inn", p.inn.as_ref().map(|k| &k[..]))?,
        })
    }

    fn update_person(&mut self, id: PersonId, p: &PersonRow) -> Result<()> {
        self.exec(
            "UPDATE persons SET snils = ?2, passport = ?3, inn = ?4, name_key = ?5, birth_date = ?6, region = ?7,
             commissariat = ?8, record = ?9 WHERE id = ?1",
            params![
                id.0,
                &p.snils[..],
                &p.passport[..],
                p.inn.as_ref().map(|k| &k[..]),
                p.name_key,
                p.birth_date,
                p.region,
                p.commissariat,
                p.record
            ],
        )?;
        Ok(())
    }

    fn insert_history(&mut self, person: PersonId, h: &HistoryRow) -> Result<()> {
        self.exec(
            "INSERT INTO person_history (person_id, field, value, source, as_of, replaced_at, event_seq)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![person.0, h.field.name(), h.value, h.source, h.as_of, to_micros(h.replaced_at), h.event_seq as i64],
        )?;
        Ok(())
    }

    fn reseal_history(&mut self, person: PersonId, rows: &[HistoryRow]) -> Result<()> {
        let ids = self.rows("SELECT id FROM person_history WHERE person_id = ?1 ORDER BY id", [person.0], |r| {
            r.get::<_, i64>(0)
        })?;
        if ids.len() != rows.len() {
            return Err(corrupt("person_history changed while it was re-sealed"));
        }
        for (id, row) in ids.iter().zip(rows) {
            self.exec("UPDATE person_history SET value = ?2 WHERE id = ?1", params![id, row.value])?;
        }
        Ok(())
    }

    fn next_summons_seq(&mut self, region: RegionCode, year: i16) -> Result<u64> {
        Ok(self
            .one(
                "INSERT INTO summons_counters (region, year, last) VALUES (?1, ?2, 1)
                 ON CONFLICT (region, year) DO UPDATE SET last = last + 1 RETURNING last",
                params![region.get(), year],
                |r| r.get::<_, i64>(0),
            )?
            .unwrap_or(1) as u64)
    }

    fn reserve_summons_seqs(&mut self, region: RegionCode, year: i16, n: u64) -> Result<u64> {
        let last = self
            .one(
                "INSERT INTO summons_counters (region, year, last) VALUES (?1, ?2, ?3)
                 ON CONFLICT (region, year) DO UPDATE SET last = last + ?3 RETURNING last",
                params![region.get(), year, n as i64],
                |r| r.get::<_, i64>(0),
            )?
            .unwrap_or(n as i64) as u64;
        Ok(last + 1 - n)
    }

    fn insert_summons(&mut self, s: &SummonsRow) -> Result<i64> {
        self.exec(
            "INSERT INTO summonses (number, person_id, region, commissariat, status, posted_at, next_due_at, state)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![
                s.number.as_str(),
                s.person.0,
                s.region,
                s.commissariat,
                s.status.as_str(),
                to_micros(s.posted_at),
                s.next_due.map(to_micros),
                s.state
            ],
        )?;
        Ok(self.conn.last_insert_rowid())
    }

    fn update_summons(&mut self, id: i64, s: &SummonsRow, changes: &[Change]) -> Result<()> {
        self.exec(
            "UPDATE summonses SET status = ?2, next_due_at = ?3, state = ?4 WHERE id = ?1",
            params![id, s.status.as_str(), s.next_due.map(to_micros), s.state],
        )?;
        for change in changes {
            match change {
                Change::MeasureStarted { at, kind, trigger } => {
                    let trigger = serde_json::to_value(trigger)?;
                    self.exec(
                        "INSERT INTO measures (summons_id, person_id, kind, started_at, trigger) VALUES (?1, ?2, ?3, ?4, ?5)",
                        params![id, s.person.0, kind.as_str(), to_micros(*at), trigger.as_str()],
                    )?;
                }
                Change::MeasureLifted { at, kind, cause } => {
                    let cause = serde_json::to_value(cause)?;
                    self.exec(
                        "UPDATE measures SET lifted_at = ?3, lift_cause = ?4 WHERE summons_id = ?1 AND kind = ?2 AND lifted_at IS NULL",
                        params![id, kind.as_str(), to_micros(*at), cause.as_str()],
                    )?;
                }
                _ => {}
            }
        }
        Ok(())
    }

    fn set_rollout(&mut self, region: RegionCode, state: Rollout, at: Timestamp) -> Result<()> {
        self.exec(
            "INSERT INTO rollout (region, state, changed_at) VALUES (?1, ?2, ?3)
             ON CONFLICT (region) DO UPDATE SET state = ?2, changed_at = ?3",
            params![region.get(), state.as_str(), to_micros(at)],
        )?;
        Ok(())
    }

    fn append(&mut self, e: &NewEvent<'_>, recorded_at: Timestamp) -> Result<u64> {
        self.conn
            .prepare_cached(
                "INSERT INTO events (recorded_at, effective_at, kind, actor, person_id, summons, payload, salt)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )
            .map_err(backend)?
            .execute(params![
                to_micros(recorded_at),
                to_micros(e.effective_at),
                e.kind.as_str(),
                e.actor.as_str(),
                e.person.map(|p| p.0),
                e.summons.map(|s| s.as_str()),
                e.payload,
                &e.salt.0[..]
            ])
            .map_err(backend)?;
        Ok(self.conn.last_insert_rowid() as u64)
    }

    fn extend_tree(&mut self, size: u64, first: u64, hashes: &[[u8; 32]]) -> Result<()> {
        let mut insert =
            self.conn.prepare_cached("INSERT INTO tree_hashes (idx, hash) VALUES (?1, ?2)").map_err(backend)?;
        for (i, h) in hashes.iter().enumerate() {
            insert.execute(params![(first + i as u64) as i64, &h[..]]).map_err(backend)?;
        }
        self.conn
            .prepare_cached("UPDATE tree_size SET size = ?1 WHERE id = 1")
            .map_err(backend)?
            .execute([size as i64])
            .map_err(backend)?;
        Ok(())
    }

    fn insert_checkpoint(&mut self, c: &StoredCheckpoint) -> Result<i64> {
        self.conn
            .prepare_cached("INSERT INTO checkpoints (size, root, note, key_id, signed_at) VALUES (?1, ?2, ?3, ?4, ?5)")
            .map_err(backend)?
            .execute(params![c.size as i64, &c.root[..], c.note, c.key_id, to_micros(c.signed_at)])
            .map_err(backend)?;
        Ok(self.conn.last_insert_rowid())
    }

    fn insert_extract(&mut self, e: &StoredExtract) -> Result<()> {
        self.conn
            .prepare_cached(
                "INSERT INTO extracts (number, person_id, kind, made_at, event_seq, document)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )
            .map_err(backend)?
            .execute(params![e.number, e.person.0, e.kind, to_micros(e.made_at), e.event_seq as i64, e.document])
            .map_err(backend)?;
        Ok(())
    }

    fn insert_notices(&mut self, rows: &[NoticeRow]) -> Result<Vec<Option<i64>>> {
        rows.iter().map(|r| notices::insert_notice(self, r)).collect()
    }

    fn insert_mails(&mut self, rows: &[MailRow]) -> Result<()> {
        rows.iter().try_for_each(|r| notices::insert_mail(self, r))
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
        plans.iter().try_for_each(|p| notices::schedule_reminders(self, &p.summons, p.person, &p.due))
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
        self.exec(
            "INSERT INTO deliveries (agency_id, seq, kind, person_id, region, created_at)
             SELECT agency_id, ?1, ?2, ?3, ?4, ?5 FROM agency_kinds WHERE kind = ?2",
            params![d.seq as i64, d.kind, d.person.0, d.region, to_micros(d.created_at)],
        )?;
        Ok(())
    }

    fn insert_delivery(&mut self, agency: i64, d: &NewDelivery) -> Result<()> {
        self.exec(
            "INSERT INTO deliveries (agency_id, seq, kind, person_id, region, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT DO NOTHING",
            params![agency, d.seq as i64, d.kind, d.person.0, d.region, to_micros(d.created_at)],
        )?;
        Ok(())
    }

    fn set_disclosed(&mut self, agency: i64, seqs: &[u64], at: Timestamp) -> Result<()> {
        for seq in seqs {
            self.exec(
                "UPDATE deliveries SET disclosed_at = ?3 WHERE agency_id = ?1 AND seq = ?2 AND disclosed_at IS NULL",
                params![agency, *seq as i64, to_micros(at)],
            )?;
        }
        Ok(())
    }

    fn confirm_deliveries(&mut self, agency: i64, seqs: &[u64], at: Timestamp) -> Result<Vec<Option<bool>>> {
        seqs.iter()
            .map(|seq| {
                let confirmed: Option<Option<i64>> = self.one(
                    "SELECT confirmed_at FROM deliveries WHERE agency_id = ?1 AND seq = ?2",
                    params![agency, *seq as i64],
                    |r| r.get(0),
                )?;
                Ok(match confirmed {
                    None => None,
                    Some(Some(_)) => Some(false),
                    Some(None) => {
                        self.exec(
                            "UPDATE deliveries SET confirmed_at = ?3 WHERE agency_id = ?1 AND seq = ?2",
                            params![agency, *seq as i64, to_micros(at)],
                        )?;
                        Some(true)
                    }
                })
            })
            .collect()
    }

    fn insert_dead_letters(&mut self, rows: &[DeadLetterRow]) -> Result<()> {
        for d in rows {
            self.exec(
                "INSERT INTO dead_letters (agency_id, seq, attempts, last_error, dead_at, replay_requested_at, redelivered_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                 ON CONFLICT (agency_id, seq) DO UPDATE SET attempts = ?3, last_error = ?4, dead_at = ?5,
                   replay_requested_at = ?6, redelivered_at = ?7",
                params![
                    d.agency,
                    d.seq as i64,
                    d.attempts,
                    d.last_error,
                    to_micros(d.dead_at),
                    d.replay_requested_at.map(to_micros),
                    d.redelivered_at.map(to_micros)
                ],
            )?;
        }
        Ok(())
    }

    fn update_dead_letter(&mut self, d: &DeadLetterRow) -> Result<()> {
        self.exec(
            "UPDATE dead_letters SET replay_requested_at = ?3, redelivered_at = ?4 WHERE agency_id = ?1 AND seq = ?2",
            params![d.agency, d.seq as i64, d.replay_requested_at.map(to_micros), d.redelivered_at.map(to_micros)],
        )?;
        Ok(())
    }

    fn insert_user(&mut self, u: &UserRow) -> Result<i64> {
        self.exec(
            "INSERT INTO users (login, role, scope, person_id, password_hash, totp, created_at, disabled_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![
                u.login,
                u.role,
                u.scope,
                u.person.map(|p| p.0),
                u.password_hash,
                u.totp,
                to_micros(u.created_at),
                u.disabled_at.map(to_micros)
            ],
        )?;
        Ok(self.conn.last_insert_rowid())
    }

    fn update_user(&mut self, u: &UserRow) -> Result<()> {
        self.exec(
            "UPDATE users SET role = ?2, scope = ?3, password_hash = ?4, totp = ?5, disabled_at = ?6 WHERE id = ?1",
            params![u.id, u.role, u.scope, u.password_hash, u.totp, u.disabled_at.map(to_micros)],
        )?;
        Ok(())
    }

    fn insert_session(&mut self, s: &SessionRow) -> Result<()> {
        self.exec(
            "INSERT INTO sessions (token_hash, user_id, created_at, last_seen_at) VALUES (?1, ?2, ?3, ?4)",
            params![s.token_hash, s.user, to_micros(s.created_at), to_micros(s.last_seen_at)],
        )?;
        Ok(())
    }

    fn touch_session(&mut self, token_hash: &[u8], at: Timestamp) -> Result<()> {
        self.exec("UPDATE sessions SET last_seen_at = ?2 WHERE token_hash = ?1", params![token_hash, to_micros(at)])?;
        Ok(())
    }

    fn delete_session(&mut self, token_hash: &[u8]) -> Result<()> {
        self.exec("DELETE FROM sessions WHERE token_hash = ?1", [token_hash])?;
        Ok(())
    }

    fn delete_sessions(&mut self, user: Option<i64>, idle_before: Timestamp, created_before: Timestamp) -> Result<()> {
        match user {
            Some(u) => self.exec("DELETE FROM sessions WHERE user_id = ?1", [u])?,
            None => self.exec(
                "DELETE FROM sessions WHERE last_seen_at < ?1 OR created_at < ?2",
                params![to_micros(idle_before), to_micros(created_before)],
            )?,
        };
        Ok(())
    }

    fn insert_key(&mut self, k: &KeyRow) -> Result<i64> {
        self.exec(
            "INSERT INTO api_keys (prefix, secret_hash, role, scope, created_at, revoked_at, agency_id)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                k.prefix,
                k.secret_hash,
                k.role,
                k.scope,
                to_micros(k.created_at),
                k.revoked_at.map(to_micros),
                k.agency
            ],
        )?;
        Ok(self.conn.last_insert_rowid())
    }

    fn revoke_key(&mut self, id: i64, at: Timestamp) -> Result<bool> {
        Ok(self.exec(
            "UPDATE api_keys SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS NULL",
            params![id, to_micros(at)],
        )? == 1)
    }

    fn set_throttle(&mut self, key: &[u8], throttle: Option<Throttle>) -> Result<()> {
        match throttle {
            None => self.exec("DELETE FROM login_throttle WHERE key = ?1", [key])?,
            Some(t) => self.exec(
                "INSERT INTO login_throttle (key, failures, last_failure_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT (key) DO UPDATE SET failures = ?2, last_failure_at = ?3",
                params![key, t.failures as i64, to_micros(t.last_failure_at)],
            )?,
        };
        Ok(())
    }

    fn remember_device(&mut self, token_hash: &[u8], user: i64, at: Timestamp) -> Result<()> {
        self.exec(
            "INSERT INTO devices (token_hash, user_id, created_at) VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING",
            params![token_hash, user, to_micros(at)],
        )?;
        Ok(())
    }

    fn insert_correction(&mut self, c: &CorrectionRow) -> Result<i64> {
        self.exec(
            "INSERT INTO corrections (person_id, commissariat, subject, request, filed_at, due_at, answered_at, answer)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![
                c.person.0,
                c.commissariat,
                c.subject,
                c.request,
                to_micros(c.filed_at),
                to_micros(c.due_at),
                c.answered_at.map(to_micros),
                c.answer
            ],
        )?;
        Ok(self.conn.last_insert_rowid())
    }

    fn answer_correction(&mut self, id: i64, at: Timestamp, answer: &[u8]) -> Result<()> {
        self.exec(
            "UPDATE corrections SET answered_at = ?2, answer = ?3 WHERE id = ?1",
            params![id, to_micros(at), answer],
        )?;
        Ok(())
    }

    fn reseal_correction(&mut self, id: i64, request: &[u8], answer: Option<&[u8]>) -> Result<()> {
        self.exec("UPDATE corrections SET request = ?2, answer = ?3 WHERE id = ?1", params![id, request, answer])?;
        Ok(())
    }

    fn restore(&mut self, table: Table, rows: &[ImageRow]) -> Result<()> {
        let columns: Vec<&str> = table.columns().iter().map(|c| c.name).collect();
        let marks: Vec<String> = (1..=columns.len()).map(|i| format!("?{i}")).collect();
        let upsert = match table {
            Table::Rollout => {
                " ON CONFLICT (region) DO UPDATE SET state = excluded.state, changed_at = excluded.changed_at"
            }
            Table::TreeSize => " ON CONFLICT (id) DO UPDATE SET size = excluded.size",
            _ => "",
        };
        let sql = format!("INSERT INTO {table} ({}) VALUES ({}){upsert}", columns.join(", "), marks.join(", "));
        let mut stmt = self.conn.prepare_cached(&sql).map_err(backend)?;
        for row in rows {
            let values = row.iter().map(|c| match c {
                Cell::Null => rusqlite::types::Value::Null,
                Cell::Int(n) => rusqlite::types::Value::Integer(*n),
                Cell::Text(t) => rusqlite::types::Value::Text(t.clone()),
                Cell::Bytes(b) => rusqlite::types::Value::Blob(b.clone()),
            });
            stmt.execute(rusqlite::params_from_iter(values)).map_err(backend)?;
        }
        Ok(())
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

    fn finish_restore(&mut self) -> Result<()> {
        // Row ids continue after the largest one by themselves; the log's seq is its row id.
        Ok(())
    }
}
