//! A small SMSC on 127.0.0.1 for SMPP tests: it answers binds and enquire_links, accepts submit_sm (or refuses it:
//! destinations ending in 0000 are invalid; `throttle(n)` answers the next n with ESME_RTHROTTLED), and sends a
//! delivery receipt for each accepted message. It records what it received, and can drop every connection.

use std::net::SocketAddr;
use std::str::FromStr;
use std::sync::{Arc, Mutex, MutexGuard};

use futures_util::{SinkExt, StreamExt};
use rusmpp::pdus::{BindTransceiverResp, DeliverSm, SubmitSmResp};
use rusmpp::tokio_codec::CommandCodec;
use rusmpp::types::{COctetString, OctetString};
use rusmpp::values::EsmClass;
use rusmpp::{Command, CommandStatus, Pdu};
use tokio::sync::watch;
use tokio_util::codec::Framed;

/// A message as the SMSC received it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Submitted {
    pub destination: String,
    pub data_coding: u8,
    /// The user data header flag (a part of a longer message).
    pub udh: bool,
    pub short_message: Vec<u8>,
    pub message_id: String,
}

#[derive(Debug, Default)]
pub struct SmscState {
    pub binds: u32,
    pub enquire_links: u32,
    pub submitted: Vec<Submitted>,
    pub receipts_acknowledged: u32,
    throttle_next: u32,
    next_id: u32,
}

#[derive(Debug, Clone)]
pub struct Smsc {
    pub addr: SocketAddr,
    state: Arc<Mutex<SmscState>>,
    drop_all: watch::Sender<u32>,
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).trim_end_matches('\0').to_owned()
}

impl Smsc {
    pub async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let smsc = Self { addr: listener.local_addr().unwrap(), state: Arc::default(), drop_all: watch::channel(0).0 };
        let server = smsc.clone();
        tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                let connection = server.clone();
                tokio::spawn(async move { connection.serve(socket).await });
            }
        });
        smsc
    }

    pub fn state(&self) -> MutexGuard<'_, SmscState> {
        self.state.lock().unwrap()
    }

    /// Answers the next `n` submissions with ESME_RTHROTTLED.
    pub fn throttle(&self, n: u32) {
        self.state().throttle_next = n;
    }

    /// Closes every open connection, as an SMSC restart would.
    pub fn drop_connections(&self) {
        self.drop_all.send_modify(|n| *n += 1);
    }

    async fn serve(self, socket: tokio::net::TcpStream) {
        let mut framed = Framed::new(socket, CommandCodec::new());
        let mut dropped = self.drop_all.subscribe();
        loop {
            let command = tokio::select! {
                next = framed.next() => match next {
                    Some(Ok(command)) => command,
                    _ => return,
                },
                _ = dropped.changed() => return,
            };
            let seq = command.sequence_number();
            let reply = |status, pdu: Pdu| Command::new(status, seq, pdu);
            match command.pdu() {
                Some(Pdu::BindTransceiver(_)) => {
                    self.state().binds += 1;
                    let resp = BindTransceiverResp::builder().system_id(COctetString::from_str("sim").unwrap()).build();
                    let _ = framed.send(reply(CommandStatus::EsmeRok, resp.into())).await;
                }
                Some(Pdu::EnquireLink) => {
                    self.state().enquire_links += 1;
                    let _ = framed.send(reply(CommandStatus::EsmeRok, Pdu::EnquireLinkResp)).await;
                }
                Some(Pdu::Unbind) => {
                    let _ = framed.send(reply(CommandStatus::EsmeRok, Pdu::UnbindResp)).await;
                    return;
                }
                Some(Pdu::DeliverSmResp(_)) => self.state().receipts_acknowledged += 1,
                Some(Pdu::SubmitSm(sm)) => {
                    let destination = text(sm.destination_addr.as_ref());
                    let refused = {
                        let mut state = self.state();
                        if state.throttle_next > 0 {
                            state.throttle_next -= 1;
                            Some(CommandStatus::EsmeRthrottled)
                        } else if destination.ends_with("0000") {
                            Some(CommandStatus::EsmeRinvdstadr)
                        } else {
                            None
                        }
                    };
                    if let Some(status) = refused {
                        let resp = SubmitSmResp::builder().message_id(COctetString::empty()).build();
                        let _ = framed.send(reply(status, resp.into())).await;
                        continue;
                    }
                    let message_id = {
                        let mut state = self.state();
                        state.next_id += 1;
                        let message_id = format!("sim-{}", state.next_id);
                        state.submitted.push(Submitted {
                            destination: destination.clone(),
                            data_coding: u8::from(sm.data_coding),
                            udh: u8::from(sm.esm_class) & 0x40 != 0,
                            short_message: sm.short_message().as_ref().to_vec(),
                            message_id: message_id.clone(),
                        });
                        message_id
                    };
                    let resp = SubmitSmResp::builder().message_id(COctetString::from_str(&message_id).unwrap()).build();
                    let _ = framed.send(reply(CommandStatus::EsmeRok, resp.into())).await;
                    let receipt_text = format!(
                        "id:{message_id} sub:001 dlvrd:001 submit date:2603010900 done date:2603010900 stat:DELIVRD err:000 text:"
                    );
                    let receipt = DeliverSm::builder()
                        .source_addr(COctetString::from_str(&destination).unwrap())
                        .destination_addr(COctetString::from_str("1234").unwrap())
                        .esm_class(EsmClass::from(0x04))
                        .short_message(OctetString::from_str(&receipt_text).unwrap())
                        .build();
                    let _ = framed.send(Command::new(CommandStatus::EsmeRok, seq + 100_000, receipt)).await;
                }
                _ => {}
            }
        }
    }
}
