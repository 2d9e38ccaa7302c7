//! The storage port: what the use cases need from a database, as records and one trait. The SQLite and PostgreSQL
//! crates implement it and pass one conformance suite (`surge-testkit`).

use std::future::Future;

use surge_domain::audit::{AuditEntry, AuditRecord};
use surge_domain::{
    Application, ApplicationStatus, DocumentKind, EmployeeRow, ExistingOrganisation, OrgStatus, Registration, Screening,
};
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
}

/// Who may do what. Officials screen organisations; an organisation admin acts for one organisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    Admin,
    Official,
    OrganisationAdmin,
    Checkpoint,
    /// A citizen signed in with a code sent to their phone. They act as the organisation admin of every
    /// organisation whose contact phone is theirs.
    Applicant,
    /// Sees lab results that were not texted, calls patients, releases negatives one at a time.
    Clinician,
    /// A laboratory's API key: sends results (HL7 v2 files, FHIR, CSV) and nothing else.
    Lab,
}

impl Role {
    pub const ALL: [Role; 7] = [
        Role::Admin,
        Role::Official,
        Role::OrganisationAdmin,
        Role::Checkpoint,
        Role::Applicant,
        Role::Clinician,
        Role::Lab,
    ];
    /// Roles of staff, who sign in with a password.
    pub const STAFF: [Role; 4] = [Role::Admin, Role::Official, Role::Checkpoint, Role::Clinician];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Admin => "admin",
            Self::Official => "official",
            Self::OrganisationAdmin => "organisation_admin",
            Self::Checkpoint => "checkpoint",
            Self::Applicant => "applicant",
            Self::Clinician => "clinician",
            Self::Lab => "lab",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == text)
    }
}

/// Which organisations an official may see and decide on: those in these zones (and their sub-zones) and of
/// these categories. An empty list does not limit.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KeyScope {
    pub zones: Vec<String>,
    pub categories: Vec<String>,
}

impl KeyScope {
    pub fn covers(&self, zone: &str, category: &str) -> bool {
        let zone_ok = self.zones.is_empty() || self.zones.iter().any(|z| surge_domain::zone_covers(z, zone));
        let category_ok = self.categories.is_empty() || self.categories.iter().any(|c| c == category);
        zone_ok && category_ok
    }

    pub fn is_unlimited(&self) -> bool {
        self.zones.is_empty() && self.categories.is_empty()
    }
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
    pub fn quota(&self) -> Option<u32> {
        match self.status {
            OrgStatus::Approved { quota } => Some(quota),
            _ => None,
        }
    }
}

/// Filters for the screening queue. `None` means any.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OrgFilter {
    /// Status code: `in_review`, `approved`, `rejected`, `info_requested`.
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
pub enum BatchStatus {
    Issuing,
    Completed,
}

impl BatchStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Issuing => "issuing",
            Self::Completed => "completed",
        }
    }
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
    pub status: BatchStatus,
    pub created_at: OffsetDateTime,
}

/// A row waiting for its pass, as the issuance worker receives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingRow {
    pub batch_id: i64,
    pub organisation_id: i64,
    /// The organisation's essential category, which its employees' passes carry.
    pub category: String,
    pub row: EmployeeRow,
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
}

impl IssueOutcome {
    pub fn is_idle(&self) -> bool {
        self.issued == 0 && self.failed == 0
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

/// A pass's live status, which checkpoints see online and in the status list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PassStatus {
    Valid,
    /// Not valid for now; an official can reinstate it.
    Suspended,
    /// Not valid, for good.
    Revoked,
}

impl PassStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Valid => "valid",
            Self::Suspended => "suspended",
            Self::Revoked => "revoked",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [Self::Valid, Self::Suspended, Self::Revoked].into_iter().find(|s| s.as_str() == text)
    }

    /// The value in the status list (IETF Token Status List: 0 valid, 1 invalid, 2 suspended).
    pub fn list_value(self) -> u8 {
        match self {
            Self::Valid => 0,
            Self::Revoked => 1,
            Self::Suspended => 2,
        }
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

/// Which of the platform's own facts a count is of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FactKind {
    /// Passes issued a day; `place` is the pass's zones as stored (`from_zones`).
    PassesIssued,
    /// Passes revoked a day; `place` as for issued.
    PassesRevoked,
    /// Checkpoint scans an hour; `place` the checkpoint id, `outcome` `valid` or `invalid`.
    Scans,
    /// Lab results received a day; `outcome` `texted` or `queued`.
    Results,
    /// Text messages created a day; `place` the kind, `outcome` the state now.
    Sms,
    /// Negatives texted automatically a day (by the day they were received): `outcome` the whole minutes from the
    /// lab's message to the gateway taking the text, so a median can be read from the counts.
    ResultTextMinutes,
}

impl FactKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::PassesIssued => "passes_issued",
            Self::PassesRevoked => "passes_revoked",
            Self::Scans => "scans",
            Self::Results => "results",
            Self::Sms => "sms",
            Self::ResultTextMinutes => "result_text_minutes",
        }
    }

    /// The length of its time buckets, in seconds.
    pub fn bucket_seconds(self) -> i64 {
        if self == Self::Scans { 3600 } else { 86_400 }
    }
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

/// The storage port. Every method is one transaction: on error nothing of it is applied.
pub trait Store: crate::outbox::Outbox + crate::lab::LabStore + Send + Sync {
    fn insert_organisation(&self, org: &NewOrganisation) -> impl Future<Output = Result<i64, StoreError>> + Send;

    fn organisation(&self, id: i64) -> impl Future<Output = Result<OrganisationRecord, StoreError>> + Send;

    /// Organisations that could clash with a new one: the same registry number anywhere, or the same zone.
    /// Rejected organisations are left out.
    fn screening_candidates(
        &self,
        registry_number: &str,
        zone: &str,
    ) -> impl Future<Output = Result<Vec<ExistingOrganisation>, StoreError>> + Send;

    /// Organisations in id order after `filter.after_id`, at most `filter.limit`.
    fn list_organisations(
        &self,
        filter: &OrgFilter,
    ) -> impl Future<Output = Result<Vec<OrganisationRecord>, StoreError>> + Send;

    /// Moves an organisation from `from` to `to` and appends `audit` to the audit log, in one transaction;
    /// `Conflict` if its status is no longer `from`.
    fn set_organisation_status(
        &self,
        id: i64,
        from: &OrgStatus,
        to: &OrgStatus,
        now: OffsetDateTime,
        audit: &AuditEntry,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Appends an entry to the hash-chained audit log.
    fn append_audit(
        &self,
        entry: &AuditEntry,
        now: OffsetDateTime,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Audit entries after `after_seq`, in order, at most `limit`.
    fn audit_entries(
        &self,
        after_seq: i64,
        limit: u32,
    ) -> impl Future<Output = Result<Vec<AuditRecord>, StoreError>> + Send;

    /// Stores an approved organisation's validated rows as a batch, unless a file with this hash was stored
    /// before, and only if the rows fit the quota (issued and pending passes count against it).
    fn create_batch(
        &self,
        organisation_id: i64,
        sha256: [u8; 32],
        rows: &[EmployeeRow],
        now: OffsetDateTime,
    ) -> impl Future<Output = Result<BatchCreated, StoreError>> + Send;

    fn batch(&self, id: i64) -> impl Future<Output = Result<BatchRecord, StoreError>> + Send;

    /// Claims up to `limit` pending rows (rows that other workers hold are skipped), gives each the next status
    /// index, calls `sign`, and writes the passes, their outbox messages and the rows' state in one transaction.
    /// A row whose person or vehicle already has an active pass is marked failed instead.
    fn issue_pending(
        &self,
        limit: u32,
        now: OffsetDateTime,
        sign: &mut (dyn FnMut(&PendingRow, u64) -> Result<IssuedPass, String> + Send),
    ) -> impl Future<Output = Result<IssueOutcome, StoreError>> + Send;

    /// The pass at `status_index` whose link token hashes to `link_hash`.
    fn pass_by_link(
        &self,
        status_index: u64,
        link_hash: [u8; 32],
    ) -> impl Future<Output = Result<PassRecord, StoreError>> + Send;

    /// How long the status list must be: one past the highest status index given so far.
    fn status_list_len(&self) -> impl Future<Output = Result<u64, StoreError>> + Send;

    /// The pass at this status index.
    fn pass_by_status_index(&self, status_index: u64) -> impl Future<Output = Result<PassRecord, StoreError>> + Send;

    /// The pass with this control code (as stored: 10 characters, no dash).
    fn pass_by_control_code(&self, control_code: &str) -> impl Future<Output = Result<PassRecord, StoreError>> + Send;

    /// Suspends, revokes or reinstates a pass, appends the change to the feed and the audit log and queues the
    /// holder's SMS, in one transaction. A revoked pass stays revoked (`Conflict`). Returns the change's sequence
    /// number.
    fn set_pass_status(
        &self,
        status_index: u64,
        status: PassStatus,
        reason: &str,
        audit: &AuditEntry,
        now: OffsetDateTime,
        sms: Option<&OutboxMessage>,
    ) -> impl Future<Output = Result<i64, StoreError>> + Send;

    /// Status changes after `since`, in order, at most `limit`.
    fn status_changes(
        &self,
        since: i64,
        limit: u32,
    ) -> impl Future<Output = Result<Vec<StatusChange>, StoreError>> + Send;

    /// Stores a new version of the policy document (already checked) with its audit entry; returns the version.
    fn insert_policy(
        &self,
        document: &str,
        audit: &AuditEntry,
        now: OffsetDateTime,
    ) -> impl Future<Output = Result<i64, StoreError>> + Send;

    /// The policy in force: its version and document, if one was ever stored.
    fn current_policy(&self) -> impl Future<Output = Result<Option<(i64, String)>, StoreError>> + Send;

    fn insert_checkpoint(
        &self,
        name: &str,
        zone: &str,
        lat: f64,
        lon: f64,
        now: OffsetDateTime,
    ) -> impl Future<Output = Result<i64, StoreError>> + Send;

    fn checkpoints(&self) -> impl Future<Output = Result<Vec<Checkpoint>, StoreError>> + Send;

    /// The latest scan of this pass made at a checkpoint.
    fn last_scan(&self, status_index: u64) -> impl Future<Output = Result<Option<LastScan>, StoreError>> + Send;

    /// Records a scan, and an alert if there is one, in one transaction. A scan whose `client_id` was recorded
    /// before records nothing (`None`).
    fn record_scan(
        &self,
        scan: &NewScan,
        alert: Option<(&str, &str)>,
    ) -> impl Future<Output = Result<Option<i64>, StoreError>> + Send;

    /// The newest alerts, at most `limit`.
    fn alerts(&self, limit: u32) -> impl Future<Output = Result<Vec<Alert>, StoreError>> + Send;

    /// Counts of the platform's own facts in buckets starting at or after `since` (Unix seconds), for the lake:
    /// aggregated in the database, so no personal data leaves it. Sorted by kind, bucket, place and outcome.
    fn fact_counts(&self, since: i64) -> impl Future<Output = Result<Vec<FactCount>, StoreError>> + Send;

    /// Movement passes in force at `now` (Unix seconds): valid, started and not expired.
    fn passes_in_force(&self, now: i64) -> impl Future<Output = Result<u64, StoreError>> + Send;

    /// Up to `limit` events of the log after `after`, in log order. Only events of committed transactions are
    /// given, and none can later appear before the last one given.
    fn events_after(
        &self,
        after: EventPosition,
        limit: u32,
    ) -> impl Future<Output = Result<Vec<LoggedEvent>, StoreError>> + Send;

    /// The place just before the first logged event, in log order, whose event time is `at_ms` or later: where a
    /// replay from that time starts. `None` when no logged event is that late.
    fn event_place_at(&self, at_ms: i64) -> impl Future<Output = Result<Option<EventPosition>, StoreError>> + Send;

    /// Stores a live-analytics consumer's batch in one transaction: counts replace the stored ones of their minute,
    /// late events and alerts already stored are kept once, so a batch stored twice (a replay after a restart, or
    /// two instances of one consumer) changes nothing the second time. The stored place and state only move forward.
    fn save_stream(&self, save: &StreamSave) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// A consumer's stored place, if it has one.
    fn stream_place(&self, consumer: &str) -> impl Future<Output = Result<Option<StreamPlace>, StoreError>> + Send;

    /// Stored one-minute counts from `from_minute` on, by minute, scope and measure.
    fn stream_windows(&self, from_minute: i64) -> impl Future<Output = Result<Vec<WindowRow>, StoreError>> + Send;

    /// Late events counted by minute, scope and measure, from `from_minute` on.
    fn stream_late(&self, from_minute: i64) -> impl Future<Output = Result<Vec<WindowRow>, StoreError>> + Send;

    /// The newest alerts first.
    fn stream_alerts(&self, limit: u32) -> impl Future<Output = Result<Vec<StreamAlert>, StoreError>> + Send;

    /// Stores an application with its audit entry (its subject set to the application) and the applicant's SMS,
    /// which `sms` writes once the id is known; returns the id.
    fn insert_application(
        &self,
        application: &NewApplication,
        audit: &AuditEntry,
        sms: &(dyn Fn(i64) -> Option<OutboxMessage> + Send + Sync),
    ) -> impl Future<Output = Result<i64, StoreError>> + Send;

    fn application(&self, id: i64) -> impl Future<Output = Result<ApplicationRecord, StoreError>> + Send;

    /// Applications in id order (oldest first) after `filter.after_id`, at most `filter.limit`.
    fn list_applications(
        &self,
        filter: &ApplicationFilter,
    ) -> impl Future<Output = Result<Vec<ApplicationRecord>, StoreError>> + Send;

    /// How many applications this phone made since `since` (for the weekly quota).
    fn count_applications_since(
        &self,
        phone: &str,
        since: OffsetDateTime,
    ) -> impl Future<Output = Result<u64, StoreError>> + Send;

    /// Rejects an application in review, with its audit entry and SMS; `Conflict` if it is no longer in review.
    fn reject_application(
        &self,
        id: i64,
        decision: &ApplicationDecision,
        audit: &AuditEntry,
        sms: Option<&OutboxMessage>,
        now: OffsetDateTime,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Approves an application in review and issues its pass in one transaction: gives it the next status index,
    /// calls `sign`, writes the pass, its SMS, the application's state and the audit entry. `Conflict` if it is no
    /// longer in review; `ActivePassExists` (and nothing written) if the person or vehicle holds an active pass.
    fn approve_application(
        &self,
        id: i64,
        decision: &ApplicationDecision,
        audit: &AuditEntry,
        now: OffsetDateTime,
        sign: &mut (dyn FnMut(&ApplicationRecord, u64) -> Result<IssuedPass, String> + Send),
    ) -> impl Future<Output = Result<u64, StoreError>> + Send;

    /// Stores an API key's hash with its role and scope.
    fn insert_api_key(&self, key: &NewApiKey) -> impl Future<Output = Result<i64, StoreError>> + Send;

    /// The live key with this hash; `NotFound` for unknown or revoked keys.
    fn api_key(&self, key_hash: [u8; 32]) -> impl Future<Output = Result<ApiKeyRecord, StoreError>> + Send;

    /// Revokes a key: it stops working at once. `NotFound` if no live key has this id.
    fn revoke_api_key(&self, id: i64) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// How many live keys have this role (to create the first admin key on first start).
    fn count_api_keys(&self, role: Role) -> impl Future<Output = Result<u64, StoreError>> + Send;

    /// Outbox messages in id order after `after_id`, at most `limit`, with their ids.
    fn outbox_messages(
        &self,
        after_id: i64,
        limit: u32,
    ) -> impl Future<Output = Result<Vec<(i64, OutboxMessage)>, StoreError>> + Send;

    /// Counts for tests and metrics: passes, outbox messages.
    fn counts(&self) -> impl Future<Output = Result<(u64, u64), StoreError>> + Send;

    /// An organisation's batches, newest first.
    fn batches_of(&self, organisation_id: i64) -> impl Future<Output = Result<Vec<BatchRecord>, StoreError>> + Send;

    /// Stores an account; `Conflict` if its username or phone is taken.
    fn insert_account(&self, account: &NewAccount) -> impl Future<Output = Result<i64, StoreError>> + Send;

    /// The enabled staff account with this username.
    fn account_by_username(&self, username: &str) -> impl Future<Output = Result<AccountRecord, StoreError>> + Send;

    /// The citizen account for this phone, made on first sign-in.
    fn phone_account(
        &self,
        phone: &str,
        now: OffsetDateTime,
    ) -> impl Future<Output = Result<AccountRecord, StoreError>> + Send;

    fn set_password(
        &self,
        account_id: i64,
        password_hash: &str,
        must_change: bool,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Enabled accounts with this role (to make the first admin on first start).
    fn count_accounts(&self, role: Role) -> impl Future<Output = Result<u64, StoreError>> + Send;

    /// Records one event in `bucket` and answers true if, with it, no more than `limit` fell in the last
    /// `window_seconds`; otherwise records nothing and answers false. Shared by every server on the database.
    fn rate_limit(
        &self,
        bucket: &str,
        now: OffsetDateTime,
        window_seconds: i64,
        limit: u32,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// Stores a sign-in code and its SMS in one transaction; earlier unused codes for the phone stop working.
    fn create_login_code(&self, code: &NewLoginCode) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Checks a typed code against the phone's live code. A match uses it up; a miss counts, and the code stops
    /// working after `max_attempts` misses. False when nothing matched.
    fn use_login_code(
        &self,
        phone: &str,
        code_hash: [u8; 32],
        now: OffsetDateTime,
        max_attempts: u32,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;

    fn insert_session(
        &self,
        token_hash: [u8; 32],
        account_id: i64,
        now: OffsetDateTime,
        expires_at: OffsetDateTime,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// The account behind a live session; `NotFound` if the session is unknown, expired or its account disabled.
    fn session_account(
        &self,
        token_hash: [u8; 32],
        now: OffsetDateTime,
    ) -> impl Future<Output = Result<AccountRecord, StoreError>> + Send;

    fn delete_session(&self, token_hash: [u8; 32]) -> impl Future<Output = Result<(), StoreError>> + Send;
}

/// How domain values are laid out in columns, shared by the backends so both store the same thing.
pub mod columns {
    use surge_domain::{OrgStatus, Screening};

    use super::StoreError;

    /// Status code, approved quota and the reason or question, as three columns.
    pub fn from_status(status: &OrgStatus) -> (&'static str, Option<i64>, Option<String>) {
        match status {
            OrgStatus::InReview => ("in_review", None, None),
            OrgStatus::Approved { quota } => ("approved", Some(i64::from(*quota)), None),
            OrgStatus::Rejected { reason } => ("rejected", None, Some(reason.clone())),
            OrgStatus::InfoRequested { question } => ("info_requested", None, Some(question.clone())),
        }
    }

    pub fn to_status(code: &str, quota: Option<i64>, note: Option<String>) -> Result<OrgStatus, StoreError> {
        let corrupt = || StoreError::Corrupt(format!("organisation status {code:?}"));
        Ok(match code {
            "in_review" => OrgStatus::InReview,
            "approved" => OrgStatus::Approved { quota: quota.and_then(|q| u32::try_from(q).ok()).ok_or_else(corrupt)? },
            "rejected" => OrgStatus::Rejected { reason: note.unwrap_or_default() },
            "info_requested" => OrgStatus::InfoRequested { question: note.unwrap_or_default() },
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
