//! The root CA publisher: every namespace gets a `kube-root-ca.crt` ConfigMap holding the
//! cluster CA, which pods mount through their `kube-api-access-*` volume.

use crate::api::{ConfigMap, Kind, Namespace, Object, ObjectKey, ObjectMeta};
use crate::apiserver::ApiServer;
use std::collections::BTreeMap;

/// Name of the published ConfigMap.
pub const NAME: &str = "kube-root-ca.crt";

/// The cluster CA certificate (a fixed, well-formed test certificate body).
pub const CA_CRT: &str = "-----BEGIN CERTIFICATE-----\nMIIDBTCCAe2gAwIBAgIIKubariumCAwDQYJKoZIhvcNAQELBQAwFTETMBEGA1UE\nAxMKa3ViZXJuZXRlczAeFw0yNjExMjMwODU1MDBaFw0zNjExMjEwOTAwMDBaMBUx\nEzARBgNVBAMTCmt1YmVybmV0ZXMwggEiMA0GCSqGSIb3DQEBAQUAA4IBDwAwggEK\nAoIBAQDKubariumSimulatedClusterCertificateAuthorityNotARealKey0\n-----END CERTIFICATE-----\n";

/// Ensures the namespace `key` has its `kube-root-ca.crt` ConfigMap.
pub fn reconcile(api: &mut ApiServer, key: &ObjectKey) {
    let Ok(obj) = api.get(key) else { return };
    let Some(ns) = obj.as_::<Namespace>() else {
        return;
    };
    if ns.metadata.deletion_timestamp.is_some() {
        return;
    }
    let name = key.name.clone();
    if api
        .store()
        .get(&ObjectKey::new(Kind::ConfigMap, &name, NAME))
        .is_some()
    {
        return;
    }
    let mut annotations = BTreeMap::new();
    annotations.insert("kubernetes.io/description".to_string(), "Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters.".to_string());
    let cm = ConfigMap {
        metadata: ObjectMeta {
            name: Some(NAME.into()),
            namespace: Some(name.clone()),
            annotations: Some(annotations),
            ..Default::default()
        },
        data: Some(BTreeMap::from([("ca.crt".to_string(), CA_CRT.to_string())])),
        ..Default::default()
    };
    let _ = api.create(Object::from(cm), &name, false);
}
