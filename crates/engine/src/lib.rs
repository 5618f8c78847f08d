//! kubarium-engine: a simulated Kubernetes cluster.
//!
//! One [`Cluster`] value owns everything: the store, the API server (the single write path),
//! the scheduler, a kubelet per node, and the simulated clock. Nothing here reads wall-clock
//! time or unseeded randomness, so the same seed and the same commands give the same cluster.

pub mod api;
pub mod apiserver;
pub mod cluster;
pub mod controllers;
pub mod kubelet;
pub mod network;
pub mod preset;
pub mod scheduler;
pub mod sim;
pub mod sort;
pub mod store;
pub mod system;

pub use api::{Kind, Object, ObjectKey};
pub use apiserver::{ApiError, ApiServer, DeleteOptions, StatusReason};
pub use cluster::{Cluster, ClusterError};
pub use preset::Preset;
pub use sim::SimTime;
