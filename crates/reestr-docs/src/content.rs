//! What each kind of extract says. Pure: built from the record and the summonses as read in one
//! snapshot, with the instants given.
//!
//! 1. From the register of summonses: every summons of the person with its number, commissariat,
//!    purpose, posting, service (instant and how), appointment, outcome, and each measure with its
//!    start and end.
//! 2. From the military registration record: identity with the documents masked, registration
//!    status, commissariat, categories, fitness, specialty, rank, deferment, and the measures in
//!    force.

use jiff::{Timestamp, civil::Date};
use reestr_core::{
    measure::{Lang, MeasureKind},
    person::{Field, Person, Value},
    region::{CommissariatCode, Directory},
    summons::{Cancellation, Closure, Status, Summons},
};
use serde::{Deserialize, Serialize};

/// The format tag of the signed content; part of what is signed.
pub const FORMAT: &str = "reestr-extract/1";

/// The two kinds of extract.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// From the register of summonses.
    Summonses,
    /// From the military registration record.
    Record,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Summonses => "summonses",
            Kind::Record => "record",
        }
    }

    /// The letter that starts its numbers.
    pub fn letter(self) -> char {
        match self {
            Kind::Summonses => 'S',
            Kind::Record => 'R',
        }
    }

    pub fn title(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (Kind::Summonses, Lang::Ru) => "Выписка из реестра повесток",
            (Kind::Summonses, Lang::En) => "Extract from the register of summonses",
            (Kind::Record, Lang::Ru) => "Выписка из сведений воинского учёта",
            (Kind::Record, Lang::En) => "Extract from the military registration record",
        }
    }
}

impl std::str::FromStr for Kind {
    type Err = String;
    fn from_str(s: &str) -> Result<Kind, String> {
        match s {
            "summonses" => Ok(Kind::Summonses),
            "record" => Ok(Kind::Record),
            _ => Err("summonses or record".into()),
        }
    }
}

/// A commissariat named in both languages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Named {
    pub code: String,
    pub name_ru: String,
    pub name_en: String,
}

/// Whom the extract is about: enough to tell the person, no document numbers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonHead {
    /// The register's number for the person.
    pub id: i64,
    pub full_name: String,
    pub birth_date: Date,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Served {
    pub at: Timestamp,
    /// deemed, in_person, registered_mail or account_opened.
    pub how: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppointmentLine {
    /// Local date and time in the commissariat's zone.
    pub at: String,
    pub zone: String,
    pub address: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExcuseLine {
    pub reason: String,
    pub covers_from: Date,
    pub covers_to: Date,
    pub recorded_at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outcome {
    /// posted, served, excused, overdue, appeared or cancelled.
    pub status: String,
    /// When the summons reached that status, where it is a closing or overdue one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at: Option<Timestamp>,
    /// For a cancellation: by the registrar, or by a court decision (with its reference).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cancelled_by: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub court_decision: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MeasureLine {
    pub kind: MeasureKind,
    pub started_at: Timestamp,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lifted_at: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lift_cause: Option<String>,
}

/// One summons, as extract 1 lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SummonsLine {
    pub number: String,
    pub commissariat: Named,
    pub purpose: String,
    pub posted_at: Timestamp,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub served: Option<Served>,
    pub appointment: AppointmentLine,
    pub outcome: Outcome,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub excuses: Vec<ExcuseLine>,
    pub measures: Vec<MeasureLine>,
}

/// A measure in force, as extract 2 lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InForce {
    pub kind: MeasureKind,
    pub summons: String,
    pub started_at: Timestamp,
}

/// The military registration record, as extract 2 shows it: documents masked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordPart {
    pub sex: String,
    pub snils: String,
    pub passport: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inn: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub citizenship: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registration_status: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deferred_until: Option<Date>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commissariat: Option<Named>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reserve_category: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fitness_category: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub military_specialty: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rank: Option<String>,
    pub measures_in_force: Vec<InForce>,
}

/// The signed content of an extract.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Extract {
    pub format: String,
    pub number: String,
    pub kind: Kind,
    /// The register's log origin, which is also its key's name.
    pub register: String,
    pub made_at: Timestamp,
    /// The data is as of this instant: the last event of the log when it was read.
    pub as_of: Timestamp,
    /// ... and that event's sequence number.
    pub as_of_event: u64,
    /// The public page that checks the extract: `{base}/verify/{number}`.
    pub verify_url: String,
    pub person: PersonHead,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summonses: Option<Vec<SummonsLine>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub record: Option<RecordPart>,
}

/// What every extract says about itself.
#[derive(Debug, Clone)]
pub struct Header {
    pub number: String,
    pub register: String,
    pub made_at: Timestamp,
    pub as_of: Timestamp,
    pub as_of_event: u64,
    pub verify_base: String,
}

fn named(dir: &Directory, code: &CommissariatCode) -> Named {
    match dir.commissariat(code) {
        Ok(c) => Named { code: code.to_string(), name_ru: c.name_ru.clone(), name_en: c.name_en.clone() },
        Err(_) => Named { code: code.to_string(), name_ru: String::new(), name_en: String::new() },
    }
}

fn snake<T: Serialize>(v: &T) -> String {
    serde_json::to_value(v).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()
}

fn head(h: &Header, kind: Kind, person: &Person) -> Option<Extract> {
    Some(Extract {
        format: FORMAT.into(),
        number: h.number.clone(),
        kind,
        register: h.register.clone(),
        made_at: h.made_at,
        as_of: h.as_of,
        as_of_event: h.as_of_event,
        verify_url: format!("{}/verify/{}", h.verify_base.trim_end_matches('/'), h.number),
        person: PersonHead {
            id: person.id.0,
            full_name: person.record.full_name(),
            birth_date: person.record.birth_date()?,
        },
        summonses: None,
        record: None,
    })
}

fn summons_line(s: &Summons, dir: &Directory) -> SummonsLine {
    let (at, cancelled_by, court_decision) = match &s.closure {
        Some(Closure::Appeared { at }) => (Some(*at), None, None),
        Some(Closure::Cancelled { at, cancellation }) => match cancellation {
            Cancellation::Registrar { .. } => (Some(*at), Some("registrar".to_owned()), None),
            Cancellation::CourtDecision { reference } => {
                (Some(*at), Some("court_decision".to_owned()), Some(reference.clone()))
            }
        },
        None if s.status == Status::Overdue => (s.overdue_at, None, None),
        None => (None, None, None),
    };
    SummonsLine {
        number: s.number.to_string(),
        commissariat: named(dir, &s.commissariat),
        purpose: s.purpose.as_str().into(),
        posted_at: s.posted_at,
        served: s.service.map(|sv| Served { at: sv.at, how: sv.how.as_str().into() }),
        appointment: AppointmentLine {
            at: s.appointment.at.strftime("%Y-%m-%dT%H:%M").to_string(),
            zone: s.zone.name().into(),
            address: s.appointment.address.clone(),
        },
        outcome: Outcome { status: s.status.as_str().into(), at, cancelled_by, court_decision },
        excuses: s
            .excuses
            .iter()
            .map(|e| ExcuseLine {
                reason: e.reason.as_str().into(),
                covers_from: e.covers.from(),
                covers_to: e.covers.to(),
                recorded_at: e.recorded_at,
            })
            .collect(),
        measures: s
            .measures
            .iter()
            .map(|m| MeasureLine {
                kind: m.kind,
                started_at: m.started_at,
                lifted_at: m.lifted.map(|l| l.at),
                lift_cause: m.lifted.map(|l| snake(&l.cause)),
            })
            .collect(),
    }
}

/// Extract 1: from the register of summonses. `None` when the record has no birth date.
pub fn summonses_extract(h: &Header, person: &Person, summonses: &[Summons], dir: &Directory) -> Option<Extract> {
    let mut e = head(h, Kind::Summonses, person)?;
    e.summonses = Some(summonses.iter().map(|s| summons_line(s, dir)).collect());
    Some(e)
}

/// Extract 2: from the military registration record, documents masked. `None` when the record
/// lacks a required field.
pub fn record_extract(h: &Header, person: &Person, summonses: &[Summons], dir: &Directory) -> Option<Extract> {
    let mut e = head(h, Kind::Record, person)?;
    let r = &person.record;
    let text = |f: Field| r.text(f);
    let date = |f: Field| match r.get(f) {
        Some(Value::Date(d)) => Some(*d),
        _ => None,
    };
    let mut in_force: Vec<InForce> = summonses
        .iter()
        .flat_map(|s| {
            s.measures_in_force(h.as_of).map(|m| InForce {
                kind: m.kind,
                summons: s.number.to_string(),
                started_at: m.started_at,
            })
        })
        .collect();
    in_force.sort_by(|a, b| (a.started_at, &a.summons, a.kind).cmp(&(b.started_at, &b.summons, b.kind)));
    e.record = Some(RecordPart {
        sex: text(Field::Sex)?,
        snils: r.snils()?.masked(),
        passport: r.passport()?.masked(),
        inn: r.inn().map(|i| i.masked()),
        citizenship: text(Field::Citizenship),
        registration_status: text(Field::RegistrationStatus),
        deferred_until: date(Field::DeferredUntil),
        commissariat: r.commissariat().map(|c| named(dir, c)),
        reserve_category: text(Field::ReserveCategory),
        fitness_category: text(Field::FitnessCategory),
        military_specialty: text(Field::MilitarySpecialty),
        rank: text(Field::Rank),
        measures_in_force: in_force,
    });
    Some(e)
}
