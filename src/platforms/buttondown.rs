//! Buttondown: `GET /v1/subscribers?type=regular` with `Authorization: Token KEY`
//! (`BUTTONDOWN_API_KEY`, from Settings → API; one key per newsletter) → a page
//! `{"count": N, "next", "previous", "results": [...]}`, of which `count` is
//! the number of regular (active) subscribers. Errors: 401 `{"detail": "Invalid
//! token."}`, 429 "Request was throttled" with `Retry-After`. The handle names
//! the newsletter (its buttondown.com/NAME), for display and domains.

use jiff::Timestamp;
use serde::Deserialize;

use super::{
    Counts, FetchError, Fetched, Hue, PlatformKind, Request, Secrets, SimpleApi, count, json,
    required_token, said, status_error, url, why,
};
use crate::http::Response;
use crate::model::Account;

pub const API_ROOT: &str = "https://api.buttondown.com";
pub const TOKEN_VAR: &str = "BUTTONDOWN_API_KEY";

pub struct Buttondown;

#[derive(Deserialize)]
struct Page {
    #[serde(default)]
    count: serde_json::Value,
}

#[derive(Deserialize, Default)]
struct ButtondownError {
    #[serde(default, deserialize_with = "said")]
    detail: String,
}

/// Newsletter names and account names (Kit): no spaces, slashes or controls.
pub(crate) fn check_name(handle: &str, what: &str) -> Result<(), String> {
    let ok = !handle.is_empty()
        && handle
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if ok {
        Ok(())
    } else {
        Err(format!(
            "`{handle}` is not a {what} name (letters, digits, -, _ and .)"
        ))
    }
}

impl SimpleApi for Buttondown {
    const KIND: PlatformKind = PlatformKind::Buttondown;
    const ROOT: &'static str = API_ROOT;
    const HUE: Hue = Hue::Blue;

    fn metric(&self, _handle: &str) -> &'static str {
        "subscribers"
    }

    fn domains(&self, account: &Account) -> Vec<String> {
        vec![format!("buttondown.com/{}", account.handle.to_lowercase())]
    }

    fn validate(&self, account: &Account) -> Result<(), String> {
        check_name(&account.handle, "Buttondown newsletter")
    }

    fn request(
        &self,
        account: &Account,
        root: &str,
        secrets: &dyn Secrets,
    ) -> Result<Request, FetchError> {
        let key = required_token(account, TOKEN_VAR, secrets)?;
        Ok(
            Request::get(url(root, "/v1/subscribers", &[("type", "regular")])?)
                .header("authorization", format!("Token {key}")),
        )
    }

    fn interpret(
        &self,
        resp: &Response,
        account: &Account,
        now: Timestamp,
    ) -> Result<Fetched, FetchError> {
        let var = account.token_env.as_deref().unwrap_or(TOKEN_VAR);
        let e = || json::<ButtondownError>(resp).unwrap_or_default().detail;
        match resp.status {
            200 => {
                let p: Page = json(resp)?;
                Ok(Fetched::new(Counts {
                    followers: count(&p.count, "count")?,
                    following: None,
                    posts: None,
                }))
            }
            401 | 403 => Err(FetchError::Auth(format!(
                "Buttondown refused the API key in {var} ({}); copy the key from Settings → API",
                why(resp, &e())
            ))),
            429 => Err(FetchError::RateLimited {
                until: super::wait_until(resp, None, now),
                detail: "Buttondown API rate limit".into(),
            }),
            _ => Err(status_error(resp, Some(e()))),
        }
    }
}
