//! Reading CSV the way every source needs: a UTF-8 byte-order mark dropped, columns found by name (sources add and
//! move columns over time), counts that may be written as floats, and ISO dates with or without a time.

use std::collections::HashMap;
use std::sync::Arc;

use time::Date;
use time::macros::format_description;

use crate::table::on_cores;
use crate::{DailyCase, Import, LakeError};

/// The rows of a CSV file (or of a piece of one) and where each named column is.
pub(crate) struct Sheet<'a> {
    /// The file, without its byte-order mark.
    bytes: &'a [u8],
    reader: csv::Reader<&'a [u8]>,
    pub columns: HashMap<String, usize>,
    pub headers: Vec<String>,
    /// Data rows read so far.
    read: usize,
    /// Lines of the file before the reader's first (for a piece read on its own).
    lines_before: usize,
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
    Ok(Sheet { bytes, reader, columns, headers, read: 0, lines_before: 0 })
}

/// Files smaller than this are read on one thread: starting threads would cost more than it saves.
const PARALLEL_BYTES: usize = 4 << 20;

impl<'a> Sheet<'a> {
    /// The index of a column the format needs.
    pub fn need(&self, file: &str, column: &str, hint: &str) -> Result<usize, LakeError> {
        self.columns.get(column).copied().ok_or_else(|| LakeError::MissingColumn {
            file: file.to_owned(),
            column: column.to_owned(),
            hint: hint.to_owned(),
        })
    }

    /// About how many rows are left (line ends not yet read), to size vectors once instead of growing them.
    pub fn rows_left(&self) -> usize {
        let at = self.reader.position().byte() as usize;
        memchr::memchr_iter(b'\n', self.bytes.get(at..).unwrap_or_default()).count()
    }

    /// Reads the next well-formed data row into `record` (one record reused for the whole file) and gives its
    /// 1-based line in the file (the header is line 1). Every row counts as read; a malformed one is rejected with
    /// its line and skipped.
    pub fn next_row(&mut self, import: &mut Import, record: &mut csv::StringRecord) -> Option<usize> {
        loop {
            let read = self.reader.read_record(record);
            if matches!(read, Ok(false)) {
                return None;
            }
            self.read += 1;
            import.lineage.rows_read += 1;
            let line = match &read {
                Ok(_) => record.position().map(|p| p.line() as usize),
                Err(e) => e.position().map(|p| p.line() as usize),
            };
            let line = self.lines_before + line.unwrap_or(self.read + 1);
            match read {
                Ok(_) => return Some(line),
                Err(_) => import.reject(line, "not a well-formed CSV row"),
            }
        }
    }

    /// Reads the rest of the file with `read` on every core: the data rows are cut into pieces at line ends outside
    /// quotes, each piece is read on its own thread (with the file's true line numbers), and the pieces' imports are
    /// joined in file order, as if one thread had read it all. `read` gets a sheet for its piece.
    pub fn read_in_parallel<F>(mut self, read: F) -> Import
    where
        F: Fn(&mut Sheet<'a>) -> Import + Sync,
    {
        let start = self.reader.position().byte() as usize;
        let body = self.bytes.get(start..).unwrap_or_default();
        let pieces = std::thread::available_parallelism().map_or(1, |n| n.get()).min(8);
        if body.len() < PARALLEL_BYTES || pieces < 2 {
            return read(&mut self);
        }
        let cuts = cut_points(body, pieces);
        let lines_before = memchr::memchr_iter(b'\n', self.bytes.get(..start).unwrap_or_default()).count();
        let mut sheets = Vec::with_capacity(cuts.len());
        let mut lines = lines_before;
        for window in cuts.windows(2) {
            let piece = &body[window[0]..window[1]];
            let reader = csv::ReaderBuilder::new().flexible(true).has_headers(false).from_reader(piece);
            sheets.push(Sheet {
                bytes: piece,
                reader,
                columns: self.columns.clone(),
                headers: self.headers.clone(),
                read: 0,
                lines_before: lines,
            });
            lines += memchr::memchr_iter(b'\n', piece).count();
        }
        let imports = on_cores(sheets, |mut sheet| read(&mut sheet));
        // The first piece's vectors grow in place to take the others (a large vector is remapped, not copied). The
        // others are copied into memory never touched before, which the kernel clears page by page on first touch,
        // at a cost above the copy's: so the rows are joined on one core while the rest is joined on another.
        let mut imports = imports.into_iter();
        let mut whole = imports.next().unwrap_or_default();
        let mut rest: Vec<Import> = imports.collect();
        let pieces_rows: Vec<Vec<DailyCase>> = rest.iter_mut().map(|p| std::mem::take(&mut p.rows)).collect();
        std::thread::scope(|scope| {
            // The closure borrows only `whole.rows`; the other fields are joined here meanwhile.
            let rows = scope.spawn(|| {
                whole.rows.reserve(pieces_rows.iter().map(Vec::len).sum());
                for mut piece in pieces_rows {
                    whole.rows.append(&mut piece);
                }
            });
            for mut piece in rest {
                whole.lineage.rows_read += piece.lineage.rows_read;
                whole.lines.append(&mut piece.lines);
                whole.measures.append(&mut piece.measures);
                whole.rejected.append(&mut piece.rejected);
                whole.findings.append(&mut piece.findings);
            }
            rows.join().unwrap_or_else(|e| std::panic::resume_unwind(e));
        });
        whole
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
    let day = text.trim().get(..10)?;
    // Millions of rows each carry a date: plain digits are read directly, anything else by the general parser.
    let digits = |range: std::ops::Range<usize>| {
        day.as_bytes()[range].iter().try_fold(0u16, |n, b| b.is_ascii_digit().then(|| n * 10 + u16::from(b - b'0')))
    };
    if day.as_bytes()[4] == b'-' && day.as_bytes()[7] == b'-' {
        if let (Some(year), Some(month), Some(d)) = (digits(0..4), digits(5..7), digits(8..10)) {
            let month = time::Month::try_from(u8::try_from(month).ok()?).ok()?;
            return Date::from_calendar_date(i32::from(year), month, u8::try_from(d).ok()?).ok();
        }
    }
    Date::parse(day, format_description!("[year]-[month]-[day]")).ok()
}

/// Text that runs of rows repeat (a region's code and name on each of its days): the last value is kept and shared,
/// so a run costs one allocation.
#[derive(Debug, Default)]
pub struct Shared {
    last: Option<Arc<str>>,
}

impl Shared {
    pub fn get(&mut self, text: &str) -> Arc<str> {
        match &self.last {
            Some(last) if **last == *text => last.clone(),
            _ => {
                let fresh: Arc<str> = Arc::from(text);
                self.last = Some(fresh.clone());
                fresh
            }
        }
    }
}

/// Where to cut `body` into about `pieces` pieces: after a line end that is outside quotes (an even number of `"`
/// before it, as RFC 4180 doubles a quote inside a field), so no record is split. Starts with 0, ends with the length.
pub(crate) fn cut_points(body: &[u8], pieces: usize) -> Vec<usize> {
    let mut cuts = vec![0];
    let (mut scanned, mut quotes) = (0, 0usize);
    for k in 1..pieces {
        let mut at = (body.len() * k / pieces).max(scanned);
        loop {
            let Some(end) = memchr::memchr(b'\n', body.get(at..).unwrap_or_default()).map(|i| at + i + 1) else {
                at = body.len();
                break;
            };
            quotes += memchr::memchr_iter(b'"', &body[scanned..end]).count();
            scanned = end;
            at = end;
            if quotes % 2 == 0 {
                break;
            }
        }
        if at < body.len() && at > *cuts.last().unwrap_or(&0) {
            cuts.push(at);
        }
    }
    cuts.push(body.len());
    cuts
}

/// A CSV field for output, quoted when it holds a comma, a quote or a line break.
pub fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) { format!("\"{}\"", text.replace('"', "\"\"")) } else { text.to_owned() }
}
