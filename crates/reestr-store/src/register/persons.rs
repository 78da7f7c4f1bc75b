//! Persons: import, create, read (every read by another logged), search, update with provenance
//! and history.

use std::sync::Arc;

use jiff::{Timestamp, civil::Date};
use reestr_core::{
    access::{Place, Principal},
    event::{Event, EventKind},
    ids::{Inn, Passport, Snils},
    person::{Field, FieldChange, Person, PersonId, Problem, Provenance, Record, Value},
};
use serde_json::json;

use super::{Register, event, not_found};
use crate::{
    Codec, Lookup, Result, StoreError,
    row::{HistoryRow, PersonRow, StoredPerson, name_key},
    store::{Inserted, WriteTx},
    time::truncate,
};

/// One row of an import, ready to store: where it came from, the record's stored form and the
/// payload of its creation event. Making it (sealing included) is the costly part of an import,
/// so a reading thread can make rows while another writes.
#[derive(Debug, Clone)]
pub struct ImportRow {
    pub line: u64,
    row: PersonRow,
    created: String,
}

impl ImportRow {
    pub fn new(line: u64, record: &Record, codec: &Codec) -> Result<ImportRow> {
        let row = PersonRow::new(record, codec)?;
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

/// How to find a person.
#[derive(Debug, Clone)]
pub enum Search {
    Name { surname: String, given_name: String, birth_date: Option<Date> },
    Snils(Snils),
    Inn(Inn),
    Passport(Passport),
}

/// What a search shows of each person found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonSummary {
    pub id: PersonId,
    pub record: Record,
}

/// The fields a search result shows.
pub const SUMMARY_FIELDS: [Field; 5] =
    [Field::Surname, Field::GivenName, Field::Patronymic, Field::BirthDate, Field::Commissariat];

/// An earlier value of a field, with the provenance it had and when it was replaced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryEntry {
    pub field: Field,
    pub value: Value,
    pub provenance: Provenance,
    pub replaced_at: Timestamp,
    /// The event that replaced it.
    pub event_seq: u64,
}

const SEARCH_LIMIT: usize = 50;
const TAKEN: &str = "belongs to another person in the register";

fn taken(snils: bool, passport: bool, inn: bool) -> Vec<Problem> {
    let mut problems = Vec::new();
    for (on, field, code) in [
        (snils, Field::Snils, "snils_taken"),
        (passport, Field::PassportNumber, "passport_taken"),
        (inn, Field::Inn, "inn_taken"),
    ] {
        if on {
            problems.push(Problem { field, code, message: TAKEN.into() });
        }
    }
    problems
}

fn place(p: &Person) -> Result<Place<'_>> {
    let commissariat =
        p.record.commissariat().ok_or_else(|| StoreError::Corrupt(format!("person {} has no commissariat", p.id)))?;
    Ok(Place { person: p.id, commissariat })
}

impl Register {
    /// Imports rows in one transaction; see [`Register::import_chunks`].
    pub fn import(&self, who: &Principal, rows: Vec<ImportRow>, now: Timestamp) -> Result<Vec<RowOutcome>> {
        let mut outcomes = Vec::new();
        let chunks = std::iter::once(Ok::<_, StoreError>(((), rows)));
        self.import_chunks(who, chunks, usize::MAX, now, |done| {
            outcomes = done.into_iter().flat_map(|(_, o)| o).collect();
            Ok(())
        })?;
        Ok(outcomes)
    }

    /// Imports a stream of chunks of rows, `rows_per_transaction` rows (rounded up to whole
    /// chunks) in each transaction: a new SNILS is created, a known one updated with the values
    /// that differ, and a row whose passport or INN belongs to someone else rejected. A row that
    /// changes nothing adds no event. After each commit, `committed` receives every chunk's tag
    /// with the outcomes of its rows, so what it reports is durable. A chunk that is an error
    /// stops the import: its transaction rolls back, the ones committed before stay.
    pub fn import_chunks<T, E>(
        &self,
        who: &Principal,
        chunks: impl IntoIterator<Item = Result<(T, Vec<ImportRow>), E>>,
        rows_per_transaction: usize,
        now: Timestamp,
        mut committed: impl FnMut(Vec<(T, Vec<RowOutcome>)>) -> Result<()>,
    ) -> Result<(), E>
    where
        E: From<StoreError>,
    {
        let now = truncate(now);
        who.may_administer().map_err(StoreError::from)?;
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
                            let outcomes = self.import_rows(tx, who, &chunk, now)?;
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
        self.store.refresh_statistics()?;
        Ok(())
    }

    /// Imports rows in two steps: the new persons are inserted in one bulk call, then the rows of
    /// known persons (by SNILS) are applied in order. A row of a known person that changes its
    /// passport or INN is checked against the register as it is at that moment, so the unique
    /// keys stay unique whatever else the rows do.
    fn import_rows(
        &self,
        tx: &mut dyn WriteTx,
        who: &Principal,
        rows: &[ImportRow],
        now: Timestamp,
    ) -> Result<Vec<RowOutcome>> {
        let stored: Vec<&PersonRow> = rows.iter().map(|r| &r.row).collect();
        let inserted = tx.insert_persons(&stored)?;
        if inserted.len() != rows.len() {
            return Err(StoreError::Backend("the bulk insert lost rows".into()));
        }
        rows.iter().zip(inserted).map(|(row, ins)| self.import_row(tx, who, row, ins, now)).collect()
    }

    fn import_row(
        &self,
        tx: &mut dyn WriteTx,
        who: &Principal,
        row: &ImportRow,
        inserted: Inserted,
        now: Timestamp,
    ) -> Result<RowOutcome> {
        let (id, passport, inn) = match inserted {
            Inserted::Person(id) => {
                tx.append(&event(EventKind::PersonCreated, &who.actor, now, Some(id), None, &row.created), now)?;
                return Ok(RowOutcome::Created(id));
            }
            Inserted::Conflict { snils: Some(id), passport, inn } => (id, passport, inn),
            Inserted::Conflict { snils: None, passport, inn } => {
                return Ok(RowOutcome::Rejected(taken(false, passport.is_some(), inn.is_some())));
            }
        };
        let problems = taken(false, passport.is_some_and(|p| p != id), inn.is_some_and(|p| p != id));
        if !problems.is_empty() {
            return Ok(RowOutcome::Rejected(problems));
        }
        let mut person = self.load_person(tx, id)?;
        let given = self.codec.decode_record(&row.row.record)?;
        let changes = person.record.merge(&given);
        if changes.is_empty() {
            return Ok(RowOutcome::Unchanged(id));
        }
        let problems = person.record.check(self.dir);
        if !problems.is_empty() {
            return Ok(RowOutcome::Rejected(problems));
        }
        let keys = [Field::PassportSeries, Field::PassportNumber, Field::Inn];
        if changes.iter().any(|c| keys.contains(&c.field)) {
            let changed = PersonRow::new(&person.record, &self.codec)?;
            let mut owner = |key: Lookup| -> Result<bool> { Ok(tx.person_by(key)?.is_some_and(|p| p.id != id)) };
            let passport = owner(Lookup::Passport(changed.passport))?;
            let inn = match changed.inn {
                Some(k) => owner(Lookup::Inn(k))?,
                None => false,
            };
            if passport || inn {
                return Ok(RowOutcome::Rejected(taken(false, passport, inn)));
            }
        }
        self.save_person_changes(tx, who, &person, &changes, now)?;
        Ok(RowOutcome::Updated(id))
    }

    fn save_person_changes(
        &self,
        tx: &mut dyn WriteTx,
        who: &Principal,
        person: &Person,
        changes: &[FieldChange],
        now: Timestamp,
    ) -> Result<()> {
        let row = PersonRow::new(&person.record, &self.codec)?;
        tx.update_person(person.id, &row)?;
        let fields: Vec<Field> = changes.iter().map(|c| c.field).collect();
        let payload = row.event_payload(&person.record, Some(&fields))?;
        let seq = tx.append(&event(EventKind::PersonUpdated, &who.actor, now, Some(person.id), None, &payload), now)?;
        for change in changes {
            if let Some(old) = &change.old {
                let history = HistoryRow {
                    field: change.field,
                    value: self.codec.encode_value(change.field, &old.value.to_string())?,
                    source: old.provenance.source.clone(),
                    as_of: old.provenance.as_of.to_string(),
                    replaced_at: now,
                    event_seq: seq,
                };
                tx.insert_history(person.id, &history)?;
            }
        }
        Ok(())
    }

    /// Creates one person from field texts, with their provenance.
    pub fn create_person(
        &self,
        who: &Principal,
        texts: &[(Field, String)],
        provenance: Provenance,
        now: Timestamp,
    ) -> Result<Person> {
        let now = truncate(now);
        let provenance = Arc::new(provenance);
        let record = Record::from_texts(texts.iter().map(|(f, t)| (*f, t.as_str())), &provenance, self.dir)
            .map_err(StoreError::Invalid)?;
        let fields: Vec<Field> = record.entries().map(|(f, _)| f).collect();
        let candidate = Person { id: PersonId(0), record };
        who.may_write(&place(&candidate)?, &fields)?;
        let row = ImportRow::new(0, &candidate.record, &self.codec)?;
        self.write(|tx| match tx.insert_person(&row.row)? {
            Inserted::Person(id) => {
                tx.append(&event(EventKind::PersonCreated, &who.actor, now, Some(id), None, &row.created), now)?;
                Ok(Person { id, record: candidate.record.clone() })
            }
            Inserted::Conflict { snils, passport, inn } => {
                Err(StoreError::Invalid(taken(snils.is_some(), passport.is_some(), inn.is_some())))
            }
        })
    }

    /// Reads a person's record: the `fields` asked for (by default every non-sensitive one, or
    /// every one for the person themselves). A read by anyone but the person is logged, with the
    /// fields and the stated purpose, in the transaction that serves it.
    pub fn read_person(
        &self,
        who: &Principal,
        id: PersonId,
        fields: Option<&[Field]>,
        purpose: Option<&str>,
        now: Timestamp,
    ) -> Result<Person> {
        let now = truncate(now);
        self.write(|tx| {
            let person = self.load_person(tx, id)?;
            let wanted: Vec<Field> = match fields {
                Some(f) => f.to_vec(),
                None if who.is_self(id) => Field::ALL.to_vec(),
                None => Field::ALL.iter().copied().filter(|f| !f.is_sensitive()).collect(),
            };
            who.may_read(&place(&person)?, &wanted, purpose)?;
            let record = person.record.only(&wanted);
            self.log_read(tx, who, id, &record.entries().map(|(f, _)| f).collect::<Vec<_>>(), purpose, now)?;
            Ok(Person { id, record })
        })
    }

    /// Appends the event that says who read which fields of a person, and why.
    pub(super) fn log_read(
        &self,
        tx: &mut dyn WriteTx,
        who: &Principal,
        person: PersonId,
        fields: &[Field],
        purpose: Option<&str>,
        now: Timestamp,
    ) -> Result<()> {
        if who.is_self(person) {
            return Ok(());
        }
        let payload = json!({ "role": who.role, "purpose": purpose, "fields": fields }).to_string();
        let seq = tx.append(&event(EventKind::RecordRead, &who.actor, now, Some(person), None, &payload), now)?;
        self.notify_read(tx, who, person, purpose, seq, now)
    }

    /// Finds persons; each one shown is a logged read of its summary fields. Only persons the
    /// principal may read are returned.
    pub fn search(
        &self,
        who: &Principal,
        query: &Search,
        purpose: Option<&str>,
        now: Timestamp,
    ) -> Result<Vec<PersonSummary>> {
        let now = truncate(now);
        let lookup = match query {
            Search::Snils(s) => Some(self.codec.snils(*s)),
            Search::Inn(i) => Some(self.codec.inn(i)),
            Search::Passport(p) => Some(self.codec.passport(p)),
            Search::Name { .. } => None,
        };
        self.write(|tx| {
            let found: Vec<StoredPerson> = match (&lookup, query) {
                (Some(key), _) => tx.person_by(*key)?.into_iter().collect(),
                (None, Search::Name { surname, given_name, birth_date }) => {
                    let birth = birth_date.map(|d| d.to_string());
                    tx.persons_by_name(&name_key(surname, given_name), birth.as_deref(), SEARCH_LIMIT)?
                }
                (None, _) => Vec::new(),
            };
            let mut out = Vec::new();
            for stored in found {
                let person = Person { id: stored.id, record: self.codec.decode_record(&stored.record)? };
                if who.may_read(&place(&person)?, &SUMMARY_FIELDS, purpose).is_err() {
                    continue;
                }
                self.log_read(tx, who, person.id, &SUMMARY_FIELDS, purpose, now)?;
                out.push(PersonSummary { id: person.id, record: person.record.only(&SUMMARY_FIELDS) });
            }
            // A purpose is a condition of reading, not of finding nothing: say so when it was missing.
            if out.is_empty() && purpose.is_none() && who.role == reestr_core::access::Role::SecurityService {
                return Err(reestr_core::access::AccessError::PurposeRequired.into());
            }
            Ok(out)
        })
    }

    /// Changes fields of a person's record, with their provenance; the old values go to history.
    pub fn update_person(
        &self,
        who: &Principal,
        id: PersonId,
        texts: &[(Field, String)],
        provenance: Provenance,
        now: Timestamp,
    ) -> Result<Vec<FieldChange>> {
        let now = truncate(now);
        let provenance = Arc::new(provenance);
        let fields: Vec<Field> = texts.iter().map(|(f, _)| *f).collect();
        self.write(|tx| {
            let mut person = self.load_person(tx, id)?;
            who.may_write(&place(&person)?, &fields)?;
            let texts: Vec<(Field, &str)> = texts.iter().map(|(f, t)| (*f, t.as_str())).collect();
            let changes = person.record.set_all(&texts, &provenance, self.dir).map_err(StoreError::Invalid)?;
            if changes.is_empty() {
                return Ok(changes);
            }
            // The person must stay where the principal may write (e.g. a registrar cannot move a
            // person to another commissariat), and keep identifiers no one else has.
            who.may_write(&place(&person)?, &fields)?;
            let mut clash = (false, false, false);
            if let Some(s) = person.record.snils() {
                clash.0 = tx.person_by(self.codec.snils(s))?.is_some_and(|p| p.id != id);
            }
            if let Some(p) = person.record.passport() {
                clash.1 = tx.person_by(self.codec.passport(&p))?.is_some_and(|p| p.id != id);
            }
            if let Some(i) = person.record.inn() {
                clash.2 = tx.person_by(self.codec.inn(i))?.is_some_and(|p| p.id != id);
            }
            let problems = taken(clash.0, clash.1, clash.2);
            if !problems.is_empty() {
                return Err(StoreError::Invalid(problems));
            }
            self.save_person_changes(tx, who, &person, &changes, now)?;
            Ok(changes)
        })
    }

    /// The earlier values of a person's fields that the principal may read; a logged read.
    pub fn history(
        &self,
        who: &Principal,
        id: PersonId,
        purpose: Option<&str>,
        now: Timestamp,
    ) -> Result<Vec<HistoryEntry>> {
        let now = truncate(now);
        self.write(|tx| {
            let person = self.load_person(tx, id)?;
            let place = place(&person)?;
            who.may_read(&place, &[], purpose)?;
            let mut out = Vec::new();
            for row in tx.field_history(id)? {
                if who.may_read(&place, &[row.field], purpose).is_err() {
                    continue;
                }
                let text = self.codec.decode_value(row.field, &row.value)?;
                out.push(HistoryEntry {
                    field: row.field,
                    value: row.field.parse(&text).map_err(|p| StoreError::Corrupt(p.to_string()))?,
                    provenance: Provenance {
                        source: row.source,
                        as_of: row.as_of.parse().map_err(|_| StoreError::Corrupt("history as_of".into()))?,
                    },
                    replaced_at: row.replaced_at,
                    event_seq: row.event_seq,
                });
            }
            if !out.is_empty() {
                let mut fields: Vec<Field> = out.iter().map(|h| h.field).collect();
                fields.dedup();
                self.log_read(tx, who, id, &fields, purpose, now)?;
            }
            Ok(out)
        })
    }

    /// Who read a person's record: the person's own view of the access log, newest first.
    pub fn reads_of(&self, who: &Principal, id: PersonId) -> Result<Vec<Event>> {
        if !who.is_self(id) {
            who.may_administer()?;
        }
        let mut events = self.read(|tx| tx.events_of_person(id, Some(&[EventKind::RecordRead])))?;
        events.reverse();
        Ok(events)
    }

    /// The events of one person (changes and reads), oldest first: for the operator.
    pub fn events_of_person(&self, who: &Principal, id: PersonId) -> Result<Vec<Event>> {
        who.may_administer()?;
        self.read(|tx| tx.events_of_person(id, None))
    }

    /// Every person, in id order, from one consistent snapshot: the operator's export.
    pub fn for_each_person(&self, who: &Principal, mut f: impl FnMut(Person) -> Result<()>) -> Result<()> {
        who.may_administer()?;
        self.store.read(&mut |tx| {
            tx.for_each_person(&mut |stored| {
                f(Person { id: stored.id, record: self.codec.decode_record(&stored.record)? })
            })
        })
    }

    /// The person with this SNILS, for the operator at the command line (a logged read).
    pub fn find_by_snils(&self, who: &Principal, snils: Snils, now: Timestamp) -> Result<Person> {
        let key = self.codec.snils(snils);
        let id = self
            .read(|tx| tx.person_by(key))?
            .map(|p| p.id)
            .ok_or_else(|| StoreError::NotFound { what: "person with SNILS", key: snils.masked() })?;
        self.read_person(who, id, Some(Field::ALL), Some("command line"), now)
    }

    pub fn count_persons(&self) -> Result<u64> {
        self.read(|tx| tx.count_persons())
    }

    /// The person's record without logging: only for the register's own work (e.g. the clock,
    /// the person themselves through [`Register::read_person`] is preferred).
    pub(super) fn person_place(
        &self,
        tx: &mut dyn crate::ReadTx,
        id: PersonId,
    ) -> Result<(Person, reestr_core::region::CommissariatCode)> {
        let person = self.load_person(tx, id)?;
        let c = person.record.commissariat().cloned().ok_or_else(|| not_found("commissariat of person", id))?;
        Ok((person, c))
    }
}
