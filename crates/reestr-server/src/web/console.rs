//! The officers' console: find a person and open the record (sensitive fields with a stated
//! purpose), edit it with provenance, post a summons and record its steps, answer correction
//! requests, and, for supervisors, dashboards and the region's rollout.

use askama::Template;
use axum::{
    extract::{Path, State},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use reestr_core::{
    access::{Principal, Role},
    correction::Answer,
    explain::timeline,
    person::{Field, Person, PersonId},
    policy::ServiceMethod,
    region::{RegionCode, Rollout},
    summons::{Closure, Command, Purpose as SummonsPurpose, Summons, SummonsNumber, ValidReason},
};
use reestr_store::{Register, StoreError};
use serde::Deserialize;

use super::{
    Posted, Web, chart, given,
    portal::{Choice, correction_status, subject_text},
};
use crate::{
    AppState,
    api::{
        persons::{SearchRequest, provenance},
        summonses::{CancelRequest, ExcuseRequest, draft},
    },
    error::ApiError,
};

fn not_found() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "not_found", "no such object")
}

fn number(n: &str) -> Result<SummonsNumber, ApiError> {
    n.parse().map_err(|_| not_found())
}

// ---- search ----

#[derive(Debug)]
pub struct Found {
    pub id: i64,
    pub name: String,
    pub birth_date: String,
    pub commissariat: String,
}

#[derive(Template)]
#[template(path = "console.html")]
struct ConsolePage<'a> {
    w: &'a Web,
    /// After a search: what it found.
    results: Option<Vec<Found>>,
}

/// `/console`: the search forms.
pub async fn home(web: Web) -> Response {
    web.respond(web.staff().and_then(|_| web.render(&ConsolePage { w: &web, results: None })))
}

#[derive(Debug, Deserialize)]
pub struct SearchForm {
    by: String,
    surname: Option<String>,
    given_name: Option<String>,
    birth_date: Option<String>,
    snils: Option<String>,
    passport_series: Option<String>,
    passport_number: Option<String>,
    purpose: Option<String>,
}

/// Finds persons (a POST: identifiers never go in a URL). Each person found is a logged read.
pub async fn search(State(state): State<AppState>, web: Web, Posted(f): Posted<SearchForm>) -> Response {
    let r = async {
        let who = web.staff()?;
        let (name, snils, passport) = (f.by == "name", f.by == "snils", f.by == "passport");
        let request = SearchRequest {
            surname: given(f.surname).filter(|_| name),
            given_name: given(f.given_name).filter(|_| name),
            birth_date: given(f.birth_date).filter(|_| name),
            snils: given(f.snils).filter(|_| snils),
            inn: None,
            passport_series: given(f.passport_series).filter(|_| passport),
            passport_number: given(f.passport_number).filter(|_| passport),
            purpose: given(f.purpose),
        };
        let query = request.query()?;
        let purpose = request.purpose;
        let found = state.blocking(move |reg, now| Ok(reg.search(&who, &query, purpose.as_deref(), now)?)).await?;
        let results = found
            .into_iter()
            .map(|s| Found {
                id: s.id.0,
                name: s.record.full_name(),
                birth_date: s.record.birth_date().map(|d| web.i.date(&d)).unwrap_or_default(),
                commissariat: s.record.text(Field::Commissariat).unwrap_or_default(),
            })
            .collect();
        web.render(&ConsolePage { w: &web, results: Some(results) })
    }
    .await;
    web.respond(r)
}

// ---- a person's record ----

#[derive(Debug)]
pub struct FieldRow {
    pub label: String,
    pub value: String,
    pub source: String,
    pub as_of: String,
    pub sensitive: bool,
}

#[derive(Debug)]
pub struct SummonsLine {
    pub number: String,
    pub status: String,
    pub purpose: String,
    pub posted: String,
}

#[derive(Template)]
#[template(path = "person.html")]
struct PersonPage<'a> {
    w: &'a Web,
    id: i64,
    name: String,
    /// Nothing could be read without a purpose (a security service).
    need_purpose: bool,
    revealed: bool,
    fields: Vec<FieldRow>,
    summonses: Vec<SummonsLine>,
    field_choices: Vec<Choice>,
    purposes: Vec<Choice>,
    may_issue: bool,
    may_edit: bool,
}

fn field_rows(w: &Web, p: &Person) -> Vec<FieldRow> {
    p.record
        .entries()
        .map(|(f, e)| {
            let value = e.value.to_string();
            FieldRow {
                label: w.i.label("field", f.name()),
                value: if f.name().ends_with("date") || f == Field::DeferredUntil {
                    w.i.date_text(&value)
                } else {
                    value
                },
                source: e.provenance.source.clone(),
                as_of: w.i.date(&e.provenance.as_of),
                sensitive: f.is_sensitive(),
            }
        })
        .collect()
}

fn summons_lines(w: &Web, list: &[Summons]) -> Vec<SummonsLine> {
    let mut lines: Vec<&Summons> = list.iter().collect();
    lines.sort_by_key(|s| std::cmp::Reverse(s.posted_at));
    lines
        .into_iter()
        .map(|s| SummonsLine {
            number: s.number.to_string(),
            status: w.i.label("status", s.status.as_str()),
            purpose: w.i.label("purpose", s.purpose.as_str()),
            posted: w.i.instant_in(&s.posted_at, &s.zone),
        })
        .collect()
}

async fn person_page(state: AppState, web: &Web, id: i64, purpose: Option<String>) -> Result<Response, ApiError> {
    let who = web.staff()?;
    let revealed = purpose.is_some();
    let role = who.role;
    let read = state
        .blocking(move |reg, now| {
            let fields = revealed.then_some(Field::ALL);
            let p = reg.read_person(&who, PersonId(id), fields, purpose.as_deref(), now)?;
            let list = reg.summonses_of(&who, PersonId(id), purpose.as_deref(), now)?;
            Ok((p, list))
        })
        .await;
    let (person, list) = match read {
        Ok(x) => (Some(x.0), x.1),
        Err(e) if e.code == "purpose_required" && !revealed => (None, Vec::new()),
        Err(e) => return Err(e),
    };
    let page = PersonPage {
        w: web,
        id,
        name: person.as_ref().map(|p| p.record.full_name()).unwrap_or_default(),
        need_purpose: person.is_none(),
        revealed,
        fields: person.as_ref().map(|p| field_rows(web, p)).unwrap_or_default(),
        summonses: summons_lines(web, &list),
        field_choices: Field::ALL
            .iter()
            .map(|f| Choice { value: f.name().to_owned(), label: web.i.label("field", f.name()) })
            .collect(),
        purposes: SummonsPurpose::ALL
            .iter()
            .map(|p| Choice { value: p.as_str().to_owned(), label: web.i.label("purpose", p.as_str()) })
            .collect(),
        may_issue: role == Role::Registrar,
        may_edit: matches!(role, Role::Registrar | Role::MedicalCommission),
    };
    web.render(&page)
}

/// `/console/persons/{id}`: the record's non-sensitive fields (a logged read).
pub async fn person(State(state): State<AppState>, web: Web, Path(id): Path<i64>) -> Response {
    let r = person_page(state, &web, id, None).await;
    web.respond(r)
}

#[derive(Debug, Deserialize)]
pub struct PurposeForm {
    purpose: String,
}

/// The whole record, sensitive fields too, read for a stated purpose (logged with it).
pub async fn reveal(
    State(state): State<AppState>,
    web: Web,
    Path(id): Path<i64>,
    Posted(f): Posted<PurposeForm>,
) -> Response {
    let r = match given(Some(f.purpose)) {
        Some(purpose) => person_page(state, &web, id, Some(purpose)).await,
        None => Err(reestr_core::access::AccessError::PurposeRequired.into()),
    };
    web.respond(r)
}

#[derive(Debug, Deserialize)]
pub struct EditForm {
    field: String,
    value: String,
    source: Option<String>,
    as_of: Option<String>,
}

/// Changes one field with its provenance; the old value goes to the history.
pub async fn edit(
    State(state): State<AppState>,
    web: Web,
    Path(id): Path<i64>,
    Posted(f): Posted<EditForm>,
) -> Response {
    let r = async {
        let who = web.staff()?;
        let field = Field::from_name(&f.field)
            .ok_or_else(|| ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "unknown_field", "no such field"))?;
        let texts = vec![(field, f.value.trim().to_owned())];
        state
            .blocking(move |reg, now| {
                let prov = provenance(&who, given(f.source), given(f.as_of), now)?;
                Ok(reg.update_person(&who, PersonId(id), &texts, prov, now)?)
            })
            .await?;
        Ok(Redirect::to(&format!("/console/persons/{id}")).into_response())
    }
    .await;
    web.respond(r)
}

// ---- summonses ----

#[derive(Debug, Deserialize)]
pub struct IssueForm {
    person: i64,
    purpose: SummonsPurpose,
    appointment: String,
    address: Option<String>,
}

/// Posts a summons to the person, at the person's commissariat.
pub async fn issue(State(state): State<AppState>, web: Web, Posted(f): Posted<IssueForm>) -> Response {
    let r = async {
        let who = web.staff()?;
        let at = f.appointment.parse().map_err(|e| {
            ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_request", format!("appointment: {e}"))
        })?;
        let s = state
            .blocking(move |reg, now| {
                let draft = draft(reg, &who, PersonId(f.person), None, f.purpose, at, given(f.address), now)?;
                Ok(reg.issue(&who, draft, now)?)
            })
            .await?;
        Ok(Redirect::to(&format!("/console/summonses/{}", s.number)).into_response())
    }
    .await;
    web.respond(r)
}

#[derive(Debug)]
pub struct Fact {
    pub label: String,
    pub value: String,
}

#[derive(Debug)]
pub struct MeasureLine {
    pub title: String,
    pub started: String,
    pub lifted: String,
}

#[derive(Template)]
#[template(path = "summons.html")]
struct SummonsPage<'a> {
    w: &'a Web,
    number: String,
    person: i64,
    closed: bool,
    served: bool,
    facts: Vec<Fact>,
    measures: Vec<MeasureLine>,
    steps: Vec<String>,
    reasons: Vec<Choice>,
    may_act: bool,
}

fn summons_page(
    web: &Web,
    reg: &Register,
    s: &Summons,
    now: jiff::Timestamp,
    may_act: bool,
) -> Result<Response, ApiError> {
    let policy = reg.policies().get(&s.policy).map_err(StoreError::from)?;
    let d = s.deadlines(policy).ok();
    let i = &web.i;
    let at = |t: &jiff::Timestamp| i.instant_in(t, &s.zone);
    let mut facts = vec![
        Fact { label: i.t("col-status"), value: i.label("status", s.status.as_str()) },
        Fact { label: i.t("summons-purpose"), value: i.label("purpose", s.purpose.as_str()) },
        Fact { label: i.t("summons-commissariat"), value: s.commissariat.to_string() },
        Fact { label: i.t("summons-posted"), value: at(&s.posted_at) },
        Fact {
            label: i.t("summons-appointment"),
            value: format!(
                "{}, {}",
                reestr_core::explain::local_datetime(s.appointment.at, i.lang),
                s.appointment.address
            ),
        },
    ];
    match (s.service, &d) {
        (Some(sv), _) => facts.push(Fact {
            label: i.t("summons-served"),
            value: format!("{} ({})", at(&sv.at), i.label("served", sv.how.as_str())),
        }),
        (None, Some(d)) => facts.push(Fact { label: i.t("summons-deemed"), value: at(&d.served_at) }),
        _ => {}
    }
    let window = s.next_due(policy).ok().flatten().or(d.as_ref().map(|d| d.report_window_ends_at));
    if let (Some(w), false) = (window, s.status.is_closed()) {
        facts.push(Fact { label: i.t("summons-window"), value: at(&w) });
    }
    for e in &s.excuses {
        facts.push(Fact {
            label: i.t("summons-excuse"),
            value: format!(
                "{}: {} — {} ({})",
                i.label("reason", e.reason.as_str()),
                i.date(&e.covers.from()),
                i.date(&e.covers.to()),
                e.evidence
            ),
        });
    }
    match &s.closure {
        Some(Closure::Appeared { at: t }) => facts.push(Fact { label: i.t("summons-appeared"), value: at(t) }),
        Some(Closure::Cancelled { at: t, .. }) => facts.push(Fact { label: i.t("summons-cancelled"), value: at(t) }),
        None => {}
    }
    let page = SummonsPage {
        w: web,
        number: s.number.to_string(),
        person: s.person.0,
        closed: s.status.is_closed(),
        served: s.service.is_some() || s.status != reestr_core::summons::Status::Posted,
        facts,
        measures: s
            .measures
            .iter()
            .map(|m| MeasureLine {
                title: m.kind.title(i.lang).to_owned(),
                started: at(&m.started_at),
                lifted: m
                    .lifted
                    .map(|l| format!("{} ({})", at(&l.at), i.label("lift", &lift_cause(&l.cause))))
                    .unwrap_or_else(|| i.t("measure-in-force")),
            })
            .collect(),
        steps: timeline(s, policy, now, i.lang).into_iter().map(|s| s.text).collect(),
        reasons: ValidReason::ALL
            .iter()
            .map(|r| Choice { value: r.as_str().to_owned(), label: i.label("reason", r.as_str()) })
            .collect(),
        may_act,
    };
    web.render(&page)
}

fn lift_cause<T: serde::Serialize>(cause: &T) -> String {
    serde_json::to_value(cause).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()
}

fn may_act(who: &Principal, s: &Summons) -> bool {
    who.may_act_on_summons(&s.commissariat).is_ok()
}

/// `/console/summonses/{number}`: the summons with its deadlines and the forms for its steps.
pub async fn summons(State(state): State<AppState>, web: Web, Path(n): Path<String>) -> Response {
    let r = async {
        let who = web.staff()?;
        let n = number(&n)?;
        let w = web.clone();
        state
            .blocking(move |reg, now| {
                let s = reg.summons(&who, &n, None, now)?;
                summons_page(&w, reg, &s, now, may_act(&who, &s))
            })
            .await
    }
    .await;
    web.respond(r)
}

async fn step(state: AppState, web: &Web, n: &str, command: Result<Command, ApiError>) -> Result<Response, ApiError> {
    let who = web.staff()?;
    let n = number(n)?;
    let command = command?;
    let s = state.blocking(move |reg, now| Ok(reg.act(&who, &n, command, now)?)).await?;
    Ok(Redirect::to(&format!("/console/summonses/{}", s.number)).into_response())
}

#[derive(Debug, Deserialize)]
pub struct StepForm {
    how: Option<ServiceMethod>,
    valid_reason: Option<ValidReason>,
    evidence: Option<String>,
    from: Option<String>,
    to: Option<String>,
    reason: Option<String>,
    court_decision: Option<String>,
}

/// Records a step: `serve`, `appear`, `excuse` or `cancel`, with the same checks as the API.
pub async fn act(
    State(state): State<AppState>,
    web: Web,
    Path((n, name)): Path<(String, String)>,
    Posted(f): Posted<StepForm>,
) -> Response {
    let missing =
        |what: &str| ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_request", format!("{what}: required"));
    let command = match name.as_str() {
        "appear" => Ok(Command::Appear),
        "serve" => f.how.map(|how| Command::Serve { how }).ok_or_else(|| missing("how")),
        "excuse" => match (f.valid_reason, given(f.evidence), given(f.from), given(f.to)) {
            (Some(reason), Some(evidence), Some(from), Some(to)) => {
                ExcuseRequest { reason, evidence, from, to }.command()
            }
            _ => Err(missing("reason, evidence, from, to")),
        },
        "cancel" => CancelRequest { reason: f.reason, court_decision: f.court_decision }.command(),
        _ => Err(not_found()),
    };
    let r = step(state, &web, &n, command).await;
    web.respond(r)
}

// ---- corrections ----

#[derive(Debug)]
pub struct InboxLine {
    pub id: i64,
    pub person: i64,
    pub subject: String,
    pub explanation: String,
    pub proposed: String,
    pub evidence: String,
    pub filed: String,
    pub due: String,
    pub status: String,
    pub late: bool,
    pub field: bool,
}

#[derive(Template)]
#[template(path = "inbox.html")]
struct InboxPage<'a> {
    w: &'a Web,
    list: Vec<InboxLine>,
}

/// `/console/corrections`: open requests, the earliest due (so the overdue) first.
pub async fn corrections(State(state): State<AppState>, web: Web) -> Response {
    let r = async {
        let who = web.staff()?;
        let list = state.blocking(move |reg, now| Ok(reg.open_corrections(&who, now)?)).await?;
        let list = list
            .iter()
            .map(|c| InboxLine {
                id: c.correction.id,
                person: c.correction.person.0,
                subject: subject_text(&web, &c.correction.subject),
                explanation: c.correction.request.explanation.clone(),
                proposed: c.correction.request.proposed.clone().unwrap_or_default(),
                evidence: c.correction.request.evidence.clone().unwrap_or_default(),
                filed: web.i.instant(&c.correction.filed_at),
                due: web.i.instant(&c.correction.due_at),
                status: correction_status(&web, c),
                late: c.late,
                field: matches!(c.correction.subject, reestr_core::correction::Subject::Field(_)),
            })
            .collect();
        web.render(&InboxPage { w: &web, list })
    }
    .await;
    web.respond(r)
}

#[derive(Debug, Deserialize)]
pub struct AnswerForm {
    accepted: String,
    text: String,
    value: Option<String>,
}

/// Answers a request; accepting one about a field changes the field, with the request as source.
pub async fn answer(
    State(state): State<AppState>,
    web: Web,
    Path(id): Path<i64>,
    Posted(f): Posted<AnswerForm>,
) -> Response {
    let r = async {
        let who = web.staff()?;
        let answer = Answer { accepted: f.accepted == "yes", text: f.text.trim().to_owned() };
        let value = given(f.value);
        state.blocking(move |reg, now| Ok(reg.answer_correction(&who, id, answer, value, now)?)).await?;
        Ok(Redirect::to("/console/corrections").into_response())
    }
    .await;
    web.respond(r)
}

// ---- dashboards ----

/// How many days the dashboard shows.
const DASHBOARD_DAYS: u16 = 30;

#[derive(Debug)]
pub struct Series {
    pub title: String,
    pub svg: String,
    pub total: String,
}

#[derive(Debug)]
pub struct DayRow {
    pub date: String,
    pub cells: Vec<String>,
}

#[derive(Debug)]
pub struct RegionBoard {
    pub name: String,
    pub anchor: String,
    pub series: Vec<Series>,
    pub rows: Vec<DayRow>,
}

#[derive(Debug)]
pub struct BreachLine {
    pub agency: String,
    pub kind: String,
    pub region: String,
    pub delivered: String,
    pub due: String,
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage<'a> {
    w: &'a Web,
    days: u16,
    columns: Vec<String>,
    totals: Vec<DayRow>,
    boards: Vec<RegionBoard>,
    breaches: Vec<BreachLine>,
}

/// How to take one measure from a day's counts.
type Metric = fn(&reestr_store::DayCounts) -> u64;

/// The measures of a dashboard: the message of its title and how to take it from a day.
const METRICS: [(&str, Metric); 6] = [
    ("metric-issued", |d| d.issued),
    ("metric-served", |d| d.served),
    ("metric-appeared", |d| d.appeared),
    ("metric-excused", |d| d.excused),
    ("metric-overdue", |d| d.overdue),
    ("metric-in-force", |d| d.measures_in_force),
];

/// `/console/dashboard`: the supervisor's region (every region for an admin) over the last
/// days, as charts with the numbers beside them, and the agency confirmations overdue.
pub async fn dashboard(State(state): State<AppState>, web: Web) -> Response {
    let r = async {
        let who = web.staff()?;
        let (activity, breaches) = state
            .blocking(move |reg, now| {
                Ok((reg.activity(&who, DASHBOARD_DAYS, now)?, reg.breaches(&who, now, 0, reestr_store::MAX_PAGE)?))
            })
            .await?;
        let i = &web.i;
        let dir = reestr_core::region::Directory::builtin();
        let region_name = |r: RegionCode| {
            dir.region(r).map(|x| if web.en() { x.name_en.clone() } else { x.name_ru.clone() }).unwrap_or_default()
        };
        let columns = METRICS.iter().map(|(id, _)| i.t(id)).collect();
        let totals = activity
            .iter()
            .map(|a| {
                let t = a.totals();
                DayRow {
                    date: region_name(a.region),
                    cells: METRICS.iter().map(|(_, get)| i.number(get(&t))).collect(),
                }
            })
            .collect();
        let boards = activity
            .iter()
            .map(|a| RegionBoard {
                name: region_name(a.region),
                anchor: format!("r{}", a.region),
                series: METRICS
                    .iter()
                    .map(|(id, get)| {
                        let points: Vec<(String, u64)> =
                            a.days.iter().map(|d| (d.date.map(|x| i.date(&x)).unwrap_or_default(), get(d))).collect();
                        let total = if *id == "metric-in-force" {
                            a.measures_in_force
                        } else {
                            points.iter().map(|p| p.1).sum()
                        };
                        Series { title: i.t(id), svg: chart::bars(&i.t(id), &points), total: i.number(total) }
                    })
                    .collect(),
                rows: a
                    .days
                    .iter()
                    .rev()
                    .map(|d| DayRow {
                        date: d.date.map(|x| i.date(&x)).unwrap_or_default(),
                        cells: METRICS.iter().map(|(_, get)| i.number(get(d))).collect(),
                    })
                    .collect(),
            })
            .collect();
        let breaches = breaches
            .into_iter()
            .map(|b| BreachLine {
                agency: b.agency,
                kind: b
                    .delivery
                    .kind
                    .parse::<reestr_core::measure::MeasureKind>()
                    .map(|k| k.title(i.lang).to_owned())
                    .unwrap_or(b.delivery.kind),
                region: format!("{:02}", b.delivery.region),
                delivered: i.instant(&b.delivery.created_at),
                due: i.instant(&b.due_at),
            })
            .collect();
        web.render(&DashboardPage { w: &web, days: DASHBOARD_DAYS, columns, totals, boards, breaches })
    }
    .await;
    web.respond(r)
}

// ---- rollout ----

#[derive(Debug)]
pub struct RegionLine {
    pub code: String,
    pub name: String,
    pub state: String,
    pub options: Vec<(String, String, bool)>,
}

#[derive(Template)]
#[template(path = "regions.html")]
struct RegionsPage<'a> {
    w: &'a Web,
    regions: Vec<RegionLine>,
}

/// `/console/regions`: the regions the caller may switch, with their rollout state.
pub async fn regions(State(state): State<AppState>, web: Web) -> Response {
    let r = async {
        let who = web.staff()?;
        let rollout = state.blocking(|reg, _| Ok(reg.rollout()?)).await?;
        let dir = reestr_core::region::Directory::builtin();
        let regions = dir
            .regions()
            .filter(|r| who.may_set_rollout(r.code).is_ok())
            .map(|r| {
                let current = rollout.get(&r.code).copied().unwrap_or(Rollout::Off);
                RegionLine {
                    code: r.code.to_string(),
                    name: if web.en() { r.name_en.clone() } else { r.name_ru.clone() },
                    state: web.i.label("rollout", current.as_str()),
                    options: [Rollout::Off, Rollout::Pilot, Rollout::Live]
                        .iter()
                        .map(|x| (x.as_str().to_owned(), web.i.label("rollout", x.as_str()), *x == current))
                        .collect(),
                }
            })
            .collect::<Vec<_>>();
        if regions.is_empty() {
            return Err(reestr_core::access::AccessError::Forbidden.into());
        }
        web.render(&RegionsPage { w: &web, regions })
    }
    .await;
    web.respond(r)
}

#[derive(Debug, Deserialize)]
pub struct RolloutForm {
    region: String,
    state: Rollout,
}

/// Switches a region between off, pilot and live; recorded in the log.
pub async fn set_rollout(State(state): State<AppState>, web: Web, Posted(f): Posted<RolloutForm>) -> Response {
    let r = async {
        let who = web.staff()?;
        let region: RegionCode = f.region.parse().map_err(|_| not_found())?;
        state.blocking(move |reg, now| Ok(reg.set_rollout(&who, region, f.state, now)?)).await?;
        Ok(Redirect::to("/console/regions").into_response())
    }
    .await;
    web.respond(r)
}
