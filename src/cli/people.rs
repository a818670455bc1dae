//! Commands on who follows: `followers` (the changes, or who follows now)
//! and `forget` (an account's people data deleted).

use std::process::ExitCode;

use jiff::Timestamp;

use super::{Format, account, out, parse_time_arg};
use crate::boot::{Paths, open};
use crate::model::PeopleEvent;
use crate::store;
use crate::text::csv_cell;

/// `socialtop followers ID [--since TIME] [--format ...] [--current]`.
pub(super) fn followers_cmd(
    paths: &Paths,
    id: &str,
    since: Option<&str>,
    format: Format,
    current: bool,
) -> anyhow::Result<ExitCode> {
    let since = since.map(parse_time_arg).transpose()?;
    let (config, store) = open(paths)?;
    let account = account(&config, id)?;
    if !crate::followers::scanned(account) {
        let why = if account.followers_list {
            format!(
                "{} publishes no follower list socialtop reads (Mastodon, Bluesky, GitHub users and Misskey do)",
                account.platform
            )
        } else {
            "followers_list = false in the config".to_string()
        };
        eprintln!("socialtop: {}: {why}", account.id);
    }
    let key = account.id.clone();
    let s = store::lock(&store);
    let state = s.scan_state(&key)?;
    if current {
        out::with_stdout(|w| {
            write_current(&s, &key, format, w)?;
            Ok(())
        })?;
    } else {
        let events = s.people_events(&key, since.unwrap_or(Timestamp::MIN).as_millisecond())?;
        out::with_stdout(|w| {
            write_events(&events, format, w)?;
            if format == Format::Table && events.is_empty() {
                writeln!(w, "no follower changes recorded for {key}")?;
            }
            Ok(())
        })?;
    }
    // where the list stands, for people (scripts read standard output)
    if format == Format::Table
        && let Some(line) = crate::followers::state_line(&state)
    {
        eprintln!("socialtop: {key}: {}", crate::text::clean(&line));
    }
    Ok(ExitCode::SUCCESS)
}

use crate::export::{people_event_json as event_json, person_json as who_json};

fn write_events(
    events: &[PeopleEvent],
    format: Format,
    w: &mut dyn std::io::Write,
) -> anyhow::Result<()> {
    match format {
        Format::Json => {
            let items: Vec<serde_json::Value> = events.iter().map(event_json).collect();
            serde_json::to_writer_pretty(&mut *w, &items)?;
            writeln!(w)?;
        }
        Format::Csv => {
            let mut c = csv::Writer::from_writer(w);
            c.write_record([
                "at",
                "account",
                "kind",
                "id",
                "handle",
                "name",
                "followers",
                "reason",
            ])?;
            for e in events {
                let at = crate::util::ts_ms(e.at_ms).to_string();
                let followers = e.who.followers.map(|n| n.to_string()).unwrap_or_default();
                c.write_record([
                    at.as_str(),
                    &csv_cell(&e.account),
                    &e.kind,
                    &csv_cell(&e.who.id),
                    &csv_cell(&e.who.handle),
                    &csv_cell(e.who.name.as_deref().unwrap_or("")),
                    &followers,
                    e.reason.as_deref().unwrap_or(""),
                ])?;
            }
            c.flush()?;
        }
        Format::Table if events.is_empty() => {}
        Format::Table => {
            writeln!(
                w,
                "{:<20}  {:<8}  {:>9}  {:<11}  WHO",
                "TIME", "KIND", "FOLLOWERS", "REASON"
            )?;
            for e in events {
                let at = crate::util::ts_ms(e.at_ms).strftime("%Y-%m-%dT%H:%M:%SZ");
                let followers = e
                    .who
                    .followers
                    .map_or("–".to_string(), crate::util::thousands);
                let who = match &e.who.name {
                    Some(n) => format!("{} ({n})", e.who.handle),
                    None => e.who.handle.clone(),
                };
                writeln!(
                    w,
                    "{at:<20}  {:<8}  {followers:>9}  {:<11}  {}",
                    e.kind,
                    e.reason.as_deref().unwrap_or("–"),
                    crate::text::clean(&who)
                )?;
            }
        }
    }
    Ok(())
}

fn write_current(
    s: &store::Store,
    key: &str,
    format: Format,
    w: &mut dyn std::io::Write,
) -> anyhow::Result<()> {
    match format {
        Format::Json => {
            // streamed: a long list is never held whole
            write!(w, "[")?;
            let mut first = true;
            s.for_each_current_follower::<anyhow::Error>(key, |p, since| {
                let mut v = who_json(p);
                v["since"] = crate::util::ts_ms(since).to_string().into();
                write!(w, "{}", if first { "\n  " } else { ",\n  " })?;
                first = false;
                serde_json::to_writer(&mut *w, &v)?;
                Ok(())
            })?;
            writeln!(w, "{}]", if first { "" } else { "\n" })?;
        }
        Format::Csv => {
            let mut c = csv::Writer::from_writer(w);
            c.write_record(["id", "handle", "name", "followers", "since"])?;
            s.for_each_current_follower::<anyhow::Error>(key, |p, since| {
                let followers = p.followers.map(|n| n.to_string()).unwrap_or_default();
                c.write_record([
                    csv_cell(&p.id).as_ref(),
                    &csv_cell(&p.handle),
                    &csv_cell(p.name.as_deref().unwrap_or("")),
                    &followers,
                    &crate::util::ts_ms(since).to_string(),
                ])?;
                Ok(())
            })?;
            c.flush()?;
        }
        Format::Table => {
            writeln!(w, "{:>9}  {:<10}  WHO", "FOLLOWERS", "SINCE")?;
            let n = s.for_each_current_follower::<anyhow::Error>(key, |p, since| {
                let followers = p.followers.map_or("–".to_string(), crate::util::thousands);
                let who = match &p.name {
                    Some(n) => format!("{} ({n})", p.handle),
                    None => p.handle.clone(),
                };
                writeln!(
                    w,
                    "{followers:>9}  {:<10}  {}",
                    crate::util::ts_ms(since).strftime("%Y-%m-%d"),
                    crate::text::clean(&who)
                )?;
                Ok(())
            })?;
            writeln!(w, "{} followers", crate::util::thousands(n as i64))?;
        }
    }
    Ok(())
}

/// `socialtop forget ID`: deletes the account's people data (followers,
/// events, scans). Works for an account no longer in the config too.
pub(super) fn forget_cmd(paths: &Paths, id: &str) -> anyhow::Result<ExitCode> {
    let (config, store) = open(paths)?;
    let mut s = store::lock(&store);
    let key = match account(&config, id) {
        Ok(a) => a.id.clone(),
        Err(_) if s.knows(id) => id.to_string(),
        Err(e) => return Err(e),
    };
    let (followers, events) = s.forget_people(&key)?;
    let still = config.account(&key).is_some_and(crate::followers::scanned);
    out::confirm(
        &format!(
            "forgot the people of {key}: {} followers and {} changes deleted{}",
            crate::util::thousands(followers),
            crate::util::thousands(events),
            if still {
                " (its list is read again at the next scan, as a new baseline; followers_list = false stops that)"
            } else {
                ""
            }
        ),
        "the people data WAS deleted",
    )?;
    Ok(ExitCode::SUCCESS)
}
