#!/usr/bin/env bash
# Build the rpm test image (testdata/rpm/docker-archive.tar, committed; its
# sources and expected figures here in testdata/images/rpm/) with real tools:
#   testdata/images/rpm/build.sh     (root; rpm, rpmbuild, umoci, skopeo, python3)
# Three tiny noarch packages are built with rpmbuild, installed into an
# umoci bundle's rootfs with `rpm --root`, and each step is packed by umoci
# into a layer (umoci computes the diff, whiteouts included):
#   layer 1: rpm -i hello-1.0-1 gone-0.5-1           (the database at /var/lib/rpm)
#   layer 2: rpm -U hello-1.1-1 (its binary rewritten), rpm -i world-devel-2:2.0-3,
#            rpm -e gone (world-devel: a `*-devel` name, the toolchain group)
# After each step rpm's own answers are saved (rpm-qa.N.txt: name, version;
# rpm-ql.N.txt: every file of every package) for expected.py, which writes
# EXPECTED.json from them and the image's layer tars (Python's tarfile).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
image=$(cd "$here/../.." && pwd)/rpm/docker-archive.tar
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
cd "$W"
export SOURCE_DATE_EPOCH=1700000000

# spec NAME EPOCH VERSION RELEASE SIZE_OF_BIN
spec() {
    local name=$1 epoch=$2 version=$3 release=$4 size=$5
    cat >"$name-$version.spec" <<SPEC
Name: $name
${epoch:+Epoch: $epoch}
Version: $version
Release: $release
Summary: layerscope test package $name
License: MIT
BuildArch: noarch
%description
A layerscope test package.
%install
mkdir -p %{buildroot}/usr/bin %{buildroot}/usr/share/$name %{buildroot}/var/log
yes $name-$version | head -c $size >%{buildroot}/usr/bin/$name
echo "$name $version" >%{buildroot}/usr/share/$name/README
echo "shared by every version of $name" >%{buildroot}/usr/share/$name/NOTES
ln %{buildroot}/usr/share/$name/NOTES %{buildroot}/usr/share/$name/NOTES.link
%files
/usr/bin/$name
%dir /usr/share/$name
/usr/share/$name/README
/usr/share/$name/NOTES
/usr/share/$name/NOTES.link
%ghost /var/log/$name.log
SPEC
    rpmbuild --define "_topdir $W/top" --define '_buildhost layerscope' \
        --define 'use_source_date_epoch_as_buildtime 1' \
        -bb "$name-$version.spec" >>rpmbuild.log 2>&1
}
spec hello "" 1.0 1 3000
spec gone "" 0.5 1 2500
spec hello "" 1.1 1 3500
spec world-devel 2 2.0 3 1200
R=$W/top/RPMS/noarch

umoci init --layout img
umoci new --image img:rpm
umoci unpack --image img:rpm bundle >/dev/null
root=$W/bundle/rootfs
rpmq() { rpm --root "$root" --dbpath /var/lib/rpm "$@"; }
record() {
    rpmq -qa --qf '%{NAME}\t%|EPOCH?{%{EPOCH}:}:{}|%{VERSION}-%{RELEASE}\n' | sort >"$here/rpm-qa.$1.txt"
    rpmq -qa --qf '[%{=NAME}\t%{FILENAMES}\n]' | sort >"$here/rpm-ql.$1.txt"
}

step() {
    local n=$1 what=$2
    umoci repack --refresh-bundle --history.created_by "$what" \
        --history.created "2023-11-14T22:13:20Z" --image img:rpm bundle
    record "$n"
}
# The ghost log file of hello: written by "the program", not by rpm.
rpmq --nodeps -i "$R/hello-1.0-1.noarch.rpm" "$R/gone-0.5-1.noarch.rpm"
mkdir -p "$root/var/log"
printf 'hello ran\n' >"$root/var/log/hello.log"
step 1 "rpm -i hello-1.0-1 gone-0.5-1"
rpmq --nodeps -U "$R/hello-1.1-1.noarch.rpm"
rpmq --nodeps -i "$R/world-devel-2.0-3.noarch.rpm"
rpmq --nodeps -e gone
step 2 "rpm -U hello-1.1-1 && rpm -i world-devel-2:2.0-3 && rpm -e gone"

mkdir -p "$(dirname "$image")"
rm -f "$image"
skopeo copy --quiet oci:img:rpm docker-archive:"$image":layerscope-test/rpm:latest
python3 "$here/expected.py" "$image" "$here"
echo "wrote $image and $here/EXPECTED.json"
