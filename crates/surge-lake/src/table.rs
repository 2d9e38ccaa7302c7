//! The normalised `daily_cases` row, an import's result with its lineage, and the steps every importer ends with:
//! daily values derived from cumulative ones where a source has only those, rows dated in the future rejected,
//! repeated keys rejected, and the data checks run.

use std::cmp::Ordering;
use std::sync::Arc;

use sha2::{Digest, Sha256};
use time::Date;

use crate::checks::{self, Finding, FindingKind};

/// One region's counts on one day, whatever the source. `None` where the source lacks a measure. Text is shared
/// (`Arc<str>`) by the rows of one region: a file of millions of rows holds each name once, and rows of one region
/// compare by pointer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DailyCase {
    pub source: Arc<str>,
    /// The source's own code for the country or area (OWID ISO 3166-1 alpha-3, WHO alpha-2, JHU the name).
    pub region: Arc<str>,
    /// A province, state or district within the region; empty for the whole region.
    pub sub_region: Arc<str>,
    pub date: Date,
    pub new_confirmed: Option<i64>,
    pub cumulative_confirmed: Option<i64>,
    pub new_deaths: Option<i64>,
    pub cumulative_deaths: Option<i64>,
    /// The region's name as the source writes it.
    pub region_name: Arc<str>,
    /// The region's ISO 3166-1 alpha-3 code whatever the source calls it, so that sources can be compared; `None`
    /// where the region is no country (a ship, an aggregate) or the source's name for it is not known.
    pub country: Option<Arc<str>>,
}

impl DailyCase {
    /// A row with its four counts in `daily_cases` order: new and cumulative confirmed, new and cumulative deaths.
    pub(crate) fn new(
        source: &Arc<str>,
        (region, sub_region, region_name): (Arc<str>, Arc<str>, Arc<str>),
        date: Date,
        [new_confirmed, cumulative_confirmed, new_deaths, cumulative_deaths]: [Option<i64>; 4],
    ) -> Self {
        Self {
            source: source.clone(),
            region,
            sub_region,
            date,
            new_confirmed,
            cumulative_confirmed,
            new_deaths,
            cumulative_deaths,
            region_name,
            country: None,
        }
    }

    /// The row with its region's ISO alpha-3 code.
    pub(crate) fn in_country(self, country: Option<Arc<str>>) -> Self {
        Self { country, ..self }
    }

    /// Order by region, sub-region and date; rows of one region share their text, so most compare by pointer.
    pub(crate) fn order(&self, other: &Self) -> Ordering {
        text_order(&self.region, &other.region)
            .then_with(|| text_order(&self.sub_region, &other.sub_region))
            .then(self.date.cmp(&other.date))
    }

    /// Whether two rows are the same region and sub-region.
    pub(crate) fn same_place(&self, other: &Self) -> bool {
        self.region == other.region && self.sub_region == other.sub_region
    }
}

fn text_order(a: &Arc<str>, b: &Arc<str>) -> Ordering {
    if Arc::ptr_eq(a, b) { Ordering::Equal } else { a.cmp(b) }
}

/// Measures only some sources carry (tests, test positivity, population, hospital patients), wide: one row per place
/// (region and sub-region) and day with a value for each of the source's measure names, kept in the source's own table beside `daily_cases`.
/// Values lie row after row in one vector, so millions of rows cost three allocations, not millions.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SourceMeasures {
    /// The source's own column names, e.g. `new_tests`, `positive_rate`, `population`.
    pub names: Vec<String>,
    /// Each row's region, sub-region (empty for the whole region) and day.
    pub keys: Vec<(Arc<str>, Arc<str>, Date)>,
    /// `names.len()` values per row, row after row; `None` where the row has none.
    pub values: Vec<Option<f64>>,
    /// Line of each row, kept until `finish` drops the rows of lines it rejects.
    pub(crate) lines: Vec<usize>,
}

impl SourceMeasures {
    pub fn new(names: Vec<String>) -> Self {
        Self { names, ..Self::default() }
    }

    /// Rows (place and day) held.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// Row `i`'s values, one per name.
    pub fn row(&self, i: usize) -> &[Option<f64>] {
        let n = self.names.len();
        &self.values[i * n..(i + 1) * n]
    }

    /// Row `i`'s value of the measure `name`, if the row has one.
    pub fn value(&self, i: usize, name: &str) -> Option<f64> {
        let column = self.names.iter().position(|n| n == name)?;
        self.row(i)[column]
    }

    /// Values held (cells that are not empty).
    pub fn value_count(&self) -> usize {
        self.values.iter().filter(|v| v.is_some()).count()
    }

    /// Room for `rows` more rows.
    pub(crate) fn reserve(&mut self, rows: usize) {
        self.keys.reserve(rows);
        self.values.reserve(rows * self.names.len());
        self.lines.reserve(rows);
    }

    /// Adds a row of values in `names` order, unless it has none.
    pub fn push(&mut self, line: usize, region: &Arc<str>, sub_region: &Arc<str>, date: Date, values: &[Option<f64>]) {
        debug_assert_eq!(values.len(), self.names.len());
        if values.iter().any(Option::is_some) {
            self.keys.push((region.clone(), sub_region.clone(), date));
            self.values.extend_from_slice(values);
            self.lines.push(line);
        }
    }

    /// Moves the rows of another piece of the same file (same names) to the end of these.
    pub(crate) fn append(&mut self, other: &mut Self) {
        if self.names.is_empty() {
            self.names = std::mem::take(&mut other.names);
        }
        self.keys.reserve(other.keys.len());
        self.keys.append(&mut other.keys);
        self.values.append(&mut other.values);
        self.lines.append(&mut other.lines);
    }

    /// Keeps the rows for which `keep` (given each row's index) holds.
    fn retain(&mut self, mut keep: impl FnMut(usize) -> bool) {
        let n = self.names.len();
        let mut kept = 0;
        for i in 0..self.keys.len() {
            if keep(i) {
                self.keys.swap(kept, i);
                if i < self.lines.len() {
                    self.lines.swap(kept, i);
                }
                self.values.copy_within(i * n..(i + 1) * n, kept * n);
                kept += 1;
            }
        }
        self.keys.truncate(kept);
        self.lines.truncate(kept);
        self.values.truncate(kept * n);
    }

    /// These (stored) measures updated by newer ones: a key in both takes each value the newer row has and keeps
    /// its own where the newer row has none, as the counts do; a newer key is added. The names are the union, these
    /// first. The result holds these rows first, in order, then the newer rows of new keys; the flags say which of
    /// these rows the newer ones touched.
    pub fn update(mut self, newer: &SourceMeasures) -> (SourceMeasures, Vec<bool>) {
        let mut names = self.names.clone();
        for name in &newer.names {
            if !names.contains(name) {
                names.push(name.clone());
            }
        }
        let width = names.len();
        let placed: Vec<usize> = newer.names.iter().filter_map(|n| names.iter().position(|m| m == n)).collect();
        if width > self.names.len() {
            let old = self.names.len();
            let mut values = Vec::with_capacity(self.keys.len() * width);
            for i in 0..self.keys.len() {
                values.extend_from_slice(&self.values[i * old..(i + 1) * old]);
                values.resize(values.len() + width - old, None);
            }
            self.values = values;
        }
        self.names = names;
        // Lines mean something only while a file is read.
        self.lines = Vec::new();
        let index: std::collections::HashMap<(&str, &str, Date), usize> =
            self.keys.iter().enumerate().map(|(i, (region, sub, date))| ((&**region, &**sub, *date), i)).collect();
        let mut touched = vec![false; self.keys.len()];
        let mut added: Vec<usize> = Vec::new();
        let mut updates: Vec<(usize, usize)> = Vec::new();
        for (j, (region, sub, date)) in newer.keys.iter().enumerate() {
            match index.get(&(&**region, &**sub, *date)) {
                Some(&i) => updates.push((i, j)),
                None => added.push(j),
            }
        }
        drop(index);
        for (i, j) in updates {
            touched[i] = true;
            for (&column, value) in placed.iter().zip(newer.row(j)) {
                if value.is_some() {
                    self.values[i * width + column] = *value;
                }
            }
        }
        for j in added {
            let mut row = vec![None; width];
            for (&column, value) in placed.iter().zip(newer.row(j)) {
                row[column] = *value;
            }
            self.keys.push(newer.keys[j].clone());
            self.values.extend(row);
        }
        (self, touched)
    }
}

/// A row that was not imported, with why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejected {
    /// 1-based line in the file (the header is line 1).
    pub line: usize,
    pub reason: String,
}

/// Where an import came from, to be stored beside it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Lineage {
    pub source: String,
    pub file_name: String,
    /// SHA-256 of the file, hex.
    pub sha256: String,
    /// Data rows read (for wide files: region rows, not cells).
    pub rows_read: usize,
}

impl Lineage {
    pub(crate) fn of(source: &str, file_name: &str, bytes: &[u8], rows_read: usize) -> Self {
        Self::hashed(source, file_name, sha256_hex(bytes), rows_read)
    }

    pub(crate) fn hashed(source: &str, file_name: &str, sha256: String, rows_read: usize) -> Self {
        Self { source: source.to_owned(), file_name: file_name.to_owned(), sha256, rows_read }
    }
}

/// A file's SHA-256, hex.
pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// What reading a file came to.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Import {
    pub lineage: Lineage,
    /// Sorted by region, sub-region and date.
    pub rows: Vec<DailyCase>,
    /// The source's extra measures, in file order.
    pub measures: SourceMeasures,
    pub rejected: Vec<Rejected>,
    pub findings: Vec<Finding>,
    /// Line of each row, kept until `finish` for its messages.
    pub(crate) lines: Vec<usize>,
}

impl Import {
    pub(crate) fn push(&mut self, line: usize, row: DailyCase) {
        self.rows.push(row);
        self.lines.push(line);
    }

    pub(crate) fn reject(&mut self, line: usize, reason: impl Into<String>) {
        self.rejected.push(Rejected { line, reason: reason.into() });
    }
}

/// The steps every importer ends with.
pub(crate) fn finish(import: &mut Import, today: Date) {
    let mut rows = std::mem::take(&mut import.rows);
    let mut lines = std::mem::take(&mut import.lines);
    // Files mostly list a region's days in order already; a stable sort keeps file order among equal keys.
    if !rows.is_sorted_by(|a, b| a.order(b).is_le()) {
        let mut pairs: Vec<(DailyCase, usize)> = rows.into_iter().zip(lines).collect();
        pairs.sort_by(|a, b| a.0.order(&b.0));
        (rows, lines) = pairs.into_iter().unzip();
    }
    // Every step from here looks at one place's days at a time, so runs of whole places are worked on each core.
    let cuts = place_cuts(&rows, cores_for(rows.len()));
    let runs: Vec<std::ops::Range<usize>> = cuts.windows(2).map(|w| w[0]..w[1]).collect();
    let marked =
        on_cores(runs, |run| reject_future_and_repeated(&rows[run.clone()], &lines[run.clone()], run.start, today));
    // Rejects are rare, so rows are marked and the kept ones stay where they are rather than being moved.
    let mut dropped = Vec::new();
    for (findings, rejected, indices) in marked {
        import.findings.extend(findings);
        import.rejected.extend(rejected);
        dropped.extend(indices);
    }
    if !dropped.is_empty() && !import.measures.is_empty() {
        // A rejected row's measures go with it: a repeated key would otherwise be stored twice.
        let dropped: std::collections::HashSet<usize> = dropped.iter().map(|&i| lines[i]).collect();
        let measures = &mut import.measures;
        let keep: Vec<bool> = measures.lines.iter().map(|line| !dropped.contains(line)).collect();
        measures.retain(|i| keep[i]);
    }
    import.measures.lines = Vec::new();
    let mut kept = rows;
    if !dropped.is_empty() {
        let mut keep = vec![true; kept.len()];
        for &i in &dropped {
            keep[i] = false;
        }
        let mut i = 0;
        kept.retain(|_| {
            i += 1;
            keep[i - 1]
        });
    }
    let cuts = place_cuts(&kept, cores_for(kept.len()));
    let mut runs: Vec<&mut [DailyCase]> = Vec::with_capacity(cuts.len());
    let mut rest: &mut [DailyCase] = &mut kept;
    for w in cuts.windows(2) {
        let (run, after) = std::mem::take(&mut rest).split_at_mut(w[1] - w[0]);
        runs.push(run);
        rest = after;
    }
    let found = on_cores(runs, |run| {
        derive_daily(run);
        checks::check(run)
    });
    import.findings.extend(found.into_iter().flatten());
    import.rejected.sort_by_key(|r| r.line);
    import.rows = kept;
}

/// Rows below this many are finished on one core: starting threads would cost more than it saves.
const PARALLEL_ROWS: usize = 1 << 16;

fn cores_for(rows: usize) -> usize {
    if rows < PARALLEL_ROWS { 1 } else { std::thread::available_parallelism().map_or(1, |n| n.get()).min(8) }
}

/// Where to cut rows sorted by place into about `pieces` runs, each starting with a new place (region and
/// sub-region). Starts with 0 and ends with the length.
fn place_cuts(rows: &[DailyCase], pieces: usize) -> Vec<usize> {
    let mut cuts = vec![0];
    for k in 1..pieces {
        let last = cuts.last().copied().unwrap_or(0);
        let mut at = (rows.len() * k / pieces).max(last + 1);
        while at < rows.len() && rows[at].same_place(&rows[at - 1]) {
            at += 1;
        }
        if at < rows.len() {
            cuts.push(at);
        }
    }
    cuts.push(rows.len());
    cuts
}

/// Works on each piece on a thread of its own when there are several, and gives the answers in the pieces' order.
pub fn on_cores<P: Send, T: Send>(pieces: Vec<P>, work: impl Fn(P) -> T + Sync) -> Vec<T> {
    if pieces.len() < 2 {
        return pieces.into_iter().map(work).collect();
    }
    let work = &work;
    std::thread::scope(|scope| {
        let handles: Vec<_> = pieces.into_iter().map(|piece| scope.spawn(move || work(piece))).collect();
        // A panic in a piece's work is a bug; it is passed on rather than turned into a half-done answer.
        handles.into_iter().map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e))).collect()
    })
}

/// The findings and rejects of a run of whole places (`rows`, from `start` among all rows): rows dated after
/// today, and rows repeating the key of the row last kept. Gives the indices (among all rows) of the rows to drop.
fn reject_future_and_repeated(
    rows: &[DailyCase],
    lines: &[usize],
    start: usize,
    today: Date,
) -> (Vec<Finding>, Vec<Rejected>, Vec<usize>) {
    let (mut findings, mut rejected, mut dropped) = (Vec::new(), Vec::new(), Vec::new());
    let mut last_kept: Option<usize> = None;
    for ((i, row), &line) in rows.iter().enumerate().zip(lines) {
        if row.date > today {
            findings.push(Finding::new(FindingKind::FutureDate, row, format!("line {line} is dated after today")));
            rejected.push(Rejected { line, reason: format!("date {} is in the future", row.date) });
            dropped.push(start + i);
            continue;
        }
        if last_kept.is_some_and(|k| rows[k].order(row).is_eq()) {
            findings.push(Finding::new(
                FindingKind::DuplicateKey,
                row,
                format!("line {line} repeats a region and day already read; the first is kept"),
            ));
            rejected.push(Rejected { line, reason: "the same region and day appear earlier in the file".into() });
            dropped.push(start + i);
            continue;
        }
        last_kept = Some(i);
    }
    (findings, rejected, dropped)
}

/// Fills daily values from consecutive cumulative ones where the source gives only cumulative counts. A fall in a
/// cumulative count gives a negative daily value: a correction, kept as it is and found by the checks.
fn derive_daily(rows: &mut [DailyCase]) {
    for i in 1..rows.len() {
        let (before, rest) = rows.split_at_mut(i);
        let (prev, row) = (&before[i - 1], &mut rest[0]);
        let consecutive = prev.same_place(row) && prev.date.next_day() == Some(row.date);
        if !consecutive {
            continue;
        }
        if row.new_confirmed.is_none() {
            if let (Some(a), Some(b)) = (prev.cumulative_confirmed, row.cumulative_confirmed) {
                row.new_confirmed = Some(b - a);
            }
        }
        if row.new_deaths.is_none() {
            if let (Some(a), Some(b)) = (prev.cumulative_deaths, row.cumulative_deaths) {
                row.new_deaths = Some(b - a);
            }
        }
    }
}

/// Folds a new import into the rows a source already has in the lake, each row carrying a tag (the ingest that
/// wrote it). A key in both takes the new row's measures where it has them and keeps the stored ones where it has
/// none, so a JHU deaths file does not blank the confirmed counts its confirmed file brought; a new cumulative count
/// without a daily one clears the stored daily value, which is then derived again from the day before. Returns the
/// source's rows, sorted by key.
pub fn merge_rows<T: Clone>(existing: Vec<(DailyCase, T)>, new: Vec<(DailyCase, T)>) -> Vec<(DailyCase, T)> {
    let mut rows = existing;
    rows.sort_by(|a, b| a.0.order(&b.0));
    let mut merged: Vec<(DailyCase, T)> = Vec::with_capacity(rows.len() + new.len());
    let mut old = rows.into_iter().peekable();
    let mut new = {
        let mut new = new;
        new.sort_by(|a, b| a.0.order(&b.0));
        new.into_iter().peekable()
    };
    loop {
        let order = match (old.peek(), new.peek()) {
            (Some(a), Some(b)) => a.0.order(&b.0),
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (None, None) => break,
        };
        match order {
            std::cmp::Ordering::Less => merged.extend(old.next()),
            std::cmp::Ordering::Greater => merged.extend(new.next()),
            std::cmp::Ordering::Equal => {
                let (Some((stored, _)), Some((row, tag))) = (old.next(), new.next()) else { break };
                merged.push((combine(stored, row), tag));
            }
        }
    }
    let mut cases: Vec<DailyCase> = merged.iter().map(|(row, _)| row.clone()).collect();
    derive_daily(&mut cases);
    for ((row, _), derived) in merged.iter_mut().zip(cases) {
        *row = derived;
    }
    merged
}

/// One key's stored row updated by a new one.
fn combine(stored: DailyCase, row: DailyCase) -> DailyCase {
    let pick = |new: Option<i64>, old: Option<i64>| new.or(old);
    // A new cumulative count without a daily one makes any stored daily value stale.
    let daily = |new: Option<i64>, new_cumulative: Option<i64>, old: Option<i64>| match (new, new_cumulative) {
        (Some(v), _) => Some(v),
        (None, Some(_)) => None,
        (None, None) => old,
    };
    DailyCase {
        new_confirmed: daily(row.new_confirmed, row.cumulative_confirmed, stored.new_confirmed),
        cumulative_confirmed: pick(row.cumulative_confirmed, stored.cumulative_confirmed),
        new_deaths: daily(row.new_deaths, row.cumulative_deaths, stored.new_deaths),
        cumulative_deaths: pick(row.cumulative_deaths, stored.cumulative_deaths),
        ..row
    }
}
