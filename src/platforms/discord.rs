//! Discord: an invite's approximate member count, `GET /api/v10/invites/{code}?with_counts=true`
//! → `{"approximate_member_count": N, "approximate_presence_count": M, ...}`.
//! Unknown invite: 404 `{"message": "Unknown Invite", "code": 10006}`. Rate
//! limits: `X-RateLimit-Remaining`, `X-RateLimit-Reset` (epoch seconds); 429
//! with `{"retry_after": seconds, "global": bool}`. Handle: the invite code or
//! its URL (`discord.gg/CODE`). Discord requires the User-Agent form
//! `DiscordBot ($url, $versionNumber)`.

use jiff::Timestamp;
use serde::Deserialize;

use super::{
    Counts, FetchError, Fetched, Hue, PlatformKind, Request, Secrets, SimpleApi, count, int_header,
    json, reset_header, said, status_error, url, why,
};
use crate::http::Response;
use crate::model::Account;

pub const API_ROOT: &str = "https://discord.com";

pub struct Discord;

#[derive(Deserialize)]
struct Invite {
    #[serde(default)]
    approximate_member_count: serde_json::Value,
}

#[derive(Deserialize, Default)]
struct DiscordError {
    #[serde(default, deserialize_with = "said")]
    message: String,
    #[serde(default)]
    code: serde_json::Value,
    retry_after: Option<f64>,
}

/// The User-Agent Discord's API reference asks for: `DiscordBot ($url, $versionNumber)`.
pub fn user_agent() -> String {
    format!(
        "DiscordBot (https://crates.io/crates/socialtop, {})",
        env!("CARGO_PKG_VERSION")
    )
}

/// `discord.gg/abc`, `https://discord.com/invite/abc` or `abc` → `abc`.
fn code(handle: &str) -> &str {
    handle
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or(handle)
}

impl SimpleApi for Discord {
    const KIND: PlatformKind = PlatformKind::Discord;
    const ROOT: &'static str = API_ROOT;
    const HUE: Hue = Hue::Blue;

    fn metric(&self, _handle: &str) -> &'static str {
        "members"
    }

    fn domains(&self, _account: &Account) -> Vec<String> {
        vec!["discord.com".into()]
    }

    fn validate(&self, account: &Account) -> Result<(), String> {
        let c = code(&account.handle);
        if !c.is_empty() && c.chars().all(|ch| ch.is_ascii_alphanumeric() || ch == '-') {
            Ok(())
        } else {
            Err(format!(
                "`{}` is not a Discord invite code or link",
                account.handle
            ))
        }
    }

    fn request(
        &self,
        account: &Account,
        root: &str,
        _secrets: &dyn Secrets,
    ) -> Result<Request, FetchError> {
        let path = format!("/api/v10/invites/{}", code(&account.handle));
        Ok(Request::get(url(root, &path, &[("with_counts", "true")])?)
            .header("user-agent", user_agent()))
    }

    fn interpret(
        &self,
        resp: &Response,
        account: &Account,
        now: Timestamp,
    ) -> Result<Fetched, FetchError> {
        let e = || json::<DiscordError>(resp).unwrap_or_default();
        match resp.status {
            200 => {
                let i: Invite = json(resp)?;
                if i.approximate_member_count.is_null() {
                    return Err(FetchError::BadResponse(
                        "no approximate_member_count (was with_counts dropped?)".into(),
                    ));
                }
                let members = count(&i.approximate_member_count, "approximate_member_count")?;
                let hold = (int_header(resp, "x-ratelimit-remaining") == Some(0))
                    .then(|| reset_header(resp, "x-ratelimit-reset", now))
                    .flatten();
                Ok(Fetched::new(Counts {
                    followers: members,
                    following: None,
                    posts: None,
                })
                .hold(hold))
            }
            404 => Err(FetchError::NotFound(format!(
                "no Discord invite {} (expired or revoked)",
                code(&account.handle)
            ))),
            429 => {
                let err = e();
                let until = match err.retry_after.filter(|s| s.is_finite() && *s >= 0.0) {
                    Some(s) => now
                        .checked_add(jiff::SignedDuration::from_millis(
                            (s.min(7.0 * 86_400.0) * 1000.0).ceil() as i64,
                        ))
                        .unwrap_or(now),
                    None => super::wait_until(resp, Some("x-ratelimit-reset"), now),
                };
                Err(FetchError::RateLimited {
                    until,
                    detail: err.message,
                })
            }
            401 | 403 => Err(FetchError::Auth(format!(
                "Discord refused the request ({})",
                why(resp, &e().message)
            ))),
            _ => {
                let err = e();
                let detail = match &err.code {
                    serde_json::Value::Number(n) => format!("{} (code {n})", err.message),
                    _ => err.message,
                };
                Err(status_error(resp, Some(detail)))
            }
        }
    }
}
