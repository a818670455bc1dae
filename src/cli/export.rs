//! `socialtop export`.

use std::io::Write;
use std::process::ExitCode;

use anyhow::bail;
use jiff::Timestamp;

use super::{out as stdout, parse_time_arg};
use crate::boot::{Paths, open};
use crate::status;
use crate::store;

pub(super) fn export_cmd(
    paths: &Paths,
    format: crate::export::Format,
    history: bool,
    since: Option<&str>,
    out: Option<&str>,
) -> anyhow::Result<ExitCode> {
    use crate::export::{self, Format};
    if history && matches!(format, Format::Md | Format::Svg) {
        bail!(
            "--history exports csv or json (newline-delimited), not {}",
            format.ext()
        );
    }
    let (config, store) = open(paths)?;
    let now = Timestamp::now();
    let tz = crate::util::local_tz();
    let since = since.map(parse_time_arg).transpose()?;
    let store = store::lock(&store);
    let write = |w: &mut dyn Write| -> anyhow::Result<()> {
        if history {
            let from = since.unwrap_or(Timestamp::MIN);
            export::write_history(&store, from, format, w).map(|_| ())
        } else {
            let snap = export::snapshot(&store, &config, now, &tz)?;
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
    Ok(ExitCode::SUCCESS)
}
