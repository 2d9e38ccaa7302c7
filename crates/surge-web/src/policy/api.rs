//! Pass policy rules over HTTP: read the policy in force, replace it with a new version (admin; every problem in a
//! bad document is listed by rule and field, and nothing is stored), and try any policy against sample application
//! facts before it goes live.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};
use surge_app::policy::{Policy, PolicyProblem};
use surge_app::{Role, Store};

use crate::AppState;
use crate::access::auth::Principal;
use crate::error::ApiError;

pub(crate) fn problems_error(problems: &[PolicyProblem]) -> ApiError {
    ApiError {
        details: Some(json!(
            problems
                .iter()
                .map(|p| json!({"rule": p.rule, "field": p.field, "message": p.message}))
                .collect::<Vec<_>>()
        )),
        ..ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "policy_invalid",
            format!("the policy has {} problems; nothing was stored", problems.len()),
        )
    }
}

async fn in_force<S: Store>(state: &AppState<S>) -> Result<(i64, Value), ApiError> {
    Ok(surge_app::policy::in_force(&state.store).await?)
}

pub async fn current<S: Store>(
    State(state): State<AppState<S>>,
    principal: Principal,
) -> Result<Json<Value>, ApiError> {
    principal.require(&[Role::Admin, Role::Official])?;
    let (version, document) = in_force(&state).await?;
    Ok(Json(json!({"version": version, "policy": document})))
}

pub async fn replace<S: Store>(
    State(state): State<AppState<S>>,
    principal: Principal,
    body: Result<Json<Value>, axum::extract::rejection::JsonRejection>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    principal.require(&[Role::Admin])?;
    let Json(document) = body.map_err(|e| ApiError::bad_request(e.body_text()))?;
    let (version, _) =
        surge_app::policy::replace_policy(&state.store, &principal.actor(), &document, (state.clock)()).await?;
    Ok((StatusCode::CREATED, Json(json!({"version": version}))))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TryRequest {
    /// A policy to try; the one in force when absent.
    policy: Option<Value>,
    /// Sample applications: each the facts a rule sees (`application`, `applicant`, optionally `external`).
    samples: Vec<Value>,
}

/// Runs a policy over sample facts and says, for each, what it would decide and which rule would fire.
pub async fn try_policy<S: Store>(
    State(state): State<AppState<S>>,
    principal: Principal,
    body: Result<Json<TryRequest>, axum::extract::rejection::JsonRejection>,
) -> Result<Json<Value>, ApiError> {
    principal.require(&[Role::Admin, Role::Official])?;
    let Json(body) = body.map_err(|e| ApiError::bad_request(e.body_text()))?;
    if body.samples.is_empty() || body.samples.len() > 1000 {
        return Err(ApiError::bad_request("send 1 to 1000 samples"));
    }
    let document = match body.policy {
        Some(document) => document,
        None => in_force(&state).await?.1,
    };
    let policy = Policy::parse(&document).map_err(|p| problems_error(&p))?;
    let clock = (state.clock)().format(&time::format_description::well_known::Rfc3339).unwrap_or_default();
    let results: Vec<Value> = body
        .samples
        .into_iter()
        .map(|mut facts| {
            if facts.get("external").is_none() && facts.is_object() {
                facts["external"] = json!({"validationClock": clock});
            }
            let decision = policy.decide(&facts);
            json!({
                "outcome": decision.outcome.as_str(),
                "rule": decision.rule,
                "reason": {"en": decision.reason_en, "ko": decision.reason_ko},
            })
        })
        .collect();
    Ok(Json(json!({"results": results})))
}
