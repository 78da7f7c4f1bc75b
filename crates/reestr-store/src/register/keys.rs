//! Re-sealing personal data under the current data key after a rotation.
//!
//! Runs in batches, each a transaction; rows already under the current key are left alone, so an
//! interrupted run is finished by running it again.

use jiff::Timestamp;
use reestr_core::{access::Principal, event::EventKind, person::PersonId};
use serde_json::json;

use super::{Register, event};
use crate::{
    Codec, Keyring, Result,
    row::{HistoryRow, PersonRow, SummonsRow},
    store::SummonsFilter,
    time::truncate,
};

/// What a re-sealing pass changed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ResealReport {
    pub key: u32,
    pub persons: u64,
    pub summonses: u64,
    pub other: u64,
}

const BATCH: usize = 2_000;

impl Register {
    /// Re-seals every sealed value not under the current data key.
    pub fn reseal(&self, who: &Principal, now: Timestamp) -> Result<ResealReport> {
        let now = truncate(now);
        who.may_administer()?;
        let current = self.codec.keyring().current();
        let mut report = ResealReport { key: current, ..ResealReport::default() };

        // Persons and the history of their fields.
        let mut ids: Vec<PersonId> = Vec::new();
        self.store.read(&mut |tx| {
            tx.for_each_person(&mut |p| {
                if Codec::record_key(&p.record).is_some_and(|k| k != current) {
                    ids.push(p.id);
                }
                Ok(())
            })
        })?;
        for chunk in ids.chunks(BATCH) {
            self.write(|tx| {
                for id in chunk {
                    let person = self.load_person(tx, *id)?;
                    tx.update_person(*id, &PersonRow::new(&person.record, &self.codec)?)?;
                    let history: Vec<HistoryRow> = tx
                        .field_history(*id)?
                        .into_iter()
                        .map(|h| {
                            let text = self.codec.decode_value(h.field, &h.value)?;
                            Ok(HistoryRow { value: self.codec.encode_value(h.field, &text)?, ..h })
                        })
                        .collect::<Result<_>>()?;
                    tx.reseal_history(*id, &history)?;
                }
                Ok(())
            })?;
            report.persons += chunk.len() as u64;
        }

        // Summonses.
        let mut after = 0;
        loop {
            let filter = SummonsFilter { commissariats: None, status: None, after, limit: BATCH };
            let done = self.write(|tx| {
                let page = tx.summonses(&filter)?;
                let mut n = 0;
                for stored in &page {
                    if Keyring::sealed_key(&stored.state) == Some(current) {
                        continue;
                    }
                    let summons = self.codec.decode_summons(&stored.state)?;
                    let policy = self.policies.get(&summons.policy)?;
                    tx.update_summons(
                        stored.id,
                        &SummonsRow::new(&summons, summons.next_due(policy)?, &self.codec)?,
                        &[],
                    )?;
                    n += 1;
                }
                Ok((page.last().map(|s| s.id), n))
            })?;
            report.summonses += done.1;
            match done.0 {
                Some(last) => after = last,
                None => break,
            }
        }

        // Second-factor seeds, webhook secrets, correction requests, notices and their addresses.
        report.other = self.write(|tx| {
            let mut n = 0;
            for mut u in tx.users()? {
                if let Some(sealed) = u.totp.as_ref().filter(|s| Keyring::sealed_key(s) != Some(current)) {
                    u.totp = Some(self.codec.seal("totp", &self.codec.open("totp", sealed)?)?);
                    tx.update_user(&u)?;
                    n += 1;
                }
            }
            for mut a in tx.agencies()? {
                if let Some(sealed) = a.webhook_secret.as_ref().filter(|s| Keyring::sealed_key(s) != Some(current)) {
                    let context = super::agencies::SECRET_CONTEXT;
                    a.webhook_secret = Some(self.codec.seal(context, &self.codec.open(context, sealed)?)?);
                    tx.update_agency(&a)?;
                    n += 1;
                }
            }
            Ok(n)
        })?;
        report.other += self.reseal_corrections(current)?;
        report.other += self.reseal_notices(current)?;

        let payload = json!({ "key": current, "persons": report.persons, "summonses": report.summonses }).to_string();
        self.write(|tx| tx.append(&event(EventKind::KeysRotated, &who.actor, now, None, None, &payload), now))?;
        Ok(report)
    }

    fn reseal_corrections(&self, current: u32) -> Result<u64> {
        use crate::store::CorrectionFilter;
        self.write(|tx| {
            let mut n = 0;
            for row in tx.corrections(&CorrectionFilter::All)? {
                if Keyring::sealed_key(&row.request) == Some(current)
                    && row.answer.as_ref().is_none_or(|a| Keyring::sealed_key(a) == Some(current))
                {
                    continue;
                }
                let reseal =
                    |b: &[u8]| -> Result<Vec<u8>> { self.codec.seal("correction", &self.codec.open("correction", b)?) };
                let answer = row.answer.as_deref().map(reseal).transpose()?;
                tx.reseal_correction(row.id, &reseal(&row.request)?, answer.as_deref())?;
                n += 1;
            }
            Ok(n)
        })
    }
}
