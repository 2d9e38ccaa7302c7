//! MLLP, the Minimal Lower Layer Protocol HL7 v2 travels in over TCP: each message is framed as
//! `0x0B message 0x1C 0x0D`. The decoder takes bytes as they arrive, in any chunks, and gives whole messages.

#[cfg(test)]
mod tests;

pub const START: u8 = 0x0B;
pub const END: [u8; 2] = [0x1C, 0x0D];

/// Frames one message.
pub fn frame(message: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(message.len() + 3);
    out.push(START);
    out.extend_from_slice(message);
    out.extend_from_slice(&END);
    out
}

/// Why bytes were not a message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    #[error("{0} bytes outside a frame were skipped")]
    OutsideFrame(usize),
    /// With the message's first bytes (`HEAD_BYTES` at most), enough for its header, so that the refusal can name
    /// the message it answers.
    #[error("a message longer than {max} bytes was dropped")]
    TooLarge { max: usize, head: Vec<u8> },
}

/// How much of a dropped message is kept to answer it: the MSH segment.
pub const HEAD_BYTES: usize = 4096;

/// Reassembles framed messages from a byte stream.
#[derive(Debug)]
pub struct Decoder {
    buffer: Vec<u8>,
    in_frame: bool,
    skipped: usize,
    dropping: bool,
    /// The first bytes of a message being dropped.
    head: Vec<u8>,
    max: usize,
}

impl Decoder {
    /// `max`: the longest message accepted; a longer one is dropped whole and reported.
    pub fn new(max: usize) -> Self {
        Self { buffer: Vec::new(), in_frame: false, skipped: 0, dropping: false, head: Vec::new(), max }
    }

    /// Whether a message has started and not yet ended: the sender owes its end.
    pub fn in_frame(&self) -> bool {
        self.in_frame
    }

    /// The first bytes (at most `HEAD_BYTES`) of the message in progress, to answer it by its header if it never
    /// ends.
    pub fn pending_head(&self) -> &[u8] {
        if self.dropping { &self.head } else { &self.buffer[..HEAD_BYTES.min(self.buffer.len())] }
    }

    /// Feeds bytes; returns the messages (or problems) they completed, in order.
    pub fn push(&mut self, bytes: &[u8]) -> Vec<Result<Vec<u8>, FrameError>> {
        let mut out = Vec::new();
        for &byte in bytes {
            if !self.in_frame {
                if byte == START {
                    if self.skipped > 0 {
                        out.push(Err(FrameError::OutsideFrame(std::mem::take(&mut self.skipped))));
                    }
                    self.in_frame = true;
                    self.dropping = false;
                    self.head.clear();
                    self.buffer.clear();
                } else if !matches!(byte, b'\r' | b'\n') {
                    // Line ends between frames are common and harmless; anything else is noise worth a log line.
                    self.skipped += 1;
                }
                continue;
            }
            if byte == END[1] && self.buffer.last() == Some(&END[0]) {
                self.buffer.pop();
                self.in_frame = false;
                if self.dropping {
                    out.push(Err(FrameError::TooLarge { max: self.max, head: std::mem::take(&mut self.head) }));
                } else {
                    out.push(Ok(std::mem::take(&mut self.buffer)));
                }
                self.buffer.clear();
                continue;
            }
            if byte == START {
                // A new frame before the old one ended: the old one was cut off; start again.
                self.skipped += self.buffer.len() + 1;
                out.push(Err(FrameError::OutsideFrame(std::mem::take(&mut self.skipped))));
                self.buffer.clear();
                self.dropping = false;
                continue;
            }
            if self.dropping {
                // Keep only the last byte, to see the end marker.
                self.buffer.clear();
                self.buffer.push(byte);
                continue;
            }
            self.buffer.push(byte);
            if self.buffer.len() > self.max + 1 {
                self.dropping = true;
                self.head = self.buffer[..HEAD_BYTES.min(self.buffer.len())].to_vec();
                self.buffer.clear();
                self.buffer.push(byte);
            }
        }
        out
    }
}
