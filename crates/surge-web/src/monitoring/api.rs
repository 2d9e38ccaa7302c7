//! The monitoring JSON API: a handler per use case, its wire types beside it. Times are RFC 3339; vital signs are
//! in the units the chart uses (°C, %, per minute, mmHg).

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use surge_app::monitoring::{self, AdmissionFilter, AdmitRequest, BoardRow, Recorded, Report, Source};
use surge_app::{AppError, Role, Store};
use surge_monitoring::{AdmissionState, Consciousness, News2, Parameter, Symptom, VitalError, Vitals};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use utoipa::{IntoParams, ToSchema};

use crate::AppState;
use crate::access::auth::Principal;
use crate::error::ApiError;

/// Who runs the centre: its clinicians, and admins.
const CLINICAL: [Role; 2] = [Role::Admin, Role::Clinician];
const ADMIN: [Role; 1] = [Role::Admin];

type JsonBody<T> = Result<Json<T>, axum::extract::rejection::JsonRejection>;

fn body<T>(body: JsonBody<T>) -> Result<T, ApiError> {
    body.map(|Json(b)| b).map_err(|e| ApiError::rejected(e.status(), e.body_text()))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Created {
    id: i64,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FacilityRequest {
    name: String,
    /// `centre` (a residential treatment centre) or `home` (home isolation).
    #[schema(pattern = "^(centre|home)$")]
    kind: String,
    #[serde(deserialize_with = "crate::wire::whole_required")]
    capacity: u32,
    /// Local times of the day's check-ins: `09:00, 17:00`.
    check_in_times: String,
}

/// Add a facility (admin)
#[utoipa::path(post, path = "/api/v1/monitoring/facilities", tag = "monitoring", request_body = FacilityRequest,
    security(("apiKey" = [])),
    responses((status = 201, description = "The facility's id", body = Created),
        (status = 400), (status = 401), (status = 403), (status = 409), (status = 422)))]
pub async fn add_facility<S: Store>(
    State(state): State<AppState<S>>,
    principal: Principal,
    request: JsonBody<FacilityRequest>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    principal.require(&ADMIN)?;
    let r = body(request)?;
    let id = monitoring::add_facility(&state.store, &r.name, &r.kind, r.capacity, &r.check_in_times, (state.clock)())
        .await?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FacilityOut {
    id: i64,
    name: String,
    kind: String,
    capacity: u32,
    check_in_times: String,
    open_admissions: u32,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Facilities {
    facilities: Vec<FacilityOut>,
}

/// The facilities, with how many patients each has now (clinician, admin)
#[utoipa::path(get, path = "/api/v1/monitoring/facilities", tag = "monitoring", security(("apiKey" = [])),
    responses((status = 200, description = "Every facility", body = Facilities), (status = 401), (status = 403)))]
pub async fn facilities<S: Store>(
    State(state): State<AppState<S>>,
    principal: Principal,
) -> Result<Json<Facilities>, ApiError> {
    principal.require(&CLINICAL)?;
    let facilities = monitoring::facilities(&state.store)
        .await?
        .into_iter()
        .map(|f| FacilityOut {
            id: f.id,
            name: f.name,
            kind: f.kind,
            capacity: f.capacity,
            check_in_times: f.check_in_times,
            open_admissions: f.open_admissions,
        })
        .collect();
    Ok(Json(Facilities { facilities }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AdmissionRequest {
    #[serde(deserialize_with = "crate::wire::whole_required")]
    facility_id: i64,
    name: String,
    /// `YYYY-MM-DD`.
    birth_date: String,
    phone: String,
    /// The day symptoms began (`YYYY-MM-DD`); without symptoms, the day of confirmation.
    onset: String,
    /// `YYYY-MM-DD`.
    confirmed_on: String,
    #[serde(default)]
    comorbidities: String,
    #[serde(default)]
    room: String,
    /// 2 only for a patient with hypercapnic respiratory failure and a prescribed 88–92 % target.
    #[serde(default, deserialize_with = "crate::wire::whole")]
    #[schema(minimum = 1, maximum = 2)]
    spo2_scale: Option<u8>,
    /// The positive result the admission comes from.
    #[serde(default, deserialize_with = "crate::wire::whole")]
    lab_result_id: Option<i64>,
    /// `ko` (default) or `en`: the language of the patient's texts.
    language: Option<String>,
}

/// Admit a patient; they are texted the check-in times (clinician, admin)
#[utoipa::path(post, path = "/api/v1/monitoring/admissions", tag = "monitoring", request_body = AdmissionRequest,
    security(("apiKey" = [])),
    responses((status = 201, description = "The admission's id", body = Created),
        (status = 400), (status = 401), (status = 403),
        (status = 409, description = "`already_admitted` or `facility_full`"), (status = 422)))]
pub async fn admit<S: Store>(
    State(state): State<AppState<S>>,
    principal: Principal,
    request: JsonBody<AdmissionRequest>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    principal.require(&CLINICAL)?;
    let r = body(request)?;
    let request = AdmitRequest {
        facility_id: r.facility_id,
        name: r.name,
        birth_date: r.birth_date,
        phone: r.phone,
        onset: r.onset,
        confirmed_on: r.confirmed_on,
        comorbidities: r.comorbidities,
        room: r.room,
        spo2_scale: r.spo2_scale,
        lab_result_id: r.lab_result_id,
        language: r.language.unwrap_or_else(|| "ko".to_owned()),
    };
    let id = monitoring::admit(&state.store, &state.monitoring, &request, &principal.actor(), (state.clock)()).await?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ObservationRequest {
    /// When it was measured (RFC 3339); now if absent.
    observed_at: Option<String>,
    /// Breaths per minute.
    respiration_rate: Option<f64>,
    /// Per cent.
    spo2: Option<f64>,
    on_oxygen: Option<bool>,
    /// mmHg.
    systolic_bp: Option<f64>,
    /// Beats per minute.
    pulse: Option<f64>,
    /// `A`, `C`, `V`, `P` or `U`.
    consciousness: Option<String>,
    /// °C.
    temperature: Option<f64>,
    /// Codes: fever, cough, shortness_of_breath, chest_pain, sore_throat, loss_of_taste_or_smell, diarrhoea,
    /// headache, fatigue, other.
    #[serde(default)]
    symptoms: Vec<String>,
    #[serde(default)]
    note: String,
    /// The sender's own id of this set, so that sending it again stores it once.
    source_key: Option<String>,
}

/// Each parameter's NEWS2 score; a parameter not observed is absent.
#[derive(Debug, Serialize, ToSchema)]
pub struct Scores {
    #[serde(skip_serializing_if = "Option::is_none")]
    respiration_rate: Option<u8>,
    #[serde(skip_serializing_if = "Option::is_none")]
    spo2: Option<u8>,
    #[serde(skip_serializing_if = "Option::is_none")]
    on_oxygen: Option<u8>,
    #[serde(skip_serializing_if = "Option::is_none")]
    systolic_bp: Option<u8>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pulse: Option<u8>,
    #[serde(skip_serializing_if = "Option::is_none")]
    consciousness: Option<u8>,
    #[serde(skip_serializing_if = "Option::is_none")]
    temperature: Option<u8>,
}

impl Scores {
    fn of(n: &News2) -> Scores {
        Scores {
            respiration_rate: n.part(Parameter::RespirationRate),
            spo2: n.part(Parameter::Spo2),
            on_oxygen: n.part(Parameter::OnOxygen),
            systolic_bp: n.part(Parameter::SystolicBp),
            pulse: n.part(Parameter::Pulse),
            consciousness: n.part(Parameter::Consciousness),
            temperature: n.part(Parameter::Temperature),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Scored {
    /// `stored`, or `repeated` when the same `source_key` came before (nothing new was stored).
    recorded: &'static str,
    id: Option<i64>,
    /// NEWS2 of the parameters observed.
    news2: u8,
    scores: Scores,
    /// `low`, `low-medium`, `medium` or `high`.
    risk: &'static str,
    /// All seven parameters were observed; otherwise the score is a floor.
    complete: bool,
    /// The hard triggers it tripped (`spo2 <= 94`).
    hard_triggers: Vec<String>,
    /// Up by two or more, or into a higher band, since the last set.
    rising: bool,
}

fn vital_error(e: VitalError) -> ApiError {
    ApiError::from(AppError::Unprocessable {
        code: e.code(),
        field: Some(e.parameter().field()),
        message: e.to_string(),
    })
}

/// Reads the figures through the domain's checks: rounded as charted, impossible ones refused by name.
fn vitals(r: &ObservationRequest) -> Result<Vitals, ApiError> {
    let mut vitals = Vitals { on_oxygen: r.on_oxygen, ..Vitals::default() };
    for (parameter, figure) in [
        (Parameter::RespirationRate, r.respiration_rate),
        (Parameter::Spo2, r.spo2),
        (Parameter::SystolicBp, r.systolic_bp),
        (Parameter::Pulse, r.pulse),
        (Parameter::Temperature, r.temperature),
    ] {
        if let Some(figure) = figure {
            vitals.set_figure(parameter, figure).map_err(vital_error)?;
        }
    }
    if let Some(letter) = &r.consciousness {
        vitals.consciousness = Some(Consciousness::parse(letter).map_err(vital_error)?);
    }
    Ok(vitals)
}

/// Record a set of observations; any parameter may be missing (clinician, admin)
///
/// Scored with NEWS2 on the patient's SpO2 scale and checked against the hard triggers; a trigger, a medium or
/// high score or a rising one raises an alert on the board.
#[utoipa::path(post, path = "/api/v1/monitoring/admissions/{id}/observations", tag = "monitoring",
    params(("id" = i64, Path)), request_body = ObservationRequest, security(("apiKey" = [])),
    responses((status = 201, description = "The score", body = Scored),
        (status = 400), (status = 401), (status = 403), (status = 404),
        (status = 409, description = "`admission_closed`"), (status = 422)))]
pub async fn observe<S: Store>(
    State(state): State<AppState<S>>,
    principal: Principal,
    Path(id): Path<i64>,
    request: JsonBody<ObservationRequest>,
) -> Result<(StatusCode, Json<Scored>), ApiError> {
    principal.require(&CLINICAL)?;
    let r = body(request)?;
    let now = (state.clock)();
    let observed_at = match &r.observed_at {
        None => now,
        Some(text) => OffsetDateTime::parse(text, &Rfc3339).map_err(|_| {
            ApiError::from(AppError::Unprocessable {
                code: "observed_at_invalid",
                field: Some("observed_at"),
                message: "observed_at is an RFC 3339 time such as 2026-12-06T09:30:00+09:00".to_owned(),
            })
        })?,
    };
    let symptoms = r
        .symptoms
        .iter()
        .map(|code| {
            Symptom::from_code(code).ok_or_else(|| {
                ApiError::from(AppError::Unprocessable {
                    code: "symptom_unknown",
                    field: Some("symptoms"),
                    message: format!("{code:?} is not a symptom on the list"),
                })
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let report = Report {
        vitals: vitals(&r)?,
        symptoms,
        note: r.note,
        source: Source::Staff,
        source_key: r.source_key,
        observed_at,
    };
    let outcome = monitoring::record_report(&state.store, &state.monitoring, id, &report, now).await?;
    let (recorded, stored_id) = match outcome.recorded {
        Recorded::Stored(id) => ("stored", Some(id)),
        Recorded::Repeated => ("repeated", None),
    };
    Ok((
        StatusCode::CREATED,
        Json(Scored {
            recorded,
            id: stored_id,
            news2: outcome.news2.total(),
            scores: Scores::of(&outcome.news2),
            risk: outcome.news2.risk().code(),
            complete: outcome.news2.is_complete(),
            hard_triggers: outcome.hard_triggers.iter().map(ToString::to_string).collect(),
            rising: outcome.rising,
        }),
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MoveRequest {
    /// `monitoring`, `transferred` (to hospital) or `discharged`.
    #[schema(pattern = "^(monitoring|transferred|discharged)$")]
    state: String,
    reason: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Moved {
    id: i64,
    state: &'static str,
}

/// Move an admission on with a reason: transfer to hospital or discharge, each texted to the patient (clinician,
/// admin)
#[utoipa::path(post, path = "/api/v1/monitoring/admissions/{id}/state", tag = "monitoring",
    params(("id" = i64, Path)), request_body = MoveRequest, security(("apiKey" = [])),
    responses((status = 200, description = "The new state", body = Moved),
        (status = 400), (status = 401), (status = 403), (status = 404),
        (status = 409, description = "`admission_state_invalid`: not a move from its state"), (status = 422)))]
pub async fn move_admission<S: Store>(
    State(state): State<AppState<S>>,
    principal: Principal,
    Path(id): Path<i64>,
    request: JsonBody<MoveRequest>,
) -> Result<Json<Moved>, ApiError> {
    principal.require(&CLINICAL)?;
    let r = body(request)?;
    let to = AdmissionState::from_code(&r.state).ok_or_else(|| {
        ApiError::bad_request(format!("unknown state {:?}: monitoring, transferred or discharged", r.state))
    })?;
    monitoring::move_admission(&state.store, id, to, &r.reason, &principal.actor(), (state.clock)()).await?;
    Ok(Json(Moved { id, state: to.code() }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct BoardQuery {
    /// Only this facility's patients.
    facility: Option<i64>,
    /// `open` (default: admitted and monitoring) or `all`.
    #[param(pattern = "^(open|all)$")]
    state: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct VitalsOut {
    respiration_rate: Option<u16>,
    spo2: Option<u8>,
    on_oxygen: Option<bool>,
    systolic_bp: Option<u16>,
    pulse: Option<u16>,
    consciousness: Option<String>,
    /// °C, one decimal.
    temperature: Option<f64>,
    /// RFC 3339.
    observed_at: String,
    symptoms: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BoardRowOut {
    admission_id: i64,
    facility_id: i64,
    facility: String,
    name: String,
    room: String,
    /// `admitted`, `monitoring`, `transferred` or `discharged`.
    state: &'static str,
    /// Day 1 is the day of onset.
    day_of_illness: i64,
    latest: Option<VitalsOut>,
    news2: Option<u8>,
    risk: Option<&'static str>,
    /// Whether the latest set had all seven parameters.
    complete: Option<bool>,
    /// `rising`, `steady`, `falling` or `first`.
    trend: Option<&'static str>,
    /// Check-ins missed in a row.
    missed_check_ins: u32,
    hard_triggers: Vec<String>,
    rising: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Board {
    /// Most urgent first.
    rows: Vec<BoardRowOut>,
}

fn row_out(row: BoardRow) -> BoardRowOut {
    let latest = row.latest.map(|o| {
        let o = o.observation;
        VitalsOut {
            respiration_rate: o.vitals.respiration_rate,
            spo2: o.vitals.spo2,
            on_oxygen: o.vitals.on_oxygen,
            systolic_bp: o.vitals.systolic_bp,
            pulse: o.vitals.pulse,
            consciousness: o.vitals.consciousness.map(|c| c.letter().to_string()),
            temperature: o.vitals.temperature.map(|t| f64::from(t.tenths()) / 10.0),
            observed_at: crate::wire::rfc3339(o.observed_at),
            symptoms: o.symptoms.split(';').filter(|s| !s.is_empty()).map(str::to_owned).collect(),
        }
    });
    BoardRowOut {
        admission_id: row.record.id,
        facility_id: row.record.admission.facility_id,
        facility: row.facility,
        name: row.record.admission.name,
        room: row.record.admission.room,
        state: row.record.state.code(),
        day_of_illness: row.day_of_illness,
        latest,
        news2: row.news2.map(|n| n.total()),
        risk: row.news2.map(|n| n.risk().code()),
        complete: row.news2.map(|n| n.is_complete()),
        trend: row.trend.map(|t| t.code()),
        missed_check_ins: row.record.follow.missed_in_row,
        hard_triggers: row.hard_triggers,
        rising: row.rising,
    }
}

/// The board: one row per patient, most urgent first (clinician, admin)
#[utoipa::path(get, path = "/api/v1/monitoring/board", tag = "monitoring", params(BoardQuery),
    security(("apiKey" = [])),
    responses((status = 200, description = "The board's rows", body = Board),
        (status = 400), (status = 401), (status = 403)))]
pub async fn board<S: Store>(
    State(state): State<AppState<S>>,
    principal: Principal,
    query: Result<Query<BoardQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Board>, ApiError> {
    principal.require(&CLINICAL)?;
    let Query(q) = query.map_err(|e| ApiError::bad_request(e.body_text()))?;
    let open_only = match q.state.as_deref() {
        None | Some("open") => true,
        Some("all") => false,
        Some(other) => return Err(ApiError::bad_request(format!("unknown state {other:?}: open or all"))),
    };
    let filter = AdmissionFilter { facility_id: q.facility, open_only };
    let rows = monitoring::board(&state.store, &state.monitoring, &filter, (state.clock)()).await?;
    Ok(Json(Board { rows: rows.into_iter().map(row_out).collect() }))
}
