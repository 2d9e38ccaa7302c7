//! Hard triggers: single readings a centre wants a clinician to see whatever the total score (for example SpO2 at
//! or below 94 % or a temperature of 38.0 °C or more), written as settings like `spo2 <= 94`.

use std::fmt;

use crate::news2::{Parameter, Spo2Scale, Vitals};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Bound {
    AtMost,
    AtLeast,
}

/// One trigger: a figure-valued parameter, a bound and a figure in charted units (temperature in tenths).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct HardTrigger {
    pub parameter: Parameter,
    pub bound: Bound,
    pub figure: i32,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TriggerError {
    #[error("`{0}` is not `parameter <= figure` or `parameter >= figure`")]
    Form(String),
    #[error("`{0}` is not a parameter a trigger can watch (respiration_rate, spo2, systolic_bp, pulse, temperature)")]
    Parameter(String),
    #[error("`{0}` is not a possible figure for {1}")]
    Figure(String, Parameter),
}

impl TriggerError {
    pub fn code(&self) -> &'static str {
        "trigger_invalid"
    }
}

impl HardTrigger {
    /// The triggers a centre starts with: low oxygen saturation and fever.
    pub fn defaults() -> Vec<HardTrigger> {
        vec![
            HardTrigger { parameter: Parameter::Spo2, bound: Bound::AtMost, figure: 94 },
            HardTrigger { parameter: Parameter::Temperature, bound: Bound::AtLeast, figure: 380 },
        ]
    }

    /// `spo2 <= 94`, `temperature >= 38.0`, `pulse>=120`: spaces are optional.
    pub fn parse(text: &str) -> Result<HardTrigger, TriggerError> {
        let form = || TriggerError::Form(text.to_owned());
        let (name, bound, figure) = if let Some((name, figure)) = text.split_once("<=") {
            (name, Bound::AtMost, figure)
        } else if let Some((name, figure)) = text.split_once(">=") {
            (name, Bound::AtLeast, figure)
        } else {
            return Err(form());
        };
        let name = name.trim();
        let parameter = Parameter::from_field(name)
            .filter(|p| p.possible().is_some())
            .ok_or_else(|| TriggerError::Parameter(name.to_owned()))?;
        let figure = figure.trim();
        let refused = || TriggerError::Figure(figure.to_owned(), parameter);
        let value: f64 = figure.parse().map_err(|_| refused())?;
        let mut vitals = Vitals::default();
        vitals.set_figure(parameter, value).map_err(|_| refused())?;
        let figure = vitals.figure(parameter).ok_or_else(refused)?;
        Ok(HardTrigger { parameter, bound, figure })
    }

    /// Whether this set of observations trips the trigger. A saturation trigger is not applied to a patient on
    /// SpO2 scale 2, whose prescribed target (88–92 %) is below any scale-1 threshold.
    pub fn fires(&self, vitals: &Vitals, scale: Spo2Scale) -> bool {
        if self.parameter == Parameter::Spo2 && scale == Spo2Scale::Two {
            return false;
        }
        match (vitals.figure(self.parameter), self.bound) {
            (Some(v), Bound::AtMost) => v <= self.figure,
            (Some(v), Bound::AtLeast) => v >= self.figure,
            (None, _) => false,
        }
    }

    /// The threshold as a reading is written (`38.0` for a temperature).
    pub fn figure_text(&self) -> String {
        if self.parameter == Parameter::Temperature {
            let t = i16::try_from(self.figure).map(crate::news2::Temperature::from_tenths);
            t.map(|t| t.to_string()).unwrap_or_default()
        } else {
            self.figure.to_string()
        }
    }
}

impl fmt::Display for HardTrigger {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let op = match self.bound {
            Bound::AtMost => "<=",
            Bound::AtLeast => ">=",
        };
        write!(f, "{} {op} {}", self.parameter, self.figure_text())
    }
}
