//! Tests for offline verification: one test per reason code, key rotation, and property tests that any change to a
//! token is caught and that no input makes the verifier panic.

use ciborium::Value;
use coset::{AsCborValue, CoseSign1};
use proptest::prelude::*;
use rand::SeedableRng;
use rand::rngs::StdRng;
use time::Duration;
use time::macros::datetime;

use super::*;
use crate::claims::encode_claims;
use crate::claims::tests::{sample_claims, sample_result_claims};
use crate::codec::{deflate, wrap_text};
use crate::trust::tests::trust_list_with;
use crate::{
    Algorithm, ControlCode, Issuer, KeyStatus, Pass, PassId, PassKind, STATUS_INVALID, SigningKey, StatusListBuilder,
};

const NOW: OffsetDateTime = datetime!(2026-03-02 12:00 UTC);

struct Fixture {
    issuer: Issuer,
    trust: TrustList,
    status: StatusSnapshot,
}

fn fixture_with(alg: Algorithm) -> Fixture {
    let mut rng = StdRng::seed_from_u64(21);
    let root = SigningKey::generate(Algorithm::Ed25519, &mut rng);
    let key = SigningKey::generate(alg, &mut rng);
    let trust = trust_list_with(&root, &[&key]);
    let mut list = StatusListBuilder::new(1, 64, 128).unwrap();
    list.set(99, STATUS_INVALID).unwrap();
    let mut status = StatusSnapshot::new();
    status.apply(&list.publish(&key, "KR-26", NOW - Duration::hours(1), None).unwrap(), &trust).unwrap();
    Fixture { issuer: Issuer::new(key), trust, status }
}

fn fixture() -> Fixture {
    fixture_with(Algorithm::Ed25519)
}

impl Fixture {
    fn verify(&self, text: &str) -> Verification {
        Verifier::new(&self.trust).with_status(&self.status).verify(text, NOW, Some("KR-26-110"))
    }
}

fn cose_of(text: &str) -> CoseSign1 {
    crate::codec::parse_sign1(&crate::codec::unwrap_text(text, PREFIX, MAX_INFLATED_LEN).unwrap()).unwrap()
}

fn rewrap(sign1: CoseSign1) -> String {
    let mut bytes = Vec::new();
    ciborium::into_writer(&Value::Tag(18, Box::new(sign1.to_cbor_value().unwrap())), &mut bytes).unwrap();
    wrap_text(PREFIX, &bytes).unwrap()
}

fn check(text: &str, f: &Fixture, expect: Option<Reason>) {
    let v = f.verify(text);
    assert_eq!(v.first_failure(), expect, "checks: {:#?}", v.checks);
    assert_eq!(v.is_valid(), expect.is_none());
}

#[test]
fn an_issued_pass_verifies_with_every_check_passing() {
    for alg in [Algorithm::Ed25519, Algorithm::Es256] {
        let f = fixture_with(alg);
        let claims = sample_claims();
        let text = f.issuer.issue(&claims).unwrap();
        assert!(text.starts_with("EP1:"));
        let v = f.verify(&text);
        assert!(v.is_valid(), "{:#?}", v.checks);
        assert!(v.checks.iter().all(|c| c.outcome == Outcome::Pass), "{:#?}", v.checks);
        assert_eq!(v.claims, Some(claims));
        assert_eq!(v.kid, Some(f.issuer.key().kid()));
    }
}

#[test]
fn each_broken_layer_is_reported_with_its_reason() {
    let f = fixture();
    let good = f.issuer.issue(&sample_claims()).unwrap();
    check(&good, &f, None);
    check(&good.replacen("EP1:", "HC1:", 1), &f, Some(Reason::BadPrefix));
    check(&format!("{good}~"), &f, Some(Reason::BadBase45));
    check(&format!("EP1:{}", base45::encode(deflate(&[0u8; 100_000]).unwrap())), &f, Some(Reason::TooLarge));
    check(&format!("EP1:{}", base45::encode([0xd2; 5000])), &f, Some(Reason::TooLarge));
    let mut broken_zlib = deflate(b"a pass that was cut short in transit").unwrap();
    broken_zlib.truncate(broken_zlib.len() - 3);
    check(&format!("EP1:{}", base45::encode(broken_zlib)), &f, Some(Reason::BadCompression));
    // A compressed token is as good as the uncompressed one the issuer chose to send.
    let cose = crate::codec::unwrap_text(&good, PREFIX, MAX_INFLATED_LEN).unwrap();
    check(&crate::codec::wrap_text_compressed(PREFIX, &cose).unwrap(), &f, None);
    check(&wrap_text(PREFIX, b"\x84\x01").unwrap(), &f, Some(Reason::BadCose));
}

#[test]
fn a_pass_from_an_unknown_or_withdrawn_key_is_refused() {
    let f = fixture();
    let mut rng = StdRng::seed_from_u64(22);
    let stranger = Issuer::new(SigningKey::generate(Algorithm::Ed25519, &mut rng));
    check(&stranger.issue(&sample_claims()).unwrap(), &f, Some(Reason::UnknownKid));

    let mut withdrawn = fixture();
    withdrawn.trust.keys[0].status = KeyStatus::Withdrawn;
    let v = withdrawn.verify(&f.issuer.issue(&sample_claims()).unwrap());
    assert_eq!(v.first_failure(), Some(Reason::UnknownKid));
    assert!(v.checks[1].detail.contains("withdrawn"));
}

#[test]
fn old_passes_keep_verifying_after_a_key_rotation() {
    let mut f = fixture();
    let old_pass = f.issuer.issue(&sample_claims()).unwrap();
    let mut rng = StdRng::seed_from_u64(23);
    let new_key = SigningKey::generate(Algorithm::Ed25519, &mut rng);
    f.trust.keys[0].valid_until = datetime!(2026-03-01 00:00 UTC);
    let mut entry = f.trust.keys[0].clone();
    entry.key = new_key.verifying_key();
    entry.valid_from = datetime!(2026-03-01 00:00 UTC);
    entry.valid_until = datetime!(2027-03-01 00:00 UTC);
    f.trust.keys.push(entry);
    check(&old_pass, &f, None);

    // A pass signed by the retired key after its period ended is refused.
    let mut late = sample_claims();
    late.issued_at = datetime!(2026-03-01 06:00 UTC);
    check(&f.issuer.issue(&late).unwrap(), &f, Some(Reason::KeyNotValid));
    check(&Issuer::new(new_key).issue(&late).unwrap(), &f, None);
}

#[test]
fn a_changed_claim_under_the_old_signature_fails_the_signature_check() {
    let f = fixture();
    let text = f.issuer.issue(&sample_claims()).unwrap();
    let edits: [fn(&mut PassClaims); 6] = [
        |c| c.expires += Duration::days(30),
        |c| c.pass.zones = vec!["KR".into()],
        |c| c.pass.holder = "Lee S.".into(),
        |c| c.pass.status_index = 18,
        |c| c.pass.category = "medical".into(),
        |c| c.issuer = "KR-11".into(),
    ];
    for edit in edits {
        let mut claims = sample_claims();
        edit(&mut claims);
        let mut sign1 = cose_of(&text);
        sign1.payload = Some(encode_claims(&claims).unwrap());
        check(&rewrap(sign1), &f, Some(Reason::BadSignature));
    }
}

#[test]
fn a_typical_pass_fits_in_qr_version_10() {
    let f = fixture();
    // The issue's example claims, and an employee pass of a bulk upload with a short organisation id.
    let mut employee = sample_claims();
    employee.pass.organisation = Some("ORG-4233".into());
    employee.pass.status_index = 599_999;
    let text = f.issuer.issue(&sample_claims()).unwrap();
    let version = crate::qr_version(&text).unwrap();
    println!("example pass: {} characters, QR version {version}", text.len());
    assert!(version <= 10, "{} characters need version {version}", text.len());
    // Reported, not asserted: an 8-character organisation id and a six-digit status index add 21 characters.
    let text = f.issuer.issue(&employee).unwrap();
    println!("employee pass: {} characters, QR version {}", text.len(), crate::qr_version(&text).unwrap());
}

#[test]
fn a_header_that_names_another_algorithm_is_not_trusted() {
    let f = fixture();
    let mut sign1 = cose_of(&f.issuer.issue(&sample_claims()).unwrap());
    sign1.protected.header.alg = Some(coset::Algorithm::Assigned(coset::iana::Algorithm::ES256));
    sign1.protected.original_data = None;
    check(&rewrap(sign1), &f, Some(Reason::BadSignature));
}

#[test]
fn times_are_checked_with_the_skew_tolerance() {
    let f = fixture();
    let mut claims = sample_claims();
    claims.not_before = NOW + Duration::seconds(299);
    check(&f.issuer.issue(&claims).unwrap(), &f, None);
    claims.not_before = NOW + Duration::seconds(301);
    check(&f.issuer.issue(&claims).unwrap(), &f, Some(Reason::NotYetValid));
    let mut claims = sample_claims();
    claims.not_before = NOW - Duration::days(2);
    claims.expires = NOW - Duration::seconds(299);
    check(&f.issuer.issue(&claims).unwrap(), &f, None);
    claims.expires = NOW - Duration::seconds(300);
    check(&f.issuer.issue(&claims).unwrap(), &f, Some(Reason::Expired));
}

#[test]
fn zone_and_revocation_are_checked_and_all_failures_listed() {
    let f = fixture();
    let mut claims = sample_claims();
    claims.pass.zones = vec!["KR-11".into()];
    claims.pass.status_index = 99;
    let v = f.verify(&f.issuer.issue(&claims).unwrap());
    assert_eq!(v.failures().collect::<Vec<_>>(), vec![Reason::WrongZone, Reason::Revoked]);
    assert!(v.claims.is_some(), "the officer sees what the pass says");
}

#[test]
fn a_test_result_never_passes_a_checkpoint_and_a_movement_pass_is_no_result() {
    let f = fixture();
    let result = f.issuer.issue(&sample_result_claims()).unwrap();
    let v = f.verify(&result);
    assert_eq!(v.failures().collect::<Vec<_>>(), vec![Reason::WrongKind], "checks: {:#?}", v.checks);
    let v = Verifier::new(&f.trust).verify(&result, NOW, None);
    assert_eq!(v.first_failure(), Some(Reason::WrongKind), "not even without a zone");

    let results = VerifyOptions { accept: Accept::TestResult, ..VerifyOptions::default() };
    let verifier = Verifier::new(&f.trust).with_status(&f.status).with_options(results);
    let v = verifier.verify(&result, NOW, None);
    assert!(v.is_valid(), "checks: {:#?}", v.checks);
    assert!(!v.claims.unwrap().pass.result.unwrap().detected);
    let pass = f.issuer.issue(&sample_claims()).unwrap();
    assert_eq!(verifier.verify(&pass, NOW, None).first_failure(), Some(Reason::WrongKind));

    let mut revoked = sample_result_claims();
    revoked.pass.status_index = 99;
    let v = verifier.verify(&f.issuer.issue(&revoked).unwrap(), NOW, None);
    assert_eq!(v.first_failure(), Some(Reason::Revoked), "a corrected result's certificate is revoked");
}

#[test]
fn missing_or_stale_status_warns_unless_strict() {
    let f = fixture();
    let text = f.issuer.issue(&sample_claims()).unwrap();
    let lenient = Verifier::new(&f.trust).verify(&text, NOW, None);
    assert!(lenient.is_valid());
    let revocation = lenient.checks.last().unwrap();
    assert_eq!((revocation.outcome, revocation.reason), (Outcome::Warn, Some(Reason::NotChecked)));

    let strict = VerifyOptions { strict: true, ..VerifyOptions::default() };
    let v = Verifier::new(&f.trust).with_options(strict).verify(&text, NOW, None);
    assert_eq!(v.first_failure(), Some(Reason::NotChecked));

    let later = NOW + Duration::days(2);
    let mut claims = sample_claims();
    claims.expires = later + Duration::days(1);
    let text = f.issuer.issue(&claims).unwrap();
    let v = Verifier::new(&f.trust).with_status(&f.status).verify(&text, later, None);
    assert!(v.is_valid());
    assert_eq!(v.checks.last().unwrap().reason, Some(Reason::StatusUnknown));
    let v = Verifier::new(&f.trust).with_status(&f.status).with_options(strict).verify(&text, later, None);
    assert_eq!(v.first_failure(), Some(Reason::StatusUnknown));
}

#[test]
fn a_future_format_version_is_unsupported_not_malformed() {
    let f = fixture();
    let text = f.issuer.issue(&sample_claims()).unwrap();
    let mut sign1 = cose_of(&text);
    let mut value: Value = ciborium::from_reader(sign1.payload.as_deref().unwrap()).unwrap();
    let Value::Map(cwt) = &mut value else { panic!() };
    let Value::Map(pass) = &mut cwt.last_mut().unwrap().1 else { panic!() };
    pass[0].1 = Value::Integer(2.into());
    pass.truncate(1);
    let mut payload = Vec::new();
    ciborium::into_writer(&value, &mut payload).unwrap();
    let key = f.issuer.key().clone();
    sign1.payload = Some(payload);
    sign1.signature = Vec::new();
    let tbs = sign1.tbs_data(&[]);
    sign1.signature = key.sign(&tbs);
    check(&rewrap(sign1), &f, Some(Reason::UnsupportedVersion));
}

fn arb_text(max: usize) -> impl Strategy<Value = String> {
    proptest::string::string_regex(&format!("[A-Za-z가-힣][A-Za-z .가-힣]{{0,{}}}", max - 1)).unwrap()
}

prop_compose! {
    fn arb_claims()(
        id in any::<[u8; 16]>(),
        seed in any::<u64>(),
        vehicle in any::<bool>(),
        category in "[a-z][a-z0-9-]{0,20}",
        purpose in arb_text(30),
        zones in proptest::collection::vec("[A-Z]{2}(-[0-9]{2}){0,2}", 1..4),
        holder in arb_text(40),
        masked in proptest::option::of("[0-9A-Z]{1,4}"),
        plate in "[0-9]{2}[가-힣][0-9]{4}",
        organisation in proptest::option::of("[A-Z]{3}-[0-9]{1,6}"),
        status_index in 0u64..=u32::MAX as u64,
        nbf in 1_700_000_000i64..1_900_000_000,
        days in 1i64..400,
    ) -> PassClaims {
        let mut rng = StdRng::seed_from_u64(seed);
        let not_before = OffsetDateTime::from_unix_timestamp(nbf).unwrap();
        PassClaims {
            issuer: "KR-26".into(),
            issued_at: not_before - Duration::hours(1),
            not_before,
            expires: not_before + Duration::days(days),
            pass: Pass {
                id: PassId::from_bytes(id),
                control_code: ControlCode::generate(&mut rng),
                kind: if vehicle { PassKind::Vehicle } else { PassKind::Person },
                category,
                purpose,
                zones,
                holder,
                masked_id: masked,
                vehicle_plate: vehicle.then_some(plate),
                organisation,
                status_index,
                result: None,
            },
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn decode_of_encode_is_identity(claims in arb_claims()) {
        let mut f = fixture();
        f.trust.keys[0].valid_from = datetime!(2000-01-01 00:00 UTC);
        f.trust.keys[0].valid_until = datetime!(2100-01-01 00:00 UTC);
        let text = f.issuer.issue(&claims).unwrap();
        let at = claims.not_before + Duration::minutes(1);
        let v = Verifier::new(&f.trust).verify(&text, at, None);
        prop_assert!(v.is_valid(), "{:#?}", v.checks);
        prop_assert_eq!(v.claims, Some(claims));
    }

    #[test]
    fn any_flipped_byte_of_the_signed_token_fails(index in any::<prop::sample::Index>(), bit in 0u8..8) {
        let f = fixture();
        let text = f.issuer.issue(&sample_claims()).unwrap();
        let mut cose = crate::codec::unwrap_text(&text, PREFIX, MAX_INFLATED_LEN).unwrap();
        let i = index.index(cose.len());
        cose[i] ^= 1 << bit;
        let v = f.verify(&wrap_text(PREFIX, &cose).unwrap());
        prop_assert!(!v.is_valid());
        prop_assert!(matches!(
            v.first_failure(),
            Some(Reason::BadCose | Reason::UnknownKid | Reason::BadSignature)
        ), "{:?}", v.first_failure());
    }

    #[test]
    fn any_changed_character_of_the_text_fails(index in any::<prop::sample::Index>(), replacement in "[0-9A-Z $%*+./:-]") {
        let f = fixture();
        let text = f.issuer.issue(&sample_claims()).unwrap();
        let i = index.index(text.len());
        prop_assume!(text[i..i + 1] != replacement);
        let changed = format!("{}{}{}", &text[..i], replacement, &text[i + 1..]);
        prop_assert!(!f.verify(&changed).is_valid());
    }

    #[test]
    fn a_truncated_token_fails(cut in 1usize..200) {
        let f = fixture();
        let text = f.issuer.issue(&sample_claims()).unwrap();
        let cut = cut.min(text.len() - 1);
        prop_assert!(!f.verify(&text[..text.len() - cut]).is_valid());
        let mut cose = crate::codec::unwrap_text(&text, PREFIX, MAX_INFLATED_LEN).unwrap();
        cose.truncate(cose.len().saturating_sub(cut));
        prop_assert!(!f.verify(&wrap_text(PREFIX, &cose).unwrap()).is_valid());
    }

    #[test]
    fn random_input_never_panics(text in ".{0,400}", bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        let f = fixture();
        prop_assert!(!f.verify(&text).is_valid());
        let as_base45 = ["EP1:", &base45::encode(&bytes)].concat();
        prop_assert!(!f.verify(&as_base45).is_valid());
        prop_assert!(!f.verify(&wrap_text(PREFIX, &bytes).unwrap()).is_valid());
    }
}
