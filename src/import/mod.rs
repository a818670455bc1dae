//! Importing time spent from other tools.
//!
//! Every importer turns the other tool's entries into [`Foreign`] entries and
//! hands them to [`record`], which matches them to accounts by tag or project
//! (an account's id or one of its `time_tags`), splits an entry that names
//! several accounts evenly between them, and stores everything in one
//! transaction. Each entry keeps the other tool's id, so importing twice adds
//! nothing.

/// Parses an importer's JSON array, an error naming `source`, line and
/// column, and what the file should have been (`what`).
pub(crate) fn parse_json_array<T: serde::de::DeserializeOwned>(
    text: &str,
    source: &str,
    what: &str,
) -> anyhow::Result<Vec<T>> {
    serde_json::from_str(text).map_err(|e| {
        let why = e.to_string();
        let why = why.split(" at line ").next().unwrap_or_default();
        anyhow::anyhow!(
            "{source}:{}:{}: not {what}: {why}",
            e.line(),
            e.column().max(1)
        )
    })
}

pub mod activitywatch;
pub mod api;
pub mod backfill;
pub mod clockify;
pub mod counts;
pub mod history;
pub mod timewarrior;
pub mod toggl;
pub mod watson;

use std::collections::BTreeMap;

use crate::config::Config;
use crate::store::{Store, TimeEntry};

/// What an import did, per account: entries new to the history and seconds.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Report {
    pub per_account: BTreeMap<String, (usize, i64)>,
    /// Entries already in the history (imported before).
    pub unchanged: usize,
    /// Entries whose tags named several accounts: split evenly between them.
    pub split: usize,
    pub warnings: Vec<String>,
}

impl Report {
    pub fn new_entries(&self) -> usize {
        self.per_account.values().map(|v| v.0).sum()
    }

    /// A short account of the import for people.
    pub fn summary(&self, what: &str) -> String {
        let mut out = format!(
            "imported {} new {what} ({} already there)\n",
            self.new_entries(),
            self.unchanged
        );
        for (id, (n, secs)) in &self.per_account {
            out.push_str(&format!(
                "  {id}: {n} new, {} in this import\n",
                crate::util::format_duration(std::time::Duration::from_secs(secs.unsigned_abs()))
            ));
        }
        if self.split > 0 {
            out.push_str(&format!(
                "  {} of them named several accounts: their time was split evenly between those accounts\n",
                self.split
            ));
        }
        out
    }
}

/// An entry of another tool, before it is matched to accounts.
#[derive(Debug, Clone, PartialEq)]
pub struct Foreign {
    /// How messages name it: `@3`, an id.
    pub label: String,
    pub start: i64,
    pub end: i64,
    /// Tags and project names: matched against account ids and `time_tags`.
    pub names: Vec<String>,
    pub note: Option<String>,
    /// The other tool's id for it, so that a second import replaces it.
    pub external_id: String,
}

/// The accounts whose id or one of whose `time_tags` is among `names`, in
/// config order.
pub fn accounts_for<'a>(config: &'a Config, names: &[String]) -> Vec<&'a str> {
    config
        .accounts
        .iter()
        .filter(|a| names.iter().any(|t| *t == a.id || a.time_tags.contains(t)))
        .map(|a| a.id.as_str())
        .collect()
}

/// `(start, seconds)` slices of `start..end` split evenly, in order, between
/// `parts` accounts (the first ones take the odd seconds).
pub fn split_evenly(start: i64, end: i64, parts: usize) -> Vec<(i64, i64)> {
    let parts = parts.max(1) as i64;
    let total = end - start;
    let (each, extra) = (total / parts, total % parts);
    let mut cursor = start;
    (0..parts)
        .map(|i| {
            let secs = each + i64::from(i < extra);
            let slice = (cursor, secs);
            cursor += secs;
            slice
        })
        .collect()
}

/// Matches `entries` to accounts and stores them (all or nothing). `source`
/// names the tool in the history; `what` names an entry in messages.
pub fn record(
    store: &mut Store,
    config: &Config,
    source: &str,
    what: &str,
    entries: &[Foreign],
    now: i64,
    mut report: Report,
) -> anyhow::Result<Report> {
    let mut unmatched = 0;
    let mut batches: BTreeMap<String, Vec<TimeEntry>> = BTreeMap::new();
    for e in entries {
        let label = &e.label;
        if e.end - e.start < 1 {
            report.warnings.push(format!(
                "skipped {what} {label}: {}",
                if e.end < e.start {
                    "it ends before it starts"
                } else {
                    "it lasts less than a second"
                }
            ));
            continue;
        }
        let accounts = accounts_for(config, &e.names);
        if accounts.is_empty() {
            unmatched += 1;
            continue;
        }
        let seconds = e.end - e.start;
        if seconds > crate::store::MAX_ENTRY_SECS {
            report.warnings.push(format!(
                "skipped {what} {label}: {} is longer than a day, the longest entry socialtop keeps",
                crate::util::format_duration(std::time::Duration::from_secs(seconds.unsigned_abs()))
            ));
            continue;
        }
        if e.start < crate::store::EARLIEST || e.end > now + 300 {
            anyhow::bail!(
                "{what} {label}: {} to {} is not between 2000 and now",
                crate::util::ts(e.start),
                crate::util::ts(e.end)
            );
        }
        if accounts.len() > 1 {
            report.split += 1;
        }
        let slices = split_evenly(e.start, e.end, accounts.len());
        for (id, (start, secs)) in accounts.into_iter().zip(slices) {
            if secs < 1 {
                continue;
            }
            batches.entry(id.to_string()).or_default().push(TimeEntry {
                start,
                seconds: secs,
                source: source.into(),
                note: e.note.as_deref().map(crate::text::clean),
                external_id: Some(e.external_id.clone()),
            });
        }
    }
    let batches: Vec<(String, Vec<TimeEntry>)> = batches.into_iter().collect();
    let news = store.add_time_entries_many(&batches)?;
    for ((id, entries), new) in batches.iter().zip(news) {
        let slot = report.per_account.entry(id.clone()).or_default();
        slot.0 += new;
        slot.1 += entries.iter().map(|e| e.seconds).sum::<i64>();
        report.unchanged += entries.len() - new;
    }
    if unmatched > 0 {
        report.warnings.push(format!(
            "{unmatched} {what}(s) had no tag or project naming an account (its id or one of its time_tags)"
        ));
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_shared_entry_is_split_evenly_and_in_order() {
        assert_eq!(split_evenly(100, 160, 1), vec![(100, 60)]);
        assert_eq!(split_evenly(100, 160, 2), vec![(100, 30), (130, 30)]);
        assert_eq!(split_evenly(0, 7, 3), vec![(0, 3), (3, 2), (5, 2)]);
        let total: i64 = split_evenly(0, 3_601, 4).iter().map(|s| s.1).sum();
        assert_eq!(total, 3_601);
    }
}
