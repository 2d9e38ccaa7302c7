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
    pub(crate) fn pick<T>(self, en: T, ko: T) -> T {
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
            "results.service" => ("COVID-19 test results", "코로나19 검사 결과"),
            "skip" => ("Skip to main content", "본문 바로가기"),
            "register.title" => ("Register your organisation", "기관 등록"),
            "register.lead" => (
                "Essential organisations register here to issue movement passes to their staff. An official checks every registration.",
                "필수 업무 기관은 여기에서 등록하여 직원에게 이동 허가증을 발급할 수 있습니다. 모든 등록은 담당 공무원이 확인합니다.",
            ),
            "legal_name" => ("Legal name of the organisation", "기관의 법적 명칭"),
            "registry_number" => ("Business registration number", "사업자등록번호"),
            "registry_number.hint" => ("For example, 123-45-67891", "예: 123-45-67891"),
            "category" => ("Essential category", "필수 업무 분류"),
            "address" => ("Address", "주소"),
            "zone" => ("Area", "지역"),
            "zone.hint" => (
                "Where you operate: officials for that area check your registration",
                "운영하는 지역. 그 지역 담당 공무원이 등록을 확인합니다",
            ),
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
            "done.confirm" => (
                "Next, confirm your contact mobile number: sign in with the code we text to it. Officials see your registration only after that, and you will be told when it is approved, rejected or if more information is needed.",
                "다음으로 담당자 휴대전화 번호를 확인해 주십시오. 이 번호로 받은 인증번호로 로그인하면 확인됩니다. 확인된 뒤에 담당 공무원이 등록 내용을 검토하며, 승인, 반려 또는 추가 정보 요청 시 알려 드립니다.",
            ),
            "done.view" => ("See your registration", "등록 내용 보기"),
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
            "nav.account" => ("Your account", "내 계정"),
            "nav.sign_out" => ("Sign out", "로그아웃"),
            "back" => ("Go back", "돌아가기"),
            "sorry.title" => ("Sorry, there is a problem with the service", "죄송합니다. 서비스에 문제가 있습니다"),
            "sorry.body" => ("Try again later.", "잠시 후 다시 시도하십시오."),
            "chart.date" => ("Date", "날짜"),
            "chart.figures" => ("the figures", "수치"),
            "situation.service" => ("COVID-19 situation", "코로나19 현황"),
            "situation.title" => ("COVID-19 situation by region", "지역별 코로나19 현황"),
            "situation.empty" => (
                "No figures have been published yet. They appear here after the first import.",
                "아직 게시된 수치가 없습니다. 첫 자료를 가져오면 여기에 표시됩니다.",
            ),
            "situation.up_to" => ("Figures up to", "수치 기준일"),
            "situation.source" => ("Source", "출처"),
            "situation.updated" => ("Page updated", "페이지 갱신"),
            "situation.compare" => ("Compare regions", "지역 비교"),
            "situation.compare.caption" => {
                ("Cases and deaths by region: the last 7 days and in total", "지역별 확진자와 사망자: 최근 7일 및 누적")
            }
            "situation.areas.caption" => (
                "Cases and deaths by area: the last 7 days and in total",
                "하위 지역별 확진자와 사망자: 최근 7일 및 누적",
            ),
            "situation.region" => ("Region", "지역"),
            "situation.area" => ("Area", "하위 지역"),
            "situation.areas" => ("Areas", "하위 지역"),
            "situation.map.per_100k" => {
                ("new cases in the last 7 days per 100,000 people", "최근 7일 인구 10만 명당 신규 확진자")
            }
            "situation.map.week_cases" => ("new cases in the last 7 days", "최근 7일 신규 확진자"),
            "situation.map.no_data" => ("No figures", "자료 없음"),
            "situation.map.legend" => ("Legend", "범례"),
            "situation.map.credit" => (
                "Boundaries: Statistics Korea (SGIS) census boundaries of 2022 as corrected by vuski/admdongkor; \
                 English names: Statistics Korea, Korea Open Government Licence Type 1.",
                "경계: 통계청 통계지리정보서비스(SGIS) 2022년 센서스 경계(<span lang=\"en\">vuski/admdongkor</span> 보정). \
                 영문 이름: 통계청, 공공누리 제1유형.",
            ),
            "situation.week_cases" => ("Cases, last 7 days", "최근 7일 확진자"),
            "situation.per_100k" => ("Per 100,000 people, last 7 days", "최근 7일 인구 10만 명당"),
            "situation.total_cases" => ("Cases in total", "누적 확진자"),
            "situation.week_deaths" => ("Deaths, last 7 days", "최근 7일 사망자"),
            "situation.total_deaths" => ("Deaths in total", "누적 사망자"),
            "situation.positivity" => ("Test positivity", "검사 양성률"),
            "situation.latest_day" => ("Latest day", "최근 자료일"),
            "situation.daily_cases" => ("New cases each day", "일별 신규 확진자"),
            "situation.daily_deaths" => ("Deaths each day", "일별 사망자"),
            "situation.cumulative" => ("Cases in total, by day", "일별 누적 확진자"),
            "situation.positivity_chart" => ("Share of tests positive each day", "일별 검사 양성률"),
            "situation.new_cases" => ("New cases", "신규 확진자"),
            "situation.deaths" => ("Deaths", "사망자"),
            "situation.average" => ("7-day average", "7일 평균"),
            "situation.percent" => ("Positive, %", "양성, %"),
            "situation.data" => ("Download the figures", "수치 내려받기"),
            "situation.data.hint" => (
                "Every figure on this page, one row a day, for use in a spreadsheet or a program.",
                "이 페이지의 모든 수치를 하루 한 행으로 제공합니다. 스프레드시트나 프로그램에서 쓸 수 있습니다.",
            ),
            "situation.elsewhere" => ("The same country in other sources", "다른 출처의 같은 나라 수치"),
            "situation.elsewhere.hint" => (
                "Each source counts in its own way and reports on its own days, so totals differ. These are each source's latest figures for the whole country.",
                "출처마다 집계 방식과 발표일이 달라 누적 수치가 다를 수 있습니다. 각 출처가 나라 전체에 대해 마지막으로 발표한 수치입니다.",
            ),
            "situation.elsewhere.caption" => ("Cases and deaths in total, by source", "출처별 누적 확진자와 사망자"),
            "situation.sources" => ("Sources and licences", "출처와 이용 조건"),
            "situation.all" => ("All regions", "전체 지역"),
            "situation.platform" => ("This service", "이 서비스"),
            "situation.passes_in_force" => ("Movement passes in force now", "현재 유효한 이동 허가증"),
            "situation.text_median" => (
                "Median time from a negative result reaching us to its text, last 7 days",
                "최근 7일 음성 결과 접수부터 문자 발송까지 걸린 시간(중앙값)",
            ),
            "situation.within_a_minute" => ("under a minute", "1분 미만"),
            "situation.one_minute" => ("1 minute", "1분"),
            "situation.minutes" => ("minutes", "분"),
            "situation.passes_issued" => ("Movement passes issued, last 7 days", "최근 7일 발급된 이동 허가증"),
            "situation.passes_revoked" => ("Movement passes revoked, last 7 days", "최근 7일 취소된 이동 허가증"),
            "situation.scans" => ("Checkpoint scans, last 24 hours", "최근 24시간 검문소 확인"),
            "situation.scans_invalid" => ("of them refused", "그중 거부"),
            "situation.results" => ("Test results received, last 7 days", "최근 7일 접수된 검사 결과"),
            "situation.results_texted" => ("texted automatically", "자동 문자 발송"),
            "situation.sms" => ("Text messages sent, last 7 days", "최근 7일 발송 문자"),
            "situation.sms_delivered" => ("delivered", "전달됨"),
            "situation.not_found" => ("There are no figures for this place", "이 지역의 수치가 없습니다"),
            "forbidden.title" => ("You cannot see this page", "이 페이지를 볼 수 없습니다"),
            "forbidden.body" => (
                "You are signed in with an account that may not see or change this. Sign out and sign in with the right account.",
                "현재 계정으로는 이 내용을 보거나 변경할 수 없습니다. 로그아웃한 뒤 알맞은 계정으로 로그인하십시오.",
            ),
            "notfound.title" => ("Page not found", "페이지를 찾을 수 없습니다"),
            "start.title" => ("Emergency public services", "긴급 공공 서비스"),
            "start.lead" => (
                "Movement passes, test results and the situation in your area, in one place. Choose what you need to do.",
                "이동 허가증, 검사 결과, 지역 상황을 한곳에서 확인하십시오. 필요한 일을 고르십시오.",
            ),
            "start.apply" => ("Apply for a movement pass", "이동 허가증 신청"),
            "start.apply.who" => (
                "For a person who must travel during the restrictions, for a reason on the official list. You need your mobile phone.",
                "제한 기간에 공식 사유로 이동해야 하는 분이 신청합니다. 휴대전화가 필요합니다.",
            ),
            "start.apply.go" => ("Apply for a pass", "허가증 신청하기"),
            "start.register" => ("Register an essential organisation", "필수 업무 기관 등록"),
            "start.register.who" => (
                "For a business or service that must keep working: register once, then get passes for your staff from one list.",
                "계속 운영해야 하는 사업장이나 기관이 한 번 등록한 뒤 직원 명단으로 허가증을 받습니다.",
            ),
            "start.register.go" => ("Register your organisation", "기관 등록하기"),
            "start.results" => ("Get your test result by text message", "검사 결과 문자로 받기"),
            "start.results.who" => (
                "For a person who has been tested: register with the number on your sample label.",
                "검사를 받은 분이 검체 라벨의 번호로 등록합니다.",
            ),
            "start.results.go" => ("Register for your result", "결과 받기 등록"),
            "start.account" => ("See your applications and your organisation", "내 신청과 기관 보기"),
            "start.account.who" => {
                ("Sign in with a code we text to your mobile phone.", "휴대전화로 받은 코드로 로그인합니다.")
            }
            "start.account.go" => ("Sign in with your mobile phone", "휴대전화로 로그인"),
            "start.situation" => ("The situation in your area", "지역 상황"),
            "start.situation.who" => (
                "Cases, tests and vaccinations by region, for everyone.",
                "지역별 확진, 검사, 예방접종 현황을 누구나 볼 수 있습니다.",
            ),
            "start.situation.go" => ("See the situation", "상황 보기"),
            "start.staff" => ("Staff", "직원"),
            "start.staff.who" => (
                "For officials, checkpoint officers and clinicians: screening, checks at checkpoints and results to call.",
                "담당 공무원, 검문소 담당자, 의료진: 심사, 검문소 확인, 연락할 결과.",
            ),
            "start.staff.go" => ("Staff sign in", "직원 로그인"),
            "notfound.start" => ("Go to the start page", "처음 화면으로 가기"),
            "notfound.body" => {
                ("Check the address you typed or the link you followed.", "입력한 주소나 누른 링크를 확인하십시오.")
            }
            "csrf.title" => ("Your form has expired", "양식이 만료되었습니다"),
            "csrf.body" => (
                "Go back, reload the page and try again. Nothing was changed.",
                "뒤로 가서 페이지를 새로 고친 뒤 다시 시도하십시오. 아무것도 변경되지 않았습니다.",
            ),
            "limited.title" => ("Too many attempts", "시도 횟수가 너무 많습니다"),
            "limited.body.hours" => (
                "There were too many attempts, so for your security we have paused this for a while. Nothing was \
                 changed. Wait {hours} hours and try again.",
                "시도가 너무 많아 보안을 위해 잠시 중지했습니다. 아무것도 변경되지 않았습니다. {hours}시간 후에 다시 \
                 시도하십시오.",
            ),
            "limited.body" => (
                "There were too many attempts, so for your security we have paused this for a while. Nothing was \
                 changed. Wait {minutes} minutes and try again.",
                "시도가 너무 많아 보안을 위해 잠시 중지했습니다. 아무것도 변경되지 않았습니다. {minutes}분 후에 다시 \
                 시도하십시오.",
            ),
            "login.title" => ("Sign in with your mobile phone", "휴대전화로 로그인"),
            "login.lead" => (
                "We will send a 6-digit code by text message to check it is you.",
                "본인 확인을 위해 6자리 코드를 문자 메시지로 보내 드립니다.",
            ),
            "login.phone" => ("Mobile phone number", "휴대전화 번호"),
            "login.phone.hint" => (
                "Use the number you gave when registering your organisation, for example 010-1234-5678",
                "기관 등록 시 입력한 번호를 사용하십시오. 예: 010-1234-5678",
            ),
            "login.send" => ("Send the code", "코드 받기"),
            "login.staff_link" => ("Staff sign in with a username and password", "직원은 아이디와 비밀번호로 로그인"),
            "code.title" => ("Check your phone", "휴대전화를 확인하십시오"),
            "code.lead" => ("We sent a code to", "다음 번호로 코드를 보냈습니다:"),
            "code.label" => ("Text message code", "문자 메시지 코드"),
            "code.hint" => ("The code is 6 digits and expires after 5 minutes", "코드는 6자리이며 5분 후에 만료됩니다"),
            "code.submit" => ("Continue", "계속"),
            "code.again" => ("Not received a code? Send a new one", "코드를 받지 못했습니까? 새 코드 받기"),
            "code.wrong_left" => (
                "The code is not right. Check the text message and try again: {n} tries left",
                "코드가 맞지 않습니다. 문자 메시지를 확인하고 다시 입력하십시오. 남은 횟수: {n}번",
            ),
            "code.last_try" => (
                "The code is not right, and that was the last try: this code no longer works. Ask for a new code",
                "코드가 맞지 않습니다. 마지막 시도였으므로 이 코드는 더 이상 쓸 수 없습니다. 새 코드를 받으십시오",
            ),
            "code.spent" => (
                "This code can no longer be used: it has expired, was already used, or was tried too often. Ask for a new code",
                "이 코드는 더 이상 쓸 수 없습니다. 만료되었거나 이미 사용했거나 너무 여러 번 틀렸습니다. 새 코드를 받으십시오",
            ),
            "staff.title" => ("Staff sign in", "직원 로그인"),
            "staff.username" => ("Username", "아이디"),
            "staff.password" => ("Password", "비밀번호"),
            "staff.submit" => ("Sign in", "로그인"),
            "staff.username.missing" => ("Enter your username", "아이디를 입력하십시오"),
            "staff.password.missing" => ("Enter your password", "비밀번호를 입력하십시오"),
            "staff.wrong" => ("The username or password is not right", "아이디 또는 비밀번호가 올바르지 않습니다"),
            "password.title" => ("Change your password", "비밀번호 변경"),
            "password.forced" => (
                "Someone else set your password. Choose your own before you go on.",
                "다른 사람이 설정한 비밀번호입니다. 계속하기 전에 새 비밀번호를 정하십시오.",
            ),
            "password.current" => ("Current password", "현재 비밀번호"),
            "password.new" => ("New password", "새 비밀번호"),
            "password.new.hint" => (
                "At least 12 characters. A few unrelated words make a strong password",
                "12자 이상. 서로 관계없는 단어 몇 개를 이으면 강력한 비밀번호가 됩니다",
            ),
            "password.confirm" => ("Type the new password again", "새 비밀번호 다시 입력"),
            "password.submit" => ("Change password", "비밀번호 변경"),
            "current_password" => ("Current password", "현재 비밀번호"),
            "new_password" => ("New password", "새 비밀번호"),
            "confirm_password" => ("New password again", "새 비밀번호 확인"),
            "code" => ("Text message code", "문자 메시지 코드"),
            "account.title" => ("Your account", "내 계정"),
            "account.organisations" => ("Your organisations", "내 기관"),
            "account.none" => (
                "No organisation has this phone number as its contact.",
                "이 휴대전화 번호를 담당자로 등록한 기관이 없습니다.",
            ),
            "account.register" => ("Register an organisation", "기관 등록하기"),
            "account.screening" => ("Screening queue", "심사 대기열"),
            "org.status" => ("Status", "상태"),
            "org.zone" => ("Zone", "구역"),
            "org.quota" => ("Approved passes", "승인된 허가증 수"),
            "upload.renew" => {
                ("This list renews passes we gave before", "이 명단은 이전에 발급받은 허가증을 갱신합니다")
            }
            "upload.renew.hint" => (
                "For people who hold a valid pass from us, the new pass replaces it, from today, without taking a new place in your quota. Their old pass stops working when the new one is texted.",
                "우리 기관에서 받은 유효한 허가증이 있는 사람은 새 허가증이 오늘부터 그것을 대신하며, 허가증 수를 새로 쓰지 않습니다. 새 허가증 문자가 가면 이전 허가증은 쓸 수 없게 됩니다.",
            ),
            "batch.renewals" => (
                "{renewals} rows renew a pass; {replaced} old passes have been replaced so far.",
                "{renewals}개 행이 허가증을 갱신합니다. 지금까지 이전 허가증 {replaced}개를 대신했습니다.",
            ),
            "org.suspend" => ("Suspend this organisation", "이 기관 정지"),
            "org.suspend.lead" => (
                "A suspended organisation cannot upload lists, and lists it uploaded before are not issued until it is reinstated. Passes already issued stay as they are: revoke them from the organisation's passes if they must stop.",
                "정지된 기관은 명단을 올릴 수 없고, 이미 올린 명단도 다시 승인될 때까지 발급되지 않습니다. 이미 발급된 허가증은 그대로이므로, 사용을 막아야 하면 기관의 허가증 목록에서 취소하십시오.",
            ),
            "org.suspend.reason.missing" => {
                ("Give the organisation the reason it is suspended", "기관에 정지 이유를 입력하십시오")
            }
            "org.suspended" => ("Why this organisation is suspended", "이 기관이 정지된 이유"),
            "org.suspend.reason" => ("Why is the organisation suspended?", "기관을 정지하는 이유"),
            "org.suspend.reason.hint" => ("The organisation sees this.", "기관에 표시됩니다."),
            "org.reinstate" => ("Reinstate this organisation", "이 기관 다시 승인"),
            "org.reinstate.lead" => (
                "Reinstating approves it again with the quota it had; its waiting lists are issued.",
                "다시 승인하면 이전 허가증 수로 승인되고, 대기 중인 명단이 발급됩니다.",
            ),
            "org.status.changed" => ("The organisation's status was changed.", "기관 상태를 변경했습니다."),
            "org.used" => ("Passes issued or being issued", "발급되었거나 발급 중인 허가증"),
            "org.registered" => ("Registered", "등록일"),
            "org.reason" => ("Reason for rejection", "반려 사유"),
            "org.question" => ("The official asks", "담당 공무원의 요청"),
            "org.resubmit.lead" => (
                "When you have sent what was asked for, ask for your registration to be checked again.",
                "요청받은 내용을 보냈다면 등록을 다시 확인해 달라고 요청하십시오.",
            ),
            "org.resubmit" => ("Ask for review again", "다시 심사 요청"),
            "org.checks" => ("Automatic checks", "자동 점검"),
            "org.check" => ("Check", "점검 항목"),
            "org.result" => ("Result", "결과"),
            "org.detail" => ("Detail", "세부 내용"),
            "org.passed" => ("Passed", "통과"),
            "org.failed" => ("Needs attention", "확인 필요"),
            "org.batches" => ("Staff lists", "직원 명단"),
            "org.no_batches" => ("No staff list uploaded yet.", "아직 올린 직원 명단이 없습니다."),
            "org.upload_link" => ("Upload a staff list", "직원 명단 올리기"),
            "decision.title" => ("Your decision", "결정"),
            "decision.legend" => ("What do you want to do?", "어떻게 처리하시겠습니까?"),
            "decision.approve" => ("Approve", "승인"),
            "decision.reject" => ("Reject", "반려"),
            "decision.ask" => ("Ask for more information", "추가 정보 요청"),
            "decision.quota" => ("Passes to approve", "승인할 허가증 수"),
            "decision.quota.hint" => (
                "Only if you approve. Filled in with the number requested",
                "승인하는 경우에만. 신청한 수가 미리 입력되어 있습니다",
            ),
            "decision.reason" => ("Reason for rejection", "반려 사유"),
            "decision.reason.hint" => {
                ("Only if you reject. The organisation sees this", "반려하는 경우에만. 기관에 표시됩니다")
            }
            "decision.question" => ("What do you need to know?", "어떤 정보가 필요합니까?"),
            "decision.save" => ("Save and go to the next", "저장하고 다음으로"),
            "decision.saved" => (
                "Decision saved. This is the next organisation in the queue.",
                "결정을 저장했습니다. 대기열의 다음 기관입니다.",
            ),
            "decision.action.missing" => (
                "Choose approve, reject or ask for more information",
                "승인, 반려, 추가 정보 요청 중 하나를 선택하십시오",
            ),
            "decision.quota.invalid" => (
                "Enter the number of passes to approve, from 1 to 1,000,000",
                "승인할 허가증 수를 1에서 1,000,000 사이로 입력하십시오",
            ),
            "decision.reason.missing" => ("Enter the reason for rejecting", "반려 사유를 입력하십시오"),
            "decision.question.missing" => ("Enter what you need to know", "필요한 정보를 입력하십시오"),
            "decision.conflict" => (
                "Someone else decided on this organisation first. Its status is shown above",
                "다른 담당자가 먼저 결정했습니다. 현재 상태가 위에 표시되어 있습니다",
            ),
            "upload.title" => ("Upload a staff list", "직원 명단 올리기"),
            "upload.title.error" => ("Error: Upload a staff list", "오류: 직원 명단 올리기"),
            "upload.lead" => (
                "A CSV file with a header row and one row per person, with these columns:",
                "머리글 행과 한 사람당 한 행으로 된 CSV 파일이며, 다음 열이 있어야 합니다:",
            ),
            "upload.optional" => ("optional", "선택"),
            "upload.rules" => (
                "Dates as 2026-03-01. Zones separated by semicolons. Up to 100,000 rows. If any row has a problem, nothing is stored and every problem is listed.",
                "날짜는 2026-03-01 형식. 구역은 세미콜론으로 구분. 최대 100,000행. 문제가 있는 행이 하나라도 있으면 아무것도 저장되지 않고 모든 문제가 표시됩니다.",
            ),
            "upload.file" => ("Staff list (CSV)", "직원 명단 (CSV)"),
            "upload.file.hint" => (
                "The same file uploaded twice is recognised and not issued twice",
                "같은 파일을 두 번 올리면 인식되어 두 번 발급되지 않습니다",
            ),
            "upload.submit" => ("Upload and issue passes", "올리고 허가증 발급"),
            "upload.missing" => ("Select a CSV file", "CSV 파일을 선택하십시오"),
            "upload.unreadable" => {
                ("The file could not be read. Select it again", "파일을 읽을 수 없습니다. 다시 선택하십시오")
            }
            "upload.invalid" => (
                "The file has {n} problems. Nothing was stored: correct every row listed below and upload the whole file again",
                "파일에 문제가 {n}개 있습니다. 아무것도 저장되지 않았습니다. 아래 모든 행을 고친 뒤 파일 전체를 다시 올리십시오",
            ),
            "upload.quota" => (
                "The file has {requested} people but your quota of {quota} has {used} used. Nothing was stored",
                "파일에 {requested}명이 있으나 허가증 {quota}개 중 {used}개를 이미 사용했습니다. 아무것도 저장되지 않았습니다",
            ),
            "upload.not_approved" => (
                "Your organisation must be approved before you upload a staff list",
                "직원 명단을 올리려면 먼저 기관이 승인되어야 합니다",
            ),
            "upload.problems" => ("Problems in the file", "파일의 문제"),
            "upload.line" => ("Line", "행"),
            "upload.column" => ("Column", "열"),
            "upload.problem" => ("Problem", "문제"),
            "upload.more" => ("And {n} more problems not shown.", "표시되지 않은 문제가 {n}개 더 있습니다."),
            "batch.title" => ("Issuing passes", "허가증 발급"),
            "batch.bar" => ("Progress", "진행 상황"),
            "batch.progress" => (
                "{issued} of {rows} passes issued. {failed} could not be issued.",
                "{rows}개 중 {issued}개 발급. {failed}개는 발급할 수 없었습니다.",
            ),
            "batch.issuing" => ("Issuing", "발급 중"),
            "batch.completed" => {
                ("Completed: every pass has been sent by text message", "완료: 모든 허가증을 문자 메시지로 보냈습니다")
            }
            "batch.refresh" => ("Refresh this page to see progress", "진행 상황을 보려면 페이지를 새로 고치십시오"),
            "batch.duplicate" => (
                "You uploaded this file before. Nothing new was issued; this is its progress.",
                "이전에 올린 파일입니다. 새로 발급된 것은 없으며 해당 파일의 진행 상황입니다.",
            ),
            "batch.back" => ("Back to the organisation", "기관으로 돌아가기"),
            "batch.uploaded" => ("Uploaded", "올린 날"),
            "batch.rows" => ("People", "인원"),
            "batch.issued" => ("Issued", "발급"),
            "batch.failed" => ("Not issued", "미발급"),
            "batch.status" => ("Status", "상태"),
            "queue.title" => ("Screening queue", "심사 대기열"),
            "queue.any" => ("Any", "전체"),
            "queue.passed" => ("Automatic checks", "자동 점검"),
            "queue.passed.yes" => ("All passed", "모두 통과"),
            "queue.passed.no" => ("Some need attention", "확인 필요 있음"),
            "queue.zone.hint" => ("Includes its sub-zones", "하위 구역 포함"),
            "queue.apply" => ("Apply filters", "필터 적용"),
            "queue.bulk.lead" => (
                "Approve, with the number of passes each asked for, every organisation in review matching these filters that passed every automatic check.",
                "이 필터에 맞는 심사 중인 기관 가운데 모든 자동 점검을 통과한 기관을 신청한 허가증 수대로 승인합니다.",
            ),
            "queue.bulk" => ("Approve all that passed every check", "모든 점검을 통과한 기관 일괄 승인"),
            "queue.approved" => ("{n} organisations approved.", "{n}개 기관을 승인했습니다."),
            "queue.empty_after" => (
                "Decision saved. No more organisations are waiting in your queue.",
                "결정을 저장했습니다. 대기열에 남은 기관이 없습니다.",
            ),
            "queue.none" => ("No organisations match these filters.", "이 필터에 맞는 기관이 없습니다."),
            "queue.organisation" => ("Organisation", "기관"),
            "queue.requested" => ("Passes requested", "신청 허가증 수"),
            "queue.all_passed" => ("All passed", "모두 통과"),
            "queue.failed_n" => ("{n} need attention", "{n}개 확인 필요"),
            "queue.next" => ("Next page", "다음 페이지"),
            "policy.title" => ("Pass policy", "허가증 발급 규칙"),
            "policy.version" => (
                "Version {n} is in force. Version 0 is the built-in policy.",
                "현재 {n}번 버전이 적용 중입니다. 0번은 기본 규칙입니다.",
            ),
            "policy.saved" => ("Version {n} is now in force.", "{n}번 버전이 이제 적용됩니다."),
            "policy.document" => ("Rules (JSON)", "규칙 (JSON)"),
            "policy.document.hint" => (
                "Rules apply in order: the first whose condition (CertLogic) holds decides; if none does, an official reviews",
                "규칙은 순서대로 적용됩니다. 조건(CertLogic)이 맞는 첫 규칙이 결정하며, 맞는 규칙이 없으면 담당자가 검토합니다",
            ),
            "policy.sample" => ("Try it on a sample application", "예시 신청으로 시험"),
            "policy.purpose" => ("Purpose", "목적"),
            "policy.from_zone" => ("From zone", "출발 구역"),
            "policy.to_zone" => ("To zone", "도착 구역"),
            "policy.days" => ("Days", "일수"),
            "policy.this_week" => ("Applications this week", "이번 주 신청 횟수"),
            "policy.try" => ("Try these rules", "이 규칙으로 시험"),
            "policy.save" => ("Save as the next version", "다음 버전으로 저장"),
            "policy.not_json" => ("The rules are not valid JSON: {e}", "규칙이 올바른 JSON이 아닙니다: {e}"),
            "policy.rule" => ("rule", "규칙"),
            "policy.number" => ("Enter a whole number, 0 or more", "0 이상의 정수를 입력하십시오"),
            "policy.result" => ("What these rules decide", "이 규칙의 결정"),
            "policy.by_rule" => ("by rule", "적용 규칙"),
            "policy.no_rule" => ("(none: review)", "(없음: 검토)"),
            "policy.rules" => ("Rules in force", "적용 중인 규칙"),
            "policy.rules.lead" => (
                "In this order: the first rule whose condition holds decides; if none does, an official reviews.",
                "이 순서대로 적용됩니다. 조건이 맞는 첫 규칙이 결정하며, 맞는 규칙이 없으면 담당자가 검토합니다.",
            ),
            "policy.when" => ("When", "조건"),
            "policy.reason" => ("Reason given", "안내 사유"),
            "policy.when.purpose" => ("the purpose is {p}", "목적이 {p}"),
            "policy.when.same_zone" => ("within one zone", "같은 구역 안 이동"),
            "policy.when.max_days" => ("{n} days or fewer", "{n}일 이하"),
            "policy.when.this_week" => ("{n} or more applications this week", "이번 주 신청 {n}회 이상"),
            "policy.when.other" => (
                "a condition written in CertLogic (see the rules as JSON below)",
                "CertLogic으로 쓴 조건 (아래 JSON 참고)",
            ),
            "policy.remove" => ("Remove", "삭제"),
            "policy.remove.rule" => ("Remove rule {n}", "{n}번 규칙 삭제"),
            "policy.add" => ("Add a rule", "규칙 추가"),
            "policy.add.lead" => (
                "A rule decides applications that meet all its conditions. It is saved as the next version of the policy.",
                "규칙은 모든 조건을 만족하는 신청을 결정합니다. 정책의 다음 버전으로 저장됩니다.",
            ),
            "policy.back" => ("Back to the pass policy", "허가 정책으로 돌아가기"),
            "policy.advanced" => ("Advanced: the rules as JSON (CertLogic)", "고급: 규칙 JSON (CertLogic)"),
            "policy.form.id" => ("Rule name", "규칙 이름"),
            "policy.form.id.hint" => (
                "Small letters, digits and hyphens, for example <code>funeral-short</code>",
                "영문 소문자, 숫자, 하이픈. 예: <code>funeral-short</code>",
            ),
            "policy.form.outcome" => ("What the rule decides", "규칙의 결정"),
            "policy.form.when.hint" => (
                "Give one or more; the rule applies when all that are given hold",
                "하나 이상 입력하십시오. 입력한 조건을 모두 만족할 때 적용됩니다",
            ),
            "policy.form.purpose" => ("Purpose", "목적"),
            "policy.form.any_purpose" => ("Any purpose", "모든 목적"),
            "policy.form.same_zone" => ("Only travel within one zone", "같은 구역 안 이동만"),
            "policy.form.max_days" => ("At most this many days", "최대 일수"),
            "policy.form.this_week" => ("At least this many applications this week", "이번 주 신청 횟수 (이상)"),
            "policy.form.number.hint" => {
                ("A whole number from 1 to 366; leave empty for none", "1~366 사이의 정수. 없으면 비워 두십시오")
            }
            "policy.form.reason_ko" => ("Reason shown to the applicant, in Korean", "신청인에게 보일 사유 (한국어)"),
            "policy.form.reason_en" => ("Reason shown to the applicant, in English", "신청인에게 보일 사유 (영어)"),
            "policy.form.reason.hint" => ("Up to 300 characters", "300자 이내"),
            "policy.form.place" => ("Where the rule goes", "규칙 위치"),
            "policy.form.first" => ("First, before every other rule", "맨 앞 (다른 모든 규칙보다 먼저)"),
            "policy.form.last" => ("Last, after every other rule", "맨 뒤 (다른 모든 규칙 다음)"),
            "policy.form.id_invalid" => (
                "Enter a rule name of small letters, digits and hyphens",
                "규칙 이름은 영문 소문자, 숫자, 하이픈으로 입력하십시오",
            ),
            "policy.form.id_taken" => ("A rule of this name is already in force", "같은 이름의 규칙이 이미 있습니다"),
            "policy.form.outcome_missing" => ("Choose what the rule decides", "규칙의 결정을 선택하십시오"),
            "policy.form.purpose_unknown" => ("Choose a purpose from the list", "목록에서 목적을 선택하십시오"),
            "policy.form.no_condition" => ("Give at least one condition", "조건을 하나 이상 입력하십시오"),
            "policy.form.number_out_of_range" => {
                ("Enter a whole number from 1 to 366", "1~366 사이의 정수를 입력하십시오")
            }
            "policy.form.reason_ko_invalid" => {
                ("Enter the reason in Korean, up to 300 characters", "한국어 사유를 300자 이내로 입력하십시오")
            }
            "policy.form.reason_en_invalid" => {
                ("Enter the reason in English, up to 300 characters", "영어 사유를 300자 이내로 입력하십시오")
            }
            "policy.outcome.approve" => ("Approve", "승인"),
            "policy.outcome.review" => ("Review by an official", "담당자 검토"),
            "policy.outcome.reject" => ("Reject", "거절"),
            "check.title" => ("Check a pass", "허가증 확인"),
            "check.checkpoint" => ("Checkpoint", "검문소"),
            "check.no_checkpoint" => ("Not at a registered checkpoint", "등록된 검문소 아님"),
            "check.code" => ("Control code or pass text", "확인 코드 또는 허가증 텍스트"),
            "check.code.hint" => {
                ("The 10 characters under the QR code, for example ABCDE-FGHJK", "QR 코드 아래 10자리, 예: ABCDE-FGHJK")
            }
            "check.code.missing" => ("Enter the control code", "확인 코드를 입력하십시오"),
            "check.submit" => ("Check", "확인"),
            "check.valid" => ("VALID", "유효"),
            "check.invalid" => ("NOT VALID", "무효"),
            "check.cannot" => ("CANNOT CHECK HERE", "여기서 확인 불가"),
            "check.masked_id" => ("ID (last 4)", "신분증 (끝 4자리)"),
            "check.next" => ("Check another pass", "다른 허가증 확인"),
            "reason.revoked" => ("The pass has been revoked", "취소된 허가증입니다"),
            "reason.suspended" => ("The pass is suspended", "사용이 정지된 허가증입니다"),
            "reason.expired" => ("The pass has expired", "기간이 만료된 허가증입니다"),
            "reason.not_yet_valid" => ("The pass is not valid yet", "아직 유효 기간이 시작되지 않았습니다"),
            "reason.bad_signature" => {
                ("The signature is false: the pass may be forged", "서명이 올바르지 않습니다: 위조되었을 수 있습니다")
            }
            "reason.unknown_kid" => {
                ("Signed by a key this service does not trust", "신뢰할 수 없는 키로 서명되었습니다")
            }
            "reason.wrong_kind" => {
                ("This is a test result, not a movement pass", "검사 결과이며 이동 허가증이 아닙니다")
            }
            "reason.wrong_zone" => ("Not valid in this zone", "이 구역에서는 유효하지 않습니다"),
            "reason.control_code_invalid" => (
                "The control code is mistyped: check each character",
                "확인 코드가 잘못 입력되었습니다: 각 글자를 확인하십시오",
            ),
            "reason.pass_not_found" => ("No pass has this control code", "이 확인 코드의 허가증이 없습니다"),
            "reason.rule_failed" => (
                "The certificate does not meet a rule in force (a negative recent test, a complete vaccination series)",
                "증명서가 현재 규칙(최근 음성 검사, 예방접종 완료)을 충족하지 않습니다",
            ),
            "reason.control_code_ambiguous" => (
                "Two passes share this control code: scan the QR code instead",
                "이 확인 코드를 쓰는 허가증이 둘 있습니다. QR 코드를 스캔하십시오",
            ),
            "reason.checkpoint_unknown" => (
                "This checkpoint is not registered: choose yours again",
                "등록되지 않은 검문소입니다. 검문소를 다시 선택하십시오",
            ),
            "reason.bad_prefix" => ("This is not a movement pass", "이동 허가증이 아닙니다"),
            "reason.bad_base45" | "reason.bad_compression" | "reason.bad_cose" | "reason.too_large" => {
                ("The code is damaged or not a pass", "코드가 손상되었거나 허가증이 아닙니다")
            }
            "reason.bad_claims" | "reason.unsupported_version" => {
                ("The pass content is not readable", "허가증 내용을 읽을 수 없습니다")
            }
            "reason.key_not_valid" => {
                ("The pass was signed with a key outside its validity", "유효 기간 밖의 키로 서명된 허가증입니다")
            }
            "reason.status_unknown" => (
                "Signature good; revocation not known yet (update when online)",
                "서명은 유효하나 취소 여부를 아직 알 수 없습니다 (온라인에서 갱신하십시오)",
            ),
            "reason.needs_network" => (
                "Without a network, scan the QR code or paste the pass text; a typed control code needs the network",
                "네트워크가 없을 때는 QR 코드를 스캔하거나 허가증 텍스트를 붙여 넣으십시오. 확인 코드 입력은 네트워크가 필요합니다",
            ),
            "check.offline.ready" => (
                "Ready to check passes with no network: {keys} keys, status list of {time}.",
                "네트워크 없이 확인할 준비가 되었습니다: 키 {keys}개, {time} 기준 취소 목록.",
            ),
            // Field names, for the error messages that name them.
            "specimen_id" => ("Number on your sample label", "검체 라벨의 번호"),
            "family" => ("Family name", "성"),
            "given" => ("Given name", "이름"),
            "birth_date" => ("Date of birth", "생년월일"),
            "phone" => ("Mobile phone number", "휴대전화 번호"),
            "results.register.title" => ("Get your test result by text", "문자로 검사 결과 받기"),
            "results.register.lead" => (
                "Tell us who you are so your result reaches only you. A negative result comes by text; if your result needs a conversation, a clinician calls you.",
                "결과가 본인에게만 전달되도록 정보를 입력하십시오. 음성 결과는 문자로 보내 드리며, 상담이 필요한 결과는 의료진이 전화로 알려 드립니다.",
            ),
            "results.specimen_id" => ("Number on your sample label", "검체 라벨의 번호"),
            "results.specimen_id.hint" => {
                ("The test centre gave it to you with your sample", "검사소에서 검체와 함께 알려 준 번호")
            }
            "results.family" => ("Family name", "성"),
            "results.family.hint" => ("As the test centre wrote it", "검사소에 적은 그대로"),
            "results.given" => ("Given name", "이름"),
            "results.given.hint" => ("As the test centre wrote it", "검사소에 적은 그대로"),
            "results.birth_date" => ("Date of birth", "생년월일"),
            "results.birth_date.hint" => {
                ("Year, month, day: for example, 1980-04-25", "연, 월, 일 순서로. 예: 1980-04-25 또는 1980.04.25")
            }
            "results.phone" => ("Mobile phone number", "휴대전화 번호"),
            "results.phone.hint" => ("We text your result here", "이 번호로 결과를 보내 드립니다"),
            "results.register.submit" => ("Register for my result", "결과 받기 등록"),
            "results.registered.title" => ("You are registered", "등록되었습니다"),
            "results.registered.body" => (
                "When your result is ready and it is negative, we text it to {phone}.",
                "결과가 나오고 음성이면 {phone}(으)로 문자를 보내 드립니다.",
            ),
            "results.registered.next" => (
                "If your result needs a conversation, a clinician will call you. You do not need to do anything else.",
                "상담이 필요한 결과는 의료진이 전화로 알려 드립니다. 더 하실 일은 없습니다.",
            ),
            "results.label.title" => ("Print a result label", "결과 안내 라벨 인쇄"),
            "results.label.hint" => ("The number on the sample tube", "검체 용기의 번호"),
            "results.label.make" => ("Make the label", "라벨 만들기"),
            "results.label.scan" => (
                "Scan this code with your phone's camera to get your result by text.",
                "휴대전화 카메라로 이 코드를 스캔하면 결과를 문자로 받을 수 있습니다.",
            ),
            "results.label.sms" => (
                "Or text: RESULT {specimen} and your date of birth (like 1980-04-25).",
                "또는 문자로 보내십시오: 결과 {specimen} 생년월일(예: 1980-04-25).",
            ),
            "results.mine.title" => ("Your test results", "내 검사 결과"),
            "results.mine.none" => (
                "No result has come for this phone yet. We text you when it does.",
                "이 전화번호로 아직 결과가 없습니다. 결과가 나오면 문자로 알려 드립니다.",
            ),
            "results.mine.negative" => ("Negative: not detected", "음성: 미검출"),
            "results.mine.collected" => ("Sample taken", "검체 채취일"),
            "results.mine.lab" => ("Laboratory", "검사기관"),
            "results.mine.certificate" => ("Signed result", "전자 서명된 결과"),
            "results.mine.certificate_lead" => (
                "Show this code to anyone who asks for your result. They can check it without a network; it stops being valid if the laboratory corrects the result.",
                "결과를 요구하는 곳에 이 코드를 보여 주십시오. 인터넷 없이도 확인할 수 있으며, 검사기관이 결과를 정정하면 효력이 없어집니다.",
            ),
            "results.mine.valid_until" => ("Valid until", "유효 기간"),
            "results.mine.text" => (
                "The signed result as text, for someone whose camera cannot read the code",
                "카메라로 코드를 읽을 수 없는 경우를 위한 서명된 결과 텍스트",
            ),
            "results.mine.revoked" => (
                "This result was corrected. Its signed code is no longer valid; a clinician will call you.",
                "이 결과는 정정되었습니다. 서명된 코드는 더 이상 유효하지 않으며, 의료진이 전화로 알려 드립니다.",
            ),
            "results.mine.call_title" => ("Your result is ready", "결과가 나왔습니다"),
            "results.mine.call_body" => (
                "A clinician will call you about sample {sample}. Keep your phone near you.",
                "검체 {sample}에 대해 의료진이 전화로 알려 드립니다. 전화를 받을 수 있게 해 주십시오.",
            ),
            "results.queue.title" => ("Results to call about", "연락할 검사 결과"),
            "results.queue.lead" => (
                "Results that were not texted: the most urgent first, then the oldest.",
                "문자로 보내지 않은 결과입니다. 가장 급한 것부터, 그다음 오래된 순서입니다.",
            ),
            "results.queue.none" => ("No results are waiting.", "대기 중인 결과가 없습니다."),
            "results.urgent" => ("URGENT", "긴급"),
            "results.test" => ("Test", "검사"),
            "results.value" => ("Result as sent", "보고된 결과"),
            "results.done" => ("Saved for result {id}.", "결과 {id}에 대해 저장했습니다."),
            "results.action.called_reached" => ("Called: reached", "통화함: 연결됨"),
            "results.action.called_not_reached" => ("Called: not reached", "통화함: 연결 안 됨"),
            "results.action.release" => ("Text this negative", "이 음성 결과를 문자로 보내기"),
            "results.action.choose" => ("Choose what you did", "처리 내용을 선택하십시오"),
            "results.action.refused" => (
                "Only a final negative of a known test, for a registered patient, may be texted",
                "등록된 환자의 확정된 음성 결과만 문자로 보낼 수 있습니다",
            ),
            "results.reason.corrected_after_text" => {
                ("Corrected after a negative was texted: call now", "음성 문자 발송 후 정정됨: 즉시 연락하십시오")
            }
            "results.reason.detected" => ("Detected (positive)", "검출(양성)"),
            "results.reason.inconclusive" => ("Inconclusive", "판정 불가"),
            "results.reason.invalid" => ("Invalid specimen or test", "검체 또는 검사 무효"),
            "results.reason.unknown_result" => ("Result not recognised", "인식할 수 없는 결과"),
            "results.reason.unknown_test" => ("Test code not known", "알 수 없는 검사 코드"),
            "results.reason.not_final" => ("Not final (preliminary or corrected)", "확정되지 않음(예비 또는 정정)"),
            "results.reason.unmatched" => ("No registration matches", "일치하는 등록 없음"),
            "results.reason.ambiguous" => ("Several registrations match", "여러 등록과 일치"),
            "results.reason.no_phone" => ("No phone to text", "문자를 보낼 번호 없음"),
            "results.reason.already_texted" => ("Already texted", "이미 문자 발송됨"),
            "check.scan" => ("Scan with the camera", "카메라로 스캔"),
            "check.scan.stop" => ("Stop the camera", "카메라 끄기"),
            "check.scan.no_camera" => (
                "The camera could not be used. Allow it in the browser, or type the control code.",
                "카메라를 사용할 수 없습니다. 브라우저에서 허용하거나 확인 코드를 입력하십시오.",
            ),
            "check.offline.queued" => ("{n} checks wait to be uploaded.", "업로드를 기다리는 확인 기록 {n}건."),
            "check.offline.none" => (
                "Open this page once with a network to check passes without one.",
                "네트워크 없이 확인하려면 먼저 네트워크가 있을 때 이 페이지를 한 번 여십시오.",
            ),
            "check.offline.checked" => {
                ("Checked on this phone, without the network.", "네트워크 없이 이 기기에서 확인했습니다.")
            }
            "reason.dcc_not_configured" => {
                ("EU certificates cannot be checked here", "EU 증명서는 여기에서 확인할 수 없습니다")
            }
            "live.title" => ("Live activity", "실시간 현황"),
            "live.lead" => (
                "Counts by event time, updated as events arrive. This minute is still counting; late events are kept apart.",
                "이벤트 발생 시각 기준 집계이며 이벤트가 들어오는 대로 갱신됩니다. 이번 1분은 집계 중이며 늦게 도착한 이벤트는 따로 셉니다.",
            ),
            "live.counts" => ("Counts by place and outcome", "장소 및 결과별 건수"),
            "live.place" => ("Place", "장소"),
            "live.checkpoint" => ("Checkpoint", "검문소"),
            "live.zone" => ("Zone", "구역"),
            "live.no_checkpoint" => ("Checked with no checkpoint chosen", "검문소를 고르지 않고 확인"),
            "live.no_zone" => ("Zone not known", "구역 알 수 없음"),
            "live.what" => ("What", "내용"),
            "live.minute" => ("This minute", "이번 1분"),
            "live.fifteen" => ("Last 15 minutes", "최근 15분"),
            "live.hour" => ("Last hour", "최근 1시간"),
            "live.none" => ("No events in the last hour.", "최근 1시간 동안 이벤트가 없습니다."),
            "live.alerts" => ("Alerts", "경보"),
            "live.no_alerts" => ("No alerts.", "경보가 없습니다."),
            "live.updated" => ("Counted up to", "집계 기준 시각"),
            "live.refresh" => ("Refresh", "새로 고침"),
            "live.measure.scan.valid" => ("Valid passes checked", "유효한 허가증 확인"),
            "live.measure.scan.invalid" => ("Passes not valid (forged or damaged)", "유효하지 않은 허가증(위조·손상)"),
            "live.measure.scan.expired" => ("Expired passes", "만료된 허가증"),
            "live.measure.scan.revoked" => ("Revoked passes", "취소된 허가증"),
            "live.measure.application.submitted" => ("Applications", "신청"),
            "live.measure.application.approved" => ("Applications approved", "신청 승인"),
            "live.measure.application.refused" => ("Applications refused", "신청 거절"),
            "live.measure.pass.issued" => ("Passes issued", "허가증 발급"),
            "live.measure.pass.revoked" => ("Passes revoked", "허가증 취소"),
            "live.measure.result.received" => ("Results received", "검사 결과 접수"),
            "live.measure.result.texted" => ("Results texted", "검사 결과 문자 발송"),
            "live.measure.result.queued" => ("Results for clinicians", "의료진 확인 대기 결과"),
            "live.measure.sms.sent" => ("Texts sent", "문자 발송"),
            "live.measure.sms.delivered" => ("Texts delivered", "문자 전달"),
            "live.measure.sms.failed" => ("Texts failed", "문자 실패"),
            "live.measure.other" => ("Other", "기타"),
            "live.rule.possible_cloned_pass" => ("Possible copied pass", "복제 의심 허가증"),
            "live.rule.invalid_scan_spike" => ("Many passes not valid at a checkpoint", "검문소의 무효 허가증 급증"),
            "live.rule.results_waiting" => ("Results waiting to be texted", "문자 발송을 기다리는 결과"),
            "live.rule.sms_failure_rate" => ("Texts failing", "문자 실패 증가"),
            "live.rule.other" => ("Alert", "경보"),
            "live.late" => (
                "Events that came too late to count in their minute, last hour (kept apart, not added):",
                "늦게 도착해 해당 분에 집계되지 않은 이벤트, 최근 1시간(별도 보관, 합산하지 않음):",
            ),
            "messages.title" => ("Text messages", "문자 메시지"),
            "messages.counts" => ("Messages by status", "상태별 메시지 수"),
            "messages.number" => ("Number", "수"),
            "messages.showing" => ("Showing messages that are", "다음 상태의 메시지만 표시:"),
            "messages.all" => ("Show all", "모두 보기"),
            "messages.none" => ("No messages.", "메시지가 없습니다."),
            "messages.withheld" => (
                "Your account covers some zones or categories only. Messages are not kept by zone, so only the counts are shown here.",
                "계정이 일부 구역이나 분야만 맡고 있습니다. 메시지는 구역별로 보관되지 않으므로 여기에는 건수만 표시합니다.",
            ),
            "messages.kind" => ("Kind", "종류"),
            "messages.to" => ("To", "받는 사람"),
            "messages.attempts" => ("Attempts", "시도"),
            "messages.created" => ("Created", "생성"),
            "messages.kind.pass_issued" => ("Pass issued", "허가증 발급"),
            "messages.kind.pass_suspended" => ("Pass suspended", "허가증 정지"),
            "messages.kind.pass_revoked" => ("Pass revoked", "허가증 취소"),
            "messages.kind.pass_reinstated" => ("Pass reinstated", "허가증 다시 유효"),
            "messages.kind.login_code" => ("Sign-in code", "로그인 코드"),
            "messages.kind.result_negative" => ("Negative result", "음성 결과"),
            "messages.kind.result_corrected_alert" => ("Corrected result alert", "결과 수정 알림"),
            "messages.kind.application_received" => ("Application received", "신청 접수"),
            "messages.kind.application_rejected" => ("Application refused", "신청 거절"),
            "messages.kind.stream_alert" => ("Live alert", "실시간 경보"),
            "messages.kind.test_message" => ("Test message", "시험 메시지"),
            "messages.failure" => ("Reason", "사유"),
            "messages.older" => ("Older messages", "이전 메시지"),
            "done.signin" => ("Confirm your mobile number and sign in", "휴대전화 번호 확인 및 로그인"),
            "pass.text" => (
                "The pass as text, for an officer whose camera cannot read the code",
                "카메라로 코드를 읽을 수 없는 담당자를 위한 허가증 텍스트",
            ),
            "pass.inactive" => ("This pass is no longer active", "이 허가증은 더 이상 유효하지 않습니다"),
            "pass.suspended.title" => ("This pass is suspended", "이 허가증은 사용이 일시 정지되었습니다"),
            "pass.suspended.next" => (
                "Do not use it at checkpoints for now. An official may make it valid again; you will get a text message if they do. If you think this is a mistake, ask the organisation that gave you the pass.",
                "지금은 검문소에서 사용할 수 없습니다. 담당 공무원이 다시 유효하게 하면 문자로 알려 드립니다. 잘못되었다고 생각하면 허가증을 받은 기관에 문의하십시오.",
            ),
            "pass.revoked.title" => ("This pass has been withdrawn", "이 허가증은 취소되었습니다"),
            "pass.revoked.next" => (
                "It cannot be used again. If you still need to travel, ask your organisation for a new pass or apply for one.",
                "다시 사용할 수 없습니다. 계속 이동해야 한다면 소속 기관에 새 허가증을 요청하거나 새로 신청하십시오.",
            ),
            "pass.reason" => ("Reason given:", "사유:"),
            "pass.notfound.title" => ("Pass not found", "허가증을 찾을 수 없습니다"),
            "pass.notfound.body" => (
                "Check that you opened the whole link from your text message. If the message is lost, ask the organisation or office that gave you the pass.",
                "문자 메시지의 링크 전체를 열었는지 확인하십시오. 문자를 잃어버렸다면 허가증을 발급한 기관이나 기관 담당 부서에 문의하십시오.",
            ),

            "apply.title" => ("Apply for a movement pass", "이동 허가증 신청"),
            "apply.title.error" => ("Error: Apply for a movement pass", "오류: 이동 허가증 신청"),
            "apply.lead" => (
                "Tell us why and where you need to travel. Some applications are approved at once; an official checks the others and we text you the decision.",
                "이동 사유와 구간을 알려 주십시오. 일부 신청은 바로 승인되며, 나머지는 담당 공무원이 확인한 뒤 결과를 문자로 알려 드립니다.",
            ),
            "apply.journey" => ("Journey", "이동 구간"),
            "apply.who" => ("Who travels", "이동하는 사람"),
            "apply.submit" => ("Send application", "신청하기"),
            "purpose" => ("Why do you need to travel?", "이동 사유"),
            "purpose.hint" => ("Choose one", "하나를 선택하십시오"),
            "from_zone" => ("Zone you travel from", "출발 구역"),
            "from_zone.hint" => ("A zone code, for example KR-26", "구역 코드, 예: KR-26"),
            "to_zone" => ("Zone you travel to", "도착 구역"),
            "to_zone.hint" => ("The same code if you stay in your zone", "구역 안에서만 이동하면 같은 코드"),
            "valid_from" => ("First day", "시작일"),
            "valid_from.hint" => ("For example, 2026-03-01", "예: 2026-03-01"),
            "valid_to" => ("Last day", "마지막 날"),
            "valid_to.hint" => ("The pass ends at the end of this day", "이 날 자정에 허가증이 만료됩니다"),
            "holder" => ("Name to show on the pass", "허가증에 표시할 이름"),
            "holder.hint" => ("Initials are enough", "이니셜이면 충분합니다"),
            "id_last4" => ("Last 4 characters of your identity document", "신분증 번호 마지막 4자리"),
            "id_last4.hint" => ("Never the whole number", "전체 번호는 입력하지 마십시오"),
            "vehicle_plate" => ("Vehicle registration plate (optional)", "차량 번호 (선택)"),
            "vehicle_plate.hint" => ("Only for a vehicle pass", "차량 허가증일 때만"),
            "document" => ("Supporting document (optional)", "증빙 서류 (선택)"),
            "document.hint" => (
                "A PDF, JPEG or PNG file up to {mb} MB, for example a hospital letter",
                "{mb}MB 이하의 PDF, JPEG 또는 PNG 파일, 예: 병원 확인서",
            ),
            "document.too_large" => ("The document must be {mb} MB or smaller", "증빙 서류는 {mb}MB 이하여야 합니다"),
            "document.type" => {
                ("The document must be a PDF, JPEG or PNG file", "증빙 서류는 PDF, JPEG 또는 PNG 파일이어야 합니다")
            }
            "document.unreadable" => {
                ("The form could not be read; try again", "양식을 읽을 수 없습니다. 다시 시도하십시오")
            }
            "application.title" => ("Application", "신청"),
            "application.purpose" => ("Purpose", "사유"),
            "application.reference" => ("Reference", "접수 번호"),
            "application.status.review" => ("Waiting for an official", "검토 대기"),
            "application.status.approved" => ("Approved", "승인"),
            "application.status.rejected" => ("Not approved", "승인되지 않음"),
            "application.review_body" => (
                "An official will check your application. We will text you when it is decided.",
                "담당 공무원이 신청을 확인합니다. 결정되면 문자로 알려 드립니다.",
            ),
            "application.approved_body" => ("Your pass is ready", "이동 허가증이 발급되었습니다"),
            "application.reason" => ("Reason", "사유"),
            "application.dates" => ("Dates", "기간"),
            "application.kind" => ("Pass for", "허가 대상"),
            "kind.person" => ("A person", "사람"),
            "kind.vehicle" => ("A vehicle", "차량"),
            "application.submitted" => ("Submitted", "신청 시각"),
            "application.waiting" => ("Waiting", "대기 시간"),
            "application.document.open" => ("Download the document", "서류 내려받기"),
            "application.rule" => ("What the rules said", "규칙 판정"),
            "application.no_rule" => (
                "No rule decided this application, so it came to an official to decide.",
                "이 신청을 결정한 규칙이 없어 담당 공무원에게 왔습니다.",
            ),
            "application.other_passes" => ("The applicant's other passes", "신청인의 다른 허가증"),
            "application.other_passes.none" => {
                ("The applicant holds no other pass in force.", "신청인에게 유효한 다른 허가증이 없습니다.")
            }
            "application.decided_by" => ("Decided by", "결정한 사람:"),
            "application.decide" => ("Your decision", "결정"),
            "application.approve" => ("Approve and issue the pass", "승인하고 허가증 발급"),
            "application.reject" => ("Reject", "반려"),
            "application.reject_reason" => ("Reason for rejecting", "반려 사유"),
            "application.reject_reason.hint" => ("The applicant sees this", "신청자에게 표시됩니다"),
            "application.decide.submit" => ("Save decision", "결정 저장"),
            "application.choose" => ("Choose approve or reject", "승인 또는 반려를 선택하십시오"),
            "application.own_case" => (
                "You cannot decide on your own application. Another official must decide it.",
                "본인의 신청은 결정할 수 없습니다. 다른 담당 공무원이 결정해야 합니다.",
            ),
            "application.active_pass" => (
                "This person or vehicle already has an active pass. Reject the application with that reason.",
                "이 사람 또는 차량에는 이미 유효한 허가증이 있습니다. 그 사유로 반려하십시오.",
            ),
            "application.decided" => ("Decision saved for {ref}", "{ref}에 대한 결정을 저장했습니다"),
            "applications.title" => ("Applications to review", "검토할 신청"),
            "applications.lead" => (
                "Oldest first, within your zones and categories.",
                "오래된 순서이며, 담당 구역과 분류의 신청만 보입니다.",
            ),
            "applications.none" => ("No applications are waiting.", "대기 중인 신청이 없습니다."),
            "applications.more" => ("More applications", "다음 신청"),
            "account.applications" => ("Your pass applications", "내 이동 허가 신청"),
            "account.no_applications" => ("You have not applied for a pass.", "신청한 허가증이 없습니다."),
            "account.apply" => ("Apply for a movement pass", "이동 허가증 신청하기"),
            "decision.own_case" => (
                "You cannot decide on an organisation you belong to. Another official must decide it.",
                "소속 기관은 결정할 수 없습니다. 다른 담당 공무원이 결정해야 합니다.",
            ),
            "keys.title" => ("Pass keys", "허가증 서명 키"),
            "keys.lead" => (
                "New passes are signed with key {kid}. The next key takes over on {at}; it is published in the trust list two weeks before, so that offline checkpoints learn it first.",
                "새 허가증을 서명하는 키: {kid}. 다음 키가 {at}에 서명을 넘겨받습니다. 오프라인 검문소가 미리 알 수 있도록 2주 전에 신뢰 목록에 게시됩니다.",
            ),
            "keys.key" => ("Key", "키"),
            "keys.use" => ("Use", "용도"),
            "keys.from" => ("Signs from", "서명 시작"),
            "keys.until" => ("Signs until", "서명 종료"),
            "keys.use.signing" => ("Signs new passes", "새 허가증 서명 중"),
            "keys.use.next" => ("Published, signs next", "게시됨, 다음에 서명"),
            "keys.use.retired" => ("Retired, still verifies", "사용 종료, 검증은 계속"),
            "keys.use.withdrawn" => ("Withdrawn", "폐기됨"),
            "keys.withdraw" => ("Withdraw", "폐기"),
            "keys.rotate.title" => ("Rotate now", "지금 교체"),
            "keys.rotate.lead" => (
                "A new key signs new passes from now. Passes already issued keep verifying. Checkpoints that work offline must download the new trust list before they can check the new passes.",
                "지금부터 새 키로 새 허가증을 서명합니다. 이미 발급된 허가증은 계속 유효합니다. 오프라인으로 확인하는 검문소는 새 허가증을 확인하기 전에 새 신뢰 목록을 내려받아야 합니다.",
            ),
            "keys.rotate.button" => ("Rotate the pass key now", "서명 키 지금 교체"),
            "keys.trust.title" => ("Trust list for checkpoints", "검문소용 신뢰 목록"),
            "keys.trust.lead" => (
                "The signed list of keys checkpoints trust. Checkpoint phones download it themselves when they are online; download it here to load it into other verifiers.",
                "검문소가 신뢰하는 키의 서명된 목록입니다. 검문소 휴대전화는 온라인일 때 스스로 내려받습니다. 다른 검증 장치에 넣으려면 여기서 내려받으십시오.",
            ),
            "keys.trust.download" => {
                ("Download the trust list (<code>trust.json</code>)", "신뢰 목록 내려받기 (<code>trust.json</code>)")
            }
            "keys.done.rotated" => (
                "The pass key was rotated. New passes are signed with the new key.",
                "서명 키를 교체했습니다. 새 허가증은 새 키로 서명합니다.",
            ),
            "keys.done.withdrawn" => (
                "The key was withdrawn. Passes it signed no longer verify.",
                "키를 폐기했습니다. 이 키로 서명한 허가증은 더 이상 유효하지 않습니다.",
            ),
            "keys.withdraw.title" => ("Withdraw key {kid}", "키 {kid} 폐기"),
            "keys.withdraw.warning" => (
                "Every pass signed with this key stops verifying: online at once, and at offline checkpoints once they download the new trust list. Holders will need new passes. Do this only if the key may be compromised.",
                "이 키로 서명한 모든 허가증이 더 이상 유효하지 않게 됩니다. 온라인 확인에서는 즉시, 오프라인 검문소에서는 새 신뢰 목록을 내려받은 뒤부터입니다. 소지자는 새 허가증이 필요합니다. 키가 유출되었을 수 있을 때만 하십시오.",
            ),
            "keys.withdraw.signing" => (
                "This key signs new passes now: a new key takes over first, so passes can still be issued.",
                "이 키는 지금 새 허가증을 서명하고 있습니다. 먼저 새 키가 서명을 넘겨받으므로 허가증은 계속 발급할 수 있습니다.",
            ),
            "keys.withdraw.reason" => ("Why is the key withdrawn?", "키를 폐기하는 이유"),
            "keys.withdraw.reason.hint" => ("This goes into the audit log.", "감사 기록에 남습니다."),
            "keys.withdraw.button" => ("Withdraw the key", "키 폐기"),
            "cancel" => ("Cancel", "취소"),
            "staff.accounts" => ("Staff accounts", "직원 계정"),
            "staff.lead" => (
                "Officials, checkpoint officers, clinicians and admins sign in with a username and password. Each new account gets a one-time password to change at first sign-in.",
                "공무원, 검문 담당자, 의료진, 관리자는 사용자 이름과 비밀번호로 로그인합니다. 새 계정마다 첫 로그인 때 바꿀 일회용 비밀번호가 주어집니다.",
            ),
            "staff.new" => ("Add a staff account", "직원 계정 추가"),
            "staff.new.lead" => (
                "You will see the account's one-time password once, to give to its owner in person.",
                "계정의 일회용 비밀번호는 한 번만 표시되며, 본인에게 직접 전달해야 합니다.",
            ),
            "staff.new.button" => ("Make the account", "계정 만들기"),
            "staff.made" => ("Account made", "계정을 만들었습니다"),
            "staff.made.lead" => (
                "The one-time password for {username} is below. Give it to them in person: it is not shown again.",
                "{username}의 일회용 비밀번호는 아래와 같습니다. 다시 표시되지 않으니 본인에게 직접 전달하십시오.",
            ),
            "staff.made.note" => (
                "They choose their own password at first sign-in on the staff sign-in page.",
                "직원 로그인 화면에서 처음 로그인할 때 자신의 비밀번호를 정합니다.",
            ),
            "staff.role" => ("Role", "역할"),
            "staff.role.missing" => ("Choose a role", "역할을 고르십시오"),
            "staff.role.admin" => ("Admin", "관리자"),
            "staff.role.official" => ("Official", "공무원"),
            "staff.role.checkpoint" => ("Checkpoint officer", "검문 담당자"),
            "staff.role.clinician" => ("Clinician", "의료진"),
            "staff.role.lab" => ("Laboratory", "검사 기관"),
            "staff.role.organisation_admin" => ("Organisation", "기관"),
            "staff.role.applicant" => ("Citizen", "시민"),
            "staff.scope" => ("Where they may act", "담당 범위"),
            "staff.scope.all" => ("Everywhere", "전체"),
            "staff.scope.officials_only" => (
                "Only officials have zones and categories: leave these empty",
                "구역과 분류는 공무원에게만 있습니다. 비워 두십시오",
            ),
            "staff.field.username" => ("Username", "사용자 이름"),
            "staff.field.username.hint" => (
                "3 to 64 letters, digits or . - _ @, for example <code>kim.busan</code>",
                "영문자, 숫자, . - _ @ 3~64자. 예: <code>kim.busan</code>",
            ),
            "staff.field.zones" => ("Zones (officials only)", "구역 (공무원만)"),
            "staff.field.zones.hint" => (
                "Tick the zones whose cases they decide; none ticked: every zone",
                "결정할 구역을 고르십시오. 고르지 않으면 모든 구역입니다",
            ),
            "staff.field.categories" => ("Categories (officials only)", "분류 (공무원만)"),
            "staff.field.categories.hint" => (
                "Tick the categories whose cases they decide; none ticked: every category",
                "결정할 분류를 고르십시오. 고르지 않으면 모든 분류입니다",
            ),
            "staff.field.personal_phone" => ("Their own mobile number (optional)", "본인 휴대전화 번호 (선택)"),
            "staff.field.personal_phone.hint" => (
                "Never used to sign in: it keeps them from deciding on a case with their own phone",
                "로그인에는 쓰지 않으며, 자신의 번호가 들어간 건을 결정하지 못하게 합니다",
            ),
            "staff.field.label" => ("Name of the key", "키 이름"),
            "staff.field.label.hint" => {
                ("What the key is for, for example Busan lab's HL7 feed", "키의 용도. 예: 부산 검사기관 HL7 전송")
            }
            "staff.field.lab" => ("Laboratory (lab keys only)", "검사 기관 (검사 기관 키만)"),
            "staff.field.lab.hint" => (
                "As its messages name it (MSH-4): a lab's key sends only its own results",
                "메시지에 적힌 이름(MSH-4). 검사 기관 키는 자기 결과만 보낼 수 있습니다",
            ),
            "staff.field.organisation_id" => {
                ("Organisation reference (organisation keys only)", "기관 접수 번호 (기관 키만)")
            }
            "staff.phone.invalid" => {
                ("Enter a mobile number like 010-1234-5678", "010-1234-5678 같은 휴대전화 번호를 입력하십시오")
            }
            "staff.username.taken" => {
                ("That username is taken: choose another", "이미 쓰는 사용자 이름입니다. 다른 이름을 고르십시오")
            }
            "staff.active" => ("Active", "사용 중"),
            "staff.disabled" => ("Disabled", "사용 중지"),
            "staff.first_sign_in" => ("Not signed in yet", "아직 로그인 안 함"),
            "keys.api.title" => ("API keys", "API 키"),
            "keys.api.lead" => (
                "Systems use API keys: laboratories sending results, organisations' payroll systems, checkpoint devices. A key is shown once, when it is made; here only its name.",
                "결과를 보내는 검사 기관, 기관의 인사 시스템, 검문 기기 같은 시스템이 API 키를 씁니다. 키는 만들 때 한 번만 보이고, 여기에는 이름만 보입니다.",
            ),
            "keys.api.new" => ("Make an API key", "API 키 만들기"),
            "keys.api.new.lead" => (
                "Choose what the key may do. You will see the key once, to give to the system's operator.",
                "키가 할 수 있는 일을 고르십시오. 키는 한 번만 보이니 시스템 운영자에게 전달하십시오.",
            ),
            "keys.api.new.button" => ("Make the key", "키 만들기"),
            "keys.api.made" => ("Made", "만든 때"),
            "keys.api.revoked" => ("Revoked", "폐기됨"),
            "keys.api.label.first_admin" => {
                ("The first admin key, made at first start", "처음 시작할 때 만든 첫 관리자 키")
            }
            "keys.api.label.registration" => {
                ("An organisation's key, from its registration", "기관 등록 때 받은 기관 키")
            }
            "keys.api.revoke" => ("Revoke", "폐기"),
            "keys.api.revoke.title" => ("Revoke the key “{label}”", "“{label}” 키 폐기"),
            "keys.api.revoke.lead" => (
                "The key stops working at once and cannot be used again. The system using it needs a new key.",
                "키는 즉시 쓸 수 없게 되며 다시 쓸 수 없습니다. 이 키를 쓰던 시스템에는 새 키가 필요합니다.",
            ),
            "keys.api.revoked_done" => ("The key was revoked.", "키를 폐기했습니다."),
            "keys.api.last_admin" => (
                "This is the last admin key and there is no admin account: make another first",
                "마지막 관리자 키이고 관리자 계정이 없습니다. 먼저 다른 키나 계정을 만드십시오",
            ),
            "keys.api.shown" => ("Your new API key", "새 API 키"),
            "keys.api.shown.lead" => (
                "The key “{label}” is below. Copy it now and give it to the system's operator: it is not shown again.",
                "“{label}” 키는 아래와 같습니다. 다시 표시되지 않으니 지금 복사해 시스템 운영자에게 전달하십시오.",
            ),
            "keys.api.shown.note" => (
                "Systems send it as Authorization: Bearer, followed by the key.",
                "시스템은 Authorization: Bearer 뒤에 키를 붙여 보냅니다.",
            ),
            "keys.api.label.missing" => {
                ("Give the key a name of up to 100 characters", "키 이름을 100자 이내로 입력하십시오")
            }
            "keys.api.organisation.invalid" => (
                "Enter the reference of a registered organisation: organisation keys need one, other keys none",
                "등록된 기관의 접수 번호를 입력하십시오. 기관 키에만 필요합니다",
            ),
            "keys.api.lab.invalid" => (
                "Lab keys need the laboratory's name as its messages give it; other keys none",
                "검사 기관 키에는 메시지에 적힌 검사 기관 이름이 필요합니다. 다른 키에는 쓰지 마십시오",
            ),
            "qr.pass" => ("Pass QR code", "허가증 QR 코드"),
            "qr.result" => ("Signed test result QR code", "서명된 검사 결과 QR 코드"),
            "qr.label" => ("QR code for registering this sample", "이 검체 등록용 QR 코드"),
            "account.keys" => ("Pass keys", "허가증 서명 키"),
            "errorpage.bad.title" => ("We could not read that address", "주소를 읽을 수 없습니다"),
            "errorpage.bad.body" => (
                "Part of the address or the form is not in the form we expect. Check it, or start again from the start page.",
                "주소나 양식의 일부가 올바른 형식이 아닙니다. 확인하거나 첫 화면에서 다시 시작하십시오.",
            ),
            "errorpage.too_large.title" => ("That is too large", "너무 큽니다"),
            "errorpage.too_large.body" => (
                "The file or form sent is larger than we take. Send a smaller one.",
                "보낸 파일이나 양식이 받을 수 있는 크기보다 큽니다. 더 작게 보내십시오.",
            ),
            "errorpage.sorry.title" => {
                ("Sorry, there is a problem with the service", "죄송합니다. 서비스에 문제가 있습니다")
            }
            "errorpage.sorry.body" => ("Try again later.", "나중에 다시 시도하십시오."),
            "results.queue.phone" => ("Phone to call", "연락할 전화"),
            "results.queue.no_phone" => (
                "Not registered: the patient gave no phone; ask the lab or the collection site",
                "등록되지 않음: 환자가 전화번호를 남기지 않았습니다. 검사 기관이나 검체 채취 장소에 문의하십시오",
            ),
            "results.queue.just_now" => ("Less than a minute", "1분 미만"),
            "results.queue.waited" => ("{h} h {m} min", "{h}시간 {m}분"),
            "results.status.final" => ("final", "최종"),
            "results.status.corrected" => ("corrected", "수정됨"),
            "results.status.preliminary" => ("preliminary", "예비"),
            "results.status.other" => ("status not known", "상태 알 수 없음"),
            "results.words.detected" => ("Positive: detected", "양성: 검출됨"),
            "results.words.not_detected" => ("Negative: not detected", "음성: 검출되지 않음"),
            "results.words.inconclusive" => ("Inconclusive: test again", "판정 불가: 재검사 필요"),
            "results.words.invalid" => ("Invalid sample", "검체 부적합"),
            "results.words.unknown" => {
                ("Result not read: see the lab's value", "결과를 읽지 못함: 검사 기관의 값을 보십시오")
            }
            "passes.title" => ("Find passes", "허가증 찾기"),
            "passes.lead" => (
                "Search by any of these; passes outside your zones and categories are not shown.",
                "아래 항목 중 아무것으로나 찾으십시오. 담당 구역과 분류 밖의 허가증은 보이지 않습니다.",
            ),
            "passes.search.name" => ("Holder's name, or part of it", "소지자 이름 (일부도 가능)"),
            "passes.search.phone" => ("Mobile phone number", "휴대전화 번호"),
            "passes.search.code" => ("Control code", "확인 코드"),
            "passes.search.organisation" => ("Organisation number", "기관 번호"),
            "passes.search.batch" => ("Employee list number", "직원 명단 번호"),
            "passes.search.button" => ("Find passes", "허가증 찾기"),
            "passes.search.phone_invalid" => {
                ("Enter a mobile number, like 010-1234-5678", "010-1234-5678처럼 휴대전화 번호를 입력하십시오")
            }
            "passes.search.code_invalid" => (
                "Enter the 10-character control code, like ABCDE-FGHJK; check it for mistyped characters",
                "ABCDE-FGHJK처럼 10자리 확인 코드를 입력하십시오. 잘못 입력한 글자가 있는지 확인하십시오",
            ),
            "passes.search.number_invalid" => ("Enter a number, like 12", "12처럼 숫자를 입력하십시오"),
            "passes.results" => ("Passes found", "찾은 허가증"),
            "passes.none" => ("No passes match.", "맞는 허가증이 없습니다."),
            "passes.more" => ("Older passes", "이전 허가증"),
            "passes.phone" => ("Phone", "전화"),
            "passes.pass_title" => ("Pass", "허가증"),
            "passes.organisation" => ("Organisation", "기관"),
            "passes.history" => ("History", "기록"),
            "passes.history.issued" => ("Issued", "발급됨"),
            "passes.history.issued_batch" => ("Issued from employee list {batch}", "직원 명단 {batch}에서 발급됨"),
            "passes.history.suspended" => ("Suspended", "정지됨"),
            "passes.history.reinstated" => ("Reinstated", "다시 유효"),
            "passes.history.revoked" => ("Revoked", "취소됨"),
            "passes.history.scan" => ("Checked", "검문"),
            "passes.actions" => ("Change this pass", "이 허가증 변경"),
            "passes.action.suspend" => ("Suspend the pass", "허가증 정지"),
            "passes.action.reinstate" => ("Reinstate the pass", "허가증 다시 유효하게 하기"),
            "passes.action.revoke" => ("Revoke the pass", "허가증 취소"),
            "passes.action.lead" => (
                "The holder is told by text message, with your reason. Checkpoints see the change at once online, and offline when they next download the list.",
                "소지자에게 이유와 함께 문자 메시지로 알립니다. 검문소는 온라인에서는 즉시, 오프라인에서는 다음에 목록을 내려받을 때 변경을 확인합니다.",
            ),
            "passes.action.reason" => ("Reason", "이유"),
            "passes.action.reason.hint" => {
                ("The holder reads this; up to 200 characters.", "소지자가 읽습니다. 200자 이내로 쓰십시오.")
            }
            "passes.status.done" => {
                ("The pass was changed and its holder texted.", "허가증을 변경하고 소지자에게 문자를 보냈습니다.")
            }
            "passes.back" => ("Find other passes", "다른 허가증 찾기"),
            "passes.org.back" => ("All passes of this organisation", "이 기관의 모든 허가증"),
            "passes.org.resend.title" => ("Send the pass again", "허가증 다시 보내기"),
            "passes.org.resend.lead" => (
                "If the holder deleted the text or cannot find it, we text the pass to the same phone again with a new link. The old link stops working.",
                "소지자가 문자를 지웠거나 찾을 수 없으면 같은 휴대전화로 새 링크와 함께 다시 보냅니다. 이전 링크는 더 이상 열리지 않습니다.",
            ),
            "passes.org.resend.button" => ("Text the pass to the holder again", "소지자에게 허가증 문자 다시 보내기"),
            "passes.org.resend.done" => (
                "The pass is being texted to the holder again. The old link no longer opens it.",
                "소지자에게 허가증 문자를 다시 보내고 있습니다. 이전 링크는 더 이상 열리지 않습니다.",
            ),
            "passes.org.resend.limit" => (
                "This pass has been texted 3 times in the last hour. Try again in an hour.",
                "지난 1시간 동안 이 허가증을 3번 보냈습니다. 1시간 뒤에 다시 시도하십시오.",
            ),
            "bulk.title.org" => ("Revoke all passes of this organisation", "이 기관의 허가증 모두 취소"),
            "bulk.title.batch" => {
                ("Revoke all passes of employee list {batch}", "직원 명단 {batch}의 허가증 모두 취소")
            }
            "bulk.link.org" => ("Revoke all passes of this organisation", "이 기관의 허가증 모두 취소"),
            "bulk.link.batch" => ("Revoke all passes of this list", "이 명단의 허가증 모두 취소"),
            "bulk.batch.passes" => ("Passes issued from this list", "이 명단으로 발급된 허가증"),
            "print.link" => ("Print all valid passes of this list (PDF)", "이 명단의 유효한 허가증 모두 인쇄 (PDF)"),
            "print.title" => ("{org} · list {batch} · {n} passes", "{org} · 명단 {batch} · 허가증 {n}장"),
            "print.part" => ("part {part} of {parts}", "{parts}부 중 {part}부"),
            "print.parts" => {
                ("This list is printed in parts of 1,000 passes:", "이 명단은 허가증 1,000장씩 나누어 인쇄합니다:")
            }
            "print.footer" => (
                "Printed {at} · page {page} of {pages} · Cut along the dashed lines and give each holder their own pass. \
                 A checkpoint reads the QR code; a revoked pass stops working even on paper.",
                "{at} 인쇄 · {page}/{pages}쪽 · 점선을 따라 잘라 본인에게 나눠 주십시오. 검문소는 QR 코드를 읽으며, \
                 취소된 허가증은 종이로도 쓸 수 없습니다.",
            ),
            "print.empty" => (
                "This list has no valid passes to print: they were revoked, suspended or are over.",
                "이 명단에는 인쇄할 유효한 허가증이 없습니다. 취소·정지되었거나 기간이 끝났습니다.",
            ),
            "bulk.lead" => (
                "{n} passes are valid or suspended now. Revoking them stops them at every checkpoint, cannot be undone, and texts each holder your reason.",
                "지금 유효하거나 정지된 허가증이 {n}개 있습니다. 취소하면 모든 검문소에서 쓸 수 없게 되고 되돌릴 수 없으며, 각 소지자에게 이유를 문자로 보냅니다.",
            ),
            "bulk.none" => (
                "There are no passes to revoke: each one is revoked or over already.",
                "취소할 허가증이 없습니다. 모두 이미 취소되었거나 기간이 끝났습니다.",
            ),
            "bulk.confirm" => (
                "I understand that these {n} passes stop working and cannot be made valid again",
                "허가증 {n}개를 더 이상 쓸 수 없고 다시 유효하게 할 수 없음을 확인합니다",
            ),
            "bulk.confirm.missing" => (
                "Tick the box to confirm that the passes are to be revoked",
                "허가증을 취소하려면 확인란을 선택하십시오",
            ),
            "bulk.changed" => (
                "The number of passes changed since you opened this page: it is now {n}. Check it and confirm again",
                "이 화면을 연 뒤 허가증 수가 바뀌었습니다. 지금은 {n}개입니다. 확인하고 다시 선택하십시오",
            ),
            "bulk.button" => ("Revoke {n} passes", "허가증 {n}개 취소"),
            "bulk.done" => (
                "{n} passes were revoked; their holders are being texted.",
                "허가증 {n}개를 취소했습니다. 소지자에게 문자를 보내고 있습니다.",
            ),
            "passes.org.title" => ("Passes issued to this organisation", "이 기관에 발급된 허가증"),
            "passes.org.lead" => (
                "Choose a pass to text it to its holder again, or to revoke it when someone no longer works here.",
                "허가증을 골라 소지자에게 다시 보내거나, 더 이상 근무하지 않는 사람의 허가증을 취소하십시오.",
            ),
            "batch.failed.title" => ("Rows that got no pass", "허가증이 발급되지 않은 행"),
            "batch.failed.lead" => (
                "Fix these rows and send them again in a new file; the other rows' passes were issued.",
                "이 행들을 고쳐 새 파일로 다시 보내십시오. 나머지 행의 허가증은 발급되었습니다.",
            ),
            "batch.failed.line" => ("Line", "줄"),
            "batch.failed.name" => ("Name", "이름"),
            "batch.failed.why" => ("Why", "이유"),
            "batch.failed.active_pass" => (
                "This person or vehicle already has a pass in force. Wait until it ends, or ask an official to withdraw it.",
                "이 사람 또는 차량은 이미 유효한 허가증이 있습니다. 기간이 끝날 때까지 기다리거나 담당 공무원에게 취소를 요청하십시오.",
            ),
            "batch.failed.not_signed" => (
                "The pass could not be signed. Send the row again; if it happens again, call the help desk.",
                "허가증에 서명하지 못했습니다. 이 행을 다시 보내십시오. 다시 일어나면 지원 센터에 문의하십시오.",
            ),
            "pass.list.title" => ("Your passes", "내 허가증"),
            "pass.list.none" => {
                ("No pass has been issued to this mobile number.", "이 휴대전화 번호로 발급된 허가증이 없습니다.")
            }
            "pass.list.valid" => ("Valid", "유효"),
            "pass.list.not_yet" => ("Not yet valid", "아직 유효 기간 전"),
            "pass.list.ended" => ("Ended", "기간 종료"),
            "pass.list.suspended" => ("Suspended", "정지됨"),
            "pass.list.revoked" => ("Withdrawn", "취소됨"),
            "pass.list.back" => ("Back to your account", "내 계정으로 돌아가기"),
            "pass.resend.title" => ("Lost the text message?", "문자 메시지를 잃어버렸습니까?"),
            "pass.resend.lead" => (
                "We can text this pass to your phone again, with a new link. The old link will stop working.",
                "이 허가증을 새 링크와 함께 휴대전화로 다시 보내 드립니다. 이전 링크는 더 이상 열리지 않습니다.",
            ),
            "pass.resend.button" => ("Text me this pass again", "허가증 문자 다시 받기"),
            "pass.resend.done" => (
                "We have texted the pass to your phone again. The old link no longer opens it.",
                "허가증을 휴대전화로 다시 보냈습니다. 이전 링크는 더 이상 열리지 않습니다.",
            ),
            "pass.resend.limit" => (
                "This pass has been texted 3 times in the last hour. Try again in an hour, or show this page at the checkpoint.",
                "지난 1시간 동안 이 허가증을 3번 보냈습니다. 1시간 뒤에 다시 시도하거나 검문소에서 이 화면을 보여 주십시오.",
            ),
            "pass.resend.not_valid" => {
                ("Only a valid pass can be texted again.", "유효한 허가증만 다시 보낼 수 있습니다.")
            }
            "account.live" => ("Live checkpoint counts", "실시간 검문 현황"),
            "account.situation" => ("Situation dashboard", "상황 대시보드"),
            _ => ("", ""),
        };
        self.pick(en, ko)
    }

    /// A field error in this language, by the stable code the domain gives; it names the field, so the error
    /// summary reads on its own.
    pub fn field_error(self, field: &str, code: &str, english: &str) -> String {
        let label = self.t(field);
        let ko = match (field, code) {
            ("purpose", "required") => "목록에서 이동 사유를 선택하십시오",
            ("valid_from" | "valid_to", "invalid") => "날짜를 2026-03-01 형식으로 입력하십시오",
            ("id_last4", "too_long") => "신분증 번호는 마지막 4자리만 입력하십시오. 전체 번호는 입력하지 마십시오",
            ("birth_date", "invalid") => {
                "생년월일을 1985-07-14처럼 연, 월, 일 순서로 입력하십시오 (1985.07.14도 됩니다)"
            }
            ("birth_date", "in_future") => "생년월일은 미래 날짜일 수 없습니다",
            ("reason", "required") => "키를 폐기하는 이유를 500자 이내로 입력하십시오",
            ("reason", "reason_invalid") => "이유를 1자에서 200자 사이로 입력하십시오. 소지자가 읽습니다",
            _ => "",
        };
        if !ko.is_empty() {
            return self.pick(english, ko).to_owned();
        }
        let ko = match code {
            "required" => {
                return self.pick(
                    english.to_owned(),
                    surge_domain::korean::fill("{label}을(를) 입력하십시오", &[("label", label)]),
                );
            }
            "too_long" => {
                return self.pick(
                    english.to_owned(),
                    surge_domain::korean::fill("{label}이(가) 너무 깁니다", &[("label", label)]),
                );
            }
            "registry_number_invalid" => "사업자등록번호가 올바르지 않습니다. 번호를 확인하십시오",
            "category_not_allowed" => "목록에서 필수 업무 분류를 선택하십시오",
            "zone_invalid" => "KR-26과 같은 구역 코드를 입력하십시오",
            "zone_unknown" => "목록에서 지역을 고르십시오",
            "phone_invalid" => "올바른 휴대전화 번호를 입력하십시오",
            "email_invalid" => "name@example.org 형식의 이메일 주소를 입력하십시오",
            "quota_invalid" => "1에서 100000 사이의 숫자를 입력하십시오",
            "code_invalid" => "문자 메시지로 받은 6자리 코드를 입력하십시오",
            "password_wrong" => "현재 비밀번호가 올바르지 않습니다",
            "password_too_short" => "새 비밀번호는 12자 이상이어야 합니다",
            "password_unchanged" => "새 비밀번호는 현재 비밀번호와 달라야 합니다",
            "password_mismatch" => "두 비밀번호가 일치하지 않습니다",
            "past" => "시작일은 오늘 또는 그 이후여야 합니다",
            "too_far" => "시작일이 너무 멉니다. 더 가까운 날짜를 입력하십시오",
            "before_start" => "마지막 날은 시작일과 같거나 그 이후여야 합니다",
            "reason_invalid" => "1자에서 200자 사이로 사유를 입력하십시오",
            "invalid" => return self.pick(english.to_owned(), format!("{label}: 입력 내용을 확인하십시오")),
            _ => "입력 내용을 확인하십시오",
        };
        self.pick(english, ko).to_owned()
    }

    /// A listed zone by its name in this language, with its code: `부산광역시 (KR-26)`.
    pub fn zone(self, zone: &surge_domain::Zone) -> String {
        format!("{} ({})", self.pick(&zone.name_en, &zone.name_ko), zone.code)
    }

    /// A zone code by its listed name (`부산광역시 해운대구 (KR-26-350)`), or as it is where the list does not name
    /// that very zone (an unlisted district inside a listed province is not the province).
    pub fn listed_zone(self, zones: &surge_domain::ZoneList, code: &str) -> String {
        match zones.covering(code) {
            Some(zone) if zone.code == code => format!("{} ({code})", self.zone_name(zones, zone)),
            _ => code.to_owned(),
        }
    }

    /// A province as a whole, beside its districts: `부산광역시 전체 (KR-26)`.
    pub fn whole_zone(self, zone: &surge_domain::Zone) -> String {
        self.pick(format!("All of {} ({})", zone.name_en, zone.code), format!("{} 전체 ({})", zone.name_ko, zone.code))
    }

    /// A listed zone's name with its province's, without its code: `부산광역시 해운대구`, `Haeundae-gu, Busan`.
    pub fn zone_name(self, zones: &surge_domain::ZoneList, zone: &surge_domain::Zone) -> String {
        match zones.parent(zone) {
            Some(p) => self.pick(format!("{}, {}", zone.name_en, p.name_en), format!("{} {}", p.name_ko, zone.name_ko)),
            None => self.pick(&zone.name_en, &zone.name_ko).to_owned(),
        }
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

    /// An organisation status, by its code.
    pub fn status(self, code: &str) -> &'static str {
        let (en, ko) = match code {
            "contact_unconfirmed" => {
                ("Waiting for the contact mobile number to be confirmed", "담당자 휴대전화 번호 확인 대기")
            }
            "in_review" => ("In review", "심사 중"),
            "approved" => ("Approved", "승인"),
            "rejected" => ("Rejected", "반려"),
            "info_requested" => ("More information needed", "추가 정보 필요"),
            "suspended" => ("Suspended", "정지"),
            _ => ("Unknown", "알 수 없음"),
        };
        self.pick(en, ko)
    }

    /// A message state, by its code.
    pub fn message_state(self, code: &str) -> &'static str {
        let (en, ko) = match code {
            "created" => ("Waiting", "대기"),
            "sending" => ("Sending", "보내는 중"),
            "sent" => ("Sent", "보냄"),
            "delivered" => ("Delivered", "전달됨"),
            "temporary-failure" => ("Phone not reachable", "수신 불가"),
            "permanent-failure" => ("Not deliverable", "전달 불가"),
            "technical-failure" => ("Technical failure", "기술적 오류"),
            _ => ("Unknown", "알 수 없음"),
        };
        self.pick(en, ko)
    }

    /// A screening rule, by its code.
    /// A screening finding's detail, recorded in English by the domain, in the page's language; one the page does not
    /// know is shown as recorded.
    pub fn finding_detail(self, detail: &str) -> String {
        if self == Lang::En {
            return detail.to_owned();
        }
        let fill = surge_domain::korean::fill;
        if let Some(category) = detail.strip_prefix("category ") {
            return format!("분류 {}", self.category(category));
        }
        if let Some(name) = detail.strip_prefix("registry number already used by ") {
            return fill("{name}이(가) 이미 쓰는 등록번호입니다", &[("name", name)]);
        }
        if let Some(rest) = detail.strip_prefix("name is ") {
            // `name is 93% like "Busan Foods" in KR-26`
            if let Some((percent, rest)) = rest.split_once(" like ") {
                if let Some((name, zone)) = rest.rsplit_once(" in ") {
                    return fill(
                        "{zone}의 {name}과(와) 이름이 {percent} 비슷합니다",
                        &[("zone", zone), ("name", name), ("percent", percent)],
                    );
                }
            }
        }
        match detail {
            "format and check digit are valid" => "형식과 검증 숫자가 올바릅니다".to_owned(),
            "no other organisation has this number" => "같은 번호를 쓰는 다른 기관이 없습니다".to_owned(),
            "no similar name in this zone" => "이 구역에 비슷한 이름이 없습니다".to_owned(),
            other => other.to_owned(),
        }
    }

    pub fn rule(self, code: &str) -> String {
        let (en, ko) = match code {
            "category_allowed" => ("Essential category allowed", "허용된 필수 업무 분류"),
            "registry_number_valid" => ("Registration number valid", "사업자등록번호 유효"),
            "registry_number_unique" => ("Registration number not used before", "사업자등록번호 중복 없음"),
            "name_unique_in_zone" => ("No similar name in the zone", "같은 구역에 비슷한 이름 없음"),
            other => return other.to_owned(),
        };
        self.pick(en, ko).to_owned()
    }
}

#[cfg(test)]
mod tests;
