//! Misskey (and forks): `POST /api/users/show` with `{"username", "host"}`
//! answers a UserDetailed (`followersCount`, `followingCount`, `notesCount`).
//! Unknown: 404 (400 before 2024) `{"error":{"message":"No such user.","code":"NO_SUCH_USER",...}}`.
//! Rate limit: 429 `{"error":{"code":"RATE_LIMIT_EXCEEDED","info":{"resetMs":...}}}`.
//! Handle `user@instance`.

use futures_util::future::BoxFuture;
use jiff::Timestamp;
use serde::Deserialize;

use super::{
    Counts, FetchError, Fetched, Platform, PlatformKind, Request, json, status_error, url,
};
use crate::http::{Http, Response};
use crate::model::Account;

pub struct Misskey;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct User {
    followers_count: i64,
    following_count: Option<i64>,
    notes_count: Option<i64>,
}

#[derive(Deserialize, Default)]
struct ErrorBody {
    #[serde(default)]
    error: MisskeyError,
}

#[derive(Deserialize, Default)]
struct MisskeyError {
    #[serde(default)]
    message: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    info: serde_json::Map<String, serde_json::Value>,
}

fn split(handle: &str) -> Option<(&str, &str)> {
    handle
        .split_once('@')
        .filter(|(u, h)| !u.is_empty() && !h.is_empty())
}

fn interpret(resp: &Response, account: &Account, now: Timestamp) -> Result<Fetched, FetchError> {
    if resp.status == 200 {
        let u: User = json(resp)?;
        return Ok(Fetched::new(Counts {
            followers: u.followers_count,
            following: u.following_count,
            posts: u.notes_count,
        }));
    }
    let e = json::<ErrorBody>(resp).unwrap_or_default().error;
    match (resp.status, e.code.as_str()) {
        (_, "NO_SUCH_USER") | (404, _) => Err(FetchError::NotFound(format!(
            "no Misskey user {}",
            account.handle
        ))),
        (_, "RATE_LIMIT_EXCEEDED") | (429, _) => {
            let reset_ms = e
                .info
                .get("resetMs")
                .or_else(|| e.info.get("fullResetMs"))
                .and_then(|v| v.as_f64());
            let until = match reset_ms {
                Some(ms) => now
                    .checked_add(jiff::SignedDuration::from_millis(ms.ceil() as i64))
                    .unwrap_or(now),
                None => super::wait_until(resp, None, now),
            };
            Err(FetchError::RateLimited {
                until,
                detail: "Misskey rate limit".into(),
            })
        }
        (401 | 403, _) => Err(FetchError::Auth(format!(
            "the server refused the request ({})",
            e.message
        ))),
        _ => Err(status_error(resp, Some(e.message))),
    }
}

fn request(account: &Account, root: &str) -> Result<Request, FetchError> {
    let (user, host) = split(&account.handle).unwrap_or((&account.handle, ""));
    // the instance itself knows its local users with host = null
    let own = account.base_url.is_none();
    let body = serde_json::json!({"username": user, "host": if own { None } else { Some(host) }});
    Ok(Request::post_json(url(root, "/api/users/show", &[])?, body))
}

impl Platform for Misskey {
    fn kind(&self) -> PlatformKind {
        PlatformKind::Misskey
    }

    fn check_handle(&self, account: &Account) -> Result<(), String> {
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

    fn fetch<'a>(
        &'a self,
        http: &'a Http,
        account: &'a Account,
        _known: Option<&'a str>,
    ) -> BoxFuture<'a, Result<Fetched, FetchError>> {
        super::fetch_one(self, http, account, request, interpret)
    }
}
