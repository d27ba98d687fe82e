#!/usr/bin/env bash
# Rebuild layerscope's test images from their Dockerfiles, in every input format, and
# recompute EXPECTED.json / EXPECTED.md. See docs/testdata.md.
#
#   testdata/build.sh [IMAGE...]      default: basic antipatterns remedies
#
# Needs root (rootful buildah, chroot isolation; no container engine, no network) and:
#   buildah skopeo umoci python3 gzip zstd and a static busybox
#   (Debian: apt-get install -y buildah skopeo umoci busybox-static zstd)
# It installs nothing. Environment knobs:
#   STORAGE_DRIVER   overlay (default) or vfs
#   BUSYBOX          path of a STATIC busybox (default /bin/busybox)
#   WORK             scratch dir (default /var/tmp/layerscope-testdata-build; wiped first)
# Idempotent: every run starts from an empty private buildah store (no layer cache), uses
# --timestamp 0, and replaces testdata/<image>/ only after every export of that image has
# been verified. Two runs on the same tool versions give byte-identical files.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
TOOLS=$HERE/tools
WORK=${WORK:-/var/tmp/layerscope-testdata-build}
DRIVER=${STORAGE_DRIVER:-overlay}
BUSYBOX=${BUSYBOX:-/bin/busybox}
REPO=layerscope-test
if [ $# -gt 0 ]; then IMAGES=("$@"); else IMAGES=(basic antipatterns remedies); fi

say() { printf '== %s\n' "$*" >&2; }
die() { printf 'build.sh: %s\n' "$*" >&2; exit 1; }

# ---------------------------------------------------------------- tools
missing=()
for t in buildah:buildah skopeo:skopeo umoci:umoci python3:python3 gzip:gzip zstd:zstd; do
  command -v "${t%%:*}" >/dev/null 2>&1 || missing+=("${t%%:*} (Debian package ${t##*:})")
done
if [ ! -x "$BUSYBOX" ]; then
  missing+=("static busybox at $BUSYBOX (Debian package busybox-static, or set BUSYBOX=)")
elif ldd "$BUSYBOX" >/dev/null 2>&1; then
  missing+=("$BUSYBOX is dynamically linked: a STATIC busybox is needed (busybox-static)")
fi
[ ${#missing[@]} -eq 0 ] || die "missing: $(printf '\n  %s' "${missing[@]}")"
[ "$(id -u)" = 0 ] || die "run as root (rootful buildah with chroot isolation)"
for img in "${IMAGES[@]}"; do
  [ -f "$HERE/images/$img/Dockerfile" ] || die "no Dockerfile for image '$img'"
done

say "buildah $(buildah --version | awk '{print $3}'), skopeo $(skopeo --version | awk '{print $3}'), $(umoci --version), storage driver $DRIVER"
B=(buildah --root "$WORK/storage" --runroot "$WORK/run" --storage-driver "$DRIVER")
if [ -d "$WORK/storage" ]; then
  # overlay mounts may linger from an interrupted run
  "${B[@]}" rm --all >/dev/null 2>&1 || true
  "${B[@]}" rmi --all --force >/dev/null 2>&1 || true
  umount -R "$WORK/storage/overlay" 2>/dev/null || true
fi
rm -rf "$WORK"
mkdir -p "$WORK/ctx" "$WORK/out" "$WORK/tmp"
export SOURCE_DATE_EPOCH=0

# ---------------------------------------------------------------- build + export
for img in "${IMAGES[@]}"; do
  say "$img: staging the build context"
  ctx=$WORK/ctx/$img
  mkdir -p "$ctx"
  cp -R "$HERE/images/$img/." "$ctx/"
  if [ "$img" != basic ]; then
    cp -R "$HERE/images/common/sim" "$ctx/sim"
    cp -R "$HERE/images/common/pip" "$ctx/sim/pip-artifacts"
  fi
  chmod -R u=rwX,go=rX "$ctx"          # independent of the caller's umask / checkout modes
  python3 "$TOOLS/gen_payloads.py" "$img" "$ctx"
  mkdir -p "$ctx/bb" && cp "$BUSYBOX" "$ctx/bb/busybox" && chmod 755 "$ctx/bb/busybox"
  find "$ctx" -exec touch -h -d @0 {} +

  say "$img: buildah bud --layers"
  "${B[@]}" bud --layers --isolation chroot --timestamp 0 --format oci \
      --iidfile "$WORK/tmp/$img.iid" -t "localhost/$REPO/$img:latest" \
      -f "$ctx/Dockerfile" "$ctx" >&2
  id=$(sed 's/^sha256://' "$WORK/tmp/$img.iid")

  out=$WORK/out/$img
  mkdir -p "$out"
  say "$img: exporting"
  # by image ID, so that the archive carries only the tag we give (not localhost/...)
  "${B[@]}" push -q "$id" "docker-archive:$out/docker-archive.tar:$REPO/$img:latest"
  gzip -n -9 -c "$out/docker-archive.tar" > "$out/docker-archive.tar.gz"
  "${B[@]}" push -q --compression-format gzip "$id" "oci:$out/oci-gzip:latest"
  "${B[@]}" push -q --compression-format gzip "$id" "oci-archive:$out/oci-archive.tar:latest"
  python3 "$TOOLS/zero_tar_mtimes.py" "$out/oci-archive.tar"   # its members carry the wall clock
  # zstd: recompress the gzip layout
  skopeo copy -q --dest-compress-format zstd "oci:$out/oci-gzip:latest" "oci:$out/oci-zstd:latest"
  # uncompressed: `buildah push --disable-compression` and `skopeo copy --dest-decompress`
  # to oci: both silently reuse the gzip blobs (1.28 / 1.9), and docker-archive -> oci
  # yields raw tars labelled +gzip. What works: decompress into a dir: layout, then copy
  # that to oci: with --dest-oci-accept-uncompressed-layers.
  skopeo copy -q --dest-decompress "oci:$out/oci-gzip:latest" "dir:$WORK/tmp/$img-dir"
  skopeo copy -q --dest-oci-accept-uncompressed-layers "dir:$WORK/tmp/$img-dir" "oci:$out/oci-plain:latest"
  python3 "$TOOLS/make_docker25.py" "$out/oci-plain" "$out/docker25.tar" "$REPO/$img:latest"
  if [ "$img" = basic ]; then
    python3 "$TOOLS/make_containerd.py" "$out/oci-gzip" "$out/docker25-containerd.tar" "$REPO/$img:latest"
    python3 "$TOOLS/make_multiplatform.py" "$out/oci-gzip" "$out/oci-multiplatform" latest
  fi
  # skopeo/buildah leave no timestamps we care about, but normalise file mtimes anyway
  find "$out" -exec touch -h -d @0 {} +

  say "$img: verifying media types, magic bytes, digests and diff_ids"
  v() { python3 "$TOOLS/verify_export.py" "$@" >&2; }
  v "$out/docker-archive.tar" none
  v "$out/docker-archive.tar.gz" none
  v "$out/oci-gzip" gzip
  v "$out/oci-zstd" zstd
  v "$out/oci-plain" none
  v "$out/oci-archive.tar" gzip
  v "$out/docker25.tar" none
  if [ "$img" = basic ]; then
    v "$out/docker25-containerd.tar" gzip --allow-missing
    v "$out/oci-multiplatform" gzip
  fi
  if tar -tf "$out/oci-archive.tar" | grep -qx manifest.json; then die "$img: oci-archive.tar has a manifest.json"; fi
done

# ---------------------------------------------------------------- expected figures
say "computing EXPECTED.json / EXPECTED.md (tools/expected.py)"
args=()
for img in "${IMAGES[@]}"; do args+=("$img=$WORK/out/$img"); done
python3 "$TOOLS/expected.py" "$WORK/out/EXPECTED.json" "$WORK/out/EXPECTED.md" "${args[@]}"

say "cross-checking the final filesystems with umoci unpack"
for img in "${IMAGES[@]}"; do
  umoci unpack --image "$WORK/out/$img/oci-plain:latest" "$WORK/tmp/$img-bundle" >/dev/null
  python3 "$TOOLS/check_final_fs.py" "$WORK/out/EXPECTED.json" "$img" "$WORK/tmp/$img-bundle/rootfs" >&2
done

# ---------------------------------------------------------------- install into testdata/
for img in "${IMAGES[@]}"; do
  rm -rf "${HERE:?}/$img"
  mv "$WORK/out/$img" "$HERE/$img"
done
if [ ${#IMAGES[@]} -eq 3 ]; then
  mv "$WORK/out/EXPECTED.json" "$WORK/out/EXPECTED.md" "$HERE/"
else
  say "partial build: EXPECTED.* left in $WORK/out (they cover only: ${IMAGES[*]})"
fi

total=$(du -sb --exclude=images --exclude=tools "$HERE" | cut -f1)
say "testdata outputs: $total bytes"
du -sh "$HERE"/*/ "$HERE"/EXPECTED.* >&2
[ "$total" -le $((12 * 1024 * 1024)) ] || die "testdata is over the 12 MB limit"
"${B[@]}" rmi --all --force >/dev/null 2>&1 || true
say "done"
