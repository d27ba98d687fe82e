//! The image config (image-spec `config.md`; Docker's image JSON is the
//! same shape): platform, `rootfs.diff_ids`, and `history`.
//!
//! Parsed leniently: only `rootfs.diff_ids` is required (without it the
//! layers cannot be checked); every other field may be missing.

use serde::Deserialize;

use crate::error::{Error, Result};
use crate::LayerIndex;

use super::select::Platform;

#[derive(Deserialize)]
struct ConfigJson {
    #[serde(default)]
    architecture: Option<String>,
    #[serde(default)]
    os: Option<String>,
    #[serde(default)]
    variant: Option<String>,
    rootfs: RootFs,
    #[serde(default)]
    history: Option<Vec<HistoryJson>>,
}

#[derive(Deserialize)]
struct RootFs {
    #[serde(deserialize_with = "null_as_empty")]
    diff_ids: Vec<String>,
}

#[derive(Deserialize)]
struct HistoryJson {
    #[serde(default)]
    created_by: Option<String>,
    #[serde(default)]
    empty_layer: Option<bool>,
}

/// What the readers need from a config.
#[derive(Debug, Clone)]
pub(crate) struct ImageConfig {
    pub platform: Option<Platform>,
    pub diff_ids: Vec<String>,
    /// `created_by` of the history entries that made a layer
    /// (`empty_layer` not true), in order: entry i belongs to layer i+1.
    pub layer_history: Vec<Option<String>>,
    /// Every history entry, empty layers included, in order.
    pub history: Vec<super::HistoryEntry>,
}

impl ImageConfig {
    pub fn parse(bytes: &[u8], file: &str) -> Result<ImageConfig> {
        let c: ConfigJson = parse_json(bytes, file)?;
        let platform = match (&c.os, &c.architecture) {
            (Some(os), Some(arch)) if !os.is_empty() && !arch.is_empty() => {
                Some(Platform::new(os, arch, c.variant.as_deref()))
            }
            _ => None,
        };
        let history: Vec<super::HistoryEntry> = c
            .history
            .unwrap_or_default()
            .into_iter()
            .map(|h| super::HistoryEntry {
                created_by: h.created_by,
                empty_layer: h.empty_layer == Some(true),
            })
            .collect();
        let layer_history = history
            .iter()
            .filter(|h| !h.empty_layer)
            .map(|h| h.created_by.clone())
            .collect();
        Ok(ImageConfig {
            platform,
            diff_ids: c.rootfs.diff_ids,
            layer_history,
            history,
        })
    }

    /// The build step of layer `layer`; history may be shorter than the
    /// layer list (squashed or hand-made images).
    pub fn created_by(&self, layer: LayerIndex) -> Option<String> {
        self.layer_history.get(layer.index()).cloned().flatten()
    }
}

/// Parse a metadata file, naming it and keeping serde's message (which
/// gives line and column).
pub(crate) fn parse_json<'a, T: Deserialize<'a>>(bytes: &'a [u8], file: &str) -> Result<T> {
    serde_json::from_slice(bytes).map_err(|e| Error::metadata(file, format!("invalid JSON: {e}")))
}

/// `null` where a list or map may be empty. Go's encoding/json writes a nil
/// slice or map as `null` (`"manifests": null`, `"Layers": null`,
/// `"diff_ids": null`), and the specs allow these lists to be empty: read
/// `null` as empty. The field stays required: absent is still an error.
pub(crate) fn null_as_empty<'de, D, T>(d: D) -> std::result::Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn history_skips_empty_layers() {
        let c = ImageConfig::parse(
            br#"{"os":"linux","architecture":"arm","variant":"v7",
                 "rootfs":{"type":"layers","diff_ids":["sha256:a","sha256:b"]},
                 "history":[{"created_by":"ENV x"  ,"empty_layer":true},
                            {"created_by":"ADD a"},{"comment":"no step"}]}"#,
            "config",
        )
        .unwrap();
        assert_eq!(c.platform.as_ref().unwrap().to_string(), "linux/arm/v7");
        let l = LayerIndex::from_number;
        assert_eq!(c.created_by(l(1)).as_deref(), Some("ADD a"));
        assert_eq!(c.created_by(l(2)), None);
        assert_eq!(c.created_by(l(3)), None);
    }

    #[test]
    fn rootfs_is_required() {
        let e = ImageConfig::parse(br#"{"os":"linux"}"#, "config x").unwrap_err();
        assert_eq!(
            e.to_string(),
            "config x: invalid JSON: missing field `rootfs` at line 1 column 14"
        );
    }
}
