//! The TOML configuration: accounts and global settings.
//!
//! Every error names the file, the line and the key at fault, because the
//! user has to go and fix that exact place.

use std::collections::HashMap;
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Deserializer};
use toml::Spanned;

use crate::model::ExportFormat;
use crate::model::{Account, PlatformKind};
use crate::text::clean;

/// The starter config written on first run.
pub const STARTER_CONFIG: &str = include_str!("../assets/starter.toml");
/// Every key documented, an account of each platform: `socialtop init --example`.
pub const EXAMPLE_CONFIG: &str = include_str!("../assets/config.example.toml");

/// A configuration error located in a file.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{path}:{line}:{column}: {message}")]
    At {
        path: PathBuf,
        line: usize,
        column: usize,
        message: String,
    },
    #[error("cannot read config {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot write starter config {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "config file {path} does not exist (check the path, or write a starter config there with `socialtop init --config {path}`)"
    )]
    Missing { path: PathBuf },
    #[error("{path} already exists (use `socialtop init --force` to overwrite it)")]
    Exists { path: PathBuf },
}

/// Bounds of `poll_interval` and an account's `interval`.
pub const INTERVAL_BOUNDS: (Duration, Duration) =
    (Duration::from_secs(1), Duration::from_secs(30 * 86_400));
/// The largest count an alert rule names (the store's largest count).
const MAX_ALERT_COUNT: i64 = 1 << 53;
/// Bounds of `followers_scan`.
pub const FOLLOWERS_SCAN_BOUNDS: (Duration, Duration) =
    (Duration::from_secs(1), Duration::from_secs(366 * 86_400));
/// Bounds of `request_timeout`.
pub const TIMEOUT_BOUNDS: (Duration, Duration) =
    (Duration::from_secs(1), Duration::from_secs(10 * 60));

/// A positive duration written as `30s`, `15m`, `1h30m` or ISO 8601 (`PT15M`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Dur(pub Duration);

impl Dur {
    pub fn parse(text: &str) -> Result<Dur, String> {
        let t = text.trim();
        // days (`7d`) are a span, taken as 24 hours
        let d: jiff::SignedDuration = t
            .parse()
            .or_else(|_| {
                t.parse::<jiff::Span>()
                    .and_then(|s| s.to_duration(jiff::SpanRelativeTo::days_are_24_hours()))
            })
            .map_err(|_| format!("invalid duration `{text}` (use e.g. 90s, 15m, 1h30m, 7d)"))?;
        if d.is_negative() || d.is_zero() {
            return Err(format!("duration `{text}` must be greater than zero"));
        }
        d.try_into()
            .map(Dur)
            .map_err(|_| format!("invalid duration `{text}`"))
    }

    /// Parses and checks `min <= d <= max`; the error names the value and the limit.
    pub fn parse_within(text: &str, (min, max): (Duration, Duration)) -> Result<Dur, String> {
        let d = Dur::parse(text)?;
        d.check(text, (min, max))?;
        Ok(d)
    }

    /// Checks `min <= self <= max`; `text` is how the value was written.
    pub fn check(self, text: &str, (min, max): (Duration, Duration)) -> Result<(), String> {
        let text = text.trim();
        if self.0 < min {
            return Err(format!(
                "duration `{text}` is shorter than the minimum, {}",
                limit(min)
            ));
        }
        if self.0 > max {
            return Err(format!(
                "duration `{text}` is longer than the maximum, {}",
                limit(max)
            ));
        }
        Ok(())
    }
}

/// A limit in one unit, as people say it: `30d`, `24h`, `10m`, `1s`.
fn limit(d: Duration) -> String {
    let secs = d.as_secs();
    match secs {
        s if s > 86_400 && s % 86_400 == 0 => format!("{}d", s / 86_400),
        s if s >= 3_600 && s % 3_600 == 0 => format!("{}h", s / 3_600),
        s if s >= 60 && s % 60 == 0 => format!("{}m", s / 60),
        _ => crate::util::format_duration(d),
    }
}

impl<'de> Deserialize<'de> for Dur {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Dur::parse(&text).map_err(serde::de::Error::custom)
    }
}

impl fmt::Display for Dur {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&crate::util::format_duration(self.0))
    }
}

/// An address to serve on (`--metrics`, `metrics_listen`): `PORT` alone or
/// `localhost:PORT` is loopback (127.0.0.1); `IP:PORT` (`[::1]:PORT` for IPv6)
/// is that address, so `0.0.0.0:PORT` is every interface. No name lookups.
pub fn parse_listen(text: &str) -> Result<SocketAddr, String> {
    let t = text.trim();
    let bad = || {
        format!(
            "invalid address `{}` (use PORT for loopback, or IP:PORT, e.g. 127.0.0.1:9184 or 0.0.0.0:9184)",
            clean(text)
        )
    };
    let loopback = |port: &str| {
        port.parse::<u16>()
            .map(|p| SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), p))
            .map_err(|_| bad())
    };
    if t.bytes().all(|b| b.is_ascii_digit()) && !t.is_empty() {
        return loopback(t);
    }
    if let Some(port) = t.strip_prefix("localhost:") {
        return loopback(port);
    }
    t.parse::<SocketAddr>().map_err(|_| bad())
}

fn default_request_timeout() -> Duration {
    Duration::from_secs(20)
}
/// The longest `user` name, in characters.
const MAX_USER_CHARS: usize = 64;

/// A person's name as `user` (config) and `effort --user` take it: 1 to 64
/// characters, no control characters, no spaces around it; else why not.
pub fn check_user(name: &str) -> Result<&str, String> {
    let clean = crate::text::clean(name);
    if clean.trim().is_empty()
        || clean != name
        || clean.trim() != clean
        || clean.chars().count() > MAX_USER_CHARS
    {
        return Err(format!(
            "must be a name of 1 to {MAX_USER_CHARS} characters, without control characters or spaces around it (got {clean:?})"
        ));
    }
    Ok(name)
}

fn default_effort_margin() -> f64 {
    0.2
}
fn default_export_formats() -> Vec<ExportFormat> {
    ExportFormat::ALL.to_vec()
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    poll_interval: Option<Spanned<Dur>>,
    request_timeout: Option<Spanned<Dur>>,
    effort_margin: Option<Spanned<f64>>,
    export_formats: Option<Spanned<Vec<String>>>,
    metrics_listen: Option<Spanned<String>>,
    followers_scan: Option<Spanned<Dur>>,
    followers_list_max: Option<Spanned<i64>>,
    theme: Option<ThemeChoice>,
    user: Option<Spanned<String>>,
    database_url: Option<Spanned<String>>,
    #[serde(default)]
    accounts: Vec<toml::Spanned<RawAccount>>,
    #[serde(default)]
    alerts: Vec<Spanned<RawAlert>>,
    notify: Option<Spanned<RawNotify>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAlert {
    kind: AlertKind,
    accounts: Option<Spanned<Vec<String>>>,
    at: Option<Spanned<Vec<i64>>>,
    percent: Option<Spanned<f64>>,
    count: Option<Spanned<i64>>,
    within: Option<Spanned<Dur>>,
    after: Option<Spanned<Dur>>,
    min_followers: Option<Spanned<i64>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawNotify {
    command: Option<Spanned<String>>,
    webhook: Option<Spanned<String>>,
    #[serde(default)]
    webhook_format: WebhookFormat,
    timeout: Option<Spanned<Dur>>,
}

/// What an `[[alerts]]` rule watches for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AlertKind {
    /// The count crosses a round number (1, 2, 5 × 10^n) or one of `at`.
    Milestone,
    /// The count falls by `percent` (or `count`) within `within`.
    Drop,
    /// No good sample for longer than `after`.
    Stale,
    /// Someone with at least `min_followers` followers followed (seen by a
    /// follower-list scan).
    Follower,
}

impl AlertKind {
    pub const ALL: [AlertKind; 4] = [
        AlertKind::Milestone,
        AlertKind::Drop,
        AlertKind::Stale,
        AlertKind::Follower,
    ];

    pub fn name(self) -> &'static str {
        match self {
            AlertKind::Milestone => "milestone",
            AlertKind::Drop => "drop",
            AlertKind::Stale => "stale",
            AlertKind::Follower => "follower",
        }
    }
}

impl fmt::Display for AlertKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// How a webhook's body is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum WebhookFormat {
    /// The message as plain text.
    #[default]
    Text,
    /// `{"account", "kind", "value", "message", "at"}`.
    Json,
    /// `{"text": message}` (Slack and Mattermost incoming webhooks).
    Slack,
    /// `{"content": message}` (Discord webhooks).
    Discord,
}

/// One `[[alerts]]` rule, validated.
#[derive(Debug, Clone, PartialEq)]
pub struct AlertRule {
    pub kind: AlertKind,
    /// Account ids; `*` and `?` are globs.
    pub accounts: Vec<String>,
    /// Milestone values; empty: the round numbers 1, 2, 5 × 10^n.
    pub at: Vec<i64>,
    /// Drop: the smallest fall, in percent of the peak, that fires.
    pub percent: Option<f64>,
    /// Drop: the smallest fall, as a count, that fires.
    pub count: Option<i64>,
    /// Drop: how far back the peak is looked for.
    pub within: Duration,
    /// Stale: how long without a good sample fires.
    pub after: Duration,
    /// Follower: the fewest followers a new follower has for it to fire.
    pub min_followers: i64,
    /// Where the rule is in the config file.
    pub line: usize,
}

impl AlertRule {
    /// Whether this rule watches `id`.
    pub fn watches(&self, id: &str) -> bool {
        self.accounts.iter().any(|p| glob_match(p, id))
    }
}

/// `[notify]`: where fired alerts are delivered.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Notify {
    /// Run with `sh -c`; the alert is in `SOCIALTOP_*` environment variables.
    pub command: Option<String>,
    /// The webhook URL as written: `${VAR}` is replaced from the secrets when
    /// sent. Never logged nor shown (it often holds a token).
    pub webhook: Option<String>,
    pub webhook_format: WebhookFormat,
    /// One webhook request may take this long.
    pub timeout: Duration,
}

/// Default `within` of a drop rule and `after` of a stale rule.
pub const DEFAULT_DROP_WITHIN: Duration = Duration::from_secs(86_400);
pub const DEFAULT_STALE_AFTER: Duration = Duration::from_secs(12 * 3_600);
/// Default and bounds of `[notify] timeout`.
pub const DEFAULT_NOTIFY_TIMEOUT: Duration = Duration::from_secs(10);
pub const NOTIFY_TIMEOUT_BOUNDS: (Duration, Duration) =
    (Duration::from_secs(1), Duration::from_secs(120));
/// Bounds of `within` and `after`.
pub const ALERT_WINDOW_BOUNDS: (Duration, Duration) =
    (Duration::from_secs(1), Duration::from_secs(366 * 86_400));

/// Whether `id` matches `pattern`, where `*` is any run of characters and
/// `?` any one character.
pub fn glob_match(pattern: &str, id: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let s: Vec<char> = id.chars().collect();
    // classic two-pointer match with backtracking to the last `*`
    let (mut i, mut j) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while j < s.len() {
        if i < p.len() && (p[i] == '?' || p[i] == s[j]) {
            i += 1;
            j += 1;
        } else if i < p.len() && p[i] == '*' {
            star = Some((i, j));
            i += 1;
        } else if let Some((si, sj)) = star {
            i = si + 1;
            j = sj + 1;
            star = Some((si, sj + 1));
        } else {
            return false;
        }
    }
    p[i..].iter().all(|c| *c == '*')
}

/// The names of the `${VAR}` placeholders in `text`, or why they are malformed.
pub fn placeholders(text: &str) -> Result<Vec<String>, String> {
    let mut names = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find("${") {
        let after = &rest[i + 2..];
        let Some(end) = after.find('}') else {
            return Err("a `${` is not closed by `}`".into());
        };
        let name = &after[..end];
        let valid = name
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !valid {
            return Err(format!("`${{{name}}}` is not an environment variable name"));
        }
        names.push(name.to_string());
        rest = &after[end + 1..];
    }
    Ok(names)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAccount {
    platform: PlatformKind,
    handle: Option<String>,
    id: Option<String>,
    label: Option<String>,
    base_url: Option<String>,
    interval: Option<Spanned<Dur>>,
    token_env: Option<String>,
    #[serde(default)]
    time_tags: Vec<String>,
    domains: Option<Vec<String>>,
    url: Option<String>,
    pointer: Option<String>,
    headers: Option<std::collections::BTreeMap<String, String>>,
    metric: Option<String>,
    tracked_since: Option<Spanned<TimeText>>,
    followers_list: Option<bool>,
    followers_scan: Option<Spanned<Dur>>,
    followers_list_max: Option<Spanned<i64>>,
}

/// A time in the config: a TOML date or date-time, or a string holding one
/// (`2026-01-05`, `2026-01-05T09:00:00Z`).
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum TimeText {
    Text(String),
    Toml(toml::value::Datetime),
}

/// `tracked_since` as epoch seconds: a date is its local midnight, a
/// date-time without an offset local time; from 2000 to now.
fn tracked_since(t: &TimeText) -> Result<i64, String> {
    let text = match t {
        TimeText::Text(s) => s.trim().to_string(),
        TimeText::Toml(d) => d.to_string(),
    };
    let tz = crate::util::local_tz();
    let at = if let Ok(ts) = text.parse::<jiff::Timestamp>() {
        ts
    } else if let Ok(dt) = text.parse::<jiff::civil::DateTime>() {
        dt.to_zoned_datetime(tz)
            .map_err(|e| format!("`{text}`: {e}"))?
            .timestamp()
    } else {
        return Err(format!(
            "`{text}` is not a date (2026-01-05) or an RFC 3339 time (2026-01-05T09:00:00Z)"
        ));
    };
    let now = crate::model::Clock::now(&crate::model::SystemClock);
    crate::util::check_entry_time(&text, at, now).map(|t| t.as_second())
}

/// The dashboard's colours (`theme = "auto" | "dark" | "light"`): `auto`
/// reads the terminal's background from `COLORFGBG`, else takes dark.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ThemeChoice {
    #[default]
    Auto,
    Dark,
    Light,
}

/// The whole configuration.
#[derive(Debug, Clone)]
pub struct Config {
    pub path: PathBuf,
    pub poll_interval: Duration,
    pub request_timeout: Duration,
    pub effort_margin: f64,
    pub export_formats: Vec<ExportFormat>,
    /// Where `poll` and the dashboard serve Prometheus metrics, if anywhere.
    pub metrics_listen: Option<SocketAddr>,
    /// How often follower lists are read, and the longest read (accounts
    /// may say otherwise).
    pub followers_scan: Duration,
    pub followers_list_max: i64,
    pub theme: ThemeChoice,
    /// Who logs time from this config (`user`; the OS user name by
    /// default): time entries and the timer are this person's.
    pub user: String,
    /// The PostgreSQL database holding the history (`database_url`), instead
    /// of the SQLite file in the data dir.
    pub database_url: Option<crate::store::DatabaseUrl>,
    pub accounts: Vec<Account>,
    pub alerts: Vec<AlertRule>,
    pub notify: Notify,
}

/// What every section's parser needs: the text (for spans and their
/// lines) and the file, to name both in an error.
struct Ctx<'a> {
    text: &'a str,
    path: &'a Path,
    lines: LineIndex<'a>,
}

/// The settings at the top that accounts take as their defaults.
struct Defaults {
    poll_interval: Duration,
    request_timeout: Duration,
    followers_scan: Duration,
    followers_list_max: i64,
}

impl Ctx<'_> {
    /// An error at `span`: file, line and column.
    fn at(&self, span: std::ops::Range<usize>, message: String) -> ConfigError {
        let (line, column) = self.lines.line_col(span.start);
        ConfigError::At {
            path: self.path.to_path_buf(),
            line,
            column,
            message,
        }
    }

    /// A duration key's value, checked against its bounds where it is written.
    fn bounded(
        &self,
        key: &str,
        d: &Spanned<Dur>,
        bounds: (Duration, Duration),
    ) -> Result<Duration, ConfigError> {
        let written = self
            .text
            .get(d.span())
            .unwrap_or("")
            .trim_matches(['"', '\'']);
        d.get_ref()
            .check(written, bounds)
            .map(|()| d.get_ref().0)
            .map_err(|m| self.at(d.span(), format!("key `{key}`: {m}")))
    }

    /// `followers_list_max`, here or on an account.
    fn list_max(&self, v: &Spanned<i64>) -> Result<i64, ConfigError> {
        if (1..=MAX_ALERT_COUNT).contains(v.get_ref()) {
            Ok(*v.get_ref())
        } else {
            Err(self.at(
                v.span(),
                "key `followers_list_max` must be a count of 1 or more".into(),
            ))
        }
    }

    /// Polling: `poll_interval`, `request_timeout`, `followers_scan`,
    /// `followers_list_max`.
    fn polling(&self, raw: &RawConfig) -> Result<Defaults, ConfigError> {
        Ok(Defaults {
            poll_interval: match &raw.poll_interval {
                Some(d) => self.bounded("poll_interval", d, INTERVAL_BOUNDS)?,
                None => crate::model::DEFAULT_INTERVAL,
            },
            request_timeout: match &raw.request_timeout {
                Some(d) => self.bounded("request_timeout", d, TIMEOUT_BOUNDS)?,
                None => default_request_timeout(),
            },
            followers_scan: match &raw.followers_scan {
                Some(d) => self.bounded("followers_scan", d, FOLLOWERS_SCAN_BOUNDS)?,
                None => crate::model::DEFAULT_FOLLOWERS_SCAN,
            },
            followers_list_max: match &raw.followers_list_max {
                Some(v) => self.list_max(v)?,
                None => crate::model::DEFAULT_FOLLOWERS_LIST_MAX,
            },
        })
    }

    /// The effort verdict: `effort_margin`.
    fn effort(&self, raw: &RawConfig) -> Result<f64, ConfigError> {
        Ok(match &raw.effort_margin {
            Some(m) if !(0.0..=10.0).contains(m.get_ref()) => {
                return Err(self.at(
                    m.span(),
                    "effort_margin must be a number between 0 and 10".into(),
                ));
            }
            Some(m) => *m.get_ref(),
            None => default_effort_margin(),
        })
    }

    /// Who logs time: `user`, else the OS user name (`USER`, `LOGNAME`),
    /// else "me".
    fn user(&self, raw: Option<Spanned<String>>) -> Result<String, ConfigError> {
        let Some(name) = raw else {
            let os = ["USER", "LOGNAME"]
                .iter()
                .filter_map(|v| std::env::var(v).ok())
                .map(|v| crate::text::clean(&v).trim().to_string())
                .find(|v| !v.is_empty() && v.chars().count() <= MAX_USER_CHARS);
            return Ok(os.unwrap_or_else(|| "me".to_string()));
        };
        let span = name.span();
        let raw = name.into_inner();
        check_user(&raw)
            .map(str::to_string)
            .map_err(|why| self.at(span, format!("user {why}")))
    }

    /// Exports: `export_formats`.
    fn exports(&self, raw: Option<Spanned<Vec<String>>>) -> Result<Vec<ExportFormat>, ConfigError> {
        Ok(match raw {
            Some(formats) => {
                let span = formats.span();
                let mut parsed = Vec::new();
                for f in formats.into_inner() {
                    let Some(format) = ExportFormat::from_name(&f) else {
                        return Err(self.at(
                            span,
                            format!(
                                "export_formats: unknown format `{}` ({})",
                                crate::text::clean(&f),
                                ExportFormat::names()
                            ),
                        ));
                    };
                    parsed.push(format);
                }
                parsed
            }
            None => default_export_formats(),
        })
    }

    /// Metrics: `metrics_listen`.
    fn metrics(&self, raw: &RawConfig) -> Result<Option<SocketAddr>, ConfigError> {
        Ok(match &raw.metrics_listen {
            Some(a) => Some(
                parse_listen(a.get_ref())
                    .map_err(|m| self.at(a.span(), format!("key `metrics_listen`: {m}")))?,
            ),
            None => None,
        })
    }

    /// The `[[accounts]]`, each checked, ids unique (in NFC).
    fn accounts(
        &self,
        raw: Vec<Spanned<RawAccount>>,
        defaults: &Defaults,
    ) -> Result<Vec<Account>, ConfigError> {
        let mut seen: HashMap<String, usize> = HashMap::new();
        let mut accounts = Vec::with_capacity(raw.len());
        for spanned in raw {
            let span = spanned.span();
            let account = self.account(spanned, defaults)?;
            let (line, _) = self.lines.line_col(span.start);
            // ids that differ only in how their accents are encoded look
            // the same everywhere they are shown: one id
            if let Some(first) = seen.insert(crate::text::nfc(&account.id), line) {
                return Err(self.at(
                    span,
                    format!(
                        "key `id`: duplicate account id `{}` (first defined at line {first})",
                        account.id
                    ),
                ));
            }
            accounts.push(account);
        }
        Ok(accounts)
    }

    /// One `[[accounts]]` table.
    fn account(
        &self,
        spanned: Spanned<RawAccount>,
        defaults: &Defaults,
    ) -> Result<Account, ConfigError> {
        let (poll_interval, followers_scan, followers_list_max) = (
            defaults.poll_interval,
            defaults.followers_scan,
            defaults.followers_list_max,
        );
        let span = spanned.span();
        let acct = spanned.into_inner();
        let json = acct.platform == PlatformKind::Json;
        for (key, set) in [
            ("url", acct.url.is_some()),
            ("pointer", acct.pointer.is_some()),
            ("headers", acct.headers.is_some()),
        ] {
            if set && !json {
                return Err(self.at(
                    span.clone(),
                    format!("key `{key}` applies only to platform = \"json\""),
                ));
            }
        }
        if let Some(m) = &acct.metric
            && !json
            && acct.platform != PlatformKind::Manual
        {
            let offered = crate::platforms::platform(acct.platform).metrics();
            if !offered.contains(&m.as_str()) {
                let msg = if offered.is_empty() {
                    "key `metric` applies only to platform = \"json\" and \"manual\"; other platforms know what they count".to_string()
                } else {
                    format!(
                        "key `metric`: platform = \"{}\" counts {}",
                        acct.platform.name(),
                        offered
                            .iter()
                            .map(|o| format!("\"{o}\""))
                            .collect::<Vec<_>>()
                            .join(" or ")
                    )
                };
                return Err(self.at(span, msg));
            }
        }
        if json && (acct.url.is_none() || acct.pointer.is_none()) {
            return Err(self.at(
                span,
                "platform = \"json\" needs `url` (the endpoint) and `pointer` (an RFC 6901 pointer to the count, e.g. \"/data/subscribers\")".into(),
            ));
        }
        // a json counter is named after its host unless it has a handle
        let handle = match (&acct.handle, &acct.url) {
            (Some(h), _) => clean(h.trim()).trim().trim_start_matches('@').to_string(),
            (None, Some(u)) if json => reqwest::Url::parse(u)
                .ok()
                .and_then(|u| u.host_str().map(String::from))
                .unwrap_or_default(),
            _ => String::new(),
        };
        let platform = crate::platforms::platform(acct.platform);
        if handle.is_empty() {
            return Err(self.at(span, "key `handle` is missing or empty".into()));
        }
        // outside text: cleaned where it enters (a metric is shown in
        // every table and line), one short line
        let metric = acct
            .metric
            .map(|m| crate::text::short(&clean(&m), 40))
            .filter(|m| !m.trim().is_empty())
            .unwrap_or_else(|| platform.metric(&handle).to_string());
        let interval = match &acct.interval {
            Some(d) => self.bounded("interval", d, INTERVAL_BOUNDS)?,
            None => poll_interval,
        };
        let tracked_since = match &acct.tracked_since {
            Some(t) => Some(
                tracked_since(t.get_ref())
                    .map_err(|m| self.at(t.span(), format!("key `tracked_since`: {m}")))?,
            ),
            None => None,
        };
        let account = Account {
            id: acct.id.map_or_else(
                || format!("{}:{}", acct.platform.name(), handle),
                |id| clean(&id),
            ),
            platform: acct.platform,
            handle,
            label: acct.label.map(|l| clean(&l)),
            base_url: acct.base_url.map(|u| u.trim_end_matches('/').to_string()),
            interval,
            token_env: acct.token_env,
            time_tags: acct.time_tags,
            domains: acct.domains,
            url: acct.url,
            pointer: acct.pointer,
            headers: acct.headers.unwrap_or_default().into_iter().collect(),
            metric,
            tracked_since,
            followers_list: acct.followers_list.unwrap_or(true),
            followers_scan: match &acct.followers_scan {
                Some(d) => self.bounded("followers_scan", d, FOLLOWERS_SCAN_BOUNDS)?,
                None => followers_scan,
            },
            followers_list_max: match &acct.followers_list_max {
                Some(v) => self.list_max(v)?,
                None => followers_list_max,
            },
        };
        if let Some(base) = &account.base_url
            && reqwest::Url::parse(base).is_err()
        {
            return Err(self.at(
                span,
                format!(
                    "account {}: key `base_url`: `{base}` is not a URL",
                    account.id
                ),
            ));
        }
        if let Err(message) = platform.check_handle(&account) {
            return Err(self.at(
                span,
                format!("account {}: key `handle`: {message}", account.id),
            ));
        }
        Ok(account)
    }

    /// One `[[alerts]]` rule; `accounts` are the configured ones (a pattern
    /// must match one).
    fn alert(
        &self,
        spanned: Spanned<RawAlert>,
        accounts: &[Account],
    ) -> Result<AlertRule, ConfigError> {
        let span = spanned.span();
        let (line, _) = self.lines.line_col(span.start);
        let rule = spanned.into_inner();
        let kind = rule.kind;
        // keys that only some kinds take
        let allowed: &[&str] = match kind {
            AlertKind::Milestone => &["at"],
            AlertKind::Drop => &["percent", "count", "within"],
            AlertKind::Stale => &["after"],
            AlertKind::Follower => &["min_followers"],
        };
        for (key, s) in [
            ("at", rule.at.as_ref().map(Spanned::span)),
            ("percent", rule.percent.as_ref().map(Spanned::span)),
            ("count", rule.count.as_ref().map(Spanned::span)),
            ("within", rule.within.as_ref().map(Spanned::span)),
            ("after", rule.after.as_ref().map(Spanned::span)),
            (
                "min_followers",
                rule.min_followers.as_ref().map(Spanned::span),
            ),
        ] {
            if let Some(s) = s
                && !allowed.contains(&key)
            {
                return Err(self.at(
                    s,
                    format!(
                        "alerts: key `{key}` does not apply to kind = \"{kind}\" (it takes {})",
                        allowed
                            .iter()
                            .map(|k| format!("`{k}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                ));
            }
        }
        let patterns = match rule.accounts {
            Some(a) => {
                let a_span = a.span();
                let patterns: Vec<String> =
                    a.into_inner().iter().map(|p| clean(p.trim())).collect();
                if patterns.is_empty() {
                    return Err(self.at(
                        a_span,
                        "alerts: key `accounts` is empty (use [\"*\"] for every account)".into(),
                    ));
                }
                for p in &patterns {
                    if !accounts.iter().any(|acct| glob_match(p, &acct.id)) {
                        return Err(self.at(
                            a_span,
                            format!("alerts: key `accounts`: `{p}` matches no account id"),
                        ));
                    }
                }
                patterns
            }
            None => vec!["*".to_string()],
        };
        let mut values = Vec::new();
        if let Some(v) = rule.at {
            let v_span = v.span();
            values = v.into_inner();
            if values.is_empty() || values.iter().any(|n| !(1..=MAX_ALERT_COUNT).contains(n)) {
                return Err(self.at(v_span, "alerts: key `at` must list counts from 1 up".into()));
            }
            values.sort_unstable();
            values.dedup();
        }
        let percent = match rule.percent {
            Some(p) if !(*p.get_ref() > 0.0 && *p.get_ref() <= 100.0) => {
                return Err(self.at(
                    p.span(),
                    "alerts: key `percent` must be a number above 0 and at most 100".into(),
                ));
            }
            p => p.map(Spanned::into_inner),
        };
        let count = match rule.count {
            Some(c) if !(1..=MAX_ALERT_COUNT).contains(c.get_ref()) => {
                return Err(self.at(
                    c.span(),
                    "alerts: key `count` must be a count of 1 or more".into(),
                ));
            }
            c => c.map(Spanned::into_inner),
        };
        if kind == AlertKind::Drop && percent.is_none() && count.is_none() {
            return Err(self.at(
                span,
                "alerts: kind = \"drop\" needs `percent` (e.g. 2.0) or `count` (e.g. 50)".into(),
            ));
        }
        let within = match &rule.within {
            Some(d) => self.bounded("within", d, ALERT_WINDOW_BOUNDS)?,
            None => DEFAULT_DROP_WITHIN,
        };
        let after = match &rule.after {
            Some(d) => self.bounded("after", d, ALERT_WINDOW_BOUNDS)?,
            None => DEFAULT_STALE_AFTER,
        };
        let min_followers = match rule.min_followers {
            Some(m) if !(0..=MAX_ALERT_COUNT).contains(m.get_ref()) => {
                return Err(self.at(
                    m.span(),
                    "alerts: key `min_followers` must be a count of 0 or more".into(),
                ));
            }
            m => m.map_or(0, Spanned::into_inner),
        };
        Ok(AlertRule {
            kind,
            accounts: patterns,
            at: values,
            percent,
            count,
            within,
            after,
            min_followers,
            line,
        })
    }

    /// `[notify]`.
    fn notify(&self, raw: Option<Spanned<RawNotify>>) -> Result<Notify, ConfigError> {
        Ok(match raw {
            None => Notify {
                timeout: DEFAULT_NOTIFY_TIMEOUT,
                ..Notify::default()
            },
            Some(n) => {
                let n = n.into_inner();
                let command = match n.command {
                    Some(c) if c.get_ref().trim().is_empty() => {
                        return Err(self.at(c.span(), "notify: key `command` is empty".into()));
                    }
                    c => c.map(Spanned::into_inner),
                };
                let webhook = match n.webhook {
                    Some(w) => {
                        // the URL is never repeated: it often holds a token
                        let checked = placeholders(w.get_ref()).and_then(|names| {
                            let mut probe = w.get_ref().trim().to_string();
                            for name in names {
                                probe = probe.replace(&format!("${{{name}}}"), "x");
                            }
                            match reqwest::Url::parse(&probe) {
                                Ok(u) if matches!(u.scheme(), "http" | "https") => Ok(()),
                                _ => Err("not an http:// or https:// URL".into()),
                            }
                        });
                        if let Err(m) = checked {
                            return Err(self.at(w.span(), format!("notify: key `webhook`: {m}")));
                        }
                        Some(w.into_inner().trim().to_string())
                    }
                    None => None,
                };
                let timeout = match &n.timeout {
                    Some(d) => self.bounded("timeout", d, NOTIFY_TIMEOUT_BOUNDS)?,
                    None => DEFAULT_NOTIFY_TIMEOUT,
                };
                Notify {
                    command,
                    webhook,
                    webhook_format: n.webhook_format,
                    timeout,
                }
            }
        })
    }
}

impl Config {
    /// Parses config text; `path` is only used to locate errors.
    pub fn parse(text: &str, path: &Path) -> Result<Config, ConfigError> {
        let cx = Ctx {
            text,
            path,
            lines: LineIndex::new(text),
        };
        let raw: RawConfig = toml::from_str(text)
            .map_err(|e| cx.at(e.span().unwrap_or(0..0), e.message().to_string()))?;
        let defaults = cx.polling(&raw)?;
        let effort_margin = cx.effort(&raw)?;
        let metrics_listen = cx.metrics(&raw)?;
        let export_formats = cx.exports(raw.export_formats)?;
        let accounts = cx.accounts(raw.accounts, &defaults)?;
        let alerts = raw
            .alerts
            .into_iter()
            .map(|rule| cx.alert(rule, &accounts))
            .collect::<Result<Vec<_>, _>>()?;
        let notify = cx.notify(raw.notify)?;
        let user = cx.user(raw.user)?;
        let database_url = match raw.database_url {
            Some(url) => Some(
                crate::store::DatabaseUrl::parse(url.get_ref())
                    .map_err(|why| cx.at(url.span(), format!("database_url {why}")))?,
            ),
            None => None,
        };
        Ok(Config {
            path: path.to_path_buf(),
            poll_interval: defaults.poll_interval,
            request_timeout: defaults.request_timeout,
            effort_margin,
            export_formats,
            metrics_listen,
            followers_scan: defaults.followers_scan,
            followers_list_max: defaults.followers_list_max,
            theme: raw.theme.unwrap_or_default(),
            user,
            database_url,
            accounts,
            alerts,
            notify,
        })
    }

    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| {
            if source.kind() == std::io::ErrorKind::NotFound {
                ConfigError::Missing {
                    path: path.to_path_buf(),
                }
            } else {
                ConfigError::Read {
                    path: path.to_path_buf(),
                    source,
                }
            }
        })?;
        Config::parse(&text, path)
    }

    /// Loads the config at `path`. Only at the default path
    /// ([`default_config_path`]) is a missing file replaced by the starter
    /// config; anywhere else (a `--config` typo) it is an error naming the path.
    /// Returns the config and whether the starter was written.
    pub fn load_or_init(path: &Path) -> Result<(Config, bool), ConfigError> {
        let mut created = false;
        if !path.exists() && path == default_config_path() {
            match write_starter(path, false) {
                Ok(()) => created = true,
                // another socialtop wrote it first
                Err(ConfigError::Exists { .. }) => {}
                Err(e) => return Err(e),
            }
        }
        Ok((Config::load(path)?, created))
    }

    pub fn account(&self, id: &str) -> Option<&Account> {
        self.accounts.iter().find(|a| a.id == id)
    }
}

/// Writes the starter config at `path` (creating its directory); an existing
/// file is an error unless `force`.
pub fn write_starter(path: &Path, force: bool) -> Result<(), ConfigError> {
    let write_err = |source| ConfigError::Write {
        path: path.to_path_buf(),
        source,
    };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(write_err)?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true);
    if force {
        options.create(true).truncate(true);
    } else {
        options.create_new(true);
    }
    let mut file = options.open(path).map_err(|source| {
        if source.kind() == std::io::ErrorKind::AlreadyExists {
            ConfigError::Exists {
                path: path.to_path_buf(),
            }
        } else {
            write_err(source)
        }
    })?;
    std::io::Write::write_all(&mut file, STARTER_CONFIG.as_bytes()).map_err(write_err)
}

/// Where each line of a text starts, to turn byte offsets into line and
/// column in O(log lines) (validation locates one error per account).
struct LineIndex<'a> {
    text: &'a str,
    starts: Vec<usize>,
}

impl<'a> LineIndex<'a> {
    fn new(text: &'a str) -> LineIndex<'a> {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex { text, starts }
    }

    /// 1-based line and column (in bytes) of a byte offset.
    fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let line = self.starts.partition_point(|&s| s <= offset);
        let start = self.starts.get(line.wrapping_sub(1)).copied().unwrap_or(0);
        (line.max(1), offset - start + 1)
    }
}

/// Default paths from the platform's conventions (XDG on Linux).
pub fn default_dirs() -> Option<directories::ProjectDirs> {
    directories::ProjectDirs::from("", "", "socialtop")
}

pub fn default_config_path() -> PathBuf {
    default_dirs().map_or_else(
        || PathBuf::from("socialtop.toml"),
        |d| d.config_dir().join("config.toml"),
    )
}

pub fn default_data_dir() -> PathBuf {
    default_dirs().map_or_else(
        || PathBuf::from("socialtop-data"),
        |d| d.data_dir().to_path_buf(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config, ConfigError> {
        Config::parse(text, Path::new("/tmp/c.toml"))
    }

    #[test]
    fn full_account_parses_with_defaults() {
        let c = parse(
            r#"
poll_interval = "5m"
[[accounts]]
platform = "mastodon"
handle = "@alice@example.social"
[[accounts]]
platform = "github"
handle = "rust-lang/rust"
label = "Rust"
interval = "1h30m"
base_url = "http://127.0.0.1:9/"
"#,
        )
        .unwrap();
        assert_eq!(c.poll_interval, Duration::from_secs(300));
        assert_eq!(c.request_timeout, Duration::from_secs(20));
        assert_eq!(c.accounts[0].id, "mastodon:alice@example.social");
        assert_eq!(c.accounts[0].interval, Duration::from_secs(300));
        assert_eq!(c.accounts[1].interval, Duration::from_secs(5400));
        assert_eq!(c.accounts[1].metric(), "stars");
        assert_eq!(c.accounts[1].display_name(), "Rust");
        assert_eq!(
            c.accounts[1].base_url.as_deref(),
            Some("http://127.0.0.1:9")
        );
    }

    #[test]
    fn unknown_key_names_file_line_and_key() {
        let err = parse("[[accounts]]\nplatform = \"github\"\nhandle = \"x\"\nfolowers = 3\n")
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("/tmp/c.toml:4:"), "{err}");
        assert!(err.contains("folowers"), "{err}");
    }

    #[test]
    fn bad_duration_names_line() {
        let err = parse("poll_interval = \"soon\"\n").unwrap_err().to_string();
        assert!(err.starts_with("/tmp/c.toml:1:"), "{err}");
        assert!(err.contains("invalid duration `soon`"), "{err}");
        let err = parse("\n\nrequest_timeout = \"-5s\"\n")
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("/tmp/c.toml:3:"), "{err}");
    }

    #[test]
    fn unknown_platform_is_rejected_with_choices() {
        let err = parse("[[accounts]]\nplatform = \"myspace\"\nhandle = \"tom\"\n")
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("/tmp/c.toml:2:"), "{err}");
        assert!(err.contains("myspace") && err.contains("mastodon"), "{err}");
    }

    #[test]
    fn duplicate_id_names_both_lines() {
        let err = parse(
            "[[accounts]]\nplatform = \"github\"\nhandle = \"a\"\n\n[[accounts]]\nplatform = \"github\"\nhandle = \"b\"\nid = \"github:a\"\n",
        )
        .unwrap_err()
        .to_string();
        assert!(err.starts_with("/tmp/c.toml:5:"), "{err}");
        assert!(err.contains("duplicate account id `github:a`"), "{err}");
        assert!(err.contains("line 1"), "{err}");
    }

    #[test]
    fn mastodon_handle_needs_instance() {
        let err = parse("[[accounts]]\nplatform = \"mastodon\"\nhandle = \"alice\"\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("user@instance"), "{err}");
    }

    #[test]
    fn durations_out_of_bounds_name_place_value_and_limit() {
        let err = parse("\npoll_interval = \"100000000h\"\n")
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("/tmp/c.toml:2:17:"), "{err}");
        assert!(err.contains("`100000000h`") && err.contains("30d"), "{err}");
        let err = parse("request_timeout = \"11m\"\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("`11m`") && err.contains("10m"), "{err}");
        let err =
            parse("[[accounts]]\nplatform = \"github\"\nhandle = \"a\"\ninterval = \"500ms\"\n")
                .unwrap_err()
                .to_string();
        assert!(err.starts_with("/tmp/c.toml:4:12:"), "{err}");
        assert!(
            err.contains("`500ms`") && err.contains("minimum, 1s"),
            "{err}"
        );
        let c = parse("poll_interval = \"30d\"\nrequest_timeout = \"10m\"\n").unwrap();
        assert_eq!(c.poll_interval, Duration::from_secs(30 * 86_400));
    }

    #[test]
    fn labels_handles_and_ids_lose_control_characters() {
        let c = parse(
            "[[accounts]]\nplatform = \"manual\"\nhandle = \"ne\\u001b[31mws\"\nlabel = \"Hi\\u001b]0;pwned\\u0007 there\\u202e\"\n",
        )
        .unwrap();
        assert_eq!(c.accounts[0].handle, "news");
        assert_eq!(c.accounts[0].id, "manual:news");
        assert_eq!(c.accounts[0].label.as_deref(), Some("Hi there"));
    }

    #[test]
    fn line_index_matches_a_rescan() {
        let text = "a\nbc\n\ndef\n";
        let lines = LineIndex::new(text);
        for offset in 0..=text.len() + 3 {
            let before = &text[..offset.min(text.len())];
            let line = before.matches('\n').count() + 1;
            let column = before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1;
            assert_eq!(lines.line_col(offset), (line, column), "offset {offset}");
        }
    }

    #[test]
    fn metrics_listen_is_loopback_unless_an_address_is_given() {
        assert_eq!(parse("").unwrap().metrics_listen, None);
        let c = parse("metrics_listen = \"9184\"\n").unwrap();
        assert_eq!(c.metrics_listen, Some("127.0.0.1:9184".parse().unwrap()));
        assert_eq!(
            parse_listen("localhost:9184").unwrap(),
            "127.0.0.1:9184".parse().unwrap()
        );
        assert_eq!(
            parse_listen("0.0.0.0:9184").unwrap(),
            "0.0.0.0:9184".parse().unwrap()
        );
        assert_eq!(
            parse_listen("[::1]:9184").unwrap(),
            "[::1]:9184".parse().unwrap()
        );
        for bad in ["", "nope", "99999", "example.com:9184", ":9184", "1.2.3.4"] {
            assert!(parse_listen(bad).is_err(), "{bad}");
        }
        let err = parse("\nmetrics_listen = \"nope\"\n")
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("/tmp/c.toml:2:18: key `metrics_listen`: invalid address `nope`"),
            "{err}"
        );
    }

    #[test]
    fn theme_is_auto_dark_or_light() {
        assert_eq!(parse("").unwrap().theme, ThemeChoice::Auto);
        assert_eq!(
            parse("theme = \"light\"\n").unwrap().theme,
            ThemeChoice::Light
        );
        let err = parse("theme = \"pink\"\n").unwrap_err().to_string();
        assert!(err.contains(":1:"), "{err}");
    }

    #[test]
    fn effort_margin_error_points_at_its_value() {
        let err = parse("\n\neffort_margin = 11.0\n").unwrap_err().to_string();
        assert!(err.starts_with("/tmp/c.toml:3:17:"), "{err}");
    }

    const ONE: &str = "[[accounts]]\nplatform = \"github\"\nhandle = \"alice\"\n";

    #[test]
    fn tracked_since_is_a_date_or_a_time_in_the_past() {
        let c = parse(&format!("{ONE}tracked_since = \"2026-01-05T09:00:00Z\"\n")).unwrap();
        assert_eq!(c.accounts[0].tracked_since, Some(1_767_603_600));
        // a TOML date and a date in a string: local midnight, within a day of UTC's
        for v in ["2026-01-05", "\"2026-01-05\""] {
            let c = parse(&format!("{ONE}tracked_since = {v}\n")).unwrap();
            let t = c.accounts[0].tracked_since.unwrap();
            assert!((t - 1_767_571_200).abs() <= 86_400, "{v}: {t}");
        }
        assert_eq!(parse(ONE).unwrap().accounts[0].tracked_since, None);
        let err = parse(&format!("{ONE}tracked_since = \"last spring\"\n"))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("key `tracked_since`: `last spring` is not a date"),
            "{err}"
        );
        let err = parse(&format!("{ONE}tracked_since = 2999-01-01\n"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("is in the future"), "{err}");
    }

    #[test]
    fn alert_rules_and_notify_parse_with_defaults() {
        let c = parse(&format!(
            "{ONE}\n[[alerts]]\nkind = \"milestone\"\naccounts = [\"github:*\"]\nat = [5000, 1000]\n\n[[alerts]]\nkind = \"drop\"\npercent = 2.0\n\n[[alerts]]\nkind = \"stale\"\nafter = \"2h\"\n\n[notify]\ncommand = \"notify-send socialtop \\\"$SOCIALTOP_MESSAGE\\\"\"\nwebhook = \"https://ntfy.example/${{TOPIC}}\"\nwebhook_format = \"slack\"\n"
        ))
        .unwrap();
        assert_eq!(c.alerts.len(), 3);
        assert_eq!(c.alerts[0].at, [1000, 5000]);
        assert!(c.alerts[0].watches("github:alice") && !c.alerts[0].watches("x:alice"));
        assert_eq!(c.alerts[0].line, 5);
        assert_eq!(c.alerts[1].accounts, ["*"]);
        assert_eq!(c.alerts[1].within, DEFAULT_DROP_WITHIN);
        assert_eq!(c.alerts[2].after, Duration::from_secs(7200));
        assert_eq!(c.notify.webhook_format, WebhookFormat::Slack);
        assert_eq!(c.notify.timeout, DEFAULT_NOTIFY_TIMEOUT);
        assert!(
            c.notify
                .command
                .as_deref()
                .unwrap()
                .contains("$SOCIALTOP_MESSAGE")
        );
        let none = parse(ONE).unwrap();
        assert!(none.alerts.is_empty() && none.notify.webhook.is_none());
    }

    #[test]
    fn bad_alert_rules_name_file_line_and_key() {
        let err = |extra: &str| parse(&format!("{ONE}{extra}")).unwrap_err().to_string();
        let e = err("[[alerts]]\nkind = \"jump\"\n");
        assert!(e.starts_with("/tmp/c.toml:5:") && e.contains("jump"), "{e}");
        let e = err("[[alerts]]\nkind = \"drop\"\n");
        assert!(
            e.starts_with("/tmp/c.toml:4:") && e.contains("`percent`"),
            "{e}"
        );
        let e = err("[[alerts]]\nkind = \"stale\"\npercent = 3.0\n");
        assert!(
            e.starts_with("/tmp/c.toml:6:") && e.contains("does not apply"),
            "{e}"
        );
        let e = err("[[alerts]]\nkind = \"drop\"\npercent = 300.0\n");
        assert!(
            e.starts_with("/tmp/c.toml:6:") && e.contains("at most 100"),
            "{e}"
        );
        let e = err("[[alerts]]\nkind = \"milestone\"\naccounts = [\"github:bob\"]\n");
        assert!(
            e.starts_with("/tmp/c.toml:6:") && e.contains("`github:bob` matches no account"),
            "{e}"
        );
        let e = err("[[alerts]]\nkind = \"stale\"\nafter = \"soon\"\n");
        assert!(e.starts_with("/tmp/c.toml:6:") && e.contains("soon"), "{e}");
        let e = err("[notify]\nwebhook_format = \"xml\"\n");
        assert!(e.starts_with("/tmp/c.toml:5:") && e.contains("xml"), "{e}");
        let e = err("[notify]\nwebhook = \"ftp://tok3n@host/x\"\n");
        assert!(e.starts_with("/tmp/c.toml:5:") && e.contains("http"), "{e}");
        assert!(!e.contains("tok3n"), "the URL is never repeated: {e}");
        let e = err("[notify]\nwebhook = \"https://h/${{A-B}}\"\n");
        assert!(e.contains("not an environment variable name"), "{e}");
    }

    #[test]
    fn globs_match_whole_ids() {
        assert!(glob_match("*", "github:alice"));
        assert!(glob_match("github:*", "github:alice"));
        assert!(glob_match("*:alice", "github:alice"));
        assert!(glob_match("g?thub:a*e", "github:alice"));
        assert!(!glob_match("github", "github:alice"));
        assert!(!glob_match("*:bob", "github:alice"));
        assert!(glob_match("a*b*c", "aXXbYYbc"));
    }

    #[test]
    fn starter_config_is_valid() {
        let c = parse(STARTER_CONFIG).unwrap();
        assert!(c.accounts.len() >= 3);
    }

    #[test]
    fn example_config_is_valid() {
        let c = parse(EXAMPLE_CONFIG).unwrap();
        assert!(!c.accounts.is_empty());
    }
}
