//! The authority's list of zones, chosen from in forms and named on pages in both languages: by default Korea's 17
//! provinces and metropolitan cities (ISO 3166-2:KR codes) and their 249 districts (`KR-26-350`), or the authority's
//! own list. A free-typed "Busan" was stored as `BUSAN` and reached no official's queue; a zone from the list always
//! does.

/// A zone an authority lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Zone {
    /// `KR-26`: what passes, scopes and queues use; a district's code is inside its province's (`KR-26-350`).
    pub code: String,
    /// Its own name, without its province's: `해운대구`, `Haeundae-gu`.
    pub name_ko: String,
    pub name_en: String,
}

/// The zones organisations choose from. Empty: any well-formed zone code is taken (the benchmarks' made-up zones).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ZoneList {
    zones: Vec<Zone>,
    /// Each zone's parent by index, found once: forms list every province's districts on each request.
    parents: Vec<Option<usize>>,
}

/// Korea's provinces and metropolitan cities, by ISO 3166-2:KR code, with the names they use now.
const KOREA: &str = "\
KR-11\t서울특별시\tSeoul
KR-26\t부산광역시\tBusan
KR-27\t대구광역시\tDaegu
KR-28\t인천광역시\tIncheon
KR-29\t광주광역시\tGwangju
KR-30\t대전광역시\tDaejeon
KR-31\t울산광역시\tUlsan
KR-50\t세종특별자치시\tSejong
KR-41\t경기도\tGyeonggi
KR-42\t강원특별자치도\tGangwon
KR-43\t충청북도\tNorth Chungcheong
KR-44\t충청남도\tSouth Chungcheong
KR-45\t전북특별자치도\tJeonbuk
KR-46\t전라남도\tSouth Jeolla
KR-47\t경상북도\tNorth Gyeongsang
KR-48\t경상남도\tSouth Gyeongsang
KR-49\t제주특별자치도\tJeju
";

/// Korea's districts (si, gun, gu) by province code and the last three digits of the ministry's code, made with the
/// map outlines by `crates/surge-web/maps/make-kr.py`.
const KOREA_DISTRICTS: &str = include_str!("zones/kr-districts.tsv");

impl ZoneList {
    /// Korea's 17 provinces and metropolitan cities, then their districts.
    pub fn korea() -> Self {
        // Checked by a test, so it always reads.
        Self::from_tsv(&format!("{KOREA}{KOREA_DISTRICTS}")).unwrap_or_default()
    }

    /// A list from tab-separated `code<TAB>Korean name<TAB>English name` lines (a `code` header and `#` comments are
    /// skipped). Returns the line number and problem of the first bad line.
    pub fn from_tsv(text: &str) -> Result<Self, (usize, String)> {
        let mut zones: Vec<Zone> = Vec::new();
        for (i, line) in text.lines().enumerate() {
            let line = line.trim_end_matches('\r');
            if line.trim().is_empty() || line.starts_with('#') || line.starts_with("code\t") {
                continue;
            }
            let parts: Vec<&str> = line.split('\t').map(str::trim).collect();
            let [code, name_ko, name_en] = parts[..] else {
                return Err((i + 1, "expected code<TAB>Korean name<TAB>English name".into()));
            };
            if !crate::employees::zone_ok(code) {
                return Err((i + 1, format!("{code:?} is not a zone code such as KR-26")));
            }
            if name_ko.is_empty()
                || name_en.is_empty()
                || format!("{name_ko}{name_en}").chars().any(crate::is_unsafe_char)
            {
                return Err((i + 1, "both names are needed, without control characters".into()));
            }
            if zones.iter().any(|z| z.code == code) {
                return Err((i + 1, format!("{code} is listed twice")));
            }
            zones.push(Zone { code: code.into(), name_ko: name_ko.into(), name_en: name_en.into() });
        }
        // The smallest other zone that holds each one.
        let parents = zones
            .iter()
            .map(|zone| {
                (0..zones.len())
                    .filter(|&i| zones[i].code != zone.code && crate::zone_covers(&zones[i].code, &zone.code))
                    .max_by_key(|&i| zones[i].code.len())
            })
            .collect();
        Ok(Self { zones, parents })
    }

    pub fn zones(&self) -> &[Zone] {
        &self.zones
    }

    pub fn is_empty(&self) -> bool {
        self.zones.is_empty()
    }

    /// The listed zone that is `code`, or else the smallest that holds it (`KR-26-999` is in Busan, `KR-26`).
    pub fn covering(&self, code: &str) -> Option<&Zone> {
        self.zones.iter().filter(|z| crate::zone_covers(&z.code, code)).max_by_key(|z| z.code.len())
    }

    /// Whether a registration may give `code`: a listed zone, or a place inside a listed zone whose own districts
    /// are not listed (an authority listing provinces only takes any district code of them).
    pub fn takes(&self, code: &str) -> bool {
        self.covering(code).is_some_and(|z| z.code == code || self.children(&z.code).next().is_none())
    }

    /// The smallest other listed zone that holds `zone`: a district's province.
    pub fn parent(&self, zone: &Zone) -> Option<&Zone> {
        let i = self.zones.iter().position(|z| z.code == zone.code)?;
        self.parents[i].map(|p| &self.zones[p])
    }

    /// The zones inside no other: the provinces, for choosing an official's scope.
    pub fn top_level(&self) -> impl Iterator<Item = &Zone> {
        self.zones.iter().zip(&self.parents).filter(|(_, p)| p.is_none()).map(|(z, _)| z)
    }

    /// The zones whose parent is `code`: a province's districts, in list order.
    pub fn children<'a>(&'a self, code: &str) -> impl Iterator<Item = &'a Zone> + use<'a> {
        let parent = self.zones.iter().position(|z| z.code == code);
        self.zones.iter().zip(&self.parents).filter(move |(_, p)| parent.is_some() && **p == parent).map(|(z, _)| z)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn korea_lists_its_17_regions_and_a_list_names_its_bad_line() {
        let korea = ZoneList::korea();
        assert_eq!(korea.top_level().count(), 17);
        assert_eq!(korea.zones().len(), 17 + 249);
        assert_eq!(korea.covering("KR-26").map(|z| z.name_ko.as_str()), Some("부산광역시"));
        assert_eq!(korea.covering("KR-26-350").map(|z| z.name_en.as_str()), Some("Haeundae-gu"), "the district itself");
        assert_eq!(korea.covering("KR-26-999").map(|z| z.name_en.as_str()), Some("Busan"), "an unlisted one's city");
        let busan: Vec<&str> = korea.children("KR-26").map(|z| z.name_ko.as_str()).collect();
        assert_eq!((busan.len(), busan[0], busan[15]), (16, "중구", "기장군"));
        assert_eq!(korea.children("KR-50").count(), 0, "Sejong has no districts");
        assert!(korea.takes("KR-26-350") && korea.takes("KR-50") && korea.takes("KR-50-110"));
        assert!(!korea.takes("KR-26-999"), "Busan's districts are listed, and this is none of them");
        let provinces = ZoneList::from_tsv("KR-26\t부산\tBusan\n").unwrap();
        assert!(provinces.takes("KR-26-999"), "a list of provinces only takes their districts' codes");
        let seogwipo = korea.covering("KR-49-130").unwrap();
        assert_eq!(
            (seogwipo.name_en.as_str(), korea.parent(seogwipo).map(|p| p.name_en.as_str())),
            ("Seogwipo-si", Some("Jeju"))
        );
        assert!(
            korea.zones().iter().all(|z| korea.parent(z).is_none() == (z.code.len() == 5)),
            "every district has a province"
        );
        assert!(korea.covering("KR-261").is_none() && korea.covering("BUSAN").is_none());
        assert_eq!(ZoneList::from_tsv("KR-26\t부산\tBusan\nBusan\t부산\tBusan\n").unwrap_err().0, 2);
        assert_eq!(ZoneList::from_tsv("KR-26\t부산\n").unwrap_err().0, 1);
        assert_eq!(ZoneList::from_tsv("KR-26\t부산\tBusan\nKR-26\t부산\tBusan\n").unwrap_err().0, 2);
        assert!(ZoneList::from_tsv("# comment\ncode\tko\ten\n").unwrap().is_empty());
    }
}
