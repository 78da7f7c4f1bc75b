//! Notices to the citizen: written in the transaction of the event that causes them (or, for
//! reminders, by the legal clock), kept in the personal account's inbox, and sent by e-mail
//! through an outbox with one row per (notice, address), so that each address receives a notice
//! at least once, retried with backoff, and never twice.
//!
//! What a notice says is decided in `reestr_core::notice`; here it is sealed with its
//! verification code, which is found again by its keyed hash.

use std::collections::HashMap;

use jiff::{SignedDuration, Timestamp};
use reestr_core::{
    access::{AccessError, Principal, Role, Scope},
    notice::{self, Code, Content, NoticeKind, Preferences},
    person::{Field, PersonId},
    summons::{Change, Summons},
    zone::Zone,
};
use serde::{Deserialize, Serialize};

use super::{Register, deliveries::backoff};
use crate::{
    Result, StoreError,
    store::{MailRow, NoticeRow, ReminderPlan, WriteTx},
    time::truncate,
};

const NOTICE_CONTEXT: &str = "notice";
const ADDRESS_CONTEXT: &str = "notice_mail";
/// An e-mail is retried for at least this long before it is set aside.
pub const MAIL_RETRY_WINDOW: SignedDuration = SignedDuration::from_hours(72);
/// How long a sender holds the e-mails it took (another sender skips them meanwhile).
pub const MAIL_CLAIM: SignedDuration = SignedDuration::from_secs(120);
/// The most notices an inbox page holds.
pub const MAX_INBOX_PAGE: usize = 200;

/// A notice to make: to whom, for what cause (unique: a cause notified twice adds nothing), and
/// what it says.
#[derive(Debug)]
pub(super) struct Pending {
    pub person: PersonId,
    pub cause: String,
    pub content: Content,
}

/// What is sealed in a notice row.
#[derive(Debug, Serialize, Deserialize)]
struct Sealed {
    code: String,
    content: Content,
}

/// Where a notice's e-mail stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MailState {
    /// Waiting (quiet hours) or being retried.
    Pending,
    Sent,
    /// Set aside after the retry window.
    Failed,
}

/// A notice in the person's inbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InboxItem {
    pub id: i64,
    pub created_at: Timestamp,
    /// The verification code, as printed: `7KQM-2D9X-HC4T`.
    pub code: String,
    pub content: Content,
    /// Its e-mail, if one was due (the person's record has an address, and the kind is wanted).
    pub email: Option<(MailState, Option<Timestamp>)>,
}

/// What a verification code proves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedNotice {
    pub kind: NoticeKind,
    pub created_at: Timestamp,
    /// The summons number, masked unless the notice is the caller's own.
    pub summons: Option<String>,
    pub by: Option<Timestamp>,
    /// The whole content, only for the person the notice was sent to.
    pub content: Option<Content>,
}

/// An e-mail for a sender to send.
#[derive(Debug, Clone)]
pub struct MailItem {
    pub id: i64,
    pub to: String,
    pub code: String,
    pub content: Content,
    pub created_at: Timestamp,
    /// Stable for the (notice, address): the message's id, so that a resend after a lost answer
    /// is recognised as the same message by the receiving side.
    pub key: String,
}

/// How sending one e-mail went: sent, or failed with a reason (no personal data in it).
pub type MailResult = std::result::Result<(), String>;

fn own(who: &Principal) -> Result<PersonId> {
    match who.scope {
        Scope::Person(p) => Ok(p),
        _ => Err(AccessError::Forbidden.into()),
    }
}

impl Register {
    /// The zone of a person's commissariat, in which quiet hours and dates are read.
    fn person_zone(&self, tx: &mut dyn crate::ReadTx, person: PersonId) -> Result<(Zone, Option<String>)> {
        let (p, commissariat) = self.person_place(tx, person)?;
        let zone = self.dir.commissariat(&commissariat)?.zone.clone();
        Ok((zone, p.record.text(Field::Email)))
    }

    fn preferences_in(&self, tx: &mut dyn crate::ReadTx, person: PersonId) -> Result<Preferences> {
        Ok(match tx.notice_preferences(person)? {
            Some(json) => serde_json::from_str(&json)?,
            None => Preferences::default(),
        })
    }

    /// Adds a notice for its cause (once: a cause already notified adds nothing) to the inbox, and
    /// its e-mail to the outbox when the record has an address and the kind goes by e-mail.
    pub(super) fn notify(
        &self,
        tx: &mut dyn WriteTx,
        person: PersonId,
        cause: String,
        content: Content,
        now: Timestamp,
    ) -> Result<()> {
        self.notify_all(tx, vec![Pending { person, cause, content }], now)
    }

    /// [`Register::notify`] for many notices at once (a campaign's batch): the inbox rows in one
    /// call, the persons and their preferences read in one call each, the e-mails in one call.
    pub(super) fn notify_all(&self, tx: &mut dyn WriteTx, pending: Vec<Pending>, now: Timestamp) -> Result<()> {
        let mut rows = Vec::with_capacity(pending.len());
        let mut whom = Vec::with_capacity(pending.len());
        for Pending { person, cause, content } in pending {
            let code = Code::from_random(rand::random::<u64>());
            let kind = content.kind;
            let sealed = Sealed { code: code.to_string(), content };
            rows.push(NoticeRow {
                id: 0,
                person,
                kind: kind.to_string(),
                cause,
                code_hash: self.code_hash(&code),
                content: self.codec.seal(NOTICE_CONTEXT, &serde_json::to_vec(&sealed)?)?,
                created_at: now,
            });
            whom.push((person, kind));
        }
        let made: Vec<(i64, PersonId, NoticeKind)> = tx
            .insert_notices(&rows)?
            .into_iter()
            .zip(whom)
            .filter_map(|(id, (person, kind))| Some((id?, person, kind)))
            .collect();
        let mut persons: Vec<PersonId> = made.iter().map(|(_, p, _)| *p).collect();
        persons.sort();
        persons.dedup();
        if persons.is_empty() {
            return Ok(());
        }
        // The address of each person who has one, and the zone its quiet hours are read in.
        let mut places = HashMap::new();
        for stored in tx.persons(&persons)? {
            let record = self.codec.decode_record(&stored.record)?;
            let Some(address) = record.text(Field::Email) else { continue };
            let c = record.commissariat().ok_or_else(|| super::not_found("commissariat of person", stored.id))?;
            places.insert(stored.id, (self.dir.commissariat(c)?.zone.clone(), address));
        }
        if places.is_empty() {
            return Ok(());
        }
        let with_address: Vec<PersonId> = places.keys().copied().collect();
        let mut chosen = HashMap::new();
        for (person, json) in tx.notice_preferences_of(&with_address)? {
            chosen.insert(person, serde_json::from_str::<Preferences>(&json)?);
        }
        let default = Preferences::default();
        let mut mails = Vec::new();
        for (id, person, kind) in made {
            let Some((zone, address)) = places.get(&person) else { continue };
            let Some(at) = chosen.get(&person).unwrap_or(&default).email_at(kind, now, zone.tz()) else { continue };
            mails.push(MailRow {
                id: 0,
                notice: id,
                address_hash: self.codec.keyring().blind_full("email", address.to_lowercase().as_bytes()).to_vec(),
                address: self.codec.seal(ADDRESS_CONTEXT, address.as_bytes())?,
                not_before: at,
                attempts: 0,
                next_at: at,
                last_error: None,
                sent_at: None,
                dead_at: None,
            });
        }
        tx.insert_mails(&mails)
    }

    fn code_hash(&self, code: &Code) -> Vec<u8> {
        self.codec.keyring().blind_full("notice_code", code.as_str().as_bytes()).to_vec()
    }

    fn open_notice(&self, row: &NoticeRow) -> Result<Sealed> {
        Ok(serde_json::from_slice(&self.codec.open(NOTICE_CONTEXT, &row.content)?)?)
    }

    /// The notices one step of a summons causes (its changes were appended up to `last_seq`),
    /// and its reminders rescheduled as it now stands.
    pub(super) fn notify_step(
        &self,
        tx: &mut dyn WriteTx,
        summons: &Summons,
        changes: &[Change],
        last_seq: u64,
        now: Timestamp,
    ) -> Result<()> {
        let (pending, plan) = self.step_notices(summons, changes, last_seq)?;
        self.notify_all(tx, pending, now)?;
        tx.schedule_reminders_of(std::slice::from_ref(&plan))
    }

    /// What [`Register::notify_step`] writes, for a caller that writes many steps at once.
    pub(super) fn step_notices(
        &self,
        summons: &Summons,
        changes: &[Change],
        last_seq: u64,
    ) -> Result<(Vec<Pending>, ReminderPlan)> {
        let policy = self.policies.get(&summons.policy)?;
        let pending = notice::for_changes(summons, policy, changes)
            .into_iter()
            .map(|content| Pending {
                person: summons.person,
                cause: format!("event:{last_seq}:{}", content.kind),
                content,
            })
            .collect();
        let due = notice::reminders(summons, policy).into_iter().map(|(k, t)| (k.to_string(), t)).collect();
        Ok((pending, ReminderPlan { summons: summons.number.clone(), person: summons.person, due }))
    }

    /// Sends the reminders due at `now` that still hold, `batch` per transaction; those that no
    /// longer hold (the person appeared, the window moved, the instant passed while the register
    /// was down) are closed without a notice. Returns how many notices were made.
    pub(super) fn run_reminders(&self, now: Timestamp, batch: usize) -> Result<u64> {
        let mut made = 0;
        loop {
            let (n, more) = self.write(|tx| {
                let due = tx.due_reminders(now, batch)?;
                let mut n = 0;
                for r in &due {
                    let (_, s) = self.summons_in(tx, &r.summons)?;
                    let policy = self.policies.get(&s.policy)?;
                    let kind: NoticeKind = r.kind.parse()?;
                    if let Some(content) = notice::reminder(&s, policy, kind, r.due_at, now) {
                        // The instant as text with separators: no long runs of digits in clear
                        // that could pass for a document number.
                        let cause = format!("reminder:{}:{kind}:{}", r.summons, r.due_at);
                        self.notify(tx, s.person, cause, content, now)?;
                        n += 1;
                    }
                    tx.finish_reminder(&r.summons, &r.kind, r.due_at, now)?;
                }
                Ok((n, due.len() == batch))
            })?;
            made += n;
            if !more {
                return Ok(made);
            }
        }
    }

    /// Tells the person of a read of the record, where the policy in force says so (reads by a
    /// security service under `seed-2025`). `seq` is the read's event.
    pub(super) fn notify_read(
        &self,
        tx: &mut dyn WriteTx,
        who: &Principal,
        person: PersonId,
        purpose: Option<&str>,
        seq: u64,
        now: Timestamp,
    ) -> Result<()> {
        if who.role != Role::SecurityService {
            return Ok(());
        }
        let (zone, _) = self.person_zone(tx, person)?;
        let policy = self.policies.in_force_on(reestr_core::days::local_date(now, zone.tz()))?;
        if notice::tells_read(who.role, policy) {
            let content = notice::security_service_read(purpose, now, &zone);
            self.notify(tx, person, format!("event:{seq}:{}", content.kind), content, now)?;
        }
        Ok(())
    }

    /// Tells the person that a correction request was answered (`seq`: the answer's event).
    pub(super) fn notify_answer(
        &self,
        tx: &mut dyn WriteTx,
        person: PersonId,
        id: i64,
        accepted: bool,
        seq: u64,
        now: Timestamp,
    ) -> Result<()> {
        let (zone, _) = self.person_zone(tx, person)?;
        let content = notice::correction_answered(id, accepted, now, &zone);
        self.notify(tx, person, format!("event:{seq}:{}", content.kind), content, now)
    }

    // ---- the personal account ----

    /// The person's notices, newest first, with ids below `before` (a cursor).
    pub fn inbox(&self, who: &Principal, before: Option<i64>, limit: usize) -> Result<Vec<InboxItem>> {
        let person = own(who)?;
        let limit = limit.clamp(1, MAX_INBOX_PAGE);
        self.read(|tx| {
            tx.notices_of(person, before.unwrap_or(i64::MAX), limit)?
                .into_iter()
                .map(|row| {
                    let sealed = self.open_notice(&row)?;
                    let email = tx.mail_of(row.id)?.first().map(|m| match (m.sent_at, m.dead_at) {
                        (Some(t), _) => (MailState::Sent, Some(t)),
                        (None, Some(_)) => (MailState::Failed, None),
                        (None, None) => (MailState::Pending, None),
                    });
                    Ok(InboxItem {
                        id: row.id,
                        created_at: row.created_at,
                        code: sealed.code,
                        content: sealed.content,
                        email,
                    })
                })
                .collect()
        })
    }

    /// Whether a code belongs to a notice the register sent. Anyone may ask: the answer shows the
    /// kind, when it was sent, the deadline it names and the summons number masked, which the
    /// holder of the notice has already; the whole content only to the person it was sent to.
    pub fn check_notice(&self, who: Option<&Principal>, code: &str) -> Result<Option<CheckedNotice>> {
        let code: Code = code.parse()?;
        let hash = self.code_hash(&code);
        let Some(row) = self.read(|tx| tx.notice_by_code(&hash))? else { return Ok(None) };
        let sealed = self.open_notice(&row)?;
        let mine = who.is_some_and(|w| w.is_self(row.person));
        let c = sealed.content;
        Ok(Some(CheckedNotice {
            kind: c.kind,
            created_at: row.created_at,
            summons: c.summons.as_ref().map(|n| if mine { n.to_string() } else { notice::masked_summons(n) }),
            by: c.by,
            content: mine.then_some(c),
        }))
    }

    pub fn notice_preferences(&self, who: &Principal) -> Result<Preferences> {
        let person = own(who)?;
        self.read(|tx| self.preferences_in(tx, person))
    }

    pub fn set_notice_preferences(&self, who: &Principal, prefs: Preferences, now: Timestamp) -> Result<Preferences> {
        let person = own(who)?;
        let prefs = Preferences::new(prefs.email, prefs.quiet_hours)?;
        let json = serde_json::to_string(&prefs)?;
        self.write(|tx| tx.set_notice_preferences(person, &json, truncate(now)))?;
        Ok(prefs)
    }

    // ---- the e-mail sender ----

    /// Takes up to `limit` e-mails due at `now` and holds them for a while, so that another
    /// sender skips them; each comes with its address and content opened.
    pub fn take_mail(&self, limit: usize, now: Timestamp) -> Result<Vec<MailItem>> {
        let now = truncate(now);
        self.write(|tx| {
            let mut out = Vec::new();
            for mut m in tx.mail_due(now, limit)? {
                m.next_at = now + MAIL_CLAIM;
                tx.update_mail(&m)?;
                let row =
                    tx.notice(m.notice)?.ok_or_else(|| StoreError::Corrupt(format!("mail {} without notice", m.id)))?;
                let sealed = self.open_notice(&row)?;
                let to = String::from_utf8(self.codec.open(ADDRESS_CONTEXT, &m.address)?)
                    .map_err(|_| StoreError::Corrupt("an address is not UTF-8".into()))?;
                out.push(MailItem {
                    id: m.id,
                    to,
                    code: sealed.code,
                    content: sealed.content,
                    created_at: row.created_at,
                    key: format!("notice-{}-{}", m.notice, hex::encode(&m.address_hash[..8])),
                });
            }
            Ok(out)
        })
    }

    /// Records how sending went. A failure is retried with exponential backoff; one that has
    /// failed for the whole retry window is set aside (counted in the metrics). An e-mail
    /// recorded as sent stays sent.
    pub fn record_mail(&self, results: &[(i64, MailResult)], now: Timestamp) -> Result<()> {
        let now = truncate(now);
        self.write(|tx| {
            for (id, result) in results {
                let Some(mut m) = tx.mail(*id)? else { continue };
                if m.sent_at.is_some() || m.dead_at.is_some() {
                    continue;
                }
                match result {
                    Ok(()) => {
                        m.sent_at = Some(now);
                        m.last_error = None;
                    }
                    Err(e) => {
                        m.attempts += 1;
                        m.next_at = now + backoff(m.attempts);
                        m.last_error = Some(e.chars().take(300).collect());
                        if now.duration_since(m.not_before) >= MAIL_RETRY_WINDOW {
                            m.dead_at = Some(now);
                        }
                    }
                }
                tx.update_mail(&m)?;
            }
            Ok(())
        })
    }

    /// Re-seals notices' texts and e-mail addresses not under the current data key, in batches;
    /// returns how many rows changed.
    pub(super) fn reseal_notices(&self, current: u32) -> Result<u64> {
        const BATCH: usize = 2_000;
        let fresh = |context: &str, b: &[u8]| -> Result<Option<Vec<u8>>> {
            if crate::Keyring::sealed_key(b) == Some(current) {
                return Ok(None);
            }
            Ok(Some(self.codec.seal(context, &self.codec.open(context, b)?)?))
        };
        let mut changed = 0;
        for mail in [false, true] {
            let mut after = 0;
            loop {
                let (last, n) = self.write(|tx| {
                    let mut n = 0;
                    let last = if mail {
                        let page = tx.mail_after(after, BATCH)?;
                        for m in &page {
                            if let Some(address) = fresh(ADDRESS_CONTEXT, &m.address)? {
                                tx.update_mail(&MailRow { address, ..m.clone() })?;
                                n += 1;
                            }
                        }
                        page.last().map(|m| m.id)
                    } else {
                        let page = tx.notices_after(after, BATCH)?;
                        for row in &page {
                            if let Some(content) = fresh(NOTICE_CONTEXT, &row.content)? {
                                tx.reseal_notice(row.id, &content)?;
                                n += 1;
                            }
                        }
                        page.last().map(|r| r.id)
                    };
                    Ok((last, n))
                })?;
                changed += n;
                match last {
                    Some(l) => after = l,
                    None => break,
                }
            }
        }
        Ok(changed)
    }

    pub fn mail_stats(&self) -> Result<crate::MailStats> {
        self.read(|tx| tx.mail_stats())
    }
}
