//! [`LayerIndex`]: which layer of an image, bottom first.
//!
//! One type for every field and parameter that names a layer, so no code
//! has to know (or comment) whether a bare integer counts from 0 or from 1.
//! Inside it is the 0-based position in the image's layer list (what the
//! overlay's arenas store and what indexes `Image::layers`); users see the
//! 1-based [`number`](LayerIndex::number): `L1` is the bottom layer, and the
//! JSON contract (interface.md: layer indexes are 1-based, bottom = 1)
//! writes that number.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A layer of the image: 0-based inside, shown and serialised 1-based.
///
/// A `u32` newtype: the overlay's `Version` and `Inode` stay as small as
/// with a bare `u32`.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LayerIndex(u32);

impl LayerIndex {
    /// The bottom layer.
    pub const BOTTOM: LayerIndex = LayerIndex(0);

    /// The layer at 0-based position `zero_based` (bottom = 0).
    pub const fn new(zero_based: u32) -> LayerIndex {
        LayerIndex(zero_based)
    }

    /// The layer users call `number` (bottom = 1). Panics on 0, or past
    /// `u32::MAX` layers (a limit no image reaches).
    pub fn from_number(number: usize) -> LayerIndex {
        assert!(number > 0, "layer numbers start at 1");
        LayerIndex(u32::try_from(number - 1).expect("fewer than 2^32 layers"))
    }

    /// The layer at position `index` of a layer list (bottom = 0). Panics
    /// past `u32::MAX` layers.
    pub fn from_index(index: usize) -> LayerIndex {
        LayerIndex(u32::try_from(index).expect("fewer than 2^32 layers"))
    }

    /// Every layer of an image of `count` layers, bottom first.
    pub fn all(count: usize) -> impl DoubleEndedIterator<Item = LayerIndex> + ExactSizeIterator {
        (0..count).map(LayerIndex::from_index)
    }

    /// The 0-based position.
    pub const fn get(self) -> u32 {
        self.0
    }

    /// The 0-based position, to index a layer list.
    pub const fn index(self) -> usize {
        self.0 as usize
    }

    /// The 1-based number users see (`L1` is the bottom layer).
    pub const fn number(self) -> usize {
        self.0 as usize + 1
    }

    /// The layer below, if this is not the bottom one.
    pub fn below(self) -> Option<LayerIndex> {
        self.0.checked_sub(1).map(LayerIndex)
    }
}

impl fmt::Display for LayerIndex {
    /// The 1-based number.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.number(), f)
    }
}

impl fmt::Debug for LayerIndex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "L{}", self.number())
    }
}

impl Serialize for LayerIndex {
    /// The 1-based number, as the JSON contract writes layers.
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(self.number() as u64)
    }
}

impl<'de> Deserialize<'de> for LayerIndex {
    /// From the 1-based number; 0 is no layer.
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<LayerIndex, D::Error> {
        let n = u32::deserialize(d)?;
        n.checked_sub(1)
            .map(LayerIndex)
            .ok_or_else(|| serde::de::Error::custom("layer numbers start at 1"))
    }
}

/// In a JSON Schema (docs/schema/): the 1-based number, bottom layer = 1.
#[cfg(feature = "schema")]
impl schemars::JsonSchema for LayerIndex {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "LayerIndex".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "A layer, 1-based: the bottom layer is 1.",
            "type": "integer",
            "minimum": 1,
            "maximum": u32::MAX,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::LayerIndex;

    #[test]
    fn zero_based_inside_one_based_outside() {
        let l = LayerIndex::from_number(3);
        assert_eq!(l, LayerIndex::new(2));
        assert_eq!((l.get(), l.index(), l.number()), (2, 2, 3));
        assert_eq!(l.to_string(), "3");
        assert_eq!(serde_json::to_string(&l).unwrap(), "3");
        assert_eq!(LayerIndex::BOTTOM.below(), None);
        assert_eq!(l.below(), Some(LayerIndex::new(1)));
        assert!(LayerIndex::new(1) < l);
        assert_eq!(serde_json::from_str::<LayerIndex>("3").unwrap(), l);
        assert!(serde_json::from_str::<LayerIndex>("0").is_err());
    }
}
