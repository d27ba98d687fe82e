//! The Docker and Podman daemons, through their own command-line clients.
//!
//! Why the CLI and not the Engine API (docs/formats.md, "Daemons"): `docker
//! image save` already honours everything users configure, `DOCKER_HOST`,
//! `--context`/`DOCKER_CONTEXT` and the context store, TLS and `ssh://`
//! hosts, and as a Docker CLI plugin we are handed exactly that client. Its
//! stdout is the image as a tar stream, which goes straight into the core's
//! one-pass reader: nothing is staged in a file by us. Podman's socket API
//! saves to a temporary file before sending a byte; `podman image save`
//! streams.

use std::ffi::{OsStr, OsString};
use std::fmt;
use std::io::{self, Read};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

/// The daemons we can read images from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Docker,
    Podman,
}

impl Engine {
    /// The skopeo transport that names an image in this daemon.
    pub fn transport(self) -> &'static str {
        match self {
            Engine::Docker => "docker-daemon",
            Engine::Podman => "podman",
        }
    }

    /// The `--source` value and the name the output shows.
    pub fn name(self) -> &'static str {
        match self {
            Engine::Docker => "docker",
            Engine::Podman => "podman",
        }
    }
}

impl fmt::Display for Engine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A daemon's client: the program and the global flags to pass before the
/// command (a plugin's `--context`, `-H`, ...).
#[derive(Debug, Clone)]
pub struct Client {
    pub engine: Engine,
    pub program: OsString,
    pub global_args: Vec<OsString>,
}

/// Is an image in a daemon's store?
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Presence {
    Present,
    /// The daemon answered: no such image.
    Absent,
    /// No answer: the client is not installed, the daemon is not running,
    /// or it refused; the reason is the client's own last line.
    Unreachable(String),
}

/// How long a presence check may take before the daemon counts as not
/// answering (a `DOCKER_HOST` on an unreachable host).
const LOOKUP_TIMEOUT: Duration = Duration::from_secs(30);

/// The most of a client's stderr kept for an error message.
const STDERR_KEEP: usize = 4096;

impl Client {
    /// The Docker client: `docker` on `PATH`, unless `program` is given (the
    /// plugin contract hands us the CLI that started us).
    pub fn docker(program: Option<OsString>, global_args: Vec<OsString>) -> Client {
        Client {
            engine: Engine::Docker,
            program: program.unwrap_or_else(|| "docker".into()),
            global_args,
        }
    }

    pub fn podman() -> Client {
        Client {
            engine: Engine::Podman,
            program: "podman".into(),
            global_args: Vec::new(),
        }
    }

    fn command<I, S>(&self, args: I) -> Command
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let mut c = Command::new(&self.program);
        c.args(&self.global_args).args(args);
        c
    }

    /// Ask the daemon whether it holds `reference`.
    pub fn lookup(&self, reference: &str) -> Presence {
        let mut cmd = self.command(["image", "inspect", "--format", "{{.Id}}", reference]);
        cmd.stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        let mut child = match cmd.spawn() {
            Ok(c) => c,
            Err(e) => return Presence::Unreachable(spawn_error(&self.program, &e)),
        };
        let stderr = collect_stderr(&mut child);
        let deadline = Instant::now() + LOOKUP_TIMEOUT;
        let status = loop {
            match child.try_wait() {
                Ok(Some(s)) => break s,
                Ok(None) if Instant::now() < deadline => thread::sleep(Duration::from_millis(20)),
                Ok(None) => {
                    let _ = child.kill();
                    let _ = child.wait();
                    return Presence::Unreachable(format!(
                        "{} did not answer within {} s",
                        self.engine,
                        LOOKUP_TIMEOUT.as_secs()
                    ));
                }
                Err(e) => return Presence::Unreachable(e.to_string()),
            }
        };
        let text = stderr.finish();
        if status.success() {
            Presence::Present
        } else if says_absent(&text) {
            Presence::Absent
        } else {
            Presence::Unreachable(last_line(&text).unwrap_or_else(|| status.to_string()))
        }
    }

    /// Start `image save` of `reference` and return its output as a stream.
    /// `platform` is passed only when given: `docker save --platform` needs
    /// Engine API 1.48, and older daemons refuse the flag.
    pub fn save(&self, reference: &str, platform: Option<&str>) -> io::Result<SaveStream> {
        let mut args: Vec<&str> = vec!["image", "save"];
        if let Some(p) = platform {
            args.extend(["--platform", p]);
        }
        args.push(reference);
        let mut cmd = self.command(&args);
        cmd.stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = cmd
            .spawn()
            .map_err(|e| io::Error::new(e.kind(), spawn_error(&self.program, &e)))?;
        let stderr = collect_stderr(&mut child);
        let stdout = child.stdout.take().expect("stdout is piped");
        Ok(SaveStream {
            engine: self.engine,
            child,
            stdout,
            stderr: Some(stderr),
        })
    }
}

/// `docker image save`'s stdout. At the end of the stream the client's exit
/// status is checked, so a save that fails half-way (the daemon went away)
/// is an error naming the client's reason, never a silently short image.
/// Dropped early (the reader found a bad layer), the client is killed.
pub struct SaveStream {
    engine: Engine,
    child: Child,
    stdout: ChildStdout,
    stderr: Option<Stderr>,
}

impl Read for SaveStream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.stdout.read(buf)?;
        if n == 0 && !buf.is_empty() {
            if let Some(stderr) = self.stderr.take() {
                let status = self.child.wait()?;
                let text = stderr.finish();
                if !status.success() {
                    let why = last_line(&text).unwrap_or_else(|| status.to_string());
                    return Err(io::Error::other(format!(
                        "{} image save: {why}",
                        self.engine
                    )));
                }
            }
        }
        Ok(n)
    }
}

impl Drop for SaveStream {
    fn drop(&mut self) {
        if self.stderr.is_some() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// A client's stderr, read on a thread so that a chatty client never blocks
/// on a full pipe; only the last `STDERR_KEEP` bytes are kept.
struct Stderr {
    text: Arc<Mutex<Vec<u8>>>,
    thread: Option<JoinHandle<()>>,
}

impl Stderr {
    fn finish(mut self) -> String {
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        let text = self.text.lock().map(|t| t.clone()).unwrap_or_default();
        String::from_utf8_lossy(&text).into_owned()
    }
}

fn collect_stderr(child: &mut Child) -> Stderr {
    let text = Arc::new(Mutex::new(Vec::new()));
    let thread = child.stderr.take().map(|mut err| {
        let text = Arc::clone(&text);
        thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = err.read(&mut buf) {
                if n == 0 {
                    break;
                }
                if let Ok(mut t) = text.lock() {
                    t.extend_from_slice(&buf[..n]);
                    if t.len() > STDERR_KEEP {
                        let cut = t.len() - STDERR_KEEP;
                        t.drain(..cut);
                    }
                }
            }
        })
    });
    Stderr { text, thread }
}

/// What Docker and Podman say for a missing image (`docker image inspect`:
/// "No such image" / "No such object"; podman: "image not known").
fn says_absent(stderr: &str) -> bool {
    let s = stderr.to_ascii_lowercase();
    s.contains("no such image") || s.contains("no such object") || s.contains("image not known")
}

/// The last non-empty line, trimmed of the client's `Error: ` decoration.
fn last_line(s: &str) -> Option<String> {
    s.lines()
        .map(str::trim)
        .rfind(|l| !l.is_empty())
        .map(|l| l.strip_prefix("Error: ").unwrap_or(l).to_string())
}

fn spawn_error(program: &OsStr, e: &io::Error) -> String {
    let name = program.to_string_lossy();
    if e.kind() == io::ErrorKind::NotFound {
        format!("{name}: not installed (not found on PATH)")
    } else {
        // Without the "(os error N)" suffix: the kind says it.
        format!("{name}: cannot start: {}", e.kind())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sh(script: &str) -> Client {
        Client {
            engine: Engine::Docker,
            program: "sh".into(),
            global_args: vec!["-c".into(), script.into(), "sh".into()],
        }
    }

    #[test]
    fn a_missing_client_is_unreachable_with_its_name() {
        let c = Client::docker(Some("/nonexistent/docker".into()), vec![]);
        assert_eq!(
            c.lookup("x"),
            Presence::Unreachable("/nonexistent/docker: not installed (not found on PATH)".into())
        );
    }

    #[test]
    fn presence_from_exit_status_and_stderr() {
        // `sh -c SCRIPT sh image inspect ...`: the script sees the args.
        assert_eq!(sh("exit 0").lookup("x"), Presence::Present);
        assert_eq!(
            sh("echo 'Error: No such image: x' >&2; exit 1").lookup("x"),
            Presence::Absent
        );
        assert_eq!(
            sh("echo 'Error: x: image not known' >&2; exit 125").lookup("x"),
            Presence::Absent
        );
        assert_eq!(
            sh("echo 'Cannot connect to the Docker daemon at unix:///x.sock.' >&2; exit 1")
                .lookup("x"),
            Presence::Unreachable("Cannot connect to the Docker daemon at unix:///x.sock.".into())
        );
    }

    #[test]
    fn save_streams_stdout_and_checks_the_exit_status() {
        // The arguments arrive in order: image save [--platform P] REF.
        let mut out = String::new();
        sh(r#"printf '%s,' "$@""#)
            .save("app:1", Some("linux/arm64"))
            .unwrap()
            .read_to_string(&mut out)
            .unwrap();
        assert_eq!(out, "image,save,--platform,linux/arm64,app:1,");

        let mut s = sh("printf partial; echo 'Error: daemon went away' >&2; exit 1")
            .save("app", None)
            .unwrap();
        let mut buf = Vec::new();
        let e = s.read_to_end(&mut buf).unwrap_err();
        assert_eq!(buf, b"partial");
        assert_eq!(e.to_string(), "docker image save: daemon went away");
    }

    #[test]
    fn only_the_tail_of_a_long_stderr_is_kept() {
        let script = "i=0; while [ $i -lt 2000 ]; do echo noise-$i >&2; i=$((i+1)); done; echo last >&2; exit 3";
        assert_eq!(sh(script).lookup("x"), Presence::Unreachable("last".into()));
    }
}
