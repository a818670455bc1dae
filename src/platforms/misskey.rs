//! Misskey (and forks): `POST /api/users/show` with `{"username", "host"}`
//! answers a UserDetailed (`followersCount`, `followingCount`, `notesCount`).
//! Unknown: 404 (400 before 2024) `{"error":{"message":"No such user.","code":"NO_SUCH_USER",...}}`.
//! Rate limit: 429 `{"error":{"code":"RATE_LIMIT_EXCEEDED","info":{"resetMs":...}}}`.
//! Handle `user@instance`. A user whose follower list is not public
//! (`followersVisibility`, `ffVisibility` before 2023.x, "followers" or
//! "private") is answered with `followersCount: 0`: that is a hidden count.
//!
//! Past: `POST /api/charts/user/following` with `{"userId", "span": "day",
//! "limit": 1..500, "offset": null | ms}` answers
//! `{"local": {"followings": {...}, "followers": {"total": [...], "inc": [...],
//! "dec": [...]}}, "remote": {...}}`: arrays newest first, index 0 the current
//! UTC day (or the day holding `offset`), index i the day i days before it.
//! Followers per day are `local.followers.total + remote.followers.total`;
//! days before the chart's first record read 0. The user id comes from
//! `users/show`.
//! Followers: `POST /api/users/followers` with `{username, host, limit: 100,
//! untilId}` answers an array of Following objects (`id`, `follower`: a
//! UserDetailed with `id`, `username`, `host`, `name`, `followersCount`),
//! newest first; the next page is `untilId` = the last one's `id`, and an
//! empty array ends the list. A list its owner does not show answers 400
//! `{"error":{"code":"FORBIDDEN",...}}`: the list is hidden. Why someone is
//! gone: `POST /api/users/show {userId}` says `isSuspended` or `movedTo`,
//! or `NO_SUCH_USER` (deleted).

use futures_util::future::BoxFuture;
use jiff::Timestamp;
use serde::Deserialize;

use super::{
    Counts, FetchError, Fetched, Hue, PastKind, PastPage, PastSource, PlatformKind, Request,
    Secrets, SimpleApi, count, json, opt_count, said, status_error, url, utc_day, why,
};
use super::{Page, Person, person, safe_segment, send};
use crate::http::{Http, Response};
use crate::model::Account;

/// The largest page `users/followers` gives.
pub const PAGE: usize = 100;

#[derive(Deserialize)]
struct Following {
    id: String,
    follower: Option<Lite>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Lite {
    id: String,
    #[serde(default)]
    username: String,
    #[serde(default)]
    host: Option<String>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    followers_count: serde_json::Value,
    #[serde(default)]
    is_suspended: Option<bool>,
    #[serde(default)]
    moved_to: Option<serde_json::Value>,
}

fn failed(resp: &Response, account: &Account, now: Timestamp) -> FetchError {
    match Misskey.interpret(resp, account, now) {
        Err(e) => e,
        Ok(_) => FetchError::BadResponse(format!("HTTP {} instead of a list", resp.status)),
    }
}

async fn page(
    http: &Http,
    account: &Account,
    root: String,
    cursor: Option<&str>,
    now: Timestamp,
) -> Result<Page, FetchError> {
    let (user, host) = split(&account.handle).unwrap_or((&account.handle, ""));
    let own = account.base_url.is_none();
    let mut body = serde_json::json!({
        "username": user,
        "host": if own { None } else { Some(host) },
        "limit": PAGE,
    });
    if let Some(c) = cursor {
        body["untilId"] = serde_json::Value::String(c.to_string());
    }
    let req = Request::post_json(url(&root, "/api/users/followers", &[])?, body);
    let resp = send(http, req).await?;
    if resp.status != 200 {
        let e = json::<ErrorBody>(&resp).unwrap_or_default().error;
        if e.code == "FORBIDDEN" {
            return Err(FetchError::Hidden(format!(
                "{} does not show its followers publicly",
                account.handle
            )));
        }
        return Err(failed(&resp, account, now));
    }
    let list: Vec<Following> = json(&resp)?;
    let people: Vec<Person> = list
        .iter()
        .filter_map(|f| f.follower.as_ref())
        .map(|u| {
            let handle = match u.host.as_deref() {
                Some(h) => format!("{}@{h}", u.username),
                None => format!("{}@{host}", u.username),
            };
            let followers = u.followers_count.as_i64().filter(|n| *n >= 0);
            person(&u.id, &handle, u.name.as_deref(), followers)
        })
        .collect();
    Ok(Page {
        next: list.last().map(|f| f.id.clone()),
        people,
        budget: None,
    })
}

async fn gone(
    http: &Http,
    account: &Account,
    root: String,
    who: &Person,
    now: Timestamp,
) -> Result<Option<&'static str>, FetchError> {
    if !safe_segment(&who.id) {
        return Ok(None);
    }
    let body = serde_json::json!({"userId": who.id});
    let resp = send(
        http,
        Request::post_json(url(&root, "/api/users/show", &[])?, body),
    )
    .await?;
    if resp.status == 200 {
        let u: Lite = json(&resp)?;
        return Ok(if u.is_suspended == Some(true) {
            Some("suspended")
        } else if u.moved_to.is_some_and(|m| !m.is_null()) {
            Some("moved")
        } else {
            None
        });
    }
    let e = json::<ErrorBody>(&resp).unwrap_or_default().error;
    if e.code == "NO_SUCH_USER" || resp.status == 404 {
        return Ok(Some("deleted"));
    }
    Err(failed(&resp, account, now))
}

pub struct Misskey;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct User {
    #[serde(default)]
    followers_count: serde_json::Value,
    #[serde(default)]
    following_count: serde_json::Value,
    #[serde(default)]
    notes_count: serde_json::Value,
    followers_visibility: Option<String>,
    following_visibility: Option<String>,
    ff_visibility: Option<String>,
}

#[derive(Deserialize)]
struct UserId {
    #[serde(deserialize_with = "said")]
    id: String,
}

/// `charts/user/following`: only the followers' totals are read.
#[derive(Deserialize)]
struct Chart {
    local: Side,
    remote: Side,
}

#[derive(Deserialize)]
struct Side {
    followers: Totals,
}

#[derive(Deserialize)]
struct Totals {
    total: Vec<serde_json::Value>,
}

/// Days per chart request: the most the API gives.
const CHART_DAYS: i64 = 500;
const DAY: i64 = 86_400;

#[derive(Deserialize, Default)]
struct ErrorBody {
    #[serde(default)]
    error: MisskeyError,
}

#[derive(Deserialize, Default)]
struct MisskeyError {
    #[serde(default, deserialize_with = "said")]
    message: String,
    #[serde(default, deserialize_with = "said")]
    code: String,
    #[serde(default)]
    info: serde_json::Map<String, serde_json::Value>,
}

fn split(handle: &str) -> Option<(&str, &str)> {
    handle
        .split_once('@')
        .filter(|(u, h)| !u.is_empty() && !h.is_empty())
}

/// Whether a visibility other than "public" hides the list (and its count).
fn hidden(visibility: Option<&str>) -> bool {
    visibility.is_some_and(|v| v != "public")
}

impl SimpleApi for Misskey {
    const KIND: PlatformKind = PlatformKind::Misskey;
    const ROOT: &'static str = "";
    const HUE: Hue = Hue::Magenta;

    fn validate(&self, account: &Account) -> Result<(), String> {
        match split(&account.handle) {
            Some(_) => Ok(()),
            None => Err(format!(
                "`{}` is not a Misskey address; write it as user@instance",
                account.handle
            )),
        }
    }

    fn api_root(&self, account: &Account) -> String {
        super::instance_root(account, split(&account.handle).map(|s| s.1))
    }

    fn domains(&self, account: &Account) -> Vec<String> {
        super::instance_domains(&account.handle)
    }

    fn lists_followers(&self, _account: &Account) -> bool {
        true
    }

    fn followers_page<'a>(
        &'a self,
        http: &'a Http,
        account: &'a Account,
        root: String,
        cursor: Option<&'a str>,
        _secrets: &'a dyn Secrets,
        now: Timestamp,
    ) -> BoxFuture<'a, Result<Page, FetchError>> {
        Box::pin(page(http, account, root, cursor, now))
    }

    fn why_gone<'a>(
        &'a self,
        http: &'a Http,
        account: &'a Account,
        root: String,
        who: &'a Person,
        _secrets: &'a dyn Secrets,
        now: Timestamp,
    ) -> BoxFuture<'a, Result<Option<&'static str>, FetchError>> {
        Box::pin(gone(http, account, root, who, now))
    }

    fn request(
        &self,
        account: &Account,
        root: &str,
        _secrets: &dyn Secrets,
    ) -> Result<Request, FetchError> {
        let (user, host) = split(&account.handle).unwrap_or((&account.handle, ""));
        // the instance itself knows its local users with host = null
        let own = account.base_url.is_none();
        let body =
            serde_json::json!({"username": user, "host": if own { None } else { Some(host) }});
        Ok(Request::post_json(url(root, "/api/users/show", &[])?, body))
    }

    fn interpret(
        &self,
        resp: &Response,
        account: &Account,
        now: Timestamp,
    ) -> Result<Fetched, FetchError> {
        if resp.status == 200 {
            let u: User = json(resp)?;
            let ff = u.ff_visibility.as_deref();
            if hidden(u.followers_visibility.as_deref().or(ff)) {
                return Err(FetchError::Hidden(format!(
                    "{} does not show its followers publicly",
                    account.handle
                )));
            }
            let following = if hidden(u.following_visibility.as_deref().or(ff)) {
                None
            } else {
                opt_count(&u.following_count, "followingCount")?
            };
            return Ok(Fetched::new(Counts {
                followers: count(&u.followers_count, "followersCount")?,
                following,
                posts: opt_count(&u.notes_count, "notesCount")?,
            }));
        }
        Err(error(resp, account, now))
    }

    fn past(&self, _account: &Account) -> Option<PastSource> {
        Some(PastSource {
            kind: PastKind::Counts,
            what: "Misskey's follower chart",
            monthly: false,
        })
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
        Box::pin(chart_page(self, http, account, secrets, cursor, since, now))
    }
}

/// One request of the follower chart: 500 days back from the cursor's day
/// (`"<user id> <ms>"`; the first page looks the user id up and ends today).
async fn chart_page(
    api: &Misskey,
    http: &Http,
    account: &Account,
    secrets: &dyn Secrets,
    cursor: Option<&str>,
    since: Timestamp,
    now: Timestamp,
) -> Result<PastPage, FetchError> {
    let root = SimpleApi::api_root(api, account);
    let (user_id, offset) = match cursor.and_then(|c| c.split_once(' ')) {
        Some((id, ms)) => (
            id.to_string(),
            Some(
                ms.parse::<i64>()
                    .map_err(|_| FetchError::BadResponse(format!("bad backfill cursor `{ms}`")))?,
            ),
        ),
        None => {
            let resp = super::send(http, api.request(account, &root, secrets)?).await?;
            if resp.status != 200 {
                return Err(error(&resp, account, now));
            }
            let u: UserId = json(&resp)?;
            if u.id.is_empty() {
                return Err(FetchError::BadResponse("no user id in the answer".into()));
            }
            (u.id, None)
        }
    };
    let body = serde_json::json!({
        "userId": user_id,
        "span": "day",
        "limit": CHART_DAYS,
        "offset": offset,
    });
    let req = Request::post_json(url(&root, "/api/charts/user/following", &[])?, body);
    let resp = super::send(http, req).await?;
    if resp.status != 200 {
        return Err(error(&resp, account, now));
    }
    let chart: Chart = json(&resp)?;
    let (local, remote) = (&chart.local.followers.total, &chart.remote.followers.total);
    let newest = utc_day(offset.map_or(now.as_second(), |ms| ms.div_euclid(1000)));
    let mut counts = Vec::with_capacity(local.len());
    for i in 0..local.len().max(remote.len()) {
        let l = local
            .get(i)
            .map_or(Ok(0), |v| count(v, "local.followers.total"))?;
        let r = remote
            .get(i)
            .map_or(Ok(0), |v| count(v, "remote.followers.total"))?;
        let total = l
            .checked_add(r)
            .filter(|t| *t <= super::MAX_COUNT)
            .ok_or_else(|| {
                FetchError::BadResponse(format!("followers {l} + {r} is not a count"))
            })?;
        counts.push((newest - i as i64 * DAY, total));
    }
    // days before the chart's first record read 0: the chart starts after them
    let before = counts.len();
    while counts.last().is_some_and(|c| c.1 == 0) {
        counts.pop();
    }
    let oldest = newest - (before as i64 - 1) * DAY;
    let next =
        (counts.len() == before && before as i64 == CHART_DAYS && oldest > since.as_second())
            .then(|| format!("{user_id} {}", (oldest - DAY) * 1000));
    Ok(PastPage {
        counts,
        next,
        ..PastPage::default()
    })
}

/// What an answer other than 200 means: unknown user, rate limit, refusal.
fn error(resp: &Response, account: &Account, now: Timestamp) -> FetchError {
    let e = json::<ErrorBody>(resp).unwrap_or_default().error;
    match (resp.status, e.code.as_str()) {
        (_, "NO_SUCH_USER") | (404, _) => {
            FetchError::NotFound(format!("no Misskey user {}", account.handle))
        }
        (_, "RATE_LIMIT_EXCEEDED") | (429, _) => {
            let reset_ms = e
                .info
                .get("resetMs")
                .or_else(|| e.info.get("fullResetMs"))
                .and_then(|v| v.as_f64())
                .filter(|ms| ms.is_finite() && (0.0..=86_400_000.0 * 7.0).contains(ms));
            let until = match reset_ms {
                Some(ms) => now
                    .checked_add(jiff::SignedDuration::from_millis(ms.ceil() as i64))
                    .unwrap_or(now),
                None => super::wait_until(resp, None, now),
            };
            FetchError::RateLimited {
                until,
                detail: "Misskey rate limit".into(),
            }
        }
        (401 | 403, _) => FetchError::Auth(format!(
            "the server refused the request ({})",
            why(resp, &e.message)
        )),
        _ => status_error(resp, Some(e.message)),
    }
}
