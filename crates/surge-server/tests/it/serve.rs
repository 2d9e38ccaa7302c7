//! `surge serve` as a process: first start makes keys and prints the admin key once, the API answers over TCP,
//! SIGTERM stops it cleanly, and `kill -9` in the middle of a batch loses no pass and issues none twice.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use surge_testkit::fixtures::{employees, employees_csv};

pub struct Server {
    pub child: Child,
    pub addr: String,
    pub admin_key: Option<String>,
}

/// A failing test must not leave a server running.
impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(data_dir: &Path) -> Server {
    start_with(data_dir, &[])
}

fn start_with(data_dir: &Path, extra: &[&str]) -> Server {
    start_env(data_dir, "127.0.0.1:0", extra, &[])
}

/// Starts `surge serve` with extra flags and environment, and waits until it listens.
#[expect(clippy::zombie_processes, reason = "the child is moved into a Server, which waits for it when dropped")]
pub fn start_env(data_dir: &Path, listen: &str, extra: &[&str], env: &[(&str, &str)]) -> Server {
    let mut child = Command::new(env!("CARGO_BIN_EXE_surge"))
        .args(["serve", "--listen", listen, "--data-dir"])
        .arg(data_dir)
        .args(extra)
        .envs(env.iter().copied())
        .env("SURGE_ISSUANCE__BATCH_SIZE", "200")
        // The crash tests register organisations asking for 100,000 passes.
        .env("SURGE_AUTHORITY__MAX_REQUESTED_QUOTA", "1000000")
        .env("SURGE_ISSUANCE__IDLE_POLL_MS", "50")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut admin_key = None;
    loop {
        let line = lines.next().expect("the server exited before listening").unwrap();
        if let Some(key) = line.strip_prefix("admin API key (shown once, keep it safe): ") {
            admin_key = Some(key.to_owned());
        }
        if let Some(addr) = line.strip_prefix("listening on http://") {
            return Server { child, addr: addr.to_owned(), admin_key };
        }
    }
}

/// A minimal HTTP/1.1 client over a TCP socket: enough for these tests without another dependency.
pub fn http(addr: &str, method: &str, path: &str, key: Option<&str>, content_type: &str, body: &str) -> (u16, Value) {
    let mut stream = TcpStream::connect(addr).unwrap();
    let auth = key.map(|k| format!("Authorization: Bearer {k}\r\n")).unwrap_or_default();
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\n{auth}Content-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let status = response.split_whitespace().nth(1).unwrap().parse().unwrap();
    let body = response.split_once("\r\n\r\n").map(|(_, b)| b).unwrap_or("");
    (status, serde_json::from_str(body).unwrap_or(Value::Null))
}

/// A request with any headers and a JSON body.
pub fn http_with(addr: &str, method: &str, path: &str, headers: &[(&str, &str)], body: &str) -> (u16, Value) {
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

fn metric(addr: &str, name: &str) -> u64 {
    let mut stream = TcpStream::connect(addr).unwrap();
    write!(stream, "GET /metrics HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n").unwrap();
    let mut text = String::new();
    stream.read_to_string(&mut text).unwrap();
    text.lines().find_map(|l| l.strip_prefix(&format!("{name} "))).unwrap().trim().parse().unwrap()
}

pub fn stop(mut server: Server) -> std::process::ExitStatus {
    Command::new("kill").args(["-TERM", &server.child.id().to_string()]).status().unwrap();
    server.child.wait().unwrap()
}

pub fn kill_hard(server: &mut Server) {
    server.child.kill().unwrap();
    server.child.wait().unwrap();
}

#[test]
fn first_start_makes_keys_and_an_admin_key_once_and_sigterm_stops_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path());
    let admin = server.admin_key.clone().expect("the first start prints the admin key");
    assert!(dir.path().join("keys/pass/private.pem").is_file());
    assert!(dir.path().join("trust.json").is_file());
    let (status, body) = http(&server.addr, "GET", "/healthz", None, "text/plain", "");
    assert_eq!((status, body["status"].as_str()), (200, Some("ok")));
    let (status, _) = http(&server.addr, "GET", "/api/organisations", Some(&admin), "text/plain", "");
    assert_eq!(status, 200);
    assert!(stop(server).success(), "SIGTERM ends the process with success");
    let again = start(dir.path());
    assert_eq!(again.admin_key, None, "the admin key is shown only once");
    let (status, _) = http(&again.addr, "GET", "/api/organisations", Some(&admin), "text/plain", "");
    assert_eq!(status, 200, "the first key still works after a restart");
    assert!(stop(again).success());
}

#[test]
fn a_lost_pass_key_stops_the_start_and_is_named_instead_of_being_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path());
    // Serving (its signal handlers are in place) before it is stopped.
    assert_eq!(http(&server.addr, "GET", "/healthz", None, "text/plain", "").0, 200);
    assert!(stop(server).success());
    let pass_dir = dir.path().join("keys/pass");
    let before = std::fs::read(pass_dir.join("public.json")).unwrap();
    std::fs::remove_file(pass_dir.join("private.pem")).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_surge"))
        .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "the start is refused");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("keys/pass/private.pem is missing"), "names the file: {stderr}");
    assert!(stderr.contains("backup"), "says how to restore it: {stderr}");
    assert!(!pass_dir.join("private.pem").exists(), "no new key was made");
    assert_eq!(std::fs::read(pass_dir.join("public.json")).unwrap(), before, "the old public entry is kept");
}

#[test]
fn health_fails_with_503_once_the_database_file_is_deleted_and_writes_are_refused_not_lost() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path());
    let admin = server.admin_key.clone().unwrap();
    let (status, _) = http(&server.addr, "GET", "/healthz", None, "text/plain", "");
    assert_eq!(status, 200);
    for name in ["surge.db", "surge.db-wal", "surge.db-shm"] {
        let _ = std::fs::remove_file(dir.path().join(name));
    }
    let (status, body) = http(&server.addr, "GET", "/healthz", None, "text/plain", "");
    assert_eq!((status, body["error"]["code"].as_str()), (503, Some("storage_unavailable")), "{body}");
    let checkpoint = json!({"name": "Gate 1", "zone": "KR-11", "lat": 37.5, "lon": 127.0}).to_string();
    let (status, body) =
        http(&server.addr, "POST", "/api/v1/checkpoints", Some(&admin), "application/json", &checkpoint);
    assert_eq!((status, body["error"]["code"].as_str()), (503, Some("storage_unavailable")), "{body}");
    assert!(!dir.path().join("surge.db").exists(), "no new empty database was made in its place");
}

/// Registers an organisation through `register`, approves it through `approve` with the admin key, and uploads
/// `rows` employees through `register`. Returns the organisation admin's key and the batch's progress path.
pub fn register_approve_upload(register: &str, approve: &str, admin: &str, rows: u32) -> (String, String) {
    let registration = json!({
        "legal_name": "Busan Fresh Foods", "registry_number": "220-81-62517", "category": "food-supply",
        "address": "1 Jungang-daero", "zone": "KR-26", "contact_phone": "010-1234-5678",
        "contact_email": "ops@example.org", "requested_quota": rows
    });
    // Registered by the admin: a public registration would wait for its contact phone to sign in.
    let (status, body) =
        http(register, "POST", "/api/organisations", Some(admin), "application/json", &registration.to_string());
    assert_eq!(status, 201, "{body}");
    let (org, org_key) = (body["id"].as_i64().unwrap(), body["api_key"].as_str().unwrap().to_owned());
    let (status, _) = http(approve, "POST", "/api/organisations/bulk-approve", Some(admin), "application/json", "{}");
    assert_eq!(status, 200);
    // Far-future dates, so the rows are valid whenever the test runs.
    let csv = employees_csv(&employees(0, rows)).replace("2026-03-", "2036-03-");
    let path = format!("/api/organisations/{org}/employees");
    let (status, body) = http(register, "POST", &path, Some(&org_key), "text/csv", &csv);
    assert_eq!(status, 202, "{}", body.to_string().chars().take(500).collect::<String>());
    (org_key, body["progress"].as_str().unwrap().to_owned())
}

/// Polls the batch until it is completed, then checks that every row was issued.
fn wait_until_completed(addr: &str, progress: &str, key: &str, rows: u32) {
    let deadline = Instant::now() + Duration::from_secs(300);
    loop {
        let (_, batch) = http(addr, "GET", progress, Some(key), "text/plain", "");
        if batch["status"] == "completed" {
            assert_eq!((batch["issued"].as_u64(), batch["failed"].as_u64()), (Some(u64::from(rows)), Some(0)));
            return;
        }
        assert!(Instant::now() < deadline, "issuance did not complete: {batch}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn a_batch_interrupted_by_kill_9_completes_after_restart_with_nothing_lost_or_doubled() {
    let rows: u32 = std::env::var("SURGE_CRASH_ROWS").ok().and_then(|n| n.parse().ok()).unwrap_or(100_000);
    let dir = tempfile::tempdir().unwrap();
    let mut server = start(dir.path());
    let admin = server.admin_key.clone().unwrap();
    let (org_key, progress) = register_approve_upload(&server.addr, &server.addr, &admin, rows);

    // Kill it hard once issuance is under way.
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let (_, batch) = http(&server.addr, "GET", &progress, Some(&org_key), "text/plain", "");
        let issued = batch["issued"].as_u64().unwrap();
        if issued > 0 {
            assert!(issued < u64::from(rows), "issuance finished before it could be interrupted; use more rows");
            break;
        }
        assert!(Instant::now() < deadline, "issuance did not start");
        std::thread::sleep(Duration::from_millis(20));
    }
    kill_hard(&mut server);

    let server = start(dir.path());
    wait_until_completed(&server.addr, &progress, &org_key, rows);
    assert_eq!(metric(&server.addr, "surge_passes"), u64::from(rows));
    assert_eq!(metric(&server.addr, "surge_outbox_messages"), u64::from(rows));
    assert!(stop(server).success());
}

/// Issue 21: `server.public_base_url` defaulted to 127.0.0.1:8080 whatever `--listen` said, so on a first run every
/// pass link in a text message was dead. Unset, links follow the address Surge listens on, and they open.
#[test]
fn pass_links_in_text_messages_open_on_the_address_surge_listens_on() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path());
    let admin = server.admin_key.clone().unwrap();
    register_approve_upload(&server.addr, &server.addr, &admin, 2);
    first_pass_from_sms_log(dir.path());
    let log = std::fs::read_to_string(dir.path().join("sms.log")).unwrap();
    let body = serde_json::from_str::<Value>(log.lines().next().unwrap()).unwrap()["body"].as_str().unwrap().to_owned();
    let link = body.split_whitespace().find(|w| w.starts_with("http")).expect("a link in the text").to_owned();
    let prefix = format!("http://{}/p/", server.addr);
    assert!(link.starts_with(&prefix), "{link} is not on {prefix}");
    let path = &link[prefix.len() - 3..];
    let mut stream = TcpStream::connect(&server.addr).unwrap();
    write!(stream, "GET {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n", server.addr).unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{}", answer.lines().next().unwrap_or(""));
}

/// The control code and status index of a pass whose SMS the log gateway wrote.
fn first_pass_from_sms_log(dir: &Path) -> (String, u64) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let log = std::fs::read_to_string(dir.join("sms.log")).unwrap_or_default();
        for line in log.lines() {
            let body = serde_json::from_str::<Value>(line).unwrap()["body"].as_str().unwrap_or("").to_owned();
            let index = body.split("/p/").nth(1).and_then(|rest| rest.split('/').next()).and_then(|i| i.parse().ok());
            let code = body
                .split(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
                .find(|w| w.len() == 11 && w.as_bytes()[5] == b'-');
            if let (Some(index), Some(code)) = (index, code) {
                return (code.to_owned(), index);
            }
        }
        assert!(Instant::now() < deadline, "no pass SMS was written");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Two processes on one PostgreSQL database behind no balancer: an upload through one is issued by both, each pass
/// once, a pass revoked through one is refused by the other within seconds, and so is an API key.
#[test]
fn two_instances_on_one_postgres_database_share_the_work_and_issue_each_pass_once() {
    let admin_url = std::env::var("SURGE_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let nonce = std::process::id() as u64 * 1_000_003 + 17;
    let (url, name) =
        runtime.block_on(surge_store_postgres::create_scratch_database(&admin_url, "surge_it", nonce)).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let rows = 20_000u32;
    {
        let first = start_with(dir.path(), &["--database-url", &url]);
        // The second shares the first's keys (the same data directory) and database.
        let second = start_with(dir.path(), &["--database-url", &url]);
        let admin = first.admin_key.clone().unwrap();
        assert!(second.admin_key.is_none(), "one admin key for the shared database");
        let (org_key, progress) = register_approve_upload(&first.addr, &second.addr, &admin, rows);
        wait_until_completed(&second.addr, &progress, &org_key, rows);
        let by_first = metric(&first.addr, "surge_passes_issued_total");
        let by_second = metric(&second.addr, "surge_passes_issued_total");
        assert!(by_first > 0 && by_second > 0, "both claimed work: {by_first} and {by_second}");
        assert_eq!(by_first + by_second, u64::from(rows), "no row was issued twice");
        assert_eq!(metric(&first.addr, "surge_passes"), u64::from(rows));
        assert_eq!(metric(&first.addr, "surge_outbox_messages"), u64::from(rows));

        // A pass revoked through one server is refused by the other within seconds (statuses follow the feed).
        let (code, index) = first_pass_from_sms_log(dir.path());
        let auth = format!("Bearer {admin}");
        let (_, key) =
            http_with(&first.addr, "POST", "/api/api-keys", &[("Authorization", &auth)], r#"{"role": "checkpoint"}"#);
        let checkpoint = format!("Bearer {}", key["api_key"].as_str().unwrap());
        let verify_on_second = || {
            let body = json!({"control_code": code}).to_string();
            http_with(&second.addr, "POST", "/api/v1/verify", &[("Authorization", &checkpoint)], &body).1
        };
        assert_eq!(verify_on_second()["live_status"]["status"], "valid");
        let revoke = json!({"action": "revoke", "reason": "reported stolen"}).to_string();
        let (status, _) = http_with(
            &first.addr,
            "POST",
            &format!("/api/v1/passes/{index}/status"),
            &[("Authorization", &auth)],
            &revoke,
        );
        assert_eq!(status, 200);
        let revoked_at = Instant::now();
        loop {
            let answer = verify_on_second();
            if answer["live_status"]["status"] == "revoked" {
                assert_eq!(answer["valid"], false);
                assert_eq!(answer["live_status"]["reason"], "reported stolen");
                break;
            }
            assert!(revoked_at.elapsed() < Duration::from_secs(5), "the other server still says {answer}");
            std::thread::sleep(Duration::from_millis(50));
        }

        // The checkpoint's key, kept in the second server's memory by now, revoked through the first: the second
        // refuses it once it reads the key revocation feed (every half second).
        std::thread::sleep(Duration::from_millis(1200));
        assert_eq!(verify_on_second()["valid"], false, "still answered with the key kept");
        let key_id = key["id"].as_i64().unwrap();
        let (status, _) =
            http_with(&first.addr, "POST", &format!("/api/api-keys/{key_id}/revoke"), &[("Authorization", &auth)], "");
        assert_eq!(status, 204);
        let revoked_at = Instant::now();
        let body = json!({"control_code": code}).to_string();
        loop {
            let (status, _) =
                http_with(&second.addr, "POST", "/api/v1/verify", &[("Authorization", &checkpoint)], &body);
            if status == 401 {
                break;
            }
            assert_eq!(status, 200);
            assert!(revoked_at.elapsed() < Duration::from_secs(2), "the second server still takes the revoked key");
            std::thread::sleep(Duration::from_millis(20));
        }
        let (status, _) = http_with(&first.addr, "POST", "/api/v1/verify", &[("Authorization", &checkpoint)], &body);
        assert_eq!(status, 401, "and the first refuses it too");
        assert!(stop(first).success());
        assert!(stop(second).success());
    }
    runtime.block_on(surge_store_postgres::drop_scratch_database(&admin_url, &name)).unwrap();
}

/// Issue 21: an unknown `authority.time_zone` stops the first start before anything is made (no keys, no admin
/// account, no key printed once and then unusable), with the setting named.
#[test]
fn an_unknown_time_zone_stops_the_start_before_any_key_or_account_is_made() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_surge"))
        .args(["serve", "--data-dir", "data", "--listen", "127.0.0.1:0"])
        .env("SURGE_AUTHORITY__TIME_ZONE", "Mars/Olympus")
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("authority.time_zone: \"Mars/Olympus\" is not an IANA time zone"), "{stderr}");
    assert!(!String::from_utf8_lossy(&out.stdout).contains("admin API key"));
    assert!(!dir.path().join("data/keys").exists(), "no keys were made");
}
