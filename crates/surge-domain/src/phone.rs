//! Phone numbers, parsed with libphonenumber's rules and kept in E.164 form, so one person is one number however
//! it was typed.

#[cfg(test)]
mod tests;

use std::fmt;

use phonenumber::Mode;
use phonenumber::country::Id;

/// A valid phone number in E.164 form (`+821012345678`).
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Phone(String);

impl Phone {
    /// Parses `text` as typed in `default_region` (ISO 3166 alpha-2, e.g. `KR`) unless it starts with `+`.
    pub fn parse(text: &str, default_region: &str) -> Result<Self, String> {
        let region: Option<Id> = default_region.parse().ok();
        let trimmed = text.trim();
        if trimmed.is_empty() {
            return Err("is empty".into());
        }
        let number = phonenumber::parse(region, trimmed).map_err(|_| format!("{trimmed:?} is not a phone number"))?;
        if !phonenumber::is_valid(&number) {
            return Err(format!("{trimmed:?} is not a valid phone number"));
        }
        Ok(Self(number.format().mode(Mode::E164).to_string()))
    }

    /// Reads a number this system validated and stored itself. Only the E.164 shape is checked: running
    /// libphonenumber again costs about 9 µs, some 12% of issuing a pass, for an answer already known.
    pub fn from_stored(text: &str) -> Result<Self, String> {
        let digits = text.strip_prefix('+').unwrap_or_default();
        if (8..=15).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit()) && !digits.starts_with('0') {
            Ok(Self(text.to_owned()))
        } else {
            Err(format!("{text:?} is not a stored E.164 number"))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// As people in the number's own country write it (`010-1234-5678`), for a clinician to read before calling.
    pub fn national(&self) -> String {
        phonenumber::parse(None, &self.0)
            .map(|n| n.format().mode(Mode::National).to_string())
            .unwrap_or_else(|_| self.0.clone())
    }

    /// For logs and officials' screens: country code and last two digits only.
    pub fn masked(&self) -> String {
        let digits = &self.0;
        let tail = &digits[digits.len().saturating_sub(2)..];
        let head: String = digits.chars().take(3).collect();
        format!("{head}…{tail}")
    }
}

impl fmt::Display for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Debug shows the masked form: phone numbers are personal data and must not reach logs.
impl fmt::Debug for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Phone({})", self.masked())
    }
}
