//! YouTube Data API v3: `GET /youtube/v3/channels?part=statistics` with
//! `forHandle=@handle` or `id=UC...`, and `key`. Counts are JSON strings.
//! An unknown channel is a 200 without `items`; a hidden subscriber count has
//! `hiddenSubscriberCount: true`; an exhausted daily quota is 403 with reason
//! `quotaExceeded` and resets at midnight Pacific time.
//! Key: `YOUTUBE_API_KEY`, or the variable named by `token_env`.

use futures_util::future::BoxFuture;
use jiff::Timestamp;
use serde::Deserialize;

use super::{
    Counts, FetchError, Fetched, Platform, PlatformKind, Request, count, json, required_token,
    status_error, url,
};
use crate::http::{Http, Response};
use crate::model::Account;

pub const API_ROOT: &str = "https://www.googleapis.com";

pub struct Youtube;

#[derive(Deserialize)]
struct ListResponse {
    #[serde(default)]
    items: Vec<Channel>,
}

#[derive(Deserialize)]
struct Channel {
    statistics: Option<serde_json::Map<String, serde_json::Value>>,
}

#[derive(Deserialize, Default)]
struct ErrorBody {
    #[serde(default)]
    error: GoogleError,
}

#[derive(Deserialize, Default)]
struct GoogleError {
    #[serde(default)]
    message: String,
    #[serde(default)]
    errors: Vec<GoogleErrorItem>,
}

#[derive(Deserialize, Default)]
struct GoogleErrorItem {
    #[serde(default)]
    reason: String,
}

fn is_channel_id(handle: &str) -> bool {
    handle.starts_with("UC") && handle.len() == 24
}

/// The next midnight in America/Los_Angeles, when YouTube's daily quota resets.
pub fn quota_reset(now: Timestamp) -> Timestamp {
    let pacific = jiff::tz::TimeZone::get("America/Los_Angeles")
        .unwrap_or_else(|_| jiff::tz::TimeZone::fixed(jiff::tz::offset(-8)));
    let z = now.to_zoned_datetime(pacific.clone());
    z.date()
        .tomorrow()
        .ok()
        .and_then(|d| d.to_zoned_datetime(pacific).ok())
        .map_or(now, |z| z.timestamp())
}

fn interpret(resp: &Response, account: &Account, now: Timestamp) -> Result<Fetched, FetchError> {
    if resp.status == 200 {
        let list: ListResponse = json(resp)?;
        let Some(stats) = list.items.into_iter().next().and_then(|c| c.statistics) else {
            return Err(FetchError::NotFound(format!(
                "no YouTube channel {}",
                account.handle
            )));
        };
        if stats.get("hiddenSubscriberCount").and_then(|v| v.as_bool()) == Some(true) {
            return Err(FetchError::Status(
                "the channel hides its subscriber count; YouTube does not give it out".into(),
            ));
        }
        let subscribers = stats
            .get("subscriberCount")
            .and_then(count)
            .ok_or_else(|| FetchError::BadResponse("no subscriberCount in statistics".into()))?;
        return Ok(Fetched::new(Counts {
            followers: subscribers,
            following: None,
            posts: stats.get("videoCount").and_then(count),
        }));
    }
    let e: ErrorBody = json(resp).unwrap_or_default();
    let reasons: Vec<&str> = e.error.errors.iter().map(|i| i.reason.as_str()).collect();
    if reasons.contains(&"quotaExceeded") || reasons.contains(&"dailyLimitExceeded") {
        return Err(FetchError::RateLimited {
            until: quota_reset(now),
            detail: "YouTube API daily quota used up; it resets at midnight Pacific time".into(),
        });
    }
    if resp.status == 429 || reasons.contains(&"rateLimitExceeded") {
        return Err(FetchError::RateLimited {
            until: super::wait_until(resp, None, now),
            detail: "YouTube API rate limit".into(),
        });
    }
    let bad_key = e.error.message.to_lowercase().contains("api key");
    match resp.status {
        400 if bad_key => Err(FetchError::Auth(format!(
            "YouTube rejected the API key ({})",
            e.error.message
        ))),
        401 | 403 => Err(FetchError::Auth(format!(
            "YouTube refused the request ({})",
            if e.error.message.is_empty() {
                reasons.join(", ")
            } else {
                e.error.message.clone()
            }
        ))),
        404 => Err(FetchError::NotFound(format!(
            "no YouTube channel {}",
            account.handle
        ))),
        _ => Err(status_error(resp, Some(e.error.message))),
    }
}

fn request(account: &Account, root: &str) -> Result<Request, FetchError> {
    let key = required_token(account, "YOUTUBE_API_KEY")?;
    let handle = format!("@{}", account.handle);
    let by: (&str, &str) = if is_channel_id(&account.handle) {
        ("id", &account.handle)
    } else {
        ("forHandle", &handle)
    };
    Ok(Request::get(url(
        root,
        "/youtube/v3/channels",
        &[("part", "statistics"), by, ("key", &key)],
    )?))
}

impl Platform for Youtube {
    fn kind(&self) -> PlatformKind {
        PlatformKind::Youtube
    }

    fn metric(&self, _handle: &str) -> &'static str {
        "subscribers"
    }

    fn check_handle(&self, account: &Account) -> Result<(), String> {
        let h = &account.handle;
        if h.contains('/') || h.contains(' ') {
            return Err(format!(
                "`{h}` is not a YouTube handle (@name) or channel id (UC...)"
            ));
        }
        Ok(())
    }

    fn api_root(&self, account: &Account) -> String {
        super::root_or(account, API_ROOT)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quota_resets_at_pacific_midnight() {
        // 2026-07-01 20:00 UTC is 13:00 PDT; the reset is 07:00 UTC on July 2
        let now = Timestamp::from_second(1_782_936_000).unwrap();
        assert_eq!(quota_reset(now).to_string(), "2026-07-02T07:00:00Z");
    }
}
