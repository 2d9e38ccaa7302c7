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
use surge_app::{ApiKey, Config, IssuanceWorker, KeyScope, NewApiKey, Role, Store};
use surge_domain::RegistryScheme;
use surge_pass::{Algorithm, Issuer, TrustList};
use surge_store_postgres::PostgresStore;
use surge_store_sqlite::SqliteStore;
use surge_web::{AppState, Metrics, WebConfig};
use tokio::sync::watch;

use crate::Outcome;
use crate::files::{self, Role as KeyRole};
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
}

pub fn run(args: ServeArgs) -> anyhow::Result<Outcome> {
    let mut settings = Settings::load(&args.data_dir, args.config.as_ref())?;
    if let Some(listen) = args.listen {
        settings.server.listen = listen;
    }
    if let Some(url) = args.database_url {
        settings.database.url = url;
    }
    init_tracing();
    tracing::info!(settings = ?settings.redacted(), "starting");
    crate::runtime()?.block_on(async move {
        std::fs::create_dir_all(&args.data_dir).with_context(|| format!("creating {}", args.data_dir.display()))?;
        if settings.database.url.is_empty() {
            let store = SqliteStore::open(&args.data_dir.join("surge.db")).await?;
            serve(store.clone(), &settings, &args.data_dir).await?;
            store.close().await;
        } else {
            let store = PostgresStore::connect(&settings.database.url, settings.database.max_connections).await?;
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

/// The pass key and trust root under `DATA_DIR/keys`, made on first start, and a freshly signed trust list.
fn authority_keys(data_dir: &Path, issuer: &str) -> anyhow::Result<(Issuer, Vec<u8>)> {
    let keys = data_dir.join("keys");
    let now = crate::now();
    for (dir, role) in [("trust-root", KeyRole::TrustRoot), ("pass", KeyRole::Pass)] {
        let path = keys.join(dir);
        if !path.join(files::PRIVATE_FILE).exists() {
            let public = crate::keys_cmd::generate_key_dir(&path, Algorithm::Ed25519, role, issuer, 365, now)?;
            tracing::info!(kid = %public.kid, role = ?role, "generated authority key");
        }
    }
    let root = files::read_key_dir(&keys.join("trust-root"))?;
    let pass = files::read_key_dir(&keys.join("pass"))?;
    let list = TrustList {
        issuer: pass.public.issuer.clone(),
        sequence: now.unix_timestamp().max(0) as u64,
        issued_at: now,
        root: root.key.verifying_key(),
        keys: vec![pass.public.trusted_key()?],
    };
    let signed = list.sign(&root.key)?;
    files::write_trust(&data_dir.join("trust.json"), &signed)?;
    Ok((Issuer::new(pass.key), signed))
}

async fn serve<S: Store + Clone + 'static>(store: S, settings: &Settings, data_dir: &Path) -> anyhow::Result<()> {
    let (issuer, trust_list) = authority_keys(data_dir, &settings.authority.issuer)?;
    if store.count_accounts(Role::Admin).await? == 0 {
        let (_, password) = surge_app::access::create_staff_account(
            &store,
            Role::Admin,
            "admin",
            KeyScope::default(),
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
            .insert_api_key(&NewApiKey {
                key_hash: key.hash(),
                role: Role::Admin,
                organisation_id: None,
                scope: KeyScope::default(),
                label: "first admin".into(),
                created_at: crate::now(),
            })
            .await?;
        // Shown once, on the console of whoever started the service; only its hash is stored.
        println!("admin API key (shown once, keep it safe): {}", key.reveal());
    }
    let config = Config {
        registry_scheme: RegistryScheme::parse(&settings.authority.registry_scheme).map_err(anyhow::Error::msg)?,
        categories: settings.authority.categories.clone(),
        phone_region: settings.authority.phone_region.clone(),
        max_pass_days: settings.authority.max_pass_days,
    };
    let metrics = Arc::new(Metrics::default());
    let state = AppState {
        store: store.clone(),
        config: Arc::new(config),
        trust_list: Arc::new(trust_list),
        metrics: metrics.clone(),
        clock: Arc::new(crate::now),
        qr_cache: Arc::default(),
        web: Arc::new(WebConfig {
            secure_cookies: settings.server.secure_cookies,
            trust_forwarded_for: settings.server.trust_forwarded_for,
            access: AccessPolicy::default(),
        }),
    };
    let listener = tokio::net::TcpListener::bind(&settings.server.listen)
        .await
        .with_context(|| format!("listening on {}", settings.server.listen))?;
    println!("listening on http://{}", listener.local_addr()?);

    let (stop_tx, stop_rx) = watch::channel(false);
    let stop_rx_sms = stop_rx.clone();
    let worker = tokio::spawn(run_worker(
        store.clone(),
        IssuanceWorker {
            issuer,
            issuer_id: settings.authority.issuer.clone(),
            public_base_url: settings.server.public_base_url.clone(),
            rng: StdRng::from_rng(rand_core::OsRng).context("seeding the worker's generator")?,
            batch_size: settings.issuance.batch_size,
        },
        Duration::from_millis(settings.issuance.idle_poll_ms),
        metrics,
        stop_rx,
    ));
    let sms = tokio::spawn(run_sms_log(store.clone(), data_dir.join("sms.log"), stop_rx_sms));
    let app = surge_web::router(state).into_make_service_with_connect_info::<std::net::SocketAddr>();
    axum::serve(listener, app).with_graceful_shutdown(shutdown_signal()).await.context("serving HTTP")?;
    tracing::info!("stopped taking requests; waiting for the issuance worker");
    let _ = stop_tx.send(true);
    worker.await.context("joining the issuance worker")?;
    sms.await.context("joining the SMS sender")?;
    tracing::info!("stopped");
    Ok(())
}

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

/// The default SMS gateway: messages claimed from the outbox are appended to `DATA_DIR/sms.log` as JSON lines
/// (readable only by the service's user, since they carry phone numbers and codes). Real gateways come with the
/// notification pipeline.
async fn run_sms_log<S: Store>(store: S, path: PathBuf, mut stop: watch::Receiver<bool>) {
    loop {
        if *stop.borrow() {
            return;
        }
        let pause = match send_to_log(&store, &path).await {
            Ok(0) => Duration::from_millis(200),
            Ok(_) => Duration::ZERO,
            Err(e) => {
                tracing::error!(error = %e, "writing SMS to the log failed; retrying");
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

async fn send_to_log<S: Store>(store: &S, path: &Path) -> anyhow::Result<usize> {
    use std::io::Write;
    let claimed = store.claim_outbox(500, crate::now()).await?;
    if claimed.is_empty() {
        return Ok(0);
    }
    let mut options = std::fs::OpenOptions::new();
    options.create(true).append(true);
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = std::io::BufWriter::new(options.open(path).with_context(|| format!("opening {}", path.display()))?);
    for (_, message) in &claimed {
        let line = serde_json::json!({"to": message.recipient, "kind": message.kind, "key": message.idempotency_key, "body": message.body});
        writeln!(file, "{line}")?;
    }
    file.into_inner().map_err(|e| e.into_error())?.sync_data()?;
    // Marked sent only once the lines are on disk; a crash in between writes them again, never loses them.
    for (id, _) in &claimed {
        store.finish_outbox(*id, "sent").await?;
    }
    Ok(claimed.len())
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
