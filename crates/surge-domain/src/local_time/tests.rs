//! Local days around midnight in Seoul and across Berlin's daylight-saving changes.

use time::macros::{date, datetime};

use super::*;

fn seoul() -> LocalZone {
    LocalZone::named("Asia/Seoul").unwrap()
}

fn berlin() -> LocalZone {
    LocalZone::named("Europe/Berlin").unwrap()
}

#[test]
fn a_seoul_day_begins_at_its_own_midnight_not_at_nine() {
    assert_eq!(seoul().start_of(date!(2026 - 12 - 06)), datetime!(2026-12-05 15:00 UTC));
    assert_eq!(seoul().end_of(date!(2026 - 12 - 20)), datetime!(2026-12-20 15:00 UTC));
    // A worker on the 07:00 shift of the first day is inside it.
    let shift = datetime!(2026-12-06 07:00 +09:00);
    assert!(shift >= seoul().start_of(date!(2026 - 12 - 06)));
}

#[test]
fn the_local_date_turns_at_local_midnight() {
    assert_eq!(seoul().date_of(datetime!(2026-12-05 14:59:59 UTC)), date!(2026 - 12 - 05));
    assert_eq!(seoul().date_of(datetime!(2026-12-05 15:00 UTC)), date!(2026 - 12 - 06));
    assert_eq!(seoul().last_day(datetime!(2026-12-20 15:00 UTC)), date!(2026 - 12 - 20));
}

#[test]
fn times_show_local_with_the_zone_name() {
    assert_eq!(seoul().display(datetime!(2026-12-05 22:04 UTC)), "2026-12-06 07:04 KST");
    assert_eq!(berlin().display(datetime!(2026-01-10 12:00 UTC)), "2026-01-10 13:00 CET");
    assert_eq!(berlin().display(datetime!(2026-07-10 12:00 UTC)), "2026-07-10 14:00 CEST");
    assert_eq!(
        LocalZone::named("Asia/Dubai").unwrap().display(datetime!(2026-07-10 12:00 UTC)),
        "2026-07-10 16:00 +04:00"
    );
    assert_eq!(LocalZone::named("America/St_Johns").unwrap().abbreviation(datetime!(2026-01-10 12:00 UTC)), "NST");
}

#[test]
fn berlin_days_across_daylight_saving_changes_are_23_and_25_hours() {
    // Clocks go forward at 02:00 on 2026-03-29 and back at 03:00 on 2026-10-25.
    let spring = date!(2026 - 03 - 29);
    assert_eq!(berlin().start_of(spring), datetime!(2026-03-28 23:00 UTC));
    assert_eq!(berlin().end_of(spring) - berlin().start_of(spring), Duration::hours(23));
    let autumn = date!(2026 - 10 - 25);
    assert_eq!(berlin().start_of(autumn), datetime!(2026-10-24 22:00 UTC));
    assert_eq!(berlin().end_of(autumn) - berlin().start_of(autumn), Duration::hours(25));
    assert_eq!(berlin().display(datetime!(2026-10-25 00:30 UTC)), "2026-10-25 02:30 CEST");
    assert_eq!(berlin().display(datetime!(2026-10-25 01:30 UTC)), "2026-10-25 02:30 CET");
}

#[test]
fn a_clock_time_on_a_day_is_one_instant_even_when_clocks_skip_it_or_show_it_twice() {
    use time::macros::time;
    assert_eq!(seoul().at(date!(2026 - 12 - 06), time!(09:00)), datetime!(2026-12-06 00:00 UTC));
    assert_eq!(seoul().at(date!(2026 - 12 - 06), time!(21:30)), datetime!(2026-12-06 12:30 UTC));
    // Berlin on the spring change: 09:00 is CEST (UTC+2), 02:30 does not exist and is read as
    // 03:30, the time it would be had the clocks not moved.
    let spring = date!(2026 - 03 - 29);
    assert_eq!(berlin().at(spring, time!(09:00)), datetime!(2026-03-29 07:00 UTC));
    assert_eq!(berlin().at(spring, time!(02:30)), datetime!(2026-03-29 01:30 UTC));
    // On the autumn change 02:30 is shown twice; the first is taken.
    let autumn = date!(2026 - 10 - 25);
    assert_eq!(berlin().at(autumn, time!(02:30)), datetime!(2026-10-25 00:30 UTC));
    assert_eq!(berlin().at(autumn, time!(21:00)), datetime!(2026-10-25 20:00 UTC));
}

#[test]
fn a_day_whose_midnight_is_skipped_begins_when_the_clocks_land() {
    // Chile (America/Santiago) moved clocks from 00:00 to 01:00 on 2026-09-06: that day has no midnight.
    let santiago = LocalZone::named("America/Santiago").unwrap();
    let day = date!(2026 - 09 - 06);
    let start = santiago.start_of(day);
    assert_eq!(santiago.date_of(start), day);
    assert_eq!(santiago.date_of(start - Duration::seconds(1)), date!(2026 - 09 - 05));
    assert_eq!(santiago.local(start).hour(), 1);
}

#[test]
fn validities_read_in_days_unless_they_start_or_end_within_one() {
    let start = datetime!(2026-12-05 15:00 UTC);
    let end = datetime!(2026-12-20 15:00 UTC);
    assert_eq!(seoul().from_text(start), "2026-12-06");
    assert_eq!(seoul().until_text(end, "(end of day)"), "2026-12-20 (end of day)");
    assert_eq!(seoul().from_text(datetime!(2026-12-06 08:00 +09:00)), "2026-12-06 08:00 KST");
    assert_eq!(seoul().until_text(datetime!(2026-12-20 18:30 +09:00), "(end of day)"), "2026-12-20 18:30 KST");
    // A UTC-midnight pass seen in Seoul starts at 09:00, and says so.
    assert_eq!(seoul().from_text(datetime!(2026-12-06 00:00 UTC)), "2026-12-06 09:00 KST");
}

#[test]
fn offline_pages_get_the_names_of_every_offset_in_use() {
    let names = berlin().names_by_offset(datetime!(2026-12-06 00:00 UTC));
    assert!(names.contains(&("GMT+01:00".to_owned(), "CET".to_owned())), "{names:?}");
    assert!(names.contains(&("GMT+02:00".to_owned(), "CEST".to_owned())), "{names:?}");
    assert_eq!(
        seoul().names_by_offset(datetime!(2026-12-06 00:00 UTC)),
        vec![("GMT+09:00".to_owned(), "KST".to_owned())]
    );
    assert_eq!(
        LocalZone::UTC.names_by_offset(datetime!(2026-12-06 00:00 UTC)),
        vec![("GMT".to_owned(), "UTC".to_owned())]
    );
}

#[test]
fn names_are_checked() {
    assert_eq!(LocalZone::default(), seoul());
    assert_eq!(LocalZone::named(" Europe/Berlin ").unwrap().name(), "Europe/Berlin");
    assert!(LocalZone::named("Asia/Busan").is_err());
    assert!(LocalZone::named("").is_err());
    assert_eq!(
        LocalZone::named("KST").unwrap_err().to_string(),
        "\"KST\" is not an IANA time zone such as Asia/Seoul or Europe/Berlin"
    );
}
