//! Patreon API v2: a campaign's patrons,
//! `GET /api/oauth2/v2/campaigns/{id}?fields[campaign]=patron_count` with
//! `Authorization: Bearer` (`PATREON_TOKEN`: the creator's access token, scope
//! `campaigns`) → JSON:API `{"data": {"attributes": {"patron_count": N},
//! "id": "...", "type": "campaign"}}`. Errors: `{"errors": [{"code",
//! "code_name", "detail", "id", "status", "title"}]}` (401 `Unauthorized`,
//! 403 `Forbidden`, 404 `ResourceMissing`, 429 with `retry_after_seconds`).

use jiff::Timestamp;
use serde::Deserialize;

use super::{
    Counts, FetchError, Fetched, Hue, PlatformKind, Request, Secrets, SimpleApi, count, json,
    required_token, said, status_error, url, why,
};
use crate::http::Response;
use crate::model::Account;

pub const API_ROOT: &str = "https://www.patreon.com";
pub const TOKEN_VAR: &str = "PATREON_TOKEN";

pub struct Patreon;

#[derive(Deserialize)]
struct Document {
    data: Option<Resource>,
}

#[derive(Deserialize)]
struct Resource {
    #[serde(default)]
    attributes: serde_json::Map<String, serde_json::Value>,
}

#[derive(Deserialize, Default)]
struct Errors {
    #[serde(default)]
    errors: Vec<PatreonError>,
}

#[derive(Deserialize, Default)]
struct PatreonError {
    #[serde(default, deserialize_with = "said")]
    code_name: String,
    #[serde(default, deserialize_with = "said")]
    detail: String,
    #[serde(default)]
    retry_after_seconds: Option<f64>,
}

impl SimpleApi for Patreon {
    const KIND: PlatformKind = PlatformKind::Patreon;
    const ROOT: &'static str = API_ROOT;
    const HUE: Hue = Hue::Red;

    fn metric(&self, _handle: &str) -> &'static str {
        "patrons"
    }

    fn domains(&self, _account: &Account) -> Vec<String> {
        vec!["patreon.com".into()]
    }

    fn validate(&self, account: &Account) -> Result<(), String> {
        let h = &account.handle;
        if !h.is_empty() && h.chars().all(|c| c.is_ascii_digit()) {
            Ok(())
        } else {
            Err(format!(
                "`{h}` is not a Patreon campaign id (digits; GET /api/oauth2/v2/campaigns lists yours)"
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
        let path = format!("/api/oauth2/v2/campaigns/{}", account.handle);
        Ok(
            Request::get(url(root, &path, &[("fields[campaign]", "patron_count")])?)
                .header("authorization", format!("Bearer {token}")),
        )
    }

    fn interpret(
        &self,
        resp: &Response,
        account: &Account,
        now: Timestamp,
    ) -> Result<Fetched, FetchError> {
        let var = account.token_env.as_deref().unwrap_or(TOKEN_VAR);
        if resp.status == 200 {
            let d: Document = json(resp)?;
            let attrs = d.data.map(|r| r.attributes).unwrap_or_default();
            return Ok(Fetched::new(Counts {
                followers: count(super::field(&attrs, "patron_count"), "patron_count")?,
                following: None,
                posts: None,
            }));
        }
        let e = json::<Errors>(resp)
            .unwrap_or_default()
            .errors
            .into_iter()
            .next()
            .unwrap_or_default();
        match resp.status {
            401 => Err(FetchError::Auth(format!(
                "Patreon refused the token in {var} ({}); creator tokens expire: refresh it in the Patreon developer portal (Clients & API keys) and put it there",
                why(resp, &e.detail)
            ))),
            403 => Err(FetchError::Auth(format!(
                "Patreon denied access to campaign {} ({}); the token must be the campaign owner's, with the campaigns scope",
                account.handle,
                why(resp, &e.detail)
            ))),
            404 => Err(FetchError::NotFound(format!(
                "no Patreon campaign {}",
                account.handle
            ))),
            429 => {
                let until = e
                    .retry_after_seconds
                    .filter(|s| s.is_finite() && *s >= 0.0)
                    .and_then(|s| {
                        now.checked_add(jiff::SignedDuration::from_secs(
                            s.min(31.0 * 86_400.0).ceil() as i64,
                        ))
                        .ok()
                    })
                    .unwrap_or_else(|| super::wait_until(resp, None, now));
                Err(FetchError::RateLimited {
                    until,
                    detail: "Patreon API rate limit".into(),
                })
            }
            _ => Err(status_error(
                resp,
                Some(if e.detail.is_empty() {
                    e.code_name
                } else {
                    e.detail
                }),
            )),
        }
    }
}
