//! Tests for employee list validation: every bad row reported with line, column and reason; nothing accepted from a
//! file with any bad row.

use time::macros::{date, datetime};

use super::*;

const HEADER: &str = "name,phone,id_last4,zones,valid_from,valid_to,vehicle_plate\n";

fn rules<'a>(zones: &'a [String]) -> ListRules<'a> {
    ListRules {
        phone_region: "KR",
        allowed_zones: zones,
        zone: crate::LocalZone::UTC,
        today: date!(2026 - 03 - 01),
        max_days: 90,
    }
}

#[test]
fn list_dates_are_local_days_and_the_longest_span_holds_across_a_clock_change() {
    let zones = vec!["KR-26".to_owned()];
    let seoul = ListRules { zone: crate::LocalZone::default(), ..rules(&zones) };
    let csv = format!("{HEADER}Kim J.,010-1234-5678,123a,KR-26,2026-03-01,2026-03-07,\n");
    let row = &parse_employee_csv(csv.as_bytes(), &seoul).unwrap().rows[0];
    assert_eq!(row.valid_from, datetime!(2026-03-01 00:00 +09:00), "from local midnight, not 09:00");
    assert_eq!(row.valid_to, datetime!(2026-03-08 00:00 +09:00));
    // Berlin's autumn day is 25 hours: 2026-10-01 to 2026-12-29 is 90 local days and is allowed; one more is not.
    let berlin = ListRules {
        zone: crate::LocalZone::named("Europe/Berlin").unwrap(),
        today: date!(2026 - 09 - 30),
        ..rules(&zones)
    };
    let ninety = format!("{HEADER}Kim J.,010-1234-5678,123a,KR-26,2026-10-01,2026-12-29,\n");
    assert!(parse_employee_csv(ninety.as_bytes(), &berlin).is_ok());
    let ninety_one = format!("{HEADER}Kim J.,010-1234-5678,123a,KR-26,2026-10-01,2026-12-30,\n");
    assert!(parse_employee_csv(ninety_one.as_bytes(), &berlin).is_err());
    // A list sent at 08:00 in Seoul on 2 March may still end on 2 March; ending on 1 March is in the past.
    let late = ListRules { today: date!(2026 - 03 - 02), ..seoul };
    let today = format!("{HEADER}Kim J.,010-1234-5678,123a,KR-26,2026-03-01,2026-03-02,\n");
    assert!(parse_employee_csv(today.as_bytes(), &late).is_ok());
    let past = format!("{HEADER}Kim J.,010-1234-5678,123a,KR-26,2026-02-28,2026-03-01,\n");
    assert!(parse_employee_csv(past.as_bytes(), &late).is_err());
}

fn errors(csv: &str) -> Vec<String> {
    let zones = vec!["KR-26".to_owned()];
    match parse_employee_csv(csv.as_bytes(), &rules(&zones)) {
        Ok(_) => vec![],
        Err(errors) => errors.iter().map(ToString::to_string).collect(),
    }
}

#[test]
fn a_good_file_gives_normalised_rows() {
    let zones = vec!["KR-26".to_owned()];
    let csv = format!(
        "\u{feff}{HEADER}Kim J.,010-1234-5678,123a,KR-26;kr-26-110,2026-03-01,2026-03-07,12가3456\nLee S.,+82 10 9999 0000,9876,KR-26,2026-03-02T08:00:00Z,2026-03-09,\n"
    );
    let list = parse_employee_csv(csv.as_bytes(), &rules(&zones)).unwrap();
    assert_eq!(list.rows.len(), 2);
    let kim = &list.rows[0];
    assert_eq!((kim.line, kim.phone.as_str(), kim.masked_id.as_str()), (2, "+821012345678", "123A"));
    assert_eq!(kim.zones, vec!["KR-26", "KR-26-110"]);
    assert_eq!(kim.valid_from, datetime!(2026-03-01 00:00 UTC));
    assert_eq!(kim.valid_to, datetime!(2026-03-08 00:00 UTC));
    assert_eq!(kim.vehicle_plate.as_deref(), Some("12가3456"));
    assert_eq!(list.rows[1].valid_from, datetime!(2026-03-02 08:00 UTC));
    assert_eq!(list.rows[1].vehicle_plate, None);
    let again = parse_employee_csv(csv.as_bytes(), &rules(&zones)).unwrap();
    assert_eq!(again.sha256, list.sha256, "the same file is recognised");
}

#[test]
fn every_bad_row_is_reported_with_line_and_column() {
    let csv = format!(
        "{HEADER}Kim J.,010-1234-5678,1234,KR-26,2026-03-01,2026-03-07,\n\
         ,12,9001011234567,KR-11,2026-03-09,2026-03-01,\n\
         Park,010-5555-6666,5555,KR 26!,yesterday,2026-02-01,\n\
         Kim J.,01012345678,1234,KR-26,2026-03-01,2026-03-07,\n"
    );
    assert_eq!(
        errors(&csv),
        vec![
            "line 3, column name: is empty",
            "line 3, column phone: \"12\" is not a valid phone number",
            "line 3, column id_last4: must be only the last 4 characters of the identity document, never the whole number",
            "line 3, column zones: KR-11 is outside this organisation's zones (KR-26)",
            "line 3, column valid_to: must be on or after valid_from",
            "line 4, column zones: KR is outside this organisation's zones (KR-26)",
            "line 4, column zones: \"26!\" is not a zone code such as KR-26",
            "line 4, column valid_from: must be a date like 2026-03-01",
            "line 5, column phone: the same person (phone and id_last4) is on line 2",
        ]
    );
}

#[test]
fn file_level_problems_are_reported_on_the_header_line() {
    assert_eq!(
        errors("name,phone\nKim,010\n"),
        vec![
            "line 1, column id_last4: this column is missing",
            "line 1, column zones: this column is missing",
            "line 1, column valid_from: this column is missing",
            "line 1, column valid_to: this column is missing",
        ]
    );
    assert_eq!(errors(HEADER), vec!["line 1: the file has no employees"]);
    assert_eq!(
        errors("name,phone,id_last4,zones,valid_from,valid_to,salary\n"),
        vec![
            "line 1: unknown column \"salary\"; the columns are name, phone, id_last4, zones, valid_from, valid_to, vehicle_plate"
        ]
    );
    let latin1 =
        b"name,phone,id_last4,zones,valid_from,valid_to\nJos\xe9,010-1234-5678,1234,KR-26,2026-03-01,2026-03-02\n";
    let zones = vec!["KR-26".to_owned()];
    let err = parse_employee_csv(latin1, &rules(&zones)).unwrap_err();
    assert!(err[0].reason.contains("not UTF-8"));
}

#[test]
fn limits_on_validity_and_duplicates_hold() {
    assert_eq!(
        errors(&format!("{HEADER}A,010-1111-2222,1111,KR-26,2026-03-01,2026-07-01,\n")),
        vec!["line 2, column valid_to: a pass may be valid for at most 90 days"]
    );
    assert_eq!(
        errors(&format!("{HEADER}A,010-1111-2222,1111,KR-26,2026-01-01,2026-02-01,\n")),
        vec!["line 2, column valid_to: is in the past"]
    );
    assert_eq!(
        errors(&format!(
            "{HEADER}A,010-1111-2222,1111,KR-26,2026-03-01,2026-03-02,P1\nB,010-1111-3333,2222,KR-26,2026-03-01,2026-03-02,P1\n"
        )),
        vec!["line 3, column vehicle_plate: the same plate is on line 2"]
    );
}

#[test]
fn a_name_or_plate_with_control_characters_is_refused_with_its_line_and_column() {
    // A quoted line break, a NUL and a tab: each would have reached the signed pass and the holder's text message.
    let csv = format!(
        "{HEADER}\"Kim\nJ.\",010-1234-5678,1234,KR-26,2026-03-01,2026-03-07,\n\
         Lee\u{0}S.,010-1234-5679,1235,KR-26,2026-03-01,2026-03-07,\n\
         Park,010-1234-5670,1236,KR-26,2026-03-01,2026-03-07,12\t3456\n\
         Choi,010-1234-5671,1237,KR-26,2026-03-01,2026-03-07,\n"
    );
    let found = errors(&csv);
    assert_eq!(found.len(), 3, "{found:?}");
    assert!(found[0].starts_with("line 2, column name: must not contain control characters"), "{found:?}");
    assert!(found[1].contains("column name: must not contain control characters"), "{found:?}");
    assert!(found[2].contains("column vehicle_plate: must not contain control characters"), "{found:?}");
}

/// Issue 20 #21: an unclosed quote was reported as "name too long" (the reader ran the quote to the end of the file).
#[test]
fn an_unclosed_quote_is_named_on_its_line_not_as_a_long_name() {
    let csv = format!(
        "{HEADER}Kim,010-1234-5678,1234,KR-26,2026-03-01,2026-03-07,\n\
         \"Lee,010-1234-5679,1235,KR-26,2026-03-01,2026-03-07,\n\
         Park,010-1234-5670,1236,KR-26,2026-03-01,2026-03-07,\n"
    );
    let found = errors(&csv);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].starts_with("line 3"), "{found:?}");
    assert!(found[0].contains("never closed"), "{found:?}");
    assert!(!found[0].contains("too long"), "{found:?}");
}

#[test]
fn a_renewal_runs_from_today_so_the_holder_is_never_without_a_pass() {
    let zones = vec!["KR-26".to_owned()];
    let seoul = ListRules { zone: crate::LocalZone::default(), max_days: 14, ..rules(&zones) };
    // Sent on 1 March for the next period, 5 to 14 March; the second row is for a new employee.
    let csv = format!(
        "{HEADER}Kim J.,010-1234-5678,123a,KR-26,2026-03-05,2026-03-14,\nLee S.,010-9999-0000,9876,KR-26,2026-03-05,2026-03-14,\n"
    );
    let mut rows = parse_employee_csv(csv.as_bytes(), &seoul).unwrap().rows;
    renew_from_today(&mut rows, &[true, false], &seoul).unwrap();
    assert_eq!(rows[0].valid_from, datetime!(2026-03-01 00:00 +09:00), "the renewal starts today, local midnight");
    assert_eq!(rows[1].valid_from, datetime!(2026-03-05 00:00 +09:00), "a new pass starts when the list says");
    assert_eq!(rows[0].valid_to, datetime!(2026-03-15 00:00 +09:00), "the end is the list's");
    // 1 to 14 March is 14 days: allowed. A period ending on 15 March would make the renewal 15 days: refused, by line.
    let long = format!("{HEADER}Kim J.,010-1234-5678,123a,KR-26,2026-03-05,2026-03-15,\n");
    let mut rows = parse_employee_csv(long.as_bytes(), &seoul).unwrap().rows;
    let errors = renew_from_today(&mut rows, &[true], &seoul).unwrap_err();
    assert_eq!((errors[0].line, errors[0].column), (2, Some("valid_from")));
    assert!(errors[0].reason.contains("longer than 14 days"), "{}", errors[0].reason);
    assert_eq!(rows[0].valid_from, datetime!(2026-03-05 00:00 +09:00), "a refused row is left as it was");
    // A renewal that already starts today or earlier is kept as it is.
    let now = format!("{HEADER}Kim J.,010-1234-5678,123a,KR-26,2026-03-01,2026-03-10,\n");
    let mut rows = parse_employee_csv(now.as_bytes(), &seoul).unwrap().rows;
    renew_from_today(&mut rows, &[true], &seoul).unwrap();
    assert_eq!(rows[0].valid_from, datetime!(2026-03-01 00:00 +09:00));
}
