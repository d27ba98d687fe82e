#![forbid(unsafe_code)]

mod cli;

use std::process::ExitCode;

use clap::Parser;
use layerscope::escape::str_for_terminal;

fn main() -> ExitCode {
    let args = cli::Cli::parse();
    match cli::run(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(cli::Failure::Error(e)) => {
            // One line; names inside images are untrusted, so escaped.
            eprintln!("layerscope: {}", str_for_terminal(&e.to_string()));
            ExitCode::from(2)
        }
    }
}
