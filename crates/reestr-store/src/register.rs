//! The register's use cases, written once over [`Store`].

use std::{collections::BTreeMap, sync::Arc};

use jiff::Timestamp;
use reestr_core::{
    days::local_date,
    event::{Actor, Event, EventKind},
    ids::Snils,
    person::{Field, FieldChange, Person, PersonId, Problem, Provenance, Record},
    policy::PolicyBook,
    region::{Directory, RegionCode, Rollout},
    summons::{Change, Command, Draft, Status, Summons, SummonsNumber},
};
use serde_json::json;

use crate::{
    Lookup, PersonRow, Result, StoreError,
    store::{HistoryEntry, Inserted, NewEvent, Store, StoredSummons, WriteTx},
    time::truncate,
};

/// One row of an import, ready to store: where it came from, the record's stored form and the
/// payload of its creation event. Making it is the costly part of an import, so a reading thread
/// can make rows while another writes.
#[derive(Debug, Clone)]
pub struct ImportRow {
    pub line: u64,
    row: PersonRow,
    created: String,
}

impl ImportRow {
    pub fn new(line: u64, record: &Record) -> Result<ImportRow> {
        let row = PersonRow::new(record)?;
        let created = row.event_payload(record, None)?;
        Ok(ImportRow { line, row, created })
    }
}

/// What became of an import row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RowOutcome {
    Created(PersonId),
    Updated(PersonId),
    Unchanged(PersonId),
    Rejected(Vec<Problem>),
}

/// What a run of the clock did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClockReport {
    pub summonses: u64,
    pub served: u64,
    pub overdue: u64,
    pub measures_started: u64,
    pub batches: u64,
}

/// Counts for dashboards and the demo.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stats {
    pub persons: u64,
    pub summonses: BTreeMap<Status, u64>,
    pub measures_in_force: u64,
    pub last_event: u64,
}

/// The register: the use cases over a backend.
#[derive(Debug, Clone)]
pub struct Register {
    store: Arc<dyn Store>,
    dir: &'static Directory,
    policies: &'static PolicyBook,
}

impl Register {
    pub fn new(store: Arc<dyn Store>) -> Register {
        Register { store, dir: Directory::builtin(), policies: PolicyBook::builtin() }
    }

    pub fn directory(&self) -> &'static Directory {
        self.dir
    }

    pub fn policies(&self) -> &'static PolicyBook {
        self.policies
    }

    fn write<T>(&self, mut f: impl FnMut(&mut dyn WriteTx) -> Result<T>) -> Result<T> {
        let mut out = None;
        self.store.write(&mut |tx| {
            out = Some(f(tx)?);
            Ok(())
        })?;
        out.ok_or_else(|| StoreError::Backend("the transaction did not run".into()))
    }

    fn read<T>(&self, mut f: impl FnMut(&mut dyn crate::ReadTx) -> Result<T>) -> Result<T> {
        let mut out = None;
        self.store.read(&mut |tx| {
            out = Some(f(tx)?);
            Ok(())
        })?;
        out.ok_or_else(|| StoreError::Backend("the transaction did not run".into()))
    }

    // ---- persons ----

    /// Imports rows in one transaction: new SNILS are created, known ones updated with the values
    /// that differ, and rows whose passport or INN belongs to someone else are rejected. A row
    /// that changes nothing adds no event.
    pub fn import(&self, rows: Vec<ImportRow>, actor: &Actor, now: Timestamp) -> Result<Vec<RowOutcome>> {
        let mut outcomes = Vec::new();
        let chunks = std::iter::once(Ok::<_, StoreError>(((), rows)));
        self.import_chunks(chunks, usize::MAX, actor, now, |done| {
            outcomes = done.into_iter().flat_map(|(_, o)| o).collect();
            Ok(())
        })?;
        Ok(outcomes)
    }

    /// Imports a stream of chunks of rows, `rows_per_transaction` rows (rounded up to whole
    /// chunks) in each transaction. After each commit, `committed` receives every chunk's tag with
    /// the outcomes of its rows, so what it reports is durable. A chunk that is an error stops the
    /// import: its transaction rolls back, the ones committed before stay.
    pub fn import_chunks<T, E>(
        &self,
        chunks: impl IntoIterator<Item = Result<(T, Vec<ImportRow>), E>>,
        rows_per_transaction: usize,
        actor: &Actor,
        now: Timestamp,
        mut committed: impl FnMut(Vec<(T, Vec<RowOutcome>)>) -> Result<()>,
    ) -> Result<(), E>
    where
        E: From<StoreError>,
    {
        let now = truncate(now);
        let mut chunks = chunks.into_iter().peekable();
        while chunks.peek().is_some() {
            let mut done = Vec::new();
            let mut failure = None;
            let result = self.store.write(&mut |tx| {
                let mut rows = 0;
                while rows < rows_per_transaction {
                    match chunks.next() {
                        None => break,
                        Some(Err(e)) => {
                            failure = Some(e);
                            return Err(StoreError::Backend("the import stopped".into()));
                        }
                        Some(Ok((tag, chunk))) => {
                            rows += chunk.len().max(1);
                            let outcomes = self.import_rows(tx, &chunk, actor, now)?;
                            done.push((tag, outcomes));
                        }
                    }
                }
                Ok(())
            });
            if let Some(e) = failure {
                return Err(e);
            }
            result?;
            committed(done)?;
        }
        Ok(())
    }

    /// Imports rows in two steps: the new persons are inserted in one bulk call, then the rows of
    /// known persons (by SNILS) are applied in order. A row of a known person that changes its
    /// passport or INN is checked against the register as it is at that moment, so the unique
    /// keys stay unique whatever else the rows do.
    fn import_rows(
        &self,
        tx: &mut dyn WriteTx,
        rows: &[ImportRow],
        actor: &Actor,
        now: Timestamp,
    ) -> Result<Vec<RowOutcome>> {
        let stored: Vec<&PersonRow> = rows.iter().map(|r| &r.row).collect();
        let inserted = tx.insert_persons(&stored)?;
        if inserted.len() != rows.len() {
            return Err(StoreError::Backend("the bulk insert lost rows".into()));
        }
        rows.iter().zip(inserted).map(|(row, ins)| self.import_row(tx, row, ins, actor, now)).collect()
    }

    fn import_row(
        &self,
        tx: &mut dyn WriteTx,
        row: &ImportRow,
        inserted: Inserted,
        actor: &Actor,
        now: Timestamp,
    ) -> Result<RowOutcome> {
        let (id, passport, inn) = match inserted {
            Inserted::Person(id) => {
                let e = event(EventKind::PersonCreated, actor, now, Some(id), None, &row.created);
                tx.append(&e, now)?;
                return Ok(RowOutcome::Created(id));
            }
            Inserted::Conflict { snils: Some(id), passport, inn } => (id, passport, inn),
            Inserted::Conflict { snils: None, passport, inn } => {
                return Ok(RowOutcome::Rejected(taken(passport.is_some(), inn.is_some())));
            }
        };
        let problems = taken(passport.is_some_and(|p| p != id), inn.is_some_and(|p| p != id));
        if !problems.is_empty() {
            return Ok(RowOutcome::Rejected(problems));
        }
        let mut person = tx.person(id)?.ok_or_else(|| StoreError::Corrupt(format!("person {id} vanished")))?;
        let given: Record = serde_json::from_str(&row.row.record)?;
        let changes = person.record.merge(&given);
        if changes.is_empty() {
            return Ok(RowOutcome::Unchanged(id));
        }
        let problems = person.record.check(self.dir);
        if !problems.is_empty() {
            return Ok(RowOutcome::Rejected(problems));
        }
        let keys = [Field::PassportSeries, Field::PassportNumber, Field::Inn];
        if changes.iter().any(|c| keys.contains(&c.field))
            && let Some(Inserted::Conflict { passport, inn, .. }) = key_owner_conflict(tx, &person)?
        {
            return Ok(RowOutcome::Rejected(taken(passport.is_some(), inn.is_some())));
        }
        self.save_person_changes(tx, &person, &changes, actor, now)?;
        Ok(RowOutcome::Updated(id))
    }

    fn save_person_changes(
        &self,
        tx: &mut dyn WriteTx,
        person: &Person,
        changes: &[FieldChange],
        actor: &Actor,
        now: Timestamp,
    ) -> Result<()> {
        let row = PersonRow::new(&person.record)?;
        tx.update_person(person.id, &row)?;
        let fields: Vec<Field> = changes.iter().map(|c| c.field).collect();
        let payload = row.event_payload(&person.record, Some(&fields))?;
        let seq = tx.append(&event(EventKind::PersonUpdated, actor, now, Some(person.id), None, &payload), now)?;
        for change in changes.iter().filter(|c| c.old.is_some()) {
            tx.insert_history(person.id, change, now, seq)?;
        }
        Ok(())
    }

    /// Sets one field of a person's record, with its provenance.
    pub fn update_field(
        &self,
        id: PersonId,
        field: Field,
        raw: &str,
        provenance: Provenance,
        actor: &Actor,
        now: Timestamp,
    ) -> Result<Option<FieldChange>> {
        let now = truncate(now);
        let provenance = Arc::new(provenance);
        self.write(|tx| {
            let mut person = tx.person(id)?.ok_or_else(|| not_found("person", id))?;
            let change = person.record.set(field, raw, &provenance, self.dir).map_err(StoreError::Invalid)?;
            if let Some(c) = &change {
                // A changed SNILS, passport or INN must still be unique.
                if let Some(Inserted::Conflict { snils, passport, inn }) = key_owner_conflict(tx, &person)? {
                    let mut problems = taken(passport.is_some(), inn.is_some());
                    if snils.is_some() {
                        problems.push(Problem { field: Field::Snils, code: "snils_taken", message: TAKEN.into() });
                    }
                    return Err(StoreError::Invalid(problems));
                }
                self.save_person_changes(tx, &person, std::slice::from_ref(c), actor, now)?;
            }
            Ok(change)
        })
    }

    pub fn person(&self, id: PersonId) -> Result<Person> {
        self.read(|tx| tx.person(id))?.ok_or_else(|| not_found("person", id))
    }

    pub fn person_by_snils(&self, snils: Snils) -> Result<Person> {
        self.read(|tx| tx.person_by(Lookup::snils(snils)))?
            .ok_or_else(|| StoreError::NotFound { what: "person with SNILS", key: snils.masked() })
    }

    pub fn history(&self, id: PersonId) -> Result<Vec<HistoryEntry>> {
        self.read(|tx| tx.field_history(id))
    }

    /// Every person, in id order, from one consistent snapshot.
    pub fn for_each_person(&self, mut f: impl FnMut(Person) -> Result<()>) -> Result<()> {
        self.store.read(&mut |tx| tx.for_each_person(&mut f))
    }

    // ---- summonses ----

    /// Posts a summons: in force is the policy of the local posting date in the commissariat's
    /// zone; the commissariat must serve the person's region, and the register must operate there.
    pub fn issue(&self, draft: Draft, actor: &Actor, now: Timestamp) -> Result<Summons> {
        let now = truncate(now);
        let commissariat = self.dir.commissariat(&draft.commissariat)?.clone();
        let policy = self.policies.in_force_on(local_date(now, commissariat.zone.tz()))?;
        self.write(|tx| {
            let person = tx.person(draft.person)?.ok_or_else(|| not_found("person", draft.person))?;
            if person.record.region() != Some(commissariat.region) {
                return Err(StoreError::Invalid(vec![Problem {
                    field: Field::Commissariat,
                    code: "commissariat_not_in_region",
                    message: "the commissariat serves another region than the person's".into(),
                }]));
            }
            let rollout = tx.rollout()?;
            if !rollout.get(&commissariat.region).is_some_and(|r| r.operates()) {
                return Err(StoreError::RegionOff(commissariat.region));
            }
            let year = commissariat.zone.tz().to_datetime(now).year();
            let number = SummonsNumber::new(commissariat.region, year, tx.next_summons_seq(commissariat.region, year)?);
            let (summons, posted) = Summons::post(number, draft.clone(), policy, commissariat.zone.clone(), now)?;
            tx.insert_summons(&summons, summons.next_due(policy)?)?;
            let payload = serde_json::to_string(&json!({ "change": posted, "summons": summons }))?;
            tx.append(
                &event(EventKind::SummonsPosted, actor, now, Some(summons.person), Some(&summons.number), &payload),
                now,
            )?;
            Ok(summons)
        })
    }

    /// Records a step (service, appearance, valid reason, cancellation) at `now`.
    pub fn act(&self, number: &SummonsNumber, command: Command, actor: &Actor, now: Timestamp) -> Result<Summons> {
        let now = truncate(now);
        self.write(|tx| {
            let StoredSummons { id, mut summons } = tx.summons(number)?.ok_or_else(|| not_found("summons", number))?;
            let policy = self.policies.get(&summons.policy)?;
            let changes = summons.apply(policy, command.clone(), now)?;
            self.save_summons(tx, id, &summons, &changes, actor, now)?;
            Ok(summons)
        })
    }

    fn save_summons(
        &self,
        tx: &mut dyn WriteTx,
        id: i64,
        summons: &Summons,
        changes: &[Change],
        actor: &Actor,
        now: Timestamp,
    ) -> Result<()> {
        let policy = self.policies.get(&summons.policy)?;
        tx.update_summons(id, summons, summons.next_due(policy)?, changes)?;
        for change in changes {
            let payload = serde_json::to_string(change)?;
            let e =
                event(change.event_kind(), actor, change.at(), Some(summons.person), Some(&summons.number), &payload);
            tx.append(&e, now)?;
        }
        Ok(())
    }

    pub fn summons(&self, number: &SummonsNumber) -> Result<Summons> {
        self.read(|tx| tx.summons(number))?.map(|s| s.summons).ok_or_else(|| not_found("summons", number))
    }

    pub fn summonses_of(&self, person: PersonId) -> Result<Vec<Summons>> {
        Ok(self.read(|tx| tx.summonses_of(person))?.into_iter().map(|s| s.summons).collect())
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
                let mut r = ClockReport { batches: 1, ..ClockReport::default() };
                for StoredSummons { id, mut summons } in due.iter().cloned() {
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
                    self.save_summons(tx, id, &summons, &changes, &actor, now)?;
                }
                Ok((r, due.len() == batch))
            })?;
            report.summonses += done.summonses;
            report.served += done.served;
            report.overdue += done.overdue;
            report.measures_started += done.measures_started;
            report.batches += done.batches;
            if !more {
                return Ok(report);
            }
        }
    }

    pub fn next_due(&self) -> Result<Option<Timestamp>> {
        self.read(|tx| tx.next_due())
    }

    // ---- regions ----

    pub fn rollout(&self) -> Result<BTreeMap<RegionCode, Rollout>> {
        self.read(|tx| tx.rollout())
    }

    /// Switches a region's rollout state; returns whether it changed.
    pub fn set_rollout(&self, region: RegionCode, state: Rollout, actor: &Actor, now: Timestamp) -> Result<bool> {
        let now = truncate(now);
        self.dir.region(region)?;
        self.write(|tx| {
            let before = tx.rollout()?.get(&region).copied();
            if before == Some(state) {
                return Ok(false);
            }
            tx.set_rollout(region, state, now)?;
            let payload = serde_json::to_string(&json!({ "region": region, "from": before, "to": state }))?;
            tx.append(&event(EventKind::RolloutChanged, actor, now, None, None, &payload), now)?;
            Ok(true)
        })
    }

    // ---- the log ----

    pub fn events(&self, after: u64, limit: usize) -> Result<Vec<Event>> {
        self.read(|tx| tx.events(after, limit))
    }

    pub fn events_of_person(&self, person: PersonId) -> Result<Vec<Event>> {
        self.read(|tx| tx.events_of_person(person))
    }

    pub fn stats(&self) -> Result<Stats> {
        self.read(|tx| {
            Ok(Stats {
                persons: tx.count_persons()?,
                summonses: tx.status_counts()?,
                measures_in_force: tx.measures_in_force()?,
                last_event: tx.last_seq()?,
            })
        })
    }
}

const TAKEN: &str = "belongs to another person in the register";

fn taken(passport: bool, inn: bool) -> Vec<Problem> {
    let mut problems = Vec::new();
    if passport {
        problems.push(Problem { field: Field::PassportNumber, code: "passport_taken", message: TAKEN.into() });
    }
    if inn {
        problems.push(Problem { field: Field::Inn, code: "inn_taken", message: TAKEN.into() });
    }
    problems
}

/// Whether a person's (changed) keys are held by someone else.
fn key_owner_conflict(tx: &mut dyn WriteTx, person: &Person) -> Result<Option<Inserted>> {
    let r = &person.record;
    let other = |p: Option<Person>| p.map(|p| p.id).filter(|id| *id != person.id);
    let snils = match r.snils() {
        Some(s) => other(tx.person_by(Lookup::snils(s))?),
        None => None,
    };
    let passport = match r.passport() {
        Some(p) => other(tx.person_by(Lookup::passport(&p))?),
        None => None,
    };
    let inn = match r.inn() {
        Some(i) => other(tx.person_by(Lookup::inn(i))?),
        None => None,
    };
    Ok((snils.is_some() || passport.is_some() || inn.is_some()).then_some(Inserted::Conflict { snils, passport, inn }))
}

fn not_found(what: &'static str, key: impl std::fmt::Display) -> StoreError {
    StoreError::NotFound { what, key: key.to_string() }
}

fn event<'a>(
    kind: EventKind,
    actor: &'a Actor,
    effective_at: Timestamp,
    person: Option<PersonId>,
    summons: Option<&'a SummonsNumber>,
    payload: &'a str,
) -> NewEvent<'a> {
    NewEvent { kind, actor, effective_at, person, summons, payload }
}
