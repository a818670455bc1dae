//! Fitting text into cells: numbers that are never cut (compact forms when the
//! full one does not fit), errors as short codes, percentages, round axis
//! ticks, time labels that follow the span shown, paths shortened from the left.

use jiff::Timestamp;

use crate::util::{signed, thousands};

/// `999` → `999`, `12_345` → `12.3K`, `34_500_000` → `34.5M`, `12_345_678_901`
/// → `12.3B`; three significant digits at most, so at most 6 columns (7 signed).
pub fn compact(n: i64) -> String {
    let a = n.unsigned_abs() as f64;
    let sign = if n < 0 { "-" } else { "" };
    if a < 1_000.0 {
        return n.to_string();
    }
    let (v, unit) = [(1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "K")]
        .into_iter()
        .find(|(s, _)| a >= *s)
        .map_or((a, ""), |(s, u)| (a / s, u));
    let text = if v < 9.95 {
        format!("{v:.2}")
    } else if v < 99.5 {
        format!("{v:.1}")
    } else {
        format!("{v:.0}")
    };
    // 12.0K reads better as 12K
    let text = if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        text
    };
    format!("{sign}{text}{unit}")
}

/// A count in `width` columns: in full when it fits, else compact.
pub fn count(n: i64, width: usize) -> String {
    let full = thousands(n);
    if full.chars().count() <= width {
        full
    } else {
        compact(n)
    }
}

/// A signed change in `width` columns: `+12,345`, else `+12.3K`.
pub fn change(n: i64, width: usize) -> String {
    let full = signed(n);
    if full.chars().count() <= width {
        full
    } else if n > 0 {
        format!("+{}", compact(n))
    } else {
        compact(n)
    }
}

/// A percentage change: `+1.4%`, `+29%`, `−2.0%`, `0%`.
pub fn percent(p: f64) -> String {
    if !p.is_finite() {
        return "-".into();
    }
    let a = p.abs();
    let body = if a < 0.05 {
        return "0%".into();
    } else if a < 9.95 {
        format!("{a:.1}%")
    } else if a < 10_000.0 {
        format!("{a:.0}%")
    } else {
        format!("{}%", compact(a as i64))
    };
    if p > 0.0 {
        format!("+{body}")
    } else {
        format!("-{body}")
    }
}

/// An error as a short code for a table cell: `timeout 20s`, `HTTP 502`,
/// `rate-limited 13m`, `hidden`, `not found`. The detail view shows it whole.
pub fn error_code(e: &str, now: Timestamp) -> String {
    let e = e.trim();
    if let Some(rest) = e.strip_prefix("timed out after ") {
        return format!("timeout {}", rest.split_whitespace().next().unwrap_or(""));
    }
    for prefix in ["server error ", "HTTP "] {
        if let Some(rest) = e.strip_prefix(prefix) {
            let code: String = rest.chars().take_while(char::is_ascii_digit).collect();
            if !code.is_empty() {
                return format!("HTTP {code}");
            }
        }
    }
    if let Some(rest) = e.strip_prefix("rate limited until ") {
        // written as `2026-06-01T12:13:00Z` (before: with a space for the T)
        let until = rest.get(..19).and_then(|t| {
            jiff::civil::DateTime::strptime("%Y-%m-%dT%H:%M:%S", t)
                .or_else(|_| jiff::civil::DateTime::strptime("%Y-%m-%d %H:%M:%S", t))
                .ok()
                .and_then(|d| jiff::tz::TimeZone::UTC.to_timestamp(d).ok())
        });
        return match until {
            Some(t) if t > now => {
                let mins = (t.as_second() - now.as_second() + 59) / 60;
                if mins >= 60 {
                    format!("rate-limited {}h{:02}m", mins / 60, mins % 60)
                } else {
                    format!("rate-limited {mins}m")
                }
            }
            _ => "rate-limited".into(),
        };
    }
    let codes = [
        ("hidden", "hidden"),
        ("not found", "not found"),
        ("network", "network"),
        ("answer larger", "too large"),
        ("unexpected answer", "bad answer"),
        ("environment variable", "no secret"),
    ];
    for (prefix, code) in codes {
        if e.starts_with(prefix) {
            return code.into();
        }
    }
    // anything else: up to the first colon
    e.split(':').next().unwrap_or(e).trim().to_string()
}

/// Round ticks covering `lo..=hi`: 3 to 5 of them (`want`), on a 1-2-2.5-5
/// step, integral. Returns the ticks, lowest first.
pub fn ticks(lo: f64, hi: f64, want: usize) -> Vec<f64> {
    let want = want.clamp(3, 5);
    let (lo, hi) = if hi - lo < 1.0 {
        let mid = (lo + hi) / 2.0;
        (mid - 1.0, mid + 1.0)
    } else {
        (lo, hi)
    };
    let raw = (hi - lo) / (want - 1) as f64;
    let mag = 10f64.powf(raw.log10().floor());
    let mut best: Vec<f64> = Vec::new();
    for m in [1.0, 2.0, 2.5, 5.0, 10.0, 20.0] {
        let step = (m * mag).max(1.0);
        let first = (lo / step).floor() * step;
        let last = (hi / step).ceil() * step;
        let n = ((last - first) / step).round() as usize + 1;
        if n <= 5 {
            best = (0..n).map(|i| first + step * i as f64).collect();
            break;
        }
    }
    if best.len() < 2 {
        best = vec![lo.floor(), hi.ceil()];
    }
    // three at least: split the gap when a step swallowed everything
    if best.len() == 2 {
        let (a, b) = (best[0], best[1]);
        best.insert(1, ((a + b) / 2.0).round());
    }
    best
}

/// A tick label: `950`, `12.5K`, `34.47M`.
pub fn tick_label(v: f64) -> String {
    let n = v.round() as i64;
    if n.unsigned_abs() < 10_000 {
        thousands(n)
    } else {
        compact(n)
    }
}

/// A format for time-axis labels spanning `secs`: `14:05`, `Mon 3`, `Nov 10`,
/// `Nov 2026`, `2026`.
pub fn time_format(secs: i64) -> &'static str {
    const DAY: i64 = 86_400;
    match secs {
        s if s <= 2 * DAY => "%H:%M",
        // days carry their month, months their year
        s if s <= 100 * DAY => "%b %-d",
        s if s <= 3 * 365 * DAY => "%b %Y",
        _ => "%Y",
    }
}

/// `text` in `width` columns: a path-looking word (with a `/`) is shortened
/// from the left first (`…/exports/socialtop-….json`), then the end is cut.
pub fn fit_message(text: &str, width: usize) -> String {
    let len = text.chars().count();
    if len <= width {
        return text.to_string();
    }
    let over = len - width;
    let longest = text
        .split(' ')
        .filter(|w| w.contains('/'))
        .max_by_key(|w| w.chars().count());
    if let Some(word) = longest {
        let n = word.chars().count();
        if n > over + 2 {
            let keep: String = word.chars().skip(over + 1).collect();
            let short = format!("…{keep}");
            return text.replacen(word, &short, 1);
        }
        // the path down to its last part, then the end is cut
        if let Some(i) = word.rfind('/') {
            let short = format!("…{}", &word[i..]);
            return crate::util::fit(&text.replacen(word, &short, 1), width);
        }
    }
    crate::util::fit(text, width)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compact_numbers() {
        assert_eq!(compact(999), "999");
        assert_eq!(compact(1_000), "1K");
        assert_eq!(compact(12_345), "12.3K");
        assert_eq!(compact(9_414), "9.41K");
        assert_eq!(compact(34_500_000), "34.5M");
        assert_eq!(compact(400_000_000), "400M");
        assert_eq!(compact(12_345_678_901), "12.3B");
        assert_eq!(compact(-12_345), "-12.3K");
        assert_eq!(count(12_345_678_901, 10), "12.3B");
        assert_eq!(count(12_345, 10), "12,345");
        assert_eq!(change(12_310_000, 6), "+12.3M");
    }

    #[test]
    fn error_codes() {
        let now = Timestamp::from_second(1_780_315_200).unwrap();
        assert_eq!(error_code("timed out after 20s", now), "timeout 20s");
        assert_eq!(
            error_code("server error 502 Bad Gateway (simulated)", now),
            "HTTP 502"
        );
        assert_eq!(error_code("HTTP 404 Not Found: x", now), "HTTP 404");
        assert_eq!(error_code("hidden: x hides it", now), "hidden");
        let until = Timestamp::from_second(1_780_315_200 + 13 * 60).unwrap();
        let e = format!(
            "rate limited until {} (quota)",
            crate::util::utc_time(until)
        );
        assert_eq!(error_code(&e, now), "rate-limited 13m");
        // as histories written before recorded it
        let e = format!(
            "rate limited until {} (quota)",
            until.strftime("%Y-%m-%d %H:%M:%SZ")
        );
        assert_eq!(error_code(&e, now), "rate-limited 13m");
    }

    #[test]
    fn round_ticks() {
        assert_eq!(
            ticks(11_611.0, 12_599.0, 5),
            [11_500.0, 12_000.0, 12_500.0, 13_000.0]
        );
        let t = ticks(34_465_478.0, 34_465_480.0, 3);
        assert!(t.len() >= 3 && t.len() <= 5, "{t:?}");
        assert_eq!(tick_label(12_500.0), "12.5K");
        assert_eq!(percent(1.42), "+1.4%");
        assert_eq!(percent(29.0), "+29%");
        assert_eq!(percent(-2.0), "-2.0%");
    }

    #[test]
    fn paths_shorten_from_the_left() {
        let m = "exported json to /home/someone/.local/share/socialtop/exports/socialtop-1.*";
        let s = fit_message(m, 50);
        assert_eq!(s.chars().count(), 50, "{s}");
        assert!(s.starts_with("exported json to …"), "{s}");
        assert!(s.ends_with("socialtop-1.*"), "{s}");
    }
}
