//! The checkpoint side of the API: online verification (`EP1:` text or a typed control code) with the pass's live
//! status, officials suspending, reinstating and revoking passes, the feed of status changes, and the trust list.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};
use surge_app::{PassStatus, Role, Store, StoreError};
use surge_pass::{ControlCode, Verifier};

use crate::AppState;
use crate::auth::Principal;
use crate::error::ApiError;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VerifyRequest {
    text: Option<String>,
    control_code: Option<String>,
    /// The checkpoint's zone, to check the pass covers it.
    zone: Option<String>,
}

fn unprocessable(code: &'static str, message: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, code, message)
}

/// Verifies a pass as a checkpoint would offline, then adds what only the server knows: whether it has been
/// suspended or revoked since. A typed control code finds the stored pass, whose signed text is then verified.
pub async fn verify<S: Store>(
    State(state): State<AppState<S>>,
    principal: Principal,
    body: Result<Json<VerifyRequest>, axum::extract::rejection::JsonRejection>,
) -> Result<Json<Value>, ApiError> {
    principal.require(&[Role::Admin, Role::Official, Role::Checkpoint])?;
    let Json(body) = body.map_err(|e| ApiError::bad_request(e.body_text()))?;
    let text = match (body.text, body.control_code) {
        (Some(text), None) => {
            let text = text.trim().to_owned();
            if text.starts_with("HC1:") {
                return Err(unprocessable(
                    "dcc_not_configured",
                    "this server holds no DCC signer certificates; verify HC1 codes with `surge pass verify --dcc-trust`",
                ));
            }
            if text.len() > 4096 {
                return Err(unprocessable("too_large", "a pass is at most 4096 characters"));
            }
            text
        }
        (None, Some(code)) => {
            let code = ControlCode::parse(&code).map_err(|_| {
                unprocessable("control_code_invalid", "the control code is mistyped: check each character")
            })?;
            match state.store.pass_by_control_code(&code.to_string()).await {
                Ok(pass) => pass.token,
                Err(StoreError::NotFound) => {
                    return Err(ApiError::new(
                        StatusCode::NOT_FOUND,
                        "pass_not_found",
                        "no pass has this control code",
                    ));
                }
                Err(e) => return Err(e.into()),
            }
        }
        _ => return Err(ApiError::bad_request("send either \"text\" (EP1:…) or \"control_code\"")),
    };
    let now = (state.clock)();
    let verification = Verifier::new(&state.trust).verify(&text, now, body.zone.as_deref());
    let mut answer = crate::verify_json::verification_json(&verification);
    // A pass with a good signature was issued by this authority; its status index is its own. Statuses come from
    // memory, kept current from the feed, so a check costs no database read.
    let live = match &verification.claims {
        Some(claims) => {
            let (status, reason) = state.caches.status(&state.store, claims.pass.status_index).await?;
            let reason = match (status, reason) {
                (PassStatus::Valid, _) => None,
                (_, Some(reason)) => Some(reason),
                // Changed on another server: the reason is in the database.
                (_, None) => {
                    state.store.pass_by_status_index(claims.pass.status_index).await.ok().and_then(|p| p.status_reason)
                }
            };
            json!({"status": status.as_str(), "reason": reason})
        }
        None => Value::Null,
    };
    if matches!(live["status"].as_str(), Some("revoked" | "suspended")) {
        answer["valid"] = json!(false);
        let code = live["status"].clone();
        if let Some(checks) = answer["checks"].as_array_mut() {
            checks.push(json!({"check": "live_status", "result": "fail", "code": code, "message": live["reason"]}));
        }
    }
    answer["live_status"] = live;
    state.metrics.verifications.inc();
    Ok(Json(answer))
}

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
    let pass = state.store.pass_by_status_index(index).await?;
    let scope = principal.scope();
    if !scope.zones.is_empty()
        && !pass.zones.iter().any(|z| scope.zones.iter().any(|s| surge_domain::zone_covers(s, z)))
    {
        return Err(ApiError::forbidden());
    }
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
    let since = q.since.unwrap_or(0).max(0);
    let changes = state.store.status_changes(since, q.limit.unwrap_or(1000).clamp(1, 10_000)).await?;
    let last = changes.last().map_or(since, |c| c.seq);
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
