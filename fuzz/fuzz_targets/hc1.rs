//! Fuzzes the HC1 (EU DCC) verifier the same way: arbitrary text, and arbitrary bytes behind `HC1:` and base45.
//! No input may panic, and with no trusted signer none may verify.
#![no_main]

use libfuzzer_sys::fuzz_target;
use surge_pass::dcc::{self, DccTrustList};
use time::OffsetDateTime;

fuzz_target!(|data: &[u8]| {
    let now = OffsetDateTime::UNIX_EPOCH + time::Duration::days(20_000);
    let trust = DccTrustList::default();
    if let Ok(text) = std::str::from_utf8(data) {
        assert!(!dcc::verify_hc1(text, &trust, now).is_valid());
    }
    let wrapped = format!("HC1:{}", base45::encode(data));
    assert!(!dcc::verify_hc1(&wrapped, &trust, now).is_valid());
    if let Ok(cose) = dcc::parse_cose(data) {
        if let Some(payload) = cose.payload.as_deref() {
            let _ = dcc::decode_cwt(payload);
        }
    }
    let _ = dcc::decompress(data);
});
