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
//! [measures]                            # at least one of the four counts
//! new_confirmed = "confirmed_today"
//! cumulative_confirmed = "confirmed_total"
//! new_deaths = "deaths_today"
//! cumulative_deaths = "deaths_total"
//! population = "population"             # optional, each a column
//! new_tests = "tests_today"
//! positive_rate = "positivity"          # a share, 0 to 1; or positive_percent = "…", 0 to 100
//! ```
//!
//! Population, tests and positivity are kept per place and day beside the counts, as OWID's are, so a district's
//! page has its rate per 100,000 and its positivity. A value that is not a number, or out of its range, is listed
//! as a finding naming its line and column, and the row's counts are kept.

use serde::Deserialize;
use time::Date;

use crate::country::{Known, RegionCodes};
use std::sync::Arc;

use crate::read::{CountColumns, Shared, counts, field, iso_date, sheet};
use crate::{DailyCase, Finding, FindingKind, Import, LakeError, Lineage, SourceMeasures};

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
    pub population: Option<String>,
    pub new_tests: Option<String>,
    /// Test positivity as a share, 0 to 1.
    pub positive_rate: Option<String>,
    /// Test positivity in percent, 0 to 100; stored as a share.
    pub positive_percent: Option<String>,
}

impl Measures {
    /// The extra measures the mapping names: the stored measure, its column, and the largest value it may take and
    /// the factor that turns it into the stored one.
    fn extras(&self) -> Vec<(&'static str, &str, f64, f64)> {
        [
            ("population", &self.population, f64::MAX, 1.0),
            ("new_tests", &self.new_tests, f64::MAX, 1.0),
            ("positive_rate", &self.positive_rate, 1.0, 1.0),
            ("positive_rate", &self.positive_percent, 100.0, 0.01),
        ]
        .into_iter()
        .filter_map(|(name, column, max, factor)| Some((name, column.as_deref()?, max, factor)))
        .collect()
    }
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
            return Err(LakeError::Mapping("[measures] names none of the four counts".into()));
        }
        if m.positive_rate.is_some() && m.positive_percent.is_some() {
            return Err(LakeError::Mapping("give at most one of positive_rate and positive_percent".into()));
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
    let mut extras = Vec::new();
    for (name, column, max, factor) in m.extras() {
        extras.push((name, column, sheet.need(file_name, column, " (measures)")?, max, factor));
    }
    let format = match &mapping.date_format {
        Some(f) => Some(time::format_description::parse(f).map_err(|e| LakeError::Mapping(e.to_string()))?),
        None => None,
    };
    let mut import = Import::default();
    if !extras.is_empty() {
        import.measures = SourceMeasures::new(extras.iter().map(|e| e.0.to_owned()).collect());
    }
    let mut extra_values: Vec<Option<f64>> = vec![None; extras.len()];
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
        // A name with control characters would be shown on pages and printed to terminals as it is.
        if format!("{region}{sub_region}").chars().any(char::is_control) {
            import.reject(line, "the region or district has control characters");
            continue;
        }
        let country = match (&mapping.country, mapping.region_codes) {
            (Some(code), _) => Some(Arc::from(code.as_str())),
            (None, Some(codes)) => known.of(&region, |r| codes.country(r)),
            (None, None) => None,
        };
        let (region, sub_region) = (regions.get(&region), sub_regions.get(sub_region));
        for (slot, (_, column, index, max, factor)) in extra_values.iter_mut().zip(&extras) {
            let text = field(&record, *index);
            *slot = match text.parse::<f64>() {
                _ if text.is_empty() => None,
                Ok(value) if (0.0..=*max).contains(&value) => Some(value * factor),
                _ => {
                    let range = if *max == f64::MAX { "0 or more".to_owned() } else { format!("from 0 to {max}") };
                    import.findings.push(Finding {
                        kind: FindingKind::UnreadableValue,
                        region: region.to_string(),
                        sub_region: sub_region.to_string(),
                        date: day,
                        detail: format!("line {line}: {column} {text:?} is not a number {range}; the counts are kept"),
                    });
                    None
                }
            };
        }
        if !extras.is_empty() {
            import.measures.push(line, &region, &sub_region, day, &extra_values);
        }
        let row = DailyCase::new(&source, (region.clone(), sub_region, region), day, values);
        import.push(line, row.in_country(country));
    }
    import.lineage = Lineage::of(&mapping.source, file_name, bytes, import.lineage.rows_read);
    crate::table::finish(&mut import, today);
    Ok(import)
}
