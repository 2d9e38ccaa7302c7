//! Lab results in: each HL7 message is kept, answered with an ACK, and each of its results routed by the one rule
//! in `surge_results::route`: a final negative of a known test for one registered person is texted at once; every
//! other result goes to the clinicians' queue with its reason. Clinicians record their calls and may release a
//! negative from the queue, one result at a time, with their name in the audit log.

use rand_core::{CryptoRng, RngCore};
use sha2::{Digest, Sha256};
use surge_domain::audit::AuditEntry;
use surge_domain::notify::Templates;
use surge_domain::{FieldError, Phone};
use surge_pass::{ControlCode, Pass, PassClaims, PassId, PassKind, TestResult};
use surge_results::{
    AckCode, ErrorCode, Header, Hl7Error, Interpretation, OruMessage, QueueReason, Route, TestTable, ack, interpret,
    match_identity, parse_oru, read_header, route_test, split_batch,
};
use time::OffsetDateTime;

use crate::lab::{LabResultRecord, NewLabMessage, NewLabResult, NewRegistration};
use crate::{Access, AppError, LabStore, OutboxMessage, PassSigner};

/// A deployment's settings for results.
#[derive(Debug, Clone)]
pub struct ResultsConfig {
    pub tests: TestTable,
    /// For phone numbers in messages and forms without a country code.
    pub phone_region: String,
    /// The language of result texts.
    pub sms_language: String,
    /// Where patients call with questions, printed in every text.
    pub help_phone: String,
    /// The page where patients see their results after a one-time code to their phone.
    pub results_link: String,
    /// How long a signed negative result stays valid, from the sample's collection.
    pub certificate_hours: u32,
    /// The duty clinician's phone (E.164), texted at once when a negative already texted is corrected.
    pub duty_phone: Option<String>,
    /// The clinicians' queue, linked from that alert.
    pub queue_link: String,
    /// Text the one mobile number a lab's message gives when no one registered for the sample (same rule).
    pub text_phone_from_lab: bool,
}

/// The answer to one message: its ACK and what happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Received {
    pub ack: String,
    pub code: AckCode,
    pub duplicate: bool,
    pub texted: usize,
    pub queued: usize,
}

/// "J.K." from given and family names: enough for the patient to know the text is theirs, little for anyone else.
fn initials(given: &str, family: &str) -> String {
    [given, family].iter().filter_map(|n| n.trim().chars().next()).map(|c| format!("{}.", c.to_uppercase())).collect()
}

/// A short test name for the text: the LOINC long name is too long for two SMS parts.
pub fn short_test_name(name: &str, lang: &str) -> &'static str {
    let antigen = name.contains(" Ag ") || name.contains("Ag [");
    match (antigen, lang) {
        (true, "ko") => "코로나19 항원",
        (false, "ko") => "코로나19 PCR",
        (true, _) => "COVID-19 antigen",
        (false, _) => "COVID-19 PCR",
    }
}

/// `YYYY-MM-DD` from an HL7 date-time, or `-`.
pub fn hl7_date(text: &str) -> String {
    match (text.get(..4), text.get(4..6), text.get(6..8)) {
        (Some(y), Some(m), Some(d)) if text[..8].chars().all(|c| c.is_ascii_digit()) => format!("{y}-{m}-{d}"),
        _ => "-".into(),
    }
}

/// The negative result's text, with what a regulator asks a result SMS to carry (name initials, date of birth,
/// collection date, test, result, laboratory, where to get help).
pub fn negative_text(result: &NewLabResult, config: &ResultsConfig, lang: &str) -> Result<String, AppError> {
    let lab: String = result.performing_lab.chars().take(24).collect();
    Templates::builtin()
        .render(
            "result_negative",
            lang,
            &[
                ("initials", &initials(&result.given, &result.family)),
                ("birth", &result.birth_date.map(|d| d.to_string()).unwrap_or_else(|| "-".into())),
                ("collected", &hl7_date(&result.collected_at)),
                ("test", short_test_name(&result.test_name, lang)),
                ("lab", &lab),
                ("help", &config.help_phone),
                ("link", &config.results_link),
            ],
        )
        .map_err(|e| AppError::Signing(e.to_string()))
}

/// The patient's text. Its key is given by the store from the result's id (`crate::lab::result_text_key`).
fn result_sms(
    result: &NewLabResult,
    phone: &str,
    lang: &str,
    config: &ResultsConfig,
) -> Result<OutboxMessage, AppError> {
    Ok(OutboxMessage {
        idempotency_key: String::new(),
        kind: "result_negative".into(),
        recipient: phone.to_owned(),
        body: negative_text(result, config, lang)?,
    })
}

/// The duty clinician's alert for a correction of a negative already texted: the sample, the laboratory and the
/// new result, never the patient's name.
fn corrected_alert(result: &NewLabResult, duty: &str, config: &ResultsConfig) -> Result<OutboxMessage, AppError> {
    let lang = config.sms_language.as_str();
    let words = match (result.interpretation.as_str(), lang) {
        ("detected", "ko") => "양성",
        ("detected", _) => "DETECTED",
        (_, "ko") => "판정 보류",
        (other, _) => other,
    };
    let body = Templates::builtin()
        .render(
            "result_corrected_alert",
            lang,
            &[
                ("sample", &result.specimen_id),
                ("lab", &result.performing_lab.chars().take(24).collect::<String>()),
                ("result", words),
                ("link", &config.queue_link),
            ],
        )
        .map_err(|e| AppError::Signing(e.to_string()))?;
    Ok(OutboxMessage {
        // Given by the store from the result's id (`crate::lab::result_alert_key`).
        idempotency_key: String::new(),
        kind: "result_corrected_alert".into(),
        recipient: duty.to_owned(),
        body,
    })
}

/// Routes every result of a parsed message.
async fn route_results<S: LabStore + Access>(
    store: &S,
    config: &ResultsConfig,
    message: &OruMessage,
) -> Result<Vec<(NewLabResult, Option<OutboxMessage>)>, AppError> {
    let patient = &message.patient;
    let phones: Vec<String> = patient
        .phones
        .iter()
        .filter_map(|p| Phone::parse(p, &config.phone_region).ok())
        .map(|p| p.as_str().to_owned())
        .collect();
    let mut routed = Vec::new();
    for order in &message.orders {
        let specimens: Vec<String> =
            [&order.specimen_id, &order.filler_order].into_iter().filter(|s| !s.is_empty()).cloned().collect();
        let registrations = store.registrations_for(&specimens, &phones).await?;
        let identity = match_identity(patient, order, &registrations, &config.phone_region);
        for obs in order.observations.iter().filter(|o| !o.is_order_entry_answer()) {
            let name = config.tests.name(&obs.test).or_else(|| config.tests.panel_companion(&obs.test));
            let kind = config.tests.kind(&obs.test);
            let interpretation = interpret(obs);
            let lab = &message.header.sending_facility;
            let texted_before = store.texted_negative(lab, &order.filler_order_id, &obs.test.code).await?;
            let decision = match route_test(&obs.status, kind, interpretation, &identity, texted_before) {
                // Everything but the identity allows the text: with no registration for the sample at all, the
                // authority may let the lab's own phone for the patient stand in, if it gives exactly one.
                Route::Clinician(QueueReason::Unmatched)
                    if config.text_phone_from_lab && registrations.is_empty() && phones.len() == 1 =>
                {
                    Route::AutoText { phone: phones[0].clone() }
                }
                decision => decision,
            };
            let registration_id = match &identity {
                surge_results::Identity::Matched { registration, .. } => Some(*registration),
                _ => None,
            };
            let (texted, reason) = match &decision {
                Route::AutoText { .. } => (true, None),
                Route::Clinician(reason) => (false, Some(*reason)),
                Route::Recorded => (false, None),
            };
            let result = NewLabResult {
                lab: lab.clone(),
                filler_order: order.filler_order_id.clone(),
                test_code: obs.test.code.clone(),
                status: obs.status.clone(),
                specimen_id: order.specimen_id.clone(),
                test_name: name.map(str::to_owned).unwrap_or_else(|| obs.test.text.clone()),
                interpretation: interpretation.as_str().into(),
                value: obs.value_text.clone(),
                family: patient.family.clone(),
                given: patient.given.clone(),
                birth_date: patient.birth_date,
                collected_at: order.collected_at.clone(),
                performing_lab: obs.performing_lab.clone(),
                registration_id,
                texted,
                reason: reason.map(|r| r.code().to_owned()),
                urgency: reason.map_or(9, QueueReason::urgency),
            };
            let sms = match (decision, &config.duty_phone) {
                (Route::AutoText { phone }, _) => {
                    // The patient's text in the language they last used the service in, else the authority's.
                    let lang = crate::access::text_language(store, &phone, &config.sms_language).await;
                    Some(result_sms(&result, &phone, &lang, config)?)
                }
                (Route::Clinician(QueueReason::CorrectedAfterText), Some(duty)) => {
                    Some(corrected_alert(&result, duty, config)?)
                }
                (Route::Clinician(_) | Route::Recorded, _) => None,
            };
            routed.push((result, sms));
        }
    }
    Ok(routed)
}

/// A message's identity for dedupe: its sending facility and control id, or the hash of what could not be read.
fn message_key(header: Option<&Header>, raw: &str) -> (String, String) {
    match header {
        Some(h) if !h.control_id.is_empty() => (h.sending_facility.clone(), h.control_id.clone()),
        _ => {
            let digest = hex::encode(Sha256::digest(raw.as_bytes()));
            (String::new(), format!("sha256:{digest}"))
        }
    }
}

/// What was decided for one message: its ACK code and error, and how its results went.
struct Taken {
    code: AckCode,
    error: Option<(ErrorCode, String)>,
    duplicate: bool,
    texted: usize,
    queued: usize,
}

/// Keeps a message and routes its results, unless it came before; then it is answered as the first time.
async fn take<S: LabStore + Access>(
    store: &S,
    config: &ResultsConfig,
    key: (String, String),
    raw: &str,
    parsed: Result<Vec<OruMessage>, Hl7Error>,
    now: OffsetDateTime,
) -> Result<Taken, AppError> {
    let (facility, control_id) = key;
    let (code, error, routed) = match parsed {
        Ok(messages) => {
            let mut routed = Vec::new();
            for message in &messages {
                routed.extend(route_results(store, config, message).await?);
            }
            (AckCode::Accept, None, routed)
        }
        Err(e) => {
            let (code, error_code) = e.ack();
            (code, Some((error_code, e.to_string())), Vec::new())
        }
    };
    let recorded = store
        .record_lab_message(
            &NewLabMessage {
                sending_facility: facility.clone(),
                control_id: control_id.clone(),
                raw: raw.to_owned(),
                ack_code: code.as_str().into(),
                error: error.as_ref().map(|(_, text)| text.clone()),
                received_at: now,
            },
            &routed,
        )
        .await?;
    if recorded.duplicate {
        // Received before (the store kept nothing now): answer as the first time. Checked by the write itself
        // rather than by a read before it, which would cost every message a query for the rare resend.
        let (code, error) =
            store.lab_message_ack(&facility, &control_id).await?.ok_or(AppError::Store(crate::StoreError::NotFound))?;
        let code = match code.as_str() {
            "AA" => AckCode::Accept,
            "AR" => AckCode::Reject,
            _ => AckCode::Error,
        };
        let error = error.map(|e| (ErrorCode::ApplicationError, e));
        return Ok(Taken { code, error, duplicate: true, texted: 0, queued: 0 });
    }
    // What was stored, not what was routed: a result this lab sent before is not stored again.
    let texted = recorded.new_texted;
    let queued = recorded.new_results - recorded.new_texted;
    tracing::info!(
        message_id = recorded.message_id,
        ack = code.as_str(),
        texted,
        queued,
        duplicate = recorded.duplicate,
        "lab message received"
    );
    Ok(Taken { code, error, duplicate: recorded.duplicate, texted, queued })
}

/// The lab a sender may send as: any (an admin, or MLLP from an allowed address), or the one its key belongs to.
fn foreign_lab(bound_lab: Option<&str>, sending: &str, field: &str) -> Option<String> {
    let own = bound_lab?;
    (sending != own).then(|| {
        format!("{field} {sending:?} is not {own:?}, the lab this key or certificate sends for; nothing was stored")
    })
}

/// Takes one HL7 v2 message: keeps it, routes its results, and returns its ACK. A message received before is
/// answered as it was the first time, and nothing is done twice. `ack_id` names the ACK. With `bound_lab`, a
/// message from another sending facility is rejected (`AR`) and not kept, so that it cannot take the real lab's
/// control id.
pub async fn receive_message<S: LabStore + Access>(
    store: &S,
    config: &ResultsConfig,
    text: &str,
    bound_lab: Option<&str>,
    now: OffsetDateTime,
    ack_id: &str,
) -> Result<Received, AppError> {
    let parsed = parse_oru(text);
    // Parsed once; the header alone is read again only from a message that failed, so its ACK still names it.
    let header = match &parsed {
        Ok(message) => Some(message.header.clone()),
        Err(_) => read_header(text).ok(),
    };
    let sending = header.as_ref().map(|h| h.sending_facility.as_str()).unwrap_or_default();
    if let Some(refusal) = foreign_lab(bound_lab, sending, "MSH-4 (sending facility)") {
        let error = Some((ErrorCode::ApplicationError, refusal.as_str()));
        return Ok(Received {
            ack: ack(header.as_ref(), AckCode::Reject, error, now, ack_id),
            code: AckCode::Reject,
            duplicate: false,
            texted: 0,
            queued: 0,
        });
    }
    let key = message_key(header.as_ref(), text);
    let taken = take(store, config, key, text, parsed.map(|m| vec![m]), now).await?;
    let error = taken.error.as_ref().map(|(code, text)| (*code, text.as_str()));
    Ok(Received {
        ack: ack(header.as_ref(), taken.code, error, now, ack_id),
        code: taken.code,
        duplicate: taken.duplicate,
        texted: taken.texted,
        queued: taken.queued,
    })
}

/// What a FHIR Bundle came to: accepted (`AA`) or not, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BundleTaken {
    pub code: AckCode,
    pub error: Option<String>,
    pub duplicate: bool,
    pub texted: usize,
    pub queued: usize,
}

impl From<Taken> for BundleTaken {
    fn from(taken: Taken) -> Self {
        Self {
            code: taken.code,
            error: taken.error.map(|(_, text)| text),
            duplicate: taken.duplicate,
            texted: taken.texted,
            queued: taken.queued,
        }
    }
}

/// Takes a FHIR R4 Bundle of results through the same rules as an HL7 v2 message.
pub async fn receive_fhir<S: LabStore + Access>(
    store: &S,
    config: &ResultsConfig,
    raw: &str,
    bound_lab: Option<&str>,
    now: OffsetDateTime,
) -> Result<BundleTaken, AppError> {
    let parsed = serde_json::from_str::<serde_json::Value>(raw)
        .map_err(|e| Hl7Error::NotFhir(format!("not JSON: {e}")))
        .and_then(|bundle| surge_results::parse_bundle(&bundle));
    let header = parsed.as_ref().ok().map(|m| m.header.clone());
    let sending = header.as_ref().map(|h| h.sending_facility.as_str()).unwrap_or_default();
    if parsed.is_ok()
        && let Some(refusal) = foreign_lab(bound_lab, sending, "the sending organisation")
    {
        return Ok(BundleTaken { code: AckCode::Reject, error: Some(refusal), duplicate: false, texted: 0, queued: 0 });
    }
    let key = message_key(header.as_ref(), raw);
    let taken = take(store, config, key, raw, parsed.map(|m| vec![m]), now).await?;
    Ok(taken.into())
}

/// Takes a results CSV (the template in `surge_results::csv_file`): refused whole, with every bad row, or kept as
/// one message whose results are each routed like any other. The same file twice is taken once.
pub async fn receive_csv<S: LabStore + Access>(
    store: &S,
    config: &ResultsConfig,
    bytes: &[u8],
    bound_lab: Option<&str>,
    now: OffsetDateTime,
) -> Result<BundleTaken, AppError> {
    let messages = surge_results::parse_results_csv(bytes, bound_lab).map_err(|problems| {
        AppError::InvalidFile(
            problems
                .into_iter()
                .map(|p| surge_domain::RowError {
                    line: u32::try_from(p.line).unwrap_or(u32::MAX),
                    column: p.column,
                    reason: p.reason,
                })
                .collect(),
        )
    })?;
    let raw = String::from_utf8_lossy(bytes).into_owned();
    let digest = hex::encode(Sha256::digest(bytes));
    let lab = messages.first().map(|m| m.header.sending_facility.clone()).unwrap_or_default();
    let taken = take(store, config, (lab, format!("csv:{digest}")), &raw, Ok(messages), now).await?;
    Ok(taken.into())
}

/// Takes a file or stream that may hold several messages (an FHS/BHS batch); returns one answer per message.
pub async fn receive_batch<S: LabStore + Access>(
    store: &S,
    config: &ResultsConfig,
    text: &str,
    bound_lab: Option<&str>,
    now: OffsetDateTime,
    ack_id: &mut (dyn FnMut() -> String + Send),
) -> Result<Vec<Received>, AppError> {
    let messages = match split_batch(text) {
        Ok(messages) => messages,
        // Not even one message: answer it as one unreadable message.
        Err(_) => vec![text.to_owned()],
    };
    let mut answers = Vec::with_capacity(messages.len());
    for message in messages {
        answers.push(receive_message(store, config, &message, bound_lab, now, &ack_id()).await?);
    }
    Ok(answers)
}

/// A patient registers by SMS (`RESULT <sample> <date of birth>`): the phone is the sender's, the names are not
/// asked, so only the sample number with the date of birth can match.
pub async fn register_by_sms<S: LabStore>(
    store: &S,
    phone: &Phone,
    specimen_id: &str,
    birth_date: &str,
    now: OffsetDateTime,
) -> Result<i64, AppError> {
    let birth = surge_domain::parse_date_of_birth(birth_date, now.date()).ok();
    let specimen = specimen_id.trim();
    let (Some(birth), true) = (birth, !specimen.is_empty() && specimen.len() <= 64) else {
        return Err(AppError::InvalidForm(vec![FieldError::new(
            "text",
            "result_registration_invalid",
            "Send RESULT, the sample number and the date of birth like 1980-04-25",
        )]));
    };
    let id = store
        .insert_registration(&NewRegistration {
            specimen_id: Some(specimen.to_owned()),
            phone: Some(phone.as_str().to_owned()),
            family: String::new(),
            given: String::new(),
            birth_date: birth,
            created_at: now,
        })
        .await?;
    tracing::info!(registration_id = id, "registered for a result by SMS");
    Ok(id)
}

/// A patient's registration for their result, as typed.
#[derive(Debug, Clone, Copy, Default)]
pub struct RegistrationForm<'a> {
    /// The number on the sample's label.
    pub specimen_id: &'a str,
    pub family: &'a str,
    pub given: &'a str,
    pub birth_date: &'a str,
    pub phone: &'a str,
    /// The language the patient registered in, which their result text follows; `None` when not known (the API).
    pub lang: Option<&'a str>,
}

/// Registrations one client address may make per window: enough for a family or a care home's front desk, too few
/// to try sample numbers.
pub const REGISTRATIONS_PER_ADDRESS: u32 = 30;
pub const REGISTRATION_WINDOW_SECONDS: i64 = 900;

/// A patient registers for their result with the sample's number, their name, date of birth and phone; each
/// client address may register a limited number per window.
pub async fn register_for_results<S: LabStore + Access>(
    store: &S,
    config: &ResultsConfig,
    form: &RegistrationForm<'_>,
    client_address: &str,
    now: OffsetDateTime,
) -> Result<i64, AppError> {
    let bucket = format!("result-registration:{client_address}");
    if !store.rate_limit(&bucket, now, REGISTRATION_WINDOW_SECONDS, REGISTRATIONS_PER_ADDRESS).await? {
        return Err(AppError::RateLimited { retry_after_seconds: REGISTRATION_WINDOW_SECONDS });
    }
    let RegistrationForm { specimen_id, family, given, birth_date, phone, lang } = *form;
    let mut errors = Vec::new();
    let specimen = specimen_id.trim();
    if specimen.is_empty() || specimen.len() > 64 || specimen.chars().any(char::is_control) {
        errors.push(FieldError::new("specimen_id", "required", "Enter the number on your sample's label"));
    }
    for (field, value, what) in [("family", family, "family name"), ("given", given, "given name")] {
        if value.trim().is_empty() || value.chars().count() > 60 {
            errors.push(FieldError::new(field, "required", format!("Enter your {what} as the test centre wrote it")));
        } else if value.chars().any(char::is_control) {
            errors.push(FieldError::new(field, "invalid", format!("Enter your {what} without line breaks or tabs")));
        }
    }
    let birth = match surge_domain::parse_date_of_birth(birth_date, now.date()) {
        Ok(birth) => Some(birth),
        Err(e) => {
            let code = if e == surge_domain::BirthDateError::InTheFuture { "in_future" } else { "invalid" };
            errors.push(FieldError::new("birth_date", code, e.message()));
            None
        }
    };
    let phone = match Phone::parse(phone, &config.phone_region) {
        Ok(p) => Some(p),
        Err(_) => {
            errors.push(FieldError::new("phone", "phone_invalid", "Enter a mobile number like 010-1234-5678"));
            None
        }
    };
    let (Some(birth), Some(phone), true) = (birth, phone, errors.is_empty()) else {
        return Err(AppError::InvalidForm(errors));
    };
    let id = store
        .insert_registration(&NewRegistration {
            specimen_id: Some(specimen.to_owned()),
            phone: Some(phone.as_str().to_owned()),
            family: family.trim().to_owned(),
            given: given.trim().to_owned(),
            birth_date: birth,
            created_at: now,
        })
        .await?;
    if let Some(lang) = lang {
        crate::access::remember_language(store, phone.as_str(), lang, now).await;
    }
    tracing::info!(registration_id = id, "registered for a result");
    Ok(id)
}

/// What a clinician records for a queued result.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClinicianAction {
    CalledReached,
    CalledNotReached,
    /// Text a negative from the queue (one result at a time; never a positive).
    Release,
}

impl ClinicianAction {
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "called_reached" => Some(Self::CalledReached),
            "called_not_reached" => Some(Self::CalledNotReached),
            "release" => Some(Self::Release),
            _ => None,
        }
    }

    /// The queue state the action leaves the result in.
    pub fn state(self) -> &'static str {
        match self {
            Self::CalledReached => "called_reached",
            Self::CalledNotReached => "called_not_reached",
            Self::Release => "released",
        }
    }
}

/// The phone of the person a result was matched to: the only one a release may text, never one typed by staff.
async fn registered_phone<S: LabStore>(store: &S, record: &LabResultRecord) -> Result<Option<String>, AppError> {
    let Some(registration) = record.result.registration_id else { return Ok(None) };
    // A registration matched on the filler's number names it without its namespace (the first `^` part).
    let filler = record.result.filler_order.split('^').next().unwrap_or_default().to_owned();
    let specimens = [record.result.specimen_id.clone(), filler];
    let found = store.registrations_for(&specimens, &[]).await?;
    Ok(found.into_iter().find(|r| r.id == registration).and_then(|r| r.phone))
}

/// A clinician closes a queue item. A release texts the negative to the registered phone; it is refused for
/// anything but a final, not-detected result of a known test with a phone to text.
pub async fn handle_queued<S: LabStore + Access>(
    store: &S,
    config: &ResultsConfig,
    id: i64,
    action: ClinicianAction,
    actor: &str,
    now: OffsetDateTime,
) -> Result<(), AppError> {
    let record = store.lab_result(id).await?;
    let sms = if action == ClinicianAction::Release {
        let phone = registered_phone(store, &record).await?;
        let r = &record.result;
        let code = surge_results::Coded { code: r.test_code.clone(), text: String::new(), system: "LN".into() };
        let known = config.tests.name(&code).is_some();
        let negative = r.interpretation == Interpretation::NotDetected.as_str() && r.status == "F" && known;
        let Some(phone) = phone.as_deref().filter(|_| negative) else {
            return Err(AppError::InvalidForm(vec![FieldError::new(
                "action",
                "release_refused",
                "Only a final negative of a known test, for a patient with a phone, may be released by text",
            )]));
        };
        let lang = crate::access::text_language(store, phone, &config.sms_language).await;
        Some(result_sms(r, phone, &lang, config)?)
    } else {
        None
    };
    let audit = AuditEntry {
        actor: actor.to_owned(),
        action: format!("result.{}", action.state()),
        subject: format!("lab_result:{id}"),
        detail: record.result.reason.clone().unwrap_or_default(),
    };
    store.handle_lab_result(id, action.state(), &audit, sms.as_ref(), now).await?;
    tracing::info!(lab_result = id, action = action.state(), "queued result handled");
    Ok(())
}

/// Cuts a text to `max` characters for a signed field, never to nothing.
fn field(text: &str, max: usize) -> String {
    let cut: String = text.trim().chars().filter(|c| !c.is_control()).take(max).collect();
    if cut.trim().is_empty() { "-".into() } else { cut.trim().to_owned() }
}

/// The claims of a texted negative's signed result: the holder's name and date of birth (to compare with an
/// identity document), the test, the result, the collection time and the laboratory, and nothing else.
pub fn result_claims<R: RngCore + CryptoRng>(
    rng: &mut R,
    issuer_id: &str,
    config: &ResultsConfig,
    record: &LabResultRecord,
    status_index: u64,
    now: OffsetDateTime,
) -> PassClaims {
    let r = &record.result;
    let collected = surge_results::hl7_time(&r.collected_at);
    let not_before = collected.unwrap_or(record.received_at).replace_nanosecond(0).unwrap_or(record.received_at);
    let test_name = short_test_name(&r.test_name, "en");
    PassClaims {
        issuer: issuer_id.to_owned(),
        issued_at: now.replace_nanosecond(0).unwrap_or(now),
        not_before,
        expires: not_before + time::Duration::hours(i64::from(config.certificate_hours.max(1))),
        pass: Pass {
            id: PassId::generate(rng),
            control_code: ControlCode::generate(rng),
            kind: PassKind::TestResult,
            category: "test-result".into(),
            purpose: test_name.into(),
            zones: Vec::new(),
            holder: field(&format!("{} {}", r.given.trim(), r.family.trim()), 40),
            masked_id: None,
            vehicle_plate: None,
            organisation: None,
            status_index,
            result: Some(TestResult {
                test_code: field(&r.test_code, 16),
                test_name: test_name.into(),
                detected: false,
                collected: collected.map(|t| t.replace_nanosecond(0).unwrap_or(t)),
                lab: field(&r.performing_lab, 40),
                birth_date: r.birth_date,
            }),
        },
    }
}

/// The signed result a patient can show a third party, who verifies it offline like a pass (kind `test-result`).
/// Only a negative that was texted (automatically or released by a clinician) has one; it is signed the first time
/// it is asked for and kept, and revoked if a corrected result follows. `None` for any other result.
pub async fn result_certificate<S: LabStore, R: RngCore + CryptoRng>(
    store: &S,
    signer: &PassSigner,
    config: &ResultsConfig,
    rng: &mut R,
    record: &LabResultRecord,
    now: OffsetDateTime,
) -> Result<Option<String>, AppError> {
    let negative = record.result.interpretation == Interpretation::NotDetected.as_str() && record.result.status == "F";
    let (Some(status_index), true) = (record.status_index, negative) else { return Ok(None) };
    if let Some(kept) = &record.certificate {
        return Ok(Some(kept.clone()));
    }
    let claims = result_claims(rng, &signer.issuer_id, config, record, status_index, now);
    let text = signer.issuer.issue(&claims).map_err(|e| AppError::Signing(e.to_string()))?;
    let kept = store.set_result_certificate(record.id, &text).await?;
    tracing::info!(lab_result = record.id, status_index, "result certificate signed");
    Ok(Some(kept))
}

/// The clinicians' queue: results that were not texted, most urgent first, then oldest (at most `limit`).
pub async fn clinician_queue<S: LabStore>(store: &S, limit: u32) -> Result<Vec<LabResultRecord>, AppError> {
    Ok(store.result_queue(limit).await?)
}

/// The phones to call the patients of `queue` on: the one each gave when registering, by registration id.
pub async fn phones_to_call<S: LabStore>(
    store: &S,
    queue: &[LabResultRecord],
) -> Result<std::collections::HashMap<i64, String>, AppError> {
    let ids: Vec<i64> = queue.iter().filter_map(|r| r.result.registration_id).collect();
    Ok(store.registered_phones(&ids).await?.into_iter().collect())
}

/// The results registered to a patient's phone, for their own page after signing in with a code sent to it. The
/// other tests of a panel (recorded only: neither texted nor queued) are not this service's to show.
pub async fn of_patient<S: LabStore>(store: &S, phone: &str) -> Result<Vec<LabResultRecord>, AppError> {
    let registrations = store.registrations_for(&[], std::slice::from_ref(&phone.to_owned())).await?;
    let ids: Vec<i64> = registrations.iter().map(|r| r.id).collect();
    let mut results = store.results_of_registrations(&ids).await?;
    results.retain(|r| r.result.texted || r.result.reason.is_some());
    Ok(results)
}

#[cfg(test)]
mod tests;
