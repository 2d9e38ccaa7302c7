//! Reading HL7 v2 ORU^R01 result messages (versions 2.3 to 2.5.1) into what Surge needs: the header for the ACK and
//! for dedupe, the patient's identifiers, and each order's observations with their codes, values and status. The
//! structure is parsed by the `hl7-parser` crate; this module knows which fields mean what. Segment ends may be CR,
//! LF or CRLF, as real feeds send all three.

#[cfg(test)]
mod tests;

use hl7_parser::Message;
use hl7_parser::message::{Field, Segment, Separators};
use time::macros::format_description;
use time::{Date, OffsetDateTime, UtcOffset};

/// The versions whose ORU^R01 this reader follows.
pub const VERSIONS: &[&str] = &["2.3", "2.3.1", "2.4", "2.5", "2.5.1"];

/// The largest message accepted, in bytes.
pub const MAX_MESSAGE_BYTES: usize = 1024 * 1024;

/// Why a message could not be taken, with the HL7 error code (table 0357) an ACK reports.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Hl7Error {
    #[error("not an HL7 v2 message: {0}")]
    NotHl7(String),
    /// The FHIR interface's own: a body that is not a FHIR R4 Bundle.
    #[error("not a FHIR Bundle: {0}")]
    NotFhir(String),
    #[error("unsupported message type {0:?}; this interface takes ORU^R01")]
    UnsupportedType(String),
    #[error("unsupported HL7 version {0:?}; this interface takes 2.3 to 2.5.1")]
    UnsupportedVersion(String),
    #[error("{segment}{suffix} is required: {what}", suffix = if *field > 0 { format!("-{field}") } else { String::new() })]
    Missing { segment: &'static str, field: usize, what: &'static str },
    #[error("the message is larger than {MAX_MESSAGE_BYTES} bytes")]
    TooLarge,
}

impl Hl7Error {
    /// A stable code for logs and the API.
    pub fn code(&self) -> &'static str {
        match self {
            Self::NotHl7(_) => "hl7_unreadable",
            Self::NotFhir(_) => "fhir_unreadable",
            Self::UnsupportedType(_) => "hl7_unsupported_type",
            Self::UnsupportedVersion(_) => "hl7_unsupported_version",
            Self::Missing { .. } => "hl7_field_missing",
            Self::TooLarge => "hl7_too_large",
        }
    }
}

/// MSH: who sent the message, its id and version.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Header {
    pub sending_application: String,
    pub sending_facility: String,
    pub receiving_application: String,
    pub receiving_facility: String,
    /// MSH-9, as `ORU^R01`.
    pub message_type: String,
    /// MSH-10: with the sending facility, what makes a message unique.
    pub control_id: String,
    pub processing_id: String,
    pub version: String,
}

/// A coded value (CE / CWE): code, text and coding system.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Coded {
    pub code: String,
    pub text: String,
    pub system: String,
}

impl Coded {
    fn is_loinc(&self) -> bool {
        matches!(self.system.as_str(), "LN" | "LOINC")
    }
}

/// PID: the patient's identifiers.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Patient {
    /// PID-3 identifiers (and PID-2 / PID-4 in older versions).
    pub ids: Vec<String>,
    pub family: String,
    pub given: String,
    pub birth_date: Option<Date>,
    /// PID-13, home phones as sent.
    pub phones: Vec<String>,
}

/// OBX: one observation.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Observation {
    /// OBX-1.
    pub set_id: String,
    /// OBX-2: CWE, CE, ST, SN, NM …
    pub value_type: String,
    /// OBX-3, preferring its LOINC coding (the primary or the alternate triplet).
    pub test: Coded,
    /// OBX-5 as text, escapes decoded.
    pub value_text: String,
    /// OBX-5 read as a coded value, for CE and CWE.
    pub value_coded: Option<Coded>,
    /// OBX-8.
    pub abnormal_flag: String,
    /// OBX-11: F final, C corrected, P preliminary, X cannot be obtained …
    pub status: String,
    /// OBX-14, as sent.
    pub observed_at: String,
    /// OBX-23 (2.5+) performing organisation, else the sending facility.
    pub performing_lab: String,
    /// OBX-29 (2.8 and ELR profiles): `QST` marks an "ask at order entry" answer, not a result.
    pub observation_type: String,
}

impl Observation {
    /// Whether this is a question asked at order entry rather than a result.
    pub fn is_order_entry_answer(&self) -> bool {
        self.observation_type == "QST"
    }
}

/// OBR with its observations and specimen.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Order {
    /// OBR-2.1.
    pub placer_order: String,
    /// OBR-3.1, the filler's order number as people read it.
    pub filler_order: String,
    /// The whole filler order identifier with its namespace (OBR-3.1 to 3.4, trailing empty parts dropped): with
    /// the sending lab, the test code and the status, what makes a result unique. Two labs, or two namespaces of
    /// one lab, may use the same number.
    pub filler_order_id: String,
    /// SPM-2 (2.5+) or else OBR-3: the number on the sample tube.
    pub specimen_id: String,
    /// OBR-7 or SPM-17, as sent.
    pub collected_at: String,
    pub observations: Vec<Observation>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct OruMessage {
    pub header: Header,
    pub patient: Patient,
    pub orders: Vec<Order>,
}

/// Segments end with CR in the standard; LF and CRLF are taken too.
fn normalise(text: &str) -> String {
    text.replace("\r\n", "\r").replace('\n', "\r").trim_matches('\r').to_owned()
}

fn parse(text: &str) -> Result<Message<'_>, Hl7Error> {
    if text.len() > MAX_MESSAGE_BYTES {
        return Err(Hl7Error::TooLarge);
    }
    if !text.starts_with("MSH") {
        let shown: String = text.chars().take(3).collect();
        return Err(Hl7Error::NotHl7(format!("a message starts with MSH, not {shown:?}")));
    }
    Message::parse(text).map_err(|e| Hl7Error::NotHl7(e.to_string()))
}

/// A value with its HL7 escapes (`\F\ \S\ \T\ \R\ \E\ \X0A\ \X0D\ \.br\`) decoded. hl7-parser 0.3's own decoder
/// cuts the text at character counts taken as byte offsets and panics on non-ASCII text with an escape in it (the
/// fuzz test found it), so values are decoded here. An unknown escape keeps its code; an unclosed one is kept as sent.
fn decode(separators: &Separators, value: &str) -> String {
    let esc = separators.escape;
    let mut out = String::with_capacity(value.len());
    let mut rest = value;
    while let Some(start) = rest.find(esc) {
        out.push_str(&rest[..start]);
        let after = &rest[start + esc.len_utf8()..];
        let Some(end) = after.find(esc) else {
            out.push_str(&rest[start..]);
            return out;
        };
        match &after[..end] {
            "F" => out.push(separators.field),
            "S" => out.push(separators.component),
            "T" => out.push(separators.subcomponent),
            "R" => out.push(separators.repetition),
            "E" => out.push(esc),
            "X0A" => out.push('\n'),
            "X0D" | ".br" => out.push('\r'),
            other => out.push_str(other),
        }
        rest = &after[end + esc.len_utf8()..];
    }
    out.push_str(rest);
    out
}

/// The text of a field's first repeat, escapes decoded.
fn text(separators: &Separators, field: Option<&Field<'_>>) -> String {
    field.and_then(|f| f.repeat(1)).map(|r| decode(separators, r.raw_value())).unwrap_or_default()
}

/// An EI (entity identifier) field's four parts joined by `^`, trailing empty parts dropped, so that `F1` and
/// `F1^` are one identifier and `F1^LAB-A` another.
fn entity_identifier(separators: &Separators, field: Option<&Field<'_>>) -> String {
    let parts: Vec<String> = (1..=4).map(|n| component(separators, field, n)).collect();
    let used = parts.iter().rposition(|p| !p.is_empty()).map_or(0, |i| i + 1);
    parts[..used].join("^")
}

/// The text of one component of a field's first repeat.
fn component(separators: &Separators, field: Option<&Field<'_>>, n: usize) -> String {
    field.and_then(|f| f.component(n)).map(|c| decode(separators, c.raw_value())).unwrap_or_default()
}

fn field<'a, 'm>(segment: &'a Segment<'m>, n: usize) -> Option<&'a Field<'m>> {
    segment.field(n)
}

fn header(message: &Message<'_>) -> Result<Header, Hl7Error> {
    let s = &message.separators;
    let msh = message.segment("MSH").ok_or_else(|| Hl7Error::NotHl7("no MSH segment".into()))?;
    let message_type = field(msh, 9).map(|f| f.raw_value().to_owned()).unwrap_or_default();
    Ok(Header {
        sending_application: component(s, field(msh, 3), 1),
        sending_facility: component(s, field(msh, 4), 1),
        receiving_application: component(s, field(msh, 5), 1),
        receiving_facility: component(s, field(msh, 6), 1),
        message_type,
        control_id: text(s, field(msh, 10)),
        processing_id: component(s, field(msh, 11), 1),
        version: component(s, field(msh, 12), 1),
    })
}

/// Reads only the header, for an ACK even when the rest cannot be read.
pub fn read_header(input: &str) -> Result<Header, Hl7Error> {
    let normal = normalise(input);
    let message = parse(&normal)?;
    header(&message)
}

fn coded(separators: &Separators, field: Option<&Field<'_>>, first: usize) -> Coded {
    Coded {
        code: component(separators, field, first),
        text: component(separators, field, first + 1),
        system: component(separators, field, first + 2),
    }
}

/// A CE/CWE, preferring the LOINC triplet when the primary one is a local code.
fn test_code(separators: &Separators, field: Option<&Field<'_>>) -> Coded {
    let primary = coded(separators, field, 1);
    let alternate = coded(separators, field, 4);
    if !primary.is_loinc() && alternate.is_loinc() && !alternate.code.is_empty() { alternate } else { primary }
}

fn date(text: &str) -> Option<Date> {
    Date::parse(text.get(..8)?, format_description!("[year][month][day]")).ok()
}

/// An HL7 DTM (`YYYYMMDD[HHMM[SS[.S…]]][+/-ZZZZ]`) as a point in time, to the second. Without an offset the sender's
/// local time is unknown here, so it is read as UTC; a date alone is its midnight.
pub fn hl7_time(text: &str) -> Option<OffsetDateTime> {
    let text = text.trim();
    let (stamp, offset) = match text.find(['+', '-']) {
        Some(at) => (&text[..at], Some(&text[at..])),
        None => (text, None),
    };
    let stamp = stamp.split('.').next().unwrap_or_default();
    if stamp.len() < 8 || !stamp.bytes().all(|b| b.is_ascii_digit()) || stamp.len() % 2 != 0 || stamp.len() > 14 {
        return None;
    }
    let day = date(stamp)?;
    let part = |at: usize| stamp.get(at..at + 2).map_or(Some(0), |p| p.parse::<u8>().ok());
    let clock = time::Time::from_hms(part(8)?, part(10)?, part(12)?).ok()?;
    let offset = match offset {
        None => UtcOffset::UTC,
        Some(o) if o.len() == 5 && o[1..].bytes().all(|b| b.is_ascii_digit()) => {
            let sign = if o.starts_with('-') { -1 } else { 1 };
            let hours = o[1..3].parse::<i8>().ok()?;
            let minutes = o[3..5].parse::<i8>().ok()?;
            UtcOffset::from_hms(sign * hours, sign * minutes, 0).ok()?
        }
        Some(_) => return None,
    };
    Some(day.with_time(clock).assume_offset(offset))
}

/// Parses one ORU^R01 message. Version, type and the fields Surge relies on are checked; everything else is read
/// as sent.
pub fn parse_oru(input: &str) -> Result<OruMessage, Hl7Error> {
    let normal = normalise(input);
    let message = parse(&normal)?;
    let header = header(&message)?;
    let s = &message.separators;
    if !VERSIONS.contains(&header.version.as_str()) {
        return Err(Hl7Error::UnsupportedVersion(header.version));
    }
    let msh = message.segment("MSH").ok_or_else(|| Hl7Error::NotHl7("no MSH segment".into()))?;
    let (kind, event) = (component(s, field(msh, 9), 1), component(s, field(msh, 9), 2));
    if kind != "ORU" || event != "R01" {
        return Err(Hl7Error::UnsupportedType(header.message_type));
    }
    if header.control_id.is_empty() {
        return Err(Hl7Error::Missing { segment: "MSH", field: 10, what: "the message control id" });
    }
    let pid = message.segment("PID").ok_or(Hl7Error::Missing { segment: "PID", field: 0, what: "a PID segment" })?;
    let mut ids = Vec::new();
    for n in [3, 2, 4] {
        if let Some(f) = field(pid, n) {
            for repeat in f.repeats() {
                let id = repeat.component(1).map(|c| decode(s, c.raw_value())).unwrap_or_default();
                if !id.is_empty() {
                    ids.push(id);
                }
            }
        }
    }
    let phones = field(pid, 13)
        .map(|f| {
            f.repeats()
                .map(|r| {
                    // XTN: country, area and local number in components 5, 6, 7 (2.5+), which say more than the
                    // formatted number in component 1 (all that older versions have).
                    let part = |n: usize| r.component(n).map(|c| c.raw_value().trim()).unwrap_or("");
                    match (part(5), part(6), part(7)) {
                        (country, area, local) if !local.is_empty() && !country.is_empty() => {
                            format!("+{country}{area}{local}")
                        }
                        (_, area, local) if !local.is_empty() => format!("{area}{local}"),
                        _ => part(1).to_owned(),
                    }
                })
                .filter(|p| !p.is_empty())
                .collect()
        })
        .unwrap_or_default();
    let patient = Patient {
        ids,
        family: component(s, field(pid, 5), 1),
        given: component(s, field(pid, 5), 2),
        birth_date: date(&component(s, field(pid, 7), 1)),
        phones,
    };
    let mut orders: Vec<Order> = Vec::new();
    for segment in message.segments() {
        match segment.name {
            "OBR" => orders.push(Order {
                placer_order: component(s, field(segment, 2), 1),
                filler_order: component(s, field(segment, 3), 1),
                filler_order_id: entity_identifier(s, field(segment, 3)),
                specimen_id: component(s, field(segment, 3), 1),
                collected_at: component(s, field(segment, 7), 1),
                observations: Vec::new(),
            }),
            "OBX" => {
                let Some(order) = orders.last_mut() else {
                    return Err(Hl7Error::Missing { segment: "OBR", field: 0, what: "an OBR before each OBX" });
                };
                let value_type = text(s, field(segment, 2));
                let value_coded = matches!(value_type.as_str(), "CE" | "CWE").then(|| coded(s, field(segment, 5), 1));
                order.observations.push(Observation {
                    set_id: text(s, field(segment, 1)),
                    value_type,
                    test: test_code(s, field(segment, 3)),
                    value_text: text(s, field(segment, 5)),
                    value_coded,
                    abnormal_flag: component(s, field(segment, 8), 1),
                    status: text(s, field(segment, 11)),
                    observed_at: component(s, field(segment, 14), 1),
                    performing_lab: component(s, field(segment, 23), 1),
                    observation_type: text(s, field(segment, 29)),
                });
            }
            "SPM" => {
                if let Some(order) = orders.last_mut() {
                    // SPM-2 is EIP: placer&…^filler&…; the first subcomponent of either names the specimen.
                    let spm2 = field(segment, 2).and_then(|f| f.component(1));
                    let specimen = spm2.and_then(|c| c.subcomponent(1)).map(|sc| decode(s, sc.raw_value()));
                    if let Some(id) = specimen.filter(|id| !id.is_empty()) {
                        order.specimen_id = id;
                    }
                    let collected = component(s, field(segment, 17), 1);
                    if order.collected_at.is_empty() && !collected.is_empty() {
                        order.collected_at = collected;
                    }
                }
            }
            _ => {}
        }
    }
    if orders.iter().all(|o| o.observations.is_empty()) {
        return Err(Hl7Error::Missing { segment: "OBX", field: 0, what: "at least one observation" });
    }
    for order in &mut orders {
        for observation in &mut order.observations {
            if observation.performing_lab.is_empty() {
                observation.performing_lab = header.sending_facility.clone();
            }
        }
    }
    Ok(OruMessage { header, patient, orders })
}

/// Splits a file or stream into its messages: a single message, messages one after another, or an FHS/BHS batch
/// (whose header and trailer segments are dropped). Empty input is an error.
pub fn split_batch(text: &str) -> Result<Vec<String>, Hl7Error> {
    let text = normalise(text.trim_start_matches('\u{feff}'));
    let mut messages: Vec<String> = Vec::new();
    for segment in text.split('\r').filter(|s| !s.trim().is_empty()) {
        let name = segment.get(..3).unwrap_or(segment);
        match name {
            "FHS" | "BHS" | "BTS" | "FTS" => {}
            "MSH" => messages.push(segment.to_owned()),
            _ => match messages.last_mut() {
                Some(message) => {
                    message.push('\r');
                    message.push_str(segment);
                }
                None => return Err(Hl7Error::NotHl7(format!("a {name:?} segment before any MSH"))),
            },
        }
    }
    if messages.is_empty() {
        return Err(Hl7Error::NotHl7("no MSH segment".into()));
    }
    Ok(messages)
}
