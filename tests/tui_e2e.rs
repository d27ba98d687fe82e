//! End to end: the real program in a real pseudo-terminal (tmux), driven by
//! keys: open, navigate, search, quit; then check that the terminal was
//! restored (main screen, cursor shown, mouse reporting off, the same tty
//! modes as before). Skipped, with a note, when tmux or the program under
//! test is not there.

use std::path::Path;
use std::process::Command;
use std::thread::sleep;
use std::time::{Duration, Instant};

struct Tmux {
    socket: std::path::PathBuf,
    dir: tempfile::TempDir,
}

impl Tmux {
    fn available() -> bool {
        Command::new("tmux")
            .arg("-V")
            .output()
            .is_ok_and(|o| o.status.success())
    }

    /// Start `cmd` in a detached 100x30 session, in a temporary directory;
    /// the wrapper records the tty modes before and after, and the exit code.
    fn start(name: &str, cmd: &str) -> Tmux {
        let dir = tempfile::tempdir().unwrap();
        // The server's socket in the temporary directory (`-S`), not in
        // tmux's own under /tmp (`-L`): `kill-server` leaves the file, and
        // the directory goes with the test.
        let socket = dir.path().join(format!("tmux-{name}"));
        let d = dir.path().display();
        let script = format!(
            "cd {d}; stty -g > before; {cmd}; echo $? > rc; stty -g > after; echo E2E-ENDED; sleep 60"
        );
        let ok = Command::new("tmux")
            .args([
                "-S",
                socket.to_str().expect("a UTF-8 temporary path"),
                "-f",
                "/dev/null",
                "new-session",
                "-d",
                "-s",
                "e2e",
            ])
            .args(["-x", "100", "-y", "30", "sh", "-c", &script])
            .env("TERM", "xterm-256color")
            .env("XDG_CACHE_HOME", crate::support::test_cache_home())
            .status()
            .unwrap();
        assert!(ok.success(), "tmux new-session");
        Tmux { socket, dir }
    }

    fn tmux(&self, args: &[&str]) -> String {
        let out = Command::new("tmux")
            .arg("-S")
            .arg(&self.socket)
            .args(args)
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn screen(&self) -> String {
        self.tmux(&["capture-pane", "-p", "-t", "e2e"])
    }

    fn keys(&self, keys: &[&str]) {
        for k in keys {
            self.tmux(&["send-keys", "-t", "e2e", k]);
            sleep(Duration::from_millis(150));
        }
    }

    fn flag(&self, name: &str) -> String {
        self.tmux(&["display", "-p", "-t", "e2e", &format!("#{{{name}}}")])
            .trim()
            .to_string()
    }

    /// Wait until the screen shows `what`.
    fn wait_for(&self, what: &str) -> String {
        self.wait_until(&format!("{what:?}"), |s| s.contains(what))
    }

    /// Wait until the screen is as `ok` wants it (`what` says how, for the
    /// failure). A screen is read while the program may still be drawing
    /// it, so every check of a screen waits for it: on a loaded host one
    /// capture held the new frame's first rows over the old one.
    fn wait_until(&self, what: &str, ok: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        loop {
            let s = self.screen();
            if ok(&s) {
                return s;
            }
            if start.elapsed() > Duration::from_secs(20) {
                panic!("timed out waiting: {what}; screen:\n{s}");
            }
            sleep(Duration::from_millis(100));
        }
    }

    fn file(&self, name: &str) -> String {
        std::fs::read_to_string(self.dir.path().join(name)).unwrap_or_default()
    }

    /// After the program ended: the terminal is as it was.
    fn assert_restored(&self) {
        let s = self.wait_for("E2E-ENDED");
        assert_eq!(
            self.flag("alternate_on"),
            "0",
            "left the alternate screen:\n{s}"
        );
        assert_eq!(self.flag("cursor_flag"), "1", "cursor shown");
        assert_eq!(self.flag("mouse_any_flag"), "0", "mouse reporting off");
        assert_eq!(
            self.file("before"),
            self.file("after"),
            "tty modes restored"
        );
        assert!(!self.file("before").is_empty());
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .arg("-S")
            .arg(&self.socket)
            .arg("kill-server")
            .output();
    }
}

fn quote(p: &Path) -> String {
    format!("'{}'", p.display().to_string().replace('\'', r"'\''"))
}

use crate::support::tui_image;

/// Not a test on its own: when the e2e tests start this very test binary
/// in tmux with LAYERSCOPE_E2E_CHILD set, it runs the explorer on the
/// fixture image (so the program under test is always freshly built).
#[test]
fn e2e_child() {
    let Ok(delay) = std::env::var("LAYERSCOPE_E2E_CHILD") else {
        return;
    };
    let panic = delay == "panic";
    let delay: u64 = delay.parse().unwrap_or(0);
    let r = layerscope_tui::run("demo:latest".into(), move |progress| {
        progress.total(Some(4_000_000));
        for i in 1..=4 {
            sleep(Duration::from_millis(delay / 4));
            progress.advance(1_000_000);
            progress.layer_done(i, Some(4));
        }
        if panic {
            sleep(Duration::from_millis(500));
            panic!("loader panics on purpose");
        }
        Ok(tui_image::analysis())
    });
    if let Err(e) = r {
        eprintln!("layerscope: {e}");
        std::process::exit(2);
    }
}

/// The command that runs the explorer on the fixture, loading for `delay`
/// ms (or panicking, for `panic`).
fn demo_command(delay: impl std::fmt::Display) -> String {
    let exe = std::env::current_exe().unwrap();
    format!(
        "LAYERSCOPE_E2E_CHILD={delay} {} --exact tui_e2e::e2e_child --nocapture --test-threads=1",
        quote(&exe)
    )
}

#[test]
fn demo_open_navigate_search_quit_restores_the_terminal() {
    if !Tmux::available() {
        eprintln!("note: tmux not installed; skipping the pseudo-terminal test");
        return;
    }
    let t = Tmux::start("demo", &demo_command(800));
    // The loading screen first, then the explorer.
    t.wait_for("Reading demo:latest");
    assert_eq!(t.flag("alternate_on"), "1");
    t.wait_until("opens at the biggest hidden file", |s| {
        s.contains("Layers 4/4") && s.contains("weights.bin")
    });
    assert_eq!(t.flag("mouse_any_flag"), "1", "mouse wheel reporting on");

    t.keys(&["g", "j"]);
    t.wait_until("j moved down to lib/", |s| {
        s.lines()
            .find(|l| l.contains("▾ lib/"))
            .is_some_and(|l| l.starts_with("│>"))
    });
    t.keys(&["/", "c", "o", "p", "y", "Enter"]);
    t.wait_until("found by search", |s| {
        s.contains("/usr/lib/py/copy.py  file 400 B") && s.contains("/copy (1/1)")
    });
    t.keys(&["Tab", "Enter"]);
    t.wait_until("jumped to the layer that added it", |s| {
        s.contains("Layers 3/4")
    });
    t.keys(&["q"]);
    t.assert_restored();
    assert_eq!(t.file("rc").trim(), "0");
}

#[test]
fn demo_ctrl_c_quits_and_restores_the_terminal() {
    if !Tmux::available() {
        eprintln!("note: tmux not installed; skipping the pseudo-terminal test");
        return;
    }
    let t = Tmux::start("ctrlc", &demo_command(0));
    t.wait_for("Layers 4/4");
    t.keys(&["C-c"]);
    t.assert_restored();
    assert_eq!(t.file("rc").trim(), "0");
}

#[test]
fn real_image_open_navigate_search_quit() {
    if !Tmux::available() {
        eprintln!("note: tmux not installed; skipping the pseudo-terminal test");
        return;
    }
    let image = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/basic/docker-archive.tar");
    if !image.is_file() {
        eprintln!("note: {} absent; skipping", image.display());
        return;
    }
    let bin = Path::new(env!("CARGO_BIN_EXE_layerscope"));
    let t = Tmux::start(
        "real",
        &format!("{} {} 2> stderr", quote(bin), quote(&image)),
    );
    let start = Instant::now();
    loop {
        let s = t.screen();
        if s.contains("Layers ") {
            break;
        }
        if s.contains("E2E-ENDED") {
            let err = t.file("stderr");
            if err.contains("not implemented") {
                eprintln!("note: source::open not implemented yet; skipping ({err})");
                return;
            }
            panic!("the program ended early: {err}\n{s}");
        }
        assert!(start.elapsed() < Duration::from_secs(20), "timed out:\n{s}");
        sleep(Duration::from_millis(100));
    }
    t.keys(&["c", "g", "j", "l", "k"]);
    t.keys(&["/", "e", "t", "c", "Enter"]);
    t.wait_until("search shows /etc", |s| s.contains("/etc"));
    t.keys(&["n", "N", "q"]);
    t.assert_restored();
    assert_eq!(t.file("rc").trim(), "0");
}

#[test]
fn a_panic_restores_the_terminal() {
    if !Tmux::available() {
        eprintln!("note: tmux not installed; skipping the pseudo-terminal test");
        return;
    }
    let t = Tmux::start("panic", &format!("{} 2> stderr", demo_command("panic")));
    t.wait_for("Reading demo:latest");
    assert_eq!(t.flag("alternate_on"), "1");
    t.assert_restored();
    assert_eq!(t.file("rc").trim(), "2");
    let err = t.file("stderr");
    assert!(err.contains("loader panics on purpose"), "{err}");
    assert!(err.contains("layerscope: internal error"), "{err}");
}
