//! Generates synthetic benchmark images (no downloads): a legacy
//! docker-archive with plain layers, and OCI layout directories with gzip
//! and zstd layers of the same content.
//!
//! cargo run --release --example gen_image -- OUT_DIR TOTAL_MB ENTRIES LAYERS [DELETES]
//!
//! GEN_PLAIN_ONLY=1 writes the docker-archive only.
//!
//! DELETES > 0 adds one more layer that deletes that many lower files one
//! by one, as `RUN find / -name '*.pyc' -delete` does: one `.wh.` entry per
//! file. Real images have such layers, and they are what makes dive slow
//! (it re-stacks every lower layer's tree for each whiteout it meets).
//!
//! Content is word-salad text mixed with random bytes, compressing ~2x like
//! real images. Later layers overwrite and delete some earlier paths so the
//! overlay has real work.

use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::Path;

use sha2::{Digest, Sha256};

/// A GNU header with numeric owner and time fields (an all-NUL uid field is
/// refused by some readers, diving-rs 0.12 among them).
fn gnu_header() -> tar::Header {
    let mut h = tar::Header::new_gnu();
    h.set_uid(0);
    h.set_gid(0);
    h.set_mtime(1_704_067_200);
    h
}

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
}

const WORDS: &[&str] = &[
    "import", "def", "return", "self", "class", "lambda", "numpy", "tensor", "float", "int",
    "None", "True", "False", "for", "in", "range", "len", "print", "data", "model", "layer",
    "weight", "bias", "shape", "dtype", "cuda", "device", "config", "path", "open",
];

fn fill(rng: &mut Rng, buf: &mut Vec<u8>, size: usize) {
    buf.clear();
    while buf.len() < size {
        let r = rng.next();
        if r.is_multiple_of(4) {
            buf.extend_from_slice(&r.to_le_bytes());
        } else {
            buf.extend_from_slice(WORDS[(r >> 8) as usize % WORDS.len()].as_bytes());
            buf.push(if r.is_multiple_of(7) { b'\n' } else { b' ' });
        }
    }
    buf.truncate(size);
}

fn sha_hex(b: &[u8]) -> String {
    hex::encode(Sha256::digest(b))
}

/// Writes one layer tar to `out`; returns (sha256 hex, length).
fn write_layer(
    path: &Path,
    rng: &mut Rng,
    layer: usize,
    files: usize,
    bytes_per_file: usize,
) -> io::Result<(String, u64)> {
    struct HashingWriter<W> {
        inner: W,
        sha: Sha256,
        n: u64,
    }
    impl<W: Write> Write for HashingWriter<W> {
        fn write(&mut self, b: &[u8]) -> io::Result<usize> {
            let n = self.inner.write(b)?;
            self.sha.update(&b[..n]);
            self.n += n as u64;
            Ok(n)
        }
        fn flush(&mut self) -> io::Result<()> {
            self.inner.flush()
        }
    }
    let w = HashingWriter {
        inner: BufWriter::with_capacity(1 << 20, File::create(path)?),
        sha: Sha256::new(),
        n: 0,
    };
    let mut b = tar::Builder::new(w);
    let mut buf = Vec::new();
    let per_dir = 200;
    for i in 0..files {
        if i % per_dir == 0 {
            let mut h = gnu_header();
            h.set_entry_type(tar::EntryType::Directory);
            h.set_mode(0o755);
            h.set_size(0);
            b.append_data(
                &mut h,
                format!("usr/lib/l{layer}/pkg{}/", i / per_dir),
                io::empty(),
            )?;
        }
        // Sizes vary around the mean (half to 1.5x).
        let size = if bytes_per_file == 0 {
            0
        } else {
            bytes_per_file / 2 + (rng.next() as usize % bytes_per_file.max(1))
        };
        fill(rng, &mut buf, size);
        let mut h = gnu_header();
        h.set_entry_type(tar::EntryType::Regular);
        h.set_mode(0o644);
        h.set_size(size as u64);
        b.append_data(
            &mut h,
            format!("usr/lib/l{layer}/pkg{}/mod{i}.py", i / per_dir),
            &buf[..],
        )?;
    }
    if layer > 0 {
        // Delete a lower package and overwrite a lower file.
        let mut h = gnu_header();
        h.set_entry_type(tar::EntryType::Regular);
        h.set_mode(0o644);
        h.set_size(0);
        b.append_data(
            &mut h,
            format!("usr/lib/l{}/.wh.pkg0", layer - 1),
            io::empty(),
        )?;
        fill(rng, &mut buf, 1000);
        h.set_size(1000);
        b.append_data(
            &mut h,
            format!("usr/lib/l{}/pkg1/mod200.py", layer - 1),
            &buf[..],
        )?;
    }
    let mut w = b.into_inner()?;
    w.flush()?;
    Ok((hex::encode(w.sha.finalize()), w.n))
}

/// The cleanup layer: `deletes` whiteouts of single files spread evenly
/// over the lower layers (never in a lower layer's `pkg0`, which the next
/// layer deletes as a whole, nor `mod200.py`, which it overwrites).
fn write_cleanup_layer(
    path: &Path,
    layers: usize,
    files: usize,
    deletes: usize,
) -> io::Result<(String, u64)> {
    let per_dir = 200;
    let candidates: Vec<(usize, usize)> = (0..layers)
        .flat_map(|l| (per_dir..files).map(move |i| (l, i)))
        .filter(|&(_, i)| i != 200)
        .collect();
    let step = (candidates.len() / deletes.max(1)).max(1);
    let mut buf = Vec::new();
    {
        let mut b = tar::Builder::new(&mut buf);
        for &(l, i) in candidates.iter().step_by(step).take(deletes) {
            let mut h = gnu_header();
            h.set_entry_type(tar::EntryType::Regular);
            h.set_mode(0o644);
            h.set_size(0);
            let name = format!("usr/lib/l{l}/pkg{}/.wh.mod{i}.py", i / per_dir);
            b.append_data(&mut h, name, io::empty())?;
        }
        b.finish()?;
    }
    fs::write(path, &buf)?;
    Ok((sha_hex(&buf), buf.len() as u64))
}

fn compress(src: &Path, dst: &Path, zstd_level: Option<i32>) -> io::Result<(String, u64)> {
    let mut input = io::BufReader::with_capacity(1 << 20, File::open(src)?);
    let out = BufWriter::with_capacity(1 << 20, File::create(dst)?);
    match zstd_level {
        Some(l) => {
            let mut e = zstd::Encoder::new(out, l)?;
            io::copy(&mut input, &mut e)?;
            e.finish()?.flush()?;
        }
        None => {
            let mut e = flate2::write::GzEncoder::new(out, flate2::Compression::fast());
            io::copy(&mut input, &mut e)?;
            e.finish()?.flush()?;
        }
    }
    let data = fs::read(dst)?;
    Ok((sha_hex(&data), data.len() as u64))
}

fn main() -> io::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 5 && args.len() != 6 {
        eprintln!("usage: gen_image OUT_DIR TOTAL_MB ENTRIES LAYERS [DELETES]");
        std::process::exit(2);
    }
    let out = Path::new(&args[1]);
    let total: usize = args[2].parse::<usize>().expect("TOTAL_MB") * 1_000_000;
    let entries: usize = args[3].parse().expect("ENTRIES");
    let layers: usize = args[4].parse().expect("LAYERS");
    let per_layer_files = entries / layers;
    let bytes_per_file = total / entries.max(1);
    let tmp = out.join("layers");
    fs::create_dir_all(&tmp)?;
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut diff_ids = Vec::new();
    for l in 0..layers {
        let p = tmp.join(format!("{l}.tar"));
        let (sha, len) = write_layer(&p, &mut rng, l, per_layer_files, bytes_per_file)?;
        eprintln!("layer {l}: {len} bytes");
        diff_ids.push((sha, len, p));
    }
    let deletes: usize = args.get(5).map_or(0, |d| d.parse().expect("DELETES"));
    if deletes > 0 {
        let p = tmp.join("cleanup.tar");
        let (sha, len) = write_cleanup_layer(&p, layers, per_layer_files, deletes)?;
        eprintln!("cleanup layer: {deletes} whiteouts, {len} bytes");
        diff_ids.push((sha, len, p));
    }
    // `created`: optional in the image spec, required by diving-rs 0.12.
    let config = serde_json::json!({
        "architecture": "amd64", "os": "linux", "created": "2024-01-01T00:00:00Z",
        "rootfs": {"type": "layers", "diff_ids": diff_ids.iter().map(|d| format!("sha256:{}", d.0)).collect::<Vec<_>>()},
        "history": (0..diff_ids.len()).map(|l| serde_json::json!({"created": "2024-01-01T00:00:00Z", "created_by": if l < layers {
            format!("/bin/sh -c generate layer {l}")
        } else {
            "/bin/sh -c find /usr/lib -name 'mod*.py' -delete # some of them".to_string()
        }})).collect::<Vec<_>>(),
    });
    let config_bytes = serde_json::to_vec(&config)?;
    let config_hex = sha_hex(&config_bytes);

    // Legacy docker-archive, plain layers.
    {
        let f = BufWriter::with_capacity(1 << 20, File::create(out.join("docker-archive.tar"))?);
        let mut b = tar::Builder::new(f);
        for (sha, _, p) in &diff_ids {
            b.append_path_with_name(p, format!("{sha}/layer.tar"))?;
        }
        let mut h = gnu_header();
        h.set_mode(0o644);
        h.set_size(config_bytes.len() as u64);
        b.append_data(&mut h, format!("{config_hex}.json"), &config_bytes[..])?;
        let manifest = serde_json::to_vec(&serde_json::json!([{
            "Config": format!("{config_hex}.json"),
            "RepoTags": ["bench:latest"],
            "Layers": diff_ids.iter().map(|d| format!("{}/layer.tar", d.0)).collect::<Vec<_>>(),
        }]))?;
        h.set_size(manifest.len() as u64);
        b.append_data(&mut h, "manifest.json", &manifest[..])?;
        b.into_inner()?.flush()?;
    }

    // GEN_PLAIN_ONLY=1: the docker-archive alone (a multi-GB image whose
    // compressed variants would take the bench minutes to write).
    if std::env::var_os("GEN_PLAIN_ONLY").is_some() {
        fs::remove_dir_all(&tmp)?;
        return Ok(());
    }

    // OCI layouts with gzip and zstd layers; the gzip layer blobs' names are
    // kept for the Docker 25+ archive below.
    let mut gzip_blobs = Vec::new();
    for (name, level, mt) in [
        (
            "oci-gzip",
            None,
            "application/vnd.oci.image.layer.v1.tar+gzip",
        ),
        (
            "oci-zstd",
            Some(3),
            "application/vnd.oci.image.layer.v1.tar+zstd",
        ),
    ] {
        let dir = out.join(name);
        let blobs = dir.join("blobs/sha256");
        fs::create_dir_all(&blobs)?;
        let mut descs = Vec::new();
        for (_, _, p) in &diff_ids {
            let tmpblob = blobs.join("tmp");
            let (sha, len) = compress(p, &tmpblob, level)?;
            fs::rename(&tmpblob, blobs.join(&sha))?;
            descs.push(serde_json::json!({"mediaType": mt, "digest": format!("sha256:{sha}"), "size": len}));
            if level.is_none() {
                gzip_blobs.push(format!("blobs/sha256/{sha}"));
            }
        }
        fs::write(blobs.join(&config_hex), &config_bytes)?;
        let manifest = serde_json::to_vec(&serde_json::json!({
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": format!("sha256:{config_hex}"), "size": config_bytes.len()},
            "layers": descs,
        }))?;
        let mhex = sha_hex(&manifest);
        fs::write(blobs.join(&mhex), &manifest)?;
        fs::write(dir.join("oci-layout"), br#"{"imageLayoutVersion":"1.0.0"}"#)?;
        fs::write(
            dir.join("index.json"),
            serde_json::to_vec(&serde_json::json!({
                "schemaVersion": 2,
                "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": format!("sha256:{mhex}"), "size": manifest.len(),
                               "annotations": {"org.opencontainers.image.ref.name": "latest"}}],
            }))?,
        )?;
    }
    // Docker 25+ `docker save` of the gzip variant: the OCI layout inside
    // the tar plus a manifest.json pointing into blobs/sha256/ (what dive
    // reads when the containerd image store keeps layers compressed).
    {
        let dir = out.join("oci-gzip");
        let docker_manifest = serde_json::to_vec(&serde_json::json!([{
            "Config": format!("blobs/sha256/{config_hex}"),
            "RepoTags": ["bench:latest"],
            "Layers": gzip_blobs,
        }]))?;
        let f = BufWriter::with_capacity(1 << 20, File::create(out.join("docker25-gzip.tar"))?);
        let mut b = tar::Builder::new(f);
        let mut names: Vec<_> = fs::read_dir(dir.join("blobs/sha256"))?
            .map(|e| e.map(|e| e.file_name()))
            .collect::<io::Result<_>>()?;
        names.sort();
        for n in names {
            let name = format!("blobs/sha256/{}", n.to_string_lossy());
            b.append_path_with_name(dir.join(&name), &name)?;
        }
        b.append_path_with_name(dir.join("oci-layout"), "oci-layout")?;
        b.append_path_with_name(dir.join("index.json"), "index.json")?;
        let mut h = gnu_header();
        h.set_mode(0o644);
        h.set_size(docker_manifest.len() as u64);
        b.append_data(&mut h, "manifest.json", &docker_manifest[..])?;
        b.into_inner()?.flush()?;
    }
    fs::remove_dir_all(&tmp)?;
    Ok(())
}
