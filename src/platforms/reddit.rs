//! Reddit's public JSON: `u/NAME` → `GET /user/NAME/about.json` (`total_karma`,
//! metric "karma"); `r/NAME` → `GET /r/NAME/about.json` (`subscribers`, metric
//! "members"). Unknown: 404 `{"message": "Not Found", "error": 404}`; private
//! or quarantined subreddits: 403 with a `reason`; suspended users: 200 with
//! `is_suspended`. Reddit asks for a descriptive User-Agent, and counts its rate
//! limit in `x-ratelimit-remaining` with `x-ratelimit-reset` in seconds from now.

use jiff::Timestamp;
use serde::Deserialize;

use super::{
    Counts, FetchError, Fetched, Hue, PlatformKind, Request, Secrets, SimpleApi, count, json,
    reset_header, said, status_error, url, why,
};
use crate::http::Response;
use crate::model::Account;

pub const API_ROOT: &str = "https://www.reddit.com";

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

impl SimpleApi for Reddit {
    const KIND: PlatformKind = PlatformKind::Reddit;
    const ROOT: &'static str = API_ROOT;
    const HUE: Hue = Hue::Red;

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

    fn validate(&self, account: &Account) -> Result<(), String> {
        parse(&account.handle).map(|_| ()).ok_or_else(|| {
            format!(
                "`{}` is not u/NAME (a user) or r/NAME (a subreddit)",
                account.handle
            )
        })
    }

    fn request(
        &self,
        account: &Account,
        root: &str,
        _secrets: &dyn Secrets,
    ) -> Result<Request, FetchError> {
        let (kind, name) = parse(&account.handle).ok_or_else(|| {
            FetchError::Status(format!("`{}` is not u/NAME or r/NAME", account.handle))
        })?;
        let path = if kind == "u" {
            format!("/user/{name}/about.json")
        } else {
            format!("/r/{name}/about.json")
        };
        Ok(
            Request::get(url(root, &path, &[("raw_json", "1")])?)
                .header("user-agent", user_agent()),
        )
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
