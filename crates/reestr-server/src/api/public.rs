//! What anyone may use without logging in: the deadline calculator, regions, statistics; and the
//! switching of a region's rollout (supervisors and admins).

use std::collections::BTreeMap;

use axum::{Json, extract::State};
use jiff::{Timestamp, civil::DateTime};
use reestr_core::{
    days::DateRange,
    deadline::{Facts, deadlines as compute},
    policy::{PolicyBook, ServiceMethod},
    region::{Directory, RegionCode, Rollout},
    zone::Zone,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::dto::Errors;
use crate::{
    AppState,
    error::{ApiError, ApiResult},
    extract::{Body, Caller, PathOf},
};

#[derive(Debug, Deserialize, ToSchema)]
pub struct DeadlinesRequest {
    /// `seed-2025` or `fz53-2023`; default: the policy in force on the posting date.
    #[schema(pattern = "^(seed-2025|fz53-2023)$")]
    pub policy: Option<String>,
    /// The commissariat's IANA time zone, e.g. `Europe/Moscow`.
    #[schema(example = "Europe/Moscow")]
    pub zone: String,
    /// When the summons was posted (RFC 3339 with an offset).
    #[schema(format = DateTime)]
    pub posted: String,
    /// The appointment, local date and time, e.g. `2025-05-20T09:00`.
    #[schema(pattern = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$", example = "2025-05-20T09:00")]
    pub appointment: Option<String>,
    #[schema(format = DateTime)]
    pub served_in_person: Option<String>,
    #[schema(format = DateTime)]
    pub served_by_mail: Option<String>,
    #[schema(format = DateTime)]
    pub opened_in_account: Option<String>,
    /// Local dates covered by valid reasons, inclusive.
    #[serde(default)]
    pub excused: Vec<DateSpan>,
}

#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct DateSpan {
    #[schema(format = Date)]
    pub from: String,
    #[schema(format = Date)]
    pub to: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MeasureStartView {
    pub kind: String,
    pub starts_at: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DeadlinesView {
    pub policy: String,
    pub zone: String,
    pub served_at: String,
    pub served_how: String,
    pub report_window_ends_at: String,
    pub measures: Vec<MeasureStartView>,
}

fn invalid(what: &str, e: impl std::fmt::Display) -> ApiError {
    ApiError::new(axum::http::StatusCode::UNPROCESSABLE_ENTITY, "invalid_request", format!("{what}: {e}"))
}

fn instant(what: &str, s: &str) -> ApiResult<Timestamp> {
    s.parse().map_err(|e| invalid(what, e))
}

/// The legal deadlines of a summons: when it counts as served, when the time to appear ends and
/// when each measure starts. A calculator for citizens and lawyers.
#[utoipa::path(post, path = "/api/v1/deadlines", tag = "public", request_body = DeadlinesRequest,
    responses((status = 200, body = DeadlinesView), Errors))]
pub async fn deadlines(Body(r): Body<DeadlinesRequest>) -> ApiResult<Json<DeadlinesView>> {
    let zone: Zone = r.zone.parse().map_err(|e| invalid("zone", e))?;
    let posted = instant("posted", &r.posted)?;
    let book = PolicyBook::builtin();
    let policy = match &r.policy {
        Some(name) => book.get(name).map_err(|e| invalid("policy", e))?,
        None => book.in_force_on(reestr_core::days::local_date(posted, zone.tz())).map_err(|e| invalid("posted", e))?,
    };
    let appointment: Option<DateTime> =
        r.appointment.as_deref().map(|a| a.parse().map_err(|e| invalid("appointment", e))).transpose()?;
    let mut early = Vec::new();
    for (how, v) in [
        (ServiceMethod::InPerson, &r.served_in_person),
        (ServiceMethod::RegisteredMail, &r.served_by_mail),
        (ServiceMethod::AccountOpened, &r.opened_in_account),
    ] {
        if let Some(v) = v {
            early.push((how, instant(how.as_str(), v)?));
        }
    }
    let excused = r
        .excused
        .iter()
        .take(50)
        .map(|s| format!("{}..{}", s.from, s.to).parse::<DateRange>().map_err(|e| invalid("excused", e)))
        .collect::<ApiResult<Vec<_>>>()?;
    let d = compute(&Facts {
        policy,
        zone: &zone,
        posted_at: posted,
        appointment,
        early_service: early.into_iter().min_by_key(|(_, at)| *at),
        excused: &excused,
    })
    .map_err(|e| {
        ApiError::new(axum::http::StatusCode::UNPROCESSABLE_ENTITY, reestr_core::ErrorCode::code(&e), e.to_string())
    })?;
    Ok(Json(DeadlinesView {
        policy: d.policy,
        zone: d.zone,
        served_at: d.served_at.to_string(),
        served_how: d.served_how.as_str().to_owned(),
        report_window_ends_at: d.report_window_ends_at.to_string(),
        measures: d
            .measures
            .iter()
            .map(|m| MeasureStartView { kind: m.kind.to_string(), starts_at: m.starts_at.to_string() })
            .collect(),
    }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RegionView {
    pub code: String,
    pub name_ru: String,
    pub name_en: String,
    pub zone: String,
    /// `off`, `pilot` or `live`: in an `off` region the register does not yet operate.
    pub rollout: String,
}

/// The federal subjects with their zones and whether the register operates there.
#[utoipa::path(get, path = "/api/v1/regions", tag = "public", responses((status = 200, body = Vec<RegionView>), Errors))]
pub async fn regions(State(state): State<AppState>) -> ApiResult<Json<Vec<RegionView>>> {
    let rollout = state.blocking(|reg, _| Ok(reg.rollout()?)).await?;
    Ok(Json(
        Directory::builtin()
            .regions()
            .map(|r| RegionView {
                code: r.code.to_string(),
                name_ru: r.name_ru.clone(),
                name_en: r.name_en.clone(),
                zone: r.zone.name().to_owned(),
                rollout: rollout.get(&r.code).copied().unwrap_or(Rollout::Off).to_string(),
            })
            .collect(),
    ))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StatsView {
    pub persons: u64,
    /// Summonses by status.
    pub summonses: BTreeMap<String, u64>,
    pub measures_in_force: u64,
    /// Events in the log.
    pub events: u64,
}

/// Aggregate statistics of the register.
#[utoipa::path(get, path = "/api/v1/stats", tag = "public", responses((status = 200, body = StatsView), Errors))]
pub async fn stats(State(state): State<AppState>) -> ApiResult<Json<StatsView>> {
    let s = state.blocking(|reg, _| Ok(reg.stats()?)).await?;
    Ok(Json(StatsView {
        persons: s.persons,
        summonses: s.summonses.iter().map(|(k, v)| (k.as_str().to_owned(), *v)).collect(),
        measures_in_force: s.measures_in_force,
        events: s.last_event,
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct RolloutRequest {
    pub state: Rollout,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RolloutView {
    pub region: String,
    pub rollout: String,
    pub changed: bool,
}

/// Switches a region's rollout state (its supervisor, or an admin); recorded in the log.
#[utoipa::path(put, path = "/api/v1/regions/{code}/rollout", tag = "public",
    params(("code" = String, Path, description = "The region's two-digit code", pattern = "^[0-9]{1,2}$")),
    request_body = RolloutRequest, responses((status = 200, body = RolloutView), Errors),
    security(("session" = [])))]
pub async fn set_rollout(
    State(state): State<AppState>,
    Caller(who): Caller,
    PathOf(code): PathOf<String>,
    Body(r): Body<RolloutRequest>,
) -> ApiResult<Json<RolloutView>> {
    let region: RegionCode = code.parse().map_err(|e| invalid("code", e))?;
    let rollout = r.state;
    let changed = state.blocking(move |reg, now| Ok(reg.set_rollout(&who, region, rollout, now)?)).await?;
    Ok(Json(RolloutView { region: region.to_string(), rollout: rollout.to_string(), changed }))
}
