//! `surge monitor`: patient monitoring from the command line. `score` reads JSON lines of observations on standard
//! input and writes one JSON line per input line: the NEWS2 score, or the error that names the field; a bad line
//! never stops the lines after it.

use std::io::{BufRead, BufReader, BufWriter, Read, Write};

use clap::Subcommand;
use serde::Serialize;
use serde_json::{Map, Value};
use surge_monitoring::{Consciousness, News2, Parameter, Spo2Scale, VitalError, Vitals};

use crate::Outcome;

#[derive(Debug, Subcommand)]
pub enum MonitorCommand {
    /// Score NEWS2 (RCP 2017) for JSON lines of observations on standard input, one JSON line out per line in.
    ///
    /// Fields: respiration_rate, spo2, spo2_scale (1 or 2; 1 if absent), on_oxygen (true or false), systolic_bp,
    /// pulse, consciousness ("A", "C", "V", "P" or "U"), temperature (°C). A line with a missing, mistyped or
    /// impossible value is answered {"error": {"code": …, "field": …}} and the rest go on; the exit status is then 2.
    Score,
}

pub fn run(command: MonitorCommand) -> anyhow::Result<Outcome> {
    match command {
        MonitorCommand::Score => {
            let refused = score_lines(std::io::stdin().lock(), std::io::stdout().lock())?;
            if refused > 0 {
                anyhow::bail!("{refused} line(s) could not be scored; each is answered with its error");
            }
            Ok(Outcome::Success)
        }
    }
}

const BOM: &[u8] = b"\xef\xbb\xbf";

/// The longest line read; a longer one is answered `line_too_long` without being held in memory.
const MAX_LINE: usize = 64 * 1024;

/// Scores every line of `input` onto `output`, and counts the lines refused. Blank lines are not inputs and get no
/// answer.
fn score_lines(input: impl Read, output: impl Write) -> anyhow::Result<usize> {
    let mut input = BufReader::with_capacity(64 * 1024, input);
    let mut output = BufWriter::new(output);
    let mut line = Vec::new();
    let mut refused = 0;
    let mut first = true;
    while let Some(whole) = read_line(&mut input, &mut line)? {
        // A file saved by some Windows editors begins with a byte-order mark; it is not part of the first line.
        if std::mem::take(&mut first) && line.starts_with(BOM) {
            line.drain(..BOM.len());
        }
        if whole && line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let answer = if whole { answer(&line) } else { Answer::refused("line_too_long", None) };
        if matches!(answer, Answer::Error { .. }) {
            refused += 1;
        }
        serde_json::to_writer(&mut output, &answer)?;
        output.write_all(b"\n")?;
        // Flush when the next read would wait, so a caller feeding lines one at a time gets each answer at once.
        if input.buffer().is_empty() {
            output.flush()?;
        }
    }
    output.flush()?;
    Ok(refused)
}

/// Reads one line (without its end) into `line`: `Some(true)` if whole, `Some(false)` if it was longer than
/// [`MAX_LINE`] (the rest is skipped, not kept), `None` at the end of the input.
fn read_line(input: &mut impl BufRead, line: &mut Vec<u8>) -> std::io::Result<Option<bool>> {
    line.clear();
    let mut whole = true;
    let mut read_any = false;
    loop {
        let buf = input.fill_buf()?;
        if buf.is_empty() {
            return Ok(read_any.then_some(whole));
        }
        read_any = true;
        let (chunk, done) = match newline(buf) {
            Some(i) => (&buf[..i], Some(i + 1)),
            None => (buf, None),
        };
        if whole && line.len() + chunk.len() <= MAX_LINE {
            line.extend_from_slice(chunk);
        } else {
            whole = false;
            line.clear();
        }
        let used = done.unwrap_or(buf.len());
        input.consume(used);
        if done.is_some() {
            if line.last() == Some(&b'\r') {
                line.pop();
            }
            return Ok(Some(whole));
        }
    }
}

fn newline(buf: &[u8]) -> Option<usize> {
    buf.iter().position(|b| *b == b'\n')
}

#[derive(Debug, Serialize)]
#[serde(untagged)]
enum Answer {
    Score { news2: u8, scores: Scores, risk: &'static str },
    Error { error: ErrorBody },
}

#[derive(Debug, Serialize)]
struct ErrorBody {
    code: &'static str,
    field: Option<&'static str>,
}

/// Each parameter's score, in the chart's order.
#[derive(Debug, Serialize)]
struct Scores {
    respiration_rate: u8,
    spo2: u8,
    on_oxygen: u8,
    systolic_bp: u8,
    pulse: u8,
    consciousness: u8,
    temperature: u8,
}

impl Answer {
    fn refused(code: &'static str, field: Option<&'static str>) -> Answer {
        Answer::Error { error: ErrorBody { code, field } }
    }
}

fn answer(line: &[u8]) -> Answer {
    let fields = match serde_json::from_slice::<Fields>(line) {
        Ok(Fields(Ok(fields))) => fields,
        Ok(Fields(Err(field))) => return Answer::refused("value_repeated", known_field(&field)),
        Err(_) => return Answer::refused("line_invalid", None),
    };
    match observations(&fields).and_then(|(vitals, scale)| News2::complete(&vitals, scale).map_err(Refusal::Vital)) {
        Ok(score) => {
            let part = |p| score.part(p).unwrap_or(0);
            Answer::Score {
                news2: score.total(),
                scores: Scores {
                    respiration_rate: part(Parameter::RespirationRate),
                    spo2: part(Parameter::Spo2),
                    on_oxygen: part(Parameter::OnOxygen),
                    systolic_bp: part(Parameter::SystolicBp),
                    pulse: part(Parameter::Pulse),
                    consciousness: part(Parameter::Consciousness),
                    temperature: part(Parameter::Temperature),
                },
                risk: score.risk().code(),
            }
        }
        Err(Refusal::Vital(e)) => Answer::refused(e.code(), Some(e.parameter().field())),
        Err(Refusal::Invalid(field)) => Answer::refused("value_invalid", Some(field)),
    }
}

/// A line's object, or the first field it gives twice: `{"spo2": 98, "spo2": 88}` could be read either way, so it
/// is refused rather than scored on whichever came last.
struct Fields(Result<Map<String, Value>, String>);

impl<'de> serde::Deserialize<'de> for Fields {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Fields, D::Error> {
        struct Visit;
        impl<'de> serde::de::Visitor<'de> for Visit {
            type Value = Fields;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Fields, A::Error> {
                let mut fields = Map::new();
                let mut repeated = None;
                while let Some((key, value)) = map.next_entry::<String, Value>()? {
                    if fields.contains_key(&key) && repeated.is_none() {
                        repeated = Some(key.clone());
                    }
                    fields.insert(key, value);
                }
                Ok(Fields(repeated.map_or(Ok(fields), Err)))
            }
        }
        deserializer.deserialize_map(Visit)
    }
}

/// The field's name when it is one of the inputs, so an answer never echoes arbitrary text.
fn known_field(name: &str) -> Option<&'static str> {
    Parameter::from_field(name).map(Parameter::field).or((name == "spo2_scale").then_some("spo2_scale"))
}

enum Refusal {
    Vital(VitalError),
    /// A value of the wrong kind (text for a figure, a figure for true or false).
    Invalid(&'static str),
}

/// Reads the fields in the chart's order (the scale first) and stops at the first one that is wrong.
fn observations(fields: &Map<String, Value>) -> Result<(Vitals, Spo2Scale), Refusal> {
    let scale = match fields.get("spo2_scale") {
        None | Some(Value::Null) => Spo2Scale::One,
        Some(v) => v.as_i64().and_then(Spo2Scale::from_number).ok_or(Refusal::Invalid("spo2_scale"))?,
    };
    let mut vitals = Vitals::default();
    for parameter in Parameter::ALL {
        let field = parameter.field();
        let value = match fields.get(field) {
            None | Some(Value::Null) => return Err(Refusal::Vital(VitalError::Missing(parameter))),
            Some(v) => v,
        };
        match parameter {
            Parameter::OnOxygen => vitals.on_oxygen = Some(value.as_bool().ok_or(Refusal::Invalid(field))?),
            Parameter::Consciousness => {
                let letter = value.as_str().ok_or(Refusal::Invalid(field))?;
                vitals.consciousness = Some(Consciousness::parse(letter).map_err(Refusal::Vital)?);
            }
            _ => {
                let figure = value.as_f64().ok_or(Refusal::Invalid(field))?;
                vitals.set_figure(parameter, figure).map_err(Refusal::Vital)?;
            }
        }
    }
    Ok((vitals, scale))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(input: &str, expect: &[&str]) {
        let mut out = Vec::new();
        let refused = score_lines(input.as_bytes(), &mut out).unwrap();
        let out = String::from_utf8(out).unwrap();
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines, expect, "{input}");
        assert_eq!(refused, expect.iter().filter(|l| l.starts_with(r#"{"error""#)).count());
    }

    const WELL: &str = r#"{"respiration_rate": 16, "spo2": 98, "on_oxygen": false, "systolic_bp": 120, "pulse": 70, "consciousness": "A", "temperature": 36.8}"#;
    const WELL_OUT: &str = r#"{"news2":0,"scores":{"respiration_rate":0,"spo2":0,"on_oxygen":0,"systolic_bp":0,"pulse":0,"consciousness":0,"temperature":0},"risk":"low"}"#;

    #[test]
    fn each_line_is_scored_and_a_bad_one_is_answered_without_stopping_the_rest() {
        let confused = WELL.replace(r#""A""#, r#""C""#);
        let scale_2 = r#"{"respiration_rate": 22, "spo2": 97, "spo2_scale": 2, "on_oxygen": true, "systolic_bp": 100, "pulse": 115, "consciousness": "A", "temperature": 39.1}"#;
        let input = [
            WELL,
            &confused,
            "",
            r#"{"spo2": 98}"#,
            &WELL.replace("98", "101"),
            &WELL.replace("98", r#""98""#),
            &WELL.replace("false", "1"),
            &WELL.replace(r#""A""#, r#""X""#),
            &WELL.replace("\"spo2\": 98", "\"spo2\": 98, \"spo2_scale\": 3"),
            "not json",
            "[1, 2]",
            r#"{"spo2": 98, "spo2": 88}"#,
            r#"{"note": 1, "note": 2}"#,
            scale_2,
            "   ",
            &WELL.replace("36.8", "null"),
            WELL,
        ]
        .join("\n");
        check(
            &input,
            &[
                WELL_OUT,
                r#"{"news2":3,"scores":{"respiration_rate":0,"spo2":0,"on_oxygen":0,"systolic_bp":0,"pulse":0,"consciousness":3,"temperature":0},"risk":"low-medium"}"#,
                r#"{"error":{"code":"value_missing","field":"respiration_rate"}}"#,
                r#"{"error":{"code":"value_impossible","field":"spo2"}}"#,
                r#"{"error":{"code":"value_invalid","field":"spo2"}}"#,
                r#"{"error":{"code":"value_invalid","field":"on_oxygen"}}"#,
                r#"{"error":{"code":"value_impossible","field":"consciousness"}}"#,
                r#"{"error":{"code":"value_invalid","field":"spo2_scale"}}"#,
                r#"{"error":{"code":"line_invalid","field":null}}"#,
                r#"{"error":{"code":"line_invalid","field":null}}"#,
                r#"{"error":{"code":"value_repeated","field":"spo2"}}"#,
                r#"{"error":{"code":"value_repeated","field":null}}"#,
                r#"{"news2":13,"scores":{"respiration_rate":2,"spo2":3,"on_oxygen":2,"systolic_bp":2,"pulse":2,"consciousness":0,"temperature":2},"risk":"high"}"#,
                r#"{"error":{"code":"value_missing","field":"temperature"}}"#,
                WELL_OUT,
            ],
        );
    }

    #[test]
    fn crlf_invalid_utf8_control_characters_and_an_overlong_line_are_answered_line_by_line() {
        let mut input = Vec::new();
        input.extend_from_slice(BOM);
        input.extend_from_slice(WELL.as_bytes());
        input.extend_from_slice(b"\r\n");
        input.extend_from_slice(b"{\"spo2\": \xff\xfe}\n");
        input.extend_from_slice(b"{\"consciousness\": \"A\x07\"}\n");
        input.extend_from_slice(&vec![b' '; MAX_LINE + 10]);
        input.extend_from_slice(b"x\n");
        input.extend_from_slice(WELL.as_bytes()); // the last line has no end
        let mut out = Vec::new();
        let refused = score_lines(&input[..], &mut out).unwrap();
        let out = String::from_utf8(out).unwrap();
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(
            lines,
            [
                WELL_OUT,
                r#"{"error":{"code":"line_invalid","field":null}}"#,
                r#"{"error":{"code":"line_invalid","field":null}}"#,
                r#"{"error":{"code":"line_too_long","field":null}}"#,
                WELL_OUT
            ]
        );
        assert_eq!(refused, 3);
    }
}
