//! Correction requests for registrars (and supervisors, to watch): the open ones, the earliest
//! due first with late ones marked, and answering them.

use axum::{Json, extract::State};
use reestr_core::correction::Answer;
use serde::Deserialize;
use utoipa::ToSchema;

use super::dto::{CorrectionOut, Errors};
use crate::{
    AppState,
    error::ApiResult,
    extract::{Body, Caller, PathOf},
};

/// The unanswered requests of the caller's commissariat or region.
#[utoipa::path(get, path = "/api/v1/corrections", tag = "corrections",
    responses((status = 200, body = Vec<CorrectionOut>), Errors), security(("session" = [])))]
pub async fn open(State(state): State<AppState>, Caller(who): Caller) -> ApiResult<Json<Vec<CorrectionOut>>> {
    let list = state.blocking(move |reg, now| Ok(reg.open_corrections(&who, now)?)).await?;
    Ok(Json(list.into_iter().map(CorrectionOut::from).collect()))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct AnswerRequest {
    pub accepted: bool,
    /// The answer to the person.
    pub text: String,
    /// For an accepted request about a field: the right value.
    pub value: Option<String>,
}

/// Answers a request. Accepting one about a field changes the field, with the request as source.
#[utoipa::path(post, path = "/api/v1/corrections/{id}/answer", tag = "corrections", request_body = AnswerRequest,
    params(("id" = i64, Path, description = "The request's number")),
    responses((status = 200, body = CorrectionOut), Errors), security(("session" = [])))]
pub async fn answer(
    State(state): State<AppState>,
    Caller(who): Caller,
    PathOf(id): PathOf<i64>,
    Body(r): Body<AnswerRequest>,
) -> ApiResult<Json<CorrectionOut>> {
    let answer = Answer { accepted: r.accepted, text: r.text };
    let c = state.blocking(move |reg, now| Ok(reg.answer_correction(&who, id, answer, r.value, now)?)).await?;
    Ok(Json(c.into()))
}
