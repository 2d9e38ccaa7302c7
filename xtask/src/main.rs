//! Project automation, one entry point instead of a Makefile: `cargo xtask test` (the README's test command: sets up
//! what the tests need, then runs them all), `cargo xtask tidy` (house rules), `cargo xtask ci` (format, lints,
//! tidy, tests: what `.ci/run` runs).

use std::env;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, bail};

/// Python packages for the interoperability tests, pinned: pycose 1.1 cannot read cbor2 6's tuples.
/// Interop peers for the tests: COSE and CBOR decoders, DuckDB (reads the lake's tables), moto's S3 server (an
/// S3-compatible store on 127.0.0.1 for the lake), and schemathesis (checks the API against its OpenAPI document).
const PYTHON_PACKAGES: &[&str] =
    &["pycose==1.1.0", "cbor2==5.9.0", "base45==0.4.4", "duckdb==2.0.0", "moto[server]==5.2.5", "schemathesis==4.32.5"];

/// Crates that make up the offline verifier's brain and the domain: they may not depend on any of these.
const NO_IO_CRATES: &[&str] = &[
    "surge-pass",
    "surge-domain",
    "surge-certlogic",
    "surge-results",
    "surge-stream",
    "surge-pdf",
    "surge-monitoring",
];
const IO_DEPENDENCIES: &[&str] = &["tokio", "sqlx", "axum", "hyper", "reqwest", "tracing-subscriber"];

fn main() -> anyhow::Result<()> {
    let task = env::args().nth(1).unwrap_or_default();
    let root = project_root()?;
    env::set_current_dir(&root)?;
    match task.as_str() {
        "test" => test(&root),
        "tidy" => tidy(&root),
        "ci" => {
            run(Command::new("cargo").args(["fmt", "--all", "--check"]))?;
            run(Command::new("cargo").args(["clippy", "--workspace", "--all-targets", "--", "-D", "warnings"]))?;
            tidy(&root)?;
            test(&root)
        }
        _ => bail!("usage: cargo xtask (test | tidy | ci)"),
    }
}

fn project_root() -> anyhow::Result<PathBuf> {
    let manifest = env::var("CARGO_MANIFEST_DIR").context("run through `cargo xtask`")?;
    Path::new(&manifest).parent().map(Path::to_path_buf).context("xtask has no parent directory")
}

fn run(command: &mut Command) -> anyhow::Result<()> {
    println!("$ {command:?}");
    let status = command.status().with_context(|| format!("starting {command:?}"))?;
    if !status.success() {
        bail!("{command:?} failed with {status}");
    }
    Ok(())
}

fn succeeds(command: &mut Command) -> bool {
    command.output().map(|o| o.status.success()).unwrap_or(false)
}

/// A virtual environment with the interop packages, kept under the user's cache so it survives clean clones.
fn python_env() -> anyhow::Result<PathBuf> {
    let home = env::var("HOME").context("HOME is not set")?;
    let venv = env::var("SURGE_VENV").map(PathBuf::from).unwrap_or_else(|_| Path::new(&home).join(".cache/surge/venv"));
    let python = venv.join("bin/python");
    let ready = || {
        // `pip show` takes no version, so the versions are read from `pip freeze`.
        succeeds(Command::new(&python).args(["-c", "import pycose, cbor2, base45; assert cbor2.__name__"]))
            && Command::new(&python)
                .args(["-m", "pip", "freeze"])
                .output()
                .map(|o| PYTHON_PACKAGES.iter().all(|p| String::from_utf8_lossy(&o.stdout).contains(&frozen(p))))
                .unwrap_or(false)
    };
    if !ready() {
        if !python.exists() {
            run(Command::new("python3").args(["-m", "venv"]).arg(&venv))
                .context("creating the Python virtual environment (apt-get install python3-venv if it is missing)")?;
        }
        run(Command::new(&python)
            .args(["-m", "pip", "install", "--quiet", "--disable-pip-version-check"])
            .args(PYTHON_PACKAGES))?;
    }
    Ok(python)
}

/// A requirement as `pip freeze` lists it: `moto[server]==5.2.5` is frozen as `moto==5.2.5`.
fn frozen(requirement: &str) -> String {
    match (requirement.split_once('['), requirement.split_once(']')) {
        (Some((name, _)), Some((_, version))) => format!("{name}{version}"),
        _ => requirement.to_owned(),
    }
}

/// PostgreSQL on 127.0.0.1:5432 for the store conformance suite: started if it is installed but stopped,
/// installed from Debian's packages if it is missing.
fn ensure_postgres() -> anyhow::Result<()> {
    if env::var("SURGE_TEST_POSTGRES_URL").is_ok() {
        return Ok(());
    }
    let ready = || succeeds(Command::new("pg_isready").args(["-q", "-h", "127.0.0.1", "-p", "5432"]));
    if ready() {
        return Ok(());
    }
    if !Path::new("/etc/postgresql").is_dir() {
        run(Command::new("apt-get").arg("update"))?;
        run(Command::new("apt-get").args(["install", "-y", "postgresql"]))?;
    }
    for entry in std::fs::read_dir("/etc/postgresql").context("listing /etc/postgresql")? {
        let version = entry?.file_name();
        // Already running is fine; any other failure shows in the readiness wait below.
        let _ = Command::new("pg_ctlcluster")
            .arg("--skip-systemctl-redirect")
            .arg(&version)
            .args(["main", "start"])
            .status();
    }
    for _ in 0..60 {
        if ready() {
            return Ok(());
        }
        std::thread::sleep(std::time::Duration::from_millis(500));
    }
    bail!("PostgreSQL did not become ready on 127.0.0.1:5432")
}

/// NATS with JetStream on 127.0.0.1:4222 for the event stream tests: started if it is not running, installed from
/// Debian's packages if it is missing. A server started here keeps its streams under `$HOME/.cache/surge/nats`.
fn ensure_nats() -> anyhow::Result<()> {
    if env::var("SURGE_TEST_NATS_URL").is_ok() {
        return Ok(());
    }
    let ready = || std::net::TcpStream::connect(("127.0.0.1", 4222)).is_ok();
    if ready() {
        return Ok(());
    }
    if !succeeds(Command::new("nats-server").arg("--version")) {
        run(Command::new("apt-get").arg("update"))?;
        run(Command::new("apt-get").args(["install", "-y", "nats-server"]))?;
    }
    let store = PathBuf::from(env::var("HOME").unwrap_or_else(|_| "/tmp".into())).join(".cache/surge/nats");
    std::fs::create_dir_all(&store).with_context(|| format!("creating {}", store.display()))?;
    // Left running after the tests, like the other services on the machine.
    Command::new("nats-server")
        .args(["-js", "-a", "127.0.0.1", "-p", "4222", "-sd"])
        .arg(&store)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .context("starting nats-server")?;
    for _ in 0..60 {
        if ready() {
            return Ok(());
        }
        std::thread::sleep(std::time::Duration::from_millis(500));
    }
    bail!("NATS did not start listening on 127.0.0.1:4222")
}

/// Kannel (bearerbox, smsbox) and its fakesmsc test SMSC from Debian's packages, for the SMS gateway tests. The
/// tests start their own processes on free ports; nothing runs as a system service.
fn ensure_kannel() -> anyhow::Result<()> {
    let needed = ["/usr/sbin/bearerbox", "/usr/sbin/smsbox", "/usr/lib/kannel/test/fakesmsc"];
    if needed.iter().all(|p| Path::new(p).exists()) {
        return Ok(());
    }
    run(Command::new("apt-get").arg("update"))?;
    run(Command::new("apt-get")
        .args(["install", "-y", "kannel", "kannel-extras"])
        .env("DEBIAN_FRONTEND", "noninteractive"))?;
    // The package starts its own bearerbox on the default ports; the tests need none of it.
    let _ = Command::new("service").args(["kannel", "stop"]).status();
    Ok(())
}

/// Headless Chromium and CJK fonts from Debian's packages (never a downloaded browser), and playwright-core from
/// npm, for the page tests.
fn ensure_page_tools(root: &Path) -> anyhow::Result<PathBuf> {
    let chromium = PathBuf::from("/usr/bin/chromium");
    let fonts = Path::new("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc");
    if !chromium.exists() || !fonts.exists() {
        run(Command::new("apt-get").arg("update"))?;
        run(Command::new("apt-get").args(["install", "-y", "chromium", "fonts-noto-cjk"]))?;
    }
    let pages = root.join("crates/surge-web/tests/pages");
    if !pages.join("node_modules/playwright-core").is_dir() {
        run(Command::new("npm").args(["ci", "--no-audit", "--no-fund"]).current_dir(&pages))?;
    }
    Ok(pages)
}

fn test(root: &Path) -> anyhow::Result<()> {
    ensure_postgres()?;
    ensure_nats()?;
    ensure_kannel()?;
    let pages = ensure_page_tools(root)?;
    let python = python_env()?;
    let nextest = succeeds(Command::new("cargo").args(["nextest", "--version"]));
    let mut command = Command::new("cargo");
    if nextest {
        command.args(["nextest", "run", "--workspace", "--no-fail-fast"]);
    } else {
        command.args(["test", "--workspace", "--no-fail-fast"]);
    }
    command.env("SURGE_PYTHON", python).current_dir(root);
    run(&mut command)?;
    // The page tests drive the debug binary that the Rust tests just built.
    let target = env::var("CARGO_TARGET_DIR").map(PathBuf::from).unwrap_or_else(|_| root.join("target"));
    run(Command::new("node").arg("--test").env("SURGE_BIN", target.join("debug/surge")).current_dir(&pages))
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) -> anyhow::Result<()> {
    for entry in std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))? {
        let path = entry?.path();
        if path.is_dir() {
            rust_files(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    Ok(())
}

/// The most methods one storage port may have: a port per context stays small enough to read and to fake.
const MAX_PORT_METHODS: usize = 20;

/// Storage stays behind its ports, and randomness comes in from the edges: only the store crates use sqlx or name the store's tables in SQL, no port grows
/// past `MAX_PORT_METHODS`, the two backends share no statement text (shared SQL lives once in surge-store-sql),
/// and surge-web depends on no store crate.
fn storage_rules(root: &Path, files: &[PathBuf], problems: &mut Vec<String>) -> anyhow::Result<()> {
    let crates = root.join("crates");
    let is_store =
        |f: &Path| f.strip_prefix(&crates).is_ok_and(|rest| rest.to_string_lossy().starts_with("surge-store-"));
    let is_test = |f: &Path| f.components().any(|c| c.as_os_str() == "tests") || f.ends_with("tests.rs");
    let mut tables = Vec::new();
    for dir in std::fs::read_dir(&crates)? {
        let migrations = dir?.path().join("migrations");
        if !migrations.is_dir() {
            continue;
        }
        for sql in std::fs::read_dir(&migrations)? {
            let text = std::fs::read_to_string(sql?.path())?;
            for rest in text.split("CREATE TABLE ").skip(1) {
                let rest = rest.trim_start_matches("IF NOT EXISTS ");
                let name: String = rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
                if !name.is_empty() {
                    tables.push(name);
                }
            }
        }
    }
    let at_the_edge = |f: &Path| f.starts_with(crates.join("surge-server")) || f.starts_with(crates.join("surge-web"));
    tables.sort();
    tables.dedup();
    for file in files.iter().filter(|f| f.starts_with(&crates) && !is_store(f) && !is_test(f)) {
        let text = std::fs::read_to_string(file)?;
        if text.contains("OsRng") && !at_the_edge(file) {
            problems.push(format!(
                "{}: reads the OS random generator; take an RNG as a parameter (only surge-server and surge-web read it)",
                file.display()
            ));
        }
        if text.contains("sqlx::") {
            problems.push(format!("{}: uses sqlx; only the store crates talk to the database", file.display()));
        }
        for table in &tables {
            let found = ["FROM", "INTO", "UPDATE", "JOIN"].iter().any(|keyword| {
                let statement = format!("{keyword} {table}");
                text.match_indices(&statement)
                    .any(|(at, _)| !text[at + statement.len()..].starts_with(|c: char| c.is_alphanumeric() || c == '_'))
            });
            if found {
                problems.push(format!(
                    "{}: has SQL on the store's table {table}; only the store crates hold SQL",
                    file.display()
                ));
            }
        }
    }
    for file in files.iter().filter(|f| f.starts_with(crates.join("surge-app/src"))) {
        let text = std::fs::read_to_string(file)?;
        let mut lines = text.lines();
        while let Some(line) = lines.next() {
            if let Some(rest) = line.strip_prefix("pub trait ") {
                let name: String = rest.chars().take_while(|c| c.is_alphanumeric()).collect();
                let methods =
                    lines.by_ref().take_while(|l| *l != "}").filter(|l| l.trim_start().starts_with("fn ")).count();
                if methods > MAX_PORT_METHODS {
                    problems.push(format!(
                        "{}: the port {name} has {methods} methods; split it by context (at most {MAX_PORT_METHODS})",
                        file.display()
                    ));
                }
            }
        }
    }
    let statements = |krate: &str| -> anyhow::Result<Vec<String>> {
        let mut sources = Vec::new();
        rust_files(&crates.join(krate).join("src"), &mut sources)?;
        let mut found = Vec::new();
        for file in sources {
            let text = std::fs::read_to_string(file)?;
            for literal in text.split('"').skip(1).step_by(2) {
                let sql = literal.split_whitespace().collect::<Vec<_>>().join(" ");
                if ["SELECT ", "INSERT ", "UPDATE ", "DELETE "].iter().any(|k| sql.contains(k)) {
                    found.push(sql);
                }
            }
        }
        Ok(found)
    };
    // Handlers translate: storage is reached through a use case, so every rule stays in surge-app.
    for file in files.iter().filter(|f| f.starts_with(crates.join("surge-web/src")) && !is_test(f)) {
        let text = std::fs::read_to_string(file)?;
        for (at, _) in text.match_indices("store.") {
            let before = text[..at].chars().next_back();
            let method: String = text[at + 6..].chars().take_while(|c| c.is_ascii_lowercase() || *c == '_').collect();
            let called = text[at + 6 + method.len()..].starts_with('(');
            if !before.is_some_and(|c| c.is_alphanumeric() || c == '_') && !method.is_empty() && called {
                problems.push(format!(
                    "{}: calls the store's {method} directly; call a use case in surge-app",
                    file.display()
                ));
            }
        }
    }
    // The API answers typed wire structs, from which the OpenAPI document is derived; a `json!` answer would be
    // invisible to it.
    for file in files.iter().filter(|f| f.starts_with(crates.join("surge-web/src")) && !is_test(f)) {
        let name = file.file_name().and_then(|n| n.to_str()).unwrap_or("");
        let answers = ["api.rs", "error.rs", "openapi.rs", "metrics.rs", "verify_json.rs"].contains(&name);
        if answers && std::fs::read_to_string(file)?.contains("json!(") {
            problems.push(format!(
                "{}: builds an answer with json!; answer a wire struct deriving Serialize and ToSchema",
                file.display()
            ));
        }
    }
    let postgres = statements("surge-store-postgres")?;
    for sql in statements("surge-store-sqlite")?.into_iter().filter(|s| postgres.contains(s)) {
        problems.push(format!("both backends hold the statement {sql:?}; write it once in surge-store-sql"));
    }
    let output = Command::new("cargo")
        .args(["tree", "--edges", "normal", "--prefix", "none", "--format", "{p}", "-p", "surge-web"])
        .output()
        .context("running cargo tree")?;
    for line in String::from_utf8_lossy(&output.stdout).lines() {
        if line.starts_with("surge-store-") {
            problems.push(format!("surge-web depends on {line}: it reaches storage only through use cases"));
        }
    }
    Ok(())
}

/// House rules a quick check can enforce: every Rust file says what it is for, no stubs or skipped tests, and the
/// no-IO crates have no IO dependencies.
fn tidy(root: &Path) -> anyhow::Result<()> {
    let mut files = Vec::new();
    rust_files(&root.join("crates"), &mut files)?;
    rust_files(&root.join("xtask"), &mut files)?;
    let mut problems = Vec::new();
    let stubs =
        [concat!("todo", "!("), concat!("unimplemented", "!("), concat!("#[", "ignore"), concat!("#[", "should_panic")];
    for file in &files {
        let text = std::fs::read_to_string(file)?;
        if !text.starts_with("//!") {
            problems.push(format!("{}: does not open with a //! line saying what it is for", file.display()));
        }
        for stub in stubs {
            if text.contains(stub) {
                problems.push(format!("{}: contains {stub}", file.display()));
            }
        }
    }
    for krate in NO_IO_CRATES {
        let output = Command::new("cargo")
            .args(["tree", "--edges", "normal", "--prefix", "none", "--format", "{p}", "-p", krate])
            .output()
            .context("running cargo tree")?;
        let tree = String::from_utf8_lossy(&output.stdout);
        for dep in IO_DEPENDENCIES {
            if tree.lines().any(|line| line.split_whitespace().next() == Some(dep)) {
                problems.push(format!("{krate} depends on {dep}: it must do no IO"));
            }
        }
        let src = root.join("crates").join(krate).join("src");
        let mut sources = Vec::new();
        rust_files(&src, &mut sources)?;
        // Unit tests may read their fixtures; the rule is for the code that ships.
        for file in sources.into_iter().filter(|f| !f.ends_with("tests.rs")) {
            let text = std::fs::read_to_string(&file)?;
            for io in ["std::fs", "std::net", "std::env", "now_utc", "SystemTime"] {
                if text.contains(io) {
                    problems.push(format!(
                        "{}: uses {io}; {krate} does no IO and takes time as a parameter",
                        file.display()
                    ));
                }
            }
        }
    }
    storage_rules(root, &files, &mut problems)?;
    if problems.is_empty() {
        println!("tidy: {} Rust files checked, no problems", files.len());
        Ok(())
    } else {
        for p in &problems {
            println!("tidy: {p}");
        }
        bail!("tidy found {} problems", problems.len())
    }
}
