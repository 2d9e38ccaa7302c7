//! The live analytics end to end: the benchmark runs on a small stream (in-process and through the NATS JetStream
//! that `cargo xtask test` starts) and ends with its figures; `surge stream replay` counts the log again.

use serde_json::Value;
use surge_app::{Checkpoints, EventLog};

#[test]
fn the_stream_benchmark_counts_every_event_and_ends_with_its_figures() {
    let dir = tempfile::tempdir().unwrap();
    let out = crate::surge(dir.path(), &["bench", "stream", "--events", "20000", "--nats-events", "5000"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    let last: Value = serde_json::from_str(stdout.lines().last().unwrap()).unwrap();
    assert_eq!(last["bench"].as_str(), Some("stream"), "{last}");
    assert!(last["events"].as_u64().is_some_and(|n| n >= 20_000), "{last}");
    for figure in ["events_per_s", "engine_events_per_s", "p99_ms", "raw_read_per_s", "nats_events_per_s"] {
        assert!(last[figure].as_f64().is_some_and(|v| v > 0.0), "{figure} in {last}");
    }
    assert!(stdout.contains("repeats dropped"), "{stdout}");
    // 5,000 events with a few repeats: the stream keeps and the consumer counts the distinct ones.
    assert!(stdout.contains("through NATS: 5000 events published"), "{stdout}");
    let out = crate::surge(dir.path(), &["bench", "stream", "--events", "1000", "--nats-events", "0"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let last: Value = serde_json::from_str(stdout.lines().last().unwrap()).unwrap();
    assert!(last["nats_events_per_s"].is_null(), "no NATS figure without NATS events: {last}");
}

#[tokio::test]
async fn a_replay_counts_the_log_again_from_the_minute_asked_for() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    let store = surge_store_sqlite::open(&data.join("surge.db")).await.unwrap();
    let start = time::macros::datetime!(2026-03-01 09:00 UTC);
    let gate = store.insert_checkpoint("Gate", "KR-26", 35.1, 129.0, start).await.unwrap();
    // 30 valid scans, 6 s apart: ten in each of three minutes.
    for i in 0..30i64 {
        let scan = surge_testkit::fixtures::scan(gate, i as u64, true, start + time::Duration::seconds(i * 6));
        store.record_scan(&scan, None).await.unwrap();
    }
    store.close().await;
    let data_dir = data.to_str().unwrap();
    let since = "2026-03-01T09:01:30Z";
    let out =
        crate::surge(dir.path(), &["stream", "replay", "--data-dir", data_dir, "--since", since, "--format", "json"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
    let report: Value = serde_json::from_str(stdout.trim()).unwrap();
    // From the first event of minute 1 (5 s of disorder before it holds none): minutes 1 and 2, each counted by
    // checkpoint and zone.
    assert_eq!(report["events"].as_u64(), Some(20), "{report}");
    assert_eq!(report["minute_counts"].as_u64(), Some(4), "{report}");
    let store = surge_store_sqlite::open(&data.join("surge.db")).await.unwrap();
    let minute0 = start.unix_timestamp() / 60;
    let mut counted: Vec<(i64, u64)> = store
        .stream_windows(0)
        .await
        .unwrap()
        .into_iter()
        .filter(|w| w.scope == format!("checkpoint:{gate}"))
        .map(|w| (w.minute - minute0, w.count))
        .collect();
    counted.sort_unstable();
    assert_eq!(counted, [(1, 10), (2, 10)]);
    store.close().await;

    let out = crate::surge(dir.path(), &["stream", "replay", "--data-dir", data_dir, "--since", "yesterday"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--since \"yesterday\""), "names the bad input");
}

#[test]
fn a_duty_phone_that_is_not_a_phone_number_stops_the_start_and_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_surge"))
        .args(["serve", "--data-dir", data.to_str().unwrap(), "--listen", "127.0.0.1:0"])
        .env("SURGE_STREAM__ALERT_SMS_TO", "010-1234-5678")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("stream.alert_sms_to \"010-1234-5678\" is not a phone number"), "{stderr}");
}
