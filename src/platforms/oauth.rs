//! App access tokens that socialtop obtains itself by the OAuth 2.0
//! client-credentials flow (Reddit, Twitch): fetched once, held in memory
//! only (never written anywhere), reused until they expire, renewed when they
//! do or when the API answers 401.

use std::collections::HashMap;
use std::sync::OnceLock;

use jiff::{SignedDuration, Timestamp};
use serde::Deserialize;
use tokio::sync::Mutex;

use super::{FetchError, said, why};
use crate::http::{Http, Response};

/// Tokens by token endpoint and client id. One lock for all: token requests
/// are rare, and holding it while one is fetched makes accounts polled at
/// once share one request.
fn cache() -> &'static Mutex<HashMap<String, (String, Timestamp)>> {
    static CACHE: OnceLock<Mutex<HashMap<String, (String, Timestamp)>>> = OnceLock::new();
    CACHE.get_or_init(|| Mutex::new(HashMap::new()))
}

/// The token endpoint's answer (RFC 6749 §5.1).
#[derive(Deserialize)]
struct TokenAnswer {
    #[serde(default)]
    access_token: String,
    #[serde(default)]
    expires_in: serde_json::Value,
}

/// An RFC 6749 §5.2 error (`{"error": "invalid_client", ...}`); Twitch
/// answers `{"status": 400, "message": "invalid client secret"}`.
#[derive(Deserialize, Default)]
struct TokenError {
    #[serde(default, deserialize_with = "said")]
    error: String,
    #[serde(default, deserialize_with = "said")]
    message: String,
}

/// Renewed this long before the expiry the platform gave.
const MARGIN: SignedDuration = SignedDuration::from_secs(60);

/// How a platform asks for a token: where, with which headers and form.
pub(crate) struct TokenRequest<'a> {
    /// Cache key part besides the URL: the client id.
    pub client_id: &'a str,
    pub url: reqwest::Url,
    pub headers: Vec<(&'static str, String)>,
    pub form: Vec<(&'static str, &'a str)>,
    /// "Reddit", for messages.
    pub name: &'static str,
    /// The variables holding the client credentials, for messages.
    pub vars: &'static str,
}

fn key(req: &TokenRequest) -> String {
    format!("{}\n{}", req.url, req.client_id)
}

/// A live token for these client credentials: the one in memory, else a new one.
pub(crate) async fn token(
    http: &Http,
    req: &TokenRequest<'_>,
    now: Timestamp,
) -> Result<String, FetchError> {
    let mut cache = cache().lock().await;
    let k = key(req);
    if let Some((t, until)) = cache.get(&k)
        && now < *until
    {
        return Ok(t.clone());
    }
    cache.remove(&k);
    let resp = http
        .post_form(req.url.clone(), &req.headers, &req.form)
        .await?;
    let (t, expires_in) = read(&resp, req, now)?;
    let until = now
        .checked_add(SignedDuration::from_secs(expires_in.min(365 * 86_400)) - MARGIN)
        .unwrap_or(now);
    cache.insert(k, (t.clone(), until));
    Ok(t)
}

/// Forgets a token the API refused (401), so the next call fetches a new one.
pub(crate) async fn forget(req: &TokenRequest<'_>) {
    cache().lock().await.remove(&key(req));
}

fn read(resp: &Response, req: &TokenRequest, now: Timestamp) -> Result<(String, i64), FetchError> {
    match resp.status {
        200 => {
            let a: TokenAnswer = super::json(resp)?;
            let t = a.access_token.trim().to_string();
            if t.is_empty() {
                return Err(FetchError::BadResponse(format!(
                    "{}'s token endpoint answered without an access_token",
                    req.name
                )));
            }
            // a missing or odd expires_in: renew after an hour
            let secs = super::count(&a.expires_in, "expires_in").unwrap_or(3600);
            Ok((t, secs))
        }
        429 => Err(FetchError::RateLimited {
            until: super::wait_until(resp, None, now),
            detail: format!("{} token endpoint rate limit", req.name),
        }),
        400 | 401 | 403 => {
            let e: TokenError = super::json(resp).unwrap_or_default();
            let said = if e.message.is_empty() {
                e.error
            } else {
                e.message
            };
            Err(FetchError::Auth(format!(
                "{} refused the client credentials in {} ({})",
                req.name,
                req.vars,
                why(resp, &said)
            )))
        }
        _ => Err(super::status_error(resp, None)),
    }
}
