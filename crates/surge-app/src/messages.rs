//! Officials' messages: one sent from a template under the caller's idempotency key, the history with counts by
//! state, and the gateways' delivery receipts moving each message on. Staff may send only the templates meant for
//! them, with short values and no links, to people in their scope; each message sent is in the audit log.

use surge_domain::audit::AuditEntry;
use surge_domain::notify::{MessageState, Receipt, Templates};
use surge_domain::{KeyScope, Phone};
use time::OffsetDateTime;

use crate::{AppError, AuditLog, MessageFilter, MessageRecord, Outbox, OutboxMessage, Passes};

/// The templates staff may send by hand. The others carry sign-in codes, pass links or results, and only the
/// service sends them.
pub const STAFF_TEMPLATES: &[&str] = &["test_message", "pass_suspended", "pass_revoked", "pass_reinstated"];

/// The longest value staff may put in a template.
pub const MAX_VALUE_CHARS: usize = 200;

/// Whether a value reads as a web address: a scheme, `www.`, or a word like `example.org/…`. Links in texts from
/// the state are how phishing starts; none of the staff templates takes one.
pub fn looks_like_link(text: &str) -> bool {
    let lower = text.to_lowercase();
    if lower.contains("://") || lower.contains("www.") {
        return true;
    }
    lower.split(|c: char| c.is_whitespace() || matches!(c, '(' | ')' | '<' | '>' | '"' | '\'')).any(|word| {
        let host = word.split('/').next().unwrap_or_default().trim_end_matches(['.', ',', ':', ';', '!', '?']);
        let mut labels = host.split('.');
        let first = labels.next().unwrap_or_default();
        let rest: Vec<&str> = labels.collect();
        // At least `name.tld`, with letters for the top-level part and something before it.
        !first.is_empty()
            && rest.last().is_some_and(|tld| tld.len() >= 2 && tld.chars().all(|c| c.is_ascii_alphabetic()))
            && rest.iter().all(|label| !label.is_empty())
            && first.chars().any(|c| c.is_alphanumeric())
    })
}

/// Checks what staff asked to send: the template is one for staff, each value short, without control characters or
/// links. Each problem names its field.
pub fn check_staff_message(kind: &str, values: &[(&str, &str)]) -> Result<(), AppError> {
    if !STAFF_TEMPLATES.contains(&kind) {
        return Err(AppError::Unprocessable {
            code: "template_not_allowed",
            field: Some("kind"),
            message: format!("staff may send only these templates: {}", STAFF_TEMPLATES.join(", ")),
        });
    }
    for (key, value) in values {
        let problem = if value.chars().count() > MAX_VALUE_CHARS {
            Some(format!("the value of {key:?} is longer than {MAX_VALUE_CHARS} characters"))
        } else if value.chars().any(char::is_control) {
            Some(format!("the value of {key:?} has control characters"))
        } else if looks_like_link(value) {
            Some(format!("the value of {key:?} holds a link; texts from staff may not carry links"))
        } else {
            None
        };
        if let Some(message) = problem {
            return Err(AppError::Unprocessable { code: "value_invalid", field: Some("values"), message });
        }
    }
    Ok(())
}

/// A message an official asks to send: a template, its values and a phone number as typed.
#[derive(Debug, Clone)]
pub struct SendRequest<'a> {
    /// The caller's `Idempotency-Key`: the same key answers with the first message instead of a second.
    pub idempotency_key: &'a str,
    pub kind: &'a str,
    pub lang: &'a str,
    pub values: &'a [(&'a str, &'a str)],
    pub to: &'a str,
    /// The region a number without a country code is read in (`KR`).
    pub region: &'a str,
}

/// What sending did: the message's id and state, and whether it was queued now (`false`: the key was used before).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sent {
    pub id: i64,
    pub state: MessageState,
    pub created: bool,
}

/// Queues a message rendered from a staff template; the template, the values and the number are checked first, each
/// named by its field. An official limited to some zones or categories may text only a phone that belongs there (a
/// pass holder, applicant or organisation contact in their scope). The message goes in the audit log with `actor`.
pub async fn send<S: Outbox + Passes + AuditLog>(
    store: &S,
    request: &SendRequest<'_>,
    scope: &KeyScope,
    actor: &str,
    now: OffsetDateTime,
) -> Result<Sent, AppError> {
    let key = request.idempotency_key.trim();
    if key.is_empty() || key.chars().count() > 200 {
        return Err(AppError::BadRequest("send an Idempotency-Key header (1 to 200 characters)".into()));
    }
    check_staff_message(request.kind, request.values)?;
    let phone = Phone::parse(request.to, request.region).map_err(|reason| AppError::Unprocessable {
        code: "phone_invalid",
        field: Some("to"),
        message: reason,
    })?;
    if !scope.is_unlimited() {
        let places = store.places_of_phone(phone.as_str()).await?;
        let covered = places.iter().any(|(zones, category)| zones.iter().any(|zone| scope.covers(zone, category)));
        if !covered {
            return Err(AppError::Unprocessable {
                code: "recipient_out_of_scope",
                field: Some("to"),
                message: "this number is no pass holder, applicant or organisation in your zones and categories".into(),
            });
        }
    }
    let text = Templates::builtin()
        .render(request.kind, request.lang, request.values)
        .map_err(|e| AppError::Unprocessable { code: e.code(), field: Some("values"), message: e.to_string() })?;
    let message = OutboxMessage {
        idempotency_key: format!("api:{key}"),
        kind: request.kind.to_owned(),
        recipient: phone.as_str().to_owned(),
        body: text,
    };
    let (id, state, created) = store.enqueue(&message, now).await?;
    if created {
        let audit = AuditEntry {
            actor: actor.to_owned(),
            action: "message.sent".into(),
            subject: format!("message:{id}"),
            detail: format!("{} to {}", request.kind, phone.masked()),
        };
        store.append_audit(&audit, now).await?;
    }
    tracing::info!(message_id = id, kind = request.kind, created, "staff message queued");
    Ok(Sent { id, state, created })
}

/// One message, for staff following it; an official limited to some zones or categories may not (messages are not
/// kept by zone).
pub async fn message<S: Outbox>(store: &S, id: i64, scope: &KeyScope) -> Result<MessageRecord, AppError> {
    if !scope.is_unlimited() {
        return Err(AppError::Forbidden);
    }
    Ok(store.message(id).await?)
}

/// A page of the history, newest first, with counts by state and where the next page starts.
#[derive(Debug, Clone)]
pub struct History {
    pub messages: Vec<MessageRecord>,
    /// Read on with `before_id` = this; `None` on the last page.
    pub next_before: Option<i64>,
    pub counts: Vec<(MessageState, u64)>,
    /// The caller's scope is limited: the messages are withheld and only the counts shown.
    pub withheld: bool,
}

/// The history under a filter (its limit kept between 1 and 1,000). Messages are not kept by zone, so an official
/// limited to some zones or categories sees the counts only (`Forbidden` for the messages themselves).
pub async fn history<S: Outbox>(store: &S, filter: &MessageFilter, scope: &KeyScope) -> Result<History, AppError> {
    if !scope.is_unlimited() {
        return Ok(History {
            messages: Vec::new(),
            next_before: None,
            counts: store.message_counts().await?,
            withheld: true,
        });
    }
    let filter = MessageFilter { limit: filter.limit.clamp(1, 1000), ..filter.clone() };
    let messages = store.messages(&filter).await?;
    let next_before = (messages.len() as u32 == filter.limit).then(|| messages.last().map(|m| m.id)).flatten();
    let counts = store.message_counts().await?;
    Ok(History { messages, next_before, counts, withheld: false })
}

/// A delivery receipt for one message; late and repeated receipts change nothing (`None`).
pub async fn record_receipt<S: Outbox>(
    store: &S,
    id: i64,
    receipt: Receipt,
    now: OffsetDateTime,
) -> Result<Option<MessageState>, AppError> {
    Ok(store.record_receipt(id, receipt, now).await?)
}
