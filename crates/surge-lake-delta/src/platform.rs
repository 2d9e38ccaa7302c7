//! The platform's own facts in the lake: counts per kind, time bucket, place and outcome, with no person in them,
//! recounted from the database and stored whole each time (`platform_facts`).

use std::sync::Arc;

use deltalake::arrow::array::{ArrayRef, Int64Array, RecordBatch, StringArray, TimestampSecondArray, UInt64Array};
use deltalake::arrow::datatypes::{DataType, Field, Schema, SchemaRef, TimeUnit};

use crate::{Lake, LakeStoreError};

pub const PLATFORM_FACTS: &str = "platform_facts";

/// One count: `passes_issued` in zone KR-26 on one day, `scans` at a checkpoint in one hour with outcome `valid`…
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlatformFact {
    pub fact: String,
    /// The bucket's start, Unix seconds (UTC).
    pub bucket: i64,
    /// The bucket's length in seconds (86,400 for a day, 3,600 for an hour).
    pub seconds: i64,
    pub place: String,
    pub outcome: String,
    pub count: u64,
}

pub fn platform_facts_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("fact", DataType::Utf8, false),
        Field::new("bucket", DataType::Timestamp(TimeUnit::Second, Some("UTC".into())), false),
        Field::new("seconds", DataType::Int64, false),
        Field::new("place", DataType::Utf8, false),
        Field::new("outcome", DataType::Utf8, false),
        Field::new("count", DataType::UInt64, false),
    ]))
}

/// Replaces `platform_facts` with these counts; returns the table's new version.
pub async fn store_platform_facts(lake: &Lake, facts: &[PlatformFact]) -> Result<u64, LakeStoreError> {
    let columns: Vec<ArrayRef> = vec![
        Arc::new(StringArray::from_iter_values(facts.iter().map(|f| f.fact.as_str()))),
        Arc::new(TimestampSecondArray::from_iter_values(facts.iter().map(|f| f.bucket)).with_timezone("UTC")),
        Arc::new(Int64Array::from_iter_values(facts.iter().map(|f| f.seconds))),
        Arc::new(StringArray::from_iter_values(facts.iter().map(|f| f.place.as_str()))),
        Arc::new(StringArray::from_iter_values(facts.iter().map(|f| f.outcome.as_str()))),
        Arc::new(UInt64Array::from_iter_values(facts.iter().map(|f| f.count))),
    ];
    let batch = RecordBatch::try_new(platform_facts_schema(), columns)?;
    lake.replace(PLATFORM_FACTS, vec![batch], "platform facts recounted").await
}
