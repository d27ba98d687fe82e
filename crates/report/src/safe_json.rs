//! serde_json escapes C0 controls (`\u001b`) but writes DEL, C1 controls
//! (U+0080–U+009F: `U+009B` is a CSI to some terminals) and bidi overrides
//! raw. `report --format json` often goes to a terminal, and every string
//! in it may come from the image: those characters are written as `\uXXXX`
//! escapes too. The JSON parses to exactly the same strings.

use std::io::{self, Write};

use serde::Serialize;
use serde_json::ser::{Formatter, PrettyFormatter};

/// Characters a terminal may act on or that reorder what it shows, beyond
/// the C0 controls serde_json already escapes (same set as
/// `escape::for_terminal`).
fn needs_escape(c: char) -> bool {
    c.is_control()
        || matches!(c as u32, 0x200B..=0x200F | 0x2028..=0x202E | 0x2066..=0x2069 | 0xFEFF)
}

struct Safe<'a>(PrettyFormatter<'a>);

impl Formatter for Safe<'_> {
    fn write_string_fragment<W: ?Sized + Write>(
        &mut self,
        w: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        let mut start = 0;
        for (i, c) in fragment.char_indices() {
            if needs_escape(c) {
                w.write_all(&fragment.as_bytes()[start..i])?;
                let mut units = [0u16; 2];
                for u in c.encode_utf16(&mut units) {
                    write!(w, "\\u{:04x}", u)?;
                }
                start = i + c.len_utf8();
            }
        }
        w.write_all(&fragment.as_bytes()[start..])
    }

    // The pretty layout: delegated.
    fn begin_array<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.begin_array(w)
    }
    fn end_array<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_array(w)
    }
    fn begin_array_value<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        self.0.begin_array_value(w, first)
    }
    fn end_array_value<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_array_value(w)
    }
    fn begin_object<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.begin_object(w)
    }
    fn end_object<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_object(w)
    }
    fn begin_object_key<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        self.0.begin_object_key(w, first)
    }
    fn begin_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.begin_object_value(w)
    }
    fn end_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_object_value(w)
    }
}

/// `serde_json::to_writer_pretty`, with the extra escapes.
pub(crate) fn to_writer_pretty<W: Write + ?Sized, T: Serialize>(
    w: &mut W,
    value: &T,
) -> io::Result<()> {
    let mut ser = serde_json::Serializer::with_formatter(w, Safe(PrettyFormatter::new()));
    value.serialize(&mut ser).map_err(io::Error::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_c1_del_and_bidi_and_round_trips() {
        let s = "a\u{1b}b\u{7f}c\u{9b}d\u{202e}e\u{2069}f\u{1F600}g\u{e9}";
        let mut out = Vec::new();
        to_writer_pretty(&mut out, &s).unwrap();
        let text = String::from_utf8(out.clone()).unwrap();
        assert_eq!(
            text,
            "\"a\\u001bb\\u007fc\\u009bd\\u202ee\\u2069f\u{1F600}g\u{e9}\""
        );
        let back: String = serde_json::from_slice(&out).unwrap();
        assert_eq!(back, s);
    }

    #[test]
    fn same_layout_as_serde_json() {
        let v = serde_json::json!({"a": [1, {"b": "x"}], "c": {}, "d": []});
        let mut ours = Vec::new();
        to_writer_pretty(&mut ours, &v).unwrap();
        assert_eq!(ours, serde_json::to_vec_pretty(&v).unwrap());
    }
}
