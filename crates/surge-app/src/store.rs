//! The storage ports' records and errors: what the use cases hand to a database and get back. The ports themselves
//! are in `ports`; the SQLite and PostgreSQL crates implement them and pass one conformance suite (`surge-testkit`).

use surge_domain::{Application, ApplicationStatus, DocumentKind, EmployeeRow, OrgStatus, Registration, Screening};
pub use surge_domain::{BatchStatus, FactKind, KeyScope, PassStatus, Role};
use time::OffsetDateTime;

/// Storage failures, with stable codes. Backend errors are reduced to text here and never leak backend types.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("not found")]
    NotFound,
    /// The record changed since it was read (optimistic concurrency).
    #[error("the record changed meanwhile")]
    Conflict,
    #[error("quota of {quota} exceeded: {used} used or pending, {requested} requested")]
    QuotaExceeded { quota: u32, used: u64, requested: u64 },
    #[error("database: {0}")]
    Database(String),
    /// The database cannot take writes (or answer) just now: read-only, disk full, its file gone, the server
    /// unreachable. Worth retrying later; nothing was stored.
    #[error("storage unavailable: {0}")]
    Unavailable(String),
    #[error("stored data is invalid: {0}")]
    Corrupt(String),
    /// The person or vehicle already holds an active pass.
    #[error("the person or vehicle already has an active pass")]
    ActivePassExists,
}

impl StoreError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::NotFound => "not_found",
            Self::Conflict => "conflict",
            Self::QuotaExceeded { .. } => "quota_exceeded",
            Self::Database(_) => "database_error",
            Self::Unavailable(_) => "storage_unavailable",
            Self::Corrupt(_) => "data_corrupt",
            Self::ActivePassExists => "active_pass_exists",
        }
    }
}

/// A registration with its screening findings, to be stored in review.
#[derive(Debug, Clone)]
pub struct NewOrganisation {
    pub registration: Registration,
    pub screening: Screening,
    pub created_at: OffsetDateTime,
    /// The hash of the API key handed to the organisation's admin, stored with the organisation.
    pub admin_key_hash: Option<[u8; 32]>,
    /// Whether it goes to officials at once (staff registered it) or waits for its contact phone to be confirmed
    /// (`OrgStatus::AwaitingContact`, a registration from the public).
    pub contact_confirmed: bool,
}

/// What a typed sign-in code came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeCheck {
    Matched,
    /// Not the code; it may be tried `attempts_left` more times (0: it has just stopped working).
    Wrong {
        attempts_left: u32,
    },
    /// No code is live for the phone: it expired, was used, or was tried too often. A new one must be asked for.
    Spent,
}

/// A key to store: only its SHA-256, never the key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewApiKey {
    pub key_hash: [u8; 32],
    pub role: Role,
    /// Set for organisation admins: the one organisation they act for.
    pub organisation_id: Option<i64>,
    pub scope: KeyScope,
    pub label: String,
    /// Set for labs: the one lab (sending facility) whose results the key may send.
    pub lab: Option<String>,
    pub created_at: OffsetDateTime,
}

/// An API key as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiKeyRecord {
    pub id: i64,
    pub role: Role,
    pub organisation_id: Option<i64>,
    pub scope: KeyScope,
    pub label: String,
    pub lab: Option<String>,
}

/// An organisation as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrganisationRecord {
    pub id: i64,
    pub legal_name: String,
    pub registry_number: String,
    pub category: String,
    pub address: String,
    pub zone: String,
    pub contact_phone: String,
    pub contact_email: String,
    pub requested_quota: u32,
    pub status: OrgStatus,
    /// Rule code, passed, detail — as screening found them.
    pub findings: Vec<(String, bool, String)>,
    pub passed_all_rules: bool,
    /// Passes issued or waiting to be issued for this organisation, counted against its quota.
    pub passes_used: u64,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

impl OrganisationRecord {
    /// The quota while the organisation may issue passes: approved, not suspended.
    pub fn quota(&self) -> Option<u32> {
        match self.status {
            OrgStatus::Approved { quota } => Some(quota),
            _ => None,
        }
    }

    /// Whether it was approved and so has batches and passes to show: approved now, or suspended.
    pub fn was_approved(&self) -> bool {
        matches!(self.status, OrgStatus::Approved { .. } | OrgStatus::Suspended { .. })
    }
}

/// Filters for the screening queue. `None` means any.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OrgFilter {
    /// Status code: `in_review`, `approved`, `rejected`, `info_requested`, `suspended`.
    pub status: Option<String>,
    pub category: Option<String>,
    /// This zone and its sub-zones.
    pub zone: Option<String>,
    pub passed_all_rules: Option<bool>,
    /// Organisations whose contact phone (E.164) is this: the ones a signed-in citizen runs.
    pub contact_phone: Option<String>,
    pub after_id: Option<i64>,
    pub limit: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BatchCreated {
    pub id: i64,
    /// The same file was uploaded before: this is the earlier batch, and nothing new was stored.
    pub duplicate: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchRecord {
    pub id: i64,
    pub organisation_id: i64,
    pub rows: u64,
    pub issued: u64,
    /// Rows that could not be issued (the person or vehicle already has an active pass).
    pub failed: u64,
    /// Rows that renew a pass the organisation gave the same person before.
    pub renewals: u64,
    /// Old passes revoked so far because their renewal was issued.
    pub replaced: u64,
    pub status: BatchStatus,
    pub created_at: OffsetDateTime,
}

/// What an official looks passes up by; every given part must match. Newest first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PassSearch {
    /// Part of the holder's name, in any case.
    pub name: Option<String>,
    /// E.164.
    pub phone: Option<String>,
    /// As stored: 10 characters, no dash.
    pub control_code: Option<String>,
    pub organisation_id: Option<i64>,
    pub batch_id: Option<i64>,
    /// Only passes older than this status index: the next page.
    pub before_index: Option<u64>,
    pub limit: u32,
}

/// One thing that happened to a pass, for its history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PassEvent {
    Issued { at: OffsetDateTime, batch_id: Option<i64> },
    Status { at: OffsetDateTime, status: PassStatus, reason: String, actor: String },
    Scan { at: OffsetDateTime, checkpoint: Option<String>, valid: bool, reason: Option<String> },
}

impl PassEvent {
    pub fn at(&self) -> OffsetDateTime {
        match self {
            Self::Issued { at, .. } | Self::Status { at, .. } | Self::Scan { at, .. } => *at,
        }
    }
}

/// A row of a batch that got no pass, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FailedRow {
    /// The line in the uploaded file.
    pub line: u32,
    pub name: String,
    /// Why, as the issuance worker recorded it.
    pub reason: String,
}

/// A row claimed for its pass, as the issuance worker receives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingRow {
    pub batch_id: i64,
    pub organisation_id: i64,
    /// The organisation's essential category, which its employees' passes carry.
    pub category: String,
    /// Given by the claim: a row claimed again (its worker stopped) signs with a new one.
    pub status_index: u64,
    pub row: EmployeeRow,
    /// The row renews a pass its organisation gave the same person: issuing it replaces that pass.
    pub renews: bool,
    /// The language the holder's phone last used the service in, for the text; `None`: the authority's.
    pub lang: Option<String>,
}

/// A staff account as the admin's list shows it: never its password or phones.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffAccount {
    pub id: i64,
    pub role: Role,
    pub username: String,
    pub scope: KeyScope,
    /// Still on the one-time password it was given.
    pub must_change_password: bool,
    pub disabled: bool,
    pub created_at: OffsetDateTime,
}

/// An API key as the admin's list shows it: never the key, which is kept only as a hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiKeyListed {
    pub id: i64,
    pub role: Role,
    pub label: String,
    pub organisation_id: Option<i64>,
    pub lab: Option<String>,
    pub scope: KeyScope,
    pub revoked: bool,
    pub created_at: OffsetDateTime,
}

/// A valid, active pass an organisation gave, as a renewal list is matched against it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActiveHolder {
    /// E.164.
    pub phone: String,
    pub masked_id: String,
    pub vehicle_plate: Option<String>,
}

/// What signing one row produced, for the store to write with the row's outbox message in one transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuedPass {
    pub pass_id: [u8; 16],
    pub status_index: u64,
    pub control_code: String,
    /// The `EP1:` text.
    pub token: String,
    /// SHA-256 of the holder's link token; the token itself is only in the SMS.
    pub link_hash: [u8; 32],
    pub sms: OutboxMessage,
}

/// A message to send, written to the outbox in the same transaction as the change that causes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxMessage {
    /// Sending twice with one key is sending once.
    pub idempotency_key: String,
    pub kind: String,
    /// E.164 phone number.
    pub recipient: String,
    pub body: String,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct IssueOutcome {
    pub issued: usize,
    pub failed: usize,
    /// Rows sent back to be signed again: their control code was already taken.
    pub requeued: usize,
}

impl IssueOutcome {
    pub fn is_idle(&self) -> bool {
        self.issued == 0 && self.failed == 0 && self.requeued == 0
    }
}

/// A stored pass, as its holder's page shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PassRecord {
    pub pass_id: [u8; 16],
    pub status_index: u64,
    pub organisation_id: Option<i64>,
    pub holder: String,
    /// E.164, for the holder's messages.
    pub phone: String,
    pub zones: Vec<String>,
    pub not_before: OffsetDateTime,
    pub expires: OffsetDateTime,
    pub control_code: String,
    pub token: String,
    pub active: bool,
    pub status: PassStatus,
    /// Why it was suspended or revoked.
    pub status_reason: Option<String>,
}

impl PassRecord {
    /// The control code as printed for people, two groups of five (`ABCDE-FGHIJ`); as stored if it does not read.
    pub fn grouped_code(&self) -> String {
        surge_pass::ControlCode::parse(&self.control_code).map_or_else(|_| self.control_code.clone(), |c| c.grouped())
    }
}

/// One status change in the feed verifiers follow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusChange {
    pub seq: i64,
    pub status_index: u64,
    pub status: PassStatus,
    pub at: OffsetDateTime,
}

/// A checkpoint: where officers verify passes.
#[derive(Debug, Clone, PartialEq)]
pub struct Checkpoint {
    pub id: i64,
    pub name: String,
    pub zone: String,
    pub lat: f64,
    pub lon: f64,
}

/// One verification, for the scan log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewScan {
    pub checkpoint_id: Option<i64>,
    pub actor: String,
    pub status_index: Option<u64>,
    pub valid: bool,
    /// The reason code when not valid.
    pub reason: Option<String>,
    pub at: OffsetDateTime,
    /// The checkpoint page's own id for a scan it made offline: an upload sent twice records it once.
    pub client_id: Option<String>,
}

/// A scan as the clone check needs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LastScan {
    pub checkpoint_id: i64,
    pub at: OffsetDateTime,
}

/// Something officials should look at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Alert {
    pub id: i64,
    /// `possible_cloned_pass`.
    pub kind: String,
    pub status_index: Option<u64>,
    pub detail: String,
    pub at: OffsetDateTime,
}

/// Where a reader stands in the event log. Events are read in (tx, id) order: `tx` is the writing transaction's
/// place in commit order where the backend needs one (PostgreSQL), 0 where ids already follow commits (SQLite).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct EventPosition {
    pub tx: i64,
    pub id: i64,
}

/// An event as the log keeps it, written by the database in the same transaction as the change it records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoggedEvent {
    pub position: EventPosition,
    /// Event time, Unix milliseconds.
    pub at_ms: i64,
    /// `scan.valid`, `application.submitted`, `pass.revoked`, `result.received`, `sms.failed`, …
    pub kind: String,
    /// The zone code; empty where the change has none.
    pub zone: String,
    pub checkpoint_id: Option<i64>,
    /// The pass's status index, the application's id, the result's key or the message's id, as text.
    pub subject: String,
    /// For `result.received`: a final not-detected result, which is texted automatically.
    pub auto_text: Option<bool>,
}

/// One minute's count of one measure in one scope, as the live analytics store it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct WindowRow {
    /// Minutes since the Unix epoch.
    pub minute: i64,
    /// `zone:KR-26` or `checkpoint:3`.
    pub scope: String,
    /// `scan.invalid`, `sms.failed`, …
    pub measure: String,
    pub count: u64,
}

/// An event that came after its minute had closed, under one of its counters.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct LateRow {
    pub event_id: i64,
    pub minute: i64,
    pub scope: String,
    pub measure: String,
}

/// An alert raised by the live analytics.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamAlert {
    /// `possible_cloned_pass`, `invalid_scan_spike`, `results_waiting`, `sms_failure_rate`.
    pub rule: String,
    /// `pass:42`, `checkpoint:3`, `zone:KR-26`.
    pub subject: String,
    /// Event time, Unix milliseconds.
    pub at_ms: i64,
    pub detail: String,
}

/// What a live-analytics consumer stores after a batch of events, in one transaction: its new place in the log, the
/// results of the batch and, now and then, its engine's state with the place that state had reached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamSave {
    pub consumer: String,
    pub position: EventPosition,
    pub windows: Vec<WindowRow>,
    pub late: Vec<LateRow>,
    pub alerts: Vec<StreamAlert>,
    pub state: Option<(EventPosition, Vec<u8>)>,
    pub at: OffsetDateTime,
}

/// A consumer's stored place in the log, and its last stored engine state with that state's place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamPlace {
    pub position: EventPosition,
    pub state: Option<(EventPosition, Vec<u8>)>,
}

/// A count of one fact in one time bucket (UTC), at one place, with one outcome: no person, phone or pass in it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct FactCount {
    pub kind: FactKind,
    /// The start of the bucket, in Unix seconds.
    pub bucket: i64,
    pub place: String,
    pub outcome: String,
    pub count: u64,
}

/// A supporting document kept on disk beside the database, never in it: its random storage name and kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredDocument {
    /// 32 hex characters, random: the file's name in the document directory.
    pub key: String,
    pub kind: DocumentKind,
    pub bytes: u64,
}

/// A citizen's application to store, with what the policy said about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewApplication {
    /// The applicant's phone (E.164), from their sign-in.
    pub phone: String,
    pub application: Application,
    pub document: Option<StoredDocument>,
    /// `Review` or `Rejected`; an approved application is stored for review and then approved, so that the pass
    /// is issued by the same path as an official's approval.
    pub status: ApplicationStatus,
    /// The policy rule that fired, if one did.
    pub rule: Option<String>,
    pub reason_en: String,
    pub reason_ko: String,
    pub created_at: OffsetDateTime,
}

/// An application as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApplicationRecord {
    pub id: i64,
    pub phone: String,
    pub application: Application,
    pub document: Option<StoredDocument>,
    pub status: ApplicationStatus,
    pub rule: Option<String>,
    pub reason_en: String,
    pub reason_ko: String,
    /// Who decided: an official's actor string, or `policy` for an automatic decision.
    pub decided_by: Option<String>,
    pub decided_at: Option<OffsetDateTime>,
    /// The pass issued on approval.
    pub status_index: Option<u64>,
    pub created_at: OffsetDateTime,
}

/// Filters for listing applications, oldest first. `None` means any.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ApplicationFilter {
    pub status: Option<ApplicationStatus>,
    /// One applicant's applications.
    pub phone: Option<String>,
    pub after_id: Option<i64>,
    pub limit: u32,
}

/// An official's decision on an application in review.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApplicationDecision {
    pub status: ApplicationStatus,
    pub reason_en: String,
    pub reason_ko: String,
    pub decided_by: String,
}

/// A staff or citizen account to store. Staff have a username and an argon2 password hash; citizens a phone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAccount {
    pub role: Role,
    pub username: Option<String>,
    /// E.164: the phone a citizen signs in with.
    pub phone: Option<String>,
    /// A staff member's own mobile (E.164), never used to sign in: an official may not decide on applications
    /// or organisations with this phone.
    pub personal_phone: Option<String>,
    /// An argon2 PHC string, never the password.
    pub password_hash: Option<String>,
    /// Set for passwords someone else chose (the first admin's, a new official's): changed at first sign-in.
    pub must_change_password: bool,
    pub scope: KeyScope,
    pub created_at: OffsetDateTime,
}

/// An account as stored.
#[derive(Clone, PartialEq, Eq)]
pub struct AccountRecord {
    pub id: i64,
    pub role: Role,
    pub username: Option<String>,
    pub phone: Option<String>,
    pub personal_phone: Option<String>,
    pub password_hash: Option<String>,
    pub must_change_password: bool,
    pub scope: KeyScope,
}

impl std::fmt::Debug for AccountRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The hash stays out of logs; so does the phone number.
        f.debug_struct("AccountRecord").field("id", &self.id).field("role", &self.role).finish_non_exhaustive()
    }
}

/// A sign-in code waiting to be typed, stored with the SMS that carries it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewLoginCode {
    /// E.164.
    pub phone: String,
    /// SHA-256 over the phone and the code; the code itself is only in the SMS.
    pub code_hash: [u8; 32],
    pub created_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
    pub sms: OutboxMessage,
}

/// How domain values are laid out in columns, shared by the backends so both store the same thing.
pub mod columns {
    use surge_domain::{OrgStatus, Screening};

    use super::StoreError;

    /// Status code, approved quota and the reason or question, as three columns.
    pub fn from_status(status: &OrgStatus) -> (&'static str, Option<i64>, Option<String>) {
        match status {
            OrgStatus::AwaitingContact => ("contact_unconfirmed", None, None),
            OrgStatus::InReview => ("in_review", None, None),
            OrgStatus::Approved { quota } => ("approved", Some(i64::from(*quota)), None),
            OrgStatus::Rejected { reason } => ("rejected", None, Some(reason.clone())),
            OrgStatus::InfoRequested { question } => ("info_requested", None, Some(question.clone())),
            OrgStatus::Suspended { quota, reason } => ("suspended", Some(i64::from(*quota)), Some(reason.clone())),
        }
    }

    pub fn to_status(code: &str, quota: Option<i64>, note: Option<String>) -> Result<OrgStatus, StoreError> {
        let corrupt = || StoreError::Corrupt(format!("organisation status {code:?}"));
        Ok(match code {
            "contact_unconfirmed" => OrgStatus::AwaitingContact,
            "in_review" => OrgStatus::InReview,
            "approved" => OrgStatus::Approved { quota: quota.and_then(|q| u32::try_from(q).ok()).ok_or_else(corrupt)? },
            "rejected" => OrgStatus::Rejected { reason: note.unwrap_or_default() },
            "info_requested" => OrgStatus::InfoRequested { question: note.unwrap_or_default() },
            "suspended" => OrgStatus::Suspended {
                quota: quota.and_then(|q| u32::try_from(q).ok()).ok_or_else(corrupt)?,
                reason: note.unwrap_or_default(),
            },
            _ => return Err(corrupt()),
        })
    }

    /// Findings as lines of `rule<TAB>1|0<TAB>detail`.
    pub fn from_findings(screening: &Screening) -> String {
        screening
            .findings
            .iter()
            .map(|f| {
                let detail = f.detail.replace(['\t', '\n'], " ");
                format!("{}\t{}\t{detail}", f.rule, u8::from(f.passed))
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    pub fn to_findings(text: &str) -> Vec<(String, bool, String)> {
        text.lines()
            .filter_map(|line| {
                let mut parts = line.splitn(3, '\t');
                Some((parts.next()?.to_owned(), parts.next()? == "1", parts.next().unwrap_or("").to_owned()))
            })
            .collect()
    }

    pub fn from_zones(zones: &[String]) -> String {
        zones.join(";")
    }

    pub fn to_zones(text: &str) -> Vec<String> {
        text.split(';').filter(|z| !z.is_empty()).map(str::to_owned).collect()
    }

    pub fn document_kind(content_type: &str) -> Result<surge_domain::DocumentKind, StoreError> {
        surge_domain::DocumentKind::parse(content_type)
            .ok_or_else(|| StoreError::Corrupt(format!("document type {content_type:?}")))
    }

    pub fn application_status(code: &str) -> Result<surge_domain::ApplicationStatus, StoreError> {
        surge_domain::ApplicationStatus::parse(code)
            .ok_or_else(|| StoreError::Corrupt(format!("application status {code:?}")))
    }

    pub fn to_time(seconds: i64) -> Result<time::OffsetDateTime, StoreError> {
        time::OffsetDateTime::from_unix_timestamp(seconds).map_err(|_| StoreError::Corrupt(format!("time {seconds}")))
    }
}
