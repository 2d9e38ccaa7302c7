//! Finding a quote that is never closed in an uploaded CSV file. The CSV reader takes such a quote to run to the
//! end of the file, so the file would be reported as one row with a field of megabytes ("name too long"); this
//! names the line where the quote opened instead.

#[cfg(test)]
mod tests;

#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    FieldStart,
    Unquoted,
    Quoted,
    QuoteInQuoted,
}

/// The line (1 is the first) of a quote that opens a field and is never closed, as the CSV reader reads quotes: only
/// at the start of a field, with `""` inside for a quote mark; a quote in the middle of a field is a character.
pub fn unclosed_quote_line(bytes: &[u8]) -> Option<u32> {
    let mut state = State::FieldStart;
    let (mut line, mut opened) = (1u32, 1u32);
    for &b in bytes {
        state = match (state, b) {
            (State::FieldStart, b'"') => {
                opened = line;
                State::Quoted
            }
            (State::Quoted, b'"') => State::QuoteInQuoted,
            (State::Quoted, _) => State::Quoted,
            (State::QuoteInQuoted, b'"') => State::Quoted,
            (_, b',' | b'\n') => State::FieldStart,
            (_, _) => State::Unquoted,
        };
        if b == b'\n' {
            line = line.saturating_add(1);
        }
    }
    (state == State::Quoted).then_some(opened)
}

/// The problem to report for an unclosed quote.
pub const UNCLOSED_QUOTE: &str = "a quote (\") opened on this line is never closed: close it, or remove it";
