//! Framing survives any chunking, and noise and oversized messages are reported, not delivered.

use proptest::prelude::*;

use super::*;

#[test]
fn messages_come_out_whole_in_order() {
    let mut stream = frame(b"MSH|one");
    stream.extend(b"\r\n");
    stream.extend(frame(b"MSH|two"));
    let mut decoder = Decoder::new(1024);
    let out = decoder.push(&stream);
    assert_eq!(out, vec![Ok(b"MSH|one".to_vec()), Ok(b"MSH|two".to_vec())]);
}

#[test]
fn noise_and_oversized_messages_are_reported() {
    let mut decoder = Decoder::new(8);
    let mut stream = b"GET / HTTP/1.1".to_vec();
    stream.extend(frame(b"MSH|this is too long"));
    stream.extend(frame(b"MSH|ok"));
    let out = decoder.push(&stream);
    // The dropped message's first bytes come with the refusal, to answer it by its header.
    let head = b"MSH|this i".to_vec();
    assert_eq!(
        out,
        vec![Err(FrameError::OutsideFrame(14)), Err(FrameError::TooLarge { max: 8, head }), Ok(b"MSH|ok".to_vec())]
    );
}

#[test]
fn a_frame_cut_off_by_a_new_one_is_reported() {
    let mut decoder = Decoder::new(64);
    let mut stream = vec![START];
    stream.extend(b"MSH|half");
    stream.extend(frame(b"MSH|whole"));
    let out = decoder.push(&stream);
    assert_eq!(out, vec![Err(FrameError::OutsideFrame(9)), Ok(b"MSH|whole".to_vec())]);
}

proptest! {
    #[test]
    fn any_chunking_gives_the_same_messages(
        messages in proptest::collection::vec(proptest::collection::vec(0x20u8..0x7f, 0..200), 1..5),
        cuts in proptest::collection::vec(1usize..50, 0..20),
    ) {
        let stream: Vec<u8> = messages.iter().flat_map(|m| frame(m)).collect();
        let mut decoder = Decoder::new(4096);
        let mut out = Vec::new();
        let mut rest = stream.as_slice();
        for cut in cuts {
            let n = cut.min(rest.len());
            out.extend(decoder.push(&rest[..n]));
            rest = &rest[n..];
        }
        out.extend(decoder.push(rest));
        let expected: Vec<Result<Vec<u8>, FrameError>> = messages.into_iter().map(Ok).collect();
        prop_assert_eq!(out, expected);
    }

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2000)) {
        let mut decoder = Decoder::new(256);
        for chunk in bytes.chunks(7) {
            for message in decoder.push(chunk).into_iter().flatten() {
                prop_assert!(message.len() <= 256);
            }
        }
    }
}

#[test]
fn the_head_of_a_message_in_progress_is_kept_to_answer_it() {
    let mut decoder = Decoder::new(8);
    assert!(decoder.push(b"\x0bMSH|abc").is_empty());
    assert_eq!((decoder.in_frame(), decoder.pending_head()), (true, b"MSH|abc".as_slice()));
    decoder.push(b"defghij");
    assert_eq!(decoder.pending_head(), b"MSH|abcdef".as_slice(), "past the limit: the head it kept");
}
