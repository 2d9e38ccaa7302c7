//! One country code across sources: each importer names its region in its own way (OWID ISO 3166-1 alpha-3, WHO
//! alpha-2, JHU a common English name), and `daily_cases.country` carries the ISO alpha-3 code of every row whose
//! region is a country, so that the same country can be compared across sources. Ships, aggregates (`OWID_WRL`,
//! continents) and WHO's "Other" have none: they are left null rather than guessed.

use std::sync::Arc;

use celes::Country;

/// Names the JHU CSSE files use that are neither an ISO name nor one the `celes` tables know, or that those
/// tables would read wrongly ("Congo" alone is ambiguous; "Samoa" among aliases is American Samoa).
const JHU_NAMES: &[(&str, &str)] = &[
    ("US", "USA"),
    ("Korea, South", "KOR"),
    ("Korea, North", "PRK"),
    ("Taiwan*", "TWN"),
    ("Taipei and environs", "TWN"),
    ("Burma", "MMR"),
    ("Congo (Brazzaville)", "COG"),
    ("Republic of the Congo", "COG"),
    ("Congo (Kinshasa)", "COD"),
    ("Cote d'Ivoire", "CIV"),
    ("Ivory Coast", "CIV"),
    ("West Bank and Gaza", "PSE"),
    ("occupied Palestinian territory", "PSE"),
    ("Kosovo", "XKX"),
    ("Holy See", "VAT"),
    ("Vatican City", "VAT"),
    ("Laos", "LAO"),
    ("Samoa", "WSM"),
    ("Micronesia", "FSM"),
    ("Russia", "RUS"),
    ("Brunei", "BRN"),
    ("Bolivia", "BOL"),
    ("Venezuela", "VEN"),
    ("Tanzania", "TZA"),
    // Names of the first weeks of 2020, before JHU settled on its later ones.
    ("Mainland China", "CHN"),
    ("Hong Kong SAR", "HKG"),
    ("Macao SAR", "MAC"),
    ("Macau", "MAC"),
    ("UK", "GBR"),
    ("North Ireland", "GBR"),
    ("Republic of Ireland", "IRL"),
    ("Iran (Islamic Republic of)", "IRN"),
    ("Republic of Korea", "KOR"),
    ("Republic of Moldova", "MDA"),
    ("Russian Federation", "RUS"),
    ("Viet Nam", "VNM"),
    ("Czech Republic", "CZE"),
    ("East Timor", "TLS"),
    ("Cape Verde", "CPV"),
    ("Bahamas, The", "BHS"),
    ("The Bahamas", "BHS"),
    ("Gambia, The", "GMB"),
    ("The Gambia", "GMB"),
];

/// Kosovo has no ISO code; `XK` and `XKX` are the user-assigned codes the European Commission, WHO and the
/// World Bank use, and OWID writes `OWID_KOS`.
const KOSOVO: &str = "XKX";

/// The ISO alpha-3 code of a WHO `Country_code` (alpha-2; `XK` is Kosovo). WHO's `XA`, `XB` and `XC` (Bonaire,
/// Sint Eustatius and Saba, which ISO counts as one) and its blank "Other" give none.
pub fn from_alpha2(code: &str) -> Option<String> {
    match code {
        "XK" => Some(KOSOVO.to_owned()),
        _ if code.len() == 2 && code.bytes().all(|b| b.is_ascii_uppercase()) => {
            Country::from_alpha2(code).ok().map(|c| c.alpha3.to_owned())
        }
        _ => None,
    }
}

/// The ISO alpha-3 code of an OWID `iso_code`, checked against ISO's list; OWID's own aggregates give none.
pub fn from_alpha3(code: &str) -> Option<String> {
    match code {
        "OWID_KOS" => Some(KOSOVO.to_owned()),
        _ if code.len() == 3 && code.bytes().all(|b| b.is_ascii_uppercase()) => {
            Country::from_alpha3(code).ok().map(|c| c.alpha3.to_owned())
        }
        _ => None,
    }
}

/// The ISO alpha-3 code of a country's English name as JHU writes it: its own table first, then ISO's names, then
/// common short names ("Iran", "Syria"). Cruise ships and the Olympics give none.
pub fn from_name(name: &str) -> Option<String> {
    if let Some((_, code)) = JHU_NAMES.iter().find(|(n, _)| *n == name) {
        return Some((*code).to_owned());
    }
    let key: String = name.chars().filter(char::is_ascii_alphanumeric).collect();
    if key.is_empty() {
        return None;
    }
    Country::from_name(&key).or_else(|_| Country::from_alias(&key)).ok().map(|c| c.alpha3.to_owned())
}

/// How a generic CSV's region column names its countries, as its mapping says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
pub enum RegionCodes {
    /// ISO 3166-1 alpha-2 (`KR`).
    #[serde(rename = "alpha-2")]
    Alpha2,
    /// ISO 3166-1 alpha-3 (`KOR`).
    #[serde(rename = "alpha-3")]
    Alpha3,
    /// An English name (`South Korea`, `Korea, South`).
    #[serde(rename = "name")]
    Name,
}

impl RegionCodes {
    pub fn country(self, region: &str) -> Option<String> {
        match self {
            Self::Alpha2 => from_alpha2(&region.to_ascii_uppercase()),
            Self::Alpha3 => from_alpha3(&region.to_ascii_uppercase()),
            Self::Name => from_name(region),
        }
    }
}

/// The last region looked up and its country: files list a region's days together, so one lookup (and one shared
/// code) serves a run of rows.
#[derive(Debug, Default)]
pub(crate) struct Known {
    region: String,
    country: Option<Arc<str>>,
}

impl Known {
    pub(crate) fn of(&mut self, region: &str, lookup: impl Fn(&str) -> Option<String>) -> Option<Arc<str>> {
        if self.region != region {
            region.clone_into(&mut self.region);
            self.country = lookup(region).map(Arc::from);
        }
        self.country.clone()
    }
}
