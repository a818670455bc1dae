//! Exports: a snapshot (every account at one moment) as JSON, CSV, Markdown or
//! an SVG chart, and the history (every sample) as CSV or NDJSON, streamed.
//!
//! Exports hold counts, names and times only: no token, no `base_url`, nothing
//! from the environment.

use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, bail};
use jiff::Timestamp;
use jiff::tz::TimeZone;
use serde::Serialize;

use crate::config::Config;
use crate::effort::Effort;
use crate::model::ExportFormat as Format;
use crate::model::SampleSource;
use crate::status::AccountStatus;
use crate::store::Store;
use crate::text::md_cell;
use crate::util::{ago, signed, thousands};

/// One account in a snapshot: the `status` fields and time spent this week.
#[derive(Debug, Clone, Serialize)]
pub struct SnapshotAccount {
    #[serde(flatten)]
    pub status: AccountStatus,
    /// Minutes spent on the account this ISO week (local time).
    pub minutes_this_week: f64,
    /// People who followed and who left over the last 7 and 30 days, as
    /// follower-list scans saw them; null where no list was read.
    pub followers_gained_7d: Option<i64>,
    pub followers_lost_7d: Option<i64>,
    pub followers_gained_30d: Option<i64>,
    pub followers_lost_30d: Option<i64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Snapshot {
    pub generated_at: Timestamp,
    pub accounts: Vec<SnapshotAccount>,
    /// The effort summary, when any account has a week with time spent and a
    /// fresh follower count.
    pub effort: Option<Effort>,
    /// The people themselves (`export --people` only): each account's
    /// followers now and every change.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub people: Option<Vec<serde_json::Value>>,
}

/// One change as `followers --format json` and `export --people` write it:
/// `at`, `account`, `kind`, `who` (`id`, `handle`, `name`, `followers`),
/// `reason`.
pub fn people_event_json(e: &crate::model::PeopleEvent) -> serde_json::Value {
    serde_json::json!({
        "at": crate::util::ts_ms(e.at_ms).to_string(),
        "account": e.account,
        "kind": e.kind,
        "who": person_json(&e.who),
        "reason": e.reason,
    })
}

/// A person as the exports write them.
pub fn person_json(p: &crate::model::Person) -> serde_json::Value {
    serde_json::json!({
        "id": p.id,
        "handle": p.handle,
        "name": p.name,
        "followers": p.followers,
    })
}

/// Adds the people to a snapshot (`export --people`): for each account
/// whose list was read, `{account, followers: [person + since], events}`.
pub fn add_people(snap: &mut Snapshot, store: &Store, config: &Config) -> anyhow::Result<()> {
    let mut all = Vec::new();
    for a in &config.accounts {
        if store.people_changes(&a.id, i64::MIN)?.is_none() {
            continue;
        }
        let mut followers = Vec::new();
        store.for_each_current_follower::<anyhow::Error>(&a.id, |p, since| {
            let mut v = person_json(p);
            v["since"] = crate::util::ts_ms(since).to_string().into();
            followers.push(v);
            Ok(())
        })?;
        let events: Vec<serde_json::Value> = store
            .people_events(&a.id, i64::MIN)?
            .iter()
            .map(people_event_json)
            .collect();
        all.push(serde_json::json!({
            "account": a.id,
            "followers": followers,
            "events": events,
        }));
    }
    snap.people = Some(all);
    Ok(())
}

pub fn snapshot(
    store: &Store,
    config: &Config,
    now: Timestamp,
    tz: &TimeZone,
) -> anyhow::Result<Snapshot> {
    // one read transaction for every query of the snapshot
    let (accounts, effort) = store.read(|store| {
        let mut accounts = Vec::with_capacity(config.accounts.len());
        for a in &config.accounts {
            let changes = |days: i64| {
                store.people_changes(
                    &a.id,
                    now.as_millisecond().saturating_sub(days * 86_400_000),
                )
            };
            let (week, month) = (changes(7)?, changes(30)?);
            accounts.push(SnapshotAccount {
                followers_gained_7d: week.map(|c| c.0),
                followers_lost_7d: week.map(|c| c.1),
                followers_gained_30d: month.map(|c| c.0),
                followers_lost_30d: month.map(|c| c.1),
                status: crate::status::of_account(store, a, now)?,
                minutes_this_week: crate::tracking::this_week(store, &a.id, now.as_second(), tz)?
                    as f64
                    / 60.0,
            });
        }
        Ok((accounts, crate::tracking::effort(store, config, tz, None)?))
    })?;
    Ok(Snapshot {
        generated_at: now,
        accounts,
        effort: (!effort.accounts.is_empty()).then_some(effort),
        people: None,
    })
}

pub fn write_json(s: &Snapshot, out: &mut dyn Write) -> anyhow::Result<()> {
    serde_json::to_writer_pretty(&mut *out, s)?;
    writeln!(out)?;
    Ok(())
}

pub fn write_csv(s: &Snapshot, out: &mut dyn Write) -> anyhow::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    // `status --format csv`'s columns, then time this week
    w.write_record(crate::status::FIELDS.iter().chain(&["minutes_this_week"]))?;
    for a in &s.accounts {
        let cells = crate::status::csv_cells(&a.status);
        w.write_record(
            cells
                .iter()
                .map(String::as_str)
                .chain([format!("{:.1}", a.minutes_this_week).as_str()]),
        )?;
    }
    w.flush()?;
    Ok(())
}

pub fn write_md(s: &Snapshot, out: &mut dyn Write, tz: &TimeZone) -> anyhow::Result<()> {
    let when = s.generated_at.to_zoned_datetime(tz.clone());
    writeln!(out, "# socialtop snapshot\n")?;
    writeln!(out, "Generated {}.\n", when.strftime("%Y-%m-%d %H:%M %Z"))?;
    writeln!(
        out,
        "| Account | Platform | Metric | Count | 24 h | 7 d | 30 d | This week | State |"
    )?;
    writeln!(out, "|---|---|---|--:|--:|--:|--:|--:|---|")?;
    let change = |v: Option<i64>| v.map_or("–".to_string(), signed);
    for a in &s.accounts {
        let r = &a.status;
        let state = match (&r.error, r.updated_at) {
            (Some(e), _) => format!("⚠ {e}"),
            (None, Some(t)) => ago(t, s.generated_at),
            (None, None) => "no data yet".into(),
        };
        writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            md_cell(r.label.as_deref().unwrap_or(&r.handle)),
            md_cell(&r.platform),
            md_cell(&r.metric),
            r.followers.map_or("–".to_string(), thousands),
            change(r.change_24h),
            change(r.change_7d),
            change(r.change_30d),
            match crate::util::minutes_text(a.minutes_this_week) {
                t if t == "-" => "–".to_string(),
                t => t,
            },
            md_cell(&state),
        )?;
    }
    if let Some(e) = &s.effort {
        writeln!(out, "\n**Effort.** {}", md_cell(&e.sentence))?;
    }
    Ok(())
}

/// Colours that read on white (the chart draws its own light background, so
/// it stays readable on light and dark pages alike).
const COLOURS: [plotters::style::RGBColor; 8] = [
    plotters::style::RGBColor(31, 119, 180),
    plotters::style::RGBColor(214, 39, 40),
    plotters::style::RGBColor(44, 160, 44),
    plotters::style::RGBColor(148, 103, 189),
    plotters::style::RGBColor(255, 127, 14),
    plotters::style::RGBColor(23, 190, 207),
    plotters::style::RGBColor(140, 86, 75),
    plotters::style::RGBColor(227, 119, 194),
];

/// What the SVG chart shows: every account, or those chosen (side by side),
/// as counts or indexed to 100 at the chart's start.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Chart {
    pub accounts: Option<Vec<String>>,
    pub indexed: bool,
}

/// The accounts' counts from `since` to `now`, as an SVG line chart.
pub fn write_svg(
    store: &Store,
    config: &Config,
    chart: &Chart,
    since: Timestamp,
    now: Timestamp,
    tz: &TimeZone,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    let accounts: Vec<&crate::model::Account> = match &chart.accounts {
        None => config.accounts.iter().collect(),
        Some(ids) => ids.iter().filter_map(|id| config.account(id)).collect(),
    };
    // one read transaction for every account's series
    let (from, to, series) = store.read(|store| {
        // the axis starts where the data does, when that is inside the window
        let mut earliest = i64::MAX;
        for a in &accounts {
            if let Some(s) = store.earliest(&a.id)? {
                earliest = earliest.min(s.at_secs());
            }
        }
        let from = since.as_second().max(earliest.min(now.as_second() - 3600));
        let to = now.as_second().max(from + 1);
        let mut series = Vec::new();
        for a in &accounts {
            let pts = crate::status::series(store, &a.id, from, to, 600)?;
            let Some(&(_, base)) = pts.first() else {
                continue;
            };
            let name = format!("{} ({})", a.display_name(), a.metric());
            let pts: Vec<(i64, f64)> = if chart.indexed {
                // an account at 0 at the start has nothing to index by
                if base <= 0 {
                    continue;
                }
                let name = format!("{name}, 100 = {}", thousands(base));
                series.push((
                    crate::text::clean(&name),
                    pts.iter()
                        .map(|&(t, v)| (t, v as f64 / base as f64 * 100.0))
                        .collect(),
                ));
                continue;
            } else {
                pts.iter().map(|&(t, v)| (t, v as f64)).collect()
            };
            series.push((crate::text::clean(&name), pts));
        }
        Ok((from, to, series))
    })?;
    let day = |t: i64| {
        crate::util::ts(t)
            .to_zoned_datetime(tz.clone())
            .strftime("%Y-%m-%d %H:%M")
            .to_string()
    };
    let title = format!("socialtop · {} to {}", day(from), day(to));
    let svg = chart_svg(&title, &series, from, to, tz, chart.indexed)
        .map_err(|e| anyhow::anyhow!("cannot draw the chart: {e}"))?;
    out.write_all(svg.as_bytes())?;
    Ok(())
}

fn chart_svg(
    title: &str,
    series: &[(String, Vec<(i64, f64)>)],
    from: i64,
    to: i64,
    tz: &TimeZone,
    indexed: bool,
) -> Result<String, Box<dyn std::error::Error>> {
    use plotters::prelude::*;
    let mut buf = String::new();
    {
        let root = SVGBackend::with_string(&mut buf, (1000, 560)).into_drawing_area();
        root.fill(&WHITE)?;
        let values = series.iter().flat_map(|s| s.1.iter().map(|p| p.1));
        let (lo, hi) = values.fold((f64::MAX, f64::MIN), |(a, b), v| (a.min(v), b.max(v)));
        let (lo, hi) = if lo > hi { (0.0, 1.0) } else { (lo, hi) };
        // counts of very different sizes share the chart on a log scale
        let log = !indexed && lo > 0.0 && hi / lo.max(1.0) >= 20.0;
        let span = to - from;
        let label = |t: &i64| {
            let z = crate::util::ts(*t).to_zoned_datetime(tz.clone());
            if span <= 2 * 86_400 {
                z.strftime("%H:%M")
            } else {
                z.strftime("%b %d")
            }
            .to_string()
        };
        let mut builder = ChartBuilder::on(&root);
        builder
            .caption(title, ("sans-serif", 24).into_font().color(&BLACK))
            .margin(18)
            .x_label_area_size(44)
            .y_label_area_size(84);
        let pad = ((hi - lo) * 0.08).max(1.0);
        let y_desc = match (indexed, log) {
            (true, _) => "index (100 = the count at the start)",
            (false, true) => "count (log scale)",
            (false, false) => "count",
        };
        macro_rules! draw {
            ($chart:expr) => {{
                let mut chart = $chart;
                chart
                    .configure_mesh()
                    .x_labels(8)
                    .y_labels(8)
                    .x_label_formatter(&label)
                    .y_label_formatter(&|v: &f64| thousands(v.round() as i64))
                    .x_desc("date")
                    .y_desc(y_desc)
                    .axis_desc_style(("sans-serif", 16).into_font().color(&BLACK))
                    .label_style(("sans-serif", 14).into_font().color(&BLACK.mix(0.85)))
                    .light_line_style(BLACK.mix(0.06))
                    .bold_line_style(BLACK.mix(0.15))
                    .draw()?;
                for (i, (name, pts)) in series.iter().enumerate() {
                    let colour = COLOURS[i % COLOURS.len()];
                    chart
                        .draw_series(LineSeries::new(
                            pts.iter().copied().chain(pts.last().map(|&(_, v)| (to, v))),
                            colour.stroke_width(2),
                        ))?
                        .label(name.as_str())
                        .legend(move |(x, y)| {
                            PathElement::new(vec![(x, y), (x + 22, y)], colour.stroke_width(3))
                        });
                }
                if !series.is_empty() {
                    chart
                        .configure_series_labels()
                        .position(SeriesLabelPosition::UpperLeft)
                        .background_style(WHITE.mix(0.9))
                        .border_style(BLACK.mix(0.3))
                        .label_font(("sans-serif", 14).into_font().color(&BLACK))
                        .draw()?;
                }
            }};
        }
        if log {
            draw!(builder.build_cartesian_2d(from..to, (lo * 0.8..hi * 1.25).log_scale())?);
        } else {
            draw!(builder.build_cartesian_2d(from..to, (lo - pad).max(0.0)..hi + pad)?);
        }
        root.present()?;
    }
    Ok(buf)
}

/// RFC 3339 UTC times for samples in time order: the date part is formatted
/// once per day, the time of day by arithmetic.
struct TimeFormat {
    day: i64,
    prefix: String,
    out: String,
}

impl TimeFormat {
    fn new() -> TimeFormat {
        TimeFormat {
            day: i64::MIN,
            prefix: String::new(),
            out: String::with_capacity(20),
        }
    }

    /// RFC 3339 in UTC; milliseconds shown only when there are any.
    fn fmt(&mut self, ms: i64) -> &str {
        use std::fmt::Write as _;
        let (secs, milli) = (ms.div_euclid(1000), ms.rem_euclid(1000));
        let day = secs.div_euclid(86_400);
        if day != self.day {
            self.day = day;
            self.prefix = crate::util::ts(day * 86_400)
                .strftime("%Y-%m-%dT")
                .to_string();
        }
        let s = secs.rem_euclid(86_400);
        self.out.clear();
        self.out.push_str(&self.prefix);
        let _ = write!(self.out, "{:02}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60);
        if milli != 0 {
            let _ = write!(self.out, ".{milli:03}");
        }
        self.out.push('Z');
        &self.out
    }
}

/// Streams every sample since `since` as CSV or newline-delimited JSON, in
/// (account, time) order, with constant memory. Returns the number of samples.
pub fn write_history(
    store: &Store,
    since: Timestamp,
    format: Format,
    out: &mut dyn Write,
) -> anyhow::Result<u64> {
    if matches!(format, Format::Md | Format::Svg) {
        bail!("--history exports csv or json");
    }
    let accounts = store.account_rows()?;
    // each account's fixed part, escaped once rather than once per sample
    let prefixes: std::collections::HashMap<i64, String> = accounts
        .iter()
        .map(|(id, k, p, h)| {
            let prefix = if format == Format::Json {
                let esc = |s: &str| serde_json::to_string(s).unwrap_or_default();
                format!(
                    "{{\"id\":{},\"platform\":{},\"handle\":{},\"at\":\"",
                    esc(k),
                    esc(p),
                    esc(h)
                )
            } else {
                let mut w = csv::WriterBuilder::new()
                    .terminator(csv::Terminator::Any(b','))
                    .from_writer(Vec::new());
                let _ = w.write_record([k, p, h]);
                String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
            };
            (*id, prefix)
        })
        .collect();
    let (mut times, mut num) = (TimeFormat::new(), itoa::Buffer::new());
    let mut line = String::with_capacity(160);
    if format == Format::Csv {
        out.write_all(b"id,platform,handle,at,followers,following,posts,source\n")?;
    }
    let (null, sep, open, close) = match format {
        Format::Json => (
            "null",
            [
                ",\"followers\":",
                ",\"following\":",
                ",\"posts\":",
                ",\"source\":\"",
            ],
            "\"",
            "\"}\n",
        ),
        _ => ("", [",", ",", ",", ","], "", "\n"),
    };
    let write =
        |account: i64, sample: &crate::model::Sample, source: SampleSource| -> anyhow::Result<()> {
            let Some(prefix) = prefixes.get(&account) else {
                return Ok(());
            };
            line.clear();
            line.push_str(prefix);
            line.push_str(times.fmt(sample.at_ms));
            line.push_str(open);
            line.push_str(sep[0]);
            line.push_str(num.format(sample.followers));
            line.push_str(sep[1]);
            line.push_str(sample.following.map_or(null, |v| num.format(v)));
            line.push_str(sep[2]);
            line.push_str(sample.posts.map_or(null, |v| num.format(v)));
            line.push_str(sep[3]);
            line.push_str(source.name());
            line.push_str(close);
            out.write_all(line.as_bytes())?;
            Ok(())
        };
    let n = store.for_each_sourced_sample_since(since, write)?;
    Ok(n)
}

/// `<data dir>/exports/socialtop-YYYYMMDD-HHMMSS.<ext>`, with `-1`, `-2`... when taken.
pub fn default_path(data_dir: &Path, now: Timestamp, tz: &TimeZone, ext: &str) -> PathBuf {
    let stem = format!(
        "socialtop-{}",
        now.to_zoned_datetime(tz.clone()).strftime("%Y%m%d-%H%M%S")
    );
    let dir = data_dir.join("exports");
    let mut path = dir.join(format!("{stem}.{ext}"));
    let mut i = 1;
    while path.exists() {
        path = dir.join(format!("{stem}-{i}.{ext}"));
        i += 1;
    }
    path
}

/// Temporary files of exports under way, removed by [`remove_unfinished`]
/// when the process is interrupted (drop handlers do not run then).
static UNFINISHED: std::sync::Mutex<Vec<PathBuf>> = std::sync::Mutex::new(Vec::new());

/// Removes the temporary files of exports under way (on Ctrl-C or SIGTERM).
pub fn remove_unfinished() {
    let files = UNFINISHED.lock().unwrap_or_else(|p| p.into_inner());
    for f in files.iter() {
        let _ = std::fs::remove_file(f);
    }
}

/// Registers a temporary file while it is written.
struct Unfinished(PathBuf);

impl Unfinished {
    fn new(path: &Path) -> Unfinished {
        let mut files = UNFINISHED.lock().unwrap_or_else(|p| p.into_inner());
        files.push(path.to_path_buf());
        Unfinished(path.to_path_buf())
    }
}

impl Drop for Unfinished {
    fn drop(&mut self) {
        let mut files = UNFINISHED.lock().unwrap_or_else(|p| p.into_inner());
        files.retain(|f| *f != self.0);
    }
}

/// Writes to `path` through a temporary file that is moved into place only
/// when complete, and never over an existing file. The file gets the
/// permissions any new file gets (the umask decides, as for `>`), and the
/// temporary files of exports killed before they finished (`kill -9`) are
/// removed first.
pub fn write_new_file(
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let taken = || {
        anyhow::anyhow!(
            "{} already exists; choose another --out or remove it first",
            path.display()
        )
    };
    if path.exists() {
        return Err(taken());
    }
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    remove_abandoned(&dir);
    let tmp = dir.join(format!(
        "{TEMP_PREFIX}{}-{:016x}.tmp",
        std::process::id(),
        fastrand::u64(..)
    ));
    let file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&tmp)
        .with_context(|| format!("cannot write in {}", dir.display()))?;
    let unfinished = Unfinished::new(&tmp);
    let written = (|| -> anyhow::Result<()> {
        let mut w = BufWriter::new(&file);
        write(&mut w)?;
        w.flush()?;
        drop(w);
        file.sync_all()?;
        // a link never replaces an existing file: two exports to one path
        // cannot overwrite each other
        match std::fs::hard_link(&tmp, path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Err(taken()),
            // a file system without hard links: a rename, after one more look
            Err(_) if !path.exists() => std::fs::rename(&tmp, path)
                .with_context(|| format!("cannot write {}", path.display())),
            Err(_) => Err(taken()),
        }
    })();
    let _ = std::fs::remove_file(&tmp);
    drop(unfinished);
    written
}

/// How the temporary files of exports begin: `.socialtop-export-<pid>-`.
const TEMP_PREFIX: &str = ".socialtop-export-";

/// Removes the temporary files in `dir` that exports left when they were
/// killed: those of processes that no longer run (where that can be told),
/// else those untouched for a day.
fn remove_abandoned(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let me = std::process::id().to_string();
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(rest) = name.to_str().and_then(|n| n.strip_prefix(TEMP_PREFIX)) else {
            continue;
        };
        let pid = rest.split('-').next().unwrap_or_default();
        if pid == me || !pid.bytes().all(|b| b.is_ascii_digit()) || pid.is_empty() {
            continue;
        }
        let proc = Path::new("/proc");
        let gone = if proc.join("self").exists() {
            !proc.join(pid).exists()
        } else {
            entry
                .metadata()
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| t.elapsed().ok())
                .is_some_and(|age| age > Duration::from_secs(86_400))
        };
        if gone {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// Writes one snapshot format.
pub fn write_snapshot(
    format: Format,
    snap: &Snapshot,
    store: &Store,
    config: &Config,
    since: Timestamp,
    tz: &TimeZone,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    match format {
        Format::Json => write_json(snap, out),
        Format::Csv => write_csv(snap, out),
        Format::Md => write_md(snap, out, tz),
        Format::Svg => write_svg(
            store,
            config,
            &Chart::default(),
            since,
            snap.generated_at,
            tz,
            out,
        ),
    }
}

/// `e` in the dashboard: a snapshot in each configured format, at the default
/// paths. Returns the files written.
pub fn snapshot_files(
    store: &Store,
    config: &Config,
    data_dir: &Path,
    now: Timestamp,
    tz: &TimeZone,
) -> anyhow::Result<Vec<PathBuf>> {
    let snap = snapshot(store, config, now, tz)?;
    let since = crate::status::before(now, 30 * 86_400);
    let mut written = Vec::new();
    for &format in &config.export_formats {
        let path = default_path(data_dir, now, tz, format.ext());
        write_new_file(&path, |out| {
            write_snapshot(format, &snap, store, config, since, tz, out)
        })?;
        written.push(path);
    }
    Ok(written)
}

/// A snapshot in the configured formats, in `dir` itself, never over a file
/// (the demo's exports go to the current directory: its data dir is deleted
/// when it ends).
pub fn snapshot_files_in(
    store: &Store,
    config: &Config,
    dir: &Path,
    now: jiff::Timestamp,
    tz: &jiff::tz::TimeZone,
) -> anyhow::Result<Vec<PathBuf>> {
    // default_path puts files under `<dir>/exports`: give it a parent whose
    // `exports` is `dir`
    let tmp = tempfile::tempdir()?;
    let files = snapshot_files(store, config, tmp.path(), now, tz)?;
    let mut moved = Vec::new();
    for f in files {
        let Some(name) = f.file_name() else { continue };
        let mut to = dir.join(name);
        let mut i = 1;
        while to.exists() {
            let stem = f
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            let ext = f
                .extension()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            to = dir.join(format!("{stem}-{i}.{ext}"));
            i += 1;
        }
        if std::fs::rename(&f, &to).is_err() {
            std::fs::copy(&f, &to)?;
        }
        moved.push(to);
    }
    Ok(moved)
}
