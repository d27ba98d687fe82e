//! `max_growth` (`[budget]` key and `check --max-growth`): how much an
//! image's `size_bytes` may grow against `check --baseline OLD`.

use std::fmt;

use serde::de::{self, Deserializer, Visitor};
use serde::Deserialize;

use super::size::parse_size;

/// How much `size_bytes` may grow: a percentage of the baseline's size
/// (`"5%"`) or a size (`"20MB"`, or a number of bytes).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum MaxGrowth {
    /// Of the baseline's size, 0-100 or more.
    Percent(f64),
    Bytes(u64),
}

impl std::str::FromStr for MaxGrowth {
    type Err = String;
    fn from_str(s: &str) -> Result<MaxGrowth, String> {
        let t = s.trim();
        if let Some(p) = t.strip_suffix('%') {
            let p: f64 = p
                .trim()
                .parse()
                .map_err(|_| format!("invalid growth {s:?}: expected 5% or a size like 20MB"))?;
            if !(p >= 0.0 && p.is_finite()) {
                return Err(format!("invalid growth {s:?}: must be 0% or more"));
            }
            Ok(MaxGrowth::Percent(p))
        } else {
            parse_size(t).map(MaxGrowth::Bytes)
        }
    }
}

impl MaxGrowth {
    /// The allowed growth in bytes for a baseline of `old` bytes (rounded
    /// down).
    pub fn allowed(self, old: u64) -> u64 {
        match self {
            MaxGrowth::Bytes(b) => b,
            MaxGrowth::Percent(p) => (old as f64 * p / 100.0).floor() as u64,
        }
    }
}

impl<'de> Deserialize<'de> for MaxGrowth {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<MaxGrowth, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = MaxGrowth;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a growth such as \"5%\", \"20MB\" or a number of bytes")
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<MaxGrowth, E> {
                Ok(MaxGrowth::Bytes(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<MaxGrowth, E> {
                u64::try_from(v)
                    .map(MaxGrowth::Bytes)
                    .map_err(|_| E::custom("a growth cannot be negative"))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<MaxGrowth, E> {
                v.parse().map_err(E::custom)
            }
        }
        d.deserialize_any(V)
    }
}

/// In a JSON Schema (docs/schema/): a number of bytes, or a string: a
/// percentage or a size with a unit.
#[cfg(feature = "schema")]
impl schemars::JsonSchema for MaxGrowth {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "MaxGrowth".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "A growth: a percentage of the baseline's size_bytes (\"5%\"), or a size (a number of bytes, or a string with a unit as in Size).",
            "anyOf": [
                { "type": "number", "minimum": 0 },
                { "type": "string", "pattern": "^\\s*([0-9]+\\.?[0-9]*|\\.[0-9]+)\\s*%\\s*$" },
                {
                    "type": "string",
                    "pattern": "^\\s*([0-9]+\\.?[0-9]*|\\.[0-9]+)\\s*([bB]|[kKmMgGtT]([bB]|[iI][bB])?)?\\s*$"
                }
            ],
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_or_size() {
        assert_eq!("5%".parse::<MaxGrowth>(), Ok(MaxGrowth::Percent(5.0)));
        assert_eq!("0.5 %".parse::<MaxGrowth>(), Ok(MaxGrowth::Percent(0.5)));
        assert_eq!(
            "20MB".parse::<MaxGrowth>(),
            Ok(MaxGrowth::Bytes(20_000_000))
        );
        assert!("-1%".parse::<MaxGrowth>().is_err());
        assert!("five%".parse::<MaxGrowth>().is_err());
        // 5% of 1,000,001 bytes is 50,000.05: rounded down
        assert_eq!(MaxGrowth::Percent(5.0).allowed(1_000_001), 50_000);
        assert_eq!(MaxGrowth::Bytes(7).allowed(1_000_001), 7);
    }
}
