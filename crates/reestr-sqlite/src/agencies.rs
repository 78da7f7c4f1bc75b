//! Agencies, their deliveries and dead letters on SQLite.

use jiff::Timestamp;
use reestr_core::{event::Event, person::PersonId};
use reestr_store::{
    AgencyRow, DeadLetterRow, DeliveryRow, DeliveryStats, MeasureRow, PushState, Result, UnconfirmedFilter,
    time::{from_micros, to_micros},
};
use rusqlite::{Row, ToSql, params, params_from_iter};

use crate::tx::{EVENT_COLUMNS, EventColumns, SqliteTx, decode_event, in_list};

const AGENCY_COLUMNS: &str = "id, name, role, webhook_url, webhook_secret, created_at, disabled_at, feed_cursor, \
     push_cursor, push_failures, push_failing_since, push_next_at, push_last_error, push_last_success_at";

fn agency_row(r: &Row<'_>) -> rusqlite::Result<AgencyRow> {
    let opt = |i: usize| r.get::<_, Option<i64>>(i).map(|v| v.map(from_micros));
    Ok(AgencyRow {
        id: r.get(0)?,
        name: r.get(1)?,
        role: r.get(2)?,
        kinds: Vec::new(),
        webhook_url: r.get(3)?,
        webhook_secret: r.get(4)?,
        created_at: from_micros(r.get(5)?),
        disabled_at: opt(6)?,
        feed_cursor: r.get::<_, i64>(7)? as u64,
        push: PushState {
            cursor: r.get::<_, i64>(8)? as u64,
            failures: r.get(9)?,
            failing_since: opt(10)?,
            next_at: opt(11)?,
            last_error: r.get(12)?,
            last_success_at: opt(13)?,
        },
    })
}

/// Every agency, or the one with this id or name, with its kinds.
pub(crate) fn agencies(tx: &SqliteTx<'_>, id: Option<i64>, name: Option<&str>) -> Result<Vec<AgencyRow>> {
    let mut list = match (id, name) {
        (Some(id), _) => tx.rows(&format!("SELECT {AGENCY_COLUMNS} FROM agencies WHERE id = ?1"), [id], agency_row)?,
        (None, Some(n)) => {
            tx.rows(&format!("SELECT {AGENCY_COLUMNS} FROM agencies WHERE name = ?1"), [n], agency_row)?
        }
        (None, None) => tx.rows(&format!("SELECT {AGENCY_COLUMNS} FROM agencies ORDER BY id"), [], agency_row)?,
    };
    for a in &mut list {
        a.kinds = tx.rows("SELECT kind FROM agency_kinds WHERE agency_id = ?1 ORDER BY kind", [a.id], |r| r.get(0))?;
    }
    Ok(list)
}

pub(crate) fn insert_agency(tx: &SqliteTx<'_>, a: &AgencyRow) -> Result<i64> {
    tx.exec(
        "INSERT INTO agencies (name, role, webhook_url, webhook_secret, created_at, disabled_at, feed_cursor, push_cursor)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            a.name,
            a.role,
            a.webhook_url,
            a.webhook_secret,
            to_micros(a.created_at),
            a.disabled_at.map(to_micros),
            a.feed_cursor as i64,
            a.push.cursor as i64
        ],
    )?;
    let id = tx.conn.last_insert_rowid();
    for kind in &a.kinds {
        tx.exec("INSERT INTO agency_kinds (kind, agency_id) VALUES (?1, ?2)", params![kind, id])?;
    }
    Ok(id)
}

pub(crate) fn update_agency(tx: &SqliteTx<'_>, a: &AgencyRow) -> Result<()> {
    let p = &a.push;
    tx.exec(
        "UPDATE agencies SET webhook_url = ?2, webhook_secret = ?3, disabled_at = ?4, feed_cursor = ?5, push_cursor = ?6,
           push_failures = ?7, push_failing_since = ?8, push_next_at = ?9, push_last_error = ?10,
           push_last_success_at = ?11
         WHERE id = ?1",
        params![
            a.id,
            a.webhook_url,
            a.webhook_secret,
            a.disabled_at.map(to_micros),
            a.feed_cursor as i64,
            p.cursor as i64,
            p.failures,
            p.failing_since.map(to_micros),
            p.next_at.map(to_micros),
            p.last_error,
            p.last_success_at.map(to_micros)
        ],
    )?;
    Ok(())
}

const DELIVERY_COLUMNS: &str =
    "d.id, d.agency_id, d.seq, d.kind, d.person_id, d.region, d.created_at, d.disclosed_at, d.confirmed_at";

fn delivery_row(r: &Row<'_>) -> rusqlite::Result<DeliveryRow> {
    Ok(DeliveryRow {
        id: r.get(0)?,
        agency: r.get(1)?,
        seq: r.get::<_, i64>(2)? as u64,
        kind: r.get(3)?,
        person: PersonId(r.get(4)?),
        region: r.get(5)?,
        created_at: from_micros(r.get(6)?),
        disclosed_at: r.get::<_, Option<i64>>(7)?.map(from_micros),
        confirmed_at: r.get::<_, Option<i64>>(8)?.map(from_micros),
    })
}

fn with_event(r: &Row<'_>) -> rusqlite::Result<(DeliveryRow, EventColumns)> {
    let d = delivery_row(r)?;
    let e = (r.get(9)?, r.get(10)?, r.get(11)?, r.get(12)?, r.get(13)?, r.get(14)?, r.get(15)?, r.get(16)?);
    Ok((d, e))
}

fn event_columns() -> String {
    EVENT_COLUMNS.split(", ").map(|c| format!("e.{c}")).collect::<Vec<_>>().join(", ")
}

pub(crate) fn deliveries(
    tx: &SqliteTx<'_>,
    agency: i64,
    after: u64,
    limit: usize,
) -> Result<Vec<(DeliveryRow, Event)>> {
    let sql = format!(
        "SELECT {DELIVERY_COLUMNS}, {} FROM deliveries d JOIN events e ON e.seq = d.seq
         WHERE d.agency_id = ?1 AND d.seq > ?2 ORDER BY d.seq LIMIT ?3",
        event_columns()
    );
    let rows = tx.rows(&sql, params![agency, after as i64, limit as i64], with_event)?;
    rows.into_iter().map(|(d, e)| Ok((d, decode_event(e)?))).collect()
}

pub(crate) fn deliveries_at(tx: &SqliteTx<'_>, agency: i64, seqs: &[u64]) -> Result<Vec<(DeliveryRow, Event)>> {
    let sql = format!(
        "SELECT {DELIVERY_COLUMNS}, {} FROM deliveries d JOIN events e ON e.seq = d.seq
         WHERE d.agency_id = ?1 AND d.seq = ?2",
        event_columns()
    );
    let mut sorted = seqs.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    let mut out = Vec::new();
    for seq in sorted {
        for (d, e) in tx.rows(&sql, params![agency, seq as i64], with_event)? {
            out.push((d, decode_event(e)?));
        }
    }
    Ok(out)
}

pub(crate) fn unconfirmed(tx: &SqliteTx<'_>, f: &UnconfirmedFilter) -> Result<Vec<DeliveryRow>> {
    let mut p: Vec<Box<dyn ToSql>> = vec![Box::new(f.after), Box::new(to_micros(f.created_before))];
    let regions = f.regions.as_ref().map(|r| r.iter().map(|x| x.to_string()).collect());
    let within = in_list("d.region", &regions, &mut p);
    p.push(Box::new(f.limit as i64));
    let sql = format!(
        "SELECT {DELIVERY_COLUMNS} FROM deliveries d INDEXED BY deliveries_unconfirmed
         JOIN agencies a ON a.id = d.agency_id
         WHERE d.confirmed_at IS NULL AND d.id > ?1 AND d.created_at < ?2 AND {within} AND a.disabled_at IS NULL
         ORDER BY d.id LIMIT ?{}",
        p.len()
    );
    tx.rows(&sql, params_from_iter(p.iter()), delivery_row)
}

pub(crate) fn delivery_stats(tx: &SqliteTx<'_>, overdue_before: Timestamp) -> Result<Vec<DeliveryStats>> {
    let mut stats: Vec<DeliveryStats> = tx.rows(
        "SELECT a.id,
           (SELECT count(*) FROM deliveries d WHERE d.agency_id = a.id AND d.confirmed_at IS NULL),
           (SELECT count(*) FROM deliveries d WHERE d.agency_id = a.id AND d.confirmed_at IS NULL AND d.created_at < ?1),
           (SELECT count(*) FROM deliveries d WHERE d.agency_id = a.id
              AND d.seq > CASE WHEN a.webhook_url IS NULL THEN a.feed_cursor ELSE a.push_cursor END),
           (SELECT count(*) FROM dead_letters l WHERE l.agency_id = a.id AND l.redelivered_at IS NULL)
         FROM agencies a ORDER BY a.id",
        [to_micros(overdue_before)],
        |r| {
            Ok(DeliveryStats {
                agency: r.get(0)?,
                unconfirmed: r.get::<_, i64>(1)? as u64,
                overdue: r.get::<_, i64>(2)? as u64,
                pending: r.get::<_, i64>(3)? as u64,
                dead_letters: r.get::<_, i64>(4)? as u64,
            })
        },
    )?;
    stats.sort_by_key(|s| s.agency);
    Ok(stats)
}

pub(crate) fn dead_letters(tx: &SqliteTx<'_>, agency: i64) -> Result<Vec<DeadLetterRow>> {
    tx.rows(
        "SELECT agency_id, seq, attempts, last_error, dead_at, replay_requested_at, redelivered_at
         FROM dead_letters WHERE agency_id = ?1 ORDER BY seq",
        [agency],
        |r| {
            Ok(DeadLetterRow {
                agency: r.get(0)?,
                seq: r.get::<_, i64>(1)? as u64,
                attempts: r.get(2)?,
                last_error: r.get(3)?,
                dead_at: from_micros(r.get(4)?),
                replay_requested_at: r.get::<_, Option<i64>>(5)?.map(from_micros),
                redelivered_at: r.get::<_, Option<i64>>(6)?.map(from_micros),
            })
        },
    )
}

pub(crate) fn measures_in_force_of(tx: &SqliteTx<'_>, person: PersonId) -> Result<Vec<MeasureRow>> {
    let rows = tx.rows(
        "SELECT m.id, s.number, m.person_id, s.commissariat, m.kind, m.started_at
         FROM measures m INDEXED BY measures_in_force JOIN summonses s ON s.id = m.summons_id
         WHERE m.person_id = ?1 AND m.lifted_at IS NULL ORDER BY m.id",
        [person.0],
        |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, i64>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, i64>(5)?,
            ))
        },
    )?;
    rows.into_iter()
        .map(|(id, number, person, commissariat, kind, started)| {
            Ok(MeasureRow {
                id,
                summons: number.parse()?,
                person: PersonId(person),
                commissariat,
                kind,
                started_at: from_micros(started),
                lifted_at: None,
                lift_cause: None,
            })
        })
        .collect()
}
