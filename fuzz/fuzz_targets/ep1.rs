//! Fuzzes the EP1 verifier with arbitrary text, and with arbitrary bytes behind a valid prefix and base45 so the
//! fuzzer reaches zlib, COSE and claims decoding: no input may panic, and none may verify.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use surge_pass::{Algorithm, KeyStatus, SigningKey, TrustList, TrustedKey, Verifier};
use time::OffsetDateTime;

fn trust() -> &'static TrustList {
    static TRUST: OnceLock<TrustList> = OnceLock::new();
    TRUST.get_or_init(|| {
        let key = SigningKey::generate(Algorithm::Ed25519, &mut rand_core::OsRng);
        TrustList {
            issuer: "FUZZ".into(),
            sequence: 1,
            issued_at: OffsetDateTime::UNIX_EPOCH,
            root: key.verifying_key(),
            keys: vec![TrustedKey {
                key: key.verifying_key(),
                valid_from: OffsetDateTime::UNIX_EPOCH,
                valid_until: OffsetDateTime::UNIX_EPOCH + time::Duration::days(40_000),
                status: KeyStatus::Active,
            }],
        }
    })
}

fuzz_target!(|data: &[u8]| {
    let now = OffsetDateTime::UNIX_EPOCH + time::Duration::days(20_000);
    let verifier = Verifier::new(trust());
    if let Ok(text) = std::str::from_utf8(data) {
        assert!(!verifier.verify(text, now, Some("KR-26")).is_valid());
    }
    let wrapped = format!("EP1:{}", base45::encode(data));
    assert!(!verifier.verify(&wrapped, now, None).is_valid());
    let _ = surge_pass::decode_unverified(&wrapped);
});
