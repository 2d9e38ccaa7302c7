//! `surge serve` sending through SMPP to the test SMSC: the message is submitted on a transceiver bind, the SMSC's
//! delivery receipt comes back on it, and the message ends `delivered`; a destination the SMSC refuses ends as a
//! permanent failure without retries.

use std::time::{Duration, Instant};

use serde_json::json;
use surge_testkit::smsc::Smsc;

use crate::serve::{http_with, start_env};

#[test]
fn a_message_through_smpp_is_delivered_by_the_smscs_receipt() {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
    let smsc = runtime.block_on(Smsc::start());
    let dir = tempfile::tempdir().unwrap();
    let address = smsc.addr.to_string();
    let server = start_env(
        dir.path(),
        "127.0.0.1:0",
        &[],
        &[
            ("SURGE_NOTIFY__GATEWAYS", "smpp"),
            ("SURGE_NOTIFY__SMPP__ADDRESS", address.as_str()),
            ("SURGE_NOTIFY__SMPP__SYSTEM_ID", "surge"),
            ("SURGE_NOTIFY__SMPP__PASSWORD", "secret"),
            ("SURGE_NOTIFY__IDLE_POLL_MS", "50"),
        ],
    );
    let auth = format!("Bearer {}", server.admin_key.clone().unwrap());
    let mut ids = Vec::new();
    for (key, to) in [("smpp-ok", "010-3000-0001"), ("smpp-refused", "010-3000-0000")] {
        let body = json!({"to": to, "lang": "ko", "values": {"reference": key}}).to_string();
        let (status, answer) = http_with(
            &server.addr,
            "POST",
            "/api/messages",
            &[("Authorization", &auth), ("Idempotency-Key", key)],
            &body,
        );
        assert_eq!(status, 201, "{answer}");
        ids.push(answer["id"].as_i64().unwrap());
    }
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let states: Vec<_> = ids
            .iter()
            .map(|id| http_with(&server.addr, "GET", &format!("/api/messages/{id}"), &[("Authorization", &auth)], "").1)
            .collect();
        if states[0]["state"] == "delivered" && states[1]["state"] == "permanent-failure" {
            assert_eq!(states[0]["gateway"], "smpp");
            assert_eq!(states[1]["attempts"], 1, "a refusal is not retried");
            break;
        }
        assert!(Instant::now() < deadline, "{states:?}");
        std::thread::sleep(Duration::from_millis(100));
    }
    let state = smsc.state();
    assert_eq!(state.submitted.len(), 1);
    assert_eq!(state.submitted[0].data_coding, 8, "Korean goes as UCS-2");
}
