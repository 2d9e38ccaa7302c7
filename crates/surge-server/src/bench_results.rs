//! `surge bench results`: lab results in-process on a fresh SQLite database, as `surge serve --mllp` takes them.
//! Registered negatives arrive over MLLP on several lab connections at once (each sends a message and waits for its
//! ACK, as HL7 original mode requires); the outbox worker sends each text through the log gateway. It reports
//! results/s from receipt to ACK (the result and its SMS committed), and p50/p99 from receipt to the gateway
//! accepting the text, beside the raw rate of parsing the same messages measured in the same run.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context;
use serde_json::json;
use surge_app::lab::{LabStore, NewRegistration};
use surge_app::results::ResultsConfig;
use surge_notify::{NotifyWorker, Route, WorkerConfig};
use surge_results::mllp::{Decoder, frame};
use surge_results::{TestTable, parse_oru};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::Outcome;
use crate::bench_notify::{percentiles, timed};

const SAMPLE: &str = include_str!("../../surge-results/tests/data/01_reportstream_pcr_94500-6_negative_v2.3.hl7");

/// The sample negative for patient `i`: its own control id, order and sample number.
fn message(i: usize) -> String {
    SAMPLE.replace("04903212", &format!("B{i:08}")).replace("2107662558", &format!("S{i:09}"))
}

fn phone(i: usize) -> String {
    format!("+8210{:04}{:04}", 2000 + i / 10_000, i % 10_000)
}

/// One lab connection: sends each of its messages and waits for the ACK; returns (patient, sent, acknowledged).
async fn lab(addr: std::net::SocketAddr, patients: Vec<usize>) -> anyhow::Result<Vec<(usize, Instant, Instant)>> {
    let mut stream = TcpStream::connect(addr).await.context("connecting to the MLLP listener")?;
    stream.set_nodelay(true)?;
    let mut decoder = Decoder::new(1 << 20);
    let mut buffer = vec![0u8; 16 * 1024];
    let mut times = Vec::with_capacity(patients.len());
    for i in patients {
        let framed = frame(message(i).as_bytes());
        let sent = Instant::now();
        stream.write_all(&framed).await?;
        let ack = loop {
            let n = stream.read(&mut buffer).await?;
            anyhow::ensure!(n > 0, "the listener closed the connection at patient {i}");
            if let Some(item) = decoder.push(&buffer[..n]).into_iter().next() {
                break String::from_utf8_lossy(&item.map_err(|e| anyhow::anyhow!("ACK framing: {e}"))?).into_owned();
            }
        };
        anyhow::ensure!(ack.contains("MSA|AA|"), "patient {i} was not accepted: {ack}");
        times.push((i, sent, Instant::now()));
    }
    Ok(times)
}

pub async fn run(results: usize, connections: usize) -> anyhow::Result<Outcome> {
    let results = results.max(1);
    let connections = connections.clamp(1, results);
    let dir = tempfile::tempdir().context("making a scratch directory")?;
    let store = surge_store_sqlite::open(&dir.path().join("surge.db")).await?;
    let config = Arc::new(ResultsConfig {
        tests: TestTable::seeded(),
        phone_region: "KR".into(),
        sms_language: "ko".into(),
        help_phone: "1339".into(),
        results_link: "https://surge.example.kr/r".into(),
        certificate_hours: 72,
        duty_phone: None,
        queue_link: "https://surge.example.kr/results/queue".into(),
        text_phone_from_lab: false,
    });
    let now = crate::now();
    let registrations: Vec<NewRegistration> = (0..results)
        .map(|i| NewRegistration {
            specimen_id: Some(format!("S{i:09}")),
            phone: Some(phone(i)),
            family: "X7TEST".into(),
            given: "DONOTUSE".into(),
            birth_date: time::macros::date!(1963 - 02 - 02),
            created_at: now,
        })
        .collect();
    store.insert_registrations(&registrations).await?;
    println!("progress: {results} patients registered");

    // Baseline: parsing the same messages alone.
    let texts: Vec<String> = (0..results).map(message).collect();
    let start = Instant::now();
    for text in &texts {
        parse_oru(text).map_err(|e| anyhow::anyhow!("the sample no longer parses: {e}"))?;
    }
    let raw_parse_per_s = results as f64 / start.elapsed().as_secs_f64();
    drop(texts);

    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let limits = crate::mllp::Limits {
        allow: Vec::new(),
        max_connections: 1024,
        frame_timeout: std::time::Duration::from_secs(30),
    };
    let server = tokio::spawn(crate::mllp::listen(listener, store.clone(), config.clone(), limits, None));
    let gateway = timed(dir.path(), "sms.log")?;
    let worker = NotifyWorker::new(
        vec![Route { gateway: gateway.clone(), weight: 1, rate: 0.0 }],
        WorkerConfig { max_segments: 4, ..WorkerConfig::default() },
    );
    let stop = Arc::new(AtomicBool::new(false));
    let sender = {
        let (store, stop) = (store.clone(), stop.clone());
        tokio::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                match worker.run_once(&store, crate::now()).await {
                    // As `surge serve` polls an idle outbox (notify.idle_poll_ms, 200) would add up to that much
                    // to each text's wait; the bench polls every 5 ms and says so.
                    Ok(outcome) if outcome.claimed == 0 => tokio::time::sleep(Duration::from_millis(5)).await,
                    Ok(_) => {}
                    Err(e) => return Err(anyhow::Error::from(e)),
                }
            }
            anyhow::Ok(())
        })
    };

    let start = Instant::now();
    let labs: Vec<_> =
        (0..connections).map(|k| tokio::spawn(lab(addr, (k..results).step_by(connections).collect()))).collect();
    let mut sent = vec![start; results];
    let mut acks = Vec::with_capacity(results);
    for handle in labs {
        for (i, at, acked) in handle.await.context("a lab connection panicked")?? {
            sent[i] = at;
            acks.push(acked.saturating_duration_since(at));
        }
    }
    let ingest = start.elapsed();
    let results_per_s = results as f64 / ingest.as_secs_f64();
    println!("progress: every ACK in after {:.1} s; waiting for the texts", ingest.as_secs_f64());
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let done = gateway.accepted.lock().unwrap_or_else(std::sync::PoisonError::into_inner).len();
        if done >= results {
            break;
        }
        anyhow::ensure!(Instant::now() < deadline, "only {done} of {results} texts reached the gateway");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    stop.store(true, Ordering::Relaxed);
    sender.await.context("the sender panicked")??;
    server.abort();
    let (_, outbox) = surge_app::Facts::counts(&store).await?;
    anyhow::ensure!(outbox as usize == results, "{outbox} texts queued for {results} negatives");

    let accepted: HashMap<String, Instant> =
        std::mem::take(&mut *gateway.accepted.lock().unwrap_or_else(std::sync::PoisonError::into_inner))
            .into_iter()
            .map(|(_, to, at)| (to, at))
            .collect();
    let to_gateway: Vec<Duration> =
        (0..results).filter_map(|i| accepted.get(&phone(i)).map(|at| at.saturating_duration_since(sent[i]))).collect();
    anyhow::ensure!(to_gateway.len() == results, "{} of {results} texts matched their patient", to_gateway.len());
    let (p50, p99) = percentiles(to_gateway);
    let (ack_p50, ack_p99) = percentiles(acks);
    println!("backend: sqlite (one file, synchronous = FULL), {connections} lab connections over MLLP on 127.0.0.1");
    println!("HL7 parsing alone:                          {raw_parse_per_s:>10.0} results/s  (baseline)");
    println!(
        "receipt → result and text committed (ACK):  {results_per_s:>10.0} results/s, p50 {ack_p50:.2} ms, p99 {ack_p99:.2} ms"
    );
    println!(
        "receipt → gateway accepted the text:        p50 {p50:.2} ms, p99 {p99:.2} ms  ({results} registered negatives)"
    );
    println!(
        "{}",
        json!({
            "bench": "results",
            "results_per_s": results_per_s.round(),
            "p50_ms": (p50 * 100.0).round() / 100.0,
            "p99_ms": (p99 * 100.0).round() / 100.0,
            "raw_parse_per_s": raw_parse_per_s.round(),
            "results": results,
            "connections": connections,
            "ack_p50_ms": (ack_p50 * 100.0).round() / 100.0,
            "ack_p99_ms": (ack_p99 * 100.0).round() / 100.0,
            "backend": "sqlite",
        })
    );
    store.close().await;
    Ok(Outcome::Success)
}
