//! Measures reaching the agencies that enforce them: the outbox written with each measure event,
//! the pull feed by cursor, webhook batches with their retries and dead letters, confirmations,
//! and the breaches of the 24-hour rule.
//!
//! Every item identifies the person (name, birth date, passport), so handing it over is a read of
//! the record: the first time an item reaches its agency, by either channel, a `record_read`
//! event with the agency as actor and the purpose "enforcement of KIND" is appended in the same
//! transaction.

use std::collections::HashMap;

use jiff::{SignedDuration, Timestamp};
use reestr_core::{
    access::{AccessError, Principal, Role, Scope},
    event::{Actor, Event, EventKind},
    measure::{LiftCause, MeasureKind, Trigger},
    person::{Field, PersonId},
    summons::{Change, SummonsNumber},
};
use serde::Serialize;
use serde_json::json;

use super::{Register, agencies::SECRET_CONTEXT, event, not_found};
use crate::{
    Result, StoreError,
    store::{AgencyRow, DeadLetterRow, DeliveryRow, NewDelivery, UnconfirmedFilter, WriteTx},
    time::truncate,
};

/// An agency confirms an item within this time of its delivery, or it is a breach.
pub const CONFIRM_WITHIN: SignedDuration = SignedDuration::from_hours(24);
/// A webhook delivery is retried for at least this long before it becomes a dead letter.
pub const RETRY_WINDOW: SignedDuration = SignedDuration::from_hours(72);
/// The first retry waits this long; each next one twice as long, up to [`MAX_BACKOFF`].
pub const FIRST_BACKOFF: SignedDuration = SignedDuration::from_secs(5);
pub const MAX_BACKOFF: SignedDuration = SignedDuration::from_hours(1);
/// How long a dispatcher holds an agency while it sends a batch (another one skips it).
pub const CLAIM: SignedDuration = SignedDuration::from_secs(120);
/// The most items a feed page or a confirmation may hold.
pub const MAX_PAGE: usize = 1000;

/// The fields an item shows to identify the person.
pub const IDENTITY_FIELDS: [Field; 6] = [
    Field::Surname,
    Field::GivenName,
    Field::Patronymic,
    Field::BirthDate,
    Field::PassportSeries,
    Field::PassportNumber,
];

/// Who the measure concerns, as an agency needs to enforce it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PersonIdentity {
    pub surname: String,
    pub given_name: String,
    pub patronymic: Option<String>,
    pub birth_date: String,
    /// Series and number: `4506 123456`.
    pub passport: String,
}

/// One measure started or lifted, as an agency receives it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FeedItem {
    /// The event's position in the log: stable, the same on every delivery of the item.
    pub id: u64,
    /// `measure_started` or `measure_lifted`.
    #[serde(rename = "type")]
    pub change: EventKind,
    pub kind: MeasureKind,
    /// When it takes effect in law.
    pub at: Timestamp,
    /// When the register recorded it.
    pub recorded_at: Timestamp,
    pub summons: SummonsNumber,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trigger: Option<Trigger>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cause: Option<LiftCause>,
    pub person: PersonIdentity,
}

/// A page of an agency's feed and the cursor to ask after next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedPage {
    pub items: Vec<FeedItem>,
    pub cursor: u64,
}

/// What became of the ids an agency confirmed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Confirmation {
    pub confirmed: Vec<u64>,
    pub already: Vec<u64>,
    pub unknown: Vec<u64>,
}

/// A delivery not confirmed in time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Breach {
    pub delivery: DeliveryRow,
    pub agency: String,
    pub due_at: Timestamp,
}

/// Items to push to one agency's webhook, in order: replays first, then the pending ones.
#[derive(Debug, Clone)]
pub struct PushBatch {
    pub agency: i64,
    pub name: String,
    pub url: String,
    /// The raw signing secret.
    pub secret: Vec<u8>,
    pub items: Vec<PushItem>,
}

#[derive(Debug, Clone)]
pub struct PushItem {
    pub item: FeedItem,
    /// A dead letter sent again at an admin's request.
    pub replay: bool,
}

/// How one push went: delivered, or failed with a reason (no personal data in it).
pub type PushResult = std::result::Result<(), String>;

/// The wait before the next attempt after `failures` failures in a row.
pub fn backoff(failures: u32) -> SignedDuration {
    let exp = failures.saturating_sub(1).min(20);
    let secs = FIRST_BACKOFF.as_secs().saturating_mul(1 << exp);
    SignedDuration::from_secs(secs).min(MAX_BACKOFF)
}

/// The name of the agency a principal acts for (an enforcing agency's key).
fn agency_name(who: &Principal) -> Result<&str> {
    match (&who.role, &who.scope) {
        (Role::Agency, Scope::Agency { name, .. }) => Ok(name),
        _ => Err(AccessError::Forbidden.into()),
    }
}

fn purpose(kind: &str) -> String {
    format!("enforcement of {kind}")
}

impl Register {
    /// Adds the deliveries of a measure change just appended to the log (at `seq`).
    pub(super) fn enqueue(
        &self,
        tx: &mut dyn WriteTx,
        seq: u64,
        change: &Change,
        person: PersonId,
        summons: &SummonsNumber,
        now: Timestamp,
    ) -> Result<()> {
        let kind = match change {
            Change::MeasureStarted { kind, .. } | Change::MeasureLifted { kind, .. } => kind,
            _ => return Ok(()),
        };
        let region =
            i64::from(summons.as_str()[..2].parse::<u8>().map_err(|_| StoreError::Corrupt("summons number".into()))?);
        tx.enqueue_delivery(&NewDelivery { seq, kind: kind.to_string(), person, region, created_at: now })
    }

    fn live_agency(&self, tx: &mut dyn WriteTx, who: &Principal) -> Result<AgencyRow> {
        let name = agency_name(who)?;
        tx.agency_by_name(name)?.filter(|a| a.disabled_at.is_none()).ok_or_else(|| AccessError::Forbidden.into())
    }

    /// Turns deliveries into items; logs the read of the person's identity for each item handed
    /// over for the first time.
    fn hand_over(
        &self,
        tx: &mut dyn WriteTx,
        agency: &AgencyRow,
        actor: &Actor,
        rows: Vec<(DeliveryRow, Event)>,
        now: Timestamp,
    ) -> Result<Vec<FeedItem>> {
        let reader = Principal {
            actor: actor.clone(),
            role: Role::Agency,
            scope: Scope::Agency { name: agency.name.clone(), kinds: super::agencies::parse_kinds(agency)? },
        };
        let mut people: HashMap<PersonId, PersonIdentity> = HashMap::new();
        let mut items = Vec::with_capacity(rows.len());
        let mut disclosed = Vec::new();
        for (d, e) in rows {
            let identity = match people.get(&d.person) {
                Some(p) => p.clone(),
                None => {
                    let p = self.identity(tx, d.person)?;
                    people.insert(d.person, p.clone());
                    p
                }
            };
            if d.disclosed_at.is_none() {
                let payload = json!({
                    "role": Role::Agency, "purpose": purpose(&d.kind), "fields": IDENTITY_FIELDS, "delivery": d.seq,
                })
                .to_string();
                tx.append(&event(EventKind::RecordRead, &reader.actor, now, Some(d.person), None, &payload), now)?;
                disclosed.push(d.seq);
            }
            items.push(item_of(&e, identity)?);
        }
        if !disclosed.is_empty() {
            tx.set_disclosed(agency.id, &disclosed, now)?;
        }
        Ok(items)
    }

    fn identity(&self, tx: &mut dyn WriteTx, person: PersonId) -> Result<PersonIdentity> {
        let p = self.load_person(tx, person)?;
        let r = &p.record;
        let text = |f: Field| r.text(f).ok_or_else(|| StoreError::Corrupt(format!("person {person} lacks {f}")));
        let passport = r.passport().ok_or_else(|| StoreError::Corrupt(format!("person {person} lacks a passport")))?;
        Ok(PersonIdentity {
            surname: text(Field::Surname)?,
            given_name: text(Field::GivenName)?,
            patronymic: r.text(Field::Patronymic),
            birth_date: text(Field::BirthDate)?,
            passport: format!("{} {}", passport.series, passport.number),
        })
    }

    /// The next items of the calling agency's feed after `after` (a log position), and the
    /// cursor to ask after next. Asking after a position says the agency holds everything up to
    /// it. Items come in log order, and a reader never misses one that commits late.
    pub fn feed(&self, who: &Principal, after: u64, limit: usize, now: Timestamp) -> Result<FeedPage> {
        let now = truncate(now);
        let limit = limit.clamp(1, MAX_PAGE);
        // Log positions are stored as signed 64-bit integers.
        let after = after.min(i64::MAX as u64);
        self.write(|tx| {
            let mut agency = self.live_agency(tx, who)?;
            if after > agency.feed_cursor {
                agency.feed_cursor = after;
                tx.update_agency(&agency)?;
            }
            let rows = tx.deliveries(agency.id, after, limit)?;
            let items = self.hand_over(tx, &agency, &who.actor, rows, now)?;
            Ok(FeedPage { cursor: items.last().map_or(after, |i| i.id), items })
        })
    }

    /// The calling agency confirms that it applied these items.
    pub fn confirm(&self, who: &Principal, ids: &[u64], now: Timestamp) -> Result<Confirmation> {
        let now = truncate(now);
        if ids.len() > MAX_PAGE {
            return Err(StoreError::BadRequest(format!("confirm at most {MAX_PAGE} items at once")));
        }
        self.write(|tx| {
            let agency = self.live_agency(tx, who)?;
            let outcome = tx.confirm_deliveries(agency.id, ids, now)?;
            let mut c = Confirmation::default();
            for (id, o) in ids.iter().zip(outcome) {
                match o {
                    Some(true) => c.confirmed.push(*id),
                    Some(false) => c.already.push(*id),
                    None => c.unknown.push(*id),
                }
            }
            if !c.confirmed.is_empty() {
                let payload = json!({ "agency": agency.id, "ids": c.confirmed }).to_string();
                tx.append(&event(EventKind::DeliveriesConfirmed, &who.actor, now, None, None, &payload), now)?;
            }
            Ok(c)
        })
    }

    /// Deliveries not confirmed within 24 hours: a supervisor's region, or all for an admin.
    pub fn breaches(&self, who: &Principal, now: Timestamp, after: i64, limit: usize) -> Result<Vec<Breach>> {
        let regions = match (&who.role, &who.scope) {
            (Role::Supervisor, Scope::Region(r)) => Some(vec![i64::from(r.get())]),
            (Role::Admin | Role::Operator, _) => None,
            _ => return Err(AccessError::Forbidden.into()),
        };
        let filter =
            UnconfirmedFilter { created_before: now - CONFIRM_WITHIN, regions, after, limit: limit.clamp(1, MAX_PAGE) };
        self.read(|tx| {
            let names: HashMap<i64, String> = tx.agencies()?.into_iter().map(|a| (a.id, a.name)).collect();
            Ok(tx
                .unconfirmed(&filter)?
                .into_iter()
                .map(|d| Breach {
                    agency: names.get(&d.agency).cloned().unwrap_or_default(),
                    due_at: d.created_at + CONFIRM_WITHIN,
                    delivery: d,
                })
                .collect())
        })
    }

    // ---- webhooks ----

    /// Agencies whose webhook has something to send now.
    pub fn push_due(&self, now: Timestamp) -> Result<Vec<i64>> {
        self.read(|tx| {
            let mut due = Vec::new();
            for a in tx.agencies()? {
                if a.webhook_url.is_none() || a.disabled_at.is_some() || a.push.next_at.is_some_and(|t| t > now) {
                    continue;
                }
                let replays = tx
                    .dead_letters(a.id)?
                    .iter()
                    .any(|d| d.replay_requested_at.is_some() && d.redelivered_at.is_none());
                if replays || !tx.deliveries(a.id, a.push.cursor, 1)?.is_empty() {
                    due.push(a.id);
                }
            }
            Ok(due)
        })
    }

    /// Claims an agency for a while and gives the next items to push to it, in order (replays
    /// first), logging the reads of those handed over for the first time. `None` when nothing is
    /// due or another dispatcher holds it.
    pub fn take_push_batch(&self, agency: i64, limit: usize, now: Timestamp) -> Result<Option<PushBatch>> {
        let now = truncate(now);
        self.write(|tx| {
            let Some(mut row) = tx.agency(agency)? else { return Ok(None) };
            let (Some(url), Some(sealed)) = (row.webhook_url.clone(), row.webhook_secret.clone()) else {
                return Ok(None);
            };
            if row.disabled_at.is_some() || row.push.next_at.is_some_and(|t| t > now) {
                return Ok(None);
            }
            let replays: Vec<u64> = tx
                .dead_letters(agency)?
                .into_iter()
                .filter(|d| d.replay_requested_at.is_some() && d.redelivered_at.is_none())
                .map(|d| d.seq)
                .take(limit)
                .collect();
            let mut rows = tx.deliveries_at(agency, &replays)?;
            let replayed = rows.len();
            rows.extend(tx.deliveries(agency, row.push.cursor, limit - replays.len())?);
            if rows.is_empty() {
                return Ok(None);
            }
            row.push.next_at = Some(now + CLAIM);
            tx.update_agency(&row)?;
            let actor = Actor::agency(&row.name);
            let items = self.hand_over(tx, &row, &actor, rows, now)?;
            let secret = self.codec.open(SECRET_CONTEXT, &sealed)?;
            Ok(Some(PushBatch {
                agency,
                name: row.name.clone(),
                url,
                secret,
                items: items.into_iter().enumerate().map(|(i, item)| PushItem { item, replay: i < replayed }).collect(),
            }))
        })
    }

    /// Records how the pushes of a batch went, in the order sent (a dispatcher stops at the
    /// first failure). A failure schedules the next attempt with exponential backoff; once the
    /// failures have gone on for the retry window, the deliveries pending that long become dead
    /// letters, shown to admins and counted in the metrics, and the rest go on.
    pub fn record_push(&self, agency: i64, results: &[(u64, bool, PushResult)], now: Timestamp) -> Result<()> {
        let now = truncate(now);
        self.write(|tx| {
            let mut row = tx.agency(agency)?.ok_or_else(|| not_found("agency", agency))?;
            let mut failure = None;
            for (seq, replay, result) in results {
                match result {
                    Ok(()) if *replay => {
                        if let Some(mut d) = tx.dead_letters(agency)?.into_iter().find(|d| d.seq == *seq) {
                            d.redelivered_at = Some(now);
                            tx.update_dead_letter(&d)?;
                        }
                        row.push.last_success_at = Some(now);
                    }
                    Ok(()) => {
                        row.push.cursor = row.push.cursor.max(*seq);
                        row.push.last_success_at = Some(now);
                    }
                    Err(e) => {
                        failure = Some(e.chars().take(300).collect::<String>());
                        break;
                    }
                }
            }
            match failure {
                None => {
                    row.push.failures = 0;
                    row.push.failing_since = None;
                    row.push.next_at = None;
                }
                Some(error) => {
                    row.push.failures += 1;
                    let since = *row.push.failing_since.get_or_insert(now);
                    row.push.next_at = Some(now + backoff(row.push.failures));
                    row.push.last_error = Some(error.clone());
                    if now.duration_since(since) >= RETRY_WINDOW {
                        self.dead_letter(tx, &mut row, &error, now)?;
                    }
                }
            }
            tx.update_agency(&row)
        })
    }

    /// Sets aside the deliveries pending for the whole retry window.
    fn dead_letter(&self, tx: &mut dyn WriteTx, row: &mut AgencyRow, error: &str, now: Timestamp) -> Result<()> {
        let old: Vec<DeadLetterRow> = tx
            .deliveries(row.id, row.push.cursor, 10_000)?
            .into_iter()
            .take_while(|(d, _)| now.duration_since(d.created_at) >= RETRY_WINDOW)
            .map(|(d, _)| DeadLetterRow {
                agency: row.id,
                seq: d.seq,
                attempts: row.push.failures,
                last_error: error.to_owned(),
                dead_at: now,
                replay_requested_at: None,
                redelivered_at: None,
            })
            .collect();
        let (Some(first), Some(last)) = (old.first().map(|d| d.seq), old.last().map(|d| d.seq)) else {
            return Ok(());
        };
        tx.insert_dead_letters(&old)?;
        row.push.cursor = last;
        let payload =
            json!({ "agency": row.id, "first": first, "last": last, "count": old.len(), "error": error }).to_string();
        tx.append(&event(EventKind::DeliveriesDeadLettered, &Actor::dispatcher(), now, None, None, &payload), now)?;
        Ok(())
    }

    /// An agency's dead letters (admins).
    pub fn dead_letters(&self, who: &Principal, agency: i64) -> Result<Vec<DeadLetterRow>> {
        who.may_administer()?;
        self.read(|tx| {
            tx.agency(agency)?.ok_or_else(|| not_found("agency", agency))?;
            tx.dead_letters(agency)
        })
    }

    /// Asks for dead letters (these, or all not delivered since) to be pushed again now.
    /// Returns how many.
    pub fn replay(&self, who: &Principal, agency: i64, seqs: Option<&[u64]>, now: Timestamp) -> Result<u64> {
        let now = truncate(now);
        who.may_administer()?;
        self.write(|tx| {
            let mut row = tx.agency(agency)?.ok_or_else(|| not_found("agency", agency))?;
            let mut n = 0;
            for mut d in tx.dead_letters(agency)? {
                if d.redelivered_at.is_some() || seqs.is_some_and(|s| !s.contains(&d.seq)) {
                    continue;
                }
                d.replay_requested_at = Some(now);
                tx.update_dead_letter(&d)?;
                n += 1;
            }
            if n > 0 {
                row.push.next_at = None;
                tx.update_agency(&row)?;
                let payload = json!({ "agency": agency, "count": n, "ids": seqs }).to_string();
                tx.append(&event(EventKind::DeliveriesReplayed, &who.actor, now, None, None, &payload), now)?;
            }
            Ok(n)
        })
    }
}

/// A measure event as an item.
fn item_of(e: &Event, person: PersonIdentity) -> Result<FeedItem> {
    let change: Change = serde_json::from_value(e.payload.clone())?;
    let (kind, trigger, cause) = match change {
        Change::MeasureStarted { kind, trigger, .. } => (kind, Some(trigger), None),
        Change::MeasureLifted { kind, cause, .. } => (kind, None, Some(cause)),
        _ => return Err(StoreError::Corrupt(format!("event {} is not a measure event", e.seq))),
    };
    Ok(FeedItem {
        id: e.seq,
        change: e.kind,
        kind,
        at: e.effective_at,
        recorded_at: e.recorded_at,
        summons: e.summons.clone().ok_or_else(|| StoreError::Corrupt(format!("event {} has no summons", e.seq)))?,
        trigger,
        cause,
        person,
    })
}
