//! `layerscope mcp`: a client written here speaks the Model Context
//! Protocol (newline-delimited JSON-RPC 2.0) to the binary over its
//! stdin/stdout: initialize, notifications/initialized, tools/list,
//! tools/call. Figures are checked against testdata/EXPECTED.json (Python's
//! tarfile, testdata/tools/expected.py) and testdata/diff/EXPECTED.json
//! (testdata/tools/expected_diff.py), and fix's prediction against the
//! buildah rebuild of tests/fix_rebuild.rs, not against the code under test.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::time::Duration;

use serde_json::{json, Value};

use crate::support::bin;

/// Bound on one answer: a hang fails the test instead of blocking the suite
/// (not a speed assertion; a debug build answers in well under a second).
const ANSWER_BOUND: Duration = Duration::from_secs(120);

fn testdata(p: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("testdata")
        .join(p)
}

fn expected(image: &str) -> Value {
    let text = std::fs::read_to_string(testdata("EXPECTED.json")).unwrap();
    let v: Value = serde_json::from_str(&text).unwrap();
    v["images"][image].clone()
}

struct Client {
    child: Child,
    stdin: Option<ChildStdin>,
    lines: Receiver<String>,
    next_id: u64,
}

impl Client {
    fn start(dir: &Path) -> Client {
        let mut child = bin()
            .arg("mcp")
            .current_dir(dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Client {
            stdin: child.stdin.take(),
            child,
            lines,
            next_id: 1,
        }
    }

    fn send(&mut self, msg: &Value) {
        let stdin = self.stdin.as_mut().unwrap();
        writeln!(stdin, "{msg}").unwrap();
        stdin.flush().unwrap();
    }

    /// A request; its response (the message with the same id).
    fn request(&mut self, method: &str, params: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        self.send(&json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        loop {
            let line = self
                .lines
                .recv_timeout(ANSWER_BOUND)
                .unwrap_or_else(|e| panic!("no answer to {method}: {e}"));
            let msg: Value = serde_json::from_str(&line)
                .unwrap_or_else(|e| panic!("not JSON-RPC on stdout: {line:?}: {e}"));
            assert_eq!(msg["jsonrpc"], "2.0", "{msg}");
            if msg["id"] == id {
                return msg;
            }
            // (a notification from the server: not what we wait for)
            assert!(msg.get("method").is_some(), "unexpected {msg}");
        }
    }

    fn call(&mut self, tool: &str, arguments: Value) -> Value {
        let r = self.request("tools/call", json!({"name": tool, "arguments": arguments}));
        r["result"].clone()
    }

    /// The client goes away: the server ends, exit 0.
    fn close(mut self) {
        drop(self.stdin.take());
        for _ in 0..1200 {
            if let Some(status) = self.child.try_wait().unwrap() {
                assert_eq!(status.code(), Some(0));
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = self.child.kill();
        panic!("the server did not exit when stdin closed");
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// The initialize handshake, then tools/list's names.
fn handshake(c: &mut Client) -> Vec<String> {
    let init = c.request(
        "initialize",
        json!({
            "protocolVersion": "2025-06-18",
            "capabilities": {},
            "clientInfo": {"name": "layerscope-tests", "version": "0"}
        }),
    );
    let r = &init["result"];
    assert_eq!(r["serverInfo"]["name"], "layerscope", "{init}");
    assert_eq!(r["serverInfo"]["version"], env!("CARGO_PKG_VERSION"));
    assert!(r["capabilities"]["tools"].is_object(), "{init}");
    assert!(r["protocolVersion"].is_string());
    c.send(&json!({"jsonrpc": "2.0", "method": "notifications/initialized"}));
    let list = c.request("tools/list", json!({}));
    let tools = list["result"]["tools"].as_array().unwrap().clone();
    for t in &tools {
        assert_eq!(t["inputSchema"]["type"], "object", "{t}");
        let required = match t["name"].as_str().unwrap() {
            "diff" => json!(["old", "new"]),
            "fix" => json!(["image", "dockerfile"]),
            _ => json!(["image"]),
        };
        assert_eq!(t["inputSchema"]["required"], required, "{t}");
        assert!(t["description"].as_str().unwrap().len() > 40, "{t}");
    }
    tools
        .iter()
        .map(|t| t["name"].as_str().unwrap().to_string())
        .collect()
}

fn text_of(result: &Value) -> &str {
    let content = result["content"].as_array().unwrap();
    assert_eq!(content.len(), 1, "{result}");
    assert_eq!(content[0]["type"], "text");
    content[0]["text"].as_str().unwrap()
}

#[test]
fn report_and_check_over_the_protocol() {
    let dir = tempfile::tempdir().unwrap();
    let mut c = Client::start(dir.path());
    let names = handshake(&mut c);
    assert_eq!(names, ["report", "check", "diff", "fix"]);

    // report: the JSON report, its figures those of EXPECTED.json.
    let image = testdata("basic/docker-archive.tar");
    let img = image.to_str().unwrap();
    let r = c.call("report", json!({"image": img}));
    assert_ne!(r["isError"], true, "{r}");
    let report: Value = serde_json::from_str(text_of(&r)).unwrap();
    let want = expected("basic");
    for key in [
        "layers",
        "size_bytes",
        "entries",
        "content_bytes",
        "live_bytes",
        "wasted_bytes",
        "removed_bytes",
        "overwritten_bytes",
        "duplicate_bytes",
        "recoverable_bytes",
    ] {
        assert_eq!(report["totals"][key], want["totals"][key], "{key}");
    }
    assert_eq!(report["image"]["config_digest"], want["config_digest"]);
    // ... and exactly what `layerscope report --format json` prints.
    let cli = bin()
        .args(["report", "--format", "json", img])
        .output()
        .unwrap();
    assert_eq!(text_of(&r).as_bytes(), cli.stdout.as_slice());

    // Another format on request.
    let r = c.call(
        "report",
        json!({"image": img, "format": "csv", "csv_table": "hidden"}),
    );
    let csv = text_of(&r);
    // A header and one row per hidden file (EXPECTED.json: 10).
    assert_eq!(csv.lines().count(), 1 + 10, "{csv}");

    // check with an inline budget: wasted 15,396 B > 10 kB fails (a result,
    // not an error); 20 kB passes.
    let r = c.call(
        "check",
        json!({"image": img, "budget": {"max_wasted": "10kB"}}),
    );
    assert_ne!(r["isError"], true, "{r}");
    let v: Value = serde_json::from_str(text_of(&r)).unwrap();
    assert_eq!(v["passed"], false);
    assert_eq!(v["checks"][0]["rule"], "max_wasted");
    assert_eq!(v["checks"][0]["status"], "fail");
    assert_eq!(v["checks"][0]["value"], want["totals"]["wasted_bytes"]);
    assert_eq!(v["checks"][0]["limit"], 10_000);
    let r = c.call(
        "check",
        json!({"image": img, "budget": {"max_wasted": 20000}}),
    );
    let v: Value = serde_json::from_str(text_of(&r)).unwrap();
    assert_eq!(v["passed"], true, "{v}");

    // check with a budget file, in the text format.
    std::fs::write(dir.path().join("b.toml"), "[budget]\nmax_layers = 7\n").unwrap();
    let r = c.call(
        "check",
        json!({"image": img, "budget_file": "b.toml", "format": "text"}),
    );
    let text = text_of(&r);
    assert!(text.contains("FAIL  max_layers"), "{text}");
    assert!(text.contains("8 > 7"), "{text}");

    // Errors: a tool error holding the one-line message; the session goes on.
    let errors = [
        (
            json!({"image": dir.path().join("absent.tar")}),
            "report",
            format!(
                "layerscope: {}: No such file or directory",
                dir.path().join("absent.tar").display()
            ),
        ),
        (
            json!({"image": "-"}),
            "report",
            "layerscope: -: stdin carries the MCP session; name a file, a directory or a reference"
                .to_string(),
        ),
        (
            json!({"image": img, "format": "junit"}),
            "report",
            "layerscope: unknown report format \"junit\" (text, json, csv, md, html)".to_string(),
        ),
        (
            json!({"image": img, "budget": {"max_sise": "1MB"}}),
            "check",
            "layerscope: argument budget: unknown field `max_sise`".to_string(),
        ),
        (
            json!({"image": img, "budget_file": "absent.toml"}),
            "check",
            "layerscope: absent.toml: No such file or directory".to_string(),
        ),
        (
            json!({"image": img, "verbose": true}),
            "report",
            "layerscope: unknown argument \"verbose\" (expected image, format, csv_table, platform)"
                .to_string(),
        ),
    ];
    for (args, tool, message) in errors {
        let r = c.call(tool, args.clone());
        assert_eq!(r["isError"], true, "{args}: {r}");
        let text = text_of(&r);
        assert!(text.starts_with(&message), "{args}: {text}");
        assert!(!text.contains('\n'), "one line: {text}");
    }
    // An unknown tool is a protocol error.
    let r = c.request("tools/call", json!({"name": "nope", "arguments": {}}));
    assert!(r["error"]["code"].is_i64(), "{r}");

    // Still serving after all that.
    let r = c.call("report", json!({"image": img}));
    assert_ne!(r["isError"], true);
    c.close();
}

/// diff and fix over the protocol: the figures of the independent oracles,
/// byte for byte what the commands print, and errors as tool errors.
#[test]
fn diff_and_fix_over_the_protocol() {
    let dir = tempfile::tempdir().unwrap();
    let mut c = Client::start(dir.path());
    let names = handshake(&mut c);
    assert_eq!(names, ["report", "check", "diff", "fix"]);

    // diff v1 -> v2: testdata/diff/EXPECTED.json's "v1-v2" (Python's tarfile).
    let v1 = testdata("diff/v1.tar");
    let v2 = testdata("diff/v2.tar");
    let (v1, v2) = (v1.to_str().unwrap(), v2.to_str().unwrap());
    let r = c.call("diff", json!({"old": v1, "new": v2}));
    assert_ne!(r["isError"], true, "{r}");
    let got: Value = serde_json::from_str(text_of(&r)).unwrap();
    let text = std::fs::read_to_string(testdata("diff/EXPECTED.json")).unwrap();
    let want: Value = serde_json::from_str(&text).unwrap();
    let want = &want["v1-v2"];
    // The oracle's figures, spelled out: added 54,047 B, removed 11 B,
    // grown 6,120 B, changed 10 B; live +60,156 B, wasted -5,696 B.
    assert_eq!(want["files"]["added_bytes"], 54047);
    assert_eq!(want["delta"]["live_bytes"], 60156);
    for key in [
        "added_bytes",
        "removed_bytes",
        "grown_bytes",
        "shrunk_bytes",
        "changed_bytes",
    ] {
        assert_eq!(got["files"][key], want["files"][key], "files.{key}");
    }
    for key in ["content_bytes", "live_bytes", "wasted_bytes"] {
        assert_eq!(got["delta"][key], want["delta"][key], "delta.{key}");
    }
    for key in ["shared", "only_old", "only_new", "first_difference"] {
        assert_eq!(got["layers"][key], want["layers"][key], "layers.{key}");
    }
    let cli = bin().args(["diff", "-f", "json", v1, v2]).output().unwrap();
    assert_eq!(cli.status.code(), Some(0));
    assert_eq!(text_of(&r).as_bytes(), cli.stdout.as_slice());

    // fix: the saving the buildah rebuild of tests/fix_rebuild.rs measured.
    let image = testdata("antipatterns/docker-archive.tar");
    let img = image.to_str().unwrap();
    let df = testdata("images/antipatterns/Dockerfile");
    let df = df.to_str().unwrap();
    let before = std::fs::read(df).unwrap();
    let r = c.call("fix", json!({"image": img, "dockerfile": df}));
    assert_ne!(r["isError"], true, "{r}");
    let plan: Value = serde_json::from_str(text_of(&r)).unwrap();
    assert_eq!(plan["predicted_saving_bytes"], 197_862);
    let cli = bin()
        .args(["fix", "-f", "json", "--dockerfile", df, img])
        .output()
        .unwrap();
    assert_eq!(cli.status.code(), Some(0));
    assert_eq!(text_of(&r).as_bytes(), cli.stdout.as_slice());
    // format diff: the unified diff `fix` prints by default.
    let r = c.call(
        "fix",
        json!({"image": img, "dockerfile": df, "format": "diff"}),
    );
    let cli = bin()
        .args(["fix", "--dockerfile", df, img])
        .output()
        .unwrap();
    assert_eq!(text_of(&r).as_bytes(), cli.stdout.as_slice());
    assert!(
        text_of(&r).contains("antipatterns/Dockerfile\n+++ b/"),
        "{}",
        text_of(&r)
    );
    // The Dockerfile is never written.
    assert_eq!(std::fs::read(df).unwrap(), before);

    // Errors: one-line tool errors; the session goes on.
    let basic_df = testdata("images/basic/Dockerfile");
    let basic_df = basic_df.to_str().unwrap();
    let absent = dir.path().join("Dockerfile.absent");
    let errors = [
        (
            json!({"image": img, "dockerfile": absent}),
            "fix",
            format!(
                "layerscope: {}: No such file or directory",
                absent.display()
            ),
        ),
        (
            json!({"image": img}),
            "fix",
            "layerscope: argument dockerfile is required".to_string(),
        ),
        (
            json!({"image": img, "dockerfile": basic_df}),
            "fix",
            format!("layerscope: {basic_df}: the image was not built from this file: line 22"),
        ),
        (
            json!({"image": img, "dockerfile": df, "write": true}),
            "fix",
            "layerscope: unknown argument \"write\" (expected image, dockerfile, format, platform)"
                .to_string(),
        ),
        (
            json!({"old": v1}),
            "diff",
            "layerscope: argument new is required".to_string(),
        ),
        (
            json!({"old": v1, "new": dir.path().join("absent.tar")}),
            "diff",
            format!(
                "layerscope: {}: No such file or directory",
                dir.path().join("absent.tar").display()
            ),
        ),
        (
            json!({"old": v1, "new": v2, "format": "csv"}),
            "diff",
            "layerscope: unknown diff format \"csv\"".to_string(),
        ),
    ];
    for (args, tool, message) in errors {
        let r = c.call(tool, args.clone());
        assert_eq!(r["isError"], true, "{args}: {r}");
        let text = text_of(&r);
        assert!(text.starts_with(&message), "{args}: {text}");
        assert!(!text.contains('\n'), "one line: {text}");
    }

    // Still serving after all that.
    let r = c.call("diff", json!({"old": v2, "new": v1}));
    assert_ne!(r["isError"], true, "{r}");
    c.close();
}
