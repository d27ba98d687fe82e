//! Write the JSON Schemas of the contract into `docs/schema/`
//! (`report.schema.json`, `check.schema.json`, `config.schema.json`),
//! generated from the Rust types (`layerscope_report::schema`).
//!
//! usage: cargo run --example schemas
//!
//! Run it after changing a type of the report, the check output or the
//! config file; the test suite (`tests/schemas.rs`) fails until the
//! checked-in files match the types.

use std::path::Path;
use std::process::ExitCode;

use layerscope_report::schema;

fn main() -> ExitCode {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(schema::DIR);
    if let Err(e) = std::fs::create_dir_all(&dir) {
        eprintln!("schemas: {}: {e}", dir.display());
        return ExitCode::FAILURE;
    }
    for (name, text) in schema::all() {
        let path = dir.join(name);
        if let Err(e) = std::fs::write(&path, text) {
            eprintln!("schemas: {}: {e}", path.display());
            return ExitCode::FAILURE;
        }
        println!("wrote {}", path.display());
    }
    ExitCode::SUCCESS
}
