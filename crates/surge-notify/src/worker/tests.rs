//! The worker against a real SQLite outbox and scripted gateways.

use std::collections::VecDeque;
use std::sync::Mutex;

use surge_app::{Facts, OutboxMessage};
use surge_domain::notify::{Encoding, MessageState, RetryPolicy};
use surge_store_sqlite::SqliteStore;
use surge_testkit::fixtures::NOW;

use super::*;
use crate::gateway::SendFuture;

/// A gateway that answers from a script (then accepts everything) and remembers what it was given.
#[derive(Debug, Default)]
struct Scripted {
    name: String,
    answers: Mutex<VecDeque<SendOutcome>>,
    seen: Mutex<Vec<(i64, String, Encoding)>>,
}

impl Scripted {
    fn new(name: &str, answers: Vec<SendOutcome>) -> Arc<Self> {
        Arc::new(Self { name: name.into(), answers: Mutex::new(answers.into()), seen: Mutex::default() })
    }

    fn seen(&self) -> Vec<(i64, String, Encoding)> {
        self.seen.lock().unwrap().clone()
    }
}

impl SmsGateway for Scripted {
    fn name(&self) -> &str {
        &self.name
    }

    fn send<'a>(&'a self, sms: OutgoingSms<'a>) -> SendFuture<'a> {
        self.seen.lock().unwrap().push((sms.id, sms.to.to_owned(), sms.encoding));
        let answer =
            self.answers.lock().unwrap().pop_front().unwrap_or(SendOutcome::Accepted { gateway_message_id: None });
        Box::pin(std::future::ready(answer))
    }
}

async fn store() -> (SqliteStore, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    (surge_store_sqlite::open(&dir.path().join("surge.db")).await.unwrap(), dir)
}

async fn enqueue(store: &SqliteStore, key: &str, to: &str, body: &str) -> i64 {
    let message = OutboxMessage {
        idempotency_key: key.into(),
        kind: "test_message".into(),
        recipient: to.into(),
        body: body.into(),
    };
    store.enqueue(&message, NOW).await.unwrap().0
}

fn worker(routes: Vec<(Arc<Scripted>, u32)>) -> NotifyWorker {
    let routes = routes
        .into_iter()
        .map(|(gateway, weight)| Route { gateway: gateway as Arc<dyn SmsGateway>, weight, rate: 0.0 })
        .collect();
    let config = WorkerConfig {
        retry: RetryPolicy { first: Duration::from_secs(5), longest: Duration::from_secs(60), attempts: 3 },
        ..WorkerConfig::default()
    };
    NotifyWorker::new(routes, config)
}

#[tokio::test]
async fn valid_messages_are_sent_and_bad_ones_fail_with_a_reason_without_reaching_a_gateway() {
    let (store, _dir) = store().await;
    let ok = enqueue(&store, "a", "+821012345678", "Hello").await;
    let korean = enqueue(&store, "b", "+821012345679", "안녕하세요").await;
    let bad_phone = enqueue(&store, "c", "12", "Hello").await;
    let too_long = enqueue(&store, "d", "+821012345670", &"a".repeat(153 * 4 + 1)).await;
    let opted = enqueue(&store, "e", "+821011112222", "Hello").await;
    store.set_opt_out("+821011112222", true, NOW).await.unwrap();
    let gateway = Scripted::new("one", vec![]);
    let outcome = worker(vec![(gateway.clone(), 1)]).run_once(&store, NOW).await.unwrap();
    assert_eq!(outcome, WorkOutcome { claimed: 5, accepted: 2, retried: 0, failed: 3 });
    let mut seen = gateway.seen();
    seen.sort_by_key(|(id, _, _)| *id);
    assert_eq!(
        seen,
        vec![(ok, "+821012345678".into(), Encoding::Gsm7), (korean, "+821012345679".into(), Encoding::Ucs2)]
    );
    for (id, state, reason) in [
        (ok, MessageState::Sent, None),
        (bad_phone, MessageState::PermanentFailure, Some("phone_invalid")),
        (too_long, MessageState::PermanentFailure, Some("sms_too_long")),
        (opted, MessageState::PermanentFailure, Some("opted_out")),
    ] {
        let record = store.message(id).await.unwrap();
        assert_eq!(record.state, state, "{id}");
        assert_eq!(record.failure.as_deref().map(|f| f.split(':').next().unwrap()), reason, "{id}");
    }
    assert_eq!(store.message(ok).await.unwrap().gateway.as_deref(), Some("one"));
}

#[tokio::test]
async fn a_temporary_failure_fails_over_to_another_gateway_at_once() {
    let (store, _dir) = store().await;
    let id = enqueue(&store, "a", "+821012345678", "Hello").await;
    let first = Scripted::new("first", vec![SendOutcome::Temporary("busy".into())]);
    let second = Scripted::new("second", vec![]);
    // By weight the first takes nearly everything; when it fails, the second takes the message at once.
    let w = worker(vec![(first.clone(), 1000), (second.clone(), 1)]);
    let outcome = w.run_once(&store, NOW).await.unwrap();
    assert_eq!(outcome.accepted, 1);
    assert_eq!((first.seen().len(), second.seen().len()), (1, 1));
    assert_eq!(store.message(id).await.unwrap().gateway.as_deref(), Some("second"));
}

#[tokio::test]
async fn temporary_failures_back_off_and_end_as_technical_failures() {
    let (store, _dir) = store().await;
    let id = enqueue(&store, "a", "+821012345678", "Hello").await;
    let down = Scripted::new("down", (0..10).map(|_| SendOutcome::Temporary("down".into())).collect());
    let w = worker(vec![(down.clone(), 1)]);
    assert_eq!(w.run_once(&store, NOW).await.unwrap().retried, 1);
    let record = store.message(id).await.unwrap();
    assert_eq!((record.state, record.failure.as_deref()), (MessageState::Created, Some("down")));
    assert_eq!(w.run_once(&store, NOW + time::Duration::seconds(4)).await.unwrap().claimed, 0, "not before 5 s");
    assert_eq!(w.run_once(&store, NOW + time::Duration::seconds(5)).await.unwrap().retried, 1);
    assert_eq!(w.run_once(&store, NOW + time::Duration::seconds(14)).await.unwrap().claimed, 0, "then 10 s");
    assert_eq!(w.run_once(&store, NOW + time::Duration::seconds(15)).await.unwrap().failed, 1, "third and last");
    assert_eq!(store.message(id).await.unwrap().state, MessageState::TechnicalFailure);
    assert_eq!(down.seen().len(), 3);
}

#[tokio::test]
async fn a_permanent_refusal_is_final_and_a_stuck_message_is_sent_again() {
    let (store, _dir) = store().await;
    let refused = enqueue(&store, "a", "+821012345678", "Hello").await;
    let gateway = Scripted::new("one", vec![SendOutcome::Permanent("barred".into())]);
    let w = worker(vec![(gateway.clone(), 1)]);
    assert_eq!(w.run_once(&store, NOW).await.unwrap().failed, 1);
    assert_eq!(store.message(refused).await.unwrap().state, MessageState::PermanentFailure);
    // A sender claimed this one and died.
    let stuck = enqueue(&store, "b", "+821012345679", "Hello").await;
    store.claim_messages(10, NOW).await.unwrap();
    assert_eq!(w.sweep(&store, NOW + time::Duration::seconds(60)).await.unwrap().0, 0, "not stuck yet");
    assert_eq!(w.sweep(&store, NOW + time::Duration::seconds(301)).await.unwrap().0, 1);
    assert_eq!(w.run_once(&store, NOW + time::Duration::seconds(301)).await.unwrap().accepted, 1);
    assert_eq!(store.message(stuck).await.unwrap().attempts, 2);
    let (passes, _) = store.counts().await.unwrap();
    assert_eq!(passes, 0);
}

/// A gateway that notes, at each send, how many messages the outbox holds as `sending`.
#[derive(Debug)]
struct Watching {
    store: SqliteStore,
    most_sending: Mutex<u64>,
}

impl SmsGateway for Watching {
    fn name(&self) -> &str {
        "watching"
    }

    fn send<'a>(&'a self, _sms: OutgoingSms<'a>) -> SendFuture<'a> {
        Box::pin(async move {
            let counts = self.store.message_counts().await.unwrap();
            let sending = counts.iter().find(|(s, _)| *s == MessageState::Sending).map_or(0, |(_, n)| *n);
            let mut most = self.most_sending.lock().unwrap();
            *most = (*most).max(sending);
            SendOutcome::Accepted { gateway_message_id: None }
        })
    }
}

/// Issue 20 #3: a worker killed while sending left its whole claimed batch (500) `sending`, and every one of them
/// was sent again after the timeout. Only the window about to go to the gateways may be claimed.
#[tokio::test]
async fn only_the_window_being_sent_is_claimed_so_a_crash_repeats_at_most_that() {
    let (store, _dir) = store().await;
    for i in 0..100 {
        enqueue(&store, &format!("w{i}"), &format!("+8210{:08}", 20_000_000 + i), "Hello").await;
    }
    let gateway = Arc::new(Watching { store: store.clone(), most_sending: Mutex::new(0) });
    let routes = vec![Route { gateway: gateway.clone() as Arc<dyn SmsGateway>, weight: 1, rate: 0.0 }];
    let worker = NotifyWorker::new(routes, WorkerConfig { window: 16, ..WorkerConfig::default() });
    let outcome = worker.run_once(&store, NOW).await.unwrap();
    assert_eq!((outcome.claimed, outcome.accepted), (100, 100), "one pass still sends the whole budget");
    let most = *gateway.most_sending.lock().unwrap();
    assert!((1..=16).contains(&most), "{most} messages were claimed at once; the window is 16");
}
