//! The register as a backend-neutral image, table by table: what `reestr db copy` moves from one
//! backend to another, and the digests that prove nothing was lost on the way.
//!
//! Every backend stores the same logical tables with the same columns; only the physical types
//! differ (SQLite keeps instants as integer microseconds and dates as text, PostgreSQL as
//! timestamptz and date). In the image an instant is its microseconds since the Unix epoch and a
//! date is `YYYY-MM-DD`, so the same register gives the same cells, and the same digests, on every
//! backend.

use sha2::{Digest, Sha256};

use crate::{ReadTx, Result, Store, StoreError};

/// The register's tables, in an order in which each only refers to tables before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Table {
    Persons,
    PersonHistory,
    Rollout,
    SummonsCounters,
    Summonses,
    Measures,
    Events,
    Users,
    Sessions,
    Devices,
    Agencies,
    AgencyKinds,
    ApiKeys,
    LoginThrottle,
    Corrections,
    TreeHashes,
    TreeSize,
    Checkpoints,
    Extracts,
    Deliveries,
    DeadLetters,
    Campaigns,
    CampaignRegions,
    CampaignMembers,
    Notices,
    NoticeMail,
    NoticePreferences,
    Reminders,
}

/// How a column's values appear in the image.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Int,
    Text,
    /// Bytes (sealed values, blind indexes, hashes).
    Bytes,
    /// Microseconds since the Unix epoch, UTC.
    Instant,
    /// `YYYY-MM-DD`.
    Date,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Column {
    pub name: &'static str,
    pub kind: Kind,
}

const fn col(name: &'static str, kind: Kind) -> Column {
    Column { name, kind }
}

use Kind::{Bytes, Date, Instant, Int, Text};

const PERSONS: &[Column] = &[
    col("id", Int),
    col("snils", Bytes),
    col("passport", Bytes),
    col("inn", Bytes),
    col("name_key", Text),
    col("birth_date", Date),
    col("region", Int),
    col("commissariat", Text),
    col("record", Bytes),
];
const PERSON_HISTORY: &[Column] = &[
    col("id", Int),
    col("person_id", Int),
    col("field", Text),
    col("value", Bytes),
    col("source", Text),
    col("as_of", Date),
    col("replaced_at", Instant),
    col("event_seq", Int),
];
const ROLLOUT: &[Column] = &[col("region", Int), col("state", Text), col("changed_at", Instant)];
const SUMMONS_COUNTERS: &[Column] = &[col("region", Int), col("year", Int), col("last", Int)];
const SUMMONSES: &[Column] = &[
    col("id", Int),
    col("number", Text),
    col("person_id", Int),
    col("region", Int),
    col("commissariat", Text),
    col("status", Text),
    col("posted_at", Instant),
    col("next_due_at", Instant),
    col("state", Bytes),
];
const MEASURES: &[Column] = &[
    col("id", Int),
    col("summons_id", Int),
    col("person_id", Int),
    col("kind", Text),
    col("started_at", Instant),
    col("trigger", Text),
    col("lifted_at", Instant),
    col("lift_cause", Text),
];
const EVENTS: &[Column] = &[
    col("seq", Int),
    col("recorded_at", Instant),
    col("effective_at", Instant),
    col("kind", Text),
    col("actor", Text),
    col("person_id", Int),
    col("summons", Text),
    col("payload", Text),
    col("salt", Bytes),
];
const TREE_HASHES: &[Column] = &[col("idx", Int), col("hash", Bytes)];
const TREE_SIZE: &[Column] = &[col("id", Int), col("size", Int)];
const CHECKPOINTS: &[Column] = &[
    col("id", Int),
    col("size", Int),
    col("root", Bytes),
    col("note", Text),
    col("key_id", Text),
    col("signed_at", Instant),
];
const EXTRACTS: &[Column] = &[
    col("number", Text),
    col("person_id", Int),
    col("kind", Text),
    col("made_at", Instant),
    col("event_seq", Int),
    col("document", Bytes),
];
const USERS: &[Column] = &[
    col("id", Int),
    col("login", Text),
    col("role", Text),
    col("scope", Text),
    col("person_id", Int),
    col("password_hash", Text),
    col("totp", Bytes),
    col("created_at", Instant),
    col("disabled_at", Instant),
];
const SESSIONS: &[Column] =
    &[col("token_hash", Bytes), col("user_id", Int), col("created_at", Instant), col("last_seen_at", Instant)];
const DEVICES: &[Column] = &[col("token_hash", Bytes), col("user_id", Int), col("created_at", Instant)];
const API_KEYS: &[Column] = &[
    col("id", Int),
    col("prefix", Text),
    col("secret_hash", Bytes),
    col("role", Text),
    col("scope", Text),
    col("created_at", Instant),
    col("revoked_at", Instant),
    col("agency_id", Int),
];
const AGENCIES: &[Column] = &[
    col("id", Int),
    col("name", Text),
    col("role", Text),
    col("webhook_url", Text),
    col("webhook_secret", Bytes),
    col("created_at", Instant),
    col("disabled_at", Instant),
    col("feed_cursor", Int),
    col("push_cursor", Int),
    col("push_failures", Int),
    col("push_failing_since", Instant),
    col("push_next_at", Instant),
    col("push_last_error", Text),
    col("push_last_success_at", Instant),
];
const AGENCY_KINDS: &[Column] = &[col("kind", Text), col("agency_id", Int)];
const DELIVERIES: &[Column] = &[
    col("id", Int),
    col("agency_id", Int),
    col("seq", Int),
    col("kind", Text),
    col("person_id", Int),
    col("region", Int),
    col("created_at", Instant),
    col("disclosed_at", Instant),
    col("confirmed_at", Instant),
];
const DEAD_LETTERS: &[Column] = &[
    col("agency_id", Int),
    col("seq", Int),
    col("attempts", Int),
    col("last_error", Text),
    col("dead_at", Instant),
    col("replay_requested_at", Instant),
    col("redelivered_at", Instant),
];
const CAMPAIGNS: &[Column] = &[
    col("id", Int),
    col("name", Text),
    col("spec", Text),
    col("state", Text),
    col("created_at", Instant),
    col("created_by", Text),
    col("issued_by", Text),
    col("started_at", Instant),
    col("finished_at", Instant),
];
const CAMPAIGN_REGIONS: &[Column] = &[
    col("campaign_id", Int),
    col("region", Int),
    col("quota", Int),
    col("issued", Int),
    col("held_open", Int),
    col("last_person", Int),
    col("finished_at", Instant),
];
const CAMPAIGN_MEMBERS: &[Column] =
    &[col("campaign_id", Int), col("person_id", Int), col("summons", Text), col("region", Int)];

const NOTICES: &[Column] = &[
    col("id", Int),
    col("person_id", Int),
    col("kind", Text),
    col("cause", Text),
    col("code_hash", Bytes),
    col("content", Bytes),
    col("created_at", Instant),
];
const NOTICE_MAIL: &[Column] = &[
    col("id", Int),
    col("notice_id", Int),
    col("address_hash", Bytes),
    col("address", Bytes),
    col("not_before", Instant),
    col("attempts", Int),
    col("next_at", Instant),
    col("last_error", Text),
    col("sent_at", Instant),
    col("dead_at", Instant),
];
const NOTICE_PREFERENCES: &[Column] = &[col("person_id", Int), col("prefs", Text), col("updated_at", Instant)];
const REMINDERS: &[Column] =
    &[col("summons", Text), col("kind", Text), col("due_at", Instant), col("person_id", Int), col("done_at", Instant)];
const LOGIN_THROTTLE: &[Column] = &[col("key", Bytes), col("failures", Int), col("last_failure_at", Instant)];
const CORRECTIONS: &[Column] = &[
    col("id", Int),
    col("person_id", Int),
    col("commissariat", Text),
    col("subject", Text),
    col("request", Bytes),
    col("filed_at", Instant),
    col("due_at", Instant),
    col("answered_at", Instant),
    col("answer", Bytes),
];

impl Table {
    pub const ALL: [Table; 28] = [
        Table::Persons,
        Table::PersonHistory,
        Table::Rollout,
        Table::SummonsCounters,
        Table::Summonses,
        Table::Measures,
        Table::Events,
        Table::Users,
        Table::Sessions,
        Table::Devices,
        Table::Agencies,
        Table::AgencyKinds,
        Table::ApiKeys,
        Table::LoginThrottle,
        Table::Corrections,
        Table::TreeHashes,
        Table::TreeSize,
        Table::Checkpoints,
        Table::Extracts,
        Table::Deliveries,
        Table::DeadLetters,
        Table::Campaigns,
        Table::CampaignRegions,
        Table::CampaignMembers,
        Table::Notices,
        Table::NoticeMail,
        Table::NoticePreferences,
        Table::Reminders,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Table::Persons => "persons",
            Table::PersonHistory => "person_history",
            Table::Rollout => "rollout",
            Table::SummonsCounters => "summons_counters",
            Table::Summonses => "summonses",
            Table::Measures => "measures",
            Table::Events => "events",
            Table::Users => "users",
            Table::Sessions => "sessions",
            Table::Devices => "devices",
            Table::ApiKeys => "api_keys",
            Table::LoginThrottle => "login_throttle",
            Table::Corrections => "corrections",
            Table::TreeHashes => "tree_hashes",
            Table::TreeSize => "tree_size",
            Table::Checkpoints => "checkpoints",
            Table::Extracts => "extracts",
            Table::Agencies => "agencies",
            Table::AgencyKinds => "agency_kinds",
            Table::Deliveries => "deliveries",
            Table::DeadLetters => "dead_letters",
            Table::Campaigns => "campaigns",
            Table::CampaignRegions => "campaign_regions",
            Table::CampaignMembers => "campaign_members",
            Table::Notices => "notices",
            Table::NoticeMail => "notice_mail",
            Table::NoticePreferences => "notice_preferences",
            Table::Reminders => "reminders",
        }
    }

    /// The columns every backend keeps, in image order.
    pub fn columns(self) -> &'static [Column] {
        match self {
            Table::Persons => PERSONS,
            Table::PersonHistory => PERSON_HISTORY,
            Table::Rollout => ROLLOUT,
            Table::SummonsCounters => SUMMONS_COUNTERS,
            Table::Summonses => SUMMONSES,
            Table::Measures => MEASURES,
            Table::Events => EVENTS,
            Table::Users => USERS,
            Table::Sessions => SESSIONS,
            Table::Devices => DEVICES,
            Table::ApiKeys => API_KEYS,
            Table::LoginThrottle => LOGIN_THROTTLE,
            Table::Corrections => CORRECTIONS,
            Table::TreeHashes => TREE_HASHES,
            Table::TreeSize => TREE_SIZE,
            Table::Checkpoints => CHECKPOINTS,
            Table::Extracts => EXTRACTS,
            Table::Agencies => AGENCIES,
            Table::AgencyKinds => AGENCY_KINDS,
            Table::Deliveries => DELIVERIES,
            Table::DeadLetters => DEAD_LETTERS,
            Table::Campaigns => CAMPAIGNS,
            Table::CampaignRegions => CAMPAIGN_REGIONS,
            Table::CampaignMembers => CAMPAIGN_MEMBERS,
            Table::Notices => NOTICES,
            Table::NoticeMail => NOTICE_MAIL,
            Table::NoticePreferences => NOTICE_PREFERENCES,
            Table::Reminders => REMINDERS,
        }
    }

    /// The columns that order the table's rows in the image (its key).
    pub fn order_by(self) -> &'static str {
        match self {
            Table::Persons
            | Table::PersonHistory
            | Table::Summonses
            | Table::Measures
            | Table::Users
            | Table::ApiKeys
            | Table::Corrections
            | Table::TreeSize
            | Table::Checkpoints
            | Table::Agencies
            | Table::Deliveries
            | Table::Campaigns
            | Table::Notices
            | Table::NoticeMail => "id",
            Table::CampaignRegions => "campaign_id, region",
            Table::CampaignMembers => "campaign_id, person_id",
            Table::NoticePreferences => "person_id",
            Table::Reminders => "summons, kind, due_at",
            Table::AgencyKinds => "agency_id, kind",
            Table::DeadLetters => "agency_id, seq",
            Table::TreeHashes => "idx",
            Table::Extracts => "number",
            Table::Rollout => "region",
            Table::SummonsCounters => "region, year",
            Table::Events => "seq",
            Table::Sessions | Table::Devices => "token_hash",
            Table::LoginThrottle => "key",
        }
    }
}

impl std::fmt::Display for Table {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// One value of the image.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Cell {
    Null,
    Int(i64),
    Text(String),
    Bytes(Vec<u8>),
}

/// One row of a table, its cells in the order of [`Table::columns`].
pub type ImageRow = Vec<Cell>;

/// The number of rows of a table and the SHA-256 of its rows in key order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableDigest {
    pub table: Table,
    pub rows: u64,
    pub sha256: String,
}

/// Feeds rows, in key order, into a digest. Each cell is tagged and its text length-prefixed, so
/// no two different tables of rows hash alike.
#[derive(Debug)]
pub struct Digester {
    table: Table,
    rows: u64,
    hash: Sha256,
}

impl Digester {
    pub fn new(table: Table) -> Digester {
        Digester { table, rows: 0, hash: Sha256::new() }
    }

    pub fn add(&mut self, row: &[Cell]) {
        self.rows += 1;
        for cell in row {
            match cell {
                Cell::Null => self.hash.update([0]),
                Cell::Int(n) => {
                    self.hash.update([1]);
                    self.hash.update(n.to_be_bytes());
                }
                Cell::Text(s) => {
                    self.hash.update([2]);
                    self.hash.update((s.len() as u64).to_be_bytes());
                    self.hash.update(s.as_bytes());
                }
                Cell::Bytes(b) => {
                    self.hash.update([3]);
                    self.hash.update((b.len() as u64).to_be_bytes());
                    self.hash.update(b);
                }
            }
        }
    }

    pub fn finish(self) -> TableDigest {
        TableDigest { table: self.table, rows: self.rows, sha256: hex::encode(self.hash.finalize()) }
    }
}

/// The digest of every table, from one consistent snapshot.
pub fn digests(tx: &mut dyn ReadTx) -> Result<Vec<TableDigest>> {
    Table::ALL
        .into_iter()
        .map(|table| {
            let mut d = Digester::new(table);
            tx.dump(table, &mut |row| {
                d.add(&row);
                Ok(())
            })?;
            Ok(d.finish())
        })
        .collect()
}

/// The digest of every table of a store.
pub fn store_digests(store: &dyn Store) -> Result<Vec<TableDigest>> {
    let mut out = Vec::new();
    store.read(&mut |tx| {
        out = digests(tx)?;
        Ok(())
    })?;
    Ok(out)
}

/// Rows restored per call of [`WriteTx::restore`].
const RESTORE_BATCH: usize = 10_000;

/// What a copy did: the digest of each table on both sides (equal, or the copy fails).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CopyReport {
    pub source: Vec<TableDigest>,
    pub target: Vec<TableDigest>,
}

/// Copies a whole register, from one snapshot of `from`, into `to` in one transaction, then
/// checks that every table has the same rows on both sides (counts and digests, which for the
/// log means the same events with the same sequence numbers in the same order). `to` must hold
/// no persons, summonses or events; its rollout states are replaced by the source's.
/// `progress` receives each table and the rows copied so far.
pub fn copy(from: &dyn Store, to: &dyn Store, progress: &mut dyn FnMut(Table, u64)) -> Result<CopyReport> {
    from.read(&mut |source| {
        to.write(&mut |target| {
            if target.count_persons()? > 0 || target.last_seq()? > 0 || !target.status_counts()?.is_empty() {
                return Err(StoreError::NotEmpty);
            }
            for table in Table::ALL {
                let mut batch = Vec::with_capacity(RESTORE_BATCH);
                let mut copied = 0u64;
                source.dump(table, &mut |row| {
                    batch.push(row);
                    if batch.len() == RESTORE_BATCH {
                        copied += batch.len() as u64;
                        target.restore(table, &std::mem::take(&mut batch))?;
                        progress(table, copied);
                    }
                    Ok(())
                })?;
                if !batch.is_empty() {
                    copied += batch.len() as u64;
                    target.restore(table, &batch)?;
                }
                progress(table, copied);
            }
            target.finish_restore()
        })
    })?;
    to.refresh_statistics()?;
    let report = CopyReport { source: store_digests(from)?, target: store_digests(to)? };
    if report.source != report.target {
        let differ: Vec<String> = report
            .source
            .iter()
            .zip(&report.target)
            .filter(|(a, b)| a != b)
            .map(|(a, b)| format!("{} ({} rows against {})", a.table, a.rows, b.rows))
            .collect();
        return Err(StoreError::CopyMismatch(differ.join(", ")));
    }
    Ok(report)
}

/// Reads a cell of an image row that must be an integer.
pub fn int(row: &[Cell], i: usize) -> Result<Option<i64>> {
    match row.get(i) {
        Some(Cell::Int(n)) => Ok(Some(*n)),
        Some(Cell::Null) => Ok(None),
        _ => Err(StoreError::Corrupt(format!("image column {i}: expected an integer"))),
    }
}

/// Reads a cell of an image row that must be text.
pub fn text(row: &[Cell], i: usize) -> Result<Option<&str>> {
    match row.get(i) {
        Some(Cell::Text(s)) => Ok(Some(s)),
        Some(Cell::Null) => Ok(None),
        _ => Err(StoreError::Corrupt(format!("image column {i}: expected text"))),
    }
}

/// Every column of every table, for a backend to check its schema against.
pub fn all_columns() -> impl Iterator<Item = (Table, Column)> {
    Table::ALL.into_iter().flat_map(|t| t.columns().iter().map(move |c| (t, *c)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digests_tell_cells_apart() {
        let digest = |rows: &[Vec<Cell>]| {
            let mut d = Digester::new(Table::Events);
            rows.iter().for_each(|r| d.add(r));
            d.finish().sha256
        };
        let a = digest(&[vec![Cell::Text("ab".into()), Cell::Text("c".into())]]);
        let b = digest(&[vec![Cell::Text("a".into()), Cell::Text("bc".into())]]);
        let c = digest(&[vec![Cell::Null, Cell::Int(0)]]);
        let d = digest(&[vec![Cell::Int(0), Cell::Null]]);
        assert!(a != b && c != d && a != c);
        assert_eq!(a, digest(&[vec![Cell::Text("ab".into()), Cell::Text("c".into())]]));
    }

    #[test]
    fn tables_refer_only_backwards() {
        assert!(Table::ALL.windows(2).all(|w| w[0] < w[1]));
        assert!(all_columns().count() > 40);
    }
}
