//! Lab results over HTTP: patients register for their result (public, rate-limited per address), labs without MLLP
//! upload HL7 v2 files (each message answered with its ACK), and clinicians work the queue of results that were not
//! texted: most urgent first, one result at a time.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};
use surge_app::results::{
    ClinicianAction, RegistrationForm, ResultsConfig, handle_queued, receive_batch, register_for_results,
};
use surge_app::{Role, Store};

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

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegistrationRequest {
    specimen_id: String,
    family: String,
    given: String,
    /// `YYYY-MM-DD`.
    birth_date: String,
    phone: String,
}

/// A patient registers for their result: the number on the sample's label, name, date of birth and phone.
pub async fn register<S: Store>(
    State(state): State<AppState<S>>,
    ClientAddress(address): ClientAddress,
    body: Result<Json<RegistrationRequest>, axum::extract::rejection::JsonRejection>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let config = config(&state)?;
    let Json(body) = body.map_err(|e| ApiError::bad_request(e.body_text()))?;
    let form = RegistrationForm {
        specimen_id: &body.specimen_id,
        family: &body.family,
        given: &body.given,
        birth_date: &body.birth_date,
        phone: &body.phone,
    };
    let id = register_for_results(&state.store, config, &form, &address, (state.clock)()).await?;
    Ok((StatusCode::CREATED, Json(json!({"id": id}))))
}

/// A lab uploads an HL7 v2 file (one message, several, or an FHS/BHS batch); each message gets its ACK.
pub async fn upload_hl7<S: Store>(
    State(state): State<AppState<S>>,
    principal: Principal,
    body: String,
) -> Result<Json<Value>, ApiError> {
    principal.require(&SENDERS)?;
    let config = config(&state)?;
    let now = (state.clock)();
    let mut n = 0u32;
    let actor = principal.actor();
    let mut ack_id = || {
        n += 1;
        format!("SURGE{}{n:04}", now.unix_timestamp())
    };
    let answers = receive_batch(&state.store, config, &body, now, &mut ack_id).await?;
    tracing::info!(actor, messages = answers.len(), "HL7 file uploaded");
    Ok(Json(json!({"messages": answers.iter().map(|a| json!({
        "ack_code": a.code.as_str(),
        "ack": a.ack,
        "duplicate": a.duplicate,
        "texted": a.texted,
        "queued": a.queued,
    })).collect::<Vec<_>>()})))
}

/// A lab posts a FHIR R4 Bundle (DiagnosticReport, Observation, Patient, Specimen). The answer is a FHIR
/// OperationOutcome: accepted, or why not (the same rules as HL7 v2; a Bundle received before is not taken twice).
pub async fn fhir_bundle<S: Store>(
    State(state): State<AppState<S>>,
    principal: Principal,
    body: String,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    principal.require(&SENDERS)?;
    let config = config(&state)?;
    let taken = surge_app::results::receive_fhir(&state.store, config, &body, (state.clock)()).await?;
    let (status, severity, text) = match (&taken.code, &taken.error) {
        (surge_results::AckCode::Accept, _) => (StatusCode::OK, "information", "accepted".to_owned()),
        (_, error) => (StatusCode::UNPROCESSABLE_ENTITY, "error", error.clone().unwrap_or_default()),
    };
    Ok((
        status,
        Json(json!({
            "resourceType": "OperationOutcome",
            "issue": [{"severity": severity, "code": if status == StatusCode::OK { "informational" } else { "invalid" },
                       "diagnostics": text}],
            "surge": {"duplicate": taken.duplicate, "texted": taken.texted, "queued": taken.queued},
        })),
    ))
}

/// A small lab uploads results as CSV (the documented template). Any bad row refuses the whole file, with every
/// problem listed by line and column.
pub async fn upload_csv<S: Store>(
    State(state): State<AppState<S>>,
    principal: Principal,
    body: axum::body::Bytes,
) -> Result<Json<Value>, ApiError> {
    principal.require(&SENDERS)?;
    let config = config(&state)?;
    let taken = surge_app::results::receive_csv(&state.store, config, &body, (state.clock)()).await?;
    Ok(Json(json!({"duplicate": taken.duplicate, "texted": taken.texted, "queued": taken.queued})))
}

/// The clinicians' queue: results that were not texted, most urgent first, then oldest.
pub async fn queue<S: Store>(State(state): State<AppState<S>>, principal: Principal) -> Result<Json<Value>, ApiError> {
    principal.require(&CLINICAL)?;
    let items = surge_app::results::clinician_queue(&state.store, 200).await?;
    Ok(Json(json!({"results": items.iter().map(|r| json!({
        "id": r.id,
        "reason": r.result.reason,
        "urgency": r.result.urgency,
        "test_code": r.result.test_code,
        "test_name": r.result.test_name,
        "status": r.result.status,
        "interpretation": r.result.interpretation,
        "value": r.result.value,
        "filler_order": r.result.filler_order,
        "specimen_id": r.result.specimen_id,
        "patient": {"family": r.result.family, "given": r.result.given, "birth_date": r.result.birth_date.map(|d| d.to_string())},
        "registration_id": r.result.registration_id,
        "received_at": r.received_at.unix_timestamp(),
    })).collect::<Vec<_>>()})))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActionRequest {
    /// `called_reached`, `called_not_reached` or `release`.
    action: String,
}

/// A clinician records a call, or releases one negative by text to the registered phone.
pub async fn act<S: Store>(
    State(state): State<AppState<S>>,
    principal: Principal,
    Path(id): Path<i64>,
    body: Result<Json<ActionRequest>, axum::extract::rejection::JsonRejection>,
) -> Result<Json<Value>, ApiError> {
    principal.require(&CLINICAL)?;
    let config = config(&state)?;
    let Json(body) = body.map_err(|e| ApiError::bad_request(e.body_text()))?;
    let action = ClinicianAction::parse(&body.action).ok_or_else(|| {
        ApiError::bad_request(format!(
            "unknown action {:?}: called_reached, called_not_reached or release",
            body.action
        ))
    })?;
    handle_queued(&state.store, config, id, action, &principal.actor(), (state.clock)()).await?;
    Ok(Json(json!({"id": id, "state": action.state()})))
}
