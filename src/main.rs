#![forbid(unsafe_code)]

mod cli;

use std::process::ExitCode;

use clap::Parser;
use layerscope_core::escape::str_for_terminal;

fn main() -> ExitCode {
    let args = cli::Cli::parse();
    let outcome = cli::run(args);
    if let Err(cli::Failure::Error(e)) = &outcome {
        // One line; names inside images are untrusted, so escaped.
        eprintln!("layerscope: {}", str_for_terminal(&e.to_string()));
    }
    // The check's own output already says which rules failed.
    ExitCode::from(cli::exit_code(&outcome))
}
