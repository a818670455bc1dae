//! Reddit. With `REDDIT_CLIENT_ID` and `REDDIT_CLIENT_SECRET` set, the
//! app-only OAuth flow: `POST https://www.reddit.com/api/v1/access_token` with
//! basic auth `client_id:secret` and `grant_type=client_credentials` →
//! `{"access_token", "token_type": "bearer", "expires_in": 86400, "scope": "*"}`
//! (held in memory, renewed when it expires or on a 401), then the same paths
//! without `.json` on `https://oauth.reddit.com` with `Authorization: bearer`.
//! With `base_url` set, both the token endpoint and the API are under it.
//! Without them, the public JSON; when Reddit answers that with its block page
//! (a 403 HTML page, "blocked by network security"), the error names the variables.
//!
//! `u/NAME` → `GET /user/NAME/about.json` (`total_karma`,
//! metric "karma"); `r/NAME` → `GET /r/NAME/about.json` (`subscribers`, metric
//! "members"). Unknown: 404 `{"message": "Not Found", "error": 404}`; private
//! or quarantined subreddits: 403 with a `reason`; suspended users: 200 with
//! `is_suspended`. Reddit asks for a descriptive User-Agent, and counts its rate
//! limit in `x-ratelimit-remaining` with `x-ratelimit-reset` in seconds from now.

use jiff::Timestamp;
use serde::Deserialize;

use base64::Engine;
use futures_util::future::BoxFuture;

use super::oauth::{self, TokenRequest};
use super::{
    Counts, FetchError, Fetched, Hue, Platform, PlatformKind, Secrets, count, json, reset_header,
    said, status_error, url, why,
};
use crate::http::{Http, Response};
use crate::model::Account;

pub const API_ROOT: &str = "https://www.reddit.com";
pub const OAUTH_ROOT: &str = "https://oauth.reddit.com";
const VARS: &str = "REDDIT_CLIENT_ID and REDDIT_CLIENT_SECRET";

pub struct Reddit;

#[derive(Deserialize)]
struct Thing {
    #[serde(default)]
    kind: String,
    data: serde_json::Map<String, serde_json::Value>,
}

#[derive(Deserialize, Default)]
struct RedditError {
    #[serde(default, deserialize_with = "said")]
    reason: String,
    #[serde(default, deserialize_with = "said")]
    message: String,
}

/// `u/NAME` or `r/NAME` (also `/u/`, `user/`) → ("u" | "r", NAME).
fn parse(handle: &str) -> Option<(&'static str, &str)> {
    let h = handle.trim_start_matches('/');
    let (kind, name) = h.split_once('/')?;
    let kind = match kind.to_lowercase().as_str() {
        "u" | "user" => "u",
        "r" => "r",
        _ => return None,
    };
    let name = name.trim_end_matches('/');
    (!name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-'))
    .then_some((kind, name))
}

/// Reddit's User-Agent rule: `<platform>:<app id>:<version> (...)`.
pub fn user_agent() -> String {
    format!(
        "{}:socialtop:v{} (follower monitor; +https://crates.io/crates/socialtop)",
        std::env::consts::OS,
        env!("CARGO_PKG_VERSION")
    )
}

fn num(
    data: &serde_json::Map<String, serde_json::Value>,
    key: &str,
) -> Result<Option<i64>, FetchError> {
    super::opt_count(super::field(data, key), key)
}

impl Platform for Reddit {
    fn kind(&self) -> PlatformKind {
        PlatformKind::Reddit
    }

    fn hue(&self) -> Hue {
        Hue::Red
    }

    fn metric(&self, handle: &str) -> &'static str {
        match parse(handle) {
            Some(("r", _)) => "members",
            _ => "karma",
        }
    }

    fn domains(&self, account: &Account) -> Vec<String> {
        match parse(&account.handle) {
            Some(("r", name)) => vec![format!("reddit.com/r/{}", name.to_lowercase())],
            _ => vec!["reddit.com".into()],
        }
    }

    fn check_handle(&self, account: &Account) -> Result<(), String> {
        parse(&account.handle).map(|_| ()).ok_or_else(|| {
            format!(
                "`{}` is not u/NAME (a user) or r/NAME (a subreddit)",
                account.handle
            )
        })
    }

    fn api_root(&self, account: &Account) -> String {
        super::root_or(account, API_ROOT)
    }

    fn fetch_counts<'a>(
        &'a self,
        http: &'a Http,
        account: &'a Account,
        _known: Option<&'a str>,
        secrets: &'a dyn Secrets,
        now: Timestamp,
    ) -> BoxFuture<'a, Result<Fetched, FetchError>> {
        Box::pin(self.read(http, account, secrets, now))
    }
}

/// Reddit's block page for anonymous clients: an HTML 403 (or 429).
fn blocked(resp: &Response) -> bool {
    let body = String::from_utf8_lossy(&resp.body);
    matches!(resp.status, 403 | 429) && super::text::looks_like_html(body.trim())
}

impl Reddit {
    async fn read(
        &self,
        http: &Http,
        account: &Account,
        secrets: &dyn Secrets,
        now: Timestamp,
    ) -> Result<Fetched, FetchError> {
        let (kind, name) = parse(&account.handle).ok_or_else(|| {
            FetchError::Status(format!("`{}` is not u/NAME or r/NAME", account.handle))
        })?;
        let path = if kind == "u" {
            format!("/user/{name}/about")
        } else {
            format!("/r/{name}/about")
        };
        let ua = ("user-agent", user_agent());
        let root = self.api_root(account);
        let creds = (
            secrets.get("REDDIT_CLIENT_ID"),
            secrets.get("REDDIT_CLIENT_SECRET"),
        );
        let (Some(id), Some(secret)) = creds else {
            let u = url(&root, &format!("{path}.json"), &[("raw_json", "1")])?;
            let resp = http.get(u, std::slice::from_ref(&ua)).await?;
            if blocked(&resp) {
                return Err(FetchError::Auth(format!(
                    "Reddit blocked the anonymous request ({}); set {VARS} (a \"script\" app at reddit.com/prefs/apps) to use its API",
                    why(&resp, "")
                )));
            }
            return self.interpret(&resp, account, now);
        };
        let basic = base64::engine::general_purpose::STANDARD.encode(format!("{id}:{secret}"));
        let req = TokenRequest {
            client_id: &id,
            url: url(&root, "/api/v1/access_token", &[])?,
            headers: vec![("authorization", format!("Basic {basic}")), ua.clone()],
            form: vec![("grant_type", "client_credentials")],
            name: "Reddit",
            vars: VARS,
        };
        let api = super::root_or(account, OAUTH_ROOT);
        let get = |token: String| {
            let (api, path, ua) = (&api, &path, &ua);
            async move {
                let u = url(api, path, &[("raw_json", "1")])?;
                let headers = [("authorization", format!("bearer {token}")), ua.clone()];
                Ok::<_, FetchError>(http.get(u, &headers).await?)
            }
        };
        let mut resp = get(oauth::token(http, &req, now).await?).await?;
        if resp.status == 401 {
            // revoked or expired early: a new token, once
            oauth::forget(&req).await;
            resp = get(oauth::token(http, &req, now).await?).await?;
        }
        self.interpret(&resp, account, now)
    }

    fn interpret(
        &self,
        resp: &Response,
        account: &Account,
        now: Timestamp,
    ) -> Result<Fetched, FetchError> {
        let (kind, name) = parse(&account.handle).unwrap_or(("u", &account.handle));
        let what = if kind == "u" { "user" } else { "subreddit" };
        let remaining: Option<f64> = resp
            .header("x-ratelimit-remaining")
            .and_then(|v| v.trim().parse().ok());
        let hold = remaining
            .filter(|r| *r < 1.0)
            .and_then(|_| reset_header(resp, "x-ratelimit-reset", now));
        match resp.status {
            200 => {
                let t: Thing = json(resp)?;
                if t.kind == "Listing" {
                    // Reddit answers a search for a subreddit it does not know
                    return Err(FetchError::NotFound(format!("no Reddit {what} {name}")));
                }
                if t.data.get("is_suspended").and_then(|v| v.as_bool()) == Some(true) {
                    return Err(FetchError::NotFound(format!(
                        "Reddit user {name} is suspended"
                    )));
                }
                let followers = if kind == "u" {
                    match num(&t.data, "total_karma")? {
                        Some(k) => k,
                        None => match (num(&t.data, "link_karma")?, num(&t.data, "comment_karma")?)
                        {
                            (Some(l), Some(c)) => count(&(l + c).into(), "karma")?,
                            _ => {
                                return Err(FetchError::BadResponse(
                                    "no total_karma in the answer".into(),
                                ));
                            }
                        },
                    }
                } else {
                    num(&t.data, "subscribers")?.ok_or_else(|| {
                        FetchError::BadResponse("no subscribers in the answer".into())
                    })?
                };
                Ok(Fetched::new(Counts {
                    followers,
                    following: None,
                    posts: None,
                })
                .hold(hold))
            }
            429 => Err(FetchError::RateLimited {
                until: super::wait_until(resp, Some("x-ratelimit-reset"), now),
                detail: "Reddit rate limit".into(),
            }),
            status => {
                let e: RedditError = json(resp).unwrap_or_default();
                match (status, e.reason.as_str()) {
                    (404, "banned") => Err(FetchError::NotFound(format!("r/{name} is banned"))),
                    (404, _) => Err(FetchError::NotFound(format!("no Reddit {what} {name}"))),
                    (403, "private") => Err(FetchError::Auth(format!("r/{name} is private"))),
                    (403, "quarantined") => {
                        Err(FetchError::Auth(format!("r/{name} is quarantined")))
                    }
                    (403, _) => Err(FetchError::Auth(format!(
                        "Reddit refused the request ({})",
                        why(resp, &e.message)
                    ))),
                    _ => Err(status_error(resp, Some(e.message))),
                }
            }
        }
    }
}
