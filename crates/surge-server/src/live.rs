//! The live analytics in the server: a consumer of the event log (`surge_app::analytics::Consumer`), or of its NATS
//! stream (`surge_nats`), that reads on as events come, and the live board's view published as it changes for
//! officials' pages.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use surge_app::Store;
use surge_app::analytics::{Batch, Consumer, ConsumerSettings, scope_text};
use surge_nats::{NatsConsumer, Relay};
use surge_web::{LiveAlert, LiveBoard, LiveRow, LiveView};

use crate::settings::{StreamSettings, Transport};

/// Alerts the board lists.
const BOARD_ALERTS: u32 = 20;

/// The board's view of a consumer's counts and the latest stored alerts.
/// The board's view: the consumer's counts, the latest stored alerts and the late events by zone, each put in
/// its zone (a checkpoint's as the consumer knows it).
pub fn view(consumer: &Consumer, alerts: Vec<surge_app::StreamAlert>, late_hour: Vec<(String, u64)>) -> LiveView {
    let zone_of = |scope: &str| -> String {
        if let Some(zone) = scope.strip_prefix("zone:") {
            return zone.to_owned();
        }
        let checkpoint = scope.strip_prefix("checkpoint:").and_then(|id| id.parse::<i64>().ok());
        checkpoint.and_then(|id| consumer.checkpoint_zone(id)).unwrap_or_default().to_owned()
    };
    let (live, zones) = consumer.live();
    let mut rows: Vec<LiveRow> = live
        .hour
        .iter()
        .map(|(key, hour)| {
            let scope = scope_text(key.scope, zones);
            LiveRow {
                zone: zone_of(&scope),
                scope,
                measure: key.measure.code(),
                minute: live.open.get(key).copied().unwrap_or(0),
                fifteen: live.fifteen.get(key).copied().unwrap_or(0),
                hour: *hour,
            }
        })
        .collect();
    rows.sort_by(|a, b| a.scope.cmp(&b.scope).then(a.measure.cmp(&b.measure)));
    let alerts = alerts
        .into_iter()
        .map(|a| LiveAlert {
            zone: zone_of(&a.subject),
            rule: a.rule,
            subject: a.subject,
            at_ms: a.at_ms,
            detail: a.detail,
        })
        .collect();
    LiveView { rows, alerts, watermark_ms: live.watermark, late_hour }
}

/// Where the counted events come from: the database's log, or a NATS stream the log is relayed to.
enum Source {
    Log(Box<Consumer>),
    Nats(Box<NatsConsumer>),
}

impl Source {
    async fn start<S: Store + Clone + 'static>(store: &S, settings: &StreamSettings) -> anyhow::Result<Self> {
        let counting = ConsumerSettings {
            batch: settings.batch,
            state_every: settings.state_every,
            engine: settings.engine(),
            alert_sms_to: settings.alert_recipient()?,
            ..ConsumerSettings::default()
        };
        Ok(match settings.transport {
            Transport::Log => Self::Log(Box::new(Consumer::start(store, &settings.consumer, counting).await?)),
            Transport::Nats => {
                let nats = settings.nats();
                let js = surge_nats::connect(&nats).await?;
                let consumer =
                    NatsConsumer::start(store, &js, &settings.consumer, nats.clone(), counting, crate::now()).await?;
                // Once only: a failed start is tried again from the top.
                tokio::spawn(relay(store.clone(), js, nats, settings.batch));
                Self::Nats(Box::new(consumer))
            }
        })
    }

    async fn run_once<S: Store>(&mut self, store: &S) -> anyhow::Result<Batch> {
        Ok(match self {
            Self::Log(consumer) => consumer.run_once(store, crate::now()).await?,
            Self::Nats(consumer) => consumer.run_once(store, crate::now()).await?,
        })
    }

    fn counter(&self) -> &Consumer {
        match self {
            Self::Log(consumer) => consumer,
            Self::Nats(consumer) => consumer.counter(),
        }
    }

    fn counter_mut(&mut self) -> &mut Consumer {
        match self {
            Self::Log(consumer) => consumer,
            Self::Nats(consumer) => consumer.counter_mut(),
        }
    }

    /// Whether a read waits for events by itself (a NATS pull waits up to its expiry).
    fn waits(&self) -> bool {
        matches!(self, Self::Nats(_))
    }
}

/// Name of the relay's place in the store: every server relays the one log, and the stream drops the repeats.
const RELAY: &str = "nats-relay";

/// Publishes the event log to the NATS stream for as long as the server runs.
async fn relay<S: Store + 'static>(store: S, js: surge_nats::Context, nats: surge_nats::NatsSettings, batch: u32) {
    let mut relay = loop {
        match Relay::start(&store, RELAY, batch).await {
            Ok(relay) => break relay,
            Err(e) => {
                tracing::warn!(error = %e, "starting the NATS relay failed; trying again");
                tokio::time::sleep(Duration::from_secs(5)).await;
            }
        }
    };
    loop {
        match relay.run_once(&store, &js, &nats.subject_prefix, crate::now()).await {
            Ok(0) => tokio::time::sleep(nats.wait).await,
            Ok(_) => {}
            Err(e) => {
                tracing::warn!(error = %e, code = e.code(), "publishing events to NATS failed; trying again");
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
    }
}

/// Reads the event log (or its NATS stream) for as long as the server runs, publishing the board's view as it
/// changes.
pub async fn keep_live<S: Store + Clone + 'static>(store: S, board: Arc<LiveBoard>, settings: StreamSettings) {
    let mut source = loop {
        match Source::start(&store, &settings).await {
            Ok(source) => break source,
            Err(e) => {
                tracing::warn!(error = %e, "starting the live analytics failed; trying again");
                tokio::time::sleep(Duration::from_secs(5)).await;
            }
        }
    };
    let poll = Duration::from_millis(settings.poll_ms.max(10));
    let mut checkpoints_read: Option<Instant> = None;
    let mut alerts = Vec::new();
    let mut late = Vec::new();
    let mut alerts_read: Option<Instant> = None;
    loop {
        // Checkpoints are read again every minute, for one moved or put in another zone; a new one is read by the
        // consumer itself before its first scan is counted.
        if checkpoints_read.is_none_or(|at| at.elapsed() >= Duration::from_secs(60)) {
            match store.checkpoints().await {
                Ok(list) => source.counter_mut().set_checkpoints(&list),
                Err(e) => tracing::warn!(error = %e, "reading checkpoints for the live analytics failed"),
            }
            checkpoints_read = Some(Instant::now());
        }
        let batch = match source.run_once(&store).await {
            Ok(batch) => batch,
            Err(e) => {
                tracing::warn!(error = %e, "the live analytics could not count a batch; trying again");
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
        };
        let alerts_due = alerts_read.is_none_or(|at| at.elapsed() >= Duration::from_secs(5));
        if batch.alerts > 0 || alerts_due {
            match store.stream_alerts(BOARD_ALERTS).await {
                Ok(list) => alerts = list,
                Err(e) => tracing::warn!(error = %e, "reading the live alerts failed"),
            }
            // Late events are stored per zone and per checkpoint; the zones' count each one once.
            let hour_ago = crate::now().unix_timestamp().div_euclid(60) - 60;
            match store.stream_late(hour_ago).await {
                Ok(rows) => {
                    let mut by_zone: HashMap<String, u64> = HashMap::new();
                    for row in rows {
                        if let Some(zone) = row.scope.strip_prefix("zone:") {
                            *by_zone.entry(zone.to_owned()).or_default() += row.count;
                        }
                    }
                    late = by_zone.into_iter().collect();
                }
                Err(e) => tracing::warn!(error = %e, "reading the late events failed"),
            }
            alerts_read = Some(Instant::now());
        }
        // The view changes with a batch, a closed minute or new alerts; an idle poll leaves it as it was.
        if batch != Batch::default() || alerts_due {
            board.publish(view(source.counter(), alerts.clone(), late.clone()));
        }
        if batch.read == 0 && !source.waits() {
            tokio::time::sleep(poll).await;
        }
    }
}
