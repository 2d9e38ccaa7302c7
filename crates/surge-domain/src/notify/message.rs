//! The life of a message. created → sending (claimed by a worker) → sent (a gateway accepted it) → delivered, or
//! one of three failures: temporary (the phone was unreachable until the network gave up), permanent (the number
//! does not take texts, or the person opted out) and technical (no gateway would take it after every retry).
//! Gateway answers and delivery receipts drive the moves; a receipt that comes late or twice changes nothing.

use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MessageState {
    Created,
    Sending,
    Sent,
    Delivered,
    TemporaryFailure,
    PermanentFailure,
    TechnicalFailure,
}

impl MessageState {
    pub const ALL: [Self; 7] = [
        Self::Created,
        Self::Sending,
        Self::Sent,
        Self::Delivered,
        Self::TemporaryFailure,
        Self::PermanentFailure,
        Self::TechnicalFailure,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Created => "created",
            Self::Sending => "sending",
            Self::Sent => "sent",
            Self::Delivered => "delivered",
            Self::TemporaryFailure => "temporary-failure",
            Self::PermanentFailure => "permanent-failure",
            Self::TechnicalFailure => "technical-failure",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }

    /// No further move: the message is done, one way or another.
    pub fn is_final(self) -> bool {
        matches!(self, Self::Delivered | Self::TemporaryFailure | Self::PermanentFailure | Self::TechnicalFailure)
    }
}

/// Kinds whose text is a live secret (a sign-in code): its body is dropped as soon as a gateway takes it. The code's
/// hash stays with the sign-in, which is all the check needs.
pub const SECRET_UNTIL_SENT: &[&str] = &["login_code"];

/// Kinds whose text carries a pass link: its body is dropped once the phone has it (delivered). Until then a lost
/// message can be looked at and sent again; the pass itself stays with its holder's account.
pub const SECRET_UNTIL_DELIVERED: &[&str] = &["pass_issued"];

/// `kind IN ('a', 'b')` for SQL, from one of the lists above (constants, so no value from outside is spliced in).
pub fn kind_in(kinds: &[&str]) -> String {
    let quoted: Vec<String> = kinds.iter().map(|k| format!("'{}'", k.replace('\'', "''"))).collect();
    format!("kind IN ({})", quoted.join(", "))
}

/// What a delivery receipt says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Receipt {
    /// Reached the phone.
    Delivered,
    /// The network gave up for now (phone off, out of coverage, validity expired).
    Undelivered,
    /// The number or the message was refused for good.
    Rejected,
    /// Progress only (buffered, accepted by the SMSC): nothing changes.
    Progress,
}

/// The state after a receipt, or `None` to ignore it. A receipt may overtake the gateway's own answer (the
/// message is still `sending`), but never reopens a final state.
pub fn after_receipt(current: MessageState, receipt: Receipt) -> Option<MessageState> {
    if current.is_final() || current == MessageState::Created {
        return None;
    }
    match receipt {
        Receipt::Delivered => Some(MessageState::Delivered),
        Receipt::Undelivered => Some(MessageState::TemporaryFailure),
        Receipt::Rejected => Some(MessageState::PermanentFailure),
        Receipt::Progress => None,
    }
}

/// A gateway's answer to one submission.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendOutcome {
    /// Taken, with the gateway's id for the message (for receipts), if it gives one.
    Accepted { gateway_message_id: Option<String> },
    /// Try again later: throttled, queue full, network trouble.
    Temporary(String),
    /// Never: the number is invalid or barred.
    Permanent(String),
}

/// When to try again after temporary failures: exponential backoff from `first`, doubling, capped at `longest`,
/// for at most `attempts` tries in all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    pub first: Duration,
    pub longest: Duration,
    pub attempts: u32,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        // About an hour of trying in all: 5 s, 10 s, 20 s … capped at 10 minutes, 10 attempts.
        Self { first: Duration::from_secs(5), longest: Duration::from_secs(600), attempts: 10 }
    }
}

impl RetryPolicy {
    /// The wait before attempt `made + 1`, or `None` when `made` attempts are all there are.
    pub fn next_delay(&self, made: u32) -> Option<Duration> {
        if made >= self.attempts {
            return None;
        }
        let doubling = 2u32.saturating_pow(made.saturating_sub(1));
        Some(self.first.saturating_mul(doubling).min(self.longest))
    }
}

#[cfg(test)]
mod tests;

/// The signature in a delivery-receipt URL: HMAC-SHA256 over the message id with the service's receipt secret,
/// 128 bits in hex. Without it anyone could mark messages delivered.
pub fn receipt_signature(secret: &[u8], message_id: i64) -> String {
    hex::encode(&crate::mac::hmac_sha256(secret, &message_id.to_be_bytes())[..16])
}

/// Whether `signature` is the receipt signature for `message_id`, compared in constant time.
pub fn receipt_signature_valid(secret: &[u8], message_id: i64, signature: &str) -> bool {
    hex::decode(signature)
        .is_ok_and(|tag| tag.len() == 16 && crate::mac::hmac_sha256_valid(secret, &message_id.to_be_bytes(), &tag))
}

/// `sha256=<hex>` of the body with the shared secret.
pub fn webhook_signature(secret: &[u8], body: &[u8]) -> String {
    format!("sha256={}", hex::encode(crate::mac::hmac_sha256(secret, body)))
}

/// Whether a `sha256=<hex>` header signs `body` with the shared secret (a provider's delivery report is signed as
/// Surge's requests to it are). An empty secret verifies nothing.
pub fn webhook_signature_valid(secret: &[u8], body: &[u8], header: &str) -> bool {
    header
        .strip_prefix("sha256=")
        .and_then(|tag| hex::decode(tag).ok())
        .is_some_and(|tag| tag.len() == 32 && crate::mac::hmac_sha256_valid(secret, body, &tag))
}

/// What a Kannel delivery report type (`%d` in its `dlr-url`) means for a message.
pub fn kannel_receipt(report_type: u32) -> Receipt {
    match report_type {
        1 => Receipt::Delivered,
        2 => Receipt::Undelivered,
        16 => Receipt::Rejected,
        _ => Receipt::Progress,
    }
}

/// Reads an SMPP delivery receipt's text (the de-facto format of SMPP 3.4 Appendix B:
/// `id:… sub:… dlvrd:… submit date:… done date:… stat:DELIVRD err:… text:…`): the SMSC's message id and what
/// the state means. `None` when the text is not a receipt.
pub fn smpp_receipt(text: &str) -> Option<(String, Receipt)> {
    let field = |name: &str| {
        text.split_whitespace().find_map(|word| {
            let (key, value) = word.split_once(':')?;
            key.eq_ignore_ascii_case(name).then(|| value.to_owned())
        })
    };
    let id = field("id").filter(|id| !id.is_empty())?;
    let receipt = match field("stat")?.to_ascii_uppercase().as_str() {
        "DELIVRD" => Receipt::Delivered,
        "EXPIRED" | "UNDELIV" | "DELETED" => Receipt::Undelivered,
        "REJECTD" => Receipt::Rejected,
        _ => Receipt::Progress,
    };
    Some((id, receipt))
}
