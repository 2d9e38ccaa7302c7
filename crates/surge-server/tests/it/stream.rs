//! The live analytics' benchmark end to end: it runs on a small stream and ends with its figures.

use serde_json::Value;

#[test]
fn the_stream_benchmark_counts_every_event_and_ends_with_its_figures() {
    let dir = tempfile::tempdir().unwrap();
    let out = crate::surge(dir.path(), &["bench", "stream", "--events", "20000"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    let last: Value = serde_json::from_str(stdout.lines().last().unwrap()).unwrap();
    assert_eq!(last["bench"].as_str(), Some("stream"), "{last}");
    assert!(last["events"].as_u64().is_some_and(|n| n >= 20_000), "{last}");
    for figure in ["events_per_s", "engine_events_per_s", "p99_ms", "raw_read_per_s"] {
        assert!(last[figure].as_f64().is_some_and(|v| v > 0.0), "{figure} in {last}");
    }
    assert!(last["nats_events_per_s"].is_null(), "no NATS figure is claimed: {last}");
    assert!(stdout.contains("repeats dropped"), "{stdout}");
}
