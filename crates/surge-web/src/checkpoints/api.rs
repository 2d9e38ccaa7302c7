//! The checkpoint API: online verification (`EP1:` text, a typed control code or an EU DCC) with the pass's live
//! status and the scan log, checkpoints and their alerts, and the scans a checkpoint made offline.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use surge_app::{AppError, PassStatus, Role, Store};
use surge_pass::{ControlCode, Verifier};
use utoipa::ToSchema;

use crate::AppState;
use crate::access::auth::Principal;
use crate::error::ApiError;
use crate::passes::verify_json::{CheckOut, LiveStatus, Verified};

/// Either the scanned text or the control code typed from a printed pass.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VerifyRequest {
    /// `EP1:…` (or `HC1:…` for an EU health certificate).
    text: Option<String>,
    control_code: Option<String>,
    /// The zone to check the pass covers, when no `checkpoint_id` is given.
    zone: Option<String>,
    /// Where the check is made: the pass must cover the checkpoint's zone (whatever `zone` says), the scan is
    /// logged, and the cloned-pass check runs.
    #[serde(default, deserialize_with = "crate::wire::whole")]
    checkpoint_id: Option<i64>,
}

fn unprocessable(code: &'static str, message: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, code, message)
}

/// Verifies a pass as a checkpoint would offline, then adds what only the server knows: whether it has been
/// suspended or revoked since. A typed control code finds the stored pass, whose signed text is then verified.
/// Returns the answer and, when the signature held, the pass's status index. Shared by the API and the checkpoint
/// page.
pub async fn check<S: Store>(
    state: &AppState<S>,
    text: Option<String>,
    control_code: Option<String>,
    zone: Option<&str>,
) -> Result<(Verified, Option<u64>), ApiError> {
    let text = match (text, control_code) {
        (Some(text), None) => {
            let text = text.trim().to_owned();
            if text.len() > 4096 {
                return Err(unprocessable("too_large", "a pass is at most 4096 characters"));
            }
            if text.starts_with("HC1:") {
                let Some(trust) = &state.dcc_trust else {
                    return Err(unprocessable(
                        "dcc_not_configured",
                        "this server holds no DCC signer certificates (authority.dcc_signer_certs)",
                    ));
                };
                // A health certificate has no Surge status: its verdict, with the business rules, is the answer.
                let country = &state.config.phone_region;
                let now = (state.clock)();
                let rules = state.dcc_rules.read().map(|held| std::sync::Arc::clone(&held)).unwrap_or_default();
                let verification = surge_app::dcc::verify(&text, trust, &rules, country, "en", now);
                return Ok((Verified::Dcc(crate::passes::verify_json::dcc_verification_json(&verification)), None));
            }
            text
        }
        (None, Some(code)) => {
            let code = ControlCode::parse(&code).map_err(|_| {
                unprocessable("control_code_invalid", "the control code is mistyped: check each character")
            })?;
            match surge_app::passes::by_control_code(&state.store, &code.to_string()).await {
                Ok(pass) => pass.token,
                Err(AppError::NotFound) => {
                    return Err(ApiError::new(
                        StatusCode::NOT_FOUND,
                        "pass_not_found",
                        "no pass has this control code",
                    ));
                }
                Err(e) => return Err(e.into()),
            }
        }
        _ => return Err(unprocessable("text_or_control_code", "send either \"text\" (EP1:…) or \"control_code\"")),
    };
    let now = (state.clock)();
    let verification = Verifier::new(&state.trust.current().list).verify(&text, now, zone);
    let mut answer = crate::passes::verify_json::verification_json(&verification);
    // A pass with a good signature was issued by this authority; its status index is its own. Statuses come from
    // memory, kept current from the feed, so a check costs no database read.
    let index = verification.claims.as_ref().map(|c| c.pass.status_index);
    let live = match index {
        Some(index) => {
            let (status, reason) = state.caches.status(&state.store, index).await?;
            let reason = match (status, reason) {
                (PassStatus::Valid, _) => None,
                (_, Some(reason)) => Some(reason),
                // Changed on another server: the reason is in the database.
                (_, None) => surge_app::passes::status_reason(&state.store, index).await,
            };
            Some(LiveStatus { status: status.as_str(), reason })
        }
        None => None,
    };
    if let Some(live) = live.as_ref().filter(|l| matches!(l.status, "revoked" | "suspended")) {
        answer.valid = false;
        answer.checks.push(CheckOut {
            check: "live_status",
            result: "fail",
            message: live.reason.clone(),
            code: Some(live.status),
        });
    }
    answer.live_status = Some(live);
    state.metrics.verifications.inc();
    Ok((Verified::Pass(Box::new(answer)), index))
}

/// Records a check made at a checkpoint; answers whether it raised an alert.
pub async fn log_scan<S: Store>(
    state: &AppState<S>,
    principal: &Principal,
    checkpoint_id: i64,
    answer: &Verified,
    index: Option<u64>,
) -> Result<bool, ApiError> {
    let scan = surge_app::NewScan {
        checkpoint_id: Some(checkpoint_id),
        actor: principal.actor(),
        status_index: index,
        valid: answer.valid(),
        reason: answer.failure_code().map(str::to_owned),
        at: (state.clock)(),
        client_id: None,
    };
    Ok(surge_app::scans::record_scan(&state.store, &scan).await?)
}

/// Verify a pass online (checkpoint, official, admin): the offline checks plus live status
///
/// With `checkpoint_id` the pass must cover that checkpoint's zone, and the check is logged there and goes through
/// the cloned-pass check (`alert`); an unknown checkpoint is 422 `checkpoint_unknown`.
#[utoipa::path(post, path = "/api/v1/verify", tag = "checkpoints", request_body = VerifyRequest,
    security(("apiKey" = [])),
    responses((status = 200, description = "valid, checks (with reason codes), pass, live_status", body = Verified),
        (status = 400), (status = 401), (status = 403), (status = 404), (status = 422)))]
pub async fn verify<S: Store>(
    State(state): State<AppState<S>>,
    principal: Principal,
    body: Result<Json<VerifyRequest>, axum::extract::rejection::JsonRejection>,
) -> Result<Json<Verified>, ApiError> {
    principal.require(&[Role::Admin, Role::Official, Role::Checkpoint])?;
    let Json(body) = body.map_err(|e| ApiError::rejected(e.status(), e.body_text()))?;
    // A check at a checkpoint is for the checkpoint's zone: a pass for another zone is not valid there.
    let zone = match body.checkpoint_id {
        Some(id) => Some(surge_app::scans::checkpoint(&state.store, id).await?.zone),
        None => body.zone,
    };
    let (mut answer, index) = check(&state, body.text, body.control_code, zone.as_deref()).await?;
    if let Some(checkpoint_id) = body.checkpoint_id {
        let alert = log_scan(&state, &principal, checkpoint_id, &answer, index).await?;
        match &mut answer {
            Verified::Pass(pass) => pass.alert = Some(alert),
            // A health certificate is logged, but has no Surge status to clone.
            Verified::Dcc(_) => {}
        }
    }
    Ok(Json(answer))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCheckpointRequest {
    name: String,
    zone: String,
    lat: f64,
    lon: f64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Created {
    id: i64,
}

/// Register a checkpoint with its position (admin)
///
/// The position feeds the cloned-pass check: one pass seen at two places too far apart in the time between.
#[utoipa::path(post, path = "/api/v1/checkpoints", tag = "checkpoints", request_body = NewCheckpointRequest,
    security(("apiKey" = [])),
    responses((status = 201, description = "The checkpoint's id", body = Created),
        (status = 400), (status = 401), (status = 403), (status = 422)))]
pub async fn create_checkpoint<S: Store>(
    State(state): State<AppState<S>>,
    principal: Principal,
    body: Result<Json<NewCheckpointRequest>, axum::extract::rejection::JsonRejection>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    principal.require(&[Role::Admin])?;
    let Json(body) = body.map_err(|e| ApiError::rejected(e.status(), e.body_text()))?;
    let id = surge_app::scans::register_checkpoint(
        &state.store,
        &body.name,
        &body.zone,
        body.lat,
        body.lon,
        (state.clock)(),
    )
    .await?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CheckpointOut {
    id: i64,
    name: String,
    zone: String,
    lat: f64,
    lon: f64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Checkpoints {
    checkpoints: Vec<CheckpointOut>,
}

/// The checkpoints (checkpoint, official, admin)
#[utoipa::path(get, path = "/api/v1/checkpoints", tag = "checkpoints", security(("apiKey" = [])),
    responses((status = 200, description = "checkpoints", body = Checkpoints), (status = 401), (status = 403)))]
pub async fn list_checkpoints<S: Store>(
    State(state): State<AppState<S>>,
    principal: Principal,
) -> Result<Json<Checkpoints>, ApiError> {
    principal.require(&[Role::Admin, Role::Official, Role::Checkpoint])?;
    let checkpoints = surge_app::scans::checkpoints(&state.store).await?;
    let checkpoints = checkpoints
        .into_iter()
        .map(|c| CheckpointOut { id: c.id, name: c.name, zone: c.zone, lat: c.lat, lon: c.lon })
        .collect();
    Ok(Json(Checkpoints { checkpoints }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AlertOut {
    id: i64,
    /// `possible_cloned_pass`.
    kind: String,
    status_index: Option<u64>,
    detail: String,
    /// Unix seconds.
    at: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Alerts {
    alerts: Vec<AlertOut>,
}

/// Alerts for officials, newest first: possible cloned passes
#[utoipa::path(get, path = "/api/v1/alerts", tag = "checkpoints", security(("apiKey" = [])),
    responses((status = 200, description = "alerts", body = Alerts), (status = 401), (status = 403)))]
pub async fn alerts<S: Store>(
    State(state): State<AppState<S>>,
    principal: Principal,
) -> Result<Json<Alerts>, ApiError> {
    principal.require(&[Role::Admin, Role::Official])?;
    let alerts = surge_app::scans::alerts(&state.store, 100).await?;
    let alerts = alerts
        .into_iter()
        .map(|a| AlertOut {
            id: a.id,
            kind: a.kind,
            status_index: a.status_index,
            detail: a.detail,
            at: a.at.unix_timestamp(),
        })
        .collect();
    Ok(Json(Alerts { alerts }))
}

/// One check made without a network, as the checkpoint page queued it.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OfflineScan {
    /// The page's own id for the scan: the same scan uploaded twice is recorded once.
    #[serde(default)]
    id: Option<String>,
    #[serde(default, deserialize_with = "crate::wire::whole")]
    checkpoint_id: Option<i64>,
    #[serde(default, deserialize_with = "crate::wire::whole")]
    status_index: Option<u64>,
    valid: bool,
    reason: Option<String>,
    /// When the officer checked the pass (RFC 3339).
    #[schema(format = DateTime)]
    at: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OfflineScans {
    /// At most 1000.
    scans: Vec<OfflineScan>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ScansUploaded {
    received: usize,
    /// A scan whose id was uploaded before is not recorded again.
    recorded: usize,
    /// How many raised an alert.
    alerts: usize,
}

/// Upload checks a checkpoint made without a network, with their own times
///
/// They go through the same cloned-pass check as live scans. Every scan is checked before any is recorded, and a
/// bad one is named by its position.
#[utoipa::path(post, path = "/api/v1/scans", tag = "checkpoints", request_body = OfflineScans,
    security(("apiKey" = [])),
    responses((status = 200, description = "How many were received, recorded and raised an alert", body = ScansUploaded),
        (status = 400), (status = 401), (status = 403), (status = 422)))]
pub async fn upload_scans<S: Store>(
    State(state): State<AppState<S>>,
    principal: Principal,
    body: Result<Json<OfflineScans>, axum::extract::rejection::JsonRejection>,
) -> Result<Json<ScansUploaded>, ApiError> {
    principal.require(&[Role::Admin, Role::Official, Role::Checkpoint])?;
    let Json(body) = body.map_err(|e| ApiError::rejected(e.status(), e.body_text()))?;
    let upload: Vec<surge_app::scans::OfflineScan> = body
        .scans
        .into_iter()
        .map(|s| surge_app::scans::OfflineScan {
            id: s.id,
            checkpoint_id: s.checkpoint_id,
            status_index: s.status_index,
            valid: s.valid,
            reason: s.reason,
            at: s.at,
        })
        .collect();
    let done = surge_app::scans::record_offline(&state.store, &principal.actor(), &upload, (state.clock)()).await?;
    Ok(Json(ScansUploaded { received: done.received, recorded: done.recorded, alerts: done.alerts }))
}
