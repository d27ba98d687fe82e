//! Byte sizes as users write them: `1.2GB`, `500MiB`, `0`, `20 MB`.

use serde::de::{self, Deserializer, Visitor};
use serde::Deserialize;
use std::fmt;

/// A size in bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Size(pub u64);

/// Parse `B`, `kB`/`KB`/`MB`/`GB`/`TB` (10^n) and `KiB`/`MiB`/`GiB`/`TiB`
/// (2^n), case-insensitively except that an `i` means binary; a bare
/// number is bytes. Fractions are allowed (`1.2GB`) and rounded down to a
/// byte.
pub fn parse_size(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let unit = unit.trim();
    if num.is_empty() {
        return Err(format!(
            "invalid size {s:?}: expected a number and a unit like 20MB"
        ));
    }
    let mult: u64 = match unit.to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" => 1_000,
        "m" | "mb" => 1_000_000,
        "g" | "gb" => 1_000_000_000,
        "t" | "tb" => 1_000_000_000_000,
        "kib" => 1 << 10,
        "mib" => 1 << 20,
        "gib" => 1 << 30,
        "tib" => 1 << 40,
        _ => {
            return Err(format!(
                "invalid size {s:?}: unknown unit {unit:?} (use B, kB, MB, GB, KiB, MiB, GiB)"
            ))
        }
    };
    if let Some((int, frac)) = num.split_once('.') {
        if frac.contains('.') {
            return Err(format!("invalid size {s:?}"));
        }
        let int: u64 = if int.is_empty() {
            0
        } else {
            int.parse().map_err(|_| format!("invalid size {s:?}"))?
        };
        // Exact decimal arithmetic: 1.2GB is 1_200_000_000, not 1_199_999_999.
        let digits = frac.len().min(18) as u32;
        let frac_val: u128 = if digits == 0 {
            0
        } else {
            frac[..digits as usize]
                .parse()
                .map_err(|_| format!("invalid size {s:?}"))?
        };
        let whole = (int as u128) * (mult as u128) + frac_val * (mult as u128) / 10u128.pow(digits);
        u64::try_from(whole).map_err(|_| format!("size {s:?} is too large"))
    } else {
        let n: u64 = num.parse().map_err(|_| format!("invalid size {s:?}"))?;
        n.checked_mul(mult)
            .ok_or_else(|| format!("size {s:?} is too large"))
    }
}

impl std::str::FromStr for Size {
    type Err = String;
    fn from_str(s: &str) -> Result<Size, String> {
        parse_size(s).map(Size)
    }
}

/// In a JSON Schema (docs/schema/): a number of bytes, or a string with a
/// unit as [`parse_size`] reads it.
#[cfg(feature = "schema")]
impl schemars::JsonSchema for Size {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Size".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "A size: a number of bytes, or a string with a unit: B, kB/MB/GB/TB (10^n) or KiB/MiB/GiB/TiB (2^n), case-insensitive, fractions allowed (\"1.2GB\", \"500MiB\", \"20 MB\").",
            "anyOf": [
                { "type": "number", "minimum": 0 },
                {
                    "type": "string",
                    "pattern": "^\\s*([0-9]+\\.?[0-9]*|\\.[0-9]+)\\s*([bB]|[kKmMgGtT]([bB]|[iI][bB])?)?\\s*$"
                }
            ],
        })
    }
}

impl<'de> Deserialize<'de> for Size {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Size, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Size;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a size such as \"20MB\", \"1.5GiB\" or a number of bytes")
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Size, E> {
                Ok(Size(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Size, E> {
                u64::try_from(v)
                    .map(Size)
                    .map_err(|_| E::custom("a size cannot be negative"))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Size, E> {
                if v >= 0.0 && v.is_finite() {
                    Ok(Size(v as u64))
                } else {
                    Err(E::custom("a size must be a non-negative number"))
                }
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Size, E> {
                parse_size(v).map(Size).map_err(E::custom)
            }
        }
        d.deserialize_any(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_decimal_and_binary_units() {
        assert_eq!(parse_size("0").unwrap(), 0);
        assert_eq!(parse_size("0B").unwrap(), 0);
        assert_eq!(parse_size("20MB").unwrap(), 20_000_000);
        assert_eq!(parse_size("20 mb").unwrap(), 20_000_000);
        assert_eq!(parse_size("1.2GB").unwrap(), 1_200_000_000);
        assert_eq!(parse_size("5kB").unwrap(), 5_000);
        assert_eq!(parse_size("1KiB").unwrap(), 1024);
        assert_eq!(parse_size("500MiB").unwrap(), 524_288_000);
        assert_eq!(parse_size("1.5GiB").unwrap(), 1_610_612_736);
        assert_eq!(parse_size("123").unwrap(), 123);
    }

    #[test]
    fn rejects_garbage() {
        assert!(parse_size("").is_err());
        assert!(parse_size("MB").is_err());
        assert!(parse_size("12XB").is_err());
        assert!(parse_size("1.2.3GB").is_err());
        assert!(parse_size("99999999999999999999GB").is_err());
    }
}
