#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# static-archive.sh OUT.a MAP OBJCOPY AR ARCHIVE... -- CC [CC_ARG...]
#
# Builds libvigil.a as one relocatable object whose only global symbols are the ones MAP (the
# shared library's version script) exports. A plain archive of the objects would export
# every internal global (container_new, fd_write_all, ...): -fvisibility=hidden matters only
# to a shared object, so an engine defining a function of the same name could not link the
# static library. Here the archives are first linked together (CC -r), which binds their
# references to each other inside the one object, and every other global is then made local
# (objcopy), as the version script does for the shared library. meson's static_library()
# has no such step, hence a custom target.
set -eu

out=$1 map=$2 objcopy=$3 ar=$4
shift 4
dir=$out.p
obj=$dir/vigil.o
rm -rf "$dir"
mkdir -p "$dir"

# The map's "global:" patterns, one per line (objcopy --wildcard takes the same globs).
sed -e 's,/\*.*\*/,,g' "$map" |
	sed -n '/^[[:space:]]*global:/,/^[[:space:]]*local:/p' |
	sed -e '1d' -e '$d' -e 's/[[:space:];]//g' -e '/^$/d' >"$dir/keep"
if [ ! -s "$dir/keep" ]; then
	echo "static-archive.sh: no global: symbols in $map" >&2
	exit 1
fi

# ARCHIVE... -- CC... becomes CC... -r ... --whole-archive ARCHIVE... --no-whole-archive.
set -- "$@" -r -nostdlib -o "$obj" -Wl,--whole-archive
while [ "$1" != "--" ]; do
	set -- "$@" "$1"
	shift
done
shift
"$@" -Wl,--no-whole-archive

"$objcopy" --wildcard --keep-global-symbols="$dir/keep" "$obj"
rm -f "$out"
"$ar" rcs "$out" "$obj"
