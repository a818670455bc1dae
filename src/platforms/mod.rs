//! Platforms: one file each, behind the [`Platform`] trait.
//!
//! A platform turns an account into HTTP requests against its documented API
//! and the answer into [`Counts`], mapping its documented errors and
//! rate-limit headers to [`FetchError`]s a person understands.

use futures_util::future::BoxFuture;
use jiff::Timestamp;
use serde::Deserialize;

use crate::http::{Http, HttpError, Response};
use crate::model::{Account, Counts, Hue, Person, PlatformKind, Secrets};
use crate::text;

mod beehiiv;
mod bluesky;
mod buttondown;
mod discord;
mod facebook;
mod ghost;
mod github;
mod hackernews;
mod instagram;
mod json;
mod kit;
mod lemmy;
mod linkedin;
mod mailchimp;
mod manual;
mod mastodon;
mod meta;
mod misskey;
mod oauth;
mod patreon;
mod peertube;
mod pinterest;
mod reddit;
mod telegram;
mod threads;
mod tiktok;
mod twitch;
mod x;
mod youtube;

/// The implementation for a platform.
pub fn platform(kind: PlatformKind) -> &'static dyn Platform {
    match kind {
        PlatformKind::Mastodon => &mastodon::Mastodon,
        PlatformKind::Bluesky => &bluesky::Bluesky,
        PlatformKind::Github => &github::Github,
        PlatformKind::Youtube => &youtube::Youtube,
        PlatformKind::X => &x::X,
        PlatformKind::Twitch => &twitch::Twitch,
        PlatformKind::Reddit => &reddit::Reddit,
        PlatformKind::Misskey => &misskey::Misskey,
        PlatformKind::Peertube => &peertube::Peertube,
        PlatformKind::Lemmy => &lemmy::Lemmy,
        PlatformKind::Hackernews => &hackernews::HackerNews,
        PlatformKind::Discord => &discord::Discord,
        PlatformKind::Telegram => &telegram::Telegram,
        PlatformKind::Facebook => &facebook::Facebook,
        PlatformKind::Instagram => &instagram::Instagram,
        PlatformKind::Threads => &threads::Threads,
        PlatformKind::Tiktok => &tiktok::Tiktok,
        PlatformKind::Pinterest => &pinterest::Pinterest,
        PlatformKind::Linkedin => &linkedin::Linkedin,
        PlatformKind::Patreon => &patreon::Patreon,
        PlatformKind::Buttondown => &buttondown::Buttondown,
        PlatformKind::Kit => &kit::Kit,
        PlatformKind::Beehiiv => &beehiiv::Beehiiv,
        PlatformKind::Ghost => &ghost::Ghost,
        PlatformKind::Mailchimp => &mailchimp::Mailchimp,
        PlatformKind::Json => &json::Json,
        PlatformKind::Manual => &manual::Manual,
    }
}

/// A good answer, and whether the platform said to stop calling until some time.
#[derive(Debug, Clone, PartialEq)]
pub struct Fetched {
    pub counts: Counts,
    /// Set when the answer's rate-limit headers say no calls are left.
    pub hold_until: Option<Timestamp>,
    /// An id the platform resolved that later polls can reuse (Twitch's user id).
    pub remember: Option<String>,
}

impl Fetched {
    pub fn new(counts: Counts) -> Fetched {
        Fetched {
            counts,
            hold_until: None,
            remember: None,
        }
    }

    pub fn hold(mut self, until: Option<Timestamp>) -> Fetched {
        self.hold_until = until;
        self
    }
}

/// How a platform tells its past ([`Platform::past`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PastKind {
    /// The count per day (or month) as the platform recorded it: exact
    /// (Misskey's follower chart, Mailchimp's growth history).
    Counts,
    /// When each current follower came, oldest first (GitHub's stargazers):
    /// a lower bound, as those who left are not listed.
    JoinedOldestFirst,
    /// When each current follower came, newest first, with the current
    /// total (Twitch's followers): a lower bound.
    JoinedNewestFirst,
    /// When each listed subscriber came and, where the platform dates it,
    /// left, in any order (Kit's, beehiiv's and Buttondown's subscriber
    /// lists): a lower bound, as those who left undated or were deleted are
    /// not counted; those with a dated unsubscribe count exactly while they
    /// were subscribed.
    JoinedAndLeft,
}

/// Where an account's past counts come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PastSource {
    pub kind: PastKind,
    /// What it is, for people: "GitHub's star dates".
    pub what: &'static str,
    /// Counts per calendar month (UTC) rather than per UTC day.
    pub monthly: bool,
}

/// One page of an account's past ([`Platform::past_page`]).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PastPage {
    /// [`PastKind::Counts`]: `(start of the UTC day or month in epoch
    /// seconds, count)`, in any order.
    pub counts: Vec<(i64, i64)>,
    /// The `Joined...` kinds: when each follower on the page came (epoch
    /// seconds), in the order the platform lists them.
    pub joined: Vec<i64>,
    /// [`PastKind::JoinedAndLeft`]: when followers listed in `joined` left
    /// (epoch seconds), for those whose leaving is dated.
    pub left: Vec<i64>,
    /// The current total, where the platform gives it with the list (Twitch).
    pub total: Option<i64>,
    /// The cursor of the next page; `None` after the last one.
    pub next: Option<String>,
    /// The answer's rate-limit headers say no calls are left until then.
    pub hold_until: Option<Timestamp>,
    /// Something the person should know about the pages (a cap on paging).
    pub note: Option<String>,
}

/// One page of a follower list.
#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    pub people: Vec<Person>,
    /// The cursor of the next page; `None` on the last.
    pub next: Option<String>,
    /// What the host's rate-limit headers said is left, if they said.
    pub budget: Option<Budget>,
}

/// A host's rate limit as its headers tell it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budget {
    pub remaining: i64,
    pub limit: Option<i64>,
    pub reset: Option<Timestamp>,
}

/// Why a poll failed, in words a person understands.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum FetchError {
    #[error("not found: {0}")]
    NotFound(String),
    #[error("rate limited until {} ({detail})", short_time(*until))]
    RateLimited { until: Timestamp, detail: String },
    #[error("{0}")]
    Auth(String),
    #[error("{0}")]
    Status(String),
    #[error("timed out after {0}")]
    Timeout(String),
    #[error("network: {0}")]
    Network(String),
    #[error("answer larger than {} KiB, refused", .0 / 1024)]
    TooLarge(usize),
    #[error("unexpected answer: {0}")]
    BadResponse(String),
    #[error("environment variable {0} is not set")]
    MissingSecret(String),
    #[error("{0}")]
    NotPolled(String),
    /// The account hides the count (a Mastodon `-1`, a Misskey non-public
    /// follower list, a YouTube hidden subscriber count): a state, not a number.
    #[error("hidden: {0}")]
    Hidden(String),
}

impl From<HttpError> for FetchError {
    fn from(e: HttpError) -> FetchError {
        match e {
            HttpError::Timeout(d) => FetchError::Timeout(d),
            HttpError::Network(m) => FetchError::Network(m),
            HttpError::TooLarge(n) => FetchError::TooLarge(n),
            HttpError::Redirect(m) => FetchError::Status(m),
        }
    }
}

impl FetchError {
    /// The time before which the host must not be called, if the error says so.
    pub fn hold_until(&self) -> Option<Timestamp> {
        match self {
            FetchError::RateLimited { until, .. } => Some(*until),
            _ => None,
        }
    }

    /// Whether the answer was good but the count is hidden: the poller
    /// schedules the next poll as after a normal answer.
    pub fn is_hidden(&self) -> bool {
        matches!(self, FetchError::Hidden(_))
    }

    /// The same error with every text in it cleaned and cut short: the last
    /// guard before an error reaches a terminal, a log or the database.
    pub fn tidy(self) -> FetchError {
        let t = |s: String| text::short(&s, 300);
        match self {
            FetchError::NotFound(s) => FetchError::NotFound(t(s)),
            FetchError::RateLimited { until, detail } => FetchError::RateLimited {
                until,
                detail: t(detail),
            },
            FetchError::Auth(s) => FetchError::Auth(t(s)),
            FetchError::Status(s) => FetchError::Status(t(s)),
            FetchError::Timeout(s) => FetchError::Timeout(t(s)),
            FetchError::Network(s) => FetchError::Network(t(s)),
            FetchError::TooLarge(n) => FetchError::TooLarge(n),
            FetchError::BadResponse(s) => FetchError::BadResponse(t(s)),
            FetchError::MissingSecret(s) => FetchError::MissingSecret(t(s)),
            FetchError::NotPolled(s) => FetchError::NotPolled(t(s)),
            FetchError::Hidden(s) => FetchError::Hidden(t(s)),
        }
    }
}

/// `2026-11-25T14:05:00Z`, as every human-facing line writes a time.
pub fn short_time(t: Timestamp) -> String {
    crate::util::utc_time(t)
}

/// Everything socialtop knows about one platform. Single-request platforms
/// implement [`SimpleApi`] instead and get this for free.
pub trait Platform: Send + Sync {
    fn kind(&self) -> PlatformKind;

    /// What the main count measures for this handle.
    fn metric(&self, _handle: &str) -> &'static str {
        "followers"
    }

    /// Other counts an account can choose with its `metric` key (Facebook's
    /// "likes"); empty when the platform counts one thing.
    fn metrics(&self) -> &'static [&'static str] {
        &[]
    }

    /// Whether the poller calls this platform at all.
    fn polled(&self) -> bool {
        true
    }

    /// The platform's colour in the dashboard.
    fn hue(&self) -> Hue;

    /// Where browsing counts as time spent on the account (ActivityWatch), when
    /// the config sets no `domains`: `host` or `host/path`, lowercase.
    fn domains(&self, account: &Account) -> Vec<String>;

    /// Checks the handle's form at config load time.
    fn check_handle(&self, account: &Account) -> Result<(), String>;

    /// The API root used for this account (`base_url` when set).
    fn api_root(&self, account: &Account) -> String;

    /// Reads the account's counts (what each platform implements; callers
    /// use [`Platform::fetch`]). `known` is what an earlier poll asked to
    /// remember ([`Fetched::remember`]), if anything; secrets come from
    /// `secrets`, never from the environment; `now` is the caller's clock.
    fn fetch_counts<'a>(
        &'a self,
        http: &'a Http,
        account: &'a Account,
        known: Option<&'a str>,
        secrets: &'a dyn Secrets,
        now: Timestamp,
    ) -> BoxFuture<'a, Result<Fetched, FetchError>>;

    /// Where the account's past counts come from, if the platform keeps
    /// them where socialtop can read them (default: nowhere).
    fn past(&self, _account: &Account) -> Option<PastSource> {
        None
    }

    /// Reads one page of the account's past, from `cursor` (`None`: the
    /// first page); `since` is the oldest time wanted (a platform may stop
    /// paging there). Callers use [`Platform::fetch_past`].
    fn past_page<'a>(
        &'a self,
        _http: &'a Http,
        account: &'a Account,
        _secrets: &'a dyn Secrets,
        _cursor: Option<&'a str>,
        _since: Timestamp,
        _now: Timestamp,
    ) -> BoxFuture<'a, Result<PastPage, FetchError>> {
        Box::pin(async move { Err(no_past(account)) })
    }

    /// [`Platform::past_page`], errors tidied like [`Platform::fetch`]'s.
    fn fetch_past<'a>(
        &'a self,
        http: &'a Http,
        account: &'a Account,
        secrets: &'a dyn Secrets,
        cursor: Option<&'a str>,
        since: Timestamp,
        now: Timestamp,
    ) -> BoxFuture<'a, Result<PastPage, FetchError>> {
        Box::pin(async move {
            self.past_page(http, account, secrets, cursor, since, now)
                .await
                .map_err(FetchError::tidy)
        })
    }

    /// Whether the account's follower list can be read (people, not the
    /// stars of a repository).
    fn lists_followers(&self, _account: &Account) -> bool {
        false
    }

    /// One page of the account's follower list: the first with `cursor`
    /// `None`, then each [`Page::next`]. Platforms that publish none say so.
    fn followers_page<'a>(
        &'a self,
        _http: &'a Http,
        _account: &'a Account,
        _cursor: Option<&'a str>,
        _secrets: &'a dyn Secrets,
        _now: Timestamp,
    ) -> BoxFuture<'a, Result<Page, FetchError>> {
        let kind = self.kind().name();
        Box::pin(async move {
            Err(FetchError::NotPolled(format!(
                "{kind} publishes no follower list"
            )))
        })
    }

    /// Why `who` is gone from the list, where one cheap request says: one
    /// of `moved`, `suspended`, `deleted`, `deactivated`, or `None` (they
    /// just left, or nothing is known).
    fn why_gone<'a>(
        &'a self,
        _http: &'a Http,
        _account: &'a Account,
        _who: &'a Person,
        _secrets: &'a dyn Secrets,
        _now: Timestamp,
    ) -> BoxFuture<'a, Result<Option<&'static str>, FetchError>> {
        Box::pin(async { Ok(None) })
    }

    /// [`Platform::followers_page`], errors tidied as [`Platform::fetch`]'s.
    fn people<'a>(
        &'a self,
        http: &'a Http,
        account: &'a Account,
        cursor: Option<&'a str>,
        secrets: &'a dyn Secrets,
        now: Timestamp,
    ) -> BoxFuture<'a, Result<Page, FetchError>> {
        Box::pin(async move {
            self.followers_page(http, account, cursor, secrets, now)
                .await
                .map_err(FetchError::tidy)
        })
    }

    /// [`Platform::fetch_counts`], with every error tidied on its way out
    /// (cleaned, short): written once here, for every platform.
    fn fetch<'a>(
        &'a self,
        http: &'a Http,
        account: &'a Account,
        known: Option<&'a str>,
        secrets: &'a dyn Secrets,
        now: Timestamp,
    ) -> BoxFuture<'a, Result<Fetched, FetchError>> {
        Box::pin(async move {
            self.fetch_counts(http, account, known, secrets, now)
                .await
                .map_err(FetchError::tidy)
        })
    }
}

/// A platform that reads an account with one request. Its file holds what it
/// accepts as a handle, the request it builds and how it reads the answer;
/// sending, the API root and error hygiene are written once, in the
/// [`Platform`] impl below.
pub(crate) trait SimpleApi: Send + Sync {
    const KIND: PlatformKind;
    /// The API root when the account sets no `base_url` (empty for platforms
    /// whose root comes from the handle; they override [`SimpleApi::api_root`]).
    const ROOT: &'static str;
    const HUE: Hue;

    /// Checks the handle's form at config load time.
    fn validate(&self, account: &Account) -> Result<(), String>;

    /// The one request that reads the account, against `root`.
    fn request(
        &self,
        account: &Account,
        root: &str,
        secrets: &dyn Secrets,
    ) -> Result<Request, FetchError>;

    /// What the answer says: counts and rate-limit headers, or an error.
    fn interpret(
        &self,
        resp: &Response,
        account: &Account,
        now: Timestamp,
    ) -> Result<Fetched, FetchError>;

    fn metric(&self, _handle: &str) -> &'static str {
        "followers"
    }

    /// See [`Platform::metrics`].
    const METRICS: &'static [&'static str] = &[];

    fn domains(&self, _account: &Account) -> Vec<String> {
        Vec::new()
    }

    fn api_root(&self, account: &Account) -> String {
        root_or(account, Self::ROOT)
    }

    /// See [`Platform::lists_followers`].
    fn lists_followers(&self, _account: &Account) -> bool {
        false
    }

    /// See [`Platform::followers_page`]; `root` is the API root.
    fn followers_page<'a>(
        &'a self,
        _http: &'a Http,
        _account: &'a Account,
        _root: String,
        _cursor: Option<&'a str>,
        _secrets: &'a dyn Secrets,
        _now: Timestamp,
    ) -> BoxFuture<'a, Result<Page, FetchError>> {
        Box::pin(async move {
            Err(FetchError::NotPolled(format!(
                "{} publishes no follower list",
                Self::KIND.name()
            )))
        })
    }

    /// See [`Platform::why_gone`]; `root` is the API root.
    fn why_gone<'a>(
        &'a self,
        _http: &'a Http,
        _account: &'a Account,
        _root: String,
        _who: &'a Person,
        _secrets: &'a dyn Secrets,
        _now: Timestamp,
    ) -> BoxFuture<'a, Result<Option<&'static str>, FetchError>> {
        Box::pin(async { Ok(None) })
    }
    /// See [`Platform::past`].
    fn past(&self, _account: &Account) -> Option<PastSource> {
        None
    }

    /// See [`Platform::past_page`].
    fn past_page<'a>(
        &'a self,
        _http: &'a Http,
        account: &'a Account,
        _secrets: &'a dyn Secrets,
        _cursor: Option<&'a str>,
        _since: Timestamp,
        _now: Timestamp,
    ) -> BoxFuture<'a, Result<PastPage, FetchError>> {
        Box::pin(async move { Err(no_past(account)) })
    }
}

/// The error for a platform that keeps no past counts socialtop can read.
pub fn no_past(account: &Account) -> FetchError {
    FetchError::NotPolled(format!(
        "{} keeps no record of past {} that socialtop can read; a spreadsheet or another tracker's export can be read with `socialtop import history FILE --account {}`",
        account.platform.name(),
        account.metric(),
        account.id
    ))
}

impl<T: SimpleApi> Platform for T {
    fn kind(&self) -> PlatformKind {
        T::KIND
    }

    fn metric(&self, handle: &str) -> &'static str {
        SimpleApi::metric(self, handle)
    }

    fn metrics(&self) -> &'static [&'static str] {
        T::METRICS
    }

    fn hue(&self) -> Hue {
        T::HUE
    }

    fn domains(&self, account: &Account) -> Vec<String> {
        SimpleApi::domains(self, account)
    }

    fn check_handle(&self, account: &Account) -> Result<(), String> {
        self.validate(account)
    }

    fn api_root(&self, account: &Account) -> String {
        SimpleApi::api_root(self, account)
    }

    fn fetch_counts<'a>(
        &'a self,
        http: &'a Http,
        account: &'a Account,
        _known: Option<&'a str>,
        secrets: &'a dyn Secrets,
        now: Timestamp,
    ) -> BoxFuture<'a, Result<Fetched, FetchError>> {
        Box::pin(fetch_simple(self, http, account, secrets, now))
    }

    fn past(&self, account: &Account) -> Option<PastSource> {
        SimpleApi::past(self, account)
    }

    fn past_page<'a>(
        &'a self,
        http: &'a Http,
        account: &'a Account,
        secrets: &'a dyn Secrets,
        cursor: Option<&'a str>,
        since: Timestamp,
        now: Timestamp,
    ) -> BoxFuture<'a, Result<PastPage, FetchError>> {
        SimpleApi::past_page(self, http, account, secrets, cursor, since, now)
    }

    fn lists_followers(&self, account: &Account) -> bool {
        SimpleApi::lists_followers(self, account)
    }

    fn followers_page<'a>(
        &'a self,
        http: &'a Http,
        account: &'a Account,
        cursor: Option<&'a str>,
        secrets: &'a dyn Secrets,
        now: Timestamp,
    ) -> BoxFuture<'a, Result<Page, FetchError>> {
        let root = SimpleApi::api_root(self, account);
        SimpleApi::followers_page(self, http, account, root, cursor, secrets, now)
    }

    fn why_gone<'a>(
        &'a self,
        http: &'a Http,
        account: &'a Account,
        who: &'a Person,
        secrets: &'a dyn Secrets,
        now: Timestamp,
    ) -> BoxFuture<'a, Result<Option<&'static str>, FetchError>> {
        let root = SimpleApi::api_root(self, account);
        SimpleApi::why_gone(self, http, account, root, who, secrets, now)
    }
}

/// Builds the one request, sends it, reads the answer.
async fn fetch_simple<T: SimpleApi>(
    api: &T,
    http: &Http,
    account: &Account,
    secrets: &dyn Secrets,
    now: Timestamp,
) -> Result<Fetched, FetchError> {
    let root = SimpleApi::api_root(api, account);
    let req = api.request(account, &root, secrets)?;
    let resp = send(http, req).await?;
    api.interpret(&resp, account, now)
}

/// Sends one [`Request`].
pub(crate) async fn send(http: &Http, req: Request) -> Result<Response, FetchError> {
    let headers: Vec<(&str, String)> = req
        .headers
        .iter()
        .map(|(k, v)| (k.as_str(), v.clone()))
        .collect();
    let resp = match &req.json {
        Some(body) => http.post_json(req.url, &headers, body).await?,
        None => http.get(req.url, &headers).await?,
    };
    Ok(resp)
}

/// The host key (for holds and concurrency) an account's requests go to.
pub fn host_of(account: &Account) -> String {
    let root = platform(account.platform).api_root(account);
    reqwest::Url::parse(&root)
        .map(|u| crate::http::host_key(&u))
        .unwrap_or(root)
}

// ---- helpers shared by the platform files ----

/// The one HTTP request that reads an account, for platforms that need one.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    pub url: reqwest::Url,
    pub headers: Vec<(String, String)>,
    /// A JSON body makes it a POST (Misskey).
    pub json: Option<serde_json::Value>,
}

impl Request {
    pub fn get(url: reqwest::Url) -> Request {
        Request {
            url,
            headers: Vec::new(),
            json: None,
        }
    }

    pub fn post_json(url: reqwest::Url, body: serde_json::Value) -> Request {
        Request {
            json: Some(body),
            ..Request::get(url)
        }
    }

    pub fn header(mut self, name: &str, value: impl Into<String>) -> Request {
        self.headers.push((name.to_string(), value.into()));
        self
    }
}

/// `base_url` when set, else the platform's own API root.
pub(crate) fn root_or(account: &Account, default: &str) -> String {
    account
        .base_url
        .clone()
        .unwrap_or_else(|| default.to_string())
}

/// `base_url` when set, else `https://<instance>` from the handle.
pub(crate) fn instance_root(account: &Account, instance: Option<&str>) -> String {
    account
        .base_url
        .clone()
        .unwrap_or_else(|| format!("https://{}", instance.unwrap_or("invalid")))
}

/// The instance of a `user@instance` (or `!community@instance`) handle, as
/// the one default ActivityWatch domain of fediverse accounts.
pub(crate) fn instance_domains(handle: &str) -> Vec<String> {
    handle
        .trim_start_matches('!')
        .rsplit_once('@')
        .map(|(_, host)| host.to_lowercase())
        .into_iter()
        .collect()
}

/// Builds `root` + `path` with query pairs, percent-encoded.
pub(crate) fn url(
    root: &str,
    path: &str,
    query: &[(&str, &str)],
) -> Result<reqwest::Url, FetchError> {
    let mut u = reqwest::Url::parse(&format!("{}{}", root.trim_end_matches('/'), path))
        .map_err(|e| FetchError::BadResponse(format!("bad API address {root}: {e}")))?;
    if !query.is_empty() {
        u.query_pairs_mut().extend_pairs(query);
    }
    Ok(u)
}

/// Parses a JSON body, describing type errors without echoing the body.
pub(crate) fn json<'a, T: Deserialize<'a>>(resp: &'a Response) -> Result<T, FetchError> {
    serde_json::from_slice(&resp.body).map_err(|e| {
        let what = if e.is_syntax() || e.is_eof() {
            "malformed JSON"
        } else {
            "wrong JSON shape"
        };
        // serde quotes the offending value, which is outside text
        FetchError::BadResponse(format!("{what} ({})", text::short(&e.to_string(), 160)))
    })
}

/// Deserializes an error text from an answer cleaned and cut short, as it
/// enters (`#[serde(default, deserialize_with = "super::said")]`); a field of
/// another type reads as empty.
pub(crate) fn said<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    let v = serde_json::Value::deserialize(d)?;
    Ok(match v {
        serde_json::Value::String(s) => text::short(&s, 200),
        _ => String::new(),
    })
}

/// A platform's own error text when it gave one, else what the body says
/// ([`body_excerpt`]), else the status: for messages like "refused (...)".
pub(crate) fn why(resp: &Response, said: &str) -> String {
    let said = text::short(said, 200);
    if !said.is_empty() {
        return said;
    }
    let excerpt = body_excerpt(resp);
    if !excerpt.is_empty() {
        return excerpt;
    }
    format!("HTTP {}", resp.status)
}

/// What an error body says, short and clean: an HTML page's `<title>` (a
/// proxy's "Blocked by network security", Cloudflare's "Just a moment..."),
/// a JSON body's `message` / `error` / `detail`, or the start of a text body.
/// Empty when there is nothing readable.
pub(crate) fn body_excerpt(resp: &Response) -> String {
    let body = String::from_utf8_lossy(&resp.body);
    let body = body.trim();
    if body.is_empty() {
        return String::new();
    }
    if text::looks_like_html(body) || body.starts_with('<') {
        return text::html_title(body).unwrap_or_default();
    }
    if body.starts_with('{')
        && let Ok(v) = serde_json::from_str::<serde_json::Value>(body)
    {
        let pick = |v: &serde_json::Value| -> Option<String> {
            [
                "message",
                "error_description",
                "detail",
                "description",
                "error",
                "title",
            ]
            .iter()
            .find_map(|k| v.get(k)?.as_str().map(|s| text::short(s, 120)))
            .filter(|s| !s.is_empty())
        };
        return pick(&v)
            .or_else(|| v.get("error").and_then(pick))
            .unwrap_or_default();
    }
    text::short(body, 120)
}

/// `Retry-After`: seconds or an HTTP date.
pub(crate) fn retry_after(resp: &Response, now: Timestamp) -> Option<Timestamp> {
    let v = resp.header("retry-after")?.trim();
    if let Ok(secs) = v.parse::<i64>() {
        return now
            .checked_add(jiff::SignedDuration::from_secs(secs.max(0)))
            .ok();
    }
    jiff::fmt::rfc2822::parse(v).ok().map(|z| z.timestamp())
}

/// A reset header in epoch seconds (GitHub, Bluesky).
pub(crate) fn epoch_header(resp: &Response, name: &str) -> Option<Timestamp> {
    resp.header(name)?
        .trim()
        .parse::<i64>()
        .ok()
        .and_then(|s| Timestamp::from_second(s).ok())
}

pub(crate) fn int_header(resp: &Response, name: &str) -> Option<i64> {
    resp.header(name)?.trim().parse().ok()
}

/// A rate-limit reset header that is either an epoch time or, per the IETF
/// RateLimit draft, seconds from now.
pub(crate) fn reset_header(resp: &Response, name: &str, now: Timestamp) -> Option<Timestamp> {
    let v: f64 = resp
        .header(name)?
        .trim()
        .parse()
        .ok()
        .filter(|v: &f64| v.is_finite() && *v >= 0.0)?;
    let secs = if v > 1e9 {
        v
    } else {
        now.as_second() as f64 + v
    };
    Timestamp::from_second(secs.ceil() as i64).ok()
}

/// The time a 429 (or a platform's own "stop") asks to wait until: the named
/// reset header, else `Retry-After`, else a minute.
pub(crate) fn wait_until(resp: &Response, reset: Option<&str>, now: Timestamp) -> Timestamp {
    reset
        .and_then(|h| reset_header(resp, h, now))
        .or_else(|| retry_after(resp, now))
        .unwrap_or_else(|| default_hold(now))
}

/// A secret the platform cannot work without: from `token_env` when set,
/// else `default_var`; missing is an error that names the variable.
pub(crate) fn required_token(
    account: &Account,
    default_var: &str,
    secrets: &dyn Secrets,
) -> Result<String, FetchError> {
    required_env(account.token_env.as_deref().unwrap_or(default_var), secrets)
}

/// A secret a platform needs besides its token (Twitch's client id).
pub(crate) fn required_env(var: &str, secrets: &dyn Secrets) -> Result<String, FetchError> {
    secrets
        .get(var)
        .filter(|v| !v.is_empty())
        .ok_or_else(|| FetchError::MissingSecret(var.to_string()))
}

/// The largest count taken as exact: 2^53, where JSON numbers stop being
/// exact integers in most readers.
pub const MAX_COUNT: i64 = 1 << 53;

/// Reads a count: a JSON integer (or a numeric string: YouTube's counts are
/// strings) in `0..=2^53`. Negative, fractional, huge or missing values are
/// errors that name the field and the value; a string that is no number or
/// another type is a wrong shape.
pub(crate) fn count(v: &serde_json::Value, name: &str) -> Result<i64, FetchError> {
    use serde_json::Value;
    let not_a_count =
        |shown: &str| FetchError::BadResponse(format!("{name} is {shown}, not a count"));
    let check = |f: f64, shown: &str| {
        if f.is_finite() && f.fract() == 0.0 && (0.0..=MAX_COUNT as f64).contains(&f) {
            Ok(f as i64)
        } else {
            Err(not_a_count(shown))
        }
    };
    match v {
        Value::Null => Err(FetchError::BadResponse(format!("no {name} in the answer"))),
        Value::Number(n) => {
            let shown = n.to_string();
            match (n.as_u64(), n.as_i64()) {
                (Some(u), _) if u <= MAX_COUNT as u64 => Ok(u as i64),
                (Some(_), _) | (None, Some(_)) => Err(not_a_count(&shown)),
                (None, None) => check(n.as_f64().unwrap_or(f64::NAN), &shown),
            }
        }
        Value::String(s) => {
            let t = s.trim();
            let shown = format!("\"{}\"", text::short(t, 30));
            if let Ok(u) = t.parse::<u64>() {
                return if u <= MAX_COUNT as u64 {
                    Ok(u as i64)
                } else {
                    Err(not_a_count(&shown))
                };
            }
            match t.parse::<f64>() {
                Ok(f) => check(f, &shown),
                Err(_) => Err(FetchError::BadResponse(format!(
                    "wrong JSON shape ({name} is {shown}, not a count)"
                ))),
            }
        }
        other => Err(FetchError::BadResponse(format!(
            "wrong JSON shape ({name} is {}, not a count)",
            text::short(&other.to_string(), 30)
        ))),
    }
}

/// [`count`] for a count the answer may leave out: absent or `null` is `None`.
pub(crate) fn opt_count(v: &serde_json::Value, name: &str) -> Result<Option<i64>, FetchError> {
    match v {
        serde_json::Value::Null => Ok(None),
        v => count(v, name).map(Some),
    }
}

/// The start (epoch seconds) of the UTC day holding `secs`.
pub(crate) fn utc_day(secs: i64) -> i64 {
    secs.div_euclid(86_400) * 86_400
}

/// An RFC 3339 time from an answer (`starred_at`, `followed_at`), in epoch
/// seconds; anything else is an error naming the field.
pub(crate) fn rfc3339(v: &str, name: &str) -> Result<i64, FetchError> {
    v.trim()
        .parse::<Timestamp>()
        .map(|t| t.as_second())
        .map_err(|_| {
            FetchError::BadResponse(format!(
                "{name} `{}` is not an RFC 3339 time",
                text::short(v, 40)
            ))
        })
}

/// Whether a `Link` header has a `rel="next"` link.
pub(crate) fn has_next_link(resp: &Response) -> bool {
    resp.header("link").is_some_and(|l| {
        l.split(',')
            .any(|part| part.split(';').skip(1).any(|p| p.trim() == "rel=\"next\""))
    })
}

/// The field `name` of a JSON object, `null` when absent.
pub(crate) fn field<'a>(
    obj: &'a serde_json::Map<String, serde_json::Value>,
    name: &str,
) -> &'a serde_json::Value {
    obj.get(name).unwrap_or(&serde_json::Value::Null)
}

/// The URL of a `Link` header's `rel="next"` (GitHub, Mastodon), if it has
/// one and it stays on `base`'s origin (a link elsewhere is not followed).
pub(crate) fn link_next(resp: &Response, base: &reqwest::Url) -> Option<reqwest::Url> {
    let header = resp.header("link")?;
    header.split(',').find_map(|part| {
        let (target, params) = part.split_once(';')?;
        let is_next = params.split(';').any(|p| {
            let p = p.trim().to_ascii_lowercase();
            p == "rel=\"next\"" || p == "rel=next"
        });
        if !is_next {
            return None;
        }
        let target = target.trim().strip_prefix('<')?.strip_suffix('>')?;
        let url = base.join(target).ok()?;
        same_origin(&url, base).then_some(url)
    })
}

/// Whether `url` goes to `base`'s scheme, host and port: a next-page URL a
/// server names is followed (with the account's secret) only then.
pub(crate) fn same_origin(url: &reqwest::Url, base: &reqwest::Url) -> bool {
    url.scheme() == base.scheme()
        && url.host_str() == base.host_str()
        && url.port_or_known_default() == base.port_or_known_default()
}

/// A time in epoch seconds from an answer (beehiiv's `created`): an integer
/// from 1970 to 9999; anything else is an error naming the field and value.
pub(crate) fn epoch_seconds(v: &serde_json::Value, name: &str) -> Result<i64, FetchError> {
    v.as_i64()
        .filter(|s| *s >= 0)
        .and_then(|s| Timestamp::from_second(s).ok())
        .map(|t| t.as_second())
        .ok_or_else(|| {
            FetchError::BadResponse(format!(
                "{name} {} is not a time in seconds since 1970",
                text::short(&v.to_string(), 30)
            ))
        })
}

/// Whether `s` is safe as one segment of a URL path (an id or login from a
/// server: letters, digits, `-`, `_`, `.`, not `.` or `..`).
pub(crate) fn safe_segment(s: &str) -> bool {
    !s.is_empty()
        && s != "."
        && s != ".."
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

/// The value of query parameter `name` in `url`.
pub(crate) fn query_value(url: &reqwest::Url, name: &str) -> Option<String> {
    url.query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

/// A rate-limit budget from `remaining`/`limit` headers and a reset time.
pub(crate) fn budget(
    resp: &Response,
    remaining: &str,
    limit: &str,
    reset: Option<Timestamp>,
) -> Option<Budget> {
    Some(Budget {
        remaining: int_header(resp, remaining)?,
        limit: int_header(resp, limit),
        reset,
    })
}

/// A person as a follower list gives them, every text cleaned and cut
/// short where it enters; an empty name is none.
pub(crate) fn person(id: &str, handle: &str, name: Option<&str>, followers: Option<i64>) -> Person {
    Person {
        id: text::short(id, 200),
        handle: text::short(handle, 200),
        name: name.map(|n| text::short(n, 100)).filter(|n| !n.is_empty()),
        followers: followers.filter(|n| (0..=MAX_COUNT).contains(n)),
    }
}

/// When a platform says "stop" without saying until when.
pub(crate) fn default_hold(now: Timestamp) -> Timestamp {
    now.checked_add(jiff::SignedDuration::from_secs(60))
        .unwrap_or(now)
}

/// A generic message for statuses a platform's docs do not single out.
pub(crate) fn status_error(resp: &Response, detail: Option<String>) -> FetchError {
    let reason = reqwest::StatusCode::from_u16(resp.status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("");
    let detail = detail
        .map(|d| text::short(&d, 200))
        .filter(|d| !d.is_empty())
        .unwrap_or_else(|| body_excerpt(resp));
    let kind = if resp.status >= 500 {
        "server error"
    } else {
        "HTTP"
    };
    let mut msg = format!("{kind} {} {reason}", resp.status)
        .trim_end()
        .to_string();
    if !detail.is_empty() {
        msg.push_str(": ");
        msg.push_str(&detail);
    }
    FetchError::Status(msg)
}

/// Reads the token for an account: `token_env` when set (an error if missing),
/// else the platform's default variable if present.
pub(crate) fn token(
    account: &Account,
    default_var: Option<&str>,
    secrets: &dyn Secrets,
) -> Result<Option<String>, FetchError> {
    match &account.token_env {
        Some(var) => required_env(var, secrets).map(Some),
        None => Ok(default_var
            .and_then(|v| secrets.get(v))
            .filter(|v| !v.is_empty())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resp(headers: &[(&'static str, &str)]) -> Response {
        let mut map = reqwest::header::HeaderMap::new();
        for (k, v) in headers {
            map.insert(*k, v.parse().unwrap());
        }
        Response {
            status: 429,
            headers: map,
            body: b"<html>oops</html>".to_vec(),
        }
    }

    #[test]
    fn retry_after_reads_seconds_and_dates() {
        let now = Timestamp::from_second(1_700_000_000).unwrap();
        let r = resp(&[("retry-after", "120")]);
        assert_eq!(retry_after(&r, now).unwrap().as_second(), 1_700_000_120);
        let r = resp(&[("retry-after", "Wed, 21 Oct 2015 07:28:00 GMT")]);
        assert_eq!(retry_after(&r, now).unwrap().as_second(), 1_445_412_480);
        assert_eq!(retry_after(&resp(&[]), now), None);
    }

    #[test]
    fn status_error_hides_html_bodies() {
        let r = resp(&[]);
        assert_eq!(
            status_error(&r, None).to_string(),
            "HTTP 429 Too Many Requests"
        );
    }
}
