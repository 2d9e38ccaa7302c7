//! The HTTP API in-process (no socket): the bulk flow end to end, the authorisation table (every endpoint × every
//! role), errors that name fields and rows, the pass page, metrics and the OpenAPI document.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "tests fail by panicking")]

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use rand::SeedableRng;
use rand::rngs::StdRng;
use serde_json::{Value, json};
use surge_app::{
    Access, ApiKey, AuditLog, Facts, IssuanceWorker, KeyScope, NewApiKey, NewOrganisation, Organisations, Outbox,
    PassSigner, Passes, Role,
};
use surge_pass::{Algorithm, Issuer, SigningKey};
use surge_store_sqlite::SqliteStore;
use surge_testkit::fixtures::{NOW, config, employees, employees_csv};
use surge_web::{AppState, Metrics, WebConfig, csrf_token, router};
use tower::ServiceExt;

/// Who makes a request: nobody, an API key, or a session cookie (sent with its CSRF header).
#[derive(Debug, Clone)]
enum Caller {
    Nobody,
    Key(String),
    Session(String),
}

struct TestApp {
    app: Router,
    /// The service's state, for a second server on the same database.
    state: AppState<SqliteStore>,
    trust_list: Vec<u8>,
    store: SqliteStore,
    admin: String,
    official: String,
    checkpoint: String,
    /// The service's clock, in Unix seconds; tests may move it.
    clock: Arc<AtomicI64>,
    _dir: tempfile::TempDir,
}

async fn spawn() -> TestApp {
    spawn_at(surge_domain::LocalZone::default(), NOW).await
}

/// A service whose authority keeps `zone`'s time, its clock set to `now`.
async fn spawn_at(zone: surge_domain::LocalZone, now: time::OffsetDateTime) -> TestApp {
    spawn_with(zone, now, false).await
}

/// As `spawn_at`, with `results.text_phone_from_lab` as given.
async fn spawn_with(zone: surge_domain::LocalZone, now: time::OffsetDateTime, text_phone_from_lab: bool) -> TestApp {
    let dir = tempfile::tempdir().unwrap();
    let store = surge_store_sqlite::open(&dir.path().join("surge.db")).await.unwrap();
    let mut keys = Vec::new();
    for role in [Role::Admin, Role::Official, Role::Checkpoint] {
        let key = ApiKey::generate(&mut rand_core::OsRng);
        store
            .insert_api_key(
                &NewApiKey {
                    key_hash: key.hash(),
                    role,
                    organisation_id: None,
                    scope: KeyScope::default(),
                    label: role.as_str().into(),
                    lab: None,
                    created_at: NOW,
                },
                &surge_domain::audit::AuditEntry {
                    actor: "test".into(),
                    action: "api_key.created".into(),
                    subject: String::new(),
                    detail: String::new(),
                },
            )
            .await
            .unwrap();
        keys.push(key.reveal().to_owned());
    }
    // The trust list holds the key the tests' issuance worker signs with (seed 2).
    let root = SigningKey::generate(Algorithm::Ed25519, &mut StdRng::seed_from_u64(1));
    let pass_key = SigningKey::generate(Algorithm::Ed25519, &mut StdRng::seed_from_u64(2));
    let trust = surge_pass::TrustList {
        issuer: "KR-26".into(),
        sequence: 1,
        issued_at: NOW,
        root: root.verifying_key(),
        keys: vec![surge_pass::TrustedKey {
            key: pass_key.verifying_key(),
            valid_from: NOW - time::Duration::days(1),
            valid_until: NOW + time::Duration::days(365),
            status: surge_pass::KeyStatus::Active,
        }],
    };
    let signed = trust.sign(&root).unwrap();
    let clock = Arc::new(AtomicI64::new(now.unix_timestamp()));
    let read = clock.clone();
    let state = AppState {
        store: store.clone(),
        config: Arc::new(surge_app::Config { zone, ..config() }),
        trust: surge_app::keys::TrustSlot::new(signed).unwrap(),
        keys: None,
        metrics: Arc::new(Metrics::default()),
        clock: Arc::new(move || time::OffsetDateTime::from_unix_timestamp(read.load(Ordering::Relaxed)).unwrap()),
        qr_cache: Arc::default(),
        caches: Arc::new(surge_web::Caches::new()),
        status_signer: Some(Arc::new(surge_web::StatusSigner {
            key: Issuer::new(SigningKey::generate(Algorithm::Ed25519, &mut StdRng::seed_from_u64(2))).into(),
            issuer: "KR-26".into(),
        })),
        web: Arc::new(WebConfig {
            receipt_secret: b"receipt secret".to_vec(),
            webhook_secret: b"webhook secret".to_vec(),
            csrf_secret: b"csrf secret".to_vec(),
            ..WebConfig::default()
        }),
        signer: Some(Arc::new(PassSigner {
            issuer: surge_pass::Issuer::new(pass_key.clone()).into(),
            issuer_id: "KR-26".into(),
            public_base_url: "http://localhost".into(),
            sms_language: "en".into(),
            zone,
        })),
        documents_dir: Some(Arc::new(dir.path().join("documents"))),
        dashboard: Arc::default(),
        lake: None,
        live: Arc::default(),
        dcc_trust: Some(Arc::new(surge_pass::dcc::DccTrustList { signers: vec![dcc_case().1] })),
        dcc_rules: Arc::new(std::sync::RwLock::new(Arc::new(surge_app::dcc::default_rules()))),
        monitoring: Arc::default(),
        results: Some(Arc::new(surge_app::results::ResultsConfig {
            tests: surge_results::TestTable::seeded(),
            phone_region: "KR".into(),
            sms_language: "en".into(),
            help_phone: "1339".into(),
            results_link: "https://surge.example.kr/r".into(),
            certificate_hours: 72,
            duty_phone: None,
            queue_link: "https://surge.example.kr/results/queue".into(),
            text_phone_from_lab,
        })),
    };
    TestApp {
        trust_list: state.trust.current().signed.clone(),
        app: router(state.clone()),
        state,
        store,
        admin: keys[0].clone(),
        official: keys[1].clone(),
        checkpoint: keys[2].clone(),
        clock,
        _dir: dir,
    }
}

impl TestApp {
    async fn call(
        &self,
        method: &str,
        path: &str,
        key: Option<&str>,
        body: Option<Body>,
        content_type: &str,
    ) -> (StatusCode, Value, String) {
        let caller = key.map_or(Caller::Nobody, |k| Caller::Key(k.to_owned()));
        self.call_as(method, path, &caller, body, content_type).await
    }

    async fn call_as(
        &self,
        method: &str,
        path: &str,
        caller: &Caller,
        body: Option<Body>,
        content_type: &str,
    ) -> (StatusCode, Value, String) {
        let mut request = Request::builder().method(method).uri(path).header("content-type", content_type);
        match caller {
            Caller::Nobody => {}
            Caller::Key(key) => request = request.header("authorization", format!("Bearer {key}")),
            Caller::Session(token) => {
                request = request.header("cookie", format!("surge_session={token}"));
                request = request.header("x-csrf-token", csrf_token(b"csrf secret", token));
            }
        }
        let response = self.app.clone().oneshot(request.body(body.unwrap_or_else(Body::empty)).unwrap()).await.unwrap();
        let status = response.status();
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX).await.unwrap();
        let text = String::from_utf8_lossy(&bytes).into_owned();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null), text)
    }

    async fn json(&self, method: &str, path: &str, key: Option<&str>, body: Value) -> (StatusCode, Value) {
        let (status, json, _) =
            self.call(method, path, key, Some(Body::from(body.to_string())), "application/json").await;
        (status, json)
    }

    async fn json_as(&self, method: &str, path: &str, caller: &Caller, body: Value) -> (StatusCode, Value) {
        let (status, json, _) =
            self.call_as(method, path, caller, Some(Body::from(body.to_string())), "application/json").await;
        (status, json)
    }

    /// A session for the citizen with this phone (E.164), as signing in by code makes.
    async fn citizen(&self, phone: &str) -> Caller {
        let account = self.store.phone_account(phone, NOW).await.unwrap();
        self.session_for(account.id).await
    }

    /// A session for a new staff account.
    async fn staff(&self, role: Role, username: &str) -> Caller {
        let (id, _) = surge_app::access::create_staff_account(
            &self.store,
            "system:test",
            role,
            username,
            KeyScope::default(),
            None,
            NOW,
            &mut StdRng::seed_from_u64(9),
        )
        .await
        .unwrap();
        // As after the first sign-in, when the one-time password has been replaced.
        self.store
            .set_password(id, "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA", false)
            .await
            .unwrap();
        self.session_for(id).await
    }

    async fn session_for(&self, account_id: i64) -> Caller {
        let token = surge_app::access::SessionToken::generate(&mut rand_core::OsRng);
        let now = time::OffsetDateTime::from_unix_timestamp(self.clock.load(Ordering::Relaxed)).unwrap();
        self.store.insert_session(token.hash(), account_id, now, now + time::Duration::hours(1)).await.unwrap();
        Caller::Session(token.reveal().to_owned())
    }

    /// A food-supply organisation in KR-26, approved, whose two employees' passes (status indexes 0 and 1) are
    /// issued.
    async fn two_passes_issued(&self) {
        let (org, org_key) = self.register("Busan Fresh Foods", "220-81-62517").await;
        self.json("POST", "/api/organisations/bulk-approve", Some(&self.official), json!({})).await;
        let csv = employees_csv(&employees(0, 2));
        let path = format!("/api/organisations/{org}/employees");
        let (status, _, _) = self.call("POST", &path, Some(&org_key), Some(Body::from(csv)), "text/csv").await;
        assert_eq!(status, StatusCode::ACCEPTED);
        let mut worker = worker(surge_domain::LocalZone::default(), 3);
        assert_eq!(worker.run_once(&self.store, NOW).await.unwrap().issued, 2);
    }

    async fn register(&self, name: &str, number: &str) -> (i64, String) {
        self.register_with_phone(name, number, "010-1234-5678").await
    }

    async fn register_with_phone(&self, name: &str, number: &str, phone: &str) -> (i64, String) {
        let mut body = registration(name, number);
        body["contact_phone"] = json!(phone);
        // As the admin: a public registration waits for its contact phone to sign in before officials see it.
        let (status, body) = self.json("POST", "/api/organisations", Some(&self.admin), body).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        assert_eq!(body["status"], "in_review", "{body}");
        (body["id"].as_i64().unwrap(), body["api_key"].as_str().unwrap().to_owned())
    }
}

/// The tests' issuance worker: it signs with the key the trust list holds (seed 2), keeping `zone`'s days.
fn worker(zone: surge_domain::LocalZone, seed: u64) -> IssuanceWorker<StdRng> {
    IssuanceWorker {
        signer: PassSigner {
            issuer: Issuer::new(SigningKey::generate(Algorithm::Ed25519, &mut StdRng::seed_from_u64(2))).into(),
            issuer_id: "KR-26".into(),
            public_base_url: "http://localhost".into(),
            sms_language: "en".into(),
            zone,
        },
        rng: StdRng::seed_from_u64(seed),
        batch_size: 100,
        signing_threads: 2,
    }
}

fn registration(name: &str, number: &str) -> Value {
    json!({
        "legal_name": name, "registry_number": number, "category": "food-supply", "address": "1 Jungang-daero",
        "zone": "KR-26", "contact_phone": "010-1234-5678", "contact_email": "ops@example.org", "requested_quota": 50
    })
}

#[tokio::test]
async fn the_bulk_flow_works_end_to_end_over_http() {
    let t = spawn().await;
    let (org, org_key) = t.register("Busan Fresh Foods", "220-81-62517").await;
    let csv = employees_csv(&employees(0, 3));
    let upload = |key: String, csv: String| {
        let t = &t;
        async move {
            t.call(
                "POST",
                &format!("/api/organisations/{org}/employees"),
                Some(&key),
                Some(Body::from(csv)),
                "text/csv",
            )
            .await
        }
    };
    let (status, body, _) = upload(org_key.clone(), csv.clone()).await;
    assert_eq!((status, body["error"]["code"].as_str()), (StatusCode::CONFLICT, Some("organisation_not_approved")));

    let (status, body) = t.json("POST", "/api/organisations/bulk-approve", Some(&t.official), json!({})).await;
    assert_eq!((status, body["ids"].clone()), (StatusCode::OK, json!([org])));

    let (status, body, _) = upload(org_key.clone(), csv.replacen("+821010000002", "12", 1)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["error"]["code"], "csv_row_invalid");
    // A file with thousands of problems lists the first 1,000 and says how many there were.
    let mut many = String::from("name,phone,id_last4,zones,valid_from,valid_to,vehicle_plate\n");
    for _ in 0..1500 {
        many.push_str(",12,1,KR-26,2026-03-01,2026-03-07,\n");
    }
    let (many_status, many_body, _) = upload(org_key.clone(), many).await;
    assert_eq!(many_status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(many_body["error"]["details"].as_array().unwrap().len(), 1000);
    let message = many_body["error"]["message"].as_str().unwrap();
    let count: usize = message.split(' ').nth(5).and_then(|n| n.parse().ok()).unwrap_or(0);
    assert!(count >= 4500, "every problem is counted: {message}");
    assert!(message.contains("problems; the first 1000 are listed; nothing was stored"), "{message}");
    assert_eq!(
        body["error"]["details"][0],
        json!({"line": 4, "column": "phone", "reason": "\"12\" is not a valid phone number"})
    );

    let (status, body, _) = upload(org_key.clone(), csv.clone()).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    let progress = body["progress"].as_str().unwrap().to_owned();
    let (_, before) = t.json("GET", &progress, Some(&org_key), Value::Null).await;
    assert_eq!((before["percent"].as_u64(), before["status"].as_str()), (Some(0), Some("issuing")));

    let mut worker = worker(surge_domain::LocalZone::default(), 3);
    assert_eq!(worker.run_once(&t.store, NOW).await.unwrap().issued, 3);
    let (_, after) = t.json("GET", &progress, Some(&org_key), Value::Null).await;
    assert_eq!(
        (after["percent"].as_u64(), after["status"].as_str(), after["issued"].as_u64()),
        (Some(100), Some("completed"), Some(3))
    );

    let messages = t.store.outbox_messages(0, 10).await.unwrap();
    let link = messages[0].1.body.split_whitespace().find(|w| w.starts_with("http://")).unwrap().to_owned();
    let path = link.trim_start_matches("http://localhost");
    let (status, _, html) = t.call("GET", path, None, None, "text/html").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("<svg") && html.contains("Employee 0") && html.contains("lang=\"en\""), "{html}");
    let (status, _, korean) = t.call("GET", &format!("{path}?lang=ko"), None, None, "text/html").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        korean.contains("lang=\"ko\"") && korean.contains("이동 허가증") && korean.contains("확인 코드"),
        "{korean}"
    );
    let (status, _, again) = t.call("GET", path, None, None, "text/html").await;
    assert_eq!((status, again), (StatusCode::OK, html.clone()), "the cached QR code is the same");
    let cache = surge_web::QrCache::default();
    assert!(Arc::ptr_eq(&cache.get_or_render(7, "EP1:X"), &cache.get_or_render(7, "EP1:X")), "rendered once");
    let other = if path.ends_with('0') { '1' } else { '0' };
    let wrong = format!("{}{other}", &path[..path.len() - 1]);
    let (status, _, html) = t.call("GET", &wrong, None, None, "text/html").await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{html}");
    // Issue 21: the not-found page was English only, with no language switch and no way on.
    let (_, _, missing) = t.call("GET", &format!("{wrong}?lang=ko"), None, None, "text/html").await;
    assert!(missing.contains("허가증을 찾을 수 없습니다") && missing.contains("href=\"/\""), "{missing}");
    assert!(missing.contains("lang=en") || missing.contains("English"), "a language switch: {missing}");

    // Issue 21: a withdrawn pass's page still showed its QR code and "show this code at a checkpoint".
    let index: u64 = path.trim_start_matches("/p/").split('/').next().unwrap().parse().unwrap();
    let status_path = format!("/api/v1/passes/{index}/status");
    let revoke = json!({"action": "revoke", "reason": "left the company"});
    let (status, body) = t.json("POST", &status_path, Some(&t.official), revoke).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, _, withdrawn) = t.call("GET", path, None, None, "text/html").await;
    assert_eq!(status, StatusCode::OK);
    assert!(!withdrawn.contains("<svg") && !withdrawn.contains("Show this code"), "{withdrawn}");
    assert!(
        withdrawn.contains("This pass has been withdrawn") && withdrawn.contains("left the company"),
        "{withdrawn}"
    );

    let (status, _, metrics) = t.call("GET", "/metrics", None, None, "text/plain").await;
    assert_eq!(status, StatusCode::OK);
    assert!(metrics.contains("surge_passes 3"), "{metrics}");
    assert!(metrics.contains("surge_batches_accepted_total 1"), "{metrics}");
}

#[tokio::test]
async fn a_registration_error_names_each_field() {
    let t = spawn().await;
    let mut body = registration("", "220-81-62518");
    body["requested_quota"] = json!("lots");
    let (status, body) = t.json("POST", "/api/organisations", None, body).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let fields: Vec<&str> =
        body["error"]["details"].as_array().unwrap().iter().map(|f| f["field"].as_str().unwrap()).collect();
    assert_eq!(fields, vec!["legal_name", "registry_number", "requested_quota"]);
    let (status, body) = t.json("POST", "/api/organisations", None, json!({"legal_nam": "typo"})).await;
    assert_eq!((status, body["error"]["code"].as_str()), (StatusCode::BAD_REQUEST, Some("request_invalid")));
}

/// Registrations made at once are screened without seeing each other (each read what was committed before any of
/// them, then all were written in one group commit), so each may pass every rule. Bulk approval checks again: of
/// ten sharing one registry number, only the first is approved; the rest wait for an official.
#[tokio::test]
async fn of_registrations_screened_at_once_with_one_number_bulk_approval_takes_only_the_first() {
    let t = spawn().await;
    let names = [
        "Alpha Foods",
        "Bravo Logistics",
        "Charlie Farms",
        "Delta Bakery",
        "Echo Seafood",
        "Foxtrot Rice",
        "Golf Dairy",
        "Hotel Produce",
        "India Spices",
        "Juliet Noodles",
    ];
    let screened_alone: Vec<NewOrganisation> = names
        .iter()
        .map(|name| {
            let input = surge_testkit::fixtures::registration_input(name, "220-81-62517");
            let registration = surge_domain::validate_registration(
                &input,
                surge_domain::RegistryScheme::KrBrn,
                &["food-supply".to_owned()],
                &surge_domain::ZoneList::default(),
                "KR",
            )
            .unwrap();
            let screening = surge_domain::screen(&registration, &["food-supply".to_owned()], &[]);
            assert!(screening.passed_all());
            NewOrganisation { registration, screening, created_at: NOW, admin_key_hash: None, contact_confirmed: true }
        })
        .collect();
    let mut ids = Vec::new();
    for answer in
        futures_util::future::join_all(screened_alone.iter().map(|org| t.store.insert_organisation(org))).await
    {
        ids.push(answer.unwrap());
    }
    ids.sort_unstable();
    let (status, body) = t.json("POST", "/api/organisations/bulk-approve", Some(&t.official), json!({})).await;
    assert_eq!((status, body["ids"].clone()), (StatusCode::OK, json!([ids[0]])), "{body}");
    for id in &ids[1..] {
        assert_eq!(t.store.organisation(*id).await.unwrap().status, surge_domain::OrgStatus::InReview);
    }
}

/// Issue 20 #16: registration was anonymous and unlimited: sixty in a row, each asking for 100,000 passes.
#[tokio::test]
async fn registrations_are_limited_by_address_and_phone_and_the_quota_asked_is_capped() {
    let t = spawn().await;
    let mut greedy = registration("Greedy Foods", "220-81-62517");
    greedy["requested_quota"] = json!(100_000);
    let (status, body) = t.json("POST", "/api/organisations", None, greedy).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["details"][0]["field"], "requested_quota");
    assert!(body["error"]["details"][0]["message"].as_str().unwrap().contains("1 to 10000"), "{body}");
    // Three a day for one contact phone; a mistyped form costs no attempt.
    for i in 0..3 {
        let (status, body) =
            t.json("POST", "/api/organisations", None, registration(&format!("Shop {i}"), "220-81-62517")).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }
    let (status, body) = t.json("POST", "/api/organisations", None, registration("Shop 4", "220-81-62517")).await;
    assert_eq!((status, body["error"]["code"].as_str()), (StatusCode::TOO_MANY_REQUESTS, Some("rate_limited")));
    // Ten an hour from one address, whatever the phones.
    let mut answers = Vec::new();
    for i in 0..8 {
        let mut other = registration(&format!("Store {i}"), "220-81-62517");
        other["contact_phone"] = json!(format!("010-7000-{i:04}"));
        answers.push(t.json("POST", "/api/organisations", None, other).await.0);
    }
    let created = answers.iter().filter(|s| **s == StatusCode::CREATED).count();
    assert_eq!(created, 6, "ten in the hour, four already used (three created, one refused by the phone limit)");
    assert!(answers[6..].iter().all(|s| *s == StatusCode::TOO_MANY_REQUESTS), "{answers:?}");
}

/// Issue 20 #16: anyone could put a registration in the screening queue in anyone's name. A registration from the
/// public waits until its contact phone signs in with a texted code (`confirm_contact`); until then officials do
/// not see it in the queue, cannot approve it, and it does not make a real organisation look like a duplicate.
#[tokio::test]
async fn a_public_registration_reaches_officials_only_after_its_contact_phone_is_confirmed() {
    let t = spawn().await;
    let (status, body) = t.json("POST", "/api/organisations", None, registration("Decoy Foods", "220-81-62517")).await;
    assert_eq!((status, body["status"].as_str()), (StatusCode::CREATED, Some("contact_unconfirmed")), "{body}");
    let decoy = body["id"].as_i64().unwrap();
    async fn queue(t: &TestApp) -> Vec<i64> {
        let (_, list) = t.json("GET", "/api/organisations?status=in_review", Some(&t.admin), Value::Null).await;
        list["organisations"].as_array().unwrap().iter().map(|o| o["id"].as_i64().unwrap()).collect()
    }
    assert_eq!(queue(&t).await, Vec::<i64>::new(), "not in the screening queue");
    let (status, body) = t.json("POST", "/api/organisations/bulk-approve", Some(&t.admin), json!({})).await;
    assert_eq!((status, body["ids"].clone()), (StatusCode::OK, json!([])), "{body}");
    let path = format!("/api/organisations/{decoy}/decision");
    let (status, body) = t.json("POST", &path, Some(&t.admin), json!({"action": "approve", "quota": 5})).await;
    assert_eq!((status, body["error"]["code"].as_str()), (StatusCode::CONFLICT, Some("transition_not_allowed")));

    // The real organisation, registered by staff with the same registry number, is not flagged as a duplicate
    // of a registration nobody confirmed.
    let (real, _) = t.register("Busan Fresh Foods", "220-81-62517").await;
    let (_, org) = t.json("GET", &format!("/api/organisations/{real}"), Some(&t.admin), Value::Null).await;
    assert_eq!(org["passed_all_rules"], true, "{org}");

    // Another phone signing in confirms nothing; the contact phone sends the decoy to officials.
    assert_eq!(surge_app::organisations::confirm_contact(&t.store, "+821099990000", NOW).await.unwrap(), 0);
    assert_eq!(surge_app::organisations::confirm_contact(&t.store, "+821012345678", NOW).await.unwrap(), 1);
    assert_eq!(queue(&t).await, vec![decoy, real]);
    assert_eq!(surge_app::organisations::confirm_contact(&t.store, "+821012345678", NOW).await.unwrap(), 0, "once");
}

/// Every endpoint against every kind of caller: allowed means neither 401 nor 403. Callers with sessions send
/// the CSRF header, so what is tested is the role.
#[tokio::test]
async fn every_endpoint_allows_exactly_the_roles_it_should() {
    let t = spawn().await;
    let (own, own_key) = t.register_with_phone("Busan Fresh Foods", "220-81-62517", "010-1111-2222").await;
    let (_, other_key) = t.register_with_phone("Seoul Logistics", "124-81-00998", "010-3333-4444").await;
    let who: Vec<(&str, Caller)> = vec![
        ("anonymous", Caller::Nobody),
        ("admin key", Caller::Key(t.admin.clone())),
        ("official key", Caller::Key(t.official.clone())),
        ("own organisation key", Caller::Key(own_key.clone())),
        ("other organisation key", Caller::Key(other_key.clone())),
        ("checkpoint key", Caller::Key(t.checkpoint.clone())),
        ("admin session", t.staff(Role::Admin, "root2").await),
        ("official session", t.staff(Role::Official, "desk").await),
        ("checkpoint session", t.staff(Role::Checkpoint, "gate").await),
        ("own organisation's citizen", t.citizen("+821011112222").await),
        ("applicant", t.citizen("+821055556666").await),
    ];
    let org = format!("/api/organisations/{own}");
    let yes = [true; 11];
    // Allowed for: anonymous, admin, official, own org, other org, checkpoint (keys); admin, official, checkpoint
    // (sessions); the own organisation's citizen; an applicant with no organisation.
    let staff_only = [false, true, true, false, false, false, true, true, false, false, false];
    let mut table: Vec<(&str, String, Value, [bool; 11])> = vec![
        ("GET", "/healthz".into(), Value::Null, yes),
        ("GET", "/livez".into(), Value::Null, yes),
        ("GET", "/api/trust-list".into(), Value::Null, yes),
        ("GET", "/api/openapi.json".into(), Value::Null, yes),
        ("POST", "/api/organisations".into(), registration("X Y Z", "1111111119"), yes),
        ("GET", "/api/organisations".into(), Value::Null, staff_only),
        ("GET", org.clone(), Value::Null, [false, true, true, true, false, false, true, true, false, true, false]),
        ("POST", format!("{org}/decision"), json!({"action": "ask", "question": "licence?"}), staff_only),
        (
            "POST",
            format!("{org}/decision"),
            json!({"action": "resubmit"}),
            [false, true, true, true, false, false, true, true, false, true, false],
        ),
        ("POST", "/api/organisations/bulk-approve".into(), json!({"zone": "KR-99"}), staff_only),
        (
            "POST",
            format!("{org}/employees"),
            Value::Null,
            [false, true, false, true, false, false, true, false, false, true, false],
        ),
        (
            "POST",
            "/api/api-keys".into(),
            json!({"role": "checkpoint"}),
            [false, true, false, false, false, false, true, false, false, false, false],
        ),
        (
            "POST",
            "/api/accounts".into(),
            json!({"role": "checkpoint", "username": "new-gate"}),
            [false, true, false, false, false, false, true, false, false, false, false],
        ),
    ];
    table.push((
        "POST",
        "/api/messages".into(),
        json!({"to": "010-1234-5678", "values": {"reference": "T1"}}),
        staff_only,
    ));
    table.push(("GET", "/api/messages".into(), Value::Null, staff_only));
    table.push(("GET", "/api/messages/999".into(), Value::Null, staff_only));
    // Revoking: admins only. The key id does not exist, so an allowed caller gets 404.
    table.push((
        "POST",
        "/api/api-keys/999/revoke".into(),
        Value::Null,
        [false, true, false, false, false, false, true, false, false, false, false],
    ));
    // The checkpoint and policy API, offline scans and lab results.
    let checkpoint_staff = [false, true, true, false, false, true, true, true, true, false, false];
    let admin_only = [false, true, false, false, false, false, true, false, false, false, false];
    let registration_body = json!({"specimen_id": "S1", "family": "Kim", "given": "Minji", "birth_date": "1980-01-01", "phone": "010-1234-5678"});
    table.extend([
        ("POST", "/api/v1/verify".into(), json!({"control_code": "00000-00000"}), checkpoint_staff),
        ("GET", "/api/v1/trust-list".into(), Value::Null, yes),
        ("GET", "/api/v1/revocations".into(), Value::Null, yes),
        ("GET", "/api/v1/status-list".into(), Value::Null, yes),
        ("POST", "/api/v1/passes/999/status".into(), json!({"action": "suspend", "reason": "lost"}), staff_only),
        ("POST", "/api/v1/checkpoints".into(), json!({"name": "", "zone": "KR-26", "lat": 0, "lon": 0}), admin_only),
        ("GET", "/api/v1/checkpoints".into(), Value::Null, checkpoint_staff),
        ("GET", "/api/v1/alerts".into(), Value::Null, staff_only),
        ("GET", "/api/v1/policy".into(), Value::Null, staff_only),
        ("POST", "/api/v1/policy".into(), json!({"rules": "none"}), admin_only),
        ("POST", "/api/v1/policy/try".into(), json!({"samples": []}), staff_only),
        ("POST", "/api/v1/scans".into(), json!({"scans": []}), checkpoint_staff),
        ("POST", "/api/v1/results/registrations".into(), registration_body, yes),
        ("POST", "/api/v1/results/hl7".into(), Value::Null, admin_only),
        ("GET", "/api/v1/results/queue".into(), Value::Null, admin_only),
        ("POST", "/api/v1/results/csv".into(), Value::Null, admin_only),
        ("POST", "/api/v1/fhir/Bundle".into(), json!({"resourceType": "Bundle"}), admin_only),
        ("POST", "/api/v1/results/999/action".into(), json!({"action": "called_reached"}), admin_only),
        // Patient monitoring: the centre's clinicians and admins (clinicians are checked below).
        ("POST", "/api/v1/monitoring/facilities".into(), json!({"name": ""}), admin_only),
        ("GET", "/api/v1/monitoring/facilities".into(), Value::Null, admin_only),
        ("POST", "/api/v1/monitoring/admissions".into(), json!({}), admin_only),
        ("POST", "/api/v1/monitoring/admissions/999/observations".into(), json!({"spo2": 95}), admin_only),
        (
            "POST",
            "/api/v1/monitoring/admissions/999/state".into(),
            json!({"state": "discharged", "reason": "x"}),
            admin_only,
        ),
        ("GET", "/api/v1/monitoring/board".into(), Value::Null, admin_only),
        // The situation lake: officials query it, everyone reads the dashboard.
        ("GET", "/api/v1/lake/sql?q=SELECT%201".into(), Value::Null, staff_only),
        ("GET", "/situation".into(), Value::Null, yes),
        ("GET", "/situation.csv".into(), Value::Null, yes),
    ]);
    // The own organisation exists, so 404 on its paths can only be a refusal: to another organisation's admin it
    // is not found, as a missing one is.
    let refused = |status: StatusCode, path: &str| {
        status == StatusCode::UNAUTHORIZED
            || status == StatusCode::FORBIDDEN
            || (status == StatusCode::NOT_FOUND && path.starts_with(&org))
    };
    for (method, path, body, allowed) in &table {
        for ((name, caller), expect) in who.iter().zip(allowed) {
            let (status, response) = t.json_as(method, path, caller, body.clone()).await;
            assert_eq!(!refused(status, path), *expect, "{method} {path} as {name}: {status} {response}");
        }
    }
    // Another organisation's admin cannot tell an organisation that exists from one that does not.
    let (theirs, theirs_body) = t.json("GET", &org, Some(&other_key), Value::Null).await;
    let (missing, missing_body) = t.json("GET", "/api/organisations/999999", Some(&other_key), Value::Null).await;
    assert_eq!((theirs, &theirs_body), (missing, &missing_body));
    assert_eq!(theirs, StatusCode::NOT_FOUND);
    // A lab's key sends results and does nothing else.
    let (status, lab) = t
        .json("POST", "/api/api-keys", Some(&t.admin), json!({"role": "lab", "label": "Busan lab", "lab": "FLH"}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{lab}");
    let lab_key = lab["api_key"].as_str().unwrap().to_owned();
    let (status, _) = t.json("POST", "/api/v1/fhir/Bundle", Some(&lab_key), json!({"resourceType": "Bundle"})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "allowed, and the empty bundle refused");
    for path in ["/api/v1/results/queue", "/api/organisations", "/api/v1/alerts"] {
        let (status, _) = t.json("GET", path, Some(&lab_key), Value::Null).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "GET {path} with a lab key");
    }
    // Clinicians see the results queue and nothing of the e-pass service's staff pages or API.
    let clinician = t.staff(Role::Clinician, "doctor").await;
    let (status, _) = t.json_as("GET", "/api/v1/results/queue", &clinician, Value::Null).await;
    assert_eq!(status, StatusCode::OK);
    for path in ["/api/organisations", "/api/v1/alerts", "/api/messages"] {
        let (status, _) = t.json_as("GET", path, &clinician, Value::Null).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "GET {path} as a clinician");
    }
    for path in ["/api/v1/monitoring/board", "/api/v1/monitoring/facilities"] {
        let (status, _) = t.json_as("GET", path, &clinician, Value::Null).await;
        assert_eq!(status, StatusCode::OK, "GET {path} as a clinician");
    }
    let (status, _) = t.json_as("POST", "/api/v1/monitoring/facilities", &clinician, json!({})).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "only admins add facilities");
    // Batches: the organisation's own admin and staff only.
    let (status, _) = t.json("POST", "/api/organisations/bulk-approve", Some(&t.admin), json!({})).await;
    assert_eq!(status, StatusCode::OK);
    let csv = employees_csv(&employees(0, 1));
    let (status, body, _) =
        t.call("POST", &format!("{org}/employees"), Some(&own_key), Some(Body::from(csv)), "text/csv").await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    let batch = body["progress"].as_str().unwrap().to_owned();
    let batch_page = batch.replace("/api", "");
    let batch_allowed = [false, true, true, true, false, false, true, true, false, true, false];
    for ((name, caller), expect) in who.iter().zip(batch_allowed) {
        let (status, response) = t.json_as("GET", &batch, caller, Value::Null).await;
        // The batch exists: 404 is a refusal here too.
        let denied = refused(status, &org) || status == StatusCode::NOT_FOUND;
        assert_eq!(!denied, expect, "GET {batch} as {name}: {status} {response}");
    }
    let (status, _) = t.json("GET", "/api/organisations", Some("surge_not_a_key"), Value::Null).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    // A revoked key stops working at once.
    let record = t.store.api_key(surge_app::ApiKey::hash_of(&other_key)).await.unwrap();
    let (status, _) = t.json("POST", &format!("/api/api-keys/{}/revoke", record.id), Some(&t.admin), Value::Null).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = t.json("GET", "/api/organisations", Some(&other_key), Value::Null).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "was 403 (wrong role), now unknown");

    // Pages: allowed answers 200; an anonymous visitor is sent to sign in; others are refused with 403. API keys
    // are not for pages, so only sessions are tried.
    let pages: Vec<(String, [bool; 5])> = vec![
        // Allowed for: admin, official, checkpoint (sessions); own organisation's citizen; applicant.
        ("/account".into(), [true, true, true, true, true]),
        ("/screening".into(), [true, true, false, false, false]),
        (format!("/organisations/{own}"), [true, true, false, true, false]),
        (format!("/organisations/{own}/upload"), [true, false, false, true, false]),
        (batch_page.clone(), [true, true, false, true, false]),
        ("/messages".into(), [true, true, false, false, false]),
        ("/live".into(), [true, true, false, false, false]),
        ("/checkpoint".into(), [true, true, true, false, false]),
        ("/policy".into(), [true, true, false, false, false]),
        ("/apply".into(), [false, false, false, true, true]),
        ("/passes".into(), [true, true, false, false, false]),
        (format!("/organisations/{own}/passes"), [true, true, false, true, false]),
        (format!("/organisations/{own}/revoke-all"), [true, true, false, true, false]),
        (format!("{batch_page}/revoke-all"), [true, true, false, true, false]),
        (format!("{batch_page}/passes.pdf"), [true, true, false, true, false]),
        (format!("/organisations/{own}/suspend"), [true, true, false, false, false]),
        ("/admin/staff".into(), [true, false, false, false, false]),
        ("/admin/staff/new".into(), [true, false, false, false, false]),
        ("/admin/api-keys".into(), [true, false, false, false, false]),
        ("/admin/api-keys/new".into(), [true, false, false, false, false]),
    ];
    let sessions: Vec<&(&str, Caller)> = who.iter().filter(|(_, c)| matches!(c, Caller::Session(_))).collect();
    for (path, allowed) in &pages {
        let (status, _, _) = t.call_as("GET", path, &Caller::Nobody, None, "text/html").await;
        assert_eq!(status, StatusCode::SEE_OTHER, "GET {path} anonymously goes to sign in");
        for ((name, caller), expect) in sessions.iter().map(|pair| (&pair.0, &pair.1)).zip(allowed) {
            let (status, _, html) = t.call_as("GET", path, caller, None, "text/html").await;
            let wanted = if *expect { StatusCode::OK } else { StatusCode::FORBIDDEN };
            assert_eq!(status, wanted, "GET {path} as {name}: {html}");
        }
    }
    // The keys page is the admin's alone (this service is given no key store, so the admin finds none).
    let (status, _, _) = t.call_as("GET", "/admin/keys", &Caller::Nobody, None, "text/html").await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    for ((name, caller), expect) in
        sessions.iter().map(|pair| (&pair.0, &pair.1)).zip([true, false, false, false, false])
    {
        let (status, _, _) = t.call_as("GET", "/admin/keys", caller, None, "text/html").await;
        let wanted = if expect { StatusCode::NOT_FOUND } else { StatusCode::FORBIDDEN };
        assert_eq!(status, wanted, "GET /admin/keys as {name}");
    }
}

/// Issue 22: servers keep API keys in memory. A key revoked on one server stops working there at once, and on
/// another as soon as that one reads the revocation feed (`surge serve` reads it every half second); a server that
/// has not read the feed keeps nothing and asks the database every time.
#[tokio::test]
async fn a_key_revoked_on_one_server_stops_working_on_another_when_it_reads_the_feed() {
    let t = spawn().await;
    let other = AppState { caches: Arc::new(surge_web::Caches::new()), ..t.state.clone() };
    let other_app = router(other.clone());
    let on = |app: &Router, key: &str| {
        let request = Request::builder()
            .uri("/api/v1/checkpoints")
            .header("authorization", format!("Bearer {key}"))
            .body(Body::empty())
            .unwrap();
        let app = app.clone();
        async move { app.oneshot(request).await.unwrap().status() }
    };
    let official = ApiKey::hash_of(&t.official);
    assert_eq!(on(&other_app, &t.official).await, StatusCode::OK);
    assert!(other.caches.key(&official).is_none(), "nothing is kept before the feed is read");
    other.caches.refresh_keys(&t.store).await.unwrap();
    assert_eq!(on(&other_app, &t.official).await, StatusCode::OK);
    let kept = other.caches.key(&official).expect("kept once the feed is current");
    assert_eq!(kept.role, Role::Official);

    let (status, _) = t.json("POST", &format!("/api/api-keys/{}/revoke", kept.id), Some(&t.admin), Value::Null).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(on(&t.app, &t.official).await, StatusCode::UNAUTHORIZED, "at once where it was revoked");
    other.caches.refresh_keys(&t.store).await.unwrap();
    assert!(other.caches.key(&official).is_none());
    assert_eq!(on(&other_app, &t.official).await, StatusCode::UNAUTHORIZED, "and on the other once it read the feed");

    // A key read from the database before a revocation the feed then brings is not kept: the revocation may be its.
    let checkpoint = ApiKey::hash_of(&t.checkpoint);
    let position = other.caches.key_feed_position();
    let read_before = t.store.api_key(checkpoint).await.unwrap();
    let audit = surge_domain::audit::AuditEntry {
        actor: "test".into(),
        action: "api_key.revoked".into(),
        subject: format!("api-key:{}", read_before.id),
        detail: String::new(),
    };
    t.store.revoke_api_key(read_before.id, &audit, NOW).await.unwrap();
    other.caches.refresh_keys(&t.store).await.unwrap();
    other.caches.remember_key(checkpoint, read_before, position);
    assert!(other.caches.key(&checkpoint).is_none(), "a key read before the feed moved is not kept");
    assert_eq!(on(&other_app, &t.checkpoint).await, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn the_last_admin_key_may_not_revoke_itself_while_no_admin_account_exists() {
    let t = spawn().await;
    assert_eq!(t.store.count_accounts(Role::Admin).await.unwrap(), 0, "the test starts with admin keys only");
    let own = t.store.api_key(surge_app::ApiKey::hash_of(&t.admin)).await.unwrap();
    let revoke = format!("/api/api-keys/{}/revoke", own.id);
    let (status, body) = t.json("POST", &revoke, Some(&t.admin), Value::Null).await;
    assert_eq!((status, body["error"]["code"].as_str()), (StatusCode::CONFLICT, Some("last_admin_key")), "{body}");
    let (status, _) = t.json("GET", "/api/organisations", Some(&t.admin), Value::Null).await;
    assert_eq!(status, StatusCode::OK, "the admin key still works");
    // With an admin account there is another way in: the key may go.
    t.staff(Role::Admin, "root2").await;
    let (status, _) = t.json("POST", &revoke, Some(&t.admin), Value::Null).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = t.json("GET", "/api/organisations", Some(&t.admin), Value::Null).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "revoked at once");
}

#[tokio::test]
async fn the_openapi_document_covers_every_route_and_every_route_is_served() {
    let t = spawn().await;
    let (status, spec, _) = t.call("GET", "/api/openapi.json", None, None, "application/json").await;
    assert_eq!(status, StatusCode::OK);
    let routes = surge_web::documented_routes();
    for (method, path) in &routes {
        assert!(spec["paths"][path][method].is_object(), "{method} {path} is not documented");
        let concrete = path.replace("{id}", "1");
        let (status, _, _) = t.call(&method.to_uppercase(), &concrete, Some(&t.admin), None, "application/json").await;
        assert!(status != StatusCode::NOT_FOUND || concrete.contains("/1"), "{method} {path} is not served");
        assert_ne!(status, StatusCode::METHOD_NOT_ALLOWED, "{method} {path} is not served");
    }
    let documented: usize = spec["paths"].as_object().unwrap().values().map(|ops| ops.as_object().unwrap().len()).sum();
    assert_eq!(documented, routes.len(), "the document lists routes the router does not serve");
}

#[tokio::test]
async fn an_official_sees_and_decides_only_within_their_zones_and_categories() {
    let t = spawn().await;
    let (busan, _) = t.register("Busan Fresh Foods", "220-81-62517").await;
    let mut seoul = registration("Seoul Logistics", "124-81-00998");
    seoul["zone"] = json!("KR-11");
    let (status, body) = t.json("POST", "/api/organisations", Some(&t.admin), seoul).await;
    assert_eq!(status, StatusCode::CREATED);
    let seoul = body["id"].as_i64().unwrap();

    let (status, body) = t
        .json(
            "POST",
            "/api/api-keys",
            Some(&t.admin),
            json!({"role": "official", "zones": ["kr-11"], "label": "Seoul desk"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let scoped = body["api_key"].as_str().unwrap().to_owned();
    let (status, _) =
        t.json("POST", "/api/api-keys", Some(&t.admin), json!({"role": "checkpoint", "zones": ["KR-11"]})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "only officials have a scope");

    let (_, list) = t.json("GET", "/api/organisations", Some(&scoped), Value::Null).await;
    let ids: Vec<i64> = list["organisations"].as_array().unwrap().iter().map(|o| o["id"].as_i64().unwrap()).collect();
    assert_eq!(ids, vec![seoul]);
    let (status, _) = t.json("GET", &format!("/api/organisations/{busan}"), Some(&scoped), Value::Null).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let approve = json!({"action": "approve", "quota": 10});
    let (status, _) =
        t.json("POST", &format!("/api/organisations/{busan}/decision"), Some(&scoped), approve.clone()).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = t.json("POST", "/api/organisations/bulk-approve", Some(&scoped), json!({"zone": "KR-26"})).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, body) = t.json("POST", "/api/organisations/bulk-approve", Some(&scoped), json!({})).await;
    assert_eq!((status, body["ids"].clone()), (StatusCode::OK, json!([seoul])), "only the organisation in scope");
    let (_, busan_now) = t.json("GET", &format!("/api/organisations/{busan}"), Some(&t.official), Value::Null).await;
    assert_eq!(busan_now["status"], "in_review");
    let (status, _) = t.json("POST", &format!("/api/organisations/{busan}/decision"), Some(&t.official), approve).await;
    assert_eq!(status, StatusCode::OK, "an official without a scope may decide anywhere");
    // Results carry no zone, so they are for clinicians and admins only: no official, scoped or not, sees them.
    for key in [&scoped, &t.official] {
        let (status, _) = t.json("GET", "/api/v1/results/queue", Some(key), Value::Null).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
    }
}

#[tokio::test]
async fn a_message_is_sent_once_per_idempotency_key_and_receipts_must_be_signed() {
    let t = spawn().await;
    let send = |key: &'static str, to: &'static str| {
        let t = &t;
        async move {
            let request = Request::builder()
                .method("POST")
                .uri("/api/messages")
                .header("content-type", "application/json")
                .header("authorization", format!("Bearer {}", t.official))
                .header("idempotency-key", key)
                .body(Body::from(json!({"to": to, "lang": "ko", "values": {"reference": "T-1"}}).to_string()))
                .unwrap();
            let response = t.app.clone().oneshot(request).await.unwrap();
            let status = response.status();
            let bytes = axum::body::to_bytes(response.into_body(), usize::MAX).await.unwrap();
            (status, serde_json::from_slice::<Value>(&bytes).unwrap())
        }
    };
    let (status, first) = send("retry-me", "010-1234-5678").await;
    assert_eq!((status, first["created"].as_bool()), (StatusCode::CREATED, Some(true)), "{first}");
    let (status, again) = send("retry-me", "010-1234-5678").await;
    assert_eq!(
        (status, again["id"].clone(), again["created"].as_bool()),
        (StatusCode::OK, first["id"].clone(), Some(false))
    );
    let (status, bad) = send("other", "12").await;
    assert_eq!((status, bad["error"]["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("phone_invalid")));
    let id = first["id"].as_i64().unwrap();
    let body = t.store.message(id).await.unwrap().body.unwrap();
    assert!(body.contains("시험 메시지 T-1"), "{body}");

    let (_, shown) = t.json("GET", &format!("/api/messages/{id}"), Some(&t.official), Value::Null).await;
    assert_eq!((shown["state"].as_str(), shown["recipient"].as_str()), (Some("created"), Some("+82…78")));
    assert!(shown.get("body").is_none(), "officials see no bodies");

    t.store.claim_messages(10, NOW).await.unwrap();
    let signature = surge_domain::notify::receipt_signature(b"receipt secret", id);
    let (status, _) = t
        .json("GET", &format!("/api/notify/kannel/receipt?id={id}&sig={}&type=1", "0".repeat(32)), None, Value::Null)
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "an unsigned receipt changes nothing");
    let (status, receipt) =
        t.json("GET", &format!("/api/notify/kannel/receipt?id={id}&sig={signature}&type=1"), None, Value::Null).await;
    assert_eq!((status, receipt["state"].as_str()), (StatusCode::OK, Some("delivered")));
    let (status, late) =
        t.json("GET", &format!("/api/notify/kannel/receipt?id={id}&sig={signature}&type=2"), None, Value::Null).await;
    assert_eq!((status, late["state"].clone()), (StatusCode::OK, Value::Null), "a late failure report is ignored");
    // Texts people send: STOP opts out (and the sender is told), START opts back in; the key must be right.
    let key = surge_web::inbound_key(b"receipt secret");
    let (status, _, reply) = t
        .call(
            "GET",
            &format!("/api/notify/kannel/inbound?key={key}&from=%2B821012345678&text=STOP"),
            None,
            None,
            "text/plain",
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(reply.contains("no more texts"), "{reply}");
    assert_eq!(t.store.opted_out(&["+821012345678".into()]).await.unwrap().len(), 1);
    let (_, _, reply) = t
        .call(
            "GET",
            &format!("/api/notify/kannel/inbound?key={key}&from=%2B821012345678&text=%EC%8B%9C%EC%9E%91"),
            None,
            None,
            "text/plain",
        )
        .await;
    assert!(reply.contains("다시 받습니다"), "{reply}");
    assert!(t.store.opted_out(&["+821012345678".into()]).await.unwrap().is_empty());
    let (status, _, _) = t
        .call("GET", "/api/notify/kannel/inbound?key=wrong&from=%2B821012345678&text=STOP", None, None, "text/plain")
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // RESULT <sample> <date of birth> registers the sender's phone for a lab result; a malformed one gets help.
    let inbound = |text: &'static str| {
        t.call(
            "GET",
            Box::leak(
                format!("/api/notify/kannel/inbound?key={key}&from=%2B821077776666&text={text}").into_boxed_str(),
            ),
            None,
            None,
            "text/plain",
        )
    };
    let (_, _, reply) = inbound("RESULT%20S-77%2019900102").await;
    assert!(reply.contains("registered for the result of sample S-77"), "{reply}");
    let found = surge_app::lab::LabStore::registrations_for(&t.store, &["S-77".into()], &[]).await.unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(
        (found[0].phone.as_deref(), found[0].birth_date),
        (Some("+821077776666"), time::macros::date!(1990 - 01 - 02))
    );
    let (_, _, reply) = inbound("RESULT%20S-77%20yesterday").await;
    assert!(reply.contains("send RESULT, your sample number and date of birth"), "{reply}");
    let (_, history) = t.json("GET", "/api/messages?state=delivered", Some(&t.admin), Value::Null).await;
    assert_eq!(history["messages"].as_array().unwrap().len(), 1);
    assert_eq!(history["counts"]["delivered"], 1);
}

#[tokio::test]
async fn webhook_delivery_reports_count_only_when_signed_with_the_shared_secret() {
    use hmac::Mac;
    let t = spawn().await;
    let message = surge_app::OutboxMessage {
        idempotency_key: "w".into(),
        kind: "test_message".into(),
        recipient: "+821012345678".into(),
        body: "x".into(),
    };
    let (id, _, _) = t.store.enqueue(&message, NOW).await.unwrap();
    t.store.claim_messages(1, NOW).await.unwrap();
    let report = |secret: &'static [u8], status: &'static str| {
        let t = &t;
        async move {
            let body = json!({"id": id, "status": status}).to_string();
            let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(secret).unwrap();
            mac.update(body.as_bytes());
            let hex: String = mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect();
            let request = Request::builder()
                .method("POST")
                .uri("/api/notify/webhook/receipt")
                .header("content-type", "application/json")
                .header("x-surge-signature", format!("sha256={hex}"))
                .body(Body::from(body))
                .unwrap();
            let response = t.app.clone().oneshot(request).await.unwrap();
            let status = response.status();
            let bytes = axum::body::to_bytes(response.into_body(), usize::MAX).await.unwrap();
            (status, serde_json::from_slice::<Value>(&bytes).unwrap_or(Value::Null))
        }
    };
    assert_eq!(report(b"not the secret", "delivered").await.0, StatusCode::FORBIDDEN);
    let (status, body) = report(b"webhook secret", "rejected").await;
    assert_eq!((status, body["state"].as_str()), (StatusCode::OK, Some("permanent-failure")));
    assert_eq!(t.store.message(id).await.unwrap().state, surge_domain::notify::MessageState::PermanentFailure);
}

#[tokio::test]
async fn checkpoints_verify_online_by_text_or_control_code_and_see_revocations_at_once() {
    let t = spawn().await;
    t.two_passes_issued().await;
    let pass = t.store.pass_by_status_index(0).await.unwrap();
    let verify = |body: Value| t.json("POST", "/api/v1/verify", Some(&t.checkpoint), body);

    let (status, by_text) = verify(json!({"text": pass.token, "zone": "KR-26"})).await;
    assert_eq!(status, StatusCode::OK, "{by_text}");
    assert_eq!((by_text["valid"].as_bool(), by_text["live_status"]["status"].as_str()), (Some(true), Some("valid")));
    assert_eq!(by_text["pass"]["holder"], "Employee 0");
    let typed = format!("{}-{}", &pass.control_code[..5], &pass.control_code[5..]).to_lowercase();
    let (status, by_code) = verify(json!({"control_code": typed})).await;
    assert_eq!((status, by_code["valid"].as_bool()), (StatusCode::OK, Some(true)), "{by_code}");
    assert_eq!(by_code["pass"]["status_index"], 0);

    // Bad input is a 4xx with a reason, or a negative verdict; never a 5xx.
    let mut mistyped = pass.control_code.clone().into_bytes();
    mistyped[3] = if mistyped[3] == b'A' { b'B' } else { b'A' };
    let (status, body) = verify(json!({"control_code": String::from_utf8(mistyped).unwrap()})).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("control_code_invalid"))
    );
    let (status, body) = verify(json!({"text": "EP1:%%%"})).await;
    assert_eq!((status, body["valid"].as_bool()), (StatusCode::OK, Some(false)));
    assert_eq!(body["checks"][0]["code"], "bad_base45", "{body}");
    // An HC1 certificate is checked against the configured signer certificates: this official vector's
    // signature holds, and by the test's clock (2026) it has expired.
    let (hc1, _) = dcc_case();
    let (status, body) = verify(json!({"text": hc1})).await;
    assert_eq!((status, body["valid"].as_bool()), (StatusCode::OK, Some(false)), "{body}");
    assert_eq!(body["dcc"]["payload"]["nam"]["gn"], "Gabriele", "{body}");
    let failed: Vec<&str> = body["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["result"] == "fail")
        .filter_map(|c| c["code"].as_str())
        .collect();
    // The first of two doses: the business rules refuse it too, naming the rule.
    assert_eq!(failed, ["expired", "rule_failed"], "{body}");
    let (status, body) = verify(json!({"text": "HC1:6BF"})).await;
    assert_eq!((status, body["valid"].as_bool()), (StatusCode::OK, Some(false)), "{body}");
    let (status, body) = verify(json!({})).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("text_or_control_code"))
    );
    let (status, _) = verify(json!({"text": "x".repeat(5000)})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

    // Revocation: the next online check sees it, the feed lists it, the holder is told.
    let (status, body) = t
        .json(
            "POST",
            "/api/v1/passes/0/status",
            Some(&t.official),
            json!({"action": "revoke", "reason": "reported stolen", "lang": "en"}),
        )
        .await;
    assert_eq!((status, body["status"].as_str()), (StatusCode::OK, Some("revoked")), "{body}");
    let (_, after) = verify(json!({"text": pass.token})).await;
    assert_eq!((after["valid"].as_bool(), after["live_status"]["status"].as_str()), (Some(false), Some("revoked")));
    assert_eq!(after["live_status"]["reason"], "reported stolen");
    // The signed status list says so too, for verifiers offline.
    let response = t
        .app
        .clone()
        .oneshot(Request::builder().uri("/api/v1/status-list").body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX).await.unwrap();
    let trust = surge_pass::TrustList::from_signed(&t.trust_list, None).unwrap();
    let mut snapshot = surge_pass::StatusSnapshot::new();
    snapshot.apply(&surge_pass::StatusListFile::from_bytes(&bytes).unwrap(), &trust).unwrap();
    let offline = surge_pass::Verifier::new(&trust).with_status(&snapshot).verify(&pass.token, NOW, None);
    assert_eq!(offline.first_failure(), Some(surge_pass::Reason::Revoked));
    let other = t.store.pass_by_status_index(1).await.unwrap();
    assert!(surge_pass::Verifier::new(&trust).with_status(&snapshot).verify(&other.token, NOW, None).is_valid());
    let (_, feed) = t.json("GET", "/api/v1/revocations?since=0", None, Value::Null).await;
    assert_eq!(feed["changes"][0]["status_index"], 0);
    assert_eq!(feed["changes"][0]["value"], 1, "1 is invalid in the Token Status List");
    let (_, later) =
        t.json("GET", &format!("/api/v1/revocations?since={}", feed["next_since"]), None, Value::Null).await;
    assert!(later["changes"].as_array().unwrap().is_empty());
    let (status, body) = t
        .json("POST", "/api/v1/passes/0/status", Some(&t.official), json!({"action": "reinstate", "reason": "found"}))
        .await;
    assert_eq!((status, body["error"]["code"].as_str()), (StatusCode::CONFLICT, Some("conflict")), "revoked is final");
    let (status, _) =
        t.json("POST", "/api/v1/passes/1/status", Some(&t.official), json!({"action": "suspend", "reason": " "})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "a reason is required");
    let (status, body) = t
        .json(
            "POST",
            "/api/v1/passes/1/status",
            Some(&t.official),
            json!({"action": "suspend", "reason": "lost\u{7} phone"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "a control character would reach the holder's SMS");
    assert_eq!(body["error"]["details"][0]["field"], "reason");
    // Scans at registered checkpoints are logged; the same pass 325 km away a minute later raises an alert.
    let mut checkpoint_ids = Vec::new();
    for (name, lat, lon) in [("Busan station", 35.1151, 129.0415), ("Seoul station", 37.5547, 126.9707)] {
        let (status, body) = t
            .json(
                "POST",
                "/api/v1/checkpoints",
                Some(&t.admin),
                json!({"name": name, "zone": "KR-26", "lat": lat, "lon": lon}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        checkpoint_ids.push(body["id"].as_i64().unwrap());
    }
    let (status, body) = t
        .json(
            "POST",
            "/api/v1/checkpoints",
            Some(&t.admin),
            json!({"name": "", "zone": "KR-26", "lat": 95.0, "lon": 0.0}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["error"]["details"].as_array().unwrap().len(), 2, "name and latitude: {body}");
    let second = t.store.pass_by_status_index(1).await.unwrap();
    let (_, at_busan) = verify(json!({"text": second.token, "checkpoint_id": checkpoint_ids[0]})).await;
    assert_eq!((at_busan["valid"].as_bool(), at_busan["alert"].as_bool()), (Some(true), Some(false)));
    let (_, at_seoul) = verify(json!({"text": second.token, "checkpoint_id": checkpoint_ids[1]})).await;
    assert_eq!(at_seoul["alert"].as_bool(), Some(true), "Busan to Seoul in no time: {at_seoul}");
    let (_, alerts) = t.json("GET", "/api/v1/alerts", Some(&t.official), Value::Null).await;
    assert_eq!(alerts["alerts"][0]["kind"], "possible_cloned_pass");
    assert_eq!(alerts["alerts"][0]["status_index"], 1);
    // A check at a checkpoint is for the checkpoint's zone, whatever zone the client names; an unknown checkpoint
    // is the caller's mistake, answered with its code and never a 500.
    let (status, body) = t
        .json(
            "POST",
            "/api/v1/checkpoints",
            Some(&t.admin),
            json!({"name": "Gwanghwamun", "zone": "KR-11", "lat": 37.5759, "lon": 126.9768}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let in_seoul = body["id"].as_i64().unwrap();
    let (status, at_kr11) = verify(json!({"text": second.token, "checkpoint_id": in_seoul, "zone": "KR-26"})).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(at_kr11["valid"], false, "a KR-26 pass at a KR-11 checkpoint: {at_kr11}");
    assert!(at_kr11["checks"].as_array().unwrap().iter().any(|c| c["code"] == "wrong_zone"), "{at_kr11}");
    let (status, unknown) = verify(json!({"text": second.token, "checkpoint_id": 999_999})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{unknown}");
    assert_eq!(unknown["error"]["code"], "checkpoint_unknown");
    assert_eq!(unknown["error"]["details"][0]["field"], "checkpoint_id");

    // Officers without data text VERIFY and the control code.
    let key = surge_web::inbound_key(b"receipt secret");
    let sms_verify = |code: String| {
        let t = &t;
        let key = key.clone();
        async move {
            let path = format!("/api/notify/kannel/inbound?key={key}&from=%2B821099998888&text=VERIFY%20{code}");
            t.call("GET", &path, None, None, "text/plain").await.2
        }
    };
    // Issue 20 #11: the answer names the holder, so a phone no officer's account carries gets a neutral reply.
    let other = t.store.pass_by_status_index(1).await.unwrap();
    let stranger = sms_verify(other.control_code.clone()).await;
    assert!(stranger.starts_with("Surge: this phone cannot check passes by text"), "{stranger}");
    assert!(!stranger.contains("Employee 1") && !stranger.contains("VALID"), "{stranger}");
    let (status, body) = t
        .json(
            "POST",
            "/api/accounts",
            Some(&t.admin),
            json!({"username": "gate-sms", "role": "checkpoint", "personal_phone": "010-9999-8888"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert!(sms_verify(pass.control_code.clone()).await.starts_with("NOT VALID (revoked)"));
    let reply = sms_verify(other.control_code.clone()).await;
    assert!(reply.starts_with("VALID: Employee 1, zones KR-26, until 2026-03-07"), "{reply}");
    assert!(sms_verify("ABCDE".into()).await.contains("control_code_invalid"));
    let messages = t.store.outbox_messages(0, 100).await.unwrap();
    let told = messages.iter().find(|(_, m)| m.kind == "pass_revoked").unwrap();
    assert!(told.1.body.contains("reported stolen") && told.1.recipient == pass.phone, "{:?}", told.1);
}

#[tokio::test]
async fn policy_rules_are_data_an_admin_replaces_and_anyone_on_staff_can_try() {
    let t = spawn().await;
    let (_, current) = t.json("GET", "/api/v1/policy", Some(&t.official), Value::Null).await;
    assert_eq!(current["version"], 0, "the built-in default");
    let sample = json!({"application": {"purpose": "funeral", "from_zone": "KR-26", "to_zone": "KR-11", "days": 2},
                        "applicant": {"applications_this_week": 0}});
    let (status, tried) = t.json("POST", "/api/v1/policy/try", Some(&t.official), json!({"samples": [sample]})).await;
    assert_eq!(status, StatusCode::OK, "{tried}");
    assert_eq!(
        (tried["results"][0]["outcome"].as_str(), tried["results"][0]["rule"].as_str()),
        (Some("approve"), Some("funeral-short"))
    );

    // A stricter policy, tried before it goes live, then stored as version 1.
    let strict = json!({"rules": [
        {"id": "funerals-reviewed", "outcome": "review", "when": {"===": [{"var": "application.purpose"}, "funeral"]},
         "reason": {"en": "An official checks funerals", "ko": "장례는 담당자가 확인합니다"}}
    ]});
    let (_, tried) =
        t.json("POST", "/api/v1/policy/try", Some(&t.admin), json!({"policy": strict, "samples": [sample]})).await;
    assert_eq!(tried["results"][0]["outcome"], "review");
    let broken = json!({"rules": [{"id": "x", "outcome": "maybe", "when": {"nope": []}, "reason": {"en": "e"}}]});
    let (status, body) = t.json("POST", "/api/v1/policy", Some(&t.admin), broken).await;
    assert_eq!((status, body["error"]["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("policy_invalid")));
    assert_eq!(body["error"]["details"].as_array().unwrap().len(), 3, "outcome, when and reason: {body}");
    let (status, body) = t.json("POST", "/api/v1/policy", Some(&t.admin), strict).await;
    assert_eq!((status, body["version"].as_i64()), (StatusCode::CREATED, Some(1)));
    let (_, current) = t.json("GET", "/api/v1/policy", Some(&t.official), Value::Null).await;
    assert_eq!(current["version"], 1);
    let (_, tried) = t.json("POST", "/api/v1/policy/try", Some(&t.official), json!({"samples": [sample]})).await;
    assert_eq!(tried["results"][0]["rule"], "funerals-reviewed", "the version in force is used");
    let audit = t.store.audit_entries(0, 10).await.unwrap();
    assert!(audit.iter().any(|a| a.entry.action == "policy.replaced"));
}

/// The Austrian vaccination certificate from the official EU DCC test vectors, and its signer certificate.
fn dcc_case() -> (String, surge_pass::dcc::SignerCertificate) {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../surge-pass/tests/data/dcc/official/AT/2DCode/raw/1.json");
    let case: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let b64 = case["TESTCTX"]["CERTIFICATE"].as_str().unwrap();
    let lines: Vec<&str> = (0..b64.len()).step_by(64).map(|i| &b64[i..(i + 64).min(b64.len())]).collect();
    let pem = format!("-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----\n", lines.join("\n"));
    let mut signers = surge_pass::dcc::SignerCertificate::from_pem_bundle(&pem).unwrap();
    (case["PREFIX"].as_str().unwrap().to_owned(), signers.remove(0))
}

/// Issue 20 #2: a lab's key is bound to its lab. It may not be made without one, and a message naming another lab
/// (MSH-4, the CSV's `lab`, the Bundle's organisation) is refused and not kept, so that it cannot take the real
/// lab's control id or correct its results.
#[tokio::test]
async fn a_lab_key_sends_only_its_own_labs_results() {
    use surge_app::LabStore;
    const NEGATIVE: &str = include_str!("../../surge-results/tests/data/01_reportstream_pcr_94500-6_negative_v2.3.hl7");
    let t = spawn().await;
    let (status, body) = t.json("POST", "/api/api-keys", Some(&t.admin), json!({"role": "lab"})).await;
    assert_eq!(
        (status, body["error"]["code"].as_str(), body["error"]["details"][0]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("key_request_invalid"), Some("lab"))
    );
    let (status, body) =
        t.json("POST", "/api/api-keys", Some(&t.admin), json!({"role": "official", "lab": "FLH"})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let mut keys = Vec::new();
    for lab in ["SEOUL-LAB", "FLH"] {
        let (status, body) = t.json("POST", "/api/api-keys", Some(&t.admin), json!({"role": "lab", "lab": lab})).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        keys.push(body["api_key"].as_str().unwrap().to_owned());
    }
    let (seoul, flh) = (keys[0].clone(), keys[1].clone());

    // Seoul's key sends a message whose MSH-4 is FLH: rejected (AR), nothing kept.
    let (status, body, _) =
        t.call("POST", "/api/v1/results/hl7", Some(&seoul), Some(Body::from(NEGATIVE)), "text/plain").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let answer = &body["messages"][0];
    assert_eq!(answer["ack_code"], "AR", "{body}");
    assert!(answer["ack"].as_str().unwrap().contains("SEOUL-LAB"), "the ACK says why: {body}");
    assert!(t.store.lab_message_ack("FLH", "04903212").await.unwrap().is_none(), "nothing was kept");
    // The real lab's message with the same control id is then taken as new.
    let (status, body, _) =
        t.call("POST", "/api/v1/results/hl7", Some(&flh), Some(Body::from(NEGATIVE)), "text/plain").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        (body["messages"][0]["ack_code"].as_str(), body["messages"][0]["duplicate"].as_bool()),
        (Some("AA"), Some(false))
    );
    assert_eq!(body["messages"][0]["queued"].as_u64().unwrap() + body["messages"][0]["texted"].as_u64().unwrap(), 1);
    // Sent again: a duplicate, and it says nothing new was texted or queued.
    let (_, body, _) =
        t.call("POST", "/api/v1/results/hl7", Some(&flh), Some(Body::from(NEGATIVE)), "text/plain").await;
    assert_eq!(
        (
            body["messages"][0]["duplicate"].as_bool(),
            body["messages"][0]["texted"].as_u64(),
            body["messages"][0]["queued"].as_u64()
        ),
        (Some(true), Some(0), Some(0))
    );

    // A CSV row naming another lab is refused by line and column.
    let csv = "lab,filler_order,specimen_id,test_code,result,status,family,given,birth_date,collected_at\n\
        SEOUL-LAB,S-1,S-1,94500-6,260415000,F,Kim,Minji,1990-01-02,2026-03-01\n\
        FLH,S-2,S-2,94500-6,260415000,F,Lee,Jun,1990-01-02,2026-03-01\n";
    let (status, body, _) =
        t.call("POST", "/api/v1/results/csv", Some(&seoul), Some(Body::from(csv)), "text/csv").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["details"][0]["line"], 3, "{body}");
    assert_eq!(body["error"]["details"][0]["column"], "lab", "{body}");
}

/// Issue 20 #17: ten wrong passwords for a username from any address locked its real owner out. Guessing from one
/// address holds that address; guessing from many is held by a slower limit on the username that does not hold an
/// address the owner signs in from.
#[tokio::test]
async fn password_guessing_holds_the_guesser_and_not_the_owner_at_a_known_address() {
    use surge_app::AppError;
    use surge_app::access::{AccessPolicy, create_staff_account, sign_in_with_password};
    let t = spawn().await;
    let policy = AccessPolicy::default();
    let mut rng = rand_core::OsRng;
    let (_, password) =
        create_staff_account(&t.store, "test", Role::Admin, "chief", KeyScope::default(), None, NOW, &mut rng)
            .await
            .unwrap();
    let try_from = |address: &'static str, secret: String| {
        let (store, policy) = (&t.store, &policy);
        async move { sign_in_with_password(store, policy, "chief", &secret, address, NOW, &mut rand_core::OsRng).await }
    };
    // The owner signs in from the office.
    assert!(try_from("10.0.0.1", password.clone()).await.is_ok());
    // A guesser at one address: ten tries, then held there.
    for _ in 0..10 {
        assert!(matches!(try_from("192.0.2.1", "wrong".into()).await, Err(AppError::SignInFailed)));
    }
    assert!(matches!(try_from("192.0.2.1", password.clone()).await, Err(AppError::RateLimited { .. })));
    // The owner is not held at another address.
    assert!(try_from("10.0.0.1", password.clone()).await.is_ok(), "the owner is not locked out");
    // Guessing from twenty more addresses reaches the username's slower limit ...
    const OTHERS: [&str; 20] = [
        "198.51.100.1",
        "198.51.100.2",
        "198.51.100.3",
        "198.51.100.4",
        "198.51.100.5",
        "198.51.100.6",
        "198.51.100.7",
        "198.51.100.8",
        "198.51.100.9",
        "198.51.100.10",
        "198.51.100.11",
        "198.51.100.12",
        "198.51.100.13",
        "198.51.100.14",
        "198.51.100.15",
        "198.51.100.16",
        "198.51.100.17",
        "198.51.100.18",
        "198.51.100.19",
        "198.51.100.20",
    ];
    for address in OTHERS {
        assert!(matches!(try_from(address, "wrong".into()).await, Err(AppError::SignInFailed)));
    }
    match try_from("203.0.113.9", password.clone()).await {
        Err(AppError::RateLimited { retry_after_seconds }) => assert_eq!(retry_after_seconds, 3600),
        other => panic!("an unknown address is held once the username was guessed 30 times: {other:?}"),
    }
    // ... which still does not hold the owner at the office.
    assert!(try_from("10.0.0.1", password).await.is_ok(), "the owner is not locked out");
}

/// Issue 20 #15 and #19: an official limited to healthcare suspended a food-supply pass, a scoped official read
/// every zone's messages, and officials could text anything (a link) to anyone.
#[tokio::test]
async fn scope_holds_on_passes_and_messages_and_staff_texts_carry_no_links() {
    use surge_app::AuditLog;
    let t = spawn().await;
    t.two_passes_issued().await;
    let key_for = |categories: Value| {
        let t = &t;
        async move {
            let request = json!({"role": "official", "zones": ["KR-26"], "categories": categories});
            let (status, body) = t.json("POST", "/api/api-keys", Some(&t.admin), request).await;
            assert_eq!(status, StatusCode::CREATED, "{body}");
            body["api_key"].as_str().unwrap().to_owned()
        }
    };
    let health = key_for(json!(["healthcare"])).await;
    let food = key_for(json!(["food-supply"])).await;

    let suspend = json!({"action": "suspend", "reason": "checking", "lang": "en"});
    let (status, _) = t.json("POST", "/api/v1/passes/0/status", Some(&health), suspend.clone()).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "a food-supply pass is outside a healthcare official's scope");
    assert_eq!(t.store.pass_by_status_index(0).await.unwrap().status, surge_app::PassStatus::Valid);
    let (status, body) = t.json("POST", "/api/v1/passes/0/status", Some(&food), suspend).await;
    assert_eq!(status, StatusCode::OK, "{body}");

    // Messages are not kept by zone: a scoped official sees the counts only.
    let (status, page) = t.json("GET", "/api/messages", Some(&food), Value::Null).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!((page["withheld"].as_bool(), page["messages"].as_array().map(Vec::len)), (Some(true), Some(0)));
    assert!(page["counts"]["created"].as_u64().unwrap() >= 2, "{page}");
    let (status, _) = t.json("GET", "/api/messages/1", Some(&food), Value::Null).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (_, page) = t.json("GET", "/api/messages", Some(&t.official), Value::Null).await;
    assert_eq!(page["withheld"], false);

    let holder = t.store.pass_by_status_index(1).await.unwrap().phone;
    let send = |key: &str, idempotency: &'static str, body: Value| {
        let t = &t;
        let auth = format!("Bearer {key}");
        async move {
            let request = Request::builder()
                .method("POST")
                .uri("/api/messages")
                .header("content-type", "application/json")
                .header("authorization", auth)
                .header("idempotency-key", idempotency)
                .body(Body::from(body.to_string()))
                .unwrap();
            let response = t.app.clone().oneshot(request).await.unwrap();
            let status = response.status();
            let bytes = axum::body::to_bytes(response.into_body(), usize::MAX).await.unwrap();
            (status, serde_json::from_slice::<Value>(&bytes).unwrap())
        }
    };
    let code = |body: &Value| body["error"]["code"].as_str().map(str::to_owned);
    let (status, body) = send(
        &food,
        "m1",
        json!({"to": holder, "kind": "pass_suspended", "values": {"control_code": "X", "reason": "call us"}}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "a holder of a pass in scope: {body}");
    let (status, body) = send(&food, "m2", json!({"to": "010-5555-1212", "values": {"reference": "T"}})).await;
    assert_eq!((status, code(&body).as_deref()), (StatusCode::UNPROCESSABLE_ENTITY, Some("recipient_out_of_scope")));
    let (status, body) = send(&health, "m3", json!({"to": holder, "values": {"reference": "T"}})).await;
    assert_eq!((status, code(&body).as_deref()), (StatusCode::UNPROCESSABLE_ENTITY, Some("recipient_out_of_scope")));
    for (key, values) in [
        ("m4", json!({"reference": "visit http://pay.example/now"})),
        ("m5", json!({"reference": "go to bit.ly/abc"})),
        ("m6", json!({"reference": "www.example.org"})),
        ("m7", json!({"reference": "x".repeat(201)})),
        ("m8", json!({"reference": "line\nbreak"})),
    ] {
        let (status, body) = send(&t.official, key, json!({"to": holder, "values": values})).await;
        assert_eq!(
            (status, code(&body).as_deref()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("value_invalid")),
            "{values}"
        );
    }
    let (status, body) =
        send(&t.official, "m9", json!({"to": holder, "kind": "pass_issued", "values": {"link": "x"}})).await;
    assert_eq!((status, code(&body).as_deref()), (StatusCode::UNPROCESSABLE_ENTITY, Some("template_not_allowed")));
    let (status, _) =
        send(&t.official, "m10", json!({"to": "010-5555-1212", "values": {"reference": "Dr. Kim, 3.5 km"}})).await;
    assert_eq!(status, StatusCode::CREATED, "an unlimited official may text anyone; words with dots are no links");
    let entries = t.store.audit_entries(0, 1000).await.unwrap();
    let sent = entries.iter().filter(|e| e.entry.action == "message.sent").count();
    assert_eq!(sent, 2, "each message staff sent is in the audit log");
}

/// Counts of what an ingest path could store: none may change on hostile input.
async fn stored(store: &SqliteStore) -> Vec<(&'static str, i64)> {
    let mut counts = Vec::new();
    for table in ["organisations", "batches", "batch_rows", "passes", "lab_results", "result_registrations", "scans"] {
        let n: i64 =
            sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}")).fetch_one(&store.reader).await.unwrap();
        counts.push((table, n));
    }
    counts
}

/// Issue 20: the hostile corpus (`tests/hostile/cases.tsv`) through every ingest path. Each request gets its
/// status and its error code in the one JSON shape, and nothing is stored.
#[tokio::test]
async fn hostile_input_is_refused_with_its_code_and_nothing_is_stored() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/hostile");
    let t = spawn().await;
    let (org, org_key) = t.register("Busan Fresh Foods", "220-81-62517").await;
    let (status, _) = t.json("POST", "/api/organisations/bulk-approve", Some(&t.admin), json!({})).await;
    assert_eq!(status, StatusCode::OK);
    let cases = std::fs::read_to_string(dir.join("cases.tsv")).unwrap();
    let mut tried = 0;
    for line in cases.lines().filter(|l| !l.starts_with('#') && !l.trim().is_empty()) {
        let f: Vec<&str> = line.split('\t').collect();
        let [method, path, caller, content_type, body, status, code] = f[..] else { panic!("bad case line: {line}") };
        let path = path.replace("{org}", &org.to_string());
        let body: Vec<u8> = match body.split(':').collect::<Vec<_>>()[..] {
            ["file", name] => std::fs::read(dir.join(name)).unwrap(),
            ["gen", "deep", n] => {
                let n: usize = n.parse().unwrap();
                format!("{}{}", "[".repeat(n), "]".repeat(n)).into_bytes()
            }
            ["gen", "huge", n] => vec![b'x'; n.parse().unwrap()],
            ["gen", "long_name", n] => {
                let mut registration = registration("x", "220-81-62517");
                registration["legal_name"] = json!("가".repeat(n.parse().unwrap()));
                registration.to_string().into_bytes()
            }
            _ => panic!("unknown body {body}"),
        };
        let key = match caller {
            "none" => None,
            "admin" => Some(t.admin.as_str()),
            "org" => Some(org_key.as_str()),
            other => panic!("unknown caller {other}"),
        };
        let before = stored(&t.store).await;
        let (got, answer, text) = t.call(method, &path, key, Some(Body::from(body)), content_type).await;
        let what = format!("{method} {path} with {line}: {got} {}", text.chars().take(400).collect::<String>());
        assert_eq!(got.as_u16().to_string(), status, "{what}");
        match code.split_once(':') {
            Some(("outcome", issue)) => assert_eq!(answer["issue"][0]["code"], issue, "{what}"),
            Some(("verdict", valid)) => assert_eq!(answer["valid"].to_string(), valid, "{what}"),
            Some(("ack", ack)) => assert_eq!(answer["messages"][0]["ack_code"], ack, "{what}"),
            _ => assert_eq!(answer["error"]["code"], code, "{what}"),
        }
        assert_eq!(stored(&t.store).await, before, "nothing is stored: {what}");
        tried += 1;
    }
    assert!(tried >= 25, "the corpus was read: {tried} cases");
}

/// Passes issued, verified, shown and texted around local midnight: validity days are the authority's days, in
/// Seoul and across both of Berlin's daylight-saving changes, and pages show local times.
#[tokio::test]
async fn validity_days_are_local_days_around_midnight_and_across_daylight_saving_changes() {
    use time::macros::datetime;
    struct Case {
        zone: &'static str,
        /// Just after local midnight of `day`.
        issued: time::OffsetDateTime,
        day: &'static str,
        /// The day's first and last second, and the first second after it.
        first: time::OffsetDateTime,
        last: time::OffsetDateTime,
        after: time::OffsetDateTime,
        shown: &'static str,
    }
    let cases = [
        Case {
            zone: "Asia/Seoul",
            issued: datetime!(2026-12-06 00:00:30 +09:00),
            day: "2026-12-06",
            first: datetime!(2026-12-05 15:00 UTC),
            last: datetime!(2026-12-06 14:59:59 UTC),
            after: datetime!(2026-12-06 15:00 UTC),
            shown: "2026-12-06 00:00 KST",
        },
        // Clocks go forward at 02:00: a 23-hour day.
        Case {
            zone: "Europe/Berlin",
            issued: datetime!(2026-03-29 00:00:30 +01:00),
            day: "2026-03-29",
            first: datetime!(2026-03-28 23:00 UTC),
            last: datetime!(2026-03-29 21:59:59 UTC),
            after: datetime!(2026-03-29 22:00 UTC),
            shown: "2026-03-29 00:00 CET",
        },
        // Clocks go back at 03:00: a 25-hour day.
        Case {
            zone: "Europe/Berlin",
            issued: datetime!(2026-10-25 00:00:30 +02:00),
            day: "2026-10-25",
            first: datetime!(2026-10-24 22:00 UTC),
            last: datetime!(2026-10-25 22:59:59 UTC),
            after: datetime!(2026-10-25 23:00 UTC),
            shown: "2026-10-25 00:00 CEST",
        },
    ];
    for case in cases {
        let zone = surge_domain::LocalZone::named(case.zone).unwrap();
        let t = spawn_at(zone, case.issued).await;
        let at = |when: time::OffsetDateTime| t.clock.store(when.unix_timestamp(), Ordering::Relaxed);
        let (org, org_key) = t.register("Busan Fresh Foods", "220-81-62517").await;
        t.json("POST", "/api/organisations/bulk-approve", Some(&t.official), json!({})).await;
        let header = "name,phone,id_last4,zones,valid_from,valid_to,vehicle_plate\n";
        let path = format!("/api/organisations/{org}/employees");
        // Just after local midnight, yesterday is past, though it is still that date in UTC.
        let yesterday = (zone.date_of(case.issued) - time::Duration::days(1)).to_string();
        let stale = format!("{header}Kim,010-2000-0001,0001,KR-26,{yesterday},{yesterday},\n");
        let (status, body, _) = t.call("POST", &path, Some(&org_key), Some(Body::from(stale)), "text/csv").await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{}: {body}", case.zone);
        assert_eq!(body["error"]["details"][0]["reason"], "is in the past", "{}", case.zone);
        let csv = format!("{header}Kim,010-2000-0001,0001,KR-26,{day},{day},\n", day = case.day);
        let (status, body, _) = t.call("POST", &path, Some(&org_key), Some(Body::from(csv)), "text/csv").await;
        assert_eq!(status, StatusCode::ACCEPTED, "{}: {body}", case.zone);
        let mut worker = worker(zone, 3);
        assert_eq!(worker.run_once(&t.store, case.issued).await.unwrap().issued, 1);
        let pass = t.store.pass_by_status_index(0).await.unwrap();
        assert_eq!((pass.not_before, pass.expires), (case.first, case.after), "{}", case.zone);

        // The text names the local last day.
        let texts = t.store.outbox_messages(0, 10).await.unwrap();
        let text = &texts.iter().find(|(_, m)| m.kind == "pass_issued").unwrap().1.body;
        assert!(text.ends_with(&format!("Valid until {}.", case.day)), "{}: {text}", case.zone);

        // Checkpoints: valid from the day's first second to its last; outside it once past the five minutes a
        // checkpoint's clock may be off.
        let skew = time::Duration::seconds(300);
        for (when, valid, code) in [
            (case.first - skew - time::Duration::seconds(1), false, Some("not_yet_valid")),
            (case.first, true, None),
            (case.last, true, None),
            (case.after + skew, false, Some("expired")),
        ] {
            at(when);
            let (_, verdict) = t.json("POST", "/api/v1/verify", Some(&t.checkpoint), json!({"text": pass.token})).await;
            assert_eq!(verdict["valid"].as_bool(), Some(valid), "{} at {when}: {verdict}", case.zone);
            let failed = verdict["checks"].as_array().unwrap().iter().find(|c| c["result"] == "fail");
            assert_eq!(failed.and_then(|c| c["code"].as_str()), code, "{} at {when}", case.zone);
            if valid {
                // The API keeps RFC 3339 with its offset.
                let expires = verdict["pass"]["expires"].as_str().unwrap();
                let parsed = time::OffsetDateTime::parse(expires, &time::format_description::well_known::Rfc3339);
                assert_eq!(parsed.ok(), Some(case.after), "{verdict}");
            }
        }

        // The holder's page says the local days; the official's message list, the local time.
        at(case.first);
        let link = text.split_whitespace().find(|w| w.starts_with("http://")).unwrap();
        let (_, _, page) = t.call("GET", link.trim_start_matches("http://localhost"), None, None, "").await;
        assert!(page.contains(&format!("<dd>{}</dd>", case.day)), "{}: {page}", case.zone);
        assert!(page.contains(&format!("<dd>{} (end of day)</dd>", case.day)), "{}: {page}", case.zone);
        let official = t.staff(Role::Official, "official").await;
        let (_, _, messages) = t.call_as("GET", "/messages?lang=en", &official, None, "").await;
        assert!(messages.contains(case.shown), "{}: {messages}", case.zone);
        assert!(!messages.contains(" UTC"), "{}: {messages}", case.zone);
    }
}

/// Issue 21: a batch said only "failed: 1"; its page now lists each row that got no pass, with why, in the page's
/// language.
#[tokio::test]
async fn a_batch_page_lists_each_row_that_got_no_pass_with_why() {
    let t = spawn().await;
    t.two_passes_issued().await;
    // Another organisation lists the same two people and a third: two already hold passes.
    let (org, org_key) = t.register("Haeundae Logistics", "1111111119").await;
    t.json("POST", "/api/organisations/bulk-approve", Some(&t.official), json!({})).await;
    let csv = employees_csv(&employees(0, 3));
    let path = format!("/api/organisations/{org}/employees");
    let (status, body, _) = t.call("POST", &path, Some(&org_key), Some(Body::from(csv)), "text/csv").await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    let batch = body["batch_id"].as_i64().unwrap();
    let mut worker = worker(surge_domain::LocalZone::default(), 4);
    let outcome = worker.run_once(&t.store, NOW).await.unwrap();
    assert_eq!((outcome.issued, outcome.failed), (1, 2));
    let official = t.staff(Role::Official, "official").await;
    let (status, _, page) = t.call_as("GET", &format!("/batches/{batch}?lang=en"), &official, None, "").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Rows that got no pass"), "{page}");
    assert!(page.contains("<td>2</td><td>Employee 0</td>") && page.contains("<td>3</td><td>Employee 1</td>"), "{page}");
    assert!(!page.contains("<td>Employee 2</td>"), "the issued row is not listed");
    assert!(page.contains("already has a pass in force"), "{page}");
    let (_, _, korean) = t.call_as("GET", &format!("/batches/{batch}?lang=ko"), &official, None, "").await;
    assert!(
        korean.contains("허가증이 발급되지 않은 행") && korean.contains("이미 유효한 허가증이 있습니다"),
        "{korean}"
    );
}

/// Issue 21: officials find passes and change them in the pages, with a reason and the holder told; an
/// organisation revokes a departed employee's pass; neither sees passes beyond what it may.
#[tokio::test]
async fn officials_and_organisations_manage_passes_in_the_pages() {
    let t = spawn().await;
    t.two_passes_issued().await;
    let official = t.staff(Role::Official, "official").await;
    let page = |caller: Caller, path: String| {
        let t = &t;
        async move {
            let (status, _, html) = t.call_as("GET", &path, &caller, None, "").await;
            (status, html)
        }
    };
    let (status, found) = page(official.clone(), "/passes?name=employee+1&lang=en".into()).await;
    assert_eq!(status, StatusCode::OK);
    assert!(found.contains("href=\"/passes/1\">Employee 1</a>") && !found.contains("Employee 0"), "{found}");
    let (status, bad) = page(official.clone(), "/passes?code=ABC&phone=12&lang=en".into()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.contains("Enter the 10-character control code") && bad.contains("Enter a mobile number"), "{bad}");
    let (_, by_phone) = page(official.clone(), "/passes?phone=010-1000-0000".into()).await;
    assert!(by_phone.contains("Employee 0") && !by_phone.contains("Employee 1"), "{by_phone}");

    // Suspending asks for a reason; then the holder is texted and the history says who and why.
    let form = |reason: &str| {
        let token = match &official {
            Caller::Session(token) => token.clone(),
            _ => unreachable!(),
        };
        Body::from(format!("csrf={}&reason={}", csrf_token(b"csrf secret", &token), reason))
    };
    let form_type = "application/x-www-form-urlencoded";
    let (status, _, empty) = t.call_as("POST", "/passes/1/suspend", &official, Some(form("")), form_type).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{empty}");
    let (status, _, _) =
        t.call_as("POST", "/passes/1/suspend", &official, Some(form("checking+a+report")), form_type).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, pass_page) = page(official.clone(), "/passes/1?lang=en".into()).await;
    assert!(pass_page.contains("Suspended: checking a report (account:"), "{pass_page}");
    assert!(pass_page.contains("href=\"/passes/1/reinstate\""), "{pass_page}");
    let texts = t.store.outbox_messages(0, 20).await.unwrap();
    assert!(texts.iter().any(|(_, m)| m.kind == "pass_suspended" && m.body.contains("checking a report")));

    // An official of another zone finds nothing and cannot open or change the pass.
    let (id, _) = surge_app::access::create_staff_account(
        &t.store,
        "system:test",
        Role::Official,
        "seoul",
        KeyScope { zones: vec!["KR-11".into()], categories: Vec::new() },
        None,
        NOW,
        &mut StdRng::seed_from_u64(11),
    )
    .await
    .unwrap();
    t.store.set_password(id, "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA", false).await.unwrap();
    let seoul = t.session_for(id).await;
    let (_, none) = page(seoul.clone(), "/passes?name=employee&lang=en".into()).await;
    assert!(none.contains("No passes match."), "{none}");
    assert_eq!(page(seoul.clone(), "/passes/1".into()).await.0, StatusCode::NOT_FOUND);
    assert_eq!(page(seoul, "/passes/1/revoke".into()).await.0, StatusCode::NOT_FOUND);

    // The organisation, signed in with its contact phone, lists its passes and revokes one.
    let org_admin = t.citizen("+821012345678").await;
    let (status, listed) = page(org_admin.clone(), "/organisations/1/passes?lang=en".into()).await;
    assert_eq!(status, StatusCode::OK, "{listed}");
    assert!(listed.contains("href=\"/organisations/1/passes/0\"") && listed.contains("Employee 1"), "{listed}");
    let token = match &org_admin {
        Caller::Session(token) => token.clone(),
        _ => unreachable!(),
    };
    let body = Body::from(format!("csrf={}&reason=left+the+company", csrf_token(b"csrf secret", &token)));
    let (status, _, _) = t.call_as("POST", "/organisations/1/passes/0/revoke", &org_admin, Some(body), form_type).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(t.store.pass_by_status_index(0).await.unwrap().status, surge_app::PassStatus::Revoked);
    assert_eq!(
        page(org_admin.clone(), "/organisations/1/passes/0/revoke".into()).await.0,
        StatusCode::NOT_FOUND,
        "revoked once"
    );
    // Not another organisation's list.
    let stranger = t.citizen("+821099990000").await;
    assert_ne!(page(stranger, "/organisations/1/passes".into()).await.0, StatusCode::OK);
}

/// Issue 21: an organisation texts a pass again and renews its list within its quota; an official revokes a whole
/// list in one confirmed action and suspends the organisation, which then can upload nothing until reinstated.
#[tokio::test]
async fn organisations_resend_and_renew_and_officials_revoke_a_list_and_suspend_an_organisation() {
    let t = spawn().await;
    t.two_passes_issued().await;
    let form_type = "application/x-www-form-urlencoded";
    let form = |caller: &Caller, rest: &str| {
        let token = match caller {
            Caller::Session(token) => token.clone(),
            _ => unreachable!(),
        };
        Body::from(format!("csrf={}{rest}", csrf_token(b"csrf secret", &token)))
    };
    let org_admin = t.citizen("+821012345678").await;
    // The organisation's pass page offers the text again; sending it gives the pass a new link.
    let (status, _, pass_page) = t.call_as("GET", "/organisations/1/passes/0?lang=en", &org_admin, None, "").await;
    assert_eq!(status, StatusCode::OK, "{pass_page}");
    assert!(pass_page.contains("action=\"/organisations/1/passes/0/resend\""), "{pass_page}");
    let texts = |t: &TestApp| {
        let store = t.store.clone();
        async move {
            let messages = store.outbox_messages(0, 100).await.unwrap();
            messages.into_iter().filter(|(_, m)| m.recipient == "+821010000000" && m.kind == "pass_issued").count()
        }
    };
    let before = texts(&t).await;
    let (status, _, _) =
        t.call_as("POST", "/organisations/1/passes/0/resend", &org_admin, Some(form(&org_admin, "")), form_type).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(texts(&t).await, before + 1, "the holder is texted again");
    // Another organisation cannot resend it.
    let (_, other_key) = t.register("Haeundae Logistics", "1111111119").await;
    t.json("POST", "/api/organisations/bulk-approve", Some(&t.official), json!({})).await;
    let stranger = t.citizen("+821099990000").await;
    let (status, _, _) =
        t.call_as("POST", "/organisations/1/passes/0/resend", &stranger, Some(form(&stranger, "")), form_type).await;
    assert_ne!(status, StatusCode::SEE_OTHER);

    // A renewal of the two and one new person: the two old passes are replaced, one new place is taken.
    let used_before = t.store.organisation(1).await.unwrap().passes_used;
    let csv = employees_csv(&employees(0, 3));
    let (status, body, _) = t
        .call(
            "POST",
            "/api/organisations/1/employees?renew=true",
            Some(&t.admin),
            Some(Body::from(csv.clone())),
            "text/csv",
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    let batch = body["batch_id"].as_i64().unwrap();
    assert_eq!(t.store.organisation(1).await.unwrap().passes_used, used_before + 1);
    let (status, body, _) = t
        .call("POST", "/api/organisations/1/employees?renew=maybe", Some(&t.admin), Some(Body::from(csv)), "text/csv")
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let mut worker = worker(surge_domain::LocalZone::default(), 5);
    let outcome = worker.run_once(&t.store, NOW).await.unwrap();
    assert_eq!((outcome.issued, outcome.failed), (3, 0));
    let (_, progress) = t.json("GET", &format!("/api/batches/{batch}"), Some(&t.admin), json!(null)).await;
    assert_eq!((progress["renewals"].as_u64(), progress["replaced"].as_u64()), (Some(2), Some(2)), "{progress}");
    for old in [0, 1] {
        let pass = t.store.pass_by_status_index(old).await.unwrap();
        assert_eq!(pass.status, surge_app::PassStatus::Revoked, "the old pass {old} is replaced");
    }
    let official = t.staff(Role::Official, "official").await;
    let (_, _, batch_page) = t.call_as("GET", &format!("/batches/{batch}?lang=en"), &official, None, "").await;
    assert!(batch_page.contains("2 rows renew a pass; 2 old passes have been replaced so far."), "{batch_page}");

    // The list's passes on one PDF to print: its three valid passes, recorded in the audit log as printed.
    let pdf_path = format!("/batches/{batch}/passes.pdf");
    let printed = |n: usize| format!("part 1 of 1: {n} passes");
    let print_entries = |entries: Vec<surge_domain::audit::AuditRecord>| -> Vec<String> {
        entries.into_iter().filter(|e| e.entry.action == "pass.printed").map(|e| e.entry.detail).collect()
    };
    let request = Request::builder()
        .uri(format!("{pdf_path}?lang=ko"))
        .header(
            "cookie",
            match &official {
                Caller::Session(token) => format!("surge_session={token}"),
                _ => unreachable!("an official signs in"),
            },
        )
        .body(Body::empty())
        .unwrap();
    let response = t.app.clone().oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "application/pdf");
    assert_eq!(response.headers()["cache-control"], "no-store", "every holder's pass: not kept in caches");
    assert!(response.headers()["content-disposition"].to_str().unwrap().contains("passes-list-"));
    let pdf = axum::body::to_bytes(response.into_body(), usize::MAX).await.unwrap();
    assert!(pdf.starts_with(b"%PDF-") && pdf.windows(8).any(|w| w == b"/Count 1"), "three passes, one page");
    assert_eq!(print_entries(t.store.audit_entries(0, 1000).await.unwrap()), vec![printed(3)]);
    let (status, _, _) = t.call_as("GET", &pdf_path, &stranger, None, "").await;
    assert_ne!(status, StatusCode::OK, "another organisation cannot print this list");
    let (status, _, _) = t.call_as("GET", "/batches/999999/passes.pdf", &official, None, "").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    for part in ["2", "0", "-1", "abc", "99999999999999999999999"] {
        let (status, _, _) = t.call_as("GET", &format!("{pdf_path}?part={part}"), &official, None, "").await;
        assert_eq!(status, StatusCode::NOT_FOUND, "three passes make one part; part={part} is none of them");
    }
    // Parts cut the list in the order it was issued, whatever each pass's status: a pass revoked between two
    // downloads moves no other pass into another part.
    let part = |part: usize| surge_app::passes::PrintRequest { organisation_id: 1, batch_id: batch, part, per_part: 2 };
    let indexes = |p: surge_app::passes::PrintPart| p.passes.iter().map(|p| p.status_index).collect::<Vec<_>>();
    let first = surge_app::passes::print_batch(&t.store, part(1), "test", NOW).await.unwrap();
    assert_eq!(first.parts, 2);
    let (first, second) =
        (indexes(first), indexes(surge_app::passes::print_batch(&t.store, part(2), "test", NOW).await.unwrap()));
    assert_eq!((first.len(), second.len()), (2, 1));
    assert!(first[0] < first[1] && first[1] < second[0], "in the order issued: {first:?} {second:?}");
    assert!(matches!(
        surge_app::passes::print_batch(&t.store, part(3), "test", NOW).await,
        Err(surge_app::AppError::NotFound)
    ));

    // Revoking the whole list: the page gives the number; without the tick, or with a stale number, nothing happens.
    let path = format!("/batches/{batch}/revoke-all");
    let (status, _, confirm) = t.call_as("GET", &format!("{path}?lang=en"), &official, None, "").await;
    assert_eq!(status, StatusCode::OK, "{confirm}");
    assert!(
        confirm.contains("3 passes are valid or suspended now") && confirm.contains("Revoke 3 passes"),
        "{confirm}"
    );
    let (status, _, refused) =
        t.call_as("POST", &path, &official, Some(form(&official, "&count=3&reason=site+closed")), form_type).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.contains("href=\"#confirm\""), "{refused}");
    let (status, _, stale) = t
        .call_as("POST", &path, &official, Some(form(&official, "&count=5&confirm=yes&reason=site+closed")), form_type)
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(stale.contains("it is now 3"), "{stale}");
    let (status, _, no_reason) =
        t.call_as("POST", &path, &official, Some(form(&official, "&count=3&confirm=yes&reason=")), form_type).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{no_reason}");
    let outbox_before = t.store.counts().await.unwrap().1;
    // Employee 1 last used the service in Korean: their text is in Korean, the others' in the authority's English.
    t.store.remember_language("+821010000001", "ko", NOW).await.unwrap();
    let (status, _, _) = t
        .call_as("POST", &path, &official, Some(form(&official, "&count=3&confirm=yes&reason=site+closed")), form_type)
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let revoked_texts = t.store.outbox_messages(0, 200).await.unwrap();
    let hangul = |phone: &str| {
        let text = revoked_texts.iter().rev().find(|(_, m)| m.kind == "pass_revoked" && m.recipient == phone);
        text.unwrap().1.body.chars().any(|c| ('\u{ac00}'..='\u{d7a3}').contains(&c))
    };
    assert!(hangul("+821010000001") && !hangul("+821010000000"), "each text in its holder's language");
    let revoked = surge_app::passes::revocable_passes(&t.store, 1, Some(batch), NOW).await.unwrap();
    assert!(revoked.is_empty(), "every pass of the list is revoked");
    assert_eq!(t.store.counts().await.unwrap().1, outbox_before + 3, "each holder is texted");
    let (_, _, after) = t.call_as("GET", &format!("{path}?lang=en"), &official, None, "").await;
    assert!(after.contains("There are no passes to revoke"), "{after}");
    // Revoked passes are not printed: the sheet now says so, and the log says none were printed.
    let after_revoking = surge_app::passes::print_batch(&t.store, part(2), "test", NOW).await.unwrap();
    assert_eq!((after_revoking.parts, after_revoking.passes.len()), (2, 0), "revoked passes still hold their places");
    let (status, _, _) = t.call_as("GET", &pdf_path, &official, None, "").await;
    assert_eq!(status, StatusCode::OK);
    let entries = print_entries(t.store.audit_entries(0, 1000).await.unwrap());
    assert_eq!(entries.first(), Some(&printed(3)));
    assert_eq!(entries.last(), Some(&printed(0)));
    // Another organisation's admin cannot open the action for this list.
    let (status, _, _) = t.call_as("GET", &path, &stranger, None, "").await;
    assert_ne!(status, StatusCode::OK);

    // Suspending needs a reason; a suspended organisation cannot upload, and reinstated it can.
    let (status, _, suspend) = t.call_as("GET", "/organisations/1/suspend?lang=en", &official, None, "").await;
    assert_eq!(status, StatusCode::OK);
    assert!(suspend.contains("name=\"action\" value=\"suspend\""), "{suspend}");
    let decide = |rest: &str| form(&official, rest);
    let (status, _, missing) = t
        .call_as(
            "POST",
            "/organisations/1/decision?lang=en",
            &official,
            Some(decide("&action=suspend&reason=")),
            form_type,
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(missing.contains("Give the organisation the reason it is suspended"), "{missing}");
    let (status, _, _) = t
        .call_as(
            "POST",
            "/organisations/1/decision",
            &official,
            Some(decide("&action=suspend&reason=false+lists")),
            form_type,
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, _, org_page) = t.call_as("GET", "/organisations/1?lang=en", &official, None, "").await;
    assert!(
        org_page.contains("Suspended") && org_page.contains("false lists") && org_page.contains("value=\"reinstate\""),
        "{org_page}"
    );
    let csv = employees_csv(&employees(40, 1));
    let (status, body, _) = t
        .call("POST", "/api/organisations/1/employees", Some(&t.admin), Some(Body::from(csv.clone())), "text/csv")
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    let (status, body) =
        t.json("POST", "/api/organisations/1/decision", Some(&t.official), json!({"action": "reinstate"})).await;
    assert_eq!((status, body["status"].as_str()), (StatusCode::OK, Some("approved")), "{body}");
    let (status, _, _) =
        t.call("POST", "/api/organisations/1/employees", Some(&t.admin), Some(Body::from(csv)), "text/csv").await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let _ = other_key;
}

/// Issue 21: a negative whose lab message gives the patient's mobile, for a sample no one registered, waits for a
/// clinician unless the authority turns `results.text_phone_from_lab` on; then it is texted there, under the same
/// rule, in the authority's language.
#[tokio::test]
async fn a_labs_phone_for_the_patient_is_texted_only_when_the_authority_allows() {
    const NEGATIVE: &str = include_str!("../../surge-results/tests/data/01_reportstream_pcr_94500-6_negative_v2.3.hl7");
    for allowed in [false, true] {
        let t = spawn_with(surge_domain::LocalZone::default(), NOW, allowed).await;
        let (status, body) =
            t.json("POST", "/api/api-keys", Some(&t.admin), json!({"role": "lab", "lab": "FLH"})).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        let flh = body["api_key"].as_str().unwrap().to_owned();
        let message = NEGATIVE.replacen("(904)9995555", "010-3200-0009", 1);
        assert_ne!(message, NEGATIVE, "the sample changed; update the test");
        let (status, body, _) =
            t.call("POST", "/api/v1/results/hl7", Some(&flh), Some(Body::from(message)), "text/plain").await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let answer = &body["messages"][0];
        assert_eq!(
            (answer["texted"].as_u64(), answer["queued"].as_u64()),
            (Some(u64::from(allowed)), Some(u64::from(!allowed))),
            "{body}"
        );
        let texts = t.store.outbox_messages(0, 50).await.unwrap();
        let to_lab_phone = texts.iter().filter(|(_, m)| m.recipient == "+821032000009" && m.kind == "result_negative");
        assert_eq!(to_lab_phone.count(), usize::from(allowed), "allowed: {allowed}");
        // A detected result is never texted, whatever the setting.
        let positive = NEGATIVE
            .replacen("(904)9995555", "010-3200-0009", 1)
            .replacen("04903212", "04903277", 1)
            .replacen("||NEGATIVE||NEGATIVE|N|||F|", "||POSITIVE||NEGATIVE|A|||F|", 1);
        let (_, body, _) =
            t.call("POST", "/api/v1/results/hl7", Some(&flh), Some(Body::from(positive)), "text/plain").await;
        assert_eq!(body["messages"][0]["texted"].as_u64(), Some(0), "{body}");
    }
}

/// Issue 21: staff accounts and API keys were made with curl only. The admin makes both in the pages, sees each
/// secret once, lists them without their secrets, and revokes a key after a page that asks; nobody else may.
#[tokio::test]
async fn an_admin_makes_staff_accounts_and_api_keys_in_the_pages() {
    let t = spawn().await;
    let admin = t.staff(Role::Admin, "chief").await;
    let form_type = "application/x-www-form-urlencoded";
    let form = |rest: &str| {
        let token = match &admin {
            Caller::Session(token) => token.clone(),
            _ => unreachable!(),
        };
        Body::from(format!("csrf={}{rest}", csrf_token(b"csrf secret", &token)))
    };
    // Every problem at once: no role, zones for a checkpoint officer, a phone that is not one.
    let (status, _, problems) = t
        .call_as(
            "POST",
            "/admin/staff/new?lang=en",
            &admin,
            Some(form("&username=x&zone.KR-26=yes&personal_phone=12")),
            form_type,
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(problems.contains("Choose a role") && problems.contains("Enter a mobile number"), "{problems}");
    // The scope is chosen from the authority's zones and categories by name, and only officials have one.
    assert!(
        problems.contains("name=\"zone.KR-26\" value=\"yes\" checked") && problems.contains("Busan (KR-26)"),
        "what was ticked stays ticked: {problems}"
    );
    let (status, _, scoped) = t
        .call_as(
            "POST",
            "/admin/staff/new?lang=en",
            &admin,
            Some(form("&username=y&role=checkpoint&category.healthcare=yes")),
            form_type,
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(scoped.contains("Only officials have zones and categories"), "{scoped}");
    let (status, _, made) = t
        .call_as(
            "POST",
            "/admin/staff/new?lang=en",
            &admin,
            // A code that is not the authority's, or a box that was not offered, is not stored.
            Some(form(
                "&username=Kim.Busan&role=official&zone.KR-26=yes&zone.XX-99=yes&category.healthcare=yes&zones=KR-11",
            )),
            form_type,
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{made}");
    let password = made.split("<code>").nth(1).and_then(|p| p.split("</code>").next()).unwrap().to_owned();
    assert!(password.len() >= 12, "{made}");
    let account = t.store.account_by_username("kim.busan").await.unwrap();
    assert_eq!(account.scope.zones, vec!["KR-26".to_owned()], "only the listed zone that was ticked");
    assert_eq!(account.scope.categories, vec!["healthcare".to_owned()]);
    let (_, _, listed) = t.call_as("GET", "/admin/staff?lang=en", &admin, None, "").await;
    assert!(
        listed.contains("<code>kim.busan</code>")
            && listed.contains("Busan (KR-26), Healthcare")
            && listed.contains("Not signed in yet"),
        "{listed}"
    );
    assert!(!listed.contains(&password), "the password is never shown again");
    let (status, _, taken) = t
        .call_as(
            "POST",
            "/admin/staff/new?lang=en",
            &admin,
            Some(form("&username=kim.busan&role=checkpoint")),
            form_type,
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(taken.contains("That username is taken"), "{taken}");

    // A lab key: the lab is required; the key is shown once and works at once.
    let (status, _, no_lab) = t
        .call_as("POST", "/admin/api-keys/new?lang=en", &admin, Some(form("&label=Busan+lab&role=lab")), form_type)
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(no_lab.contains("href=\"#lab\""), "{no_lab}");
    let (status, _, shown) = t
        .call_as(
            "POST",
            "/admin/api-keys/new?lang=en",
            &admin,
            Some(form("&label=Busan+lab&role=lab&lab=FLH")),
            form_type,
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{shown}");
    let key = shown.split("<code>").nth(1).and_then(|p| p.split("</code>").next()).unwrap().to_owned();
    let (status, _) = t.json("GET", "/api/v1/results/queue", Some(&key), Value::Null).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "the key works, as a lab's: known, but not allowed the queue");
    let (_, _, keys) = t.call_as("GET", "/admin/api-keys?lang=en", &admin, None, "").await;
    assert!(keys.contains("Busan lab") && !keys.contains(&key), "{keys}");
    let id = surge_app::access::api_keys(&t.store).await.unwrap().iter().find(|k| k.label == "Busan lab").unwrap().id;
    let path = format!("/admin/api-keys/{id}/revoke");
    let (status, _, ask) = t.call_as("GET", &format!("{path}?lang=en"), &admin, None, "").await;
    assert_eq!(status, StatusCode::OK);
    assert!(ask.contains("stops working at once"), "{ask}");
    let (status, _, _) = t.call_as("POST", &path, &admin, Some(form("")), form_type).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (status, _) = t.json("GET", "/api/v1/results/queue", Some(&key), Value::Null).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "revoked: unknown at once");
    let (status, _, _) = t.call_as("GET", &path, &admin, None, "").await;
    assert_eq!(status, StatusCode::NOT_FOUND, "revoked once");
    // An official may do none of it.
    let official = t.staff(Role::Official, "someone").await;
    for path in ["/admin/staff", "/admin/api-keys", "/admin/staff/new"] {
        let (status, _, _) = t.call_as("GET", path, &official, None, "").await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{path}");
    }
}

/// Issue 21: a holder's pass is texted again at most three times an hour, only to its own phone, and each text's
/// link replaces the one before.
#[tokio::test]
async fn a_holder_has_a_pass_texted_again_at_most_three_times_an_hour_and_only_their_own() {
    let t = spawn().await;
    t.two_passes_issued().await;
    let holder = t.citizen("+821010000000").await;
    let token = match &holder {
        Caller::Session(token) => token.clone(),
        _ => unreachable!(),
    };
    let form = || Body::from(format!("csrf={}", csrf_token(b"csrf secret", &token)));
    let form_type = "application/x-www-form-urlencoded";
    let (status, _, list) = t.call_as("GET", "/account?lang=en", &holder, None, "").await;
    assert_eq!(status, StatusCode::OK);
    assert!(list.contains("href=\"/account/passes/0\">Employee 0") && !list.contains("Employee 1"), "{list}");
    let links = |t: &TestApp| {
        let store = t.store.clone();
        async move {
            let messages = store.outbox_messages(0, 50).await.unwrap();
            messages.into_iter().filter(|(_, m)| m.recipient == "+821010000000" && m.kind == "pass_issued").count()
        }
    };
    let before = links(&t).await;
    for _ in 0..3 {
        let (status, _, _) = t.call_as("POST", "/account/passes/0/resend", &holder, Some(form()), form_type).await;
        assert_eq!(status, StatusCode::SEE_OTHER);
    }
    assert_eq!(links(&t).await, before + 3);
    let (status, _, limited) =
        t.call_as("POST", "/account/passes/0/resend?lang=en", &holder, Some(form()), form_type).await;
    assert_eq!(status, StatusCode::OK);
    assert!(limited.contains("texted 3 times in the last hour"), "{limited}");
    assert_eq!(links(&t).await, before + 3, "the fourth was not sent");
    // Another holder's pass: not found, and nothing sent to anyone.
    let (status, _, _) = t.call_as("POST", "/account/passes/1/resend", &holder, Some(form()), form_type).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(t.call_as("GET", "/account/passes/1", &holder, None, "").await.0, StatusCode::NOT_FOUND);
    // Without the form's token nothing is sent.
    let (status, _, _) =
        t.call_as("POST", "/account/passes/0/resend", &holder, Some(Body::from("csrf=forged")), form_type).await;
    assert_ne!(status, StatusCode::SEE_OTHER);
}

/// Issue 21: a page address refused before its handler runs (a number that is not one, a query that is not
/// UTF-8) answers with a page in the visitor's language and a way back, not a line of plain text.
#[tokio::test]
async fn a_page_address_that_cannot_be_read_gets_a_page_with_a_way_back() {
    let t = spawn().await;
    for (path, language, words) in [
        ("/passes/99999999999999999999", "en", "We could not read that address"),
        ("/account/passes/-1", "ko-KR,ko", "주소를 읽을 수 없습니다"),
    ] {
        let request = Request::builder().uri(path).header("accept-language", language).body(Body::empty()).unwrap();
        let response = t.app.clone().oneshot(request).await.unwrap();
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{path}");
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX).await.unwrap();
        let html = String::from_utf8_lossy(&bytes);
        assert!(html.starts_with("<!DOCTYPE html>") && html.contains(words) && html.contains("href=\"/\""), "{html}");
    }
    // The API keeps its JSON.
    let (status, body, _) = t.call("GET", "/api/v1/passes/x/status", None, None, "").await;
    assert!(status.is_client_error() && body["error"]["code"].is_string(), "{status} {body}");
}

#[tokio::test]
async fn a_clinician_admits_a_patient_records_observations_reads_the_board_and_transfers_them() {
    let t = spawn().await;
    let clinician = t.staff(Role::Clinician, "doctor").await;
    let facility =
        json!({"name": "서울 생활치료센터", "kind": "centre", "capacity": 2, "check_in_times": "09:00, 17:00"});
    let (status, body) = t.json("POST", "/api/v1/monitoring/facilities", Some(&t.admin), facility.clone()).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let facility_id = body["id"].as_i64().unwrap();
    let (status, body) = t.json("POST", "/api/v1/monitoring/facilities", Some(&t.admin), facility).await;
    assert_eq!((status, body["error"]["code"].as_str()), (StatusCode::CONFLICT, Some("facility_exists")));
    let bad_times = json!({"name": "B", "kind": "centre", "capacity": 2, "check_in_times": "25:00"});
    let (status, body) = t.json("POST", "/api/v1/monitoring/facilities", Some(&t.admin), bad_times).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body.to_string().contains("check_in_times"), "{body}");

    let admission = |name: &str, phone: &str| {
        json!({"facility_id": facility_id, "name": name, "birth_date": "1968-04-25", "phone": phone,
            "onset": "2026-02-26", "confirmed_on": "2026-02-28", "room": "301", "language": "en"})
    };
    let (status, body) =
        t.json_as("POST", "/api/v1/monitoring/admissions", &clinician, admission("Kim Minjun", "010-1234-5678")).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let id = body["id"].as_i64().unwrap();
    // Hostile and wrong input: each refused by name, nothing stored.
    let (status, body) =
        t.json_as("POST", "/api/v1/monitoring/admissions", &clinician, admission("Kim\u{7}", "010-2222-3333")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body.to_string().contains("\"name\""), "{body}");
    let (status, body) =
        t.json_as("POST", "/api/v1/monitoring/admissions", &clinician, admission("Kim Minjun", "010-1234-5678")).await;
    assert_eq!((status, body["error"]["code"].as_str()), (StatusCode::CONFLICT, Some("already_admitted")));
    let (status, _, _) = t
        .call_as(
            "POST",
            "/api/v1/monitoring/admissions",
            &clinician,
            Some(Body::from(&b"{\"name\": \"\xff\"}"[..])),
            "application/json",
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    t.json_as("POST", "/api/v1/monitoring/admissions", &clinician, admission("Lee Seoyeon", "010-2222-3333")).await;
    let (status, body) =
        t.json_as("POST", "/api/v1/monitoring/admissions", &clinician, admission("Park Jiho", "010-4444-5555")).await;
    assert_eq!((status, body["error"]["code"].as_str()), (StatusCode::CONFLICT, Some("facility_full")));

    // A full set scores 7 (high); an impossible figure is refused by its field; a partial set scores what it has.
    let path = format!("/api/v1/monitoring/admissions/{id}/observations");
    let full = json!({"respiration_rate": 24, "spo2": 95, "on_oxygen": false, "systolic_bp": 105, "pulse": 112,
        "consciousness": "A", "temperature": 38.4, "symptoms": ["cough", "fever"], "source_key": "dev-1"});
    let (status, body) = t.json_as("POST", &path, &clinician, full.clone()).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(
        (body["news2"].as_u64(), body["risk"].as_str(), body["complete"].as_bool()),
        (Some(7), Some("high"), Some(true))
    );
    assert_eq!(body["scores"]["respiration_rate"].as_u64(), Some(2));
    assert_eq!(body["hard_triggers"], json!(["temperature >= 38.0"]));
    let (_, again) = t.json_as("POST", &path, &clinician, full).await;
    assert_eq!(again["recorded"].as_str(), Some("repeated"));
    let (status, body) = t.json_as("POST", &path, &clinician, json!({"spo2": 101})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["code"].as_str(), Some("value_impossible"));
    assert!(body.to_string().contains("spo2"), "{body}");
    let (status, body) = t.json_as("POST", &path, &clinician, json!({"symptoms": ["zombie"]})).await;
    assert_eq!((status, body["error"]["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("symptom_unknown")));
    let (status, body) = t.json_as("POST", &path, &clinician, json!({"spo2": 93, "temperature": 37.0})).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!((body["news2"].as_u64(), body["complete"].as_bool()), (Some(2), Some(false)));
    let (status, _) =
        t.json_as("POST", "/api/v1/monitoring/admissions/99999/observations", &clinician, json!({"spo2": 95})).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // The board: the patient with observations first, their latest set and flags.
    let (status, board) =
        t.json_as("GET", &format!("/api/v1/monitoring/board?facility={facility_id}"), &clinician, Value::Null).await;
    assert_eq!(status, StatusCode::OK, "{board}");
    let rows = board["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0]["admission_id"].as_i64(), Some(id));
    assert_eq!((rows[0]["news2"].as_u64(), rows[0]["trend"].as_str()), (Some(2), Some("falling")));
    assert_eq!(rows[0]["hard_triggers"], json!(["spo2 <= 94"]));
    assert_eq!(rows[0]["latest"]["spo2"].as_u64(), Some(93));
    let (status, _) = t.json_as("GET", "/api/v1/monitoring/board?state=nope", &clinician, Value::Null).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    // Transfer with a reason: texted, off the open board, and refused a second time.
    let state = format!("/api/v1/monitoring/admissions/{id}/state");
    let (status, body) = t.json_as("POST", &state, &clinician, json!({"state": "transferred", "reason": ""})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let (status, body) =
        t.json_as("POST", &state, &clinician, json!({"state": "transferred", "reason": "SpO2 93 % on air"})).await;
    assert_eq!((status, body["state"].as_str()), (StatusCode::OK, Some("transferred")));
    let (status, body) = t.json_as("POST", &state, &clinician, json!({"state": "discharged", "reason": "well"})).await;
    assert_eq!((status, body["error"]["code"].as_str()), (StatusCode::CONFLICT, Some("admission_state_invalid")));
    let (_, board) = t.json_as("GET", "/api/v1/monitoring/board", &clinician, Value::Null).await;
    assert_eq!(board["rows"].as_array().unwrap().len(), 1);
    let (_, board) = t.json_as("GET", "/api/v1/monitoring/board?state=all", &clinician, Value::Null).await;
    assert_eq!(board["rows"].as_array().unwrap().len(), 2);
    let (status, _) = t.json_as("POST", &path, &clinician, json!({"spo2": 95})).await;
    assert_eq!(status, StatusCode::CONFLICT, "a transferred patient's record takes no more observations");
}
