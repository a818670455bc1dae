//! Small formatting helpers shared by the commands, the dashboard and exports.

use std::time::Duration;

use jiff::Timestamp;

/// Truncates to `width` columns with an ellipsis.
pub fn fit(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_string();
    }
    let mut s: String = text.chars().take(width.saturating_sub(1)).collect();
    s.push('…');
    s
}

/// `1234567` → `1,234,567`.
pub fn thousands(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if n < 0 {
        out.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `12` → `+12`, `-3` → `-3`, `0` → `0`, with thousands separators.
pub fn signed(n: i64) -> String {
    if n > 0 {
        format!("+{}", thousands(n))
    } else {
        thousands(n)
    }
}

/// A compact duration: `90s` → `1m30s`, `3600s` → `1h`, `0s` → `0s`.
pub fn format_duration(d: Duration) -> String {
    let mut secs = d.as_secs();
    if secs == 0 {
        return "0s".into();
    }
    let mut out = String::new();
    for (unit, size) in [("d", 86_400), ("h", 3_600), ("m", 60), ("s", 1)] {
        if secs >= size {
            out.push_str(&format!("{}{unit}", secs / size));
            secs %= size;
        }
    }
    out
}

/// Minutes of time, rounded to the nearest minute, everywhere a person reads
/// them: `38m`, `1h05m`, `-` for none (37.6 minutes is `38m` in the table, the
/// Markdown export and the effort view alike).
pub fn minutes_text(minutes: f64) -> String {
    let m = minutes.max(0.0).round() as i64;
    match m {
        0 => "-".into(),
        m if m < 60 => format!("{m}m"),
        m => format!("{}h{:02}m", m / 60, m % 60),
    }
}

/// How long ago `then` was, for a status column: `now`, `2m ago`, `3h ago`, `5d ago`.
pub fn ago(then: Timestamp, now: Timestamp) -> String {
    let secs = now.as_second() - then.as_second();
    if secs < 60 {
        return "now".into();
    }
    let (n, unit) = if secs < 3_600 {
        (secs / 60, "m")
    } else if secs < 86_400 {
        (secs / 3_600, "h")
    } else {
        (secs / 86_400, "d")
    };
    format!("{n}{unit} ago")
}

/// How long until `then`, to the minute (the dashboard redraws once a minute):
/// `in 4m`, `in 1h5m`, `in <1m`, `due`.
pub fn until(then: Timestamp, now: Timestamp) -> String {
    let secs = then.as_second() - now.as_second();
    if secs <= 0 {
        return "due".into();
    }
    if secs < 60 {
        return "in <1m".into();
    }
    let mins = (secs + 59) / 60;
    let (d, h, m) = (mins / 1440, mins % 1440 / 60, mins % 60);
    match (d, h, m) {
        (0, 0, m) => format!("in {m}m"),
        (0, h, 0) => format!("in {h}h"),
        (0, h, m) => format!("in {h}h{m}m"),
        (d, 0, _) => format!("in {d}d"),
        (d, h, _) => format!("in {d}d{h}h"),
    }
}

/// Milliseconds since the epoch to a timestamp (the epoch when out of jiff's range).
pub fn ts_ms(ms: i64) -> Timestamp {
    Timestamp::from_millisecond(ms).unwrap_or(Timestamp::UNIX_EPOCH)
}

/// Seconds since the epoch to a timestamp (clamped to jiff's range).
pub fn ts(secs: i64) -> Timestamp {
    Timestamp::from_second(secs).unwrap_or(Timestamp::UNIX_EPOCH)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fit_truncates_with_ellipsis() {
        assert_eq!(fit("abcdef", 4), "abc…");
        assert_eq!(fit("abc", 4), "abc");
    }

    #[test]
    fn thousands_groups_digits() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_000), "1,000");
        assert_eq!(thousands(-1_234_567), "-1,234,567");
        assert_eq!(signed(1_500), "+1,500");
        assert_eq!(signed(-2), "-2");
    }

    #[test]
    fn durations_and_relative_times() {
        assert_eq!(format_duration(Duration::from_secs(5400)), "1h30m");
        assert_eq!(minutes_text(37.6), "38m");
        assert_eq!(minutes_text(37.4), "37m");
        assert_eq!(minutes_text(65.0), "1h05m");
        assert_eq!(minutes_text(0.4), "-");
        assert_eq!(format_duration(Duration::from_secs(90_061)), "1d1h1m1s");
        let now = ts(1_000_000);
        assert_eq!(ago(ts(1_000_000 - 30), now), "now");
        assert_eq!(ago(ts(1_000_000 - 150), now), "2m ago");
        assert_eq!(ago(ts(1_000_000 - 7_300), now), "2h ago");
        assert_eq!(until(ts(1_000_000 + 3_912), now), "in 1h6m");
        assert_eq!(until(ts(1_000_000 + 30), now), "in <1m");
        assert_eq!(until(ts(1_000_000 + 240), now), "in 4m");
        assert_eq!(until(ts(1_000_000 + 90_000), now), "in 1d1h");
        assert_eq!(until(ts(999_000), now), "due");
    }
}

/// The largest TZif file [`local_tz`] will read (real ones are a few KiB).
const MAX_TZIF_BYTES: u64 = 1024 * 1024;

/// The local time zone, from `TZ` or the system's, guarded: a `TZ` that names
/// a device, a huge file or nothing known falls back to UTC with one warning
/// on standard error (per process). Use this instead of `TimeZone::system()`.
pub fn local_tz() -> jiff::tz::TimeZone {
    static ZONE: std::sync::OnceLock<jiff::tz::TimeZone> = std::sync::OnceLock::new();
    ZONE.get_or_init(|| {
        let (tz, warning) = local_tz_checked();
        if let Some(w) = warning {
            eprintln!("socialtop: warning: {w}");
        }
        tz
    })
    .clone()
}

/// The local time zone and, when `TZ` could not be honoured, why (the zone is
/// then UTC). Reads no file that is not a regular file under 1 MiB.
pub fn local_tz_checked() -> (jiff::tz::TimeZone, Option<String>) {
    use jiff::tz::TimeZone;
    let Some(raw) = std::env::var_os("TZ") else {
        // no TZ: the system's zone (/etc/localtime), or UTC if there is none
        return (TimeZone::try_system().unwrap_or(TimeZone::UTC), None);
    };
    let Some(tz) = raw.to_str() else {
        return (
            TimeZone::UTC,
            Some(format!("TZ={raw:?} is not UTF-8; using UTC")),
        );
    };
    match zone_from_tz(tz) {
        Ok(zone) => (zone, None),
        Err(why) => (
            TimeZone::UTC,
            Some(format!("TZ=`{}` {why}; using UTC", tz.escape_debug())),
        ),
    }
}

/// A `TZ` value as a POSIX rule, a zone name, or a path to a TZif file.
fn zone_from_tz(tz: &str) -> Result<jiff::tz::TimeZone, String> {
    use jiff::tz::TimeZone;
    if tz.is_empty() {
        return Ok(TimeZone::UTC); // the Unix convention
    }
    if !tz.starts_with(':')
        && let Ok(zone) = TimeZone::posix(tz)
    {
        return Ok(zone);
    }
    let name = tz.strip_prefix(':').unwrap_or(tz);
    // names are looked up in the zoneinfo database's listing, never as paths
    if let Ok(zone) = TimeZone::get(name) {
        return Ok(zone);
    }
    if let Some(i) = name.rfind("zoneinfo/")
        && let Ok(zone) = TimeZone::get(&name[i + "zoneinfo/".len()..])
    {
        return Ok(zone);
    }
    let path = std::path::Path::new(name);
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(_) => return Err("is not a known time zone".into()),
    };
    if !meta.is_file() {
        return Err("is not a time zone file (not a regular file)".into());
    }
    if meta.len() >= MAX_TZIF_BYTES {
        return Err("is not a time zone file (1 MiB or larger)".into());
    }
    let mut data = Vec::new();
    std::fs::File::open(path)
        .and_then(|f| {
            std::io::Read::read_to_end(&mut std::io::Read::take(f, MAX_TZIF_BYTES), &mut data)
        })
        .map_err(|e| format!("cannot be read: {e}"))?;
    TimeZone::tzif(name, &data).map_err(|_| "is not a time zone file (not TZif)".into())
}

/// The earliest time `--at` accepts.
pub const EARLIEST_TIME: &str = "2000-01-01T00:00:00Z";

/// A time as every human-facing line writes it: RFC 3339 in UTC, to the
/// second (`2026-11-25T14:05:00Z`).
pub fn utc_time(t: Timestamp) -> String {
    t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// How far in the future `--at` may be (clock skew between machines).
pub const FUTURE_SLACK_SECS: i64 = 5 * 60;

/// Parses a user-given time relative to `now` in `tz`: RFC 3339
/// (`2026-03-01T09:30:00Z`, offsets allowed), a date `YYYY-MM-DD` (its start
/// in the local time zone), `now`, `today` or `yesterday` (local midnight),
/// or an age: `90m`, `36h`, `7d`, `2w`, `30s` ago.
pub fn parse_time_at(
    text: &str,
    now: Timestamp,
    tz: &jiff::tz::TimeZone,
) -> Result<Timestamp, String> {
    let t = text.trim();
    let invalid = |e: &dyn std::fmt::Display| format!("invalid time `{text}`: {e}");
    let midnight = |days_back: i64| -> Result<Timestamp, String> {
        let today = now.to_zoned_datetime(tz.clone()).date();
        today
            .checked_sub(jiff::Span::new().days(days_back))
            .and_then(|d| d.to_zoned_datetime(tz.clone()))
            .map(|z| z.timestamp())
            .map_err(|e| invalid(&e))
    };
    match t {
        "now" => return Ok(now),
        "today" => return midnight(0),
        "yesterday" => return midnight(1),
        _ => {}
    }
    if let Some(secs) = parse_age(t) {
        return secs
            .and_then(|s| now.as_second().checked_sub(s))
            .and_then(|s| Timestamp::from_second(s).ok())
            .ok_or_else(|| format!("invalid time `{text}`: too long ago"));
    }
    if let Ok(ts) = t.parse::<Timestamp>() {
        return Ok(ts);
    }
    if let Ok(date) = t.parse::<jiff::civil::Date>()
        && t.len() == 10
    {
        return date
            .to_zoned_datetime(tz.clone())
            .map(|z| z.timestamp())
            .map_err(|e| invalid(&e));
    }
    Err(format!(
        "invalid time `{text}` (use RFC 3339 like 2026-03-01T09:30:00Z, a date like 2026-03-01, \
         an age like 90m, 36h or 7d, or now, today, yesterday)"
    ))
}

/// `7d` → seconds; `None` if `text` is not digits and one unit (s, m, h, d, w),
/// `Some(None)` if it is but overflows.
fn parse_age(text: &str) -> Option<Option<i64>> {
    let unit = text.chars().last()?;
    let size = match unit {
        's' => 1,
        'm' => 60,
        'h' => 3_600,
        'd' => 86_400,
        'w' => 7 * 86_400,
        _ => return None,
    };
    let digits = &text[..text.len() - 1];
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(digits.parse::<i64>().ok().and_then(|n| n.checked_mul(size)))
}

/// Checks a time given for a new entry (`--at`): not before 2000-01-01, not
/// more than 5 minutes after `now`. The error names the value and the limit.
pub fn check_entry_time(text: &str, t: Timestamp, now: Timestamp) -> Result<Timestamp, String> {
    let earliest: Timestamp = EARLIEST_TIME.parse().map_err(|e| format!("{e}"))?;
    if t < earliest {
        return Err(format!(
            "time `{text}` ({t}) is before the earliest allowed time, {earliest}"
        ));
    }
    let latest = ts(now.as_second().saturating_add(FUTURE_SLACK_SECS));
    if t > latest {
        return Err(format!(
            "time `{text}` ({t}) is in the future; the limit is 5 minutes from now ({latest})"
        ));
    }
    Ok(t)
}

#[cfg(test)]
mod time_tests {
    use super::*;

    #[test]
    fn parses_rfc3339_and_dates() {
        assert_eq!(
            parse_time_at(
                "2026-03-01T09:30:00Z",
                Timestamp::from_second(1_800_000_000).unwrap(),
                &jiff::tz::TimeZone::UTC
            )
            .unwrap()
            .as_second(),
            1_772_357_400
        );
        assert_eq!(
            parse_time_at(
                "2026-03-01T10:30:00+01:00",
                Timestamp::from_second(1_800_000_000).unwrap(),
                &jiff::tz::TimeZone::UTC
            )
            .unwrap()
            .as_second(),
            1_772_357_400
        );
        assert!(
            parse_time_at(
                "2026-03-01",
                Timestamp::from_second(1_800_000_000).unwrap(),
                &jiff::tz::TimeZone::UTC
            )
            .is_ok()
        );
        let err = parse_time_at(
            "tomorrow",
            Timestamp::from_second(1_800_000_000).unwrap(),
            &jiff::tz::TimeZone::UTC,
        )
        .unwrap_err();
        assert!(err.contains("`tomorrow`"), "{err}");
        assert!(
            parse_time_at(
                "2026-13-01",
                Timestamp::from_second(1_800_000_000).unwrap(),
                &jiff::tz::TimeZone::UTC
            )
            .is_err()
        );
        assert!(
            parse_time_at(
                "7x",
                Timestamp::from_second(1_800_000_000).unwrap(),
                &jiff::tz::TimeZone::UTC
            )
            .is_err()
        );
        assert!(
            parse_time_at(
                "d",
                Timestamp::from_second(1_800_000_000).unwrap(),
                &jiff::tz::TimeZone::UTC
            )
            .is_err()
        );
    }

    #[test]
    fn parses_ages_and_named_days() {
        let now = ts(1_772_357_400); // 2026-03-01T09:30:00Z
        let tz = jiff::tz::TimeZone::UTC;
        let at = |t: &str| parse_time_at(t, now, &tz).unwrap().as_second();
        assert_eq!(at("now"), 1_772_357_400);
        assert_eq!(at("90m"), 1_772_357_400 - 5_400);
        assert_eq!(at("36h"), 1_772_357_400 - 129_600);
        assert_eq!(at("7d"), 1_772_357_400 - 604_800);
        assert_eq!(at("today"), 1_772_323_200);
        assert_eq!(at("yesterday"), 1_772_323_200 - 86_400);
        let plus2 = jiff::tz::TimeZone::fixed(jiff::tz::offset(2));
        assert_eq!(
            parse_time_at("today", now, &plus2).unwrap().as_second(),
            1_772_323_200 - 7_200
        );
        assert!(parse_time_at("99999999999999999d", now, &tz).is_err());
    }

    #[test]
    fn entry_times_are_bounded() {
        let now = ts(1_772_357_400);
        assert!(check_entry_time("x", ts(1_772_357_400 + 299), now).is_ok());
        let err = check_entry_time("x", ts(1_772_357_400 + 301), now).unwrap_err();
        assert!(err.contains("5 minutes"), "{err}");
        let err = check_entry_time("1999-12-31", ts(946_684_799), now).unwrap_err();
        assert!(err.contains("2000-01-01T00:00:00Z"), "{err}");
    }

    #[test]
    fn tz_values_resolve_or_fall_back() {
        assert!(zone_from_tz("").is_ok());
        assert!(zone_from_tz("EST5EDT,M3.2.0,M11.1.0").is_ok());
        let err = zone_from_tz("/dev/zero").unwrap_err();
        assert!(err.contains("regular file"), "{err}");
        assert!(zone_from_tz("Nowhere/Bogus").is_err());
        assert!(zone_from_tz(":/dev/zero").is_err());
    }
}
