//! `--emit FORMAT=PATH`: several outputs of one run (the image is read
//! once). Which outputs a run writes, and the checks made on them before
//! the image is opened, so a typo fails fast.

use std::path::{Path, PathBuf};

use layerscope_core::Error;
use layerscope_report as report;
use layerscope_report::check;

/// One `--emit FORMAT=PATH`: the format's name as given (checked against
/// the command's formats by the value parser) and where it goes (`-`:
/// stdout).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Emit {
    pub format: String,
    pub path: PathBuf,
}

fn split(s: &str) -> Result<(&str, &str), String> {
    match s.split_once('=') {
        Some((f, p)) if !f.is_empty() && !p.is_empty() => Ok((f, p)),
        _ => Err(format!(
            "expected FORMAT=PATH (e.g. json=report.json, md=-), got {s:?}"
        )),
    }
}

/// `report --emit`: a report format (`csv` writes `--csv-table`'s table).
pub fn parse_report_emit(s: &str) -> Result<Emit, String> {
    let (f, p) = split(s)?;
    f.parse::<report::Format>()?;
    Ok(Emit {
        format: f.to_string(),
        path: PathBuf::from(p),
    })
}

/// `check --emit`: a check format.
pub fn parse_check_emit(s: &str) -> Result<Emit, String> {
    let (f, p) = split(s)?;
    f.parse::<check::Format>()?;
    Ok(Emit {
        format: f.to_string(),
        path: PathBuf::from(p),
    })
}

/// Where one output of the run goes: `None` is stdout.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target<F> {
    pub format: F,
    pub path: Option<PathBuf>,
}

impl<F> Target<F> {
    pub fn to_stdout(&self) -> bool {
        self.path.is_none()
    }
}

/// Every output of a run, in the order written: the `--format`/`-o` output
/// first, then each `--emit` in the order given.
///
/// The `--format`/`-o` output is written as before unless `--emit` sends
/// something to stdout and neither `--format` nor `-o` was given (then that
/// `--emit` has stdout). At most one output may go to stdout, and no file
/// twice; every file's directory must exist. All of it is checked here,
/// before the image is read.
pub fn plan<F: Copy>(
    primary: F,
    output: Option<&Path>,
    primary_given: bool,
    emits: &[Emit],
    parse: impl Fn(&str) -> Result<F, String>,
) -> Result<Vec<Target<F>>, Error> {
    let stdout = |p: &Path| p == Path::new("-");
    let emits_stdout = emits.iter().filter(|e| stdout(&e.path)).count();
    let mut out = Vec::new();
    if emits_stdout == 0 || primary_given {
        out.push(Target {
            format: primary,
            path: output.filter(|p| !stdout(p)).map(Path::to_path_buf),
        });
    }
    for e in emits {
        out.push(Target {
            format: parse(&e.format).map_err(Error::Usage)?,
            path: (!stdout(&e.path)).then(|| e.path.clone()),
        });
    }
    if out.iter().filter(|t| t.to_stdout()).count() > 1 {
        let what = if emits_stdout > 1 {
            "more than one --emit writes to - (stdout)"
        } else {
            "--emit FORMAT=- and --format/-o both write to stdout"
        };
        return Err(Error::Usage(format!(
            "{what}: at most one output can go to stdout"
        )));
    }
    for (i, t) in out.iter().enumerate() {
        let Some(p) = &t.path else { continue };
        if out[..i].iter().any(|o| o.path.as_ref() == Some(p)) {
            return Err(Error::Usage(format!(
                "{}: named by two outputs (--emit, -o); each output needs its own file",
                p.display()
            )));
        }
        check_dir(p)?;
    }
    Ok(out)
}

/// The directory a file will be written in exists (the message names the
/// directory, as `-o`'s does).
pub fn check_dir(p: &Path) -> Result<(), Error> {
    let dir = match p.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    if dir.is_dir() {
        return Ok(());
    }
    let why = if dir.exists() {
        "is not a directory"
    } else {
        "does not exist"
    };
    Err(Error::Usage(format!(
        "{}: directory {} {why}",
        p.display(),
        dir.display()
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn e(s: &str) -> Emit {
        parse_check_emit(s).unwrap()
    }

    fn parse(s: &str) -> Result<check::Format, String> {
        s.parse()
    }

    #[test]
    fn formats_are_the_commands_own() {
        assert!(parse_report_emit("html=r.html").is_ok());
        assert!(parse_report_emit("markdown=r.md").is_ok());
        let err = parse_report_emit("junit=j.xml").unwrap_err();
        assert!(err.contains("unknown report format \"junit\""), "{err}");
        let err = parse_check_emit("html=r.html").unwrap_err();
        assert!(err.contains("unknown check format \"html\""), "{err}");
        for bad in ["json", "=x", "json=", ""] {
            let err = parse_check_emit(bad).unwrap_err();
            assert!(err.starts_with("expected FORMAT=PATH"), "{bad}: {err}");
        }
        // Only the first = splits: a path may hold one.
        assert_eq!(e("md=a=b.md").path, PathBuf::from("a=b.md"));
    }

    #[test]
    fn the_default_output_stays_unless_an_emit_takes_stdout() {
        let text = check::Format::Text;
        let t = plan(text, None, false, &[e("junit=j.xml")], parse).unwrap();
        assert_eq!(t.len(), 2);
        assert!(t[0].to_stdout() && t[0].format == text);
        assert_eq!(t[1].path.as_deref(), Some(Path::new("j.xml")));

        let t = plan(text, None, false, &[e("md=-"), e("json=r.json")], parse).unwrap();
        assert_eq!(t.len(), 2);
        assert!(t[0].to_stdout() && t[0].format == check::Format::Md);

        // -o FILE given: it and the emit to stdout both.
        let t = plan(text, Some(Path::new("o.txt")), true, &[e("md=-")], parse).unwrap();
        assert_eq!(t.len(), 2);
        assert_eq!(t[0].path.as_deref(), Some(Path::new("o.txt")));
    }

    #[test]
    fn one_stdout_and_one_output_per_file() {
        let text = check::Format::Text;
        let err = plan(text, None, false, &[e("md=-"), e("json=-")], parse)
            .unwrap_err()
            .to_string();
        assert!(err.contains("more than one --emit writes to -"), "{err}");
        let err = plan(text, None, true, &[e("md=-")], parse)
            .unwrap_err()
            .to_string();
        assert!(err.contains("--format/-o both write to stdout"), "{err}");
        let err = plan(text, Some(Path::new("-")), true, &[e("md=-")], parse)
            .unwrap_err()
            .to_string();
        assert!(err.contains("both write to stdout"), "{err}");
        let err = plan(
            text,
            Some(Path::new("x.json")),
            true,
            &[e("json=x.json")],
            parse,
        )
        .unwrap_err()
        .to_string();
        assert!(err.starts_with("x.json: named by two outputs"), "{err}");
    }

    #[test]
    fn a_missing_directory_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("nope/j.xml");
        let err = plan(
            check::Format::Text,
            None,
            false,
            &[e(&format!("junit={}", p.display()))],
            parse,
        )
        .unwrap_err()
        .to_string();
        assert_eq!(
            err,
            format!(
                "{}: directory {} does not exist",
                p.display(),
                dir.path().join("nope").display()
            )
        );
    }
}
