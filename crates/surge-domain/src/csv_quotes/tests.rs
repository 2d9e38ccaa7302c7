//! Unclosed quotes, as the CSV reader would read them.

use super::*;

#[test]
fn a_quote_that_is_never_closed_is_found_on_the_line_it_opened() {
    assert_eq!(unclosed_quote_line(b"name,phone\n\"Kim, Minji\",010\n\"Lee Jun,010\nPark,011\n"), Some(3));
    assert_eq!(unclosed_quote_line(b"a\n\"open"), Some(2));
}

#[test]
fn closed_escaped_and_mid_field_quotes_are_fine() {
    assert_eq!(unclosed_quote_line(b"name\n\"Kim \"\"MJ\"\" Minji\"\n"), None);
    assert_eq!(unclosed_quote_line(b"name\nKim \"MJ Minji\n"), None, "a quote mid-field is a character");
    assert_eq!(unclosed_quote_line(b"name\n\"two\nlines\"\n"), None);
    assert_eq!(unclosed_quote_line(b""), None);
}
