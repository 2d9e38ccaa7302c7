//! Check-ins: the local times each day a facility texts its patients to report, which report answers which
//! check-in, and the check-ins missed, counted in a row so that a second miss can be told from a first.

use surge_domain::LocalZone;
use time::macros::time;
use time::{Date, Duration, OffsetDateTime, Time};

/// A facility's check-ins: at least one local time a day, and how long before and after each a report answers it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckIns {
    times: Vec<Time>,
    early: Duration,
    within: Duration,
}

/// One check-in: the local day and which of the day's times, the instant it is due and the instant it closes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CheckIn {
    pub due: OffsetDateTime,
    pub day: Date,
    /// 0 for the day's first time, 1 for the second, ...
    pub number: u8,
    pub closes: OffsetDateTime,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScheduleError {
    #[error("`{0}` is not a time of day such as 09:00")]
    Time(String),
    #[error("a facility needs one to six check-in times a day, each once")]
    Count,
    #[error("a check-in must stay open between 15 minutes and 12 hours, and reports may come up to 6 hours early")]
    Window,
}

impl ScheduleError {
    pub fn code(&self) -> &'static str {
        match self {
            ScheduleError::Time(_) => "check_in_time_invalid",
            ScheduleError::Count => "check_in_times_invalid",
            ScheduleError::Window => "check_in_window_invalid",
        }
    }
}

/// What following a patient's check-ins found, in the order they closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Answered(CheckIn),
    /// Missed, and how many in a row with this one.
    Missed {
        check_in: CheckIn,
        in_row: u32,
    },
}

impl CheckIns {
    /// The usual twice a day, 09:00 and 17:00, answered from an hour before until two hours after.
    pub fn twice_daily() -> CheckIns {
        CheckIns { times: vec![time!(09:00), time!(17:00)], early: Duration::hours(1), within: Duration::hours(2) }
    }

    pub fn new(mut times: Vec<Time>, early: Duration, within: Duration) -> Result<CheckIns, ScheduleError> {
        times.sort();
        let repeated = times.windows(2).any(|w| w[0] == w[1]);
        if times.is_empty() || times.len() > 6 || repeated {
            return Err(ScheduleError::Count);
        }
        if within < Duration::minutes(15)
            || within > Duration::hours(12)
            || early.is_negative()
            || early > Duration::hours(6)
        {
            return Err(ScheduleError::Window);
        }
        Ok(CheckIns { times, early, within })
    }

    /// `09:00, 17:00`: times of day, 24-hour clock, separated by commas.
    pub fn parse_times(text: &str) -> Result<Vec<Time>, ScheduleError> {
        text.split(',')
            .map(str::trim)
            .map(|t| {
                let refused = || ScheduleError::Time(t.to_owned());
                let (h, m) = t.split_once(':').ok_or_else(refused)?;
                let digits = |s: &str| s.len() == 2 && s.bytes().all(|b| b.is_ascii_digit());
                if !digits(h) || !digits(m) {
                    return Err(refused());
                }
                let (h, m) = (h.parse().map_err(|_| refused())?, m.parse().map_err(|_| refused())?);
                Time::from_hms(h, m, 0).map_err(|_| refused())
            })
            .collect()
    }

    pub fn times(&self) -> &[Time] {
        &self.times
    }

    pub fn early(&self) -> Duration {
        self.early
    }

    pub fn within(&self) -> Duration {
        self.within
    }

    /// The check-ins due at or after `from` and before `to`, in order, at local times in `zone`.
    pub fn due_between(&self, zone: LocalZone, from: OffsetDateTime, to: OffsetDateTime) -> Vec<CheckIn> {
        let mut out = Vec::new();
        if to <= from {
            return out;
        }
        let (first, last) = (zone.date_of(from), zone.date_of(to));
        let mut day = first;
        loop {
            for (number, clock) in self.times.iter().enumerate() {
                let due = zone.at(day, *clock);
                if due >= from && due < to {
                    let number = u8::try_from(number).unwrap_or(u8::MAX);
                    out.push(CheckIn { due, day, number, closes: due + self.within });
                }
            }
            match day.next_day() {
                Some(next) if next <= last => day = next,
                _ => break,
            }
        }
        // A clock change can put one day's late time after the next day's early one; keep the order of instants.
        out.sort();
        out.dedup_by_key(|c| c.due);
        out
    }

    /// Whether a report received at `at` answers `check_in`.
    pub fn answers(&self, check_in: &CheckIn, at: OffsetDateTime) -> bool {
        at >= check_in.due - self.early && at < check_in.closes
    }

    /// Follows a patient's check-ins that closed after `since` and no later than `now`: each answered by one of
    /// `reports` (times received, any order) or missed, counting misses in a row from `missed_in_row` (the count
    /// when `since` was followed). Only check-ins due after `monitored_from` (the admission) count.
    pub fn follow(
        &self,
        zone: LocalZone,
        monitored_from: OffsetDateTime,
        since: OffsetDateTime,
        now: OffsetDateTime,
        reports: &[OffsetDateTime],
        missed_in_row: u32,
    ) -> Vec<Step> {
        let mut steps = Vec::new();
        let mut in_row = missed_in_row;
        // A check-in closing after `since` was due after `since - within`.
        let from = (since - self.within + Duration::SECOND).max(monitored_from);
        for check_in in self.due_between(zone, from, now) {
            if check_in.closes <= since || check_in.closes > now || check_in.due < monitored_from {
                continue;
            }
            if reports.iter().any(|r| self.answers(&check_in, *r)) {
                in_row = 0;
                steps.push(Step::Answered(check_in));
            } else {
                in_row += 1;
                steps.push(Step::Missed { check_in, in_row });
            }
        }
        steps
    }
}
