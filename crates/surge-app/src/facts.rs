//! The platform's own facts for the situation lake, de-identified and aggregated: passes issued and revoked per zone
//! and day, checkpoint scans per checkpoint and hour, results texted or queued per day, negatives texted per day by
//! minutes from the lab's message to the gateway, text messages per kind, state and day. The store counts; here a
//! pass good in several zones counts once in each.

use std::collections::BTreeMap;

use crate::store::columns;
use crate::{AppError, FactCount, FactKind, Facts};

/// Facts in buckets from `since` (Unix seconds, UTC), sorted by kind, bucket, place and outcome.
pub async fn platform_facts<S: Facts>(store: &S, since: i64) -> Result<Vec<FactCount>, AppError> {
    Ok(by_zone(store.fact_counts(since).await?))
}

/// Pass counts by zone list become counts by zone, summed; other counts pass through.
pub fn by_zone(counts: Vec<FactCount>) -> Vec<FactCount> {
    let mut merged: BTreeMap<(FactKind, i64, String, String), u64> = BTreeMap::new();
    for count in counts {
        let places = match count.kind {
            FactKind::PassesIssued | FactKind::PassesRevoked => columns::to_zones(&count.place),
            _ => vec![count.place],
        };
        for place in places {
            *merged.entry((count.kind, count.bucket, place, count.outcome.clone())).or_default() += count.count;
        }
    }
    merged
        .into_iter()
        .map(|((kind, bucket, place, outcome), count)| FactCount { kind, bucket, place, outcome, count })
        .collect()
}

/// The platform's headline figures for the public dashboard.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PlatformFigures {
    /// Passes in force at the time of the figures (not from the facts: set by the caller).
    pub passes_in_force: u64,
    pub passes_issued_7d: u64,
    pub passes_revoked_7d: u64,
    pub scans_24h: u64,
    pub scans_invalid_24h: u64,
    pub results_7d: u64,
    pub results_texted_7d: u64,
    pub sms_7d: u64,
    pub sms_delivered_7d: u64,
    /// The median whole minutes from a lab's message to the gateway taking its negative's text, over the
    /// negatives texted automatically in the last 7 days; `None` when there were none.
    pub result_text_median_minutes_7d: Option<u64>,
}

/// Sums the facts into the dashboard's figures as at `now` (Unix seconds). Pass counts are summed as the store
/// keeps them (a pass good in two zones counts once), so feed this the store's counts, not `by_zone`'s.
pub fn figures(counts: &[FactCount], now: i64) -> PlatformFigures {
    let week = now - 7 * 86_400;
    let day = now - 86_400;
    let mut f = PlatformFigures::default();
    let mut minutes: Vec<(u64, u64)> = Vec::new();
    for c in counts {
        // A bucket counts when it ends after the window's start.
        let within = |since: i64| c.bucket + c.kind.bucket_seconds() > since;
        match c.kind {
            FactKind::PassesIssued if within(week) => f.passes_issued_7d += c.count,
            FactKind::PassesRevoked if within(week) => f.passes_revoked_7d += c.count,
            FactKind::Scans if within(day) => {
                f.scans_24h += c.count;
                if c.outcome == "invalid" {
                    f.scans_invalid_24h += c.count;
                }
            }
            FactKind::Results if within(week) => {
                f.results_7d += c.count;
                if c.outcome == "texted" {
                    f.results_texted_7d += c.count;
                }
            }
            FactKind::Sms if within(week) => {
                f.sms_7d += c.count;
                if c.outcome == "delivered" {
                    f.sms_delivered_7d += c.count;
                }
            }
            FactKind::ResultTextMinutes if within(week) => {
                if let Ok(m) = c.outcome.parse::<u64>() {
                    minutes.push((m, c.count));
                }
            }
            _ => {}
        }
    }
    f.result_text_median_minutes_7d = median(minutes);
    f
}

/// The median of values given with how often each occurs (the lower middle one for an even count).
fn median(mut counted: Vec<(u64, u64)>) -> Option<u64> {
    counted.sort_unstable();
    let total: u64 = counted.iter().map(|(_, n)| n).sum();
    if total == 0 {
        return None;
    }
    let middle = total.div_ceil(2);
    let mut seen = 0;
    counted.into_iter().find_map(|(value, n)| {
        seen += n;
        (seen >= middle).then_some(value)
    })
}

/// Passes issued and messages in the outbox, all time, for the metrics endpoint.
pub async fn totals<S: Facts>(store: &S) -> Result<(u64, u64), AppError> {
    Ok(store.counts().await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn count(kind: FactKind, place: &str, outcome: &str, count: u64) -> FactCount {
        FactCount { kind, bucket: 86_400, place: place.into(), outcome: outcome.into(), count }
    }

    #[test]
    fn a_pass_for_several_zones_counts_in_each() {
        let counts = vec![
            count(FactKind::PassesIssued, "KR-26;KR-11", "", 2),
            count(FactKind::PassesIssued, "KR-26", "", 5),
            count(FactKind::Scans, "3", "valid", 4),
            count(FactKind::Sms, "pass_issued", "delivered", 7),
        ];
        assert_eq!(
            by_zone(counts),
            [
                count(FactKind::PassesIssued, "KR-11", "", 2),
                count(FactKind::PassesIssued, "KR-26", "", 7),
                count(FactKind::Scans, "3", "valid", 4),
                count(FactKind::Sms, "pass_issued", "delivered", 7),
            ]
        );
    }

    #[test]
    fn figures_sum_the_last_week_and_day() {
        let now = 100 * 86_400 + 3_600;
        let at = |kind, bucket, outcome: &str, n| FactCount {
            kind,
            bucket,
            place: "x".into(),
            outcome: outcome.into(),
            count: n,
        };
        let counts = [
            at(FactKind::PassesIssued, 100 * 86_400, "", 3),
            at(FactKind::PassesIssued, 94 * 86_400, "", 4),
            // A week and a day ago: outside.
            at(FactKind::PassesIssued, 92 * 86_400, "", 100),
            at(FactKind::Scans, now - 3_600, "invalid", 2),
            at(FactKind::Scans, now - 7_200, "valid", 5),
            at(FactKind::Scans, now - 30 * 3_600, "valid", 50),
            at(FactKind::Results, 99 * 86_400, "texted", 6),
            at(FactKind::Results, 99 * 86_400, "queued", 1),
            at(FactKind::Sms, 98 * 86_400, "delivered", 8),
            at(FactKind::Sms, 98 * 86_400, "failed", 2),
        ];
        let f = figures(&counts, now);
        assert_eq!((f.passes_issued_7d, f.scans_24h, f.scans_invalid_24h), (7, 7, 2));
        assert_eq!((f.results_7d, f.results_texted_7d, f.sms_7d, f.sms_delivered_7d), (7, 6, 10, 8));
        assert_eq!(f.result_text_median_minutes_7d, None, "no text times");
        let texted = [
            at(FactKind::ResultTextMinutes, 99 * 86_400, "0", 3),
            at(FactKind::ResultTextMinutes, 98 * 86_400, "2", 2),
            at(FactKind::ResultTextMinutes, 99 * 86_400, "45", 1),
            // Outside the week: a slow day long ago does not count.
            at(FactKind::ResultTextMinutes, 80 * 86_400, "900", 50),
        ];
        assert_eq!(figures(&texted, now).result_text_median_minutes_7d, Some(0), "3 of 6 texts within a minute");
        let slower = [texted[1].clone(), texted[2].clone(), texted[3].clone()];
        assert_eq!(figures(&slower, now).result_text_median_minutes_7d, Some(2));
    }

    #[test]
    fn the_median_is_the_middle_count() {
        assert_eq!(median(vec![]), None);
        assert_eq!(median(vec![(5, 1)]), Some(5));
        assert_eq!(median(vec![(9, 1), (1, 1)]), Some(1), "the lower middle of an even count");
        assert_eq!(median(vec![(1, 1), (2, 1), (30, 1)]), Some(2));
        assert_eq!(median(vec![(1, 10), (2, 1), (30, 10)]), Some(2));
    }
}
