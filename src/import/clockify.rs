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

use super::api::{self, Service};
use super::{Capped, Foreign};
use crate::config::Config;
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
/// Pages read at most: [`super::MAX_ENTRIES`] entries.
const MAX_PAGES: usize = super::MAX_ENTRIES.div_ceil(PAGE_SIZE);

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
    #[serde(default, deserialize_with = "super::few_tags")]
    tag_ids: Vec<String>,
    project_id: Option<String>,
    time_interval: Interval,
}

#[derive(Debug, Deserialize)]
struct Interval {
    start: Timestamp,
    end: Option<Timestamp>,
}

/// Reads the entries that started between `since` and `now` (network only),
/// at most [`super::MAX_ENTRIES`] of them (a warning says when it stopped
/// there), keeping only the tag and project names that name an account.
pub async fn collect(
    config: &Config,
    http: &Http,
    base: &str,
    secrets: &dyn crate::model::Secrets,
    since: Timestamp,
    now: Timestamp,
) -> anyhow::Result<(Vec<Foreign>, Vec<String>)> {
    let base = base.trim_end_matches('/');
    let key = [("x-api-key", api::key(&SERVICE, secrets)?)];
    let user: User = api::get_json(&SERVICE, http, base, "/api/v1/user", &[], &key).await?;
    let ws = match user.active_workspace.or(user.default_workspace) {
        Some(ws) => ws,
        None => {
            let all: Capped<Named> =
                api::get_capped(&SERVICE, http, base, "/api/v1/workspaces", &[], &key, 1).await?;
            all.items
                .into_iter()
                .next()
                .map(|w| w.id)
                .ok_or_else(|| anyhow::anyhow!("Clockify says this user has no workspace"))?
        }
    };
    let ws = segment(&ws)?;
    let user_id = segment(&user.id)?;
    let big = [("page-size", "5000".to_string())];
    // only the names that name an account matter: the rest are not kept
    let names = async |what: &str| -> anyhow::Result<HashMap<String, String>> {
        let path = format!("/api/v1/workspaces/{ws}/{what}");
        let list: Capped<Named> =
            api::get_capped(&SERVICE, http, base, &path, &big, &key, usize::MAX).await?;
        Ok(list
            .items
            .into_iter()
            .filter(|n| !super::accounts_for(config, std::slice::from_ref(&n.name)).is_empty())
            .map(|n| (n.id, n.name))
            .collect())
    };
    let tags = names("tags").await?;
    let projects = names("projects").await?;
    let path = format!("/api/v1/workspaces/{ws}/user/{user_id}/time-entries");
    let mut warnings = Vec::new();
    let mut out = Vec::new();
    let mut oldest: Option<Timestamp> = None;
    let mut read = 0usize;
    for page in 1..=MAX_PAGES {
        let query = [
            ("start", since.to_string()),
            ("end", now.to_string()),
            ("page", page.to_string()),
            ("page-size", PAGE_SIZE.to_string()),
        ];
        let batch: Capped<Entry> =
            api::get_capped(&SERVICE, http, base, &path, &query, &key, PAGE_SIZE).await?;
        let full = batch.items.len() + batch.more >= PAGE_SIZE;
        read += batch.items.len();
        for e in batch.items {
            oldest = Some(oldest.map_or(e.time_interval.start, |o| o.min(e.time_interval.start)));
            let Some(end) = e.time_interval.end else {
                warnings.push(format!(
                    "skipped time entry {} started {} (still running)",
                    crate::text::short(&e.id, 40),
                    e.time_interval.start
                ));
                continue;
            };
            let mut names: Vec<String> = e
                .tag_ids
                .iter()
                .filter_map(|t| tags.get(t).cloned())
                .collect();
            if let Some(p) = e.project_id.and_then(|p| projects.get(&p)) {
                names.push(p.clone());
            }
            let interval = (e.time_interval.start.as_second(), end.as_second());
            let Some(f) = Foreign::bounded(
                config,
                &e.id,
                interval,
                names,
                e.description.as_deref(),
                &e.id,
            ) else {
                warnings.push(format!(
                    "skipped a time entry started {}: its id is longer than {} bytes",
                    e.time_interval.start,
                    super::MAX_ID
                ));
                continue;
            };
            out.push(f);
        }
        if !full {
            return Ok((out, warnings));
        }
    }
    warnings.push(format!(
        "stopped after {MAX_PAGES} pages ({} time entries), the most an import reads: entries older than {} may not have been read (import again with a later --since to check the newest)",
        crate::util::thousands(i64::try_from(read).unwrap_or(i64::MAX)),
        oldest.map_or_else(|| since.to_string(), |t| t.to_string())
    ));
    Ok((out, warnings))
}

/// An id from Clockify, fit for a URL path segment (its ids are hex).
fn segment(id: &str) -> anyhow::Result<&str> {
    if !id.is_empty()
        && id.len() <= super::MAX_ID
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        Ok(id)
    } else {
        anyhow::bail!(
            "Clockify answered an id that is not one (`{}`)",
            crate::text::short(id, 40)
        )
    }
}
