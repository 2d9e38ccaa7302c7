//! Through a real NATS JetStream (`SURGE_TEST_NATS_URL`, default `nats://127.0.0.1:4222`; `cargo xtask test`
//! starts one): the log published twice is in the stream once, and two consumers, one of them killed twice while it
//! counts, store the same counts as the log holds. Each test uses a stream of its own and deletes it.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "tests fail by panicking")]

use std::collections::BTreeMap;
use std::time::Duration;

use surge_app::analytics::ConsumerSettings;
use surge_app::{Checkpoints, EventLog, EventPosition};
use surge_nats::{NatsConsumer, NatsSettings, Relay};
use surge_store_sqlite::SqliteStore;
use time::OffsetDateTime;
use time::macros::datetime;

const NOW: OffsetDateTime = datetime!(2026-03-01 09:00 UTC);
const SCANS: i64 = 300;

fn settings(test: &str, dir: &tempfile::TempDir) -> NatsSettings {
    // Unique across runs on one server, even beside a stream a failed run left: the temporary directory's random
    // name.
    let random: String = dir.path().to_string_lossy().chars().filter(char::is_ascii_alphanumeric).collect();
    let unique = format!("{test}_{random}");
    NatsSettings {
        url: std::env::var("SURGE_TEST_NATS_URL").unwrap_or_else(|_| "nats://127.0.0.1:4222".into()),
        stream: format!("SURGE_TEST_{unique}"),
        subject_prefix: format!("surgetest.{unique}"),
        batch: 17,
        ack_wait: Duration::from_millis(500),
        ..NatsSettings::default()
    }
}

async fn store(dir: &tempfile::TempDir, name: &str) -> SqliteStore {
    surge_store_sqlite::open(&dir.path().join(name)).await.unwrap()
}

/// 300 scans over 30 minutes at one checkpoint, every third not valid; the counts per minute and measure.
async fn scans(store: &SqliteStore) -> (i64, BTreeMap<(i64, String), u64>) {
    let gate = store.insert_checkpoint("Gate", "KR-26", 35.1, 129.0, NOW).await.unwrap();
    let mut expected = BTreeMap::new();
    for i in 0..SCANS {
        let at = NOW + time::Duration::seconds(i * 6);
        let valid = i % 3 != 0;
        let scan = surge_testkit::fixtures::scan(gate, i as u64, valid, at);
        store.record_scan(&scan, None).await.unwrap();
        let measure = if valid { "scan.valid" } else { "scan.invalid" };
        *expected.entry((at.unix_timestamp() / 60, measure.to_owned())).or_insert(0) += 1;
    }
    (gate, expected)
}

async fn counted(store: &SqliteStore, gate: i64) -> BTreeMap<(i64, String), u64> {
    surge_testkit::conformance::stored_counts(store, &format!("checkpoint:{gate}")).await
}

async fn publish_log(source: &SqliteStore, js: &async_nats::jetstream::Context, settings: &NatsSettings, name: &str) {
    let mut relay = Relay::start(source, name, 50).await.unwrap();
    while relay.run_once(source, js, &settings.subject_prefix, NOW).await.unwrap() > 0 {}
    assert_ne!(relay.position(), EventPosition::default());
}

async fn messages(js: &async_nats::jetstream::Context, settings: &NatsSettings) -> u64 {
    js.get_stream(&settings.stream).await.unwrap().info().await.unwrap().state.messages
}

fn counting() -> ConsumerSettings {
    ConsumerSettings { state_every: 4, ..ConsumerSettings::default() }
}

/// Runs a consumer until it has counted the whole stream, then lets the clock close the last minutes.
async fn count_to_the_end(source_end: u64, store: &SqliteStore, consumer: &mut NatsConsumer) {
    while consumer.sequence() < source_end {
        consumer.run_once(store, NOW).await.unwrap();
    }
    consumer.run_once(store, NOW + time::Duration::hours(2)).await.unwrap();
}

#[tokio::test]
async fn two_consumers_one_killed_and_restarted_store_the_same_counts() {
    let dir = tempfile::tempdir().unwrap();
    let settings = settings("two_consumers", &dir);
    let js = surge_nats::connect(&settings)
        .await
        .expect("NATS is not reachable: `cargo xtask test` starts it, or set SURGE_TEST_NATS_URL");
    let source = store(&dir, "source.db").await;
    let (gate, expected) = scans(&source).await;

    // Two relays (two servers) publish the whole log; the stream keeps each event once.
    publish_log(&source, &js, &settings, "relay-a").await;
    publish_log(&source, &js, &settings, "relay-b").await;
    assert_eq!(messages(&js, &settings).await, SCANS as u64, "each event once in the stream");

    // Consumer A counts everything without stopping, into its own database.
    let a_store = store(&dir, "a.db").await;
    let mut a = NatsConsumer::start(&a_store, &js, "live-a", settings.clone(), counting(), NOW).await.unwrap();
    count_to_the_end(SCANS as u64, &a_store, &mut a).await;
    assert_eq!(counted(&a_store, gate).await, expected, "consumer A counted every scan once");

    // Consumer B is killed twice at whatever point it has reached, and started again each time.
    let b_store = store(&dir, "b.db").await;
    for stop_after in [70u64, 190] {
        let (js, store, settings) = (js.clone(), b_store.clone(), settings.clone());
        let running = tokio::spawn(async move {
            let mut b = NatsConsumer::start(&store, &js, "live-b", settings, counting(), NOW).await.unwrap();
            loop {
                b.run_once(&store, NOW).await.unwrap();
            }
        });
        // Killed once its stored place has passed `stop_after`, wherever it then is.
        for _ in 0..600 {
            let place = b_store.stream_place("live-b").await.unwrap();
            if place.is_some_and(|p| p.position.id as u64 >= stop_after) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        running.abort();
        assert!(running.await.unwrap_err().is_cancelled());
    }
    let place = b_store.stream_place("live-b").await.unwrap().unwrap();
    assert!((190..SCANS).contains(&place.position.id), "killed before the end: {place:?}");
    let mut b = NatsConsumer::start(&b_store, &js, "live-b", settings.clone(), counting(), NOW).await.unwrap();
    assert!(b.sequence() >= 190, "it read on from its last state and the events acknowledged since");
    count_to_the_end(SCANS as u64, &b_store, &mut b).await;
    assert_eq!(counted(&b_store, gate).await, expected, "consumer B counted every scan once despite two kills");
    assert!(b_store.stream_late(0).await.unwrap().is_empty(), "nothing came late");
    let zone: u64 = surge_testkit::conformance::stored_counts(&b_store, "zone:KR-26").await.values().sum();
    assert_eq!(zone, SCANS as u64, "and once under its zone");

    // Both consumers are durable in JetStream. Events handed to B before a kill and read again from the stream
    // are sent again by JetStream after their acknowledgement wait; B acknowledges them without counting them.
    let stream = js.get_stream(&settings.stream).await.unwrap();
    let mut durable: async_nats::jetstream::consumer::PullConsumer = stream.get_consumer("live-a").await.unwrap();
    assert_eq!(durable.info().await.unwrap().ack_floor.stream_sequence, SCANS as u64);
    let mut durable: async_nats::jetstream::consumer::PullConsumer = stream.get_consumer("live-b").await.unwrap();
    for _ in 0..50 {
        if durable.info().await.unwrap().ack_floor.stream_sequence == SCANS as u64 {
            break;
        }
        b.run_once(&b_store, NOW + time::Duration::hours(2)).await.unwrap();
    }
    assert_eq!(durable.info().await.unwrap().ack_floor.stream_sequence, SCANS as u64);
    assert_eq!(counted(&b_store, gate).await, expected, "still once each");
    js.delete_stream(&settings.stream).await.unwrap();
}

#[tokio::test]
async fn a_relay_restarted_from_an_older_place_publishes_nothing_twice() {
    let dir = tempfile::tempdir().unwrap();
    let settings = settings("relay_restart", &dir);
    let js = surge_nats::connect(&settings).await.expect("NATS is not reachable");
    let source = store(&dir, "source.db").await;
    scans(&source).await;
    let mut relay = Relay::start(&source, "relay", 100).await.unwrap();
    relay.run_once(&source, &js, &settings.subject_prefix, NOW).await.unwrap();
    relay.run_once(&source, &js, &settings.subject_prefix, NOW).await.unwrap();
    assert_eq!(messages(&js, &settings).await, 200);
    // As if the relay died after publishing its third batch but before storing its place.
    let rows = source.events_after(relay.position(), 100).await.unwrap();
    assert_eq!(surge_nats::publish(&js, &settings.subject_prefix, &rows).await.unwrap(), 100);
    let mut restarted = Relay::start(&source, "relay", 100).await.unwrap();
    assert_eq!(restarted.position(), relay.position());
    while restarted.run_once(&source, &js, &settings.subject_prefix, NOW).await.unwrap() > 0 {}
    assert_eq!(messages(&js, &settings).await, SCANS as u64, "the batch published again was dropped as repeats");
    js.delete_stream(&settings.stream).await.unwrap();
}
