//! Accounts side by side: Space marks accounts in the real dashboard (tmux,
//! `--demo`), the detail chart overlays them with a legend, `i` switches
//! between indexed to 100 and each account's own scale; `export --format svg
//! --accounts` draws the same selection.

use std::time::Duration;

use crate::common::{Env, Tmux, stderr, stdout};

#[test]
fn space_marks_accounts_and_the_detail_overlays_them() {
    if !Tmux::available() {
        eprintln!("note: tmux is not installed; skipping");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let program: Vec<String> = vec![
        "env".into(),
        "TZ=UTC".into(),
        "NO_COLOR=1".into(),
        format!("SOCIALTOP_DATA_DIR={}", dir.path().join("data").display()),
        format!("SOCIALTOP_CONFIG={}", dir.path().join("c.toml").display()),
        env!("CARGO_BIN_EXE_socialtop").into(),
        "--demo".into(),
    ];
    let tmux = Tmux::start(&program, 120, 40);
    let up = tmux.wait_for(Duration::from_secs(15), |s| s.contains("ACCOUNT"));
    assert!(up.is_some(), "the dashboard came up:\n{}", tmux.screen());
    // the first row (alice/tool stars) and the second (Bluesky), then zoom
    tmux.send("Space");
    tmux.send("j");
    tmux.send("Space");
    let marked = tmux.wait_for(Duration::from_secs(5), |s| {
        s.contains("● alice/tool stars") && s.contains("● Bluesky alice.bsky")
    });
    assert!(marked.is_some(), "marks in the table:\n{}", tmux.screen());
    tmux.send("Enter");
    let legend = tmux.wait_for(Duration::from_secs(5), |s| {
        s.contains("indexed to 100 at the start")
            && s.contains("Bluesky alice.bsky (demo) (100 = ")
            && s.contains("alice/tool stars (demo) (100 = ")
    });
    let screen = tmux.screen();
    assert!(legend.is_some(), "the overlay's legend:\n{screen}");
    // without colour each account has its own letter on the chart
    let plot: String = screen.lines().skip(6).collect();
    assert!(plot.contains('a') && plot.contains('b'), "{screen}");
    tmux.send("i");
    let own = tmux.wait_for(Duration::from_secs(5), |s| {
        s.contains("each on its own scale") && s.contains("high│")
    });
    assert!(own.is_some(), "own scales:\n{}", tmux.screen());
    // Space on a marked account unmarks it; the selected account stays
    // beside the other marked one until that is unmarked too
    tmux.send("Space");
    let one = tmux.wait_for(Duration::from_secs(5), |s| {
        s.contains("unmarked (1 marked)")
    });
    assert!(one.is_some(), "unmarked:\n{}", tmux.screen());
    assert!(tmux.screen().contains("each on its own scale"));
    tmux.send("k");
    tmux.send("Space");
    let alone = tmux.wait_for(Duration::from_secs(5), |s| {
        !s.contains("each on its own scale") && s.contains("unmarked (0 marked)")
    });
    assert!(alone.is_some(), "no overlay left:\n{}", tmux.screen());
    tmux.send("q");
}

#[test]
fn svg_export_draws_the_chosen_accounts_indexed() {
    let env = Env::new(
        "[[accounts]]\nplatform = \"manual\"\nhandle = \"a\"\nid = \"a\"\nlabel = \"Alpha <&> one\"\n\n[[accounts]]\nplatform = \"manual\"\nhandle = \"b\"\nid = \"b\"\n\n[[accounts]]\nplatform = \"manual\"\nhandle = \"c\"\nid = \"c\"\n",
    );
    for (id, counts) in [
        ("a", [200, 220, 260]),
        ("b", [5000, 5050, 5100]),
        ("c", [7, 8, 9]),
    ] {
        for (i, n) in counts.iter().enumerate() {
            let at = format!("{}d", 3 - i);
            let out = env.run(&["record", id, &n.to_string(), "--at", &at]);
            assert!(out.status.success(), "{}", stderr(&out));
        }
    }
    let out = env.run(&[
        "export",
        "--format",
        "svg",
        "--accounts",
        "a,b",
        "--indexed",
        "--out",
        "-",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let svg = stdout(&out);
    let texts: Vec<String> = svg
        .split("<text")
        .skip(1)
        .filter_map(|t| t.split_once('>').and_then(|(_, r)| r.split_once("</text>")))
        .map(|(t, _)| t.trim().to_string())
        .collect();
    // the label is escaped for SVG, and indexed by its first count
    assert!(
        texts
            .iter()
            .any(|t| t == "Alpha &lt;&amp;&gt; one (followers), 100 = 200"),
        "{texts:?}"
    );
    assert!(
        texts.iter().any(|t| t == "b (followers), 100 = 5,000"),
        "{texts:?}"
    );
    assert!(
        !texts.iter().any(|t| t.starts_with("c (")),
        "c was not asked for: {texts:?}"
    );
    assert!(
        texts
            .iter()
            .any(|t| t == "index (100 = the count at the start)"),
        "{texts:?}"
    );
    // a: 200 → 260 is 130 on the index: the axis reaches it
    assert!(texts.iter().any(|t| t == "130"), "{texts:?}");
    // an unknown account is an error naming it; --accounts needs a chart
    let out = env.run(&[
        "export",
        "--format",
        "svg",
        "--accounts",
        "zz",
        "--out",
        "-",
    ]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("unknown account `zz`"),
        "{}",
        stderr(&out)
    );
    let out = env.run(&["export", "--format", "csv", "--accounts", "a", "--out", "-"]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("--format svg"), "{}", stderr(&out));
}
