//! The organisations API: registration with screening, the officials' queue and decisions (one by one and in
//! bulk), employee list uploads and their batches. Each handler states who may call it.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};
use surge_app::{ApiKey, BatchRecord, OrgFilter, OrganisationRecord, Role, Store};
use surge_domain::{OrgStatus, RegistrationInput, Transition};

use crate::AppState;
use crate::access::auth::Principal;
use crate::error::ApiError;

fn rfc3339(t: time::OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339).unwrap_or_default()
}

/// Numbers may come as JSON numbers or as the text typed in a form.
fn text_of(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegisterRequest {
    #[serde(default)]
    legal_name: String,
    #[serde(default)]
    registry_number: String,
    #[serde(default)]
    category: String,
    #[serde(default)]
    address: String,
    #[serde(default)]
    zone: String,
    #[serde(default)]
    contact_phone: String,
    #[serde(default)]
    contact_email: String,
    #[serde(default)]
    requested_quota: Value,
}

fn organisation_json(org: &OrganisationRecord) -> Value {
    let (quota, note) = match &org.status {
        OrgStatus::Approved { quota } => (Some(*quota), None),
        OrgStatus::Rejected { reason } => (None, Some(reason.clone())),
        OrgStatus::InfoRequested { question } => (None, Some(question.clone())),
        OrgStatus::InReview => (None, None),
    };
    json!({
        "id": org.id,
        "legal_name": org.legal_name,
        "registry_number": org.registry_number,
        "category": org.category,
        "address": org.address,
        "zone": org.zone,
        "contact_phone": org.contact_phone,
        "contact_email": org.contact_email,
        "requested_quota": org.requested_quota,
        "status": org.status.code(),
        "quota": quota,
        "status_note": note,
        "findings": org.findings.iter().map(|(rule, passed, detail)| json!({"rule": rule, "passed": passed, "detail": detail})).collect::<Vec<_>>(),
        "passed_all_rules": org.passed_all_rules,
        "passes_used": org.passes_used,
        "created_at": rfc3339(org.created_at),
        "updated_at": rfc3339(org.updated_at),
    })
}

/// Anyone may register an organisation. The answer carries the organisation admin's API key, shown only here.
pub async fn register<S: Store>(
    State(state): State<AppState<S>>,
    body: Result<Json<RegisterRequest>, axum::extract::rejection::JsonRejection>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let Json(body) = body.map_err(|e| ApiError::bad_request(e.body_text()))?;
    let input = RegistrationInput {
        legal_name: body.legal_name,
        registry_number: body.registry_number,
        category: body.category,
        address: body.address,
        zone: body.zone,
        contact_phone: body.contact_phone,
        contact_email: body.contact_email,
        requested_quota: text_of(&body.requested_quota),
    };
    let key = ApiKey::generate(&mut rand_core::OsRng);
    let (id, screening) =
        surge_app::register_organisation(&state.store, &state.config, &input, Some(key.hash()), (state.clock)())
            .await?;
    state.metrics.organisations_registered.inc();
    let findings: Vec<Value> =
        screening.findings.iter().map(|f| json!({"rule": f.rule, "passed": f.passed, "detail": f.detail})).collect();
    Ok((
        StatusCode::CREATED,
        Json(json!({
            "id": id,
            "status": "in_review",
            "screening": {"passed_all_rules": screening.passed_all(), "findings": findings},
            "api_key": key.reveal(),
        })),
    ))
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    status: Option<String>,
    category: Option<String>,
    zone: Option<String>,
    passed_all_rules: Option<bool>,
    after: Option<i64>,
    limit: Option<u32>,
}

pub async fn list_organisations<S: Store>(
    State(state): State<AppState<S>>,
    principal: Principal,
    query: Result<Query<ListQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    principal.require(&[Role::Admin, Role::Official])?;
    let Query(q) = query.map_err(|e| ApiError::bad_request(e.body_text()))?;
    let filter = OrgFilter {
        status: q.status,
        category: q.category,
        zone: q.zone,
        passed_all_rules: q.passed_all_rules,
        contact_phone: None,
        after_id: q.after,
        limit: q.limit.unwrap_or(100),
    };
    let page = surge_app::organisations::list_in_scope(&state.store, &filter, &principal.scope()).await?;
    let visible: Vec<Value> = page.visible.iter().map(organisation_json).collect();
    Ok(Json(json!({"organisations": visible, "next_after": page.next_after})))
}

pub async fn organisation<S: Store>(
    State(state): State<AppState<S>>,
    principal: Principal,
    Path(id): Path<i64>,
) -> Result<Json<Value>, ApiError> {
    principal.require(&[Role::Admin, Role::Official, Role::OrganisationAdmin])?;
    let org = surge_app::organisations::organisation(&state.store, id).await?;
    principal.require_for(&org)?;
    Ok(Json(organisation_json(&org)))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DecisionRequest {
    action: String,
    quota: Option<u32>,
    reason: Option<String>,
    question: Option<String>,
}

/// Officials approve, reject, ask for information or change a quota; an organisation's admin answers a question.
pub async fn decide<S: Store>(
    State(state): State<AppState<S>>,
    principal: Principal,
    Path(id): Path<i64>,
    body: Result<Json<DecisionRequest>, axum::extract::rejection::JsonRejection>,
) -> Result<Json<Value>, ApiError> {
    let Json(body) = body.map_err(|e| ApiError::bad_request(e.body_text()))?;
    let transition = match body.action.as_str() {
        "approve" => {
            Transition::Approve { quota: body.quota.ok_or_else(|| ApiError::bad_request("approve needs a quota"))? }
        }
        "set_quota" => {
            Transition::SetQuota { quota: body.quota.ok_or_else(|| ApiError::bad_request("set_quota needs a quota"))? }
        }
        "reject" => Transition::Reject { reason: body.reason.unwrap_or_default() },
        "ask" => Transition::AskForInformation { question: body.question.unwrap_or_default() },
        "resubmit" => Transition::Resubmit,
        other => {
            return Err(ApiError::bad_request(format!(
                "unknown action {other:?}: approve, reject, ask, set_quota or resubmit"
            )));
        }
    };
    if transition == Transition::Resubmit {
        principal.require(&[Role::Admin, Role::Official, Role::OrganisationAdmin])?;
    } else {
        principal.require(&[Role::Admin, Role::Official])?;
    }
    principal.require_for(&surge_app::organisations::organisation(&state.store, id).await?)?;
    let (actor, scope) = (principal.actor(), principal.scope());
    let official = surge_app::Official { actor: &actor, phone: principal.own_phone(), scope: &scope };
    let status = surge_app::decide(&state.store, id, &transition, &official, (state.clock)()).await?;
    Ok(Json(json!({"id": id, "status": status.code()})))
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct BulkApproveRequest {
    category: Option<String>,
    zone: Option<String>,
}

/// Approves every organisation in review that passed every rule (optionally of one category or zone).
pub async fn bulk_approve<S: Store>(
    State(state): State<AppState<S>>,
    principal: Principal,
    body: Option<Json<BulkApproveRequest>>,
) -> Result<Json<Value>, ApiError> {
    principal.require(&[Role::Admin, Role::Official])?;
    let body = body.map(|Json(b)| b).unwrap_or_default();
    let approved = scoped_bulk_approve(&state, &principal, body.zone, body.category).await?;
    Ok(Json(json!({"approved": approved.len(), "ids": approved})))
}

/// Approves the organisations in review that passed every rule, within the caller's scope: each zone and category
/// of it, narrowed by the request. Shared by the API and the screening page.
pub async fn scoped_bulk_approve<S: Store>(
    state: &AppState<S>,
    principal: &Principal,
    zone: Option<String>,
    category: Option<String>,
) -> Result<Vec<i64>, ApiError> {
    let scope = principal.scope();
    let pick = |requested: Option<String>, allowed: &[String]| -> Result<Vec<Option<String>>, ApiError> {
        match (requested, allowed.is_empty()) {
            (requested, true) => Ok(vec![requested]),
            // A requested zone inside an allowed one is fine: the filter takes in sub-zones.
            (Some(r), false) if allowed.iter().any(|a| surge_domain::zone_covers(a, &r) || *a == r) => {
                Ok(vec![Some(r)])
            }
            (Some(_), false) => Err(ApiError::forbidden()),
            (None, false) => Ok(allowed.iter().cloned().map(Some).collect()),
        }
    };
    let mut approved = Vec::new();
    for zone in pick(zone, &scope.zones)? {
        for category in pick(category.clone(), &scope.categories)? {
            let filter = OrgFilter { category: category.clone(), zone: zone.clone(), ..OrgFilter::default() };
            let actor = principal.actor();
            let official = surge_app::Official { actor: &actor, phone: principal.own_phone(), scope: &scope };
            approved.extend(surge_app::bulk_approve(&state.store, &filter, &official, (state.clock)()).await?);
        }
    }
    Ok(approved)
}

/// An organisation's admin uploads its employee list (CSV). Accepted files are issued in the background.
pub async fn upload<S: Store>(
    State(state): State<AppState<S>>,
    principal: Principal,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    principal.require(&[Role::Admin, Role::OrganisationAdmin])?;
    principal.require_for(&surge_app::organisations::organisation(&state.store, id).await?)?;
    match surge_app::upload_employees(&state.store, &state.config, id, &body, (state.clock)()).await {
        Ok(created) => {
            state.metrics.batches_accepted.inc();
            Ok((
                StatusCode::ACCEPTED,
                Json(json!({
                    "batch_id": created.id,
                    "duplicate": created.duplicate,
                    "progress": format!("/api/batches/{}", created.id),
                })),
            ))
        }
        Err(e) => {
            state.metrics.files_rejected.inc();
            Err(e.into())
        }
    }
}

fn batch_json(b: &BatchRecord) -> Value {
    let done = b.issued + b.failed;
    json!({
        "id": b.id,
        "organisation_id": b.organisation_id,
        "rows": b.rows,
        "issued": b.issued,
        "failed": b.failed,
        "status": b.status.as_str(),
        "percent": (done * 100).checked_div(b.rows).unwrap_or(100),
        "created_at": rfc3339(b.created_at),
    })
}

pub async fn batch<S: Store>(
    State(state): State<AppState<S>>,
    principal: Principal,
    Path(id): Path<i64>,
) -> Result<Json<Value>, ApiError> {
    // Check the caller before saying whether the batch exists.
    principal.require(&[Role::Admin, Role::Official, Role::OrganisationAdmin])?;
    let batch = surge_app::organisations::batch(&state.store, id).await?;
    principal.require_for(&surge_app::organisations::organisation(&state.store, batch.organisation_id).await?)?;
    Ok(Json(batch_json(&batch)))
}
