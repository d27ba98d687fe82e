//! `layerscope mcp`: a Model Context Protocol server on stdio (the official
//! Rust SDK, `rmcp`), so an assistant answers "why is my image big" from the
//! same figures as `report` and `check`.
//!
//! The tools are one table, [`TOOLS`]: a name, a description, the JSON
//! Schema of the arguments and a function from the arguments to the result.
//! Each runs the same library calls as its command and returns what
//! `--format FORMAT` would print (JSON by default) as text content. A
//! failure (unreadable image, bad budget, bad argument) is a tool error
//! (`isError: true`) holding the one-line message the command would print;
//! the server never exits on one. The tools are `report`, `check`, `diff`
//! (two images or saved reports compared) and `fix` (the Dockerfile edits as
//! `fix --format json` prints them; the Dockerfile is never written).

use std::borrow::Cow;
use std::path::PathBuf;
use std::sync::Arc;

use clap::Parser;
use layerscope_core::config::Budget;
use layerscope_core::error::without_os_error;
use layerscope_core::Error;
use layerscope_report as report;
use layerscope_report::check::{self, Budgets};
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, ContentBlock, Implementation,
    JsonObject, ListToolsResult, PaginatedRequestParams, ServerCapabilities, ServerConfig, Tool,
};
use rmcp::service::RequestContext;
use rmcp::{ErrorData, RoleServer, ServerHandler, ServiceExt};
use serde::Deserialize as _;
use serde_json::{json, Value};

use super::{Cli, Command, Common, Context};

/// One tool: what `tools/list` says of it and what `tools/call` runs.
pub struct ToolSpec {
    pub name: &'static str,
    pub description: &'static str,
    /// The JSON Schema of the arguments (an object schema).
    pub schema: fn() -> Value,
    /// The result as text (the format asked for), or the one-line error.
    pub call: fn(&JsonObject, &Context) -> Result<String, Error>,
}

/// Every tool the server offers, in `tools/list` order. A new tool is one
/// `ToolSpec` whose `call` runs the command's library functions and renders
/// its JSON (see [`report_tool`]).
pub const TOOLS: &[ToolSpec] = &[
    ToolSpec {
        name: "report",
        description: "Where the bytes of a container image go: totals (size, content, live, \
            wasted = removed + overwritten, cache, duplicates, recoverable), per-layer figures, \
            hidden files with the layer that added and the layer that hid them, cache rules \
            with remedies, findings. `image` is a docker save / OCI archive, an OCI layout \
            directory, or an image reference (Docker or Podman daemon, else its registry). \
            The result is `layerscope report --format FORMAT` (default json; the JSON report \
            is documented in docs/interface.md).",
        schema: report_schema,
        call: report_tool,
    },
    ToolSpec {
        name: "check",
        description: "The size-budget gate: checks the image against a budget (the keys of \
            .layerscope.toml's [budget], given inline as `budget`, or read from \
            `budget_file`; neither: the budget file found as the CLI finds it, else the \
            default budget). The result is `layerscope check --format FORMAT` (default json: \
            the report plus `passed` and `checks[]` with each rule's value, limit and \
            offenders). A failed budget is a result with passed=false, not an error.",
        schema: check_schema,
        call: check_tool,
    },
    ToolSpec {
        name: "diff",
        description: "Compares two images (or saved JSON reports): layers shared and only in \
            each, files added, removed, grown, shrunk and changed with their bytes, and the \
            change in content, live and wasted bytes. `old` and `new` are each anything \
            `image` accepts in report, or the path of a JSON report saved by \
            `layerscope report --format json`. The result is `layerscope diff --format FORMAT \
            OLD NEW` (default json, documented in docs/interface.md).",
        schema: diff_schema,
        call: diff_tool,
    },
    ToolSpec {
        name: "fix",
        description: "The measured remedies as edits of the Dockerfile the image was built \
            from: each edit with the bytes it is predicted to save, and the patched file. \
            `image` as in report; `dockerfile` is the path of that Dockerfile (an error if \
            the image was not built from it). The result is `layerscope fix --format FORMAT` \
            (json, the default: predicted_saving_bytes, edits[], dockerfile; or diff: a \
            unified diff). The Dockerfile is never written: apply the edits yourself or run \
            `layerscope fix --write`.",
        schema: fix_schema,
        call: fix_tool,
    },
];

fn image_property() -> Value {
    json!({
        "type": "string",
        "description": "docker save tarball, oci-archive, OCI layout directory, or an image \
            reference (python:3.12-slim, docker://REF, podman:REF, ...)"
    })
}

fn platform_property() -> Value {
    json!({
        "type": "string",
        "description": "OS/ARCH[/VARIANT]: one manifest of a multi-platform index"
    })
}

fn report_schema() -> Value {
    json!({
        "type": "object",
        "properties": {
            "image": image_property(),
            "format": {
                "type": "string",
                "enum": report::Format::NAMES,
                "default": "json",
                "description": "What to return: the JSON report (default) or another report format"
            },
            "csv_table": {
                "type": "string",
                "enum": report::CsvTable::NAMES,
                "description": "With format csv: which table (default layers)"
            },
            "platform": platform_property()
        },
        "required": ["image"],
        "additionalProperties": false
    })
}

fn check_schema() -> Value {
    json!({
        "type": "object",
        "properties": {
            "image": image_property(),
            "budget": {
                "type": "object",
                "description": "An inline budget: .layerscope.toml's [budget] keys, e.g. \
                    {\"max_wasted\": \"20MB\", \"min_efficiency\": 0.95, \"cache\": {\"pip\": 0}}"
            },
            "budget_file": {
                "type": "string",
                "description": "A .layerscope.toml to read the budget (and cache rules) from"
            },
            "format": {
                "type": "string",
                "enum": check::Format::NAMES,
                "default": "json",
                "description": "What to return: the check's JSON (default) or another check format"
            },
            "platform": platform_property()
        },
        "required": ["image"],
        "additionalProperties": false
    })
}

fn diff_schema() -> Value {
    let side = |what: &str| {
        json!({
            "type": "string",
            "description": format!("The image {what}: a docker save tarball, oci-archive, OCI \
                layout directory or image reference, or a saved JSON report")
        })
    };
    json!({
        "type": "object",
        "properties": {
            "old": side("before"),
            "new": side("after"),
            "format": {
                "type": "string",
                "enum": report::diff::Format::NAMES,
                "default": "json",
                "description": "What to return: the comparison's JSON (default) or another diff format"
            },
            "platform": platform_property()
        },
        "required": ["old", "new"],
        "additionalProperties": false
    })
}

fn fix_schema() -> Value {
    json!({
        "type": "object",
        "properties": {
            "image": image_property(),
            "dockerfile": {
                "type": "string",
                "description": "The Dockerfile the image was built from (read, never written)"
            },
            "format": {
                "type": "string",
                "enum": ["json", "diff"],
                "default": "json",
                "description": "json (default): the plan; diff: a unified diff of the Dockerfile"
            },
            "platform": platform_property()
        },
        "required": ["image", "dockerfile"],
        "additionalProperties": false
    })
}

/// A string argument: absent is `None`; any other type is an error.
fn string_arg<'a>(args: &'a JsonObject, key: &str) -> Result<Option<&'a str>, Error> {
    match args.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(other) => Err(Error::Usage(format!(
            "argument {key}: expected a string, got {other}"
        ))),
    }
}

/// The arguments no tool knows are refused, as the CLI refuses a flag.
fn known_args(args: &JsonObject, known: &[&str]) -> Result<(), Error> {
    match args.keys().find(|k| !known.contains(&k.as_str())) {
        Some(k) => Err(Error::Usage(format!(
            "unknown argument {k:?} (expected {})",
            known.join(", ")
        ))),
        None => Ok(()),
    }
}

/// The common options of a command run on `image`, as the CLI would
/// parse them (so the `LAYERSCOPE_*` variables apply here too). stdin is
/// the protocol's: `-` is refused.
fn common(args: &JsonObject) -> Result<Common, Error> {
    common_on(args, "image", &[])
}

/// A path or reference argument that is required and is not `-`.
fn input_arg<'a>(args: &'a JsonObject, key: &str) -> Result<&'a str, Error> {
    let v = string_arg(args, key)?
        .ok_or_else(|| Error::Usage(format!("argument {key} is required")))?;
    if v == "-" {
        return Err(Error::Usage(
            "-: stdin carries the MCP session; name a file, a directory or a reference".into(),
        ));
    }
    Ok(v)
}

/// [`common`] with the image taken from argument `key` and `extra` options
/// given before it (as on the command line).
fn common_on(args: &JsonObject, key: &str, extra: &[&str]) -> Result<Common, Error> {
    let image = input_arg(args, key)?;
    let mut argv: Vec<String> = vec!["layerscope".into(), "report".into()];
    if let Some(p) = string_arg(args, "platform")? {
        argv.extend(["--platform".into(), p.into()]);
    }
    argv.extend(extra.iter().map(|s| s.to_string()));
    argv.extend(["--".into(), image.into()]);
    match Cli::try_parse_from(&argv) {
        Ok(Cli {
            command: Some(Command::Report(r)),
            ..
        }) => Ok(r.common),
        Ok(_) => Err(Error::Usage(format!("{image}: not an image argument"))),
        Err(e) => Err(Error::Usage(
            e.render().to_string().lines().next().unwrap_or("").into(),
        )),
    }
}

fn render(f: impl FnOnce(&mut Vec<u8>) -> std::io::Result<()>) -> Result<String, Error> {
    let mut out = Vec::new();
    f(&mut out).map_err(|e| Error::io("result", e))?;
    String::from_utf8(out).map_err(|_| Error::Usage("result is not UTF-8".into()))
}

/// `report`: `layerscope report --format FORMAT IMAGE`.
pub fn report_tool(args: &JsonObject, ctx: &Context) -> Result<String, Error> {
    known_args(args, &["image", "format", "csv_table", "platform"])?;
    let mut format: report::Format = string_arg(args, "format")?
        .unwrap_or("json")
        .parse()
        .map_err(Error::Usage)?;
    if let Some(t) = string_arg(args, "csv_table")? {
        let table = t.parse().map_err(Error::Usage)?;
        if let report::Format::Csv(c) = &mut format {
            *c = table;
        }
    }
    let common = common(args)?;
    let config = super::load_config(&common)?;
    let a = super::analyse_with(&common, &config, ctx, false)?;
    render(|w| report::write(&a, format, w))
}

/// `check`: `layerscope check --format FORMAT IMAGE` with the budget given
/// inline, from a file, or found as the CLI finds it.
pub fn check_tool(args: &JsonObject, ctx: &Context) -> Result<String, Error> {
    known_args(
        args,
        &["image", "budget", "budget_file", "format", "platform"],
    )?;
    let format: check::Format = string_arg(args, "format")?
        .unwrap_or("json")
        .parse()
        .map_err(Error::Usage)?;
    let mut common = common(args)?;
    if let Some(f) = string_arg(args, "budget_file")? {
        common.config = Some(PathBuf::from(f));
    }
    let mut config = super::load_config(&common)?;
    match args.get("budget") {
        None | Some(Value::Null) => {}
        Some(b) => {
            if string_arg(args, "budget_file")?.is_some() {
                return Err(Error::Usage("give budget or budget_file, not both".into()));
            }
            config.budget = Budget::deserialize(b)
                .map_err(|e| Error::Usage(format!("argument budget: {e}")))?;
        }
    }
    let budgets = Budgets::new(&config.budget, &Budget::default(), None, None)?;
    let a = super::analyse_with(&common, &config, ctx, false)?;
    budgets.validate(&a)?;
    let results = check::evaluate(&a, &budgets);
    render(|w| check::render::write(&a, &budgets, &results, format, w))
}

/// `diff`: `layerscope diff --format FORMAT OLD NEW`.
pub fn diff_tool(args: &JsonObject, ctx: &Context) -> Result<String, Error> {
    known_args(args, &["old", "new", "format", "platform"])?;
    let format: report::diff::Format = string_arg(args, "format")?
        .unwrap_or("json")
        .parse()
        .map_err(Error::Usage)?;
    let common = common_on(args, "old", &[])?;
    let new = input_arg(args, "new")?;
    let old = input_arg(args, "old")?;
    let config = super::load_config(&common)?;
    let (o, n) = super::open_pair(&common, old, new, &config, ctx)?;
    let c = layerscope_core::diff::compare(o, n);
    render(|w| report::diff::write(&c, format, w))
}

/// `fix`: `layerscope fix --format FORMAT --dockerfile PATH IMAGE`, without
/// `--write` or `--output`: the Dockerfile is only read.
pub fn fix_tool(args: &JsonObject, ctx: &Context) -> Result<String, Error> {
    known_args(args, &["image", "dockerfile", "format", "platform"])?;
    let json = match string_arg(args, "format")?.unwrap_or("json") {
        "json" => true,
        "diff" => false,
        other => {
            return Err(Error::Usage(format!(
                "unknown fix format {other:?} (json, diff)"
            )))
        }
    };
    let dockerfile = input_arg(args, "dockerfile")?;
    let common = common_on(args, "image", &["--dockerfile", dockerfile])?;
    let config = super::load_config(&common)?;
    let a = super::analyse_with(&common, &config, ctx, false)?;
    let (info, plan) = super::fix_plan(&a)?;
    render(|w| super::write_fix(info, &plan, json, w))
}

/// The handler: [`TOOLS`] over rmcp.
struct Server {
    ctx: Arc<Context>,
}

impl ServerHandler for Server {
    fn get_info(&self) -> ServerConfig {
        let mut info = ServerConfig::new(ServerCapabilities::builder().enable_tools().build());
        info.server_info = Implementation::new("layerscope", env!("CARGO_PKG_VERSION"));
        info.instructions = Some(
            "Exact figures on where the bytes of a container image go (live, hidden by later \
             layers, caches, duplicates) and how to get them back: call report on an image \
             (a docker save / OCI archive path or a reference), check it against a budget, \
             diff two images, or get the Dockerfile edits that fix it."
                .into(),
        );
        info
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        let tools = TOOLS
            .iter()
            .map(|t| {
                let schema = match (t.schema)() {
                    Value::Object(o) => o,
                    _ => JsonObject::new(),
                };
                Tool::new(
                    Cow::Borrowed(t.name),
                    Cow::Borrowed(t.description),
                    Arc::new(schema),
                )
            })
            .collect();
        Ok(ListToolsResult::with_all_items(tools))
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        let Some(spec) = TOOLS.iter().find(|t| t.name == request.name) else {
            return Err(ErrorData::invalid_params(
                format!("unknown tool {:?}", request.name),
                None,
            ));
        };
        let args = request.arguments.unwrap_or_default();
        let ctx = Arc::clone(&self.ctx);
        let call = spec.call;
        // The analysis is blocking work: off the runtime's thread, and a
        // panic in it is a tool error, not the end of the session.
        let outcome = tokio::task::spawn_blocking(move || call(&args, &ctx)).await;
        let result = match outcome {
            Ok(Ok(text)) => CallToolResult::success(vec![ContentBlock::text(text)]),
            Ok(Err(e)) => CallToolResult::error(vec![ContentBlock::text(format!(
                "layerscope: {}",
                without_os_error(&e.to_string())
            ))]),
            Err(_) => CallToolResult::error(vec![ContentBlock::text(
                "layerscope: internal error: the tool panicked (a bug: please report it)",
            )]),
        };
        Ok(result.into())
    }
}

/// Serve MCP on stdin/stdout until the client closes stdin.
pub fn serve(ctx: &Context) -> Result<(), Error> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::io("mcp: tokio runtime", e))?;
    let server = Server {
        ctx: Arc::new(ctx.clone()),
    };
    rt.block_on(async move {
        let running = server
            .serve(rmcp::transport::stdio())
            .await
            .map_err(|e| Error::Usage(format!("mcp: {e}")))?;
        running
            .waiting()
            .await
            .map_err(|e| Error::Usage(format!("mcp: {e}")))?;
        Ok(())
    })
}
