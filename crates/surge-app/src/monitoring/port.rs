//! The monitoring port: facilities, admissions and their state, observations with their scores, notes and calls,
//! alerts, and the check-in follower's progress. Both SQL stores implement it and pass the conformance suite.

use std::future::Future;

use surge_domain::audit::AuditEntry;
use surge_monitoring::{AdmissionState, Risk, Vitals};
use time::{Date, OffsetDateTime};

use crate::{OutboxMessage, StoreError};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewFacility {
    pub name: String,
    /// `centre` (a residential treatment centre) or `home` (home isolation, a virtual facility).
    pub kind: String,
    pub capacity: u32,
    /// `09:00,17:00`: local times of the day's check-ins.
    pub check_in_times: String,
    pub created_at: OffsetDateTime,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FacilityRecord {
    pub id: i64,
    pub name: String,
    pub kind: String,
    pub capacity: u32,
    pub check_in_times: String,
    /// Admissions admitted or monitoring now.
    pub open_admissions: u32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAdmission {
    pub facility_id: i64,
    pub name: String,
    pub birth_date: Date,
    /// E.164.
    pub phone: String,
    pub onset: Date,
    pub confirmed_on: Date,
    pub comorbidities: String,
    pub room: String,
    /// 1, or 2 when a clinician set it.
    pub spo2_scale: u8,
    /// The positive result the admission came from.
    pub lab_result_id: Option<i64>,
    /// `ko` or `en`: the language of the patient's texts and report page.
    pub language: String,
    pub admitted_at: OffsetDateTime,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdmissionRecord {
    pub id: i64,
    pub admission: NewAdmission,
    pub state: AdmissionState,
    pub state_reason: Option<String>,
    pub updated_at: OffsetDateTime,
    pub closed_at: Option<OffsetDateTime>,
    /// A reference to the patient's image studies (the imaging module's study id), when there are any.
    pub imaging_ref: Option<String>,
    pub follow: Follow,
    pub last_report_at: Option<OffsetDateTime>,
}

/// How far the check-in follower has gone for an admission: reminders texted for check-ins due up to
/// `reminded_to`, check-ins closing up to `followed_to` judged, and the misses in a row at that point.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Follow {
    pub reminded_to: OffsetDateTime,
    pub followed_to: OffsetDateTime,
    pub missed_in_row: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct AdmissionFilter {
    pub facility_id: Option<i64>,
    /// Only admitted and monitoring.
    pub open_only: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewObservation {
    pub admission_id: i64,
    /// `patient` (the report page), `device` (FHIR from a device or hospital system), `staff`.
    pub source: String,
    /// The sender's own identifier of the observation, so a retried send is stored once.
    pub source_key: Option<String>,
    pub observed_at: OffsetDateTime,
    pub received_at: OffsetDateTime,
    pub vitals: Vitals,
    pub spo2_scale: u8,
    /// NEWS2 of the parameters observed, and whether all seven were.
    pub news2: u8,
    pub risk: Risk,
    pub complete: bool,
    /// The hard triggers it tripped, as their settings read (`spo2 <= 94`), separated by `;`.
    pub hard_triggers: String,
    /// Symptom codes (`fever`, `cough`, …) separated by `;`.
    pub symptoms: String,
    pub note: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObservationRecord {
    pub id: i64,
    pub observation: NewObservation,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewNote {
    pub admission_id: i64,
    /// `note`, `call`, `video`.
    pub kind: String,
    pub body: String,
    /// A video consultation's address.
    pub link: Option<String>,
    pub author: String,
    pub at: OffsetDateTime,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoteRecord {
    pub id: i64,
    pub note: NewNote,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMonitoringAlert {
    pub admission_id: i64,
    /// `missed_check_in`, `hard_trigger`, `rising_score`, `high_score`.
    pub kind: String,
    pub detail: String,
    pub at: OffsetDateTime,
    /// Raised once per key (`missed:{admission}:{due}`): a follower run twice raises nothing twice.
    pub key: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MonitoringAlertRecord {
    pub id: i64,
    pub alert: NewMonitoringAlert,
}

/// A change of an admission's state, with its reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdmissionMove {
    pub id: i64,
    pub from: AdmissionState,
    pub to: AdmissionState,
    pub reason: String,
    pub at: OffsetDateTime,
}

/// What recording an observation did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recorded {
    Stored(i64),
    /// The same sender's key was stored before: nothing new.
    Repeated,
}

pub trait Monitoring: Send + Sync {
    /// `Conflict` if a facility has the name already.
    fn insert_facility(&self, facility: &NewFacility) -> impl Future<Output = Result<i64, StoreError>> + Send;

    fn facilities(&self) -> impl Future<Output = Result<Vec<FacilityRecord>, StoreError>> + Send;

    /// Admits a patient with the audit entry and the welcome text, in one transaction. Check-ins are followed from
    /// the admission. `Conflict` if the person (phone and birth date) has an open admission or the result has
    /// started one; `QuotaExceeded` if the facility is full; `NotFound` if there is no such facility.
    fn admit(
        &self,
        admission: &NewAdmission,
        audit: &AuditEntry,
        sms: Option<&OutboxMessage>,
    ) -> impl Future<Output = Result<i64, StoreError>> + Send;

    fn admission(&self, id: i64) -> impl Future<Output = Result<AdmissionRecord, StoreError>> + Send;

    /// Admissions by admission time, newest first.
    fn admissions(
        &self,
        filter: &AdmissionFilter,
    ) -> impl Future<Output = Result<Vec<AdmissionRecord>, StoreError>> + Send;

    /// Stores a set of observations with the alerts it raised; the first moves the admission from admitted to
    /// monitoring (with `first_audit`). `Conflict` if the admission is closed, `NotFound` if there is none.
    fn record_observation(
        &self,
        observation: &NewObservation,
        alerts: &[NewMonitoringAlert],
        first_audit: &AuditEntry,
    ) -> impl Future<Output = Result<Recorded, StoreError>> + Send;

    /// An admission's observations in the order they were observed, oldest first.
    fn observations(
        &self,
        admission_id: i64,
    ) -> impl Future<Output = Result<Vec<ObservationRecord>, StoreError>> + Send;

    /// The last `per` observations (by time observed) of each of these admissions, newest first within each.
    fn latest_observations(
        &self,
        admission_ids: &[i64],
        per: u32,
    ) -> impl Future<Output = Result<Vec<ObservationRecord>, StoreError>> + Send;

    /// When each report of an admission received at or after `since` came in.
    fn report_times(
        &self,
        admission_id: i64,
        since: OffsetDateTime,
    ) -> impl Future<Output = Result<Vec<OffsetDateTime>, StoreError>> + Send;

    /// Moves an admission with the audit entry and the patient's text, in one transaction; `Conflict` if it is no
    /// longer in the state the move starts from.
    fn move_admission(
        &self,
        change: &AdmissionMove,
        audit: &AuditEntry,
        sms: Option<&OutboxMessage>,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Advances the check-in follower from `from` to `to` with the texts and alerts that step makes, in one
    /// transaction; `Conflict` if another follower moved it first (nothing of this step is then stored).
    fn advance_follow(
        &self,
        id: i64,
        from: &Follow,
        to: &Follow,
        texts: &[OutboxMessage],
        alerts: &[NewMonitoringAlert],
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    fn add_note(&self, note: &NewNote) -> impl Future<Output = Result<i64, StoreError>> + Send;

    /// An admission's notes, calls and consultations, oldest first.
    fn notes(&self, admission_id: i64) -> impl Future<Output = Result<Vec<NoteRecord>, StoreError>> + Send;

    /// Alerts of these admissions raised at or after `since`, newest first.
    fn monitoring_alerts(
        &self,
        admission_ids: &[i64],
        since: OffsetDateTime,
    ) -> impl Future<Output = Result<Vec<MonitoringAlertRecord>, StoreError>> + Send;

    /// Deletes the observations, notes and alerts of admissions closed before `before` (the retention period);
    /// the admission itself and its audit entries stay. Returns how many observations were deleted.
    fn purge_closed_admissions(&self, before: OffsetDateTime) -> impl Future<Output = Result<u64, StoreError>> + Send;
}
