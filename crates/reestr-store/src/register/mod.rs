//! The register's use cases, written once over [`Store`].
//!
//! Each use case runs in one transaction, checks access with the pure rules of
//! `reestr_core::access` inside it, seals personal data with the [`Codec`], and appends its events
//! to the log in the same transaction.

mod agencies;
mod auth;
mod border;
mod campaigns;
mod corrections;
mod dashboard;
mod deliveries;
mod keys;
mod notices;
mod persons;
mod summonses;

use std::{collections::BTreeMap, sync::Arc};

use jiff::Timestamp;
use reestr_core::{
    access::{AccessError, Principal},
    event::{Actor, Event, EventKind},
    person::{Person, PersonId},
    policy::PolicyBook,
    region::{Directory, RegionCode, Rollout},
    summons::{Status, SummonsNumber},
};
use serde_json::json;

pub use agencies::{AgencyCreated, AgencyInfo, NewAgency, check_webhook_url};
pub use auth::{
    ABSOLUTE_TIMEOUT, AuthError, Credentials, IDLE_TIMEOUT, KeyCreated, LoginOutcome, NewUser, Session, UserInfo,
    hash_password, totp_code,
};
pub use border::MeasureInForce;
pub use campaigns::{
    BatchReport, Campaign, DryRun, MAX_SAMPLE, RegionDryRun, RegionProgress, SAMPLE_FIELDS, SampleEntry,
};
pub use corrections::CorrectionView;
pub use dashboard::{DayCounts, RegionActivity};
pub use deliveries::{
    Breach, CLAIM, CONFIRM_WITHIN, Confirmation, FeedItem, FeedPage, IDENTITY_FIELDS, MAX_PAGE, PersonIdentity,
    PushBatch, PushItem, PushResult, RETRY_WINDOW, backoff,
};
pub use keys::ResealReport;
pub use notices::{
    CheckedNotice, InboxItem, MAIL_CLAIM, MAIL_RETRY_WINDOW, MAX_INBOX_PAGE, MailItem, MailResult, MailState,
};
pub use persons::{HistoryEntry, ImportRow, PersonSummary, RowOutcome, SUMMARY_FIELDS, Search};
pub use summonses::ClockReport;

use crate::{
    Codec, Result, StoreError,
    store::{NewEvent, ReadTx, Store, WriteTx},
    time::truncate,
};

/// Counts for dashboards and the demo.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stats {
    pub persons: u64,
    pub summonses: BTreeMap<Status, u64>,
    pub measures_in_force: u64,
    pub last_event: u64,
}

/// The register: the use cases over a backend, with the keys that protect personal data.
#[derive(Debug, Clone)]
pub struct Register {
    store: Arc<dyn Store>,
    codec: Codec,
    dir: &'static Directory,
    policies: &'static PolicyBook,
}

impl From<AccessError> for StoreError {
    fn from(e: AccessError) -> Self {
        StoreError::Access(e)
    }
}

impl Register {
    pub fn new(store: Arc<dyn Store>, codec: Codec) -> Register {
        Register { store, codec, dir: Directory::builtin(), policies: PolicyBook::builtin() }
    }

    /// The backend, for use cases written in other crates (the ledger, extracts).
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    pub fn directory(&self) -> &'static Directory {
        self.dir
    }

    pub fn policies(&self) -> &'static PolicyBook {
        self.policies
    }

    pub fn codec(&self) -> &Codec {
        &self.codec
    }

    fn write<T>(&self, mut f: impl FnMut(&mut dyn WriteTx) -> Result<T>) -> Result<T> {
        let mut out = None;
        self.store.write(&mut |tx| {
            out = Some(f(tx)?);
            Ok(())
        })?;
        out.ok_or_else(|| StoreError::Backend("the transaction did not run".into()))
    }

    fn read<T>(&self, mut f: impl FnMut(&mut dyn ReadTx) -> Result<T>) -> Result<T> {
        let mut out = None;
        self.store.read(&mut |tx| {
            out = Some(f(tx)?);
            Ok(())
        })?;
        out.ok_or_else(|| StoreError::Backend("the transaction did not run".into()))
    }

    fn load_person(&self, tx: &mut dyn ReadTx, id: PersonId) -> Result<Person> {
        let stored = tx.person(id)?.ok_or_else(|| not_found("person", id))?;
        Ok(Person { id: stored.id, record: self.codec.decode_record(&stored.record)? })
    }

    // ---- regions ----

    pub fn rollout(&self) -> Result<BTreeMap<RegionCode, Rollout>> {
        self.read(|tx| tx.rollout())
    }

    /// Switches a region's rollout state; returns whether it changed.
    pub fn set_rollout(&self, who: &Principal, region: RegionCode, state: Rollout, now: Timestamp) -> Result<bool> {
        let now = truncate(now);
        self.dir.region(region)?;
        who.may_set_rollout(region)?;
        self.write(|tx| {
            let before = tx.rollout()?.get(&region).copied();
            if before == Some(state) {
                return Ok(false);
            }
            tx.set_rollout(region, state, now)?;
            let payload = json!({ "region": region, "from": before, "to": state }).to_string();
            tx.append(&event(EventKind::RolloutChanged, &who.actor, now, None, None, &payload), now)?;
            Ok(true)
        })
    }

    // ---- the log ----

    pub fn events(&self, after: u64, limit: usize) -> Result<Vec<Event>> {
        self.read(|tx| tx.events(after, limit))
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
    NewEvent { kind, actor, effective_at, person, summons, payload, salt: crate::Salt::random() }
}
