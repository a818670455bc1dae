//! Lemmy communities: `GET /api/v3/community?name=NAME` (`name@instance` for a
//! remote one) answers `{"community_view": {"counts": {"subscribers", "posts", ...}}}`.
//! Errors are `{"error": "couldnt_find_community"}` (400 or 404); a rate limit
//! is `{"error": "rate_limit_error"}` (400 in 0.19, 429 before).
//! Handle `!community@instance` or `community@instance`.

use jiff::Timestamp;
use serde::Deserialize;

use super::{
    Counts, FetchError, Fetched, Hue, PlatformKind, Request, Secrets, SimpleApi, count, json,
    opt_count, said, status_error, url,
};
use crate::http::Response;
use crate::model::Account;

pub struct Lemmy;

#[derive(Deserialize)]
struct CommunityResponse {
    community_view: CommunityView,
}

#[derive(Deserialize)]
struct CommunityView {
    counts: CommunityCounts,
}

#[derive(Deserialize)]
struct CommunityCounts {
    #[serde(default)]
    subscribers: serde_json::Value,
    #[serde(default)]
    posts: serde_json::Value,
}

#[derive(Deserialize, Default)]
struct LemmyError {
    #[serde(default, deserialize_with = "said")]
    error: String,
}

fn split(handle: &str) -> Option<(&str, &str)> {
    handle
        .trim_start_matches('!')
        .split_once('@')
        .filter(|(c, h)| !c.is_empty() && !h.is_empty())
}

impl SimpleApi for Lemmy {
    const KIND: PlatformKind = PlatformKind::Lemmy;
    const ROOT: &'static str = "";
    const HUE: Hue = Hue::Green;

    fn metric(&self, _handle: &str) -> &'static str {
        "subscribers"
    }

    fn validate(&self, account: &Account) -> Result<(), String> {
        split(&account.handle).map(|_| ()).ok_or_else(|| {
            format!(
                "`{}` is not a Lemmy community; write it as !community@instance",
                account.handle
            )
        })
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
        let (community, host) = split(&account.handle).unwrap_or((&account.handle, ""));
        let name = format!("{community}@{host}");
        Ok(Request::get(url(
            root,
            "/api/v3/community",
            &[("name", &name)],
        )?))
    }

    fn interpret(
        &self,
        resp: &Response,
        account: &Account,
        now: Timestamp,
    ) -> Result<Fetched, FetchError> {
        if resp.status == 200 {
            let c: CommunityResponse = json(resp)?;
            let counts = c.community_view.counts;
            return Ok(Fetched::new(Counts {
                followers: count(&counts.subscribers, "subscribers")?,
                following: None,
                posts: opt_count(&counts.posts, "posts")?,
            }));
        }
        let e: LemmyError = json(resp).unwrap_or_default();
        match (resp.status, e.error.as_str()) {
            (_, "rate_limit_error") | (429, _) => Err(FetchError::RateLimited {
                until: super::wait_until(resp, None, now),
                detail: "Lemmy rate limit".into(),
            }),
            (_, "couldnt_find_community") | (404, _) => Err(FetchError::NotFound(format!(
                "no Lemmy community {}",
                account.handle
            ))),
            (_, code) if !code.is_empty() => Err(FetchError::Status(format!(
                "Lemmy refused the request: {code}"
            ))),
            _ => Err(status_error(resp, None)),
        }
    }
}
