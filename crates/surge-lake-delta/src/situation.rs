//! Reads what the public dashboard shows from the lake: one source's places over the dashboard's window, with
//! population and tests from the source's own measures where it has them. Each query is timed, because the
//! dashboard's refresh must stay quick on millions of rows (`surge bench lake` reports the slowest).

use std::collections::HashMap;
use std::time::{Duration, Instant};

use deltalake::arrow::array::{Array, ArrayRef, Date32Array, Float64Array, Int64Array, RecordBatch, StringArray};
use deltalake::arrow::datatypes::DataType;
use deltalake::datafusion::prelude::{SessionContext, col, lit};
use deltalake::datafusion::scalar::ScalarValue;
use surge_lake::situation::{Day, Elsewhere, Place, Situation};

use crate::rows::{from_date32, index_as, typed};
use crate::{DAILY_CASES, Lake, LakeStoreError, measures_table};

/// The measures the dashboard uses from a source's own table.
const MEASURES: [&str; 3] = ["population", "new_tests", "positive_rate"];

/// How long each of the dashboard's queries took.
#[derive(Debug, Clone, Default)]
pub struct QueryTimes {
    pub queries: Vec<(&'static str, Duration)>,
}

impl QueryTimes {
    pub fn max(&self) -> Duration {
        self.queries.iter().map(|(_, d)| *d).max().unwrap_or_default()
    }
}

/// The batch's columns cast to the given types, in order.
fn columns(batch: &RecordBatch, types: &[DataType]) -> Result<Vec<ArrayRef>, LakeStoreError> {
    types.iter().enumerate().map(|(i, t)| index_as(batch, i, t)).collect()
}

fn opt_i64(a: &Int64Array, i: usize) -> Option<i64> {
    (!a.is_null(i)).then(|| a.value(i))
}

impl Lake {
    async fn context(&self, tables: &[&str]) -> Result<Option<SessionContext>, LakeStoreError> {
        let ctx = SessionContext::new();
        for name in tables {
            let Some(table) = self.load(name).await? else { return Ok(None) };
            table.update_datafusion_session(&ctx.state())?;
            ctx.register_table(*name, table.table_provider().await?)?;
        }
        Ok(Some(ctx))
    }

    /// The dashboard's content: `source`'s places (or the source with most rows), their last `window_days` days,
    /// with the source's population, tests and positivity where known. `None` while the lake has no cases.
    pub async fn situation(
        &self,
        source: Option<&str>,
        window_days: u32,
        times: &mut QueryTimes,
    ) -> Result<Option<Situation>, LakeStoreError> {
        let Some(ctx) = self.context(&[DAILY_CASES]).await? else { return Ok(None) };
        let has_country = ctx.table(DAILY_CASES).await?.schema().has_column_with_unqualified_name("country");
        let mut timed = Timer { times, at: Instant::now() };

        let source = match source {
            Some(s) => s.to_owned(),
            None => {
                let batches = ctx
                    .sql(
                        "SELECT source, count(*) AS n FROM daily_cases GROUP BY source ORDER BY n DESC, source LIMIT 1",
                    )
                    .await?
                    .collect()
                    .await?;
                timed.lap("busiest source");
                match batches.iter().find(|b| b.num_rows() > 0) {
                    Some(b) => typed::<StringArray>(&index_as(b, 0, &DataType::Utf8)?)?.value(0).to_owned(),
                    None => return Ok(None),
                }
            }
        };
        let of_source = col("source").eq(lit(source.as_str()));
        let last = ctx
            .table(DAILY_CASES)
            .await?
            .filter(of_source.clone())?
            .aggregate(vec![], vec![deltalake::datafusion::functions_aggregate::expr_fn::max(col("date"))])?
            .collect()
            .await?;
        timed.lap("last date");
        let last_day = last.iter().find(|b| b.num_rows() > 0).and_then(|b| {
            b.column(0).as_any().downcast_ref::<Date32Array>().filter(|a| !a.is_null(0)).map(|a| a.value(0))
        });
        let Some(last_day) = last_day else { return Ok(None) };
        let from = last_day - window_days.saturating_sub(1) as i32;
        let in_window = col("date").gt_eq(lit(ScalarValue::Date32(Some(from))));

        let batches = ctx
            .table(DAILY_CASES)
            .await?
            .filter(of_source.and(in_window.clone()))?
            .select(
                [
                    "region",
                    "sub_region",
                    "region_name",
                    "date",
                    "new_confirmed",
                    "cumulative_confirmed",
                    "new_deaths",
                    "cumulative_deaths",
                ]
                .into_iter()
                .map(col)
                // A lake written before rows had a country has no such column until its next import.
                .chain([if has_country { col("country") } else { lit(ScalarValue::Utf8(None)).alias("country") }])
                .collect::<Vec<_>>(),
            )?
            .sort(vec![
                col("region").sort(true, false),
                col("sub_region").sort(true, false),
                col("date").sort(true, false),
            ])?
            .collect()
            .await?;
        timed.lap("window of daily cases");

        let mut places: Vec<Place> = Vec::new();
        let (text, count) = (DataType::Utf8, DataType::Int64);
        let types = [
            text.clone(),
            text.clone(),
            text.clone(),
            DataType::Date32,
            count.clone(),
            count.clone(),
            count.clone(),
            count,
            text,
        ];
        for batch in &batches {
            let c = columns(batch, &types)?;
            let (region, sub) = (typed::<StringArray>(&c[0])?, typed::<StringArray>(&c[1])?);
            let (name, date) = (typed::<StringArray>(&c[2])?, typed::<Date32Array>(&c[3])?);
            let counts = [
                typed::<Int64Array>(&c[4])?,
                typed::<Int64Array>(&c[5])?,
                typed::<Int64Array>(&c[6])?,
                typed::<Int64Array>(&c[7])?,
            ];
            let country = typed::<StringArray>(&c[8])?;
            for i in 0..batch.num_rows() {
                let same = places.last().is_some_and(|p| p.region == region.value(i) && p.sub_region == sub.value(i));
                if !same {
                    places.push(Place {
                        region: region.value(i).to_owned(),
                        sub_region: sub.value(i).to_owned(),
                        name: name.value(i).to_owned(),
                        country: (!country.is_null(i)).then(|| country.value(i).to_owned()),
                        ..Place::default()
                    });
                }
                if let Some(place) = places.last_mut() {
                    place.days.push(Day {
                        new_confirmed: opt_i64(counts[0], i),
                        cumulative_confirmed: opt_i64(counts[1], i),
                        new_deaths: opt_i64(counts[2], i),
                        cumulative_deaths: opt_i64(counts[3], i),
                        ..Day::new(from_date32(date.value(i))?)
                    });
                }
            }
        }
        let measures = measures_table(&source);
        if let Some(ctx) = self.context(&[measures.as_str()]).await? {
            let wanted: Vec<_> = MEASURES.iter().map(|m| lit(*m)).collect();
            let batches = ctx
                .table(measures.as_str())
                .await?
                .filter(col("measure").in_list(wanted, false).and(in_window))?
                .select_columns(&["region", "date", "measure", "value"])?
                .collect()
                .await?;
            timed.lap("window of measures");
            let mut by_region: HashMap<&str, usize> = HashMap::new();
            for (i, p) in places.iter().enumerate() {
                if p.sub_region.is_empty() {
                    by_region.insert(p.region.as_str(), i);
                }
            }
            let mut updates: Vec<(usize, i32, String, f64)> = Vec::new();
            let types = [DataType::Utf8, DataType::Date32, DataType::Utf8, DataType::Float64];
            for batch in &batches {
                let c = columns(batch, &types)?;
                let (region, date) = (typed::<StringArray>(&c[0])?, typed::<Date32Array>(&c[1])?);
                let (name, value) = (typed::<StringArray>(&c[2])?, typed::<Float64Array>(&c[3])?);
                for i in 0..batch.num_rows() {
                    if let Some(&p) = by_region.get(region.value(i)) {
                        updates.push((p, date.value(i), name.value(i).to_owned(), value.value(i)));
                    }
                }
            }
            for (p, day, name, value) in updates {
                let place = &mut places[p];
                if name == "population" {
                    place.population = Some(value);
                    continue;
                }
                let Ok(date) = from_date32(day) else { continue };
                if let Ok(i) = place.days.binary_search_by(|d| d.date.cmp(&date)) {
                    match name.as_str() {
                        "new_tests" => place.days[i].new_tests = Some(value),
                        _ => place.days[i].positive_rate = Some(value),
                    }
                }
            }
        }
        let (mut regions, mut sub_regions): (Vec<Place>, Vec<Place>) =
            places.into_iter().partition(|p| p.sub_region.is_empty());
        regions.sort_by(|a, b| a.name.cmp(&b.name).then(a.region.cmp(&b.region)));
        sub_regions.sort_by(|a, b| a.region.cmp(&b.region).then(a.name.cmp(&b.name)));
        let elsewhere =
            if has_country { self.elsewhere(&ctx, &source, &regions, &mut timed).await? } else { Vec::new() };
        let attribution = surge_lake::attribution_of(&source);
        Ok(Some(Situation { source, attribution, regions, sub_regions, versions: self.versions().await?, elsewhere }))
    }

    /// Other sources' latest whole-country totals for the countries among `regions`: for each source and country,
    /// its row on the last day it reported the whole country (areas are not summed: sources cut countries into
    /// areas differently).
    async fn elsewhere(
        &self,
        ctx: &SessionContext,
        source: &str,
        regions: &[Place],
        timed: &mut Timer<'_>,
    ) -> Result<Vec<Elsewhere>, LakeStoreError> {
        let wanted: std::collections::HashSet<&str> = regions.iter().filter_map(|p| p.country.as_deref()).collect();
        if wanted.is_empty() {
            return Ok(Vec::new());
        }
        let quoted = source.replace('\'', "''");
        let batches = ctx
            .sql(&format!(
                "WITH whole AS (SELECT source, country, date, cumulative_confirmed, cumulative_deaths FROM daily_cases \
                 WHERE source <> '{quoted}' AND country IS NOT NULL AND sub_region = ''), \
                 last AS (SELECT source, country, max(date) AS date FROM whole GROUP BY source, country) \
                 SELECT w.source, w.country, w.date, w.cumulative_confirmed, w.cumulative_deaths FROM whole w \
                 JOIN last l ON w.source = l.source AND w.country = l.country AND w.date = l.date \
                 ORDER BY w.country, w.source"
            ))
            .await?
            .collect()
            .await?;
        timed.lap("other sources' latest totals");
        let mut out = Vec::new();
        let (text, count) = (DataType::Utf8, DataType::Int64);
        let types = [text.clone(), text, DataType::Date32, count.clone(), count];
        for batch in &batches {
            let c = columns(batch, &types)?;
            let (sources, countries) = (typed::<StringArray>(&c[0])?, typed::<StringArray>(&c[1])?);
            let date = typed::<Date32Array>(&c[2])?;
            let (cases, deaths) = (typed::<Int64Array>(&c[3])?, typed::<Int64Array>(&c[4])?);
            for i in 0..batch.num_rows() {
                if !wanted.contains(countries.value(i)) {
                    continue;
                }
                out.push(Elsewhere {
                    country: countries.value(i).to_owned(),
                    source: sources.value(i).to_owned(),
                    attribution: surge_lake::attribution_of(sources.value(i)),
                    date: from_date32(date.value(i))?,
                    cumulative_confirmed: opt_i64(cases, i),
                    cumulative_deaths: opt_i64(deaths, i),
                });
            }
        }
        Ok(out)
    }
}

/// Records the time since the last lap under a name.
struct Timer<'a> {
    times: &'a mut QueryTimes,
    at: Instant,
}

impl Timer<'_> {
    fn lap(&mut self, name: &'static str) {
        self.times.queries.push((name, self.at.elapsed()));
        self.at = Instant::now();
    }
}
