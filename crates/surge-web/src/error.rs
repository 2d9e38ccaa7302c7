//! The one HTTP error type: a stable code, a status, a message for people and optional details. Internal errors
//! are logged with their cause and answered with `internal` only.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use surge_app::{AppError, StoreError};
use utoipa::ToSchema;

/// Every error answer: `{"error": {"code", "message", "details"?}}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

/// A stable code to act on, words for people, and, for a refused form or file, each field or row at fault.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorDetail {
    pub code: &'static str,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub details: Option<Details>,
}

/// What a refused request got wrong, one entry for each problem: fields of a form, rows of a file, or rules of a
/// policy document.
#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
pub enum Details {
    Fields(Vec<FieldProblem>),
    Rows(Vec<RowProblem>),
    Rules(Vec<RuleProblem>),
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FieldProblem {
    pub field: &'static str,
    pub code: &'static str,
    pub message: String,
}

/// A row of an uploaded file: its line (1 is the header) and, where one is at fault, its column.
#[derive(Debug, Serialize, ToSchema)]
pub struct RowProblem {
    pub line: u32,
    pub column: Option<&'static str>,
    pub reason: String,
}

/// A policy rule by position (0-based; null for the document itself) and its field.
#[derive(Debug, Serialize, ToSchema)]
pub struct RuleProblem {
    pub rule: Option<usize>,
    pub field: &'static str,
    pub message: String,
}

/// The most problems of a refused file one answer lists.
pub const MAX_LISTED_ROWS: usize = 1000;

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub details: Option<Details>,
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
        let error = ErrorDetail { code: self.code, message: self.message, details: self.details };
        (self.status, Json(ErrorBody { error })).into_response()
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
                details: Some(Details::Fields(
                    fields
                        .into_iter()
                        .map(|f| FieldProblem { field: f.field, code: f.code, message: f.message })
                        .collect(),
                )),
            },
            AppError::InvalidFile(rows) => {
                // A file of 100,000 bad rows would make an answer of megabytes: the first problems are enough to
                // start correcting, and the count says how many there are.
                let listed = if rows.len() > MAX_LISTED_ROWS {
                    format!("; the first {MAX_LISTED_ROWS} are listed")
                } else {
                    String::new()
                };
                Self {
                    status: StatusCode::UNPROCESSABLE_ENTITY,
                    code,
                    message: format!("the file was not accepted: {} problems{listed}; nothing was stored", rows.len()),
                    details: Some(Details::Rows(
                        rows.into_iter()
                            .take(MAX_LISTED_ROWS)
                            .map(|r| RowProblem { line: r.line, column: r.column, reason: r.reason })
                            .collect(),
                    )),
                }
            }
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
                details: field
                    .map(|field| Details::Fields(vec![FieldProblem { field, code, message: message.clone() }])),
                ..Self::new(StatusCode::UNPROCESSABLE_ENTITY, code, message)
            },
            AppError::Forbidden => Self::forbidden(),
            AppError::Refused { code, message } => Self::new(StatusCode::CONFLICT, code, message),
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
