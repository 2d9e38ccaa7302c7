//! The live analytics in the server: a consumer of the event log (`surge_app::analytics::Consumer`) that reads on
//! as events come, and the live board's view published after each batch for officials' pages.

use std::sync::Arc;
use std::time::{Duration, Instant};

use surge_app::Store;
use surge_app::analytics::{Consumer, ConsumerSettings, scope_text};
use surge_web::{LiveAlert, LiveBoard, LiveRow, LiveView};

use crate::settings::StreamSettings;

/// The consumer's name in the store: one place in the log for the live board.
pub const CONSUMER: &str = "live";

/// Alerts the board lists.
const BOARD_ALERTS: u32 = 20;

/// The board's view of a consumer's counts and the latest stored alerts.
pub fn view(consumer: &Consumer, alerts: Vec<surge_app::StreamAlert>) -> LiveView {
    let (live, zones) = consumer.live();
    let mut rows: Vec<LiveRow> = live
        .hour
        .iter()
        .map(|(key, hour)| LiveRow {
            scope: scope_text(key.scope, zones),
            measure: key.measure.code(),
            minute: live.open.get(key).copied().unwrap_or(0),
            fifteen: live.fifteen.get(key).copied().unwrap_or(0),
            hour: *hour,
        })
        .collect();
    rows.sort_by(|a, b| a.scope.cmp(&b.scope).then(a.measure.cmp(&b.measure)));
    let alerts = alerts
        .into_iter()
        .map(|a| LiveAlert { rule: a.rule, subject: a.subject, at_ms: a.at_ms, detail: a.detail })
        .collect();
    LiveView { rows, alerts, watermark_ms: live.watermark }
}

/// Reads the event log for as long as the server runs, publishing the board's view as it changes.
pub async fn keep_live<S: Store>(store: S, board: Arc<LiveBoard>, settings: StreamSettings) {
    let consumer_settings = ConsumerSettings {
        batch: settings.batch,
        state_every: settings.state_every,
        engine: settings.engine(),
        ..ConsumerSettings::default()
    };
    let mut consumer = loop {
        match Consumer::start(&store, CONSUMER, consumer_settings.clone()).await {
            Ok(consumer) => break consumer,
            Err(e) => {
                tracing::warn!(error = %e, "starting the live analytics failed; trying again");
                tokio::time::sleep(Duration::from_secs(5)).await;
            }
        }
    };
    let poll = Duration::from_millis(settings.poll_ms.max(10));
    let mut checkpoints_read: Option<Instant> = None;
    let mut alerts = Vec::new();
    let mut alerts_read: Option<Instant> = None;
    loop {
        // New checkpoints are taken in every minute, for the cloned-pass rule.
        if checkpoints_read.is_none_or(|at| at.elapsed() >= Duration::from_secs(60)) {
            match store.checkpoints().await {
                Ok(list) => consumer.set_checkpoints(&list),
                Err(e) => tracing::warn!(error = %e, "reading checkpoints for the live analytics failed"),
            }
            checkpoints_read = Some(Instant::now());
        }
        let batch = match consumer.run_once(&store, crate::now()).await {
            Ok(batch) => batch,
            Err(e) => {
                tracing::warn!(error = %e, "the live analytics could not store a batch; trying again");
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
        };
        if batch.alerts > 0 || alerts_read.is_none_or(|at| at.elapsed() >= Duration::from_secs(5)) {
            match store.stream_alerts(BOARD_ALERTS).await {
                Ok(list) => alerts = list,
                Err(e) => tracing::warn!(error = %e, "reading the live alerts failed"),
            }
            alerts_read = Some(Instant::now());
        }
        board.publish(view(&consumer, alerts.clone()));
        if batch.read == 0 {
            tokio::time::sleep(poll).await;
        }
    }
}
