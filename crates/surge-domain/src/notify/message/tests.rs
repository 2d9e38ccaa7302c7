//! Message states and retries.

use super::*;

#[test]
fn receipts_move_live_messages_and_never_reopen_final_ones() {
    use MessageState::*;
    assert_eq!(after_receipt(Sent, Receipt::Delivered), Some(Delivered));
    assert_eq!(after_receipt(Sending, Receipt::Delivered), Some(Delivered), "a receipt may beat the gateway's answer");
    assert_eq!(after_receipt(Sent, Receipt::Undelivered), Some(TemporaryFailure));
    assert_eq!(after_receipt(Sent, Receipt::Rejected), Some(PermanentFailure));
    assert_eq!(after_receipt(Sent, Receipt::Progress), None);
    for done in [Delivered, TemporaryFailure, PermanentFailure, TechnicalFailure] {
        for receipt in [Receipt::Delivered, Receipt::Undelivered, Receipt::Rejected, Receipt::Progress] {
            assert_eq!(after_receipt(done, receipt), None, "{done:?} after {receipt:?}");
        }
    }
    assert_eq!(after_receipt(Created, Receipt::Delivered), None, "not sent: a receipt for it is bogus");
}

#[test]
fn states_read_back_from_their_names() {
    for state in MessageState::ALL {
        assert_eq!(MessageState::parse(state.as_str()), Some(state));
    }
    assert_eq!(MessageState::parse("lost"), None);
}

#[test]
fn retries_back_off_exponentially_up_to_a_cap_and_a_count() {
    let policy = RetryPolicy { first: Duration::from_secs(5), longest: Duration::from_secs(60), attempts: 6 };
    let delays: Vec<Option<u64>> = (1..=7).map(|made| policy.next_delay(made).map(|d| d.as_secs())).collect();
    assert_eq!(delays, vec![Some(5), Some(10), Some(20), Some(40), Some(60), None, None]);
    assert_eq!(RetryPolicy::default().next_delay(40), None);
}

#[test]
fn receipt_signatures_bind_the_secret_and_the_message() {
    let signature = receipt_signature(b"secret", 42);
    assert_eq!(signature.len(), 32);
    assert!(receipt_signature_valid(b"secret", 42, &signature));
    assert!(!receipt_signature_valid(b"secret", 43, &signature));
    assert!(!receipt_signature_valid(b"other", 42, &signature));
    assert!(!receipt_signature_valid(b"secret", 42, &signature[..31]));
}

#[test]
fn kannel_report_types_map_to_receipts() {
    assert_eq!(kannel_receipt(1), Receipt::Delivered);
    assert_eq!(kannel_receipt(2), Receipt::Undelivered);
    assert_eq!(kannel_receipt(16), Receipt::Rejected);
    assert_eq!(kannel_receipt(8), Receipt::Progress);
    assert_eq!(kannel_receipt(4), Receipt::Progress);
}

#[test]
fn smpp_receipts_give_the_smsc_id_and_the_outcome() {
    let text =
        "id:0123456789 sub:001 dlvrd:001 submit date:2603010900 done date:2603010901 stat:DELIVRD err:000 text:Your";
    assert_eq!(smpp_receipt(text), Some(("0123456789".into(), Receipt::Delivered)));
    assert_eq!(smpp_receipt("id:A1 stat:UNDELIV err:001").map(|r| r.1), Some(Receipt::Undelivered));
    assert_eq!(smpp_receipt("id:A1 stat:EXPIRED").map(|r| r.1), Some(Receipt::Undelivered));
    assert_eq!(smpp_receipt("id:A1 stat:REJECTD").map(|r| r.1), Some(Receipt::Rejected));
    assert_eq!(smpp_receipt("id:A1 stat:ENROUTE").map(|r| r.1), Some(Receipt::Progress));
    assert_eq!(smpp_receipt("hello there"), None, "an ordinary text is not a receipt");
    assert_eq!(smpp_receipt("id: stat:DELIVRD"), None);
}
