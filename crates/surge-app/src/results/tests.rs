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
    }
}

fn result(lab: &str) -> NewLabResult {
    NewLabResult {
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
        let text = negative_text(&result("Busan Metropolitan City Institute of Health and Environment"), &config(lang))
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
