//! The policy: parsing with every problem named, and decisions by the first rule that holds.

use serde_json::json;

use super::*;

fn facts(purpose: &str, from: &str, to: &str, days: i64, this_week: i64) -> Value {
    json!({
        "application": {"purpose": purpose, "from_zone": from, "to_zone": to, "days": days},
        "applicant": {"applications_this_week": this_week},
        "external": {"validationClock": "2026-03-01T09:00:00Z"},
    })
}

#[test]
fn the_default_policy_decides_the_common_cases() {
    let policy = Policy::parse(&default_policy()).unwrap();
    let check = |data: Value| {
        let d = policy.decide(&data);
        (d.outcome, d.rule)
    };
    assert_eq!(
        check(facts("medical-emergency", "KR-26", "KR-26", 2, 0)),
        (PolicyOutcome::Approve, Some("medical-local-short".into()))
    );
    assert_eq!(
        check(facts("medical-emergency", "KR-26", "KR-11", 2, 0)),
        (PolicyOutcome::Review, None),
        "another zone"
    );
    assert_eq!(check(facts("medical-emergency", "KR-26", "KR-26", 5, 0)), (PolicyOutcome::Review, None), "too long");
    assert_eq!(check(facts("funeral", "KR-26", "KR-11", 3, 1)), (PolicyOutcome::Approve, Some("funeral-short".into())));
    assert_eq!(
        check(facts("goods-transport", "KR-26", "KR-11", 7, 0)),
        (PolicyOutcome::Review, Some("goods-vehicles".into()))
    );
    assert_eq!(
        check(facts("funeral", "KR-26", "KR-26", 1, 3)),
        (PolicyOutcome::Reject, Some("weekly-quota".into())),
        "order matters"
    );
}

#[test]
fn a_broken_document_lists_every_problem_by_rule_and_field() {
    let document = json!({"rules": [
        {"id": "a", "outcome": "approve", "when": {"===": [{"var": "x"}, 1]}, "reason": {"en": "ok", "ko": "확인"}},
        {"id": "a", "outcome": "maybe", "when": {"all": []}, "reason": {"en": "no korean"}},
        {"outcome": "reject", "when": 3.5, "reason": {"en": "x", "ko": "y"}}
    ]});
    let problems = Policy::parse(&document).unwrap_err();
    let found: Vec<(Option<usize>, &str)> = problems.iter().map(|p| (p.rule, p.field)).collect();
    assert_eq!(
        found,
        vec![
            (Some(1), "id"),
            (Some(1), "outcome"),
            (Some(1), "when"),
            (Some(1), "reason"),
            (Some(2), "id"),
            (Some(2), "when")
        ]
    );
    assert!(Policy::parse(&json!({"rule": []})).is_err());
}

#[test]
fn a_rule_that_cannot_be_applied_sends_the_application_to_review() {
    let document = json!({"rules": [
        {"id": "needs-number", "outcome": "approve", "when": {"<": [{"var": "application.days"}, 3]}, "reason": {"en": "short", "ko": "짧음"}}
    ]});
    let policy = Policy::parse(&document).unwrap();
    let decision = policy.decide(&json!({"application": {"days": "two"}}));
    assert_eq!((decision.outcome, decision.rule.as_deref()), (PolicyOutcome::Review, Some("needs-number")));
}

#[test]
fn the_default_rules_read_as_common_rules_and_write_back_the_same() {
    let policy = Policy::parse(&default_policy()).unwrap();
    let read: Vec<CommonRule> = policy.rules.iter().map(|r| CommonRule::read(r).expect(&r.id)).collect();
    assert_eq!(read[0].min_this_week, Some(3));
    assert_eq!(
        (read[1].purpose.as_deref(), read[1].same_zone, read[1].max_days),
        (Some("medical-emergency"), true, Some(3))
    );
    for (rule, common) in policy.rules.iter().zip(&read) {
        assert_eq!(common.to_json()["when"], rule.when, "{}", rule.id);
    }
    // Any other CertLogic is not this form's: it stays in the JSON view.
    let other = PolicyRule {
        id: "x".into(),
        outcome: PolicyOutcome::Review,
        when: json!({"or": [{"===": [{"var": "application.purpose"}, "funeral"]}, true]}),
        reason_en: "e".into(),
        reason_ko: "k".into(),
    };
    assert_eq!(CommonRule::read(&other), None);
    let twice = PolicyRule {
        when: json!({"and": [{"<=": [{"var": "application.days"}, 3]}, {"<=": [{"var": "application.days"}, 5]}]}),
        ..other
    };
    assert_eq!(CommonRule::read(&twice), None, "a condition given twice");
}

#[test]
fn a_common_rule_added_first_decides_before_the_others_and_is_removed_by_id() {
    let rule = CommonRule {
        id: "funerals-reviewed".into(),
        outcome: Some(PolicyOutcome::Review),
        purpose: Some("funeral".into()),
        max_days: Some(7),
        reason_en: "An official checks funerals".into(),
        reason_ko: "장례는 담당자가 확인합니다".into(),
        ..CommonRule::default()
    };
    let purposes = vec!["funeral".to_owned()];
    assert!(rule.problems(&purposes, &[]).is_empty());
    let document = with_rule(&default_policy(), &rule, true).unwrap();
    let decided = Policy::parse(&document).unwrap().decide(&facts("funeral", "KR-26", "KR-11", 2, 0));
    assert_eq!((decided.outcome, decided.rule.as_deref()), (PolicyOutcome::Review, Some("funerals-reviewed")));
    let last = with_rule(&default_policy(), &rule, false).unwrap();
    let decided = Policy::parse(&last).unwrap().decide(&facts("funeral", "KR-26", "KR-11", 2, 0));
    assert_eq!(decided.rule.as_deref(), Some("funeral-short"), "added last, the earlier rule still decides");
    let removed = without_rule(&document, "funerals-reviewed").unwrap();
    assert_eq!(removed, default_policy());
    assert_eq!(without_rule(&document, "nobody"), None);
}

#[test]
fn a_common_rule_form_names_each_problem_by_field() {
    let purposes = vec!["funeral".to_owned()];
    let check = |rule: CommonRule, want: &[(&str, &str)]| {
        let got = rule.problems(&purposes, &["taken".to_owned()]);
        assert_eq!(got, want, "{rule:?}");
    };
    let good = CommonRule {
        id: "r".into(),
        outcome: Some(PolicyOutcome::Approve),
        same_zone: true,
        reason_en: "e".into(),
        reason_ko: "k".into(),
        ..CommonRule::default()
    };
    check(good.clone(), &[]);
    check(CommonRule { id: "Has Space".into(), ..good.clone() }, &[("id", "id_invalid")]);
    check(CommonRule { id: "taken".into(), ..good.clone() }, &[("id", "id_taken")]);
    check(CommonRule { outcome: None, ..good.clone() }, &[("outcome", "outcome_missing")]);
    check(CommonRule { purpose: Some("picnic".into()), ..good.clone() }, &[("purpose", "purpose_unknown")]);
    check(
        CommonRule { max_days: Some(0), min_this_week: Some(400), ..good.clone() },
        &[("max_days", "number_out_of_range"), ("min_this_week", "number_out_of_range")],
    );
    check(CommonRule { same_zone: false, ..good.clone() }, &[("purpose", "no_condition")]);
    check(
        CommonRule { reason_en: " ".into(), reason_ko: "a\u{7}".into(), ..good },
        &[("reason_en", "reason_invalid"), ("reason_ko", "reason_invalid")],
    );
}
