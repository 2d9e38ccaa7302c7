//! `surge keys` and `surge pass`: sign, verify (text and image), revoke, rotate keys, and the exit-code contract.

use serde_json::Value;

use crate::{Authority, CLAIMS, DURING};

fn verify(a: &Authority, extra: &[&str]) -> (i32, Value) {
    let mut args = vec!["pass", "verify", "--trust", "trust.json", "--at", DURING];
    args.extend_from_slice(extra);
    let out = a.run(&args);
    let json = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    (out.status.code().unwrap(), json)
}

fn codes(json: &Value) -> Vec<String> {
    json["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["result"] == "fail")
        .map(|c| c["code"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn a_signed_pass_verifies_offline_and_shows_what_it_says() {
    for alg in ["ed25519", "es256"] {
        let a = Authority::new(alg);
        let text = a.sign(CLAIMS);
        assert!(text.starts_with("EP1:"), "{text}");
        let (code, json) = verify(&a, &["--zone", "KR-26", "--anchor", "keys/root", &text]);
        assert_eq!(code, 0, "{json:#}");
        assert_eq!(json["valid"], true);
        assert_eq!(json["pass"]["holder"], "Kim J.");
        assert_eq!(json["pass"]["masked_id"], "1234");
        assert_eq!(json["pass"]["zones"][0], "KR-26");
        assert_eq!(json["pass"]["issuer"], "KR-26");
        assert_eq!(json["pass"]["id"].as_str().unwrap().len(), 26);
        let revocation = json["checks"].as_array().unwrap().last().unwrap().clone();
        assert_eq!((revocation["result"].as_str(), revocation["code"].as_str()), (Some("warn"), Some("not_checked")));
    }
}

#[test]
fn a_pass_is_read_back_from_its_qr_image() {
    let a = Authority::new("ed25519");
    a.write("claims.json", CLAIMS);
    let text = a.ok(&[
        "pass",
        "sign",
        "--key",
        "keys/pass",
        "--claims",
        "claims.json",
        "--qr-png",
        "p.png",
        "--qr-svg",
        "p.svg",
    ]);
    let (code, json) = verify(&a, &["--image", "p.png"]);
    assert_eq!(code, 0, "{json:#}");
    let (_, from_text) = verify(&a, &[text.trim()]);
    assert_eq!(json["pass"], from_text["pass"]);
    let svg = std::fs::read_to_string(a.path("p.svg")).unwrap();
    assert!(svg.contains("<svg") && svg.contains("aria-label"));
}

#[test]
fn refusals_exit_1_with_their_reason_codes() {
    let a = Authority::new("ed25519");
    let text = a.sign(CLAIMS);
    let (code, json) = verify(&a, &["--zone", "KR-11", &text]);
    assert_eq!((code, codes(&json)), (1, vec!["wrong_zone".to_owned()]));
    let out = a.run(&["pass", "verify", "--trust", "trust.json", "--at", "2026-03-09T00:00:00Z", &text]);
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!((out.status.code(), codes(&json)), (Some(1), vec!["expired".to_owned()]));
    let (code, json) = verify(&a, &[&text.replacen("EP1:", "EP2:", 1)]);
    assert_eq!((code, codes(&json)), (1, vec!["bad_prefix".to_owned()]));
    let (code, json) = verify(&a, &["--strict", &text]);
    assert_eq!((code, codes(&json)), (1, vec!["not_checked".to_owned()]));
}

#[test]
fn a_revoked_pass_fails_against_the_status_list() {
    let a = Authority::new("ed25519");
    let text = a.sign(CLAIMS);
    a.ok(&["pass", "status-list", "--key", "keys/pass", "--size", "1000", "--revoked", "3,17", "--out", "status.cbor"]);
    let out = a.run(&["pass", "verify", "--trust", "trust.json", "--status-list", "status.cbor", &text]);
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    // The list was signed now, so verify now; the pass itself is expired now, and revoked.
    assert_eq!(codes(&json), vec!["expired".to_owned(), "revoked".to_owned()]);
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn a_withdrawn_key_stops_verifying_once_the_trust_list_is_republished() {
    let a = Authority::new("ed25519");
    let text = a.sign(CLAIMS);
    a.ok(&["keys", "generate", "--issuer", "KR-26", "--out", "keys/next"]);
    a.ok(&["keys", "trust-list", "--keys", "keys", "--out", "trust.json"]);
    assert_eq!(verify(&a, &[&text]).0, 0, "rotation keeps old passes valid");
    a.ok(&["keys", "withdraw", "--key", "keys/pass"]);
    a.ok(&["keys", "trust-list", "--keys", "keys", "--out", "trust.json"]);
    let (code, json) = verify(&a, &[&text]);
    assert_eq!((code, codes(&json)), (1, vec!["unknown_kid".to_owned()]));
}

#[test]
fn usage_and_input_errors_exit_2_and_name_the_problem() {
    let a = Authority::new("ed25519");
    let out = a.run(&["pass", "verify", "--trust", "missing.json", "EP1:"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("missing.json"));

    // A bad value and an unknown field: each refused with its name in the message.
    let bad_claims = [
        (CLAIMS.replace(r#""masked_id": "1234""#, r#""masked_id": "900101-1234567""#), "masked_id"),
        (CLAIMS.replace(r#""status_index": 17"#, r#""status_idx": 17"#), "status_idx"),
    ];
    for (claims, field) in bad_claims {
        a.write("claims.json", &claims);
        let out = a.run(&["pass", "sign", "--key", "keys/pass", "--claims", "claims.json"]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{stderr}");
        assert!(stderr.contains(field), "{stderr}");
    }

    assert_eq!(a.run(&["pass", "frobnicate"]).status.code(), Some(2));
    let out = a.run(&["keys", "generate", "--out", "keys/pass"]);
    assert_eq!(out.status.code(), Some(2), "an existing key is never overwritten");
}

#[test]
fn a_trust_list_signed_by_another_root_is_refused_when_pinned() {
    let a = Authority::new("ed25519");
    let b = Authority::new("ed25519");
    std::fs::copy(b.path("trust.json"), a.path("other-trust.json")).unwrap();
    let text = a.sign(CLAIMS);
    let out = a.run(&["pass", "verify", "--trust", "other-trust.json", "--anchor", "keys/root", &text]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("pinned root"));
}

#[test]
fn private_keys_are_readable_by_their_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let a = Authority::new("ed25519");
    let mode = std::fs::metadata(a.path("keys/pass/private.pem")).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
}
