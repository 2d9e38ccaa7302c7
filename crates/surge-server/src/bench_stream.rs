//! `surge bench stream`: synthetic platform events (scans at 50 checkpoints, results, texts, decisions; a few out of
//! order and a few repeated) through the live analytics in-process: a producer thread hands them in chunks to the
//! engine's thread, which counts them in windows, runs the rules and publishes the live board's view every 100 ms.
//! It reports events/s through windows and rules, and the p99 delay from an event's hand-over to the first
//! published view that counts it, beside the raw rate of reading the same events from memory in the same run.
//! Then the first `--nats-events` of them go through NATS JetStream as `surge serve` sends them with
//! `stream.transport = "nats"`: published with their ids as `Nats-Msg-Id`, read by a durable consumer, decoded and
//! counted, publisher and consumer running at once.

use std::hint::black_box;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::json;
use surge_app::analytics::to_event;
use surge_app::{EventPosition, LoggedEvent};
use surge_domain::travel::Position;
use surge_stream::{Engine, Event, EventId, EventKind, Output, ScanOutcome, Settings, SmsState, Zone};

use crate::Outcome;

/// Events handed over at once.
const CHUNK: usize = 1024;
/// How often the engine's thread publishes the board's view.
const PUBLISH_EVERY: Duration = Duration::from_millis(100);

/// `n` events over about `n / 3000` seconds of event time from 2026-01-01, deterministic for a seed.
pub fn synthetic_events(n: usize, seed: u64) -> Vec<Event> {
    let mut x = seed;
    let mut next = move |m: u64| {
        x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        (x >> 33) % m
    };
    let start: i64 = 1_767_225_600_000;
    let mut events = Vec::with_capacity(n + n / 100);
    for i in 0..n as u64 {
        let mut at = start + (i as i64) / 3;
        // One in a hundred up to 4 s out of order: inside the default watermark.
        if next(100) == 0 {
            at -= next(4_000) as i64;
        }
        let kind = match next(10) {
            0..=5 => EventKind::Scan {
                checkpoint: next(50) as i64,
                pass: Some(next(1_000_000)),
                outcome: ScanOutcome::ALL[(next(20) as usize).min(3)],
            },
            6 => EventKind::ResultReceived { result: i, auto_text: next(2) == 0 },
            7 => EventKind::ResultTexted { result: i.saturating_sub(next(3_000)) },
            8 => EventKind::Sms { message: i, state: SmsState::ALL[next(3) as usize] },
            _ => EventKind::ApplicationDecided { approved: next(2) == 0 },
        };
        let event = Event { id: EventId(i), at, zone: Zone(next(10) as u32), kind };
        events.push(event);
        // One in two hundred delivered twice.
        if next(200) == 0 {
            events.push(event);
        }
    }
    events
}

fn settings_for_bench() -> Settings {
    let mut settings = Settings::default();
    for c in 0..50 {
        settings.checkpoints.insert(c, Position { lat: 33.0 + c as f64 * 0.1, lon: 126.0 + c as f64 * 0.1 });
    }
    settings
}

pub fn run(n: usize, nats_events: usize, nats_url: &str) -> anyhow::Result<Outcome> {
    anyhow::ensure!(n > 0, "--events must be at least 1");
    let started = Instant::now();
    let events = synthetic_events(n, 42);
    println!("generated {} events ({n} distinct) in {:.1} s", events.len(), started.elapsed().as_secs_f64());

    // The baseline: reading the same events from memory, touching each one's id, time and kind.
    let started = Instant::now();
    let mut sum = 0u64;
    for event in &events {
        sum = sum.wrapping_add(event.id.0 ^ event.at as u64 ^ u64::from(matches!(event.kind, EventKind::Scan { .. })));
    }
    black_box(sum);
    let raw_read_per_s = events.len() as f64 / started.elapsed().as_secs_f64();

    // The engine alone on this thread: windows and rules, outputs drained as a consumer would store them.
    let mut engine = Engine::new(settings_for_bench());
    let mut out = Output::default();
    let (mut closed, mut late, mut alerts, mut duplicates) = (0usize, 0usize, 0usize, 0u64);
    let started = Instant::now();
    for chunk in events.chunks(CHUNK) {
        for event in chunk {
            engine.push(event, &mut out);
        }
        closed += out.closed.len();
        late += out.late.len();
        alerts += out.alerts.len();
        duplicates += out.duplicates;
        out = Output::default();
    }
    let engine_s = started.elapsed().as_secs_f64();
    let engine_per_s = events.len() as f64 / engine_s;
    println!(
        "engine alone: {} events in {engine_s:.2} s = {engine_per_s:.0} events/s ({closed} minute counts closed, {late} \
         late counts, {alerts} alerts, {duplicates} repeats dropped)",
        events.len()
    );

    // The pipeline: a producer hands chunks over; the engine's thread counts them and publishes the board's view.
    let (tx, rx) = mpsc::sync_channel::<(Instant, Vec<Event>)>(64);
    let started = Instant::now();
    let consumer = std::thread::spawn(move || {
        let mut engine = Engine::new(settings_for_bench());
        let mut out = Output::default();
        let mut waiting: Vec<Instant> = Vec::new();
        let mut delays: Vec<Duration> = Vec::new();
        let mut published = Instant::now();
        let mut views = 0u64;
        let mut publish = |engine: &Engine, waiting: &mut Vec<Instant>, delays: &mut Vec<Duration>| {
            let view = engine.live();
            black_box(view.hour.len());
            let now = Instant::now();
            delays.extend(waiting.drain(..).map(|sent| now - sent));
            views += 1;
        };
        loop {
            match rx.recv_timeout(PUBLISH_EVERY) {
                Ok((sent, chunk)) => {
                    for event in &chunk {
                        engine.push(event, &mut out);
                    }
                    out.closed.clear();
                    out.late.clear();
                    out.alerts.clear();
                    waiting.push(sent);
                }
                Err(mpsc::RecvTimeoutError::Timeout) => {}
                Err(mpsc::RecvTimeoutError::Disconnected) => break,
            }
            if published.elapsed() >= PUBLISH_EVERY {
                publish(&engine, &mut waiting, &mut delays);
                published = Instant::now();
            }
        }
        publish(&engine, &mut waiting, &mut delays);
        (delays, views)
    });
    for chunk in events.chunks(CHUNK) {
        if tx.send((Instant::now(), chunk.to_vec())).is_err() {
            break;
        }
    }
    drop(tx);
    let (mut delays, views) = consumer.join().map_err(|_| anyhow::anyhow!("the engine's thread panicked"))?;
    let pipeline_s = started.elapsed().as_secs_f64();
    let events_per_s = events.len() as f64 / pipeline_s;
    delays.sort_unstable();
    let p99 = delays.get(delays.len() * 99 / 100).or(delays.last()).copied().unwrap_or_default();
    let p50 = delays.get(delays.len() / 2).copied().unwrap_or_default();
    println!(
        "in-process pipeline: {} events in {pipeline_s:.2} s = {events_per_s:.0} events/s; {views} views published; \
         event to published view p50 {:.1} ms, p99 {:.1} ms",
        events.len(),
        p50.as_secs_f64() * 1e3,
        p99.as_secs_f64() * 1e3
    );
    println!("raw read of the same events from memory: {raw_read_per_s:.0} events/s");
    let nats_events = nats_events.min(events.len());
    let nats_per_s = if nats_events > 0 {
        let per_s = crate::runtime()?.block_on(through_nats(&events[..nats_events], nats_url))?;
        println!("through NATS JetStream: {nats_events} events, {per_s:.0} events/s published, read and counted");
        Some(per_s.round())
    } else {
        println!("through NATS JetStream: left out (--nats-events 0)");
        None
    };
    println!(
        "{}",
        json!({
            "bench": "stream",
            "events_per_s": events_per_s.round(),
            "engine_events_per_s": engine_per_s.round(),
            "nats_events_per_s": nats_per_s,
            "p99_ms": (p99.as_secs_f64() * 1e4).round() / 10.0,
            "raw_read_per_s": raw_read_per_s.round(),
            "events": events.len(),
        })
    );
    Ok(Outcome::Success)
}

/// A synthetic event as the database's log would hold it, zones named `Z0`…`Z9`.
fn logged(event: &Event) -> LoggedEvent {
    let (kind, subject, checkpoint, auto_text) = match event.kind {
        EventKind::Scan { checkpoint, pass, outcome } => {
            let kind = match outcome {
                ScanOutcome::Valid => "scan.valid",
                ScanOutcome::Invalid => "scan.invalid",
                ScanOutcome::Expired => "scan.expired",
                ScanOutcome::Revoked => "scan.revoked",
            };
            (kind, pass.map(|p| p.to_string()).unwrap_or_default(), Some(checkpoint), None)
        }
        EventKind::ResultReceived { result, auto_text } => {
            ("result.received", format!("result:{result}"), None, Some(auto_text))
        }
        EventKind::ResultTexted { result } => ("result.texted", format!("result:{result}"), None, None),
        EventKind::ResultQueued { result } => ("result.queued", format!("result:{result}"), None, None),
        EventKind::Sms { message, state } => {
            let kind = match state {
                SmsState::Sent => "sms.sent",
                SmsState::Delivered => "sms.delivered",
                SmsState::Failed => "sms.failed",
            };
            (kind, message.to_string(), None, None)
        }
        EventKind::ApplicationSubmitted => ("application.submitted", String::new(), None, None),
        EventKind::ApplicationDecided { approved } => {
            (if approved { "application.approved" } else { "application.refused" }, String::new(), None, None)
        }
        EventKind::PassIssued { pass } => ("pass.issued", pass.to_string(), None, None),
        EventKind::PassRevoked { pass } => ("pass.revoked", pass.to_string(), None, None),
    };
    LoggedEvent {
        position: EventPosition { tx: 0, id: event.id.0 as i64 },
        at_ms: event.at,
        kind: kind.into(),
        zone: format!("Z{}", event.zone.0),
        checkpoint_id: checkpoint,
        subject,
        auto_text,
    }
}

/// Publishes the events to a stream of the bench's own and counts them through a durable consumer at the same
/// time; events/s from the first publish to the last event counted. The stream is deleted afterwards.
async fn through_nats(events: &[Event], url: &str) -> anyhow::Result<f64> {
    use async_nats::jetstream::consumer::{AckPolicy, PullConsumer, pull};
    use futures_util::StreamExt;

    let rows: Vec<LoggedEvent> = events.iter().map(logged).collect();
    let settings = surge_nats::NatsSettings {
        url: url.into(),
        stream: format!("SURGE_BENCH_{}", std::process::id()),
        subject_prefix: format!("surgebench.{}", std::process::id()),
        ..surge_nats::NatsSettings::default()
    };
    let js = surge_nats::connect(&settings).await?;
    let stream = js.get_stream(&settings.stream).await?;
    let consumer: PullConsumer = stream
        .create_consumer(pull::Config {
            durable_name: Some("bench".into()),
            ack_policy: AckPolicy::All,
            max_ack_pending: 20_000,
            ..Default::default()
        })
        .await?;
    // Distinct events, as the stream keeps them: repeats are dropped by their ids.
    let distinct: std::collections::HashSet<i64> = rows.iter().map(|r| r.position.id).collect();
    let expected = distinct.len();
    let started = Instant::now();
    let publisher = {
        let (js, prefix) = (js.clone(), settings.subject_prefix.clone());
        tokio::spawn(async move {
            let mut new = 0;
            for chunk in rows.chunks(10_000) {
                new += surge_nats::publish(&js, &prefix, chunk).await?;
            }
            anyhow::Ok(new)
        })
    };
    let mut engine = Engine::new(settings_for_bench());
    let mut zones = surge_stream::Zones::default();
    let mut out = Output::default();
    let mut counted = 0usize;
    while counted < expected {
        let mut messages = consumer.batch().max_messages(5_000).expires(Duration::from_millis(500)).messages().await?;
        let mut last = None;
        while let Some(message) = messages.next().await {
            let message = message.map_err(|e| anyhow::anyhow!(e))?;
            if let Some(event) = surge_nats::decode(&message.payload).and_then(|row| to_event(&row, &mut zones)) {
                engine.push(&event, &mut out);
            }
            counted += 1;
            last = Some(message);
        }
        out.closed.clear();
        out.late.clear();
        out.alerts.clear();
        match last {
            Some(message) => message.ack().await.map_err(|e| anyhow::anyhow!(e))?,
            None if publisher.is_finished() => break,
            None => {}
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    let new = publisher.await??;
    js.delete_stream(&settings.stream).await?;
    anyhow::ensure!(
        new == expected && counted == expected,
        "NATS took {new} and the consumer counted {counted} of {expected} distinct events"
    );
    println!(
        "through NATS: {} events published ({} repeats dropped by id), {counted} read and counted in {elapsed:.2} s",
        events.len(),
        events.len() - new
    );
    Ok(counted as f64 / elapsed)
}
