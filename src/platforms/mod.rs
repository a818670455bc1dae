//! Platforms: one file each, behind the [`Platform`] trait.
//!
//! A platform turns an account into HTTP requests against its documented API
//! and the answer into [`Counts`], mapping its documented errors and
//! rate-limit headers to [`FetchError`]s a person understands.

use futures_util::future::BoxFuture;
use jiff::Timestamp;
use serde::Deserialize;

use crate::http::{Http, HttpError, Response};
pub use crate::model::{Account, Counts, PlatformKind};

mod bluesky;
mod discord;
mod github;
mod hackernews;
mod json;
mod lemmy;
mod manual;
mod mastodon;
mod misskey;
mod peertube;
mod reddit;
mod telegram;
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
}

impl From<HttpError> for FetchError {
    fn from(e: HttpError) -> FetchError {
        match e {
            HttpError::Timeout(d) => FetchError::Timeout(d),
            HttpError::Network(m) => FetchError::Network(m),
            HttpError::TooLarge(n) => FetchError::TooLarge(n),
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
}

/// `2026-11-25 14:05:00Z` style, short enough for a status line.
pub fn short_time(t: Timestamp) -> String {
    t.strftime("%Y-%m-%d %H:%M:%SZ").to_string()
}

pub trait Platform: Send + Sync {
    fn kind(&self) -> PlatformKind;

    /// What the main count measures for this handle.
    fn metric(&self, _handle: &str) -> &'static str {
        "followers"
    }

    /// Whether the poller calls this platform at all.
    fn polled(&self) -> bool {
        true
    }

    /// Checks the handle's form at config load time.
    fn check_handle(&self, account: &Account) -> Result<(), String>;

    /// The API root used for this account (`base_url` when set).
    fn api_root(&self, account: &Account) -> String;

    /// Reads the account's counts. `known` is what an earlier poll asked to
    /// remember ([`Fetched::remember`]), if anything.
    fn fetch<'a>(
        &'a self,
        http: &'a Http,
        account: &'a Account,
        known: Option<&'a str>,
    ) -> BoxFuture<'a, Result<Fetched, FetchError>>;
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

/// How a platform builds its request, given the API root.
pub(crate) type BuildRequest = fn(&Account, &str) -> Result<Request, FetchError>;
/// What a platform makes of an answer.
pub(crate) type Interpret = fn(&Response, &Account, Timestamp) -> Result<Fetched, FetchError>;

/// The usual [`Platform::fetch`]: build the one request, send it, read its answer.
pub(crate) fn fetch_one<'a>(
    platform: &'a dyn Platform,
    http: &'a Http,
    account: &'a Account,
    request: BuildRequest,
    interpret: Interpret,
) -> BoxFuture<'a, Result<Fetched, FetchError>> {
    Box::pin(async move {
        let req = request(account, &platform.api_root(account))?;
        let headers: Vec<(&str, String)> = req
            .headers
            .iter()
            .map(|(k, v)| (k.as_str(), v.clone()))
            .collect();
        let resp = match &req.json {
            Some(body) => http.post_json(req.url, &headers, body).await?,
            None => http.get(req.url, &headers).await?,
        };
        interpret(&resp, account, Timestamp::now())
    })
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
        FetchError::BadResponse(format!("{what} ({e})"))
    })
}

/// A short excerpt of an error body that is not JSON (HTML error pages and such).
pub(crate) fn body_excerpt(resp: &Response) -> String {
    let text = String::from_utf8_lossy(&resp.body);
    let text = text.trim();
    if text.is_empty() || text.starts_with('<') {
        return String::new();
    }
    let mut s: String = text.chars().take(120).collect();
    if text.chars().count() > 120 {
        s.push('…');
    }
    s
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
    let v: f64 = resp.header(name)?.trim().parse().ok()?;
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
pub(crate) fn required_token(account: &Account, default_var: &str) -> Result<String, FetchError> {
    let var = account.token_env.as_deref().unwrap_or(default_var);
    std::env::var(var)
        .ok()
        .filter(|v| !v.is_empty())
        .ok_or_else(|| FetchError::MissingSecret(var.to_string()))
}

/// An environment variable a platform needs besides its token (Twitch's client id).
pub(crate) fn required_env(var: &str) -> Result<String, FetchError> {
    std::env::var(var)
        .ok()
        .filter(|v| !v.is_empty())
        .ok_or_else(|| FetchError::MissingSecret(var.to_string()))
}

/// Reads a JSON number or a numeric string (YouTube's counts are strings).
pub(crate) fn count(v: &serde_json::Value) -> Option<i64> {
    match v {
        serde_json::Value::Number(n) => n.as_i64().or_else(|| n.as_f64().map(|f| f.round() as i64)),
        serde_json::Value::String(s) => s.trim().parse::<i64>().ok().or_else(|| {
            s.trim()
                .parse::<f64>()
                .ok()
                .filter(|f| f.is_finite())
                .map(|f| f.round() as i64)
        }),
        _ => None,
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
) -> Result<Option<String>, FetchError> {
    match &account.token_env {
        Some(var) => std::env::var(var)
            .ok()
            .filter(|v| !v.is_empty())
            .map(Some)
            .ok_or_else(|| FetchError::MissingSecret(var.clone())),
        None => Ok(default_var
            .and_then(|v| std::env::var(v).ok())
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
