//! Label selectors: the string syntax of `kubectl -l` and `metav1.LabelSelector`.

use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector as ApiLabelSelector;
use std::collections::BTreeMap;

/// One requirement of a selector.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Requirement {
    Equals(String, String),
    NotEquals(String, String),
    In(String, Vec<String>),
    NotIn(String, Vec<String>),
    Exists(String),
    DoesNotExist(String),
}

/// A parsed selector: all requirements must hold. The empty selector matches everything.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Selector {
    pub requirements: Vec<Requirement>,
}

impl Requirement {
    fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        match self {
            Requirement::Equals(k, v) => labels.get(k) == Some(v),
            Requirement::NotEquals(k, v) => labels.get(k) != Some(v),
            Requirement::In(k, vs) => labels.get(k).is_some_and(|x| vs.contains(x)),
            Requirement::NotIn(k, vs) => labels.get(k).is_none_or(|x| !vs.contains(x)),
            Requirement::Exists(k) => labels.contains_key(k),
            Requirement::DoesNotExist(k) => !labels.contains_key(k),
        }
    }
}

impl Selector {
    /// Whether the labels satisfy every requirement.
    pub fn matches(&self, labels: Option<&BTreeMap<String, String>>) -> bool {
        let empty = BTreeMap::new();
        let labels = labels.unwrap_or(&empty);
        self.requirements.iter().all(|r| r.matches(labels))
    }

    /// True when the selector has no requirements.
    pub fn is_empty(&self) -> bool {
        self.requirements.is_empty()
    }

    /// Parses kubectl's selector syntax: `app=web,tier!=db,env in (a,b),env notin (c),gpu,!old`.
    pub fn parse(s: &str) -> Result<Selector, String> {
        let mut requirements = Vec::new();
        let chars: Vec<char> = s.chars().collect();
        let mut i = 0;
        let n = chars.len();
        let skip_ws = |i: &mut usize| {
            while *i < n && chars[*i].is_whitespace() {
                *i += 1;
            }
        };
        loop {
            skip_ws(&mut i);
            if i >= n {
                break;
            }
            let negated = chars[i] == '!';
            if negated {
                i += 1;
                skip_ws(&mut i);
            }
            let start = i;
            while i < n && !matches!(chars[i], '=' | '!' | ',' | ' ' | '(' | ')') {
                i += 1;
            }
            let key: String = chars[start..i].iter().collect();
            if key.is_empty() {
                return Err(format!(
                    "unable to parse requirement: found '{}', expected: identifier",
                    chars.get(i).copied().unwrap_or(' ')
                ));
            }
            crate::api::validation::validate_label_key(&key).map_err(|m| {
                format!("unable to parse requirement: <nil>: Invalid value: {key:?}: {m}")
            })?;
            skip_ws(&mut i);
            if negated {
                requirements.push(Requirement::DoesNotExist(key));
            } else if i >= n || chars[i] == ',' {
                requirements.push(Requirement::Exists(key));
            } else if chars[i] == '=' || (chars[i] == '!' && i + 1 < n && chars[i + 1] == '=') {
                let not = chars[i] == '!';
                i += if not { 2 } else { 1 };
                if !not && i < n && chars[i] == '=' {
                    i += 1;
                }
                skip_ws(&mut i);
                let vs = i;
                while i < n && !matches!(chars[i], ',' | ' ') {
                    i += 1;
                }
                let value: String = chars[vs..i].iter().collect();
                crate::api::validation::validate_label_value(&value).map_err(|m| {
                    format!("unable to parse requirement: <nil>: Invalid value: {value:?}: {m}")
                })?;
                requirements.push(if not {
                    Requirement::NotEquals(key, value)
                } else {
                    Requirement::Equals(key, value)
                });
            } else {
                let ws = i;
                while i < n && chars[i].is_alphabetic() {
                    i += 1;
                }
                let op: String = chars[ws..i].iter().collect();
                if op != "in" && op != "notin" {
                    return Err(format!("unable to parse requirement: found '{op}', expected: in, notin, =, ==, !=, gt, lt"));
                }
                skip_ws(&mut i);
                if i >= n || chars[i] != '(' {
                    return Err("unable to parse requirement: found '', expected: '('".to_string());
                }
                i += 1;
                let vs = i;
                while i < n && chars[i] != ')' {
                    i += 1;
                }
                if i >= n {
                    return Err(
                        "unable to parse requirement: found '', expected: ',', ')' or identifier"
                            .to_string(),
                    );
                }
                let values: Vec<String> = chars[vs..i]
                    .iter()
                    .collect::<String>()
                    .split(',')
                    .map(|v| v.trim().to_string())
                    .filter(|v| !v.is_empty())
                    .collect();
                i += 1;
                requirements.push(if op == "in" {
                    Requirement::In(key, values)
                } else {
                    Requirement::NotIn(key, values)
                });
            }
            skip_ws(&mut i);
            if i < n {
                if chars[i] != ',' {
                    return Err(format!(
                        "unable to parse requirement: found '{}', expected: ','",
                        chars[i]
                    ));
                }
                i += 1;
            }
        }
        Ok(Selector { requirements })
    }

    /// Converts an API `LabelSelector` (matchLabels + matchExpressions).
    pub fn from_label_selector(ls: &ApiLabelSelector) -> Result<Selector, String> {
        let mut requirements = Vec::new();
        for (k, v) in ls.match_labels.iter().flatten() {
            requirements.push(Requirement::Equals(k.clone(), v.clone()));
        }
        for e in ls.match_expressions.iter().flatten() {
            let values = e.values.clone().unwrap_or_default();
            requirements.push(match e.operator.as_str() {
                "In" => Requirement::In(e.key.clone(), values),
                "NotIn" => Requirement::NotIn(e.key.clone(), values),
                "Exists" => Requirement::Exists(e.key.clone()),
                "DoesNotExist" => Requirement::DoesNotExist(e.key.clone()),
                other => return Err(format!("{other:?} is not a valid label selector operator")),
            });
        }
        Ok(Selector { requirements })
    }

    /// An equality selector from a map (ReplicationController, Service).
    pub fn from_map(m: &BTreeMap<String, String>) -> Selector {
        Selector {
            requirements: m
                .iter()
                .map(|(k, v)| Requirement::Equals(k.clone(), v.clone()))
                .collect(),
        }
    }
}

impl std::fmt::Display for Selector {
    /// Formats like `metav1.FormatLabelSelector` / `labels.Selector.String()`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let parts: Vec<String> = self
            .requirements
            .iter()
            .map(|r| match r {
                Requirement::Equals(k, v) => format!("{k}={v}"),
                Requirement::NotEquals(k, v) => format!("{k}!={v}"),
                Requirement::In(k, vs) => format!("{k} in ({})", vs.join(",")),
                Requirement::NotIn(k, vs) => format!("{k} notin ({})", vs.join(",")),
                Requirement::Exists(k) => k.clone(),
                Requirement::DoesNotExist(k) => format!("!{k}"),
            })
            .collect();
        write!(f, "{}", parts.join(","))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    fn labels(p: &[(&str, &str)]) -> BTreeMap<String, String> {
        p.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }
    #[test]
    fn equality_and_set_based() {
        let s = Selector::parse("app=web,tier!=db").unwrap();
        assert!(s.matches(Some(&labels(&[("app", "web")]))));
        assert!(!s.matches(Some(&labels(&[("app", "web"), ("tier", "db")]))));
        let s = Selector::parse("env in (prod, qa),!old,gpu").unwrap();
        assert!(s.matches(Some(&labels(&[("env", "qa"), ("gpu", "")]))));
        assert!(!s.matches(Some(&labels(&[("env", "dev"), ("gpu", "")]))));
        let s = Selector::parse("env notin (prod)").unwrap();
        assert!(s.matches(Some(&labels(&[]))));
        assert!(Selector::parse("app==web")
            .unwrap()
            .matches(Some(&labels(&[("app", "web")]))));
    }
    #[test]
    fn bad_selectors_are_errors() {
        assert!(Selector::parse("env in prod").is_err());
        assert!(Selector::parse("a=b=c").is_err());
        assert!(Selector::parse("env in (a").is_err());
    }
}
