//! Misskey (and forks): `POST /api/users/show` with `{"username", "host"}`
//! answers a UserDetailed (`followersCount`, `followingCount`, `notesCount`).
//! Unknown: 404 (400 before 2024) `{"error":{"message":"No such user.","code":"NO_SUCH_USER",...}}`.
//! Rate limit: 429 `{"error":{"code":"RATE_LIMIT_EXCEEDED","info":{"resetMs":...}}}`.
//! Handle `user@instance`. A user whose follower list is not public
//! (`followersVisibility`, `ffVisibility` before 2023.x, "followers" or
//! "private") is answered with `followersCount: 0`: that is a hidden count.

use jiff::Timestamp;
use serde::Deserialize;

use super::{
    Counts, FetchError, Fetched, Hue, PlatformKind, Request, Secrets, SimpleApi, count, json,
    opt_count, said, status_error, url, why,
};
use crate::http::Response;
use crate::model::Account;

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
                    .and_then(|v| v.as_f64())
                    .filter(|ms| ms.is_finite() && (0.0..=86_400_000.0 * 7.0).contains(ms));
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
                why(resp, &e.message)
            ))),
            _ => Err(status_error(resp, Some(e.message))),
        }
    }
}
