//! The lab results port: raw messages (kept for audit, deduped by sending facility and control id), results (deduped
//! by lab, filler order, test and status) written with their SMS in one transaction, registrations for results, and the
//! clinicians' queue. Both SQL stores implement it and pass the conformance suite.

use std::future::Future;

use surge_domain::audit::AuditEntry;
use surge_results::Registration;
use time::{Date, OffsetDateTime};

use crate::{OutboxMessage, StoreError};

/// A received message as it is kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewLabMessage {
    pub sending_facility: String,
    /// MSH-10, or `sha256:…` of an unreadable message.
    pub control_id: String,
    pub raw: String,
    /// The ACK code sent: `AA`, `AE`, `AR`.
    pub ack_code: String,
    pub error: Option<String>,
    pub received_at: OffsetDateTime,
}

/// One result to keep, with where it went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewLabResult {
    /// The lab that sent it: MSH-4, the CSV's `lab`, the FHIR Bundle's organisation.
    pub lab: String,
    /// The whole filler order identifier with its namespace (`surge_results::Order::filler_order_id`); with the
    /// lab, test code and status, what makes a result unique.
    pub filler_order: String,
    pub test_code: String,
    /// OBX-11.
    pub status: String,
    pub specimen_id: String,
    pub test_name: String,
    /// `not_detected`, `detected` …
    pub interpretation: String,
    /// OBX-5 as sent.
    pub value: String,
    pub family: String,
    pub given: String,
    pub birth_date: Option<Date>,
    pub collected_at: String,
    pub performing_lab: String,
    pub registration_id: Option<i64>,
    /// Texted automatically; otherwise, with a `reason`, in the clinicians' queue; with neither, only recorded (another
    /// test of a multiplex panel).
    pub texted: bool,
    pub reason: Option<String>,
    /// Lower is more urgent.
    pub urgency: u8,
}

/// The key of a result's text to its patient, and of its events: its stored id, which no lab's identifiers can make
/// collide with another result's. The store gives each result's SMS this key when it stores the result.
pub fn result_text_key(id: i64) -> String {
    format!("result:{id}")
}

/// The key of the duty clinician's alert for a result.
pub fn result_alert_key(id: i64) -> String {
    format!("result-alert:{id}")
}

/// A result as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabResultRecord {
    pub id: i64,
    pub message_id: i64,
    pub result: NewLabResult,
    /// `open` while waiting for a clinician; then `called_reached`, `called_not_reached` or `released`; `None`
    /// for texted results.
    pub queue_state: Option<String>,
    pub handled_by: Option<String>,
    pub received_at: OffsetDateTime,
    /// The result's slot in the status list, given when its negative is texted (automatically or released).
    pub status_index: Option<u64>,
    /// The signed result (`EP1:` text), made the first time the patient opens it.
    pub certificate: Option<String>,
}

/// A registration to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRegistration {
    pub specimen_id: Option<String>,
    /// E.164.
    pub phone: Option<String>,
    pub family: String,
    pub given: String,
    pub birth_date: Date,
    pub created_at: OffsetDateTime,
}

/// What storing a message did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Recorded {
    pub message_id: i64,
    /// The same message (facility and control id) came before: nothing new was stored.
    pub duplicate: bool,
    /// Results stored now (a result seen before is skipped, and its SMS with it).
    pub new_results: usize,
    /// Of those, the ones texted automatically.
    pub new_texted: usize,
}

pub trait LabStore: Send + Sync {
    /// Stores a message and its results, each with its SMS (the patient's text for a texted result, the duty
    /// clinician's alert for a queued one), in one transaction; a message seen before stores nothing. Each SMS is
    /// keyed by its result's id (`result_text_key`, `result_alert_key`), whatever key it came with. A texted
    /// result gets a status-list slot; a result queued as `corrected_after_text`
    /// revokes the slots of the negatives texted before for the same lab, order and test.
    fn record_lab_message(
        &self,
        message: &NewLabMessage,
        results: &[(NewLabResult, Option<OutboxMessage>)],
    ) -> impl Future<Output = Result<Recorded, StoreError>> + Send;

    /// The ACK code and error first sent for this message, if it was received before.
    fn lab_message_ack(
        &self,
        sending_facility: &str,
        control_id: &str,
    ) -> impl Future<Output = Result<Option<(String, Option<String>)>, StoreError>> + Send;

    fn insert_registration(
        &self,
        registration: &NewRegistration,
    ) -> impl Future<Output = Result<i64, StoreError>> + Send;

    /// Stores many registrations in one transaction (a collection site's list); all or none.
    fn insert_registrations(
        &self,
        registrations: &[NewRegistration],
    ) -> impl Future<Output = Result<u64, StoreError>> + Send;

    /// Registrations with one of these specimen numbers or phones.
    fn registrations_for(
        &self,
        specimen_ids: &[String],
        phones: &[String],
    ) -> impl Future<Output = Result<Vec<Registration>, StoreError>> + Send;

    /// Whether a not-detected result from this lab for this order and test was texted.
    fn texted_negative(
        &self,
        lab: &str,
        filler_order: &str,
        test_code: &str,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// Open queue items, most urgent first, then oldest.
    fn result_queue(&self, limit: u32) -> impl Future<Output = Result<Vec<LabResultRecord>, StoreError>> + Send;

    /// The phones (E.164) the patients gave when they registered, by registration id, for clinicians to call.
    fn registered_phones(
        &self,
        registration_ids: &[i64],
    ) -> impl Future<Output = Result<Vec<(i64, String)>, StoreError>> + Send;

    fn lab_result(&self, id: i64) -> impl Future<Output = Result<LabResultRecord, StoreError>> + Send;

    /// The results matched to these registrations, newest first.
    fn results_of_registrations(
        &self,
        registration_ids: &[i64],
    ) -> impl Future<Output = Result<Vec<LabResultRecord>, StoreError>> + Send;

    /// Deletes the raw text of messages received before `before` (the retention period); what they came to stays.
    /// Returns how many were cleared.
    fn purge_lab_messages(&self, before: OffsetDateTime) -> impl Future<Output = Result<u64, StoreError>> + Send;

    /// Closes an open queue item as `state`, with its audit entry and, for a release, the SMS (keyed by
    /// `result_text_key`) and a status-list slot; `Conflict` if it is not open.
    fn handle_lab_result(
        &self,
        id: i64,
        state: &str,
        audit: &AuditEntry,
        sms: Option<&OutboxMessage>,
        now: OffsetDateTime,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Keeps the signed result of a texted result unless one was kept before, and returns the one kept: two
    /// first views at once agree on one certificate. `NotFound` if the result has no status-list slot.
    fn set_result_certificate(
        &self,
        id: i64,
        certificate: &str,
    ) -> impl Future<Output = Result<String, StoreError>> + Send;
}
