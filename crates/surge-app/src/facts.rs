//! The platform's own facts for the situation lake, de-identified and aggregated: passes issued and revoked per zone
//! and day, checkpoint scans per checkpoint and hour, results texted or queued per day, text messages per kind,
//! state and day. The store counts; here a pass good in several zones counts once in each.

use std::collections::BTreeMap;

use crate::store::columns;
use crate::{AppError, FactCount, FactKind, Store};

/// Facts in buckets from `since` (Unix seconds, UTC), sorted by kind, bucket, place and outcome.
pub async fn platform_facts<S: Store>(store: &S, since: i64) -> Result<Vec<FactCount>, AppError> {
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
}
