//! The public situation dashboard's pages, drawn from a `Situation`: an index that compares regions beside the
//! platform's own figures, and a page per region and area with its charts, its figures as a table, links to the
//! same figures as CSV and JSON, and the sources to credit. Pure rendering: `dashboard` decides when and serves.

use serde::Serialize;
use std::fmt::Write as _;

use surge_app::facts::PlatformFigures;
use surge_lake::csv_field;
use surge_lake::situation::{Latest, Place, Situation};

use super::chart::{DailyChart, daily_chart, figure, moving_average};
use super::map::Gazetteer;
use crate::i18n::Lang;
use crate::kit::{escape, frame};

/// The licence note shown under every page's sources; the sources' own names stay as they write them.
fn licence_note(lang: Lang) -> &'static str {
    match lang {
        Lang::En => {
            "Our World in Data and JHU CSSE publish under CC BY 4.0: reuse is free with credit to them. WHO data may be \
             reused with credit to WHO. The platform's own figures are counts with no person in them."
        }
        Lang::Ko => {
            "<span lang=\"en\">Our World in Data</span>와 JHU CSSE 자료는 CC BY 4.0으로 공개되어 출처를 밝히면 자유롭게 \
             쓸 수 있습니다. WHO 자료는 WHO를 출처로 밝히고 쓸 수 있습니다. 이 서비스의 수치는 개인 정보가 없는 집계입니다."
        }
    }
}

/// Who to credit, as HTML: a known source by the name and licence it asks for, a mapped feed (`busan-health`) by
/// its name with a pointer to its own terms, in the page's language.
fn credit(lang: Lang, situation: &Situation) -> String {
    if let Some(attribution) = surge_lake::known_attribution(&situation.source) {
        return format!("<span lang=\"en\">{}</span>", escape(attribution));
    }
    let source = format!("<span lang=\"en\">{}</span>", escape(&situation.source));
    match lang {
        Lang::En => format!("{source} (see the source's own terms)"),
        Lang::Ko => format!("{source} (출처의 이용 조건을 따릅니다)"),
    }
}

fn count(v: Option<i64>) -> String {
    v.map_or_else(|| "—".to_owned(), |v| figure(v as f64))
}

fn rate(v: Option<f64>) -> String {
    v.map_or_else(|| "—".to_owned(), figure)
}

fn percent(v: Option<f64>) -> String {
    v.map_or_else(|| "—".to_owned(), |v| format!("{}%", figure(v * 100.0)))
}

fn sources(lang: Lang, situation: &Situation) -> String {
    format!(
        "<h2>{}</h2><p>{}: {}.</p><p class=\"hint\">{}</p>",
        lang.t("situation.sources"),
        lang.t("situation.source"),
        credit(lang, situation),
        licence_note(lang)
    )
}

fn stamp(lang: Lang, situation: &Situation, latest: Option<time::Date>, updated: &str) -> String {
    let day = latest.map(|d| d.to_string()).unwrap_or_else(|| "—".to_owned());
    format!(
        "<p class=\"hint\">{up_to} {day}. {source}: {attribution}. {updated_l} {updated}.</p>",
        up_to = lang.t("situation.up_to"),
        source = lang.t("situation.source"),
        attribution = credit(lang, situation),
        updated_l = lang.t("situation.updated"),
    )
}

/// The dashboard's frame: its own service name, and the language switch back to the same page.
fn dashboard_page(lang: Lang, title: &str, body: &str, path: &str) -> String {
    frame(lang, lang.t("situation.service"), title, body, Some(path), "")
}

fn platform(lang: Lang, f: &PlatformFigures) -> String {
    let share = |part: u64, whole: u64| {
        if whole == 0 { String::new() } else { format!(" ({}%)", figure(part as f64 * 100.0 / whole as f64)) }
    };
    // A total, then the part of it the second label names, with its share where the first is a whole.
    let with_part = |total: u64, label: &str, part: u64, shown_as_share: bool| {
        let share = if shown_as_share { share(part, total) } else { String::new() };
        format!("{}; {label} {}{share}", figure(total as f64), figure(part as f64))
    };
    let median = match f.result_text_median_minutes_7d {
        None => "—".to_owned(),
        Some(0) => lang.t("situation.within_a_minute").to_owned(),
        Some(1) => lang.t("situation.one_minute").to_owned(),
        Some(m) => format!("{} {}", figure(m as f64), lang.t("situation.minutes")),
    };
    let rows = [
        (lang.t("situation.passes_in_force"), figure(f.passes_in_force as f64)),
        (lang.t("situation.passes_issued"), figure(f.passes_issued_7d as f64)),
        (lang.t("situation.passes_revoked"), figure(f.passes_revoked_7d as f64)),
        (
            lang.t("situation.scans"),
            with_part(f.scans_24h, lang.t("situation.scans_invalid"), f.scans_invalid_24h, false),
        ),
        (
            lang.t("situation.results"),
            with_part(f.results_7d, lang.t("situation.results_texted"), f.results_texted_7d, true),
        ),
        (lang.t("situation.text_median"), median),
        (lang.t("situation.sms"), with_part(f.sms_7d, lang.t("situation.sms_delivered"), f.sms_delivered_7d, true)),
    ];
    let mut html = format!("<h2>{}</h2><dl>", lang.t("situation.platform"));
    for (label, value) in rows {
        let _ = write!(html, "<dt>{label}</dt><dd>{value}</dd>");
    }
    html.push_str("</dl>");
    html
}

/// Korean country names by ISO alpha-3 (see the file's header for its source and licence).
const COUNTRY_NAMES_KO: &str = include_str!("country-names-ko.tsv");

/// A place's name in the page's language: a listed zone by its name (`해운대구`, or with `full` its province's too),
/// a whole country by its Korean name on Korean pages when known; else the name its source gives the area or the
/// region.
fn place_name(lang: Lang, geo: &Gazetteer, place: &Place, full: bool) -> String {
    static KOREAN: std::sync::OnceLock<std::collections::HashMap<&'static str, &'static str>> =
        std::sync::OnceLock::new();
    if let Some(name) = geo.name(lang, place, full) {
        return name;
    }
    if !place.sub_region.is_empty() {
        return place.sub_region.clone();
    }
    if lang != Lang::Ko {
        return place.name.clone();
    }
    let names = KOREAN.get_or_init(|| {
        COUNTRY_NAMES_KO.lines().filter(|l| !l.starts_with('#')).filter_map(|l| l.split_once('\t')).collect()
    });
    place.country.as_deref().and_then(|code| names.get(code).copied()).unwrap_or(&place.name).to_owned()
}

/// The comparison table's rows: a place, its latest figures, and its page's link if it has one.
fn comparison(
    lang: Lang,
    geo: &Gazetteer,
    caption: &str,
    first: &str,
    places: &[(&Place, Latest, Option<String>)],
) -> String {
    let mut html = format!(
        "<table class=\"compare\"><caption>{caption}</caption><thead><tr><th scope=\"col\">{first}</th>\
         <th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th>\
         <th scope=\"col\">{}</th><th scope=\"col\">{}</th></tr></thead><tbody>",
        lang.t("situation.week_cases"),
        lang.t("situation.per_100k"),
        lang.t("situation.total_cases"),
        lang.t("situation.week_deaths"),
        lang.t("situation.total_deaths"),
        lang.t("situation.latest_day"),
        caption = escape(caption),
    );
    for (place, latest, link) in places {
        let name = match link {
            Some(href) => format!("<a href=\"{}\">{}</a>", escape(href), escape(&place_name(lang, geo, place, false))),
            None => escape(&place_name(lang, geo, place, false)),
        };
        let _ = write!(
            html,
            "<tr><th scope=\"row\">{name}</th><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            count(latest.week_confirmed),
            rate(latest.week_per_100k),
            count(latest.cumulative_confirmed),
            count(latest.week_deaths),
            count(latest.cumulative_deaths),
            latest.date.map(|d| d.to_string()).unwrap_or_else(|| "—".to_owned()),
        );
    }
    html.push_str("</tbody></table>");
    html
}

/// The same country's latest totals in the other sources the lake holds, each credited; nothing when there are none.
fn elsewhere(lang: Lang, situation: &Situation, place: &Place) -> String {
    let others = situation.elsewhere(place);
    if others.is_empty() {
        return String::new();
    }
    let mut html = format!(
        "<h2 id=\"elsewhere\">{title}</h2><p class=\"hint\">{hint}</p><div class=\"scroll\" tabindex=\"0\"><table class=\"compare\">\
         <caption>{caption}</caption><thead><tr><th scope=\"col\">{source}</th><th scope=\"col\">{cases}</th>\
         <th scope=\"col\">{deaths}</th><th scope=\"col\">{day}</th></tr></thead><tbody>",
        title = lang.t("situation.elsewhere"),
        hint = lang.t("situation.elsewhere.hint"),
        caption = lang.t("situation.elsewhere.caption"),
        source = lang.t("situation.source"),
        cases = lang.t("situation.total_cases"),
        deaths = lang.t("situation.total_deaths"),
        day = lang.t("situation.latest_day"),
    );
    for other in others {
        let _ = write!(
            html,
            "<tr><th scope=\"row\">{}</th><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(&other.attribution),
            count(other.cumulative_confirmed),
            count(other.cumulative_deaths),
            other.date,
        );
    }
    html.push_str("</tbody></table></div>");
    html
}

/// `/situation`: the regions compared, the platform's figures, the sources.
pub fn index_page(
    lang: Lang,
    geo: &Gazetteer,
    situation: Option<&Situation>,
    figures: &PlatformFigures,
    now: &str,
) -> String {
    let title = lang.t("situation.title");
    let mut body = format!("<h1>{title}</h1>");
    match situation {
        None => {
            let _ = write!(body, "<p>{}</p>", lang.t("situation.empty"));
            body.push_str(&platform(lang, figures));
        }
        Some(s) => {
            let latest = s.regions.iter().filter_map(|p| p.days.last().map(|d| d.date)).max();
            body.push_str(&stamp(lang, s, latest, now));
            body.push_str(&platform(lang, figures));
            let rows: Vec<_> =
                s.regions.iter().map(|p| (p, p.latest(), Some(format!("/situation/{}", p.path())))).collect();
            let _ = write!(body, "<h2>{}</h2><div class=\"scroll\" tabindex=\"0\">", lang.t("situation.compare"));
            let caption = lang.t("situation.compare.caption");
            body.push_str(&comparison(lang, geo, caption, lang.t("situation.region"), &rows));
            let _ = write!(
                body,
                "</div><p><a href=\"/situation.csv\" download>{data} (CSV)</a> · \
                 <a href=\"/situation.json\">{data} (JSON)</a></p>",
                data = lang.t("situation.data"),
            );
            body.push_str(&sources(lang, s));
        }
    }
    dashboard_page(lang, title, &body, "/situation")
}

/// A region's or an area's page. `areas` are the region's areas, with links where they have pages.
pub fn place_page(
    lang: Lang,
    geo: &Gazetteer,
    situation: &Situation,
    place: &Place,
    areas: &[(&Place, Option<String>)],
    now: &str,
) -> String {
    let latest = place.latest();
    let path = format!("/situation/{}", place.path());
    let title = place_name(lang, geo, place, true);
    let mut body = format!("<p><a href=\"/situation\">{}</a></p><h1>{}</h1>", lang.t("situation.all"), escape(&title));
    body.push_str(&stamp(lang, situation, latest.date, now));
    let mut summary = vec![
        (lang.t("situation.week_cases"), count(latest.week_confirmed)),
        (lang.t("situation.total_cases"), count(latest.cumulative_confirmed)),
        (lang.t("situation.week_deaths"), count(latest.week_deaths)),
        (lang.t("situation.total_deaths"), count(latest.cumulative_deaths)),
    ];
    if latest.week_per_100k.is_some() {
        summary.insert(1, (lang.t("situation.per_100k"), rate(latest.week_per_100k)));
    }
    if latest.positive_rate.is_some() {
        summary.push((lang.t("situation.positivity"), percent(latest.positive_rate)));
    }
    body.push_str("<dl>");
    for (label, value) in summary {
        let _ = write!(body, "<dt>{label}</dt><dd>{value}</dd>");
    }
    body.push_str("</dl>");
    body.push_str(&elsewhere(lang, situation, place));

    let days: Vec<time::Date> = place.days.iter().map(|d| d.date).collect();
    let series = |f: fn(&surge_lake::situation::Day) -> Option<f64>| place.days.iter().map(f).collect::<Vec<_>>();
    let cases = series(|d| d.new_confirmed.map(|v| v as f64));
    let deaths = series(|d| d.new_deaths.map(|v| v as f64));
    let total = series(|d| d.cumulative_confirmed.map(|v| v as f64));
    let positivity = series(|d| d.positive_rate.map(|v| v * 100.0));
    let range = match (days.first(), days.last()) {
        (Some(a), Some(b)) => format!("{a} – {b}"),
        _ => String::new(),
    };
    let describe =
        // The source is credited on the page, in the reader's language, under "Sources".
        |what: &str| format!("{what}, {title}, {range}.");
    let cases_avg = moving_average(&cases, 7);
    let deaths_avg = moving_average(&deaths, 7);
    let average = lang.t("situation.average");
    let chart = |title: &'static str, bars, bars_label: &'static str, line| DailyChart {
        title: lang.t(title),
        description: "",
        days: &days,
        bars,
        bars_label: lang.t(bars_label),
        line,
    };
    let charts = [
        ("cases", chart("situation.daily_cases", &cases, "situation.new_cases", Some((average, &cases_avg[..])))),
        ("deaths", chart("situation.daily_deaths", &deaths, "situation.deaths", Some((average, &deaths_avg[..])))),
        ("total", chart("situation.cumulative", &total, "situation.total_cases", None)),
        ("positivity", chart("situation.positivity_chart", &positivity, "situation.percent", None)),
    ];
    for (id, chart) in charts {
        if chart.bars.iter().all(Option::is_none) {
            continue;
        }
        let description = describe(chart.title);
        let _ = write!(body, "<h2 id=\"{id}\">{}</h2>", chart.title);
        body.push_str(&daily_chart(lang, &format!("chart-{id}"), &DailyChart { description: &description, ..chart }));
    }
    if !areas.is_empty() {
        let rows: Vec<_> = areas.iter().map(|(p, link)| (*p, p.latest(), link.clone())).collect();
        let _ = write!(body, "<h2 id=\"areas\">{}</h2>", lang.t("situation.areas"));
        // The map beside the table of its figures, which is also what a screen reader reads in its place.
        let map = super::map::choropleth(lang, geo, place, areas);
        if let Some(map) = &map {
            let _ = write!(body, "<div class=\"wide map-and-table\">{map}");
        }
        body.push_str("<div class=\"scroll\" tabindex=\"0\">");
        let caption = lang.t("situation.areas.caption");
        body.push_str(&comparison(lang, geo, caption, lang.t("situation.area"), &rows));
        body.push_str(if map.is_some() { "</div></div>" } else { "</div>" });
    }
    let _ = write!(
        body,
        "<h2>{data}</h2><p class=\"hint\">{hint}</p><p><a href=\"{path}.csv\" download>{data} (CSV)</a> · \
         <a href=\"{path}.json\">{data} (JSON)</a></p>",
        data = lang.t("situation.data"),
        hint = lang.t("situation.data.hint"),
        path = escape(&path),
    );
    body.push_str(&sources(lang, situation));
    dashboard_page(lang, &title, &body, &path)
}

fn opt<T: ToString>(v: Option<T>) -> String {
    v.map(|v| v.to_string()).unwrap_or_default()
}

/// A place's days as CSV: the numbers its page shows, and the 7-day average it draws.
pub fn place_csv(situation: &Situation, place: &Place) -> String {
    let cases: Vec<Option<f64>> = place.days.iter().map(|d| d.new_confirmed.map(|v| v as f64)).collect();
    let average = moving_average(&cases, 7);
    let mut out = String::from(
        "source,region,sub_region,name,date,new_confirmed,new_confirmed_7day_average,cumulative_confirmed,new_deaths,\
         cumulative_deaths,new_tests,positive_rate\n",
    );
    for (day, avg) in place.days.iter().zip(average) {
        let _ = writeln!(
            out,
            "{},{},{},{},{},{},{},{},{},{},{},{}",
            csv_field(&situation.source),
            csv_field(&place.region),
            csv_field(&place.sub_region),
            csv_field(&place.name),
            day.date,
            opt(day.new_confirmed),
            avg.map(|a| format!("{a:.2}")).unwrap_or_default(),
            opt(day.cumulative_confirmed),
            opt(day.new_deaths),
            opt(day.cumulative_deaths),
            opt(day.new_tests),
            opt(day.positive_rate),
        );
    }
    out
}

/// One day of a place, as `/situation/….json` gives it.
#[derive(Debug, Serialize)]
struct DayOut {
    date: String,
    new_confirmed: Option<i64>,
    cumulative_confirmed: Option<i64>,
    new_deaths: Option<i64>,
    cumulative_deaths: Option<i64>,
    new_tests: Option<f64>,
    positive_rate: Option<f64>,
}

/// A place's days, with the source to credit.
#[derive(Debug, Serialize)]
struct PlaceOut<'a> {
    source: &'a str,
    attribution: &'a str,
    region: &'a str,
    sub_region: &'a str,
    name: &'a str,
    population: Option<f64>,
    days: Vec<DayOut>,
}

/// A place's days as JSON, with the source to credit.
pub fn place_json(situation: &Situation, place: &Place) -> String {
    let days = place
        .days
        .iter()
        .map(|d| DayOut {
            date: d.date.to_string(),
            new_confirmed: d.new_confirmed,
            cumulative_confirmed: d.cumulative_confirmed,
            new_deaths: d.new_deaths,
            cumulative_deaths: d.cumulative_deaths,
            new_tests: d.new_tests,
            positive_rate: d.positive_rate,
        })
        .collect();
    to_json(&PlaceOut {
        source: &situation.source,
        attribution: &situation.attribution,
        region: &place.region,
        sub_region: &place.sub_region,
        name: &place.name,
        population: place.population,
        days,
    })
}

/// Plain data always serialises; an empty answer would only follow a bug, and is logged.
fn to_json(value: &impl Serialize) -> String {
    serde_json::to_string(value).unwrap_or_else(|e| {
        tracing::error!(error = %e, "writing situation JSON failed");
        String::new()
    })
}

/// The comparison of regions as CSV.
pub fn comparison_csv(situation: &Situation) -> String {
    let mut out = String::from(
        "source,region,name,latest_day,cases_7d,cases_7d_per_100k,cumulative_confirmed,deaths_7d,cumulative_deaths,\
         positive_rate\n",
    );
    for place in &situation.regions {
        let l = place.latest();
        let _ = writeln!(
            out,
            "{},{},{},{},{},{},{},{},{},{}",
            csv_field(&situation.source),
            csv_field(&place.region),
            csv_field(&place.name),
            opt(l.date),
            opt(l.week_confirmed),
            l.week_per_100k.map(|r| format!("{r:.2}")).unwrap_or_default(),
            opt(l.cumulative_confirmed),
            opt(l.week_deaths),
            opt(l.cumulative_deaths),
            opt(l.positive_rate),
        );
    }
    out
}

/// A region's latest figures, in the comparison.
#[derive(Debug, Serialize)]
struct RegionOut<'a> {
    region: &'a str,
    name: &'a str,
    path: String,
    latest_day: Option<String>,
    cases_7d: Option<i64>,
    cases_7d_per_100k: Option<f64>,
    cumulative_confirmed: Option<i64>,
    deaths_7d: Option<i64>,
    cumulative_deaths: Option<i64>,
    positive_rate: Option<f64>,
}

#[derive(Debug, Serialize)]
struct ComparisonOut<'a> {
    source: &'a str,
    attribution: &'a str,
    regions: Vec<RegionOut<'a>>,
}

/// The comparison of regions as JSON.
pub fn comparison_json(situation: &Situation) -> String {
    let regions = situation
        .regions
        .iter()
        .map(|place| {
            let l = place.latest();
            RegionOut {
                region: &place.region,
                name: &place.name,
                path: format!("/situation/{}", place.path()),
                latest_day: l.date.map(|d| d.to_string()),
                cases_7d: l.week_confirmed,
                cases_7d_per_100k: l.week_per_100k,
                cumulative_confirmed: l.cumulative_confirmed,
                deaths_7d: l.week_deaths,
                cumulative_deaths: l.cumulative_deaths,
                positive_rate: l.positive_rate,
            }
        })
        .collect();
    to_json(&ComparisonOut { source: &situation.source, attribution: &situation.attribution, regions })
}
