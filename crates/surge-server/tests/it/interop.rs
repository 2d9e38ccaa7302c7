//! Interoperability: a Surge pass decoded and verified by an independent implementation (Python pycose, cbor2 and
//! base45). `.ci/run` installs them into a virtual environment and points `SURGE_PYTHON` at it.

use std::process::Command;

use serde_json::Value;

use crate::{Authority, CLAIMS};

fn python() -> String {
    std::env::var("SURGE_PYTHON").unwrap_or_else(|_| "python3".to_owned())
}

#[test]
fn pycose_verifies_a_surge_pass_and_reads_the_same_claims() {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/interop/verify_ep1.py");
    for alg in ["ed25519", "es256"] {
        let a = Authority::new(alg);
        let text = a.sign(CLAIMS);
        let out = Command::new(python())
            .args([script, a.path("keys/pass/public.json").to_str().unwrap(), &text])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "pycose did not verify the {alg} pass (run .ci/run, or pip install pycose cbor2 base45): {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let theirs: Value = serde_json::from_slice(&out.stdout).unwrap();
        let ours: Value = serde_json::from_str(&a.ok(&[
            "pass",
            "verify",
            "--trust",
            "trust.json",
            "--at",
            "2026-03-02T12:00:00Z",
            &text,
        ]))
        .unwrap();
        assert_eq!(theirs["signature_valid"], true);
        assert_eq!(theirs["kid"], ours["kid"]);
        assert_eq!(theirs["iss"], "KR-26");
        assert_eq!(theirs["version"], 1);
        assert_eq!(theirs["holder"], ours["pass"]["holder"]);
        assert_eq!(theirs["category"], "essential-worker");
        assert_eq!(theirs["zones"], ours["pass"]["zones"]);
        assert_eq!(theirs["masked_id"], "1234");
        assert_eq!(theirs["status_index"], 17);
        assert_eq!(theirs["nbf"], 1_772_323_200);
        assert_eq!(theirs["exp"], 1_772_928_000);

        // A pass altered after signing must fail their verification too.
        let other = Authority::new(alg);
        let out = Command::new(python())
            .args([script, other.path("keys/pass/public.json").to_str().unwrap(), &text])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    }
}
