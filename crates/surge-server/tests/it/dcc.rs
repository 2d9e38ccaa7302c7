//! `surge pass dcc-testdata` on the committed EU DCC vectors, and `surge pass verify` on an `HC1:` certificate.

use std::path::Path;

use serde_json::Value;

use crate::surge;

fn vectors() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../surge-pass/tests/data/dcc"))
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        let target = to.join(path.file_name().unwrap());
        if path.is_dir() {
            copy_dir(&path, &target);
        } else {
            std::fs::copy(&path, &target).unwrap();
        }
    }
}

#[test]
fn the_official_and_surge_vectors_all_pass() {
    let dir = tempfile::tempdir().unwrap();
    for sub in ["official", "surge"] {
        let out = surge(dir.path(), &["pass", "dcc-testdata", vectors().join(sub).to_str().unwrap()]);
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status.code(), Some(0), "{stdout}");
        let last = stdout.lines().last().unwrap();
        assert!(last.ends_with(" failed, 6 skipped") || last.ends_with(" failed, 0 skipped"), "{last}");
        assert!(last.contains(" 0 failed"), "{last}");
        assert!(!last.starts_with("0 passed"), "{last}");
    }
}

#[test]
fn a_vector_whose_expectation_is_wrong_is_reported_as_failed() {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&vectors().join("surge"), dir.path());
    let path = dir.path().join("P384_ES384.json");
    let text =
        std::fs::read_to_string(&path).unwrap().replace(r#""EXPECTEDVERIFY": true"#, r#""EXPECTEDVERIFY": false"#);
    std::fs::write(&path, text).unwrap();
    let out = surge(dir.path(), &["pass", "dcc-testdata", "."]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("FAIL P384_ES384.json: EXPECTEDVERIFY expected false, got true"), "{stdout}");
    assert!(stdout.lines().last().unwrap().starts_with("3 passed, 1 failed"), "{stdout}");
}

#[test]
fn an_hc1_certificate_verifies_against_a_pem_signer_bundle() {
    let dir = tempfile::tempdir().unwrap();
    let case: Value =
        serde_json::from_str(&std::fs::read_to_string(vectors().join("official/AT/2DCode/raw/1.json")).unwrap())
            .unwrap();
    let b64 = case["TESTCTX"]["CERTIFICATE"].as_str().unwrap();
    let lines: Vec<&str> = (0..b64.len()).step_by(64).map(|i| &b64[i..(i + 64).min(b64.len())]).collect();
    let pem = format!("-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----\n", lines.join("\n"));
    std::fs::write(dir.path().join("dsc.pem"), pem).unwrap();
    let hc1 = case["PREFIX"].as_str().unwrap();
    let args = ["pass", "verify", "--dcc-trust", "dsc.pem", "--at", "2021-05-06T18:00:00Z", hc1];
    let out = surge(dir.path(), &args);
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    // Signature, times and key usage hold; it is the first of two doses, which the business rules refuse.
    assert_eq!(out.status.code(), Some(1), "{json:#}");
    let failed: Vec<&str> = json["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["result"] == "fail")
        .map(|c| c["message"].as_str().unwrap())
        .collect();
    assert_eq!(failed.len(), 1, "{json:#}");
    assert!(failed[0].starts_with("VR-SG-0001: The vaccination series must be complete"), "{json:#}");
    assert_eq!(json["dcc"]["type"], "vaccination");
    assert_eq!(json["dcc"]["payload"]["nam"]["gn"], "Gabriele");
    let out = surge(dir.path(), &["pass", "verify", "--dcc-trust", "dsc.pem", "--at", "2030-01-01T00:00:00Z", hc1]);
    assert_eq!(out.status.code(), Some(1));
    let out = surge(dir.path(), &["pass", "verify", "--at", "2021-05-06T18:00:00Z", hc1]);
    assert_eq!(out.status.code(), Some(2), "no --dcc-trust is a usage error");
}

/// Issue 20 #8: a correctly signed certificate of a positive test verified as valid. The business rules refuse it
/// and name the rule.
#[test]
fn a_signed_positive_test_certificate_is_refused_by_the_rules_that_name_why() {
    let dir = tempfile::tempdir().unwrap();
    let case: Value =
        serde_json::from_str(&std::fs::read_to_string(vectors().join("rules/FR_DCC_Test_0004.json")).unwrap()).unwrap();
    assert_eq!(case["JSON"]["t"][0]["tr"], "260373001", "the vector is a positive test");
    let b64 = case["TESTCTX"]["CERTIFICATE"].as_str().unwrap();
    let lines: Vec<&str> = (0..b64.len()).step_by(64).map(|i| &b64[i..(i + 64).min(b64.len())]).collect();
    let pem = format!("-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----\n", lines.join("\n"));
    std::fs::write(dir.path().join("dsc.pem"), pem).unwrap();
    // At the vector's own clock the signature, the times and the key usage all hold; only the rules refuse it: the
    // result is positive, and a rapid test taken two months before is too old anyway.
    let clock = case["TESTCTX"]["VALIDATIONCLOCK"].as_str().unwrap();
    let out = surge(
        dir.path(),
        &["pass", "verify", "--dcc-trust", "dsc.pem", "--at", clock, case["PREFIX"].as_str().unwrap()],
    );
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(1), "{json:#}");
    let failed: Vec<&Value> = json["checks"].as_array().unwrap().iter().filter(|c| c["result"] == "fail").collect();
    assert!(!failed.is_empty(), "{json:#}");
    assert!(failed.iter().all(|c| c["check"] == "rules" && c["code"] == "rule_failed"), "{json:#}");
    let named: Vec<&str> = failed.iter().map(|c| c["message"].as_str().unwrap()).collect();
    assert!(named.iter().any(|m| m.starts_with("TR-SG-0001: The test result must be negative")), "{named:?}");
}
