//! The Recreate strategy (`recreate.go`): every old pod goes before any new one starts.
//! Old ReplicaSets are scaled to 0; the new ReplicaSet is created (or scaled) to
//! `replicas` only once no old pod is left in the store — not even a terminating one.

use super::sync::{all_of, DeploymentSync};
use super::*;
use crate::api::Pod;

impl DeploymentSync<'_> {
    /// One step of a Recreate rollout (`rolloutRecreate`).
    pub(super) fn rollout_recreate(&mut self, mut rs_list: Vec<SharedRs>) {
        let (mut new, mut old) = self.get_all_replica_sets_and_sync_revision(&mut rs_list, false);
        let mut scaled_down = false;
        for i in 0..old.len() {
            if rs_replicas(&old[i]) == 0 {
                continue;
            }
            let (scaled, written) = self.scale_replica_set(&old[i].clone(), 0);
            old[i] = written;
            scaled_down |= scaled;
        }
        if scaled_down {
            self.sync_rollout_status(&all_of(&old, new.as_ref()), new.as_ref());
            return;
        }
        if self.old_pods_running(new.as_ref(), &old) {
            self.sync_rollout_status(&all_of(&old, new.as_ref()), new.as_ref());
            return;
        }
        if new.is_none() {
            (new, old) = self.get_all_replica_sets_and_sync_revision(&mut rs_list, true);
        }
        if let Some(n) = new.clone() {
            let desired = deployment_replicas(&self.d);
            let (_, written) = self.scale_replica_set(&n, desired);
            new = Some(written);
        }
        let status = self.d.status.clone().unwrap_or_default();
        if super::progress::deployment_complete(&self.d, &status) {
            self.cleanup_deployment(&old);
        }
        self.sync_rollout_status(&all_of(&old, new.as_ref()), new.as_ref());
    }

    /// Whether any pod of an old ReplicaSet still exists and has not finished
    /// (`oldPodsRunning`): counted by the ReplicaSets' status, then by the pods themselves,
    /// so terminating pods hold the new ones back.
    fn old_pods_running(&self, new: Option<&SharedRs>, old: &[SharedRs]) -> bool {
        if old.iter().map(|rs| rs_actual(rs)).sum::<i32>() > 0 {
            return true;
        }
        let new_uid = new.and_then(|n| n.metadata.uid.clone());
        let old_uids: Vec<String> = old
            .iter()
            .filter_map(|rs| rs.metadata.uid.clone())
            .filter(|u| Some(u) != new_uid.as_ref())
            .collect();
        self.api
            .store()
            .list(Kind::Pod, Some(self.ns()))
            .filter(|p| old_uids.iter().any(|u| owner::is_controlled_by(p, u)))
            .filter_map(|p| p.as_::<Pod>())
            .any(|p| {
                !matches!(
                    p.status.as_ref().and_then(|s| s.phase.as_deref()),
                    Some("Failed" | "Succeeded")
                )
            })
    }
}
