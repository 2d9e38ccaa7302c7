//! The SMPP gateway against the test SMSC: binding, encodings and parts, receipts, refusals, enquire_link and
//! re-binding after the SMSC drops the connection.

use surge_testkit::smsc::Smsc;

use super::*;

fn config(smsc: &Smsc) -> SmppConfig {
    SmppConfig {
        address: smsc.addr.to_string(),
        system_id: "surge".into(),
        password: "secret".into(),
        system_type: String::new(),
        source_addr: "Surge".into(),
        window: 4,
        enquire_link_interval: Duration::from_millis(100),
        response_timeout: Duration::from_secs(2),
    }
}

fn sms<'a>(id: i64, to: &'a str, body: &'a str, encoding: Encoding) -> OutgoingSms<'a> {
    OutgoingSms { id, to, body, encoding }
}

#[tokio::test]
async fn a_message_is_submitted_with_registered_delivery_and_its_receipt_comes_back() {
    let smsc = Smsc::start().await;
    let (gateway, mut receipts) = SmppGateway::new(config(&smsc));
    let outcome = gateway.send(sms(1, "+821012345678", "Hello {world}", Encoding::Gsm7)).await;
    assert_eq!(outcome, SendOutcome::Accepted { gateway_message_id: Some("sim-1".into()) });
    let (id, receipt) = tokio::time::timeout(Duration::from_secs(5), receipts.recv()).await.unwrap().unwrap();
    assert_eq!((id.as_str(), receipt), ("sim-1", Receipt::Delivered));
    let (binds, submitted) = {
        let state = smsc.state();
        (state.binds, state.submitted[0].clone())
    };
    assert_eq!(binds, 1);
    assert_eq!(submitted.destination, "821012345678");
    assert_eq!(submitted.data_coding, 0, "GSM-7");
    // GSM 03.38 unpacked: '{' is the escape 0x1B then 0x28.
    assert_eq!(submitted.short_message, b"Hello \x1b\x28world\x1b\x29".to_vec());
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(smsc.state().receipts_acknowledged >= 1, "the receipt was acknowledged");
    assert!(smsc.state().enquire_links >= 1, "the bind is kept alive");
}

#[tokio::test]
async fn long_korean_text_goes_as_concatenated_ucs2_parts() {
    let smsc = Smsc::start().await;
    let (gateway, _receipts) = SmppGateway::new(config(&smsc));
    let body = "이동 허가증이 발급되었습니다. ".repeat(8);
    let outcome = gateway.send(sms(2, "+821012345678", &body, Encoding::Ucs2)).await;
    assert!(matches!(outcome, SendOutcome::Accepted { .. }), "{outcome:?}");
    let state = smsc.state();
    assert!(state.submitted.len() >= 2, "{} parts", state.submitted.len());
    assert!(state.submitted.iter().all(|s| s.data_coding == 8 && s.udh), "UCS-2 with a user data header");
}

#[tokio::test]
async fn refusals_are_permanent_or_temporary_by_status() {
    let smsc = Smsc::start().await;
    let (gateway, _receipts) = SmppGateway::new(config(&smsc));
    let invalid = gateway.send(sms(3, "+821000000000", "Hi", Encoding::Gsm7)).await;
    assert!(matches!(invalid, SendOutcome::Permanent(ref r) if r.contains("Rinvdstadr")), "{invalid:?}");
    smsc.throttle(1);
    let throttled = gateway.send(sms(4, "+821012345678", "Hi", Encoding::Gsm7)).await;
    assert!(matches!(throttled, SendOutcome::Temporary(ref r) if r.contains("Rthrottled")), "{throttled:?}");
    let after = gateway.send(sms(5, "+821012345678", "Hi", Encoding::Gsm7)).await;
    assert!(matches!(after, SendOutcome::Accepted { .. }), "{after:?}");
}

#[tokio::test]
async fn a_dropped_bind_is_made_again_on_the_next_send() {
    let smsc = Smsc::start().await;
    let (gateway, _receipts) = SmppGateway::new(config(&smsc));
    assert!(matches!(gateway.send(sms(6, "+821012345678", "one", Encoding::Gsm7)).await, SendOutcome::Accepted { .. }));
    smsc.drop_connections();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut outcome = gateway.send(sms(7, "+821012345678", "two", Encoding::Gsm7)).await;
    if matches!(outcome, SendOutcome::Temporary(_)) {
        // The drop may be noticed only by this send; the worker's retry sends again.
        outcome = gateway.send(sms(7, "+821012345678", "two", Encoding::Gsm7)).await;
    }
    assert!(matches!(outcome, SendOutcome::Accepted { .. }), "{outcome:?}");
    assert_eq!(smsc.state().binds, 2);
}
