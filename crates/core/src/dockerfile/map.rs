//! Which instruction of the final stage made each layer: the config history
//! aligned with the Dockerfile, from the top, by instruction and normalised
//! command text (docs/dockerfile.md, "Mapping layers to lines").

use super::parse::{Dockerfile, Instruction};
use crate::source::HistoryEntry;

/// A history entry's `created_by` as (keyword, normalised text).
///
/// - classic builder: `/bin/sh -c #(nop) COPY file:… in /app ` (metadata
///   and COPY/ADD), `/bin/sh -c apt-get update` (RUN),
///   `|2 A=1 B=2 /bin/sh -c make` (RUN with build args);
/// - BuildKit: `RUN /bin/sh -c make # buildkit`,
///   `RUN |1 A=1 /bin/sh -c make # buildkit`, `COPY . /app # buildkit`,
///   `ENV A=1`;
/// - buildah: the classic forms, RUN flags after `-c`
///   (`/bin/sh -c --mount=type=bind,… cmd`).
pub fn history_step(created_by: &str) -> (String, String) {
    let mut s = created_by.trim();
    if let Some(rest) = s.strip_suffix("# buildkit") {
        s = rest.trim_end();
    }
    let mut had_run = false;
    if let Some(rest) = s.strip_prefix("RUN ") {
        s = rest.trim_start();
        had_run = true;
    }
    s = strip_build_args(s);
    s = strip_flags(s);
    for shell in [
        "/bin/sh -c ",
        "/bin/bash -c ",
        "/bin/sh -o pipefail -c ",
        "/bin/bash -o pipefail -c ",
    ] {
        if let Some(rest) = s.strip_prefix(shell) {
            let rest = rest.trim_start();
            if let Some(nop) = rest.strip_prefix("#(nop)") {
                let nop = nop.trim();
                let (k, a) = nop.split_once(' ').unwrap_or((nop, ""));
                return (k.to_ascii_uppercase(), norm(a));
            }
            return ("RUN".into(), norm(strip_flags(rest)));
        }
    }
    if had_run {
        return ("RUN".into(), norm(s));
    }
    match s.split_once(' ') {
        Some((k, a)) if k.chars().all(|c| c.is_ascii_uppercase()) => {
            (k.to_string(), norm(strip_flags(a)))
        }
        None if !s.is_empty() && s.chars().all(|c| c.is_ascii_uppercase()) => {
            (s.to_string(), String::new())
        }
        _ => (String::new(), norm(s)),
    }
}

/// `|N K=V … ` (build args in front of a RUN).
fn strip_build_args(s: &str) -> &str {
    let Some(rest) = s.strip_prefix('|') else {
        return s;
    };
    let Some((n, mut tail)) = rest.split_once(' ') else {
        return s;
    };
    let Ok(n) = n.parse::<usize>() else {
        return s;
    };
    for _ in 0..n {
        tail = tail.split_once(' ').map_or("", |x| x.1);
    }
    tail.trim_start()
}

/// Leading `--flag=value` words.
fn strip_flags(mut s: &str) -> &str {
    while s.starts_with("--") {
        s = s.split_once(' ').map_or("", |x| x.1).trim_start();
    }
    s
}

/// Whitespace runs collapsed to one space.
pub fn norm(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The last word (the destination of COPY/ADD), without a trailing `/`.
fn dest(s: &str) -> String {
    let last = match super::parse::exec_words(s) {
        Some(w) => w.last().cloned().unwrap_or_default(),
        None => s.split_whitespace().last().unwrap_or("").to_string(),
    };
    let t = last.trim_end_matches('/');
    if t.is_empty() && !last.is_empty() {
        "/".into()
    } else {
        t.into()
    }
}

/// Does instruction `ins` explain history entry (keyword, text)?
fn matches(ins: &Instruction, keyword: &str, text: &str) -> bool {
    if ins.keyword != keyword {
        return false;
    }
    match keyword {
        "RUN" => {
            let mut forms = vec![norm(&ins.args)];
            if let Some(w) = &ins.exec_form {
                forms.push(norm(&w.join(" ")));
            }
            if !ins.heredocs.is_empty() {
                let mut full = ins.args.clone();
                for h in &ins.heredocs {
                    full.push('\n');
                    full.push_str(&h.body);
                    full.push('\n');
                    full.push_str(&h.name);
                }
                forms.push(norm(&full));
            }
            let squeeze = |s: &str| s.split_whitespace().collect::<String>();
            forms
                .iter()
                .any(|f| f == text || squeeze(f) == squeeze(text))
        }
        "COPY" | "ADD" => {
            // The classic/buildah form names content (`dir:…`, `file:…`),
            // not sources: the destination is what both keep.
            let t = text.strip_suffix(" in").unwrap_or(text);
            let d = match t.rsplit_once(" in ") {
                Some((_, d)) => d.trim_end_matches('/').to_string(),
                None => dest(t),
            };
            let d = if d.is_empty() { "/".into() } else { d };
            dest(&ins.args) == d
        }
        _ => true,
    }
}

/// Where one layer came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LayerLine {
    /// Index into [`Dockerfile::instructions`].
    pub instruction: usize,
    /// The base image's layers map to the final stage's FROM.
    pub base: bool,
}

/// The result of aligning an image's history with a Dockerfile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mapping {
    /// Per layer (bottom first): the instruction that made it; all `None`
    /// when the alignment failed.
    pub layers: Vec<Option<LayerLine>>,
    /// Why the image does not match the file (then `layers` is all None).
    pub mismatch: Option<Mismatch>,
}

/// The first place where history and file disagree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mismatch {
    /// The Dockerfile line concerned, if any.
    pub line: Option<u32>,
    /// The 1-based layer concerned, if any.
    pub layer: Option<usize>,
    pub why: String,
}

/// Align `history` (the config's, empty layers included) with the final
/// stage of `df`, for an image of `layer_count` layers.
pub fn map_layers(df: &Dockerfile, history: &[HistoryEntry], layer_count: usize) -> Mapping {
    let fail = |line, layer, why: String| Mapping {
        layers: vec![None; layer_count],
        mismatch: Some(Mismatch { line, layer, why }),
    };
    let made = history.iter().filter(|h| !h.empty_layer).count();
    if history.is_empty() {
        return fail(None, None, "the image has no build history".into());
    }
    if made != layer_count {
        return fail(
            None,
            None,
            format!("the history names {made} layers, the image has {layer_count}"),
        );
    }
    // Layer number (1-based) of each history entry that made one.
    let mut layer_of = Vec::with_capacity(history.len());
    let mut n = 0;
    for h in history {
        if h.empty_layer {
            layer_of.push(None);
        } else {
            n += 1;
            layer_of.push(Some(n));
        }
    }
    let from = df.final_from();
    let stage = &df.instructions[from + 1..];
    let mut out: Vec<Option<LayerLine>> = vec![None; layer_count];
    let (mut i, mut j) = (stage.len(), history.len());
    while i > 0 && j > 0 {
        let ins = &stage[i - 1];
        let h = &history[j - 1];
        let (kw, text) = history_step(h.created_by.as_deref().unwrap_or(""));
        if matches(ins, &kw, &text) {
            if let Some(l) = layer_of[j - 1] {
                out[l - 1] = Some(LayerLine {
                    instruction: from + i,
                    base: false,
                });
            }
            i -= 1;
            j -= 1;
        } else if !ins.makes_layer() {
            // An instruction some builders record no history for (ARG in
            // buildah, ONBUILD, …).
            i -= 1;
        } else if h.empty_layer && !matches!(kw.as_str(), "RUN" | "COPY" | "ADD") {
            // A metadata entry the file has no line for (a label the
            // builder added).
            j -= 1;
        } else {
            let shown = crate::analysis::shorten(h.created_by.as_deref().unwrap_or(""), 60);
            return fail(
                Some(ins.line),
                layer_of[j - 1],
                format!(
                    "line {} ({} {}) does not match {} (`{shown}`)",
                    ins.line,
                    ins.keyword,
                    crate::analysis::shorten(&ins.args, 40),
                    match layer_of[j - 1] {
                        Some(l) => format!("layer {l}"),
                        None => format!("history entry {j}"),
                    }
                ),
            );
        }
    }
    if let Some(ins) = stage[..i].iter().find(|x| x.makes_layer()) {
        return fail(
            Some(ins.line),
            None,
            format!(
                "line {} ({}) made no layer of the image: the history is shorter than the file",
                ins.line, ins.keyword
            ),
        );
    }
    // What is left below is the base image.
    let base_layers: Vec<usize> = layer_of[..j].iter().flatten().copied().collect();
    if !base_layers.is_empty() && df.stages.last().is_some_and(|s| s.base == "scratch") {
        return fail(
            Some(df.instructions[from].line),
            base_layers.first().copied(),
            format!(
                "the file starts FROM scratch but the image has {} more layer{} below its steps",
                base_layers.len(),
                if base_layers.len() == 1 { "" } else { "s" }
            ),
        );
    }
    for l in base_layers {
        out[l - 1] = Some(LayerLine {
            instruction: from,
            base: true,
        });
    }
    Mapping {
        layers: out,
        mismatch: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(created_by: &str, empty: bool) -> HistoryEntry {
        HistoryEntry {
            created_by: Some(created_by.into()),
            empty_layer: empty,
        }
    }

    #[test]
    fn history_forms() {
        let c = |s| history_step(s);
        assert_eq!(
            c("/bin/sh -c apt-get  update"),
            ("RUN".into(), "apt-get update".into())
        );
        assert_eq!(
            c("/bin/sh -c #(nop) COPY dir:abc in /app/ "),
            ("COPY".into(), "dir:abc in /app/".into())
        );
        assert_eq!(c("/bin/sh -c #(nop) ENV A=1"), ("ENV".into(), "A=1".into()));
        assert_eq!(
            c("|2 A=1 B=2 /bin/sh -c make"),
            ("RUN".into(), "make".into())
        );
        assert_eq!(
            c("RUN |1 A=1 /bin/sh -c make x # buildkit"),
            ("RUN".into(), "make x".into())
        );
        assert_eq!(
            c("RUN /bin/sh -c make # buildkit"),
            ("RUN".into(), "make".into())
        );
        assert_eq!(
            c("RUN --mount=type=cache,target=/x /bin/sh -c pip install a # buildkit"),
            ("RUN".into(), "pip install a".into())
        );
        assert_eq!(
            c("COPY --from=build /out /app # buildkit"),
            ("COPY".into(), "/out /app".into())
        );
        assert_eq!(
            c("/bin/sh -c --mount=type=bind,source=bb,target=/bin/sh rm /x"),
            ("RUN".into(), "rm /x".into())
        );
        assert_eq!(c("WORKDIR /app"), ("WORKDIR".into(), "/app".into()));
    }

    const FILE: &str = "ARG BASE=debian\nFROM debian:12\nENV A=1\nARG V\nRUN apt-get update && \\\n    apt-get install -y curl\nCOPY app/ /app/\nCMD [\"x\"]\n";

    #[test]
    fn aligns_from_the_top_and_maps_base_layers_to_from() {
        let df = Dockerfile::parse(FILE, "D").unwrap();
        let hist = [
            h("/bin/sh -c #(nop) ADD file:deadbeef in / ", false),
            h("/bin/sh -c #(nop)  CMD [\"bash\"]", true),
            h("/bin/sh -c #(nop) ENV A=1", true),
            h(
                "|1 V=2 /bin/sh -c apt-get update &&     apt-get install -y curl",
                false,
            ),
            h("/bin/sh -c #(nop) COPY dir:cafe in /app/ ", false),
            h("/bin/sh -c #(nop) CMD [\"x\"]", true),
        ];
        let m = map_layers(&df, &hist, 3);
        assert_eq!(m.mismatch, None);
        let lines: Vec<_> = m
            .layers
            .iter()
            .map(|l| {
                l.as_ref()
                    .map(|l| (df.instructions[l.instruction].line, l.base))
            })
            .collect();
        assert_eq!(lines, [Some((2, true)), Some((5, false)), Some((7, false))]);
    }

    #[test]
    fn buildkit_history() {
        let df = Dockerfile::parse(FILE, "D").unwrap();
        let hist = [
            h("# debian.sh --arch 'amd64' out/ 'bookworm' '@1'", false),
            h("ENV A=1", true),
            h("ARG V", true),
            h(
                "RUN |1 V=2 /bin/sh -c apt-get update &&     apt-get install -y curl # buildkit",
                false,
            ),
            h("COPY app/ /app/ # buildkit", false),
            h("CMD [\"x\"]", true),
        ];
        let m = map_layers(&df, &hist, 3);
        assert_eq!(m.mismatch, None);
        assert_eq!(m.layers[1].as_ref().unwrap().instruction, 4);
    }

    #[test]
    fn mismatches_are_reported_not_guessed() {
        let df = Dockerfile::parse(FILE, "D").unwrap();
        let hist = [
            h("/bin/sh -c #(nop) ADD file:deadbeef in / ", false),
            h("/bin/sh -c apt-get update", false),
            h("/bin/sh -c #(nop) COPY dir:cafe in /app/ ", false),
        ];
        let m = map_layers(&df, &hist, 3);
        assert!(m.layers.iter().all(Option::is_none));
        let mm = m.mismatch.unwrap();
        assert_eq!(mm.line, Some(5));
        assert_eq!(mm.layer, Some(2));
        // Counts disagree.
        let m = map_layers(&df, &hist, 4);
        assert!(m
            .mismatch
            .unwrap()
            .why
            .contains("names 3 layers, the image has 4"));
        // FROM scratch with base layers left over.
        let df = Dockerfile::parse("FROM scratch\nCOPY a /a\n", "D").unwrap();
        let m = map_layers(
            &df,
            &[
                h("ADD x in /", false),
                h("/bin/sh -c #(nop) COPY file:1 in /a ", false),
            ],
            2,
        );
        assert!(m.mismatch.unwrap().why.contains("FROM scratch"));
    }
}
