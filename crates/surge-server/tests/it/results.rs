//! Lab results through a running `surge serve --mllp`: each sample message sent over MLLP gets the right ACK, a
//! registered negative is texted once, positives, unknown tests and unregistered patients go to the clinicians'
//! queue with their reason, a correction of a texted negative tops the queue and texts the duty clinician, and a
//! clinician may release a negative from the queue one at a time.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use surge_results::mllp::{Decoder, frame};
use tokio_rustls::rustls;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};

use crate::serve::{http, start_env};

const NEGATIVE: &str = include_str!("../../../surge-results/tests/data/01_reportstream_pcr_94500-6_negative_v2.3.hl7");
const BATCH: &str = include_str!("../../../surge-results/tests/data/03_reportstream_batch_FHS-BHS_v2.5.1.hl7");
const DETECTED: &str =
    include_str!("../../../surge-results/tests/data/04_reportstream_multiplex_94500-6_detected_v2.5.1.hl7");
const GLUCOSE: &str =
    include_str!("../../../surge-results/tests/data/07_python-hl7_hl7-normative_glucose_ORU_R01_v2.4.hl7");

/// Sends one framed message and reads `expect` framed answers.
fn send<S: Read + Write>(stream: &mut S, message: &str, expect: usize) -> Vec<String> {
    stream.write_all(&frame(message.as_bytes())).unwrap();
    let mut decoder = Decoder::new(1 << 20);
    let mut answers = Vec::new();
    let mut buffer = [0u8; 4096];
    while answers.len() < expect {
        let n = stream.read(&mut buffer).unwrap();
        assert!(n > 0, "the server closed the connection");
        for item in decoder.push(&buffer[..n]) {
            answers.push(String::from_utf8(item.unwrap()).unwrap());
        }
    }
    answers
}

fn msa(ack: &str) -> (String, String) {
    let msa = ack.split('\r').find(|s| s.starts_with("MSA|")).unwrap_or_else(|| panic!("no MSA in {ack:?}"));
    let fields: Vec<&str> = msa.split('|').collect();
    (fields[1].to_owned(), fields[2].to_owned())
}

fn texts(dir: &Path, to: &str) -> Vec<String> {
    let log = std::fs::read_to_string(dir.join("sms.log")).unwrap_or_default();
    log.lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|m| m["to"] == to)
        .map(|m| m["body"].as_str().unwrap_or("").to_owned())
        .collect()
}

fn wait_for_text(dir: &Path, to: &str, n: usize) -> Vec<String> {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let found = texts(dir, to);
        if found.len() >= n || Instant::now() > deadline {
            return found;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn samples_over_mllp_are_acknowledged_and_only_the_registered_negative_is_texted() {
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mllp = format!("127.0.0.1:{port}");
    let server = start_env(
        dir.path(),
        "127.0.0.1:0",
        &["--mllp", &mllp],
        &[
            ("SURGE_RESULTS__SMS_LANGUAGE", "en"),
            ("SURGE_NOTIFY__IDLE_POLL_MS", "50"),
            ("SURGE_RESULTS__DUTY_PHONE", "010-9999-0000"),
        ],
    );
    let admin = server.admin_key.clone().unwrap();
    let patient = "+19049995555";
    let (status, body) = http(
        &server.addr,
        "POST",
        "/api/v1/results/registrations",
        None,
        "application/json",
        &json!({"specimen_id": "2107662558", "family": "X7TEST", "given": "DONOTUSE", "birth_date": "1963-02-02", "phone": patient})
            .to_string(),
    );
    assert_eq!(status, 201, "{body}");
    let (status, body) = http(
        &server.addr,
        "POST",
        "/api/v1/results/registrations",
        None,
        "application/json",
        &json!({"specimen_id": "", "family": "", "given": "A", "birth_date": "tomorrow", "phone": "12"}).to_string(),
    );
    assert_eq!(status, 422);
    let fields: Vec<&str> =
        body["error"]["details"].as_array().unwrap().iter().filter_map(|d| d["field"].as_str()).collect();
    assert_eq!(fields, ["specimen_id", "family", "birth_date", "phone"]);
    // Issue 21: a Korean date of birth, `1985.07.14`, was refused with a vague message.
    let register = |sample: &str, birth: &str| {
        let body = json!({"specimen_id": sample, "family": "KIM", "given": "MINJI", "birth_date": birth, "phone": "010-5555-0101"});
        http(&server.addr, "POST", "/api/v1/results/registrations", None, "application/json", &body.to_string())
    };
    let (status, body) = register("KR-99-1", "1985.07.14");
    assert_eq!(status, 201, "{body}");
    let (status, body) = register("KR-99-2", "14.07.1985");
    assert_eq!(status, 422, "{body}");
    assert!(body["error"]["details"][0]["message"].as_str().unwrap().contains("like 1985-07-14"), "{body}");

    let mut lab = TcpStream::connect(&mllp).unwrap();
    lab.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    let ack = send(&mut lab, NEGATIVE, 1);
    assert_eq!(msa(&ack[0]), ("AA".into(), "04903212".into()), "{}", ack[0]);
    let sent = wait_for_text(dir.path(), patient, 1);
    assert_eq!(sent.len(), 1, "the registered negative is texted");
    for element in ["D.X.", "1963-02-02", "2021-03-17", "COVID-19 PCR", "NEGATIVE", "FLH", "1339"] {
        assert!(sent[0].contains(element), "{element} missing: {}", sent[0]);
    }
    // The same message again: the same answer, nothing done twice.
    let ack = send(&mut lab, NEGATIVE, 1);
    assert_eq!(msa(&ack[0]).0, "AA");

    let ack = send(&mut lab, DETECTED, 1);
    assert_eq!(msa(&ack[0]), ("AA".into(), "3ad338c6-125d-4141-9ce1-6040481304ab".into()));
    let acks = send(&mut lab, BATCH, 2);
    let ids: Vec<(String, String)> = acks.iter().map(|a| msa(a)).collect();
    assert_eq!(ids, [("AA".into(), "371784".into()), ("AA".into(), "612092".into())]);
    let ack = send(&mut lab, GLUCOSE, 1);
    assert_eq!(msa(&ack[0]).0, "AA");
    let ack = send(&mut lab, &NEGATIVE.replacen("ORU^R01", "ADT^A01", 1).replacen("04903212", "04903213", 1), 1);
    assert_eq!(msa(&ack[0]).0, "AR", "{}", ack[0]);
    assert!(ack[0].contains("ERR|||200^"), "{}", ack[0]);
    let ack = send(&mut lab, "this is not HL7", 1);
    assert_eq!(msa(&ack[0]).0, "AE", "{}", ack[0]);

    // The lab corrects the texted negative to detected: the most urgent item, and no text.
    let corrected = NEGATIVE.replacen("04903212", "04903299", 1).replacen(
        "||NEGATIVE||NEGATIVE|N|||F|",
        "||POSITIVE||NEGATIVE|A|||C|",
        1,
    );
    assert!(corrected.contains("|||C|"), "the sample changed; update the test");
    let ack = send(&mut lab, &corrected, 1);
    assert_eq!(msa(&ack[0]).0, "AA");
    // The duty clinician is texted at once: the sample and the new result, never the patient's name.
    let alert = wait_for_text(dir.path(), "+821099990000", 1);
    assert_eq!(alert.len(), 1, "the duty clinician's alert");
    assert!(
        alert[0].starts_with("URGENT") && alert[0].contains("2107662558") && alert[0].contains("/results/queue"),
        "{}",
        alert[0]
    );
    assert!(!alert[0].contains("X7TEST") && !alert[0].contains("DONOTUSE"), "{}", alert[0]);

    let (status, queue) = http(&server.addr, "GET", "/api/v1/results/queue", Some(&admin), "application/json", "");
    assert_eq!(status, 200, "{queue}");
    let items = queue["results"].as_array().unwrap();
    let reasons: Vec<&str> = items.iter().map(|r| r["reason"].as_str().unwrap()).collect();
    assert_eq!(reasons[0], "corrected_after_text", "{reasons:?}");
    assert_eq!(reasons[1], "detected", "{reasons:?}");
    for expected in ["unknown_test", "unmatched"] {
        assert!(reasons.contains(&expected), "{expected} missing from {reasons:?}");
    }
    // The multiplex panel's RSV and influenza B results are recorded, not queued as tests not known; the
    // glucose result (a code in neither table) still is.
    let codes: Vec<&str> = items.iter().map(|r| r["test_code"].as_str().unwrap()).collect();
    assert!(!codes.contains(&"85479-4") && !codes.contains(&"85478-6"), "{codes:?}");
    assert!(codes.contains(&"1554-5"), "{codes:?}");
    assert!(!items.iter().any(|r| r["interpretation"] == "not_detected" && r["reason"] == "detected"));
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(texts(dir.path(), patient).len(), 1, "nothing more was texted");

    // A clinician may release a queued negative (an unregistered antigen result has no phone: refused); a
    // positive never.
    let detected = items.iter().find(|r| r["reason"] == "detected").unwrap();
    let path = format!("/api/v1/results/{}/action", detected["id"]);
    let (status, body) = http(&server.addr, "POST", &path, Some(&admin), "application/json", r#"{"action":"release"}"#);
    assert_eq!((status, body["error"]["code"].as_str()), (422, Some("form_invalid")), "{body}");
    let (status, _) =
        http(&server.addr, "POST", &path, Some(&admin), "application/json", r#"{"action":"called_reached"}"#);
    assert_eq!(status, 200);
    let (status, _) =
        http(&server.addr, "POST", &path, Some(&admin), "application/json", r#"{"action":"called_reached"}"#);
    assert_eq!(status, 409, "handled once");
}

#[test]
fn a_fhir_bundle_is_routed_like_hl7_and_taken_once() {
    let dir = tempfile::tempdir().unwrap();
    let server = start_env(dir.path(), "127.0.0.1:0", &[], &[("SURGE_RESULTS__SMS_LANGUAGE", "en")]);
    let admin = server.admin_key.clone().unwrap();
    let patient = "+821032000009";
    let registration =
        json!({"specimen_id": "S-77", "family": "Kim", "given": "Minji", "birth_date": "1990-01-02", "phone": patient});
    let (status, _) = http(
        &server.addr,
        "POST",
        "/api/v1/results/registrations",
        None,
        "application/json",
        &registration.to_string(),
    );
    assert_eq!(status, 201);
    let bundle = |id: &str, status: &str, code: &str, display: &str| {
        json!({"resourceType": "Bundle", "type": "message", "identifier": {"value": id}, "entry": [
            {"resource": {"resourceType": "MessageHeader", "id": "h", "source": {"name": "Busan Lab"}}},
            {"resource": {"resourceType": "Patient", "id": "p", "name": [{"family": "Kim", "given": ["Minji"]}], "birthDate": "1990-01-02"}},
            {"resource": {"resourceType": "Specimen", "id": "s", "identifier": [{"value": "S-77"}],
             "collection": {"collectedDateTime": "2026-03-01T08:00:00+09:00"}}},
            {"resource": {"resourceType": "Observation", "id": "o", "status": status,
             "code": {"coding": [{"system": "http://loinc.org", "code": "94500-6"}]},
             "valueCodeableConcept": {"coding": [{"system": "http://snomed.info/sct", "code": code, "display": display}]}}},
            {"resource": {"resourceType": "DiagnosticReport", "id": "d", "status": status,
             "identifier": [{"type": {"coding": [{"code": "FILL"}]}, "value": "F-1"}],
             "specimen": [{"reference": "Specimen/s"}], "result": [{"reference": "Observation/o"}]}}
        ]})
        .to_string()
    };
    let negative = bundle("B-1", "final", "260415000", "Not detected");
    let (status, outcome) =
        http(&server.addr, "POST", "/api/v1/fhir/Bundle", Some(&admin), "application/fhir+json", &negative);
    assert_eq!(status, 200, "{outcome}");
    assert_eq!(outcome["surge"], json!({"duplicate": false, "texted": 1, "queued": 0}));
    let (_, again) =
        http(&server.addr, "POST", "/api/v1/fhir/Bundle", Some(&admin), "application/fhir+json", &negative);
    assert_eq!(again["surge"]["duplicate"], true);
    let sent = wait_for_text(dir.path(), patient, 1);
    assert_eq!(sent.len(), 1);
    assert!(
        sent[0].contains("NEGATIVE") && sent[0].contains("Busan Lab") && sent[0].contains("2026-03-01"),
        "{}",
        sent[0]
    );
    // The lab amends it to detected: urgent, and nothing texted.
    let amended = bundle("B-2", "amended", "260373001", "Detected");
    let (status, outcome) =
        http(&server.addr, "POST", "/api/v1/fhir/Bundle", Some(&admin), "application/fhir+json", &amended);
    assert_eq!((status, &outcome["surge"]["queued"]), (200, &json!(1)), "{outcome}");
    let (_, queue) = http(&server.addr, "GET", "/api/v1/results/queue", Some(&admin), "application/json", "");
    assert_eq!(queue["results"][0]["reason"], "corrected_after_text");
    let (status, outcome) = http(
        &server.addr,
        "POST",
        "/api/v1/fhir/Bundle",
        Some(&admin),
        "application/fhir+json",
        r#"{"resourceType":"Patient"}"#,
    );
    assert_eq!((status, outcome["resourceType"].as_str()), (422, Some("OperationOutcome")), "{outcome}");
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(texts(dir.path(), patient).len(), 1);
}

#[test]
fn a_results_csv_is_refused_whole_with_every_bad_row_or_routed_row_by_row() {
    let dir = tempfile::tempdir().unwrap();
    let server = start_env(dir.path(), "127.0.0.1:0", &[], &[("SURGE_RESULTS__SMS_LANGUAGE", "en")]);
    let admin = server.admin_key.clone().unwrap();
    let registration = json!({"specimen_id": "S-1", "family": "Kim", "given": "Minji", "birth_date": "1990-01-02", "phone": "010-3200-0010"});
    let (status, _) = http(
        &server.addr,
        "POST",
        "/api/v1/results/registrations",
        None,
        "application/json",
        &registration.to_string(),
    );
    assert_eq!(status, 201);
    let bad = "lab,filler_order,specimen_id,test_code,result,status,family,given,birth_date,collected_at\n\
        Busan Lab,F-1,S-1,94500-6,Not detected,X,Kim,Minji,1990-01-02,2026-03-01\n";
    let (status, body) = http(&server.addr, "POST", "/api/v1/results/csv", Some(&admin), "text/csv", bad);
    assert_eq!(status, 422, "{body}");
    assert_eq!(
        body["error"]["details"][0],
        json!({"line": 2, "column": "status", "reason": "must be F (final), C (corrected) or P (preliminary)"})
    );
    let good = "lab,filler_order,specimen_id,test_code,result,status,family,given,birth_date,collected_at\n\
        Busan Lab,F-1,S-1,94500-6,Not detected,F,Kim,Minji,1990-01-02,2026-03-01\n\
        Busan Lab,F-2,S-2,94500-6,260373001,F,Lee,Jun,1985-05-05,2026-03-01\n";
    let (status, body) = http(&server.addr, "POST", "/api/v1/results/csv", Some(&admin), "text/csv", good);
    assert_eq!((status, body.clone()), (200, json!({"duplicate": false, "texted": 1, "queued": 1})), "{body}");
    let (_, again) = http(&server.addr, "POST", "/api/v1/results/csv", Some(&admin), "text/csv", good);
    assert_eq!(again["duplicate"], true);
    assert_eq!(wait_for_text(dir.path(), "+821032000010", 1).len(), 1);
}

#[test]
fn random_and_mutated_messages_never_break_the_listener_and_never_text_anyone() {
    use rand::rngs::StdRng;
    use rand::{Rng, SeedableRng};

    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mllp = format!("127.0.0.1:{port}");
    let server = start_env(dir.path(), "127.0.0.1:0", &["--mllp", &mllp], &[("SURGE_NOTIFY__IDLE_POLL_MS", "50")]);
    // Everyone in the samples is registered, so a text would go out if the rule ever let one through.
    for (specimen, family, given, birth) in [
        ("3ad338c6-125d-4141-9ce1-6040481304ab", "Diggory", "Cedrick", "2000-12-18"),
        ("0cba76f5-35e0-4a28-803a-2f31308aae9b", "Buckridge", "Kareem", "1958-08-10"),
    ] {
        let body = json!({"specimen_id": specimen, "family": family, "given": given, "birth_date": birth, "phone": "010-3200-0099"});
        let (status, _) =
            http(&server.addr, "POST", "/api/v1/results/registrations", None, "application/json", &body.to_string());
        assert_eq!(status, 201);
    }
    let mut rng = StdRng::seed_from_u64(6);
    let mut lab = TcpStream::connect(&mllp).unwrap();
    lab.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    for round in 0..300 {
        let message: Vec<u8> = if round % 3 == 0 {
            (0..rng.gen_range(0..400)).map(|_| rng.r#gen::<u8>()).filter(|b| *b != 0x0B && *b != 0x1C).collect()
        } else {
            // A positive sample with bytes changed anywhere but its results, which must stay untexted.
            let base = DETECTED.replace('\n', "\r").replacen(
                "3ad338c6-125d-4141-9ce1-6040481304ab|P|",
                &format!("fuzz-{round}|P|"),
                1,
            );
            let protected: Vec<std::ops::Range<usize>> =
                base.match_indices("260373001^Detected^SCT").map(|(at, m)| at..at + m.len()).collect();
            let mut bytes = base.into_bytes();
            for _ in 0..rng.gen_range(1..12) {
                let i = rng.gen_range(0..bytes.len());
                if !protected.iter().any(|r| r.contains(&i)) {
                    bytes[i] = rng.gen_range(0x20u8..0x7f);
                }
            }
            bytes
        };
        let text = String::from_utf8_lossy(&message).into_owned();
        let acks = send(&mut lab, &text, 1);
        assert!(acks[0].contains("\rMSA|A"), "round {round}: {:?}", acks[0]);
    }
    // Still serving: a good message is accepted on the same connection.
    let ack = send(&mut lab, NEGATIVE, 1);
    assert_eq!(msa(&ack[0]).0, "AA");
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(texts(dir.path(), "+821032000099"), Vec::<String>::new(), "no text from any mutated positive");
}

/// Issue 20 #6: an oversized or unterminated frame got no answer (the lab kept resending), and any address could
/// connect and hold memory with partial frames.
#[test]
fn mllp_answers_oversized_and_unended_messages_with_ar_and_takes_only_listed_addresses() {
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mllp = format!("127.0.0.1:{port}");
    let server = start_env(
        dir.path(),
        "127.0.0.1:0",
        &["--mllp", &mllp],
        &[("SURGE_RESULTS__MLLP_FRAME_TIMEOUT_S", "1"), ("SURGE_RESULTS__MLLP_MAX_CONNECTIONS", "2")],
    );
    // Over 1 MiB: refused with AR naming the message (its MSH-10), and the connection keeps serving.
    let mut lab = TcpStream::connect(&mllp).unwrap();
    lab.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    let huge = format!("{}\rNTE|1||{}", NEGATIVE.trim_end().replace('\n', "\r"), "x".repeat(1_100_000));
    let acks = send(&mut lab, &huge, 1);
    assert_eq!(msa(&acks[0]), ("AR".to_owned(), "04903212".to_owned()), "{:?}", &acks[0]);
    assert!(acks[0].contains("larger than"), "{:?}", &acks[0]);
    assert_eq!(msa(&send(&mut lab, NEGATIVE, 1)[0]).0, "AA", "the same connection still serves");

    // Begun and never ended: refused with AR after the frame timeout, then closed.
    let mut partial = TcpStream::connect(&mllp).unwrap();
    partial.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    let begun = &frame(DETECTED.replace('\n', "\r").as_bytes())[..200];
    partial.write_all(begun).unwrap();
    let mut answer = Vec::new();
    partial.read_to_end(&mut answer).unwrap();
    let mut decoder = Decoder::new(1 << 20);
    let acks: Vec<String> = decoder.push(&answer).into_iter().map(|a| String::from_utf8(a.unwrap()).unwrap()).collect();
    assert_eq!(acks.len(), 1, "one answer, then the connection is closed");
    assert_eq!(msa(&acks[0]).0, "AR");
    assert!(acks[0].contains("did not end"), "{:?}", &acks[0]);

    // Two connections are the most: a third is closed at once.
    let _second = TcpStream::connect(&mllp).unwrap();
    std::thread::sleep(Duration::from_millis(200));
    let mut third = TcpStream::connect(&mllp).unwrap();
    third.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut byte = [0u8; 1];
    assert_eq!(third.read(&mut byte).unwrap_or(0), 0, "the third connection was closed");
    drop((lab, server));

    // An allow-list without this machine: the connection is closed before any message is read.
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mllp = format!("127.0.0.1:{port}");
    let _server =
        start_env(dir.path(), "127.0.0.1:0", &["--mllp", &mllp], &[("SURGE_RESULTS__MLLP_ALLOW", "10.20.0.0/16")]);
    let mut outsider = TcpStream::connect(&mllp).unwrap();
    outsider.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let _ = outsider.write_all(&frame(NEGATIVE.as_bytes()));
    assert_eq!(outsider.read(&mut byte).unwrap_or(0), 0, "closed without an answer");
}

/// A TLS client to the MLLP listener trusting the test lab CA, showing `identity` (a certificate and key under
/// `tests/data/tls`) when given.
fn tls_lab(mllp: &str, identity: Option<&str>) -> rustls::StreamOwned<rustls::ClientConnection, TcpStream> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/tls");
    let mut roots = rustls::RootCertStore::empty();
    roots.add(CertificateDer::from_pem_file(dir.join("ca.pem")).unwrap()).unwrap();
    let builder = rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots);
    let config = match identity {
        Some(name) => builder
            .with_client_auth_cert(
                vec![CertificateDer::from_pem_file(dir.join(format!("{name}.pem"))).unwrap()],
                PrivateKeyDer::from_pem_file(dir.join(format!("{name}.key"))).unwrap(),
            )
            .unwrap(),
        None => builder.with_no_client_auth(),
    };
    let connection = rustls::ClientConnection::new(Arc::new(config), "localhost".try_into().unwrap()).unwrap();
    let socket = TcpStream::connect(mllp).unwrap();
    socket.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    rustls::StreamOwned::new(connection, socket)
}

/// Sends one framed message and reads everything until the server closes: what a refused client gets back.
fn send_refused<S: Read + Write>(stream: &mut S, message: &str) -> Vec<u8> {
    let _ = stream.write_all(&frame(message.as_bytes())).and_then(|()| stream.flush());
    let mut answer = Vec::new();
    let mut buffer = [0u8; 4096];
    while let Ok(n) = stream.read(&mut buffer) {
        if n == 0 {
            break;
        }
        answer.extend_from_slice(&buffer[..n]);
    }
    answer
}

/// Issue 20 #6: labs send health data, so MLLP may run over TLS with a client certificate per lab. A client without
/// a certificate, with one from another authority, or speaking plain MLLP to the TLS port stores nothing; a lab's
/// certificate sends only for the lab it names (its common name is MSH-4), so a lab cannot send as another.
#[test]
fn mllp_over_tls_takes_only_labs_with_a_client_certificate_and_each_only_for_its_own_facility() {
    let tls = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/tls");
    let file = |name: &str| tls.join(name).to_string_lossy().into_owned();
    let dir = tempfile::tempdir().unwrap();
    let mllp =
        format!("127.0.0.1:{}", std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port());
    let server = start_env(
        dir.path(),
        "127.0.0.1:0",
        &["--mllp", &mllp],
        &[
            ("SURGE_RESULTS__MLLP_TLS_CERT", &file("server.pem")),
            ("SURGE_RESULTS__MLLP_TLS_KEY", &file("server.key")),
            ("SURGE_RESULTS__MLLP_TLS_CLIENT_CA", &file("ca.pem")),
            ("SURGE_RESULTS__MLLP_FRAME_TIMEOUT_S", "2"),
        ],
    );
    let admin = server.admin_key.clone().unwrap();
    let queue = || {
        let (status, body) = http(&server.addr, "GET", "/api/v1/results/queue", Some(&admin), "application/json", "");
        assert_eq!(status, 200, "{body}");
        body["results"].as_array().unwrap().clone()
    };
    // A positive from FLH, sent by everyone who may not send it: it would top the clinicians' queue if stored.
    let positive = NEGATIVE.replacen("04903212", "04903277", 1).replacen(
        "||NEGATIVE||NEGATIVE|N|||F|",
        "||POSITIVE||NEGATIVE|A|||F|",
        1,
    );
    assert!(positive.contains("|POSITIVE|"), "the sample changed; update the test");

    let mut plain = TcpStream::connect(&mllp).unwrap();
    plain.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    let answer = send_refused(&mut plain, &positive);
    assert!(!answer.contains(&0x0b), "plain MLLP to the TLS port got an MLLP answer: {answer:?}");
    assert!(send_refused(&mut tls_lab(&mllp, None), &positive).is_empty(), "no client certificate");
    assert!(send_refused(&mut tls_lab(&mllp, Some("lab-rogue")), &positive).is_empty(), "another authority's FLH");
    assert_eq!(queue(), Vec::<Value>::new(), "nothing from a refused client was stored");

    // FLH with its certificate: its own messages are taken; one naming another facility is refused and not kept.
    let mut lab = tls_lab(&mllp, Some("lab-flh"));
    assert_eq!(msa(&send(&mut lab, &positive, 1)[0]), ("AA".to_owned(), "04903277".to_owned()));
    let foreign = send(&mut lab, DETECTED, 1);
    assert_eq!(msa(&foreign[0]).0, "AR", "{}", foreign[0]);
    assert!(foreign[0].contains("is not \"FLH\""), "{}", foreign[0]);
    assert_eq!(msa(&send(&mut lab, NEGATIVE, 1)[0]).0, "AA", "the connection still serves after a refusal");
    let items = queue();
    assert!(items.iter().any(|r| r["reason"] == "detected"), "FLH's positive is queued: {items:?}");
    let other = items.iter().filter(|r| r["filler_order"].as_str().unwrap_or("").starts_with("3ad338c6"));
    assert_eq!(other.count(), 0, "the other facility's results were not stored: {items:?}");
    drop(server);

    // Half the TLS settings must not start a listener in plain text.
    let dir = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_surge"))
        .args(["serve", "--listen", "127.0.0.1:0", "--mllp", "127.0.0.1:0", "--data-dir"])
        .arg(dir.path())
        .env("SURGE_RESULTS__MLLP_TLS_CERT", file("server.pem"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("results.mllp_tls_key and results.mllp_tls_client_ca not set"), "{stderr}");
}

#[test]
fn the_results_benchmark_texts_every_registered_negative_and_ends_with_its_figures() {
    let dir = tempfile::tempdir().unwrap();
    let out = crate::surge(dir.path(), &["bench", "results", "--results", "30", "--connections", "4"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    let last: Value = serde_json::from_str(stdout.lines().last().unwrap()).unwrap();
    assert_eq!((last["bench"].as_str(), last["results"].as_u64()), (Some("results"), Some(30)), "{last}");
    for figure in ["results_per_s", "p50_ms", "p99_ms", "raw_parse_per_s"] {
        assert!(last[figure].as_f64().is_some_and(|v| v > 0.0), "{figure} in {last}");
    }
}

/// Sends `messages` on one MLLP connection, one at a time, counting each ACK in `acked`; stops when the server
/// goes away. Returns the ACK codes received.
fn send_all(mllp: &str, messages: &[String], acked: &std::sync::atomic::AtomicUsize) -> Vec<String> {
    let mut codes = Vec::new();
    let Ok(mut stream) = TcpStream::connect(mllp) else { return codes };
    stream.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let mut decoder = Decoder::new(1 << 20);
    let mut buffer = [0u8; 4096];
    for message in messages {
        if stream.write_all(&frame(message.as_bytes())).is_err() {
            return codes;
        }
        let answer = loop {
            let Ok(n) = stream.read(&mut buffer) else { return codes };
            if n == 0 {
                return codes;
            }
            if let Some(Ok(ack)) = decoder.push(&buffer[..n]).into_iter().next() {
                break String::from_utf8(ack).unwrap();
            }
        };
        codes.push(msa(&answer).0);
        acked.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    }
    codes
}

/// Issue 20 #2 and its proof: the server is killed (-9) during a burst of results from two labs that use the same
/// order numbers; after a restart both labs send everything again. Every result is stored exactly once per lab.
#[test]
fn kill_9_during_a_burst_from_two_labs_sharing_order_numbers_stores_every_result_once() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    const PER_LAB: usize = 300;
    let dir = tempfile::tempdir().unwrap();
    let free = || std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let message = |lab: &str, i: usize| {
        NEGATIVE
            .replace('\n', "\r")
            .replace("|FLH|SCM|", &format!("|{lab}|SCM|"))
            .replace("04903212", &format!("{lab}-{i}"))
            .replace("2107662558", &format!("9{i:09}"))
    };
    let labs: Vec<Vec<String>> =
        ["LAB-A", "LAB-B"].iter().map(|lab| (0..PER_LAB).map(|i| message(lab, i)).collect()).collect();

    let mllp = format!("127.0.0.1:{}", free());
    let mut server = start_env(dir.path(), "127.0.0.1:0", &["--mllp", &mllp], &[]);
    let acked = Arc::new(AtomicUsize::new(0));
    let senders: Vec<_> = labs
        .iter()
        .map(|messages| {
            let (mllp, messages, acked) = (mllp.clone(), messages.clone(), acked.clone());
            std::thread::spawn(move || send_all(&mllp, &messages, &acked))
        })
        .collect();
    let deadline = Instant::now() + Duration::from_secs(120);
    while acked.load(Ordering::SeqCst) < PER_LAB / 2 {
        assert!(Instant::now() < deadline, "the burst did not get going");
        std::thread::sleep(Duration::from_millis(5));
    }
    crate::serve::kill_hard(&mut server);
    let before_kill: usize = senders.into_iter().map(|s| s.join().unwrap().len()).sum();
    assert!(before_kill < 2 * PER_LAB, "everything was acknowledged before the kill; send more");

    // Restarted; both labs send every message again, acknowledged or not.
    let mllp = format!("127.0.0.1:{}", free());
    let server = start_env(dir.path(), "127.0.0.1:0", &["--mllp", &mllp], &[]);
    let again = AtomicUsize::new(0);
    for messages in &labs {
        let codes = send_all(&mllp, messages, &again);
        assert_eq!(codes.len(), PER_LAB);
        assert!(codes.iter().all(|c| c == "AA"), "{codes:?}");
    }
    assert!(crate::serve::stop(server).success());

    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let (total, twice, per_lab): (i64, i64, Vec<(String, i64)>) = runtime.block_on(async {
        use sqlx::Connection;
        let db = format!("sqlite://{}", dir.path().join("surge.db").display());
        let mut conn = sqlx::SqliteConnection::connect(&db).await.unwrap();
        let total = sqlx::query_scalar("SELECT COUNT(*) FROM lab_results").fetch_one(&mut conn).await.unwrap();
        let twice = sqlx::query_scalar(
            "SELECT COUNT(*) FROM (SELECT lab, filler_order FROM lab_results GROUP BY lab, filler_order \
             HAVING COUNT(*) > 1)",
        )
        .fetch_one(&mut conn)
        .await
        .unwrap();
        let per_lab = sqlx::query_as("SELECT lab, COUNT(*) FROM lab_results GROUP BY lab ORDER BY lab")
            .fetch_all(&mut conn)
            .await
            .unwrap();
        conn.close().await.unwrap();
        (total, twice, per_lab)
    });
    println!("kill -9 after {before_kill} of {} acknowledged; stored {total}, stored twice {twice}", 2 * PER_LAB);
    assert_eq!(twice, 0, "no result is stored twice");
    assert_eq!(per_lab, [("LAB-A".to_owned(), PER_LAB as i64), ("LAB-B".to_owned(), PER_LAB as i64)]);
    assert_eq!(total, 2 * PER_LAB as i64, "every result of both labs is stored once");
}
