//! Errors of the use cases, each with a stable code that the API returns and the documentation lists.

use surge_domain::{FieldError, RowError, TransitionError};

use crate::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("the form has {} problems", .0.len())]
    InvalidForm(Vec<FieldError>),
    #[error("the file has {} problems", .0.len())]
    InvalidFile(Vec<RowError>),
    #[error("{0}")]
    Transition(#[from] TransitionError),
    #[error("the organisation is not approved to issue passes")]
    NotApproved,
    #[error("the quota of {quota} passes would be exceeded: {used} used or pending, {requested} requested")]
    QuotaExceeded { quota: u32, used: u64, requested: u64 },
    #[error("not found")]
    NotFound,
    #[error("someone else changed this first; reload and try again")]
    Conflict,
    #[error("too many attempts; try again in {retry_after_seconds} seconds")]
    RateLimited { retry_after_seconds: i64 },
    #[error("the sign-in details are not right")]
    SignInFailed,
    /// A wrong sign-in code that may be tried `attempts_left` more times (0: that was the last try).
    #[error("the code is not right; {attempts_left} tries left")]
    CodeWrong { attempts_left: u32 },
    /// No sign-in code is live for the phone (expired, used, or tried too often): a new one must be asked for.
    #[error("the code can no longer be used; ask for a new one")]
    CodeSpent,
    #[error("storage failed")]
    Store(#[source] StoreError),
    #[error("signing failed: {0}")]
    Signing(String),
    #[error("the person or vehicle already has an active pass")]
    ActivePassExists,
    /// An official may not decide on their own application or an organisation they belong to.
    #[error("you cannot decide on your own application or organisation")]
    OwnCase,
    /// The request asks for something that cannot be: a key of the wrong shape, a role without keys.
    #[error("{0}")]
    BadRequest(String),
    /// A pass policy with problems; nothing was stored.
    #[error("the policy has {} problems; nothing was stored", .0.len())]
    InvalidPolicy(Vec<crate::policy::PolicyProblem>),
    /// One value cannot be taken, named by its own code (and its field, where it has one); nothing was stored.
    #[error("{message}")]
    Unprocessable { code: &'static str, field: Option<&'static str>, message: String },
    /// The caller's scope (zones, categories, own organisation) does not cover what they asked for.
    #[error("you may not do that")]
    Forbidden,
    /// Refused because of what it would leave behind, with its own code: the last admin key revoking itself.
    #[error("{message}")]
    Refused { code: &'static str, message: String },
}

impl AppError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::InvalidForm(_) => "form_invalid",
            Self::InvalidFile(_) => "csv_row_invalid",
            Self::Transition(e) => e.code(),
            Self::NotApproved => "organisation_not_approved",
            Self::QuotaExceeded { .. } => "quota_exceeded",
            Self::NotFound => "not_found",
            Self::Conflict => "conflict",
            Self::RateLimited { .. } => "rate_limited",
            Self::SignInFailed => "sign_in_failed",
            Self::CodeWrong { .. } => "code_wrong",
            Self::CodeSpent => "code_spent",
            Self::Store(StoreError::Unavailable(_)) => "storage_unavailable",
            Self::Store(_) => "store_failed",
            Self::Signing(_) => "signing_failed",
            Self::ActivePassExists => "active_pass_exists",
            Self::OwnCase => "own_case",
            Self::BadRequest(_) => "request_invalid",
            Self::InvalidPolicy(_) => "policy_invalid",
            Self::Unprocessable { code, .. } => code,
            Self::Forbidden => "forbidden",
            Self::Refused { code, .. } => code,
        }
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => Self::NotFound,
            StoreError::Conflict => Self::Conflict,
            StoreError::QuotaExceeded { quota, used, requested } => Self::QuotaExceeded { quota, used, requested },
            StoreError::ActivePassExists => Self::ActivePassExists,
            other => Self::Store(other),
        }
    }
}
