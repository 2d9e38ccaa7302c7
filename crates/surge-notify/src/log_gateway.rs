//! The default gateway: each message is appended to a file as one JSON line, which is how `surge serve` runs with
//! no SMS provider, and how tests and benchmarks read what was sent. The file is readable by its owner only: it
//! holds phone numbers and codes.

use std::io::Write;
use std::path::Path;
use std::sync::Mutex;

use surge_domain::notify::SendOutcome;

use crate::gateway::{OutgoingSms, SendFuture, SmsGateway};

#[derive(Debug)]
pub struct LogGateway {
    file: Mutex<std::fs::File>,
}

impl LogGateway {
    pub fn open(path: &Path) -> std::io::Result<Self> {
        let mut options = std::fs::OpenOptions::new();
        options.create(true).append(true);
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        Ok(Self { file: Mutex::new(options.open(path)?) })
    }
}

impl SmsGateway for LogGateway {
    fn name(&self) -> &str {
        "log"
    }

    fn send<'a>(&'a self, sms: OutgoingSms<'a>) -> SendFuture<'a> {
        let line = serde_json::json!({
            "id": sms.id, "to": sms.to, "encoding": sms.encoding.as_str(), "body": sms.body,
        });
        let outcome = {
            let mut file = self.file.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            // One write call per line: lines from concurrent senders never interleave in an append-only file.
            match file.write_all(format!("{line}\n").as_bytes()) {
                Ok(()) => SendOutcome::Accepted { gateway_message_id: None },
                Err(e) => SendOutcome::Temporary(format!("writing the SMS log: {e}")),
            }
        };
        Box::pin(std::future::ready(outcome))
    }
}
