//! Pass policy rules over HTTP: read the policy in force, replace it with a new version (admin; every problem in a
//! bad document is listed by rule and field, and nothing is stored), and try any policy against sample application
//! facts before it goes live.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use surge_app::policy::{Policy, PolicyProblem};
use surge_app::{Role, Store};
use utoipa::ToSchema;

use crate::AppState;
use crate::access::auth::Principal;
use crate::error::{ApiError, Details, RuleProblem};

pub(crate) fn problems_error(problems: &[PolicyProblem]) -> ApiError {
    ApiError {
        details: Some(Details::Rules(
            problems.iter().map(|p| RuleProblem { rule: p.rule, field: p.field, message: p.message.clone() }).collect(),
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

#[derive(Debug, Serialize, ToSchema)]
pub struct PolicyInForce {
    version: i64,
    /// `{"rules": [{id, outcome, when (CertLogic), reason {en, ko}}]}`.
    #[schema(value_type = Object)]
    policy: Value,
}

/// The pass policy in force and its version (official, admin)
#[utoipa::path(get, path = "/api/v1/policy", tag = "policy", security(("apiKey" = [])),
    responses((status = 200, description = "version and policy", body = PolicyInForce), (status = 401), (status = 403)))]
pub async fn current<S: Store>(
    State(state): State<AppState<S>>,
    principal: Principal,
) -> Result<Json<PolicyInForce>, ApiError> {
    principal.require(&[Role::Admin, Role::Official])?;
    let (version, policy) = in_force(&state).await?;
    Ok(Json(PolicyInForce { version, policy }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PolicyVersion {
    version: i64,
}

/// Replace the policy with a new version (admin)
///
/// `{"rules": [{id, outcome, when (CertLogic), reason {en, ko}}]}`. Every problem in a bad document is listed by
/// rule and field, and nothing is stored; the new version and its audit entry are written together.
#[utoipa::path(post, path = "/api/v1/policy", tag = "policy", request_body(content = Object),
    security(("apiKey" = [])),
    responses((status = 201, description = "The new version", body = PolicyVersion),
        (status = 400), (status = 401), (status = 403), (status = 422)))]
pub async fn replace<S: Store>(
    State(state): State<AppState<S>>,
    principal: Principal,
    body: Result<Json<Value>, axum::extract::rejection::JsonRejection>,
) -> Result<(StatusCode, Json<PolicyVersion>), ApiError> {
    principal.require(&[Role::Admin])?;
    let Json(document) = body.map_err(|e| ApiError::rejected(e.status(), e.body_text()))?;
    let (version, _) =
        surge_app::policy::replace_policy(&state.store, &principal.actor(), &document, (state.clock)()).await?;
    Ok((StatusCode::CREATED, Json(PolicyVersion { version })))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TryRequest {
    /// A policy to try; the one in force when absent.
    #[schema(value_type = Option<Object>)]
    policy: Option<Value>,
    /// 1 to 1000 sample applications: each the facts a rule sees (`application`, `applicant`, optionally
    /// `external`).
    #[schema(value_type = Vec<Object>, min_items = 1, max_items = 1000)]
    samples: Vec<Value>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Reason {
    en: String,
    ko: String,
}

/// What the policy would decide on one sample.
#[derive(Debug, Serialize, ToSchema)]
pub struct TryOutcome {
    /// `approve`, `review` or `reject`.
    outcome: &'static str,
    /// The rule that fired; null when none did.
    rule: Option<String>,
    reason: Reason,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TryResults {
    results: Vec<TryOutcome>,
}

/// Try a policy (or the one in force) on sample application facts (official, admin)
///
/// Says, for each sample, what the policy would decide and which rule would fire.
#[utoipa::path(post, path = "/api/v1/policy/try", tag = "policy", request_body = TryRequest,
    security(("apiKey" = [])),
    responses((status = 200, description = "One result per sample: outcome, rule, reason", body = TryResults),
        (status = 400), (status = 401), (status = 403), (status = 422)))]
pub async fn try_policy<S: Store>(
    State(state): State<AppState<S>>,
    principal: Principal,
    body: Result<Json<TryRequest>, axum::extract::rejection::JsonRejection>,
) -> Result<Json<TryResults>, ApiError> {
    principal.require(&[Role::Admin, Role::Official])?;
    let Json(body) = body.map_err(|e| ApiError::rejected(e.status(), e.body_text()))?;
    if body.samples.is_empty() || body.samples.len() > 1000 {
        return Err(ApiError::bad_request("send 1 to 1000 samples"));
    }
    if let Some(at) = body.samples.iter().position(|s| !s.is_object()) {
        return Err(ApiError::bad_request(format!("samples[{at}] is not an object of application and applicant")));
    }
    let document = match body.policy {
        Some(document) => document,
        None => in_force(&state).await?.1,
    };
    let policy = Policy::parse(&document).map_err(|p| problems_error(&p))?;
    let clock = (state.clock)().format(&time::format_description::well_known::Rfc3339).unwrap_or_default();
    let results = body
        .samples
        .into_iter()
        .map(|mut facts| {
            if facts.get("external").is_none() && facts.is_object() {
                let external = serde_json::Map::from_iter([("validationClock".to_owned(), Value::from(clock.clone()))]);
                facts["external"] = Value::Object(external);
            }
            let decision = policy.decide(&facts);
            TryOutcome {
                outcome: decision.outcome.as_str(),
                rule: decision.rule,
                reason: Reason { en: decision.reason_en, ko: decision.reason_ko },
            }
        })
        .collect();
    Ok(Json(TryResults { results }))
}
