//! beehiiv API v2: `GET /v2/publications/{publicationId}?expand[]=stats` with
//! `Authorization: Bearer` (`BEEHIIV_API_KEY`, Settings → API) →
//! `{"data": {"id": "pub_...", "name", "stats": {"active_subscriptions": N,
//! "active_premium_subscriptions", "active_free_subscriptions", ...}}}`.
//! Errors: `{"status": N, "statusText": "...", "errors": [{"message", "code"}]}`
//! (401, 403, 404 unknown publication, 429 with `Retry-After`).

use jiff::Timestamp;
use serde::Deserialize;

use super::{
    Counts, FetchError, Fetched, Hue, PlatformKind, Request, Secrets, SimpleApi, count, json,
    required_token, said, status_error, url, why,
};
use crate::http::Response;
use crate::model::Account;

pub const API_ROOT: &str = "https://api.beehiiv.com";
pub const TOKEN_VAR: &str = "BEEHIIV_API_KEY";

pub struct Beehiiv;

#[derive(Deserialize)]
struct Answer {
    data: Option<Publication>,
}

#[derive(Deserialize)]
struct Publication {
    #[serde(default)]
    stats: serde_json::Map<String, serde_json::Value>,
}

#[derive(Deserialize, Default)]
struct BeehiivError {
    #[serde(default)]
    errors: Vec<Message>,
    #[serde(default, rename = "statusText", deserialize_with = "said")]
    status_text: String,
}

#[derive(Deserialize, Default)]
struct Message {
    #[serde(default, deserialize_with = "said")]
    message: String,
}

impl SimpleApi for Beehiiv {
    const KIND: PlatformKind = PlatformKind::Beehiiv;
    const ROOT: &'static str = API_ROOT;
    const HUE: Hue = Hue::Yellow;

    fn metric(&self, _handle: &str) -> &'static str {
        "subscribers"
    }

    fn domains(&self, _account: &Account) -> Vec<String> {
        vec!["beehiiv.com".into()]
    }

    fn validate(&self, account: &Account) -> Result<(), String> {
        let h = &account.handle;
        let ok = h.len() > 4
            && h.starts_with("pub_")
            && h.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
        if ok {
            Ok(())
        } else {
            Err(format!(
                "`{h}` is not a beehiiv publication id (pub_..., in Settings → API)"
            ))
        }
    }

    fn request(
        &self,
        account: &Account,
        root: &str,
        secrets: &dyn Secrets,
    ) -> Result<Request, FetchError> {
        let key = required_token(account, TOKEN_VAR, secrets)?;
        let path = format!("/v2/publications/{}", account.handle);
        Ok(Request::get(url(root, &path, &[("expand[]", "stats")])?)
            .header("authorization", format!("Bearer {key}")))
    }

    fn interpret(
        &self,
        resp: &Response,
        account: &Account,
        now: Timestamp,
    ) -> Result<Fetched, FetchError> {
        let var = account.token_env.as_deref().unwrap_or(TOKEN_VAR);
        if resp.status == 200 {
            let a: Answer = json(resp)?;
            let stats = a.data.map(|p| p.stats).unwrap_or_default();
            return Ok(Fetched::new(Counts {
                followers: count(
                    super::field(&stats, "active_subscriptions"),
                    "active_subscriptions",
                )?,
                following: None,
                posts: None,
            }));
        }
        let e: BeehiivError = json(resp).unwrap_or_default();
        let said = e
            .errors
            .into_iter()
            .next()
            .map(|m| m.message)
            .filter(|m| !m.is_empty())
            .unwrap_or(e.status_text);
        match resp.status {
            401 | 403 => Err(FetchError::Auth(format!(
                "beehiiv refused the API key in {var} ({}); create one in Settings → API",
                why(resp, &said)
            ))),
            404 => Err(FetchError::NotFound(format!(
                "no beehiiv publication {}",
                account.handle
            ))),
            429 => Err(FetchError::RateLimited {
                until: super::wait_until(resp, None, now),
                detail: "beehiiv API rate limit".into(),
            }),
            _ => Err(status_error(resp, Some(said))),
        }
    }
}
