//! Summonses for registrars: post, list, read, and record service, appearance, a valid reason or
//! a cancellation. Measures for agencies and staff.

use axum::{Json, extract::State, http::StatusCode};
use reestr_core::{
    days::DateRange,
    person::PersonId,
    policy::ServiceMethod,
    summons::{
        Appointment, Cancellation, Command, Draft, Purpose as SummonsPurpose, Status, SummonsNumber, ValidReason,
    },
};
use reestr_store::StoreError;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use super::dto::{Errors, MeasureRowView, Page, PageQuery, SummonsView};
use crate::{
    AppState,
    error::{ApiError, ApiResult},
    extract::{Body, Caller, PathOf, Purpose, QueryOf},
};

fn invalid(what: &str, e: impl std::fmt::Display) -> ApiError {
    ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_request", format!("{what}: {e}"))
}

fn number(n: &str) -> ApiResult<SummonsNumber> {
    n.parse().map_err(|_| ApiError::new(StatusCode::NOT_FOUND, "not_found", "no such summons"))
}

fn view(reg: &reestr_store::Register, s: &reestr_core::summons::Summons) -> ApiResult<SummonsView> {
    Ok(SummonsView::new(s, reg.policies().get(&s.policy).map_err(StoreError::from)?))
}

/// A summons to post: by default at the person's commissariat and its address.
#[allow(clippy::too_many_arguments)]
pub(crate) fn draft(
    reg: &reestr_store::Register,
    who: &reestr_core::access::Principal,
    person: PersonId,
    commissariat: Option<reestr_core::region::CommissariatCode>,
    purpose: SummonsPurpose,
    at: jiff::civil::DateTime,
    address: Option<String>,
    now: jiff::Timestamp,
) -> ApiResult<Draft> {
    let commissariat = match commissariat {
        Some(c) => c,
        None => reg
            .read_person(who, person, Some(&[reestr_core::person::Field::Commissariat]), None, now)?
            .record
            .commissariat()
            .cloned()
            .ok_or_else(|| invalid("commissariat", "the person has none"))?,
    };
    let address = match address.filter(|a| !a.trim().is_empty()) {
        Some(a) => a,
        None => reg.directory().commissariat(&commissariat).map_err(StoreError::from)?.address_ru.clone(),
    };
    Ok(Draft { person, commissariat, purpose, appointment: Appointment { at, address } })
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct IssueRequest {
    pub person: i64,
    /// Default: the person's commissariat.
    pub commissariat: Option<String>,
    pub purpose: SummonsPurpose,
    /// Local date and time of the appointment, e.g. `2025-05-20T09:00`.
    #[schema(pattern = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$", example = "2025-05-20T09:00")]
    pub appointment: String,
    /// Default: the commissariat's address.
    pub address: Option<String>,
}

/// Posts a summons (a registrar of the commissariat). The policy in force on the local posting
/// date governs it for life.
#[utoipa::path(post, path = "/api/v1/summonses", tag = "summonses", request_body = IssueRequest,
    responses((status = 201, body = SummonsView), Errors), security(("session" = [])))]
pub async fn issue(
    State(state): State<AppState>,
    Caller(who): Caller,
    Body(r): Body<IssueRequest>,
) -> ApiResult<(StatusCode, Json<SummonsView>)> {
    let purpose = r.purpose;
    let at = r.appointment.parse().map_err(|e| invalid("appointment", e))?;
    let commissariat = r.commissariat.map(|c| c.parse().map_err(|e| invalid("commissariat", e))).transpose()?;
    let out = state
        .blocking(move |reg, now| {
            let draft = draft(reg, &who, PersonId(r.person), commissariat, purpose, at, r.address, now)?;
            view(reg, &reg.issue(&who, draft, now)?)
        })
        .await?;
    Ok((StatusCode::CREATED, Json(out)))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Only summonses in this status.
    pub status: Option<Status>,
    pub after: Option<i64>,
    /// 1 to 1000 (default 100).
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<u32>,
}

/// The summonses of the caller's commissariat (registrar) or region (supervisor), by cursor.
#[utoipa::path(get, path = "/api/v1/summonses", tag = "summonses", params(ListQuery),
    responses((status = 200, body = Page<SummonsView>), Errors), security(("session" = [])))]
pub async fn list(
    State(state): State<AppState>,
    Caller(who): Caller,
    QueryOf(q): QueryOf<ListQuery>,
) -> ApiResult<Json<Page<SummonsView>>> {
    let status = q.status;
    let page = PageQuery { after: q.after, limit: q.limit };
    let limit = page.limit()?;
    let rows =
        state.blocking(move |reg, _| Ok(reg.list_summonses(&who, status, page.after.unwrap_or(0), limit)?)).await?;
    let next = (rows.len() == limit).then(|| rows.last().map(|(id, _)| *id)).flatten();
    let items =
        state.blocking(move |reg, _| rows.iter().map(|(_, s)| view(reg, s)).collect::<ApiResult<Vec<_>>>()).await?;
    Ok(Json(Page { items, next }))
}

/// A summons (a logged read unless by its person).
#[utoipa::path(get, path = "/api/v1/summonses/{number}", tag = "summonses",
    params(("number" = String, Path, description = "The summons's number"),
        ("x-purpose" = Option<String>, Header, description = "Why (percent-encoded UTF-8)")),
    responses((status = 200, body = SummonsView), Errors), security(("session" = []), ("api_key" = [])))]
pub async fn get(
    State(state): State<AppState>,
    Caller(who): Caller,
    PathOf(n): PathOf<String>,
    Purpose(purpose): Purpose,
) -> ApiResult<Json<SummonsView>> {
    let n = number(&n)?;
    Ok(Json(state.blocking(move |reg, now| view(reg, &reg.summons(&who, &n, purpose.as_deref(), now)?)).await?))
}

async fn step(
    state: AppState,
    who: reestr_core::access::Principal,
    n: String,
    command: Command,
) -> ApiResult<Json<SummonsView>> {
    let n = number(&n)?;
    Ok(Json(state.blocking(move |reg, now| view(reg, &reg.act(&who, &n, command, now)?)).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ServeRequest {
    /// `in_person`, `registered_mail` or `account_opened` (where the policy recognises it;
    /// `deemed` is the clock's alone).
    pub how: ServiceMethod,
}

/// Records service before it is deemed.
#[utoipa::path(post, path = "/api/v1/summonses/{number}/serve", tag = "summonses", request_body = ServeRequest,
    params(("number" = String, Path, description = "The summons's number")),
    responses((status = 200, body = SummonsView), Errors), security(("session" = [])))]
pub async fn serve(
    State(state): State<AppState>,
    Caller(who): Caller,
    PathOf(n): PathOf<String>,
    Body(r): Body<ServeRequest>,
) -> ApiResult<Json<SummonsView>> {
    step(state, who, n, Command::Serve { how: r.how }).await
}

/// Records that the person appeared: every measure of the summons is lifted now.
#[utoipa::path(post, path = "/api/v1/summonses/{number}/appear", tag = "summonses",
    params(("number" = String, Path, description = "The summons's number")),
    responses((status = 200, body = SummonsView), Errors), security(("session" = [])))]
pub async fn appear(
    State(state): State<AppState>,
    Caller(who): Caller,
    PathOf(n): PathOf<String>,
) -> ApiResult<Json<SummonsView>> {
    step(state, who, n, Command::Appear).await
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ExcuseRequest {
    pub reason: ValidReason,
    /// The document that proves it.
    #[schema(min_length = 1)]
    pub evidence: String,
    /// First local date covered.
    #[schema(format = Date)]
    pub from: String,
    /// Last local date covered.
    #[schema(format = Date)]
    pub to: String,
}

/// Records an accepted valid reason: every measure is lifted now, and the covered days do not
/// count in the time to appear.
#[utoipa::path(post, path = "/api/v1/summonses/{number}/excuse", tag = "summonses", request_body = ExcuseRequest,
    params(("number" = String, Path, description = "The summons's number")),
    responses((status = 200, body = SummonsView), Errors), security(("session" = [])))]
pub async fn excuse(
    State(state): State<AppState>,
    Caller(who): Caller,
    PathOf(n): PathOf<String>,
    Body(r): Body<ExcuseRequest>,
) -> ApiResult<Json<SummonsView>> {
    step(state, who, n, r.command()?).await
}

impl ExcuseRequest {
    pub(crate) fn command(self) -> ApiResult<Command> {
        let covers: DateRange = format!("{}..{}", self.from, self.to).parse().map_err(|e| invalid("from/to", e))?;
        Ok(Command::Excuse { reason: self.reason, evidence: self.evidence, covers })
    }
}

impl CancelRequest {
    /// A registrar's reason or a court decision, exactly one of them (empty counts as absent).
    pub(crate) fn command(self) -> ApiResult<Command> {
        let given = |v: Option<String>| v.filter(|s| !s.trim().is_empty());
        let cancellation = match (given(self.reason), given(self.court_decision)) {
            (None, Some(reference)) => Cancellation::CourtDecision { reference },
            (Some(reason), None) => Cancellation::Registrar { reason },
            _ => return Err(invalid("cancel", "give either reason or court_decision")),
        };
        Ok(Command::Cancel { cancellation })
    }
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct CancelRequest {
    /// Why the registrar cancels it.
    pub reason: Option<String>,
    /// Or: the court decision that cancels it.
    pub court_decision: Option<String>,
}

/// Cancels a summons (by the registrar, or recording a court decision): every measure is lifted.
#[utoipa::path(post, path = "/api/v1/summonses/{number}/cancel", tag = "summonses", request_body = CancelRequest,
    params(("number" = String, Path, description = "The summons's number")),
    responses((status = 200, body = SummonsView), Errors), security(("session" = [])))]
pub async fn cancel(
    State(state): State<AppState>,
    Caller(who): Caller,
    PathOf(n): PathOf<String>,
    Body(r): Body<CancelRequest>,
) -> ApiResult<Json<SummonsView>> {
    step(state, who, n, r.command()?).await
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MeasuresQuery {
    /// Only measures in force (default true).
    pub in_force: Option<bool>,
    pub after: Option<i64>,
    /// 1 to 1000 (default 100).
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<u32>,
}

/// Measures: an agency sees those of its kinds, staff those of their area.
#[utoipa::path(get, path = "/api/v1/measures", tag = "measures", params(MeasuresQuery),
    responses((status = 200, body = Page<MeasureRowView>), Errors), security(("api_key" = []), ("session" = [])))]
pub async fn measures(
    State(state): State<AppState>,
    Caller(who): Caller,
    QueryOf(q): QueryOf<MeasuresQuery>,
) -> ApiResult<Json<Page<MeasureRowView>>> {
    let page = PageQuery { after: q.after, limit: q.limit };
    let limit = page.limit()?;
    let rows = state
        .blocking(move |reg, _| Ok(reg.measures(&who, q.in_force.unwrap_or(true), page.after.unwrap_or(0), limit)?))
        .await?;
    let next = (rows.len() == limit).then(|| rows.last().map(|m| m.id)).flatten();
    Ok(Json(Page { items: rows.into_iter().map(MeasureRowView::from).collect(), next }))
}
