//! Progressive loading on a real image, the way `layerscope IMAGE` runs it
//! on a terminal but drawn on a ratatui `TestBackend`: the loader and the
//! preview threads (`layerscope_tui::Loader`) polled once per frame, every
//! message through `update` and a full `view`. Prints when each preview
//! (layers 1 to k) and the final analysis are drawn, the slowest keystroke
//! on a preview, and the slowest frame the UI thread spent (poll + update
//! + view, dropping a replaced preview included).
//!
//! cargo run --release --example tui_progressive -- IMAGE [--no-preview]
use std::time::{Duration, Instant};

use layerscope_core::analysis::{Analysis, CacheRules};
use layerscope_core::source::{self, Input, OpenOptions};
use layerscope_tui::{update, view, Loader, Model, Msg, Previewer};
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::KeyCode;
use ratatui::Terminal;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let arg = args.get(1).expect("IMAGE").clone();
    let previews = !args.iter().any(|a| a == "--no-preview");
    let (w, h) = (160, 48);
    let t0 = Instant::now();
    let input = Input::from_arg(&arg);
    let load = move |progress| {
        let opts = OpenOptions {
            progress: Some(progress),
            ..OpenOptions::default()
        };
        let image = source::open(&input, &opts)?;
        // As `layerscope IMAGE` loads it: no dive figures in the explorer.
        Ok(Analysis::without_dive(image, CacheRules::builtin()))
    };
    let preview = previews.then(|| {
        Box::new(|image| Analysis::without_dive(image, CacheRules::builtin())) as Previewer
    });
    let mut loader = Loader::start(load, preview).expect("start");
    let mut term = Terminal::new(TestBackend::new(w, h)).expect("terminal");
    let mut m = Model::new(arg, (w, h));
    let mut worst_frame = Duration::ZERO;
    let mut worst_key = Duration::ZERO;
    let mut keys = 0;
    loop {
        let t = Instant::now();
        let msgs = loader.poll().expect("load");
        let mut drawn = Vec::new();
        let any = !msgs.is_empty();
        for msg in msgs {
            match &msg {
                Msg::Preview(a, total) => {
                    drawn.push(format!("preview of layers 1-{} of {total}", a.layers.len()))
                }
                Msg::Loaded(a) => drawn.push(format!("final analysis ({} layers)", a.layers.len())),
                _ => {}
            }
            update(&mut m, msg);
        }
        if any {
            term.draw(|f| view(&m, f)).expect("draw");
        }
        let d = t.elapsed();
        worst_frame = worst_frame.max(d);
        for what in drawn {
            println!(
                "{:>6.2} s  {what} drawn (that frame {:.0} ms)",
                t0.elapsed().as_secs_f64(),
                ms(d)
            );
        }
        if loader.is_done() {
            break;
        }
        // Browse the preview: a move and an open per frame.
        if m.preview.is_some() {
            for msg in [Msg::char('j'), Msg::key(KeyCode::Enter)] {
                let t = Instant::now();
                update(&mut m, msg);
                term.draw(|f| view(&m, f)).expect("draw");
                worst_key = worst_key.max(t.elapsed());
                keys += 1;
            }
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    println!(
        "slowest frame while loading {:.0} ms; slowest key on a preview {:.1} ms of {keys}",
        ms(worst_frame),
        ms(worst_key)
    );
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
