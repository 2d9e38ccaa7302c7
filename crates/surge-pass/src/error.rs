//! The error type for building, parsing and signing passes, keys and lists, with stable machine codes.

/// Errors from building or reading passes, keys, trust lists and status lists. Verification of a presented pass never
/// returns this: it reports a [`crate::Verification`] with reason codes instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PassError {
    #[error("the pass id is not 26 Crockford base32 characters")]
    InvalidPassId,
    #[error("the control code is not 10 characters with a matching check character")]
    InvalidControlCode,
    #[error("{field}: {reason}")]
    InvalidClaim { field: &'static str, reason: String },
    #[error("key: {0}")]
    InvalidKey(String),
    #[error("trust list: {0}")]
    InvalidTrustList(String),
    #[error("status list: {0}")]
    InvalidStatusList(String),
    #[error("QR code: {0}")]
    Qr(String),
    #[error("encoding: {0}")]
    Encoding(String),
}

impl PassError {
    /// A stable code for APIs, logs and documentation; never changes once published.
    pub fn code(&self) -> &'static str {
        match self {
            Self::InvalidPassId => "pass_id_invalid",
            Self::InvalidControlCode => "control_code_invalid",
            Self::InvalidClaim { .. } => "claim_invalid",
            Self::InvalidKey(_) => "key_invalid",
            Self::InvalidTrustList(_) => "trust_list_invalid",
            Self::InvalidStatusList(_) => "status_list_invalid",
            Self::Qr(_) => "qr_invalid",
            Self::Encoding(_) => "encoding_failed",
        }
    }

    pub(crate) fn claim(field: &'static str, reason: impl Into<String>) -> Self {
        Self::InvalidClaim { field, reason: reason.into() }
    }
}
