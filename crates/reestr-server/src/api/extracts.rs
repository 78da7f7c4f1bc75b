//! Extracts for the person: request one of the two kinds, download it as JSON, a printable page
//! or a PDF; and the public verdict on a number.

use axum::{
    Json,
    extract::State,
    http::{StatusCode, header},
    response::{IntoResponse, Response},
};
use reestr_core::access::{AccessError, Scope};
use reestr_docs::{Lookup, content::Kind, html, pdf};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::dto::Errors;
use crate::{
    AppState,
    error::{ApiError, ApiResult},
    extract::{Body, Caller, PathOf},
    log::{internal, lookup},
};

#[derive(Debug, Deserialize, ToSchema)]
pub struct ExtractRequest {
    /// `summonses` (from the register of summonses) or `record` (from the military registration
    /// record).
    #[schema(pattern = "^(summonses|record)$")]
    pub kind: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ExtractView {
    pub number: String,
    pub kind: String,
    /// The signed document with its proof of issuance: what `reestr verify` checks offline.
    #[schema(value_type = Object)]
    pub document: serde_json::Value,
}

fn own(who: &reestr_core::access::Principal) -> ApiResult<reestr_core::person::PersonId> {
    match who.scope {
        Scope::Person(p) => Ok(p),
        _ => Err(AccessError::Forbidden.into()),
    }
}

/// Makes an extract of the caller's own data, `summonses` or `record`: signed and recorded in
/// the log. The API and the portal both ask here.
pub(crate) async fn make_extract(
    state: &AppState,
    who: reestr_core::access::Principal,
    kind: &str,
) -> ApiResult<reestr_docs::document::Document> {
    let person = own(&who)?;
    let kind = match kind {
        "summonses" => Kind::Summonses,
        "record" => Kind::Record,
        _ => {
            return Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_request",
                "kind: summonses or record",
            ));
        }
    };
    let s = state.clone();
    state
        .blocking(move |_, now| s.ledger.extracts.make(person, kind, &s.ledger.keys, &who.actor, now).map_err(internal))
        .await
}

/// One of the caller's own extracts; another person's is as unknown as one never made.
pub(crate) async fn own_extract(
    state: &AppState,
    who: &reestr_core::access::Principal,
    number: String,
) -> ApiResult<reestr_docs::document::Document> {
    let person = own(who)?;
    let s = state.clone();
    let found = state
        .blocking(move |_, now| s.ledger.extracts.document(&number, &s.ledger.keys, now).map_err(internal))
        .await?;
    match found {
        Some((owner, document)) if owner == person => Ok(document),
        _ => Err(ApiError::new(StatusCode::NOT_FOUND, "not_found", "no such extract of yours")),
    }
}

/// Makes an extract of the person's own data, signed and recorded in the log.
#[utoipa::path(post, path = "/api/v1/me/extracts", tag = "me", request_body = ExtractRequest,
    responses((status = 201, body = ExtractView), Errors), security(("session" = [])))]
pub async fn make(
    State(state): State<AppState>,
    Caller(who): Caller,
    Body(r): Body<ExtractRequest>,
) -> ApiResult<(StatusCode, Json<ExtractView>)> {
    let document = make_extract(&state, who, &r.kind).await?;
    let value: serde_json::Value = serde_json::from_str(&document.to_json()).unwrap_or_default();
    let number = value["extract"]["number"].as_str().unwrap_or_default().to_owned();
    Ok((StatusCode::CREATED, Json(ExtractView { number, kind: r.kind, document: value })))
}

/// Downloads one of the person's extracts: `json`, `html` (printable) or `pdf`.
#[utoipa::path(get, path = "/api/v1/me/extracts/{number}/{format}", tag = "me",
    params(("number" = String, Path, description = "The extract's number"), ("format" = String, Path, description = "json, html or pdf", pattern = "^(json|html|pdf)$")),
    responses((status = 200, description = "The file", content((Object = "application/json"), (String = "text/html"), (Vec<u8> = "application/pdf"))), Errors),
    security(("session" = [])))]
pub async fn download(
    State(state): State<AppState>,
    Caller(who): Caller,
    PathOf((number, format)): PathOf<(String, String)>,
) -> ApiResult<Response> {
    if !matches!(format.as_str(), "json" | "html" | "pdf") {
        return Err(ApiError::new(StatusCode::NOT_FOUND, "not_found", "the formats are json, html and pdf"));
    }
    let name = number.clone();
    let document = own_extract(&state, &who, number).await?;
    let (content_type, bytes) = match format.as_str() {
        "html" => ("text/html; charset=utf-8", html::render(&document).map_err(internal)?.into_bytes()),
        "pdf" => ("application/pdf", pdf::render(&document).map_err(internal)?),
        _ => ("application/json", document.to_json().into_bytes()),
    };
    let disposition = format!("attachment; filename=\"{name}.{format}\"");
    Ok(([(header::CONTENT_TYPE, content_type.to_owned()), (header::CONTENT_DISPOSITION, disposition)], bytes)
        .into_response())
}

#[derive(Debug, Serialize, ToSchema)]
pub struct VerdictView {
    /// `genuine`, `altered` or `unknown`.
    pub status: String,
    pub reason: Option<String>,
}

/// Whether an extract number is genuine, altered or unknown (no login).
#[utoipa::path(get, path = "/api/v1/verify/{number}", tag = "public",
    params(("number" = String, Path, description = "The extract's number")),
    responses((status = 200, body = VerdictView), Errors))]
pub async fn verdict(State(state): State<AppState>, PathOf(number): PathOf<String>) -> ApiResult<Json<VerdictView>> {
    Ok(Json(match lookup(&state, number).await? {
        Lookup::Genuine { .. } => VerdictView { status: "genuine".into(), reason: None },
        Lookup::Altered { reason } => VerdictView { status: "altered".into(), reason: Some(reason) },
        Lookup::Unknown => VerdictView { status: "unknown".into(), reason: None },
    }))
}
