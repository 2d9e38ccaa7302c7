//! The outbox worker. `run_once` sends what the gateways can take in about a second, a window at a time: it
//! claims only the window it is about to hand to the gateways, checks and sends each message, and records the
//! window's results in one transaction before claiming the next, so a sender killed mid-way repeats at most one
//! window; `sweep` puts back messages whose sender died and deletes
//! old bodies. The server loops them; tests call them directly.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use surge_app::{ClaimedMessage, Outbox, SendResult, StoreError};
use surge_domain::Phone;
use surge_domain::notify::throttle::{Health, TokenBucket, pick};
use surge_domain::notify::{MessageState, RetryPolicy, SendOutcome, text};
use time::OffsetDateTime;

use crate::gateway::{OutgoingSms, SmsGateway};

/// A gateway with its share of the traffic and its speed limit.
#[derive(Debug, Clone)]
pub struct Route {
    pub gateway: Arc<dyn SmsGateway>,
    pub weight: u32,
    /// Messages a second; 0 for no limit.
    pub rate: f64,
}

#[derive(Debug, Clone)]
pub struct WorkerConfig {
    pub retry: RetryPolicy,
    /// The longest message, in parts.
    pub max_segments: usize,
    /// Region for numbers stored without a country code (there should be none; the check is a last guard).
    pub phone_region: String,
    /// Most messages one `run_once` sends.
    pub batch: u32,
    /// Messages claimed and in flight to the gateways at once: after a crash, at most these are sent twice.
    pub window: usize,
    /// A message left `sending` this long had a sender that died; it is sent again.
    pub sending_timeout: Duration,
    /// Message bodies are deleted this long after creation (counts and states stay).
    pub body_retention: Duration,
    /// Kinds sent even to people who opted out, because they asked for them (sign-in codes).
    pub opt_out_exempt: Vec<String>,
}

impl Default for WorkerConfig {
    fn default() -> Self {
        Self {
            retry: RetryPolicy::default(),
            max_segments: 4,
            phone_region: "KR".into(),
            batch: 500,
            window: 16,
            sending_timeout: Duration::from_secs(300),
            body_retention: Duration::from_secs(7 * 24 * 3600),
            opt_out_exempt: vec!["login_code".into()],
        }
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WorkOutcome {
    pub claimed: usize,
    pub accepted: usize,
    pub retried: usize,
    pub failed: usize,
}

#[derive(Debug)]
struct Lanes {
    buckets: Vec<TokenBucket>,
    health: Vec<Health>,
}

#[derive(Debug)]
pub struct NotifyWorker {
    routes: Vec<Route>,
    config: WorkerConfig,
    lanes: Mutex<Lanes>,
    started: Instant,
}

/// One message on its way, with its result.
type Sending<'a> = Pin<Box<dyn Future<Output = (i64, SendResult)> + Send + 'a>>;

fn whole(d: Duration) -> time::Duration {
    time::Duration::try_from(d).unwrap_or(time::Duration::MAX)
}

impl NotifyWorker {
    pub fn new(routes: Vec<Route>, config: WorkerConfig) -> Self {
        let started = Instant::now();
        let buckets = routes.iter().map(|r| TokenBucket::new(r.rate, r.rate.max(1.0), Duration::ZERO)).collect();
        let health = routes.iter().map(|_| Health::default()).collect();
        Self { routes, config, lanes: Mutex::new(Lanes { buckets, health }), started }
    }

    fn lanes(&self) -> std::sync::MutexGuard<'_, Lanes> {
        self.lanes.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// How many messages the gateways can take in the next second or so.
    fn budget(&self) -> u32 {
        let limited: f64 = self.routes.iter().filter(|r| r.weight > 0).map(|r| r.rate).sum();
        let unlimited = self.routes.iter().any(|r| r.weight > 0 && r.rate <= 0.0);
        if unlimited || limited <= 0.0 {
            self.config.batch
        } else {
            (limited.ceil() as u32).clamp(1, self.config.batch)
        }
    }

    /// Sends up to a second's budget, a window at a time. Idle (all zero) when nothing is due.
    pub async fn run_once<S: Outbox>(&self, store: &S, now: OffsetDateTime) -> Result<WorkOutcome, StoreError> {
        let budget = self.budget() as usize;
        let window = self.config.window.clamp(1, budget.max(1));
        let mut outcome = WorkOutcome::default();
        while outcome.claimed < budget {
            let want = window.min(budget - outcome.claimed);
            let done = self.send_window(store, want as u32, now).await?;
            outcome.claimed += done.claimed;
            outcome.accepted += done.accepted;
            outcome.retried += done.retried;
            outcome.failed += done.failed;
            if done.claimed < want {
                break;
            }
        }
        Ok(outcome)
    }

    /// Claims at most `limit` messages, sends them at once, and records their results.
    async fn send_window<S: Outbox>(
        &self,
        store: &S,
        limit: u32,
        now: OffsetDateTime,
    ) -> Result<WorkOutcome, StoreError> {
        let claimed = store.claim_messages(limit, now).await?;
        if claimed.is_empty() {
            return Ok(WorkOutcome::default());
        }
        let checked: Vec<String> = claimed
            .iter()
            .filter(|c| !self.config.opt_out_exempt.contains(&c.message.kind))
            .map(|c| c.message.recipient.clone())
            .collect();
        let opted_out = store.opted_out(&checked).await?;
        // Boxed so the future's type names no closure lifetimes (which would stop it being spawned).
        let sends: Vec<Sending<'_>> = claimed
            .iter()
            .map(|message| {
                let opted = !self.config.opt_out_exempt.contains(&message.message.kind)
                    && opted_out.contains(&message.message.recipient);
                Box::pin(async move { (message.id, self.send_one(message, opted, now).await) }) as Pin<Box<_>>
            })
            .collect();
        let results: Vec<(i64, SendResult)> =
            futures_util::stream::iter(sends).buffer_unordered(self.config.window.max(1)).collect().await;
        store.record_results(&results, now).await?;
        let mut outcome = WorkOutcome { claimed: claimed.len(), ..WorkOutcome::default() };
        for (_, result) in &results {
            match result {
                SendResult::Accepted { .. } => outcome.accepted += 1,
                SendResult::Retry { .. } => outcome.retried += 1,
                SendResult::Failed { .. } => outcome.failed += 1,
            }
        }
        Ok(outcome)
    }

    async fn send_one(&self, claimed: &ClaimedMessage, opted_out: bool, now: OffsetDateTime) -> SendResult {
        let fail = |reason: String| SendResult::Failed { state: MessageState::PermanentFailure, reason };
        if opted_out {
            return fail("opted_out".into());
        }
        let phone = match Phone::parse(&claimed.message.recipient, &self.config.phone_region) {
            Ok(phone) => phone,
            Err(reason) => return fail(format!("phone_invalid: {reason}")),
        };
        let sms = match text::check(&claimed.message.body, self.config.max_segments) {
            Ok(sms) => sms,
            Err(e) => return fail(format!("{}: {e}", e.code())),
        };
        // The message id spreads messages over the gateways by weight, the same way on every server.
        let roll = (claimed.id as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 11;
        let roll = roll as f64 / (1u64 << 53) as f64;
        let mut tried: Vec<usize> = Vec::new();
        let mut last_error = String::from("no gateway configured");
        // The chosen gateway, then one other if it fails: failover within the same attempt.
        for _ in 0..2 {
            let Some(route) = self.choose(roll, &tried) else { break };
            tried.push(route);
            self.wait_for_token(route).await;
            let outgoing =
                OutgoingSms { id: claimed.id, to: phone.as_str(), body: &claimed.message.body, encoding: sms.encoding };
            let gateway = &self.routes[route].gateway;
            match gateway.send(outgoing).await {
                SendOutcome::Accepted { gateway_message_id } => {
                    return SendResult::Accepted { gateway: gateway.name().to_owned(), gateway_message_id };
                }
                SendOutcome::Permanent(reason) => return fail(reason),
                SendOutcome::Temporary(reason) => {
                    tracing::warn!(gateway = gateway.name(), message_id = claimed.id, %reason, "send failed");
                    let elapsed = self.started.elapsed();
                    self.lanes().health[route].record_error(elapsed);
                    last_error = reason;
                }
            }
        }
        match self.config.retry.next_delay(claimed.attempts) {
            Some(delay) => SendResult::Retry { at: now + whole(delay), reason: last_error },
            None => SendResult::Failed { state: MessageState::TechnicalFailure, reason: last_error },
        }
    }

    fn choose(&self, roll: f64, tried: &[usize]) -> Option<usize> {
        let lanes = self.lanes();
        let weights: Vec<u32> =
            self.routes.iter().enumerate().map(|(i, r)| if tried.contains(&i) { 0 } else { r.weight }).collect();
        pick(&weights, &lanes.health, self.started.elapsed(), roll)
    }

    async fn wait_for_token(&self, route: usize) {
        loop {
            let wait = {
                let elapsed = self.started.elapsed();
                match self.lanes().buckets[route].take(elapsed) {
                    Ok(()) => return,
                    Err(wait) => wait,
                }
            };
            tokio::time::sleep(wait).await;
        }
    }

    /// How often `sweep` should run: every minute, or as often as the sending timeout if that is shorter, so a
    /// message stuck by a dead sender waits about one timeout, not a minute more.
    pub fn sweep_interval(&self) -> Duration {
        self.config.sending_timeout.min(Duration::from_secs(60)).max(Duration::from_millis(100))
    }

    /// Puts back messages stuck in `sending` and deletes bodies past their retention. Answers how many were put
    /// back and how many bodies were deleted.
    pub async fn sweep<S: Outbox>(&self, store: &S, now: OffsetDateTime) -> Result<(u64, u64), StoreError> {
        let requeued = store.requeue_stuck(now - whole(self.config.sending_timeout), now).await?;
        if requeued > 0 {
            tracing::warn!(requeued, "messages left sending by a stopped sender were queued again");
        }
        let purged = store.purge_bodies(now - whole(self.config.body_retention)).await?;
        Ok((requeued, purged))
    }
}

#[cfg(test)]
mod tests;
