//! Notices, their e-mail outbox, reminders and preferences on PostgreSQL.

use jiff::Timestamp;
use postgres::Row;
use reestr_core::{person::PersonId, summons::SummonsNumber};
use reestr_store::{MailRow, MailStats, NoticeRow, ReminderPlan, ReminderRow, Result};

use crate::{sql::Micros, tx::PgTx};

fn notice_row(r: &Row) -> NoticeRow {
    NoticeRow {
        id: r.get(0),
        person: PersonId(r.get(1)),
        kind: r.get(2),
        cause: r.get(3),
        code_hash: r.get(4),
        content: r.get(5),
        created_at: r.get::<_, Micros>(6).timestamp(),
    }
}

fn mail_row(r: &Row) -> MailRow {
    let opt = |i: usize| r.get::<_, Option<Micros>>(i).map(Micros::timestamp);
    MailRow {
        id: r.get(0),
        notice: r.get(1),
        address_hash: r.get(2),
        address: r.get(3),
        not_before: r.get::<_, Micros>(4).timestamp(),
        attempts: r.get::<_, i64>(5) as u32,
        next_at: r.get::<_, Micros>(6).timestamp(),
        last_error: r.get(7),
        sent_at: opt(8),
        dead_at: opt(9),
    }
}

pub(crate) fn notices_of(tx: &mut PgTx<'_>, person: PersonId, before: i64, limit: usize) -> Result<Vec<NoticeRow>> {
    let rows = tx.query_now(
        "SELECT id, person_id, kind, cause, code_hash, content, created_at FROM notices
         WHERE person_id = $1 AND id < $2 ORDER BY id DESC LIMIT $3",
        &[&person.0, &before, &(limit as i64)],
    )?;
    Ok(rows.iter().map(notice_row).collect())
}

pub(crate) fn notice_where(tx: &mut PgTx<'_>, id: Option<i64>, code_hash: Option<&[u8]>) -> Result<Option<NoticeRow>> {
    if id.is_none() && code_hash.is_none() {
        return Ok(None);
    }
    let rows = tx.query_now(
        "SELECT id, person_id, kind, cause, code_hash, content, created_at FROM notices
         WHERE ($1::bigint IS NULL OR id = $1) AND ($2::bytea IS NULL OR code_hash = $2)",
        &[&id, &code_hash],
    )?;
    Ok(rows.first().map(notice_row))
}

pub(crate) fn notices_after(tx: &mut PgTx<'_>, after: i64, limit: usize) -> Result<Vec<NoticeRow>> {
    let rows = tx.query_now(
        "SELECT id, person_id, kind, cause, code_hash, content, created_at FROM notices
         WHERE id > $1 ORDER BY id LIMIT $2",
        &[&after, &(limit as i64)],
    )?;
    Ok(rows.iter().map(notice_row).collect())
}

pub(crate) fn mail_after(tx: &mut PgTx<'_>, after: i64, limit: usize) -> Result<Vec<MailRow>> {
    let rows = tx.query_now(
        "SELECT id, notice_id, address_hash, address, not_before, attempts, next_at, last_error, sent_at, dead_at
         FROM notice_mail WHERE id > $1 ORDER BY id LIMIT $2",
        &[&after, &(limit as i64)],
    )?;
    Ok(rows.iter().map(mail_row).collect())
}

pub(crate) fn reseal_notice(tx: &mut PgTx<'_>, id: i64, content: &[u8]) -> Result<()> {
    tx.execute("UPDATE notices SET content = $2 WHERE id = $1", &[&id, &content])?;
    Ok(())
}

pub(crate) fn mail(tx: &mut PgTx<'_>, id: i64) -> Result<Option<MailRow>> {
    let rows = tx.query_now(
        "SELECT id, notice_id, address_hash, address, not_before, attempts, next_at, last_error, sent_at, dead_at
         FROM notice_mail WHERE id = $1",
        &[&id],
    )?;
    Ok(rows.first().map(mail_row))
}

pub(crate) fn mail_of(tx: &mut PgTx<'_>, notice: i64) -> Result<Vec<MailRow>> {
    let rows = tx.query_now(
        "SELECT id, notice_id, address_hash, address, not_before, attempts, next_at, last_error, sent_at, dead_at
         FROM notice_mail WHERE notice_id = $1 ORDER BY id",
        &[&notice],
    )?;
    Ok(rows.iter().map(mail_row).collect())
}

pub(crate) fn mail_due(tx: &mut PgTx<'_>, now: Timestamp, limit: usize) -> Result<Vec<MailRow>> {
    let rows = tx.query_now(
        "SELECT id, notice_id, address_hash, address, not_before, attempts, next_at, last_error, sent_at, dead_at
         FROM notice_mail WHERE sent_at IS NULL AND dead_at IS NULL AND next_at <= $1 ORDER BY next_at, id LIMIT $2",
        &[&Micros::of(now), &(limit as i64)],
    )?;
    Ok(rows.iter().map(mail_row).collect())
}

pub(crate) fn mail_stats(tx: &mut PgTx<'_>) -> Result<MailStats> {
    let rows = tx.query_now(
        "SELECT
           count(*) FILTER (WHERE sent_at IS NULL AND dead_at IS NULL),
           count(*) FILTER (WHERE sent_at IS NULL AND dead_at IS NULL AND attempts > 0),
           count(*) FILTER (WHERE sent_at IS NOT NULL),
           count(*) FILTER (WHERE dead_at IS NOT NULL)
         FROM notice_mail",
        &[],
    )?;
    Ok(rows
        .first()
        .map(|r| MailStats {
            pending: r.get::<_, i64>(0) as u64,
            retrying: r.get::<_, i64>(1) as u64,
            sent: r.get::<_, i64>(2) as u64,
            dead: r.get::<_, i64>(3) as u64,
        })
        .unwrap_or_default())
}

pub(crate) fn preferences(tx: &mut PgTx<'_>, person: PersonId) -> Result<Option<String>> {
    let rows = tx.query_now("SELECT prefs FROM notice_preferences WHERE person_id = $1", &[&person.0])?;
    Ok(rows.first().map(|r| r.get(0)))
}

pub(crate) fn preferences_of(tx: &mut PgTx<'_>, persons: &[PersonId]) -> Result<Vec<(PersonId, String)>> {
    let ids: Vec<i64> = persons.iter().map(|p| p.0).collect();
    let rows = tx.query_now("SELECT person_id, prefs FROM notice_preferences WHERE person_id = ANY($1)", &[&ids])?;
    Ok(rows.iter().map(|r| (PersonId(r.get(0)), r.get(1))).collect())
}

pub(crate) fn due_reminders(tx: &mut PgTx<'_>, now: Timestamp, limit: usize) -> Result<Vec<ReminderRow>> {
    let rows = tx.query_now(
        "SELECT summons, person_id, kind, due_at, done_at FROM reminders
         WHERE done_at IS NULL AND due_at <= $1 ORDER BY due_at LIMIT $2",
        &[&Micros::of(now), &(limit as i64)],
    )?;
    rows.iter()
        .map(|r| {
            Ok(ReminderRow {
                summons: r.get::<_, String>(0).parse()?,
                person: PersonId(r.get(1)),
                kind: r.get(2),
                due_at: r.get::<_, Micros>(3).timestamp(),
                done_at: r.get::<_, Option<Micros>>(4).map(Micros::timestamp),
            })
        })
        .collect()
}

pub(crate) fn next_reminder(tx: &mut PgTx<'_>) -> Result<Option<Timestamp>> {
    let rows = tx.query_now("SELECT min(due_at) FROM reminders WHERE done_at IS NULL", &[])?;
    Ok(rows.first().and_then(|r| r.get::<_, Option<Micros>>(0)).map(Micros::timestamp))
}

/// Many notices in one statement; a cause already notified (before, or earlier in `rows`) gets
/// no row, as one by one.
pub(crate) fn insert_notices(tx: &mut PgTx<'_>, rows: &[NoticeRow]) -> Result<Vec<Option<i64>>> {
    let persons: Vec<i64> = rows.iter().map(|n| n.person.0).collect();
    let kinds: Vec<&str> = rows.iter().map(|n| n.kind.as_str()).collect();
    let causes: Vec<&str> = rows.iter().map(|n| n.cause.as_str()).collect();
    let hashes: Vec<&[u8]> = rows.iter().map(|n| n.code_hash.as_slice()).collect();
    let contents: Vec<&[u8]> = rows.iter().map(|n| n.content.as_slice()).collect();
    let created: Vec<Micros> = rows.iter().map(|n| Micros::of(n.created_at)).collect();
    let inserted = tx.query_now(
        "INSERT INTO notices (person_id, kind, cause, code_hash, content, created_at)
         SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::bytea[], $5::bytea[], $6::timestamptz[])
         ON CONFLICT (cause) DO NOTHING RETURNING id, cause",
        &[&persons, &kinds, &causes, &hashes, &contents, &created],
    )?;
    let mut ids: std::collections::HashMap<String, i64> =
        inserted.iter().map(|r| (r.get::<_, String>(1), r.get::<_, i64>(0))).collect();
    // The first row of a cause is the one inserted.
    Ok(rows.iter().map(|n| ids.remove(&n.cause)).collect())
}

pub(crate) fn insert_mails(tx: &mut PgTx<'_>, rows: &[MailRow]) -> Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let notices: Vec<i64> = rows.iter().map(|m| m.notice).collect();
    let hashes: Vec<&[u8]> = rows.iter().map(|m| m.address_hash.as_slice()).collect();
    let addresses: Vec<&[u8]> = rows.iter().map(|m| m.address.as_slice()).collect();
    let not_before: Vec<Micros> = rows.iter().map(|m| Micros::of(m.not_before)).collect();
    let attempts: Vec<i64> = rows.iter().map(|m| i64::from(m.attempts)).collect();
    let next_at: Vec<Micros> = rows.iter().map(|m| Micros::of(m.next_at)).collect();
    tx.execute(
        "INSERT INTO notice_mail (notice_id, address_hash, address, not_before, attempts, next_at)
         SELECT * FROM unnest($1::bigint[], $2::bytea[], $3::bytea[], $4::timestamptz[], $5::bigint[], $6::timestamptz[])
         ON CONFLICT (notice_id, address_hash) DO NOTHING",
        &[&notices, &hashes, &addresses, &not_before, &attempts, &next_at],
    )?;
    Ok(())
}

pub(crate) fn update_mail(tx: &mut PgTx<'_>, m: &MailRow) -> Result<()> {
    tx.execute(
        "UPDATE notice_mail SET attempts = $2, next_at = $3, last_error = $4, sent_at = $5, dead_at = $6, address = $7
         WHERE id = $1",
        &[
            &m.id,
            &i64::from(m.attempts),
            &Micros::of(m.next_at),
            &m.last_error,
            &m.sent_at.map(Micros::of),
            &m.dead_at.map(Micros::of),
            &m.address,
        ],
    )?;
    Ok(())
}

pub(crate) fn set_preferences(tx: &mut PgTx<'_>, person: PersonId, prefs: &str, at: Timestamp) -> Result<()> {
    tx.execute(
        "INSERT INTO notice_preferences (person_id, prefs, updated_at) VALUES ($1, $2, $3)
         ON CONFLICT (person_id) DO UPDATE SET prefs = excluded.prefs, updated_at = excluded.updated_at",
        &[&person.0, &prefs, &Micros::of(at)],
    )?;
    Ok(())
}

pub(crate) fn schedule_reminders(
    tx: &mut PgTx<'_>,
    summons: &SummonsNumber,
    person: PersonId,
    due: &[(String, Timestamp)],
) -> Result<()> {
    tx.execute("DELETE FROM reminders WHERE summons = $1 AND done_at IS NULL", &[&summons.as_str()])?;
    let kinds: Vec<&str> = due.iter().map(|(k, _)| k.as_str()).collect();
    let dues: Vec<Micros> = due.iter().map(|(_, t)| Micros::of(*t)).collect();
    tx.execute(
        "INSERT INTO reminders (summons, kind, due_at, person_id)
         SELECT $1, k, d, $4 FROM unnest($2::text[], $3::timestamptz[]) AS u(k, d) ON CONFLICT DO NOTHING",
        &[&summons.as_str(), &kinds, &dues, &person.0],
    )?;
    Ok(())
}

/// The reminders of many summonses: one delete, one insert. One summons (a single step) goes
/// by its own key, which the planner never mistakes for a scan of the table.
pub(crate) fn schedule_reminders_of(tx: &mut PgTx<'_>, plans: &[ReminderPlan]) -> Result<()> {
    match plans {
        [] => return Ok(()),
        [one] => return schedule_reminders(tx, &one.summons, one.person, &one.due),
        _ => {}
    }
    let numbers: Vec<&str> = plans.iter().map(|p| p.summons.as_str()).collect();
    tx.execute("DELETE FROM reminders WHERE summons = ANY($1) AND done_at IS NULL", &[&numbers])?;
    let (mut summonses, mut kinds, mut dues, mut persons) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for p in plans {
        for (kind, due) in &p.due {
            summonses.push(p.summons.as_str());
            kinds.push(kind.as_str());
            dues.push(Micros::of(*due));
            persons.push(p.person.0);
        }
    }
    tx.execute(
        "INSERT INTO reminders (summons, kind, due_at, person_id)
         SELECT * FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::bigint[]) ON CONFLICT DO NOTHING",
        &[&summonses, &kinds, &dues, &persons],
    )?;
    Ok(())
}

pub(crate) fn finish_reminder(
    tx: &mut PgTx<'_>,
    summons: &SummonsNumber,
    kind: &str,
    due: Timestamp,
    at: Timestamp,
) -> Result<()> {
    tx.execute(
        "UPDATE reminders SET done_at = $4 WHERE summons = $1 AND kind = $2 AND due_at = $3 AND done_at IS NULL",
        &[&summons.as_str(), &kind, &Micros::of(due), &Micros::of(at)],
    )?;
    Ok(())
}
