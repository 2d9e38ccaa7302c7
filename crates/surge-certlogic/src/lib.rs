//! CertLogic, the JSON-logic dialect the EU DCC uses for business rules (specification 1.3.3): `validate` lists
//! what is wrong with an expression, `evaluate` runs one against JSON data. Surge's pass policy rules are CertLogic
//! expressions, so rules are data an admin can change and test, not code. No IO; time comes in the data
//! (`external.validationClock` by convention).

pub mod rules;

use serde_json::{Map, Number, Value};
use time::format_description::well_known::Rfc3339;
use time::{Date, Month, OffsetDateTime, PrimitiveDateTime, Time, UtcOffset};

/// A value during evaluation: JSON, or a date-time made by `plusTime` or `dccDateOfBirth`.
#[derive(Debug, Clone, PartialEq)]
pub enum Val {
    Null,
    Bool(bool),
    Number(Number),
    String(String),
    Array(Vec<Val>),
    Object(Map<String, Value>),
    DateTime(OffsetDateTime),
}

impl Val {
    fn from_json(value: &Value) -> Self {
        match value {
            Value::Null => Self::Null,
            Value::Bool(b) => Self::Bool(*b),
            Value::Number(n) => Self::Number(n.clone()),
            Value::String(s) => Self::String(s.clone()),
            Value::Array(items) => Self::Array(items.iter().map(Self::from_json).collect()),
            Value::Object(map) => Self::Object(map.clone()),
        }
    }

    /// The value as JSON; a date-time becomes its RFC 3339 text.
    pub fn to_json(&self) -> Value {
        match self {
            Self::Null => Value::Null,
            Self::Bool(b) => Value::Bool(*b),
            Self::Number(n) => Value::Number(n.clone()),
            Self::String(s) => Value::String(s.clone()),
            Self::Array(items) => Value::Array(items.iter().map(Self::to_json).collect()),
            Self::Object(map) => Value::Object(map.clone()),
            Self::DateTime(t) => Value::String(t.format(&Rfc3339).unwrap_or_default()),
        }
    }

    fn is_falsy(&self) -> bool {
        match self {
            Self::Null => true,
            Self::Bool(b) => !b,
            Self::Number(n) => n.as_f64() == Some(0.0),
            Self::String(s) => s.is_empty(),
            Self::Array(items) => items.is_empty(),
            Self::Object(map) => map.is_empty(),
            Self::DateTime(_) => false,
        }
    }

    fn is_truthy(&self) -> bool {
        !self.is_falsy()
    }

    fn as_int(&self) -> Option<i64> {
        match self {
            Self::Number(n) => n.as_i64(),
            _ => None,
        }
    }

    /// `===`: equal primitives; arrays, objects and date-times are never equal (they compare by reference in the
    /// reference implementation).
    fn strictly_equals(&self, other: &Self) -> bool {
        match (self, other) {
            (Self::Null, Self::Null) => true,
            (Self::Bool(a), Self::Bool(b)) => a == b,
            (Self::Number(a), Self::Number(b)) => a.as_f64() == b.as_f64(),
            (Self::String(a), Self::String(b)) => a == b,
            _ => false,
        }
    }
}

/// Why an evaluation failed: the expression is malformed, or the data does not fit the operation.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct EvalError(pub String);

fn err<T>(message: impl Into<String>) -> Result<T, EvalError> {
    Err(EvalError(message.into()))
}

/// One problem `validate` found, with the sub-expression it is about.
#[derive(Debug, Clone, PartialEq)]
pub struct Issue {
    pub expr: Value,
    pub message: String,
}

const OPERATORS: &[&str] = &[
    "var",
    "if",
    "===",
    "and",
    "<",
    ">",
    "<=",
    ">=",
    "in",
    "+",
    "after",
    "before",
    "not-after",
    "not-before",
    "!",
    "plusTime",
    "reduce",
    "extractFromUVCI",
    "dccDateOfBirth",
];

fn valid_path(path: &str) -> bool {
    path.is_empty() || path.split('.').all(|part| !part.is_empty())
}

/// Lists every problem in `expr`, innermost included; empty when it is a valid CertLogic expression.
pub fn validate(expr: &Value) -> Vec<Issue> {
    let mut issues = Vec::new();
    check(expr, &mut issues);
    issues
}

fn check(expr: &Value, issues: &mut Vec<Issue>) {
    let issue = |message: String| Issue { expr: expr.clone(), message };
    match expr {
        Value::Null => issues.push(issue("invalid CertLogic expression".into())),
        Value::Bool(_) | Value::String(_) => {}
        Value::Number(n) => {
            if n.as_i64().is_none() && n.as_u64().is_none() {
                issues.push(issue(format!("{n} is a non-integer number")));
            }
        }
        Value::Array(items) => items.iter().for_each(|item| check(item, issues)),
        Value::Object(map) => {
            if map.len() != 1 {
                issues.push(issue(format!("expression object must have exactly one key, but it has {}", map.len())));
                return;
            }
            let Some((operator, values)) = map.iter().next() else { return };
            if operator == "var" {
                match values {
                    Value::String(path) if valid_path(path) => {}
                    Value::String(path) => {
                        issues.push(issue(format!("data access path doesn't have a valid format: {path}")))
                    }
                    _ => issues.push(issue("not of the form { \"var\": \"<path>\" }".into())),
                }
                return;
            }
            let Value::Array(operands) = values else {
                issues.push(issue("operation not of the form { \"<operator>\": [ <values...> ] }".into()));
                return;
            };
            if !OPERATORS.contains(&operator.as_str()) {
                issues.push(issue(format!("unrecognised operator: \"{operator}\"")));
                return;
            }
            check_arity(operator, operands.len(), &mut |m| issues.push(issue(m)));
            if operator == "plusTime" {
                if let Some(amount) = operands.get(1) {
                    if !amount.is_i64() {
                        issues.push(issue("\"amount\" argument (#2) of \"plusTime\" must be an integer".into()));
                    }
                }
                if let Some(unit) = operands.get(2) {
                    if !matches!(unit.as_str(), Some("year" | "month" | "day" | "hour")) {
                        issues.push(issue(
                            "\"unit\" argument (#3) of \"plusTime\" must be a string 'year', 'month', 'day' or 'hour'"
                                .into(),
                        ));
                    }
                }
                if let Some(first) = operands.first() {
                    check(first, issues);
                }
                return;
            }
            operands.iter().for_each(|operand| check(operand, issues));
        }
    }
}

fn check_arity(operator: &str, n: usize, report: &mut dyn FnMut(String)) {
    let ok = match operator {
        "if" | "reduce" => n == 3,
        "and" => n >= 2,
        "<" | ">" | "<=" | ">=" | "after" | "before" | "not-after" | "not-before" => (2..=3).contains(&n),
        "!" | "dccDateOfBirth" => n == 1,
        "plusTime" => n == 3,
        _ => n == 2,
    };
    if !ok {
        report(format!("an operation with operator \"{operator}\" has the wrong number of operands: {n}"));
    }
}

/// Evaluates `expr` against `data`.
pub fn evaluate(expr: &Value, data: &Value) -> Result<Val, EvalError> {
    match expr {
        Value::Null => err("invalid CertLogic expression: null"),
        Value::Bool(_) | Value::String(_) => Ok(Val::from_json(expr)),
        Value::Number(n) if n.as_i64().is_some() || n.as_u64().is_some() => Ok(Val::Number(n.clone())),
        Value::Number(n) => err(format!("{n} is a non-integer number")),
        Value::Array(items) => Ok(Val::Array(items.iter().map(|i| evaluate(i, data)).collect::<Result<_, _>>()?)),
        Value::Object(map) => {
            if map.len() != 1 {
                return err(format!("expression object must have exactly one key, but it has {}", map.len()));
            }
            let Some((operator, values)) = map.iter().next() else { return err("empty expression") };
            if operator == "var" {
                return match values {
                    Value::String(path) => Ok(var(path, data)),
                    _ => err("not of the form { \"var\": \"<path>\" }"),
                };
            }
            let Value::Array(operands) = values else {
                return err("operation not of the form { \"<operator>\": [ <values...> ] }");
            };
            let mut arity_error = None;
            check_arity(operator, operands.len(), &mut |m| arity_error = Some(m));
            if let Some(message) = arity_error {
                return err(message);
            }
            operation(operator, operands, data)
        }
    }
}

fn var(path: &str, data: &Value) -> Val {
    if path.is_empty() {
        return Val::from_json(data);
    }
    let mut current = data;
    for part in path.split('.') {
        let next = match current {
            Value::Array(items) => part.parse::<usize>().ok().and_then(|i| items.get(i)),
            Value::Object(map) => map.get(part),
            _ => None,
        };
        match next {
            Some(value) => current = value,
            None => return Val::Null,
        }
    }
    Val::from_json(current)
}

fn operation(operator: &str, operands: &[Value], data: &Value) -> Result<Val, EvalError> {
    let eval = |i: usize| evaluate(&operands[i], data);
    match operator {
        "if" => {
            let guard = eval(0)?;
            if guard.is_truthy() { eval(1) } else { eval(2) }
        }
        "and" => {
            let mut last = Val::Bool(true);
            for operand in operands {
                last = evaluate(operand, data)?;
                if last.is_falsy() {
                    return Ok(last);
                }
            }
            Ok(last)
        }
        "!" => Ok(Val::Bool(eval(0)?.is_falsy())),
        "===" => Ok(Val::Bool(eval(0)?.strictly_equals(&eval(1)?))),
        "in" => {
            let needle = eval(0)?;
            match eval(1)? {
                Val::Array(items) => Ok(Val::Bool(items.iter().any(|item| item.strictly_equals(&needle)))),
                _ => err("right-hand side of an \"in\" operation must be an array"),
            }
        }
        "+" => match (eval(0)?.as_int(), eval(1)?.as_int()) {
            (Some(a), Some(b)) => Ok(Val::Number(Number::from(a.saturating_add(b)))),
            _ => err("operands of this operation must both be integers"),
        },
        "<" | ">" | "<=" | ">=" => {
            let values = (0..operands.len()).map(eval).collect::<Result<Vec<_>, _>>()?;
            let ints: Option<Vec<i64>> = values.iter().map(Val::as_int).collect();
            let Some(ints) = ints else { return err("all operands of a comparison operation must be integers") };
            Ok(Val::Bool(compare_chain(operator, &ints)))
        }
        "after" | "before" | "not-after" | "not-before" => {
            let values = (0..operands.len()).map(eval).collect::<Result<Vec<_>, _>>()?;
            let times: Option<Vec<OffsetDateTime>> =
                values.iter().map(|v| if let Val::DateTime(t) = v { Some(*t) } else { None }).collect();
            let Some(times) = times else { return err("all operands of a date-time comparison must be date-times") };
            let as_numeric = match operator {
                "after" => ">",
                "before" => "<",
                "not-after" => "<=",
                _ => ">=",
            };
            Ok(Val::Bool(compare_chain(as_numeric, &times)))
        }
        "plusTime" => {
            let Val::String(text) = eval(0)? else { return err("date-time argument of \"plusTime\" must be a string") };
            let amount = operands[1]
                .as_i64()
                .ok_or_else(|| EvalError("\"amount\" of \"plusTime\" must be an integer".into()))?;
            let unit = operands[2].as_str().unwrap_or("");
            Ok(Val::DateTime(plus_time(date_from_string(&text)?, amount, unit)?))
        }
        "dccDateOfBirth" => {
            let Val::String(text) = eval(0)? else { return err("operand of \"dccDateOfBirth\" must be a string") };
            Ok(Val::DateTime(dcc_date_of_birth(&text)?))
        }
        "reduce" => {
            let initial = eval(2)?;
            match eval(0)? {
                Val::Null => Ok(initial),
                Val::Array(items) => {
                    let mut accumulator = initial;
                    for current in items {
                        let context = serde_json::json!({
                            "accumulator": accumulator.to_json(),
                            "current": current.to_json(),
                            "data": data,
                        });
                        accumulator = evaluate(&operands[1], &context)?;
                    }
                    Ok(accumulator)
                }
                _ => err("operand of reduce evaluated to a non-null non-array"),
            }
        }
        "extractFromUVCI" => {
            let index =
                operands[1].as_i64().ok_or_else(|| EvalError("index of extractFromUVCI must be an integer".into()))?;
            match eval(0)? {
                Val::Null => Ok(Val::Null),
                Val::String(uvci) => {
                    Ok(extract_from_uvci(&uvci, index).map_or(Val::Null, |s| Val::String(s.to_owned())))
                }
                _ => err("\"UVCI\" argument (#1) of \"extractFromUVCI\" must be either a string or null"),
            }
        }
        other => err(format!("unrecognised operator: \"{other}\"")),
    }
}

fn compare_chain<T: PartialOrd>(operator: &str, values: &[T]) -> bool {
    values.windows(2).all(|pair| match operator {
        "<" => pair[0] < pair[1],
        ">" => pair[0] > pair[1],
        "<=" => pair[0] <= pair[1],
        _ => pair[0] >= pair[1],
    })
}

/// A UVCI fragment: the text without its `URN:UVCI:` prefix, split on `/`, `#` and `:`.
fn extract_from_uvci(uvci: &str, index: i64) -> Option<&str> {
    let body = uvci.strip_prefix("URN:UVCI:").unwrap_or(uvci);
    usize::try_from(index).ok().and_then(|i| body.split(['/', '#', ':']).nth(i))
}

/// `YYYY-MM-DD` (midnight UTC), a partial date (`YYYY`, `YYYY-MM`: the last day it can mean, as in the reference
/// implementation), or an RFC 3339 date-time; a missing offset means UTC, and fractions beyond milliseconds are
/// dropped.
pub fn date_from_string(text: &str) -> Result<OffsetDateTime, EvalError> {
    let invalid = || EvalError(format!("not a valid date-time: {text}"));
    if let Some(date) = parse_partial_date(text) {
        return Ok(PrimitiveDateTime::new(date, Time::MIDNIGHT).assume_utc());
    }
    if let Some(date) = parse_date(text) {
        return Ok(PrimitiveDateTime::new(date, Time::MIDNIGHT).assume_utc());
    }
    let (main, rest) = text.split_at(text.len().min(19));
    let date = parse_date(main.get(..10).ok_or_else(invalid)?).ok_or_else(invalid)?;
    if main.as_bytes().get(10) != Some(&b'T') {
        return Err(invalid());
    }
    let hms: Vec<u8> = main[11..].split(':').filter_map(|p| p.parse().ok()).collect();
    let [h, m, s] = hms[..] else { return Err(invalid()) };
    let (fraction, zone) = match rest.strip_prefix('.') {
        Some(after) => {
            let digits = after.bytes().take_while(u8::is_ascii_digit).count();
            (&after[..digits], &after[digits..])
        }
        None => ("", rest),
    };
    let millis: u16 =
        if fraction.is_empty() { 0 } else { format!("{fraction:0<3}")[..3].parse().map_err(|_| invalid())? };
    let time = Time::from_hms_milli(h, m, s, millis).map_err(|_| invalid())?;
    let offset = match zone {
        "" | "Z" => UtcOffset::UTC,
        zone => {
            let sign: i8 = match zone.as_bytes().first() {
                Some(b'+') => 1,
                Some(b'-') => -1,
                _ => return Err(invalid()),
            };
            let digits: String = zone[1..].chars().filter(char::is_ascii_digit).collect();
            if digits.len() != 4 {
                return Err(invalid());
            }
            let hours: i8 = digits[..2].parse().map_err(|_| invalid())?;
            let minutes: i8 = digits[2..].parse().map_err(|_| invalid())?;
            UtcOffset::from_hms(sign * hours, sign * minutes, 0).map_err(|_| invalid())?
        }
    };
    Ok(PrimitiveDateTime::new(date, time).assume_offset(offset).to_offset(UtcOffset::UTC))
}

fn parse_date(text: &str) -> Option<Date> {
    let bytes = text.as_bytes();
    if bytes.len() != 10 || bytes[4] != b'-' || bytes[7] != b'-' {
        return None;
    }
    let year: i32 = text[..4].parse().ok()?;
    let month: u8 = text[5..7].parse().ok()?;
    let day: u8 = text[8..10].parse().ok()?;
    Date::from_calendar_date(year, Month::try_from(month).ok()?, day).ok()
}

/// `YYYY` or `YYYY-MM`: the last day of that year or month.
fn parse_partial_date(text: &str) -> Option<Date> {
    let end_of_month = |year: i32, month: u8| -> Option<Date> {
        let month = Month::try_from(month).ok()?;
        Date::from_calendar_date(year, month, time::util::days_in_month(month, year)).ok()
    };
    let digits = |t: &str| t.bytes().all(|b| b.is_ascii_digit());
    match text.len() {
        4 if digits(text) => end_of_month(text.parse().ok()?, 12),
        7 if text.as_bytes()[4] == b'-' && digits(&text[..4]) && digits(&text[5..]) => {
            end_of_month(text[..4].parse().ok()?, text[5..].parse().ok()?)
        }
        _ => None,
    }
}

/// A date of birth as the DCC writes it, possibly partial (`YYYY`, `YYYY-MM`): the last day it can mean, so a
/// person is treated as a minor whenever they might be one.
pub fn dcc_date_of_birth(text: &str) -> Result<OffsetDateTime, EvalError> {
    date_from_string(text).map_err(|_| EvalError(format!("not a valid DCC date of birth: {text}")))
}

/// Adds `amount` of `unit` as the reference implementation does: months overflow into the next month (31 January
/// plus a month is 3 March in a common year), and a year from 29 February lands on 28 February.
pub fn plus_time(t: OffsetDateTime, amount: i64, unit: &str) -> Result<OffsetDateTime, EvalError> {
    let overflow = || EvalError("plusTime overflowed".into());
    match unit {
        "hour" => t.checked_add(time::Duration::hours(amount)).ok_or_else(overflow),
        "day" => t.checked_add(time::Duration::days(amount)).ok_or_else(overflow),
        "month" | "year" => {
            let months = if unit == "year" { amount.checked_mul(12).ok_or_else(overflow)? } else { amount };
            let total = i64::from(t.year()) * 12 + i64::from(u8::from(t.month())) - 1 + months;
            let year = i32::try_from(total.div_euclid(12)).map_err(|_| overflow())?;
            let month = Month::try_from(u8::try_from(total.rem_euclid(12) + 1).map_err(|_| overflow())?)
                .map_err(|_| overflow())?;
            let length = time::util::days_in_month(month, year);
            let leap_day = t.month() == Month::February && t.day() == 29;
            let first = Date::from_calendar_date(year, month, 1).map_err(|_| overflow())?;
            let date = if unit == "year" && leap_day && length == 28 {
                Date::from_calendar_date(year, month, 28).map_err(|_| overflow())?
            } else {
                first.checked_add(time::Duration::days(i64::from(t.day()) - 1)).ok_or_else(overflow)?
            };
            Ok(PrimitiveDateTime::new(date, t.time()).assume_offset(t.offset()))
        }
        other => err(format!("unit of plusTime must be 'year', 'month', 'day' or 'hour', not {other:?}")),
    }
}

#[cfg(test)]
mod tests;
