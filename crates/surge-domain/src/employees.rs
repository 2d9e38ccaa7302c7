//! An organisation's employee list for bulk issuance: CSV in, validated rows out, or every bad row with its line,
//! column and reason. A file with any bad row is refused whole, so nothing is half-applied.

#[cfg(test)]
mod tests;

use std::collections::HashMap;

use sha2::{Digest, Sha256};
use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::{Date, OffsetDateTime};

use crate::Phone;

/// The most rows one file may hold.
pub const MAX_ROWS: usize = 100_000;

/// One employee, ready to be issued a pass.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmployeeRow {
    /// The row's line in the file (the header is line 1).
    pub line: u32,
    pub name: String,
    pub phone: Phone,
    /// The last four characters of the identity document.
    pub masked_id: String,
    pub zones: Vec<String>,
    pub valid_from: OffsetDateTime,
    /// Exclusive: a row valid to 2026-03-08 gives a pass that expires at the end of that day.
    pub valid_to: OffsetDateTime,
    pub vehicle_plate: Option<String>,
}

/// A problem in the file: its line (1 is the header), the column when it is about one, and the reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    pub line: u32,
    pub column: Option<&'static str>,
    pub reason: String,
}

impl std::fmt::Display for RowError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.column {
            Some(column) => write!(f, "line {}, column {column}: {}", self.line, self.reason),
            None => write!(f, "line {}: {}", self.line, self.reason),
        }
    }
}

/// A validated file: its rows and the SHA-256 of its bytes, which recognises the same file uploaded twice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmployeeList {
    pub rows: Vec<EmployeeRow>,
    pub sha256: [u8; 32],
}

const COLUMNS: &[&str] = &["name", "phone", "id_last4", "zones", "valid_from", "valid_to", "vehicle_plate"];
const REQUIRED: &[&str] = &["name", "phone", "id_last4", "zones", "valid_from", "valid_to"];

/// The rules a file is checked against.
#[derive(Debug, Clone)]
pub struct ListRules<'a> {
    pub phone_region: &'a str,
    /// Passes may only be for these zones and their sub-zones.
    pub allowed_zones: &'a [String],
    /// The authority's time zone: a date is a local day, from its start to its end.
    pub zone: crate::LocalZone,
    pub today: Date,
    /// The longest validity one pass may have.
    pub max_days: i64,
}

fn parse_time(text: &str, end_of_day: bool, zone: crate::LocalZone) -> Option<OffsetDateTime> {
    let text = text.trim();
    if let Ok(date) = Date::parse(text, format_description!("[year]-[month]-[day]")) {
        return Some(if end_of_day { zone.end_of(date) } else { zone.start_of(date) });
    }
    OffsetDateTime::parse(text, &Rfc3339).ok().map(|t| t.replace_nanosecond(0).unwrap_or(t))
}

pub(crate) fn zone_ok(zone: &str) -> bool {
    !zone.is_empty()
        && zone.len() <= 16
        && zone.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '-')
}

/// Whether `zone` is `parent` or one of its sub-zones (`KR-26-110` is in `KR-26`; `KR-261` is not). The pass
/// verifier applies the same rule on its own, so that it stands alone.
pub fn zone_covers(parent: &str, zone: &str) -> bool {
    zone == parent || (zone.starts_with(parent) && zone[parent.len()..].starts_with('-'))
}

fn covered(zone: &str, allowed: &[String]) -> bool {
    allowed.iter().any(|a| zone_covers(a, zone))
}

/// A renewal replaces the holder's current pass as soon as the new one is issued, so a renewing row's pass runs from
/// the start of today at the latest: otherwise the holder would have no pass between now and the start the list
/// gives. A row that would then be longer than a pass may be is refused, naming its line, so nothing is shortened
/// behind the organisation's back. `renews` marks the rows by position.
pub fn renew_from_today(rows: &mut [EmployeeRow], renews: &[bool], rules: &ListRules<'_>) -> Result<(), Vec<RowError>> {
    let today = rules.zone.start_of(rules.today);
    let mut errors = Vec::new();
    for (row, _) in rows.iter_mut().zip(renews).filter(|(_, renews)| **renews) {
        if row.valid_from <= today {
            continue;
        }
        if (row.valid_to - today).whole_hours() > rules.max_days * 24 + 1 {
            errors.push(RowError {
                line: row.line,
                column: Some("valid_from"),
                reason: format!(
                    "this person's current pass is replaced when the new one is issued, so the new pass runs from \
                     today ({}); from today to valid_to is longer than {} days",
                    rules.today, rules.max_days
                ),
            });
        } else {
            row.valid_from = today;
        }
    }
    if errors.is_empty() { Ok(()) } else { Err(errors) }
}

/// Parses and checks a whole file. Errors are sorted by line; every bad row is reported, not just the first.
pub fn parse_employee_csv(bytes: &[u8], rules: &ListRules<'_>) -> Result<EmployeeList, Vec<RowError>> {
    let sha256: [u8; 32] = Sha256::digest(bytes).into();
    let file_error = |reason: &str| vec![RowError { line: 1, column: None, reason: reason.to_owned() }];
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if std::str::from_utf8(bytes).is_err() {
        return Err(file_error("the file is not UTF-8 text: save it as \"CSV UTF-8\""));
    }
    if let Some(line) = crate::csv_quotes::unclosed_quote_line(bytes) {
        return Err(vec![RowError { line, column: None, reason: crate::csv_quotes::UNCLOSED_QUOTE.into() }]);
    }
    let mut reader = csv::ReaderBuilder::new().flexible(true).trim(csv::Trim::All).from_reader(bytes);
    let headers = match reader.headers() {
        Ok(h) => h.iter().map(|h| h.to_ascii_lowercase()).collect::<Vec<_>>(),
        Err(_) => return Err(file_error("the first line must name the columns")),
    };
    let mut errors = Vec::new();
    for h in &headers {
        if !COLUMNS.contains(&h.as_str()) {
            errors.push(RowError {
                line: 1,
                column: None,
                reason: format!("unknown column {h:?}; the columns are {}", COLUMNS.join(", ")),
            });
        }
    }
    for required in REQUIRED {
        if !headers.iter().any(|h| h == required) {
            errors.push(RowError { line: 1, column: Some(required), reason: "this column is missing".into() });
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let index = |name: &str| headers.iter().position(|h| h == name);
    let mut rows = Vec::new();
    let mut people: HashMap<(String, String), u32> = HashMap::new();
    let mut plates: HashMap<String, u32> = HashMap::new();
    for (i, record) in reader.records().enumerate() {
        let line = record.as_ref().ok().and_then(|r| r.position()).map_or(i as u32 + 2, |p| p.line() as u32);
        if rows.len() + errors.len() >= MAX_ROWS {
            errors.push(RowError { line, column: None, reason: format!("a file may hold at most {MAX_ROWS} rows") });
            break;
        }
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                errors.push(RowError { line, column: None, reason: format!("not a CSV row: {e}") });
                continue;
            }
        };
        if record.iter().all(str::is_empty) {
            continue;
        }
        if record.len() > headers.len() {
            errors.push(RowError {
                line,
                column: None,
                reason: format!("{} values for {} columns", record.len(), headers.len()),
            });
            continue;
        }
        let get = |name: &str| index(name).and_then(|i| record.get(i)).unwrap_or("").trim();
        let mut row_errors = Vec::new();
        let mut bad =
            |column: &'static str, reason: String| row_errors.push(RowError { line, column: Some(column), reason });

        let name = get("name");
        if name.is_empty() {
            bad("name", "is empty".into());
        } else if name.chars().count() > 40 {
            bad("name", "must be 40 characters or fewer (initials are enough)".into());
        } else if name.chars().any(crate::is_unsafe_char) {
            // A newline or NUL would reach the signed pass, the text message and the officer's screen.
            bad("name", "must not contain control characters (line breaks, tabs, NUL)".into());
        }
        let phone = match Phone::parse(get("phone"), rules.phone_region) {
            Ok(p) => Some(p),
            Err(reason) => {
                bad("phone", reason);
                None
            }
        };
        let masked_id = get("id_last4").to_ascii_uppercase();
        if masked_id.chars().count() != 4 || !masked_id.chars().all(|c| c.is_ascii_alphanumeric()) {
            let reason = if masked_id.chars().count() > 4 {
                "must be only the last 4 characters of the identity document, never the whole number"
            } else {
                "must be the last 4 letters or digits of the identity document"
            };
            bad("id_last4", reason.into());
        }
        let zones: Vec<String> =
            get("zones").split([';', '|', ' ']).filter(|z| !z.is_empty()).map(str::to_ascii_uppercase).collect();
        if zones.is_empty() {
            bad("zones", "list at least one zone, separated by ;".into());
        } else if zones.len() > 16 {
            bad("zones", "at most 16 zones".into());
        }
        for zone in &zones {
            if !zone_ok(zone) {
                bad("zones", format!("{zone:?} is not a zone code such as KR-26"));
            } else if !rules.allowed_zones.is_empty() && !covered(zone, rules.allowed_zones) {
                bad(
                    "zones",
                    format!("{zone} is outside this organisation's zones ({})", rules.allowed_zones.join(", ")),
                );
            }
        }
        let from = parse_time(get("valid_from"), false, rules.zone);
        let to = parse_time(get("valid_to"), true, rules.zone);
        if from.is_none() {
            bad("valid_from", "must be a date like 2026-03-01".into());
        }
        if to.is_none() {
            bad("valid_to", "must be a date like 2026-03-08".into());
        }
        if let (Some(from), Some(to)) = (from, to) {
            if to <= from {
                bad("valid_to", "must be on or after valid_from".into());
            } else if to <= rules.zone.start_of(rules.today) {
                bad("valid_to", "is in the past".into());
            } else if (to - from).whole_hours() > rules.max_days * 24 + 1 {
                // Counted in hours with one to spare, so that a span over a daylight-saving change of clocks
                // (a 25-hour day) is not one day too long.
                bad("valid_to", format!("a pass may be valid for at most {} days", rules.max_days));
            }
        }
        let plate = get("vehicle_plate");
        let vehicle_plate = if plate.is_empty() {
            None
        } else if plate.chars().count() > 16 {
            bad("vehicle_plate", "must be 16 characters or fewer".into());
            None
        } else if plate.chars().any(crate::is_unsafe_char) {
            bad("vehicle_plate", "must not contain control characters".into());
            None
        } else {
            Some(plate.to_owned())
        };
        if let Some(phone) = &phone {
            if let Some(first) = people.insert((phone.as_str().to_owned(), masked_id.clone()), line) {
                bad("phone", format!("the same person (phone and id_last4) is on line {first}"));
            }
        }
        if let Some(plate) = &vehicle_plate {
            if let Some(first) = plates.insert(plate.clone(), line) {
                bad("vehicle_plate", format!("the same plate is on line {first}"));
            }
        }
        match (row_errors.is_empty(), phone, from, to) {
            (true, Some(phone), Some(valid_from), Some(valid_to)) => rows.push(EmployeeRow {
                line,
                name: name.to_owned(),
                phone,
                masked_id,
                zones,
                valid_from,
                valid_to,
                vehicle_plate,
            }),
            _ => errors.extend(row_errors),
        }
    }
    if errors.is_empty() && rows.is_empty() {
        return Err(file_error("the file has no employees"));
    }
    if errors.is_empty() { Ok(EmployeeList { rows, sha256 }) } else { Err(errors) }
}
