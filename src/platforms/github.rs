//! GitHub: a user's followers or a repository's stars.
//!
//! `GET /users/{login}` (`followers`, `following`) and `GET /repos/{owner}/{repo}`
//! (`stargazers_count`). Not found: 404 `{"message":"Not Found",...}`. Rate limits:
//! 403 or 429 with `x-ratelimit-remaining: 0` and `x-ratelimit-reset` (epoch
//! seconds), or a `retry-after` for secondary limits; otherwise wait a minute.
//! Token: `GITHUB_TOKEN`, or the variable named by `token_env`.
//!
//! Past (repositories): `GET /repos/{owner}/{repo}/stargazers?per_page=100&page=N`
//! with `Accept: application/vnd.github.star+json` answers
//! `[{"starred_at": "2019-02-01T10:00:00Z", "user": {...}}, ...]`, oldest
//! first, the next page named by a `Link: <...>; rel="next"` header. Only
//! current stargazers are listed (a lower bound). GitHub pages at most 400
//! pages deep (40,000 stars): beyond, 422. Since July 2026 the list is shown
//! only to the repository's admins and collaborators: another token gets a
//! 403 or 404.
//! Followers (users only): `GET /users/{login}/followers?per_page=100&page=N`
//! answers an array of simple-user (`login`, `id`; no counts); the `Link`
//! header's `rel="next"` names the next page. A user gone from the list
//! whose `GET /users/{login}` answers 404 was deleted (or renamed).

use futures_util::future::BoxFuture;
use jiff::Timestamp;
use serde::Deserialize;

use super::{
    Counts, FetchError, Fetched, Hue, PastKind, PastPage, PastSource, PlatformKind, Request,
    Secrets, SimpleApi, count, default_hold, epoch_header, has_next_link, int_header, json,
    opt_count, retry_after, rfc3339, said, status_error, token, url, why,
};
use super::{Page, Person, budget, link_next, person, query_value, safe_segment, send};
use crate::http::{Http, Response};
use crate::model::Account;

/// The largest page the followers endpoint gives.
pub const PAGE: usize = 100;

#[derive(Deserialize)]
struct SimpleUser {
    login: String,
    id: serde_json::Value,
}

fn rate_budget(resp: &Response) -> Option<super::Budget> {
    budget(
        resp,
        "x-ratelimit-remaining",
        "x-ratelimit-limit",
        epoch_header(resp, "x-ratelimit-reset"),
    )
}

/// A GET of `u` with GitHub's JSON type, the API version and the token.
fn get_json(
    u: reqwest::Url,
    account: &Account,
    secrets: &dyn Secrets,
) -> Result<Request, FetchError> {
    authorized(
        Request::get(u).header("accept", "application/vnd.github+json"),
        account,
        secrets,
    )
}

fn failed(resp: &Response, account: &Account, now: Timestamp) -> FetchError {
    match Github.interpret(resp, account, now) {
        Err(e) => e,
        Ok(_) => FetchError::BadResponse(format!("HTTP {} instead of a list", resp.status)),
    }
}

async fn page(
    http: &Http,
    account: &Account,
    root: String,
    cursor: Option<&str>,
    secrets: &dyn Secrets,
    now: Timestamp,
) -> Result<Page, FetchError> {
    let per_page = PAGE.to_string();
    let n = cursor.unwrap_or("1");
    let u = url(
        &root,
        &format!("/users/{}/followers", account.handle),
        &[("per_page", &per_page), ("page", n)],
    )?;
    let resp = send(http, get_json(u.clone(), account, secrets)?).await?;
    if resp.status != 200 {
        return Err(failed(&resp, account, now));
    }
    let list: Vec<SimpleUser> = json(&resp)?;
    let people: Vec<Person> = list
        .iter()
        .map(|u| {
            let id = match &u.id {
                serde_json::Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            person(&id, &u.login, None, None)
        })
        .collect();
    let next = if people.is_empty() {
        None
    } else {
        link_next(&resp, &u).and_then(|n| query_value(&n, "page"))
    };
    Ok(Page {
        people,
        next,
        budget: rate_budget(&resp),
    })
}

async fn gone(
    http: &Http,
    account: &Account,
    root: String,
    who: &Person,
    secrets: &dyn Secrets,
    now: Timestamp,
) -> Result<Option<&'static str>, FetchError> {
    if !safe_segment(&who.handle) {
        return Ok(None);
    }
    let u = url(&root, &format!("/users/{}", who.handle), &[])?;
    let resp = send(http, get_json(u, account, secrets)?).await?;
    match resp.status {
        200 => Ok(None),
        404 => Ok(Some("deleted")),
        _ => Err(failed(&resp, account, now)),
    }
}

pub const API_ROOT: &str = "https://api.github.com";

pub struct Github;

#[derive(Deserialize)]
struct User {
    #[serde(default)]
    followers: serde_json::Value,
    #[serde(default)]
    following: serde_json::Value,
}

#[derive(Deserialize)]
struct Repo {
    #[serde(default)]
    stargazers_count: serde_json::Value,
}

#[derive(Deserialize, Default)]
struct ApiError {
    #[serde(default, deserialize_with = "said")]
    message: String,
}

#[derive(Deserialize)]
struct Star {
    #[serde(deserialize_with = "said")]
    starred_at: String,
}

fn is_repo(handle: &str) -> bool {
    handle.contains('/')
}

/// Stargazers per page: the most GitHub gives.
const PER_PAGE: &str = "100";

/// The request's headers: the API version and the token, if any.
fn authorized(
    req: Request,
    account: &Account,
    secrets: &dyn Secrets,
) -> Result<Request, FetchError> {
    let mut req = req.header("x-github-api-version", "2022-11-28");
    if let Some(t) = token(account, Some("GITHUB_TOKEN"), secrets)? {
        req = req.header("authorization", format!("Bearer {t}"));
    }
    Ok(req)
}

/// A rate-limit answer (403 or 429 that says so) as the error it is.
fn limited(resp: &Response, message: &str, now: Timestamp) -> Option<FetchError> {
    let exhausted = int_header(resp, "x-ratelimit-remaining") == Some(0);
    let message = message.to_lowercase();
    let secondary = message.contains("secondary rate limit") || message.contains("abuse");
    let limited = resp.status == 429
        || (resp.status == 403
            && (exhausted
                || secondary
                || resp.header("retry-after").is_some()
                || message.contains("rate limit")));
    if !limited {
        return None;
    }
    let until = retry_after(resp, now)
        .or_else(|| {
            (exhausted && !secondary)
                .then(|| epoch_header(resp, "x-ratelimit-reset"))
                .flatten()
        })
        .unwrap_or_else(|| default_hold(now));
    // a token only helps the primary limit of anonymous calls (60 an hour)
    let anonymous = int_header(resp, "x-ratelimit-limit").is_none_or(|l| l <= 60);
    let detail = if secondary {
        "secondary rate limit (too many requests at once); GitHub asks to wait".to_string()
    } else if anonymous {
        "API rate limit exceeded; a token (GITHUB_TOKEN) raises it".to_string()
    } else {
        "API rate limit used up for this token".to_string()
    };
    Some(FetchError::RateLimited { until, detail })
}

/// One page of a repository's stargazers with their star dates.
async fn stargazers(
    http: &Http,
    account: &Account,
    secrets: &dyn Secrets,
    cursor: Option<&str>,
    now: Timestamp,
) -> Result<PastPage, FetchError> {
    let page: u32 = match cursor {
        None => 1,
        Some(c) => c
            .parse()
            .map_err(|_| FetchError::BadResponse(format!("bad backfill cursor `{c}`")))?,
    };
    let root = SimpleApi::api_root(&Github, account);
    let path = format!("/repos/{}/stargazers", account.handle);
    let page_text = page.to_string();
    let req = Request::get(url(
        &root,
        &path,
        &[("per_page", PER_PAGE), ("page", &page_text)],
    )?)
    .header("accept", "application/vnd.github.star+json");
    let resp = super::send(http, authorized(req, account, secrets)?).await?;
    let var = account.token_env.as_deref().unwrap_or("GITHUB_TOKEN");
    if resp.status == 200 {
        let stars: Vec<Star> = json(&resp)?;
        let joined = stars
            .iter()
            .map(|s| rfc3339(&s.starred_at, "starred_at"))
            .collect::<Result<Vec<i64>, _>>()?;
        let exhausted = int_header(&resp, "x-ratelimit-remaining") == Some(0);
        return Ok(PastPage {
            joined,
            next: has_next_link(&resp).then(|| (page + 1).to_string()),
            hold_until: if exhausted {
                epoch_header(&resp, "x-ratelimit-reset")
            } else {
                None
            },
            ..PastPage::default()
        });
    }
    let e: ApiError = json(&resp).unwrap_or_default();
    if let Some(limit) = limited(&resp, &e.message, now) {
        return Err(limit);
    }
    let has_token = token(account, Some("GITHUB_TOKEN"), secrets)?.is_some();
    match resp.status {
        // paging stops 400 pages deep: what was read stands, as a lower bound
        422 => Ok(PastPage {
            note: Some(format!(
                "GitHub lists only the first {} stargazers; later stars are not dated",
                crate::util::thousands(i64::from(page.saturating_sub(1)) * 100)
            )),
            ..PastPage::default()
        }),
        401 => Err(FetchError::Auth(format!(
            "GitHub rejected the token in {var} ({})",
            why(&resp, &e.message)
        ))),
        403 | 404 => Err(FetchError::Auth(format!(
            "GitHub does not show the stargazers of {} to {}: set {var} to a token of one of the repository's admins or collaborators (fine-grained: this repository, Metadata read-only; classic: repo scope)",
            account.handle,
            if has_token {
                format!("the token in {var}")
            } else {
                "a request without a token".to_string()
            }
        ))),
        _ => Err(status_error(&resp, Some(e.message))),
    }
}

impl SimpleApi for Github {
    const KIND: PlatformKind = PlatformKind::Github;
    const ROOT: &'static str = API_ROOT;
    const HUE: Hue = Hue::Plain;

    fn metric(&self, handle: &str) -> &'static str {
        if is_repo(handle) {
            "stars"
        } else {
            "followers"
        }
    }

    fn domains(&self, account: &Account) -> Vec<String> {
        if is_repo(&account.handle) {
            vec![format!("github.com/{}", account.handle.to_lowercase())]
        } else {
            vec!["github.com".into()]
        }
    }

    fn validate(&self, account: &Account) -> Result<(), String> {
        let parts: Vec<&str> = account.handle.split('/').collect();
        let ok_part = |p: &str| {
            !p.is_empty()
                && p.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        };
        if (parts.len() == 1 || parts.len() == 2) && parts.iter().all(|p| ok_part(p)) {
            Ok(())
        } else {
            Err(format!(
                "`{}` is neither a GitHub user (octocat) nor a repository (owner/repo)",
                account.handle
            ))
        }
    }

    fn lists_followers(&self, account: &Account) -> bool {
        !is_repo(&account.handle)
    }

    fn followers_page<'a>(
        &'a self,
        http: &'a Http,
        account: &'a Account,
        root: String,
        cursor: Option<&'a str>,
        secrets: &'a dyn Secrets,
        now: Timestamp,
    ) -> BoxFuture<'a, Result<Page, FetchError>> {
        Box::pin(page(http, account, root, cursor, secrets, now))
    }

    fn why_gone<'a>(
        &'a self,
        http: &'a Http,
        account: &'a Account,
        root: String,
        who: &'a Person,
        secrets: &'a dyn Secrets,
        now: Timestamp,
    ) -> BoxFuture<'a, Result<Option<&'static str>, FetchError>> {
        Box::pin(gone(http, account, root, who, secrets, now))
    }

    fn request(
        &self,
        account: &Account,
        root: &str,
        secrets: &dyn Secrets,
    ) -> Result<Request, FetchError> {
        let path = if is_repo(&account.handle) {
            format!("/repos/{}", account.handle)
        } else {
            format!("/users/{}", account.handle)
        };
        let req =
            Request::get(url(root, &path, &[])?).header("accept", "application/vnd.github+json");
        authorized(req, account, secrets)
    }

    fn interpret(
        &self,
        resp: &Response,
        account: &Account,
        now: Timestamp,
    ) -> Result<Fetched, FetchError> {
        let exhausted = int_header(resp, "x-ratelimit-remaining") == Some(0);
        if resp.status == 200 {
            let counts = if is_repo(&account.handle) {
                let r: Repo = json(resp)?;
                Counts {
                    followers: count(&r.stargazers_count, "stargazers_count")?,
                    following: None,
                    posts: None,
                }
            } else {
                let u: User = json(resp)?;
                Counts {
                    followers: count(&u.followers, "followers")?,
                    following: opt_count(&u.following, "following")?,
                    posts: None,
                }
            };
            return Ok(Fetched {
                counts,
                hold_until: if exhausted {
                    epoch_header(resp, "x-ratelimit-reset")
                } else {
                    None
                },
                remember: None,
            });
        }
        let e: ApiError = json(resp).unwrap_or_default();
        if let Some(limit) = limited(resp, &e.message, now) {
            return Err(limit);
        }
        match resp.status {
            404 if is_repo(&account.handle) => Err(FetchError::NotFound(format!(
                "no GitHub repository {} (or it is private)",
                account.handle
            ))),
            404 => Err(FetchError::NotFound(format!(
                "no GitHub user {}",
                account.handle
            ))),
            401 => Err(FetchError::Auth(format!(
                "GitHub rejected the token ({})",
                why(resp, &e.message)
            ))),
            _ => Err(status_error(resp, Some(e.message))),
        }
    }

    fn past(&self, account: &Account) -> Option<PastSource> {
        is_repo(&account.handle).then_some(PastSource {
            kind: PastKind::JoinedOldestFirst,
            what: "GitHub's star dates",
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
        if !is_repo(&account.handle) {
            return Box::pin(async move { Err(super::no_past(account)) });
        }
        Box::pin(stargazers(http, account, secrets, cursor, now))
    }
}
