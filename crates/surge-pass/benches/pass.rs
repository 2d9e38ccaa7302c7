//! Criterion benchmarks for the pass pipeline, each beside the raw Ed25519 operation it is built on.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use rand::SeedableRng;
use rand::rngs::StdRng;
use surge_pass::{
    Algorithm, ControlCode, Issuer, KeyStatus, Pass, PassClaims, PassId, PassKind, SigningKey, TrustList, TrustedKey,
    Verifier, decode_unverified,
};
use time::macros::datetime;

fn claims(rng: &mut StdRng) -> PassClaims {
    PassClaims {
        issuer: "KR-26".into(),
        issued_at: datetime!(2026-02-28 09:00 UTC),
        not_before: datetime!(2026-03-01 00:00 UTC),
        expires: datetime!(2026-03-08 00:00 UTC),
        pass: Pass {
            id: PassId::generate(rng),
            control_code: ControlCode::generate(rng),
            kind: PassKind::Person,
            category: "essential-worker".into(),
            purpose: "work".into(),
            zones: vec!["KR-26".into()],
            holder: "Kim J.".into(),
            masked_id: Some("1234".into()),
            vehicle_plate: None,
            organisation: None,
            status_index: 17,
            result: None,
        },
    }
}

fn bench(c: &mut Criterion) {
    let mut rng = StdRng::seed_from_u64(1);
    let key = SigningKey::generate(Algorithm::Ed25519, &mut rng);
    let root = SigningKey::generate(Algorithm::Ed25519, &mut rng);
    let trust = TrustList {
        issuer: "KR-26".into(),
        sequence: 1,
        issued_at: datetime!(2026-01-01 00:00 UTC),
        root: root.verifying_key(),
        keys: vec![TrustedKey {
            key: key.verifying_key(),
            valid_from: datetime!(2026-01-01 00:00 UTC),
            valid_until: datetime!(2027-01-01 00:00 UTC),
            status: KeyStatus::Active,
        }],
    };
    let issuer = Issuer::new(key.clone());
    let claims = claims(&mut rng);
    let text = issuer.issue(&claims).unwrap_or_default();
    let message = [7u8; 200];
    let signature = key.sign(&message);
    let verifying = key.verifying_key();
    let verifier = Verifier::new(&trust);
    let now = datetime!(2026-03-02 12:00 UTC);

    let mut group = c.benchmark_group("pass");
    group.bench_function("raw_ed25519_sign", |b| b.iter(|| key.sign(black_box(&message))));
    group.bench_function("issue", |b| b.iter(|| issuer.issue(black_box(&claims))));
    group.bench_function("decode_unverified", |b| b.iter(|| decode_unverified(black_box(&text))));
    group.bench_function("raw_ed25519_verify", |b| b.iter(|| verifying.verify(black_box(&message), &signature)));
    group.bench_function("verify", |b| b.iter(|| verifier.verify(black_box(&text), now, Some("KR-26"))));
    group.bench_function("qr_svg", |b| b.iter(|| surge_pass::qr_svg(black_box(&text))));
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
