//! The store conformance suite on SQLite, a fresh database file per test.

#![allow(clippy::unwrap_used, reason = "tests fail by panicking")]

use surge_store_sqlite::SqliteStore;

async fn fresh() -> (SqliteStore, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let store = surge_store_sqlite::open(&dir.path().join("surge.db")).await.unwrap();
    (store, dir)
}

surge_testkit::conformance_tests!(fresh);

/// The database, its WAL and its shared memory hold personal data and live sign-in codes: only the service's user
/// may read them, whatever the umask, and a database made by an older version is tightened when opened.
#[cfg(unix)]
#[tokio::test]
async fn the_database_files_are_readable_by_their_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("surge.db");
    std::fs::write(&path, b"").unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    let _store = surge_store_sqlite::open(&path).await.unwrap();
    for name in ["surge.db", "surge.db-wal", "surge.db-shm"] {
        let mode = std::fs::metadata(dir.path().join(name)).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{name} is {mode:o}");
    }
}

/// What every database made so far has applied: sqlx refuses to start when an applied migration's text changed, so
/// rendering the shared templates must give these exact texts (SHA-384, as sqlx checks them).
const APPLIED: &[(i64, &str)] = &[
    (1, "71f13a0e3ff9a3d86d6d2588beafeca076da35cc6e6aa13490c0e58e1224b4bd23000ac7a3dc5f6728477e37c4b140d3"),
    (2, "26a95c5de7f97d161d2b4971acd88d85bf506af5afaf4f8cf1052f2f1ce8a5a439dbfeb4ef462af524fba3f176fb4720"),
    (3, "3f1753c803d115c9369236a9a02c3f6eec84d195b58c7c7388b7b7354ba1859376f9bd8d6df9172bc8cabaef50bebcdb"),
    (4, "97627b331b09d6eb4b49352706246b663f6a3792918f8b817f72a034df1125259173c73a89e2200c4b88b217bb9fc467"),
    (5, "d1f0af9714366977c7ba929dbd88ae9fe7016f2bf5ffc62dbe804efeb4e968632fa4f4b778e0328fdfe099ac248c3c6a"),
    (6, "9485ade76028c96fc38f0821af40a43491fba8deb2f5252c8b801e9da7b41830a59c051d858ecec743f86b2a6f0e4006"),
    (7, "abf3980aa14b4769b6c95ca8b164dce4ce6e7a0a9efe5836b8851ef406ff9b369fe0e902c88b96e49dfb0914a139da9b"),
    (8, "35d602409990efe6b1398ab2e2d5d26fe8128edd07bf6d2b0dac5dc22d538cb6514c00a88ca53969284b87aaffcfd549"),
    (9, "ae0580d3aaaf40f166df29f2087d50f8eb947a0b42179c6dcebda5ba8f061cf78e273c9ecafd9782d3eea24d1426e57f"),
    (10, "db5c2db853fa6e1f6fb4ed049eabffab6df6d1013fa0985a45f38ee70a74ec35be32298481b219da7a212c670a64bc60"),
    (11, "0410a8b5eec3607dc3ef392286100f516c86fbd3e7da7ccd93039e332a477d834ae6592843ca836a05ceb6aa0eb15059"),
    (12, "7cf8f7d416b4efbec9fa2400bdc73a7bcffeefa5b6463d8cee5bda4206d31a28261178767ac7aeef64bd8d5b8c92fce9"),
    (13, "552d17d42590ab0de288b8b5724bfee911b6426f53c8e9fe7d4373cc391811173f77f72d291ebeac5e280221b538f15a"),
    (14, "b73a24b9a0ce25ad52c83508615437a5cce91f5fdab5076431301a0224171a31d2dd4628138e670ecca2db480988c1b8"),
    (15, "aa9ba4021a3698862590a7a9ecb94294871b87335b4781abe5defedba2417a6077fb188d77886d369aa4575989cfd63f"),
    (16, "36c206fbbbd9b5b09eda3886aceac5e32438997bee7b341e6efed82e1a9e1ace70c12a9cc946385aa40d5b87ee01aadc"),
    (17, "87b8f751c70e900d458b2fe38b61ca864f565f8bdbf71ed34261c1637bbf84bf2b6ca99c77310976cc8e9c6fa6330993"),
    (18, "e04830899226f87ca0a6e91e796d6e2b9dc2f6c4aef59371f79bc29b4917e5221b10bd3b1c4b074aadedbc2d6c0a8beb"),
    (19, "66a49aa4800478f39456f33a209bf70babd5776d359821605ffc4b9f5608ab477a18a4725ad8076275ead7a6d56b37fc"),
    (20, "1d4c6ac4fe51897f363e0ce4bdef570a2a70f6537ab067b133a1a3cb136e0d039b1c02e7111415122123243e7cac1f73"),
    (21, "d772a99c9a69de32307d3a71e1809b8eb273f03f478d7441e2d5733b67d95ffd73a15039d3981dd6d8c1296c93050095"),
];

#[test]
fn the_migrations_are_the_texts_databases_already_applied() {
    let checksums: Vec<(i64, String)> = surge_store_sql::migrations::migrator::<surge_store_sqlite::SqliteDialect>()
        .iter()
        .map(|m| (m.version, m.checksum.iter().map(|b| format!("{b:02x}")).collect()))
        .collect();
    let expected: Vec<(i64, String)> = APPLIED.iter().map(|(v, sum)| (*v, (*sum).to_owned())).collect();
    assert_eq!(checksums, expected);
}
