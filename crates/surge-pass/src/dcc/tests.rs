//! Tests for the DCC verifier on official test vectors and on Surge's own vectors for the format's traps.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::Value as Json;
use time::format_description::well_known::Rfc3339;

use super::*;

fn case(path: &str) -> Json {
    let full = format!("{}/tests/data/dcc/{path}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(&full).unwrap()).unwrap()
}

fn trust_of(case: &Json) -> DccTrustList {
    let der = STANDARD.decode(case["TESTCTX"]["CERTIFICATE"].as_str().unwrap()).unwrap();
    DccTrustList { signers: vec![SignerCertificate::from_der(&der).unwrap()] }
}

fn clock_of(case: &Json) -> OffsetDateTime {
    OffsetDateTime::parse(case["TESTCTX"]["VALIDATIONCLOCK"].as_str().unwrap(), &Rfc3339).unwrap()
}

/// Verifies a case's PREFIX text (or, when it has none usable, its COSE re-wrapped) and returns the first failure.
fn check(path: &str, expect: Option<Reason>) {
    let c = case(path);
    let text = match c.get("BASE45") {
        Some(_) => c["PREFIX"].as_str().unwrap().to_owned(),
        None => {
            let cose: Vec<u8> = (0..c["COSE"].as_str().unwrap().len())
                .step_by(2)
                .map(|i| u8::from_str_radix(&c["COSE"].as_str().unwrap()[i..i + 2], 16).unwrap())
                .collect();
            crate::codec::wrap_text_compressed(DCC_PREFIX, &cose).unwrap()
        }
    };
    let v = verify_hc1(&text, &trust_of(&c), clock_of(&c));
    assert_eq!(v.first_failure(), expect, "{path}: {:#?}", v.checks);
}

#[test]
fn official_vectors_verify_with_rsa_and_p256_signers() {
    check("official/common/2DCode/raw/CO1.json", None);
    check("official/common/2DCode/raw/CO2.json", None);
    check("official/common/2DCode/raw/CO3.json", None);
    check("official/AT/2DCode/raw/1.json", None);
}

#[test]
fn the_kid_is_taken_from_the_protected_header_first() {
    check("official/common/2DCode/raw/CO18.json", None);
    check("official/common/2DCode/raw/CO19.json", None);
    check("official/common/2DCode/raw/CO22.json", Some(Reason::UnknownKid));
    check("official/common/2DCode/raw/CO23.json", Some(Reason::UnknownKid));
}

#[test]
fn a_cose_inside_a_cwt_tag_is_read() {
    check("official/common/2DCode/raw/CO28.json", None);
}

#[test]
fn broken_signatures_times_and_key_usage_are_reported() {
    check("official/common/2DCode/raw/CO5.json", Some(Reason::BadSignature));
    check("official/common/2DCode/raw/CO16.json", Some(Reason::NotYetValid));
    check("official/common/2DCode/raw/CO17.json", Some(Reason::Expired));
    check("official/common/2DCode/raw/CO6.json", Some(Reason::WrongKeyUsage));
    check("official/common/2DCode/raw/CO12.json", None);
}

#[test]
fn p384_signers_and_an_empty_protected_header_verify() {
    check("surge/P384_ES384.json", None);
    check("surge/P384_ES256.json", None);
    check("surge/EMPTY_PROTECTED.json", None);
    check("surge/P384_TAMPERED.json", Some(Reason::BadSignature));
}

#[test]
fn every_signer_with_a_matching_kid_is_tried() {
    let good = case("official/common/2DCode/raw/CO3.json");
    let mut trust = trust_of(&case("surge/P384_ES384.json"));
    // An impostor certificate that shares the kid comes first; the real one must still be found.
    let mut impostor = trust.signers[0].clone();
    impostor.kid = trust_of(&good).signers[0].kid;
    trust.signers = vec![impostor, trust_of(&good).signers[0].clone()];
    let v = verify_hc1(good["PREFIX"].as_str().unwrap(), &trust, clock_of(&good));
    assert!(v.is_valid(), "{:#?}", v.checks);
}

#[test]
fn the_record_type_comes_from_the_one_record_present() {
    let c = case("official/AT/2DCode/raw/2.json");
    let v = verify_hc1(c["PREFIX"].as_str().unwrap(), &trust_of(&c), clock_of(&c));
    assert_eq!(v.certificate.unwrap().certificate_type(), Some(CertificateType::Recovery));
}

/// A publisher's key and its signature of `[{"Identifier":"TEST"}]`, made with `openssl dgst -sha256 -sign`.
const PUBLISHER: &str = "-----BEGIN PUBLIC KEY-----
MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAErUM1TzvwEQ5+83bfl67JJ6IqitSN
fB7ZFYntR6PkBYLy2ab/ZdULxP4rhsxA3bOBszVVsO4xkpzqEWP4sinBmw==
-----END PUBLIC KEY-----
";
const SIGNED: &[u8] = br#"[{"Identifier":"TEST"}]"#;
const SIGNATURE: &str =
    "MEYCIQCYqby51COO/Ao5jl9dSESXKSwa54tY1Um1Z5yEcBuMaAIhAJzUoXz+ZLpsopIZISZDLwHBlJY79XFHGL68LItmemH2";

#[test]
fn a_published_list_is_taken_only_with_its_publishers_signature_over_the_exact_bytes() {
    let der = STANDARD.decode(SIGNATURE).unwrap();
    assert_eq!(verify_list_signature(PUBLISHER, SIGNED, &der), Ok(()));
    // The same signature as r‖s.
    let raw = p256::ecdsa::Signature::from_der(&der).unwrap().to_bytes();
    assert_eq!(verify_list_signature(PUBLISHER, SIGNED, &raw), Ok(()));
    let changed = br#"[{"Identifier":"TESU"}]"#;
    assert_eq!(verify_list_signature(PUBLISHER, changed, &der), Err(ListSignatureError::Mismatch));
    assert_eq!(verify_list_signature(PUBLISHER, SIGNED, b"not a signature"), Err(ListSignatureError::BadSignature));
    assert_eq!(verify_list_signature("not a key", SIGNED, &der), Err(ListSignatureError::BadKey));
}

/// ring serves the pairings it takes and the pure-Rust keys the rest; on every official vector, and on each with one
/// bit of its signature flipped, the two must give the same verdict.
#[test]
fn ring_and_the_pure_rust_keys_agree_on_every_official_vector() {
    let mut files = Vec::new();
    let mut dirs = vec![std::path::PathBuf::from(format!("{}/tests/data/dcc/official", env!("CARGO_MANIFEST_DIR")))];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "json") {
                files.push(path);
            }
        }
    }
    let (mut fast_valid, mut rsa_fast) = (0, 0);
    for path in files {
        let c: Json = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let (Some(cert), Some(prefix)) = (c["TESTCTX"]["CERTIFICATE"].as_str(), c["PREFIX"].as_str()) else {
            continue;
        };
        let Ok(signer) = SignerCertificate::from_der(&STANDARD.decode(cert).unwrap()) else {
            continue;
        };
        let Some(sign1) = unprefix(prefix)
            .ok()
            .and_then(|b| base45_decode(b).ok())
            .and_then(|p| crate::codec::unpack(p, MAX_DCC_INFLATED_LEN).ok())
            .and_then(|cose| parse_cose(&cose).ok())
        else {
            continue;
        };
        let alg = sign1_alg(&sign1);
        let mut flipped = sign1.clone();
        if let Some(byte) = flipped.signature.get_mut(5) {
            *byte ^= 0x10;
        }
        for (s, tampered) in [(&sign1, false), (&flipped, true)] {
            let mut verdicts = None;
            let _ = s.verify_signature(&[], |sig, data| {
                verdicts = Some((signer.verify(alg, data, sig), signer.verify_portable(alg, data, sig)));
                Ok::<(), ()>(())
            });
            let (fast, portable) = verdicts.unwrap();
            assert_eq!(fast, portable, "{}: tampered {tampered}", path.display());
            if fast && signer.fast.as_ref().is_some_and(|f| Some(f.cose_alg) == alg) {
                assert!(!tampered, "{}: a flipped bit verified", path.display());
                fast_valid += 1;
                rsa_fast += usize::from(matches!(signer.key, SignerKey::Rsa(_)));
            }
        }
    }
    assert!(fast_valid >= 10, "only {fast_valid} vectors went through ring");
    assert!(rsa_fast >= 1, "no RSA vector went through ring");
}
