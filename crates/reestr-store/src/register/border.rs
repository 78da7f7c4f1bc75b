//! The check an agency makes at its post: which measures of its kinds are in force now for the
//! holder of a passport, since when, from which summons. Answered from the passport's blind index;
//! every check of a person in the register is a logged read the person sees.

use jiff::Timestamp;
use reestr_core::{
    access::{AccessError, Principal, Role, Scope},
    event::EventKind,
    ids::Passport,
    measure::MeasureKind,
    summons::SummonsNumber,
};
use serde_json::json;

use super::{Register, event};
use crate::{Result, StoreError, time::truncate};

/// A measure in force, as a check shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MeasureInForce {
    pub kind: MeasureKind,
    pub since: Timestamp,
    pub summons: SummonsNumber,
}

impl Register {
    /// The measures of the calling agency's kinds in force now for the holder of `passport`.
    /// The answer is the same for a passport the register does not know and for a person
    /// without measures (an empty list), so a check says nothing more than it must.
    pub fn check_measures(&self, who: &Principal, passport: &Passport, now: Timestamp) -> Result<Vec<MeasureInForce>> {
        let now = truncate(now);
        let kinds = match (&who.role, &who.scope) {
            (Role::Agency, Scope::Agency { kinds, .. }) => kinds.clone(),
            (Role::Operator, _) => MeasureKind::ALL.to_vec(),
            _ => return Err(AccessError::Forbidden.into()),
        };
        let key = self.codec.passport(passport);
        self.write(|tx| {
            let Some(person) = tx.person_by(key)? else { return Ok(Vec::new()) };
            let mut found = Vec::new();
            for m in tx.measures_in_force_of(person.id)? {
                let kind: MeasureKind = m
                    .kind
                    .parse()
                    .map_err(|e: reestr_core::measure::UnknownMeasure| StoreError::Corrupt(e.to_string()))?;
                if kinds.contains(&kind) && m.started_at <= now {
                    found.push(MeasureInForce { kind, since: m.started_at, summons: m.summons });
                }
            }
            let names: Vec<&str> = kinds.iter().map(|k| k.as_str()).collect();
            let payload = json!({
                "role": who.role, "purpose": format!("check of measures in force: enforcement of {}", names.join(", ")),
                "fields": ["measures"],
            })
            .to_string();
            tx.append(&event(EventKind::RecordRead, &who.actor, now, Some(person.id), None, &payload), now)?;
            Ok(found)
        })
    }
}
