//! Date handling, which the specification suites cover only in part.

use time::macros::datetime;

use super::*;

#[test]
fn date_times_parse_in_the_forms_the_dcc_uses() {
    assert_eq!(date_from_string("2021-06-01").unwrap(), datetime!(2021-06-01 00:00 UTC));
    assert_eq!(date_from_string("2021-06-01T12:30:00Z").unwrap(), datetime!(2021-06-01 12:30 UTC));
    assert_eq!(date_from_string("2021-06-01T12:30:00").unwrap(), datetime!(2021-06-01 12:30 UTC));
    assert_eq!(date_from_string("2021-06-01T12:30:00.123456+02:00").unwrap(), datetime!(2021-06-01 10:30:00.123 UTC));
    assert_eq!(date_from_string("2021-06-01T12:30:00-0130").unwrap(), datetime!(2021-06-01 14:00 UTC));
    assert_eq!(date_from_string("2021").unwrap(), datetime!(2021-12-31 00:00 UTC), "partial: its last day");
    for bad in ["", "202", "2021-13", "2021-13-01", "2021-06-01T25:00:00Z", "2021-06-01 12:30:00", "yesterday"] {
        assert!(date_from_string(bad).is_err(), "{bad:?}");
    }
}

#[test]
fn adding_months_and_years_overflows_like_the_reference() {
    let t = datetime!(2021-01-31 10:00 UTC);
    assert_eq!(plus_time(t, 1, "month").unwrap(), datetime!(2021-03-03 10:00 UTC));
    assert_eq!(plus_time(datetime!(2020-02-29 00:00 UTC), 1, "year").unwrap(), datetime!(2021-02-28 00:00 UTC));
    assert_eq!(plus_time(datetime!(2020-02-29 00:00 UTC), 4, "year").unwrap(), datetime!(2024-02-29 00:00 UTC));
    assert_eq!(plus_time(t, -18, "year").unwrap(), datetime!(2003-01-31 10:00 UTC));
    assert_eq!(plus_time(t, -1, "day").unwrap(), datetime!(2021-01-30 10:00 UTC));
    assert_eq!(plus_time(t, 36, "hour").unwrap(), datetime!(2021-02-01 22:00 UTC));
    assert!(plus_time(t, 1, "week").is_err());
}

#[test]
fn partial_dates_of_birth_mean_their_last_day() {
    assert_eq!(dcc_date_of_birth("2004").unwrap(), datetime!(2004-12-31 00:00 UTC));
    assert_eq!(dcc_date_of_birth("2004-02").unwrap(), datetime!(2004-02-29 00:00 UTC));
    assert_eq!(dcc_date_of_birth("2004-02-03").unwrap(), datetime!(2004-02-03 00:00 UTC));
    assert!(dcc_date_of_birth("").is_err());
    assert!(dcc_date_of_birth("2004-13").is_err());
}

#[test]
fn operations_on_the_wrong_kinds_of_value_are_errors_not_answers() {
    let data = serde_json::json!({"s": "x", "n": 1});
    for expr in [
        serde_json::json!({"<": [{"var": "s"}, 2]}),
        serde_json::json!({"+": [{"var": "s"}, 1]}),
        serde_json::json!({"in": [1, {"var": "n"}]}),
        serde_json::json!({"after": [{"var": "s"}, {"plusTime": ["2021-01-01", 0, "day"]}]}),
        serde_json::json!({"plusTime": [{"var": "n"}, 1, "day"]}),
        serde_json::json!({"reduce": [{"var": "s"}, {"var": "accumulator"}, 0]}),
        serde_json::json!({"if": [true, 1]}),
    ] {
        assert!(evaluate(&expr, &data).is_err(), "{expr}");
    }
}
