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
