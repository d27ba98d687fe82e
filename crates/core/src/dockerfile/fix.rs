//! `layerscope fix`: the measured remedies as edits of the Dockerfile.
//!
//! Every byte a remedy is predicted to save is a regular-file inode of the
//! analysis that the patched build no longer writes, each inode counted once
//! (docs/dockerfile.md, "Remedies"). Nothing is recomputed from the files:
//! the figures are the analysis's.

use std::collections::BTreeMap;

use globset::GlobBuilder;

use super::map::Mapping;
use super::parse::{Dockerfile, Instruction};
use super::shell::{parts, tokens, Part, Tok};
use crate::analysis::Analysis;
use crate::overlay::Cause;

/// One applied (or suggested) remedy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FixEdit {
    /// The first line of the instruction it changes (in the original file).
    pub line: u32,
    /// Its last line (continuations and heredocs included).
    pub end_line: u32,
    /// Content bytes the patched build no longer writes.
    pub bytes: u64,
    /// The finding it answers (`removed-later`, `apt-lists`, `pip`, …).
    pub finding: String,
    /// What was done, in words.
    pub description: String,
}

/// The plan: edits, their total, and the patched file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FixPlan {
    pub edits: Vec<FixEdit>,
    pub predicted_saving_bytes: u64,
    /// The patched Dockerfile (equal to the original when nothing applies).
    pub patched: String,
}

/// A regular-file inode with bytes.
struct Ino {
    /// Its index in the overlay's inodes.
    id: usize,
    /// Layer that added it (1-based).
    layer: usize,
    size: u64,
    /// Layer that hid it and how.
    gone: Option<(usize, Cause)>,
    path: String,
    /// Every name: the path and the hardlinks its layer made to it.
    names: Vec<String>,
    rule: Option<String>,
}

/// Pending changes to one instruction's raw text.
#[derive(Default, Clone)]
struct Rewrite {
    delete: bool,
    /// Byte ranges of the raw text removed.
    cuts: Vec<(usize, usize)>,
    /// (offset, text) insertions.
    inserts: Vec<(usize, String)>,
    /// Comment lines put above the instruction (a suggestion, not applied).
    comment_above: Vec<String>,
    /// Commands appended with `&&`.
    appends: Vec<String>,
    /// Instructions merged into this one (their commands appended, their
    /// lines deleted).
    merged: Vec<usize>,
}

struct Planner<'a> {
    a: &'a Analysis,
    df: &'a Dockerfile,
    lines: Vec<&'a str>,
    /// Layer (1-based) → instruction index, for the final stage's own steps.
    step_of: BTreeMap<usize, usize>,
    inos: Vec<Ino>,
    claimed: Vec<bool>,
    rw: BTreeMap<usize, Rewrite>,
    edits: Vec<FixEdit>,
}

const APT_LISTS_RM: &str = "rm -rf /var/lib/apt/lists/*";

/// Plan the remedies for `a`, built from `df` as `map` says.
pub fn plan(a: &Analysis, df: &Dockerfile, map: &Mapping) -> FixPlan {
    let mut step_of = BTreeMap::new();
    for (i, l) in map.layers.iter().enumerate() {
        if let Some(l) = l.as_ref().filter(|l| !l.base) {
            step_of.insert(i + 1, l.instruction);
        }
    }
    // Hardlinks by (layer, target): an inode is gone only when every
    // name is.
    let mut links: std::collections::HashMap<(usize, &[u8]), Vec<String>> =
        std::collections::HashMap::new();
    for l in &a.image.layers {
        for e in &l.changeset.entries {
            if let (crate::layer::EntryKind::Hardlink, Some(t)) = (e.kind, e.link()) {
                links
                    .entry((l.index.number(), t))
                    .or_default()
                    .push(crate::layer::display_path(&e.path));
            }
        }
    }
    let mut inos = Vec::new();
    for ((id, ino), class) in a.overlay.inode_ids().zip(&a.classes) {
        if ino.size == 0 {
            continue;
        }
        let carrier = &a.carrier(id).path;
        let path = crate::layer::display_path(carrier);
        let mut names = vec![path.clone()];
        if let Some(more) = links.get(&(ino.layer.number(), &carrier[..])) {
            names.extend(more.iter().cloned());
        }
        inos.push(Ino {
            id: id.index(),
            layer: ino.layer.number(),
            size: ino.size,
            gone: ino.gone.map(|g| (g.layer.number(), g.cause)),
            path,
            names,
            rule: class.rule.map(|r| a.rules.rules[r as usize].name.clone()),
        });
    }
    let mut p = Planner {
        a,
        df,
        lines: df.lines(),
        step_of,
        claimed: vec![false; inos.len()],
        inos,
        rw: BTreeMap::new(),
        edits: Vec::new(),
    };
    if map.mismatch.is_none() {
        p.recommends();
        p.apt();
        p.later_cleanup();
        p.caches();
        p.tmp_left();
        p.toolchain();
    }
    let patched = p.render();
    let predicted_saving_bytes = p.edits.iter().map(|e| e.bytes).sum();
    let mut edits = p.edits;
    edits.sort_by_key(|e| e.line);
    FixPlan {
        edits,
        predicted_saving_bytes,
        patched,
    }
}

impl<'a> Planner<'a> {
    fn ins(&self, i: usize) -> &'a Instruction {
        &self.df.instructions[i]
    }

    /// The instruction's lines joined by `\n`.
    fn raw(&self, i: usize) -> String {
        let ins = self.ins(i);
        self.lines[ins.line as usize - 1..ins.end_line as usize].join("\n")
    }

    /// A shell-form RUN without heredocs that `fix` can edit.
    fn editable(&self, i: usize) -> bool {
        let ins = self.ins(i);
        ins.keyword == "RUN" && ins.exec_form.is_none() && ins.heredocs.is_empty()
    }

    /// Tokens of the raw text and the index of the first command token.
    fn command_tokens(&self, i: usize) -> (Vec<Tok>, usize) {
        let t = tokens(&self.raw(i), self.df.escape);
        let mut k = 1;
        while k < t.len() && t[k].text.starts_with("--") && !t[k].op {
            k += 1;
        }
        (t, k)
    }

    /// Claim the unclaimed inodes `pick` selects; their bytes.
    fn claim(&mut self, pick: impl Fn(&Ino) -> bool) -> u64 {
        let mut bytes = 0;
        for (k, ino) in self.inos.iter().enumerate() {
            if !self.claimed[k] && pick(ino) {
                self.claimed[k] = true;
                bytes += ino.size;
            }
        }
        bytes
    }

    fn edit(&mut self, i: usize, bytes: u64, finding: &str, description: String) {
        self.edits.push(FixEdit {
            line: self.ins(i).line,
            end_line: self.ins(i).end_line,
            bytes,
            finding: finding.into(),
            description,
        });
    }

    fn rewrite(&mut self, i: usize) -> &mut Rewrite {
        self.rw.entry(i).or_default()
    }

    fn layer_of(&self, i: usize) -> Option<usize> {
        self.step_of
            .iter()
            .find(|(_, &ins)| ins == i)
            .map(|(&l, _)| l)
    }

    /// `apt-get install` (or `apt install`) without
    /// `--no-install-recommends` in a RUN whose layer installed dpkg
    /// packages only recommended by others: the flag right after each
    /// `install`. The saving is the live inodes those packages own that the
    /// layer added and no other package owns (the rebuilt image loses
    /// exactly these; what the packages themselves depend on is not
    /// counted).
    fn recommends(&mut self) {
        use crate::packages::Manager;
        let pk = &self.a.packages;
        let layers: Vec<(usize, usize)> = self.step_of.iter().map(|(&l, &i)| (l, i)).collect();
        for (l, i) in layers {
            if !self.editable(i) || self.rw.get(&i).is_some_and(|x| x.delete) {
                continue;
            }
            let rec = |p: &crate::packages::Package| {
                p.manager == Manager::Dpkg
                    && p.recommended_only
                    && p.removed_by.is_none()
                    && p.installed_by.map(|x| x.number()) == Some(l)
            };
            let names: Vec<&str> = pk
                .list
                .iter()
                .filter(|p| rec(p))
                .map(|p| p.name.as_str())
                .collect();
            if names.is_empty() {
                continue;
            }
            let (toks, from) = self.command_tokens(i);
            let words: Vec<&str> = toks.iter().map(|t| t.text.as_str()).collect();
            // Already asked (the flag, or apt's own option): never edited.
            if words[from..]
                .iter()
                .any(|w| *w == "--no-install-recommends" || w.contains("Install-Recommends"))
            {
                continue;
            }
            let at: Vec<usize> = (from.max(1)..words.len())
                .filter(|&k| {
                    if toks[k].op || words[k] != "install" {
                        return false;
                    }
                    // `apt-get -y install`: options may come first.
                    let mut j = k - 1;
                    while j > from && !toks[j].op && words[j].starts_with('-') {
                        j -= 1;
                    }
                    !toks[j].op && matches!(words[j].rsplit('/').next(), Some("apt-get" | "apt"))
                })
                .collect();
            if at.is_empty() {
                continue;
            }
            // Inodes of the recommended-only packages no other package
            // keeps.
            let mut lost = std::collections::HashSet::new();
            for p in pk.list.iter().filter(|p| rec(p)) {
                lost.extend(p.inodes.iter().map(|x| x.index()));
            }
            for p in pk.list.iter().filter(|p| !rec(p)) {
                for x in &p.inodes {
                    lost.remove(&x.index());
                }
            }
            let bytes = self.claim(|x| x.layer == l && x.gone.is_none() && lost.contains(&x.id));
            let r = self.rewrite(i);
            for k in at {
                r.inserts
                    .push((toks[k].end, " --no-install-recommends".to_string()));
            }
            self.edit(
                i,
                bytes,
                "recommended-only",
                format!(
                    "`--no-install-recommends`: {} only recommended",
                    names.join(", ")
                ),
            );
        }
    }

    /// `apt-get update` whose lists stay in a layer: one RUN from the
    /// update through the installs that follow it, ending in `apt-get
    /// clean` (when .debs stay) and `rm -rf /var/lib/apt/lists/*`.
    fn apt(&mut self) {
        let layers: Vec<(usize, usize)> = self.step_of.iter().map(|(&l, &i)| (l, i)).collect();
        for (lu, u) in layers {
            if !self.editable(u) || self.rw.get(&u).is_some_and(|r| r.delete) {
                continue;
            }
            let args = &self.ins(u).args;
            if !(args.contains("apt-get update") || args.contains("apt update")) {
                continue;
            }
            let lists_here = self
                .inos
                .iter()
                .any(|x| x.layer == lu && x.rule.as_deref() == Some("apt-lists"));
            if !lists_here {
                continue;
            }
            // The installs right after it (adjacent RUNs, comments between).
            let mut group = vec![(lu, u)];
            let mut next = u + 1;
            while next < self.df.instructions.len() && self.editable(next) {
                let a = &self.ins(next).args;
                if !(a.contains("apt-get install") || a.contains("apt install")) {
                    break;
                }
                // The merged RUN keeps the update's flags: only RUNs that
                // need no other mount or network join it.
                let uflags = &self.ins(u).flags;
                if !self.ins(next).flags.iter().all(|f| uflags.contains(f)) {
                    break;
                }
                match self.layer_of(next) {
                    Some(l) => group.push((l, next)),
                    None => break,
                }
                next += 1;
            }
            let g: Vec<usize> = group.iter().map(|x| x.0).collect();
            let installs = group.len() > 1 || args.contains("install");
            if !installs {
                continue;
            }
            let within =
                self.claim(|x| g.contains(&x.layer) && x.gone.is_some_and(|(h, _)| g.contains(&h)));
            let lists =
                self.claim(|x| g.contains(&x.layer) && x.rule.as_deref() == Some("apt-lists"));
            let debs =
                self.claim(|x| g.contains(&x.layer) && x.rule.as_deref() == Some("apt-archives"));
            let logs = self.claim(|x| {
                g.contains(&x.layer)
                    && x.gone.is_none()
                    && (x.path.starts_with("/var/log/apt/") || x.path == "/var/log/dpkg.log")
            });
            let merged: Vec<usize> = group[1..].iter().map(|x| x.1).collect();
            for &m in &merged {
                self.rewrite(m).delete = true;
            }
            let r = self.rewrite(u);
            r.merged.extend(merged.iter().copied());
            if debs > 0 {
                r.appends.push("apt-get clean".into());
            }
            if logs > 0 {
                r.appends
                    .push("rm -rf /var/log/apt/* /var/log/dpkg.log".into());
            }
            r.appends.push(APT_LISTS_RM.into());
            let lines: Vec<String> = group
                .iter()
                .map(|x| self.ins(x.1).line.to_string())
                .collect();
            self.edit(
                u,
                within + lists + debs + logs,
                "apt-lists",
                format!(
                    "one RUN for apt-get update and install (line{} {}), ending in {}{}{}",
                    if lines.len() == 1 { "" } else { "s" },
                    lines.join(", "),
                    if debs > 0 { "`apt-get clean`, " } else { "" },
                    if logs > 0 {
                        "the apt logs' removal, "
                    } else {
                        ""
                    },
                    format_args!("`{APT_LISTS_RM}`"),
                ),
            );
        }
    }

    /// `rm` in a later RUN of files an earlier RUN made: the paths move
    /// into the RUN that made them; a RUN left empty goes.
    fn later_cleanup(&mut self) {
        let layers: Vec<(usize, usize)> = self.step_of.iter().map(|(&l, &i)| (l, i)).collect();
        for (lr, r) in layers {
            if !self.editable(r) || self.rw.get(&r).is_some_and(|x| x.delete) {
                continue;
            }
            let (toks, from) = self.command_tokens(r);
            let ps = parts(&toks, from);
            let mut parts_left = ps.len();
            let mut cut_parts = Vec::new();
            let mut cut_words = Vec::new();
            // creator instruction → (args, bytes)
            let mut moves: BTreeMap<usize, (Vec<String>, u64)> = BTreeMap::new();
            let mut dropped_bytes = 0u64;
            let mut dropped = Vec::new();
            for part in &ps {
                let Some(args) = rm_args(&toks, part) else {
                    continue;
                };
                let mut kept = 0;
                for &w in &args {
                    let arg = toks[w].text.clone();
                    let Some(glob) = GlobBuilder::new(&arg)
                        .literal_separator(true)
                        .build()
                        .ok()
                        .map(|g| g.compile_matcher())
                    else {
                        kept += 1;
                        continue;
                    };
                    let covers = |x: &Ino| {
                        x.names
                            .iter()
                            .all(|n| ancestors(n).any(|p| glob.is_match(p)))
                    };
                    let hit = |x: &Ino| {
                        x.gone.is_some_and(|(h, c)| h == lr && c == Cause::Removed)
                            && x.layer != lr
                            && x.names
                                .iter()
                                .any(|n| ancestors(n).any(|p| glob.is_match(p)))
                    };
                    let hits: Vec<usize> = (0..self.inos.len())
                        .filter(|&k| hit(&self.inos[k]))
                        .collect();
                    if hits.is_empty() {
                        kept += 1;
                        continue;
                    }
                    if hits.iter().all(|&k| self.claimed[k]) {
                        // Already gone with an earlier remedy (the apt
                        // lists): the word has nothing left to remove.
                        cut_words.push(w);
                        dropped.push(arg);
                        continue;
                    }
                    // Every creator must be an editable RUN of this stage,
                    // no RUN between may name the path, and apt lists stay
                    // until the install.
                    let creators: Vec<usize> = {
                        let mut c: Vec<usize> = hits.iter().map(|&k| self.inos[k].layer).collect();
                        c.sort_unstable();
                        c.dedup();
                        c
                    };
                    let prefix = literal_prefix(&arg);
                    let ok = creators.iter().all(|l| {
                        self.step_of.get(l).is_some_and(|&ci| {
                            self.editable(ci)
                                && !self.rw.get(&ci).is_some_and(|x| x.delete)
                                && (ci + 1..r).all(|m| !self.ins(m).args.contains(prefix.as_str()))
                        })
                    }) && hits.iter().all(|&k| {
                        self.inos[k].rule.as_deref() != Some("apt-lists") && covers(&self.inos[k])
                    });
                    if !ok {
                        kept += 1;
                        continue;
                    }
                    for l in creators {
                        let ci = self.step_of[&l];
                        let bytes = self.claim(|x| x.layer == l && hit(x));
                        let e = moves.entry(ci).or_default();
                        e.0.push(arg.clone());
                        e.1 += bytes;
                    }
                    cut_words.push(w);
                }
                if kept == 0 {
                    cut_parts.push(part.clone());
                    parts_left -= 1;
                }
            }
            if moves.is_empty() && cut_words.is_empty() {
                continue;
            }
            for (ci, (args, bytes)) in moves {
                self.rewrite(ci)
                    .appends
                    .push(format!("rm -rf {}", args.join(" ")));
                let from_line = self.ins(r).line;
                self.edit(
                    ci,
                    bytes,
                    "removed-later",
                    format!(
                        "remove {} here, in the RUN that creates it, not in line {from_line}",
                        args.join(" ")
                    ),
                );
            }
            if parts_left == 0 {
                self.rewrite(r).delete = true;
            } else {
                let cuts = cut_ranges(&toks, &ps, &cut_parts, &cut_words);
                self.rewrite(r).cuts.extend(cuts);
            }
            if !dropped.is_empty() {
                dropped_bytes += 0;
                let what = if parts_left == 0 {
                    "the RUN goes".to_string()
                } else {
                    format!("{} no longer needed", dropped.join(" "))
                };
                self.edit(r, dropped_bytes, "removed-later", what);
            } else if parts_left == 0 {
                self.edit(r, 0, "removed-later", "the RUN left empty goes".into());
            }
        }
    }

    /// Live caches of package managers: the clean flag in the RUN that
    /// fills them.
    fn caches(&mut self) {
        let layers: Vec<(usize, usize)> = self.step_of.iter().map(|(&l, &i)| (l, i)).collect();
        for (l, i) in layers {
            if !self.editable(i) || self.rw.get(&i).is_some_and(|x| x.delete) {
                continue;
            }
            let (toks, from) = self.command_tokens(i);
            let words: Vec<&str> = toks.iter().map(|t| t.text.as_str()).collect();
            for rule in ["pip", "npm", "yarn", "apk"] {
                let has = self.inos.iter().enumerate().any(|(k, x)| {
                    !self.claimed[k] && x.layer == l && x.rule.as_deref() == Some(rule)
                });
                if !has {
                    continue;
                }
                match rule {
                    "pip" => {
                        let Some(at) = (from..words.len()).find(|&k| {
                            words[k] == "install"
                                && k > 0
                                && (words[k - 1] == "pip"
                                    || words[k - 1] == "pip3"
                                    || words[k - 1].ends_with("/pip")
                                    || words[k - 1].ends_with("/pip3"))
                        }) else {
                            continue;
                        };
                        if words.contains(&"--no-cache-dir") {
                            continue;
                        }
                        let bytes =
                            self.claim(|x| x.layer == l && x.rule.as_deref() == Some("pip"));
                        if self.df.syntax.is_some() {
                            let target = self
                                .inos
                                .iter()
                                .find(|x| x.layer == l && x.rule.as_deref() == Some("pip"))
                                .and_then(|x| {
                                    x.path
                                        .find(".cache/pip")
                                        .map(|p| x.path[..p + 10].to_string())
                                })
                                .unwrap_or_else(|| "/root/.cache/pip".into());
                            let flag = format!("--mount=type=cache,target={target}");
                            if self.ins(i).flags.iter().any(|f| {
                                f.starts_with("--mount=") && f.contains(&format!("target={target}"))
                            }) {
                                continue;
                            }
                            let end = toks[0].end;
                            self.rewrite(i).inserts.push((end, format!(" {flag}")));
                            self.edit(
                                i,
                                bytes,
                                "pip",
                                format!("pip's cache in a cache mount: `{flag}`"),
                            );
                        } else {
                            let end = toks[at].end;
                            self.rewrite(i)
                                .inserts
                                .push((end, " --no-cache-dir".into()));
                            self.edit(i, bytes, "pip", "`pip install --no-cache-dir`".into());
                        }
                    }
                    "npm" => {
                        let runs = (from..words.len()).any(|k| {
                            words[k] == "npm"
                                && matches!(words.get(k + 1), Some(&("install" | "ci" | "i")))
                        });
                        if !runs || self.ins(i).args.contains("npm cache clean") {
                            continue;
                        }
                        let bytes =
                            self.claim(|x| x.layer == l && x.rule.as_deref() == Some("npm"));
                        self.rewrite(i)
                            .appends
                            .push("npm cache clean --force".into());
                        self.edit(
                            i,
                            bytes,
                            "npm",
                            "`npm cache clean --force` in the same RUN".into(),
                        );
                    }
                    "yarn" => {
                        let runs = (from..words.len()).any(|k| words[k] == "yarn");
                        if !runs || self.ins(i).args.contains("yarn cache clean") {
                            continue;
                        }
                        let bytes =
                            self.claim(|x| x.layer == l && x.rule.as_deref() == Some("yarn"));
                        self.rewrite(i).appends.push("yarn cache clean".into());
                        self.edit(
                            i,
                            bytes,
                            "yarn",
                            "`yarn cache clean` in the same RUN".into(),
                        );
                    }
                    _ => {
                        let Some(at) = (from..words.len())
                            .find(|&k| words[k] == "add" && k > 0 && words[k - 1] == "apk")
                        else {
                            continue;
                        };
                        if words.contains(&"--no-cache") {
                            continue;
                        }
                        let bytes =
                            self.claim(|x| x.layer == l && x.rule.as_deref() == Some("apk"));
                        let end = toks[at].end;
                        self.rewrite(i).inserts.push((end, " --no-cache".into()));
                        self.edit(i, bytes, "apk", "`apk add --no-cache`".into());
                    }
                }
            }
        }
    }

    /// Temporary files a RUN leaves live: removed in that RUN.
    fn tmp_left(&mut self) {
        let layers: Vec<(usize, usize)> = self.step_of.iter().map(|(&l, &i)| (l, i)).collect();
        for (l, i) in layers {
            if !self.editable(i) || self.rw.get(&i).is_some_and(|x| x.delete) {
                continue;
            }
            // The top entries under /tmp or /var/tmp holding live bytes.
            let mut tops: Vec<String> = self
                .inos
                .iter()
                .enumerate()
                .filter(|(k, x)| {
                    !self.claimed[*k]
                        && x.layer == l
                        && x.gone.is_none()
                        && x.rule.as_deref() == Some("tmp")
                })
                .filter_map(|(_, x)| tmp_top(&x.path))
                .collect();
            tops.sort();
            tops.dedup();
            // Only names a later step does not use.
            tops.retain(|t| {
                safe_word(t)
                    && (i + 1..self.df.instructions.len())
                        .all(|m| !self.ins(m).args.contains(t.as_str()))
            });
            let cmd = format!("rm -rf {}", tops.join(" "));
            if tops.is_empty() || self.ins(i).args.contains(&cmd) {
                continue;
            }
            let bytes = self.claim(|x| {
                x.layer == l
                    && x.gone.is_none()
                    && tops
                        .iter()
                        .any(|t| x.path == *t || x.path.starts_with(&format!("{t}/")))
            });
            self.rewrite(i).appends.push(cmd);
            self.edit(
                i,
                bytes,
                "tmp",
                format!("remove {} in the RUN that creates it", tops.join(" ")),
            );
        }
    }

    /// A build toolchain live in the final image: a multi-stage skeleton
    /// as a comment above the RUN that installed it, never applied (0
    /// bytes predicted: nothing changes in the build).
    fn toolchain(&mut self) {
        let layers: Vec<(usize, usize)> = self.step_of.iter().map(|(&l, &i)| (l, i)).collect();
        for (l, i) in layers {
            if self.ins(i).keyword != "RUN" || self.rw.get(&i).is_some_and(|x| x.delete) {
                continue;
            }
            let mut tools: Vec<&str> = Vec::new();
            let mut bytes = 0;
            for x in self
                .inos
                .iter()
                .filter(|x| x.layer == l && x.gone.is_none())
            {
                if let Some(t) = toolchain_of(&x.path) {
                    bytes += x.size;
                    if !tools.contains(&t) {
                        tools.push(t);
                    }
                }
            }
            if tools.is_empty() {
                continue;
            }
            // Already suggested (fix's own output): leave it.
            let line = self.ins(i).line as usize;
            if line >= 2
                && self.lines[..line - 1]
                    .iter()
                    .rev()
                    .take_while(|l| l.trim_start().starts_with('#'))
                    .any(|l| l.contains(TOOLCHAIN_MARK))
            {
                continue;
            }
            let stage = self
                .df
                .stages
                .last()
                .map(|s| s.base.clone())
                .unwrap_or_default();
            let block = vec![
                format!(
                    "# {TOOLCHAIN_MARK}: {} ({} live) ships in the final image.",
                    tools.join(", "),
                    crate::units::human(bytes)
                ),
                "# A multi-stage build keeps it out (a sketch, not applied):".to_string(),
                format!("#   FROM {stage} AS build"),
                "#   RUN <install the toolchain and build>".to_string(),
                format!("#   FROM {stage}"),
                "#   COPY --from=build <what the build produced> <where it goes>".to_string(),
            ];
            self.rewrite(i).comment_above = block;
            self.edit(
                i,
                0,
                "build-toolchain",
                format!(
                    "suggest a multi-stage build: {} in the final image",
                    tools.join(", ")
                ),
            );
        }
    }

    /// The raw text of instruction `i` after its own cuts and inserts.
    fn edited_raw(&self, i: usize) -> String {
        let mut raw = self.raw(i);
        let Some(r) = self.rw.get(&i) else {
            return raw;
        };
        let mut ops: Vec<(usize, usize, String)> = r
            .cuts
            .iter()
            .map(|&(s, e)| (s, e, String::new()))
            .chain(r.inserts.iter().map(|(at, t)| (*at, *at, t.clone())))
            .collect();
        ops.sort_by(|x, y| y.0.cmp(&x.0).then(y.1.cmp(&x.1)));
        for (s, e, t) in ops {
            raw.replace_range(s..e, &t);
        }
        raw
    }

    /// The command part of an edited instruction (after keyword and flags).
    fn command_of(&self, i: usize) -> String {
        let raw = self.edited_raw(i);
        let t = tokens(&raw, self.df.escape);
        let mut k = 1;
        while k < t.len() && t[k].text.starts_with("--") {
            k += 1;
        }
        t.get(k)
            .map_or(String::new(), |t| raw[t.start..].trim_end().to_string())
    }

    /// Append commands to raw text in the file's style.
    fn append(&self, raw: &mut String, cmds: &[String]) {
        if cmds.is_empty() {
            return;
        }
        let lines: Vec<&str> = raw.split('\n').collect();
        if lines.len() == 1 {
            for c in cmds {
                raw.push_str(" && ");
                raw.push_str(c);
            }
            return;
        }
        let last = lines[lines.len() - 1];
        let indent: String = last
            .chars()
            .take_while(|c| *c == ' ' || *c == '\t')
            .collect();
        let leading = lines[1..].iter().any(|l| l.trim_start().starts_with("&&"));
        let esc = self.df.escape;
        for c in cmds {
            if leading {
                raw.push_str(&format!(" {esc}\n{indent}&& {c}"));
            } else {
                raw.push_str(&format!(" && {esc}\n{indent}{c}"));
            }
        }
    }

    /// The patched file.
    fn render(&self) -> String {
        let mut out = String::new();
        let mut start_of: BTreeMap<usize, usize> = BTreeMap::new();
        for (k, ins) in self.df.instructions.iter().enumerate() {
            if self.rw.contains_key(&k) {
                start_of.insert(ins.line as usize, k);
            }
        }
        let ends_with_newline = self.df.text.ends_with('\n');
        let crlf = self.df.text.contains("\r\n");
        let nl = if crlf { "\r\n" } else { "\n" };
        let mut n = 1;
        let mut pieces: Vec<String> = Vec::new();
        while n <= self.lines.len() {
            if let Some(&k) = start_of.get(&n) {
                let r = &self.rw[&k];
                let ins = self.ins(k);
                let indent: String = self.lines[n - 1]
                    .chars()
                    .take_while(|c| *c == ' ' || *c == '\t')
                    .collect();
                pieces.extend(r.comment_above.iter().map(|c| format!("{indent}{c}")));
                if !r.delete {
                    let mut raw = self.edited_raw(k);
                    let mut cmds: Vec<String> =
                        r.merged.iter().map(|&m| self.command_of(m)).collect();
                    cmds.extend(r.appends.iter().cloned());
                    self.append(&mut raw, &cmds);
                    pieces.extend(raw.split('\n').map(str::to_string));
                }
                n = ins.end_line as usize + 1;
                continue;
            }
            pieces.push(self.lines[n - 1].to_string());
            n += 1;
        }
        for (k, p) in pieces.iter().enumerate() {
            out.push_str(p.trim_end_matches('\r'));
            if k + 1 < pieces.len() || ends_with_newline {
                out.push_str(nl);
            }
        }
        if self.rw.is_empty() {
            return self.df.text.clone();
        }
        let _ = self.a;
        out
    }
}

/// The words that mark fix's own toolchain suggestion.
const TOOLCHAIN_MARK: &str = "layerscope: a build toolchain";

/// Which toolchain a live path belongs to, if any.
fn toolchain_of(p: &str) -> Option<&'static str> {
    let name = p.rsplit('/').next().unwrap_or("");
    let bin = p.starts_with("/usr/bin/") || p.starts_with("/usr/local/bin/");
    if p.starts_with("/usr/lib/gcc/")
        || p.starts_with("/usr/libexec/gcc/")
        || (bin
            && (name.starts_with("gcc")
                || name.starts_with("g++")
                || name == "cc"
                || name == "c++"
                || name.starts_with("cc1")))
    {
        return Some("gcc");
    }
    if bin && (name.starts_with("clang") || name.starts_with("llvm-")) {
        return Some("clang");
    }
    if bin && name == "make" {
        return Some("make");
    }
    if p.starts_with("/usr/local/go/pkg/tool/") || p == "/usr/local/go/bin/go" {
        return Some("go");
    }
    if p.starts_with("/usr/local/cargo/bin/")
        || p.starts_with("/usr/local/rustup/toolchains/")
        || (bin && name == "rustc")
    {
        return Some("rust");
    }
    if bin && name == "javac" {
        return Some("javac");
    }
    None
}

/// The words of an `rm -r`/`rm -f` command that name absolute paths
/// without expansions, or None when the part is not such a command.
fn rm_args(toks: &[Tok], p: &Part) -> Option<Vec<usize>> {
    let words = &toks[p.first..=p.last];
    if words.first()?.text != "rm" || words.iter().any(|t| t.op) {
        return None;
    }
    let mut args = Vec::new();
    for (k, t) in words.iter().enumerate().skip(1) {
        if t.text.starts_with('-') {
            if !matches!(
                t.text.as_str(),
                "-r" | "-f" | "-rf" | "-fr" | "-R" | "-Rf" | "-fR" | "--recursive" | "--force"
            ) {
                return None;
            }
            continue;
        }
        if !t.text.starts_with('/') || !safe_word(&t.text) {
            return None;
        }
        args.push(p.first + k);
    }
    (!args.is_empty()).then_some(args)
}

/// No quotes, expansions or escapes.
fn safe_word(s: &str) -> bool {
    !s.contains(['$', '\'', '"', '\\', '`', '{', '~'])
}

/// `/a/b/c`, `/a/b`, `/a`.
fn ancestors(p: &str) -> impl Iterator<Item = &str> {
    let mut cur = Some(p);
    std::iter::from_fn(move || {
        let c = cur?;
        cur = c.rfind('/').filter(|&i| i > 0).map(|i| &c[..i]);
        Some(c)
    })
}

/// The part of a glob before its first wildcard, cut back to a `/`.
fn literal_prefix(g: &str) -> String {
    let stop = g.find(['*', '?', '[']).unwrap_or(g.len());
    let s = &g[..stop];
    match s.rfind('/') {
        Some(i) if stop < g.len() => s[..=i].to_string(),
        _ => s.to_string(),
    }
}

/// `/tmp/build/x/y` → `/tmp/build`.
fn tmp_top(p: &str) -> Option<String> {
    for root in ["/tmp/", "/var/tmp/"] {
        if let Some(rest) = p.strip_prefix(root) {
            let first = rest.split('/').next()?;
            return (!first.is_empty()).then(|| format!("{root}{first}"));
        }
    }
    None
}

/// Byte ranges to cut for removed parts and removed words.
fn cut_ranges(
    toks: &[Tok],
    ps: &[Part],
    cut_parts: &[Part],
    cut_words: &[usize],
) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let gone_part = |w: usize| cut_parts.iter().any(|p| p.first <= w && w <= p.last);
    for p in cut_parts {
        let idx = ps.iter().position(|q| q == p).unwrap_or(0);
        match p.sep_before {
            // `… && rm x`: from the end of the word before the `&&`.
            Some(sep) if sep > 0 => out.push((toks[sep - 1].end, toks[p.last].end)),
            _ => {
                // The first part: up to the start of the next part.
                match ps.get(idx + 1) {
                    Some(n) => out.push((toks[p.first].start, toks[n.first].start)),
                    None => out.push((toks[p.first].start, toks[p.last].end)),
                }
            }
        }
    }
    for &w in cut_words {
        if gone_part(w) {
            continue;
        }
        out.push((toks[w - 1].end, toks[w].end));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn helpers() {
        assert_eq!(
            ancestors("/a/b/c").collect::<Vec<_>>(),
            ["/a/b/c", "/a/b", "/a"]
        );
        assert_eq!(literal_prefix("/tmp/*"), "/tmp/");
        assert_eq!(
            literal_prefix("/var/lib/apt/lists/*"),
            "/var/lib/apt/lists/"
        );
        assert_eq!(literal_prefix("/opt/x"), "/opt/x");
        assert_eq!(tmp_top("/tmp/build/a.o").as_deref(), Some("/tmp/build"));
        assert_eq!(tmp_top("/var/tmp/x").as_deref(), Some("/var/tmp/x"));
        assert_eq!(tmp_top("/usr/tmp/x"), None);
        assert_eq!(toolchain_of("/usr/bin/gcc-12"), Some("gcc"));
        assert_eq!(
            toolchain_of("/usr/lib/gcc/x86_64-linux-gnu/12/cc1"),
            Some("gcc")
        );
        assert_eq!(toolchain_of("/usr/bin/make"), Some("make"));
        assert_eq!(toolchain_of("/usr/local/go/bin/go"), Some("go"));
        assert_eq!(toolchain_of("/usr/bin/python3"), None);
        assert_eq!(toolchain_of("/usr/share/doc/gcc-12/README"), None);
    }

    #[test]
    fn rm_words() {
        let t = tokens("RUN rm -rf /a /b/* && rm x && rm -i /c", '\\');
        let ps = parts(&t, 1);
        assert_eq!(rm_args(&t, &ps[0]), Some(vec![3, 4]));
        assert_eq!(rm_args(&t, &ps[1]), None);
        assert_eq!(rm_args(&t, &ps[2]), None);
    }

    #[test]
    fn cuts_keep_the_rest() {
        let raw = "RUN a && rm -rf /x /y && b";
        let t = tokens(raw, '\\');
        let ps = parts(&t, 1);
        // Drop the word /x only.
        let c = cut_ranges(&t, &ps, &[], &[5]);
        let mut s = raw.to_string();
        for (a, b) in c.into_iter().rev() {
            s.replace_range(a..b, "");
        }
        assert_eq!(s, "RUN a && rm -rf /y && b");
        // Drop the whole rm part.
        let c = cut_ranges(&t, &ps, &[ps[1].clone()], &[5, 6]);
        let mut s = raw.to_string();
        for (a, b) in c.into_iter().rev() {
            s.replace_range(a..b, "");
        }
        assert_eq!(s, "RUN a && b");
        // Drop the first part.
        let c = cut_ranges(&t, &ps, &[ps[0].clone()], &[]);
        let mut s = raw.to_string();
        for (a, b) in c.into_iter().rev() {
            s.replace_range(a..b, "");
        }
        assert_eq!(s, "RUN rm -rf /x /y && b");
    }
}
