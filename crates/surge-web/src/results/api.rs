//! Lab results over HTTP: patients register for their result (public, rate-limited per address), labs without MLLP
//! upload HL7 v2 files (each message answered with its ACK), and clinicians work the queue of results that were not
//! texted: most urgent first, one result at a time.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use surge_app::results::{
    ClinicianAction, RegistrationForm, ResultsConfig, handle_queued, receive_batch, register_for_results,
};
use surge_app::{Role, Store};
use utoipa::ToSchema;

use crate::AppState;
use crate::access::auth::Principal;
use crate::access::session::ClientAddress;
use crate::error::ApiError;

const CLINICAL: [Role; 2] = [Role::Admin, Role::Clinician];
/// Who may send results: a lab's own API key, or an admin.
const SENDERS: [Role; 2] = [Role::Admin, Role::Lab];

fn config<S>(state: &AppState<S>) -> Result<&ResultsConfig, ApiError> {
    state.results.as_deref().ok_or_else(|| {
        ApiError::new(StatusCode::NOT_FOUND, "results_not_configured", "this server takes no lab results")
    })
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegistrationRequest {
    /// The number on the sample's label.
    specimen_id: String,
    family: String,
    given: String,
    /// `YYYY-MM-DD`.
    birth_date: String,
    phone: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Created {
    id: i64,
}

/// A patient registers for their result (public; 30 per client address in 15 minutes)
///
/// The number on the sample's label, name, date of birth and phone.
#[utoipa::path(post, path = "/api/v1/results/registrations", tag = "results", request_body = RegistrationRequest,
    responses((status = 201, description = "The registration's id", body = Created),
        (status = 400), (status = 404), (status = 422), (status = 429)))]
pub async fn register<S: Store>(
    State(state): State<AppState<S>>,
    ClientAddress(address): ClientAddress,
    body: Result<Json<RegistrationRequest>, axum::extract::rejection::JsonRejection>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    let config = config(&state)?;
    let Json(body) = body.map_err(|e| ApiError::rejected(e.status(), e.body_text()))?;
    let form = RegistrationForm {
        specimen_id: &body.specimen_id,
        family: &body.family,
        given: &body.given,
        birth_date: &body.birth_date,
        phone: &body.phone,
        lang: None,
    };
    let id = register_for_results(&state.store, config, &form, &address, (state.clock)()).await?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

/// One HL7 v2 message's answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct AckOut {
    /// `AA` accepted, `AE` error, `AR` rejected.
    ack_code: &'static str,
    /// The ACK message itself (HL7 v2 text).
    ack: String,
    /// The message came before and was not taken again.
    duplicate: bool,
    texted: usize,
    queued: usize,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Acks {
    messages: Vec<AckOut>,
}

/// Upload an HL7 v2 file for labs without MLLP (a lab's key, or admin); one ACK per message
///
/// ORU^R01, 2.3 to 2.5.1; one message, several, or an FHS/BHS batch.
#[utoipa::path(post, path = "/api/v1/results/hl7", tag = "results",
    request_body(content = String, content_type = "text/plain"), security(("apiKey" = [])),
    responses((status = 200, description = "Each message's ACK, and how many results were texted or queued", body = Acks),
        (status = 401), (status = 403), (status = 404), (status = 422, description = "The body is empty (`hl7_empty`)")))]
pub async fn upload_hl7<S: Store>(
    State(state): State<AppState<S>>,
    principal: Principal,
    body: String,
) -> Result<Json<Acks>, ApiError> {
    principal.require(&SENDERS)?;
    let config = config(&state)?;
    if body.trim().is_empty() {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "hl7_empty",
            "the body is empty: send one or more HL7 v2 messages",
        ));
    }
    let now = (state.clock)();
    let mut n = 0u32;
    let actor = principal.actor();
    let mut ack_id = || {
        n += 1;
        format!("SURGE{}{n:04}", now.unix_timestamp())
    };
    let answers = receive_batch(&state.store, config, &body, principal.bound_lab(), now, &mut ack_id).await?;
    tracing::info!(actor, messages = answers.len(), "HL7 file uploaded");
    let messages = answers
        .into_iter()
        .map(|a| AckOut {
            ack_code: a.code.as_str(),
            ack: a.ack,
            duplicate: a.duplicate,
            texted: a.texted,
            queued: a.queued,
        })
        .collect();
    Ok(Json(Acks { messages }))
}

/// A FHIR OperationOutcome, with Surge's count of what was done.
#[derive(Debug, Serialize, ToSchema)]
pub struct OperationOutcome {
    /// `OperationOutcome`.
    #[serde(rename = "resourceType")]
    resource_type: &'static str,
    issue: Vec<OutcomeIssue>,
    surge: Taken,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OutcomeIssue {
    /// `information` or `error`.
    severity: &'static str,
    /// `informational` or `invalid`.
    code: &'static str,
    diagnostics: String,
}

/// What was done with a file or Bundle.
#[derive(Debug, Serialize, ToSchema)]
pub struct Taken {
    /// The same file came before and was not taken again.
    duplicate: bool,
    /// Results texted to the patient (final, not detected, registered).
    texted: usize,
    /// Results put in the clinicians' queue.
    queued: usize,
}

/// A FHIR R4 Bundle of results (a lab's key, or admin); routed like HL7 v2; answers an OperationOutcome
///
/// DiagnosticReport, Observation, Patient, Specimen. The same rules as HL7 v2; a Bundle received before is not
/// taken twice.
#[utoipa::path(post, path = "/api/v1/fhir/Bundle", tag = "results",
    request_body(content = Object, content_type = "application/fhir+json"), security(("apiKey" = [])),
    responses((status = 200, description = "Accepted, with how many results were texted or queued", body = OperationOutcome),
        (status = 422, description = "Not accepted: why, as an OperationOutcome", body = OperationOutcome),
        (status = 401), (status = 403), (status = 404)))]
pub async fn fhir_bundle<S: Store>(
    State(state): State<AppState<S>>,
    principal: Principal,
    body: String,
) -> Result<(StatusCode, Json<OperationOutcome>), ApiError> {
    principal.require(&SENDERS)?;
    let config = config(&state)?;
    let taken =
        surge_app::results::receive_fhir(&state.store, config, &body, principal.bound_lab(), (state.clock)()).await?;
    let (status, severity, text) = match (&taken.code, &taken.error) {
        (surge_results::AckCode::Accept, _) => (StatusCode::OK, "information", "accepted".to_owned()),
        (_, error) => (StatusCode::UNPROCESSABLE_ENTITY, "error", error.clone().unwrap_or_default()),
    };
    Ok((
        status,
        Json(OperationOutcome {
            resource_type: "OperationOutcome",
            issue: vec![OutcomeIssue {
                severity,
                code: if status == StatusCode::OK { "informational" } else { "invalid" },
                diagnostics: text,
            }],
            surge: Taken { duplicate: taken.duplicate, texted: taken.texted, queued: taken.queued },
        }),
    ))
}

/// Results as CSV for small labs (a lab's key, or admin)
///
/// Columns lab, filler_order, specimen_id, test_code (LOINC), result (SNOMED code or words), status (F, C, P),
/// family, given, birth_date, collected_at, and optionally phone. Any bad row refuses the whole file, with every
/// problem listed by line and column.
#[utoipa::path(post, path = "/api/v1/results/csv", tag = "results",
    request_body(content = String, content_type = "text/csv"), security(("apiKey" = [])),
    responses((status = 200, description = "How many results were texted or queued, and whether the same file came before", body = Taken),
        (status = 401), (status = 403), (status = 404), (status = 422)))]
pub async fn upload_csv<S: Store>(
    State(state): State<AppState<S>>,
    principal: Principal,
    body: axum::body::Bytes,
) -> Result<Json<Taken>, ApiError> {
    principal.require(&SENDERS)?;
    let config = config(&state)?;
    let taken =
        surge_app::results::receive_csv(&state.store, config, &body, principal.bound_lab(), (state.clock)()).await?;
    Ok(Json(Taken { duplicate: taken.duplicate, texted: taken.texted, queued: taken.queued }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PatientOut {
    family: String,
    given: String,
    birth_date: Option<String>,
}

/// A result waiting for a clinician.
#[derive(Debug, Serialize, ToSchema)]
pub struct QueuedResult {
    id: i64,
    /// Why it was not texted.
    reason: Option<String>,
    /// Lower is more urgent.
    urgency: u8,
    test_code: String,
    test_name: String,
    /// OBX-11: F final, C corrected, P preliminary.
    status: String,
    interpretation: String,
    value: String,
    filler_order: String,
    specimen_id: String,
    patient: PatientOut,
    registration_id: Option<i64>,
    /// Unix seconds.
    received_at: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Queue {
    results: Vec<QueuedResult>,
}

/// Results that were not texted, most urgent first, then oldest (clinician, admin)
#[utoipa::path(get, path = "/api/v1/results/queue", tag = "results", security(("apiKey" = [])),
    responses((status = 200, description = "The queue", body = Queue), (status = 401), (status = 403)))]
pub async fn queue<S: Store>(State(state): State<AppState<S>>, principal: Principal) -> Result<Json<Queue>, ApiError> {
    principal.require(&CLINICAL)?;
    let items = surge_app::results::clinician_queue(&state.store, 200).await?;
    let results = items
        .into_iter()
        .map(|r| QueuedResult {
            id: r.id,
            reason: r.result.reason,
            urgency: r.result.urgency,
            test_code: r.result.test_code,
            test_name: r.result.test_name,
            status: r.result.status,
            interpretation: r.result.interpretation,
            value: r.result.value,
            filler_order: r.result.filler_order,
            specimen_id: r.result.specimen_id,
            patient: PatientOut {
                family: r.result.family,
                given: r.result.given,
                birth_date: r.result.birth_date.map(|d| d.to_string()),
            },
            registration_id: r.result.registration_id,
            received_at: r.received_at.unix_timestamp(),
        })
        .collect();
    Ok(Json(Queue { results }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActionRequest {
    /// `called_reached`, `called_not_reached` or `release`.
    #[schema(pattern = "^(called_reached|called_not_reached|release)$")]
    action: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Handled {
    id: i64,
    /// `called_reached`, `called_not_reached` or `released`.
    state: &'static str,
}

/// Record a call, or release one negative by text to the registered phone (clinician, admin)
#[utoipa::path(post, path = "/api/v1/results/{id}/action", tag = "results", params(("id" = i64, Path)),
    request_body = ActionRequest, security(("apiKey" = [])),
    responses((status = 200, description = "The new state", body = Handled),
        (status = 400), (status = 401), (status = 403), (status = 404), (status = 409), (status = 422)))]
pub async fn act<S: Store>(
    State(state): State<AppState<S>>,
    principal: Principal,
    Path(id): Path<i64>,
    body: Result<Json<ActionRequest>, axum::extract::rejection::JsonRejection>,
) -> Result<Json<Handled>, ApiError> {
    principal.require(&CLINICAL)?;
    let config = config(&state)?;
    let Json(body) = body.map_err(|e| ApiError::rejected(e.status(), e.body_text()))?;
    let action = ClinicianAction::parse(&body.action).ok_or_else(|| {
        ApiError::bad_request(format!(
            "unknown action {:?}: called_reached, called_not_reached or release",
            body.action
        ))
    })?;
    handle_queued(&state.store, config, id, action, &principal.actor(), (state.clock)()).await?;
    Ok(Json(Handled { id, state: action.state() }))
}
