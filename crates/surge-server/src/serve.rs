//! `surge serve`: opens the store (SQLite in the data directory, or PostgreSQL), makes the authority's keys and the
//! first admin API key on first start, runs the issuance worker, and serves HTTP until SIGTERM or Ctrl-C; then it
//! stops taking requests, finishes those in flight and the worker's current transaction, and exits.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use rand::SeedableRng;
use rand::rngs::StdRng;
use surge_app::access::AccessPolicy;
use surge_app::keys::RotationPolicy;
use surge_app::{ApiKey, Config, IssuanceWorker, KeyScope, NewApiKey, PassSigner, Role, Store};
use surge_domain::RegistryScheme;
use surge_domain::audit::AuditEntry;
use surge_notify::{
    KannelConfig, KannelGateway, LogGateway, NotifyWorker, Route, SmppConfig, SmppGateway, SmppReceipt, WebhookConfig,
    WebhookGateway, WorkerConfig,
};
use surge_web::{AppState, Metrics, WebConfig};
use tokio::sync::watch;

use crate::Outcome;
use crate::pass_keys::PassKeys;
use crate::settings::Settings;

#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// Address to listen on (overrides the settings); port 0 picks a free port.
    #[arg(long)]
    listen: Option<String>,
    /// Where the database, keys and trust list live.
    #[arg(long, default_value = "./surge-data")]
    data_dir: PathBuf,
    /// `postgres://…` to use PostgreSQL instead of SQLite in the data directory.
    #[arg(long)]
    database_url: Option<String>,
    /// A TOML settings file (default: DATA_DIR/surge.toml if it exists).
    #[arg(long)]
    config: Option<PathBuf>,
    /// Listen for HL7 v2 over MLLP from labs at this address (overrides `results.mllp_listen`); off by default.
    #[arg(long)]
    mllp: Option<String>,
}

pub fn run(args: ServeArgs) -> anyhow::Result<Outcome> {
    let mut settings = Settings::load(&args.data_dir, args.config.as_ref())?;
    // A wrong duty phone stops the start rather than every alert's text.
    settings.stream.alert_recipient()?;
    if let Some(listen) = args.listen {
        settings.server.listen = listen;
    }
    if let Some(url) = args.database_url {
        settings.database.url = url;
    }
    if let Some(mllp) = args.mllp {
        settings.results.mllp_listen = mllp;
    }
    init_tracing();
    tracing::info!(settings = ?settings.redacted(), "starting");
    crate::runtime()?.block_on(async move {
        std::fs::create_dir_all(&args.data_dir).with_context(|| format!("creating {}", args.data_dir.display()))?;
        if settings.database.url.is_empty() {
            let store = surge_store_sqlite::open(&args.data_dir.join("surge.db")).await?;
            serve(store.clone(), &settings, &args.data_dir).await?;
            store.close().await;
        } else {
            let store =
                surge_store_postgres::connect(&settings.database.url, settings.database.max_connections).await?;
            serve(store.clone(), &settings, &args.data_dir).await?;
            store.close().await;
        }
        anyhow::Ok(Outcome::Success)
    })
}

fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into());
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let _ = tracing_subscriber::fmt().with_env_filter(filter).with_ansi(ansi).with_writer(std::io::stderr).try_init();
}

/// The DCC signer certificates named in the settings, if any.
fn dcc_trust(path: &str) -> anyhow::Result<Option<surge_pass::dcc::DccTrustList>> {
    if path.is_empty() {
        return Ok(None);
    }
    let pem = std::fs::read_to_string(path).with_context(|| format!("reading authority.dcc_signer_certs {path}"))?;
    let signers = surge_pass::dcc::SignerCertificate::from_pem_bundle(&pem)
        .with_context(|| format!("authority.dcc_signer_certs {path}"))?;
    tracing::info!(certificates = signers.len(), "DCC signer certificates loaded");
    Ok(Some(surge_pass::dcc::DccTrustList { signers }))
}

async fn serve<S: Store + Clone + 'static>(store: S, settings: &Settings, data_dir: &Path) -> anyhow::Result<()> {
    // Settings that can be wrong are read before anything is made: a first start that stops here has made no keys
    // and no admin account.
    let zone = surge_domain::LocalZone::named(&settings.authority.time_zone)
        .map_err(|e| anyhow::anyhow!("authority.time_zone: {e}"))?;
    // Bound first: links in text messages follow the address Surge really listens on, unless one is set.
    let listener = tokio::net::TcpListener::bind(&settings.server.listen)
        .await
        .with_context(|| format!("listening on {}", settings.server.listen))?;
    let host_name = std::fs::read_to_string("/proc/sys/kernel/hostname").ok();
    let (public_base_url, warning) = settings.server.public_base_url(listener.local_addr()?, host_name.as_deref());
    if let Some(warning) = warning {
        tracing::warn!("{warning}");
        println!("warning: {warning}");
    }
    let mut settings = settings.clone();
    settings.server.public_base_url = public_base_url;
    let settings = &settings;
    // First start is a store with neither admin accounts nor admin keys: both are made just below.
    let started_before = store.count_accounts(Role::Admin).await? > 0 || store.count_api_keys(Role::Admin).await? > 0;
    let keys = Arc::new(PassKeys::open(
        data_dir,
        &settings.authority.issuer,
        started_before,
        RotationPolicy::default(),
        crate::now(),
    )?);
    if let Some(kid) = &keys.finished_at_start {
        surge_app::keys::record_finished_rotation(&store, kid, crate::now()).await?;
    }
    // A service that was off through a rotation's window rotates as it starts.
    surge_app::keys::keep_on_schedule(&store, keys.as_ref(), crate::now()).await?;
    let receipt_secret = receipt_secret(data_dir)?;
    let rule_source =
        crate::dcc_rules::RuleSource::new(&settings.authority.dcc_rules, &settings.authority.dcc_rules_key, data_dir)?;
    let dcc_rules = Arc::new(std::sync::RwLock::new(Arc::new(crate::dcc_rules::load(&rule_source).await?)));
    let rules_refresh = tokio::spawn(crate::dcc_rules::refresh(
        rule_source,
        dcc_rules.clone(),
        Duration::from_secs(settings.authority.dcc_rules_refresh_minutes.max(1) * 60),
    ));
    // The pass key also signs the status list and the audit log's heads: whichever key signs passes now.
    let status_signer =
        surge_web::StatusSigner { issuer: settings.authority.issuer.clone(), key: keys.signing.clone() };
    let head_key = keys.signing.clone();
    if store.count_accounts(Role::Admin).await? == 0 {
        let (_, password) = surge_app::access::create_staff_account(
            &store,
            "system:first-start",
            Role::Admin,
            "admin",
            KeyScope::default(),
            None,
            crate::now(),
            &mut rand_core::OsRng,
        )
        .await
        .map_err(|e| anyhow::anyhow!("creating the admin account: {e}"))?;
        // Shown once; the admin must choose their own at first sign-in (/login/staff).
        println!("admin account: username admin, one-time password (shown once): {password}");
    }
    if store.count_api_keys(Role::Admin).await? == 0 {
        let key = ApiKey::generate(&mut rand_core::OsRng);
        store
            .insert_api_key(
                &NewApiKey {
                    key_hash: key.hash(),
                    role: Role::Admin,
                    organisation_id: None,
                    scope: KeyScope::default(),
                    label: "first admin".into(),
                    lab: None,
                    created_at: crate::now(),
                },
                &AuditEntry {
                    actor: "system".into(),
                    action: "api_key.created".into(),
                    subject: String::new(),
                    detail: Role::Admin.as_str().into(),
                },
            )
            .await?;
        // Shown once, on the console of whoever started the service; only its hash is stored.
        println!("admin API key (shown once, keep it safe): {}", key.reveal());
    }
    let zones = match settings.authority.zones_file.trim() {
        "" => surge_domain::ZoneList::korea(),
        path => {
            let text = std::fs::read_to_string(path).with_context(|| format!("reading authority.zones_file {path}"))?;
            surge_domain::ZoneList::from_tsv(&text)
                .map_err(|(line, problem)| anyhow::anyhow!("authority.zones_file {path} line {line}: {problem}"))?
        }
    };
    let config = Config {
        registry_scheme: RegistryScheme::parse(&settings.authority.registry_scheme).map_err(anyhow::Error::msg)?,
        zones,
        categories: settings.authority.categories.clone(),
        phone_region: settings.authority.phone_region.clone(),
        max_pass_days: settings.authority.max_pass_days,
        max_requested_quota: settings.authority.max_requested_quota,
        applications: settings.applications.config()?,
        zone,
    };
    let signer = PassSigner {
        issuer: keys.signing.clone(),
        issuer_id: settings.authority.issuer.clone(),
        public_base_url: settings.server.public_base_url.clone(),
        sms_language: settings.authority.sms_language.clone(),
        zone,
    };
    let tests = if settings.results.tests_file.is_empty() {
        surge_results::TestTable::seeded()
    } else {
        let text = std::fs::read_to_string(&settings.results.tests_file)
            .with_context(|| format!("reading results.tests_file {}", settings.results.tests_file))?;
        surge_results::TestTable::from_tsv(&text).map_err(|(line, problem)| {
            anyhow::anyhow!("results.tests_file {} line {line}: {problem}", settings.results.tests_file)
        })?
    };
    let monitoring =
        Arc::new(settings.monitoring.build(zone, &settings.authority.phone_region, &settings.results.help_phone)?);
    let results_config = Arc::new(surge_app::results::ResultsConfig {
        tests,
        phone_region: settings.authority.phone_region.clone(),
        sms_language: settings.results.sms_language.clone(),
        help_phone: settings.results.help_phone.clone(),
        results_link: format!("{}/r", settings.server.public_base_url.trim_end_matches('/')),
        certificate_hours: settings.results.certificate_hours,
        duty_phone: match settings.results.duty_phone.trim() {
            "" => None,
            text => Some(
                surge_domain::Phone::parse(text, &settings.authority.phone_region)
                    .map_err(|e| anyhow::anyhow!("results.duty_phone {text:?}: {e}"))?
                    .as_str()
                    .to_owned(),
            ),
        },
        queue_link: format!("{}/results/queue", settings.server.public_base_url.trim_end_matches('/')),
        text_phone_from_lab: settings.results.text_phone_from_lab,
    });
    let documents_dir = settings.applications.documents_dir(data_dir);
    std::fs::create_dir_all(&documents_dir)
        .with_context(|| format!("making the document directory {}", documents_dir.display()))?;
    let metrics = Arc::new(Metrics::default());
    let caches = Arc::new(surge_web::Caches::new());
    let location = settings.lake.location(data_dir);
    let lake = surge_lake_delta::Lake::open_with(&location, settings.lake.storage.clone())
        .with_context(|| format!("opening the lake at {location}"))?;
    let dashboard = Arc::new(surge_web::Dashboard::new(zone, config.zones.clone()));
    let live = Arc::new(surge_web::LiveBoard::default());
    let state = AppState {
        store: store.clone(),
        config: Arc::new(config),
        trust: keys.trust.clone(),
        keys: Some(keys.clone() as Arc<dyn surge_app::keys::KeyAdmin>),
        metrics: metrics.clone(),
        clock: Arc::new(crate::now),
        qr_cache: Arc::default(),
        caches: caches.clone(),
        status_signer: Some(Arc::new(status_signer)),
        web: Arc::new(WebConfig {
            secure_cookies: settings.server.secure_cookies,
            trust_forwarded_for: settings.server.trust_forwarded_for,
            access: AccessPolicy::default(),
            receipt_secret: receipt_secret.clone(),
            webhook_secret: settings.notify.webhook.secret.as_bytes().to_vec(),
            // Derived from the data directory's secret, so every server of a deployment shares it.
            csrf_secret: surge_domain::mac::hmac_sha256(&receipt_secret, b"surge csrf key").to_vec(),
        }),
        signer: Some(Arc::new(signer.clone())),
        dcc_trust: dcc_trust(&settings.authority.dcc_signer_certs)?.map(Arc::new),
        dcc_rules: dcc_rules.clone(),
        documents_dir: Some(Arc::new(documents_dir)),
        results: Some(results_config.clone()),
        monitoring: monitoring.clone(),
        dashboard: dashboard.clone(),
        lake: Some(Arc::new(crate::lake_serve::LakeService {
            lake: lake.clone(),
            limits: surge_lake_delta::QueryLimits {
                max_rows: settings.lake.query_max_rows,
                timeout: Duration::from_millis(settings.lake.query_timeout_ms),
                ..Default::default()
            },
        })),
        live: live.clone(),
    };
    // Printed before the HTTP address, which callers wait for as the sign that the service is up.
    let mllp = if settings.results.mllp_listen.is_empty() {
        None
    } else {
        let mllp_listener = tokio::net::TcpListener::bind(&settings.results.mllp_listen)
            .await
            .with_context(|| format!("listening for MLLP on {}", settings.results.mllp_listen))?;
        let limits = crate::mllp::Limits {
            allow: crate::mllp::parse_allow(&settings.results.mllp_allow)
                .map_err(|e| anyhow::anyhow!("results.mllp_allow: {e}"))?,
            max_connections: settings.results.mllp_max_connections,
            frame_timeout: Duration::from_secs(settings.results.mllp_frame_timeout_s.max(1)),
        };
        let tls = settings.results.mllp_tls().map_err(|e| anyhow::anyhow!(e))?;
        let tls = match tls {
            Some((cert, key, ca)) => Some(crate::mllp::tls_acceptor(cert, key, ca).map_err(|e| anyhow::anyhow!(e))?),
            None => None,
        };
        println!(
            "listening for HL7 v2 (MLLP{}) on {}",
            if tls.is_some() { " over TLS, client certificates required" } else { "" },
            mllp_listener.local_addr()?
        );
        Some(tokio::spawn(crate::mllp::listen(mllp_listener, store.clone(), results_config.clone(), limits, tls)))
    };
    println!("links in text messages open {}", settings.server.public_base_url);
    println!("listening on http://{}", listener.local_addr()?);

    let (stop_tx, stop_rx) = watch::channel(false);
    let stop_rx_sms = stop_rx.clone();
    let worker = tokio::spawn(run_worker(
        store.clone(),
        IssuanceWorker {
            signer: signer.clone(),
            rng: StdRng::from_rng(rand_core::OsRng).context("seeding the worker's generator")?,
            batch_size: settings.issuance.batch_size,
            signing_threads: settings.issuance.signing_threads(),
        },
        Duration::from_millis(settings.issuance.idle_poll_ms),
        metrics.clone(),
        stop_rx,
    ));
    let (routes, smpp_receipts) = notify_routes(settings, data_dir, &receipt_secret)?;
    if let Some(receipts) = smpp_receipts {
        tokio::spawn(record_smpp_receipts(store.clone(), receipts));
    }
    let notify = NotifyWorker::new(
        routes,
        WorkerConfig {
            max_segments: settings.notify.max_segments,
            phone_region: settings.authority.phone_region.clone(),
            batch: settings.notify.batch,
            window: settings.notify.window,
            sending_timeout: Duration::from_secs(settings.notify.sending_timeout_s),
            body_retention: Duration::from_secs(settings.notify.body_retention_days * 24 * 3600),
            ..WorkerConfig::default()
        },
    );
    // Keeps the in-memory pass statuses and API keys current with changes made by any server.
    let status_feed = {
        let (store, caches) = (store.clone(), caches.clone());
        tokio::spawn(async move {
            loop {
                if let Err(e) = caches.refresh_statuses(&store).await {
                    tracing::warn!(error = %e, "refreshing pass statuses failed");
                }
                if let Err(e) = caches.refresh_keys(&store).await {
                    tracing::warn!(error = %e, "following API key revocations failed");
                }
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
        })
    };
    // Raw lab messages are kept for the retention period, then only what they came to.
    let retention = {
        let store = store.clone();
        let keep =
            time::Duration::days(i64::try_from(settings.results.raw_retention_days).unwrap_or(i64::MAX / 86_400));
        tokio::spawn(async move {
            loop {
                match store.purge_lab_messages(crate::now() - keep).await {
                    Ok(0) => {}
                    Ok(n) => tracing::info!(messages = n, "raw lab messages past retention cleared"),
                    Err(e) => tracing::warn!(error = %e, "clearing old lab messages failed"),
                }
                tokio::time::sleep(Duration::from_secs(3600)).await;
            }
        })
    };
    // The audit log's signed head, every ten minutes when the log has grown: entries later cut from its end are
    // then named by `surge audit verify`.
    let audit_heads = {
        let (store, data_dir, head_key) = (store.clone(), data_dir.to_owned(), head_key.clone());
        tokio::spawn(async move {
            let mut published = None;
            loop {
                let seq = match store.last_audit_entry().await {
                    Ok(last) => Some(last.map_or(0, |l| l.seq)),
                    Err(e) => {
                        tracing::warn!(error = %e, "reading the audit log's head failed");
                        None
                    }
                };
                if seq.is_some() && seq != published {
                    let now = crate::now().unix_timestamp();
                    match crate::audit_cmd::publish_head(&store, &head_key.key(), &data_dir, now).await {
                        Ok(head) => published = Some(head.seq),
                        Err(e) => tracing::warn!(error = %e, "publishing the audit log's head failed"),
                    }
                }
                tokio::time::sleep(AUDIT_HEAD_EVERY).await;
            }
        })
    };
    // Keys rotate on schedule while the service runs: checked hourly.
    let key_rotation = {
        let (store, keys) = (store.clone(), keys.clone());
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(Duration::from_secs(3600)).await;
                if let Err(e) = surge_app::keys::keep_on_schedule(&store, keys.as_ref(), crate::now()).await {
                    tracing::error!(error = %e, "keeping the pass keys on schedule failed; the current key still signs");
                }
            }
        })
    };
    let dashboard_task =
        tokio::spawn(crate::lake_serve::keep_dashboard(store.clone(), lake, dashboard, settings.lake.clone()));
    let live_task = settings
        .stream
        .enabled
        .then(|| tokio::spawn(crate::live::keep_live(store.clone(), live, settings.stream.clone())));
    let sms = tokio::spawn(run_notify(
        store.clone(),
        notify,
        Duration::from_millis(settings.notify.idle_poll_ms),
        metrics.clone(),
        stop_rx_sms,
    ));
    let app = surge_web::router(state).into_make_service_with_connect_info::<std::net::SocketAddr>();
    axum::serve(listener, app).with_graceful_shutdown(shutdown_signal()).await.context("serving HTTP")?;
    tracing::info!("stopped taking requests; waiting for the issuance worker");
    let _ = stop_tx.send(true);
    worker.await.context("joining the issuance worker")?;
    sms.await.context("joining the SMS sender")?;
    status_feed.abort();
    retention.abort();
    audit_heads.abort();
    key_rotation.abort();
    // One last head, so that the log as it stands at the stop is recorded.
    if let Err(e) =
        crate::audit_cmd::publish_head(&store, &head_key.key(), data_dir, crate::now().unix_timestamp()).await
    {
        tracing::warn!(error = %e, "publishing the audit log's head at the stop failed");
    }
    dashboard_task.abort();
    if let Some(live) = live_task {
        live.abort();
    }
    if let Some(mllp) = mllp {
        mllp.abort();
    }
    rules_refresh.abort();
    tracing::info!("stopped");
    Ok(())
}

/// How often the running server signs and records the audit log's head (when it has grown).
const AUDIT_HEAD_EVERY: Duration = Duration::from_secs(600);

/// Issues passes until told to stop. A stop request waits for the transaction in progress, which either commits
/// or, if the process dies first, rolls back and is claimed again after restart.
async fn run_worker<S: Store>(
    store: S,
    mut worker: IssuanceWorker<StdRng>,
    idle: Duration,
    metrics: Arc<Metrics>,
    mut stop: watch::Receiver<bool>,
) {
    loop {
        if *stop.borrow() {
            return;
        }
        let pause = match worker.run_once(&store, crate::now()).await {
            Ok(outcome) if outcome.is_idle() => idle,
            Ok(outcome) => {
                metrics.passes_issued.inc_by(outcome.issued as u64);
                Duration::ZERO
            }
            Err(e) => {
                tracing::error!(error = %e, "issuance failed; retrying");
                idle
            }
        };
        if !pause.is_zero() {
            tokio::select! {
                _ = tokio::time::sleep(pause) => {}
                _ = stop.changed() => return,
            }
        }
    }
}

/// Sends what the outbox holds until told to stop, and every `sweep_interval` puts back messages whose sender died
/// and deletes bodies past their retention. Like issuance, a stop waits for the batch in flight to be recorded.
async fn run_notify<S: Store>(
    store: S,
    worker: NotifyWorker,
    idle: Duration,
    metrics: Arc<Metrics>,
    mut stop: watch::Receiver<bool>,
) {
    let mut last_sweep: Option<std::time::Instant> = None;
    loop {
        if *stop.borrow() {
            return;
        }
        if last_sweep.is_none_or(|t| t.elapsed() >= worker.sweep_interval()) {
            if let Err(e) = worker.sweep(&store, crate::now()).await {
                tracing::error!(error = %e, "outbox sweep failed");
            }
            last_sweep = Some(std::time::Instant::now());
        }
        let pause = match worker.run_once(&store, crate::now()).await {
            Ok(outcome) if outcome.claimed == 0 => idle,
            Ok(outcome) => {
                metrics.sms_accepted.inc_by(outcome.accepted as u64);
                metrics.sms_failed.inc_by(outcome.failed as u64);
                Duration::ZERO
            }
            Err(e) => {
                tracing::error!(error = %e, "sending failed; retrying");
                Duration::from_secs(1)
            }
        };
        if !pause.is_zero() {
            tokio::select! {
                _ = tokio::time::sleep(pause) => {}
                _ = stop.changed() => return,
            }
        }
    }
}

/// The gateways the settings name, each with its weight and rate, and the SMPP receipts to record, if any.
fn notify_routes(
    settings: &Settings,
    data_dir: &Path,
    receipt_secret: &[u8],
) -> anyhow::Result<(Vec<Route>, Option<tokio::sync::mpsc::UnboundedReceiver<SmppReceipt>>)> {
    let mut routes = Vec::new();
    let mut smpp_receipts = None;
    for name in settings.notify.gateways.split(',').map(str::trim).filter(|n| !n.is_empty()) {
        let route = match name {
            "log" => {
                let path = data_dir.join(&settings.notify.log.path);
                let gateway = LogGateway::open(&path).with_context(|| format!("opening {}", path.display()))?;
                Route { gateway: Arc::new(gateway), weight: settings.notify.log.weight, rate: settings.notify.log.rate }
            }
            "kannel" => {
                let k = &settings.notify.kannel;
                anyhow::ensure!(!k.sendsms_url.is_empty(), "notify.kannel.sendsms_url is not set");
                let gateway = KannelGateway::new(KannelConfig {
                    sendsms_url: k.sendsms_url.clone(),
                    username: k.username.clone(),
                    password: k.password.clone(),
                    from: k.from.clone(),
                    public_base_url: if k.receipt_base_url.is_empty() {
                        settings.server.public_base_url.clone()
                    } else {
                        k.receipt_base_url.clone()
                    },
                    receipt_secret: receipt_secret.to_vec(),
                })
                .map_err(anyhow::Error::msg)?;
                Route { gateway: Arc::new(gateway), weight: k.weight, rate: k.rate }
            }
            "webhook" => {
                let w = &settings.notify.webhook;
                anyhow::ensure!(!w.url.is_empty(), "notify.webhook.url is not set");
                anyhow::ensure!(w.secret.len() >= 16, "notify.webhook.secret must be at least 16 characters");
                let gateway =
                    WebhookGateway::new(WebhookConfig { url: w.url.clone(), secret: w.secret.as_bytes().to_vec() })
                        .map_err(anyhow::Error::msg)?;
                Route { gateway: Arc::new(gateway), weight: w.weight, rate: w.rate }
            }
            "smpp" => {
                let p = &settings.notify.smpp;
                anyhow::ensure!(!p.address.is_empty(), "notify.smpp.address is not set");
                let (gateway, receipts) = SmppGateway::new(SmppConfig {
                    address: p.address.clone(),
                    system_id: p.system_id.clone(),
                    password: p.password.clone(),
                    system_type: p.system_type.clone(),
                    source_addr: p.source_addr.clone(),
                    window: p.window,
                    enquire_link_interval: Duration::from_secs(p.enquire_link_s.max(1)),
                    response_timeout: Duration::from_secs(p.response_timeout_s.max(1)),
                });
                smpp_receipts = Some(receipts);
                Route { gateway: Arc::new(gateway), weight: p.weight, rate: p.rate }
            }
            other => anyhow::bail!("notify.gateways: unknown gateway {other:?} (log, kannel, smpp, webhook)"),
        };
        routes.push(route);
    }
    anyhow::ensure!(!routes.is_empty(), "notify.gateways names no gateway");
    Ok((routes, smpp_receipts))
}

/// Records SMPP delivery receipts. One can overtake the recording of the SMSC's id for its message, so a receipt
/// for an unknown id is tried again a few times before it is given up (and logged).
async fn record_smpp_receipts<S: Store + Clone + 'static>(
    store: S,
    mut receipts: tokio::sync::mpsc::UnboundedReceiver<SmppReceipt>,
) {
    while let Some((id, receipt)) = receipts.recv().await {
        let store = store.clone();
        tokio::spawn(async move {
            for attempt in 0..10u32 {
                match store.record_receipt_by_gateway_id("smpp", &id, receipt, crate::now()).await {
                    Ok(_) => return,
                    Err(surge_app::StoreError::NotFound) if attempt < 9 => {
                        tokio::time::sleep(Duration::from_millis(500)).await;
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, smsc_id = %id, "an SMPP receipt could not be recorded");
                        return;
                    }
                }
            }
        });
    }
}

/// The secret that signs delivery-receipt URLs: made on first start, kept in `DATA_DIR/keys/receipt-secret`.
pub fn receipt_secret(data_dir: &Path) -> anyhow::Result<Vec<u8>> {
    use rand_core::RngCore;
    let path = data_dir.join("keys").join("receipt-secret");
    if let Ok(text) = std::fs::read_to_string(&path) {
        return Ok(text.trim().as_bytes().to_vec());
    }
    let mut bytes = [0u8; 32];
    rand_core::OsRng.fill_bytes(&mut bytes);
    let secret = hex::encode(bytes);
    std::fs::create_dir_all(data_dir.join("keys"))?;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    match options.open(&path) {
        Ok(mut file) => {
            std::io::Write::write_all(&mut file, secret.as_bytes())?;
            Ok(secret.into_bytes())
        }
        // Another server sharing the data directory made it first.
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            Ok(std::fs::read_to_string(&path)?.trim().as_bytes().to_vec())
        }
        Err(e) => Err(e).with_context(|| format!("writing {}", path.display())),
    }
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        _ = ctrl_c => {}
        _ = terminate => {}
    }
    tracing::info!("shutting down");
}
