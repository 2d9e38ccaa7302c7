//! `surge stream replay`: counts the event log again from a time (or from its start) with the live analytics'
//! settings, replacing the stored minute counts from that minute on, and storing the late events and alerts again
//! (those already stored are kept once). Exit code 0 when done, 2 for bad input.

use std::path::PathBuf;

use serde_json::json;
use surge_app::analytics::{Batch, Consumer, ConsumerSettings};
use surge_app::{EventPosition, Store};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::Outcome;
use crate::settings::{Settings, StreamSettings};

/// The replay's own place and state in the store, apart from the running consumers'.
const REPLAY: &str = "replay";

#[derive(Debug, clap::Subcommand)]
pub enum StreamCommand {
    /// Count the event log again from a time and replace the stored minute counts from that minute on.
    Replay {
        #[arg(long, default_value = "./surge-data")]
        data_dir: PathBuf,
        /// `postgres://…`; default SQLite in the data directory.
        #[arg(long)]
        database_url: Option<String>,
        /// The settings file `surge serve` uses (for `stream.disorder_ms` and the rules' thresholds).
        #[arg(long)]
        config: Option<PathBuf>,
        /// An RFC 3339 time (`2026-12-05T09:00:00Z`): the minute it falls in is the first counted again. Without
        /// it, the whole log is counted again.
        #[arg(long)]
        since: Option<String>,
        /// `text` or `json`.
        #[arg(long, default_value = "text")]
        format: String,
    },
}

pub fn run(command: StreamCommand) -> anyhow::Result<Outcome> {
    let StreamCommand::Replay { data_dir, database_url, config, since, format } = command;
    anyhow::ensure!(matches!(format.as_str(), "text" | "json"), "--format is text or json");
    let since = since
        .map(|text| {
            OffsetDateTime::parse(&text, &Rfc3339)
                .map_err(|e| anyhow::anyhow!("--since {text:?} is not an RFC 3339 time like 2026-12-05T09:00:00Z: {e}"))
        })
        .transpose()?;
    let settings = Settings::load(&data_dir, config.as_ref())?.stream;
    crate::runtime()?.block_on(async move {
        match database_url {
            Some(url) => {
                let store = surge_store_postgres::connect(&url, 2).await?;
                let outcome = replay(&store, since, &settings, &format).await;
                store.close().await;
                outcome
            }
            None => {
                let path = data_dir.join("surge.db");
                anyhow::ensure!(path.is_file(), "no database at {}", path.display());
                let store = surge_store_sqlite::open(&path).await?;
                let outcome = replay(&store, since, &settings, &format).await;
                store.close().await;
                outcome
            }
        }
    })
}

async fn replay<S: Store>(
    store: &S,
    since: Option<OffsetDateTime>,
    settings: &StreamSettings,
    format: &str,
) -> anyhow::Result<Outcome> {
    let (from, first_minute) = match since {
        // Events of the first minute may have been logged up to the disorder before it.
        Some(at) => {
            let minute = at.unix_timestamp().div_euclid(60);
            let from = store.event_place_at(minute * 60_000 - settings.disorder_ms).await?;
            (from, minute)
        }
        None => (Some(EventPosition::default()), i64::MIN),
    };
    let Some(from) = from else {
        report(format, 0, Batch::default(), since);
        return Ok(Outcome::Success);
    };
    let counting = ConsumerSettings {
        batch: 5_000,
        state_every: u32::MAX,
        // The last minutes are closed by the clock as soon as the log is read to its end.
        idle_after_ms: 0,
        engine: settings.engine(),
        // A replay raises old alerts again; nobody is texted about them.
        alert_sms_to: None,
    };
    let mut consumer = Consumer::replay(REPLAY, counting, from, first_minute);
    consumer.set_checkpoints(&store.checkpoints().await?);
    let (mut read, mut totals, mut shown) = (0usize, Batch::default(), 0usize);
    loop {
        let batch = consumer.run_once(store, crate::now()).await?;
        read += batch.read;
        totals.closed += batch.closed;
        totals.late += batch.late;
        totals.alerts += batch.alerts;
        if format == "text" && read >= shown + 100_000 {
            shown = read;
            println!("… {read} events counted again");
        }
        if batch.read == 0 {
            break;
        }
    }
    report(format, read, totals, since);
    Ok(Outcome::Success)
}

fn report(format: &str, read: usize, totals: Batch, since: Option<OffsetDateTime>) {
    let since = since.and_then(|at| at.format(&Rfc3339).ok());
    if format == "json" {
        println!(
            "{}",
            json!({"events": read, "minute_counts": totals.closed, "late": totals.late, "alerts": totals.alerts,
                   "since": since})
        );
    } else {
        let from = since.map_or_else(|| "the start of the log".to_owned(), |at| format!("the minute of {at}"));
        println!(
            "counted {read} events again from {from}: {} minute counts, {} late events and {} alerts stored",
            totals.closed, totals.late, totals.alerts
        );
    }
}
