//! TikTok Display API v2: the token owner's counts,
//! `GET /v2/user/info/?fields=open_id,username,follower_count,following_count,video_count`
//! with `Authorization: Bearer` (`TIKTOK_TOKEN`; scopes `user.info.basic`,
//! `user.info.profile`, `user.info.stats`) → `{"data": {"user": {...}},
//! "error": {"code": "ok", "message": "", "log_id": "..."}}`. Errors keep the
//! shape with another `code`: `access_token_invalid` (401; access tokens last
//! 24 hours), `scope_not_authorized` (401), `rate_limit_exceeded` (429),
//! `invalid_params` (400). The handle is the token owner's username and is checked.

use jiff::Timestamp;
use serde::Deserialize;

use super::{
    Counts, FetchError, Fetched, Hue, PlatformKind, Request, Secrets, SimpleApi, count, json,
    opt_count, required_token, said, status_error, url, why,
};
use crate::http::Response;
use crate::model::Account;

pub const API_ROOT: &str = "https://open.tiktokapis.com";
pub const TOKEN_VAR: &str = "TIKTOK_TOKEN";

pub struct Tiktok;

#[derive(Deserialize, Default)]
struct Answer {
    data: Option<Data>,
    #[serde(default)]
    error: TiktokError,
}

#[derive(Deserialize)]
struct Data {
    user: Option<serde_json::Map<String, serde_json::Value>>,
}

#[derive(Deserialize, Default)]
struct TiktokError {
    #[serde(default, deserialize_with = "said")]
    code: String,
    #[serde(default, deserialize_with = "said")]
    message: String,
}

impl SimpleApi for Tiktok {
    const KIND: PlatformKind = PlatformKind::Tiktok;
    const ROOT: &'static str = API_ROOT;
    const HUE: Hue = Hue::Cyan;

    fn domains(&self, account: &Account) -> Vec<String> {
        vec![format!("tiktok.com/@{}", account.handle.to_lowercase())]
    }

    fn validate(&self, account: &Account) -> Result<(), String> {
        let h = &account.handle;
        let ok = !h.is_empty()
            && h.len() <= 24
            && h.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '_');
        if ok {
            Ok(())
        } else {
            Err(format!(
                "`{h}` is not a TikTok username (letters, digits, . and _)"
            ))
        }
    }

    fn request(
        &self,
        account: &Account,
        root: &str,
        secrets: &dyn Secrets,
    ) -> Result<Request, FetchError> {
        let token = required_token(account, TOKEN_VAR, secrets)?;
        Ok(Request::get(url(
            root,
            "/v2/user/info/",
            &[(
                "fields",
                "open_id,username,follower_count,following_count,video_count",
            )],
        )?)
        .header("authorization", format!("Bearer {token}")))
    }

    fn interpret(
        &self,
        resp: &Response,
        account: &Account,
        now: Timestamp,
    ) -> Result<Fetched, FetchError> {
        let var = account.token_env.as_deref().unwrap_or(TOKEN_VAR);
        let a: Answer = if resp.status == 200 {
            json(resp)?
        } else {
            json(resp).unwrap_or_default()
        };
        let code = a.error.code.as_str();
        if resp.status == 200 && (code == "ok" || code.is_empty()) {
            let Some(user) = a.data.and_then(|d| d.user) else {
                return Err(FetchError::BadResponse("no data.user in the answer".into()));
            };
            if let Some(name) = user.get("username").and_then(|v| v.as_str())
                && !name.eq_ignore_ascii_case(&account.handle)
            {
                return Err(FetchError::Auth(format!(
                    "the token in {var} belongs to @{}, not @{}; TikTok gives counts only to the account's own token",
                    super::text::short(name, 40),
                    account.handle
                )));
            }
            let f = |k: &str| super::field(&user, k);
            return Ok(Fetched::new(Counts {
                followers: count(f("follower_count"), "follower_count")?,
                following: opt_count(f("following_count"), "following_count")?,
                posts: opt_count(f("video_count"), "video_count")?,
            }));
        }
        match code {
            "access_token_invalid" => Err(FetchError::Auth(format!(
                "the TikTok token in {var} is invalid or has expired (access tokens last 24 hours); get a new one with the refresh token (POST /v2/oauth/token/, grant_type=refresh_token) and put it there"
            ))),
            "scope_not_authorized" => Err(FetchError::Auth(format!(
                "the token in {var} lacks a scope; authorize user.info.basic, user.info.profile and user.info.stats"
            ))),
            "rate_limit_exceeded" => Err(FetchError::RateLimited {
                until: super::wait_until(resp, None, now),
                detail: "TikTok API rate limit".into(),
            }),
            _ => match resp.status {
                429 => Err(FetchError::RateLimited {
                    until: super::wait_until(resp, None, now),
                    detail: "TikTok API rate limit".into(),
                }),
                401 | 403 => Err(FetchError::Auth(format!(
                    "TikTok refused the token in {var} ({})",
                    why(resp, &a.error.message)
                ))),
                _ => Err(status_error(
                    resp,
                    Some(if code.is_empty() {
                        a.error.message
                    } else {
                        format!("{code}: {}", a.error.message)
                    }),
                )),
            },
        }
    }
}
