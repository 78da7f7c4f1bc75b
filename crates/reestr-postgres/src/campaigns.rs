//! Campaigns, their regions' progress and members on PostgreSQL; summonses posted in bulk.

use postgres::{Row, types::Type};
use reestr_core::person::PersonId;
use reestr_store::{
    CampaignMember, CampaignRegionRow, CampaignRow, CohortCandidate, CohortFilter, Result, StoreError, StoredPerson,
    SummonsRow,
};

use crate::{
    sql::{Micros, backend, copy_in},
    tx::PgTx,
};

fn campaign_row(r: &Row) -> CampaignRow {
    CampaignRow {
        id: r.get(0),
        name: r.get(1),
        spec: r.get(2),
        state: r.get(3),
        created_at: r.get::<_, Micros>(4).timestamp(),
        created_by: r.get(5),
        issued_by: r.get(6),
        started_at: r.get::<_, Option<Micros>>(7).map(Micros::timestamp),
        finished_at: r.get::<_, Option<Micros>>(8).map(Micros::timestamp),
    }
}

pub(crate) fn campaigns(tx: &mut PgTx<'_>, id: Option<i64>) -> Result<Vec<CampaignRow>> {
    Ok(tx
        .query(
            "SELECT id, name, spec, state, created_at, created_by, issued_by, started_at, finished_at
             FROM campaigns WHERE $1::bigint IS NULL OR id = $1 ORDER BY id",
            &[&id],
        )?
        .iter()
        .map(campaign_row)
        .collect())
}

pub(crate) fn campaign_regions(tx: &mut PgTx<'_>, campaign: i64) -> Result<Vec<CampaignRegionRow>> {
    Ok(tx
        .query(
            "SELECT campaign_id, region, quota, issued, held_open, last_person, finished_at
             FROM campaign_regions WHERE campaign_id = $1 ORDER BY region",
            &[&campaign],
        )?
        .iter()
        .map(|r| CampaignRegionRow {
            campaign: r.get(0),
            region: r.get(1),
            quota: r.get::<_, i64>(2) as u64,
            issued: r.get::<_, i64>(3) as u64,
            held_open: r.get::<_, i64>(4) as u64,
            last_person: r.get(5),
            finished_at: r.get::<_, Option<Micros>>(6).map(Micros::timestamp),
        })
        .collect())
}

pub(crate) fn cohort(tx: &mut PgTx<'_>, f: &CohortFilter) -> Result<Vec<CohortCandidate>> {
    Ok(tx
        .query(
            "SELECT p.id, p.record,
                    EXISTS (SELECT 1 FROM open_summonses o WHERE o.person_id = p.id),
                    EXISTS (SELECT 1 FROM campaign_members m WHERE m.campaign_id = $1 AND m.person_id = p.id)
             FROM persons p
             WHERE p.region = $2 AND p.id > $3
               AND p.birth_date BETWEEN CAST($4::text AS date) AND CAST($5::text AS date)
               AND ($6::text IS NULL OR p.commissariat = $6)
             ORDER BY p.id LIMIT $7",
            &[&f.campaign, &f.region, &f.after, &f.born_from, &f.born_to, &f.commissariat, &(f.limit as i64)],
        )?
        .iter()
        .map(|r| CohortCandidate {
            person: StoredPerson { id: PersonId(r.get(0)), record: r.get(1) },
            open_summons: r.get(2),
            member: r.get(3),
        })
        .collect())
}

pub(crate) fn insert_campaign(tx: &mut PgTx<'_>, c: &CampaignRow, regions: &[CampaignRegionRow]) -> Result<i64> {
    let rows = tx.query(
        "INSERT INTO campaigns (name, spec, state, created_at, created_by, issued_by, started_at, finished_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        &[
            &c.name,
            &c.spec,
            &c.state,
            &Micros::of(c.created_at),
            &c.created_by,
            &c.issued_by,
            &c.started_at.map(Micros::of),
            &c.finished_at.map(Micros::of),
        ],
    )?;
    let id: i64 = rows.first().map(|r| r.get(0)).ok_or_else(|| StoreError::Backend("no campaign id".into()))?;
    for r in regions {
        update_region(tx, &CampaignRegionRow { campaign: id, ..r.clone() })?;
    }
    Ok(id)
}

pub(crate) fn update_campaign(tx: &mut PgTx<'_>, c: &CampaignRow) -> Result<()> {
    tx.execute(
        "UPDATE campaigns SET state = $2, issued_by = $3, started_at = $4, finished_at = $5 WHERE id = $1",
        &[&c.id, &c.state, &c.issued_by, &c.started_at.map(Micros::of), &c.finished_at.map(Micros::of)],
    )?;
    Ok(())
}

pub(crate) fn update_region(tx: &mut PgTx<'_>, r: &CampaignRegionRow) -> Result<()> {
    tx.execute(
        "INSERT INTO campaign_regions (campaign_id, region, quota, issued, held_open, last_person, finished_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (campaign_id, region) DO UPDATE SET issued = excluded.issued, held_open = excluded.held_open,
             last_person = excluded.last_person, finished_at = excluded.finished_at",
        &[
            &r.campaign,
            &r.region,
            &(r.quota as i64),
            &(r.issued as i64),
            &(r.held_open as i64),
            &r.last_person,
            &r.finished_at.map(Micros::of),
        ],
    )?;
    Ok(())
}

/// COPYs the members in: one round trip per batch; a person already summoned by the campaign
/// breaks the primary key and fails the transaction.
pub(crate) fn insert_members(tx: &mut PgTx<'_>, rows: &[CampaignMember]) -> Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    tx.flush()?;
    let sql = "COPY campaign_members (campaign_id, person_id, summons, region) FROM STDIN BINARY";
    copy_in(&mut tx.conn.client, sql, &[Type::INT8, Type::INT8, Type::TEXT, Type::INT8], |copy| {
        for m in rows {
            copy.write(&[&m.campaign, &m.person.0, &m.summons.as_str(), &m.region]).map_err(backend)?;
        }
        Ok(())
    })
}

/// Summonses in bulk: their ids drawn from the sequence in one query, the rows COPYed in.
pub(crate) fn insert_summonses(tx: &mut PgTx<'_>, rows: &[SummonsRow]) -> Result<Vec<i64>> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<i64> = tx
        .query("SELECT nextval('summonses_id_seq') FROM generate_series(1, $1::bigint)", &[&(rows.len() as i64)])?
        .iter()
        .map(|r| r.get(0))
        .collect();
    let sql = "COPY summonses (id, number, person_id, region, commissariat, status, posted_at, next_due_at, state)
               FROM STDIN BINARY";
    let types = [
        Type::INT8,
        Type::TEXT,
        Type::INT8,
        Type::INT8,
        Type::TEXT,
        Type::TEXT,
        Type::TIMESTAMPTZ,
        Type::TIMESTAMPTZ,
        Type::BYTEA,
    ];
    copy_in(&mut tx.conn.client, sql, &types, |copy| {
        for (id, s) in ids.iter().zip(rows) {
            copy.write(&[
                id,
                &s.number.as_str(),
                &s.person.0,
                &s.region,
                &s.commissariat,
                &s.status.as_str(),
                &Micros::of(s.posted_at),
                &s.next_due.map(Micros::of),
                &s.state,
            ])
            .map_err(backend)?;
        }
        Ok(())
    })?;
    Ok(ids)
}
