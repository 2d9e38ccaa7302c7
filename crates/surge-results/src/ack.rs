//! The HL7 acknowledgement a sender gets for each message: AA accepted, AE error (with the reason in MSA-3 and ERR),
//! AR rejected (a message this interface does not take). Original-mode acknowledgement, as MLLP senders expect.

use time::OffsetDateTime;
use time::macros::format_description;

use crate::oru::{Header, Hl7Error};

/// MSA-1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AckCode {
    Accept,
    Error,
    Reject,
}

impl AckCode {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Accept => "AA",
            Self::Error => "AE",
            Self::Reject => "AR",
        }
    }
}

/// HL7 table 0357, the error codes ERR-3 carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorCode {
    RequiredFieldMissing,
    UnsupportedMessageType,
    UnsupportedVersion,
    ApplicationError,
}

impl ErrorCode {
    pub fn code(self) -> &'static str {
        match self {
            Self::RequiredFieldMissing => "101",
            Self::UnsupportedMessageType => "200",
            Self::UnsupportedVersion => "203",
            Self::ApplicationError => "207",
        }
    }

    fn text(self) -> &'static str {
        match self {
            Self::RequiredFieldMissing => "Required field missing",
            Self::UnsupportedMessageType => "Unsupported message type",
            Self::UnsupportedVersion => "Unsupported version id",
            Self::ApplicationError => "Application internal error",
        }
    }
}

impl Hl7Error {
    /// How a message with this problem is acknowledged: AR for what this interface never takes, AE otherwise.
    pub fn ack(&self) -> (AckCode, ErrorCode) {
        match self {
            Self::UnsupportedType(_) => (AckCode::Reject, ErrorCode::UnsupportedMessageType),
            Self::UnsupportedVersion(_) => (AckCode::Reject, ErrorCode::UnsupportedVersion),
            Self::Missing { .. } => (AckCode::Error, ErrorCode::RequiredFieldMissing),
            Self::NotHl7(_) | Self::NotFhir(_) | Self::TooLarge => (AckCode::Error, ErrorCode::ApplicationError),
        }
    }
}

/// Escapes the delimiters in text placed in a field (`|^~\&` with the default encoding characters).
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '|' => out.push_str("\\F\\"),
            '^' => out.push_str("\\S\\"),
            '~' => out.push_str("\\R\\"),
            '\\' => out.push_str("\\E\\"),
            '&' => out.push_str("\\T\\"),
            '\r' | '\n' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// Builds the ACK for a message. `header` is the message's own, when it could be read (an unreadable message is
/// still answered, addressed to nobody). `control_id` is the ACK's own id.
pub fn ack(
    header: Option<&Header>,
    code: AckCode,
    error: Option<(ErrorCode, &str)>,
    now: OffsetDateTime,
    control_id: &str,
) -> String {
    let empty = Header::default();
    let h = header.unwrap_or(&empty);
    let timestamp = now.format(format_description!("[year][month][day][hour][minute][second]")).unwrap_or_default();
    let version = if h.version.is_empty() { "2.5.1" } else { h.version.as_str() };
    let event = h.message_type.split('^').nth(1).unwrap_or("R01");
    let mut out = format!(
        "MSH|^~\\&|SURGE|SURGE|{}|{}|{timestamp}||ACK^{}^ACK|{}|P|{}\rMSA|{}|{}",
        escape(&h.sending_application),
        escape(&h.sending_facility),
        escape(event),
        escape(control_id),
        escape(version),
        code.as_str(),
        escape(&h.control_id),
    );
    if let Some((error_code, text)) = error {
        out.push_str(&format!(
            "|{}\rERR|||{}^{}^HL70357|E||||{}",
            escape(text),
            error_code.code(),
            error_code.text(),
            escape(text)
        ));
    }
    out.push('\r');
    out
}
