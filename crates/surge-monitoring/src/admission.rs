//! An admission's states: admitted, monitoring (reports are coming in), then transferred to hospital or
//! discharged, each change with a reason; the moves allowed between them.

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AdmissionState {
    /// Admitted; no report yet.
    Admitted,
    /// Reporting, watched on the board.
    Monitoring,
    /// Moved to a hospital bed. Final.
    Transferred,
    /// Sent home. Final.
    Discharged,
}

impl AdmissionState {
    pub const ALL: [AdmissionState; 4] =
        [AdmissionState::Admitted, AdmissionState::Monitoring, AdmissionState::Transferred, AdmissionState::Discharged];

    pub fn code(self) -> &'static str {
        match self {
            AdmissionState::Admitted => "admitted",
            AdmissionState::Monitoring => "monitoring",
            AdmissionState::Transferred => "transferred",
            AdmissionState::Discharged => "discharged",
        }
    }

    pub fn from_code(code: &str) -> Option<AdmissionState> {
        AdmissionState::ALL.into_iter().find(|s| s.code() == code)
    }

    /// Still in the centre's care: on the board, texted for check-ins.
    pub fn is_open(self) -> bool {
        matches!(self, AdmissionState::Admitted | AdmissionState::Monitoring)
    }

    /// Whether a clinician (or the first report, for monitoring) may move an admission from this state to `to`.
    pub fn move_to(self, to: AdmissionState) -> Result<AdmissionState, AdmissionError> {
        use AdmissionState::*;
        match (self, to) {
            (Admitted, Monitoring | Transferred | Discharged) | (Monitoring, Transferred | Discharged) => Ok(to),
            _ => Err(AdmissionError::Move { from: self, to }),
        }
    }
}

impl fmt::Display for AdmissionState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// A reason given for a change: required, one line, printable, at most 500 characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reason(String);

impl Reason {
    pub fn parse(text: &str) -> Result<Reason, AdmissionError> {
        let text = text.trim();
        if text.is_empty() {
            return Err(AdmissionError::ReasonMissing);
        }
        if text.chars().count() > 500 || text.chars().any(char::is_control) {
            return Err(AdmissionError::ReasonInvalid);
        }
        Ok(Reason(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AdmissionError {
    #[error("an admission that is {from} cannot become {to}")]
    Move { from: AdmissionState, to: AdmissionState },
    #[error("a reason is needed")]
    ReasonMissing,
    #[error("a reason is one line of at most 500 characters, without control characters")]
    ReasonInvalid,
}

impl AdmissionError {
    pub fn code(&self) -> &'static str {
        match self {
            AdmissionError::Move { .. } => "admission_state_invalid",
            AdmissionError::ReasonMissing => "reason_missing",
            AdmissionError::ReasonInvalid => "reason_invalid",
        }
    }
}
