//! The MLLP listener labs connect to (`surge serve --mllp ADDR`): each framed message (or FHS/BHS batch) is taken by
//! `surge_app::results` and answered with its ACK, framed, on the same connection, in order.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use surge_app::Store;
use surge_app::results::{ResultsConfig, receive_batch};
use surge_results::mllp::{Decoder, frame};
use surge_results::oru::MAX_MESSAGE_BYTES;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// A connection idle this long is closed; labs reconnect.
const IDLE: Duration = Duration::from_secs(300);

/// Accepts connections until the task is aborted.
pub async fn listen<S: Store + Clone + 'static>(listener: TcpListener, store: S, config: Arc<ResultsConfig>) {
    let counter = Arc::new(AtomicU64::new(0));
    loop {
        match listener.accept().await {
            Ok((stream, peer)) => {
                let (store, config, counter) = (store.clone(), config.clone(), counter.clone());
                tokio::spawn(async move {
                    tracing::info!(%peer, "lab connected");
                    if let Err(e) = connection(stream, &store, &config, &counter).await {
                        tracing::warn!(%peer, error = %e, "lab connection ended with an error");
                    }
                });
            }
            Err(e) => {
                tracing::warn!(error = %e, "accepting an MLLP connection failed");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }
}

async fn connection<S: Store>(
    mut stream: TcpStream,
    store: &S,
    config: &ResultsConfig,
    counter: &AtomicU64,
) -> std::io::Result<()> {
    let mut decoder = Decoder::new(MAX_MESSAGE_BYTES);
    let mut buffer = vec![0u8; 64 * 1024];
    loop {
        let n = match tokio::time::timeout(IDLE, stream.read(&mut buffer)).await {
            Ok(read) => read?,
            Err(_) => return Ok(()),
        };
        if n == 0 {
            return Ok(());
        }
        for item in decoder.push(&buffer[..n]) {
            let bytes = match item {
                Ok(bytes) => bytes,
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
            match receive_batch(store, config, &text, now, &mut ack_id).await {
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
                        surge_results::AckCode::Error,
                        Some((surge_results::ErrorCode::ApplicationError, "temporary failure; send again")),
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
