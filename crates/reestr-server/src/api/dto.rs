//! The JSON shapes of the API, with their OpenAPI schemas. Instants are RFC 3339 in UTC; local
//! dates and times (appointments) are ISO 8601 without an offset.

use std::collections::BTreeMap;

use reestr_core::{
    explain::Step,
    measure::Measure,
    person::{Person, Record},
    summons::{Closure, Summons},
};
use reestr_store::{CorrectionView, MeasureRow, UserInfo};
use serde::{Deserialize, Serialize};
use utoipa::{IntoResponses, ToSchema};

use crate::error::ErrorBody;

/// The errors an endpoint can answer with, each as `{"error", "message"}`.
#[derive(IntoResponses)]
#[allow(dead_code)]
pub enum Errors {
    /// The request is malformed (body, path or query).
    #[response(status = 400)]
    BadRequest(ErrorBody),
    /// Not logged in, or the key is unknown or revoked.
    #[response(status = 401)]
    Unauthenticated(ErrorBody),
    /// The caller's role or scope does not allow it, or a purpose must be stated.
    #[response(status = 403)]
    Forbidden(ErrorBody),
    /// No such object.
    #[response(status = 404)]
    NotFound(ErrorBody),
    /// The object's state does not allow it (e.g. a closed summons).
    #[response(status = 409)]
    Conflict(ErrorBody),
    /// The body is too large.
    #[response(status = 413)]
    TooLarge(ErrorBody),
    /// The body is not JSON.
    #[response(status = 415)]
    UnsupportedMediaType(ErrorBody),
    /// The request breaks a rule of the register (a bad value, an illegal step).
    #[response(status = 422)]
    Unprocessable(ErrorBody),
    /// The database is busy; try again.
    #[response(status = 503)]
    Unavailable(ErrorBody),
}

/// A field's value with its provenance.
#[derive(Debug, Serialize, ToSchema)]
pub struct FieldValue {
    pub value: String,
    /// Which source supplied it.
    pub source: String,
    /// As of when the source vouched for it (a date).
    pub as_of: String,
}

/// A person's record: the fields the caller may see, each with its provenance.
#[derive(Debug, Serialize, ToSchema)]
pub struct PersonView {
    pub id: i64,
    /// By field name (see the README for the fields).
    pub fields: BTreeMap<String, FieldValue>,
}

pub fn fields_of(record: &Record) -> BTreeMap<String, FieldValue> {
    record
        .entries()
        .map(|(f, e)| {
            let v = FieldValue {
                value: e.value.to_string(),
                source: e.provenance.source.clone(),
                as_of: e.provenance.as_of.to_string(),
            };
            (f.name().to_owned(), v)
        })
        .collect()
}

impl From<&Person> for PersonView {
    fn from(p: &Person) -> PersonView {
        PersonView { id: p.id.0, fields: fields_of(&p.record) }
    }
}

/// An earlier value of a field.
#[derive(Debug, Serialize, ToSchema)]
pub struct HistoryView {
    pub field: String,
    pub value: String,
    pub source: String,
    pub as_of: String,
    pub replaced_at: String,
    /// The log event that replaced it.
    pub event: u64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AppointmentView {
    /// Local date and time at the commissariat.
    pub at: String,
    pub address: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MeasureView {
    /// `exit_ban`, `driving_ban`, `vehicle_registration_ban`, `real_estate_ban`, `credit_ban`,
    /// `foreign_passport_ban` or `entrepreneur_registration_ban`.
    pub kind: String,
    pub started_at: String,
    /// `service` or `report_window_end`.
    pub trigger: String,
    pub lifted_at: Option<String>,
    /// `appearance`, `valid_reason`, `cancellation` or `court_decision`.
    pub lift_cause: Option<String>,
}

fn text<T: Serialize>(v: &T) -> String {
    serde_json::to_value(v).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()
}

impl From<&Measure> for MeasureView {
    fn from(m: &Measure) -> MeasureView {
        MeasureView {
            kind: m.kind.to_string(),
            started_at: m.started_at.to_string(),
            trigger: text(&m.trigger),
            lifted_at: m.lifted.map(|l| l.at.to_string()),
            lift_cause: m.lifted.map(|l| text(&l.cause)),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ExcuseView {
    /// `illness_or_injury`, `relative_grave_illness_or_funeral`, `circumstances_beyond_control`
    /// or `other_accepted_by_commission`.
    pub reason: String,
    pub evidence: String,
    /// First and last local date covered.
    pub from: String,
    pub to: String,
    pub recorded_at: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OutcomeView {
    /// `appeared` or `cancelled`.
    pub outcome: String,
    pub at: String,
    /// For a cancellation: the registrar's reason or the court decision.
    pub cause: Option<String>,
}

/// A summons with its deadlines as they stand.
#[derive(Debug, Serialize, ToSchema)]
pub struct SummonsView {
    pub number: String,
    pub person: i64,
    pub commissariat: String,
    /// `clarify_records`, `medical_examination`, `call_up` or `military_training`.
    pub purpose: String,
    pub policy: String,
    /// The IANA zone in which its days are counted.
    pub zone: String,
    /// `posted`, `served`, `excused`, `overdue`, `appeared` or `cancelled`.
    pub status: String,
    pub posted_at: String,
    pub appointment: AppointmentView,
    /// When it counts (or will count) as served.
    pub served_at: String,
    /// `deemed`, `in_person`, `registered_mail` or `account_opened`.
    pub served_how: String,
    /// When the time to appear ends (extended by valid reasons).
    pub report_window_ends_at: String,
    /// The next instant the legal clock has something to do with it.
    pub next_due_at: Option<String>,
    pub measures: Vec<MeasureView>,
    pub excuses: Vec<ExcuseView>,
    pub outcome: Option<OutcomeView>,
}

impl SummonsView {
    pub fn new(s: &Summons, policy: &reestr_core::policy::Policy) -> SummonsView {
        let d = s.deadlines(policy).ok();
        let next = s.next_due(policy).ok().flatten();
        let window = match (s.status, next) {
            (reestr_core::summons::Status::Served | reestr_core::summons::Status::Excused, Some(n)) => Some(n),
            _ => d.as_ref().map(|d| d.report_window_ends_at),
        };
        SummonsView {
            number: s.number.to_string(),
            person: s.person.0,
            commissariat: s.commissariat.to_string(),
            purpose: s.purpose.as_str().to_owned(),
            policy: s.policy.clone(),
            zone: s.zone.name().to_owned(),
            status: s.status.as_str().to_owned(),
            posted_at: s.posted_at.to_string(),
            appointment: AppointmentView { at: s.appointment.at.to_string(), address: s.appointment.address.clone() },
            served_at: s
                .service
                .map(|x| x.at)
                .or(d.as_ref().map(|d| d.served_at))
                .map(|t| t.to_string())
                .unwrap_or_default(),
            served_how: s.service.map_or_else(|| "deemed".to_owned(), |x| x.how.as_str().to_owned()),
            report_window_ends_at: window.map(|t| t.to_string()).unwrap_or_default(),
            next_due_at: next.map(|t| t.to_string()),
            measures: s.measures.iter().map(MeasureView::from).collect(),
            excuses: s
                .excuses
                .iter()
                .map(|e| ExcuseView {
                    reason: e.reason.as_str().to_owned(),
                    evidence: e.evidence.clone(),
                    from: e.covers.from().to_string(),
                    to: e.covers.to().to_string(),
                    recorded_at: e.recorded_at.to_string(),
                })
                .collect(),
            outcome: s.closure.as_ref().map(|c| match c {
                Closure::Appeared { at } => OutcomeView { outcome: "appeared".into(), at: at.to_string(), cause: None },
                Closure::Cancelled { at, cancellation } => OutcomeView {
                    outcome: "cancelled".into(),
                    at: at.to_string(),
                    cause: Some(match cancellation {
                        reestr_core::summons::Cancellation::Registrar { reason } => reason.clone(),
                        reestr_core::summons::Cancellation::CourtDecision { reference } => {
                            format!("court decision {reference}")
                        }
                    }),
                },
            }),
        }
    }
}

/// One line of a summons's timeline in plain language.
#[derive(Debug, Serialize, ToSchema)]
pub struct StepView {
    pub at: Option<String>,
    /// `done`, `ahead` or `void` (will not happen).
    pub state: String,
    pub text: String,
}

impl From<Step> for StepView {
    fn from(s: Step) -> StepView {
        StepView { at: s.at.map(|t| t.to_string()), state: text(&s.state), text: s.text }
    }
}

/// A summons as its person sees it: the facts and the timeline in Russian and English.
#[derive(Debug, Serialize, ToSchema)]
pub struct MySummonsView {
    pub summons: SummonsView,
    pub timeline_ru: Vec<StepView>,
    pub timeline_en: Vec<StepView>,
}

/// A measure as a list shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct MeasureRowView {
    /// A cursor: list again with `after` set to the last id.
    pub id: i64,
    pub summons: String,
    pub person: i64,
    pub kind: String,
    pub started_at: String,
    pub lifted_at: Option<String>,
    pub lift_cause: Option<String>,
}

impl From<MeasureRow> for MeasureRowView {
    fn from(m: MeasureRow) -> MeasureRowView {
        MeasureRowView {
            id: m.id,
            summons: m.summons.to_string(),
            person: m.person.0,
            kind: m.kind,
            started_at: m.started_at.to_string(),
            lifted_at: m.lifted_at.map(|t| t.to_string()),
            lift_cause: m.lift_cause,
        }
    }
}

/// A read of a person's record by someone else.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReadView {
    pub at: String,
    /// Who: a user (`user:ID:LOGIN`), an agency's key (`key:ID:AGENCY`) or the command line.
    pub who: String,
    pub role: String,
    pub purpose: Option<String>,
    pub fields: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CorrectionOut {
    pub id: i64,
    pub person: i64,
    pub commissariat: String,
    /// `field:NAME` or `summons:NUMBER`.
    pub subject: String,
    pub explanation: String,
    pub evidence: Option<String>,
    pub proposed: Option<String>,
    pub filed_at: String,
    /// Five working days after filing, at 24:00 local time.
    pub due_at: String,
    pub late: bool,
    pub answered_at: Option<String>,
    pub accepted: Option<bool>,
    pub answer: Option<String>,
}

impl From<CorrectionView> for CorrectionOut {
    fn from(v: CorrectionView) -> CorrectionOut {
        let c = v.correction;
        CorrectionOut {
            id: c.id,
            person: c.person.0,
            commissariat: v.commissariat,
            subject: c.subject.to_string(),
            explanation: c.request.explanation,
            evidence: c.request.evidence,
            proposed: c.request.proposed,
            filed_at: c.filed_at.to_string(),
            due_at: c.due_at.to_string(),
            late: v.late,
            answered_at: c.answered_at.map(|t| t.to_string()),
            accepted: c.answer.as_ref().map(|a| a.accepted),
            answer: c.answer.map(|a| a.text),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UserView {
    pub id: i64,
    pub login: String,
    pub role: String,
    /// The role's scope, e.g. `{"kind":"commissariat","value":"62-001"}`.
    #[schema(value_type = Object)]
    pub scope: serde_json::Value,
    pub created_at: String,
    pub disabled_at: Option<String>,
    pub second_factor: bool,
}

impl From<&UserInfo> for UserView {
    fn from(u: &UserInfo) -> UserView {
        UserView {
            id: u.id,
            login: u.login.clone(),
            role: u.role.to_string(),
            scope: serde_json::to_value(&u.scope).unwrap_or_default(),
            created_at: u.created_at.to_string(),
            disabled_at: u.disabled_at.map(|t| t.to_string()),
            second_factor: u.second_factor,
        }
    }
}

/// A page of a list: the items and the cursor for the next page.
#[derive(Debug, Serialize, ToSchema)]
pub struct Page<T: ToSchema> {
    pub items: Vec<T>,
    /// Pass as `after` for the next page; absent on the last.
    pub next: Option<i64>,
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// List items after this cursor.
    pub after: Option<i64>,
    /// At most this many (1 to 1000, default 100).
    pub limit: Option<u32>,
}

impl PageQuery {
    /// The page size asked for: 1 to 1000, 100 by default.
    pub fn limit(&self) -> Result<usize, crate::error::ApiError> {
        match self.limit.unwrap_or(100) {
            n @ 1..=1000 => Ok(n as usize),
            _ => Err(crate::error::ApiError::bad_request("bad_query", "limit: from 1 to 1000")),
        }
    }
}
