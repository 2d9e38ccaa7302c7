//! Tests for the signed trust list: round trip, pinning, tampering and shared kids.

use rand::SeedableRng;
use rand::rngs::StdRng;
use time::macros::datetime;

use super::*;
use crate::Algorithm;

pub(crate) fn trust_list_with(root: &SigningKey, keys: &[&SigningKey]) -> TrustList {
    TrustList {
        issuer: "KR-26".into(),
        sequence: 3,
        issued_at: datetime!(2026-02-01 00:00 UTC),
        root: root.verifying_key(),
        keys: keys
            .iter()
            .map(|k| TrustedKey {
                key: k.verifying_key(),
                valid_from: datetime!(2026-01-01 00:00 UTC),
                valid_until: datetime!(2027-01-01 00:00 UTC),
                status: KeyStatus::Active,
            })
            .collect(),
    }
}

#[test]
fn a_signed_trust_list_reads_back_as_it_was() {
    let mut rng = StdRng::seed_from_u64(1);
    let root = SigningKey::generate(Algorithm::Ed25519, &mut rng);
    let a = SigningKey::generate(Algorithm::Ed25519, &mut rng);
    let b = SigningKey::generate(Algorithm::Es256, &mut rng);
    let mut list = trust_list_with(&root, &[&a, &b]);
    list.keys[1].status = KeyStatus::Withdrawn;
    let signed = list.sign(&root).unwrap();
    assert_eq!(TrustList::from_signed(&signed, None).unwrap(), list);
    assert_eq!(TrustList::from_signed(&signed, Some(&root.verifying_key())).unwrap(), list);
}

#[test]
fn a_trust_list_from_another_root_is_refused_when_a_root_is_pinned() {
    let mut rng = StdRng::seed_from_u64(2);
    let root = SigningKey::generate(Algorithm::Ed25519, &mut rng);
    let impostor = SigningKey::generate(Algorithm::Ed25519, &mut rng);
    let a = SigningKey::generate(Algorithm::Ed25519, &mut rng);
    let forged = trust_list_with(&impostor, &[&a]).sign(&impostor).unwrap();
    let err = TrustList::from_signed(&forged, Some(&root.verifying_key())).unwrap_err();
    assert_eq!(err.code(), "trust_list_invalid");
    assert!(err.to_string().contains("not by the pinned root"), "{err}");
}

#[test]
fn any_flipped_byte_in_a_trust_list_is_refused() {
    let mut rng = StdRng::seed_from_u64(3);
    let root = SigningKey::generate(Algorithm::Ed25519, &mut rng);
    let a = SigningKey::generate(Algorithm::Ed25519, &mut rng);
    let signed = trust_list_with(&root, &[&a]).sign(&root).unwrap();
    for i in 0..signed.len() {
        let mut bytes = signed.clone();
        bytes[i] ^= 0x01;
        assert!(TrustList::from_signed(&bytes, Some(&root.verifying_key())).is_err(), "flip at byte {i} accepted");
    }
}

#[test]
fn signing_with_a_key_that_is_not_the_root_is_an_error() {
    let mut rng = StdRng::seed_from_u64(4);
    let root = SigningKey::generate(Algorithm::Ed25519, &mut rng);
    let other = SigningKey::generate(Algorithm::Ed25519, &mut rng);
    assert_eq!(trust_list_with(&root, &[]).sign(&other).unwrap_err().code(), "trust_list_invalid");
}
