//! Reading CSV the way every source needs: a UTF-8 byte-order mark dropped, columns found by name (sources add and
//! move columns over time), counts that may be written as floats, and ISO dates with or without a time.

use std::collections::HashMap;

use time::Date;
use time::macros::format_description;

use crate::{Import, LakeError};

/// The rows of a CSV file and where each named column is.
pub(crate) struct Sheet<'a> {
    reader: csv::Reader<&'a [u8]>,
    pub columns: HashMap<String, usize>,
    pub headers: Vec<String>,
    /// Data rows read so far.
    read: usize,
}

pub(crate) fn sheet<'a>(bytes: &'a [u8], file: &str) -> Result<Sheet<'a>, LakeError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(bytes);
    let headers: Vec<String> =
        reader.headers().map_err(|_| LakeError::NotCsv(file.to_owned()))?.iter().map(|h| h.trim().to_owned()).collect();
    if headers.len() < 2 {
        return Err(LakeError::NotCsv(file.to_owned()));
    }
    let columns = headers.iter().enumerate().map(|(i, h)| (h.clone(), i)).collect();
    Ok(Sheet { reader, columns, headers, read: 0 })
}

impl Sheet<'_> {
    /// The index of a column the format needs.
    pub fn need(&self, file: &str, column: &str, hint: &str) -> Result<usize, LakeError> {
        self.columns.get(column).copied().ok_or_else(|| LakeError::MissingColumn {
            file: file.to_owned(),
            column: column.to_owned(),
            hint: hint.to_owned(),
        })
    }

    /// The next well-formed data row with its 1-based line (the header is line 1). Every row counts as read; a
    /// malformed one is rejected with its line and skipped.
    pub fn next_row(&mut self, import: &mut Import) -> Option<(usize, csv::StringRecord)> {
        loop {
            let record = self.reader.records().next()?;
            self.read += 1;
            import.lineage.rows_read = self.read;
            let line = self.read + 1;
            match record {
                Ok(record) => return Some((line, record)),
                Err(_) => import.reject(line, "not a well-formed CSV row"),
            }
        }
    }

    /// The index of a column the format may lack (older or newer files).
    pub fn may(&self, column: &str) -> Option<usize> {
        self.columns.get(column).copied()
    }
}

/// A field by index, trimmed; empty when the row is short.
pub(crate) fn field(record: &csv::StringRecord, index: usize) -> &str {
    record.get(index).unwrap_or("").trim()
}

/// The columns of the four `daily_cases` counts (new and cumulative confirmed, new and cumulative deaths), each
/// with its name for messages; `None` where the file has no such column.
pub(crate) type CountColumns<'a> = [Option<(usize, &'a str)>; 4];

/// A row's four counts, or why the first unreadable one could not be read.
pub(crate) fn counts(record: &csv::StringRecord, columns: &CountColumns<'_>) -> Result<[Option<i64>; 4], String> {
    let mut values = [None; 4];
    for (slot, column) in values.iter_mut().zip(columns) {
        if let Some((index, name)) = column {
            *slot = count(field(record, *index)).map_err(|e| format!("{name}: {e}"))?;
        }
    }
    Ok(values)
}

/// A count: empty is unknown; `12` or `12.0` is 12. Fractions and words are errors.
pub(crate) fn count(text: &str) -> Result<Option<i64>, String> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    if let Ok(n) = text.parse::<i64>() {
        return Ok(Some(n));
    }
    match text.parse::<f64>() {
        Ok(f) if f.is_finite() && f.fract() == 0.0 && f.abs() < 9e15 => Ok(Some(f as i64)),
        _ => Err(format!("{text:?} is not a whole number")),
    }
}

/// `2020-02-24` or `2020-02-24T00:00:00Z` (WHO wrote both over the years).
pub(crate) fn iso_date(text: &str) -> Option<Date> {
    Date::parse(text.trim().get(..10)?, format_description!("[year]-[month]-[day]")).ok()
}
