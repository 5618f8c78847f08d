//! Defaults and validation of Jobs and CronJobs (`pkg/apis/batch/v1/defaults.go`,
//! `pkg/registry/batch/job/strategy.go`, `pkg/apis/batch/validation`), and the time zones a
//! CronJob may name.

pub mod job_update;
pub mod schedule;

use super::defaults::default_pod_spec;
use super::selector::Selector;
use super::validation::{validate_label_key, validate_label_value, FieldError};
use super::{Object, Pod};
use jiff::tz::TimeZone;
use k8s_openapi::api::batch::v1::{JobSpec, JobTemplateSpec};
use k8s_openapi::api::core::v1::PodTemplateSpec;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
use std::collections::BTreeMap;

/// The label a Job's generated selector matches: the Job's uid.
pub const CONTROLLER_UID_LABEL: &str = "batch.kubernetes.io/controller-uid";
/// The Job's name, on its pods.
pub const JOB_NAME_LABEL: &str = "batch.kubernetes.io/job-name";
/// The pre-1.27 spellings, still set on every Job's pods.
pub const LEGACY_CONTROLLER_UID_LABEL: &str = "controller-uid";
pub const LEGACY_JOB_NAME_LABEL: &str = "job-name";
/// The annotation a CronJob puts on its Jobs: the scheduled time, RFC 3339 in its time zone.
pub const CRONJOB_SCHEDULED_TIMESTAMP: &str = "batch.kubernetes.io/cronjob-scheduled-timestamp";

/// Applies the API server's defaults (`SetDefaults_Job`, `SetDefaults_CronJob`) to a Job or
/// CronJob it decoded, on create and on update alike. The generated selector is not a
/// default: see [`prepare_job_for_create`].
pub fn default_batch(obj: &mut Object) {
    match obj {
        Object::Job(job) => {
            let spec = job.spec.get_or_insert_with(JobSpec::default);
            default_job_spec(spec);
            copy_template_labels(job);
        }
        Object::CronJob(cj) => {
            let spec = &mut cj.spec;
            spec.concurrency_policy
                .get_or_insert_with(|| "Allow".into());
            spec.suspend.get_or_insert(false);
            spec.successful_jobs_history_limit.get_or_insert(3);
            spec.failed_jobs_history_limit.get_or_insert(1);
            if let Some(js) = spec.job_template.spec.as_mut() {
                default_template(&mut js.template);
            }
        }
        _ => {}
    }
}

/// The job strategy's `PrepareForCreate` (`generateSelectorIfNeeded`): a new Job's template
/// gets the job-name and controller-uid labels and its selector the uid, which the API server
/// has set by now. An update does not do this, so replacing a Job with its original manifest
/// (no selector) is refused: the selector is required and immutable, the template too. The
/// stored Job read back is defaulted again, so a Job without labels then carries its
/// template's, generated ones included.
pub fn prepare_job_for_create(obj: &mut Object) {
    let Object::Job(job) = obj else { return };
    let name = job.metadata.name.clone().unwrap_or_default();
    let uid = job.metadata.uid.clone().unwrap_or_default();
    let spec = job.spec.get_or_insert_with(JobSpec::default);
    if spec.manual_selector != Some(true) {
        generate_selector(spec, &name, &uid);
    }
    copy_template_labels(job);
}

/// `SetDefaults_Job`: a Job without labels carries its template's.
fn copy_template_labels(job: &mut k8s_openapi::api::batch::v1::Job) {
    let template_labels = job
        .spec
        .as_ref()
        .and_then(|s| s.template.metadata.as_ref())
        .and_then(|m| m.labels.clone());
    if job.metadata.labels.as_ref().is_none_or(|l| l.is_empty()) {
        if let Some(l) = template_labels.filter(|l| !l.is_empty()) {
            job.metadata.labels = Some(l);
        }
    }
}

/// `SetDefaults_Job`: parallelism and completions 1 when both are unset (a single-pod Job),
/// parallelism 1 when only completions is set; backoffLimit 6; NonIndexed; not suspended;
/// replacement pods once the old one is terminating or failed.
fn default_job_spec(spec: &mut JobSpec) {
    if spec.completions.is_none() && spec.parallelism.is_none() {
        spec.completions = Some(1);
        spec.parallelism = Some(1);
    }
    spec.parallelism.get_or_insert(1);
    spec.backoff_limit.get_or_insert(6);
    spec.completion_mode
        .get_or_insert_with(|| "NonIndexed".into());
    spec.suspend.get_or_insert(false);
    if spec.pod_failure_policy.is_none() {
        spec.pod_replacement_policy
            .get_or_insert_with(|| "TerminatingOrFailed".into());
    }
    default_template(&mut spec.template);
}

fn default_template(t: &mut PodTemplateSpec) {
    if let Some(s) = t.spec.as_mut() {
        default_pod_spec(s);
    }
}

/// `generateSelector`: the template gets the job-name and controller-uid labels (both
/// spellings) unless it already has them, and the selector matches the uid.
fn generate_selector(spec: &mut JobSpec, name: &str, uid: &str) {
    let labels = spec
        .template
        .metadata
        .get_or_insert_with(Default::default)
        .labels
        .get_or_insert_with(BTreeMap::new);
    for key in [LEGACY_JOB_NAME_LABEL, JOB_NAME_LABEL] {
        labels.entry(key.into()).or_insert_with(|| name.to_string());
    }
    for key in [LEGACY_CONTROLLER_UID_LABEL, CONTROLLER_UID_LABEL] {
        labels.entry(key.into()).or_insert_with(|| uid.to_string());
    }
    spec.selector
        .get_or_insert_with(LabelSelector::default)
        .match_labels
        .get_or_insert_with(BTreeMap::new)
        .entry(CONTROLLER_UID_LABEL.into())
        .or_insert_with(|| uid.to_string());
}

/// Validates a Job or CronJob (see the module doc).
pub fn validate_batch(obj: &Object, errs: &mut Vec<FieldError>) {
    match obj {
        Object::Job(job) => match job.spec.as_ref() {
            None => errs.push(FieldError::required("spec.template", "")),
            Some(spec) => {
                let uid = job.metadata.uid.as_deref().unwrap_or("");
                validate_job_spec(spec, "spec", Some(uid), errs);
            }
        },
        Object::CronJob(cj) => {
            let name = cj.metadata.name.as_deref().unwrap_or("");
            // Job names add 11 characters (`-` and the minutes since the epoch).
            if name.len() > 52 {
                errs.push(FieldError::invalid_str(
                    "metadata.name",
                    name,
                    "must be no more than 52 characters",
                ));
            }
            let s = &cj.spec;
            if s.schedule.is_empty() {
                errs.push(FieldError::required("spec.schedule", ""));
            } else {
                validate_schedule(&s.schedule, s.time_zone.as_deref(), errs);
            }
            if let Some(tz) = s.time_zone.as_deref() {
                validate_time_zone(tz, errs);
            }
            if let Some(p) = s.concurrency_policy.as_deref() {
                if !matches!(p, "Allow" | "Forbid" | "Replace") {
                    errs.push(FieldError::not_supported(
                        "spec.concurrencyPolicy",
                        p,
                        &["Allow", "Forbid", "Replace"],
                    ));
                }
            }
            nonnegative(
                s.starting_deadline_seconds,
                "spec.startingDeadlineSeconds",
                errs,
            );
            nonnegative(
                s.successful_jobs_history_limit.map(i64::from),
                "spec.successfulJobsHistoryLimit",
                errs,
            );
            nonnegative(
                s.failed_jobs_history_limit.map(i64::from),
                "spec.failedJobsHistoryLimit",
                errs,
            );
            validate_job_template(&s.job_template, errs);
        }
        _ => {}
    }
}

fn validate_job_template(t: &JobTemplateSpec, errs: &mut Vec<FieldError>) {
    for (k, v) in t.metadata.iter().flat_map(|m| m.labels.iter().flatten()) {
        label_errors(k, v, "spec.jobTemplate.metadata.labels", errs);
    }
    match t.spec.as_ref() {
        None => errs.push(FieldError::required("spec.jobTemplate.spec.template", "")),
        Some(spec) => validate_job_spec(spec, "spec.jobTemplate.spec", None, errs),
    }
}

fn label_errors(k: &str, v: &str, field: &str, errs: &mut Vec<FieldError>) {
    if let Err(m) = validate_label_key(k) {
        errs.push(FieldError::invalid_str(field, k, m));
    }
    if let Err(m) = validate_label_value(v) {
        errs.push(FieldError::invalid_str(field, v, m));
    }
}

fn nonnegative(v: Option<i64>, field: &str, errs: &mut Vec<FieldError>) {
    if let Some(n) = v.filter(|n| *n < 0) {
        errs.push(FieldError::invalid(
            field,
            n.to_string(),
            "must be greater than or equal to 0",
        ));
    }
}

/// `ValidateJobSpec` under `path` (`spec`, or `spec.jobTemplate.spec` in a CronJob). `uid` is
/// the Job's own, to check a generated selector; CronJob templates have none yet.
fn validate_job_spec(spec: &JobSpec, path: &str, uid: Option<&str>, errs: &mut Vec<FieldError>) {
    let f = |name: &str| format!("{path}.{name}");
    nonnegative(spec.parallelism.map(i64::from), &f("parallelism"), errs);
    nonnegative(spec.completions.map(i64::from), &f("completions"), errs);
    nonnegative(spec.backoff_limit.map(i64::from), &f("backoffLimit"), errs);
    nonnegative(
        spec.ttl_seconds_after_finished.map(i64::from),
        &f("ttlSecondsAfterFinished"),
        errs,
    );
    if let Some(n) = spec.active_deadline_seconds.filter(|n| *n <= 0) {
        errs.push(FieldError::invalid(
            f("activeDeadlineSeconds"),
            n.to_string(),
            "must be greater than 0",
        ));
    }
    if let Some(m) = spec.completion_mode.as_deref() {
        if !matches!(m, "NonIndexed" | "Indexed") {
            errs.push(FieldError::not_supported(
                f("completionMode"),
                m,
                &["NonIndexed", "Indexed"],
            ));
        }
        if m == "Indexed" && spec.completions.is_none() {
            errs.push(FieldError::required(
                f("completions"),
                "when completion mode is Indexed",
            ));
        }
    }
    if let Some(p) = spec.pod_replacement_policy.as_deref() {
        if !matches!(p, "TerminatingOrFailed" | "Failed") {
            errs.push(FieldError::not_supported(
                f("podReplacementPolicy"),
                p,
                &["Failed", "TerminatingOrFailed"],
            ));
        }
    }
    let template_labels = spec
        .template
        .metadata
        .as_ref()
        .and_then(|m| m.labels.as_ref());
    let labels = template_labels.cloned().unwrap_or_default();
    // The API server (1.34+) renders a map value as JSON: `{"app":"pi"}`, `null` when unset.
    let labels_value = || serde_json::to_string(&template_labels).unwrap_or_default();
    let mismatch = "`selector` does not match template `labels`";
    if let Some(sel) = spec.selector.as_ref() {
        match Selector::from_label_selector(sel) {
            Ok(s) if !s.matches(Some(&labels)) => errs.push(FieldError::invalid(
                f("template.metadata.labels"),
                labels_value(),
                mismatch,
            )),
            Ok(_) => {}
            Err(e) => errs.push(FieldError::invalid(f("selector"), "", e.to_string())),
        }
        if let (Some(uid), false) = (uid, spec.manual_selector == Some(true)) {
            let generated = sel
                .match_labels
                .as_ref()
                .and_then(|m| m.get(CONTROLLER_UID_LABEL))
                .is_some_and(|v| v == uid);
            if !generated {
                errs.push(FieldError::invalid(
                    f("selector"),
                    "",
                    "`selector` not auto-generated",
                ));
            }
        }
    } else if uid.is_some() {
        // No selector selects nothing (`LabelSelectorAsSelector(nil)`): the template's labels
        // do not match it either.
        errs.push(FieldError::required(f("selector"), ""));
        errs.push(FieldError::invalid(
            f("template.metadata.labels"),
            labels_value(),
            mismatch,
        ));
    }
    for (k, v) in &labels {
        label_errors(k, v, &f("template.metadata.labels"), errs);
    }
    let pod = Pod {
        spec: spec.template.spec.clone(),
        ..Default::default()
    };
    for mut e in super::validation::validate_pod_errors(&pod) {
        if let Some(rest) = e.field.strip_prefix("spec.") {
            e.field = format!("{path}.template.spec.{rest}");
        } else if e.field == "spec" {
            e.field = format!("{path}.template.spec");
        }
        errs.push(e);
    }
    let policy = spec
        .template
        .spec
        .as_ref()
        .and_then(|s| s.restart_policy.as_deref());
    if !matches!(policy, Some("OnFailure" | "Never")) {
        errs.push(FieldError::required(
            f("template.spec.restartPolicy"),
            "valid values: \"OnFailure\", \"Never\"",
        ));
    }
}

/// `validateScheduleFormat`: the schedule parses, and names no time zone of its own.
fn validate_schedule(s: &str, time_zone: Option<&str>, errs: &mut Vec<FieldError>) {
    if let Err(e) = schedule::Schedule::parse(s) {
        errs.push(FieldError::invalid_str("spec.schedule", s, e));
    }
    if s.contains("TZ") {
        let detail = if time_zone.is_some() {
            "cannot use both timeZone field and TZ or CRON_TZ in schedule"
        } else {
            "cannot use TZ or CRON_TZ in schedule, use timeZone field instead"
        };
        errs.push(FieldError::invalid_str("spec.schedule", s, detail));
    }
}

const TZ_EXPLICIT: &str =
    "timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones";

/// `validateTimeZone`: non-empty, not `Local`, IANA characters, and a zone Kubarium knows.
fn validate_time_zone(tz: &str, errs: &mut Vec<FieldError>) {
    if tz.is_empty() {
        errs.push(FieldError::invalid_str(
            "spec.timeZone",
            tz,
            "timeZone must be nil or non-empty string",
        ));
        return;
    }
    let valid_chars = tz.split('/').all(|part| {
        !part.is_empty()
            && part.len() <= 14
            && part
                .bytes()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'-' | b'_' | b'+'))
    });
    if tz.eq_ignore_ascii_case("local") || !valid_chars {
        errs.push(FieldError::invalid_str("spec.timeZone", tz, TZ_EXPLICIT));
        return;
    }
    if time_zone(tz).is_none() {
        errs.push(FieldError::invalid_str(
            "spec.timeZone",
            tz,
            format!("unknown time zone {tz}"),
        ));
    }
}

/// The time zone called `name`, from the zones Kubarium carries: UTC and the zones of
/// [`ZONES`] (a full time-zone database would cost the page more than the rest of the
/// engine). `None` for any other name.
pub fn time_zone(name: &str) -> Option<TimeZone> {
    if matches!(
        name,
        "UTC" | "Etc/UTC" | "Etc/GMT" | "GMT" | "Etc/Universal" | "Zulu"
    ) {
        return Some(TimeZone::UTC);
    }
    ZONES
        .iter()
        .find(|(n, _)| *n == name)
        .and_then(|(_, rule)| TimeZone::posix(rule).ok())
}

/// The IANA zones a CronJob's `timeZone` may name besides UTC, each with its current rule:
/// the POSIX TZ string that ends the zone's tzdata file, which real time-zone code also
/// uses for every instant after the file's last listed transition. None of these zones has
/// changed its rules since 2019 (São Paulo dropped DST then) and the simulated clock starts
/// in 2026 and only moves forward, so the rule gives exactly the offsets the zone's full
/// history would, without compiling that history (some 20 KB) into the page.
pub static ZONES: &[(&str, &str)] = &[
    ("Asia/Seoul", "KST-9"),
    ("Asia/Tokyo", "JST-9"),
    ("Asia/Shanghai", "CST-8"),
    ("Asia/Singapore", "<+08>-8"),
    ("Asia/Kolkata", "IST-5:30"),
    ("Europe/London", "GMT0BST,M3.5.0/1,M10.5.0"),
    ("Europe/Berlin", "CET-1CEST,M3.5.0,M10.5.0/3"),
    ("Europe/Paris", "CET-1CEST,M3.5.0,M10.5.0/3"),
    ("America/New_York", "EST5EDT,M3.2.0,M11.1.0"),
    ("America/Chicago", "CST6CDT,M3.2.0,M11.1.0"),
    ("America/Los_Angeles", "PST8PDT,M3.2.0,M11.1.0"),
    ("America/Sao_Paulo", "<-03>3"),
    ("Australia/Sydney", "AEST-10AEDT,M10.1.0,M4.1.0/3"),
];

#[cfg(test)]
mod tests {
    use super::*;

    /// Every zone's rule has the same transitions (instant, offset, abbreviation) as the
    /// zone's full tzdata history (compiled in for the tests only) from 2019 to 2040, and
    /// every name resolves.
    #[test]
    fn zone_rules_match_the_tz_database() {
        use jiff::Timestamp;
        let full: &[(&str, TimeZone)] = &[
            ("Asia/Seoul", jiff::tz::get!("Asia/Seoul")),
            ("Asia/Tokyo", jiff::tz::get!("Asia/Tokyo")),
            ("Asia/Shanghai", jiff::tz::get!("Asia/Shanghai")),
            ("Asia/Singapore", jiff::tz::get!("Asia/Singapore")),
            ("Asia/Kolkata", jiff::tz::get!("Asia/Kolkata")),
            ("Europe/London", jiff::tz::get!("Europe/London")),
            ("Europe/Berlin", jiff::tz::get!("Europe/Berlin")),
            ("Europe/Paris", jiff::tz::get!("Europe/Paris")),
            ("America/New_York", jiff::tz::get!("America/New_York")),
            ("America/Chicago", jiff::tz::get!("America/Chicago")),
            ("America/Los_Angeles", jiff::tz::get!("America/Los_Angeles")),
            ("America/Sao_Paulo", jiff::tz::get!("America/Sao_Paulo")),
            ("Australia/Sydney", jiff::tz::get!("Australia/Sydney")),
        ];
        assert_eq!(full.len(), ZONES.len());
        let start: Timestamp = "2019-12-01T00:00:00Z".parse().unwrap();
        let end: Timestamp = "2040-01-01T00:00:00Z".parse().unwrap();
        let transitions = |tz: &TimeZone| -> Vec<(Timestamp, i32, String)> {
            tz.following(start)
                .take_while(|t| t.timestamp() < end)
                .map(|t| {
                    (
                        t.timestamp(),
                        t.offset().seconds(),
                        t.abbreviation().to_string(),
                    )
                })
                .collect()
        };
        for (name, db) in full {
            let rule = time_zone(name).unwrap_or_else(|| panic!("{name}"));
            assert_eq!(rule.to_offset(start), db.to_offset(start), "{name}");
            assert_eq!(transitions(&rule), transitions(db), "{name}");
        }
        assert!(time_zone("Mars/Olympus").is_none());
        assert_eq!(time_zone("Etc/UTC"), Some(TimeZone::UTC));
    }
    use crate::api::validation::validate;

    fn job(yaml: &str, uid: &str) -> Object {
        let mut j: k8s_openapi::api::batch::v1::Job = serde_yaml::from_str(yaml).unwrap();
        j.metadata.uid = Some(uid.into());
        let mut o = Object::from(j);
        default_batch(&mut o);
        prepare_job_for_create(&mut o);
        o
    }

    const PI: &str = "
metadata: {name: pi}
spec:
  template:
    spec:
      containers: [{name: pi, image: perl}]
      restartPolicy: Never
";

    #[test]
    fn job_defaults_and_generated_selector() {
        let o = job(PI, "u-1");
        let Object::Job(j) = &o else { unreachable!() };
        let s = j.spec.as_ref().unwrap();
        assert_eq!(
            (s.completions, s.parallelism, s.backoff_limit),
            (Some(1), Some(1), Some(6))
        );
        assert_eq!(s.completion_mode.as_deref(), Some("NonIndexed"));
        assert_eq!(
            s.pod_replacement_policy.as_deref(),
            Some("TerminatingOrFailed")
        );
        assert_eq!(s.manual_selector, None);
        let sel = s.selector.as_ref().unwrap().match_labels.as_ref().unwrap();
        assert_eq!(sel.len(), 1);
        assert_eq!(sel[CONTROLLER_UID_LABEL], "u-1");
        let labels = s
            .template
            .metadata
            .as_ref()
            .unwrap()
            .labels
            .as_ref()
            .unwrap();
        assert_eq!(
            labels.keys().collect::<Vec<_>>(),
            [
                CONTROLLER_UID_LABEL,
                JOB_NAME_LABEL,
                "controller-uid",
                "job-name"
            ]
        );
        assert_eq!(j.metadata.labels.as_ref(), Some(labels));
        assert!(validate(&o).is_empty(), "{:?}", validate(&o));
    }

    #[test]
    fn only_completions_set_keeps_parallelism_one() {
        let o = job(
            &PI.replace("spec:\n  template", "spec:\n  completions: 5\n  template"),
            "u",
        );
        let Object::Job(j) = &o else { unreachable!() };
        let s = j.spec.as_ref().unwrap();
        assert_eq!((s.completions, s.parallelism), (Some(5), Some(1)));
        let o = job(
            &PI.replace("spec:\n  template", "spec:\n  parallelism: 3\n  template"),
            "u",
        );
        let Object::Job(j) = &o else { unreachable!() };
        let s = j.spec.as_ref().unwrap();
        assert_eq!((s.completions, s.parallelism), (None, Some(3)));
    }

    #[test]
    fn restart_policy_must_be_on_failure_or_never() {
        let o = job(&PI.replace("      restartPolicy: Never\n", ""), "u");
        let errs: Vec<String> = validate(&o).iter().map(|e| e.to_string()).collect();
        assert_eq!(
            errs,
            ["spec.template.spec.restartPolicy: Required value: valid values: \"OnFailure\", \"Never\""]
        );
    }

    #[test]
    fn cron_job_defaults_and_schedule_errors() {
        let yaml = "
metadata: {name: hello}
spec:
  schedule: '*/1 * * * *'
  jobTemplate:
    spec:
      template:
        spec:
          containers: [{name: hello, image: busybox}]
          restartPolicy: OnFailure
";
        let cj: k8s_openapi::api::batch::v1::CronJob = serde_yaml::from_str(yaml).unwrap();
        let mut o = Object::from(cj);
        default_batch(&mut o);
        let Object::CronJob(c) = &o else {
            unreachable!()
        };
        assert_eq!(c.spec.concurrency_policy.as_deref(), Some("Allow"));
        assert_eq!(c.spec.suspend, Some(false));
        assert_eq!(c.spec.successful_jobs_history_limit, Some(3));
        assert_eq!(c.spec.failed_jobs_history_limit, Some(1));
        assert!(validate(&o).is_empty());
        let mut bad = c.clone();
        bad.spec.schedule = "0 25 * * *".into();
        bad.spec.time_zone = Some("Mars/Olympus".into());
        let errs: Vec<String> = validate(&Object::CronJob(bad))
            .iter()
            .map(|e| e.to_string())
            .collect();
        assert_eq!(
            errs,
            [
                "spec.schedule: Invalid value: \"0 25 * * *\": end of range (25) above maximum (23): 25",
                "spec.timeZone: Invalid value: \"Mars/Olympus\": unknown time zone Mars/Olympus"
            ]
        );
    }
}
