//! Korean and English for the pages: the language comes from `?lang=`, then the `lang` cookie the switch sets,
//! then the browser's Accept-Language, then English. Messages are looked up by key; every key has both languages.

use axum::http::HeaderMap;
use axum::http::header::{ACCEPT_LANGUAGE, COOKIE};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    En,
    Ko,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Self::En => "en",
            Self::Ko => "ko",
        }
    }

    fn parse(text: &str) -> Option<Self> {
        match text.trim().to_ascii_lowercase().get(..2) {
            Some("en") => Some(Self::En),
            Some("ko") => Some(Self::Ko),
            _ => None,
        }
    }

    /// The language for a request: explicit choice first, then the browser's preference.
    pub fn negotiate(query_lang: Option<&str>, headers: &HeaderMap) -> Self {
        if let Some(lang) = query_lang.and_then(Self::parse) {
            return lang;
        }
        let cookie = headers
            .get(COOKIE)
            .and_then(|v| v.to_str().ok())
            .and_then(|cookies| cookies.split(';').find_map(|c| c.trim().strip_prefix("lang=")).and_then(Self::parse));
        if let Some(lang) = cookie {
            return lang;
        }
        headers
            .get(ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
            .and_then(|accept| accept.split(',').find_map(|part| Self::parse(part.split(';').next().unwrap_or(""))))
            .unwrap_or(Self::En)
    }

    pub fn other(self) -> Self {
        match self {
            Self::En => Self::Ko,
            Self::Ko => Self::En,
        }
    }

    /// Picks the text for this language from an English and Korean pair.
    fn pick<T>(self, en: T, ko: T) -> T {
        match self {
            Self::En => en,
            Self::Ko => ko,
        }
    }

    /// The name of this language, written in it, for the switch.
    pub fn name(self) -> &'static str {
        self.pick("English", "한국어")
    }

    pub fn t(self, key: &str) -> &'static str {
        let (en, ko) = match key {
            "service" => ("Movement passes", "이동 허가증"),
            "skip" => ("Skip to main content", "본문 바로가기"),
            "register.title" => ("Register your organisation", "기관 등록"),
            "register.lead" => (
                "Essential organisations register here to issue movement passes to their staff. An official checks every registration.",
                "필수 업무 기관은 여기에서 등록하여 직원에게 이동 허가증을 발급할 수 있습니다. 모든 등록은 담당 공무원이 확인합니다.",
            ),
            "legal_name" => ("Legal name of the organisation", "기관의 법적 명칭"),
            "registry_number" => ("Business registration number", "사업자등록번호"),
            "registry_number.hint" => ("For example, 123-45-67890", "예: 123-45-67890"),
            "category" => ("Essential category", "필수 업무 분류"),
            "address" => ("Address", "주소"),
            "zone" => ("Zone code", "구역 코드"),
            "zone.hint" => ("The area you operate in, for example KR-26", "운영 지역, 예: KR-26"),
            "contact_phone" => ("Contact mobile number", "담당자 휴대전화 번호"),
            "contact_email" => ("Contact email address", "담당자 이메일 주소"),
            "requested_quota" => ("Number of passes you need", "필요한 허가증 수"),
            "submit" => ("Submit registration", "등록 신청"),
            "error.summary" => ("There is a problem", "입력한 내용에 문제가 있습니다"),
            "error.prefix" => ("Error:", "오류:"),
            "done.title" => ("Registration received", "등록 신청이 접수되었습니다"),
            "done.reference" => ("Your reference number", "접수 번호"),
            "done.key" => (
                "Your organisation's API key. Copy it now: it is shown only once and lets you upload your staff list after approval.",
                "기관 API 키입니다. 지금 복사해 두십시오. 한 번만 표시되며 승인 후 직원 명단을 올릴 때 필요합니다.",
            ),
            "done.next" => (
                "An official will check your registration. You will be told when it is approved, rejected or if more information is needed.",
                "담당 공무원이 등록 내용을 확인합니다. 승인, 반려 또는 추가 정보 요청 시 알려 드립니다.",
            ),
            "done.flagged" => (
                "Some automatic checks need an official's attention, which may take longer.",
                "일부 자동 점검 항목은 담당자 확인이 필요하여 시간이 더 걸릴 수 있습니다.",
            ),
            "pass.title" => ("Movement pass", "이동 허가증"),
            "pass.holder" => ("Holder", "소지자"),
            "pass.from" => ("Valid from", "유효 시작일"),
            "pass.until" => ("Valid until", "유효 종료일"),
            "pass.end_of_day" => ("(end of day)", "(당일 자정까지)"),
            "pass.zones" => ("Zones", "허용 구역"),
            "pass.code" => ("Control code", "확인 코드"),
            "pass.show" => (
                "Show this code at a checkpoint, or print this page. The officer may also type the control code.",
                "검문소에서 이 코드를 보여 주거나 이 페이지를 인쇄하십시오. 담당자가 확인 코드를 직접 입력할 수도 있습니다.",
            ),
            "pass.inactive" => ("This pass is no longer active.", "이 허가증은 더 이상 유효하지 않습니다."),
            _ => ("", ""),
        };
        self.pick(en, ko)
    }

    /// A field error in this language, by the stable code the domain gives; it names the field, so the error
    /// summary reads on its own.
    pub fn field_error(self, field: &str, code: &str, english: &str) -> String {
        let label = self.t(field);
        let ko = match code {
            "required" => return self.pick(english.to_owned(), format!("{label}을(를) 입력하십시오")),
            "too_long" => return self.pick(english.to_owned(), format!("{label}이(가) 너무 깁니다")),
            "registry_number_invalid" => "사업자등록번호가 올바르지 않습니다. 번호를 확인하십시오",
            "category_not_allowed" => "목록에서 필수 업무 분류를 선택하십시오",
            "zone_invalid" => "KR-26과 같은 구역 코드를 입력하십시오",
            "phone_invalid" => "올바른 휴대전화 번호를 입력하십시오",
            "email_invalid" => "name@example.org 형식의 이메일 주소를 입력하십시오",
            "quota_invalid" => "1에서 100000 사이의 숫자를 입력하십시오",
            _ => "입력 내용을 확인하십시오",
        };
        self.pick(english, ko).to_owned()
    }

    pub fn category(self, code: &str) -> String {
        let (en, ko) = match code {
            "essential-worker" => ("Essential work", "필수 업무"),
            "healthcare" => ("Healthcare", "보건의료"),
            "food-supply" => ("Food supply", "식품 공급"),
            "utilities" => ("Utilities", "공공 설비"),
            "logistics" => ("Logistics", "물류"),
            "media" => ("Media", "언론"),
            "government" => ("Government", "공공기관"),
            other => return other.to_owned(),
        };
        self.pick(en, ko).to_owned()
    }
}
