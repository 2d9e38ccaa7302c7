//! Tests for automatic screening: duplicates by number and by near-identical name in a zone.

use super::*;
use crate::Phone;

fn registration(name: &str, number: &str, zone: &str) -> Registration {
    Registration {
        legal_name: name.into(),
        registry_number: number.into(),
        category: "food-supply".into(),
        address: "1 Jungang-daero".into(),
        zone: zone.into(),
        contact_phone: Phone::parse("010-1234-5678", "KR").unwrap(),
        contact_email: "a@b.example".into(),
        requested_quota: 10,
    }
}

fn existing(id: i64, name: &str, number: &str, zone: &str) -> ExistingOrganisation {
    ExistingOrganisation { id, legal_name: name.into(), registry_number: number.into(), zone: zone.into() }
}

fn failed(screening: &Screening) -> Vec<(&'static str, Option<i64>)> {
    screening.findings.iter().filter(|f| !f.passed).map(|f| (f.rule, f.related)).collect()
}

#[test]
fn names_are_compared_without_case_punctuation_or_legal_form() {
    assert_eq!(normalise_name("(주) Busan Fresh Foods Co., Ltd."), "busan fresh foods");
    assert_eq!(normalise_name("BUSAN FRESH-FOODS"), "busan fresh foods");
}

#[test]
fn duplicates_are_found_by_number_and_by_similar_name_in_the_same_zone() {
    let categories = vec!["food-supply".to_owned()];
    let known = vec![
        existing(1, "Busan Fresh Foods Co., Ltd.", "2208162517", "KR-26"),
        existing(2, "Seoul Logistics", "1248100998", "KR-11"),
    ];
    let clean = screen(&registration("Haeundae Bakery", "1111111119", "KR-26"), &categories, &known);
    assert!(clean.passed_all(), "{clean:?}");
    let same_number = screen(&registration("Other Name", "2208162517", "KR-11"), &categories, &known);
    assert_eq!(failed(&same_number), vec![("registry_number_unique", Some(1))]);
    let similar = screen(&registration("Busan Fresh Food", "1111111119", "KR-26"), &categories, &known);
    assert_eq!(failed(&similar), vec![("name_unique_in_zone", Some(1))]);
    let other_zone = screen(&registration("Busan Fresh Food", "1111111119", "KR-11"), &categories, &known);
    assert!(other_zone.passed_all());
    let bad_category = screen(&registration("X", "1111111119", "KR-11"), &["media".to_owned()], &known);
    assert_eq!(failed(&bad_category), vec![("category_allowed", None)]);
}

#[test]
fn a_clash_is_what_screening_fails_on_a_shared_number_or_a_like_name_in_the_zone() {
    let others = [existing(1, "Busan Fresh Foods", "2208162517", "KR-26")];
    // For each: does `clashes_with` say so, and does `screen` fail a rule about another organisation?
    for (name, number, zone, clash) in [
        ("Haeundae Logistics", "2208162517", "KR-11", true),
        ("(주) Busan Fresh Foods Co., Ltd.", "1018153318", "KR-26", true),
        ("Busan Fresh Foods", "1018153318", "KR-11", false),
        ("Haeundae Logistics", "1018153318", "KR-26", false),
    ] {
        assert_eq!(clashes_with(name, number, zone, &others), clash, "{name} {number} {zone}");
        let screened = screen(&registration(name, number, zone), &["food-supply".into()], &others);
        assert_eq!(!failed(&screened).is_empty(), clash, "{name} {number} {zone}");
    }
    assert!(!clashes_with("Busan Fresh Foods", "2208162517", "KR-26", &[]));
}
