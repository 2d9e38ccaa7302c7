//! `surge bench notify`: the SMS pipeline in-process on a fresh database, through the log gateway. Three runs,
//! each on its own messages: the raw claim rate (claims alone, the baseline); throughput from outbox to
//! gateway-accepted with no gateway limit; and latency from business commit to gateway-accepted while messages
//! arrive at a gateway's limit (a simulated SMSC allowing `--rate` a second), the realistic steady state.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::Context;
use rand::Rng;
use serde_json::json;
use surge_app::{OutboxMessage, Store};
use surge_notify::{LogGateway, NotifyWorker, OutgoingSms, Route, SmsGateway, WorkerConfig};
use surge_store_postgres::PostgresStore;
use surge_store_sqlite::SqliteStore;

use crate::Outcome;

#[derive(Debug, Clone, Copy)]
pub struct NotifyBench {
    pub messages: usize,
    pub rate: f64,
    pub seconds: f64,
    pub idle_poll_ms: u64,
}

/// The log gateway, noting when it accepted each message (by outbox id and recipient). `surge bench results` uses
/// it too.
#[derive(Debug)]
pub(crate) struct Timed {
    inner: LogGateway,
    pub accepted: Mutex<Vec<(i64, String, Instant)>>,
}

impl SmsGateway for Timed {
    fn name(&self) -> &str {
        "log"
    }

    fn send<'a>(&'a self, sms: OutgoingSms<'a>) -> surge_notify::SendFuture<'a> {
        let sent = self.inner.send(sms);
        Box::pin(async move {
            let outcome = sent.await;
            let mut accepted = self.accepted.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            accepted.push((sms.id, sms.to.to_owned(), Instant::now()));
            outcome
        })
    }
}

fn message(i: usize, tag: &str) -> OutboxMessage {
    OutboxMessage {
        idempotency_key: format!("bench-{tag}-{i}"),
        kind: "pass_issued".into(),
        recipient: format!("+8210{:04}{:04}", 1000 + i / 10_000, i % 10_000),
        body: format!(
            "Employee {i}, your movement pass is ready: https://epass.example.go.kr/p/{i}/7ZK3M9QX2R4T6V8W0Y1A3C5E7G \
             Control code ABCDE-FGHJK. Valid until 2026-03-07."
        ),
    }
}

/// A store that can also take many messages at once, for setting the bench up.
trait BenchStore: Store + Clone + 'static {
    fn bulk(&self, messages: &[OutboxMessage]) -> impl std::future::Future<Output = anyhow::Result<Vec<i64>>> + Send;
}

impl BenchStore for SqliteStore {
    async fn bulk(&self, messages: &[OutboxMessage]) -> anyhow::Result<Vec<i64>> {
        Ok(self.insert_outbox_bulk(messages, crate::now()).await?)
    }
}

impl BenchStore for PostgresStore {
    async fn bulk(&self, messages: &[OutboxMessage]) -> anyhow::Result<Vec<i64>> {
        Ok(self.insert_outbox_bulk(messages, crate::now()).await?)
    }
}

pub async fn run(bench: NotifyBench, database_url: Option<String>) -> anyhow::Result<Outcome> {
    anyhow::ensure!(
        bench.messages > 0 && bench.rate > 0.0 && bench.seconds > 0.0,
        "messages, rate and seconds must be positive"
    );
    let dir = tempfile::tempdir()?;
    match database_url {
        None => {
            let store = surge_store_sqlite::open(&dir.path().join("bench.db")).await?;
            let figures = measure(&store, bench, dir.path(), "sqlite").await;
            store.close().await;
            report(figures?)
        }
        Some(url) => {
            let nonce: u64 = rand::thread_rng().r#gen();
            let (scratch, name) = surge_store_postgres::create_scratch_database(&url, "surge_bench", nonce).await?;
            let figures = async {
                let store = surge_store_postgres::connect(&scratch, 8).await?;
                let figures = measure(&store, bench, dir.path(), "postgres").await;
                store.close().await;
                figures
            }
            .await;
            surge_store_postgres::drop_scratch_database(&url, &name).await?;
            report(figures?)
        }
    }
}

#[derive(Debug)]
struct Figures {
    backend: &'static str,
    bench: NotifyBench,
    raw_claim_per_s: f64,
    messages_per_s: f64,
    unthrottled: (f64, f64),
    throttled: (f64, f64),
    throttled_messages: usize,
}

/// p50 and p99 in milliseconds.
pub(crate) fn percentiles(mut latencies: Vec<Duration>) -> (f64, f64) {
    latencies.sort_unstable();
    let at = |q: f64| {
        let i = ((latencies.len() as f64 * q).ceil() as usize).clamp(1, latencies.len().max(1)) - 1;
        latencies.get(i).map(|d| d.as_secs_f64() * 1000.0).unwrap_or(f64::NAN)
    };
    (at(0.50), at(0.99))
}

fn latencies(committed: &HashMap<i64, Instant>, accepted: &[(i64, String, Instant)]) -> Vec<Duration> {
    accepted.iter().filter_map(|(id, _, at)| committed.get(id).map(|c| at.saturating_duration_since(*c))).collect()
}

fn worker(gateway: Arc<Timed>, rate: f64) -> NotifyWorker {
    NotifyWorker::new(
        vec![Route { gateway, weight: 1, rate }],
        WorkerConfig { max_segments: 4, ..WorkerConfig::default() },
    )
}

pub(crate) fn timed(dir: &std::path::Path, name: &str) -> anyhow::Result<Arc<Timed>> {
    let inner = LogGateway::open(&dir.join(name)).context("opening the bench SMS log")?;
    Ok(Arc::new(Timed { inner, accepted: Mutex::new(Vec::new()) }))
}

async fn measure<S: BenchStore>(
    store: &S,
    bench: NotifyBench,
    dir: &std::path::Path,
    backend: &'static str,
) -> anyhow::Result<Figures> {
    let n = bench.messages;
    let batch = WorkerConfig::default().batch;

    // Baseline: claims alone, as fast as the store allows.
    let setup: Vec<OutboxMessage> = (0..n).map(|i| message(i, "claim")).collect();
    store.bulk(&setup).await?;
    let start = Instant::now();
    let mut claimed = 0;
    while claimed < n {
        let got = store.claim_messages(batch, crate::now()).await?.len();
        anyhow::ensure!(got > 0, "claims stopped at {claimed} of {n}");
        claimed += got;
    }
    let raw_claim_per_s = n as f64 / start.elapsed().as_secs_f64();
    println!("progress: raw claims done ({raw_claim_per_s:.0}/s)");

    // Throughput: n messages committed, then sent through an unlimited gateway.
    let messages: Vec<OutboxMessage> = (0..n).map(|i| message(i, "fast")).collect();
    let mut committed = HashMap::new();
    for chunk in messages.chunks(10_000) {
        let ids = store.bulk(chunk).await?;
        let at = Instant::now();
        committed.extend(ids.into_iter().map(|id| (id, at)));
    }
    let gateway = timed(dir, "fast.log")?;
    let fast = worker(gateway.clone(), 0.0);
    let start = Instant::now();
    let mut sent = 0;
    while sent < n {
        let outcome = fast.run_once(store, crate::now()).await?;
        anyhow::ensure!(outcome.claimed > 0, "sending stopped at {sent} of {n}");
        anyhow::ensure!(outcome.failed == 0, "{} messages failed", outcome.failed);
        sent += outcome.accepted;
    }
    let messages_per_s = n as f64 / start.elapsed().as_secs_f64();
    let accepted = std::mem::take(&mut *gateway.accepted.lock().unwrap_or_else(std::sync::PoisonError::into_inner));
    let unthrottled = percentiles(latencies(&committed, &accepted));
    println!("progress: unthrottled run done ({messages_per_s:.0} messages/s); now the latency run");

    // Latency: messages committed one by one at the gateway's limit while the worker sends, as `surge serve` does.
    let gateway = timed(dir, "slow.log")?;
    let slow = Arc::new(worker(gateway.clone(), bench.rate));
    let total = (bench.rate * bench.seconds).round().max(1.0) as usize;
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let sender = {
        let (store, slow, stop) = (store.clone(), slow.clone(), stop.clone());
        let idle = Duration::from_millis(bench.idle_poll_ms);
        tokio::spawn(async move {
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                match slow.run_once(&store, crate::now()).await {
                    Ok(outcome) if outcome.claimed == 0 => tokio::time::sleep(idle).await,
                    Ok(_) => {}
                    Err(e) => return Err(anyhow::Error::from(e)),
                }
            }
            anyhow::Ok(())
        })
    };
    let mut committed = HashMap::new();
    let start = Instant::now();
    let interval = Duration::from_secs_f64(1.0 / bench.rate);
    for i in 0..total {
        tokio::time::sleep_until((start + interval * i as u32).into()).await;
        let (id, _, _) = store.enqueue(&message(i, "steady"), crate::now()).await?;
        committed.insert(id, Instant::now());
    }
    let deadline = Instant::now() + Duration::from_secs(60);
    while gateway.accepted.lock().unwrap_or_else(std::sync::PoisonError::into_inner).len() < total {
        anyhow::ensure!(Instant::now() < deadline, "the throttled run did not finish");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    sender.await??;
    let accepted = gateway.accepted.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone();
    let throttled = percentiles(latencies(&committed, &accepted));
    Ok(Figures { backend, bench, raw_claim_per_s, messages_per_s, unthrottled, throttled, throttled_messages: total })
}

fn report(f: Figures) -> anyhow::Result<Outcome> {
    println!("backend: {}", f.backend);
    println!("raw outbox claims:            {:>10.0} /s  (claims alone, batches of 500; baseline)", f.raw_claim_per_s);
    println!(
        "outbox → gateway (no limit): {:>10.0} /s  ({} messages; commit→accept p50 {:.0} ms, p99 {:.0} ms with all queued at once)",
        f.messages_per_s, f.bench.messages, f.unthrottled.0, f.unthrottled.1
    );
    println!(
        "at {} messages/s gateway limit:  commit→accept p50 {:.0} ms, p99 {:.0} ms  ({} messages arriving at that rate, idle poll {} ms)",
        f.bench.rate, f.throttled.0, f.throttled.1, f.throttled_messages, f.bench.idle_poll_ms
    );
    println!(
        "{}",
        json!({
            "bench": "notify",
            "backend": f.backend,
            "messages": f.bench.messages,
            "messages_per_s": f.messages_per_s.round(),
            "p50_ms": (f.throttled.0 * 10.0).round() / 10.0,
            "p99_ms": (f.throttled.1 * 10.0).round() / 10.0,
            "throttle_per_s": f.bench.rate,
            "unthrottled_p50_ms": f.unthrottled.0.round(),
            "unthrottled_p99_ms": f.unthrottled.1.round(),
            "raw_claim_per_s": f.raw_claim_per_s.round(),
        })
    );
    Ok(Outcome::Success)
}
