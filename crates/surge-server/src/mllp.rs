//! The MLLP listener labs connect to (`surge serve --mllp ADDR`): each framed message (or FHS/BHS batch) is taken by
//! `surge_app::results` and answered with its ACK, framed, on the same connection, in order. Only listed addresses
//! may connect, at most so many at once; a message too large, or begun and not ended in time, is answered with a
//! rejection (`AR`) rather than silence, so the lab stops sending it again; an idle connection is closed. With
//! `results.mllp_tls_*` set, the listener speaks TLS only and every lab must show a client certificate from the
//! authority's lab CA; the certificate's common name is the one sending facility (MSH-4) the connection may send for.

use std::net::IpAddr;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use surge_app::Store;
use surge_app::results::{ResultsConfig, receive_batch};
use surge_results::mllp::{Decoder, FrameError, frame};
use surge_results::oru::MAX_MESSAGE_BYTES;
use surge_results::{AckCode, ErrorCode};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::rustls::server::WebPkiClientVerifier;
use tokio_rustls::rustls::{RootCertStore, ServerConfig, crypto};
use x509_cert::der::Decode;

/// A connection idle this long between messages is closed; labs reconnect.
const IDLE: Duration = Duration::from_secs(300);

/// Who may connect, and how long a connection may hold a message half-sent.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Networks labs may connect from, as (address, prefix length); empty: this machine only.
    pub allow: Vec<(IpAddr, u8)>,
    /// Connections at once; more are closed at once.
    pub max_connections: usize,
    /// A message begun must end within this; otherwise it is answered `AR` and the connection closed.
    pub frame_timeout: Duration,
}

/// Reads `results.mllp_allow`: addresses or CIDR blocks, comma-separated (`10.20.0.0/16, 192.0.2.7, ::1`).
pub fn parse_allow(text: &str) -> Result<Vec<(IpAddr, u8)>, String> {
    text.split(',')
        .map(str::trim)
        .filter(|item| !item.is_empty())
        .map(|item| {
            let (address, prefix) = item.split_once('/').map_or((item, None), |(a, p)| (a, Some(p)));
            let address: IpAddr =
                address.trim().parse().map_err(|_| format!("{item:?} is not an IP address or CIDR block"))?;
            let most = if address.is_ipv4() { 32 } else { 128 };
            let prefix = match prefix {
                None => most,
                Some(p) => p
                    .trim()
                    .parse::<u8>()
                    .ok()
                    .filter(|p| *p <= most)
                    .ok_or_else(|| format!("{item:?}: the prefix length must be 0 to {most}"))?,
            };
            Ok((address, prefix))
        })
        .collect()
}

/// Whether `peer` is in the allowed networks (loopback when none are listed).
fn allowed(allow: &[(IpAddr, u8)], peer: IpAddr) -> bool {
    let peer = peer.to_canonical();
    if allow.is_empty() {
        return peer.is_loopback();
    }
    allow.iter().any(|(network, prefix)| match (network.to_canonical(), peer) {
        (IpAddr::V4(n), IpAddr::V4(p)) => same_prefix(&n.octets(), &p.octets(), *prefix),
        (IpAddr::V6(n), IpAddr::V6(p)) => same_prefix(&n.octets(), &p.octets(), *prefix),
        _ => false,
    })
}

fn same_prefix(a: &[u8], b: &[u8], prefix: u8) -> bool {
    let bits = usize::from(prefix);
    let whole = bits / 8;
    if a[..whole] != b[..whole] {
        return false;
    }
    let rest = bits % 8;
    rest == 0 || {
        let mask = 0xffu8 << (8 - rest);
        (a[whole] & mask) == (b[whole] & mask)
    }
}

/// The TLS side of the listener from `results.mllp_tls_cert`, `_key` and `_client_ca` (PEM files): Surge's
/// certificate chain and key, and the authority that signs labs' client certificates. A lab without a certificate
/// from that authority cannot connect. Errors name the setting and the file.
pub fn tls_acceptor(cert: &Path, key: &Path, client_ca: &Path) -> Result<TlsAcceptor, String> {
    let named = |setting: &str, path: &Path, what: String| format!("results.{setting} ({}): {what}", path.display());
    let chain = CertificateDer::pem_file_iter(cert)
        .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
        .map_err(|e| named("mllp_tls_cert", cert, e.to_string()))?;
    if chain.is_empty() {
        return Err(named("mllp_tls_cert", cert, "holds no PEM certificate".into()));
    }
    let key_der = PrivateKeyDer::from_pem_file(key).map_err(|e| named("mllp_tls_key", key, e.to_string()))?;
    let mut roots = RootCertStore::empty();
    let authorities = CertificateDer::pem_file_iter(client_ca)
        .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
        .map_err(|e| named("mllp_tls_client_ca", client_ca, e.to_string()))?;
    for authority in authorities {
        roots.add(authority).map_err(|e| named("mllp_tls_client_ca", client_ca, e.to_string()))?;
    }
    if roots.is_empty() {
        return Err(named("mllp_tls_client_ca", client_ca, "holds no PEM certificate".into()));
    }
    // Named explicitly: the lake's object store builds rustls with a second provider, so no default is chosen.
    let provider = Arc::new(crypto::ring::default_provider());
    let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider.clone())
        .build()
        .map_err(|e| named("mllp_tls_client_ca", client_ca, e.to_string()))?;
    let config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_client_cert_verifier(verifier)
        .with_single_cert(chain, key_der)
        .map_err(|e| named("mllp_tls_key", key, format!("does not fit the certificate: {e}")))?;
    Ok(TlsAcceptor::from(Arc::new(config)))
}

/// The lab a client certificate speaks for: its subject's common name, as the lab writes it in MSH-4.
pub fn certificate_lab(der: &[u8]) -> Option<String> {
    const COMMON_NAME: x509_cert::der::asn1::ObjectIdentifier =
        x509_cert::der::asn1::ObjectIdentifier::new_unwrap("2.5.4.3");
    let certificate = x509_cert::Certificate::from_der(der).ok()?;
    let name =
        certificate.tbs_certificate.subject.0.iter().flat_map(|rdn| rdn.0.iter()).find(|a| a.oid == COMMON_NAME)?;
    let text = std::str::from_utf8(name.value.value()).ok()?.trim();
    (!text.is_empty() && !text.chars().any(char::is_control)).then(|| text.to_owned())
}

/// Accepts connections until the task is aborted; over TLS when `tls` is given.
pub async fn listen<S: Store + Clone + 'static>(
    listener: TcpListener,
    store: S,
    config: Arc<ResultsConfig>,
    limits: Limits,
    tls: Option<TlsAcceptor>,
) {
    let counter = Arc::new(AtomicU64::new(0));
    let slots = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let limits = Arc::new(limits);
    loop {
        match listener.accept().await {
            Ok((stream, peer)) => {
                if !allowed(&limits.allow, peer.ip()) {
                    tracing::warn!(%peer, "MLLP connection refused: the address is not in results.mllp_allow");
                    continue;
                }
                let Ok(slot) = slots.clone().try_acquire_owned() else {
                    tracing::warn!(%peer, most = limits.max_connections, "MLLP connection refused: too many at once");
                    continue;
                };
                let (store, config, counter, limits) = (store.clone(), config.clone(), counter.clone(), limits.clone());
                let tls = tls.clone();
                tokio::spawn(async move {
                    let ended = match tls {
                        None => {
                            tracing::info!(%peer, "lab connected");
                            connection(stream, None, &store, &config, &counter, &limits).await
                        }
                        Some(acceptor) => match handshake(&acceptor, stream, peer, limits.frame_timeout).await {
                            Some((stream, lab)) => {
                                tracing::info!(%peer, lab, "lab connected over TLS");
                                connection(stream, Some(&lab), &store, &config, &counter, &limits).await
                            }
                            None => Ok(()),
                        },
                    };
                    if let Err(e) = ended {
                        tracing::warn!(%peer, error = %e, "lab connection ended with an error");
                    }
                    drop(slot);
                });
            }
            Err(e) => {
                tracing::warn!(error = %e, "accepting an MLLP connection failed");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }
}

/// The TLS handshake, within `timeout`, and the lab the client certificate names (its subject CN); `None`, logged,
/// when either fails.
async fn handshake(
    acceptor: &TlsAcceptor,
    stream: tokio::net::TcpStream,
    peer: std::net::SocketAddr,
    timeout: Duration,
) -> Option<(tokio_rustls::server::TlsStream<tokio::net::TcpStream>, String)> {
    let stream = match tokio::time::timeout(timeout, acceptor.accept(stream)).await {
        Ok(Ok(stream)) => stream,
        Ok(Err(e)) => {
            tracing::warn!(%peer, error = %e, "MLLP over TLS refused: the handshake failed");
            return None;
        }
        Err(_) => {
            tracing::warn!(%peer, "MLLP over TLS refused: the handshake did not finish in time");
            return None;
        }
    };
    let lab = stream.get_ref().1.peer_certificates().and_then(|c| c.first()).and_then(|c| certificate_lab(c));
    match lab {
        Some(lab) => Some((stream, lab)),
        None => {
            tracing::warn!(%peer, "MLLP over TLS refused: the certificate names no lab (subject CN)");
            None
        }
    }
}

/// A framed rejection (`AR`) naming the message by what of its header could be read.
fn refusal(head: &[u8], why: &str, counter: &AtomicU64) -> Vec<u8> {
    let now = crate::now();
    // The MSH segment alone: the rest of a cut-off message may not parse.
    let msh = head.split(|b| matches!(b, b'\r' | b'\n')).next().unwrap_or_default();
    let header = surge_results::read_header(&String::from_utf8_lossy(msh)).ok();
    let id = format!("SURGE{}{:06}", now.unix_timestamp(), counter.fetch_add(1, Ordering::Relaxed) % 1_000_000);
    let answer =
        surge_results::ack(header.as_ref(), AckCode::Reject, Some((ErrorCode::ApplicationError, why)), now, &id);
    frame(answer.as_bytes())
}

/// One lab's connection, plain or TLS; `lab` is the sending facility its certificate binds it to.
async fn connection<S: Store, C: AsyncRead + AsyncWrite + Unpin>(
    mut stream: C,
    lab: Option<&str>,
    store: &S,
    config: &ResultsConfig,
    counter: &AtomicU64,
    limits: &Limits,
) -> std::io::Result<()> {
    let mut decoder = Decoder::new(MAX_MESSAGE_BYTES);
    let mut buffer = vec![0u8; 64 * 1024];
    loop {
        let wait = if decoder.in_frame() { limits.frame_timeout } else { IDLE };
        let n = match tokio::time::timeout(wait, stream.read(&mut buffer)).await {
            Ok(read) => read?,
            Err(_) if decoder.in_frame() => {
                let why = format!(
                    "the message did not end (0x1C 0x0D) within {} s; nothing was stored; send it again whole",
                    limits.frame_timeout.as_secs()
                );
                stream.write_all(&refusal(decoder.pending_head(), &why, counter)).await?;
                stream.flush().await?;
                return Ok(());
            }
            Err(_) => return Ok(()),
        };
        if n == 0 {
            return Ok(());
        }
        for item in decoder.push(&buffer[..n]) {
            let bytes = match item {
                Ok(bytes) => bytes,
                Err(FrameError::TooLarge { max, head }) => {
                    tracing::warn!(max, "MLLP message too large; answered AR");
                    let why = format!("the message is larger than {max} bytes; nothing was stored");
                    stream.write_all(&refusal(&head, &why, counter)).await?;
                    stream.flush().await?;
                    continue;
                }
                Err(e) => {
                    tracing::warn!(error = %e, "MLLP framing");
                    continue;
                }
            };
            // HL7 v2 feeds are ASCII or UTF-8 (MSH-18); anything else is read lossily and still acknowledged.
            let text = String::from_utf8_lossy(&bytes);
            let now = crate::now();
            let mut ack_id =
                || format!("SURGE{}{:06}", now.unix_timestamp(), counter.fetch_add(1, Ordering::Relaxed) % 1_000_000);
            match receive_batch(store, config, &text, lab, now, &mut ack_id).await {
                Ok(answers) => {
                    for answer in answers {
                        stream.write_all(&frame(answer.ack.as_bytes())).await?;
                    }
                }
                Err(e) => {
                    // Nothing was stored: answer AE so the lab sends it again.
                    tracing::error!(error = ?e, "taking a lab message failed");
                    let header = surge_results::read_header(&text).ok();
                    let answer = surge_results::ack(
                        header.as_ref(),
                        AckCode::Error,
                        Some((ErrorCode::ApplicationError, "temporary failure; send again")),
                        now,
                        &ack_id(),
                    );
                    stream.write_all(&frame(answer.as_bytes())).await?;
                }
            }
            stream.flush().await?;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_listed_networks_may_connect_and_loopback_when_none_are() {
        let ip = |text: &str| text.parse::<IpAddr>().unwrap();
        assert!(allowed(&[], ip("127.0.0.1")) && allowed(&[], ip("::1")));
        assert!(!allowed(&[], ip("10.1.2.3")));
        let list = parse_allow("10.20.0.0/16, 192.0.2.7, 2001:db8::/32").unwrap();
        assert!(allowed(&list, ip("10.20.255.1")));
        assert!(!allowed(&list, ip("10.21.0.1")));
        assert!(allowed(&list, ip("192.0.2.7")) && !allowed(&list, ip("192.0.2.8")));
        assert!(allowed(&list, ip("::ffff:10.20.0.9")), "an IPv4 peer on an IPv6 socket");
        assert!(allowed(&list, ip("2001:db8:1::5")) && !allowed(&list, ip("2001:db9::5")));
        assert!(!allowed(&list, ip("127.0.0.1")), "a list replaces the loopback default");
        assert!(allowed(&parse_allow("10.0.0.0/9").unwrap(), ip("10.127.0.1")));
        assert!(!allowed(&parse_allow("10.0.0.0/9").unwrap(), ip("10.128.0.1")));
    }

    #[test]
    fn a_bad_allow_list_is_named() {
        assert_eq!(
            parse_allow("lab.example.org").unwrap_err(),
            "\"lab.example.org\" is not an IP address or CIDR block"
        );
        assert!(parse_allow("10.0.0.0/33").unwrap_err().contains("0 to 32"));
        assert_eq!(parse_allow(" , ").unwrap(), []);
    }

    fn fixture(name: &str) -> std::path::PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/tls").join(name)
    }

    #[test]
    fn a_client_certificate_speaks_for_the_lab_its_common_name_names() {
        let der = CertificateDer::from_pem_file(fixture("lab-flh.pem")).unwrap();
        assert_eq!(certificate_lab(&der).as_deref(), Some("FLH"));
        // The CA's subject has a CN too; a certificate without one, or no certificate at all, names no lab.
        assert_eq!(certificate_lab(b"not a certificate"), None);
    }

    #[test]
    fn tls_settings_that_do_not_fit_are_named_with_their_file() {
        assert!(tls_acceptor(&fixture("server.pem"), &fixture("server.key"), &fixture("ca.pem")).is_ok());
        let e = tls_acceptor(&fixture("missing.pem"), &fixture("server.key"), &fixture("ca.pem")).err().unwrap();
        assert!(e.starts_with("results.mllp_tls_cert (") && e.contains("missing.pem"), "{e}");
        let e = tls_acceptor(&fixture("server.pem"), &fixture("lab-flh.key"), &fixture("ca.pem")).err().unwrap();
        assert!(e.starts_with("results.mllp_tls_key") && e.contains("does not fit"), "{e}");
        let e = tls_acceptor(&fixture("server.pem"), &fixture("server.key"), &fixture("README.md")).err().unwrap();
        assert!(e.starts_with("results.mllp_tls_client_ca") && e.contains("no PEM certificate"), "{e}");
    }
}
