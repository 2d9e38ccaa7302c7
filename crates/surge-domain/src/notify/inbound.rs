//! Text messages people send to the service: `STOP` (or 중지, 수신거부) opts the sender out of notifications,
//! `START` opts them back in, `VERIFY <control code>` asks whether a pass is valid. Anything else gets help.

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InboundCommand {
    Stop,
    Start,
    /// The control code as typed; the caller checks it.
    Verify(String),
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
        ] {
            assert_eq!(parse_command(text), expected, "{text:?}");
        }
    }
}
