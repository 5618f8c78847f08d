//! The read side of kubectl through a terminal session on the vagrant preset: `get`,
//! `describe`, `events`, `config`, `version`, `api-resources`, `explain`.
//!
//! Cells that depend on components still being written (node conditions, pod phases) are
//! checked loosely; layout, headers, names and messages are pinned byte for byte.

use kubarium_shell::{Session, SessionOptions};

fn session() -> Session {
    Session::new(&SessionOptions::default()).expect("vagrant preset")
}

/// Runs one input and returns (stdout, stderr, status).
fn run(s: &mut Session, input: &str) -> (String, String, i32) {
    let (out, status) = s.run(input);
    (out.stdout_text(), out.stderr_text(), status)
}

#[test]
fn get_nodes_lists_control_plane_and_three_workers() {
    let mut s = session();
    let (out, err, st) = run(&mut s, "kubectl get nodes\n");
    assert_eq!((err.as_str(), st), ("", 0));
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 5);
    assert!(lines[0].starts_with("NAME     STATUS"), "{out}");
    assert!(lines[0].ends_with("AGE   VERSION"), "{out}");
    let names: Vec<&str> = lines[1..]
        .iter()
        .map(|l| l.split_whitespace().next().unwrap_or(""))
        .collect();
    assert_eq!(names, ["m-k8s", "w1-k8s", "w2-k8s", "w3-k8s"]);
    assert!(
        lines[1].contains(" control-plane ") && lines[1].ends_with("10m   v1.37.0"),
        "{out}"
    );
    assert!(lines[2].contains(" <none> "), "{out}");
    let (wide, _, _) = run(&mut s, "kubectl get no -o wide\n");
    assert!(wide.lines().next().unwrap_or("").ends_with(
        "INTERNAL-IP     EXTERNAL-IP   OS-IMAGE             KERNEL-VERSION     CONTAINER-RUNTIME"
    ));
    assert!(wide.contains("192.168.1.101   <none>        Ubuntu 24.04.3 LTS   6.8.0-85-generic   containerd://2.1.4\n"));
}

#[test]
fn get_namespaces() {
    let mut s = session();
    let (out, _, st) = run(&mut s, "kubectl get ns\n");
    assert_eq!(st, 0);
    assert_eq!(
        out,
        "NAME              STATUS   AGE\ndefault           Active   10m\nkube-node-lease   Active   10m\nkube-public       Active   10m\nkube-system       Active   10m\n"
    );
}

#[test]
fn get_kube_system_pods() {
    let mut s = session();
    let (out, _, st) = run(&mut s, "kubectl get pods -n kube-system\n");
    assert_eq!(st, 0);
    assert!(out.starts_with("NAME "), "{out}");
    assert!(
        out.lines()
            .next()
            .unwrap_or("")
            .ends_with("READY   STATUS    RESTARTS   AGE"),
        "{out}"
    );
    let names: Vec<&str> = out
        .lines()
        .skip(1)
        .map(|l| l.split_whitespace().next().unwrap_or(""))
        .collect();
    for n in [
        "etcd-m-k8s",
        "kube-apiserver-m-k8s",
        "kube-controller-manager-m-k8s",
        "kube-scheduler-m-k8s",
    ] {
        assert!(names.contains(&n), "{n} missing from {out}");
    }
    assert_eq!(
        names.iter().filter(|n| n.starts_with("coredns-")).count(),
        2
    );
    assert_eq!(
        names
            .iter()
            .filter(|n| n.starts_with("kube-proxy-"))
            .count(),
        4
    );
    assert_eq!(
        names
            .iter()
            .filter(|n| n.starts_with("calico-node-"))
            .count(),
        4
    );
    // Listed in name order, as the API server returns them.
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted);
}

#[test]
fn empty_namespace_and_errors() {
    let mut s = session();
    assert_eq!(
        run(&mut s, "kubectl get pods\n"),
        (
            String::new(),
            "No resources found in default namespace.\n".into(),
            0
        )
    );
    assert_eq!(
        run(&mut s, "kubectl get pods -n kube-public\n").1,
        "No resources found in kube-public namespace.\n"
    );
    assert_eq!(
        run(&mut s, "kubectl get pods,nodes -l nothing=here\n").1,
        "No resources found\n"
    );
    assert_eq!(
        run(&mut s, "kubectl get pod x\n"),
        (
            String::new(),
            "Error from server (NotFound): pods \"x\" not found\n".into(),
            1
        )
    );
    assert_eq!(
        run(&mut s, "kubectl get pod x --ignore-not-found\n"),
        (String::new(), String::new(), 0)
    );
    assert_eq!(
        run(&mut s, "kubectl get foo\n").1,
        "error: the server doesn't have a resource type \"foo\"\n"
    );
    assert_eq!(
        run(&mut s, "kubectl get pods -o bad\n").1,
        "error: unable to match a printer suitable for the output format \"bad\", allowed formats are: custom-columns,custom-columns-file,go-template,go-template-file,json,jsonpath,jsonpath-as-json,jsonpath-file,name,template,templatefile,wide,yaml\n"
    );
    let (_, err, st) = run(&mut s, "kubectl get\n");
    assert_eq!(st, 1);
    assert!(err.starts_with("You must specify the type of resource to get."));
}

#[test]
fn several_types_names_and_kind_prefix() {
    let mut s = session();
    let (out, _, _) = run(
        &mut s,
        "kubectl get pod/etcd-m-k8s node/m-k8s -n kube-system\n",
    );
    let lines: Vec<&str> = out.lines().collect();
    assert!(lines[0].starts_with("NAME             READY"), "{out}");
    assert!(lines[1].starts_with("pod/etcd-m-k8s   "), "{out}");
    assert_eq!(lines[2], "");
    assert!(lines[3].starts_with("NAME         STATUS"), "{out}");
    assert!(lines[4].starts_with("node/m-k8s   "), "{out}");
    let (out, _, _) = run(&mut s, "kubectl get nodes m-k8s w1-k8s -o name\n");
    assert_eq!(out, "node/m-k8s\nnode/w1-k8s\n");
}

/// kubectl gets one Table per type `all` expands to, so multipleGVKsRequested is true and
/// names carry their kind even when a single type has rows.
#[test]
fn get_all_prefixes_kind_even_with_one_kind() {
    let mut s = session();
    run(&mut s, "kubectl create namespace x\n");
    assert_eq!(
        run(&mut s, "kubectl get all -n x\n"),
        (
            String::new(),
            "No resources found in x namespace.\n".into(),
            0
        )
    );
    run(&mut s, "kubectl run web --image=nginx -n x\n");
    let (out, err, st) = run(&mut s, "kubectl get all -n x\n");
    assert_eq!((err.as_str(), st), ("", 0));
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 2, "{out}");
    assert!(lines[0].starts_with("NAME      READY   STATUS"), "{out}");
    assert!(lines[1].starts_with("pod/web   "), "{out}");
    let (out, _, _) = run(&mut s, "kubectl get all -n x --no-headers\n");
    assert!(
        out.starts_with("pod/web   ") && out.lines().count() == 1,
        "{out}"
    );
    let (out, _, _) = run(&mut s, "kubectl get all -n x -o wide\n");
    assert!(
        out.lines()
            .nth(1)
            .is_some_and(|l| l.starts_with("pod/web   ")),
        "{out}"
    );
    let (out, _, _) = run(&mut s, "kubectl get pods -n x\n");
    assert!(
        out.lines().nth(1).is_some_and(|l| l.starts_with("web   ")),
        "{out}"
    );
    // Named: one info per object found, so a single kind found prints bare names (the other
    // types `all` names each add a NotFound error on stderr).
    let (out, _, _) = run(&mut s, "kubectl get all web -n x\n");
    assert!(
        out.lines().nth(1).is_some_and(|l| l.starts_with("web   ")),
        "{out}"
    );
}

#[test]
fn selectors_and_label_columns() {
    let mut s = session();
    let (out, _, _) = run(
        &mut s,
        "kubectl get pods -n kube-system -l component=etcd -o name\n",
    );
    assert_eq!(out, "pod/etcd-m-k8s\n");
    let (out, _, _) = run(&mut s, "kubectl get pods -A --field-selector spec.nodeName=m-k8s,metadata.name=etcd-m-k8s -L tier\n");
    let lines: Vec<&str> = out.lines().collect();
    assert!(
        lines[0].starts_with("NAMESPACE     NAME         READY")
            && lines[0].ends_with("AGE   TIER"),
        "{out}"
    );
    assert!(
        lines[1].starts_with("kube-system   etcd-m-k8s   ") && lines[1].ends_with("control-plane"),
        "{out}"
    );
    let (_, err, st) = run(&mut s, "kubectl get pods --field-selector foo=bar\n");
    assert_eq!(st, 1);
    assert_eq!(
        err,
        "Error from server (BadRequest): Unable to find \"/v1, Resource=pods\" that match label selector \"\", field selector \"foo=bar\": field label not supported: foo\n"
    );
    let (out, _, _) = run(
        &mut s,
        "kubectl get ns -l kubernetes.io/metadata.name=default --show-labels --no-headers\n",
    );
    assert_eq!(
        out,
        "default   Active   10m   kubernetes.io/metadata.name=default\n"
    );
}

#[test]
fn yaml_json_and_jsonpath() {
    let mut s = session();
    let (out, _, _) = run(&mut s, "kubectl get ns default -o yaml\n");
    assert!(
        out.starts_with("apiVersion: v1\nkind: Namespace\nmetadata:\n"),
        "{out}"
    );
    let (out, _, _) = run(&mut s, "kubectl get ns -o yaml\n");
    assert!(
        out.starts_with("apiVersion: v1\nitems:\n- apiVersion: v1\n  kind: Namespace\n"),
        "{out}"
    );
    assert!(
        out.ends_with("kind: List\nmetadata:\n  resourceVersion: \"\"\n"),
        "{out}"
    );
    let (out, _, _) = run(&mut s, "kubectl get pods -o json\n");
    assert_eq!(out, "{\n    \"apiVersion\": \"v1\",\n    \"items\": [],\n    \"kind\": \"List\",\n    \"metadata\": {\n        \"resourceVersion\": \"\"\n    }\n}\n");
    let (out, _, _) = run(
        &mut s,
        "kubectl get nodes -o jsonpath='{.items[*].metadata.name}'\n",
    );
    assert_eq!(out, "m-k8s w1-k8s w2-k8s w3-k8s");
    let (out, _, _) = run(&mut s, "kubectl get nodes --sort-by=.metadata.name -o custom-columns=NAME:.metadata.name,IP:.status.addresses[0].address\n");
    assert_eq!(out, "NAME     IP\nm-k8s    192.168.1.10\nw1-k8s   192.168.1.101\nw2-k8s   192.168.1.102\nw3-k8s   192.168.1.103\n");
}

#[test]
fn watch_in_a_script_prints_the_table_then_stops_as_if_interrupted() {
    // kubectl's watch ends only on Ctrl+C, which exits 1 (interrupt handler without a final
    // signal); a script has no Ctrl+C, so the stream stops once nothing more is coming.
    let mut s = session();
    let (out, err, st) = run(&mut s, "kubectl get ns -w\n");
    assert_eq!((err.as_str(), st), ("", 1));
    assert!(
        out.starts_with("NAME              STATUS   AGE\ndefault "),
        "{out}"
    );
    assert_eq!(
        run(&mut s, "kubectl get pods -w\n"),
        (String::new(), String::new(), 1)
    );
}

#[test]
fn config_contexts_and_namespace_switch() {
    let mut s = session();
    let (out, _, _) = run(&mut s, "kubectl config get-contexts\n");
    assert_eq!(
        out,
        "CURRENT   NAME                          CLUSTER      AUTHINFO           NAMESPACE\n*         kubernetes-admin@kubernetes   kubernetes   kubernetes-admin   \n"
    );
    assert_eq!(
        run(&mut s, "kubectl config current-context\n").0,
        "kubernetes-admin@kubernetes\n"
    );
    let (out, _, _) = run(&mut s, "kubectl config view --minify\n");
    assert_eq!(
        out,
        "apiVersion: v1\nclusters:\n- cluster:\n    certificate-authority-data: DATA+OMITTED\n    server: https://192.168.1.10:6443\n  name: kubernetes\ncontexts:\n- context:\n    cluster: kubernetes\n    user: kubernetes-admin\n  name: kubernetes-admin@kubernetes\ncurrent-context: kubernetes-admin@kubernetes\nkind: Config\npreferences: {}\nusers:\n- name: kubernetes-admin\n  user:\n    client-certificate-data: DATA+OMITTED\n    client-key-data: DATA+OMITTED\n"
    );
    let (raw, _, _) = run(&mut s, "cat ~/.kube/config\n");
    assert!(
        raw.contains("certificate-authority-data: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0t"),
        "{raw}"
    );
    assert_eq!(
        run(
            &mut s,
            "kubectl config set-context --current --namespace=kube-system\n"
        )
        .0,
        "Context \"kubernetes-admin@kubernetes\" modified.\n"
    );
    let (out, _, _) = run(&mut s, "kubectl get pods -l component=etcd -o name\n");
    assert_eq!(out, "pod/etcd-m-k8s\n");
    assert!(run(&mut s, "kubectl config get-contexts\n")
        .0
        .ends_with("kubernetes-admin   kube-system\n"));
    assert_eq!(
        run(&mut s, "kubectl config use-context nope\n").1,
        "error: no context exists with the name: \"nope\"\n"
    );
    assert_eq!(run(&mut s, "kubectl config set-context dev --cluster=kubernetes --user=kubernetes-admin --namespace=dev\n").0, "Context \"dev\" created.\n");
    assert_eq!(
        run(&mut s, "kubectl config use-context dev\n").0,
        "Switched to context \"dev\".\n"
    );
    assert_eq!(
        run(&mut s, "kubectl get pods\n").1,
        "No resources found in dev namespace.\n"
    );
    assert_eq!(
        run(&mut s, "kubectl config get-clusters\n").0,
        "NAME\nkubernetes\n"
    );
    assert_eq!(
        run(&mut s, "kubectl config get-users\n").0,
        "NAME\nkubernetes-admin\n"
    );
}

#[test]
fn version_cluster_info_and_api_resources() {
    let mut s = session();
    assert_eq!(
        run(&mut s, "kubectl version\n").0,
        "Client Version: v1.37.0\nKustomize Version: v5.7.1\nServer Version: v1.37.0\n"
    );
    assert_eq!(
        run(&mut s, "kubectl version --client\n").0,
        "Client Version: v1.37.0\nKustomize Version: v5.7.1\n"
    );
    let (out, _, _) = run(&mut s, "kubectl cluster-info\n");
    assert!(
        out.starts_with("Kubernetes control plane is running at https://192.168.1.10:6443\n"),
        "{out}"
    );
    assert!(
        out.ends_with(
            "\nTo further debug and diagnose cluster problems, use 'kubectl cluster-info dump'.\n"
        ),
        "{out}"
    );
    let (out, _, _) = run(&mut s, "kubectl api-resources\n");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], "NAME                                SHORTNAMES   APIVERSION                        NAMESPACED   KIND");
    assert!(lines.contains(&"pods                                po           v1                                true         Pod"));
    assert!(lines.contains(&"deployments                         deploy       apps/v1                           true         Deployment"));
    let (out, _, _) = run(&mut s, "kubectl api-resources --api-group=apps -o name\n");
    assert_eq!(out, "controllerrevisions.apps\ndaemonsets.apps\ndeployments.apps\nreplicasets.apps\nstatefulsets.apps\n");
    assert!(run(&mut s, "kubectl api-versions\n")
        .0
        .ends_with("storage.k8s.io/v1\nv1\n"));
}

#[test]
fn explain_pod() {
    let mut s = session();
    let (out, _, st) = run(&mut s, "kubectl explain pod\n");
    assert_eq!(st, 0);
    assert!(out.starts_with("KIND:       Pod\nVERSION:    v1\n\nDESCRIPTION:\n    Pod is a collection of containers that can run on a host. This resource is\n    created by clients and scheduled onto hosts.\n    \nFIELDS:\n  apiVersion\t<string>\n"), "{out}");
    let (out, _, _) = run(&mut s, "kubectl explain pod.spec.containers\n");
    assert!(
        out.contains("FIELD: containers <[]Container>\n\n\nDESCRIPTION:\n"),
        "{out}"
    );
    assert!(out.contains("  image\t<string>\n"), "{out}");
    assert_eq!(
        run(&mut s, "kubectl explain pod.spec.nope\n").1,
        "error: field \"nope\" does not exist\n"
    );
    assert_eq!(
        run(&mut s, "kubectl explain foo\n").1,
        "error: the server doesn't have a resource type \"foo\"\n"
    );
}

#[test]
fn describe_layouts() {
    let mut s = session();
    let (out, _, st) = run(&mut s, "kubectl describe pod etcd-m-k8s -n kube-system\n");
    assert_eq!(st, 0);
    assert!(out.starts_with("Name:                 etcd-m-k8s\nNamespace:            kube-system\nPriority:             2000001000\nPriority Class Name:  system-node-critical\n"), "{out}");
    assert!(
        out.contains(
            "\nLabels:               component=etcd\n                      tier=control-plane\n"
        ),
        "{out}"
    );
    assert!(out.contains("\nContainers:\n  etcd:\n"), "{out}");
    assert!(
        out.contains("\n    Requests:\n      cpu:        100m\n      memory:     100Mi\n"),
        "{out}"
    );
    let (out, _, _) = run(&mut s, "kubectl describe node m-k8s\n");
    assert!(
        out.starts_with("Name:               m-k8s\nRoles:              control-plane\n"),
        "{out}"
    );
    assert!(out.contains("\nTaints:             node-role.kubernetes.io/control-plane:NoSchedule\nUnschedulable:      false\n"), "{out}");
    assert!(out.contains("\nAllocated resources:\n  (Total limits may be over 100 percent, i.e., overcommitted.)\n"), "{out}");
    let (out, _, _) = run(&mut s, "kubectl describe ns default\n");
    assert_eq!(out, "Name:         default\nLabels:       kubernetes.io/metadata.name=default\nAnnotations:  <none>\nStatus:       Active\n\nNo resource quota.\n\nNo LimitRange resource.\n");
    assert_eq!(
        run(&mut s, "kubectl describe pod nope\n").1,
        "Error from server (NotFound): pods \"nope\" not found\n"
    );
    // Prefix match: every kube-proxy pod, each followed by an empty line, without events.
    let (out, _, _) = run(&mut s, "kubectl describe pod kube-proxy -n kube-system\n");
    assert_eq!(
        out.matches("\nName:").count() + usize::from(out.starts_with("Name:")),
        4
    );
    assert!(!out.contains("Events:"));
}

#[test]
fn events_commands() {
    let mut s = session();
    // A cluster ten minutes old still shows its nodes' start-up events (kept for an hour).
    let (out, _, st) = run(&mut s, "kubectl events\n");
    assert_eq!(st, 0);
    assert!(out.starts_with("LAST SEEN   TYPE     REASON"), "{out}");
    assert!(
        out.contains("Node/m-k8s") && out.contains("RegisteredNode"),
        "{out}"
    );
    run(&mut s, "sleep 3700\n");
    let (_, err, st) = run(&mut s, "kubectl events\n");
    assert_eq!(
        (err.as_str(), st),
        ("No events found in default namespace.\n", 0)
    );
    let (out, _, _) = run(
        &mut s,
        "kubectl events -n kube-system --for pod/etcd-m-k8s\n",
    );
    if !out.is_empty() {
        assert!(out.starts_with("LAST SEEN   TYPE     REASON"), "{out}");
        assert!(out.contains("Pod/etcd-m-k8s"), "{out}");
    }
    let (out, _, _) = run(&mut s, "kubectl get events -n kube-system\n");
    if !out.is_empty() {
        assert!(out.starts_with("LAST SEEN   TYPE     REASON"), "{out}");
    }
    assert_eq!(
        run(&mut s, "kubectl events --types=Bad\n").1,
        "error: valid --types are Normal or Warning\n"
    );
}
