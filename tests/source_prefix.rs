//! `ProgressSink::layers_prefix`: the in-order prefix of read layers that
//! the explorer previews while later layers are still being read. The
//! parallel reader finishes layers in any order; the sink must see the
//! prefixes in layer order, each exactly layers 1 to k.

use crate::support::archives;

use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use archives::*;
use layerscope_core::analysis::{Analysis, CacheRules};
use layerscope_core::dive::{DiveAhead, DiveInefficiency, DiveReport};
use layerscope_core::source::{LayersPrefix, OpenOptions, ProgressSink, ScannedLayer};

/// What a prefix held: per layer, (number, build step, [(path, size)]).
type Seen = Vec<(usize, Option<String>, Vec<(String, u64)>)>;

#[derive(Default)]
struct Recorder {
    /// Hold layer 1's pass until layer 3's has begun (so layer 2's is over
    /// and recorded), and layer 3's until a prefix arrived: layer 1 is the
    /// last of layers 1-2 to be done.
    hold: bool,
    scanned: Mutex<Vec<String>>,
    /// The passes in the order their `layer_scanned` returned.
    released: Mutex<Vec<String>>,
    prefixes: Mutex<Vec<(usize, Seen)>>,
    changed: Condvar,
}

impl Recorder {
    /// Wait (a hang guard, not a timing) until `done` holds.
    fn wait_for(&self, what: &str, done: impl Fn(&[String], usize) -> bool) {
        let mut scanned = self.scanned.lock().unwrap();
        loop {
            let n = self.prefixes.lock().unwrap().len();
            if done(&scanned, n) {
                return;
            }
            let (s, t) = self
                .changed
                .wait_timeout(scanned, Duration::from_secs(60))
                .unwrap();
            assert!(!t.timed_out(), "never happened: {what}");
            scanned = s;
        }
    }
}

impl ProgressSink for Recorder {
    fn wants_prefix(&self) -> bool {
        true
    }
    fn layer_scanned(&self, layer: &ScannedLayer<'_>) {
        let label = layer.label.to_string();
        let held = self.hold && (label.starts_with("layer 1 ") || label.starts_with("layer 3 "));
        {
            // A pass that is not held returns now: recorded as released
            // under the same lock, before anyone waiting on it wakes.
            let mut scanned = self.scanned.lock().unwrap();
            scanned.push(label.clone());
            if !held {
                self.released.lock().unwrap().push(label.clone());
            }
        }
        self.changed.notify_all();
        if !held {
            return;
        }
        if label.starts_with("layer 1 ") {
            self.wait_for("layer 3 begun", |s, _| {
                s.iter().any(|l| l.starts_with("layer 3 "))
            });
        } else {
            self.wait_for("a prefix", |_, n| n > 0);
        }
        let _order = self.scanned.lock().unwrap();
        self.released.lock().unwrap().push(label);
    }
    fn layers_prefix(&self, p: &LayersPrefix<'_>) {
        let seen = (0..p.len())
            .map(|i| {
                let l = p.layer(i);
                let entries = p
                    .changeset(i)
                    .entries
                    .iter()
                    .map(|e| (String::from_utf8_lossy(&e.path).into_owned(), e.size))
                    .collect();
                (l.index.number(), l.created_by, entries)
            })
            .collect();
        // A scope of its own: `wait_for` locks `scanned` then `prefixes`.
        let _order = self.scanned.lock().unwrap();
        self.prefixes.lock().unwrap().push((p.total(), seen));
        self.changed.notify_all();
    }
}

/// Layers 1 and 2 of `sample()`, as built in tests/support/archives.rs:
/// `ID=test1\n` is 9 bytes.
fn layers_1_2() -> Seen {
    vec![
        (
            1,
            Some("ADD rootfs.tar /".into()),
            vec![
                ("etc".into(), 0),
                ("etc/os-release".into(), 9),
                ("bin/sh".into(), 1000),
            ],
        ),
        (
            2,
            Some("COPY big.bin /app/".into()),
            vec![
                ("app".into(), 0),
                ("app/big.bin".into(), 5000),
                ("root/.cache/pip/x.whl".into(), 300),
            ],
        ),
    ]
}

fn with(r: &Arc<Recorder>) -> OpenOptions {
    OpenOptions {
        progress: Some(r.clone() as Arc<dyn ProgressSink>),
        ..no_verify()
    }
}

/// The reader's threads for 3 layers.
fn threads() -> usize {
    std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(3)
}

/// Each prefix is exactly layers 1 to k of `want`, k grows, k < 3.
fn assert_prefixes(got: &[(usize, Seen)], want: &Seen) {
    assert!(!got.is_empty());
    let mut last = 0;
    for (total, seen) in got {
        assert_eq!(*total, 3);
        assert!(seen.len() > last && seen.len() < 3, "{got:?}");
        assert_eq!(seen[..], want[..seen.len()]);
        last = seen.len();
    }
}

#[test]
fn prefixes_arrive_in_layer_order_when_layer_2_is_read_before_layer_1() {
    let a = legacy(&[(&sample(), &["app:1.0"])], false);
    for (route, opts) in [("plain", no_verify()), ("--verify", opts())] {
        let r = Arc::new(Recorder {
            hold: threads() >= 2,
            ..Recorder::default()
        });
        let o = OpenOptions {
            progress: Some(r.clone() as Arc<dyn ProgressSink>),
            ..opts
        };
        let img = open_bytes(&a.tar(), &o).expect("open");
        assert_eq!(img.layers.len(), 3);
        let released = r.released.lock().unwrap().clone();
        let got = r.prefixes.lock().unwrap().clone();
        let l12 = layers_1_2();
        match threads() {
            1 => assert_eq!(got, vec![(3, l12[..1].to_vec()), (3, l12)], "{route}"),
            // Two threads: layer 2's pass is over (the thread that read it
            // went on to layer 3) before layer 1's: layer 1 alone is never
            // offered, layers 1-2 once, the whole image (3 of 3) never.
            2 => {
                assert!(released[0].starts_with("layer 2 "), "{route}: {released:?}");
                assert_eq!(got, vec![(3, l12)], "{route}");
            }
            // Three passes at once: layer 3's may end before layer 2's.
            _ => assert_prefixes(&got, &l12),
        }
    }
}

#[test]
fn an_oci_layout_directory_offers_its_prefixes_too() {
    let img = sample();
    let a = oci_layout(&[(&img, Some("app:1.0"))]);
    // Held as above, layer 1's pass ends after layer 3's has begun: there
    // is a prefix to offer whatever the number of threads (left to
    // themselves, the passes may end in the order 3, 2, 1, and then the
    // only prefix would be the whole image, never offered).
    let r = Arc::new(Recorder {
        hold: threads() >= 2,
        ..Recorder::default()
    });
    open_dir(&a, &with(&r)).expect("open");
    // The prefixes only grow, each is layers 1 to k, and k stays below 3.
    assert_prefixes(&r.prefixes.lock().unwrap(), &layers_1_2());
}

#[test]
fn a_one_pass_stream_offers_no_prefix() {
    // Its layers' order is known only from the manifest, at the end.
    let a = legacy(&[(&sample(), &["app:1.0"])], false);
    let r = Arc::new(Recorder::default());
    open_stream(&a.tar(), &with(&r)).expect("open");
    assert_eq!(r.scanned.lock().unwrap().len(), 3);
    assert!(r.prefixes.lock().unwrap().is_empty());
}

/// `sample()` read through the sink that `report` and `check` read with
/// (src/cli): dive's pass over each prefix, everything passed on to the
/// sink inside it, here the recorder, which holds the passes so that
/// layers 1-2 are a prefix before layer 3 is done.
fn sample_read_ahead() -> (layerscope_core::source::Image, Arc<DiveAhead>) {
    let a = legacy(&[(&sample(), &["app:1.0"])], false);
    let r = Arc::new(Recorder {
        hold: threads() >= 2,
        ..Recorder::default()
    });
    let ahead = Arc::new(DiveAhead::new(Some(r.clone() as Arc<dyn ProgressSink>)));
    let o = OpenOptions {
        progress: Some(ahead.clone() as Arc<dyn ProgressSink>),
        ..no_verify()
    };
    let img = open_bytes(&a.tar(), &o).expect("open");
    assert_eq!(r.scanned.lock().unwrap().len(), 3);
    assert_eq!(
        r.prefixes.lock().unwrap().last().map(|p| p.1.len()),
        Some(2)
    );
    assert_eq!(ahead.layers_visited(), 2);
    (img, ahead)
}

#[test]
fn dive_s_pass_runs_on_layers_1_2_while_layer_3_is_read() {
    let (img, ahead) = sample_read_ahead();

    let a = Analysis::with_dive_ahead(img.clone(), CacheRules::builtin(), &ahead);
    assert_eq!(ahead.layers_visited(), 0, "the pass is taken");
    // dive's figures by hand (dive 0.13's model, src/dive): layer sizes
    // are the tar size fields (1: os-release 9 + sh 1000; 2: big.bin 5000 +
    // x.whl 300; 3: a whiteout and a symlink, 0). Discoveries: os-release
    // 9, sh 1000, big.bin 5000, x.whl 300 then 0 (its whiteout removes a
    // file), link 0: Σ min 6009 of Σ cumulative 6309; x.whl, found twice,
    // wastes its cumulative 300 of the 5300 user bytes.
    assert_dive(
        &a.dive,
        &[1009, 5300, 0],
        (6009, 6309),
        300,
        (b"/root/.cache/pip/x.whl", 2),
    );
    assert_eq!(a.dive.figures.size_bytes, 6309);
    // And ours are those of the analysis that runs dive's pass after the
    // read.
    let b = Analysis::new(img, CacheRules::builtin());
    assert_eq!(format!("{:?}", a.dive), format!("{:?}", b.dive));
    assert_eq!(format!("{:?}", a.totals), format!("{:?}", b.totals));
}

#[test]
fn a_pass_run_ahead_on_another_image_is_not_used() {
    // The pass saw layers 1-2 of `sample()`; the image analysed is another
    // one, whose layers have other entry counts: its figures are computed
    // afresh (the same as without the sink), not finished from the pass.
    let (_, ahead) = sample_read_ahead();
    // Layer 1: `a`, 10 bytes; layer 2: `a` again, 20 bytes, and `b`, 5.
    let other = sample().with_layers(vec![
        TLayer::new(&[E::File("a", vec![1; 10])], Comp::None),
        TLayer::new(
            &[E::File("a", vec![2; 20]), E::File("b", vec![3; 5])],
            Comp::None,
        ),
    ]);
    let other = legacy(&[(&other, &["other:1"])], false);
    let other = open_bytes(&other.tar(), &no_verify()).expect("open");
    let got = Analysis::with_dive_ahead(other, CacheRules::builtin(), &ahead);
    // By hand: `a` found twice (10, then 20), `b` once (5): Σ min 15 of
    // Σ cumulative 35; `a` wastes its cumulative 30 of the 25 user bytes.
    assert_dive(&got.dive, &[10, 25], (15, 35), 30, (b"/a", 2));
}

/// dive's report of an image with one inefficient path, `wasted` bytes
/// (its cumulative size): the layer sizes, (Σ min, Σ cumulative) and the
/// path with its count.
fn assert_dive(
    dive: &DiveReport,
    layer_sizes: &[u64],
    (min, cumulative): (i64, i64),
    wasted: u64,
    (path, count): (&[u8], usize),
) {
    let f = dive.figures;
    let user: u64 = layer_sizes[1..].iter().sum();
    assert_eq!(dive.layer_sizes, layer_sizes);
    assert_eq!(f.user_size_bytes, user);
    assert_eq!(f.efficiency, min as f64 / cumulative as f64);
    assert_eq!(f.wasted_bytes, wasted);
    assert_eq!(f.user_wasted_ratio, wasted as f64 / user as f64);
    assert_eq!(
        dive.inefficient,
        vec![DiveInefficiency {
            path: path.into(),
            count,
            cumulative_size: wasted,
        }]
    );
    assert!(dive.aborts.is_empty() && dive.refusal.is_none());
}

/// Holds layer 1's reader (in its `layer_scanned`) until layers 2 and 3
/// are read, then a while longer: the reader left without a layer to read
/// meanwhile parses their package databases ahead (docs/packages.md,
/// "Cost").
#[derive(Default)]
struct HoldLayer1 {
    others_read: Mutex<usize>,
    changed: Condvar,
}

impl ProgressSink for HoldLayer1 {
    fn layer_scanned(&self, layer: &ScannedLayer<'_>) {
        if !layer.label.starts_with("layer 1 ") {
            *self.others_read.lock().unwrap() += 1;
            self.changed.notify_all();
            return;
        }
        let (read, t) = self
            .changed
            .wait_timeout_while(
                self.others_read.lock().unwrap(),
                Duration::from_secs(60),
                |n| *n < 2,
            )
            .unwrap();
        assert!(!t.timed_out(), "layers 2 and 3 never read");
        drop(read);
        // Parsing one 50-byte status file takes microseconds; this grace
        // only has to outlast the other reader's going idle.
        std::thread::sleep(Duration::from_millis(500));
    }
}

/// Three layers, each writing dpkg's status: package `a` at version 1,
/// then 2, then 3.
fn dpkg_layers() -> Archive {
    let status = |v: u8| format!("Package: a\nStatus: install ok installed\nVersion: {v}\n");
    let img = sample().with_layers(
        (1..=3)
            .map(|v| {
                TLayer::new(
                    &[E::File("var/lib/dpkg/status", status(v).into_bytes())],
                    Comp::None,
                )
            })
            .collect(),
    );
    legacy(&[(&img, &["dpkg:1"])], false)
}

#[test]
fn idle_readers_parse_the_databases_of_the_layers_read() {
    let tar = dpkg_layers().tar();
    let hold = Arc::new(HoldLayer1::default());
    let o = OpenOptions {
        progress: Some(hold.clone() as Arc<dyn ProgressSink>),
        ..no_verify()
    };
    let img = open_bytes(&tar, &o).expect("open");
    let parsed: Vec<bool> = img
        .layers
        .iter()
        .map(|l| {
            assert_eq!(l.changeset.captured.len(), 1);
            l.changeset.captured[0].parsed().is_some()
        })
        .collect();
    // Layer 1's reader was the last one reading: nobody parsed its status
    // (the analysis does). One reader alone never waits for another.
    let want = if threads() >= 2 {
        vec![false, true, true]
    } else {
        vec![false; 3]
    };
    assert_eq!(parsed, want);
    // The same packages as when nothing is parsed ahead: `a` installed by
    // layer 1, upgraded by layers 2 and 3.
    let a = Analysis::new(img, CacheRules::builtin());
    let not_ahead = OpenOptions {
        no_parse_ahead: true,
        ..no_verify()
    };
    let b = Analysis::new(
        open_bytes(&tar, &not_ahead).expect("open"),
        CacheRules::builtin(),
    );
    assert!(b
        .image
        .layers
        .iter()
        .all(|l| l.changeset.captured[0].parsed().is_some()));
    assert_eq!(a.packages, b.packages);
    let p = &a.packages.list;
    assert_eq!(p.len(), 1);
    assert_eq!((p[0].name.as_str(), p[0].version.as_str()), ("a", "3"));
    let changes: Vec<_> = a
        .packages
        .layers
        .iter()
        .map(|l| (l.installed, l.upgraded, l.removed))
        .collect();
    assert_eq!(changes, vec![(1, 0, 0), (0, 1, 0), (0, 1, 0)]);
}
