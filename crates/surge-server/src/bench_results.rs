//! `surge bench results`: lab messages in-process on a fresh SQLite database, each a registered negative, from the
//! message arriving to its ACK with the result and its SMS committed (the wait a patient has before the text is
//! queued), beside the raw rate of reading the same messages (HL7 parsing alone) measured in the same run.

use std::time::{Duration, Instant};

use anyhow::Context;
use serde_json::json;
use surge_app::results::{ResultsConfig, receive_message, register_for_results};
use surge_results::{TestTable, parse_oru};
use surge_store_sqlite::SqliteStore;

use crate::Outcome;

const SAMPLE: &str = include_str!("../../surge-results/tests/data/01_reportstream_pcr_94500-6_negative_v2.3.hl7");

/// The sample negative for patient `i`: its own control id, order and sample number.
fn message(i: usize) -> String {
    SAMPLE.replace("04903212", &format!("B{i:08}")).replace("2107662558", &format!("S{i:09}"))
}

pub async fn run(messages: usize) -> anyhow::Result<Outcome> {
    let messages = messages.max(1);
    let dir = tempfile::tempdir().context("making a scratch directory")?;
    let store = SqliteStore::open(&dir.path().join("surge.db")).await?;
    let config = ResultsConfig {
        tests: TestTable::seeded(),
        phone_region: "KR".into(),
        sms_language: "ko".into(),
        help_phone: "1339".into(),
        results_link: "https://surge.example.kr/r".into(),
        certificate_hours: 72,
    };
    let now = crate::now();
    for i in 0..messages {
        let phone = format!("010-{:04}-{:04}", 2000 + i / 10_000, i % 10_000);
        register_for_results(&store, &config, &format!("S{i:09}"), "X7TEST", "DONOTUSE", "1963-02-02", &phone, now)
            .await
            .map_err(|e| anyhow::anyhow!("registering patient {i}: {e}"))?;
    }
    let texts: Vec<String> = (0..messages).map(message).collect();

    // Baseline: reading the messages alone.
    let start = Instant::now();
    for text in &texts {
        parse_oru(text).map_err(|e| anyhow::anyhow!("the sample no longer parses: {e}"))?;
    }
    let parse_per_s = messages as f64 / start.elapsed().as_secs_f64();

    let mut latencies = Vec::with_capacity(messages);
    let mut texted = 0;
    let start = Instant::now();
    for (i, text) in texts.iter().enumerate() {
        let began = Instant::now();
        let received = receive_message(&store, &config, text, now, &format!("ACK{i}"))
            .await
            .map_err(|e| anyhow::anyhow!("message {i}: {e:?}"))?;
        latencies.push(began.elapsed());
        texted += received.texted;
    }
    let messages_per_s = messages as f64 / start.elapsed().as_secs_f64();
    anyhow::ensure!(texted == messages, "only {texted} of {messages} negatives were texted");
    let (_, outbox) = surge_app::Store::counts(&store).await?;
    anyhow::ensure!(outbox as usize == messages, "{outbox} texts queued for {messages} negatives");
    latencies.sort_unstable();
    let at = |q: f64| {
        let i = ((latencies.len() as f64 * q).ceil() as usize).clamp(1, latencies.len()) - 1;
        latencies.get(i).copied().unwrap_or(Duration::ZERO).as_secs_f64() * 1000.0
    };
    let (p50, p99) = (at(0.50), at(0.99));
    println!("backend: sqlite (one file, synchronous = FULL)");
    println!("HL7 parsing alone:                 {parse_per_s:>10.0} messages/s  (baseline)");
    println!(
        "message in → result and text committed: {messages_per_s:>10.0} messages/s, p50 {p50:.2} ms, p99 {p99:.2} ms  ({messages} registered negatives, one at a time)"
    );
    println!(
        "{}",
        json!({
            "bench": "results",
            "backend": "sqlite",
            "messages": messages,
            "messages_per_s": messages_per_s.round(),
            "p50_ms": (p50 * 100.0).round() / 100.0,
            "p99_ms": (p99 * 100.0).round() / 100.0,
            "parse_per_s": parse_per_s.round(),
        })
    );
    store.close().await;
    Ok(Outcome::Success)
}
