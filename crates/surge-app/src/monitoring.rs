//! Patient monitoring's use cases: facilities, admitting a patient (by hand or from a positive result), a report
//! of observations scored with NEWS2 and checked against the hard triggers, the board in order of urgency, moving
//! an admission on (transfer, discharge) with its text, and the check-in follower that texts reminders and raises
//! missed check-ins. Time is a parameter; the rules are `surge_monitoring`'s.

mod port;

pub use port::*;

use surge_domain::audit::AuditEntry;
use surge_domain::notify::Templates;
use surge_domain::{FieldError, LocalZone, Phone};
use surge_monitoring::{
    AdmissionState, CheckIns, HardTrigger, News2, Reason, Risk, Spo2Scale, Standing, Step, Symptom, Trend, Vitals,
    day_of_illness, rising_score, urgency,
};
use time::{Date, Duration, OffsetDateTime};

use crate::{AppError, OutboxMessage, StoreError};

/// What the module is set to (`[monitoring]`).
#[derive(Debug, Clone)]
pub struct MonitoringSettings {
    pub zone: LocalZone,
    pub triggers: Vec<HardTrigger>,
    /// A report answers a check-in from this long before it …
    pub early: Duration,
    /// … until this long after.
    pub within: Duration,
    /// Duty clinicians' phones (E.164), texted when a patient misses check-ins in a row.
    pub duty_phones: Vec<String>,
    /// The language of the duty clinicians' texts (`ko` or `en`).
    pub duty_language: String,
    /// The number a patient calls when they feel worse.
    pub help_phone: String,
    /// The default region phones are read in (`KR`).
    pub region: String,
}

impl Default for MonitoringSettings {
    fn default() -> Self {
        MonitoringSettings {
            zone: LocalZone::default(),
            triggers: HardTrigger::defaults(),
            early: Duration::hours(1),
            within: Duration::hours(2),
            duty_phones: Vec::new(),
            duty_language: "ko".to_owned(),
            help_phone: "1339".to_owned(),
            region: "KR".to_owned(),
        }
    }
}

impl MonitoringSettings {
    fn check_ins(&self, facility: &FacilityRecord) -> Result<CheckIns, AppError> {
        let times = CheckIns::parse_times(&facility.check_in_times)
            .map_err(|e| StoreError::Corrupt(format!("facility {}: {e}", facility.id)))?;
        CheckIns::new(times, self.early, self.within).map_err(|e| AppError::Store(StoreError::Corrupt(e.to_string())))
    }
}

fn text_of(kind: &str, lang: &str, values: &[(&str, &str)]) -> Result<String, AppError> {
    let lang = if lang == "en" { "en" } else { "ko" };
    Templates::builtin().render(kind, lang, values).map_err(|e| AppError::Signing(e.to_string()))
}

fn plain(field: &'static str, text: &str, max: usize, required: bool, errors: &mut Vec<FieldError>) -> String {
    let text = text.trim();
    if required && text.is_empty() {
        errors.push(FieldError::new(field, "required", "Enter this"));
    } else if text.chars().count() > max {
        errors.push(FieldError::new(field, "too_long", format!("Use {max} characters or fewer")));
    } else if text.chars().any(surge_domain::is_unsafe_char) {
        errors.push(FieldError::new(field, "invalid_characters", "Use letters, numbers and punctuation only"));
    }
    text.to_owned()
}

fn iso_date(field: &'static str, text: &str, today: Date, errors: &mut Vec<FieldError>) -> Option<Date> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    match Date::parse(text.trim(), &format) {
        Ok(d) if d > today => {
            errors.push(FieldError::new(field, "date_in_future", "The date cannot be after today"));
            None
        }
        Ok(d) if d < today - Duration::days(365) => {
            errors.push(FieldError::new(field, "date_too_old", "The date must be within the last year"));
            None
        }
        Ok(d) => Some(d),
        Err(_) => {
            errors.push(FieldError::new(field, "date_invalid", "Enter a date such as 2026-03-01"));
            None
        }
    }
}

/// Adds a facility; the check-in times are checked here so the follower never meets a bad one.
pub async fn add_facility<S: Monitoring>(
    store: &S,
    name: &str,
    kind: &str,
    capacity: u32,
    check_in_times: &str,
    now: OffsetDateTime,
) -> Result<i64, AppError> {
    let mut errors = Vec::new();
    let name = plain("name", name, 100, true, &mut errors);
    if !matches!(kind, "centre" | "home") {
        errors.push(FieldError::new("kind", "kind_invalid", "Choose a treatment centre or home isolation"));
    }
    if capacity == 0 || capacity > 100_000 {
        errors.push(FieldError::new("capacity", "capacity_invalid", "Enter a capacity from 1 to 100000"));
    }
    let times = match CheckIns::parse_times(check_in_times)
        .and_then(|t| CheckIns::new(t, Duration::ZERO, Duration::hours(1)))
    {
        Ok(c) => c.times().iter().map(|t| format!("{:02}:{:02}", t.hour(), t.minute())).collect::<Vec<_>>().join(","),
        Err(_) => {
            let message = "Enter one to six different times such as 09:00, 17:00";
            errors.push(FieldError::new("check_in_times", "check_in_times_invalid", message));
            String::new()
        }
    };
    if !errors.is_empty() {
        return Err(AppError::InvalidForm(errors));
    }
    let facility = NewFacility { name, kind: kind.to_owned(), capacity, check_in_times: times, created_at: now };
    store.insert_facility(&facility).await.map_err(|e| match e {
        StoreError::Conflict => {
            AppError::Refused { code: "facility_exists", message: "A facility has this name already".to_owned() }
        }
        other => other.into(),
    })
}

/// Every facility, with how many patients it has now.
pub async fn facilities<S: Monitoring>(store: &S) -> Result<Vec<FacilityRecord>, AppError> {
    Ok(store.facilities().await?)
}

/// An admission as typed by a clinician (or filled from a positive result).
#[derive(Debug, Clone, Default)]
pub struct AdmitRequest {
    pub facility_id: i64,
    pub name: String,
    pub birth_date: String,
    pub phone: String,
    pub onset: String,
    pub confirmed_on: String,
    pub comorbidities: String,
    pub room: String,
    pub spo2_scale: Option<u8>,
    pub lab_result_id: Option<i64>,
    pub language: String,
}

/// Admits a patient: every field checked (all problems at once), the audit entry, and the welcome text naming the
/// check-in times.
pub async fn admit<S: Monitoring>(
    store: &S,
    settings: &MonitoringSettings,
    request: &AdmitRequest,
    actor: &str,
    now: OffsetDateTime,
) -> Result<i64, AppError> {
    let today = settings.zone.date_of(now);
    let mut errors = Vec::new();
    let name = plain("name", &request.name, 100, true, &mut errors);
    let birth_date = match surge_domain::parse_date_of_birth(&request.birth_date, today) {
        Ok(d) => Some(d),
        Err(e) => {
            errors.push(FieldError::new("birth_date", "birth_date_invalid", e.message()));
            None
        }
    };
    let phone = match Phone::parse(&request.phone, &settings.region) {
        Ok(p) => Some(p),
        Err(message) => {
            errors.push(FieldError::new("phone", "phone_invalid", message));
            None
        }
    };
    let onset = iso_date("onset", &request.onset, today, &mut errors);
    let confirmed_on = iso_date("confirmed_on", &request.confirmed_on, today, &mut errors);
    let comorbidities = plain("comorbidities", &request.comorbidities, 500, false, &mut errors);
    let room = plain("room", &request.room, 20, false, &mut errors);
    let spo2_scale = request.spo2_scale.unwrap_or(1);
    if Spo2Scale::from_number(i64::from(spo2_scale)).is_none() {
        errors.push(FieldError::new("spo2_scale", "spo2_scale_invalid", "Choose SpO2 scale 1 or 2"));
    }
    let language = if request.language == "en" { "en" } else { "ko" };
    let (Some(birth_date), Some(phone), Some(onset), Some(confirmed_on)) = (birth_date, phone, onset, confirmed_on)
    else {
        return Err(AppError::InvalidForm(errors));
    };
    if !errors.is_empty() {
        return Err(AppError::InvalidForm(errors));
    }
    let facility = store.facilities().await?.into_iter().find(|f| f.id == request.facility_id).ok_or_else(|| {
        AppError::InvalidForm(vec![FieldError::new("facility_id", "facility_unknown", "Choose a facility")])
    })?;
    let admission = NewAdmission {
        facility_id: facility.id,
        name,
        birth_date,
        phone: phone.as_str().to_owned(),
        onset,
        confirmed_on,
        comorbidities,
        room,
        spo2_scale,
        lab_result_id: request.lab_result_id,
        language: language.to_owned(),
        admitted_at: now,
    };
    let times = facility.check_in_times.replace(',', ", ");
    let body = text_of(
        "monitoring_admitted",
        language,
        &[("facility", &facility.name), ("times", &times), ("help", &settings.help_phone)],
    )?;
    let sms = OutboxMessage {
        idempotency_key: format!("monitoring-admitted:{}:{}", admission.phone, now.unix_timestamp()),
        kind: "monitoring_admitted".to_owned(),
        recipient: admission.phone.clone(),
        body,
    };
    let audit = AuditEntry {
        actor: actor.to_owned(),
        action: "monitoring.admit".to_owned(),
        subject: format!("facility:{}", facility.id),
        detail: match request.lab_result_id {
            Some(id) => format!("from lab result {id}"),
            None => "by hand".to_owned(),
        },
    };
    store.admit(&admission, &audit, Some(&sms)).await.map_err(|e| match e {
        StoreError::Conflict => AppError::Refused {
            code: "already_admitted",
            message: "This person is already admitted, or this result has started an admission".to_owned(),
        },
        StoreError::QuotaExceeded { .. } => {
            AppError::Refused { code: "facility_full", message: "The facility has no free place".to_owned() }
        }
        other => other.into(),
    })
}

/// Where a report came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Patient,
    Device,
    Staff,
}

impl Source {
    pub fn code(self) -> &'static str {
        match self {
            Source::Patient => "patient",
            Source::Device => "device",
            Source::Staff => "staff",
        }
    }
}

/// One set of observations to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    pub vitals: Vitals,
    pub symptoms: Vec<Symptom>,
    pub note: String,
    pub source: Source,
    pub source_key: Option<String>,
    pub observed_at: OffsetDateTime,
}

/// What a recorded report scored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportOutcome {
    pub recorded: Recorded,
    pub news2: News2,
    pub hard_triggers: Vec<HardTrigger>,
    pub rising: bool,
}

/// A clock may run a little ahead of ours; an observation further ahead is refused.
const FUTURE_SKEW: Duration = Duration::minutes(5);

/// Records a report: scored on the patient's SpO2 scale (whatever was observed), checked against the hard
/// triggers and the previous score, with an alert for each trigger, a medium or high score and a rising one.
pub async fn record_report<S: Monitoring>(
    store: &S,
    settings: &MonitoringSettings,
    admission_id: i64,
    report: &Report,
    now: OffsetDateTime,
) -> Result<ReportOutcome, AppError> {
    let record = store.admission(admission_id).await?;
    if !record.state.is_open() {
        return Err(AppError::Refused { code: "admission_closed", message: "This admission has ended".to_owned() });
    }
    if report.observed_at > now + FUTURE_SKEW {
        return Err(unprocessable("observed_at_future", "observed_at", "The time observed is in the future"));
    }
    if report.observed_at < record.admission.admitted_at - Duration::days(1) {
        return Err(unprocessable("observed_at_too_old", "observed_at", "The time observed is before the admission"));
    }
    let nothing = surge_monitoring::Parameter::ALL.iter().all(|p| !report.vitals.has(*p));
    if nothing && report.symptoms.is_empty() && report.note.trim().is_empty() {
        return Err(unprocessable("report_empty", "vitals", "Enter at least one reading or symptom"));
    }
    let mut errors = Vec::new();
    let note = plain("note", &report.note, 1000, false, &mut errors);
    let source_key = report.source_key.as_deref().map(|k| plain("source_key", k, 200, false, &mut errors));
    if !errors.is_empty() {
        return Err(AppError::InvalidForm(errors));
    }
    let scale = Spo2Scale::from_number(i64::from(record.admission.spo2_scale)).unwrap_or_default();
    let news2 = News2::of(&report.vitals, scale);
    let fired: Vec<HardTrigger> =
        settings.triggers.iter().copied().filter(|t| t.fires(&report.vitals, scale)).collect();
    let previous = store.latest_observations(&[admission_id], 1).await?;
    let previous = previous
        .first()
        .filter(|p| p.observation.observed_at <= report.observed_at)
        .map(|p| News2::of(&p.observation.vitals, scale));
    let rising = rising_score(previous.as_ref(), &news2);
    let mut symptoms: Vec<&str> = report.symptoms.iter().map(|s| s.code()).collect();
    symptoms.sort_unstable();
    symptoms.dedup();
    let observation = NewObservation {
        admission_id,
        source: report.source.code().to_owned(),
        source_key: source_key.filter(|k| !k.is_empty()),
        observed_at: report.observed_at,
        received_at: now,
        vitals: report.vitals,
        spo2_scale: scale.number(),
        news2: news2.total(),
        risk: news2.risk(),
        complete: news2.is_complete(),
        hard_triggers: fired.iter().map(ToString::to_string).collect::<Vec<_>>().join(";"),
        symptoms: symptoms.join(";"),
        note,
    };
    let key = format!("{admission_id}:{}:{}", report.observed_at.unix_timestamp(), report.source.code());
    let alert = |kind: &str, detail: String| NewMonitoringAlert {
        admission_id,
        kind: kind.to_owned(),
        detail,
        at: now,
        key: format!("{kind}:{key}"),
    };
    let mut alerts = Vec::new();
    if !fired.is_empty() {
        alerts.push(alert("hard_trigger", observation.hard_triggers.clone()));
    }
    if news2.risk() >= Risk::Medium {
        alerts.push(alert("high_score", format!("NEWS2 {} ({})", news2.total(), news2.risk().code())));
    }
    if rising {
        let before = previous.map_or(0, |p| p.total());
        alerts.push(alert("rising_score", format!("NEWS2 {before} → {}", news2.total())));
    }
    let first_audit = AuditEntry {
        actor: "system".to_owned(),
        action: "monitoring.first_report".to_owned(),
        subject: format!("admission:{admission_id}"),
        detail: report.source.code().to_owned(),
    };
    let recorded = store.record_observation(&observation, &alerts, &first_audit).await.map_err(|e| match e {
        StoreError::Conflict => {
            AppError::Refused { code: "admission_closed", message: "This admission has ended".to_owned() }
        }
        other => other.into(),
    })?;
    Ok(ReportOutcome { recorded, news2, hard_triggers: fired, rising })
}

fn unprocessable(code: &'static str, field: &'static str, message: &str) -> AppError {
    AppError::Unprocessable { code, field: Some(field), message: message.to_owned() }
}

/// Moves an admission on (to monitoring, a transfer to hospital, a discharge) with the reason; the patient is
/// texted about a transfer or a discharge in the language of their admission.
pub async fn move_admission<S: Monitoring>(
    store: &S,
    id: i64,
    to: AdmissionState,
    reason: &str,
    actor: &str,
    now: OffsetDateTime,
) -> Result<(), AppError> {
    let reason = Reason::parse(reason)
        .map_err(|e| AppError::InvalidForm(vec![FieldError::new("reason", e.code(), e.to_string())]))?;
    let record = store.admission(id).await?;
    let from = record.state;
    from.move_to(to).map_err(|e| AppError::Refused { code: e.code(), message: e.to_string() })?;
    let kind = match to {
        AdmissionState::Transferred => Some("monitoring_transferred"),
        AdmissionState::Discharged => Some("monitoring_discharged"),
        AdmissionState::Admitted | AdmissionState::Monitoring => None,
    };
    let sms = match kind {
        Some(kind) => Some(OutboxMessage {
            idempotency_key: format!("{kind}:{id}"),
            kind: kind.to_owned(),
            recipient: record.admission.phone.clone(),
            body: text_of(kind, &record.admission.language, &[("reason", reason.as_str())])?,
        }),
        None => None,
    };
    let audit = AuditEntry {
        actor: actor.to_owned(),
        action: format!("monitoring.{}", to.code()),
        subject: format!("admission:{id}"),
        detail: reason.as_str().to_owned(),
    };
    let change = AdmissionMove { id, from, to, reason: reason.as_str().to_owned(), at: now };
    Ok(store.move_admission(&change, &audit, sms.as_ref()).await?)
}

/// One row of the board.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BoardRow {
    pub record: AdmissionRecord,
    pub facility: String,
    pub day_of_illness: i64,
    pub latest: Option<ObservationRecord>,
    /// The latest score, recomputed from its observations on the patient's scale.
    pub news2: Option<News2>,
    pub trend: Option<Trend>,
    pub hard_triggers: Vec<String>,
    pub rising: bool,
}

impl BoardRow {
    pub fn standing(&self) -> Standing {
        Standing {
            latest: self.news2,
            hard_trigger: !self.hard_triggers.is_empty(),
            missed_in_row: self.record.follow.missed_in_row,
            rising: self.rising,
            last_report: self.record.last_report_at,
        }
    }
}

/// The board: every admission the filter takes, with its latest observations and flags, most urgent first.
pub async fn board<S: Monitoring>(
    store: &S,
    settings: &MonitoringSettings,
    filter: &AdmissionFilter,
    now: OffsetDateTime,
) -> Result<Vec<BoardRow>, AppError> {
    let facilities = store.facilities().await?;
    let admissions = store.admissions(filter).await?;
    let ids: Vec<i64> = admissions.iter().map(|a| a.id).collect();
    let latest = store.latest_observations(&ids, 2).await?;
    let today = settings.zone.date_of(now);
    let mut rows: Vec<BoardRow> = admissions
        .into_iter()
        .map(|record| {
            let scale = Spo2Scale::from_number(i64::from(record.admission.spo2_scale)).unwrap_or_default();
            let mine: Vec<&ObservationRecord> =
                latest.iter().filter(|o| o.observation.admission_id == record.id).collect();
            let news2 = mine.first().map(|o| News2::of(&o.observation.vitals, scale));
            let before = mine.get(1).map(|o| News2::of(&o.observation.vitals, scale));
            let trend = news2.as_ref().map(|n| Trend::of(before.as_ref(), n));
            let rising = news2.as_ref().is_some_and(|n| rising_score(before.as_ref(), n));
            let hard_triggers = mine
                .first()
                .map(|o| o.observation.hard_triggers.split(';').filter(|t| !t.is_empty()).map(str::to_owned).collect())
                .unwrap_or_default();
            let facility = facilities
                .iter()
                .find(|f| f.id == record.admission.facility_id)
                .map(|f| f.name.clone())
                .unwrap_or_default();
            let day_of_illness = day_of_illness(record.admission.onset, today);
            BoardRow {
                latest: mine.first().map(|o| (*o).clone()),
                record,
                facility,
                day_of_illness,
                news2,
                trend,
                hard_triggers,
                rising,
            }
        })
        .collect();
    rows.sort_by_cached_key(|r| (urgency(&r.standing()), r.record.id));
    Ok(rows)
}

/// What one pass of the check-in follower did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FollowOutcome {
    pub reminders: usize,
    pub missed: usize,
    /// Admissions another follower moved first; they are left to it.
    pub skipped: usize,
}

/// The check-in follower's step for every open admission: a reminder with the report link for each check-in that
/// fell due and is still open, each check-in that closed judged answered or missed, and at a second miss in a row
/// (and each after) a text to the patient and to the duty clinicians. `link` gives an admission's report link.
pub async fn follow_check_ins<S: Monitoring>(
    store: &S,
    settings: &MonitoringSettings,
    now: OffsetDateTime,
    link: impl Fn(&AdmissionRecord) -> String,
) -> Result<FollowOutcome, AppError> {
    let facilities = store.facilities().await?;
    let open = store.admissions(&AdmissionFilter { facility_id: None, open_only: true }).await?;
    let mut outcome = FollowOutcome::default();
    for record in open {
        let Some(facility) = facilities.iter().find(|f| f.id == record.admission.facility_id) else { continue };
        let check_ins = settings.check_ins(facility)?;
        let from = record.follow;
        if now <= from.reminded_to && now <= from.followed_to {
            continue;
        }
        let language = record.admission.language.as_str();
        let patient_link = link(&record);
        let mut texts = Vec::new();
        let mut alerts = Vec::new();
        // Only reminders for check-ins still open: after an outage nobody is sent yesterday's.
        let due = check_ins.due_between(settings.zone, from.reminded_to + Duration::SECOND, now + Duration::SECOND);
        for check_in in due.iter().filter(|c| c.closes > now) {
            let local = settings.zone.local(check_in.due);
            let time = format!("{:02}:{:02}", local.hour(), local.minute());
            texts.push(OutboxMessage {
                idempotency_key: format!("monitoring-check-in:{}:{}", record.id, check_in.due.unix_timestamp()),
                kind: "monitoring_check_in".to_owned(),
                recipient: record.admission.phone.clone(),
                body: text_of("monitoring_check_in", language, &[("time", &time), ("link", &patient_link)])?,
            });
            outcome.reminders += 1;
        }
        let reports = store.report_times(record.id, from.followed_to - check_ins.within() - check_ins.early()).await?;
        let steps = check_ins.follow(
            settings.zone,
            record.admission.admitted_at,
            from.followed_to,
            now,
            &reports,
            from.missed_in_row,
        );
        let mut missed_in_row = from.missed_in_row;
        for step in steps {
            match step {
                Step::Answered(_) => missed_in_row = 0,
                Step::Missed { check_in, in_row } => {
                    missed_in_row = in_row;
                    outcome.missed += 1;
                    let due = check_in.due.unix_timestamp();
                    alerts.push(NewMonitoringAlert {
                        admission_id: record.id,
                        kind: "missed_check_in".to_owned(),
                        detail: format!("{} ({in_row} in a row)", settings.zone.display(check_in.due)),
                        at: now,
                        key: format!("missed:{}:{due}", record.id),
                    });
                    if in_row >= 2 {
                        let count = in_row.to_string();
                        texts.push(OutboxMessage {
                            idempotency_key: format!("monitoring-missed:{}:{due}", record.id),
                            kind: "monitoring_missed".to_owned(),
                            recipient: record.admission.phone.clone(),
                            body: text_of(
                                "monitoring_missed",
                                language,
                                &[("count", &count), ("link", &patient_link), ("help", &settings.help_phone)],
                            )?,
                        });
                        let initials = surge_domain::names::initials(&record.admission.name);
                        let room = if record.admission.room.is_empty() { "-" } else { &record.admission.room };
                        for phone in &settings.duty_phones {
                            texts.push(OutboxMessage {
                                idempotency_key: format!("monitoring-missed-alert:{}:{due}:{phone}", record.id),
                                kind: "monitoring_missed_alert".to_owned(),
                                recipient: phone.clone(),
                                body: text_of(
                                    "monitoring_missed_alert",
                                    &settings.duty_language,
                                    &[
                                        ("initials", &initials),
                                        ("room", room),
                                        ("facility", &facility.name),
                                        ("count", &count),
                                    ],
                                )?,
                            });
                        }
                    }
                }
            }
        }
        let to =
            Follow { reminded_to: now.max(from.reminded_to), followed_to: now.max(from.followed_to), missed_in_row };
        match store.advance_follow(record.id, &from, &to, &texts, &alerts).await {
            Ok(()) => {}
            Err(StoreError::Conflict) => outcome.skipped += 1,
            Err(e) => return Err(e.into()),
        }
    }
    Ok(outcome)
}
