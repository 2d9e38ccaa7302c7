//! The shipped rules decide as their descriptions say; a bad rule file is refused with the rule named.

use serde_json::json;
use time::macros::datetime;

use super::*;

const NOW: OffsetDateTime = datetime!(2026-03-01 09:00 UTC);

fn failed(certificate_type: &str, payload: &Value) -> Vec<String> {
    let rules = default_rules();
    apply(&rules, certificate_type, payload, "KR", NOW)
        .into_iter()
        .filter(|o| !o.passed)
        .map(|o| o.rule.identifier.clone())
        .collect()
}

#[test]
fn the_default_rules_parse_and_decide_as_they_say() {
    assert_eq!(default_rules().len(), 7);
    let test = |tr: &str, tt: &str, sc: &str| json!({"t": [{"tr": tr, "tt": tt, "sc": sc}]});
    assert_eq!(failed("Test", &test("260415000", "LP6464-4", "2026-02-28T10:00:00Z")), Vec::<String>::new());
    assert_eq!(failed("Test", &test("260373001", "LP6464-4", "2026-02-28T10:00:00Z")), ["TR-SG-0001"], "positive");
    assert_eq!(failed("Test", &test("260415000", "LP6464-4", "2026-02-25T10:00:00Z")), ["TR-SG-0002"], "PCR too old");
    assert_eq!(failed("Test", &test("260415000", "LP217198-3", "2026-02-27T08:00:00Z")), ["TR-SG-0003"], "RAT too old");
    assert_eq!(failed("Test", &test("260415000", "LP217198-3", "2026-02-28T10:00:00Z")), Vec::<String>::new());
    assert_eq!(failed("Test", &test("260415000", "LP6464-4", "2026-03-02T10:00:00Z")), ["TR-SG-0004"], "future");
    let vaccination = |dn: i64, sd: i64, dt: &str| json!({"v": [{"dn": dn, "sd": sd, "dt": dt}]});
    assert_eq!(failed("Vaccination", &vaccination(2, 2, "2026-01-01")), Vec::<String>::new());
    assert_eq!(failed("Vaccination", &vaccination(1, 2, "2026-01-01")), ["VR-SG-0001"], "series incomplete");
    assert_eq!(failed("Vaccination", &vaccination(2, 2, "2026-02-20")), ["VR-SG-0002"], "too recent");
    let recovery = |df: &str, du: &str| json!({"r": [{"df": df, "du": du}]});
    assert_eq!(failed("Recovery", &recovery("2026-01-01", "2026-06-01")), Vec::<String>::new());
    assert_eq!(failed("Recovery", &recovery("2025-01-01", "2025-06-01")), ["RR-SG-0001"], "window over");
    // A payload without the record a rule reads fails it rather than passing it.
    assert_eq!(failed("Recovery", &json!({})), ["RR-SG-0001"]);
    let rules = default_rules();
    assert_eq!(rules[0].description("ko"), "검사 결과가 음성(미검출)이어야 합니다.");
    assert_eq!(rules[0].description("fr"), "The test result must be negative (not detected).");
}

#[test]
fn a_rule_out_of_its_window_or_for_another_type_is_not_applied() {
    let mut rules = default_rules();
    rules.retain(|r| r.identifier == "TR-SG-0001");
    rules[0].valid_to = NOW;
    assert!(apply(&rules, "Test", &json!({"t": [{"tr": "x"}]}), "KR", NOW).is_empty());
    assert!(
        apply(&default_rules(), "Vaccination", &json!({"t": [{"tr": "x"}]}), "KR", NOW)
            .iter()
            .all(|o| !o.rule.identifier.starts_with("TR"))
    );
}

#[test]
fn a_bad_rule_file_is_refused_naming_the_rule_and_field() {
    assert!(parse_rules("{}").unwrap_err().message.contains("array"));
    let bad = r#"[{"Identifier": "X-1", "Type": "Acceptance", "Country": "KR", "CertificateType": "Tests",
        "ValidFrom": "2021-01-01T00:00:00Z", "ValidTo": "2099-01-01T00:00:00Z", "Logic": true,
        "Description": [{"lang": "en", "desc": "d"}]}]"#;
    let error = parse_rules(bad).unwrap_err();
    assert_eq!((error.index, error.identifier.as_str()), (0, "X-1"));
    assert!(error.message.contains("CertificateType"), "{error}");
    let bad_logic = bad.replace("\"Tests\"", "\"Test\"").replace("\"Logic\": true", "\"Logic\": {\"nope\": [1]}");
    assert!(parse_rules(&bad_logic).unwrap_err().message.starts_with("Logic:"));
}
