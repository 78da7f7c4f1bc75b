//! Agencies as the register knows them: the measure kinds each enforces (or a security service),
//! an optional webhook with its signing secret (sealed), disabled or not. Admins manage them;
//! API keys belong to them.

use base64::{Engine, engine::general_purpose::STANDARD as B64};
use jiff::Timestamp;
use rand::RngExt;
use reestr_core::{
    access::{AccessError, Principal, Role, Scope},
    event::EventKind,
    measure::MeasureKind,
};
use serde_json::json;

use super::{Register, event, not_found};
use crate::{
    Result, StoreError,
    store::{AgencyRow, DeliveryStats, NewDelivery, PushState, WriteTx},
    time::truncate,
};

/// What an admin gives to add an agency.
#[derive(Debug, Clone)]
pub struct NewAgency {
    /// Letters, digits, `.`, `_`, `-`; lower case; e.g. `border-service`.
    pub name: String,
    /// [`Role::Agency`] (enforces measures) or [`Role::SecurityService`] (reads with a purpose).
    pub role: Role,
    pub kinds: Vec<MeasureKind>,
    pub webhook: Option<String>,
    /// Receive every measure event of its kinds from the start of the log (the default), or
    /// only those from now on.
    pub from_start: bool,
}

/// An agency as shown: no secrets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgencyInfo {
    pub id: i64,
    pub name: String,
    pub role: Role,
    pub kinds: Vec<MeasureKind>,
    pub webhook_url: Option<String>,
    pub created_at: Timestamp,
    pub disabled_at: Option<Timestamp>,
    pub feed_cursor: u64,
    pub push: PushState,
    pub stats: DeliveryStats,
}

/// A new agency, with its webhook's signing secret shown once.
#[derive(Debug, Clone)]
pub struct AgencyCreated {
    pub agency: AgencyInfo,
    /// `whsec_...` (Standard Webhooks): the agency verifies signatures with it.
    pub webhook_secret: Option<String>,
}

/// Where the sealed webhook secret is bound.
pub(super) const SECRET_CONTEXT: &str = "webhook-secret";

fn bad(message: &str) -> StoreError {
    StoreError::BadRequest(message.to_owned())
}

fn check_name(name: &str) -> Result<String> {
    let name = name.trim().to_lowercase();
    if name.is_empty() || name.len() > 64 || !name.chars().all(|c| c.is_ascii_alphanumeric() || "._-".contains(c)) {
        return Err(bad("an agency's name is 1 to 64 letters, digits, '.', '_' or '-'"));
    }
    Ok(name)
}

/// A webhook address: http or https, no credentials, no spaces.
pub fn check_webhook_url(url: &str) -> Result<String> {
    let url = url.trim();
    let rest = url.strip_prefix("https://").or_else(|| url.strip_prefix("http://"));
    let host = rest.map(|r| r.split(['/', '?', '#']).next().unwrap_or(""));
    let ok = url.len() <= 2000
        && host.is_some_and(|h| !h.is_empty() && !h.contains('@'))
        && !url.chars().any(|c| c.is_whitespace() || c.is_control());
    if ok { Ok(url.to_owned()) } else { Err(bad("a webhook is an http:// or https:// address without credentials")) }
}

/// A new signing secret: 32 random bytes, as Standard Webhooks writes it.
fn new_secret() -> ([u8; 32], String) {
    let raw: [u8; 32] = rand::rng().random();
    let text = format!("whsec_{}", B64.encode(raw));
    (raw, text)
}

pub(super) fn parse_kinds(row: &AgencyRow) -> Result<Vec<MeasureKind>> {
    row.kinds
        .iter()
        .map(|k| k.parse().map_err(|e: reestr_core::measure::UnknownMeasure| StoreError::Corrupt(e.to_string())))
        .collect()
}

pub(super) fn parse_role(row: &AgencyRow) -> Result<Role> {
    row.role.parse().map_err(|e: AccessError| StoreError::Corrupt(e.to_string()))
}

/// The scope an agency's keys act in.
pub(super) fn scope_of(row: &AgencyRow) -> Result<(Role, Scope)> {
    let role = parse_role(row)?;
    Ok(match role {
        Role::Agency => (role, Scope::Agency { name: row.name.clone(), kinds: parse_kinds(row)? }),
        _ => (role, Scope::All),
    })
}

impl Register {
    fn agency_info(&self, row: &AgencyRow, stats: Option<DeliveryStats>) -> Result<AgencyInfo> {
        Ok(AgencyInfo {
            id: row.id,
            name: row.name.clone(),
            role: parse_role(row)?,
            kinds: parse_kinds(row)?,
            webhook_url: row.webhook_url.clone(),
            created_at: row.created_at,
            disabled_at: row.disabled_at,
            feed_cursor: row.feed_cursor,
            push: row.push.clone(),
            stats: stats.unwrap_or(DeliveryStats { agency: row.id, ..DeliveryStats::default() }),
        })
    }

    /// Adds an agency. An enforcing agency receives every measure event of its kinds from the
    /// start of the log (unless `from_start` is false), so it can rebuild what is in force.
    pub fn add_agency(&self, who: &Principal, new: NewAgency, now: Timestamp) -> Result<AgencyCreated> {
        let now = truncate(now);
        who.may_administer()?;
        let name = check_name(&new.name)?;
        let mut kinds = new.kinds.clone();
        kinds.sort();
        kinds.dedup();
        match new.role {
            Role::Agency if kinds.is_empty() => return Err(bad("an agency enforces at least one measure kind")),
            Role::Agency => {}
            Role::SecurityService if kinds.is_empty() && new.webhook.is_none() => {}
            Role::SecurityService => return Err(bad("a security service enforces no measures and has no webhook")),
            _ => return Err(bad("an agency's role is agency or security_service")),
        }
        let webhook = new.webhook.as_deref().map(check_webhook_url).transpose()?;
        let secret = webhook.as_ref().map(|_| new_secret());
        let sealed = secret.as_ref().map(|(raw, _)| self.codec.seal(SECRET_CONTEXT, raw)).transpose()?;
        let row = AgencyRow {
            id: 0,
            name: name.clone(),
            role: new.role.to_string(),
            kinds: kinds.iter().map(|k| k.to_string()).collect(),
            webhook_url: webhook.clone(),
            webhook_secret: sealed,
            created_at: now,
            disabled_at: None,
            feed_cursor: 0,
            push: PushState::default(),
        };
        let row = self.write(|tx| {
            if tx.agency_by_name(&name)?.is_some() {
                return Err(bad("an agency of that name exists"));
            }
            let id = tx.insert_agency(&row)?;
            let backfilled = if new.from_start { self.backfill(tx, id, &row.kinds, now)? } else { 0 };
            let payload = json!({
                "agency": id, "name": name, "role": new.role, "kinds": kinds, "webhook": webhook,
                "from": if new.from_start { "start" } else { "now" }, "backfilled": backfilled,
            })
            .to_string();
            tx.append(&event(EventKind::AgencyAdded, &who.actor, now, None, None, &payload), now)?;
            tx.agency(id)?.ok_or_else(|| not_found("agency", id))
        })?;
        Ok(AgencyCreated { agency: self.agency_info(&row, None)?, webhook_secret: secret.map(|(_, t)| t) })
    }

    /// Delivers every measure event of the kinds so far to a new agency.
    fn backfill(&self, tx: &mut dyn WriteTx, agency: i64, kinds: &[String], now: Timestamp) -> Result<u64> {
        let mut after = 0;
        let mut n = 0;
        loop {
            let page = tx.measure_events(after, 5_000)?;
            let Some(last) = page.last() else { return Ok(n) };
            after = last.seq;
            for e in page {
                let Some(d) = delivery_of(&e, now)? else { continue };
                if kinds.contains(&d.kind) {
                    tx.insert_delivery(agency, &d)?;
                    n += 1;
                }
            }
        }
    }

    /// Every agency with its delivery counts (`now` decides which unconfirmed ones are overdue).
    pub fn agencies(&self, who: &Principal, now: Timestamp) -> Result<Vec<AgencyInfo>> {
        who.may_administer()?;
        self.agencies_with_stats(now)
    }

    /// Every agency with its counts, for the register's own metrics.
    pub fn agencies_with_stats(&self, now: Timestamp) -> Result<Vec<AgencyInfo>> {
        let (rows, stats) =
            self.read(|tx| Ok((tx.agencies()?, tx.delivery_stats(now - super::deliveries::CONFIRM_WITHIN)?)))?;
        rows.iter().map(|r| self.agency_info(r, stats.iter().find(|s| s.agency == r.id).cloned())).collect()
    }

    pub fn agency_by_name(&self, who: &Principal, name: &str, now: Timestamp) -> Result<AgencyInfo> {
        let name = name.trim().to_lowercase();
        self.agencies(who, now)?.into_iter().find(|a| a.name == name).ok_or_else(|| not_found("agency", name))
    }

    /// Sets (or with `None` removes) an agency's webhook. A new address gets a new signing
    /// secret, returned once; pushes start with the deliveries made from now on (the earlier ones
    /// stay in the feed).
    pub fn set_webhook(&self, who: &Principal, id: i64, url: Option<&str>, now: Timestamp) -> Result<Option<String>> {
        let now = truncate(now);
        who.may_administer()?;
        let url = url.map(check_webhook_url).transpose()?;
        let secret = url.as_ref().map(|_| new_secret());
        let sealed = secret.as_ref().map(|(raw, _)| self.codec.seal(SECRET_CONTEXT, raw)).transpose()?;
        self.write(|tx| {
            let mut row = tx.agency(id)?.ok_or_else(|| not_found("agency", id))?;
            if parse_role(&row)? != Role::Agency && url.is_some() {
                return Err(bad("only an agency that enforces measures has a webhook"));
            }
            row.webhook_url = url.clone();
            row.webhook_secret = sealed.clone();
            let cursor = tx.last_seq()?;
            row.push = PushState { cursor, ..PushState::default() };
            tx.update_agency(&row)?;
            let payload = json!({ "agency": id, "webhook": url, "push_from": cursor }).to_string();
            tx.append(&event(EventKind::AgencyChanged, &who.actor, now, None, None, &payload), now)?;
            Ok(())
        })?;
        Ok(secret.map(|(_, t)| t))
    }

    /// Disables an agency (its keys stop working, nothing is pushed to it, its unconfirmed
    /// deliveries leave the supervisors' lists) or enables it again. Deliveries keep being made
    /// for it meanwhile, so nothing is missing when it is enabled.
    pub fn set_agency_disabled(&self, who: &Principal, id: i64, disabled: bool, now: Timestamp) -> Result<bool> {
        let now = truncate(now);
        who.may_administer()?;
        self.write(|tx| {
            let mut row = tx.agency(id)?.ok_or_else(|| not_found("agency", id))?;
            if row.disabled_at.is_some() == disabled {
                return Ok(false);
            }
            row.disabled_at = disabled.then_some(now);
            tx.update_agency(&row)?;
            let payload = json!({ "agency": id, "disabled": disabled }).to_string();
            tx.append(&event(EventKind::AgencyChanged, &who.actor, now, None, None, &payload), now)?;
            Ok(true)
        })
    }
}

/// The delivery a measure event makes, if it is one.
pub(super) fn delivery_of(e: &reestr_core::event::Event, now: Timestamp) -> Result<Option<NewDelivery>> {
    if !matches!(e.kind, EventKind::MeasureStarted | EventKind::MeasureLifted) {
        return Ok(None);
    }
    let (Some(person), Some(summons), Some(kind)) = (e.person, e.summons.as_ref(), e.payload["kind"].as_str()) else {
        return Err(StoreError::Corrupt(format!("measure event {} lacks its person, summons or kind", e.seq)));
    };
    let region: i64 = summons.as_str()[..2].parse().map_err(|_| StoreError::Corrupt("summons number".into()))?;
    Ok(Some(NewDelivery { seq: e.seq, kind: kind.to_owned(), person, region, created_at: now }))
}
