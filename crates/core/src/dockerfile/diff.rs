//! A unified diff (`diff -u` format) of two texts, line by line, with a
//! comment on each hunk's `@@` line (the free text `patch` and `git apply`
//! ignore there).

/// One changed region: old lines `[o0, o1)` become new lines `[n0, n1)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Change {
    o0: usize,
    o1: usize,
    n0: usize,
    n1: usize,
}

/// The changed regions, by longest common subsequence (Dockerfiles are
/// small: O(n·m) is fine).
fn changes(a: &[&str], b: &[&str]) -> Vec<Change> {
    let (n, m) = (a.len(), b.len());
    let mut lcs = vec![vec![0u32; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            lcs[i][j] = if a[i] == b[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let (mut i, mut j) = (0, 0);
    let mut out: Vec<Change> = Vec::new();
    let mut open: Option<Change> = None;
    while i < n || j < m {
        if i < n && j < m && a[i] == b[j] {
            if let Some(c) = open.take() {
                out.push(c);
            }
            i += 1;
            j += 1;
            continue;
        }
        let c = open.get_or_insert(Change {
            o0: i,
            o1: i,
            n0: j,
            n1: j,
        });
        if j < m && (i == n || lcs[i][j + 1] >= lcs[i + 1][j]) {
            j += 1;
            c.n1 = j;
        } else {
            i += 1;
            c.o1 = i;
        }
    }
    if let Some(c) = open {
        out.push(c);
    }
    out
}

/// `--- a/NAME`/`+++ b/NAME` and hunks with `context` lines around each
/// change; `comment(old_first_line, old_last_line)` (1-based, inclusive)
/// gives the text after a hunk's `@@ … @@`. Empty when equal.
pub fn unified_diff(
    name: &str,
    old: &str,
    new: &str,
    context: usize,
    comment: &dyn Fn(u32, u32) -> String,
) -> String {
    let a: Vec<&str> = old.lines().collect();
    let b: Vec<&str> = new.lines().collect();
    let ch = changes(&a, &b);
    if ch.is_empty() {
        return String::new();
    }
    // Group changes whose context overlaps.
    let mut groups: Vec<Vec<Change>> = Vec::new();
    for c in ch {
        match groups.last_mut() {
            Some(g) if c.o0 <= g.last().unwrap().o1 + 2 * context => g.push(c),
            _ => groups.push(vec![c]),
        }
    }
    let mut out = format!("--- a/{name}\n+++ b/{name}\n");
    for g in groups {
        let first = g[0];
        let last = *g.last().unwrap();
        let os = first.o0.saturating_sub(context);
        let oe = (last.o1 + context).min(a.len());
        let ns = first.n0 - (first.o0 - os);
        let ne = last.n1 + (oe - last.o1);
        let range = |s: usize, e: usize| {
            let len = e - s;
            let start = if len == 0 { s } else { s + 1 };
            if len == 1 {
                format!("{start}")
            } else {
                format!("{start},{len}")
            }
        };
        let note = comment(first.o0 as u32 + 1, last.o1.max(first.o0 + 1) as u32);
        out.push_str(&format!("@@ -{} +{} @@", range(os, oe), range(ns, ne)));
        if !note.is_empty() {
            out.push(' ');
            out.push_str(&note);
        }
        out.push('\n');
        let mut i = os;
        for c in &g {
            for l in &a[i..c.o0] {
                out.push_str(&format!(" {l}\n"));
            }
            for l in &a[c.o0..c.o1] {
                out.push_str(&format!("-{l}\n"));
            }
            for l in &b[c.n0..c.n1] {
                out.push_str(&format!("+{l}\n"));
            }
            i = c.o1;
        }
        for l in &a[i..oe] {
            out.push_str(&format!(" {l}\n"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hunks_like_diff_u() {
        let d = unified_diff("D", "a\nb\nc\nd\n", "a\nB\nc\nd\n", 1, &|s, e| {
            format!("{s}-{e}")
        });
        assert_eq!(d, "--- a/D\n+++ b/D\n@@ -1,3 +1,3 @@ 2-2\n a\n-b\n+B\n c\n");
        let d = unified_diff("D", "a\nb\n", "a\n", 3, &|_, _| String::new());
        assert_eq!(d, "--- a/D\n+++ b/D\n@@ -1,2 +1 @@\n a\n-b\n");
        assert_eq!(
            unified_diff("D", "x\n", "x\n", 3, &|_, _| String::new()),
            ""
        );
    }
}
