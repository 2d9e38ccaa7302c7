//! `GET /api/v1/lake/sql`: officials' read-only SQL over the situation lake, bounded in rows and time by the lake
//! itself. The web crate knows only this port; the server plugs the lake in.

use std::future::Future;
use std::pin::Pin;

use axum::extract::{Query, State};
use axum::http::header::CONTENT_TYPE;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use surge_app::{Role, Store};
use utoipa::IntoParams;

use crate::AppState;
use crate::access::auth::Principal;
use crate::error::ApiError;

const OFFICIALS: [Role; 2] = [Role::Admin, Role::Official];

/// How an answer is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LakeFormat {
    Json,
    Csv,
}

/// A query's answer, written.
#[derive(Debug, Clone)]
pub struct LakeAnswer {
    pub body: Vec<u8>,
    pub rows: usize,
    /// Rows beyond the limit were left off.
    pub truncated: bool,
}

/// Why a query was not answered: `input` when the query was at fault (400), else the lake (500).
#[derive(Debug, Clone)]
pub struct LakeQueryError {
    pub code: &'static str,
    pub message: String,
    pub input: bool,
}

pub type LakeFuture = Pin<Box<dyn Future<Output = Result<LakeAnswer, LakeQueryError>> + Send>>;

/// The lake, as the API sees it.
pub trait LakeQuery: Send + Sync + std::fmt::Debug {
    fn query(&self, sql: String, format: LakeFormat) -> LakeFuture;
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SqlParams {
    /// One read-only query, e.g. `SELECT source, count(*) FROM daily_cases GROUP BY source`.
    #[param(min_length = 1)]
    q: String,
    /// `json` (the default) or `csv`.
    #[param(pattern = "^(json|csv)$")]
    format: Option<String>,
}

/// Run one read-only SQL query over the situation lake's tables (official, admin)
///
/// DataFusion's dialect. Rows beyond the server's limit are left off, and `X-Truncated` says so.
#[utoipa::path(get, path = "/api/v1/lake/sql", tag = "situation", params(SqlParams), security(("apiKey" = [])),
    responses((status = 200, description = "The rows: a JSON array of objects, or CSV with a header",
            content((Vec<Object> = "application/json"), (String = "text/csv"))),
        (status = 400), (status = 401), (status = 403), (status = 404),
        (status = 422, description = "The query cannot be run: not SQL, not read-only, an unknown table")))]
pub async fn sql<S: Store>(
    State(state): State<AppState<S>>,
    principal: Principal,
    Query(params): Query<SqlParams>,
) -> Result<Response, ApiError> {
    principal.require(&OFFICIALS)?;
    let Some(lake) = state.lake.clone() else {
        return Err(ApiError::new(StatusCode::NOT_FOUND, "lake_not_configured", "this server has no situation lake"));
    };
    let format = match params.format.as_deref() {
        None | Some("json") => LakeFormat::Json,
        Some("csv") => LakeFormat::Csv,
        Some(other) => {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "format_unknown",
                format!("format: {other:?} is neither json nor csv"),
            ));
        }
    };
    tracing::info!(actor = principal.actor(), query = params.q, "lake query");
    match lake.query(params.q, format).await {
        Ok(answer) => {
            let content_type = match format {
                LakeFormat::Json => "application/json",
                LakeFormat::Csv => "text/csv; charset=utf-8",
            };
            let mut response = ([(CONTENT_TYPE, content_type)], answer.body).into_response();
            let headers = response.headers_mut();
            headers.insert("x-rows", HeaderValue::from(answer.rows));
            headers.insert("x-truncated", HeaderValue::from_static(if answer.truncated { "true" } else { "false" }));
            Ok(response)
        }
        Err(e) => {
            // A query that does not parse, names no known table or writes is well-formed but cannot be run: 422.
            let status = if e.input { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::INTERNAL_SERVER_ERROR };
            Err(ApiError::new(status, e.code, e.message))
        }
    }
}
