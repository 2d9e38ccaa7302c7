//! Tests for phone number parsing and masking.

use super::*;

fn check(input: &str, region: &str, expect: Result<&str, &str>) {
    let got = Phone::parse(input, region);
    match expect {
        Ok(e164) => assert_eq!(got.as_ref().map(Phone::as_str), Ok(e164), "{input}"),
        Err(fragment) => assert!(got.as_ref().is_err_and(|e| e.contains(fragment)), "{input}: {got:?}"),
    }
}

#[test]
fn numbers_are_normalised_to_e164() {
    check("010-1234-5678", "KR", Ok("+821012345678"));
    check("+82 10 1234 5678", "KR", Ok("+821012345678"));
    check("01012345678", "KR", Ok("+821012345678"));
    check("+91 98765 43210", "KR", Ok("+919876543210"));
    check("98765 43210", "IN", Ok("+919876543210"));
    check("", "KR", Err("empty"));
    check("12", "KR", Err("not a valid phone number"));
    check("call me", "KR", Err("not a phone number"));
}

#[test]
fn debug_output_masks_the_number() {
    let phone = Phone::parse("010-1234-5678", "KR").unwrap();
    assert_eq!(format!("{phone:?}"), "Phone(+82…78)");
}

#[test]
fn stored_numbers_are_taken_by_their_e164_shape() {
    let phone = Phone::parse("010-1234-5678", "KR").unwrap();
    assert_eq!(Phone::from_stored(phone.as_str()), Ok(phone));
    for bad in ["", "+", "821012345678", "+82-10-1234", "+0821012345678", "+8210123456789012"] {
        assert!(Phone::from_stored(bad).is_err(), "{bad}");
    }
}

#[test]
fn a_stored_number_reads_as_its_country_writes_it() {
    assert_eq!(Phone::parse("+821012345678", "KR").unwrap().national(), "010-1234-5678");
    assert_eq!(Phone::parse("+919876543210", "KR").unwrap().national(), "098765 43210");
}
