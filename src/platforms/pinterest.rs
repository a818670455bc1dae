//! Pinterest API v5: the token owner's account, `GET /v5/user_account` with
//! `Authorization: Bearer` (`PINTEREST_TOKEN`, scope `user_accounts:read`) →
//! `{"account_type", "username", "follower_count", "following_count",
//! "pin_count", "monthly_views", ...}`. Errors: `{"code": N, "message": "..."}`
//! (401 authentication failed or expired token, 403 not permitted, 429 rate
//! limit with `X-RateLimit-Reset`). The handle is the token owner's username and is checked.

use jiff::Timestamp;
use serde::Deserialize;

use super::{
    Counts, FetchError, Fetched, Hue, PlatformKind, Request, Secrets, SimpleApi, count, json,
    opt_count, required_token, said, status_error, url, why,
};
use crate::http::Response;
use crate::model::Account;

pub const API_ROOT: &str = "https://api.pinterest.com";
pub const TOKEN_VAR: &str = "PINTEREST_TOKEN";

pub struct Pinterest;

#[derive(Deserialize, Default)]
struct PinterestError {
    #[serde(default, deserialize_with = "said")]
    message: String,
}

impl SimpleApi for Pinterest {
    const KIND: PlatformKind = PlatformKind::Pinterest;
    const ROOT: &'static str = API_ROOT;
    const HUE: Hue = Hue::Red;

    fn domains(&self, account: &Account) -> Vec<String> {
        vec![format!("pinterest.com/{}", account.handle.to_lowercase())]
    }

    fn validate(&self, account: &Account) -> Result<(), String> {
        let h = &account.handle;
        if !h.is_empty() && h.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            Ok(())
        } else {
            Err(format!("`{h}` is not a Pinterest username"))
        }
    }

    fn request(
        &self,
        account: &Account,
        root: &str,
        secrets: &dyn Secrets,
    ) -> Result<Request, FetchError> {
        let token = required_token(account, TOKEN_VAR, secrets)?;
        Ok(Request::get(url(root, "/v5/user_account", &[])?)
            .header("authorization", format!("Bearer {token}")))
    }

    fn interpret(
        &self,
        resp: &Response,
        account: &Account,
        now: Timestamp,
    ) -> Result<Fetched, FetchError> {
        let var = account.token_env.as_deref().unwrap_or(TOKEN_VAR);
        let e = || json::<PinterestError>(resp).unwrap_or_default().message;
        match resp.status {
            200 => {
                let u: serde_json::Map<String, serde_json::Value> = json(resp)?;
                if let Some(name) = u.get("username").and_then(|v| v.as_str())
                    && !name.eq_ignore_ascii_case(&account.handle)
                {
                    return Err(FetchError::Auth(format!(
                        "the token in {var} belongs to {}, not {}",
                        super::text::short(name, 40),
                        account.handle
                    )));
                }
                let f = |k: &str| super::field(&u, k);
                let hold = (super::int_header(resp, "x-ratelimit-remaining") == Some(0))
                    .then(|| super::reset_header(resp, "x-ratelimit-reset", now))
                    .flatten();
                Ok(Fetched::new(Counts {
                    followers: count(f("follower_count"), "follower_count")?,
                    following: opt_count(f("following_count"), "following_count")?,
                    posts: opt_count(f("pin_count"), "pin_count")?,
                })
                .hold(hold))
            }
            401 => Err(FetchError::Auth(format!(
                "Pinterest refused the token in {var} ({}); access tokens last 30 days: get a new one with the refresh token (POST /v5/oauth/token, grant_type=refresh_token)",
                why(resp, &e())
            ))),
            403 => Err(FetchError::Auth(format!(
                "Pinterest denied access ({}); the token in {var} needs the user_accounts:read scope",
                why(resp, &e())
            ))),
            429 => Err(FetchError::RateLimited {
                until: super::wait_until(resp, Some("x-ratelimit-reset"), now),
                detail: "Pinterest API rate limit".into(),
            }),
            _ => Err(status_error(resp, Some(e()))),
        }
    }
}
