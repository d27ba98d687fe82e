//! A content digest, `algorithm:encoded` (image-spec `descriptor.md`,
//! "Digests"), checked once when metadata names it so that the rest of the
//! code can use it as a path component (`blobs/<alg>/<encoded>`) without
//! checking again.
//!
//! The grammar is the spec's: an algorithm of lowercase alphanumeric
//! components joined by `+ . _ -`, an encoded part of `[A-Za-z0-9=_-]`.
//! The algorithms the spec registers, sha256 (what registries and Docker
//! produce), sha384 and sha512, must be 64, 96 and 128 lowercase hex digits
//! and are verified; other forms are accepted as the grammar allows and
//! cannot be verified.

use std::fmt;
use std::str::FromStr;

use sha2::{Digest as _, Sha256, Sha384, Sha512};

/// The digest algorithms we compute, hence verify (image-spec
/// `descriptor.md`, "Registered algorithms").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Algorithm {
    Sha256,
    Sha384,
    Sha512,
}

impl Algorithm {
    fn of(name: &str) -> Option<Algorithm> {
        match name {
            "sha256" => Some(Algorithm::Sha256),
            "sha384" => Some(Algorithm::Sha384),
            "sha512" => Some(Algorithm::Sha512),
            _ => None,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Algorithm::Sha256 => "sha256",
            Algorithm::Sha384 => "sha384",
            Algorithm::Sha512 => "sha512",
        }
    }

    /// Lowercase hex digits of an encoded digest.
    fn hex_len(self) -> usize {
        match self {
            Algorithm::Sha256 => 64,
            Algorithm::Sha384 => 96,
            Algorithm::Sha512 => 128,
        }
    }

    /// A hasher for streams.
    pub fn hasher(self) -> Box<dyn sha2::digest::DynDigest + Send> {
        match self {
            Algorithm::Sha256 => Box::new(Sha256::new()),
            Algorithm::Sha384 => Box::new(Sha384::new()),
            Algorithm::Sha512 => Box::new(Sha512::new()),
        }
    }

    /// The digest a finished hasher gives.
    pub fn finish(self, hasher: Box<dyn sha2::digest::DynDigest + Send>) -> Digest {
        let hex = hex::encode(hasher.finalize());
        Digest {
            text: format!("{}:{hex}", self.name()).into(),
            colon: self.name().len(),
        }
    }

    /// The digest of some bytes.
    pub fn digest(self, bytes: &[u8]) -> Digest {
        let mut h = self.hasher();
        h.update(bytes);
        self.finish(h)
    }
}

/// A parsed digest; displays (and serialises) as `algorithm:encoded`.
#[derive(
    Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(try_from = "String", into = "String")]
pub struct Digest {
    /// `algorithm:encoded`, kept whole: it is printed far more often than
    /// it is split.
    text: Box<str>,
    /// Where the `:` is.
    colon: usize,
}

/// Why a string is not a digest. Its text is part of error messages that
/// tests pin (`invalid digest "…": <why>`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DigestError(&'static str);

impl fmt::Display for DigestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

impl std::error::Error for DigestError {}

impl Digest {
    /// The sha256 digest of some bytes.
    pub fn sha256_of(bytes: &[u8]) -> Digest {
        Digest::sha256_hex(&hex::encode(Sha256::digest(bytes))).expect("64 lowercase hex digits")
    }

    /// `sha256:<hex>` if `hex` is 64 lowercase hex digits (a file or blob
    /// named by its digest), else `None`.
    pub fn sha256_hex(hex: &str) -> Option<Digest> {
        is_sha256_hex(hex).then(|| Digest {
            text: format!("sha256:{hex}").into(),
            colon: "sha256".len(),
        })
    }

    pub fn algorithm(&self) -> &str {
        &self.text[..self.colon]
    }

    pub fn encoded(&self) -> &str {
        &self.text[self.colon + 1..]
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    pub fn is_sha256(&self) -> bool {
        self.algorithm() == "sha256"
    }

    /// The algorithm, when it is one we compute (and so can verify).
    pub fn known_algorithm(&self) -> Option<Algorithm> {
        Algorithm::of(self.algorithm())
    }

    /// Where an OCI layout keeps the blob (image-spec `image-layout.md`).
    pub fn blob_path(&self) -> String {
        format!("blobs/{}/{}", self.algorithm(), self.encoded())
    }
}

fn is_sha256_hex(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

impl FromStr for Digest {
    type Err = DigestError;

    fn from_str(s: &str) -> Result<Digest, DigestError> {
        let bad = |why| Err(DigestError(why));
        let Some((alg, enc)) = s.split_once(':') else {
            return bad("expected algorithm:hex");
        };
        let alg_ok = !alg.is_empty()
            && alg.split(['+', '.', '_', '-']).all(|c| {
                !c.is_empty()
                    && c.bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
            });
        if !alg_ok {
            return bad("malformed algorithm");
        }
        if enc.is_empty()
            || !enc
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'=' | b'_' | b'-'))
        {
            return bad("malformed encoded part");
        }
        if let Some(a) = Algorithm::of(alg) {
            let hex = enc.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
            if enc.len() != a.hex_len() || !hex {
                return bad(match a {
                    Algorithm::Sha256 => "sha256 needs 64 lowercase hex digits",
                    Algorithm::Sha384 => "sha384 needs 96 lowercase hex digits",
                    Algorithm::Sha512 => "sha512 needs 128 lowercase hex digits",
                });
            }
        }
        Ok(Digest {
            text: s.into(),
            colon: alg.len(),
        })
    }
}

impl TryFrom<String> for Digest {
    type Error = DigestError;
    fn try_from(s: String) -> Result<Digest, DigestError> {
        s.parse()
    }
}

impl From<Digest> for String {
    fn from(d: Digest) -> String {
        d.text.into()
    }
}

impl fmt::Display for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl PartialEq<str> for Digest {
    fn eq(&self, other: &str) -> bool {
        &*self.text == other
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints_back() {
        let hex = "a".repeat(64);
        let d: Digest = format!("sha256:{hex}").parse().unwrap();
        assert_eq!((d.algorithm(), d.encoded()), ("sha256", hex.as_str()));
        assert_eq!(d.to_string(), format!("sha256:{hex}"));
        assert_eq!(Some(d), Digest::sha256_hex(&hex));
        // Registered algorithms have fixed lengths; others only the grammar.
        assert!("sha512:abcdef".parse::<Digest>().is_err());
        assert!("sha384:abcdef".parse::<Digest>().is_err());
        assert!(
            "multihash+base58:QmRZxt2b1FVZPNqd8hsiykDL3TdBDeTSPX9Kv46HmX4Gx8"
                .parse::<Digest>()
                .is_ok()
        );
        assert!("sha256:abc".parse::<Digest>().is_err());
        assert!("sha256:../../etc".parse::<Digest>().is_err());
        assert_eq!(
            serde_json::to_string(&Digest::sha256_of(b"")).unwrap(),
            "\"sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\""
        );
    }

    /// The digests of the empty string, as FIPS 180-4's test vectors give them.
    #[test]
    fn sha384_and_sha512_are_computed() {
        assert_eq!(
            Algorithm::Sha384.digest(b"").as_str(),
            "sha384:38b060a751ac96384cd9327eb1b1e36a21fdb71114be07434c0cc7bf63f6e1da274edebfe76f65fbd51ad2f14898b95b"
        );
        assert_eq!(
            Algorithm::Sha512.digest(b"").as_str(),
            "sha512:cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e"
        );
        let d: Digest = Algorithm::Sha512
            .digest(b"abc")
            .to_string()
            .parse()
            .unwrap();
        assert_eq!(d.known_algorithm(), Some(Algorithm::Sha512));
    }
}
