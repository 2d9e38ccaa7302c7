//! A query's answer as text: an aligned table for people, CSV, or JSON rows for programs.

use deltalake::arrow::csv::WriterBuilder;
use deltalake::arrow::json::ArrayWriter;
use deltalake::arrow::util::pretty::pretty_format_batches;

use crate::{LakeStoreError, QueryResult};

impl QueryResult {
    /// An aligned table, as `psql` prints one.
    pub fn to_table(&self) -> Result<String, LakeStoreError> {
        if self.batches.is_empty() {
            let names: Vec<&str> = self.schema.fields().iter().map(|f| f.name().as_str()).collect();
            return Ok(format!("{}\n(0 rows)", names.join(" | ")));
        }
        Ok(pretty_format_batches(&self.batches)?.to_string())
    }

    /// CSV with a header row.
    pub fn to_csv(&self) -> Result<Vec<u8>, LakeStoreError> {
        let mut out = Vec::new();
        let mut writer = WriterBuilder::new().with_header(true).build(&mut out);
        if self.batches.is_empty() {
            let names: Vec<&str> = self.schema.fields().iter().map(|f| f.name().as_str()).collect();
            drop(writer);
            out.extend_from_slice(names.join(",").as_bytes());
            out.push(b'\n');
            return Ok(out);
        }
        for batch in &self.batches {
            writer.write(batch)?;
        }
        drop(writer);
        Ok(out)
    }

    /// A JSON array with one object per row; nulls are left out of their objects.
    pub fn to_json(&self) -> Result<Vec<u8>, LakeStoreError> {
        let mut out = Vec::new();
        let mut writer = ArrayWriter::new(&mut out);
        for batch in &self.batches {
            writer.write(batch)?;
        }
        writer.finish()?;
        drop(writer);
        if out.is_empty() {
            out.extend_from_slice(b"[]");
        }
        Ok(out)
    }
}
