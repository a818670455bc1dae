//! Time spent and the effort verdict, as a user drives them: `record`, `log`,
//! `effort`, and the two importers.

use std::process::{Command, Stdio};

use crate::common::*;
use serde_json::{Value, json};
use wiremock::matchers::{path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// Monday 2026-01-05 00:00 UTC.
const BASE: i64 = 1_767_571_200;
const WEEK: i64 = 604_800;
const FA: [i64; 12] = [120, 135, 150, 171, 190, 214, 240, 262, 300, 335, 372, 410];
/// Week 7 of account a has no time: a zero week inside its span.
const MA: [i64; 12] = [45, 50, 48, 61, 55, 66, 70, 0, 80, 77, 90, 86];
const FB: [i64; 12] = [
    2000, 2080, 2150, 2260, 2300, 2420, 2500, 2610, 2700, 2790, 2900, 3010,
];
const MB: [i64; 12] = [200, 215, 190, 230, 225, 240, 210, 260, 250, 245, 270, 265];

/// numpy/scipy on the same weeks (tests/reference/effort.py).
const REF_B: f64 = 0.5652280970478288;
/// The per-active-week figure and its plain OLS interval (`ci95_ols`).
const REF_B_OLS: f64 = 0.5754894086458207;
const REF_CI_OLS: [f64; 2] = [0.47974492932457335, 0.671233887967068];

fn iso(t: i64) -> String {
    jiff::Timestamp::from_second(t).unwrap().to_string()
}

fn ok(out: std::process::Output) -> String {
    assert!(out.status.success(), "{}", stderr(&out));
    stdout(&out)
}

fn backfill(env: &Env) {
    for i in 0..12 {
        let ws = BASE + i as i64 * WEEK;
        for (id, f, m) in [("a", FA[i], MA[i]), ("b", FB[i], MB[i])] {
            ok(env.run(&["record", id, &f.to_string(), "--at", &iso(ws + 10 * 3600)]));
            if m == 0 {
                continue;
            }
            let first = m / 2;
            ok(env.run(&[
                "log",
                id,
                &format!("{first}m"),
                "--at",
                &iso(ws + 86_400 + 9 * 3600),
            ]));
            ok(env.run(&[
                "log",
                id,
                &format!("{}m", m - first),
                "--at",
                &iso(ws + 3 * 86_400 + 20 * 3600),
                "--note",
                "replies",
            ]));
        }
    }
    // Sunday 23:30 of week 5 for an hour: half in week 5, half in week 6
    ok(env.run(&[
        "log",
        "b",
        "1h",
        "--at",
        &iso(BASE + 5 * WEEK + 6 * 86_400 + 23 * 3600 + 1800),
    ]));
}

fn two_manual_accounts(extra: &str) -> Env {
    Env::new(&format!(
        "effort_margin = 0.2\n[[accounts]]\nplatform = \"manual\"\nhandle = \"a\"\nid = \"a\"\n\n[[accounts]]\nplatform = \"manual\"\nhandle = \"b\"\nid = \"b\"\n{extra}"
    ))
}

/// The weeks as tests/reference/effort.py reads them: per week of the span
/// `[week_start, week_end, minutes, [sample_at, followers] or null]`, the
/// weeks consecutive from BASE, a sample on Monday 10:00 of each week with a
/// count (the latest one carries over to weeks without).
fn reference_weeks(weeks: &[(i64, f64)]) -> Value {
    let mut last: Option<(i64, i64)> = None;
    let rows: Vec<Value> = weeks
        .iter()
        .enumerate()
        .map(|(i, &(f, minutes))| {
            let ws = BASE + i as i64 * WEEK;
            if f > 0 {
                last = Some((ws + 10 * 3600, f));
            }
            let sample = last.map_or(Value::Null, |(at, f)| json!([at, f]));
            json!([ws, ws + WEEK - 1, minutes, sample])
        })
        .collect();
    Value::Array(rows)
}

#[test]
fn twelve_weeks_of_backfill_match_an_independent_computation() {
    let env = two_manual_accounts("");
    backfill(&env);
    let out = env.run(&["effort", "--format", "json"]);
    let effort: Value = serde_json::from_str(&ok(out)).unwrap();
    let b = effort["elasticity"].as_f64().unwrap();
    assert!((b - REF_B).abs() < 1e-6, "{b}");
    // 12 weeks leave the test with too little to reject anything: the
    // interval has no ends
    assert_eq!(effort["ci95"], json!([null, null]));
    assert_eq!(
        (effort["n"].as_i64(), effort["df"].as_i64()),
        (Some(24), Some(21))
    );
    assert_eq!(effort["zero_weeks"], 1, "week 7 of a counts, as 0 minutes");
    assert_eq!(effort["calendar_weeks"], 12);
    // 12 calendar weeks give the variance B = 2 degrees of freedom: no verdict
    assert_eq!(effort["t_df"], 2.0);
    assert_eq!(effort["verdict"], "insufficient_data");
    assert_eq!(
        effort["sentence"],
        "Not enough data yet to judge the claim that a bigger audience takes no more of your time: so far doubling your audience went with 48% more time (24 account-weeks from 2 accounts over 12 calendar weeks); a verdict needs 26 calendar weeks with data, now 12."
    );
    let ols = &effort["ci95_ols"];
    assert!((effort["elasticity_ols"].as_f64().unwrap() - REF_B_OLS).abs() < 1e-6);
    assert!((ols[0].as_f64().unwrap() - REF_CI_OLS[0]).abs() < 1e-6);
    assert!((ols[1].as_f64().unwrap() - REF_CI_OLS[1]).abs() < 1e-6);
    assert_eq!(effort["method"], "ppml_dk_ewc");
    assert!((effort["growth"].as_f64().unwrap() - 410.0 / 120.0).abs() < 1e-9);
    assert!((effort["margin_pct"].as_f64().unwrap() - (2f64.powf(0.2) - 1.0)).abs() < 1e-12);
    let fields: Vec<&str> = effort
        .as_object()
        .unwrap()
        .keys()
        .map(|k| k.as_str())
        .collect();
    for f in [
        "verdict",
        "elasticity",
        "ci95",
        "n",
        "df",
        "margin",
        "sentence",
        "accounts",
        "method",
        "t_df",
        "ci95_ols",
        "growth",
        "margin_pct",
        "weeks_to_settle",
        "elasticity_ols",
        "t_margin",
        "calendar_weeks",
        "zero_weeks",
        "excluded",
    ] {
        assert!(fields.contains(&f), "{f} missing");
    }
    let a = &effort["accounts"][0];
    assert_eq!(a["id"], "a");
    assert_eq!(a["weeks"], 12);
    assert_eq!(a["used"], true);
    assert_eq!(
        (a["followers_first"].as_i64(), a["followers_last"].as_i64()),
        (Some(120), Some(410))
    );
    let mean_ma = MA.iter().sum::<i64>() as f64 / 12.0;
    assert!((a["minutes_per_week"].as_f64().unwrap() - mean_ma).abs() < 1e-9);
    let b_acc = &effort["accounts"][1];
    let mean_mb = (MB.iter().sum::<i64>() + 60) as f64 / 12.0;
    assert!(
        (b_acc["minutes_per_week"].as_f64().unwrap() - mean_mb).abs() < 1e-9,
        "the split hour counts once"
    );

    // and numpy/scipy themselves, where they are installed (CI installs them)
    let mut mb = MB;
    mb[5] += 30;
    mb[6] += 30;
    let weeks = |f: &[i64], m: &[i64]| -> Vec<(i64, f64)> {
        f.iter().zip(m).map(|(f, m)| (*f, *m as f64)).collect()
    };
    let points = json!({
        "margin": 0.2,
        "accounts": {
            "a": reference_weeks(&weeks(&FA, &MA)),
            "b": reference_weeks(&weeks(&FB, &mb)),
        }
    });
    numpy_agrees(&env, &points, &effort);

    // the table says the same sentence
    let table = ok(env.run(&["effort"]));
    assert!(
        table.starts_with(effort["sentence"].as_str().unwrap()),
        "{table}"
    );
    assert!(table.contains("plain OLS interval"), "{table}");
    assert!(
        table.contains("(1 without time) over 12 calendar weeks"),
        "{table}"
    );
    for line in socialtop::effort::EXPLANATION {
        assert!(table.contains(line), "{table}");
    }
    assert!(table.contains("120 → 410"), "{table}");
}

fn have_scipy() -> bool {
    let have = Command::new("python3")
        .args(["-c", "import numpy, scipy"])
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    require_in_ci(have, "numpy and scipy (pip install numpy scipy)");
    have
}

/// tests/reference/effort.py recomputes `effort` from `points` with numpy and
/// scipy and must agree to 1e-6 (skipped without them, except in CI).
fn numpy_agrees(env: &Env, points: &Value, effort: &Value) {
    if !have_scipy() {
        eprintln!("numpy/scipy not installed: compared with the recorded reference values only");
        return;
    }
    let pf = env.dir.path().join("points.json");
    let ef = env.dir.path().join("effort.json");
    std::fs::write(&pf, points.to_string()).unwrap();
    std::fs::write(&ef, effort.to_string()).unwrap();
    let out = Command::new("python3")
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/reference/effort.py"
        ))
        .arg(&pf)
        .arg(&ef)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
}

/// Writes weeks of `(followers, seconds)` per account straight into the
/// history (week i: a sample on Monday 10:00, the time on Tuesday 09:00);
/// `(0, _)` leaves the week without a sample (its count is then a week or
/// more old: stale), `(_, 0)` without time. Returns the weeks as
/// tests/reference/effort.py reads them (the span: first to last week with
/// time).
fn seed(env: &Env, margin: f64, accounts: &[(&str, Vec<(i64, i64)>)]) -> Value {
    // the first command creates the history and its accounts
    ok(env.run(&["status", "--format", "json"]));
    let mut db = socialtop::store::Store::open_dir(&env.data()).unwrap();
    let mut points = serde_json::Map::new();
    for (id, weeks) in accounts {
        let mut samples = Vec::new();
        let mut entries = Vec::new();
        for (i, &(f, secs)) in weeks.iter().enumerate() {
            let ws = BASE + i as i64 * WEEK;
            if f > 0 {
                samples.push(socialtop::model::Sample {
                    at_ms: (ws + 10 * 3600) * 1000,
                    followers: f,
                    following: None,
                    posts: None,
                });
            }
            if secs > 0 {
                entries.push(socialtop::model::TimeEntry {
                    start: ws + 86_400 + 9 * 3600,
                    seconds: secs,
                    source: "log".into(),
                    note: None,
                    external_id: None,
                });
            }
        }
        db.insert_samples(id, &samples).unwrap();
        db.add_time_entries(id, &entries).unwrap();
        let first = weeks.iter().position(|w| w.1 > 0);
        let last = weeks.iter().rposition(|w| w.1 > 0);
        let rows = match (first, last) {
            (Some(first), Some(last)) => {
                let all: Vec<(i64, f64)> = weeks
                    .iter()
                    .map(|&(f, secs)| (f, secs as f64 / 60.0))
                    .collect();
                let rows = reference_weeks(&all[..=last]);
                Value::Array(rows.as_array().unwrap()[first..].to_vec())
            }
            _ => json!([]),
        };
        points.insert(id.to_string(), rows);
    }
    json!({"margin": margin, "accounts": points})
}

fn effort_json(env: &Env) -> Value {
    serde_json::from_str(&ok(env.run(&["effort", "--format", "json"]))).unwrap()
}

fn manual(ids: &[&str]) -> Env {
    Env::new(
        &ids.iter()
            .map(|id| {
                format!("[[accounts]]\nplatform = \"manual\"\nhandle = \"{id}\"\nid = \"{id}\"\n")
            })
            .collect::<String>(),
    )
}

/// A small deterministic generator (splitmix64) for the simulated datasets.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64
    }

    fn normal(&mut self) -> f64 {
        let (u, v) = (self.next().max(1e-300), self.next());
        (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()
    }
}

/// One account, 52 weeks, true elasticity +0.35 with week-to-week correlation
/// 0.8 in the audience's growth and in the time (numpy, seed 12): the plain
/// interval says "holds"; the model does not.
const AUTO_F: [i64; 52] = [
    808, 825, 846, 872, 909, 931, 945, 945, 946, 959, 970, 987, 983, 984, 977, 991, 1014, 1044,
    1070, 1101, 1136, 1162, 1181, 1197, 1205, 1207, 1207, 1201, 1208, 1196, 1200, 1197, 1191, 1172,
    1158, 1147, 1142, 1135, 1132, 1153, 1177, 1192, 1219, 1241, 1269, 1303, 1328, 1325, 1321, 1327,
    1330, 1341,
];
const AUTO_M: [i64; 52] = [
    62, 56, 68, 84, 92, 100, 106, 131, 114, 100, 98, 77, 58, 50, 55, 60, 47, 38, 40, 42, 45, 54,
    67, 68, 73, 60, 51, 55, 62, 69, 74, 80, 86, 61, 55, 60, 65, 51, 63, 59, 58, 61, 69, 55, 66, 67,
    59, 58, 42, 42, 47, 45,
];

#[test]
fn an_autocorrelated_account_that_ols_called_settled_is_not() {
    let env = manual(&["a"]);
    let weeks: Vec<(i64, i64)> = AUTO_F
        .iter()
        .zip(AUTO_M)
        .map(|(f, m)| (*f, m * 60))
        .collect();
    let points = seed(&env, 0.2, &[("a", weeks)]);
    let e = effort_json(&env);
    assert!(
        e["ci95_ols"][1].as_f64().unwrap() <= 0.2,
        "the old interval said holds"
    );
    assert_ne!(e["verdict"], "holds");
    numpy_agrees(&env, &points, &e);
}

#[test]
fn several_datasets_agree_with_numpy() {
    // four accounts of different lengths, with weeks without time (zeros
    // inside the span) and weeks without a new sample (stale counts); a
    // deterministic wobble instead of noise
    let mut accounts = Vec::new();
    for (a, len) in [("a", 40usize), ("b", 9), ("c", 26), ("d", 3)] {
        let weeks: Vec<(i64, i64)> = (0..len)
            .map(|i| {
                let x = i as f64;
                let f = (500.0 * (1.0 + 0.03 * x) * (1.0 + 0.05 * (x * 1.7).sin())) as i64;
                let m =
                    (1800.0 * (1.0 + 0.01 * x) * (1.3 + (x * 0.9 + len as f64).cos() * 0.4)) as i64;
                let m = if i % 7 == 3 { 0 } else { m };
                let f = if i % 5 == 2 { 0 } else { f };
                (f, m)
            })
            .collect();
        accounts.push((a, weeks));
    }
    let env = manual(&["a", "b", "c", "d"]);
    let points = seed(&env, 0.2, &accounts);
    let e = effort_json(&env);
    assert!(e["ci95"].is_array(), "{e}");
    assert!(e["zero_weeks"].as_i64().unwrap() > 0, "{e}");
    assert!(e["excluded"]["weeks"]["stale_counts"].as_i64().unwrap() > 0);
    assert_eq!(e["excluded"]["accounts"]["too_few_points"], 1, "d: 3 weeks");
    numpy_agrees(&env, &points, &e);
    // and the same with a wider margin
    env.write_config(&format!(
        "effort_margin = 1.5\n{}",
        std::fs::read_to_string(env.config()).unwrap()
    ));
    let e = effort_json(&env);
    let mut points = points;
    points["margin"] = json!(1.5);
    numpy_agrees(&env, &points, &e);
}

/// Six accounts × 60 weeks whose weekly time shares half its noise (a busy
/// week is busy for every account), with idle weeks: the reference agrees.
#[test]
fn shared_weeks_and_zeros_agree_with_numpy() {
    let mut rng = Rng(20);
    let shared: Vec<f64> = (0..60).map(|_| rng.normal() * 0.35).collect();
    let ids = ["a", "b", "c", "d", "e", "f"];
    let accounts: Vec<(&str, Vec<(i64, i64)>)> = ids
        .iter()
        .enumerate()
        .map(|(k, id)| {
            let f0 = 200.0 * (k + 1) as f64;
            let growth = 1.5 + 0.3 * k as f64;
            let weeks = (0..60)
                .map(|i| {
                    let f = f0 * growth.powf(i as f64 / 59.0) * (1.0 + 0.02 * rng.normal());
                    let u = shared[i] + 0.35 * rng.normal();
                    let idle = rng.next() < 0.15;
                    let m = if idle {
                        0.0
                    } else {
                        40.0 * (f / f0).powf(0.2) * u.exp()
                    };
                    (f.round() as i64, (m * 60.0).round() as i64)
                })
                .collect();
            (*id, weeks)
        })
        .collect();
    let env = manual(&ids);
    let points = seed(&env, 0.2, &accounts);
    let e = effort_json(&env);
    assert_eq!(e["calendar_weeks"], 60);
    assert_eq!(e["t_df"], 6.0);
    assert!(e["zero_weeks"].as_i64().unwrap() > 20, "{e}");
    numpy_agrees(&env, &points, &e);
}

/// Samples stop after week 16 while time goes on for a year: the weeks with
/// counts weeks old are left out, and said to be, instead of read with a
/// 36-week-old audience.
#[test]
fn weeks_with_stale_counts_are_left_out_and_named() {
    let mut rng = Rng(7);
    let accounts: Vec<(&str, Vec<(i64, i64)>)> = ["a", "b", "c"]
        .iter()
        .enumerate()
        .map(|(k, id)| {
            let f0 = 300.0 * (k + 1) as f64;
            let weeks = (0..52)
                .map(|i| {
                    let f = f0 * 3f64.powf(i as f64 / 51.0);
                    let m = 60.0 * (f / f0).powf(0.6) * (0.1 * rng.normal()).exp();
                    let f = if i <= 16 { f.round() as i64 } else { 0 };
                    (f, (m * 60.0).round() as i64)
                })
                .collect();
            (*id, weeks)
        })
        .collect();
    let env = manual(&["a", "b", "c"]);
    let points = seed(&env, 0.2, &accounts);
    let e = effort_json(&env);
    assert_eq!(e["excluded"]["weeks"]["stale_counts"], 3 * 35);
    assert_eq!(
        (e["n"].as_i64(), e["calendar_weeks"].as_i64()),
        (Some(51), Some(17))
    );
    assert_eq!(e["verdict"], "insufficient_data");
    let b = e["elasticity"].as_f64().unwrap();
    assert!(
        (0.2..1.0).contains(&b),
        "about the true 0.6, not inflated: {b}"
    );
    let sentence = e["sentence"].as_str().unwrap();
    assert!(
        sentence.ends_with(
            " Left out: 105 weeks without a follower count from the last 7 days of the week."
        ),
        "{sentence}"
    );
    numpy_agrees(&env, &points, &e);
}

/// `tracked_since` declares the span: weeks from then without time are
/// zeros, up to the last week that has ended.
#[test]
fn tracked_since_makes_the_weeks_before_the_first_entry_zeros() {
    // samples every week from 4 weeks before BASE to well past now
    let now_week = |t: i64| (t - BASE).div_euclid(WEEK);
    let env = Env::new(&format!(
        "[[accounts]]\nplatform = \"manual\"\nhandle = \"a\"\nid = \"a\"\ntracked_since = \"{}\"\n",
        iso(BASE - 4 * WEEK + 3 * 86_400)
    ));
    ok(env.run(&["status", "--format", "json"]));
    let mut db = socialtop::store::Store::open_dir(&env.data()).unwrap();
    let followers = |w: i64| 400 + 9 * (w + 4) + (w * 7) % 5;
    let samples: Vec<socialtop::model::Sample> = (-4..200)
        .map(|w| socialtop::model::Sample {
            at_ms: (BASE + w * WEEK + 10 * 3600) * 1000,
            followers: followers(w),
            following: None,
            posts: None,
        })
        .collect();
    db.insert_samples("a", &samples).unwrap();
    // time in weeks 0 to 15 but every fourth (all before 2026-04-27)
    let minutes = |w: i64| if w % 4 == 3 { 0 } else { 30 + (w * 13) % 17 };
    let entries: Vec<socialtop::model::TimeEntry> = (0..16)
        .filter(|w| minutes(*w) > 0)
        .map(|w| socialtop::model::TimeEntry {
            start: BASE + w * WEEK + 86_400,
            seconds: minutes(w) * 60,
            source: "log".into(),
            note: None,
            external_id: None,
        })
        .collect();
    db.add_time_entries("a", &entries).unwrap();
    drop(db);
    // the span ends with the last week that ended: retried if a week ends
    // while the command runs
    let (e, last) = loop {
        let before = now_week(jiff::Timestamp::now().as_second());
        let e = effort_json(&env);
        if now_week(jiff::Timestamp::now().as_second()) == before {
            break (e, (before - 1).max(15));
        }
    };
    let weeks: Vec<(i64, f64)> = (-4..=last)
        .map(|w| {
            let m = if (0..16).contains(&w) { minutes(w) } else { 0 };
            (followers(w), m as f64)
        })
        .collect();
    assert_eq!(e["n"], weeks.len());
    let zeros = weeks.iter().filter(|w| w.1 == 0.0).count();
    assert_eq!(e["zero_weeks"], zeros);
    assert!(zeros >= 4 + 4, "4 weeks before the first entry, 4 inside");
    let rows = reference_weeks(&weeks);
    // reference_weeks counts from BASE: shift to 4 weeks earlier
    let rows: Vec<Value> = rows
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let s = |v: &Value| v.as_i64().unwrap() - 4 * WEEK;
            json!([s(&r[0]), s(&r[1]), r[2], [s(&r[3][0]), r[3][1]]])
        })
        .collect();
    let points = json!({"margin": 0.2, "accounts": {"a": rows}});
    numpy_agrees(&env, &points, &e);
}

#[test]
fn a_constant_audience_is_named_as_the_reason() {
    let env = two_manual_accounts("");
    let weeks: Vec<(i64, i64)> = (0..12).map(|i| (700, 1200 + i * 60)).collect();
    seed(&env, 0.2, &[("a", weeks.clone()), ("b", weeks)]);
    let e = effort_json(&env);
    assert_eq!(e["df"], 21);
    assert_eq!(e["verdict"], "insufficient_data");
    let sentence = e["sentence"].as_str().unwrap();
    assert!(
        sentence.starts_with("No account's audience changed size"),
        "{sentence}"
    );
    assert!(!sentence.contains("df"), "{sentence}");
}

#[test]
fn the_same_hour_logged_by_hand_and_imported_counts_once() {
    let env = two_manual_accounts("");
    ok(env.run(&["record", "a", "100", "--at", "2026-03-02T08:00:00Z"]));
    ok(env.run(&["log", "a", "1h", "--at", "2026-03-02T09:00:00Z"]));
    let export = r#"[{"id":1,"start":"20260302T090000Z","end":"20260302T100000Z","tags":["a"]}]"#;
    ok(env.run_stdin(&["import", "timewarrior", "-"], export.as_bytes()));
    let e = effort_json(&env);
    assert_eq!(e["accounts"][0]["minutes_per_week"], 60.0, "{e}");
    // and half an hour of it imported from Watson too: still one hour
    let watson = r#"[{"id":"5c1f","project":"a","start":"2026-03-02T09:15:00+00:00","stop":"2026-03-02T09:45:00+00:00","tags":[]}]"#;
    ok(env.run_stdin(&["import", "watson", "-"], watson.as_bytes()));
    let e = effort_json(&env);
    assert_eq!(e["accounts"][0]["minutes_per_week"], 60.0, "{e}");
}

#[test]
fn a_duration_under_a_second_is_a_clear_error() {
    let env = two_manual_accounts("");
    let out = env.run(&["log", "a", "500ms"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(!err.contains("CHECK"), "{err}");
    assert!(err.contains("500ms"), "{err}");
}

#[test]
fn bad_input_is_named_and_nothing_is_recorded() {
    let env = two_manual_accounts("");
    let out = env.run(&["log", "a", "twenty"]);
    assert_stderr(&out, "invalid duration `twenty`");
    let out = env.run(&["log", "a", "0m"]);
    assert_stderr(&out, "must be greater than zero");
    let out = env.run(&["log", "nobody", "25m"]);
    assert_stderr(&out, "unknown account `nobody`");
    let out = env.run(&["log", "a", "25m", "--at", "tuesday"]);
    assert_stderr(&out, "invalid time `tuesday`");
    let e: Value = serde_json::from_str(&ok(env.run(&["effort", "--format", "json"]))).unwrap();
    assert_eq!(e["n"], 0);
    assert_eq!(e["verdict"], "insufficient_data");
    assert_eq!(e["elasticity"], Value::Null);
}

#[test]
fn timewarrior_export_imports_once() {
    let env = two_manual_accounts("time_tags = [\"social\"]\n");
    let fixture = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/timew-export.json"
    );
    // the fixture is real `timew export` output: tags "mastodon:..." name no
    // account here, "social" is b's time tag
    let out = env.run(&["import", "timewarrior", fixture]);
    let text = ok(out.clone());
    assert!(text.contains("imported 1 new intervals"), "{text}");
    assert_stderr(&out, "skipped open interval @1");
    let again = ok(env.run(&["import", "timewarrior", fixture]));
    assert!(
        again.contains("imported 0 new intervals (1 already there)"),
        "{again}"
    );
    let bad = env.dir.path().join("not-timew.json");
    std::fs::write(&bad, "{\"hello\": 1}").unwrap();
    let out = env.run(&["import", "timewarrior", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert_stderr(&out, "not-timew.json:1:1: not a timewarrior export");
}

#[test]
fn the_real_timew_output_imports() {
    let have_timew = Command::new("timew").arg("--version").output().is_ok();
    require_in_ci(have_timew, "timew (Debian package timewarrior)");
    if !have_timew {
        eprintln!("timew not installed (Debian package timewarrior): skipped; CI installs it");
        return;
    }
    let env = two_manual_accounts("");
    let db = env.dir.path().join("timewarrior");
    std::fs::create_dir_all(&db).unwrap();
    let timew = |args: &[&str]| {
        let out = Command::new("timew")
            .args(args)
            .env("TIMEWARRIORDB", &db)
            .stdin(Stdio::null())
            .output()
            .unwrap();
        assert!(out.status.success(), "timew {args:?}: {}", stderr(&out));
        out.stdout
    };
    timew(&[
        "track",
        "2026-03-02T09:00:00Z",
        "-",
        "2026-03-02T10:30:00Z",
        "a",
        "writing",
    ]);
    timew(&[
        "track",
        "2026-03-03T20:00:00Z",
        "-",
        "2026-03-03T20:45:00Z",
        "b",
    ]);
    timew(&[
        "track",
        "2026-03-04T08:00:00Z",
        "-",
        "2026-03-04T08:10:00Z",
        "unrelated",
    ]);
    let export = timew(&["export"]);
    let out = env.run_stdin(&["import", "timewarrior", "-"], &export);
    let text = ok(out.clone());
    assert!(text.contains("imported 2 new intervals"), "{text}");
    assert!(text.contains("a: 1 new, 1h30m"), "{text}");
    assert_stderr(
        &out,
        "1 interval(s) had no tag or project naming an account",
    );
}

// ---------- ActivityWatch ----------

fn aw_buckets() -> Value {
    json!({
        "aw-watcher-web-firefox_laptop": {
            "id": "aw-watcher-web-firefox_laptop", "created": "2026-01-01T10:00:00.000000+00:00",
            "name": null, "type": "web.tab.current", "client": "aw-client-web", "hostname": "laptop",
            "data": {}, "metadata": {"start": "2026-03-02T08:00:00+00:00", "end": "2026-03-02T12:00:00+00:00"}
        },
        "aw-watcher-afk_laptop": {
            "id": "aw-watcher-afk_laptop", "created": "2026-01-01T10:00:00.000000+00:00",
            "name": null, "type": "afkstatus", "client": "aw-watcher-afk", "hostname": "laptop",
            "data": {}, "metadata": {"start": null, "end": null}
        },
        "aw-watcher-window_laptop": {
            "id": "aw-watcher-window_laptop", "created": "2026-01-01T10:00:00.000000+00:00",
            "name": null, "type": "currentwindow", "client": "aw-watcher-window", "hostname": "laptop",
            "data": {}, "metadata": {"start": null, "end": null}
        }
    })
}

/// Monday 2026-03-02 in UTC: 30 min on GitHub (10 of them AFK), 20 on the repo,
/// 15 on Mastodon, 5 elsewhere.
fn aw_web_events() -> Value {
    json!([
        {"id": 4, "timestamp": "2026-03-02T10:00:00.000000+00:00", "duration": 300.0,
         "data": {"url": "https://example.org/news", "title": "News", "audible": false, "incognito": false, "tabCount": 3}},
        {"id": 3, "timestamp": "2026-03-02T09:30:00.000000+00:00", "duration": 900.0,
         "data": {"url": "https://mastodon.social/@alice", "title": "alice", "audible": false, "incognito": false, "tabCount": 3}},
        {"id": 2, "timestamp": "2026-03-02T09:10:00.000000+00:00", "duration": 1200.0,
         "data": {"url": "https://github.com/alice/tool/pulls", "title": "Pull requests", "audible": false, "incognito": false, "tabCount": 2}},
        {"id": 1, "timestamp": "2026-03-02T08:40:00.000000+00:00", "duration": 1800.0,
         "data": {"url": "https://github.com/notifications", "title": "Notifications", "audible": false, "incognito": false, "tabCount": 2}}
    ])
}

fn aw_afk_events() -> Value {
    json!([
        {"id": 3, "timestamp": "2026-03-02T09:00:00+00:00", "duration": 3600.0, "data": {"status": "not-afk"}},
        {"id": 2, "timestamp": "2026-03-02T08:50:00+00:00", "duration": 600.0, "data": {"status": "afk"}},
        {"id": 1, "timestamp": "2026-03-02T08:00:00+00:00", "duration": 3000.0, "data": {"status": "not-afk"}}
    ])
}

async fn aw_server() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(path("/api/0/buckets/"))
        .respond_with(ResponseTemplate::new(200).set_body_json(aw_buckets()))
        .mount(&server)
        .await;
    // aw-server answers the window it is asked for; events elsewhere in time are
    // not returned, so only the day that holds them gets them
    let day = "2026-03-02T00:00:00Z";
    Mock::given(path("/api/0/buckets/aw-watcher-web-firefox_laptop/events"))
        .and(query_param("start", day))
        .respond_with(ResponseTemplate::new(200).set_body_json(aw_web_events()))
        .mount(&server)
        .await;
    Mock::given(path("/api/0/buckets/aw-watcher-afk_laptop/events"))
        .and(query_param("start", day))
        .respond_with(ResponseTemplate::new(200).set_body_json(aw_afk_events()))
        .mount(&server)
        .await;
    Mock::given(path("/api/0/buckets/aw-watcher-web-firefox_laptop/events"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
        .mount(&server)
        .await;
    Mock::given(path("/api/0/buckets/aw-watcher-afk_laptop/events"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
        .mount(&server)
        .await;
    server
}

fn aw_config() -> Env {
    Env::new(
        "[[accounts]]\nplatform = \"github\"\nhandle = \"alice\"\n\n[[accounts]]\nplatform = \"github\"\nhandle = \"alice/tool\"\n\n[[accounts]]\nplatform = \"mastodon\"\nhandle = \"alice@mastodon.social\"\n",
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn activitywatch_browsing_time_without_afk_and_only_once() {
    let server = aw_server().await;
    let env = aw_config();
    let args = [
        "import",
        "activitywatch",
        "--url",
        &server.uri(),
        "--since",
        "2026-03-01",
    ];
    let text = ok(env.run(&args));
    // github.com/notifications 08:40–09:10 minus AFK 08:50–09:00 = 20 min
    assert!(text.contains("github:alice: 1 new, 20m"), "{text}");
    assert!(text.contains("github:alice/tool: 1 new, 20m"), "{text}");
    assert!(
        text.contains("mastodon:alice@mastodon.social: 1 new, 15m"),
        "{text}"
    );
    let again = ok(env.run(&args));
    assert!(
        again.contains("imported 0 new account-days of browsing (3 already there)"),
        "{again}"
    );
    // what the history holds: the dashboard's weekly figure reads it
    let db = socialtop::store::Store::open_dir(&env.data()).unwrap();
    assert_eq!(
        db.time_between("github:alice", 0, i64::MAX).unwrap(),
        20 * 60
    );
    assert_eq!(
        db.time_between("mastodon:alice@mastodon.social", 0, i64::MAX)
            .unwrap(),
        15 * 60
    );
}

#[test]
fn activitywatch_down_is_a_clear_error() {
    let env = aw_config();
    let out = env.run(&[
        "import",
        "activitywatch",
        "--url",
        "http://127.0.0.1:9",
        "--since",
        "2026-03-01",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("cannot reach ActivityWatch at http://127.0.0.1:9 (is aw-server running?)"),
        "{err}"
    );
}

// ---------- time shared between accounts ----------

#[test]
fn an_interval_tagged_for_two_accounts_is_split_between_them() {
    let env = two_manual_accounts("time_tags = [\"social\"]\n");
    let export =
        r#"[{"id":1,"start":"20260302T090000Z","end":"20260302T100000Z","tags":["a","social"]}]"#;
    let out = env.run_stdin(&["import", "timewarrior", "-"], export.as_bytes());
    let text = ok(out);
    assert!(text.contains("a: 1 new, 30m"), "{text}");
    assert!(text.contains("b: 1 new, 30m"), "{text}");
    assert!(
        text.contains("1 of them named several accounts: their time was split evenly"),
        "{text}"
    );
    let db = socialtop::store::Store::open_dir(&env.data()).unwrap();
    assert_eq!(db.time_between("a", 0, i64::MAX).unwrap(), 1_800);
    assert_eq!(db.time_between("b", 0, i64::MAX).unwrap(), 1_800);
    drop(db);
    let again = ok(env.run_stdin(&["import", "timewarrior", "-"], export.as_bytes()));
    assert!(
        again.contains("imported 0 new intervals (2 already there)"),
        "{again}"
    );
}

// ---------- Watson ----------

#[test]
fn the_real_watson_output_imports_twice_as_once() {
    let have_watson = Command::new("watson")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    require_in_ci(have_watson, "watson (pip install td-watson)");
    if !have_watson {
        eprintln!("watson not installed (pip install td-watson): skipped; CI installs it");
        return;
    }
    let env = two_manual_accounts("time_tags = [\"socialmedia\"]\n");
    let dir = env.dir.path().join("watson");
    std::fs::create_dir_all(&dir).unwrap();
    let watson = |args: &[&str]| {
        let out = Command::new("watson")
            .args(args)
            .env("WATSON_DIR", &dir)
            .env("TZ", "UTC")
            .stdin(Stdio::null())
            .output()
            .unwrap();
        assert!(out.status.success(), "watson {args:?}: {}", stderr(&out));
        out.stdout
    };
    // project "a" names account a; tag "socialmedia" is b's time tag; the
    // third frame names neither
    watson(&[
        "add",
        "-f",
        "2026-03-02 09:00",
        "-t",
        "2026-03-02 10:30",
        "a",
        "+writing",
    ]);
    watson(&[
        "add",
        "-f",
        "2026-03-03 20:00",
        "-t",
        "2026-03-03 20:45",
        "chores",
        "+socialmedia",
    ]);
    watson(&[
        "add",
        "-f",
        "2026-03-04 08:00",
        "-t",
        "2026-03-04 08:10",
        "unrelated",
    ]);
    let log = watson(&["log", "--json", "--all"]);
    let out = env.run_stdin(&["import", "watson", "-"], &log);
    let text = ok(out.clone());
    assert!(
        text.contains("imported 2 new frames (0 already there)"),
        "{text}"
    );
    assert!(text.contains("a: 1 new, 1h30m"), "{text}");
    assert!(text.contains("b: 1 new, 45m"), "{text}");
    assert_stderr(&out, "1 frame(s) had no tag or project naming an account");
    let file = env.dir.path().join("watson.json");
    std::fs::write(&file, &log).unwrap();
    let again = ok(env.run(&["import", "watson", file.to_str().unwrap()]));
    assert!(
        again.contains("imported 0 new frames (2 already there)"),
        "{again}"
    );
    let bad = env.run_stdin(&["import", "watson", "-"], b"{\"frames\": []}");
    assert_eq!(bad.status.code(), Some(1));
    assert_stderr(&bad, "<stdin>:1:1: not a Watson log");
}

// ---------- Toggl ----------

/// Toggl Track API v9 time entries, as `GET /api/v9/me/time_entries` answers:
/// an hour tagged for a, 45 minutes in b's project, a running entry and one
/// for nobody.
fn toggl_entries() -> Value {
    json!([
        {"id": 3_100_000_004i64, "workspace_id": 777, "project_id": null, "task_id": null, "billable": false,
         "start": "2026-03-04T08:00:00+00:00", "stop": null, "duration": -1772611200, "description": "running",
         "tags": ["a"], "tag_ids": [11], "duronly": true, "at": "2026-03-04T08:00:05+00:00",
         "server_deleted_at": null, "user_id": 99, "uid": 99, "wid": 777},
        {"id": 3_100_000_003i64, "workspace_id": 777, "project_id": null, "task_id": null, "billable": false,
         "start": "2026-03-03T12:00:00+00:00", "stop": "2026-03-03T12:20:00+00:00", "duration": 1200,
         "description": "email", "tags": null, "tag_ids": null, "duronly": true,
         "at": "2026-03-03T12:20:01+00:00", "server_deleted_at": null, "user_id": 99, "uid": 99, "wid": 777},
        {"id": 3_100_000_002i64, "workspace_id": 777, "project_id": 193791, "task_id": null, "billable": false,
         "start": "2026-03-03T20:00:00+00:00", "stop": "2026-03-03T20:45:00+00:00", "duration": 2700,
         "description": "replies", "tags": [], "tag_ids": [], "duronly": true,
         "at": "2026-03-03T20:45:02+00:00", "server_deleted_at": null, "user_id": 99, "uid": 99, "wid": 777, "pid": 193791},
        {"id": 3_100_000_001i64, "workspace_id": 777, "project_id": null, "task_id": null, "billable": false,
         "start": "2026-03-02T09:00:00Z", "stop": "2026-03-02T10:00:00Z", "duration": 3600,
         "description": "writing \u{1b}[31mthreads", "tags": ["a"], "tag_ids": [11], "duronly": true,
         "at": "2026-03-02T10:00:03+00:00", "server_deleted_at": null, "user_id": 99, "uid": 99, "wid": 777}
    ])
}

fn toggl_projects() -> Value {
    json!([
        {"id": 193791, "workspace_id": 777, "client_id": null, "name": "Newsletter b", "is_private": true,
         "active": true, "at": "2026-01-01T00:00:00+00:00", "created_at": "2026-01-01T00:00:00+00:00",
         "color": "#06aaf5", "billable": null, "template": null, "auto_estimates": null,
         "estimated_hours": null, "rate": null, "currency": null, "actual_hours": 12, "wid": 777, "cid": null}
    ])
}

const TOGGL_AUTH: &str = "Basic dG9nZ2wtdG9rZW46YXBpX3Rva2Vu"; // toggl-token:api_token

#[tokio::test(flavor = "multi_thread")]
async fn toggl_entries_import_once_with_tags_and_projects() {
    use wiremock::matchers::header;
    let server = MockServer::start().await;
    Mock::given(path("/api/v9/me/projects"))
        .and(header("authorization", TOGGL_AUTH))
        .respond_with(ResponseTemplate::new(200).set_body_json(toggl_projects()))
        .mount(&server)
        .await;
    // the first call is rate limited; socialtop waits and asks again
    Mock::given(path("/api/v9/me/time_entries"))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("retry-after", "1")
                .set_body_string("Too Many Requests"),
        )
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(path("/api/v9/me/time_entries"))
        .and(header("authorization", TOGGL_AUTH))
        .and(query_param("start_date", "2026-03-01T00:00:00Z"))
        .respond_with(ResponseTemplate::new(200).set_body_json(toggl_entries()))
        .mount(&server)
        .await;
    let env = two_manual_accounts("time_tags = [\"Newsletter b\"]\n");
    let args = [
        "import",
        "toggl",
        "--url",
        &server.uri(),
        "--since",
        "2026-03-01",
    ];
    let out = env.run_env(&args, &[("TOGGL_API_TOKEN", "toggl-token")]);
    let text = ok(out.clone());
    assert!(
        text.contains("imported 2 new time entries (0 already there)"),
        "{text}"
    );
    assert!(text.contains("a: 1 new, 1h"), "{text}");
    assert!(text.contains("b: 1 new, 45m"), "{text}");
    assert_stderr(&out, "skipped time entry 3100000004");
    assert_stderr(
        &out,
        "1 time entry(s) had no tag or project naming an account",
    );
    let again = ok(env.run_env(&args, &[("TOGGL_API_TOKEN", "toggl-token")]));
    assert!(
        again.contains("imported 0 new time entries (2 already there)"),
        "{again}"
    );
    let db = socialtop::store::Store::open_dir(&env.data()).unwrap();
    assert_eq!(db.time_between("a", 0, i64::MAX).unwrap(), 3_600);
}

#[tokio::test(flavor = "multi_thread")]
async fn toggl_refusals_and_quotas_are_named() {
    let server = MockServer::start().await;
    Mock::given(path("/api/v9/me/projects"))
        .respond_with(
            ResponseTemplate::new(403).set_body_string("Incorrect username and/or password"),
        )
        .mount(&server)
        .await;
    let env = two_manual_accounts("");
    let args = ["import", "toggl", "--url", &server.uri()];
    let out = env.run(&args);
    assert_eq!(out.status.code(), Some(1));
    assert_stderr(&out, "set TOGGL_API_TOKEN to your Toggl API key");
    let out = env.run_env(&args, &[("TOGGL_API_TOKEN", "wrong")]);
    assert_eq!(out.status.code(), Some(1));
    assert_stderr(&out, "Toggl refused the key in TOGGL_API_TOKEN (HTTP 403)");

    let server = MockServer::start().await;
    Mock::given(path("/api/v9/me/projects"))
        .respond_with(
            ResponseTemplate::new(402)
                .insert_header("X-Toggl-Quota-Remaining", "0")
                .insert_header("X-Toggl-Quota-Resets-In", "1800")
                .set_body_string("You have hit your hourly limit for API calls."),
        )
        .mount(&server)
        .await;
    let args = ["import", "toggl", "--url", &server.uri()];
    let out = env.run_env(&args, &[("TOGGL_API_TOKEN", "t")]);
    assert_eq!(out.status.code(), Some(1));
    assert_stderr(
        &out,
        "Toggl's API quota is used up (HTTP 402); it resets in 30m",
    );
    let db = socialtop::store::Store::open_dir(&env.data()).unwrap();
    assert_eq!(db.time_between("a", 0, i64::MAX).unwrap(), 0);
}

// ---------- Clockify ----------

const CF_WS: &str = "5e4117fe8c625f38930d57b7";
const CF_USER: &str = "5a0ab5acb07987125438b60f";

fn clockify_entry(
    id: &str,
    start: &str,
    end: Option<&str>,
    tags: &[&str],
    project: Option<&str>,
) -> Value {
    json!({
        "id": id, "description": "social", "tagIds": tags, "userId": CF_USER, "billable": false,
        "taskId": null, "projectId": project, "workspaceId": CF_WS,
        "timeInterval": {"start": start, "end": end, "duration": end.map(|_| "PT45M")},
        "customFieldValues": [], "type": "REGULAR", "kioskId": null, "hourlyRate": null,
        "costRate": null, "isLocked": false
    })
}

async fn clockify_server(key: &str) -> MockServer {
    use wiremock::matchers::header;
    let server = MockServer::start().await;
    Mock::given(path("/api/v1/user"))
        .and(header("x-api-key", key))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "id": CF_USER, "email": "alice@example.com", "name": "Alice",
            "activeWorkspace": CF_WS, "defaultWorkspace": CF_WS,
            "memberships": [], "profilePicture": "", "settings": {}, "status": "ACTIVE", "customFields": []
        })))
        .mount(&server)
        .await;
    Mock::given(path("/api/v1/user"))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({
            "message": "Full authentication is required to access this resource", "code": 1000
        })))
        .mount(&server)
        .await;
    Mock::given(path(format!("/api/v1/workspaces/{CF_WS}/tags")))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([
            {"id": "64c777ddd3fcab07cfbb210c", "name": "a", "workspaceId": CF_WS, "archived": false},
            {"id": "64c777ddd3fcab07cfbb210d", "name": "social", "workspaceId": CF_WS, "archived": false}
        ])))
        .mount(&server)
        .await;
    Mock::given(path(format!("/api/v1/workspaces/{CF_WS}/projects")))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([
            {"id": "5b641568b07987035750505e", "name": "Newsletter b", "workspaceId": CF_WS,
             "archived": false, "billable": false, "color": "#03A9F4", "public": false}
        ])))
        .mount(&server)
        .await;
    Mock::given(path(format!(
        "/api/v1/workspaces/{CF_WS}/user/{CF_USER}/time-entries"
    )))
    .and(query_param("page", "1"))
    .respond_with(ResponseTemplate::new(200).set_body_json(json!([
        clockify_entry(
            "66a1",
            "2026-03-02T09:00:00Z",
            Some("2026-03-02T09:45:00Z"),
            &["64c777ddd3fcab07cfbb210c"],
            None
        ),
        clockify_entry(
            "66a2",
            "2026-03-03T20:00:00Z",
            Some("2026-03-03T21:00:00Z"),
            &["64c777ddd3fcab07cfbb210c", "64c777ddd3fcab07cfbb210d"],
            None
        ),
        clockify_entry(
            "66a3",
            "2026-03-04T07:00:00Z",
            Some("2026-03-04T07:30:00Z"),
            &[],
            Some("5b641568b07987035750505e")
        ),
        clockify_entry(
            "66a4",
            "2026-03-04T08:00:00Z",
            None,
            &["64c777ddd3fcab07cfbb210c"],
            None
        )
    ])))
    .mount(&server)
    .await;
    server
}

#[tokio::test(flavor = "multi_thread")]
async fn clockify_entries_import_once_split_where_shared() {
    let server = clockify_server("cf-key").await;
    let env = two_manual_accounts("time_tags = [\"social\", \"Newsletter b\"]\n");
    let args = [
        "import",
        "clockify",
        "--url",
        &server.uri(),
        "--since",
        "2026-03-01",
    ];
    let out = env.run_env(&args, &[("CLOCKIFY_API_KEY", "cf-key")]);
    let text = ok(out.clone());
    // 45m for a; the shared hour: 30m each; 30m in b's project
    assert!(
        text.contains("imported 4 new time entries (0 already there)"),
        "{text}"
    );
    assert!(text.contains("a: 2 new, 1h15m"), "{text}");
    assert!(text.contains("b: 2 new, 1h"), "{text}");
    assert!(text.contains("1 of them named several accounts"), "{text}");
    assert_stderr(&out, "skipped time entry 66a4");
    let again = ok(env.run_env(&args, &[("CLOCKIFY_API_KEY", "cf-key")]));
    assert!(
        again.contains("imported 0 new time entries (4 already there)"),
        "{again}"
    );
    let out = env.run_env(&args, &[("CLOCKIFY_API_KEY", "wrong")]);
    assert_eq!(out.status.code(), Some(1));
    assert_stderr(
        &out,
        "Clockify refused the key in CLOCKIFY_API_KEY (HTTP 401)",
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn clockify_rate_limits_are_waited_out_then_named() {
    let server = MockServer::start().await;
    Mock::given(path("/api/v1/user"))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("retry-after", "0")
                .set_body_json(json!({
                    "message": "Too many requests", "code": 429
                })),
        )
        .expect(4)
        .mount(&server)
        .await;
    let env = two_manual_accounts("");
    let out = env.run_env(
        &["import", "clockify", "--url", &server.uri()],
        &[("CLOCKIFY_API_KEY", "k")],
    );
    assert_eq!(out.status.code(), Some(1));
    assert_stderr(
        &out,
        "Clockify kept answering HTTP 429 (too many requests) after 3 retries",
    );
}

#[test]
fn people_log_their_own_time_and_effort_is_asked_per_person_or_for_the_team() {
    let env = two_manual_accounts("");
    // the test's own user logs the twelve weeks; bob (his OS user name)
    // logs 45 minutes more on `a` in week 3, and carol (the config's
    // `user`) 30 minutes on `b`
    backfill(&env);
    let me = ok(env.run(&["effort", "--format", "json"]));
    let me: Value = serde_json::from_str(&me).unwrap();
    ok(env.run_env(
        &["log", "a", "45m", "--at", &iso(BASE + 3 * WEEK + 86_400)],
        &[("USER", "bob")],
    ));
    let config = std::fs::read_to_string(env.config()).unwrap();
    env.write_config(&format!("user = \"carol\"\n{config}"));
    ok(env.run(&["log", "b", "30m", "--at", &iso(BASE + 5 * WEEK + 86_400)]));
    env.write_config(&config);

    let team: Value = serde_json::from_str(&ok(env.run(&["effort", "--format", "json"]))).unwrap();
    assert_eq!(team["user"], Value::Null);
    let of = |e: &Value, id: &str, field: &str| -> f64 {
        let accounts = e["accounts"].as_array().unwrap();
        let account = accounts.iter().find(|a| a["id"] == id).unwrap();
        account[field].as_f64().unwrap()
    };
    let mean = |e: &Value, id: &str| of(e, id, "minutes_per_week");
    let weeks = |e: &Value, id: &str| of(e, id, "weeks");
    // the team's time is everyone's: bob's 45 and carol's 30 minutes added
    assert!((mean(&team, "a") - mean(&me, "a") - 45.0 / weeks(&team, "a")).abs() < 1e-9);
    assert!((mean(&team, "b") - mean(&me, "b") - 30.0 / weeks(&team, "b")).abs() < 1e-9);

    // bob's own time: one week on `a`, none on `b`: no verdict, and why
    let bob: Value = serde_json::from_str(&ok(
        env.run(&["effort", "--format", "json", "--user", "bob"])
    ))
    .unwrap();
    assert_eq!(bob["user"], "bob");
    assert_eq!(bob["n"], 0, "{bob}");
    assert_eq!(bob["excluded"]["accounts"]["too_few_points"], 1);
    assert_eq!(bob["excluded"]["accounts"]["no_time_tracked"], 1);
    assert!(
        bob["sentence"]
            .as_str()
            .unwrap()
            .starts_with("On bob's time: ")
    );

    // the test user's own time is what it was before the others logged
    let user = std::env::var("USER")
        .ok()
        .filter(|u| !u.is_empty())
        .or_else(|| std::env::var("LOGNAME").ok().filter(|u| !u.is_empty()))
        .unwrap_or_else(|| "me".into());
    let mine: Value = serde_json::from_str(&ok(
        env.run(&["effort", "--format", "json", "--user", &user])
    ))
    .unwrap();
    assert_eq!(mine["elasticity"], me["elasticity"], "{mine}");
    assert_eq!(mine["ci95"], me["ci95"]);

    let bad = env.run(&["effort", "--user", "a\u{1b}[31m"]);
    assert_eq!(bad.status.code(), Some(1));
    assert!(stderr(&bad).contains("--user"), "{}", stderr(&bad));
    // the config's rule: no spaces around a name either
    let bad = env.run(&["effort", "--user", " bob"]);
    assert_eq!(bad.status.code(), Some(1));
    assert!(
        stderr(&bad).contains("--user must be a name"),
        "{}",
        stderr(&bad)
    );
    assert!(!stderr(&bad).contains('\u{1b}'));
}

#[test]
fn a_user_that_is_not_a_name_is_a_config_error_at_its_line() {
    let env = two_manual_accounts("");
    let config = std::fs::read_to_string(env.config()).unwrap();
    for bad in ["\"\"", "\" alice\"", &format!("\"{}\"", "x".repeat(65))] {
        env.write_config(&format!("user = {bad}\n{config}"));
        let out = env.run(&["status"]);
        assert!(!out.status.success());
        let err = stderr(&out);
        assert!(
            err.contains("config.toml:1:") && err.contains("user must be a name"),
            "{err}"
        );
    }
}
