//! Token buckets and weighted failover.

use super::*;

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

#[test]
fn a_bucket_allows_its_burst_then_its_rate() {
    let mut bucket = TokenBucket::new(10.0, 2.0, ms(0));
    assert!(bucket.take(ms(0)).is_ok());
    assert!(bucket.take(ms(0)).is_ok());
    let wait = bucket.take(ms(0)).unwrap_err();
    assert_eq!(wait, ms(100));
    assert!(bucket.take(ms(50)).is_err());
    assert!(bucket.take(ms(100)).is_ok());
    // Over ten seconds, 10 a second and no more.
    let sent = (0..2000).filter(|i| bucket.take(ms(100 + i * 5)).is_ok()).count();
    assert!((99..=101).contains(&sent), "{sent}");
    let mut free = TokenBucket::new(0.0, 1.0, ms(0));
    assert!((0..1000).all(|_| free.take(ms(0)).is_ok()), "rate 0 is unlimited");
}

#[test]
fn weights_share_the_traffic() {
    let health = vec![Health::default(), Health::default()];
    let picks: Vec<usize> = (0..100).map(|i| pick(&[3, 1], &health, ms(0), f64::from(i) / 100.0).unwrap()).collect();
    assert_eq!(picks.iter().filter(|&&p| p == 0).count(), 75);
    assert_eq!(pick(&[0, 0], &health, ms(0), 0.5), None);
}

#[test]
fn a_failing_gateway_rests_and_the_others_carry_its_share() {
    let mut health = vec![Health::default(), Health::default()];
    for i in 0..49 {
        health[0].record_error(ms(i * 1000));
    }
    assert!(!health[0].is_resting(ms(49_000)), "49 errors in a minute are not enough");
    health[0].record_error(ms(49_500));
    assert!(health[0].is_resting(ms(50_000)));
    assert!((0..100).all(|i| pick(&[9, 1], &health, ms(50_000), f64::from(i) / 100.0) == Some(1)));
    assert!(!health[0].is_resting(ms(109_600)), "back after a minute's rest");
    // Errors spread thinly never add up to a rest.
    let mut thin = Health::default();
    for i in 0..200 {
        thin.record_error(ms(i * 2000));
    }
    assert!(!thin.is_resting(ms(400_000)));
    // When every gateway rests, one is still chosen.
    let all_resting = vec![health[0].clone(), health[0].clone()];
    assert!(pick(&[1, 1], &all_resting, ms(50_000), 0.3).is_some());
}
