//! SMPP 3.4 straight to an aggregator's SMSC, with `rusmppc`: one transceiver bind kept open (enquire_link keeps it
//! alive; a dropped bind is re-made on the next send), at most `window` submissions awaiting their responses,
//! GSM-7 or UCS-2 text cut into concatenated parts, and registered delivery. Delivery receipts arrive as
//! `deliver_sm` on the same bind; they are acknowledged and passed on by the SMSC's message id. A message's state
//! follows the receipt for its first part.

use std::str::FromStr;
use std::sync::atomic::{AtomicU8, Ordering};
use std::time::Duration;

use futures_util::StreamExt;
use rusmpp::extra::concatenation::SubmitSmMultipartExt;
use rusmpp::pdus::{BindTransceiver, DeliverSmResp, SubmitSm};
use rusmpp::types::COctetString;
use rusmpp::values::{InterfaceVersion, Npi, RegisteredDelivery, Ton};
use rusmpp::{CommandStatus, Pdu};
use rusmppc::{Client, ConnectionBuilder, Event};
use surge_domain::notify::{Encoding, Receipt, SendOutcome, smpp_receipt};
use tokio::sync::{Mutex, Semaphore, mpsc};

use crate::gateway::{OutgoingSms, SendFuture, SmsGateway};

#[derive(Debug, Clone)]
pub struct SmppConfig {
    /// `host:port` of the SMSC.
    pub address: String,
    pub system_id: String,
    pub password: String,
    pub system_type: String,
    /// The sender address shown on phones.
    pub source_addr: String,
    /// Submissions awaiting a response at once (the SMSC's window).
    pub window: usize,
    pub enquire_link_interval: Duration,
    pub response_timeout: Duration,
}

/// A receipt for the message the SMSC knows by this id.
pub type SmppReceipt = (String, Receipt);

#[derive(Debug)]
pub struct SmppGateway {
    config: SmppConfig,
    client: Mutex<Option<Client>>,
    window: Semaphore,
    receipts: mpsc::UnboundedSender<SmppReceipt>,
    reference: AtomicU8,
}

fn c_string<const MIN: usize, const MAX: usize>(text: &str) -> Result<COctetString<MIN, MAX>, String> {
    COctetString::from_str(text).map_err(|e| format!("{text:?} does not fit an SMPP field: {e:?}"))
}

/// How an SMSC's refusal should be treated.
fn outcome_of_status(status: CommandStatus) -> SendOutcome {
    let permanent = matches!(
        status,
        CommandStatus::EsmeRinvdstadr
            | CommandStatus::EsmeRinvdstton
            | CommandStatus::EsmeRinvdstnpi
            | CommandStatus::EsmeRinvsrcadr
            | CommandStatus::EsmeRinvmsglen
            | CommandStatus::EsmeRinvesmclass
    );
    if permanent {
        SendOutcome::Permanent(format!("the SMSC refused the message: {status:?}"))
    } else {
        // Throttling, a full queue, a system error or anything unknown: try again later.
        SendOutcome::Temporary(format!("the SMSC answered {status:?}"))
    }
}

impl SmppGateway {
    /// The gateway, and the receipts it will receive (for the caller to record).
    pub fn new(config: SmppConfig) -> (Self, mpsc::UnboundedReceiver<SmppReceipt>) {
        let (receipts, incoming) = mpsc::unbounded_channel();
        let window = Semaphore::new(config.window.max(1));
        (Self { config, client: Mutex::new(None), window, receipts, reference: AtomicU8::new(0) }, incoming)
    }

    /// The bound client, binding first if there is none or the last one closed.
    async fn client(&self) -> Result<Client, String> {
        let mut slot = self.client.lock().await;
        if let Some(client) = slot.as_ref().filter(|c| c.is_active()) {
            return Ok(client.clone());
        }
        let (client, mut events) = ConnectionBuilder::new()
            .enquire_link_interval(self.config.enquire_link_interval)
            .enquire_link_response_timeout(self.config.response_timeout)
            .response_timeout(self.config.response_timeout)
            // rusmppc speaks SMPP 5.0 and checks for it; SMPP 3.4 PDUs are the same for what Surge uses.
            .disable_interface_version_check()
            .connect(format!("smpp://{}", self.config.address))
            .await
            .map_err(|e| format!("connecting to the SMSC: {e}"))?;
        client
            .bind_transceiver(
                BindTransceiver::builder()
                    .system_id(c_string(&self.config.system_id)?)
                    .password(c_string(&self.config.password)?)
                    .system_type(c_string(&self.config.system_type)?)
                    .interface_version(InterfaceVersion::Smpp3_4)
                    .addr_ton(Ton::Unknown)
                    .addr_npi(Npi::Unknown)
                    .address_range(COctetString::empty())
                    .build(),
            )
            .await
            .map_err(|e| format!("binding to the SMSC: {e}"))?;
        tracing::info!(smsc = %self.config.address, "SMPP bound");
        let receipts = self.receipts.clone();
        let acknowledger = client.clone();
        tokio::spawn(async move {
            while let Some(event) = events.next().await {
                match event {
                    Event::Incoming(command) => {
                        if let Some(Pdu::DeliverSm(deliver)) = command.pdu() {
                            let text = String::from_utf8_lossy(deliver.short_message().as_ref()).into_owned();
                            let is_receipt = u8::from(deliver.esm_class) & 0x3C == 0x04;
                            if let (true, Some(receipt)) = (is_receipt, smpp_receipt(&text)) {
                                let _ = receipts.send(receipt);
                            } else {
                                tracing::info!("an SMPP message that is not a receipt was ignored");
                            }
                            let resp = DeliverSmResp::builder().message_id(COctetString::empty()).build();
                            if let Err(e) = acknowledger.deliver_sm_resp(command.sequence_number(), resp).await {
                                tracing::warn!(error = %e, "acknowledging a receipt failed");
                            }
                        }
                    }
                    Event::Error(e) => tracing::warn!(error = %e, "SMPP connection error"),
                }
            }
            tracing::info!("SMPP connection closed");
        });
        *slot = Some(client.clone());
        Ok(client)
    }

    fn parts(&self, sms: &OutgoingSms<'_>) -> Result<Vec<SubmitSm>, String> {
        let base = SubmitSm::builder()
            .source_addr_ton(Ton::Alphanumeric)
            .source_addr(c_string(&self.config.source_addr)?)
            .dest_addr_ton(Ton::International)
            .dest_addr_npi(Npi::Isdn)
            .destination_addr(c_string(sms.to.trim_start_matches('+'))?)
            .registered_delivery(RegisteredDelivery::request_all())
            .build();
        let reference = self.reference.fetch_add(1, Ordering::Relaxed);
        let builder = base.multipart(sms.body).reference_u8(reference);
        match sms.encoding {
            Encoding::Gsm7 => builder.gsm7bit_unpacked().build().map_err(|e| format!("encoding GSM-7: {e:?}")),
            Encoding::Ucs2 => builder.ucs2().build().map_err(|e| format!("encoding UCS-2: {e:?}")),
        }
    }
}

impl SmsGateway for SmppGateway {
    fn name(&self) -> &str {
        "smpp"
    }

    fn send<'a>(&'a self, sms: OutgoingSms<'a>) -> SendFuture<'a> {
        Box::pin(async move {
            let parts = match self.parts(&sms) {
                Ok(parts) => parts,
                Err(reason) => return SendOutcome::Permanent(reason),
            };
            let client = match self.client().await {
                Ok(client) => client,
                Err(reason) => return SendOutcome::Temporary(reason),
            };
            let mut first_id = None;
            for part in parts {
                let Ok(_permit) = self.window.acquire().await else {
                    return SendOutcome::Temporary("the SMPP gateway is shutting down".into());
                };
                match client.submit_sm(part).await {
                    Ok(resp) => {
                        let id = String::from_utf8_lossy(resp.message_id().as_ref()).trim_end_matches('\0').to_owned();
                        first_id.get_or_insert(id);
                    }
                    Err(rusmppc::error::Error::UnexpectedResponse { response }) => {
                        return outcome_of_status(response.status());
                    }
                    Err(e) => {
                        // The bind is unusable; the next send makes a new one.
                        self.client.lock().await.take();
                        return SendOutcome::Temporary(format!("SMPP: {e}"));
                    }
                }
            }
            SendOutcome::Accepted { gateway_message_id: first_id }
        })
    }
}

#[cfg(test)]
mod tests;
