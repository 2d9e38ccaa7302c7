//! The authority's local time: the time zone whose days a pass is valid for and in which every page, text message
//! and CSV shows its times. The zone database is compiled in (chrono-tz), so this does no IO.

use chrono::{NaiveDate, NaiveDateTime, Offset, TimeZone};
use chrono_tz::{OffsetName, Tz};
use time::{Date, Duration, OffsetDateTime, Time, UtcOffset};

/// An IANA time zone, such as `Asia/Seoul` or `Europe/Berlin`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LocalZone(Tz);

/// A time-zone name the database does not know.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not an IANA time zone such as Asia/Seoul or Europe/Berlin")]
pub struct UnknownZone(pub String);

impl Default for LocalZone {
    /// Korea's, the default authority's.
    fn default() -> Self {
        Self(Tz::Asia__Seoul)
    }
}

impl LocalZone {
    pub const UTC: Self = Self(Tz::UTC);

    pub fn named(name: &str) -> Result<Self, UnknownZone> {
        name.trim().parse::<Tz>().map(Self).map_err(|_| UnknownZone(name.to_owned()))
    }

    /// The IANA name, for settings and for browsers (`Intl.DateTimeFormat`'s `timeZone`).
    pub fn name(self) -> &'static str {
        self.0.name()
    }

    fn tz_offset(self, t: OffsetDateTime) -> chrono_tz::TzOffset {
        self.0.offset_from_utc_datetime(&naive_utc(t))
    }

    /// The zone's offset from UTC at the instant `t`.
    pub fn offset_at(self, t: OffsetDateTime) -> UtcOffset {
        let seconds = self.tz_offset(t).fix().local_minus_utc();
        // Offsets in the database are within ±26 h, the range UtcOffset takes.
        UtcOffset::from_whole_seconds(seconds).unwrap_or(UtcOffset::UTC)
    }

    /// The instant `t` with the zone's offset, so that its date and clock are local.
    pub fn local(self, t: OffsetDateTime) -> OffsetDateTime {
        t.to_offset(self.offset_at(t))
    }

    /// The local date at the instant `t`.
    pub fn date_of(self, t: OffsetDateTime) -> Date {
        self.local(t).date()
    }

    /// The first instant of the local day `day`: its midnight, or, where clocks jump over midnight, the moment they
    /// land after it.
    pub fn start_of(self, day: Date) -> OffsetDateTime {
        self.at(day, Time::MIDNIGHT)
    }

    /// The instant the local clock shows `clock` on `day`. Where clocks go back and show it twice, the first; where
    /// they jump over it, the time read by the offset in force before the jump (02:30 on a spring-forward night is
    /// the instant shown as 03:30; a skipped midnight is the moment the clocks land).
    pub fn at(self, day: Date, clock: Time) -> OffsetDateTime {
        let naive = NaiveDate::from_ymd_opt(day.year(), u32::from(u8::from(day.month())), u32::from(day.day()))
            .and_then(|d| d.and_hms_opt(clock.hour().into(), clock.minute().into(), clock.second().into()));
        let as_utc = day.with_time(clock).assume_utc();
        let Some(naive) = naive else {
            return as_utc;
        };
        match self.0.offset_from_local_datetime(&naive) {
            chrono::LocalResult::Single(offset) => as_utc - Duration::seconds(offset.fix().local_minus_utc().into()),
            chrono::LocalResult::Ambiguous(a, b) => {
                let a = as_utc - Duration::seconds(a.fix().local_minus_utc().into());
                let b = as_utc - Duration::seconds(b.fix().local_minus_utc().into());
                a.min(b)
            }
            chrono::LocalResult::None => {
                let before = self.offset_at(as_utc - Duration::days(1));
                as_utc - Duration::seconds(before.whole_seconds().into())
            }
        }
    }

    /// The first instant after the local day `day`.
    pub fn end_of(self, day: Date) -> OffsetDateTime {
        match day.next_day() {
            Some(next) => self.start_of(next),
            None => self.start_of(day) + Duration::days(1),
        }
    }

    /// The zone's short name at `t` (`KST`, `CET`, `CEST`), or its offset (`+04:00`) where it has none.
    pub fn abbreviation(self, t: OffsetDateTime) -> String {
        let offset = self.tz_offset(t);
        match offset.abbreviation() {
            Some(name) if name.chars().all(|c| c.is_ascii_alphabetic()) => name.to_owned(),
            _ => offset_text(self.offset_at(t)),
        }
    }

    /// The one form pages, texts and CSVs show a time in: `2026-12-06 07:04 KST`.
    pub fn display(self, t: OffsetDateTime) -> String {
        let l = self.local(t);
        format!("{} {:02}:{:02} {}", l.date(), l.hour(), l.minute(), self.abbreviation(t))
    }

    /// Whether `t` is the first instant of a local day, so that a validity starting or ending there is told in days.
    pub fn is_day_start(self, t: OffsetDateTime) -> bool {
        self.start_of(self.date_of(t)) == t
    }

    /// The first day of a validity starting at `start`: `2026-12-06`, or the time where it starts within a day.
    pub fn from_text(self, start: OffsetDateTime) -> String {
        if self.is_day_start(start) { self.date_of(start).to_string() } else { self.display(start) }
    }

    /// The end of a validity ending (exclusively) at `end`: its last day, `2026-12-20`, followed by `end_of_day`
    /// (words such as "(end of day)"), or the time it ends where that is within a day.
    pub fn until_text(self, end: OffsetDateTime, end_of_day: &str) -> String {
        if self.is_day_start(end) { format!("{} {end_of_day}", self.last_day(end)) } else { self.display(end) }
    }

    /// The zone's short names by offset in the year either side of `t`, keyed as browsers write an offset
    /// (`GMT+09:00`, `GMT` for none): an offline page, which can only ask its browser for the offset, names the zone
    /// as the server does.
    pub fn names_by_offset(self, t: OffsetDateTime) -> Vec<(String, String)> {
        let mut names: Vec<(String, String)> = Vec::new();
        for day in (-366..=366).step_by(7) {
            let at = t + Duration::days(day);
            let offset = self.offset_at(at);
            let key = if offset.is_utc() { "GMT".to_owned() } else { format!("GMT{}", offset_text(offset)) };
            if !names.iter().any(|(k, _)| *k == key) {
                names.push((key, self.abbreviation(at)));
            }
        }
        names
    }

    /// The last local day a validity that ends (exclusively) at `end` covers: a pass until the start of the 21st is
    /// valid through the 20th.
    pub fn last_day(self, end: OffsetDateTime) -> Date {
        self.date_of(end - Duration::seconds(1))
    }
}

/// `+09:00`, `-03:30`.
fn offset_text(offset: UtcOffset) -> String {
    let (h, m, _) = offset.as_hms();
    let sign = if offset.is_negative() { '-' } else { '+' };
    format!("{sign}{:02}:{:02}", h.unsigned_abs(), m.unsigned_abs())
}

fn naive_utc(t: OffsetDateTime) -> NaiveDateTime {
    chrono::DateTime::from_timestamp(t.unix_timestamp(), 0).map(|d| d.naive_utc()).unwrap_or_default()
}

#[cfg(test)]
mod tests;
