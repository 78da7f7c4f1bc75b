//! Users and API keys (admins).

use axum::{Json, extract::State, http::StatusCode};
use reestr_core::{
    access::{Role, Scope},
    person::PersonId,
};
use reestr_store::NewUser;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::dto::{Errors, UserView};
use crate::{
    AppState,
    error::{ApiError, ApiResult},
    extract::{Body, Caller, PathOf},
};

fn invalid(what: &str, e: impl std::fmt::Display) -> ApiError {
    ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_request", format!("{what}: {e}"))
}

/// Every user.
#[utoipa::path(get, path = "/api/v1/admin/users", tag = "admin", responses((status = 200, body = Vec<UserView>), Errors), security(("session" = [])))]
pub async fn users(State(state): State<AppState>, Caller(who): Caller) -> ApiResult<Json<Vec<UserView>>> {
    let list = state.blocking(move |reg, _| Ok(reg.users(&who)?)).await?;
    Ok(Json(list.iter().map(UserView::from).collect()))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewUserRequest {
    pub login: String,
    /// Any role but `agency` (agencies use keys) and `operator` (the command line).
    pub role: Role,
    /// The person (citizen).
    pub person: Option<i64>,
    /// The commissariat (registrar, medical commission), e.g. `62-001`.
    pub commissariat: Option<String>,
    /// The region (supervisor), e.g. `62`.
    pub region: Option<String>,
    /// At least 10 characters.
    #[schema(min_length = 10)]
    pub password: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct NewUserView {
    pub user: UserView,
    /// Staff only, shown once: the seed of the one-time codes (base32), for an authenticator app.
    pub totp_seed: Option<String>,
}

/// Adds a user; staff get a second-factor seed, shown once.
#[utoipa::path(post, path = "/api/v1/admin/users", tag = "admin", request_body = NewUserRequest,
    responses((status = 201, body = NewUserView), Errors), security(("session" = [])))]
pub async fn add_user(
    State(state): State<AppState>,
    Caller(who): Caller,
    Body(r): Body<NewUserRequest>,
) -> ApiResult<(StatusCode, Json<NewUserView>)> {
    let role = r.role;
    let scope = match role {
        Role::Citizen => Scope::Person(PersonId(r.person.ok_or_else(|| invalid("person", "required for a citizen"))?)),
        Role::Registrar | Role::MedicalCommission => Scope::Commissariat(
            r.commissariat
                .ok_or_else(|| invalid("commissariat", "required"))?
                .parse()
                .map_err(|e| invalid("commissariat", e))?,
        ),
        Role::Supervisor => Scope::Region(
            r.region.ok_or_else(|| invalid("region", "required"))?.parse().map_err(|e| invalid("region", e))?,
        ),
        _ => Scope::All,
    };
    let new = NewUser { login: r.login, role, scope, password: r.password };
    let (user, seed) = state.blocking(move |reg, now| Ok(reg.add_user(&who, new, now)?)).await?;
    Ok((StatusCode::CREATED, Json(NewUserView { user: UserView::from(&user), totp_seed: seed })))
}

/// Disables a user and ends their sessions.
#[utoipa::path(post, path = "/api/v1/admin/users/{id}/disable", tag = "admin",
    params(("id" = i64, Path, description = "The user's number")),
    responses((status = 204, description = "Disabled"), Errors), security(("session" = [])))]
pub async fn disable_user(
    State(state): State<AppState>,
    Caller(who): Caller,
    PathOf(id): PathOf<i64>,
) -> ApiResult<StatusCode> {
    state.blocking(move |reg, now| Ok(reg.disable_user(&who, id, now)?)).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct KeyView {
    pub id: i64,
    /// The key's public part: `rk_PREFIX_...`.
    pub prefix: String,
    pub role: String,
    #[schema(value_type = Object)]
    pub scope: serde_json::Value,
    pub created_at: String,
    pub revoked_at: Option<String>,
}

/// Every API key (never the secrets: only their hashes are kept).
#[utoipa::path(get, path = "/api/v1/admin/keys", tag = "admin", responses((status = 200, body = Vec<KeyView>), Errors), security(("session" = [])))]
pub async fn keys(State(state): State<AppState>, Caller(who): Caller) -> ApiResult<Json<Vec<KeyView>>> {
    let list = state.blocking(move |reg, _| Ok(reg.keys(&who)?)).await?;
    Ok(Json(
        list.into_iter()
            .map(|k| KeyView {
                id: k.id,
                prefix: k.prefix,
                role: k.role,
                scope: serde_json::from_str(&k.scope).unwrap_or_default(),
                created_at: k.created_at.to_string(),
                revoked_at: k.revoked_at.map(|t| t.to_string()),
            })
            .collect(),
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewKeyRequest {
    /// The agency the key belongs to (see `/api/v1/admin/agencies`), e.g. `border-service`: the key
    /// acts with its role and measure kinds.
    pub agency: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct NewKeyView {
    pub id: i64,
    /// The whole key, shown once.
    pub key: String,
}

/// Creates an API key; the whole key is shown once and only its hash is kept.
#[utoipa::path(post, path = "/api/v1/admin/keys", tag = "admin", request_body = NewKeyRequest,
    responses((status = 201, body = NewKeyView), Errors), security(("session" = [])))]
pub async fn create_key(
    State(state): State<AppState>,
    Caller(who): Caller,
    Body(r): Body<NewKeyRequest>,
) -> ApiResult<(StatusCode, Json<NewKeyView>)> {
    let k = state.blocking(move |reg, now| Ok(reg.create_key(&who, &r.agency, now)?)).await?;
    Ok((StatusCode::CREATED, Json(NewKeyView { id: k.id, key: k.key })))
}

/// Revokes an API key.
#[utoipa::path(post, path = "/api/v1/admin/keys/{id}/revoke", tag = "admin",
    params(("id" = i64, Path, description = "The key's number")),
    responses((status = 204, description = "Revoked"), Errors), security(("session" = [])))]
pub async fn revoke_key(
    State(state): State<AppState>,
    Caller(who): Caller,
    PathOf(id): PathOf<i64>,
) -> ApiResult<StatusCode> {
    let revoked = state.blocking(move |reg, now| Ok(reg.revoke_key(&who, id, now)?)).await?;
    if revoked {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::new(StatusCode::NOT_FOUND, "not_found", "no such active key"))
    }
}
