//! The board's judgements: how a score moved, the flags a patient carries, the day of illness, and the order of
//! urgency the board lists patients in.

use std::cmp::Reverse;

use time::{Date, OffsetDateTime};

use crate::news2::{News2, Risk};

/// How the latest total compares with the one before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Trend {
    Rising,
    Steady,
    Falling,
    /// Only one score so far.
    First,
}

impl Trend {
    pub fn of(previous: Option<&News2>, latest: &News2) -> Trend {
        match previous.map(|p| p.total().cmp(&latest.total())) {
            None => Trend::First,
            Some(std::cmp::Ordering::Less) => Trend::Rising,
            Some(std::cmp::Ordering::Equal) => Trend::Steady,
            Some(std::cmp::Ordering::Greater) => Trend::Falling,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Trend::Rising => "rising",
            Trend::Steady => "steady",
            Trend::Falling => "falling",
            Trend::First => "first",
        }
    }
}

/// A rise worth a flag: the total up by two or more, or into a higher response band.
pub fn rising_score(previous: Option<&News2>, latest: &News2) -> bool {
    previous.is_some_and(|p| latest.total() >= p.total() + 2 || latest.risk() > p.risk())
}

/// Day 1 is the day symptoms began (or, without symptoms, the day of confirmation).
pub fn day_of_illness(onset: Date, today: Date) -> i64 {
    (today - onset).whole_days() + 1
}

/// What the board knows of one patient to place them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Standing {
    pub latest: Option<News2>,
    pub hard_trigger: bool,
    pub missed_in_row: u32,
    pub rising: bool,
    pub last_report: Option<OffsetDateTime>,
}

/// A sort key: smaller is more urgent. High, then medium, then a single parameter at 3, a hard trigger or two
/// check-ins missed in a row, then one missed or a rising score, then the rest; within a tier the higher score,
/// then the longer silence.
pub fn urgency(s: &Standing) -> impl Ord + use<> {
    let risk = s.latest.map(|n| n.risk());
    let tier = match risk {
        Some(Risk::High) => 0,
        Some(Risk::Medium) => 1,
        _ if risk == Some(Risk::LowMedium) || s.hard_trigger || s.missed_in_row >= 2 => 2,
        _ if s.missed_in_row == 1 || s.rising => 3,
        _ => 4,
    };
    let total = s.latest.map_or(0, |n| n.total());
    // None (never reported) sorts first among equals: the longest silence.
    (tier, Reverse(total), Reverse(s.missed_in_row), s.last_report)
}
