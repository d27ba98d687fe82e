//! Names inside images are attacker-controlled. Everything that reaches a
//! terminal goes through [`for_terminal`]; HTML output through [`for_html`].

use std::borrow::Cow;

/// Escape bytes for display on a terminal: printable UTF-8 passes through,
/// control characters (C0, DEL, C1) and invalid UTF-8 become `\xNN` / `\u{..}`
/// escapes, and a backslash is doubled so the result is unambiguous.
pub fn for_terminal(bytes: &[u8]) -> Cow<'_, str> {
    if let Ok(s) = std::str::from_utf8(bytes) {
        if !s.chars().any(needs_escape) {
            return Cow::Borrowed(s);
        }
    }
    let mut out = String::with_capacity(bytes.len() + 8);
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            if c == '\\' {
                out.push_str("\\\\");
            } else if needs_escape(c) {
                if (c as u32) < 0x100 {
                    out.push_str(&format!("\\x{:02x}", c as u32));
                } else {
                    out.push_str(&format!("\\u{{{:x}}}", c as u32));
                }
            } else {
                out.push(c);
            }
        }
        for b in chunk.invalid() {
            out.push_str(&format!("\\x{b:02x}"));
        }
    }
    Cow::Owned(out)
}

/// Escape a `str` for the terminal (error messages, names already lossy).
pub fn str_for_terminal(s: &str) -> Cow<'_, str> {
    match for_terminal(s.as_bytes()) {
        Cow::Borrowed(_) => Cow::Borrowed(s),
        Cow::Owned(o) => Cow::Owned(o),
    }
}

fn needs_escape(c: char) -> bool {
    // Backslash is escaped so `\x1b` in output always means an escaped byte.
    // Bidi overrides and other format characters can reorder what a terminal
    // shows, so they are escaped too (Trojan Source, CVE-2021-42574).
    c == '\\'
        || c.is_control()
        || matches!(c as u32, 0x200B..=0x200F | 0x202A..=0x202E | 0x2066..=0x2069 | 0xFEFF)
}

/// Escape text for HTML element content and double-quoted attribute values.
pub fn for_html(s: &str) -> Cow<'_, str> {
    if !s.contains(['&', '<', '>', '"', '\'']) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_names_pass_through() {
        assert_eq!(for_terminal(b"usr/bin/ls"), "usr/bin/ls");
        assert_eq!(for_terminal("caf\u{e9}".as_bytes()), "caf\u{e9}");
    }

    #[test]
    fn escapes_control_and_invalid_bytes() {
        assert_eq!(for_terminal(b"a\x1b[31mb"), "a\\x1b[31mb");
        assert_eq!(for_terminal(b"new\nline"), "new\\x0aline");
        assert_eq!(for_terminal(b"bad\xffutf8"), "bad\\xffutf8");
        assert_eq!(for_terminal(b"back\\slash"), "back\\\\slash");
        assert_eq!(for_terminal("c1\u{9b}x".as_bytes()), "c1\\x9bx");
        assert_eq!(for_terminal("rlo\u{202e}x".as_bytes()), "rlo\\u{202e}x");
    }

    #[test]
    fn html_escapes_markup() {
        assert_eq!(
            for_html("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
        assert_eq!(for_html("plain"), "plain");
    }
}
