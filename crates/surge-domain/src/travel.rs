//! Whether two scans of one pass could be the same holder: the distance between the checkpoints (great-circle,
//! haversine) against the time between the scans. Faster than `max_kmh` suggests a copied pass.

/// A checkpoint's position, degrees.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Position {
    pub lat: f64,
    pub lon: f64,
}

const EARTH_RADIUS_KM: f64 = 6371.0;

pub fn distance_km(a: Position, b: Position) -> f64 {
    let (lat1, lat2) = (a.lat.to_radians(), b.lat.to_radians());
    let d_lat = (b.lat - a.lat).to_radians();
    let d_lon = (b.lon - a.lon).to_radians();
    let h = (d_lat / 2.0).sin().powi(2) + lat1.cos() * lat2.cos() * (d_lon / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_KM * h.sqrt().asin()
}

/// True when covering the distance between two scans `seconds` apart would need more than `max_kmh`. Scans at
/// the same place, or closer than a kilometre (GPS and queue noise), never count.
pub fn impossible_travel(a: Position, b: Position, seconds: i64, max_kmh: f64) -> bool {
    let km = distance_km(a, b);
    if km < 1.0 {
        return false;
    }
    let hours = seconds.unsigned_abs() as f64 / 3600.0;
    km > max_kmh * hours
}

#[cfg(test)]
mod tests {
    use super::*;

    const BUSAN: Position = Position { lat: 35.1796, lon: 129.0756 };
    const SEOUL: Position = Position { lat: 37.5665, lon: 126.9780 };

    #[test]
    fn distances_are_great_circle_kilometres() {
        let d = distance_km(BUSAN, SEOUL);
        assert!((320.0..330.0).contains(&d), "{d}");
        assert_eq!(distance_km(BUSAN, BUSAN), 0.0);
    }

    #[test]
    fn travel_faster_than_the_limit_is_impossible() {
        // About 325 km: 30 minutes is impossible by road, 4 hours is not.
        assert!(impossible_travel(BUSAN, SEOUL, 30 * 60, 150.0));
        assert!(!impossible_travel(BUSAN, SEOUL, 4 * 3600, 150.0));
        assert!(impossible_travel(SEOUL, BUSAN, -30 * 60, 150.0), "order does not matter");
        let nearby = Position { lat: BUSAN.lat + 0.001, lon: BUSAN.lon };
        assert!(!impossible_travel(BUSAN, nearby, 1, 150.0), "the same place");
    }
}
