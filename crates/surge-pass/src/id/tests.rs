//! Tests for pass ids and control codes: round trips, look-alike folding, and exhaustive error detection.

use rand::SeedableRng;
use rand::rngs::StdRng;

use super::*;

fn check_id(input: &str, expect: Option<&str>) {
    let parsed = PassId::parse(input).ok().map(|id| id.to_string());
    assert_eq!(parsed.as_deref(), expect, "input {input:?}");
}

#[test]
fn pass_id_text_round_trips_and_folds_look_alikes() {
    let mut rng = StdRng::seed_from_u64(7);
    for _ in 0..1000 {
        let id = PassId::generate(&mut rng);
        let text = id.to_string();
        assert_eq!(text.len(), PassId::TEXT_LEN);
        assert_eq!(PassId::parse(&text).unwrap(), id);
        assert_eq!(PassId::parse(&text.to_lowercase()).unwrap(), id);
    }
    check_id("00000000000000000000000001", Some("00000000000000000000000001"));
    check_id("0000000000-0000000000-00000i", Some("00000000000000000000000001"));
    check_id("O000000000000000000000000L", Some("00000000000000000000000001"));
    check_id("7ZZZZZZZZZZZZZZZZZZZZZZZZZ", Some("7ZZZZZZZZZZZZZZZZZZZZZZZZZ"));
    // 8 in the first place would need a 129th bit.
    check_id("8ZZZZZZZZZZZZZZZZZZZZZZZZZ", None);
    check_id("0000000000000000000000000", None);
    check_id("000000000000000000000000000", None);
    check_id("0000000000000000000000000U", None);
}

#[test]
fn control_code_is_ten_crockford_characters_that_parse_back() {
    let mut rng = StdRng::seed_from_u64(11);
    for _ in 0..1000 {
        let code = ControlCode::generate(&mut rng);
        assert_eq!(code.as_str().len(), 10);
        assert_eq!(ControlCode::parse(code.as_str()).unwrap(), code);
        assert_eq!(ControlCode::parse(&code.grouped().to_lowercase()).unwrap(), code);
        assert_eq!(ControlCode::from_packed(code.packed()), Some(code));
    }
}

#[test]
fn control_code_catches_every_single_substitution_and_adjacent_swap() {
    let mut rng = StdRng::seed_from_u64(13);
    for _ in 0..300 {
        let code = ControlCode::generate(&mut rng);
        let original: Vec<u8> = code.as_str().bytes().collect();
        for position in 0..10 {
            for &replacement in ALPHABET {
                if replacement == original[position] {
                    continue;
                }
                let mut typed = original.clone();
                typed[position] = replacement;
                let typed = String::from_utf8(typed).unwrap();
                assert!(ControlCode::parse(&typed).is_err(), "{code} mistyped as {typed} was accepted");
            }
        }
        for position in 0..9 {
            if original[position] == original[position + 1] {
                continue;
            }
            let mut typed = original.clone();
            typed.swap(position, position + 1);
            let typed = String::from_utf8(typed).unwrap();
            assert!(ControlCode::parse(&typed).is_err(), "{code} swapped as {typed} was accepted");
        }
    }
}

#[test]
fn gf32_multiplication_is_a_field_operation() {
    // Every non-zero element must have an inverse, or the quasigroup would not be one.
    for a in 1u8..32 {
        assert!((1u8..32).any(|b| gf32_mul(a, b) == 1), "{a} has no inverse");
        for b in 0u8..32 {
            assert_eq!(gf32_mul(a, b), gf32_mul(b, a));
        }
    }
}

#[test]
fn a_packed_control_code_over_45_bits_is_refused() {
    assert_eq!(ControlCode::from_packed([0x20, 0, 0, 0, 0, 0]), None);
    assert_eq!(
        ControlCode::from_packed([0x1f, 0xff, 0xff, 0xff, 0xff, 0xff]).map(|c| c.to_string()),
        Some(
            "ZZZZZZZZZ".to_owned()
                + &ControlCode::from_packed([0x1f, 0xff, 0xff, 0xff, 0xff, 0xff]).unwrap().to_string()[9..]
        )
    );
}
