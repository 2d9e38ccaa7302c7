//! S3-compatible storage for the lake: `s3://bucket/prefix` locations get an `object_store` S3 client, registered
//! with deltalake once per process. Commits are written with `If-None-Match: *` (put if absent), which AWS S3,
//! MinIO, Ceph and R2 honour, so two writers cannot both commit the same version: no lock table is needed, unlike
//! deltalake's own `s3` feature (DynamoDB locking and the AWS SDK, a large build for what object_store already does).

use std::str::FromStr;
use std::sync::{Arc, Once};

use deltalake::logstore::{
    LogStore, LogStoreFactory, ObjectStoreFactory, ObjectStoreRef, StorageConfig, default_logstore, logstore_factories,
    object_store_factories,
};
use deltalake::{DeltaResult, Path};
use object_store::aws::{AmazonS3Builder, AmazonS3ConfigKey};
use url::Url;

/// Builds an S3 client from the environment (`AWS_ENDPOINT`, `AWS_REGION`, `AWS_ACCESS_KEY_ID`, …), then the
/// lake's own options, which win.
#[derive(Debug, Default)]
struct S3Factory;

impl ObjectStoreFactory for S3Factory {
    fn parse_url_opts(&self, url: &Url, config: &StorageConfig) -> DeltaResult<(ObjectStoreRef, Path)> {
        let mut builder = AmazonS3Builder::from_env().with_url(url.as_str());
        for (key, value) in &config.raw {
            // Options deltalake reads itself (retries, …) are not the S3 client's; they are skipped here.
            if let Ok(key) = AmazonS3ConfigKey::from_str(&key.to_ascii_lowercase()) {
                builder = builder.with_config(key, value);
            }
        }
        let store: ObjectStoreRef = Arc::new(builder.build()?);
        Ok((store, Path::from_url_path(url.path())?))
    }
}

/// Delta's default log store: commits are put-if-absent on the object store itself.
#[derive(Debug, Default)]
struct S3LogStoreFactory;

impl LogStoreFactory for S3LogStoreFactory {
    fn with_options(
        &self,
        prefixed_store: ObjectStoreRef,
        root_store: ObjectStoreRef,
        location: &Url,
        options: &StorageConfig,
    ) -> DeltaResult<Arc<dyn LogStore>> {
        Ok(default_logstore(prefixed_store, root_store, location, options))
    }
}

/// Makes `s3://` locations known to deltalake; later calls do nothing.
pub(crate) fn register_s3() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        if let Ok(scheme) = Url::parse("s3://") {
            object_store_factories().insert(scheme.clone(), Arc::new(S3Factory));
            logstore_factories().insert(scheme, Arc::new(S3LogStoreFactory));
        }
    });
}
