//! What a backend provides: transactions, and primitive reads and writes of rows.

use std::collections::BTreeMap;

use jiff::Timestamp;
use reestr_core::{
    event::{Actor, Event, EventKind},
    person::{Field, FieldChange, Person, PersonId, Provenance, Value},
    region::{RegionCode, Rollout},
    summons::{Change, Status, Summons, SummonsNumber},
};

use crate::{
    Lookup, PersonRow, Result,
    image::{ImageRow, Table},
};

/// A storage backend.
///
/// `write` runs its closure once, in one transaction serialised with every other writer, and
/// commits only if the closure returns `Ok`; on error nothing of it remains.
pub trait Store: Send + Sync + std::fmt::Debug {
    fn write(&self, f: &mut dyn FnMut(&mut dyn WriteTx) -> Result<()>) -> Result<()>;

    /// Runs the closure on a consistent, read-only snapshot.
    fn read(&self, f: &mut dyn FnMut(&mut dyn ReadTx) -> Result<()>) -> Result<()>;
}

/// A summons with the row id the backend gave it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredSummons {
    pub id: i64,
    pub summons: Summons,
}

/// The outcome of inserting a person: the new id, or who already holds each unique key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Inserted {
    Person(PersonId),
    Conflict { snils: Option<PersonId>, passport: Option<PersonId>, inn: Option<PersonId> },
}

/// An event to append to the log.
#[derive(Debug, Clone)]
pub struct NewEvent<'a> {
    pub kind: EventKind,
    pub actor: &'a Actor,
    pub effective_at: Timestamp,
    pub person: Option<PersonId>,
    pub summons: Option<&'a SummonsNumber>,
    /// The event's data as a JSON document.
    pub payload: &'a str,
}

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

pub trait ReadTx {
    fn person(&mut self, id: PersonId) -> Result<Option<Person>>;
    fn person_by(&mut self, key: Lookup) -> Result<Option<Person>>;
    fn count_persons(&mut self) -> Result<u64>;
    /// Every person, in id order.
    fn for_each_person(&mut self, f: &mut dyn FnMut(Person) -> Result<()>) -> Result<()>;
    fn field_history(&mut self, person: PersonId) -> Result<Vec<HistoryEntry>>;

    fn summons(&mut self, number: &SummonsNumber) -> Result<Option<StoredSummons>>;
    fn summonses_of(&mut self, person: PersonId) -> Result<Vec<StoredSummons>>;
    /// Summonses with something due at or before `now`, earliest first. Must not scan the rest.
    fn due(&mut self, now: Timestamp, limit: usize) -> Result<Vec<StoredSummons>>;
    fn next_due(&mut self) -> Result<Option<Timestamp>>;
    fn status_counts(&mut self) -> Result<BTreeMap<Status, u64>>;
    fn measures_in_force(&mut self) -> Result<u64>;

    fn rollout(&mut self) -> Result<BTreeMap<RegionCode, Rollout>>;

    /// Events after `after` (a sequence number), in order.
    fn events(&mut self, after: u64, limit: usize) -> Result<Vec<Event>>;
    fn events_of_person(&mut self, person: PersonId) -> Result<Vec<Event>>;
    /// The sequence number of the last event (0 for an empty log).
    fn last_seq(&mut self) -> Result<u64>;

    /// Every row of a table as an image (see [`crate::image`]), in key order.
    fn dump(&mut self, table: Table, f: &mut dyn FnMut(ImageRow) -> Result<()>) -> Result<()>;
}

pub trait WriteTx: ReadTx {
    /// Inserts a person unless one of its unique keys (SNILS, passport, INN) is taken.
    fn insert_person(&mut self, row: &PersonRow) -> Result<Inserted>;

    /// Inserts persons as [`WriteTx::insert_person`] would, one after another in order: each
    /// outcome is the one its row would get after the rows before it were inserted (a conflict
    /// names only owners that existed before the call or come earlier in `rows`). Backends
    /// override it with their bulk path.
    fn insert_persons(&mut self, rows: &[&PersonRow]) -> Result<Vec<Inserted>> {
        rows.iter().map(|row| self.insert_person(row)).collect()
    }
    fn update_person(&mut self, id: PersonId, row: &PersonRow) -> Result<()>;
    fn insert_history(&mut self, person: PersonId, change: &FieldChange, at: Timestamp, event_seq: u64) -> Result<()>;

    /// The next number in a region's series for a year, starting at 1.
    fn next_summons_seq(&mut self, region: RegionCode, year: i16) -> Result<u64>;
    fn insert_summons(&mut self, summons: &Summons, next_due: Option<Timestamp>) -> Result<i64>;
    /// Saves the summons and applies its measure changes to the measure rows.
    fn update_summons(
        &mut self,
        id: i64,
        summons: &Summons,
        next_due: Option<Timestamp>,
        changes: &[Change],
    ) -> Result<()>;

    fn set_rollout(&mut self, region: RegionCode, state: Rollout, at: Timestamp) -> Result<()>;

    /// Appends to the log in this transaction; returns the event's sequence number.
    fn append(&mut self, event: &NewEvent<'_>, recorded_at: Timestamp) -> Result<u64>;

    /// Adds image rows (as [`ReadTx::dump`] gives them, ids and sequence numbers included) to a
    /// table that holds none of them; rollout rows replace the states there.
    fn restore(&mut self, table: Table, rows: &[ImageRow]) -> Result<()>;

    /// After a restore: ids and sequence numbers continue after the restored ones.
    fn finish_restore(&mut self) -> Result<()>;
}
