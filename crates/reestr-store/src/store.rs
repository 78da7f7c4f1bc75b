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

    /// After a bulk load of persons: lets the database's planner see the new rows, so that the
    /// queries after it (a campaign's cohort, a search) are planned for the register as it now
    /// is, not as it was. Nothing by default.
    fn refresh_statistics(&self) -> Result<()> {
        Ok(())
    }
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
    /// The agency the key belongs to (keys made before agencies were kept have none).
    pub agency: Option<i64>,
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

/// An agency as stored: an enforcing agency (with the measure kinds it enforces) or a security
/// service, its webhook, and where its pushed deliveries stand.
#[derive(Clone, PartialEq, Eq)]
pub struct AgencyRow {
    pub id: i64,
    pub name: String,
    /// `agency` or `security_service`.
    pub role: String,
    /// The measure kinds it enforces (names), in order.
    pub kinds: Vec<String>,
    pub webhook_url: Option<String>,
    /// The webhook's signing secret, sealed.
    pub webhook_secret: Option<Vec<u8>>,
    pub created_at: Timestamp,
    pub disabled_at: Option<Timestamp>,
    /// The highest log position the agency has asked the feed for items after: it holds
    /// everything up to there.
    pub feed_cursor: u64,
    pub push: PushState,
}

impl std::fmt::Debug for AgencyRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AgencyRow")
            .field("id", &self.id)
            .field("name", &self.name)
            .field("kinds", &self.kinds)
            .field("webhook_url", &self.webhook_url)
            .field("push", &self.push)
            .finish_non_exhaustive()
    }
}

/// Where an agency's webhook deliveries stand.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PushState {
    /// Every delivery up to this log position was pushed or set aside as a dead letter.
    pub cursor: u64,
    /// Failed attempts in a row.
    pub failures: u32,
    /// When the current run of failures began.
    pub failing_since: Option<Timestamp>,
    /// Not before this instant (the backoff, or a dispatcher's claim on the agency).
    pub next_at: Option<Timestamp>,
    pub last_error: Option<String>,
    pub last_success_at: Option<Timestamp>,
}

/// A measure event to deliver to the agencies that enforce its kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewDelivery {
    /// The event's position in the log: the item's stable id.
    pub seq: u64,
    pub kind: String,
    pub person: PersonId,
    /// The region of the summons, for supervisors' lists.
    pub region: i64,
    /// When it became due to the agency.
    pub created_at: Timestamp,
}

/// A delivery of a measure event to one agency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryRow {
    pub id: i64,
    pub agency: i64,
    pub seq: u64,
    pub kind: String,
    pub person: PersonId,
    pub region: i64,
    pub created_at: Timestamp,
    /// When the person's data in it was first handed to the agency (and the read logged).
    pub disclosed_at: Option<Timestamp>,
    pub confirmed_at: Option<Timestamp>,
}

/// Unconfirmed deliveries made before an instant, by id after a cursor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnconfirmedFilter {
    pub created_before: Timestamp,
    /// `None`: every region.
    pub regions: Option<Vec<i64>>,
    pub after: i64,
    pub limit: usize,
}

/// A webhook delivery set aside after its retry window, until an admin replays it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeadLetterRow {
    pub agency: i64,
    pub seq: u64,
    pub attempts: u32,
    pub last_error: String,
    pub dead_at: Timestamp,
    pub replay_requested_at: Option<Timestamp>,
    pub redelivered_at: Option<Timestamp>,
}

/// Counts of one agency's deliveries.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeliveryStats {
    pub agency: i64,
    /// Not yet confirmed.
    pub unconfirmed: u64,
    /// Not confirmed and made before the instant asked about (24 hours ago: breaches).
    pub overdue: u64,
    /// Not yet handed over: after the push cursor (with a webhook) or the feed cursor.
    pub pending: u64,
    /// Dead letters not delivered since.
    pub dead_letters: u64,
}

/// A campaign as stored: its specification as JSON (`reestr_core::campaign::CampaignSpec`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CampaignRow {
    pub id: i64,
    pub name: String,
    pub spec: String,
    /// `draft`, `issuing` or `done`.
    pub state: String,
    pub created_at: Timestamp,
    pub created_by: String,
    /// Who started issuing: the actor of every summons the campaign posts.
    pub issued_by: Option<String>,
    pub started_at: Option<Timestamp>,
    pub finished_at: Option<Timestamp>,
}

/// A campaign's quota in one region and how far its issuing there has come.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CampaignRegionRow {
    pub campaign: i64,
    pub region: i64,
    pub quota: u64,
    pub issued: u64,
    /// Persons of the cohort passed over because they held an open summons.
    pub held_open: u64,
    /// Every person of the region up to this id has been considered.
    pub last_person: i64,
    /// When the quota was reached or the region's persons ran out.
    pub finished_at: Option<Timestamp>,
}

/// A person a campaign summoned, and with which summons.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CampaignMember {
    pub campaign: i64,
    pub person: PersonId,
    pub summons: SummonsNumber,
    pub region: i64,
}

/// Persons of a region who may belong to a campaign's cohort, by id after a cursor: those born
/// in the range (inclusive, `YYYY-MM-DD`), of the commissariat if one is given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CohortFilter {
    pub campaign: i64,
    pub region: i64,
    pub commissariat: Option<String>,
    pub born_from: String,
    pub born_to: String,
    pub after: i64,
    pub limit: usize,
}

/// A person of a cohort's region and birth years, with what the selection needs to know.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CohortCandidate {
    pub person: StoredPerson,
    /// Holds a summons that is neither appeared nor cancelled.
    pub open_summons: bool,
    /// The campaign has summoned the person already.
    pub member: bool,
}

/// A notice as stored: its texts and verification code sealed, found by the code's keyed hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoticeRow {
    pub id: i64,
    pub person: PersonId,
    pub kind: String,
    /// What caused it, unique: `event:SEQ:KIND` or `reminder:NUMBER:KIND:DUE` (DUE in RFC 3339).
    pub cause: String,
    pub code_hash: Vec<u8>,
    pub content: Vec<u8>,
    pub created_at: Timestamp,
}

/// A notice's e-mail to one address: the outbox row, unique per (notice, address).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailRow {
    pub id: i64,
    pub notice: i64,
    pub address_hash: Vec<u8>,
    /// The address, sealed.
    pub address: Vec<u8>,
    /// Not before this instant (quiet hours).
    pub not_before: Timestamp,
    pub attempts: u32,
    /// The next attempt: after a backoff, or when a sender's claim runs out.
    pub next_at: Timestamp,
    pub last_error: Option<String>,
    pub sent_at: Option<Timestamp>,
    /// Set aside after the retry window.
    pub dead_at: Option<Timestamp>,
}

/// A reminder the legal clock sends at `due_at` if it still holds then.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReminderRow {
    pub summons: SummonsNumber,
    pub person: PersonId,
    pub kind: String,
    pub due_at: Timestamp,
    pub done_at: Option<Timestamp>,
}

/// Counts of the e-mail outbox.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MailStats {
    pub pending: u64,
    /// Pending after at least one failed attempt.
    pub retrying: u64,
    pub sent: u64,
    pub dead: u64,
}
/// How many events of one kind fell in one hour of one region: the raw counts of dashboards.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HourlyCount {
    /// The region of the summons the event belongs to.
    pub region: RegionCode,
    /// The start of the hour (UTC) of the event's legal instant.
    pub hour: Timestamp,
    pub kind: EventKind,
    pub count: u64,
}

/// The event kinds dashboards count.
pub const ACTIVITY_KINDS: [EventKind; 7] = [
    EventKind::SummonsPosted,
    EventKind::SummonsServed,
    EventKind::SummonsAppeared,
    EventKind::SummonsExcused,
    EventKind::SummonsOverdue,
    EventKind::MeasureStarted,
    EventKind::MeasureLifted,
];

pub trait ReadTx {
    fn person(&mut self, id: PersonId) -> Result<Option<StoredPerson>>;
    /// The persons of these ids that exist, in any order (one query where the backend can).
    fn persons(&mut self, ids: &[PersonId]) -> Result<Vec<StoredPerson>> {
        let mut found = Vec::with_capacity(ids.len());
        for id in ids {
            found.extend(self.person(*id)?);
        }
        Ok(found)
    }
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

    // ---- agencies and deliveries ----

    fn agencies(&mut self) -> Result<Vec<AgencyRow>>;
    fn agency(&mut self, id: i64) -> Result<Option<AgencyRow>>;
    fn agency_by_name(&mut self, name: &str) -> Result<Option<AgencyRow>>;
    /// An agency's deliveries after a log position, in log order, each with its event. A reader
    /// must never miss one: deliveries are written in the transaction of their event, and the
    /// log's positions become visible in order (DESIGN.md: the log is read by commit order).
    fn deliveries(&mut self, agency: i64, after: u64, limit: usize) -> Result<Vec<(DeliveryRow, Event)>>;
    /// An agency's deliveries at these log positions (those that exist), in log order.
    fn deliveries_at(&mut self, agency: i64, seqs: &[u64]) -> Result<Vec<(DeliveryRow, Event)>>;
    /// Unconfirmed deliveries of agencies not disabled, by id.
    fn unconfirmed(&mut self, filter: &UnconfirmedFilter) -> Result<Vec<DeliveryRow>>;
    /// Counts per agency; `overdue_before` is the instant before which an unconfirmed delivery
    /// is overdue.
    fn delivery_stats(&mut self, overdue_before: Timestamp) -> Result<Vec<DeliveryStats>>;
    /// An agency's dead letters, in log order.
    fn dead_letters(&mut self, agency: i64) -> Result<Vec<DeadLetterRow>>;
    /// Measure events (started and lifted) after a log position, in order. Must not scan the
    /// other events.
    fn measure_events(&mut self, after: u64, limit: usize) -> Result<Vec<Event>>;
    /// A person's measures not lifted, by id.
    fn measures_in_force_of(&mut self, person: PersonId) -> Result<Vec<MeasureRow>>;

    // ---- campaigns ----

    fn campaign(&mut self, id: i64) -> Result<Option<CampaignRow>>;
    /// Every campaign, by id.
    fn campaigns(&mut self) -> Result<Vec<CampaignRow>>;
    /// A campaign's regions, by region.
    fn campaign_regions(&mut self, campaign: i64) -> Result<Vec<CampaignRegionRow>>;
    /// Persons of a cohort's region and years, by id after the cursor, at most `limit`.
    fn cohort(&mut self, filter: &CohortFilter) -> Result<Vec<CohortCandidate>>;

    // ---- notices ----

    /// A person's notices with ids below `before`, newest first, at most `limit`.
    fn notices_of(&mut self, person: PersonId, before: i64, limit: usize) -> Result<Vec<NoticeRow>>;
    fn notice(&mut self, id: i64) -> Result<Option<NoticeRow>>;
    fn notice_by_code(&mut self, code_hash: &[u8]) -> Result<Option<NoticeRow>>;
    /// Notices with ids above `after`, by id (for re-sealing).
    fn notices_after(&mut self, after: i64, limit: usize) -> Result<Vec<NoticeRow>>;
    /// E-mails with ids above `after`, by id (for re-sealing).
    fn mail_after(&mut self, after: i64, limit: usize) -> Result<Vec<MailRow>>;
    fn mail(&mut self, id: i64) -> Result<Option<MailRow>>;
    /// A notice's e-mails, by id.
    fn mail_of(&mut self, notice: i64) -> Result<Vec<MailRow>>;
    /// E-mails neither sent nor set aside whose next attempt is due at `now`, the earliest first.
    /// Must not scan the rest.
    fn mail_due(&mut self, now: Timestamp, limit: usize) -> Result<Vec<MailRow>>;
    fn mail_stats(&mut self) -> Result<MailStats>;
    /// A person's preferences as JSON, if set.
    fn notice_preferences(&mut self, person: PersonId) -> Result<Option<String>>;
    /// The preferences of those of these persons who set any, in any order.
    fn notice_preferences_of(&mut self, persons: &[PersonId]) -> Result<Vec<(PersonId, String)>> {
        let mut found = Vec::new();
        for p in persons {
            found.extend(self.notice_preferences(*p)?.map(|json| (*p, json)));
        }
        Ok(found)
    }
    /// Reminders not done and due at `now`, the earliest first. Must not scan the rest.
    fn due_reminders(&mut self, now: Timestamp, limit: usize) -> Result<Vec<ReminderRow>>;
    fn next_reminder(&mut self) -> Result<Option<Timestamp>>;

    // ---- dashboards ----

    /// Events of the [`ACTIVITY_KINDS`] whose legal instant is at or after `since`, counted by
    /// the region of their summons, the hour of that instant and the kind; one region's or all.
    fn activity(&mut self, since: Timestamp, region: Option<RegionCode>) -> Result<Vec<HourlyCount>>;
    /// Measures in force, by the region of their summons.
    fn measures_in_force_by_region(&mut self) -> Result<BTreeMap<RegionCode, u64>>;
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
    /// Reserves `n` consecutive numbers of a region's series for a year; returns the first.
    fn reserve_summons_seqs(&mut self, region: RegionCode, year: i16, n: u64) -> Result<u64>;
    fn insert_summons(&mut self, row: &SummonsRow) -> Result<i64>;
    /// Inserts summonses in order; returns their ids in the same order. Backends override it
    /// with their bulk path.
    fn insert_summonses(&mut self, rows: &[SummonsRow]) -> Result<Vec<i64>> {
        rows.iter().map(|row| self.insert_summons(row)).collect()
    }
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

    // ---- agencies and deliveries ----

    /// Inserts an agency (`id` and `push` are ignored: a new agency has pushed nothing); its
    /// name must be new. Returns the id assigned.
    fn insert_agency(&mut self, row: &AgencyRow) -> Result<i64>;
    /// Saves an agency's webhook, secret, disabled instant, feed cursor and push state (name,
    /// role and kinds never change).
    fn update_agency(&mut self, row: &AgencyRow) -> Result<()>;
    /// Adds a delivery of the event for every agency that enforces its kind.
    fn enqueue_delivery(&mut self, delivery: &NewDelivery) -> Result<()>;
    /// Adds a delivery for one agency, unless it has it already.
    fn insert_delivery(&mut self, agency: i64, delivery: &NewDelivery) -> Result<()>;
    /// Marks deliveries as handed over, where not marked yet.
    fn set_disclosed(&mut self, agency: i64, seqs: &[u64], at: Timestamp) -> Result<()>;
    /// Confirms deliveries; for each position asked: `None` when the agency has no such
    /// delivery, `Some(true)` when confirmed now, `Some(false)` when it was confirmed before.
    fn confirm_deliveries(&mut self, agency: i64, seqs: &[u64], at: Timestamp) -> Result<Vec<Option<bool>>>;
    fn insert_dead_letters(&mut self, rows: &[DeadLetterRow]) -> Result<()>;
    /// Saves a dead letter's replay request and redelivery.
    fn update_dead_letter(&mut self, row: &DeadLetterRow) -> Result<()>;

    // ---- campaigns ----

    /// Inserts a campaign (`id` is ignored) with its regions; returns the id assigned.
    fn insert_campaign(&mut self, row: &CampaignRow, regions: &[CampaignRegionRow]) -> Result<i64>;
    /// Saves a campaign's state, issuer and instants (name and specification never change).
    fn update_campaign(&mut self, row: &CampaignRow) -> Result<()>;
    /// Saves a region's progress.
    fn update_campaign_region(&mut self, row: &CampaignRegionRow) -> Result<()>;
    /// Records who a campaign summoned; a person already summoned by it is an error (the
    /// database's unique key), and the transaction is then rolled back whole.
    fn insert_campaign_members(&mut self, rows: &[CampaignMember]) -> Result<()>;

    // ---- notices ----

    /// Inserts notices (`id` is ignored), in order: each row's assigned id, or `None` where a
    /// notice of its cause exists (before, or earlier in `rows`).
    fn insert_notices(&mut self, rows: &[NoticeRow]) -> Result<Vec<Option<i64>>>;
    /// Inserts e-mails (`id` is ignored), each unless its notice has one to that address.
    fn insert_mails(&mut self, rows: &[MailRow]) -> Result<()>;
    /// Saves an e-mail's sealed address, attempts, next attempt, error, and whether it was sent
    /// or set aside.
    fn update_mail(&mut self, row: &MailRow) -> Result<()>;
    /// Replaces a notice's sealed content (after re-sealing).
    fn reseal_notice(&mut self, id: i64, content: &[u8]) -> Result<()>;
    fn set_notice_preferences(&mut self, person: PersonId, prefs: &str, at: Timestamp) -> Result<()>;
    /// Replaces each summons's reminders not done with its plan's (kind, due); done ones stay.
    fn schedule_reminders_of(&mut self, plans: &[ReminderPlan]) -> Result<()>;
    fn finish_reminder(&mut self, summons: &SummonsNumber, kind: &str, due: Timestamp, at: Timestamp) -> Result<()>;
}

/// The reminders a summons is to have: (kind, due) each.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReminderPlan {
    pub summons: SummonsNumber,
    pub person: PersonId,
    pub due: Vec<(String, Timestamp)>,
}
