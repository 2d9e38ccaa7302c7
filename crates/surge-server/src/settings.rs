//! Settings for `surge serve`: defaults that run with no file, then `surge.toml` in the data directory (or
//! `--config FILE`), then `SURGE_SECTION__KEY` environment variables, then command-line flags.

use std::path::{Path, PathBuf};

use anyhow::Context;
use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Settings {
    pub server: ServerSettings,
    pub database: DatabaseSettings,
    pub authority: AuthoritySettings,
    pub issuance: IssuanceSettings,
    pub notify: NotifySettings,
    pub applications: ApplicationSettings,
    pub results: ResultsSettings,
    pub monitoring: MonitoringSettings,
    pub lake: LakeSettings,
    pub stream: StreamSettings,
}

/// The live analytics over the platform's events: windows, the watermark, the rules' thresholds.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StreamSettings {
    /// Whether this server counts the event log for the live board (`/live`).
    pub enabled: bool,
    /// How long the consumer waits when it has read everything, in milliseconds.
    pub poll_ms: u64,
    /// Events read and stored at once, and batches between stored engine states.
    pub batch: u32,
    pub state_every: u32,
    /// How far out of order events may come and still count in their own minute, in milliseconds.
    pub disorder_ms: i64,
    /// How many closed minutes keep their event ids, to know a repeated event.
    pub dedupe_minutes: i64,
    /// A rule that fired for one subject stays quiet for it this long, in minutes.
    pub cooldown_minutes: i64,
    /// Two valid scans of one pass needing more than this speed between their checkpoints raise an alert.
    pub max_travel_kmh: f64,
    /// Scans that were not valid at one checkpoint within 15 minutes that raise an alert.
    pub invalid_scans_15m: u64,
    /// A result to be texted that has waited this many minutes raises an alert.
    pub result_wait_minutes: i64,
    /// The share of a zone's texts failing within 15 minutes that raises an alert, once this many have finished.
    pub sms_failure_rate: f64,
    pub sms_min_finished: u64,
    /// `log`: read the database's event log directly (one server). `nats`: publish the log to a NATS JetStream
    /// stream and count the stream through a durable consumer, so several servers share one stream.
    pub transport: Transport,
    /// This server's consumer: its place and state in the store and its durable consumer in JetStream. Each server
    /// counting the stream needs its own.
    pub consumer: String,
    pub nats_url: String,
    pub nats_stream: String,
    pub nats_subject_prefix: String,
    /// How long the stream keeps events, in hours, and how long JetStream knows an event id to drop a repeat.
    pub nats_max_age_hours: u64,
    pub nats_duplicate_window_s: u64,
    /// The duty official's phone, in E.164 (`+821012345678`), texted each alert once; empty texts nobody.
    #[serde(deserialize_with = "text_or_number")]
    pub alert_sms_to: String,
}

/// Where the live analytics read events from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Transport {
    Log,
    Nats,
}

impl Default for StreamSettings {
    fn default() -> Self {
        let engine = surge_stream::Settings::default();
        let nats = surge_nats::NatsSettings::default();
        Self {
            enabled: true,
            poll_ms: 200,
            batch: 1000,
            state_every: 20,
            disorder_ms: engine.disorder_ms,
            dedupe_minutes: engine.dedupe_minutes,
            cooldown_minutes: engine.cooldown_ms / surge_stream::MINUTE,
            max_travel_kmh: engine.max_travel_kmh,
            invalid_scans_15m: engine.invalid_scans_15m,
            result_wait_minutes: engine.result_wait_ms / surge_stream::MINUTE,
            sms_failure_rate: engine.sms_failure_rate,
            sms_min_finished: engine.sms_min_finished,
            transport: Transport::Log,
            consumer: "live".into(),
            nats_url: nats.url,
            nats_stream: nats.stream,
            nats_subject_prefix: nats.subject_prefix,
            nats_max_age_hours: nats.max_age.as_secs() / 3600,
            nats_duplicate_window_s: nats.duplicate_window.as_secs(),
            alert_sms_to: String::new(),
        }
    }
}

impl StreamSettings {
    /// The engine's settings; checkpoint positions come from the store.
    pub fn engine(&self) -> surge_stream::Settings {
        surge_stream::Settings {
            disorder_ms: self.disorder_ms,
            dedupe_minutes: self.dedupe_minutes,
            cooldown_ms: self.cooldown_minutes * surge_stream::MINUTE,
            max_travel_kmh: self.max_travel_kmh,
            invalid_scans_15m: self.invalid_scans_15m,
            result_wait_ms: self.result_wait_minutes * surge_stream::MINUTE,
            sms_failure_rate: self.sms_failure_rate,
            sms_min_finished: self.sms_min_finished,
            ..surge_stream::Settings::default()
        }
    }

    /// The duty official's phone, checked: `+` and 8 to 15 digits, the first not 0.
    pub fn alert_recipient(&self) -> anyhow::Result<Option<String>> {
        let to = self.alert_sms_to.trim();
        if to.is_empty() {
            return Ok(None);
        }
        let digits = to.strip_prefix('+').unwrap_or("");
        anyhow::ensure!(
            (8..=15).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit()) && !digits.starts_with('0'),
            "stream.alert_sms_to {to:?} is not a phone number in E.164 form, such as +821012345678"
        );
        Ok(Some(to.to_owned()))
    }

    /// The NATS stream's settings, for `transport = "nats"`.
    pub fn nats(&self) -> surge_nats::NatsSettings {
        surge_nats::NatsSettings {
            url: self.nats_url.clone(),
            stream: self.nats_stream.clone(),
            subject_prefix: self.nats_subject_prefix.clone(),
            max_age: std::time::Duration::from_secs(self.nats_max_age_hours.max(1) * 3600),
            duplicate_window: std::time::Duration::from_secs(self.nats_duplicate_window_s.max(1)),
            batch: self.batch.max(1) as usize,
            ..surge_nats::NatsSettings::default()
        }
    }
}

/// The situation lake and its public dashboard.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LakeSettings {
    /// The lake's directory (Delta tables), or `s3://bucket/prefix`; empty: `DATA_DIR/lake`. `surge lake import`
    /// writes there.
    pub location: String,
    /// Options of an S3-compatible store (`aws_endpoint`, `aws_region`, `aws_allow_http`, …); keys belong in the
    /// environment (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`), not in this file.
    pub storage: std::collections::HashMap<String, String>,
    /// The source the public dashboard shows (`owid`, `who`, …); empty: the source with the most rows.
    pub dashboard_source: String,
    /// Days of history the dashboard's charts show; the CSV and JSON beside them hold the same days.
    pub dashboard_days: u32,
    /// How often the server looks for a new import and recounts its own figures, in seconds.
    pub refresh_seconds: u64,
    /// How often the server stores its own facts in the lake (`platform_facts`), in minutes; 0: never.
    pub facts_minutes: u64,
    /// Officials' queries (`GET /api/v1/lake/sql`): rows returned at most, and time allowed.
    pub query_max_rows: usize,
    pub query_timeout_ms: u64,
}

impl Default for LakeSettings {
    fn default() -> Self {
        Self {
            location: String::new(),
            storage: std::collections::HashMap::new(),
            dashboard_source: String::new(),
            dashboard_days: 180,
            refresh_seconds: 30,
            facts_minutes: 60,
            query_max_rows: 10_000,
            query_timeout_ms: 10_000,
        }
    }
}

impl ServerSettings {
    /// The address text-message links use, given where Surge listens and the machine's name; with a warning when
    /// links would reach no one but this machine while Surge listens beyond it.
    pub fn public_base_url(
        &self,
        listening: std::net::SocketAddr,
        host_name: Option<&str>,
    ) -> (String, Option<String>) {
        let configured = self.public_base_url.trim().trim_end_matches('/');
        let ip = listening.ip();
        if !configured.is_empty() {
            let host = configured.split("://").nth(1).unwrap_or(configured).split(['/', ':']).next().unwrap_or("");
            let loopback = host == "localhost" || host.starts_with("127.") || configured.contains("[::1]");
            let warning = (loopback && !ip.is_loopback()).then(|| {
                format!(
                    "server.public_base_url is {configured}, which only this machine can open, but Surge listens on \
                     {listening}: links in text messages will not work for anyone else"
                )
            });
            return (configured.to_owned(), warning);
        }
        let port = listening.port();
        if ip.is_unspecified() {
            return match host_name.map(str::trim).filter(|h| !h.is_empty()) {
                Some(host) => (format!("http://{host}:{port}"), None),
                None => (
                    format!("http://127.0.0.1:{port}"),
                    Some(format!(
                        "Surge listens on {listening} but knows no name for this machine: set \
                         server.public_base_url to the address holders open, or links in text messages will not work"
                    )),
                ),
            };
        }
        (format!("http://{listening}"), None)
    }
}

impl ResultsSettings {
    /// The TLS files for MLLP (certificate, key, client CA) when all three are set; an error naming the missing
    /// ones when only some are, since a half-configured TLS listener must not quietly run in plain text.
    pub fn mllp_tls(&self) -> Result<Option<(&Path, &Path, &Path)>, String> {
        let files = [
            ("results.mllp_tls_cert", &self.mllp_tls_cert),
            ("results.mllp_tls_key", &self.mllp_tls_key),
            ("results.mllp_tls_client_ca", &self.mllp_tls_client_ca),
        ];
        let missing: Vec<&str> = files.iter().filter(|(_, v)| v.trim().is_empty()).map(|(k, _)| *k).collect();
        match missing.len() {
            3 => Ok(None),
            0 => Ok(Some((
                Path::new(self.mllp_tls_cert.trim()),
                Path::new(self.mllp_tls_key.trim()),
                Path::new(self.mllp_tls_client_ca.trim()),
            ))),
            _ => Err(format!("MLLP over TLS needs all three files; {} not set", missing.join(" and "))),
        }
    }
}

impl LakeSettings {
    pub fn location(&self, data_dir: &Path) -> String {
        if self.location.is_empty() {
            data_dir.join("lake").to_string_lossy().into_owned()
        } else {
            self.location.clone()
        }
    }
}

/// Lab results.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ResultsSettings {
    /// `host:port` for the MLLP listener labs send HL7 v2 to; empty: off.
    pub mllp_listen: String,
    /// Addresses labs may connect from over MLLP: IPs or CIDR blocks, comma-separated (`10.20.0.0/16, 192.0.2.7`);
    /// empty: this machine only (127.0.0.1, ::1). Others are closed at once and logged.
    pub mllp_allow: String,
    /// MLLP connections at once; more are closed at once. Each may hold one message of up to 1 MiB.
    pub mllp_max_connections: usize,
    /// Seconds a message begun over MLLP has to end; then it is answered AR and the connection closed.
    pub mllp_frame_timeout_s: u64,
    /// MLLP over TLS: Surge's certificate chain (PEM). With `mllp_tls_key` and `mllp_tls_client_ca`, the listener
    /// speaks TLS only; all three or none.
    pub mllp_tls_cert: String,
    /// MLLP over TLS: the private key (PEM) of `mllp_tls_cert`.
    pub mllp_tls_key: String,
    /// MLLP over TLS: the CA certificate(s) (PEM) that sign labs' client certificates. Every lab must present one;
    /// its subject common name is the sending facility (MSH-4) it may send for, any other is answered AR.
    pub mllp_tls_client_ca: String,
    /// Where patients call with questions; printed in every result text.
    #[serde(deserialize_with = "text_or_number")]
    pub help_phone: String,
    /// The language of result texts: `ko` or `en`.
    pub sms_language: String,
    /// Raw messages are kept this many days for audit, then their text is deleted (what they came to stays).
    pub raw_retention_days: u64,
    /// A TSV of known tests (`loinc<TAB>name`) replacing the built-in table seeded from LIVD; empty: built-in.
    pub tests_file: String,
    /// How long a signed negative result (the QR on the patient's results page) is valid, from collection.
    pub certificate_hours: u32,
    /// The duty clinician's mobile, texted at once when a lab corrects a negative already texted; empty: the
    /// correction only tops the clinicians' queue.
    #[serde(deserialize_with = "text_or_number")]
    pub duty_phone: String,
    /// Text a result to the one mobile number the lab's message gives (PID-13) when no one registered for the
    /// sample, under the same rule as a registered phone (final, not detected, a known test); off: such results
    /// wait for a clinician's call.
    pub text_phone_from_lab: bool,
}

impl Default for ResultsSettings {
    fn default() -> Self {
        Self {
            mllp_listen: String::new(),
            mllp_allow: String::new(),
            mllp_max_connections: 64,
            mllp_frame_timeout_s: 30,
            mllp_tls_cert: String::new(),
            mllp_tls_key: String::new(),
            mllp_tls_client_ca: String::new(),
            help_phone: "1339".into(),
            sms_language: "ko".into(),
            raw_retention_days: 90,
            tests_file: String::new(),
            certificate_hours: 72,
            duty_phone: String::new(),
            text_phone_from_lab: false,
        }
    }
}

/// Patient monitoring: the hard triggers, when a report answers a check-in, who is texted when a patient misses
/// check-ins.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MonitoringSettings {
    /// Single readings that raise an alert whatever the total score: `spo2 <= 94`, `temperature >= 38.0`.
    pub triggers: Vec<String>,
    /// A report answers a check-in from this many minutes before it …
    pub answer_early_minutes: i64,
    /// … until this many minutes after.
    pub answer_within_minutes: i64,
    /// Duty clinicians' mobiles, comma-separated, texted when a patient misses check-ins in a row; empty: nobody.
    #[serde(deserialize_with = "text_or_number")]
    pub duty_phones: String,
    /// The language of the duty clinicians' texts: `ko` or `en`.
    pub duty_language: String,
}

impl Default for MonitoringSettings {
    fn default() -> Self {
        Self {
            triggers: surge_monitoring::HardTrigger::defaults().iter().map(ToString::to_string).collect(),
            answer_early_minutes: 60,
            answer_within_minutes: 120,
            duty_phones: String::new(),
            duty_language: "ko".into(),
        }
    }
}

impl MonitoringSettings {
    /// The use cases' settings, every value checked: a bad trigger, window or phone stops the start, named.
    pub fn build(
        &self,
        zone: surge_domain::LocalZone,
        region: &str,
        help_phone: &str,
    ) -> anyhow::Result<surge_app::monitoring::MonitoringSettings> {
        let triggers = self
            .triggers
            .iter()
            .map(|t| surge_monitoring::HardTrigger::parse(t).map_err(|e| anyhow::anyhow!("monitoring.triggers: {e}")))
            .collect::<anyhow::Result<Vec<_>>>()?;
        let (early, within) =
            (time::Duration::minutes(self.answer_early_minutes), time::Duration::minutes(self.answer_within_minutes));
        surge_monitoring::CheckIns::new(vec![time::Time::MIDNIGHT], early, within).map_err(|e| {
            anyhow::anyhow!("monitoring.answer_early_minutes and monitoring.answer_within_minutes: {e}")
        })?;
        let duty_phones = self
            .duty_phones
            .split(',')
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(|p| {
                surge_domain::Phone::parse(p, region)
                    .map(|phone| phone.as_str().to_owned())
                    .map_err(|e| anyhow::anyhow!("monitoring.duty_phones {p:?}: {e}"))
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        anyhow::ensure!(
            matches!(self.duty_language.as_str(), "ko" | "en"),
            "monitoring.duty_language {:?}: ko or en",
            self.duty_language
        );
        Ok(surge_app::monitoring::MonitoringSettings {
            zone,
            triggers,
            early,
            within,
            duty_phones,
            duty_language: self.duty_language.clone(),
            help_phone: help_phone.to_owned(),
            region: region.to_owned(),
        })
    }
}

/// Citizens' applications.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ApplicationSettings {
    /// The purposes citizens may choose, each `{ id, category, en, ko }`; the category routes the application to
    /// officials whose scope holds it. Empty: the built-in list.
    pub purposes: Vec<PurposeSettings>,
    /// The longest validity of an application's pass, in days.
    pub max_days: i64,
    /// How many days ahead a pass may start.
    pub max_days_ahead: i64,
    /// Applications one phone may submit per hour.
    pub per_hour: u32,
    /// The largest supporting document, in bytes.
    pub document_max_bytes: usize,
    /// Where supporting documents are kept; empty: `DATA_DIR/documents`. Nothing serves this directory.
    pub documents_dir: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PurposeSettings {
    pub id: String,
    pub category: String,
    pub en: String,
    pub ko: String,
}

impl Default for ApplicationSettings {
    fn default() -> Self {
        let defaults = surge_app::applications::ApplicationConfig::default();
        Self {
            purposes: Vec::new(),
            max_days: defaults.max_days,
            max_days_ahead: defaults.max_days_ahead,
            per_hour: defaults.per_hour,
            document_max_bytes: defaults.document_max_bytes,
            documents_dir: String::new(),
        }
    }
}

impl ApplicationSettings {
    pub fn config(&self) -> anyhow::Result<surge_app::applications::ApplicationConfig> {
        let mut config = surge_app::applications::ApplicationConfig {
            max_days: self.max_days,
            max_days_ahead: self.max_days_ahead,
            per_hour: self.per_hour,
            document_max_bytes: self.document_max_bytes,
            ..Default::default()
        };
        if !self.purposes.is_empty() {
            for p in &self.purposes {
                anyhow::ensure!(
                    !p.id.is_empty() && p.id.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
                    "applications.purposes: the id {:?} must be lower-case letters, digits and -",
                    p.id
                );
            }
            config.purposes = self
                .purposes
                .iter()
                .map(|p| surge_domain::Purpose {
                    id: p.id.clone(),
                    category: p.category.clone(),
                    en: p.en.clone(),
                    ko: p.ko.clone(),
                })
                .collect();
        }
        anyhow::ensure!(self.max_days >= 1, "applications.max_days must be at least 1");
        Ok(config)
    }

    pub fn documents_dir(&self, data_dir: &Path) -> PathBuf {
        if self.documents_dir.is_empty() { data_dir.join("documents") } else { PathBuf::from(&self.documents_dir) }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct NotifySettings {
    /// Gateways to send through, comma-separated: `log`, `kannel`. Traffic is shared by their weights.
    pub gateways: String,
    /// The longest message, in parts (153 GSM-7 or 67 UCS-2 characters each).
    pub max_segments: usize,
    /// Most messages claimed at once.
    pub batch: u32,
    /// Messages in flight to the gateways at once.
    pub window: usize,
    /// How long the sender waits when nothing is due, in milliseconds.
    pub idle_poll_ms: u64,
    /// A message left `sending` this long is sent again (its sender died).
    pub sending_timeout_s: u64,
    /// Message bodies are deleted after this many days; states and counts stay.
    pub body_retention_days: u64,
    pub log: LogGatewaySettings,
    pub kannel: KannelSettings,
    pub webhook: WebhookSettings,
    pub smpp: SmppSettings,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SmppSettings {
    /// `host:port` of the SMSC.
    pub address: String,
    #[serde(deserialize_with = "text_or_number")]
    pub system_id: String,
    #[serde(deserialize_with = "text_or_number")]
    pub password: String,
    pub system_type: String,
    /// The sender shown on phones.
    #[serde(deserialize_with = "text_or_number")]
    pub source_addr: String,
    /// Submissions awaiting the SMSC's response at once.
    pub window: usize,
    pub enquire_link_s: u64,
    pub response_timeout_s: u64,
    pub weight: u32,
    /// Messages a second the bind allows.
    pub rate: f64,
}

impl Default for SmppSettings {
    fn default() -> Self {
        NotifySettings::default().smpp
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WebhookSettings {
    /// The provider's endpoint; each message is POSTed there as JSON.
    pub url: String,
    /// Shared with the provider: signs requests (`X-Surge-Signature`) and checks their delivery reports.
    #[serde(deserialize_with = "text_or_number")]
    pub secret: String,
    pub weight: u32,
    pub rate: f64,
}

impl Default for WebhookSettings {
    fn default() -> Self {
        NotifySettings::default().webhook
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LogGatewaySettings {
    /// The file, relative to the data directory.
    pub path: String,
    pub weight: u32,
    /// Messages a second; 0 for no limit (a limit simulates an SMSC's).
    pub rate: f64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct KannelSettings {
    /// smsbox's sendsms address, e.g. `http://127.0.0.1:13013/cgi-bin/sendsms`.
    pub sendsms_url: String,
    #[serde(deserialize_with = "text_or_number")]
    pub username: String,
    #[serde(deserialize_with = "text_or_number")]
    pub password: String,
    /// The sender shown on phones. A short code such as `1234` may be given as a number in the environment.
    #[serde(deserialize_with = "text_or_number")]
    pub from: String,
    /// Where Kannel reaches Surge for delivery reports; empty means `server.public_base_url`.
    pub receipt_base_url: String,
    pub weight: u32,
    /// Messages a second the SMSC allows.
    pub rate: f64,
}

impl Default for NotifySettings {
    fn default() -> Self {
        Self {
            gateways: "log".into(),
            max_segments: 4,
            batch: 500,
            window: 16,
            idle_poll_ms: 200,
            sending_timeout_s: 300,
            body_retention_days: 7,
            log: LogGatewaySettings { path: "sms.log".into(), weight: 1, rate: 0.0 },
            kannel: KannelSettings {
                sendsms_url: String::new(),
                username: String::new(),
                password: String::new(),
                from: "Surge".into(),
                receipt_base_url: String::new(),
                weight: 1,
                rate: 30.0,
            },
            webhook: WebhookSettings { url: String::new(), secret: String::new(), weight: 1, rate: 30.0 },
            smpp: SmppSettings {
                address: String::new(),
                system_id: String::new(),
                password: String::new(),
                system_type: String::new(),
                source_addr: "Surge".into(),
                window: 10,
                enquire_link_s: 30,
                response_timeout_s: 10,
                weight: 1,
                rate: 30.0,
            },
        }
    }
}

impl Default for LogGatewaySettings {
    fn default() -> Self {
        NotifySettings::default().log
    }
}

impl Default for KannelSettings {
    fn default() -> Self {
        NotifySettings::default().kannel
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ServerSettings {
    /// Address to listen on; port 0 picks a free port (printed at start).
    pub listen: String,
    /// The address holders reach, used in pass links sent by SMS; empty: the address Surge listens on (the
    /// machine's name when it listens on every interface).
    pub public_base_url: String,
    /// Mark session cookies `Secure` (sent over HTTPS only; browsers also accept them from http://127.0.0.1 and
    /// localhost). Turn off only to test over plain HTTP on another address.
    pub secure_cookies: bool,
    /// Take the client address for rate limits from `X-Forwarded-For`; only behind a proxy that sets it.
    pub trust_forwarded_for: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DatabaseSettings {
    /// `postgres://…` for PostgreSQL; empty for SQLite in the data directory.
    pub url: String,
    pub max_connections: u32,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AuthoritySettings {
    /// The authority's id, the issuer of every pass.
    pub issuer: String,
    /// Region for phone numbers typed without a country code (ISO 3166 alpha-2).
    pub phone_region: String,
    /// `kr-brn`, `in-gstin` or `generic`.
    pub registry_scheme: String,
    /// A TSV of the zones organisations choose from (`code<TAB>Korean name<TAB>English name`); empty: Korea's 17
    /// provinces and metropolitan cities.
    pub zones_file: String,
    /// Essential categories organisations may register under.
    pub categories: Vec<String>,
    /// The longest validity of a bulk-issued pass, in days.
    pub max_pass_days: i64,
    /// The most passes an organisation's registration may ask for; an official may approve more later.
    pub max_requested_quota: u32,
    /// The language of pass text messages: `ko` or `en`. Sign-in codes follow the page's language.
    pub sms_language: String,
    /// The authority's time zone (an IANA name): passes are valid for its days, and pages, texts and CSV files show
    /// its time; the API writes RFC 3339 times with their offset.
    pub time_zone: String,
    /// A PEM bundle of EU DCC signer certificates; with it, `POST /api/v1/verify` also verifies `HC1:` codes.
    pub dcc_signer_certs: String,
    /// EU DCC business rules in the EU gateway's format (a JSON array): a file, or an `https://` address they are
    /// published at; empty: the built-in set (negative and recent tests, complete vaccination series, recovery
    /// within its window).
    pub dcc_rules: String,
    /// The rules' publisher's ECDSA P-256 public key (a PEM file); with it, rules are taken only with its
    /// signature: the `X-SIGNATURE` header of the address, or a `.sig` file (base64) beside the rules file.
    pub dcc_rules_key: String,
    /// Minutes between fetches of rules published at an address; a failed fetch keeps the rules in force.
    pub dcc_rules_refresh_minutes: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct IssuanceSettings {
    /// Rows per issuance transaction.
    pub batch_size: u32,
    /// How long the worker waits before looking again when nothing is pending, in milliseconds.
    pub idle_poll_ms: u64,
    /// Threads that sign each transaction's passes side by side; 0: one per core of the machine.
    pub signing_threads: usize,
}

impl IssuanceSettings {
    /// The signing threads to use: as set, or one per core.
    pub fn signing_threads(&self) -> usize {
        threads_or_cores(self.signing_threads)
    }
}

/// `n` threads, or with 0 one per core of the machine.
pub fn threads_or_cores(n: usize) -> usize {
    match n {
        0 => std::thread::available_parallelism().map_or(1, usize::from),
        n => n,
    }
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            server: ServerSettings {
                listen: "127.0.0.1:8080".into(),
                public_base_url: String::new(),
                secure_cookies: true,
                trust_forwarded_for: false,
            },
            database: DatabaseSettings { url: String::new(), max_connections: 10 },
            authority: AuthoritySettings {
                issuer: "SURGE".into(),
                phone_region: "KR".into(),
                registry_scheme: "kr-brn".into(),
                zones_file: String::new(),
                categories: surge_domain::DEFAULT_CATEGORIES.iter().map(|c| c.to_string()).collect(),
                max_pass_days: 90,
                max_requested_quota: 10_000,
                sms_language: "ko".into(),
                time_zone: "Asia/Seoul".into(),
                dcc_signer_certs: String::new(),
                dcc_rules: String::new(),
                dcc_rules_key: String::new(),
                dcc_rules_refresh_minutes: 60,
            },
            issuance: IssuanceSettings { batch_size: 1000, idle_poll_ms: 500, signing_threads: 0 },
            notify: NotifySettings::default(),
            applications: ApplicationSettings::default(),
            results: ResultsSettings::default(),
            monitoring: MonitoringSettings::default(),
            lake: LakeSettings::default(),
            stream: StreamSettings::default(),
        }
    }
}

impl Default for ServerSettings {
    fn default() -> Self {
        Settings::default().server
    }
}

impl Default for DatabaseSettings {
    fn default() -> Self {
        Settings::default().database
    }
}

impl Default for AuthoritySettings {
    fn default() -> Self {
        Settings::default().authority
    }
}

impl Default for IssuanceSettings {
    fn default() -> Self {
        Settings::default().issuance
    }
}

impl Settings {
    /// Defaults, then the TOML file (`config`, else `DATA_DIR/surge.toml` if present), then the environment.
    pub fn load(data_dir: &Path, config: Option<&PathBuf>) -> anyhow::Result<Self> {
        let mut figment = Figment::from(Serialized::defaults(Settings::default()));
        match config {
            Some(path) => {
                anyhow::ensure!(path.is_file(), "config file {} does not exist", path.display());
                figment = figment.merge(Toml::file(path));
            }
            None => figment = figment.merge(Toml::file(data_dir.join("surge.toml"))),
        }
        // Only SURGE_SECTION__KEY variables are settings; others with the prefix (SURGE_PYTHON…) belong to tools.
        figment = figment.merge(Env::prefixed("SURGE_").filter(|key| key.as_str().contains("__")).split("__"));
        figment.extract().context("reading settings")
    }

    /// For logs: the settings with the database password hidden.
    pub fn redacted(&self) -> Settings {
        let mut copy = self.clone();
        if let Some((scheme_user, rest)) = copy.database.url.split_once('@') {
            if let Some((scheme, user)) = scheme_user.rsplit_once("//") {
                let user = user.split(':').next().unwrap_or("");
                copy.database.url = format!("{scheme}//{user}:***@{rest}");
            }
        }
        if !copy.notify.kannel.password.is_empty() {
            copy.notify.kannel.password = "***".into();
        }
        if !copy.notify.webhook.secret.is_empty() {
            copy.notify.webhook.secret = "***".into();
        }
        if !copy.notify.smpp.password.is_empty() {
            copy.notify.smpp.password = "***".into();
        }
        // A store key put in the file despite the advice is still not logged.
        for (key, value) in &mut copy.lake.storage {
            let key = key.to_ascii_lowercase();
            if key.contains("secret") || key.contains("token") || key.contains("key_id") || key.contains("password") {
                *value = "***".into();
            }
        }
        copy
    }
}

/// Environment values that look like numbers arrive as numbers; for text settings such as a sender id or a
/// password, take them as the text they were.
fn text_or_number<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        Text(String),
        Integer(i64),
        Float(f64),
    }
    Ok(match Raw::deserialize(deserializer)? {
        Raw::Text(s) => s,
        Raw::Integer(n) => n.to_string(),
        Raw::Float(x) => x.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_follow_the_listen_address_unless_set_and_a_loopback_link_for_the_world_is_warned_of() {
        let server = ServerSettings::default();
        let at = |text: &str| text.parse::<std::net::SocketAddr>().unwrap();
        assert_eq!(server.public_base_url(at("127.0.0.1:3000"), None), ("http://127.0.0.1:3000".into(), None));
        assert_eq!(server.public_base_url(at("10.1.2.3:80"), None), ("http://10.1.2.3:80".into(), None));
        assert_eq!(server.public_base_url(at("[2001:db8::5]:8080"), None).0, "http://[2001:db8::5]:8080");
        assert_eq!(
            server.public_base_url(at("0.0.0.0:8080"), Some("pass-gw-1\n")),
            ("http://pass-gw-1:8080".into(), None)
        );
        let (base, warning) = server.public_base_url(at("0.0.0.0:8080"), None);
        assert_eq!(base, "http://127.0.0.1:8080");
        assert!(warning.unwrap().contains("server.public_base_url"));

        let set = ServerSettings { public_base_url: "https://pass.example.go.kr/".into(), ..ServerSettings::default() };
        assert_eq!(set.public_base_url(at("0.0.0.0:8080"), None), ("https://pass.example.go.kr".into(), None));
        let loopback = ServerSettings { public_base_url: "http://localhost:8080".into(), ..ServerSettings::default() };
        assert!(loopback.public_base_url(at("0.0.0.0:8080"), None).1.is_some(), "every interface, a local link");
        assert!(loopback.public_base_url(at("127.0.0.1:8080"), None).1.is_none(), "a local trial");
    }

    #[test]
    fn mllp_tls_is_all_three_files_or_none_and_a_half_set_is_named() {
        let mut results = ResultsSettings::default();
        assert_eq!(results.mllp_tls(), Ok(None));
        results.mllp_tls_cert = "cert.pem".into();
        assert_eq!(
            results.mllp_tls(),
            Err("MLLP over TLS needs all three files; results.mllp_tls_key and results.mllp_tls_client_ca not set"
                .into())
        );
        results.mllp_tls_key = "key.pem".into();
        results.mllp_tls_client_ca = " ca.pem ".into();
        assert_eq!(results.mllp_tls(), Ok(Some((Path::new("cert.pem"), Path::new("key.pem"), Path::new("ca.pem")))));
    }
}
