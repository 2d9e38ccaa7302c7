//! Reads what the public dashboard shows from the lake: one source's places over the dashboard's window, with
//! population and tests from the source's own measures where it has them. Each query is timed, because the
//! dashboard's refresh must stay quick on millions of rows (`surge bench lake` reports the slowest).

use std::collections::HashMap;
use std::time::{Duration, Instant};

use deltalake::DeltaTable;
use deltalake::arrow::array::{
    Array, ArrayRef, Date32Array, Float64Array, Int64Array, RecordBatch, StringArray, StringViewArray,
};
use deltalake::arrow::datatypes::DataType;
use deltalake::datafusion::prelude::{SessionContext, col, lit};
use deltalake::datafusion::scalar::ScalarValue;
use surge_lake::situation::{Day, Elsewhere, Place, Situation};
use time::Date;

use crate::rows::{column_as, from_date32, index_as, typed};
use crate::{DAILY_CASES, Lake, LakeStoreError, measures_table};

/// How long each of the dashboard's queries took.
#[derive(Debug, Clone, Default)]
pub struct QueryTimes {
    pub queries: Vec<(&'static str, Duration)>,
    /// The steps between the queries: opening a table, putting rows in their places.
    pub steps: Vec<(&'static str, Duration)>,
}

impl QueryTimes {
    pub fn max(&self) -> Duration {
        self.queries.iter().map(|(_, d)| *d).max().unwrap_or_default()
    }

    /// Queries and steps together.
    pub fn total(&self) -> Duration {
        self.queries.iter().chain(&self.steps).map(|(_, d)| *d).sum()
    }
}

/// The batch's columns cast to the given types, in order.
fn columns(batch: &RecordBatch, types: &[DataType]) -> Result<Vec<ArrayRef>, LakeStoreError> {
    types.iter().enumerate().map(|(i, t)| index_as(batch, i, t)).collect()
}

fn opt_i64(a: &Int64Array, i: usize) -> Option<i64> {
    (!a.is_null(i)).then(|| a.value(i))
}

/// Each source's rows and last day in `daily_cases`, read from the Delta log's statistics of its files: no data
/// file is opened. A file without statistics leaves its source's last day unknown.
fn sources_in(table: &DeltaTable) -> Result<HashMap<String, (i64, Option<i32>)>, LakeStoreError> {
    let files = table.snapshot()?.add_actions_table(true)?;
    let mut sources: HashMap<String, (i64, Option<i32>)> = HashMap::new();
    if files.num_rows() == 0 {
        return Ok(sources);
    }
    let source = column_as(&files, "partition.source", &DataType::Utf8)?;
    let rows = column_as(&files, "num_records", &DataType::Int64)?;
    let last = column_as(&files, "max.date", &DataType::Date32)?;
    let (source, rows, last) =
        (typed::<StringArray>(&source)?, typed::<Int64Array>(&rows)?, typed::<Date32Array>(&last)?);
    for i in 0..files.num_rows() {
        let entry = sources.entry(source.value(i).to_owned()).or_insert((0, None));
        entry.0 += if rows.is_null(i) { 0 } else { rows.value(i) };
        entry.1 = if last.is_null(i) { None } else { entry.1.max(Some(last.value(i))) };
    }
    Ok(sources)
}

/// A text column read in place: string views as DataFusion gives them, anything else cast to plain strings.
enum Texts {
    View(StringViewArray),
    Plain(StringArray),
}

impl Texts {
    fn of(batch: &RecordBatch, i: usize) -> Result<Self, LakeStoreError> {
        let column = batch.columns().get(i).ok_or_else(|| LakeStoreError::Data(format!("column {i} is missing")))?;
        Ok(match column.as_any().downcast_ref::<StringViewArray>() {
            Some(view) => Self::View(view.clone()),
            None => Self::Plain(typed::<StringArray>(&index_as(batch, i, &DataType::Utf8)?)?.clone()),
        })
    }

    fn value(&self, i: usize) -> &str {
        match self {
            Self::View(a) => a.value(i),
            Self::Plain(a) => a.value(i),
        }
    }
}

/// The dashboard's measures from a source's own table.
#[derive(Clone, Copy)]
enum Measure {
    Population,
    NewTests,
    PositiveRate,
}

impl Measure {
    const ALL: [Self; 3] = [Self::Population, Self::NewTests, Self::PositiveRate];

    /// The column (or, in the long form, the measure) it is stored as.
    fn name(self) -> &'static str {
        match self {
            Self::Population => "population",
            Self::NewTests => "new_tests",
            Self::PositiveRate => "positive_rate",
        }
    }

    fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|m| m.name() == name)
    }
}

/// Puts a source's measures on the places' days: tests and positivity on their day, the population of the latest
/// day that gives one.
struct Measures<'a> {
    /// Each place's days as Arrow dates, in order.
    days: &'a [Vec<i32>],
    population: Vec<Option<(i32, f64)>>,
}

impl Measures<'_> {
    fn value(&mut self, place: &mut Place, p: usize, day: i32, measure: Measure, value: f64) {
        match measure {
            Measure::Population => {
                let latest = &mut self.population[p];
                if latest.is_none_or(|(at, _)| day >= at) {
                    *latest = Some((day, value));
                }
            }
            Measure::NewTests | Measure::PositiveRate => {
                if let Ok(i) = self.days[p].binary_search(&day) {
                    match measure {
                        Measure::NewTests => place.days[i].new_tests = Some(value),
                        _ => place.days[i].positive_rate = Some(value),
                    }
                }
            }
        }
    }
}

impl Lake {
    async fn context(&self, tables: &[&str]) -> Result<Option<(SessionContext, DeltaTable)>, LakeStoreError> {
        let ctx = SessionContext::new_with_config(Self::session_config());
        let mut first = None;
        for name in tables {
            let Some(table) = self.load(name).await? else { return Ok(None) };
            table.update_datafusion_session(&ctx.state())?;
            ctx.register_table(*name, table.table_provider().await?)?;
            first.get_or_insert(table);
        }
        Ok(first.map(|table| (ctx, table)))
    }

    /// The dashboard's content: `source`'s places (or the source with most rows), their last `window_days` days,
    /// with the source's population, tests and positivity where known. `None` while the lake has no cases.
    pub async fn situation(
        &self,
        source: Option<&str>,
        window_days: u32,
        times: &mut QueryTimes,
    ) -> Result<Option<Situation>, LakeStoreError> {
        let Some((ctx, table)) = self.context(&[DAILY_CASES]).await? else { return Ok(None) };
        let has_country = ctx.table(DAILY_CASES).await?.schema().has_column_with_unqualified_name("country");
        let mut timed = Timer { times, at: Instant::now() };

        let sources = sources_in(&table)?;
        timed.lap("sources from the log");
        let source = match source {
            Some(s) => s.to_owned(),
            None => match sources.iter().max_by(|a, b| a.1.0.cmp(&b.1.0).then(b.0.cmp(a.0))) {
                Some((name, _)) => name.clone(),
                None => return Ok(None),
            },
        };
        let of_source = col("source").eq(lit(source.as_str()));
        let last_day = match sources.get(&source) {
            Some((_, Some(day))) => Some(*day),
            // Files written without statistics: ask the data.
            _ => {
                let last = ctx
                    .table(DAILY_CASES)
                    .await?
                    .filter(of_source.clone())?
                    .aggregate(vec![], vec![deltalake::datafusion::functions_aggregate::expr_fn::max(col("date"))])?
                    .collect()
                    .await?;
                timed.lap("last date");
                last.iter().find(|b| b.num_rows() > 0).and_then(|b| {
                    b.column(0).as_any().downcast_ref::<Date32Array>().filter(|a| !a.is_null(0)).map(|a| a.value(0))
                })
            }
        };
        let Some(last_day) = last_day else { return Ok(None) };
        let from = last_day - window_days.saturating_sub(1) as i32;
        let in_window = col("date").gt_eq(lit(ScalarValue::Date32(Some(from))));

        // No ORDER BY: the places are grouped here, which costs less than sorting every row in the window.
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
            .collect()
            .await?;
        timed.lap("window of daily cases");

        let mut places: Vec<Place> = Vec::new();
        // Region, then sub-region: a row's place is found with its own strings, without copying them.
        let mut index: HashMap<String, HashMap<String, usize>> = HashMap::new();
        // Each place's days as Arrow dates beside `days`, to put the measures on without converting dates.
        let mut day_numbers: Vec<Vec<i32>> = Vec::new();
        // The window's dates, converted once rather than on each of its rows.
        let window = (last_day - from + 1).max(0) as usize;
        let dates: Vec<Date> = (from..=last_day).map(from_date32).collect::<Result<_, _>>()?;
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
            let mut last: Option<usize> = None;
            for i in 0..batch.num_rows() {
                // Rows of one place mostly come together; the map is asked only when the place changes.
                let same =
                    last.filter(|&p| places[p].region == region.value(i) && places[p].sub_region == sub.value(i));
                let known = || index.get(region.value(i)).and_then(|subs| subs.get(sub.value(i))).copied();
                let p = match same.or_else(known) {
                    Some(p) => p,
                    None => {
                        places.push(Place {
                            region: region.value(i).to_owned(),
                            sub_region: sub.value(i).to_owned(),
                            name: name.value(i).to_owned(),
                            country: (!country.is_null(i)).then(|| country.value(i).to_owned()),
                            // A place has a row a day at most.
                            days: Vec::with_capacity(window),
                            ..Place::default()
                        });
                        day_numbers.push(Vec::with_capacity(window));
                        let p = places.len() - 1;
                        index.entry(region.value(i).to_owned()).or_default().insert(sub.value(i).to_owned(), p);
                        p
                    }
                };
                last = Some(p);
                day_numbers[p].push(date.value(i));
                places[p].days.push(Day {
                    new_confirmed: opt_i64(counts[0], i),
                    cumulative_confirmed: opt_i64(counts[1], i),
                    new_deaths: opt_i64(counts[2], i),
                    cumulative_deaths: opt_i64(counts[3], i),
                    ..Day::new(match usize::try_from(date.value(i) - from).ok().and_then(|d| dates.get(d)) {
                        Some(day) => *day,
                        None => from_date32(date.value(i))?,
                    })
                });
            }
        }
        for (place, numbers) in places.iter_mut().zip(&mut day_numbers) {
            // Days arrive in date order from files written that way; a place whose days did not is sorted.
            if !numbers.is_sorted() {
                place.days.sort_unstable_by_key(|d| d.date);
                numbers.sort_unstable();
            }
        }
        timed.step("daily rows into places");
        let measures = measures_table(&source);
        let opened = self.context(&[measures.as_str()]).await?;
        timed.step("opening the measures table");
        if let Some((ctx, _)) = opened {
            let by_region: HashMap<&str, usize> =
                index.iter().filter_map(|(region, subs)| Some((region.as_str(), *subs.get("")?))).collect();
            let mut put = Measures { days: &day_numbers, population: vec![None; places.len()] };
            let frame = ctx.table(measures.as_str()).await?;
            let schema = frame.schema().clone();
            // A place's rows may end before the source's last day, so its population is looked for in the whole
            // window, like its tests.
            if schema.has_column_with_unqualified_name("measure") {
                // The long form a lake had before measures were kept wide, until its source's next import.
                let wanted = Measure::ALL.iter().map(|m| lit(m.name())).collect();
                let batches = frame
                    .filter(col("measure").in_list(wanted, false).and(in_window))?
                    .select_columns(&["region", "date", "measure", "value"])?
                    .collect()
                    .await?;
                timed.lap("window of measures");
                for batch in &batches {
                    // Text is read as it came (string views, usually), not copied into plain strings first.
                    let (region, name) = (Texts::of(batch, 0)?, Texts::of(batch, 2)?);
                    let date = index_as(batch, 1, &DataType::Date32)?;
                    let value = index_as(batch, 3, &DataType::Float64)?;
                    let (date, value) = (typed::<Date32Array>(&date)?, typed::<Float64Array>(&value)?);
                    for i in 0..batch.num_rows() {
                        if let (Some(&p), Some(measure)) =
                            (by_region.get(region.value(i)), Measure::parse(name.value(i)))
                        {
                            put.value(&mut places[p], p, date.value(i), measure, value.value(i));
                        }
                    }
                }
            } else {
                let wanted: Vec<Measure> =
                    Measure::ALL.into_iter().filter(|m| schema.has_column_with_unqualified_name(m.name())).collect();
                // A table written before measures were kept per sub-region has whole regions only.
                let has_sub = schema.has_column_with_unqualified_name("sub_region");
                let sub = if has_sub { col("sub_region") } else { lit("").alias("sub_region") };
                let columns = [col("region"), sub, col("date")].into_iter().chain(wanted.iter().map(|m| col(m.name())));
                let batches = frame.filter(in_window)?.select(columns.collect::<Vec<_>>())?.collect().await?;
                timed.lap("window of measures");
                for batch in &batches {
                    let (region, sub) = (Texts::of(batch, 0)?, Texts::of(batch, 1)?);
                    let date = index_as(batch, 2, &DataType::Date32)?;
                    let date = typed::<Date32Array>(&date)?;
                    let place: Vec<Option<usize>> = (0..batch.num_rows())
                        .map(|i| index.get(region.value(i)).and_then(|subs| subs.get(sub.value(i))).copied())
                        .collect();
                    for (k, measure) in wanted.iter().enumerate() {
                        let values = index_as(batch, 3 + k, &DataType::Float64)?;
                        let values = typed::<Float64Array>(&values)?;
                        for (i, p) in place.iter().enumerate() {
                            if let (Some(p), false) = (p, values.is_null(i)) {
                                put.value(&mut places[*p], *p, date.value(i), *measure, values.value(i));
                            }
                        }
                    }
                }
            }
            for (p, population) in put.population.into_iter().enumerate() {
                if let Some((_, value)) = population {
                    places[p].population = Some(value);
                }
            }
            timed.step("measures into places");
        }
        let (mut regions, mut sub_regions): (Vec<Place>, Vec<Place>) =
            places.into_iter().partition(|p| p.sub_region.is_empty());
        // A source of districts only (Busan's) still has its region's page.
        surge_lake::situation::roll_up(&mut regions, &sub_regions);
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
    /// A query's time since the last lap or step.
    fn lap(&mut self, name: &'static str) {
        self.times.queries.push((name, self.at.elapsed()));
        self.at = Instant::now();
    }

    /// A step's time since the last lap or step.
    fn step(&mut self, name: &'static str) {
        self.times.steps.push((name, self.at.elapsed()));
        self.at = Instant::now();
    }
}
