//! Importing time spent from other tools.

pub mod activitywatch;
pub mod history;
pub mod timewarrior;

use std::collections::BTreeMap;

/// What an import did, per account: entries new to the history and seconds.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Report {
    pub per_account: BTreeMap<String, (usize, i64)>,
    /// Entries already in the history (imported before).
    pub unchanged: usize,
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
        out
    }
}
