//! One config mixing every platform, polled by the real binary against one
//! loopback server; one secret left unset. Reddit and Twitch get their app
//! tokens by the client-credentials flow, once per process.

use crate::common::*;
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

async fn get(server: &MockServer, p: &str, body: serde_json::Value) {
    Mock::given(path(p))
        .respond_with(ResponseTemplate::new(200).set_body_json(body))
        .mount(server)
        .await;
}

async fn every_platform() -> MockServer {
    let s = MockServer::start().await;
    get(&s, "/api/v1/accounts/lookup", mastodon_account(1_001)).await;
    get(
        &s,
        "/xrpc/app.bsky.actor.getProfile",
        bluesky_profile(1_002),
    )
    .await;
    get(&s, "/users/octocat", github_user(1_003)).await;
    get(&s, "/youtube/v3/channels", json!({"items": [{"statistics": {"subscriberCount": "1004", "hiddenSubscriberCount": false, "videoCount": "5"}}]})).await;
    get(&s, "/2/users/by/username/someone", json!({"data": {"id": "1", "username": "someone", "public_metrics": {"followers_count": 1005, "following_count": 1, "tweet_count": 2}}})).await;
    get(
        &s,
        "/helix/users",
        json!({"data": [{"id": "77", "login": "streamer"}]}),
    )
    .await;
    get(
        &s,
        "/helix/channels/followers",
        json!({"total": 1006, "data": []}),
    )
    .await;
    // Reddit and Twitch: one token per process (two runs below), shared by accounts
    for token_path in ["/api/v1/access_token", "/oauth2/token"] {
        Mock::given(method("POST"))
            .and(path(token_path))
            .respond_with(ResponseTemplate::new(200).set_body_json(
                json!({"access_token": "APPTOKENVALUE", "token_type": "bearer", "expires_in": 86400}),
            ))
            .expect(2)
            .mount(&s)
            .await;
    }
    get(
        &s,
        "/r/rust/about",
        json!({"kind": "t5", "data": {"subscribers": 1007}}),
    )
    .await;
    get(
        &s,
        "/user/spez/about",
        json!({"kind": "t2", "data": {"name": "spez", "total_karma": 1027}}),
    )
    .await;
    get(
        &s,
        "/v24.0/mypage",
        json!({"followers_count": 1015, "fan_count": 900, "id": "1"}),
    )
    .await;
    get(&s, "/v24.0/me/accounts", json!({"data": [{"instagram_business_account": {"id": "1784", "username": "myshop", "followers_count": 1016, "follows_count": 3, "media_count": 4}, "id": "55"}]})).await;
    // the second run knows the Instagram user id and asks Business Discovery
    get(&s, "/v24.0/1784", json!({"business_discovery": {"username": "myshop", "followers_count": 1016, "follows_count": 3, "media_count": 4, "id": "1784"}, "id": "1784"})).await;
    get(&s, "/v1.0/me/threads_insights", json!({"data": [{"name": "followers_count", "period": "day", "total_value": {"value": 1017}, "id": "1/insights/followers_count/day"}]})).await;
    get(&s, "/v2/user/info/", json!({"data": {"user": {"open_id": "x", "username": "creator", "follower_count": 1018, "following_count": 1, "video_count": 2}}, "error": {"code": "ok", "message": "", "log_id": "1"}})).await;
    get(
        &s,
        "/v5/user_account",
        json!({"username": "pinner", "follower_count": 1019, "following_count": 1, "pin_count": 2}),
    )
    .await;
    get(
        &s,
        "/rest/networkSizes/urn:li:organization:2414183",
        json!({"firstDegreeSize": 1020}),
    )
    .await;
    get(&s, "/api/oauth2/v2/campaigns/1234567", json!({"data": {"attributes": {"patron_count": 1021}, "id": "1234567", "type": "campaign"}})).await;
    get(
        &s,
        "/v1/subscribers",
        json!({"count": 1022, "next": null, "previous": null, "results": []}),
    )
    .await;
    get(&s, "/v4/subscribers", json!({"subscribers": [], "pagination": {"has_previous_page": false, "has_next_page": false, "per_page": 1, "total_count": 1023}})).await;
    get(
        &s,
        "/v2/publications/pub_1",
        json!({"data": {"id": "pub_1", "stats": {"active_subscriptions": 1024}}}),
    )
    .await;
    get(&s, "/ghost/api/admin/members/", json!({"members": [], "meta": {"pagination": {"page": 1, "limit": 1, "pages": 1024, "total": 1025}}})).await;
    get(
        &s,
        "/3.0/lists/57afe96172",
        json!({"stats": {"member_count": 1026}}),
    )
    .await;
    Mock::given(method("POST"))
        .and(path("/api/users/show"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(
                json!({"followersCount": 1008, "followingCount": 1, "notesCount": 2}),
            ),
        )
        .mount(&s)
        .await;
    get(
        &s,
        "/api/v1/accounts/tuber@peertube.example",
        json!({"followersCount": 1009}),
    )
    .await;
    get(
        &s,
        "/api/v3/community",
        json!({"community_view": {"counts": {"subscribers": 1010, "posts": 3}}}),
    )
    .await;
    get(
        &s,
        "/v0/user/pg.json",
        json!({"id": "pg", "karma": 1011, "submitted": []}),
    )
    .await;
    get(
        &s,
        "/api/v10/invites/abc",
        json!({"code": "abc", "approximate_member_count": 1012}),
    )
    .await;
    get(
        &s,
        "/botTGSECRETVALUE/getChatMemberCount",
        json!({"ok": true, "result": 1013}),
    )
    .await;
    get(&s, "/stats", json!({"subscribers": 1014})).await;
    s
}

fn config(base: &str) -> String {
    let accounts = [
        ("mastodon", "alice@mastodon.example", ""),
        ("bluesky", "alice.bsky.social", ""),
        ("github", "octocat", ""),
        ("youtube", "@alice", ""),
        ("x", "someone", ""),
        ("twitch", "streamer", ""),
        ("reddit", "r/rust", ""),
        ("reddit", "u/spez", ""),
        ("facebook", "mypage", ""),
        ("instagram", "myshop", ""),
        ("threads", "mythreads", ""),
        ("tiktok", "creator", ""),
        ("pinterest", "pinner", ""),
        ("linkedin", "2414183", ""),
        ("patreon", "1234567", ""),
        ("buttondown", "mynewsletter", ""),
        ("kit", "myaccount", ""),
        ("beehiiv", "pub_1", ""),
        ("ghost", "blog.example.com", ""),
        ("mailchimp", "57afe96172", ""),
        ("misskey", "alice@misskey.example", ""),
        ("peertube", "tuber@peertube.example", ""),
        ("lemmy", "!rust@lemmy.example", ""),
        ("hackernews", "pg", ""),
        ("discord", "abc", ""),
        ("telegram", "@channel", ""),
    ];
    let mut t = String::from("request_timeout = \"5s\"\n");
    for (p, h, _) in accounts {
        t.push_str(&format!(
            "\n[[accounts]]\nplatform = \"{p}\"\nhandle = \"{h}\"\nbase_url = \"{base}\"\n"
        ));
    }
    t.push_str(&format!(
        "\n[[accounts]]\nplatform = \"json\"\nurl = \"{base}/stats\"\npointer = \"/subscribers\"\nheaders = {{ Authorization = \"Bearer ${{NEWSLETTER_KEY}}\" }}\nmetric = \"subscribers\"\n\n[[accounts]]\nplatform = \"manual\"\nhandle = \"linkedin\"\n"
    ));
    t
}

const GHOST_SECRET: &str = "a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90";

const SECRETS: &[(&str, &str)] = &[
    ("X_BEARER_TOKEN", "XSECRETVALUE"),
    ("TWITCH_CLIENT_ID", "TWITCHCLIENTVALUE"),
    ("TWITCH_TOKEN", "TWITCHSECRETVALUE"),
    ("TWITCH_CLIENT_SECRET", "TWITCHCLIENTSECRETVALUE"),
    ("REDDIT_CLIENT_ID", "REDDITCLIENTVALUE"),
    ("REDDIT_CLIENT_SECRET", "REDDITSECRETVALUE"),
    ("TELEGRAM_BOT_TOKEN", "TGSECRETVALUE"),
    ("NEWSLETTER_KEY", "NLSECRETVALUE"),
    ("GITHUB_TOKEN", "GHSECRETVALUE"),
    ("FACEBOOK_TOKEN", "FBSECRETVALUE"),
    ("INSTAGRAM_TOKEN", "IGSECRETVALUE"),
    ("THREADS_TOKEN", "THSECRETVALUE"),
    ("TIKTOK_TOKEN", "TTSECRETVALUE"),
    ("PINTEREST_TOKEN", "PINSECRETVALUE"),
    ("LINKEDIN_TOKEN", "LISECRETVALUE"),
    ("PATREON_TOKEN", "PTSECRETVALUE"),
    ("BUTTONDOWN_API_KEY", "BDSECRETVALUE"),
    ("KIT_API_KEY", "KITSECRETVALUE"),
    ("BEEHIIV_API_KEY", "BHSECRETVALUE"),
    (
        "GHOST_ADMIN_API_KEY",
        "6489c0ab3e1d2f0001a1b2c3:a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90",
    ),
    ("MAILCHIMP_API_KEY", "MCSECRETVALUE-us6"),
];

#[tokio::test(flavor = "multi_thread")]
async fn every_platform_polls_and_a_missing_secret_names_its_variable() {
    let server = every_platform().await;
    let env = Env::new(&config(&server.uri()));
    // YOUTUBE_API_KEY is left unset on purpose
    let mut vars: Vec<(&str, &str)> = SECRETS.to_vec();
    vars.push(("YOUTUBE_API_KEY", ""));
    let out = env.run_env(&["poll", "--once"], &vars);
    assert_eq!(out.status.code(), Some(1), "one account failed");
    let err = stderr(&out);
    assert!(
        err.contains("youtube:alice: environment variable YOUTUBE_API_KEY is not set"),
        "{err}"
    );
    assert_eq!(
        err.matches("socialtop: ").count(),
        2,
        "only youtube failed: {err}"
    );

    let rows = env.status();
    let expected = [
        ("mastodon:alice@mastodon.example", 1_001, "followers"),
        ("bluesky:alice.bsky.social", 1_002, "followers"),
        ("github:octocat", 1_003, "followers"),
        ("x:someone", 1_005, "followers"),
        ("twitch:streamer", 1_006, "followers"),
        ("reddit:r/rust", 1_007, "members"),
        ("reddit:u/spez", 1_027, "karma"),
        ("facebook:mypage", 1_015, "followers"),
        ("instagram:myshop", 1_016, "followers"),
        ("threads:mythreads", 1_017, "followers"),
        ("tiktok:creator", 1_018, "followers"),
        ("pinterest:pinner", 1_019, "followers"),
        ("linkedin:2414183", 1_020, "followers"),
        ("patreon:1234567", 1_021, "patrons"),
        ("buttondown:mynewsletter", 1_022, "subscribers"),
        ("kit:myaccount", 1_023, "subscribers"),
        ("beehiiv:pub_1", 1_024, "subscribers"),
        ("ghost:blog.example.com", 1_025, "members"),
        ("mailchimp:57afe96172", 1_026, "subscribers"),
        ("misskey:alice@misskey.example", 1_008, "followers"),
        ("peertube:tuber@peertube.example", 1_009, "followers"),
        ("lemmy:!rust@lemmy.example", 1_010, "subscribers"),
        ("hackernews:pg", 1_011, "karma"),
        ("discord:abc", 1_012, "members"),
        ("telegram:channel", 1_013, "members"),
        ("json:127.0.0.1", 1_014, "subscribers"),
    ];
    for (id, count, metric) in expected {
        let r = row(&rows, id);
        assert_eq!(r["followers"], count, "{id}: {r}");
        assert_eq!(r["metric"], metric, "{id}");
        assert_eq!(r["error"], serde_json::Value::Null, "{id}");
    }
    let yt = row(&rows, "youtube:alice");
    assert_eq!(yt["followers"], serde_json::Value::Null);
    assert_eq!(
        yt["error"],
        "environment variable YOUTUBE_API_KEY is not set"
    );
    assert_eq!(
        row(&rows, "manual:linkedin")["error"],
        serde_json::Value::Null
    );

    // with the key set, YouTube records too
    vars.pop();
    vars.push(("YOUTUBE_API_KEY", "YTSECRETVALUE"));
    let out = env.run_env(&["poll", "--once"], &vars);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(row(&env.status(), "youtube:alice")["followers"], 1_004);

    // no secret anywhere: output, database, log, exports
    let mut seen = [out.stdout.clone(), out.stderr.clone()].concat();
    for f in ["json", "csv", "md", "svg"] {
        seen.extend(env.run(&["export", "--format", f, "--out", "-"]).stdout);
    }
    seen.extend(
        env.run(&["export", "--format", "json", "--history", "--out", "-"])
            .stdout,
    );
    for entry in walk(&env.data()) {
        seen.extend(std::fs::read(entry).unwrap());
    }
    let hay = String::from_utf8_lossy(&seen);
    for (var, value) in SECRETS.iter().chain(&[
        ("YOUTUBE_API_KEY", "YTSECRETVALUE"),
        ("GHOST_ADMIN_API_KEY's secret", GHOST_SECRET),
        ("the app tokens", "APPTOKENVALUE"),
    ]) {
        assert!(!hay.contains(value), "{var}'s value leaked");
    }
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}
