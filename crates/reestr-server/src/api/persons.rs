//! Records of persons, for staff: create, search (by name and birth date, or by an identifier in
//! the body, never the URL), read (sensitive fields with a stated purpose), update with
//! provenance, history. Every read by staff is logged for the person to see.

use std::collections::BTreeMap;

use axum::{Json, extract::State, http::StatusCode};
use jiff::civil::Date;
use reestr_core::person::{Field, PersonId, Provenance};
use reestr_store::{Search, StoreError};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::dto::{Errors, HistoryView, PersonView, SummonsView};
use crate::{
    AppState,
    error::{ApiError, ApiResult},
    extract::{Body, Caller, PathOf, Purpose, QueryOf},
};

fn invalid(code: &str, message: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, code, message)
}

/// Field texts by name, checked against the record's fields.
fn texts(fields: BTreeMap<String, String>) -> ApiResult<Vec<(Field, String)>> {
    fields
        .into_iter()
        .map(|(name, v)| {
            Field::from_name(&name)
                .map(|f| (f, v))
                .ok_or_else(|| invalid("unknown_field", format!("{name:?} is not a field of the record")))
        })
        .collect()
}

pub(crate) fn provenance(
    who: &reestr_core::access::Principal,
    source: Option<String>,
    as_of: Option<String>,
    now: jiff::Timestamp,
) -> ApiResult<Provenance> {
    let as_of = match as_of {
        Some(d) => d.parse::<Date>().map_err(|_| invalid("invalid_request", "as_of: a date as YYYY-MM-DD"))?,
        None => reestr_store::time::date_utc(now),
    };
    let source = source.filter(|s| !s.trim().is_empty()).unwrap_or_else(|| who.actor.to_string());
    if source.chars().count() > 200 {
        return Err(invalid("invalid_request", "source: at most 200 characters"));
    }
    Ok(Provenance { source, as_of })
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct PersonRequest {
    /// Field texts by field name, e.g. `{"surname": "Иванов", "snils": "112-233-445 95"}`.
    pub fields: BTreeMap<String, String>,
    /// Provenance: where the values come from (default: the caller).
    pub source: Option<String>,
    /// Provenance: as of when (default: today).
    pub as_of: Option<String>,
}

/// Creates a person in the caller's commissariat.
#[utoipa::path(post, path = "/api/v1/persons", tag = "persons", request_body = PersonRequest,
    responses((status = 201, body = PersonView), Errors), security(("session" = [])))]
pub async fn create(
    State(state): State<AppState>,
    Caller(who): Caller,
    Body(r): Body<PersonRequest>,
) -> ApiResult<(StatusCode, Json<PersonView>)> {
    let texts = texts(r.fields)?;
    let p = state
        .blocking(move |reg, now| {
            let prov = provenance(&who, r.source, r.as_of, now)?;
            Ok(reg.create_person(&who, &texts, prov, now)?)
        })
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(PersonView { id: p.id.0, fields: super::dto::fields_of(&p.record.only(&non_sensitive())) }),
    ))
}

fn non_sensitive() -> Vec<Field> {
    Field::ALL.iter().copied().filter(|f| !f.is_sensitive()).collect()
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct SearchRequest {
    pub surname: Option<String>,
    pub given_name: Option<String>,
    /// With surname and given name.
    pub birth_date: Option<String>,
    pub snils: Option<String>,
    pub inn: Option<String>,
    pub passport_series: Option<String>,
    pub passport_number: Option<String>,
    /// Why (required of a security service).
    pub purpose: Option<String>,
}

impl SearchRequest {
    /// What to search by: surname and given name (and birth date), or one identifier.
    pub(crate) fn query(&self) -> ApiResult<Search> {
        let r = self;
        let bad = |what: &str, e: &dyn std::fmt::Display| invalid("invalid_request", format!("{what}: {e}"));
        Ok(match (&r.snils, &r.inn, &r.passport_series, &r.passport_number, &r.surname, &r.given_name) {
            (Some(s), None, None, None, None, None) => Search::Snils(s.parse().map_err(|e| bad("snils", &e))?),
            (None, Some(i), None, None, None, None) => Search::Inn(i.parse().map_err(|e| bad("inn", &e))?),
            (None, None, Some(series), Some(number), None, None) => {
                Search::Passport(format!("{series}{number}").parse().map_err(|e| bad("passport", &e))?)
            }
            (None, None, None, None, Some(surname), Some(given_name)) => Search::Name {
                surname: surname.clone(),
                given_name: given_name.clone(),
                birth_date: r
                    .birth_date
                    .as_deref()
                    .map(|d| d.parse::<Date>().map_err(|e| bad("birth_date", &e)))
                    .transpose()?,
            },
            _ => {
                return Err(invalid(
                    "invalid_request",
                    "search by surname and given_name (and birth_date), or by snils, inn, or passport_series with passport_number",
                ));
            }
        })
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SummaryView {
    pub id: i64,
    pub surname: Option<String>,
    pub given_name: Option<String>,
    pub patronymic: Option<String>,
    pub birth_date: Option<String>,
    pub commissariat: Option<String>,
}

/// Finds persons by surname and given name (and birth date), or by SNILS, INN or passport. Only
/// persons the caller may read are returned; each is a logged read of its summary.
#[utoipa::path(post, path = "/api/v1/persons/search", tag = "persons", request_body = SearchRequest,
    responses((status = 200, body = Vec<SummaryView>), Errors), security(("session" = []), ("api_key" = [])))]
pub async fn search(
    State(state): State<AppState>,
    Caller(who): Caller,
    Body(r): Body<SearchRequest>,
) -> ApiResult<Json<Vec<SummaryView>>> {
    let query = r.query()?;
    let purpose = r.purpose.filter(|p| !p.trim().is_empty());
    let found = state.blocking(move |reg, now| Ok(reg.search(&who, &query, purpose.as_deref(), now)?)).await?;
    Ok(Json(
        found
            .into_iter()
            .map(|s| SummaryView {
                id: s.id.0,
                surname: s.record.text(Field::Surname),
                given_name: s.record.text(Field::GivenName),
                patronymic: s.record.text(Field::Patronymic),
                birth_date: s.record.text(Field::BirthDate),
                commissariat: s.record.text(Field::Commissariat),
            })
            .collect(),
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FieldsQuery {
    /// Comma-separated field names to read (default: every non-sensitive field). Sensitive ones
    /// need a purpose in `X-Purpose`.
    #[param(
        pattern = "^(surname|given_name|patronymic|sex|birth_date|birth_place|citizenship|passport_series|passport_number|passport_issuer|passport_issuer_code|passport_issue_date|snils|inn|registered_address|actual_address|phone|email|education|employment|marital_status|children|fitness_category|military_specialty|reserve_category|rank|registration_status|deferred_until|region|commissariat)(,(surname|given_name|patronymic|sex|birth_date|birth_place|citizenship|passport_series|passport_number|passport_issuer|passport_issuer_code|passport_issue_date|snils|inn|registered_address|actual_address|phone|email|education|employment|marital_status|children|fitness_category|military_specialty|reserve_category|rank|registration_status|deferred_until|region|commissariat))*$"
    )]
    pub fields: Option<String>,
}

fn field_list(q: Option<String>) -> ApiResult<Option<Vec<Field>>> {
    q.filter(|s| !s.trim().is_empty())
        .map(|s| {
            s.split(',')
                .map(|n| {
                    Field::from_name(n.trim())
                        .ok_or_else(|| ApiError::bad_request("unknown_field", format!("{:?} is not a field", n.trim())))
                })
                .collect()
        })
        .transpose()
}

/// Reads a person's record. Every read is logged with the fields and purpose, for the person to
/// see.
#[utoipa::path(get, path = "/api/v1/persons/{id}", tag = "persons",
    params(("id" = i64, Path, description = "The person's number"), FieldsQuery,
        ("x-purpose" = Option<String>, Header, description = "Why the record is read (percent-encoded UTF-8)")),
    responses((status = 200, body = PersonView), Errors), security(("session" = []), ("api_key" = [])))]
pub async fn get(
    State(state): State<AppState>,
    Caller(who): Caller,
    PathOf(id): PathOf<i64>,
    QueryOf(q): QueryOf<FieldsQuery>,
    Purpose(purpose): Purpose,
) -> ApiResult<Json<PersonView>> {
    let fields = field_list(q.fields)?;
    let p = state
        .blocking(move |reg, now| {
            Ok(reg.read_person(&who, PersonId(id), fields.as_deref(), purpose.as_deref(), now)?)
        })
        .await?;
    Ok(Json(PersonView::from(&p)))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UpdateView {
    /// The fields whose value changed.
    pub changed: Vec<String>,
}

/// Changes fields of a person's record with their provenance; old values go to the history.
#[utoipa::path(patch, path = "/api/v1/persons/{id}", tag = "persons", request_body = PersonRequest,
    params(("id" = i64, Path, description = "The person's number")),
    responses((status = 200, body = UpdateView), Errors), security(("session" = [])))]
pub async fn update(
    State(state): State<AppState>,
    Caller(who): Caller,
    PathOf(id): PathOf<i64>,
    Body(r): Body<PersonRequest>,
) -> ApiResult<Json<UpdateView>> {
    let texts = texts(r.fields)?;
    let changes = state
        .blocking(move |reg, now| {
            let prov = provenance(&who, r.source, r.as_of, now)?;
            Ok(reg.update_person(&who, PersonId(id), &texts, prov, now)?)
        })
        .await?;
    Ok(Json(UpdateView { changed: changes.iter().map(|c| c.field.name().to_owned()).collect() }))
}

/// The earlier values of the fields the caller may read (a logged read).
#[utoipa::path(get, path = "/api/v1/persons/{id}/history", tag = "persons",
    params(("id" = i64, Path, description = "The person's number"),
        ("x-purpose" = Option<String>, Header, description = "Why (percent-encoded UTF-8)")),
    responses((status = 200, body = Vec<HistoryView>), Errors), security(("session" = []), ("api_key" = [])))]
pub async fn history(
    State(state): State<AppState>,
    Caller(who): Caller,
    PathOf(id): PathOf<i64>,
    Purpose(purpose): Purpose,
) -> ApiResult<Json<Vec<HistoryView>>> {
    let h = state.blocking(move |reg, now| Ok(reg.history(&who, PersonId(id), purpose.as_deref(), now)?)).await?;
    Ok(Json(
        h.into_iter()
            .map(|h| HistoryView {
                field: h.field.name().to_owned(),
                value: h.value.to_string(),
                source: h.provenance.source,
                as_of: h.provenance.as_of.to_string(),
                replaced_at: h.replaced_at.to_string(),
                event: h.event_seq,
            })
            .collect(),
    ))
}

/// A person's summonses (a logged read).
#[utoipa::path(get, path = "/api/v1/persons/{id}/summonses", tag = "persons",
    params(("id" = i64, Path, description = "The person's number"),
        ("x-purpose" = Option<String>, Header, description = "Why (percent-encoded UTF-8)")),
    responses((status = 200, body = Vec<SummonsView>), Errors), security(("session" = []), ("api_key" = [])))]
pub async fn summonses(
    State(state): State<AppState>,
    Caller(who): Caller,
    PathOf(id): PathOf<i64>,
    Purpose(purpose): Purpose,
) -> ApiResult<Json<Vec<SummonsView>>> {
    let out = state
        .blocking(move |reg, now| {
            let list = reg.summonses_of(&who, PersonId(id), purpose.as_deref(), now)?;
            list.iter()
                .map(|s| Ok(SummonsView::new(s, reg.policies().get(&s.policy).map_err(StoreError::from)?)))
                .collect()
        })
        .await?;
    Ok(Json(out))
}
