//! Typed errors of the core. Only `main` turns them into exit codes and text.
//!
//! Every variant names *what* failed (a file, a blob, a layer) and *why*, so the
//! one-line message `layerscope: <what>: <why>` can be built from `Display`.
//! Names taken from an image are untrusted: front ends escape the message
//! before printing it (see `escape`).

use std::io;

/// Everything that can make an image unreadable or a request invalid.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Reading a file or stream failed at the OS level. Said in words,
    /// without the `(os error N)` number (see [`io_words`]).
    #[error("{what}: {}", io_words(.source))]
    Io {
        what: String,
        #[source]
        source: io::Error,
    },
    /// A layer's uncompressed stream or a blob does not hash to the digest the
    /// image claims for it.
    #[error("{layer}: digest mismatch: expected {expected}, found {found}")]
    DigestMismatch {
        layer: String,
        expected: String,
        found: String,
    },
    /// A blob named by a manifest or index is not in the image.
    #[error("{what}: missing blob {digest}")]
    MissingBlob { what: String, digest: String },
    /// A metadata file (manifest, index, config) is malformed or inconsistent.
    #[error("{file}: {why}")]
    Metadata { file: String, why: String },
    /// A layer could not be decompressed or walked (truncated, corrupt, bad tar).
    #[error("{layer}: {why}")]
    Layer { layer: String, why: String },
    /// The input is not any layout layerscope knows.
    #[error("{input}: {why}")]
    UnknownFormat { input: String, why: String },
    /// The request cannot be answered as given (e.g. several images and no
    /// `--image`); the message lists the choices.
    #[error("{0}")]
    Usage(String),
    /// A bug of ours, caught before it could print a backtrace over the
    /// user's terminal (a worker thread panicked). Not the user's input: the
    /// message says so, and a report of it is welcome.
    #[error("internal error: {0}")]
    Internal(String),
}

impl Error {
    pub fn io(what: impl Into<String>, source: io::Error) -> Self {
        Error::Io {
            what: what.into(),
            source,
        }
    }
    pub fn metadata(file: impl Into<String>, why: impl Into<String>) -> Self {
        Error::Metadata {
            file: file.into(),
            why: why.into(),
        }
    }
    pub fn layer(layer: impl Into<String>, why: impl Into<String>) -> Self {
        Error::Layer {
            layer: layer.into(),
            why: why.into(),
        }
    }
}

/// An I/O error in words: its message without the ` (os error N)` suffix
/// the standard library appends (the words already say it).
pub fn io_words(e: &io::Error) -> String {
    without_os_error(&e.to_string())
}

/// `s` with every ` (os error N)` removed, wherever an I/O error's message
/// was embedded in it.
pub fn without_os_error(s: &str) -> String {
    const MARK: &str = " (os error ";
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find(MARK) {
        let after = &rest[i + MARK.len()..];
        let digits = after.bytes().take_while(u8::is_ascii_digit).count();
        if digits > 0 && after[digits..].starts_with(')') {
            out.push_str(&rest[..i]);
            rest = &after[digits + 1..];
        } else {
            out.push_str(&rest[..i + MARK.len()]);
            rest = after;
        }
    }
    out.push_str(rest);
    out
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn io_errors_are_said_without_their_number() {
        let e = Error::io("img.tar", io::Error::from_raw_os_error(2));
        let s = e.to_string();
        assert!(s.starts_with("img.tar: "), "{s}");
        assert!(!s.contains("os error"), "{s}");
        assert_eq!(
            without_os_error("a: gone (os error 2); b: denied (os error 13)"),
            "a: gone; b: denied"
        );
        assert_eq!(without_os_error("x (os error y)"), "x (os error y)");
    }
}
