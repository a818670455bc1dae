//! Importing time spent from other tools.
//!
//! Every importer turns the other tool's entries into [`Foreign`] entries and
//! hands them to [`record`], which matches them to accounts by tag or project
//! (an account's id or one of its `time_tags`), splits an entry that names
//! several accounts evenly between them, and stores everything in one
//! transaction. Each entry keeps the other tool's id, so importing twice adds
//! nothing.

/// Parses an importer's JSON array, handing each item to `each` as it is
/// read (so no more than one item is held at a time), at most
/// [`MAX_ENTRIES`] of them; errors name `source`, line and column, and what
/// the file should have been (`what`). The first error from `each` stops it.
pub(crate) fn each_in_json_array<T: serde::de::DeserializeOwned>(
    text: &str,
    source: &str,
    what: &str,
    each: impl FnMut(T) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    struct Each<'a, T, F> {
        each: F,
        stopped: &'a mut Option<anyhow::Error>,
        source: &'a str,
        item: std::marker::PhantomData<T>,
    }
    impl<'de, T: serde::Deserialize<'de>, F: FnMut(T) -> anyhow::Result<()>> serde::de::Visitor<'de>
        for Each<'_, T, F>
    {
        type Value = ();
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a JSON array")
        }
        fn visit_seq<A: serde::de::SeqAccess<'de>>(mut self, mut seq: A) -> Result<(), A::Error> {
            use serde::de::Error;
            let mut n = 0;
            while let Some(item) = seq.next_element::<T>()? {
                n += 1;
                let done = if n > MAX_ENTRIES {
                    Err(anyhow::anyhow!(
                        "{}: more than {MAX_ENTRIES} entries, the most an import reads: import it in parts (a time range at a time); nothing was imported",
                        self.source
                    ))
                } else {
                    (self.each)(item)
                };
                if let Err(e) = done {
                    *self.stopped = Some(e);
                    return Err(A::Error::custom("stopped"));
                }
            }
            Ok(())
        }
    }
    let mut stopped = None;
    let mut de = serde_json::Deserializer::from_str(text);
    let parsed = serde::Deserializer::deserialize_seq(
        &mut de,
        Each {
            each,
            stopped: &mut stopped,
            source,
            item: std::marker::PhantomData,
        },
    )
    .and_then(|()| de.end());
    if let Some(e) = stopped {
        return Err(e);
    }
    parsed.map_err(|e| {
        let why = e.to_string();
        let why = why.split(" at line ").next().unwrap_or_default();
        anyhow::anyhow!(
            "{source}:{}:{}: not {what}: {why}",
            e.line(),
            e.column().max(1)
        )
    })
}

/// The most entries an import reads: an API import stops there (and says
/// so); a file with more is refused (import it in parts).
pub const MAX_ENTRIES: usize = 20_000;
/// The largest file (or standard input) the timewarrior and Watson importers read.
pub const MAX_FILE: u64 = 8 * 1024 * 1024;
/// The longest note kept from an imported entry, in bytes.
const MAX_NOTE: usize = 160;
/// The longest label and id kept from an imported entry, in bytes: a longer
/// id is no tool's id, and the entry is skipped.
pub const MAX_ID: usize = 128;
/// The most tags read from one entry.
const MAX_TAGS: usize = 32;

/// A JSON array read into at most `max` items: the items past it are
/// skipped as they are read, never kept, and counted in `more`.
pub(crate) struct Capped<T> {
    pub items: Vec<T>,
    pub more: usize,
}

struct CappedSeed<T> {
    max: usize,
    item: std::marker::PhantomData<T>,
}

impl<'de, T: serde::Deserialize<'de>> serde::de::DeserializeSeed<'de> for CappedSeed<T> {
    type Value = Capped<T>;
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Capped<T>, D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de, T: serde::Deserialize<'de>> serde::de::Visitor<'de> for CappedSeed<T> {
    type Value = Capped<T>;
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("an array")
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Capped<T>, A::Error> {
        let mut items = Vec::new();
        while items.len() < self.max {
            match seq.next_element()? {
                Some(x) => items.push(x),
                None => return Ok(Capped { items, more: 0 }),
            }
        }
        let mut more = 0;
        while seq.next_element::<serde::de::IgnoredAny>()?.is_some() {
            more += 1;
        }
        Ok(Capped { items, more })
    }
}

/// Parses a JSON array of at most `max` items (see [`Capped`]).
pub(crate) fn parse_capped<T: serde::de::DeserializeOwned>(
    body: &[u8],
    max: usize,
) -> serde_json::Result<Capped<T>> {
    use serde::de::DeserializeSeed;
    let mut de = serde_json::Deserializer::from_slice(body);
    let v = CappedSeed {
        max,
        item: std::marker::PhantomData,
    }
    .deserialize(&mut de)?;
    de.end()?;
    Ok(v)
}

/// serde `deserialize_with` for an entry's tags (absent, null or an array):
/// at most [`MAX_TAGS`] kept, the rest skipped unread.
pub(crate) fn few_tags<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    struct Tags;
    impl<'de> serde::de::Visitor<'de> for Tags {
        type Value = Vec<String>;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("an array of tags, or null")
        }
        fn visit_unit<E>(self) -> Result<Vec<String>, E> {
            Ok(Vec::new())
        }
        fn visit_none<E>(self) -> Result<Vec<String>, E> {
            Ok(Vec::new())
        }
        fn visit_some<D: serde::Deserializer<'de>>(self, d: D) -> Result<Vec<String>, D::Error> {
            use serde::de::DeserializeSeed;
            CappedSeed {
                max: MAX_TAGS,
                item: std::marker::PhantomData,
            }
            .deserialize(d)
            .map(|c| c.items)
        }
    }
    d.deserialize_option(Tags)
}

/// `text` cut to at most `max` bytes, at a character boundary.
fn cut(text: &str, max: usize) -> &str {
    let mut end = text.len().min(max);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
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
use crate::model::TimeEntry;
use crate::store::Store;

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

impl Foreign {
    /// An entry whose size does not depend on what the other tool sent: only
    /// the names that name an account are kept (once each), the note is cut
    /// to [`MAX_NOTE`] bytes; `None` when its id is longer than [`MAX_ID`].
    pub fn bounded(
        config: &Config,
        label: &str,
        (start, end): (i64, i64),
        names: impl IntoIterator<Item = String>,
        note: Option<&str>,
        external_id: &str,
    ) -> Option<Foreign> {
        if external_id.len() > MAX_ID || label.len() > MAX_ID {
            return None;
        }
        let mut kept: Vec<String> = Vec::new();
        for n in names {
            if !kept.contains(&n) && !accounts_for(config, std::slice::from_ref(&n)).is_empty() {
                kept.push(n);
            }
        }
        Some(Foreign {
            label: label.to_string(),
            start,
            end,
            names: kept,
            note: note
                .filter(|n| !n.is_empty())
                .map(|n| cut(n, MAX_NOTE).to_string()),
            external_id: external_id.to_string(),
        })
    }
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
    entries: Vec<Foreign>,
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
        let note = e.note.as_deref().map(crate::text::clean);
        for (id, (start, secs)) in accounts.into_iter().zip(slices) {
            if secs < 1 {
                continue;
            }
            batches.entry(id.to_string()).or_default().push(TimeEntry {
                start,
                seconds: secs,
                source: source.into(),
                note: note.clone(),
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
    fn capped_arrays_keep_the_first_items_and_count_the_rest() {
        let c: Capped<i64> = parse_capped(b"[1, 2, 3, {\"x\": [4]}, 5]", 2).unwrap();
        assert_eq!((c.items, c.more), (vec![1, 2], 3));
        let c: Capped<i64> = parse_capped(b"[1]", 2).unwrap();
        assert_eq!((c.items, c.more), (vec![1], 0));
        assert!(parse_capped::<i64>(b"[1, 2, 3] x", 2).is_err());

        #[derive(serde::Deserialize)]
        struct Tagged {
            #[serde(default, deserialize_with = "few_tags")]
            tags: Vec<String>,
        }
        let tags = |json: &str| serde_json::from_str::<Tagged>(json).unwrap().tags;
        assert!(tags("{}").is_empty());
        assert!(tags(r#"{"tags": null}"#).is_empty());
        let many = format!(r#"{{"tags": [{}"a"]}}"#, "\"t\", ".repeat(100));
        assert_eq!(tags(&many).len(), MAX_TAGS);
    }

    #[test]
    fn a_shared_entry_is_split_evenly_and_in_order() {
        assert_eq!(split_evenly(100, 160, 1), vec![(100, 60)]);
        assert_eq!(split_evenly(100, 160, 2), vec![(100, 30), (130, 30)]);
        assert_eq!(split_evenly(0, 7, 3), vec![(0, 3), (3, 2), (5, 2)]);
        let total: i64 = split_evenly(0, 3_601, 4).iter().map(|s| s.1).sum();
        assert_eq!(total, 3_601);
    }
}
