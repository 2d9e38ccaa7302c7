//! The CSV template for small labs without HL7 or FHIR: one result per row, read into the same shape as an HL7 v2
//! message. Every bad row is reported with its line, column and reason, and any bad row refuses the whole file.
//!
//! Columns (header row required, any order): `lab, filler_order, specimen_id, test_code, result, status, family,
//! given, birth_date, collected_at`, and optionally `phone`. `test_code` is LOINC; `result` is a SNOMED CT code
//! (260415000, 260373001 …) or plain words (Not detected, Detected …); `status` is F, C or P as in HL7 v2;
//! dates are `YYYY-MM-DD`.

use time::Date;
use time::macros::format_description;

use crate::oru::{Coded, Header, Observation, Order, OruMessage, Patient};

pub const COLUMNS: &[&str] = &[
    "lab",
    "filler_order",
    "specimen_id",
    "test_code",
    "result",
    "status",
    "family",
    "given",
    "birth_date",
    "collected_at",
    "phone",
];
const REQUIRED: &[&str] = &[
    "lab",
    "filler_order",
    "specimen_id",
    "test_code",
    "result",
    "status",
    "family",
    "given",
    "birth_date",
    "collected_at",
];

/// The most rows one file may hold.
pub const MAX_ROWS: usize = 50_000;

/// A problem in the file: its line (1 is the header), the column when it is about one, and the reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsvProblem {
    pub line: u64,
    pub column: Option<&'static str>,
    pub reason: String,
}

fn date(text: &str) -> Option<Date> {
    Date::parse(text.trim(), format_description!("[year]-[month]-[day]")).ok()
}

/// Reads a results CSV into one message per row. Returns every problem when any row is bad. With `bound_lab` (the
/// sender's key belongs to one lab), a row naming another lab is a problem.
pub fn parse_results_csv(bytes: &[u8], bound_lab: Option<&str>) -> Result<Vec<OruMessage>, Vec<CsvProblem>> {
    let problem =
        |line: u64, column: Option<&'static str>, reason: &str| CsvProblem { line, column, reason: reason.into() };
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if std::str::from_utf8(bytes).is_err() {
        return Err(vec![problem(1, None, "the file is not UTF-8 text: save it as \"CSV UTF-8\"")]);
    }
    if let Some(line) = surge_domain::csv_quotes::unclosed_quote_line(bytes) {
        return Err(vec![problem(u64::from(line), None, surge_domain::csv_quotes::UNCLOSED_QUOTE)]);
    }
    let mut reader = csv::ReaderBuilder::new().flexible(true).trim(csv::Trim::All).from_reader(bytes);
    let headers: Vec<String> = match reader.headers() {
        Ok(h) => h.iter().map(|h| h.to_ascii_lowercase()).collect(),
        Err(_) => return Err(vec![problem(1, None, "the first line must name the columns")]),
    };
    let mut problems = Vec::new();
    for h in &headers {
        if !COLUMNS.contains(&h.as_str()) {
            problems.push(problem(1, None, &format!("unknown column {h:?}; the columns are {}", COLUMNS.join(", "))));
        }
    }
    for required in REQUIRED {
        if !headers.iter().any(|h| h == required) {
            problems.push(problem(1, Some(required), "this column is missing"));
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let index = |name: &str| headers.iter().position(|h| h == name);
    let mut messages = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let line = record.as_ref().ok().and_then(|r| r.position()).map_or(i as u64 + 2, |p| p.line());
        if messages.len() >= MAX_ROWS {
            problems.push(problem(line, None, &format!("a file may hold at most {MAX_ROWS} rows")));
            break;
        }
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                problems.push(problem(line, None, &format!("not a CSV row: {e}")));
                continue;
            }
        };
        if record.iter().all(str::is_empty) {
            continue;
        }
        let get = |name: &str| index(name).and_then(|i| record.get(i)).unwrap_or("").trim().to_owned();
        let before = problems.len();
        // A line break, NUL or tab in a value would reach the patient's text and the clinicians' screen.
        for (i, name) in headers.iter().enumerate() {
            if record.get(i).is_some_and(|v| v.chars().any(char::is_control)) {
                let column = COLUMNS.iter().find(|c| **c == name.as_str()).copied();
                problems.push(problem(line, column, "must not contain control characters (line breaks, tabs, NUL)"));
            }
        }
        for column in REQUIRED {
            if get(column).is_empty() && *column != "collected_at" {
                problems.push(problem(line, Some(column), "is empty"));
            }
        }
        let status = get("status").to_ascii_uppercase();
        if !status.is_empty() && !matches!(status.as_str(), "F" | "C" | "P") {
            problems.push(problem(line, Some("status"), "must be F (final), C (corrected) or P (preliminary)"));
        }
        let birth = date(&get("birth_date"));
        if birth.is_none() && !get("birth_date").is_empty() {
            problems.push(problem(line, Some("birth_date"), "must be a date like 1980-04-25"));
        }
        if let Some(own) = bound_lab {
            let lab = get("lab");
            if !lab.is_empty() && lab != own {
                problems.push(problem(line, Some("lab"), &format!("is not {own:?}, the lab this key sends for")));
            }
        }
        let collected = get("collected_at");
        if !collected.is_empty() && date(&collected).is_none() {
            problems.push(problem(line, Some("collected_at"), "must be a date like 2026-03-01"));
        }
        if problems.len() > before {
            continue;
        }
        let result = get("result");
        let coded = result.chars().all(|c| c.is_ascii_digit());
        let lab = get("lab");
        messages.push(OruMessage {
            header: Header { sending_facility: lab.clone(), version: "CSV".into(), ..Header::default() },
            patient: Patient {
                ids: Vec::new(),
                family: get("family"),
                given: get("given"),
                birth_date: birth,
                phones: [get("phone")].into_iter().filter(|p| !p.is_empty()).collect(),
            },
            orders: vec![Order {
                placer_order: String::new(),
                filler_order: get("filler_order"),
                filler_order_id: get("filler_order"),
                specimen_id: get("specimen_id"),
                collected_at: collected.replace('-', ""),
                observations: vec![Observation {
                    set_id: line.to_string(),
                    value_type: if coded { "CWE".into() } else { "ST".into() },
                    test: Coded { code: get("test_code"), text: String::new(), system: "LN".into() },
                    value_coded: coded.then(|| Coded {
                        code: result.clone(),
                        text: String::new(),
                        system: "SCT".into(),
                    }),
                    value_text: result,
                    status,
                    performing_lab: lab,
                    ..Observation::default()
                }],
            }],
        });
    }
    if problems.is_empty() && messages.is_empty() {
        problems.push(problem(1, None, "the file has no results"));
    }
    if problems.is_empty() { Ok(messages) } else { Err(problems) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Interpretation, interpret};

    const GOOD: &str = "lab,filler_order,specimen_id,test_code,result,status,family,given,birth_date,collected_at,phone\n\
        Busan Lab,F-1,S-1,94500-6,260415000,F,Kim,Minji,1990-01-02,2026-03-01,010-1234-5678\n\
        Busan Lab,F-2,S-2,94558-4,Detected,F,Lee,Jun,1985-05-05,2026-03-01,\n";

    #[test]
    fn a_good_file_reads_one_message_per_row() {
        let messages = parse_results_csv(GOOD.as_bytes(), None).unwrap();
        assert_eq!(messages.len(), 2);
        let first = &messages[0].orders[0];
        assert_eq!((first.filler_order.as_str(), first.collected_at.as_str()), ("F-1", "20260301"));
        assert_eq!(interpret(&first.observations[0]), Interpretation::NotDetected);
        assert_eq!(interpret(&messages[1].orders[0].observations[0]), Interpretation::Detected);
        assert_eq!(messages[0].patient.phones, ["010-1234-5678"]);
        assert!(messages[1].patient.phones.is_empty());
    }

    #[test]
    fn every_bad_row_is_named_and_the_file_is_refused() {
        let bad = "lab,filler_order,specimen_id,test_code,result,status,family,given,birth_date,collected_at\n\
            Busan Lab,F-1,S-1,94500-6,Negative,X,Kim,Minji,1990-13-02,2026-03-01\n\
            Busan Lab,,S-2,94558-4,Detected,F,Lee,Jun,1985-05-05,yesterday\n";
        let problems = parse_results_csv(bad.as_bytes(), None).unwrap_err();
        let found: Vec<(u64, Option<&str>)> = problems.iter().map(|p| (p.line, p.column)).collect();
        assert_eq!(
            found,
            [(2, Some("status")), (2, Some("birth_date")), (3, Some("filler_order")), (3, Some("collected_at"))]
        );
        let missing = parse_results_csv(b"lab,result\nX,Y\n", None).unwrap_err();
        assert!(missing.iter().any(|p| p.column == Some("filler_order")));
        assert_eq!(
            parse_results_csv(
                b"lab,filler_order,specimen_id,test_code,result,status,family,given,birth_date,collected_at\n",
                None
            )
            .unwrap_err()[0]
                .reason,
            "the file has no results"
        );
    }

    #[test]
    fn a_row_of_another_lab_is_refused_when_the_key_belongs_to_one_lab() {
        let problems = parse_results_csv(GOOD.replace("Busan Lab,F-2", "Seoul Lab,F-2").as_bytes(), Some("Busan Lab"))
            .unwrap_err();
        let found: Vec<(u64, Option<&str>)> = problems.iter().map(|p| (p.line, p.column)).collect();
        assert_eq!(found, [(3, Some("lab"))]);
        assert!(parse_results_csv(GOOD.as_bytes(), Some("Busan Lab")).is_ok());
    }
}
