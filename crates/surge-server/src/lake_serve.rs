//! The lake inside `surge serve`: answers officials' queries through the web crate's port, keeps the public
//! dashboard current (re-rendered when an import changes the lake or the platform's own figures change), and
//! stores the platform's facts in the lake now and then.

use std::sync::Arc;
use std::time::{Duration, Instant};

use surge_app::facts::{PlatformFigures, figures, platform_facts};
use surge_app::{FactCount, Store};
use surge_lake_delta::{Lake, PlatformFact, QueryLimits, QueryTimes, store_platform_facts};
use surge_web::{Dashboard, LakeAnswer, LakeFormat, LakeFuture, LakeQuery, LakeQueryError};

use crate::settings::LakeSettings;

/// The lake behind `GET /api/v1/lake/sql`.
#[derive(Debug)]
pub struct LakeService {
    pub lake: Lake,
    pub limits: QueryLimits,
}

impl LakeQuery for LakeService {
    fn query(&self, sql: String, format: LakeFormat) -> LakeFuture {
        let (lake, limits) = (self.lake.clone(), self.limits);
        Box::pin(async move {
            let failed = |e: surge_lake_delta::LakeStoreError| LakeQueryError {
                code: e.code(),
                message: e.to_string(),
                input: e.is_input(),
            };
            let result = lake.sql(&sql, limits, &[]).await.map_err(failed)?;
            let body = match format {
                LakeFormat::Json => result.to_json(),
                LakeFormat::Csv => result.to_csv(),
            }
            .map_err(failed)?;
            Ok(LakeAnswer { body, rows: result.num_rows(), truncated: result.truncated })
        })
    }
}

/// Re-renders the dashboard whenever the lake's tables or the platform's figures change; looks every
/// `refresh_seconds`. Runs until the server stops.
pub async fn keep_dashboard<S: Store>(store: S, lake: Lake, dashboard: Arc<Dashboard>, settings: LakeSettings) {
    let mut shown: Option<(Vec<(String, u64)>, PlatformFigures)> = None;
    let mut facts_stored: Option<Instant> = None;
    let source = (!settings.dashboard_source.is_empty()).then(|| settings.dashboard_source.clone());
    loop {
        let now = crate::now();
        let counts = store.fact_counts(now.unix_timestamp() - 8 * 86_400).await;
        let in_force = store.passes_in_force(now.unix_timestamp()).await;
        let figures = match (&counts, &in_force) {
            (Ok(counts), Ok(in_force)) => {
                PlatformFigures { passes_in_force: *in_force, ..figures(counts, now.unix_timestamp()) }
            }
            (Err(e), _) | (_, Err(e)) => {
                tracing::warn!(error = %e, "counting the platform's figures failed");
                shown.as_ref().map(|(_, f)| *f).unwrap_or_default()
            }
        };
        let facts_due = settings.facts_minutes > 0
            && facts_stored.is_none_or(|at| at.elapsed() >= Duration::from_secs(settings.facts_minutes * 60));
        if facts_due {
            facts_stored = Some(Instant::now());
            if let Err(e) = store_facts(&store, &lake).await {
                tracing::warn!(error = %e, "storing the platform's facts in the lake failed");
            }
        }
        match lake.versions().await {
            Ok(versions) => {
                let current = (versions, figures);
                if shown.as_ref() != Some(&current) {
                    let mut times = QueryTimes::default();
                    match lake.situation(source.as_deref(), settings.dashboard_days, &mut times).await {
                        Ok(situation) => {
                            let dashboard = dashboard.clone();
                            let rendered = tokio::task::spawn_blocking(move || {
                                let started = Instant::now();
                                let pages = dashboard.publish(situation.as_ref(), &figures, crate::now());
                                (pages, started.elapsed())
                            })
                            .await;
                            if let Ok((pages, took)) = rendered {
                                tracing::info!(
                                    pages,
                                    render_ms = took.as_millis() as u64,
                                    query_ms = times.max().as_millis() as u64,
                                    "dashboard published"
                                );
                                shown = Some(current);
                            }
                        }
                        Err(e) => tracing::warn!(error = %e, "reading the lake for the dashboard failed"),
                    }
                }
            }
            Err(e) => tracing::warn!(error = %e, "reading the lake's versions failed"),
        }
        tokio::time::sleep(Duration::from_secs(settings.refresh_seconds.max(1))).await;
    }
}

/// The last 90 days of the platform's facts into `platform_facts`.
async fn store_facts<S: Store>(store: &S, lake: &Lake) -> anyhow::Result<u64> {
    let since = crate::now().unix_timestamp() / 86_400 * 86_400 - 90 * 86_400;
    let facts = fact_rows(platform_facts(store, since).await?);
    Ok(store_platform_facts(lake, &facts).await?)
}

/// The platform's facts as the lake stores them.
pub fn fact_rows(facts: Vec<FactCount>) -> Vec<PlatformFact> {
    facts
        .into_iter()
        .map(|f| PlatformFact {
            fact: f.kind.as_str().to_owned(),
            bucket: f.bucket,
            seconds: f.kind.bucket_seconds(),
            place: f.place,
            outcome: f.outcome,
            count: f.count,
        })
        .collect()
}
