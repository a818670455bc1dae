//! `socialtop export`.

use std::io::Write;
use std::process::ExitCode;

use anyhow::bail;
use jiff::Timestamp;

use super::{out as stdout, parse_time_arg};
use crate::boot::{Paths, open};
use crate::model::ExportFormat;
use crate::status;
use crate::store;

/// What `socialtop export` was asked for.
pub(super) struct Asked<'a> {
    pub format: Option<ExportFormat>,
    pub history: bool,
    pub since: Option<&'a str>,
    pub out: Option<&'a str>,
    pub demo_here: bool,
    pub people: bool,
    /// `--accounts`: the SVG's accounts, side by side.
    pub accounts: &'a [String],
    pub indexed: bool,
}

pub(super) fn export_cmd(paths: &Paths, asked: Asked<'_>) -> anyhow::Result<ExitCode> {
    let Asked {
        format,
        history,
        since,
        out,
        demo_here,
        people,
        accounts,
        indexed,
    } = asked;
    use crate::export;
    use ExportFormat as Format;
    let Some(format) = format else {
        if people {
            bail!("--people goes with a JSON snapshot (--format json, without --history)");
        }
        return export_configured(paths, demo_here);
    };
    if people && (history || format != ExportFormat::Json) {
        bail!("--people goes with a JSON snapshot (--format json, without --history)");
    }
    if history && matches!(format, ExportFormat::Md | ExportFormat::Svg) {
        bail!(
            "--history exports csv or json (newline-delimited), not {}",
            format.ext()
        );
    }
    if (!accounts.is_empty() || indexed) && (history || format != ExportFormat::Svg) {
        bail!("--accounts and --indexed go with a chart (--format svg, without --history)");
    }
    let (config, store) = open(paths)?;
    let chosen = accounts
        .iter()
        .map(|a| super::account(&config, a.trim()).map(|a| a.id.clone()))
        .collect::<anyhow::Result<Vec<String>>>()?;
    let chart = export::Chart {
        accounts: (!chosen.is_empty()).then_some(chosen),
        indexed,
    };
    let now = super::clock().now();
    let tz = crate::util::local_tz();
    let since = since.map(parse_time_arg).transpose()?;
    let shared = store;
    let work = || -> anyhow::Result<()> {
        let store = store::lock(&shared);
        let write = |w: &mut dyn Write| -> anyhow::Result<()> {
            if history {
                let from = since.unwrap_or(Timestamp::MIN);
                export::write_history(&store, from, format, w).map(|_| ())
            } else if format == ExportFormat::Svg {
                // the chart needs the counts only, not the snapshot's effort model
                let window = since.unwrap_or_else(|| status::before(now, 30 * 86_400));
                export::write_svg(&store, &config, &chart, window, now, &tz, w)
            } else {
                let mut snap = export::snapshot(&store, &config, now, &tz)?;
                if people {
                    export::add_people(&mut snap, &store, &config)?;
                }
                let window = since.unwrap_or_else(|| status::before(now, 30 * 86_400));
                export::write_snapshot(format, &snap, &store, &config, window, &tz, w)
            }
        };
        match out {
            Some("-") => stdout::with_stdout(|w| write(w))?,
            Some(path) => {
                export::write_new_file(std::path::Path::new(path), write)?;
                stdout::println(path)?;
            }
            None => {
                let ext = match (history, format) {
                    (true, Format::Json) => "ndjson",
                    _ => format.ext(),
                };
                let path = export::default_path(&paths.data_dir, now, &tz, ext);
                export::write_new_file(&path, write)?;
                stdout::println(&path.display().to_string())?;
            }
        }
        Ok(())
    };
    run_interruptible(work)?;
    Ok(ExitCode::SUCCESS)
}

/// `export` without `--format`: a snapshot in every format of the config's
/// `export_formats`, in the data dir's exports (the demo's in the current
/// directory), as `e` writes them.
fn export_configured(paths: &Paths, here: bool) -> anyhow::Result<ExitCode> {
    let (config, store) = open(paths)?;
    let now = super::clock().now();
    let tz = crate::util::local_tz();
    let files = {
        let store = store::lock(&store);
        if here {
            let cwd = std::env::current_dir()?;
            crate::export::snapshot_files_in(&store, &config, &cwd, now, &tz)?
        } else {
            crate::export::snapshot_files(&store, &config, &paths.data_dir, now, &tz)?
        }
    };
    if files.is_empty() {
        bail!("nothing exported: export_formats in the config is empty");
    }
    stdout::with_stdout(|w| {
        for f in &files {
            writeln!(w, "{}", f.display())?;
        }
        Ok(())
    })?;
    Ok(ExitCode::SUCCESS)
}

/// Runs an export on a thread of its own while this one waits for it or for
/// Ctrl-C / SIGTERM / SIGHUP: an interrupted export removes its unfinished
/// temporary file and ends with status 130, leaving nothing behind.
fn run_interruptible(work: impl FnOnce() -> anyhow::Result<()> + Send) -> anyhow::Result<()> {
    let rt = crate::boot::runtime()?;
    std::thread::scope(|scope| {
        let (done_tx, done_rx) = tokio::sync::oneshot::channel();
        rt.block_on(async {
            // the signal handlers are in place before any file is opened
            let signal = crate::boot::shutdown_signal();
            tokio::pin!(signal);
            tokio::select! {
                biased;
                _ = &mut signal => return Ok(()),
                _ = std::future::ready(()) => {}
            }
            scope.spawn(move || {
                let _ = done_tx.send(work());
            });
            tokio::select! {
                done = done_rx => done.unwrap_or_else(|_| Err(anyhow::anyhow!("the export stopped"))),
                _ = signal => {
                    crate::export::remove_unfinished();
                    eprintln!("socialtop: export interrupted; no file was left behind");
                    std::process::exit(130);
                }
            }
        })
    })
}
