//! What handlers take from a request: the caller, a JSON body, a path, a query, the purpose.
//! Every rejection is an [`ApiError`], so malformed requests get the same JSON errors as the rest.

use axum::{
    extract::{FromRequest, FromRequestParts, Request, rejection::JsonRejection},
    http::{Method, header, request::Parts},
};
use axum_extra::extract::CookieJar;
use percent_encoding::percent_decode_str;
use reestr_core::access::Principal;
use serde::de::DeserializeOwned;

use crate::{AppState, error::ApiError};

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "reestr_session";
/// The cookie that marks a device that has logged in before.
pub const DEVICE_COOKIE: &str = "reestr_device";
/// The header that states why a record is read (UTF-8, percent-encoded where not ASCII).
pub const PURPOSE_HEADER: &str = "x-purpose";

/// The authenticated caller: by API key (`Authorization: Bearer rk_...`) or by session cookie.
#[derive(Debug, Clone)]
pub struct Caller(pub Principal);

/// Requests that change something, made with a session cookie, must come from the register's
/// own pages: a cross-site `Origin` or `Sec-Fetch-Site` is refused.
pub(crate) fn same_site(parts: &Parts) -> bool {
    if matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS) {
        return true;
    }
    let header = |name: &str| parts.headers.get(name).and_then(|v| v.to_str().ok());
    if let Some(site) = header("sec-fetch-site")
        && !matches!(site, "same-origin" | "none")
    {
        return false;
    }
    match (header("origin"), header("host")) {
        (Some(origin), Some(host)) => origin.split_once("://").is_some_and(|(_, rest)| rest == host),
        (Some(_), None) => false,
        (None, _) => true,
    }
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let bearer = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::to_owned);
        if let Some(key) = bearer {
            return state
                .blocking(move |reg, _| reg.authenticate_key(&key).map_err(ApiError::from))
                .await?
                .map(Caller)
                .ok_or_else(ApiError::unauthenticated);
        }
        let jar = CookieJar::from_headers(&parts.headers);
        let Some(token) = jar.get(SESSION_COOKIE).map(|c| c.value().to_owned()) else {
            return Err(ApiError::unauthenticated());
        };
        if !same_site(parts) {
            return Err(ApiError::new(
                axum::http::StatusCode::FORBIDDEN,
                "cross_site_request",
                "the request did not come from the register's own pages",
            ));
        }
        let session = state.blocking(move |reg, now| reg.session(&token, now).map_err(ApiError::from)).await?;
        session.map(|s| Caller(s.principal)).ok_or_else(ApiError::unauthenticated)
    }
}

/// The caller if there is a valid session or key, else nobody (for pages anyone may use that
/// show more to the person concerned).
#[derive(Debug, Clone)]
pub struct MaybeCaller(pub Option<Principal>);

impl FromRequestParts<AppState> for MaybeCaller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        Ok(MaybeCaller(Caller::from_request_parts(parts, state).await.ok().map(|c| c.0)))
    }
}

/// The stated purpose of a read, from the `X-Purpose` header.
#[derive(Debug, Clone, Default)]
pub struct Purpose(pub Option<String>);

impl<S: Send + Sync> FromRequestParts<S> for Purpose {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        let Some(raw) = parts.headers.get(PURPOSE_HEADER) else { return Ok(Purpose(None)) };
        // Percent-encoded UTF-8; what does not decode is kept as replacement characters.
        let text = percent_decode_str(&String::from_utf8_lossy(raw.as_bytes())).decode_utf8_lossy().trim().to_owned();
        if text.chars().count() > 500 {
            return Err(ApiError::bad_request("bad_purpose", "a purpose is at most 500 characters"));
        }
        Ok(Purpose((!text.is_empty()).then_some(text)))
    }
}

/// A JSON body; a malformed one is a 400 (or 415 without the JSON content type), with a message
/// that says where.
#[derive(Debug)]
pub struct Body<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Body<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(Body(v)),
            Err(JsonRejection::MissingJsonContentType(_)) => Err(ApiError::new(
                axum::http::StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "json_required",
                "send the body as JSON with Content-Type: application/json",
            )),
            Err(e) if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE => {
                Err(ApiError::new(e.status(), "too_large", "the body is larger than the register accepts"))
            }
            Err(e) => Err(ApiError::bad_request("bad_json", e.body_text())),
        }
    }
}

/// Path parameters; an unparsable one is a 400 (or a 404 for identifiers, by the caller).
#[derive(Debug)]
pub struct PathOf<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for PathOf<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Path(v)| PathOf(v))
            .map_err(|e| ApiError::bad_request("bad_path", e.body_text()))
    }
}

/// Query parameters, likewise.
#[derive(Debug)]
pub struct QueryOf<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for QueryOf<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Query(v)| QueryOf(v))
            .map_err(|e| ApiError::bad_request("bad_query", e.body_text()))
    }
}
