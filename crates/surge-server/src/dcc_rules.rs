//! The EU DCC business rules checkpoints apply: the built-in set, a file, or the address an authority publishes
//! them at. With `authority.dcc_rules_key`, a list is taken only with its publisher's signature (the `X-SIGNATURE`
//! header, or a `.sig` file beside a file); a list from an address is kept as the last good copy, used when the
//! address cannot be reached, and fetched again every `authority.dcc_rules_refresh_minutes`.

use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use anyhow::{Context, anyhow};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use surge_app::dcc::{Rule, default_rules, parse_rules};

/// How long one fetch of the rules may take.
const FETCH_TIMEOUT: Duration = Duration::from_secs(15);

/// Where the rules come from, from `authority.dcc_rules` and `authority.dcc_rules_key`.
#[derive(Debug, Clone)]
pub struct RuleSource {
    /// A path or an `http(s)://` address; empty: the built-in set.
    pub location: String,
    /// The publisher's ECDSA P-256 public key (PEM), when the rules must be signed.
    pub publisher: Option<String>,
    /// Where the last good copy of rules from an address is kept.
    pub cache: PathBuf,
}

impl RuleSource {
    pub fn new(location: &str, key_path: &str, data_dir: &Path) -> anyhow::Result<Self> {
        let publisher = if key_path.trim().is_empty() {
            None
        } else {
            Some(
                std::fs::read_to_string(key_path.trim())
                    .with_context(|| format!("reading authority.dcc_rules_key {}", key_path.trim()))?,
            )
        };
        Ok(Self { location: location.trim().to_owned(), publisher, cache: data_dir.join("dcc-rules") })
    }

    fn is_address(&self) -> bool {
        self.location.starts_with("https://") || self.location.starts_with("http://")
    }
}

/// The rules and their signature, checked: parsed, and signed by the publisher when a key is set.
fn checked(source: &RuleSource, body: &[u8], signature: Option<&str>) -> anyhow::Result<Vec<Rule>> {
    if let Some(publisher) = &source.publisher {
        let signature = signature.ok_or_else(|| anyhow!("no signature came with the rules"))?;
        let signature = STANDARD.decode(signature.trim()).map_err(|_| anyhow!("the signature is not base64"))?;
        surge_pass::dcc::verify_list_signature(publisher, body, &signature).map_err(|e| anyhow!("{e}"))?;
    }
    let text = std::str::from_utf8(body).map_err(|_| anyhow!("the rules are not UTF-8 text"))?;
    parse_rules(text).map_err(|e| anyhow!("{e}"))
}

/// Fetches the rules from the address, with the `X-SIGNATURE` header.
async fn fetch(address: &str) -> anyhow::Result<(Vec<u8>, Option<String>)> {
    let client = reqwest::Client::builder().timeout(FETCH_TIMEOUT).build()?;
    let response = client.get(address).send().await?.error_for_status()?;
    let signature = response.headers().get("x-signature").and_then(|v| v.to_str().ok()).map(str::to_owned);
    Ok((response.bytes().await?.to_vec(), signature))
}

fn save_copy(cache: &Path, body: &[u8], signature: Option<&str>) -> std::io::Result<()> {
    std::fs::create_dir_all(cache)?;
    // Written beside and renamed, so a crash never leaves half a copy.
    let write = |name: &str, bytes: &[u8]| {
        let part = cache.join(format!("{name}.part"));
        std::fs::write(&part, bytes)?;
        std::fs::rename(&part, cache.join(name))
    };
    write("rules.sig", signature.unwrap_or_default().as_bytes())?;
    write("rules.json", body)
}

fn read_copy(cache: &Path) -> Option<(Vec<u8>, Option<String>)> {
    let body = std::fs::read(cache.join("rules.json")).ok()?;
    let signature = std::fs::read_to_string(cache.join("rules.sig")).ok().filter(|s| !s.trim().is_empty());
    Some((body, signature))
}

/// Fetches and checks the rules from the address, keeping them as the last good copy.
async fn from_address(source: &RuleSource) -> anyhow::Result<Vec<Rule>> {
    let (body, signature) = fetch(&source.location).await?;
    let rules = checked(source, &body, signature.as_deref())?;
    if let Err(e) = save_copy(&source.cache, &body, signature.as_deref()) {
        tracing::warn!(error = %e, "keeping a copy of the DCC rules failed");
    }
    Ok(rules)
}

/// The rules at start. A file that cannot be read or is not signed stops the start, naming it; an address that
/// cannot be reached falls back to the last good copy, and stops the start only when there is none.
pub async fn load(source: &RuleSource) -> anyhow::Result<Vec<Rule>> {
    let named = |e: anyhow::Error| anyhow!("authority.dcc_rules {}: {e:#}", source.location);
    if source.location.is_empty() {
        return Ok(default_rules());
    }
    let rules = if source.is_address() {
        match from_address(source).await {
            Ok(rules) => rules,
            Err(e) => {
                tracing::warn!(error = %e, "DCC rules could not be fetched; looking for the last good copy");
                let (body, signature) = read_copy(&source.cache).ok_or_else(|| named(e.context("no copy kept")))?;
                checked(source, &body, signature.as_deref()).map_err(named)?
            }
        }
    } else {
        let body = std::fs::read(&source.location).map_err(|e| named(e.into()))?;
        let signature = match &source.publisher {
            Some(_) => Some(
                std::fs::read_to_string(format!("{}.sig", source.location))
                    .map_err(|e| named(anyhow!("reading its signature {}.sig: {e}", source.location)))?,
            ),
            None => None,
        };
        checked(source, &body, signature.as_deref()).map_err(named)?
    };
    tracing::info!(rules = rules.len(), signed = source.publisher.is_some(), "DCC business rules loaded");
    Ok(rules)
}

/// Fetches the rules from their address again every `every`, until the task is aborted; a failed fetch keeps the
/// rules in force.
pub async fn refresh(source: RuleSource, rules: Arc<RwLock<Arc<Vec<Rule>>>>, every: Duration) {
    if !source.is_address() {
        return;
    }
    loop {
        tokio::time::sleep(every).await;
        match from_address(&source).await {
            Ok(fresh) => {
                tracing::info!(rules = fresh.len(), "DCC business rules refreshed");
                if let Ok(mut held) = rules.write() {
                    *held = Arc::new(fresh);
                }
            }
            Err(e) => tracing::warn!(error = %e, "DCC business rules could not be refreshed; the current ones stay"),
        }
    }
}

#[cfg(test)]
mod tests {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    use super::*;

    fn fixture(name: &str) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/rules").join(name)
    }

    /// Serves `body` with `signature` as `X-SIGNATURE` to every request, until dropped; returns the address.
    async fn publisher(body: Vec<u8>, signature: String) -> (String, tokio::task::JoinHandle<()>) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = format!("http://{}/rules.json", listener.local_addr().unwrap());
        let task = tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                let mut request = [0u8; 4096];
                let _ = socket.read(&mut request).await;
                let head = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-SIGNATURE: {signature}\r\n\
                     Content-Length: {}\r\nConnection: close\r\n\r\n",
                    body.len()
                );
                let _ = socket.write_all(head.as_bytes()).await;
                let _ = socket.write_all(&body).await;
            }
        });
        (address, task)
    }

    fn source(location: &str, data_dir: &Path) -> RuleSource {
        RuleSource::new(location, fixture("publisher.pem").to_str().unwrap(), data_dir).unwrap()
    }

    #[tokio::test]
    async fn signed_rules_from_an_address_are_kept_and_a_changed_list_is_refused_for_the_last_good_copy() {
        let dir = tempfile::tempdir().unwrap();
        let body = std::fs::read(fixture("published.json")).unwrap();
        let signature = std::fs::read_to_string(fixture("published.json.sig")).unwrap();
        let (address, server) = publisher(body.clone(), signature.clone()).await;
        let rules = load(&source(&address, dir.path())).await.unwrap();
        assert_eq!(rules.iter().map(|r| r.identifier.as_str()).collect::<Vec<_>>(), ["KR-PUB-0001"]);
        assert!(dir.path().join("dcc-rules/rules.json").exists(), "the last good copy is kept");
        server.abort();

        // The same address now serves a changed list under the old signature: refused, the good copy is used.
        let changed = String::from_utf8(body.clone()).unwrap().replace("KR-PUB-0001", "KR-PUB-0002");
        let (forged, server) = publisher(changed.into_bytes(), signature.clone()).await;
        let fresh = dir.path().join("fresh");
        let refused = load(&source(&forged, &fresh)).await.unwrap_err().to_string();
        assert!(refused.contains(&forged) && refused.contains("does not match"), "{refused}");
        let kept = load(&source(&forged, dir.path())).await.unwrap();
        assert_eq!(kept[0].identifier, "KR-PUB-0001", "the last good copy, not the forged list");
        server.abort();

        // Unreachable: the last good copy; with none, the start stops and names the address.
        let gone = "http://127.0.0.1:9/rules.json";
        assert_eq!(load(&source(gone, dir.path())).await.unwrap()[0].identifier, "KR-PUB-0001");
        let none = load(&source(gone, &fresh)).await.unwrap_err().to_string();
        assert!(none.starts_with("authority.dcc_rules http://127.0.0.1:9/rules.json:"), "{none}");

        // A refresh swaps in a newly published list and keeps the rules in force when the fetch fails.
        let held = Arc::new(RwLock::new(Arc::new(kept)));
        let (address, server) = publisher(body, signature).await;
        let task = tokio::spawn(refresh(source(&address, &fresh), held.clone(), Duration::from_millis(50)));
        tokio::time::sleep(Duration::from_millis(400)).await;
        task.abort();
        server.abort();
        assert!(fresh.join("dcc-rules/rules.json").exists(), "the refresh fetched and kept the list");
    }

    #[tokio::test]
    async fn a_rules_file_needs_its_signature_beside_it_when_a_publisher_key_is_set() {
        let dir = tempfile::tempdir().unwrap();
        let file = fixture("published.json");
        assert_eq!(load(&source(file.to_str().unwrap(), dir.path())).await.unwrap().len(), 1);
        let copy = dir.path().join("rules.json");
        std::fs::copy(&file, &copy).unwrap();
        let missing = load(&source(copy.to_str().unwrap(), dir.path())).await.unwrap_err().to_string();
        assert!(missing.contains("rules.json.sig"), "{missing}");
        let unsigned = RuleSource::new(copy.to_str().unwrap(), "", dir.path()).unwrap();
        assert_eq!(load(&unsigned).await.unwrap().len(), 1, "no key set: taken as the authority's own file");
        assert_eq!(load(&RuleSource::new("", "", dir.path()).unwrap()).await.unwrap().len(), 7, "built in");
    }
}
