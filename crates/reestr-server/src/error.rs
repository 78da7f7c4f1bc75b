//! Errors as the API returns them: `{"error": "<stable_snake_case_code>", "message": "..."}` with
//! the status that fits. Messages never carry personal data.

use axum::{
    Json,
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use reestr_core::ErrorCode;
use reestr_store::{AuthError, StoreError};
use serde::Serialize;
use utoipa::ToSchema;

/// The body of every error response.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    /// A stable snake_case code, e.g. `forbidden`, `not_found`, `purpose_required`.
    pub error: String,
    /// What went wrong, for people.
    pub message: String,
}

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: String,
    pub message: String,
    pub retry_after: Option<u64>,
    /// The field of the request at fault, where one is known (for a form to mark; not sent).
    pub field: Option<&'static str>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &str, message: impl Into<String>) -> ApiError {
        ApiError { status, code: code.to_owned(), message: message.into(), retry_after: None, field: None }
    }

    pub fn unauthenticated() -> ApiError {
        ApiError::new(StatusCode::UNAUTHORIZED, "unauthenticated", "log in, or present an API key")
    }

    pub fn bad_request(code: &str, message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, code, message)
    }
}

/// The status for a code of the register's errors.
fn status_of(code: &str) -> StatusCode {
    match code {
        "not_found" => StatusCode::NOT_FOUND,
        "forbidden" | "purpose_required" => StatusCode::FORBIDDEN,
        "summons_closed"
        | "already_served"
        | "not_served"
        | "region_not_operating"
        | "already_answered"
        | "instant_in_past"
        | "too_many_excuses"
        | "campaign_wrong_state"
        | "campaign_appointments_begun" => StatusCode::CONFLICT,
        "busy" => StatusCode::SERVICE_UNAVAILABLE,
        "storage_error" | "corrupt_data" | "keys_unusable" | "policy_mismatch" => StatusCode::INTERNAL_SERVER_ERROR,
        _ => StatusCode::UNPROCESSABLE_ENTITY,
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> ApiError {
        let code = e.code();
        let status = status_of(code);
        let message = if status == StatusCode::INTERNAL_SERVER_ERROR {
            // Details stay in the server's own diagnostics, not in answers.
            "the register could not complete the request".to_owned()
        } else {
            e.to_string()
        };
        ApiError { field: e.field(), ..ApiError::new(status, code, message) }
    }
}

impl From<AuthError> for ApiError {
    fn from(e: AuthError) -> ApiError {
        match e {
            AuthError::Invalid => ApiError::new(StatusCode::UNAUTHORIZED, e.code(), e.to_string()),
            AuthError::Throttled { retry_after } => ApiError {
                retry_after: Some(retry_after),
                ..ApiError::new(StatusCode::TOO_MANY_REQUESTS, e.code(), e.to_string())
            },
            AuthError::Store(s) => s.into(),
        }
    }
}

impl From<reestr_core::access::AccessError> for ApiError {
    fn from(e: reestr_core::access::AccessError) -> ApiError {
        StoreError::from(e).into()
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = (self.status, Json(ErrorBody { error: self.code, message: self.message })).into_response();
        if let Some(secs) = self.retry_after
            && let Ok(v) = HeaderValue::from_str(&secs.to_string())
        {
            response.headers_mut().insert(header::RETRY_AFTER, v);
        }
        response
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
