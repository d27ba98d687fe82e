//! Just enough of the shell to edit a RUN command in place: words with
//! their byte ranges in the instruction's raw text (quotes kept, escaped
//! newlines and comment lines inside continuations skipped), and the
//! operators that separate commands.

/// A word or an operator of a shell-form command, by byte range.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tok {
    pub start: usize,
    pub end: usize,
    /// The word as written (quotes kept).
    pub text: String,
    /// `&&`, `||`, `;`, `|` or `&`.
    pub op: bool,
}

/// Tokenise `raw` (an instruction's lines joined by `\n`), with `escape`
/// the Dockerfile's escape character.
pub fn tokens(raw: &str, escape: char) -> Vec<Tok> {
    let b: Vec<(usize, char)> = raw.char_indices().collect();
    let mut out = Vec::new();
    let mut i = 0;
    let mut line_start = true;
    while i < b.len() {
        let (pos, c) = b[i];
        if line_start {
            // A comment line inside a continuation.
            let mut k = i;
            while k < b.len() && (b[k].1 == ' ' || b[k].1 == '\t') {
                k += 1;
            }
            if k < b.len() && b[k].1 == '#' && !out.is_empty() {
                while k < b.len() && b[k].1 != '\n' {
                    k += 1;
                }
                i = k;
                continue;
            }
            line_start = false;
        }
        if c == '\n' {
            line_start = true;
            i += 1;
            continue;
        }
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        if c == escape && escaped_newline(&b, i) {
            i += 1;
            continue;
        }
        if matches!(c, '&' | '|' | ';') {
            let two = b.get(i + 1).map(|x| x.1) == Some(c) && c != ';';
            let n = if two { 2 } else { 1 };
            let end = b.get(i + n).map_or(raw.len(), |x| x.0);
            out.push(Tok {
                start: pos,
                end,
                text: raw[pos..end].to_string(),
                op: true,
            });
            i += n;
            continue;
        }
        // A word.
        let start = pos;
        let mut quote: Option<char> = None;
        while i < b.len() {
            let c = b[i].1;
            match quote {
                Some(q) => {
                    if c == q {
                        quote = None;
                    } else if c == '\\' && q == '"' {
                        i += 1;
                    }
                }
                None => {
                    if c.is_whitespace() || matches!(c, '&' | '|' | ';') {
                        break;
                    }
                    if c == escape && escaped_newline(&b, i) {
                        break;
                    }
                    if c == '\'' || c == '"' {
                        quote = Some(c);
                    } else if c == '\\' {
                        i += 1;
                    }
                }
            }
            i += 1;
        }
        let end = b.get(i).map_or(raw.len(), |x| x.0);
        out.push(Tok {
            start,
            end,
            text: raw[start..end].to_string(),
            op: false,
        });
    }
    out
}

/// Is the escape character at `i` followed by only blanks up to a newline?
fn escaped_newline(b: &[(usize, char)], i: usize) -> bool {
    let mut k = i + 1;
    while k < b.len() && (b[k].1 == ' ' || b[k].1 == '\t' || b[k].1 == '\r') {
        k += 1;
    }
    k >= b.len() || b[k].1 == '\n'
}

/// One command of a `&&`/`;`-separated list: token indexes `[first, last]`
/// and the operator token before it, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part {
    pub first: usize,
    pub last: usize,
    pub sep_before: Option<usize>,
}

/// Split tokens `from..` into commands at `&&` and `;` (a part joined by
/// `||` or `|` stays whole: its meaning depends on its neighbour).
pub fn parts(toks: &[Tok], from: usize) -> Vec<Part> {
    let mut out = Vec::new();
    let mut first = None;
    let mut sep = None;
    for (i, t) in toks.iter().enumerate().skip(from) {
        if t.op && (t.text == "&&" || t.text == ";") {
            if let Some(f) = first.take() {
                out.push(Part {
                    first: f,
                    last: i - 1,
                    sep_before: sep,
                });
            }
            sep = Some(i);
        } else if first.is_none() {
            first = Some(i);
        }
    }
    if let Some(f) = first {
        out.push(Part {
            first: f,
            last: toks.len() - 1,
            sep_before: sep,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(s: &str) -> Vec<String> {
        tokens(s, '\\').into_iter().map(|t| t.text).collect()
    }

    #[test]
    fn words_ops_quotes_continuations() {
        assert_eq!(
            words("RUN a 'b c' && d \\\n    # note\n    \"e;f\"; g|h"),
            ["RUN", "a", "'b c'", "&&", "d", "\"e;f\"", ";", "g", "|", "h"]
        );
        let t = tokens("RUN x &&\\\n  y", '\\');
        assert_eq!(t[3].text, "y");
        assert_eq!(&"RUN x &&\\\n  y"[t[3].start..t[3].end], "y");
        let p = parts(&t, 1);
        assert_eq!(p.len(), 2);
        assert_eq!((p[1].first, p[1].last, p[1].sep_before), (3, 3, Some(2)));
        assert_eq!(words("RUN a `\n b"), ["RUN", "a", "`", "b"]);
        assert_eq!(tokens("RUN a `\n b", '`').len(), 3);
    }
}
