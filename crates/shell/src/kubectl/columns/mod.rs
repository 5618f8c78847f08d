//! The table `kubectl get` prints for each kind, as kubectl's `printers.go` declares it:
//! a column list (data) next to one row function per kind.
//!
//! Row functions always return every cell, the `-o wide` ones included, the way the API
//! server's Table response carries them; [`Printer::headers`] and [`Printer::cells`] drop
//! the priority-1 columns unless `-o wide` asked for them.

pub mod config_map;
pub mod controller_revision;
pub mod cron_job;
pub mod daemon_set;
pub mod deployment;
pub mod endpoint_slice;
pub mod endpoints;
pub mod event;
pub mod ingress;
pub mod job;
pub mod namespace;
pub mod node;
pub mod persistent_volume;
pub mod pod;
pub mod rbac;
pub mod replica_set;
pub mod secret;
pub mod service;
pub mod stateful_set;
pub mod storage_class;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use kubarium_engine::{Kind, Object};

/// One column of a kind's table (`metav1.TableColumnDefinition`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Column {
    /// Column name as declared (`Nominated Node`); the header is its upper case.
    pub name: &'static str,
    /// 0: always shown; 1: only with `-o wide`.
    pub priority: u8,
}

/// A column shown by default.
pub const fn col(name: &'static str) -> Column {
    Column { name, priority: 0 }
}

/// A column shown only with `-o wide`.
pub const fn wide(name: &'static str) -> Column {
    Column { name, priority: 1 }
}

/// What a row function needs besides the object: the clock that ages are measured against.
#[derive(Clone, Copy, Debug)]
pub struct RowContext {
    /// Simulated wall clock, Unix milliseconds.
    pub now_unix_ms: i64,
}

impl RowContext {
    /// `translateTimestampSince`: `<unknown>` for an unset time, else kubectl's HumanDuration
    /// of the time elapsed since it.
    pub fn since(&self, t: Option<&Time>) -> String {
        match t {
            Some(t) => self.since_ms(t.0.as_millisecond()),
            None => "<unknown>".to_string(),
        }
    }

    /// HumanDuration of the time since a Unix-millisecond instant.
    pub fn since_ms(&self, unix_ms: i64) -> String {
        human_duration_ms(self.now_unix_ms - unix_ms)
    }
}

/// The columns and the row function of one kind.
#[derive(Clone, Copy)]
pub struct Printer {
    pub columns: &'static [Column],
    pub row: fn(&Object, &RowContext) -> Vec<String>,
}

impl Printer {
    /// Headers as kubectl prints them (upper-cased), without the wide ones unless `wide`.
    pub fn headers(&self, wide: bool) -> Vec<String> {
        self.columns
            .iter()
            .filter(|c| wide || c.priority == 0)
            .map(|c| c.name.to_uppercase())
            .collect()
    }

    /// The cells of one object's row, without the wide ones unless `wide`.
    pub fn cells(&self, obj: &Object, ctx: &RowContext, wide: bool) -> Vec<String> {
        let row = (self.row)(obj, ctx);
        self.columns
            .iter()
            .zip(row)
            .filter(|(c, _)| wide || c.priority == 0)
            .map(|(_, cell)| cell)
            .collect()
    }
}

/// The table of kinds without a printer of their own: what the API server's default Table
/// converter returns (`NAME`, `AGE`).
pub const DEFAULT_COLUMNS: &[Column] = &[col("Name"), col("Age")];

fn default_row(obj: &Object, ctx: &RowContext) -> Vec<String> {
    vec![
        obj.name().to_string(),
        ctx.since(obj.metadata().creation_timestamp.as_ref()),
    ]
}

/// The printer of a kind.
pub fn printer_for(kind: Kind) -> Printer {
    match kind {
        Kind::Pod => Printer {
            columns: pod::COLUMNS,
            row: pod::row,
        },
        Kind::Node => Printer {
            columns: node::COLUMNS,
            row: node::row,
        },
        Kind::Namespace => Printer {
            columns: namespace::COLUMNS,
            row: namespace::row,
        },
        Kind::Event => Printer {
            columns: event::COLUMNS,
            row: event::row,
        },
        Kind::ConfigMap => Printer {
            columns: config_map::COLUMNS,
            row: config_map::row,
        },
        Kind::Secret => Printer {
            columns: secret::COLUMNS,
            row: secret::row,
        },
        Kind::Deployment => Printer {
            columns: deployment::COLUMNS,
            row: deployment::row,
        },
        Kind::ReplicaSet | Kind::ReplicationController => Printer {
            columns: replica_set::COLUMNS,
            row: replica_set::row,
        },
        Kind::DaemonSet => Printer {
            columns: daemon_set::COLUMNS,
            row: daemon_set::row,
        },
        Kind::StatefulSet => Printer {
            columns: stateful_set::COLUMNS,
            row: stateful_set::row,
        },
        Kind::ControllerRevision => Printer {
            columns: controller_revision::COLUMNS,
            row: controller_revision::row,
        },
        Kind::PersistentVolumeClaim => Printer {
            columns: persistent_volume::CLAIM_COLUMNS,
            row: persistent_volume::claim_row,
        },
        Kind::PersistentVolume => Printer {
            columns: persistent_volume::VOLUME_COLUMNS,
            row: persistent_volume::volume_row,
        },
        Kind::StorageClass => Printer {
            columns: storage_class::COLUMNS,
            row: storage_class::row,
        },
        Kind::Job => Printer {
            columns: job::COLUMNS,
            row: job::row,
        },
        Kind::CronJob => Printer {
            columns: cron_job::COLUMNS,
            row: cron_job::row,
        },
        Kind::Service => Printer {
            columns: service::COLUMNS,
            row: service::row,
        },
        Kind::Endpoints => Printer {
            columns: endpoints::COLUMNS,
            row: endpoints::row,
        },
        Kind::EndpointSlice => Printer {
            columns: endpoint_slice::COLUMNS,
            row: endpoint_slice::row,
        },
        Kind::Ingress => Printer {
            columns: ingress::COLUMNS,
            row: ingress::row,
        },
        Kind::IngressClass => Printer {
            columns: ingress::CLASS_COLUMNS,
            row: ingress::class_row,
        },
        Kind::Role | Kind::ClusterRole => Printer {
            columns: rbac::ROLE_COLUMNS,
            row: rbac::role_row,
        },
        Kind::RoleBinding | Kind::ClusterRoleBinding => Printer {
            columns: rbac::BINDING_COLUMNS,
            row: rbac::binding_row,
        },
        Kind::ValidatingWebhookConfiguration => Printer {
            columns: rbac::WEBHOOK_COLUMNS,
            row: rbac::webhook_row,
        },
        #[allow(unreachable_patterns)]
        _ => Printer {
            columns: DEFAULT_COLUMNS,
            row: default_row,
        },
    }
}

/// kubectl's HumanDuration of a (possibly negative) number of milliseconds.
pub fn human_duration_ms(ms: i64) -> String {
    crate::printers::duration::human_duration_signed(ms)
}

/// `labels.FormatLabels`: `k=v` pairs sorted by key, comma-joined; `<none>` when empty.
pub fn format_labels(labels: Option<&std::collections::BTreeMap<String, String>>) -> String {
    match labels {
        Some(m) if !m.is_empty() => m
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(","),
        _ => "<none>".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn human_duration_matches_apimachinery() {
        let s = |n: i64| human_duration_ms(n * 1000);
        assert_eq!(s(0), "0s");
        assert_eq!(human_duration_ms(-1500), "0s");
        assert_eq!(s(-3), "<invalid>");
        assert_eq!(s(45), "45s");
        assert_eq!(s(119), "119s");
        assert_eq!(s(120), "2m");
        assert_eq!(s(150), "2m30s");
        assert_eq!(s(600), "10m");
        assert_eq!(s(179 * 60 + 59), "179m");
        assert_eq!(s(3 * 3600 + 20 * 60), "3h20m");
        assert_eq!(s(5 * 3600), "5h");
        assert_eq!(s(30 * 3600), "30h");
        assert_eq!(s(3 * 86400 + 5 * 3600), "3d5h");
        assert_eq!(s(4 * 86400), "4d");
        assert_eq!(s(400 * 86400), "400d");
        assert_eq!(s((3 * 365 + 10) * 86400), "3y10d");
        assert_eq!(s(9 * 365 * 86400), "9y");
    }

    #[test]
    fn labels_format_sorted() {
        let mut m = std::collections::BTreeMap::new();
        assert_eq!(format_labels(Some(&m)), "<none>");
        m.insert("tier".to_string(), "web".to_string());
        m.insert("app".to_string(), "nginx".to_string());
        assert_eq!(format_labels(Some(&m)), "app=nginx,tier=web");
    }
}
