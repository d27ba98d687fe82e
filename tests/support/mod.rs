//! Inputs built in code, shared by the test modules.

pub mod archives;
pub mod dive_cases;
pub mod hostile;
pub mod images;
pub mod layers;
pub mod tui_image;
