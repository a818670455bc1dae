//! `socialtop import clockify [--url URL] [--since TIME]`: Clockify's API v1.
//!
//! `GET /api/v1/user` answers `{id, activeWorkspace, defaultWorkspace, ...}`
//! (the workspace used; else the first of `GET /api/v1/workspaces`);
//! `GET /api/v1/workspaces/{ws}/tags` and `.../projects` answer
//! `[{id, name, ...}]`; `GET /api/v1/workspaces/{ws}/user/{user}/time-entries
//! ?start=&end=&page=&page-size=` answers `[{id, description, tagIds,
//! projectId, timeInterval: {start, end, duration}}]` (a running entry has no
//! `end`). The key goes in `X-Api-Key`, from `CLOCKIFY_API_KEY`. An entry
//! counts for an account when one of its tags or its project's name is the
//! account's id or one of its `time_tags`. HTTP 429 is waited out a few times.

use std::collections::HashMap;

use jiff::Timestamp;
use serde::Deserialize;

use super::Foreign;
use super::api::{self, Service};
use crate::http::Http;

pub const DEFAULT_URL: &str = "https://api.clockify.me";

pub const SERVICE: Service = Service {
    name: "Clockify",
    key_var: "CLOCKIFY_API_KEY",
    key_hint: "Clockify → Profile settings → Preferences → Advanced → API key",
    quota_header: None,
};

/// Entries per page.
const PAGE_SIZE: usize = 1000;
/// Pages read at most (a million entries).
const MAX_PAGES: usize = 1000;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct User {
    id: String,
    active_workspace: Option<String>,
    default_workspace: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Named {
    id: String,
    name: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Entry {
    id: String,
    description: Option<String>,
    tag_ids: Option<Vec<String>>,
    project_id: Option<String>,
    time_interval: Interval,
}

#[derive(Debug, Deserialize)]
struct Interval {
    start: Timestamp,
    end: Option<Timestamp>,
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
    let key = [("x-api-key", api::key(&SERVICE, secrets)?)];
    let get = async |path: &str, query: &[(&str, String)]| -> anyhow::Result<serde_json::Value> {
        api::get_json(&SERVICE, http, base, path, query, &key).await
    };
    let user: User = serde_json::from_value(get("/api/v1/user", &[]).await?).map_err(|e| {
        anyhow::anyhow!("unexpected answer from Clockify at {base}/api/v1/user: {e}")
    })?;
    let ws = match user.active_workspace.or(user.default_workspace) {
        Some(ws) => ws,
        None => {
            let all: Vec<Named> = serde_json::from_value(get("/api/v1/workspaces", &[]).await?)
                .map_err(|e| {
                    anyhow::anyhow!(
                        "unexpected answer from Clockify at {base}/api/v1/workspaces: {e}"
                    )
                })?;
            all.into_iter()
                .next()
                .map(|w| w.id)
                .ok_or_else(|| anyhow::anyhow!("Clockify says this user has no workspace"))?
        }
    };
    let big = [("page-size", "5000".to_string())];
    let names = async |what: &str| -> anyhow::Result<HashMap<String, String>> {
        let path = format!("/api/v1/workspaces/{ws}/{what}");
        let list: Vec<Named> = serde_json::from_value(get(&path, &big).await?)
            .map_err(|e| anyhow::anyhow!("unexpected answer from Clockify at {base}{path}: {e}"))?;
        Ok(list.into_iter().map(|n| (n.id, n.name)).collect())
    };
    let tags = names("tags").await?;
    let projects = names("projects").await?;
    let path = format!("/api/v1/workspaces/{ws}/user/{}/time-entries", user.id);
    let mut entries: Vec<Entry> = Vec::new();
    for page in 1..=MAX_PAGES {
        let query = [
            ("start", since.to_string()),
            ("end", now.to_string()),
            ("page", page.to_string()),
            ("page-size", PAGE_SIZE.to_string()),
        ];
        let batch: Vec<Entry> = serde_json::from_value(get(&path, &query).await?)
            .map_err(|e| anyhow::anyhow!("unexpected answer from Clockify at {base}{path}: {e}"))?;
        let last = batch.len() < PAGE_SIZE;
        entries.extend(batch);
        if last {
            break;
        }
    }
    let mut warnings = Vec::new();
    let mut out = Vec::with_capacity(entries.len());
    for e in entries {
        let Some(end) = e.time_interval.end else {
            warnings.push(format!(
                "skipped time entry {} started {} (still running)",
                e.id, e.time_interval.start
            ));
            continue;
        };
        let mut names: Vec<String> = e
            .tag_ids
            .unwrap_or_default()
            .iter()
            .filter_map(|t| tags.get(t).cloned())
            .collect();
        if let Some(p) = e.project_id.and_then(|p| projects.get(&p)) {
            names.push(p.clone());
        }
        out.push(Foreign {
            label: e.id.clone(),
            start: e.time_interval.start.as_second(),
            end: end.as_second(),
            names,
            note: e.description.filter(|d| !d.is_empty()),
            external_id: e.id,
        });
    }
    Ok((out, warnings))
}
