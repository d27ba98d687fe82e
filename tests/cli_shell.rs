//! The command line as a shell user meets it: completions, the man page,
//! examples in `--help`, typos, clap's errors in the one-line form,
//! `check -q`, `--color`, and errors said in words (issue 17).

use std::path::{Path, PathBuf};
use std::process::Output;

fn testdata(p: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("testdata")
        .join(p)
}

fn run(args: &[&str]) -> Output {
    crate::support::bin()
        .args(args)
        .env_remove("NO_COLOR")
        .output()
        .unwrap()
}

fn out(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn err(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

const SUBCOMMANDS: &[&str] = &[
    "report",
    "check",
    "fix",
    "diff",
    "completions",
    "man",
    "mcp",
];

#[test]
fn bash_completion_defines_the_function_and_lists_the_subcommands() {
    let o = run(&["completions", "bash"]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    let s = out(&o);
    assert!(s.contains("_layerscope()"), "{s}");
    for sub in ["report", "check"] {
        assert!(s.contains(sub), "{sub} missing");
    }
}

#[test]
fn completions_complete_emit_and_survive_a_closed_pipe() {
    let s = out(&run(&["completions", "bash"]));
    assert!(s.contains("--emit"), "--emit missing");
    assert!(s.contains("mcp"), "mcp missing");
    // `layerscope completions bash | head -1`: the reader goes away early;
    // no panic, no error, exit 0 (as for the reports).
    let o = std::process::Command::new("bash")
        .args([
            "-c",
            &format!(
                "{} completions bash | head -c 1 >/dev/null; echo \"${{PIPESTATUS[0]}}\"",
                env!("CARGO_BIN_EXE_layerscope")
            ),
        ])
        .output()
        .unwrap();
    assert_eq!(out(&o).trim(), "0", "{}", err(&o));
    assert!(!err(&o).contains("panicked"), "{}", err(&o));
}

#[test]
fn every_other_shell_gets_a_script() {
    for shell in ["zsh", "fish", "powershell", "elvish"] {
        let o = run(&["completions", shell]);
        assert_eq!(o.status.code(), Some(0), "{shell}: {}", err(&o));
        let s = out(&o);
        assert!(!s.trim().is_empty(), "{shell}: empty");
        assert!(s.contains("layerscope"), "{shell}: {s}");
    }
    let o = run(&["completions", "tcsh"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(err(&o).starts_with("layerscope: "), "{}", err(&o));
}

#[test]
fn man_page_is_roff_with_every_subcommand() {
    let o = run(&["man"]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    let s = out(&o);
    assert!(s.starts_with(".TH"), "{}", &s[..s.len().min(200)]);
    for sub in SUBCOMMANDS {
        assert!(s.contains(sub), "{sub} missing from the man page");
    }
}

#[test]
fn each_subcommand_help_has_examples_and_image_is_required_where_it_is() {
    for sub in SUBCOMMANDS {
        let o = run(&[sub, "--help"]);
        assert_eq!(o.status.code(), Some(0), "{sub}: {}", err(&o));
        let s = out(&o);
        assert!(s.contains("Examples:\n  layerscope "), "{sub}: {s}");
    }
    for sub in ["report", "check"] {
        let s = out(&run(&[sub, "--help"]));
        let usage = s.lines().find(|l| l.starts_with("Usage:")).unwrap();
        assert_eq!(usage, format!("Usage: layerscope {sub} [OPTIONS] <IMAGE>"));
        let o = run(&[sub]);
        assert_eq!(o.status.code(), Some(2));
        assert!(err(&o).starts_with("layerscope: "), "{}", err(&o));
        assert!(err(&o).contains("<IMAGE>"), "{}", err(&o));
    }
    // The top level keeps `layerscope IMAGE` (and `layerscope` alone still
    // says what it needs).
    let top = out(&run(&["--help"]));
    assert!(top.contains("Examples:"), "{top}");
    let o = run(&[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        err(&o).starts_with("layerscope: no IMAGE given"),
        "{}",
        err(&o)
    );
}

#[test]
fn a_subcommand_typo_gets_did_you_mean() {
    let dir = tempfile::tempdir().unwrap();
    for (typo, meant) in [
        ("reprot", "report"),
        ("chekc", "check"),
        ("cmopletions", "completions"),
    ] {
        let o = crate::support::bin()
            .args([typo, "img.tar"])
            .current_dir(dir.path())
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(2));
        let first = err(&o).lines().next().unwrap_or_default().to_string();
        assert_eq!(
            first,
            format!("layerscope: unrecognized subcommand '{typo}': did you mean `{meant}`?")
        );
    }
    // An image that exists under such a name is still an image.
    let img = dir.path().join("reprot");
    std::fs::copy(testdata("basic/docker-archive.tar"), &img).unwrap();
    let o = crate::support::bin()
        .arg("reprot")
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
}

#[test]
fn clap_errors_use_the_one_line_form_and_exit_2() {
    let img = testdata("basic/docker-archive.tar");
    let img = img.to_str().unwrap();
    for args in [
        &["report", img, "--format", "nope"][..],
        &["check", img, "--no-such-flag"],
        &["check", img, "--max-size", "12XB"],
        &["report", img, "--color", "sometimes"],
    ] {
        let o = run(args);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        assert!(err(&o).starts_with("layerscope: "), "{args:?}: {}", err(&o));
        assert!(!err(&o).starts_with("layerscope: error"), "{}", err(&o));
    }
}

#[test]
fn check_quiet_prints_only_the_failures() {
    let img = testdata("antipatterns/docker-archive.tar");
    let img = img.to_str().unwrap();
    let loud = run(&["check", img, "--max-cache", "pip=0", "--max-layers", "1000"]);
    let o = run(&[
        "check",
        "-q",
        img,
        "--max-cache",
        "pip=0",
        "--max-layers",
        "1000",
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", err(&o));
    assert_eq!(loud.status.code(), Some(1));
    let s = out(&o);
    assert!(s.starts_with("  FAIL  cache.pip"), "{s}");
    assert!(!s.contains("PASS"), "{s}");
    assert!(!s.contains("layerscope check"), "{s}");
    // The failing lines are the ones the full output has.
    for line in s.lines() {
        assert!(out(&loud).contains(line), "{line}");
    }
    let pass = run(&["check", "--quiet", img, "--max-layers", "1000"]);
    assert_eq!(pass.status.code(), Some(0), "{}", err(&pass));
    assert_eq!(out(&pass), "");
}

const ESC: &str = "\x1b[";

#[test]
fn color_always_paints_never_and_no_color_do_not() {
    let img = testdata("antipatterns/docker-archive.tar");
    let img = img.to_str().unwrap();
    let check = ["check", img, "--max-cache", "pip=0", "--max-layers", "1000"];
    let plain = out(&run(&check));
    assert!(!plain.contains(ESC), "not a terminal: no colour");

    let never = out(&run(&[&check[..], &["--color", "never"]].concat()));
    assert_eq!(never, plain, "never is byte-identical to before");

    let always = out(&run(&[&check[..], &["--color", "always"]].concat()));
    assert!(
        always.contains("\x1b[1;31mFAIL\x1b[0m  cache.pip"),
        "{always}"
    );
    assert!(always.contains("\x1b[1;32mPASS\x1b[0m"), "{always}");
    // Without the escapes it is the plain output.
    let stripped = always
        .replace("\x1b[1;31m", "")
        .replace("\x1b[1;32m", "")
        .replace("\x1b[33m", "")
        .replace("\x1b[0m", "");
    assert_eq!(stripped, plain);

    let report = out(&run(&["report", img, "--color", "always"]));
    let size = report.lines().nth(1).unwrap();
    assert!(size.starts_with("  size         \x1b[1m"), "{size:?}");
    let plain_report = out(&run(&["report", img, "--color", "never"]));
    assert!(!plain_report.contains(ESC));
    assert_eq!(plain_report, out(&run(&["report", img])));

    // NO_COLOR: auto stays plain (a terminal or not); always still wins.
    let o = crate::support::bin()
        .args(check)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert_eq!(out(&o), plain);
    let o = crate::support::bin()
        .args(check)
        .args(["--color", "always"])
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert_eq!(out(&o), always);
}

#[test]
fn auto_colour_on_a_terminal_unless_no_color() {
    // `script` gives the program a pseudo-terminal as stdout.
    if std::process::Command::new("script")
        .arg("--version")
        .output()
        .is_err()
    {
        eprintln!("skipped: no script(1)");
        return;
    }
    let img = testdata("antipatterns/docker-archive.tar");
    let cmd = format!(
        "{} check {} --max-cache pip=0",
        env!("CARGO_BIN_EXE_layerscope"),
        img.display()
    );
    let tty = |no_color: &str| {
        let o = std::process::Command::new("script")
            .args(["-qec", &cmd, "/dev/null"])
            .env("XDG_CACHE_HOME", crate::support::test_cache_home())
            .env("NO_COLOR", no_color)
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap();
        out(&o)
    };
    assert!(tty("").contains("\x1b[1;31mFAIL"), "{}", tty(""));
    // (The progress bar's line erase on stderr is there either way.)
    let plain = tty("1");
    assert!(plain.contains("  FAIL  cache.pip"), "{plain}");
    assert!(!plain.contains("\x1b[1;31m"), "{plain}");
}

#[test]
fn stdin_on_a_terminal_says_what_it_expects() {
    if std::process::Command::new("script")
        .arg("--version")
        .output()
        .is_err()
    {
        eprintln!("skipped: no script(1)");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let cmd = format!(
        "{} report - 2> err; echo $? > rc",
        env!("CARGO_BIN_EXE_layerscope")
    );
    let o = std::process::Command::new("timeout")
        .args(["20", "script", "-qec", &cmd, "/dev/null"])
        .current_dir(dir.path())
        .env("XDG_CACHE_HOME", crate::support::test_cache_home())
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert!(o.status.success(), "timed out or failed: {}", err(&o));
    let e = std::fs::read_to_string(dir.path().join("err")).unwrap();
    let rc = std::fs::read_to_string(dir.path().join("rc")).unwrap();
    assert_eq!(rc.trim(), "2");
    assert_eq!(e.lines().count(), 1, "{e}");
    assert!(e.starts_with("layerscope: -: stdin is a terminal"), "{e}");
    assert!(e.contains("docker save"), "{e}");
}

#[test]
fn output_into_a_missing_directory_names_the_directory() {
    let dir = tempfile::tempdir().unwrap();
    let img = testdata("basic/docker-archive.tar");
    let o = crate::support::bin()
        .args([
            "report",
            img.to_str().unwrap(),
            "-f",
            "json",
            "-o",
            "out/x.json",
        ])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        err(&o),
        "layerscope: out/x.json: directory out does not exist\n"
    );
    assert!(!dir.path().join("out").exists());
}

#[test]
fn no_error_line_ends_in_an_os_error_number() {
    let dir = tempfile::tempdir().unwrap();
    // A file that is not there, a directory that cannot be written, an
    // image that is a directory of nothing.
    std::fs::create_dir(dir.path().join("ro")).unwrap();
    std::fs::create_dir(dir.path().join("empty")).unwrap();
    let img = testdata("basic/docker-archive.tar");
    let img = img.to_str().unwrap();
    let mut perms = std::fs::metadata(dir.path().join("ro"))
        .unwrap()
        .permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut perms, 0o555);
    std::fs::set_permissions(dir.path().join("ro"), perms).unwrap();
    for args in [
        &["report", "--source", "file", "nosuch.tar"][..],
        &["report", img, "-o", "ro/x.txt"],
        &["check", img, "--config", "nosuch.toml"],
        &["report", "empty"],
        &["report", img, "-o", "/proc/x.json"],
    ] {
        let o = crate::support::bin()
            .args(args)
            .current_dir(dir.path())
            .output()
            .unwrap();
        let e = err(&o);
        if args[2..] == ["-o", "ro/x.txt"] && o.status.success() {
            continue; // root writes anywhere
        }
        assert_eq!(o.status.code(), Some(2), "{args:?}: {e}");
        assert_eq!(e.lines().count(), 1, "{args:?}: {e}");
        assert!(e.starts_with("layerscope: "), "{args:?}: {e}");
        assert!(!e.contains("os error"), "{args:?}: {e}");
        assert!(!e.contains(".layerscope-"), "temp file named: {e}");
    }
}

/// `check` on the basic image from `cwd` with the environment given; the
/// config in force shows in its exit code: basic wastes 15,396 bytes
/// (testdata/EXPECTED.md), so `max_wasted = "1kB"` fails (1) and
/// `max_wasted = "1MB"` passes (0).
fn check_in(cwd: &Path, env: &[(&str, &Path)]) -> Option<i32> {
    let mut c = crate::support::bin();
    c.args(["check"])
        .arg(testdata("basic/docker-archive.tar"))
        .current_dir(cwd)
        .env_remove("LAYERSCOPE_CONFIG")
        .env("XDG_CONFIG_HOME", cwd.join("no-such-config-home"));
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().unwrap().status.code()
}

#[test]
fn config_is_found_in_parents_up_to_the_repository_root_then_the_user_dir() {
    let t = tempfile::tempdir().unwrap();
    let repo = t.path().join("repo");
    let deep = repo.join("a/b");
    std::fs::create_dir_all(&deep).unwrap();
    std::fs::create_dir_all(repo.join(".git")).unwrap();
    let strict = "[budget]\nmax_wasted = \"1kB\"\n";
    let lenient = "[budget]\nmax_wasted = \"1MB\"\n";

    // At the repository root, found from two levels down.
    std::fs::write(repo.join(".layerscope.toml"), strict).unwrap();
    assert_eq!(check_in(&deep, &[]), Some(1));
    // The nearest wins.
    std::fs::write(deep.join(".layerscope.toml"), lenient).unwrap();
    assert_eq!(check_in(&deep, &[]), Some(0));
    std::fs::remove_file(deep.join(".layerscope.toml")).unwrap();

    // Above the repository root is not looked at: a lenient file there
    // would pass; the default budget (max_wasted_percent 10, basic wastes
    // 32.2% of its content) fails.
    std::fs::remove_file(repo.join(".layerscope.toml")).unwrap();
    std::fs::write(t.path().join(".layerscope.toml"), lenient).unwrap();
    assert_eq!(check_in(&deep, &[]), Some(1));
    std::fs::remove_file(t.path().join(".layerscope.toml")).unwrap();

    // No file in the repository: $XDG_CONFIG_HOME/layerscope/config.toml.
    let xdg = t.path().join("xdg");
    std::fs::create_dir_all(xdg.join("layerscope")).unwrap();
    std::fs::write(xdg.join("layerscope/config.toml"), strict).unwrap();
    assert_eq!(check_in(&deep, &[("XDG_CONFIG_HOME", &xdg)]), Some(1));

    // LAYERSCOPE_CONFIG names one, as --config does.
    let named = t.path().join("named.toml");
    std::fs::write(&named, lenient).unwrap();
    assert_eq!(
        check_in(
            &deep,
            &[("XDG_CONFIG_HOME", &xdg), ("LAYERSCOPE_CONFIG", &named)]
        ),
        Some(0)
    );
}

#[test]
fn layerscope_environment_variables_set_the_common_options() {
    // LAYERSCOPE_PLATFORM as --platform: basic is linux/amd64 only.
    let o = crate::support::bin()
        .args(["report"])
        .arg(testdata("basic/docker-archive.tar"))
        .env("LAYERSCOPE_PLATFORM", "linux/s390x")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", err(&o));
    assert!(err(&o).contains("linux/s390x"), "{}", err(&o));
    // LAYERSCOPE_COLOR as --color.
    let o = crate::support::bin()
        .args(["report"])
        .arg(testdata("basic/docker-archive.tar"))
        .env("LAYERSCOPE_COLOR", "always")
        .env_remove("NO_COLOR")
        .output()
        .unwrap();
    assert!(out(&o).contains("\u{1b}["), "no colour: {}", out(&o));
    // LAYERSCOPE_SOURCE as --source: `app:1` read as a file name, never
    // looked up in a daemon or a registry.
    let o = crate::support::bin()
        .args(["report", "app:1"])
        .env("LAYERSCOPE_SOURCE", "file")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let e = err(&o);
    assert!(e.starts_with("layerscope: app:1: "), "{e}");
    assert!(!e.contains("docker") && !e.contains("registry"), "{e}");
}

/// `--no-preview` is the explorer's: away from a terminal the top-level
/// command prints the same summary with it as without it.
#[test]
fn no_preview_is_accepted_and_changes_nothing_off_a_terminal() {
    let img = testdata("basic/docker-archive.tar");
    let img = img.to_str().unwrap();
    let plain = run(&["--color=never", img]);
    let flagged = run(&["--color=never", "--no-preview", img]);
    assert_eq!(plain.status.code(), Some(0), "{}", err(&plain));
    assert_eq!(flagged.status.code(), Some(0), "{}", err(&flagged));
    assert!(out(&plain).contains("efficiency"), "{}", out(&plain));
    assert_eq!(out(&flagged), out(&plain));
    // And the help says what it is for.
    assert!(out(&run(&["--help"])).contains("--no-preview"));
}
