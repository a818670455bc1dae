//! Two socialtop processes on one data dir: one polls, the other waits, and
//! takes over when the first dies without a word (SIGKILL).

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::common::*;
use wiremock::matchers::path;
use wiremock::{Mock, MockServer, ResponseTemplate};

fn spawn_poll(env: &Env) -> (Child, mpsc::Receiver<String>, mpsc::Receiver<String>) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_socialtop"))
        .arg("--config")
        .arg(env.config())
        .arg("--data-dir")
        .arg(env.data())
        .arg("poll")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let lines = |r: Box<dyn std::io::Read + Send>| {
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(r).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        rx
    };
    let out = lines(Box::new(child.stdout.take().unwrap()));
    let err = lines(Box::new(child.stderr.take().unwrap()));
    (child, out, err)
}

/// Waits for a line containing `needle`, up to `limit`.
fn wait_for(rx: &mpsc::Receiver<String>, needle: &str, limit: Duration) -> Option<String> {
    let end = Instant::now() + limit;
    while let Some(left) = end.checked_duration_since(Instant::now()) {
        match rx.recv_timeout(left) {
            Ok(line) if line.contains(needle) => return Some(line),
            Ok(_) => {}
            Err(_) => return None,
        }
    }
    None
}

#[tokio::test(flavor = "multi_thread")]
async fn only_the_lease_holder_polls_and_another_takes_over_when_it_dies() {
    let server = MockServer::start().await;
    Mock::given(path("/users/alice"))
        .respond_with(ResponseTemplate::new(200).set_body_json(github_user(42)))
        .mount(&server)
        .await;
    let env = Env::new(&format!(
        "[[accounts]]\nplatform = \"github\"\nhandle = \"alice\"\nbase_url = \"{}\"\ninterval = \"1s\"\n",
        server.uri()
    ));
    let (mut a, a_out, _a_err) = spawn_poll(&env);
    assert!(
        wait_for(
            &a_out,
            "github:alice  42 followers",
            Duration::from_secs(10)
        )
        .is_some(),
        "the first process polls"
    );
    let (mut b, b_out, b_err) = spawn_poll(&env);
    assert!(
        wait_for(&b_err, "another socialtop polls", Duration::from_secs(10)).is_some(),
        "the second one waits"
    );
    // while A lives, B records nothing
    assert!(wait_for(&b_out, "followers", Duration::from_secs(3)).is_none());
    a.kill().unwrap(); // SIGKILL: no chance to hand the lease over
    a.wait().unwrap();
    let took_over = wait_for(
        &b_out,
        "github:alice  42 followers",
        socialtop::lease::TTL + Duration::from_secs(10),
    );
    assert!(took_over.is_some(), "B took over after the lease expired");
    b.kill().unwrap();
    b.wait().unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_new_holder_keeps_to_the_schedule_the_old_one_recorded() {
    let server = MockServer::start().await;
    Mock::given(path("/users/alice"))
        .respond_with(ResponseTemplate::new(200).set_body_json(github_user(7)))
        .mount(&server)
        .await;
    let env = Env::new(&format!(
        "[[accounts]]\nplatform = \"github\"\nhandle = \"alice\"\nbase_url = \"{}\"\ninterval = \"1h\"\n",
        server.uri()
    ));
    // both start before anything is recorded: each plans to poll at once
    let (a, a_out, _a_err) = spawn_poll(&env);
    let (b, b_out, _b_err) = spawn_poll(&env);
    let deadline = Instant::now() + Duration::from_secs(10);
    let (mut holder, mut other, other_out) = loop {
        if a_out.try_recv().is_ok_and(|l| l.contains("7 followers")) {
            break (a, b, b_out);
        }
        if b_out.try_recv().is_ok_and(|l| l.contains("7 followers")) {
            break (b, a, a_out);
        }
        assert!(Instant::now() < deadline, "nobody polled");
        std::thread::sleep(Duration::from_millis(50));
    };
    holder.kill().unwrap();
    holder.wait().unwrap();
    // the survivor takes over, but alice was polled moments ago and is due in an hour
    assert!(
        wait_for(
            &other_out,
            "followers",
            socialtop::lease::TTL + Duration::from_secs(8)
        )
        .is_none(),
        "the new holder polled again at once"
    );
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
    other.kill().unwrap();
    other.wait().unwrap();
}
