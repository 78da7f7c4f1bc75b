//! What a backend provides: transactions, and primitive reads and writes of rows. Sealing,
//! checking and deciding happen above, in the register, once for every backend.

use std::collections::BTreeMap;

use jiff::Timestamp;
use reestr_core::{
    event::{Actor, Event, EventKind},
    person::PersonId,
    region::{RegionCode, Rollout},
    summons::{Change, Status, SummonsNumber},
};

use crate::{
    Lookup, Result,
    image::{ImageRow, Table},
    row::{HistoryRow, PersonRow, StoredPerson, StoredSummons, SummonsRow},
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
    /// The event's data as a JSON document; never personal data.
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
/// is recomputed on demand), sealed because it holds personal data, and the event that records
/// its issuance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredExtract {
    pub number: String,
    pub person: PersonId,
    pub kind: String,
    pub made_at: Timestamp,
    pub event_seq: u64,
    pub document: Vec<u8>,
}

/// A user account as stored.
#[derive(Clone, PartialEq, Eq)]
pub struct UserRow {
    pub id: i64,
    pub login: String,
    pub role: String,
    /// The role's scope as JSON.
    pub scope: String,
    pub person: Option<PersonId>,
    /// An argon2id hash in PHC form.
    pub password_hash: String,
    /// The second-factor seed, sealed.
    pub totp: Option<Vec<u8>>,
    pub created_at: Timestamp,
    pub disabled_at: Option<Timestamp>,
}

impl std::fmt::Debug for UserRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UserRow")
            .field("id", &self.id)
            .field("login", &self.login)
            .field("role", &self.role)
            .finish_non_exhaustive()
    }
}

/// A session as stored: the hash of the cookie's token, never the token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRow {
    pub token_hash: Vec<u8>,
    pub user: i64,
    pub created_at: Timestamp,
    pub last_seen_at: Timestamp,
}

/// An API key as stored: its public prefix and the hash of its secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyRow {
    pub id: i64,
    pub prefix: String,
    pub secret_hash: Vec<u8>,
    pub role: String,
    pub scope: String,
    pub created_at: Timestamp,
    pub revoked_at: Option<Timestamp>,
}

/// Failed logins counted under a (hashed) account or address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Throttle {
    pub failures: u32,
    pub last_failure_at: Timestamp,
}

/// A correction request as stored: its text sealed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CorrectionRow {
    pub id: i64,
    pub person: PersonId,
    pub commissariat: String,
    pub subject: String,
    pub request: Vec<u8>,
    pub filed_at: Timestamp,
    pub due_at: Timestamp,
    pub answered_at: Option<Timestamp>,
    pub answer: Option<Vec<u8>>,
}

/// Which correction requests to list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CorrectionFilter {
    All,
    Person(PersonId),
    /// Unanswered ones of these commissariats (`None`: all), the earliest due first.
    Open {
        commissariats: Option<Vec<String>>,
    },
}

/// Which summonses to list, by id after a cursor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SummonsFilter {
    /// `None`: every commissariat.
    pub commissariats: Option<Vec<String>>,
    pub status: Option<Status>,
    pub after: i64,
    pub limit: usize,
}

/// A measure as a row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MeasureRow {
    pub id: i64,
    pub summons: SummonsNumber,
    pub person: PersonId,
    pub commissariat: String,
    pub kind: String,
    pub started_at: Timestamp,
    pub lifted_at: Option<Timestamp>,
    pub lift_cause: Option<String>,
}

/// Which measures to list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MeasureFilter {
    pub kinds: Option<Vec<String>>,
    pub commissariats: Option<Vec<String>>,
    pub in_force_only: bool,
    /// Rows after this id (a cursor), at most `limit`.
    pub after: i64,
    pub limit: usize,
}

pub trait ReadTx {
    fn person(&mut self, id: PersonId) -> Result<Option<StoredPerson>>;
    fn person_by(&mut self, key: Lookup) -> Result<Option<StoredPerson>>;
    /// Persons whose normalised name key and birth date match, by id, at most `limit`.
    fn persons_by_name(&mut self, name_key: &str, birth_date: Option<&str>, limit: usize) -> Result<Vec<StoredPerson>>;
    fn count_persons(&mut self) -> Result<u64>;
    /// Every person, in id order.
    fn for_each_person(&mut self, f: &mut dyn FnMut(StoredPerson) -> Result<()>) -> Result<()>;
    fn field_history(&mut self, person: PersonId) -> Result<Vec<HistoryRow>>;

    fn summons(&mut self, number: &SummonsNumber) -> Result<Option<StoredSummons>>;
    fn summonses_of(&mut self, person: PersonId) -> Result<Vec<StoredSummons>>;
    /// Summonses with something due at or before `now`, earliest first. Must not scan the rest.
    fn due(&mut self, now: Timestamp, limit: usize) -> Result<Vec<StoredSummons>>;
    fn next_due(&mut self) -> Result<Option<Timestamp>>;
    fn summonses(&mut self, filter: &SummonsFilter) -> Result<Vec<StoredSummons>>;
    fn status_counts(&mut self) -> Result<BTreeMap<Status, u64>>;
    fn measures_in_force(&mut self) -> Result<u64>;
    fn measures(&mut self, filter: &MeasureFilter) -> Result<Vec<MeasureRow>>;

    fn rollout(&mut self) -> Result<BTreeMap<RegionCode, Rollout>>;

    /// Events after `after` (a sequence number), in order.
    fn events(&mut self, after: u64, limit: usize) -> Result<Vec<Event>>;
    fn events_of_person(&mut self, person: PersonId, kinds: Option<&[EventKind]>) -> Result<Vec<Event>>;
    /// The sequence number of the last event (0 for an empty log).
    fn last_seq(&mut self) -> Result<u64>;

    fn user(&mut self, id: i64) -> Result<Option<UserRow>>;
    fn user_by_login(&mut self, login: &str) -> Result<Option<UserRow>>;
    fn users(&mut self) -> Result<Vec<UserRow>>;
    fn session(&mut self, token_hash: &[u8]) -> Result<Option<SessionRow>>;
    fn key_by_prefix(&mut self, prefix: &str) -> Result<Option<KeyRow>>;
    fn keys(&mut self) -> Result<Vec<KeyRow>>;
    fn throttle(&mut self, key: &[u8]) -> Result<Option<Throttle>>;
    fn device_known(&mut self, token_hash: &[u8], user: i64) -> Result<bool>;

    fn correction(&mut self, id: i64) -> Result<Option<CorrectionRow>>;
    fn corrections(&mut self, filter: &CorrectionFilter) -> Result<Vec<CorrectionRow>>;

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
    fn insert_history(&mut self, person: PersonId, row: &HistoryRow) -> Result<()>;
    /// Replaces the stored bytes of every history row of a person (after re-sealing).
    fn reseal_history(&mut self, person: PersonId, rows: &[HistoryRow]) -> Result<()>;

    /// The next number in a region's series for a year, starting at 1.
    fn next_summons_seq(&mut self, region: RegionCode, year: i16) -> Result<u64>;
    fn insert_summons(&mut self, row: &SummonsRow) -> Result<i64>;
    /// Saves the summons and applies its measure changes to the measure rows.
    fn update_summons(&mut self, id: i64, row: &SummonsRow, changes: &[Change]) -> Result<()>;

    fn set_rollout(&mut self, region: RegionCode, state: Rollout, at: Timestamp) -> Result<()>;

    /// Appends to the log in this transaction, with its salt; returns the event's sequence number.
    fn append(&mut self, event: &NewEvent<'_>, recorded_at: Timestamp) -> Result<u64>;

    fn insert_user(&mut self, user: &UserRow) -> Result<i64>;
    fn update_user(&mut self, user: &UserRow) -> Result<()>;
    fn insert_session(&mut self, session: &SessionRow) -> Result<()>;
    fn touch_session(&mut self, token_hash: &[u8], at: Timestamp) -> Result<()>;
    fn delete_session(&mut self, token_hash: &[u8]) -> Result<()>;
    /// Removes a user's sessions, or every session that has expired.
    fn delete_sessions(&mut self, user: Option<i64>, idle_before: Timestamp, created_before: Timestamp) -> Result<()>;
    fn insert_key(&mut self, key: &KeyRow) -> Result<i64>;
    fn revoke_key(&mut self, id: i64, at: Timestamp) -> Result<bool>;
    fn set_throttle(&mut self, key: &[u8], throttle: Option<Throttle>) -> Result<()>;
    fn remember_device(&mut self, token_hash: &[u8], user: i64, at: Timestamp) -> Result<()>;

    fn insert_correction(&mut self, row: &CorrectionRow) -> Result<i64>;
    fn answer_correction(&mut self, id: i64, at: Timestamp, answer: &[u8]) -> Result<()>;
    fn reseal_correction(&mut self, id: i64, request: &[u8], answer: Option<&[u8]>) -> Result<()>;

    /// Stores tree hashes from index `first` on (consecutive) and records that the tree now covers
    /// `size` events. The hashes are those of Go's `sumdb/tlog` stored-hash order.
    fn extend_tree(&mut self, size: u64, first: u64, hashes: &[[u8; 32]]) -> Result<()>;
    /// Stores a signed checkpoint (`id` is ignored); returns the id assigned.
    fn insert_checkpoint(&mut self, checkpoint: &StoredCheckpoint) -> Result<i64>;
    fn insert_extract(&mut self, extract: &StoredExtract) -> Result<()>;
    /// Adds image rows (as [`ReadTx::dump`] gives them, ids and sequence numbers included) to a
    /// table that holds none of them; rows of the tables every register starts with (rollout,
    /// tree size) replace the ones there.
    fn restore(&mut self, table: Table, rows: &[ImageRow]) -> Result<()>;

    /// After a restore: ids and sequence numbers continue after the restored ones.
    fn finish_restore(&mut self) -> Result<()>;
}
