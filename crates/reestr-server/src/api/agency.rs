//! The agency API: the feed of measures started and lifted, confirmations, the check at a post
//! (the passport in a header or a body, never in the URL), and the breaches of the 24-hour rule
//! for supervisors.

use axum::{
    Json,
    extract::State,
    http::{HeaderMap, StatusCode},
};
use reestr_core::ids::Passport;
use reestr_store::{Breach, FeedItem, MeasureInForce};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::dto::Errors;
use crate::{
    AppState,
    error::{ApiError, ApiResult},
    extract::{Body, Caller, QueryOf},
};

/// The header that carries the passport in a check.
pub const PASSPORT_HEADER: &str = "x-passport";

/// Who a measure concerns, as the agency needs to enforce it.
#[derive(Debug, Serialize, ToSchema)]
pub struct PersonIdentityView {
    pub surname: String,
    pub given_name: String,
    pub patronymic: Option<String>,
    /// `YYYY-MM-DD`.
    pub birth_date: String,
    /// Series and number, e.g. `4506 123456`.
    pub passport: String,
}

/// A measure started or lifted.
#[derive(Debug, Serialize, ToSchema)]
pub struct FeedItemView {
    /// The event's position in the register's log: stable, the same on every delivery, so
    /// duplicates can be dropped. Confirm it by this id.
    pub id: u64,
    /// `measure_started` or `measure_lifted`.
    #[serde(rename = "type")]
    pub change: String,
    /// The measure's kind, e.g. `exit_ban`.
    pub kind: String,
    /// When it takes effect in law (RFC 3339, UTC).
    pub at: String,
    /// When the register recorded it.
    pub recorded_at: String,
    /// The summons it follows from.
    pub summons: String,
    /// For a start: `service` or `report_window_end`.
    pub trigger: Option<String>,
    /// For a lift: `appearance`, `valid_reason`, `cancellation` or `court_decision`.
    pub cause: Option<String>,
    pub person: PersonIdentityView,
}

fn text<T: Serialize>(v: &T) -> String {
    serde_json::to_value(v).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()
}

impl From<FeedItem> for FeedItemView {
    fn from(i: FeedItem) -> FeedItemView {
        FeedItemView {
            id: i.id,
            change: i.change.to_string(),
            kind: i.kind.to_string(),
            at: i.at.to_string(),
            recorded_at: i.recorded_at.to_string(),
            summons: i.summons.to_string(),
            trigger: i.trigger.as_ref().map(text),
            cause: i.cause.as_ref().map(text),
            person: PersonIdentityView {
                surname: i.person.surname,
                given_name: i.person.given_name,
                patronymic: i.person.patronymic,
                birth_date: i.person.birth_date,
                passport: i.person.passport,
            },
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FeedView {
    /// In log order.
    pub items: Vec<FeedItemView>,
    /// Ask with `after` set to this next time (the same as `after` when there was nothing new).
    pub cursor: u64,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FeedQuery {
    /// The cursor of the previous page (a log position); 0 or absent for the beginning. Asking
    /// after a position says the agency holds every item up to it.
    pub after: Option<i64>,
    /// At most this many items (1 to 1000, default 100).
    pub limit: Option<i32>,
}

/// The next measures started or lifted of the kinds the agency enforces, in order, after the
/// cursor. Each item identifies the person; handing it over the first time is a read the person
/// sees. Items committed late are never skipped.
#[utoipa::path(get, path = "/api/v1/agency/feed", tag = "agency", params(FeedQuery),
    responses((status = 200, body = FeedView), Errors), security(("api_key" = [])))]
pub async fn feed(
    State(state): State<AppState>,
    Caller(who): Caller,
    QueryOf(q): QueryOf<FeedQuery>,
) -> ApiResult<Json<FeedView>> {
    let limit = q.limit.unwrap_or(100).clamp(1, reestr_store::MAX_PAGE as i32) as usize;
    let after = q.after.unwrap_or(0).max(0) as u64;
    let page = state.blocking(move |reg, now| Ok(reg.feed(&who, after, limit, now)?)).await?;
    Ok(Json(FeedView { cursor: page.cursor, items: page.items.into_iter().map(FeedItemView::from).collect() }))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ConfirmRequest {
    /// Ids of items applied (at most 1000).
    pub ids: Vec<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ConfirmView {
    /// Confirmed now.
    pub confirmed: Vec<i64>,
    /// Confirmed before.
    pub already: Vec<i64>,
    /// Not items of this agency.
    pub unknown: Vec<i64>,
}

/// Confirms that the agency applied these items. An item unconfirmed 24 hours after its
/// delivery is a breach shown to supervisors.
#[utoipa::path(post, path = "/api/v1/agency/confirmations", tag = "agency", request_body = ConfirmRequest,
    responses((status = 200, body = ConfirmView), Errors), security(("api_key" = [])))]
pub async fn confirm(
    State(state): State<AppState>,
    Caller(who): Caller,
    Body(r): Body<ConfirmRequest>,
) -> ApiResult<Json<ConfirmView>> {
    // An id below zero is no item's.
    let (ids, negative): (Vec<i64>, Vec<i64>) = r.ids.iter().partition(|i| **i >= 0);
    let ids: Vec<u64> = ids.iter().map(|i| *i as u64).collect();
    let c = state.blocking(move |reg, now| Ok(reg.confirm(&who, &ids, now)?)).await?;
    let signed = |v: Vec<u64>| v.into_iter().map(|i| i as i64).collect::<Vec<i64>>();
    let mut unknown = signed(c.unknown);
    unknown.extend(negative);
    Ok(Json(ConfirmView { confirmed: signed(c.confirmed), already: signed(c.already), unknown }))
}

/// A measure in force.
#[derive(Debug, Serialize, ToSchema)]
pub struct InForceView {
    pub kind: String,
    /// Since when (RFC 3339, UTC).
    pub since: String,
    pub summons: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CheckView {
    /// The measures of the agency's kinds in force now for the passport's holder; empty when
    /// there are none, whether or not the register knows the passport.
    pub measures: Vec<InForceView>,
    /// The instant the answer holds for.
    pub at: String,
}

fn check_view(found: Vec<MeasureInForce>, at: jiff::Timestamp) -> CheckView {
    CheckView {
        measures: found
            .into_iter()
            .map(|m| InForceView {
                kind: m.kind.to_string(),
                since: m.since.to_string(),
                summons: m.summons.to_string(),
            })
            .collect(),
        at: at.to_string(),
    }
}

fn passport(text: &str) -> ApiResult<Passport> {
    text.parse().map_err(|_| {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_passport",
            "a passport is 4 digits of series and 6 of number",
        )
    })
}

async fn check(state: AppState, who: reestr_core::access::Principal, p: Passport) -> ApiResult<Json<CheckView>> {
    let (found, at) = state.blocking(move |reg, now| Ok((reg.check_measures(&who, &p, now)?, now))).await?;
    Ok(Json(check_view(found, at)))
}

/// Which measures of the agency's kinds are in force now for the holder of the passport in the
/// `X-Passport` header (e.g. `4506 123456`), since when, from which summons. Every check of a
/// person in the register is a read the person sees.
#[utoipa::path(get, path = "/api/v1/agency/measures", tag = "agency",
    params(("x-passport" = String, Header, description = "The passport: series and number, e.g. `4506 123456`")),
    responses((status = 200, body = CheckView), Errors), security(("api_key" = [])))]
pub async fn check_by_header(
    State(state): State<AppState>,
    Caller(who): Caller,
    headers: HeaderMap,
) -> ApiResult<Json<CheckView>> {
    let text = headers.get(PASSPORT_HEADER).and_then(|v| v.to_str().ok()).ok_or_else(|| {
        ApiError::bad_request("passport_required", "give the passport in the X-Passport header (never in the URL)")
    })?;
    check(state, who, passport(text)?).await
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct CheckRequest {
    /// Series and number, e.g. `4506 123456`.
    pub passport: String,
}

/// The same check with the passport in the body.
#[utoipa::path(post, path = "/api/v1/agency/measures", tag = "agency", request_body = CheckRequest,
    responses((status = 200, body = CheckView), Errors), security(("api_key" = [])))]
pub async fn check_by_body(
    State(state): State<AppState>,
    Caller(who): Caller,
    Body(r): Body<CheckRequest>,
) -> ApiResult<Json<CheckView>> {
    check(state, who, passport(&r.passport)?).await
}

/// A delivery not confirmed within 24 hours.
#[derive(Debug, Serialize, ToSchema)]
pub struct BreachView {
    /// A cursor: list again with `after` set to the last one.
    pub cursor: i64,
    pub agency: String,
    /// The item's id (the event's position in the log).
    pub id: u64,
    pub kind: String,
    /// The person's number in the register.
    pub person: i64,
    pub region: String,
    pub delivered_at: String,
    pub due_at: String,
}

impl From<Breach> for BreachView {
    fn from(b: Breach) -> BreachView {
        BreachView {
            cursor: b.delivery.id,
            agency: b.agency,
            id: b.delivery.seq,
            kind: b.delivery.kind,
            person: b.delivery.person.0,
            region: format!("{:02}", b.delivery.region),
            delivered_at: b.delivery.created_at.to_string(),
            due_at: b.due_at.to_string(),
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BreachQuery {
    pub after: Option<i64>,
    /// At most this many (1 to 1000, default 100).
    pub limit: Option<i32>,
}

/// Deliveries that their agency has not confirmed within 24 hours: the supervisor's region (all
/// regions for an admin).
#[utoipa::path(get, path = "/api/v1/agency/breaches", tag = "agency", params(BreachQuery),
    responses((status = 200, body = Vec<BreachView>), Errors), security(("session" = [])))]
pub async fn breaches(
    State(state): State<AppState>,
    Caller(who): Caller,
    QueryOf(q): QueryOf<BreachQuery>,
) -> ApiResult<Json<Vec<BreachView>>> {
    let limit = q.limit.unwrap_or(100).clamp(1, reestr_store::MAX_PAGE as i32) as usize;
    let list = state.blocking(move |reg, now| Ok(reg.breaches(&who, now, q.after.unwrap_or(0), limit)?)).await?;
    Ok(Json(list.into_iter().map(BreachView::from).collect()))
}
