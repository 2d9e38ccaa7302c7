//! The one HTTP error type: a stable code, a status, a message for people and optional details. Internal errors
//! are logged with their cause and answered with `internal` only.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use surge_app::{AppError, StoreError};

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub details: Option<Value>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self { status, code, message: message.into(), details: None }
    }

    pub fn unauthenticated() -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthenticated", "send a valid API key as `Authorization: Bearer …`")
    }

    pub fn forbidden() -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden", "you may not do that")
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "request_invalid", message)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut error = json!({"code": self.code, "message": self.message});
        if let Some(details) = self.details {
            error["details"] = details;
        }
        (self.status, Json(json!({ "error": error }))).into_response()
    }
}

impl From<AppError> for ApiError {
    fn from(e: AppError) -> Self {
        let code = e.code();
        match e {
            AppError::InvalidForm(fields) => Self {
                status: StatusCode::UNPROCESSABLE_ENTITY,
                code,
                message: format!("{} fields need correcting", fields.len()),
                details: Some(json!(
                    fields
                        .iter()
                        .map(|f| json!({"field": f.field, "code": f.code, "message": f.message}))
                        .collect::<Vec<_>>()
                )),
            },
            AppError::InvalidFile(rows) => Self {
                status: StatusCode::UNPROCESSABLE_ENTITY,
                code,
                message: format!("the file was not accepted: {} problems; nothing was stored", rows.len()),
                details: Some(json!(
                    rows.iter()
                        .map(|r| json!({"line": r.line, "column": r.column, "reason": r.reason}))
                        .collect::<Vec<_>>()
                )),
            },
            AppError::Transition(t) => Self::new(StatusCode::CONFLICT, code, t.to_string()),
            AppError::NotApproved => Self::new(StatusCode::CONFLICT, code, e.to_string()),
            AppError::QuotaExceeded { .. } => Self::new(StatusCode::CONFLICT, code, e.to_string()),
            AppError::NotFound => Self::new(StatusCode::NOT_FOUND, code, "not found"),
            AppError::Conflict => Self::new(StatusCode::CONFLICT, code, e.to_string()),
            AppError::RateLimited { .. } => Self::new(StatusCode::TOO_MANY_REQUESTS, code, e.to_string()),
            AppError::SignInFailed => Self::new(StatusCode::UNAUTHORIZED, code, e.to_string()),
            AppError::ActivePassExists => Self::new(StatusCode::CONFLICT, code, e.to_string()),
            AppError::OwnCase => Self::new(StatusCode::FORBIDDEN, code, e.to_string()),
            AppError::BadRequest(message) => Self::new(StatusCode::BAD_REQUEST, code, message),
            AppError::InvalidPolicy(problems) => crate::policy::api::problems_error(&problems),
            AppError::Unprocessable { code, field, message } => Self {
                details: field.map(|field| json!([{"field": field, "code": code, "message": message}])),
                ..Self::new(StatusCode::UNPROCESSABLE_ENTITY, code, message)
            },
            AppError::Forbidden => Self::forbidden(),
            AppError::Store(_) | AppError::Signing(_) => {
                tracing::error!(error = ?e, "request failed");
                Self::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", "something went wrong on our side")
            }
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        AppError::from(e).into()
    }
}
