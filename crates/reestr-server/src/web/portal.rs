//! The citizen's personal account: summonses with their timelines, measures in force, the two
//! extracts, correction requests, and who read the record.

use askama::Template;
use axum::{
    extract::{Path, State},
    response::{IntoResponse, Redirect, Response},
};
use reestr_core::{
    access::{AccessError, Principal, Role, Scope},
    correction::{Request, Subject},
    explain::{StepState, timeline},
    notice::{NoticeKind, Preferences, QuietHours},
    person::{Field, PersonId},
    summons::Summons,
};
use serde::Deserialize;

use super::{Posted, Web, given};
use crate::{
    AppState,
    api::extracts::{make_extract, own_extract},
    error::ApiError,
    log::internal,
};

fn own(who: &Principal) -> Result<PersonId, ApiError> {
    match who.scope {
        Scope::Person(p) if who.role == Role::Citizen => Ok(p),
        _ => Err(AccessError::Forbidden.into()),
    }
}

/// One line of a timeline.
#[derive(Debug)]
pub struct StepLine {
    /// `done`, `ahead` or `void`, for the style.
    pub class: &'static str,
    pub state: String,
    pub text: String,
}

/// A summons as its person reads it.
#[derive(Debug)]
pub struct SummonsCard {
    pub number: String,
    pub status: String,
    pub purpose: String,
    pub steps: Vec<StepLine>,
}

#[derive(Debug)]
pub struct InForce {
    pub title: String,
    pub since: String,
    pub summons: String,
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage<'a> {
    w: &'a Web,
    name: String,
    region: String,
    operates: bool,
    in_force: Vec<InForce>,
    summonses: Vec<SummonsCard>,
}

fn card(w: &Web, s: &Summons, policy: &reestr_core::policy::Policy, now: jiff::Timestamp) -> SummonsCard {
    SummonsCard {
        number: s.number.to_string(),
        status: w.i.label("status", s.status.as_str()),
        purpose: w.i.label("purpose", s.purpose.as_str()),
        steps: timeline(s, policy, now, w.i.lang)
            .into_iter()
            .map(|step| {
                let class = match step.state {
                    StepState::Done => "done",
                    StepState::Ahead => "ahead",
                    StepState::Void => "void",
                };
                StepLine { class, state: w.i.t(&format!("step-{class}")), text: step.text }
            })
            .collect(),
    }
}

/// `/`: the personal account (officers go to the console; visitors to the login page).
pub async fn home(State(state): State<AppState>, web: Web) -> Response {
    match web.role() {
        None => return Redirect::to("/login").into_response(),
        Some(Role::Citizen) => {}
        Some(_) => return Redirect::to("/console").into_response(),
    }
    let w = web.clone();
    web.respond(
        async move {
            let who = w.who()?;
            let id = own(&who)?;
            let w2 = w.clone();
            let page = state
                .blocking(move |reg, now| {
                    let person = reg.read_person(&who, id, None, None, now)?;
                    let region = person.record.region();
                    let operates = region.is_some_and(|r| {
                        reg.rollout().ok().and_then(|m| m.get(&r).copied()).is_some_and(|x| x.operates())
                    });
                    let region_name = region
                        .and_then(|r| reg.directory().region(r).ok())
                        .map(|r| if w2.en() { r.name_en.clone() } else { r.name_ru.clone() })
                        .unwrap_or_default();
                    let mut list = reg.summonses_of(&who, id, None, now)?;
                    list.sort_by_key(|s| std::cmp::Reverse(s.posted_at));
                    let mut in_force = Vec::new();
                    let mut cards = Vec::new();
                    for s in &list {
                        let policy = reg.policies().get(&s.policy).map_err(reestr_store::StoreError::from)?;
                        in_force.extend(s.measures_in_force(now).map(|m| InForce {
                            title: m.kind.title(w2.i.lang).to_owned(),
                            since: w2.i.instant_in(&m.started_at, &s.zone),
                            summons: s.number.to_string(),
                        }));
                        cards.push(card(&w2, s, policy, now));
                    }
                    Ok((person.record.full_name(), region_name, operates, in_force, cards))
                })
                .await?;
            let (name, region, operates, in_force, summonses) = page;
            w.render(&HomePage { w: &w, name, region, operates, in_force, summonses })
        }
        .await,
    )
}

// ---- extracts ----

#[derive(Template)]
#[template(path = "extracts.html")]
struct ExtractsPage<'a> {
    w: &'a Web,
}

/// `/extracts`: request either of the two extracts.
pub async fn extracts(web: Web) -> Response {
    web.respond(web.who().and_then(|who| own(&who)).and_then(|_| web.render(&ExtractsPage { w: &web })))
}

#[derive(Debug, Deserialize)]
pub struct ExtractForm {
    kind: String,
}

/// Makes an extract (signed and recorded in the log) and shows it.
pub async fn request_extract(State(state): State<AppState>, web: Web, Posted(f): Posted<ExtractForm>) -> Response {
    let r = async {
        let document = make_extract(&state, web.who()?, &f.kind).await?;
        let e = reestr_docs::verify::content_of(&document).map_err(internal)?;
        Ok(Redirect::to(&format!("/extracts/{}", e.number)).into_response())
    }
    .await;
    web.respond(r)
}

#[derive(Debug)]
pub struct Row {
    pub label: String,
    pub value: String,
}

#[derive(Debug)]
pub struct Section {
    pub title: String,
    pub rows: Vec<Row>,
}

#[derive(Template)]
#[template(path = "extract.html")]
struct ExtractPage<'a> {
    w: &'a Web,
    number: String,
    title: String,
    sections: Vec<Section>,
}

/// `/extracts/{number}`: one of the person's extracts, with its printable page and PDF.
pub async fn extract(State(state): State<AppState>, web: Web, Path(number): Path<String>) -> Response {
    let r = async {
        let document = own_extract(&state, &web.who()?, number.clone()).await?;
        let e = reestr_docs::verify::content_of(&document).map_err(internal)?;
        let en = web.en();
        let (title_ru, title_en) = reestr_docs::view::title(&e);
        let sections = reestr_docs::view::sections(&e)
            .into_iter()
            .map(|s| Section {
                title: if en { s.title_en } else { s.title_ru },
                rows: s
                    .rows
                    .into_iter()
                    .map(|r| Row { label: (if en { r.label_en } else { r.label_ru }).to_owned(), value: r.value })
                    .collect(),
            })
            .collect();
        web.render(&ExtractPage { w: &web, number, title: if en { title_en } else { title_ru }, sections })
    }
    .await;
    web.respond(r)
}

// ---- corrections ----

#[derive(Debug)]
pub struct CorrectionLine {
    pub subject: String,
    pub explanation: String,
    pub filed: String,
    pub due: String,
    pub status: String,
    pub late: bool,
    pub answer: Option<String>,
}

#[derive(Debug)]
pub struct Choice {
    pub value: String,
    pub label: String,
}

#[derive(Template)]
#[template(path = "corrections.html")]
struct CorrectionsPage<'a> {
    w: &'a Web,
    list: Vec<CorrectionLine>,
    fields: Vec<Choice>,
    summonses: Vec<Choice>,
    /// The new request's form as typed (empty at first).
    v: CorrectionForm,
    /// A refused request: the field at fault (its `id` on the page) and what to say.
    error: Option<(String, String)>,
}

impl CorrectionsPage<'_> {
    fn invalid(&self, field: &str) -> bool {
        self.error.as_ref().is_some_and(|(f, _)| f == field)
    }
}

/// A correction's subject as people say it.
pub fn subject_text(w: &Web, s: &Subject) -> String {
    match s {
        Subject::Field(f) => w.i.t1("subject-field", w.i.label("field", f.name())),
        Subject::Summons(n) => w.i.t1("subject-summons", n.as_str()),
    }
}

/// Where a correction stands, as people say it.
pub fn correction_status(w: &Web, c: &reestr_store::CorrectionView) -> String {
    match c.correction.answer.as_ref().map(|a| a.accepted) {
        Some(true) => w.i.t("correction-accepted"),
        Some(false) => w.i.t("correction-rejected"),
        None if c.late => w.i.t("correction-late"),
        None => w.i.t("correction-pending"),
    }
}

/// `/corrections`: the person's requests with their status and deadline, and a form for a new one.
pub async fn corrections(State(state): State<AppState>, web: Web) -> Response {
    let r = corrections_page(state, &web, CorrectionForm::default(), None).await;
    web.respond(r)
}

async fn corrections_page(
    state: AppState,
    web: &Web,
    v: CorrectionForm,
    error: Option<(String, String)>,
) -> Result<Response, ApiError> {
    let who = web.who()?;
    let id = own(&who)?;
    let (list, numbers) = state
        .blocking(move |reg, now| {
            let list = reg.my_corrections(&who, now)?;
            let numbers: Vec<String> =
                reg.summonses_of(&who, id, None, now)?.iter().map(|s| s.number.to_string()).collect();
            Ok((list, numbers))
        })
        .await?;
    let lines = list
        .iter()
        .rev()
        .map(|c| CorrectionLine {
            subject: subject_text(web, &c.correction.subject),
            explanation: c.correction.request.explanation.clone(),
            filed: web.i.instant(&c.correction.filed_at),
            due: web.i.instant(&c.correction.due_at),
            status: correction_status(web, c),
            late: c.late,
            answer: c.correction.answer.as_ref().map(|a| a.text.clone()),
        })
        .collect();
    let fields = Field::ALL
        .iter()
        .map(|f| Choice { value: format!("field:{}", f.name()), label: web.i.label("field", f.name()) })
        .collect();
    let summonses = numbers
        .into_iter()
        .map(|n| Choice { label: web.i.t1("subject-summons", &n), value: format!("summons:{n}") })
        .collect();
    web.render(&CorrectionsPage { w: web, list: lines, fields, summonses, v, error })
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct CorrectionForm {
    subject: String,
    explanation: String,
    evidence: Option<String>,
    proposed: Option<String>,
}

/// Files a correction request; the registrar must answer within five working days.
pub async fn file_correction(State(state): State<AppState>, web: Web, Posted(f): Posted<CorrectionForm>) -> Response {
    let r = async {
        let who = web.who()?;
        own(&who)?;
        let typed = f.clone();
        let filed = async {
            let subject: Subject = f.subject.parse().map_err(reestr_store::StoreError::from)?;
            let request = Request {
                explanation: f.explanation.trim().to_owned(),
                evidence: given(f.evidence),
                proposed: given(f.proposed),
            };
            state.blocking(move |reg, now| Ok(reg.file_correction(&who, subject, request, now)?)).await
        }
        .await;
        match filed {
            Ok(_) => Ok(Redirect::to("/corrections").into_response()),
            // A refused request comes back filled in, with the field at fault marked.
            Err(e) => {
                let Some(field) = e.field else { return Err(e) };
                let error = Some((field.to_owned(), web.explain(&e)));
                let mut page = corrections_page(state, &web, typed, error).await?;
                *page.status_mut() = e.status;
                Ok(page)
            }
        }
    }
    .await;
    web.respond(r)
}

// ---- who read my data ----

#[derive(Debug)]
pub struct ReadLine {
    pub at: String,
    pub who: String,
    pub fields: String,
    pub purpose: String,
}

#[derive(Template)]
#[template(path = "reads.html")]
struct ReadsPage<'a> {
    w: &'a Web,
    reads: Vec<ReadLine>,
}

/// Who did a read, as people say it: the role and the login or agency.
fn reader(w: &Web, actor: &str, role: &str) -> String {
    let role = w.i.label("role", role);
    let mut parts = actor.split(':');
    match (parts.next(), parts.next(), parts.next()) {
        (Some("user"), Some(_), Some(login)) => format!("{role} · {login}"),
        (Some("key"), Some(_), Some(agency)) | (Some("agency"), Some(agency), None) => format!("{role} · {agency}"),
        (Some("cli"), Some(login), None) => format!("{} · {login}", w.i.t("reader-operator")),
        _ => format!("{role} · {actor}"),
    }
}

/// `/reads`: every read of the record by an official or an agency, newest first.
pub async fn reads(State(state): State<AppState>, web: Web) -> Response {
    let r = async {
        let who = web.who()?;
        let id = own(&who)?;
        let events = state.blocking(move |reg, _| Ok(reg.reads_of(&who, id)?)).await?;
        let reads = events
            .iter()
            .map(|e| {
                let fields: Vec<String> = e.payload["fields"]
                    .as_array()
                    .map(|a| a.iter().filter_map(|f| f.as_str()).map(|f| web.i.label("field", f)).collect())
                    .unwrap_or_default();
                ReadLine {
                    at: web.i.instant(&e.recorded_at),
                    who: reader(&web, &e.actor.to_string(), e.payload["role"].as_str().unwrap_or_default()),
                    fields: fields.join(", "),
                    purpose: e.payload["purpose"]
                        .as_str()
                        .map(str::to_owned)
                        .unwrap_or_else(|| web.i.t("reads-no-purpose")),
                }
            })
            .collect();
        web.render(&ReadsPage { w: &web, reads })
    }
    .await;
    web.respond(r)
}

/// One notice in the account's inbox.
#[derive(Debug)]
pub struct NoticeLine {
    pub at: String,
    pub subject: String,
    pub body: String,
    pub next: String,
    pub code: String,
}

#[derive(Template)]
#[template(path = "notices.html")]
struct NoticesPage<'a> {
    w: &'a Web,
    notices: Vec<NoticeLine>,
    safety: &'static str,
    /// The kinds that always go by e-mail, at once.
    required: String,
    /// The optional kinds: code, title, chosen.
    optional: Vec<(&'static str, &'static str, bool)>,
    /// Quiet hours: in use, from, to (22:00 to 08:00 proposed when not in use).
    quiet: (bool, String, String),
}

/// `/notices`: the notices the register sent, newest first, each with its verification code.
pub async fn notices(State(state): State<AppState>, web: Web) -> Response {
    let r = async {
        let who = web.who()?;
        own(&who)?;
        let (items, prefs) =
            state.blocking(move |reg, _| Ok((reg.inbox(&who, None, 100)?, reg.notice_preferences(&who)?))).await?;
        let notices = items
            .iter()
            .map(|n| {
                let text = n.content.text(web.i.lang);
                NoticeLine {
                    at: web.i.instant(&n.created_at),
                    subject: text.subject.clone(),
                    body: text.body.clone(),
                    next: text.next.clone(),
                    code: n.code.clone(),
                }
            })
            .collect();
        let lang = web.i.lang;
        let required: Vec<&str> = NoticeKind::ALL.into_iter().filter(|k| k.required()).map(|k| k.title(lang)).collect();
        let hhmm = |t: jiff::civil::Time| t.strftime("%H:%M").to_string();
        let page = NoticesPage {
            w: &web,
            notices,
            safety: reestr_core::notice::safety_line(lang),
            required: required.join("; "),
            optional: NoticeKind::optional().map(|k| (k.as_str(), k.title(lang), prefs.email.contains(&k))).collect(),
            quiet: match prefs.quiet_hours {
                Some(q) => (true, hhmm(q.from), hhmm(q.to)),
                None => (false, "22:00".to_owned(), "08:00".to_owned()),
            },
        };
        web.render(&page)
    }
    .await;
    web.respond(r)
}

/// Saves which optional notices also go by e-mail, and the quiet hours in which they wait.
pub async fn set_preferences(
    State(state): State<AppState>,
    web: Web,
    Posted(form): Posted<Vec<(String, String)>>,
) -> Response {
    let r = async {
        let who = web.who()?;
        own(&who)?;
        let value = |name: &str| form.iter().find(|(k, _)| k == name).map(|(_, v)| v.trim().to_owned());
        let email = form
            .iter()
            .filter(|(k, _)| k == "email")
            .map(|(_, v)| NoticeKind::optional().find(|k| k.as_str() == v).ok_or_else(|| invalid("email", v)))
            .collect::<Result<_, _>>()?;
        let time = |name: &str| {
            let text = value(name).unwrap_or_default();
            text.parse::<jiff::civil::Time>().map_err(|_| invalid(name, &text))
        };
        let quiet_hours = match value("quiet").as_deref() {
            Some("on") => Some(QuietHours { from: time("quiet_from")?, to: time("quiet_to")? }),
            _ => None,
        };
        let prefs = Preferences { email, quiet_hours };
        state.blocking(move |reg, now| Ok(reg.set_notice_preferences(&who, prefs, now)?)).await?;
        Ok(Redirect::to("/notices#preferences").into_response())
    }
    .await;
    web.respond(r)
}

fn invalid(field: &str, value: &str) -> ApiError {
    ApiError::new(
        axum::http::StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_request",
        format!("{field}: {value:?} is not valid here"),
    )
}
