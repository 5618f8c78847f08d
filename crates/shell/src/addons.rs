//! Bundled copies of well-known addon manifests. The page works offline, so
//! `kubectl apply -f https://...` and `wget https://...` of these URLs are served from here;
//! the files are the projects' own, unchanged (see `shared/addons/`).

/// One bundled file and the URLs it answers.
struct Addon {
    urls: &'static [&'static str],
    text: &'static str,
}

const INGRESS_NGINX: &str = "https://raw.githubusercontent.com/kubernetes/ingress-nginx/";

static ADDONS: &[Addon] = &[
    // Seed 004 installs this one (and edits its NodePort Service).
    Addon {
        urls: &["controller-v1.0.3/deploy/static/provider/baremetal/deploy.yaml"],
        text: include_str!("../../../shared/addons/ingress-nginx/controller-v1.0.3-baremetal.yaml"),
    },
    Addon {
        urls: &["controller-v1.0.3/deploy/static/provider/cloud/deploy.yaml"],
        text: include_str!("../../../shared/addons/ingress-nginx/controller-v1.0.3-cloud.yaml"),
    },
    // What the ingress-nginx install guide names today.
    Addon {
        urls: &[
            "controller-v1.15.1/deploy/static/provider/baremetal/deploy.yaml",
            "main/deploy/static/provider/baremetal/deploy.yaml",
        ],
        text: include_str!(
            "../../../shared/addons/ingress-nginx/controller-v1.15.1-baremetal.yaml"
        ),
    },
    Addon {
        urls: &[
            "controller-v1.15.1/deploy/static/provider/cloud/deploy.yaml",
            "main/deploy/static/provider/cloud/deploy.yaml",
        ],
        text: include_str!("../../../shared/addons/ingress-nginx/controller-v1.15.1-cloud.yaml"),
    },
];

/// The bundled file a URL names, if any.
pub fn lookup(url: &str) -> Option<&'static str> {
    let rest = url.strip_prefix(INGRESS_NGINX)?;
    ADDONS
        .iter()
        .find(|a| a.urls.contains(&rest))
        .map(|a| a.text)
}

#[cfg(test)]
mod tests {
    #[test]
    fn seed_url_is_the_real_file() {
        let text = super::lookup("https://raw.githubusercontent.com/kubernetes/ingress-nginx/controller-v1.0.3/deploy/static/provider/baremetal/deploy.yaml").unwrap();
        // wget in the seed: `Length: 18950 (19K) [text/plain]`.
        assert_eq!(text.len(), 18950);
        assert!(super::lookup("https://raw.githubusercontent.com/kubernetes/ingress-nginx/controller-v9.9.9/deploy/static/provider/baremetal/deploy.yaml").is_none());
    }
}
