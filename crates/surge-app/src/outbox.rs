//! The outbox port: messages written with the change that causes them, claimed by senders, and moved through their
//! states by gateway answers and delivery receipts. Both SQL stores implement it and pass the conformance suite.

use std::future::Future;

use surge_domain::notify::{MessageState, Receipt};
use time::OffsetDateTime;

use crate::{OutboxMessage, StoreError};

/// A message claimed for sending.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimedMessage {
    pub id: i64,
    pub message: OutboxMessage,
    /// Attempts so far, this one included.
    pub attempts: u32,
}

/// What became of one claimed message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendResult {
    Accepted {
        gateway: String,
        gateway_message_id: Option<String>,
    },
    /// Back in the queue until `at`.
    Retry {
        at: OffsetDateTime,
        reason: String,
    },
    /// Done, as one of the failure states.
    Failed {
        state: MessageState,
        reason: String,
    },
}

/// A message as officials see it in the history (the caller masks personal data).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageRecord {
    pub id: i64,
    pub idempotency_key: String,
    pub kind: String,
    pub recipient: String,
    /// `None` once the retention period has passed.
    pub body: Option<String>,
    pub state: MessageState,
    pub attempts: u32,
    pub gateway: Option<String>,
    pub failure: Option<String>,
    pub created_at: OffsetDateTime,
    pub sent_at: Option<OffsetDateTime>,
    pub done_at: Option<OffsetDateTime>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MessageFilter {
    pub state: Option<MessageState>,
    pub kind: Option<String>,
    /// Newest first: messages with ids below this one.
    pub before_id: Option<i64>,
    pub limit: u32,
}

pub trait Outbox: Send + Sync {
    /// Adds a message unless one with its idempotency key exists; either way returns that message's id and state,
    /// and whether this call created it.
    fn enqueue(
        &self,
        message: &OutboxMessage,
        now: OffsetDateTime,
    ) -> impl Future<Output = Result<(i64, MessageState, bool), StoreError>> + Send;

    /// Claims up to `limit` messages that are due (new, or waiting for a retry whose time has come), in id order,
    /// skipping those another sender holds; they become `sending`.
    fn claim_messages(
        &self,
        limit: u32,
        now: OffsetDateTime,
    ) -> impl Future<Output = Result<Vec<ClaimedMessage>, StoreError>> + Send;

    /// Records what the gateways did with claimed messages, all in one transaction. A receipt that came first
    /// is kept: an accepted message already `delivered` stays so.
    fn record_results(
        &self,
        results: &[(i64, SendResult)],
        now: OffsetDateTime,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Applies a delivery receipt; answers the new state, or `None` if the receipt changed nothing (late,
    /// duplicate, or for a message in a final state). `NotFound` for an unknown id.
    fn record_receipt(
        &self,
        id: i64,
        receipt: Receipt,
        now: OffsetDateTime,
    ) -> impl Future<Output = Result<Option<MessageState>, StoreError>> + Send;

    /// Applies a receipt that names the gateway's id for the message (SMPP); `NotFound` if no message of that
    /// gateway has it (yet: the receipt can overtake the recording of the id).
    fn record_receipt_by_gateway_id(
        &self,
        gateway: &str,
        gateway_message_id: &str,
        receipt: Receipt,
        now: OffsetDateTime,
    ) -> impl Future<Output = Result<Option<MessageState>, StoreError>> + Send;

    /// Puts messages left in `sending` since before `claimed_before` back in the queue (their sender died);
    /// answers how many.
    fn requeue_stuck(
        &self,
        claimed_before: OffsetDateTime,
        now: OffsetDateTime,
    ) -> impl Future<Output = Result<u64, StoreError>> + Send;

    fn set_opt_out(
        &self,
        phone: &str,
        opted_out: bool,
        now: OffsetDateTime,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Which of `phones` have opted out.
    fn opted_out(&self, phones: &[String]) -> impl Future<Output = Result<Vec<String>, StoreError>> + Send;

    fn message(&self, id: i64) -> impl Future<Output = Result<MessageRecord, StoreError>> + Send;

    fn messages(&self, filter: &MessageFilter) -> impl Future<Output = Result<Vec<MessageRecord>, StoreError>> + Send;

    /// Messages by state, for the history page and metrics.
    fn message_counts(&self) -> impl Future<Output = Result<Vec<(MessageState, u64)>, StoreError>> + Send;

    /// Deletes the bodies of final messages created before `before` (their rows, states and counts stay);
    /// answers how many.
    fn purge_bodies(&self, before: OffsetDateTime) -> impl Future<Output = Result<u64, StoreError>> + Send;

    /// Outbox messages in id order after `after_id`, at most `limit`, with their ids.
    fn outbox_messages(
        &self,
        after_id: i64,
        limit: u32,
    ) -> impl Future<Output = Result<Vec<(i64, OutboxMessage)>, StoreError>> + Send;
}
