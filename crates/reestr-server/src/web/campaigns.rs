//! Campaigns in the console, for registrars (their commissariat), supervisors (their region) and
//! admins: the list with progress, a new campaign with quotas by region and its cohort, a dry
//! run (how many, how many already hold an open summons, a sample), and issuing, which runs in
//! the background while the page shows how far it has come.
//!
//! The forms build the API's own [`CampaignRequest`], so both faces check a campaign the same
//! way; a form the register refuses comes back filled in, with the field at fault named.

use askama::Template;
use axum::{
    extract::{Path, State},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use jiff::{Timestamp, civil::Date};
use reestr_core::{
    access::{Principal, Role, Scope},
    campaign::{CampaignState, MAX_QUOTA, Quota, proposed_appointments},
    days::local_date,
    person::{Field, Registration},
    region::{CommissariatCode, Directory, RegionCode, Rollout},
    summons::Purpose as SummonsPurpose,
};
use reestr_store::{Campaign, DryRun};

use super::{Empty, Posted, Web, console::Fact, portal::Choice};
use crate::{
    AppState,
    api::campaigns::{CampaignRequest, cohort_status},
    error::ApiError,
};

/// How many persons a dry run shows.
const SAMPLE: usize = 20;

/// What the caller may run campaigns for: the regions, and the commissariat a registrar is bound to.
struct Reach {
    regions: Vec<RegionCode>,
    commissariat: Option<CommissariatCode>,
}

fn reach(who: &Principal, dir: &Directory) -> Result<Reach, ApiError> {
    who.may_list_campaigns()?;
    Ok(match (&who.role, &who.scope) {
        (Role::Registrar, Scope::Commissariat(c)) => Reach { regions: vec![c.region()], commissariat: Some(c.clone()) },
        (_, Scope::Region(r)) => Reach { regions: vec![*r], commissariat: None },
        _ => Reach { regions: dir.regions().map(|r| r.code).collect(), commissariat: None },
    })
}

fn region_name(web: &Web, dir: &Directory, code: RegionCode) -> String {
    let name = dir.region(code).map(|r| if web.en() { r.name_en.clone() } else { r.name_ru.clone() });
    format!("{code} · {}", name.unwrap_or_default())
}

// ---- the list ----

#[derive(Debug)]
pub struct CampaignLine {
    pub id: i64,
    pub name: String,
    pub purpose: String,
    pub state: String,
    pub quota: String,
    pub issued: String,
    pub created: String,
}

#[derive(Template)]
#[template(path = "campaigns.html")]
struct ListPage<'a> {
    w: &'a Web,
    list: Vec<CampaignLine>,
}

/// `/console/campaigns`: the campaigns the caller may run, newest first.
pub async fn list(State(state): State<AppState>, web: Web) -> Response {
    let r = async {
        let who = web.staff()?;
        let list = state.blocking(move |reg, _| Ok(reg.campaigns(&who)?)).await?;
        let i = &web.i;
        let list = list
            .iter()
            .map(|c| CampaignLine {
                id: c.id,
                name: c.spec.name.clone(),
                purpose: i.label("purpose", c.spec.purpose.as_str()),
                state: i.label("campaign-state", c.state.as_str()),
                quota: i.number(c.quota()),
                issued: i.number(c.issued()),
                created: i.instant(&c.created_at),
            })
            .collect();
        web.render(&ListPage { w: &web, list })
    }
    .await;
    web.respond(r)
}

// ---- a new campaign ----

/// The form's values as typed, to fill it in again when the register refuses it.
#[derive(Debug, Clone, Default)]
pub struct Values {
    pub name: String,
    pub purpose: String,
    pub born_from: String,
    pub born_to: String,
    pub statuses: Vec<String>,
    pub appointments_from: String,
    pub appointments_to: String,
    pub appointment_time: String,
    /// `quota-RR` fields: region code and the text typed.
    pub quotas: Vec<(String, String)>,
}

impl Values {
    fn from_form(pairs: &[(String, String)]) -> Values {
        let one = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.trim().to_owned()).unwrap_or_default();
        Values {
            name: one("name"),
            purpose: one("purpose"),
            born_from: one("born_from"),
            born_to: one("born_to"),
            statuses: pairs.iter().filter(|(n, _)| n == "status").map(|(_, v)| v.clone()).collect(),
            appointments_from: one("appointments_from"),
            appointments_to: one("appointments_to"),
            appointment_time: one("appointment_time"),
            quotas: pairs
                .iter()
                .filter_map(|(n, v)| Some((n.strip_prefix("quota-")?.to_owned(), v.trim().to_owned())))
                .collect(),
        }
    }

    /// What a new form proposes: the next call-up weeks after today in every region, the
    /// cohort of call-up age, and for a caller of one region a quota to change.
    fn proposed(web: &Web, dir: &Directory, reach: &Reach, now: Timestamp) -> Values {
        let today = dir.zones().iter().map(|z| local_date(now, z.tz())).max().unwrap_or(Date::MIN);
        let (from, to) = proposed_appointments(today);
        let season = if from.month() <= 7 { "campaign-spring" } else { "campaign-autumn" };
        let quota = if reach.regions.len() == 1 { "100" } else { "" };
        Values {
            name: web.i.t1(season, from.year().to_string()),
            purpose: SummonsPurpose::CallUp.as_str().to_owned(),
            born_from: (from.year() - 30).to_string(),
            born_to: (from.year() - 18).to_string(),
            statuses: vec![Registration::Registered.to_string()],
            appointments_from: from.to_string(),
            appointments_to: to.to_string(),
            appointment_time: "09:00".to_owned(),
            quotas: reach.regions.iter().map(|r| (r.to_string(), quota.to_owned())).collect(),
        }
    }

    fn quota(&self, region: &str) -> String {
        self.quotas.iter().find(|(r, _)| r == region).map(|(_, q)| q.clone()).unwrap_or_default()
    }

    /// The API's request, or the field at fault.
    fn request(&self, reach: &Reach) -> Result<CampaignRequest, FormError> {
        let year = |field: &'static str, s: &str| s.parse::<i16>().map_err(|_| FormError::field(field));
        let mut quotas = Vec::new();
        for (region, text) in self.quotas.iter().filter(|(_, q)| !q.is_empty()) {
            let field = FormError::quota(region);
            let region: RegionCode = region.parse().map_err(|_| field.clone())?;
            if !reach.regions.contains(&region) {
                // Only a hand-made form names a region the page did not offer.
                return Err(FormError { field: "quotas".into(), code: Some("forbidden".into()) });
            }
            let quota = text.parse().ok().filter(|q| (1..=MAX_QUOTA).contains(q)).ok_or(field)?;
            quotas.push(Quota { region, quota });
        }
        if quotas.is_empty() {
            return Err(FormError::field("quotas"));
        }
        let statuses = self
            .statuses
            .iter()
            .map(|s| s.parse::<Registration>().ok().and_then(cohort_status))
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| FormError::field("statuses"))?;
        Ok(CampaignRequest {
            name: self.name.clone(),
            purpose: self.purpose.parse().map_err(|_| FormError::field("purpose"))?,
            quotas,
            commissariat: reach.commissariat.as_ref().map(|c| c.to_string()),
            born_from: year("born_from", &self.born_from)?,
            born_to: year("born_to", &self.born_to)?,
            statuses: Some(statuses),
            appointments_from: self.appointments_from.clone(),
            appointments_to: self.appointments_to.clone(),
            appointment_time: self.appointment_time.clone(),
        })
    }
}

/// A refused form: the field at fault (its `id` on the page) and, when the register said more
/// than "invalid", its error code.
#[derive(Debug, Clone)]
pub struct FormError {
    pub field: String,
    pub code: Option<String>,
}

impl FormError {
    fn field(field: &str) -> FormError {
        FormError { field: field.to_owned(), code: None }
    }

    fn quota(region: &str) -> FormError {
        FormError::field(&format!("quota-{region}"))
    }

    /// The field an error of the register's checks is about, if it is about one.
    fn of(e: &ApiError) -> Option<FormError> {
        let field = e.field?;
        Some(FormError { field: field.to_owned(), code: Some(e.code.clone()).filter(|c| c != "invalid_request") })
    }

    /// What to tell the officer, in the page's language.
    fn message(&self, web: &Web) -> String {
        match &self.code {
            Some(code) => web.i.t(&format!("error-{}", code.replace('_', "-"))),
            None => web.i.t(&format!("campaign-bad-{}", self.field.split('-').next().unwrap_or("").replace('_', "-"))),
        }
    }
}

#[derive(Debug)]
pub struct QuotaRow {
    pub code: String,
    pub name: String,
    pub rollout: String,
    pub value: String,
    pub invalid: bool,
}

#[derive(Template)]
#[template(path = "campaign_new.html")]
struct NewPage<'a> {
    w: &'a Web,
    v: Values,
    /// The field at fault and what to say.
    error: Option<(String, String)>,
    purposes: Vec<Choice>,
    statuses: Vec<(Choice, bool)>,
    regions: Vec<QuotaRow>,
    commissariat: Option<String>,
}

impl NewPage<'_> {
    fn invalid(&self, field: &str) -> bool {
        self.error.as_ref().is_some_and(|(f, _)| f == field)
    }
}

fn new_page(
    web: &Web,
    reach: &Reach,
    rollout: &std::collections::BTreeMap<RegionCode, Rollout>,
    v: Values,
    error: Option<FormError>,
) -> Result<Response, ApiError> {
    let dir = Directory::builtin();
    let i = &web.i;
    let error = error.map(|e| (e.field.clone(), e.message(web)));
    let regions = reach
        .regions
        .iter()
        .map(|r| {
            let code = r.to_string();
            QuotaRow {
                name: region_name(web, dir, *r),
                rollout: i.label("rollout", rollout.get(r).copied().unwrap_or(Rollout::Off).as_str()),
                value: v.quota(&code),
                invalid: error.as_ref().is_some_and(|(f, _)| *f == format!("quota-{code}")),
                code,
            }
        })
        .collect();
    let page = NewPage {
        w: web,
        purposes: SummonsPurpose::ALL
            .iter()
            .map(|p| Choice { value: p.as_str().to_owned(), label: i.label("purpose", p.as_str()) })
            .collect(),
        statuses: [Registration::Registered, Registration::Deferred, Registration::Exempt]
            .iter()
            .map(|s| {
                let value = s.to_string();
                let on = v.statuses.contains(&value);
                (Choice { label: i.label("registration", &value), value }, on)
            })
            .collect(),
        regions,
        commissariat: reach.commissariat.as_ref().map(|c| c.to_string()),
        error,
        v,
    };
    web.render(&page)
}

/// `/console/campaigns/new`: the form, filled in with what a call-up would usually be.
pub async fn new(State(state): State<AppState>, web: Web) -> Response {
    let r = async {
        let who = web.staff()?;
        let dir = Directory::builtin();
        let reach = reach(&who, dir)?;
        let rollout = state.blocking(|reg, _| Ok(reg.rollout()?)).await?;
        let values = Values::proposed(&web, dir, &reach, state.now());
        new_page(&web, &reach, &rollout, values, None)
    }
    .await;
    web.respond(r)
}

/// Creates the campaign (a draft) and shows its dry run at once; a refused form comes back
/// filled in, with the field at fault.
pub async fn create(State(state): State<AppState>, web: Web, Posted(form): Posted<Vec<(String, String)>>) -> Response {
    let r = async {
        let who = web.staff()?;
        let dir = Directory::builtin();
        let reach = reach(&who, dir)?;
        let values = Values::from_form(&form);
        let refused = match values.request(&reach) {
            Ok(request) => {
                let created = async {
                    let spec = request.spec()?;
                    state
                        .blocking(move |reg, now| {
                            let c = reg.create_campaign(&who, spec, now)?;
                            let dry = reg.dry_run(&who, c.id, SAMPLE, now)?;
                            Ok((c, dry))
                        })
                        .await
                }
                .await;
                match created {
                    Ok((c, dry)) => return campaign_page(&web, &c, Some(&dry)),
                    Err(e) => FormError::of(&e).ok_or(e)?,
                }
            }
            Err(field) => field,
        };
        let rollout = state.blocking(|reg, _| Ok(reg.rollout()?)).await?;
        let mut page = new_page(&web, &reach, &rollout, values, Some(refused))?;
        *page.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
        Ok(page)
    }
    .await;
    web.respond(r)
}

// ---- one campaign ----

#[derive(Debug)]
pub struct ProgressRow {
    pub region: String,
    pub quota: String,
    pub issued: String,
    pub held_open: String,
    pub state: String,
}

#[derive(Debug)]
pub struct DryRegion {
    pub region: String,
    pub rollout: String,
    pub quota: String,
    pub issued: String,
    pub cohort: String,
    pub open: String,
    pub eligible: String,
    pub would_issue: String,
}

#[derive(Debug)]
pub struct SampleRow {
    pub person: i64,
    pub name: String,
    pub birth_date: String,
    pub commissariat: String,
    pub region: String,
    pub status: String,
}

#[derive(Debug)]
pub struct DryView {
    pub would_issue: String,
    pub cohort: String,
    pub open: String,
    pub regions: Vec<DryRegion>,
    pub sample: Vec<SampleRow>,
}

#[derive(Template)]
#[template(path = "campaign.html")]
struct CampaignPage<'a> {
    w: &'a Web,
    id: i64,
    name: String,
    draft: bool,
    issuing: bool,
    done: bool,
    state_label: String,
    facts: Vec<Fact>,
    issued: u64,
    quota: u64,
    progress: String,
    regions: Vec<ProgressRow>,
    dry: Option<DryView>,
}

fn dry_view(web: &Web, dir: &Directory, d: &DryRun) -> DryView {
    let i = &web.i;
    DryView {
        would_issue: i.count("count-summonses", d.would_issue()),
        cohort: i.count("count-persons", d.cohort()),
        open: i.count("campaign-open-summonses", d.open_summonses()),
        regions: d
            .regions
            .iter()
            .map(|r| DryRegion {
                region: region_name(web, dir, r.region),
                rollout: i.label("rollout", r.rollout.as_str()),
                quota: i.number(r.quota),
                issued: i.number(r.issued),
                cohort: i.number(r.cohort),
                open: i.number(r.open_summonses),
                eligible: i.number(r.eligible),
                would_issue: i.number(r.would_issue),
            })
            .collect(),
        sample: d
            .sample
            .iter()
            .map(|e| SampleRow {
                person: e.person.0,
                name: e.record.full_name(),
                birth_date: e.record.birth_date().map(|b| i.date(&b)).unwrap_or_default(),
                commissariat: e.record.text(Field::Commissariat).unwrap_or_default(),
                region: e.region.to_string(),
                status: i.label("registration", &e.status.to_string()),
            })
            .collect(),
    }
}

fn campaign_page(web: &Web, c: &Campaign, dry: Option<&DryRun>) -> Result<Response, ApiError> {
    let dir = Directory::builtin();
    let i = &web.i;
    let s = &c.spec;
    let years = format!("{} — {}", s.cohort.born_from, s.cohort.born_to);
    let statuses: Vec<String> = s.cohort.statuses.iter().map(|r| i.label("registration", &r.to_string())).collect();
    let mut facts = vec![
        Fact { label: i.t("summons-purpose"), value: i.label("purpose", s.purpose.as_str()) },
        Fact { label: i.t("campaign-born"), value: years },
        Fact { label: i.t("campaign-statuses"), value: statuses.join(", ") },
        Fact {
            label: i.t("campaign-appointments"),
            value: format!(
                "{} — {}, {}",
                i.date(&s.appointments.from),
                i.date(&s.appointments.to),
                s.appointments.time.strftime("%H:%M")
            ),
        },
        Fact { label: i.t("campaign-created"), value: format!("{} ({})", i.instant(&c.created_at), c.created_by) },
    ];
    if let Some(commissariat) = &s.commissariat {
        facts.insert(1, Fact { label: i.t("summons-commissariat"), value: commissariat.to_string() });
    }
    if let (Some(at), Some(by)) = (c.started_at, &c.issued_by) {
        facts.push(Fact { label: i.t("campaign-started"), value: format!("{} ({by})", i.instant(&at)) });
    }
    if let Some(at) = c.finished_at {
        facts.push(Fact { label: i.t("campaign-finished"), value: i.instant(&at) });
    }
    let regions = c
        .regions
        .iter()
        .map(|r| ProgressRow {
            region: region_name(web, dir, r.region),
            quota: i.number(r.quota),
            issued: i.number(r.issued),
            held_open: i.number(r.held_open),
            state: match (r.finished_at, c.state) {
                (Some(_), _) => i.t("campaign-region-finished"),
                (None, CampaignState::Draft) => i.t("campaign-region-waiting"),
                (None, _) => i.t("campaign-region-issuing"),
            },
        })
        .collect();
    let page = CampaignPage {
        w: web,
        id: c.id,
        name: s.name.clone(),
        draft: c.state == CampaignState::Draft,
        issuing: c.state == CampaignState::Issuing,
        done: c.state == CampaignState::Done,
        state_label: i.label("campaign-state", c.state.as_str()),
        facts,
        issued: c.issued(),
        quota: c.quota(),
        progress: format!("{} / {}", i.number(c.issued()), i.count("count-summonses", c.quota())),
        regions,
        dry: dry.map(|d| dry_view(web, dir, d)),
    };
    web.render(&page)
}

/// `/console/campaigns/{id}`: the campaign and how far issuing has come.
pub async fn show(State(state): State<AppState>, web: Web, Path(id): Path<i64>) -> Response {
    let r = async {
        let who = web.staff()?;
        let c = state.blocking(move |reg, _| Ok(reg.campaign(&who, id)?)).await?;
        campaign_page(&web, &c, None)
    }
    .await;
    web.respond(r)
}

/// A dry run of the campaign now (a POST: the sample is a logged read of each person shown).
pub async fn dry_run(
    State(state): State<AppState>,
    web: Web,
    Path(id): Path<i64>,
    Posted(_): Posted<Empty>,
) -> Response {
    let r = async {
        let who = web.staff()?;
        let (c, dry) =
            state.blocking(move |reg, now| Ok((reg.campaign(&who, id)?, reg.dry_run(&who, id, SAMPLE, now)?))).await?;
        campaign_page(&web, &c, Some(&dry))
    }
    .await;
    web.respond(r)
}

/// Starts issuing in the caller's name; the page then shows the progress.
pub async fn issue(State(state): State<AppState>, web: Web, Path(id): Path<i64>, Posted(_): Posted<Empty>) -> Response {
    let r = async {
        let who = web.staff()?;
        let c = state.blocking(move |reg, now| Ok(reg.start_campaign(&who, id, now)?)).await?;
        if c.state == CampaignState::Issuing {
            crate::campaigns::spawn_issue(&state, id);
        }
        Ok(Redirect::to(&format!("/console/campaigns/{id}")).into_response())
    }
    .await;
    web.respond(r)
}
