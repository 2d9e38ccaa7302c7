//! NEWS2, the National Early Warning Score 2 (Royal College of Physicians, 2017): what each vital sign scores on
//! the chart (SpO2 on scale 1, or scale 2 for a patient a clinician has set it for), the total, and the clinical
//! response band the total falls in.

use std::fmt;

/// The seven parameters NEWS2 scores, in the chart's order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Parameter {
    RespirationRate,
    Spo2,
    OnOxygen,
    SystolicBp,
    Pulse,
    Consciousness,
    Temperature,
}

impl Parameter {
    pub const ALL: [Parameter; 7] = [
        Parameter::RespirationRate,
        Parameter::Spo2,
        Parameter::OnOxygen,
        Parameter::SystolicBp,
        Parameter::Pulse,
        Parameter::Consciousness,
        Parameter::Temperature,
    ];

    /// The parameter's name in files, the API and error answers.
    pub fn field(self) -> &'static str {
        match self {
            Parameter::RespirationRate => "respiration_rate",
            Parameter::Spo2 => "spo2",
            Parameter::OnOxygen => "on_oxygen",
            Parameter::SystolicBp => "systolic_bp",
            Parameter::Pulse => "pulse",
            Parameter::Consciousness => "consciousness",
            Parameter::Temperature => "temperature",
        }
    }

    pub fn from_field(field: &str) -> Option<Parameter> {
        Parameter::ALL.into_iter().find(|p| p.field() == field)
    }

    fn index(self) -> usize {
        self as usize
    }

    /// The figures a living person's measurement can take, in charted units (temperature in tenths of a degree);
    /// anything outside is a mistyped or broken reading, never scored. `None` for the two that are not figures.
    pub fn possible(self) -> Option<(i32, i32)> {
        match self {
            Parameter::RespirationRate => Some((1, 80)),
            Parameter::Spo2 => Some((1, 100)),
            Parameter::SystolicBp => Some((1, 300)),
            Parameter::Pulse => Some((1, 300)),
            Parameter::Temperature => Some((250, 450)),
            Parameter::OnOxygen | Parameter::Consciousness => None,
        }
    }
}

impl fmt::Display for Parameter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.field())
    }
}

/// ACVPU: alert, or new confusion, or responding only to voice, to pain, or unresponsive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Consciousness {
    Alert,
    Confusion,
    Voice,
    Pain,
    Unresponsive,
}

impl Consciousness {
    pub fn letter(self) -> char {
        match self {
            Consciousness::Alert => 'A',
            Consciousness::Confusion => 'C',
            Consciousness::Voice => 'V',
            Consciousness::Pain => 'P',
            Consciousness::Unresponsive => 'U',
        }
    }

    /// One of `A`, `C`, `V`, `P`, `U` (either case, no spaces).
    pub fn parse(text: &str) -> Result<Consciousness, VitalError> {
        match text {
            "A" | "a" => Ok(Consciousness::Alert),
            "C" | "c" => Ok(Consciousness::Confusion),
            "V" | "v" => Ok(Consciousness::Voice),
            "P" | "p" => Ok(Consciousness::Pain),
            "U" | "u" => Ok(Consciousness::Unresponsive),
            _ => Err(VitalError::Impossible(Parameter::Consciousness)),
        }
    }
}

/// Which SpO2 scale a patient is scored on. Scale 2 is for hypercapnic respiratory failure with a prescribed
/// target of 88–92 %, and only a clinician sets it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Spo2Scale {
    #[default]
    One,
    Two,
}

impl Spo2Scale {
    pub fn number(self) -> u8 {
        match self {
            Spo2Scale::One => 1,
            Spo2Scale::Two => 2,
        }
    }

    pub fn from_number(n: i64) -> Option<Spo2Scale> {
        match n {
            1 => Some(Spo2Scale::One),
            2 => Some(Spo2Scale::Two),
            _ => None,
        }
    }
}

/// A temperature in tenths of a degree Celsius, as charted (one decimal).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Temperature(i16);

impl Temperature {
    pub fn from_tenths(tenths: i16) -> Temperature {
        Temperature(tenths)
    }

    pub fn tenths(self) -> i16 {
        self.0
    }
}

impl fmt::Display for Temperature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        write!(f, "{sign}{}.{}", abs / 10, abs % 10)
    }
}

/// Why a set of observations cannot be scored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum VitalError {
    #[error("{0} is missing")]
    Missing(Parameter),
    #[error("{0} is outside what a person's measurement can be")]
    Impossible(Parameter),
}

impl VitalError {
    pub fn code(self) -> &'static str {
        match self {
            VitalError::Missing(_) => "value_missing",
            VitalError::Impossible(_) => "value_impossible",
        }
    }

    pub fn parameter(self) -> Parameter {
        match self {
            VitalError::Missing(p) | VitalError::Impossible(p) => p,
        }
    }
}

/// One set of observations, any of them absent (a patient at home may have no blood pressure cuff). Values are
/// in charted units; [`Vitals::set_figure`] is the checked way in from a measured figure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Vitals {
    /// Breaths per minute.
    pub respiration_rate: Option<u16>,
    /// Oxygen saturation, per cent.
    pub spo2: Option<u8>,
    /// On supplemental oxygen (true) or breathing air.
    pub on_oxygen: Option<bool>,
    /// Systolic blood pressure, mmHg.
    pub systolic_bp: Option<u16>,
    /// Beats per minute.
    pub pulse: Option<u16>,
    pub consciousness: Option<Consciousness>,
    pub temperature: Option<Temperature>,
}

impl Vitals {
    /// Sets a figure-valued parameter from a measured figure: rounded as the chart is (whole numbers, temperature
    /// to one decimal, halves away from zero), refused if no living person's reading could be it.
    pub fn set_figure(&mut self, parameter: Parameter, figure: f64) -> Result<(), VitalError> {
        let impossible = VitalError::Impossible(parameter);
        let (low, high) = parameter.possible().ok_or(impossible)?;
        let scaled = if parameter == Parameter::Temperature { figure * 10.0 } else { figure };
        let charted = scaled.round();
        if !charted.is_finite() || charted < f64::from(low) || charted > f64::from(high) {
            return Err(impossible);
        }
        // In range (at most 450), so these conversions are exact.
        let charted = charted as i32;
        match parameter {
            Parameter::RespirationRate => self.respiration_rate = u16::try_from(charted).ok(),
            Parameter::Spo2 => self.spo2 = u8::try_from(charted).ok(),
            Parameter::SystolicBp => self.systolic_bp = u16::try_from(charted).ok(),
            Parameter::Pulse => self.pulse = u16::try_from(charted).ok(),
            Parameter::Temperature => self.temperature = i16::try_from(charted).ok().map(Temperature),
            Parameter::OnOxygen | Parameter::Consciousness => return Err(impossible),
        }
        Ok(())
    }

    /// A parameter's charted figure (temperature in tenths; oxygen 1 or 0; consciousness 0 for alert, else 1).
    pub fn figure(&self, parameter: Parameter) -> Option<i32> {
        match parameter {
            Parameter::RespirationRate => self.respiration_rate.map(i32::from),
            Parameter::Spo2 => self.spo2.map(i32::from),
            Parameter::OnOxygen => self.on_oxygen.map(i32::from),
            Parameter::SystolicBp => self.systolic_bp.map(i32::from),
            Parameter::Pulse => self.pulse.map(i32::from),
            Parameter::Consciousness => self.consciousness.map(|c| i32::from(c != Consciousness::Alert)),
            Parameter::Temperature => self.temperature.map(|t| i32::from(t.tenths())),
        }
    }

    pub fn has(&self, parameter: Parameter) -> bool {
        self.figure(parameter).is_some()
    }
}

/// The RCP's clinical response bands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Risk {
    /// Total 0–4, no parameter scoring 3: ward-based response.
    Low,
    /// Total 0–4 with one parameter scoring 3: an urgent ward-based response.
    LowMedium,
    /// Total 5–6: an urgent response.
    Medium,
    /// Total 7 or more: an emergency response.
    High,
}

impl Risk {
    pub fn of(total: u8, a_parameter_scores_three: bool) -> Risk {
        match total {
            7.. => Risk::High,
            5..=6 => Risk::Medium,
            _ if a_parameter_scores_three => Risk::LowMedium,
            _ => Risk::Low,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Risk::Low => "low",
            Risk::LowMedium => "low-medium",
            Risk::Medium => "medium",
            Risk::High => "high",
        }
    }

    pub fn from_code(code: &str) -> Option<Risk> {
        [Risk::Low, Risk::LowMedium, Risk::Medium, Risk::High].into_iter().find(|r| r.code() == code)
    }
}

/// What each parameter scored; a parameter not observed has no score, and then the total and band are a floor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct News2 {
    parts: [Option<u8>; 7],
}

impl News2 {
    /// Scores whatever was observed. SpO2 on scale 2 needs to know whether the patient is on oxygen once the
    /// saturation is 93 % or more; without that it is left unscored.
    pub fn of(vitals: &Vitals, scale: Spo2Scale) -> News2 {
        let mut parts = [None; 7];
        parts[Parameter::RespirationRate.index()] = vitals.respiration_rate.map(respiration_rate);
        parts[Parameter::Spo2.index()] = vitals.spo2.and_then(|s| match scale {
            Spo2Scale::One => Some(spo2_scale_1(s)),
            Spo2Scale::Two => spo2_scale_2(s, vitals.on_oxygen),
        });
        parts[Parameter::OnOxygen.index()] = vitals.on_oxygen.map(|on| if on { 2 } else { 0 });
        parts[Parameter::SystolicBp.index()] = vitals.systolic_bp.map(systolic_bp);
        parts[Parameter::Pulse.index()] = vitals.pulse.map(pulse);
        parts[Parameter::Consciousness.index()] =
            vitals.consciousness.map(|c| if c == Consciousness::Alert { 0 } else { 3 });
        parts[Parameter::Temperature.index()] = vitals.temperature.map(temperature);
        News2 { parts }
    }

    /// The score of a whole set, or the first parameter (in the chart's order) that is missing.
    pub fn complete(vitals: &Vitals, scale: Spo2Scale) -> Result<News2, VitalError> {
        let score = News2::of(vitals, scale);
        match score.missing().next() {
            Some(p) => Err(VitalError::Missing(p)),
            None => Ok(score),
        }
    }

    pub fn part(&self, parameter: Parameter) -> Option<u8> {
        self.parts[parameter.index()]
    }

    /// The sum of the parameters scored.
    pub fn total(&self) -> u8 {
        self.parts.iter().flatten().sum()
    }

    pub fn missing(&self) -> impl Iterator<Item = Parameter> + '_ {
        Parameter::ALL.into_iter().filter(|p| self.part(*p).is_none())
    }

    pub fn is_complete(&self) -> bool {
        self.missing().next().is_none()
    }

    pub fn risk(&self) -> Risk {
        Risk::of(self.total(), self.parts.iter().flatten().any(|s| *s == 3))
    }
}

fn respiration_rate(per_minute: u16) -> u8 {
    match per_minute {
        ..=8 => 3,
        9..=11 => 1,
        12..=20 => 0,
        21..=24 => 2,
        25.. => 3,
    }
}

fn spo2_scale_1(percent: u8) -> u8 {
    match percent {
        ..=91 => 3,
        92..=93 => 2,
        94..=95 => 1,
        96.. => 0,
    }
}

/// Scale 2: below 88 % as on scale 1 but lower; 88–92 % scores nothing; above that only oxygen is scored against.
fn spo2_scale_2(percent: u8, on_oxygen: Option<bool>) -> Option<u8> {
    match (percent, on_oxygen) {
        (..=83, _) => Some(3),
        (84..=85, _) => Some(2),
        (86..=87, _) => Some(1),
        (88..=92, _) => Some(0),
        (93.., None) => None,
        (93.., Some(false)) => Some(0),
        (93..=94, Some(true)) => Some(1),
        (95..=96, Some(true)) => Some(2),
        (97.., Some(true)) => Some(3),
    }
}

fn systolic_bp(mm_hg: u16) -> u8 {
    match mm_hg {
        ..=90 => 3,
        91..=100 => 2,
        101..=110 => 1,
        111..=219 => 0,
        220.. => 3,
    }
}

fn pulse(per_minute: u16) -> u8 {
    match per_minute {
        ..=40 => 3,
        41..=50 => 1,
        51..=90 => 0,
        91..=110 => 1,
        111..=130 => 2,
        131.. => 3,
    }
}

fn temperature(t: Temperature) -> u8 {
    match t.tenths() {
        ..=350 => 3,
        351..=360 => 1,
        361..=380 => 0,
        381..=390 => 1,
        391.. => 2,
    }
}
