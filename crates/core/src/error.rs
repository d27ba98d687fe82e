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
    /// Reading a file or stream failed at the OS level.
    #[error("{what}: {source}")]
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

pub type Result<T, E = Error> = std::result::Result<T, E>;
