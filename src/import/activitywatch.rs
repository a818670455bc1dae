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
use crate::config::Config;
use crate::http::Http;
use crate::model::Account;
use crate::model::TimeEntry;
use crate::store::Store;

pub const DEFAULT_URL: &str = "http://localhost:5600";

/// Buckets of each kind read at most (the most recently updated ones).
pub const MAX_BUCKETS: usize = 8;
/// Requests one import makes at most: (days × buckets) + 1. They are made
/// one at a time.
pub const MAX_REQUESTS: usize = 1_000;

#[derive(Debug, Deserialize)]
struct Bucket {
    #[serde(rename = "type")]
    kind: String,
    /// When the bucket last got an event (RFC 3339), as aw-server says.
    #[serde(default)]
    last_updated: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Event {
    timestamp: Timestamp,
    duration: f64,
    #[serde(default)]
    data: EventData,
}

/// The fields of an event's data that count: the rest is skipped unread.
#[derive(Debug, Default, Deserialize)]
struct EventData {
    url: Option<String>,
    status: Option<String>,
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

/// `base` with `segments` appended as path segments, each percent-encoded
/// (`/`, `?`, `#` and `%` included), so a bucket id never reaches another
/// path or a query; `None` for a segment no URL can carry (`.`, `..`).
fn url_of(base: &str, segments: &[&str]) -> anyhow::Result<Option<reqwest::Url>> {
    let mut url = reqwest::Url::parse(base)
        .map_err(|e| anyhow::anyhow!("`{}` is not a URL: {e}", crate::text::clean(base)))?;
    if segments.iter().any(|s| matches!(*s, "." | "..")) {
        return Ok(None);
    }
    url.set_query(None);
    url.set_fragment(None);
    match url.path_segments_mut() {
        Ok(mut path) => {
            path.pop_if_empty().extend(segments);
        }
        Err(()) => anyhow::bail!("`{}` is not an http URL", crate::text::clean(base)),
    }
    Ok(Some(url))
}

/// A GET that answers JSON, with errors that say where and what.
async fn get_json<T: for<'de> Deserialize<'de>>(
    http: &Http,
    base: &str,
    url: reqwest::Url,
    query: &[(&str, String)],
) -> anyhow::Result<T> {
    let mut url = url;
    if !query.is_empty() {
        url.query_pairs_mut().extend_pairs(query);
    }
    let path = url.path().to_string();
    let resp = http.get(url, &[]).await.map_err(|e| match e {
        crate::http::HttpError::TooLarge(n) => anyhow::anyhow!(
            "ActivityWatch at {base} answered more than {} MiB for {path}, more than an import reads: nothing was imported (a later --since asks for less)",
            n / (1024 * 1024)
        ),
        e => anyhow::anyhow!("cannot reach ActivityWatch at {base} (is aw-server running?): {e}"),
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

/// The ids of the buckets of `kind`, the most recently updated first, at
/// most [`MAX_BUCKETS`]; a warning when there were more, or ids no URL can
/// carry.
fn pick(
    buckets: &HashMap<String, Bucket>,
    kind: &str,
    what: &str,
    warnings: &mut Vec<String>,
) -> Vec<String> {
    let mut ids: Vec<(&Option<String>, &String)> = buckets
        .iter()
        .filter(|(_, b)| b.kind == kind)
        .map(|(id, b)| (&b.last_updated, id))
        .collect();
    let unusable = ids
        .iter()
        .filter(|(_, id)| matches!(id.as_str(), "." | ".."))
        .count();
    ids.retain(|(_, id)| !matches!(id.as_str(), "." | ".."));
    if unusable > 0 {
        warnings.push(format!(
            "skipped {unusable} {what} bucket(s) named `.` or `..` (no URL can name them)"
        ));
    }
    // RFC 3339 times of one server sort as text; newest first, then by id
    ids.sort_by(|a, b| b.0.cmp(a.0).then_with(|| a.1.cmp(b.1)));
    if ids.len() > MAX_BUCKETS {
        warnings.push(format!(
            "ActivityWatch has {} {what} buckets; read the {MAX_BUCKETS} most recently updated, the most an import reads",
            ids.len()
        ));
        ids.truncate(MAX_BUCKETS);
    }
    ids.into_iter().map(|(_, id)| id.clone()).collect()
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
    let list = url_of(base, &["api", "0", "buckets", ""])?
        .ok_or_else(|| anyhow::anyhow!("`{}` is not a URL", crate::text::clean(base)))?;
    let buckets: HashMap<String, Bucket> = get_json(http, base, list, &[]).await?;
    let web = pick(&buckets, "web.tab.current", "browser", &mut report.warnings);
    let afk = pick(&buckets, "afkstatus", "AFK", &mut report.warnings);
    drop(buckets);
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
    // counted before the days are listed: `--since` may be centuries back
    let day_count = (now.as_second().saturating_sub(since.as_second()) / 86_400)
        .saturating_add(2)
        .unsigned_abs();
    let per_day = (web.len() + afk.len()) as u64;
    let requests = day_count.saturating_mul(per_day);
    if requests > MAX_REQUESTS as u64 {
        let fit = MAX_REQUESTS as u64 / per_day;
        anyhow::bail!(
            "reading about {day_count} days of {per_day} buckets would take about {requests} requests to ActivityWatch, more than the {MAX_REQUESTS} an import makes: use a later --since (at most {} days back); nothing was imported",
            fit.saturating_sub(2)
        );
    }
    let days = days(since, now, tz);
    let events_url = |b: &str| -> anyhow::Result<reqwest::Url> {
        url_of(base, &["api", "0", "buckets", b, "events"])?.ok_or_else(|| {
            anyhow::anyhow!(
                "bucket `{}` cannot be named in a URL",
                crate::text::short(b, 60)
            )
        })
    };
    let mut totals: BTreeMap<(String, jiff::civil::Date), (Timestamp, f64)> = BTreeMap::new();
    for (date, start, end) in days {
        let window = [("start", start.to_string()), ("end", end.to_string())];
        let (ws, we) = (start.as_second() as f64, end.as_second() as f64);
        let clip = |(s, e): (f64, f64)| (s.max(ws), e.min(we));
        let mut active = Vec::new();
        for b in &afk {
            let evs: Vec<Event> = get_json(http, base, events_url(b)?, &window).await?;
            active.extend(
                evs.iter()
                    .filter(|e| e.data.status.as_deref() == Some("not-afk"))
                    .map(|e| clip(interval(e)))
                    .filter(|(s, e)| e > s),
            );
        }
        let active = merge(active);
        for b in &web {
            let evs: Vec<Event> = get_json(http, base, events_url(b)?, &window).await?;
            for ev in &evs {
                let Some(url) = ev.data.url.as_deref() else {
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
    fn bucket_ids_are_one_path_segment() {
        let url = |b| {
            url_of(
                "http://h:5600/prefix/",
                &["api", "0", "buckets", b, "events"],
            )
        };
        assert_eq!(
            url("../../x?y=1#").unwrap().unwrap().as_str(),
            "http://h:5600/prefix/api/0/buckets/..%2F..%2Fx%3Fy=1%23/events"
        );
        assert_eq!(
            url("a%2Fb").unwrap().unwrap().path(),
            "/prefix/api/0/buckets/a%252Fb/events"
        );
        assert!(url("..").unwrap().is_none());
        assert!(url(".").unwrap().is_none());
    }

    #[test]
    fn afk_time_is_removed() {
        let active = merge(vec![(0.0, 10.0), (5.0, 20.0), (30.0, 40.0)]);
        assert_eq!(active, vec![(0.0, 20.0), (30.0, 40.0)]);
        assert_eq!(overlap(15.0, 35.0, &active), 10.0);
        assert_eq!(overlap(20.0, 30.0, &active), 0.0);
    }
}
