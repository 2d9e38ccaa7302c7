//! The event log over NATS JetStream, for several Surge servers sharing one stream. A `Relay` reads the
//! database's event log and publishes each event with its id as `Nats-Msg-Id`, so a relay that publishes again
//! after a crash, or two servers' relays publishing the same log, leave each event once in the stream. A
//! `NatsConsumer` reads the stream through a durable consumer and counts it with `surge_app::analytics::Consumer`,
//! storing each batch's results with its stream sequence in one transaction before acknowledging it; restarted, it
//! reads again from its last stored engine state, so it neither loses nor double-counts a window.

mod wire;

use std::collections::VecDeque;
use std::time::Duration;

pub use async_nats::jetstream::Context;
use async_nats::jetstream::consumer::{AckPolicy, DeliverPolicy, PullConsumer, pull};
use async_nats::jetstream::message::PublishMessage;
use async_nats::jetstream::{self, stream};
use futures_util::StreamExt;
use surge_app::analytics::{Batch, Consumer, ConsumerSettings};
use surge_app::{EventPosition, LoggedEvent, Store, StreamSave};
use time::OffsetDateTime;

pub use wire::{decode, encode};

/// What went wrong talking to NATS or the store. Codes are stable.
#[derive(Debug, thiserror::Error)]
pub enum NatsError {
    #[error("nats.connect: cannot reach NATS at {url}: {message}")]
    Connect { url: String, message: String },
    #[error("nats.jetstream: {0}")]
    JetStream(String),
    #[error("nats.store: {0}")]
    Store(String),
}

impl NatsError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::Connect { .. } => "nats.connect",
            Self::JetStream(_) => "nats.jetstream",
            Self::Store(_) => "nats.store",
        }
    }
}

fn js_error(e: impl std::fmt::Display) -> NatsError {
    NatsError::JetStream(e.to_string())
}

fn store_error(e: impl std::fmt::Display) -> NatsError {
    NatsError::Store(e.to_string())
}

/// Where the stream is and how long it keeps events.
#[derive(Debug, Clone, PartialEq)]
pub struct NatsSettings {
    pub url: String,
    /// The JetStream stream's name.
    pub stream: String,
    /// Events are published on `PREFIX.KIND` (`surge.events.scan.valid`).
    pub subject_prefix: String,
    /// How long the stream keeps an event: a consumer restarted later than this after its last stored state has
    /// lost what it had not counted.
    pub max_age: Duration,
    /// How long JetStream remembers an event id to drop a repeat of it.
    pub duplicate_window: Duration,
    /// Events per batch read from the stream, and how long a read waits for them.
    pub batch: usize,
    pub wait: Duration,
    /// How long JetStream waits for a consumer to acknowledge an event before it sends it again.
    pub ack_wait: Duration,
}

impl Default for NatsSettings {
    fn default() -> Self {
        Self {
            url: "nats://127.0.0.1:4222".into(),
            stream: "SURGE_EVENTS".into(),
            subject_prefix: "surge.events".into(),
            max_age: Duration::from_secs(7 * 24 * 3600),
            duplicate_window: Duration::from_secs(3600),
            batch: 1000,
            wait: Duration::from_millis(200),
            ack_wait: Duration::from_secs(30),
        }
    }
}

/// Connects and makes sure the stream exists (a stream already there is taken as it is).
pub async fn connect(settings: &NatsSettings) -> Result<Context, NatsError> {
    let client = async_nats::connect(&settings.url)
        .await
        .map_err(|e| NatsError::Connect { url: settings.url.clone(), message: e.to_string() })?;
    let js = jetstream::new(client);
    js.get_or_create_stream(stream::Config {
        name: settings.stream.clone(),
        subjects: vec![format!("{}.>", settings.subject_prefix)],
        max_age: settings.max_age,
        duplicate_window: settings.duplicate_window,
        storage: stream::StorageType::File,
        ..Default::default()
    })
    .await
    .map_err(js_error)?;
    Ok(js)
}

/// Acknowledgements awaited at once: the client holds at most 5,000 publishes in flight.
const IN_FLIGHT: usize = 4096;

/// Publishes events with their ids as `Nats-Msg-Id` and waits until the stream has taken every one. Returns how
/// many the stream took as new (a repeat within the duplicate window is acknowledged but not stored again).
pub async fn publish(js: &Context, prefix: &str, rows: &[LoggedEvent]) -> Result<usize, NatsError> {
    let mut acks = VecDeque::with_capacity(IN_FLIGHT.min(rows.len()));
    let mut new = 0;
    for row in rows {
        let message = PublishMessage::build().message_id(row.position.id.to_string()).payload(encode(row).into());
        acks.push_back(js.send_publish(format!("{prefix}.{}", row.kind), message).await.map_err(js_error)?);
        if acks.len() >= IN_FLIGHT {
            if let Some(ack) = acks.pop_front() {
                new += usize::from(!ack.await.map_err(js_error)?.duplicate);
            }
        }
    }
    for ack in acks {
        new += usize::from(!ack.await.map_err(js_error)?.duplicate);
    }
    Ok(new)
}

/// Publishes the database's event log to the stream, from its own stored place (a consumer name in the store).
#[derive(Debug)]
pub struct Relay {
    name: String,
    position: EventPosition,
    batch: u32,
}

impl Relay {
    pub async fn start<S: Store>(store: &S, name: &str, batch: u32) -> Result<Self, NatsError> {
        let place = store.stream_place(name).await.map_err(store_error)?;
        Ok(Self { name: name.into(), position: place.map(|p| p.position).unwrap_or_default(), batch })
    }

    /// Publishes the next batch of the log and stores the place after it once the stream has it. A crash between
    /// the two publishes the batch again, which the stream drops as repeats. Returns the events read; `now` is
    /// stored with the place.
    pub async fn run_once<S: Store>(
        &mut self,
        store: &S,
        js: &Context,
        prefix: &str,
        now: OffsetDateTime,
    ) -> Result<usize, NatsError> {
        let rows = store.events_after(self.position, self.batch).await.map_err(store_error)?;
        let Some(last) = rows.last() else { return Ok(0) };
        publish(js, prefix, &rows).await?;
        let save = StreamSave {
            consumer: self.name.clone(),
            position: last.position,
            windows: Vec::new(),
            late: Vec::new(),
            alerts: Vec::new(),
            state: None,
            at: now,
        };
        store.save_stream(&save).await.map_err(store_error)?;
        self.position = last.position;
        Ok(rows.len())
    }

    pub fn position(&self) -> EventPosition {
        self.position
    }
}

/// A stream sequence as a place in the store (`tx` 0, `id` the sequence).
fn place(sequence: u64) -> EventPosition {
    EventPosition { tx: 0, id: sequence as i64 }
}

/// Counts the stream through a durable JetStream consumer of the same name; its results, place and state are in
/// the store under that name. Each server that counts the stream needs its own name.
#[derive(Debug)]
pub struct NatsConsumer {
    counter: Consumer,
    durable: PullConsumer,
    stream: stream::Stream,
    settings: NatsSettings,
}

impl NatsConsumer {
    /// The consumer `name` as the store left it. Events the durable consumer had acknowledged after the last
    /// stored engine state are read again from the stream first, so the restored engine sees every event once.
    /// `now` is the consumer's clock, as for `run_once`.
    pub async fn start<S: Store>(
        store: &S,
        js: &Context,
        name: &str,
        settings: NatsSettings,
        counting: ConsumerSettings,
        now: OffsetDateTime,
    ) -> Result<Self, NatsError> {
        let counter = Consumer::start(store, name, counting).await.map_err(store_error)?;
        let stream = js.get_stream(&settings.stream).await.map_err(js_error)?;
        let mut durable: PullConsumer = stream
            .get_or_create_consumer(
                name,
                pull::Config {
                    durable_name: Some(name.into()),
                    ack_policy: AckPolicy::All,
                    deliver_policy: DeliverPolicy::All,
                    max_ack_pending: (settings.batch * 4) as i64,
                    ack_wait: settings.ack_wait,
                    ..Default::default()
                },
            )
            .await
            .map_err(js_error)?;
        // Everything handed out before this start is read again in order: acknowledged events after the stored
        // state, and events delivered to the stopped process that the durable consumer would send again only
        // after their acknowledgement wait.
        let delivered = durable.info().await.map_err(js_error)?.delivered.stream_sequence;
        let mut this = Self { counter, durable, stream, settings };
        if delivered > this.sequence() {
            tracing::info!(consumer = name, from = this.sequence(), to = delivered, "reading handed-out events again");
            let rows = this.fill(this.sequence() + 1, delivered).await?;
            this.counter.count(store, &rows, Some(place(delivered)), now).await.map_err(store_error)?;
        }
        Ok(this)
    }

    /// The events from `from` to `until`, read in order straight from the stream.
    async fn fill(&self, from: u64, until: u64) -> Result<Vec<LoggedEvent>, NatsError> {
        let reader: PullConsumer = self
            .stream
            .create_consumer(pull::Config {
                deliver_policy: DeliverPolicy::ByStartSequence { start_sequence: from },
                ack_policy: AckPolicy::None,
                inactive_threshold: Duration::from_secs(60),
                ..Default::default()
            })
            .await
            .map_err(js_error)?;
        let mut rows = Vec::new();
        let mut reached = from - 1;
        while reached < until {
            let mut messages = fetch(&reader, &self.settings).await?;
            let before = reached;
            while let Some(message) = messages.next().await {
                let message = message.map_err(js_error)?;
                let sequence = message.info().map_err(js_error)?.stream_sequence;
                if sequence > until {
                    reached = until;
                    break;
                }
                rows.extend(decode(&message.payload));
                reached = sequence;
            }
            if reached == before {
                // The rest are gone from the stream (older than its max age, or deleted).
                tracing::warn!(from, until, reached, "events are missing from the stream");
                break;
            }
        }
        Ok(rows)
    }

    /// Reads the next batch from the durable consumer, counts what is new, stores it, then acknowledges it.
    /// `now` is the consumer's clock, for a quiet stream.
    pub async fn run_once<S: Store>(&mut self, store: &S, now: OffsetDateTime) -> Result<Batch, NatsError> {
        let mut messages = fetch(&self.durable, &self.settings).await?;
        let mut rows = Vec::new();
        let (mut newest, mut last_message) = (None::<u64>, None);
        while let Some(message) = messages.next().await {
            let message = message.map_err(js_error)?;
            let sequence = message.info().map_err(js_error)?.stream_sequence;
            let known = newest.unwrap_or(self.sequence());
            // A message delivered again (stored but not acknowledged before a crash) was counted already.
            if sequence > known {
                // Events are counted in stream order: one the durable consumer has yet to send again (handed to a
                // process that stopped) is read from the stream first.
                if sequence > known + 1 {
                    rows.extend(self.fill(known + 1, sequence - 1).await?);
                }
                match decode(&message.payload) {
                    Some(row) => rows.push(row),
                    None => tracing::warn!(sequence, "an event in the stream could not be read; skipped"),
                }
                newest = Some(sequence);
            }
            last_message = Some(message);
        }
        let batch = self.counter.count(store, &rows, newest.map(place), now).await.map_err(store_error)?;
        if let Some(message) = last_message {
            // Acknowledges every message up to this one.
            message.ack().await.map_err(js_error)?;
        }
        Ok(batch)
    }

    /// The stream sequence counted up to.
    pub fn sequence(&self) -> u64 {
        self.counter.position().id.max(0) as u64
    }

    pub fn counter(&self) -> &Consumer {
        &self.counter
    }

    pub fn counter_mut(&mut self) -> &mut Consumer {
        &mut self.counter
    }
}

/// The next batch of a pull consumer: up to `settings.batch` messages, waiting at most `settings.wait` for them.
async fn fetch(consumer: &PullConsumer, settings: &NatsSettings) -> Result<pull::Batch, NatsError> {
    consumer.batch().max_messages(settings.batch).expires(settings.wait).messages().await.map_err(js_error)
}

#[cfg(test)]
mod tests;
