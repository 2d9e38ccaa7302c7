//! Kannel, the open-source SMS gateway operators run in front of their SMSCs: messages go to smsbox's HTTP
//! `sendsms` interface with a `dlr-url` that brings delivery reports back to Surge, signed so nobody else can.

use std::time::Duration;

use surge_domain::notify::{Encoding, SendOutcome, receipt_signature};

use crate::gateway::{OutgoingSms, SendFuture, SmsGateway};

#[derive(Debug, Clone)]
pub struct KannelConfig {
    /// For example `http://127.0.0.1:13013/cgi-bin/sendsms`.
    pub sendsms_url: String,
    pub username: String,
    pub password: String,
    /// The sender shown on phones.
    pub from: String,
    /// Surge's address as Kannel reaches it, for delivery reports: `{base}/api/notify/kannel/receipt`.
    pub public_base_url: String,
    pub receipt_secret: Vec<u8>,
}

#[derive(Debug)]
pub struct KannelGateway {
    config: KannelConfig,
    client: reqwest::Client,
}

impl KannelGateway {
    pub fn new(config: KannelConfig) -> Result<Self, String> {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()
            .map_err(|e| format!("building the HTTP client: {e}"))?;
        Ok(Self { config, client })
    }

    fn receipt_url(&self, id: i64) -> String {
        // Kannel replaces %d with the report type when it calls back.
        format!(
            "{}/api/notify/kannel/receipt?id={id}&sig={}&type=%d",
            self.config.public_base_url.trim_end_matches('/'),
            receipt_signature(&self.config.receipt_secret, id)
        )
    }
}

impl SmsGateway for KannelGateway {
    fn name(&self) -> &str {
        "kannel"
    }

    fn send<'a>(&'a self, sms: OutgoingSms<'a>) -> SendFuture<'a> {
        Box::pin(async move {
            // Kannel converts from UTF-8; coding 2 asks for UCS-2 on the air, 0 for GSM-7.
            let coding = match sms.encoding {
                Encoding::Gsm7 => "0",
                Encoding::Ucs2 => "2",
            };
            let receipt_url = self.receipt_url(sms.id);
            let query = [
                ("username", self.config.username.as_str()),
                ("password", self.config.password.as_str()),
                ("from", self.config.from.as_str()),
                ("to", sms.to),
                ("text", sms.body),
                ("charset", "UTF-8"),
                ("coding", coding),
                ("dlr-mask", "31"),
                ("dlr-url", receipt_url.as_str()),
            ];
            let response = match self.client.get(&self.config.sendsms_url).query(&query).send().await {
                Ok(response) => response,
                Err(e) => return SendOutcome::Temporary(format!("kannel unreachable: {e}")),
            };
            let status = response.status();
            let text = response.text().await.unwrap_or_default();
            let text = text.trim().chars().take(200).collect::<String>();
            // 202 "0: Accepted for delivery", or "3: Queued for later delivery" while no SMSC is connected.
            if status.is_success() {
                SendOutcome::Accepted { gateway_message_id: None }
            } else if status.as_u16() == 400 && !text.contains("Authorization") {
                SendOutcome::Permanent(format!("kannel refused the message: {status} {text}"))
            } else {
                SendOutcome::Temporary(format!("kannel answered {status} {text}"))
            }
        })
    }
}
