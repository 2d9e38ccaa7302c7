//! Unit tests of the wire format; the tests through a real JetStream are in `tests/`.

use super::*;

#[test]
fn an_event_reads_back_as_it_was_published() {
    let row = LoggedEvent {
        position: EventPosition { tx: 12, id: 345 },
        at_ms: 1_764_000_000_123,
        kind: "result.received".into(),
        zone: "KR-26".into(),
        checkpoint_id: None,
        subject: "result:TM1:94500-6:F \"quoted\"\t".into(),
        auto_text: Some(true),
    };
    assert_eq!(decode(&encode(&row)), Some(row.clone()));
    let bare =
        LoggedEvent { zone: String::new(), subject: String::new(), auto_text: None, checkpoint_id: Some(3), ..row };
    let bytes = encode(&bare);
    assert!(!String::from_utf8_lossy(&bytes).contains("zone"), "empty fields are left out");
    assert_eq!(decode(&bytes), Some(bare));
    assert_eq!(decode(b"not json"), None);
    assert_eq!(decode(br#"{"id":1}"#), None, "an event needs its time and kind");
}

#[test]
fn errors_have_stable_codes() {
    assert_eq!(NatsError::Connect { url: "x".into(), message: "refused".into() }.code(), "nats.connect");
    assert_eq!(NatsError::JetStream("x".into()).code(), "nats.jetstream");
    assert_eq!(NatsError::Store("x".into()).code(), "nats.store");
}
