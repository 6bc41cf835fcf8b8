#!/bin/bash
# What a distribution would ship, checked from the installed tree alone: `meson install
# --destdir` into a temporary directory, that tree moved somewhere else, and then
#   - the binaries, the versioned shared library (soname from the project's major version),
#     headers, vigil.pc, man pages and the bash completion are where they belong;
#   - the installed vigilctl finds the installed vigilmon beside it (no VIGIL_MONITOR, and
#     nothing at the configured prefix) and runs a busybox container: create, start, wait,
#     list, delete; VIGIL_MONITOR overrides the monitor;
#   - a C and a C++ program built against the installed library with pkg-config alone
#     create, start, wait for and delete a container; the library finds the monitor
#     relative to itself.
# Usage: install.sh BUILD_DIR SOURCE_DIR MAN(yes|no) SANITIZE(b_sanitize, e.g. none). Exit 77
# (meson's skip) with the reason when a tool it needs is missing.
set -euo pipefail
build=$1
src=$2
man=$3
sanitize=${4:-none}
exec </dev/null

skip() { echo "# SKIP: $*"; exit 77; }
fail() { echo "FAIL: $*" >&2; exit 1; }
PATH="$PATH:/usr/sbin:/sbin"
for tool in meson runc busybox jq pkg-config cc c++ readelf; do
    command -v "$tool" >/dev/null || skip "$tool is not installed"
done
[ "$(id -u)" = 0 ] || skip "runc needs root"

tmp=$(mktemp -d /tmp/vigil-dist.XXXXXX)
state="$tmp/state"
ids=()
vigilctl=""
cleanup() {
    if [ -n "$vigilctl" ]; then
        for id in "${ids[@]}"; do
            "$vigilctl" --root "$state" delete --force "$id" >/dev/null 2>&1 || true
        done
    fi
    rm -rf "$tmp"
}
trap cleanup EXIT

echo "# meson install --destdir, then the tree moved"
meson install -C "$build" --no-rebuild --quiet --destdir "$tmp/dest" >"$tmp/install.log" 2>&1 ||
    { cat "$tmp/install.log" >&2; fail "meson install failed"; }
mv "$tmp/dest" "$tmp/moved"
tree="$tmp/moved"

# One installed file matching find's arguments.
one() {
    local found
    mapfile -t found < <(find "$tree" "$@")
    [ ${#found[@]} -eq 1 ] || fail "expected one installed file for '$*', found ${#found[@]}: ${found[*]}"
    echo "${found[0]}"
}
vigilctl=$(one -path '*/bin/vigilctl' -type f)
vigilmon=$(one -path '*/vigil/vigilmon' -type f)
pc=$(one -name vigil.pc -type f)
one -path '*/include/vigil/vigil.h' -type f >/dev/null
one -path '*/include/vigil/version.h' -type f >/dev/null
one -path '*/bash-completion/completions/vigilctl' -type f >/dev/null
if [ "$man" = yes ]; then
    one -path '*/man1/vigilctl.1' -type f >/dev/null
    one -path '*/man8/vigilmon.8' -type f >/dev/null
    one -path '*/man3/libvigil.3' -type f >/dev/null
else
    echo "# man pages not built (scdoc missing): not checked"
fi

# The shared library: libvigil.so.X.Y.Z, soname libvigil.so.X, and the links to it.
export PKG_CONFIG_PATH="${pc%/*}"
if ! grep -q '^prefix=${pcfiledir}' "$pc"; then
    # A build directory set up before pkgconfig.relocatable became the default: its vigil.pc
    # names the configured prefix, so point a copy at the moved tree.
    echo "# vigil.pc is not relocatable in this build directory: using a copy"
    prefix=$(sed -n 's/^prefix=//p' "$pc")
    mkdir -p "$tmp/pc"
    sed "s|^prefix=.*|prefix=$tree$prefix|" "$pc" >"$tmp/pc/vigil.pc"
    export PKG_CONFIG_PATH="$tmp/pc"
fi
version=$(pkg-config --modversion vigil)
libdir=$(pkg-config --variable=libdir vigil)
lib="$libdir/libvigil.so.$version"
[ -f "$lib" ] || fail "no $lib"
soname=$(readelf -d "$lib" | sed -n 's/.*Library soname: \[\(.*\)\]/\1/p')
[ "$soname" = "libvigil.so.${version%%.*}" ] || fail "soname '$soname' for version $version"
[ "$(readlink -f "$libdir/$soname")" = "$(readlink -f "$lib")" ] || fail "no $soname link"
[ "$(readlink -f "$libdir/libvigil.so")" = "$(readlink -f "$lib")" ] || fail "no libvigil.so link"
[ -f "$libdir/libvigil.a" ] || fail "no libvigil.a"
echo "# libvigil.so.$version, soname $soname"

# A busybox bundle whose container exits 7.
bundle="$tmp/bundle"
rootfs="$bundle/rootfs"
mkdir -p "$rootfs/bin" "$rootfs/proc" "$rootfs/sys" "$rootfs/dev" "$rootfs/tmp" "$rootfs/etc"
cp "$(command -v busybox)" "$rootfs/bin/busybox"
ln -s busybox "$rootfs/bin/sh"
(cd "$bundle" && runc spec)
jq '.process.terminal = false
    | .process.args = ["sh", "-c", "exit 7"]
    | .process.rlimits = [{"type": "RLIMIT_NOFILE", "hard": 1024, "soft": 1024}]
    | .root.readonly = false' "$bundle/config.json" >"$tmp/config.json"
mv "$tmp/config.json" "$bundle/config.json"
id="dist-$$"

echo "# the installed vigilctl"
ctl() { "$vigilctl" --root "$state" "$@"; }
monitor=$(ctl runtime-info --json | jq -r .monitor.path)
[ "$monitor" = "$vigilmon" ] || fail "vigilctl's monitor is '$monitor', not the installed $vigilmon"
ids+=("$id-ctl")
ctl create --bundle "$bundle" --name dist "$id-ctl"
[ "$(ctl list -q)" = "$id-ctl" ] || fail "list -q: $(ctl list -q)"
listed=$(ctl list)
grep -q "^$id-ctl  *dist  *created " <<<"$listed" || fail "list: $listed"
ctl start "$id-ctl"
code=0
ctl wait "$id-ctl" >/dev/null || code=$?
[ $code = 7 ] || fail "vigilctl wait exited $code, not the container's 7"
ctl delete "$id-ctl"
[ -z "$(ctl list -q)" ] || fail "still listed after delete: $(ctl list -q)"
mkdir "$tmp/other"
cp "$vigilmon" "$tmp/other/vigilmon"
monitor=$(VIGIL_MONITOR="$tmp/other/vigilmon" ctl runtime-info --json | jq -r .monitor.path)
[ "$monitor" = "$tmp/other/vigilmon" ] || fail "VIGIL_MONITOR: vigilctl took '$monitor'"
versions=$("$vigilctl" --version)
grep -qx "libvigil: $version" <<<"$versions" || fail "vigilctl --version: $versions"

# engine.c (C) and engine.cc (C++) against the installed library, with pkg-config alone.
cflags=$(pkg-config --cflags vigil)
libs=$(pkg-config --libs vigil)
# A sanitized build installs a sanitized library, whose runtime must come first.
[ "$sanitize" = none ] || libs="-fsanitize=$sanitize $libs"
case " $cflags " in *" -I$tree"*) ;; *) fail "pkg-config --cflags vigil: $cflags" ;; esac
# shellcheck disable=SC2086 # the flags are words
cc -std=gnu11 -Wall -Wextra -Werror -o "$tmp/engine-c" "$src/tests/dist/engine.c" $cflags $libs
# shellcheck disable=SC2086
c++ -std=c++17 -Wall -Wextra -Werror -o "$tmp/engine-cxx" "$src/tests/dist/engine.cc" \
    $cflags $libs
for engine in engine-c engine-cxx; do
    # whole, not piped to grep -q: with pipefail a SIGPIPE'd ldd would fail the check
    loads=$(LD_LIBRARY_PATH="$libdir" ldd "$tmp/$engine")
    grep -q "libvigil.so.${version%%.*} => $libdir/" <<<"$loads" ||
        fail "$engine does not load the installed libvigil: $loads"
done

echo "# a C program: the library finds the monitor relative to itself"
ids+=("$id-c")
out=$(LD_LIBRARY_PATH="$libdir" "$tmp/engine-c" "$state" "$bundle" "$id-c")
[ "$out" = "$(printf 'monitor %s\nexit 7' "$vigilmon")" ] || fail "engine-c printed: $out"

echo "# a C++ program, with VIGIL_MONITOR"
ids+=("$id-cxx")
out=$(LD_LIBRARY_PATH="$libdir" VIGIL_MONITOR="$tmp/other/vigilmon" \
      "$tmp/engine-cxx" "$state" "$bundle" "$id-cxx")
[ "$out" = "$(printf 'monitor %s\nexit 7' "$tmp/other/vigilmon")" ] || fail "engine-cxx printed: $out"
echo "# ok"
