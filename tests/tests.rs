//! The one integration-test binary (ripgrep's layout: `autotests = false`).
//! Each module is one area of the tool, run against the real binary or the
//! library crates; `support/` builds the inputs they share.

mod support;

mod analysis_figures;
mod check_baseline;
mod check_binary;
mod check_budgets;
mod check_dive;
mod check_render;
mod ci_action;
mod ci_doc_jobs;
mod cli_shell;
mod container_image;
mod diff_compare;
mod dive_figures;
mod dockerfile_lines;
mod fix_rebuild;
mod hostile_escapes;
mod hostile_inputs;
mod image_daemons;
mod image_registry;
mod layer_cache;
mod layer_scan;
mod mcp_server;
mod overlay_model;
mod overlay_rules;
mod packages_debian;
mod packages_figures;
mod packages_rpm;
mod registry_faults;
mod release_packaging;
mod report_browser;
mod report_emit;
mod report_formats;
mod schemas;
mod source_digests;
mod source_errors;
mod source_formats;
mod source_go_nulls;
mod source_prefix;
mod source_select;
mod source_verify;
mod testdata_images;
mod tui_e2e;
mod tui_fast_paths;
mod tui_packages;
mod tui_preview;
mod tui_snapshots;
mod tui_update;
mod unstripped_elf;
