//! The notification API: officials send a templated message with an `Idempotency-Key` (the same key answers with
//! the first message), follow one message, and list the history with personal data masked; gateways call back with
//! delivery receipts whose URLs Surge signed.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};
use surge_app::{MessageFilter, MessageRecord, Role, Store};
use surge_domain::Phone;
use surge_domain::notify::{MessageState, Receipt, kannel_receipt, receipt_signature_valid};
use utoipa::{IntoParams, ToSchema};

use crate::AppState;
use crate::access::auth::Principal;
use crate::error::ApiError;
use crate::wire::rfc3339;

/// A message as officials see it: the phone masked, the body left out (it may hold a code or a link).
#[derive(Debug, Serialize, ToSchema)]
pub struct MessageOut {
    id: i64,
    kind: String,
    /// The phone, masked.
    recipient: String,
    /// `created`, `sending`, `sent`, `delivered`, `temporary-failure`, `permanent-failure` or `technical-failure`.
    state: &'static str,
    attempts: u32,
    gateway: Option<String>,
    failure: Option<String>,
    /// Whether the body is still kept (it is dropped once delivered).
    body_kept: bool,
    created_at: String,
    sent_at: Option<String>,
    done_at: Option<String>,
}

impl From<&MessageRecord> for MessageOut {
    fn from(m: &MessageRecord) -> Self {
        Self {
            id: m.id,
            kind: m.kind.clone(),
            recipient: Phone::from_stored(&m.recipient).map(|p| p.masked()).unwrap_or_else(|_| "invalid".into()),
            state: m.state.as_str(),
            attempts: m.attempts,
            gateway: m.gateway.clone(),
            failure: m.failure.clone(),
            body_kept: m.body.is_some(),
            created_at: rfc3339(m.created_at),
            sent_at: m.sent_at.map(rfc3339),
            done_at: m.done_at.map(rfc3339),
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SendRequest {
    /// The recipient's phone.
    to: String,
    /// The template: `test_message` when absent; staff may send `test_message`, `pass_suspended`,
    /// `pass_revoked` and `pass_reinstated`.
    #[serde(default = "test_kind")]
    #[schema(pattern = "^(test_message|pass_suspended|pass_revoked|pass_reinstated)$")]
    kind: String,
    /// `en` (the default) or `ko`.
    #[serde(default = "english")]
    #[schema(pattern = "^(en|ko)$")]
    lang: String,
    /// The template's values by name: at most 200 characters each, no control characters, no links.
    #[serde(default)]
    values: HashMap<String, String>,
}

fn test_kind() -> String {
    "test_message".into()
}

fn english() -> String {
    "en".into()
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Queued {
    id: i64,
    state: &'static str,
    /// False when the key was used before: this is the first message.
    created: bool,
}

/// Send a templated message (admin, official)
///
/// The `Idempotency-Key` header is required: a retried request with the same key gets the first message back (200)
/// instead of a second message (201).
#[utoipa::path(post, path = "/api/messages", tag = "messages", request_body = SendRequest,
    params(("Idempotency-Key" = String, Header, description = "1 to 200 characters, not only spaces",
        min_length = 1, max_length = 200, pattern = "\\S")),
    security(("apiKey" = [])),
    responses((status = 201, description = "Queued", body = Queued),
        (status = 200, description = "The key was used before: the first message", body = Queued),
        (status = 400), (status = 401), (status = 403), (status = 422)))]
pub async fn send<S: Store>(
    State(state): State<AppState<S>>,
    principal: Principal,
    headers: HeaderMap,
    body: Result<Json<SendRequest>, axum::extract::rejection::JsonRejection>,
) -> Result<(StatusCode, Json<Queued>), ApiError> {
    principal.require(&[Role::Admin, Role::Official])?;
    let Json(body) = body.map_err(|e| ApiError::rejected(e.status(), e.body_text()))?;
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
    let sent =
        surge_app::messages::send(&state.store, &request, &principal.scope(), &principal.actor(), (state.clock)())
            .await?;
    let (id, message_state, created) = (sent.id, sent.state, sent.created);
    let status = if created { StatusCode::CREATED } else { StatusCode::OK };
    Ok((status, Json(Queued { id, state: message_state.as_str(), created })))
}

/// One message's state, attempts, gateway and failure (admin, official)
#[utoipa::path(get, path = "/api/messages/{id}", tag = "messages", params(("id" = i64, Path)),
    security(("apiKey" = [])),
    responses((status = 200, description = "The message", body = MessageOut), (status = 401), (status = 403),
        (status = 404)))]
pub async fn message<S: Store>(
    State(state): State<AppState<S>>,
    principal: Principal,
    Path(id): Path<i64>,
) -> Result<Json<MessageOut>, ApiError> {
    principal.require(&[Role::Admin, Role::Official])?;
    Ok(Json(MessageOut::from(&surge_app::messages::message(&state.store, id, &principal.scope()).await?)))
}

#[derive(Debug, Deserialize, Default, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct HistoryQuery {
    /// One state only.
    #[param(pattern = "^(created|sending|sent|delivered|temporary-failure|permanent-failure|technical-failure)$")]
    state: Option<String>,
    /// One template only.
    kind: Option<String>,
    /// The page before (`next_before`).
    before: Option<i64>,
    /// 1 to 1000; 100 when absent.
    #[param(minimum = 1, maximum = 1000)]
    limit: Option<u32>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MessagePage {
    messages: Vec<MessageOut>,
    /// Send as `before` for the next page; null on the last.
    next_before: Option<i64>,
    /// How many messages are in each state.
    counts: BTreeMap<&'static str, u64>,
    /// True for an official limited to some zones or categories: messages are not kept by zone, so only the
    /// counts are shown.
    withheld: bool,
}

/// Message history, newest first, phones masked, with counts by state (admin, official)
#[utoipa::path(get, path = "/api/messages", tag = "messages", params(HistoryQuery), security(("apiKey" = [])),
    responses((status = 200, description = "Messages, next_before and counts", body = MessagePage),
        (status = 400), (status = 401), (status = 403)))]
pub async fn history<S: Store>(
    State(state): State<AppState<S>>,
    principal: Principal,
    query: Result<Query<HistoryQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<MessagePage>, ApiError> {
    principal.require(&[Role::Admin, Role::Official])?;
    let Query(q) = query.map_err(|e| ApiError::rejected(e.status(), e.body_text()))?;
    let message_state = match q.state.as_deref() {
        None => None,
        Some(s) => Some(MessageState::parse(s).ok_or_else(|| ApiError::bad_request(format!("unknown state {s:?}")))?),
    };
    let filter = MessageFilter {
        state: message_state,
        kind: q.kind,
        before_id: q.before,
        limit: crate::wire::page_limit(q.limit, 100, 1000)?,
    };
    let history = surge_app::messages::history(&state.store, &filter, &principal.scope()).await?;
    let counts = history.counts.into_iter().map(|(s, n)| (s.as_str(), n)).collect();
    Ok(Json(MessagePage {
        messages: history.messages.iter().map(MessageOut::from).collect(),
        next_before: history.next_before,
        counts,
        withheld: history.withheld,
    }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReceiptQuery {
    /// The message.
    id: i64,
    /// The URL's signature, made when the message was sent.
    sig: String,
    /// Kannel's report type (`%d`): 1 delivered, 2 undelivered, 8 accepted by the SMSC, 16 rejected.
    #[serde(rename = "type")]
    #[param(rename = "type")]
    report_type: u32,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReceiptRecorded {
    id: i64,
    /// The message's new state; null when the report changed nothing (late or repeated).
    state: Option<&'static str>,
}

/// Kannel delivery report callback (signed URL given with each message)
///
/// At the URL the Kannel gateway gave with the message. Late and duplicate reports are answered 200 and change
/// nothing.
#[utoipa::path(get, path = "/api/notify/kannel/receipt", tag = "messages", params(ReceiptQuery),
    responses((status = 200, description = "Recorded", body = ReceiptRecorded), (status = 400), (status = 403),
        (status = 404)))]
pub async fn kannel_receipt_callback<S: Store>(
    State(state): State<AppState<S>>,
    query: Result<Query<ReceiptQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<ReceiptRecorded>, ApiError> {
    let Query(q) = query.map_err(|e| ApiError::rejected(e.status(), e.body_text()))?;
    if !receipt_signature_valid(&state.web.receipt_secret, q.id, &q.sig) {
        return Err(ApiError::new(StatusCode::FORBIDDEN, "receipt_signature_invalid", "the receipt is not signed"));
    }
    let changed =
        surge_app::messages::record_receipt(&state.store, q.id, kannel_receipt(q.report_type), (state.clock)()).await?;
    tracing::info!(message_id = q.id, report_type = q.report_type, changed = changed.is_some(), "delivery report");
    Ok(Json(ReceiptRecorded { id: q.id, state: changed.map(MessageState::as_str) }))
}

/// The key Kannel's `sms-service` URL carries, derived from the receipt secret (message id 0 is never used).
pub fn inbound_key(secret: &[u8]) -> String {
    surge_domain::notify::receipt_signature(secret, 0)
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct InboundQuery {
    /// The key in the `sms-service` URL (`surge notify kannel-config` writes it).
    key: String,
    /// The sender's phone (`%p`).
    from: String,
    /// What they wrote (`%a`): STOP or START.
    #[serde(default)]
    text: String,
}

/// A text sent to the service, from Kannel's sms-service: STOP, START; the answer body is the reply
///
/// Kannel's `sms-service` calls it (`get-url` with `%p` and `%a`) and sends the answer's body back to the sender.
#[utoipa::path(get, path = "/api/notify/kannel/inbound", tag = "messages", params(InboundQuery),
    responses((status = 200, description = "The reply text", content_type = "text/plain", body = String),
        (status = 400), (status = 403), (status = 422)))]
pub async fn kannel_inbound<S: Store>(
    State(state): State<AppState<S>>,
    query: Result<Query<InboundQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<(StatusCode, String), ApiError> {
    let Query(q) = query.map_err(|e| ApiError::rejected(e.status(), e.body_text()))?;
    if !receipt_signature_valid(&state.web.receipt_secret, 0, &q.key) {
        return Err(ApiError::new(StatusCode::FORBIDDEN, "inbound_key_invalid", "the inbound key is wrong"));
    }
    let phone = Phone::parse(&q.from, &state.config.phone_region)
        .map_err(|reason| ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "phone_invalid", reason))?;
    let reply = surge_app::inbound::answer_text(
        &state.store,
        &state.trust.current().list,
        &phone,
        &q.text,
        state.config.zone,
        (state.clock)(),
    )
    .await?;
    Ok((StatusCode::OK, reply))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WebhookReceipt {
    /// The message.
    id: i64,
    /// `delivered`, `undelivered`, `rejected`, or anything else for progress.
    status: String,
}

/// A webhook provider's delivery report, signed with X-Surge-Signature: sha256=<HMAC of the body>
///
/// Signed like Surge's requests to the provider.
#[utoipa::path(post, path = "/api/notify/webhook/receipt", tag = "messages", request_body = WebhookReceipt,
    params(("X-Surge-Signature" = String, Header, description = "sha256=<hex HMAC-SHA256 of the body>")),
    responses((status = 200, description = "Recorded", body = ReceiptRecorded), (status = 400), (status = 403),
        (status = 404)))]
pub async fn webhook_receipt<S: Store>(
    State(state): State<AppState<S>>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<Json<ReceiptRecorded>, ApiError> {
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
    Ok(Json(ReceiptRecorded { id: report.id, state: changed.map(MessageState::as_str) }))
}
