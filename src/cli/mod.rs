//! Command-line glue: parse arguments, load the image, hand the Analysis to
//! a front end. Only `main` decides exit codes.

pub mod progress;

use std::io::{self, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use clap::{Args, Parser, Subcommand};
use layerscope::analysis::{Analysis, CacheRules};
use layerscope::config::Config;
use layerscope::source::{self, Input, OpenOptions, ProgressSink};
use layerscope::{report, Error};

#[derive(Parser, Debug)]
#[command(
    name = "layerscope",
    version,
    about = "Exactly where the bytes of a container image go, and how to get them back",
    args_conflicts_with_subcommands = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub common: Common,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Export the waste report (text, json)
    Report(ReportArgs),
}

/// Options every command takes.
#[derive(Args, Debug, Clone, Default)]
pub struct Common {
    /// docker save tarball, oci-archive (either may be gzipped), OCI layout
    /// directory, or - for stdin
    #[arg(value_name = "IMAGE")]
    pub image_path: Option<String>,
    /// Pick one image of several in the archive
    #[arg(long, value_name = "NAME")]
    pub image: Option<String>,
    /// Pick one manifest of a multi-platform index
    #[arg(long, value_name = "OS/ARCH[/VARIANT]")]
    pub platform: Option<String>,
    /// Config file (default: .layerscope.toml in the working directory, if present)
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Skip diff_id and blob digest verification
    #[arg(long)]
    pub no_verify: bool,
}

#[derive(Args, Debug)]
pub struct ReportArgs {
    #[command(flatten)]
    pub common: Common,
    /// Output format
    #[arg(long, short = 'f', default_value = "text", value_parser = ["text", "json"])]
    pub format: String,
    /// Write to FILE (atomically) instead of stdout; - is stdout
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// What went wrong, and so which exit code.
pub enum Failure {
    /// Unreadable input, bad usage: exit 2.
    Error(Error),
}

impl From<Error> for Failure {
    fn from(e: Error) -> Failure {
        Failure::Error(e)
    }
}

/// The config in force: `--config`, else `.layerscope.toml` if present.
pub fn load_config(common: &Common) -> Result<Config, Error> {
    match &common.config {
        Some(p) => Config::load(p),
        None => {
            let default = Path::new(".layerscope.toml");
            if default.is_file() {
                Config::load(default)
            } else {
                Ok(Config::default())
            }
        }
    }
}

/// Open and analyse the image the common options name.
pub fn analyse(common: &Common, config: &Config) -> Result<Analysis, Error> {
    let arg = common.image_path.as_deref().ok_or_else(|| {
        Error::Usage("no IMAGE given (a file, an OCI layout directory, or - for stdin)".into())
    })?;
    let rules = CacheRules::with_user_rules(&config.rules)?;
    let bar = progress::Bar::for_stderr();
    let opts = OpenOptions {
        image: common.image.clone(),
        platform: common.platform.clone(),
        verify: !common.no_verify,
        progress: bar.clone().map(|b| b as Arc<dyn ProgressSink>),
    };
    let image = source::open(&Input::from_arg(arg), &opts);
    if let Some(b) = &bar {
        b.finish();
    }
    Ok(Analysis::new(image?, rules))
}

/// The interactive explorer: the analysis runs on its loader thread and
/// reports progress to the screen; load errors come back here after the
/// terminal is restored.
fn explore(common: &Common, config: &Config) -> Result<(), Error> {
    let arg = common.image_path.clone().ok_or_else(|| {
        Error::Usage("no IMAGE given (a file, an OCI layout directory, or - for stdin)".into())
    })?;
    let rules = CacheRules::with_user_rules(&config.rules)?;
    let opts = OpenOptions {
        image: common.image.clone(),
        platform: common.platform.clone(),
        verify: !common.no_verify,
        progress: None,
    };
    layerscope::tui::run(arg.clone(), move |progress| {
        let opts = OpenOptions {
            progress: Some(progress),
            ..opts
        };
        Ok(Analysis::new(
            source::open(&Input::from_arg(&arg), &opts)?,
            rules,
        ))
    })
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
            let mut tmp = tempfile::Builder::new()
                .prefix(".layerscope-")
                .tempfile_in(dir)
                .map_err(|e| Error::io(&what, e))?;
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

pub fn run(cli: Cli) -> Result<(), Failure> {
    match cli.command {
        Some(Command::Report(args)) => {
            let config = load_config(&args.common)?;
            let a = analyse(&args.common, &config)?;
            let format: report::Format = args.format.parse().map_err(Error::Usage)?;
            emit(args.output.as_deref(), |w| report::write(&a, format, w))?;
            Ok(())
        }
        None => {
            let config = load_config(&cli.common)?;
            if io::stdout().is_terminal() {
                return Ok(explore(&cli.common, &config)?);
            }
            let a = analyse(&cli.common, &config)?;
            emit(None, |w| report::write(&a, report::Format::Text, w))?;
            Ok(())
        }
    }
}
