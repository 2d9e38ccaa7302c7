//! When keys rotate, and the slots they are swapped through.

use rand::SeedableRng;
use rand::rngs::StdRng;
use surge_pass::{Algorithm, KeyStatus, TrustedKey};
use time::macros::datetime;

use super::*;

#[test]
fn a_key_is_announced_two_weeks_before_it_signs_and_signs_a_month_before_the_old_one_ends() {
    let policy = RotationPolicy::default();
    let until = datetime!(2027-12-06 00:00 UTC);
    assert_eq!(policy.rotation_at(until), datetime!(2027-11-06 00:00 UTC));
    assert_eq!(policy.step(until, false, datetime!(2027-10-22 23:59 UTC)), KeyStep::Nothing);
    assert_eq!(policy.step(until, false, datetime!(2027-10-23 00:00 UTC)), KeyStep::Announce);
    assert_eq!(policy.step(until, true, datetime!(2027-10-23 00:00 UTC)), KeyStep::Nothing, "announced once");
    assert_eq!(policy.step(until, true, datetime!(2027-11-06 00:00 UTC)), KeyStep::Rotate);
    // A service that was off for the whole window rotates at once when it starts, even with nothing announced.
    assert_eq!(policy.step(until, false, datetime!(2027-12-10 00:00 UTC)), KeyStep::Rotate);
}

#[test]
fn the_slots_swap_what_every_clone_sees() {
    let mut rng = StdRng::seed_from_u64(1);
    let old = SigningKey::generate(Algorithm::Ed25519, &mut rng);
    let new = SigningKey::generate(Algorithm::Ed25519, &mut rng);
    let slot = SigningSlot::from(Issuer::new(old.clone()));
    let clone = slot.clone();
    slot.replace(Issuer::new(new.clone()));
    assert_eq!(clone.key().kid(), new.kid());

    let root = SigningKey::generate(Algorithm::Ed25519, &mut rng);
    let list = |keys: &[&SigningKey], sequence: u64, signer: &SigningKey| {
        TrustList {
            issuer: "KR".into(),
            sequence,
            issued_at: datetime!(2026-12-06 00:00 UTC),
            root: signer.verifying_key(),
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
        .sign(signer)
        .unwrap()
    };
    let trust = TrustSlot::new(list(&[&old], 1, &root)).unwrap();
    let reader = trust.clone();
    trust.replace(list(&[&old, &new], 2, &root)).unwrap();
    assert_eq!(reader.current().list.keys.len(), 2);
    // A list under any other root is not published.
    let impostor = SigningKey::generate(Algorithm::Ed25519, &mut rng);
    assert!(trust.replace(list(&[&impostor], 3, &impostor)).is_err());
    assert_eq!(reader.current().list.sequence, 2);
}
