//! Text messages people send to the service: `STOP` (or 중지, 수신거부) opts the sender out of notifications,
//! `START` opts them back in, `VERIFY <control code>` asks whether a pass is valid, `RESULT <sample number>
//! <date of birth>` registers the sender's phone for a lab result. Anything else gets help.

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InboundCommand {
    Stop,
    Start,
    /// The control code as typed; the caller checks it.
    Verify(String),
    /// The sample number and date of birth as typed (`YYYY-MM-DD` or `YYYYMMDD`); the caller checks them.
    Result {
        specimen: String,
        birth_date: String,
    },
    Unknown,
}

pub fn parse_command(text: &str) -> InboundCommand {
    let mut words = text.split_whitespace();
    let first = words.next().unwrap_or("").trim_matches(|c: char| !c.is_alphanumeric()).to_uppercase();
    match first.as_str() {
        "STOP" | "STOPALL" | "UNSUBSCRIBE" | "중지" | "수신거부" => InboundCommand::Stop,
        "START" | "시작" => InboundCommand::Start,
        "VERIFY" | "확인" => {
            let code: String = words.collect::<String>().chars().filter(|c| c.is_ascii_alphanumeric()).collect();
            if code.is_empty() { InboundCommand::Unknown } else { InboundCommand::Verify(code.to_uppercase()) }
        }
        "RESULT" | "결과" => match (words.next(), words.next(), words.next()) {
            (Some(specimen), Some(birth), None) => {
                let birth = if birth.len() == 8 && birth.chars().all(|c| c.is_ascii_digit()) {
                    format!("{}-{}-{}", &birth[..4], &birth[4..6], &birth[6..])
                } else {
                    birth.to_owned()
                };
                InboundCommand::Result { specimen: specimen.to_owned(), birth_date: birth }
            }
            _ => InboundCommand::Unknown,
        },
        _ => InboundCommand::Unknown,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_are_read_whatever_the_case_spacing_and_language() {
        for (text, expected) in [
            ("STOP", InboundCommand::Stop),
            ("  stop. ", InboundCommand::Stop),
            ("수신거부", InboundCommand::Stop),
            ("Start", InboundCommand::Start),
            ("verify abcde-fghjk", InboundCommand::Verify("ABCDEFGHJK".into())),
            ("VERIFY", InboundCommand::Unknown),
            ("hello", InboundCommand::Unknown),
            ("", InboundCommand::Unknown),
            ("stopping by later", InboundCommand::Unknown),
            (
                "result S-77 1990-01-02",
                InboundCommand::Result { specimen: "S-77".into(), birth_date: "1990-01-02".into() },
            ),
            (
                "결과 2107662558 19630202",
                InboundCommand::Result { specimen: "2107662558".into(), birth_date: "1963-02-02".into() },
            ),
            ("RESULT S-77", InboundCommand::Unknown),
        ] {
            assert_eq!(parse_command(text), expected, "{text:?}");
        }
    }
}
