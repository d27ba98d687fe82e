//! Running the real binary on hostile input, and building hostile tars byte
//! by byte (the `tar` crate's builder refuses most of what attackers write).

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use super::archives::{gzip, Archive, Comp, TLayer};

pub const BIN: &str = env!("CARGO_BIN_EXE_layerscope");

/// Address-space cap for every run: a runaway allocation fails the run
/// instead of taking the machine down.
const AS_LIMIT_KB: u64 = 4 << 20;

/// An image written to disk for one run.
pub struct Input {
    _dir: tempfile::TempDir,
    pub path: PathBuf,
}

impl Input {
    pub fn file(bytes: &[u8]) -> Input {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("image.tar");
        std::fs::write(&path, bytes).unwrap();
        Input { _dir: dir, path }
    }

    pub fn dir(a: &Archive) -> Input {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("layout");
        std::fs::create_dir(&path).unwrap();
        a.write_dir(&path);
        Input { _dir: dir, path }
    }

    pub fn label(&self) -> String {
        self.path.display().to_string()
    }
}

/// What one run of the binary did.
pub struct Out {
    pub code: i32,
    pub stdout: Vec<u8>,
    pub stderr: String,
    /// Peak resident set, from `/usr/bin/time -f %M`.
    pub rss_kb: u64,
    pub secs: f64,
}

impl Out {
    /// Exit 2 and exactly `layerscope: <msg>` on one line.
    #[track_caller]
    pub fn fails(&self, msg: &str) {
        assert_eq!(self.code, 2, "exit code; stderr: {}", self.stderr);
        assert!(self.stdout.is_empty(), "stdout on failure");
        assert_eq!(self.stderr, format!("layerscope: {msg}\n"));
    }

    /// Exit 2, one line starting `layerscope: <prefix>` with every word.
    #[track_caller]
    pub fn fails_with(&self, prefix: &str, words: &[&str]) {
        assert_eq!(self.code, 2, "exit code; stderr: {}", self.stderr);
        assert!(self.stdout.is_empty(), "stdout on failure");
        let want = format!("layerscope: {prefix}");
        assert!(self.stderr.starts_with(&want), "{:?}", self.stderr);
        for w in words {
            assert!(self.stderr.contains(w), "{w:?} not in {:?}", self.stderr);
        }
    }

    /// Exit 0, nothing on stderr, the JSON report.
    #[track_caller]
    pub fn json(&self) -> Value {
        assert_eq!(self.code, 0, "exit code; stderr: {}", self.stderr);
        assert_eq!(self.stderr, "", "stderr on success");
        serde_json::from_slice(&self.stdout).expect("a JSON report")
    }
}

/// `layerscope report --format json IMAGE` (unless `args` gives a format).
pub fn report(input: &Input, args: &[&str]) -> Out {
    report_timed(input, args, 60)
}

pub fn report_timed(input: &Input, args: &[&str], timeout_secs: u64) -> Out {
    let path = input.label();
    run(&report_args(args, &path), None, timeout_secs)
}

pub fn report_stdin(bytes: &[u8], args: &[&str]) -> Out {
    run(&report_args(args, "-"), Some(bytes.to_vec()), 60)
}

fn report_args(args: &[&str], image: &str) -> Vec<String> {
    let mut v = vec!["report".to_string()];
    if !args.iter().any(|a| *a == "--format" || *a == "-f") {
        v.extend(["--format".into(), "json".into()]);
    }
    v.extend(args.iter().map(|s| s.to_string()));
    v.push(image.to_string());
    v
}

/// Run the binary in an empty working directory, HOME, TMPDIR and XDG
/// directories pointed at empty directories, under an address-space cap
/// and a timeout; check it wrote nothing, printed at most one escaped line
/// on stderr, and never panicked.
pub fn run(args: &[String], stdin: Option<Vec<u8>>, timeout_secs: u64) -> Out {
    let cwd = tempfile::tempdir().unwrap();
    let home = tempfile::tempdir().unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let side = tempfile::tempdir().unwrap();
    // The layer cache is the one place a run may write besides `-o`.
    let cache = tempfile::tempdir().unwrap();
    let rss_file = side.path().join("rss");
    let start = Instant::now();
    let mut child = Command::new("/usr/bin/time")
        .arg("-f")
        .arg("%M")
        .arg("-o")
        .arg(&rss_file)
        .arg("sh")
        .arg("-c")
        .arg("ulimit -v \"$0\" && exec \"$@\"")
        .arg(AS_LIMIT_KB.to_string())
        .arg(BIN)
        .args(args)
        .current_dir(cwd.path())
        .env("HOME", home.path())
        .env("TMPDIR", tmp.path())
        .env("XDG_CONFIG_HOME", home.path())
        .env("XDG_CACHE_HOME", cache.path())
        .env("XDG_DATA_HOME", home.path())
        .env_remove("RUST_BACKTRACE")
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run /usr/bin/time");
    let feeder = stdin.map(|bytes| {
        let mut w = child.stdin.take().unwrap();
        std::thread::spawn(move || {
            // The binary may stop reading early (an error): a broken pipe
            // is expected then.
            let _ = w.write_all(&bytes);
        })
    });
    let mut out_pipe = child.stdout.take().unwrap();
    let mut err_pipe = child.stderr.take().unwrap();
    let out_t = std::thread::spawn(move || {
        let mut v = Vec::new();
        std::io::Read::read_to_end(&mut out_pipe, &mut v).unwrap();
        v
    });
    let err_t = std::thread::spawn(move || {
        let mut v = Vec::new();
        std::io::Read::read_to_end(&mut err_pipe, &mut v).unwrap();
        v
    });
    let deadline = start + Duration::from_secs(timeout_secs);
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("layerscope {args:?} still running after {timeout_secs} s");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let secs = start.elapsed().as_secs_f64();
    if let Some(f) = feeder {
        f.join().unwrap();
    }
    let stdout = out_t.join().unwrap();
    let stderr_bytes = err_t.join().unwrap();
    let time_out = std::fs::read_to_string(&rss_file).unwrap_or_default();
    let rss_kb = time_out
        .lines()
        .last()
        .and_then(|l| l.trim().parse().ok())
        .unwrap_or(0);
    let code = status.code().unwrap_or(-1);

    // Never a write outside `-o` and the layer cache (checked below).
    for (what, d) in [("cwd", &cwd), ("HOME", &home), ("TMPDIR", &tmp)] {
        let left: Vec<_> = std::fs::read_dir(d.path()).unwrap().collect();
        assert!(left.is_empty(), "layerscope wrote into {what}: {left:?}");
    }
    let cached: Vec<_> = std::fs::read_dir(cache.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert!(
        cached.is_empty() || cached == ["layerscope"],
        "layerscope wrote into XDG_CACHE_HOME beside its cache: {cached:?}"
    );
    // stderr: nothing, or one escaped line; never a panic.
    assert_terminal_safe(&stderr_bytes);
    let stderr = String::from_utf8(stderr_bytes).expect("stderr is UTF-8");
    assert!(!stderr.contains("panicked"), "panic: {stderr}");
    assert!(
        code == 0 || code == 2,
        "exit {code} (time: {time_out}); stderr: {stderr}"
    );
    assert!(
        stderr.lines().count() <= 1,
        "more than one line: {stderr:?}"
    );
    // What each case did, for `cargo test --test hostile_inputs --
    // --nocapture` (the list in the closing note).
    println!("OBSERVED exit {code}: {}", stderr.trim_end());
    Out {
        code,
        stdout,
        stderr,
        rss_kb,
        secs,
    }
}

/// No byte a terminal would act on: no C0 control but `\n` and `\t`, no
/// DEL, no C1 control, no bidi override or isolate, valid UTF-8.
#[track_caller]
pub fn assert_terminal_safe(bytes: &[u8]) {
    let s = std::str::from_utf8(bytes).expect("output is UTF-8");
    for (i, c) in s.char_indices() {
        let bad = (c.is_control() && c != '\n' && c != '\t')
            || matches!(c as u32, 0x200B..=0x200F | 0x202A..=0x202E | 0x2066..=0x2069);
        assert!(
            !bad,
            "raw {:?} at byte {i}: {:?}",
            c,
            &s[i.saturating_sub(40)..(i + 40).min(s.len())]
        );
    }
}

pub fn finding<'a>(report: &'a Value, rule: &str) -> &'a Value {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == rule)
        .unwrap_or_else(|| panic!("no {rule} finding in {:#}", report["findings"]))
}

// ---------------------------------------------------------------- raw tars

/// A tar written header by header, names as raw bytes.
#[derive(Default)]
pub struct RawTar {
    pub buf: Vec<u8>,
}

pub fn header(name: &[u8], kind: tar::EntryType, size: u64) -> tar::Header {
    let mut h = tar::Header::new_ustar();
    h.set_entry_type(kind);
    h.set_size(size);
    h.set_mode(if kind == tar::EntryType::Directory {
        0o755
    } else {
        0o644
    });
    h.set_mtime(0);
    h.set_uid(0);
    h.set_gid(0);
    assert!(name.len() <= 100, "use a PAX path for long names");
    h.as_old_mut().name[..name.len()].copy_from_slice(name);
    h.set_cksum();
    h
}

fn pad(buf: &mut Vec<u8>) {
    let rem = buf.len() % 512;
    if rem != 0 {
        buf.resize(buf.len() + 512 - rem, 0);
    }
}

impl RawTar {
    pub fn entry(&mut self, name: &[u8], kind: tar::EntryType, data: &[u8]) {
        self.entry_declared(name, kind, data.len() as u64, data);
    }

    /// An entry whose header declares `declared` bytes, followed by `data`.
    pub fn entry_declared(
        &mut self,
        name: &[u8],
        kind: tar::EntryType,
        declared: u64,
        data: &[u8],
    ) {
        self.buf
            .extend_from_slice(header(name, kind, declared).as_bytes());
        self.buf.extend_from_slice(data);
        pad(&mut self.buf);
    }

    pub fn link(&mut self, name: &[u8], kind: tar::EntryType, target: &[u8]) {
        let mut h = header(name, kind, 0);
        h.as_old_mut().linkname[..target.len()].copy_from_slice(target);
        h.set_cksum();
        self.buf.extend_from_slice(h.as_bytes());
    }

    /// A PAX extended header for the next entry.
    pub fn pax(&mut self, records: &[(&str, &[u8])]) {
        let mut data = Vec::new();
        for (k, v) in records {
            let body = k.len() + v.len() + 3; // ' ', '=', '\n'
            let mut len = body + 1;
            while len != body + len.to_string().len() {
                len = body + len.to_string().len();
            }
            data.extend_from_slice(format!("{len} {k}=").as_bytes());
            data.extend_from_slice(v);
            data.push(b'\n');
        }
        self.entry(b"././@PaxHeader", tar::EntryType::XHeader, &data);
    }

    /// With the two end-of-archive blocks.
    pub fn finish(mut self) -> Vec<u8> {
        self.buf.extend_from_slice(&[0; 1024]);
        self.buf
    }

    /// Without end-of-archive blocks (a stream that just stops).
    pub fn raw(self) -> Vec<u8> {
        self.buf
    }

    pub fn into_members(self) -> Vec<u8> {
        self.buf
    }
}

/// A layer from a hand-made tar (entries/content left 0: the tests check
/// the report, not `assert_image`).
pub fn raw_layer(tar: Vec<u8>, comp: Comp) -> TLayer {
    let stored = match comp {
        Comp::None => tar.clone(),
        Comp::Gzip => gzip(&tar),
        Comp::Zstd => zstd::encode_all(&tar[..], 3).unwrap(),
    };
    TLayer {
        tar,
        stored,
        comp,
        entries: 0,
        content: 0,
    }
}

/// A 12-byte numeric field, base-256 when octal does not fit (GNU).
fn num12(v: u64) -> [u8; 12] {
    let mut f = [0u8; 12];
    if v < 8u64.pow(11) {
        let s = format!("{v:011o}");
        f[..11].copy_from_slice(s.as_bytes());
    } else {
        f[0] = 0x80;
        f[4..].copy_from_slice(&v.to_be_bytes());
    }
    f
}

/// One GNU sparse file: 1 KiB of data at the start and the end of a file of
/// `real` bytes (all holes in between).
pub fn sparse_tar(real: u64) -> Vec<u8> {
    let mut h = tar::Header::new_gnu();
    h.set_entry_type(tar::EntryType::GNUSparse);
    h.set_size(1024);
    h.set_mode(0o644);
    h.set_mtime(0);
    h.as_old_mut().name[..10].copy_from_slice(b"var/sparse");
    {
        let g = h.as_gnu_mut().unwrap();
        g.sparse[0].offset = num12(0);
        g.sparse[0].numbytes = num12(512);
        g.sparse[1].offset = num12(real - 512);
        g.sparse[1].numbytes = num12(512);
        g.realsize = num12(real);
    }
    h.set_cksum();
    let mut buf = h.as_bytes().to_vec();
    buf.extend(std::iter::repeat_n(b'S', 1024));
    buf.extend_from_slice(&[0; 1024]);
    buf
}

/// A gzip stream of `total` bytes of `byte`, as concatenated gzip members of
/// 1 MiB each (multi-member gzip is valid; it keeps the test fast).
fn gzip_repeat(out: &mut Vec<u8>, byte: u8, total: u64) {
    let chunk = gzip_best(&vec![byte; 1 << 20]);
    let mut left = total;
    while left >= 1 << 20 {
        out.extend_from_slice(&chunk);
        left -= 1 << 20;
    }
    if left > 0 {
        out.extend_from_slice(&gzip(&vec![byte; left as usize]));
    }
}

fn gzip_best(b: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    e.write_all(b).unwrap();
    e.finish().unwrap()
}

/// A gzipped layer holding one file of `size` zero bytes.
pub fn zero_file_gzip_layer(size: u64) -> Vec<u8> {
    let mut out = gzip(header(b"zeros", tar::EntryType::Regular, size).as_bytes());
    gzip_repeat(&mut out, 0, size.div_ceil(512) * 512 + 1024);
    out
}

/// A gzipped tar whose first header (`kind` `L`: GNU long name, `x`: PAX)
/// declares `size` bytes of `a`, followed by one small file.
pub fn long_name_bomb(kind: u8, size: u64) -> Vec<u8> {
    let kind = tar::EntryType::new(kind);
    let mut h = tar::Header::new_gnu();
    h.set_entry_type(kind);
    h.set_size(size);
    h.set_mode(0o644);
    h.as_old_mut().name[..13].copy_from_slice(b"././@LongLink");
    h.set_cksum();
    let mut out = gzip(h.as_bytes());
    gzip_repeat(&mut out, b'a', size.div_ceil(512) * 512);
    let mut rest = RawTar::default();
    rest.entry(b"file", tar::EntryType::Regular, b"data");
    out.extend_from_slice(&gzip(&rest.finish()));
    out
}

/// A gzipped layer of `n` empty files in directories of 1000.
pub fn many_entries_layer(n: usize) -> Vec<u8> {
    let mut tar = Vec::with_capacity(n * 512 + 1024);
    let mut h = header(b"x", tar::EntryType::Regular, 0);
    for i in 0..n {
        let name = format!("d{}/f{i}", i / 1000);
        let field = &mut h.as_old_mut().name;
        field.fill(0);
        field[..name.len()].copy_from_slice(name.as_bytes());
        h.set_cksum();
        tar.extend_from_slice(h.as_bytes());
    }
    tar.extend_from_slice(&[0; 1024]);
    gzip(&tar)
}
