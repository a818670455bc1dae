//! Plain types every layer shares: accounts, platform kinds, counts, samples,
//! time entries, and the two seams the rest of the code reads the world
//! through (a [`Clock`] and a [`Secrets`] source). No I/O, no SQL, no UI.

use std::fmt;
use std::time::Duration;

use jiff::Timestamp;
use serde::Deserialize;

/// Which platform an account is on. The config's `platform` key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PlatformKind {
    Mastodon,
    Bluesky,
    Github,
    Youtube,
    X,
    Twitch,
    Reddit,
    Misskey,
    Peertube,
    Lemmy,
    Hackernews,
    Discord,
    Telegram,
    Facebook,
    Instagram,
    Threads,
    Tiktok,
    Pinterest,
    Linkedin,
    Patreon,
    Buttondown,
    Kit,
    Beehiiv,
    Ghost,
    Mailchimp,
    Json,
    Manual,
}

impl PlatformKind {
    pub const ALL: &[PlatformKind] = &[
        PlatformKind::Mastodon,
        PlatformKind::Bluesky,
        PlatformKind::Github,
        PlatformKind::Youtube,
        PlatformKind::X,
        PlatformKind::Twitch,
        PlatformKind::Reddit,
        PlatformKind::Misskey,
        PlatformKind::Peertube,
        PlatformKind::Lemmy,
        PlatformKind::Hackernews,
        PlatformKind::Discord,
        PlatformKind::Telegram,
        PlatformKind::Facebook,
        PlatformKind::Instagram,
        PlatformKind::Threads,
        PlatformKind::Tiktok,
        PlatformKind::Pinterest,
        PlatformKind::Linkedin,
        PlatformKind::Patreon,
        PlatformKind::Buttondown,
        PlatformKind::Kit,
        PlatformKind::Beehiiv,
        PlatformKind::Ghost,
        PlatformKind::Mailchimp,
        PlatformKind::Json,
        PlatformKind::Manual,
    ];

    pub fn name(self) -> &'static str {
        match self {
            PlatformKind::Mastodon => "mastodon",
            PlatformKind::Bluesky => "bluesky",
            PlatformKind::Github => "github",
            PlatformKind::Youtube => "youtube",
            PlatformKind::X => "x",
            PlatformKind::Twitch => "twitch",
            PlatformKind::Reddit => "reddit",
            PlatformKind::Misskey => "misskey",
            PlatformKind::Peertube => "peertube",
            PlatformKind::Lemmy => "lemmy",
            PlatformKind::Hackernews => "hackernews",
            PlatformKind::Discord => "discord",
            PlatformKind::Telegram => "telegram",
            PlatformKind::Facebook => "facebook",
            PlatformKind::Instagram => "instagram",
            PlatformKind::Threads => "threads",
            PlatformKind::Tiktok => "tiktok",
            PlatformKind::Pinterest => "pinterest",
            PlatformKind::Linkedin => "linkedin",
            PlatformKind::Patreon => "patreon",
            PlatformKind::Buttondown => "buttondown",
            PlatformKind::Kit => "kit",
            PlatformKind::Beehiiv => "beehiiv",
            PlatformKind::Ghost => "ghost",
            PlatformKind::Mailchimp => "mailchimp",
            PlatformKind::Json => "json",
            PlatformKind::Manual => "manual",
        }
    }
}

impl fmt::Display for PlatformKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A platform's colour in the dashboard, named so that a theme can map it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hue {
    Magenta,
    Blue,
    Cyan,
    Red,
    Green,
    Yellow,
    /// The terminal's own text colour (platforms whose brand is black or white).
    Plain,
}

/// The default poll interval when the config sets none.
pub const DEFAULT_INTERVAL: Duration = Duration::from_secs(15 * 60);

/// How often a follower list is read when the config does not say.
pub const DEFAULT_FOLLOWERS_SCAN: Duration = Duration::from_secs(86_400);
/// The longest follower list read when the config does not say.
pub const DEFAULT_FOLLOWERS_LIST_MAX: i64 = 20_000;

/// One configured account, validated.
#[derive(Debug, Clone, PartialEq)]
pub struct Account {
    /// Stable identifier, `<platform>:<handle>` unless set.
    pub id: String,
    pub platform: PlatformKind,
    /// The handle as the user wrote it, without a leading `@`.
    pub handle: String,
    pub label: Option<String>,
    /// Replaces the platform's API root when set.
    pub base_url: Option<String>,
    pub interval: Duration,
    /// Name of an environment variable holding a token.
    pub token_env: Option<String>,
    pub time_tags: Vec<String>,
    pub domains: Option<Vec<String>>,
    /// `platform = "json"`: the endpoint, an RFC 6901 pointer to the count, and
    /// headers whose values may name environment variables as `${NAME}`.
    pub url: Option<String>,
    pub pointer: Option<String>,
    pub headers: Vec<(String, String)>,
    /// What the main count measures ("followers", "stars", ...): the config's
    /// `metric` for `json` and `manual` accounts, else what the platform says.
    pub metric: String,
    /// The effort model's tracked span starts here (epoch seconds): from then
    /// on, a week without time spent counts as zero minutes.
    pub tracked_since: Option<i64>,
    /// Whether the follower list is read (`followers_list`, default true),
    /// how often (`followers_scan`) and up to how long a list
    /// (`followers_list_max`), where the platform publishes it.
    pub followers_list: bool,
    pub followers_scan: Duration,
    pub followers_list_max: i64,
}

impl Account {
    /// An account with every optional key at its default (a 15-minute interval,
    /// counting followers).
    pub fn new(platform: PlatformKind, handle: &str) -> Account {
        Account {
            id: format!("{}:{handle}", platform.name()),
            platform,
            handle: handle.to_string(),
            label: None,
            base_url: None,
            interval: DEFAULT_INTERVAL,
            token_env: None,
            time_tags: Vec::new(),
            domains: None,
            url: None,
            pointer: None,
            headers: Vec::new(),
            metric: "followers".to_string(),
            tracked_since: None,
            followers_list: true,
            followers_scan: DEFAULT_FOLLOWERS_SCAN,
            followers_list_max: DEFAULT_FOLLOWERS_LIST_MAX,
        }
    }

    /// The name shown to people: the label where set, else the handle.
    pub fn display_name(&self) -> &str {
        self.label.as_deref().unwrap_or(&self.handle)
    }

    /// What the main count measures ("followers", "stars", ...).
    pub fn metric(&self) -> &str {
        &self.metric
    }
}

/// What one good poll reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    pub followers: i64,
    pub following: Option<i64>,
    pub posts: Option<i64>,
}

/// One person on a follower list: the platform's id for them (stable across
/// renames), their handle, display name (cleaned where it entered) and
/// their own follower count when the list gives it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Person {
    pub id: String,
    pub handle: String,
    pub name: Option<String>,
    pub followers: Option<i64>,
}

/// A change in who follows an account, as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeopleEvent {
    pub id: i64,
    pub account: String,
    pub at_ms: i64,
    /// `followed` or `left`.
    pub kind: String,
    pub who: Person,
    /// Why they left, where the platform said: `moved`, `suspended`,
    /// `deleted`, `deactivated`.
    pub reason: Option<String>,
}

/// One good reading of an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sample {
    /// Milliseconds since the Unix epoch (UTC).
    pub at_ms: i64,
    pub followers: i64,
    pub following: Option<i64>,
    pub posts: Option<i64>,
}

/// Where a sample came from. Kept with every sample (`samples.source`, a
/// small integer: the code below), shown by `export --history` and read back
/// by `import history`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub enum SampleSource {
    /// Read from the platform by a poll.
    #[default]
    Polled,
    /// The platform's own record of past counts (Misskey's follower chart,
    /// Mailchimp's growth history): exact.
    Backfilled,
    /// Rebuilt from the dates of current followers (GitHub's star dates,
    /// Twitch's follow dates, newsletter sign-ups): a lower bound, as those
    /// who left are gone from the list.
    Reconstructed,
    /// Read from a file (`import history`).
    Imported,
    /// Entered by hand (`record`).
    Manual,
}

impl SampleSource {
    pub const ALL: [SampleSource; 5] = [
        SampleSource::Polled,
        SampleSource::Backfilled,
        SampleSource::Reconstructed,
        SampleSource::Imported,
        SampleSource::Manual,
    ];

    /// The name exports write and imports read.
    pub fn name(self) -> &'static str {
        match self {
            SampleSource::Polled => "polled",
            SampleSource::Backfilled => "backfilled",
            SampleSource::Reconstructed => "reconstructed",
            SampleSource::Imported => "imported",
            SampleSource::Manual => "manual",
        }
    }

    /// The code kept in the database (0 costs no bytes in a SQLite record).
    pub fn code(self) -> i64 {
        match self {
            SampleSource::Polled => 0,
            SampleSource::Backfilled => 1,
            SampleSource::Reconstructed => 2,
            SampleSource::Imported => 3,
            SampleSource::Manual => 4,
        }
    }

    /// The source of a database code; an unknown code reads as imported.
    pub fn from_code(code: i64) -> SampleSource {
        SampleSource::ALL
            .into_iter()
            .find(|s| s.code() == code)
            .unwrap_or(SampleSource::Imported)
    }

    /// The source a name (as exports write it) stands for.
    pub fn parse(name: &str) -> Option<SampleSource> {
        let name = name.trim();
        SampleSource::ALL
            .into_iter()
            .find(|s| s.name().eq_ignore_ascii_case(name))
    }

    /// Read from the past rather than polled or entered: what the effort
    /// verdict reports it rests on.
    pub fn is_from_past(self) -> bool {
        matches!(self, SampleSource::Backfilled | SampleSource::Reconstructed)
    }
}

impl fmt::Display for SampleSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One stretch of time spent on an account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimeEntry {
    pub start: i64,
    pub seconds: i64,
    /// `log`, `timer`, `timewarrior`, `activitywatch`.
    pub source: String,
    pub note: Option<String>,
    /// Stable id of an imported entry, so importing twice adds nothing.
    pub external_id: Option<String>,
}

/// Scheduling state of one account.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AccountState {
    /// Milliseconds since the epoch of the last poll attempt.
    pub checked_at_ms: Option<i64>,
    pub failures: u32,
    pub error: Option<String>,
    /// Milliseconds since the epoch of the last failure.
    pub error_at_ms: Option<i64>,
}

impl Sample {
    /// The sample's time.
    pub fn time(&self) -> Timestamp {
        Timestamp::from_millisecond(self.at_ms).unwrap_or(Timestamp::UNIX_EPOCH)
    }

    /// The sample's time in whole seconds since the epoch.
    pub fn at_secs(&self) -> i64 {
        self.at_ms.div_euclid(1000)
    }
}

/// A snapshot's file format: what `export --format` parses, the config's
/// `export_formats` lists and the exporters write. The one list of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportFormat {
    Json,
    Csv,
    Md,
    Svg,
}

impl ExportFormat {
    pub const ALL: [ExportFormat; 4] = [
        ExportFormat::Json,
        ExportFormat::Csv,
        ExportFormat::Md,
        ExportFormat::Svg,
    ];

    /// The name, which is also the file extension.
    pub fn ext(self) -> &'static str {
        match self {
            ExportFormat::Json => "json",
            ExportFormat::Csv => "csv",
            ExportFormat::Md => "md",
            ExportFormat::Svg => "svg",
        }
    }

    pub fn from_name(name: &str) -> Option<ExportFormat> {
        ExportFormat::ALL.into_iter().find(|f| f.ext() == name)
    }

    /// "json, csv, md, svg"
    pub fn names() -> String {
        ExportFormat::ALL.map(ExportFormat::ext).join(", ")
    }
}

/// Where the current time comes from: the system clock in the binary, a fixed
/// one in tests.
pub trait Clock: Send + Sync {
    fn now(&self) -> Timestamp;
}

/// The real clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        Timestamp::now()
    }
}

#[cfg(any(test, feature = "test-util"))]
/// A clock that says what it is told (tests, demo data, benchmarks).
#[derive(Debug)]
pub struct FixedClock(std::sync::Mutex<Timestamp>);

#[cfg(any(test, feature = "test-util"))]
impl FixedClock {
    pub fn new(at: Timestamp) -> FixedClock {
        FixedClock(std::sync::Mutex::new(at))
    }

    pub fn set(&self, at: Timestamp) {
        *self.0.lock().unwrap_or_else(|p| p.into_inner()) = at;
    }

    /// Moves the clock forward by `d`.
    pub fn advance(&self, d: Duration) {
        let mut t = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if let Ok(d) = jiff::SignedDuration::try_from(d)
            && let Ok(next) = t.checked_add(d)
        {
            *t = next;
        }
    }
}

#[cfg(any(test, feature = "test-util"))]
impl Clock for FixedClock {
    fn now(&self) -> Timestamp {
        *self.0.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Where secrets come from: the process environment in the binary, a map in
/// tests. An empty value counts as unset.
pub trait Secrets: Send + Sync {
    fn get(&self, var: &str) -> Option<String>;
}

/// The process environment.
#[derive(Debug, Clone, Copy, Default)]
pub struct EnvSecrets;

impl Secrets for EnvSecrets {
    fn get(&self, var: &str) -> Option<String> {
        std::env::var(var).ok().filter(|v| !v.is_empty())
    }
}

#[cfg(any(test, feature = "test-util"))]
/// A fixed set of secrets (tests).
#[derive(Debug, Clone, Default)]
pub struct MapSecrets(pub std::collections::HashMap<String, String>);

#[cfg(any(test, feature = "test-util"))]
impl MapSecrets {
    pub fn new<const N: usize>(pairs: [(&str, &str); N]) -> MapSecrets {
        MapSecrets(
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        )
    }
}

#[cfg(any(test, feature = "test-util"))]
impl Secrets for MapSecrets {
    fn get(&self, var: &str) -> Option<String> {
        self.0.get(var).filter(|v| !v.is_empty()).cloned()
    }
}
