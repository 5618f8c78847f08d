//! `kubectl port-forward`: a listening socket on the learner's machine whose connections
//! kubectl tunnels through the API server and the pod's kubelet to a port of the pod.
//!
//! kubectl keeps running while it forwards; the terminal gives it back with Ctrl-C (a
//! forward started in the page's foreground) or it runs on in the background of a script
//! until the session ends. A forward whose pod is gone stops at its next connection, as
//! kubectl exits with "lost connection to pod".

use crate::ObjectKey;
use std::net::Ipv4Addr;

/// One running `kubectl port-forward`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PortForward {
    pub id: u64,
    /// The machine kubectl runs on (the learner's terminal: the control plane).
    pub host: String,
    /// The listening address (`127.0.0.1` by default, `0.0.0.0` with `--address`).
    pub address: Ipv4Addr,
    pub local_port: u16,
    pub pod: ObjectKey,
    pub pod_port: u16,
    /// True while it holds the terminal (stopped by Ctrl-C).
    pub foreground: bool,
    /// Connections handled so far (kubectl prints `Handling connection for PORT` for each).
    pub connections: u64,
}

/// Every running port-forward.
#[derive(Clone, Debug, Default)]
pub struct PortForwards {
    next_id: u64,
    list: Vec<PortForward>,
}

/// Why a port-forward could not start listening.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ListenError {
    /// Another listener holds the port (kubectl's wording, for both its IPv4 and IPv6
    /// listeners).
    #[error("Listeners failed to create with the following errors: [unable to create listener: Error listen tcp4 127.0.0.1:{0}: bind: address already in use unable to create listener: Error listen tcp6 [::1]:{0}: bind: address already in use]")]
    InUse(u16),
}

impl PortForwards {
    /// Starts listening; the id stops it again.
    pub fn start(
        &mut self,
        host: &str,
        address: Ipv4Addr,
        local_port: u16,
        pod: ObjectKey,
        pod_port: u16,
        foreground: bool,
    ) -> Result<u64, ListenError> {
        if self
            .list
            .iter()
            .any(|f| f.host == host && f.local_port == local_port)
        {
            return Err(ListenError::InUse(local_port));
        }
        self.next_id += 1;
        self.list.push(PortForward {
            id: self.next_id,
            host: host.to_string(),
            address,
            local_port,
            pod,
            pod_port,
            foreground,
            connections: 0,
        });
        Ok(self.next_id)
    }

    /// The forward listening on `host` at `ip:port` (`0.0.0.0` listens on every address).
    pub fn find(&self, host: &str, ip: Ipv4Addr, port: u16) -> Option<&PortForward> {
        self.list.iter().find(|f| {
            f.host == host
                && f.local_port == port
                && (f.address == ip
                    || f.address.is_unspecified()
                    || (f.address.is_loopback() && ip.is_loopback()))
        })
    }

    pub fn stop(&mut self, id: u64) {
        self.list.retain(|f| f.id != id);
    }

    /// Ctrl-C: stops the forwards holding the terminal; returns how many there were.
    pub fn stop_foreground(&mut self) -> usize {
        let before = self.list.len();
        self.list.retain(|f| !f.foreground);
        before - self.list.len()
    }

    pub fn count_connection(&mut self, id: u64) {
        if let Some(f) = self.list.iter_mut().find(|f| f.id == id) {
            f.connections += 1;
        }
    }

    /// The running forwards, oldest first.
    pub fn list(&self) -> &[PortForward] {
        &self.list
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Kind;

    #[test]
    fn a_port_is_held_once_and_ctrl_c_frees_foreground_forwards() {
        let mut f = PortForwards::default();
        let pod = ObjectKey::new(Kind::Pod, "default", "web");
        let lo = Ipv4Addr::LOCALHOST;
        let a = f.start("m-k8s", lo, 8080, pod.clone(), 80, true).unwrap();
        assert_eq!(
            f.start("m-k8s", lo, 8080, pod.clone(), 80, false),
            Err(ListenError::InUse(8080))
        );
        f.start("m-k8s", lo, 8081, pod.clone(), 80, false).unwrap();
        assert_eq!(f.find("m-k8s", lo, 8080).map(|x| x.id), Some(a));
        assert!(
            f.find("w1-k8s", lo, 8080).is_none(),
            "only on the machine kubectl runs on"
        );
        assert!(f
            .find("m-k8s", "192.168.1.10".parse().unwrap(), 8080)
            .is_none());
        assert_eq!(f.stop_foreground(), 1);
        assert!(f.find("m-k8s", lo, 8080).is_none());
        assert!(f.find("m-k8s", lo, 8081).is_some());
    }
}
