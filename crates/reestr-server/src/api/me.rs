//! The citizen's personal account: the own record, summonses with their deadlines explained,
//! measures in force, who read the record, and correction requests.

use axum::{Json, extract::State, http::StatusCode};
use reestr_core::{
    access::{AccessError, Principal, Scope},
    correction::{Request, Subject},
    explain::timeline,
    measure::Lang,
    person::PersonId,
    summons::{Summons, SummonsNumber},
};
use reestr_store::Register;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::dto::{CorrectionOut, Errors, MySummonsView, PersonView, ReadView, StepView, SummonsView};
use crate::{
    AppState,
    error::{ApiError, ApiResult},
    extract::{Body, Caller, PathOf},
};

fn own(who: &Principal) -> ApiResult<PersonId> {
    match who.scope {
        Scope::Person(p) => Ok(p),
        _ => Err(AccessError::Forbidden.into()),
    }
}

fn explained(reg: &Register, s: &Summons, now: jiff::Timestamp) -> ApiResult<MySummonsView> {
    let policy = reg.policies().get(&s.policy).map_err(reestr_store::StoreError::from)?;
    Ok(MySummonsView {
        summons: SummonsView::new(s, policy),
        timeline_ru: timeline(s, policy, now, Lang::Ru).into_iter().map(StepView::from).collect(),
        timeline_en: timeline(s, policy, now, Lang::En).into_iter().map(StepView::from).collect(),
    })
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MeView {
    pub person: PersonView,
    pub region: String,
    /// Whether the register operates in the person's region (`false`: it does not yet).
    pub register_operates: bool,
}

/// The person's own record, every field with its provenance.
#[utoipa::path(get, path = "/api/v1/me", tag = "me", responses((status = 200, body = MeView), Errors), security(("session" = [])))]
pub async fn me(State(state): State<AppState>, Caller(who): Caller) -> ApiResult<Json<MeView>> {
    let id = own(&who)?;
    let (p, operates) = state
        .blocking(move |reg, now| {
            let p = reg.read_person(&who, id, None, None, now)?;
            let region = p.record.region();
            let operates = region
                .is_some_and(|r| reg.rollout().ok().and_then(|m| m.get(&r).copied()).is_some_and(|x| x.operates()));
            Ok((p, operates))
        })
        .await?;
    Ok(Json(MeView {
        region: p.record.region().map(|r| r.to_string()).unwrap_or_default(),
        register_operates: operates,
        person: PersonView::from(&p),
    }))
}

/// The person's summonses, each with its timeline in plain language.
#[utoipa::path(get, path = "/api/v1/me/summonses", tag = "me", responses((status = 200, body = Vec<MySummonsView>), Errors), security(("session" = [])))]
pub async fn summonses(State(state): State<AppState>, Caller(who): Caller) -> ApiResult<Json<Vec<MySummonsView>>> {
    let id = own(&who)?;
    let out = state
        .blocking(move |reg, now| {
            reg.summonses_of(&who, id, None, now)?.iter().map(|s| explained(reg, s, now)).collect()
        })
        .await?;
    Ok(Json(out))
}

/// Opens a summons in the personal account. Where the policy says so (fz53-2023), that serves it.
#[utoipa::path(post, path = "/api/v1/me/summonses/{number}/open", tag = "me",
    params(("number" = String, Path, description = "The summons's number")),
    responses((status = 200, body = MySummonsView), Errors), security(("session" = [])))]
pub async fn open_summons(
    State(state): State<AppState>,
    Caller(who): Caller,
    PathOf(number): PathOf<String>,
) -> ApiResult<Json<MySummonsView>> {
    let number: SummonsNumber =
        number.parse().map_err(|_| ApiError::new(StatusCode::NOT_FOUND, "not_found", "no such summons"))?;
    let out = state.blocking(move |reg, now| explained(reg, &reg.open_summons(&who, &number, now)?, now)).await?;
    Ok(Json(out))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct InForceView {
    pub summons: String,
    pub kind: String,
    pub title_ru: String,
    pub title_en: String,
    pub since: String,
}

/// The measures in force on the person now.
#[utoipa::path(get, path = "/api/v1/me/measures", tag = "me", responses((status = 200, body = Vec<InForceView>), Errors), security(("session" = [])))]
pub async fn measures(State(state): State<AppState>, Caller(who): Caller) -> ApiResult<Json<Vec<InForceView>>> {
    let id = own(&who)?;
    let out = state
        .blocking(move |reg, now| {
            let list = reg.summonses_of(&who, id, None, now)?;
            Ok(list
                .iter()
                .flat_map(|s| {
                    s.measures_in_force(now).map(move |m| InForceView {
                        summons: s.number.to_string(),
                        kind: m.kind.to_string(),
                        title_ru: m.kind.title(Lang::Ru).to_owned(),
                        title_en: m.kind.title(Lang::En).to_owned(),
                        since: m.started_at.to_string(),
                    })
                })
                .collect())
        })
        .await?;
    Ok(Json(out))
}

/// Who read the person's record: every read by an official or an agency, newest first.
#[utoipa::path(get, path = "/api/v1/me/reads", tag = "me", responses((status = 200, body = Vec<ReadView>), Errors), security(("session" = [])))]
pub async fn reads(State(state): State<AppState>, Caller(who): Caller) -> ApiResult<Json<Vec<ReadView>>> {
    let id = own(&who)?;
    let events = state.blocking(move |reg, _| Ok(reg.reads_of(&who, id)?)).await?;
    Ok(Json(
        events
            .into_iter()
            .map(|e| ReadView {
                at: e.recorded_at.to_string(),
                who: e.actor.to_string(),
                role: e.payload["role"].as_str().unwrap_or_default().to_owned(),
                purpose: e.payload["purpose"].as_str().map(str::to_owned),
                fields: e.payload["fields"]
                    .as_array()
                    .map(|a| a.iter().filter_map(|f| f.as_str().map(str::to_owned)).collect())
                    .unwrap_or_default(),
            })
            .collect(),
    ))
}

/// The person's correction requests with their status and deadline.
#[utoipa::path(get, path = "/api/v1/me/corrections", tag = "me", responses((status = 200, body = Vec<CorrectionOut>), Errors), security(("session" = [])))]
pub async fn corrections(State(state): State<AppState>, Caller(who): Caller) -> ApiResult<Json<Vec<CorrectionOut>>> {
    let list = state.blocking(move |reg, now| Ok(reg.my_corrections(&who, now)?)).await?;
    Ok(Json(list.into_iter().map(CorrectionOut::from).collect()))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct CorrectionRequest {
    /// `field:NAME` (a field of the record) or `summons:NUMBER`.
    pub subject: String,
    pub explanation: String,
    pub evidence: Option<String>,
    /// For a field: the value that is right.
    pub proposed: Option<String>,
}

/// Files a correction request; the registrar must answer within five working days.
#[utoipa::path(post, path = "/api/v1/me/corrections", tag = "me", request_body = CorrectionRequest,
    responses((status = 201, body = CorrectionOut), Errors), security(("session" = [])))]
pub async fn file_correction(
    State(state): State<AppState>,
    Caller(who): Caller,
    Body(r): Body<CorrectionRequest>,
) -> ApiResult<(StatusCode, Json<CorrectionOut>)> {
    let subject: Subject = r.subject.parse().map_err(reestr_store::StoreError::from)?;
    let request = Request { explanation: r.explanation, evidence: r.evidence, proposed: r.proposed };
    let c = state.blocking(move |reg, now| Ok(reg.file_correction(&who, subject, request, now)?)).await?;
    Ok((StatusCode::CREATED, Json(c.into())))
}
