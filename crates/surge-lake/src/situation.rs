//! What the public dashboard shows, as data: each place's daily series over the dashboard's window, its latest
//! totals, and the figures derived from them (7-day averages, rates per 100,000, test positivity). The lake fills
//! it; the web crate draws it. No IO here.

use time::Date;

/// One place's figures on one day.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Day {
    pub date: Date,
    pub new_confirmed: Option<i64>,
    pub cumulative_confirmed: Option<i64>,
    pub new_deaths: Option<i64>,
    pub cumulative_deaths: Option<i64>,
    pub new_tests: Option<f64>,
    /// Share of tests that were positive, 0 to 1, as the source gives it.
    pub positive_rate: Option<f64>,
}

impl Day {
    /// A day with no figures yet.
    pub fn new(date: Date) -> Self {
        Self {
            date,
            new_confirmed: None,
            cumulative_confirmed: None,
            new_deaths: None,
            cumulative_deaths: None,
            new_tests: None,
            positive_rate: None,
        }
    }
}

/// A region, or a sub-region of one, with its days in date order.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Place {
    pub region: String,
    /// Empty for the whole region.
    pub sub_region: String,
    pub name: String,
    /// ISO alpha-3, where the region is a country.
    pub country: Option<String>,
    pub population: Option<f64>,
    pub days: Vec<Day>,
}

/// A country's latest whole-country totals in another source than the dashboard's, to set beside its own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Elsewhere {
    pub country: String,
    pub source: String,
    /// Who to credit for the figures.
    pub attribution: String,
    pub date: Date,
    pub cumulative_confirmed: Option<i64>,
    pub cumulative_deaths: Option<i64>,
}

/// The dashboard's content: one source's places and where it came from.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Situation {
    pub source: String,
    /// Who must be credited, and under what licence.
    pub attribution: String,
    /// Regions (whole), sorted by name.
    pub regions: Vec<Place>,
    /// Sub-regions, sorted by region and name.
    pub sub_regions: Vec<Place>,
    /// The lake's table versions the content was read at, for the page's footnote and its ETag.
    pub versions: Vec<(String, u64)>,
    /// Other sources' latest totals for the dashboard's countries, by country and then source.
    pub elsewhere: Vec<Elsewhere>,
}

impl Situation {
    /// Other sources' figures for a whole country, by source; none for an area or a place with no country.
    pub fn elsewhere(&self, place: &Place) -> Vec<&Elsewhere> {
        match (&place.country, place.sub_region.is_empty()) {
            (Some(country), true) => self.elsewhere.iter().filter(|e| &e.country == country).collect(),
            _ => Vec::new(),
        }
    }
}

/// The latest figures of a place, for the summary and the comparison table.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Latest {
    pub date: Option<Date>,
    pub cumulative_confirmed: Option<i64>,
    pub cumulative_deaths: Option<i64>,
    /// New cases over the last 7 days, where all 7 are known.
    pub week_confirmed: Option<i64>,
    pub week_deaths: Option<i64>,
    /// New cases in the last 7 days per 100,000 people.
    pub week_per_100k: Option<f64>,
    pub positive_rate: Option<f64>,
}

impl Place {
    pub fn latest(&self) -> Latest {
        let last = self.days.last();
        let week = |f: fn(&Day) -> Option<i64>| -> Option<i64> {
            let days = self.days.get(self.days.len().checked_sub(7)?..)?;
            // Seven consecutive days, each with a figure.
            let first = days.first()?.date;
            if days.last()?.date != first + time::Duration::days(6) {
                return None;
            }
            days.iter().map(f).sum()
        };
        let week_confirmed = week(|d| d.new_confirmed);
        Latest {
            date: last.map(|d| d.date),
            cumulative_confirmed: self.days.iter().rev().find_map(|d| d.cumulative_confirmed),
            cumulative_deaths: self.days.iter().rev().find_map(|d| d.cumulative_deaths),
            week_confirmed,
            week_deaths: week(|d| d.new_deaths),
            week_per_100k: per_100k(week_confirmed, self.population),
            positive_rate: self.days.iter().rev().find_map(|d| d.positive_rate),
        }
    }

    /// The page's path segment: the region, then the sub-region if any.
    pub fn path(&self) -> String {
        if self.sub_region.is_empty() {
            slug(&self.region)
        } else {
            format!("{}/{}", slug(&self.region), slug(&self.sub_region))
        }
    }
}

/// A count per 100,000 people.
pub fn per_100k(count: Option<i64>, population: Option<f64>) -> Option<f64> {
    match (count, population) {
        (Some(c), Some(p)) if p > 0.0 => Some(c as f64 * 100_000.0 / p),
        _ => None,
    }
}

/// A path segment from a code or a name: letters and digits kept (any script), anything else a hyphen.
pub fn slug(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_alphanumeric() {
            out.push(c);
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_matches('-').to_owned()
}

/// Regions made from their areas where a source gives only areas (Busan's health authority publishes its districts,
/// not the city): each day's figure is the sum of its areas' figures that day, and only where every area has one,
/// so a district that has not reported yet makes the day unknown rather than too low. Test positivity is each area's
/// weighted by its tests, and the population the areas' sum, under the same rule. Regions the source gives whole are
/// left as they are; made ones are added at the end.
pub fn roll_up(regions: &mut Vec<Place>, sub_regions: &[Place]) {
    let mut by_region: std::collections::BTreeMap<&str, Vec<&Place>> = std::collections::BTreeMap::new();
    for area in sub_regions {
        by_region.entry(area.region.as_str()).or_default().push(area);
    }
    for (region, areas) in by_region {
        if regions.iter().any(|r| r.region == region) {
            continue;
        }
        let mut dates: Vec<Date> = areas.iter().flat_map(|a| a.days.iter().map(|d| d.date)).collect();
        dates.sort_unstable();
        dates.dedup();
        let days = dates
            .into_iter()
            .map(|date| {
                let on: Vec<Option<&Day>> = areas
                    .iter()
                    .map(|a| a.days.binary_search_by_key(&date, |d| d.date).ok().map(|i| &a.days[i]))
                    .collect();
                let sum = |f: fn(&Day) -> Option<i64>| -> Option<i64> { on.iter().map(|d| d.and_then(f)).sum() };
                let tests: Option<f64> = on.iter().map(|d| d.and_then(|d| d.new_tests)).sum();
                let positives: Option<f64> =
                    on.iter().map(|d| d.and_then(|d| Some(d.new_tests? * d.positive_rate?))).sum();
                Day {
                    new_confirmed: sum(|d| d.new_confirmed),
                    cumulative_confirmed: sum(|d| d.cumulative_confirmed),
                    new_deaths: sum(|d| d.new_deaths),
                    cumulative_deaths: sum(|d| d.cumulative_deaths),
                    new_tests: tests,
                    positive_rate: match (positives, tests) {
                        (Some(p), Some(t)) if t > 0.0 => Some(p / t),
                        _ => None,
                    },
                    ..Day::new(date)
                }
            })
            .collect();
        regions.push(Place {
            region: region.to_owned(),
            sub_region: String::new(),
            name: region.to_owned(),
            // Areas carry the country they are in; the region made of them is not that country, so no other
            // source's country totals are set beside it.
            country: None,
            population: areas.iter().map(|a| a.population).sum(),
            days,
        });
    }
}

#[cfg(test)]
mod tests {
    use time::macros::date;

    use super::*;

    fn place(counts: &[Option<i64>]) -> Place {
        let days = counts
            .iter()
            .enumerate()
            .map(|(i, &c)| Day {
                new_confirmed: c,
                cumulative_confirmed: Some(100 + i as i64),
                ..Day::new(date!(2021 - 01 - 01) + time::Duration::days(i as i64))
            })
            .collect();
        Place {
            region: "KOR".into(),
            name: "South Korea".into(),
            population: Some(50_000_000.0),
            days,
            ..Place::default()
        }
    }

    #[test]
    fn a_week_needs_seven_known_days() {
        let full = place(&[Some(1); 9]).latest();
        assert_eq!(full.week_confirmed, Some(7));
        assert_eq!(full.week_per_100k, Some(7.0 * 100_000.0 / 50_000_000.0));
        assert_eq!(full.cumulative_confirmed, Some(108));
        let gap = place(&[Some(1), Some(1), None, Some(1), Some(1), Some(1), Some(1), Some(1)]).latest();
        assert_eq!(gap.week_confirmed, None);
        assert_eq!(place(&[Some(1); 6]).latest().week_confirmed, None);
        assert_eq!(per_100k(Some(5), None), None);
    }

    #[test]
    fn slugs_keep_letters_of_any_script() {
        assert_eq!(slug("KR-26"), "KR-26");
        assert_eq!(slug("Korea, South"), "Korea-South");
        assert_eq!(slug("부산 해운대구"), "부산-해운대구");
        assert_eq!(slug(" (x) "), "x");
    }

    fn area(name: &str, counts: &[(u8, Option<i64>)], population: Option<f64>) -> Place {
        Place {
            region: "KR-26".into(),
            sub_region: name.into(),
            name: name.into(),
            population,
            days: counts
                .iter()
                .map(|&(day, c)| Day {
                    new_confirmed: c,
                    new_tests: Some(100.0),
                    positive_rate: c.map(|c| c as f64 / 100.0),
                    ..Day::new(date!(2021 - 01 - 01) + time::Duration::days(i64::from(day)))
                })
                .collect(),
            ..Place::default()
        }
    }

    #[test]
    fn areas_roll_up_into_a_region_the_source_does_not_give_and_a_missing_area_leaves_the_day_unknown() {
        let areas = [
            area("해운대구", &[(0, Some(3)), (1, Some(4)), (2, Some(1))], Some(380_000.0)),
            area("중구", &[(0, Some(1)), (1, None)], Some(40_000.0)),
        ];
        let whole = Place { region: "KR-11".into(), name: "Seoul".into(), ..Place::default() };
        let mut regions = vec![whole.clone()];
        roll_up(&mut regions, &areas);
        assert_eq!(regions.len(), 2);
        assert_eq!(regions[0], whole, "a region the source gives whole is left alone");
        let busan = &regions[1];
        assert_eq!((busan.region.as_str(), busan.sub_region.as_str()), ("KR-26", ""));
        assert_eq!(busan.population, Some(420_000.0));
        let counts: Vec<Option<i64>> = busan.days.iter().map(|d| d.new_confirmed).collect();
        assert_eq!(counts, vec![Some(4), None, None], "day 1: 중구 gave no figure; day 2: 중구 has no row");
        assert_eq!(busan.days[0].new_tests, Some(200.0));
        assert_eq!(busan.days[0].positive_rate, Some(0.02), "4 positives in 200 tests");
        let mut none_known = vec![];
        roll_up(&mut none_known, &[area("x", &[(0, Some(1))], None), area("y", &[(0, Some(2))], Some(5.0))]);
        assert_eq!(none_known[0].population, None, "one area without a population leaves the region's unknown");
    }
}
