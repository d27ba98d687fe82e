#![forbid(unsafe_code)]
//! The interactive explorer (`layerscope IMAGE` on a terminal).
//!
//! Elm-style: one [`Model`], one [`Msg`] enum, [`update`] (all behaviour,
//! tested without a terminal) and [`view`] (drawing only the rows on screen).
//! [`run`] is the runtime: it puts the terminal in raw mode on the alternate
//! screen, runs the analysis on a background thread that reports progress,
//! feeds keys, mouse, resizes and the loader's result to `update`, and always
//! restores the terminal: on quit, on error, and on panic (a hook restores
//! it before the panic message is printed). Ctrl-C arrives as a key in raw
//! mode and quits.
//!
//! Dependencies run one way: `layout` (where panes go) knows nothing else;
//! `model` uses `layout` and the `keys` table; `node_details` reads the
//! model; `view/` (one file per pane) reads all of them and is read by none.

pub mod compare;
mod ids;
pub mod keys;
mod layout;
mod model;
pub mod node_details;
mod pane;
pub mod tree;
mod view;
pub mod waste;

pub use layout::{layout, Areas, MIN_HEIGHT, MIN_WIDTH};
pub use model::{
    update, Explorer, ListState, LoadedLayer, Model, Msg, Pane, PreviewOf, Progress, Search, State,
};
pub use node_details::{node_details, NodeDetails};
pub use view::{mode_string, view};

use std::io::{self, Stdout};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc::{self, TryRecvError};
use std::sync::{Arc, Once};
use std::thread;
use std::time::{Duration, Instant};

use ratatui::backend::CrosstermBackend;
use ratatui::crossterm::cursor::Show;
use ratatui::crossterm::event::{self, DisableMouseCapture, EnableMouseCapture, Event};
use ratatui::crossterm::execute;
use ratatui::crossterm::terminal::{
    disable_raw_mode, enable_raw_mode, EnterAlternateScreen, LeaveAlternateScreen,
};
use ratatui::Terminal;

use layerscope_core::analysis::Analysis;
use layerscope_core::source::{Image, LayersPrefix, ProgressSink};
use layerscope_core::{Error, Result};

/// Progress from the loader thread, kept in atomics: the readers may call
/// `advance` for every chunk, the UI samples it once per frame.
#[derive(Default)]
struct Sink {
    total: AtomicU64,
    has_total: AtomicBool,
    bytes: AtomicU64,
    layers_done: AtomicUsize,
    layers_total: AtomicUsize,
    has_layers_total: AtomicBool,
    layers: std::sync::Mutex<Vec<model::LoadedLayer>>,
    /// With previews on: the in-order prefix of read layers, copied from
    /// the reader (each layer once, unless the previewer took the copy),
    /// and the image's layer count.
    prefix: Option<std::sync::Mutex<Option<(Image, usize)>>>,
    /// The load is over: no preview is started or sent any more.
    finished: AtomicBool,
    /// How many layers the newest preview taken holds (0: none yet).
    previewed: AtomicUsize,
}

impl Sink {
    fn snapshot(&self) -> Progress {
        Progress {
            total_bytes: self
                .has_total
                .load(Ordering::Relaxed)
                .then(|| self.total.load(Ordering::Relaxed)),
            bytes: self.bytes.load(Ordering::Relaxed),
            layers_done: self.layers_done.load(Ordering::Relaxed),
            layers_total: self
                .has_layers_total
                .load(Ordering::Relaxed)
                .then(|| self.layers_total.load(Ordering::Relaxed)),
            layers: self.layers.lock().map(|l| l.clone()).unwrap_or_default(),
        }
    }
}

impl Sink {
    /// Three quarters of the bytes are read: the final analysis is near,
    /// and a preview (a copy of its layers, an analysis beside the
    /// loader's) would mostly delay it. Unknown totals say no.
    fn nearly_read(&self) -> bool {
        self.has_total.load(Ordering::Relaxed)
            && self.bytes.load(Ordering::Relaxed).saturating_mul(4)
                >= self.total.load(Ordering::Relaxed).saturating_mul(3)
    }
}

impl ProgressSink for Sink {
    fn total(&self, bytes: Option<u64>) {
        if let Some(b) = bytes {
            self.total.store(b, Ordering::Relaxed);
            self.has_total.store(true, Ordering::Relaxed);
        }
    }
    fn advance(&self, bytes: u64) {
        self.bytes.fetch_add(bytes, Ordering::Relaxed);
    }
    fn layer_scanned(&self, layer: &layerscope_core::source::ScannedLayer<'_>) {
        if let Ok(mut l) = self.layers.lock() {
            l.push(model::LoadedLayer {
                label: layer.label.to_string(),
                size_bytes: layer.size_bytes,
                entries: layer.entries,
            });
        }
    }
    fn wants_prefix(&self) -> bool {
        self.prefix.is_some() && !self.finished.load(Ordering::Relaxed)
    }
    fn layers_prefix(&self, prefix: &LayersPrefix<'_>) {
        let Some(slot) = &self.prefix else { return };
        // A new preview only when it at least doubles the layers shown:
        // each costs a copy of its layers and an analysis beside the
        // loader's (docs/performance.md, "Progressive loading").
        if prefix.len() < 2 * self.previewed.load(Ordering::Relaxed) || self.nearly_read() {
            return;
        }
        let Ok(mut slot) = slot.lock() else { return };
        match &mut *slot {
            // Only the new layers are copied.
            Some((image, total)) if image.layers.len() <= prefix.len() => {
                for i in image.layers.len()..prefix.len() {
                    image.layers.push(prefix.layer(i));
                }
                *total = prefix.total();
            }
            _ => {
                let layers = (0..prefix.len()).map(|i| prefix.layer(i)).collect();
                *slot = Some((prefix.image(layers), prefix.total()));
            }
        }
    }
    fn layer_done(&self, done: usize, total: Option<usize>) {
        self.layers_done.store(done, Ordering::Relaxed);
        if let Some(t) = total {
            self.layers_total.store(t, Ordering::Relaxed);
            self.has_layers_total.store(true, Ordering::Relaxed);
        }
    }
}

/// Is the terminal in our mode (so that restoring it is needed).
static ACTIVE: AtomicBool = AtomicBool::new(false);
static HOOK: Once = Once::new();

/// Put the terminal back: raw mode off, mouse off, main screen, cursor on.
/// Idempotent; safe from a panic hook.
pub fn restore_terminal() {
    if ACTIVE.swap(false, Ordering::SeqCst) {
        let _ = disable_raw_mode();
        let _ = execute!(
            io::stdout(),
            DisableMouseCapture,
            LeaveAlternateScreen,
            Show
        );
    }
}

/// Restores the terminal when dropped (quit, error, unwinding).
struct Guard {
    terminal: Terminal<CrosstermBackend<Stdout>>,
}

impl Guard {
    fn enter() -> io::Result<Guard> {
        HOOK.call_once(|| {
            let prev = std::panic::take_hook();
            std::panic::set_hook(Box::new(move |info| {
                restore_terminal();
                prev(info);
            }));
        });
        enable_raw_mode()?;
        ACTIVE.store(true, Ordering::SeqCst);
        let mut out = io::stdout();
        if let Err(e) = execute!(out, EnterAlternateScreen, EnableMouseCapture) {
            restore_terminal();
            return Err(e);
        }
        let mut terminal = match Terminal::new(CrosstermBackend::new(out)) {
            Ok(t) => t,
            Err(e) => {
                restore_terminal();
                return Err(e);
            }
        };
        terminal.hide_cursor()?;
        terminal.clear()?;
        Ok(Guard { terminal })
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        restore_terminal();
    }
}

fn term_err(e: io::Error) -> Error {
    Error::io("terminal", e)
}

/// Run the explorer. `load` runs on a background thread with a progress
/// sink; the screen shows progress until it returns. A load error ends the
/// explorer and is returned (after the terminal is restored) so that the
/// caller prints it and exits like the other commands.
pub fn run<F>(title: String, load: F) -> Result<()>
where
    F: FnOnce(Arc<dyn ProgressSink>) -> Result<Analysis> + Send + 'static,
{
    run_inner(title, load, None)
}

/// How long a load runs before a preview is started: a load that ends
/// sooner never shows one (and a faster one would only flash).
pub const PREVIEW_AFTER: Duration = Duration::from_millis(500);

/// [`run`], with progressive loading: while later layers are still being
/// read, the explorer shows layers 1 to k (all read) as `preview` analyses
/// them, on a thread of its own, from [`PREVIEW_AFTER`] on (the readers
/// that call `ProgressSink::layers_prefix`: files, directories, registry
/// stores); the final analysis replaces it, the view kept.
pub fn run_with_preview<F, P>(title: String, load: F, preview: P) -> Result<()>
where
    F: FnOnce(Arc<dyn ProgressSink>) -> Result<Analysis> + Send + 'static,
    P: Fn(Image) -> Analysis + Send + 'static,
{
    run_inner(title, load, Some(Box::new(preview)))
}

/// What analyses a prefix of read layers for a preview.
pub type Previewer = Box<dyn Fn(Image) -> Analysis + Send>;

fn run_inner<F>(title: String, load: F, preview: Option<Previewer>) -> Result<()>
where
    F: FnOnce(Arc<dyn ProgressSink>) -> Result<Analysis> + Send + 'static,
{
    let mut loader = Loader::start(load, preview)?;
    explore(title, &mut loader)
}

/// The explorer's background work, headless: the loader thread (the
/// analysis, reporting progress) and, with previews on, the preview thread.
/// [`run`] polls it once per frame; the latency bench drives it on a
/// `TestBackend`. Polling never blocks. Dropping it stops the previews.
pub struct Loader {
    sink: Arc<Sink>,
    rx: mpsc::Receiver<Result<Analysis>>,
    previews: Option<mpsc::Receiver<(Analysis, usize)>>,
    last: Progress,
    done: bool,
}

impl Loader {
    /// Start `load` (and, with `preview`, the preview thread).
    pub fn start<F>(load: F, preview: Option<Previewer>) -> Result<Loader>
    where
        F: FnOnce(Arc<dyn ProgressSink>) -> Result<Analysis> + Send + 'static,
    {
        let sink = Arc::new(Sink {
            prefix: preview.as_ref().map(|_| std::sync::Mutex::new(None)),
            ..Sink::default()
        });
        let rx = spawn_loader(sink.clone(), load)?;
        let previews = match preview {
            Some(p) => Some(spawn_previewer(sink.clone(), p)?),
            None => None,
        };
        Ok(Loader {
            sink,
            rx,
            previews,
            last: Progress::default(),
            done: false,
        })
    }

    /// The final analysis arrived (nothing more will).
    pub fn is_done(&self) -> bool {
        self.done
    }

    /// What happened since the last poll, as messages for [`update`]: the
    /// final analysis, else any preview and the progress if it changed. A
    /// load error (or a panic of the loader) is returned as the error.
    pub fn poll(&mut self) -> Result<Vec<Msg>> {
        if self.done {
            return Ok(Vec::new());
        }
        match self.rx.try_recv() {
            Ok(Ok(a)) => {
                self.done = true;
                Ok(vec![Msg::Loaded(Box::new(a))])
            }
            Ok(Err(e)) => {
                self.done = true;
                Err(e)
            }
            Err(TryRecvError::Disconnected) => {
                self.done = true;
                Err(Error::Internal("the analysis thread panicked".into()))
            }
            Err(TryRecvError::Empty) => {
                let mut msgs = Vec::new();
                if let Some(previews) = &self.previews {
                    while let Ok((a, total)) = previews.try_recv() {
                        msgs.push(Msg::Preview(Box::new(a), total));
                    }
                }
                let p = self.sink.snapshot();
                if p != self.last {
                    self.last = p.clone();
                    msgs.push(Msg::Progress(p));
                }
                Ok(msgs)
            }
        }
    }
}

impl Drop for Loader {
    fn drop(&mut self) {
        // Quit (or failed) while loading: no preview is started any more.
        self.sink.finished.store(true, Ordering::Relaxed);
    }
}

/// The explorer's event loop.
fn explore(title: String, loader: &mut Loader) -> Result<()> {
    let mut guard = Guard::enter().map_err(term_err)?;
    let size = guard.terminal.size().map_err(term_err)?;
    let mut model = Model::new(title, (size.width, size.height));
    let mut dirty = true;
    loop {
        if !ACTIVE.load(Ordering::SeqCst) {
            // A panic on another thread restored the terminal: stop drawing.
            drop(guard);
            return Err(Error::Internal("a panic ended the explorer".into()));
        }
        if dirty {
            guard.terminal.draw(|f| view(&model, f)).map_err(term_err)?;
            dirty = false;
        }
        if model.quit {
            break;
        }
        dirty |= read_events(&mut model)?;
        match loader.poll() {
            Ok(msgs) => {
                for msg in msgs {
                    update(&mut model, msg);
                    dirty = true;
                }
            }
            Err(e) => {
                drop(guard);
                return Err(e);
            }
        }
    }
    drop(guard);
    Ok(())
}

/// Run the compare view (`diff OLD NEW` on a terminal) until q.
pub fn run_compare(c: &layerscope_core::diff::Comparison) -> Result<()> {
    use compare::{compare_update, view::compare_view, CompareModel, CompareMsg};
    let mut guard = Guard::enter().map_err(term_err)?;
    let size = guard.terminal.size().map_err(term_err)?;
    let mut m = CompareModel::new(c, (size.width, size.height));
    let mut dirty = true;
    loop {
        if dirty {
            guard
                .terminal
                .draw(|f| compare_view(&m, f))
                .map_err(term_err)?;
            dirty = false;
        }
        if m.quit {
            break;
        }
        if event::poll(Duration::from_millis(100)).map_err(term_err)? {
            let msg = match event::read().map_err(term_err)? {
                Event::Key(k) if k.kind != event::KeyEventKind::Release => Some(CompareMsg::Key(k)),
                Event::Resize(w, h) => Some(CompareMsg::Resize(w, h)),
                _ => None,
            };
            if let Some(msg) = msg {
                compare_update(&mut m, msg);
                dirty = true;
            }
        }
    }
    drop(guard);
    Ok(())
}

/// Start the analysis on its own thread; its result arrives on the
/// returned channel.
fn spawn_loader<F>(sink: Arc<Sink>, load: F) -> Result<mpsc::Receiver<Result<Analysis>>>
where
    F: FnOnce(Arc<dyn ProgressSink>) -> Result<Analysis> + Send + 'static,
{
    let (tx, rx) = mpsc::channel();
    thread::Builder::new()
        .name("layerscope-load".into())
        .spawn(move || {
            let result = load(sink.clone() as Arc<dyn ProgressSink>);
            sink.finished.store(true, Ordering::Relaxed);
            // The preview's copy of the layers is not needed any more.
            if let Some(slot) = &sink.prefix {
                if let Ok(mut slot) = slot.lock() {
                    slot.take();
                }
            }
            let _ = tx.send(result);
        })
        .map_err(term_err)?;
    Ok(rx)
}

/// The preview thread: from [`PREVIEW_AFTER`] on, takes the newest prefix
/// of read layers the sink copied, analyses it and sends it, one at a time,
/// until the load is over. The UI thread only ever `try_recv`s.
fn spawn_previewer(
    sink: Arc<Sink>,
    analyse: Previewer,
) -> Result<mpsc::Receiver<(Analysis, usize)>> {
    let (tx, rx) = mpsc::channel();
    let start = Instant::now();
    thread::Builder::new()
        .name("layerscope-preview".into())
        .spawn(move || preview_loop(&sink, &*analyse, start, &tx))
        .map_err(term_err)?;
    Ok(rx)
}

/// The preview thread's work (see [`spawn_previewer`]).
fn preview_loop(
    sink: &Sink,
    analyse: &(dyn Fn(Image) -> Analysis + Send),
    start: Instant,
    tx: &mpsc::Sender<(Analysis, usize)>,
) {
    loop {
        if sink.finished.load(Ordering::Relaxed) {
            return;
        }
        let wait = PREVIEW_AFTER.saturating_sub(start.elapsed());
        if !wait.is_zero() {
            thread::sleep(wait.min(Duration::from_millis(50)));
            continue;
        }
        let taken = sink
            .prefix
            .as_ref()
            .and_then(|s| s.lock().ok().and_then(|mut s| s.take()));
        let Some((image, total)) = taken else {
            thread::sleep(Duration::from_millis(25));
            continue;
        };
        if sink.nearly_read() {
            continue;
        }
        sink.previewed.store(image.layers.len(), Ordering::Relaxed);
        let a = analyse(image);
        if sink.finished.load(Ordering::Relaxed) || tx.send((a, total)).is_err() {
            return;
        }
    }
}

/// Wait a little for terminal events and feed them to `update`. Returns
/// whether any arrived (so the screen needs drawing).
fn read_events(model: &mut Model) -> Result<bool> {
    let mut any = false;
    if event::poll(Duration::from_millis(50)).map_err(term_err)? {
        // Drain whatever is queued (a fast wheel or key repeat) before
        // drawing again.
        loop {
            let msg = match event::read().map_err(term_err)? {
                Event::Key(k) => Some(Msg::Key(k)),
                Event::Mouse(m) => Some(Msg::Mouse(m)),
                Event::Resize(w, h) => Some(Msg::Resize(w, h)),
                _ => None,
            };
            if let Some(msg) = msg {
                update(model, msg);
                any = true;
            }
            if model.quit || !event::poll(Duration::ZERO).map_err(term_err)? {
                break;
            }
        }
    }
    Ok(any)
}
