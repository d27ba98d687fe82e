//! JSON Schemas of the contract (interface.md "Schemas"), generated from
//! the types that write it: the report, the check output and the config
//! file. `docs/schema/` holds them, written by `cargo run --example
//! schemas`; the test suite fails when the two drift.
//!
//! The report's enums are strings in the types (they are read back from
//! older reports); the functions here give their values, each from an
//! exhaustive list of the Rust enum that writes them, so a new variant is
//! a compile error here until the schema lists it.

use schemars::{json_schema, Schema, SchemaGenerator};
use serde_json::Value;

use crate::check::render::CheckOutput;
use crate::check::{Measure, Status};
use crate::Report;
use layerscope_core::analysis::Severity;
use layerscope_core::config::Config;
use layerscope_core::overlay::Cause;
use layerscope_core::source::{Format, Origin, Verified};

/// Where the schemas live, relative to the repository root.
pub const DIR: &str = "docs/schema";

/// Every schema: (file name in [`DIR`], pretty JSON with a final newline).
pub fn all() -> Vec<(&'static str, String)> {
    [
        ("report.schema.json", report()),
        ("check.schema.json", check()),
        ("config.schema.json", config()),
        ("fix.schema.json", fix()),
        ("diff.schema.json", diff()),
    ]
    .into_iter()
    .map(|(name, schema)| {
        let mut text = serde_json::to_string_pretty(&schema).expect("a schema is JSON");
        text.push('\n');
        (name, text)
    })
    .collect()
}

/// `report --format json`.
pub fn report() -> Schema {
    let g = schemars::generate::SchemaSettings::draft2020_12()
        .for_serialize()
        .into_generator();
    titled(
        g.into_root_schema_for::<Report>(),
        "layerscope report --format json",
    )
}

/// `diff --format json`.
pub fn diff() -> Schema {
    let g = schemars::generate::SchemaSettings::draft2020_12()
        .for_serialize()
        .into_generator();
    titled(
        g.into_root_schema_for::<crate::diff::json::DiffJson>(),
        "layerscope diff --format json",
    )
}

/// `check --format json`: the report plus `passed`, `default_budget` and
/// `checks[]`.
pub fn check() -> Schema {
    let g = schemars::generate::SchemaSettings::draft2020_12()
        .for_serialize()
        .into_generator();
    titled(
        g.into_root_schema_for::<CheckOutput<'static>>(),
        "layerscope check --format json",
    )
}

/// `fix --format json`.
pub fn fix() -> Schema {
    let g = schemars::generate::SchemaSettings::draft2020_12()
        .for_serialize()
        .into_generator();
    titled(
        g.into_root_schema_for::<crate::fix::FixJson>(),
        "layerscope fix --format json",
    )
}

/// `.layerscope.toml`, as its TOML maps to JSON.
pub fn config() -> Schema {
    let g = schemars::generate::SchemaSettings::draft2020_12()
        .for_deserialize()
        .into_generator();
    titled(
        g.into_root_schema_for::<Config>(),
        "layerscope .layerscope.toml (the TOML as JSON)",
    )
}

fn titled(mut schema: Schema, title: &str) -> Schema {
    schema.insert("title".into(), title.into());
    schema
}

/// A string enum with its values; `nullable` adds `null`.
fn one_of(values: &[&str], nullable: bool) -> Schema {
    let mut values: Vec<Value> = values.iter().map(|&v| v.into()).collect();
    if nullable {
        values.push(Value::Null);
        json_schema!({ "type": ["string", "null"], "enum": values })
    } else {
        json_schema!({ "type": "string", "enum": values })
    }
}

pub(crate) fn image_format(_: &mut SchemaGenerator) -> Schema {
    let all = [
        Format::DockerArchive,
        Format::DockerOci,
        Format::OciLayout,
        Format::OciArchive,
        Format::Registry,
    ];
    // A new variant fails to compile here until `all` lists it.
    let _ = |f: Format| match f {
        Format::DockerArchive
        | Format::DockerOci
        | Format::OciLayout
        | Format::OciArchive
        | Format::Registry => (),
    };
    one_of(&all.map(Format::as_str), false)
}

pub(crate) fn image_source(_: &mut SchemaGenerator) -> Schema {
    let all = [
        Origin::File,
        Origin::Stdin,
        Origin::Docker,
        Origin::Podman,
        Origin::Registry,
    ];
    let _ = |o: Origin| match o {
        Origin::File | Origin::Stdin | Origin::Docker | Origin::Podman | Origin::Registry => (),
    };
    one_of(&all.map(Origin::as_str), true)
}

pub(crate) fn layer_verified(_: &mut SchemaGenerator) -> Schema {
    let all = [
        Verified::None,
        Verified::Blob,
        Verified::DiffId,
        Verified::Both,
    ];
    let _ = |v: Verified| match v {
        Verified::None | Verified::Blob | Verified::DiffId | Verified::Both => (),
    };
    one_of(&all.map(Verified::as_str), false)
}

pub(crate) fn hidden_cause(_: &mut SchemaGenerator) -> Schema {
    // `Merged` ends directories only, which carry no bytes: never in hidden[].
    let _ = |c: Cause| match c {
        Cause::Removed | Cause::Overwritten | Cause::Merged => (),
    };
    one_of(
        &[Cause::Removed, Cause::Overwritten].map(Cause::as_str),
        false,
    )
}

pub(crate) fn severity(_: &mut SchemaGenerator) -> Schema {
    let _ = |s: Severity| match s {
        Severity::Info | Severity::Warning => (),
    };
    one_of(
        &[Severity::Info, Severity::Warning].map(Severity::as_str),
        false,
    )
}

pub(crate) fn check_status(_: &mut SchemaGenerator) -> Schema {
    let _ = |s: Status| match s {
        Status::Pass | Status::Fail | Status::Skip => (),
    };
    one_of(
        &[Status::Pass, Status::Fail, Status::Skip].map(Status::as_str),
        false,
    )
}

pub(crate) fn measure_unit(_: &mut SchemaGenerator) -> Schema {
    let all = [
        Measure::Bytes(0),
        Measure::Percent(0.0),
        Measure::Ratio(0.0),
        Measure::Count(0),
    ];
    let _ = |m: Measure| match m {
        Measure::Bytes(_)
        | Measure::Delta(_)
        | Measure::Percent(_)
        | Measure::Ratio(_)
        | Measure::Count(_) => (),
    };
    one_of(&all.map(Measure::unit), true)
}

/// `checks[].value` / `limit`: an integer for bytes and counts (a signed
/// one for a growth), a number for a percent or a ratio.
pub(crate) fn measure(_: &mut SchemaGenerator) -> Schema {
    json_schema!({ "type": ["number", "null"] })
}
