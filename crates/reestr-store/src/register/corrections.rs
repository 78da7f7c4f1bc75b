//! Correction requests: filed by the person, answered by the registrar within five working days;
//! an accepted correction of a field changes it, with the request as its provenance.

use jiff::Timestamp;
use reestr_core::{
    access::{Place, Principal, Scope},
    calendar::working_days_end,
    correction::{ANSWER_WITHIN_WORKING_DAYS, Answer, Correction, CorrectionError, Request, Subject},
    event::EventKind,
    person::Provenance,
};
use serde_json::json;

use super::{Register, event, not_found};
use crate::{
    Result, StoreError,
    store::{CorrectionFilter, CorrectionRow},
    time::truncate,
};

/// A correction request with whether it is late.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CorrectionView {
    pub correction: Correction,
    pub commissariat: String,
    pub late: bool,
}

impl Register {
    fn correction_view(&self, row: CorrectionRow, now: Timestamp) -> Result<CorrectionView> {
        let request: Request = serde_json::from_slice(&self.codec.open("correction", &row.request)?)?;
        let answer: Option<Answer> = row
            .answer
            .as_ref()
            .map(|a| Ok::<_, StoreError>(serde_json::from_slice(&self.codec.open("correction", a)?)?))
            .transpose()?;
        let correction = Correction {
            id: row.id,
            person: row.person,
            subject: row.subject.parse()?,
            request,
            filed_at: row.filed_at,
            due_at: row.due_at,
            answered_at: row.answered_at,
            answer,
        };
        Ok(CorrectionView { late: correction.is_late(now), correction, commissariat: row.commissariat })
    }

    /// The person files a request about a field of their record or one of their summonses.
    pub fn file_correction(
        &self,
        who: &Principal,
        subject: Subject,
        request: Request,
        now: Timestamp,
    ) -> Result<CorrectionView> {
        let now = truncate(now);
        request.check()?;
        let Scope::Person(person) = who.scope else {
            return Err(reestr_core::access::AccessError::Forbidden.into());
        };
        let sealed = self.codec.seal("correction", &serde_json::to_vec(&request)?)?;
        let row = self.write(|tx| {
            let (_, commissariat) = self.person_place(tx, person)?;
            if let Subject::Summons(n) = &subject {
                let stored = tx.summons(n)?.ok_or_else(|| not_found("summons", n))?;
                if self.codec.decode_summons(&stored.state)?.person != person {
                    return Err(not_found("summons", n));
                }
            }
            let zone = &self.dir.commissariat(&commissariat)?.zone;
            let due_at = working_days_end(now, ANSWER_WITHIN_WORKING_DAYS, zone.tz())
                .map_err(|e| StoreError::BadRequest(e.to_string()))?;
            let mut row = CorrectionRow {
                id: 0,
                person,
                commissariat: commissariat.to_string(),
                subject: subject.to_string(),
                request: sealed.clone(),
                filed_at: now,
                due_at,
                answered_at: None,
                answer: None,
            };
            row.id = tx.insert_correction(&row)?;
            let payload = json!({ "correction": row.id, "subject": subject, "due_at": due_at }).to_string();
            tx.append(&event(EventKind::CorrectionFiled, &who.actor, now, Some(person), None, &payload), now)?;
            Ok(row)
        })?;
        self.correction_view(row, now)
    }

    /// The registrar answers. Accepting a request about a field sets the field to `value`, with
    /// the request as its source.
    pub fn answer_correction(
        &self,
        who: &Principal,
        id: i64,
        answer: Answer,
        value: Option<String>,
        now: Timestamp,
    ) -> Result<CorrectionView> {
        let now = truncate(now);
        if answer.text.trim().is_empty() {
            return Err(CorrectionError::NoExplanation.into());
        }
        let row = self.read(|tx| tx.correction(id))?.ok_or_else(|| not_found("correction", id))?;
        let commissariat = row.commissariat.parse().map_err(StoreError::from)?;
        who.may_answer_corrections(&Place { person: row.person, commissariat: &commissariat })?;
        if row.answered_at.is_some() {
            return Err(CorrectionError::Answered.into());
        }
        let subject: Subject = row.subject.parse()?;
        if let (true, Subject::Field(field)) = (answer.accepted, &subject) {
            let value = value.as_deref().filter(|v| !v.trim().is_empty()).ok_or(CorrectionError::NoValue)?;
            let provenance = Provenance { source: format!("correction:{id}"), as_of: crate::time::date_utc(now) };
            self.update_person(who, row.person, &[(*field, value.to_owned())], provenance, now)?;
        }
        let sealed = self.codec.seal("correction", &serde_json::to_vec(&answer)?)?;
        self.write(|tx| {
            let current = tx.correction(id)?.ok_or_else(|| not_found("correction", id))?;
            if current.answered_at.is_some() {
                return Err(CorrectionError::Answered.into());
            }
            tx.answer_correction(id, now, &sealed)?;
            let payload =
                json!({ "correction": id, "accepted": answer.accepted, "late": now > current.due_at }).to_string();
            let seq = tx.append(
                &event(EventKind::CorrectionAnswered, &who.actor, now, Some(row.person), None, &payload),
                now,
            )?;
            self.notify_answer(tx, row.person, id, answer.accepted, seq, now)
        })?;
        let row = self.read(|tx| tx.correction(id))?.ok_or_else(|| not_found("correction", id))?;
        self.correction_view(row, now)
    }

    /// The person's own requests.
    pub fn my_corrections(&self, who: &Principal, now: Timestamp) -> Result<Vec<CorrectionView>> {
        let Scope::Person(person) = who.scope else {
            return Err(reestr_core::access::AccessError::Forbidden.into());
        };
        let rows = self.read(|tx| tx.corrections(&CorrectionFilter::Person(person)))?;
        rows.into_iter().map(|r| self.correction_view(r, now)).collect()
    }

    /// Unanswered requests of the principal's commissariat or region, the earliest due first;
    /// late ones are marked.
    pub fn open_corrections(&self, who: &Principal, now: Timestamp) -> Result<Vec<CorrectionView>> {
        let commissariats = self.scope_commissariats(who)?;
        if who.role == reestr_core::access::Role::MedicalCommission {
            return Err(reestr_core::access::AccessError::Forbidden.into());
        }
        let rows = self.read(|tx| tx.corrections(&CorrectionFilter::Open { commissariats: commissariats.clone() }))?;
        rows.into_iter().map(|r| self.correction_view(r, now)).collect()
    }
}
