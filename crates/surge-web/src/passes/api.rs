//! Pass status for verifiers and officials: officials suspend, reinstate and revoke passes; verifiers follow the
//! feed of changes and download the signed status list and the trust list.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};
use surge_app::{PassStatus, Role, Store};

use crate::AppState;
use crate::access::auth::Principal;
use crate::error::ApiError;

use base64::Engine;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatusRequest {
    /// `suspend`, `reinstate` or `revoke`.
    action: String,
    reason: String,
    #[serde(default = "korean")]
    lang: String,
}

fn korean() -> String {
    "ko".into()
}

/// Officials (within their zones) and admins suspend, reinstate or revoke a pass; the holder is told by SMS.
pub async fn set_status<S: Store>(
    State(state): State<AppState<S>>,
    principal: Principal,
    Path(index): Path<u64>,
    body: Result<Json<StatusRequest>, axum::extract::rejection::JsonRejection>,
) -> Result<Json<Value>, ApiError> {
    principal.require(&[Role::Admin, Role::Official])?;
    let Json(body) = body.map_err(|e| ApiError::bad_request(e.body_text()))?;
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
    Ok(Json(json!({"status_index": index, "status": status.as_str(), "seq": seq})))
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct SinceQuery {
    since: Option<i64>,
    limit: Option<u32>,
}

/// The feed of status changes after `since`, for verifiers to keep their status lists current between downloads.
pub async fn revocations<S: Store>(
    State(state): State<AppState<S>>,
    query: Result<Query<SinceQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    let Query(q) = query.map_err(|e| ApiError::bad_request(e.body_text()))?;
    let (changes, last) = surge_app::passes::status_feed(&state.store, q.since, q.limit).await?;
    Ok(Json(json!({
        "changes": changes.iter().map(|c| json!({
            "seq": c.seq,
            "status_index": c.status_index,
            "status": c.status.as_str(),
            "value": c.status.list_value(),
            "at": c.at.unix_timestamp(),
        })).collect::<Vec<_>>(),
        "next_since": last,
    })))
}

/// The signed status list (a head and its chunks, as `surge pass status-list` writes them), for verifiers to
/// download and check offline. Rebuilt within seconds of any change.
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

pub async fn trust_list<S: Store>(State(state): State<AppState<S>>) -> Json<Value> {
    Json(json!({
        "format": "surge-trust-list/1",
        "signed": base64::engine::general_purpose::STANDARD.encode(state.trust_list.as_slice()),
    }))
}
