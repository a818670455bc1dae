//! `socialtop import history [FILE|-]`: the CSV or newline-delimited JSON that
//! `export --history` writes (`id, platform, handle, at, followers, following,
//! posts`), back into a history: to move it between machines, or to backfill
//! from another tracker. Accounts are matched by id; samples already present
//! are skipped; the same bounds as `record` hold; all or nothing, streamed
//! (memory does not grow with the file).
//!
//! A `source` column (field), as exports since schema 12 write, keeps each
//! sample's source (`polled`, `backfilled`, ...); files without it import as
//! `imported`. (`--account` files of `date,count` rows: [`super::counts`].)

use std::io::BufRead;

use jiff::Timestamp;
use serde::Deserialize;

use crate::model::{Sample, SampleSource};
use crate::store::Store;

/// The earliest time a sample may have (2000-01-01).
const EARLIEST_MS: i64 = 946_684_800_000;

/// What an import did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Imported {
    pub added: u64,
    pub present: u64,
}

#[derive(Deserialize)]
struct Line {
    id: String,
    at: String,
    followers: serde_json::Value,
    #[serde(default)]
    following: serde_json::Value,
    #[serde(default)]
    posts: serde_json::Value,
    #[serde(default)]
    source: Option<String>,
}

// ---- where a sample came from (the `source` column) ----

/// A `source` cell: a source's name; absent or empty is `imported`.
fn source_of(cell: Option<&str>) -> Result<SampleSource, String> {
    match cell.map(str::trim).filter(|c| !c.is_empty()) {
        None => Ok(SampleSource::Imported),
        Some(c) => SampleSource::parse(c).ok_or_else(|| {
            format!(
                "source `{}` is none of polled, backfilled, reconstructed, imported, manual",
                crate::text::short(c, 40)
            )
        }),
    }
}

/// Adds the source to a parsed row.
fn with_source(
    row: Result<(String, Sample), String>,
    cell: Option<&str>,
) -> Result<(String, Sample, SampleSource), String> {
    let (id, s) = row?;
    Ok((id, s, source_of(cell)?))
}

/// A count cell: an integer (a JSON number, or CSV digits); empty or null is none.
fn count(v: &serde_json::Value, what: &str) -> Result<Option<i64>, String> {
    match v {
        serde_json::Value::Null => Ok(None),
        serde_json::Value::Number(n) => n
            .as_i64()
            .map(Some)
            .ok_or_else(|| format!("{what} {n} is not a whole number")),
        serde_json::Value::String(s) if s.trim().is_empty() => Ok(None),
        serde_json::Value::String(s) => s.trim().parse().map(Some).map_err(|_| {
            format!(
                "{what} `{}` is not a whole number",
                crate::text::short(s, 40)
            )
        }),
        other => Err(format!("{what} {other} is not a whole number")),
    }
}

fn sample(
    id: &str,
    at: &str,
    f: &serde_json::Value,
    fo: &serde_json::Value,
    po: &serde_json::Value,
    latest_ms: i64,
) -> Result<(String, Sample), String> {
    let t: Timestamp = at
        .trim()
        .parse()
        .map_err(|_| format!("`{}` is not an RFC 3339 time", crate::text::short(at, 40)))?;
    let at_ms = t.as_millisecond();
    if !(EARLIEST_MS..=latest_ms).contains(&at_ms) {
        return Err(format!("{t} is not between 2000 and now"));
    }
    let followers = count(f, "followers")?.ok_or("followers is missing")?;
    let (following, posts) = (count(fo, "following")?, count(po, "posts")?);
    for (what, v) in [
        ("followers", Some(followers)),
        ("following", following),
        ("posts", posts),
    ] {
        if let Some(v) = v
            && !(0..=crate::store::MAX_COUNT).contains(&v)
        {
            return Err(format!(
                "{what} {v} is not a count between 0 and {}",
                crate::store::MAX_COUNT
            ));
        }
    }
    Ok((
        id.to_string(),
        Sample {
            at_ms,
            followers,
            following,
            posts,
        },
    ))
}

/// Imports `input` (named `source` in messages), CSV or NDJSON by its first
/// character. `now` bounds the samples' times (a few minutes of slack).
pub fn import(
    store: &mut Store,
    input: impl BufRead,
    source: &str,
    now: Timestamp,
) -> anyhow::Result<Imported> {
    let latest_ms = now.as_millisecond() + crate::store::FUTURE_SLACK_MS;
    let mut input = input;
    let first = loop {
        let buf = input.fill_buf()?;
        match buf.iter().find(|b| !b.is_ascii_whitespace()) {
            Some(b) => break Some(*b),
            None if buf.is_empty() => break None,
            None => {
                let n = buf.len();
                input.consume(n);
            }
        }
    };
    let at_line = |line: u64, e: String| anyhow::anyhow!("{source}:{line}: {e}");
    let (added, present) = match first {
        None => (0, 0),
        Some(b'{') => {
            let rows = input.lines().enumerate().filter_map(|(i, line)| {
                let n = i as u64 + 1;
                match line {
                    Err(e) => Some(Err(at_line(n, e.to_string()))),
                    Ok(l) if l.trim().is_empty() => None,
                    Ok(l) => Some(
                        serde_json::from_str::<Line>(&l)
                            .map_err(|e| e.to_string())
                            .and_then(|r| {
                                with_source(
                                    sample(
                                        &r.id,
                                        &r.at,
                                        &r.followers,
                                        &r.following,
                                        &r.posts,
                                        latest_ms,
                                    ),
                                    r.source.as_deref(),
                                )
                            })
                            .map_err(|e| at_line(n, e)),
                    ),
                }
            });
            store.import_sourced_samples(rows)?
        }
        Some(_) => {
            // flexible: files without the source column, and short rows, read
            let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(input);
            let headers = reader.headers()?.clone();
            let col = |name: &str| {
                headers
                    .iter()
                    .position(|h| h == name)
                    .ok_or_else(|| anyhow::anyhow!("{source}:1: no `{name}` column (the header of `export --history --format csv`)"))
            };
            let (ci, ca, cf, cfo, cpo) = (
                col("id")?,
                col("at")?,
                col("followers")?,
                col("following")?,
                col("posts")?,
            );
            let csource = headers.iter().position(|h| h == "source");
            let cell = |r: &csv::StringRecord, i: usize| {
                serde_json::Value::String(r.get(i).unwrap_or("").to_string())
            };
            let rows = reader.records().map(|rec| {
                let rec = rec.map_err(|e| anyhow::anyhow!("{source}: {e}"))?;
                let n = rec.position().map_or(0, |p| p.line());
                with_source(
                    sample(
                        rec.get(ci).unwrap_or(""),
                        rec.get(ca).unwrap_or(""),
                        &cell(&rec, cf),
                        &cell(&rec, cfo),
                        &cell(&rec, cpo),
                        latest_ms,
                    ),
                    csource.and_then(|i| rec.get(i)),
                )
                .map_err(|e| at_line(n, e))
            });
            store.import_sourced_samples(rows)?
        }
    };
    Ok(Imported { added, present })
}
