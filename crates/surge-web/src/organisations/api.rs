//! The organisations API: registration with screening, the officials' queue and decisions (one by one and in
//! bulk), employee list uploads and their batches. Each handler states who may call it.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use surge_app::{ApiKey, BatchRecord, OrgFilter, OrganisationRecord, Role, Store};
use surge_domain::{OrgStatus, RegistrationInput, Transition};
use utoipa::{IntoParams, ToSchema};

use crate::AppState;
use crate::access::auth::Principal;
use crate::access::session::ClientAddress;
use crate::error::ApiError;
use crate::wire::rfc3339;

/// An approval or quota change without its quota: well-formed, but it cannot be applied.
fn needs_quota(action: &str) -> ApiError {
    ApiError::field("quota_required", "quota", format!("{action} needs a quota"))
}

/// Numbers may come as JSON numbers or as the text typed in a form.
fn text_of(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// An organisation's registration: every field is checked, and each problem is named by its field.
#[derive(Debug, Deserialize, ToSchema)]
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
    /// A number, or the text typed in a form.
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    requested_quota: Value,
}

/// One screening rule's verdict on a registration.
#[derive(Debug, Serialize, ToSchema)]
pub struct FindingOut {
    /// `category_allowed`, `registry_number_valid`, `registry_number_unique` or `name_unique_in_zone`.
    rule: String,
    passed: bool,
    detail: String,
}

/// An organisation as staff (or its own admin) see it.
#[derive(Debug, Serialize, ToSchema)]
pub struct OrganisationOut {
    id: i64,
    legal_name: String,
    registry_number: String,
    category: String,
    address: String,
    zone: String,
    contact_phone: String,
    contact_email: String,
    requested_quota: u32,
    /// `in_review`, `approved`, `rejected` or `info_requested`.
    status: &'static str,
    /// The quota, once approved.
    quota: Option<u32>,
    /// The reason for a rejection, or the question asked.
    status_note: Option<String>,
    findings: Vec<FindingOut>,
    passed_all_rules: bool,
    passes_used: u64,
    created_at: String,
    updated_at: String,
}

impl From<&OrganisationRecord> for OrganisationOut {
    fn from(org: &OrganisationRecord) -> Self {
        let (quota, status_note) = match &org.status {
            OrgStatus::Approved { quota } => (Some(*quota), None),
            OrgStatus::Rejected { reason } => (None, Some(reason.clone())),
            OrgStatus::InfoRequested { question } => (None, Some(question.clone())),
            OrgStatus::Suspended { quota, reason } => (Some(*quota), Some(reason.clone())),
            OrgStatus::InReview | OrgStatus::AwaitingContact => (None, None),
        };
        Self {
            id: org.id,
            legal_name: org.legal_name.clone(),
            registry_number: org.registry_number.clone(),
            category: org.category.clone(),
            address: org.address.clone(),
            zone: org.zone.clone(),
            contact_phone: org.contact_phone.clone(),
            contact_email: org.contact_email.clone(),
            requested_quota: org.requested_quota,
            status: org.status.code(),
            quota,
            status_note,
            findings: org
                .findings
                .iter()
                .map(|(rule, passed, detail)| FindingOut {
                    rule: rule.clone(),
                    passed: *passed,
                    detail: detail.clone(),
                })
                .collect(),
            passed_all_rules: org.passed_all_rules,
            passes_used: org.passes_used,
            created_at: rfc3339(org.created_at),
            updated_at: rfc3339(org.updated_at),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ScreeningOut {
    passed_all_rules: bool,
    findings: Vec<FindingOut>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Registered {
    id: i64,
    /// `in_review` when staff registered it or the caller signed in with the contact phone; otherwise
    /// `contact_unconfirmed` until the contact phone signs in at `/login` with a code texted to it; only then do
    /// officials see it.
    status: &'static str,
    screening: ScreeningOut,
    /// The organisation admin's API key, shown only here.
    api_key: String,
}

/// Register an organisation (anyone); returns its admin's API key once
///
/// The registration is screened at once; an official decides.
#[utoipa::path(post, path = "/api/organisations", tag = "organisations", request_body = RegisterRequest,
    responses((status = 201, description = "Registered and screened", body = Registered), (status = 400), (status = 422),
        (status = 429, description = "Too many registrations from this address (10 an hour) or for this contact phone (3 a day)")))]
pub async fn register<S: Store>(
    State(state): State<AppState<S>>,
    principal: Principal,
    ClientAddress(address): ClientAddress,
    body: Result<Json<RegisterRequest>, axum::extract::rejection::JsonRejection>,
) -> Result<(StatusCode, Json<Registered>), ApiError> {
    let Json(body) = body.map_err(|e| ApiError::rejected(e.status(), e.body_text()))?;
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
    let (id, screening, status) = surge_app::register_from_public(
        &state.store,
        &state.config,
        &input,
        Some(key.hash()),
        principal.registrant(&address),
        (state.clock)(),
    )
    .await?;
    state.metrics.organisations_registered.inc();
    let findings = screening
        .findings
        .iter()
        .map(|f| FindingOut { rule: f.rule.to_owned(), passed: f.passed, detail: f.detail.clone() })
        .collect();
    Ok((
        StatusCode::CREATED,
        Json(Registered {
            id,
            status: status.code(),
            screening: ScreeningOut { passed_all_rules: screening.passed_all(), findings },
            api_key: key.reveal().to_owned(),
        }),
    ))
}

#[derive(Debug, Deserialize, Default, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// `in_review`, `approved`, `rejected` or `info_requested`.
    status: Option<String>,
    category: Option<String>,
    zone: Option<String>,
    passed_all_rules: Option<bool>,
    /// The last id of the page before (`next_after`).
    after: Option<i64>,
    /// 1 to 1000; 100 when absent.
    #[param(minimum = 1, maximum = 1000)]
    limit: Option<u32>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OrganisationPage {
    organisations: Vec<OrganisationOut>,
    /// Where the next page starts; null on the last.
    next_after: Option<i64>,
}

/// The screening queue (admin, official)
///
/// Only the organisations within the official's zones and categories.
#[utoipa::path(get, path = "/api/organisations", tag = "organisations", params(ListQuery), security(("apiKey" = [])),
    responses((status = 200, description = "A page of organisations", body = OrganisationPage),
        (status = 400), (status = 401), (status = 403)))]
pub async fn list_organisations<S: Store>(
    State(state): State<AppState<S>>,
    principal: Principal,
    query: Result<Query<ListQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<OrganisationPage>, ApiError> {
    principal.require(&[Role::Admin, Role::Official])?;
    let Query(q) = query.map_err(|e| ApiError::rejected(e.status(), e.body_text()))?;
    let filter = OrgFilter {
        status: q.status,
        category: q.category,
        zone: q.zone,
        passed_all_rules: q.passed_all_rules,
        contact_phone: None,
        after_id: q.after,
        limit: crate::wire::page_limit(q.limit, 100, 1000)?,
    };
    let page = surge_app::organisations::list_in_scope(&state.store, &filter, &principal.scope()).await?;
    let organisations = page.visible.iter().map(OrganisationOut::from).collect();
    Ok(Json(OrganisationPage { organisations, next_after: page.next_after }))
}

/// One organisation (staff, or its own admin)
#[utoipa::path(get, path = "/api/organisations/{id}", tag = "organisations", params(("id" = i64, Path)),
    security(("apiKey" = [])),
    responses((status = 200, description = "The organisation", body = OrganisationOut),
        (status = 401), (status = 403), (status = 404)))]
pub async fn organisation<S: Store>(
    State(state): State<AppState<S>>,
    principal: Principal,
    Path(id): Path<i64>,
) -> Result<Json<OrganisationOut>, ApiError> {
    principal.require(&[Role::Admin, Role::Official, Role::OrganisationAdmin])?;
    let org = surge_app::organisations::organisation(&state.store, id).await?;
    principal.require_for(&org)?;
    Ok(Json(OrganisationOut::from(&org)))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionRequest {
    /// `approve`, `reject`, `ask`, `set_quota`, `resubmit`, `suspend` (with `reason`) or `reinstate`.
    #[schema(pattern = "^(approve|reject|ask|set_quota|resubmit|suspend|reinstate)$")]
    action: String,
    #[serde(default, deserialize_with = "crate::wire::whole")]
    quota: Option<u32>,
    reason: Option<String>,
    question: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Decided {
    id: i64,
    /// The new status.
    status: &'static str,
}

/// Approve, reject, ask, set quota, suspend, reinstate (staff); resubmit (its admin)
///
/// Officials approve, reject, ask for information, change a quota, suspend (with a reason) or reinstate; an
/// organisation's admin answers a question.
#[utoipa::path(post, path = "/api/organisations/{id}/decision", tag = "organisations", params(("id" = i64, Path)),
    request_body = DecisionRequest, security(("apiKey" = [])),
    responses((status = 200, description = "The new status", body = Decided),
        (status = 400), (status = 401), (status = 403), (status = 404), (status = 409),
        (status = 422, description = "An approval or quota change without its quota (`quota_required`)")))]
pub async fn decide<S: Store>(
    State(state): State<AppState<S>>,
    principal: Principal,
    Path(id): Path<i64>,
    body: Result<Json<DecisionRequest>, axum::extract::rejection::JsonRejection>,
) -> Result<Json<Decided>, ApiError> {
    let Json(body) = body.map_err(|e| ApiError::rejected(e.status(), e.body_text()))?;
    let transition = match body.action.as_str() {
        "approve" => Transition::Approve { quota: body.quota.ok_or_else(|| needs_quota("approve"))? },
        "set_quota" => Transition::SetQuota { quota: body.quota.ok_or_else(|| needs_quota("set_quota"))? },
        "reject" => Transition::Reject { reason: body.reason.unwrap_or_default() },
        "ask" => Transition::AskForInformation { question: body.question.unwrap_or_default() },
        "resubmit" => Transition::Resubmit,
        "suspend" => Transition::Suspend { reason: body.reason.unwrap_or_default() },
        "reinstate" => Transition::Reinstate,
        other => {
            return Err(ApiError::bad_request(format!(
                "unknown action {other:?}: approve, reject, ask, set_quota, resubmit, suspend or reinstate"
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
    Ok(Json(Decided { id, status: status.code() }))
}

#[derive(Debug, Deserialize, Default, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BulkApproveRequest {
    category: Option<String>,
    zone: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BulkApproved {
    approved: usize,
    ids: Vec<i64>,
}

/// Approve all in review that passed every rule (admin, official)
///
/// Optionally of one category or zone, always within the caller's own.
#[utoipa::path(post, path = "/api/organisations/bulk-approve", tag = "organisations",
    request_body(content = Option<BulkApproveRequest>), security(("apiKey" = [])),
    responses((status = 200, description = "Approved ids", body = BulkApproved), (status = 401), (status = 403)))]
pub async fn bulk_approve<S: Store>(
    State(state): State<AppState<S>>,
    principal: Principal,
    body: Bytes,
) -> Result<Json<BulkApproved>, ApiError> {
    principal.require(&[Role::Admin, Role::Official])?;
    // No body, `null` and `{}` all mean "everything in my scope"; anything else must be the request's object.
    let refused = |e: String| ApiError::bad_request(format!("the body is not a bulk approval: {e}"));
    let value: Value = if body.iter().all(u8::is_ascii_whitespace) {
        Value::Null
    } else {
        serde_json::from_slice(&body).map_err(|e| refused(e.to_string()))?
    };
    let body: BulkApproveRequest = match value {
        Value::Null => BulkApproveRequest::default(),
        Value::Object(_) => serde_json::from_value(value).map_err(|e| refused(e.to_string()))?,
        _ => return Err(refused("expected an object".into())),
    };
    let approved = scoped_bulk_approve(&state, &principal, body.zone, body.category).await?;
    Ok(Json(BulkApproved { approved: approved.len(), ids: approved }))
}

/// Approves the organisations in review that passed every rule, within the caller's scope. Shared by the API and
/// the screening page.
pub async fn scoped_bulk_approve<S: Store>(
    state: &AppState<S>,
    principal: &Principal,
    zone: Option<String>,
    category: Option<String>,
) -> Result<Vec<i64>, ApiError> {
    let (actor, scope) = (principal.actor(), principal.scope());
    let official = surge_app::Official { actor: &actor, phone: principal.own_phone(), scope: &scope };
    Ok(surge_app::organisations::bulk_approve_in_scope(&state.store, zone, category, &official, (state.clock)())
        .await?)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BatchAccepted {
    batch_id: i64,
    /// The same file was uploaded before: this is its batch.
    duplicate: bool,
    /// Where to follow the batch.
    progress: String,
}

/// Whether an uploaded list renews passes.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct UploadQuery {
    /// `true`: rows for people holding a valid pass from this organisation renew it (replace it from today,
    /// without a new place in the quota).
    #[serde(default)]
    renew: bool,
}

/// Upload the employee CSV (its admin, admin); issued in the background
///
/// Any bad row refuses the file, each problem named by line and column. With `?renew=true`, rows for people who
/// hold a valid pass from the organisation replace it.
#[utoipa::path(post, path = "/api/organisations/{id}/employees", tag = "organisations",
    params(("id" = i64, Path), UploadQuery),
    request_body(content = String, content_type = "text/csv"), security(("apiKey" = [])),
    responses((status = 202, description = "Accepted: batch id and progress URL", body = BatchAccepted),
        (status = 401), (status = 403), (status = 404), (status = 409), (status = 422)))]
pub async fn upload<S: Store>(
    State(state): State<AppState<S>>,
    principal: Principal,
    Path(id): Path<i64>,
    query: Result<Query<UploadQuery>, axum::extract::rejection::QueryRejection>,
    body: Bytes,
) -> Result<(StatusCode, Json<BatchAccepted>), ApiError> {
    let Query(query) = query.map_err(|e| ApiError::bad_request(e.body_text()))?;
    principal.require(&[Role::Admin, Role::OrganisationAdmin])?;
    principal.require_for(&surge_app::organisations::organisation(&state.store, id).await?)?;
    match surge_app::upload_employees(&state.store, &state.config, id, &body, query.renew, (state.clock)()).await {
        Ok(created) => {
            state.metrics.batches_accepted.inc();
            Ok((
                StatusCode::ACCEPTED,
                Json(BatchAccepted {
                    batch_id: created.id,
                    duplicate: created.duplicate,
                    progress: format!("/api/batches/{}", created.id),
                }),
            ))
        }
        Err(e) => {
            state.metrics.files_rejected.inc();
            Err(e.into())
        }
    }
}

/// An employee list's issuance.
#[derive(Debug, Serialize, ToSchema)]
pub struct BatchOut {
    id: i64,
    organisation_id: i64,
    rows: u64,
    issued: u64,
    /// Rows that could not be issued (the person or vehicle already has an active pass).
    failed: u64,
    /// Rows that renew a pass the organisation gave before.
    renewals: u64,
    /// Old passes revoked so far because their renewal was issued.
    replaced: u64,
    status: &'static str,
    percent: u64,
    created_at: String,
}

impl From<&BatchRecord> for BatchOut {
    fn from(b: &BatchRecord) -> Self {
        let done = b.issued + b.failed;
        Self {
            id: b.id,
            organisation_id: b.organisation_id,
            rows: b.rows,
            issued: b.issued,
            failed: b.failed,
            renewals: b.renewals,
            replaced: b.replaced,
            status: b.status.as_str(),
            percent: (done * 100).checked_div(b.rows).unwrap_or(100),
            created_at: rfc3339(b.created_at),
        }
    }
}

/// Issuance progress (staff, or the organisation's admin)
#[utoipa::path(get, path = "/api/batches/{id}", tag = "organisations", params(("id" = i64, Path)),
    security(("apiKey" = [])),
    responses((status = 200, description = "Rows, issued, failed, percent", body = BatchOut),
        (status = 401), (status = 403), (status = 404)))]
pub async fn batch<S: Store>(
    State(state): State<AppState<S>>,
    principal: Principal,
    Path(id): Path<i64>,
) -> Result<Json<BatchOut>, ApiError> {
    // Check the caller before saying whether the batch exists.
    principal.require(&[Role::Admin, Role::Official, Role::OrganisationAdmin])?;
    let batch = surge_app::organisations::batch(&state.store, id).await?;
    principal.require_for(&surge_app::organisations::organisation(&state.store, batch.organisation_id).await?)?;
    Ok(Json(BatchOut::from(&batch)))
}
