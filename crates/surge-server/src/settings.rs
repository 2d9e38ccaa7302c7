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
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ServerSettings {
    /// Address to listen on; port 0 picks a free port (printed at start).
    pub listen: String,
    /// The address holders reach, used in pass links sent by SMS.
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
    /// Essential categories organisations may register under.
    pub categories: Vec<String>,
    /// The longest validity of a bulk-issued pass, in days.
    pub max_pass_days: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct IssuanceSettings {
    /// Rows per issuance transaction.
    pub batch_size: u32,
    /// How long the worker waits before looking again when nothing is pending, in milliseconds.
    pub idle_poll_ms: u64,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            server: ServerSettings {
                listen: "127.0.0.1:8080".into(),
                public_base_url: "http://127.0.0.1:8080".into(),
                secure_cookies: true,
                trust_forwarded_for: false,
            },
            database: DatabaseSettings { url: String::new(), max_connections: 10 },
            authority: AuthoritySettings {
                issuer: "SURGE".into(),
                phone_region: "KR".into(),
                registry_scheme: "kr-brn".into(),
                categories: surge_domain::DEFAULT_CATEGORIES.iter().map(|c| c.to_string()).collect(),
                max_pass_days: 90,
            },
            issuance: IssuanceSettings { batch_size: 1000, idle_poll_ms: 500 },
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
        copy
    }
}
