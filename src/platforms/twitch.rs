//! Twitch Helix. The user id is looked up once by login (`GET /helix/users?login=`,
//! an unknown login is `{"data": []}`) and kept; then
//! `GET /helix/channels/followers?broadcaster_id=` answers `{"total": N, ...}`.
//! Headers `Client-Id` (`TWITCH_CLIENT_ID`) and `Authorization: Bearer`: with
//! `TWITCH_CLIENT_SECRET` set (and no `token_env`), an app access token that
//! socialtop obtains by the client-credentials flow, `POST
//! https://id.twitch.tv/oauth2/token` with `client_id`, `client_secret`,
//! `grant_type=client_credentials` → `{"access_token", "expires_in",
//! "token_type": "bearer"}` (held in memory, renewed when it expires or on a
//! 401; with `base_url` set the token endpoint is `{base_url}/oauth2/token`);
//! else `TWITCH_TOKEN` (or `token_env`), a user access token. Rate limits: `Ratelimit-Remaining` and
//! `Ratelimit-Reset` (epoch seconds); errors are `{"error","status","message"}`.

use futures_util::future::BoxFuture;
use jiff::Timestamp;
use serde::Deserialize;

use super::oauth::{self, TokenRequest};
use super::{
    Counts, FetchError, Fetched, Hue, Platform, PlatformKind, Secrets, count, epoch_header,
    int_header, json, required_env, required_token, said, status_error, url, why,
};
use crate::http::{Http, Response};
use crate::model::Account;

pub const API_ROOT: &str = "https://api.twitch.tv";
pub const ID_ROOT: &str = "https://id.twitch.tv";

pub struct Twitch;

#[derive(Deserialize)]
struct Users {
    data: Vec<UserData>,
}

#[derive(Deserialize)]
struct UserData {
    id: String,
}

#[derive(Deserialize)]
struct Followers {
    #[serde(default)]
    total: serde_json::Value,
}

#[derive(Deserialize, Default)]
struct HelixError {
    #[serde(default, deserialize_with = "said")]
    message: String,
}

/// Errors common to both calls; `Ok` means the status was 200.
fn check(resp: &Response, now: Timestamp) -> Result<(), FetchError> {
    let e = || json::<HelixError>(resp).unwrap_or_default().message;
    match resp.status {
        200 => Ok(()),
        429 => Err(FetchError::RateLimited {
            until: super::wait_until(resp, Some("ratelimit-reset"), now),
            detail: "Twitch API rate limit".into(),
        }),
        401 | 403 => Err(FetchError::Auth(format!(
            "Twitch rejected the credentials ({}); check TWITCH_CLIENT_ID and the token",
            why(resp, &e())
        ))),
        _ => Err(status_error(resp, Some(e()))),
    }
}

fn hold(resp: &Response) -> Option<Timestamp> {
    (int_header(resp, "ratelimit-remaining") == Some(0))
        .then(|| epoch_header(resp, "ratelimit-reset"))
        .flatten()
}

impl Platform for Twitch {
    fn kind(&self) -> PlatformKind {
        PlatformKind::Twitch
    }

    fn hue(&self) -> Hue {
        Hue::Magenta
    }

    fn domains(&self, _account: &Account) -> Vec<String> {
        vec!["twitch.tv".into()]
    }

    fn check_handle(&self, account: &Account) -> Result<(), String> {
        let h = &account.handle;
        if !h.is_empty() && h.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            Ok(())
        } else {
            Err(format!(
                "`{h}` is not a Twitch login (letters, digits and _)"
            ))
        }
    }

    fn api_root(&self, account: &Account) -> String {
        super::root_or(account, API_ROOT)
    }

    fn fetch_counts<'a>(
        &'a self,
        http: &'a Http,
        account: &'a Account,
        known: Option<&'a str>,
        secrets: &'a dyn Secrets,
        now: Timestamp,
    ) -> BoxFuture<'a, Result<Fetched, FetchError>> {
        Box::pin(self.read(http, account, known, secrets, now))
    }
}

impl Twitch {
    /// With a client secret (and no `token_env`), the app access token; else
    /// the user token from the environment.
    async fn read(
        &self,
        http: &Http,
        account: &Account,
        known: Option<&str>,
        secrets: &dyn Secrets,
        now: Timestamp,
    ) -> Result<Fetched, FetchError> {
        let client_id = required_env("TWITCH_CLIENT_ID", secrets)?;
        let secret = secrets
            .get("TWITCH_CLIENT_SECRET")
            .filter(|_| account.token_env.is_none());
        let Some(secret) = secret else {
            let token = match (&account.token_env, secrets.get("TWITCH_TOKEN")) {
                (None, None) => {
                    return Err(FetchError::MissingSecret(
                        "TWITCH_CLIENT_SECRET or TWITCH_TOKEN".into(),
                    ));
                }
                _ => required_token(account, "TWITCH_TOKEN", secrets)?,
            };
            return self
                .read_with(http, account, known, &client_id, &token, now)
                .await;
        };
        let root = super::root_or(account, ID_ROOT);
        let req = TokenRequest {
            client_id: &client_id,
            url: url(&root, "/oauth2/token", &[])?,
            headers: Vec::new(),
            form: vec![
                ("client_id", client_id.as_str()),
                ("client_secret", secret.as_str()),
                ("grant_type", "client_credentials"),
            ],
            name: "Twitch",
            vars: "TWITCH_CLIENT_ID and TWITCH_CLIENT_SECRET",
        };
        let token = oauth::token(http, &req, now).await?;
        match self
            .read_with(http, account, known, &client_id, &token, now)
            .await
        {
            // the app token was revoked or expired early: a new one, once
            Err(FetchError::Auth(_)) => {
                oauth::forget(&req).await;
                let token = oauth::token(http, &req, now).await?;
                self.read_with(http, account, known, &client_id, &token, now)
                    .await
            }
            other => other,
        }
    }

    /// The user id (looked up unless known), then its follower total.
    async fn read_with(
        &self,
        http: &Http,
        account: &Account,
        known: Option<&str>,
        client_id: &str,
        token: &str,
        now: Timestamp,
    ) -> Result<Fetched, FetchError> {
        {
            let headers = [
                ("client-id", client_id.to_string()),
                ("authorization", format!("Bearer {token}")),
            ];
            let root = self.api_root(account);
            let followers = |id: String| {
                let headers = &headers;
                let root = &root;
                async move {
                    http.get(
                        url(
                            root,
                            "/helix/channels/followers",
                            &[("broadcaster_id", &id)],
                        )?,
                        headers,
                    )
                    .await
                    .map_err(FetchError::from)
                }
            };
            let lookup = || async {
                let login = account.handle.to_lowercase();
                let resp = http
                    .get(url(&root, "/helix/users", &[("login", &login)])?, &headers)
                    .await?;
                check(&resp, now)?;
                let users: Users = json(&resp)?;
                users.data.into_iter().next().map(|u| u.id).ok_or_else(|| {
                    FetchError::NotFound(format!("no Twitch user {}", account.handle))
                })
            };
            let (mut resp, mut looked_up) = match known {
                Some(id) => (followers(id.to_string()).await?, None),
                None => {
                    let id = lookup().await?;
                    (followers(id.clone()).await?, Some(id))
                }
            };
            // a kept id that no longer works (the account was renamed or
            // deleted): look the login up again, once
            if known.is_some() && matches!(resp.status, 400 | 404) {
                let id = lookup().await?;
                resp = followers(id.clone()).await?;
                looked_up = Some(id);
            }
            check(&resp, now)?;
            let f: Followers = json(&resp)?;
            let mut fetched = Fetched::new(Counts {
                followers: count(&f.total, "total")?,
                following: None,
                posts: None,
            })
            .hold(hold(&resp));
            fetched.remember = looked_up;
            Ok(fetched)
        }
    }
}
