//! Telegram channels through the Bot API: `GET /bot<token>/getChatMemberCount?chat_id=@channel`
//! → `{"ok": true, "result": N}`; errors `{"ok": false, "error_code", "description"}`
//! (400 "Bad Request: chat not found", 401 "Unauthorized", 429 with
//! `parameters.retry_after`). Token: `TELEGRAM_BOT_TOKEN`, or `token_env`.
//! The token sits in the URL path, which never reaches messages or logs.

use futures_util::future::BoxFuture;
use jiff::Timestamp;
use serde::Deserialize;

use super::{
    Counts, FetchError, Fetched, Platform, PlatformKind, Request, json, required_token,
    status_error, url,
};
use crate::http::{Http, Response};
use crate::model::Account;

pub const API_ROOT: &str = "https://api.telegram.org";

pub struct Telegram;

#[derive(Deserialize)]
struct Reply {
    ok: bool,
    result: Option<i64>,
    #[serde(default)]
    description: String,
    parameters: Option<Parameters>,
}

#[derive(Deserialize)]
struct Parameters {
    retry_after: Option<i64>,
}

fn interpret(resp: &Response, account: &Account, now: Timestamp) -> Result<Fetched, FetchError> {
    let r: Reply = json(resp)?;
    if r.ok {
        let members = r
            .result
            .ok_or_else(|| FetchError::BadResponse("no result".into()))?;
        return Ok(Fetched::new(Counts {
            followers: members,
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
                    .checked_add(jiff::SignedDuration::from_secs(s))
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

/// The bot token goes in the path, which never reaches messages or logs.
fn request(account: &Account, root: &str) -> Result<Request, FetchError> {
    let token = required_token(account, "TELEGRAM_BOT_TOKEN")?;
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

impl Platform for Telegram {
    fn kind(&self) -> PlatformKind {
        PlatformKind::Telegram
    }

    fn metric(&self, _handle: &str) -> &'static str {
        "members"
    }

    fn check_handle(&self, account: &Account) -> Result<(), String> {
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

    fn api_root(&self, account: &Account) -> String {
        super::root_or(account, API_ROOT)
    }

    fn fetch<'a>(
        &'a self,
        http: &'a Http,
        account: &'a Account,
        _known: Option<&'a str>,
    ) -> BoxFuture<'a, Result<Fetched, FetchError>> {
        super::fetch_one(self, http, account, request, interpret)
    }
}
