//! Places named and drawn: a source's regions and areas matched to the authority's zones by code or by name in
//! either language (Busan's feed writes `해운대구`, another `Haeundae`), so that pages name them in the reader's
//! language; and a region's districts drawn as an SVG choropleth from the outlines shipped with Surge
//! (`maps/kr-districts.tsv`, see `maps/README.md` for their sources), its figures in the table beside it.

use std::collections::HashMap;
use std::fmt::Write as _;

use surge_domain::{Zone, ZoneList};
use surge_lake::situation::Place;

use super::chart::figure;
use crate::i18n::Lang;
use crate::kit::escape;

/// Korea's district outlines: `code<TAB>min-x min-y max-x max-y<TAB>SVG path`, one unit about 0.001 degree.
const KR_DISTRICTS: &str = include_str!("../../maps/kr-districts.tsv");

/// Classes of a choropleth, lightest first; dark enough apart to tell, the darkest still under white outlines.
const SHADES: [&str; 5] = ["#e3eef8", "#a9cbe8", "#6aa3d5", "#2f76b8", "#0b4a8b"];
/// A district with no figure: grey hatching, so that it reads as missing rather than as low (a flat light grey
/// looked like the lightest class).
const NO_DATA: &str = "url(#no-data)";

/// The hatching of districts with no figure, `size` units apart, in an SVG whose ids start with `id`.
fn hatching(id: &str, size: f64) -> String {
    format!(
        "<defs><pattern id=\"{id}\" width=\"{size}\" height=\"{size}\" patternUnits=\"userSpaceOnUse\" \
         patternTransform=\"rotate(45)\"><rect width=\"{size}\" height=\"{size}\" fill=\"#fff\"/><line x1=\"0\" y1=\"0\" \
         x2=\"0\" y2=\"{size}\" stroke=\"#b1b4b6\" stroke-width=\"{width}\"/></pattern></defs>",
        width = size / 2.0,
    )
}

/// A district's outline.
#[derive(Debug, Clone, Copy)]
struct Outline {
    bounds: [i32; 4],
    path: &'static str,
}

/// The authority's zones (which know their provinces and districts) and the outlines of those that have one.
#[derive(Debug)]
pub struct Gazetteer {
    zones: ZoneList,
    outlines: HashMap<&'static str, Outline>,
}

impl Default for Gazetteer {
    fn default() -> Self {
        Self::new(ZoneList::korea())
    }
}

/// A name as compared: lower case, letters and digits only (`Haeundae-gu` is `haeundaegu`).
fn key(text: &str) -> String {
    text.chars().filter(|c| c.is_alphanumeric()).flat_map(char::to_lowercase).collect()
}

/// A compared name without its kind of district (`haeundaegu` is `haeundae`, `해운대구` is `해운대`).
fn stem(key: &str) -> &str {
    ["gun", "gu", "si", "군", "구", "시"]
        .iter()
        .find_map(|end| key.strip_suffix(end).filter(|rest| !rest.is_empty()))
        .unwrap_or(key)
}

impl Gazetteer {
    pub fn new(zones: ZoneList) -> Self {
        let mut outlines = HashMap::new();
        for line in KR_DISTRICTS.lines().filter(|l| !l.starts_with('#')) {
            let mut parts = line.splitn(3, '\t');
            let (Some(code), Some(bounds), Some(path)) = (parts.next(), parts.next(), parts.next()) else { continue };
            let numbers: Vec<i32> = bounds.split(' ').filter_map(|n| n.parse().ok()).collect();
            if let [a, b, c, d] = numbers[..] {
                outlines.insert(code, Outline { bounds: [a, b, c, d], path });
            }
        }
        Self { zones, outlines }
    }

    /// The province or city a region is: its code (`KR-26`) or its name in either language.
    fn region_zone(&self, region: &str, name: &str) -> Option<&Zone> {
        let (region_key, name_key) = (key(region), key(name));
        self.zones.top_level().find(|z| {
            z.code == region || [key(&z.name_ko), key(&z.name_en)].iter().any(|k| *k == region_key || *k == name_key)
        })
    }

    /// The district an area of `region` is: its code, or its name in either language with or without its kind
    /// (`gu`, `구`). A name two districts share is nobody's.
    fn area_zone<'a>(&'a self, region: &Zone, area: &str) -> Option<&'a Zone> {
        let children: Vec<(&Zone, [String; 2])> =
            self.zones.children(&region.code).map(|z| (z, [key(&z.name_ko), key(&z.name_en)])).collect();
        if let Some((zone, _)) = children.iter().find(|(z, _)| z.code == area) {
            return Some(zone);
        }
        let wanted = key(area);
        let matching = |same: &dyn Fn(&str) -> bool| -> Option<&'a Zone> {
            let found: Vec<&Zone> =
                children.iter().filter(|(_, keys)| keys.iter().any(|k| same(k))).map(|(z, _)| *z).collect();
            match found[..] {
                [zone] => Some(zone),
                _ => None,
            }
        };
        matching(&|k| k == wanted).or_else(|| matching(&|k| stem(k) == stem(&wanted)))
    }

    /// The zone a place is, if the authority lists it.
    pub fn zone_of(&self, place: &Place) -> Option<&Zone> {
        let region = self.region_zone(&place.region, &place.name)?;
        if place.sub_region.is_empty() { Some(region) } else { self.area_zone(region, &place.sub_region) }
    }

    /// A place's name in `lang` where it is a listed zone: a region's own, a district's short (`해운대구`) or, with
    /// `full`, with its province's (`부산광역시 해운대구`).
    pub fn name(&self, lang: Lang, place: &Place, full: bool) -> Option<String> {
        let zone = self.zone_of(place)?;
        Some(if full { lang.zone_name(&self.zones, zone) } else { lang.pick(&zone.name_en, &zone.name_ko).to_owned() })
    }
}

/// What a choropleth colours by: the 7-day rate per 100,000 where every mapped area has a population, else the
/// 7-day count.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Measure {
    PerHundredThousand,
    WeekCases,
}

/// Class limits for `values` in about equal-sized groups: each limit starts a class.
fn limits(values: &[f64]) -> Vec<f64> {
    let mut sorted: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len();
    let mut limits: Vec<f64> = (1..SHADES.len()).filter_map(|k| sorted.get(k * n / SHADES.len()).copied()).collect();
    limits.dedup();
    // A limit equal to the smallest value would leave the first class empty.
    limits.retain(|l| sorted.first().is_some_and(|min| l > min));
    limits
}

fn class_of(limits: &[f64], value: f64) -> usize {
    limits.iter().filter(|l| value >= **l).count()
}

/// A region's districts as a choropleth, with its legend and credit; `None` where the region has no outlined
/// districts or no area of the source is one of them. `areas` are the source's areas of the region.
pub fn choropleth(lang: Lang, geo: &Gazetteer, region: &Place, areas: &[(&Place, Option<String>)]) -> Option<String> {
    let zone = geo.zone_of(region)?;
    let districts: Vec<(&Zone, Outline)> =
        geo.zones.children(&zone.code).filter_map(|d| Some((d, *geo.outlines.get(d.code.as_str())?))).collect();
    let mut figures: HashMap<&str, (Option<f64>, Option<i64>)> = HashMap::new();
    for (area, _) in areas {
        if let Some(d) = geo.area_zone(zone, &area.sub_region) {
            let latest = area.latest();
            figures.insert(d.code.as_str(), (latest.week_per_100k, latest.week_confirmed));
        }
    }
    if districts.is_empty() || !districts.iter().any(|(d, _)| figures.contains_key(d.code.as_str())) {
        return None;
    }
    let measure =
        if figures.values().all(|(rate, _)| rate.is_some()) { Measure::PerHundredThousand } else { Measure::WeekCases };
    let value = |code: &str| -> Option<f64> {
        let (rate, week) = figures.get(code)?;
        match measure {
            Measure::PerHundredThousand => *rate,
            Measure::WeekCases => week.map(|w| w as f64),
        }
    };
    let values: Vec<f64> = districts.iter().filter_map(|(d, _)| value(&d.code)).collect();
    if values.is_empty() {
        return None;
    }
    let limits = limits(&values);
    let (mut x0, mut y0, mut x1, mut y1) = (i32::MAX, i32::MAX, i32::MIN, i32::MIN);
    for (_, o) in &districts {
        (x0, y0, x1, y1) = (x0.min(o.bounds[0]), y0.min(o.bounds[1]), x1.max(o.bounds[2]), y1.max(o.bounds[3]));
    }
    let pad = ((x1 - x0).max(y1 - y0) / 50).max(2);
    let what = match measure {
        Measure::PerHundredThousand => lang.t("situation.map.per_100k"),
        Measure::WeekCases => lang.t("situation.map.week_cases"),
    };
    let title = format!("{} — {what}", lang.pick(&zone.name_en, &zone.name_ko));
    let mut svg = format!(
        "<svg class=\"map\" viewBox=\"{} {} {} {}\" role=\"img\" aria-labelledby=\"map-title\" \
         xmlns=\"http://www.w3.org/2000/svg\"><title id=\"map-title\">{}</title>",
        x0 - pad,
        y0 - pad,
        x1 - x0 + 2 * pad,
        y1 - y0 + 2 * pad,
        escape(&title),
    );
    // Hatching about 5 pixels apart however large the region is drawn.
    svg.push_str(&hatching("no-data", f64::from((x1 - x0).max(y1 - y0)) / 60.0));
    for (district, outline) in &districts {
        let name = lang.pick(&district.name_en, &district.name_ko);
        let (fill, shown) = match value(&district.code) {
            Some(v) => (SHADES[class_of(&limits, v)], figure(v)),
            None => (NO_DATA, lang.t("situation.map.no_data").to_owned()),
        };
        let _ = write!(
            svg,
            "<path d=\"{}\" fill=\"{fill}\"><title>{}: {}</title></path>",
            outline.path,
            escape(name),
            escape(&shown)
        );
    }
    svg.push_str("</svg>");
    let mut legend = format!("<ul class=\"legend\" aria-label=\"{}\">", escape(lang.t("situation.map.legend")));
    let swatch = |colour: &str| {
        // The key's own hatching, under an id of its own.
        let (defs, fill) = if colour == NO_DATA {
            (hatching("no-data-key", 3.0), "url(#no-data-key)")
        } else {
            (String::new(), colour)
        };
        format!(
            "<svg class=\"swatch\" viewBox=\"0 0 10 10\" aria-hidden=\"true\">{defs}<rect width=\"10\" height=\"10\" \
             fill=\"{fill}\" stroke=\"#505a5f\" stroke-width=\"1\"/></svg>"
        )
    };
    let min = values.iter().copied().fold(f64::INFINITY, f64::min);
    let max = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let mut starts = vec![min];
    starts.extend(&limits);
    for (i, start) in starts.iter().enumerate() {
        let (a, b) = (figure(*start), starts.get(i + 1).map(|next| figure(*next)));
        let range = match b {
            Some(b) => lang.pick(&format!("{a} to under {b}"), &format!("{a} 이상 {b} 미만")).to_owned(),
            None if *start == max => a,
            None => format!("{a} – {}", figure(max)),
        };
        let _ = write!(legend, "<li>{}{}</li>", swatch(SHADES[i]), escape(&range));
    }
    if values.len() < districts.len() {
        let _ = write!(legend, "<li>{}{}</li>", swatch(NO_DATA), lang.t("situation.map.no_data"));
    }
    legend.push_str("</ul>");
    Some(format!(
        "<figure class=\"map-figure\">{svg}<figcaption><p>{what}</p>{legend}<p class=\"hint\">{credit}</p>\
         </figcaption></figure>",
        what = escape(&title),
        credit = lang.t("situation.map.credit"),
    ))
}

#[cfg(test)]
mod tests;
