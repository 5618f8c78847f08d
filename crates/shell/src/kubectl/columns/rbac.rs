//! Roles, ClusterRoles and their bindings (`NAME CREATED AT`, `NAME ROLE AGE` with the
//! subjects in `-o wide`), and ValidatingWebhookConfigurations (`NAME WEBHOOKS AGE`), as
//! kubectl's `printRole`, `printRoleBinding` and `printValidatingWebhook` print them.

use super::{col, wide, Column, RowContext};
use k8s_openapi::api::rbac::v1::Subject;
use kubarium_engine::api::ValidatingWebhookConfiguration;
use kubarium_engine::Object;

pub const ROLE_COLUMNS: &[Column] = &[col("Name"), col("Created At")];

pub const BINDING_COLUMNS: &[Column] = &[
    col("Name"),
    col("Role"),
    col("Age"),
    wide("Users"),
    wide("Groups"),
    wide("ServiceAccounts"),
];

pub const WEBHOOK_COLUMNS: &[Column] = &[col("Name"), col("Webhooks"), col("Age")];

/// `CREATED AT` is the creation time in RFC 3339, not an age.
pub fn role_row(obj: &Object, _ctx: &RowContext) -> Vec<String> {
    let created = obj
        .metadata()
        .creation_timestamp
        .as_ref()
        .map(|t| t.0.strftime("%Y-%m-%dT%H:%M:%SZ").to_string())
        .unwrap_or_default();
    vec![obj.name().to_string(), created]
}

pub fn binding_row(obj: &Object, ctx: &RowContext) -> Vec<String> {
    let (role_ref, subjects) = match obj {
        Object::RoleBinding(b) => (&b.role_ref, b.subjects.as_deref().unwrap_or(&[])),
        Object::ClusterRoleBinding(b) => (&b.role_ref, b.subjects.as_deref().unwrap_or(&[])),
        _ => return Vec::new(),
    };
    let (users, groups, sas) = subject_lists(subjects);
    vec![
        obj.name().to_string(),
        format!("{}/{}", role_ref.kind, role_ref.name),
        ctx.since(obj.metadata().creation_timestamp.as_ref()),
        users,
        groups,
        sas,
    ]
}

/// `SubjectsStrings`: users, groups and `namespace:name` service accounts, comma-joined.
fn subject_lists(subjects: &[Subject]) -> (String, String, String) {
    let (mut users, mut groups, mut sas) = (Vec::new(), Vec::new(), Vec::new());
    for s in subjects {
        match s.kind.as_str() {
            "User" => users.push(s.name.clone()),
            "Group" => groups.push(s.name.clone()),
            "ServiceAccount" => sas.push(format!(
                "{}/{}",
                s.namespace.as_deref().unwrap_or(""),
                s.name
            )),
            _ => {}
        }
    }
    (users.join(", "), groups.join(", "), sas.join(", "))
}

pub fn webhook_row(obj: &Object, ctx: &RowContext) -> Vec<String> {
    let Some(w) = obj.as_::<ValidatingWebhookConfiguration>() else {
        return Vec::new();
    };
    vec![
        obj.name().to_string(),
        w.webhooks.as_ref().map_or(0, Vec::len).to_string(),
        ctx.since(obj.metadata().creation_timestamp.as_ref()),
    ]
}
