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

use super::Foreign;
use super::api::{self, Service};
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
    tags: Option<Vec<String>>,
}

#[derive(Debug, Deserialize)]
struct Project {
    id: i64,
    name: String,
}

/// Reads the entries that started between `since` and `now` (network only).
pub async fn collect(
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
    let projects: HashMap<i64, String> = projects
        .unwrap_or_default()
        .into_iter()
        .map(|p| (p.id, p.name))
        .collect();
    let query = [
        ("start_date", since.to_string()),
        ("end_date", now.to_string()),
    ];
    let entries: Vec<Entry> = api::get_json(
        &SERVICE,
        http,
        base,
        "/api/v9/me/time_entries",
        &query,
        &auth,
    )
    .await?;
    let mut warnings = Vec::new();
    let mut out = Vec::with_capacity(entries.len());
    for e in entries {
        let Some(stop) = e.stop.filter(|_| e.duration >= 0) else {
            warnings.push(format!(
                "skipped time entry {} started {} (still running)",
                e.id, e.start
            ));
            continue;
        };
        let mut names = e.tags.unwrap_or_default();
        if let Some(p) = e.project_id.and_then(|p| projects.get(&p)) {
            names.push(p.clone());
        }
        out.push(Foreign {
            label: e.id.to_string(),
            start: e.start.as_second(),
            end: stop.as_second(),
            names,
            note: e.description.filter(|d| !d.is_empty()),
            external_id: e.id.to_string(),
        });
    }
    Ok((out, warnings))
}
