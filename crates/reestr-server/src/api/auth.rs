//! Logging in and out. A session lives in an HttpOnly, SameSite=Strict cookie with a fresh token
//! at every login; staff give a one-time code as well.

use std::net::SocketAddr;

use axum::{
    Json,
    extract::{ConnectInfo, FromRequestParts, State},
    http::{StatusCode, request::Parts},
};
use axum_extra::extract::{
    CookieJar,
    cookie::{Cookie, SameSite},
};
use reestr_store::{ABSOLUTE_TIMEOUT, Credentials};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::dto::{Errors, UserView};
use crate::{
    AppState, DEVICE_COOKIE, SESSION_COOKIE,
    error::{ApiError, ApiResult},
    extract::Body,
};

#[derive(Debug, Deserialize, ToSchema)]
pub struct LoginRequest {
    pub login: String,
    pub password: String,
    /// The current one-time code (staff).
    pub totp: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SessionView {
    pub user: UserView,
    /// When the session ends unless used (idle timeout) or at the latest (absolute timeout).
    pub expires_at: Option<String>,
}

/// The client's network address (for slowing password guessing from one place).
pub struct ClientAddr(pub String);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddr {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        let addr = parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip().to_string());
        Ok(ClientAddr(addr.unwrap_or_else(|| "unknown".into())))
    }
}

pub(crate) fn cookie(
    name: &'static str,
    value: String,
    max_age: jiff::SignedDuration,
    path: &'static str,
    secure: bool,
) -> Cookie<'static> {
    let mut c = Cookie::new(name, value);
    c.set_http_only(true);
    c.set_same_site(SameSite::Strict);
    c.set_path(path);
    c.set_secure(secure);
    c.set_max_age(cookie::time::Duration::seconds(max_age.as_secs()));
    c
}

/// Logs in. Any wrong login, password or code gets the same answer; repeated failures are slowed
/// (429 with Retry-After), though not for a device that has logged in to the account before.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", request_body = LoginRequest,
    responses((status = 200, body = SessionView, description = "Logged in; the session cookie is set"),
        (status = 429, body = crate::error::ErrorBody, description = "Too many failed attempts; see Retry-After"), Errors))]
pub async fn login(
    State(state): State<AppState>,
    jar: CookieJar,
    ClientAddr(address): ClientAddr,
    Body(r): Body<LoginRequest>,
) -> ApiResult<(CookieJar, Json<SessionView>)> {
    let device = jar.get(DEVICE_COOKIE).map(|c| c.value().to_owned());
    let credentials = Credentials { login: r.login, password: r.password, totp: r.totp, address, device };
    let outcome = state.blocking(move |reg, now| Ok(reg.login(&credentials, now)?)).await?;
    let secure = state.settings.secure_cookies;
    let jar = jar.add(cookie(SESSION_COOKIE, outcome.session, ABSOLUTE_TIMEOUT, "/", secure)).add(cookie(
        DEVICE_COOKIE,
        outcome.device,
        jiff::SignedDuration::from_hours(24 * 365),
        "/api/v1/auth",
        secure,
    ));
    Ok((jar, Json(SessionView { user: UserView::from(&outcome.user), expires_at: None })))
}

/// Logs out: the session ends on the server and its cookie is cleared.
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth", responses((status = 204, description = "Logged out"), Errors))]
pub async fn logout(State(state): State<AppState>, jar: CookieJar) -> ApiResult<(StatusCode, CookieJar)> {
    if let Some(token) = jar.get(SESSION_COOKIE).map(|c| c.value().to_owned()) {
        state.blocking(move |reg, _| Ok(reg.logout(&token)?)).await?;
    }
    Ok((StatusCode::NO_CONTENT, jar.remove(Cookie::build(SESSION_COOKIE).path("/"))))
}

/// The current session.
#[utoipa::path(get, path = "/api/v1/auth/session", tag = "auth", responses((status = 200, body = SessionView), Errors),
    security(("session" = [])))]
pub async fn session(State(state): State<AppState>, jar: CookieJar) -> ApiResult<Json<SessionView>> {
    let token = jar.get(SESSION_COOKIE).map(|c| c.value().to_owned()).ok_or_else(ApiError::unauthenticated)?;
    let s =
        state.blocking(move |reg, now| Ok(reg.session(&token, now)?)).await?.ok_or_else(ApiError::unauthenticated)?;
    Ok(Json(SessionView { user: UserView::from(&s.user), expires_at: Some(s.expires_at.to_string()) }))
}
