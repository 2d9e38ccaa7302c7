//! `surge bench issue`: the e-pass bulk flow measured in-process on a fresh database, beside the raw rates it is
//! built on (Ed25519 signatures, bare inserts of rows of a pass row's size) measured in the same run.

use std::time::Instant;

use anyhow::Context;
use futures_util::StreamExt;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::json;
use surge_app::{
    Config, IssuanceWorker, Official, OrgFilter, PassSigner, Store, bulk_approve, decide, register_organisation,
    upload_employees,
};
use surge_domain::{DEFAULT_CATEGORIES, OrgStatus, RegistrationInput, RegistryScheme, Transition};
use surge_pass::{Algorithm, Issuer, SigningKey};

use crate::Outcome;

/// Employees per uploaded file, so the passes spread over many organisations as they would in practice.
const EMPLOYEES_PER_FILE: usize = 100;
/// Organisations spread over this many zones; screening compares names within a zone.
const ZONES: usize = 250;
/// Registrations in flight at once in the rush: clients of the web form and API.
const REGISTERING_CLIENTS: usize = 64;

pub async fn run(orgs: usize, passes: usize, threads: usize, database_url: Option<String>) -> anyhow::Result<Outcome> {
    anyhow::ensure!(
        orgs >= passes.div_ceil(EMPLOYEES_PER_FILE),
        "need at least one organisation per {EMPLOYEES_PER_FILE} passes"
    );
    match database_url {
        None => {
            let dir = tempfile::tempdir()?;
            let store = surge_store_sqlite::open(&dir.path().join("bench.db")).await?;
            let figures = measure(&store, orgs, passes, threads, "sqlite").await?;
            let raw_insert = store.raw_insert_rate(100_000, 450, 1000).await?;
            store.close().await;
            report(figures, raw_insert)
        }
        Some(url) => {
            let nonce: u64 = rand::thread_rng().r#gen();
            let (scratch, name) = surge_store_postgres::create_scratch_database(&url, "surge_bench", nonce).await?;
            let result = async {
                let store = surge_store_postgres::connect(&scratch, 8).await?;
                let figures = measure(&store, orgs, passes, threads, "postgres").await?;
                let raw_insert = store.raw_insert_rate(100_000, 450, 1000).await?;
                store.close().await;
                anyhow::Ok((figures, raw_insert))
            }
            .await;
            surge_store_postgres::drop_scratch_database(&url, &name).await?;
            let (figures, raw_insert) = result?;
            report(figures, raw_insert)
        }
    }
}

#[derive(Debug)]
struct Figures {
    backend: &'static str,
    orgs: usize,
    orgs_per_s: f64,
    orgs_one_at_a_time_per_s: f64,
    upload_rows_per_s: f64,
    passes: u64,
    passes_per_s: f64,
    signing_threads: usize,
    raw_sign_per_s: f64,
}

/// A valid Korean business registration number made from `n`.
fn registry_number(n: u64) -> String {
    let digits: Vec<u32> = format!("{:09}", n % 1_000_000_000).chars().filter_map(|c| c.to_digit(10)).collect();
    let weights = [1, 3, 7, 1, 3, 7, 1, 3, 5];
    let sum: u32 = digits.iter().zip(weights).map(|(d, w)| d * w).sum::<u32>() + digits[8] * 5 / 10;
    let check = (10 - sum % 10) % 10;
    format!("{}{check}", digits.iter().map(|d| d.to_string()).collect::<String>())
}

fn zone(i: usize) -> String {
    format!("KR-{:03}", i % ZONES)
}

async fn measure<S: Store>(
    store: &S,
    orgs: usize,
    passes: usize,
    threads: usize,
    backend: &'static str,
) -> anyhow::Result<Figures> {
    let config = Config {
        registry_scheme: RegistryScheme::KrBrn,
        zones: surge_domain::ZoneList::default(),
        categories: DEFAULT_CATEGORIES.iter().map(|c| c.to_string()).collect(),
        phone_region: "KR".into(),
        max_pass_days: 90,
        max_requested_quota: 100_000,
        applications: surge_app::applications::ApplicationConfig::default(),
        zone: surge_domain::LocalZone::default(),
    };
    let now = crate::now();
    let mut rng = StdRng::seed_from_u64(1);

    // Registrations arrive from many clients at once in a rush; the first few are made one at a time, as a lone
    // client would, which is what every registration cost before group commit (one transaction each).
    let alone = (orgs / 20).clamp(1, 2_000).min(orgs);
    println!(
        "registering and screening {orgs} organisations ({backend}): {alone} one at a time, the rest {REGISTERING_CLIENTS} at once…"
    );
    let registration = |i: usize, name: String| RegistrationInput {
        legal_name: format!("{name} Trading"),
        registry_number: registry_number(i as u64 * 7919 + 13),
        category: "food-supply".into(),
        address: format!("{i} Jungang-daero"),
        zone: zone(i),
        contact_phone: format!("010-{:04}-{:04}", 2000 + i / 10_000, i % 10_000),
        contact_email: format!("org{i}@example.org"),
        requested_quota: EMPLOYEES_PER_FILE.to_string(),
    };
    let inputs: Vec<RegistrationInput> =
        (0..orgs).map(|i| registration(i, (0..12).map(|_| rng.gen_range(b'a'..=b'z') as char).collect())).collect();
    let mut ids = Vec::with_capacity(orgs);
    let start = Instant::now();
    for input in &inputs[..alone] {
        let (id, _) = register_organisation(store, &config, input, None, now).await.context("registering")?;
        ids.push(id);
    }
    let orgs_one_at_a_time_per_s = alone as f64 / start.elapsed().as_secs_f64();
    let start = Instant::now();
    let mut registered = futures_util::stream::iter(&inputs[alone..])
        .map(|input| register_organisation(store, &config, input, None, now))
        .buffered(REGISTERING_CLIENTS);
    while let Some(result) = registered.next().await {
        ids.push(result.context("registering")?.0);
        if ids.len() % 10_000 == 0 {
            println!("  {} organisations", ids.len());
        }
    }
    drop(registered);
    let orgs_per_s = (orgs - alone) as f64 / start.elapsed().as_secs_f64().max(1e-9);

    let approved = bulk_approve(store, &OrgFilter::default(), &Official::system("system:bench"), now).await?.len();
    let files = passes.div_ceil(EMPLOYEES_PER_FILE);
    // Screening may flag a few generated names as alike; an official approves those among the uploaders.
    for id in &ids[..files] {
        let org = store.organisation(*id).await?;
        if org.status == OrgStatus::InReview {
            decide(
                store,
                *id,
                &Transition::Approve { quota: org.requested_quota },
                &Official::system("system:bench"),
                now,
            )
            .await?;
        }
    }
    println!("  {approved} organisations passed every rule and were approved in bulk");

    println!("uploading {files} employee lists of up to {EMPLOYEES_PER_FILE}…");
    let start = Instant::now();
    let today = now.date();
    let until = today + time::Duration::days(6);
    let mut rows = 0usize;
    for (f, org_id) in ids.iter().take(files).enumerate() {
        let n = EMPLOYEES_PER_FILE.min(passes - f * EMPLOYEES_PER_FILE);
        let mut csv = String::from("name,phone,id_last4,zones,valid_from,valid_to\n");
        for e in 0..n {
            let k = f * EMPLOYEES_PER_FILE + e;
            csv.push_str(&format!(
                "Employee {k},010-{:04}-{:04},{:04},{},{today},{until}\n",
                1000 + k / 10_000,
                k % 10_000,
                k % 10_000,
                zone(f)
            ));
        }
        upload_employees(store, &config, *org_id, csv.as_bytes(), false, now).await.context("uploading")?;
        rows += n;
    }
    let upload_rows_per_s = rows as f64 / start.elapsed().as_secs_f64();

    println!("issuing {rows} passes, signing on {threads} threads…");
    let key = SigningKey::generate(Algorithm::Ed25519, &mut rand_core::OsRng);
    let mut worker = IssuanceWorker {
        signer: PassSigner {
            issuer: Issuer::new(key.clone()).into(),
            issuer_id: "KR".into(),
            public_base_url: "https://pass.example.org".into(),
            sms_language: "en".into(),
            zone: surge_domain::LocalZone::default(),
        },
        rng: StdRng::from_rng(rand_core::OsRng).context("seeding")?,
        batch_size: 1000,
        signing_threads: threads,
    };
    let start = Instant::now();
    let mut issued = 0u64;
    loop {
        let outcome = worker.run_once(store, now).await?;
        if outcome.is_idle() {
            break;
        }
        issued += outcome.issued as u64;
        anyhow::ensure!(outcome.failed == 0, "{} rows failed", outcome.failed);
    }
    let passes_per_s = issued as f64 / start.elapsed().as_secs_f64();
    let (stored, outbox) = store.counts().await?;
    anyhow::ensure!(stored == issued && outbox == issued, "{stored} passes and {outbox} messages for {issued} issued");

    let message = vec![0x5a; 200];
    let start = Instant::now();
    let signs = 20_000;
    for _ in 0..signs {
        std::hint::black_box(key.sign(std::hint::black_box(&message)));
    }
    let raw_sign_per_s = signs as f64 / start.elapsed().as_secs_f64();
    Ok(Figures {
        backend,
        orgs,
        orgs_per_s,
        orgs_one_at_a_time_per_s,
        upload_rows_per_s,
        passes: issued,
        passes_per_s,
        signing_threads: threads,
        raw_sign_per_s,
    })
}

fn report(f: Figures, raw_insert_per_s: f64) -> anyhow::Result<Outcome> {
    println!("e-pass bulk flow on {} ({} organisations, {} passes)", f.backend, f.orgs, f.passes);
    println!(
        "  organisations screened and stored {:>10.0} /s  ({REGISTERING_CLIENTS} clients at once, group commit)",
        f.orgs_per_s
    );
    println!(
        "  … one client, one at a time      {:>10.0} /s  (one commit each; ratio {:.1})",
        f.orgs_one_at_a_time_per_s,
        f.orgs_per_s / f.orgs_one_at_a_time_per_s
    );
    println!("  employee rows validated and stored {:>9.0} /s", f.upload_rows_per_s);
    println!(
        "  passes issued (signed, stored, outbox, committed) {:>8.0} /s  → {:.1} s for these",
        f.passes_per_s,
        f.passes as f64 / f.passes_per_s
    );
    println!(
        "  raw Ed25519 signs (one core)       {:>10.0} /s  (passes ÷ raw signs: {:.2}; the target is 0.5)",
        f.raw_sign_per_s,
        f.passes_per_s / f.raw_sign_per_s
    );
    println!("  raw inserts of a pass-sized row    {:>10.0} /s", raw_insert_per_s);
    let line = json!({
        "bench": "issue",
        "orgs_per_s": f.orgs_per_s.round(),
        "orgs_one_at_a_time_per_s": f.orgs_one_at_a_time_per_s.round(),
        "passes_per_s": f.passes_per_s.round(),
        "passes": f.passes,
        "signing_threads": f.signing_threads,
        "ratio_to_raw_sign": (f.passes_per_s / f.raw_sign_per_s * 1000.0).round() / 1000.0,
        "raw_sign_per_s": f.raw_sign_per_s.round(),
        "raw_insert_per_s": raw_insert_per_s.round(),
        "backend": f.backend,
        "orgs": f.orgs,
        "upload_rows_per_s": f.upload_rows_per_s.round(),
    });
    println!("{}", serde_json::to_string(&line)?);
    Ok(Outcome::Success)
}
