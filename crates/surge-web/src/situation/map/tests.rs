//! Matching a source's places to zones, and the choropleth's classes and drawing.

use surge_lake::situation::{Day, Place};
use time::macros::date;

use super::*;

fn place(region: &str, sub_region: &str, week: &[i64], population: Option<f64>) -> Place {
    let days = week
        .iter()
        .enumerate()
        .map(|(i, &n)| Day {
            new_confirmed: Some(n),
            ..Day::new(date!(2026 - 12 - 01) + time::Duration::days(i as i64))
        })
        .collect();
    Place {
        region: region.into(),
        sub_region: sub_region.into(),
        name: region.into(),
        population,
        days,
        ..Place::default()
    }
}

#[test]
fn areas_are_found_by_code_or_by_name_in_either_language() {
    let geo = Gazetteer::default();
    let code = |region: &str, area: &str| geo.zone_of(&place(region, area, &[], None)).map(|z| z.code.clone());
    for (region, area, want) in [
        ("KR-26", "", Some("KR-26")),
        ("Busan", "", Some("KR-26")),
        ("부산광역시", "", Some("KR-26")),
        ("KR-26", "해운대구", Some("KR-26-350")),
        ("KR-26", "해운대", Some("KR-26-350")),
        ("KR-26", "Haeundae", Some("KR-26-350")),
        ("KR-26", "HAEUNDAE-GU", Some("KR-26-350")),
        ("KR-26", "KR-26-440", Some("KR-26-440")),
        ("busan", "Jung-gu", Some("KR-26-110")),
        ("KR-11", "중구", Some("KR-11-140")),
        ("KR-26", "Gangnam-gu", None),
        ("KR-26", "", Some("KR-26")),
        ("KOR", "", None),
        ("KR-41", "수원시 장안구", Some("KR-41-111")),
    ] {
        assert_eq!(code(region, area).as_deref(), want, "{region} / {area}");
    }
    let zones = ZoneList::from_tsv("KR-99\t구역\tZone\nKR-99-1\t동구\tDong-gu\nKR-99-2\t동군\tDong-gun\n").unwrap();
    let geo = Gazetteer::new(zones);
    let code = |area: &str| geo.zone_of(&place("KR-99", area, &[], None)).map(|z| z.code.clone());
    assert_eq!(code("Dong-gu").as_deref(), Some("KR-99-1"), "a whole name is taken before a stem");
    assert_eq!(code("Dong"), None, "a stem two districts share names neither");
}

#[test]
fn places_are_named_in_the_readers_language() {
    let geo = Gazetteer::default();
    let haeundae = place("KR-26", "Haeundae", &[], None);
    assert_eq!(geo.name(Lang::Ko, &haeundae, false).as_deref(), Some("해운대구"));
    assert_eq!(geo.name(Lang::Ko, &haeundae, true).as_deref(), Some("부산광역시 해운대구"));
    assert_eq!(geo.name(Lang::En, &haeundae, true).as_deref(), Some("Haeundae-gu, Busan"));
    assert_eq!(geo.name(Lang::En, &place("KR-26", "", &[], None), false).as_deref(), Some("Busan"));
    assert_eq!(geo.name(Lang::En, &place("KR-26", "Atlantis", &[], None), false), None);
}

#[test]
fn classes_split_the_figures_into_about_equal_groups() {
    let ten: Vec<f64> = (1..=10).map(f64::from).collect();
    let got = limits(&ten);
    assert_eq!(got, [3.0, 5.0, 7.0, 9.0]);
    assert_eq!(ten.iter().map(|v| class_of(&got, *v)).collect::<Vec<_>>(), [0, 0, 1, 1, 2, 2, 3, 3, 4, 4]);
    assert!(limits(&[4.0, 4.0, 4.0]).is_empty(), "one value is one class");
    assert_eq!(limits(&[0.0, 0.0, 0.0, 8.0]), [8.0], "a limit never leaves the first class empty");
}

#[test]
fn a_regions_districts_are_drawn_shaded_by_their_figures_and_missing_ones_said_so() {
    let geo = Gazetteer::default();
    let busan = place("KR-26", "", &[], None);
    let areas = [
        place("KR-26", "해운대구", &[10; 7], Some(400_000.0)),
        place("KR-26", "중구", &[1; 7], Some(40_000.0)),
        place("KR-26", "Gijang-gun", &[2; 7], Some(170_000.0)),
        place("KR-26", "Atlantis", &[50; 7], Some(1.0)),
    ];
    let linked: Vec<(&Place, Option<String>)> = areas.iter().map(|a| (a, None)).collect();
    let html = choropleth(Lang::Ko, &geo, &busan, &linked).expect("Busan has outlined districts");
    assert_eq!(html.matches("<path ").count(), 16, "every district of Busan, and only Busan's");
    assert!(html.contains("<title>해운대구: 17.5</title>"), "per 100,000 where every area has a population");
    assert!(html.contains("<title>중구: 17.5</title>") && html.contains("<title>기장군: 8.2</title>"));
    assert_eq!(html.matches("<title>금정구: 자료 없음</title>").count(), 1);
    assert!(html.contains(&format!("fill=\"{NO_DATA}\"")) && html.contains("자료 없음</li>"));
    assert!(html.contains("최근 7일 인구 10만 명당 신규 확진자") && html.contains("통계청"));
    assert!(html.contains("8.2 이상 17.5 미만") || html.contains("8.2 – 17.5"), "{html}");

    let no_population = [place("KR-26", "해운대구", &[10; 7], None), place("KR-26", "중구", &[1; 7], Some(1.0))];
    let linked: Vec<(&Place, Option<String>)> = no_population.iter().map(|a| (a, None)).collect();
    let html = choropleth(Lang::En, &geo, &busan, &linked).unwrap();
    assert!(html.contains("<title>Haeundae-gu: 70</title>"), "a week's count where a population is missing");
    assert!(html.contains("Busan — new cases in the last 7 days<"));

    let korea = place("KOR", "", &[], None);
    assert!(choropleth(Lang::En, &geo, &korea, &linked).is_none(), "a place that is no listed zone has no map");
    let strangers = [place("KR-26", "Atlantis", &[1; 7], None)];
    let linked: Vec<(&Place, Option<String>)> = strangers.iter().map(|a| (a, None)).collect();
    assert!(choropleth(Lang::En, &geo, &busan, &linked).is_none(), "no area on the map, no map");
}
