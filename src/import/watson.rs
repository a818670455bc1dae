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
    #[serde(default, deserialize_with = "super::few_tags")]
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
    let mut report = Report::default();
    let mut entries = Vec::new();
    super::each_in_json_array(
        text,
        source,
        "a Watson log (the JSON array `watson log --json` prints)",
        |f: Frame| {
            let short: String = f.id.chars().take(7).collect();
            let Some(stop) = f.stop else {
                report.warnings.push(format!(
                    "skipped frame {} started {} (still running)",
                    crate::text::clean(&short),
                    f.start
                ));
                return Ok(());
            };
            let mut names = f.tags;
            names.push(f.project);
            let interval = (f.start.as_second(), stop.as_second());
            if let Some(e) = Foreign::bounded(config, &short, interval, names, None, &f.id) {
                entries.push(e);
            }
            Ok(())
        },
    )?;
    let now = now.as_second();
    super::record(store, config, "watson", "frame", entries, now, report)
        .map_err(|e| anyhow::anyhow!("{source}: {e:#}"))
}
