//! Message templates per kind, in Korean and English, with `{placeholder}`s. Rendering fails on a missing value
//! rather than send a text with a hole in it; a value is never read as a template, so `{` in a name is harmless.

use std::collections::HashMap;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TemplateError {
    #[error("no template for {kind:?} in {lang:?}")]
    UnknownKind { kind: String, lang: String },
    #[error("the template for {kind:?} needs a value for {{{name}}}")]
    MissingValue { kind: String, name: String },
    #[error("the template is malformed at byte {at}: {reason}")]
    Malformed { at: usize, reason: &'static str },
}

impl TemplateError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::UnknownKind { .. } => "template_unknown",
            Self::MissingValue { .. } => "template_value_missing",
            Self::Malformed { .. } => "template_malformed",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    Text(String),
    Value(String),
}

/// A parsed template. `{{` and `}}` stand for literal braces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template(Vec<Piece>);

impl Template {
    pub fn parse(source: &str) -> Result<Self, TemplateError> {
        let mut pieces = Vec::new();
        let mut text = String::new();
        let mut chars = source.char_indices().peekable();
        while let Some((at, c)) = chars.next() {
            match c {
                '{' if chars.peek().map(|(_, n)| *n) == Some('{') => {
                    chars.next();
                    text.push('{');
                }
                '}' if chars.peek().map(|(_, n)| *n) == Some('}') => {
                    chars.next();
                    text.push('}');
                }
                '{' => {
                    let mut name = String::new();
                    loop {
                        match chars.next() {
                            Some((_, '}')) => break,
                            Some((_, c)) if c.is_ascii_alphanumeric() || c == '_' => name.push(c),
                            Some((at, _)) => {
                                return Err(TemplateError::Malformed {
                                    at,
                                    reason: "placeholder names are a-z, 0-9, _",
                                });
                            }
                            None => return Err(TemplateError::Malformed { at, reason: "unclosed {" }),
                        }
                    }
                    if name.is_empty() {
                        return Err(TemplateError::Malformed { at, reason: "empty placeholder" });
                    }
                    pieces.push(Piece::Text(std::mem::take(&mut text)));
                    pieces.push(Piece::Value(name));
                }
                '}' => return Err(TemplateError::Malformed { at, reason: "unopened }" }),
                c => text.push(c),
            }
        }
        pieces.push(Piece::Text(text));
        pieces.retain(|p| !matches!(p, Piece::Text(t) if t.is_empty()));
        Ok(Self(pieces))
    }

    /// The placeholder names, in order of first use.
    pub fn placeholders(&self) -> Vec<&str> {
        let mut names: Vec<&str> = Vec::new();
        for piece in &self.0 {
            if let Piece::Value(name) = piece {
                if !names.contains(&name.as_str()) {
                    names.push(name);
                }
            }
        }
        names
    }

    fn render(&self, kind: &str, values: &[(&str, &str)]) -> Result<String, TemplateError> {
        let mut out = String::new();
        // A particle marker right after a value (`{control_code}이(가)`) takes the form that value needs.
        let mut after_value: Option<&str> = None;
        for piece in &self.0 {
            match piece {
                Piece::Text(text) => {
                    let marker = after_value.and_then(|value| {
                        let (marker, particle) = crate::korean::marker_at(text)?;
                        Some((marker.len(), crate::korean::particle(value, marker).unwrap_or(particle)))
                    });
                    match marker {
                        Some((len, particle)) => {
                            out.push_str(particle);
                            out.push_str(&text[len..]);
                        }
                        None => out.push_str(text),
                    }
                    after_value = None;
                }
                Piece::Value(name) => {
                    let value = values
                        .iter()
                        .find(|(k, _)| k == name)
                        .map(|(_, v)| *v)
                        .ok_or_else(|| TemplateError::MissingValue { kind: kind.to_owned(), name: name.clone() })?;
                    out.push_str(value);
                    after_value = Some(value);
                }
            }
        }
        Ok(out)
    }
}

/// The built-in texts. English stays within GSM-7 so a pass text fits two parts; Korean is UCS-2 whatever we do.
const DEFAULTS: &[(&str, &str, &str)] = &[
    (
        "login_code",
        "en",
        "Your Surge sign-in code is {code}. It expires in {minutes} minutes. Do not share it with anyone.",
    ),
    (
        "login_code",
        "ko",
        "[Surge] 로그인 코드는 {code}입니다. {minutes}분 후 만료됩니다. 다른 사람에게 알려 주지 마십시오.",
    ),
    (
        "pass_issued",
        "en",
        "{holder}, your movement pass is ready: {link} Control code {control_code}. Valid until {valid_until}.",
    ),
    (
        "pass_issued",
        "ko",
        "{holder}님, 이동 허가증이 발급되었습니다: {link} 확인 코드 {control_code}. {valid_until}까지 유효합니다.",
    ),
    ("pass_revoked", "en", "Your movement pass {control_code} has been withdrawn: {reason}"),
    ("pass_revoked", "ko", "이동 허가증 {control_code}이(가) 취소되었습니다: {reason}"),
    ("pass_suspended", "en", "Your movement pass {control_code} is suspended for now: {reason}"),
    ("pass_suspended", "ko", "이동 허가증 {control_code}의 사용이 일시 정지되었습니다: {reason}"),
    ("pass_reinstated", "en", "Your movement pass {control_code} is valid again: {reason}"),
    ("pass_reinstated", "ko", "이동 허가증 {control_code}을(를) 다시 사용할 수 있습니다: {reason}"),
    (
        "application_received",
        "en",
        "Your pass application {reference} is with an official. We will text you when it is decided. {link}",
    ),
    (
        "application_received",
        "ko",
        "이동 허가 신청 {reference}을(를) 담당 공무원이 검토합니다. 결정되면 문자로 알려 드립니다. {link}",
    ),
    ("application_rejected", "en", "Your pass application {reference} was not approved: {reason} {link}"),
    ("application_rejected", "ko", "이동 허가 신청 {reference}이(가) 승인되지 않았습니다: {reason} {link}"),
    (
        "result_negative",
        "en",
        "Surge result for {initials}, born {birth}: {test} sample of {collected}: NEGATIVE (not detected). Lab: {lab}. Questions: call {help}. {link}",
    ),
    (
        "result_negative",
        "ko",
        "[Surge] {initials} ({birth}생) {collected} 채취 {test} 검사 결과: 음성(미검출). 검사기관 {lab}. 문의 {help} {link}",
    ),
    (
        "result_corrected_alert",
        "en",
        "URGENT Surge: the negative texted for sample {sample} ({lab}) was corrected to {result}. Call the patient now: {link}",
    ),
    (
        "result_corrected_alert",
        "ko",
        "[긴급 Surge] 검체 {sample}({lab})의 음성 문자 결과가 {result}(으)로 정정되었습니다. 즉시 환자에게 전화하십시오: {link}",
    ),
    (
        "result_registered",
        "en",
        "Surge: registered for the result of sample {reference}. A negative comes by text; otherwise a clinician calls you.",
    ),
    (
        "result_registered",
        "ko",
        "Surge: 검체 {reference}의 결과 받기에 등록되었습니다. 음성은 문자로, 그 밖의 결과는 의료진이 전화로 알려 드립니다.",
    ),
    (
        "result_register_help",
        "en",
        "Surge: to get your result by text, send RESULT, your sample number and date of birth, e.g. RESULT 2107662558 1980-04-25",
    ),
    (
        "result_register_help",
        "ko",
        "Surge: 결과를 문자로 받으려면 결과, 검체 번호, 생년월일을 보내십시오. 예: 결과 2107662558 1980-04-25",
    ),
    ("test_message", "en", "Surge test message {reference}. No action is needed."),
    ("test_message", "ko", "Surge 시험 메시지 {reference}. 조치할 필요가 없습니다."),
    ("opted_out", "en", "You will get no more texts from Surge. Reply START to get them again."),
    ("opted_in", "en", "You will get texts from Surge again. Reply STOP to stop them."),
    ("opted_in", "ko", "Surge 문자를 다시 받습니다. 그만 받으려면 STOP이라고 답장하십시오."),
    ("verify_valid", "en", "VALID: {holder}, zones {zones}, until {valid_until}."),
    ("verify_valid", "ko", "유효: {holder}, 구역 {zones}, {valid_until}까지."),
    ("verify_invalid", "en", "NOT VALID ({reason}). Do not accept this pass."),
    ("verify_invalid", "ko", "무효 ({reason}). 이 허가증을 인정하지 마십시오."),
    (
        "verify_unregistered",
        "en",
        "Surge: this phone cannot check passes by text. Officers: ask your administrator to add this number to your account.",
    ),
    (
        "verify_unregistered",
        "ko",
        "Surge: 이 전화로는 문자로 허가증을 확인할 수 없습니다. 담당자는 관리자에게 이 번호를 계정에 등록해 달라고 요청하십시오.",
    ),
    ("inbound_help", "en", "Surge: reply STOP to stop texts, START to get them again."),
    ("inbound_help", "ko", "Surge: 문자를 그만 받으려면 STOP, 다시 받으려면 START라고 답장하십시오."),
    ("opted_out", "ko", "Surge 문자를 더 이상 받지 않습니다. 다시 받으려면 START라고 답장하십시오."),
    (
        "monitoring_admitted",
        "en",
        "Surge: you are in the care of {facility}. Each day at {times} we text you a link to report your temperature, oxygen and symptoms. Feeling worse? Call {help}.",
    ),
    (
        "monitoring_admitted",
        "ko",
        "[Surge] {facility}에서 건강 상태를 살핍니다. 매일 {times}에 체온, 산소포화도, 증상을 보고할 링크를 문자로 보내 드립니다. 상태가 나빠지면 {help}(으)로 전화하십시오.",
    ),
    ("monitoring_check_in", "en", "Surge: time for your {time} check-in. Report here: {link}"),
    ("monitoring_check_in", "ko", "[Surge] {time} 건강 상태 보고 시간입니다. 여기에서 보고하십시오: {link}"),
    (
        "monitoring_missed",
        "en",
        "Surge: we have not had your last {count} check-ins. Please report now: {link} Feeling worse? Call {help}.",
    ),
    (
        "monitoring_missed",
        "ko",
        "[Surge] 최근 {count}번의 건강 상태 보고가 없었습니다. 지금 보고해 주십시오: {link} 상태가 나빠지면 {help}(으)로 전화하십시오.",
    ),
    (
        "monitoring_missed_alert",
        "en",
        "Surge: patient {initials}, room {room} at {facility}, has missed {count} check-ins in a row. Please call them.",
    ),
    (
        "monitoring_missed_alert",
        "ko",
        "[Surge] {facility} {room}호 환자 {initials}님이 건강 상태 보고를 {count}번 연속 하지 않았습니다. 전화해 주십시오.",
    ),
    ("monitoring_transferred", "en", "Surge: you are being moved to hospital ({reason}). The centre will call you."),
    ("monitoring_transferred", "ko", "[Surge] 병원으로 옮기게 되었습니다({reason}). 센터에서 전화드립니다."),
    ("monitoring_discharged", "en", "Surge: your monitoring has ended and you are discharged ({reason}). Stay well."),
    ("monitoring_discharged", "ko", "[Surge] 건강 상태 모니터링이 끝나 퇴소하셨습니다({reason}). 건강하십시오."),
];

/// Templates by kind and language.
#[derive(Debug, Clone)]
pub struct Templates {
    by_kind: HashMap<(String, String), Template>,
}

impl Templates {
    /// The built-in templates.
    pub fn defaults() -> Self {
        let mut templates = Self { by_kind: HashMap::new() };
        for (kind, lang, source) in DEFAULTS {
            // The built-ins are tested to parse; a broken one would be left out and reported as unknown.
            if let Ok(template) = Template::parse(source) {
                templates.by_kind.insert(((*kind).to_owned(), (*lang).to_owned()), template);
            }
        }
        templates
    }

    /// The built-in templates, parsed once.
    pub fn builtin() -> &'static Templates {
        static BUILTIN: std::sync::LazyLock<Templates> = std::sync::LazyLock::new(Templates::defaults);
        &BUILTIN
    }

    /// Adds or replaces one template (from settings).
    pub fn set(&mut self, kind: &str, lang: &str, source: &str) -> Result<(), TemplateError> {
        self.by_kind.insert((kind.to_owned(), lang.to_owned()), Template::parse(source)?);
        Ok(())
    }

    pub fn get(&self, kind: &str, lang: &str) -> Option<&Template> {
        self.by_kind.get(&(kind.to_owned(), lang.to_owned()))
    }

    pub fn render(&self, kind: &str, lang: &str, values: &[(&str, &str)]) -> Result<String, TemplateError> {
        self.get(kind, lang)
            .ok_or_else(|| TemplateError::UnknownKind { kind: kind.to_owned(), lang: lang.to_owned() })?
            .render(kind, values)
    }
}

#[cfg(test)]
mod tests;
