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

// `deny_unknown_fields` makes each problem's schema closed, so that the three kinds of details are told apart.
#[derive(Debug, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FieldProblem {
    pub field: &'static str,
    pub code: &'static str,
    pub message: String,
}

/// A row of an uploaded file: its line (1 is the header) and, where one is at fault, its column.
#[derive(Debug, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RowProblem {
    pub line: u32,
    pub column: Option<&'static str>,
    pub reason: String,
}

/// A policy rule by position (0-based; null for the document itself) and its field.
#[derive(Debug, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
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

    /// A well-formed request whose one field cannot be taken: 422 with its code, naming the field.
    pub fn field(code: &'static str, field: &'static str, message: impl Into<String>) -> Self {
        let message = message.into();
        Self {
            details: Some(Details::Fields(vec![FieldProblem { field, code, message: message.clone() }])),
            ..Self::new(StatusCode::UNPROCESSABLE_ENTITY, code, message)
        }
    }

    /// What an extractor refused (a JSON body, a query, a path), with its own status where it says more than
    /// "bad request": a body over its limit is 413, a wrong content type 415.
    pub fn rejected(status: StatusCode, message: impl Into<String>) -> Self {
        match status {
            StatusCode::PAYLOAD_TOO_LARGE => Self::new(status, "body_too_large", message),
            StatusCode::UNSUPPORTED_MEDIA_TYPE => Self::new(status, "unsupported_media_type", message),
            _ => Self::bad_request(message),
        }
    }
}

/// The code for a status that a layer below the handlers answered.
fn code_of(status: StatusCode) -> &'static str {
    match status {
        StatusCode::PAYLOAD_TOO_LARGE => "body_too_large",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
        StatusCode::NOT_FOUND => "not_found",
        StatusCode::METHOD_NOT_ALLOWED => "method_not_allowed",
        StatusCode::UNPROCESSABLE_ENTITY | StatusCode::BAD_REQUEST => "request_invalid",
        s if s.is_server_error() => "internal",
        _ => "request_invalid",
    }
}

/// Answers every refusal under `/api/` (and `/healthz`, `/livez`) in the one JSON shape. Handlers answer so already; this
/// catches what is refused before a handler runs, which axum answers in plain text: a body over its limit, text
/// that is not UTF-8, a path number that is not a number, a wrong method, an unknown path.
/// Elsewhere, such a refusal (a page address whose number is not a number, a query that is not UTF-8) is a page
/// with the layout, in the visitor's language, and a way back, rather than a line of plain text.
pub async fn shaped_refusals(request: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let path = request.uri().path();
    let api = path.starts_with("/api/") || path == "/healthz" || path == "/livez";
    // Only what choosing the language needs is kept from the request.
    let mut language_headers = axum::http::HeaderMap::new();
    for name in [axum::http::header::COOKIE, axum::http::header::ACCEPT_LANGUAGE] {
        if let Some(value) = request.headers().get(&name) {
            language_headers.insert(name, value.clone());
        }
    }
    let response = next.run(request).await;
    let status = response.status();
    let content_type = response.headers().get(axum::http::header::CONTENT_TYPE).and_then(|v| v.to_str().ok());
    let is_json = content_type.is_some_and(|t| t.contains("json"));
    let is_html = content_type.is_some_and(|t| t.contains("html"));
    let refused = status.is_client_error() || status.is_server_error();
    if !api && refused && !is_json && !is_html {
        return error_page(status, crate::i18n::Lang::negotiate(None, &language_headers));
    }
    if !api || is_json || !refused {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    // Such answers are a line of text; more is not read.
    let text = match axum::body::to_bytes(body, 16 * 1024).await {
        Ok(bytes) => String::from_utf8_lossy(&bytes).trim().to_owned(),
        Err(_) => String::new(),
    };
    let message = if text.is_empty() { status.canonical_reason().unwrap_or("refused").to_owned() } else { text };
    let error = ErrorBody { error: ErrorDetail { code: code_of(status), message, details: None } };
    let body = serde_json::to_vec(&error).unwrap_or_default();
    parts.headers.insert(axum::http::header::CONTENT_TYPE, axum::http::HeaderValue::from_static("application/json"));
    parts.headers.remove(axum::http::header::CONTENT_LENGTH);
    Response::from_parts(parts, axum::body::Body::from(body))
}

fn error_page(status: StatusCode, lang: crate::i18n::Lang) -> Response {
    let (title, text) = match status {
        StatusCode::PAYLOAD_TOO_LARGE => ("errorpage.too_large.title", "errorpage.too_large.body"),
        s if s.is_server_error() => ("errorpage.sorry.title", "errorpage.sorry.body"),
        _ => ("errorpage.bad.title", "errorpage.bad.body"),
    };
    let body = format!(
        "<h1>{}</h1><p>{}</p><p><a href=\"/\">{}</a></p>",
        lang.t(title),
        lang.t(text),
        lang.t("notfound.start")
    );
    (status, axum::response::Html(crate::kit::layout(lang, lang.t(title), &body, None))).into_response()
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
            AppError::SignInFailed | AppError::CodeWrong { .. } | AppError::CodeSpent => {
                Self::new(StatusCode::UNAUTHORIZED, code, e.to_string())
            }
            AppError::ActivePassExists => Self::new(StatusCode::CONFLICT, code, e.to_string()),
            AppError::OwnCase => Self::new(StatusCode::FORBIDDEN, code, e.to_string()),
            AppError::BadRequest(message) => Self::new(StatusCode::BAD_REQUEST, code, message),
            AppError::InvalidPolicy(problems) => crate::policy::api::problems_error(&problems),
            AppError::Unprocessable { code, field: Some(field), message } => Self::field(code, field, message),
            AppError::Unprocessable { code, field: None, message } => {
                Self::new(StatusCode::UNPROCESSABLE_ENTITY, code, message)
            }
            AppError::Forbidden => Self::forbidden(),
            AppError::Refused { code, message } => Self::new(StatusCode::CONFLICT, code, message),
            AppError::Store(StoreError::Unavailable(cause)) => {
                tracing::error!(error = %cause, "storage unavailable");
                Self::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "storage_unavailable",
                    "the service cannot save anything just now; nothing was stored; try again in a few minutes",
                )
            }
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
