//! SMS text rules (3GPP TS 23.038 and 23.040). A message is GSM-7 when every character is in the GSM default
//! alphabet or its extension table (which costs two septets: escape + character), otherwise UCS-2 (UTF-16).
//! One segment holds 160 septets or 70 UTF-16 units; a longer message is sent in parts of 153 septets or 67 units
//! (the rest is the concatenation header). A part never ends between an escape and its character, nor between the
//! two halves of a surrogate pair, so every part decodes on its own.

/// The GSM 03.38 default alphabet, in code order, without the escape (0x1B), which is not a character.
const BASIC: &str = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?\
¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";

/// The extension table: each costs the escape septet too.
const EXTENDED: &str = "\x0c^{}\\[~]|€";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Gsm7,
    Ucs2,
}

impl Encoding {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Gsm7 => "gsm7",
            Self::Ucs2 => "ucs2",
        }
    }

    /// Units (septets or UTF-16 units) in a message that fits one segment, and in each part of a longer one.
    pub fn capacity(self) -> (usize, usize) {
        match self {
            Self::Gsm7 => (160, 153),
            Self::Ucs2 => (70, 67),
        }
    }
}

/// Septets a character costs in GSM-7: 1, 2 for the extension table, `None` outside the alphabet.
pub fn gsm_septets(c: char) -> Option<usize> {
    if BASIC.contains(c) {
        Some(1)
    } else if EXTENDED.contains(c) {
        Some(2)
    } else {
        None
    }
}

pub fn encoding_of(text: &str) -> Encoding {
    if text.chars().all(|c| gsm_septets(c).is_some()) { Encoding::Gsm7 } else { Encoding::Ucs2 }
}

fn cost(encoding: Encoding, c: char) -> usize {
    match encoding {
        Encoding::Gsm7 => gsm_septets(c).unwrap_or(2),
        Encoding::Ucs2 => c.len_utf16(),
    }
}

/// A message as it goes out: its encoding, its length in units, and its parts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmsText {
    pub encoding: Encoding,
    /// Septets (GSM-7) or UTF-16 units (UCS-2), escapes included.
    pub units: usize,
    pub segments: Vec<String>,
}

/// Splits `text` into the parts a phone reassembles. Greedy filling is optimal here: characters keep their order
/// and none is larger than a part.
pub fn split(text: &str) -> SmsText {
    let encoding = encoding_of(text);
    let units: usize = text.chars().map(|c| cost(encoding, c)).sum();
    let (single, part) = encoding.capacity();
    if units <= single {
        let segments = if text.is_empty() { Vec::new() } else { vec![text.to_owned()] };
        return SmsText { encoding, units, segments };
    }
    let mut segments = Vec::new();
    let mut current = String::new();
    let mut used = 0;
    for c in text.chars() {
        let c_cost = cost(encoding, c);
        if used + c_cost > part {
            segments.push(std::mem::take(&mut current));
            used = 0;
        }
        current.push(c);
        used += c_cost;
    }
    segments.push(current);
    SmsText { encoding, units, segments }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TextError {
    #[error("the message is empty")]
    Empty,
    #[error("the message needs {segments} parts; at most {max} are allowed")]
    TooLong { segments: usize, max: usize },
}

impl TextError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::Empty => "sms_empty",
            Self::TooLong { .. } => "sms_too_long",
        }
    }
}

/// Splits `text` and refuses it when empty or longer than `max_segments` parts.
pub fn check(text: &str, max_segments: usize) -> Result<SmsText, TextError> {
    let sms = split(text);
    match sms.segments.len() {
        0 => Err(TextError::Empty),
        n if n > max_segments => Err(TextError::TooLong { segments: n, max: max_segments }),
        _ => Ok(sms),
    }
}

#[cfg(test)]
mod tests;
