//! New persons in bulk: COPY into a temporary table, one `INSERT ... SELECT`, and one query for
//! the owners of the keys of the rows that were not inserted.

use std::collections::HashMap;

use postgres::types::Type;
use reestr_core::person::PersonId;
use reestr_store::{Blind, Inserted, PersonRow, Result, StoreError};

use crate::{
    sql::{backend, copy_in},
    tx::PgTx,
};

/// Fewer rows than this go one by one (the bulk path costs a few round trips of its own).
pub(crate) const BULK_FROM: usize = 32;

/// Inserts the rows whose keys are free, in row order, and tells each row's outcome exactly as
/// inserting them one by one would: a conflict names the owners that existed before, or that
/// an earlier row of the same call became.
pub(crate) fn insert(tx: &mut PgTx<'_>, rows: &[&PersonRow]) -> Result<Vec<Inserted>> {
    tx.temp_table(
        "persons_in",
        "ord integer, snils bytea, passport bytea, inn bytea, name_key text, birth_date text, region bigint,
         commissariat text, record bytea",
    )?;
    let client = &mut tx.conn.client;
    let sql = "COPY persons_in (ord, snils, passport, inn, name_key, birth_date, region, commissariat, record)
               FROM STDIN BINARY";
    let types = [
        Type::INT4,
        Type::BYTEA,
        Type::BYTEA,
        Type::BYTEA,
        Type::TEXT,
        Type::TEXT,
        Type::INT8,
        Type::TEXT,
        Type::BYTEA,
    ];
    copy_in(client, sql, &types, |copy| {
        for (ord, p) in rows.iter().enumerate() {
            let ord = ord as i32;
            let inn = p.inn.as_ref().map(|k| &k[..]);
            copy.write(&[
                &ord,
                &&p.snils[..],
                &&p.passport[..],
                &inn,
                &p.name_key,
                &p.birth_date,
                &p.region,
                &p.commissariat,
                &p.record,
            ])
            .map_err(backend)?;
        }
        Ok(())
    })?;

    // Rows that clash with a person already there are left out by the key probes (scalar
    // subqueries, so that each is an index lookup whatever the planner thinks of the temporary
    // table); rows that clash with an earlier row of this batch by ON CONFLICT, which is only
    // asked for when the batch repeats a key (its arbiter checks cost a little on every index).
    // New ids follow row order (the ids are drawn after the sort).
    let repeats = {
        let mut seen = std::collections::HashSet::with_capacity(rows.len() * 3);
        rows.iter().any(|p| {
            !seen.insert((0, p.snils)) || !seen.insert((1, p.passport)) || p.inn.is_some_and(|i| !seen.insert((2, i)))
        })
    };
    let on_conflict = if repeats { "ON CONFLICT DO NOTHING" } else { "" };
    let sql = format!(
        "INSERT INTO persons (snils, passport, inn, name_key, birth_date, region, commissariat, record)
         SELECT snils, passport, inn, name_key, CAST(birth_date AS date), region, commissariat, record
         FROM persons_in i
         WHERE (SELECT id FROM persons p WHERE p.snils = i.snils) IS NULL
           AND (SELECT id FROM persons p WHERE p.passport = i.passport) IS NULL
           AND (i.inn IS NULL OR (SELECT id FROM persons p WHERE p.inn = i.inn) IS NULL)
         ORDER BY ord
         {on_conflict}
         RETURNING id, snils, passport, inn"
    );
    let inserted = client.query(sql.as_str(), &[]).map_err(backend)?;

    // Which row each new person came from: the first row with its keys (a later row with the
    // same keys clashed with it).
    type Keys = (Blind, Blind, Option<Blind>);
    let mut by_keys: HashMap<Keys, Vec<usize>> = HashMap::new();
    for (ord, p) in rows.iter().enumerate().rev() {
        by_keys.entry((p.snils, p.passport, p.inn)).or_default().push(ord);
    }
    let mut outcome: Vec<Option<Inserted>> = vec![None; rows.len()];
    let mut ord_of: HashMap<i64, usize> = HashMap::new();
    for r in &inserted {
        let id: i64 = r.get(0);
        let blind =
            |v: &[u8]| Blind::try_from(v).map_err(|_| StoreError::Corrupt("a blind index of the wrong length".into()));
        let keys = (blind(r.get(1))?, blind(r.get(2))?, r.get::<_, Option<&[u8]>>(3).map(blind).transpose()?);
        let ord = by_keys
            .get_mut(&keys)
            .and_then(Vec::pop)
            .ok_or_else(|| StoreError::Backend("a new person matches no row of the batch".into()))?;
        outcome[ord] = Some(Inserted::Person(PersonId(id)));
        ord_of.insert(id, ord);
    }

    let rest: Vec<usize> = (0..rows.len()).filter(|&i| outcome[i].is_none()).collect();
    if !rest.is_empty() {
        let snils: Vec<&[u8]> = rest.iter().map(|&i| &rows[i].snils[..]).collect();
        let passport: Vec<&[u8]> = rest.iter().map(|&i| &rows[i].passport[..]).collect();
        let inn: Vec<Option<&[u8]>> = rest.iter().map(|&i| rows[i].inn.as_ref().map(|k| &k[..])).collect();
        let owners = client
            .query(
                "SELECT (SELECT id FROM persons WHERE snils = k.snils),
                        (SELECT id FROM persons WHERE passport = k.passport),
                        (SELECT id FROM persons WHERE inn = k.inn)
                 FROM unnest($1::bytea[], $2::bytea[], $3::bytea[]) WITH ORDINALITY AS k(snils, passport, inn, n)
                 ORDER BY n",
                &[&snils, &passport, &inn],
            )
            .map_err(backend)?;
        if owners.len() != rest.len() {
            return Err(StoreError::Backend("the owners query lost rows".into()));
        }
        for (&ord, r) in rest.iter().zip(&owners) {
            // An owner that a later row of this batch became was not there yet for this row.
            let before = |id: Option<i64>| id.filter(|id| ord_of.get(id).is_none_or(|&o| o < ord)).map(PersonId);
            outcome[ord] =
                Some(Inserted::Conflict { snils: before(r.get(0)), passport: before(r.get(1)), inn: before(r.get(2)) });
        }
    }
    outcome.into_iter().map(|o| o.ok_or_else(|| StoreError::Backend("a row without an outcome".into()))).collect()
}
