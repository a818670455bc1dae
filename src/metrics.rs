//! Prometheus metrics, served from what the history already holds: a scrape
//! reads the store and never calls a platform.
//!
//! - [`families`] reads the store into metric families; [`render`] writes
//!   them in the Prometheus text format (0.0.4) or OpenMetrics 1.0. Both are
//!   written by hand: label values are escaped (backslash, double quote, line
//!   feed), no sample has a timestamp, every family has HELP and TYPE.
//! - [`Exporter`] is what a scrape calls; [`start`] serves it over HTTP
//!   (`GET /metrics`, OpenMetrics when the `Accept` header prefers it);
//!   [`write_textfile`] writes it atomically for node_exporter's textfile
//!   collector.
//!
//! More families: add them in [`account_families`] from a store method.

use std::fmt::Write as _;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use jiff::tz::TimeZone;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::config::Config;
use crate::store::{self, SharedStore, Store};

/// A Prometheus metric type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Gauge,
    Counter,
}

/// One series of a family: its labels (names in order) and its value.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub labels: Vec<(&'static str, String)>,
    pub value: f64,
}

/// A metric family. A counter's `name` is without `_total`: the text format
/// and OpenMetrics add it where each wants it.
#[derive(Debug, Clone, PartialEq)]
pub struct Family {
    pub name: &'static str,
    pub help: &'static str,
    pub kind: Kind,
    pub series: Vec<Series>,
}

impl Family {
    pub fn gauge(name: &'static str, help: &'static str) -> Family {
        Family {
            name,
            help,
            kind: Kind::Gauge,
            series: Vec::new(),
        }
    }

    /// A counter; `name` without `_total` (`socialtop_alerts` for `socialtop_alerts_total`).
    pub fn counter(name: &'static str, help: &'static str) -> Family {
        Family {
            name,
            help,
            kind: Kind::Counter,
            series: Vec::new(),
        }
    }

    pub fn push(&mut self, labels: Vec<(&'static str, String)>, value: f64) {
        self.series.push(Series { labels, value });
    }
}

/// The two exposition formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// The Prometheus text format 0.0.4 (also what node_exporter's textfile collector reads).
    Text,
    /// OpenMetrics 1.0 text, ending in `# EOF`.
    OpenMetrics,
}

impl Format {
    pub fn content_type(self) -> &'static str {
        match self {
            Format::Text => "text/plain; version=0.0.4; charset=utf-8",
            Format::OpenMetrics => "application/openmetrics-text; version=1.0.0; charset=utf-8",
        }
    }

    /// The format an `Accept` header prefers: OpenMetrics when it is asked
    /// for with a quality at least that of plain text, else the text format.
    pub fn negotiate(accept: Option<&str>) -> Format {
        let Some(accept) = accept else {
            return Format::Text;
        };
        let (mut om, mut text) = (0.0f64, 0.0f64);
        for range in accept.split(',') {
            let mut parts = range.split(';');
            let media = parts.next().unwrap_or("").trim().to_ascii_lowercase();
            let q = parts
                .filter_map(|p| p.trim().strip_prefix("q="))
                .find_map(|q| q.trim().parse::<f64>().ok())
                .unwrap_or(1.0);
            match media.as_str() {
                "application/openmetrics-text" => om = om.max(q),
                "text/plain" | "text/*" | "*/*" => text = text.max(q),
                _ => {}
            }
        }
        if om > 0.0 && om >= text {
            Format::OpenMetrics
        } else {
            Format::Text
        }
    }
}

const FOLLOWERS_HELP: &str = "The account's count in its latest good sample: followers, or what the platform counts instead (label metric: stars, subscribers, members...).";
const FOLLOWING_HELP: &str =
    "How many accounts the account follows, in its latest good sample (where the platform says).";
const POSTS_HELP: &str =
    "How many posts the account has, in its latest good sample (where the platform says).";
const LAST_SUCCESS_HELP: &str = "Unix time of the account's latest good sample.";
const UP_HELP: &str =
    "1 when the account's last poll succeeded; 0 when it failed or the account was never polled.";
const FAILURES_HELP: &str = "Polls of the account that failed.";
const ALERTS_HELP: &str = "Alerts fired (milestone, drop, stale, follower), each once per event.";
const GAINED_HELP: &str = "People who followed the account, as follower-list scans saw them.";
const LOST_HELP: &str =
    "People who stopped following the account, as follower-list scans saw them.";
const TIME_HELP: &str =
    "Time spent on the account: logged, timed and imported entries (a running timer not included).";
const ELASTICITY_HELP: &str = "Effort model: the elasticity of weekly time spent with respect to audience size, over all accounts (socialtop effort).";
const CI_LOW_HELP: &str =
    "Effort model: lower bound of the 95% confidence interval of the elasticity.";
const CI_HIGH_HELP: &str =
    "Effort model: upper bound of the 95% confidence interval of the elasticity.";

#[cfg(any(test, feature = "test-util"))]
/// Every family socialtop exports, read from the store for the configured
/// accounts (config order). An account without a good sample is absent from
/// the value gauges and `socialtop_last_success_timestamp_seconds`, and
/// present (0) in `socialtop_up` and the counters. The effort gauges are
/// absent while the model has no estimate.
pub fn families(store: &Store, config: &Config, tz: &TimeZone) -> store::Result<Vec<Family>> {
    let mut families = account_families(store, config)?;
    families.extend(effort_families(Estimate::of(store, config, tz)?));
    Ok(families)
}

/// The effort model's estimate, as its gauges show it.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Estimate {
    pub elasticity: Option<f64>,
    pub ci95: Option<[f64; 2]>,
}

impl Estimate {
    /// Fits the effort model over the whole history (as `socialtop effort`).
    pub fn of(store: &Store, config: &Config, tz: &TimeZone) -> store::Result<Estimate> {
        let e = crate::tracking::effort(store, config, tz, None)?;
        Ok(Estimate {
            elasticity: e.elasticity,
            ci95: e.ci95,
        })
    }
}

/// The per-account families, in the order [`families`] gives them.
pub fn account_families(store: &Store, config: &Config) -> store::Result<Vec<Family>> {
    let totals = store.account_totals()?;
    let mut followers = Family::gauge("socialtop_followers", FOLLOWERS_HELP);
    let mut following = Family::gauge("socialtop_following", FOLLOWING_HELP);
    let mut posts = Family::gauge("socialtop_posts", POSTS_HELP);
    let mut last_success = Family::gauge(
        "socialtop_last_success_timestamp_seconds",
        LAST_SUCCESS_HELP,
    );
    let mut up = Family::gauge("socialtop_up", UP_HELP);
    let mut failures = Family::counter("socialtop_poll_failures", FAILURES_HELP);
    let mut spent = Family::counter("socialtop_time_spent_seconds", TIME_HELP);
    // every account whose list is read, 0 until a change is seen
    let people = store.people_totals()?;
    let mut gained = Family::counter("socialtop_followers_gained", GAINED_HELP);
    let mut lost = Family::counter("socialtop_followers_lost", LOST_HELP);
    for a in &config.accounts {
        let (g, l) = people.get(&a.id).copied().unwrap_or_default();
        if !crate::followers::scanned(a) && g == 0 && l == 0 {
            continue;
        }
        let labels = || {
            vec![
                ("account", crate::text::clean(&a.id)),
                ("platform", a.platform.name().to_string()),
            ]
        };
        gained.push(labels(), g as f64);
        lost.push(labels(), l as f64);
    }
    for a in &config.accounts {
        let t = totals.get(&a.id).copied().unwrap_or_default();
        let account = crate::text::clean(&a.id);
        let platform = a.platform.name().to_string();
        let short = || vec![("account", account.clone()), ("platform", platform.clone())];
        let long = || {
            vec![
                ("account", account.clone()),
                ("platform", platform.clone()),
                ("metric", crate::text::clean(a.metric())),
            ]
        };
        if let Some(s) = t.latest {
            followers.push(long(), s.followers as f64);
            if let Some(v) = s.following {
                following.push(long(), v as f64);
            }
            if let Some(v) = s.posts {
                posts.push(long(), v as f64);
            }
            last_success.push(short(), s.at_ms as f64 / 1000.0);
        }
        let is_up = t
            .latest
            .is_some_and(|s| t.error_at_ms.is_none_or(|e| e < s.at_ms));
        up.push(short(), if is_up { 1.0 } else { 0.0 });
        failures.push(short(), t.failures as f64);
        spent.push(short(), t.seconds_spent as f64);
    }
    Ok(vec![
        followers,
        following,
        posts,
        last_success,
        up,
        failures,
        spent,
        alert_family(store)?,
        gained,
        lost,
    ])
}

/// `socialtop_alerts_total{kind}`: alerts fired, by kind (every kind, 0 until one fires).
fn alert_family(store: &Store) -> store::Result<Family> {
    let counts = store.alert_counts()?;
    let mut alerts = Family::counter("socialtop_alerts", ALERTS_HELP);
    for kind in crate::config::AlertKind::ALL {
        let n = counts
            .iter()
            .find(|(k, _)| k == kind.name())
            .map_or(0, |(_, n)| *n);
        alerts.push(vec![("kind", kind.name().to_string())], n as f64);
    }
    Ok(alerts)
}

/// The effort gauges; without series while there is no estimate.
pub fn effort_families(estimate: Estimate) -> Vec<Family> {
    let mut elasticity = Family::gauge("socialtop_effort_elasticity", ELASTICITY_HELP);
    let mut low = Family::gauge("socialtop_effort_ci95_low", CI_LOW_HELP);
    let mut high = Family::gauge("socialtop_effort_ci95_high", CI_HIGH_HELP);
    if let Some(b) = estimate.elasticity.filter(|b| b.is_finite()) {
        elasticity.push(Vec::new(), b);
    }
    if let Some([lo, hi]) = estimate
        .ci95
        .filter(|[lo, hi]| lo.is_finite() && hi.is_finite())
    {
        low.push(Vec::new(), lo);
        high.push(Vec::new(), hi);
    }
    vec![elasticity, low, high]
}

/// The exposition of `families` in `format`.
pub fn render(families: &[Family], format: Format) -> String {
    let lines: usize = families.iter().map(|f| f.series.len() + 2).sum();
    let mut out = String::with_capacity(lines * 96 + 16);
    for f in families {
        let (kind, sample_suffix) = match f.kind {
            Kind::Gauge => ("gauge", ""),
            Kind::Counter => ("counter", "_total"),
        };
        // the text format names a counter's family `x_total`; OpenMetrics `x`
        let family_suffix = match format {
            Format::Text => sample_suffix,
            Format::OpenMetrics => "",
        };
        out.push_str("# HELP ");
        out.push_str(f.name);
        out.push_str(family_suffix);
        out.push(' ');
        escape_help(&mut out, f.help, format);
        out.push_str("\n# TYPE ");
        out.push_str(f.name);
        out.push_str(family_suffix);
        out.push(' ');
        out.push_str(kind);
        out.push('\n');
        for s in &f.series {
            out.push_str(f.name);
            out.push_str(sample_suffix);
            if !s.labels.is_empty() {
                out.push('{');
                for (i, (name, value)) in s.labels.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    out.push_str(name);
                    out.push_str("=\"");
                    escape_label(&mut out, value);
                    out.push('"');
                }
                out.push('}');
            }
            out.push(' ');
            push_value(&mut out, s.value);
            out.push('\n');
        }
    }
    if format == Format::OpenMetrics {
        out.push_str("# EOF\n");
    }
    out
}

/// A label value as both formats want it: `\` `"` and line feed escaped.
fn escape_label(out: &mut String, value: &str) {
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
}

/// HELP text: `\` and line feed escaped (and `"` in OpenMetrics).
fn escape_help(out: &mut String, text: &str, format: Format) {
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '"' if format == Format::OpenMetrics => out.push_str("\\\""),
            c => out.push(c),
        }
    }
}

/// Integers as integers, other numbers in Rust's shortest exact form
/// (`0.25`, `1.5e300`).
fn push_value(out: &mut String, v: f64) {
    if v.is_nan() {
        out.push_str("NaN");
    } else if v.is_infinite() {
        out.push_str(if v > 0.0 { "+Inf" } else { "-Inf" });
    } else if v.fract() == 0.0 && v.abs() <= 9_007_199_254_740_992.0 {
        out.push_str(itoa::Buffer::new().format(v as i64));
    } else {
        let _ = write!(out, "{v:?}");
    }
}

/// The least time between two refits of the effort model for scrapes.
pub const EFFORT_REFIT_EVERY: Duration = Duration::from_secs(60);

/// The effort estimate scrapes show, and when it was last refitted.
#[derive(Default)]
struct EffortCache {
    /// The estimate and the store generation it was fitted at.
    estimate: Option<(i64, Estimate)>,
    refit_at: Option<std::time::Instant>,
    refitting: bool,
}

/// What a scrape calls: the store and the config.
///
/// Fitting the effort model reads every week of every account (a quarter of
/// a second for 1,000 accounts with half a year of time entries), so a
/// scrape does not wait for it: the first scrape fits it, later ones show
/// the last fit and, when the history changed and the fit is older than
/// [`EFFORT_REFIT_EVERY`], start a refit on a thread of its own, on its own
/// connection. Every other figure is read at each scrape.
#[derive(Clone)]
pub struct Exporter {
    store: SharedStore,
    /// The config in use: shared by every clone, swapped by [`Exporter::set_config`].
    config: Arc<std::sync::RwLock<Arc<Config>>>,
    tz: TimeZone,
    effort: Arc<std::sync::Mutex<EffortCache>>,
    refit_every: Duration,
}

impl Exporter {
    /// An exporter on `store` (shared with whatever else uses it).
    pub fn new(store: SharedStore, config: Arc<Config>) -> Exporter {
        Exporter {
            store,
            config: Arc::new(std::sync::RwLock::new(config)),
            tz: crate::util::local_tz(),
            effort: Arc::default(),
            refit_every: EFFORT_REFIT_EVERY,
        }
    }

    /// An exporter on its own read-only connection to the history in
    /// `data_dir`, so a scrape neither waits for the poller nor holds it up.
    /// The accounts must have been registered (as opening the history does).
    pub fn open(history: &store::Location, config: Arc<Config>) -> store::Result<Exporter> {
        let mut s = history.open()?;
        s.set_query_only(true)?;
        Ok(Exporter::new(store::shared(s), config))
    }

    /// Refits the effort model at most this often (default [`EFFORT_REFIT_EVERY`]).
    #[cfg(test)]
    pub fn with_effort_refit_every(mut self, every: Duration) -> Exporter {
        self.refit_every = every;
        self
    }

    /// Scrapes show `config`'s accounts from now on (a reloaded config),
    /// with the effort model refitted for them.
    pub fn set_config(&self, config: Arc<Config>) {
        *self.config.write().unwrap_or_else(|p| p.into_inner()) = config;
        self.effort
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .estimate = None;
    }

    fn config(&self) -> Arc<Config> {
        Arc::clone(&self.config.read().unwrap_or_else(|p| p.into_inner()))
    }

    /// One scrape: read the store, then write the exposition.
    pub fn scrape(&self, format: Format) -> store::Result<String> {
        let config = self.config();
        let families = {
            let mut s = store::lock(&self.store);
            // accounts another connection registered since (a reloaded config)
            if config.accounts.iter().any(|a| !s.knows(&a.id)) {
                s.load_ids()?;
            }
            let mut families = account_families(&s, &config)?;
            families.extend(effort_families(self.estimate(&s, &config)?));
            families
        };
        Ok(render(&families, format))
    }
}

impl Exporter {
    /// The effort estimate for a scrape: fitted now the first time, else the
    /// last fit, refitted in the background when it is out of date.
    fn estimate(&self, s: &Store, config: &Arc<Config>) -> store::Result<Estimate> {
        let generation = s.generation()?;
        let mut cache = self.effort.lock().unwrap_or_else(|p| p.into_inner());
        let Some((fitted_at, estimate)) = cache.estimate else {
            let estimate = Estimate::of(s, config, &self.tz)?;
            cache.estimate = Some((generation, estimate));
            cache.refit_at = Some(std::time::Instant::now());
            return Ok(estimate);
        };
        let due = cache
            .refit_at
            .is_none_or(|t| t.elapsed() >= self.refit_every);
        if fitted_at != generation && due && !cache.refitting {
            cache.refitting = true;
            cache.refit_at = Some(std::time::Instant::now());
            let (db, config, tz) = (s.location(), Arc::clone(config), self.tz.clone());
            let shared = Arc::clone(&self.effort);
            let refit = move || {
                let fitted = db.open().and_then(|mut st| {
                    st.set_query_only(true)?;
                    Estimate::of(&st, &config, &tz)
                });
                let mut cache = shared.lock().unwrap_or_else(|p| p.into_inner());
                cache.refitting = false;
                match fitted {
                    Ok(e) => cache.estimate = Some((generation, e)),
                    Err(e) => tracing::warn!(error = %e, "metrics: cannot refit the effort model"),
                }
            };
            if let Err(e) = std::thread::Builder::new()
                .name("effort-refit".into())
                .spawn(refit)
            {
                tracing::warn!(error = %e, "metrics: cannot start the effort refit");
                cache.refitting = false;
            }
        }
        Ok(estimate)
    }
}

/// Writes `text` to `path` atomically (a temporary file in the same
/// directory, renamed over it), readable by all as node_exporter's textfile
/// collector, which may run as another user, needs.
pub fn write_textfile(path: &Path, text: &str) -> anyhow::Result<()> {
    use std::io::Write;
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let fail = || format!("cannot write metrics to {}", path.display());
    let mut tmp = tempfile::Builder::new()
        .prefix(".socialtop-metrics-")
        .suffix(".tmp")
        .tempfile_in(dir)
        .with_context(fail)?;
    tmp.write_all(text.as_bytes()).with_context(fail)?;
    tmp.as_file().sync_all().with_context(fail)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        tmp.as_file()
            .set_permissions(std::fs::Permissions::from_mode(0o644))
            .with_context(fail)?;
    }
    tmp.persist(path).map_err(|e| e.error).with_context(fail)?;
    Ok(())
}

/// Connections the kernel queues for the server to accept (capped by
/// `net.core.somaxconn`): a burst of connections waits there instead of
/// having its SYNs dropped, which would cost a scraper that comes with it a
/// second or more before it is even connected.
const BACKLOG: u32 = 1024;

/// Binds the metrics address, saying plainly why it cannot be had.
pub fn bind(addr: SocketAddr) -> anyhow::Result<std::net::TcpListener> {
    use std::io::ErrorKind;
    let why = |e: std::io::Error| {
        let why = match e.kind() {
            ErrorKind::AddrInUse => "the address is in use (another program, or another socialtop, listens there); choose another port".to_string(),
            ErrorKind::AddrNotAvailable => "no interface of this machine has that address".to_string(),
            ErrorKind::PermissionDenied => "permission denied (ports below 1024 need privileges)".to_string(),
            _ => e.to_string(),
        };
        anyhow::anyhow!("cannot serve metrics on {addr}: {why}")
    };
    // inside a runtime, a listen queue of BACKLOG; else std's (128)
    let listener = if tokio::runtime::Handle::try_current().is_ok() {
        let socket = match addr {
            SocketAddr::V4(_) => tokio::net::TcpSocket::new_v4(),
            SocketAddr::V6(_) => tokio::net::TcpSocket::new_v6(),
        }
        .map_err(why)?;
        #[cfg(unix)]
        socket.set_reuseaddr(true).map_err(why)?;
        socket.bind(addr).map_err(why)?;
        socket
            .listen(BACKLOG)
            .and_then(|l| l.into_std())
            .map_err(why)?
    } else {
        std::net::TcpListener::bind(addr).map_err(why)?
    };
    listener
        .set_nonblocking(true)
        .with_context(|| format!("cannot serve metrics on {addr}"))?;
    Ok(listener)
}

/// A running metrics server; dropping it stops it.
pub struct Server {
    pub addr: SocketAddr,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Server {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Connections served at once. A connection still sending its request head
/// is idle: when every slot is taken, the oldest idle one is closed to make
/// room for the new one; when none is idle (every slot is writing an answer,
/// each for at most [`WRITE_TIMEOUT`]), the new one is refused at once. So a
/// flood of idle connections cannot keep a scrape out, nor queue it.
const MAX_CONNECTIONS: usize = 256;
/// The most a request head may take, in bytes and in time.
const MAX_HEAD: usize = 16 * 1024;
const HEAD_TIMEOUT: Duration = Duration::from_secs(5);
/// The most the whole answer may take to write: a client that does not read
/// it is dropped then.
const WRITE_TIMEOUT: Duration = Duration::from_secs(10);

/// The connection slots: those reading their head (evictable, oldest first)
/// and those answering.
#[derive(Default)]
struct Slots {
    next: u64,
    idle: std::collections::BTreeMap<u64, tokio::sync::oneshot::Sender<()>>,
    busy: usize,
}

/// One connection's hold on a slot, given back when dropped.
struct Slot {
    slots: Arc<std::sync::Mutex<Slots>>,
    key: u64,
    busy: bool,
}

impl Slot {
    /// A slot for a new connection (closing the oldest idle connection when
    /// all are taken), and what says it was closed; `None` when every slot
    /// is answering.
    fn admit(
        slots: &Arc<std::sync::Mutex<Slots>>,
    ) -> Option<(Slot, tokio::sync::oneshot::Receiver<()>)> {
        let mut s = slots.lock().unwrap_or_else(|p| p.into_inner());
        if s.idle.len() + s.busy >= MAX_CONNECTIONS {
            let (_, oldest) = s.idle.pop_first()?;
            let _ = oldest.send(());
        }
        let key = s.next;
        s.next += 1;
        let (tx, rx) = tokio::sync::oneshot::channel();
        s.idle.insert(key, tx);
        let slot = Slot {
            slots: Arc::clone(slots),
            key,
            busy: false,
        };
        Some((slot, rx))
    }

    /// Marks the connection as answering (no longer evictable); false when it
    /// was closed to make room meanwhile.
    fn answering(&mut self) -> bool {
        let mut s = self.slots.lock().unwrap_or_else(|p| p.into_inner());
        if s.idle.remove(&self.key).is_none() {
            return false;
        }
        s.busy += 1;
        self.busy = true;
        true
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut s = self.slots.lock().unwrap_or_else(|p| p.into_inner());
        if self.busy {
            s.busy -= 1;
        } else {
            s.idle.remove(&self.key);
        }
    }
}

/// Why a scrape gave no body.
#[derive(Debug, Clone, Copy)]
enum ScrapeFailed {
    /// The history could not be read (the detail is logged).
    Store,
    /// The scrape panicked.
    Crashed,
}

type Scraping = futures_util::future::Shared<
    futures_util::future::BoxFuture<'static, Result<Arc<String>, ScrapeFailed>>,
>;

/// The exporter behind the server: scrapes run on the blocking pool, and
/// requests that arrive while one of the same format runs share its body
/// (so slow or many clients cost one scrape, and one copy of it, at a time).
struct Scraper {
    exporter: Arc<Exporter>,
    running: std::sync::Mutex<[Option<Scraping>; 2]>,
}

impl Scraper {
    fn scrape(&self, format: Format) -> Scraping {
        use futures_util::FutureExt;
        let i = match format {
            Format::Text => 0,
            Format::OpenMetrics => 1,
        };
        let mut running = self.running.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(s) = &running[i]
            && s.peek().is_none()
        {
            return s.clone();
        }
        let exporter = Arc::clone(&self.exporter);
        let job = tokio::task::spawn_blocking(move || exporter.scrape(format));
        let shared = async move {
            match job.await {
                Ok(Ok(body)) => Ok(Arc::new(body)),
                Ok(Err(e)) => {
                    // the detail (with its paths) goes to the log, not to scrapers
                    tracing::warn!(error = %e, "metrics scrape could not read the history");
                    Err(ScrapeFailed::Store)
                }
                Err(_) => Err(ScrapeFailed::Crashed),
            }
        }
        .boxed()
        .shared();
        // driven to its end even if every client leaves, so that a finished
        // scrape is never handed to a later request
        tokio::spawn(shared.clone());
        running[i] = Some(shared.clone());
        shared
    }
}

/// Serves `exporter` on `listener` (from [`bind`]) until the server is
/// dropped. Call inside the tokio runtime.
pub fn start(listener: std::net::TcpListener, exporter: Exporter) -> anyhow::Result<Server> {
    let addr = listener.local_addr()?;
    let listener = tokio::net::TcpListener::from_std(listener)
        .with_context(|| format!("cannot serve metrics on {addr}"))?;
    let scraper = Arc::new(Scraper {
        exporter: Arc::new(exporter),
        running: std::sync::Mutex::new([None, None]),
    });
    let slots = Arc::new(std::sync::Mutex::new(Slots::default()));
    let task = tokio::spawn(async move {
        loop {
            let stream = match listener.accept().await {
                Ok((stream, _)) => stream,
                Err(e) => {
                    // out of file descriptors and the like: wait, go on
                    tracing::warn!(error = %e, "metrics: cannot accept a connection");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            };
            let Some((slot, evicted)) = Slot::admit(&slots) else {
                // every slot is answering: say so at once rather than queue
                let _ = stream.try_write(
                    b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                );
                continue;
            };
            let scraper = Arc::clone(&scraper);
            tokio::spawn(async move {
                let _ = answer(stream, &scraper, slot, evicted).await;
            });
        }
    });
    Ok(Server { addr, task })
}

/// A request's method, path and `Accept` header.
#[derive(Debug, PartialEq)]
struct Request {
    method: String,
    path: String,
    accept: Option<String>,
}

fn parse_head(head: &str) -> Option<Request> {
    let mut lines = head.split("\r\n");
    let mut first = lines.next()?.split(' ');
    let method = first.next()?.to_string();
    let target = first.next()?;
    first.next().filter(|v| v.starts_with("HTTP/"))?;
    let path = target.split('?').next().unwrap_or(target).to_string();
    let accept = lines.find_map(|l| {
        let (name, value) = l.split_once(':')?;
        name.trim()
            .eq_ignore_ascii_case("accept")
            .then(|| value.trim().to_string())
    });
    Some(Request {
        method,
        path,
        accept,
    })
}

/// Reads a request head: `Some` with it when complete, `None` when the
/// client closed, failed or sent more than [`MAX_HEAD`] bytes.
async fn read_head(stream: &mut tokio::net::TcpStream) -> Option<Vec<u8>> {
    let mut head = Vec::with_capacity(1024);
    let mut buf = [0u8; 2048];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        if head.len() > MAX_HEAD {
            return None;
        }
        match stream.read(&mut buf).await {
            Ok(0) | Err(_) => return None,
            Ok(n) => head.extend_from_slice(&buf[..n]),
        }
    }
    Some(head)
}

async fn answer(
    mut stream: tokio::net::TcpStream,
    scraper: &Scraper,
    mut slot: Slot,
    evicted: tokio::sync::oneshot::Receiver<()>,
) -> std::io::Result<()> {
    let head = tokio::select! {
        head = tokio::time::timeout(HEAD_TIMEOUT, read_head(&mut stream)) => head,
        // closed to make room for a newer connection
        _ = evicted => return Ok(()),
    };
    let Ok(Some(head)) = head else {
        return Ok(());
    };
    if !slot.answering() {
        return Ok(());
    }
    let plain = |text: &str| Arc::new(text.to_string());
    let request = parse_head(&String::from_utf8_lossy(&head));
    let (status, content_type, body, head_only) = match request {
        None => (
            "400 Bad Request",
            "text/plain; charset=utf-8",
            plain("bad request\n"),
            false,
        ),
        Some(r) if r.path != "/metrics" => (
            "404 Not Found",
            "text/plain; charset=utf-8",
            plain("not found: socialtop serves /metrics\n"),
            r.method == "HEAD",
        ),
        Some(r) if r.method != "GET" && r.method != "HEAD" => (
            "405 Method Not Allowed",
            "text/plain; charset=utf-8",
            plain("only GET and HEAD\n"),
            false,
        ),
        Some(r) => {
            let format = Format::negotiate(r.accept.as_deref());
            match scraper.scrape(format).await {
                Ok(body) => ("200 OK", format.content_type(), body, r.method == "HEAD"),
                Err(ScrapeFailed::Store) => (
                    "503 Service Unavailable",
                    "text/plain; charset=utf-8",
                    plain("cannot read the history\n"),
                    r.method == "HEAD",
                ),
                Err(ScrapeFailed::Crashed) => (
                    "500 Internal Server Error",
                    "text/plain; charset=utf-8",
                    plain("the scrape failed\n"),
                    r.method == "HEAD",
                ),
            }
        }
    };
    let mut response = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n",
        body.len()
    );
    if status.starts_with("405") {
        response.push_str("Allow: GET, HEAD\r\n");
    }
    response.push_str("\r\n");
    // a client that does not read its answer holds the slot this long at most
    let write = async {
        stream.write_all(response.as_bytes()).await?;
        if !head_only {
            stream.write_all(body.as_bytes()).await?;
        }
        stream.shutdown().await
    };
    match tokio::time::timeout(WRITE_TIMEOUT, write).await {
        Ok(done) => done,
        Err(_) => Err(std::io::ErrorKind::TimedOut.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_headers_choose_the_format() {
        // what Prometheus 2.x sends
        let prom = "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";
        assert_eq!(Format::negotiate(Some(prom)), Format::OpenMetrics);
        assert_eq!(Format::negotiate(None), Format::Text);
        assert_eq!(Format::negotiate(Some("*/*")), Format::Text);
        assert_eq!(
            Format::negotiate(Some("application/openmetrics-text; q=0, text/plain")),
            Format::Text
        );
        assert_eq!(
            Format::negotiate(Some("text/plain;q=0.9, Application/OpenMetrics-Text")),
            Format::OpenMetrics
        );
    }

    #[test]
    fn label_values_are_escaped_and_counters_named_per_format() {
        let mut c = Family::counter("x_events", "Events with a \\ and\na \"quote\".");
        c.push(vec![("account", "a\\b\"c\nd".into())], 3.0);
        let mut g = Family::gauge("x_value", "A value.");
        g.push(Vec::new(), 0.25);
        g.push(vec![("k", "big".into())], 1.5e300);
        let fams = [c, g];
        assert_eq!(
            render(&fams, Format::Text),
            "# HELP x_events_total Events with a \\\\ and\\na \"quote\".\n\
             # TYPE x_events_total counter\n\
             x_events_total{account=\"a\\\\b\\\"c\\nd\"} 3\n\
             # HELP x_value A value.\n\
             # TYPE x_value gauge\n\
             x_value 0.25\n\
             x_value{k=\"big\"} 1.5e300\n"
        );
        let om = render(&fams, Format::OpenMetrics);
        assert!(om.starts_with(
            "# HELP x_events Events with a \\\\ and\\na \\\"quote\\\".\n# TYPE x_events counter\nx_events_total{"
        ), "{om}");
        assert!(om.ends_with("\n# EOF\n"), "{om}");
    }

    #[test]
    fn values_print_exactly() {
        let v = |x: f64| {
            let mut s = String::new();
            push_value(&mut s, x);
            s
        };
        assert_eq!(v(9_007_199_254_740_992.0), "9007199254740992");
        assert_eq!(v(-3.0), "-3");
        assert_eq!(v(1_700_000_000.123), "1700000000.123");
        assert_eq!(v(f64::NAN), "NaN");
        assert_eq!(v(f64::NEG_INFINITY), "-Inf");
    }

    fn config() -> Config {
        Config::parse(
            r#"
[[accounts]]
platform = "github"
handle = "alice"
[[accounts]]
platform = "github"
handle = "alice/tool"
id = "we\"ird\\id"
[[accounts]]
platform = "mastodon"
handle = "bob@example.social"
"#,
            Path::new("c.toml"),
        )
        .unwrap()
    }

    fn sample(at_ms: i64, followers: i64, posts: Option<i64>) -> crate::model::Sample {
        crate::model::Sample {
            at_ms,
            followers,
            following: None,
            posts,
        }
    }

    fn lines_of<'a>(text: &'a str, name: &str) -> Vec<&'a str> {
        text.lines()
            .filter(|l| l.starts_with(&format!("{name}{{")) || l.starts_with(&format!("{name} ")))
            .collect()
    }

    #[test]
    fn alerts_are_counted_by_kind_every_kind_present() {
        let dir = tempfile::tempdir().unwrap();
        let config = config();
        let mut st = Store::open_dir(dir.path()).unwrap();
        st.sync_accounts(&config.accounts).unwrap();
        st.insert_alert(&crate::store::NewAlert {
            key: "milestone:github:alice:1000".into(),
            account: "github:alice".into(),
            kind: "milestone".into(),
            at_ms: 1_700_000_000_000,
            value: Some(1_000),
            message: "github:alice passed 1,000 followers".into(),
        })
        .unwrap();
        let text = render(&account_families(&st, &config).unwrap(), Format::Text);
        assert_eq!(
            lines_of(&text, "socialtop_alerts_total"),
            [
                "socialtop_alerts_total{kind=\"milestone\"} 1",
                "socialtop_alerts_total{kind=\"drop\"} 0",
                "socialtop_alerts_total{kind=\"stale\"} 0",
                "socialtop_alerts_total{kind=\"follower\"} 0",
            ]
        );
    }

    #[test]
    fn families_come_from_the_store() {
        let dir = tempfile::tempdir().unwrap();
        let config = config();
        let mut st = Store::open_dir(dir.path()).unwrap();
        st.sync_accounts(&config.accounts).unwrap();
        let t0 = 1_700_000_000_000;
        // alice: two good polls, then a failure
        st.record_success("github:alice", sample(t0, 10, None))
            .unwrap();
        st.record_success("github:alice", sample(t0 + 1_500, 12, Some(7)))
            .unwrap();
        st.record_failure("github:alice", crate::util::ts_ms(t0 + 9_000), "500")
            .unwrap();
        // the odd id: a failure, then a good poll
        st.record_failure("we\"ird\\id", crate::util::ts_ms(t0), "timeout")
            .unwrap();
        st.record_success("we\"ird\\id", sample(t0 + 60_000, 3, None))
            .unwrap();
        st.add_time_entries(
            "github:alice",
            &[crate::model::TimeEntry {
                start: t0 / 1000,
                seconds: 1_800,
                source: "log".into(),
                note: None,
                external_id: None,
            }],
        )
        .unwrap();
        // bob: never polled
        let fams = families(&st, &config, &TimeZone::UTC).unwrap();
        let text = render(&fams, Format::Text);
        assert_eq!(
            lines_of(&text, "socialtop_followers"),
            [
                "socialtop_followers{account=\"github:alice\",platform=\"github\",metric=\"followers\"} 12",
                "socialtop_followers{account=\"we\\\"ird\\\\id\",platform=\"github\",metric=\"stars\"} 3",
            ]
        );
        assert_eq!(
            lines_of(&text, "socialtop_posts"),
            [
                "socialtop_posts{account=\"github:alice\",platform=\"github\",metric=\"followers\"} 7"
            ]
        );
        assert!(lines_of(&text, "socialtop_following").is_empty());
        assert_eq!(
            lines_of(&text, "socialtop_last_success_timestamp_seconds"),
            [
                "socialtop_last_success_timestamp_seconds{account=\"github:alice\",platform=\"github\"} 1700000001.5",
                "socialtop_last_success_timestamp_seconds{account=\"we\\\"ird\\\\id\",platform=\"github\"} 1700000060",
            ]
        );
        assert_eq!(
            lines_of(&text, "socialtop_up"),
            [
                "socialtop_up{account=\"github:alice\",platform=\"github\"} 0",
                "socialtop_up{account=\"we\\\"ird\\\\id\",platform=\"github\"} 1",
                "socialtop_up{account=\"mastodon:bob@example.social\",platform=\"mastodon\"} 0",
            ]
        );
        assert_eq!(
            lines_of(&text, "socialtop_poll_failures_total"),
            [
                "socialtop_poll_failures_total{account=\"github:alice\",platform=\"github\"} 1",
                "socialtop_poll_failures_total{account=\"we\\\"ird\\\\id\",platform=\"github\"} 1",
                "socialtop_poll_failures_total{account=\"mastodon:bob@example.social\",platform=\"mastodon\"} 0",
            ]
        );
        assert_eq!(
            lines_of(&text, "socialtop_time_spent_seconds_total")[0],
            "socialtop_time_spent_seconds_total{account=\"github:alice\",platform=\"github\"} 1800"
        );
        // no effort estimate yet: the families are there, without series
        assert!(text.contains("# TYPE socialtop_effort_elasticity gauge\n# HELP"));
        assert!(lines_of(&text, "socialtop_effort_elasticity").is_empty());
        for f in &fams {
            assert!(!f.help.is_empty() && f.name.starts_with("socialtop_"));
        }
    }

    #[test]
    fn scrapes_show_the_last_effort_fit_and_refit_in_the_background() {
        let dir = tempfile::tempdir().unwrap();
        let config = Arc::new(config());
        let mut st = Store::open_dir(dir.path()).unwrap();
        st.sync_accounts(&config.accounts).unwrap();
        let monday = 1_772_409_600; // 2026-03-02
        let week = |w: i64, followers: i64, minutes: i64, st: &mut Store| {
            let t = monday + w * 604_800 + 86_400;
            st.insert_sample("github:alice", sample(t * 1000, followers, None))
                .unwrap();
            st.add_time_entries(
                "github:alice",
                &[crate::model::TimeEntry {
                    start: t,
                    seconds: minutes * 60,
                    source: "log".into(),
                    note: None,
                    external_id: None,
                }],
            )
            .unwrap();
        };
        // minutes in proportion to followers, both with a wobble: elasticity
        // about 1, with a finite interval (a verdict needs 26 weeks)
        for w in 0..30 {
            let wobble = 1.0 + 0.1 * (0.37 * w as f64).sin();
            let followers = (100.0 * 1.05f64.powi(w as i32) * wobble).round();
            let minutes = 0.3 * followers * (1.0 + 0.2 * (w as f64).sin());
            week(w, followers as i64, minutes.round() as i64, &mut st);
        }
        let exporter = Exporter::new(store::shared(st), Arc::clone(&config))
            .with_effort_refit_every(Duration::ZERO);
        let elasticity = |text: &str| -> f64 {
            lines_of(text, "socialtop_effort_elasticity")[0]
                .rsplit(' ')
                .next()
                .unwrap()
                .parse()
                .unwrap()
        };
        let first = exporter.scrape(Format::Text).unwrap();
        let fit = elasticity(&first);
        assert!((fit - 1.0).abs() < 0.1, "{first}");
        assert_eq!(lines_of(&first, "socialtop_effort_ci95_low").len(), 1);
        // a week where time stayed flat: the next scrape answers at once
        // with the old fit and starts a refit; a later one shows it
        week(30, 100_000, 120, &mut store::lock(&exporter.store));
        let second = exporter.scrape(Format::Text).unwrap();
        assert_eq!(elasticity(&second), fit);
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        loop {
            let text = exporter.scrape(Format::Text).unwrap();
            if elasticity(&text) < fit - 0.01 {
                break;
            }
            assert!(std::time::Instant::now() < deadline, "no refit: {text}");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    #[test]
    fn a_full_server_closes_its_oldest_idle_connection_or_refuses() {
        let slots = Arc::new(std::sync::Mutex::new(Slots::default()));
        let mut held: Vec<_> = (0..MAX_CONNECTIONS)
            .map(|_| Slot::admit(&slots).unwrap())
            .collect();
        // one more: the oldest idle one is told to go
        let newest = Slot::admit(&slots).unwrap();
        assert!(held[0].1.try_recv().is_ok());
        assert!(!held[0].0.answering());
        assert!(held[1].1.try_recv().is_err());
        held.remove(0);
        held.push(newest);
        // every slot answering: a new connection is refused
        for (slot, _) in &mut held {
            assert!(slot.answering());
        }
        assert!(Slot::admit(&slots).is_none());
        // a slot given back is free again
        held.pop();
        assert!(Slot::admit(&slots).is_some());
        drop(held);
        let s = slots.lock().unwrap();
        assert_eq!((s.busy, s.idle.len()), (0, 0));
    }

    #[test]
    fn request_heads_parse() {
        let r = parse_head("GET /metrics?x=1 HTTP/1.1\r\nHost: a\r\nACCEPT: text/plain\r\n\r\n");
        assert_eq!(
            r,
            Some(Request {
                method: "GET".into(),
                path: "/metrics".into(),
                accept: Some("text/plain".into())
            })
        );
        assert_eq!(parse_head("nonsense\r\n\r\n"), None);
    }
}
