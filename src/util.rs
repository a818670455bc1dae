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

/// Parses a user-given time: RFC 3339 (`2026-03-01T09:30:00Z`, offsets allowed)
/// or a date `YYYY-MM-DD` (its start in the local time zone; `TZ` honoured).
pub fn parse_time(text: &str) -> Result<Timestamp, String> {
    let t = text.trim();
    if let Ok(ts) = t.parse::<Timestamp>() {
        return Ok(ts);
    }
    if let Ok(date) = t.parse::<jiff::civil::Date>()
        && t.len() == 10
    {
        return date
            .to_zoned_datetime(jiff::tz::TimeZone::system())
            .map(|z| z.timestamp())
            .map_err(|e| format!("invalid time `{text}`: {e}"));
    }
    Err(format!(
        "invalid time `{text}` (use RFC 3339 like 2026-03-01T09:30:00Z, or a date like 2026-03-01)"
    ))
}

#[cfg(test)]
mod time_tests {
    use super::*;

    #[test]
    fn parses_rfc3339_and_dates() {
        assert_eq!(
            parse_time("2026-03-01T09:30:00Z").unwrap().as_second(),
            1_772_357_400
        );
        assert_eq!(
            parse_time("2026-03-01T10:30:00+01:00").unwrap().as_second(),
            1_772_357_400
        );
        assert!(parse_time("2026-03-01").is_ok());
        let err = parse_time("yesterday").unwrap_err();
        assert!(err.contains("`yesterday`"), "{err}");
        assert!(parse_time("2026-13-01").is_err());
    }
}
