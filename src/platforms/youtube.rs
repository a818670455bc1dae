//! YouTube Data API v3: `GET /youtube/v3/channels?part=statistics` with
//! `forHandle=@handle` or `id=UC...`, and `key`. Counts are JSON strings.
//! An unknown channel is a 200 without `items`; a hidden subscriber count has
//! `hiddenSubscriberCount: true`; an exhausted daily quota is 403 with reason
//! `quotaExceeded` and resets at midnight Pacific time.
//! Key: `YOUTUBE_API_KEY`, or the variable named by `token_env`.

use jiff::Timestamp;
use serde::Deserialize;

use super::{
    Counts, FetchError, Fetched, Hue, PlatformKind, Request, Secrets, SimpleApi, count, json,
    opt_count, required_token, said, status_error, url, why,
};
use crate::http::Response;
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

/// Google's error format: `{"error": {"code", "message", "errors": [{"message",
/// "domain", "reason"}], "status", "details": [{"@type", "reason", ...}]}}`.
#[derive(Deserialize, Default)]
struct ErrorBody {
    #[serde(default)]
    error: GoogleError,
}

#[derive(Deserialize, Default)]
struct GoogleError {
    #[serde(default, deserialize_with = "said")]
    message: String,
    #[serde(default)]
    errors: Vec<Reason>,
    #[serde(default)]
    details: Vec<Reason>,
}

#[derive(Deserialize, Default)]
struct Reason {
    #[serde(default, deserialize_with = "said")]
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

impl SimpleApi for Youtube {
    const KIND: PlatformKind = PlatformKind::Youtube;
    const ROOT: &'static str = API_ROOT;
    const HUE: Hue = Hue::Red;

    fn metric(&self, _handle: &str) -> &'static str {
        "subscribers"
    }

    fn domains(&self, _account: &Account) -> Vec<String> {
        vec!["youtube.com".into()]
    }

    fn validate(&self, account: &Account) -> Result<(), String> {
        let h = &account.handle;
        if h.contains('/') || h.contains(' ') {
            return Err(format!(
                "`{h}` is not a YouTube handle (@name) or channel id (UC...)"
            ));
        }
        Ok(())
    }

    fn request(
        &self,
        account: &Account,
        root: &str,
        secrets: &dyn Secrets,
    ) -> Result<Request, FetchError> {
        let key = required_token(account, "YOUTUBE_API_KEY", secrets)?;
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

    fn interpret(
        &self,
        resp: &Response,
        account: &Account,
        now: Timestamp,
    ) -> Result<Fetched, FetchError> {
        if resp.status == 200 {
            let list: ListResponse = json(resp)?;
            let Some(stats) = list.items.into_iter().next().and_then(|c| c.statistics) else {
                return Err(FetchError::NotFound(format!(
                    "no YouTube channel {}",
                    account.handle
                )));
            };
            if stats.get("hiddenSubscriberCount").and_then(|v| v.as_bool()) == Some(true) {
                return Err(FetchError::Hidden(
                    "the channel hides its subscriber count; YouTube does not give it out".into(),
                ));
            }
            return Ok(Fetched::new(Counts {
                followers: count(super::field(&stats, "subscriberCount"), "subscriberCount")?,
                following: None,
                posts: opt_count(super::field(&stats, "videoCount"), "videoCount")?,
            }));
        }
        let e: ErrorBody = json(resp).unwrap_or_default();
        let var = account.token_env.as_deref().unwrap_or("YOUTUBE_API_KEY");
        let reasons: Vec<&str> = e
            .error
            .errors
            .iter()
            .chain(&e.error.details)
            .map(|i| i.reason.as_str())
            .collect();
        let has = |r: &str| reasons.contains(&r);
        if has("quotaExceeded") || has("dailyLimitExceeded") {
            return Err(FetchError::RateLimited {
                until: quota_reset(now),
                detail: "YouTube API daily quota used up; it resets at midnight Pacific time"
                    .into(),
            });
        }
        if resp.status == 429 || has("rateLimitExceeded") || has("userRateLimitExceeded") {
            return Err(FetchError::RateLimited {
                until: super::wait_until(resp, None, now),
                detail: "YouTube API rate limit".into(),
            });
        }
        let bad_key = has("keyInvalid")
            || has("API_KEY_INVALID")
            || e.error.message.to_lowercase().contains("api key not valid");
        if bad_key {
            return Err(FetchError::Auth(format!(
                "the YouTube API key is invalid; check the key in {var}"
            )));
        }
        if has("keyExpired") || has("API_KEY_EXPIRED") {
            return Err(FetchError::Auth(format!(
                "the YouTube API key has expired; renew the key in {var}"
            )));
        }
        if has("accessNotConfigured") || has("SERVICE_DISABLED") {
            return Err(FetchError::Auth(
                "the YouTube Data API v3 is not enabled for this key's Google Cloud project".into(),
            ));
        }
        if has("ipRefererBlocked")
            || has("API_KEY_IP_ADDRESS_BLOCKED")
            || has("API_KEY_HTTP_REFERRER_BLOCKED")
            || has("API_KEY_SERVICE_BLOCKED")
        {
            return Err(FetchError::Auth(format!(
                "the key in {var} is restricted and may not call the YouTube Data API from here"
            )));
        }
        if has("channelNotFound") || resp.status == 404 {
            return Err(FetchError::NotFound(format!(
                "no YouTube channel {}",
                account.handle
            )));
        }
        if has("forbidden") {
            return Err(FetchError::Auth(
                "YouTube does not allow reading this channel's statistics (forbidden)".into(),
            ));
        }
        match resp.status {
            401 | 403 => Err(FetchError::Auth(format!(
                "YouTube refused the request ({})",
                if e.error.message.is_empty() && !reasons.is_empty() {
                    reasons.join(", ")
                } else {
                    why(resp, &e.error.message)
                }
            ))),
            _ => Err(status_error(resp, Some(e.error.message))),
        }
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
