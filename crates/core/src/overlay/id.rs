//! Typed indexes into the overlay's arenas (and into a layer's entries).
//!
//! Each id is a `u32` index stored as `index + 1` in a `NonZeroU32`, so an
//! `Option<Id>` is still 4 bytes: the arena's links ("no parent", "no
//! previous version", "no inode") cost what the old `u32::MAX` sentinel did
//! (docs/architecture.md, "Memory"), and no sentinel can be read as an index.

use std::fmt;
use std::num::NonZeroU32;

macro_rules! arena_id {
    ($(#[$doc:meta])* $name:ident, $what:literal) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(NonZeroU32);

        impl $name {
            /// The id of the `index`-th element. Panics past `u32::MAX - 1`
            /// elements, a limit no image reaches (the arenas hold one
            /// element per tar entry at most).
            pub fn new(index: usize) -> $name {
                u32::try_from(index)
                    .ok()
                    .and_then(|i| i.checked_add(1))
                    .and_then(NonZeroU32::new)
                    .map($name)
                    .expect(concat!("fewer than 2^32 - 1 ", $what))
            }

            /// The index into the arena (or changeset) it names.
            pub fn index(self) -> usize {
                (self.0.get() - 1) as usize
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!(stringify!($name), "({})"), self.index())
            }
        }
    };
}

arena_id!(
    /// A path in [`Overlay::nodes`](super::Overlay::nodes).
    NodeId,
    "paths"
);
arena_id!(
    /// A version in [`Overlay::versions`](super::Overlay::versions).
    VersionId,
    "versions"
);
arena_id!(
    /// A regular-file inode in [`Overlay::inodes`](super::Overlay::inodes).
    InodeId,
    "inodes"
);
arena_id!(
    /// An entry of one layer's `Changeset::entries`, in tar order.
    EntryId,
    "entries per layer"
);

impl NodeId {
    /// The root directory, node 0: it exists before any layer.
    pub const ROOT: NodeId = NodeId(NonZeroU32::MIN);
}
