#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The monitor's link budget, checked on the built binary (docs/architecture.md, "Memory"):
# vigilmon needs glib-2.0 and libc only; libsystemd and libseccomp are dlopen'd on first use.
# A sanitizer build adds its own runtime libraries, which are allowed. TAP output.
set -eu
bin=$1
if ! command -v readelf >/dev/null 2>&1; then
    echo "1..0 # SKIP readelf (binutils) is not installed"
    exit 0
fi
echo "1..1"
needed=$(readelf -d "$bin" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')
bad=""
for lib in $needed; do
    case $lib in
        libglib-2.0.so.* | libc.so.* | libasan.so.* | libubsan.so.* | libgcc_s.so.* | libm.so.* | libdl.so.* | libpthread.so.*) ;;
        *) bad="$bad $lib" ;;
    esac
done
if [ -z "$needed" ]; then
    echo "not ok 1 vigilmon links glib-2.0 and libc only # readelf found no NEEDED entry in $bin"
elif [ -n "$bad" ]; then
    echo "not ok 1 vigilmon links glib-2.0 and libc only"
    echo "# also needs:$bad"
else
    echo "ok 1 vigilmon links glib-2.0 and libc only ($(echo $needed))"
fi
