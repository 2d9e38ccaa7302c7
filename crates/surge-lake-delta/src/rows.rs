//! The lake's tables as Arrow: their schemas, and the conversion of importer rows to record batches and back.

use std::sync::Arc;

use deltalake::arrow::array::{
    Array, ArrayRef, Date32Array, Date32Builder, Float64Array, Float64Builder, Int64Array, Int64Builder, RecordBatch,
    StringArray, StringBuilder, TimestampMicrosecondBuilder, UInt64Builder,
};
use deltalake::arrow::datatypes::{DataType, Field, Schema, SchemaRef, TimeUnit};
use deltalake::parquet::basic::Compression;
use deltalake::parquet::file::properties::{EnabledStatistics, WriterProperties};
use deltalake::parquet::schema::types::ColumnPath;
use surge_lake::{DailyCase, Finding, Import, Shared, SourceMeasures};
use time::{Date, OffsetDateTime};

use crate::LakeStoreError;

/// Days from 0001-01-01 (Julian day 1721426) to 1970-01-01, as Arrow's Date32 counts them.
const UNIX_EPOCH_JULIAN_DAY: i32 = 2_440_588;

pub(crate) fn date32(date: Date) -> i32 {
    date.to_julian_day() - UNIX_EPOCH_JULIAN_DAY
}

pub(crate) fn from_date32(days: i32) -> Result<Date, LakeStoreError> {
    Date::from_julian_day(days + UNIX_EPOCH_JULIAN_DAY).map_err(|e| LakeStoreError::Data(format!("date {days}: {e}")))
}

fn string(name: &str) -> Field {
    Field::new(name, DataType::Utf8, false)
}

fn count(name: &str) -> Field {
    Field::new(name, DataType::Int64, true)
}

fn timestamp(name: &str) -> Field {
    Field::new(name, DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())), false)
}

const ROW_GROUP_ROWS: usize = 1 << 17;

/// How the lake writes Parquet. Snappy, which every engine reads; dictionaries only for text, whose values repeat
/// row after row (numbers rarely do, and a dictionary tried and given up costs time); statistics per row group,
/// which is what Delta's file skipping and other engines use (page statistics cost a pass for little).
pub fn writer_properties() -> WriterProperties {
    let mut builder = WriterProperties::builder()
        .set_compression(Compression::SNAPPY)
        .set_dictionary_enabled(false)
        .set_statistics_enabled(EnabledStatistics::Chunk)
        // Row groups of about a month of a large source's days, each with its own date range to skip by.
        .set_max_row_group_row_count(Some(ROW_GROUP_ROWS));
    for column in ["source", "region", "sub_region", "region_name", "ingest_id", "country", "measure"] {
        builder = builder.set_column_dictionary_enabled(ColumnPath::from(column), true);
    }
    builder.build()
}

/// Days a stretch of the written rows covers: rows are put in order of their stretch, not of their day.
pub(crate) const PERIOD_DAYS: i32 = 16;

/// Row indices stretch after stretch of `PERIOD_DAYS` days, the rows of a stretch in the order given (a counting
/// sort over the stretches, linear in the rows). A row group or file then covers a few weeks, which is what a query
/// for recent days needs to skip the older ones; a full sort by day would gain it nothing and would read a source
/// sorted by region one row per region at a time, missing the cache on every row. A region whose rows are given in
/// date order keeps them in date order.
pub(crate) fn by_period(dates: impl Iterator<Item = i32>) -> Vec<usize> {
    // The periods are taken once: the rows they come from are large, and are read here once, in order.
    let periods: Vec<i32> = dates.map(|d| d.div_euclid(PERIOD_DAYS)).collect();
    let (Some(&first), Some(&last)) = (periods.iter().min(), periods.iter().max()) else { return Vec::new() };
    let span = (i64::from(last) - i64::from(first) + 1) as usize;
    if span > 1 << 20 {
        // Dates tens of thousands of years apart: not worth a counter each; a stable sort gives the same order.
        let mut order: Vec<usize> = (0..periods.len()).collect();
        order.sort_by_key(|&i| periods[i]);
        return order;
    }
    let mut starts = vec![0usize; span + 1];
    for &p in &periods {
        starts[(p - first) as usize + 1] += 1;
    }
    for i in 1..starts.len() {
        starts[i] += starts[i - 1];
    }
    let mut order = vec![0; periods.len()];
    for (i, &p) in periods.iter().enumerate() {
        let slot = &mut starts[(p - first) as usize];
        order[*slot] = i;
        *slot += 1;
    }
    order
}

/// `daily_cases`: every source's case and death counts in one shape, partitioned by source.
pub fn daily_cases_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        string("source"),
        string("region"),
        string("sub_region"),
        Field::new("date", DataType::Date32, false),
        count("new_confirmed"),
        count("cumulative_confirmed"),
        count("new_deaths"),
        count("cumulative_deaths"),
        string("region_name"),
        string("ingest_id"),
        // Last, where schema evolution puts a column that a lake written before it lacks.
        Field::new("country", DataType::Utf8, true),
    ]))
}

/// Rows of `daily_cases`, each with the ingest that last wrote it.
pub(crate) fn daily_cases_batch<'a>(
    rows: impl ExactSizeIterator<Item = (&'a DailyCase, &'a str)>,
) -> Result<RecordBatch, LakeStoreError> {
    let n = rows.len();
    let mut source = StringBuilder::with_capacity(n, n * 4);
    let mut region = StringBuilder::with_capacity(n, n * 3);
    let mut sub_region = StringBuilder::with_capacity(n, n);
    let mut date = Date32Builder::with_capacity(n);
    let mut counts: [Int64Builder; 4] = std::array::from_fn(|_| Int64Builder::with_capacity(n));
    let mut region_name = StringBuilder::with_capacity(n, n * 8);
    let mut ingest = StringBuilder::with_capacity(n, n * 24);
    let mut country = StringBuilder::with_capacity(n, n * 3);
    for (row, ingest_id) in rows {
        source.append_value(&row.source);
        region.append_value(&row.region);
        sub_region.append_value(&row.sub_region);
        date.append_value(date32(row.date));
        let values = [row.new_confirmed, row.cumulative_confirmed, row.new_deaths, row.cumulative_deaths];
        for (builder, value) in counts.iter_mut().zip(values) {
            builder.append_option(value);
        }
        region_name.append_value(&row.region_name);
        ingest.append_value(ingest_id);
        country.append_option(row.country.as_deref());
    }
    let [a, b, c, d] = counts.map(|mut builder| Arc::new(builder.finish()) as ArrayRef);
    let columns: Vec<ArrayRef> = vec![
        Arc::new(source.finish()),
        Arc::new(region.finish()),
        Arc::new(sub_region.finish()),
        Arc::new(date.finish()),
        a,
        b,
        c,
        d,
        Arc::new(region_name.finish()),
        Arc::new(ingest.finish()),
        Arc::new(country.finish()),
    ];
    Ok(RecordBatch::try_new(daily_cases_schema(), columns)?)
}

/// A column cast to the type Surge wrote it as: DataFusion reads strings back as views and partition values as
/// dictionaries, so a read batch's types are not the written ones.
pub(crate) fn column_as(batch: &RecordBatch, name: &str, to: &DataType) -> Result<ArrayRef, LakeStoreError> {
    let column = batch.column_by_name(name).ok_or_else(|| LakeStoreError::Data(format!("column {name} is missing")))?;
    Ok(deltalake::arrow::compute::cast(column, to)?)
}

/// The `i`th column cast to a type.
pub(crate) fn index_as(batch: &RecordBatch, i: usize, to: &DataType) -> Result<ArrayRef, LakeStoreError> {
    let column = batch.columns().get(i).ok_or_else(|| LakeStoreError::Data(format!("column {i} is missing")))?;
    Ok(deltalake::arrow::compute::cast(column, to)?)
}

/// A cast column as its concrete array type.
pub(crate) fn typed<T: 'static>(array: &ArrayRef) -> Result<&T, LakeStoreError> {
    array
        .as_any()
        .downcast_ref::<T>()
        .ok_or_else(|| LakeStoreError::Data(format!("a column is not {}", array.data_type())))
}

fn optional(values: &Int64Array, i: usize) -> Option<i64> {
    (!values.is_null(i)).then(|| values.value(i))
}

/// Reads `daily_cases` rows back, with their ingest ids; a region's text is shared by its rows as on import.
pub(crate) fn daily_cases_rows(batch: &RecordBatch) -> Result<Vec<(DailyCase, Arc<str>)>, LakeStoreError> {
    let text = |name| column_as(batch, name, &DataType::Utf8);
    let counts = |name| column_as(batch, name, &DataType::Int64);
    let (source, region, sub_region) = (text("source")?, text("region")?, text("sub_region")?);
    let (region_name, ingest) = (text("region_name")?, text("ingest_id")?);
    let date = column_as(batch, "date", &DataType::Date32)?;
    let (new_confirmed, cumulative_confirmed) = (counts("new_confirmed")?, counts("cumulative_confirmed")?);
    let (new_deaths, cumulative_deaths) = (counts("new_deaths")?, counts("cumulative_deaths")?);
    let (source, region, sub_region) =
        (typed::<StringArray>(&source)?, typed::<StringArray>(&region)?, typed::<StringArray>(&sub_region)?);
    let (region_name, ingest) = (typed::<StringArray>(&region_name)?, typed::<StringArray>(&ingest)?);
    let date = typed::<Date32Array>(&date)?;
    // A table written before rows had a country has no such column.
    let country = batch.column_by_name("country").map(|_| text("country")).transpose()?;
    let country = country.as_ref().map(typed::<StringArray>).transpose()?;
    let (new_confirmed, cumulative_confirmed) =
        (typed::<Int64Array>(&new_confirmed)?, typed::<Int64Array>(&cumulative_confirmed)?);
    let (new_deaths, cumulative_deaths) = (typed::<Int64Array>(&new_deaths)?, typed::<Int64Array>(&cumulative_deaths)?);
    let mut shared: [Shared; 6] = Default::default();
    let mut rows = Vec::with_capacity(batch.num_rows());
    for i in 0..batch.num_rows() {
        let [s_source, s_region, s_sub, s_name, s_country, s_ingest] = &mut shared;
        let row = DailyCase {
            source: s_source.get(source.value(i)),
            region: s_region.get(region.value(i)),
            sub_region: s_sub.get(sub_region.value(i)),
            date: from_date32(date.value(i))?,
            new_confirmed: optional(new_confirmed, i),
            cumulative_confirmed: optional(cumulative_confirmed, i),
            new_deaths: optional(new_deaths, i),
            cumulative_deaths: optional(cumulative_deaths, i),
            region_name: s_name.get(region_name.value(i)),
            country: country.filter(|c| !c.is_null(i)).map(|c| s_country.get(c.value(i))),
        };
        rows.push((row, s_ingest.get(ingest.value(i))));
    }
    Ok(rows)
}

/// Columns of a source's measures table that are no measure.
const MEASURE_KEYS: [&str; 4] = ["region", "sub_region", "date", "ingest_id"];

/// A source's own extra measures (`owid_measures`, …): one row per place (region and sub-region, empty for the whole
/// region) and day, a nullable column per measure.
pub fn measures_schema(names: &[String]) -> SchemaRef {
    let mut fields = vec![string("region"), string("sub_region"), Field::new("date", DataType::Date32, false)];
    fields.extend(names.iter().map(|name| Field::new(name, DataType::Float64, true)));
    fields.push(string("ingest_id"));
    Arc::new(Schema::new(fields))
}

/// The measures rows `rows` (indices into `measures`), each with the ingest that last wrote it.
pub(crate) fn measures_batch<'a>(
    schema: &SchemaRef,
    measures: &SourceMeasures,
    rows: &[usize],
    ingest_of: impl Fn(usize) -> &'a str,
) -> Result<RecordBatch, LakeStoreError> {
    let n = rows.len();
    let mut region = StringBuilder::with_capacity(n, n * 3);
    let mut sub_region = StringBuilder::with_capacity(n, 0);
    let mut date = Date32Builder::with_capacity(n);
    let mut values: Vec<Float64Builder> = measures.names.iter().map(|_| Float64Builder::with_capacity(n)).collect();
    let mut ingest = StringBuilder::with_capacity(n, n * 24);
    for &i in rows {
        let (r, s, d) = &measures.keys[i];
        region.append_value(r);
        sub_region.append_value(s);
        date.append_value(date32(*d));
        for (builder, value) in values.iter_mut().zip(measures.row(i)) {
            builder.append_option(*value);
        }
        ingest.append_value(ingest_of(i));
    }
    let mut columns: Vec<ArrayRef> =
        vec![Arc::new(region.finish()), Arc::new(sub_region.finish()), Arc::new(date.finish())];
    columns.extend(values.iter_mut().map(|b| Arc::new(b.finish()) as ArrayRef));
    columns.push(Arc::new(ingest.finish()));
    Ok(RecordBatch::try_new(schema.clone(), columns)?)
}

/// A stored measures table read back, with each row's ingest. A table in the long form written before measures
/// were kept wide (`region, date, measure, value, ingest_id`) is turned wide here, and one written before measures
/// were kept per sub-region is read as whole regions, so the next write converts either.
pub(crate) fn stored_measures(batches: &[RecordBatch]) -> Result<(SourceMeasures, Vec<Arc<str>>), LakeStoreError> {
    let Some(first) = batches.first() else { return Ok((SourceMeasures::default(), Vec::new())) };
    let long = first.schema().column_with_name("measure").is_some();
    let names: Vec<String> = if long {
        let mut names: Vec<String> = Vec::new();
        for batch in batches {
            let measure = column_as(batch, "measure", &DataType::Utf8)?;
            for name in typed::<StringArray>(&measure)?.iter().flatten() {
                if !names.iter().any(|n| n == name) {
                    names.push(name.to_owned());
                }
            }
        }
        names
    } else {
        first
            .schema()
            .fields()
            .iter()
            .map(|f| f.name().clone())
            .filter(|name| !MEASURE_KEYS.contains(&name.as_str()))
            .collect()
    };
    let mut measures = SourceMeasures::new(names);
    let mut ingests = Vec::new();
    let (mut regions, mut sub_regions, mut tags) = (Shared::default(), Shared::default(), Shared::default());
    let mut index: std::collections::HashMap<(Arc<str>, i32), usize> = std::collections::HashMap::new();
    let width = measures.names.len();
    let mut row: Vec<Option<f64>> = vec![None; width];
    for batch in batches {
        let region = column_as(batch, "region", &DataType::Utf8)?;
        let date = column_as(batch, "date", &DataType::Date32)?;
        let ingest = column_as(batch, "ingest_id", &DataType::Utf8)?;
        let (region, date, ingest) =
            (typed::<StringArray>(&region)?, typed::<Date32Array>(&date)?, typed::<StringArray>(&ingest)?);
        if long {
            let measure = column_as(batch, "measure", &DataType::Utf8)?;
            let value = column_as(batch, "value", &DataType::Float64)?;
            let (measure, value) = (typed::<StringArray>(&measure)?, typed::<Float64Array>(&value)?);
            for i in 0..batch.num_rows() {
                let key = (regions.get(region.value(i)), date.value(i));
                let at = match index.get(&key) {
                    Some(&at) => at,
                    None => {
                        measures.keys.push((key.0.clone(), Arc::from(""), from_date32(key.1)?));
                        measures.values.resize(measures.values.len() + width, None);
                        ingests.push(tags.get(ingest.value(i)));
                        index.insert(key, measures.len() - 1);
                        measures.len() - 1
                    }
                };
                if let Some(column) = measures.names.iter().position(|n| n == measure.value(i)) {
                    measures.values[at * width + column] = (!value.is_null(i)).then(|| value.value(i));
                }
            }
        } else {
            let values = measures
                .names
                .iter()
                .map(|name| column_as(batch, name, &DataType::Float64))
                .collect::<Result<Vec<_>, _>>()?;
            let values = values.iter().map(typed::<Float64Array>).collect::<Result<Vec<_>, _>>()?;
            let sub = batch.schema().column_with_name("sub_region").is_some();
            let sub = if sub { Some(column_as(batch, "sub_region", &DataType::Utf8)?) } else { None };
            let sub = sub.as_ref().map(typed::<StringArray>).transpose()?;
            for i in 0..batch.num_rows() {
                for (slot, column) in row.iter_mut().zip(&values) {
                    *slot = (!column.is_null(i)).then(|| column.value(i));
                }
                let sub_region = sub_regions.get(sub.map_or("", |s| s.value(i)));
                measures.keys.push((regions.get(region.value(i)), sub_region, from_date32(date.value(i))?));
                measures.values.extend_from_slice(&row);
                ingests.push(tags.get(ingest.value(i)));
            }
        }
    }
    Ok((measures, ingests))
}

/// `ingests`: one row per import, written last, so an ingest listed here is wholly in the other tables.
pub fn ingests_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        string("ingest_id"),
        string("source"),
        string("file_name"),
        string("sha256"),
        Field::new("rows_read", DataType::UInt64, false),
        Field::new("rows_rejected", DataType::UInt64, false),
        Field::new("daily_rows", DataType::UInt64, false),
        Field::new("measure_rows", DataType::UInt64, false),
        Field::new("findings", DataType::UInt64, false),
        Field::new("daily_cases_version", DataType::Int64, false),
        timestamp("imported_at"),
    ]))
}

pub(crate) fn ingest_batch(
    import: &Import,
    ingest_id: &str,
    daily_cases_version: i64,
    imported_at: OffsetDateTime,
) -> Result<RecordBatch, LakeStoreError> {
    let lineage = &import.lineage;
    let strings = [ingest_id, &lineage.source, &lineage.file_name, &lineage.sha256];
    let mut columns: Vec<ArrayRef> =
        strings.iter().map(|s| Arc::new(StringArray::from(vec![*s])) as ArrayRef).collect();
    let counts = [import.lineage.rows_read, import.rejected.len(), import.rows.len(), import.measures.len()];
    for value in counts.into_iter().chain([import.findings.len()]) {
        let mut b = UInt64Builder::with_capacity(1);
        b.append_value(value as u64);
        columns.push(Arc::new(b.finish()));
    }
    columns.push(Arc::new(Int64Array::from(vec![daily_cases_version])));
    let mut at = TimestampMicrosecondBuilder::with_capacity(1).with_timezone("UTC");
    at.append_value((imported_at.unix_timestamp_nanos() / 1000) as i64);
    columns.push(Arc::new(at.finish()));
    Ok(RecordBatch::try_new(ingests_schema(), columns)?)
}

/// `findings`: what the data checks found in each import, listed and never fixed.
pub fn findings_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        string("ingest_id"),
        string("source"),
        string("kind"),
        string("region"),
        string("sub_region"),
        Field::new("date", DataType::Date32, false),
        string("detail"),
    ]))
}

pub(crate) fn findings_batch(
    findings: &[Finding],
    source: &str,
    ingest_id: &str,
) -> Result<RecordBatch, LakeStoreError> {
    let n = findings.len();
    let mut builders: [StringBuilder; 6] = std::array::from_fn(|_| StringBuilder::with_capacity(n, n * 8));
    let mut date = Date32Builder::with_capacity(n);
    for f in findings {
        let values = [ingest_id, source, f.kind.code(), f.region.as_str(), f.sub_region.as_str(), f.detail.as_str()];
        for (builder, value) in builders.iter_mut().zip(values) {
            builder.append_value(value);
        }
        date.append_value(date32(f.date));
    }
    let [ingest, source, kind, region, sub_region, detail] = builders.map(|mut b| Arc::new(b.finish()) as ArrayRef);
    let columns = vec![ingest, source, kind, region, sub_region, Arc::new(date.finish()), detail];
    Ok(RecordBatch::try_new(findings_schema(), columns)?)
}

/// `rejected_rows`: each line an import did not take, with why.
pub fn rejected_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        string("ingest_id"),
        string("source"),
        Field::new("line", DataType::UInt64, false),
        string("reason"),
    ]))
}

pub(crate) fn rejected_batch(import: &Import, ingest_id: &str) -> Result<RecordBatch, LakeStoreError> {
    let n = import.rejected.len();
    let lines: Vec<u64> = import.rejected.iter().map(|r| r.line as u64).collect();
    let reasons: Vec<&str> = import.rejected.iter().map(|r| r.reason.as_str()).collect();
    let columns: Vec<ArrayRef> = vec![
        Arc::new(StringArray::from(vec![ingest_id; n])),
        Arc::new(StringArray::from(vec![import.lineage.source.as_str(); n])),
        Arc::new(deltalake::arrow::array::UInt64Array::from(lines)),
        Arc::new(StringArray::from(reasons)),
    ];
    Ok(RecordBatch::try_new(rejected_schema(), columns)?)
}

/// Writes rows to one Parquet file with no Delta log and the lake's writer properties: the baseline `surge bench lake`
/// compares imports with.
pub fn write_parquet(path: &std::path::Path, rows: &[DailyCase]) -> Result<(), LakeStoreError> {
    let file = std::fs::File::create(path)?;
    let mut writer =
        deltalake::parquet::arrow::ArrowWriter::try_new(file, daily_cases_schema(), Some(writer_properties()))
            .map_err(|e| LakeStoreError::Data(e.to_string()))?;
    for chunk in rows.chunks(crate::lake::BATCH_ROWS) {
        let batch = daily_cases_batch(chunk.iter().map(|r| (r, "raw")))?;
        writer.write(&batch).map_err(|e| LakeStoreError::Data(e.to_string()))?;
    }
    writer.close().map_err(|e| LakeStoreError::Data(e.to_string()))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::{PERIOD_DAYS, by_period};

    #[test]
    fn rows_are_put_in_order_of_their_stretch_of_days_keeping_the_order_within_one() {
        let p = PERIOD_DAYS;
        // Two regions, each in date order, over three stretches (one before 1970, whose days count down from -1).
        let dates = [-1, 0, 1, p, 2 * p + 3, -2, 2, p + 1, p + 5, 2 * p];
        assert_eq!(by_period(dates.iter().copied()), [0, 5, 1, 2, 6, 3, 7, 8, 4, 9]);
        assert!(by_period(std::iter::empty()).is_empty());
        // Stretches too far apart for a counter each are sorted instead, with the same answer.
        let far = [i32::MAX - 1, -5 * p, 7, -5 * p + 1];
        assert_eq!(by_period(far.iter().copied()), [1, 3, 2, 0]);
    }
}
