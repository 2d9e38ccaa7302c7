//! The sheet's pages, its font subset and text that can be copied out, without a PDF reader.

use super::*;

fn code(width: usize) -> Qr {
    Qr { width, dark: (0..width * width).map(|i| (i * 7 + i / width) % 3 == 0).collect() }
}

fn card(name: &str) -> Card {
    Card {
        qr: code(25),
        heading: name.to_owned(),
        facts: vec![
            ("통제번호".into(), "ABCDE-FGHIJ".into()),
            ("유효기간".into(), "2026-12-07 – 2026-12-20 (하루 끝까지)".into()),
        ],
    }
}

fn sheet(cards: usize) -> Sheet {
    Sheet {
        lang: "ko".into(),
        title: "(주)가나다 · 명단 7".into(),
        footer: "{page}/{pages} 쪽".into(),
        cards: (0..cards).map(|i| card(if i % 2 == 0 { "홍○○" } else { "K. M." })).collect(),
        empty: "인쇄할 허가증이 없습니다".into(),
    }
}

fn has(bytes: &[u8], needle: &str) -> bool {
    bytes.windows(needle.len()).any(|w| w == needle.as_bytes())
}

#[test]
fn eight_cards_to_a_page_and_a_page_for_none() {
    let pdf = render(&sheet(17)).unwrap();
    assert!(pdf.starts_with(b"%PDF-"));
    assert!(has(&pdf, "/Count 3"), "17 cards take three pages");
    assert!(has(&render(&sheet(8)).unwrap(), "/Count 1"));
    let empty = render(&sheet(0)).unwrap();
    assert!(has(&empty, "/Count 1"), "a sheet of no passes still says so on a page");
}

#[test]
fn the_font_is_a_subset_and_text_copies_out_as_unicode() {
    let pdf = render(&sheet(3)).unwrap();
    // The font is 0.7 MB; a few dozen glyphs of it are a few kilobytes.
    assert!(pdf.len() < 60_000, "{} bytes", pdf.len());
    assert!(has(&pdf, "/FontFile2"));
    assert!(has(&pdf, "/Identity-H"));
    // The ToUnicode map names 홍 (U+D64D) and 통 (U+D1B5): a reader copies and searches Korean text.
    assert!(has(&pdf, "<D64D>"), "홍 in the ToUnicode map");
    assert!(has(&pdf, "<D1B5>"), "통 in the ToUnicode map");
    assert!(has(&pdf, "/Lang (ko)"));
}

#[test]
fn control_characters_are_not_set_and_missing_glyphs_print_as_question_marks() {
    let mut fonts = Fonts::new().unwrap();
    assert_eq!(fonts.encode("a\u{7}\nb").len(), 4, "two glyphs, the controls dropped");
    let missing = fonts.encode("\u{1F600}");
    let question = fonts.encode("?");
    assert_eq!(missing, question, "a character the font lacks is a question mark");
    assert_eq!(fonts.encode("Éễ"), fonts.encode("Ee"), "an accented letter the font lacks is its base letter");
}

#[test]
fn long_text_is_cut_or_wrapped_to_its_width() {
    let fonts = Fonts::new().unwrap();
    let long = "대한민국 부산광역시 해운대구 센텀중앙로 아주 긴 회사 이름이 들어가는 자리";
    let cut = fonts.fit(long, 10.0, 80.0);
    assert!(cut.ends_with('…') && fonts.width(&cut, 10.0) <= 80.0, "{cut}");
    assert_eq!(fonts.fit("짧다", 10.0, 80.0), "짧다");
    let lines = fonts.wrap(long, 10.0, 80.0);
    assert!(lines.len() > 2);
    assert!(lines.iter().all(|l| fonts.width(l, 10.0) <= 80.0), "{lines:?}");
    assert_eq!(lines.join(" "), long, "wrapping at spaces loses nothing");
    let word = "ABCDEFGHIJKLMNOPQRSTUVWXYZABCDEFGHIJKLMNOPQRSTUVWXYZ";
    let broken = fonts.wrap(word, 10.0, 60.0);
    assert!(broken.len() > 1 && broken.concat() == word, "{broken:?}");
}

#[test]
fn a_qr_code_of_the_wrong_size_is_refused() {
    let mut bad = sheet(1);
    bad.cards[0].qr.dark.pop();
    assert_eq!(render(&bad).unwrap_err().code(), "pdf_qr");
}
#[test]
fn a_qr_code_is_a_mask_whose_zero_bits_are_its_dark_modules() {
    let code = Qr { width: 9, dark: (0..81).map(|i| i % 9 == 0 || i == 8).collect() };
    let mask = qr_mask(&code);
    assert_eq!(mask.len(), 9 * 2, "nine rows of two bytes");
    assert_eq!(&mask[..2], &[0b0111_1111, 0b0111_1111], "row 0: columns 0 and 8 dark, the padding light");
    assert_eq!(&mask[2..4], &[0b0111_1111, 0b1111_1111], "row 1: column 0 dark");
}

#[test]
fn a_thousand_passes_stay_small() {
    let mut many = sheet(1000);
    for card in &mut many.cards {
        card.qr = code(73);
    }
    let pdf = render(&many).unwrap();
    assert!(has(&pdf, "/Count 125"));
    // About a kilobyte a pass: a list of thousands downloads and prints.
    assert!(pdf.len() < 1_500_000, "{} bytes", pdf.len());
}
