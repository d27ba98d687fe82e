//! Build steps as people wrote them: `RUN apt-get update`, not
//! `/bin/sh -c apt-get update`.

/// The Dockerfile-like form of a history `created_by`.
pub fn build_step(created_by: &str) -> String {
    let mut s = created_by.trim();
    if let Some(rest) = s.strip_suffix("# buildkit") {
        s = rest.trim_end();
    }
    // BuildKit prefixes RUN steps that see build args with `|N K=V ...`.
    if let Some(rest) = s.strip_prefix('|') {
        let mut parts = rest.splitn(2, ' ');
        if let (Some(n), Some(tail)) = (parts.next(), parts.next()) {
            if let Ok(n) = n.parse::<usize>() {
                let mut tail = tail;
                for _ in 0..n {
                    tail = tail.split_once(' ').map(|x| x.1).unwrap_or("");
                }
                s = tail;
            }
        }
    }
    // BuildKit writes `RUN /bin/sh -c …`; the classic builder `/bin/sh -c …`.
    let had_run = match s.strip_prefix("RUN ") {
        Some(rest) => {
            s = strip_run_flags(rest.trim_start());
            true
        }
        None => false,
    };
    for shell in ["/bin/sh -c ", "/bin/bash -c ", "/bin/sh -o pipefail -c "] {
        if let Some(rest) = s.strip_prefix(shell) {
            let rest = rest.trim_start();
            if let Some(nop) = rest.strip_prefix("#(nop)") {
                return nop.trim().to_string();
            }
            return format!("RUN {}", strip_run_flags(rest.trim()));
        }
    }
    if had_run {
        format!("RUN {}", strip_run_flags(s))
    } else {
        s.to_string()
    }
}

/// Drop `RUN` flags (`--mount=…`, `--network=…`, `--security=…`) that
/// builders record in front of the command: the command is what people
/// recognise.
fn strip_run_flags(mut s: &str) -> &str {
    while let Some(rest) = ["--mount=", "--network=", "--security="]
        .iter()
        .find_map(|f| s.strip_prefix(f))
    {
        s = rest.split_once(' ').map_or("", |x| x.1).trim_start();
    }
    s
}

/// Shorten to at most `max` characters, with `…` when cut.
pub fn shorten(s: &str, max: usize) -> String {
    let one_line: String = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() <= max {
        return one_line;
    }
    let mut out: String = one_line.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classic_and_buildkit_forms() {
        assert_eq!(
            build_step("/bin/sh -c apt-get update"),
            "RUN apt-get update"
        );
        assert_eq!(
            build_step("/bin/sh -c #(nop) COPY file:abc in /app "),
            "COPY file:abc in /app"
        );
        assert_eq!(
            build_step("RUN /bin/sh -c pip install x # buildkit"),
            "RUN pip install x"
        );
        assert_eq!(build_step("RUN make # buildkit"), "RUN make");
        assert_eq!(build_step("|2 A=1 B=2 /bin/sh -c make"), "RUN make");
        assert_eq!(build_step("COPY . /app # buildkit"), "COPY . /app");
        assert_eq!(
            build_step("/bin/sh -c --mount=type=bind,source=bb,target=/bin/sh --mount=type=cache,target=/x apt-get update"),
            "RUN apt-get update"
        );
        assert_eq!(
            build_step("RUN --mount=type=cache,target=/root/.cache/pip /bin/sh -c pip install x # buildkit"),
            "RUN pip install x"
        );
    }

    #[test]
    fn shortens_on_char_boundaries() {
        assert_eq!(shorten("abc", 5), "abc");
        assert_eq!(shorten("abcdef", 5), "abcd…");
        assert_eq!(shorten("a\n  b", 10), "a b");
        assert_eq!(shorten("ééééé", 3), "éé…");
    }
}
