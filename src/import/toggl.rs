//! `socialtop import toggl [--url URL] [--since TIME]`: Toggl Track's API v9.
//!
//! `GET /api/v9/me/projects` answers `[{id, workspace_id, name, ...}]`;
//! `GET /api/v9/me/time_entries?start_date=&end_date=` (RFC 3339) answers
//! `[{id, workspace_id, project_id, start, stop, duration, description, tags}]`
//! (a running entry has no `stop` and a negative `duration`). Basic auth with
//! `TOKEN:api_token`, the token from `TOGGL_API_TOKEN`. An entry counts for an
//! account when one of its tags or its project's name is the account's id or
//! one of its `time_tags`. HTTP 402 (hourly quota) stops the import; 429 is
//! waited out a few times.

use std::collections::HashMap;

use jiff::Timestamp;
use serde::Deserialize;

use super::api::{self, Service};
use super::{Capped, Foreign};
use crate::config::Config;
use crate::http::Http;

pub const DEFAULT_URL: &str = "https://api.track.toggl.com";

pub const SERVICE: Service = Service {
    name: "Toggl",
    key_var: "TOGGL_API_TOKEN",
    key_hint: "Toggl Track → Profile settings → API Token",
    quota_header: Some("X-Toggl-Quota-Resets-In"),
};

#[derive(Debug, Deserialize)]
struct Entry {
    id: i64,
    project_id: Option<i64>,
    start: Timestamp,
    stop: Option<Timestamp>,
    duration: i64,
    description: Option<String>,
    #[serde(default, deserialize_with = "super::few_tags")]
    tags: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct Project {
    id: i64,
    name: String,
}

/// Reads the entries that started between `since` and `now` (network only),
/// at most [`super::MAX_ENTRIES`] of them (a warning says when there were
/// more), keeping only the tag and project names that name an account.
pub async fn collect(
    config: &Config,
    http: &Http,
    base: &str,
    secrets: &dyn crate::model::Secrets,
    since: Timestamp,
    now: Timestamp,
) -> anyhow::Result<(Vec<Foreign>, Vec<String>)> {
    let base = base.trim_end_matches('/');
    let token = api::key(&SERVICE, secrets)?;
    let auth = [(
        "authorization",
        format!(
            "Basic {}",
            api::base64(format!("{token}:api_token").as_bytes())
        ),
    )];
    let projects: Option<Vec<Project>> =
        api::get_json(&SERVICE, http, base, "/api/v9/me/projects", &[], &auth).await?;
    // only the names that name an account matter: the rest are not kept
    let projects: HashMap<i64, String> = projects
        .unwrap_or_default()
        .into_iter()
        .filter(|p| !super::accounts_for(config, std::slice::from_ref(&p.name)).is_empty())
        .map(|p| (p.id, p.name))
        .collect();
    let query = [
        ("start_date", since.to_string()),
        ("end_date", now.to_string()),
    ];
    let entries: Capped<Entry> = api::get_capped(
        &SERVICE,
        http,
        base,
        "/api/v9/me/time_entries",
        &query,
        &auth,
        super::MAX_ENTRIES,
    )
    .await?;
    let mut warnings = Vec::new();
    if entries.more > 0 {
        warnings.push(format!(
            "Toggl listed {} time entries; only the first {} it listed were read, the most an import reads (a later --since asks for fewer)",
            crate::util::thousands(i64::try_from(entries.items.len() + entries.more).unwrap_or(i64::MAX)),
            crate::util::thousands(i64::try_from(entries.items.len()).unwrap_or(i64::MAX)),
        ));
    }
    let mut out = Vec::with_capacity(entries.items.len());
    for e in entries.items {
        let Some(stop) = e.stop.filter(|_| e.duration >= 0) else {
            warnings.push(format!(
                "skipped time entry {} started {} (still running)",
                e.id, e.start
            ));
            continue;
        };
        let mut names = e.tags;
        if let Some(p) = e.project_id.and_then(|p| projects.get(&p)) {
            names.push(p.clone());
        }
        let id = e.id.to_string();
        let interval = (e.start.as_second(), stop.as_second());
        if let Some(f) =
            Foreign::bounded(config, &id, interval, names, e.description.as_deref(), &id)
        {
            out.push(f);
        }
    }
    Ok((out, warnings))
}
