//! Officials' messages: one sent from a template under the caller's idempotency key, the history with counts by
//! state, and the gateways' delivery receipts moving each message on.

use surge_domain::Phone;
use surge_domain::notify::{MessageState, Receipt, Templates};
use time::OffsetDateTime;

use crate::{AppError, MessageFilter, MessageRecord, Outbox, OutboxMessage};

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

/// Queues a message rendered from a built-in template; the number and the values are checked first, each named by
/// its field.
pub async fn send<S: Outbox>(store: &S, request: &SendRequest<'_>, now: OffsetDateTime) -> Result<Sent, AppError> {
    let key = request.idempotency_key.trim();
    if key.is_empty() || key.len() > 200 {
        return Err(AppError::BadRequest("send an Idempotency-Key header (1 to 200 characters)".into()));
    }
    let phone = Phone::parse(request.to, request.region).map_err(|reason| AppError::Unprocessable {
        code: "phone_invalid",
        field: Some("to"),
        message: reason,
    })?;
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
    Ok(Sent { id, state, created })
}

/// One message, for officials following it.
pub async fn message<S: Outbox>(store: &S, id: i64) -> Result<MessageRecord, AppError> {
    Ok(store.message(id).await?)
}

/// A page of the history, newest first, with counts by state and where the next page starts.
#[derive(Debug, Clone)]
pub struct History {
    pub messages: Vec<MessageRecord>,
    /// Read on with `before_id` = this; `None` on the last page.
    pub next_before: Option<i64>,
    pub counts: Vec<(MessageState, u64)>,
}

/// The history under a filter (its limit kept between 1 and 1,000).
pub async fn history<S: Outbox>(store: &S, filter: &MessageFilter) -> Result<History, AppError> {
    let filter = MessageFilter { limit: filter.limit.clamp(1, 1000), ..filter.clone() };
    let messages = store.messages(&filter).await?;
    let next_before = (messages.len() as u32 == filter.limit).then(|| messages.last().map(|m| m.id)).flatten();
    let counts = store.message_counts().await?;
    Ok(History { messages, next_before, counts })
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
