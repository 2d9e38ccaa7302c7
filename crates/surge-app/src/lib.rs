//! Surge's use cases: register and screen organisations, take employee lists, issue passes in the background. They
//! drive `surge-domain` and `surge-pass` through ports: one storage trait per context (`ports`), and time and
//! randomness passed in.

pub mod access;
pub mod analytics;
pub mod applications;
pub mod dcc;
mod error;
pub mod facts;
pub mod inbound;
mod issuance;
pub mod keys;
pub mod lab;
pub mod messages;
pub mod monitoring;
pub mod organisations;
pub mod outbox;
pub mod passes;
pub mod policy;
pub mod ports;
pub mod results;
pub mod scans;

pub use error::AppError;

/// Who is deciding, for scope and conflict-of-interest checks.
#[derive(Debug, Clone)]
pub struct Official<'a> {
    /// As written to the audit log: `account:7`.
    pub actor: &'a str,
    /// The official's own phone, if known: they may not decide on applications or organisations with it.
    pub phone: Option<&'a str>,
    pub scope: &'a KeyScope,
}

impl<'a> Official<'a> {
    /// A system actor (a benchmark, a first start) with no phone and no scope limit.
    pub fn system(actor: &'a str) -> Self {
        static UNLIMITED: KeyScope = KeyScope { zones: Vec::new(), categories: Vec::new() };
        Self { actor, phone: None, scope: &UNLIMITED }
    }
}
pub use issuance::{ApiKey, IssuanceWorker, LinkToken, PassRequest, PassSigner, pass_sms_text};
pub use organisations::{
    Config, Registrant, bulk_approve, decide, register_from_public, register_organisation, upload_employees,
};
pub mod store;
pub use lab::LabStore;
pub use outbox::{ClaimedMessage, MessageFilter, MessageRecord, Outbox, SendResult};
pub use passes::change_pass_status;
pub use ports::{
    Access, Applications, AuditLog, Batches, Checkpoints, EventLog, Facts, Organisations, Passes, Staff, Store,
};
pub use store::{
    AccountRecord, ActiveHolder, Alert, ApiKeyListed, ApiKeyRecord, ApplicationDecision, ApplicationFilter,
    ApplicationRecord, BatchCreated, BatchRecord, BatchStatus, Checkpoint, CodeCheck, EventPosition, FactCount,
    FactKind, FailedRow, IssueOutcome, IssuedPass, KeyScope, LastScan, LateRow, LoggedEvent, NewAccount, NewApiKey,
    NewApplication, NewLoginCode, NewOrganisation, NewScan, OrgFilter, OrganisationRecord, OutboxMessage, PassEvent,
    PassRecord, PassSearch, PassStatus, PendingRow, Role, StaffAccount, StatusChange, StoreError, StoredDocument,
    StreamAlert, StreamPlace, StreamSave, WindowRow,
};
