//! The result text fits two SMS parts in both languages, and carries the required elements.

use surge_domain::notify::text::split;
use time::macros::date;

use super::*;

fn config(lang: &str) -> ResultsConfig {
    ResultsConfig {
        tests: TestTable::seeded(),
        phone_region: "KR".into(),
        sms_language: lang.into(),
        help_phone: "1339".into(),
        results_link: "https://surge.example.kr/r".into(),
        certificate_hours: 72,
        duty_phone: None,
        queue_link: "https://surge.example.kr/results/queue".into(),
        text_phone_from_lab: false,
    }
}

fn result(lab: &str) -> NewLabResult {
    NewLabResult {
        lab: lab.into(),
        filler_order: "2107662558".into(),
        test_code: "94500-6".into(),
        status: "F".into(),
        specimen_id: "2107662558".into(),
        test_name: "SARS coronavirus 2 RNA [Presence] in Respiratory specimen by NAA with probe detection".into(),
        interpretation: "not_detected".into(),
        value: "NEGATIVE".into(),
        family: "Kim".into(),
        given: "minji".into(),
        birth_date: Some(date!(1963 - 02 - 02)),
        collected_at: "20210317115059".into(),
        performing_lab: lab.into(),
        registration_id: Some(1),
        texted: true,
        reason: None,
        urgency: 9,
    }
}

#[test]
fn the_negative_text_carries_what_a_regulator_asks_for_within_two_parts() {
    for lang in ["en", "ko"] {
        let text =
            negative_text(&result("Busan Metropolitan City Institute of Health and Environment"), &config(lang), lang)
                .unwrap();
        for element in
            ["M.K.", "1963-02-02", "2021-03-17", "1339", "Busan Metropolitan City", "https://surge.example.kr/r"]
        {
            assert!(text.contains(element), "{lang}: {element} missing from {text}");
        }
        assert!(text.contains(if lang == "ko" { "음성" } else { "NEGATIVE" }), "{text}");
        let parts = split(&text).segments.len();
        assert!(parts <= 2, "{lang}: {parts} parts: {text}");
    }
}

#[test]
fn initials_and_dates_are_read_safely() {
    assert_eq!(initials(" minji", "kim "), "M.K.");
    assert_eq!(initials("", ""), "");
    assert_eq!(hl7_date("20210317115059"), "2021-03-17");
    assert_eq!(hl7_date("2021"), "-");
    assert_eq!(hl7_date("2021031è"), "-");
}

#[test]
fn a_signed_result_says_who_what_when_and_where_and_verifies_only_as_a_result() {
    use rand::SeedableRng;
    use surge_pass::{
        Accept, Algorithm, Issuer, KeyStatus, SigningKey, TrustList, TrustedKey, Verifier, VerifyOptions,
    };
    let mut rng = rand::rngs::StdRng::seed_from_u64(5);
    let record = LabResultRecord {
        id: 1,
        message_id: 1,
        result: result("Busan Metropolitan City Institute of Health and Environment"),
        queue_state: None,
        handled_by: None,
        received_at: time::macros::datetime!(2021-03-18 09:00 UTC),
        status_index: Some(40),
        certificate: None,
    };
    let now = time::macros::datetime!(2021-03-18 10:00:00.5 UTC);
    let claims = result_claims(&mut rng, "KR-26", &config("ko"), &record, 40, now);
    assert_eq!(claims.pass.holder, "minji Kim");
    assert_eq!(claims.not_before, time::macros::datetime!(2021-03-17 11:50:59 UTC), "from the collection time");
    assert_eq!(claims.expires - claims.not_before, time::Duration::hours(72));
    let r = claims.pass.result.as_ref().unwrap();
    assert_eq!((r.test_code.as_str(), r.test_name.as_str(), r.detected), ("94500-6", "COVID-19 PCR", false));
    assert_eq!(r.lab.chars().count(), 40, "cut to fit the signed field");
    assert_eq!(r.birth_date, Some(date!(1963 - 02 - 02)));

    let key = SigningKey::generate(Algorithm::Ed25519, &mut rng);
    let text = Issuer::new(key.clone()).issue(&claims).unwrap();
    let trust = TrustList {
        issuer: "KR-26".into(),
        sequence: 1,
        issued_at: time::macros::datetime!(2021-01-01 00:00 UTC),
        root: key.verifying_key(),
        keys: vec![TrustedKey {
            key: key.verifying_key(),
            valid_from: time::macros::datetime!(2021-01-01 00:00 UTC),
            valid_until: time::macros::datetime!(2022-01-01 00:00 UTC),
            status: KeyStatus::Active,
        }],
    };
    let at = time::macros::datetime!(2021-03-18 12:00 UTC);
    let results = VerifyOptions { accept: Accept::TestResult, ..VerifyOptions::default() };
    assert!(Verifier::new(&trust).with_options(results).verify(&text, at, None).is_valid());
    assert!(!Verifier::new(&trust).verify(&text, at, Some("KR-26")).is_valid(), "never a movement pass");
}
