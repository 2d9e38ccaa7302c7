//! Remote monitoring of isolated patients as pure logic: NEWS2 scoring (RCP 2017, both SpO2 scales, the clinical
//! response bands), hard triggers, check-in times and misses, admission states, and the board's order of urgency.
//! No IO and no clock: observations and times come in, scores, flags and steps come out; storage, texts and pages
//! live in the use cases, the stores and the web crate.

mod admission;
mod board;
mod news2;
mod schedule;
mod symptoms;
mod triggers;

#[cfg(test)]
mod tests;

pub use admission::{AdmissionError, AdmissionState, Reason};
pub use board::{Standing, Trend, day_of_illness, rising_score, urgency};
pub use news2::{Consciousness, News2, Parameter, Risk, Spo2Scale, Temperature, VitalError, Vitals};
pub use schedule::{CheckIn, CheckIns, ScheduleError, Step};
pub use symptoms::Symptom;
pub use triggers::{Bound, HardTrigger, TriggerError};
