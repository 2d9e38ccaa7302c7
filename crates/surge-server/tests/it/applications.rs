//! Citizens' applications through the use cases on a real SQLite store: the default policy approves, reviews and
//! rejects; an approval issues a pass that verifies; officials decide only within their scope and never their own
//! case; one active pass per person; the weekly quota and the hourly limit; every decision in the audit log.

use rand::SeedableRng;
use rand::rngs::StdRng;
use surge_app::applications::{ApplicationConfig, decide_application, review_queue, submit_application};
use surge_app::{AppError, Applications, AuditLog, KeyScope, Official, Outbox, PassSigner, Passes};
use surge_domain::{ApplicationInput, ApplicationStatus};
use surge_pass::{Algorithm, Issuer, KeyStatus, SigningKey, TrustList, TrustedKey, Verifier};
use surge_store_sqlite::SqliteStore;
use surge_testkit::fixtures::NOW;
use time::Duration;

fn input(purpose: &str, from: &str, to: &str, days: i64, id: &str) -> ApplicationInput {
    let first = NOW.date();
    ApplicationInput {
        purpose: purpose.into(),
        from_zone: from.into(),
        to_zone: to.into(),
        valid_from: first.to_string(),
        valid_to: (first + Duration::days(days - 1)).to_string(),
        holder: "Kim Minji".into(),
        id_last4: id.into(),
        vehicle_plate: if purpose == "goods-transport" { "12가3456".into() } else { String::new() },
    }
}

struct World {
    _dir: tempfile::TempDir,
    store: SqliteStore,
    signer: PassSigner,
    key: SigningKey,
    config: ApplicationConfig,
    rng: StdRng,
}

async fn world() -> World {
    let dir = tempfile::tempdir().unwrap();
    let store = surge_store_sqlite::open(&dir.path().join("surge.db")).await.unwrap();
    let mut rng = StdRng::seed_from_u64(5);
    let key = SigningKey::generate(Algorithm::Ed25519, &mut rng);
    let signer = PassSigner {
        issuer: Issuer::new(key.clone()).into(),
        issuer_id: "KR".into(),
        public_base_url: "https://pass.example.org".into(),
        sms_language: "en".into(),
        zone: surge_domain::LocalZone::default(),
    };
    World { _dir: dir, store, signer, key, config: ApplicationConfig::default(), rng }
}

impl World {
    async fn submit(
        &mut self,
        phone: &str,
        input: &ApplicationInput,
    ) -> Result<surge_app::applications::Submitted, AppError> {
        submit_application(
            &self.store,
            &self.config,
            &self.signer,
            &mut self.rng,
            phone,
            "account:1",
            input,
            None,
            "en",
            NOW,
        )
        .await
    }

    async fn decide(
        &mut self,
        id: i64,
        approve: bool,
        reason: &str,
        official: &Official<'_>,
    ) -> Result<ApplicationStatus, AppError> {
        decide_application(&self.store, &self.signer, &mut self.rng, id, approve, reason, official, "en", NOW).await
    }
}

#[tokio::test]
async fn the_policy_approves_reviews_and_rejects_and_an_approval_issues_a_pass_that_verifies() {
    let mut w = world().await;
    let phone = "+821031000001";
    let approved = w.submit(phone, &input("medical-emergency", "KR-26", "KR-26", 3, "123A")).await.unwrap();
    assert_eq!((approved.status, approved.rule.as_deref()), (ApplicationStatus::Approved, Some("medical-local-short")));
    let index = approved.status_index.expect("a pass");
    let pass = w.store.pass_by_status_index(index).await.unwrap();
    let trust = TrustList {
        issuer: "KR".into(),
        sequence: 1,
        issued_at: NOW,
        root: w.key.verifying_key(),
        keys: vec![TrustedKey {
            key: w.key.verifying_key(),
            valid_from: NOW - Duration::days(1),
            valid_until: NOW + Duration::days(365),
            status: KeyStatus::Active,
        }],
    };
    let verdict = Verifier::new(&trust).verify(&pass.token, NOW + Duration::hours(1), Some("KR-26"));
    assert!(verdict.is_valid(), "{:#?}", verdict.checks);
    let claims = verdict.claims.unwrap();
    assert_eq!((claims.pass.purpose.as_str(), claims.pass.category.as_str()), ("medical-emergency", "healthcare"));
    // Validity days are Seoul's: the third day ends at its local midnight.
    assert_eq!(claims.expires, time::macros::datetime!(2026-03-04 00:00 +09:00), "to the end of the third day");
    assert_eq!(claims.not_before, time::macros::datetime!(2026-03-01 00:00 +09:00), "from the first day's start");
    let texts = w.store.outbox_messages(0, 10).await.unwrap();
    assert_eq!(texts.len(), 1, "one SMS: the pass itself");
    assert!(texts[0].1.body.starts_with("Kim Minji, your movement pass is ready"), "{}", texts[0].1.body);

    // The same person again: the rules approve, but one active pass per person wins, and they are told why.
    let again = w.submit(phone, &input("funeral", "KR-26", "KR-11", 2, "123A")).await.unwrap();
    assert_eq!(again.status, ApplicationStatus::Rejected);
    let record = w.store.application(again.id).await.unwrap();
    assert_eq!(record.reason_en, "You already have an active pass");
    assert!(w.store.outbox_messages(0, 10).await.unwrap().iter().any(|(_, m)| m.kind == "application_rejected"));

    // A goods vehicle goes to review, and the applicant is told.
    let review = w.submit("+821031000002", &input("goods-transport", "KR-26", "KR-11", 3, "9090")).await.unwrap();
    assert_eq!((review.status, review.rule.as_deref()), (ApplicationStatus::Review, Some("goods-vehicles")));
    let received = w.store.outbox_messages(0, 10).await.unwrap();
    let told = received.iter().find(|(_, m)| m.kind == "application_received").expect("told");
    assert!(
        told.1.body.contains(&format!("A-{}", review.id)) && told.1.body.contains("/applications/"),
        "{}",
        told.1.body
    );
}

#[tokio::test]
async fn officials_decide_within_their_scope_never_their_own_case_and_only_once() {
    let mut w = world().await;
    let driver = "+821031000002";
    let review = w.submit(driver, &input("goods-transport", "KR-26-110", "KR-11", 3, "9090")).await.unwrap();
    let health = KeyScope { zones: vec!["KR-26".into()], categories: vec!["healthcare".into()] };
    let transport = KeyScope { zones: vec!["KR-11".into()], categories: vec!["logistics".into()] };
    assert!(review_queue(&w.store, &health, None, 10).await.unwrap().is_empty(), "another category");
    let queue = review_queue(&w.store, &transport, None, 10).await.unwrap();
    assert_eq!(queue.iter().map(|r| r.id).collect::<Vec<_>>(), vec![review.id], "the destination zone is in scope");

    let outsider = Official { actor: "account:2", phone: None, scope: &health };
    assert!(matches!(w.decide(review.id, true, "", &outsider).await, Err(AppError::NotFound)));
    let own = Official { actor: "account:3", phone: Some(driver), scope: &transport };
    assert!(matches!(w.decide(review.id, true, "", &own).await, Err(AppError::OwnCase)));
    let official = Official { actor: "account:4", phone: Some("+821099990000"), scope: &transport };
    match w.decide(review.id, false, "  ", &official).await {
        Err(AppError::InvalidForm(errors)) => assert_eq!(errors[0].field, "reason"),
        other => panic!("a rejection needs a reason: {other:?}"),
    }
    assert_eq!(w.decide(review.id, true, "", &official).await.unwrap(), ApplicationStatus::Approved);
    assert!(matches!(w.decide(review.id, false, "changed my mind", &official).await, Err(AppError::Conflict)));
    let record = w.store.application(review.id).await.unwrap();
    assert_eq!(record.decided_by.as_deref(), Some("account:4"));
    let pass = w.store.pass_by_status_index(record.status_index.unwrap()).await.unwrap();
    assert_eq!(pass.zones, vec!["KR-26-110".to_owned(), "KR-11".to_owned()]);

    let second = w.submit("+821031000005", &input("essential-work", "KR-11", "KR-11", 2, "5555")).await.unwrap();
    assert_eq!(second.status, ApplicationStatus::Review, "no rule: an official decides");
    let admin = Official::system("account:1");
    assert_eq!(w.decide(second.id, false, "Not essential", &admin).await.unwrap(), ApplicationStatus::Rejected);
    let actions: Vec<String> =
        w.store.audit_entries(0, 100).await.unwrap().into_iter().map(|e| e.entry.action).collect();
    assert_eq!(
        actions,
        ["application.submitted", "application.approved", "application.submitted", "application.rejected"],
        "every decision is in the audit log"
    );
    let chain = w.store.audit_entries(0, 100).await.unwrap();
    assert!(surge_domain::audit::verify_chain(chain.iter(), surge_domain::audit::GENESIS, 1).is_ok());
}

#[tokio::test]
async fn the_weekly_quota_rejects_the_fourth_application_and_the_hourly_limit_stops_floods() {
    let mut w = world().await;
    let phone = "+821031000003";
    for i in 0..3 {
        let submitted =
            w.submit(phone, &input("essential-work", "KR-26", "KR-26", 1, &format!("{i:04}"))).await.unwrap();
        assert_eq!(submitted.status, ApplicationStatus::Review);
    }
    let fourth = w.submit(phone, &input("essential-work", "KR-26", "KR-26", 1, "0004")).await.unwrap();
    assert_eq!((fourth.status, fourth.rule.as_deref()), (ApplicationStatus::Rejected, Some("weekly-quota")));
    let fifth = w.submit(phone, &input("essential-work", "KR-26", "KR-26", 1, "0005")).await.unwrap();
    assert_eq!(fifth.status, ApplicationStatus::Rejected);
    assert!(matches!(
        w.submit(phone, &input("essential-work", "KR-26", "KR-26", 1, "0006")).await,
        Err(AppError::RateLimited { .. })
    ));
    // A form error is not counted against the limit, and is reported by field.
    match w.submit("+821031000004", &input("party", "KR-26", "KR-26", 1, "0001")).await {
        Err(AppError::InvalidForm(errors)) => assert_eq!(errors[0].field, "purpose"),
        other => panic!("expected a form error: {other:?}"),
    }
}
