//! The bulk e-pass flow through the use cases on a real SQLite store: registration and screening, bulk approval,
//! a refused file, an accepted one, background issuance with real signatures, and the holder's link leading to a
//! pass that verifies offline.

use rand::SeedableRng;
use rand::rngs::StdRng;
use surge_app::{
    AppError, Batches, IssuanceWorker, LinkToken, OrgFilter, Organisations, Outbox, PassSigner, Passes, bulk_approve,
    register_organisation, upload_employees,
};
use surge_domain::OrgStatus;
use surge_pass::{Algorithm, Issuer, KeyStatus, SigningKey, TrustList, TrustedKey, Verifier};
use surge_testkit::fixtures::{NOW, config, employees, employees_csv, registration_input};
use time::Duration;

#[tokio::test]
async fn an_organisation_is_screened_approved_and_its_employees_get_passes_that_verify() {
    let dir = tempfile::tempdir().unwrap();
    let store = surge_store_sqlite::open(&dir.path().join("surge.db")).await.unwrap();
    let config = config();

    let mut bad = registration_input("", "220-81-62518");
    bad.contact_email = "nobody".into();
    match register_organisation(&store, &config, &bad, None, NOW).await {
        Err(AppError::InvalidForm(errors)) => {
            let fields: Vec<&str> = errors.iter().map(|e| e.field).collect();
            assert_eq!(fields, vec!["legal_name", "registry_number", "contact_email"]);
        }
        other => panic!("expected a form error, got {other:?}"),
    }
    let (fresh, screening) =
        register_organisation(&store, &config, &registration_input("Busan Fresh Foods", "220-81-62517"), None, NOW)
            .await
            .unwrap();
    assert!(screening.passed_all());
    let (twin, screening) =
        register_organisation(&store, &config, &registration_input("Busan Fresh Food Co.", "124-81-00998"), None, NOW)
            .await
            .unwrap();
    assert!(!screening.passed_all(), "a near-identical name in the same zone is flagged");

    assert_eq!(
        bulk_approve(&store, &OrgFilter::default(), &surge_app::Official::system("account:1"), NOW).await.unwrap(),
        vec![fresh]
    );
    assert_eq!(store.organisation(twin).await.unwrap().status, OrgStatus::InReview);
    assert!(matches!(upload_employees(&store, &config, twin, b"x", false, NOW).await, Err(AppError::NotApproved)));

    let rows = employees(0, 5);
    let good = employees_csv(&rows);
    let broken = good.replacen("+821010000001", "not-a-phone", 1);
    match upload_employees(&store, &config, fresh, broken.as_bytes(), false, NOW).await {
        Err(AppError::InvalidFile(errors)) => {
            assert_eq!(errors.len(), 1);
            assert_eq!((errors[0].line, errors[0].column), (3, Some("phone")));
        }
        other => panic!("expected a file error, got {other:?}"),
    }
    let batch = upload_employees(&store, &config, fresh, good.as_bytes(), false, NOW).await.unwrap();
    assert!(!batch.duplicate);
    assert_eq!(upload_employees(&store, &config, fresh, good.as_bytes(), false, NOW).await.unwrap().id, batch.id);
    let too_many = employees_csv(&employees(100, 96));
    assert!(matches!(
        upload_employees(&store, &config, fresh, too_many.as_bytes(), false, NOW).await,
        Err(AppError::QuotaExceeded { quota: 100, used: 5, requested: 96 })
    ));

    let mut rng = StdRng::seed_from_u64(1);
    let key = SigningKey::generate(Algorithm::Ed25519, &mut rng);
    let mut worker = IssuanceWorker {
        signer: PassSigner {
            issuer: Issuer::new(key.clone()).into(),
            issuer_id: "KR-26".into(),
            public_base_url: "https://pass.example.org/".into(),
            sms_language: "en".into(),
            zone: surge_domain::LocalZone::default(),
        },
        rng,
        batch_size: 2,
        signing_threads: 1,
    };
    let mut issued = 0;
    loop {
        let outcome = worker.run_once(&store, NOW).await.unwrap();
        if outcome.is_idle() {
            break;
        }
        issued += outcome.issued;
    }
    assert_eq!(issued, 5);
    assert_eq!(store.batch(batch.id).await.unwrap().issued, 5);

    let messages = store.outbox_messages(0, 10).await.unwrap();
    assert_eq!(messages.len(), 5);
    let (_, sms) = &messages[1];
    assert_eq!(sms.recipient, "+821010000001");
    assert!(
        sms.body.starts_with("Employee 1, your movement pass is ready: https://pass.example.org/p/1/"),
        "{}",
        sms.body
    );
    let link = sms.body.split_whitespace().find(|w| w.starts_with("https://")).unwrap();
    let mut parts = link.rsplit('/');
    let token = LinkToken::parse(parts.next().unwrap()).unwrap();
    let index: u64 = parts.next().unwrap().parse().unwrap();
    let pass = store.pass_by_link(index, token.hash()).await.unwrap();
    assert_eq!(pass.holder, "Employee 1");
    assert!(sms.body.contains(&format!("Control code {}-{}", &pass.control_code[..5], &pass.control_code[5..])));

    let trust = TrustList {
        issuer: "KR-26".into(),
        sequence: 1,
        issued_at: NOW,
        root: key.verifying_key(),
        keys: vec![TrustedKey {
            key: key.verifying_key(),
            valid_from: NOW - Duration::days(1),
            valid_until: NOW + Duration::days(365),
            status: KeyStatus::Active,
        }],
    };
    let verdict = Verifier::new(&trust).verify(&pass.token, NOW + Duration::hours(1), Some("KR-26"));
    assert!(verdict.is_valid(), "{:#?}", verdict.checks);
    let claims = verdict.claims.unwrap();
    assert_eq!(claims.pass.holder, "Employee 1");
    assert_eq!(claims.pass.category, "food-supply");
    assert_eq!(claims.pass.organisation, Some(fresh.to_string()));
    assert_eq!(claims.pass.status_index, index);
    assert_eq!(claims.pass.masked_id.as_deref(), Some(rows[1].masked_id.as_str()));
}
