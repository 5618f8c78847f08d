//! The service account controller (`pkg/controller/serviceaccount`,
//! `ServiceAccountsController`): every active namespace has a ServiceAccount named `default`,
//! which pods run as unless they name another. A new namespace gets one at once; a deleted
//! `default` comes back; a terminating namespace is left to the namespace controller.
//!
//! Since 1.24 no token Secret is made for it: pods get short-lived projected tokens.

use super::{Action, Controller};
use crate::api::{Kind, Namespace, Object, ObjectKey, ObjectMeta, ServiceAccount};
use crate::apiserver::ApiServer;
use crate::store::{WatchEvent, WatchEventType};

/// The controller's name as kube-controller-manager logs it.
pub const COMPONENT: &str = "serviceaccount-controller";

/// The ServiceAccount every namespace gets.
pub const DEFAULT: &str = "default";

/// The service account controller (stateless).
#[derive(Default)]
pub struct ServiceAccountController;

impl Controller for ServiceAccountController {
    fn name(&self) -> &'static str {
        COMPONENT
    }

    fn watches(&self) -> Option<&'static [Kind]> {
        Some(&[Kind::Namespace, Kind::ServiceAccount])
    }

    fn keys_for(&self, _api: &ApiServer, ev: &WatchEvent, out: &mut Vec<ObjectKey>) {
        match ev.key.kind {
            Kind::Namespace if ev.event_type != WatchEventType::Deleted => {
                out.push(ev.key.clone());
            }
            Kind::ServiceAccount
                if ev.event_type == WatchEventType::Deleted && ev.key.name == DEFAULT =>
            {
                out.push(ObjectKey::new(Kind::Namespace, "", &ev.key.namespace));
            }
            _ => {}
        }
    }

    /// Ensures the namespace named by `key` has its `default` ServiceAccount.
    fn reconcile(&mut self, api: &mut ApiServer, key: &ObjectKey) -> Action {
        let active = api
            .store()
            .get(key)
            .and_then(|o| o.as_::<Namespace>())
            .is_some_and(|ns| {
                ns.metadata.deletion_timestamp.is_none()
                    && ns.status.as_ref().and_then(|s| s.phase.as_deref()) != Some("Terminating")
            });
        if !active {
            return Action::Done;
        }
        let ns = key.name.as_str();
        if api
            .store()
            .get(&ObjectKey::new(Kind::ServiceAccount, ns, DEFAULT))
            .is_some()
        {
            return Action::Done;
        }
        let sa = ServiceAccount {
            metadata: ObjectMeta {
                name: Some(DEFAULT.into()),
                namespace: Some(ns.into()),
                ..Default::default()
            },
            ..Default::default()
        };
        if let Err(e) = api.create(Object::from(sa), ns, false) {
            api.trace(COMPONENT, format!("{ns}/default: {}", e.message));
        }
        Action::Done
    }
}
