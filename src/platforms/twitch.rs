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
//!
//! Past: `GET /helix/channels/followers?broadcaster_id=&first=100&after=`
//! with a user token of the broadcaster or one of its moderators, scope
//! `moderator:read:followers` (`TWITCH_TOKEN` or `token_env`), answers
//! `{"total": N, "data": [{"user_id", "user_login", "user_name",
//! "followed_at"}], "pagination": {"cursor": "..."}}`, newest first; other
//! tokens get `total` with an empty `data`. A lower bound (unfollows are gone).

use futures_util::future::BoxFuture;
use jiff::Timestamp;
use serde::Deserialize;

use super::oauth::{self, TokenRequest};
use super::{
    Counts, FetchError, Fetched, Hue, PastKind, PastPage, PastSource, Platform, PlatformKind,
    Secrets, count, epoch_header, int_header, json, required_env, required_token, rfc3339, said,
    status_error, url, why,
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

/// A page of `channels/followers` with the followers listed.
#[derive(Deserialize)]
struct FollowerPage {
    #[serde(default)]
    total: serde_json::Value,
    #[serde(default)]
    data: Vec<Follow>,
    #[serde(default)]
    pagination: Pagination,
}

#[derive(Deserialize)]
struct Follow {
    #[serde(deserialize_with = "said")]
    followed_at: String,
}

#[derive(Deserialize, Default)]
struct Pagination {
    #[serde(default, deserialize_with = "said")]
    cursor: String,
}

/// What reading the follower list needs, named in its errors.
const LIST_ACCESS: &str = "a user access token of the broadcaster or one of its moderators with the scope moderator:read:followers";

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

    fn past(&self, _account: &Account) -> Option<PastSource> {
        Some(PastSource {
            kind: PastKind::JoinedNewestFirst,
            what: "Twitch's follow dates",
            monthly: false,
        })
    }

    fn past_page<'a>(
        &'a self,
        http: &'a Http,
        account: &'a Account,
        secrets: &'a dyn Secrets,
        cursor: Option<&'a str>,
        _since: Timestamp,
        now: Timestamp,
    ) -> BoxFuture<'a, Result<PastPage, FetchError>> {
        Box::pin(self.follower_page(http, account, secrets, cursor, now))
    }
}

impl Twitch {
    /// One page of the follower list, newest first (`cursor`: `"<broadcaster
    /// id> <pagination cursor>"`; the first page looks the id up).
    async fn follower_page(
        &self,
        http: &Http,
        account: &Account,
        secrets: &dyn Secrets,
        cursor: Option<&str>,
        now: Timestamp,
    ) -> Result<PastPage, FetchError> {
        let var = account.token_env.as_deref().unwrap_or("TWITCH_TOKEN");
        let client_id = required_env("TWITCH_CLIENT_ID", secrets)?;
        let token = required_token(account, "TWITCH_TOKEN", secrets)?;
        let headers = [
            ("client-id", client_id),
            ("authorization", format!("Bearer {token}")),
        ];
        let root = self.api_root(account);
        let refused = |resp: &Response| {
            FetchError::Auth(format!(
                "Twitch does not list the followers of {} to the token in {var} ({}): it needs {LIST_ACCESS}",
                account.handle,
                why(resp, &json::<HelixError>(resp).unwrap_or_default().message)
            ))
        };
        let (id, after) = match cursor.and_then(|c| c.split_once(' ')) {
            Some((id, after)) => (id.to_string(), after.to_string()),
            None => {
                let login = account.handle.to_lowercase();
                let resp = http
                    .get(url(&root, "/helix/users", &[("login", &login)])?, &headers)
                    .await?;
                if matches!(resp.status, 401 | 403) {
                    return Err(refused(&resp));
                }
                check(&resp, now)?;
                let users: Users = json(&resp)?;
                let id = users.data.into_iter().next().map(|u| u.id).ok_or_else(|| {
                    FetchError::NotFound(format!("no Twitch user {}", account.handle))
                })?;
                (id, String::new())
            }
        };
        let mut query = vec![("broadcaster_id", id.as_str()), ("first", "100")];
        if !after.is_empty() {
            query.push(("after", after.as_str()));
        }
        let resp = http
            .get(url(&root, "/helix/channels/followers", &query)?, &headers)
            .await?;
        if matches!(resp.status, 401 | 403) {
            return Err(refused(&resp));
        }
        check(&resp, now)?;
        let page: FollowerPage = json(&resp)?;
        let total = count(&page.total, "total")?;
        // another token gets the total and no list
        if total > 0 && page.data.is_empty() && after.is_empty() {
            return Err(FetchError::Auth(format!(
                "Twitch gave the token in {var} the total but not the list of followers of {}: it needs {LIST_ACCESS}",
                account.handle
            )));
        }
        let joined = page
            .data
            .iter()
            .map(|f| rfc3339(&f.followed_at, "followed_at"))
            .collect::<Result<Vec<i64>, _>>()?;
        let next = (!page.data.is_empty() && !page.pagination.cursor.is_empty())
            .then(|| format!("{id} {}", page.pagination.cursor));
        Ok(PastPage {
            joined,
            total: Some(total),
            next,
            hold_until: hold(&resp),
            ..PastPage::default()
        })
    }

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
