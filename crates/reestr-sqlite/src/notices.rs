//! Notices, their e-mail outbox, reminders and preferences on SQLite.

use jiff::Timestamp;
use reestr_core::{person::PersonId, summons::SummonsNumber};
use reestr_store::{
    MailRow, MailStats, NoticeRow, ReminderRow, Result,
    time::{from_micros, to_micros},
};
use rusqlite::{Row, params};

use crate::tx::SqliteTx;

const NOTICE_COLUMNS: &str = "id, person_id, kind, cause, code_hash, content, created_at";

fn notice_row(r: &Row<'_>) -> rusqlite::Result<NoticeRow> {
    Ok(NoticeRow {
        id: r.get(0)?,
        person: PersonId(r.get(1)?),
        kind: r.get(2)?,
        cause: r.get(3)?,
        code_hash: r.get(4)?,
        content: r.get(5)?,
        created_at: from_micros(r.get(6)?),
    })
}

const MAIL_COLUMNS: &str =
    "id, notice_id, address_hash, address, not_before, attempts, next_at, last_error, sent_at, dead_at";

fn mail_row(r: &Row<'_>) -> rusqlite::Result<MailRow> {
    let opt = |i: usize| r.get::<_, Option<i64>>(i).map(|v| v.map(from_micros));
    Ok(MailRow {
        id: r.get(0)?,
        notice: r.get(1)?,
        address_hash: r.get(2)?,
        address: r.get(3)?,
        not_before: from_micros(r.get(4)?),
        attempts: r.get(5)?,
        next_at: from_micros(r.get(6)?),
        last_error: r.get(7)?,
        sent_at: opt(8)?,
        dead_at: opt(9)?,
    })
}

pub(crate) fn notices_of(tx: &SqliteTx<'_>, person: PersonId, before: i64, limit: usize) -> Result<Vec<NoticeRow>> {
    let sql =
        format!("SELECT {NOTICE_COLUMNS} FROM notices WHERE person_id = ?1 AND id < ?2 ORDER BY id DESC LIMIT ?3");
    tx.rows(&sql, params![person.0, before, limit as i64], notice_row)
}

pub(crate) fn notice_where(tx: &SqliteTx<'_>, id: Option<i64>, code_hash: Option<&[u8]>) -> Result<Option<NoticeRow>> {
    match (id, code_hash) {
        (Some(id), _) => tx.one(&format!("SELECT {NOTICE_COLUMNS} FROM notices WHERE id = ?1"), [id], notice_row),
        (None, Some(h)) => {
            tx.one(&format!("SELECT {NOTICE_COLUMNS} FROM notices WHERE code_hash = ?1"), [h], notice_row)
        }
        (None, None) => Ok(None),
    }
}

pub(crate) fn notices_after(tx: &SqliteTx<'_>, after: i64, limit: usize) -> Result<Vec<NoticeRow>> {
    let sql = format!("SELECT {NOTICE_COLUMNS} FROM notices WHERE id > ?1 ORDER BY id LIMIT ?2");
    tx.rows(&sql, params![after, limit as i64], notice_row)
}

pub(crate) fn mail_after(tx: &SqliteTx<'_>, after: i64, limit: usize) -> Result<Vec<MailRow>> {
    let sql = format!("SELECT {MAIL_COLUMNS} FROM notice_mail WHERE id > ?1 ORDER BY id LIMIT ?2");
    tx.rows(&sql, params![after, limit as i64], mail_row)
}

pub(crate) fn reseal_notice(tx: &SqliteTx<'_>, id: i64, content: &[u8]) -> Result<()> {
    tx.exec("UPDATE notices SET content = ?2 WHERE id = ?1", params![id, content])?;
    Ok(())
}

pub(crate) fn mail(tx: &SqliteTx<'_>, id: i64) -> Result<Option<MailRow>> {
    tx.one(&format!("SELECT {MAIL_COLUMNS} FROM notice_mail WHERE id = ?1"), [id], mail_row)
}

pub(crate) fn mail_of(tx: &SqliteTx<'_>, notice: i64) -> Result<Vec<MailRow>> {
    tx.rows(&format!("SELECT {MAIL_COLUMNS} FROM notice_mail WHERE notice_id = ?1 ORDER BY id"), [notice], mail_row)
}

pub(crate) fn mail_due(tx: &SqliteTx<'_>, now: Timestamp, limit: usize) -> Result<Vec<MailRow>> {
    let sql = format!(
        "SELECT {MAIL_COLUMNS} FROM notice_mail INDEXED BY notice_mail_pending
         WHERE sent_at IS NULL AND dead_at IS NULL AND next_at <= ?1 ORDER BY next_at, id LIMIT ?2"
    );
    tx.rows(&sql, params![to_micros(now), limit as i64], mail_row)
}

pub(crate) fn mail_stats(tx: &SqliteTx<'_>) -> Result<MailStats> {
    let stats = tx.one(
        "SELECT
           count(*) FILTER (WHERE sent_at IS NULL AND dead_at IS NULL),
           count(*) FILTER (WHERE sent_at IS NULL AND dead_at IS NULL AND attempts > 0),
           count(*) FILTER (WHERE sent_at IS NOT NULL),
           count(*) FILTER (WHERE dead_at IS NOT NULL)
         FROM notice_mail",
        [],
        |r| {
            Ok(MailStats {
                pending: r.get::<_, i64>(0)? as u64,
                retrying: r.get::<_, i64>(1)? as u64,
                sent: r.get::<_, i64>(2)? as u64,
                dead: r.get::<_, i64>(3)? as u64,
            })
        },
    )?;
    Ok(stats.unwrap_or_default())
}

pub(crate) fn preferences(tx: &SqliteTx<'_>, person: PersonId) -> Result<Option<String>> {
    tx.one("SELECT prefs FROM notice_preferences WHERE person_id = ?1", [person.0], |r| r.get(0))
}

fn reminder_row(r: &Row<'_>) -> rusqlite::Result<(String, i64, String, i64, Option<i64>)> {
    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
}

pub(crate) fn due_reminders(tx: &SqliteTx<'_>, now: Timestamp, limit: usize) -> Result<Vec<ReminderRow>> {
    let rows = tx.rows(
        "SELECT summons, person_id, kind, due_at, done_at FROM reminders INDEXED BY reminders_due
         WHERE done_at IS NULL AND due_at <= ?1 ORDER BY due_at LIMIT ?2",
        params![to_micros(now), limit as i64],
        reminder_row,
    )?;
    rows.into_iter()
        .map(|(summons, person, kind, due, done)| {
            Ok(ReminderRow {
                summons: summons.parse()?,
                person: PersonId(person),
                kind,
                due_at: from_micros(due),
                done_at: done.map(from_micros),
            })
        })
        .collect()
}

pub(crate) fn next_reminder(tx: &SqliteTx<'_>) -> Result<Option<Timestamp>> {
    let next: Option<Option<i64>> =
        tx.one("SELECT min(due_at) FROM reminders INDEXED BY reminders_due WHERE done_at IS NULL", [], |r| r.get(0))?;
    Ok(next.flatten().map(from_micros))
}

pub(crate) fn insert_notice(tx: &SqliteTx<'_>, n: &NoticeRow) -> Result<Option<i64>> {
    let inserted = tx.exec(
        "INSERT INTO notices (person_id, kind, cause, code_hash, content, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (cause) DO NOTHING",
        params![n.person.0, n.kind, n.cause, n.code_hash, n.content, to_micros(n.created_at)],
    )?;
    Ok((inserted == 1).then(|| tx.conn.last_insert_rowid()))
}

pub(crate) fn insert_mail(tx: &SqliteTx<'_>, m: &MailRow) -> Result<()> {
    tx.exec(
        "INSERT INTO notice_mail (notice_id, address_hash, address, not_before, attempts, next_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (notice_id, address_hash) DO NOTHING",
        params![m.notice, m.address_hash, m.address, to_micros(m.not_before), m.attempts, to_micros(m.next_at)],
    )?;
    Ok(())
}

pub(crate) fn update_mail(tx: &SqliteTx<'_>, m: &MailRow) -> Result<()> {
    tx.exec(
        "UPDATE notice_mail SET attempts = ?2, next_at = ?3, last_error = ?4, sent_at = ?5, dead_at = ?6, address = ?7
         WHERE id = ?1",
        params![
            m.id,
            m.attempts,
            to_micros(m.next_at),
            m.last_error,
            m.sent_at.map(to_micros),
            m.dead_at.map(to_micros),
            m.address
        ],
    )?;
    Ok(())
}

pub(crate) fn set_preferences(tx: &SqliteTx<'_>, person: PersonId, prefs: &str, at: Timestamp) -> Result<()> {
    tx.exec(
        "INSERT INTO notice_preferences (person_id, prefs, updated_at) VALUES (?1, ?2, ?3)
         ON CONFLICT (person_id) DO UPDATE SET prefs = excluded.prefs, updated_at = excluded.updated_at",
        params![person.0, prefs, to_micros(at)],
    )?;
    Ok(())
}

pub(crate) fn schedule_reminders(
    tx: &SqliteTx<'_>,
    summons: &SummonsNumber,
    person: PersonId,
    due: &[(String, Timestamp)],
) -> Result<()> {
    tx.exec("DELETE FROM reminders WHERE summons = ?1 AND done_at IS NULL", [summons.as_str()])?;
    for (kind, at) in due {
        tx.exec(
            "INSERT INTO reminders (summons, kind, due_at, person_id) VALUES (?1, ?2, ?3, ?4) ON CONFLICT DO NOTHING",
            params![summons.as_str(), kind, to_micros(*at), person.0],
        )?;
    }
    Ok(())
}

pub(crate) fn finish_reminder(
    tx: &SqliteTx<'_>,
    summons: &SummonsNumber,
    kind: &str,
    due: Timestamp,
    at: Timestamp,
) -> Result<()> {
    tx.exec(
        "UPDATE reminders SET done_at = ?4 WHERE summons = ?1 AND kind = ?2 AND due_at = ?3 AND done_at IS NULL",
        params![summons.as_str(), kind, to_micros(due), to_micros(at)],
    )?;
    Ok(())
}
