//! Sending speed and gateway choice. A token bucket per gateway keeps to the rate its SMSC allows (typically 10–30
//! messages a second per bind); gateways share the traffic by weight, and one that keeps failing (50 errors in 60
//! seconds, as GOV.UK Notify uses) is rested for a minute while the others carry its share. Time is passed in.

use std::collections::VecDeque;
use std::time::Duration;

/// A token bucket: `rate` tokens a second, holding at most `burst`.
#[derive(Debug, Clone)]
pub struct TokenBucket {
    rate: f64,
    burst: f64,
    tokens: f64,
    last: Duration,
}

impl TokenBucket {
    /// `rate` 0 means unlimited.
    pub fn new(rate: f64, burst: f64, now: Duration) -> Self {
        Self { rate, burst: burst.max(1.0), tokens: burst.max(1.0), last: now }
    }

    /// Takes a token, or says how long until one is free.
    pub fn take(&mut self, now: Duration) -> Result<(), Duration> {
        if self.rate <= 0.0 {
            return Ok(());
        }
        let elapsed = now.saturating_sub(self.last).as_secs_f64();
        self.last = self.last.max(now);
        self.tokens = (self.tokens + elapsed * self.rate).min(self.burst);
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64((1.0 - self.tokens) / self.rate))
        }
    }
}

/// One gateway's recent errors.
#[derive(Debug, Clone, Default)]
pub struct Health {
    errors: VecDeque<Duration>,
    rested_until: Option<Duration>,
}

impl Health {
    pub const WINDOW: Duration = Duration::from_secs(60);
    pub const ERRORS: usize = 50;
    pub const REST: Duration = Duration::from_secs(60);

    pub fn record_error(&mut self, now: Duration) {
        self.errors.push_back(now);
        while self.errors.front().is_some_and(|t| now.saturating_sub(*t) > Self::WINDOW) {
            self.errors.pop_front();
        }
        if self.errors.len() >= Self::ERRORS {
            self.rested_until = Some(now + Self::REST);
            self.errors.clear();
        }
    }

    pub fn is_resting(&self, now: Duration) -> bool {
        self.rested_until.is_some_and(|until| now < until)
    }
}

/// Picks a gateway by weight among those not resting; if all rest, among all, since sending late beats not
/// sending. `roll` is a number in [0, 1) from the caller's generator.
pub fn pick(weights: &[u32], health: &[Health], now: Duration, roll: f64) -> Option<usize> {
    let usable: Vec<usize> = (0..weights.len()).filter(|&i| weights[i] > 0 && !health[i].is_resting(now)).collect();
    let candidates: Vec<usize> =
        if usable.is_empty() { (0..weights.len()).filter(|&i| weights[i] > 0).collect() } else { usable };
    let total: u64 = candidates.iter().map(|&i| u64::from(weights[i])).sum();
    if total == 0 {
        return None;
    }
    let mut target = (roll.clamp(0.0, 0.999_999) * total as f64) as u64;
    for &i in &candidates {
        let w = u64::from(weights[i]);
        if target < w {
            return Some(i);
        }
        target -= w;
    }
    candidates.last().copied()
}

#[cfg(test)]
mod tests;
