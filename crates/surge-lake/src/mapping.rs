//! Any tidy CSV with a mapping file, so a region adds its own health authority's feed without code. The mapping is
//! TOML:
//!
//! ```toml
//! source = "busan-health"              # recorded as each row's source
//! date_column = "date"
//! date_format = "[year]-[month]-[day]" # optional; a `time` format description, ISO dates by default
//! region = "KR-26"                     # the region of every row, or `region_column = "…"`
//! sub_region_column = "district"       # optional
//! country = "KOR"                      # optional: the ISO alpha-3 code of every row's country, or
//! # region_codes = "alpha-2"           # how the region names its country: alpha-2, alpha-3 or name
//!
//! [measures]                            # at least one; any of the four
//! new_confirmed = "confirmed_today"
//! cumulative_confirmed = "confirmed_total"
//! new_deaths = "deaths_today"
//! cumulative_deaths = "deaths_total"
//! ```

use serde::Deserialize;
use time::Date;

use crate::country::{Known, RegionCodes};
use std::sync::Arc;

use crate::read::{CountColumns, Shared, counts, field, iso_date, sheet};
use crate::{DailyCase, Import, LakeError, Lineage};

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CsvMapping {
    pub source: String,
    pub date_column: String,
    #[serde(default)]
    pub date_format: Option<String>,
    #[serde(default)]
    pub region: Option<String>,
    #[serde(default)]
    pub region_column: Option<String>,
    #[serde(default)]
    pub sub_region_column: Option<String>,
    /// The ISO alpha-3 code of the country every row is in.
    #[serde(default)]
    pub country: Option<String>,
    /// How the region names its country, for a file of several countries.
    #[serde(default)]
    pub region_codes: Option<RegionCodes>,
    pub measures: Measures,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Measures {
    pub new_confirmed: Option<String>,
    pub cumulative_confirmed: Option<String>,
    pub new_deaths: Option<String>,
    pub cumulative_deaths: Option<String>,
}

impl CsvMapping {
    /// Reads and checks a mapping file.
    pub fn parse(text: &str) -> Result<Self, LakeError> {
        let mapping: Self = toml::from_str(text).map_err(|e| LakeError::Mapping(e.message().to_owned()))?;
        let slug = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if !slug(&mapping.source) {
            return Err(LakeError::Mapping("source must be letters, digits, '-' or '_'".into()));
        }
        if mapping.region.is_some() == mapping.region_column.is_some() {
            return Err(LakeError::Mapping("give exactly one of region and region_column".into()));
        }
        if mapping.country.is_some() && mapping.region_codes.is_some() {
            return Err(LakeError::Mapping("give at most one of country and region_codes".into()));
        }
        if let Some(code) = &mapping.country {
            if crate::country::from_alpha3(code).is_none() {
                return Err(LakeError::Mapping(format!("country {code:?} is not an ISO 3166-1 alpha-3 code")));
            }
        }
        let m = &mapping.measures;
        if [&m.new_confirmed, &m.cumulative_confirmed, &m.new_deaths, &m.cumulative_deaths].iter().all(|c| c.is_none())
        {
            return Err(LakeError::Mapping("[measures] names no column".into()));
        }
        if let Some(format) = &mapping.date_format {
            time::format_description::parse(format)
                .map_err(|e| LakeError::Mapping(format!("date_format {format:?}: {e}")))?;
        }
        Ok(mapping)
    }
}

/// Reads a CSV by its mapping; `today` as for [`crate::import`].
pub fn import_csv(mapping: &CsvMapping, file_name: &str, bytes: &[u8], today: Date) -> Result<Import, LakeError> {
    let mut sheet = sheet(bytes, file_name)?;
    let date = sheet.need(file_name, &mapping.date_column, " (date_column)")?;
    let region = mapping.region_column.as_deref().map(|c| sheet.need(file_name, c, " (region_column)")).transpose()?;
    let sub_region =
        mapping.sub_region_column.as_deref().map(|c| sheet.need(file_name, c, " (sub_region_column)")).transpose()?;
    let m = &mapping.measures;
    let mut columns: CountColumns<'_> = [None; 4];
    for (slot, name) in
        columns.iter_mut().zip([&m.new_confirmed, &m.cumulative_confirmed, &m.new_deaths, &m.cumulative_deaths])
    {
        if let Some(name) = name {
            *slot = Some((sheet.need(file_name, name, " (measures)")?, name.as_str()));
        }
    }
    let format = match &mapping.date_format {
        Some(f) => Some(time::format_description::parse(f).map_err(|e| LakeError::Mapping(e.to_string()))?),
        None => None,
    };
    let mut import = Import::default();
    let mut known = Known::default();
    let source: Arc<str> = Arc::from(mapping.source.as_str());
    let (mut regions, mut sub_regions) = (Shared::default(), Shared::default());
    let mut record = csv::StringRecord::new();
    while let Some(line) = sheet.next_row(&mut import, &mut record) {
        let text = field(&record, date);
        let day = match &format {
            Some(f) => Date::parse(text, f).ok(),
            None => iso_date(text),
        };
        let Some(day) = day else {
            import.reject(line, format!("{}: {text:?} is not a date", mapping.date_column));
            continue;
        };
        let region = match region {
            Some(c) => field(&record, c).to_owned(),
            None => mapping.region.clone().unwrap_or_default(),
        };
        if region.is_empty() {
            import.reject(line, "the region is empty");
            continue;
        }
        let values = match counts(&record, &columns) {
            Ok(values) => values,
            Err(reason) => {
                import.reject(line, reason);
                continue;
            }
        };
        let sub_region = sub_region.map(|c| field(&record, c)).unwrap_or("");
        let country = match (&mapping.country, mapping.region_codes) {
            (Some(code), _) => Some(Arc::from(code.as_str())),
            (None, Some(codes)) => known.of(&region, |r| codes.country(r)),
            (None, None) => None,
        };
        let region = regions.get(&region);
        let row = DailyCase::new(&source, (region.clone(), sub_regions.get(sub_region), region), day, values);
        import.push(line, row.in_country(country));
    }
    import.lineage = Lineage::of(&mapping.source, file_name, bytes, import.lineage.rows_read);
    crate::table::finish(&mut import, today);
    Ok(import)
}
