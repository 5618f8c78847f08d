//! Turning API errors into kubectl's wording — the one place this happens.

use kubarium_engine::{ApiError, StatusReason};

/// What kubectl prints for a server error, e.g. `Error from server (NotFound): pods "x" not found`.
/// Invalid errors print as kubectl's `cmdutil.CheckErr` does: `The Pod "x" is invalid: …`,
/// with one cause per line (`* field: message`) when there are several.
pub fn api_error_text(e: &ApiError) -> String {
    match e.reason {
        StatusReason::Invalid if !e.kind.is_empty() => {
            if e.causes.len() <= 1 {
                // The Status message names `Deployment.apps`; kubectl words it with the
                // details' kind and the cause.
                let cause = e
                    .message
                    .split_once(" is invalid: ")
                    .map_or(e.message.as_str(), |(_, c)| c);
                format!("The {} {:?} is invalid: {cause}", e.kind, e.name)
            } else {
                let mut s = format!("The {} {:?} is invalid: \n", e.kind, e.name);
                for c in &e.causes {
                    s.push_str(&format!("* {c}\n"));
                }
                s.trim_end().to_string()
            }
        }
        r => format!("Error from server ({}): {}", r.as_str(), e.message),
    }
}

/// Like [`api_error_text`] for errors of a file-driven verb (`create -f`, `apply -f`), where
/// kubectl adds `error when creating "x.yaml": `.
pub fn api_error_with_source(e: &ApiError, action: &str, source: &str) -> String {
    match e.reason {
        StatusReason::Invalid if !e.kind.is_empty() => api_error_text(e),
        r => format!(
            "Error from server ({}): error when {action} {source:?}: {}",
            r.as_str(),
            e.message
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kubarium_engine::Kind;
    #[test]
    fn invalid_text_names_the_bare_kind_and_the_message_the_group() {
        let cause = kubarium_engine::api::validation::FieldError::required(
            "spec.template.spec.containers[0].image",
            "",
        );
        let e = ApiError::invalid(Kind::Deployment, "web", vec![cause]);
        assert_eq!(
            e.message,
            "Deployment.apps \"web\" is invalid: spec.template.spec.containers[0].image: Required value"
        );
        assert_eq!(
            api_error_text(&e),
            "The Deployment \"web\" is invalid: spec.template.spec.containers[0].image: Required value"
        );
    }

    #[test]
    fn not_found_text() {
        let e = ApiError::not_found(Kind::Pod, "web");
        assert_eq!(
            api_error_text(&e),
            "Error from server (NotFound): pods \"web\" not found"
        );
    }
}
