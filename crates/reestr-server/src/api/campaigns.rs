//! Campaigns for registrars (their commissariat), supervisors (their region) and admins: create
//! one, see a dry run, start issuing and follow its progress. Issuing runs in the background, in
//! batches, and resumes after a restart; the client polls the campaign for its progress.

use axum::{Json, extract::State, http::StatusCode};
use jiff::civil::{Date, Time};
use reestr_core::{
    campaign::{Appointments, CampaignSpec, CampaignState, Cohort, Quota},
    person::{Field, Registration},
    summons::Purpose as SummonsPurpose,
};
use reestr_store::{Campaign, DryRun, MAX_SAMPLE};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::dto::Errors;
use crate::{
    AppState,
    error::{ApiError, ApiResult},
    extract::{Body, Caller, PathOf, QueryOf},
};

/// A registration status a cohort may take in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CohortStatus {
    Registered,
    /// Deferred (a deferment that ends before the first appointment date counts as registered).
    Deferred,
    Exempt,
}

impl From<CohortStatus> for Registration {
    fn from(s: CohortStatus) -> Registration {
        match s {
            CohortStatus::Registered => Registration::Registered,
            CohortStatus::Deferred => Registration::Deferred,
            CohortStatus::Exempt => Registration::Exempt,
        }
    }
}

pub(crate) fn cohort_status(r: Registration) -> Option<CohortStatus> {
    match r {
        Registration::Registered => Some(CohortStatus::Registered),
        Registration::Deferred => Some(CohortStatus::Deferred),
        Registration::Exempt => Some(CohortStatus::Exempt),
        Registration::Deregistered => None,
    }
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct CampaignRequest {
    #[schema(example = "Весенний призыв 2025")]
    pub name: String,
    pub purpose: SummonsPurpose,
    /// One quota per region.
    pub quotas: Vec<Quota>,
    /// Only the persons of this commissariat (`RR-NNN`); a registrar must name its own.
    pub commissariat: Option<String>,
    /// The cohort's first birth year.
    #[schema(minimum = 1900, maximum = 9999, example = 1998)]
    pub born_from: i16,
    /// The cohort's last birth year (inclusive).
    #[schema(minimum = 1900, maximum = 9999, example = 2007)]
    pub born_to: i16,
    /// Default: `registered` only.
    pub statuses: Option<Vec<CohortStatus>>,
    /// The first appointment date (local), after today.
    #[schema(format = Date, example = "2025-05-12")]
    pub appointments_from: String,
    /// The last appointment date (local, inclusive); persons are spread over its working days.
    #[schema(format = Date, example = "2025-05-30")]
    pub appointments_to: String,
    /// The local time of every appointment, `HH:MM`.
    #[schema(pattern = r"^\d{2}:\d{2}$", example = "09:00")]
    pub appointment_time: String,
}

fn invalid(what: &'static str, e: impl std::fmt::Display) -> ApiError {
    ApiError {
        field: Some(what),
        ..ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_request", format!("{what}: {e}"))
    }
}

impl CampaignRequest {
    pub(crate) fn spec(self) -> ApiResult<CampaignSpec> {
        let date = |what: &'static str, s: &str| s.parse::<Date>().map_err(|e| invalid(what, e));
        Ok(CampaignSpec {
            name: self.name,
            purpose: self.purpose,
            quotas: self.quotas,
            commissariat: self.commissariat.map(|c| c.parse().map_err(|e| invalid("commissariat", e))).transpose()?,
            cohort: Cohort {
                born_from: self.born_from,
                born_to: self.born_to,
                statuses: self
                    .statuses
                    .unwrap_or_else(|| vec![CohortStatus::Registered])
                    .into_iter()
                    .map(Registration::from)
                    .collect(),
            },
            appointments: Appointments {
                from: date("appointments_from", &self.appointments_from)?,
                to: date("appointments_to", &self.appointments_to)?,
                time: self.appointment_time.parse::<Time>().map_err(|e| invalid("appointment_time", e))?,
            },
        })
    }
}

/// A region's quota and progress.
#[derive(Debug, Serialize, ToSchema)]
pub struct RegionProgressOut {
    pub region: String,
    pub quota: u64,
    pub issued: u64,
    /// Persons of the cohort passed over because they held an open summons.
    pub held_open: u64,
    /// The quota is reached, the region's eligible persons ran out, or the register does not
    /// operate there.
    pub finished: bool,
}

/// A campaign and its progress.
#[derive(Debug, Serialize, ToSchema)]
pub struct CampaignOut {
    pub id: i64,
    pub name: String,
    pub purpose: SummonsPurpose,
    pub state: CampaignState,
    pub commissariat: Option<String>,
    pub born_from: i16,
    pub born_to: i16,
    pub statuses: Vec<CohortStatus>,
    #[schema(format = Date)]
    pub appointments_from: String,
    #[schema(format = Date)]
    pub appointments_to: String,
    pub appointment_time: String,
    #[schema(format = DateTime)]
    pub created_at: String,
    pub created_by: String,
    pub issued_by: Option<String>,
    #[schema(format = DateTime)]
    pub started_at: Option<String>,
    #[schema(format = DateTime)]
    pub finished_at: Option<String>,
    pub quota: u64,
    pub issued: u64,
    pub regions: Vec<RegionProgressOut>,
}

impl From<Campaign> for CampaignOut {
    fn from(c: Campaign) -> CampaignOut {
        let s = &c.spec;
        CampaignOut {
            id: c.id,
            name: s.name.clone(),
            purpose: s.purpose,
            state: c.state,
            commissariat: s.commissariat.as_ref().map(|c| c.to_string()),
            born_from: s.cohort.born_from,
            born_to: s.cohort.born_to,
            statuses: s.cohort.statuses.iter().filter_map(|r| cohort_status(*r)).collect(),
            appointments_from: s.appointments.from.to_string(),
            appointments_to: s.appointments.to.to_string(),
            appointment_time: s.appointments.time.strftime("%H:%M").to_string(),
            created_at: c.created_at.to_string(),
            created_by: c.created_by.clone(),
            issued_by: c.issued_by.clone(),
            started_at: c.started_at.map(|t| t.to_string()),
            finished_at: c.finished_at.map(|t| t.to_string()),
            quota: c.quota(),
            issued: c.issued(),
            regions: c
                .regions
                .iter()
                .map(|r| RegionProgressOut {
                    region: r.region.to_string(),
                    quota: r.quota,
                    issued: r.issued,
                    held_open: r.held_open,
                    finished: r.finished_at.is_some(),
                })
                .collect(),
        }
    }
}

/// Creates a campaign (a draft: dry runs, then issuing).
#[utoipa::path(post, path = "/api/v1/campaigns", tag = "campaigns", request_body = CampaignRequest,
    responses((status = 201, body = CampaignOut), Errors), security(("session" = [])))]
pub async fn create(
    State(state): State<AppState>,
    Caller(who): Caller,
    Body(r): Body<CampaignRequest>,
) -> ApiResult<(StatusCode, Json<CampaignOut>)> {
    let spec = r.spec()?;
    let c = state.blocking(move |reg, now| Ok(reg.create_campaign(&who, spec, now)?)).await?;
    Ok((StatusCode::CREATED, Json(c.into())))
}

/// The campaigns the caller may run (a registrar its commissariat's, a supervisor its region's),
/// newest first, with their progress.
#[utoipa::path(get, path = "/api/v1/campaigns", tag = "campaigns",
    responses((status = 200, body = Vec<CampaignOut>), Errors), security(("session" = [])))]
pub async fn list(State(state): State<AppState>, Caller(who): Caller) -> ApiResult<Json<Vec<CampaignOut>>> {
    let list = state.blocking(move |reg, _| Ok(reg.campaigns(&who)?)).await?;
    Ok(Json(list.into_iter().map(CampaignOut::from).collect()))
}

/// A campaign with its progress (poll it while it is `issuing`).
#[utoipa::path(get, path = "/api/v1/campaigns/{id}", tag = "campaigns",
    params(("id" = i64, Path, description = "The campaign's number")),
    responses((status = 200, body = CampaignOut), Errors), security(("session" = [])))]
pub async fn get(
    State(state): State<AppState>,
    Caller(who): Caller,
    PathOf(id): PathOf<i64>,
) -> ApiResult<Json<CampaignOut>> {
    let c = state.blocking(move |reg, _| Ok(reg.campaign(&who, id)?)).await?;
    Ok(Json(c.into()))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DryRunQuery {
    /// How many of the persons to be summoned to show: 0 to 100 (default 20). Each shown is a
    /// read of the record that the person sees.
    #[param(minimum = 0, maximum = 100)]
    pub sample: Option<u32>,
}

/// A region of a dry run.
#[derive(Debug, Serialize, ToSchema)]
pub struct RegionDryRunOut {
    pub region: String,
    /// `off`, `pilot` or `live`; nothing is issued where it is `off`.
    pub rollout: String,
    pub quota: u64,
    /// Already issued by this campaign.
    pub issued: u64,
    /// Persons of the region in the cohort.
    pub cohort: u64,
    /// Of those not yet summoned by the campaign, how many hold an open summons (left out).
    pub open_summonses: u64,
    pub eligible: u64,
    /// How many summonses issuing would post now.
    pub would_issue: u64,
}

/// A person who would be summoned: non-sensitive fields only.
#[derive(Debug, Serialize, ToSchema)]
pub struct SampleOut {
    pub person: i64,
    pub region: String,
    pub surname: Option<String>,
    pub given_name: Option<String>,
    pub patronymic: Option<String>,
    #[schema(format = Date)]
    pub birth_date: Option<String>,
    pub commissariat: Option<String>,
    pub registration_status: CohortStatus,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DryRunOut {
    pub would_issue: u64,
    pub cohort: u64,
    pub open_summonses: u64,
    pub regions: Vec<RegionDryRunOut>,
    pub sample: Vec<SampleOut>,
}

impl From<DryRun> for DryRunOut {
    fn from(d: DryRun) -> DryRunOut {
        DryRunOut {
            would_issue: d.would_issue(),
            cohort: d.cohort(),
            open_summonses: d.open_summonses(),
            regions: d
                .regions
                .iter()
                .map(|r| RegionDryRunOut {
                    region: r.region.to_string(),
                    rollout: r.rollout.to_string(),
                    quota: r.quota,
                    issued: r.issued,
                    cohort: r.cohort,
                    open_summonses: r.open_summonses,
                    eligible: r.eligible,
                    would_issue: r.would_issue,
                })
                .collect(),
            sample: d
                .sample
                .into_iter()
                .map(|e| SampleOut {
                    person: e.person.0,
                    region: e.region.to_string(),
                    surname: e.record.text(Field::Surname),
                    given_name: e.record.text(Field::GivenName),
                    patronymic: e.record.text(Field::Patronymic),
                    birth_date: e.record.text(Field::BirthDate),
                    commissariat: e.record.text(Field::Commissariat),
                    registration_status: cohort_status(e.status).unwrap_or(CohortStatus::Registered),
                })
                .collect(),
        }
    }
}

/// What issuing would do now, region by region against the quotas, and a sample of whom. A
/// POST: showing persons is a logged read of each.
#[utoipa::path(post, path = "/api/v1/campaigns/{id}/dry-run", tag = "campaigns",
    params(("id" = i64, Path, description = "The campaign's number"), DryRunQuery),
    responses((status = 200, body = DryRunOut), Errors), security(("session" = [])))]
pub async fn dry_run(
    State(state): State<AppState>,
    Caller(who): Caller,
    PathOf(id): PathOf<i64>,
    QueryOf(q): QueryOf<DryRunQuery>,
) -> ApiResult<Json<DryRunOut>> {
    let sample = q.sample.unwrap_or(20) as usize;
    if sample > MAX_SAMPLE {
        return Err(ApiError::bad_request("invalid_request", format!("sample: at most {MAX_SAMPLE}")));
    }
    let d = state.blocking(move |reg, now| Ok(reg.dry_run(&who, id, sample, now)?)).await?;
    Ok(Json(d.into()))
}

/// Starts issuing (in the caller's name) and returns at once: the summonses are posted in the
/// background, batch after batch, each through the same path as a single summons. Poll the
/// campaign for progress. Starting one that is issuing or done changes nothing.
#[utoipa::path(post, path = "/api/v1/campaigns/{id}/issue", tag = "campaigns",
    params(("id" = i64, Path, description = "The campaign's number")),
    responses((status = 202, body = CampaignOut), Errors), security(("session" = [])))]
pub async fn issue(
    State(state): State<AppState>,
    Caller(who): Caller,
    PathOf(id): PathOf<i64>,
) -> ApiResult<(StatusCode, Json<CampaignOut>)> {
    let c = state.blocking(move |reg, now| Ok(reg.start_campaign(&who, id, now)?)).await?;
    if c.state == CampaignState::Issuing {
        crate::campaigns::spawn_issue(&state, id);
    }
    Ok((StatusCode::ACCEPTED, Json(c.into())))
}
