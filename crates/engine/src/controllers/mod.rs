//! Controllers of kube-controller-manager. Each is level-based: it reads the committed store,
//! writes through the API server, and is never told why it runs, so it must be idempotent.

pub mod node_lifecycle;
pub mod root_ca_publisher;
