//! Data checks run on every import. Their findings are listed with the import and never silently fixed: a source
//! that revises history, reports a negative daily value as a correction or jumps a hundredfold may be right, and
//! people must see it to judge.

use time::Date;

use crate::DailyCase;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FindingKind {
    /// The same region and day twice in one file (the later rows are rejected).
    DuplicateKey,
    /// A cumulative count below zero.
    NegativeCumulative,
    /// A daily value below zero: the source corrected an earlier count.
    NegativeDaily,
    /// A row dated after the import (rejected).
    FutureDate,
    /// A daily value a hundred times the mean of the week before.
    Jump,
    /// A source-specific measure that is not a number (the row's counts are kept).
    UnreadableValue,
}

impl FindingKind {
    /// A stable code for lineage records and the API.
    pub fn code(self) -> &'static str {
        match self {
            Self::DuplicateKey => "duplicate_key",
            Self::NegativeCumulative => "negative_cumulative",
            Self::NegativeDaily => "negative_daily",
            Self::FutureDate => "future_date",
            Self::Jump => "jump_100x",
            Self::UnreadableValue => "unreadable_value",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub kind: FindingKind,
    pub region: String,
    pub sub_region: String,
    pub date: Date,
    pub detail: String,
}

impl Finding {
    pub(crate) fn new(kind: FindingKind, row: &DailyCase, detail: String) -> Self {
        Self { kind, region: row.region.to_string(), sub_region: row.sub_region.to_string(), date: row.date, detail }
    }
}

/// A daily value at least this many times the mean of the days before is a jump.
const JUMP: i64 = 100;
/// Days averaged before a value to judge a jump, and the least mean judged (a rise from 0 or 1 case is no news).
const WINDOW: usize = 7;
const MIN_MEAN: i64 = 5;

/// Checks rows sorted by region, sub-region and date.
pub fn check(rows: &[DailyCase]) -> Vec<Finding> {
    let mut findings = Vec::new();
    let mut series_start = 0;
    for (i, row) in rows.iter().enumerate() {
        if i > 0 && !rows[i - 1].same_place(row) {
            series_start = i;
        }
        for (what, value) in
            [("cumulative confirmed", row.cumulative_confirmed), ("cumulative deaths", row.cumulative_deaths)]
        {
            if let Some(v) = value.filter(|v| *v < 0) {
                findings.push(Finding::new(FindingKind::NegativeCumulative, row, format!("{what} is {v}")));
            }
        }
        for (what, value) in [("new confirmed", row.new_confirmed), ("new deaths", row.new_deaths)] {
            if let Some(v) = value.filter(|v| *v < 0) {
                findings.push(Finding::new(
                    FindingKind::NegativeDaily,
                    row,
                    format!("{what} is {v}: the source corrected an earlier count"),
                ));
            }
        }
        let before = &rows[series_start.max(i.saturating_sub(WINDOW))..i];
        let (sum, known) = before.iter().filter_map(|r| r.new_confirmed).fold((0i64, 0i64), |(s, n), v| (s + v, n + 1));
        if let (Some(v), true) = (row.new_confirmed, known > 0) {
            let mean = sum / known;
            if mean >= MIN_MEAN && v >= mean.saturating_mul(JUMP) {
                findings.push(Finding::new(
                    FindingKind::Jump,
                    row,
                    format!("new confirmed {v} is {}× the mean {mean} of the days before", v / mean),
                ));
            }
        }
    }
    findings
}
