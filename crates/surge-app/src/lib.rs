//! Surge's use cases: register and screen organisations, take employee lists, issue passes in the background. They
//! drive `surge-domain` and `surge-pass` through ports: the [`Store`] trait, and time and randomness passed in.

pub mod access;
mod error;
mod issuance;
mod organisations;
pub mod outbox;
mod passes;
pub mod policy;
pub mod scans;

pub use error::AppError;
pub use issuance::{ApiKey, IssuanceWorker, LinkToken, pass_sms_text};
pub use organisations::{Config, bulk_approve, decide, register_organisation, upload_employees};
pub mod store;
pub use outbox::{ClaimedMessage, MessageFilter, MessageRecord, Outbox, SendResult};
pub use passes::change_pass_status;
pub use store::{
    AccountRecord, Alert, ApiKeyRecord, BatchCreated, BatchRecord, BatchStatus, Checkpoint, IssueOutcome, IssuedPass,
    KeyScope, LastScan, NewAccount, NewApiKey, NewLoginCode, NewOrganisation, NewScan, OrgFilter, OrganisationRecord,
    OutboxMessage, PassRecord, PassStatus, PendingRow, Role, StatusChange, Store, StoreError,
};
