//! Telegram channels through the Bot API: `GET /bot<token>/getChatMemberCount?chat_id=@channel`
//! → `{"ok": true, "result": N}`; errors `{"ok": false, "error_code", "description"}`
//! (400 "Bad Request: chat not found", 401 "Unauthorized", 429 with
//! `parameters.retry_after`). Token: `TELEGRAM_BOT_TOKEN`, or `token_env`.
//! The token sits in the URL path, which never reaches messages or logs.

use jiff::Timestamp;
use serde::Deserialize;

use super::{
    Counts, FetchError, Fetched, Hue, PlatformKind, Request, Secrets, SimpleApi, count, json,
    required_token, said, status_error, url,
};
use crate::http::Response;
use crate::model::Account;

pub const API_ROOT: &str = "https://api.telegram.org";

pub struct Telegram;

#[derive(Deserialize)]
struct Reply {
    ok: bool,
    #[serde(default)]
    result: serde_json::Value,
    #[serde(default, deserialize_with = "said")]
    description: String,
    parameters: Option<Parameters>,
}

#[derive(Deserialize)]
struct Parameters {
    retry_after: Option<i64>,
}

impl SimpleApi for Telegram {
    const KIND: PlatformKind = PlatformKind::Telegram;
    const ROOT: &'static str = API_ROOT;
    const HUE: Hue = Hue::Blue;

    fn metric(&self, _handle: &str) -> &'static str {
        "members"
    }

    fn domains(&self, _account: &Account) -> Vec<String> {
        vec!["web.telegram.org".into(), "t.me".into()]
    }

    fn validate(&self, account: &Account) -> Result<(), String> {
        let h = &account.handle;
        let name = h
            .trim_start_matches("t.me/")
            .trim_start_matches("https://t.me/");
        if name.starts_with("-100")
            || (name.len() >= 4 && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
        {
            Ok(())
        } else {
            Err(format!(
                "`{h}` is not a Telegram channel username (@name) or chat id"
            ))
        }
    }

    /// The bot token goes in the path, which never reaches messages or logs.
    fn request(
        &self,
        account: &Account,
        root: &str,
        secrets: &dyn Secrets,
    ) -> Result<Request, FetchError> {
        let token = required_token(account, "TELEGRAM_BOT_TOKEN", secrets)?;
        let name = account
            .handle
            .trim_start_matches("https://t.me/")
            .trim_start_matches("t.me/");
        let chat = if name.starts_with("-100") {
            name.to_string()
        } else {
            format!("@{name}")
        };
        let path = format!("/bot{token}/getChatMemberCount");
        Ok(Request::get(url(root, &path, &[("chat_id", &chat)])?))
    }

    fn interpret(
        &self,
        resp: &Response,
        account: &Account,
        now: Timestamp,
    ) -> Result<Fetched, FetchError> {
        let r: Reply = match json(resp) {
            Ok(r) => r,
            Err(e) if resp.is_success() => return Err(e),
            // a proxy's error page, not the Bot API
            Err(_) => return Err(status_error(resp, None)),
        };
        if r.ok {
            if r.result.is_null() {
                return Err(FetchError::BadResponse("no result".into()));
            }
            return Ok(Fetched::new(Counts {
                followers: count(&r.result, "result")?,
                following: None,
                posts: None,
            }));
        }
        let desc = r.description.to_lowercase();
        match resp.status {
            401 => Err(FetchError::Auth(
                "Telegram rejected the bot token (Unauthorized)".into(),
            )),
            404 => Err(FetchError::Auth(
                "Telegram does not know this bot token (Not Found)".into(),
            )),
            429 => Err(FetchError::RateLimited {
                until: match r.parameters.and_then(|p| p.retry_after) {
                    Some(s) => now
                        .checked_add(jiff::SignedDuration::from_secs(s.clamp(0, 7 * 86_400)))
                        .unwrap_or(now),
                    None => super::wait_until(resp, None, now),
                },
                detail: r.description,
            }),
            400 if desc.contains("chat not found") => Err(FetchError::NotFound(format!(
                "no Telegram chat @{} (or the bot cannot see it)",
                account.handle
            ))),
            403 => Err(FetchError::Auth(format!(
                "Telegram refused the bot: {}",
                r.description
            ))),
            _ => Err(status_error(resp, Some(r.description))),
        }
    }
}
