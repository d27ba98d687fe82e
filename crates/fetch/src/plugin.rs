//! `docker layerscope IMAGE`: the same binary, installed as
//! `docker-layerscope` in a Docker CLI plugin directory.
//!
//! The contract (docker/cli `cli-plugins/`; `../shared/notes/image-sources.md`
//! §3): `docker-layerscope docker-cli-plugin-metadata` prints a JSON object
//! and nothing else, instantly (the CLI runs it for `docker --help`); a real
//! call gets the CLI's whole argv minus `docker`, its global flags first
//! (`--context ctx -D layerscope report img`), with
//! `DOCKER_CLI_PLUGIN_ORIGINAL_CLI_COMMAND` naming the CLI. We run that CLI
//! with those global flags for `image save`, so contexts, `-H`, TLS and ssh
//! hosts work as in any docker command.

use std::ffi::{OsStr, OsString};
use std::path::Path;

/// The subcommand the Docker CLI asks every plugin for its metadata.
pub const METADATA_COMMAND: &str = "docker-cli-plugin-metadata";

/// The environment variable the Docker CLI sets for its plugins.
pub const ORIGINAL_CLI_ENV: &str = "DOCKER_CLI_PLUGIN_ORIGINAL_CLI_COMMAND";

/// The plugin's name: `docker-<name>`, `docker <name>`.
pub const NAME: &str = "layerscope";

/// The metadata JSON (`SchemaVersion` below 2.0.0 and `Vendor` are required).
pub fn metadata(version: &str) -> String {
    serde_json::json!({
        "SchemaVersion": "0.1.0",
        "Vendor": "layerscope",
        "Version": version,
        "ShortDescription": "Where the bytes of an image go, and how to get them back",
        "URL": "https://github.com/layerscope/layerscope",
    })
    .to_string()
}

/// A run as a Docker CLI plugin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invocation {
    /// The Docker CLI that started us.
    pub docker: OsString,
    /// Its global flags, to pass on to `docker image save`.
    pub global_args: Vec<OsString>,
    /// Our own arguments, with the program name first (for clap).
    pub args: Vec<OsString>,
}

/// Docker's global flags that take a value in the next argument.
const VALUE_FLAGS: [&str; 10] = [
    "--config",
    "-c",
    "--context",
    "-H",
    "--host",
    "-l",
    "--log-level",
    "--tlscacert",
    "--tlscert",
    "--tlskey",
];

/// Recognise a plugin run: we are `docker-layerscope` and the Docker CLI
/// says it started us. `argv[0]` stays our name; everything up to the
/// `layerscope` argument is the CLI's global flags.
pub fn invocation(argv: &[OsString], original_cli: Option<OsString>) -> Option<Invocation> {
    let docker = original_cli.filter(|c| !c.is_empty())?;
    let me = argv.first()?;
    let stem = Path::new(me).file_name()?.to_str()?;
    if stem != format!("docker-{NAME}") {
        return None;
    }
    let mut i = 1;
    while i < argv.len() {
        let a = argv[i].to_str().unwrap_or("");
        if a == NAME {
            let mut args = vec![OsString::from(NAME)];
            args.extend(argv[i + 1..].iter().cloned());
            return Some(Invocation {
                docker,
                global_args: argv[1..i].to_vec(),
                args,
            });
        }
        i += if VALUE_FLAGS.contains(&a) { 2 } else { 1 };
    }
    None
}

/// Is this the CLI asking for the metadata? (`argv[1]`, whoever runs us.)
pub fn is_metadata_request(argv: &[OsString]) -> bool {
    argv.get(1).map(OsString::as_os_str) == Some(OsStr::new(METADATA_COMMAND))
}

/// With a non-terminal stdout, the Docker CLI tells a plugin to stop by
/// closing the socket it names in `DOCKER_CLI_PLUGIN_SOCKET` instead of
/// sending a signal: connect, and exit when it closes.
#[cfg(target_os = "linux")]
pub fn watch_cli_socket() {
    use std::io::Read;
    use std::os::linux::net::SocketAddrExt;
    use std::os::unix::net::{SocketAddr, UnixStream};

    let Ok(name) = std::env::var("DOCKER_CLI_PLUGIN_SOCKET") else {
        return;
    };
    let Some(abstract_name) = name.strip_prefix('@') else {
        return;
    };
    let Ok(addr) = SocketAddr::from_abstract_name(abstract_name.as_bytes()) else {
        return;
    };
    let Ok(mut conn) = UnixStream::connect_addr(&addr) else {
        return;
    };
    std::thread::spawn(move || {
        let mut buf = [0u8; 64];
        while matches!(conn.read(&mut buf), Ok(n) if n > 0) {}
        // 128 + SIGINT: what a shell reports for an interrupted command.
        std::process::exit(130);
    });
}

#[cfg(not(target_os = "linux"))]
pub fn watch_cli_socket() {}

#[cfg(test)]
mod tests {
    use super::*;

    fn os(v: &[&str]) -> Vec<OsString> {
        v.iter().map(OsString::from).collect()
    }

    #[test]
    fn metadata_is_the_contract_json() {
        let v: serde_json::Value = serde_json::from_str(&metadata("1.2.3")).unwrap();
        assert_eq!(v["SchemaVersion"], "0.1.0");
        assert_eq!(v["Vendor"], "layerscope");
        assert_eq!(v["Version"], "1.2.3");
        assert!(is_metadata_request(&os(&[
            "docker-layerscope",
            METADATA_COMMAND
        ])));
        assert!(!is_metadata_request(&os(&["layerscope", "img.tar"])));
    }

    #[test]
    fn global_flags_are_split_from_ours() {
        let argv = os(&[
            "/home/u/.docker/cli-plugins/docker-layerscope",
            "--context",
            "layerscope",
            "-D",
            "layerscope",
            "report",
            "--format",
            "json",
            "app:1",
        ]);
        let inv = invocation(&argv, Some("/usr/bin/docker".into())).unwrap();
        assert_eq!(inv.docker, "/usr/bin/docker");
        // A context named like the plugin is a flag value, not the split.
        assert_eq!(inv.global_args, os(&["--context", "layerscope", "-D"]));
        assert_eq!(
            inv.args,
            os(&["layerscope", "report", "--format", "json", "app:1"])
        );
    }

    #[test]
    fn not_a_plugin_run() {
        let argv = os(&["docker-layerscope", "layerscope", "img"]);
        // Not started by the Docker CLI.
        assert_eq!(invocation(&argv, None), None);
        // Another name.
        let other = os(&["layerscope", "layerscope", "img"]);
        assert_eq!(invocation(&other, Some("docker".into())), None);
    }
}
