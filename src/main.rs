// One call needs it: src/malloc.rs (a measured need, issue 13).
#![deny(unsafe_code)]

mod cli;
mod malloc;

use std::ffi::OsString;
use std::process::ExitCode;

use layerscope_core::error::without_os_error;
use layerscope_core::escape::str_for_terminal;
use layerscope_fetch::daemon::Client;
use layerscope_fetch::plugin;

fn main() -> ExitCode {
    malloc::fix_mmap_threshold();
    let argv: Vec<OsString> = std::env::args_os().collect();
    // The Docker CLI asks for this on every `docker` call that lists
    // plugins: answer before anything else is set up.
    if plugin::is_metadata_request(&argv) {
        println!("{}", plugin::metadata(env!("CARGO_PKG_VERSION")));
        return ExitCode::SUCCESS;
    }
    let mut ctx = cli::Context::default();
    let argv = match plugin::invocation(&argv, std::env::var_os(plugin::ORIGINAL_CLI_ENV)) {
        Some(inv) => {
            // `docker layerscope ...`: images come from the daemon of the
            // CLI that started us, with its global flags (--context, -H).
            plugin::watch_cli_socket();
            ctx.daemons.docker = Client::docker(Some(inv.docker), inv.global_args);
            inv.args
        }
        None => argv,
    };
    let args = match cli::parse(&argv) {
        Ok(args) => args,
        Err(code) => return ExitCode::from(code),
    };
    let outcome = cli::run(args, &ctx);
    if let Err(cli::Failure::Error(e)) = &outcome {
        // One line; names inside images are untrusted, so escaped.
        // No "(os error N)": the words already say it.
        let msg = without_os_error(&e.to_string());
        eprintln!("layerscope: {}", str_for_terminal(&msg));
    }
    // The check's own output already says which rules failed.
    ExitCode::from(cli::exit_code(&outcome))
}
