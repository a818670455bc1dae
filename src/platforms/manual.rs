//! Manual accounts: never polled; counts come from `socialtop record`.

use futures_util::future::BoxFuture;
use jiff::Timestamp;

use super::{FetchError, Fetched, Hue, Platform, PlatformKind, Secrets};
use crate::http::Http;
use crate::model::Account;

pub struct Manual;

impl Platform for Manual {
    fn kind(&self) -> PlatformKind {
        PlatformKind::Manual
    }

    fn polled(&self) -> bool {
        false
    }

    fn hue(&self) -> Hue {
        Hue::Plain
    }

    fn domains(&self, _account: &Account) -> Vec<String> {
        Vec::new()
    }

    fn check_handle(&self, _account: &Account) -> Result<(), String> {
        Ok(())
    }

    fn api_root(&self, _account: &Account) -> String {
        "manual:".into()
    }

    fn fetch_counts<'a>(
        &'a self,
        _http: &'a Http,
        account: &'a Account,
        _known: Option<&'a str>,
        _secrets: &'a dyn Secrets,
        _now: Timestamp,
    ) -> BoxFuture<'a, Result<Fetched, FetchError>> {
        let msg = format!(
            "{} is a manual account: add counts with `socialtop record {} COUNT`",
            account.id, account.id
        );
        Box::pin(async move { Err(FetchError::NotPolled(msg)) })
    }
}
