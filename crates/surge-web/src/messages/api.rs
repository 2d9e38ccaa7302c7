//! The notification API: officials send a templated message with an `Idempotency-Key` (the same key answers with
//! the first message), follow one message, and list the history with personal data masked; gateways call back with
//! delivery receipts whose URLs Surge signed.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use serde::Deserialize;
use serde_json::{Value, json};
use surge_app::{MessageFilter, MessageRecord, Role, Store};
use surge_domain::Phone;
use surge_domain::notify::{MessageState, Receipt, kannel_receipt, receipt_signature_valid};

use crate::AppState;
use crate::access::auth::Principal;
use crate::error::ApiError;

fn rfc3339(t: time::OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339).unwrap_or_default()
}

/// A message as officials see it: the phone masked, the body left out (it may hold a code or a link).
fn message_json(m: &MessageRecord) -> Value {
    let masked = Phone::from_stored(&m.recipient).map(|p| p.masked()).unwrap_or_else(|_| "invalid".into());
    json!({
        "id": m.id,
        "kind": m.kind,
        "recipient": masked,
        "state": m.state.as_str(),
        "attempts": m.attempts,
        "gateway": m.gateway,
        "failure": m.failure,
        "body_kept": m.body.is_some(),
        "created_at": rfc3339(m.created_at),
        "sent_at": m.sent_at.map(rfc3339),
        "done_at": m.done_at.map(rfc3339),
    })
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SendRequest {
    to: String,
    #[serde(default = "test_kind")]
    kind: String,
    #[serde(default = "english")]
    lang: String,
    #[serde(default)]
    values: std::collections::HashMap<String, String>,
}

fn test_kind() -> String {
    "test_message".into()
}

fn english() -> String {
    "en".into()
}

/// Sends a message from a template. The `Idempotency-Key` header is required: a retried request with the same key
/// gets the first message back (200) instead of a second message (201).
pub async fn send<S: Store>(
    State(state): State<AppState<S>>,
    principal: Principal,
    headers: HeaderMap,
    body: Result<Json<SendRequest>, axum::extract::rejection::JsonRejection>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    principal.require(&[Role::Admin, Role::Official])?;
    let Json(body) = body.map_err(|e| ApiError::bad_request(e.body_text()))?;
    let key = headers.get("idempotency-key").and_then(|v| v.to_str().ok()).unwrap_or("");
    let values: Vec<(&str, &str)> = body.values.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let request = surge_app::messages::SendRequest {
        idempotency_key: key,
        kind: &body.kind,
        lang: &body.lang,
        values: &values,
        to: &body.to,
        region: &state.config.phone_region,
    };
    let sent = surge_app::messages::send(&state.store, &request, (state.clock)()).await?;
    let (id, message_state, created) = (sent.id, sent.state, sent.created);
    let status = if created { StatusCode::CREATED } else { StatusCode::OK };
    Ok((status, Json(json!({"id": id, "state": message_state.as_str(), "created": created}))))
}

pub async fn message<S: Store>(
    State(state): State<AppState<S>>,
    principal: Principal,
    Path(id): Path<i64>,
) -> Result<Json<Value>, ApiError> {
    principal.require(&[Role::Admin, Role::Official])?;
    Ok(Json(message_json(&surge_app::messages::message(&state.store, id).await?)))
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct HistoryQuery {
    state: Option<String>,
    kind: Option<String>,
    before: Option<i64>,
    limit: Option<u32>,
}

/// The message history, newest first, with counts by state.
pub async fn history<S: Store>(
    State(state): State<AppState<S>>,
    principal: Principal,
    query: Result<Query<HistoryQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    principal.require(&[Role::Admin, Role::Official])?;
    let Query(q) = query.map_err(|e| ApiError::bad_request(e.body_text()))?;
    let message_state = match q.state.as_deref() {
        None | Some("") => None,
        Some(s) => Some(MessageState::parse(s).ok_or_else(|| ApiError::bad_request(format!("unknown state {s:?}")))?),
    };
    let filter =
        MessageFilter { state: message_state, kind: q.kind, before_id: q.before, limit: q.limit.unwrap_or(100) };
    let history = surge_app::messages::history(&state.store, &filter).await?;
    let counts: serde_json::Map<String, Value> =
        history.counts.into_iter().map(|(s, n)| (s.as_str().to_owned(), json!(n))).collect();
    Ok(Json(json!({
        "messages": history.messages.iter().map(message_json).collect::<Vec<_>>(),
        "next_before": history.next_before,
        "counts": counts,
    })))
}

#[derive(Debug, Deserialize)]
pub struct ReceiptQuery {
    id: i64,
    sig: String,
    #[serde(rename = "type")]
    report_type: u32,
}

/// Kannel's delivery report, at the URL the Kannel gateway gave with the message. Late and duplicate reports are
/// answered 200 and change nothing.
pub async fn kannel_receipt_callback<S: Store>(
    State(state): State<AppState<S>>,
    query: Result<Query<ReceiptQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    let Query(q) = query.map_err(|e| ApiError::bad_request(e.body_text()))?;
    if !receipt_signature_valid(&state.web.receipt_secret, q.id, &q.sig) {
        return Err(ApiError::new(StatusCode::FORBIDDEN, "receipt_signature_invalid", "the receipt is not signed"));
    }
    let changed =
        surge_app::messages::record_receipt(&state.store, q.id, kannel_receipt(q.report_type), (state.clock)()).await?;
    tracing::info!(message_id = q.id, report_type = q.report_type, changed = changed.is_some(), "delivery report");
    Ok(Json(json!({"id": q.id, "state": changed.map(MessageState::as_str)})))
}

/// The key Kannel's `sms-service` URL carries, derived from the receipt secret (message id 0 is never used).
pub fn inbound_key(secret: &[u8]) -> String {
    surge_domain::notify::receipt_signature(secret, 0)
}

#[derive(Debug, Deserialize)]
pub struct InboundQuery {
    key: String,
    from: String,
    #[serde(default)]
    text: String,
}

/// A text someone sent to the service, from Kannel's `sms-service` (`get-url` with `%p` and `%a`). The answer's
/// body is Kannel's reply to the sender.
pub async fn kannel_inbound<S: Store>(
    State(state): State<AppState<S>>,
    query: Result<Query<InboundQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<(StatusCode, String), ApiError> {
    let Query(q) = query.map_err(|e| ApiError::bad_request(e.body_text()))?;
    if !receipt_signature_valid(&state.web.receipt_secret, 0, &q.key) {
        return Err(ApiError::new(StatusCode::FORBIDDEN, "inbound_key_invalid", "the inbound key is wrong"));
    }
    let phone = Phone::parse(&q.from, &state.config.phone_region)
        .map_err(|reason| ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "phone_invalid", reason))?;
    let reply = surge_app::inbound::answer_text(&state.store, &state.trust, &phone, &q.text, (state.clock)()).await?;
    Ok((StatusCode::OK, reply))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookReceipt {
    id: i64,
    /// `delivered`, `undelivered`, `rejected`, or anything else for progress.
    status: String,
}

/// A webhook provider's delivery report: JSON `{"id": …, "status": …}` signed like Surge's requests to it.
pub async fn webhook_receipt<S: Store>(
    State(state): State<AppState<S>>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<Json<Value>, ApiError> {
    let presented = headers.get("x-surge-signature").and_then(|v| v.to_str().ok()).unwrap_or("");
    let valid = surge_domain::notify::webhook_signature_valid(&state.web.webhook_secret, &body, presented);
    if !valid {
        return Err(ApiError::new(StatusCode::FORBIDDEN, "receipt_signature_invalid", "the receipt is not signed"));
    }
    let report: WebhookReceipt = serde_json::from_slice(&body).map_err(|e| ApiError::bad_request(e.to_string()))?;
    let receipt = match report.status.as_str() {
        "delivered" => Receipt::Delivered,
        "undelivered" => Receipt::Undelivered,
        "rejected" => Receipt::Rejected,
        _ => Receipt::Progress,
    };
    let changed = surge_app::messages::record_receipt(&state.store, report.id, receipt, (state.clock)()).await?;
    Ok(Json(json!({"id": report.id, "state": changed.map(MessageState::as_str)})))
}
