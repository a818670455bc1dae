//! `socialtop import activitywatch [--url URL] [--since TIME]`.
//!
//! ActivityWatch's REST API (aw-server, default `http://localhost:5600`):
//! `GET /api/0/buckets/` answers `{bucket_id: {id, type, client, hostname, ...}}`;
//! `GET /api/0/buckets/{id}/events?start=&end=` (RFC 3339) answers
//! `[{id, timestamp, duration (seconds), data}]`. Browser time comes from
//! `web.tab.current` buckets (`data.url`); AFK time is removed using
//! `afkstatus` buckets (`data.status` `afk` / `not-afk`).
//!
//! Time is summed per account and local day, by the account's `domains`; the
//! most specific matching domain wins (`github.com/owner/repo` over
//! `github.com`). Each (account, day) is one entry that a later import
//! replaces, so importing twice adds nothing and today's total grows.

use std::collections::{BTreeMap, HashMap};

use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};
use serde::Deserialize;

use super::Report;
use crate::config::{Account, Config};
use crate::http::Http;
use crate::store::{Store, TimeEntry};

pub const DEFAULT_URL: &str = "http://localhost:5600";

#[derive(Debug, Deserialize)]
struct Bucket {
    #[serde(rename = "type")]
    kind: String,
}

#[derive(Debug, Deserialize)]
struct Event {
    timestamp: Timestamp,
    duration: f64,
    #[serde(default)]
    data: serde_json::Map<String, serde_json::Value>,
}

/// Domains whose browsing counts for an account: `domains` from the config,
/// else a default per platform.
pub fn domains(a: &Account) -> Vec<String> {
    if let Some(d) = &a.domains {
        return d
            .iter()
            .map(|s| s.trim().trim_end_matches('/').to_lowercase())
            .collect();
    }
    crate::platforms::platform(a.platform).domains(a)
}

/// How specifically `pattern` (`host` or `host/path`) matches `url`; 0 if not.
fn match_len(pattern: &str, url: &reqwest::Url) -> usize {
    let Some(host) = url.host_str().map(str::to_lowercase) else {
        return 0;
    };
    let (p_host, p_path) = match pattern.split_once('/') {
        Some((h, p)) => (h, Some(p)),
        None => (pattern, None),
    };
    let host_ok = host == p_host || host.ends_with(&format!(".{p_host}"));
    let path_ok = p_path.is_none_or(|p| {
        let path = url.path().trim_start_matches('/').to_lowercase();
        path == p || path.starts_with(&format!("{p}/"))
    });
    if host_ok && path_ok { pattern.len() } else { 0 }
}

/// The accounts a URL counts for: those whose best domain match is the longest.
fn accounts_for<'a>(url: &str, table: &'a [(String, Vec<String>)]) -> Vec<&'a str> {
    let Ok(url) = reqwest::Url::parse(url) else {
        return vec![];
    };
    let scored: Vec<(usize, &str)> = table
        .iter()
        .map(|(id, ds)| {
            (
                ds.iter().map(|d| match_len(d, &url)).max().unwrap_or(0),
                id.as_str(),
            )
        })
        .filter(|(s, _)| *s > 0)
        .collect();
    let best = scored.iter().map(|s| s.0).max().unwrap_or(0);
    scored
        .into_iter()
        .filter(|s| s.0 == best)
        .map(|s| s.1)
        .collect()
}

/// Merges intervals into sorted, disjoint ones.
fn merge(mut v: Vec<(f64, f64)>) -> Vec<(f64, f64)> {
    v.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut out: Vec<(f64, f64)> = Vec::with_capacity(v.len());
    for (s, e) in v {
        match out.last_mut() {
            Some(last) if s <= last.1 => last.1 = last.1.max(e),
            _ => out.push((s, e)),
        }
    }
    out
}

/// Seconds of `(s, e)` inside the sorted disjoint `active` intervals.
fn overlap(s: f64, e: f64, active: &[(f64, f64)]) -> f64 {
    active
        .iter()
        .map(|&(a, b)| (e.min(b) - s.max(a)).max(0.0))
        .sum()
}

fn interval(ev: &Event) -> (f64, f64) {
    let s = ev.timestamp.as_millisecond() as f64 / 1000.0;
    (s, s + ev.duration.max(0.0))
}

/// A GET that answers JSON, with errors that say where and what.
async fn get_json<T: for<'de> Deserialize<'de>>(
    http: &Http,
    base: &str,
    path: &str,
    query: &[(&str, String)],
) -> anyhow::Result<T> {
    let mut url = reqwest::Url::parse(&format!("{base}{path}"))
        .map_err(|e| anyhow::anyhow!("`{base}` is not a URL: {e}"))?;
    url.query_pairs_mut().extend_pairs(query);
    let resp = http.get(url, &[]).await.map_err(|e| {
        anyhow::anyhow!("cannot reach ActivityWatch at {base} (is aw-server running?): {e}")
    })?;
    if !resp.is_success() {
        let body = String::from_utf8_lossy(&resp.body);
        // outside text: a page's title, or a short, cleaned excerpt
        let said = crate::text::html_title(&body).unwrap_or_else(|| crate::text::short(&body, 200));
        anyhow::bail!(
            "ActivityWatch at {} answered HTTP {} for {path}: {said}",
            crate::text::clean(base),
            resp.status,
        );
    }
    serde_json::from_slice(&resp.body)
        .map_err(|e| anyhow::anyhow!("unexpected answer from ActivityWatch at {base}{path}: {e}"))
}

/// Local day starts from the day of `since` up to `now`.
fn days(
    since: Timestamp,
    now: Timestamp,
    tz: &TimeZone,
) -> Vec<(jiff::civil::Date, Timestamp, Timestamp)> {
    let mut out = Vec::new();
    let mut date = since.to_zoned_datetime(tz.clone()).date();
    loop {
        let Ok(start) = date.to_zoned_datetime(tz.clone()) else {
            break;
        };
        let start = start.timestamp();
        if start >= now {
            break;
        }
        let Ok(next) = date.checked_add(1.day()) else {
            break;
        };
        let end = next
            .to_zoned_datetime(tz.clone())
            .map(|z| z.timestamp())
            .unwrap_or(now)
            .min(now);
        out.push((date, start, end));
        date = next;
    }
    out
}

/// Browsing time per (account, local day), read from aw-server.
#[derive(Debug, Default)]
pub struct Collected {
    totals: BTreeMap<(String, jiff::civil::Date), (Timestamp, f64)>,
    warnings: Vec<String>,
}

/// Reads browsing time since `since` from aw-server at `base` (network only,
/// no history touched).
pub async fn collect(
    config: &Config,
    http: &Http,
    base: &str,
    since: Timestamp,
    now: Timestamp,
    tz: &TimeZone,
) -> anyhow::Result<Collected> {
    let base = base.trim_end_matches('/');
    let table: Vec<(String, Vec<String>)> = config
        .accounts
        .iter()
        .map(|a| (a.id.clone(), domains(a)))
        .filter(|(_, d)| !d.is_empty())
        .collect();
    let mut report = Collected::default();
    if table.is_empty() {
        anyhow::bail!(
            "no account has domains to match browsing time against (set `domains` in {})",
            config.path.display()
        );
    }
    let buckets: HashMap<String, Bucket> = get_json(http, base, "/api/0/buckets/", &[]).await?;
    let web: Vec<&String> = buckets
        .iter()
        .filter(|(_, b)| b.kind == "web.tab.current")
        .map(|(id, _)| id)
        .collect();
    let afk: Vec<&String> = buckets
        .iter()
        .filter(|(_, b)| b.kind == "afkstatus")
        .map(|(id, _)| id)
        .collect();
    if web.is_empty() {
        anyhow::bail!(
            "ActivityWatch at {base} has no browser data (no `web.tab.current` bucket: is aw-watcher-web installed?)"
        );
    }
    if afk.is_empty() {
        report
            .warnings
            .push("no AFK watcher bucket: time away from the keyboard cannot be removed".into());
    }
    let mut totals: BTreeMap<(String, jiff::civil::Date), (Timestamp, f64)> = BTreeMap::new();
    for (date, start, end) in days(since, now, tz) {
        let window = [("start", start.to_string()), ("end", end.to_string())];
        let (ws, we) = (start.as_second() as f64, end.as_second() as f64);
        let clip = |(s, e): (f64, f64)| (s.max(ws), e.min(we));
        let mut active = Vec::new();
        for b in &afk {
            let evs: Vec<Event> =
                get_json(http, base, &format!("/api/0/buckets/{b}/events"), &window).await?;
            active.extend(
                evs.iter()
                    .filter(|e| e.data.get("status").and_then(|s| s.as_str()) == Some("not-afk"))
                    .map(|e| clip(interval(e)))
                    .filter(|(s, e)| e > s),
            );
        }
        let active = merge(active);
        for b in &web {
            let evs: Vec<Event> =
                get_json(http, base, &format!("/api/0/buckets/{b}/events"), &window).await?;
            for ev in &evs {
                let Some(url) = ev.data.get("url").and_then(|u| u.as_str()) else {
                    continue;
                };
                let (s, e) = clip(interval(ev));
                if e <= s {
                    continue;
                }
                let secs = if afk.is_empty() {
                    e - s
                } else {
                    overlap(s, e, &active)
                };
                if secs <= 0.0 {
                    continue;
                }
                for id in accounts_for(url, &table) {
                    totals
                        .entry((id.to_string(), date))
                        .or_insert((start, 0.0))
                        .1 += secs;
                }
            }
        }
    }
    report.totals = totals;
    Ok(report)
}

/// Records collected time: one entry per (account, day), replacing an earlier
/// import of the same day.
pub fn record(store: &mut Store, collected: Collected) -> anyhow::Result<Report> {
    let mut report = Report {
        warnings: collected.warnings,
        ..Report::default()
    };
    let mut batches: std::collections::BTreeMap<String, Vec<TimeEntry>> = Default::default();
    for ((id, date), (start, secs)) in collected.totals {
        // a day's browsing: at least a second, at most the day
        let seconds = (secs.round() as i64).min(crate::store::MAX_ENTRY_SECS);
        if seconds <= 0 {
            continue;
        }
        batches.entry(id).or_default().push(TimeEntry {
            start: start.as_second(),
            seconds,
            source: "activitywatch".into(),
            note: Some(format!("browsing on {date}")),
            external_id: Some(date.to_string()),
        });
    }
    // all or nothing: one transaction for the whole import
    let batches: Vec<(String, Vec<TimeEntry>)> = batches.into_iter().collect();
    let news = store.add_time_entries_many(&batches)?;
    for ((id, entries), new) in batches.iter().zip(news) {
        let slot = report.per_account.entry(id.clone()).or_default();
        slot.0 += new;
        slot.1 += entries.iter().map(|e| e.seconds).sum::<i64>();
        report.unchanged += entries.len() - new;
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table() -> Vec<(String, Vec<String>)> {
        vec![
            ("gh-user".into(), vec!["github.com".into()]),
            ("gh-repo".into(), vec!["github.com/alice/tool".into()]),
            ("masto".into(), vec!["mastodon.social".into()]),
        ]
    }

    #[test]
    fn the_most_specific_domain_wins() {
        let t = table();
        assert_eq!(
            accounts_for("https://github.com/alice/tool/issues/3", &t),
            ["gh-repo"]
        );
        assert_eq!(
            accounts_for("https://github.com/alice/toolbox", &t),
            ["gh-user"]
        );
        assert_eq!(accounts_for("https://gist.github.com/x", &t), ["gh-user"]);
        assert_eq!(
            accounts_for("https://mastodon.social/@alice", &t),
            ["masto"]
        );
        assert!(accounts_for("https://notgithub.com/", &t).is_empty());
        assert!(accounts_for("not a url", &t).is_empty());
    }

    #[test]
    fn afk_time_is_removed() {
        let active = merge(vec![(0.0, 10.0), (5.0, 20.0), (30.0, 40.0)]);
        assert_eq!(active, vec![(0.0, 20.0), (30.0, 40.0)]);
        assert_eq!(overlap(15.0, 35.0, &active), 10.0);
        assert_eq!(overlap(20.0, 30.0, &active), 0.0);
    }
}
