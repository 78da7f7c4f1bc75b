//! Agencies, their deliveries and dead letters on PostgreSQL.

use jiff::Timestamp;
use postgres::Row;
use reestr_core::{event::Event, person::PersonId};
use reestr_store::{
    AgencyRow, DeadLetterRow, DeliveryRow, DeliveryStats, MeasureRow, NewDelivery, PushState, Result, StoreError,
    UnconfirmedFilter,
};

use crate::{
    sql::Micros,
    tx::{PgTx, decode_event},
};

const AGENCIES_ALL: &str = "SELECT id, name, role, webhook_url, webhook_secret, created_at, disabled_at, feed_cursor,
       push_cursor, push_failures, push_failing_since, push_next_at, push_last_error, push_last_success_at
     FROM agencies WHERE ($1::bigint IS NULL OR id = $1) AND ($2::text IS NULL OR name = $2) ORDER BY id";

fn instant(r: &Row, i: usize) -> Option<Timestamp> {
    r.get::<_, Option<Micros>>(i).map(Micros::timestamp)
}

fn agency_row(r: &Row) -> AgencyRow {
    AgencyRow {
        id: r.get(0),
        name: r.get(1),
        role: r.get(2),
        kinds: Vec::new(),
        webhook_url: r.get(3),
        webhook_secret: r.get(4),
        created_at: r.get::<_, Micros>(5).timestamp(),
        disabled_at: instant(r, 6),
        feed_cursor: r.get::<_, i64>(7) as u64,
        push: PushState {
            cursor: r.get::<_, i64>(8) as u64,
            failures: r.get::<_, i64>(9) as u32,
            failing_since: instant(r, 10),
            next_at: instant(r, 11),
            last_error: r.get(12),
            last_success_at: instant(r, 13),
        },
    }
}

/// Every agency, or the one with this id or name, with its kinds.
pub(crate) fn agencies(tx: &mut PgTx<'_>, id: Option<i64>, name: Option<&str>) -> Result<Vec<AgencyRow>> {
    let mut list: Vec<AgencyRow> = tx.query(AGENCIES_ALL, &[&id, &name])?.iter().map(agency_row).collect();
    for a in &mut list {
        a.kinds = tx
            .query("SELECT kind FROM agency_kinds WHERE agency_id = $1 ORDER BY kind", &[&a.id])?
            .iter()
            .map(|r| r.get(0))
            .collect();
    }
    Ok(list)
}

pub(crate) fn insert_agency(tx: &mut PgTx<'_>, a: &AgencyRow) -> Result<i64> {
    let rows = tx.query(
        "INSERT INTO agencies (name, role, webhook_url, webhook_secret, created_at, disabled_at, feed_cursor, push_cursor)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        &[
            &a.name,
            &a.role,
            &a.webhook_url,
            &a.webhook_secret,
            &Micros::of(a.created_at),
            &a.disabled_at.map(Micros::of),
            &(a.feed_cursor as i64),
            &(a.push.cursor as i64),
        ],
    )?;
    let id: i64 =
        rows.first().map(|r| r.get(0)).ok_or_else(|| StoreError::Backend("the insert returned no id".into()))?;
    tx.execute("INSERT INTO agency_kinds (kind, agency_id) SELECT unnest($1::text[]), $2", &[&a.kinds, &id])?;
    Ok(id)
}

pub(crate) fn update_agency(tx: &mut PgTx<'_>, a: &AgencyRow) -> Result<()> {
    let p = &a.push;
    tx.execute(
        "UPDATE agencies SET webhook_url = $2, webhook_secret = $3, disabled_at = $4, feed_cursor = $5,
           push_cursor = $6, push_failures = $7, push_failing_since = $8, push_next_at = $9,
           push_last_error = $10, push_last_success_at = $11
         WHERE id = $1",
        &[
            &a.id,
            &a.webhook_url,
            &a.webhook_secret,
            &a.disabled_at.map(Micros::of),
            &(a.feed_cursor as i64),
            &(p.cursor as i64),
            &i64::from(p.failures),
            &p.failing_since.map(Micros::of),
            &p.next_at.map(Micros::of),
            &p.last_error,
            &p.last_success_at.map(Micros::of),
        ],
    )?;
    Ok(())
}

fn delivery_row(r: &Row) -> DeliveryRow {
    DeliveryRow {
        id: r.get(0),
        agency: r.get(1),
        seq: r.get::<_, i64>(2) as u64,
        kind: r.get(3),
        person: PersonId(r.get(4)),
        region: r.get(5),
        created_at: r.get::<_, Micros>(6).timestamp(),
        disclosed_at: instant(r, 7),
        confirmed_at: instant(r, 8),
    }
}

/// A delivery and its event: the delivery's nine columns, then the event's eight.
fn with_event(rows: Vec<Row>) -> Result<Vec<(DeliveryRow, Event)>> {
    rows.iter().map(|r| Ok((delivery_row(r), decode_event(r, 9)?))).collect()
}

const DELIVERIES_AFTER: &str = "SELECT d.id, d.agency_id, d.seq, d.kind, d.person_id, d.region, d.created_at,
       d.disclosed_at, d.confirmed_at,
       e.seq, e.recorded_at, e.effective_at, e.kind, e.actor, e.person_id, e.summons, e.payload
     FROM deliveries d JOIN events e ON e.seq = d.seq
     WHERE d.agency_id = $1 AND d.seq > $2 ORDER BY d.seq LIMIT $3";

const DELIVERIES_AT: &str = "SELECT d.id, d.agency_id, d.seq, d.kind, d.person_id, d.region, d.created_at,
       d.disclosed_at, d.confirmed_at,
       e.seq, e.recorded_at, e.effective_at, e.kind, e.actor, e.person_id, e.summons, e.payload
     FROM deliveries d JOIN events e ON e.seq = d.seq
     WHERE d.agency_id = $1 AND d.seq = ANY($2) ORDER BY d.seq";

pub(crate) fn deliveries(
    tx: &mut PgTx<'_>,
    agency: i64,
    after: u64,
    limit: usize,
) -> Result<Vec<(DeliveryRow, Event)>> {
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    with_event(tx.query(DELIVERIES_AFTER, &[&agency, &(after as i64), &limit])?)
}

pub(crate) fn deliveries_at(tx: &mut PgTx<'_>, agency: i64, seqs: &[u64]) -> Result<Vec<(DeliveryRow, Event)>> {
    let seqs: Vec<i64> = seqs.iter().map(|s| *s as i64).collect();
    with_event(tx.query(DELIVERIES_AT, &[&agency, &seqs])?)
}

pub(crate) fn unconfirmed(tx: &mut PgTx<'_>, f: &UnconfirmedFilter) -> Result<Vec<DeliveryRow>> {
    let limit = i64::try_from(f.limit).unwrap_or(i64::MAX);
    let rows = tx.query(
        "SELECT d.id, d.agency_id, d.seq, d.kind, d.person_id, d.region, d.created_at, d.disclosed_at, d.confirmed_at
         FROM deliveries d JOIN agencies a ON a.id = d.agency_id
         WHERE d.confirmed_at IS NULL AND d.id > $1 AND d.created_at < $2
           AND ($3::bigint[] IS NULL OR d.region = ANY($3)) AND a.disabled_at IS NULL
         ORDER BY d.id LIMIT $4",
        &[&f.after, &Micros::of(f.created_before), &f.regions, &limit],
    )?;
    Ok(rows.iter().map(delivery_row).collect())
}

pub(crate) fn delivery_stats(tx: &mut PgTx<'_>, overdue_before: Timestamp) -> Result<Vec<DeliveryStats>> {
    let rows = tx.query(
        "SELECT a.id,
           (SELECT count(*) FROM deliveries d WHERE d.agency_id = a.id AND d.confirmed_at IS NULL),
           (SELECT count(*) FROM deliveries d WHERE d.agency_id = a.id AND d.confirmed_at IS NULL
              AND d.created_at < $1),
           (SELECT count(*) FROM deliveries d WHERE d.agency_id = a.id
              AND d.seq > CASE WHEN a.webhook_url IS NULL THEN a.feed_cursor ELSE a.push_cursor END),
           (SELECT count(*) FROM dead_letters l WHERE l.agency_id = a.id AND l.redelivered_at IS NULL)
         FROM agencies a ORDER BY a.id",
        &[&Micros::of(overdue_before)],
    )?;
    Ok(rows
        .iter()
        .map(|r| DeliveryStats {
            agency: r.get(0),
            unconfirmed: r.get::<_, i64>(1) as u64,
            overdue: r.get::<_, i64>(2) as u64,
            pending: r.get::<_, i64>(3) as u64,
            dead_letters: r.get::<_, i64>(4) as u64,
        })
        .collect())
}

pub(crate) fn dead_letters(tx: &mut PgTx<'_>, agency: i64) -> Result<Vec<DeadLetterRow>> {
    let rows = tx.query(
        "SELECT agency_id, seq, attempts, last_error, dead_at, replay_requested_at, redelivered_at
         FROM dead_letters WHERE agency_id = $1 ORDER BY seq",
        &[&agency],
    )?;
    Ok(rows
        .iter()
        .map(|r| DeadLetterRow {
            agency: r.get(0),
            seq: r.get::<_, i64>(1) as u64,
            attempts: r.get::<_, i64>(2) as u32,
            last_error: r.get(3),
            dead_at: r.get::<_, Micros>(4).timestamp(),
            replay_requested_at: instant(r, 5),
            redelivered_at: instant(r, 6),
        })
        .collect())
}

pub(crate) fn measure_events(tx: &mut PgTx<'_>, after: u64, limit: usize) -> Result<Vec<Event>> {
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let rows = tx.query(
        "SELECT seq, recorded_at, effective_at, kind, actor, person_id, summons, payload FROM events
         WHERE seq > $1 AND kind IN ('measure_started', 'measure_lifted') ORDER BY seq LIMIT $2",
        &[&(after as i64), &limit],
    )?;
    rows.iter().map(|r| decode_event(r, 0)).collect()
}

pub(crate) fn measures_in_force_of(tx: &mut PgTx<'_>, person: PersonId) -> Result<Vec<MeasureRow>> {
    let rows = tx.query(
        "SELECT m.id, s.number, m.person_id, s.commissariat, m.kind, m.started_at
         FROM measures m JOIN summonses s ON s.region = m.region AND s.id = m.summons_id
         WHERE m.person_id = $1 AND m.lifted_at IS NULL ORDER BY m.id",
        &[&person.0],
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
                lifted_at: None,
                lift_cause: None,
            })
        })
        .collect()
}

pub(crate) fn enqueue_delivery(tx: &mut PgTx<'_>, d: &NewDelivery) -> Result<()> {
    tx.execute(
        "INSERT INTO deliveries (agency_id, seq, kind, person_id, region, created_at)
         SELECT agency_id, $1, $2, $3, $4, $5 FROM agency_kinds WHERE kind = $2",
        &[&(d.seq as i64), &d.kind, &d.person.0, &d.region, &Micros::of(d.created_at)],
    )?;
    Ok(())
}

pub(crate) fn insert_delivery(tx: &mut PgTx<'_>, agency: i64, d: &NewDelivery) -> Result<()> {
    tx.execute(
        "INSERT INTO deliveries (agency_id, seq, kind, person_id, region, created_at)
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
        &[&agency, &(d.seq as i64), &d.kind, &d.person.0, &d.region, &Micros::of(d.created_at)],
    )?;
    Ok(())
}

pub(crate) fn set_disclosed(tx: &mut PgTx<'_>, agency: i64, seqs: &[u64], at: Timestamp) -> Result<()> {
    let seqs: Vec<i64> = seqs.iter().map(|s| *s as i64).collect();
    tx.execute(
        "UPDATE deliveries SET disclosed_at = $3 WHERE agency_id = $1 AND seq = ANY($2) AND disclosed_at IS NULL",
        &[&agency, &seqs, &Micros::of(at)],
    )?;
    Ok(())
}

/// For each seq: `None` if the agency has no such delivery, `Some(true)` if this confirmed it,
/// `Some(false)` if it was confirmed before.
pub(crate) fn confirm_deliveries(
    tx: &mut PgTx<'_>,
    agency: i64,
    seqs: &[u64],
    at: Timestamp,
) -> Result<Vec<Option<bool>>> {
    let wanted: Vec<i64> = seqs.iter().map(|s| *s as i64).collect();
    // The state before, row-locked, then the update of those not yet confirmed.
    let before: std::collections::HashMap<i64, bool> = tx
        .query(
            "SELECT seq, confirmed_at IS NOT NULL FROM deliveries WHERE agency_id = $1 AND seq = ANY($2) FOR UPDATE",
            &[&agency, &wanted],
        )?
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    tx.execute(
        "UPDATE deliveries SET confirmed_at = $3 WHERE agency_id = $1 AND seq = ANY($2) AND confirmed_at IS NULL",
        &[&agency, &wanted, &Micros::of(at)],
    )?;
    let mut done = std::collections::HashSet::new();
    Ok(wanted.iter().map(|seq| before.get(seq).map(|confirmed| !confirmed && done.insert(*seq))).collect())
}

pub(crate) fn insert_dead_letters(tx: &mut PgTx<'_>, rows: &[DeadLetterRow]) -> Result<()> {
    for d in rows {
        tx.execute(
            "INSERT INTO dead_letters (agency_id, seq, attempts, last_error, dead_at, replay_requested_at, redelivered_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7)
             ON CONFLICT (agency_id, seq) DO UPDATE SET attempts = excluded.attempts, last_error = excluded.last_error,
               dead_at = excluded.dead_at, replay_requested_at = excluded.replay_requested_at,
               redelivered_at = excluded.redelivered_at",
            &[
                &d.agency,
                &(d.seq as i64),
                &i64::from(d.attempts),
                &d.last_error,
                &Micros::of(d.dead_at),
                &d.replay_requested_at.map(Micros::of),
                &d.redelivered_at.map(Micros::of),
            ],
        )?;
    }
    Ok(())
}

pub(crate) fn update_dead_letter(tx: &mut PgTx<'_>, d: &DeadLetterRow) -> Result<()> {
    tx.execute(
        "UPDATE dead_letters SET replay_requested_at = $3, redelivered_at = $4 WHERE agency_id = $1 AND seq = $2",
        &[&d.agency, &(d.seq as i64), &d.replay_requested_at.map(Micros::of), &d.redelivered_at.map(Micros::of)],
    )?;
    Ok(())
}
