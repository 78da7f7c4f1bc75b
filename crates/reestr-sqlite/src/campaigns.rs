//! Campaigns, their regions' progress and members on SQLite.

use reestr_core::person::PersonId;
use reestr_store::{
    CampaignMember, CampaignRegionRow, CampaignRow, CohortCandidate, CohortFilter, Result, StoredPerson,
    time::{from_micros, to_micros},
};
use rusqlite::{Row, params};

use crate::tx::SqliteTx;

const CAMPAIGN_COLUMNS: &str = "id, name, spec, state, created_at, created_by, issued_by, started_at, finished_at";

fn campaign_row(r: &Row<'_>) -> rusqlite::Result<CampaignRow> {
    let opt = |i: usize| r.get::<_, Option<i64>>(i).map(|v| v.map(from_micros));
    Ok(CampaignRow {
        id: r.get(0)?,
        name: r.get(1)?,
        spec: r.get(2)?,
        state: r.get(3)?,
        created_at: from_micros(r.get(4)?),
        created_by: r.get(5)?,
        issued_by: r.get(6)?,
        started_at: opt(7)?,
        finished_at: opt(8)?,
    })
}

fn region_row(r: &Row<'_>) -> rusqlite::Result<CampaignRegionRow> {
    Ok(CampaignRegionRow {
        campaign: r.get(0)?,
        region: r.get(1)?,
        quota: r.get::<_, i64>(2)? as u64,
        issued: r.get::<_, i64>(3)? as u64,
        held_open: r.get::<_, i64>(4)? as u64,
        last_person: r.get(5)?,
        finished_at: r.get::<_, Option<i64>>(6)?.map(from_micros),
    })
}

pub(crate) fn campaigns(tx: &SqliteTx<'_>, id: Option<i64>) -> Result<Vec<CampaignRow>> {
    tx.rows(
        &format!("SELECT {CAMPAIGN_COLUMNS} FROM campaigns WHERE ?1 IS NULL OR id = ?1 ORDER BY id"),
        [id],
        campaign_row,
    )
}

pub(crate) fn campaign_regions(tx: &SqliteTx<'_>, campaign: i64) -> Result<Vec<CampaignRegionRow>> {
    tx.rows(
        "SELECT campaign_id, region, quota, issued, held_open, last_person, finished_at
         FROM campaign_regions WHERE campaign_id = ?1 ORDER BY region",
        [campaign],
        region_row,
    )
}

pub(crate) fn cohort(tx: &SqliteTx<'_>, f: &CohortFilter) -> Result<Vec<CohortCandidate>> {
    tx.rows(
        "SELECT p.id, p.record,
                EXISTS (SELECT 1 FROM summonses s
                        WHERE s.person_id = p.id AND s.status NOT IN ('appeared', 'cancelled')),
                EXISTS (SELECT 1 FROM campaign_members m WHERE m.campaign_id = ?1 AND m.person_id = p.id)
         FROM persons p
         WHERE p.region = ?2 AND p.id > ?3 AND p.birth_date BETWEEN ?4 AND ?5
           AND (?6 IS NULL OR p.commissariat = ?6)
         ORDER BY p.id LIMIT ?7",
        params![f.campaign, f.region, f.after, f.born_from, f.born_to, f.commissariat, f.limit as i64],
        |r| {
            Ok(CohortCandidate {
                person: StoredPerson { id: PersonId(r.get(0)?), record: r.get(1)? },
                open_summons: r.get(2)?,
                member: r.get(3)?,
            })
        },
    )
}

pub(crate) fn insert_campaign(tx: &SqliteTx<'_>, c: &CampaignRow, regions: &[CampaignRegionRow]) -> Result<i64> {
    tx.exec(
        "INSERT INTO campaigns (name, spec, state, created_at, created_by, issued_by, started_at, finished_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            c.name,
            c.spec,
            c.state,
            to_micros(c.created_at),
            c.created_by,
            c.issued_by,
            c.started_at.map(to_micros),
            c.finished_at.map(to_micros)
        ],
    )?;
    let id = tx.conn.last_insert_rowid();
    for r in regions {
        update_region(tx, &CampaignRegionRow { campaign: id, ..r.clone() })?;
    }
    Ok(id)
}

pub(crate) fn update_campaign(tx: &SqliteTx<'_>, c: &CampaignRow) -> Result<()> {
    tx.exec(
        "UPDATE campaigns SET state = ?2, issued_by = ?3, started_at = ?4, finished_at = ?5 WHERE id = ?1",
        params![c.id, c.state, c.issued_by, c.started_at.map(to_micros), c.finished_at.map(to_micros)],
    )?;
    Ok(())
}

pub(crate) fn update_region(tx: &SqliteTx<'_>, r: &CampaignRegionRow) -> Result<()> {
    tx.exec(
        "INSERT INTO campaign_regions (campaign_id, region, quota, issued, held_open, last_person, finished_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT (campaign_id, region) DO UPDATE SET issued = excluded.issued, held_open = excluded.held_open,
             last_person = excluded.last_person, finished_at = excluded.finished_at",
        params![
            r.campaign,
            r.region,
            r.quota as i64,
            r.issued as i64,
            r.held_open as i64,
            r.last_person,
            r.finished_at.map(to_micros)
        ],
    )?;
    Ok(())
}

pub(crate) fn insert_members(tx: &SqliteTx<'_>, rows: &[CampaignMember]) -> Result<()> {
    for m in rows {
        tx.exec(
            "INSERT INTO campaign_members (campaign_id, person_id, summons, region) VALUES (?1, ?2, ?3, ?4)",
            params![m.campaign, m.person.0, m.summons.as_str(), m.region],
        )?;
    }
    Ok(())
}
