//! The `surge` binary: parses the command line, runs the command, and maps the outcome to an exit code
//! (0 success, 1 a negative result such as an invalid pass, 2 a usage or input error).

mod audit_cmd;
mod bench;
mod bench_dcc;
mod bench_issue;
mod bench_lake;
mod bench_notify;
mod bench_results;
mod bench_stream;
mod dcc_rules;
mod dcc_testdata;
mod files;
mod keys_cmd;
mod lake_cmd;
mod lake_serve;
mod live;
mod mllp;
mod monitor_cmd;
mod notify_cmd;
mod pass_cmd;
mod pass_keys;
mod serve;
mod settings;
mod stream_cmd;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(name = "surge", version, about = "Surge: an open platform for emergency public services")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the e-Pass service: HTTP API and pages, background issuance. Embedded SQLite unless --database-url.
    Serve(serve::ServeArgs),
    /// Authority keys and the signed trust list.
    #[command(subcommand)]
    Keys(keys_cmd::KeysCommand),
    /// Sign, verify and inspect passes; publish status lists; run the DCC test vectors.
    #[command(subcommand)]
    Pass(pass_cmd::PassCommand),
    /// The hash-chained audit log.
    #[command(subcommand)]
    Audit(audit_cmd::AuditCommand),
    /// Connecting SMS gateways.
    #[command(subcommand)]
    Notify(notify_cmd::NotifyCommand),
    /// Situation data: epidemiological sources (OWID, JHU CSSE, WHO, any CSV with a mapping).
    #[command(subcommand)]
    Lake(lake_cmd::LakeCommand),
    /// Patient monitoring: NEWS2 scores of observations.
    #[command(subcommand)]
    Monitor(monitor_cmd::MonitorCommand),
    /// The live analytics over the event log: counting it again.
    #[command(subcommand)]
    Stream(stream_cmd::StreamCommand),
    /// Benchmarks that print their figures beside a baseline measured in the same run.
    #[command(subcommand)]
    Bench(bench::BenchCommand),
}

/// How a command ended, when it did not fail with an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Success,
    /// A negative answer: the pass is invalid, a check failed.
    Negative,
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // clap prints help and version to stdout with success, and usage errors to stderr.
            let _ = e.print();
            return if e.use_stderr() { ExitCode::from(2) } else { ExitCode::SUCCESS };
        }
    };
    let result = match cli.command {
        Command::Serve(args) => serve::run(args),
        Command::Keys(c) => keys_cmd::run(c),
        Command::Pass(c) => pass_cmd::run(c),
        Command::Notify(c) => notify_cmd::run(c),
        Command::Audit(c) => audit_cmd::run(c),
        Command::Lake(c) => lake_cmd::run(c),
        Command::Monitor(c) => monitor_cmd::run(c),
        Command::Stream(c) => stream_cmd::run(c),
        Command::Bench(c) => bench::run(c),
    };
    match result {
        Ok(Outcome::Success) => ExitCode::SUCCESS,
        Ok(Outcome::Negative) => ExitCode::from(1),
        Err(e) => {
            #[expect(clippy::print_stderr, reason = "the binary reports its errors on stderr")]
            {
                eprintln!("error: {e:#}");
            }
            ExitCode::from(2)
        }
    }
}

/// The wall clock, read here and nowhere else: library code takes the time as a parameter.
#[expect(clippy::disallowed_methods, reason = "the binary is where the clock is read")]
fn now() -> time::OffsetDateTime {
    let now = time::OffsetDateTime::now_utc();
    now.replace_nanosecond(0).unwrap_or(now)
}

/// The async runtime for commands that talk to a database or serve requests.
fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread().enable_all().build()?)
}
