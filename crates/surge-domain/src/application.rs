//! A citizen's application for a movement pass: the purposes a deployment offers (each with the category that
//! decides which officials review it), the form's rules, and the supporting document's kind read from its bytes.

#[cfg(test)]
mod tests;

use time::macros::format_description;
use time::{Date, OffsetDateTime};

use crate::FieldError;
use crate::employees::zone_ok;

/// A reason to travel that citizens may choose. `category` routes the application to the officials whose scope
/// holds it (health officials see medical passes, transport officials goods vehicles).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Purpose {
    pub id: String,
    pub category: String,
    pub en: String,
    pub ko: String,
}

/// The purposes offered when a deployment configures none.
pub fn default_purposes() -> Vec<Purpose> {
    let purpose = |id: &str, category: &str, en: &str, ko: &str| Purpose {
        id: id.into(),
        category: category.into(),
        en: en.into(),
        ko: ko.into(),
    };
    vec![
        purpose("medical-emergency", "healthcare", "Medical emergency", "응급 의료"),
        purpose("funeral", "family", "Funeral", "장례"),
        purpose("essential-work", "essential-worker", "Essential work", "필수 업무"),
        purpose("goods-transport", "logistics", "Goods transport", "화물 운송"),
        purpose("care-for-relative", "family", "Caring for a relative", "가족 돌봄"),
    ]
}

/// The form as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ApplicationInput {
    pub purpose: String,
    pub from_zone: String,
    pub to_zone: String,
    /// `YYYY-MM-DD`.
    pub valid_from: String,
    /// `YYYY-MM-DD`, the last day, inclusive.
    pub valid_to: String,
    pub holder: String,
    pub id_last4: String,
    /// Empty for a person's pass.
    pub vehicle_plate: String,
}

/// An application that passed the form's rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Application {
    pub purpose: String,
    pub category: String,
    pub from_zone: String,
    pub to_zone: String,
    pub valid_from: OffsetDateTime,
    /// Exclusive: the start of the day after the last day.
    pub valid_to: OffsetDateTime,
    pub holder: String,
    pub masked_id: String,
    pub vehicle_plate: Option<String>,
}

impl Application {
    /// Days the pass would be valid.
    pub fn days(&self) -> i64 {
        // Rounded, since local days over a daylight-saving change are 23 or 25 hours long.
        ((self.valid_to - self.valid_from).whole_hours() + 12).div_euclid(24)
    }
}

/// What the form is checked against.
#[derive(Debug, Clone)]
pub struct ApplicationRules<'a> {
    pub purposes: &'a [Purpose],
    /// The authority's time zone: a pass is valid from the start of its first local day to the end of its last.
    pub zone: crate::LocalZone,
    pub today: Date,
    /// The longest validity one pass may have.
    pub max_days: i64,
    /// How far ahead a pass may start.
    pub max_days_ahead: i64,
}

fn parse_date(text: &str) -> Option<Date> {
    Date::parse(text.trim(), format_description!("[year]-[month]-[day]")).ok()
}

/// Checks every field and reports every problem, so the form can list them all at once.
pub fn validate_application(
    input: &ApplicationInput,
    rules: &ApplicationRules<'_>,
) -> Result<Application, Vec<FieldError>> {
    let mut errors = Vec::new();
    let purpose = rules.purposes.iter().find(|p| p.id == input.purpose.trim());
    if purpose.is_none() {
        errors.push(FieldError::new("purpose", "required", "Choose why you need to travel"));
    }
    let mut zone = |field: &'static str, text: &str, label: &str| {
        let zone = text.trim().to_ascii_uppercase();
        if zone.is_empty() {
            errors.push(FieldError::new(field, "required", format!("Enter the zone you travel {label}")));
        } else if !zone_ok(&zone) {
            errors.push(FieldError::new(field, "invalid", format!("Enter the zone {label} as a code such as KR-26")));
        }
        zone
    };
    let from_zone = zone("from_zone", &input.from_zone, "from");
    let to_zone = zone("to_zone", &input.to_zone, "to");
    let from = parse_date(&input.valid_from);
    let to = parse_date(&input.valid_to);
    if from.is_none() {
        errors.push(FieldError::new("valid_from", "invalid", "Enter the first day as a date like 2026-03-01"));
    }
    if to.is_none() {
        errors.push(FieldError::new("valid_to", "invalid", "Enter the last day as a date like 2026-03-03"));
    }
    if let (Some(from), Some(to)) = (from, to) {
        if from < rules.today {
            errors.push(FieldError::new("valid_from", "past", "The first day must be today or later"));
        } else if (from - rules.today).whole_days() > rules.max_days_ahead {
            errors.push(FieldError::new(
                "valid_from",
                "too_far",
                format!("The first day must be within {} days from today", rules.max_days_ahead),
            ));
        }
        if to < from {
            errors.push(FieldError::new("valid_to", "before_start", "The last day must be on or after the first day"));
        } else if (to - from).whole_days() + 1 > rules.max_days {
            errors.push(FieldError::new(
                "valid_to",
                "too_long",
                format!("A pass may be valid for at most {} days", rules.max_days),
            ));
        }
    }
    let holder = input.holder.trim();
    if holder.is_empty() {
        errors.push(FieldError::new("holder", "required", "Enter the name to show on the pass"));
    } else if holder.chars().count() > 40 {
        errors.push(FieldError::new("holder", "too_long", "The name must be 40 characters or fewer"));
    } else if holder.chars().any(crate::is_unsafe_char) {
        errors.push(FieldError::new("holder", "invalid", "The name must not contain control characters"));
    }
    let masked_id = input.id_last4.trim().to_ascii_uppercase();
    if masked_id.chars().count() > 4 && masked_id.chars().all(|c| c.is_ascii_alphanumeric()) {
        errors.push(FieldError::new(
            "id_last4",
            "too_long",
            "Enter only the last 4 characters of your identity document, never the whole number",
        ));
    } else if masked_id.chars().count() != 4 || !masked_id.chars().all(|c| c.is_ascii_alphanumeric()) {
        errors.push(FieldError::new(
            "id_last4",
            "invalid",
            "Enter the last 4 letters or digits of your identity document",
        ));
    }
    let plate = input.vehicle_plate.trim();
    let vehicle_plate = if plate.is_empty() {
        None
    } else if plate.chars().count() > 16 || plate.chars().any(crate::is_unsafe_char) {
        errors.push(FieldError::new("vehicle_plate", "invalid", "The plate must be 16 characters or fewer"));
        None
    } else {
        Some(plate.to_owned())
    };
    match (errors.is_empty(), purpose, from, to) {
        (true, Some(purpose), Some(from), Some(to)) => Ok(Application {
            purpose: purpose.id.clone(),
            category: purpose.category.clone(),
            from_zone,
            to_zone,
            valid_from: rules.zone.start_of(from),
            valid_to: rules.zone.end_of(to),
            holder: holder.to_owned(),
            masked_id,
            vehicle_plate,
        }),
        _ => Err(errors),
    }
}

/// The kinds of supporting document accepted, told by their first bytes, never by the name or the declared type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocumentKind {
    Pdf,
    Jpeg,
    Png,
}

impl DocumentKind {
    /// Reads the kind from the file's magic bytes; `None` for anything else.
    pub fn sniff(bytes: &[u8]) -> Option<Self> {
        if bytes.starts_with(b"%PDF-") {
            Some(Self::Pdf)
        } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(Self::Jpeg)
        } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            Some(Self::Png)
        } else {
            None
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Self::Pdf => "application/pdf",
            Self::Jpeg => "image/jpeg",
            Self::Png => "image/png",
        }
    }

    pub fn parse(content_type: &str) -> Option<Self> {
        [Self::Pdf, Self::Jpeg, Self::Png].into_iter().find(|k| k.content_type() == content_type)
    }
}

/// Where an application stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApplicationStatus {
    /// Waiting for an official.
    Review,
    /// Approved, and the pass issued.
    Approved,
    Rejected,
}

impl ApplicationStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Review => "review",
            Self::Approved => "approved",
            Self::Rejected => "rejected",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [Self::Review, Self::Approved, Self::Rejected].into_iter().find(|s| s.as_str() == text)
    }
}
