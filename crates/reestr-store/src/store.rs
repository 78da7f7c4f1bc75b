//! What a backend provides: transactions, and primitive reads and writes of rows.

use std::collections::BTreeMap;

use jiff::Timestamp;
use reestr_core::{
    event::{Actor, Event, EventKind},
    person::{Field, FieldChange, Person, PersonId, Provenance, Value},
    region::{RegionCode, Rollout},
    summons::{Change, Status, Summons, SummonsNumber},
};

use crate::{Lookup, PersonRow, Result};

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
    /// The random salt its leaf in the Merkle tree commits with; stored with the event.
    pub salt: Salt,
}

/// The random salt of an event's leaf: 32 bytes, so that a proof of inclusion reveals nothing
/// about the event, however low the entropy of its data (a SNILS has 9 digits).
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Salt(pub [u8; 32]);

impl Salt {
    pub fn random() -> Salt {
        Salt(rand::random())
    }
}

impl std::fmt::Debug for Salt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Salt(..)")
    }
}

/// An event as the Merkle tree reads it: its position, its salt, and the event, or why the stored
/// row could not be read (a row changed behind the register's back may not decode).
#[derive(Debug, Clone, PartialEq)]
pub struct LeafRow {
    pub seq: u64,
    pub salt: Option<Vec<u8>>,
    pub event: std::result::Result<Event, String>,
}

/// A signed checkpoint as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredCheckpoint {
    pub id: i64,
    pub size: u64,
    pub root: [u8; 32],
    /// The whole signed note: the checkpoint's text, a blank line and the signature lines.
    pub note: String,
    /// `name+hash` of the key that signed it.
    pub key_id: String,
    pub signed_at: Timestamp,
}

/// An extract issued: the signed document (JSON, without the proof that ties it to the log, which
/// is recomputed on demand) and the event that records its issuance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredExtract {
    pub number: String,
    pub person: PersonId,
    pub kind: String,
    pub made_at: Timestamp,
    pub event_seq: u64,
    pub document: String,
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

    // ---- the Merkle tree over the log ----

    /// Events after `after` with their salts, in order, each decoded or with why it is not.
    fn leaves(&mut self, after: u64, limit: usize) -> Result<Vec<LeafRow>>;
    /// How many events the stored tree hashes cover.
    fn tree_size(&mut self) -> Result<u64>;
    /// Stored tree hashes by index (see `WriteTx::extend_tree`), in the order asked; an index
    /// not stored is an error.
    fn tree_hashes(&mut self, indexes: &[u64]) -> Result<Vec<[u8; 32]>>;
    /// Every signed checkpoint, oldest first.
    fn checkpoints(&mut self) -> Result<Vec<StoredCheckpoint>>;
    /// The checkpoint signed last.
    fn last_checkpoint(&mut self) -> Result<Option<StoredCheckpoint>>;

    // ---- extracts ----

    fn extract(&mut self, number: &str) -> Result<Option<StoredExtract>>;
}

pub trait WriteTx: ReadTx {
    /// Inserts a person unless one of its unique keys (SNILS, passport, INN) is taken.
    fn insert_person(&mut self, row: &PersonRow) -> Result<Inserted>;
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

    /// Appends to the log in this transaction, with its salt; returns the event's sequence number.
    fn append(&mut self, event: &NewEvent<'_>, recorded_at: Timestamp) -> Result<u64>;

    /// Stores tree hashes from index `first` on (consecutive) and records that the tree now covers
    /// `size` events. The hashes are those of Go's `sumdb/tlog` stored-hash order.
    fn extend_tree(&mut self, size: u64, first: u64, hashes: &[[u8; 32]]) -> Result<()>;
    /// Stores a signed checkpoint (`id` is ignored); returns the id assigned.
    fn insert_checkpoint(&mut self, checkpoint: &StoredCheckpoint) -> Result<i64>;
    fn insert_extract(&mut self, extract: &StoredExtract) -> Result<()>;
}
