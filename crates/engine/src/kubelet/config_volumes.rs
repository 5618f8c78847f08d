//! Volumes the kubelet fills from the API: `configMap`, `secret`, `downwardAPI` and
//! `projected` (of those three). Each key becomes a file under the mount path (or the
//! `items` paths), a mount hides what the image had in that directory, and `subPath` mounts
//! one file. A missing ConfigMap or Secret that is not `optional` fails the mount with the
//! kubelet's `MountVolume.SetUp failed for volume ...` message.

use super::config_env::{config_map_data, resource_field, secret_data};
use super::fs::ContainerFs;
use crate::api::{ConfigMap, Kind, ObjectKey, Pod, Secret};
use crate::store::Store;
use k8s_openapi::api::core::v1::{
    Container, DownwardAPIVolumeFile, KeyToPath, Volume, VolumeMount,
};
use std::collections::BTreeMap;

/// The files of a volume: relative path → content.
type Files = BTreeMap<String, String>;

/// Checks that every API-backed volume `c` mounts can be set up (the volume manager's
/// mount before anything is pulled); `Err` with the FailedMount event text when one cannot.
pub fn check(store: &Store, pod: &Pod, c: &Container) -> Result<(), String> {
    for (_, v) in mounted(pod, c) {
        volume_files(store, pod, c, v, "", "")?;
    }
    Ok(())
}

/// The pod volumes container `c` mounts, each with its mount.
fn mounted<'a>(
    pod: &'a Pod,
    c: &'a Container,
) -> impl Iterator<Item = (&'a VolumeMount, &'a Volume)> + 'a {
    let volumes = pod
        .spec
        .as_ref()
        .and_then(|s| s.volumes.as_deref())
        .unwrap_or(&[]);
    c.volume_mounts
        .iter()
        .flatten()
        .filter_map(move |m| volumes.iter().find(|v| v.name == m.name).map(|v| (m, v)))
}

/// Writes the API-backed volumes `c` mounts into its filesystem; `Err` with the FailedMount
/// event text when one cannot be set up. `token` is the service-account token the kubelet
/// requested for the pod (the `serviceAccountToken` projection of `kube-api-access-*`).
pub fn mount(
    fs: &mut ContainerFs,
    store: &Store,
    pod: &Pod,
    c: &Container,
    pod_ip: &str,
    token: &str,
) -> Result<(), String> {
    for (m, v) in mounted(pod, c) {
        let Some(files) = volume_files(store, pod, c, v, pod_ip, token)? else {
            continue;
        };
        let mount_path = m.mount_path.trim_end_matches('/');
        if let Some(sub) = m.sub_path.as_deref().filter(|s| !s.is_empty()) {
            if let Some(content) = files.get(sub) {
                if let Some((dir, _)) = mount_path.rsplit_once('/') {
                    let _ = fs.mkdir_p(if dir.is_empty() { "/" } else { dir });
                }
                let _ = fs.write(mount_path, content);
            }
            continue;
        }
        // The mount hides the image's files there.
        fs.hide_below(mount_path);
        let _ = fs.mkdir_p(mount_path);
        let mut path = String::with_capacity(mount_path.len() + 32);
        for (rel, content) in files {
            path.clear();
            path.push_str(mount_path);
            path.push('/');
            path.push_str(&rel);
            if rel.contains('/') {
                if let Some((dir, _)) = path.rsplit_once('/') {
                    let _ = fs.mkdir_p(dir);
                }
            }
            let _ = fs.write_owned(path.clone(), content);
        }
    }
    Ok(())
}

fn setup_failed(volume: &str, why: &str) -> String {
    format!("MountVolume.SetUp failed for volume \"{volume}\" : {why}")
}

/// Picks the files of `data` named by `items` (all keys when none); a missing key is an
/// error unless `optional`.
fn pick(
    data: BTreeMap<String, String>,
    items: Option<&Vec<KeyToPath>>,
    optional: bool,
    missing: impl Fn(&str) -> String,
) -> Result<Files, String> {
    match items {
        None => Ok(data),
        Some(items) => {
            let mut out = Files::new();
            for it in items {
                match data.get(&it.key) {
                    Some(v) => {
                        out.insert(it.path.clone(), v.clone());
                    }
                    None if optional => {}
                    None => return Err(missing(&it.key)),
                }
            }
            Ok(out)
        }
    }
}

fn config_map_files(
    store: &Store,
    ns: &str,
    volume: &str,
    name: &str,
    items: Option<&Vec<KeyToPath>>,
    optional: bool,
) -> Result<Files, String> {
    let cm = store
        .get(&ObjectKey::new(Kind::ConfigMap, ns, name))
        .and_then(|o| o.as_::<ConfigMap>());
    match cm {
        None if optional => Ok(Files::new()),
        None => Err(setup_failed(
            volume,
            &format!("configmap {name:?} not found"),
        )),
        Some(cm) => {
            let mut data = config_map_data(cm);
            for (k, v) in cm.binary_data.iter().flatten() {
                data.insert(k.clone(), String::from_utf8_lossy(&v.0).into_owned());
            }
            pick(data, items, optional, |k| {
                setup_failed(
                    volume,
                    &format!("configmap references non-existent config key: {k}"),
                )
            })
        }
    }
}

fn secret_files(
    store: &Store,
    ns: &str,
    volume: &str,
    name: &str,
    items: Option<&Vec<KeyToPath>>,
    optional: bool,
) -> Result<Files, String> {
    let s = store
        .get(&ObjectKey::new(Kind::Secret, ns, name))
        .and_then(|o| o.as_::<Secret>());
    match s {
        None if optional => Ok(Files::new()),
        None => Err(setup_failed(volume, &format!("secret {name:?} not found"))),
        Some(s) => pick(secret_data(s), items, optional, |k| {
            setup_failed(volume, &format!("references non-existent secret key: {k}"))
        }),
    }
}

/// A downward API file: plain values, or `key="value"` lines for labels and annotations.
fn downward_files(
    store: &Store,
    pod: &Pod,
    c: &Container,
    items: &[DownwardAPIVolumeFile],
    pod_ip: &str,
) -> Files {
    let mut out = Files::new();
    for it in items {
        let value = if let Some(f) = &it.field_ref {
            let host_ip = pod
                .status
                .as_ref()
                .and_then(|s| s.host_ip.as_deref())
                .unwrap_or("");
            super::downward_api::field_value(
                pod,
                &f.field_path,
                super::downward_api::Addresses { pod_ip, host_ip },
            )
        } else if let Some(r) = &it.resource_field_ref {
            format!("{}\n", resource_field(store, pod, c, r))
                .trim_end()
                .to_string()
        } else {
            String::new()
        };
        out.insert(it.path.clone(), value);
    }
    out
}

/// The files of one API-backed volume; `None` for other volume types.
fn volume_files(
    store: &Store,
    pod: &Pod,
    c: &Container,
    v: &Volume,
    pod_ip: &str,
    token: &str,
) -> Result<Option<Files>, String> {
    let ns = pod.metadata.namespace.as_deref().unwrap_or("default");
    if let Some(cm) = &v.config_map {
        let name = cm.name.as_str();
        return config_map_files(
            store,
            ns,
            &v.name,
            name,
            cm.items.as_ref(),
            cm.optional == Some(true),
        )
        .map(Some);
    }
    if let Some(s) = &v.secret {
        let name = s.secret_name.clone().unwrap_or_default();
        return secret_files(
            store,
            ns,
            &v.name,
            &name,
            s.items.as_ref(),
            s.optional == Some(true),
        )
        .map(Some);
    }
    if let Some(d) = &v.downward_api {
        return Ok(Some(downward_files(
            store,
            pod,
            c,
            d.items.as_deref().unwrap_or(&[]),
            pod_ip,
        )));
    }
    if let Some(p) = &v.projected {
        let mut out = Files::new();
        for src in p.sources.iter().flatten() {
            if let Some(cm) = &src.config_map {
                out.extend(config_map_files(
                    store,
                    ns,
                    &v.name,
                    &cm.name,
                    cm.items.as_ref(),
                    cm.optional == Some(true),
                )?);
            }
            if let Some(s) = &src.secret {
                out.extend(secret_files(
                    store,
                    ns,
                    &v.name,
                    &s.name,
                    s.items.as_ref(),
                    s.optional == Some(true),
                )?);
            }
            if let Some(d) = &src.downward_api {
                out.extend(downward_files(
                    store,
                    pod,
                    c,
                    d.items.as_deref().unwrap_or(&[]),
                    pod_ip,
                ));
            }
            if let Some(t) = &src.service_account_token {
                out.insert(t.path.clone(), token.to_string());
            }
        }
        return Ok(Some(out));
    }
    Ok(None)
}
