//! The application form's rules and document sniffing.

use time::macros::date;

use super::*;

fn input() -> ApplicationInput {
    ApplicationInput {
        purpose: "medical-emergency".into(),
        from_zone: "kr-26".into(),
        to_zone: "KR-26-110".into(),
        valid_from: "2026-03-01".into(),
        valid_to: "2026-03-03".into(),
        holder: "Kim Minji".into(),
        id_last4: "123a".into(),
        vehicle_plate: String::new(),
    }
}

fn check(input: &ApplicationInput) -> Result<Application, Vec<FieldError>> {
    let purposes = default_purposes();
    validate_application(
        input,
        &ApplicationRules {
            purposes: &purposes,
            zone: crate::LocalZone::UTC,
            today: date!(2026 - 03 - 01),
            max_days: 14,
            max_days_ahead: 7,
        },
    )
}

#[test]
fn validity_days_are_the_authority_s_local_days() {
    let purposes = default_purposes();
    let in_zone = |zone: &str, from: &str, to: &str| {
        let zone = crate::LocalZone::named(zone).unwrap();
        let rules = ApplicationRules {
            purposes: &purposes,
            zone,
            today: date!(2026 - 03 - 01),
            max_days: 14,
            max_days_ahead: 60,
        };
        validate_application(&ApplicationInput { valid_from: from.into(), valid_to: to.into(), ..input() }, &rules)
            .expect("valid")
    };
    let seoul = in_zone("Asia/Seoul", "2026-03-01", "2026-03-03");
    assert_eq!(seoul.valid_from, time::macros::datetime!(2026-03-01 00:00 +09:00));
    assert_eq!(seoul.valid_to, time::macros::datetime!(2026-03-04 00:00 +09:00));
    // Over Berlin's spring change (29 March) the span is 71 hours, and still three days.
    let berlin = in_zone("Europe/Berlin", "2026-03-28", "2026-03-30");
    assert_eq!(berlin.valid_from, time::macros::datetime!(2026-03-28 00:00 +01:00));
    assert_eq!(berlin.valid_to, time::macros::datetime!(2026-03-31 00:00 +02:00));
    assert_eq!(berlin.days(), 3);
}

#[test]
fn a_good_form_gives_an_application() {
    let app = check(&input()).expect("valid");
    assert_eq!(app.category, "healthcare");
    assert_eq!(app.from_zone, "KR-26");
    assert_eq!(app.masked_id, "123A");
    assert_eq!(app.days(), 3, "1 to 3 March inclusive");
    assert_eq!(app.valid_to, date!(2026 - 03 - 04).midnight().assume_utc());
    assert_eq!(app.vehicle_plate, None);
}

#[test]
fn every_problem_is_reported_with_its_field() {
    let bad = ApplicationInput {
        purpose: "party".into(),
        from_zone: "Busan 1".into(),
        to_zone: String::new(),
        valid_from: "2026-02-28".into(),
        valid_to: "2026-02-27".into(),
        holder: String::new(),
        id_last4: "9001011234567".into(),
        vehicle_plate: "X".repeat(17),
    };
    let errors = check(&bad).expect_err("invalid");
    let fields: Vec<_> = errors.iter().map(|e| (e.field, e.code)).collect();
    assert_eq!(
        fields,
        vec![
            ("purpose", "required"),
            ("from_zone", "invalid"),
            ("to_zone", "required"),
            ("valid_from", "past"),
            ("valid_to", "before_start"),
            ("holder", "required"),
            ("id_last4", "too_long"),
            ("vehicle_plate", "invalid"),
        ]
    );
}

#[test]
fn dates_are_bounded() {
    let long = ApplicationInput { valid_to: "2026-03-15".into(), ..input() };
    assert_eq!(check(&long).expect_err("15 days")[0].code, "too_long");
    let fourteen = ApplicationInput { valid_to: "2026-03-14".into(), ..input() };
    assert_eq!(check(&fourteen).expect("14 days").days(), 14);
    let far = ApplicationInput { valid_from: "2026-03-09".into(), valid_to: "2026-03-09".into(), ..input() };
    assert_eq!(check(&far).expect_err("too far ahead")[0].code, "too_far");
    let bad_date = ApplicationInput { valid_from: "2026-02-30".into(), ..input() };
    assert_eq!(check(&bad_date).expect_err("no such day")[0].field, "valid_from");
}

#[test]
fn documents_are_told_by_their_bytes() {
    assert_eq!(DocumentKind::sniff(b"%PDF-1.7\n"), Some(DocumentKind::Pdf));
    assert_eq!(DocumentKind::sniff(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10]), Some(DocumentKind::Jpeg));
    assert_eq!(DocumentKind::sniff(b"\x89PNG\r\n\x1a\n\0\0"), Some(DocumentKind::Png));
    assert_eq!(DocumentKind::sniff(b"<html>%PDF-"), None, "a page named .pdf is not a PDF");
    assert_eq!(DocumentKind::sniff(b"MZ\x90\0"), None);
    assert_eq!(DocumentKind::sniff(b""), None);
    for kind in [DocumentKind::Pdf, DocumentKind::Jpeg, DocumentKind::Png] {
        assert_eq!(DocumentKind::parse(kind.content_type()), Some(kind));
    }
}

#[test]
fn statuses_round_trip() {
    for status in [ApplicationStatus::Review, ApplicationStatus::Approved, ApplicationStatus::Rejected] {
        assert_eq!(ApplicationStatus::parse(status.as_str()), Some(status));
    }
    assert_eq!(ApplicationStatus::parse("issued"), None);
}
