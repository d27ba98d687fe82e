//! A Dockerfile parser that keeps every instruction's line span and raw
//! text, so that `fix` can edit the file without touching anything else.
//! The grammar it reads is written down in docs/dockerfile.md.

use crate::error::{Error, Result};

/// A parsed Dockerfile: the text as given, its lines and its instructions.
#[derive(Debug, Clone, PartialEq)]
pub struct Dockerfile {
    /// The file's text, exactly as given.
    pub text: String,
    /// `# syntax=` directive, if any (the file opts into BuildKit's frontend).
    pub syntax: Option<String>,
    /// The escape character (`\` unless `# escape=` says `` ` ``).
    pub escape: char,
    /// Every instruction, in order (heredoc bodies and comments belong to no
    /// instruction of their own).
    pub instructions: Vec<Instruction>,
    /// The build stages, one per `FROM`.
    pub stages: Vec<Stage>,
}

/// One build stage: from its `FROM` to the next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stage {
    /// Index in [`Dockerfile::instructions`] of the `FROM`.
    pub from: usize,
    /// The base (`debian:12`, `scratch`, another stage's name).
    pub base: String,
    /// `AS name`, lower-cased as Docker compares it.
    pub name: Option<String>,
}

/// A heredoc (`<<EOF` … `EOF`) of a RUN, COPY or ADD.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Heredoc {
    pub name: String,
    /// The body lines, joined with `\n` (a `<<-` body has its leading tabs
    /// removed).
    pub body: String,
}

/// One instruction with its place in the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Instruction {
    /// The keyword, upper-case (`RUN`).
    pub keyword: String,
    /// First line (1-based).
    pub line: u32,
    /// Last line (1-based, inclusive): the last continuation line or the
    /// last heredoc terminator.
    pub end_line: u32,
    /// Flags before the arguments, as written (`--mount=type=cache,target=/x`).
    pub flags: Vec<String>,
    /// The arguments after the flags, continuation lines joined the way the
    /// builder joins them (escape + newline removed; comment lines inside
    /// dropped).
    pub args: String,
    /// The exec (JSON) form's words when the arguments are a JSON array.
    pub exec_form: Option<Vec<String>>,
    pub heredocs: Vec<Heredoc>,
    /// Index into [`Dockerfile::stages`]; `None` for an `ARG` before the
    /// first `FROM`.
    pub stage: Option<usize>,
}

impl Instruction {
    /// Does this instruction make a filesystem layer?
    pub fn makes_layer(&self) -> bool {
        matches!(self.keyword.as_str(), "RUN" | "COPY" | "ADD")
    }

    /// The value of flag `--name=` (`from` for `--from=builder`).
    pub fn flag(&self, name: &str) -> Option<&str> {
        self.flags.iter().find_map(|f| {
            f.strip_prefix("--")
                .and_then(|f| f.strip_prefix(name))
                .and_then(|f| f.strip_prefix('='))
        })
    }
}

/// The flags each keyword takes before its arguments.
fn takes_flags(keyword: &str) -> bool {
    matches!(
        keyword,
        "RUN" | "COPY" | "ADD" | "FROM" | "HEALTHCHECK" | "ONBUILD"
    )
}

impl Dockerfile {
    /// Parse a Dockerfile. `name` is used in error messages only.
    pub fn parse(text: &str, name: &str) -> Result<Dockerfile> {
        let lines: Vec<&str> = text
            .split_inclusive('\n')
            .map(|l| l.trim_end_matches(['\n', '\r']))
            .collect();
        let mut syntax = None;
        let mut escape = '\\';
        let mut i = 0;
        // Parser directives: `# key=value` lines at the very top.
        while i < lines.len() {
            let Some((k, v)) = directive(lines[i]) else {
                break;
            };
            match k.as_str() {
                "syntax" => syntax = Some(v),
                "escape" => {
                    escape = match v.as_str() {
                        "\\" => '\\',
                        "`" => '`',
                        _ => {
                            return Err(Error::Usage(format!(
                                "{name}:{}: invalid escape directive {v:?} (\\ or `)",
                                i + 1
                            )))
                        }
                    }
                }
                _ => {}
            }
            i += 1;
        }
        let mut instructions = Vec::new();
        let mut stages: Vec<Stage> = Vec::new();
        while i < lines.len() {
            let t = lines[i].trim_start();
            if t.is_empty() || t.starts_with('#') {
                i += 1;
                continue;
            }
            let start = i;
            // The logical line: continuation lines joined.
            let mut logical = String::new();
            loop {
                let l = lines[i];
                let trimmed = l.trim_end();
                if let Some(body) = trimmed.strip_suffix(escape) {
                    logical.push_str(body);
                    i += 1;
                    // Comment and empty lines inside a continuation are dropped.
                    while i < lines.len() && {
                        let t = lines[i].trim_start();
                        t.is_empty() || t.starts_with('#')
                    } {
                        i += 1;
                    }
                    if i >= lines.len() {
                        break;
                    }
                } else {
                    logical.push_str(l);
                    i += 1;
                    break;
                }
            }
            let mut end = i; // exclusive, 0-based
            let logical = logical.trim();
            let (kw, rest) = match logical.split_once(char::is_whitespace) {
                Some((k, r)) => (k, r.trim_start()),
                None => (logical, ""),
            };
            let keyword = kw.to_ascii_uppercase();
            if !keyword.chars().all(|c| c.is_ascii_alphabetic()) {
                return Err(Error::Usage(format!(
                    "{name}:{}: not an instruction: {:?}",
                    start + 1,
                    crate::analysis::shorten(logical, 40)
                )));
            }
            let (flags, args) = if takes_flags(&keyword) {
                split_flags(rest)
            } else {
                (Vec::new(), rest.to_string())
            };
            let exec_form = exec_words(&args);
            let mut heredocs = Vec::new();
            if matches!(keyword.as_str(), "RUN" | "COPY" | "ADD") && exec_form.is_none() {
                for (hname, strip_tabs) in heredoc_names(&args) {
                    let mut body = Vec::new();
                    let mut closed = false;
                    while end < lines.len() {
                        let l = lines[end];
                        end += 1;
                        let cmp = if strip_tabs {
                            l.trim_start_matches('\t')
                        } else {
                            l
                        };
                        if cmp == hname {
                            closed = true;
                            break;
                        }
                        body.push(cmp.to_string());
                    }
                    if !closed {
                        return Err(Error::Usage(format!(
                            "{name}:{}: heredoc <<{hname} is never closed",
                            start + 1
                        )));
                    }
                    heredocs.push(Heredoc {
                        name: hname,
                        body: body.join("\n"),
                    });
                }
                i = end;
            }
            let stage = if keyword == "FROM" {
                let words: Vec<&str> = args.split_whitespace().collect();
                let base = words.first().copied().unwrap_or("").to_string();
                let stage_name = match words.as_slice() {
                    [_, as_, n, ..] if as_.eq_ignore_ascii_case("as") => {
                        Some(n.to_ascii_lowercase())
                    }
                    _ => None,
                };
                if base.is_empty() {
                    return Err(Error::Usage(format!(
                        "{name}:{}: FROM needs an image",
                        start + 1
                    )));
                }
                stages.push(Stage {
                    from: instructions.len(),
                    base,
                    name: stage_name,
                });
                Some(stages.len() - 1)
            } else if stages.is_empty() {
                if keyword != "ARG" {
                    return Err(Error::Usage(format!(
                        "{name}:{}: {keyword} before the first FROM (only ARG may come first)",
                        start + 1
                    )));
                }
                None
            } else {
                Some(stages.len() - 1)
            };
            instructions.push(Instruction {
                keyword,
                line: (start + 1) as u32,
                end_line: end as u32,
                flags,
                args,
                exec_form,
                heredocs,
                stage,
            });
        }
        if stages.is_empty() {
            return Err(Error::Usage(format!("{name}: no FROM instruction")));
        }
        Ok(Dockerfile {
            text: text.to_string(),
            syntax,
            escape,
            instructions,
            stages,
        })
    }

    /// The instructions of the final stage, its `FROM` first.
    pub fn final_stage(&self) -> &[Instruction] {
        let from = self.stages.last().map_or(0, |s| s.from);
        &self.instructions[from..]
    }

    /// Index into `instructions` of the final stage's `FROM`.
    pub fn final_from(&self) -> usize {
        self.stages.last().map_or(0, |s| s.from)
    }

    /// The file's lines, without their line endings.
    pub fn lines(&self) -> Vec<&str> {
        self.text
            .split_inclusive('\n')
            .map(|l| l.trim_end_matches(['\n', '\r']))
            .collect()
    }
}

/// `# key=value` → (key lower-cased, value).
fn directive(line: &str) -> Option<(String, String)> {
    let rest = line.trim().strip_prefix('#')?;
    let (k, v) = rest.split_once('=')?;
    let k = k.trim();
    if k.is_empty() || !k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return None;
    }
    Some((k.to_ascii_lowercase(), v.trim().to_string()))
}

/// Leading `--flag[=value]` words, then the rest.
fn split_flags(rest: &str) -> (Vec<String>, String) {
    let mut flags = Vec::new();
    let mut s = rest.trim_start();
    while s.starts_with("--") {
        let (f, tail) = match s.split_once(char::is_whitespace) {
            Some((f, t)) => (f, t.trim_start()),
            None => (s, ""),
        };
        flags.push(f.to_string());
        s = tail;
    }
    (flags, s.to_string())
}

/// The words of a JSON array of strings, else None (shell form).
pub(crate) fn exec_words(args: &str) -> Option<Vec<String>> {
    let t = args.trim();
    if !t.starts_with('[') {
        return None;
    }
    serde_json::from_str::<Vec<String>>(t).ok()
}

/// The heredocs a shell-form command opens: `<<EOF`, `<<-EOF`, `<<"EOF"`,
/// `<<'EOF'` (not `<<<`), in order, with whether tabs are stripped.
fn heredoc_names(args: &str) -> Vec<(String, bool)> {
    let b = args.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i + 1 < b.len() {
        if b[i] == b'<' && b[i + 1] == b'<' && b.get(i + 2) == Some(&b'<') {
            i += 3;
        } else if b[i] == b'<' && b[i + 1] == b'<' {
            let mut j = i + 2;
            let strip = b.get(j) == Some(&b'-');
            if strip {
                j += 1;
            }
            let quote = match b.get(j) {
                Some(&q @ (b'"' | b'\'')) => {
                    j += 1;
                    Some(q)
                }
                _ => None,
            };
            let s = j;
            while j < b.len() && (b[j].is_ascii_alphanumeric() || b[j] == b'_') {
                j += 1;
            }
            if j > s && (quote.is_none() || b.get(j) == quote.as_ref()) {
                out.push((args[s..j].to_string(), strip));
            }
            i = j.max(i + 2);
        } else {
            i += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Dockerfile {
        Dockerfile::parse(s, "Dockerfile").unwrap()
    }

    #[test]
    fn continuations_comments_and_spans() {
        let d = p("FROM debian:12\n# a comment\nRUN apt-get update \\\n    # inside\n    && apt-get install -y curl\n\nCMD [\"curl\", \"-V\"]\n");
        let k: Vec<_> = d
            .instructions
            .iter()
            .map(|i| (i.keyword.as_str(), i.line, i.end_line))
            .collect();
        assert_eq!(k, [("FROM", 1, 1), ("RUN", 3, 5), ("CMD", 7, 7)]);
        assert_eq!(
            d.instructions[1].args,
            "apt-get update     && apt-get install -y curl"
        );
        assert_eq!(
            d.instructions[2].exec_form.as_deref(),
            Some(&["curl".to_string(), "-V".to_string()][..])
        );
        assert_eq!(d.instructions[1].exec_form, None);
    }

    #[test]
    fn directives_and_escape() {
        let d = p("# syntax=docker/dockerfile:1\n# escape=`\nFROM scratch\nRUN a `\n  b\n");
        assert_eq!(d.syntax.as_deref(), Some("docker/dockerfile:1"));
        assert_eq!(d.escape, '`');
        assert_eq!(d.instructions[1].args, "a   b");
        assert_eq!((d.instructions[1].line, d.instructions[1].end_line), (4, 5));
        // A directive after a comment is a comment.
        let d = p("# hello\n# syntax=x\nFROM scratch\n");
        assert_eq!(d.syntax, None);
        assert!(Dockerfile::parse("# escape=x\nFROM a\n", "D").is_err());
    }

    #[test]
    fn heredocs_belong_to_their_instruction() {
        let d = p("FROM alpine\nRUN <<EOF\nFROM not-this\napk add x\nEOF\nCOPY <<-'A' /a\n\tbody\n\tA\nCMD x\n");
        let k: Vec<_> = d
            .instructions
            .iter()
            .map(|i| (i.keyword.as_str(), i.line, i.end_line))
            .collect();
        assert_eq!(
            k,
            [("FROM", 1, 1), ("RUN", 2, 5), ("COPY", 6, 8), ("CMD", 9, 9)]
        );
        assert_eq!(
            d.instructions[1].heredocs[0].body,
            "FROM not-this\napk add x"
        );
        assert_eq!(d.instructions[2].heredocs[0].body, "body");
        assert!(Dockerfile::parse("FROM a\nRUN <<EOF\nx\n", "D").is_err());
        // `<<<` is a here-string, not a heredoc.
        let d = p("FROM a\nRUN cat <<<hi\nCMD x\n");
        assert_eq!(d.instructions.len(), 3);
    }

    #[test]
    fn stages_args_flags() {
        let d = p("ARG V=1\nFROM --platform=linux/amd64 golang:${V} AS Build\nRUN --mount=type=cache,target=/root/.cache/go-build --network=none go build\nFROM scratch\nCOPY --from=build /out/app /app\n");
        assert_eq!(d.instructions[0].stage, None);
        assert_eq!(d.stages.len(), 2);
        assert_eq!(d.stages[0].name.as_deref(), Some("build"));
        assert_eq!(d.stages[0].base, "golang:${V}");
        assert_eq!(
            d.instructions[2].flags,
            [
                "--mount=type=cache,target=/root/.cache/go-build",
                "--network=none"
            ]
        );
        assert_eq!(d.instructions[2].args, "go build");
        assert_eq!(d.instructions[4].flag("from"), Some("build"));
        assert_eq!(d.final_stage().len(), 2);
        assert_eq!(d.final_stage()[0].keyword, "FROM");
    }

    #[test]
    fn errors_name_the_line() {
        let e = Dockerfile::parse("FROM a\n!!! x\n", "Dockerfile")
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("Dockerfile:2: not an instruction"), "{e}");
        let e = Dockerfile::parse("RUN x\n", "D").unwrap_err().to_string();
        assert!(e.contains("D:1: RUN before the first FROM"), "{e}");
        let e = Dockerfile::parse("# only\n", "D").unwrap_err().to_string();
        assert_eq!(e, "D: no FROM instruction");
    }

    #[test]
    fn crlf_lines() {
        let d = p("FROM a\r\nRUN x \\\r\n  y\r\n");
        assert_eq!(d.instructions[1].args, "x   y");
        assert_eq!(d.instructions[1].end_line, 3);
    }
}
