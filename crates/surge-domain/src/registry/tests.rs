//! Tests for registry number schemes.

use super::*;

fn check(scheme: RegistryScheme, input: &str, expect: Option<&str>) {
    assert_eq!(scheme.validate(input).ok().as_deref(), expect, "{scheme:?} {input}");
}

#[test]
fn korean_business_numbers_are_checked_by_their_check_digit() {
    check(RegistryScheme::KrBrn, "220-81-62517", Some("2208162517"));
    check(RegistryScheme::KrBrn, "1248100998", Some("1248100998"));
    // Issue 21: the form's hint gave an example its own check refused.
    check(RegistryScheme::KrBrn, "123-45-67891", Some("1234567891"));
    check(RegistryScheme::KrBrn, "123-45-67890", None);
    check(RegistryScheme::KrBrn, "220-81-62518", None);
    check(RegistryScheme::KrBrn, "220-81-6251", None);
    check(RegistryScheme::KrBrn, "22O-81-62517", None);
}

#[test]
fn indian_gstins_are_checked_by_their_check_character() {
    check(RegistryScheme::InGstin, "27AAPFU0939F1ZV", Some("27AAPFU0939F1ZV"));
    check(RegistryScheme::InGstin, "27aapfu0939f1zv", Some("27AAPFU0939F1ZV"));
    check(RegistryScheme::InGstin, "27AAPFU0939F1ZW", None);
    check(RegistryScheme::InGstin, "27AAPFU0939F1Z", None);
}

#[test]
fn a_generic_number_needs_only_a_sane_shape() {
    check(RegistryScheme::Generic, "ab-1234", Some("AB1234"));
    check(RegistryScheme::Generic, "ab", None);
    check(RegistryScheme::Generic, "AB_1234", None);
}

#[test]
fn a_korean_number_is_shown_as_people_write_it() {
    let stored = RegistryScheme::KrBrn.validate("220 81 62517").unwrap();
    assert_eq!(RegistryScheme::KrBrn.display(&stored), "220-81-62517");
    assert_eq!(RegistryScheme::KrBrn.display("12345"), "12345", "anything else as stored");
    assert_eq!(RegistryScheme::Generic.display("2208162517"), "2208162517");
}
