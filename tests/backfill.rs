//! `socialtop backfill` as a new user drives it, against loopback servers
//! serving the documented answers: Misskey's follower chart and GitHub's
//! star dates (paging, rate limits, a token without access), the history's
//! sources in `export --history`, `import history --account`, and an effort
//! verdict on the day the accounts were added.

use std::collections::BTreeMap;

use serde_json::{Value, json};
use wiremock::matchers::{body_partial_json, method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use crate::common::*;

const DAY: i64 = 86_400;
/// Days of Misskey history served (two chart pages).
const MK_DAYS: i64 = 700;
/// GitHub stars served, one every 78,840 s over the last 365 days.
const STARS: i64 = 400;

fn now() -> i64 {
    jiff::Timestamp::now().as_second()
}

fn today() -> i64 {
    now().div_euclid(DAY) * DAY
}

/// Misskey's followers `i` days before today: local and remote.
fn mk_total(i: i64) -> (i64, i64) {
    if i >= MK_DAYS {
        (0, 0)
    } else {
        (200 + (MK_DAYS - 1 - i), (MK_DAYS - 1 - i) / 7)
    }
}

/// The chart answer for 500 days from `newest_ago` days ago.
fn chart(newest_ago: i64) -> Value {
    let (mut local, mut remote) = (Vec::new(), Vec::new());
    for i in newest_ago..newest_ago + 500 {
        let (l, r) = mk_total(i);
        local.push(l);
        remote.push(r);
    }
    let side = |followers: Vec<i64>| {
        let zeros = vec![0; 500];
        json!({
            "followings": {"total": zeros, "inc": zeros, "dec": zeros},
            "followers": {"total": followers, "inc": zeros, "dec": zeros},
        })
    };
    json!({"local": side(local), "remote": side(remote)})
}

async fn misskey() -> MockServer {
    let server = MockServer::start().await;
    let (l, r) = mk_total(0);
    Mock::given(method("POST"))
        .and(path("/api/users/show"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "id": "9xyz01", "username": "alice", "host": null,
            "followersCount": l + r, "followingCount": 10, "notesCount": 300
        })))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/charts/user/following"))
        .and(body_partial_json(
            json!({"userId": "9xyz01", "span": "day", "limit": 500, "offset": null}),
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(chart(0)))
        .with_priority(1)
        .mount(&server)
        .await;
    // the second page: the 500 days before the first page's oldest
    Mock::given(method("POST"))
        .and(path("/api/charts/user/following"))
        .and(body_partial_json(
            json!({"userId": "9xyz01", "offset": (today() - 500 * DAY) * 1000}),
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(chart(500)))
        .with_priority(2)
        .mount(&server)
        .await;
    server
}

/// When star `k` was given.
fn star_time(k: i64) -> i64 {
    today() - 365 * DAY + k * 78_840 + 3_600
}

/// GitHub's stargazer pages, 100 a page, with Link headers; `limit_page`
/// answers once with the rate limit used up (reset in 2 s).
struct Stars {
    uri: String,
    total: i64,
    limit_page: Option<u32>,
    limited: std::sync::atomic::AtomicBool,
}

impl Respond for Stars {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let page: i64 = req
            .url
            .query_pairs()
            .find(|(k, _)| k == "page")
            .and_then(|(_, v)| v.parse().ok())
            .unwrap_or(1);
        let last = (self.total + 99) / 100;
        let items: Vec<Value> = ((page - 1) * 100..(page * 100).min(self.total))
            .map(|k| {
                json!({
                    "starred_at": jiff::Timestamp::from_second(star_time_of(self.total, k)).unwrap().to_string(),
                    "user": {"login": format!("user{k}"), "id": k, "type": "User"}
                })
            })
            .collect();
        let link = |p: i64| {
            format!(
                "<{}/repos/octo/hello/stargazers?per_page=100&page={p}>",
                self.uri
            )
        };
        let mut t = ResponseTemplate::new(200)
            .set_body_json(items)
            .insert_header("x-ratelimit-limit", "5000")
            .insert_header("x-ratelimit-remaining", "4000");
        if page < last {
            t = t.insert_header(
                "link",
                format!(
                    "{}; rel=\"next\", {}; rel=\"last\"",
                    link(page + 1),
                    link(last)
                )
                .as_str(),
            );
        }
        if self.limit_page == Some(page as u32)
            && !self.limited.swap(true, std::sync::atomic::Ordering::SeqCst)
        {
            t = t
                .insert_header("x-ratelimit-remaining", "0")
                .insert_header("x-ratelimit-reset", (now() + 2).to_string().as_str());
        }
        t
    }
}

/// Star times spread over the last year, whatever their number.
fn star_time_of(total: i64, k: i64) -> i64 {
    if total == STARS {
        star_time(k)
    } else {
        today() - 365 * DAY + k * (365 * DAY / total) + 1
    }
}

async fn github(total: i64, limit_page: Option<u32>) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/repos/octo/hello"))
        .respond_with(ResponseTemplate::new(200).set_body_json(github_repo(total)))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/repos/octo/hello/stargazers"))
        .respond_with(Stars {
            uri: server.uri(),
            total,
            limit_page,
            limited: false.into(),
        })
        .mount(&server)
        .await;
    server
}

fn config(mk: &str, gh: &str) -> String {
    format!(
        r#"[[accounts]]
id = "mk"
platform = "misskey"
handle = "alice@misskey.example"
base_url = "{mk}"

[[accounts]]
id = "gh"
platform = "github"
handle = "octo/hello"
base_url = "{gh}"
"#
    )
}

fn ok(out: std::process::Output) -> String {
    assert!(out.status.success(), "{}", stderr(&out));
    stdout(&out)
}

/// Every sample of an account with its source, from `export --history`.
fn history(env: &Env, id: &str) -> Vec<(i64, i64, String)> {
    let csv_text = ok(env.run(&["export", "--format", "csv", "--history", "--out", "-"]));
    let mut r = csv::Reader::from_reader(csv_text.as_bytes());
    r.records()
        .map(Result::unwrap)
        .filter(|r| &r[0] == id)
        .map(|r| {
            let at: jiff::Timestamp = r[3].parse().unwrap();
            (at.as_second(), r[4].parse().unwrap(), r[7].to_string())
        })
        .collect()
}

/// The samples a year of GitHub stars should give: the stars given by the
/// end of each day from the first star's day to yesterday.
fn expected_stars() -> BTreeMap<i64, i64> {
    let mut by_day = BTreeMap::new();
    let first = star_time(0).div_euclid(DAY) * DAY;
    let mut d = first;
    while d < today() {
        let n = (0..STARS).filter(|&k| star_time(k) < d + DAY).count() as i64;
        by_day.insert(d + DAY - 1, n);
        d += DAY;
    }
    by_day
}

#[tokio::test(flavor = "multi_thread")]
async fn a_year_of_misskey_and_github_history_then_a_verdict_on_day_one() {
    let mk = misskey().await;
    let gh = github(STARS, Some(2)).await;
    let env = Env::new(&config(&mk.uri(), &gh.uri()));
    ok(env.run(&["poll", "--once"]));
    let polled: Vec<(i64, i64, String)> = ["mk", "gh"]
        .iter()
        .map(|id| history(&env, id).remove(0))
        .collect();
    assert!(polled.iter().all(|p| p.2 == "polled"), "{polled:?}");

    // the first run: Misskey whole, GitHub until the rate limit on page 2
    let first = ok(env.run(&["backfill", "--all"]));
    assert!(
        first.contains("mk: 699 daily samples from Misskey's follower chart (backfilled, exact)"),
        "{first}"
    );
    assert!(
        first.contains("gh: ") && first.contains("stopped by the rate limit until"),
        "{first}"
    );
    assert!(
        first.contains("`socialtop backfill gh` goes on from there"),
        "{first}"
    );
    let mk_history = history(&env, "mk");
    assert_eq!(mk_history.len(), 700, "699 days and the poll");
    for (at, followers, source) in &mk_history[..699] {
        let ago = (today() - at.div_euclid(DAY) * DAY) / DAY;
        let (l, r) = mk_total(ago);
        assert_eq!(*followers, l + r, "{ago} days ago");
        assert_eq!(at.rem_euclid(DAY), DAY - 1, "the day's last second");
        assert_eq!(source, "backfilled");
    }
    // the chart's pages: today's first, then the 500 days before
    let charts: Vec<Value> = mk
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.url.path() == "/api/charts/user/following")
        .map(|r| serde_json::from_slice(&r.body).unwrap())
        .collect();
    assert_eq!(charts.len(), 2, "{charts:?}");

    // after the reset, the next run goes on from page 3
    std::thread::sleep(std::time::Duration::from_millis(3_100));
    let second = ok(env.run(&["backfill", "gh"]));
    assert!(
        second.contains("(reconstructed, a lower bound)"),
        "{second}"
    );
    let pages: Vec<String> = gh
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.url.path().ends_with("/stargazers"))
        .map(|r| {
            assert_eq!(
                r.headers.get("accept").unwrap(),
                "application/vnd.github.star+json"
            );
            query(&r.url, "page")
        })
        .collect();
    assert_eq!(pages, ["1", "2", "3", "4"], "no page read twice");
    let gh_history = history(&env, "gh");
    let want = expected_stars();
    let got: BTreeMap<i64, i64> = gh_history
        .iter()
        .filter(|s| s.2 == "reconstructed")
        .map(|s| (s.0, s.1))
        .collect();
    assert_eq!(got, want, "the stars given by the end of each day");
    assert_eq!(gh_history.len(), want.len() + 1);

    // a second run adds nothing, and the polls are as they were
    let again = ok(env.run(&["backfill", "--all"]));
    assert_eq!(again.matches("nothing new from").count(), 2, "{again}");
    assert_eq!(history(&env, "mk").len(), 700);
    assert_eq!(history(&env, "gh").len(), want.len() + 1);
    for (id, p) in ["mk", "gh"].iter().zip(&polled) {
        assert_eq!(
            history(&env, id).last(),
            Some(p),
            "{id}: the poll unchanged"
        );
    }

    // a year of timewarrior time, more when the audience is bigger
    let mut intervals = Vec::new();
    let monday = {
        let t = jiff::Timestamp::from_second(today())
            .unwrap()
            .to_zoned_datetime(jiff::tz::TimeZone::UTC);
        today() - (t.weekday().to_monday_zero_offset() as i64) * DAY
    };
    for w in 1..=52 {
        let start = monday - w * 7 * DAY + DAY + 10 * 3_600;
        for (id, f) in [
            ("mk", {
                let (l, r) = mk_total((today() - start) / DAY + 1);
                l + r
            }),
            (
                "gh",
                (0..STARS).filter(|&k| star_time(k) < start).count() as i64,
            ),
        ] {
            let minutes =
                (8.0 * (f.max(1) as f64).powf(0.45) * (1.0 + 0.2 * (w as f64).sin())) as i64;
            let fmt = |t: i64| {
                jiff::Timestamp::from_second(t)
                    .unwrap()
                    .strftime("%Y%m%dT%H%M%SZ")
                    .to_string()
            };
            intervals.push(json!({
                "id": intervals.len() + 1,
                "start": fmt(start),
                "end": fmt(start + minutes.max(1) * 60),
                "tags": [id],
            }));
        }
    }
    let export = serde_json::to_string(&intervals).unwrap();
    ok(env.run_stdin(&["import", "timewarrior", "-"], export.as_bytes()));
    let effort: Value =
        serde_json::from_str(&ok(env.run(&["effort", "--format", "json"]))).unwrap();
    assert_ne!(effort["verdict"], "insufficient_data", "{effort}");
    let weeks = effort["backfilled_weeks"].as_u64().unwrap();
    assert!(weeks >= 90, "{effort}");
    let sentence = effort["sentence"].as_str().unwrap();
    assert!(
        sentence.contains(&format!(
            "{weeks} of its {} account-weeks rest on backfilled or reconstructed counts",
            effort["n"]
        )),
        "{sentence}"
    );
    let table = ok(env.run(&["effort"]));
    assert!(
        table.contains("rest on backfilled or reconstructed counts"),
        "{table}"
    );
}

fn query(url: &reqwest::Url, name: &str) -> String {
    url.query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_token_without_access_is_named_with_the_access_needed() {
    let gh = MockServer::start().await;
    Mock::given(path("/repos/octo/hello/stargazers"))
        .respond_with(ResponseTemplate::new(403).set_body_json(json!({
            "message": "Must have admin rights to Repository.",
            "documentation_url": "https://docs.github.com/rest/activity/starring#list-stargazers"
        })))
        .mount(&gh)
        .await;
    let env = Env::new(&config("http://127.0.0.1:9", &gh.uri()));
    let out = env.run_env(&["backfill", "gh"], &[("GITHUB_TOKEN", "ghp_NoAccess123")]);
    assert_eq!(out.status.code(), Some(1));
    assert_stderr(
        &out,
        "GitHub does not show the stargazers of octo/hello to the token in GITHUB_TOKEN",
    );
    assert_stderr(
        &out,
        "set GITHUB_TOKEN to a token of one of the repository's admins or collaborators",
    );
    assert!(!stderr(&out).contains("ghp_NoAccess123"));
    let out = env.run(&["backfill", "gh"]);
    assert_stderr(&out, "to a request without a token: set GITHUB_TOKEN");
    // nothing recorded, nothing kept
    assert!(history(&env, "gh").is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn misskey_rate_limit_stops_and_holds_the_host() {
    let mk = MockServer::start().await;
    Mock::given(path("/api/users/show"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"id": "9xyz01", "followersCount": 5})),
        )
        .mount(&mk)
        .await;
    Mock::given(path("/api/charts/user/following"))
        .respond_with(ResponseTemplate::new(429).set_body_json(json!({"error": {
            "message": "Rate limit exceeded. Please try again later.", "code": "RATE_LIMIT_EXCEEDED",
            "id": "d5826d14-3982-4d2e-8011-b9e9f02499ef", "info": {"resetMs": 600000, "fullResetMs": 600000}
        }})))
        .mount(&mk)
        .await;
    let env = Env::new(&config(&mk.uri(), "http://127.0.0.1:9"));
    let out = ok(env.run(&["backfill", "mk"]));
    assert!(out.contains("stopped by the rate limit until"), "{out}");
    let calls = mk.received_requests().await.unwrap().len();
    // the hold is kept: the next run does not call before the reset
    let out = ok(env.run(&["backfill", "mk"]));
    assert!(out.contains("stopped by the rate limit until"), "{out}");
    assert_eq!(mk.received_requests().await.unwrap().len(), calls);
    let status = ok(env.run(&["status"]));
    assert!(status.contains("held: "), "{status}");
}

#[test]
fn a_platform_without_a_past_names_import_history_which_reads_date_count_files() {
    let env = Env::new(
        "[[accounts]]\nid = \"md\"\nplatform = \"mastodon\"\nhandle = \"a@example.social\"\nbase_url = \"http://127.0.0.1:9\"\n",
    );
    let out = env.run(&["backfill", "md"]);
    assert_eq!(out.status.code(), Some(1));
    assert_stderr(&out, "mastodon keeps no record of past followers");
    assert_stderr(&out, "socialtop import history FILE --account md");
    let out = env.run(&["backfill", "--all"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_stderr(&out, "no platform record of past counts for md");

    let file = env.dir.path().join("sheet.csv");
    std::fs::write(
        &file,
        "date,count\n2025-01-01,100\n2025-01-02, 105\n\n2025-01-03T12:00:00+02:00,111\n",
    )
    .unwrap();
    let f = file.to_str().unwrap();
    let out = ok(env.run(&["import", "history", f, "--account", "md"]));
    assert!(
        out.contains("imported 3 new samples (0 already there)"),
        "{out}"
    );
    let out = ok(env.run(&["import", "history", f, "--account", "md"]));
    assert!(
        out.contains("imported 0 new samples (3 already there)"),
        "{out}"
    );
    let rows = history(&env, "md");
    assert_eq!(
        rows.iter()
            .map(|r| (
                jiff::Timestamp::from_second(r.0).unwrap().to_string(),
                r.1,
                r.2.as_str()
            ))
            .collect::<Vec<_>>(),
        [
            ("2025-01-01T23:59:59Z".to_string(), 100, "imported"),
            ("2025-01-02T23:59:59Z".to_string(), 105, "imported"),
            ("2025-01-03T10:00:00Z".to_string(), 111, "imported"),
        ]
    );
    // no header; a bad row keeps the whole file out and says where
    std::fs::write(&file, "2025-02-01,120\n2025-02-02,-3\n").unwrap();
    let out = env.run(&["import", "history", f, "--account", "md"]);
    assert_eq!(out.status.code(), Some(1));
    assert_stderr(&out, "sheet.csv:2: count -3 is not between 0 and");
    assert_eq!(history(&env, "md").len(), 3);
    std::fs::write(&file, "2025-02-01,120,7\n").unwrap();
    let out = env.run(&["import", "history", f, "--account", "md"]);
    assert_stderr(
        &out,
        "sheet.csv:1: 3 columns; --account reads two, date,count",
    );

    // an exported history keeps its sources through an import
    let exported = ok(env.run(&["export", "--format", "json", "--history", "--out", "-"]));
    let other = Env::new(&std::fs::read_to_string(env.config()).unwrap());
    ok(other.run_stdin(&["import", "history", "-"], exported.as_bytes()));
    let sourced = exported.replace("\"imported\"", "\"backfilled\"");
    let third = Env::new(&std::fs::read_to_string(env.config()).unwrap());
    ok(third.run_stdin(&["import", "history", "-"], sourced.as_bytes()));
    assert!(history(&third, "md").iter().all(|r| r.2 == "backfilled"));
    // an old export without the column imports as imported
    let old = "id,platform,handle,at,followers,following,posts\nmd,mastodon,a@example.social,2025-03-01T00:00:00Z,130,,\n";
    let fourth = Env::new(&std::fs::read_to_string(env.config()).unwrap());
    ok(fourth.run_stdin(&["import", "history", "-"], old.as_bytes()));
    assert_eq!(history(&fourth, "md")[0].2, "imported");
}

/// A 40,000-star repository (GitHub's paging limit): 400 pages read in one
/// run, counted per day as they stream by, the count at the end is 40,000.
#[tokio::test(flavor = "multi_thread")]
async fn forty_thousand_stars_in_one_run_counted_per_day() {
    let gh = github(40_000, None).await;
    let env = Env::new(&config("http://127.0.0.1:9", &gh.uri()));
    let out = ok(env.run_env(&["backfill", "gh"], &[("GITHUB_TOKEN", "ghp_x")]));
    assert!(
        out.contains("gh: 365 daily samples from GitHub's star dates"),
        "{out}"
    );
    let rows = history(&env, "gh");
    assert_eq!(rows.len(), 365);
    assert_eq!(rows.last().unwrap().1, 40_000);
    assert!(rows.windows(2).all(|w| w[0].1 <= w[1].1));
    assert_eq!(
        gh.received_requests().await.unwrap().len(),
        400,
        "one request a page"
    );
}

/// Twitch's followers, newest first, 100 a page with cursors: follower `k`
/// came `300 - k` days ago.
fn twitch_follow(k: i64) -> i64 {
    today() - 300 * DAY + k * DAY + 3_600
}

#[tokio::test(flavor = "multi_thread")]
async fn twitch_follow_dates_count_down_from_the_total_with_a_moderator_token() {
    let tw = MockServer::start().await;
    Mock::given(path("/helix/users"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"data": [{"id": "141981764", "login": "streamer"}]})),
        )
        .mount(&tw)
        .await;
    let total = 250;
    for (after, range, cursor) in [
        (None, 150..250, Some("c1")),
        (Some("c1"), 50..150, Some("c2")),
        (Some("c2"), 0..50, None),
    ] {
        let data: Vec<Value> = range
            .rev()
            .map(|k| {
                json!({"user_id": k.to_string(), "user_login": format!("u{k}"), "user_name": format!("u{k}"),
                       "followed_at": jiff::Timestamp::from_second(twitch_follow(k)).unwrap().to_string()})
            })
            .collect();
        let pagination = match cursor {
            Some(c) => json!({"cursor": c}),
            None => json!({}),
        };
        let mut m = Mock::given(path("/helix/channels/followers")).and(
            wiremock::matchers::query_param("broadcaster_id", "141981764"),
        );
        m = match after {
            Some(a) => m.and(wiremock::matchers::query_param("after", a)),
            None => m.and(wiremock::matchers::query_param_is_missing("after")),
        };
        m.and(wiremock::matchers::header(
            "authorization",
            "Bearer mod_token",
        ))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"total": total, "data": data, "pagination": pagination})),
        )
        .mount(&tw)
        .await;
    }
    // another token sees the total only
    Mock::given(path("/helix/channels/followers"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"total": total, "data": [], "pagination": {}})),
        )
        .with_priority(10)
        .mount(&tw)
        .await;
    let env = Env::new(&format!(
        "[[accounts]]\nid = \"tw\"\nplatform = \"twitch\"\nhandle = \"streamer\"\nbase_url = \"{}\"\n",
        tw.uri()
    ));
    let id = ("TWITCH_CLIENT_ID", "cid");
    let out = env.run_env(&["backfill", "tw"], &[id, ("TWITCH_TOKEN", "app_token")]);
    assert_eq!(out.status.code(), Some(1));
    assert_stderr(&out, "not the list of followers of streamer");
    assert_stderr(&out, "moderator:read:followers");
    let out = ok(env.run_env(&["backfill", "tw"], &[id, ("TWITCH_TOKEN", "mod_token")]));
    assert!(
        out.contains(
            "tw: 300 daily samples from Twitch's follow dates (reconstructed, a lower bound)"
        ),
        "{out}"
    );
    let rows = history(&env, "tw");
    assert_eq!(rows.len(), 300);
    for (at, n, source) in &rows {
        let want = (0..total).filter(|&k| twitch_follow(k) <= *at).count() as i64;
        assert_eq!(*n, want, "at {at}");
        assert_eq!(source, "reconstructed");
    }
    let again = ok(env.run_env(&["backfill", "tw"], &[id, ("TWITCH_TOKEN", "mod_token")]));
    assert!(again.contains("nothing new"), "{again}");
}

#[tokio::test(flavor = "multi_thread")]
async fn mailchimp_growth_history_gives_a_sample_at_each_month_end() {
    let mc = MockServer::start().await;
    let this_month = jiff::Timestamp::now()
        .to_zoned_datetime(jiff::tz::TimeZone::UTC)
        .date()
        .first_of_month();
    let months: Vec<jiff::civil::Date> = (0..14)
        .map(|i| this_month.checked_sub(jiff::Span::new().months(i)).unwrap())
        .collect();
    let growth: Vec<Value> = months
        .iter()
        .enumerate()
        .map(|(i, m)| json!({"list_id": "abc123", "month": m.strftime("%Y-%m").to_string(), "existing": 2000 - 50 * i as i64, "optins": 3}))
        .collect();
    Mock::given(path("/3.0/lists/abc123/growth-history"))
        .and(wiremock::matchers::query_param("offset", "0"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"history": growth, "list_id": "abc123", "total_items": 14})),
        )
        .mount(&mc)
        .await;
    let env = Env::new(&format!(
        "[[accounts]]\nid = \"mc\"\nplatform = \"mailchimp\"\nhandle = \"abc123\"\nbase_url = \"{}\"\n",
        mc.uri()
    ));
    let key = [("MAILCHIMP_API_KEY", "0123abcd-us6")];
    let out = ok(env.run_env(&["backfill", "mc"], &key));
    assert!(
        out.contains("mc: 13 monthly samples from Mailchimp's growth history (backfilled, exact)"),
        "{out}"
    );
    let rows = history(&env, "mc");
    for (i, (at, n, source)) in rows.iter().rev().enumerate() {
        let end = months[i + 1]
            .checked_add(jiff::Span::new().months(1))
            .unwrap()
            .to_zoned_datetime(jiff::tz::TimeZone::UTC)
            .unwrap()
            .timestamp()
            .as_second()
            - 1;
        assert_eq!(
            (*at, *n, source.as_str()),
            (end, 2000 - 50 * (i as i64 + 1), "backfilled")
        );
    }
    assert_eq!(rows.len(), 13, "the month under way is not over");
}
