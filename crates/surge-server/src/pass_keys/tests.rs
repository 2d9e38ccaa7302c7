//! Keys on disk: rotation keeps old passes verifying, withdrawal stops them, a kill between the renames is finished
//! at the next start, and nothing is made again on a start after the first.

use surge_pass::{ControlCode, Kid, Pass, PassClaims, PassId, PassKind, Verifier};
use time::macros::datetime;

use super::*;

const NOW: OffsetDateTime = datetime!(2026-12-06 09:00 UTC);

fn claims(issued_at: OffsetDateTime) -> PassClaims {
    PassClaims {
        issuer: "KR".into(),
        issued_at,
        not_before: issued_at,
        expires: issued_at + Duration::days(30),
        pass: Pass {
            id: PassId::from_bytes([7; 16]),
            control_code: ControlCode::parse("0000000000").unwrap(),
            kind: PassKind::Person,
            category: "food-supply".into(),
            purpose: "work".into(),
            zones: vec!["KR-26".into()],
            holder: "Kim".into(),
            masked_id: Some("0001".into()),
            vehicle_plate: None,
            organisation: None,
            status_index: 1,
            result: None,
        },
    }
}

fn verify(keys: &PassKeys, text: &str, at: OffsetDateTime) -> Result<(), String> {
    let trust = keys.trust.current();
    let verdict = Verifier::new(&trust.list).verify(text, at, None);
    match verdict.first_failure() {
        None => Ok(()),
        Some(reason) => Err(reason.code().to_owned()),
    }
}

fn kids(keys: &PassKeys) -> Vec<(KeyUse, String)> {
    keys.keys().unwrap().into_iter().map(|k| (k.key_use, k.kid)).collect()
}

#[test]
fn a_rotation_keeps_old_passes_verifying_and_a_withdrawal_stops_them() {
    let data = tempfile::tempdir().unwrap();
    let keys = PassKeys::open(data.path(), "KR", false, RotationPolicy::default(), NOW).unwrap();
    assert_eq!(keys.due(NOW).unwrap(), None, "a new key is not due");
    let first = keys.signing.key().kid();
    let old_pass = keys.signing.issue(&claims(NOW)).unwrap();
    assert_eq!(verify(&keys, &old_pass, NOW), Ok(()));

    let later = NOW + Duration::days(10);
    let signing = keys.rotate(later).unwrap();
    assert_ne!(keys.signing.key().kid(), first, "the slot signs with the new key");
    assert_eq!(signing.kid, keys.signing.key().kid().to_hex());
    assert!(!data.path().join("keys/retired").join(first.to_hex()).join(files::PRIVATE_FILE).exists(), "deleted");
    let listed = kids(&keys);
    assert_eq!(listed[0], (KeyUse::Signing, signing.kid.clone()));
    assert_eq!(listed[1], (KeyUse::Retired, first.to_hex()));
    let retired = &keys.keys().unwrap()[1];
    assert_eq!(retired.valid_until, later, "it signs no more from the rotation");
    // What the old key signed still verifies; what the new one signs verifies; the file on disk says the same.
    assert_eq!(verify(&keys, &old_pass, later), Ok(()));
    let new_pass = keys.signing.issue(&claims(later)).unwrap();
    assert_eq!(verify(&keys, &new_pass, later), Ok(()));
    let on_disk = files::read_trust(&data.path().join("trust.json"), None).unwrap();
    assert_eq!(on_disk.keys.len(), 2);

    keys.withdraw(&first.to_hex(), later).unwrap();
    assert_eq!(verify(&keys, &old_pass, later).unwrap_err(), "unknown_kid", "withdrawn: refused");
    assert_eq!(verify(&keys, &new_pass, later), Ok(()));
    assert_eq!(kids(&keys)[1].0, KeyUse::Withdrawn);
    assert!(matches!(keys.withdraw(&first.to_hex(), later), Err(KeyError::AlreadyWithdrawn(_))));
    assert!(matches!(keys.withdraw("00", later), Err(KeyError::UnknownKey(_))));

    // Withdrawing the signing key hands over to a new one first: passes can still be issued.
    let current = keys.signing.key().kid();
    keys.withdraw(&current.to_hex(), later).unwrap();
    assert_ne!(keys.signing.key().kid(), current);
    assert_eq!(verify(&keys, &new_pass, later).unwrap_err(), "unknown_kid");
    assert_eq!(verify(&keys, &keys.signing.issue(&claims(later)).unwrap(), later), Ok(()));

    // A later start reads what is there and makes nothing new; audit heads find any key by its id.
    drop(keys);
    let again = PassKeys::open(data.path(), "KR", true, RotationPolicy::default(), later).unwrap();
    assert_eq!(again.keys().unwrap().len(), 3);
    assert_eq!(public_by_kid(data.path(), &first.to_hex()).unwrap().status, "withdrawn");
}

#[test]
fn keys_are_announced_then_rotated_when_due_and_the_service_was_off_meanwhile() {
    let data = tempfile::tempdir().unwrap();
    let policy = RotationPolicy::default();
    let keys = PassKeys::open(data.path(), "KR", false, policy, NOW).unwrap();
    let first = keys.signing.key().kid();
    let until = keys.keys().unwrap()[0].valid_until;
    let old_pass = keys.signing.issue(&claims(NOW)).unwrap();

    let announce = policy.rotation_at(until) - Duration::days(policy.announce_days);
    assert_eq!(keys.due(announce - Duration::hours(1)).unwrap(), None);
    let (step, announced) = keys.due(announce).unwrap().unwrap();
    assert_eq!(step, KeyStep::Announce);
    assert_eq!(keys.signing.key().kid(), first, "announced, not yet signing");
    let next = kids(&keys)[1].clone();
    assert_eq!(next, (KeyUse::Next, announced));
    assert_eq!(keys.trust.current().list.keys.len(), 2, "checkpoints learn it before it signs");
    assert_eq!(keys.due(announce + Duration::days(1)).unwrap(), None);

    // Off from before the rotation until after the old key's end: the start rotates at once, to the announced key.
    drop(keys);
    let keys = PassKeys::open(data.path(), "KR", true, policy, until + Duration::days(1)).unwrap();
    assert_eq!(keys.due(until + Duration::days(1)).unwrap(), Some((KeyStep::Rotate, next.1.clone())));
    assert_eq!(keys.signing.key().kid().to_hex(), next.1);
    assert_eq!(verify(&keys, &old_pass, NOW + Duration::days(1)), Ok(()));
    let at = until + Duration::days(1);
    assert_eq!(verify(&keys, &keys.signing.issue(&claims(at)).unwrap(), at), Ok(()));
}

#[test]
fn a_kill_between_the_renames_of_a_rotation_is_finished_at_the_next_start() {
    let data = tempfile::tempdir().unwrap();
    let policy = RotationPolicy::default();
    let keys = PassKeys::open(data.path(), "KR", false, policy, NOW).unwrap();
    assert_eq!(keys.finished_at_start, None, "a first start finishes nothing");
    let first: Kid = keys.signing.key().kid();
    let pass = keys.signing.issue(&claims(NOW)).unwrap();
    keys.announce(NOW).unwrap();
    let next = files::read_public(&data.path().join("keys/next")).unwrap().kid;
    drop(keys);
    let dir = data.path().join("keys");

    // Killed after the first rename: the next key is made the signing key, the old one retired.
    fs::rename(dir.join("pass"), dir.join("retiring")).unwrap();
    let keys = PassKeys::open(data.path(), "KR", true, policy, NOW).unwrap();
    assert_eq!(keys.signing.key().kid().to_hex(), next);
    assert_eq!(keys.finished_at_start.as_deref(), Some(next.as_str()), "said, for the audit log");
    assert!(!dir.join("retiring").exists());
    assert_eq!(kids(&keys)[1], (KeyUse::Retired, first.to_hex()));
    assert_eq!(verify(&keys, &pass, NOW), Ok(()));

    // Killed while a key was being made, or with the old key half retired: the half-made files are cleared away.
    fs::create_dir_all(dir.join("next.tmp")).unwrap();
    fs::create_dir_all(dir.join("retired").join("abc.tmp")).unwrap();
    fs::write(dir.join("retired/abc.tmp/public.json"), "{").unwrap();
    drop(keys);
    let keys = PassKeys::open(data.path(), "KR", true, policy, NOW).unwrap();
    assert!(!dir.join("next.tmp").exists() && !dir.join("retired/abc.tmp").exists());
    assert_eq!(keys.finished_at_start, None, "clearing half-made files is no rotation");
    assert_eq!(keys.keys().unwrap().len(), 2);

    // Killed after the first rename with no next key made: put back as it was.
    drop(keys);
    fs::rename(dir.join("pass"), dir.join("retiring")).unwrap();
    let keys = PassKeys::open(data.path(), "KR", true, policy, NOW).unwrap();
    assert_eq!(keys.signing.key().kid().to_hex(), next);
    assert_eq!(keys.finished_at_start, None, "put back as it was: no rotation happened");
}

#[test]
fn a_missing_pass_key_after_the_first_start_is_refused_not_replaced() {
    let data = tempfile::tempdir().unwrap();
    drop(PassKeys::open(data.path(), "KR", false, RotationPolicy::default(), NOW).unwrap());
    fs::remove_file(data.path().join("keys/pass").join(files::PRIVATE_FILE)).unwrap();
    let e = PassKeys::open(data.path(), "KR", true, RotationPolicy::default(), NOW).unwrap_err().to_string();
    assert!(e.contains("Restore the whole directory"), "{e}");
}

#[tokio::test]
async fn each_step_the_schedule_takes_is_in_the_audit_log_by_key() {
    use surge_app::AuditLog;
    let data = tempfile::tempdir().unwrap();
    let store = surge_store_sqlite::open(&data.path().join("surge.db")).await.unwrap();
    let policy = RotationPolicy::default();
    let keys = PassKeys::open(data.path(), "KR", false, policy, NOW).unwrap();
    assert_eq!(surge_app::keys::keep_on_schedule(&store, &keys, NOW).await.unwrap(), None);
    assert!(store.last_audit_entry().await.unwrap().is_none(), "nothing done, nothing recorded");
    let until = keys.keys().unwrap()[0].valid_until;
    let announce = policy.rotation_at(until) - Duration::days(policy.announce_days);
    let step = surge_app::keys::keep_on_schedule(&store, &keys, announce).await.unwrap();
    assert_eq!(step, Some(KeyStep::Announce));
    let entry = store.last_audit_entry().await.unwrap().unwrap().entry;
    let next = kids(&keys)[1].1.clone();
    assert_eq!((entry.actor.as_str(), entry.action.as_str()), ("system", "pass_key.announced"));
    assert_eq!(entry.subject, format!("key:{next}"));
}
