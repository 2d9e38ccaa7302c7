//! A validation error tied to one input field, with a stable code, so forms and APIs can point at the field.

/// One problem with one field. `code` is stable; `message` is for people.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: &'static str,
    pub code: &'static str,
    pub message: String,
}

impl FieldError {
    pub fn new(field: &'static str, code: &'static str, message: impl Into<String>) -> Self {
        Self { field, code, message: message.into() }
    }
}

/// Characters no name, address or reason needs and that would mislead where the text is shown: control characters
/// (line breaks, tabs, NUL) and the invisible marks that reverse the direction text is drawn in.
pub fn is_unsafe_char(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200E}' | '\u{200F}' | '\u{061C}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

impl std::fmt::Display for FieldError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

/// Why a typed date of birth was not taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BirthDateError {
    /// Not a date in any accepted form; the message names the expected one.
    Unreadable,
    /// After today.
    InTheFuture,
}

impl BirthDateError {
    pub fn message(self) -> &'static str {
        match self {
            Self::Unreadable => {
                "Enter your date of birth as year, month and day, like 1985-07-14 (1985.07.14 also works)"
            }
            Self::InTheFuture => "Your date of birth cannot be in the future",
        }
    }
}

/// A date of birth as people type it in Korea and elsewhere: `1985-07-14`, `1985.07.14`, `1985. 7. 14.`,
/// `1985/7/14`, `19850714`, `1985년 7월 14일`. Always year first: day-first forms are ambiguous and refused.
pub fn parse_date_of_birth(text: &str, today: time::Date) -> Result<time::Date, BirthDateError> {
    let text = text.trim();
    let parts: Vec<&str> = if text.len() == 8 && text.bytes().all(|b| b.is_ascii_digit()) {
        vec![&text[..4], &text[4..6], &text[6..]]
    } else {
        text.split(|c: char| matches!(c, '-' | '.' | '/' | '년' | '월' | '일') || c.is_whitespace())
            .filter(|p| !p.is_empty())
            .collect()
    };
    let [year, month, day] = parts.as_slice() else { return Err(BirthDateError::Unreadable) };
    if year.len() != 4 || month.len() > 2 || day.len() > 2 {
        return Err(BirthDateError::Unreadable);
    }
    let number = |p: &str| p.parse::<u16>().ok();
    let (Some(year), Some(month), Some(day)) = (number(year), number(month), number(day)) else {
        return Err(BirthDateError::Unreadable);
    };
    let month =
        u8::try_from(month).ok().and_then(|m| time::Month::try_from(m).ok()).ok_or(BirthDateError::Unreadable)?;
    let date = time::Date::from_calendar_date(i32::from(year), month, u8::try_from(day).unwrap_or(0))
        .map_err(|_| BirthDateError::Unreadable)?;
    if date > today {
        return Err(BirthDateError::InTheFuture);
    }
    Ok(date)
}

#[cfg(test)]
mod tests {
    use time::macros::date;

    use super::*;

    #[test]
    fn a_date_of_birth_is_read_in_the_common_korean_forms_year_first() {
        let today = date!(2026 - 12 - 06);
        for typed in
            ["1985-07-14", "1985.07.14", "1985. 7. 14.", "1985/7/14", "19850714", "1985년 7월 14일", " 1985.7.14 "]
        {
            assert_eq!(parse_date_of_birth(typed, today), Ok(date!(1985 - 07 - 14)), "{typed}");
        }
        for typed in ["14.07.1985", "85.07.14", "1985-13-01", "1985-02-30", "", "yesterday", "1985-07-14-01"] {
            assert_eq!(parse_date_of_birth(typed, today), Err(BirthDateError::Unreadable), "{typed}");
        }
        assert_eq!(parse_date_of_birth("2026.12.07", today), Err(BirthDateError::InTheFuture));
        assert_eq!(parse_date_of_birth("2026.12.06", today), Ok(today), "born today");
        assert!(BirthDateError::Unreadable.message().contains("1985-07-14"), "the error names the expected form");
    }
}
