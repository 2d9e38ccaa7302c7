//! Tests for the transport layers: zlib only when it pays, zlib detection, and the inflate cap.

use proptest::prelude::*;

use super::*;

fn packed_of(text: &str) -> Vec<u8> {
    base45::decode(text.strip_prefix(PREFIX).unwrap()).unwrap()
}

#[test]
fn repetitive_content_is_compressed_and_random_content_is_not() {
    let repetitive = vec![b'A'; 400];
    let text = wrap_text(PREFIX, &repetitive).unwrap();
    assert!(is_zlib(&packed_of(&text)));
    assert_eq!(unwrap_text(&text, PREFIX, 4096).unwrap(), repetitive);

    let random: Vec<u8> = (0..200u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
    let text = wrap_text(PREFIX, &random).unwrap();
    assert_eq!(packed_of(&text), random, "sent as is: zlib would only add bytes");
    assert_eq!(unwrap_text(&text, PREFIX, 4096).unwrap(), random);
}

#[test]
fn bytes_that_open_like_zlib_are_always_compressed() {
    let mut lookalike = deflate(b"x").unwrap()[..2].to_vec();
    lookalike.extend((0..100u8).map(|i| i.wrapping_mul(37)));
    let text = wrap_text(PREFIX, &lookalike).unwrap();
    assert_eq!(unwrap_text(&text, PREFIX, 4096).unwrap(), lookalike);
}

#[test]
fn cose_openings_are_never_taken_for_zlib() {
    for opening in [[0xd2, 0x84], [0xd8, 0x3d], [0x84, 0x43]] {
        assert!(!is_zlib(&opening));
    }
    assert!(is_zlib(&deflate(b"x").unwrap()));
}

#[test]
fn inflating_stops_at_the_cap() {
    let bomb = deflate(&vec![0u8; 1 << 20]).unwrap();
    assert!(bomb.len() < 2048);
    assert_eq!(inflate_capped(&bomb, 4096), Err(TransportError::TooLarge));
    let mut trailing = deflate(b"hello").unwrap();
    trailing.push(0);
    assert_eq!(inflate_capped(&trailing, 4096), Err(TransportError::BadCompression));
}

proptest! {
    #[test]
    fn wrapping_round_trips_whatever_is_chosen(bytes in proptest::collection::vec(any::<u8>(), 0..1500)) {
        let text = wrap_text(PREFIX, &bytes).unwrap();
        let bound = if is_zlib(&bytes) { bytes.len() + 64 } else { bytes.len() };
        prop_assert!(text.len() <= PREFIX.len() + (bound * 3).div_ceil(2) + 1);
        prop_assert_eq!(unwrap_text(&text, PREFIX, 4096).unwrap(), bytes);
    }
}
