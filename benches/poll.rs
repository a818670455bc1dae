//! Polling 1,000 accounts once against a loopback server, recording every
//! sample. Target: under 5 s.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use socialtop::config::Config;
use socialtop::poller::{Outcome, Poller};
use socialtop::store::Handle;
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

const ACCOUNTS: usize = 1_000;

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let server = rt.block_on(async {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
                "login": "someone", "followers": 1234, "following": 5, "public_repos": 3
            })))
            .mount(&server)
            .await;
        server
    });
    let mut toml = String::new();
    for i in 0..ACCOUNTS {
        toml.push_str(&format!(
            "[[accounts]]\nplatform = \"github\"\nhandle = \"user{i}\"\nbase_url = \"{}\"\n",
            server.uri()
        ));
    }
    let config = Config::parse(&toml, std::path::Path::new("bench.toml")).expect("config");
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Handle::open_dir(dir.path()).expect("store");
    rt.block_on(store.sync_accounts(config.accounts.clone()))
        .expect("sync");
    let poller = Arc::new(Poller::new(&config, store).expect("poller"));
    let mut g = c.benchmark_group("poll");
    g.sample_size(10).measurement_time(Duration::from_secs(20));
    g.bench_function("poll_once_1000_accounts", |b| {
        b.iter(|| {
            let results = rt.block_on(poller.poll_all(None));
            assert!(results.iter().all(|r| matches!(r.outcome, Outcome::Ok(_))));
            results
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
