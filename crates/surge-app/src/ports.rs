//! The storage ports, one per bounded context, each a small trait; [`Store`] is only their sum, for wiring. A use
//! case names the ports it touches (`upload_employees<S: Organisations + Batches>`), so a reader sees what it can
//! change. Every method is one transaction: on error nothing of it is applied.

use std::future::Future;

use surge_domain::audit::{AuditEntry, AuditRecord};
use surge_domain::{EmployeeRow, ExistingOrganisation, OrgStatus};
use time::OffsetDateTime;

use crate::lab::LabStore;
use crate::monitoring::Monitoring;
use crate::outbox::Outbox;
use crate::store::*;

/// Organisations and their screening.
pub trait Organisations: Send + Sync {
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

    /// Sends every organisation awaiting confirmation of this contact phone (E.164) to officials
    /// (`contact_unconfirmed` → `in_review`), each with an audit entry, in one transaction; returns their ids.
    fn confirm_contact(
        &self,
        phone: &str,
        now: OffsetDateTime,
    ) -> impl Future<Output = Result<Vec<i64>, StoreError>> + Send;
}

/// The hash-chained audit log and the pass policy, whose every version is an audit entry.
pub trait AuditLog: Send + Sync {
    /// Appends an entry to the hash-chained audit log.
    fn append_audit(
        &self,
        entry: &AuditEntry,
        now: OffsetDateTime,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// The newest audit entry, for publishing the chain's head.
    fn last_audit_entry(&self) -> impl Future<Output = Result<Option<AuditRecord>, StoreError>> + Send;

    /// Audit entries after `after_seq`, in order, at most `limit`.
    fn audit_entries(
        &self,
        after_seq: i64,
        limit: u32,
    ) -> impl Future<Output = Result<Vec<AuditRecord>, StoreError>> + Send;

    /// Stores a new version of the policy document (already checked) with its audit entry; returns the version.
    fn insert_policy(
        &self,
        document: &str,
        audit: &AuditEntry,
        now: OffsetDateTime,
    ) -> impl Future<Output = Result<i64, StoreError>> + Send;

    /// The policy in force: its version and document, if one was ever stored.
    fn current_policy(&self) -> impl Future<Output = Result<Option<(i64, String)>, StoreError>> + Send;
}

/// Employee lists (batches) and their background issuance.
pub trait Batches: Send + Sync {
    /// Stores an approved organisation's validated rows as a batch, unless a file with this hash was stored
    /// before, and only if the rows fit the quota (issued and pending passes count against it). `renews` marks,
    /// by position, the rows that renew a pass the organisation gave the same person (empty: none do): they take no
    /// new place in the quota, and when issued replace that pass.
    fn create_batch(
        &self,
        organisation_id: i64,
        sha256: [u8; 32],
        rows: &[EmployeeRow],
        renews: &[bool],
        now: OffsetDateTime,
    ) -> impl Future<Output = Result<BatchCreated, StoreError>> + Send;

    /// Who holds a valid, active pass this organisation gave: each pass's phone, last four of the identity
    /// document and vehicle plate, for a renewal list to be matched against.
    fn active_holders(
        &self,
        organisation_id: i64,
    ) -> impl Future<Output = Result<Vec<ActiveHolder>, StoreError>> + Send;

    fn batch(&self, id: i64) -> impl Future<Output = Result<BatchRecord, StoreError>> + Send;

    /// The rows of a batch that got no pass, by line, with the reason; at most `limit`.
    fn failed_rows(&self, batch_id: i64, limit: u32)
    -> impl Future<Output = Result<Vec<FailedRow>, StoreError>> + Send;

    /// Claims up to `limit` rows to issue, under the random `claim` until `until`: first rows whose earlier claim
    /// lapsed (their worker stopped), then pending rows, in batch and line order; rows other workers hold are
    /// skipped. Each claimed row is given a fresh status index. With nothing to claim it reads one index entry and
    /// writes nothing.
    fn claim_rows(
        &self,
        claim: [u8; 16],
        limit: u32,
        now: OffsetDateTime,
        until: OffsetDateTime,
    ) -> impl Future<Output = Result<Vec<PendingRow>, StoreError>> + Send;

    /// Writes the passes signed for `claim`'s rows with their outbox messages, the rows' state and the batches'
    /// counts in one transaction. Rows no longer under `claim` (it lapsed and another worker took them) are left
    /// to that worker. A row whose person or vehicle already has an active pass, or that could not be signed
    /// (`refused`, with the reason), fails, and its place in the organisation's quota is given back. A renewing row
    /// first revokes the valid pass its organisation gave the same person or vehicle (fed to verifiers as
    /// replaced); if its new pass cannot be written after all, the old one is kept.
    fn complete_claim(
        &self,
        claim: [u8; 16],
        issued: &[(PendingRow, IssuedPass)],
        refused: &[(PendingRow, String)],
        now: OffsetDateTime,
    ) -> impl Future<Output = Result<IssueOutcome, StoreError>> + Send;

    /// An organisation's batches, newest first.
    fn batches_of(&self, organisation_id: i64) -> impl Future<Output = Result<Vec<BatchRecord>, StoreError>> + Send;
}

/// Issued passes, their status changes and the feed verifiers follow.
pub trait Passes: Send + Sync {
    /// The pass at `status_index` whose link token hashes to `link_hash`.
    fn pass_by_link(
        &self,
        status_index: u64,
        link_hash: [u8; 32],
    ) -> impl Future<Output = Result<PassRecord, StoreError>> + Send;

    /// How long the status list must be: one past the highest status index given so far.
    fn status_list_len(&self) -> impl Future<Output = Result<u64, StoreError>> + Send;

    /// Hands out the next status index for a pass about to be signed. An index whose pass is never written (its
    /// approval lost a race) is simply never used.
    fn reserve_status_index(&self) -> impl Future<Output = Result<u64, StoreError>> + Send;

    /// Passes whose validity ended before `now` stop counting as their person's or vehicle's one active pass;
    /// returns how many. Rows another worker is sweeping are skipped rather than waited for.
    fn expire_passes(&self, now: OffsetDateTime) -> impl Future<Output = Result<u64, StoreError>> + Send;

    /// The pass at this status index.
    fn pass_by_status_index(&self, status_index: u64) -> impl Future<Output = Result<PassRecord, StoreError>> + Send;

    /// The category a pass was issued under: its organisation's, or its application's; `None` if neither is known.
    fn pass_category(&self, status_index: u64) -> impl Future<Output = Result<Option<String>, StoreError>> + Send;

    /// Where a phone belongs: the zones and category of each pass, application and organisation it is the phone
    /// of (at most 100), to check an official's scope before texting it.
    fn places_of_phone(
        &self,
        phone: &str,
    ) -> impl Future<Output = Result<Vec<(Vec<String>, String)>, StoreError>> + Send;

    /// The pass with this control code (as stored: 10 characters, no dash); `Conflict` when two passes share it
    /// (made before codes were unique), since showing either could show the wrong holder.
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

    /// Revokes each listed pass that is not revoked yet, each change fed to verifiers with its holder's text, and
    /// appends one audit entry for them all, in one transaction: all of them or none. Returns the status indexes
    /// it revoked, in order; a pass already revoked (meanwhile) is left as it is and its text not sent.
    fn revoke_passes(
        &self,
        passes: &[(u64, OutboxMessage)],
        reason: &str,
        audit: &AuditEntry,
        now: OffsetDateTime,
    ) -> impl Future<Output = Result<Vec<u64>, StoreError>> + Send;

    /// Passes matching every given part of `search`, newest first.
    fn search_passes(&self, search: &PassSearch) -> impl Future<Output = Result<Vec<PassRecord>, StoreError>> + Send;

    /// What happened to a pass, oldest first: its issue, its status changes, and its latest 50 scans.
    fn pass_history(&self, status_index: u64) -> impl Future<Output = Result<Vec<PassEvent>, StoreError>> + Send;

    /// The passes issued to this phone (E.164), newest first, at most `limit`: the holder's own list.
    fn passes_of_phone(
        &self,
        phone: &str,
        limit: u32,
    ) -> impl Future<Output = Result<Vec<PassRecord>, StoreError>> + Send;

    /// Gives the pass a new link, so the old one opens it no more, and queues the text carrying it, with the audit
    /// entry, in one transaction.
    fn relink_pass(
        &self,
        status_index: u64,
        link_hash: [u8; 32],
        sms: &OutboxMessage,
        audit: &AuditEntry,
        now: OffsetDateTime,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Status changes after `since`, in order, at most `limit`.
    fn status_changes(
        &self,
        since: i64,
        limit: u32,
    ) -> impl Future<Output = Result<Vec<StatusChange>, StoreError>> + Send;
}

/// Checkpoints, the scans made there and the alerts they raise.
pub trait Checkpoints: Send + Sync {
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
}

/// The platform's own aggregate facts, for the lake and metrics: counts, never personal data.
pub trait Facts: Send + Sync {
    /// Counts of the platform's own facts in buckets starting at or after `since` (Unix seconds), for the lake:
    /// aggregated in the database, so no personal data leaves it. Sorted by kind, bucket, place and outcome.
    fn fact_counts(&self, since: i64) -> impl Future<Output = Result<Vec<FactCount>, StoreError>> + Send;

    /// Movement passes in force at `now` (Unix seconds): valid, started and not expired.
    fn passes_in_force(&self, now: i64) -> impl Future<Output = Result<u64, StoreError>> + Send;

    /// Counts for tests and metrics: passes, outbox messages.
    fn counts(&self) -> impl Future<Output = Result<(u64, u64), StoreError>> + Send;
}

/// The event log and what the live analytics store from it.
pub trait EventLog: Send + Sync {
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
}

/// Citizens' applications and the decisions on them.
pub trait Applications: Send + Sync {
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

    /// Approves an application in review and writes its pass (signed beforehand at a reserved status index), the
    /// pass's SMS, the application's state and the audit entry in one transaction. `Conflict` if it is no longer
    /// in review; `ActivePassExists` (and nothing written) if the person or vehicle holds a pass still in force (an
    /// expired one is marked inactive in the same transaction).
    fn approve_application(
        &self,
        id: i64,
        decision: &ApplicationDecision,
        audit: &AuditEntry,
        pass: &IssuedPass,
        now: OffsetDateTime,
    ) -> impl Future<Output = Result<u64, StoreError>> + Send;
}

/// Who may come in: API keys, staff and citizen accounts, sign-in codes, sessions and rate limits.
pub trait Access: Send + Sync {
    /// Stores an API key's hash with its role and scope, and its audit entry (its subject set to the key) at the
    /// key's creation time, in one transaction.
    fn insert_api_key(
        &self,
        key: &NewApiKey,
        audit: &AuditEntry,
    ) -> impl Future<Output = Result<i64, StoreError>> + Send;

    /// The live key with this hash; `NotFound` for unknown or revoked keys.
    fn api_key(&self, key_hash: [u8; 32]) -> impl Future<Output = Result<ApiKeyRecord, StoreError>> + Send;

    /// Revokes a key, with its audit entry and its row in the revocation feed, in one transaction: it stops working
    /// at once. `NotFound` (and nothing written) if no live key has this id.
    fn revoke_api_key(
        &self,
        id: i64,
        audit: &AuditEntry,
        now: OffsetDateTime,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// How many live keys have this role (to create the first admin key on first start).
    fn count_api_keys(&self, role: Role) -> impl Future<Output = Result<u64, StoreError>> + Send;

    /// Stores an account; `Conflict` if its username or phone is taken.
    fn insert_account(&self, account: &NewAccount) -> impl Future<Output = Result<i64, StoreError>> + Send;

    /// The role of the enabled staff account whose own mobile (`personal_phone`) is `phone`, if any.
    fn staff_role_of_phone(&self, phone: &str) -> impl Future<Output = Result<Option<Role>, StoreError>> + Send;

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

    /// Writes the health probe's one row: `Unavailable` when the database cannot take writes.
    fn probe_write(&self, now: OffsetDateTime) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// How many events `bucket` holds since `since` (recording none).
    fn count_events(&self, bucket: &str, since: OffsetDateTime)
    -> impl Future<Output = Result<u64, StoreError>> + Send;

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
    /// working after `max_attempts` misses.
    fn use_login_code(
        &self,
        phone: &str,
        code_hash: [u8; 32],
        now: OffsetDateTime,
        max_attempts: u32,
    ) -> impl Future<Output = Result<CodeCheck, StoreError>> + Send;

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

    /// Remembers the language a phone (E.164) last used the service in, so that the texts it gets follow it.
    fn remember_language(
        &self,
        phone: &str,
        lang: &str,
        now: OffsetDateTime,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// The language each of these phones last used, for those that used one.
    fn languages_of(
        &self,
        phones: &[String],
    ) -> impl Future<Output = Result<std::collections::HashMap<String, String>, StoreError>> + Send;
}

/// Who may act on the service, listed for the admin's pages: staff accounts and API keys, and the keys revoked.
pub trait Staff: Send + Sync {
    /// Staff accounts (not citizens' phone accounts), by username, at most `limit`.
    fn staff_accounts(&self, limit: u32) -> impl Future<Output = Result<Vec<StaffAccount>, StoreError>> + Send;

    /// API keys, revoked ones too, newest first, at most `limit`.
    fn api_key_list(&self, limit: u32) -> impl Future<Output = Result<Vec<ApiKeyListed>, StoreError>> + Send;

    /// Key revocations after `since` (a feed sequence number), oldest first, at most `limit`: (sequence, key id).
    /// Servers that keep keys in memory follow it to drop a key revoked on any server.
    fn api_key_revocations(
        &self,
        since: i64,
        limit: u32,
    ) -> impl Future<Output = Result<Vec<(i64, i64)>, StoreError>> + Send;
}

/// Every port: what `surge serve` wires one database into. Use cases name the ports they need instead.
pub trait Store:
    Organisations
    + AuditLog
    + Batches
    + Passes
    + Checkpoints
    + Facts
    + EventLog
    + Applications
    + Access
    + Staff
    + Outbox
    + LabStore
    + Monitoring
{
}

impl<T> Store for T where
    T: Organisations
        + AuditLog
        + Batches
        + Passes
        + Checkpoints
        + Facts
        + EventLog
        + Applications
        + Access
        + Staff
        + Outbox
        + LabStore
        + Monitoring
{
}
