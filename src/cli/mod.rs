//! Command-line glue: parse arguments, load the image, hand the Analysis to
//! a front end. Only `main` decides exit codes.

pub mod mcp;
pub mod outputs;
pub mod progress;

use std::ffi::OsString;
use std::io::{self, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use clap::builder::{PossibleValue, PossibleValuesParser};
use clap::{Args, CommandFactory, Parser, Subcommand};
use layerscope_cache::DiskCache;
use layerscope_core::analysis::{Analysis, CacheRules};
use layerscope_core::config::{Budget, Config, Size};
use layerscope_core::diff::Side;
use layerscope_core::dive::DiveAhead;
use layerscope_core::dockerfile::FixPlan;
use layerscope_core::escape::str_for_terminal;
use layerscope_core::source::{LayerCache, OpenOptions, ProgressSink, VerifyLayers};
use layerscope_core::Error;
use layerscope_fetch::{Daemons, RegistryOptions, SourceKind};
use layerscope_report as report;
use layerscope_report::check::{self, baseline, Budgets, DiveCi, Growth, MaxGrowth};

#[derive(Parser, Debug)]
#[command(
    name = "layerscope",
    version,
    about = "Exactly where the bytes of a container image go, and how to get them back",
    args_conflicts_with_subcommands = true,
    after_help = TOP_EXAMPLES
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub common: Common,
    /// Explorer: show the tree only once every layer is read (no preview
    /// of the layers read so far; the final tree comes sooner, in less
    /// memory)
    #[arg(long)]
    pub no_preview: bool,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Export the waste report (text, json, csv, md, html)
    #[command(after_help = REPORT_EXAMPLES)]
    Report(Box<ReportArgs>),
    /// The CI gate: check size budgets; exit 0 pass, 1 budget exceeded, 2 error
    #[command(after_help = CHECK_EXAMPLES)]
    Check(Box<CheckArgs>),
    /// Patch the Dockerfile with the measured remedies (a unified diff)
    #[command(after_help = FIX_EXAMPLES)]
    Fix(Box<FixArgs>),
    /// Compare two images (or saved JSON reports): layers, files, waste
    #[command(after_help = DIFF_EXAMPLES)]
    Diff(Box<DiffArgs>),
    /// Print a shell completion script to stdout
    #[command(after_help = COMPLETIONS_EXAMPLES)]
    Completions {
        /// The shell to complete for
        #[arg(value_name = "SHELL")]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff) to stdout
    #[command(after_help = MAN_EXAMPLES)]
    Man,
    /// Serve the Model Context Protocol on stdio (tools: report, check, diff, fix)
    #[command(after_help = MCP_EXAMPLES)]
    Mcp,
}

const TOP_EXAMPLES: &str = "\
Examples:
  layerscope img.tar                      explore the image (a terminal) or print the summary
  docker save app:1 | layerscope -        read a docker save from stdin
  layerscope python:3.12-slim             look the image up in Docker, Podman, then its registry
  layerscope report -f html -o r.html img.tar
  layerscope check --max-wasted 20MB img.tar";

const REPORT_EXAMPLES: &str = "\
Examples:
  layerscope report img.tar                        the text summary
  layerscope report -f json -o report.json img.tar
  layerscope report -f csv --csv-table hidden img.tar
  layerscope report -f html -o report.html docker://alpine:3.20
  layerscope report --emit json=report.json --emit html=report.html img.tar
  docker save app:1 | layerscope report -f md -";

const CHECK_EXAMPLES: &str = "\
Examples:
  layerscope check img.tar                         the budget in .layerscope.toml (or the default)
  layerscope check --max-size 1.2GB --max-wasted 20MB img.tar
  layerscope check --max-cache pip=0 -f junit -o junit.xml img.tar
  layerscope check --dive-ci .dive-ci img.tar
  layerscope check -f github --emit md=summary.md --emit junit=junit.xml img.tar
  layerscope check -q --color never img.tar        failures only; the exit code says the rest";

const FIX_EXAMPLES: &str = "\
Examples:
  layerscope fix --dockerfile Dockerfile img.tar            the diff, each hunk with its saving
  layerscope fix --dockerfile Dockerfile -o Dockerfile.slim img.tar
  layerscope fix --dockerfile Dockerfile --write img.tar    edit the Dockerfile in place
  layerscope fix --dockerfile Dockerfile -f json img.tar";
const DIFF_EXAMPLES: &str = "\
Examples:
  layerscope diff app-main.tar app-pr.tar          on a terminal: the compare view; else text
  layerscope diff -f md main.json app:pr           against main's saved report (totals, layers, findings)
  layerscope diff -f json -o diff.json old.tar new.tar
  docker save app:pr | layerscope diff -f html -o diff.html main.tar -";

const COMPLETIONS_EXAMPLES: &str = "\
Examples:
  layerscope completions bash > ~/.local/share/bash-completion/completions/layerscope
  layerscope completions zsh > ~/.zfunc/_layerscope
  layerscope completions fish > ~/.config/fish/completions/layerscope.fish";

const MCP_EXAMPLES: &str = "\
Examples:
  layerscope mcp                                   serve on stdin/stdout (the assistant starts it)
  claude mcp add layerscope -- layerscope mcp      register it with Claude Code
  {\"mcpServers\": {\"layerscope\": {\"command\": \"layerscope\", \"args\": [\"mcp\"]}}}";

const MAN_EXAMPLES: &str = "\
Examples:
  layerscope man | man -l -
  layerscope man > ~/.local/share/man/man1/layerscope.1";

/// Options every command takes.
#[derive(Args, Debug, Clone)]
pub struct Common {
    /// docker save tarball, oci-archive (either may be gzipped), OCI layout
    /// directory, - for stdin, or an image reference (the Docker or Podman
    /// daemon's, else its registry's; docker://REF for the registry only)
    #[arg(value_name = "IMAGE")]
    pub image_path: Option<String>,
    /// Pick one image of several in the archive
    #[arg(long, value_name = "NAME")]
    pub image: Option<String>,
    /// Pick one manifest of a multi-platform index
    #[arg(long, value_name = "OS/ARCH[/VARIANT]", env = "LAYERSCOPE_PLATFORM")]
    pub platform: Option<String>,
    /// Config file (default: .layerscope.toml in the working directory, if present)
    #[arg(long, value_name = "FILE", env = "LAYERSCOPE_CONFIG")]
    pub config: Option<PathBuf>,
    /// Skip every digest check, metadata and registry blobs included
    #[arg(long, env = "LAYERSCOPE_NO_VERIFY", conflicts_with = "verify")]
    pub no_verify: bool,
    /// Hash layer content against its digests: blob (the default of
    /// --verify) checks every stored byte against the digest that names it,
    /// full also the diff_ids of compressed layers (default without it: no
    /// layer hashing for files and stdin; registry blobs are always checked)
    #[arg(
        long,
        value_name = "WHAT",
        value_enum,
        num_args = 0..=1,
        require_equals = true,
        default_missing_value = "blob",
        env = "LAYERSCOPE_VERIFY"
    )]
    pub verify: Option<VerifyWhat>,
    /// Where to look IMAGE up: file, docker, podman or registry (default: a
    /// file or directory if one exists, else the Docker daemon, then Podman)
    #[arg(long, value_name = "SOURCE", value_parser = source_kind, env = "LAYERSCOPE_SOURCE")]
    pub source: Option<SourceKind>,
    /// Docker: the context to use (default: DOCKER_CONTEXT, else docker's
    /// current context)
    #[arg(long, value_name = "NAME", env = "LAYERSCOPE_CONTEXT")]
    pub context: Option<String>,
    /// Registries: verify TLS certificates (default true); false also
    /// allows plain HTTP
    #[arg(long, value_name = "BOOL", default_value_t = true, action = clap::ArgAction::Set, env = "LAYERSCOPE_TLS_VERIFY")]
    pub tls_verify: bool,
    /// Registries: credentials, USER or USER:PASS (default: docker/podman login's)
    #[arg(
        long,
        value_name = "USER[:PASS]",
        env = "LAYERSCOPE_CREDS",
        hide_env_values = true
    )]
    pub creds: Option<String>,
    /// Registries: CA certificates (*.crt) and client certificate (*.cert +
    /// *.key) (default: /etc/docker/certs.d/HOST:PORT/)
    #[arg(long, value_name = "DIR")]
    pub cert_dir: Option<PathBuf>,
    /// Keep per-layer scan results in DIR (default:
    /// $XDG_CACHE_HOME/layerscope, else ~/.cache/layerscope)
    #[arg(long, value_name = "DIR", env = "LAYERSCOPE_CACHE_DIR")]
    pub cache_dir: Option<PathBuf>,
    /// Neither read nor write the layer cache
    #[arg(long, conflicts_with_all = ["cache_dir", "cache_max"])]
    pub no_cache: bool,
    /// Largest total size of the layer cache, least recently used entries
    /// removed first (default 1GiB)
    #[arg(long, value_name = "SIZE")]
    pub cache_max: Option<Size>,
    /// Colour in the text report and check output: auto (when stdout is a
    /// terminal and NO_COLOR is unset or empty), always or never
    #[arg(long, value_name = "WHEN", value_enum, default_value_t = ColorWhen::Auto, env = "LAYERSCOPE_COLOR")]
    pub color: ColorWhen,
    /// The Dockerfile the image was built from: each layer and finding gets
    /// its line (a mismatch is reported, never guessed)
    #[arg(long, value_name = "PATH")]
    pub dockerfile: Option<PathBuf>,
}

/// `--verify=WHAT`.
#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum VerifyWhat {
    /// Every stored byte against the digest that names it
    Blob,
    /// Blob, and the diff_ids of compressed layers too
    Full,
}

/// `--color`.
#[derive(clap::ValueEnum, Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ColorWhen {
    #[default]
    Auto,
    Always,
    Never,
}

impl ColorWhen {
    /// Whether output written to `output` (`None` or `-`: stdout) is
    /// coloured: `auto` only on a terminal and without `NO_COLOR`
    /// (<https://no-color.org>); an explicit `always` wins over `NO_COLOR`.
    pub fn enabled(self, output: Option<&Path>) -> bool {
        match self {
            ColorWhen::Always => true,
            ColorWhen::Never => false,
            ColorWhen::Auto => {
                let to_stdout = output.is_none_or(|p| p == Path::new("-"));
                let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
                to_stdout && !no_color && io::stdout().is_terminal()
            }
        }
    }
}

impl Common {
    /// The daemon clients, with `--context` passed to the Docker CLI (which
    /// then reads the context store itself, as for any docker command).
    pub fn daemons(&self, ctx: &Context) -> Daemons {
        let mut daemons = ctx.daemons.clone();
        if let Some(c) = &self.context {
            daemons
                .docker
                .global_args
                .extend(["--context".into(), c.into()]);
        }
        daemons
    }

    /// How to reach a registry, from the flags.
    pub fn registry_options(&self) -> RegistryOptions {
        RegistryOptions {
            tls_verify: self.tls_verify,
            creds: self.creds.clone(),
            cert_dir: self.cert_dir.clone(),
        }
    }

    /// The options every reader gets from these flags.
    fn open_options(&self, progress: Option<Arc<dyn ProgressSink>>) -> OpenOptions {
        let verify = !self.no_verify;
        let verify_layers = match self.verify {
            None => VerifyLayers::None,
            Some(VerifyWhat::Blob) => VerifyLayers::Blob,
            Some(VerifyWhat::Full) => VerifyLayers::Full,
        };
        OpenOptions {
            image: self.image.clone(),
            platform: self.platform.clone(),
            verify,
            verify_layers,
            progress,
            // Keys are verified digests: the core asks the cache only when
            // layer digests are verified (`--verify`, or a registry).
            cache: if verify { self.layer_cache() } else { None },
            no_parse_ahead: false,
        }
    }

    /// The layer cache, unless `--no-cache` (or no `HOME` to put it in).
    /// A directory that cannot be written (read-only home) only costs the
    /// next run its scans: writes are best effort.
    fn layer_cache(&self) -> Option<Arc<dyn LayerCache>> {
        if self.no_cache {
            return None;
        }
        let dir = self.cache_dir.clone().or_else(DiskCache::default_dir)?;
        let max = self
            .cache_max
            .map_or(layerscope_cache::DEFAULT_MAX_BYTES, |s| s.0);
        Some(Arc::new(DiskCache::new(&dir, max)))
    }
}

fn source_kind(s: &str) -> Result<SourceKind, String> {
    s.parse()
}

/// What the process was handed besides its arguments: the daemon clients
/// (as a Docker CLI plugin, the CLI that started us, with its global flags).
#[derive(Debug, Clone, Default)]
pub struct Context {
    pub daemons: Daemons,
}

#[derive(Args, Debug)]
#[command(mut_arg("image_path", |a| a.required(true)))]
pub struct ReportArgs {
    #[command(flatten)]
    pub common: Common,
    /// Output format
    #[arg(long, short = 'f', default_value = "text",
          value_parser = names(report::Format::NAMES, report::Format::ALIASES))]
    pub format: String,
    /// With --format csv: which table
    #[arg(long, value_name = "TABLE", default_value = "layers",
          value_parser = names(report::CsvTable::NAMES, &[]))]
    pub csv_table: String,
    /// Write to FILE (atomically) instead of stdout; - is stdout
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Also write FORMAT to PATH (atomically; - is stdout), from the same
    /// read of the image (repeatable)
    #[arg(long, value_name = "FORMAT=PATH", value_parser = outputs::parse_report_emit)]
    pub emit: Vec<outputs::Emit>,
    /// Whether --format or --output was on the command line (set by `parse`).
    #[arg(skip)]
    pub primary_given: bool,
}

#[derive(Args, Debug)]
#[command(mut_arg("image_path", |a| a.required(true)))]
pub struct CheckArgs {
    #[command(flatten)]
    pub common: Common,
    /// Output format
    #[arg(long, short = 'f', default_value = "text",
          value_parser = names(check::Format::NAMES, check::Format::ALIASES))]
    pub format: String,
    /// Write to FILE (atomically) instead of stdout; - is stdout
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Also write FORMAT to PATH (atomically; - is stdout), from the same
    /// read of the image and with the same verdict (repeatable)
    #[arg(long, value_name = "FORMAT=PATH", value_parser = outputs::parse_check_emit)]
    pub emit: Vec<outputs::Emit>,
    /// Whether --format or --output was on the command line (set by `parse`).
    #[arg(skip)]
    pub primary_given: bool,
    /// Text format: print only the failing checks (nothing when all pass);
    /// the exit code says the rest
    #[arg(long, short = 'q')]
    pub quiet: bool,
    /// Largest allowed image size (uncompressed layer tars), e.g. 1.2GB
    #[arg(long, value_name = "SIZE")]
    pub max_size: Option<Size>,
    /// Largest allowed wasted (hidden) bytes, e.g. 20MB
    #[arg(long, value_name = "SIZE")]
    pub max_wasted: Option<Size>,
    /// Largest allowed wasted_bytes / content_bytes * 100
    #[arg(long, value_name = "PERCENT")]
    pub max_wasted_percent: Option<f64>,
    /// Lowest allowed efficiency (live / content), 0-1
    #[arg(long, value_name = "RATIO")]
    pub min_efficiency: Option<f64>,
    /// Largest allowed layer
    #[arg(long, value_name = "SIZE")]
    pub max_layer_size: Option<Size>,
    /// Most layers allowed
    #[arg(long, value_name = "N")]
    pub max_layers: Option<u64>,
    /// The first N layers are the base image: not charged
    #[arg(long, value_name = "N")]
    pub ignore_base_layers: Option<u64>,
    /// Bytes of files under GLOB are not charged (repeatable)
    #[arg(long = "ignore-path", value_name = "GLOB")]
    pub ignore_paths: Vec<String>,
    /// Leave package-manager metadata churn out of the waste budgets
    #[arg(long)]
    pub ignore_churn: bool,
    /// Limit for one cache rule, live + hidden bytes: RULE=SIZE (repeatable; *=SIZE for every other rule)
    #[arg(long, value_name = "RULE=SIZE", value_parser = parse_cache_limit)]
    pub max_cache: Vec<(String, Size)>,
    /// Limit for each package whose name matches NAME (a glob), live bytes: NAME=SIZE (repeatable)
    #[arg(long, value_name = "NAME=SIZE", value_parser = parse_cache_limit)]
    pub max_package: Vec<(String, Size)>,
    /// Limit for the build toolchain left in the image (live bytes of the
    /// packages in the toolchain group; [budget.packages] max_toolchain)
    #[arg(long, value_name = "SIZE")]
    pub max_toolchain: Option<Size>,
    /// Limit for the bytes strip --strip-unneeded would remove from the
    /// image's ELF files ([budget.packages] max_unstripped)
    #[arg(long, value_name = "SIZE")]
    pub max_unstripped: Option<Size>,
    /// Apply dive's .dive-ci rules (lowestEfficiency, highestWastedBytes, highestUserWastedPercent)
    #[arg(long, value_name = "FILE")]
    pub dive_ci: Option<PathBuf>,
    /// The image before: a JSON report saved from the main branch (report
    /// or check --format json), or anything IMAGE accepts
    /// (needs a limit: --max-growth, --max-new-waste, --max-new-packages or
    /// the same keys in the budget file)
    #[arg(long, value_name = "OLD")]
    pub baseline: Option<PathBuf>,
    /// With --baseline: largest allowed growth of size_bytes, e.g. 5% or 20MB
    #[arg(long, value_name = "PERCENT|SIZE", requires = "baseline")]
    pub max_growth: Option<MaxGrowth>,
    /// With --baseline: largest allowed growth of wasted_bytes, e.g. 0 or 1MB
    #[arg(long, value_name = "SIZE", requires = "baseline")]
    pub max_new_waste: Option<Size>,
    /// With --baseline: most packages the image may add that the baseline
    /// does not have (by manager and name)
    #[arg(long, value_name = "N", requires = "baseline")]
    pub max_new_packages: Option<u64>,
}

#[derive(Args, Debug)]
#[command(mut_arg("image_path", |a| a
    .required(true)
    .index(1)
    .value_name("OLD")
    .help("The image before: anything IMAGE accepts, or a saved JSON report (report --format json)")))]
pub struct DiffArgs {
    #[command(flatten)]
    pub common: Common,
    /// The image after: anything IMAGE accepts, or a saved JSON report
    #[arg(value_name = "NEW", index = 2)]
    pub new: String,
    /// Output format (default: the compare view on a terminal, else text)
    #[arg(long, short = 'f',
          value_parser = names(report::diff::Format::NAMES, report::diff::Format::ALIASES))]
    pub format: Option<String>,
    /// Write to FILE (atomically) instead of stdout; - is stdout
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
}

#[derive(Args, Debug)]
#[command(mut_arg("image_path", |a| a.required(true)), mut_arg("dockerfile", |a| a.required(true)))]
pub struct FixArgs {
    #[command(flatten)]
    pub common: Common,
    /// Output format on stdout: diff (a unified diff) or json
    #[arg(long, short = 'f', default_value = "diff", value_parser = ["diff", "json"])]
    pub format: String,
    /// Write the patched Dockerfile to FILE
    #[arg(long, short = 'o', value_name = "FILE", conflicts_with = "write")]
    pub output: Option<PathBuf>,
    /// Edit the Dockerfile in place
    #[arg(long)]
    pub write: bool,
}

/// A value parser over one of the libraries' lists of names: the names
/// are offered (and listed by `--help`), each alias is accepted as a hidden
/// spelling of its name, so clap and `FromStr` agree on what is valid.
fn names(names: &[&'static str], aliases: &[(&'static str, &'static str)]) -> PossibleValuesParser {
    PossibleValuesParser::new(names.iter().map(|&name| {
        aliases
            .iter()
            .filter(|(_, to)| *to == name)
            .fold(PossibleValue::new(name), |v, (alias, _)| v.alias(*alias))
    }))
}

fn parse_cache_limit(s: &str) -> Result<(String, Size), String> {
    let (rule, size) = s
        .split_once('=')
        .ok_or_else(|| format!("expected RULE=SIZE (e.g. pip=0 or *=5MB), got {s:?}"))?;
    let rule = rule.trim();
    if rule.is_empty() {
        return Err(format!("expected RULE=SIZE, got {s:?}"));
    }
    Ok((rule.to_string(), size.parse()?))
}

impl CheckArgs {
    /// The budget keys given as flags.
    pub fn budget(&self) -> Budget {
        Budget {
            max_size: self.max_size,
            max_wasted: self.max_wasted,
            max_wasted_percent: self.max_wasted_percent,
            min_efficiency: self.min_efficiency,
            max_layer_size: self.max_layer_size,
            max_layers: self.max_layers,
            ignore_base_layers: self.ignore_base_layers,
            ignore_paths: self.ignore_paths.clone(),
            ignore_churn: self.ignore_churn.then_some(true),
            max_growth: self.max_growth,
            max_new_waste: self.max_new_waste,
            max_new_packages: self.max_new_packages,
            cache: self.max_cache.iter().cloned().collect(),
            packages: layerscope_core::config::PackageBudget {
                max_toolchain: self.max_toolchain,
                max_unstripped: self.max_unstripped,
                limits: self.max_package.iter().cloned().collect(),
            },
        }
    }
}

/// Parse the command line. Help and version go to stdout (exit 0); usage
/// errors are printed in the one-line `layerscope: …` form (clap's usage
/// block may follow) and give exit code 2. A first word one typo away from
/// a subcommand, and not an existing path, is answered with the subcommand.
pub fn parse(argv: &[OsString]) -> Result<Cli, u8> {
    let typo = argv
        .get(1)
        .and_then(|a| a.to_str())
        .and_then(subcommand_typo);
    let parsed = Cli::try_parse_from(argv);
    if let (Some((word, name)), Ok(Cli { command: None, .. }) | Err(_)) = (&typo, &parsed) {
        let usage = Cli::command().render_usage().to_string();
        eprintln!(
            "layerscope: unrecognized subcommand '{}': did you mean `{name}`?\n\n{usage}\n\nFor more information, try '--help'.",
            str_for_terminal(word)
        );
        return Err(2);
    }
    match parsed {
        Ok(mut cli) => {
            mark_primary_given(&mut cli, argv);
            Ok(cli)
        }
        Err(e) if !e.use_stderr() => {
            // --help, --version: clap prints them (to stdout), exit 0.
            let _ = e.print();
            Err(u8::try_from(e.exit_code()).unwrap_or(2))
        }
        Err(e) => {
            eprint!("{}", one_line_form(&e.render().to_string()));
            Err(2)
        }
    }
}

/// Records whether `--format`/`--output` were on the command line (not
/// clap's default): with `--emit … =-` that decides who has stdout.
fn mark_primary_given(cli: &mut Cli, argv: &[OsString]) {
    let given = |m: &clap::ArgMatches| {
        ["format", "output"]
            .iter()
            .any(|id| m.value_source(id) == Some(clap::parser::ValueSource::CommandLine))
    };
    let Ok(m) = Cli::command().try_get_matches_from(argv) else {
        return;
    };
    match (&mut cli.command, m.subcommand()) {
        (Some(Command::Report(a)), Some((_, sub))) => a.primary_given = given(sub),
        (Some(Command::Check(a)), Some((_, sub))) => a.primary_given = given(sub),
        _ => {}
    }
}

/// clap's `error: what` as `layerscope: what`, the form of every other error.
fn one_line_form(rendered: &str) -> String {
    let body = rendered.strip_prefix("error: ").unwrap_or(rendered);
    let mut out = format!("layerscope: {body}");
    if !out.ends_with('\n') {
        out.push('\n');
    }
    out
}

/// `Some((word, subcommand))` when `word` is not a subcommand, not an
/// existing path, not an image reference (`:`, `/`) and within two edits
/// of a subcommand's name.
fn subcommand_typo(word: &str) -> Option<(String, String)> {
    if word.starts_with('-') || word.contains([':', '/', '.']) || Path::new(word).exists() {
        return None;
    }
    let cmd = Cli::command();
    let names: Vec<String> = cmd
        .get_subcommands()
        .map(|c| c.get_name().to_string())
        .filter(|n| n != "help")
        .collect();
    if names.iter().any(|n| n == word) {
        return None;
    }
    names
        .into_iter()
        .map(|n| (edit_distance(word, &n), n))
        .filter(|(d, _)| *d <= 2)
        .min()
        .map(|(_, n)| (word.to_string(), n))
}

/// Levenshtein distance, over chars.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != *cb);
            cur.push(sub.min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

/// What went wrong, and so which exit code.
#[derive(Debug)]
pub enum Failure {
    /// `check`: at least one budget rule failed (its output is written): exit 1.
    BudgetExceeded,
    /// Unreadable input, bad usage: exit 2.
    Error(Error),
}

impl Failure {
    pub fn exit_code(&self) -> u8 {
        match self {
            Failure::BudgetExceeded => 1,
            Failure::Error(_) => 2,
        }
    }
}

/// The process exit code of a run: 0 success / budget met, 1 budget
/// exceeded, 2 error (interface.md).
pub fn exit_code(outcome: &Result<(), Failure>) -> u8 {
    match outcome {
        Ok(()) => 0,
        Err(f) => f.exit_code(),
    }
}

/// `check`'s verdict on its results.
pub fn verdict(results: &[check::CheckResult]) -> Result<(), Failure> {
    if check::passed(results) {
        Ok(())
    } else {
        Err(Failure::BudgetExceeded)
    }
}

impl From<Error> for Failure {
    fn from(e: Error) -> Failure {
        Failure::Error(e)
    }
}

/// The config in force: `--config`, else `.layerscope.toml` if present.
pub fn load_config(common: &Common) -> Result<Config, Error> {
    let found = match &common.config {
        Some(p) => Some(p.clone()),
        None => {
            let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
            // Named relative to the working directory where it is below it
            // (errors keep saying `.layerscope.toml: …`), else in full.
            find_config(&cwd, user_config_dir().as_deref())
                .map(|p| p.strip_prefix(&cwd).map(Path::to_path_buf).unwrap_or(p))
        }
    };
    match found {
        Some(p) => Config::load(&p),
        None => Ok(Config::default()),
    }
}

/// Where a config is found when `--config` is not given, as other tools
/// find theirs: `.layerscope.toml` in `start` or a parent, stopping at the
/// repository root (the directory holding `.git`), then
/// `CONFIG_DIR/layerscope/config.toml`.
fn find_config(start: &Path, config_dir: Option<&Path>) -> Option<PathBuf> {
    let mut dir = Some(start);
    while let Some(d) = dir {
        let candidate = d.join(".layerscope.toml");
        if candidate.is_file() {
            return Some(candidate);
        }
        if d.join(".git").exists() {
            break;
        }
        dir = d.parent();
    }
    config_dir
        .map(|c| c.join("layerscope").join("config.toml"))
        .filter(|p| p.is_file())
}

/// `$XDG_CONFIG_HOME`, else `~/.config`.
fn user_config_dir() -> Option<PathBuf> {
    match std::env::var_os("XDG_CONFIG_HOME") {
        Some(x) if !x.is_empty() => Some(PathBuf::from(x)),
        _ => std::env::var_os("HOME")
            .filter(|h| !h.is_empty())
            .map(|h| PathBuf::from(h).join(".config")),
    }
}

/// The page with its `.TH` line first, as man pages begin: roff's
/// preamble (the string definitions before it) moves just after it.
fn title_first(roff: &[u8]) -> Vec<u8> {
    let mut lines: Vec<&[u8]> = roff.split_inclusive(|&b| b == b'\n').collect();
    if let Some(i) = lines.iter().position(|l| l.starts_with(b".TH ")) {
        let title = lines.remove(i);
        lines.insert(0, title);
    }
    lines.concat()
}

/// IMAGE, or why there is none to read: not given, or `-` with stdin on a
/// terminal (where waiting would look like a hang).
fn image_arg(common: &Common) -> Result<&str, Error> {
    let arg = common.image_path.as_deref().ok_or_else(|| {
        Error::Usage("no IMAGE given (a file, an OCI layout directory, or - for stdin)".into())
    })?;
    if arg == "-" && io::stdin().is_terminal() {
        return Err(Error::Usage(
            "-: stdin is a terminal; - reads an image archive from a pipe \
             (docker save IMAGE | layerscope -)"
                .into(),
        ));
    }
    Ok(arg)
}

/// Open and analyse the image the common options name.
pub fn analyse(common: &Common, config: &Config, ctx: &Context) -> Result<Analysis, Error> {
    analyse_with(common, config, ctx, true)
}

/// [`analyse`], with the progress bar on stderr (when a terminal) or not.
pub fn analyse_with(
    common: &Common,
    config: &Config,
    ctx: &Context,
    progress: bool,
) -> Result<Analysis, Error> {
    let arg = image_arg(common)?;
    let dockerfile = read_dockerfile(common)?;
    let locator = layerscope_fetch::locate(arg, common.source)?;
    let rules = CacheRules::with_user_rules(&config.rules)?.with_packages(&config.packages)?;
    let bar = progress.then(progress::Bar::for_stderr).flatten();
    // dive's pass runs on the layers read while later ones still are
    // (layerscope_core::dive::ahead): big images then keep dive's trees and
    // the overlay apart in memory without waiting for dive after the read.
    let ahead = Arc::new(DiveAhead::new(
        bar.clone().map(|b| b as Arc<dyn ProgressSink>),
    ));
    let opts = common.open_options(Some(ahead.clone() as Arc<dyn ProgressSink>));
    let reg = common.registry_options();
    let image = layerscope_fetch::open(&locator, &common.daemons(ctx), &opts, &reg);
    if let Some(b) = &bar {
        b.finish();
    }
    let mut a = Analysis::with_dive_ahead(image?, rules, &ahead);
    if let Some((path, text)) = dockerfile {
        a.attach_dockerfile(&path, &text)?;
    }
    Ok(a)
}

/// `--dockerfile`: (the path as given, its text), read before the image so
/// that a typo fails fast.
fn read_dockerfile(common: &Common) -> Result<Option<(String, String)>, Error> {
    let Some(p) = &common.dockerfile else {
        return Ok(None);
    };
    let name = p.display().to_string();
    let bytes = std::fs::read(p).map_err(|e| Error::io(&name, e))?;
    let text =
        String::from_utf8(bytes).map_err(|_| Error::Usage(format!("{name}: not UTF-8 text")))?;
    // Parse now too: a broken file is an error before any image is read.
    layerscope_core::dockerfile::Dockerfile::parse(&text, &name)?;
    Ok(Some((name, text)))
}

/// One side of a comparison (`diff OLD NEW`, `check --baseline OLD`).
pub struct Compared {
    pub side: Side,
    /// The saved report, or the report of the analysed image when asked for
    /// (`check --baseline` measures `max_growth` against a report).
    pub report: Option<report::Report>,
}

/// Open `arg` as one side of a comparison: a saved JSON report (a file
/// whose first non-blank byte is `{`), else an image, opened as IMAGE is
/// (no progress bar: both sides load at once).
pub fn open_compared(
    common: &Common,
    arg: &str,
    config: &Config,
    ctx: &Context,
    want_report: bool,
) -> Result<Compared, Error> {
    let path = Path::new(arg);
    if arg != "-" && path.is_file() {
        let mut head = [0u8; 64];
        let n = std::fs::File::open(path)
            .and_then(|mut f| io::Read::read(&mut f, &mut head))
            .map_err(|e| Error::io(arg, e))?;
        if report::diff::looks_like_json(&head[..n]) {
            let r = baseline::load_baseline(path)?;
            return Ok(Compared {
                side: report::diff::side_from_report(&r),
                report: Some(r),
            });
        }
    }
    if arg == "-" && io::stdin().is_terminal() {
        return Err(Error::Usage(
            "-: stdin is a terminal; - reads an image archive from a pipe".into(),
        ));
    }
    let locator = layerscope_fetch::locate(arg, common.source)?;
    let rules = CacheRules::with_user_rules(&config.rules)?;
    // Two sides load at once: dive's pass runs ahead as for IMAGE.
    let ahead = Arc::new(DiveAhead::new(None));
    let opts = common.open_options(Some(ahead.clone() as Arc<dyn ProgressSink>));
    let image = layerscope_fetch::open(
        &locator,
        &common.daemons(ctx),
        &opts,
        &common.registry_options(),
    )?;
    let a = Analysis::with_dive_ahead(image, rules, &ahead);
    Ok(Compared {
        side: Side::from_analysis(&a),
        report: want_report.then(|| report::Report::from_analysis(&a)),
    })
}

/// OLD and NEW, analysed at the same time on two threads.
fn open_pair(
    common: &Common,
    old: &str,
    new: &str,
    config: &Config,
    ctx: &Context,
) -> Result<(Side, Side), Error> {
    if old == "-" && new == "-" {
        return Err(Error::Usage(
            "OLD and NEW are both -: only one of them can be read from stdin".into(),
        ));
    }
    let (o, n) = std::thread::scope(|s| {
        let o = s.spawn(|| open_compared(common, old, config, ctx, false));
        let n = open_compared(common, new, config, ctx, false);
        let o = o
            .join()
            .unwrap_or_else(|_| Err(Error::Internal(format!("{old}: the analysis panicked"))));
        (o, n)
    });
    Ok((o?.side, n?.side))
}

fn run_diff(args: DiffArgs, ctx: &Context) -> Result<(), Failure> {
    let config = load_config(&args.common)?;
    let format: Option<report::diff::Format> = args
        .format
        .as_deref()
        .map(str::parse)
        .transpose()
        .map_err(Error::Usage)?;
    let old = args
        .common
        .image_path
        .clone()
        .ok_or_else(|| Error::Usage("no OLD given".into()))?;
    let (o, n) = open_pair(&args.common, &old, &args.new, &config, ctx)?;
    let c = layerscope_core::diff::compare(o, n);
    let to_terminal = args.output.is_none() && io::stdout().is_terminal();
    if format.is_none() && to_terminal {
        return Ok(layerscope_tui::run_compare(&c)?);
    }
    let format = format.unwrap_or(report::diff::Format::Text);
    emit(args.output.as_deref(), |w| {
        report::diff::write(&c, format, w)
    })?;
    Ok(())
}

/// The interactive explorer: the analysis runs on its loader thread and
/// reports progress to the screen; load errors come back here after the
/// terminal is restored.
fn explore(common: &Common, config: &Config, ctx: &Context, previews: bool) -> Result<(), Error> {
    let arg = image_arg(common)?.to_string();
    let locator = layerscope_fetch::locate(&arg, common.source)?;
    let daemons = common.daemons(ctx);
    let reg = common.registry_options();
    let rules = CacheRules::with_user_rules(&config.rules)?.with_packages(&config.packages)?;
    let opts = common.open_options(None);
    let dockerfile = read_dockerfile(common)?;
    // The explorer shows none of dive's figures: neither the preview of
    // the layers read so far (progressive loading) nor the final analysis
    // computes them. The preview has no Dockerfile mapping either.
    let preview_rules = rules.clone();
    let preview = move |image| Analysis::without_dive(image, preview_rules.clone());
    let load = move |progress| {
        let opts = OpenOptions {
            progress: Some(progress),
            ..opts
        };
        let image = layerscope_fetch::open(&locator, &daemons, &opts, &reg)?;
        let mut a = Analysis::without_dive(image, rules);
        if let Some((path, text)) = &dockerfile {
            a.attach_dockerfile(path, text)?;
        }
        Ok(a)
    };
    if previews {
        layerscope_tui::run_with_preview(arg.clone(), load, preview)
    } else {
        layerscope_tui::run(arg.clone(), load)
    }
}

/// Write output to stdout or, atomically, to a file: a temporary file in the
/// same directory renamed over the target only when complete.
pub fn emit(
    output: Option<&Path>,
    render: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> Result<(), Error> {
    match output {
        None => write_stdout(render),
        Some(p) if p == Path::new("-") => write_stdout(render),
        Some(p) => {
            let what = p.display().to_string();
            let dir = match p.parent() {
                Some(d) if !d.as_os_str().is_empty() => d,
                _ => Path::new("."),
            };
            if !dir.is_dir() {
                let why = if dir.exists() {
                    "is not a directory"
                } else {
                    "does not exist"
                };
                return Err(Error::Usage(format!(
                    "{what}: directory {} {why}",
                    dir.display()
                )));
            }
            // 0666 before the umask, like any file a tool creates (the
            // temporary file's own default is 0600). Its errors name the
            // temporary file: said here as what failed, for the target.
            let mut tmp = tempfile::Builder::new()
                .prefix(".layerscope-")
                .permissions(std::os::unix::fs::PermissionsExt::from_mode(0o666))
                .tempfile_in(dir)
                .map_err(|e| Error::io(&what, without_path(e)))?;
            {
                let mut w = io::BufWriter::new(tmp.as_file_mut());
                render(&mut w).map_err(|e| Error::io(&what, e))?;
                w.flush().map_err(|e| Error::io(&what, e))?;
            }
            tmp.persist(p).map_err(|e| Error::io(&what, e.error))?;
            Ok(())
        }
    }
}

/// An I/O error from `tempfile` as its OS error alone: tempfile's message
/// ends in ` at path "<the temporary file>"`, a name the user never chose.
fn without_path(e: io::Error) -> io::Error {
    if let Some(n) = e.raw_os_error() {
        return io::Error::from_raw_os_error(n);
    }
    let msg = e.to_string();
    match msg.find(" at path ") {
        Some(i) => io::Error::new(e.kind(), &msg[..i]),
        None => e,
    }
}

fn write_stdout(render: impl FnOnce(&mut dyn Write) -> io::Result<()>) -> Result<(), Error> {
    let stdout = io::stdout();
    let mut w = io::BufWriter::new(stdout.lock());
    match render(&mut w).and_then(|_| w.flush()) {
        Ok(()) => Ok(()),
        // `layerscope report img | head`: the reader went away; not an error.
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(Error::io("stdout", e)),
    }
}

pub fn run(cli: Cli, ctx: &Context) -> Result<(), Failure> {
    match cli.command {
        Some(Command::Report(args)) => {
            let config = load_config(&args.common)?;
            let table: report::CsvTable = args.csv_table.parse().map_err(Error::Usage)?;
            let format = |name: &str| {
                let mut f: report::Format = name.parse()?;
                if let report::Format::Csv(t) = &mut f {
                    *t = table;
                }
                Ok(f)
            };
            let targets = outputs::plan(
                format(&args.format).map_err(Error::Usage)?,
                args.output.as_deref(),
                args.primary_given,
                &args.emit,
                format,
            )?;
            let a = analyse(&args.common, &config, ctx)?;
            for t in &targets {
                let color = args.common.color.enabled(t.path.as_deref());
                emit(t.path.as_deref(), |w| {
                    report::write_styled(&a, t.format, color, w)
                })?;
            }
            Ok(())
        }
        Some(Command::Check(args)) => run_check(*args, ctx),
        Some(Command::Fix(args)) => run_fix(*args, ctx),
        Some(Command::Diff(args)) => run_diff(*args, ctx),
        Some(Command::Completions { shell }) => {
            let mut cmd = Cli::command();
            // Into memory first: clap_complete panics on a write error, and
            // `layerscope completions bash | head` closes the pipe early.
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut cmd, "layerscope", &mut script);
            emit(None, |w| w.write_all(&script))?;
            Ok(())
        }
        Some(Command::Man) => {
            let mut roff = Vec::new();
            clap_mangen::Man::new(Cli::command())
                .render(&mut roff)
                .map_err(|e| Error::io("man page", e))?;
            emit(None, |w| w.write_all(&title_first(&roff)))?;
            Ok(())
        }
        Some(Command::Mcp) => Ok(mcp::serve(ctx)?),
        None => {
            let config = load_config(&cli.common)?;
            if io::stdout().is_terminal() {
                return Ok(explore(&cli.common, &config, ctx, !cli.no_preview)?);
            }
            let a = analyse(&cli.common, &config, ctx)?;
            let color = cli.common.color.enabled(None);
            emit(None, |w| {
                report::write_styled(&a, report::Format::Text, color, w)
            })?;
            Ok(())
        }
    }
}

/// The fix plan of an analysis made with `--dockerfile`, with the
/// Dockerfile it patches; an error if there is none or the image was not
/// built from it. Shared by `fix` and the MCP `fix` tool.
pub fn fix_plan(
    a: &Analysis,
) -> Result<(&layerscope_core::dockerfile::DockerfileInfo, FixPlan), Error> {
    let info = a
        .dockerfile
        .as_ref()
        .ok_or_else(|| Error::Usage("fix needs --dockerfile PATH".into()))?;
    if let Some(m) = &info.mapping.mismatch {
        return Err(Error::Usage(format!(
            "{}: the image was not built from this file: {}",
            info.path, m.why
        )));
    }
    Ok((
        info,
        layerscope_core::dockerfile::plan(a, &info.file, &info.mapping),
    ))
}

/// What `fix --format json|diff` prints for a plan.
pub fn write_fix(
    info: &layerscope_core::dockerfile::DockerfileInfo,
    plan: &FixPlan,
    json: bool,
    w: &mut dyn Write,
) -> io::Result<()> {
    if json {
        report::fix::write_json(plan, w)
    } else {
        report::fix::write_diff(&info.path, &info.file.text, plan, w)
    }
}

/// `layerscope fix`: the plan is the core's; this writes it out.
fn run_fix(args: FixArgs, ctx: &Context) -> Result<(), Failure> {
    let config = load_config(&args.common)?;
    let a = analyse(&args.common, &config, ctx)?;
    let (info, plan) = fix_plan(&a)?;
    let json = args.format == "json";
    emit(None, |w| write_fix(info, &plan, json, w))?;
    let target = match (&args.output, args.write) {
        (Some(o), _) => Some(o.clone()),
        (None, true) => args.common.dockerfile.clone(),
        _ => None,
    };
    if let Some(t) = target {
        emit(Some(&t), |w| w.write_all(plan.patched.as_bytes()))?;
    }
    Ok(())
}

fn run_check(args: CheckArgs, ctx: &Context) -> Result<(), Failure> {
    let config = load_config(&args.common)?;
    let format: check::Format = args.format.parse().map_err(Error::Usage)?;
    // Every input is read before the image, so a typo fails fast.
    let dive = args.dive_ci.as_deref().map(DiveCi::load).transpose()?;
    let targets = outputs::plan(
        format,
        args.output.as_deref(),
        args.primary_given,
        &args.emit,
        |f| f.parse(),
    )?;
    // `[budget]`'s max_growth, max_new_waste and max_new_packages, the
    // flags over the file (they apply only with a baseline)
    let wanted = check::merge(&config.budget, &args.budget());
    if args.baseline.is_some()
        && wanted.max_growth.is_none()
        && wanted.max_new_waste.is_none()
        && wanted.max_new_packages.is_none()
    {
        return Err(Error::Usage(
            "--baseline needs a limit: --max-growth, --max-new-waste or --max-new-packages \
             (or max_growth, max_new_waste, max_new_packages in [budget])"
                .into(),
        )
        .into());
    }
    // The baseline: a saved report (as before) or an image, compared with
    // the image file by file.
    let old = args
        .baseline
        .as_deref()
        .map(|p| open_compared(&args.common, &p.to_string_lossy(), &config, ctx, true))
        .transpose()?;
    let source = args
        .baseline
        .as_deref()
        .map(|p| p.display().to_string())
        .unwrap_or_default();
    let growth = match (&old, wanted.max_growth) {
        (
            Some(Compared {
                report: Some(r), ..
            }),
            Some(max),
        ) => Some(Growth {
            baseline: r.clone(),
            max,
            source: source.clone(),
        }),
        _ => None,
    };
    let mut budgets = Budgets::new(&config.budget, &args.budget(), dive, growth)?;
    if let Some(o) = old {
        budgets = budgets.with_against(baseline::Against {
            old: o.side,
            source,
            max_new_waste: wanted.max_new_waste.map(|s| s.0),
            max_new_packages: wanted.max_new_packages,
        });
    }
    let a = analyse(&args.common, &config, ctx)?;
    budgets.validate(&a)?;
    // Evaluated once: every output says the same verdict as the exit code.
    let results = check::evaluate(&a, &budgets);
    for t in &targets {
        let opts = check::render::TextOptions {
            color: args.common.color.enabled(t.path.as_deref()),
            quiet: args.quiet,
        };
        emit(t.path.as_deref(), |w| {
            check::render::write_with(&a, &budgets, &results, t.format, opts, w)
        })?;
    }
    verdict(&results)
}

#[cfg(test)]
mod tests {
    use super::*;
    use layerscope_report::check::{CheckResult, Status};

    fn result(status: Status) -> CheckResult {
        CheckResult {
            rule: "max_size".into(),
            status,
            value: None,
            limit: None,
            message: String::new(),
            offenders: Vec::new(),
        }
    }

    #[test]
    fn exit_codes_are_distinct() {
        assert_eq!(exit_code(&Ok(())), 0);
        assert_eq!(exit_code(&Err(Failure::BudgetExceeded)), 1);
        assert_eq!(exit_code(&Err(Failure::Error(Error::Usage("x".into())))), 2);
    }

    #[test]
    fn any_fail_exceeds_the_budget_and_skips_do_not() {
        let pass = result(Status::Pass);
        let skip = result(Status::Skip);
        let fail = result(Status::Fail);
        assert_eq!(exit_code(&verdict(&[])), 0);
        assert_eq!(exit_code(&verdict(&[pass.clone(), skip.clone()])), 0);
        assert_eq!(exit_code(&verdict(&[pass, fail, skip])), 1);
    }

    #[test]
    fn check_flags_parse_into_a_budget() {
        let cli = Cli::try_parse_from([
            "layerscope",
            "check",
            "img.tar",
            "--max-size",
            "1.2GB",
            "--max-wasted",
            "20MB",
            "--max-wasted-percent",
            "5",
            "--min-efficiency",
            "0.95",
            "--max-layer-size",
            "500MB",
            "--max-layers",
            "40",
            "--ignore-base-layers",
            "1",
            "--ignore-path",
            "/usr/share/doc/**",
            "--ignore-path",
            "/opt/x",
            "--ignore-churn",
            "--max-cache",
            "pip=0",
            "--max-cache",
            "*=5MB",
        ])
        .unwrap();
        let Some(Command::Check(args)) = cli.command else {
            panic!("not check")
        };
        let b = args.budget();
        assert_eq!(b.max_size, Some(Size(1_200_000_000)));
        assert_eq!(b.max_wasted, Some(Size(20_000_000)));
        assert_eq!(b.max_wasted_percent, Some(5.0));
        assert_eq!(b.min_efficiency, Some(0.95));
        assert_eq!(b.max_layer_size, Some(Size(500_000_000)));
        assert_eq!(b.max_layers, Some(40));
        assert_eq!(b.ignore_base_layers, Some(1));
        assert_eq!(b.ignore_paths, vec!["/usr/share/doc/**", "/opt/x"]);
        assert_eq!(b.ignore_churn, Some(true));
        assert_eq!(b.cache["pip"], Size(0));
        assert_eq!(b.cache["*"], Size(5_000_000));
    }

    #[test]
    fn growth_needs_a_baseline_and_bad_values_are_usage_errors() {
        assert!(Cli::try_parse_from(["layerscope", "check", "i", "--max-growth", "5%"]).is_err());
        // --baseline alone parses: its limit may come from [budget] (run_check
        // refuses it when neither gives one)
        assert!(Cli::try_parse_from(["layerscope", "check", "i", "--baseline", "o.json"]).is_ok());
        assert!(Cli::try_parse_from(["layerscope", "check", "i", "--max-cache", "pip"]).is_err());
        assert!(Cli::try_parse_from(["layerscope", "check", "i", "--max-size", "12XB"]).is_err());
        let ok = Cli::try_parse_from([
            "layerscope",
            "check",
            "i",
            "--baseline",
            "o.json",
            "--max-growth",
            "5%",
        ])
        .unwrap();
        let Some(Command::Check(args)) = ok.command else {
            panic!("not check")
        };
        assert_eq!(args.max_growth, Some(MaxGrowth::Percent(5.0)));
    }

    #[test]
    fn format_names_come_from_the_libraries_and_aliases_stay_hidden() {
        let parse = |cmd: &str, f: &str| Cli::try_parse_from(["layerscope", cmd, "i", "-f", f]);
        for f in report::Format::NAMES.iter().chain(&["markdown"]) {
            assert!(parse("report", f).is_ok(), "report {f}");
        }
        for f in check::Format::NAMES.iter().chain(&["markdown"]) {
            assert!(parse("check", f).is_ok(), "check {f}");
        }
        assert!(parse("report", "junit").is_err());
        assert!(parse("check", "html").is_err());
        let help = match parse("report", "nope") {
            Err(e) => e.to_string(),
            Ok(_) => panic!("nope parsed"),
        };
        assert!(help.contains("text, json, csv, md, html"), "{help}");
        assert!(!help.contains("markdown"), "{help}");
    }

    #[test]
    fn report_csv_table_flag() {
        let cli = Cli::try_parse_from([
            "layerscope",
            "report",
            "i",
            "--format",
            "csv",
            "--csv-table",
            "hidden",
        ])
        .unwrap();
        assert!(matches!(cli.command, Some(Command::Report(_))));
        assert!(Cli::try_parse_from(["layerscope", "report", "i", "--csv-table", "nope"]).is_err());
    }
}
