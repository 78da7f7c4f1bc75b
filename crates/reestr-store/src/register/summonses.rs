//! Summonses: posting, the steps of their life, reading, and the legal clock.

use std::collections::BTreeMap;

use jiff::Timestamp;
use reestr_core::{
    access::{Place, Principal, Role},
    days::local_date,
    event::{Actor, EventKind},
    measure::MeasureKind,
    person::PersonId,
    policy::ServiceMethod,
    region::RegionCode,
    summons::{Change, Command, Draft, Summons, SummonsNumber},
};
use serde_json::json;

use super::{Register, event, not_found};
use crate::{
    Result, StoreError,
    row::{StoredSummons, SummonsRow},
    store::{MeasureFilter, MeasureRow, ReadTx, SummonsFilter, WriteTx},
    time::truncate,
};

/// What a run of the clock did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClockReport {
    pub summonses: u64,
    pub served: u64,
    pub overdue: u64,
    pub measures_started: u64,
    pub batches: u64,
    /// Reminders sent as notices.
    pub reminders: u64,
}

impl ClockReport {
    fn add(&mut self, other: &ClockReport) {
        self.summonses += other.summonses;
        self.served += other.served;
        self.overdue += other.overdue;
        self.measures_started += other.measures_started;
        self.batches += other.batches;
        self.reminders += other.reminders;
    }
}

impl Register {
    fn load_summons(&self, stored: StoredSummons) -> Result<(i64, Summons)> {
        Ok((stored.id, self.codec.decode_summons(&stored.state)?))
    }

    pub(super) fn summons_in(&self, tx: &mut dyn ReadTx, number: &SummonsNumber) -> Result<(i64, Summons)> {
        self.load_summons(tx.summons(number)?.ok_or_else(|| not_found("summons", number))?)
    }

    /// Posts a summons: in force is the policy of the local posting date in the commissariat's
    /// zone; the commissariat must serve the person's region, and the register must operate there.
    pub fn issue(&self, who: &Principal, draft: Draft, now: Timestamp) -> Result<Summons> {
        let now = truncate(now);
        who.may_act_on_summons(&self.dir.commissariat(&draft.commissariat)?.code)?;
        self.write(|tx| {
            let (person, _) = self.person_place(tx, draft.person)?;
            let mut posted = self.post(tx, &who.actor, vec![(draft.clone(), person.record.region())], None, now)?;
            posted.pop().ok_or_else(|| StoreError::Backend("nothing was posted".into()))
        })
    }

    /// Posts summonses in one transaction: the one path of every summons, alone or of a
    /// campaign. Each draft comes with the region of its person's record, which its
    /// commissariat must serve; the register must operate there. Numbers are reserved per
    /// region and year at once, the rows inserted in bulk, and each posting is an event.
    pub(super) fn post(
        &self,
        tx: &mut dyn WriteTx,
        actor: &Actor,
        drafts: Vec<(Draft, Option<RegionCode>)>,
        campaign: Option<i64>,
        now: Timestamp,
    ) -> Result<Vec<Summons>> {
        let rollout = tx.rollout()?;
        let mut prepared = Vec::with_capacity(drafts.len());
        let mut wanted: BTreeMap<(RegionCode, i16), u64> = BTreeMap::new();
        for (draft, person_region) in drafts {
            let commissariat = self.dir.commissariat(&draft.commissariat)?;
            if person_region != Some(commissariat.region) {
                return Err(StoreError::Invalid(vec![reestr_core::person::Problem {
                    field: reestr_core::person::Field::Commissariat,
                    code: "commissariat_not_in_region",
                    message: "the commissariat serves another region than the person's".into(),
                }]));
            }
            if !rollout.get(&commissariat.region).is_some_and(|r| r.operates()) {
                return Err(StoreError::RegionOff(commissariat.region));
            }
            let policy = self.policies.in_force_on(local_date(now, commissariat.zone.tz()))?;
            let year = commissariat.zone.tz().to_datetime(now).year();
            *wanted.entry((commissariat.region, year)).or_default() += 1;
            prepared.push((draft, commissariat, policy, year));
        }
        let mut next = BTreeMap::new();
        for (&(region, year), &n) in &wanted {
            next.insert((region, year), tx.reserve_summons_seqs(region, year, n)?);
        }
        let mut posted = Vec::with_capacity(prepared.len());
        let mut rows = Vec::with_capacity(prepared.len());
        for (draft, commissariat, policy, year) in prepared {
            let seq =
                next.get_mut(&(commissariat.region, year)).ok_or_else(|| StoreError::Backend("no number".into()))?;
            let number = SummonsNumber::new(commissariat.region, year, *seq);
            *seq += 1;
            let (summons, change) = Summons::post(number, draft, policy, commissariat.zone.clone(), now)?;
            rows.push(SummonsRow::new(&summons, summons.next_due(policy)?, &self.codec)?);
            posted.push((summons, change));
        }
        tx.insert_summonses(&rows)?;
        // The same notices and reminders as any step, in the same transaction, written for the
        // whole batch at once.
        let (mut pending, mut plans) = (Vec::new(), Vec::with_capacity(posted.len()));
        for (summons, change) in &posted {
            let mut payload = json!({ "change": change, "summons": summons });
            if let Some(id) = campaign {
                payload["campaign"] = json!(id);
            }
            let payload = payload.to_string();
            let e = event(EventKind::SummonsPosted, actor, now, Some(summons.person), Some(&summons.number), &payload);
            let seq = tx.append(&e, now)?;
            let (notices, plan) = self.step_notices(summons, std::slice::from_ref(change), seq)?;
            pending.extend(notices);
            plans.push(plan);
        }
        self.notify_all(tx, pending, now)?;
        tx.schedule_reminders_of(&plans)?;
        Ok(posted.into_iter().map(|(s, _)| s).collect())
    }

    /// Records a step (service, appearance, valid reason, cancellation) at `now`.
    pub fn act(&self, who: &Principal, number: &SummonsNumber, command: Command, now: Timestamp) -> Result<Summons> {
        let now = truncate(now);
        self.write(|tx| {
            let (id, mut summons) = self.summons_in(tx, number)?;
            who.may_act_on_summons(&summons.commissariat)?;
            let policy = self.policies.get(&summons.policy)?;
            let changes = summons.apply(policy, command.clone(), now)?;
            self.save_summons(tx, &who.actor, id, &summons, &changes, now)?;
            Ok(summons)
        })
    }

    /// The person opens a summons in the personal account: where the policy says so, that serves
    /// it (unless it was served already).
    pub fn open_summons(&self, who: &Principal, number: &SummonsNumber, now: Timestamp) -> Result<Summons> {
        let now = truncate(now);
        self.write(|tx| {
            let (id, mut summons) = self.summons_in(tx, number)?;
            if !who.is_self(summons.person) {
                return Err(reestr_core::access::AccessError::Forbidden.into());
            }
            let policy = self.policies.get(&summons.policy)?;
            let mut changes = summons.advance(policy, now)?;
            if summons.status == reestr_core::summons::Status::Posted
                && policy.allows_early(ServiceMethod::AccountOpened)
            {
                changes.extend(summons.apply(policy, Command::Serve { how: ServiceMethod::AccountOpened }, now)?);
            }
            if !changes.is_empty() {
                self.save_summons(tx, &who.actor, id, &summons, &changes, now)?;
            }
            Ok(summons)
        })
    }

    fn save_summons(
        &self,
        tx: &mut dyn WriteTx,
        actor: &Actor,
        id: i64,
        summons: &Summons,
        changes: &[Change],
        now: Timestamp,
    ) -> Result<()> {
        let policy = self.policies.get(&summons.policy)?;
        tx.update_summons(id, &SummonsRow::new(summons, summons.next_due(policy)?, &self.codec)?, changes)?;
        let mut last = 0;
        for change in changes {
            let payload = self.log_payload(change)?;
            let e =
                event(change.event_kind(), actor, change.at(), Some(summons.person), Some(&summons.number), &payload);
            let seq = tx.append(&e, now)?;
            self.enqueue(tx, seq, change, summons.person, &summons.number, now)?;
            last = seq;
        }
        self.notify_step(tx, summons, changes, last, now)
    }

    /// A summons, for whoever may read it; a logged read unless by the person themselves.
    pub fn summons(
        &self,
        who: &Principal,
        number: &SummonsNumber,
        purpose: Option<&str>,
        now: Timestamp,
    ) -> Result<Summons> {
        let now = truncate(now);
        self.write(|tx| {
            let (_, summons) = self.summons_in(tx, number)?;
            who.may_read_summonses(&Place { person: summons.person, commissariat: &summons.commissariat }, purpose)?;
            self.log_summonses_read(tx, who, summons.person, purpose, now)?;
            Ok(summons)
        })
    }

    fn log_summonses_read(
        &self,
        tx: &mut dyn WriteTx,
        who: &Principal,
        person: PersonId,
        purpose: Option<&str>,
        now: Timestamp,
    ) -> Result<()> {
        if who.is_self(person) {
            return Ok(());
        }
        let payload = json!({ "role": who.role, "purpose": purpose, "fields": ["summonses"] }).to_string();
        let seq = tx.append(&event(EventKind::RecordRead, &who.actor, now, Some(person), None, &payload), now)?;
        self.notify_read(tx, who, person, purpose, seq, now)
    }

    /// A person's summonses, for whoever may read them; a logged read unless by the person.
    pub fn summonses_of(
        &self,
        who: &Principal,
        person: PersonId,
        purpose: Option<&str>,
        now: Timestamp,
    ) -> Result<Vec<Summons>> {
        let now = truncate(now);
        self.write(|tx| {
            let (_, commissariat) = self.person_place(tx, person)?;
            who.may_read_summonses(&Place { person, commissariat: &commissariat }, purpose)?;
            self.log_summonses_read(tx, who, person, purpose, now)?;
            tx.summonses_of(person)?.into_iter().map(|s| Ok(self.load_summons(s)?.1)).collect()
        })
    }

    /// Summonses of the principal's commissariat (registrar, medical commission) or region
    /// (supervisor), by id after a cursor. Lists carry no personal data beyond the person's number.
    pub fn list_summonses(
        &self,
        who: &Principal,
        status: Option<reestr_core::summons::Status>,
        after: i64,
        limit: usize,
    ) -> Result<Vec<(i64, Summons)>> {
        let commissariats = self.scope_commissariats(who)?;
        let filter = SummonsFilter { commissariats, status, after, limit: limit.min(1000) };
        self.read(|tx| tx.summonses(&filter)?.into_iter().map(|s| self.load_summons(s)).collect())
    }

    /// The commissariats a principal's lists cover (`None`: all).
    pub(super) fn scope_commissariats(&self, who: &Principal) -> Result<Option<Vec<String>>> {
        use reestr_core::access::Scope;
        Ok(match (&who.role, &who.scope) {
            (Role::Registrar | Role::MedicalCommission, Scope::Commissariat(c)) => Some(vec![c.to_string()]),
            (Role::Supervisor, Scope::Region(r)) => {
                Some(self.dir.commissariats_of(*r).map(|c| c.code.to_string()).collect())
            }
            (Role::Operator, _) => None,
            _ => return Err(reestr_core::access::AccessError::Forbidden.into()),
        })
    }

    /// Measures the principal may see: an agency its kinds, staff their area, a citizen their own.
    pub fn measures(&self, who: &Principal, in_force_only: bool, after: i64, limit: usize) -> Result<Vec<MeasureRow>> {
        use reestr_core::access::Scope;
        let (kinds, commissariats) = match (&who.role, &who.scope) {
            (Role::Agency, Scope::Agency { kinds, .. }) => (Some(kinds.iter().map(|k| k.to_string()).collect()), None),
            (Role::Operator, _) => (None, None),
            (Role::Registrar | Role::Supervisor, _) => (None, self.scope_commissariats(who)?),
            _ => return Err(reestr_core::access::AccessError::Forbidden.into()),
        };
        let filter = MeasureFilter { kinds, commissariats, in_force_only, after, limit: limit.min(1000) };
        let rows = self.read(|tx| tx.measures(&filter))?;
        // The rules say the same as the filter; checking again keeps one source of truth.
        rows.into_iter()
            .map(|m| {
                let commissariat = m.commissariat.parse().map_err(StoreError::from)?;
                let kind: MeasureKind = m
                    .kind
                    .parse()
                    .map_err(|e: reestr_core::measure::UnknownMeasure| StoreError::Corrupt(e.to_string()))?;
                who.may_see_measure(&Place { person: m.person, commissariat: &commissariat }, kind)?;
                Ok(m)
            })
            .collect()
    }

    // ---- the legal clock ----

    /// Applies everything due up to `now`, `batch` summonses per transaction, each step at its
    /// legal instant. Safe to run from several processes at once: a summons is re-read inside the
    /// writing transaction, so a step another clock applied is not applied again.
    pub fn run_clock(&self, now: Timestamp, batch: usize) -> Result<ClockReport> {
        let now = truncate(now);
        let actor = Actor::clock();
        let mut report = ClockReport::default();
        loop {
            let (done, more) = self.write(|tx| {
                let due = tx.due(now, batch)?;
                let more = due.len() == batch;
                let mut r = ClockReport { batches: 1, ..ClockReport::default() };
                for stored in due {
                    let (id, mut summons) = self.load_summons(stored)?;
                    let policy = self.policies.get(&summons.policy)?;
                    let changes = summons.advance(policy, now)?;
                    for c in &changes {
                        match c {
                            Change::Served { .. } => r.served += 1,
                            Change::Overdue { .. } => r.overdue += 1,
                            Change::MeasureStarted { .. } => r.measures_started += 1,
                            _ => {}
                        }
                    }
                    r.summonses += 1;
                    self.save_summons(tx, &actor, id, &summons, &changes, now)?;
                }
                Ok((r, more))
            })?;
            report.add(&done);
            if !more {
                report.reminders = self.run_reminders(now, batch)?;
                return Ok(report);
            }
        }
    }

    /// The earliest step of a summons the clock has to apply.
    pub fn next_due(&self) -> Result<Option<Timestamp>> {
        self.read(|tx| tx.next_due())
    }

    /// The earliest instant at which the clock has something to do: a summons's step or a
    /// reminder.
    pub fn next_wake(&self) -> Result<Option<Timestamp>> {
        self.read(|tx| Ok(tx.next_due()?.into_iter().chain(tx.next_reminder()?).min()))
    }

    /// A summons for the operator at the command line (a logged read).
    pub fn summons_for_operator(&self, who: &Principal, number: &SummonsNumber, now: Timestamp) -> Result<Summons> {
        self.summons(who, number, Some("command line"), now)
    }
}

impl Register {
    /// The log's record of a change: everything but a valid reason's evidence and kind, which
    /// concern health; those stay in the sealed summons, and the log keeps their keyed digest.
    fn log_payload(&self, change: &Change) -> Result<String> {
        Ok(match change {
            Change::Excused { at, excuse, report_window_ends_at } => {
                let digest = hex::encode(self.codec.keyring().blind_full("excuse", &serde_json::to_vec(excuse)?));
                json!({
                    "change": "excused", "at": at, "covers": excuse.covers,
                    "report_window_ends_at": report_window_ends_at, "excuse_digest": digest,
                })
                .to_string()
            }
            other => serde_json::to_string(other)?,
        })
    }
}
