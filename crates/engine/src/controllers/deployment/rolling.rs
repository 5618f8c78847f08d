//! The RollingUpdate strategy (`rolling.go`): the new ReplicaSet grows while the old ones
//! shrink, bounded by `maxSurge` (how many pods above `replicas` may exist) and
//! `maxUnavailable` (how many below `replicas` may be unavailable).
//!
//! Worked example — 10 replicas, `maxSurge: 25%`, `maxUnavailable: 25%`:
//! surge rounds up (⌈2.5⌉ = 3), unavailable rounds down (⌊2.5⌋ = 2), so at most 13 pods
//! exist and at least 8 are available at every step.
//!
//! ```text
//!  step                                   old (avail)   new (avail)   total
//!  template changes                        10 (10)        0 (0)        10
//!  scale up new: 13 − 10 = 3               10 (10)        3 (0)        13
//!  scale down old: 13 − 8 − 3 unavail = 2   8 (8)         3 (0)        11
//!  scale up new: 13 − 11 = 2                8 (8)         5 (0)        13
//!  old stays: 13 − 8 − 5 unavail = 0        8 (8)         5 (0)        13
//!  … the 5 new pods become available …      8 (8)         5 (5)        13
//!  scale down old: 13 avail − 8 = 5         3 (3)         5 (5)         8
//!  scale up new: min(13 − 8, 10 − 5) = 5    3 (3)        10 (5)        13
//!  … the 5 newer pods become available …    3 (3)        10 (10)       13
//!  scale down old: 13 avail − 8 = 5 → 0     0 (0)        10 (10)       10
//! ```
//!
//! With both values 0 nothing could move, so validation rejects it; should both still
//! resolve to 0 (percentages of a Deployment scaled to 0), maxUnavailable becomes 1. Note
//! `maxSurge: 10%, maxUnavailable: 10%` of 5 replicas is surge 1 (⌈0.5⌉), unavailable 0.

use super::sync::{all_of, DeploymentSync};
use super::*;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

/// `GetScaledValueFromIntOrPercent`: an absolute value as is, a percentage of `total`
/// rounded up or down. `Err` for a string that is not a percentage.
pub fn scaled_value(v: &IntOrString, total: i32, round_up: bool) -> Result<i32, String> {
    match v {
        IntOrString::Int(n) => Ok(*n),
        IntOrString::String(s) => {
            let Some(p) = s.strip_suffix('%') else {
                return Err(format!(
                    "invalid value for IntOrString: invalid type: string is not a percentage"
                ));
            };
            let p: i64 = p
                .parse()
                .map_err(|_| format!("invalid value for IntOrString: invalid value {s:?}"))?;
            let product = p * i64::from(total);
            let v = if round_up {
                (product + 99).div_euclid(100)
            } else {
                product.div_euclid(100)
            };
            Ok(v as i32)
        }
    }
}

/// `ResolveFenceposts`: (maxSurge, maxUnavailable) as pod counts for `desired` replicas;
/// surge rounds up, unavailable down, and both 0 becomes unavailable 1.
pub fn resolve_fenceposts(
    max_surge: Option<&IntOrString>,
    max_unavailable: Option<&IntOrString>,
    desired: i32,
) -> (i32, i32) {
    let zero = IntOrString::Int(0);
    let surge = scaled_value(max_surge.unwrap_or(&zero), desired, true).unwrap_or(0);
    let unavailable = scaled_value(max_unavailable.unwrap_or(&zero), desired, false).unwrap_or(0);
    if surge == 0 && unavailable == 0 {
        return (0, 1);
    }
    (surge, unavailable)
}

fn fenceposts(d: &Deployment) -> Option<(i32, i32)> {
    let s = d.spec.strategy.as_ref()?;
    if s.type_.as_deref().unwrap_or("RollingUpdate") != "RollingUpdate" {
        return None;
    }
    let ru = s.rolling_update.as_ref();
    Some(resolve_fenceposts(
        ru.and_then(|r| r.max_surge.as_ref()),
        ru.and_then(|r| r.max_unavailable.as_ref()),
        deployment_replicas(d),
    ))
}

/// `MaxSurge`: 0 unless RollingUpdate.
pub fn max_surge(d: &Deployment) -> i32 {
    fenceposts(d).map_or(0, |(s, _)| s)
}

/// `MaxUnavailable`: 0 unless RollingUpdate with replicas; never more than replicas.
pub fn max_unavailable(d: &Deployment) -> i32 {
    let desired = deployment_replicas(d);
    if desired == 0 {
        return 0;
    }
    fenceposts(d).map_or(0, |(_, u)| u.min(desired))
}

/// `NewRSNewReplicas`: the new ReplicaSet's size for this step. RollingUpdate grows it by
/// what the surge leaves free, never past `replicas`; Recreate goes straight to `replicas`.
pub fn new_rs_new_replicas<R: Borrow<ReplicaSet>>(
    d: &Deployment,
    all: &[R],
    new: &ReplicaSet,
) -> i32 {
    let desired = deployment_replicas(d);
    if strategy_type(d) != "RollingUpdate" {
        return desired;
    }
    let current: i32 = all.iter().map(|rs| rs_replicas(rs.borrow())).sum();
    let max_total = desired + max_surge(d);
    if current >= max_total {
        return rs_replicas(new);
    }
    let up = (max_total - current).min(desired - rs_replicas(new));
    rs_replicas(new) + up
}

impl DeploymentSync<'_> {
    /// One step of a rolling update (`rolloutRolling`).
    pub(super) fn rollout_rolling(&mut self, mut rs_list: Vec<SharedRs>) {
        let (new, mut old) = self.get_all_replica_sets_and_sync_revision(&mut rs_list, true);
        let Some(mut new) = new else {
            // Creating the new ReplicaSet failed (or collided): the status says why.
            self.sync_rollout_status(&old, None);
            return;
        };
        let (scaled_up, written) = self.reconcile_new_replica_set(&all_of(&old, Some(&new)), &new);
        new = written;
        if scaled_up {
            self.sync_rollout_status(&all_of(&old, Some(&new)), Some(&new));
            return;
        }
        let scaled_down = self.reconcile_old_replica_sets(&mut old, &new);
        if scaled_down {
            self.sync_rollout_status(&all_of(&old, Some(&new)), Some(&new));
            return;
        }
        let status = self.d.status.clone().unwrap_or_default();
        if super::progress::deployment_complete(&self.d, &status) {
            self.cleanup_deployment(&old);
        }
        self.sync_rollout_status(&all_of(&old, Some(&new)), Some(&new));
    }

    /// Scales the new ReplicaSet up by what the surge allows, or down to `replicas`.
    fn reconcile_new_replica_set(&mut self, all: &[SharedRs], new: &SharedRs) -> (bool, SharedRs) {
        let desired = deployment_replicas(&self.d);
        if rs_replicas(new) == desired {
            return (false, new.clone());
        }
        if rs_replicas(new) > desired {
            return self.scale_replica_set(new, desired);
        }
        let count = new_rs_new_replicas(&self.d, all, new);
        self.scale_replica_set(new, count)
    }

    /// Scales old ReplicaSets down as far as `maxUnavailable` allows, unhealthy replicas
    /// first (`reconcileOldReplicaSets`).
    fn reconcile_old_replica_sets(&mut self, old: &mut [SharedRs], new: &SharedRs) -> bool {
        let old_pods: i32 = old.iter().map(|rs| rs_replicas(rs)).sum();
        if old_pods == 0 {
            return false;
        }
        let all_pods = old_pods + rs_replicas(new);
        let min_available = deployment_replicas(&self.d) - max_unavailable(&self.d);
        let new_unavailable = rs_replicas(new) - rs_available(new);
        let max_scaled_down = all_pods - min_available - new_unavailable;
        if max_scaled_down <= 0 {
            return false;
        }
        // First the replicas that are not available anyway: removing them costs nothing.
        let cleaned = self.cleanup_unhealthy_replicas(old, max_scaled_down);
        let scaled = self.scale_down_old_replica_sets_for_rolling_update(old, new);
        cleaned + scaled > 0
    }

    /// Scales old ReplicaSets down by their unavailable replicas, oldest first, at most
    /// `max_cleanup` in all (`cleanupUnhealthyReplicas`).
    fn cleanup_unhealthy_replicas(&mut self, old: &mut [SharedRs], max_cleanup: i32) -> i32 {
        sort_by_creation(old);
        let mut total = 0;
        for i in 0..old.len() {
            if total >= max_cleanup {
                break;
            }
            let rs = old[i].clone();
            if rs_replicas(&rs) == 0 || rs_replicas(&rs) == rs_available(&rs) {
                continue;
            }
            let count = (max_cleanup - total).min(rs_replicas(&rs) - rs_available(&rs));
            let (_, written) = self.scale_replica_set(&rs, rs_replicas(&rs) - count);
            old[i] = written;
            total += count;
        }
        total
    }

    /// Scales old ReplicaSets down, oldest first, while more than `replicas −
    /// maxUnavailable` pods stay available (`scaleDownOldReplicaSetsForRollingUpdate`).
    fn scale_down_old_replica_sets_for_rolling_update(
        &mut self,
        old: &mut [SharedRs],
        new: &SharedRs,
    ) -> i32 {
        let min_available = deployment_replicas(&self.d) - max_unavailable(&self.d);
        let available: i32 = old.iter().map(|rs| rs_available(rs)).sum::<i32>() + rs_available(new);
        if available <= min_available {
            return 0;
        }
        sort_by_creation(old);
        let target = available - min_available;
        let mut total = 0;
        for i in 0..old.len() {
            if total >= target {
                break;
            }
            let rs = old[i].clone();
            if rs_replicas(&rs) == 0 {
                continue;
            }
            let count = rs_replicas(&rs).min(target - total);
            let (_, written) = self.scale_replica_set(&rs, rs_replicas(&rs) - count);
            old[i] = written;
            total += count;
        }
        total
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::api::apps::v1::{DeploymentSpec, DeploymentStrategy, RollingUpdateDeployment};

    fn pct(s: &str) -> IntOrString {
        IntOrString::String(s.into())
    }

    #[test]
    fn surge_rounds_up_and_unavailable_rounds_down() {
        assert_eq!(
            resolve_fenceposts(Some(&pct("25%")), Some(&pct("25%")), 10),
            (3, 2)
        );
        assert_eq!(
            resolve_fenceposts(Some(&pct("25%")), Some(&pct("25%")), 3),
            (1, 0)
        );
        assert_eq!(
            resolve_fenceposts(Some(&pct("50%")), Some(&pct("50%")), 5),
            (3, 2)
        );
        assert_eq!(
            resolve_fenceposts(Some(&pct("100%")), Some(&pct("0%")), 4),
            (4, 0)
        );
    }

    #[test]
    fn absolute_values_are_taken_as_they_are() {
        let (i2, i1) = (IntOrString::Int(2), IntOrString::Int(1));
        assert_eq!(resolve_fenceposts(Some(&i2), Some(&i1), 10), (2, 1));
        assert_eq!(resolve_fenceposts(Some(&i2), Some(&pct("10%")), 10), (2, 1));
    }

    #[test]
    fn both_zero_means_one_unavailable() {
        let zero = IntOrString::Int(0);
        assert_eq!(resolve_fenceposts(Some(&zero), Some(&zero), 10), (0, 1));
        // 10% of 5 is 0.5: surge rounds it up to 1, so unavailable stays 0.
        assert_eq!(
            resolve_fenceposts(Some(&pct("10%")), Some(&pct("10%")), 5),
            (1, 0)
        );
        // 10% of 0 replicas is 0 both ways.
        assert_eq!(
            resolve_fenceposts(Some(&pct("10%")), Some(&pct("10%")), 0),
            (0, 1)
        );
    }

    #[test]
    fn a_string_without_percent_is_an_error() {
        assert!(scaled_value(&IntOrString::String("3".into()), 10, true).is_err());
    }

    fn deployment(replicas: i32, surge: IntOrString, unavailable: IntOrString) -> Deployment {
        Deployment {
            spec: DeploymentSpec {
                replicas: Some(replicas),
                strategy: Some(DeploymentStrategy {
                    type_: Some("RollingUpdate".into()),
                    rolling_update: Some(RollingUpdateDeployment {
                        max_surge: Some(surge),
                        max_unavailable: Some(unavailable),
                    }),
                }),
                ..Default::default()
            },
            ..Default::default()
        }
    }

    fn rs(replicas: i32) -> ReplicaSet {
        ReplicaSet {
            spec: k8s_openapi::api::apps::v1::ReplicaSetSpec {
                replicas: Some(replicas),
                ..Default::default()
            },
            ..Default::default()
        }
    }

    #[test]
    fn max_unavailable_never_exceeds_replicas() {
        let d = deployment(2, IntOrString::Int(0), IntOrString::Int(5));
        assert_eq!(max_unavailable(&d), 2);
        let d = deployment(0, IntOrString::Int(1), IntOrString::Int(1));
        assert_eq!(max_unavailable(&d), 0);
    }

    #[test]
    fn the_new_replica_set_grows_by_the_free_surge() {
        // The worked example of the module: 10 replicas, 25%/25%.
        let d = deployment(10, pct("25%"), pct("25%"));
        let new = rs(0);
        assert_eq!(new_rs_new_replicas(&d, &[rs(10), new.clone()], &new), 3);
        let new = rs(3);
        assert_eq!(new_rs_new_replicas(&d, &[rs(8), new.clone()], &new), 5);
        // At the surge limit nothing more.
        let new = rs(5);
        assert_eq!(new_rs_new_replicas(&d, &[rs(8), new.clone()], &new), 5);
        // Never beyond replicas.
        let new = rs(9);
        assert_eq!(new_rs_new_replicas(&d, &[rs(0), new.clone()], &new), 10);
    }
}
