//! `socialtop import watson [FILE|-]`: the JSON `watson log --json` prints
//! (Watson, the command-line time tracker, `td-watson` on PyPI):
//! `[{"id": "69eed64e…", "project": "socialmedia", "start": "2026-03-02T09:00:00+00:00",
//! "stop": "2026-03-02T10:30:00+00:00", "tags": ["mastodon"]}]`. A frame counts
//! for an account when its project or one of its tags is the account's id or
//! one of its `time_tags`. Use `watson log --json --all` for every frame.

use jiff::Timestamp;
use serde::Deserialize;

use super::{Foreign, Report};
use crate::config::Config;
use crate::store::Store;

#[derive(Debug, Deserialize)]
struct Frame {
    id: String,
    project: String,
    start: Timestamp,
    stop: Option<Timestamp>,
    #[serde(default)]
    tags: Vec<String>,
}

/// Imports `text` (named `source` in messages) into the history.
pub fn import(
    store: &mut Store,
    config: &Config,
    text: &str,
    source: &str,
    now: jiff::Timestamp,
) -> anyhow::Result<Report> {
    let frames: Vec<Frame> = super::parse_json_array(
        text,
        source,
        "a Watson log (the JSON array `watson log --json` prints)",
    )?;
    let mut report = Report::default();
    let mut entries = Vec::with_capacity(frames.len());
    for f in frames {
        let short: String = f.id.chars().take(7).collect();
        let Some(stop) = f.stop else {
            report.warnings.push(format!(
                "skipped frame {short} started {} (still running)",
                f.start
            ));
            continue;
        };
        let mut names = f.tags;
        names.push(f.project);
        entries.push(Foreign {
            label: short,
            start: f.start.as_second(),
            end: stop.as_second(),
            names,
            note: None,
            external_id: f.id,
        });
    }
    let now = now.as_second();
    super::record(store, config, "watson", "frame", &entries, now, report)
        .map_err(|e| anyhow::anyhow!("{source}: {e:#}"))
}
