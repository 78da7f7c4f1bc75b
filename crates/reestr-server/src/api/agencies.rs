//! Agencies for admins: add, list with how their deliveries stand (failures never hidden), set
//! the webhook, disable or enable, and the dead letters with their replay.

use axum::{Json, extract::State, http::StatusCode};
use reestr_core::{access::Role, measure::MeasureKind};
use reestr_store::{AgencyInfo, NewAgency};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::dto::Errors;
use crate::{
    AppState,
    error::{ApiError, ApiResult},
    extract::{Body, Caller, PathOf},
};

fn invalid(what: &str, e: impl std::fmt::Display) -> ApiError {
    ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_request", format!("{what}: {e}"))
}

/// How an agency's webhook deliveries stand.
#[derive(Debug, Serialize, ToSchema)]
pub struct PushView {
    /// Every delivery up to this log position was pushed or set aside as a dead letter.
    pub cursor: u64,
    /// Failed attempts in a row (0 when the last attempt succeeded).
    pub failures: u32,
    pub failing_since: Option<String>,
    pub next_attempt_at: Option<String>,
    /// The last failure's reason.
    pub last_error: Option<String>,
    pub last_success_at: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AgencyView {
    pub id: i64,
    pub name: String,
    /// `agency` or `security_service`.
    pub role: String,
    pub kinds: Vec<String>,
    pub webhook_url: Option<String>,
    pub created_at: String,
    pub disabled_at: Option<String>,
    /// The highest position the agency asked its feed for items after.
    pub feed_cursor: u64,
    pub push: PushView,
    /// Deliveries not yet confirmed.
    pub unconfirmed: u64,
    /// Of those, not confirmed within 24 hours: breaches.
    pub breaches: u64,
    /// Deliveries not yet handed over (after the push cursor with a webhook, else the feed cursor).
    pub pending: u64,
    /// Dead letters not delivered since.
    pub dead_letters: u64,
}

impl From<AgencyInfo> for AgencyView {
    fn from(a: AgencyInfo) -> AgencyView {
        let t = |x: Option<jiff::Timestamp>| x.map(|t| t.to_string());
        AgencyView {
            id: a.id,
            name: a.name,
            role: a.role.to_string(),
            kinds: a.kinds.iter().map(|k| k.to_string()).collect(),
            webhook_url: a.webhook_url,
            created_at: a.created_at.to_string(),
            disabled_at: t(a.disabled_at),
            feed_cursor: a.feed_cursor,
            push: PushView {
                cursor: a.push.cursor,
                failures: a.push.failures,
                failing_since: t(a.push.failing_since),
                next_attempt_at: t(a.push.next_at),
                last_error: a.push.last_error,
                last_success_at: t(a.push.last_success_at),
            },
            unconfirmed: a.stats.unconfirmed,
            breaches: a.stats.overdue,
            pending: a.stats.pending,
            dead_letters: a.stats.dead_letters,
        }
    }
}

/// Every agency with how its deliveries stand.
#[utoipa::path(get, path = "/api/v1/admin/agencies", tag = "admin",
    responses((status = 200, body = Vec<AgencyView>), Errors), security(("session" = [])))]
pub async fn list(State(state): State<AppState>, Caller(who): Caller) -> ApiResult<Json<Vec<AgencyView>>> {
    let list = state.blocking(move |reg, now| Ok(reg.agencies(&who, now)?)).await?;
    Ok(Json(list.into_iter().map(AgencyView::from).collect()))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewAgencyRequest {
    /// Letters, digits, `.`, `_`, `-`, e.g. `border-service`.
    pub name: String,
    /// `agency` (the default: enforces measures) or `security_service` (reads records with a
    /// stated purpose).
    pub role: Option<String>,
    /// The measure kinds it enforces, e.g. `["exit_ban"]`.
    #[serde(default)]
    pub kinds: Vec<String>,
    /// Where to push measures (Standard Webhooks, signed), if anywhere.
    pub webhook_url: Option<String>,
    /// `start` (the default: every measure event of its kinds in the log) or `now`.
    pub from: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AgencyCreatedView {
    pub agency: AgencyView,
    /// Shown once: the webhook's signing secret (`whsec_...`).
    pub webhook_secret: Option<String>,
}

/// Adds an agency. Its API keys are made with `POST /api/v1/admin/keys`.
#[utoipa::path(post, path = "/api/v1/admin/agencies", tag = "admin", request_body = NewAgencyRequest,
    responses((status = 201, body = AgencyCreatedView), Errors), security(("session" = [])))]
pub async fn add(
    State(state): State<AppState>,
    Caller(who): Caller,
    Body(r): Body<NewAgencyRequest>,
) -> ApiResult<(StatusCode, Json<AgencyCreatedView>)> {
    let role: Role = r.role.as_deref().unwrap_or("agency").parse().map_err(|e| invalid("role", e))?;
    let kinds = r
        .kinds
        .iter()
        .map(|k| k.parse::<MeasureKind>().map_err(|e| invalid("kinds", e)))
        .collect::<ApiResult<Vec<_>>>()?;
    let from_start = match r.from.as_deref() {
        None | Some("start") => true,
        Some("now") => false,
        Some(other) => return Err(invalid("from", format!("{other:?} is neither start nor now"))),
    };
    let new = NewAgency { name: r.name, role, kinds, webhook: r.webhook_url, from_start };
    let created = state.blocking(move |reg, now| Ok(reg.add_agency(&who, new, now)?)).await?;
    Ok((
        StatusCode::CREATED,
        Json(AgencyCreatedView { agency: created.agency.into(), webhook_secret: created.webhook_secret }),
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct WebhookRequest {
    /// The new address, or null to stop pushing.
    pub url: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookView {
    /// Shown once: the new signing secret (`whsec_...`).
    pub secret: Option<String>,
}

/// Sets or removes an agency's webhook; a new address gets a new secret, and pushes start with
/// the measures recorded from now on (the earlier ones stay in the feed).
#[utoipa::path(put, path = "/api/v1/admin/agencies/{id}/webhook", tag = "admin", request_body = WebhookRequest,
    params(("id" = i64, Path, description = "The agency's number")),
    responses((status = 200, body = WebhookView), Errors), security(("session" = [])))]
pub async fn webhook(
    State(state): State<AppState>,
    Caller(who): Caller,
    PathOf(id): PathOf<i64>,
    Body(r): Body<WebhookRequest>,
) -> ApiResult<Json<WebhookView>> {
    let secret = state.blocking(move |reg, now| Ok(reg.set_webhook(&who, id, r.url.as_deref(), now)?)).await?;
    Ok(Json(WebhookView { secret }))
}

/// Disables an agency: its keys stop working and nothing is pushed to it; deliveries are still
/// made for it, so nothing is missing when it is enabled again.
#[utoipa::path(post, path = "/api/v1/admin/agencies/{id}/disable", tag = "admin",
    params(("id" = i64, Path, description = "The agency's number")),
    responses((status = 204, description = "Disabled"), Errors), security(("session" = [])))]
pub async fn disable(
    State(state): State<AppState>,
    Caller(who): Caller,
    PathOf(id): PathOf<i64>,
) -> ApiResult<StatusCode> {
    state.blocking(move |reg, now| Ok(reg.set_agency_disabled(&who, id, true, now)?)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Enables an agency again.
#[utoipa::path(post, path = "/api/v1/admin/agencies/{id}/enable", tag = "admin",
    params(("id" = i64, Path, description = "The agency's number")),
    responses((status = 204, description = "Enabled"), Errors), security(("session" = [])))]
pub async fn enable(
    State(state): State<AppState>,
    Caller(who): Caller,
    PathOf(id): PathOf<i64>,
) -> ApiResult<StatusCode> {
    state.blocking(move |reg, now| Ok(reg.set_agency_disabled(&who, id, false, now)?)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A webhook delivery set aside after 72 hours of failures.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeadLetterView {
    /// The item's id (the event's position in the log).
    pub id: u64,
    pub attempts: u32,
    pub last_error: String,
    pub dead_at: String,
    pub replay_requested_at: Option<String>,
    pub redelivered_at: Option<String>,
}

/// An agency's dead letters.
#[utoipa::path(get, path = "/api/v1/admin/agencies/{id}/dead-letters", tag = "admin",
    params(("id" = i64, Path, description = "The agency's number")),
    responses((status = 200, body = Vec<DeadLetterView>), Errors), security(("session" = [])))]
pub async fn dead_letters(
    State(state): State<AppState>,
    Caller(who): Caller,
    PathOf(id): PathOf<i64>,
) -> ApiResult<Json<Vec<DeadLetterView>>> {
    let list = state.blocking(move |reg, _| Ok(reg.dead_letters(&who, id)?)).await?;
    Ok(Json(
        list.into_iter()
            .map(|d| DeadLetterView {
                id: d.seq,
                attempts: d.attempts,
                last_error: d.last_error,
                dead_at: d.dead_at.to_string(),
                replay_requested_at: d.replay_requested_at.map(|t| t.to_string()),
                redelivered_at: d.redelivered_at.map(|t| t.to_string()),
            })
            .collect(),
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ReplayRequest {
    /// These dead letters; absent: every one not delivered since.
    pub ids: Option<Vec<u64>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReplayView {
    /// How many will be pushed again (first, before the pending ones).
    pub replaying: u64,
}

/// Pushes dead letters again, now.
#[utoipa::path(post, path = "/api/v1/admin/agencies/{id}/dead-letters/replay", tag = "admin",
    request_body = ReplayRequest, params(("id" = i64, Path, description = "The agency's number")),
    responses((status = 200, body = ReplayView), Errors), security(("session" = [])))]
pub async fn replay(
    State(state): State<AppState>,
    Caller(who): Caller,
    PathOf(id): PathOf<i64>,
    Body(r): Body<ReplayRequest>,
) -> ApiResult<Json<ReplayView>> {
    let n = state.blocking(move |reg, now| Ok(reg.replay(&who, id, r.ids.as_deref(), now)?)).await?;
    Ok(Json(ReplayView { replaying: n }))
}
