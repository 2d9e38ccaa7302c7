//! Tests for pass claims: validation rules and the CBOR round trip.

use time::macros::datetime;

use super::*;

pub(crate) fn sample_claims() -> PassClaims {
    PassClaims {
        issuer: "KR-26".into(),
        issued_at: datetime!(2026-02-28 09:00 UTC),
        not_before: datetime!(2026-03-01 00:00 UTC),
        expires: datetime!(2026-03-08 00:00 UTC),
        pass: Pass {
            id: PassId::from_bytes([7; 16]),
            control_code: ControlCode::parse("0000000000").unwrap(),
            kind: PassKind::Person,
            category: "essential-worker".into(),
            purpose: "work".into(),
            zones: vec!["KR-26".into()],
            holder: "Kim J.".into(),
            masked_id: Some("1234".into()),
            vehicle_plate: None,
            organisation: None,
            status_index: 17,
            result: None,
        },
    }
}

/// A negative test result certified for its holder.
pub(crate) fn sample_result_claims() -> PassClaims {
    let mut claims = sample_claims();
    let pass = &mut claims.pass;
    pass.kind = PassKind::TestResult;
    pass.category = "test-result".into();
    pass.purpose = "COVID-19 PCR".into();
    pass.zones = Vec::new();
    pass.holder = "KIM JIWOO".into();
    pass.masked_id = None;
    pass.result = Some(TestResult {
        test_code: "94500-6".into(),
        test_name: "COVID-19 PCR".into(),
        detected: false,
        collected: Some(datetime!(2026-02-27 08:30 UTC)),
        lab: "Busan Central Lab".into(),
        birth_date: Some(time::macros::date!(1980 - 04 - 25)),
    });
    claims
}

fn check(edit: impl FnOnce(&mut PassClaims), expect: Option<(&str, &str)>) {
    let mut claims = sample_claims();
    edit(&mut claims);
    let got = claims.validate().err().map(|e| match e {
        PassError::InvalidClaim { field, reason } => (field, reason),
        other => panic!("unexpected error {other:?}"),
    });
    match (got, expect) {
        (None, None) => {}
        (Some((field, reason)), Some((want_field, want_reason))) => {
            assert_eq!(field, want_field);
            assert!(reason.contains(want_reason), "{reason:?} does not mention {want_reason:?}");
        }
        (got, expect) => panic!("got {got:?}, expected {expect:?}"),
    }
}

#[test]
fn validation_names_the_field_and_the_reason() {
    check(|_| {}, None);
    check(|c| c.pass.masked_id = Some("900101-1234567".into()), Some(("masked_id", "never the whole number")));
    check(|c| c.pass.masked_id = Some("12-4".into()), Some(("masked_id", "letters or digits")));
    check(|c| c.pass.zones.clear(), Some(("zones", "at least one")));
    check(|c| c.pass.zones = vec!["kr-26".into()], Some(("zones", "upper-case")));
    check(|c| c.pass.category = "Essential Worker".into(), Some(("category", "lower-case")));
    check(|c| c.pass.holder = " ".into(), Some(("holder", "empty")));
    check(|c| c.pass.holder = "x".repeat(41), Some(("holder", "at most 40")));
    check(|c| c.pass.kind = PassKind::Vehicle, Some(("vehicle_plate", "required")));
    check(
        |c| {
            c.pass.kind = PassKind::Vehicle;
            c.pass.vehicle_plate = Some("12가3456".into());
        },
        None,
    );
    check(|c| c.expires = c.not_before, Some(("expires", "after not_before")));
    check(|c| c.pass.status_index = u64::MAX, Some(("status_index", "at most")));
}

#[test]
fn a_test_result_carries_its_result_and_nothing_of_a_movement_pass() {
    let result = sample_result_claims();
    assert_eq!(result.validate(), Ok(()), "a result needs no zone");
    let edit = |f: fn(&mut PassClaims)| {
        let mut c = sample_result_claims();
        f(&mut c);
        c.validate().err().map(|e| e.to_string())
    };
    assert_eq!(edit(|c| c.pass.result = None).as_deref(), Some("result: is required for a test result"));
    assert_eq!(
        edit(|c| c.pass.vehicle_plate = Some("12가3456".into())).as_deref(),
        Some("vehicle_plate: is not part of a test result")
    );
    assert!(edit(|c| c.pass.result.as_mut().unwrap().test_code = "94500 6".into()).unwrap().starts_with("test_code:"));
    assert!(edit(|c| c.pass.result.as_mut().unwrap().lab = "x".repeat(41)).unwrap().starts_with("lab:"));
    let mut person = sample_claims();
    person.pass.result = result.pass.result.clone();
    assert_eq!(person.validate().unwrap_err().to_string(), "result: is only for a test-result pass");
    person.pass.result = None;
    person.pass.zones.clear();
    assert!(person.validate().is_err(), "a movement pass still needs a zone");

    assert_eq!(decode_claims(&encode_claims(&result).unwrap()).unwrap(), result);
    let mut bare = result.clone();
    let r = bare.pass.result.as_mut().unwrap();
    (r.collected, r.birth_date, r.detected) = (None, None, true);
    assert_eq!(decode_claims(&encode_claims(&bare).unwrap()).unwrap(), bare);
    assert_eq!(PassKind::parse("test-result"), Ok(PassKind::TestResult));
}

#[test]
fn claims_round_trip_through_cbor() {
    let mut claims = sample_claims();
    assert_eq!(decode_claims(&encode_claims(&claims).unwrap()).unwrap(), claims);
    claims.pass.kind = PassKind::Vehicle;
    claims.pass.vehicle_plate = Some("12가3456".into());
    claims.pass.organisation = Some("ORG-1".into());
    claims.pass.masked_id = None;
    assert_eq!(decode_claims(&encode_claims(&claims).unwrap()).unwrap(), claims);
}

#[test]
fn a_future_format_version_is_reported_as_unsupported() {
    let bytes = encode_claims(&sample_claims()).unwrap();
    let mut value: Value = ciborium::from_reader(bytes.as_slice()).unwrap();
    let Value::Map(cwt) = &mut value else { panic!() };
    let (_, Value::Map(pass)) = cwt.iter_mut().find(|(k, _)| k == &int(CWT_EPASS)).unwrap() else { panic!() };
    pass[0].1 = int(2);
    let mut out = Vec::new();
    ciborium::into_writer(&value, &mut out).unwrap();
    assert_eq!(decode_claims(&out), Err(ClaimsError::UnsupportedVersion("pass format version 2".into())));
}

#[test]
fn zones_cover_their_sub_zones_only() {
    let pass = sample_claims().pass;
    assert!(pass.covers_zone("KR-26"));
    assert!(pass.covers_zone("KR-26-110"));
    assert!(!pass.covers_zone("KR-261"));
    assert!(!pass.covers_zone("KR"));
    assert!(!pass.covers_zone("KR-11"));
}
