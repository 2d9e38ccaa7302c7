//! Pass status for verifiers and officials: officials suspend, reinstate and revoke passes; verifiers follow the
//! feed of changes and download the signed status list and the trust list.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use surge_app::{PassStatus, Role, Store};
use utoipa::{IntoParams, ToSchema};

use crate::AppState;
use crate::access::auth::Principal;
use crate::error::ApiError;

use base64::Engine;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StatusRequest {
    /// `suspend`, `reinstate` or `revoke`.
    #[schema(pattern = "^(suspend|reinstate|revoke)$")]
    action: String,
    /// Told to the holder, and kept in the audit log.
    reason: String,
    /// The language of the holder's SMS: `ko` (the default) or `en`.
    #[serde(default = "korean")]
    #[schema(pattern = "^(en|ko)$")]
    lang: String,
}

fn korean() -> String {
    "ko".into()
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StatusSet {
    status_index: u64,
    status: &'static str,
    /// The change's place in the feed (`/api/v1/revocations`).
    seq: i64,
}

/// Suspend, reinstate or revoke a pass with a reason (official, admin); the holder is told by SMS
///
/// Officials only within their zones.
#[utoipa::path(post, path = "/api/v1/passes/{index}/status", tag = "passes", params(("index" = u64, Path)),
    request_body = StatusRequest, security(("apiKey" = [])),
    responses((status = 200, description = "The new status and its sequence number", body = StatusSet),
        (status = 400), (status = 401), (status = 403), (status = 404), (status = 409), (status = 422)))]
pub async fn set_status<S: Store>(
    State(state): State<AppState<S>>,
    principal: Principal,
    Path(index): Path<u64>,
    body: Result<Json<StatusRequest>, axum::extract::rejection::JsonRejection>,
) -> Result<Json<StatusSet>, ApiError> {
    principal.require(&[Role::Admin, Role::Official])?;
    let Json(body) = body.map_err(|e| ApiError::rejected(e.status(), e.body_text()))?;
    let status = match body.action.as_str() {
        "suspend" => PassStatus::Suspended,
        "reinstate" => PassStatus::Valid,
        "revoke" => PassStatus::Revoked,
        other => return Err(ApiError::bad_request(format!("unknown action {other:?}: suspend, reinstate or revoke"))),
    };
    surge_app::passes::in_scope(&state.store, &principal.scope(), index).await?;
    let actor = principal.actor();
    let seq =
        surge_app::change_pass_status(&state.store, index, status, &body.reason, &actor, &body.lang, (state.clock)())
            .await?;
    state.caches.set_status(index, status, Some(body.reason.trim().to_owned()));
    Ok(Json(StatusSet { status_index: index, status: status.as_str(), seq }))
}

#[derive(Debug, Deserialize, Default, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SinceQuery {
    /// The last sequence number already seen (`next_since`); 0 when absent.
    since: Option<i64>,
    /// 1 to 10000; 1000 when absent.
    #[param(minimum = 1, maximum = 10000)]
    limit: Option<u32>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ChangeOut {
    seq: i64,
    status_index: u64,
    status: &'static str,
    /// The status list's 2-bit value: 0 valid, 1 revoked, 2 suspended.
    value: u8,
    /// Unix seconds.
    at: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Changes {
    changes: Vec<ChangeOut>,
    /// Send as `since` to get the changes after these.
    next_since: i64,
}

/// Status changes after a sequence number, for verifiers to keep their lists current
///
/// Between downloads of the signed status list.
#[utoipa::path(get, path = "/api/v1/revocations", tag = "passes", params(SinceQuery),
    responses((status = 200, description = "changes and next_since", body = Changes), (status = 400)))]
pub async fn revocations<S: Store>(
    State(state): State<AppState<S>>,
    query: Result<Query<SinceQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Changes>, ApiError> {
    let Query(q) = query.map_err(|e| ApiError::rejected(e.status(), e.body_text()))?;
    let limit = crate::wire::page_limit(q.limit, 1000, 10_000)?;
    let (changes, next_since) = surge_app::passes::status_feed(&state.store, q.since, Some(limit)).await?;
    let changes = changes
        .iter()
        .map(|c| ChangeOut {
            seq: c.seq,
            status_index: c.status_index,
            status: c.status.as_str(),
            value: c.status.list_value(),
            at: c.at.unix_timestamp(),
        })
        .collect();
    Ok(Json(Changes { changes, next_since }))
}

/// The signed status list (head and chunks, 2 bits a pass: 0 valid, 1 revoked, 2 suspended)
///
/// As `surge pass status-list` writes it, for verifiers to download and check offline. Rebuilt within seconds of
/// any change.
#[utoipa::path(get, path = "/api/v1/status-list", tag = "passes",
    responses((status = 200, description = "The list", content_type = "application/octet-stream", body = Vec<u8>),
        (status = 404)))]
pub async fn status_list<S: Store>(State(state): State<AppState<S>>) -> Result<axum::response::Response, ApiError> {
    use axum::response::IntoResponse;
    let Some(signer) = &state.status_signer else {
        return Err(ApiError::new(StatusCode::NOT_FOUND, "not_found", "this server publishes no status list"));
    };
    let bytes = state.caches.status_list(&state.store, signer, (state.clock)()).await.map_err(|e| {
        tracing::error!(error = %e, "building the status list failed");
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", "something went wrong on our side")
    })?;
    Ok(([(axum::http::header::CONTENT_TYPE, "application/octet-stream")], bytes.as_ref().clone()).into_response())
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TrustListOut {
    /// `surge-trust-list/1`.
    format: &'static str,
    /// The COSE-signed list, base64.
    signed: String,
}

/// The signed trust list for offline verifiers
#[utoipa::path(get, path = "/api/v1/trust-list", tag = "passes",
    responses((status = 200, description = "The list", body = TrustListOut)))]
pub async fn trust_list<S: Store>(State(state): State<AppState<S>>) -> Json<TrustListOut> {
    Json(TrustListOut {
        format: "surge-trust-list/1",
        signed: base64::engine::general_purpose::STANDARD.encode(&state.trust.current().signed),
    })
}

/// The signed trust list for offline verifiers (the first address, kept for verifiers already in the field)
#[utoipa::path(get, path = "/api/trust-list", tag = "passes",
    responses((status = 200, description = "The list", body = TrustListOut)))]
pub async fn trust_list_first<S: Store>(state: State<AppState<S>>) -> Json<TrustListOut> {
    trust_list(state).await
}
