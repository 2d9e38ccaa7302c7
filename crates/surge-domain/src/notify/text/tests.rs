//! Segment counting and splitting, by example and by property.

use proptest::prelude::*;

use super::*;

fn check_counts(text: &str, encoding: Encoding, units: usize, segments: usize) {
    let sms = split(text);
    assert_eq!((sms.encoding, sms.units, sms.segments.len()), (encoding, units, segments), "{text:?}");
}

#[test]
fn lengths_at_the_segment_boundaries() {
    check_counts("", Encoding::Gsm7, 0, 0);
    check_counts(&"a".repeat(160), Encoding::Gsm7, 160, 1);
    check_counts(&"a".repeat(161), Encoding::Gsm7, 161, 2);
    check_counts(&"a".repeat(306), Encoding::Gsm7, 306, 2);
    check_counts(&"a".repeat(307), Encoding::Gsm7, 307, 3);
    check_counts(&"가".repeat(70), Encoding::Ucs2, 70, 1);
    check_counts(&"가".repeat(71), Encoding::Ucs2, 71, 2);
    check_counts(&"가".repeat(134), Encoding::Ucs2, 134, 2);
    check_counts(&"가".repeat(135), Encoding::Ucs2, 135, 3);
}

#[test]
fn extension_characters_cost_two_septets_and_stay_whole() {
    check_counts(&"€".repeat(80), Encoding::Gsm7, 160, 1);
    check_counts(&"€".repeat(81), Encoding::Gsm7, 162, 2);
    // 152 septets, then a two-septet character that would straddle the 153 boundary: it moves to the next part.
    let text = format!("{}€{}", "a".repeat(152), "b".repeat(10));
    let sms = split(&text);
    assert_eq!(sms.units, 164);
    assert_eq!(sms.segments, vec!["a".repeat(152), format!("€{}", "b".repeat(10))]);
}

#[test]
fn one_character_outside_the_alphabet_makes_the_whole_message_ucs2() {
    assert_eq!(encoding_of("Your pass is ready: https://x/p/1 Control code ABCDE-FGHJK."), Encoding::Gsm7);
    assert_eq!(encoding_of("Your pass is ready ✓"), Encoding::Ucs2);
    assert_eq!(encoding_of("이동 허가증"), Encoding::Ucs2);
    assert_eq!(encoding_of("Ça coûte 5€"), Encoding::Ucs2, "û is not in the GSM alphabet");
    assert_eq!(encoding_of("Ça va, 5€ {ok}"), Encoding::Gsm7);
}

#[test]
fn surrogate_pairs_are_never_split() {
    // 66 units, then an emoji (2 units) that would straddle the 67 boundary.
    let text = format!("{}😀zzzzz", "가".repeat(66));
    let sms = split(&text);
    assert_eq!(sms.units, 73);
    assert_eq!(sms.segments, vec!["가".repeat(66), "😀zzzzz".to_owned()]);
}

#[test]
fn too_many_parts_or_nothing_is_refused() {
    assert_eq!(check("", 3), Err(TextError::Empty));
    assert_eq!(check(&"a".repeat(460), 3), Err(TextError::TooLong { segments: 4, max: 3 }));
    assert_eq!(check(&"a".repeat(459), 3).unwrap().segments.len(), 3);
}

fn sms_char() -> impl Strategy<Value = char> {
    prop_oneof![
        4 => proptest::sample::select(BASIC.chars().collect::<Vec<_>>()),
        1 => proptest::sample::select(EXTENDED.chars().collect::<Vec<_>>()),
        1 => proptest::sample::select(vec!['가', '한', '✓', '😀', '𝄞', 'û']),
    ]
}

proptest! {
    #[test]
    fn parts_rejoin_to_the_text_and_each_fits(chars in proptest::collection::vec(sms_char(), 0..700)) {
        let text: String = chars.into_iter().collect();
        let sms = split(&text);
        prop_assert_eq!(sms.segments.concat(), text.clone());
        let (single, part) = sms.encoding.capacity();
        let limit = if sms.segments.len() == 1 { single } else { part };
        for segment in &sms.segments {
            prop_assert!(!segment.is_empty());
            let used: usize = segment.chars().map(|c| cost(sms.encoding, c)).sum();
            prop_assert!(used <= limit, "{} units in a part of {}", used, limit);
        }
        // Greedy is as good as any split: one part fewer would not hold the units.
        if sms.segments.len() > 1 {
            prop_assert!(sms.units > part * (sms.segments.len() - 1) - sms.segments.len());
        }
    }

    #[test]
    fn gsm_text_is_counted_in_septets(chars in proptest::collection::vec(proptest::sample::select(BASIC.chars().collect::<Vec<_>>()), 0..500)) {
        let text: String = chars.into_iter().collect();
        let sms = split(&text);
        prop_assert_eq!(sms.encoding, Encoding::Gsm7);
        prop_assert_eq!(sms.units, text.chars().count());
        let expected = match sms.units { 0 => 0, n if n <= 160 => 1, n => n.div_ceil(153) };
        prop_assert_eq!(sms.segments.len(), expected);
    }
}
