//! The events of the append-only log: every change to the register, each with its actor.

use std::{fmt, str::FromStr};

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::{person::PersonId, summons::SummonsNumber};

/// What an event records. The names are stable: they are stored and published.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    PersonCreated,
    PersonUpdated,
    SummonsPosted,
    SummonsServed,
    SummonsOverdue,
    SummonsAppeared,
    SummonsExcused,
    SummonsCancelled,
    MeasureStarted,
    MeasureLifted,
    RolloutChanged,
    /// A person's record read by anyone but that person.
    RecordRead,
    CorrectionFiled,
    CorrectionAnswered,
    UserAdded,
    UserDisabled,
    KeyCreated,
    KeyRevoked,
    KeysRotated,
    /// An extract was issued; the event commits to its signed content by digest.
    ExtractIssued,
    /// An agency that enforces measures (or a security service) became known to the register.
    AgencyAdded,
    /// An agency's webhook, or whether it is disabled, changed.
    AgencyChanged,
    /// An agency confirmed that it applied delivered measures.
    DeliveriesConfirmed,
    /// Webhook deliveries that failed for the whole retry window were set aside for an admin.
    DeliveriesDeadLettered,
    /// An admin asked for set-aside deliveries to be sent again.
    DeliveriesReplayed,
    /// A campaign was created (its specification in the payload).
    CampaignCreated,
    /// Issuing a campaign's summonses began (each summons is its own `summons_posted`).
    CampaignIssueStarted,
    /// A campaign's issuing ended: every region reached its quota or ran out of persons.
    CampaignIssued,
}

impl EventKind {
    pub const ALL: [EventKind; 28] = [
        EventKind::PersonCreated,
        EventKind::PersonUpdated,
        EventKind::SummonsPosted,
        EventKind::SummonsServed,
        EventKind::SummonsOverdue,
        EventKind::SummonsAppeared,
        EventKind::SummonsExcused,
        EventKind::SummonsCancelled,
        EventKind::MeasureStarted,
        EventKind::MeasureLifted,
        EventKind::RolloutChanged,
        EventKind::RecordRead,
        EventKind::CorrectionFiled,
        EventKind::CorrectionAnswered,
        EventKind::UserAdded,
        EventKind::UserDisabled,
        EventKind::KeyCreated,
        EventKind::KeyRevoked,
        EventKind::KeysRotated,
        EventKind::ExtractIssued,
        EventKind::AgencyAdded,
        EventKind::AgencyChanged,
        EventKind::DeliveriesConfirmed,
        EventKind::DeliveriesDeadLettered,
        EventKind::DeliveriesReplayed,
        EventKind::CampaignCreated,
        EventKind::CampaignIssueStarted,
        EventKind::CampaignIssued,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::PersonCreated => "person_created",
            EventKind::PersonUpdated => "person_updated",
            EventKind::SummonsPosted => "summons_posted",
            EventKind::SummonsServed => "summons_served",
            EventKind::SummonsOverdue => "summons_overdue",
            EventKind::SummonsAppeared => "summons_appeared",
            EventKind::SummonsExcused => "summons_excused",
            EventKind::SummonsCancelled => "summons_cancelled",
            EventKind::MeasureStarted => "measure_started",
            EventKind::MeasureLifted => "measure_lifted",
            EventKind::RolloutChanged => "rollout_changed",
            EventKind::RecordRead => "record_read",
            EventKind::CorrectionFiled => "correction_filed",
            EventKind::CorrectionAnswered => "correction_answered",
            EventKind::UserAdded => "user_added",
            EventKind::UserDisabled => "user_disabled",
            EventKind::KeyCreated => "key_created",
            EventKind::KeyRevoked => "key_revoked",
            EventKind::KeysRotated => "keys_rotated",
            EventKind::ExtractIssued => "extract_issued",
            EventKind::AgencyAdded => "agency_added",
            EventKind::AgencyChanged => "agency_changed",
            EventKind::DeliveriesConfirmed => "deliveries_confirmed",
            EventKind::DeliveriesDeadLettered => "deliveries_dead_lettered",
            EventKind::DeliveriesReplayed => "deliveries_replayed",
            EventKind::CampaignCreated => "campaign_created",
            EventKind::CampaignIssueStarted => "campaign_issue_started",
            EventKind::CampaignIssued => "campaign_issued",
        }
    }
}

impl fmt::Display for EventKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown event kind {0:?}")]
pub struct UnknownEventKind(pub String);

impl FromStr for EventKind {
    type Err = UnknownEventKind;
    fn from_str(s: &str) -> Result<Self, UnknownEventKind> {
        EventKind::ALL.into_iter().find(|k| k.as_str() == s).ok_or_else(|| UnknownEventKind(s.to_owned()))
    }
}

/// Who did something: a person at a terminal, a user of the service, or the register itself.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Actor(String);

impl Actor {
    /// The legal clock.
    pub fn clock() -> Actor {
        Actor("system:clock".into())
    }

    /// Someone at the command line, by their login name.
    pub fn cli(login: &str) -> Actor {
        Actor(format!("cli:{login}"))
    }

    /// The synthetic-data generator.
    pub fn demo() -> Actor {
        Actor("system:demo".into())
    }

    /// A user of the service, by number and login name.
    pub fn user(id: i64, login: &str) -> Actor {
        Actor(format!("user:{id}:{login}"))
    }

    /// The webhook dispatcher.
    pub fn dispatcher() -> Actor {
        Actor("system:dispatcher".into())
    }

    /// An agency as a whole (e.g. the receiver of a webhook), by name.
    pub fn agency(name: &str) -> Actor {
        Actor(format!("agency:{name}"))
    }

    /// An API key, by its public id and the agency it belongs to.
    pub fn key(prefix: &str, agency: &str) -> Actor {
        Actor(format!("key:{prefix}:{agency}"))
    }

    pub fn from_stored(s: String) -> Actor {
        Actor(s)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Actor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An entry of the log, as read back.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// Position in the log: gap-free, in commit order.
    pub seq: u64,
    /// When the register recorded it.
    pub recorded_at: Timestamp,
    /// When it takes effect in law (for the clock's steps, the legal instant, which can be
    /// earlier than `recorded_at` after the register was down).
    pub effective_at: Timestamp,
    pub kind: EventKind,
    pub actor: Actor,
    pub person: Option<PersonId>,
    pub summons: Option<SummonsNumber>,
    pub payload: serde_json::Value,
}
