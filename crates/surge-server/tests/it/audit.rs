//! `surge audit verify` on a real database: intact after decisions, and a tampered row is named.

use surge_app::AuditLog;
use surge_domain::audit::AuditEntry;

use crate::surge;

/// Five pass revocations in the audit log of the database at `db`.
async fn five_decisions(db: &std::path::Path) {
    let store = surge_store_sqlite::open(db).await.unwrap();
    for i in 1..=5 {
        let entry = AuditEntry {
            actor: "account:1".into(),
            action: "pass.revoked".into(),
            subject: format!("pass:{i}"),
            detail: "reported stolen".into(),
        };
        store.append_audit(&entry, surge_testkit::fixtures::NOW).await.unwrap();
    }
    store.close().await;
}

#[test]
fn audit_verify_passes_an_intact_log_and_names_the_tampered_entry() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    let db = data.join("surge.db");
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    runtime.block_on(five_decisions(&db));
    let out = surge(dir.path(), &["audit", "verify", "--data-dir", "data"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stdout));
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("audit log intact: 5 entries"));

    // Someone edits a decision in the database.
    runtime.block_on(async {
        use sqlx::Connection;
        let mut conn = sqlx::SqliteConnection::connect(&format!("sqlite://{}", db.display())).await.unwrap();
        sqlx::query("UPDATE audit_log SET detail = 'lost' WHERE seq = 3").execute(&mut conn).await.unwrap();
        conn.close().await.unwrap();
    });
    let out = surge(dir.path(), &["audit", "verify", "--data-dir", "data", "--format", "json"]);
    assert_eq!(out.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["intact"], false);
    assert_eq!(report["broken_at"], 3);
    let out = surge(dir.path(), &["audit", "verify", "--data-dir", "nowhere"]);
    assert_eq!(out.status.code(), Some(2), "no database is a usage error");
}

/// Issue 20 #13: deleting the newest entries left a shorter chain that still verified as intact. A signed head names
/// what was cut; a head with a bad signature is refused rather than trusted.
#[test]
fn entries_cut_from_the_end_are_named_against_a_signed_head() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    let out = surge(dir.path(), &["keys", "generate", "--role", "pass", "--out", "data/keys/pass"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let db = data.join("surge.db");
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    runtime.block_on(five_decisions(&db));
    let out = surge(dir.path(), &["audit", "head", "--data-dir", "data"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let head: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!((head["format"].as_str(), head["seq"].as_i64()), (Some("surge-audit-head/1"), Some(5)));
    let kept = dir.path().join("head.json");
    std::fs::write(&kept, &out.stdout).unwrap();
    let out = surge(dir.path(), &["audit", "verify", "--data-dir", "data"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stdout));
    assert!(String::from_utf8_lossy(&out.stdout).contains("holds the signed head at entry 5"));

    // Someone deletes the two newest entries.
    runtime.block_on(async {
        use sqlx::Connection;
        let mut conn = sqlx::SqliteConnection::connect(&format!("sqlite://{}", db.display())).await.unwrap();
        sqlx::query("DELETE FROM audit_log WHERE seq > 3").execute(&mut conn).await.unwrap();
        conn.close().await.unwrap();
    });
    let out = surge(dir.path(), &["audit", "verify", "--data-dir", "data"]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("entries 4 to 5 are missing"), "{text}");
    let out = surge(dir.path(), &["audit", "verify", "--data-dir", "data", "--format", "json", "--head", "head.json"]);
    assert_eq!(out.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!((report["missing_from"].as_i64(), report["missing_to"].as_i64()), (Some(4), Some(5)), "{report}");

    // A head whose hash was changed no longer carries a good signature: refused, not believed.
    let mut changed = head.clone();
    changed["seq"] = serde_json::json!(3);
    std::fs::write(&kept, changed.to_string()).unwrap();
    let out = surge(dir.path(), &["audit", "verify", "--data-dir", "data", "--head", "head.json"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("signature does not check"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
