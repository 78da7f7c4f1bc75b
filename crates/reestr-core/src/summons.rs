//! The summons and its life: posted → served → appeared | excused | overdue, or cancelled at any
//! point; measures started and lifted. Every step carries its instant and its cause.
//!
//! Time is a parameter. [`Summons::advance`] applies what the legal clock makes due up to an
//! instant, each step at its exact legal instant; every command first advances the summons to the
//! command's instant, so the outcome does not depend on when the clock last ran.

use std::{fmt, str::FromStr};

use jiff::{Timestamp, civil::DateTime};
use serde::{Deserialize, Serialize};

use crate::{
    ErrorCode,
    days::{DateRange, DayError},
    deadline::{DeadlineError, Deadlines, Facts, deadlines},
    measure::{LiftCause, Measure, MeasureKind, Trigger},
    person::PersonId,
    policy::{Policy, ServiceMethod},
    region::CommissariatCode,
    zone::Zone,
};

/// A summons's number, unique in the register, e.g. `62-2025-0000017`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct SummonsNumber(String);

impl SummonsNumber {
    /// The number of the `seq`-th summons of a region in a year.
    pub fn new(region: crate::region::RegionCode, year: i16, seq: u64) -> SummonsNumber {
        SummonsNumber(format!("{region}-{year:04}-{seq:07}"))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for SummonsNumber {
    type Err = SummonsError;
    fn from_str(s: &str) -> Result<Self, SummonsError> {
        let parts: Vec<&str> = s.split('-').collect();
        let ok = matches!(parts.as_slice(), [r, y, n]
            if r.len() == 2 && y.len() == 4 && n.len() >= 7
            && [r, y, n].iter().all(|p| p.bytes().all(|b| b.is_ascii_digit())));
        ok.then(|| SummonsNumber(s.to_owned())).ok_or(SummonsError::NumberFormat)
    }
}

impl TryFrom<String> for SummonsNumber {
    type Error = SummonsError;
    fn try_from(s: String) -> Result<Self, SummonsError> {
        s.parse()
    }
}

impl From<SummonsNumber> for String {
    fn from(n: SummonsNumber) -> String {
        n.0
    }
}

impl fmt::Display for SummonsNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Why the person is summoned.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Purpose {
    /// To clarify the registration records.
    ClarifyRecords,
    MedicalExamination,
    /// Call-up to military service.
    CallUp,
    /// Military training of the reserve.
    MilitaryTraining,
}

impl Purpose {
    pub const ALL: [Purpose; 4] =
        [Purpose::ClarifyRecords, Purpose::MedicalExamination, Purpose::CallUp, Purpose::MilitaryTraining];

    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::ClarifyRecords => "clarify_records",
            Purpose::MedicalExamination => "medical_examination",
            Purpose::CallUp => "call_up",
            Purpose::MilitaryTraining => "military_training",
        }
    }
}

impl FromStr for Purpose {
    type Err = SummonsError;
    fn from_str(s: &str) -> Result<Self, SummonsError> {
        Purpose::ALL.into_iter().find(|p| p.as_str() == s).ok_or_else(|| SummonsError::UnknownPurpose(s.to_owned()))
    }
}

/// Where and when (local time) the person is to appear.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Appointment {
    pub at: DateTime,
    pub address: String,
}

/// The valid reasons the law accepts for not appearing.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ValidReason {
    IllnessOrInjury,
    RelativeGraveIllnessOrFuneral,
    CircumstancesBeyondControl,
    OtherAcceptedByCommission,
}

impl ValidReason {
    pub const ALL: [ValidReason; 4] = [
        ValidReason::IllnessOrInjury,
        ValidReason::RelativeGraveIllnessOrFuneral,
        ValidReason::CircumstancesBeyondControl,
        ValidReason::OtherAcceptedByCommission,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ValidReason::IllnessOrInjury => "illness_or_injury",
            ValidReason::RelativeGraveIllnessOrFuneral => "relative_grave_illness_or_funeral",
            ValidReason::CircumstancesBeyondControl => "circumstances_beyond_control",
            ValidReason::OtherAcceptedByCommission => "other_accepted_by_commission",
        }
    }
}

impl FromStr for ValidReason {
    type Err = SummonsError;
    fn from_str(s: &str) -> Result<Self, SummonsError> {
        ValidReason::ALL.into_iter().find(|r| r.as_str() == s).ok_or_else(|| SummonsError::UnknownReason(s.to_owned()))
    }
}

/// An accepted valid reason: its evidence and the local dates it covers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Excuse {
    pub reason: ValidReason,
    pub evidence: String,
    pub covers: DateRange,
    pub recorded_at: Timestamp,
}

/// Why a summons was cancelled.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "by", rename_all = "snake_case")]
pub enum Cancellation {
    Registrar { reason: String },
    CourtDecision { reference: String },
}

impl Cancellation {
    fn lift_cause(&self) -> LiftCause {
        match self {
            Cancellation::Registrar { .. } => LiftCause::Cancellation,
            Cancellation::CourtDecision { .. } => LiftCause::CourtDecision,
        }
    }
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Posted,
    Served,
    Excused,
    Overdue,
    Appeared,
    Cancelled,
}

impl Status {
    pub const ALL: [Status; 6] =
        [Status::Posted, Status::Served, Status::Excused, Status::Overdue, Status::Appeared, Status::Cancelled];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Posted => "posted",
            Status::Served => "served",
            Status::Excused => "excused",
            Status::Overdue => "overdue",
            Status::Appeared => "appeared",
            Status::Cancelled => "cancelled",
        }
    }

    /// Appeared and cancelled summonses accept no further step.
    pub fn is_closed(self) -> bool {
        matches!(self, Status::Appeared | Status::Cancelled)
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Status {
    type Err = SummonsError;
    fn from_str(s: &str) -> Result<Self, SummonsError> {
        Status::ALL.into_iter().find(|x| x.as_str() == s).ok_or_else(|| SummonsError::UnknownStatus(s.to_owned()))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SummonsError {
    #[error("a summons number has the form RR-YYYY-NNNNNNN")]
    NumberFormat,
    #[error("unknown purpose {0:?}")]
    UnknownPurpose(String),
    #[error("unknown valid reason {0:?}")]
    UnknownReason(String),
    #[error("unknown status {0:?}")]
    UnknownStatus(String),
    #[error("the summons is {0} and accepts no further step")]
    Closed(Status),
    #[error("the summons is already served")]
    AlreadyServed,
    #[error("the summons is not served yet, so a valid reason has no report window to cover")]
    NotServed,
    #[error("the step is dated {at}, before the summons's last recorded step at {as_of}")]
    InstantInPast { at: Timestamp, as_of: Timestamp },
    #[error("service by {0} is recorded by the clock, not by hand")]
    DeemedByHand(ServiceMethod),
    #[error("{0} must not be empty")]
    Empty(&'static str),
    #[error("{0} is too long")]
    TooLong(&'static str),
    #[error("a valid reason covers at most {max} days")]
    ExcuseTooLong { max: i32 },
    #[error("a summons takes at most {max} valid reasons")]
    TooManyExcuses { max: usize },
    #[error("the summons follows policy {expected}, not {given}")]
    PolicyMismatch { expected: String, given: String },
    #[error(transparent)]
    Deadline(#[from] DeadlineError),
}

impl From<DayError> for SummonsError {
    fn from(e: DayError) -> Self {
        SummonsError::Deadline(e.into())
    }
}

impl ErrorCode for SummonsError {
    fn code(&self) -> &'static str {
        match self {
            SummonsError::NumberFormat => "summons_number_format",
            SummonsError::UnknownPurpose(_) => "unknown_purpose",
            SummonsError::UnknownReason(_) => "unknown_valid_reason",
            SummonsError::UnknownStatus(_) => "unknown_status",
            SummonsError::Closed(_) => "summons_closed",
            SummonsError::AlreadyServed => "already_served",
            SummonsError::NotServed => "not_served",
            SummonsError::InstantInPast { .. } => "instant_in_past",
            SummonsError::DeemedByHand(_) => "deemed_by_hand",
            SummonsError::Empty(_) => "empty_field",
            SummonsError::TooLong(_) => "field_too_long",
            SummonsError::ExcuseTooLong { .. } => "excuse_too_long",
            SummonsError::TooManyExcuses { .. } => "too_many_excuses",
            SummonsError::PolicyMismatch { .. } => "policy_mismatch",
            SummonsError::Deadline(e) => e.code(),
        }
    }
}

/// How the summons was served.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Service {
    pub at: Timestamp,
    pub how: ServiceMethod,
}

/// A closed summons's outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Closure {
    Appeared { at: Timestamp },
    Cancelled { at: Timestamp, cancellation: Cancellation },
}

/// What a registrar (or the person, by opening it) does to a summons.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "command", rename_all = "snake_case")]
pub enum Command {
    Serve { how: ServiceMethod },
    Appear,
    Excuse { reason: ValidReason, evidence: String, covers: DateRange },
    Cancel { cancellation: Cancellation },
}

/// One step of a summons's life, at its exact instant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "change", rename_all = "snake_case")]
pub enum Change {
    Posted { at: Timestamp },
    Served { at: Timestamp, how: ServiceMethod },
    Overdue { at: Timestamp },
    MeasureStarted { at: Timestamp, kind: MeasureKind, trigger: Trigger },
    MeasureLifted { at: Timestamp, kind: MeasureKind, cause: LiftCause },
    Appeared { at: Timestamp },
    Excused { at: Timestamp, excuse: Excuse, report_window_ends_at: Option<Timestamp> },
    Cancelled { at: Timestamp, cancellation: Cancellation },
}

impl Change {
    /// The instant the step takes effect.
    pub fn at(&self) -> Timestamp {
        match self {
            Change::Posted { at }
            | Change::Served { at, .. }
            | Change::Overdue { at }
            | Change::MeasureStarted { at, .. }
            | Change::MeasureLifted { at, .. }
            | Change::Appeared { at }
            | Change::Excused { at, .. }
            | Change::Cancelled { at, .. } => *at,
        }
    }

    /// The event kind under which the change enters the log.
    pub fn event_kind(&self) -> crate::event::EventKind {
        use crate::event::EventKind as K;
        match self {
            Change::Posted { .. } => K::SummonsPosted,
            Change::Served { .. } => K::SummonsServed,
            Change::Overdue { .. } => K::SummonsOverdue,
            Change::MeasureStarted { .. } => K::MeasureStarted,
            Change::MeasureLifted { .. } => K::MeasureLifted,
            Change::Appeared { .. } => K::SummonsAppeared,
            Change::Excused { .. } => K::SummonsExcused,
            Change::Cancelled { .. } => K::SummonsCancelled,
        }
    }
}

/// What a new summons is made of.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Draft {
    pub person: PersonId,
    pub commissariat: CommissariatCode,
    pub purpose: Purpose,
    pub appointment: Appointment,
}

/// A summons and everything that has happened to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summons {
    pub number: SummonsNumber,
    pub person: PersonId,
    pub commissariat: CommissariatCode,
    pub purpose: Purpose,
    pub appointment: Appointment,
    /// The policy in force when it was posted; it governs the summons for life.
    pub policy: String,
    /// The commissariat's zone when it was posted, in which its days are counted.
    pub zone: Zone,
    pub posted_at: Timestamp,
    pub status: Status,
    pub service: Option<Service>,
    pub excuses: Vec<Excuse>,
    pub overdue_at: Option<Timestamp>,
    pub closure: Option<Closure>,
    pub measures: Vec<Measure>,
    /// The instant up to which the summons's life has been worked out.
    pub as_of: Timestamp,
}

/// Longest span a single valid reason may cover.
pub const MAX_EXCUSE_DAYS: i32 = 366;
/// Most valid reasons one summons takes.
pub const MAX_EXCUSES: usize = 20;
const MAX_TEXT: usize = 2000;

fn check_text(name: &'static str, s: &str) -> Result<(), SummonsError> {
    if s.trim().is_empty() {
        return Err(SummonsError::Empty(name));
    }
    if s.chars().count() > MAX_TEXT {
        return Err(SummonsError::TooLong(name));
    }
    Ok(())
}

impl Summons {
    /// The appointment as an instant (a local time of the summons's zone).
    pub fn appointment_at(&self) -> Option<Timestamp> {
        self.zone.tz().to_timestamp(self.appointment.at).ok()
    }

    /// Posts a summons at `at` under `policy` in `zone`.
    pub fn post(
        number: SummonsNumber,
        draft: Draft,
        policy: &Policy,
        zone: Zone,
        at: Timestamp,
    ) -> Result<(Summons, Change), SummonsError> {
        check_text("appointment address", &draft.appointment.address)?;
        let s = Summons {
            number,
            person: draft.person,
            commissariat: draft.commissariat,
            purpose: draft.purpose,
            appointment: draft.appointment,
            policy: policy.name.clone(),
            zone,
            posted_at: at,
            status: Status::Posted,
            service: None,
            excuses: Vec::new(),
            overdue_at: None,
            closure: None,
            measures: Vec::new(),
            as_of: at,
        };
        // Refuses an appointment before posting, or a policy that cannot compute the deadlines.
        s.deadlines(policy)?;
        Ok((s, Change::Posted { at }))
    }

    fn check_policy(&self, policy: &Policy) -> Result<(), SummonsError> {
        if policy.name != self.policy {
            return Err(SummonsError::PolicyMismatch { expected: self.policy.clone(), given: policy.name.clone() });
        }
        Ok(())
    }

    /// The dates covered by accepted valid reasons.
    pub fn excused_days(&self) -> Vec<DateRange> {
        self.excuses.iter().map(|e| e.covers).collect()
    }

    /// The deadlines that follow from what is recorded so far.
    pub fn deadlines(&self, policy: &Policy) -> Result<Deadlines, SummonsError> {
        self.check_policy(policy)?;
        let excused = self.excused_days();
        let early = self.service.filter(|s| s.how != ServiceMethod::Deemed).map(|s| (s.how, s.at));
        Ok(deadlines(&Facts {
            policy,
            zone: &self.zone,
            posted_at: self.posted_at,
            appointment: Some(self.appointment.at),
            early_service: early,
            excused: &excused,
        })?)
    }

    /// The next instant at which the clock has something to do, if any.
    ///
    /// A valid reason recorded after the report window (extended by the days it covers) had
    /// already ended excuses the whole delay: such a summons has nothing more due.
    pub fn next_due(&self, policy: &Policy) -> Result<Option<Timestamp>, SummonsError> {
        let d = self.deadlines(policy)?;
        Ok(match self.status {
            Status::Posted => Some(d.served_at),
            Status::Served => Some(d.report_window_ends_at),
            Status::Excused => {
                let recorded = self.excuses.last().map(|e| e.recorded_at);
                (recorded < Some(d.report_window_ends_at)).then_some(d.report_window_ends_at)
            }
            Status::Overdue | Status::Appeared | Status::Cancelled => None,
        })
    }

    /// Applies everything the clock makes due up to and including `now`, each at its own instant.
    /// Calling it again with the same or an earlier instant changes nothing.
    pub fn advance(&mut self, policy: &Policy, now: Timestamp) -> Result<Vec<Change>, SummonsError> {
        let mut changes = Vec::new();
        while let Some(due) = self.next_due(policy)? {
            if due > now {
                break;
            }
            match self.status {
                Status::Posted => self.serve_at(policy, due, ServiceMethod::Deemed, &mut changes),
                _ => self.become_overdue(policy, due, &mut changes),
            }
        }
        if now > self.as_of {
            self.as_of = now;
        }
        Ok(changes)
    }

    /// Carries out a command recorded at `at`, after advancing the summons to `at`.
    ///
    /// Returns every change, the clock's first. On error the summons is left as it was.
    pub fn apply(&mut self, policy: &Policy, command: Command, at: Timestamp) -> Result<Vec<Change>, SummonsError> {
        if at < self.as_of {
            return Err(SummonsError::InstantInPast { at, as_of: self.as_of });
        }
        let mut next = self.clone();
        let mut changes = next.advance(policy, at)?;
        if next.status.is_closed() {
            return Err(SummonsError::Closed(next.status));
        }
        match command {
            Command::Serve { how } => {
                if how == ServiceMethod::Deemed {
                    return Err(SummonsError::DeemedByHand(how));
                }
                if next.status != Status::Posted {
                    return Err(SummonsError::AlreadyServed);
                }
                if !policy.allows_early(how) {
                    return Err(DeadlineError::ServiceMethodNotAllowed { policy: policy.name.clone(), how }.into());
                }
                next.serve_at(policy, at, how, &mut changes);
            }
            Command::Appear => {
                next.lift_all(at, LiftCause::Appearance, &mut changes);
                next.status = Status::Appeared;
                next.closure = Some(Closure::Appeared { at });
                changes.push(Change::Appeared { at });
            }
            Command::Excuse { reason, evidence, covers } => {
                if next.status == Status::Posted {
                    return Err(SummonsError::NotServed);
                }
                check_text("evidence", &evidence)?;
                if covers.days() > MAX_EXCUSE_DAYS {
                    return Err(SummonsError::ExcuseTooLong { max: MAX_EXCUSE_DAYS });
                }
                if next.excuses.len() >= MAX_EXCUSES {
                    return Err(SummonsError::TooManyExcuses { max: MAX_EXCUSES });
                }
                next.lift_all(at, LiftCause::ValidReason, &mut changes);
                let excuse = Excuse { reason, evidence, covers, recorded_at: at };
                next.excuses.push(excuse.clone());
                next.status = Status::Excused;
                next.overdue_at = None;
                let report_window_ends_at = next.next_due(policy)?;
                changes.push(Change::Excused { at, excuse, report_window_ends_at });
            }
            Command::Cancel { cancellation } => {
                match &cancellation {
                    Cancellation::Registrar { reason } => check_text("reason", reason)?,
                    Cancellation::CourtDecision { reference } => check_text("court decision", reference)?,
                }
                next.lift_all(at, cancellation.lift_cause(), &mut changes);
                next.status = Status::Cancelled;
                next.closure = Some(Closure::Cancelled { at, cancellation: cancellation.clone() });
                changes.push(Change::Cancelled { at, cancellation });
            }
        }
        *self = next;
        Ok(changes)
    }

    fn serve_at(&mut self, policy: &Policy, at: Timestamp, how: ServiceMethod, changes: &mut Vec<Change>) {
        self.service = Some(Service { at, how });
        self.status = Status::Served;
        changes.push(Change::Served { at, how });
        for (kind, trigger) in &policy.measures {
            if *trigger == Trigger::Service {
                self.start(*kind, *trigger, at, changes);
            }
        }
    }

    /// The report window ended without an appearance: every measure of the policy not already in
    /// force starts now.
    fn become_overdue(&mut self, policy: &Policy, at: Timestamp, changes: &mut Vec<Change>) {
        self.status = Status::Overdue;
        self.overdue_at = Some(at);
        changes.push(Change::Overdue { at });
        for (kind, trigger) in &policy.measures {
            if !self.in_force(*kind) {
                self.start(*kind, *trigger, at, changes);
            }
        }
    }

    fn in_force(&self, kind: MeasureKind) -> bool {
        self.measures.iter().any(|m| m.kind == kind && !m.is_lifted())
    }

    fn start(&mut self, kind: MeasureKind, trigger: Trigger, at: Timestamp, changes: &mut Vec<Change>) {
        self.measures.push(Measure { kind, started_at: at, trigger, lifted: None });
        changes.push(Change::MeasureStarted { at, kind, trigger });
    }

    fn lift_all(&mut self, at: Timestamp, cause: LiftCause, changes: &mut Vec<Change>) {
        for m in self.measures.iter_mut().filter(|m| !m.is_lifted()) {
            m.lifted = Some(crate::measure::Lift { at, cause });
            changes.push(Change::MeasureLifted { at, kind: m.kind, cause });
        }
    }

    /// The measures in force at `at`.
    pub fn measures_in_force(&self, at: Timestamp) -> impl Iterator<Item = &Measure> {
        self.measures.iter().filter(move |m| m.in_force_at(at))
    }
}
