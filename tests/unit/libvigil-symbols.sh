#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# libvigil-symbols.sh LIBVIGIL.a LIBVIGIL.so VIGILCTL HEADER...
#
# What libvigil exports, read from the built libraries (TAP): both the static and the shared
# library define no global symbol outside the vigil_ namespace (an engine's own container_new
# or fd_write_all must link beside them), both export exactly the functions the public headers
# declare VIGIL_PUBLIC (so the version script and the static library's list cannot drift from
# the API), and the crash-injection hook of the tests is in neither, nor in vigilctl.
set -eu
static=$1 shared=$2 ctl=$3
shift 3
if ! command -v nm >/dev/null 2>&1; then
	echo "1..0 # SKIP nm (binutils) is not installed"
	exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Defined global symbols: "VALUE TYPE NAME", or "TYPE NAME" for some; the version node of
# the shared library (an absolute symbol named after the map's node, VIGIL_0.1) is no function.
nm -g --defined-only "$static" | awk 'NF >= 2 && $NF !~ /:$/ { print $NF }' | sort -u >"$tmp/static"
nm -D --defined-only "$shared" |
	awk 'NF >= 2 && !($(NF-1) == "A" && $NF ~ /^VIGIL_/) { sub(/@.*/, "", $NF); print $NF }' |
	sort -u >"$tmp/shared"
# VIGIL_PUBLIC <type> vigil_name(...), possibly over several lines.
grep -hv '^[[:space:]]*#' "$@" | tr '\n' ' ' | grep -o 'VIGIL_PUBLIC[^;(]*(' |
	sed 's/.*[^A-Za-z0-9_]\([A-Za-z0-9_]*\)[[:space:]]*($/\1/' | sort -u >"$tmp/headers"

echo "1..7"
n=0
check_prefix() {
	n=$((n + 1))
	bad=$(grep -v '^vigil_' "$2" || true)
	if [ ! -s "$2" ]; then
		echo "not ok $n - $1 exports only vigil_ symbols # it exports none (nm found nothing)"
	elif [ -n "$bad" ]; then
		echo "not ok $n - $1 exports only vigil_ symbols"
		echo "$bad" | sed 's/^/# not vigil_: /'
	else
		echo "ok $n - $1 exports only vigil_ symbols ($(wc -l <"$2") of them)"
	fi
}
check_headers() {
	n=$((n + 1))
	if diff "$tmp/headers" "$2" >"$tmp/diff"; then
		echo "ok $n - $1 exports exactly what the public headers declare"
	else
		echo "not ok $n - $1 exports exactly what the public headers declare"
		sed -n 's/^< /# declared, not exported: /p; s/^> /# exported, not declared: /p' "$tmp/diff"
	fi
}
check_prefix "the static library" "$tmp/static"
check_prefix "the shared library" "$tmp/shared"
check_headers "the static library" "$tmp/static"
check_headers "the shared library" "$tmp/shared"


# The hook reads this variable (controller/lib/crash_point.h): its name in a binary means the
# hook shipped there.
for f in "$static" "$shared" "$ctl"; do
	n=$((n + 1))
	if grep -q VIGIL_DEBUG_CRASH_AT "$f"; then
		echo "not ok $n - $(basename "$f") holds no crash-injection hook (VIGIL_DEBUG_CRASH_AT)"
	else
		echo "ok $n - $(basename "$f") holds no crash-injection hook"
	fi
done
