//! A dashboard learns of what other processes record: an alert that a cron
//! `poll --once` fired shows as "new alert" in the header within 2 s.

use std::time::{Duration, Instant};

use crate::common::*;
use wiremock::matchers::path;
use wiremock::{Mock, MockServer, ResponseTemplate};

async fn serve(api: &MockServer, followers: i64) {
    api.reset().await;
    Mock::given(path("/users/alice"))
        .respond_with(ResponseTemplate::new(200).set_body_json(github_user(followers)))
        .mount(api)
        .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_alert_another_process_fired_shows_in_the_dashboard_within_two_seconds() {
    if !Tmux::available() {
        eprintln!("note: tmux is not installed; skipping the watching-dashboard test");
        return;
    }
    let api = MockServer::start().await;
    serve(&api, 999).await;
    let env = Env::new(&format!(
        "poll_interval = \"1h\"\n[[accounts]]\nplatform = \"github\"\nhandle = \"alice\"\nbase_url = \"{}\"\n\n[[alerts]]\nkind = \"milestone\"\n",
        api.uri()
    ));
    let program = env.dashboard();
    let tmux = Tmux::start(&program, 120, 32);
    // the dashboard's own first poll: 999, no alert
    assert!(
        tmux.wait_for(Duration::from_secs(15), |s| s.contains("999"))
            .is_some(),
        "the dashboard polled:\n{}",
        tmux.screen()
    );
    // a cron job polls meanwhile and crosses 1,000
    serve(&api, 1_001).await;
    let (dir, config, data) = (env.dir.path().to_path_buf(), env.config(), env.data());
    let out =
        tokio::task::spawn_blocking(move || run_in(&dir, &config, &data, &["poll", "--once"], &[]))
            .await
            .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("reached 1,000"), "{}", stderr(&out));
    let fired = Instant::now();
    let shown = tmux.wait_for(Duration::from_secs(10), |s| s.contains("1 new alert"));
    let screen = tmux.screen();
    assert!(shown.is_some(), "no new-alert badge:\n{screen}");
    let took = fired.elapsed();
    assert!(
        took < Duration::from_millis(2_500),
        "the badge took {} ms",
        took.as_millis()
    );
}
