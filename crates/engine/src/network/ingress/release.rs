//! The ingress-nginx controller images Kubarium knows: what `/nginx-ingress-controller
//! --version` prints and which nginx each release embeds.

/// The environment variable through which the simulated image tells its program which
/// release it is (the real binary has the release compiled in; ours reads it from here).
pub const RELEASE_ENV: &str = "INGRESS_NGINX_RELEASE";

/// Build commit and nginx version of a release (from the release's `images/nginx/rootfs/
/// build.sh`; v1.0.3's build is the one seed 004 shows).
fn facts(release: &str) -> (&'static str, &'static str) {
    match release {
        "v1.0.3" => ("6e125826ad3968709392f2056023d4d7474ed4f5", "1.19.9"),
        "v1.11.3" => ("f6456ea86c6c330e7cf401ade70ce1faa757265b", "1.25.5"),
        "v1.12.1" => ("64780b1fed3af99f4eccbc3fdad7ad785e8a83b6", "1.25.5"),
        "v1.13.0" => ("9dc73d17c76e2289408ebff2f3446b8b13c3e72e", "1.27.1"),
        "v1.14.0" => ("ad643baabbbf55d59c60e75330a193545aa8b788", "1.27.1"),
        _ => ("0a5901f3c64f11e92e487799b8da3f00cca37515", "1.27.1"),
    }
}

/// The nginx version a release embeds.
pub fn nginx_version(release: &str) -> &'static str {
    facts(release).1
}

/// `version.String()`: the banner of `--version` and of the controller's first log lines.
pub fn banner(release: &str) -> String {
    let (build, nginx) = facts(release);
    let rule = "-".repeat(79);
    format!(
        "{rule}\nNGINX Ingress controller\n  Release:       {release}\n  Build:         {build}\n  Repository:    https://github.com/kubernetes/ingress-nginx\n  nginx version: nginx/{nginx}\n\n{rule}\n"
    )
}

/// `/nginx-ingress-controller ARGS` run by `kubectl exec` in a controller container whose
/// environment is `env`: `--version` prints the banner; `None` for anything else (a second
/// controller in the same pod is not modelled).
pub fn exec(
    env: &std::collections::BTreeMap<String, String>,
    args: &[String],
) -> Option<(i32, String)> {
    let release = env.get(RELEASE_ENV)?;
    args.iter()
        .any(|a| a == "--version")
        .then(|| (0, banner(release)))
}
