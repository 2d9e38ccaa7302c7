//! Surge through a real Kannel: bearerbox and smsbox from Debian's `kannel` package with the `fakesmsc` test SMSC
//! (from `kannel-extras`), all on 127.0.0.1 with ports of their own. A message sent through `surge serve` reaches
//! fakesmsc, and Kannel's delivery report comes back to Surge's signed receipt URL and marks it `delivered`.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::serve::start_env;

const BEARERBOX: &str = "/usr/sbin/bearerbox";
const SMSBOX: &str = "/usr/sbin/smsbox";
const FAKESMSC: &str = "/usr/lib/kannel/test/fakesmsc";

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn wait_for_port(port: u16, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "{what} did not open port {port}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The three Kannel processes, stopped when dropped.
struct Kannel {
    children: Vec<Child>,
    sendsms_port: u16,
    fakesmsc_output: PathBuf,
}

impl Drop for Kannel {
    fn drop(&mut self) {
        for child in self.children.iter_mut().rev() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Kannel {
    fn start(dir: &Path) -> Self {
        for program in [BEARERBOX, SMSBOX, FAKESMSC] {
            assert!(
                Path::new(program).exists(),
                "{program} is missing: cargo xtask test installs kannel and kannel-extras"
            );
        }
        let (admin, smsbox, smsc, sendsms) = (free_port(), free_port(), free_port(), free_port());
        let config = format!(
            "group = core\nadmin-port = {admin}\nadmin-password = bar\nsmsbox-port = {smsbox}\nlog-level = 1\n\
             log-file = \"{dir}/bearerbox.log\"\nbox-allow-ip = 127.0.0.1\ndlr-storage = internal\n\n\
             group = smsc\nsmsc = fake\nsmsc-id = fake1\nport = {smsc}\nhost = 127.0.0.1\nconnect-allow-ip = 127.0.0.1\n\n\
             group = smsbox\nbearerbox-host = 127.0.0.1\nbearerbox-port = {smsbox}\nsendsms-port = {sendsms}\n\
             log-file = \"{dir}/smsbox.log\"\nlog-level = 1\n\n\
             group = sendsms-user\nusername = surge\npassword = secret\n\n\
             group = sms-service\nkeyword = default\ntext = \"\"\nmax-messages = 0\n",
            dir = dir.display()
        );
        let config_path = dir.join("kannel.conf");
        std::fs::write(&config_path, config).unwrap();
        let mut kannel =
            Self { children: Vec::new(), sendsms_port: sendsms, fakesmsc_output: dir.join("fakesmsc.out") };
        let quiet = || Stdio::null();
        kannel.children.push(
            Command::new(BEARERBOX).arg(&config_path).current_dir(dir).stdout(quiet()).stderr(quiet()).spawn().unwrap(),
        );
        wait_for_port(smsbox, "bearerbox");
        kannel.children.push(
            Command::new(SMSBOX).arg(&config_path).current_dir(dir).stdout(quiet()).stderr(quiet()).spawn().unwrap(),
        );
        wait_for_port(sendsms, "smsbox");
        // fakesmsc logs what it receives on standard error.
        let output = std::fs::File::create(&kannel.fakesmsc_output).unwrap();
        kannel.children.push(
            Command::new(FAKESMSC)
                .args(["-H", "127.0.0.1", "-r", &smsc.to_string(), "-i", "100000", "-m", "0", "100 200 text hello"])
                .current_dir(dir)
                .stdout(quiet())
                .stderr(output)
                .spawn()
                .unwrap(),
        );
        kannel
    }

    fn received(&self) -> String {
        std::fs::read_to_string(&self.fakesmsc_output).unwrap_or_default()
    }
}

fn request(addr: &str, method: &str, path: &str, headers: &[(&str, &str)], body: &str) -> (u16, Value) {
    let mut stream = TcpStream::connect(addr).unwrap();
    let extra: String = headers.iter().map(|(k, v)| format!("{k}: {v}\r\n")).collect();
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\n{extra}Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let status = response.split_whitespace().nth(1).unwrap().parse().unwrap();
    let body = response.split_once("\r\n\r\n").map(|(_, b)| b).unwrap_or("");
    (status, serde_json::from_str(body).unwrap_or(Value::Null))
}

#[test]
fn a_message_through_kannel_reaches_the_smsc_and_its_delivery_report_marks_it_delivered() {
    let dir = tempfile::tempdir().unwrap();
    let kannel = Kannel::start(dir.path());
    let port = free_port();
    let listen = format!("127.0.0.1:{port}");
    let sendsms = format!("http://127.0.0.1:{}/cgi-bin/sendsms", kannel.sendsms_port);
    let base = format!("http://{listen}");
    let data = dir.path().join("surge");
    let server = start_env(
        &data,
        &listen,
        &[],
        &[
            ("SURGE_NOTIFY__GATEWAYS", "kannel"),
            ("SURGE_NOTIFY__KANNEL__SENDSMS_URL", &sendsms),
            ("SURGE_NOTIFY__KANNEL__USERNAME", "surge"),
            ("SURGE_NOTIFY__KANNEL__PASSWORD", "secret"),
            ("SURGE_NOTIFY__KANNEL__FROM", "1234"),
            ("SURGE_SERVER__PUBLIC_BASE_URL", &base),
            ("SURGE_NOTIFY__IDLE_POLL_MS", "50"),
        ],
    );
    let key = server.admin_key.clone().unwrap();
    let auth = format!("Bearer {key}");
    let mut ids = Vec::new();
    for (reference, lang, phone) in [("KANNEL-1", "en", "010-2000-0001"), ("KANNEL-2", "ko", "010-2000-0002")] {
        let body = json!({"to": phone, "lang": lang, "values": {"reference": reference}}).to_string();
        let (status, answer) = request(
            &server.addr,
            "POST",
            "/api/messages",
            &[("Authorization", &auth), ("Idempotency-Key", reference)],
            &body,
        );
        assert_eq!(status, 201, "{answer}");
        ids.push(answer["id"].as_i64().unwrap());
    }
    let deadline = Instant::now() + Duration::from_secs(30);
    let states = loop {
        let states = ids
            .iter()
            .map(|id| {
                let (_, message) =
                    request(&server.addr, "GET", &format!("/api/messages/{id}"), &[("Authorization", &auth)], "");
                message
            })
            .collect::<Vec<_>>();
        if states.iter().all(|m| m["state"] == "delivered") {
            break states;
        }
        assert!(Instant::now() < deadline, "not delivered in 30 s: {states:?}\nfakesmsc got: {}", kannel.received());
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(states.iter().all(|m| m["gateway"] == "kannel"), "{states:?}");
    let received = kannel.received();
    assert!(received.contains("Surge test message KANNEL-1"), "fakesmsc got: {received}");
    assert!(received.contains("8210200000") || received.contains("+8210200000"), "to the right number: {received}");
}
