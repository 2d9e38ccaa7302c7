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
