//! `E` in the real dashboard (tmux) with editors that behave as real ones do:
//! one that cannot start, one that exits at once, one that saves and stays
//! open while the file watcher sees the change, one that writes a broken
//! config, one that changes nothing. The screen tells the truth each time.

use std::time::Duration;

use crate::common::*;

const ONE: &str = "[[accounts]]\nplatform = \"manual\"\nhandle = \"a\"\n";
const SECOND: &str = "[[accounts]]\nplatform = \"manual\"\nhandle = \"b\"\n";

/// Runs the dashboard with `editor` as $EDITOR, presses `E`, and returns
/// the screen once it shows `want` (or fails with the screen).
fn edit_with(env: &Env, editor: &str, want: &str) -> String {
    let program: Vec<String> = vec![
        "env".into(),
        "TZ=UTC".into(),
        "NO_COLOR=1".into(),
        "VISUAL=".into(),
        format!("EDITOR={editor}"),
        env!("CARGO_BIN_EXE_socialtop").into(),
        "--config".into(),
        env.config().display().to_string(),
        "--data-dir".into(),
        env.data().display().to_string(),
    ];
    let tmux = Tmux::start(&program, 120, 32);
    assert!(
        tmux.wait_for(Duration::from_secs(15), |s| s.contains("ACCOUNT"))
            .is_some(),
        "the dashboard came up:\n{}",
        tmux.screen()
    );
    tmux.send("E");
    let shown = tmux.wait_for(Duration::from_secs(15), |s| s.contains(want));
    let screen = tmux.screen();
    assert!(shown.is_some(), "`{want}` not shown after E:\n{screen}");
    screen
}

/// An editor: a shell script run as `sh SCRIPT FILE`.
fn editor(env: &Env, name: &str, body: &str) -> String {
    let path = env.dir.path().join(name);
    std::fs::write(&path, body).unwrap();
    format!("sh {}", path.display())
}

#[test]
fn e_shows_what_became_of_the_edit_whatever_the_editor_does() {
    if !Tmux::available() {
        eprintln!("note: tmux is not installed; skipping the E tests");
        return;
    }
    // an editor that cannot be started: its failure shows, nothing covers it
    let env = Env::new(ONE);
    let screen = edit_with(&env, "nosucheditor", "cannot start the editor");
    assert!(!screen.contains("config unchanged"), "{screen}");

    // one that exits at once after a valid edit
    let env = Env::new(ONE);
    let quick = editor(&env, "quick.sh", &format!("printf '{SECOND}' >> \"$1\"\n"));
    edit_with(&env, &quick, "config reloaded: 2 accounts");

    // one that saves, then stays open while the watcher reads the change
    let env = Env::new(ONE);
    let slow = editor(
        &env,
        "slow.sh",
        &format!("printf '{SECOND}' >> \"$1\"\nsleep 3\n"),
    );
    let screen = edit_with(&env, &slow, "config reloaded: 2 accounts");
    assert!(!screen.contains("config unchanged"), "{screen}");

    // one that writes a broken config: the error shows, the old one stays
    let env = Env::new(ONE);
    let broken = editor(
        &env,
        "broken.sh",
        "printf 'poll_interval = \"soon\"\\n' >> \"$1\"\n",
    );
    edit_with(&env, &broken, "config error");

    // one that changes nothing
    let env = Env::new(ONE);
    let nothing = editor(&env, "nothing.sh", "true\n");
    edit_with(&env, &nothing, "config unchanged");
}
