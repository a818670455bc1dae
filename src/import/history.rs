//! `socialtop import history [FILE|-]`: the CSV or newline-delimited JSON that
//! `export --history` writes (`id, platform, handle, at, followers, following,
//! posts`), back into a history: to move it between machines, or to backfill
//! from another tracker. Accounts are matched by id; samples already present
//! are skipped; the same bounds as `record` hold; all or nothing.
//!
//! The input is read to its end first, each row checked and spooled to an
//! unnamed temporary file beside the history (44 bytes a row); only then is
//! the write lock taken, for one transaction that writes the spool. So an
//! input that is slow to come (a pipe that stays open) holds no lock, and
//! memory does not grow with the input: a line is at most [`MAX_LINE`], and
//! nothing else is kept per row.
//!
//! A `source` column (field), as exports since schema 12 write, keeps each
//! sample's source (`polled`, `backfilled`, ...); files without it import as
//! `imported`. (`--account` files of `date,count` rows: [`super::counts`].)

use std::collections::HashMap;
use std::io::{BufRead, BufReader, BufWriter, Read, Seek, Write};

use jiff::Timestamp;
use serde::Deserialize;

use crate::model::{Sample, SampleSource};
use crate::store::Store;

/// The earliest time a sample may have (2000-01-01).
const EARLIEST_MS: i64 = 946_684_800_000;

/// The longest line (or CSV record) read: an exported row is about 100 bytes.
pub const MAX_LINE: usize = 1024 * 1024;

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

/// An id as messages show it: characters that cleaning would drop or change
/// (escape sequences, controls, bidirectional overrides) written as
/// `\u{...}`, so the id shown is the id in the file, readable and harmless.
pub fn visible(id: &str) -> String {
    let mut out = String::new();
    let mut buf = [0u8; 4];
    for c in id.chars().take(80) {
        let one: &str = c.encode_utf8(&mut buf);
        if crate::text::clean(one) == one {
            out.push(c);
        } else {
            out.extend(c.escape_unicode());
        }
    }
    if id.chars().nth(80).is_some() {
        out.push('…');
    }
    out
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
        other => Err(format!(
            "{what} {} is not a whole number",
            crate::text::short(&other.to_string(), 40)
        )),
    }
}

/// A sample's time: RFC 3339, between 2000 and `latest_ms`.
fn time(at: &str, latest_ms: i64) -> Result<i64, String> {
    let at = at.trim();
    let range = || {
        format!(
            "a sample's time must be between {} and 5 minutes from now ({})",
            crate::util::EARLIEST_TIME,
            crate::util::ts_ms(latest_ms)
        )
    };
    let Ok(t) = at.parse::<Timestamp>() else {
        // a well-formed time with an offset that no timestamp can hold
        // (`9999-12-31T23:59:59Z`) is out of range, not malformed
        let well_formed = jiff::fmt::temporal::Pieces::parse(at)
            .is_ok_and(|p| p.time().is_some() && p.offset().is_some());
        return Err(if well_formed {
            format!(
                "`{}` is out of range: {}",
                crate::text::short(at, 40),
                range()
            )
        } else {
            format!(
                "`{}` is not an RFC 3339 time (like 2026-03-01T09:30:00Z)",
                crate::text::short(at, 40)
            )
        });
    };
    let at_ms = t.as_millisecond();
    if !(EARLIEST_MS..=latest_ms).contains(&at_ms) {
        return Err(format!("{t} is out of range: {}", range()));
    }
    Ok(at_ms)
}

fn sample(
    at: &str,
    f: &serde_json::Value,
    fo: &serde_json::Value,
    po: &serde_json::Value,
    latest_ms: i64,
) -> Result<Sample, String> {
    let at_ms = time(at, latest_ms)?;
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
    Ok(Sample {
        at_ms,
        followers,
        following,
        posts,
    })
}

/// Where checked rows wait for the write: an unnamed temporary file (gone
/// with the process, however it ends), fixed-size records.
struct Spool {
    file: BufWriter<std::fs::File>,
    rows: u64,
    /// Account ids, in the order first seen; rows name them by index.
    keys: Vec<String>,
    index: HashMap<String, usize>,
}

/// `line`, key index, time, followers, following, posts, source.
const RECORD: usize = 8 + 4 + 8 * 4 + 1;
/// "None" for an optional count (counts are 0..=2^53).
const NONE: i64 = i64::MIN;

impl Spool {
    fn new(store: &Store) -> anyhow::Result<Spool> {
        // beside the history; for one in PostgreSQL, in the temporary dir
        let dir = match store.location() {
            crate::store::Location::Url(_) => std::env::temp_dir(),
            crate::store::Location::Dir(_) => match store.path().parent() {
                Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
                _ => std::path::PathBuf::from("."),
            },
        };
        let dir = dir.as_path();
        let file = tempfile::tempfile_in(dir).map_err(|e| {
            anyhow::anyhow!(
                "cannot make a temporary file in {} for the import: {e}",
                dir.display()
            )
        })?;
        Ok(Spool {
            file: BufWriter::with_capacity(1 << 16, file),
            rows: 0,
            keys: Vec::new(),
            index: HashMap::new(),
        })
    }

    /// Adds a checked row; an id not in the history is an error.
    fn push(
        &mut self,
        store: &Store,
        line: u64,
        id: &str,
        s: &Sample,
        source: SampleSource,
    ) -> Result<(), String> {
        let key = match self.index.get(id) {
            Some(k) => *k,
            None => {
                if !store.knows(id) {
                    return Err(format!(
                        "unknown account `{}` (not in the config)",
                        visible(id)
                    ));
                }
                let k = self.keys.len();
                self.keys.push(id.to_string());
                self.index.insert(id.to_string(), k);
                k
            }
        };
        let mut rec = [0u8; RECORD];
        rec[..8].copy_from_slice(&line.to_le_bytes());
        rec[8..12].copy_from_slice(&u32::try_from(key).unwrap_or(u32::MAX).to_le_bytes());
        let values = [
            s.at_ms,
            s.followers,
            s.following.unwrap_or(NONE),
            s.posts.unwrap_or(NONE),
        ];
        for (i, v) in values.iter().enumerate() {
            rec[12 + 8 * i..20 + 8 * i].copy_from_slice(&v.to_le_bytes());
        }
        rec[RECORD - 1] = u8::try_from(source.code()).unwrap_or(u8::MAX);
        self.file
            .write_all(&rec)
            .map_err(|e| format!("cannot spool the import to a temporary file: {e}"))?;
        self.rows += 1;
        Ok(())
    }

    /// Writes everything spooled into the history, in one transaction.
    fn commit(self, store: &mut Store, source: &str) -> anyhow::Result<Imported> {
        let Spool {
            file, rows, keys, ..
        } = self;
        let mut file = file
            .into_inner()
            .map_err(|e| anyhow::anyhow!("cannot spool the import: {}", e.error()))?;
        file.rewind()?;
        let mut reader = BufReader::with_capacity(1 << 16, file);
        let records = (0..rows).map(|_| -> anyhow::Result<(u64, usize, Sample, SampleSource)> {
            let mut rec = [0u8; RECORD];
            reader
                .read_exact(&mut rec)
                .map_err(|e| anyhow::anyhow!("cannot read the import's temporary file: {e}"))?;
            let word = |i: usize| {
                let mut b = [0u8; 8];
                b.copy_from_slice(&rec[12 + 8 * i..20 + 8 * i]);
                i64::from_le_bytes(b)
            };
            let mut line = [0u8; 8];
            line.copy_from_slice(&rec[..8]);
            let mut key = [0u8; 4];
            key.copy_from_slice(&rec[8..12]);
            let opt = |v: i64| (v != NONE).then_some(v);
            Ok((
                u64::from_le_bytes(line),
                u32::from_le_bytes(key) as usize,
                Sample {
                    at_ms: word(0),
                    followers: word(1),
                    following: opt(word(2)),
                    posts: opt(word(3)),
                },
                SampleSource::from_code(i64::from(rec[RECORD - 1])),
            ))
        });
        match store.import_samples(&keys, records)? {
            Ok((added, present)) => Ok(Imported { added, present }),
            Err(c) => {
                let id = keys.get(c.key).map_or(String::new(), |k| visible(k));
                let counts = |s: &Sample| {
                    let opt = |v: Option<i64>| v.map_or("none".to_string(), |v| v.to_string());
                    format!(
                        "followers {}, following {}, posts {}",
                        s.followers,
                        opt(s.following),
                        opt(s.posts)
                    )
                };
                anyhow::bail!(
                    "{source}:{}: `{id}` at {} has {} here, but {} already (in the history, or on an earlier line): nothing was imported (`socialtop record` replaces one sample)",
                    c.line,
                    crate::util::ts_ms(c.ours.at_ms),
                    counts(&c.ours),
                    counts(&c.theirs)
                )
            }
        }
    }
}

/// Reads one line, its end included, into `buf`: `Ok(false)` at the end of
/// the input, an error past [`MAX_LINE`] bytes (nothing more is read).
fn next_line(input: &mut impl BufRead, buf: &mut Vec<u8>) -> std::io::Result<Result<bool, ()>> {
    buf.clear();
    loop {
        let avail = match input.fill_buf() {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if avail.is_empty() {
            return Ok(Ok(!buf.is_empty()));
        }
        let (take, done) = match avail.iter().position(|b| *b == b'\n') {
            Some(i) => (i + 1, true),
            None => (avail.len(), false),
        };
        if buf.len() + take > MAX_LINE + 1 {
            return Ok(Err(()));
        }
        buf.extend_from_slice(&avail[..take]);
        input.consume(take);
        if done {
            return Ok(Ok(true));
        }
    }
}

/// A reader that refuses to give more than [`MAX_LINE`] bytes past the
/// start of the CSV record being read (which the caller moves on).
struct RecordCap<R> {
    inner: R,
    state: std::rc::Rc<CapState>,
}

#[derive(Default)]
struct CapState {
    read: std::cell::Cell<u64>,
    record_start: std::cell::Cell<u64>,
    over: std::cell::Cell<bool>,
}

impl<R: Read> Read for RecordCap<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let s = &self.state;
        if s.read.get().saturating_sub(s.record_start.get()) > MAX_LINE as u64 {
            s.over.set(true);
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                "line too long",
            ));
        }
        let n = self.inner.read(buf)?;
        s.read.set(s.read.get() + n as u64);
        Ok(n)
    }
}

fn too_long(source: &str, line: u64) -> anyhow::Error {
    anyhow::anyhow!(
        "{source}:{line}: a line longer than {} MiB: not a history export (`export --history` writes lines of about 100 bytes); nothing was imported",
        MAX_LINE / (1024 * 1024)
    )
}

/// Imports `input` (named `source` in messages), CSV or NDJSON by its first
/// character (after a byte order mark, if any). `now` bounds the samples'
/// times (a few minutes of slack).
pub fn import(
    store: &mut Store,
    input: impl BufRead,
    source: &str,
    now: Timestamp,
) -> anyhow::Result<Imported> {
    let latest_ms = now.as_millisecond() + crate::store::FUTURE_SLACK_MS;
    let mut input = input;
    let read_err = |e: std::io::Error| anyhow::anyhow!("cannot read {source}: {e}");
    // a UTF-8 byte order mark, as some editors and spreadsheets write
    const BOM: &[u8] = b"\xEF\xBB\xBF";
    let mut bom = 0;
    while bom < BOM.len() {
        match input.fill_buf().map_err(read_err)?.first() {
            Some(b) if *b == BOM[bom] => {
                input.consume(1);
                bom += 1;
            }
            _ => break,
        }
    }
    if bom > 0 && bom < BOM.len() {
        anyhow::bail!("{source}:1: not UTF-8 text (a broken byte order mark)");
    }
    let mut buf = Vec::new();
    // blank lines before the first row
    let mut skipped_lines = 0u64;
    let first = loop {
        let avail = input.fill_buf().map_err(read_err)?;
        match avail.iter().position(|b| !b.is_ascii_whitespace()) {
            Some(i) => {
                skipped_lines += avail[..i].iter().filter(|b| **b == b'\n').count() as u64;
                let first = avail[i];
                // the first row's own line starts after the last newline
                let cut = avail[..i]
                    .iter()
                    .rposition(|b| *b == b'\n')
                    .map_or(0, |p| p + 1);
                input.consume(cut);
                break Some(first);
            }
            None if avail.is_empty() => break None,
            None => {
                let n = avail.len();
                skipped_lines += avail.iter().filter(|b| **b == b'\n').count() as u64;
                input.consume(n);
            }
        }
    };
    let at_line = |line: u64, e: String| anyhow::anyhow!("{source}:{line}: {e}");
    let mut spool = Spool::new(store)?;
    match first {
        None => {
            return Ok(Imported {
                added: 0,
                present: 0,
            });
        }
        Some(b'{') => {
            let mut n = skipped_lines;
            loop {
                n += 1;
                match next_line(&mut input, &mut buf).map_err(read_err)? {
                    Ok(false) => break,
                    Ok(true) => {}
                    Err(()) => return Err(too_long(source, n)),
                }
                let Ok(text) = std::str::from_utf8(&buf) else {
                    return Err(at_line(n, "not UTF-8 text".into()));
                };
                if text.trim().is_empty() {
                    continue;
                }
                let row: Line = serde_json::from_str(text).map_err(|e| {
                    let why = e.to_string();
                    let why = why.split(" at line ").next().unwrap_or_default();
                    at_line(n, format!("not a history row: {why}"))
                })?;
                let s = sample(
                    &row.at,
                    &row.followers,
                    &row.following,
                    &row.posts,
                    latest_ms,
                )
                .map_err(|e| at_line(n, format!("`{}`: {e}", visible(&row.id))))?;
                let from = source_of(row.source.as_deref()).map_err(|e| at_line(n, e))?;
                spool
                    .push(store, n, &row.id, &s, from)
                    .map_err(|e| at_line(n, e))?;
            }
        }
        Some(_) => {
            let state = std::rc::Rc::new(CapState::default());
            let capped = RecordCap {
                inner: input,
                state: std::rc::Rc::clone(&state),
            };
            // flexible: files without the source column, and short rows, read
            let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(capped);
            let header_line = skipped_lines + 1;
            let csv_err = |e: csv::Error, line: u64| {
                if state.over.get() {
                    too_long(source, line)
                } else {
                    at_line(line, crate::text::short(&e.to_string(), 200))
                }
            };
            let headers = reader
                .headers()
                .map_err(|e| csv_err(e, header_line))?
                .clone();
            let col = |name: &str| {
                headers.iter().position(|h| h == name).ok_or_else(|| {
                    at_line(
                        header_line,
                        format!(
                            "no `{name}` column (the header of `export --history --format csv`)"
                        ),
                    )
                })
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
            let mut rec = csv::StringRecord::new();
            loop {
                state.record_start.set(reader.position().byte());
                let next = reader.position().line() + skipped_lines;
                match reader.read_record(&mut rec) {
                    Ok(true) => {}
                    Ok(false) => break,
                    Err(e) => return Err(csv_err(e, next)),
                }
                let n = rec.position().map_or(next, |p| p.line() + skipped_lines);
                let id = rec.get(ci).unwrap_or("");
                let s = sample(
                    rec.get(ca).unwrap_or(""),
                    &cell(&rec, cf),
                    &cell(&rec, cfo),
                    &cell(&rec, cpo),
                    latest_ms,
                )
                .map_err(|e| at_line(n, format!("`{}`: {e}", visible(id))))?;
                let from =
                    source_of(csource.and_then(|i| rec.get(i))).map_err(|e| at_line(n, e))?;
                spool
                    .push(store, n, id, &s, from)
                    .map_err(|e| at_line(n, e))?;
            }
        }
    }
    spool.commit(store, source)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_shown_as_they_are_harmlessly() {
        assert_eq!(visible("github:alice"), "github:alice");
        assert_eq!(visible("\u{1b}[31mx"), "\\u{1b}[31mx");
        assert_eq!(visible("a\u{202e}b"), "a\\u{202e}b");
        assert!(visible(&"x".repeat(500)).ends_with('…'));
    }

    #[test]
    fn times_out_of_range_say_so() {
        let now = 1_800_000_000_000;
        let e = time("9999-12-31T23:59:59Z", now).unwrap_err();
        assert!(e.contains("out of range"), "{e}");
        assert!(e.contains("2000-01-01T00:00:00Z"), "{e}");
        let e = time("1999-12-31T23:59:59Z", now).unwrap_err();
        assert!(e.contains("out of range"), "{e}");
        let e = time("yesterday-ish", now).unwrap_err();
        assert!(e.contains("not an RFC 3339 time"), "{e}");
        assert_eq!(time("2026-01-01T00:00:00Z", now), Ok(1_767_225_600_000));
    }

    #[test]
    fn lines_past_the_cap_stop_the_reading() {
        let mut big = vec![b'x'; MAX_LINE + 10];
        big.push(b'\n');
        let mut input = std::io::Cursor::new(big);
        let mut buf = Vec::new();
        assert!(next_line(&mut input, &mut buf).unwrap().is_err());
        assert!(buf.len() <= MAX_LINE + 1);
        let mut input = std::io::Cursor::new(b"a\nbc".to_vec());
        assert_eq!(next_line(&mut input, &mut buf).unwrap(), Ok(true));
        assert_eq!(buf, b"a\n");
        assert_eq!(next_line(&mut input, &mut buf).unwrap(), Ok(true));
        assert_eq!(buf, b"bc");
        assert_eq!(next_line(&mut input, &mut buf).unwrap(), Ok(false));
    }
}
